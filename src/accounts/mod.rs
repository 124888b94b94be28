//! Accounts: where money is (checking, savings, a credit card, cash, a loan, investments),
//! each in one currency, with its opening balance and a balance computed from every
//! transaction in it.

pub mod graphql;
pub mod loader;
pub mod service;
