//! Income and expense transactions.

pub mod filter;
pub mod graphql;
pub mod service;
