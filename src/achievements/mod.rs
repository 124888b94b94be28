//! Achievements: badges unlocked by what a user does, each with points.

pub mod graphql;
pub mod rules;
pub mod service;
