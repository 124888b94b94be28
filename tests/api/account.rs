//! updateProfile and deleteAccount.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};
use serde_json::json;
use smartsave::foundation::entities::{
    achievements, budget_categories, budgets,
    budgets::BudgetPeriod,
    exchange_rates, goal_contributions, goal_milestones, idempotency_keys, import_batches, notification_settings,
    notifications, recovery_codes, rules, savings_goals,
    savings_goals::GoalStatus,
    schedule_occurrences::{self, OccurrenceStatus},
    schedules::{self, WeekendRule},
    transaction_splits, transactions,
    transactions::{Cleared, TransactionType},
    webhook_deliveries, webhooks,
};
use uuid::Uuid;

use crate::helpers::{PASSWORD, TABLES, TestApp, error_code, error_fields};

const UPDATE: &str = "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { firstName lastName preferences { currency language timezone } financialSettings { monthlyIncome savingsGoal riskTolerance } } }";

#[tokio::test]
async fn update_profile_changes_only_the_given_fields() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let body = app
        .gql(UPDATE, json!({ "input": { "firstName": "Grace", "preferences": { "timezone": "America/New_York" }, "financialSettings": { "monthlyIncome": 3000, "savingsGoal": "250.25" } } }), Some(&user.access_token))
        .await;
    let profile = &body["data"]["updateProfile"];
    assert_eq!(profile["firstName"], "Grace");
    assert_eq!(profile["lastName"], "User");
    assert_eq!(
        profile["preferences"],
        json!({ "currency": "USD", "language": "en", "timezone": "America/New_York" })
    );
    assert_eq!(
        profile["financialSettings"],
        json!({ "monthlyIncome": "3000.00", "savingsGoal": "250.25", "riskTolerance": "MEDIUM" })
    );

    // null clears an amount; omitted fields stay.
    let body = app
        .gql(
            UPDATE,
            json!({ "input": { "financialSettings": { "monthlyIncome": null } } }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(
        body["data"]["updateProfile"]["financialSettings"],
        json!({ "monthlyIncome": null, "savingsGoal": "250.25", "riskTolerance": "MEDIUM" })
    );
}

#[tokio::test]
async fn an_invalid_profile_update_changes_nothing() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let body = app
        .gql(
            UPDATE,
            json!({ "input": { "firstName": "Valid", "lastName": "", "preferences": { "currency": "dollars" } } }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(error_fields(&body), ["input.lastName", "input.preferences.currency"]);
    let me = app
        .gql(
            "{ me { firstName preferences { currency } } }",
            json!({}),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(
        me["data"]["me"],
        json!({ "firstName": "Test", "preferences": { "currency": "USD" } })
    );
}

/// Gives `user_id` one row in every user-owned table.
async fn own_one_of_everything(app: &TestApp, user_id: Uuid) {
    let now = Utc::now();
    let today = now.date_naive();
    let budget = budgets::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        currency: Set("USD".into()),
        name: Set("Monthly".into()),
        amount: Set(100_000),
        period: Set(BudgetPeriod::Monthly),
        start_date: Set(today),
        end_date: Set(today),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&app.db)
    .await
    .expect("budget");
    let category = budget_categories::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        currency: Set("USD".into()),
        budget_id: Set(budget.id),
        name: Set("Food".into()),
        amount: Set(50_000),
        color: Set(Some("#FF0000".into())),
        icon: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&app.db)
    .await
    .expect("category");
    // Split, so that it owns one line too.
    let transaction = transactions::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        currency: Set("USD".into()),
        account_id: Set(app.default_account(user_id).await),
        cleared: Set(Cleared::Uncleared),
        payee: Set(None),
        transfer_id: Set(None),
        has_splits: Set(true),
        budget_category_id: Set(None),
        amount: Set(1_250),
        description: Set("Lunch".into()),
        transaction_date: Set(today),
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
    transaction_splits::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        transaction_id: Set(transaction.id),
        budget_category_id: Set(Some(category.id)),
        amount: Set(1_250),
        description: Set(None),
        position: Set(0),
        created_at: Set(now),
    }
    .insert(&app.db)
    .await
    .expect("split line");
    exchange_rates::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        base: Set("EUR".into()),
        quote: Set("USD".into()),
        rate_date: Set(today),
        rate: Set("1.08".into()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&app.db)
    .await
    .expect("exchange rate");
    let schedule = schedules::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        account_id: Set(app.default_account(user_id).await),
        budget_category_id: Set(Some(category.id)),
        payee: Set(None),
        description: Set("Rent".into()),
        amount: Set(1_250),
        currency: Set("USD".into()),
        kind: Set(TransactionType::Expense),
        rule: Set("FREQ=MONTHLY".into()),
        start_date: Set(today),
        end_date: Set(None),
        max_occurrences: Set(None),
        weekend_rule: Set(WeekendRule::None),
        auto_post: Set(false),
        amount_tolerance: Set(0),
        match_window_days: Set(3),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&app.db)
    .await
    .expect("schedule");
    schedule_occurrences::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        schedule_id: Set(schedule.id),
        occurrence_date: Set(today),
        status: Set(OccurrenceStatus::Matched),
        transaction_id: Set(Some(transaction.id)),
        created_at: Set(now),
    }
    .insert(&app.db)
    .await
    .expect("occurrence");
    let goal = savings_goals::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        currency: Set("USD".into()),
        name: Set("Bike".into()),
        target_amount: Set(80_000),
        current_amount: Set(1_000),
        target_date: Set(None),
        status: Set(GoalStatus::Active),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&app.db)
    .await
    .expect("goal");
    goal_contributions::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        currency: Set("USD".into()),
        goal_id: Set(goal.id),
        amount: Set(1_000),
        note: Set(None),
        created_at: Set(now),
    }
    .insert(&app.db)
    .await
    .expect("contribution");
    goal_milestones::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        goal_id: Set(goal.id),
        percent: Set(25),
        reached_at: Set(now),
    }
    .insert(&app.db)
    .await
    .expect("milestone");
    idempotency_keys::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        key: Set("key-1".into()),
        request_hash: Set("0".repeat(64)),
        response: Set(Some("{}".into())),
        created_at: Set(now),
    }
    .insert(&app.db)
    .await
    .expect("idempotency key");
    achievements::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        kind: Set("FIRST_BUDGET".into()),
        title: Set("First budget".into()),
        description: Set(None),
        points: Set(10),
        unlocked_at: Set(now),
        metadata: Set(json!({})),
    }
    .insert(&app.db)
    .await
    .expect("achievement");
    let rule = |name: &str| rules::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        name: Set(name.into()),
        priority: Set(0),
        conditions: Set("[]".into()),
        actions: Set("[]".into()),
        enabled: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    };
    rule("Rule").insert(&app.db).await.expect("rule");
    notifications::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        kind: Set("ACHIEVEMENT".into()),
        title: Set("Notified".into()),
        body: Set(String::new()),
        data: Set("{}".into()),
        dedupe_key: Set(None),
        created_at: Set(now),
        read_at: Set(None),
        in_app: Set(true),
    }
    .insert(&app.db)
    .await
    .expect("notification");
    notification_settings::ActiveModel {
        user_id: Set(user_id),
        settings: Set("{}".into()),
        updated_at: Set(now),
    }
    .insert(&app.db)
    .await
    .expect("notification settings");
    let webhook = webhooks::Model {
        id: Uuid::now_v7(),
        user_id,
        url: "https://hooks.example.com/in".into(),
        description: None,
        events: r#"["transaction.created"]"#.into(),
        secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into(),
        previous_secret: None,
        previous_secret_until: None,
        enabled: true,
        disabled_reason: None,
        disabled_at: None,
        created_at: now,
        updated_at: now,
    };
    webhooks::ActiveModel::from(webhook.clone())
        .insert(&app.db)
        .await
        .expect("webhook");
    webhook_deliveries::ActiveModel::from(webhook_deliveries::Model {
        id: Uuid::now_v7(),
        webhook_id: webhook.id,
        user_id,
        message_id: "msg_1".into(),
        event_type: "transaction.created".into(),
        payload: "{}".into(),
        status: "SUCCEEDED".into(),
        attempts: 1,
        next_attempt_at: None,
        last_attempt_at: Some(now),
        response_code: Some(200),
        last_error: None,
        created_at: now,
    })
    .insert(&app.db)
    .await
    .expect("webhook delivery");
    // A rule written and deleted leaves its tombstone for delta sync.
    let gone = rule("Gone").insert(&app.db).await.expect("rule to delete");
    rules::Entity::delete_by_id(gone.id)
        .exec(&app.db)
        .await
        .expect("delete the rule");
    import_batches::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        account_id: Set(app.default_account(user_id).await),
        format: Set(import_batches::ImportFormat::Ofx),
        file_name: Set(None),
        file_hash: Set("0".repeat(64)),
        imported: Set(0),
        duplicates: Set(0),
        matched: Set(0),
        errors: Set(0),
        created_at: Set(now),
        reverted_at: Set(None),
    }
    .insert(&app.db)
    .await
    .expect("import batch");
    // Registration already left a verification token and its mail; recovery codes come only
    // with two-factor sign-in.
    recovery_codes::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        code_hash: Set("0".repeat(64)),
        used_at: Set(None),
        created_at: Set(now),
    }
    .insert(&app.db)
    .await
    .expect("recovery code");
}

async fn rows_per_table(app: &TestApp, user_id: &str) -> Vec<i64> {
    let user_id: Uuid = user_id.parse().expect("uuid");
    let mut counts = Vec::new();
    for table in TABLES {
        let column = if table == "users" { "id" } else { "user_id" };
        counts.push(
            app.count_by_uuid(&format!("SELECT COUNT(*) FROM {table} WHERE {column} = "), user_id)
                .await,
        );
    }
    counts
}

#[tokio::test]
async fn deleting_the_account_removes_every_row_it_owns_and_nothing_else() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let bystander = app.register_and_login().await;
    for u in [&user, &bystander] {
        own_one_of_everything(&app, u.id.parse().expect("uuid")).await;
    }
    assert_eq!(rows_per_table(&app, &user.id).await, vec![1; TABLES.len()]);

    let body = app
        .gql(
            "mutation($p: String!) { deleteAccount(password: $p) }",
            json!({ "p": PASSWORD }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(body["data"]["deleteAccount"], true, "{body}");
    assert_eq!(rows_per_table(&app, &user.id).await, vec![0; TABLES.len()]);
    assert_eq!(rows_per_table(&app, &bystander.id).await, vec![1; TABLES.len()]);
    assert_eq!(error_code(&app.login(&user.email, PASSWORD).await), "UNAUTHENTICATED");
}

#[tokio::test]
async fn deleting_the_account_needs_the_right_password() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    let body = app
        .gql(
            "mutation($p: String!) { deleteAccount(password: $p) }",
            json!({ "p": "Wrong1password" }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(error_fields(&body), ["password"]);
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
    let anonymous = app
        .gql(
            "mutation($p: String!) { deleteAccount(password: $p) }",
            json!({ "p": PASSWORD }),
            None,
        )
        .await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
}

#[tokio::test]
async fn deleting_a_category_leaves_its_transactions_uncategorized() {
    let app = TestApp::spawn().await;
    let user = app.register_and_login().await;
    own_one_of_everything(&app, user.id.parse().expect("uuid")).await;
    app.db
        .execute_unprepared("DELETE FROM budget_categories")
        .await
        .expect("delete categories");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM transactions WHERE budget_category_id IS NULL")
            .await,
        1
    );
    app.db
        .execute_unprepared("DELETE FROM budgets")
        .await
        .expect("delete budgets");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM transactions").await,
        1,
        "transactions outlive their budget"
    );
}
