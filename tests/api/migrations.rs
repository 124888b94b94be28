//! Every migration applies and reverts cleanly, on the backend under test.

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use smartsave::foundation::db;

use crate::helpers::{TABLES, TestDatabase, test_config};

async fn tables(db: &sea_orm::DatabaseConnection) -> Vec<String> {
    let sql = match db.get_database_backend() {
        DbBackend::Postgres => {
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()"
        }
        _ => "SELECT name FROM sqlite_master WHERE type = 'table'",
    };
    let rows = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("list tables");
    rows.iter()
        .map(|r| r.try_get_by_index::<String>(0).expect("name"))
        .filter(|t| TABLES.contains(&t.as_str()))
        .collect()
}

#[tokio::test]
async fn migrations_go_down_and_up_again() {
    let database = TestDatabase::create().await;
    let config = test_config(&[]);
    // One connection: under a loaded test run, SQLite's other pooled connections were seen to
    // replay a stale schema between down() and up(), which is not what this test is about.
    let mut options = database.options(&config);
    options.max_connections(1);
    let db = db::connect_with(options).await.expect("connect");
    db::migrate(&db).await.expect("up");
    assert_eq!(tables(&db).await.len(), TABLES.len());

    Migrator::down(&db, None).await.expect("down");
    assert!(tables(&db).await.is_empty(), "down() must drop every table");

    db::migrate(&db).await.expect("up again");
    assert_eq!(tables(&db).await.len(), TABLES.len());
}

/// The currencies migration on a database that already holds data: every row takes its
/// owner's currency, yen amounts lose the hundredths they were stored in (1500 yen was 150000),
/// dinar amounts gain a thousandth, and down() then up() again gives the same rows.
#[tokio::test]
async fn the_currencies_migration_upgrades_existing_rows_and_goes_down_and_up_again() {
    let (_database, db) = seeded_before_currencies().await;
    let read = || {
        let db = &db;
        async move {
            let sql = "SELECT u.currency, u.monthly_income, t.currency, t.amount, g.currency, g.target_amount \
                       FROM users u JOIN transactions t ON t.user_id = u.id JOIN savings_goals g ON g.user_id = u.id \
                       WHERE t.type = 'expense' ORDER BY u.id";
            let rows = db
                .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
                .await
                .expect("rows");
            rows.iter()
                .map(|r| {
                    (
                        r.try_get_by_index::<String>(2).expect("currency"),
                        r.try_get_by_index::<i64>(1).expect("income"),
                        r.try_get_by_index::<i64>(3).expect("amount"),
                        r.try_get_by_index::<String>(4).expect("goal currency"),
                        r.try_get_by_index::<i64>(5).expect("target"),
                    )
                })
                .collect::<Vec<_>>()
        }
    };

    db::migrate(&db).await.expect("up to the newest");
    // Yen: 1500.50 rounds half to even to 1500 (150050 hundredths), 1500.00 is 1500.
    // Dinar: 12.34 is 12340 thousandths. Dollars are unchanged.
    let expected = vec![
        ("JPY".to_owned(), 1500, 1500, "JPY".to_owned(), 1500),
        ("KWD".to_owned(), 12_340, 12_340, "KWD".to_owned(), 990),
        ("USD".to_owned(), 1250, 1250, "USD".to_owned(), 5),
    ];
    assert_eq!(read().await, expected);

    // Down through the currencies migration (the 12th) and everything after it, then up again.
    Migrator::down(&db, Some(after(11))).await.expect("down to the 11th");
    db::migrate(&db).await.expect("up again");
    assert_eq!(read().await, expected, "down and up again give the same rows");
}

/// How many migrations come after the `n`-th: the steps `down` takes back to it.
fn after(n: usize) -> u32 {
    u32::try_from(Migrator::migrations().len() - n).expect("a few migrations")
}

/// A UUID as an SQL literal stored the way the application stores one: PostgreSQL's uuid
/// type, SQLite's 16-byte blob.
fn uuid_literal(backend: DbBackend, id: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("'{id}'"),
        _ => format!("X'{}'", id.replace('-', "")),
    }
}

const SEEDED_USERS: [(&str, &str, &str, &str); 3] = [
    ("0197f000-0000-7000-8000-000000000001", "JPY", "150050", "150000"),
    ("0197f000-0000-7000-8000-000000000002", "KWD", "1234", "99"),
    ("0197f000-0000-7000-8000-000000000003", "USD", "1250", "5"),
];

/// A fresh database (on one connection: the tests reverse migrations, and pooled connections
/// would replay a stale schema) at the 11th migration, every migration before currencies became
/// exact, holding `seed_three_users`.
async fn seeded_before_currencies() -> (TestDatabase, sea_orm::DatabaseConnection) {
    let database = TestDatabase::create().await;
    let config = test_config(&[]);
    let mut options = database.options(&config);
    options.max_connections(1);
    let db = db::connect_with(options).await.expect("connect");
    Migrator::up(&db, Some(11)).await.expect("up to the 11th");
    seed_three_users(&db).await;
    (database, db)
}

/// Three users in yen, dinar and dollars, each with an expense and a goal, written in the
/// shape the tables had after the 11th migration.
async fn seed_three_users(db: &sea_orm::DatabaseConnection) {
    let backend = db.get_database_backend();
    let exec = |sql: String| async move {
        db.execute_raw(Statement::from_string(backend, sql))
            .await
            .expect("statement");
    };
    let uuid = |id: &str| uuid_literal(backend, id);
    for (i, (id, currency, amount, goal)) in SEEDED_USERS.iter().enumerate() {
        let user = uuid(id);
        exec(format!(
            "INSERT INTO users (id, email, password_hash, currency, monthly_income, created_at, updated_at) \
             VALUES ({user}, 'u{i}@example.com', 'x', '{currency}', {amount}, '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z')"
        ))
        .await;
        for (n, kind) in ["expense", "income"].iter().enumerate() {
            exec(format!(
                "INSERT INTO transactions (id, user_id, amount, description, transaction_date, type, created_at, updated_at, search_text) \
                 VALUES ({}, {user}, {amount}, 'old', '2026-11-02', '{kind}', \
                 '2026-11-02T00:00:00Z', '2026-11-02T00:00:00Z', 'old')",
                uuid(&format!("0197f000-0000-7000-8000-0000000001{n}{i}"))
            ))
            .await;
        }
        exec(format!(
            "INSERT INTO savings_goals (id, user_id, name, target_amount, current_amount, status, created_at, updated_at) \
             VALUES ({}, {user}, 'g', {goal}, {goal}, 'active', \
             '2026-11-02T00:00:00Z', '2026-11-02T00:00:00Z')",
            uuid(&format!("0197f000-0000-7000-8000-00000000020{i}"))
        ))
        .await;
    }
}

/// The accounts migration on a database with data: every user gets one "Main" checking
/// account in their currency, made their default, holding every transaction they had (so its
/// balance is their income minus their expenses); down() and up() again keep the rows.
#[tokio::test]
async fn the_accounts_migration_gives_every_user_a_main_account_holding_their_transactions() {
    let (_database, db) = seeded_before_currencies().await;
    db::migrate(&db).await.expect("up to the newest");

    let read = || {
        let db = &db;
        async move {
            let sql = "SELECT a.name, a.kind, a.currency, a.opening_balance, \
                              CASE WHEN u.default_account_id = a.id THEN 1 ELSE 0 END, \
                              (SELECT COUNT(*) FROM transactions t WHERE t.account_id = a.id AND t.user_id = u.id), \
                              (SELECT COUNT(*) FROM transactions t WHERE t.user_id = u.id), \
                              (SELECT COUNT(*) FROM transactions t WHERE t.account_id = a.id AND t.cleared = 'uncleared') \
                       FROM users u JOIN accounts a ON a.user_id = u.id ORDER BY u.id";
            let rows = db
                .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
                .await
                .expect("rows");
            rows.iter()
                .map(|r| {
                    (
                        r.try_get_by_index::<String>(0).expect("name"),
                        r.try_get_by_index::<String>(1).expect("kind"),
                        r.try_get_by_index::<String>(2).expect("currency"),
                        r.try_get_by_index::<i64>(3).expect("opening"),
                        r.try_get_by_index::<i32>(4).expect("is default"),
                        r.try_get_by_index::<i64>(5).expect("in account"),
                        r.try_get_by_index::<i64>(6).expect("all"),
                        r.try_get_by_index::<i64>(7).expect("uncleared"),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    let expected: Vec<_> = SEEDED_USERS
        .iter()
        .map(|(_, currency, _, _)| {
            (
                "Main".to_owned(),
                "checking".to_owned(),
                currency.to_string(),
                0,
                1,
                2,
                2,
                2,
            )
        })
        .collect();
    assert_eq!(read().await, expected);

    // Down through the accounts migration (the 13th) and everything after it.
    Migrator::down(&db, Some(after(12))).await.expect("down to the 12th");
    let kinds = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) FROM transactions",
        ))
        .await
        .expect("count");
    assert_eq!(
        kinds[0].try_get_by_index::<i64>(0).expect("n"),
        6,
        "down() keeps every transaction"
    );
    db::migrate(&db).await.expect("up again");
    let again = read().await;
    assert_eq!(again.len(), 3);
    assert_eq!(again, expected, "down and up again give the same shape");
}

/// The splits and exchange-rate migrations on a database with a split transaction and a rate:
/// down() drops the lines and the rates and keeps every transaction (the split one
/// uncategorized), and up() again gives every transaction `has_splits = false`.
#[tokio::test]
async fn the_splits_and_rates_migrations_go_down_keeping_every_transaction() {
    let (_database, db) = seeded_before_currencies().await;
    db::migrate(&db).await.expect("up to the newest");
    let backend = db.get_database_backend();
    let uuid = |id: &str| uuid_literal(backend, id);
    let exec = |sql: String| {
        let db = &db;
        async move {
            db.execute_raw(Statement::from_string(backend, sql))
                .await
                .expect("statement");
        }
    };
    let (user, split) = (uuid(SEEDED_USERS[2].0), uuid("0197f000-0000-7000-8000-000000000102"));
    exec(format!("UPDATE transactions SET has_splits = TRUE WHERE id = {split}")).await;
    for (n, amount) in [(1, 1000), (2, 250)] {
        exec(format!(
            "INSERT INTO transaction_splits (id, user_id, transaction_id, amount, position, created_at) \
             VALUES ({}, {user}, {split}, {amount}, {n}, '2026-11-02T00:00:00Z')",
            uuid(&format!("0197f000-0000-7000-8000-00000000030{n}"))
        ))
        .await;
    }
    exec(format!(
        "INSERT INTO exchange_rates (id, user_id, base, quote, rate_date, rate, created_at, updated_at) \
         VALUES ({}, {user}, 'EUR', 'USD', '2026-11-01', '1.08', '2026-11-02T00:00:00Z', '2026-11-02T00:00:00Z')",
        uuid("0197f000-0000-7000-8000-000000000401")
    ))
    .await;
    let count = |sql: &'static str| {
        let db = &db;
        async move {
            db.query_one_raw(Statement::from_string(backend, sql))
                .await
                .expect("count")
                .expect("a row")
                .try_get_by_index::<i64>(0)
                .expect("n")
        }
    };

    Migrator::down(&db, Some(after(13))).await.expect("down to the 13th");
    assert!(
        !tables(&db)
            .await
            .iter()
            .any(|t| t == "transaction_splits" || t == "exchange_rates"),
        "the lines and rates are gone"
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM transactions").await,
        6,
        "every transaction kept"
    );
    db::migrate(&db).await.expect("up again");
    assert_eq!(
        count("SELECT COUNT(*) FROM transactions WHERE has_splits = FALSE").await,
        6
    );
    assert_eq!(count("SELECT COUNT(*) FROM transaction_splits").await, 0);
}
