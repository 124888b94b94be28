//! SeaORM entities: plain data mirroring the migrations. No GraphQL derives here, so no
//! column can leak into the API by accident.

pub mod accounts;
pub mod achievements;
pub mod budget_categories;
pub mod budgets;
pub mod exchange_rates;
pub mod goal_contributions;
pub mod goal_milestones;
pub mod idempotency_keys;
pub mod import_batches;
pub mod notification_settings;
pub mod notifications;
pub mod outbound_emails;
pub mod recovery_codes;
pub mod refresh_tokens;
pub mod rules;
pub mod savings_goals;
pub mod schedule_occurrences;
pub mod schedules;
pub mod transaction_splits;
pub mod transactions;
pub mod user_tokens;
pub mod users;
pub mod webhook_deliveries;
pub mod webhooks;
