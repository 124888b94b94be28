//! CSV and JSON export, a page at a time, oldest first.

use std::collections::HashMap;

use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use crate::foundation::entities::transactions::{self, Column, Entity as Transactions};
use crate::foundation::entities::{accounts, transaction_splits};
use crate::{
    foundation::{
        error::{AppError, AppResult},
        money::Currency,
        ownership,
        pagination::{Direction, Keyset, Page, Paged, SortKey},
    },
    interchange::csv_format::{self, SplitCell},
    transactions::filter::{TransactionFilter, condition, filtered},
};

/// Rows per page when exporting.
pub const EXPORT_PAGE: u64 = 1_000;
/// The most rows a single GraphQL export returns; the streamed download has no limit.
pub const EXPORT_MAX_ROWS: u64 = 50_000;

/// What a page of exported transactions refers to by id: category and account names, and
/// the lines of its split transactions.
#[derive(Default)]
pub struct Names {
    categories: HashMap<Uuid, String>,
    accounts: HashMap<Uuid, String>,
    splits: HashMap<Uuid, Vec<transaction_splits::Model>>,
}

/// One page of matching transactions in export order (oldest first), with what they name.
pub async fn export_page(
    db: &DatabaseConnection,
    user_id: Uuid,
    filter: &TransactionFilter,
    after: Option<crate::foundation::pagination::Cursor>,
) -> AppResult<(Paged<transactions::Model>, Names)> {
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
    let split: Vec<Uuid> = rows
        .items
        .iter()
        .filter(|(_, t)| t.has_splits)
        .map(|(_, t)| t.id)
        .collect();
    let splits = crate::transactions::splits::of_transactions(db, user_id, &split).await?;
    let mut category_ids: Vec<Uuid> = rows.items.iter().filter_map(|(_, t)| t.budget_category_id).collect();
    category_ids.extend(splits.values().flatten().filter_map(|line| line.budget_category_id));
    let categories = if category_ids.is_empty() {
        HashMap::new()
    } else {
        crate::budgets::categories::by_ids(db, user_id, &category_ids)
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect()
    };
    let account_ids: Vec<Uuid> = rows.items.iter().map(|(_, t)| t.account_id).collect();
    let accounts = ownership::by_ids::<accounts::Entity>(db, user_id, &account_ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    Ok((
        rows,
        Names {
            categories,
            accounts,
            splits,
        },
    ))
}

/// A transaction as the file writes it.
fn line<'a>(t: &'a transactions::Model, names: &'a Names) -> AppResult<csv_format::Line<'a>> {
    let currency = Currency::of(&t.currency);
    let category = |id: Option<Uuid>| id.and_then(|id| names.categories.get(&id)).map(String::as_str);
    let splits = match names.splits.get(&t.id) {
        Some(lines) if t.has_splits => {
            let cells: Vec<SplitCell> = lines
                .iter()
                .map(|line| SplitCell {
                    category: category(line.budget_category_id).map(str::to_owned),
                    amount: currency.amount(line.amount).to_string(),
                    description: line.description.clone(),
                })
                .collect();
            serde_json::to_string(&cells).map_err(AppError::internal)?
        }
        _ => String::new(),
    };
    Ok(csv_format::Line {
        date: t.transaction_date,
        description: &t.description,
        amount: currency.amount(t.amount),
        kind: t.kind,
        category: category(t.budget_category_id),
        account: names.accounts.get(&t.account_id).map_or("", String::as_str),
        currency: &t.currency,
        payee: t.payee.as_deref(),
        cleared: t.cleared,
        splits,
        transfer: t.transfer_id,
    })
}

/// CSV text for `rows`, with the header when `header` is set.
pub fn csv_text(rows: &Paged<transactions::Model>, names: &Names, header: bool) -> AppResult<Vec<u8>> {
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    if header {
        writer.write_record(csv_format::HEADER).map_err(AppError::internal)?;
    }
    for (_, t) in &rows.items {
        writer
            .write_record(csv_format::cells(&line(t, names)?))
            .map_err(AppError::internal)?;
    }
    writer.into_inner().map_err(AppError::internal)
}

/// One transaction as a JSON export object: the CSV's columns, splits as a list.
fn json_row(t: &transactions::Model, names: &Names) -> AppResult<serde_json::Value> {
    let line = line(t, names)?;
    let splits: serde_json::Value = if line.splits.is_empty() {
        json!([])
    } else {
        serde_json::from_str(&line.splits).map_err(AppError::internal)?
    };
    Ok(json!({
        "date": line.date, "description": line.description, "amount": line.amount.to_string(),
        "type": csv_format::kind_name(line.kind), "category": line.category, "account": line.account,
        "currency": line.currency, "payee": line.payee, "cleared": csv_format::cleared_name(line.cleared),
        "splits": splits, "transfer": line.transfer,
    }))
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
            ExportFormat::Json => {
                for (_, t) in &page.items {
                    json_rows.push(json_row(t, &names)?);
                }
            }
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
