//! A real SMTP server on loopback for the mail tests: it speaks enough of RFC 5321 for
//! lettre (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), keeps every message it accepts, and can
//! refuse the next deliveries with a transient 451 to exercise retries.

use std::{
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
};

/// A message as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    /// The DATA section with quoted-printable undone, so links and tokens read as sent.
    pub body: String,
}

impl Received {
    /// The `token` of the first link in the message (`...?token=<token>`).
    pub fn token(&self) -> String {
        let start = self
            .body
            .find("?token=")
            .map(|i| i + "?token=".len())
            .expect("a link with a token");
        self.body[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect()
    }

    pub fn subject(&self) -> String {
        self.body
            .lines()
            .find_map(|l| l.strip_prefix("Subject: "))
            .unwrap_or_default()
            .to_owned()
    }
}

#[derive(Clone)]
pub struct SmtpSink {
    pub addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    refusals: Arc<AtomicUsize>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the SMTP sink");
        let sink = SmtpSink {
            addr: listener.local_addr().expect("addr"),
            received: Arc::default(),
            refusals: Arc::default(),
        };
        let server = sink.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let server = server.clone();
                tokio::spawn(async move { server.session(stream).await });
            }
        });
        sink
    }

    /// `SMTP_URL` for this server (plain SMTP on loopback).
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Answers the next `n` messages with 451 (try again later).
    pub fn refuse_next(&self, n: usize) {
        self.refusals.store(n, Ordering::SeqCst);
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }

    /// Messages to `address` so far.
    pub fn to(&self, address: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(address)))
            .collect()
    }

    /// Waits (up to 20 s) until `address` has received `n` messages, and returns them.
    pub async fn wait_for(&self, address: &str, n: usize) -> Vec<Received> {
        for _ in 0..200 {
            let mail = self.to(address);
            if mail.len() >= n {
                return mail;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{address} did not receive {n} messages; got {:?}", self.to(address));
    }

    async fn session(&self, stream: tokio::net::TcpStream) {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read).lines();
        let reply = |text: &str| format!("{text}\r\n");
        if write.write_all(reply("220 sink ESMTP").as_bytes()).await.is_err() {
            return;
        }
        let mut to = Vec::new();
        while let Ok(Some(line)) = lines.next_line().await {
            let verb = line.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
            let answer = match verb.as_str() {
                "EHLO" => "250-sink\r\n250 8BITMIME".to_owned(),
                "HELO" | "MAIL" | "NOOP" => "250 OK".to_owned(),
                "RSET" => {
                    to.clear();
                    "250 OK".to_owned()
                }
                "RCPT" => {
                    let address = line.split_once(':').map(|(_, a)| a).unwrap_or_default();
                    to.push(address.trim().trim_start_matches('<').trim_end_matches('>').to_owned());
                    "250 OK".to_owned()
                }
                "DATA" => {
                    if write.write_all(reply("354 go ahead").as_bytes()).await.is_err() {
                        return;
                    }
                    let mut data = String::new();
                    while let Ok(Some(line)) = lines.next_line().await {
                        if line == "." {
                            break;
                        }
                        data.push_str(line.strip_prefix('.').unwrap_or(&line));
                        data.push('\n');
                    }
                    let refused = self
                        .refusals
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_ok();
                    if refused {
                        "451 try again later".to_owned()
                    } else {
                        self.received.lock().expect("lock").push(Received {
                            to: std::mem::take(&mut to),
                            body: undo_quoted_printable(&data),
                        });
                        "250 queued".to_owned()
                    }
                }
                "QUIT" => {
                    let _ = write.write_all(reply("221 bye").as_bytes()).await;
                    return;
                }
                _ => "250 OK".to_owned(),
            };
            if write.write_all(reply(&answer).as_bytes()).await.is_err() {
                return;
            }
        }
    }
}

/// Joins soft line breaks and decodes `=XX` escapes (RFC 2045 quoted-printable).
fn undo_quoted_printable(data: &str) -> String {
    let joined = data.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'=', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
