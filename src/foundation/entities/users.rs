//! `users` rows.

use sea_orm::entity::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Role {
    #[sea_orm(string_value = "user")]
    User,
    #[sea_orm(string_value = "admin")]
    Admin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum RiskTolerance {
    #[sea_orm(string_value = "low")]
    Low,
    #[sea_orm(string_value = "medium")]
    Medium,
    #[sea_orm(string_value = "high")]
    High,
}

#[derive(Debug, Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub email: String,
    pub password_hash: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub role: Role,
    pub currency: String,
    pub language: String,
    pub timezone: String,
    /// Minor units.
    pub monthly_income: Option<i64>,
    /// Minor units.
    pub savings_goal: Option<i64>,
    pub risk_tolerance: RiskTolerance,
    /// Where transactions go when no account is named; one of the user's accounts, or none.
    pub default_account_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    /// When the current address was proven by a link sent to it; None until then.
    pub email_verified_at: Option<DateTimeUtc>,
    /// Set by an admin: no sign-in, and every token stops working at once.
    pub disabled_at: Option<DateTimeUtc>,
    /// The last sign-in or token refresh.
    pub last_active_at: Option<DateTimeUtc>,
    /// Base32 TOTP secret, set once two-factor sign-in is confirmed.
    pub two_factor_secret: Option<String>,
    /// A secret handed out by `enableTwoFactor`, not yet confirmed with a code.
    pub two_factor_pending_secret: Option<String>,
    pub two_factor_enabled_at: Option<DateTimeUtc>,
    /// The 30-second step of the last code accepted: a code works once within its window.
    pub two_factor_last_step: Option<i64>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
