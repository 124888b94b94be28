//! The achievement rules: each badge is a threshold on one statistic of the user's data.
//! Pure and table-driven, so adding a badge is one entry here.

/// What the rules look at, gathered in one query after each relevant event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub budgets: i64,
    pub transactions: i64,
    pub goals: i64,
    pub goals_completed: i64,
    pub contributions: i64,
    /// Sum of goals' current amounts in the reporting currency, in hundredths of its major
    /// unit (cents for USD, whatever its own decimals).
    pub total_saved: i64,
    /// Finished monthly budgets in which every category stayed under its amount.
    pub months_under_budget: i64,
}

/// The metrics whose statistics cost more than a count: gathered only while a badge on
/// them is still to earn.
pub const MONTHS_UNDER_BUDGET: &str = "monthsUnderBudget";
pub const TOTAL_SAVED: &str = "totalSavedMinor";

/// One badge: earned when `metric(stats) >= threshold`.
pub struct Badge {
    pub kind: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub points: i32,
    pub metric: &'static str,
    pub threshold: i64,
    pub value: fn(&Stats) -> i64,
}

pub const BADGES: &[Badge] = &[
    Badge {
        kind: "FIRST_BUDGET",
        title: "Planner",
        description: "Created your first budget.",
        points: 10,
        metric: "budgets",
        threshold: 1,
        value: |s| s.budgets,
    },
    Badge {
        kind: "FIRST_TRANSACTION",
        title: "First entry",
        description: "Recorded your first transaction.",
        points: 10,
        metric: "transactions",
        threshold: 1,
        value: |s| s.transactions,
    },
    Badge {
        kind: "FIRST_GOAL",
        title: "Dreamer",
        description: "Set your first savings goal.",
        points: 10,
        metric: "goals",
        threshold: 1,
        value: |s| s.goals,
    },
    Badge {
        kind: "FIRST_CONTRIBUTION",
        title: "Saver",
        description: "Put money toward a goal.",
        points: 10,
        metric: "contributions",
        threshold: 1,
        value: |s| s.contributions,
    },
    Badge {
        kind: "GOAL_COMPLETED",
        title: "Goal getter",
        description: "Reached a savings goal.",
        points: 50,
        metric: "goalsCompleted",
        threshold: 1,
        value: |s| s.goals_completed,
    },
    Badge {
        kind: "THREE_GOALS",
        title: "Ambitious",
        description: "Saving toward three goals.",
        points: 15,
        metric: "goals",
        threshold: 3,
        value: |s| s.goals,
    },
    Badge {
        kind: "TRANSACTIONS_100",
        title: "Bookkeeper",
        description: "Recorded 100 transactions.",
        points: 25,
        metric: "transactions",
        threshold: 100,
        value: |s| s.transactions,
    },
    Badge {
        kind: "SAVED_1000",
        title: "Four figures",
        description: "Saved 1,000 (of your reporting currency) across your goals.",
        points: 30,
        metric: TOTAL_SAVED,
        threshold: 100_000,
        value: |s| s.total_saved,
    },
    Badge {
        kind: "MONTH_UNDER_BUDGET",
        title: "Under budget",
        description: "Finished a monthly budget with every category under its amount.",
        points: 40,
        metric: MONTHS_UNDER_BUDGET,
        threshold: 1,
        value: |s| s.months_under_budget,
    },
];

impl Badge {
    pub fn is_earned_by(&self, stats: &Stats) -> bool {
        (self.value)(stats) >= self.threshold
    }
}

/// The badges `stats` has earned.
pub fn earned(stats: &Stats) -> impl Iterator<Item = &'static Badge> + '_ {
    BADGES.iter().filter(move |badge| badge.is_earned_by(stats))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(stats: &Stats) -> Vec<&'static str> {
        earned(stats).map(|b| b.kind).collect()
    }

    #[test]
    fn nothing_is_earned_by_doing_nothing() {
        assert!(kinds(&Stats::default()).is_empty());
    }

    #[test]
    fn firsts_unlock_at_one() {
        let stats = Stats {
            budgets: 1,
            transactions: 1,
            goals: 1,
            contributions: 1,
            ..Stats::default()
        };
        assert_eq!(
            kinds(&stats),
            ["FIRST_BUDGET", "FIRST_TRANSACTION", "FIRST_GOAL", "FIRST_CONTRIBUTION"]
        );
    }

    #[test]
    fn thresholds_are_inclusive() {
        assert!(
            !kinds(&Stats {
                transactions: 99,
                ..Stats::default()
            })
            .contains(&"TRANSACTIONS_100")
        );
        assert!(
            kinds(&Stats {
                transactions: 100,
                ..Stats::default()
            })
            .contains(&"TRANSACTIONS_100")
        );
        assert!(
            !kinds(&Stats {
                total_saved: 99_999,
                ..Stats::default()
            })
            .contains(&"SAVED_1000")
        );
        assert!(
            kinds(&Stats {
                total_saved: 100_000,
                ..Stats::default()
            })
            .contains(&"SAVED_1000")
        );
        assert!(
            kinds(&Stats {
                goals: 3,
                ..Stats::default()
            })
            .contains(&"THREE_GOALS")
        );
        assert!(
            kinds(&Stats {
                goals_completed: 1,
                ..Stats::default()
            })
            .contains(&"GOAL_COMPLETED")
        );
        assert!(
            kinds(&Stats {
                months_under_budget: 1,
                ..Stats::default()
            })
            .contains(&"MONTH_UNDER_BUDGET")
        );
    }

    #[test]
    fn badge_types_are_unique() {
        let mut kinds: Vec<_> = BADGES.iter().map(|b| b.kind).collect();
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(kinds.len(), BADGES.len());
    }
}
