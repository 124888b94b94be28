//! Files in and out of the API: uploaded files (the GraphQL multipart request spec, parsed
//! by `api::http`) and what an import reports about the lines of a file.

use async_graphql::{Context, SimpleObject, Upload};

use crate::foundation::{csv_table::LineError, error::AppError};

/// How many files the request carried (set by the HTTP layer for every request). An `Upload`
/// is only an index, and a client can write one into a JSON request with no files.
#[derive(Debug, Clone, Copy)]
pub struct UploadCount(pub usize);

/// An uploaded file: its name as the client sent it, and its bytes.
pub struct UploadedFile {
    pub name: String,
    pub bytes: axum::body::Bytes,
}

/// The file `upload` names; `field` carries the error when the request has no such file.
pub fn uploaded(ctx: &Context<'_>, upload: &Upload, field: &str) -> Result<UploadedFile, AppError> {
    let count = ctx.data_opt::<UploadCount>().map_or(0, |c| c.0);
    if upload.0 >= count {
        return Err(AppError::invalid(
            field,
            "names no file of this request (send files by the GraphQL multipart request spec)",
        ));
    }
    let value = upload
        .value(ctx)
        .map_err(|e| AppError::internal(format!("reading an uploaded file: {e}")))?;
    Ok(UploadedFile {
        name: value.filename,
        bytes: value.content,
    })
}

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
