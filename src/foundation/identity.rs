//! Who is calling: decoded once per request at the edge (the token by `auth`, the address
//! by the HTTP layer) and read by resolvers and services below it.

use uuid::Uuid;

use crate::foundation::entities::users::Role;

/// An authenticated caller, from a valid access token.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    /// When the access token expires (seconds since the epoch); ends long-lived subscriptions.
    pub expires_at: i64,
    /// The session (refresh-token family) the access token belongs to.
    pub session_id: Option<Uuid>,
}

/// What the request's `Authorization` header said.
#[derive(Debug, Clone)]
pub enum RequestAuth {
    /// No header: only public operations (register, login, refresh) are allowed.
    Anonymous,
    User(AuthUser),
    /// A header was sent but is not a valid, current token. Never read as anonymous.
    Invalid,
}

impl RequestAuth {
    /// The signed-in caller, if any.
    pub fn user(&self) -> Option<&AuthUser> {
        match self {
            RequestAuth::User(user) => Some(user),
            _ => None,
        }
    }
}

/// The client's address, for per-address rate limits.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<std::net::IpAddr>);

/// The client's `User-Agent` header, for the sessions list.
#[derive(Debug, Clone, Default)]
pub struct UserAgent(pub Option<String>);

/// Where a session was started or refreshed from, as the sessions list shows it.
#[derive(Debug, Clone, Default)]
pub struct Device {
    /// Cut to 256 characters.
    pub user_agent: Option<String>,
    pub address: Option<String>,
}

impl Device {
    pub fn new(user_agent: Option<&str>, address: Option<std::net::IpAddr>) -> Device {
        Device {
            user_agent: user_agent.map(|ua| ua.chars().take(256).collect()),
            address: address.map(|ip| ip.to_string()),
        }
    }
}
