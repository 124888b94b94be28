//! Users: the account, its password, profile, preferences, financial settings and deletion.

pub mod graphql;
pub mod password;
pub mod service;
pub mod validate;
