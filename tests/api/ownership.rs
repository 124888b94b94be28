//! No user ever sees or touches another user's data: another user's id behaves exactly
//! like a random id, for every query, mutation and nested field.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, TestUser, create_budget, create_transaction, error_code};

/// What the owner has: one of everything.
struct Owned {
    budget: String,
    category: String,
    transaction: String,
    goal: String,
    account: String,
}

async fn owner_with_data(app: &TestApp) -> (TestUser, Owned) {
    let owner = app.register_and_login().await;
    let budget = create_budget(
        app,
        &owner.access_token,
        json!({ "name": "November", "amount": "500.00", "period": "MONTHLY", "startDate": "2026-11-01", "endDate": "2026-11-30",
                "categories": [{ "name": "Food", "amount": "200.00" }] }),
    )
    .await;
    let category = budget["categories"][0]["id"].as_str().expect("category").to_owned();
    let transaction = create_transaction(
        app,
        &owner.access_token,
        json!({ "amount": "20.00", "description": "Groceries", "transactionDate": "2026-11-05", "type": "EXPENSE", "categoryId": category }),
    )
    .await;
    let goal = app
        .gql(
            "mutation { createSavingsGoal(input: { name: \"Bike\", targetAmount: \"800.00\", initialAmount: \"100.00\" }) { id } }",
            json!({}),
            Some(&owner.access_token),
        )
        .await["data"]["createSavingsGoal"]["id"]
        .as_str()
        .expect("goal")
        .to_owned();
    let budget = budget["id"].as_str().expect("budget").to_owned();
    let account = app
        .gql(
            "mutation { createAccount(input: { name: \"Savings\", kind: SAVINGS, openingBalance: \"900.00\" }) { id } }",
            json!({}),
            Some(&owner.access_token),
        )
        .await["data"]["createAccount"]["id"]
        .as_str()
        .expect("account")
        .to_owned();
    (
        owner,
        Owned {
            budget,
            category,
            transaction,
            goal,
            account,
        },
    )
}

/// The error an operation gives for `id`, without positions (they differ per document).
async fn error_for(app: &TestApp, token: &str, query: &str, id: &str) -> Value {
    let body = app.gql(query, json!({ "id": id }), Some(token)).await;
    let mut error = body["errors"][0].clone();
    error.as_object_mut().map(|e| e.remove("locations"));
    error
}

#[tokio::test]
async fn another_users_objects_are_invisible_to_single_object_queries() {
    let app = TestApp::spawn().await;
    let (_, owned) = owner_with_data(&app).await;
    let intruder = app.register_and_login().await;
    let cases = [
        ("query($id: ID!) { budget(id: $id) { id } }", "budget", &owned.budget),
        (
            "query($id: ID!) { budgetCategory(id: $id) { id } }",
            "budgetCategory",
            &owned.category,
        ),
        (
            "query($id: ID!) { transaction(id: $id) { id } }",
            "transaction",
            &owned.transaction,
        ),
        (
            "query($id: ID!) { savingsGoal(id: $id) { id } }",
            "savingsGoal",
            &owned.goal,
        ),
        ("query($id: ID!) { account(id: $id) { id } }", "account", &owned.account),
        ("query($id: ID!) { node(id: $id) { id } }", "node", &owned.account),
    ];
    for (query, field, id) in cases {
        let body = app.gql(query, json!({ "id": id }), Some(&intruder.access_token)).await;
        assert_eq!(body["data"][field], Value::Null, "{field}: {body}");
        assert!(body.get("errors").is_none(), "{field}: {body}");
    }
}

#[tokio::test]
async fn lists_and_filters_never_include_another_users_rows() {
    let app = TestApp::spawn().await;
    let (_, owned) = owner_with_data(&app).await;
    let intruder = app.register_and_login().await;
    let body = app
        .gql(
            "query($c: ID, $b: ID, $a: ID) {
               accounts(includeArchived: true) { id name }
               byAccount: transactions(filter: { accountId: $a }) { totalCount }
               budgets { totalCount nodes { id } }
               savingsGoals { totalCount nodes { id } }
               all: transactions { totalCount nodes { id } }
               byCategory: transactions(filter: { categoryId: $c }) { totalCount }
               byBudget: transactions(filter: { budgetId: $b }) { totalCount }
               achievements { type }
             }",
            json!({ "c": owned.category, "b": owned.budget, "a": owned.account }),
            Some(&intruder.access_token),
        )
        .await;
    let data = &body["data"];
    for list in ["budgets", "savingsGoals", "all"] {
        assert_eq!(data[list]["totalCount"], 0, "{list}: {body}");
        assert_eq!(data[list]["nodes"], json!([]), "{list}");
    }
    assert_eq!(data["byCategory"]["totalCount"], 0);
    assert_eq!(data["byBudget"]["totalCount"], 0);
    assert_eq!(data["byAccount"]["totalCount"], 0);
    assert_eq!(data["achievements"], json!([]));
    // Only the intruder's own account, opened at registration.
    assert_eq!(data["accounts"].as_array().map(Vec::len), Some(1), "{body}");
    assert_eq!(data["accounts"][0]["name"], "Main");
}

#[tokio::test]
async fn mutations_on_another_users_objects_fail_exactly_like_on_random_ids() {
    let app = TestApp::spawn().await;
    let (owner, owned) = owner_with_data(&app).await;
    let intruder = app.register_and_login().await;
    let random = Uuid::now_v7().to_string();
    let cases = [
        (
            "mutation($id: ID!) { updateBudget(id: $id, input: { name: \"Mine\" }) { id } }",
            &owned.budget,
        ),
        ("mutation($id: ID!) { deleteBudget(id: $id) }", &owned.budget),
        (
            "mutation($id: ID!) { addBudgetCategory(budgetId: $id, input: { name: \"X\", amount: \"1.00\" }) { id } }",
            &owned.budget,
        ),
        (
            "mutation($id: ID!) { updateBudgetCategory(id: $id, input: { amount: \"1.00\" }) { id } }",
            &owned.category,
        ),
        ("mutation($id: ID!) { deleteBudgetCategory(id: $id) }", &owned.category),
        (
            "mutation($id: ID!) { updateTransaction(id: $id, input: { amount: \"1.00\" }) { id } }",
            &owned.transaction,
        ),
        ("mutation($id: ID!) { deleteTransaction(id: $id) }", &owned.transaction),
        (
            "mutation($id: ID!) { updateSavingsGoal(id: $id, input: { name: \"Mine\" }) { id } }",
            &owned.goal,
        ),
        ("mutation($id: ID!) { deleteSavingsGoal(id: $id) }", &owned.goal),
        (
            "mutation($id: ID!) { updateAccount(id: $id, input: { name: \"Mine\" }) { id } }",
            &owned.account,
        ),
        ("mutation($id: ID!) { archiveAccount(id: $id) { id } }", &owned.account),
        (
            "mutation($id: ID!) { unarchiveAccount(id: $id) { id } }",
            &owned.account,
        ),
        (
            "mutation($id: ID!) { setDefaultAccount(id: $id) { id } }",
            &owned.account,
        ),
        ("mutation($id: ID!) { removeAccount(id: $id) }", &owned.account),
        (
            "mutation($id: ID!) { contributeToGoal(input: { goalId: $id, amount: \"-100.00\" }) { id } }",
            &owned.goal,
        ),
    ];
    for (query, id) in cases {
        let theirs = error_for(&app, &intruder.access_token, query, id).await;
        let unknown = error_for(&app, &intruder.access_token, query, &random).await;
        assert_eq!(theirs["extensions"]["code"], "NOT_FOUND", "{query}: {theirs}");
        assert_eq!(
            theirs, unknown,
            "{query}: another user's id must look like an unknown one"
        );
    }

    // Nothing of the owner's changed.
    let body = app
        .gql(
            "query($b: ID!, $g: ID!, $t: ID!, $a: ID!) { budget(id: $b) { name categories { amount } } savingsGoal(id: $g) { currentAmount } transaction(id: $t) { amount } account(id: $a) { name archived balance { amount } } }",
            json!({ "b": owned.budget, "g": owned.goal, "t": owned.transaction, "a": owned.account }),
            Some(&owner.access_token),
        )
        .await;
    assert_eq!(
        body["data"],
        json!({ "budget": { "name": "November", "categories": [{ "amount": "200.00" }] }, "savingsGoal": { "currentAmount": "100.00" }, "transaction": { "amount": "20.00" },
                "account": { "name": "Savings", "archived": false, "balance": { "amount": "900.00" } } }),
        "{body}"
    );
}

#[tokio::test]
async fn another_users_category_cannot_be_used_for_a_transaction() {
    let app = TestApp::spawn().await;
    let (_, owned) = owner_with_data(&app).await;
    let intruder = app.register_and_login().await;
    let create = "mutation($id: ID!) { createTransaction(input: { amount: \"5.00\", description: \"x\", transactionDate: \"2026-11-02\", type: EXPENSE, categoryId: $id }) { id } }";
    let theirs = error_for(&app, &intruder.access_token, create, &owned.category).await;
    let unknown = error_for(&app, &intruder.access_token, create, &Uuid::now_v7().to_string()).await;
    assert_eq!(theirs["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(theirs, unknown);

    let own = create_transaction(
        &app,
        &intruder.access_token,
        json!({ "amount": "5.00", "description": "mine", "transactionDate": "2026-11-02", "type": "EXPENSE" }),
    )
    .await;
    let body = app
        .gql(
            "mutation($id: ID!, $c: ID!) { updateTransaction(id: $id, input: { categoryId: $c }) { id } }",
            json!({ "id": own, "c": owned.category }),
            Some(&intruder.access_token),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM transactions WHERE budget_category_id IS NOT NULL")
            .await,
        1,
        "only the owner's"
    );
}

#[tokio::test]
async fn another_users_account_cannot_take_a_transaction_an_import_or_a_move() {
    let app = TestApp::spawn().await;
    let (owner, owned) = owner_with_data(&app).await;
    let intruder = app.register_and_login().await;
    let random = Uuid::now_v7().to_string();
    let own = create_transaction(
        &app,
        &intruder.access_token,
        json!({ "amount": "5.00", "description": "mine", "transactionDate": "2026-11-02", "type": "EXPENSE" }),
    )
    .await;
    let own_account = app
        .gql("{ accounts { id } }", json!({}), Some(&intruder.access_token))
        .await["data"]["accounts"][0]["id"]
        .as_str()
        .expect("own account")
        .to_owned();
    let create = "mutation($id: ID!) { createTransaction(input: { amount: \"5.00\", description: \"x\", transactionDate: \"2026-11-02\", type: EXPENSE, accountId: $id }) { id } }";
    let update =
        format!("mutation($id: ID!) {{ updateTransaction(id: \"{own}\", input: {{ accountId: $id }}) {{ id }} }}");
    let import = "mutation($id: ID!) { importTransactions(input: { format: CSV, data: \"date,description,amount,type\\n2026-11-03,Tea,2.00,expense\\n\", accountId: $id }) { imported } }";
    let remove = format!("mutation($id: ID!) {{ removeAccount(id: \"{own_account}\", moveTransactionsTo: $id) }}");
    for query in [create, update.as_str(), import, remove.as_str()] {
        let theirs = error_for(&app, &intruder.access_token, query, &owned.account).await;
        let unknown = error_for(&app, &intruder.access_token, query, &random).await;
        assert_eq!(theirs["extensions"]["code"], "BAD_USER_INPUT", "{query}: {theirs}");
        assert_eq!(theirs, unknown, "{query}");
    }
    // Nothing reached the owner's account, and the intruder's transaction stayed where it was.
    let body = app
        .gql(
            "query($a: ID!) { account(id: $a) { balance { amount } transactions { totalCount } } }",
            json!({ "a": owned.account }),
            Some(&owner.access_token),
        )
        .await;
    assert_eq!(
        body["data"]["account"],
        json!({ "balance": { "amount": "900.00" }, "transactions": { "totalCount": 0 } }),
        "{body}"
    );
    let body = app
        .gql(
            "{ accounts { balance { amount } transactions { totalCount } } }",
            json!({}),
            Some(&intruder.access_token),
        )
        .await;
    assert_eq!(
        body["data"]["accounts"],
        json!([{ "balance": { "amount": "-5.00" }, "transactions": { "totalCount": 1 } }])
    );
}

#[tokio::test]
async fn every_domain_operation_requires_authentication() {
    let app = TestApp::spawn().await;
    let id = Uuid::now_v7().to_string();
    let operations = [
        "query($id: ID!) { budget(id: $id) { id } }",
        "query($id: ID!) { budgetCategory(id: $id) { id } }",
        "query($id: ID!) { transaction(id: $id) { id } }",
        "query($id: ID!) { savingsGoal(id: $id) { id } }",
        "query { budgets { totalCount } }",
        "query { transactions { totalCount } }",
        "query { savingsGoals { totalCount } }",
        "query { achievements { id } }",
        "query { accounts { id } }",
        "query($id: ID!) { account(id: $id) { id } }",
        "mutation($id: ID!) { removeAccount(id: $id) }",
        "mutation { createAccount(input: { name: \"A\", kind: CASH }) { id } }",
        "mutation($id: ID!) { deleteBudget(id: $id) }",
        "mutation($id: ID!) { deleteTransaction(id: $id) }",
        "mutation($id: ID!) { deleteSavingsGoal(id: $id) }",
        "mutation($id: ID!) { contributeToGoal(input: { goalId: $id, amount: \"1.00\" }) { id } }",
    ];
    for query in operations {
        let body = app.gql(query, json!({ "id": id }), None).await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "{query}");
    }
}
