//! Outgoing mail, through an outbox. A service writes the mail into `outbound_emails` in the
//! same database transaction as the change it announces (a verification token, a reset), so a
//! committed token always has its mail on the way and a rolled-back one never sends. The job
//! runner delivers the outbox: at once when this instance queued something (`MailQueued`), and
//! every `MAIL_POLL_INTERVAL` for retries and for mail other instances queued.
//!
//! Delivery is SMTP (lettre) or, with no `SMTP_URL` (the embedded default), .eml files in a
//! local directory. A failed send is retried with growing delays (30 s up to 4 h) eight times,
//! then given up and logged. Each row is claimed before it is sent, so two workers or two
//! instances never send one mail twice; sent rows lose their bodies (single-use links).

pub mod templates;

use std::{path::PathBuf, sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use lettre::{
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, MultiPart},
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, sea_query::Expr,
};
use secrecy::ExposeSecret;
use tokio::sync::Notify;
use uuid::Uuid;

pub use templates::{Composed, compose};

use crate::foundation::entities::outbound_emails::{self, Column, Entity as OutboundEmails};
use crate::foundation::{
    config::MailConfig,
    db,
    error::{AppError, AppResult},
};

/// Attempts before a mail is given up.
pub const MAX_ATTEMPTS: i32 = 8;
/// Waits after the 1st, 2nd, ... failed attempt.
const BACKOFF_SECS: [i64; 7] = [30, 120, 600, 1_800, 3_600, 7_200, 14_400];
/// How long a claimed mail is left to its sender before another may try it.
const LEASE_SECS: i64 = 300;
/// Mail sent per delivery run (the next run takes the rest).
const BATCH: u64 = 50;

/// Wakes this instance's job runner when a service has queued mail.
#[derive(Clone, Default)]
pub struct MailQueued(Arc<Notify>);

impl MailQueued {
    pub fn notify(&self) {
        self.0.notify_one();
    }

    pub async fn wait(&self) {
        self.0.notified().await;
    }
}

/// What services need to queue mail: where links point, and how to wake the runner.
#[derive(Clone)]
pub struct Outbox {
    app_url: Arc<str>,
    queued: MailQueued,
}

impl Outbox {
    pub fn new(config: &MailConfig, queued: MailQueued) -> Outbox {
        Outbox {
            app_url: config.app_url.as_str().into(),
            queued,
        }
    }

    /// A link into the app: `{APP_URL}/{path}?token={token}`.
    pub fn link(&self, path: &str, token: &str) -> String {
        format!("{}/{path}?token={token}", self.app_url)
    }

    /// Tells this instance's runner that mail was committed to the outbox.
    pub fn notify(&self) {
        self.queued.notify();
    }
}

/// Writes a mail into the outbox on `db` (the caller's transaction). `content` is None for a
/// request the job runner composes (a password reset: see `auth::recovery`).
pub async fn enqueue(
    db: &impl ConnectionTrait,
    user_id: Option<Uuid>,
    kind: &str,
    recipient: &str,
    content: Option<Composed>,
) -> AppResult<Uuid> {
    let now = db::now();
    let (subject, text, html) = match content {
        Some(c) => (Some(c.subject), Some(c.text), Some(c.html)),
        None => (None, None, None),
    };
    let row = outbound_emails::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        kind: Set(kind.to_owned()),
        recipient: Set(recipient.to_owned()),
        subject: Set(subject),
        text_body: Set(text),
        html_body: Set(html),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_error: Set(None),
        sent_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(row.id)
}

/// Gives a composed body to a queued request (and leaves it due). False when another worker
/// composed it first: the caller then rolls back what it made for it.
pub async fn fill(db: &impl ConnectionTrait, id: Uuid, content: Composed) -> AppResult<bool> {
    let filled = OutboundEmails::update_many()
        .col_expr(Column::Subject, Expr::value(content.subject))
        .col_expr(Column::TextBody, Expr::value(content.text))
        .col_expr(Column::HtmlBody, Expr::value(content.html))
        .filter(Column::Id.eq(id))
        .filter(Column::Subject.is_null())
        .exec(db)
        .await?;
    Ok(filled.rows_affected == 1)
}

/// Removes a queued request that turned out to need no mail (a reset for no account).
pub async fn discard(db: &impl ConnectionTrait, id: Uuid) -> AppResult<()> {
    OutboundEmails::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// Queued requests of `kind` not yet composed, oldest first.
pub async fn uncomposed(db: &impl ConnectionTrait, kind: &str) -> AppResult<Vec<outbound_emails::Model>> {
    Ok(OutboundEmails::find()
        .filter(Column::Kind.eq(kind))
        .filter(Column::Subject.is_null())
        .filter(Column::SentAt.is_null())
        .order_by_asc(Column::CreatedAt)
        .limit(BATCH)
        .all(db)
        .await?)
}

/// Deletes mail sent, or given up, more than `days` ago (the daily clean-up).
pub async fn forget_old(db: &impl ConnectionTrait, days: i64) -> AppResult<u64> {
    let before = db::now() - chrono::Duration::days(days);
    let deleted = OutboundEmails::delete_many()
        .filter(Column::CreatedAt.lt(before))
        .filter(
            sea_orm::Condition::any()
                .add(Column::SentAt.is_not_null())
                .add(Column::Attempts.gte(MAX_ATTEMPTS)),
        )
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}

/// Where mail goes.
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Directory(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

/// Sends composed mail from the configured sender.
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

impl Mailer {
    pub fn from_config(config: &MailConfig) -> AppResult<Mailer> {
        let from = config
            .from
            .parse()
            .map_err(|e| AppError::internal(format!("MAIL_FROM: {e}")))?;
        let transport = match &config.smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    .map_err(|e| AppError::internal(format!("SMTP_URL: {e}")))?
                    .timeout(Some(Duration::from_secs(20)))
                    .build(),
            ),
            None => Transport::Directory(
                AsyncFileTransport::<Tokio1Executor>::new(&config.outbox_dir),
                config.outbox_dir.clone(),
            ),
        };
        Ok(Mailer { transport, from })
    }

    async fn send(&self, row: &outbound_emails::Model) -> Result<(), String> {
        let to: Mailbox = row.recipient.parse().map_err(|e| format!("recipient: {e}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(row.subject.clone().unwrap_or_default())
            .multipart(MultiPart::alternative_plain_html(
                row.text_body.clone().unwrap_or_default(),
                row.html_body.clone().unwrap_or_default(),
            ))
            .map_err(|e| e.to_string())?;
        match &self.transport {
            Transport::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
            Transport::Directory(files, dir) => {
                tokio::fs::create_dir_all(dir).await.map_err(|e| e.to_string())?;
                let file = files.send(message).await.map_err(|e| e.to_string())?;
                // Never the body: it holds a single-use link.
                tracing::info!(mail_id = %row.id, kind = %row.kind, file = %dir.join(format!("{file}.eml")).display(),
                    "no SMTP_URL: mail written to the outbox directory");
                Ok(())
            }
        }
    }
}

/// What one delivery run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    pub sent: u64,
    pub failed: u64,
}

/// Sends every composed mail that is due, claiming each first.
pub async fn deliver_due(db: &DatabaseConnection, mailer: &Mailer) -> AppResult<Delivery> {
    let now = db::now();
    let due = OutboundEmails::find()
        .filter(Column::SentAt.is_null())
        .filter(Column::Subject.is_not_null())
        .filter(Column::Attempts.lt(MAX_ATTEMPTS))
        .filter(Column::NextAttemptAt.lte(now))
        .order_by_asc(Column::CreatedAt)
        .limit(BATCH)
        .all(db)
        .await?;
    let mut delivery = Delivery::default();
    for row in due {
        if !claim(db, &row, now).await? {
            continue;
        }
        let attempts = row.attempts + 1;
        match mailer.send(&row).await {
            Ok(()) => {
                OutboundEmails::update_many()
                    .col_expr(Column::SentAt, Expr::value(db::now()))
                    .col_expr(Column::Attempts, Expr::value(attempts))
                    .col_expr(Column::TextBody, Expr::value(Option::<String>::None))
                    .col_expr(Column::HtmlBody, Expr::value(Option::<String>::None))
                    .col_expr(Column::LastError, Expr::value(Option::<String>::None))
                    .filter(Column::Id.eq(row.id))
                    .exec(db)
                    .await?;
                tracing::info!(mail_id = %row.id, kind = %row.kind, attempts, "mail sent");
                delivery.sent += 1;
            }
            Err(error) => {
                let retry_at = retry_at(attempts, db::now());
                OutboundEmails::update_many()
                    .col_expr(Column::Attempts, Expr::value(attempts))
                    .col_expr(Column::NextAttemptAt, Expr::value(retry_at.unwrap_or(now)))
                    .col_expr(
                        Column::LastError,
                        Expr::value(error.chars().take(500).collect::<String>()),
                    )
                    .filter(Column::Id.eq(row.id))
                    .exec(db)
                    .await?;
                match retry_at {
                    Some(at) => {
                        tracing::warn!(mail_id = %row.id, kind = %row.kind, attempts, %error, retry_at = %at, "mail not sent; will retry")
                    }
                    None => {
                        tracing::error!(mail_id = %row.id, kind = %row.kind, attempts, %error, "mail not sent; given up")
                    }
                }
                delivery.failed += 1;
            }
        }
    }
    Ok(delivery)
}

/// Takes `row` for this sender: true when no one else has (its due time is unchanged).
async fn claim(db: &DatabaseConnection, row: &outbound_emails::Model, now: DateTime<Utc>) -> AppResult<bool> {
    let claimed = OutboundEmails::update_many()
        .col_expr(
            Column::NextAttemptAt,
            Expr::value(now + chrono::Duration::seconds(LEASE_SECS)),
        )
        .filter(Column::Id.eq(row.id))
        .filter(Column::SentAt.is_null())
        .filter(Column::NextAttemptAt.eq(row.next_attempt_at))
        .exec(db)
        .await?;
    Ok(claimed.rows_affected == 1)
}

/// When to try again after `attempts` failures; None once they are used up.
fn retry_at(attempts: i32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let index = usize::try_from(attempts - 1).ok()?;
    let wait = BACKOFF_SECS.get(index.min(BACKOFF_SECS.len() - 1))?;
    (attempts < MAX_ATTEMPTS).then(|| now + chrono::Duration::seconds(*wait))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_longer_each_time_and_stop_after_the_last_attempt() {
        let now = Utc::now();
        let waits: Vec<i64> = (1..MAX_ATTEMPTS)
            .map(|n| (retry_at(n, now).expect("retried") - now).num_seconds())
            .collect();
        assert_eq!(waits, BACKOFF_SECS);
        assert!(waits.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(retry_at(MAX_ATTEMPTS, now), None);
    }
}
