//! Closed-loop load generator for a running SmartSave server (see BENCHMARKS.md).
//!
//! `cargo bench --bench load -- --url http://127.0.0.1:18888 --server-pid PID [--duration 15]`
//!
//! Scenarios: (a) the nested dashboard query for random users, (b) a page of 50
//! transactions filtered to one month, (c) createTransaction, (d) (a) while a login storm
//! runs. Each at 16 and 64 connections. Prints req/s, p50/p90/p99 latency, errors, the
//! server's RSS and SQL statements per request (from the server's /metrics).
//! `--only storm` runs just (a) at 64 connections and (d), for comparing the storm's effect.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use serde_json::{Value, json};

const DASHBOARD: &str = "{ me { id email } budgets(first: 10) { nodes { id name amount period startDate endDate categories { id name amount color icon transactions(first: 20) { nodes { id amount description transactionDate type } } } } } savingsGoals(first: 10) { nodes { id name targetAmount currentAmount targetDate status } } }";
const PAGE: &str = "query($f: TransactionFilter) { transactions(first: 50, filter: $f) { nodes { id amount description transactionDate type } pageInfo { endCursor hasNextPage } } }";
const CREATE: &str = "mutation($i: CreateTransactionInput!) { createTransaction(input: $i) { id } }";
const LOGIN: &str = "mutation($i: LoginInput!) { login(input: $i) { accessToken } }";
const PASSWORD: &str = "Bench1password";

struct Args {
    url: String,
    server_pid: Option<u32>,
    duration: Duration,
    users: usize,
    storm_only: bool,
}

fn args() -> Args {
    let mut args = Args {
        url: "http://127.0.0.1:18888".into(),
        server_pid: None,
        duration: Duration::from_secs(15),
        users: 1000,
        storm_only: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_default();
        match flag.as_str() {
            "--url" => args.url = value,
            "--server-pid" => args.server_pid = value.parse().ok(),
            "--duration" => args.duration = Duration::from_secs(value.parse().unwrap_or(15)),
            "--users" => args.users = value.parse().unwrap_or(1000),
            "--only" => args.storm_only = value == "storm",
            _ => {}
        }
    }
    args
}

async fn post(client: &reqwest::Client, url: &str, token: Option<&str>, body: &Value) -> Result<Value, String> {
    let mut request = client
        .post(format!("{url}/graphql"))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = request.send().await.map_err(|e| e.to_string())?;
    let status = response.status();
    let body: Value = response.json().await.map_err(|e| e.to_string())?;
    if !status.is_success() || body.get("errors").is_some() {
        return Err(format!("{status} {body}"));
    }
    Ok(body)
}

fn login_body(n: usize) -> Value {
    json!({ "query": LOGIN, "variables": { "i": { "email": format!("user{n}@example.com"), "password": PASSWORD } } })
}

/// Cheap per-task pseudo-randomness (xorshift), good enough to spread users.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[derive(Clone, Copy)]
enum Scenario {
    Dashboard,
    Page,
    Create,
}

struct Result_ {
    requests: u64,
    errors: u64,
    latencies: Vec<Duration>,
    elapsed: Duration,
}

async fn run(
    client: &reqwest::Client,
    url: &str,
    tokens: &Arc<Vec<String>>,
    scenario: Scenario,
    connections: usize,
    duration: Duration,
) -> Result_ {
    let stop = Arc::new(AtomicBool::new(false));
    let errors = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..connections {
        let (client, url, tokens, stop, errors) = (
            client.clone(),
            url.to_owned(),
            tokens.clone(),
            stop.clone(),
            errors.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut seed = 0x9E37_79B9_7F4A_7C15 ^ (c as u64 + 1);
            let month = chrono::Utc::now().date_naive();
            while !stop.load(Ordering::Relaxed) {
                let token = &tokens[(next(&mut seed) % tokens.len() as u64) as usize];
                let body = match scenario {
                    Scenario::Dashboard => json!({ "query": DASHBOARD }),
                    Scenario::Page => {
                        let from = month - chrono::Duration::days(30);
                        json!({ "query": PAGE, "variables": { "f": { "from": from.to_string(), "to": month.to_string() } } })
                    }
                    Scenario::Create => json!({ "query": CREATE, "variables": { "i": { "amount": "12.34", "description": "Bench coffee", "transactionDate": month.to_string(), "type": "EXPENSE" } } }),
                };
                let sent = Instant::now();
                if post(&client, &url, Some(token), &body).await.is_err() {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
                latencies.push(sent.elapsed());
            }
            latencies
        }));
    }
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap_or_default());
    }
    let elapsed = started.elapsed();
    Result_ {
        requests: latencies.len() as u64,
        errors: errors.load(Ordering::Relaxed),
        latencies,
        elapsed,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

fn rss_mb(pid: Option<u32>) -> String {
    let Some(pid) = pid else { return "-".into() };
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
    };
    match (field("VmRSS:"), field("VmHWM:")) {
        (Some(rss), Some(peak)) => format!("{:.0} (peak {:.0})", rss / 1024.0, peak / 1024.0),
        _ => "-".into(),
    }
}

async fn statements(client: &reqwest::Client, url: &str) -> f64 {
    let text = match client.get(format!("{url}/metrics")).send().await {
        Ok(response) => response.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    };
    text.lines()
        .find(|l| l.starts_with("db_statements_total"))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

fn report(name: &str, connections: usize, result: &mut Result_, per_request: f64, pid: Option<u32>) -> f64 {
    result.latencies.sort_unstable();
    let p99 = percentile(&result.latencies, 0.99);
    println!(
        "| {name} | {connections} | {:.0} | {:.1} | {:.1} | {:.1} | {} | {} | {:.1} |",
        result.requests as f64 / result.elapsed.as_secs_f64(),
        percentile(&result.latencies, 0.50),
        percentile(&result.latencies, 0.90),
        p99,
        result.errors,
        rss_mb(pid),
        per_request
    );
    p99
}

#[tokio::main]
async fn main() {
    let args = args();
    // reqwest is built without a TLS provider of its own (see Cargo.toml); it needs the
    // process default even for plain http.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .expect("client");
    // Sign in a sample of the users (argon2 makes each login deliberately slow).
    let sample = args.users.min(200);
    let mut tokens = Vec::with_capacity(sample);
    for n in 1..=sample {
        let n = 1 + (n * 7919) % args.users;
        match post(&client, &args.url, None, &login_body(n)).await {
            Ok(body) => tokens.push(
                body["data"]["login"]["accessToken"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            ),
            Err(e) => panic!("login of user{n} failed: {e}"),
        }
    }
    let tokens = Arc::new(tokens);
    println!("| scenario | connections | req/s | p50 ms | p90 ms | p99 ms | errors | server RSS MB | SQL/request |");
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    let mut quiet_p99 = 0.0;
    let scenarios: &[_] = if args.storm_only {
        &[("(a) dashboard", Scenario::Dashboard)]
    } else {
        &[
            ("(a) dashboard", Scenario::Dashboard),
            ("(b) transactions page", Scenario::Page),
            ("(c) createTransaction", Scenario::Create),
        ]
    };
    let connection_counts: &[usize] = if args.storm_only { &[64] } else { &[16, 64] };
    for &(name, scenario) in scenarios {
        for &connections in connection_counts {
            let before = statements(&client, &args.url).await;
            let mut result = run(&client, &args.url, &tokens, scenario, connections, args.duration).await;
            let after = statements(&client, &args.url).await;
            let per_request = (after - before) / result.requests.max(1) as f64;
            let p99 = report(name, connections, &mut result, per_request, args.server_pid);
            if matches!(scenario, Scenario::Dashboard) && connections == 64 {
                quiet_p99 = p99;
            }
        }
    }
    // (d) the dashboard at 64 connections while 8 clients log in as fast as they can.
    let storm = Arc::new(AtomicBool::new(true));
    let logins = Arc::new(AtomicU64::new(0));
    let mut stormers = Vec::new();
    for s in 0..8 {
        let (client, url, storm, logins, users) = (
            client.clone(),
            args.url.clone(),
            storm.clone(),
            logins.clone(),
            args.users,
        );
        stormers.push(tokio::spawn(async move {
            let mut n = s;
            while storm.load(Ordering::Relaxed) {
                n = n % users + 1;
                let _ = post(&client, &url, None, &login_body(n)).await;
                logins.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    let before = statements(&client, &args.url).await;
    let mut result = run(&client, &args.url, &tokens, Scenario::Dashboard, 64, args.duration).await;
    let after = statements(&client, &args.url).await;
    storm.store(false, Ordering::Relaxed);
    for s in stormers {
        let _ = s.await;
    }
    let per_request = (after - before) / result.requests.max(1) as f64;
    let stormy_p99 = report(
        "(d) dashboard + login storm",
        64,
        &mut result,
        per_request,
        args.server_pid,
    );
    println!();
    println!(
        "login storm: {} logins in {:.0} s; dashboard p99 {:.1} ms -> {:.1} ms ({:.2}x)",
        logins.load(Ordering::Relaxed),
        args.duration.as_secs_f64(),
        quiet_p99,
        stormy_p99,
        stormy_p99 / quiet_p99.max(0.001)
    );
}
