//! Nested fields are batched: the number of SQL statements a nested query runs does not
//! grow with the number of budgets, categories or transactions.

use chrono::{NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Value, json};
use smartsave::foundation::entities::transactions::{self, Cleared, TransactionType};
use uuid::Uuid;

use crate::helpers::{TestApp, create_budget};

const NESTED: &str = "{ budgets(first: 50) { nodes { spent categories { spent budget { id } transactions(first: 20) { nodes { id category { name } } } } } } savingsGoals { nodes { progress { percentComplete } milestones { reached } } } }";

/// A user with `budgets` budgets of 3 categories, 4 expenses per category, and 2 goals.
/// Returns the access token.
async fn user_with(app: &TestApp, budgets: usize) -> String {
    let user = app.register_and_login().await;
    let user_id: Uuid = user.id.parse().expect("uuid");
    let account_id = app.default_account(user_id).await;
    let day = NaiveDate::from_ymd_opt(2026, 11, 10).expect("date");
    for b in 0..budgets {
        let budget = create_budget(
            app,
            &user.access_token,
            json!({ "name": format!("Budget {b}"), "amount": "900.00", "period": "MONTHLY", "startDate": "2026-11-01", "endDate": "2026-11-30",
                    "categories": [{ "name": "A", "amount": "300.00" }, { "name": "B", "amount": "300.00" }, { "name": "C", "amount": "300.00" }] }),
        )
        .await;
        for category in budget["categories"].as_array().expect("categories") {
            let category_id: Uuid = category["id"].as_str().expect("id").parse().expect("uuid");
            for _ in 0..4 {
                let now = Utc::now();
                transactions::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    user_id: Set(user_id),
                    currency: Set("USD".into()),
                    account_id: Set(account_id),
                    cleared: Set(Cleared::Uncleared),
                    payee: Set(None),
                    transfer_id: Set(None),
                    has_splits: Set(false),
                    budget_category_id: Set(Some(category_id)),
                    amount: Set(1_000),
                    description: Set("Expense".into()),
                    transaction_date: Set(day),
                    kind: Set(TransactionType::Expense),
                    search_text: sea_orm::ActiveValue::NotSet,
                    import_batch_id: sea_orm::ActiveValue::NotSet,
                    matched_batch_id: sea_orm::ActiveValue::NotSet,
                    import_id: sea_orm::ActiveValue::NotSet,
                    edited_fields: sea_orm::ActiveValue::NotSet,
                    created_at: Set(now),
                    updated_at: Set(now),
                }
                .insert(&app.db)
                .await
                .expect("transaction");
            }
        }
    }
    for name in ["Bike", "Trip"] {
        let body = app
            .gql(
                "mutation($n: String!) { createSavingsGoal(input: { name: $n, targetAmount: \"100.00\", initialAmount: \"30.00\" }) { id } }",
                json!({ "n": name }),
                Some(&user.access_token),
            )
            .await;
        assert!(body["data"]["createSavingsGoal"].is_object(), "{body}");
    }
    user.access_token
}

async fn nested(app: &TestApp, token: &str) -> (Value, u64) {
    app.statements_during(app.gql(NESTED, json!({}), Some(token))).await
}

#[tokio::test]
async fn the_nested_query_runs_the_same_few_statements_for_1_and_20_budgets() {
    let app = TestApp::spawn().await;
    let one = user_with(&app, 1).await;
    let twenty = user_with(&app, 20).await;

    let (small, small_statements) = nested(&app, &one).await;
    let (large, large_statements) = nested(&app, &twenty).await;

    // The answers are complete and right, so the count is of real work.
    for (body, budgets) in [(&small, 1), (&large, 20)] {
        assert!(body.get("errors").is_none(), "{body}");
        let nodes = body["data"]["budgets"]["nodes"].as_array().expect("budgets");
        assert_eq!(nodes.len(), budgets);
        for budget in nodes {
            assert_eq!(budget["spent"], "120.00");
            for category in budget["categories"].as_array().expect("categories") {
                assert_eq!(category["spent"], "40.00");
                assert_eq!(category["transactions"]["nodes"].as_array().map(Vec::len), Some(4));
                assert!(category["budget"]["id"].is_string());
            }
        }
        let goals = body["data"]["savingsGoals"]["nodes"].as_array().expect("goals");
        assert_eq!(goals.len(), 2);
        assert_eq!(goals[0]["progress"]["percentComplete"], 30.0);
        assert_eq!(goals[0]["milestones"][0]["reached"], true);
    }

    assert_eq!(
        small_statements, large_statements,
        "statements must not grow with the data"
    );
    // the budgets and goals pages (one combined read), budget spent, categories, category
    // spent, category->budget, category transactions, transaction->category, milestones, and
    // the caller's time zone (for goal progress).
    assert!(large_statements <= 9, "{large_statements} statements");
}
