//! Income and expense transactions, and transfers between accounts.

pub mod filter;
pub mod graphql;
pub mod loader;
pub mod service;
pub mod splits;
pub mod transfers;
