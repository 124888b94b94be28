//! Exchange rates, per user: what one unit of a currency was worth in another on a day. Every
//! figure that adds amounts of several currencies (reports, the dashboard, budgets in another
//! currency, net worth) converts them with these rates (`foundation::fx`).

pub mod convert;
pub mod graphql;
pub mod service;
