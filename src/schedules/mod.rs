//! Scheduled transactions: rent, salary and subscriptions that repeat by an RFC 5545 rule,
//! posted when due (automatically or by hand), matched to what really happened, and shown
//! ahead of time.

pub mod graphql;
pub mod loader;
pub mod matching;
pub mod occurrences;
pub mod posting;
pub mod recurrence;
pub mod service;
pub mod suggestions;
