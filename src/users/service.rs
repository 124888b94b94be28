//! Account reads and writes. Every function takes the caller's id; none sees GraphQL types.

use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, IntoActiveModel, Set, TransactionTrait};
use secrecy::SecretString;
use uuid::Uuid;

use crate::foundation::entities::users::{self, Entity as Users, RiskTolerance};
use crate::{
    foundation::{
        error::{AppError, AppResult, FieldErrors},
        money::Money,
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
pub async fn get(db: &DatabaseConnection, user_id: Uuid) -> AppResult<users::Model> {
    ownership::account(db, user_id).await
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
    Ok(user.update(db).await?)
}

/// Validates and applies preference and financial changes to `user`, recording problems
/// under the `input.preferences.*` and `input.financialSettings.*` fields.
pub fn apply_settings(
    user: &mut users::ActiveModel,
    prefs: PreferencesPatch,
    fin: FinancialPatch,
    errors: &mut FieldErrors,
) {
    if let Some(v) = prefs
        .currency
        .and_then(|v| errors.take("input.preferences.currency", validate::currency(&v)))
    {
        user.currency = Set(v);
    }
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
    let mut amount = |field: &str, value: Option<Money>| -> Option<Option<i64>> {
        match value {
            None => Some(None),
            Some(m) => errors.take(field, validate::non_negative(m)).map(|m| Some(m.minor())),
        }
    };
    if let Some(v) = fin
        .monthly_income
        .and_then(|v| amount("input.financialSettings.monthlyIncome", v))
    {
        user.monthly_income = Set(v);
    }
    if let Some(v) = fin
        .savings_goal
        .and_then(|v| amount("input.financialSettings.savingsGoal", v))
    {
        user.savings_goal = Set(v);
    }
    if let Some(v) = fin.risk_tolerance {
        user.risk_tolerance = Set(v);
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
