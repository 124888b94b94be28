//! What an import reports about the lines of a file.

use async_graphql::SimpleObject;

use crate::foundation::csv_table::LineError;

/// A problem with one line of an imported file (line 1 is the header).
#[derive(SimpleObject)]
pub struct ImportRowError {
    /// Line number in the file.
    line: i64,
    /// What is wrong, column by column.
    message: String,
}

impl From<LineError> for ImportRowError {
    fn from(error: LineError) -> Self {
        ImportRowError {
            line: error.line.try_into().unwrap_or(i64::MAX),
            message: error.message,
        }
    }
}
