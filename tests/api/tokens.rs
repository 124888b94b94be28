//! Access tokens that are not ours and current are rejected as UNAUTHENTICATED, never
//! treated as anonymous.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::Utc;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::helpers::{TEST_JWT_SECRET, TestApp, error_code};

fn claims(user_id: &str) -> Value {
    let now = Utc::now().timestamp();
    json!({ "sub": user_id, "email": "x@example.com", "role": "user", "iat": now, "exp": now + 600,
            "iss": "smartsave", "aud": "smartsave-api", "jti": uuid::Uuid::now_v7() })
}

fn sign(claims: &Value, secret: &str, alg: Algorithm) -> String {
    jsonwebtoken::encode(&Header::new(alg), claims, &EncodingKey::from_secret(secret.as_bytes())).expect("sign")
}

async fn me_with(app: &TestApp, authorization: &str) -> (reqwest::StatusCode, Option<String>, Value) {
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .header("authorization", authorization)
        .body(json!({ "query": "{ me { id } }" }).to_string())
        .send()
        .await
        .expect("request");
    let challenge = response
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (response.status(), challenge, response.json().await.expect("json"))
}

#[tokio::test]
async fn a_correctly_signed_current_token_is_accepted() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let (status, challenge, body) = me_with(
        &app,
        &format!("Bearer {}", sign(&claims(&user.id), TEST_JWT_SECRET, Algorithm::HS256)),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(challenge, None);
    assert_eq!(body["data"]["me"]["id"], user.id.as_str());
}

#[tokio::test]
async fn forged_expired_and_malformed_tokens_are_unauthenticated() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let good = claims(&user.id);
    let with = |key: &str, value: Value| {
        let mut c = good.clone();
        c[key] = value;
        c
    };
    let without = |key: &str| {
        let mut c = good.clone();
        c.as_object_mut().expect("object").remove(key);
        c
    };
    let alg_none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(good.to_string())
    );
    let tampered = {
        let token = user.access_token.clone();
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let mut payload: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).expect("b64")).expect("json");
        payload["role"] = json!("admin");
        parts[1] = URL_SAFE_NO_PAD.encode(payload.to_string());
        parts.join(".")
    };
    let now = Utc::now().timestamp();
    let cases = [
        ("tampered payload", format!("Bearer {tampered}")),
        (
            "wrong secret",
            format!(
                "Bearer {}",
                sign(&good, "another-secret-another-secret-0123456789", Algorithm::HS256)
            ),
        ),
        ("alg none", format!("Bearer {alg_none}")),
        (
            "other HMAC algorithm",
            format!("Bearer {}", sign(&good, TEST_JWT_SECRET, Algorithm::HS512)),
        ),
        (
            "expired",
            format!(
                "Bearer {}",
                sign(&with("exp", json!(now - 120)), TEST_JWT_SECRET, Algorithm::HS256)
            ),
        ),
        (
            "exp as a string",
            format!(
                "Bearer {}",
                sign(
                    &with("exp", json!((now + 600).to_string())),
                    TEST_JWT_SECRET,
                    Algorithm::HS256
                )
            ),
        ),
        (
            "no exp",
            format!("Bearer {}", sign(&without("exp"), TEST_JWT_SECRET, Algorithm::HS256)),
        ),
        (
            "wrong issuer",
            format!(
                "Bearer {}",
                sign(&with("iss", json!("evil")), TEST_JWT_SECRET, Algorithm::HS256)
            ),
        ),
        (
            "no issuer",
            format!("Bearer {}", sign(&without("iss"), TEST_JWT_SECRET, Algorithm::HS256)),
        ),
        (
            "wrong audience",
            format!(
                "Bearer {}",
                sign(&with("aud", json!("other-api")), TEST_JWT_SECRET, Algorithm::HS256)
            ),
        ),
        (
            "sub not a uuid",
            format!(
                "Bearer {}",
                sign(&with("sub", json!("1")), TEST_JWT_SECRET, Algorithm::HS256)
            ),
        ),
        ("garbage", "Bearer not.a.jwt".to_owned()),
        ("empty bearer", "Bearer ".to_owned()),
        ("basic scheme", format!("Basic {}", URL_SAFE_NO_PAD.encode("user:pass"))),
        ("token without scheme", user.access_token.clone()),
    ];
    for (name, header) in cases {
        let (status, challenge, body) = me_with(&app, &header).await;
        assert_eq!(status, 200, "{name}");
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "{name}: {body}");
        assert_eq!(
            body["errors"][0]["message"], "Invalid or expired access token",
            "{name}"
        );
        assert_eq!(challenge.as_deref(), Some(r#"Bearer error="invalid_token""#), "{name}");
    }
}

#[tokio::test]
async fn a_token_for_a_deleted_account_is_unauthenticated() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let body = app
        .gql(
            "mutation($p: String!) { deleteAccount(password: $p) }",
            json!({ "p": crate::helpers::PASSWORD }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(body["data"]["deleteAccount"], true);
    let me = app.gql("{ me { id } }", json!({}), Some(&user.access_token)).await;
    assert_eq!(error_code(&me), "UNAUTHENTICATED");
}
