//! The admin role: promoted by the CLI, admin-only queries and mutations (FORBIDDEN to
//! everyone else), disabling an account stops its tokens at once, and nothing an admin sees
//! is anyone's money.

use std::process::Command;

use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, TestUser, error_code, error_fields, test_config};

const USERS: &str = "query($s: String, $a: String, $f: Int) { adminUsers(first: $f, after: $a, search: $s) { totalCount edges { node { id email firstName role emailVerified twoFactorEnabled disabled lastActiveAt } } pageInfo { hasNextPage endCursor } } }";
const STATS: &str = "{ adminStats { users activeLast30Days disabledUsers transactions } }";
const DISABLE: &str = "mutation($id: ID!) { adminDisableUser(id: $id) { id disabled } }";
const ENABLE: &str = "mutation($id: ID!) { adminEnableUser(id: $id) { id disabled } }";

/// A signed-in admin of `app` (promoted as `create-admin` does, then signed in anew).
async fn admin(app: &TestApp) -> TestUser {
    let user = app.register_and_login().await;
    smartsave::admin::service::promote(&app.db, &user.email)
        .await
        .expect("promote");
    let login = app.login(&user.email, PASSWORD).await;
    TestUser {
        access_token: login["data"]["login"]["accessToken"]
            .as_str()
            .expect("token")
            .to_owned(),
        refresh_token: login["data"]["login"]["refreshToken"]
            .as_str()
            .expect("token")
            .to_owned(),
        ..user
    }
}

#[tokio::test]
async fn only_admins_may_use_the_admin_fields() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let other = app.register_and_login().await;
    for (query, variables) in [
        (USERS, json!({})),
        (STATS, json!({})),
        (DISABLE, json!({ "id": other.id })),
        (ENABLE, json!({ "id": other.id })),
    ] {
        let body = app.gql(query, variables.clone(), Some(&user.access_token)).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{query}: {body}");
        let anonymous = app.gql(query, variables, None).await;
        assert_eq!(error_code(&anonymous), "UNAUTHENTICATED", "{query}");
    }
    assert!(app.gql("{ me { id } }", json!({}), Some(&other.access_token)).await["data"]["me"].is_object());
}

#[tokio::test]
async fn admins_list_and_search_accounts_and_count_them_without_any_money() {
    let app = TestApp::spawn().await;
    let boss = admin(&app).await;
    let mut emails = Vec::new();
    for n in 0..3 {
        let body = app
            .gql(
                "mutation($i: RegisterInput!) { register(input: $i) { accessToken } }",
                json!({ "i": { "email": format!("member{n}@example.com"), "password": PASSWORD,
                               "firstName": format!("Zed{n}"), "lastName": "Member" } }),
                None,
            )
            .await;
        let token = body["data"]["register"]["accessToken"]
            .as_str()
            .expect("token")
            .to_owned();
        app.gql(
            "mutation($i: CreateTransactionInput!) { createTransaction(input: $i) { id } }",
            json!({ "i": { "amount": "12.34", "type": "EXPENSE", "description": "Lunch", "transactionDate": "2026-11-01" } }),
            Some(&token),
        )
        .await;
        emails.push(format!("member{n}@example.com"));
    }
    let page = app.gql(USERS, json!({ "f": 2 }), Some(&boss.access_token)).await;
    let users = &page["data"]["adminUsers"];
    assert_eq!(users["totalCount"], 4, "{page}");
    let first: Vec<&str> = users["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["email"].as_str().expect("email"))
        .collect();
    assert_eq!(first, ["member2@example.com", "member1@example.com"], "newest first");
    let after = users["pageInfo"]["endCursor"].as_str().expect("cursor");
    let rest = app
        .gql(USERS, json!({ "f": 2, "a": after }), Some(&boss.access_token))
        .await;
    let rest: Vec<&str> = rest["data"]["adminUsers"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["email"].as_str().expect("email"))
        .collect();
    assert_eq!(rest, ["member0@example.com", boss.email.as_str()]);

    let found = app.gql(USERS, json!({ "s": "zED1" }), Some(&boss.access_token)).await;
    let found = &found["data"]["adminUsers"];
    assert_eq!(found["totalCount"], 1, "names match in any case");
    assert_eq!(found["edges"][0]["node"]["email"], "member1@example.com");
    let literal = app.gql(USERS, json!({ "s": "%" }), Some(&boss.access_token)).await;
    assert_eq!(
        literal["data"]["adminUsers"]["totalCount"], 0,
        "% is a character, not a wildcard"
    );

    let stats = app.gql(STATS, json!({}), Some(&boss.access_token)).await;
    assert_eq!(
        stats["data"]["adminStats"],
        json!({ "users": 4, "activeLast30Days": 4, "disabledUsers": 0, "transactions": 3 })
    );
    // No admin type has a field of money: amounts, balances, budgets, transactions.
    let sdl = smartsave::api::schema::sdl();
    for type_name in ["AdminUser", "AdminStats"] {
        let start = sdl.find(&format!("type {type_name} {{")).expect("the type");
        let body = &sdl[start..start + sdl[start..].find('}').expect("end")];
        // Field lines ("\tname: Type"), not their descriptions.
        let fields: Vec<&str> = body
            .lines()
            .map(str::trim)
            .filter(|l| l.contains(": ") && !l.starts_with('"') && l.chars().next().is_some_and(char::is_lowercase))
            .collect();
        assert!(!fields.is_empty(), "{body}");
        for field in fields {
            for word in [
                "Decimal",
                "Money",
                "Transaction",
                "Budget",
                "Account",
                "Goal",
                "amount",
                "balance",
                "income",
            ] {
                assert!(!field.contains(word), "{type_name} exposes {word}: {field}");
            }
        }
    }
}

#[tokio::test]
async fn a_disabled_account_is_refused_at_once_and_can_be_enabled_again() {
    let app = TestApp::spawn().await;
    let boss = admin(&app).await;
    let user = app.register_and_login().await;
    assert!(app.gql("{ me { id } }", json!({}), Some(&user.access_token)).await["data"]["me"].is_object());

    let disabled = app
        .gql(DISABLE, json!({ "id": user.id }), Some(&boss.access_token))
        .await;
    assert_eq!(disabled["data"]["adminDisableUser"]["disabled"], true, "{disabled}");
    assert_eq!(
        error_code(&app.gql("{ me { id } }", json!({}), Some(&user.access_token)).await),
        "UNAUTHENTICATED"
    );
    assert_eq!(error_code(&app.refresh(&user.refresh_token).await), "UNAUTHENTICATED");
    let login = app.login(&user.email, PASSWORD).await;
    assert_eq!(error_code(&login), "UNAUTHENTICATED");
    assert!(
        login["errors"][0]["message"]
            .as_str()
            .expect("message")
            .contains("disabled")
    );
    let stats = app.gql(STATS, json!({}), Some(&boss.access_token)).await;
    assert_eq!(stats["data"]["adminStats"]["disabledUsers"], 1);

    let own = app
        .gql(DISABLE, json!({ "id": boss.id }), Some(&boss.access_token))
        .await;
    assert_eq!(error_fields(&own), ["id"], "not yourself");
    let unknown = app
        .gql(
            DISABLE,
            json!({ "id": uuid::Uuid::now_v7().to_string() }),
            Some(&boss.access_token),
        )
        .await;
    assert_eq!(error_code(&unknown), "NOT_FOUND");

    let enabled = app
        .gql(ENABLE, json!({ "id": user.id }), Some(&boss.access_token))
        .await;
    assert_eq!(enabled["data"]["adminEnableUser"]["disabled"], false);
    let login = app.login(&user.email, PASSWORD).await;
    let token = login["data"]["login"]["accessToken"].as_str().expect("signs in again");
    assert!(app.gql("{ me { id } }", json!({}), Some(token)).await["data"]["me"].is_object());
}

#[tokio::test]
async fn create_admin_promotes_an_account_from_the_command_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("admin.db").display());
    let run = |email: &str| {
        Command::new(env!("CARGO_BIN_EXE_smartsave"))
            .args(["create-admin", email])
            .env("DATABASE_URL", &url)
            .env_remove("APP_ENV")
            .env_remove("JWT_SECRET")
            .output()
            .expect("run")
    };
    let missing = run("nobody@example.com");
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no account uses nobody@example.com"));

    let config = test_config(&[("DATABASE_URL", url.as_str())]);
    let app = smartsave::Application::build(config).await.expect("app");
    let addr = app.local_addr().expect("addr");
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    let gql = |query: &'static str, variables: Value, token: Option<String>| {
        let client = reqwest::Client::new();
        async move {
            let mut request = client
                .post(format!("http://{addr}/graphql"))
                .json(&json!({ "query": query, "variables": variables }));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            request
                .send()
                .await
                .expect("request")
                .json::<Value>()
                .await
                .expect("json")
        }
    };
    let registered = gql(
        "mutation($i: RegisterInput!) { register(input: $i) { accessToken } }",
        json!({ "i": { "email": "chief@example.com", "password": PASSWORD, "firstName": "C", "lastName": "H" } }),
        None,
    )
    .await;
    let before = registered["data"]["register"]["accessToken"]
        .as_str()
        .expect("token")
        .to_owned();
    assert_eq!(error_code(&gql(STATS, json!({}), Some(before)).await), "FORBIDDEN");

    let promoted = run("Chief@Example.com");
    assert!(
        promoted.status.success(),
        "{}",
        String::from_utf8_lossy(&promoted.stderr)
    );
    assert!(String::from_utf8_lossy(&promoted.stdout).contains("chief@example.com is now an admin"));
    let login = gql(
        "mutation($i: LoginInput!) { login(input: $i) { accessToken user { role } } }",
        json!({ "i": { "email": "chief@example.com", "password": PASSWORD } }),
        None,
    )
    .await;
    assert_eq!(login["data"]["login"]["user"]["role"], "ADMIN");
    let token = login["data"]["login"]["accessToken"]
        .as_str()
        .expect("token")
        .to_owned();
    assert_eq!(
        gql(STATS, json!({}), Some(token)).await["data"]["adminStats"]["users"],
        1
    );
}
