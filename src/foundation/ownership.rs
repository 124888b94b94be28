//! Every user-owned table is read and written through these helpers, so the `user_id`
//! predicate is part of the type rather than something each query must remember.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Select};
use uuid::Uuid;

use crate::foundation::entities::{
    accounts, achievements, budget_categories, budgets, exchange_rates, goal_contributions, goal_milestones,
    import_batches, notifications, rules, savings_goals, schedule_occurrences, schedules, transaction_splits,
    transactions, users, webhook_deliveries, webhooks,
};
use crate::foundation::{
    db::Reads,
    error::{AppError, AppResult},
};

/// The caller's own account row. A valid token for a deleted account is no identity at all.
pub async fn account(db: &impl Reads, user_id: Uuid) -> AppResult<users::Model> {
    db.ordered(users::Entity::find_by_id(user_id), Vec::new())
        .await?
        .pop()
        .ok_or(AppError::Unauthenticated("This account no longer exists"))
}

/// An entity whose rows belong to one user.
pub trait Owned: EntityTrait {
    /// What the API calls it in NOT_FOUND errors.
    const NAME: &'static str;
    fn id_column() -> Self::Column;
    fn owner_column() -> Self::Column;
    fn id_of(row: &Self::Model) -> Uuid;
}

/// The caller's rows of `E`.
pub fn owned<E: Owned>(user_id: Uuid) -> Select<E> {
    E::find().filter(E::owner_column().eq(user_id))
}

/// The caller's row `id`, or `None`, also when it belongs to someone else.
pub async fn find<E: Owned>(db: &impl ConnectionTrait, user_id: Uuid, id: Uuid) -> AppResult<Option<E::Model>> {
    Ok(owned::<E>(user_id).filter(E::id_column().eq(id)).one(db).await?)
}

/// The caller's row `id`, or NOT_FOUND.
pub async fn get<E: Owned>(db: &impl ConnectionTrait, user_id: Uuid, id: Uuid) -> AppResult<E::Model> {
    find::<E>(db, user_id, id).await?.ok_or(AppError::NotFound(E::NAME))
}

/// The caller's rows among `ids` (one statement, for loaders).
pub async fn by_ids<E: Owned>(db: &impl ConnectionTrait, user_id: Uuid, ids: &[Uuid]) -> AppResult<Vec<E::Model>> {
    Ok(owned::<E>(user_id)
        .filter(E::id_column().is_in(ids.iter().copied()))
        .all(db)
        .await?)
}

/// Deletes the caller's row `id` and returns the id, or NOT_FOUND.
pub async fn delete<E: Owned>(db: &impl ConnectionTrait, user_id: Uuid, id: Uuid) -> AppResult<Uuid> {
    let result = E::delete_many()
        .filter(E::owner_column().eq(user_id))
        .filter(E::id_column().eq(id))
        .exec(db)
        .await?;
    if result.rows_affected == 0 {
        Err(AppError::NotFound(E::NAME))
    } else {
        Ok(id)
    }
}

/// The tables whose rows are nodes of the API (objects a client may fetch by id alone).
pub const NODE_TABLES: [&str; 9] = [
    "accounts",
    "budgets",
    "budget_categories",
    "transactions",
    "savings_goals",
    "goal_contributions",
    "achievements",
    "exchange_rates",
    "schedules",
];

/// Which of `NODE_TABLES` (or `users`, for the caller's own id) holds each of `ids` among
/// the caller's rows, in one statement; another user's id, like an unknown one, is absent.
pub async fn locate(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    ids: &[Uuid],
) -> AppResult<std::collections::HashMap<Uuid, &'static str>> {
    let mut found = std::collections::HashMap::new();
    if ids.contains(&user_id) {
        found.insert(user_id, "users");
    }
    let others: Vec<Uuid> = ids.iter().copied().filter(|id| *id != user_id).collect();
    if others.is_empty() {
        return Ok(found);
    }
    let list = crate::foundation::db::placeholders(others.len());
    let sql = NODE_TABLES
        .iter()
        .map(|table| format!("SELECT id, '{table}' AS node_table FROM {table} WHERE user_id = ? AND id IN ({list})"))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let mut values: Vec<sea_orm::Value> = Vec::with_capacity(NODE_TABLES.len() * (others.len() + 1));
    for _ in NODE_TABLES {
        values.push(user_id.into());
        values.extend(others.iter().map(|id| sea_orm::Value::from(*id)));
    }
    let backend = db.get_database_backend();
    for row in db
        .query_all_raw(crate::foundation::db::statement(backend, &sql, values))
        .await?
    {
        let id: Uuid = row.try_get_by_index(0)?;
        let table: String = row.try_get_by_index(1)?;
        if let Some(table) = NODE_TABLES.iter().find(|t| **t == table) {
            found.insert(id, *table);
        }
    }
    Ok(found)
}

macro_rules! owned_by_user_id {
    ($($module:ident => $name:literal),* $(,)?) => {$(
        impl Owned for $module::Entity {
            const NAME: &'static str = $name;
            fn id_column() -> Self::Column {
                $module::Column::Id
            }
            fn owner_column() -> Self::Column {
                $module::Column::UserId
            }
            fn id_of(row: &Self::Model) -> Uuid {
                row.id
            }
        }
    )*};
}

owned_by_user_id! {
    accounts => "account",
    budgets => "budget",
    budget_categories => "budget category",
    exchange_rates => "exchange rate",
    transactions => "transaction",
    transaction_splits => "transaction split",
    savings_goals => "savings goal",
    schedules => "schedule",
    schedule_occurrences => "schedule occurrence",
    goal_contributions => "goal contribution",
    goal_milestones => "goal milestone",
    achievements => "achievement",
    rules => "rule",
    import_batches => "import batch",
    notifications => "notification",
    webhooks => "webhook",
    webhook_deliveries => "webhook delivery",
}
