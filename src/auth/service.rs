//! Sessions: register, login, refresh, logout and password change.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter, Set, TransactionTrait,
};
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

use crate::foundation::entities::users::{self, Entity as Users, RiskTolerance, Role};
use crate::{
    accounts,
    auth::{TokenService, liveness::Liveness, refresh_tokens, two_factor, verification},
    foundation::{
        db,
        error::{AppError, AppResult, FieldErrors},
        identity::{AuthUser, Device},
        mail::Outbox,
    },
    users::{
        password,
        service::{FinancialPatch, PreferencesPatch, apply_settings},
        validate,
    },
};

pub struct Registration {
    pub email: String,
    pub password: SecretString,
    pub first_name: String,
    pub last_name: String,
    pub preferences: PreferencesPatch,
    pub financial: FinancialPatch,
}

/// What a successful login, registration or refresh hands back.
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: i64,
    pub user: users::Model,
}

const BAD_CREDENTIALS: AppError = AppError::Unauthenticated("Invalid email or password");
/// Only after the right password: a disabled account says so rather than "wrong password".
const DISABLED: AppError = AppError::Unauthenticated("This account is disabled");

/// Creates the account, signs it in and queues the mail that verifies its address.
pub async fn register(
    db: &DatabaseConnection,
    tokens: &TokenService,
    outbox: &Outbox,
    device: &Device,
    reg: Registration,
) -> AppResult<Session> {
    let mut errors = FieldErrors::default();
    let email = errors.take("input.email", validate::email(&reg.email));
    errors.take("input.password", validate::password(reg.password.expose_secret()));
    let first_name = errors.take("input.firstName", validate::name(&reg.first_name));
    let last_name = errors.take("input.lastName", validate::name(&reg.last_name));
    let now = db::now();
    let mut user = users::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(email.unwrap_or_default()),
        first_name: Set(first_name),
        last_name: Set(last_name),
        role: Set(Role::User),
        currency: Set("USD".into()),
        language: Set("en".into()),
        timezone: Set("UTC".into()),
        monthly_income: Set(None),
        savings_goal: Set(None),
        risk_tolerance: Set(RiskTolerance::Medium),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    apply_settings(&mut user, reg.preferences, reg.financial, &mut errors);
    errors.finish()?;

    user.password_hash = Set(password::hash(reg.password).await?);
    let txn = db.begin().await?;
    let user = user.insert(&txn).await.map_err(|err| {
        if db::is_unique_violation(&err, "users_email_key", "users.email") {
            AppError::Conflict("An account with this email already exists".into())
        } else {
            err.into()
        }
    })?;
    // Everyone starts with one account, so a transaction always has somewhere to go.
    let main = accounts::service::open_main(&txn, user.id).await?;
    let user = users::Model {
        default_account_id: Some(main.id),
        ..user
    };
    let session = start_session(tokens, &txn, user, device).await?;
    verification::queue_verification(&txn, outbox, &session.user).await?;
    txn.commit().await?;
    outbox.notify();
    tracing::info!(user_id = %session.user.id, "account registered");
    Ok(session)
}

/// Signs in with the password and, when two-factor sign-in is on, `otp`: a current code or
/// a recovery code. Without one that is TWO_FACTOR_REQUIRED; a wrong one UNAUTHENTICATED.
pub async fn login(
    db: &DatabaseConnection,
    tokens: &TokenService,
    device: &Device,
    email: &str,
    password: SecretString,
    otp: Option<&str>,
) -> AppResult<Session> {
    let email = email.trim().to_lowercase();
    let user = Users::find().filter(users::Column::Email.eq(email)).one(db).await?;
    // Unknown emails still cost one verification, so timing does not reveal accounts.
    if !password::verify(password, user.as_ref().map(|u| u.password_hash.clone())).await? {
        return Err(BAD_CREDENTIALS);
    }
    let user = user.ok_or(BAD_CREDENTIALS)?;
    if user.disabled_at.is_some() {
        return Err(DISABLED);
    }
    let txn = db.begin().await?;
    if user.two_factor_enabled_at.is_some() {
        let Some(otp) = otp else {
            return Err(AppError::TwoFactorRequired);
        };
        if !two_factor::spend_code(&txn, &user, otp).await? {
            return Err(AppError::Unauthenticated("Invalid or already used two-factor code"));
        }
    }
    let session = start_session(tokens, &txn, user, device).await?;
    txn.commit().await?;
    Ok(session)
}

pub async fn refresh(
    db: &DatabaseConnection,
    tokens: &TokenService,
    device: &Device,
    presented: &str,
) -> AppResult<Session> {
    let rotated = refresh_tokens::rotate(db, presented, tokens.refresh_ttl(), device).await?;
    let user = Users::find_by_id(rotated.user_id)
        .one(db)
        .await?
        .ok_or(AppError::Unauthenticated("Invalid or expired refresh token"))?;
    if user.disabled_at.is_some() {
        refresh_tokens::revoke_all(db, user.id).await?;
        return Err(DISABLED);
    }
    touch(db, user.id).await?;
    Ok(Session {
        access_token: tokens.issue(&user, rotated.family_id)?,
        refresh_token: rotated.token,
        expires_in: tokens.access_ttl_secs(),
        user,
    })
}

/// Records activity (a sign-in or refresh) for the admin's "active in 30 days".
async fn touch(db: &impl sea_orm::ConnectionTrait, user_id: Uuid) -> AppResult<()> {
    Users::update_many()
        .col_expr(users::Column::LastActiveAt, sea_orm::sea_query::Expr::value(db::now()))
        .filter(users::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Ends the session the refresh token belongs to, or every session of its user. Holding the
/// refresh token is proof enough, so an expired access token does not block logging out;
/// an authenticated caller can only end their own sessions. False when nothing matched.
pub async fn logout(
    db: &DatabaseConnection,
    liveness: &Liveness,
    caller: Option<&AuthUser>,
    presented: &str,
    all_sessions: bool,
) -> AppResult<bool> {
    let Some(token) = refresh_tokens::find_live(db, presented).await? else {
        return Ok(false);
    };
    if caller.is_some_and(|c| c.id != token.user_id) {
        return Ok(false);
    }
    if all_sessions {
        refresh_tokens::revoke_all(db, token.user_id).await?;
    } else {
        refresh_tokens::revoke_family(db, token.family_id).await?;
    }
    // The session's access tokens stop now, not at the next sync.
    liveness.reload().await?;
    Ok(true)
}

/// Changes the password and revokes every refresh token, signing out all other devices.
pub async fn change_password(
    db: &DatabaseConnection,
    liveness: &Liveness,
    caller: &AuthUser,
    current: SecretString,
    new: SecretString,
) -> AppResult<()> {
    let mut errors = FieldErrors::default();
    errors.take("input.newPassword", validate::password(new.expose_secret()));
    if new.expose_secret() == current.expose_secret() {
        errors.add("input.newPassword", "must differ from the current password");
    }
    errors.finish()?;

    let user = crate::users::service::get(db, caller.id).await?;
    if !password::verify(current, Some(user.password_hash.clone())).await? {
        return Err(AppError::invalid("input.currentPassword", "is incorrect"));
    }
    let new_hash = password::hash(new).await?;
    let txn = db.begin().await?;
    let mut active = user.into_active_model();
    active.password_hash = Set(new_hash);
    active.updated_at = Set(db::now());
    let user = active.update(&txn).await?;
    refresh_tokens::revoke_all(&txn, user.id).await?;
    txn.commit().await?;
    liveness.reload().await?;
    tracing::info!(user_id = %user.id, "password changed; all sessions revoked");
    Ok(())
}

/// A new session (refresh-token family) for `user` on `device`.
pub async fn start_session(
    tokens: &TokenService,
    txn: &impl sea_orm::ConnectionTrait,
    user: users::Model,
    device: &Device,
) -> AppResult<Session> {
    let session_id = Uuid::now_v7();
    let refresh_token = refresh_tokens::issue(txn, user.id, session_id, tokens.refresh_ttl(), device).await?;
    touch(txn, user.id).await?;
    Ok(Session {
        access_token: tokens.issue(&user, session_id)?,
        refresh_token,
        expires_in: tokens.access_ttl_secs(),
        user,
    })
}
