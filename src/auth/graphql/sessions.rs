//! `sessions` and `revokeSession`.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result, ResultExt, SimpleObject};

use crate::{
    auth::{liveness::Liveness, sessions},
    foundation::{error::AppError, ids},
    graphql::{ContextExt, scalars::DateTime},
};

/// A signed-in session: one sign-in and its refreshes, on one device.
#[derive(SimpleObject)]
pub struct Session {
    /// Pass to `revokeSession`.
    id: ID,
    /// When the user signed in.
    created_at: DateTime,
    /// The last sign-in or token refresh (clients refresh every 15 minutes while in use).
    last_used_at: DateTime,
    /// The client's `User-Agent` at its last refresh.
    user_agent: Option<String>,
    /// The client's address at its last refresh.
    client_address: Option<String>,
    /// The session this request's access token belongs to.
    current: bool,
}

impl From<sessions::Session> for Session {
    fn from(s: sessions::Session) -> Self {
        Session {
            id: ID(s.id.to_string()),
            created_at: DateTime(s.created_at),
            last_used_at: DateTime(s.last_used_at),
            user_agent: s.user_agent,
            client_address: s.client_address,
            current: s.current,
        }
    }
}

#[derive(Default)]
pub struct SessionsQuery;

#[Object]
impl SessionsQuery {
    /// The caller's signed-in sessions, most recently used first.
    async fn sessions(&self, ctx: &Context<'_>) -> Result<Vec<Session>> {
        let (db, caller) = ctx.authenticated().extend()?;
        let list = sessions::list(db, caller).await.extend()?;
        Ok(list.into_iter().map(Into::into).collect())
    }
}

#[derive(Default)]
pub struct SessionsMutation;

#[Object]
impl SessionsMutation {
    /// Signs a session out: its refresh token and its access tokens stop working at once. The
    /// current session may be revoked too. Another user's or an ended session is NOT_FOUND.
    async fn revoke_session(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let (db, caller) = ctx.authenticated().extend()?;
        let id = ids::parse(&id).ok_or(AppError::NotFound("Session")).extend()?;
        let liveness = ctx.shared::<Arc<Liveness>>().extend()?;
        sessions::revoke(db, liveness, caller, id).await.map(|()| true).extend()
    }
}
