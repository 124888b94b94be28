//! The `Account` type, its queries and its mutations.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, ResultExt};

use crate::foundation::entities::accounts::{self as rows, AccountKind as RowKind};
use crate::{
    accounts::{
        loader::{AccountBalances, AccountBalancesAsOf},
        service::{self, AccountPatch, Balance, NewAccount},
    },
    foundation::{
        error::AppError,
        ids,
        money::{Currency, Money},
    },
    graphql::{
        ContextExt,
        complexity::page_cost,
        connection::Conn,
        nodes::Transaction,
        scalars::{Date, DateTime, MoneyAmount},
        transaction_pages::{ByAccount, page_field},
    },
};

/// What an account holds. Credit cards and loans are liabilities: their balance is negative
/// while money is owed.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum AccountKind {
    Checking,
    Savings,
    CreditCard,
    Cash,
    Loan,
    Investment,
}

impl From<RowKind> for AccountKind {
    fn from(k: RowKind) -> Self {
        match k {
            RowKind::Checking => AccountKind::Checking,
            RowKind::Savings => AccountKind::Savings,
            RowKind::CreditCard => AccountKind::CreditCard,
            RowKind::Cash => AccountKind::Cash,
            RowKind::Loan => AccountKind::Loan,
            RowKind::Investment => AccountKind::Investment,
        }
    }
}

impl From<AccountKind> for RowKind {
    fn from(k: AccountKind) -> Self {
        match k {
            AccountKind::Checking => RowKind::Checking,
            AccountKind::Savings => RowKind::Savings,
            AccountKind::CreditCard => RowKind::CreditCard,
            AccountKind::Cash => RowKind::Cash,
            AccountKind::Loan => RowKind::Loan,
            AccountKind::Investment => RowKind::Investment,
        }
    }
}

/// Where money is: a bank account, a card, cash, a loan or investments, in one currency.
pub struct Account(pub rows::Model);

/// Where money is: a bank account, a card, cash, a loan or investments, in one currency.
#[Object]
impl Account {
    /// Stable identifier.
    pub async fn id(&self) -> ID {
        ids::to_id(self.0.id)
    }
    /// 1 to 100 characters.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What the account holds.
    async fn kind(&self) -> AccountKind {
        self.0.kind.into()
    }
    /// ISO 4217 code of the account and of every transaction in it.
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    /// What the account held when it was opened (negative for a debt).
    async fn opening_balance(&self) -> Money {
        self.money_currency().amount(self.0.opening_balance)
    }
    /// The day the opening balance applies from.
    async fn opening_date(&self) -> Date {
        Date(self.0.opening_date)
    }
    /// The opening balance plus every transaction in the account (income and incoming
    /// transfers add, expenses and outgoing transfers subtract).
    async fn balance(&self, ctx: &Context<'_>) -> Result<MoneyAmount> {
        let balance = self.balances(ctx).await.extend()?;
        Ok(MoneyAmount::new(balance.balance, self.money_currency()))
    }
    /// The balance counting only cleared and reconciled transactions.
    async fn cleared_balance(&self, ctx: &Context<'_>) -> Result<MoneyAmount> {
        let balance = self.balances(ctx).await.extend()?;
        Ok(MoneyAmount::new(balance.cleared, self.money_currency()))
    }
    /// The balance at the end of `date`: the opening balance from the opening date on, plus
    /// every transaction dated on or before `date`.
    async fn balance_as_of(&self, ctx: &Context<'_>, date: Date) -> Result<MoneyAmount> {
        let balance = ctx
            .loaders()
            .extend()?
            .get(AccountBalancesAsOf)
            .load_one((self.0.id, date.0))
            .await
            .extend()?;
        Ok(MoneyAmount::new(balance.unwrap_or_default(), self.money_currency()))
    }
    /// Whether the account's money is budgeted (YNAB's budget accounts); loans and
    /// investments are usually tracked only.
    async fn on_budget(&self) -> bool {
        self.0.on_budget
    }
    /// Closed: no new transactions, left out of `accounts` unless asked for.
    async fn archived(&self) -> bool {
        self.0.archived
    }
    /// Whether transactions go here when they name no account.
    async fn is_default(&self, ctx: &Context<'_>) -> Result<bool> {
        let caller = ctx.loaders().extend()?.caller().await.extend()?;
        Ok(caller.default_account_id == Some(self.0.id))
    }
    /// The account's transactions, newest first.
    #[graphql(complexity = "page_cost(first, None, child_complexity)")]
    async fn transactions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Conn<Transaction>> {
        page_field::<ByAccount>(ctx, self.0.id, first, after).await
    }
    /// When the account was created.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// When the account last changed.
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
}

impl Account {
    /// The caller's account `id` through the request's loader (one statement for all the
    /// objects of a response that name an account).
    pub async fn load(ctx: &Context<'_>, id: uuid::Uuid) -> Result<Account> {
        let loaded = ctx
            .loaders()
            .extend()?
            .get(crate::graphql::loaders::ById::<rows::Entity>::new)
            .load_one(id)
            .await
            .extend()?;
        loaded.map(Account).ok_or(AppError::NotFound("account")).extend()
    }

    fn money_currency(&self) -> Currency {
        Currency::of(&self.0.currency)
    }

    async fn balances(&self, ctx: &Context<'_>) -> Result<Balance, AppError> {
        let loaded = ctx.loaders()?.get(AccountBalances).load_one(self.0.id).await?;
        Ok(loaded.unwrap_or_default())
    }
}

/// A new account.
#[derive(InputObject)]
pub struct CreateAccountInput {
    /// 1 to 100 characters.
    name: String,
    /// What the account holds.
    kind: AccountKind,
    /// ISO 4217 code; the caller's currency by default. Every transaction in the account is in it.
    currency: Option<String>,
    /// What it held when opened, in its currency; negative for a debt. Default 0.
    opening_balance: Option<Money>,
    /// The day the opening balance applies from; today by default.
    opening_date: Option<Date>,
    /// Whether its money is budgeted; false by default for loans and investments.
    on_budget: Option<bool>,
}

/// Account changes; omitted fields keep their value.
#[derive(InputObject)]
pub struct UpdateAccountInput {
    /// 1 to 100 characters.
    name: Option<String>,
    /// What the account holds.
    kind: Option<AccountKind>,
    /// Only while the account has no transactions.
    currency: Option<String>,
    /// In the account's currency.
    opening_balance: Option<Money>,
    /// The day the opening balance applies from.
    opening_date: Option<Date>,
    /// Whether its money is budgeted.
    on_budget: Option<bool>,
}

#[derive(Default)]
pub struct AccountsQuery;

#[Object]
impl AccountsQuery {
    /// The caller's accounts, oldest first; archived ones only with includeArchived.
    async fn accounts(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = false)] include_archived: bool,
    ) -> Result<Vec<Account>> {
        let (db, caller) = ctx.authenticated().extend()?;
        let rows = service::list(db, caller.id, include_archived).await.extend()?;
        Ok(rows.into_iter().map(Account).collect())
    }

    /// One of the caller's accounts; null for any other id.
    async fn account(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Account>> {
        let (db, caller) = ctx.authenticated().extend()?;
        let Some(id) = ids::parse(&id) else { return Ok(None) };
        service::find(db, caller.id, id).await.map(|a| a.map(Account)).extend()
    }
}

#[derive(Default)]
pub struct AccountsMutation;

fn account_id(id: &ID) -> Result<uuid::Uuid> {
    ids::parse(id).ok_or(AppError::NotFound("account")).extend()
}

#[Object]
impl AccountsMutation {
    /// Opens an account.
    async fn create_account(&self, ctx: &Context<'_>, input: CreateAccountInput) -> Result<Account> {
        let (db, caller) = ctx.authenticated().extend()?;
        let new = NewAccount {
            name: input.name,
            kind: input.kind.into(),
            currency: input.currency,
            opening_balance: input.opening_balance,
            opening_date: input.opening_date.map(|d| d.0),
            on_budget: input.on_budget,
        };
        service::create(db, caller.id, new).await.map(Account).extend()
    }

    /// Changes an account; its currency only while it has no transactions.
    async fn update_account(&self, ctx: &Context<'_>, id: ID, input: UpdateAccountInput) -> Result<Account> {
        let (db, caller) = ctx.authenticated().extend()?;
        let patch = AccountPatch {
            name: input.name,
            kind: input.kind.map(Into::into),
            currency: input.currency,
            opening_balance: input.opening_balance,
            opening_date: input.opening_date.map(|d| d.0),
            on_budget: input.on_budget,
        };
        service::update(db, caller.id, account_id(&id)?, patch)
            .await
            .map(Account)
            .extend()
    }

    /// Closes an account: it keeps its transactions but takes no new ones, and stops being the default.
    async fn archive_account(&self, ctx: &Context<'_>, id: ID) -> Result<Account> {
        let (db, caller) = ctx.authenticated().extend()?;
        service::set_archived(db, caller.id, account_id(&id)?, true)
            .await
            .map(Account)
            .extend()
    }

    /// Reopens an archived account.
    async fn unarchive_account(&self, ctx: &Context<'_>, id: ID) -> Result<Account> {
        let (db, caller) = ctx.authenticated().extend()?;
        service::set_archived(db, caller.id, account_id(&id)?, false)
            .await
            .map(Account)
            .extend()
    }

    /// Deletes an account. While it has transactions this is CONFLICT unless
    /// moveTransactionsTo names another open account of the same currency, which gets them.
    /// (`deleteAccount(password)` deletes the user.)
    async fn remove_account(&self, ctx: &Context<'_>, id: ID, move_transactions_to: Option<ID>) -> Result<ID> {
        let (db, caller) = ctx.authenticated().extend()?;
        let move_to = move_transactions_to.as_ref().map(ids::parse_or_nil);
        service::remove(db, caller.id, account_id(&id)?, move_to)
            .await
            .map(ids::to_id)
            .extend()
    }

    /// Makes an open account the one transactions and imports go to when they name none.
    async fn set_default_account(&self, ctx: &Context<'_>, id: ID) -> Result<Account> {
        let (db, caller) = ctx.authenticated().extend()?;
        service::set_default(db, caller.id, account_id(&id)?)
            .await
            .map(Account)
            .extend()
    }
}
