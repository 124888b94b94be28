//! Proving an email address: the link sent at registration (and again on request), and a
//! change of address, which takes effect only once the new address follows its link.

use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, IntoActiveModel, Set, TransactionTrait};
use secrecy::SecretString;
use serde_json::json;

use crate::foundation::entities::{
    user_tokens::Purpose,
    users::{self},
};
use crate::{
    auth::user_tokens,
    foundation::{
        db,
        error::{AppError, AppResult},
        identity::AuthUser,
        mail::{self, Outbox},
        ownership,
    },
    users::{password, validate},
};

/// How long a verification link works.
pub const LINK_HOURS: i64 = 24;

/// How mail addresses the user: their first name, or "there".
pub(super) fn greeting(user: &users::Model) -> String {
    user.first_name.clone().unwrap_or_else(|| "there".into())
}

/// Queues the verification mail for the user's current address, on `db` (the caller's
/// transaction); the caller notifies the outbox after committing.
pub async fn queue_verification(db: &impl ConnectionTrait, outbox: &Outbox, user: &users::Model) -> AppResult<()> {
    let ttl = chrono::Duration::hours(LINK_HOURS);
    let token = user_tokens::issue(db, user.id, Purpose::VerifyEmail, &user.email, ttl).await?;
    let content = mail::compose(
        "verify_email",
        "Confirm your email address",
        json!({ "name": greeting(user), "email": user.email, "link": outbox.link("verify-email", &token),
                "token": token, "hours": LINK_HOURS }),
    )?;
    mail::enqueue(db, Some(user.id), "verify_email", &user.email, Some(content)).await?;
    Ok(())
}

/// Sends a new verification link (earlier ones stop working). False when the address is
/// already verified.
pub async fn resend(db: &DatabaseConnection, outbox: &Outbox, caller: &AuthUser) -> AppResult<bool> {
    let user = crate::users::service::get(db, caller.id).await?;
    if user.email_verified_at.is_some() {
        return Ok(false);
    }
    let txn = db.begin().await?;
    user_tokens::spend_all(&txn, user.id, Purpose::VerifyEmail).await?;
    queue_verification(&txn, outbox, &user).await?;
    txn.commit().await?;
    outbox.notify();
    Ok(true)
}

/// Spends a verification or address-change token: the address it proves becomes the
/// account's, verified. Anyone holding the link may use it; it needs no session.
pub async fn verify(db: &DatabaseConnection, token: &str) -> AppResult<users::Model> {
    let txn = db.begin().await?;
    let spent = user_tokens::redeem(&txn, &[Purpose::VerifyEmail, Purpose::ChangeEmail], token).await?;
    let user = ownership::account(&txn, spent.user_id).await?;
    // A link for an address the account no longer uses proves nothing about it.
    if spent.purpose == Purpose::VerifyEmail && spent.email != user.email {
        return Err(user_tokens::invalid());
    }
    let mut active = user.into_active_model();
    active.email = Set(spent.email.clone());
    active.email_verified_at = Set(Some(db::now()));
    active.updated_at = Set(db::now());
    let user = active.update(&txn).await.map_err(|err| {
        if db::is_unique_violation(&err, "users_email_key", "users.email") {
            AppError::Conflict("An account with this email already exists".into())
        } else {
            err.into()
        }
    })?;
    if spent.purpose == Purpose::ChangeEmail {
        user_tokens::spend_all(&txn, user.id, Purpose::ChangeEmail).await?;
        user_tokens::spend_all(&txn, user.id, Purpose::VerifyEmail).await?;
        tracing::info!(user_id = %user.id, "email address changed");
    }
    txn.commit().await?;
    Ok(user)
}

/// Starts a change of address: the new one gets a link (the change happens when it is
/// followed), the old one a notice. A wrong password is BAD_USER_INPUT; an address another
/// account uses is CONFLICT.
pub async fn change_email(
    db: &DatabaseConnection,
    outbox: &Outbox,
    caller: &AuthUser,
    new_email: &str,
    current_password: SecretString,
) -> AppResult<()> {
    let new_email = validate::email(new_email).map_err(|m| AppError::invalid("input.newEmail", m))?;
    let user = crate::users::service::get(db, caller.id).await?;
    if !password::verify(current_password, Some(user.password_hash.clone())).await? {
        return Err(AppError::invalid("input.password", "is incorrect"));
    }
    if new_email == user.email {
        return Err(AppError::invalid("input.newEmail", "is already this account's address"));
    }
    if crate::users::service::email_taken(db, &new_email).await? {
        return Err(AppError::Conflict("An account with this email already exists".into()));
    }
    let ttl = chrono::Duration::hours(LINK_HOURS);
    let txn = db.begin().await?;
    user_tokens::spend_all(&txn, user.id, Purpose::ChangeEmail).await?;
    let token = user_tokens::issue(&txn, user.id, Purpose::ChangeEmail, &new_email, ttl).await?;
    let to_new = mail::compose(
        "change_email",
        "Confirm your new email address",
        json!({ "name": greeting(&user), "email": new_email, "link": outbox.link("verify-email", &token),
                "token": token, "hours": LINK_HOURS }),
    )?;
    mail::enqueue(&txn, Some(user.id), "change_email", &new_email, Some(to_new)).await?;
    let to_old = mail::compose(
        "email_change_requested",
        "Your sign-in address is about to change",
        json!({ "name": greeting(&user), "masked": masked(&new_email) }),
    )?;
    mail::enqueue(&txn, Some(user.id), "email_change_requested", &user.email, Some(to_old)).await?;
    txn.commit().await?;
    outbox.notify();
    Ok(())
}

/// "a***@example.com": enough for the owner to recognise, not to harvest.
fn masked(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_addresses_keep_the_first_letter_and_the_domain() {
        assert_eq!(masked("ann.lee@example.com"), "a***@example.com");
        assert_eq!(masked("x@y.io"), "x***@y.io");
    }
}
