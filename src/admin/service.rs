//! Admin reads and writes. Every entry point checks the caller's role in the database (a
//! demoted admin's token still says "admin" until it expires).

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, Select, Set, TransactionTrait,
    sea_query::{Expr, ExprTrait, Func},
};
use uuid::Uuid;

use crate::foundation::entities::{
    transactions,
    users::{self, Column, Entity as Users, Role},
};
use crate::{
    auth::{liveness::Liveness, refresh_tokens},
    foundation::{
        db,
        error::{AppError, AppResult},
        identity::AuthUser,
        pagination::{Cursor, Keyset, Page, Paged, SortKey, fetch},
    },
    users::validate,
};

pub const CURSOR_SCOPE: &str = "admin:users";

/// FORBIDDEN unless the caller is an admin now.
pub async fn require_admin(db: &DatabaseConnection, caller: &AuthUser) -> AppResult<()> {
    let is_admin = Users::find_by_id(caller.id)
        .filter(Column::Role.eq(Role::Admin))
        .filter(Column::DisabledAt.is_null())
        .count(db)
        .await?
        == 1;
    if is_admin {
        Ok(())
    } else {
        Err(AppError::Forbidden("not allowed"))
    }
}

/// Makes the account with `email` an admin (the `create-admin` command).
pub async fn promote(db: &DatabaseConnection, email: &str) -> AppResult<users::Model> {
    let email = validate::email(email).map_err(|m| AppError::invalid("email", m))?;
    let user = Users::find()
        .filter(Column::Email.eq(email))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("An account with this email"))?;
    let mut active = user.into_active_model();
    active.role = Set(Role::Admin);
    active.updated_at = Set(db::now());
    Ok(active.update(db).await?)
}

/// Accounts whose address or name contains `search` (any case).
fn matching(search: Option<&str>) -> Select<Users> {
    let mut select = Users::find();
    if let Some(search) = search.map(str::trim).filter(|s| !s.is_empty()) {
        let like = |col: Column| Expr::expr(Func::lower(Expr::col(col))).like(db::contains_lowercase(search));
        select = select.filter(
            Condition::any()
                .add(like(Column::Email))
                .add(like(Column::FirstName))
                .add(like(Column::LastName)),
        );
    }
    select
}

/// A page of accounts, newest first.
pub async fn list_users(db: &DatabaseConnection, search: Option<&str>, page: &Page) -> AppResult<Paged<users::Model>> {
    let keyset = Keyset {
        scope: CURSOR_SCOPE,
        key: None,
        id: Column::Id,
        descending: true,
    };
    fetch(db, matching(search), page, keyset, |u| Cursor {
        key: SortKey::Id,
        id: u.id,
    })
    .await
}

pub async fn count_users(db: &DatabaseConnection, search: Option<&str>) -> AppResult<u64> {
    Ok(matching(search).count(db).await?)
}

/// Service-wide counts.
pub struct Stats {
    pub users: u64,
    /// Signed in or refreshed a session in the last 30 days.
    pub active_last_30_days: u64,
    pub disabled: u64,
    pub transactions: u64,
}

pub async fn stats(db: &DatabaseConnection) -> AppResult<Stats> {
    let since = Utc::now() - chrono::Duration::days(30);
    Ok(Stats {
        users: Users::find().count(db).await?,
        active_last_30_days: Users::find().filter(Column::LastActiveAt.gte(since)).count(db).await?,
        disabled: Users::find().filter(Column::DisabledAt.is_not_null()).count(db).await?,
        transactions: transactions::Entity::find().count(db).await?,
    })
}

/// Disables (no sign-in; every session revoked, its tokens refused at once) or enables an
/// account. An admin cannot disable themselves; an unknown id is NOT_FOUND.
pub async fn set_disabled(
    db: &DatabaseConnection,
    liveness: &Liveness,
    admin: &AuthUser,
    user_id: Uuid,
    disabled: bool,
) -> AppResult<users::Model> {
    if disabled && user_id == admin.id {
        return Err(AppError::invalid("id", "is your own account"));
    }
    let user = Users::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("User"))?;
    let txn = db.begin().await?;
    let mut active = user.into_active_model();
    active.disabled_at = Set(disabled.then(db::now));
    active.updated_at = Set(db::now());
    let user = active.update(&txn).await?;
    if disabled {
        refresh_tokens::revoke_all(&txn, user.id).await?;
    }
    txn.commit().await?;
    liveness.reload().await?;
    tracing::info!(admin_id = %admin.id, user_id = %user.id, disabled, "account status changed by an admin");
    Ok(user)
}
