//! The outbound HTTP client of webhooks, and what may be called.
//!
//! A user chooses the URL, so without a guard they could make the server call its own
//! network (a database's HTTP port, a cloud metadata service at 169.254.169.254). Unless
//! `WEBHOOK_ALLOW_PRIVATE=true`, an address that is loopback, private, link-local, shared
//! (CGNAT), unspecified, broadcast or multicast is refused, both when the URL names it and
//! when a host name resolves to it: the check is in the resolver the connection uses, so a
//! name cannot resolve to a public address when checked and a private one when called.
//! Redirects are not followed (a receiver could redirect inward) and proxies are not used.

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    sync::Arc,
    time::Duration,
};

use reqwest::{
    Url,
    dns::{Addrs, Name, Resolve, Resolving},
    header::{CONTENT_TYPE, HeaderMap, RETRY_AFTER, USER_AGENT},
};

use crate::foundation::{
    config::WebhookConfig,
    error::{AppError, AppResult},
};

/// The longest URL a webhook may have.
pub const MAX_URL_LEN: usize = 2048;
/// The response body kept in the log (the start of it).
const KEPT_BODY: usize = 200;

/// What one attempt got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status; none when no response came (refused, timed out, unreachable).
    pub status: Option<u16>,
    /// The `Retry-After` the receiver asked for, in seconds.
    pub retry_after: Option<u64>,
    /// Why it failed, for the log; none on success.
    pub error: Option<String>,
}

impl Answer {
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// Sends signed messages; cheap to clone.
#[derive(Clone)]
pub struct Sender {
    http: reqwest::Client,
    allow_private: bool,
    timeout: Duration,
}

impl Sender {
    pub fn from_config(config: &WebhookConfig) -> AppResult<Sender> {
        // reqwest is built without a provider of its own (ring is the one lettre uses); make it
        // the process default too, so any other reqwest client here finds one. A second call
        // finds it installed, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(AppError::internal)?
            .with_root_certificates(rustls::RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            })
            .with_no_client_auth();
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .dns_resolver(Arc::new(GuardedResolver {
                allow_private: config.allow_private,
            }))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
            .map_err(AppError::internal)?;
        Ok(Sender {
            http,
            allow_private: config.allow_private,
            timeout: config.timeout,
        })
    }

    /// How long a claimed delivery is left to its sender before another may try it: well past
    /// the request timeout.
    pub fn lease(&self) -> Duration {
        self.timeout * 2 + Duration::from_secs(30)
    }

    /// Checks a URL a user gave: http(s), a host, no credentials, and (unless private
    /// addresses are allowed) not a private address literally. Names are checked when called.
    pub fn check_url(&self, url: &str) -> AppResult<Url> {
        let refuse = |why: &str| AppError::invalid("url", why.to_owned());
        if url.len() > MAX_URL_LEN {
            return Err(refuse("at most 2048 characters"));
        }
        let parsed = Url::parse(url).map_err(|e| refuse(&format!("not a URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(refuse("must be http:// or https://"));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(refuse(
                "must not carry credentials; authenticate the receiver by the signature",
            ));
        }
        match parsed.host() {
            None => return Err(refuse("needs a host")),
            Some(url::Host::Ipv4(ip)) if !self.allow_private && refused(IpAddr::V4(ip)) => {
                return Err(refuse(PRIVATE));
            }
            Some(url::Host::Ipv6(ip)) if !self.allow_private && refused(IpAddr::V6(ip)) => {
                return Err(refuse(PRIVATE));
            }
            Some(url::Host::Domain(name)) if !self.allow_private && is_local_name(name) => {
                return Err(refuse(PRIVATE));
            }
            Some(_) => {}
        }
        Ok(parsed)
    }

    /// POSTs `body` with the Standard Webhooks headers.
    pub async fn post(&self, url: &str, headers: Signed<'_>, body: String) -> Answer {
        let url = match self.check_url(url) {
            Ok(url) => url,
            Err(_) => return failed(None, PRIVATE.to_owned()),
        };
        let sent = self
            .http
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .header(USER_AGENT, concat!("SmartSave-Webhooks/", env!("CARGO_PKG_VERSION")))
            .header("webhook-id", headers.message_id)
            .header("webhook-timestamp", headers.timestamp.to_string())
            .header("webhook-signature", headers.signature)
            .body(body)
            .send()
            .await;
        match sent {
            Err(e) => failed(None, describe(&e)),
            Ok(response) => {
                let status = response.status().as_u16();
                let retry_after = retry_after(response.headers());
                if response.status().is_success() {
                    return Answer {
                        status: Some(status),
                        retry_after,
                        error: None,
                    };
                }
                let body = response.text().await.unwrap_or_default();
                let body: String = body.chars().take(KEPT_BODY).collect();
                Answer {
                    status: Some(status),
                    retry_after,
                    error: Some(format!("HTTP {status}: {body}").trim_end_matches([' ', ':']).to_owned()),
                }
            }
        }
    }
}

/// The headers of one signed message.
pub struct Signed<'a> {
    pub message_id: &'a str,
    pub timestamp: i64,
    pub signature: &'a str,
}

const PRIVATE: &str = "must not point at a loopback, private or link-local address";

fn failed(status: Option<u16>, error: String) -> Answer {
    Answer {
        status,
        retry_after: None,
        error: Some(error),
    }
}

/// The error without reqwest's URL (it is in the log already) and with its cause.
fn describe(error: &reqwest::Error) -> String {
    let what = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let mut cause = std::error::Error::source(error);
    let mut detail = String::new();
    while let Some(inner) = cause {
        detail = inner.to_string();
        cause = inner.source();
    }
    if detail.is_empty() {
        what.to_owned()
    } else {
        format!("{what}: {detail}")
    }
}

/// `Retry-After` in seconds (the HTTP-date form is rare from webhook receivers and ignored).
fn retry_after(headers: &HeaderMap) -> Option<u64> {
    headers.get(RETRY_AFTER)?.to_str().ok()?.trim().parse().ok()
}

/// Names that are local by definition, refused before any lookup.
fn is_local_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost") || name.ends_with(".local") || name.ends_with(".internal")
}

/// Whether an address is outside the public internet.
pub fn refused(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => refused_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => refused_v4(v4),
            None => refused_v6(v6),
        },
    }
}

fn refused_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        // 100.64.0.0/10, carrier-grade NAT; 0.0.0.0/8, "this network".
        || (a == 100 && (64..128).contains(&b))
        || a == 0
}

fn refused_v6(ip: Ipv6Addr) -> bool {
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || ip.is_unique_local()
        || ip.is_unicast_link_local()
        // 64:ff9b::/96 NAT64 and ::ffff:0:0/96 are mapped to IPv4 (checked above or refused).
        || ip.segments()[..6] == [0x64, 0xff9b, 0, 0, 0, 0]
}

/// The system resolver, keeping only addresses that may be called.
struct GuardedResolver {
    allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            if !allow_private && is_local_name(&host) {
                return Err(PRIVATE.into());
            }
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|addr| allow_private || !refused(addr.ip()))
                .collect();
            if allowed.is_empty() {
                return Err(format!("{host} {PRIVATE} (or does not resolve)").into());
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_local_addresses_are_refused_and_public_ones_allowed() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(refused(ip.parse().expect("ip")), "{ip} must be refused");
        }
        for ip in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "172.32.0.1"] {
            assert!(!refused(ip.parse().expect("ip")), "{ip} must be allowed");
        }
    }

    #[test]
    fn urls_must_be_http_without_credentials_and_public_when_literal() {
        let strict = Sender::from_config(&WebhookConfig {
            allow_private: false,
            timeout: Duration::from_secs(1),
            retry_schedule: vec![],
            poll_interval: Duration::from_secs(1),
        })
        .expect("client");
        assert!(strict.check_url("https://hooks.example.com/in").is_ok());
        for bad in [
            "ftp://example.com/",
            "https://user:pw@example.com/",
            "http://127.0.0.1:8080/",
            "http://[::1]/",
            "http://localhost/",
            "http://169.254.169.254/latest/meta-data",
            "not a url",
        ] {
            assert!(strict.check_url(bad).is_err(), "{bad} must be refused");
        }
    }
}
