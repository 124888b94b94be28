//! Reports and statistics over transactions: totals, by category, by period, budget vs
//! actual. Every figure is an SQL aggregate; no user's rows are loaded into memory.

pub mod forecast;
pub mod graphql;
pub mod net_worth;
pub mod overspends;
pub mod service;
pub mod weekly;
