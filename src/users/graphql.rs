//! The `User` type, `me`, `updateProfile` and `deleteAccount`.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result, ResultExt, SimpleObject};

use crate::foundation::entities::users as rows;
use crate::{
    foundation::money::{Currency, Money},
    graphql::{ContextExt, scalars::DateTime},
    users::service::{self, FinancialPatch, PreferencesPatch, ProfilePatch},
};

/// What an account may do.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum Role {
    User,
    Admin,
}

/// Appetite for investment risk, used by advice features.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum RiskTolerance {
    Low,
    Medium,
    High,
}

impl From<rows::Role> for Role {
    fn from(r: rows::Role) -> Self {
        match r {
            rows::Role::User => Role::User,
            rows::Role::Admin => Role::Admin,
        }
    }
}

impl From<rows::RiskTolerance> for RiskTolerance {
    fn from(r: rows::RiskTolerance) -> Self {
        match r {
            rows::RiskTolerance::Low => RiskTolerance::Low,
            rows::RiskTolerance::Medium => RiskTolerance::Medium,
            rows::RiskTolerance::High => RiskTolerance::High,
        }
    }
}

impl From<RiskTolerance> for rows::RiskTolerance {
    fn from(r: RiskTolerance) -> Self {
        match r {
            RiskTolerance::Low => rows::RiskTolerance::Low,
            RiskTolerance::Medium => rows::RiskTolerance::Medium,
            RiskTolerance::High => rows::RiskTolerance::High,
        }
    }
}

/// How amounts and dates are shown to the user.
#[derive(SimpleObject)]
pub struct Preferences {
    /// ISO 4217 code, e.g. "USD".
    currency: String,
    /// BCP 47 language tag, e.g. "en".
    language: String,
    /// IANA time zone; "this month" and the dashboard's default period follow it.
    timezone: String,
}

/// The user's own financial targets.
#[derive(SimpleObject)]
pub struct FinancialSettings {
    /// Typical monthly income.
    monthly_income: Option<Money>,
    /// Target savings per month.
    savings_goal: Option<Money>,
    /// Appetite for investment risk.
    risk_tolerance: RiskTolerance,
}

/// A SmartSave account.
#[derive(SimpleObject)]
pub struct User {
    /// Stable identifier.
    #[graphql(owned)]
    pub id: ID,
    /// Login email, lower-cased.
    email: String,
    /// Whether `email` was confirmed through the link mailed to it (`verifyEmail`).
    email_verified: bool,
    /// Whether sign-in needs a two-factor code (`enableTwoFactor`, `confirmTwoFactor`).
    two_factor_enabled: bool,
    /// Given name.
    first_name: Option<String>,
    /// Family name.
    last_name: Option<String>,
    /// What the account may do.
    role: Role,
    /// Display preferences.
    preferences: Preferences,
    /// Income and savings targets.
    financial_settings: FinancialSettings,
    /// When the account was created.
    created_at: DateTime,
    /// When the profile last changed.
    updated_at: DateTime,
}

impl From<rows::Model> for User {
    fn from(m: rows::Model) -> Self {
        let currency = Currency::of(&m.currency);
        let money = |minor: Option<i64>| minor.map(|v| currency.amount(v));
        User {
            id: ID(m.id.to_string()),
            email: m.email,
            email_verified: m.email_verified_at.is_some(),
            two_factor_enabled: m.two_factor_enabled_at.is_some(),
            first_name: m.first_name,
            last_name: m.last_name,
            role: m.role.into(),
            preferences: Preferences {
                currency: m.currency,
                language: m.language,
                timezone: m.timezone,
            },
            financial_settings: FinancialSettings {
                monthly_income: money(m.monthly_income),
                savings_goal: money(m.savings_goal),
                risk_tolerance: m.risk_tolerance.into(),
            },
            created_at: DateTime(m.created_at),
            updated_at: DateTime(m.updated_at),
        }
    }
}

/// Preference changes; omitted fields keep their value.
#[derive(InputObject)]
pub struct PreferencesInput {
    /// ISO 4217 code, e.g. "EUR".
    currency: Option<String>,
    /// BCP 47 language tag, e.g. "de".
    language: Option<String>,
    /// IANA time zone, e.g. "Europe/Berlin".
    timezone: Option<String>,
}

impl From<PreferencesInput> for PreferencesPatch {
    fn from(p: PreferencesInput) -> Self {
        PreferencesPatch {
            currency: p.currency,
            language: p.language,
            timezone: p.timezone,
        }
    }
}

/// Financial-setting changes; omitted fields keep their value, null clears an amount.
#[derive(InputObject)]
pub struct FinancialSettingsInput {
    /// Typical monthly income, not negative; null clears it.
    monthly_income: MaybeUndefined<Money>,
    /// Target savings per month, not negative; null clears it.
    savings_goal: MaybeUndefined<Money>,
    /// Appetite for investment risk.
    risk_tolerance: Option<RiskTolerance>,
}

impl From<FinancialSettingsInput> for FinancialPatch {
    fn from(f: FinancialSettingsInput) -> Self {
        FinancialPatch {
            monthly_income: crate::graphql::patch(f.monthly_income),
            savings_goal: crate::graphql::patch(f.savings_goal),
            risk_tolerance: f.risk_tolerance.map(Into::into),
        }
    }
}

/// Profile changes; omitted fields keep their value.
#[derive(InputObject)]
pub struct UpdateProfileInput {
    /// 1 to 100 characters.
    first_name: Option<String>,
    /// 1 to 100 characters.
    last_name: Option<String>,
    /// Preference changes.
    preferences: Option<PreferencesInput>,
    /// Financial-setting changes.
    financial_settings: Option<FinancialSettingsInput>,
}

#[derive(Default)]
pub struct UsersQuery;

#[Object]
impl UsersQuery {
    /// The signed-in account.
    async fn me(&self, ctx: &Context<'_>) -> Result<User> {
        let caller = ctx.auth_user().extend()?;
        service::get(&ctx.reads().extend()?, caller.id)
            .await
            .map(Into::into)
            .extend()
    }
}

#[derive(Default)]
pub struct UsersMutation;

#[Object]
impl UsersMutation {
    /// Updates names, preferences and financial settings.
    async fn update_profile(&self, ctx: &Context<'_>, input: UpdateProfileInput) -> Result<User> {
        let (db, caller) = ctx.authenticated().extend()?;
        let patch = ProfilePatch {
            first_name: input.first_name,
            last_name: input.last_name,
            preferences: input.preferences.map(Into::into).unwrap_or_default(),
            financial: input.financial_settings.map(Into::into).unwrap_or_default(),
        };
        service::update_profile(db, caller.id, patch)
            .await
            .map(Into::into)
            .extend()
    }

    /// Deletes the account and every row it owns. Requires the current password.
    async fn delete_account(&self, ctx: &Context<'_>, password: String) -> Result<bool> {
        let (db, caller) = ctx.authenticated().extend()?;
        service::delete_account(db, caller.id, password.into())
            .await
            .map(|()| true)
            .extend()
    }
}
