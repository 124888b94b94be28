//! The identity lifecycle end to end through HTTP and a real SMTP server on loopback: email
//! verification and change of address (this file), password reset, sessions, two-factor
//! sign-in and the admin role (the files beside it).

use sea_orm::{ConnectionTrait, EntityTrait, sea_query::Expr};
use serde_json::{Value, json};
use smartsave::foundation::entities::{outbound_emails, user_tokens};

use crate::helpers::{PASSWORD, TestApp, error_code, error_fields};
use crate::smtp::SmtpSink;

/// A server running jobs that sends its mail to a fresh SMTP sink.
pub async fn mail_app(vars: &[(&str, &str)]) -> (TestApp, SmtpSink) {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let mut all = vec![
        ("SMTP_URL", url.as_str()),
        ("MAIL_POLL_INTERVAL", "200ms"),
        ("APP_URL", "https://app.test"),
    ];
    all.extend_from_slice(vars);
    (TestApp::spawn_with_jobs(&all).await, sink)
}

/// Registers `email` and returns its access token.
pub async fn register(app: &TestApp, email: &str) -> String {
    let body = app.register(email, PASSWORD).await;
    body["data"]["register"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("registration failed: {body}"))
        .to_owned()
}

async fn me(app: &TestApp, token: &str) -> Value {
    app.gql("{ me { email emailVerified } }", json!({}), Some(token)).await["data"]["me"].clone()
}

async fn verify(app: &TestApp, token: &str) -> Value {
    app.gql(
        "mutation($t: String!) { verifyEmail(token: $t) { email emailVerified } }",
        json!({ "t": token }),
        None,
    )
    .await
}

#[tokio::test]
async fn registration_mails_a_link_that_verifies_the_address_once() {
    let (app, sink) = mail_app(&[]).await;
    let access = register(&app, "ann@example.com").await;
    assert_eq!(me(&app, &access).await["emailVerified"], false);

    let mail = sink.wait_for("ann@example.com", 1).await;
    assert_eq!(mail[0].subject(), "Confirm your email address");
    assert!(
        mail[0].body.contains("https://app.test/verify-email?token="),
        "{}",
        mail[0].body
    );
    assert!(mail[0].body.contains("Content-Type: text/html"), "an HTML part");
    assert!(mail[0].body.contains("Content-Type: text/plain"), "a plain-text part");
    let token = mail[0].token();
    // Only the hash is stored.
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM user_tokens WHERE token_hash = '{token}'"
        ))
        .await,
        0
    );

    let verified = verify(&app, &token).await;
    assert_eq!(
        verified["data"]["verifyEmail"],
        json!({ "email": "ann@example.com", "emailVerified": true })
    );
    assert_eq!(me(&app, &access).await["emailVerified"], true);

    let again = verify(&app, &token).await;
    assert_eq!(error_code(&again), "BAD_USER_INPUT", "a token works once: {again}");
    assert_eq!(error_fields(&again), ["token"]);
    let unknown = verify(&app, "not-a-token").await;
    assert_eq!(error_code(&unknown), "BAD_USER_INPUT");
    // The bodies of sent mail are cleared: they held the link.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbound_emails WHERE sent_at IS NOT NULL AND text_body IS NULL")
            .await,
        1
    );
}

#[tokio::test]
async fn an_expired_link_does_not_verify() {
    let (app, sink) = mail_app(&[]).await;
    let access = register(&app, "late@example.com").await;
    let token = sink.wait_for("late@example.com", 1).await[0].token();
    user_tokens::Entity::update_many()
        .col_expr(
            user_tokens::Column::ExpiresAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::minutes(1)),
        )
        .exec(&app.db)
        .await
        .expect("expire the token");
    assert_eq!(error_code(&verify(&app, &token).await), "BAD_USER_INPUT");
    assert_eq!(me(&app, &access).await["emailVerified"], false);
}

#[tokio::test]
async fn a_resent_link_replaces_the_earlier_one_and_resending_is_rate_limited() {
    let (app, sink) = mail_app(&[]).await;
    let access = register(&app, "bo@example.com").await;
    let first = sink.wait_for("bo@example.com", 1).await[0].token();
    let resend = "mutation { resendVerification }";
    assert_eq!(
        app.gql(resend, json!({}), Some(&access)).await["data"]["resendVerification"],
        true
    );
    let second = sink.wait_for("bo@example.com", 2).await[1].token();
    assert_ne!(first, second);
    assert_eq!(
        error_code(&verify(&app, &first).await),
        "BAD_USER_INPUT",
        "the earlier link stopped working"
    );
    assert_eq!(
        verify(&app, &second).await["data"]["verifyEmail"]["emailVerified"],
        true
    );
    // Verified: nothing more to send.
    assert_eq!(
        app.gql(resend, json!({}), Some(&access)).await["data"]["resendVerification"],
        false
    );
    // Three mail requests a minute per account (the default quota), then RATE_LIMITED.
    assert_eq!(
        app.gql(resend, json!({}), Some(&access)).await["data"]["resendVerification"],
        false
    );
    let limited = app.post_graphql(json!({ "query": resend }), Some(&access)).await;
    let limited: Value = limited.json().await.expect("json");
    assert_eq!(error_code(&limited), "RATE_LIMITED", "{limited}");
}

#[tokio::test]
async fn a_new_address_takes_effect_only_once_its_link_is_followed() {
    let (app, sink) = mail_app(&[]).await;
    let access = register(&app, "cy@example.com").await;
    register(&app, "taken@example.com").await;
    let change = |email: &str, password: &str| json!({ "input": { "newEmail": email, "password": password } });
    let mutation = "mutation($input: ChangeEmailInput!) { changeEmail(input: $input) }";

    let wrong = app
        .gql(mutation, change("new@example.com", "Wrong-pass1"), Some(&access))
        .await;
    assert_eq!(error_code(&wrong), "BAD_USER_INPUT");
    assert_eq!(error_fields(&wrong), ["input.password"]);
    let taken = app
        .gql(mutation, change("taken@example.com", PASSWORD), Some(&access))
        .await;
    assert_eq!(error_code(&taken), "CONFLICT");

    let ok = app
        .gql(mutation, change("New@Example.com", PASSWORD), Some(&access))
        .await;
    assert_eq!(ok["data"]["changeEmail"], true, "{ok}");
    let link = sink.wait_for("new@example.com", 1).await;
    assert_eq!(link[0].subject(), "Confirm your new email address");
    // The old address is told, without the new one spelled out.
    let notice = sink.wait_for("cy@example.com", 2).await;
    let notice = notice
        .iter()
        .find(|m| m.subject().contains("about to change"))
        .expect("a notice");
    assert!(notice.body.contains("n***@example.com") && !notice.body.contains("new@example.com"));
    assert!(!notice.body.contains("?token="), "the notice carries no link");
    assert_eq!(
        me(&app, &access).await["email"],
        "cy@example.com",
        "nothing changes before the link"
    );

    let verified = verify(&app, &link[0].token()).await;
    assert_eq!(
        verified["data"]["verifyEmail"],
        json!({ "email": "new@example.com", "emailVerified": true })
    );
    assert!(app.login("new@example.com", PASSWORD).await["data"]["login"].is_object());
    assert_eq!(
        error_code(&app.login("cy@example.com", PASSWORD).await),
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn without_smtp_mail_is_written_to_the_outbox_directory() {
    let outbox = tempfile::tempdir().expect("temp dir");
    let dir = outbox.path().display().to_string();
    let app = TestApp::spawn_with_jobs(&[("MAIL_OUTBOX_DIR", dir.as_str()), ("MAIL_POLL_INTERVAL", "200ms")]).await;
    register(&app, "local@example.com").await;
    let mut files = Vec::new();
    for _ in 0..100 {
        files = std::fs::read_dir(outbox.path())
            .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        if !files.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(files.len(), 1, "one .eml file");
    assert_eq!(files[0].extension().and_then(|e| e.to_str()), Some("eml"));
    let message = std::fs::read_to_string(&files[0]).expect("read the message");
    assert!(message.contains("To: local@example.com"), "{message}");
    assert!(message.contains("verify-email"), "{message}");
}

#[tokio::test]
async fn a_refused_delivery_is_retried_later_and_then_arrives() {
    let (app, sink) = mail_app(&[]).await;
    sink.refuse_next(1);
    register(&app, "retry@example.com").await;
    // The refusal is recorded with the time of the next attempt (30 s later).
    let mut recorded = 0;
    for _ in 0..100 {
        recorded = app
            .count("SELECT COUNT(*) FROM outbound_emails WHERE attempts = 1 AND last_error IS NOT NULL AND sent_at IS NULL")
            .await;
        if recorded == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(recorded, 1, "the failed attempt is recorded");
    assert!(sink.to("retry@example.com").is_empty());
    let row = outbound_emails::Entity::find()
        .one(&app.db)
        .await
        .expect("query")
        .expect("the mail");
    let wait = row.next_attempt_at - chrono::Utc::now();
    assert!(
        wait > chrono::Duration::seconds(20),
        "the retry waits about 30 s, not {wait}"
    );
    // Bring the retry forward rather than wait 30 s: the mail clock picks it up.
    app.db
        .execute_unprepared("UPDATE outbound_emails SET next_attempt_at = created_at")
        .await
        .expect("make the retry due");
    let mail = sink.wait_for("retry@example.com", 1).await;
    assert_eq!(mail.len(), 1, "sent once");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbound_emails WHERE attempts = 2 AND sent_at IS NOT NULL")
            .await,
        1
    );
}
