//! `smartsave` command line: serve (default), migrate, schema, healthcheck, create-admin,
//! seed-bench.

use std::{net::SocketAddr, process::ExitCode, time::Duration};

use clap::{Parser, Subcommand};
use smartsave::{
    Application, Config, api, app,
    foundation::{db, telemetry},
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// mimalloc returns freed memory to the system far more readily than glibc's per-thread
/// arenas: measured in BENCHMARKS.md.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's own defaults keep freed pages committed for a second and commit its arenas
/// eagerly: ~20 MB more resident at idle and under load, for no throughput (BENCHMARKS.md,
/// run 10). Purging at once instead (a delay of 0) returned ~1 MB per dashboard request to
/// the kernel and faulted it back in: 8 % of the server's CPU in `madvise` and page faults
/// (run 16). 10 ms keeps the pages a busy server reuses and still gives back what an idle
/// one holds: 13x less purged, +4 MB resident under load. Allocations above 4 MiB (argon2's
/// 19 MiB per hash) come straight from the system and go back to it when freed, or a login
/// storm holds ~15 MB more for the delay. Each thread's heap kept two empty pages of every
/// size class it had used (`PAGE_FULL_RETAIN`): at 64 connections 65-73 MB resident instead
/// of 60, for no throughput (run 18). mimalloc reads its options from the environment as
/// the process loads, before `main`, so a start without them sets them and executes itself
/// again, once; an operator's own values win.
const ALLOCATOR_OPTIONS: [(&str, &str); 4] = [
    ("MIMALLOC_PURGE_DELAY", "10"),
    ("MIMALLOC_ARENA_EAGER_COMMIT", "0"),
    ("MIMALLOC_ARENA_MAX_OBJECT_SIZE", "4096"),
    ("MIMALLOC_PAGE_FULL_RETAIN", "0"),
];

#[cfg(unix)]
fn with_allocator_options() {
    use std::os::unix::process::CommandExt;
    let missing: Vec<_> = ALLOCATOR_OPTIONS
        .iter()
        .filter(|(name, _)| std::env::var_os(name).is_none())
        .collect();
    if missing.is_empty() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else { return };
    let mut again = std::process::Command::new(exe);
    again.args(std::env::args_os().skip(1));
    for (name, value) in missing {
        again.env(name, value);
    }
    // `exec` returns only when it failed; the process then goes on with mimalloc's defaults.
    let error = again.exec();
    eprintln!("smartsave: could not restart with the allocator options ({error}); using the defaults");
}

/// Elsewhere the operator sets them (see the README).
#[cfg(not(unix))]
fn with_allocator_options() {}

/// SmartSave personal-finance GraphQL API.
///
/// Configuration comes from the environment (see README.md and .env.example). Without
/// DATABASE_URL the service uses an embedded SQLite file, ./smartsave.db.
#[derive(Parser)]
#[command(name = "smartsave", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Clone)]
enum Command {
    /// Run the HTTP server (the default): GraphQL at /graphql, health at /health.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the GraphQL schema (SDL) to standard output.
    Schema,
    /// Exit 0 when the server at BIND_ADDR answers GET /health with 200 (container checks).
    Healthcheck,
    /// Load the benchmark dataset (users user1..userN@example.com, password Bench1password),
    /// replacing earlier benchmark users. Refused when APP_ENV=production.
    SeedBench {
        /// How many users.
        #[arg(long, default_value_t = 1000)]
        users: usize,
    },
    /// Give the admin role to the account registered with EMAIL (it signs in anew to use it).
    CreateAdmin {
        /// The account's email address.
        email: String,
    },
}

fn main() -> ExitCode {
    with_allocator_options();
    let command = Cli::parse().command.unwrap_or(Command::Serve);
    if let Command::Schema = command {
        print!("{}", api::schema::sdl());
        return ExitCode::SUCCESS;
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("smartsave: configuration error: {err}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("smartsave: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(command, config))
}

async fn run(command: Command, config: Config) -> ExitCode {
    if let Command::Healthcheck = command {
        return healthcheck(config.bind_addr).await;
    }
    telemetry::init(config.env);
    let result = match command {
        Command::Migrate => migrate(&config).await,
        Command::SeedBench { users } => seed_bench(&config, users).await,
        Command::CreateAdmin { email } => create_admin(&config, &email).await,
        _ => serve(config).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("{err}");
            eprintln!("smartsave: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> Result<(), String> {
    let application = Application::build(config).await.map_err(|e| e.to_string())?;
    let addr = application.local_addr().map_err(|e| e.to_string())?;
    tracing::info!(%addr, "SmartSave listening; GraphiQL at http://{addr}/graphql");
    application
        .run_until_stopped(app::shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}

async fn migrate(config: &Config) -> Result<(), String> {
    let connection = db::connect(config).await.map_err(|e| format!("database: {e}"))?;
    db::migrate(&connection)
        .await
        .map_err(|e| format!("migration failed: {e}"))?;
    tracing::info!("migrations applied");
    Ok(())
}

async fn create_admin(config: &Config, email: &str) -> Result<(), String> {
    let connection = db::connect(config).await.map_err(|e| format!("database: {e}"))?;
    db::migrate(&connection)
        .await
        .map_err(|e| format!("migration failed: {e}"))?;
    let user = smartsave::admin::service::promote(&connection, email)
        .await
        .map_err(|e| match e {
            smartsave::AppError::NotFound(_) => format!("no account uses {email}"),
            smartsave::AppError::BadUserInput(_) => format!("{email:?} is not an email address"),
            other => other.to_string(),
        })?;
    tracing::info!(user_id = %user.id, "admin role given");
    println!("{} is now an admin", user.email);
    Ok(())
}

async fn seed_bench(config: &Config, users: usize) -> Result<(), String> {
    if config.is_production() {
        return Err("seed-bench replaces user*@example.com accounts; refused with APP_ENV=production".into());
    }
    let connection = db::connect(config).await.map_err(|e| format!("database: {e}"))?;
    db::migrate(&connection)
        .await
        .map_err(|e| format!("migration failed: {e}"))?;
    smartsave::app::bench_seed::seed(&connection, users)
        .await
        .map_err(|e| format!("seeding failed: {e}"))
}

/// A dependency-free HTTP probe, so the container image needs no curl.
async fn healthcheck(bind_addr: SocketAddr) -> ExitCode {
    let mut addr = bind_addr;
    if addr.ip().is_unspecified() {
        addr.set_ip([127, 0, 0, 1].into());
    }
    let probe = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        stream
            .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await?;
        let mut head = [0u8; 12];
        stream.read_exact(&mut head).await?;
        Ok::<bool, std::io::Error>(head.ends_with(b" 200"))
    };
    match tokio::time::timeout(Duration::from_secs(3), probe).await {
        Ok(Ok(true)) => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    }
}
