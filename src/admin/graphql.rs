//! `adminUsers`, `adminStats`, `adminDisableUser`, `adminEnableUser`: FORBIDDEN to anyone but
//! an admin, and never a field of anyone's money.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result, ResultExt, SimpleObject};

use crate::foundation::entities::users as rows;
use crate::{
    admin::service,
    auth::liveness::Liveness,
    foundation::{error::AppError, ids, pagination::PageArgs},
    graphql::{
        ContextExt,
        connection::{Conn, TotalCount, connection},
        scalars::DateTime,
    },
    users::graphql::Role,
};

/// An account as an admin sees it: who, since when, how active; nothing financial.
#[derive(SimpleObject)]
pub struct AdminUser {
    /// The account's id.
    id: ID,
    /// Sign-in address.
    email: String,
    /// Given name.
    first_name: Option<String>,
    /// Family name.
    last_name: Option<String>,
    /// What the account may do.
    role: Role,
    /// Whether the address was confirmed through its link.
    email_verified: bool,
    /// Whether sign-in needs a two-factor code.
    two_factor_enabled: bool,
    /// Disabled accounts cannot sign in and their tokens are refused.
    disabled: bool,
    /// When the account was registered.
    created_at: DateTime,
    /// The last sign-in or token refresh.
    last_active_at: Option<DateTime>,
}

impl From<rows::Model> for AdminUser {
    fn from(u: rows::Model) -> Self {
        AdminUser {
            id: ids::to_id(u.id),
            email: u.email,
            first_name: u.first_name,
            last_name: u.last_name,
            role: u.role.into(),
            email_verified: u.email_verified_at.is_some(),
            two_factor_enabled: u.two_factor_enabled_at.is_some(),
            disabled: u.disabled_at.is_some(),
            created_at: DateTime(u.created_at),
            last_active_at: u.last_active_at.map(DateTime),
        }
    }
}

/// Service-wide counts.
#[derive(SimpleObject)]
pub struct AdminStats {
    /// Every account, disabled ones included.
    users: i32,
    /// Accounts that signed in or refreshed a session in the last 30 days.
    active_last_30_days: i32,
    /// Accounts an admin disabled.
    disabled_users: i32,
    /// Every transaction of every account (a count only).
    transactions: i32,
}

fn clamp(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

#[derive(Default)]
pub struct AdminQuery;

#[Object]
impl AdminQuery {
    /// Accounts, newest first, optionally those whose address or name contains `search`.
    /// Admins only.
    #[graphql(complexity = "crate::graphql::complexity::page_cost(first, None, child_complexity)")]
    async fn admin_users(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        search: Option<String>,
    ) -> Result<Conn<AdminUser>> {
        let (db, caller) = ctx.authenticated().extend()?;
        service::require_admin(db, caller).await.extend()?;
        let page = PageArgs {
            first,
            after,
            ..Default::default()
        }
        .validate(service::CURSOR_SCOPE)
        .extend()?;
        let rows = service::list_users(db, search.as_deref(), &page).await.extend()?;
        let db = db.clone();
        let total = TotalCount::deferred(move || {
            let (db, search) = (db.clone(), search.clone());
            Box::pin(async move { service::count_users(&db, search.as_deref()).await })
        });
        Ok(connection(rows, total, AdminUser::from))
    }

    /// How many accounts, active accounts and transactions there are. Admins only.
    async fn admin_stats(&self, ctx: &Context<'_>) -> Result<AdminStats> {
        let (db, caller) = ctx.authenticated().extend()?;
        service::require_admin(db, caller).await.extend()?;
        let stats = service::stats(db).await.extend()?;
        Ok(AdminStats {
            users: clamp(stats.users),
            active_last_30_days: clamp(stats.active_last_30_days),
            disabled_users: clamp(stats.disabled),
            transactions: clamp(stats.transactions),
        })
    }
}

#[derive(Default)]
pub struct AdminMutation;

#[Object]
impl AdminMutation {
    /// Disables an account: it cannot sign in, every session is revoked and its access tokens
    /// are refused at once. Not your own. Admins only.
    async fn admin_disable_user(&self, ctx: &Context<'_>, id: ID) -> Result<AdminUser> {
        set_disabled(ctx, id, true).await
    }

    /// Enables a disabled account again (its user signs in anew). Admins only.
    async fn admin_enable_user(&self, ctx: &Context<'_>, id: ID) -> Result<AdminUser> {
        set_disabled(ctx, id, false).await
    }
}

async fn set_disabled(ctx: &Context<'_>, id: ID, disabled: bool) -> Result<AdminUser> {
    let (db, caller) = ctx.authenticated().extend()?;
    service::require_admin(db, caller).await.extend()?;
    let id = ids::parse(&id).ok_or(AppError::NotFound("User")).extend()?;
    let liveness = ctx.shared::<Arc<Liveness>>().extend()?;
    service::set_disabled(db, liveness, caller, id, disabled)
        .await
        .map(Into::into)
        .extend()
}
