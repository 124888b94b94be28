//! Transfers: money moved between two of the caller's accounts, written as two linked
//! transactions (legs) that share a `transfer_id`: TRANSFER_OUT in the sending account,
//! TRANSFER_IN in the receiving one. A transfer is neither income nor expense, has no
//! category, and every write keeps both legs consistent in one database transaction.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, NotSet,
    QueryFilter, Set, TransactionTrait,
};
use uuid::Uuid;

use crate::foundation::entities::accounts;
use crate::foundation::entities::transactions::{self, Cleared, Column, Entity as Transactions, TransactionType};
use crate::{
    accounts::service::writable,
    events::{ChangeKind, EventBus, TransactionChange},
    foundation::{
        db,
        error::{AppError, AppResult, FieldErrors},
        money::{Currency, Money},
        ownership, validate,
    },
    transactions::service::{DESCRIPTION_MAX, PAYEE_MAX},
};

/// A new transfer. `to_amount` is what arrives when the accounts' currencies differ.
pub struct NewTransfer {
    pub from_account_id: Uuid,
    pub to_account_id: Uuid,
    pub amount: Money,
    pub to_amount: Option<Money>,
    pub date: NaiveDate,
    pub description: String,
}

/// Transfer changes; `None` keeps a value.
#[derive(Default)]
pub struct TransferPatch {
    pub from_account_id: Option<Uuid>,
    pub to_account_id: Option<Uuid>,
    pub amount: Option<Money>,
    pub to_amount: Option<Money>,
    pub date: Option<NaiveDate>,
    pub description: Option<String>,
}

/// Changes that belong to one leg only: each bank clears its side on its own.
#[derive(Default)]
pub struct LegPatch {
    pub cleared: Option<Cleared>,
    /// `Some(None)` removes the payee.
    pub payee: Option<Option<String>>,
}

/// Both legs of a transfer.
#[derive(Debug, Clone)]
pub struct Transfer {
    pub from: transactions::Model,
    pub to: transactions::Model,
}

/// A transfer's pair-level values, checked together: the accounts differ, are the caller's
/// and open, and the amounts fit their currencies (and are one number when the currencies are
/// the same).
struct Checked {
    from: accounts::Model,
    to: accounts::Model,
    amount: i64,
    to_amount: i64,
    date: NaiveDate,
    description: String,
}

/// What a transfer is to become, before it is checked; `before` is the transfer being
/// changed, whose amounts are kept where their account's currency stays the same.
struct Proposed<'a> {
    from_account_id: Uuid,
    to_account_id: Uuid,
    amount: Option<Money>,
    to_amount: Option<Money>,
    date: NaiveDate,
    description: String,
    before: Option<&'a Transfer>,
}

async fn check(db: &impl ConnectionTrait, user_id: Uuid, proposed: Proposed<'_>) -> AppResult<Checked> {
    let mut errors = FieldErrors::default();
    let from = take_account(
        db,
        user_id,
        proposed.from_account_id,
        "input.fromAccountId",
        &mut errors,
    )
    .await?;
    let to = take_account(db, user_id, proposed.to_account_id, "input.toAccountId", &mut errors).await?;
    if proposed.from_account_id == proposed.to_account_id {
        errors.add("input.toAccountId", "must be another account than input.fromAccountId");
    }
    let description = errors.take(
        "input.description",
        validate::label(&proposed.description, DESCRIPTION_MAX),
    );
    errors.take("input.date", validate::plausible_date(proposed.date));
    let (Some(from), Some(to)) = (from, to) else {
        errors.finish()?;
        return Err(AppError::internal("transfer accounts missing without an error"));
    };
    let from_currency = Currency::of(&from.currency);
    let to_currency = Currency::of(&to.currency);
    // A kept amount is only meaningful in the currency it was written in.
    let kept = |leg: fn(&Transfer) -> &transactions::Model, currency: Currency| {
        proposed
            .before
            .map(leg)
            .filter(|row| row.currency == currency.code())
            .map(|row| currency.amount(row.amount))
    };
    let kept_from = kept(|t| &t.from, from_currency);
    let kept_to = kept(|t| &t.to, to_currency);
    let mut required = |field: &str, what: String| {
        errors.add(field, what);
        None
    };
    let (amount, to_amount) = if from_currency == to_currency {
        // One currency: one number, given as either amount (or both, equal).
        let amount = match (proposed.amount, proposed.to_amount) {
            (Some(a), Some(b)) if a != b => required(
                "input.toAmount",
                format!("must equal amount when both accounts are in {from_currency}"),
            ),
            (Some(a), _) | (None, Some(a)) => Some(a),
            (None, None) => kept_from.or_else(|| required("input.amount", "is required".into())),
        };
        let amount = amount.and_then(|a| errors.take("input.amount", validate::positive(a, from_currency)));
        (amount, amount)
    } else {
        let amount = proposed
            .amount
            .or(kept_from)
            .or_else(|| required("input.amount", format!("is required in {from_currency}")));
        let to_amount = proposed.to_amount.or(kept_to).or_else(|| {
            required(
                "input.toAmount",
                format!("is required: the accounts are in {from_currency} and {to_currency}"),
            )
        });
        (
            amount.and_then(|a| errors.take("input.amount", validate::positive(a, from_currency))),
            to_amount.and_then(|a| errors.take("input.toAmount", validate::positive(a, to_currency))),
        )
    };
    errors.finish()?;
    Ok(Checked {
        from,
        to,
        amount: amount.unwrap_or_default(),
        to_amount: to_amount.unwrap_or_default(),
        date: proposed.date,
        description: description.unwrap_or_default(),
    })
}

/// The open account `id` of the caller's, or `None` with the problem recorded under `field`.
async fn take_account(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    id: Uuid,
    field: &str,
    errors: &mut FieldErrors,
) -> AppResult<Option<accounts::Model>> {
    match writable(db, user_id, id, field).await {
        Ok(account) => Ok(Some(account)),
        Err(AppError::BadUserInput(problems)) => {
            for problem in problems {
                errors.add(problem.field, problem.message);
            }
            Ok(None)
        }
        Err(other) => Err(other),
    }
}

pub async fn create(
    db: &DatabaseConnection,
    events: &EventBus,
    user_id: Uuid,
    new: NewTransfer,
) -> AppResult<Transfer> {
    let checked = check(
        db,
        user_id,
        Proposed {
            from_account_id: new.from_account_id,
            to_account_id: new.to_account_id,
            amount: Some(new.amount),
            to_amount: new.to_amount,
            date: new.date,
            description: new.description,
            before: None,
        },
    )
    .await?;
    let transfer_id = Uuid::now_v7();
    let now = db::now();
    let leg = |account: &accounts::Model, amount: i64, kind: TransactionType| transactions::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        account_id: Set(account.id),
        budget_category_id: Set(None),
        amount: Set(amount),
        currency: Set(account.currency.clone()),
        cleared: Set(Cleared::Uncleared),
        payee: Set(None),
        transfer_id: Set(Some(transfer_id)),
        has_splits: Set(false),
        description: Set(checked.description.clone()),
        transaction_date: Set(checked.date),
        kind: Set(kind),
        search_text: NotSet,
        import_batch_id: NotSet,
        matched_batch_id: NotSet,
        import_id: NotSet,
        edited_fields: NotSet,
        created_at: Set(now),
        updated_at: Set(now),
    };
    let txn = db.begin().await?;
    let from = leg(&checked.from, checked.amount, TransactionType::TransferOut)
        .insert(&txn)
        .await?;
    let to = leg(&checked.to, checked.to_amount, TransactionType::TransferIn)
        .insert(&txn)
        .await?;
    txn.commit().await?;
    let transfer = Transfer { from, to };
    announce(db, events, user_id, ChangeKind::Created, &transfer).await;
    Ok(transfer)
}

/// Both legs of the transfer that transaction `leg_id` belongs to; NOT_FOUND for anything
/// but a leg of the caller's.
pub async fn of_leg(db: &impl ConnectionTrait, user_id: Uuid, leg_id: Uuid) -> AppResult<Transfer> {
    let leg = ownership::get::<Transactions>(db, user_id, leg_id)
        .await
        .map_err(|_| AppError::NotFound("transfer"))?;
    let transfer_id = leg.transfer_id.ok_or(AppError::NotFound("transfer"))?;
    pairs(legs_of(db, user_id, &[transfer_id]).await?)
        .remove(&transfer_id)
        .ok_or_else(|| AppError::internal(format!("transfer {transfer_id} has lost a leg")))
}

/// Legs paired by their transfer id; a transfer missing a leg is left out.
pub fn pairs(legs: Vec<transactions::Model>) -> HashMap<Uuid, Transfer> {
    let mut halves: HashMap<Uuid, (Option<transactions::Model>, Option<transactions::Model>)> = HashMap::new();
    for leg in legs {
        let Some(transfer_id) = leg.transfer_id else { continue };
        let half = halves.entry(transfer_id).or_default();
        if leg.kind == TransactionType::TransferOut {
            half.0 = Some(leg);
        } else {
            half.1 = Some(leg);
        }
    }
    halves
        .into_iter()
        .filter_map(|(id, half)| match half {
            (Some(from), Some(to)) => Some((id, Transfer { from, to })),
            _ => None,
        })
        .collect()
}

/// Every leg of the caller's transfers `transfer_ids`, in one statement.
pub async fn legs_of(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    transfer_ids: &[Uuid],
) -> AppResult<Vec<transactions::Model>> {
    Ok(ownership::owned::<Transactions>(user_id)
        .filter(Column::TransferId.is_in(transfer_ids.iter().copied()))
        .all(db)
        .await?)
}

/// Changes a transfer named by either leg: pair-level values apply to both legs (one amount
/// when the currencies are the same), `leg` to the named leg only.
pub async fn update(
    db: &DatabaseConnection,
    events: &EventBus,
    user_id: Uuid,
    leg_id: Uuid,
    patch: TransferPatch,
    leg: LegPatch,
) -> AppResult<Transfer> {
    let txn = db.begin().await?;
    let before = of_leg(&txn, user_id, leg_id).await?;
    let checked = check(
        &txn,
        user_id,
        Proposed {
            from_account_id: patch.from_account_id.unwrap_or(before.from.account_id),
            to_account_id: patch.to_account_id.unwrap_or(before.to.account_id),
            amount: patch.amount,
            to_amount: patch.to_amount,
            date: patch.date.unwrap_or(before.from.transaction_date),
            description: patch.description.unwrap_or_else(|| before.from.description.clone()),
            before: Some(&before),
        },
    )
    .await?;
    let mut errors = FieldErrors::default();
    let payee = leg
        .payee
        .and_then(|raw| errors.take("input.payee", validate::optional_label(raw, PAYEE_MAX)));
    errors.finish()?;
    let now = db::now();
    let write = |row: &transactions::Model, account: &accounts::Model, amount: i64| {
        let mut active = row.clone().into_active_model();
        active.account_id = Set(account.id);
        active.currency = Set(account.currency.clone());
        active.amount = Set(amount);
        active.transaction_date = Set(checked.date);
        active.description = Set(checked.description.clone());
        if row.id == leg_id {
            if let Some(cleared) = leg.cleared {
                active.cleared = Set(cleared);
            }
            if let Some(payee) = &payee {
                active.payee = Set(payee.clone());
            }
        }
        active.updated_at = Set(now);
        active
    };
    let from = write(&before.from, &checked.from, checked.amount).update(&txn).await?;
    let to = write(&before.to, &checked.to, checked.to_amount).update(&txn).await?;
    txn.commit().await?;
    let transfer = Transfer { from, to };
    announce(db, events, user_id, ChangeKind::Updated, &transfer).await;
    Ok(transfer)
}

/// Deletes both legs of the transfer that `leg_id` belongs to; returns their ids.
pub async fn delete(db: &DatabaseConnection, events: &EventBus, user_id: Uuid, leg_id: Uuid) -> AppResult<Transfer> {
    let txn = db.begin().await?;
    let transfer = of_leg(&txn, user_id, leg_id).await?;
    Transactions::delete_many()
        .filter(Column::UserId.eq(user_id))
        .filter(Column::Id.is_in([transfer.from.id, transfer.to.id]))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    announce(db, events, user_id, ChangeKind::Deleted, &transfer).await;
    Ok(transfer)
}

/// One change event per leg, so a client following `transactionChanged` (or a webhook) sees
/// both.
async fn announce(db: &DatabaseConnection, events: &EventBus, user_id: Uuid, kind: ChangeKind, transfer: &Transfer) {
    let row = |leg: &transactions::Model| (kind != ChangeKind::Deleted).then(|| leg.clone());
    let changes = vec![
        TransactionChange::event(kind, transfer.from.id, row(&transfer.from)),
        TransactionChange::event(kind, transfer.to.id, row(&transfer.to)),
    ];
    crate::notifications::service::raise(db, events, user_id, changes).await;
}
