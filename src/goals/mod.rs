//! Savings goals: a target, contributions toward it, progress and milestones.

pub mod contributions;
pub mod graphql;
pub mod loader;
pub mod progress;
pub mod service;
