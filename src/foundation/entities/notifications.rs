//! `notifications` rows: something that happened, kept for its user until read.

use sea_orm::entity::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    /// BUDGET_ALERT, GOAL_MILESTONE, ACHIEVEMENT, ... (`notifications::Kind`).
    pub kind: String,
    pub title: String,
    pub body: String,
    /// JSON: the ids and figures of what happened.
    pub data: String,
    /// At most one notification per user and key (a budget's threshold, say).
    pub dedupe_key: Option<String>,
    pub created_at: DateTimeUtc,
    pub read_at: Option<DateTimeUtc>,
    /// Shown in the app (the user's preference for its kind when it was raised).
    pub in_app: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
