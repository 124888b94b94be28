//! Categorisation rules: "payee contains AMAZON: category Shopping". A rule is conditions
//! (payee or description text, amount range, type, account) and actions (set the category,
//! rename the payee, set the description), applied in priority order when a transaction is
//! created or imported. This increment is the engine; storing rules, the API and applying them
//! on create and import come next (issue 14).

pub mod engine;
