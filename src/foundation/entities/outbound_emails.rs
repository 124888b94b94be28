//! `outbound_emails` rows: the outbox of mail the job runner delivers.

use sea_orm::entity::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbound_emails")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// None for a password-reset request: the address may belong to no one.
    pub user_id: Option<Uuid>,
    /// What the mail is ("verify_email", "reset_password", ...): a log label and, for a
    /// request composed by the job runner, what to compose.
    pub kind: String,
    pub recipient: String,
    /// None until composed; the bodies are cleared once sent (they hold single-use links).
    pub subject: Option<String>,
    pub text_body: Option<String>,
    pub html_body: Option<String>,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
