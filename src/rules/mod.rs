//! Categorisation rules: "payee contains AMAZON: category Shopping". A rule is conditions
//! (payee or description text, amount range, type, account) and actions (set the category,
//! rename the payee, set the description), applied in priority order when a transaction is
//! created or imported, and over history on request. Fields a person set by hand (`edited`)
//! are left alone.

pub mod apply;
pub mod edited;
pub mod engine;
pub mod graphql;
pub mod service;
