//! The identity lifecycle: verified email addresses, single-use tokens for verification and
//! password reset, sessions that show where they were used, two-factor codes, disabled
//! accounts, and the outbox of mail waiting for the job runner.
//!
//! Every secret (tokens, recovery codes) is stored as its SHA-256 only. A mail row is written
//! in the same transaction as the change it announces, so a committed token always has its
//! mail on the way; the bodies are cleared once it has been sent.

use sea_orm_migration::prelude::*;

use crate::columns::{add_columns, drop_columns, id, index, instant, owner, owner_fk};
use crate::m20261121_000001_create_users::Users;
use crate::m20261121_000002_create_refresh_tokens::RefreshTokens;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Identity {
    EmailVerifiedAt,
    DisabledAt,
    LastActiveAt,
    TwoFactorSecret,
    TwoFactorPendingSecret,
    TwoFactorEnabledAt,
    TwoFactorLastStep,
    UserAgent,
    ClientAddress,
}

#[derive(DeriveIden)]
enum UserTokens {
    Table,
    Id,
    UserId,
    Purpose,
    TokenHash,
    Email,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RecoveryCodes {
    Table,
    Id,
    UserId,
    CodeHash,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OutboundEmails {
    Table,
    Id,
    UserId,
    Kind,
    Recipient,
    Subject,
    TextBody,
    HtmlBody,
    Attempts,
    NextAttemptAt,
    LastError,
    SentAt,
    CreatedAt,
}

fn nullable_instant(col: Identity) -> ColumnDef {
    ColumnDef::new(col).timestamp_with_time_zone().null().take()
}

const USER_COLUMNS: [Identity; 7] = [
    Identity::EmailVerifiedAt,
    Identity::DisabledAt,
    Identity::LastActiveAt,
    Identity::TwoFactorSecret,
    Identity::TwoFactorPendingSecret,
    Identity::TwoFactorEnabledAt,
    Identity::TwoFactorLastStep,
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_columns(
            manager,
            Users::Table.into_iden(),
            vec![
                nullable_instant(Identity::EmailVerifiedAt),
                nullable_instant(Identity::DisabledAt),
                nullable_instant(Identity::LastActiveAt),
                ColumnDef::new(Identity::TwoFactorSecret).string_len(64).null().take(),
                ColumnDef::new(Identity::TwoFactorPendingSecret)
                    .string_len(64)
                    .null()
                    .take(),
                nullable_instant(Identity::TwoFactorEnabledAt),
                ColumnDef::new(Identity::TwoFactorLastStep).big_integer().null().take(),
            ],
        )
        .await?;
        add_columns(
            manager,
            RefreshTokens::Table.into_iden(),
            vec![
                ColumnDef::new(Identity::UserAgent).string_len(256).null().take(),
                ColumnDef::new(Identity::ClientAddress).string_len(64).null().take(),
            ],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(UserTokens::Table)
                    .col(id(UserTokens::Id))
                    .col(owner(UserTokens::UserId))
                    .col(ColumnDef::new(UserTokens::Purpose).string_len(16).not_null())
                    .col(
                        ColumnDef::new(UserTokens::TokenHash)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    // The address the token proves: the one verified, or the one changed to.
                    .col(ColumnDef::new(UserTokens::Email).string_len(254).not_null())
                    .col(instant(UserTokens::ExpiresAt))
                    .col(ColumnDef::new(UserTokens::UsedAt).timestamp_with_time_zone().null())
                    .col(instant(UserTokens::CreatedAt))
                    .foreign_key(&mut owner_fk(
                        "fk_user_tokens_user",
                        UserTokens::Table,
                        UserTokens::UserId,
                    ))
                    .check((
                        "user_tokens_purpose_check",
                        Expr::col(UserTokens::Purpose).is_in(["verify_email", "change_email", "reset_password"]),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_user_tokens_user",
                UserTokens::Table,
                [UserTokens::UserId, UserTokens::Purpose],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RecoveryCodes::Table)
                    .col(id(RecoveryCodes::Id))
                    .col(owner(RecoveryCodes::UserId))
                    .col(ColumnDef::new(RecoveryCodes::CodeHash).string_len(64).not_null())
                    .col(ColumnDef::new(RecoveryCodes::UsedAt).timestamp_with_time_zone().null())
                    .col(instant(RecoveryCodes::CreatedAt))
                    .foreign_key(&mut owner_fk(
                        "fk_recovery_codes_user",
                        RecoveryCodes::Table,
                        RecoveryCodes::UserId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_recovery_codes_user",
                RecoveryCodes::Table,
                [RecoveryCodes::UserId],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OutboundEmails::Table)
                    .col(id(OutboundEmails::Id))
                    // None for a reset request: the address may belong to no one.
                    .col(ColumnDef::new(OutboundEmails::UserId).uuid().null())
                    .col(ColumnDef::new(OutboundEmails::Kind).string_len(32).not_null())
                    .col(ColumnDef::new(OutboundEmails::Recipient).string_len(254).not_null())
                    // Null until composed (a reset request is composed by the job runner).
                    .col(ColumnDef::new(OutboundEmails::Subject).string_len(300).null())
                    .col(ColumnDef::new(OutboundEmails::TextBody).text().null())
                    .col(ColumnDef::new(OutboundEmails::HtmlBody).text().null())
                    .col(ColumnDef::new(OutboundEmails::Attempts).integer().not_null().default(0))
                    .col(instant(OutboundEmails::NextAttemptAt))
                    .col(ColumnDef::new(OutboundEmails::LastError).string_len(500).null())
                    .col(ColumnDef::new(OutboundEmails::SentAt).timestamp_with_time_zone().null())
                    .col(instant(OutboundEmails::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_outbound_emails_user")
                            .from(OutboundEmails::Table, OutboundEmails::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_outbound_emails_due",
                OutboundEmails::Table,
                [OutboundEmails::SentAt, OutboundEmails::NextAttemptAt],
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            OutboundEmails::Table.into_iden(),
            RecoveryCodes::Table.into_iden(),
            UserTokens::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        drop_columns(
            manager,
            RefreshTokens::Table.into_iden(),
            &[Identity::UserAgent, Identity::ClientAddress],
        )
        .await?;
        drop_columns(manager, Users::Table.into_iden(), &USER_COLUMNS).await
    }
}
