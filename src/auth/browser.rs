//! Browser sessions (OWASP's advice for SPAs): on request, the refresh token travels as an
//! `HttpOnly; Secure; SameSite=Strict` cookie scoped to the GraphQL path instead of in the
//! response body, so no script on the page can read it. Access tokens stay bearer tokens held
//! in memory.
//!
//! A client opts in with `X-Session-Mode: cookie` on `login`, `register` or `refreshToken`;
//! `refreshToken` and `logout` without their argument read the cookie. Reading it is the
//! only thing a cross-site request could abuse, so it is allowed only from a request whose
//! `Origin` is in `CORS_ALLOWED_ORIGINS` (on top of the JSON-only content-type rule, which
//! already keeps plain HTML forms out).

use std::{
    sync::{Mutex, PoisonError},
    time::Duration,
};

use crate::foundation::error::{AppError, AppResult};

/// The cookie holding the refresh token.
pub const REFRESH_COOKIE: &str = "smartsave_refresh";
/// The request header asking for cookie mode, with the value [`COOKIE_MODE`].
pub const SESSION_MODE_HEADER: &str = "x-session-mode";
pub const COOKIE_MODE: &str = "cookie";
/// Where the browser sends the cookie back: the GraphQL endpoint, nowhere else.
const COOKIE_PATH: &str = "/graphql";

/// What the edge read from one HTTP request about browser sessions, and the `Set-Cookie` the
/// response must carry.
#[derive(Debug, Default)]
pub struct BrowserSession {
    cookie_mode: bool,
    refresh_cookie: Option<String>,
    trusted_origin: bool,
    set_cookie: Mutex<Option<String>>,
}

impl BrowserSession {
    /// From the request's `X-Session-Mode`, `Cookie` and `Origin` headers (`None` when absent)
    /// and the origins browsers may call from.
    pub fn read(
        session_mode: Option<&str>,
        cookie_header: Option<&str>,
        origin: Option<&str>,
        allowed_origins: &[String],
    ) -> Self {
        BrowserSession {
            cookie_mode: session_mode.is_some_and(|mode| mode.trim().eq_ignore_ascii_case(COOKIE_MODE)),
            refresh_cookie: cookie_header.and_then(refresh_cookie_in),
            trusted_origin: origin.is_some_and(|origin| allowed_origins.iter().any(|allowed| allowed == origin)),
            set_cookie: Mutex::default(),
        }
    }

    /// The client asked for its refresh token as a cookie.
    pub fn cookie_mode(&self) -> bool {
        self.cookie_mode
    }

    /// The refresh token in the request's cookie, for `refreshToken` and `logout` called
    /// without one. FORBIDDEN from an origin outside the allow-list (the CSRF defence),
    /// UNAUTHENTICATED without the cookie.
    pub fn presented_refresh_token(&self) -> AppResult<&str> {
        if !self.trusted_origin {
            return Err(AppError::Forbidden(
                "the session cookie is read only for requests whose Origin is in CORS_ALLOWED_ORIGINS",
            ));
        }
        self.refresh_cookie.as_deref().ok_or(AppError::Unauthenticated(
            "no refresh token: pass refreshToken, or sign in with X-Session-Mode: cookie",
        ))
    }

    /// Sets the refresh cookie on the response.
    pub fn store_refresh_token(&self, token: &str, lifetime: Duration) {
        self.set(format!(
            "{REFRESH_COOKIE}={token}; Max-Age={}; Path={COOKIE_PATH}; HttpOnly; Secure; SameSite=Strict",
            lifetime.as_secs()
        ));
    }

    /// Tells the browser to drop the refresh cookie.
    pub fn clear_refresh_token(&self) {
        self.set(format!(
            "{REFRESH_COOKIE}=; Max-Age=0; Path={COOKIE_PATH}; HttpOnly; Secure; SameSite=Strict"
        ));
    }

    fn set(&self, cookie: String) {
        *self.set_cookie.lock().unwrap_or_else(PoisonError::into_inner) = Some(cookie);
    }

    /// The `Set-Cookie` value the response must carry, if any.
    pub fn take_set_cookie(&self) -> Option<String> {
        self.set_cookie.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

/// The value of the refresh cookie in a `Cookie` header (`a=1; smartsave_refresh=...`).
fn refresh_cookie_in(header: &str) -> Option<String> {
    header.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == REFRESH_COOKIE && !value.is_empty()).then(|| value.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_refresh_cookie_among_others() {
        assert_eq!(
            refresh_cookie_in("theme=dark; smartsave_refresh=abc.def; x=1").as_deref(),
            Some("abc.def")
        );
        assert_eq!(refresh_cookie_in("smartsave_refresh_old=abc"), None);
        assert_eq!(refresh_cookie_in("smartsave_refresh="), None);
    }

    #[test]
    fn reads_the_cookie_only_from_an_allowed_origin() {
        let allowed = vec!["https://app.example.com".to_owned()];
        let cookie = Some("smartsave_refresh=t1");
        let trusted = BrowserSession::read(None, cookie, Some("https://app.example.com"), &allowed);
        assert_eq!(trusted.presented_refresh_token().ok(), Some("t1"));
        let foreign = BrowserSession::read(None, cookie, Some("https://evil.example"), &allowed);
        assert!(matches!(foreign.presented_refresh_token(), Err(AppError::Forbidden(_))));
        let no_origin = BrowserSession::read(None, cookie, None, &allowed);
        assert!(matches!(
            no_origin.presented_refresh_token(),
            Err(AppError::Forbidden(_))
        ));
    }

    #[test]
    fn cookie_mode_is_asked_for_by_header() {
        assert!(BrowserSession::read(Some("Cookie"), None, None, &[]).cookie_mode());
        assert!(!BrowserSession::read(Some("bearer"), None, None, &[]).cookie_mode());
        assert!(!BrowserSession::read(None, None, None, &[]).cookie_mode());
    }
}
