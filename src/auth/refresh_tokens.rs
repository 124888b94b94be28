//! Opaque refresh tokens: 256 random bits, stored only as SHA-256, rotated on every use.
//! A used token presented again means it leaked: the whole family is revoked.

use std::time::Duration;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set,
    TransactionTrait, sea_query::Expr,
};
use uuid::Uuid;

use crate::auth::secret::{generate, hash};
use crate::foundation::entities::refresh_tokens::{self, Column, Entity as RefreshTokens};
use crate::foundation::{
    error::{AppError, AppResult},
    identity::Device,
};

const INVALID: AppError = AppError::Unauthenticated("Invalid or expired refresh token");

/// Issues a token in `family_id` (a new family per login) for the client `device`, and
/// returns its plaintext.
pub async fn issue(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    family_id: Uuid,
    ttl: Duration,
    device: &Device,
) -> AppResult<String> {
    let token = generate()?;
    let now = crate::foundation::db::now();
    refresh_tokens::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        family_id: Set(family_id),
        token_hash: Set(hash(&token)),
        expires_at: Set(now + chrono::Duration::from_std(ttl).map_err(AppError::internal)?),
        used_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(now),
        user_agent: Set(device.user_agent.clone()),
        client_address: Set(device.address.clone()),
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// A spent refresh token's successor.
pub struct Rotated {
    pub user_id: Uuid,
    /// The session: every token of one sign-in shares it.
    pub family_id: Uuid,
    pub token: String,
}

/// Spends `presented` and returns its user and the next token of the same family, issued to
/// `device` (the client refreshing).
pub async fn rotate(db: &DatabaseConnection, presented: &str, ttl: Duration, device: &Device) -> AppResult<Rotated> {
    let row = RefreshTokens::find()
        .filter(Column::TokenHash.eq(hash(presented)))
        .one(db)
        .await?
        .ok_or(INVALID)?;
    if row.revoked_at.is_some() {
        return Err(INVALID);
    }
    if row.used_at.is_some() {
        return Err(reuse_detected(db, &row).await);
    }
    if row.expires_at <= Utc::now() {
        return Err(INVALID);
    }

    let txn = db.begin().await?;
    // Conditional on still being unused: of two concurrent refreshes with one token, only
    // one can win; the other is treated as reuse.
    let spent = RefreshTokens::update_many()
        .col_expr(Column::UsedAt, Expr::value(crate::foundation::db::now()))
        .filter(Column::Id.eq(row.id))
        .filter(Column::UsedAt.is_null())
        .filter(Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if spent.rows_affected != 1 {
        txn.rollback().await?;
        return Err(reuse_detected(db, &row).await);
    }
    let token = issue(&txn, row.user_id, row.family_id, ttl, device).await?;
    txn.commit().await?;
    Ok(Rotated {
        user_id: row.user_id,
        family_id: row.family_id,
        token,
    })
}

async fn reuse_detected(db: &DatabaseConnection, row: &refresh_tokens::Model) -> AppError {
    tracing::warn!(user_id = %row.user_id, family_id = %row.family_id, "refresh token reuse detected; revoking the family");
    match revoke(db, Column::FamilyId.eq(row.family_id)).await {
        Ok(_) => INVALID,
        Err(err) => err,
    }
}

/// The user a live (unrevoked, unexpired) token belongs to, with its family.
pub async fn find_live(db: &DatabaseConnection, presented: &str) -> AppResult<Option<refresh_tokens::Model>> {
    let row = RefreshTokens::find()
        .filter(Column::TokenHash.eq(hash(presented)))
        .filter(Column::RevokedAt.is_null())
        .filter(Column::ExpiresAt.gt(Utc::now()))
        .one(db)
        .await?;
    Ok(row)
}

/// Revokes one session: every token of the family.
pub async fn revoke_family(db: &impl ConnectionTrait, family_id: Uuid) -> AppResult<u64> {
    revoke(db, Column::FamilyId.eq(family_id)).await
}

/// Revokes every session of a user.
pub async fn revoke_all(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<u64> {
    revoke(db, Column::UserId.eq(user_id)).await
}

async fn revoke(db: &impl ConnectionTrait, scope: sea_orm::sea_query::SimpleExpr) -> AppResult<u64> {
    let result = RefreshTokens::update_many()
        .col_expr(Column::RevokedAt, Expr::value(crate::foundation::db::now()))
        .filter(scope)
        .filter(Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Deletes every expired token, of every user (the daily clean-up job). Revoked tokens that
/// have not expired stay: presenting one again must still revoke its family.
pub async fn delete_expired(db: &impl ConnectionTrait) -> AppResult<u64> {
    let deleted = RefreshTokens::delete_many()
        .filter(Column::ExpiresAt.lt(Utc::now()))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}
