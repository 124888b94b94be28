//! Transaction reads and writes, scoped by the caller's user id.

use chrono::NaiveDate;
use sea_orm::{ActiveModelTrait, DatabaseConnection, IntoActiveModel, NotSet, PaginatorTrait, Set, TransactionTrait};
use uuid::Uuid;

use crate::foundation::entities::transactions::{self, Cleared, Column, Entity as Transactions, TransactionType};
use crate::{
    accounts,
    budgets::{
        self,
        alerts::{Posting, announce_change},
    },
    events::{ChangeKind, EventBus},
    foundation::{
        db,
        error::{AppError, AppResult, FieldErrors},
        money::{Currency, Money},
        ownership,
        pagination::{
            Cursor, Keyset, Page, Paged, SortKey, TRANSACTIONS_BY_AMOUNT, TRANSACTIONS_BY_CREATION,
            TRANSACTIONS_BY_DATE,
        },
        validate,
    },
    rules::{
        self,
        edited::{Edited, Field},
        engine::Candidate,
    },
    transactions::{
        filter::{TransactionFilter, filtered},
        splits::{self, NewSplit},
        transfers,
    },
};

pub(crate) const DESCRIPTION_MAX: usize = 500;
pub(crate) const PAYEE_MAX: usize = 200;

pub struct NewTransaction {
    /// The caller's default account when omitted.
    pub account_id: Option<Uuid>,
    pub amount: Money,
    pub description: String,
    pub transaction_date: NaiveDate,
    pub kind: TransactionType,
    pub category_id: Option<Uuid>,
    pub cleared: Option<Cleared>,
    pub payee: Option<String>,
    /// Lines with their own categories; empty for an unsplit transaction.
    pub splits: Vec<NewSplit>,
}

/// Transaction changes; `None` keeps a value.
#[derive(Default)]
pub struct TransactionPatch {
    pub amount: Option<Money>,
    pub description: Option<String>,
    pub transaction_date: Option<NaiveDate>,
    pub kind: Option<TransactionType>,
    pub category_id: Option<Uuid>,
    pub clear_category: bool,
    /// Another open account of the same currency.
    pub account_id: Option<Uuid>,
    pub cleared: Option<Cleared>,
    /// `Some(None)` clears the payee.
    pub payee: Option<Option<String>>,
    /// New lines; `Some(vec![])` removes the split. A category (or `clear_category`) without
    /// splits also ends a split.
    pub splits: Option<Vec<NewSplit>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderField {
    #[default]
    TransactionDate,
    Amount,
    CreatedAt,
}

#[derive(Debug, Clone, Copy)]
pub struct Ordering {
    pub field: OrderField,
    pub descending: bool,
}

impl Default for Ordering {
    /// Newest first.
    fn default() -> Self {
        Ordering {
            field: OrderField::TransactionDate,
            descending: true,
        }
    }
}

impl Ordering {
    pub fn scope(self) -> &'static str {
        match self.field {
            OrderField::TransactionDate => TRANSACTIONS_BY_DATE,
            OrderField::Amount => TRANSACTIONS_BY_AMOUNT,
            OrderField::CreatedAt => TRANSACTIONS_BY_CREATION,
        }
    }
}

pub async fn create(
    db: &DatabaseConnection,
    events: &EventBus,
    user_id: Uuid,
    new: NewTransaction,
) -> AppResult<transactions::Model> {
    let account = accounts::service::named_or_default(db, user_id, new.account_id, "input.accountId").await?;
    let mut errors = FieldErrors::default();
    check_kind(new.kind, &mut errors);
    // A transaction is in its account's currency.
    let currency = Currency::of(&account.currency);
    let amount = errors.take("input.amount", validate::positive(new.amount, currency));
    let payee = errors
        .take("input.payee", validate::optional_label(new.payee, PAYEE_MAX))
        .flatten();
    let description = errors.take("input.description", validate::label(&new.description, DESCRIPTION_MAX));
    errors.take("input.transactionDate", validate::plausible_date(new.transaction_date));
    if let Some(category_id) = new.category_id {
        check_category(db, user_id, category_id, &mut errors).await?;
    }
    let lines = if new.splits.is_empty() {
        None
    } else {
        if new.category_id.is_some() {
            errors.add(
                "input.categoryId",
                "cannot be combined with splits: each line has its own category",
            );
        }
        splits::check(db, user_id, &new.splits, amount, currency, &mut errors).await?
    };
    errors.finish()?;
    // Rules fill what the person left out (a category, a payee); what they typed is theirs.
    let given = Edited::default()
        .with([Field::Description])
        .with(new.category_id.is_some().then_some(Field::Category))
        .with(lines.is_some().then_some(Field::Category))
        .with(payee.is_some().then_some(Field::Payee));
    let ruled = rules::apply::on_new(
        db,
        user_id,
        &Candidate {
            payee: payee.as_deref(),
            description: description.as_deref().unwrap_or_default(),
            amount: amount.unwrap_or_default(),
            currency: currency.code(),
            kind: new.kind,
            account_id: account.id,
        },
        &given,
    )
    .await?;
    let now = db::now();
    let txn = db.begin().await?;
    let row = transactions::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        account_id: Set(account.id),
        budget_category_id: Set(new.category_id.or(ruled.category.map(|(category, _)| category))),
        amount: Set(amount.unwrap_or_default()),
        currency: Set(currency.code().to_owned()),
        cleared: Set(new.cleared.unwrap_or(Cleared::Uncleared)),
        payee: Set(payee.or(ruled.payee.map(|(payee, _)| payee))),
        transfer_id: Set(None),
        has_splits: Set(lines.is_some()),
        description: Set(description.unwrap_or_default()),
        transaction_date: Set(new.transaction_date),
        kind: Set(new.kind),
        search_text: NotSet,
        import_batch_id: NotSet,
        matched_batch_id: NotSet,
        import_id: NotSet,
        edited_fields: Set(given.stored()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let written = match &lines {
        Some(lines) => splits::replace(&txn, &row, lines).await?,
        None => Vec::new(),
    };
    txn.commit().await?;
    // A transaction that is a scheduled one (a bill paid by hand) closes that occurrence. It
    // has committed, so a failure here is logged rather than reported as a failed write.
    if let Err(err) = crate::schedules::matching::link(db, user_id, std::slice::from_ref(&row)).await {
        tracing::warn!(%user_id, error = %err, "matching a transaction to its schedule failed");
    }
    let after = Posting {
        row: &row,
        splits: &written,
    };
    announce_change(db, events, user_id, ChangeKind::Created, None, Some(after), row.id).await;
    crate::achievements::service::after_event(db, events, user_id).await;
    Ok(row)
}

pub async fn update(
    db: &DatabaseConnection,
    events: &EventBus,
    user_id: Uuid,
    id: Uuid,
    patch: TransactionPatch,
) -> AppResult<transactions::Model> {
    let before = ownership::get::<Transactions>(db, user_id, id).await?;
    if before.kind.is_transfer() {
        return update_transfer_leg(db, events, user_id, &before, patch).await;
    }
    let mut errors = FieldErrors::default();
    let currency = Currency::of(&before.currency);
    let mut active = before.clone().into_active_model();
    // What the person changed by hand: rules leave it alone from now on.
    let touched: Vec<Field> = [
        (patch.amount.is_some(), Field::Amount),
        (patch.description.is_some(), Field::Description),
        (patch.transaction_date.is_some(), Field::Date),
        (patch.kind.is_some(), Field::Type),
        (
            patch.category_id.is_some() || patch.clear_category || patch.splits.is_some(),
            Field::Category,
        ),
        (patch.account_id.is_some(), Field::Account),
        (patch.cleared.is_some(), Field::Cleared),
        (patch.payee.is_some(), Field::Payee),
    ]
    .into_iter()
    .filter_map(|(changed, field)| changed.then_some(field))
    .collect();
    let amount = match patch.amount {
        Some(v) => errors.take("input.amount", validate::positive(v, currency)),
        None => Some(before.amount),
    };
    if let Some(amount) = amount {
        active.amount = Set(amount);
    }
    let before_lines = if before.has_splits {
        splits::of_transactions(db, user_id, &[before.id])
            .await?
            .remove(&before.id)
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    if let Some(text) = patch
        .description
        .and_then(|v| errors.take("input.description", validate::label(&v, DESCRIPTION_MAX)))
    {
        active.description = Set(text);
    }
    if let Some(date) = patch
        .transaction_date
        .and_then(|v| errors.take("input.transactionDate", validate::plausible_date(v)))
    {
        active.transaction_date = Set(date);
    }
    if let Some(kind) = patch.kind {
        check_kind(kind, &mut errors);
        active.kind = Set(kind);
    }
    if let Some(account_id) = patch.account_id.filter(|id| *id != before.account_id) {
        match accounts::service::writable(db, user_id, account_id, "input.accountId").await {
            Ok(account) if account.currency == before.currency => active.account_id = Set(account.id),
            Ok(account) => errors.add(
                "input.accountId",
                format!("is in {}, not {}", account.currency, before.currency),
            ),
            Err(AppError::BadUserInput(problems)) => {
                for problem in problems {
                    errors.add(problem.field, problem.message);
                }
            }
            Err(other) => return Err(other),
        }
    }
    if let Some(cleared) = patch.cleared {
        active.cleared = Set(cleared);
    }
    if let Some(payee) = patch.payee
        && let Some(payee) = errors.take("input.payee", validate::optional_label(payee, PAYEE_MAX))
    {
        active.payee = Set(payee);
    }
    match (patch.category_id, patch.clear_category) {
        (Some(_), true) => errors.add("input.clearCategory", "cannot be combined with categoryId"),
        (Some(category_id), false) => {
            if check_category(db, user_id, category_id, &mut errors).await? {
                active.budget_category_id = Set(Some(category_id));
            }
        }
        (None, true) => active.budget_category_id = Set(None),
        (None, false) => {}
    }
    let one_category = patch.category_id.is_some() || patch.clear_category;
    // The lines the transaction will have: new ones, none, or the ones it has (which must
    // still add up to its amount).
    let lines = match patch.splits {
        Some(new) if new.is_empty() => None,
        Some(new) => {
            if one_category {
                errors.add("input.splits", "cannot be combined with categoryId or clearCategory");
            }
            splits::check(db, user_id, &new, amount, currency, &mut errors).await?
        }
        None if before.has_splits && !one_category => {
            let kept = splits::kept(&before_lines);
            if let Some(amount) = amount {
                splits::check_sum(&kept, amount, currency, "input.amount", &mut errors);
            }
            Some(kept)
        }
        None => None,
    };
    errors.finish()?;
    if lines.is_some() {
        active.budget_category_id = Set(None);
    }
    active.edited_fields = Set(Edited::parse(&before.edited_fields).with(touched).stored());
    active.has_splits = Set(lines.is_some());
    active.updated_at = Set(db::now());
    let txn = db.begin().await?;
    let after = active.update(&txn).await?;
    let written = match &lines {
        Some(lines) => splits::replace(&txn, &after, lines).await?,
        None if before.has_splits => splits::replace(&txn, &after, &[]).await?,
        None => Vec::new(),
    };
    txn.commit().await?;
    let postings = (
        Posting {
            row: &before,
            splits: &before_lines,
        },
        Posting {
            row: &after,
            splits: &written,
        },
    );
    announce_change(
        db,
        events,
        user_id,
        ChangeKind::Updated,
        Some(postings.0),
        Some(postings.1),
        id,
    )
    .await;
    Ok(after)
}

/// Deletes a transaction; deleting either leg of a transfer deletes the transfer.
pub async fn delete(db: &DatabaseConnection, events: &EventBus, user_id: Uuid, id: Uuid) -> AppResult<Uuid> {
    if let Some(row) = find(db, user_id, id).await?
        && row.kind.is_transfer()
    {
        transfers::delete(db, events, user_id, id).await?;
        return Ok(id);
    }
    // What it had matched is open again (what was posted for a schedule stays posted).
    let txn = db.begin().await?;
    crate::schedules::occurrences::unmatch(&txn, user_id, id).await?;
    let deleted = ownership::delete::<Transactions>(&txn, user_id, id).await?;
    txn.commit().await?;
    announce_change(db, events, user_id, ChangeKind::Deleted, None, None, deleted).await;
    Ok(deleted)
}

pub async fn find(db: &DatabaseConnection, user_id: Uuid, id: Uuid) -> AppResult<Option<transactions::Model>> {
    ownership::find::<Transactions>(db, user_id, id).await
}

pub async fn list(
    db: &DatabaseConnection,
    user_id: Uuid,
    filter: &TransactionFilter,
    ordering: Ordering,
    page: &Page,
) -> AppResult<Paged<transactions::Model>> {
    let (key, cursor_key): (Column, fn(&transactions::Model) -> SortKey) = match ordering.field {
        OrderField::TransactionDate => (Column::TransactionDate, |t| SortKey::Date(t.transaction_date)),
        OrderField::Amount => (Column::Amount, |t| SortKey::Amount(t.amount)),
        OrderField::CreatedAt => (Column::CreatedAt, |t| SortKey::Instant(t.created_at)),
    };
    let keyset = Keyset {
        scope: ordering.scope(),
        key: Some(key),
        id: Column::Id,
        descending: ordering.descending,
    };
    let select = filtered(user_id, filter)?;
    crate::foundation::pagination::fetch(db, select, page, keyset, |t| Cursor {
        key: cursor_key(t),
        id: t.id,
    })
    .await
}

pub async fn count(db: &DatabaseConnection, user_id: Uuid, filter: &TransactionFilter) -> AppResult<u64> {
    Ok(filtered(user_id, filter)?.count(db).await?)
}

/// `updateTransaction` on one leg of a transfer: the date, description and (in one currency)
/// the amount change on both legs, the account, cleared state and payee on this one. A leg
/// stays a transfer leg without a category. Field errors name the `updateTransaction` inputs.
async fn update_transfer_leg(
    db: &DatabaseConnection,
    events: &EventBus,
    user_id: Uuid,
    leg: &transactions::Model,
    patch: TransactionPatch,
) -> AppResult<transactions::Model> {
    let mut errors = FieldErrors::default();
    if patch.kind.is_some_and(|kind| kind != leg.kind) {
        errors.add(
            "input.type",
            "cannot change on a transfer leg; delete the transfer to record income or expense",
        );
    }
    if patch.category_id.is_some() {
        errors.add(
            "input.categoryId",
            "a transfer is neither income nor expense and has no category",
        );
    }
    if patch.splits.is_some() {
        errors.add(
            "input.splits",
            "a transfer is neither income nor expense and has no categories",
        );
    }
    errors.finish()?;
    let sending = leg.kind == TransactionType::TransferOut;
    let (own_account, own_amount) = if sending {
        ("input.fromAccountId", "input.amount")
    } else {
        ("input.toAccountId", "input.toAmount")
    };
    let mut pair = transfers::TransferPatch {
        date: patch.transaction_date,
        description: patch.description,
        ..Default::default()
    };
    if sending {
        pair.from_account_id = patch.account_id;
        pair.amount = patch.amount;
    } else {
        pair.to_account_id = patch.account_id;
        pair.to_amount = patch.amount;
    }
    let own = transfers::LegPatch {
        cleared: patch.cleared,
        payee: patch.payee,
    };
    let transfer = transfers::update(db, events, user_id, leg.id, pair, own)
        .await
        .map_err(|err| match err {
            AppError::BadUserInput(problems) => AppError::BadUserInput(
                problems
                    .into_iter()
                    .map(|mut problem| {
                        problem.field = match problem.field.as_str() {
                            f if f == own_account => "input.accountId".into(),
                            f if f == own_amount => "input.amount".into(),
                            "input.date" => "input.transactionDate".into(),
                            _ => problem.field,
                        };
                        problem
                    })
                    .collect(),
            ),
            other => other,
        })?;
    Ok(if sending { transfer.from } else { transfer.to })
}

/// Transfers have their own mutation, which writes both legs.
fn check_kind(kind: TransactionType, errors: &mut FieldErrors) {
    if kind.is_transfer() {
        errors.add(
            "input.type",
            "must be INCOME or EXPENSE; move money between accounts with createTransfer",
        );
    }
}

/// Records a field error unless `category_id` is one of the caller's categories. Another
/// user's category gets the same answer as one that does not exist.
async fn check_category(
    db: &DatabaseConnection,
    user_id: Uuid,
    category_id: Uuid,
    errors: &mut FieldErrors,
) -> AppResult<bool> {
    let exists = budgets::categories::find(db, user_id, category_id).await?.is_some();
    if !exists {
        errors.add("input.categoryId", "is not one of your budget categories");
    }
    Ok(exists)
}
