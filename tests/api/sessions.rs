//! The sessions list and revocation: each sign-in is a session with where it was used, and a
//! revoked session's refresh and access tokens stop working at once.

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, error_code};

const SESSIONS: &str = "{ sessions { id createdAt lastUsedAt userAgent clientAddress current } }";

/// A GraphQL request sent with a `User-Agent`.
async fn gql_as(app: &TestApp, agent: &str, query: &str, variables: Value, token: Option<&str>) -> Value {
    let mut request = app
        .client
        .post(app.url("/graphql"))
        .header(CONTENT_TYPE, "application/json")
        .header(ACCEPT, "application/json")
        .header(USER_AGENT, agent)
        .body(json!({ "query": query, "variables": variables }).to_string());
    if let Some(token) = token {
        request = request.header(AUTHORIZATION, format!("Bearer {token}"));
    }
    request.send().await.expect("request").json().await.expect("json")
}

/// Signs in from `agent`; returns (access, refresh).
async fn sign_in(app: &TestApp, agent: &str, email: &str) -> (String, String) {
    let body = gql_as(
        app,
        agent,
        "mutation($i: LoginInput!) { login(input: $i) { accessToken refreshToken } }",
        json!({ "i": { "email": email, "password": PASSWORD } }),
        None,
    )
    .await;
    let login = &body["data"]["login"];
    let token = |name: &str| login[name].as_str().unwrap_or_else(|| panic!("{body}")).to_owned();
    (token("accessToken"), token("refreshToken"))
}

fn sessions(body: &Value) -> Vec<Value> {
    body["data"]["sessions"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .clone()
}

#[tokio::test]
async fn each_sign_in_is_a_session_showing_its_device_and_the_current_one() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let (phone, _) = sign_in(&app, "Phone/1.0", &user.email).await;
    let (laptop, laptop_refresh) = sign_in(&app, "Laptop/2.0", &user.email).await;

    let listed = sessions(&app.gql(SESSIONS, json!({}), Some(&phone)).await);
    assert_eq!(listed.len(), 3, "registration, phone and laptop: {listed:?}");
    let agents: Vec<&str> = listed.iter().filter_map(|s| s["userAgent"].as_str()).collect();
    assert_eq!(agents, ["Laptop/2.0", "Phone/1.0"], "most recently used first");
    let current: Vec<&Value> = listed.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["userAgent"], "Phone/1.0");
    assert_eq!(current[0]["clientAddress"], "127.0.0.1");

    // A refresh moves the session's last use and records the refreshing client.
    let before = listed
        .iter()
        .find(|s| s["userAgent"] == "Laptop/2.0")
        .expect("laptop")
        .clone();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let refreshed = gql_as(
        &app,
        "Laptop/2.1",
        "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }",
        json!({ "t": laptop_refresh }),
        None,
    )
    .await;
    assert!(refreshed["data"]["refreshToken"].is_object(), "{refreshed}");
    let after = sessions(&app.gql(SESSIONS, json!({}), Some(&laptop)).await);
    let laptop_session = after.iter().find(|s| s["id"] == before["id"]).expect("same session");
    assert_eq!(laptop_session["userAgent"], "Laptop/2.1");
    assert_eq!(laptop_session["createdAt"], before["createdAt"]);
    assert!(laptop_session["lastUsedAt"].as_str() > before["lastUsedAt"].as_str());
    assert_eq!(after.len(), 3, "a refresh is the same session");
}

#[tokio::test]
async fn a_revoked_session_stops_its_refresh_and_access_tokens_at_once() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let (phone, phone_refresh) = sign_in(&app, "Phone/1.0", &user.email).await;
    // The phone's access token works (and is cached as live).
    assert!(app.gql("{ me { id } }", json!({}), Some(&phone)).await["data"]["me"].is_object());

    let listed = sessions(&app.gql(SESSIONS, json!({}), Some(&user.access_token)).await);
    let phone_id = listed.iter().find(|s| s["userAgent"] == "Phone/1.0").expect("phone")["id"].clone();
    let revoke = "mutation($id: ID!) { revokeSession(id: $id) }";
    let revoked = app
        .gql(revoke, json!({ "id": phone_id }), Some(&user.access_token))
        .await;
    assert_eq!(revoked["data"]["revokeSession"], true, "{revoked}");

    let me = app.gql("{ me { id } }", json!({}), Some(&phone)).await;
    assert_eq!(error_code(&me), "UNAUTHENTICATED", "the access token stopped at once");
    assert_eq!(error_code(&app.refresh(&phone_refresh).await), "UNAUTHENTICATED");
    assert!(app.gql("{ me { id } }", json!({}), Some(&user.access_token)).await["data"]["me"].is_object());
    let left = sessions(&app.gql(SESSIONS, json!({}), Some(&user.access_token)).await);
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["current"], true);

    let again = app
        .gql(revoke, json!({ "id": phone_id }), Some(&user.access_token))
        .await;
    assert_eq!(error_code(&again), "NOT_FOUND", "already ended");
}

#[tokio::test]
async fn another_users_session_cannot_be_seen_or_revoked() {
    let app = TestApp::spawn().await;
    let ann = app.register_and_login().await;
    let bob = app.register_and_login().await;
    let bobs = sessions(&app.gql(SESSIONS, json!({}), Some(&bob.access_token)).await);
    assert_eq!(bobs.len(), 1);
    let anns = sessions(&app.gql(SESSIONS, json!({}), Some(&ann.access_token)).await);
    assert!(anns.iter().all(|s| s["id"] != bobs[0]["id"]));

    let revoke = "mutation($id: ID!) { revokeSession(id: $id) }";
    let attempt = app
        .gql(revoke, json!({ "id": bobs[0]["id"] }), Some(&ann.access_token))
        .await;
    assert_eq!(error_code(&attempt), "NOT_FOUND");
    let malformed = app.gql(revoke, json!({ "id": "nope" }), Some(&ann.access_token)).await;
    assert_eq!(error_code(&malformed), "NOT_FOUND");
    assert!(app.gql("{ me { id } }", json!({}), Some(&bob.access_token)).await["data"]["me"].is_object());
    assert_eq!(error_code(&app.gql(SESSIONS, json!({}), None).await), "UNAUTHENTICATED");
}

#[tokio::test]
async fn logging_out_and_changing_the_password_stop_access_tokens_too() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let (phone, phone_refresh) = sign_in(&app, "Phone/1.0", &user.email).await;
    assert!(app.gql("{ me { id } }", json!({}), Some(&phone)).await["data"]["me"].is_object());
    let logout = app
        .gql(
            "mutation($t: String!) { logout(refreshToken: $t) }",
            json!({ "t": phone_refresh }),
            None,
        )
        .await;
    assert_eq!(logout["data"]["logout"], true);
    let me = app.gql("{ me { id } }", json!({}), Some(&phone)).await;
    assert_eq!(
        error_code(&me),
        "UNAUTHENTICATED",
        "logged out: the access token stopped"
    );

    let (laptop, _) = sign_in(&app, "Laptop/2.0", &user.email).await;
    assert!(app.gql("{ me { id } }", json!({}), Some(&laptop)).await["data"]["me"].is_object());
    let changed = app
        .gql(
            "mutation($i: ChangePasswordInput!) { changePassword(input: $i) }",
            json!({ "i": { "currentPassword": PASSWORD, "newPassword": "Other-horse4" } }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(changed["data"]["changePassword"], true, "{changed}");
    let me = app.gql("{ me { id } }", json!({}), Some(&laptop)).await;
    assert_eq!(
        error_code(&me),
        "UNAUTHENTICATED",
        "every session ended with the password change"
    );
}

#[tokio::test]
async fn a_session_revoked_on_one_instance_stops_on_another_within_the_sync_interval() {
    let first = TestApp::spawn_with(&[("SESSION_SYNC_INTERVAL", "200ms")]).await;
    let second = first.instance(&[("SESSION_SYNC_INTERVAL", "200ms")]).await;
    let user = first.register_and_login().await;
    let (phone, _) = sign_in(&first, "Phone/1.0", &user.email).await;
    assert!(second.gql("{ me { id } }", json!({}), Some(&phone)).await["data"]["me"].is_object());

    let listed = sessions(&first.gql(SESSIONS, json!({}), Some(&user.access_token)).await);
    let phone_id = listed.iter().find(|s| s["userAgent"] == "Phone/1.0").expect("phone")["id"].clone();
    let revoke = "mutation($id: ID!) { revokeSession(id: $id) }";
    first
        .gql(revoke, json!({ "id": phone_id }), Some(&user.access_token))
        .await;

    let mut refused = false;
    for _ in 0..50 {
        let me = second.gql("{ me { id } }", json!({}), Some(&phone)).await;
        if me.get("errors").is_some() {
            assert_eq!(error_code(&me), "UNAUTHENTICATED");
            refused = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(refused, "the other instance refused the token within 5 s");
    assert!(second.gql("{ me { id } }", json!({}), Some(&user.access_token)).await["data"]["me"].is_object());
}
