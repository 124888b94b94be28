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
    let database = TestDatabase::create().await;
    let config = test_config(&[]);
    let mut options = database.options(&config);
    options.max_connections(1);
    let db = db::connect_with(options).await.expect("connect");
    // Every migration before currencies became exact.
    Migrator::up(&db, Some(11)).await.expect("up to the 11th");

    let backend = db.get_database_backend();
    let exec = |sql: String| {
        let db = &db;
        async move {
            db.execute_raw(Statement::from_string(backend, sql))
                .await
                .expect("statement");
        }
    };
    let users = [
        ("0197f000-0000-7000-8000-000000000001", "JPY", "150050", "150000"),
        ("0197f000-0000-7000-8000-000000000002", "KWD", "1234", "99"),
        ("0197f000-0000-7000-8000-000000000003", "USD", "1250", "5"),
    ];
    for (i, (id, currency, amount, goal)) in users.iter().enumerate() {
        exec(format!(
            "INSERT INTO users (id, email, password_hash, currency, monthly_income, created_at, updated_at) \
             VALUES ('{id}', 'u{i}@example.com', 'x', '{currency}', {amount}, '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z')"
        ))
        .await;
        exec(format!(
            "INSERT INTO transactions (id, user_id, amount, description, transaction_date, type, created_at, updated_at, search_text) \
             VALUES ('0197f000-0000-7000-8000-00000000010{i}', '{id}', {amount}, 'old', '2026-11-02', 'expense', \
             '2026-11-02T00:00:00Z', '2026-11-02T00:00:00Z', 'old')"
        ))
        .await;
        exec(format!(
            "INSERT INTO savings_goals (id, user_id, name, target_amount, current_amount, status, created_at, updated_at) \
             VALUES ('0197f000-0000-7000-8000-00000000020{i}', '{id}', 'g', {goal}, {goal}, 'active', \
             '2026-11-02T00:00:00Z', '2026-11-02T00:00:00Z')"
        ))
        .await;
    }
    let read = || {
        let db = &db;
        async move {
            let sql = "SELECT u.currency, u.monthly_income, t.currency, t.amount, g.currency, g.target_amount \
                       FROM users u JOIN transactions t ON t.user_id = u.id JOIN savings_goals g ON g.user_id = u.id \
                       ORDER BY u.id";
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

    Migrator::down(&db, Some(1)).await.expect("down one");
    db::migrate(&db).await.expect("up again");
    assert_eq!(read().await, expected, "down and up again give the same rows");
}
