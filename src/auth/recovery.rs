//! Password reset. A request writes one row to the mail outbox and returns, whoever the
//! address belongs to: the same work and the same answer for every address, so neither the
//! reply nor its timing tells whether an account exists. The job runner then looks the
//! address up and, for an account, composes the mail with a token (random, stored hashed,
//! single-use, 30 minutes); for no account it drops the request. Spending the token sets the
//! new password and signs out every session.

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter, Set, TransactionTrait,
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use crate::foundation::entities::{
    user_tokens::Purpose,
    users::{self, Entity as Users},
};
use crate::{
    auth::{liveness::Liveness, refresh_tokens, user_tokens, verification},
    foundation::{
        db,
        error::{AppError, AppResult},
        mail::{self, Outbox},
        ownership,
        rate_limit::{RateLimiter, Rule},
    },
    users::{password, validate},
};

/// How long a reset link works.
pub const LINK_MINUTES: i64 = 30;
/// The outbox kind of a reset request and its mail.
const KIND: &str = "reset_password";

/// Queues a reset for `email`. Whether or not an account uses it, this does the same: one
/// insert. An address that is not one at all is BAD_USER_INPUT (that says nothing about
/// accounts).
pub async fn request(db: &DatabaseConnection, outbox: &Outbox, email: &str) -> AppResult<()> {
    let email = validate::email(email).map_err(|m| AppError::invalid("email", m))?;
    mail::enqueue(db, None, KIND, &email, None).await?;
    outbox.notify();
    Ok(())
}

/// Composes the queued reset requests (the job runner's part): a token and its mail for an
/// address with an enabled account, nothing for any other.
pub async fn compose_requests(db: &DatabaseConnection, outbox: &Outbox) -> AppResult<usize> {
    let requests = mail::uncomposed(db, KIND).await?;
    if requests.is_empty() {
        return Ok(0);
    }
    // The enabled accounts among the addresses, in one query.
    let addresses: Vec<&str> = requests.iter().map(|r| r.recipient.as_str()).collect();
    let accounts: HashMap<String, users::Model> = Users::find()
        .filter(users::Column::Email.is_in(addresses))
        .filter(users::Column::DisabledAt.is_null())
        .all(db)
        .await?
        .into_iter()
        .map(|user| (user.email.clone(), user))
        .collect();
    let mut composed = 0;
    for request in requests {
        let user = accounts.get(&request.recipient);
        let txn = db.begin().await?;
        match user {
            None => mail::discard(&txn, request.id).await?,
            Some(user) => {
                let ttl = chrono::Duration::minutes(LINK_MINUTES);
                let token = user_tokens::issue(&txn, user.id, Purpose::ResetPassword, &user.email, ttl).await?;
                let content = mail::compose(
                    KIND,
                    "Reset your SmartSave password",
                    json!({ "name": verification::greeting(user),
                            "link": outbox.link("reset-password", &token), "token": token,
                            "minutes": LINK_MINUTES }),
                )?;
                if !mail::fill(&txn, request.id, content).await? {
                    // Another worker composed it: its token stands, this one goes.
                    txn.rollback().await?;
                    continue;
                }
                composed += 1;
            }
        }
        txn.commit().await?;
    }
    Ok(composed)
}

/// Sets a new password with a reset token and revokes every session. The token proves the
/// mailbox, so an unverified address becomes verified.
/// Attempts count against the account's sign-in quota in `limiter`.
pub async fn reset(
    db: &DatabaseConnection,
    limiter: &RateLimiter,
    liveness: &Liveness,
    token: &str,
    new_password: SecretString,
) -> AppResult<users::Model> {
    validate::password(new_password.expose_secret()).map_err(|m| AppError::invalid("newPassword", m))?;
    let token = user_tokens::find_live(db, &[Purpose::ResetPassword], token).await?;
    let user = ownership::account(db, token.user_id).await?;
    limiter.check(Rule::AuthPerAccount, &user.email).await?;
    if token.email != user.email {
        // Sent to an address the account no longer uses.
        return Err(user_tokens::invalid());
    }
    let hash = password::hash(new_password).await?;
    let txn = db.begin().await?;
    user_tokens::spend(&txn, &token).await?;
    let now = db::now();
    let verified_at = user.email_verified_at.unwrap_or(now);
    let mut active = user.into_active_model();
    active.password_hash = Set(hash);
    active.email_verified_at = Set(Some(verified_at));
    active.updated_at = Set(now);
    let user = active.update(&txn).await?;
    user_tokens::spend_all(&txn, user.id, Purpose::ResetPassword).await?;
    refresh_tokens::revoke_all(&txn, user.id).await?;
    txn.commit().await?;
    liveness.reload().await?;
    tracing::info!(user_id = %user.id, "password reset; all sessions revoked");
    Ok(user)
}
