//! Users: profile, preferences, financial settings and account deletion.

pub mod graphql;
pub mod service;
pub mod validate;
