//! The application: wiring the services into the API, start-up (database, migrations,
//! Redis links) and a server with bounded graceful shutdown. Tests drive exactly this
//! wiring on port 0.

pub mod bench_seed;
pub mod jobs;

use std::{future::Future, io, net::SocketAddr, time::Duration};

use axum::Router;
use sea_orm::{DatabaseConnection, DbErr};
use tokio::net::TcpListener;

use crate::{
    api::{self, ApiState},
    auth::liveness::Liveness,
    events::EventBus,
    foundation::{config::Config, db, mail::MailQueued, metrics, rate_limit::RateLimiter},
    notifications::webhooks::client::Sender,
    users::password,
};

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot bind {addr}: {source}")]
    Bind { addr: SocketAddr, source: io::Error },
    #[error("database: {0}")]
    Database(#[from] DbErr),
    #[error("redis (REDIS_URL): {0}")]
    Redis(#[from] redis::RedisError),
    #[error("{0}")]
    Documents(#[from] api::persisted::DocumentsError),
    #[error("{0}")]
    Jobs(#[from] jobs::JobsError),
    #[error("webhook client: {0}")]
    Webhooks(crate::AppError),
}

/// A bound listener and the router, ready to serve.
pub struct Application {
    listener: TcpListener,
    router: Router,
    shutdown_timeout: Duration,
    /// The background job runner, unless JOBS_ENABLED=false.
    jobs: Option<jobs::Jobs>,
}

impl Application {
    /// Connects to the configured database, migrates it, and binds `BIND_ADDR`.
    pub async fn build(config: Config) -> Result<Self, StartError> {
        let mut db = db::connect(&config).await?;
        db::migrate(&db).await?;
        // SQL statements per request is a benchmark figure: count every statement.
        db.set_metric_callback(|_| metrics::db_statement());
        Self::with_database(config, db).await
    }

    /// Like `build`, on a connection the caller opened and migrated (tests use this).
    pub async fn with_database(config: Config, db: DatabaseConnection) -> Result<Self, StartError> {
        if config.jwt_secret_generated {
            tracing::warn!("JWT_SECRET is not set: using a random secret; tokens will not survive a restart");
        }
        password::warm_up().await;
        metrics::init();
        let addr = config.bind_addr;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| StartError::Bind { addr, source })?;
        let shutdown_timeout = config.shutdown_timeout;
        let limiter = RateLimiter::from_config(&config).await?;
        let events = EventBus::from_config(&config).await?;
        let documents = api::persisted::Documents::from_config(&config).await?;
        let responses = api::cache::ResponseCache::from_config(&config).await?;
        let mail_queued = MailQueued::default();
        let webhooks = Sender::from_config(&config.webhooks).map_err(StartError::Webhooks)?;
        let jobs = jobs::Jobs::start(&db, &events, &mail_queued, &webhooks, &config).await?;
        let liveness = Liveness::load(db.clone(), config.access_token_ttl).await;
        // Stops by itself once the router (and with it the last reference) is dropped.
        liveness.keep_in_sync(config.session_sync_interval);
        Ok(Application {
            listener,
            router: api::router(ApiState::new(
                db,
                config,
                api::Remembered {
                    limiter,
                    documents,
                    responses,
                },
                events,
                api::Outbound { mail_queued, webhooks },
                liveness,
            )),
            shutdown_timeout,
            jobs,
        })
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves (and runs background jobs) until `shutdown` completes, then lets in-flight
    /// requests and running jobs finish for at most the configured shutdown timeout.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) -> io::Result<()> {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            shutdown.await;
            let _ = stop_tx.send(true);
        });
        let stopped = move || {
            let mut stop = stop_rx.clone();
            async move {
                let _ = stop.wait_for(|stopping| *stopping).await;
            }
        };
        let jobs = self
            .jobs
            .map(|jobs| tokio::spawn(jobs.run(stopped(), self.shutdown_timeout)));
        let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
        let service = self.router.into_make_service_with_connect_info::<SocketAddr>();
        let until_stopped = stopped();
        let server = axum::serve(self.listener, service).with_graceful_shutdown(async move {
            until_stopped.await;
            tracing::info!("shutting down: no new connections, finishing in-flight requests");
            let _ = stopping_tx.send(());
        });
        let deadline = async move {
            if stopping_rx.await.is_ok() {
                tokio::time::sleep(self.shutdown_timeout).await;
            } else {
                std::future::pending::<()>().await;
            }
        };
        let served = tokio::select! {
            result = server.into_future() => result,
            () = deadline => {
                tracing::warn!("shutdown deadline reached; abandoning in-flight requests");
                Ok(())
            }
        };
        // The runner has the same deadline, counted from the same signal.
        if let Some(jobs) = jobs
            && tokio::time::timeout(self.shutdown_timeout + Duration::from_secs(1), jobs)
                .await
                .is_err()
        {
            tracing::warn!("shutdown deadline reached; abandoning running jobs");
        }
        served
    }
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
