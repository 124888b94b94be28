//! `import_batches` rows: one statement file imported into one account.

use sea_orm::entity::prelude::*;

/// The file formats a statement arrives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ImportFormat {
    #[sea_orm(string_value = "ofx")]
    Ofx,
    #[sea_orm(string_value = "qif")]
    Qif,
    #[sea_orm(string_value = "camt053")]
    Camt053,
    /// A bank's CSV read through a column mapping.
    #[sea_orm(string_value = "csv")]
    Csv,
}

#[derive(Debug, Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "import_batches")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub account_id: Uuid,
    pub format: ImportFormat,
    pub file_name: Option<String>,
    /// SHA-256 of the file's bytes, hex.
    pub file_hash: String,
    pub imported: i32,
    pub duplicates: i32,
    /// Rows linked to a hand-entered transaction instead of creating one.
    pub matched: i32,
    pub errors: i32,
    pub created_at: DateTimeUtc,
    pub reverted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
