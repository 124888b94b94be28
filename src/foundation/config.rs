//! Typed configuration read once from the environment; fails fast with one clear line.

use std::{net::SocketAddr, time::Duration};

use secrecy::SecretString;

/// Where the service runs; production turns on the strict defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Production,
}

/// Everything the service needs to start, validated.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: SecretString,
    pub bind_addr: SocketAddr,
    pub env: AppEnv,
    pub jwt_secret: SecretString,
    /// True when no JWT_SECRET was given and a random one was generated (development only).
    pub jwt_secret_generated: bool,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    /// How often an instance reloads disabled accounts and revoked sessions (revocations on
    /// the instance itself apply at once).
    pub session_sync_interval: Duration,
    pub cors_allowed_origins: Vec<String>,
    pub redis_url: Option<SecretString>,
    pub database_max_connections: u32,
    pub database_acquire_timeout: Duration,
    /// A pooled connection idle at least this long is pinged before it is handed out; zero
    /// pings every checkout.
    pub database_ping_idle_after: Duration,
    pub shutdown_timeout: Duration,
    /// How long a request may take before it is answered 408.
    pub request_timeout: Duration,
    pub graphql_limits: GraphqlLimits,
    pub rate_limits: Quotas,
    /// Namespace of this deployment's keys in Redis.
    pub redis_prefix: String,
    /// Whether X-Forwarded-For names the client (only behind a proxy you run).
    pub trust_proxy_headers: bool,
    /// Schema introspection; off in production unless enabled.
    pub introspection: bool,
    /// The GraphiQL page at GET /graphql; off in production unless enabled.
    pub graphiql: bool,
    /// "Did you mean ...?" hints in validation errors; off in production unless enabled.
    pub suggestions: bool,
    /// A manifest of the only documents that may run (graphql-codegen's persisted documents);
    /// without one, any document runs and clients may persist theirs (APQ).
    pub trusted_documents: Option<std::path::PathBuf>,
    /// List fields whose whole selection a plan covers are answered as JSON written in one
    /// pass (`graphql::written`); off, the executor resolves every field (the same answers).
    pub written_answers: bool,
    pub jobs: JobsConfig,
    pub mail: MailConfig,
    pub webhooks: WebhookConfig,
    pub cache: CacheConfig,
}

/// The read cache of whole query responses (see `api::cache`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheConfig {
    pub enabled: bool,
    /// The in-memory cache's budget for response bodies; the least recently used go first.
    pub max_bytes: usize,
    /// How long an entry lives in Redis (when `REDIS_URL` is set) without being written again.
    pub redis_ttl: Duration,
}

/// Outgoing webhooks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookConfig {
    /// Whether webhooks may point at loopback, private and link-local addresses (a receiver on
    /// the same host or network); off, so a user cannot make the server probe its own network.
    pub allow_private: bool,
    /// How long one delivery attempt may take, connecting included.
    pub timeout: Duration,
    /// The waits after each failed attempt; when they are used up, the delivery has failed
    /// and the webhook is disabled.
    pub retry_schedule: Vec<Duration>,
    /// How often the job runner looks for deliveries that are due (retries, and messages
    /// queued by instances that do not run jobs); messages queued here go at once.
    pub poll_interval: Duration,
}

/// The Standard Webhooks retry schedule: after the first attempt, 5 s, 5 min, 30 min, 2 h, 5 h,
/// 10 h, 14 h, 20 h and 24 h.
pub const WEBHOOK_RETRY_SCHEDULE: &str = "5s,5m,30m,2h,5h,10h,14h,20h,24h";

/// Outgoing mail.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// An SMTP server in lettre's URL syntax (`smtp://user:pass@host:587?tls=required`,
    /// `smtps://host`); without one, mail is written to `outbox_dir` as .eml files.
    pub smtp_url: Option<SecretString>,
    /// The sender, "Name <address>".
    pub from: String,
    pub outbox_dir: std::path::PathBuf,
    /// Where the links in mail point: the app that calls `verifyEmail` and `resetPassword`.
    pub app_url: String,
    /// How often the job runner looks for mail that is due (a retry, or mail queued by an
    /// instance that does not run jobs); mail queued here is sent at once.
    pub poll_interval: Duration,
}

/// The background job runner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobsConfig {
    /// Whether this instance runs background jobs (any number of instances may).
    pub enabled: bool,
    /// The queue this deployment's jobs share (instances of one deployment use the same).
    pub queue: String,
    /// How often due scheduled transactions are posted.
    pub posting_interval: Duration,
    /// How often an idle worker looks for new jobs.
    pub poll_interval: Duration,
}

/// A configuration problem, worded for the operator who has to fix it.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
    #[error("{0} is required when APP_ENV=production")]
    MissingInProduction(&'static str),
}

/// Every configurable limit on a GraphQL request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GraphqlLimits {
    pub max_depth: usize,
    /// Connection fields cost their page size times their selection.
    pub max_complexity: usize,
    pub max_aliases: usize,
    pub max_directives: usize,
    pub max_document_bytes: usize,
    pub max_tokens: usize,
    pub max_recursion: usize,
    /// Operations per batched (JSON array) request; 0 refuses batching.
    pub max_batch: usize,
}

impl Default for GraphqlLimits {
    fn default() -> Self {
        GraphqlLimits {
            max_depth: 10,
            max_complexity: 5_000,
            max_aliases: 15,
            max_directives: 5,
            max_document_bytes: 32 * 1024,
            max_tokens: 2_000,
            max_recursion: 32,
            max_batch: 0,
        }
    }
}

/// Requests per minute for each rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quotas {
    pub auth_per_ip: u32,
    pub auth_per_account: u32,
    pub per_user: u32,
    /// Mail a person can cause to one address (verification, address change, reset).
    pub mail_per_account: u32,
}

impl Default for Quotas {
    fn default() -> Self {
        Quotas {
            auth_per_ip: 20,
            auth_per_account: 5,
            per_user: 600,
            mail_per_account: 3,
        }
    }
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://smartsave.db?mode=rwc";
const MIN_JWT_SECRET_BYTES: usize = 32;

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Reads configuration through `lookup`, so tests can supply their own variables.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |key: &str| lookup(key).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());

        let env = match get("APP_ENV").as_deref() {
            None | Some("development") | Some("dev") => AppEnv::Development,
            Some("production") | Some("prod") => AppEnv::Production,
            Some(other) => {
                return Err(invalid(
                    "APP_ENV",
                    format!("expected development or production, got {other:?}"),
                ));
            }
        };

        let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(invalid("DATABASE_URL", "expected a sqlite: or postgres:// URL".into()));
        }

        let bind_addr = match get("BIND_ADDR") {
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
            Some(v) => v.parse().map_err(|_| {
                invalid(
                    "BIND_ADDR",
                    format!("expected HOST:PORT such as 127.0.0.1:8080, got {v:?}"),
                )
            })?,
        };

        let (jwt_secret, jwt_secret_generated) = match get("JWT_SECRET") {
            Some(secret) if secret.len() < MIN_JWT_SECRET_BYTES => {
                return Err(invalid(
                    "JWT_SECRET",
                    format!("must be at least {MIN_JWT_SECRET_BYTES} bytes"),
                ));
            }
            Some(secret) => (secret, false),
            None if env == AppEnv::Production => return Err(ConfigError::MissingInProduction("JWT_SECRET")),
            None => (random_secret().map_err(|e| invalid("JWT_SECRET", e))?, true),
        };

        let access_token_ttl = duration(&get, "ACCESS_TOKEN_TTL", Duration::from_secs(15 * 60))?;
        let refresh_token_ttl = duration(&get, "REFRESH_TOKEN_TTL", Duration::from_secs(30 * 24 * 3600))?;
        if access_token_ttl < Duration::from_secs(10) {
            return Err(invalid("ACCESS_TOKEN_TTL", "must be at least 10s".into()));
        }
        if refresh_token_ttl <= access_token_ttl {
            return Err(invalid(
                "REFRESH_TOKEN_TTL",
                "must be longer than ACCESS_TOKEN_TTL".into(),
            ));
        }

        let cors_allowed_origins: Vec<String> = get("CORS_ALLOWED_ORIGINS")
            .map(|v| {
                v.split(',')
                    .map(|o| o.trim().trim_end_matches('/').to_owned())
                    .filter(|o| !o.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        if let Some(bad) = cors_allowed_origins.iter().find(|o| !is_origin(o)) {
            return Err(invalid(
                "CORS_ALLOWED_ORIGINS",
                format!("{bad:?} is not an origin such as https://app.example.com"),
            ));
        }

        let database_max_connections = match get("DATABASE_MAX_CONNECTIONS") {
            None => 10,
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=1000).contains(n))
                .ok_or_else(|| invalid("DATABASE_MAX_CONNECTIONS", format!("expected 1..=1000, got {v:?}")))?,
        };

        let production = env == AppEnv::Production;
        let defaults = GraphqlLimits::default();
        let graphql_limits = GraphqlLimits {
            max_depth: count(&get, "GRAPHQL_MAX_DEPTH", defaults.max_depth, 1..=100)?,
            max_complexity: count(&get, "GRAPHQL_MAX_COMPLEXITY", defaults.max_complexity, 1..=10_000_000)?,
            max_aliases: count(&get, "GRAPHQL_MAX_ALIASES", defaults.max_aliases, 0..=1_000)?,
            max_directives: count(&get, "GRAPHQL_MAX_DIRECTIVES", defaults.max_directives, 0..=100)?,
            max_document_bytes: count(
                &get,
                "GRAPHQL_MAX_DOCUMENT_BYTES",
                defaults.max_document_bytes,
                64..=10_000_000,
            )?,
            max_tokens: count(&get, "GRAPHQL_MAX_TOKENS", defaults.max_tokens, 1..=1_000_000)?,
            max_recursion: count(&get, "GRAPHQL_MAX_RECURSION", defaults.max_recursion, 1..=256)?,
            max_batch: count(&get, "GRAPHQL_MAX_BATCH", defaults.max_batch, 0..=10)?,
        };

        Ok(Config {
            database_url: database_url.into(),
            bind_addr,
            env,
            jwt_secret: jwt_secret.into(),
            jwt_secret_generated,
            access_token_ttl,
            refresh_token_ttl,
            session_sync_interval: at_least(
                "SESSION_SYNC_INTERVAL",
                duration(&get, "SESSION_SYNC_INTERVAL", Duration::from_secs(2))?,
                Duration::from_millis(100),
            )?,
            cors_allowed_origins,
            redis_url: get("REDIS_URL").map(Into::into),
            database_max_connections,
            database_acquire_timeout: duration(&get, "DATABASE_ACQUIRE_TIMEOUT", Duration::from_secs(3))?,
            database_ping_idle_after: duration(&get, "DATABASE_PING_IDLE_AFTER", Duration::from_secs(30))?,
            shutdown_timeout: duration(&get, "SHUTDOWN_TIMEOUT", Duration::from_secs(10))?,
            request_timeout: duration(&get, "REQUEST_TIMEOUT", Duration::from_secs(30))?,
            graphql_limits,
            rate_limits: Quotas {
                auth_per_ip: count(&get, "RATE_LIMIT_AUTH_PER_IP", 20, 1..=100_000)?
                    .try_into()
                    .unwrap_or(u32::MAX),
                auth_per_account: count(&get, "RATE_LIMIT_AUTH_PER_ACCOUNT", 5, 1..=100_000)?
                    .try_into()
                    .unwrap_or(u32::MAX),
                per_user: count(&get, "RATE_LIMIT_PER_USER", 600, 1..=1_000_000)?
                    .try_into()
                    .unwrap_or(u32::MAX),
                mail_per_account: count(&get, "RATE_LIMIT_MAIL_PER_ACCOUNT", 3, 1..=100_000)?
                    .try_into()
                    .unwrap_or(u32::MAX),
            },
            redis_prefix: get("REDIS_PREFIX").unwrap_or_else(|| "smartsave".into()),
            trust_proxy_headers: flag(&get, "TRUST_PROXY_HEADERS", false)?,
            introspection: flag(&get, "GRAPHQL_INTROSPECTION", !production)?,
            written_answers: flag(&get, "GRAPHQL_WRITTEN_ANSWERS", true)?,
            graphiql: flag(&get, "GRAPHIQL_ENABLED", !production)?,
            suggestions: flag(&get, "GRAPHQL_SUGGESTIONS", !production)?,
            trusted_documents: get("GRAPHQL_TRUSTED_DOCUMENTS").map(Into::into),
            jobs: JobsConfig {
                enabled: flag(&get, "JOBS_ENABLED", true)?,
                queue: jobs_queue(get("JOBS_QUEUE"))?,
                posting_interval: at_least(
                    "SCHEDULE_POSTING_INTERVAL",
                    duration(&get, "SCHEDULE_POSTING_INTERVAL", Duration::from_secs(300))?,
                    Duration::from_secs(1),
                )?,
                poll_interval: at_least(
                    "JOBS_POLL_INTERVAL",
                    duration(&get, "JOBS_POLL_INTERVAL", Duration::from_secs(1))?,
                    Duration::from_millis(10),
                )?,
            },
            mail: mail(&get, production)?,
            webhooks: webhooks(&get)?,
            cache: CacheConfig {
                enabled: flag(&get, "CACHE_ENABLED", true)?,
                max_bytes: count(&get, "CACHE_MAX_BYTES", 16 * 1024 * 1024, 0..=4 * 1024 * 1024 * 1024)?,
                redis_ttl: at_least(
                    "CACHE_REDIS_TTL",
                    duration(&get, "CACHE_REDIS_TTL", Duration::from_secs(3_600))?,
                    Duration::from_secs(1),
                )?,
            },
        })
    }

    pub fn is_production(&self) -> bool {
        self.env == AppEnv::Production
    }
}

fn mail(get: &impl Fn(&str) -> Option<String>, production: bool) -> Result<MailConfig, ConfigError> {
    let smtp_url = get("SMTP_URL");
    let outbox_dir = get("MAIL_OUTBOX_DIR");
    // A production server without SMTP would quietly write its users' mail to disk.
    if production && smtp_url.is_none() && outbox_dir.is_none() {
        return Err(ConfigError::MissingInProduction("SMTP_URL (or MAIL_OUTBOX_DIR)"));
    }
    let from = get("MAIL_FROM").unwrap_or_else(|| "SmartSave <no-reply@localhost>".into());
    if from.parse::<lettre::message::Mailbox>().is_err() {
        return Err(invalid(
            "MAIL_FROM",
            format!("expected \"Name <address>\" or an address, got {from:?}"),
        ));
    }
    let app_url = get("APP_URL")
        .unwrap_or_else(|| "http://localhost:5173".into())
        .trim_end_matches('/')
        .to_owned();
    if !(app_url.starts_with("http://") || app_url.starts_with("https://")) {
        return Err(invalid("APP_URL", format!("expected an http(s) URL, got {app_url:?}")));
    }
    Ok(MailConfig {
        smtp_url: smtp_url.map(Into::into),
        from,
        outbox_dir: outbox_dir.unwrap_or_else(|| "mail-outbox".into()).into(),
        app_url,
        poll_interval: at_least(
            "MAIL_POLL_INTERVAL",
            duration(get, "MAIL_POLL_INTERVAL", Duration::from_secs(30))?,
            Duration::from_millis(100),
        )?,
    })
}

fn webhooks(get: &impl Fn(&str) -> Option<String>) -> Result<WebhookConfig, ConfigError> {
    let schedule = get("WEBHOOK_RETRY_SCHEDULE").unwrap_or_else(|| WEBHOOK_RETRY_SCHEDULE.into());
    let retry_schedule = schedule
        .split(',')
        .map(str::trim)
        .filter(|wait| !wait.is_empty())
        .map(|wait| {
            humantime::parse_duration(wait).map_err(|e| invalid("WEBHOOK_RETRY_SCHEDULE", format!("{wait:?}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if retry_schedule.len() > 20 {
        return Err(invalid("WEBHOOK_RETRY_SCHEDULE", "at most 20 retries".into()));
    }
    Ok(WebhookConfig {
        allow_private: flag(get, "WEBHOOK_ALLOW_PRIVATE", false)?,
        timeout: at_least(
            "WEBHOOK_TIMEOUT",
            duration(get, "WEBHOOK_TIMEOUT", Duration::from_secs(10))?,
            Duration::from_millis(100),
        )?,
        retry_schedule,
        poll_interval: at_least(
            "WEBHOOK_POLL_INTERVAL",
            duration(get, "WEBHOOK_POLL_INTERVAL", Duration::from_secs(5))?,
            Duration::from_millis(100),
        )?,
    })
}

fn invalid(name: &'static str, reason: String) -> ConfigError {
    ConfigError::Invalid { name, reason }
}

/// Accepts plain seconds ("900") or a humantime duration ("15m", "30d").
fn duration(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: Duration,
) -> Result<Duration, ConfigError> {
    let Some(value) = get(name) else { return Ok(default) };
    let parsed = match value.parse::<u64>() {
        Ok(secs) => Ok(Duration::from_secs(secs)),
        Err(_) => humantime::parse_duration(&value).map_err(|e| e.to_string()),
    };
    parsed.map_err(|e| invalid(name, format!("expected seconds or a duration such as 15m ({e})")))
}

/// `value`, unless it is shorter than `minimum`.
fn at_least(name: &'static str, value: Duration, minimum: Duration) -> Result<Duration, ConfigError> {
    if value < minimum {
        return Err(invalid(
            name,
            format!("must be at least {}", humantime::format_duration(minimum)),
        ));
    }
    Ok(value)
}

/// A queue name: letters, digits, `-`, `_` and `.`, 1 to 64 of them; "smartsave" by default.
fn jobs_queue(value: Option<String>) -> Result<String, ConfigError> {
    let queue = value.unwrap_or_else(|| "smartsave".into());
    let fine = !queue.is_empty()
        && queue.len() <= 64
        && queue.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if fine {
        Ok(queue)
    } else {
        Err(invalid(
            "JOBS_QUEUE",
            format!("expected 1 to 64 letters, digits, - _ or ., got {queue:?}"),
        ))
    }
}

/// `scheme://host[:port]` with no path, as browsers send in `Origin`.
fn is_origin(value: &str) -> bool {
    let Some((scheme, rest)) = value.split_once("://") else {
        return false;
    };
    matches!(scheme, "http" | "https") && !rest.is_empty() && !rest.contains(['/', '*', ' ', '?', '#'])
}

/// A whole number within `range`.
fn count(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: usize,
    range: std::ops::RangeInclusive<usize>,
) -> Result<usize, ConfigError> {
    let Some(value) = get(name) else { return Ok(default) };
    value
        .parse::<usize>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| {
            invalid(
                name,
                format!(
                    "expected a whole number from {} to {}, got {value:?}",
                    range.start(),
                    range.end()
                ),
            )
        })
}

/// true/false (also 1/0, yes/no, on/off).
fn flag(get: &impl Fn(&str) -> Option<String>, name: &'static str, default: bool) -> Result<bool, ConfigError> {
    match get(name).map(|v| v.to_ascii_lowercase()).as_deref() {
        None => Ok(default),
        Some("true" | "1" | "yes" | "on") => Ok(true),
        Some("false" | "0" | "no" | "off") => Ok(false),
        Some(other) => Err(invalid(name, format!("expected true or false, got {other:?}"))),
    }
}

fn random_secret() -> Result<String, String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("cannot generate a random secret: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use secrecy::ExposeSecret;

    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| vars.get(k).cloned())
    }

    #[test]
    fn defaults_give_a_development_server_on_embedded_sqlite() {
        let c = config(&[]).expect("defaults are valid");
        assert_eq!(c.env, AppEnv::Development);
        assert_eq!(c.database_url.expose_secret(), DEFAULT_DATABASE_URL);
        assert_eq!(c.bind_addr.to_string(), "127.0.0.1:8080");
        assert!(c.jwt_secret_generated);
        assert_eq!(c.access_token_ttl, Duration::from_secs(900));
    }

    #[test]
    fn production_requires_a_jwt_secret() {
        let err = config(&[("APP_ENV", "production")]).expect_err("must fail");
        assert_eq!(err.to_string(), "JWT_SECRET is required when APP_ENV=production");
    }

    #[test]
    fn short_jwt_secrets_are_rejected() {
        let err = config(&[("JWT_SECRET", "short")]).expect_err("must fail");
        assert!(err.to_string().starts_with("JWT_SECRET is invalid"), "{err}");
    }

    #[test]
    fn production_requires_somewhere_to_send_mail() {
        let secret = ("JWT_SECRET", "0123456789abcdef0123456789abcdef");
        let err = config(&[("APP_ENV", "production"), secret]).expect_err("must fail");
        assert!(err.to_string().starts_with("SMTP_URL"), "{err}");
        let smtp = config(&[
            ("APP_ENV", "production"),
            secret,
            ("SMTP_URL", "smtp://mail:587?tls=required"),
        ]);
        assert!(smtp.expect("valid").mail.smtp_url.is_some());
        let files = config(&[
            ("APP_ENV", "production"),
            secret,
            ("MAIL_OUTBOX_DIR", "/var/mail/smartsave"),
        ]);
        assert_eq!(
            files.expect("valid").mail.outbox_dir.display().to_string(),
            "/var/mail/smartsave"
        );
        let dev = config(&[]).expect("valid");
        assert_eq!(
            dev.mail.outbox_dir.display().to_string(),
            "mail-outbox",
            "development writes files"
        );
        let bad_from = config(&[("MAIL_FROM", "not an address")]).expect_err("must fail");
        assert!(bad_from.to_string().starts_with("MAIL_FROM is invalid"), "{bad_from}");
    }

    #[test]
    fn production_turns_off_introspection_graphiql_and_suggestions_unless_enabled() {
        let secret = ("JWT_SECRET", "0123456789abcdef0123456789abcdef");
        let smtp = ("SMTP_URL", "smtp://mail:587?tls=required");
        let prod = config(&[("APP_ENV", "production"), secret, smtp]).expect("valid");
        assert!(!prod.introspection && !prod.graphiql && !prod.suggestions);
        let opened = config(&[
            ("APP_ENV", "production"),
            secret,
            smtp,
            ("GRAPHQL_INTROSPECTION", "true"),
            ("GRAPHIQL_ENABLED", "1"),
        ])
        .expect("valid");
        assert!(opened.introspection && opened.graphiql && !opened.suggestions);
        let dev = config(&[]).expect("valid");
        assert!(dev.introspection && dev.graphiql && dev.suggestions);
    }

    #[test]
    fn cors_origins_must_be_origins() {
        let c = config(&[(
            "CORS_ALLOWED_ORIGINS",
            "https://app.example.com, http://localhost:5173/",
        )])
        .expect("valid");
        assert_eq!(
            c.cors_allowed_origins,
            ["https://app.example.com", "http://localhost:5173"]
        );
        for bad in ["*", "app.example.com", "https://app.example.com/path", "ftp://x"] {
            assert!(config(&[("CORS_ALLOWED_ORIGINS", bad)]).is_err(), "{bad}");
        }
    }

    #[test]
    fn graphql_limits_are_configurable_and_bounded() {
        let c = config(&[("GRAPHQL_MAX_DEPTH", "7"), ("GRAPHQL_MAX_BATCH", "10")]).expect("valid");
        assert_eq!(c.graphql_limits.max_depth, 7);
        assert_eq!(c.graphql_limits.max_batch, 10);
        assert_eq!(c.graphql_limits.max_aliases, 15);
        assert!(
            config(&[("GRAPHQL_MAX_BATCH", "11")]).is_err(),
            "batches are capped at 10"
        );
        assert!(config(&[("GRAPHQL_MAX_DEPTH", "0")]).is_err());
        assert!(config(&[("GRAPHIQL_ENABLED", "maybe")]).is_err());
    }

    #[test]
    fn durations_accept_seconds_and_units() {
        let c = config(&[("ACCESS_TOKEN_TTL", "600"), ("REFRESH_TOKEN_TTL", "7d")]).expect("valid");
        assert_eq!(c.access_token_ttl, Duration::from_secs(600));
        assert_eq!(c.refresh_token_ttl, Duration::from_secs(7 * 86400));
        assert!(config(&[("ACCESS_TOKEN_TTL", "soon")]).is_err());
    }

    #[test]
    fn invalid_values_name_the_variable() {
        for (name, value) in [
            ("BIND_ADDR", "nowhere"),
            ("APP_ENV", "staging"),
            ("DATABASE_URL", "mysql://x"),
            ("DATABASE_MAX_CONNECTIONS", "0"),
        ] {
            let err = config(&[(name, value)]).expect_err("must fail");
            assert!(err.to_string().starts_with(name), "{err}");
        }
    }
}
