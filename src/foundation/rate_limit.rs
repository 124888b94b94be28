//! Rate limits: sign-in attempts per client IP and per account, and a general budget per
//! user. In memory (governor's GCRA) by default; with REDIS_URL, a fixed window per key in
//! Redis, so several instances enforce one limit.

use std::{
    net::IpAddr,
    num::NonZeroU32,
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use governor::{DefaultKeyedRateLimiter, Quota, clock::Clock};
use sha2::{Digest, Sha256};

use crate::foundation::{
    config::{Config, Quotas},
    error::AppError,
};

/// What is being limited; each has its own quota per minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// register, login and refreshToken from one client IP.
    AuthPerIp,
    /// register and login for one email address.
    AuthPerAccount,
    /// Every GraphQL operation of one signed-in user.
    PerUser,
    /// Mail one address or account can be sent on request (verification, address change,
    /// password reset).
    MailPerAccount,
}

impl Rule {
    fn name(self) -> &'static str {
        match self {
            Rule::AuthPerIp => "auth-ip",
            Rule::AuthPerAccount => "auth-account",
            Rule::PerUser => "user",
            Rule::MailPerAccount => "mail",
        }
    }
}

impl Quotas {
    fn of(&self, rule: Rule) -> u32 {
        match rule {
            Rule::AuthPerIp => self.auth_per_ip,
            Rule::AuthPerAccount => self.auth_per_account,
            Rule::PerUser => self.per_user,
            Rule::MailPerAccount => self.mail_per_account,
        }
    }
}

const WINDOW: Duration = Duration::from_secs(60);

enum Backend {
    Memory {
        limiters: Box<[DefaultKeyedRateLimiter<String>; 4]>,
        checks: AtomicU64,
    },
    Redis {
        connection: redis::aio::ConnectionManager,
        prefix: String,
    },
}

pub struct RateLimiter {
    backend: Backend,
    quotas: Quotas,
}

/// Counts a hit and returns the count and the window's remaining milliseconds, atomically.
const FIXED_WINDOW: &str = r"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}
";

impl RateLimiter {
    /// In memory, or in Redis when `REDIS_URL` is set (failing start-up if it is unreachable).
    pub async fn from_config(config: &Config) -> Result<Self, redis::RedisError> {
        let quotas = config.rate_limits;
        let Some(url) = &config.redis_url else {
            return Ok(Self::in_memory(quotas));
        };
        let client = redis::Client::open(secrecy::ExposeSecret::expose_secret(url))?;
        let connection = redis::aio::ConnectionManager::new(client).await?;
        Ok(RateLimiter {
            backend: Backend::Redis {
                connection,
                prefix: config.redis_prefix.clone(),
            },
            quotas,
        })
    }

    pub fn in_memory(quotas: Quotas) -> Self {
        let limiter = |per_minute: u32| {
            let burst = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
            DefaultKeyedRateLimiter::keyed(Quota::per_minute(burst).allow_burst(burst))
        };
        let limiters = [
            limiter(quotas.auth_per_ip),
            limiter(quotas.auth_per_account),
            limiter(quotas.per_user),
            limiter(quotas.mail_per_account),
        ];
        RateLimiter {
            backend: Backend::Memory {
                limiters: Box::new(limiters),
                checks: AtomicU64::new(0),
            },
            quotas,
        }
    }

    /// Counts one attempt of `rule` for `key`; RATE_LIMITED with the seconds to wait when
    /// the quota is spent. A Redis failure lets the request through (and is logged):
    /// losing the limiter must not take sign-in down with it.
    pub async fn check(&self, rule: Rule, key: &str) -> Result<(), AppError> {
        // Keys are hashed so emails and addresses are never stored in Redis as they are.
        let key = format!("{:x}", Sha256::digest(key.as_bytes()));
        let retry_after = match &self.backend {
            Backend::Memory { limiters, checks } => {
                let limiter = &limiters[rule as usize];
                // Forget idle keys now and then, so memory stays bounded.
                if checks.fetch_add(1, Ordering::Relaxed) % 10_000 == 9_999 {
                    limiter.retain_recent();
                }
                match limiter.check_key(&key) {
                    Ok(()) => None,
                    Err(not_until) => Some(not_until.wait_time_from(governor::clock::DefaultClock::default().now())),
                }
            }
            Backend::Redis { connection, prefix } => {
                let window_ms = u64::try_from(WINDOW.as_millis()).unwrap_or(60_000);
                let counted: Result<(u64, i64), _> = redis::Script::new(FIXED_WINDOW)
                    .key(format!("{prefix}:rl:{}:{key}", rule.name()))
                    .arg(window_ms)
                    .invoke_async(&mut connection.clone())
                    .await;
                match counted {
                    Ok((n, ttl_ms)) if n > u64::from(self.quotas.of(rule)) => {
                        Some(Duration::from_millis(u64::try_from(ttl_ms).unwrap_or(window_ms)))
                    }
                    Ok(_) => None,
                    Err(err) => {
                        tracing::error!(error = %err, "rate limiter unavailable; letting the request through");
                        None
                    }
                }
            }
        };
        match retry_after {
            None => Ok(()),
            Some(wait) => {
                tracing::warn!(rule = rule.name(), "rate limited");
                crate::foundation::metrics::rate_limited(rule.name());
                Err(AppError::RateLimited {
                    retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
                })
            }
        }
    }
}

/// The client's address: the peer, or with TRUST_PROXY_HEADERS the right-most address in
/// X-Forwarded-For (the one our own proxy appended; left-most entries are client-supplied).
pub fn client_ip(peer: Option<IpAddr>, forwarded_for: Option<&str>, trust_proxy: bool) -> Option<IpAddr> {
    if trust_proxy
        && let Some(ip) =
            forwarded_for.and_then(|v| v.rsplit(',').map(str::trim).find_map(|a| a.parse::<IpAddr>().ok()))
    {
        return Some(ip);
    }
    peer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_memory_limiter_counts_per_rule_and_key() {
        let limiter = RateLimiter::in_memory(Quotas {
            auth_per_ip: 2,
            auth_per_account: 1,
            per_user: 3,
            mail_per_account: 1,
        });
        assert!(limiter.check(Rule::AuthPerAccount, "a@example.com").await.is_ok());
        let err = limiter
            .check(Rule::AuthPerAccount, "a@example.com")
            .await
            .expect_err("limited");
        assert!(matches!(err, AppError::RateLimited { retry_after_secs } if (1..=60).contains(&retry_after_secs)));
        assert!(
            limiter.check(Rule::AuthPerAccount, "b@example.com").await.is_ok(),
            "other keys are separate"
        );
        assert!(
            limiter.check(Rule::AuthPerIp, "a@example.com").await.is_ok(),
            "other rules are separate"
        );
    }

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let peer: IpAddr = "10.0.0.1".parse().expect("ip");
        let header = Some("1.2.3.4, 203.0.113.9");
        assert_eq!(client_ip(Some(peer), header, false), Some(peer));
        assert_eq!(client_ip(Some(peer), header, true), "203.0.113.9".parse().ok());
        assert_eq!(client_ip(Some(peer), Some("garbage"), true), Some(peer));
    }
}
