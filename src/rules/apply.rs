//! Running the caller's rules over transactions: on one being created or imported (only the
//! fields nobody set), and over history (`applyRules`), where the fields a person edited by
//! hand are left alone unless the caller says to overwrite them.

use std::collections::HashSet;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};
use uuid::Uuid;

use crate::foundation::entities::budget_categories;
use crate::foundation::entities::transactions::{self, Column, Entity as Transactions, TransactionType};
use crate::{
    budgets,
    foundation::{db, error::AppResult, ownership},
    rules::{
        edited::{Edited, Field},
        engine::{Candidate, Outcome},
        service,
    },
};

/// Transactions read per statement while going over history.
const PAGE: u64 = 1_000;
/// The most changes one `applyRules` lists (all are made).
pub const MAX_LISTED: usize = 1_000;

/// What rules look at in a stored transaction.
pub fn candidate(row: &transactions::Model) -> Candidate<'_> {
    Candidate {
        payee: row.payee.as_deref(),
        description: &row.description,
        amount: row.amount,
        currency: &row.currency,
        kind: row.kind,
        account_id: row.account_id,
    }
}

/// Drops what the rules may not set: fields edited by hand (unless `overwrite_edited`), a
/// category on a split transaction (its lines have theirs), a category deleted since the rule
/// was written.
pub fn permitted(
    mut outcome: Outcome,
    edited: &Edited,
    overwrite_edited: bool,
    has_splits: bool,
    categories: &HashSet<Uuid>,
) -> Outcome {
    let locked = |field| !overwrite_edited && edited.contains(field);
    if locked(Field::Category) || has_splits || outcome.category.is_some_and(|(c, _)| !categories.contains(&c)) {
        outcome.category = None;
    }
    if locked(Field::Payee) {
        outcome.payee = None;
    }
    if locked(Field::Description) {
        outcome.description = None;
    }
    outcome
}

/// What the caller's rules set on a transaction being created by hand: only fields not in
/// `given`. One statement, two when a rule names a category (to make sure it still exists).
pub async fn on_new(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    candidate: &Candidate<'_>,
    given: &Edited,
) -> AppResult<Outcome> {
    let rules = service::load(db, user_id).await?;
    let mut outcome = rules.apply(candidate);
    let categories: HashSet<Uuid> = match outcome.category {
        Some((id, _)) if !given.contains(Field::Category) => budgets::categories::find(db, user_id, id)
            .await?
            .map(|category| category.id)
            .into_iter()
            .collect(),
        _ => HashSet::new(),
    };
    outcome = permitted(outcome, given, false, false, &categories);
    Ok(outcome)
}

/// The caller's category ids, to leave out rules naming one deleted since.
pub async fn category_ids(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<HashSet<Uuid>> {
    let ids: Vec<Uuid> = ownership::owned::<budget_categories::Entity>(user_id)
        .select_only()
        .column(budget_categories::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    Ok(ids.into_iter().collect())
}

/// One field a rule changes (or, in a dry run, would change).
#[derive(Debug, Clone)]
pub struct FieldChange {
    pub transaction_id: Uuid,
    pub field: Field,
    /// The value before: a category id for `Category`.
    pub before: Option<String>,
    pub after: String,
    pub rule_id: Uuid,
}

#[derive(Debug, Default)]
pub struct HistoryOutcome {
    pub examined: usize,
    /// Transactions changed (or that would be).
    pub changed: usize,
    /// Changes left out because the field was edited by hand.
    pub kept_edited: usize,
    /// The first `MAX_LISTED` changes, oldest transaction first.
    pub changes: Vec<FieldChange>,
    pub dry_run: bool,
}

/// Runs every enabled rule over the caller's income and expense transactions. Writes (unless
/// `dry_run`) happen in one database transaction; a transaction changed by someone else
/// after it was read is left as they made it.
pub async fn to_history(
    db: &DatabaseConnection,
    user_id: Uuid,
    dry_run: bool,
    overwrite_edited: bool,
) -> AppResult<HistoryOutcome> {
    let rules = service::load(db, user_id).await?;
    let categories = category_ids(db, user_id).await?;
    let mut outcome = HistoryOutcome {
        dry_run,
        ..HistoryOutcome::default()
    };
    let mut updates: Vec<(transactions::Model, Outcome)> = Vec::new();
    let mut after: Option<Uuid> = None;
    loop {
        let mut query = ownership::owned::<Transactions>(user_id)
            .filter(Column::Kind.is_in([TransactionType::Income, TransactionType::Expense]))
            .order_by_asc(Column::Id)
            .limit(PAGE);
        if let Some(last) = after {
            query = query.filter(Column::Id.gt(last));
        }
        let page = query.all(db).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for row in page {
            outcome.examined += 1;
            let edited = Edited::parse(&row.edited_fields);
            let wanted = differences(&row, rules.apply(&candidate(&row)));
            outcome.kept_edited += [
                (wanted.category.is_some(), Field::Category),
                (wanted.payee.is_some(), Field::Payee),
                (wanted.description.is_some(), Field::Description),
            ]
            .into_iter()
            .filter(|(wants, field)| *wants && !overwrite_edited && edited.contains(*field))
            .count();
            let allowed = permitted(wanted, &edited, overwrite_edited, row.has_splits, &categories);
            if count(&allowed) > 0 {
                list_changes(&row, &allowed, &mut outcome.changes);
                updates.push((row, allowed));
            }
        }
    }
    outcome.changed = updates.len();
    if !dry_run && !updates.is_empty() {
        write(db, user_id, &updates).await?;
    }
    Ok(outcome)
}

/// Keeps only what differs from the row.
fn differences(row: &transactions::Model, mut outcome: Outcome) -> Outcome {
    if outcome.category.is_some_and(|(c, _)| row.budget_category_id == Some(c)) {
        outcome.category = None;
    }
    if outcome
        .payee
        .as_ref()
        .is_some_and(|(p, _)| row.payee.as_deref() == Some(p))
    {
        outcome.payee = None;
    }
    if outcome.description.as_ref().is_some_and(|(d, _)| row.description == *d) {
        outcome.description = None;
    }
    outcome
}

fn count(outcome: &Outcome) -> usize {
    usize::from(outcome.category.is_some())
        + usize::from(outcome.payee.is_some())
        + usize::from(outcome.description.is_some())
}

fn list_changes(row: &transactions::Model, outcome: &Outcome, changes: &mut Vec<FieldChange>) {
    let mut push = |field, before: Option<String>, after: String, rule_id| {
        if changes.len() < MAX_LISTED {
            changes.push(FieldChange {
                transaction_id: row.id,
                field,
                before,
                after,
                rule_id,
            });
        }
    };
    if let Some((category, rule)) = outcome.category {
        push(
            Field::Category,
            row.budget_category_id.map(|c| c.to_string()),
            category.to_string(),
            rule,
        );
    }
    if let Some((payee, rule)) = &outcome.payee {
        push(Field::Payee, row.payee.clone(), payee.clone(), *rule);
    }
    if let Some((description, rule)) = &outcome.description {
        push(
            Field::Description,
            Some(row.description.clone()),
            description.clone(),
            *rule,
        );
    }
}

/// Each row is updated only if it is as it was read (same `updated_at`).
async fn write(db: &DatabaseConnection, user_id: Uuid, updates: &[(transactions::Model, Outcome)]) -> AppResult<()> {
    let now = db::now();
    let txn = db.begin().await?;
    for (row, outcome) in updates {
        let mut active = transactions::ActiveModel {
            updated_at: Set(now),
            ..Default::default()
        };
        if let Some((category, _)) = outcome.category {
            active.budget_category_id = Set(Some(category));
        }
        if let Some((payee, _)) = &outcome.payee {
            active.payee = Set(Some(payee.clone()));
        }
        if let Some((description, _)) = &outcome.description {
            active.search_text = Set(transactions::search_text(description));
            active.description = Set(description.clone());
        }
        Transactions::update_many()
            .set(active)
            .filter(Column::UserId.eq(user_id))
            .filter(Column::Id.eq(row.id))
            .filter(Column::UpdatedAt.eq(row.updated_at))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(())
}
