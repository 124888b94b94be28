//! Scheduled transactions: a schedule repeats by an RFC 5545 rule in one account; each of its
//! occurrences that has been dealt with (posted, matched to a real transaction, or skipped) has
//! a row in `schedule_occurrences`, unique per schedule and occurrence date, so no occurrence is
//! ever posted twice, however many servers try at once.

use sea_orm_migration::prelude::*;

use crate::columns::{date, id, index, instant, money, owner, owner_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Schedules {
    Table,
    Id,
    UserId,
    AccountId,
    BudgetCategoryId,
    Payee,
    Description,
    Amount,
    Currency,
    Type,
    Rule,
    StartDate,
    EndDate,
    MaxOccurrences,
    WeekendRule,
    AutoPost,
    AmountTolerance,
    MatchWindowDays,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ScheduleOccurrences {
    Table,
    Id,
    UserId,
    ScheduleId,
    OccurrenceDate,
    Status,
    TransactionId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Schedules::Table)
                    .col(id(Schedules::Id))
                    .col(owner(Schedules::UserId))
                    .col(ColumnDef::new(Schedules::AccountId).uuid().not_null())
                    .col(ColumnDef::new(Schedules::BudgetCategoryId).uuid().null())
                    .col(ColumnDef::new(Schedules::Payee).string_len(200).null())
                    .col(ColumnDef::new(Schedules::Description).string_len(500).not_null())
                    .col(money(Schedules::Amount))
                    .col(ColumnDef::new(Schedules::Currency).string_len(3).not_null())
                    .col(ColumnDef::new(Schedules::Type).string_len(16).not_null())
                    .col(ColumnDef::new(Schedules::Rule).string_len(500).not_null())
                    .col(date(Schedules::StartDate))
                    .col(ColumnDef::new(Schedules::EndDate).date().null())
                    .col(ColumnDef::new(Schedules::MaxOccurrences).integer().null())
                    .col(
                        ColumnDef::new(Schedules::WeekendRule)
                            .string_len(16)
                            .not_null()
                            .default("none"),
                    )
                    .col(ColumnDef::new(Schedules::AutoPost).boolean().not_null().default(false))
                    .col(
                        ColumnDef::new(Schedules::AmountTolerance)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(Schedules::MatchWindowDays)
                            .integer()
                            .not_null()
                            .default(3),
                    )
                    .col(instant(Schedules::CreatedAt))
                    .col(instant(Schedules::UpdatedAt))
                    .foreign_key(&mut owner_fk("fk_schedules_user", Schedules::Table, Schedules::UserId))
                    // An account's schedules go with it (the service moves them when accounts merge).
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_schedules_account")
                            .from(Schedules::Table, Schedules::AccountId)
                            .to(Alias::new("accounts"), Alias::new("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_schedules_budget_category")
                            .from(Schedules::Table, Schedules::BudgetCategoryId)
                            .to(Alias::new("budget_categories"), Alias::new("id"))
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .check(("schedules_amount_check", Expr::col(Schedules::Amount).gt(0)))
                    .check((
                        "schedules_type_check",
                        Expr::col(Schedules::Type).is_in(["income", "expense"]),
                    ))
                    .check((
                        "schedules_weekend_rule_check",
                        Expr::col(Schedules::WeekendRule).is_in(["none", "before", "after"]),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_schedules_user",
                Schedules::Table,
                [Schedules::UserId, Schedules::AccountId],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ScheduleOccurrences::Table)
                    .col(id(ScheduleOccurrences::Id))
                    .col(owner(ScheduleOccurrences::UserId))
                    .col(ColumnDef::new(ScheduleOccurrences::ScheduleId).uuid().not_null())
                    .col(date(ScheduleOccurrences::OccurrenceDate))
                    .col(ColumnDef::new(ScheduleOccurrences::Status).string_len(16).not_null())
                    .col(ColumnDef::new(ScheduleOccurrences::TransactionId).uuid().null())
                    .col(instant(ScheduleOccurrences::CreatedAt))
                    .foreign_key(&mut owner_fk(
                        "fk_schedule_occurrences_user",
                        ScheduleOccurrences::Table,
                        ScheduleOccurrences::UserId,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_schedule_occurrences_schedule")
                            .from(ScheduleOccurrences::Table, ScheduleOccurrences::ScheduleId)
                            .to(Schedules::Table, Schedules::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    // A posted transaction the user deletes leaves its occurrence posted: it is
                    // not posted again.
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_schedule_occurrences_transaction")
                            .from(ScheduleOccurrences::Table, ScheduleOccurrences::TransactionId)
                            .to(Alias::new("transactions"), Alias::new("id"))
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .check((
                        "schedule_occurrences_status_check",
                        Expr::col(ScheduleOccurrences::Status).is_in(["posted", "matched", "skipped"]),
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, cols, unique) in [
            (
                "schedule_occurrences_schedule_date_key",
                vec![ScheduleOccurrences::ScheduleId, ScheduleOccurrences::OccurrenceDate],
                true,
            ),
            (
                "schedule_occurrences_transaction_key",
                vec![ScheduleOccurrences::TransactionId],
                true,
            ),
            (
                "idx_schedule_occurrences_user",
                vec![ScheduleOccurrences::UserId, ScheduleOccurrences::ScheduleId],
                false,
            ),
        ] {
            let mut create = index(name, ScheduleOccurrences::Table, cols);
            if unique {
                create.unique();
            }
            manager.create_index(create).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ScheduleOccurrences::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Schedules::Table).to_owned())
            .await
    }
}
