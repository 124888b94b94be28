//! Auth mutations: register, login, refreshToken, logout, changePassword.

use async_graphql::{Context, InputObject, Object, Result, ResultExt, SimpleObject};

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::{
    auth::{TokenService, service},
    foundation::{
        error::AppResult,
        identity::{ClientIp, RequestAuth},
        rate_limit::{RateLimiter, Rule},
    },
    graphql::ContextExt,
    users::graphql::{FinancialSettingsInput, PreferencesInput, User},
};

/// Tokens for a new session and the account they belong to.
#[derive(SimpleObject)]
pub struct AuthPayload {
    /// Short-lived JWT to send as `Authorization: Bearer <token>`.
    access_token: String,
    /// Opaque, single-use token for `refreshToken`; rotated on every refresh.
    refresh_token: String,
    /// Access token lifetime in seconds.
    expires_in: i64,
    /// Always "Bearer".
    token_type: String,
    /// The signed-in account.
    user: User,
}

impl From<service::Session> for AuthPayload {
    fn from(s: service::Session) -> Self {
        AuthPayload {
            access_token: s.access_token,
            refresh_token: s.refresh_token,
            expires_in: s.expires_in,
            token_type: "Bearer".into(),
            user: s.user.into(),
        }
    }
}

/// A new account.
#[derive(InputObject)]
pub struct RegisterInput {
    /// Becomes the login; compared case-insensitively.
    email: String,
    /// At least 8 characters with an upper-case letter, a lower-case letter and a digit.
    password: String,
    /// 1 to 100 characters.
    first_name: String,
    /// 1 to 100 characters.
    last_name: String,
    /// Defaults: USD, en, UTC.
    preferences: Option<PreferencesInput>,
    /// Defaults: no income or savings target, MEDIUM risk tolerance.
    financial_settings: Option<FinancialSettingsInput>,
}

/// Credentials for `login`.
#[derive(InputObject)]
pub struct LoginInput {
    /// Compared case-insensitively.
    email: String,
    /// The account's password.
    password: String,
}

/// A password change; signs out every session.
#[derive(InputObject)]
pub struct ChangePasswordInput {
    /// The password in use now.
    current_password: String,
    /// Same rules as at registration.
    new_password: String,
}

/// Counts a sign-in attempt against the client IP's quota and, given an email, the
/// account's: guessing passwords or stuffing credentials gets RATE_LIMITED quickly.
async fn throttle(ctx: &Context<'_>, email: Option<&str>) -> AppResult<()> {
    let limiter = ctx.shared::<Arc<RateLimiter>>()?;
    if let Ok(ClientIp(Some(ip))) = ctx.data::<ClientIp>() {
        limiter.check(Rule::AuthPerIp, &ip.to_string()).await?;
    }
    if let Some(email) = email {
        limiter
            .check(Rule::AuthPerAccount, &email.trim().to_lowercase())
            .await?;
    }
    Ok(())
}

/// The database and the token issuer, which every session operation needs.
fn sessions<'a>(ctx: &'a Context<'_>) -> AppResult<(&'a DatabaseConnection, &'a TokenService)> {
    Ok((ctx.db()?, ctx.shared::<Arc<TokenService>>()?))
}

#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    /// Creates an account and signs it in. A taken email is CONFLICT.
    async fn register(&self, ctx: &Context<'_>, input: RegisterInput) -> Result<AuthPayload> {
        throttle(ctx, Some(&input.email)).await.extend()?;
        let (db, tokens) = sessions(ctx).extend()?;
        let registration = service::Registration {
            email: input.email,
            password: input.password.into(),
            first_name: input.first_name,
            last_name: input.last_name,
            preferences: input.preferences.map(Into::into).unwrap_or_default(),
            financial: input.financial_settings.map(Into::into).unwrap_or_default(),
        };
        service::register(db, tokens, registration)
            .await
            .map(Into::into)
            .extend()
    }

    /// Signs in with email and password. Wrong credentials are UNAUTHENTICATED.
    async fn login(&self, ctx: &Context<'_>, input: LoginInput) -> Result<AuthPayload> {
        throttle(ctx, Some(&input.email)).await.extend()?;
        let (db, tokens) = sessions(ctx).extend()?;
        service::login(db, tokens, &input.email, input.password.into())
            .await
            .map(Into::into)
            .extend()
    }

    /// Exchanges a refresh token for new tokens. Each refresh token works once; presenting a
    /// used one again signs out that whole session.
    async fn refresh_token(&self, ctx: &Context<'_>, refresh_token: String) -> Result<AuthPayload> {
        throttle(ctx, None).await.extend()?;
        let (db, tokens) = sessions(ctx).extend()?;
        service::refresh(db, tokens, &refresh_token)
            .await
            .map(Into::into)
            .extend()
    }

    /// Ends the session of the given refresh token, or every session of its account when
    /// allSessions is true. False when the token is unknown or already ended.
    async fn logout(
        &self,
        ctx: &Context<'_>,
        refresh_token: String,
        #[graphql(default_with = "Some(false)")] all_sessions: Option<bool>,
    ) -> Result<bool> {
        let db = ctx.db().extend()?;
        let caller = ctx.data::<RequestAuth>().ok().and_then(RequestAuth::user);
        service::logout(db, caller, &refresh_token, all_sessions.unwrap_or(false))
            .await
            .extend()
    }

    /// Changes the password and signs out every session (all refresh tokens are revoked).
    async fn change_password(&self, ctx: &Context<'_>, input: ChangePasswordInput) -> Result<bool> {
        let (db, caller) = ctx.authenticated().extend()?;
        service::change_password(db, caller, input.current_password.into(), input.new_password.into())
            .await
            .map(|()| true)
            .extend()
    }
}
