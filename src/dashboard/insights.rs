//! The insight rules, as pure functions over a snapshot of the month. Each rule yields at
//! most one insight per subject, with a kind, a severity and a message in the user's
//! currency format.
//!
//! | kind | severity | when |
//! | --- | --- | --- |
//! | CATEGORY_OVER_BUDGET | ALERT | a category of a budget active this month spent more than its amount |
//! | CATEGORY_NEAR_LIMIT | WARNING | a category spent 80 % to 100 % of its amount |
//! | SPENDING_UP | WARNING | this month's expenses exceed the previous three months' average by more than 20 % |
//! | SAVINGS_BELOW_GOAL | WARNING | this month's net savings are below financialSettings.savingsGoal |
//! | GOAL_BEHIND_SCHEDULE | WARNING | an active goal's projected completion is after its target date |
//! | UNUSUAL_EXPENSE | INFO | one expense is more than 3x the average of its category's other expenses |

use chrono::NaiveDate;
use uuid::Uuid;

use crate::{
    budgets::status::{Usage, usage},
    foundation::money::{Currency, display},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Alert,
    Warning,
    Info,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Insight {
    pub kind: &'static str,
    pub severity: Severity,
    pub message: String,
    /// Minor units of `currency`: the amount the message is about.
    pub amount: Option<i64>,
    /// The reporting currency, or the budget's or goal's the insight is about.
    pub currency: Currency,
    pub category_id: Option<Uuid>,
}

#[derive(Debug, Clone)]
pub struct CategoryUsage {
    pub category_id: Uuid,
    pub name: String,
    /// Minor units of `currency` (the budget's), as `spent`.
    pub amount: i64,
    pub spent: i64,
    pub currency: Currency,
}

#[derive(Debug, Clone)]
pub struct GoalPace {
    pub name: String,
    pub target_date: NaiveDate,
    pub on_track: Option<bool>,
    /// Minor units of `currency` (the goal's).
    pub required_monthly: Option<i64>,
    pub currency: Currency,
}

#[derive(Debug, Clone)]
pub struct UnusualExpense {
    pub description: String,
    /// Minor units of `currency` (the category's), as `others_average`.
    pub amount: i64,
    pub currency: Currency,
    pub category_id: Option<Uuid>,
    pub category_name: String,
    pub others_average: i64,
}

/// Everything the rules look at, for one month.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub currency: String,
    pub language: String,
    pub categories: Vec<CategoryUsage>,
    /// The month's expenses and income, in the reporting currency (`currency`).
    pub expenses: i64,
    pub income: i64,
    /// Expenses of each of the three previous months.
    pub previous_expenses: [i64; 3],
    /// financialSettings.savingsGoal: the net amount the user wants to save per month.
    pub savings_goal: Option<i64>,
    pub goals: Vec<GoalPace>,
    pub unusual: Vec<UnusualExpense>,
}

/// Every insight for the month, most severe first.
pub fn insights(s: &Snapshot) -> Vec<Insight> {
    let reporting = Currency::of(&s.currency);
    let money_in = |minor: i64, currency: Currency| display(minor, currency, &s.language);
    let money = |minor: i64| money_in(minor, reporting);
    let mut found = Vec::new();

    for c in &s.categories {
        let money = |minor: i64| money_in(minor, c.currency);
        match usage(c.spent, c.amount) {
            Usage::Over => found.push(Insight {
                kind: "CATEGORY_OVER_BUDGET",
                severity: Severity::Alert,
                message: format!(
                    "{} is over budget by {}: {} spent of {}.",
                    c.name,
                    money(c.spent - c.amount),
                    money(c.spent),
                    money(c.amount)
                ),
                amount: Some(c.spent - c.amount),
                currency: c.currency,
                category_id: Some(c.category_id),
            }),
            Usage::Warning => found.push(Insight {
                kind: "CATEGORY_NEAR_LIMIT",
                severity: Severity::Warning,
                message: format!(
                    "{} has used {}% of its budget: {} left of {}.",
                    c.name,
                    // Floor of the exact percentage: 99.997 % must not read as 100 %.
                    i128::from(c.spent) * 100 / i128::from(c.amount.max(1)),
                    money(c.amount - c.spent),
                    money(c.amount)
                ),
                amount: Some(c.amount - c.spent),
                currency: c.currency,
                category_id: Some(c.category_id),
            }),
            Usage::OnTrack => {}
        }
    }

    let previous: i64 = s.previous_expenses.iter().sum();
    // Above 1.2 x (previous / 3), in exact integers: 5 x current > 2 x previous.
    if previous > 0 && 5 * i128::from(s.expenses) > 2 * i128::from(previous) {
        let average = previous / 3;
        found.push(Insight {
            kind: "SPENDING_UP",
            severity: Severity::Warning,
            message: format!(
                "You spent {} this month, {}% more than your average of {} over the previous three months.",
                money(s.expenses),
                (s.expenses - average) * 100 / average.max(1),
                money(average)
            ),
            amount: Some(s.expenses - average),
            currency: reporting,
            category_id: None,
        });
    }

    if let Some(goal) = s.savings_goal.filter(|g| *g > 0) {
        let saved = s.income - s.expenses;
        if saved < goal {
            found.push(Insight {
                kind: "SAVINGS_BELOW_GOAL",
                severity: Severity::Warning,
                message: format!(
                    "You saved {} this month, {} short of your goal of {}.",
                    money(saved),
                    money(goal - saved),
                    money(goal)
                ),
                amount: Some(goal - saved),
                currency: reporting,
                category_id: None,
            });
        }
    }

    for g in s.goals.iter().filter(|g| g.on_track == Some(false)) {
        let need = g
            .required_monthly
            .map(|r| format!(" Saving {} a month would get you there.", money_in(r, g.currency)))
            .unwrap_or_default();
        found.push(Insight {
            kind: "GOAL_BEHIND_SCHEDULE",
            severity: Severity::Warning,
            message: format!(
                "{} is behind schedule for {}.{need}",
                g.name,
                g.target_date.format("%Y-%m-%d")
            ),
            amount: g.required_monthly,
            currency: g.currency,
            category_id: None,
        });
    }

    for e in &s.unusual {
        found.push(Insight {
            kind: "UNUSUAL_EXPENSE",
            severity: Severity::Info,
            message: format!(
                "{} ({}) is more than three times your usual {} expense of {}.",
                e.description,
                money_in(e.amount, e.currency),
                e.category_name,
                money_in(e.others_average, e.currency)
            ),
            amount: Some(e.amount),
            currency: e.currency,
            category_id: e.category_id,
        });
    }

    found.sort_by_key(|i| i.severity);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot() -> Snapshot {
        Snapshot {
            currency: "USD".into(),
            language: "en".into(),
            ..Snapshot::default()
        }
    }

    fn category(name: &str, amount: i64, spent: i64) -> CategoryUsage {
        CategoryUsage {
            category_id: Uuid::now_v7(),
            name: name.into(),
            amount,
            spent,
            currency: Currency::USD,
        }
    }

    fn kinds(s: &Snapshot) -> Vec<&'static str> {
        insights(s).into_iter().map(|i| i.kind).collect()
    }

    #[test]
    fn a_quiet_month_has_no_insights() {
        let s = Snapshot {
            categories: vec![category("Food", 40_000, 10_000)],
            income: 300_000,
            expenses: 100_000,
            previous_expenses: [100_000; 3],
            ..snapshot()
        };
        assert!(insights(&s).is_empty());
    }

    #[test]
    fn categories_over_and_near_their_amount() {
        let s = Snapshot {
            categories: vec![
                category("Food", 40_000, 41_250),
                category("Fun", 10_000, 8_000),
                category("Rent", 100_000, 79_999),
            ],
            ..snapshot()
        };
        let found = insights(&s);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].kind, "CATEGORY_OVER_BUDGET");
        assert_eq!(found[0].severity, Severity::Alert);
        assert_eq!(
            found[0].message,
            "Food is over budget by $12.50: $412.50 spent of $400.00."
        );
        assert_eq!(found[0].amount, Some(1_250));
        assert_eq!(found[1].kind, "CATEGORY_NEAR_LIMIT");
        assert_eq!(
            found[1].message,
            "Fun has used 80% of its budget: $20.00 left of $100.00."
        );
    }

    #[test]
    fn spending_up_needs_more_than_twenty_percent() {
        let at = |expenses| Snapshot {
            expenses,
            previous_expenses: [100_000, 90_000, 110_000],
            ..snapshot()
        };
        assert!(
            !kinds(&at(120_000)).contains(&"SPENDING_UP"),
            "exactly 20 % more is not more than 20 %"
        );
        let found = insights(&at(120_001));
        assert_eq!(found[0].kind, "SPENDING_UP");
        assert_eq!(
            found[0].message,
            "You spent $1,200.01 this month, 20% more than your average of $1,000.00 over the previous three months."
        );
        assert!(
            kinds(&Snapshot {
                expenses: 50_000,
                ..snapshot()
            })
            .is_empty(),
            "no history, no comparison"
        );
    }

    #[test]
    fn savings_below_the_users_goal() {
        let s = Snapshot {
            currency: "EUR".into(),
            language: "de".into(),
            income: 300_000,
            expenses: 280_000,
            savings_goal: Some(50_000),
            ..snapshot()
        };
        let found = insights(&s);
        assert_eq!(found[0].kind, "SAVINGS_BELOW_GOAL");
        assert_eq!(
            found[0].message,
            "You saved 200,00 € this month, 300,00 € short of your goal of 500,00 €."
        );
        let met = Snapshot {
            income: 300_000,
            expenses: 250_000,
            savings_goal: Some(50_000),
            ..snapshot()
        };
        assert!(insights(&met).is_empty());
    }

    #[test]
    fn goals_behind_schedule_and_unusual_expenses() {
        let goal = |on_track| GoalPace {
            name: "Bike".into(),
            target_date: NaiveDate::from_ymd_opt(2027, 3, 1).expect("date"),
            on_track,
            required_monthly: Some(12_345),
            currency: Currency::USD,
        };
        let unusual = UnusualExpense {
            description: "TV".into(),
            amount: 90_000,
            currency: Currency::USD,
            category_id: None,
            category_name: "Shopping".into(),
            others_average: 5_000,
        };
        let s = Snapshot {
            goals: vec![goal(Some(false)), goal(Some(true)), goal(None)],
            unusual: vec![unusual],
            ..snapshot()
        };
        let found = insights(&s);
        assert_eq!(kinds(&s), ["GOAL_BEHIND_SCHEDULE", "UNUSUAL_EXPENSE"]);
        assert_eq!(
            found[0].message,
            "Bike is behind schedule for 2027-03-01. Saving $123.45 a month would get you there."
        );
        assert_eq!(
            found[1].message,
            "TV ($900.00) is more than three times your usual Shopping expense of $50.00."
        );
        assert_eq!(found[1].severity, Severity::Info);
    }
}
