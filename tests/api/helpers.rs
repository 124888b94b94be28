//! `TestApp`: the production wiring on port 0 against a throw-away database.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{Value, json};
use smartsave::{Application, Config, foundation::db};
use uuid::Uuid;

/// Known to the tests so they can forge tokens signed with the right (or a wrong) key.
pub const TEST_JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123456789";
pub const PASSWORD: &str = "Correct1horse";
/// Every table the migrations create (besides SeaORM's own bookkeeping).
pub const TABLES: [&str; 25] = [
    "webhooks",
    "webhook_deliveries",
    "notification_settings",
    "notifications",
    "sync_tombstones",
    "rules",
    "import_batches",
    "users",
    "accounts",
    "refresh_tokens",
    "budgets",
    "budget_categories",
    "transactions",
    "savings_goals",
    "goal_contributions",
    "achievements",
    "goal_milestones",
    "idempotency_keys",
    "transaction_splits",
    "exchange_rates",
    "schedules",
    "schedule_occurrences",
    "user_tokens",
    "recovery_codes",
    "outbound_emails",
];

pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    /// A connection to the same database, for asserting on rows.
    pub db: DatabaseConnection,
    /// SQL statements the application has executed so far (see `statements_during`).
    statements: Arc<AtomicU64>,
    database: Arc<TestDatabase>,
}

/// A signed-in user of a `TestApp`.
pub struct TestUser {
    pub id: String,
    pub email: String,
    pub access_token: String,
    pub refresh_token: String,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(&[]).await
    }

    /// Spawns with extra environment variables layered over the test defaults.
    pub async fn spawn_with(vars: &[(&str, &str)]) -> TestApp {
        Self::spawn_on(Arc::new(TestDatabase::create().await), vars).await
    }

    /// Spawns with the background job runner on, posting due schedules every second, on a
    /// queue of its own (tests on PostgreSQL share apalis' tables).
    pub async fn spawn_with_jobs(vars: &[(&str, &str)]) -> TestApp {
        let database = Arc::new(TestDatabase::create().await);
        let vars = database.job_vars(vars);
        let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        Self::spawn_on(database, &vars).await
    }

    /// Another server on this app's database (as a second instance of one deployment), with
    /// `vars` over the test defaults and, when it runs jobs, this database's queue.
    pub async fn instance(&self, vars: &[(&str, &str)]) -> TestApp {
        let vars = self.database.job_vars(vars);
        let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        Self::spawn_on(Arc::clone(&self.database), &vars).await
    }

    async fn spawn_on(database: Arc<TestDatabase>, vars: &[(&str, &str)]) -> TestApp {
        let config = test_config(vars);
        let db = db::connect_with(database.options(&config))
            .await
            .expect("connect to the test database");
        db::migrate(&db).await.expect("migrate the test database");
        // The application's own connection counts every statement it runs.
        let statements = Arc::new(AtomicU64::new(0));
        let mut counted = db.clone();
        let counter = statements.clone();
        counted.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        let app = Application::with_database(config, counted)
            .await
            .expect("build the application");
        let addr = app.local_addr().expect("local addr");
        tokio::spawn(app.run_until_stopped(std::future::pending()));
        TestApp {
            addr,
            client: reqwest::Client::new(),
            db,
            statements,
            database,
        }
    }

    /// Runs `request` and returns its result with the number of SQL statements the
    /// application executed meanwhile (run nothing else concurrently on this app).
    pub async fn statements_during<T>(&self, request: impl std::future::Future<Output = T>) -> (T, u64) {
        let before = self.statements.load(Ordering::SeqCst);
        let result = request.await;
        (result, self.statements.load(Ordering::SeqCst) - before)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// POSTs a GraphQL request as JSON and returns the body; fails the test on non-200.
    pub async fn gql(&self, query: &str, variables: Value, token: Option<&str>) -> Value {
        let response = self
            .post_graphql(json!({ "query": query, "variables": variables }), token)
            .await;
        assert_eq!(response.status(), 200, "unexpected HTTP status");
        response.json().await.expect("JSON body")
    }

    pub async fn post_graphql(&self, body: Value, token: Option<&str>) -> reqwest::Response {
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json")
            .body(body.to_string());
        if let Some(token) = token {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        request.send().await.expect("request")
    }

    pub async fn register(&self, email: &str, password: &str) -> Value {
        self.gql(
            "mutation($input: RegisterInput!) { register(input: $input) { accessToken refreshToken expiresIn tokenType user { id email } } }",
            json!({ "input": { "email": email, "password": password, "firstName": "Test", "lastName": "User" } }),
            None,
        )
        .await
    }

    /// Registers a fresh user and returns its tokens.
    pub async fn register_and_login(&self) -> TestUser {
        let email = format!("user-{}@example.com", Uuid::now_v7().simple());
        let body = self.register(&email, PASSWORD).await;
        let payload = &body["data"]["register"];
        assert!(payload.is_object(), "registration failed: {body}");
        TestUser {
            id: payload["user"]["id"].as_str().expect("id").to_owned(),
            email,
            access_token: payload["accessToken"].as_str().expect("access token").to_owned(),
            refresh_token: payload["refreshToken"].as_str().expect("refresh token").to_owned(),
        }
    }

    pub async fn login(&self, email: &str, password: &str) -> Value {
        self.gql(
            "mutation($input: LoginInput!) { login(input: $input) { accessToken refreshToken user { id } } }",
            json!({ "input": { "email": email, "password": password } }),
            None,
        )
        .await
    }

    pub async fn refresh(&self, refresh_token: &str) -> Value {
        self.gql(
            "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken } }",
            json!({ "t": refresh_token }),
            None,
        )
        .await
    }

    /// Runs a scalar SQL count ending in `column = `, with `id` bound as the placeholder.
    pub async fn count_by_uuid(&self, sql_prefix: &str, id: Uuid) -> i64 {
        let backend = self.db.get_database_backend();
        let placeholder = if backend == sea_orm::DbBackend::Postgres {
            "$1"
        } else {
            "?"
        };
        let statement = Statement::from_sql_and_values(backend, format!("{sql_prefix}{placeholder}"), [id.into()]);
        let row = self
            .db
            .query_one_raw(statement)
            .await
            .expect("count query")
            .expect("a row");
        row.try_get_by_index::<i64>(0).expect("count value")
    }

    /// The user's default account (every registration opens one), for rows inserted directly.
    pub async fn default_account(&self, user_id: Uuid) -> Uuid {
        use sea_orm::EntityTrait;
        smartsave::foundation::entities::users::Entity::find_by_id(user_id)
            .one(&self.db)
            .await
            .expect("user query")
            .and_then(|user| user.default_account_id)
            .expect("a default account")
    }

    /// Runs a scalar SQL count, e.g. `SELECT COUNT(*) FROM users`.
    pub async fn count(&self, sql: &str) -> i64 {
        let backend = self.db.get_database_backend();
        let row = self
            .db
            .query_one_raw(Statement::from_string(backend, sql.to_owned()))
            .await
            .expect("count query")
            .expect("a row");
        row.try_get_by_index::<i64>(0).expect("count value")
    }
}

/// `errors[0].extensions.code` of a GraphQL response.
pub fn error_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error code in {body}"))
}

/// The `field` names of a BAD_USER_INPUT error.
pub fn error_fields(body: &Value) -> Vec<String> {
    body["errors"][0]["extensions"]["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("no fields in {body}"))
        .iter()
        .map(|f| f["field"].as_str().expect("field").to_owned())
        .collect()
}

static TEST_OUTBOX: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    std::env::temp_dir()
        .join("smartsave-test-mail-outbox")
        .display()
        .to_string()
});

pub fn test_config(vars: &[(&str, &str)]) -> Config {
    let defaults = [
        ("BIND_ADDR", "127.0.0.1:0"),
        ("JWT_SECRET", TEST_JWT_SECRET),
        ("SHUTDOWN_TIMEOUT", "1s"),
        ("APP_ENV", "development"),
        // Only the tests of background jobs run them (`TestApp::spawn_with_jobs`).
        ("JOBS_ENABLED", "false"),
        // Background reloads would add SQL to the statement counts some tests assert; the
        // revocations a test makes on its own server apply at once regardless.
        ("SESSION_SYNC_INTERVAL", "1h"),
        // Mail of tests that run jobs without an SMTP sink goes here, not into the checkout.
        ("MAIL_OUTBOX_DIR", TEST_OUTBOX.as_str()),
    ];
    Config::from_lookup(|key| {
        vars.iter()
            .chain(defaults.iter())
            .find(|(k, _)| *k == key)
            .map(|(_, v)| (*v).to_owned())
    })
    .expect("valid test configuration")
}

/// A fresh, isolated database: a temp SQLite file, or a new schema in TEST_DATABASE_URL.
pub enum TestDatabase {
    Sqlite(tempfile::TempDir),
    Postgres { url: String, schema: String },
}

impl TestDatabase {
    pub async fn create() -> TestDatabase {
        match std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
            None => TestDatabase::Sqlite(tempfile::tempdir().expect("temp dir")),
            Some(url) => {
                let schema = format!("test_{}", Uuid::now_v7().simple());
                let admin = sea_orm::Database::connect(&url)
                    .await
                    .expect("TEST_DATABASE_URL must be reachable");
                admin
                    .execute_unprepared(&format!("CREATE SCHEMA \"{schema}\""))
                    .await
                    .expect("create schema");
                admin.close().await.ok();
                TestDatabase::Postgres { url, schema }
            }
        }
    }

    /// `vars` with what a server running jobs on this database needs: the job runner on, a
    /// queue named after this database, a one-second posting interval, a fast poll and, on
    /// PostgreSQL, the database's URL (apalis opens its own pool).
    pub fn job_vars(&self, vars: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut all: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let queue = match self {
            TestDatabase::Sqlite(dir) => format!(
                "test-{}",
                dir.path()
                    .file_name()
                    .map_or("q".into(), |n| n.to_string_lossy().into_owned())
            ),
            TestDatabase::Postgres { schema, .. } => schema.clone(),
        };
        let mut defaults = vec![
            ("JOBS_ENABLED".to_owned(), "true".to_owned()),
            ("JOBS_QUEUE".to_owned(), queue.replace(['/', ' '], "-")),
            ("SCHEDULE_POSTING_INTERVAL".to_owned(), "1s".to_owned()),
            ("JOBS_POLL_INTERVAL".to_owned(), "100ms".to_owned()),
        ];
        if let TestDatabase::Postgres { url, .. } = self {
            defaults.push(("DATABASE_URL".to_owned(), url.clone()));
        }
        for (key, value) in defaults {
            if !all.iter().any(|(k, _)| *k == key) {
                all.push((key, value));
            }
        }
        all
    }

    pub fn options(&self, config: &Config) -> sea_orm::ConnectOptions {
        match self {
            TestDatabase::Sqlite(dir) => {
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
                db::options(&url, config)
            }
            TestDatabase::Postgres { url, schema } => {
                let mut options = db::options(url, config);
                options.set_schema_search_path(schema.clone());
                options
            }
        }
    }
}

impl Drop for TestDatabase {
    /// Drops the PostgreSQL schema on a helper thread (Drop cannot await). A test's runtime is
    /// single-threaded and stands still while this runs, so an app task it froze inside a
    /// transaction (a job mid-way when the test ended) holds locks the drop would wait for
    /// forever. So each attempt gives up on a lock after 5 s and is retried, and the test
    /// waits at most 2 s: once it has returned, its runtime and the app's connections go, and
    /// the next attempt succeeds in the background.
    fn drop(&mut self) {
        if let TestDatabase::Postgres { url, schema } = self {
            let (url, schema) = (url.clone(), schema.clone());
            let (done, dropped) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                    return;
                };
                runtime.block_on(async {
                    let Ok(admin) = sea_orm::Database::connect(&url).await else {
                        return;
                    };
                    for _ in 0..10 {
                        // One statement string, so the timeout and the drop share a connection.
                        let drop = format!("SET lock_timeout = '5s'; DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
                        if admin.execute_unprepared(&drop).await.is_ok() {
                            break;
                        }
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                    let _ = admin.close().await;
                });
                let _ = done.send(());
            });
            let _ = dropped.recv_timeout(std::time::Duration::from_secs(2));
        }
    }
}

/// Creates a budget through the API and returns its JSON (`id`, `categories { id name }`).
pub async fn create_budget(app: &TestApp, token: &str, input: Value) -> Value {
    let body = app
        .gql(
            "mutation($input: CreateBudgetInput!) { createBudget(input: $input) { id name amount startDate endDate categories { id name amount } } }",
            json!({ "input": input }),
            Some(token),
        )
        .await;
    assert!(body["data"]["createBudget"].is_object(), "createBudget failed: {body}");
    body["data"]["createBudget"].clone()
}

/// The ids of a created budget's categories, in order.
pub fn category_ids(budget: &Value) -> Vec<String> {
    budget["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .map(|c| c["id"].as_str().expect("id").to_owned())
        .collect()
}

/// Sets the user's reporting currency through the API.
pub async fn set_currency(app: &TestApp, user: &TestUser, currency: &str) {
    let body = app
        .gql(
            "mutation($c: String!) { updateProfile(input: { preferences: { currency: $c } }) { preferences { currency } } }",
            json!({ "c": currency }),
            Some(&user.access_token),
        )
        .await;
    assert_eq!(
        body["data"]["updateProfile"]["preferences"]["currency"], currency,
        "{body}"
    );
}

/// Records a transaction through the API and returns its id.
pub async fn create_transaction(app: &TestApp, token: &str, input: Value) -> String {
    let body = app
        .gql(
            "mutation($input: CreateTransactionInput!) { createTransaction(input: $input) { id } }",
            json!({ "input": input }),
            Some(token),
        )
        .await;
    body["data"]["createTransaction"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("createTransaction failed: {body}"))
        .to_owned()
}

/// Creates a schedule through the API (`CreateScheduleInput`) and returns its id.
pub async fn create_schedule(app: &TestApp, token: &str, input: Value) -> String {
    let body = app
        .gql(
            "mutation($input: CreateScheduleInput!) { createSchedule(input: $input) { id } }",
            json!({ "input": input }),
            Some(token),
        )
        .await;
    body["data"]["createSchedule"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("createSchedule failed: {body}"))
        .to_owned()
}

/// Opens an account through the API (`CreateAccountInput`) and returns its id.
pub async fn create_account(app: &TestApp, token: &str, input: Value) -> String {
    let body = app
        .gql(
            "mutation($input: CreateAccountInput!) { createAccount(input: $input) { id } }",
            json!({ "input": input }),
            Some(token),
        )
        .await;
    body["data"]["createAccount"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("createAccount failed: {body}"))
        .to_owned()
}
