//! `schedules` rows: a transaction that repeats by an RFC 5545 rule.

use sea_orm::entity::prelude::*;

use crate::foundation::entities::transactions::TransactionType;

/// When an occurrence on a Saturday or Sunday is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum WeekendRule {
    #[sea_orm(string_value = "none")]
    None,
    #[sea_orm(string_value = "before")]
    Before,
    #[sea_orm(string_value = "after")]
    After,
}

#[derive(Debug, Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "schedules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub account_id: Uuid,
    pub budget_category_id: Option<Uuid>,
    pub payee: Option<String>,
    pub description: String,
    /// Minor units of `currency` (the account's), always positive; `kind` gives the direction.
    pub amount: i64,
    pub currency: String,
    #[sea_orm(column_name = "type")]
    pub kind: TransactionType,
    /// The RFC 5545 RRULE, without DTSTART, COUNT or UNTIL ("FREQ=MONTHLY;BYMONTHDAY=-1").
    pub rule: String,
    pub start_date: Date,
    pub end_date: Option<Date>,
    pub max_occurrences: Option<i32>,
    pub weekend_rule: WeekendRule,
    /// Posted by the job runner when due; otherwise only by `postOccurrence`.
    pub auto_post: bool,
    /// How far (minor units) a real transaction's amount may be from `amount` to match.
    pub amount_tolerance: i64,
    /// How many days before or after its due date a real transaction may match an occurrence.
    pub match_window_days: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
