//! `goal_contributions`: the ledger behind a goal's current amount (negative = withdrawal).

use sea_orm_migration::prelude::*;

use crate::columns::{id, index, instant, owner, owner_fk};
use crate::m20261121_000006_create_savings_goals::SavingsGoals;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum GoalContributions {
    Table,
    Id,
    UserId,
    GoalId,
    Amount,
    Note,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(GoalContributions::Table)
                    .col(id(GoalContributions::Id))
                    .col(owner(GoalContributions::UserId))
                    .col(ColumnDef::new(GoalContributions::GoalId).uuid().not_null())
                    .col(ColumnDef::new(GoalContributions::Amount).big_integer().not_null())
                    .col(ColumnDef::new(GoalContributions::Note).string_len(500).null())
                    .col(instant(GoalContributions::CreatedAt))
                    .foreign_key(&mut owner_fk(
                        "fk_goal_contributions_user",
                        GoalContributions::Table,
                        GoalContributions::UserId,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_goal_contributions_goal")
                            .from(GoalContributions::Table, GoalContributions::GoalId)
                            .to(SavingsGoals::Table, SavingsGoals::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .check((
                        "goal_contributions_amount_check",
                        Expr::col(GoalContributions::Amount).ne(0),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_goal_contributions_goal",
                GoalContributions::Table,
                [GoalContributions::GoalId, GoalContributions::Id],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_goal_contributions_user_id",
                GoalContributions::Table,
                [GoalContributions::UserId],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(GoalContributions::Table).to_owned())
            .await
    }
}
