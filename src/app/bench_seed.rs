//! `smartsave seed-bench`: the benchmark dataset, bulk-inserted. Users
//! `user{N}@example.com` (N = 1..users) with password `BENCH_PASSWORD`; each with 3 budgets
//! of 5 categories, one "Main" checking account holding 200 transactions over the last 12 months (every 10th an uncategorized
//! INCOME, the rest EXPENSES spread evenly over the 15 categories) and 4 savings goals.

use chrono::{Datelike, Duration, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, NotSet, QueryFilter, Set, TransactionTrait,
};
use uuid::Uuid;

use crate::foundation::entities::{
    accounts::{self, AccountKind},
    budget_categories,
    budgets::{self, BudgetPeriod},
    savings_goals::{self, GoalStatus},
    transactions::{self, Cleared, TransactionType},
    users::{self, RiskTolerance, Role},
};
use crate::{
    foundation::{
        db,
        error::{AppError, AppResult},
        periods,
    },
    users::password,
};

/// The one password of every benchmark user.
pub const BENCH_PASSWORD: &str = "Bench1password";
/// Marks benchmark users, so re-seeding deletes nobody else.
const BENCH_LAST_NAME: &str = "Bench";
const USERS_PER_TXN: usize = 50;
const ROWS_PER_INSERT: usize = 1_000;

/// Replaces any earlier benchmark users and loads `users` new ones.
pub async fn seed(db: &DatabaseConnection, users: usize) -> AppResult<()> {
    let started = std::time::Instant::now();
    // Only earlier benchmark users: the email pattern alone would match real accounts too.
    users::Entity::delete_many()
        .filter(users::Column::Email.like("user%@example.com"))
        .filter(users::Column::LastName.eq(BENCH_LAST_NAME))
        .exec(db)
        .await?;
    // One hash for all: hashing 1,000 times would take longer than everything else.
    let hash = password::hash(BENCH_PASSWORD.to_owned().into()).await?;
    let today = Utc::now().date_naive();
    for first in (1..=users).step_by(USERS_PER_TXN) {
        let last = (first + USERS_PER_TXN - 1).min(users);
        let mut batch = Batch::default();
        for n in first..=last {
            batch.user(n, &hash, today);
        }
        let txn = db.begin().await?;
        batch.insert(&txn).await?;
        txn.commit().await?;
    }
    // Statistics for the planner, as autovacuum would gather them on a live database (the
    // perf anchor's seed does the same); without them PostgreSQL plans from defaults.
    db.execute_unprepared("ANALYZE").await?;
    println!("seeded {users} users in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

#[derive(Default)]
struct Batch {
    users: Vec<users::ActiveModel>,
    accounts: Vec<accounts::ActiveModel>,
    budgets: Vec<budgets::ActiveModel>,
    categories: Vec<budget_categories::ActiveModel>,
    transactions: Vec<transactions::ActiveModel>,
    goals: Vec<savings_goals::ActiveModel>,
}

impl Batch {
    fn user(&mut self, n: usize, hash: &str, today: chrono::NaiveDate) {
        let now = db::now();
        let user_id = Uuid::now_v7();
        let account_id = Uuid::now_v7();
        self.users.push(users::ActiveModel {
            id: Set(user_id),
            email: Set(format!("user{n}@example.com")),
            password_hash: Set(hash.to_owned()),
            first_name: Set(Some(format!("User{n}"))),
            last_name: Set(Some(BENCH_LAST_NAME.into())),
            role: Set(Role::User),
            currency: Set("USD".into()),
            language: Set("en".into()),
            timezone: Set("UTC".into()),
            monthly_income: Set(Some(500_000)),
            savings_goal: Set(Some(50_000)),
            risk_tolerance: Set(RiskTolerance::Medium),
            default_account_id: Set(Some(account_id)),
            created_at: Set(now),
            updated_at: Set(now),
            email_verified_at: Set(Some(now)),
            disabled_at: Set(None),
            last_active_at: Set(None),
            two_factor_secret: Set(None),
            two_factor_pending_secret: Set(None),
            two_factor_enabled_at: Set(None),
            two_factor_last_step: Set(None),
        });
        self.accounts.push(accounts::ActiveModel {
            id: Set(account_id),
            user_id: Set(user_id),
            name: Set("Main".into()),
            kind: Set(AccountKind::Checking),
            currency: Set("USD".into()),
            opening_balance: Set(0),
            opening_date: Set(today - Duration::days(366)),
            on_budget: Set(true),
            archived: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
        });
        // This month and the two before it, five categories each.
        let mut categories = Vec::new();
        let mut month = periods::month_of(today);
        for b in 0..3 {
            let budget_id = Uuid::now_v7();
            self.budgets.push(budgets::ActiveModel {
                id: Set(budget_id),
                user_id: Set(user_id),
                name: Set(format!("{} {}", month.start.format("%B"), month.start.year())),
                amount: Set(250_000),
                currency: Set("USD".into()),
                period: Set(BudgetPeriod::Monthly),
                start_date: Set(month.start),
                end_date: Set(month.end),
                created_at: Set(now),
                updated_at: Set(now),
            });
            for (c, name) in ["Food", "Rent", "Transport", "Fun", "Bills"].iter().enumerate() {
                let id = Uuid::now_v7();
                categories.push(id);
                self.categories.push(budget_categories::ActiveModel {
                    id: Set(id),
                    user_id: Set(user_id),
                    budget_id: Set(budget_id),
                    name: Set((*name).to_owned()),
                    amount: Set(50_000),
                    currency: Set("USD".into()),
                    color: Set(Some(format!("#{:02X}{:02X}{:02X}", 40 * c, 30 * b, 200))),
                    icon: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                });
            }
            month = periods::previous_month(month.start);
        }
        let mut expenses = 0_usize;
        for t in 0..200_usize {
            let income = t % 10 == 0;
            let category = (!income).then(|| {
                expenses += 1;
                categories[(expenses - 1) % categories.len()]
            });
            let description = if income {
                "Salary".to_owned()
            } else {
                format!("Expense {t}")
            };
            self.transactions.push(transactions::ActiveModel {
                id: Set(Uuid::now_v7()),
                user_id: Set(user_id),
                account_id: Set(account_id),
                cleared: Set(Cleared::Cleared),
                payee: Set(None),
                transfer_id: Set(None),
                has_splits: Set(false),
                // The rest spread evenly over the 15 categories.
                budget_category_id: Set(category),
                amount: Set(if income {
                    250_000
                } else {
                    1_000 + i64::try_from(t * 37 % 9_000).unwrap_or(0)
                }),
                currency: Set("USD".into()),
                search_text: Set(transactions::search_text(&description)),
                import_batch_id: NotSet,
                matched_batch_id: NotSet,
                import_id: NotSet,
                edited_fields: NotSet,
                description: Set(description),
                transaction_date: Set(today - Duration::days(i64::try_from(t * 365 / 200).unwrap_or(0))),
                kind: Set(if income {
                    TransactionType::Income
                } else {
                    TransactionType::Expense
                }),
                created_at: Set(now),
                updated_at: Set(now),
            });
        }
        for g in 0..4_i64 {
            self.goals.push(savings_goals::ActiveModel {
                id: Set(Uuid::now_v7()),
                user_id: Set(user_id),
                name: Set(format!("Goal {g}")),
                target_amount: Set(100_000 * (g + 1)),
                currency: Set("USD".into()),
                current_amount: Set(25_000 * g),
                target_date: Set(Some(today + Duration::days(90 * (g + 1)))),
                status: Set(GoalStatus::Active),
                created_at: Set(now),
                updated_at: Set(now),
            });
        }
    }

    async fn insert(self, db: &impl sea_orm::ConnectionTrait) -> AppResult<()> {
        insert_chunks::<users::Entity, _>(db, self.users).await?;
        insert_chunks::<accounts::Entity, _>(db, self.accounts).await?;
        insert_chunks::<budgets::Entity, _>(db, self.budgets).await?;
        insert_chunks::<budget_categories::Entity, _>(db, self.categories).await?;
        insert_chunks::<transactions::Entity, _>(db, self.transactions).await?;
        insert_chunks::<savings_goals::Entity, _>(db, self.goals).await
    }
}

async fn insert_chunks<E, A>(db: &impl sea_orm::ConnectionTrait, rows: Vec<A>) -> AppResult<()>
where
    E: EntityTrait,
    A: sea_orm::ActiveModelTrait<Entity = E> + Clone,
{
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        E::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await
            .map_err(AppError::from)?;
    }
    Ok(())
}
