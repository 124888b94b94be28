//! Password reset through HTTP and a real SMTP server: the mail, the single-use 30-minute
//! token, every session signed out, and no way to learn which addresses have accounts.

use std::time::{Duration, Instant};

use sea_orm::{EntityTrait, sea_query::Expr};
use serde_json::{Value, json};
use smartsave::foundation::entities::user_tokens;

use crate::helpers::{PASSWORD, TestApp, error_code, error_fields};
use crate::identity::{mail_app, register};

const REQUEST: &str = "mutation($e: String!) { requestPasswordReset(email: $e) }";
const RESET: &str = "mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }";
const NEW_PASSWORD: &str = "Fresh-horse2";

async fn request(app: &TestApp, email: &str) -> Value {
    let response = app
        .post_graphql(json!({ "query": REQUEST, "variables": { "e": email } }), None)
        .await;
    response.json().await.expect("json")
}

async fn reset(app: &TestApp, token: &str, password: &str) -> Value {
    app.gql(RESET, json!({ "t": token, "p": password }), None).await
}

#[tokio::test]
async fn a_reset_link_sets_a_new_password_once_and_signs_out_every_session() {
    // More sign-ins on one account than the default quota allows in a minute.
    let (app, sink) = mail_app(&[("RATE_LIMIT_AUTH_PER_ACCOUNT", "100")]).await;
    register(&app, "dee@example.com").await;
    let refresh = app.login("dee@example.com", PASSWORD).await["data"]["login"]["refreshToken"]
        .as_str()
        .expect("refresh token")
        .to_owned();
    sink.wait_for("dee@example.com", 1).await; // the verification mail

    assert_eq!(
        request(&app, "Dee@Example.com").await["data"]["requestPasswordReset"],
        true
    );
    let mail = sink.wait_for("dee@example.com", 2).await;
    let mail = mail
        .iter()
        .find(|m| m.subject() == "Reset your SmartSave password")
        .expect("a reset mail");
    assert!(mail.body.contains("https://app.test/reset-password?token="));
    let token = mail.token();

    let weak = reset(&app, &token, "short").await;
    assert_eq!(error_code(&weak), "BAD_USER_INPUT");
    assert_eq!(error_fields(&weak), ["newPassword"]);
    assert_eq!(
        reset(&app, &token, NEW_PASSWORD).await["data"]["resetPassword"],
        true,
        "a weak password did not spend it"
    );

    assert_eq!(
        error_code(&app.refresh(&refresh).await),
        "UNAUTHENTICATED",
        "every session ended"
    );
    assert_eq!(
        error_code(&app.login("dee@example.com", PASSWORD).await),
        "UNAUTHENTICATED"
    );
    let login = app.login("dee@example.com", NEW_PASSWORD).await;
    assert!(login["data"]["login"].is_object(), "{login}");
    let again = reset(&app, &token, "Another-horse3").await;
    assert_eq!(error_code(&again), "BAD_USER_INPUT", "single use: {again}");
    let access = login["data"]["login"]["accessToken"].as_str().expect("token");
    let me = app.gql("{ me { emailVerified } }", json!({}), Some(access)).await;
    assert_eq!(me["data"]["me"]["emailVerified"], true, "the reset proved the mailbox");
}

#[tokio::test]
async fn a_reset_link_expires_after_30_minutes() {
    let (app, sink) = mail_app(&[]).await;
    register(&app, "eve@example.com").await;
    request(&app, "eve@example.com").await;
    let mail = sink.wait_for("eve@example.com", 2).await;
    let token = mail
        .iter()
        .find(|m| m.subject().starts_with("Reset"))
        .expect("reset mail")
        .token();
    let tokens = app
        .count("SELECT COUNT(*) FROM user_tokens WHERE purpose = 'reset_password'")
        .await;
    assert_eq!(tokens, 1, "one request, one token");
    let reset_row = user_tokens::Entity::find()
        .all(&app.db)
        .await
        .expect("query")
        .into_iter()
        .find(|t| t.purpose == user_tokens::Purpose::ResetPassword)
        .expect("the reset token");
    assert_eq!(
        reset_row.expires_at - reset_row.created_at,
        chrono::Duration::minutes(30)
    );
    user_tokens::Entity::update_many()
        .col_expr(
            user_tokens::Column::ExpiresAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)),
        )
        .exec(&app.db)
        .await
        .expect("expire");
    assert_eq!(error_code(&reset(&app, &token, NEW_PASSWORD).await), "BAD_USER_INPUT");
    assert!(
        app.login("eve@example.com", PASSWORD).await["data"]["login"].is_object(),
        "password unchanged"
    );
}

#[tokio::test]
async fn a_reset_request_answers_alike_for_unknown_addresses_and_mails_only_accounts() {
    let (app, sink) = mail_app(&[]).await;
    register(&app, "fay@example.com").await;
    let known = request(&app, "fay@example.com").await;
    let unknown = request(&app, "nobody@example.com").await;
    assert_eq!(known, unknown, "the same answer");
    assert_eq!(known, json!({ "data": { "requestPasswordReset": true } }));
    sink.wait_for("fay@example.com", 2).await;
    // The request for no account was dropped, not mailed.
    for _ in 0..50 {
        if app
            .count("SELECT COUNT(*) FROM outbound_emails WHERE recipient = 'nobody@example.com'")
            .await
            == 0
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbound_emails WHERE recipient = 'nobody@example.com'")
            .await,
        0
    );
    assert!(sink.to("nobody@example.com").is_empty());

    // Per address: the fourth request in a minute is refused, for unknown addresses alike.
    for email in ["fay@example.com", "nobody@example.com"] {
        request(&app, email).await;
        request(&app, email).await;
        assert_eq!(error_code(&request(&app, email).await), "RATE_LIMITED", "{email}");
    }
}

/// Without the job runner, the request path is all there is to measure: the same statements
/// for an address with an account and one without, and the same time.
#[tokio::test]
async fn a_reset_request_does_the_same_work_and_takes_the_same_time_for_any_address() {
    let app = TestApp::spawn_with(&[
        ("RATE_LIMIT_AUTH_PER_IP", "100000"),
        ("RATE_LIMIT_MAIL_PER_ACCOUNT", "100000"),
    ])
    .await;
    register(&app, "gus@example.com").await;
    let (_, known) = app.statements_during(request(&app, "gus@example.com")).await;
    let (_, unknown) = app.statements_during(request(&app, "nobody@example.com")).await;
    assert_eq!(known, unknown, "the same SQL for both");
    assert_eq!(known, 1, "one insert into the outbox");

    let (mut with_account, mut without) = (Vec::new(), Vec::new());
    for _ in 0..25 {
        for (email, times) in [
            ("gus@example.com", &mut with_account),
            ("nobody@example.com", &mut without),
        ] {
            let started = Instant::now();
            request(&app, email).await;
            times.push(started.elapsed());
        }
    }
    let median = |times: &mut Vec<Duration>| {
        times.sort();
        times[times.len() / 2]
    };
    let (a, b) = (median(&mut with_account), median(&mut without));
    let gap = a.abs_diff(b);
    // Identical work: the medians differ by noise only, far below a password hash or a mail.
    assert!(
        gap < Duration::from_millis(5).max(a.max(b) / 2),
        "medians {a:?} and {b:?}"
    );
}
