//! Budgets and their categories: what a user plans to spend, and how much they have.

pub mod alerts;
pub mod graphql;
pub mod loader;
pub mod service;
pub mod status;
