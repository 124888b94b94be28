//! `schedule_occurrences` rows: an occurrence of a schedule that has been dealt with. An
//! occurrence without a row is open.

use sea_orm::entity::prelude::*;

/// How an occurrence was dealt with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum OccurrenceStatus {
    /// A transaction was written for it (by the job runner or `postOccurrence`).
    #[sea_orm(string_value = "posted")]
    Posted,
    /// A transaction the user entered or imported was recognised as it.
    #[sea_orm(string_value = "matched")]
    Matched,
    /// The user skipped it.
    #[sea_orm(string_value = "skipped")]
    Skipped,
}

#[derive(Debug, Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "schedule_occurrences")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub schedule_id: Uuid,
    /// The occurrence's nominal date (before any weekend rule): its identity.
    pub occurrence_date: Date,
    pub status: OccurrenceStatus,
    pub transaction_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
