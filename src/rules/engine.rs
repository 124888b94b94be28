//! The rule engine: which actions a set of rules takes on one transaction.
//!
//! Rules run by priority (higher first; equal priorities by id, so the order never depends on
//! how rows come back from the database), and the first matching rule that sets a field wins
//! that field: a later rule may still set another one. Text conditions ignore case and
//! surrounding spaces. Patterns use the `regex` crate, which matches in linear time (no
//! catastrophic backtracking) and here has its compiled size capped, so no rule can stall a
//! request.

use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::foundation::entities::transactions::TransactionType;

/// Longest text a condition may compare with or a pattern may be.
pub const MAX_TEXT: usize = 200;
/// Compiled size a pattern may take.
const REGEX_SIZE_LIMIT: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextField {
    Payee,
    Description,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextOp {
    Equals,
    Contains,
    StartsWith,
    Matches,
}

/// A condition as stored (JSON) and as the API states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "on", rename_all = "snake_case")]
pub enum Condition {
    Text {
        field: TextField,
        op: TextOp,
        value: String,
    },
    /// The amount's size in minor units of `currency`, either bound optional and inclusive;
    /// a transaction in another currency never matches (no rate is guessed for a rule).
    Amount {
        currency: String,
        min: Option<i64>,
        max: Option<i64>,
    },
    Type {
        kind: TransactionType,
    },
    Account {
        account_id: Uuid,
    },
}

/// An action as stored and as the API states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "set", rename_all = "snake_case")]
pub enum Action {
    Category { category_id: Uuid },
    Payee { payee: String },
    Description { description: String },
}

/// A rule as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSpec {
    pub id: Uuid,
    pub priority: i32,
    pub conditions: Vec<Condition>,
    pub actions: Vec<Action>,
    pub enabled: bool,
}

/// What a rule looks at.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    pub payee: Option<&'a str>,
    pub description: &'a str,
    /// Minor units of `currency`; the sign is ignored.
    pub amount: i64,
    pub currency: &'a str,
    pub kind: TransactionType,
    pub account_id: Uuid,
}

/// What the rules set, each with the rule that set it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub category: Option<(Uuid, Uuid)>,
    pub payee: Option<(String, Uuid)>,
    pub description: Option<(String, Uuid)>,
}

/// How a text condition compares, ready to run.
enum Compare {
    Equals(String),
    Contains(String),
    StartsWith(String),
    Pattern(Regex),
}

enum Test {
    Text(TextField, Compare),
    Amount(String, Option<i64>, Option<i64>),
    Type(TransactionType),
    Account(Uuid),
}

/// Rules ready to run: patterns compiled, disabled rules dropped, in the order they apply.
pub struct Rules(Vec<(RuleSpec, Vec<Test>)>);

/// Why a rule cannot be used, by the index of its condition or action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub field: String,
    pub message: String,
}

fn normal(text: &str) -> String {
    text.trim().to_lowercase()
}

/// Checks one rule as a client wrote it.
pub fn validate(conditions: &[Condition], actions: &[Action]) -> Vec<Invalid> {
    let mut problems = Vec::new();
    let mut problem = |field: String, message: &str| {
        problems.push(Invalid {
            field,
            message: message.into(),
        })
    };
    if conditions.is_empty() {
        problem("conditions".into(), "needs at least one condition");
    }
    if actions.is_empty() {
        problem("actions".into(), "needs at least one action");
    }
    for (i, condition) in conditions.iter().enumerate() {
        let field = format!("conditions.{i}");
        match condition {
            Condition::Text { op, value, .. } => {
                if value.trim().is_empty() || value.chars().count() > MAX_TEXT {
                    problem(field.clone(), "needs a text of 1 to 200 characters");
                } else if *op == TextOp::Matches && compile(value).is_err() {
                    problem(field, "is not a pattern this engine runs (or is too large)");
                }
            }
            Condition::Amount { min, max, .. } => {
                if min.is_some_and(|m| m < 0) || max.is_some_and(|m| m < 0) || min.zip(*max).is_some_and(|(a, b)| a > b)
                {
                    problem(field, "needs 0 <= min <= max");
                } else if min.is_none() && max.is_none() {
                    problem(field, "needs a min or a max");
                }
            }
            Condition::Type { .. } | Condition::Account { .. } => {}
        }
    }
    for (i, action) in actions.iter().enumerate() {
        let text = match action {
            Action::Payee { payee } => Some(payee),
            Action::Description { description } => Some(description),
            Action::Category { .. } => None,
        };
        if text.is_some_and(|t| t.trim().is_empty() || t.chars().count() > MAX_TEXT) {
            problem(format!("actions.{i}"), "needs a text of 1 to 200 characters");
        }
    }
    problems
}

fn compile(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
}

impl Rules {
    /// The enabled rules in the order they apply. A stored rule whose pattern no longer
    /// compiles (it was validated when saved) is skipped and logged.
    pub fn new(mut specs: Vec<RuleSpec>) -> Rules {
        specs.retain(|r| r.enabled);
        specs.sort_by(|a, b| b.priority.cmp(&a.priority).then(a.id.cmp(&b.id)));
        let rules = specs
            .into_iter()
            .filter_map(|spec| {
                let tests: Result<Vec<Test>, regex::Error> = spec
                    .conditions
                    .iter()
                    .map(|c| {
                        Ok(match c {
                            Condition::Text { field, op, value } => Test::Text(
                                *field,
                                match op {
                                    TextOp::Equals => Compare::Equals(normal(value)),
                                    TextOp::Contains => Compare::Contains(normal(value)),
                                    TextOp::StartsWith => Compare::StartsWith(normal(value)),
                                    TextOp::Matches => Compare::Pattern(compile(value)?),
                                },
                            ),
                            Condition::Amount { currency, min, max } => Test::Amount(currency.clone(), *min, *max),
                            Condition::Type { kind } => Test::Type(*kind),
                            Condition::Account { account_id } => Test::Account(*account_id),
                        })
                    })
                    .collect();
                match tests {
                    Ok(tests) => Some((spec, tests)),
                    Err(e) => {
                        tracing::warn!(rule_id = %spec.id, error = %e, "rule skipped: its pattern does not compile");
                        None
                    }
                }
            })
            .collect();
        Rules(rules)
    }

    /// What the rules set on `candidate`.
    pub fn apply(&self, candidate: &Candidate<'_>) -> Outcome {
        let mut outcome = Outcome::default();
        for (spec, tests) in &self.0 {
            if !tests.iter().all(|test| passes(test, candidate)) {
                continue;
            }
            for action in &spec.actions {
                match action {
                    Action::Category { category_id } => {
                        outcome.category.get_or_insert((*category_id, spec.id));
                    }
                    Action::Payee { payee } => {
                        outcome.payee.get_or_insert_with(|| (payee.clone(), spec.id));
                    }
                    Action::Description { description } => {
                        outcome
                            .description
                            .get_or_insert_with(|| (description.clone(), spec.id));
                    }
                }
            }
        }
        outcome
    }
}

fn passes(test: &Test, c: &Candidate<'_>) -> bool {
    let field = |f: &TextField| match f {
        TextField::Payee => c.payee.unwrap_or_default(),
        TextField::Description => c.description,
    };
    match test {
        Test::Text(f, compare) => {
            let text = field(f);
            match compare {
                Compare::Equals(value) => normal(text) == *value,
                Compare::Contains(value) => normal(text).contains(value.as_str()),
                Compare::StartsWith(value) => normal(text).starts_with(value.as_str()),
                Compare::Pattern(regex) => regex.is_match(text.trim()),
            }
        }
        Test::Amount(currency, min, max) => {
            let size = c.amount.saturating_abs();
            c.currency == currency && min.is_none_or(|m| size >= m) && max.is_none_or(|m| size <= m)
        }
        Test::Type(kind) => c.kind == *kind,
        Test::Account(id) => c.account_id == *id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(priority: i32, conditions: Vec<Condition>, actions: Vec<Action>) -> RuleSpec {
        RuleSpec {
            id: Uuid::now_v7(),
            priority,
            conditions,
            actions,
            enabled: true,
        }
    }

    fn text(field: TextField, op: TextOp, value: &str) -> Condition {
        Condition::Text {
            field,
            op,
            value: value.into(),
        }
    }

    fn candidate<'a>(payee: &'a str, amount: i64) -> Candidate<'a> {
        Candidate {
            payee: Some(payee),
            description: "Card payment",
            amount,
            currency: "EUR",
            kind: TransactionType::Expense,
            account_id: Uuid::nil(),
        }
    }

    #[test]
    fn a_payee_pattern_files_an_amazon_purchase_under_shopping() {
        let shopping = Uuid::now_v7();
        let amazon = rule(
            0,
            vec![text(TextField::Payee, TextOp::Matches, r"^amazon\s+mktpl\*\w+$")],
            vec![
                Action::Category { category_id: shopping },
                Action::Payee { payee: "Amazon".into() },
            ],
        );
        let rules = Rules::new(vec![amazon.clone()]);
        let outcome = rules.apply(&candidate("AMAZON MKTPL*2K4", -2399));
        assert_eq!(outcome.category, Some((shopping, amazon.id)));
        assert_eq!(outcome.payee, Some(("Amazon".into(), amazon.id)));
        assert_eq!(rules.apply(&candidate("AMAZON PRIME", -899)), Outcome::default());
    }

    #[test]
    fn higher_priority_wins_each_field_and_ties_go_by_id() {
        let (groceries, food) = (Uuid::now_v7(), Uuid::now_v7());
        let broad = rule(
            1,
            vec![text(TextField::Payee, TextOp::Contains, "market")],
            vec![Action::Category { category_id: food }],
        );
        let narrow = rule(
            5,
            vec![text(TextField::Payee, TextOp::StartsWith, "fresh market")],
            vec![Action::Category { category_id: groceries }],
        );
        let renamer = rule(
            1,
            vec![text(TextField::Payee, TextOp::Contains, "market")],
            vec![Action::Payee {
                payee: "Fresh Market".into(),
            }],
        );
        let rules = Rules::new(vec![broad.clone(), renamer.clone(), narrow.clone()]);
        let outcome = rules.apply(&candidate("  FRESH MARKET #12 ", -1500));
        assert_eq!(outcome.category, Some((groceries, narrow.id)), "priority 5 first");
        assert_eq!(
            outcome.payee,
            Some(("Fresh Market".into(), renamer.id)),
            "a later rule sets another field"
        );

        // Equal priorities: the lower id (the older rule) applies first, whatever the input order.
        let (a, b) = (
            rule(
                0,
                vec![text(TextField::Payee, TextOp::Equals, "x")],
                vec![Action::Category { category_id: food }],
            ),
            rule(
                0,
                vec![text(TextField::Payee, TextOp::Equals, "x")],
                vec![Action::Category { category_id: groceries }],
            ),
        );
        for order in [vec![a.clone(), b.clone()], vec![b.clone(), a.clone()]] {
            assert_eq!(Rules::new(order).apply(&candidate("X", 1)).category, Some((food, a.id)));
        }
    }

    #[test]
    fn amount_type_and_account_conditions_all_have_to_hold() {
        let (account, bills) = (Uuid::now_v7(), Uuid::now_v7());
        let spec = rule(
            0,
            vec![
                Condition::Amount {
                    currency: "EUR".into(),
                    min: Some(5_000),
                    max: Some(20_000),
                },
                Condition::Type {
                    kind: TransactionType::Expense,
                },
                Condition::Account { account_id: account },
            ],
            vec![Action::Category { category_id: bills }],
        );
        let rules = Rules::new(vec![spec]);
        let mut c = candidate("Power Co", -12_000);
        c.account_id = account;
        assert!(rules.apply(&c).category.is_some());
        assert!(rules.apply(&Candidate { amount: -4_999, ..c }).category.is_none());
        assert!(
            rules.apply(&Candidate { amount: 20_000, ..c }).category.is_some(),
            "bounds are inclusive"
        );
        assert!(
            rules.apply(&Candidate { currency: "USD", ..c }).category.is_none(),
            "12,000 cents of another currency are another amount"
        );
        assert!(
            rules
                .apply(&Candidate {
                    kind: TransactionType::Income,
                    ..c
                })
                .category
                .is_none()
        );
        assert!(
            rules
                .apply(&Candidate {
                    account_id: Uuid::nil(),
                    ..c
                })
                .category
                .is_none()
        );
    }

    #[test]
    fn disabled_rules_do_nothing_and_bad_rules_are_named() {
        let mut off = rule(
            9,
            vec![text(TextField::Payee, TextOp::Contains, "a")],
            vec![Action::Payee { payee: "A".into() }],
        );
        off.enabled = false;
        assert_eq!(Rules::new(vec![off]).apply(&candidate("abc", 1)), Outcome::default());

        let problems = validate(
            &[
                text(TextField::Payee, TextOp::Matches, "(unclosed"),
                text(
                    TextField::Description,
                    TextOp::Matches,
                    &format!("a{{1000}}{}", "b{1000}".repeat(20)),
                ),
                Condition::Amount {
                    currency: "EUR".into(),
                    min: Some(10),
                    max: Some(5),
                },
                text(TextField::Payee, TextOp::Contains, " "),
            ],
            &[Action::Payee { payee: "".into() }],
        );
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "conditions.0",
                "conditions.1",
                "conditions.2",
                "conditions.3",
                "actions.0"
            ]
        );
        assert_eq!(validate(&[], &[]).len(), 2);
    }

    #[test]
    fn conditions_and_actions_store_as_tagged_json() {
        let condition = text(TextField::Payee, TextOp::StartsWith, "Amazon");
        let json = serde_json::to_value(&condition).expect("json");
        assert_eq!(
            json,
            serde_json::json!({ "on": "text", "field": "payee", "op": "starts_with", "value": "Amazon" })
        );
        assert_eq!(serde_json::from_value::<Condition>(json).expect("back"), condition);
        let action = Action::Category {
            category_id: Uuid::nil(),
        };
        let json = serde_json::to_value(&action).expect("json");
        assert_eq!(json["set"], "category");
    }
}
