//! The background job runner: apalis 1.0 with its SQL storage on the service's own database,
//! so the embedded SQLite default needs nothing else and instances sharing one PostgreSQL share
//! one queue.
//!
//! - A clock (an apalis cron worker) enqueues the periodic jobs: posting due scheduled
//!   transactions every `SCHEDULE_POSTING_INTERVAL`, and the daily clean-up at 00:00 UTC. Each
//!   instance has a clock; a tick's job carries an idempotency key made from the tick, so the
//!   queue holds it once however many instances tick. Both also run once at start (a server that
//!   was down catches up at once).
//! - Workers take jobs from the queue, two at a time, and retry a failing one three times with
//!   exponential backoff (1 s, 2 s, 4 s, with jitter) before it fails for good. The jobs are
//!   idempotent (posting writes an occurrence at most once), so a retry or a second instance
//!   never does anything twice.
//! - Mail: the outbox (`foundation::mail`) is delivered by a `DeliverMail` job, pushed at once
//!   when a request on this instance queued mail and by a clock every `MAIL_POLL_INTERVAL` (for
//!   retries, and for mail queued on instances that do not run jobs).
//! - Webhooks: due deliveries are sent by a `DeliverWebhooks` job, pushed at once when a write
//!   on this instance queued some and by a clock every `WEBHOOK_POLL_INTERVAL` (for retries).
//! - `/metrics` shows the queue (`jobs{state="queued"|"running"|"retrying"|"failed"}`) and each
//!   run's outcome (`job_runs_total{job, outcome}`).
//! - On SIGTERM the clock stops, the workers finish what they hold (within
//!   `SHUTDOWN_TIMEOUT`) and hand back what they had fetched but not started.

use std::{
    pin::Pin,
    str::FromStr,
    sync::Arc,
    task::{Context, Poll},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use apalis::layers::retry::{
    HasherRng, RetryPolicy,
    backoff::{ExponentialBackoffMaker, MakeBackoff},
};
use apalis::prelude::*;
use apalis_cron::{CronScheduler, Tick};
use apalis_postgres::{Config as PostgresConfig, PostgresStorage};
use apalis_sqlite::{Config as SqliteConfig, SqliteStorage};
use metrics::{counter, gauge};
use sea_orm::{DatabaseConnection, DbBackend};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::{
    api::idempotency,
    auth::{recovery, refresh_tokens, user_tokens},
    events::EventBus,
    foundation::{
        config::{Config, JobsConfig},
        mail::{self, MailQueued, Mailer, Outbox},
    },
    notifications::webhooks::{client::Sender, deliveries},
    reports::{overspends, weekly},
    schedules::posting,
    sync,
};

/// Retries of a failing job before it fails for good (the queue allows as many attempts).
const RETRIES: usize = 3;
const ATTEMPTS: usize = RETRIES + 1;
/// Finished jobs stay in the queue this long (for inspection), then the clean-up removes them.
const KEEP_DONE_DAYS: i64 = 7;
/// Sent (or given-up) mail stays this long: recipient and subject, for support questions.
const KEEP_MAIL_DAYS: i64 = 30;
/// Finished webhook deliveries stay this long in their webhook's log.
const KEEP_DELIVERY_DAYS: i64 = 30;
/// How often the queue gauges are refreshed.
const GAUGE_INTERVAL: Duration = Duration::from_secs(15);

/// A worker of `storage` running `run_job` two at a time, retrying a failure three times with
/// exponential backoff. A macro because the two storages give two worker types.
macro_rules! job_worker {
    ($storage:expr, $name:expr, $work:expr, $poll:expr) => {{
        let backoff = ExponentialBackoffMaker::new(
            Duration::from_secs(1),
            Duration::from_secs(60),
            0.5,
            HasherRng::default(),
        )
        .unwrap_or_default()
        .make_backoff();
        WorkerBuilder::new($name)
            .backend($storage.poll_with_strategy(PollEvery::new($poll)))
            .data(Arc::clone($work))
            .concurrency(2)
            .retry(RetryPolicy::retries(RETRIES).with_backoff(backoff))
            .build(run_job)
    }};
}

/// Wakes a worker every `period` to look for jobs. apalis' own `IntervalStrategy` re-arms its
/// timer without polling it: when the timer and an empty fetch wake the worker in one poll,
/// the new timer never registers a waker and the worker sleeps for good while jobs queue up
/// (seen on PostgreSQL, about one run in three of the posting-announcement test). This one
/// polls the re-armed timer at once, so a wake-up is always booked.
struct PollEvery {
    period: Duration,
    timer: Pin<Box<tokio::time::Sleep>>,
}

impl PollEvery {
    fn new(period: Duration) -> Self {
        PollEvery {
            period,
            timer: Box::pin(tokio::time::sleep(period)),
        }
    }
}

impl PollStrategy for PollEvery {
    fn poll_drive(&mut self, cx: &mut Context<'_>, _: &PollSnapshot) -> Poll<Option<()>> {
        if self.timer.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        self.timer.as_mut().reset(tokio::time::Instant::now() + self.period);
        // Pending now (the deadline is ahead): this registers the waker for the next tick.
        let _ = self.timer.as_mut().poll(cx);
        Poll::Ready(Some(()))
    }
}

/// A job the runner works.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "job", rename_all = "snake_case")]
pub enum Job {
    /// Post every due occurrence of every `autoPost` schedule.
    PostSchedules,
    /// Delete expired refresh tokens, mailed tokens and idempotency keys, old mail, old
    /// finished jobs and deletions older than delta sync remembers.
    Cleanup,
    /// Compose requested mail (password resets) and send what is due in the outbox.
    DeliverMail,
    /// Send the weekly summaries due (Monday from 09:00 in each user's time zone).
    WeeklySummaries,
    /// Send the webhook deliveries that are due.
    DeliverWebhooks,
    /// Notify users of budget categories projected to run over before their period ends.
    ProjectOverspends,
}

impl Job {
    /// The job's name, as a metrics label and in idempotency keys.
    pub fn name(&self) -> &'static str {
        match self {
            Job::PostSchedules => "post_schedules",
            Job::Cleanup => "cleanup",
            Job::DeliverMail => "deliver_mail",
            Job::WeeklySummaries => "weekly_summaries",
            Job::DeliverWebhooks => "deliver_webhooks",
            Job::ProjectOverspends => "project_overspends",
        }
    }
}

/// Why the runner could not start.
#[derive(Debug, thiserror::Error)]
pub enum JobsError {
    #[error("job queue: {0}")]
    Queue(#[from] sqlx::Error),
    #[error("job queue migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("job queue set-up: {0}")]
    Setup(#[from] apalis_postgres::Error),
    #[error("mail: {0}")]
    Mail(crate::AppError),
}

/// apalis' SQL storage of our jobs, on the service's database.
#[derive(Clone)]
enum Queue {
    Sqlite(SqliteStorage<Job>),
    Postgres(PostgresStorage<Job>),
}

impl Queue {
    /// Opens the queue named `name`, creating apalis' tables on first use. On SQLite it shares
    /// the service's pool (one file, one writer at a time). On PostgreSQL apalis keeps its
    /// tables in the `apalis` schema and needs the `hstore` extension; it gets a small pool of
    /// its own whose search path finds both, whatever the service's pool uses.
    async fn open(db: &DatabaseConnection, config: &Config) -> Result<Queue, JobsError> {
        let name = config.jobs.queue.as_str();
        match db.get_database_backend() {
            DbBackend::Postgres => {
                let options = PgConnectOptions::from_str(config.database_url.expose_secret())?
                    .options([("search_path", "apalis,public")]);
                let pool = PgPoolOptions::new()
                    .max_connections(3)
                    .acquire_timeout(config.database_acquire_timeout)
                    .connect_with(options)
                    .await?;
                sqlx::query("CREATE SCHEMA IF NOT EXISTS apalis").execute(&pool).await?;
                sqlx::query("CREATE EXTENSION IF NOT EXISTS hstore WITH SCHEMA public")
                    .execute(&pool)
                    .await?;
                // Idempotent, and serialised across instances by the migrator's advisory lock.
                PostgresStorage::setup(&pool).await?;
                let queue = PostgresConfig::default().queue(name);
                Ok(Queue::Postgres(PostgresStorage::new(&pool).with_config(queue)))
            }
            _ => {
                let pool = db.get_sqlite_connection_pool().clone();
                // Only the migrations: apalis' `setup` would also change our pragmas. SQLite's
                // migrator takes no lock, so two processes starting on one file can collide;
                // the loser finds the migrations applied when it tries again.
                let mut tries = 0;
                while let Err(e) = SqliteStorage::migrations().run(&pool).await {
                    tries += 1;
                    if tries == 3 {
                        return Err(e.into());
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                let queue = SqliteConfig::default().queue(name);
                Ok(Queue::Sqlite(SqliteStorage::new(&pool).with_config(queue)))
            }
        }
    }

    /// Enqueues `job` under `key`: a second push with the same key (another instance's copy
    /// of the same tick) leaves the queue as it is.
    async fn push(&self, job: Job, key: String) -> Result<(), BoxDynError> {
        let task = TaskBuilder::new(job)
            .idempotency_key(key)
            .max_attempts(ATTEMPTS)
            .build();
        match self.clone() {
            Queue::Sqlite(mut storage) => Ok(storage.push_task(task).await?),
            Queue::Postgres(mut storage) => match storage.push_task(task).await {
                Ok(()) => Ok(()),
                // PostgreSQL reports the duplicate key where SQLite ignores it.
                Err(TaskSinkError::PushError(apalis_postgres::Error::Database(sqlx::Error::Database(e))))
                    if e.code().as_deref() == Some("23505") =>
                {
                    Ok(())
                }
                Err(e) => Err(e.into()),
            },
        }
    }

    /// The queue's jobs by state, for the gauges: (queued, running, retrying, failed).
    async fn counts(&self, name: &str) -> Result<[i64; 4], sqlx::Error> {
        let rows: Vec<(String, i32, i64)> = match self {
            Queue::Sqlite(storage) => {
                sqlx::query_as(COUNTS_SQLITE)
                    .bind(name)
                    .fetch_all(storage.pool())
                    .await?
            }
            Queue::Postgres(storage) => {
                sqlx::query_as(COUNTS_POSTGRES)
                    .bind(name)
                    .fetch_all(storage.pool())
                    .await?
            }
        };
        let mut counts = [0; 4];
        for (status, retryable, n) in rows {
            let slot = match (status.as_str(), retryable) {
                ("Pending", _) => 0,
                ("Queued" | "Running", _) => 1,
                ("Failed", 1) => 2,
                ("Failed" | "Killed", _) => 3,
                _ => continue,
            };
            counts[slot] += n;
        }
        Ok(counts)
    }

    /// Deletes this queue's jobs that finished more than `KEEP_DONE_DAYS` ago.
    async fn forget_done(&self, name: &str) -> Result<u64, sqlx::Error> {
        let done = match self {
            Queue::Sqlite(storage) => sqlx::query(
                "DELETE FROM Jobs WHERE job_type = ? AND status = 'Done' AND done_at < CAST(strftime('%s', 'now') AS INTEGER) - ?",
            )
            .bind(name)
            .bind(KEEP_DONE_DAYS * 86_400)
            .execute(storage.pool())
            .await?
            .rows_affected(),
            Queue::Postgres(storage) => sqlx::query(
                "DELETE FROM apalis.jobs WHERE job_type = $1 AND status = 'Done' AND done_at < now() - make_interval(days => $2)",
            )
            .bind(name)
            .bind(i32::try_from(KEEP_DONE_DAYS).unwrap_or(7))
            .execute(storage.pool())
            .await?
            .rows_affected(),
        };
        Ok(done)
    }
}

/// A queue's jobs by status and whether they may be tried again.
const COUNTS_SQLITE: &str = "SELECT status, CAST(attempts < max_attempts AS INTEGER), COUNT(*) \
    FROM Jobs WHERE job_type = ? GROUP BY 1, 2";
const COUNTS_POSTGRES: &str = "SELECT status, CAST(CASE WHEN attempts < max_attempts THEN 1 ELSE 0 END AS INTEGER), \
    COUNT(*) FROM apalis.jobs WHERE job_type = $1 GROUP BY 1, 2";

/// What a worker's jobs need.
struct Work {
    db: DatabaseConnection,
    events: EventBus,
    queue: Queue,
    name: String,
    mailer: Mailer,
    outbox: Outbox,
    webhooks: Sender,
    retry_schedule: Arc<[Duration]>,
}

/// The runner of one instance.
pub struct Jobs {
    work: Arc<Work>,
    config: JobsConfig,
    /// This process, in worker names (apalis refuses two live workers of one name).
    instance: String,
    /// Rung when a request here queued mail.
    mail_queued: MailQueued,
    mail_poll: Duration,
    webhook_poll: Duration,
}

impl Jobs {
    /// The runner, with its queue open; `None` when `JOBS_ENABLED=false`.
    pub async fn start(
        db: &DatabaseConnection,
        events: &EventBus,
        mail_queued: &MailQueued,
        webhooks: &Sender,
        config: &Config,
    ) -> Result<Option<Jobs>, JobsError> {
        if !config.jobs.enabled {
            return Ok(None);
        }
        let mailer = Mailer::from_config(&config.mail).map_err(JobsError::Mail)?;
        let queue = Queue::open(db, config).await?;
        Ok(Some(Jobs {
            work: Arc::new(Work {
                db: db.clone(),
                events: events.clone(),
                queue,
                name: config.jobs.queue.clone(),
                mailer,
                outbox: Outbox::new(&config.mail, mail_queued.clone()),
                webhooks: webhooks.clone(),
                retry_schedule: config.webhooks.retry_schedule.clone().into(),
            }),
            config: config.jobs.clone(),
            mail_queued: mail_queued.clone(),
            mail_poll: config.mail.poll_interval,
            webhook_poll: config.webhooks.poll_interval,
            instance: uuid::Uuid::now_v7().simple().to_string(),
        }))
    }

    /// Runs the clocks and the workers until `stop` resolves, then stops them gracefully,
    /// giving running jobs `grace` to finish.
    pub async fn run(self, stop: impl Future<Output = ()> + Send + 'static, grace: Duration) {
        let work = Arc::clone(&self.work);
        // Catch up at once: what fell due while the service was down.
        let at_start = [
            Job::PostSchedules,
            Job::Cleanup,
            Job::DeliverMail,
            Job::WeeklySummaries,
            Job::DeliverWebhooks,
            Job::ProjectOverspends,
        ];
        for job in at_start {
            let key = format!("{}:start:{}", job.name(), self.instance);
            if let Err(e) = work.queue.push(job, key).await {
                tracing::warn!(error = %e, "could not enqueue the start-up jobs");
            }
        }
        update_gauges(&work).await;
        let (poll, instance) = (self.config.poll_interval, self.instance.clone());
        let name = |role: &str| format!("{}-{role}-{instance}", work.name);
        let (worker, posting, daily, gauges) = (name("work"), name("posting"), name("daily"), name("gauges"));
        let (mail_clock, hourly, webhook_clock) = (name("mail"), name("hourly"), name("webhooks"));
        let overspend_clock = name("overspends");
        let mail_queued = self.mail_queued.clone();
        let mail_bell = tokio::spawn(push_on_ring(Arc::clone(&work), Job::DeliverMail, move || {
            let queued = mail_queued.clone();
            async move { queued.wait().await }
        }));
        let events = work.events.clone();
        let webhook_bell = tokio::spawn(push_on_ring(Arc::clone(&work), Job::DeliverWebhooks, move || {
            let events = events.clone();
            async move { events.webhooks_waiting().await }
        }));
        let monitor = match work.queue.clone() {
            Queue::Sqlite(storage) => {
                let work = Arc::clone(&work);
                Monitor::new().register(move |_| job_worker!(storage.clone(), worker.clone(), &work, poll))
            }
            Queue::Postgres(storage) => {
                let work = Arc::clone(&work);
                Monitor::new().register(move |_| job_worker!(storage.clone(), worker.clone(), &work, poll))
            }
        };
        let clock = |job: Job, period: Duration, name: String| {
            let clock = Arc::new(Clock {
                work: Arc::clone(&work),
                job,
            });
            move |_| {
                WorkerBuilder::new(name.clone())
                    .backend(CronScheduler::new(Every(period)))
                    .data(Arc::clone(&clock))
                    .build(tick)
            }
        };
        let gauge_work = Arc::clone(&work);
        let monitor = monitor
            .register(clock(Job::PostSchedules, self.config.posting_interval, posting))
            .register(clock(Job::Cleanup, Duration::from_secs(86_400), daily))
            .register(clock(Job::DeliverMail, self.mail_poll, mail_clock))
            .register(clock(Job::WeeklySummaries, Duration::from_secs(3_600), hourly))
            .register(clock(Job::DeliverWebhooks, self.webhook_poll, webhook_clock))
            .register(clock(
                Job::ProjectOverspends,
                Duration::from_secs(86_400),
                overspend_clock,
            ))
            .register(move |_| {
                WorkerBuilder::new(gauges.clone())
                    .backend(CronScheduler::new(Every(GAUGE_INTERVAL)))
                    .data(Arc::clone(&gauge_work))
                    .build(refresh_gauges)
            })
            .should_restart(|ctx, error| {
                tracing::warn!(worker = ctx.name(), %error, "job worker stopped; restarting");
                true
            })
            .shutdown_timeout(grace);
        let signal = async move {
            stop.await;
            Ok::<(), std::io::Error>(())
        };
        match monitor.run_with_signal(signal).await {
            Ok(()) => tracing::info!("job runner stopped"),
            Err(e) => tracing::warn!(error = %e, "job runner stopped with an error"),
        }
        mail_bell.abort();
        webhook_bell.abort();
    }
}

/// Pushes `job` each time `rung` completes (a request on this instance queued mail, or a
/// write queued webhook deliveries), so they go out within a poll of the workers rather than
/// at the job's next clock tick. Rings that come while one is being pushed fold into one job.
async fn push_on_ring<F: Future<Output = ()>>(work: Arc<Work>, job: Job, rung: impl Fn() -> F) {
    loop {
        rung().await;
        let key = format!("{}:{}", job.name(), uuid::Uuid::now_v7());
        if let Err(e) = work.queue.push(job.clone(), key).await {
            tracing::warn!(job = job.name(), error = %e, "could not enqueue at once; the job's clock will");
        }
    }
}

/// A clock's job, pushed at every tick.
struct Clock {
    work: Arc<Work>,
    job: Job,
}

/// Enqueues the clock's job, keyed by the tick so that every instance's copy is one job.
async fn tick(tick: Tick, clock: Data<Arc<Clock>>) -> Result<(), BoxDynError> {
    let key = format!("{}:{}", clock.job.name(), tick.get_timestamp());
    clock.work.queue.push(clock.job.clone(), key).await
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Works one job.
async fn run_job(job: Job, work: Data<Arc<Work>>) -> Result<(), BoxDynError> {
    let outcome = match &job {
        Job::PostSchedules => posting::post_due(&work.db, &work.events).await.map(|run| {
            if run.posted > 0 {
                tracing::info!(posted = run.posted, "scheduled transactions posted");
            }
            counter!("scheduled_transactions_posted_total").increment(run.posted as u64);
        }),
        Job::Cleanup => cleanup(&work).await,
        Job::DeliverMail => deliver_mail(&work).await,
        Job::WeeklySummaries => weekly::send_due(&work.db, chrono::Utc::now()).await.map(|sent| {
            if sent > 0 {
                tracing::info!(sent, "weekly summaries sent");
                work.outbox.notify();
            }
        }),
        Job::DeliverWebhooks => deliver_webhooks(&work).await,
        Job::ProjectOverspends => overspends::notify_projected(&work.db, &work.events)
            .await
            .map(|raised| {
                if raised > 0 {
                    tracing::info!(raised, "projected overspends notified");
                    work.outbox.notify();
                }
            }),
    };
    let label = if outcome.is_ok() { "ok" } else { "error" };
    counter!("job_runs_total", "job" => job.name(), "outcome" => label).increment(1);
    outcome.map_err(|e| {
        tracing::warn!(job = job.name(), error = %e, "job failed; it will be retried");
        e.into()
    })
}

/// Composes requested mail, then sends what is due.
async fn deliver_mail(work: &Work) -> crate::AppResult<()> {
    recovery::compose_requests(&work.db, &work.outbox).await?;
    let delivery = mail::deliver_due(&work.db, &work.mailer).await?;
    counter!("mail_sent_total", "outcome" => "sent").increment(delivery.sent);
    counter!("mail_sent_total", "outcome" => "failed").increment(delivery.failed);
    Ok(())
}

/// Sends the webhook deliveries that are due.
async fn deliver_webhooks(work: &Work) -> crate::AppResult<()> {
    let run = deliveries::deliver_due(&work.db, &work.events, &work.webhooks, &work.retry_schedule).await?;
    counter!("webhook_deliveries_total", "outcome" => "succeeded").increment(run.succeeded);
    counter!("webhook_deliveries_total", "outcome" => "retrying").increment(run.retrying);
    counter!("webhook_deliveries_total", "outcome" => "failed").increment(run.failed);
    if run.failed > 0 {
        // A disabled webhook's notification may have queued mail.
        work.outbox.notify();
    }
    Ok(())
}

/// The daily clean-up.
async fn cleanup(work: &Work) -> crate::AppResult<()> {
    let tokens = refresh_tokens::delete_expired(&work.db).await? + user_tokens::delete_expired(&work.db).await?;
    let keys = idempotency::delete_expired(&work.db).await?;
    let mail = mail::forget_old(&work.db, KEEP_MAIL_DAYS).await?;
    let webhook_deliveries = deliveries::forget_old(&work.db, KEEP_DELIVERY_DAYS).await?;
    let cutoff = chrono::Utc::now() - chrono::Duration::days(sync::service::TOMBSTONE_DAYS);
    let tombstones = sync::service::prune_tombstones(&work.db, cutoff).await?;
    let jobs = work
        .queue
        .forget_done(&work.name)
        .await
        .map_err(crate::AppError::internal)?;
    tracing::info!(
        tokens,
        keys,
        jobs,
        mail,
        webhook_deliveries,
        tombstones,
        "clean-up done"
    );
    Ok(())
}

/// Refreshes the gauges of the queue, at every tick of its clock.
async fn refresh_gauges(_: Tick, work: Data<Arc<Work>>) {
    update_gauges(&work).await;
}

async fn update_gauges(work: &Work) {
    match work.queue.counts(&work.name).await {
        Ok([queued, running, retrying, failed]) => {
            for (state, n) in [
                ("queued", queued),
                ("running", running),
                ("retrying", retrying),
                ("failed", failed),
            ] {
                #[allow(clippy::cast_precision_loss)]
                gauge!("jobs", "state" => state).set(n as f64);
            }
        }
        Err(e) => tracing::warn!(error = %e, "could not count the job queue"),
    }
}

/// A cron schedule that ticks every `period`, on multiples of it since the epoch, so every
/// instance's clock ticks at the same instants (and their jobs share idempotency keys).
#[derive(Clone, Copy)]
struct Every(Duration);

impl apalis_cron::Schedule<apalis_cron::timezone::Utc> for Every {
    fn next_tick(&mut self, _: &apalis_cron::timezone::Utc) -> Option<Tick> {
        let period = self.0.as_secs().max(1);
        let next = (unix_now() / period + 1) * period;
        Some(Tick::new(next))
    }
}
