//! Notifications: what a write raised that its user should hear of (a budget past 80 % or
//! 100 %, a goal milestone, an achievement), stored once per budget and threshold (or goal
//! and milestone, or badge) and kept until read. Every event of a write goes through
//! `service::raise`, which stores the notifications and then publishes the events to the
//! live feed, with a `NotificationAdded` for each notification stored.

pub mod graphql;
pub mod preferences;
pub mod service;
pub mod webhooks;
