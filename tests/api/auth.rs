//! Registration, login, refresh rotation and reuse detection, logout, password change.

use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, error_code, error_fields};

const REGISTER: &str = "mutation($input: RegisterInput!) { register(input: $input) { accessToken user { id email firstName preferences { currency language timezone } financialSettings { monthlyIncome savingsGoal riskTolerance } } } }";

#[tokio::test]
async fn registering_returns_tokens_and_a_normalised_user() {
    let app = TestApp::spawn().await;
    let body = app
        .gql(
            REGISTER,
            json!({ "input": {
                "email": "  Ada.Lovelace@Example.COM ", "password": PASSWORD, "firstName": " Ada ", "lastName": "Lovelace",
                "preferences": { "currency": "eur", "timezone": "Europe/Berlin" },
                "financialSettings": { "monthlyIncome": "4200.5", "savingsGoal": 500, "riskTolerance": "HIGH" }
            } }),
            None,
        )
        .await;
    let user = &body["data"]["register"]["user"];
    assert_eq!(user["email"], "ada.lovelace@example.com");
    assert_eq!(user["firstName"], "Ada");
    assert_eq!(
        user["preferences"],
        json!({ "currency": "EUR", "language": "en", "timezone": "Europe/Berlin" })
    );
    assert_eq!(
        user["financialSettings"],
        json!({ "monthlyIncome": "4200.50", "savingsGoal": "500.00", "riskTolerance": "HIGH" })
    );

    let full = app.register("grace@example.com", PASSWORD).await;
    let payload = &full["data"]["register"];
    assert_eq!(payload["tokenType"], "Bearer");
    assert_eq!(payload["expiresIn"], 900);
    assert_eq!(payload["refreshToken"].as_str().map(str::len), Some(43));
}

#[tokio::test]
async fn a_taken_email_is_conflict_whatever_its_case() {
    let app = TestApp::spawn().await;
    app.register("taken@example.com", PASSWORD).await;
    let body = app.register("TAKEN@example.com", PASSWORD).await;
    assert_eq!(error_code(&body), "CONFLICT");
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
}

#[tokio::test]
async fn each_registration_rule_is_enforced_with_the_field_named() {
    // Thirteen attempts for one email: lift the sign-in quota, which has its own tests.
    let app = TestApp::spawn_with(&[("RATE_LIMIT_AUTH_PER_ACCOUNT", "100")]).await;
    let cases = [
        (json!({ "email": "not-an-email" }), "input.email"),
        (json!({ "email": "ada@localhost" }), "input.email"),
        (json!({ "password": "Short1" }), "input.password"),
        (json!({ "password": "alllower1" }), "input.password"),
        (json!({ "password": "ALLUPPER1" }), "input.password"),
        (json!({ "password": "NoDigitsHere" }), "input.password"),
        (json!({ "firstName": "   " }), "input.firstName"),
        (json!({ "lastName": "x".repeat(101) }), "input.lastName"),
        (
            json!({ "preferences": { "currency": "EURO" } }),
            "input.preferences.currency",
        ),
        (
            json!({ "preferences": { "language": "english!" } }),
            "input.preferences.language",
        ),
        (
            json!({ "preferences": { "timezone": "Mars/Base" } }),
            "input.preferences.timezone",
        ),
        (
            json!({ "financialSettings": { "monthlyIncome": "-1.00" } }),
            "input.financialSettings.monthlyIncome",
        ),
        (
            json!({ "financialSettings": { "savingsGoal": "0.001" } }),
            "input.financialSettings.savingsGoal",
        ),
    ];
    for (overrides, field) in cases {
        let mut input =
            json!({ "email": "valid@example.com", "password": PASSWORD, "firstName": "A", "lastName": "B" });
        for (k, v) in overrides.as_object().expect("object") {
            input[k] = v.clone();
        }
        let body = app.gql(REGISTER, json!({ "input": input }), None).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{field}: {body}");
        assert_eq!(error_fields(&body), vec![field.to_owned()], "{body}");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users").await,
        0,
        "no invalid registration may write"
    );
}

#[tokio::test]
async fn all_invalid_fields_are_reported_together() {
    let app = TestApp::spawn().await;
    let body = app
        .gql(
            REGISTER,
            json!({ "input": { "email": "bad", "password": "bad", "firstName": "", "lastName": "" } }),
            None,
        )
        .await;
    assert_eq!(
        error_fields(&body),
        ["input.email", "input.password", "input.firstName", "input.lastName"]
    );
}

#[tokio::test]
async fn login_rejects_wrong_passwords_and_unknown_emails_alike() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let wrong = app.login(&user.email, "Wrong1password").await;
    let unknown = app.login("nobody@example.com", PASSWORD).await;
    assert_eq!(error_code(&wrong), "UNAUTHENTICATED");
    assert_eq!(error_code(&unknown), "UNAUTHENTICATED");
    assert_eq!(wrong["errors"][0]["message"], unknown["errors"][0]["message"]);

    let ok = app.login(&user.email.to_uppercase(), PASSWORD).await;
    assert_eq!(ok["data"]["login"]["user"]["id"], user.id.as_str());
}

#[tokio::test]
async fn me_returns_the_caller_and_requires_a_token() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let body = app
        .gql("{ me { id email role } }", json!({}), Some(&user.access_token))
        .await;
    assert_eq!(
        body["data"]["me"],
        json!({ "id": user.id, "email": user.email, "role": "USER" })
    );

    let anonymous = app.gql("{ me { id } }", json!({}), None).await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
}

#[tokio::test]
async fn refreshing_rotates_the_refresh_token() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let body = app.refresh(&user.refresh_token).await;
    let next = body["data"]["refreshToken"]["refreshToken"]
        .as_str()
        .expect("new refresh token");
    assert_ne!(next, user.refresh_token);
    let access = body["data"]["refreshToken"]["accessToken"]
        .as_str()
        .expect("access token");
    let me = app.gql("{ me { id } }", json!({}), Some(access)).await;
    assert_eq!(me["data"]["me"]["id"], user.id.as_str());
    // The next token works in turn.
    assert!(app.refresh(next).await["data"]["refreshToken"].is_object());
}

#[tokio::test]
async fn reusing_a_rotated_refresh_token_revokes_the_whole_family() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let other_session = app.login(&user.email, PASSWORD).await["data"]["login"]["refreshToken"]
        .as_str()
        .expect("token")
        .to_owned();

    let rotated = app.refresh(&user.refresh_token).await;
    let successor = rotated["data"]["refreshToken"]["refreshToken"]
        .as_str()
        .expect("successor")
        .to_owned();

    let replay = app.refresh(&user.refresh_token).await;
    assert_eq!(error_code(&replay), "UNAUTHENTICATED");
    let after_replay = app.refresh(&successor).await;
    assert_eq!(
        error_code(&after_replay),
        "UNAUTHENTICATED",
        "the successor must be revoked with its family"
    );

    assert!(
        app.refresh(&other_session).await["data"]["refreshToken"].is_object(),
        "other sessions survive"
    );
}

#[tokio::test]
async fn unknown_refresh_tokens_are_unauthenticated() {
    let app = TestApp::spawn().await;
    assert_eq!(error_code(&app.refresh("not-a-token").await), "UNAUTHENTICATED");
}

#[tokio::test]
async fn logout_ends_one_session_or_all_of_them() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let second = app.login(&user.email, PASSWORD).await["data"]["login"]["refreshToken"]
        .as_str()
        .expect("token")
        .to_owned();
    let third = app.login(&user.email, PASSWORD).await["data"]["login"]["refreshToken"]
        .as_str()
        .expect("token")
        .to_owned();
    let logout = "mutation($t: String!, $all: Boolean) { logout(refreshToken: $t, allSessions: $all) }";

    let body = app
        .gql(logout, json!({ "t": user.refresh_token }), Some(&user.access_token))
        .await;
    assert_eq!(body["data"]["logout"], true, "{body}");
    assert_eq!(error_code(&app.refresh(&user.refresh_token).await), "UNAUTHENTICATED");
    assert_eq!(
        app.gql(logout, json!({ "t": user.refresh_token }), None).await["data"]["logout"],
        false
    );

    // Without an access token (it may have expired), the refresh token alone ends sessions.
    let body = app.gql(logout, json!({ "t": second, "all": true }), None).await;
    assert_eq!(body["data"]["logout"], true, "{body}");
    assert_eq!(error_code(&app.refresh(&third).await), "UNAUTHENTICATED");
}

#[tokio::test]
async fn nobody_can_log_out_another_users_session() {
    let app = TestApp::spawn().await;
    let victim = app.register_and_login().await;
    let attacker = app.register_and_login().await;
    let body = app
        .gql(
            "mutation($t: String!) { logout(refreshToken: $t, allSessions: true) }",
            json!({ "t": victim.refresh_token }),
            Some(&attacker.access_token),
        )
        .await;
    assert_eq!(body["data"]["logout"], false);
    assert!(app.refresh(&victim.refresh_token).await["data"]["refreshToken"].is_object());
}

const CHANGE_PASSWORD: &str = "mutation($input: ChangePasswordInput!) { changePassword(input: $input) }";

#[tokio::test]
async fn changing_the_password_revokes_every_refresh_token() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let other = app.login(&user.email, PASSWORD).await["data"]["login"]["refreshToken"]
        .as_str()
        .expect("token")
        .to_owned();

    let body = app
        .gql(
            CHANGE_PASSWORD,
            json!({ "input": { "currentPassword": PASSWORD, "newPassword": "Brand2NewPass" } }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(body["data"]["changePassword"], true, "{body}");
    assert_eq!(error_code(&app.refresh(&user.refresh_token).await), "UNAUTHENTICATED");
    assert_eq!(error_code(&app.refresh(&other).await), "UNAUTHENTICATED");
    assert_eq!(error_code(&app.login(&user.email, PASSWORD).await), "UNAUTHENTICATED");
    assert!(app.login(&user.email, "Brand2NewPass").await["data"]["login"].is_object());
}

#[tokio::test]
async fn changing_the_password_checks_the_current_one_and_the_rules() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let cases = [
        (
            json!({ "currentPassword": "Wrong1password", "newPassword": "Brand2NewPass" }),
            "input.currentPassword",
        ),
        (
            json!({ "currentPassword": PASSWORD, "newPassword": "weak" }),
            "input.newPassword",
        ),
        (
            json!({ "currentPassword": PASSWORD, "newPassword": PASSWORD }),
            "input.newPassword",
        ),
    ];
    for (input, field) in cases {
        let body = app
            .gql(CHANGE_PASSWORD, json!({ "input": input }), Some(&user.access_token))
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT");
        assert_eq!(error_fields(&body), [field]);
    }
    assert!(
        app.refresh(&user.refresh_token).await["data"]["refreshToken"].is_object(),
        "failed changes revoke nothing"
    );
    let anonymous = app
        .gql(
            CHANGE_PASSWORD,
            json!({ "input": { "currentPassword": PASSWORD, "newPassword": "Brand2NewPass" } }),
            None,
        )
        .await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
}

#[tokio::test]
async fn no_response_ever_contains_a_password_or_its_hash() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let response = app
        .post_graphql(
            json!({ "query": "{ me { id email firstName lastName preferences { currency } } }" }),
            Some(&user.access_token),
        )
        .await;
    let text = response.text().await.expect("body");
    assert!(!text.contains(PASSWORD) && !text.contains("$argon2"), "{text}");
    let stored = app
        .count("SELECT COUNT(*) FROM users WHERE password_hash LIKE '$argon2id$%'")
        .await;
    assert_eq!(stored, 1, "passwords are stored as argon2id hashes");
    let plaintext = app
        .count(&format!(
            "SELECT COUNT(*) FROM refresh_tokens WHERE token_hash = '{}'",
            user.refresh_token
        ))
        .await;
    assert_eq!(plaintext, 0, "refresh tokens are stored hashed");
}
