//! Rule reads and writes, scoped by the caller's user id. A rule names only the caller's own
//! accounts and categories, and its amounts are in a stated currency.

use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, IntoActiveModel, PaginatorTrait, QueryOrder, Set,
};
use uuid::Uuid;

use crate::foundation::entities::accounts;
use crate::foundation::entities::rules::{self, Column, Entity as Rules};
use crate::foundation::entities::transactions::TransactionType;
use crate::{
    budgets,
    foundation::{
        db,
        error::{AppError, AppResult, FieldErrors},
        money::{Currency, Money},
        ownership, validate,
    },
    rules::engine::{self, Action, Condition, RuleSpec, TextField, TextOp},
};

const NAME_MAX: usize = 200;
/// Rules one user may keep: each create and import runs all of them.
pub const MAX_RULES: u64 = 500;
const MAX_CONDITIONS: usize = 20;
const MAX_ACTIONS: usize = 10;

/// A condition as a client states it: amounts as decimals, in a currency that defaults to the
/// caller's reporting currency.
pub enum ConditionInput {
    Text {
        field: TextField,
        op: TextOp,
        value: String,
    },
    Amount {
        currency: Option<String>,
        min: Option<Money>,
        max: Option<Money>,
    },
    Type(TransactionType),
    Account(Uuid),
}

pub struct NewRule {
    pub name: String,
    pub priority: i32,
    pub conditions: Vec<ConditionInput>,
    pub actions: Vec<Action>,
    pub enabled: bool,
}

/// Rule changes; `None` keeps a value. New conditions or actions replace all of them.
#[derive(Default)]
pub struct RulePatch {
    pub name: Option<String>,
    pub priority: Option<i32>,
    pub conditions: Option<Vec<ConditionInput>>,
    pub actions: Option<Vec<Action>>,
    pub enabled: Option<bool>,
}

pub async fn create(db: &DatabaseConnection, user_id: Uuid, new: NewRule) -> AppResult<rules::Model> {
    if ownership::owned::<Rules>(user_id).count(db).await? >= MAX_RULES {
        return Err(AppError::invalid(
            "input",
            format!("you have {MAX_RULES} rules, the most one account may keep; delete one first"),
        ));
    }
    let mut errors = FieldErrors::default();
    let name = errors.take("input.name", validate::label(&new.name, NAME_MAX));
    let conditions = checked_conditions(db, user_id, new.conditions, &mut errors).await?;
    let actions = checked_actions(db, user_id, new.actions, &mut errors).await?;
    check_together(&conditions, &actions, &mut errors);
    errors.finish()?;
    let now = db::now();
    Ok(rules::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        name: Set(name.unwrap_or_default()),
        priority: Set(new.priority),
        conditions: Set(to_json(&conditions)?),
        actions: Set(to_json(&actions)?),
        enabled: Set(new.enabled),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?)
}

pub async fn update(db: &DatabaseConnection, user_id: Uuid, id: Uuid, patch: RulePatch) -> AppResult<rules::Model> {
    let before = ownership::get::<Rules>(db, user_id, id).await?;
    let stored = spec(&before)?;
    let mut errors = FieldErrors::default();
    let mut active = before.into_active_model();
    if let Some(name) = patch
        .name
        .and_then(|n| errors.take("input.name", validate::label(&n, NAME_MAX)))
    {
        active.name = Set(name);
    }
    let conditions = match patch.conditions {
        Some(new) => checked_conditions(db, user_id, new, &mut errors).await?,
        None => stored.conditions,
    };
    let actions = match patch.actions {
        Some(new) => checked_actions(db, user_id, new, &mut errors).await?,
        None => stored.actions,
    };
    check_together(&conditions, &actions, &mut errors);
    errors.finish()?;
    if let Some(priority) = patch.priority {
        active.priority = Set(priority);
    }
    if let Some(enabled) = patch.enabled {
        active.enabled = Set(enabled);
    }
    active.conditions = Set(to_json(&conditions)?);
    active.actions = Set(to_json(&actions)?);
    active.updated_at = Set(db::now());
    Ok(active.update(db).await?)
}

pub async fn delete(db: &DatabaseConnection, user_id: Uuid, id: Uuid) -> AppResult<Uuid> {
    ownership::delete::<Rules>(db, user_id, id).await
}

/// The caller's rules in the order they apply: priority, highest first, then oldest first.
pub async fn list(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<Vec<rules::Model>> {
    Ok(ownership::owned::<Rules>(user_id)
        .order_by_desc(Column::Priority)
        .order_by_asc(Column::Id)
        .all(db)
        .await?)
}

pub async fn find(db: &DatabaseConnection, user_id: Uuid, id: Uuid) -> AppResult<Option<rules::Model>> {
    ownership::find::<Rules>(db, user_id, id).await
}

/// The caller's rules, ready to run (one statement).
pub async fn load(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<engine::Rules> {
    let specs = list(db, user_id)
        .await?
        .iter()
        .map(spec)
        .collect::<AppResult<Vec<_>>>()?;
    Ok(engine::Rules::new(specs))
}

/// A stored rule's conditions and actions.
pub fn spec(row: &rules::Model) -> AppResult<RuleSpec> {
    let read =
        |what: &str, json: &str| AppError::internal(format!("rule {}: stored {what} unreadable: {json}", row.id));
    Ok(RuleSpec {
        id: row.id,
        priority: row.priority,
        conditions: serde_json::from_str(&row.conditions).map_err(|_| read("conditions", &row.conditions))?,
        actions: serde_json::from_str(&row.actions).map_err(|_| read("actions", &row.actions))?,
        enabled: row.enabled,
    })
}

fn to_json<T: serde::Serialize>(value: &T) -> AppResult<String> {
    serde_json::to_string(value).map_err(AppError::internal)
}

/// The conditions in their stored shape; problems are recorded under `input.conditions.N`.
async fn checked_conditions(
    db: &DatabaseConnection,
    user_id: Uuid,
    inputs: Vec<ConditionInput>,
    errors: &mut FieldErrors,
) -> AppResult<Vec<Condition>> {
    if inputs.len() > MAX_CONDITIONS {
        errors.add("input.conditions", format!("at most {MAX_CONDITIONS} conditions"));
    }
    let mut conditions = Vec::with_capacity(inputs.len());
    // Read once, for the amount conditions that name no currency.
    let mut reporting: Option<Currency> = None;
    for (i, input) in inputs.into_iter().enumerate() {
        let field = format!("input.conditions.{i}");
        conditions.push(match input {
            ConditionInput::Text { field, op, value } => Condition::Text { field, op, value },
            ConditionInput::Amount { currency, min, max } => {
                let currency = match currency {
                    Some(code) => match Currency::parse(&code) {
                        Ok(currency) => currency,
                        Err(problem) => {
                            // Recorded; a placeholder keeps the later conditions' numbers.
                            errors.add(&field, problem);
                            conditions.push(Condition::Amount {
                                currency: code,
                                min: Some(0),
                                max: None,
                            });
                            continue;
                        }
                    },
                    None => match reporting {
                        Some(currency) => currency,
                        None => *reporting.insert(Currency::of(&ownership::account(db, user_id).await?.currency)),
                    },
                };
                let mut minor = |bound: Option<Money>| {
                    bound.and_then(|amount| errors.take(&field, validate::amount(amount, currency)))
                };
                Condition::Amount {
                    currency: currency.code().to_owned(),
                    min: minor(min),
                    max: minor(max),
                }
            }
            ConditionInput::Type(kind) => {
                if kind.is_transfer() {
                    errors.add(&field, "rules apply to INCOME and EXPENSE transactions");
                }
                Condition::Type { kind }
            }
            ConditionInput::Account(account_id) => {
                if ownership::find::<accounts::Entity>(db, user_id, account_id)
                    .await?
                    .is_none()
                {
                    errors.add(&field, "is not one of your accounts");
                }
                Condition::Account { account_id }
            }
        });
    }
    Ok(conditions)
}

async fn checked_actions(
    db: &DatabaseConnection,
    user_id: Uuid,
    actions: Vec<Action>,
    errors: &mut FieldErrors,
) -> AppResult<Vec<Action>> {
    if actions.len() > MAX_ACTIONS {
        errors.add("input.actions", format!("at most {MAX_ACTIONS} actions"));
    }
    for (i, action) in actions.iter().enumerate() {
        if let Action::Category { category_id } = action
            && budgets::categories::find(db, user_id, *category_id).await?.is_none()
        {
            errors.add(format!("input.actions.{i}"), "is not one of your budget categories");
        }
    }
    Ok(actions)
}

/// The engine's own checks (text, patterns, ranges, at least one of each), named as inputs.
fn check_together(conditions: &[Condition], actions: &[Action], errors: &mut FieldErrors) {
    for problem in engine::validate(conditions, actions) {
        errors.add(format!("input.{}", problem.field), problem.message);
    }
}
