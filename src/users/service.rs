//! Account reads and writes. Every function takes the caller's id; none sees GraphQL types.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, Set,
    TransactionTrait,
};
use secrecy::SecretString;
use uuid::Uuid;

use crate::foundation::entities::users::{self, Entity as Users, RiskTolerance};
use crate::{
    accounts,
    foundation::{
        db::Reads,
        error::{AppError, AppResult, FieldErrors},
        money::{Currency, Money},
        ownership,
    },
    users::{password, validate},
};

/// Preference changes; `None` leaves a value as it is.
#[derive(Debug, Default)]
pub struct PreferencesPatch {
    pub currency: Option<String>,
    pub language: Option<String>,
    pub timezone: Option<String>,
}

/// Financial-setting changes; `Some(None)` clears an amount.
#[derive(Debug, Default)]
pub struct FinancialPatch {
    pub monthly_income: Option<Option<Money>>,
    pub savings_goal: Option<Option<Money>>,
    pub risk_tolerance: Option<RiskTolerance>,
}

#[derive(Debug, Default)]
pub struct ProfilePatch {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub preferences: PreferencesPatch,
    pub financial: FinancialPatch,
}

/// The caller's account. A valid token for a deleted account is no identity at all.
pub async fn get(db: &impl Reads, user_id: Uuid) -> AppResult<users::Model> {
    ownership::account(db, user_id).await
}

/// Whether an account uses `email` (already normalised).
pub async fn email_taken(db: &DatabaseConnection, email: &str) -> AppResult<bool> {
    Ok(Users::find().filter(users::Column::Email.eq(email)).count(db).await? > 0)
}

pub async fn update_profile(db: &DatabaseConnection, user_id: Uuid, patch: ProfilePatch) -> AppResult<users::Model> {
    let mut user = get(db, user_id).await?.into_active_model();
    let mut errors = FieldErrors::default();
    if let Some(first) = patch
        .first_name
        .and_then(|v| errors.take("input.firstName", validate::name(&v)))
    {
        user.first_name = Set(Some(first));
    }
    if let Some(last) = patch
        .last_name
        .and_then(|v| errors.take("input.lastName", validate::name(&v)))
    {
        user.last_name = Set(Some(last));
    }
    apply_settings(&mut user, patch.preferences, patch.financial, &mut errors);
    errors.finish()?;
    user.updated_at = Set(crate::foundation::db::now());
    let txn = db.begin().await?;
    let user = user.update(&txn).await?;
    accounts::service::follow_reporting_currency(&txn, user_id, Currency::of(&user.currency)).await?;
    txn.commit().await?;
    Ok(user)
}

/// Validates and applies preference and financial changes to `user`, recording problems
/// under the `input.preferences.*` and `input.financialSettings.*` fields.
pub fn apply_settings(
    user: &mut users::ActiveModel,
    prefs: PreferencesPatch,
    fin: FinancialPatch,
    errors: &mut FieldErrors,
) {
    // The reporting currency: income and savings targets are amounts in it.
    let old_currency = Currency::of(stored(&user.currency).map_or("USD", String::as_str));
    let currency = prefs
        .currency
        .and_then(|v| errors.take("input.preferences.currency", validate::currency(&v)))
        .unwrap_or(old_currency);
    user.currency = Set(currency.code().to_owned());
    if let Some(v) = prefs
        .language
        .and_then(|v| errors.take("input.preferences.language", validate::language(&v)))
    {
        user.language = Set(v);
    }
    if let Some(v) = prefs
        .timezone
        .and_then(|v| errors.take("input.preferences.timezone", validate::timezone(&v)))
    {
        user.timezone = Set(v);
    }
    // A new amount is read in the new currency; one kept is rescaled to it, which fails only
    // when the new currency has too few decimals for it.
    let mut amount = |field: &str, patch: Option<Option<Money>>, kept: Option<i64>| -> Option<Option<i64>> {
        match patch {
            Some(None) => Some(None),
            Some(Some(m)) => errors.take(field, validate::non_negative(m, currency)).map(Some),
            None if currency == old_currency => None,
            None => {
                let rescaled = kept.map(|minor| {
                    currency.rescale_from(minor, old_currency).ok_or_else(|| {
                        format!("does not fit {currency}'s decimals; set it again with the new currency")
                    })
                });
                errors.take(field, rescaled.transpose())
            }
        }
    };
    let income = amount(
        "input.financialSettings.monthlyIncome",
        fin.monthly_income,
        stored(&user.monthly_income).copied().flatten(),
    );
    if let Some(v) = income {
        user.monthly_income = Set(v);
    }
    let savings = amount(
        "input.financialSettings.savingsGoal",
        fin.savings_goal,
        stored(&user.savings_goal).copied().flatten(),
    );
    if let Some(v) = savings {
        user.savings_goal = Set(v);
    }
    if let Some(v) = fin.risk_tolerance {
        user.risk_tolerance = Set(v);
    }
}

/// The value an active model holds (set or loaded), if any.
fn stored<V: Into<sea_orm::Value>>(value: &sea_orm::ActiveValue<V>) -> Option<&V> {
    match value {
        sea_orm::ActiveValue::Set(v) | sea_orm::ActiveValue::Unchanged(v) => Some(v),
        sea_orm::ActiveValue::NotSet => None,
    }
}

/// Deletes the account and, through ON DELETE CASCADE, every row it owns.
pub async fn delete_account(db: &DatabaseConnection, user_id: Uuid, password: SecretString) -> AppResult<()> {
    let user = get(db, user_id).await?;
    if !password::verify(password, Some(user.password_hash.clone())).await? {
        return Err(AppError::invalid("password", "is incorrect"));
    }
    let txn = db.begin().await?;
    Users::delete_by_id(user.id).exec(&txn).await?;
    txn.commit().await?;
    tracing::info!(user_id = %user.id, "account deleted");
    Ok(())
}
