//! The money model's shared definitions, as the SQL every figure embeds, so that budgets,
//! alerts, reports and achievements can never disagree about what counts.

/// What counts as spent against budget `b`: transaction `t` is an expense dated within the
/// budget's range. A macro, so every statement that sums spending embeds the same text
/// with `concat!`.
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
