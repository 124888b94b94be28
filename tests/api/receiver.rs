//! A webhook receiver on loopback: records every request and answers with scripted statuses,
//! and checks Standard Webhooks signatures independently of the service's code.

use std::{
    collections::VecDeque,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Router,
    extract::State,
    http::{HeaderMap, StatusCode, Uri},
    response::IntoResponse,
};
use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Request {
    pub path: String,
    pub id: String,
    pub timestamp: i64,
    pub signature: String,
    pub content_type: String,
    pub body: String,
}

impl Request {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }

    /// The `v1` signatures of the header, decoded.
    pub fn signatures(&self) -> Vec<Vec<u8>> {
        self.signature
            .split(' ')
            .filter_map(|s| s.strip_prefix("v1,"))
            .map(|s| STANDARD.decode(s).expect("base64 signature"))
            .collect()
    }

    /// Whether one of the signatures is the HMAC-SHA256 of `id.timestamp.body` under `secret`.
    pub fn signed_with(&self, secret: &str) -> bool {
        let key = STANDARD
            .decode(secret.strip_prefix("whsec_").expect("a whsec_ secret"))
            .expect("base64 key");
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("key");
        mac.update(format!("{}.{}.{}", self.id, self.timestamp, self.body).as_bytes());
        let expected = mac.finalize().into_bytes().to_vec();
        self.signatures().contains(&expected)
    }
}

#[derive(Default)]
struct Script {
    next: VecDeque<(u16, Option<&'static str>)>,
    otherwise: u16,
    received: Vec<Request>,
}

pub struct Receiver {
    addr: SocketAddr,
    script: Arc<Mutex<Script>>,
}

impl Receiver {
    /// A receiver answering 200 to everything until told otherwise.
    pub async fn start() -> Receiver {
        let script = Arc::new(Mutex::new(Script {
            otherwise: 200,
            ..Script::default()
        }));
        let router = Router::new().fallback(receive).with_state(Arc::clone(&script));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, router).await });
        Receiver { addr, script }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Answers the next requests with `statuses` (and a `Retry-After`, when given), then as before.
    pub fn answer_next(&self, statuses: &[(u16, Option<&'static str>)]) {
        self.script
            .lock()
            .expect("script")
            .next
            .extend(statuses.iter().copied());
    }

    /// Answers every later request with `status`.
    pub fn answer_always(&self, status: u16) {
        self.script.lock().expect("script").otherwise = status;
    }

    pub fn received(&self) -> Vec<Request> {
        self.script.lock().expect("script").received.clone()
    }

    /// Waits (up to 20 s) for `n` requests, and returns all so far.
    pub async fn wait_for(&self, n: usize) -> Vec<Request> {
        for _ in 0..200 {
            let received = self.received();
            if received.len() >= n {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("expected {n} webhook requests; got {:?}", self.received());
    }

    /// Waits long enough for a delivery the runner would send, and returns all requests.
    pub async fn settled(&self) -> Vec<Request> {
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        self.received()
    }
}

async fn receive(
    State(script): State<Arc<Mutex<Script>>>,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> impl IntoResponse {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let mut script = script.lock().expect("script");
    script.received.push(Request {
        path: uri.path().to_owned(),
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp").parse().unwrap_or_default(),
        signature: header("webhook-signature"),
        content_type: header("content-type"),
        body,
    });
    let (status, retry_after) = script.next.pop_front().unwrap_or((script.otherwise, None));
    let mut answer = HeaderMap::new();
    if let Some(seconds) = retry_after {
        answer.insert("retry-after", seconds.parse().expect("header value"));
    }
    (StatusCode::from_u16(status).expect("status"), answer, "")
}
