//! The caller's sessions: one per sign-in (a refresh-token family), with where it was last
//! used, and the revocation of one of them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::foundation::entities::refresh_tokens::{self, Column, Entity as RefreshTokens};
use crate::{
    auth::{liveness::Liveness, refresh_tokens as tokens},
    foundation::{
        error::{AppError, AppResult},
        identity::AuthUser,
    },
};

/// One signed-in session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: Uuid,
    /// The sign-in.
    pub created_at: DateTime<Utc>,
    /// The last sign-in or refresh (a refresh comes every access-token lifetime while in use).
    pub last_used_at: DateTime<Utc>,
    /// As of the last use.
    pub user_agent: Option<String>,
    pub client_address: Option<String>,
    /// The session the caller's access token belongs to.
    pub current: bool,
}

/// The caller's live sessions, most recently used first.
pub async fn list(db: &DatabaseConnection, caller: &AuthUser) -> AppResult<Vec<Session>> {
    let rows = RefreshTokens::find()
        .filter(Column::UserId.eq(caller.id))
        .filter(Column::RevokedAt.is_null())
        .all(db)
        .await?;
    let mut families: HashMap<Uuid, Vec<refresh_tokens::Model>> = HashMap::new();
    for row in rows {
        families.entry(row.family_id).or_default().push(row);
    }
    let now = Utc::now();
    let mut sessions: Vec<Session> = families
        .into_iter()
        .filter_map(|(id, mut rows)| {
            // A session lives while its newest token is unspent and unexpired.
            rows.sort_by_key(|row| row.created_at);
            let newest = rows.last()?;
            let live = newest.used_at.is_none() && newest.expires_at > now;
            live.then(|| Session {
                id,
                created_at: rows[0].created_at,
                last_used_at: newest.created_at,
                user_agent: newest.user_agent.clone(),
                client_address: newest.client_address.clone(),
                current: caller.session_id == Some(id),
            })
        })
        .collect();
    sessions.sort_by(|a, b| b.last_used_at.cmp(&a.last_used_at).then(b.id.cmp(&a.id)));
    Ok(sessions)
}

/// Ends one of the caller's sessions: its refresh token stops working and so do its access
/// tokens, at once. Another user's session, or an ended one, is NOT_FOUND.
pub async fn revoke(db: &DatabaseConnection, liveness: &Liveness, caller: &AuthUser, id: Uuid) -> AppResult<()> {
    let owned = RefreshTokens::find()
        .filter(Column::UserId.eq(caller.id))
        .filter(Column::FamilyId.eq(id))
        .filter(Column::RevokedAt.is_null())
        .one(db)
        .await?;
    if owned.is_none() {
        return Err(AppError::NotFound("Session"));
    }
    tokens::revoke_family(db, id).await?;
    liveness.reload().await?;
    tracing::info!(user_id = %caller.id, session_id = %id, "session revoked");
    Ok(())
}
