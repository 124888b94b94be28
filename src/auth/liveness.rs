//! Whether an access token's account and session still stand. A JWT is valid until it
//! expires, but a revoked session (`revokeSession`, `logout`, a password change or reset) or a
//! disabled account must stop it at once.
//!
//! Checking the database on every request would cost a round trip per request, so each
//! instance keeps in memory what is refused: the disabled accounts, and the sessions revoked
//! within the last access-token lifetime (older revocations cannot matter: every token of
//! such a session has expired). Whatever revokes on an instance reloads the sets at once;
//! every instance also reloads them every `SESSION_SYNC_INTERVAL` (2 s by default), so a
//! revocation elsewhere takes effect within that.

use std::{
    collections::HashSet,
    sync::{Arc, RwLock},
    time::Duration,
};

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::foundation::entities::{refresh_tokens, users};
use crate::foundation::{db, error::AppResult, identity::AuthUser};

#[derive(Default, PartialEq, Eq)]
struct Refused {
    accounts: HashSet<Uuid>,
    sessions: HashSet<Uuid>,
}

pub struct Liveness {
    db: DatabaseConnection,
    /// How far back revocations matter: the access-token lifetime, plus clock leeway.
    window: Duration,
    refused: RwLock<Refused>,
    /// Bumped whenever the sets change, so live subscriptions look again at once rather than
    /// on a timer.
    changed: tokio::sync::watch::Sender<u64>,
}

impl Liveness {
    /// Loads the refused accounts and sessions; call `keep_in_sync` to follow other instances.
    /// A database that does not answer within two seconds does not stop the start (nothing
    /// works without it anyway): the sets load once it answers.
    pub async fn load(db: DatabaseConnection, access_ttl: Duration) -> Arc<Liveness> {
        let liveness = Arc::new(Liveness {
            db,
            window: access_ttl + Duration::from_secs(60),
            refused: RwLock::default(),
            changed: tokio::sync::watch::Sender::new(0),
        });
        match tokio::time::timeout(Duration::from_secs(2), liveness.reload()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "could not load revoked sessions yet"),
            Err(_) => tracing::warn!("could not load revoked sessions yet: the database did not answer"),
        }
        liveness
    }

    /// Reloads every `interval` (every second after a failure), for as long as this lives.
    pub fn keep_in_sync(self: &Arc<Self>, interval: Duration) -> tokio::task::JoinHandle<()> {
        let liveness = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut wait = interval;
            loop {
                tokio::time::sleep(wait).await;
                let Some(liveness) = liveness.upgrade() else { return };
                wait = match liveness.reload().await {
                    Ok(()) => interval,
                    Err(e) => {
                        tracing::warn!(error = %e, "could not reload revoked sessions; keeping the last known");
                        interval.min(Duration::from_secs(1))
                    }
                };
            }
        })
    }

    /// Whether `caller`'s account is enabled and its session unrevoked (no I/O).
    pub fn is_live(&self, caller: &AuthUser) -> bool {
        let Ok(refused) = self.refused.read() else {
            return true;
        };
        !refused.accounts.contains(&caller.id) && !caller.session_id.is_some_and(|s| refused.sessions.contains(&s))
    }

    /// Reads the disabled accounts and recently revoked sessions. Call after revoking.
    pub async fn reload(&self) -> AppResult<()> {
        let accounts: Vec<Uuid> = users::Entity::find()
            .select_only()
            .column(users::Column::Id)
            .filter(users::Column::DisabledAt.is_not_null())
            .into_tuple()
            .all(&self.db)
            .await?;
        let since = db::now() - chrono::Duration::from_std(self.window).unwrap_or(chrono::Duration::hours(1));
        let sessions: Vec<Uuid> = refresh_tokens::Entity::find()
            .select_only()
            .column(refresh_tokens::Column::FamilyId)
            .distinct()
            .filter(refresh_tokens::Column::RevokedAt.gt(since))
            .into_tuple()
            .all(&self.db)
            .await?;
        let loaded = Refused {
            accounts: accounts.into_iter().collect(),
            sessions: sessions.into_iter().collect(),
        };
        let changed = match self.refused.write() {
            Ok(mut refused) if *refused != loaded => {
                *refused = loaded;
                true
            }
            _ => false,
        };
        if changed {
            self.changed.send_modify(|generation| *generation += 1);
        }
        Ok(())
    }

    /// Wakes when the refused accounts or sessions change (see `is_live` then).
    pub fn changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.changed.subscribe()
    }
}
