//! Moving transactions in and out: CSV import (all or nothing), bank statement imports as
//! revertible batches, CSV and JSON export, and a streamed CSV download for browsers.

pub mod csv_format;
pub mod export;
pub mod graphql;
pub mod http;
pub mod import;
pub mod names;
pub mod statements;
