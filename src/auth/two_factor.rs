//! Two-factor sign-in with one-time codes (TOTP, RFC 6238: SHA-1, 6 digits, 30-second steps,
//! one step of clock skew either way), as every authenticator app reads them from an
//! `otpauth://` URI. Turning it on takes two steps, so a user who never scanned the secret
//! cannot lock themselves out: `enable` hands out a secret, `confirm` switches it on with a
//! code from the app and returns ten one-time recovery codes (stored as SHA-256).
//!
//! A code works once: the step of the last accepted code is stored, and a code of that step
//! or an earlier one is refused (RFC 6238 section 5.2). Every check counts against the
//! account's sign-in quota, so guessing six digits is throttled like guessing a password.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter, Set,
    TransactionTrait, sea_query::Expr,
};
use secrecy::SecretString;
use totp_rs::{Builder, Secret, Totp};
use uuid::Uuid;

use crate::foundation::entities::{
    recovery_codes::{self, Entity as RecoveryCodes},
    users::{self, Entity as Users},
};
use crate::{
    auth::secret,
    foundation::{
        db,
        error::{AppError, AppResult},
        identity::AuthUser,
        ownership,
        rate_limit::{RateLimiter, Rule},
    },
    users::password,
};

const ISSUER: &str = "SmartSave";
/// Recovery codes handed out at once.
pub const RECOVERY_CODES: usize = 10;
/// RFC 4648 base32, lower-case, for recovery codes people type.
const CODE_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";

/// What an authenticator app needs.
pub struct Setup {
    /// Base32, for typing in by hand.
    pub secret: String,
    pub otpauth_uri: String,
}

fn totp(secret_base32: &str, account: &str) -> AppResult<Totp> {
    let secret = Secret::try_from_base32(secret_base32).map_err(AppError::internal)?;
    Builder::new()
        .with_secret(secret)
        .with_issuer(Some(ISSUER))
        .with_account_name(account)
        .build()
        .map_err(AppError::internal)
}

fn unix_now() -> u64 {
    u64::try_from(Utc::now().timestamp()).unwrap_or_default()
}

/// Starts turning two-factor sign-in on: a new secret, not yet in force. CONFLICT while it
/// is on.
pub async fn enable(db: &DatabaseConnection, caller: &AuthUser) -> AppResult<Setup> {
    let user = ownership::account(db, caller.id).await?;
    if user.two_factor_enabled_at.is_some() {
        return Err(AppError::Conflict("Two-factor sign-in is already on".into()));
    }
    let secret = Secret::from(secret::random_bytes::<20>()?).to_base32();
    let otpauth_uri = totp(&secret, &user.email)?.to_url().map_err(AppError::internal)?;
    let mut active = user.into_active_model();
    active.two_factor_pending_secret = Set(Some(secret.clone()));
    active.updated_at = Set(db::now());
    active.update(db).await?;
    Ok(Setup { secret, otpauth_uri })
}

/// Switches two-factor sign-in on with a code from the app, and returns the recovery codes
/// (shown this once). A wrong code is BAD_USER_INPUT on `code`.
pub async fn confirm(
    db: &DatabaseConnection,
    limiter: &RateLimiter,
    caller: &AuthUser,
    code: &str,
) -> AppResult<Vec<String>> {
    let user = ownership::account(db, caller.id).await?;
    limiter.check(Rule::AuthPerAccount, &user.email).await?;
    let Some(pending) = user
        .two_factor_pending_secret
        .clone()
        .filter(|_| user.two_factor_enabled_at.is_none())
    else {
        return Err(AppError::invalid("code", "needs enableTwoFactor first"));
    };
    let step = totp(&pending, &user.email)?
        .check(code.trim(), unix_now())
        .ok_or_else(|| AppError::invalid("code", "is not the current code"))?;
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| recovery_code()).collect::<AppResult<_>>()?;
    let txn = db.begin().await?;
    let now = db::now();
    let mut active = user.into_active_model();
    active.two_factor_secret = Set(Some(pending));
    active.two_factor_pending_secret = Set(None);
    active.two_factor_enabled_at = Set(Some(now));
    active.two_factor_last_step = Set(i64::try_from(step).ok());
    active.updated_at = Set(now);
    let user = active.update(&txn).await?;
    RecoveryCodes::delete_many()
        .filter(recovery_codes::Column::UserId.eq(user.id))
        .exec(&txn)
        .await?;
    for code in &codes {
        recovery_codes::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(user.id),
            code_hash: Set(secret::hash(&normalised(code))),
            used_at: Set(None),
            created_at: Set(now),
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    tracing::info!(user_id = %user.id, "two-factor sign-in turned on");
    Ok(codes)
}

/// Turns two-factor sign-in off; needs the password and a current code (or a recovery code).
pub async fn disable(
    db: &DatabaseConnection,
    limiter: &RateLimiter,
    caller: &AuthUser,
    current_password: SecretString,
    code: &str,
) -> AppResult<()> {
    let user = ownership::account(db, caller.id).await?;
    limiter.check(Rule::AuthPerAccount, &user.email).await?;
    if user.two_factor_enabled_at.is_none() {
        return Err(AppError::Conflict("Two-factor sign-in is not on".into()));
    }
    if !password::verify(current_password, Some(user.password_hash.clone())).await? {
        return Err(AppError::invalid("password", "is incorrect"));
    }
    let txn = db.begin().await?;
    if !spend_code(&txn, &user, code).await? {
        return Err(AppError::invalid("code", "is not a current or recovery code"));
    }
    let mut active = user.into_active_model();
    active.two_factor_secret = Set(None);
    active.two_factor_pending_secret = Set(None);
    active.two_factor_enabled_at = Set(None);
    active.two_factor_last_step = Set(None);
    active.updated_at = Set(db::now());
    let user = active.update(&txn).await?;
    RecoveryCodes::delete_many()
        .filter(recovery_codes::Column::UserId.eq(user.id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    tracing::info!(user_id = %user.id, "two-factor sign-in turned off");
    Ok(())
}

/// Spends `code` for `user`: a current one-time code not used before, or an unused recovery
/// code. False for anything else. The caller commits `db`.
pub async fn spend_code(db: &impl ConnectionTrait, user: &users::Model, code: &str) -> AppResult<bool> {
    let Some(secret_base32) = &user.two_factor_secret else {
        return Ok(false);
    };
    let code = normalised(code);
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        let Some(step) = totp(secret_base32, &user.email)?.check(&code, unix_now()) else {
            return Ok(false);
        };
        let step = i64::try_from(step).map_err(AppError::internal)?;
        // Only a step after the last accepted one: a code works once, even raced.
        let accepted = Users::update_many()
            .col_expr(users::Column::TwoFactorLastStep, Expr::value(step))
            .filter(users::Column::Id.eq(user.id))
            .filter(
                sea_orm::Condition::any()
                    .add(users::Column::TwoFactorLastStep.is_null())
                    .add(users::Column::TwoFactorLastStep.lt(step)),
            )
            .exec(db)
            .await?;
        return Ok(accepted.rows_affected == 1);
    }
    let spent = RecoveryCodes::update_many()
        .col_expr(recovery_codes::Column::UsedAt, Expr::value(db::now()))
        .filter(recovery_codes::Column::UserId.eq(user.id))
        .filter(recovery_codes::Column::CodeHash.eq(secret::hash(&code)))
        .filter(recovery_codes::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(spent.rows_affected == 1)
}

/// "abcde-fghij": 50 random bits in the base32 alphabet.
fn recovery_code() -> AppResult<String> {
    let bytes = secret::random_bytes::<10>()?;
    let letters: String = bytes
        .iter()
        .map(|b| char::from(CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()]))
        .collect();
    Ok(format!("{}-{}", &letters[..5], &letters[5..]))
}

/// Codes as typed: spaces and dashes dropped, lower-cased.
fn normalised(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_are_ten_letters_in_two_groups_and_read_back_however_typed() {
        let code = recovery_code().expect("code");
        assert_eq!(code.len(), 11);
        assert_eq!(&code[5..6], "-");
        assert!(code.bytes().filter(|b| *b != b'-').all(|b| CODE_ALPHABET.contains(&b)));
        assert_eq!(normalised(&code.to_uppercase().replace('-', " ")), normalised(&code));
        assert_ne!(recovery_code().expect("code"), code);
    }

    #[test]
    fn codes_of_the_rfc_6238_test_secret_match_its_table() {
        // RFC 6238 appendix B, SHA-1: secret "12345678901234567890", 8 digits there; the
        // last six digits of each are what a 6-digit app shows.
        let secret = Secret::from(b"12345678901234567890".to_vec()).to_base32();
        let totp = totp(&secret, "a@example.com").expect("totp");
        for (time, code) in [(59, "287082"), (1_111_111_109, "081804"), (1_234_567_890, "005924")] {
            assert_eq!(totp.generate(time).to_string(), code, "at {time}");
            assert!(totp.check(code, time).is_some());
        }
        assert!(
            totp.to_url()
                .expect("uri")
                .starts_with("otpauth://totp/SmartSave:a%40example.com?")
        );
    }
}
