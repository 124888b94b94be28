//! Single-use tokens sent by mail: verify an address, change to a new one, reset a password.
//! 256 random bits, stored as SHA-256, spent by a conditional update so that of two uses at
//! once only one succeeds.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, sea_query::Expr};
use uuid::Uuid;

use crate::auth::secret;
use crate::foundation::entities::user_tokens::{self, Column, Entity as UserTokens, Purpose};
use crate::foundation::{
    db,
    error::{AppError, AppResult},
};

/// The same answer for an unknown, used, expired or wrong-purpose token.
pub fn invalid() -> AppError {
    AppError::invalid("token", "is invalid, already used or expired")
}

/// Issues a token for `purpose` proving `email`, valid for `ttl`; returns its plaintext.
pub async fn issue(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    purpose: Purpose,
    email: &str,
    ttl: chrono::Duration,
) -> AppResult<String> {
    let token = secret::generate()?;
    let now = db::now();
    user_tokens::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        purpose: Set(purpose),
        token_hash: Set(secret::hash(&token)),
        email: Set(email.to_owned()),
        expires_at: Set(now + ttl),
        used_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// The live (unused, unexpired) token `presented` is, if it is one of `purposes`.
pub async fn find_live(
    db: &impl ConnectionTrait,
    purposes: &[Purpose],
    presented: &str,
) -> AppResult<user_tokens::Model> {
    UserTokens::find()
        .filter(Column::TokenHash.eq(secret::hash(presented.trim())))
        .one(db)
        .await?
        .filter(|row| purposes.contains(&row.purpose) && row.used_at.is_none() && row.expires_at > Utc::now())
        .ok_or_else(invalid)
}

/// Spends a live token found by `find_live`: of two uses at once, only one succeeds.
pub async fn spend(db: &impl ConnectionTrait, token: &user_tokens::Model) -> AppResult<()> {
    let spent = UserTokens::update_many()
        .col_expr(Column::UsedAt, Expr::value(db::now()))
        .filter(Column::Id.eq(token.id))
        .filter(Column::UsedAt.is_null())
        .exec(db)
        .await?;
    if spent.rows_affected != 1 {
        return Err(invalid());
    }
    Ok(())
}

/// Spends `presented` if it is a live token of one of `purposes`. Writes first: inside a
/// transaction on SQLite, a read followed by a write must upgrade its lock and fails at once
/// (SQLITE_BUSY) when another writer went first, where a first write waits its turn.
pub async fn redeem(db: &impl ConnectionTrait, purposes: &[Purpose], presented: &str) -> AppResult<user_tokens::Model> {
    let hash = secret::hash(presented.trim());
    let now = db::now();
    let spent = UserTokens::update_many()
        .col_expr(Column::UsedAt, Expr::value(now))
        .filter(Column::TokenHash.eq(hash.clone()))
        .filter(Column::UsedAt.is_null())
        .filter(Column::ExpiresAt.gt(now))
        .filter(Column::Purpose.is_in(purposes.iter().copied()))
        .exec(db)
        .await?;
    if spent.rows_affected != 1 {
        return Err(invalid());
    }
    UserTokens::find()
        .filter(Column::TokenHash.eq(hash))
        .one(db)
        .await?
        .ok_or_else(invalid)
}

/// Spends every live token of `purpose` of a user (a newer one, or the change, made them moot).
pub async fn spend_all(db: &impl ConnectionTrait, user_id: Uuid, purpose: Purpose) -> AppResult<()> {
    UserTokens::update_many()
        .col_expr(Column::UsedAt, Expr::value(db::now()))
        .filter(Column::UserId.eq(user_id))
        .filter(Column::Purpose.eq(purpose))
        .filter(Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes tokens that expired more than a day ago (the daily clean-up).
pub async fn delete_expired(db: &impl ConnectionTrait) -> AppResult<u64> {
    let deleted = UserTokens::delete_many()
        .filter(Column::ExpiresAt.lt(Utc::now() - chrono::Duration::days(1)))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}
