//! Auth mutations: register, login, refreshToken, logout, changePassword.

use async_graphql::{Context, InputObject, Object, Result, ResultExt, SimpleObject};

use crate::{
    app::AppState,
    auth::{ContextExt, RequestAuth, service},
    error::AppResult,
    graphql::handler::ClientIp,
    rate_limit::Rule,
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
async fn throttle<'a>(ctx: &'a Context<'_>, email: Option<&str>) -> AppResult<&'a AppState> {
    let state = ctx.state()?;
    if let Ok(ClientIp(Some(ip))) = ctx.data::<ClientIp>() {
        state.limiter.check(Rule::AuthPerIp, &ip.to_string()).await?;
    }
    if let Some(email) = email {
        state
            .limiter
            .check(Rule::AuthPerAccount, &email.trim().to_lowercase())
            .await?;
    }
    Ok(state)
}

#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    /// Creates an account and signs it in. A taken email is CONFLICT.
    async fn register(&self, ctx: &Context<'_>, input: RegisterInput) -> Result<AuthPayload> {
        let state = throttle(ctx, Some(&input.email)).await.extend()?;
        let registration = service::Registration {
            email: input.email,
            password: input.password.into(),
            first_name: input.first_name,
            last_name: input.last_name,
            preferences: input.preferences.map(Into::into).unwrap_or_default(),
            financial: input.financial_settings.map(Into::into).unwrap_or_default(),
        };
        service::register(state, registration).await.map(Into::into).extend()
    }

    /// Signs in with email and password. Wrong credentials are UNAUTHENTICATED.
    async fn login(&self, ctx: &Context<'_>, input: LoginInput) -> Result<AuthPayload> {
        let state = throttle(ctx, Some(&input.email)).await.extend()?;
        service::login(state, &input.email, input.password.into())
            .await
            .map(Into::into)
            .extend()
    }

    /// Exchanges a refresh token for new tokens. Each refresh token works once; presenting a
    /// used one again signs out that whole session.
    async fn refresh_token(&self, ctx: &Context<'_>, refresh_token: String) -> Result<AuthPayload> {
        let state = throttle(ctx, None).await.extend()?;
        service::refresh(state, &refresh_token).await.map(Into::into).extend()
    }

    /// Ends the session of the given refresh token, or every session of its account when
    /// allSessions is true. False when the token is unknown or already ended.
    async fn logout(
        &self,
        ctx: &Context<'_>,
        refresh_token: String,
        #[graphql(default_with = "Some(false)")] all_sessions: Option<bool>,
    ) -> Result<bool> {
        let state = ctx.state().extend()?;
        let caller = match ctx.data::<RequestAuth>() {
            Ok(RequestAuth::User(user)) => Some(user),
            _ => None,
        };
        service::logout(state, caller, &refresh_token, all_sessions.unwrap_or(false))
            .await
            .extend()
    }

    /// Changes the password and signs out every session (all refresh tokens are revoked).
    async fn change_password(&self, ctx: &Context<'_>, input: ChangePasswordInput) -> Result<bool> {
        let (state, caller) = ctx.authenticated().extend()?;
        service::change_password(state, caller, input.current_password.into(), input.new_password.into())
            .await
            .map(|()| true)
            .extend()
    }
}
