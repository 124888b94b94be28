//! CSV and JSON export, a page at a time, oldest first.

use std::collections::HashMap;

use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use crate::foundation::entities::transactions::{self, Column, Entity as Transactions};
use crate::{
    foundation::{
        error::{AppError, AppResult},
        money::Currency,
        pagination::{Direction, Keyset, Page, Paged, SortKey},
    },
    interchange::csv_format,
    transactions::filter::{TransactionFilter, condition, filtered},
};

/// Rows per page when exporting.
pub const EXPORT_PAGE: u64 = 1_000;
/// The most rows a single GraphQL export returns; the streamed download has no limit.
pub const EXPORT_MAX_ROWS: u64 = 50_000;

/// One page of matching transactions in export order (oldest first), with category names.
pub async fn export_page(
    db: &DatabaseConnection,
    user_id: Uuid,
    filter: &TransactionFilter,
    after: Option<crate::foundation::pagination::Cursor>,
) -> AppResult<(Paged<transactions::Model>, HashMap<Uuid, String>)> {
    let page = Page {
        limit: EXPORT_PAGE,
        direction: Direction::Forward,
        cursor: after,
    };
    let keyset = Keyset {
        scope: "export",
        key: Some(Column::TransactionDate),
        id: Column::Id,
        descending: false,
    };
    let rows = crate::foundation::pagination::fetch(db, filtered(user_id, filter)?, &page, keyset, |t| {
        crate::foundation::pagination::Cursor {
            key: SortKey::Date(t.transaction_date),
            id: t.id,
        }
    })
    .await?;
    let ids: Vec<Uuid> = rows.items.iter().filter_map(|(_, t)| t.budget_category_id).collect();
    let names = if ids.is_empty() {
        HashMap::new()
    } else {
        crate::budgets::categories::by_ids(db, user_id, &ids)
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect()
    };
    Ok((rows, names))
}

/// CSV text for `rows`, with the header when `header` is set.
pub fn csv_text(rows: &Paged<transactions::Model>, names: &HashMap<Uuid, String>, header: bool) -> AppResult<Vec<u8>> {
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    if header {
        writer.write_record(csv_format::HEADER).map_err(AppError::internal)?;
    }
    for (_, t) in &rows.items {
        let category = t.budget_category_id.and_then(|id| names.get(&id)).map(String::as_str);
        writer
            .write_record(csv_format::cells(
                t.transaction_date,
                &t.description,
                Currency::of(&t.currency).amount(t.amount),
                t.kind,
                category,
            ))
            .map_err(AppError::internal)?;
    }
    writer.into_inner().map_err(AppError::internal)
}

#[derive(Debug, Clone, Copy)]
pub enum ExportFormat {
    Csv,
    Json,
}

/// Every matching transaction as one CSV or JSON document (at most `EXPORT_MAX_ROWS`).
pub async fn export(
    db: &DatabaseConnection,
    user_id: Uuid,
    filter: &TransactionFilter,
    format: ExportFormat,
) -> AppResult<String> {
    let total = Transactions::find()
        .filter(condition(user_id, filter))
        .count(db)
        .await?;
    if total > EXPORT_MAX_ROWS {
        return Err(AppError::invalid(
            "filter",
            format!(
                "matches {total} transactions; export at most {EXPORT_MAX_ROWS} at once, or download /export/transactions.csv"
            ),
        ));
    }
    let mut csv = Vec::new();
    let mut json_rows = Vec::new();
    let mut after = None;
    loop {
        let (page, names) = export_page(db, user_id, filter, after).await?;
        match format {
            ExportFormat::Csv => csv.extend(csv_text(&page, &names, csv.is_empty())?),
            ExportFormat::Json => json_rows.extend(page.items.iter().map(|(_, t)| {
                let kind = csv_format::kind_name(t.kind);
                let category = t.budget_category_id.and_then(|id| names.get(&id));
                json!({ "date": t.transaction_date, "description": t.description, "amount": Currency::of(&t.currency).amount(t.amount).to_string(), "type": kind, "category": category })
            })),
        }
        if !page.has_next_page {
            break;
        }
        after = page.items.last().map(|(_, t)| crate::foundation::pagination::Cursor {
            key: SortKey::Date(t.transaction_date),
            id: t.id,
        });
    }
    match format {
        ExportFormat::Csv if csv.is_empty() => Ok(csv_format::HEADER.join(",") + "\n"),
        ExportFormat::Csv => String::from_utf8(csv).map_err(AppError::internal),
        ExportFormat::Json => serde_json::to_string(&json_rows).map_err(AppError::internal),
    }
}
