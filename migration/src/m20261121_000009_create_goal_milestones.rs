//! `goal_milestones`: when a goal first crossed 25/50/75/100 % of its target. One row per
//! goal and percent; inserting an existing one is a no-op, so recording is idempotent.

use sea_orm_migration::prelude::*;

use crate::columns::{id, index, instant, owner, owner_fk};
use crate::m20261121_000006_create_savings_goals::SavingsGoals;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum GoalMilestones {
    Table,
    Id,
    UserId,
    GoalId,
    Percent,
    ReachedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(GoalMilestones::Table)
                    .col(id(GoalMilestones::Id))
                    .col(owner(GoalMilestones::UserId))
                    .col(ColumnDef::new(GoalMilestones::GoalId).uuid().not_null())
                    .col(ColumnDef::new(GoalMilestones::Percent).small_integer().not_null())
                    .col(instant(GoalMilestones::ReachedAt))
                    .foreign_key(&mut owner_fk(
                        "fk_goal_milestones_user",
                        GoalMilestones::Table,
                        GoalMilestones::UserId,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_goal_milestones_goal")
                            .from(GoalMilestones::Table, GoalMilestones::GoalId)
                            .to(SavingsGoals::Table, SavingsGoals::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .check((
                        "goal_milestones_percent_check",
                        Expr::col(GoalMilestones::Percent).is_in([25, 50, 75, 100]),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("goal_milestones_goal_percent_key")
                    .table(GoalMilestones::Table)
                    .col(GoalMilestones::GoalId)
                    .col(GoalMilestones::Percent)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_goal_milestones_user_id",
                GoalMilestones::Table,
                [GoalMilestones::UserId],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(GoalMilestones::Table).to_owned())
            .await
    }
}
