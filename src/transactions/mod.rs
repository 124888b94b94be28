//! Income and expense transactions.

pub mod graphql;
pub mod loader;
pub mod service;
