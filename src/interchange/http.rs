//! `GET /export/transactions.csv`: the same export as a streamed download for browsers,
//! authenticated by the bearer token, filtered by query parameters, any size.

use axum::{
    body::Body,
    extract::{Query, State, rejection::QueryRejection},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use futures_util::stream;
use serde::Deserialize;
use uuid::Uuid;

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::foundation::entities::transactions::{Cleared, TransactionType};
use crate::{
    auth::{TokenService, bearer, liveness::Liveness},
    foundation::{
        error::{AppError, FieldErrors},
        identity::RequestAuth,
        money::Money,
        pagination::{Cursor, SortKey},
    },
    interchange::export,
    transactions::filter::{TransactionFilter, check_filter},
};

/// The `TransactionFilter` fields as query parameters.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FilterParams {
    from: Option<String>,
    to: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    category_id: Option<String>,
    budget_id: Option<String>,
    uncategorized: Option<bool>,
    search: Option<String>,
    min_amount: Option<String>,
    max_amount: Option<String>,
    account_id: Option<String>,
    cleared: Option<String>,
}

impl FilterParams {
    fn into_filter(self) -> Result<TransactionFilter, AppError> {
        let mut errors = FieldErrors::default();
        let date = |v: Option<String>, field: &str, errors: &mut FieldErrors| {
            v.and_then(|v| {
                errors.take(
                    field,
                    chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d").map_err(|_| "must be YYYY-MM-DD".into()),
                )
            })
        };
        let money = |v: Option<String>, field: &str, errors: &mut FieldErrors| {
            v.and_then(|v| errors.take(field, v.parse::<Money>().map_err(|e| e.to_string())))
        };
        let id = |v: Option<String>| v.map(|v| Uuid::try_parse(&v).unwrap_or(Uuid::nil()));
        let kind = match self.kind.as_deref().map(str::to_ascii_uppercase).as_deref() {
            None => None,
            Some("INCOME") => Some(TransactionType::Income),
            Some("EXPENSE") => Some(TransactionType::Expense),
            Some("TRANSFER_IN") => Some(TransactionType::TransferIn),
            Some("TRANSFER_OUT") => Some(TransactionType::TransferOut),
            Some(_) => {
                errors.add("type", "must be INCOME, EXPENSE, TRANSFER_IN or TRANSFER_OUT");
                None
            }
        };
        let cleared = match self.cleared.as_deref().map(str::to_ascii_uppercase).as_deref() {
            None => None,
            Some("UNCLEARED") => Some(Cleared::Uncleared),
            Some("CLEARED") => Some(Cleared::Cleared),
            Some("RECONCILED") => Some(Cleared::Reconciled),
            Some(_) => {
                errors.add("cleared", "must be UNCLEARED, CLEARED or RECONCILED");
                None
            }
        };
        let filter = TransactionFilter {
            from: date(self.from, "from", &mut errors),
            to: date(self.to, "to", &mut errors),
            kind,
            category_id: id(self.category_id),
            budget_id: id(self.budget_id),
            uncategorized: self.uncategorized,
            search: self.search,
            min_amount: money(self.min_amount, "minAmount", &mut errors),
            max_amount: money(self.max_amount, "maxAmount", &mut errors),
            account_id: id(self.account_id),
            cleared,
        };
        errors.finish()?;
        check_filter(&filter)?;
        Ok(filter)
    }
}

pub async fn transactions_csv(
    State(db): State<DatabaseConnection>,
    State(tokens): State<Arc<TokenService>>,
    State(liveness): State<Arc<Liveness>>,
    headers: HeaderMap,
    params: Result<Query<FilterParams>, QueryRejection>,
) -> Response {
    let user_id = match bearer::caller(&headers, &tokens, &liveness) {
        RequestAuth::User(user) => user.id,
        RequestAuth::Anonymous => {
            return error(
                StatusCode::UNAUTHORIZED,
                &AppError::Unauthenticated("Authentication required"),
            );
        }
        RequestAuth::Invalid => {
            return error(
                StatusCode::UNAUTHORIZED,
                &AppError::Unauthenticated("Invalid or expired access token"),
            );
        }
    };
    let params = match params {
        Ok(Query(params)) => params,
        Err(rejection) => {
            return error(
                StatusCode::BAD_REQUEST,
                &AppError::invalid("query", rejection.body_text()),
            );
        }
    };
    let filter = match params.into_filter() {
        Ok(filter) => filter,
        Err(err) => return error(StatusCode::BAD_REQUEST, &err),
    };
    // One page per chunk: memory stays flat however many rows the download has.
    let pages = stream::unfold(Some((None::<Cursor>, true)), move |state| {
        let (db, filter) = (db.clone(), filter.clone());
        async move {
            let (after, first) = state?;
            match export::export_page(&db, user_id, &filter, after)
                .await
                .and_then(|(page, names)| {
                    let chunk = export::csv_text(&page, &names, first)?;
                    let next = page
                        .has_next_page
                        .then(|| {
                            page.items.last().map(|(_, t)| Cursor {
                                key: SortKey::Date(t.transaction_date),
                                id: t.id,
                            })
                        })
                        .flatten();
                    Ok((chunk, next))
                }) {
                Ok((chunk, Some(next))) => Some((Ok::<_, std::io::Error>(chunk), Some((Some(next), false)))),
                Ok((chunk, None)) => Some((Ok(chunk), None)),
                Err(err) => {
                    tracing::error!(error = %err, "export stream failed");
                    Some((Err(std::io::Error::other("export failed")), None))
                }
            }
        }
    });
    let mut response = Response::new(Body::from_stream(pages));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"transactions.csv\""),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn error(status: StatusCode, err: &AppError) -> Response {
    let body = err.json_body();
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body.to_string(),
    )
        .into_response();
    if status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}
