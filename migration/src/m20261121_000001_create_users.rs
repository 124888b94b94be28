//! `users`: accounts, profile, preferences and financial settings.
//!
//! The seed kept preferences and financial settings in JSONB; they are typed columns here so
//! money stays in minor units and every field is validated and indexable.

use sea_orm_migration::prelude::*;

use crate::columns::{id, index, instant};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Users {
    Table,
    Id,
    Email,
    PasswordHash,
    FirstName,
    LastName,
    Role,
    Currency,
    Language,
    Timezone,
    MonthlyIncome,
    SavingsGoal,
    RiskTolerance,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(id(Users::Id))
                    .col(ColumnDef::new(Users::Email).string_len(255).not_null())
                    .col(ColumnDef::new(Users::PasswordHash).string_len(255).not_null())
                    .col(ColumnDef::new(Users::FirstName).string_len(100).null())
                    .col(ColumnDef::new(Users::LastName).string_len(100).null())
                    .col(ColumnDef::new(Users::Role).string_len(16).not_null().default("user"))
                    .col(ColumnDef::new(Users::Currency).string_len(3).not_null().default("USD"))
                    .col(ColumnDef::new(Users::Language).string_len(35).not_null().default("en"))
                    .col(ColumnDef::new(Users::Timezone).string_len(64).not_null().default("UTC"))
                    .col(ColumnDef::new(Users::MonthlyIncome).big_integer().null())
                    .col(ColumnDef::new(Users::SavingsGoal).big_integer().null())
                    .col(
                        ColumnDef::new(Users::RiskTolerance)
                            .string_len(16)
                            .not_null()
                            .default("medium"),
                    )
                    .col(instant(Users::CreatedAt))
                    .col(instant(Users::UpdatedAt))
                    .check(("users_role_check", Expr::col(Users::Role).is_in(["user", "admin"])))
                    .check((
                        "users_risk_tolerance_check",
                        Expr::col(Users::RiskTolerance).is_in(["low", "medium", "high"]),
                    ))
                    .to_owned(),
            )
            .await?;
        // Emails are stored normalised (trimmed, lower-case), so a plain unique index
        // is a case-insensitive one. It also serves the seed's idx_users_email lookups.
        manager
            .create_index(
                Index::create()
                    .name("users_email_key")
                    .table(Users::Table)
                    .col(Users::Email)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("idx_users_created_at", Users::Table, [Users::CreatedAt]))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Users::Table).to_owned()).await
    }
}
