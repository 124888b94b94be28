//! Idempotency keys: a mutation sent with `Idempotency-Key` runs once; retries with the same
//! key and body get the first response, even when twenty copies race. Kept 24 hours.

use std::time::Duration;

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::foundation::entities::idempotency_keys::{self, Column, Entity as Keys};
use crate::foundation::{
    db,
    error::{AppError, AppResult},
};

/// How long a key is remembered.
pub const TTL: chrono::Duration = chrono::Duration::hours(24);
/// How long a retry waits for the first request with its key to finish.
const WAIT: Duration = Duration::from_secs(15);

/// What to do with a request that carries a key.
pub enum Claim {
    /// First use: run it, then `finish` (or `release`) the key.
    Run(Uuid),
    /// Seen before with this body: answer with the stored response.
    Replay(String),
}

/// A key is 1 to 255 visible ASCII characters.
pub fn valid(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

/// The fingerprint of a request: what it would do, not how it was spelled on the wire.
pub fn fingerprint(operation_name: Option<&str>, query: &str, variables: &serde_json::Value) -> String {
    let mut hash = Sha256::new();
    hash.update(operation_name.unwrap_or_default().as_bytes());
    hash.update([0]);
    hash.update(query.as_bytes());
    hash.update([0]);
    hash.update(variables.to_string().as_bytes());
    format!("{:x}", hash.finalize())
}

/// Claims `key` for this request, or finds the earlier response (waiting while the first
/// copy is still running). The same key with another body is CONFLICT.
pub async fn claim(db: &DatabaseConnection, user_id: Uuid, key: &str, hash: &str) -> AppResult<Claim> {
    // Forget this user's expired keys first, so an old key simply runs again.
    Keys::delete_many()
        .filter(Column::UserId.eq(user_id))
        .filter(Column::CreatedAt.lt(Utc::now() - TTL))
        .exec(db)
        .await?;
    let id = Uuid::now_v7();
    let row = idempotency_keys::ActiveModel {
        id: Set(id),
        user_id: Set(user_id),
        key: Set(key.to_owned()),
        request_hash: Set(hash.to_owned()),
        response: Set(None),
        created_at: Set(db::now()),
    };
    match row.insert(db).await {
        Ok(_) => return Ok(Claim::Run(id)),
        Err(err) if db::is_unique_violation(&err, "idempotency_keys_user_key_key", "idempotency_keys.user_id") => {}
        Err(err) => return Err(err.into()),
    }
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let Some(earlier) = Keys::find()
            .filter(Column::UserId.eq(user_id))
            .filter(Column::Key.eq(key))
            .one(db)
            .await?
        else {
            // Released by a failed first attempt meanwhile: try to claim it again.
            return Box::pin(claim(db, user_id, key, hash)).await;
        };
        if earlier.request_hash != hash {
            return Err(AppError::Conflict(
                "This Idempotency-Key was used for a different request".into(),
            ));
        }
        if let Some(response) = earlier.response {
            return Ok(Claim::Replay(response));
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(AppError::Conflict(
                "A request with this Idempotency-Key is still in progress".into(),
            ));
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Stores the response of a claimed key for replays.
pub async fn finish(db: &DatabaseConnection, id: Uuid, response: &str) -> AppResult<()> {
    Keys::update_many()
        .col_expr(Column::Response, sea_orm::sea_query::Expr::value(response.to_owned()))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Frees a claimed key whose request failed in a way worth retrying.
pub async fn release(db: &DatabaseConnection, id: Uuid) -> AppResult<()> {
    Keys::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// Deletes every key older than `TTL`, of every user (the daily clean-up job).
pub async fn delete_expired(db: &DatabaseConnection) -> AppResult<u64> {
    let deleted = Keys::delete_many()
        .filter(Column::CreatedAt.lt(Utc::now() - TTL))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_short_visible_ascii() {
        assert!(valid("a1b2-c3d4_E5"));
        assert!(!valid(""));
        assert!(!valid(&"k".repeat(256)));
        assert!(!valid("has space"));
        assert!(!valid("ключ"));
    }

    #[test]
    fn fingerprints_depend_on_every_part() {
        let vars = serde_json::json!({ "a": 1 });
        let base = fingerprint(Some("A"), "mutation A { x }", &vars);
        assert_eq!(base, fingerprint(Some("A"), "mutation A { x }", &vars));
        assert_ne!(base, fingerprint(None, "mutation A { x }", &vars));
        assert_ne!(base, fingerprint(Some("A"), "mutation A { y }", &vars));
        assert_ne!(
            base,
            fingerprint(Some("A"), "mutation A { x }", &serde_json::json!({ "a": 2 }))
        );
    }
}
