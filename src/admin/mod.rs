//! The admin role: who uses the service and how much, and switching an account off. Nothing
//! here reads a user's financial data: the admin sees accounts (names, addresses, status,
//! activity) and service-wide counts, never anyone's amounts, budgets or transactions.

pub mod graphql;
pub mod service;
