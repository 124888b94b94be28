//! Two-factor sign-in (TOTP, RFC 6238) through HTTP: set-up in two steps, codes that work
//! once, recovery codes, the sign-in limit, and turning it off. Codes are made the way an
//! authenticator app makes them, from the secret the API handed out (totp-rs, checked
//! against RFC 6238's table in the unit tests).

use serde_json::{Value, json};
use totp_rs::{Builder, Secret, Totp};

use crate::helpers::{PASSWORD, TestApp, error_code, error_fields};

const ENABLE: &str = "mutation { enableTwoFactor { secret otpauthUri } }";
const CONFIRM: &str = "mutation($c: String!) { confirmTwoFactor(code: $c) }";
const DISABLE: &str = "mutation($p: String!, $c: String!) { disableTwoFactor(password: $p, code: $c) }";

fn app_for(secret: &str) -> Totp {
    Builder::new()
        .with_secret(Secret::try_from_base32(secret).expect("base32 secret"))
        .build()
        .expect("totp")
}

fn now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).expect("after 1970")
}

async fn login(app: &TestApp, email: &str, otp: Option<&str>) -> Value {
    let response = app
        .post_graphql(
            json!({
                "query": "mutation($i: LoginInput!) { login(input: $i) { accessToken } }",
                "variables": { "i": { "email": email, "password": PASSWORD, "otp": otp } },
            }),
            None,
        )
        .await;
    response.json().await.expect("json")
}

/// Turns two-factor sign-in on; returns the authenticator and the recovery codes.
async fn turn_on(app: &TestApp, token: &str) -> (Totp, Vec<String>) {
    let setup = app.gql(ENABLE, json!({}), Some(token)).await;
    let secret = setup["data"]["enableTwoFactor"]["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    let authenticator = app_for(&secret);
    let code = authenticator.generate(now()).to_string();
    let confirmed = app.gql(CONFIRM, json!({ "c": code }), Some(token)).await;
    let codes = confirmed["data"]["confirmTwoFactor"]
        .as_array()
        .unwrap_or_else(|| panic!("{confirmed}"))
        .iter()
        .map(|c| c.as_str().expect("code").to_owned())
        .collect();
    (authenticator, codes)
}

#[tokio::test]
async fn set_up_takes_a_code_from_the_app_and_then_sign_in_needs_one() {
    let app = TestApp::spawn_with(&[("RATE_LIMIT_AUTH_PER_ACCOUNT", "100")]).await;
    let user = app.register_and_login().await;
    let setup = app.gql(ENABLE, json!({}), Some(&user.access_token)).await;
    let setup = &setup["data"]["enableTwoFactor"];
    let secret = setup["secret"].as_str().expect("secret");
    let uri = setup["otpauthUri"].as_str().expect("uri");
    assert!(uri.starts_with("otpauth://totp/SmartSave:"), "{uri}");
    assert!(
        uri.contains(&format!("secret={secret}")) && uri.contains("issuer=SmartSave"),
        "{uri}"
    );
    assert!(
        secret.trim_end_matches('=').len() >= 32,
        "at least 160 bits of base32: {secret}"
    );
    // Not on until confirmed: sign-in still needs only the password.
    assert!(login(&app, &user.email, None).await["data"]["login"].is_object());

    let authenticator = app_for(secret);
    let not_current = (0..10)
        .map(|n| format!("00000{n}"))
        .find(|c| authenticator.check(c, now()).is_none())
        .expect("a code that is not current");
    let wrong = app
        .gql(CONFIRM, json!({ "c": not_current }), Some(&user.access_token))
        .await;
    assert_eq!(error_code(&wrong), "BAD_USER_INPUT");
    assert_eq!(error_fields(&wrong), ["code"]);
    let code = authenticator.generate(now()).to_string();
    let confirmed = app.gql(CONFIRM, json!({ "c": code }), Some(&user.access_token)).await;
    let codes = confirmed["data"]["confirmTwoFactor"]
        .as_array()
        .expect("recovery codes")
        .clone();
    assert_eq!(codes.len(), 10);
    let me = app
        .gql("{ me { twoFactorEnabled } }", json!({}), Some(&user.access_token))
        .await;
    assert_eq!(me["data"]["me"]["twoFactorEnabled"], true);
    assert_eq!(
        error_code(&app.gql(ENABLE, json!({}), Some(&user.access_token)).await),
        "CONFLICT"
    );

    assert_eq!(error_code(&login(&app, &user.email, None).await), "TWO_FACTOR_REQUIRED");
    assert_eq!(
        error_code(&login(&app, &user.email, Some(&code)).await),
        "UNAUTHENTICATED",
        "a code works once"
    );
    // The next step's code is within the one-step skew: it works, once.
    let next = authenticator.generate(now() + 30).to_string();
    assert!(login(&app, &user.email, Some(&next)).await["data"]["login"].is_object());
    assert_eq!(
        error_code(&login(&app, &user.email, Some(&next)).await),
        "UNAUTHENTICATED"
    );
    // A code from far away in time never works.
    let stale = authenticator.generate(now() - 600).to_string();
    if stale != next && stale != code {
        assert_eq!(
            error_code(&login(&app, &user.email, Some(&stale)).await),
            "UNAUTHENTICATED"
        );
    }

    let recovery = codes[3].as_str().expect("code");
    let typed = recovery.to_uppercase().replace('-', " ");
    assert!(
        login(&app, &user.email, Some(&typed)).await["data"]["login"].is_object(),
        "however typed"
    );
    assert_eq!(
        error_code(&login(&app, &user.email, Some(recovery)).await),
        "UNAUTHENTICATED",
        "used"
    );
    assert!(login(&app, &user.email, Some(codes[4].as_str().expect("code"))).await["data"]["login"].is_object());
    // Only hashes are stored.
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM recovery_codes WHERE code_hash LIKE '%{}%'",
            &recovery[..5]
        ))
        .await,
        0
    );
}

#[tokio::test]
async fn wrong_codes_count_toward_the_accounts_sign_in_limit() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await; // 1 of 5 sign-in attempts this minute
    let (_, codes) = turn_on(&app, &user.access_token).await; // 2: confirming counts
    for attempt in 0..3 {
        let body = login(&app, &user.email, Some("12345")).await; // 3, 4, 5
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "attempt {attempt}");
    }
    let limited = login(&app, &user.email, Some(&codes[0])).await;
    assert_eq!(error_code(&limited), "RATE_LIMITED", "{limited}");
}

#[tokio::test]
async fn turning_it_off_needs_the_password_and_a_code() {
    let app = TestApp::spawn_with(&[("RATE_LIMIT_AUTH_PER_ACCOUNT", "100")]).await;
    let user = app.register_and_login().await;
    let (_, codes) = turn_on(&app, &user.access_token).await;
    let attempt = |password: &str, code: &str| json!({ "p": password, "c": code });

    let wrong_password = app
        .gql(DISABLE, attempt("Wrong-horse9", &codes[0]), Some(&user.access_token))
        .await;
    assert_eq!(error_fields(&wrong_password), ["password"]);
    let wrong_code = app
        .gql(DISABLE, attempt(PASSWORD, "abcde-fghij"), Some(&user.access_token))
        .await;
    assert_eq!(error_fields(&wrong_code), ["code"]);
    let off = app
        .gql(DISABLE, attempt(PASSWORD, &codes[0]), Some(&user.access_token))
        .await;
    assert_eq!(off["data"]["disableTwoFactor"], true, "{off}");

    assert!(login(&app, &user.email, None).await["data"]["login"].is_object());
    assert_eq!(
        app.count("SELECT COUNT(*) FROM recovery_codes").await,
        0,
        "the recovery codes are gone"
    );
    let again = app
        .gql(DISABLE, attempt(PASSWORD, &codes[1]), Some(&user.access_token))
        .await;
    assert_eq!(error_code(&again), "CONFLICT");
}
