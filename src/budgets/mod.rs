//! Budgets and their categories: what a user plans to spend, how much they have spent
//! against it, and the alerts raised when spending reaches a threshold.

pub mod alerts;
pub mod categories;
pub mod graphql;
pub mod loader;
pub mod service;
pub mod spending;
pub mod status;
