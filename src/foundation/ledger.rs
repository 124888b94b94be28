//! The money model's shared definitions, as the SQL every figure embeds, so that budgets,
//! alerts, reports and achievements can never disagree about what counts.

use std::sync::LazyLock;

use sea_orm::{
    DbBackend,
    sea_query::{Alias, Expr, JoinType, PostgresQueryBuilder, Query, SelectStatement, SqliteQueryBuilder, UnionType},
};
use uuid::Uuid;

use crate::foundation::entities::transaction_splits;
use crate::foundation::entities::transactions;

/// What counts as spent against budget `b`: line `t` (see [`category_lines`]) is an expense
/// dated within the budget's range. A macro, so every statement that sums spending embeds the
/// same text with `concat!`.
macro_rules! spent_within_budget {
    () => {
        "t.type = 'expense' AND t.transaction_date >= b.start_date AND t.transaction_date <= b.end_date"
    };
}
pub(crate) use spent_within_budget;

/// What transaction `t` does to its account's balance: income and a transfer's receiving leg
/// add, expenses and a transfer's sending leg subtract (amounts are stored positive).
macro_rules! signed_amount {
    () => {
        "CASE WHEN t.type IN ('income', 'transfer_in') THEN t.amount ELSE -t.amount END"
    };
}
pub(crate) use signed_amount;

/// The columns of a category line, named as `transactions`' own so that a transaction filter
/// applies to lines unchanged.
const LINE_COLUMNS: [&str; 10] = [
    "id",
    "user_id",
    "account_id",
    "budget_category_id",
    "amount",
    "currency",
    "transaction_date",
    "type",
    "cleared",
    "search_text",
];

/// Every categorized piece of money: a transaction without splits is one line (its own
/// category and amount), a split transaction is one line per split (the split's category and
/// amount, the transaction's id, date, type, account and currency). Whatever is summed per
/// category (budget spending, alerts, category reports, insights) is summed over lines, so a
/// split counts in its own category and the lines of a transaction always add up to it.
pub fn category_lines() -> SelectStatement {
    let whole_columns = LINE_COLUMNS.map(|c| Expr::cust(format!("transactions.{c}")));
    let mut whole = Query::select();
    whole
        .exprs(whole_columns)
        .from(transactions::Entity)
        .and_where(Expr::cust("transactions.has_splits = FALSE"));
    // The split's own user_id, category and amount; the rest from its transaction `p`.
    let from_split = ["user_id", "budget_category_id", "amount"];
    let split_columns = LINE_COLUMNS.map(|c| {
        let table = if from_split.contains(&c) { "s" } else { "p" };
        Expr::cust(format!("{table}.{c}"))
    });
    let mut parts = Query::select();
    parts
        .exprs(split_columns)
        .from_as(transaction_splits::Entity, Alias::new("s"))
        .join_as(
            JoinType::InnerJoin,
            transactions::Entity,
            Alias::new("p"),
            Expr::cust("p.id = s.transaction_id"),
        );
    whole.union(UnionType::All, parts).to_owned()
}

/// [`category_lines`] as SQL text for hand-written statements: `FROM {lines} t`.
pub fn category_lines_sql(backend: DbBackend) -> &'static str {
    static POSTGRES: LazyLock<String> =
        LazyLock::new(|| format!("({})", category_lines().to_string(PostgresQueryBuilder)));
    static SQLITE: LazyLock<String> = LazyLock::new(|| format!("({})", category_lines().to_string(SqliteQueryBuilder)));
    match backend {
        DbBackend::Postgres => &POSTGRES,
        _ => &SQLITE,
    }
}

/// One transaction's category lines, as [`category_lines`] gives them: `(category, amount)`.
pub fn lines_of(row: &transactions::Model, splits: &[transaction_splits::Model]) -> Vec<(Option<Uuid>, i64)> {
    if row.has_splits {
        splits
            .iter()
            .filter(|s| s.transaction_id == row.id)
            .map(|s| (s.budget_category_id, s.amount))
            .collect()
    } else {
        vec![(row.budget_category_id, row.amount)]
    }
}
