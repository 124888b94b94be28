//! Accounts: every transaction belongs to one. Each existing user gets an account named
//! "Main" in their currency, set as their default, and their transactions are attached to it.
//!
//! `transactions` is rebuilt (SQLite cannot add a NOT NULL foreign key or change a CHECK in
//! place) with `account_id`, `cleared`, `payee` and `transfer_id`, and with the transfer legs
//! (`transfer_in`, `transfer_out`) among its types. `down()` rebuilds the previous shape; it
//! keeps transfer legs as income and expense, and forgets accounts, payees and cleared states.

use sea_orm_migration::{
    prelude::*,
    sea_orm::{ConnectionTrait, Statement, prelude::DateTimeUtc},
};

use uuid::Uuid;

use crate::columns::{date, id, index, instant, money, owner, owner_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Accounts {
    Table,
    Id,
    UserId,
    Name,
    Kind,
    Currency,
    OpeningBalance,
    OpeningDate,
    OnBudget,
    Archived,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    DefaultAccountId,
}

#[derive(DeriveIden)]
enum Transactions {
    Table,
    Id,
    UserId,
    AccountId,
    BudgetCategoryId,
    Amount,
    Currency,
    Description,
    TransactionDate,
    Type,
    Cleared,
    Payee,
    TransferId,
    SearchText,
    CreatedAt,
    UpdatedAt,
}

/// The columns both shapes of `transactions` share, in copy order.
const SHARED: &str = "id, user_id, budget_category_id, amount, currency, description, transaction_date, type, \
                      search_text, created_at, updated_at";

const KINDS: [&str; 6] = ["checking", "savings", "credit_card", "cash", "loan", "investment"];

fn transactions_table(table: &str, with_accounts: bool) -> TableCreateStatement {
    let name = Alias::new(table);
    let mut create = Table::create();
    create
        .table(name.clone())
        .col(id(Transactions::Id))
        .col(owner(Transactions::UserId))
        .col(ColumnDef::new(Transactions::BudgetCategoryId).uuid().null())
        .col(money(Transactions::Amount))
        .col(
            ColumnDef::new(Transactions::Currency)
                .string_len(3)
                .not_null()
                .default("USD"),
        )
        .col(ColumnDef::new(Transactions::Description).text().not_null())
        .col(date(Transactions::TransactionDate))
        .col(ColumnDef::new(Transactions::Type).string_len(16).not_null())
        .col(ColumnDef::new(Transactions::SearchText).text().not_null().default(""))
        .col(instant(Transactions::CreatedAt))
        .col(instant(Transactions::UpdatedAt))
        .foreign_key(&mut owner_fk(
            "fk_transactions_user",
            name.clone(),
            Transactions::UserId,
        ))
        .foreign_key(
            ForeignKey::create()
                .name("fk_transactions_budget_category")
                .from(name.clone(), Transactions::BudgetCategoryId)
                .to(Alias::new("budget_categories"), Alias::new("id"))
                .on_delete(ForeignKeyAction::SetNull),
        )
        .check(("transactions_amount_check", Expr::col(Transactions::Amount).gt(0)));
    if with_accounts {
        create
            .col(ColumnDef::new(Transactions::AccountId).uuid().not_null())
            .col(
                ColumnDef::new(Transactions::Cleared)
                    .string_len(16)
                    .not_null()
                    .default("uncleared"),
            )
            .col(ColumnDef::new(Transactions::Payee).string_len(200).null())
            .col(ColumnDef::new(Transactions::TransferId).uuid().null())
            // Deleting an account with transactions is refused (the service moves or deletes
            // them first); deleting the user removes both in one statement.
            .foreign_key(
                ForeignKey::create()
                    .name("fk_transactions_account")
                    .from(name.clone(), Transactions::AccountId)
                    .to(Accounts::Table, Accounts::Id),
            )
            .check((
                "transactions_type_check",
                Expr::col(Transactions::Type).is_in(["income", "expense", "transfer_in", "transfer_out"]),
            ))
            .check((
                "transactions_cleared_check",
                Expr::col(Transactions::Cleared).is_in(["uncleared", "cleared", "reconciled"]),
            ));
    } else {
        create.check((
            "transactions_type_check",
            Expr::col(Transactions::Type).is_in(["income", "expense"]),
        ));
    }
    create.to_owned()
}

/// The access paths of `transactions`, on whichever shape it has.
async fn transaction_indexes(manager: &SchemaManager<'_>, with_accounts: bool) -> Result<(), DbErr> {
    let mut indexes = vec![
        (
            "idx_transactions_user_date",
            vec![Transactions::UserId, Transactions::TransactionDate, Transactions::Id],
        ),
        (
            "idx_transactions_category",
            vec![
                Transactions::BudgetCategoryId,
                Transactions::TransactionDate,
                Transactions::Id,
            ],
        ),
        (
            "idx_transactions_user_type",
            vec![Transactions::UserId, Transactions::Type, Transactions::TransactionDate],
        ),
    ];
    if with_accounts {
        indexes.push((
            "idx_transactions_account",
            vec![Transactions::AccountId, Transactions::TransactionDate, Transactions::Id],
        ));
        indexes.push(("idx_transactions_transfer", vec![Transactions::TransferId]));
    }
    for (name, cols) in indexes {
        manager.create_index(index(name, Transactions::Table, cols)).await?;
    }
    Ok(())
}

/// Replaces `transactions` with a table of the other shape, copying every row with `copy`
/// (an `INSERT INTO transactions_next ... SELECT ... FROM transactions` statement).
async fn rebuild(manager: &SchemaManager<'_>, with_accounts: bool, copy: &str) -> Result<(), DbErr> {
    let db = manager.get_connection();
    manager
        .create_table(transactions_table("transactions_next", with_accounts))
        .await?;
    db.execute_unprepared(copy).await?;
    manager
        .drop_table(Table::drop().table(Transactions::Table).to_owned())
        .await?;
    manager
        .rename_table(
            Table::rename()
                .table(Alias::new("transactions_next"), Transactions::Table)
                .to_owned(),
        )
        .await?;
    transaction_indexes(manager, with_accounts).await
}

/// A "Main" account for every user, in their currency, opened the day they registered.
async fn main_accounts(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let backend = db.get_database_backend();
    let users = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT id, currency, created_at FROM users",
        ))
        .await?;
    for chunk in users.chunks(500) {
        let mut insert = Query::insert();
        insert.into_table(Accounts::Table).columns([
            Accounts::Id,
            Accounts::UserId,
            Accounts::Name,
            Accounts::Kind,
            Accounts::Currency,
            Accounts::OpeningBalance,
            Accounts::OpeningDate,
            Accounts::OnBudget,
            Accounts::Archived,
            Accounts::CreatedAt,
            Accounts::UpdatedAt,
        ]);
        let mut defaults = Vec::with_capacity(chunk.len());
        for user in chunk {
            let user_id: Uuid = user.try_get_by_index(0)?;
            let currency: String = user.try_get_by_index(1)?;
            let registered: DateTimeUtc = user.try_get_by_index(2)?;
            let account_id = Uuid::now_v7();
            insert.values_panic([
                account_id.into(),
                user_id.into(),
                "Main".into(),
                "checking".into(),
                currency.into(),
                0_i64.into(),
                registered.date_naive().into(),
                true.into(),
                false.into(),
                registered.into(),
                registered.into(),
            ]);
            defaults.push((user_id, account_id));
        }
        if defaults.is_empty() {
            continue;
        }
        manager.exec_stmt(insert.to_owned()).await?;
        for (user_id, account_id) in defaults {
            manager
                .exec_stmt(
                    Query::update()
                        .table(Users::Table)
                        .value(Users::DefaultAccountId, account_id)
                        .and_where(Expr::col(Alias::new("id")).eq(user_id))
                        .to_owned(),
                )
                .await?;
        }
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// In one transaction on SQLite too: it is then all or nothing, and on one connection.
    /// Without it the pool's other connections, holding the schema from before the DROP,
    /// refused the RENAME ("there is already another table ... with this name").
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Accounts::Table)
                    .col(id(Accounts::Id))
                    .col(owner(Accounts::UserId))
                    .col(ColumnDef::new(Accounts::Name).string_len(100).not_null())
                    .col(ColumnDef::new(Accounts::Kind).string_len(16).not_null())
                    .col(ColumnDef::new(Accounts::Currency).string_len(3).not_null())
                    .col(
                        ColumnDef::new(Accounts::OpeningBalance)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(date(Accounts::OpeningDate))
                    .col(ColumnDef::new(Accounts::OnBudget).boolean().not_null().default(true))
                    .col(ColumnDef::new(Accounts::Archived).boolean().not_null().default(false))
                    .col(instant(Accounts::CreatedAt))
                    .col(instant(Accounts::UpdatedAt))
                    .foreign_key(&mut owner_fk("fk_accounts_user", Accounts::Table, Accounts::UserId))
                    .check(("accounts_kind_check", Expr::col(Accounts::Kind).is_in(KINDS)))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_accounts_user",
                Accounts::Table,
                [Accounts::UserId, Accounts::Id],
            ))
            .await?;
        // Not a foreign key: SQLite cannot add one to an existing table, and the service
        // keeps it pointing at one of the user's accounts (or null).
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(ColumnDef::new(Users::DefaultAccountId).uuid().null())
                    .to_owned(),
            )
            .await?;
        main_accounts(manager).await?;
        let copy = format!(
            "INSERT INTO transactions_next ({SHARED}, account_id, cleared) \
             SELECT {SHARED}, (SELECT a.id FROM accounts a WHERE a.user_id = transactions.user_id), 'uncleared' \
             FROM transactions"
        );
        rebuild(manager, true, &copy).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let shared = SHARED.replace(
            ", type,",
            ", CASE type WHEN 'transfer_in' THEN 'income' WHEN 'transfer_out' THEN 'expense' ELSE type END,",
        );
        let copy = format!("INSERT INTO transactions_next ({SHARED}) SELECT {shared} FROM transactions");
        rebuild(manager, false, &copy).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::DefaultAccountId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Accounts::Table).to_owned())
            .await
    }
}
