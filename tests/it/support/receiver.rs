//! A webhook receiver, as an agency system would run one: an HTTP server on 127.0.0.1:0 that
//! checks each call's signature with the secret it was given and records every call.
//!
//! Each path (`/hooks/<name>`) is one receiving endpoint with its own [`Mode`]. The signature
//! is verified here independently of the server's code: HMAC-SHA256 over
//! `"<Concord-Timestamp>.<body>"`, compared in constant time.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How an endpoint answers.
#[derive(Debug, Clone)]
pub enum Mode {
    /// Verifies the signature with this secret: 200 when it matches, 401 when not.
    Verify(String),
    /// Answers this status without looking.
    Status(u16),
}

/// One call as received.
#[derive(Debug, Clone)]
pub struct Call {
    pub endpoint: String,
    pub event_id: String,
    pub timestamp: String,
    pub signature: String,
    pub body: String,
    /// `Some(true)` when the signature matched the endpoint's secret, `Some(false)` when it
    /// did not, `None` when the endpoint does not verify.
    pub signature_ok: Option<bool>,
    pub answered: u16,
}

#[derive(Default)]
struct Shared {
    modes: Mutex<HashMap<String, Mode>>,
    calls: Mutex<Vec<Call>>,
}

/// The receiver; its server stops when the test ends.
#[derive(Clone)]
pub struct Receiver {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let shared = Arc::new(Shared::default());
        let app = Router::new()
            .route("/hooks/{name}", post(receive))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Receiver { addr, shared }
    }

    /// The URL of endpoint `name`.
    pub fn url(&self, name: &str) -> String {
        format!("http://{}/hooks/{name}", self.addr)
    }

    pub fn set_mode(&self, name: &str, mode: Mode) {
        self.shared
            .modes
            .lock()
            .unwrap()
            .insert(name.to_owned(), mode);
    }

    /// Every call so far, in arrival order.
    pub fn calls(&self) -> Vec<Call> {
        self.shared.calls.lock().unwrap().clone()
    }

    /// The calls to endpoint `name`.
    pub fn calls_to(&self, name: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.endpoint == name)
            .collect()
    }
}

/// True when `signature` is `v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
pub fn signature_matches(secret: &str, timestamp: &str, body: &[u8], signature: &str) -> bool {
    let Some(hex_mac) = signature.strip_prefix("v1=") else {
        return false;
    };
    let Ok(given) = hex::decode(hex_mac) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

async fn receive(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let (event_id, timestamp, signature) = (
        header("concord-event-id"),
        header("concord-timestamp"),
        header("concord-signature"),
    );
    let mode = shared
        .modes
        .lock()
        .unwrap()
        .get(&name)
        .cloned()
        .unwrap_or(Mode::Status(200));
    let (signature_ok, answered) = match &mode {
        Mode::Verify(secret) => {
            let ok = signature_matches(secret, &timestamp, &body, &signature);
            (Some(ok), if ok { 200 } else { 401 })
        }
        Mode::Status(status) => (None, *status),
    };
    shared.calls.lock().unwrap().push(Call {
        endpoint: name,
        event_id,
        timestamp,
        signature,
        body: String::from_utf8_lossy(&body).into_owned(),
        signature_ok,
        answered,
    });
    StatusCode::from_u16(answered).unwrap()
}
