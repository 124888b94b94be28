//! `scheduleSuggestions` and `acceptScheduleSuggestion`: schedules proposed from history.

use async_graphql::{Context, Enum, ID, Object, Result, ResultExt};

use crate::{
    accounts::graphql::Account,
    budgets::graphql::BudgetCategory,
    foundation::{
        error::AppError,
        money::{Currency, Money},
    },
    graphql::{
        ContextExt,
        nodes::{Transaction, TransactionType},
        scalars::Date,
    },
    schedules::{
        graphql::Schedule,
        service::{self, NewSchedule},
        suggestions::{self, Frequency, Suggestion},
    },
};

/// How often a suggested schedule repeats.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum SuggestedFrequency {
    Weekly,
    Fortnightly,
    Monthly,
    Yearly,
}

impl From<Frequency> for SuggestedFrequency {
    fn from(f: Frequency) -> Self {
        match f {
            Frequency::Weekly => SuggestedFrequency::Weekly,
            Frequency::Fortnightly => SuggestedFrequency::Fortnightly,
            Frequency::Monthly => SuggestedFrequency::Monthly,
            Frequency::Yearly => SuggestedFrequency::Yearly,
        }
    }
}

/// A schedule proposed from transactions that repeat: one payee (or description) in one account,
/// at least three times, amounts within 5 % of their median, at a regular interval.
pub struct ScheduleSuggestion(Suggestion);

/// A schedule proposed from transactions that repeat: one payee (or description) in one account,
/// at least three times, amounts within 5 % of their median, at a regular interval.
#[Object]
impl ScheduleSuggestion {
    /// Pass to acceptScheduleSuggestion; stable while the pattern stays.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// The account the transactions are in.
    async fn account(&self, ctx: &Context<'_>) -> Result<Account> {
        Account::load(ctx, self.0.account_id).await
    }
    /// The latest transaction's payee.
    async fn payee(&self) -> Option<&str> {
        self.0.payee.as_deref()
    }
    /// The latest transaction's description.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// The latest transaction's category.
    async fn category(&self, ctx: &Context<'_>) -> Result<Option<BudgetCategory>> {
        BudgetCategory::load(ctx, self.0.category_id).await
    }
    /// The latest amount.
    async fn amount(&self) -> Money {
        Currency::of(&self.0.currency).amount(self.0.amount)
    }
    /// 5 % of the amount: how far a real payment may differ and still be recognised.
    async fn amount_tolerance(&self) -> Money {
        Currency::of(&self.0.currency).amount(self.0.amount_tolerance)
    }
    /// INCOME or EXPENSE.
    #[graphql(name = "type")]
    async fn kind(&self) -> TransactionType {
        self.0.kind.into()
    }
    /// How often it repeats.
    async fn frequency(&self) -> SuggestedFrequency {
        self.0.frequency.into()
    }
    /// The RRULE the schedule would have.
    async fn rule(&self) -> &str {
        &self.0.rule
    }
    /// The next occurrence: the schedule would start there.
    async fn next_date(&self) -> Date {
        Date(self.0.next)
    }
    /// The transactions the pattern was found in, oldest first.
    async fn transactions(&self) -> Vec<Transaction> {
        self.0.evidence.iter().cloned().map(Transaction).collect()
    }
}

#[derive(Default)]
pub struct SuggestionsQuery;

#[Object]
impl SuggestionsQuery {
    /// Schedules proposed from the caller's last two years of transactions, soonest first;
    /// patterns a schedule already covers, and transactions already matched to one, are left
    /// out.
    async fn schedule_suggestions(&self, ctx: &Context<'_>) -> Result<Vec<ScheduleSuggestion>> {
        let (db, caller) = ctx.authenticated().extend()?;
        let today = ctx.loaders().extend()?.today().await.extend()?;
        let found = suggestions::for_user(db, caller.id, today).await.extend()?;
        Ok(found.into_iter().map(ScheduleSuggestion).collect())
    }
}

#[derive(Default)]
pub struct SuggestionsMutation;

#[Object]
impl SuggestionsMutation {
    /// Creates the schedule a suggestion proposes, starting at its next occurrence.
    async fn accept_schedule_suggestion(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default = false)] auto_post: bool,
    ) -> Result<Schedule> {
        let (db, caller) = ctx.authenticated().extend()?;
        let today = ctx.loaders().extend()?.today().await.extend()?;
        let found = suggestions::for_user(db, caller.id, today)
            .await
            .extend()?
            .into_iter()
            .find(|s| s.id == id.as_str())
            .ok_or(AppError::NotFound("schedule suggestion"))
            .extend()?;
        let currency = Currency::of(&found.currency);
        let new = NewSchedule {
            account_id: Some(found.account_id),
            category_id: found.category_id,
            payee: found.payee,
            description: found.description,
            amount: currency.amount(found.amount),
            kind: found.kind,
            rule: found.rule,
            start_date: Some(found.next),
            end_date: None,
            count: None,
            weekend_rule: crate::foundation::entities::schedules::WeekendRule::None,
            auto_post,
            amount_tolerance: Some(currency.amount(found.amount_tolerance)),
            match_window_days: None,
        };
        service::create(db, caller.id, new).await.map(Schedule).extend()
    }
}
