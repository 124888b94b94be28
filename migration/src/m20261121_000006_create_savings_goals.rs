//! `savings_goals`: a target amount, optionally by a date, and how much is saved so far.

use sea_orm_migration::prelude::*;

use crate::columns::{id, index, instant, money, owner, owner_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum SavingsGoals {
    Table,
    Id,
    UserId,
    Name,
    TargetAmount,
    CurrentAmount,
    TargetDate,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SavingsGoals::Table)
                    .col(id(SavingsGoals::Id))
                    .col(owner(SavingsGoals::UserId))
                    .col(ColumnDef::new(SavingsGoals::Name).string_len(255).not_null())
                    .col(money(SavingsGoals::TargetAmount))
                    .col(money(SavingsGoals::CurrentAmount).default(0))
                    .col(ColumnDef::new(SavingsGoals::TargetDate).date().null())
                    .col(
                        ColumnDef::new(SavingsGoals::Status)
                            .string_len(16)
                            .not_null()
                            .default("active"),
                    )
                    .col(instant(SavingsGoals::CreatedAt))
                    .col(instant(SavingsGoals::UpdatedAt))
                    .foreign_key(&mut owner_fk(
                        "fk_savings_goals_user",
                        SavingsGoals::Table,
                        SavingsGoals::UserId,
                    ))
                    .check((
                        "savings_goals_target_amount_check",
                        Expr::col(SavingsGoals::TargetAmount).gt(0),
                    ))
                    .check((
                        "savings_goals_current_amount_check",
                        Expr::col(SavingsGoals::CurrentAmount).gte(0),
                    ))
                    .check((
                        "savings_goals_status_check",
                        Expr::col(SavingsGoals::Status).is_in(["active", "completed", "paused"]),
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_goals_user_id", vec![SavingsGoals::UserId, SavingsGoals::Id]),
            ("idx_goals_status", vec![SavingsGoals::UserId, SavingsGoals::Status]),
            (
                "idx_goals_target_date",
                vec![SavingsGoals::UserId, SavingsGoals::TargetDate],
            ),
        ] {
            manager.create_index(index(name, SavingsGoals::Table, cols)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SavingsGoals::Table).to_owned())
            .await
    }
}
