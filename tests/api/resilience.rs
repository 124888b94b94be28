//! Failure behaviour: a lost database fails requests fast with SERVICE_UNAVAILABLE and the
//! service recovers by itself when it returns; shutdown lets in-flight requests finish,
//! within its bound.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use serde_json::{Value, json};
use smartsave::{Application, foundation::db};
use tokio::{net::TcpListener, sync::Notify};

use crate::helpers::{TestDatabase, test_config};

/// A TCP proxy to the database that can be cut (dropping every connection) and restored.
struct CuttableProxy {
    addr: std::net::SocketAddr,
    cut: Arc<AtomicBool>,
    dropped: Arc<Notify>,
}

impl CuttableProxy {
    async fn to(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (cut, dropped) = (Arc::new(AtomicBool::new(false)), Arc::new(Notify::new()));
        let (cut_flag, drop_all) = (cut.clone(), dropped.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if cut_flag.load(Ordering::SeqCst) {
                    continue; // refused: the socket is dropped at once
                }
                let (upstream, drop_all) = (upstream.clone(), drop_all.clone());
                tokio::spawn(async move {
                    let Ok(mut server) = tokio::net::TcpStream::connect(upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        () = drop_all.notified() => {}
                    }
                });
            }
        });
        CuttableProxy { addr, cut, dropped }
    }

    fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        self.dropped.notify_waiters();
    }

    fn restore(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }
}

async fn me(addr: std::net::SocketAddr, token: &str) -> Value {
    reqwest::Client::new()
        .post(format!("http://{addr}/graphql"))
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {token}"))
        .body(json!({ "query": "{ me { id } }" }).to_string())
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json")
}

/// Needs PostgreSQL (TEST_DATABASE_URL, set by CI): the proxy sits on its TCP connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_database_fails_fast_and_the_service_recovers_without_restart() {
    let Some(url) = std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) else {
        eprintln!("TEST_DATABASE_URL is not set: skipping the database-outage test");
        return;
    };
    let (scheme_user, rest) = url.split_once('@').expect("postgres://user@host:port/db");
    let (authority, database) = rest.split_once('/').expect("a database name");
    let proxy = CuttableProxy::to(authority.to_owned()).await;
    let proxied = format!("{scheme_user}@{}/{database}", proxy.addr);

    let database = TestDatabase::create().await;
    let config = test_config(&[("DATABASE_ACQUIRE_TIMEOUT", "2s")]);
    let TestDatabase::Postgres { schema, .. } = &database else {
        panic!("TEST_DATABASE_URL gives a PostgreSQL schema")
    };
    // Same database and schema, through the proxy.
    let mut options = db::options(&proxied, &config);
    options.set_schema_search_path(schema.clone());
    let connection = db::connect_with(options).await.expect("connect through the proxy");
    db::migrate(&connection).await.expect("migrate");
    let app = Application::with_database(config, connection).await.expect("app");
    let addr = app.local_addr().expect("addr");
    tokio::spawn(app.run_until_stopped(std::future::pending()));

    let client = reqwest::Client::new();
    let registered: Value = client
        .post(format!("http://{addr}/graphql"))
        .header("content-type", "application/json")
        .body(json!({ "query": "mutation { register(input: { email: \"outage@example.com\", password: \"Outage1pass\", firstName: \"O\", lastName: \"U\" }) { accessToken } }" }).to_string())
        .send()
        .await
        .expect("register")
        .json()
        .await
        .expect("json");
    let token = registered["data"]["register"]["accessToken"]
        .as_str()
        .expect("token")
        .to_owned();
    assert!(me(addr, &token).await["data"]["me"]["id"].is_string());

    proxy.cut();
    let started = Instant::now();
    let down = me(addr, &token).await;
    assert_eq!(down["errors"][0]["extensions"]["code"], "SERVICE_UNAVAILABLE", "{down}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "fails fast: {:?}",
        started.elapsed()
    );
    let health = client
        .get(format!("http://{addr}/health"))
        .send()
        .await
        .expect("health");
    assert_eq!(health.status(), 503);

    proxy.restore();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if me(addr, &token).await["data"]["me"]["id"].is_string() {
            break;
        }
        assert!(Instant::now() < deadline, "the service did not recover");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let health = client
        .get(format!("http://{addr}/health"))
        .send()
        .await
        .expect("health");
    assert_eq!(health.status(), 200);
}

/// An app whose database never answers, so GET /health stays in flight for 2 s.
async fn app_with_slow_health(shutdown_timeout: &str) -> Application {
    let silent = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = silent.local_addr().expect("addr").port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let config = test_config(&[
        ("SHUTDOWN_TIMEOUT", shutdown_timeout),
        ("DATABASE_ACQUIRE_TIMEOUT", "10s"),
    ]);
    let mut options = db::options(&format!("postgres://nobody@127.0.0.1:{port}/none"), &config);
    options.connect_lazy(true);
    Application::with_database(config, db::connect_with(options).await.expect("pool"))
        .await
        .expect("app")
}

#[tokio::test]
async fn shutdown_lets_in_flight_requests_finish_and_refuses_new_ones() {
    let app = app_with_slow_health("10s").await;
    let addr = app.local_addr().expect("addr");
    let stop = Arc::new(Notify::new());
    let signal = stop.clone();
    let server = tokio::spawn(app.run_until_stopped(async move { signal.notified().await }));

    let in_flight = tokio::spawn(reqwest::get(format!("http://{addr}/health")));
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.notify_one();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        reqwest::Client::new()
            .get(format!("http://{addr}/health"))
            .timeout(Duration::from_secs(1))
            .send()
            .await
            .is_err(),
        "no new connections once shutting down"
    );
    let finished = in_flight.await.expect("join").expect("the in-flight request completes");
    assert_eq!(finished.status(), 503, "it ran to its own end");
    let stopped = tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("stops")
        .expect("join");
    assert!(stopped.is_ok());
}

#[tokio::test]
async fn shutdown_is_bounded_by_its_timeout() {
    let app = app_with_slow_health("500ms").await;
    let addr = app.local_addr().expect("addr");
    let stop = Arc::new(Notify::new());
    let signal = stop.clone();
    let server = tokio::spawn(app.run_until_stopped(async move { signal.notified().await }));
    let _in_flight = tokio::spawn(reqwest::get(format!("http://{addr}/health")));
    tokio::time::sleep(Duration::from_millis(200)).await;

    let started = Instant::now();
    stop.notify_one();
    let stopped = tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("stops")
        .expect("join");
    assert!(stopped.is_ok());
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(450) && waited < Duration::from_millis(1_800),
        "gave up after {waited:?}"
    );
}
