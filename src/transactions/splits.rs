//! Split transactions: one transaction divided into lines, each with its own category, amount
//! and note (a grocery receipt that is part food, part household). The lines sum exactly to
//! the transaction's amount; budgets and reports count each line in its own category
//! (`foundation::ledger::category_lines`).

use std::collections::{HashMap, HashSet};

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use crate::foundation::entities::transaction_splits::{self, Column, Entity as Splits};
use crate::foundation::entities::{budget_categories, transactions};
use crate::{
    foundation::{
        db,
        error::{AppResult, FieldErrors},
        money::{Currency, Money},
        ownership, validate,
    },
    transactions::service::DESCRIPTION_MAX,
};

/// A split needs company: one line is just a category.
const SPLITS_MIN: usize = 2;
/// A long receipt, itemised.
const SPLITS_MAX: usize = 50;

/// One line of a split, as given.
#[derive(Debug, Clone)]
pub struct NewSplit {
    pub category_id: Option<Uuid>,
    pub amount: Money,
    pub description: Option<String>,
}

/// A line that passed every rule, in minor units of its transaction's currency.
#[derive(Debug, Clone)]
pub struct CheckedSplit {
    category_id: Option<Uuid>,
    amount: i64,
    description: Option<String>,
}

/// Checks `splits` against a transaction of `total` minor units of `currency`: two to fifty
/// non-zero lines in the currency's decimals, categories of the caller's, and a sum equal to
/// the total (the message names the difference). Problems are recorded under `field`
/// (`input.splits`); `None` when there were any.
pub async fn check(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    splits: &[NewSplit],
    total: Option<i64>,
    currency: Currency,
    errors: &mut FieldErrors,
) -> AppResult<Option<Vec<CheckedSplit>>> {
    const FIELD: &str = "input.splits";
    let before = errors.len();
    if !(SPLITS_MIN..=SPLITS_MAX).contains(&splits.len()) {
        errors.add(
            FIELD,
            format!("must have {SPLITS_MIN} to {SPLITS_MAX} lines (an empty list removes the split)"),
        );
        return Ok(None);
    }
    let named: Vec<Uuid> = splits.iter().filter_map(|s| s.category_id).collect();
    let owned: HashSet<Uuid> = ownership::by_ids::<budget_categories::Entity>(db, user_id, &named)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    let mut checked = Vec::with_capacity(splits.len());
    for (i, split) in splits.iter().enumerate() {
        let field = |name: &str| format!("{FIELD}.{i}.{name}");
        let amount = errors.take(&field("amount"), validate::amount(split.amount, currency));
        if amount == Some(0) {
            errors.add(field("amount"), "must not be 0");
        }
        if let Some(category_id) = split.category_id
            && !owned.contains(&category_id)
        {
            errors.add(field("categoryId"), "is not one of your budget categories");
        }
        let description = errors
            .take(
                &field("description"),
                validate::optional_label(split.description.clone(), DESCRIPTION_MAX),
            )
            .flatten();
        checked.push(CheckedSplit {
            category_id: split.category_id,
            amount: amount.unwrap_or_default(),
            description,
        });
    }
    if errors.len() > before {
        return Ok(None);
    }
    if let Some(total) = total {
        check_sum(&checked, total, currency, FIELD, errors);
    }
    Ok((errors.len() == before).then_some(checked))
}

/// Records an error under `field` unless the lines sum exactly to `total`.
pub fn check_sum(splits: &[CheckedSplit], total: i64, currency: Currency, field: &str, errors: &mut FieldErrors) {
    let sum: i128 = splits.iter().map(|s| i128::from(s.amount)).sum();
    let total_wide = i128::from(total);
    if sum != total_wide {
        let show = |minor: i128| match i64::try_from(minor) {
            Ok(minor) => currency.amount(minor).to_string(),
            Err(_) => minor.to_string(),
        };
        let (difference, side) = if sum < total_wide {
            (total_wide - sum, "less")
        } else {
            (sum - total_wide, "more")
        };
        errors.add(
            field,
            format!(
                "the lines sum to {}, {} {side} than the amount {} {currency}",
                show(sum),
                show(difference),
                show(total_wide)
            ),
        );
    }
}

/// The lines of transaction `transaction_id` now, in order, as [`CheckedSplit`]s, so that a
/// change of amount can be checked against them.
pub fn kept(lines: &[transaction_splits::Model]) -> Vec<CheckedSplit> {
    lines
        .iter()
        .map(|line| CheckedSplit {
            category_id: line.budget_category_id,
            amount: line.amount,
            description: line.description.clone(),
        })
        .collect()
}

/// Replaces the lines of `transaction` (the caller's, checked) with `splits`, on `db` (the
/// caller's database transaction).
pub async fn replace(
    db: &impl ConnectionTrait,
    transaction: &transactions::Model,
    splits: &[CheckedSplit],
) -> AppResult<Vec<transaction_splits::Model>> {
    Splits::delete_many()
        .filter(Column::UserId.eq(transaction.user_id))
        .filter(Column::TransactionId.eq(transaction.id))
        .exec(db)
        .await?;
    let now = db::now();
    let mut written = Vec::with_capacity(splits.len());
    for (position, split) in (0_i32..).zip(splits) {
        let row = transaction_splits::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(transaction.user_id),
            transaction_id: Set(transaction.id),
            budget_category_id: Set(split.category_id),
            amount: Set(split.amount),
            description: Set(split.description.clone()),
            position: Set(position),
            created_at: Set(now),
        };
        written.push(row.insert(db).await?);
    }
    Ok(written)
}

/// The lines of the caller's transactions `ids`, in order, in one statement.
pub async fn of_transactions(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<transaction_splits::Model>>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = ownership::owned::<Splits>(user_id)
        .filter(Column::TransactionId.is_in(ids.iter().copied()))
        .order_by_asc(Column::TransactionId)
        .order_by_asc(Column::Position)
        .all(db)
        .await?;
    let mut by_transaction: HashMap<Uuid, Vec<transaction_splits::Model>> = HashMap::new();
    for row in rows {
        by_transaction.entry(row.transaction_id).or_default().push(row);
    }
    Ok(by_transaction)
}
