//! The `smartsave` binary: --help, schema, migrate, and clear configuration errors.

use std::process::Command;

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::helpers::TABLES;

fn smartsave() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_smartsave"));
    for var in [
        "APP_ENV",
        "JWT_SECRET",
        "DATABASE_URL",
        "BIND_ADDR",
        "ACCESS_TOKEN_TTL",
        "REFRESH_TOKEN_TTL",
        "RUST_LOG",
    ] {
        command.env_remove(var);
    }
    command
}

#[test]
fn help_lists_the_commands() {
    let output = smartsave().arg("--help").output().expect("run");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for command in ["serve", "migrate", "schema", "healthcheck"] {
        assert!(help.contains(command), "{help}");
    }
}

#[test]
fn schema_prints_the_committed_sdl() {
    let output = smartsave().arg("schema").output().expect("run");
    assert!(output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stdout), smartsave::api::schema::sdl());
}

#[test]
fn bad_configuration_is_one_line_and_exit_code_2() {
    for (var, value, expected) in [
        (
            "APP_ENV",
            "production",
            "JWT_SECRET is required when APP_ENV=production",
        ),
        ("BIND_ADDR", "nowhere", "BIND_ADDR is invalid"),
        ("ACCESS_TOKEN_TTL", "soon", "ACCESS_TOKEN_TTL is invalid"),
    ] {
        let output = smartsave().arg("migrate").env(var, value).output().expect("run");
        assert_eq!(output.status.code(), Some(2), "{var}={value}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[tokio::test]
async fn migrate_creates_every_table_in_a_fresh_sqlite_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("fresh.db").display());
    let output = smartsave()
        .arg("migrate")
        .env("DATABASE_URL", &url)
        .output()
        .expect("run");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));

    let db = sea_orm::Database::connect(&url).await.expect("open");
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT name FROM sqlite_master WHERE type = 'table'",
        ))
        .await
        .expect("tables");
    let tables: Vec<String> = rows.iter().map(|r| r.try_get_by_index(0).expect("name")).collect();
    for table in TABLES {
        assert!(tables.iter().any(|t| t == table), "missing {table} in {tables:?}");
    }
    // Running it again is a no-op, not an error.
    let again = smartsave()
        .arg("migrate")
        .env("DATABASE_URL", &url)
        .output()
        .expect("run");
    assert!(again.status.success());
}

#[test]
fn logs_carry_no_colour_codes_when_stdout_is_not_a_terminal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("logs.db").display());
    let output = smartsave()
        .arg("migrate")
        .env("DATABASE_URL", &url)
        .output()
        .expect("run");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let logs = String::from_utf8_lossy(&output.stdout);
    assert!(logs.contains("migrations applied"), "{logs}");
    assert!(!logs.contains('\u{1b}'), "escape sequences in piped logs: {logs:?}");
}

/// `smartsave` with no arguments serves on ./smartsave.db, migrated on start, and exits 0 on
/// SIGTERM.
#[tokio::test]
async fn serve_runs_on_embedded_sqlite_by_default_and_stops_cleanly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("free port")
        .local_addr()
        .expect("addr")
        .port();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_smartsave"))
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("APP_ENV")
        .env_remove("JWT_SECRET")
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");

    let health = format!("http://127.0.0.1:{port}/health");
    let mut healthy = false;
    for _ in 0..100 {
        if reqwest::get(&health).await.is_ok_and(|r| r.status() == 200) {
            healthy = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(healthy, "the server never became healthy");
    assert!(
        dir.path().join("smartsave.db").exists(),
        "the embedded database is ./smartsave.db"
    );

    let pid = child.id().expect("pid").to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = tokio::time::timeout(std::time::Duration::from_secs(15), child.wait())
        .await
        .expect("exits in time")
        .expect("wait");
    assert_eq!(status.code(), Some(0));
}
