//! `changes(since)`: delta sync.

use async_graphql::{Context, ID, Object, Result, ResultExt, SimpleObject};

use crate::{
    accounts::graphql::Account,
    budgets::graphql::{Budget, BudgetCategory},
    foundation::{error::AppError, ids, money::Currency},
    goals::graphql::{GoalContribution, SavingsGoal},
    graphql::{ContextExt, nodes::Transaction, scalars::DateTime},
    rules::graphql::Rule,
    schedules::graphql::Schedule,
    sync::service::{self, Changes, MAX_PAGE, Token},
    transactions::graphql::TransactionSplit,
};

/// An object deleted since the token.
#[derive(SimpleObject)]
pub struct Tombstone {
    /// Its GraphQL type: Account, Budget, BudgetCategory, Transaction, TransactionSplit,
    /// SavingsGoal, GoalContribution, Schedule or Rule.
    typename: String,
    /// Its id.
    id: ID,
    /// When it was deleted.
    deleted_at: DateTime,
}

/// Every object of the caller created or changed after the token, and every one deleted.
/// Apply them in any order: an object appears once per page, as it is now. Figures computed
/// from other objects (balances, what a budget has spent) are not changes of their own; read
/// them again, or compute them from the synced rows.
#[derive(SimpleObject)]
pub struct ChangeSet {
    /// Accounts created or changed.
    accounts: Vec<Account>,
    /// Budgets created or changed.
    budgets: Vec<Budget>,
    /// Budget categories created or changed.
    categories: Vec<BudgetCategory>,
    /// Transactions created or changed.
    transactions: Vec<Transaction>,
    /// Split lines created (a transaction's lines are replaced whole when they change).
    splits: Vec<TransactionSplit>,
    /// Savings goals created or changed.
    goals: Vec<SavingsGoal>,
    /// Goal contributions created or changed.
    contributions: Vec<GoalContribution>,
    /// Schedules created or changed.
    schedules: Vec<Schedule>,
    /// Rules created or changed.
    rules: Vec<Rule>,
    /// Objects deleted.
    deleted: Vec<Tombstone>,
    /// The token for the next call: keep it, and send it as `since`.
    next: String,
    /// More changes wait: call again with `next` at once.
    has_more: bool,
}

impl From<Changes> for ChangeSet {
    fn from(changes: Changes) -> Self {
        ChangeSet {
            accounts: changes.accounts.into_iter().map(Account).collect(),
            budgets: changes.budgets.into_iter().map(Budget).collect(),
            categories: changes.categories.into_iter().map(BudgetCategory).collect(),
            transactions: changes.transactions.into_iter().map(Transaction).collect(),
            splits: changes
                .splits
                .into_iter()
                .map(|(row, currency)| TransactionSplit {
                    row,
                    currency: Currency::of(&currency),
                })
                .collect(),
            goals: changes.goals.into_iter().map(SavingsGoal).collect(),
            contributions: changes.contributions.into_iter().map(GoalContribution).collect(),
            schedules: changes.schedules.into_iter().map(Schedule).collect(),
            rules: changes.rules.into_iter().map(Rule).collect(),
            deleted: changes
                .deleted
                .into_iter()
                .map(|t| Tombstone {
                    typename: t.typename,
                    id: ids::to_id(t.id),
                    deleted_at: DateTime(t.deleted_at),
                })
                .collect(),
            next: changes.next.text(),
            has_more: changes.has_more,
        }
    }
}

#[derive(Default)]
pub struct SyncQuery;

#[Object]
impl SyncQuery {
    /// Delta sync. Without `since`, everything the caller has (a full snapshot, paged); with
    /// the `next` of an earlier answer, only what was created, changed or deleted after it. At
    /// most `first` objects (1 to 2000, 500 by default) per answer; `hasMore` asks for another
    /// call. Deletions are remembered 90 days: an older token is SYNC_TOKEN_EXPIRED, and the
    /// client starts again without `since`.
    async fn changes(
        &self,
        ctx: &Context<'_>,
        since: Option<String>,
        #[graphql(default = 500)] first: i32,
    ) -> Result<ChangeSet> {
        let (db, caller) = ctx.authenticated().extend()?;
        let since = match since {
            None => None,
            Some(text) => Some(
                Token::parse(&text)
                    .ok_or_else(|| AppError::invalid("since", "is not a token this server handed out"))
                    .extend()?,
            ),
        };
        let limit = u64::try_from(first)
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| AppError::invalid("first", format!("must be between 1 and {MAX_PAGE}")))
            .extend()?;
        let changes = service::changes(db, caller.id, since, limit).await.extend()?;
        Ok(changes.into())
    }
}
