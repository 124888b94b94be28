//! The dashboard: a month's overview, budgets, recent activity, goals, insights and trends.

pub mod graphql;
pub mod insights;
pub mod queries;
pub mod service;
