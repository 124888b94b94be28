//! `enableTwoFactor`, `confirmTwoFactor`, `disableTwoFactor`.

use std::sync::Arc;

use async_graphql::{Context, Object, Result, ResultExt, SimpleObject};

use crate::{auth::two_factor, foundation::rate_limit::RateLimiter, graphql::ContextExt};

/// What an authenticator app needs to produce the account's codes.
#[derive(SimpleObject)]
pub struct TwoFactorSetup {
    /// The shared secret, base32, for typing in by hand.
    secret: String,
    /// `otpauth://totp/...`: show it as a QR code for the app to scan.
    otpauth_uri: String,
}

#[derive(Default)]
pub struct TwoFactorMutation;

#[Object]
impl TwoFactorMutation {
    /// Starts turning two-factor sign-in on: a new secret for an authenticator app. Nothing
    /// changes until `confirmTwoFactor` with a code from the app. CONFLICT while it is on.
    async fn enable_two_factor(&self, ctx: &Context<'_>) -> Result<TwoFactorSetup> {
        let (db, caller) = ctx.authenticated().extend()?;
        let setup = two_factor::enable(db, caller).await.extend()?;
        Ok(TwoFactorSetup {
            secret: setup.secret,
            otpauth_uri: setup.otpauth_uri,
        })
    }

    /// Turns two-factor sign-in on with the app's current code and returns ten one-time
    /// recovery codes, shown only now: each signs in once in place of a code. A wrong code is
    /// BAD_USER_INPUT and counts toward the account's sign-in limit.
    async fn confirm_two_factor(&self, ctx: &Context<'_>, code: String) -> Result<Vec<String>> {
        let (db, caller) = ctx.authenticated().extend()?;
        let limiter = ctx.shared::<Arc<RateLimiter>>().extend()?;
        two_factor::confirm(db, limiter, caller, &code).await.extend()
    }

    /// Turns two-factor sign-in off; needs the password and a current or recovery code.
    async fn disable_two_factor(&self, ctx: &Context<'_>, password: String, code: String) -> Result<bool> {
        let (db, caller) = ctx.authenticated().extend()?;
        let limiter = ctx.shared::<Arc<RateLimiter>>().extend()?;
        two_factor::disable(db, limiter, caller, password.into(), &code)
            .await
            .map(|()| true)
            .extend()
    }
}
