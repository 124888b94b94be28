//! Auth mutations: register, login, refreshToken, logout, changePassword, and the address
//! mutations: verifyEmail, resendVerification, changeEmail.

mod sessions;
mod two_factor;

pub use sessions::{SessionsMutation, SessionsQuery};
pub use two_factor::TwoFactorMutation;

use async_graphql::{Context, ErrorExtensions, InputObject, Object, Result, ResultExt, SimpleObject};

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::{
    auth::{TokenService, browser::BrowserSession, liveness::Liveness, recovery, service, verification},
    foundation::{
        error::{AppError, AppResult},
        identity::{ClientIp, Device, RequestAuth, UserAgent},
        mail::Outbox,
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
    /// Opaque, single-use token for `refreshToken`; rotated on every refresh. Null in cookie
    /// mode (`X-Session-Mode: cookie`), where it is set as an HttpOnly cookie instead.
    refresh_token: Option<String>,
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
            refresh_token: Some(s.refresh_token),
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
    /// With two-factor sign-in on: the authenticator app's current code, or a recovery code.
    otp: Option<String>,
}

/// A password change; signs out every session.
#[derive(InputObject)]
pub struct ChangePasswordInput {
    /// The password in use now.
    current_password: String,
    /// Same rules as at registration.
    new_password: String,
}

/// A change of sign-in address; the new address must confirm it before it takes effect.
#[derive(InputObject)]
pub struct ChangeEmailInput {
    /// The address to sign in with once confirmed.
    new_email: String,
    /// The account's current password.
    password: String,
}

/// The client as the request shows it: its address and `User-Agent`, for the sessions list.
fn device(ctx: &Context<'_>) -> Device {
    let address = ctx.data::<ClientIp>().ok().and_then(|ip| ip.0);
    let user_agent = ctx.data::<UserAgent>().ok().and_then(|ua| ua.0.as_deref());
    Device::new(user_agent, address)
}

/// Counts mail a caller causes to be sent to `address`, and the request against the client
/// IP's sign-in quota: nobody can make us flood a mailbox.
async fn throttle_mail(ctx: &Context<'_>, address: &str) -> AppResult<()> {
    throttle(ctx, None).await?;
    let limiter = ctx.shared::<Arc<RateLimiter>>()?;
    limiter
        .check(Rule::MailPerAccount, &address.trim().to_lowercase())
        .await
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

/// What the HTTP edge read about browser sessions (absent over WebSocket).
fn browser<'a>(ctx: &'a Context<'_>) -> Option<&'a BrowserSession> {
    ctx.data_opt::<Arc<BrowserSession>>().map(AsRef::as_ref)
}

/// The refresh token a client presented: the argument, or else the session cookie, with the
/// browser session it came from (which then gets the rotated or cleared cookie).
fn presented<'a>(ctx: &'a Context<'_>, argument: Option<String>) -> AppResult<(String, Option<&'a BrowserSession>)> {
    match argument {
        Some(token) => Ok((token, None)),
        None => {
            let browser = browser(ctx).ok_or(AppError::Unauthenticated("no refresh token: pass refreshToken"))?;
            Ok((browser.presented_refresh_token()?.to_owned(), Some(browser)))
        }
    }
}

/// A new session as the client asked for it: in cookie mode (asked for by header, or a
/// refresh that came by cookie) the refresh token is set as the session cookie and left out
/// of the body.
fn deliver(ctx: &Context<'_>, tokens: &TokenService, session: service::Session, by_cookie: bool) -> AuthPayload {
    let mut payload = AuthPayload::from(session);
    if let Some(browser) = browser(ctx).filter(|b| by_cookie || b.cookie_mode())
        && let Some(token) = payload.refresh_token.take()
    {
        browser.store_refresh_token(&token, tokens.refresh_ttl());
    }
    payload
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
        let outbox = ctx.shared::<Outbox>().extend()?;
        let session = service::register(db, tokens, outbox, &device(ctx), registration)
            .await
            .extend()?;
        Ok(deliver(ctx, tokens, session, false))
    }

    /// Signs in with email and password (and `otp` when two-factor sign-in is on). Wrong
    /// credentials are UNAUTHENTICATED; a missing two-factor code is TWO_FACTOR_REQUIRED.
    async fn login(&self, ctx: &Context<'_>, input: LoginInput) -> Result<AuthPayload> {
        throttle(ctx, Some(&input.email)).await.extend()?;
        let (db, tokens) = sessions(ctx).extend()?;
        let otp = input.otp.as_deref();
        let session = service::login(db, tokens, &device(ctx), &input.email, input.password.into(), otp)
            .await
            .extend()?;
        Ok(deliver(ctx, tokens, session, false))
    }

    /// Exchanges a refresh token for new tokens. Each refresh token works once; presenting a
    /// used one again signs out that whole session. Without `refreshToken`, the session
    /// cookie is used (and rotated); see cookie mode in the README.
    async fn refresh_token(&self, ctx: &Context<'_>, refresh_token: Option<String>) -> Result<AuthPayload> {
        throttle(ctx, None).await.extend()?;
        let (db, tokens) = sessions(ctx).extend()?;
        let (presented, cookie) = presented(ctx, refresh_token).extend()?;
        match service::refresh(db, tokens, &device(ctx), &presented).await {
            Ok(session) => Ok(deliver(ctx, tokens, session, cookie.is_some())),
            Err(error) => {
                // A cookie that no longer works is of no use to keep.
                if let Some(browser) = cookie {
                    browser.clear_refresh_token();
                }
                Err(error.extend())
            }
        }
    }

    /// Ends the session of the given refresh token, or every session of its account when
    /// allSessions is true. False when the token is unknown or already ended. Without
    /// `refreshToken`, ends the session cookie's session and clears the cookie.
    async fn logout(
        &self,
        ctx: &Context<'_>,
        refresh_token: Option<String>,
        #[graphql(default_with = "Some(false)")] all_sessions: Option<bool>,
    ) -> Result<bool> {
        let db = ctx.db().extend()?;
        let caller = ctx.data::<RequestAuth>().ok().and_then(RequestAuth::user);
        let liveness = ctx.shared::<Arc<Liveness>>().extend()?;
        let (presented, cookie) = presented(ctx, refresh_token).extend()?;
        let ended = service::logout(db, liveness, caller, &presented, all_sessions.unwrap_or(false))
            .await
            .extend()?;
        if let Some(browser) = cookie {
            browser.clear_refresh_token();
        }
        Ok(ended)
    }

    /// Changes the password and signs out every session (all refresh tokens are revoked).
    async fn change_password(&self, ctx: &Context<'_>, input: ChangePasswordInput) -> Result<bool> {
        let (db, caller) = ctx.authenticated().extend()?;
        let liveness = ctx.shared::<Arc<Liveness>>().extend()?;
        let (current, new) = (input.current_password.into(), input.new_password.into());
        service::change_password(db, liveness, caller, current, new)
            .await
            .map(|()| true)
            .extend()
    }

    /// Confirms an address with the token from its mail (the link's `token`): the address
    /// registered with, or the one `changeEmail` asked for, which becomes the sign-in address
    /// now. Needs no session. A token that is unknown, used or expired is BAD_USER_INPUT.
    async fn verify_email(&self, ctx: &Context<'_>, token: String) -> Result<User> {
        throttle(ctx, None).await.extend()?;
        let db = ctx.db().extend()?;
        verification::verify(db, &token).await.map(Into::into).extend()
    }

    /// Sends a new verification link to the caller's address (earlier links stop working).
    /// False when the address is already verified.
    async fn resend_verification(&self, ctx: &Context<'_>) -> Result<bool> {
        let (db, caller) = ctx.authenticated().extend()?;
        throttle_mail(ctx, &caller.id.to_string()).await.extend()?;
        let outbox = ctx.shared::<Outbox>().extend()?;
        verification::resend(db, outbox, caller).await.extend()
    }

    /// Mails a password-reset link to `email` if an account uses it. The answer is true
    /// either way, and takes the same time: it does not tell whether the account exists.
    /// Rate limited per client address and per email address.
    async fn request_password_reset(&self, ctx: &Context<'_>, email: String) -> Result<bool> {
        throttle_mail(ctx, &email).await.extend()?;
        let (db, outbox) = (ctx.db().extend()?, ctx.shared::<Outbox>().extend()?);
        recovery::request(db, outbox, &email).await.map(|()| true).extend()
    }

    /// Sets a new password with the token from a reset mail, and signs out every session.
    /// A token that is unknown, used or expired (after 30 minutes) is BAD_USER_INPUT. Rate
    /// limited per client address and per account (with its sign-in attempts).
    async fn reset_password(&self, ctx: &Context<'_>, token: String, new_password: String) -> Result<bool> {
        throttle(ctx, None).await.extend()?;
        let (db, limiter) = (ctx.db().extend()?, ctx.shared::<Arc<RateLimiter>>().extend()?);
        let liveness = ctx.shared::<Arc<Liveness>>().extend()?;
        recovery::reset(db, limiter, liveness, &token, new_password.into())
            .await
            .map(|_| true)
            .extend()
    }

    /// Starts a change of sign-in address: the new address gets a link and the change
    /// happens when `verifyEmail` is called with its token; the old address is told. A wrong
    /// password is BAD_USER_INPUT; an address in use is CONFLICT.
    async fn change_email(&self, ctx: &Context<'_>, input: ChangeEmailInput) -> Result<bool> {
        let (db, caller) = ctx.authenticated().extend()?;
        // Password guesses count as sign-in attempts on this account.
        throttle(ctx, Some(&caller.email)).await.extend()?;
        throttle_mail(ctx, &caller.id.to_string()).await.extend()?;
        let outbox = ctx.shared::<Outbox>().extend()?;
        verification::change_email(db, outbox, caller, &input.new_email, input.password.into())
            .await
            .map(|()| true)
            .extend()
    }
}
