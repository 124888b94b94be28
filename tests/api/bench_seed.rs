//! The benchmark dataset is exactly what BENCHMARKS.md says, and its users can sign in.

use serde_json::json;
use smartsave::app::bench_seed::{BENCH_PASSWORD, seed};

use crate::helpers::TestApp;

#[tokio::test]
async fn seed_bench_loads_the_documented_dataset_and_replaces_itself() {
    let app = TestApp::spawn().await;
    let bystander = app.register_and_login().await;
    for _ in 0..2 {
        seed(&app.db, 3).await.expect("seed");
    }
    // Seeding twice replaces the first run; other accounts are untouched.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE last_name = 'Bench'").await,
        3
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users").await,
        4,
        "the bystander (user-...@example.com) survives"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM budgets").await, 9);
    assert_eq!(app.count("SELECT COUNT(*) FROM budget_categories").await, 45);
    assert_eq!(app.count("SELECT COUNT(*) FROM transactions").await, 600);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM transactions WHERE type = 'income' AND budget_category_id IS NULL")
            .await,
        60
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM transactions WHERE type = 'expense' AND budget_category_id IS NOT NULL")
            .await,
        540
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM savings_goals").await, 12);
    // Expenses spread evenly: every category gets 12 of a user's 180.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM (SELECT budget_category_id FROM transactions WHERE budget_category_id IS NOT NULL GROUP BY budget_category_id HAVING COUNT(*) = 12) even").await,
        45
    );
    assert!(app.gql("{ me { id } }", json!({}), Some(&bystander.access_token)).await["data"]["me"].is_object());

    let login = app.login("user2@example.com", BENCH_PASSWORD).await;
    let token = login["data"]["login"]["accessToken"]
        .as_str()
        .expect("the documented password works")
        .to_owned();
    let body = app
        .gql(
            "{ budgets { totalCount } transactions { totalCount } savingsGoals { totalCount } }",
            json!({}),
            Some(&token),
        )
        .await;
    assert_eq!(
        body["data"],
        json!({ "budgets": { "totalCount": 3 }, "transactions": { "totalCount": 200 }, "savingsGoals": { "totalCount": 4 } })
    );
}
