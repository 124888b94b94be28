//! Rule types, queries and mutations, and `applyRules`.

use async_graphql::{Context, Enum, ID, InputObject, Object, OneofObject, Result, ResultExt, SimpleObject, Union};

use crate::foundation::entities::rules as rule_rows;
use crate::{
    foundation::{
        error::AppError,
        ids,
        money::{Currency, Money},
    },
    graphql::{ContextExt, nodes::TransactionType, scalars::DateTime},
    rules::{
        apply,
        edited::Field,
        engine::{Action, Condition, TextField},
        service::{self, ConditionInput, NewRule, RulePatch},
    },
};

pub struct Rule(pub rule_rows::Model);

/// A categorisation rule: when every condition holds, its actions set fields of a transaction
/// being created or imported. Rules run by priority (highest first, then oldest first); the
/// first matching rule that sets a field wins it.
#[Object]
impl Rule {
    /// The rule's id.
    async fn id(&self) -> ID {
        ids::to_id(self.0.id)
    }
    /// What the person called it.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Higher runs first.
    async fn priority(&self) -> i32 {
        self.0.priority
    }
    /// All of them must hold.
    async fn conditions(&self) -> Result<Vec<RuleCondition>> {
        let spec = service::spec(&self.0).extend()?;
        Ok(spec.conditions.into_iter().map(RuleCondition::from).collect())
    }
    /// What it sets, in order.
    async fn actions(&self) -> Result<Vec<RuleAction>> {
        let spec = service::spec(&self.0).extend()?;
        Ok(spec.actions.into_iter().map(RuleAction::from).collect())
    }
    /// A disabled rule never runs.
    async fn enabled(&self) -> bool {
        self.0.enabled
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
}

/// Which text a text condition reads.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::rules::engine::TextField")]
pub enum RuleTextField {
    Payee,
    Description,
}

/// How a text condition compares; all ignore case and surrounding spaces.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::rules::engine::TextOp")]
pub enum TextOperator {
    Equals,
    Contains,
    StartsWith,
    /// A regular expression (Rust `regex` syntax, linear-time, compiled size capped).
    Matches,
}

/// The payee or description compared with a text.
#[derive(SimpleObject)]
pub struct TextCondition {
    /// The text compared.
    field: RuleTextField,
    /// How it is compared.
    operator: TextOperator,
    /// What it is compared with (a pattern for MATCHES).
    value: String,
}

/// The amount's size (inclusive bounds) in one currency; other currencies never match.
#[derive(SimpleObject)]
pub struct AmountCondition {
    /// ISO 4217.
    currency: String,
    /// At least this much; null: no lower bound.
    min: Option<Money>,
    /// At most this much; null: no upper bound.
    max: Option<Money>,
}

/// The transaction's type.
#[derive(SimpleObject)]
pub struct TypeCondition {
    /// INCOME or EXPENSE.
    #[graphql(name = "type")]
    kind: TransactionType,
}

/// The transaction's account.
#[derive(SimpleObject)]
pub struct AccountCondition {
    /// One of the caller's accounts.
    account_id: ID,
}

#[derive(Union)]
pub enum RuleCondition {
    Text(TextCondition),
    Amount(AmountCondition),
    Type(TypeCondition),
    Account(AccountCondition),
}

impl From<Condition> for RuleCondition {
    fn from(condition: Condition) -> Self {
        match condition {
            Condition::Text { field, op, value } => RuleCondition::Text(TextCondition {
                field: field.into(),
                operator: op.into(),
                value,
            }),
            Condition::Amount { currency, min, max } => {
                let unit = Currency::of(&currency);
                RuleCondition::Amount(AmountCondition {
                    min: min.map(|m| unit.amount(m)),
                    max: max.map(|m| unit.amount(m)),
                    currency,
                })
            }
            Condition::Type { kind } => RuleCondition::Type(TypeCondition { kind: kind.into() }),
            Condition::Account { account_id } => RuleCondition::Account(AccountCondition {
                account_id: ids::to_id(account_id),
            }),
        }
    }
}

/// Files the transaction under a category.
#[derive(SimpleObject)]
pub struct SetCategoryAction {
    /// One of the caller's budget categories.
    category_id: ID,
}

/// Renames the payee.
#[derive(SimpleObject)]
pub struct SetPayeeAction {
    /// The payee's new name.
    payee: String,
}

/// Replaces the description.
#[derive(SimpleObject)]
pub struct SetDescriptionAction {
    /// The new description.
    description: String,
}

#[derive(Union)]
pub enum RuleAction {
    SetCategory(SetCategoryAction),
    SetPayee(SetPayeeAction),
    SetDescription(SetDescriptionAction),
}

impl From<Action> for RuleAction {
    fn from(action: Action) -> Self {
        match action {
            Action::Category { category_id } => RuleAction::SetCategory(SetCategoryAction {
                category_id: ids::to_id(category_id),
            }),
            Action::Payee { payee } => RuleAction::SetPayee(SetPayeeAction { payee }),
            Action::Description { description } => RuleAction::SetDescription(SetDescriptionAction { description }),
        }
    }
}

/// Text to compare with.
#[derive(InputObject)]
pub struct TextMatchInput {
    /// How to compare.
    operator: TextOperator,
    /// 1 to 200 characters; for MATCHES a regular expression.
    value: String,
}

/// An amount range; give min, max or both.
#[derive(InputObject)]
pub struct AmountRangeInput {
    /// At least this much (inclusive), 0 or more.
    min: Option<Money>,
    /// At most this much (inclusive).
    max: Option<Money>,
    /// ISO 4217; the caller's reporting currency when omitted.
    currency: Option<String>,
}

/// One condition: exactly one field.
#[derive(OneofObject)]
pub enum RuleConditionInput {
    /// The payee compared with a text (a transaction without one has an empty payee).
    Payee(TextMatchInput),
    /// The description compared with a text.
    Description(TextMatchInput),
    /// The amount's size within a range.
    Amount(AmountRangeInput),
    /// INCOME or EXPENSE.
    Type(TransactionType),
    /// One of the caller's accounts.
    AccountId(ID),
}

/// One action: exactly one field.
#[derive(OneofObject)]
pub enum RuleActionInput {
    /// One of the caller's budget categories.
    CategoryId(ID),
    /// The payee's new name, 1 to 200 characters.
    Payee(String),
    /// The new description, 1 to 200 characters.
    Description(String),
}

fn condition(input: RuleConditionInput) -> ConditionInput {
    let text = |field, m: TextMatchInput| ConditionInput::Text {
        field,
        op: m.operator.into(),
        value: m.value,
    };
    match input {
        RuleConditionInput::Payee(m) => text(TextField::Payee, m),
        RuleConditionInput::Description(m) => text(TextField::Description, m),
        RuleConditionInput::Amount(range) => ConditionInput::Amount {
            currency: range.currency,
            min: range.min,
            max: range.max,
        },
        RuleConditionInput::Type(kind) => ConditionInput::Type(kind.into()),
        RuleConditionInput::AccountId(id) => ConditionInput::Account(ids::parse_or_nil(&id)),
    }
}

fn action(input: RuleActionInput) -> Action {
    match input {
        RuleActionInput::CategoryId(id) => Action::Category {
            category_id: ids::parse_or_nil(&id),
        },
        RuleActionInput::Payee(payee) => Action::Payee { payee },
        RuleActionInput::Description(description) => Action::Description { description },
    }
}

/// A new rule.
#[derive(InputObject)]
pub struct CreateRuleInput {
    /// 1 to 200 characters.
    name: String,
    /// Higher runs first; 0 by default.
    priority: Option<i32>,
    /// 1 to 20; all must hold.
    conditions: Vec<RuleConditionInput>,
    /// 1 to 10.
    actions: Vec<RuleActionInput>,
    /// True by default.
    enabled: Option<bool>,
}

/// Rule changes; omitted fields keep their value, new conditions or actions replace them all.
#[derive(InputObject)]
pub struct UpdateRuleInput {
    /// 1 to 200 characters.
    name: Option<String>,
    /// Higher runs first.
    priority: Option<i32>,
    /// 1 to 20; replaces all of them.
    conditions: Option<Vec<RuleConditionInput>>,
    /// 1 to 10; replaces all of them.
    actions: Option<Vec<RuleActionInput>>,
    /// Whether it runs.
    enabled: Option<bool>,
}

/// A field a rule sets.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum RuleField {
    Category,
    Payee,
    Description,
}

/// One field of one transaction that `applyRules` changed (or would change).
#[derive(SimpleObject)]
pub struct RuleChange {
    /// The transaction changed.
    transaction_id: ID,
    /// Which of its fields.
    field: RuleField,
    /// The value before (a category id for CATEGORY); null when there was none.
    before: Option<String>,
    /// The value after (a category id for CATEGORY).
    after: String,
    /// The rule that set it.
    rule_id: ID,
}

/// What `applyRules` did, or with dryRun would do.
#[derive(SimpleObject)]
pub struct ApplyRulesResult {
    /// True when nothing was written.
    dry_run: bool,
    /// Income and expense transactions looked at.
    examined: i32,
    /// Transactions changed (or that would be).
    changed: i32,
    /// Changes not made because a person had set that field by hand.
    kept_edited: i32,
    /// The first 1,000 changes, oldest transaction first.
    changes: Vec<RuleChange>,
}

fn rule_id(id: &ID) -> Result<uuid::Uuid> {
    ids::parse(id).ok_or(AppError::NotFound("rule")).extend()
}

fn int(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

#[derive(Default)]
pub struct RulesQuery;

#[Object]
impl RulesQuery {
    /// The caller's rules in the order they run.
    async fn rules(&self, ctx: &Context<'_>) -> Result<Vec<Rule>> {
        let (db, caller) = ctx.authenticated().extend()?;
        let rows = service::list(db, caller.id).await.extend()?;
        Ok(rows.into_iter().map(Rule).collect())
    }

    /// One of the caller's rules; null for any other id.
    async fn rule(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Rule>> {
        let (db, caller) = ctx.authenticated().extend()?;
        let Some(id) = ids::parse(&id) else { return Ok(None) };
        service::find(db, caller.id, id).await.map(|r| r.map(Rule)).extend()
    }
}

#[derive(Default)]
pub struct RulesMutation;

#[Object]
impl RulesMutation {
    /// Creates a rule (at most 500 per user). It applies to transactions created or imported
    /// from now on; applyRules runs it over the ones before.
    async fn create_rule(&self, ctx: &Context<'_>, input: CreateRuleInput) -> Result<Rule> {
        let (db, caller) = ctx.authenticated().extend()?;
        let new = NewRule {
            name: input.name,
            priority: input.priority.unwrap_or(0),
            conditions: input.conditions.into_iter().map(condition).collect(),
            actions: input.actions.into_iter().map(action).collect(),
            enabled: input.enabled.unwrap_or(true),
        };
        service::create(db, caller.id, new).await.map(Rule).extend()
    }

    /// Changes a rule; it applies as changed from now on.
    async fn update_rule(&self, ctx: &Context<'_>, id: ID, input: UpdateRuleInput) -> Result<Rule> {
        let (db, caller) = ctx.authenticated().extend()?;
        let id = rule_id(&id)?;
        let patch = RulePatch {
            name: input.name,
            priority: input.priority,
            conditions: input.conditions.map(|c| c.into_iter().map(condition).collect()),
            actions: input.actions.map(|a| a.into_iter().map(action).collect()),
            enabled: input.enabled,
        };
        service::update(db, caller.id, id, patch).await.map(Rule).extend()
    }

    /// Deletes a rule and returns its id; what it already set stays.
    async fn delete_rule(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let (db, caller) = ctx.authenticated().extend()?;
        let id = rule_id(&id)?;
        service::delete(db, caller.id, id).await.map(ids::to_id).extend()
    }

    /// Runs the enabled rules over every income and expense transaction of the caller. Fields
    /// a person set by hand are kept unless overwriteEdited; with dryRun nothing is written and
    /// the result shows what would change.
    async fn apply_rules(
        &self,
        ctx: &Context<'_>,
        dry_run: bool,
        #[graphql(default = false)] overwrite_edited: bool,
    ) -> Result<ApplyRulesResult> {
        let (db, caller) = ctx.authenticated().extend()?;
        let outcome = apply::to_history(db, caller.id, dry_run, overwrite_edited)
            .await
            .extend()?;
        Ok(ApplyRulesResult {
            dry_run: outcome.dry_run,
            examined: int(outcome.examined),
            changed: int(outcome.changed),
            kept_edited: int(outcome.kept_edited),
            changes: outcome
                .changes
                .into_iter()
                .map(|change| RuleChange {
                    transaction_id: ids::to_id(change.transaction_id),
                    field: match change.field {
                        Field::Category => RuleField::Category,
                        Field::Payee => RuleField::Payee,
                        _ => RuleField::Description,
                    },
                    before: change.before,
                    after: change.after,
                    rule_id: ids::to_id(change.rule_id),
                })
                .collect(),
        })
    }
}
