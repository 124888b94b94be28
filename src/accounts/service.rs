//! Account reads and writes, scoped by the caller's user id. An account has one currency; its
//! transactions are in it. Balances are computed from the opening balance and every
//! transaction, in SQL (`foundation::ledger::signed_amount`).

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, Set, TransactionTrait,
    sea_query::{Expr, ExprTrait, Query},
};
use uuid::Uuid;

use crate::foundation::entities::accounts::{self, AccountKind, Column, Entity as Accounts};
use crate::foundation::entities::transactions;
use crate::foundation::entities::users;
use crate::foundation::{
    db,
    error::{AppError, AppResult, FieldErrors},
    ledger::signed_amount,
    money::{Currency, Money},
    ownership, periods, validate,
};

const NAME_MAX: usize = 100;
/// The account every user starts with, and the one made when a user has none left.
const MAIN: &str = "Main";

pub struct NewAccount {
    pub name: String,
    pub kind: AccountKind,
    /// ISO 4217 code; the caller's currency when omitted.
    pub currency: Option<String>,
    pub opening_balance: Option<Money>,
    /// Today in the caller's time zone when omitted.
    pub opening_date: Option<NaiveDate>,
    pub on_budget: Option<bool>,
}

/// Account changes; `None` keeps a value.
#[derive(Default)]
pub struct AccountPatch {
    pub name: Option<String>,
    pub kind: Option<AccountKind>,
    pub currency: Option<String>,
    pub opening_balance: Option<Money>,
    pub opening_date: Option<NaiveDate>,
    pub on_budget: Option<bool>,
}

/// An account's balance and the part of it that has cleared, in minor units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Balance {
    pub balance: i64,
    pub cleared: i64,
}

pub async fn create(db: &impl ConnectionTrait, user_id: Uuid, new: NewAccount) -> AppResult<accounts::Model> {
    let user = ownership::account(db, user_id).await?;
    let mut errors = FieldErrors::default();
    let name = errors.take("input.name", validate::label(&new.name, NAME_MAX));
    let currency = match &new.currency {
        Some(code) => errors.take("input.currency", Currency::parse(code)),
        None => Some(Currency::of(&user.currency)),
    }
    .unwrap_or(Currency::USD);
    let opening = new.opening_balance.unwrap_or(Money::ZERO);
    let opening = errors.take("input.openingBalance", validate::amount(opening, currency));
    let opening_date = match new.opening_date {
        Some(date) => errors.take("input.openingDate", validate::plausible_date(date)),
        None => Some(periods::today_in(&user.timezone)),
    };
    errors.finish()?;
    let now = db::now();
    let row = accounts::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        name: Set(name.unwrap_or_default()),
        kind: Set(new.kind),
        currency: Set(currency.code().to_owned()),
        opening_balance: Set(opening.unwrap_or_default()),
        opening_date: Set(opening_date.unwrap_or_else(|| now.date_naive())),
        // As YNAB does: everyday money is budgeted, loans and investments are tracked only.
        on_budget: Set(new
            .on_budget
            .unwrap_or(!matches!(new.kind, AccountKind::Loan | AccountKind::Investment))),
        archived: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
    };
    Ok(row.insert(db).await?)
}

/// The caller's first account, "Main" in their currency, made their default: for a new
/// registration, in its database transaction.
pub async fn open_main(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<accounts::Model> {
    let account = create(
        db,
        user_id,
        NewAccount {
            name: MAIN.into(),
            kind: AccountKind::Checking,
            currency: None,
            opening_balance: None,
            opening_date: None,
            on_budget: Some(true),
        },
    )
    .await?;
    set_default_row(db, user_id, Some(account.id)).await?;
    Ok(account)
}

pub async fn update(
    db: &DatabaseConnection,
    user_id: Uuid,
    id: Uuid,
    patch: AccountPatch,
) -> AppResult<accounts::Model> {
    let account = ownership::get::<Accounts>(db, user_id, id).await?;
    let mut errors = FieldErrors::default();
    let currency = match &patch.currency {
        Some(code) => errors.take("input.currency", Currency::parse(code)),
        None => None,
    };
    let changes_currency = currency.is_some_and(|c| c.code() != account.currency);
    if changes_currency && transaction_count(db, user_id, id).await? > 0 {
        errors.add("input.currency", "cannot change while the account has transactions");
    }
    let currency = currency.unwrap_or_else(|| Currency::of(&account.currency));
    let mut active = account.clone().into_active_model();
    if let Some(name) = patch
        .name
        .and_then(|v| errors.take("input.name", validate::label(&v, NAME_MAX)))
    {
        active.name = Set(name);
    }
    if let Some(opening) = patch
        .opening_balance
        .and_then(|v| errors.take("input.openingBalance", validate::amount(v, currency)))
    {
        active.opening_balance = Set(opening);
    } else if changes_currency {
        // Keep the opening balance's value in the new currency's minor units.
        let rescaled = currency
            .rescale_from(account.opening_balance, Currency::of(&account.currency))
            .ok_or_else(|| format!("does not fit {currency}'s decimals; set it again"));
        if let Some(opening) = errors.take("input.openingBalance", rescaled) {
            active.opening_balance = Set(opening);
        }
    }
    if let Some(date) = patch
        .opening_date
        .and_then(|v| errors.take("input.openingDate", validate::plausible_date(v)))
    {
        active.opening_date = Set(date);
    }
    errors.finish()?;
    active.currency = Set(currency.code().to_owned());
    if let Some(kind) = patch.kind {
        active.kind = Set(kind);
    }
    if let Some(on_budget) = patch.on_budget {
        active.on_budget = Set(on_budget);
    }
    active.updated_at = Set(db::now());
    Ok(active.update(db).await?)
}

/// Closes (`archived`) or reopens an account. A closed account takes no new transactions and
/// stops being the default.
pub async fn set_archived(
    db: &DatabaseConnection,
    user_id: Uuid,
    id: Uuid,
    archived: bool,
) -> AppResult<accounts::Model> {
    let account = ownership::get::<Accounts>(db, user_id, id).await?;
    let txn = db.begin().await?;
    let mut active = account.into_active_model();
    active.archived = Set(archived);
    active.updated_at = Set(db::now());
    let account = active.update(&txn).await?;
    if archived {
        users::Entity::update_many()
            .col_expr(users::Column::DefaultAccountId, Expr::value(Option::<Uuid>::None))
            .filter(users::Column::Id.eq(user_id))
            .filter(users::Column::DefaultAccountId.eq(id))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(account)
}

/// Deletes an account. One that still has transactions is CONFLICT unless `move_to` names
/// another open account of the same currency, which receives them first, all in one DB
/// transaction.
pub async fn remove(db: &DatabaseConnection, user_id: Uuid, id: Uuid, move_to: Option<Uuid>) -> AppResult<Uuid> {
    let txn = db.begin().await?;
    let source = ownership::get::<Accounts>(&txn, user_id, id).await?;
    let count = transaction_count(&txn, user_id, id).await?;
    if count > 0 {
        let Some(target_id) = move_to else {
            return Err(AppError::Conflict(format!(
                "The account has {count} transactions: pass moveTransactionsTo to keep them in another account"
            )));
        };
        let target = ownership::find::<Accounts>(&txn, user_id, target_id)
            .await?
            .filter(|t| t.id != id)
            .ok_or_else(|| AppError::invalid("moveTransactionsTo", "is not another of your accounts"))?;
        if target.currency != source.currency {
            return Err(AppError::invalid(
                "moveTransactionsTo",
                format!("is in {}, not {}", target.currency, source.currency),
            ));
        }
        if target.archived {
            return Err(AppError::invalid("moveTransactionsTo", "is archived"));
        }
        // Transfers between the two accounts would become transfers from an account to
        // itself: they moved nothing once the accounts are one, so they go (both legs).
        let internal = Query::select()
            .column(transactions::Column::TransferId)
            .from(transactions::Entity)
            .and_where(transactions::Column::UserId.eq(user_id))
            .and_where(transactions::Column::AccountId.eq(target.id))
            .and_where(transactions::Column::TransferId.is_not_null())
            .to_owned();
        transactions::Entity::delete_many()
            .filter(transactions::Column::UserId.eq(user_id))
            .filter(transactions::Column::AccountId.is_in([id, target.id]))
            .filter(transactions::Column::TransferId.in_subquery(internal))
            .filter(
                transactions::Column::TransferId.in_subquery(
                    Query::select()
                        .column(transactions::Column::TransferId)
                        .from(transactions::Entity)
                        .and_where(transactions::Column::UserId.eq(user_id))
                        .and_where(transactions::Column::AccountId.eq(id))
                        .and_where(transactions::Column::TransferId.is_not_null())
                        .to_owned(),
                ),
            )
            .exec(&txn)
            .await?;
        transactions::Entity::update_many()
            .col_expr(transactions::Column::AccountId, Expr::value(target.id))
            .col_expr(transactions::Column::UpdatedAt, Expr::value(db::now()))
            .filter(transactions::Column::UserId.eq(user_id))
            .filter(transactions::Column::AccountId.eq(id))
            .exec(&txn)
            .await?;
    }
    users::Entity::update_many()
        .col_expr(users::Column::DefaultAccountId, Expr::value(Option::<Uuid>::None))
        .filter(users::Column::Id.eq(user_id))
        .filter(users::Column::DefaultAccountId.eq(id))
        .exec(&txn)
        .await?;
    // A transaction written to the account since the count makes the delete violate
    // fk_transactions_account: nothing is deleted, and the caller is told why.
    Accounts::delete_many()
        .filter(Column::UserId.eq(user_id))
        .filter(Column::Id.eq(id))
        .exec(&txn)
        .await
        .map_err(|err| match err.sql_err() {
            Some(sea_orm::SqlErr::ForeignKeyConstraintViolation(_)) => {
                AppError::Conflict("The account received transactions while it was being removed; try again".into())
            }
            _ => err.into(),
        })?;
    txn.commit().await?;
    Ok(id)
}

/// Makes an open account the one transactions go to when none is named.
pub async fn set_default(db: &DatabaseConnection, user_id: Uuid, id: Uuid) -> AppResult<accounts::Model> {
    let account = ownership::get::<Accounts>(db, user_id, id).await?;
    if account.archived {
        return Err(AppError::invalid("id", "is archived"));
    }
    set_default_row(db, user_id, Some(id)).await?;
    Ok(account)
}

async fn set_default_row(db: &impl ConnectionTrait, user_id: Uuid, id: Option<Uuid>) -> AppResult<()> {
    users::Entity::update_many()
        .col_expr(users::Column::DefaultAccountId, Expr::value(id))
        .filter(users::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Where a transaction goes when none is named: the default account if it is still open,
/// else the oldest open account (which becomes the default), else a new "Main".
pub async fn default_account(db: &DatabaseConnection, user_id: Uuid) -> AppResult<accounts::Model> {
    let user = ownership::account(db, user_id).await?;
    if let Some(id) = user.default_account_id
        && let Some(account) = ownership::find::<Accounts>(db, user_id, id).await?
        && !account.archived
    {
        return Ok(account);
    }
    let open = ownership::owned::<Accounts>(user_id)
        .filter(Column::Archived.eq(false))
        .order_by_asc(Column::Id)
        .one(db)
        .await?;
    match open {
        Some(account) => {
            set_default_row(db, user_id, Some(account.id)).await?;
            Ok(account)
        }
        None => open_main(db, user_id).await,
    }
}

/// After the caller changes their currency: a default account that holds nothing yet (no
/// transactions, no opening balance) takes the new currency, so someone who registers and
/// then picks their currency records in it. An account with money in it never changes.
pub async fn follow_reporting_currency(db: &impl ConnectionTrait, user_id: Uuid, currency: Currency) -> AppResult<()> {
    let default_account = Query::select()
        .column(users::Column::DefaultAccountId)
        .from(users::Entity)
        .and_where(users::Column::Id.eq(user_id))
        .to_owned();
    let any_transaction = Query::select()
        .expr(Expr::val(1))
        .from(transactions::Entity)
        .and_where(Expr::col((transactions::Entity, transactions::Column::AccountId)).equals((Accounts, Column::Id)))
        .to_owned();
    Accounts::update_many()
        .col_expr(Column::Currency, Expr::value(currency.code()))
        .col_expr(Column::UpdatedAt, Expr::value(db::now()))
        .filter(Column::UserId.eq(user_id))
        .filter(Column::Id.in_subquery(default_account))
        .filter(Column::OpeningBalance.eq(0))
        .filter(Column::Currency.ne(currency.code()))
        .filter(Expr::exists(any_transaction).not())
        .exec(db)
        .await?;
    Ok(())
}

/// The account a write names (`field` carries the error), or the default account.
pub async fn named_or_default(
    db: &DatabaseConnection,
    user_id: Uuid,
    id: Option<Uuid>,
    field: &str,
) -> AppResult<accounts::Model> {
    match id {
        Some(id) => writable(db, user_id, id, field).await,
        None => default_account(db, user_id).await,
    }
}

/// An open account of the caller's that a transaction can be written to.
pub async fn writable(db: &impl ConnectionTrait, user_id: Uuid, id: Uuid, field: &str) -> AppResult<accounts::Model> {
    let account = ownership::find::<Accounts>(db, user_id, id)
        .await?
        .ok_or_else(|| AppError::invalid(field, "is not one of your accounts"))?;
    if account.archived {
        return Err(AppError::invalid(field, "is archived"));
    }
    Ok(account)
}

pub async fn find(db: &DatabaseConnection, user_id: Uuid, id: Uuid) -> AppResult<Option<accounts::Model>> {
    ownership::find::<Accounts>(db, user_id, id).await
}

/// The caller's accounts, oldest first; closed ones only when asked for.
pub async fn list(db: &DatabaseConnection, user_id: Uuid, include_archived: bool) -> AppResult<Vec<accounts::Model>> {
    let mut select = ownership::owned::<Accounts>(user_id);
    if !include_archived {
        select = select.filter(Column::Archived.eq(false));
    }
    Ok(select.order_by_asc(Column::Id).all(db).await?)
}

async fn transaction_count(db: &impl ConnectionTrait, user_id: Uuid, id: Uuid) -> AppResult<u64> {
    Ok(transactions::Entity::find()
        .filter(transactions::Column::UserId.eq(user_id))
        .filter(transactions::Column::AccountId.eq(id))
        .count(db)
        .await?)
}

/// The balances of `ids` (of the caller's accounts): the opening balance plus every
/// transaction, and the part that has cleared; one statement for any number of accounts.
pub async fn balances(
    db: &DatabaseConnection,
    user_id: Uuid,
    ids: &[Uuid],
) -> AppResult<std::collections::HashMap<Uuid, Balance>> {
    let sql = format!(
        "SELECT a.id, \
           CAST(a.opening_balance + COALESCE(SUM({signed}), 0) AS BIGINT), \
           CAST(a.opening_balance + COALESCE(SUM(CASE WHEN t.cleared <> 'uncleared' THEN {signed} ELSE 0 END), 0) AS BIGINT) \
         FROM accounts a LEFT JOIN transactions t ON t.account_id = a.id \
         WHERE a.user_id = ? AND a.id IN ({}) GROUP BY a.id, a.opening_balance",
        db::placeholders(ids.len()),
        signed = signed_amount!(),
    );
    let mut values = vec![user_id.into()];
    values.extend(ids.iter().map(|id| sea_orm::Value::from(*id)));
    let rows = db
        .query_all_raw(db::statement(db.get_database_backend(), &sql, values))
        .await?;
    let mut balances = std::collections::HashMap::with_capacity(rows.len());
    for row in rows {
        balances.insert(
            row.try_get_by_index::<Uuid>(0)?,
            Balance {
                balance: row.try_get_by_index(1)?,
                cleared: row.try_get_by_index(2)?,
            },
        );
    }
    Ok(balances)
}

/// The caller's accounts (`ids` of them, or all) with their balances at the end of `date`: the
/// opening balance once the account is opened, plus every transaction dated on or before it.
/// One statement.
pub async fn balances_as_of(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    ids: Option<&[Uuid]>,
    date: NaiveDate,
) -> AppResult<Vec<(accounts::Model, i64)>> {
    let only = ids.map_or(String::new(), |ids| {
        format!(" AND a.id IN ({})", db::placeholders(ids.len()))
    });
    let sql = format!(
        "SELECT a.*, CAST(CASE WHEN a.opening_date <= ? THEN a.opening_balance ELSE 0 END \
           + COALESCE(SUM({signed}), 0) AS BIGINT) AS balance_as_of \
         FROM accounts a LEFT JOIN transactions t ON t.account_id = a.id AND t.transaction_date <= ? \
         WHERE a.user_id = ?{only} GROUP BY a.id ORDER BY a.id",
        signed = signed_amount!(),
    );
    let mut values = vec![date.into(), date.into(), user_id.into()];
    values.extend(ids.unwrap_or_default().iter().map(|id| sea_orm::Value::from(*id)));
    let rows = db
        .query_all_raw(db::statement(db.get_database_backend(), &sql, values))
        .await?;
    rows.iter()
        .map(|row| {
            let account = <accounts::Model as sea_orm::FromQueryResult>::from_query_result(row, "")?;
            Ok((account, row.try_get::<i64>("", "balance_as_of")?))
        })
        .collect::<Result<_, sea_orm::DbErr>>()
        .map_err(Into::into)
}
