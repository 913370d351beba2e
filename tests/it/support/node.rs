//! The stock JavaScript y-websocket client (`tests/interop/peer.mjs`) as a child process,
//! driven by JSON lines over stdin/stdout. The tests install its npm packages themselves.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout};

use super::server::workspace_root;

const WAIT: Duration = Duration::from_secs(10);

pub fn interop_dir() -> PathBuf {
    workspace_root().join("tests").join("interop")
}

/// Runs `npm ci` in `tests/interop` once per process when needed (see [`npm_ci`]).
pub fn ensure_node_modules() {
    static READY: OnceLock<()> = OnceLock::new();
    READY.get_or_init(|| {
        npm_ci(
            &interop_dir(),
            "the interop tests need Node.js 18+ and npm (they run the stock JavaScript \
             y-websocket client)",
        )
    });
}

/// Runs `npm ci` in `dir` when `node_modules` is missing or older than `package-lock.json`.
/// Panics with a clear message (`why` says which tests need Node) when `node` or `npm` is
/// missing: tests that need them are never skipped. Callers run it once per process.
pub fn npm_ci(dir: &Path, why: &str) {
    for tool in ["node", "npm"] {
        let found = std::process::Command::new(tool)
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(found, "`{tool}` is not on PATH: {why}");
    }
    // npm keeps a copy of the lock file it installed from in node_modules.
    let installed = modified(&dir.join("node_modules").join(".package-lock.json"));
    let wanted = modified(&dir.join("package-lock.json"));
    if installed.is_some() && installed >= wanted {
        return;
    }
    let status = std::process::Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir)
        .status()
        .expect("npm runs");
    assert!(status.success(), "`npm ci` failed in {}", dir.display());
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// What the JavaScript peer reports for `{"cmd":"state"}`.
#[derive(Debug, Clone)]
pub struct PeerState {
    pub text: String,
    pub synced: bool,
    /// The awareness states of the other clients.
    pub peers: Vec<Value>,
}

/// One `node peer.mjs` process, killed on drop (SIGKILL: its socket just goes away).
pub struct NodePeer {
    child: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
    /// Events (`{"event": …}`) printed so far and not yet taken by `wait_event`.
    pub events: Vec<Value>,
}

impl NodePeer {
    /// Connects to a full `ws://ADDR/ws/docs/{doc}?ticket=T` URL, as `TestClient::connect`.
    pub async fn connect(url: &str) -> NodePeer {
        ensure_node_modules();
        let (base, query) = url.split_once('?').expect("URL has a query");
        let ticket = query.strip_prefix("ticket=").expect("query is ?ticket=…");
        let (server_url, doc) = base.rsplit_once('/').expect("URL ends in /{doc}");
        let mut child = tokio::process::Command::new("node")
            .arg(interop_dir().join("peer.mjs"))
            .args([server_url, doc, ticket])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("node starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        NodePeer {
            child,
            stdin,
            stdout,
            events: Vec::new(),
        }
    }

    pub async fn send(&mut self, command: Value) {
        let line = format!("{command}\n");
        self.stdin
            .write_all(line.as_bytes())
            .await
            .expect("node peer reads commands");
        self.stdin.flush().await.unwrap();
    }

    pub async fn insert(&mut self, text: &str) {
        self.send(serde_json::json!({ "cmd": "insert", "text": text }))
            .await;
    }

    pub async fn set_awareness(&mut self, state: Value) {
        self.send(serde_json::json!({ "cmd": "awareness", "state": state }))
            .await;
    }

    /// Asks for the peer's text, sync flag and the other clients' awareness states.
    pub async fn state(&mut self) -> PeerState {
        self.send(serde_json::json!({ "cmd": "state" })).await;
        loop {
            let line = self.next_line("a state answer").await;
            if line.get("event").is_some() {
                self.events.push(line);
                continue;
            }
            return PeerState {
                text: line["text"].as_str().expect("state has text").to_owned(),
                synced: line["synced"].as_bool().expect("state has synced"),
                peers: line["peers"].as_array().expect("state has peers").clone(),
            };
        }
    }

    /// Waits for an event named `name` (`"synced"`, `"permission-denied"`, …) and takes it.
    pub async fn wait_event(&mut self, name: &str) -> Value {
        loop {
            if let Some(i) = self.events.iter().position(|e| e["event"] == name) {
                return self.events.remove(i);
            }
            let line = self.next_line(&format!("event {name:?}")).await;
            self.events.push(line);
        }
    }

    pub fn has_event(&self, name: &str) -> bool {
        self.events.iter().any(|e| e["event"] == name)
    }

    pub async fn synced(&mut self) {
        self.wait_event("synced").await;
    }

    /// Polls the peer's state until `ready` holds; panics after 10 s.
    pub async fn wait_until(&mut self, what: &str, ready: impl Fn(&PeerState) -> bool) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let state = self.state().await;
            if ready(&state) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for the JavaScript peer: {what}; state {state:?}, events {:?}",
                self.events
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn wait_text(&mut self, expected: &str) {
        self.wait_until(&format!("text {expected:?}"), |s| s.text == expected)
            .await;
    }

    /// SIGKILL: no close frame, no awareness removal from the client.
    pub async fn kill(mut self) {
        self.child.start_kill().unwrap();
        self.child.wait().await.unwrap();
    }

    async fn next_line(&mut self, what: &str) -> Value {
        let line = match tokio::time::timeout(WAIT, self.stdout.next_line()).await {
            Ok(Ok(Some(line))) => line,
            Ok(Ok(None)) | Ok(Err(_)) => {
                let status = self.child.wait().await;
                panic!("the JavaScript peer exited ({status:?}) while waiting for {what}")
            }
            Err(_) => panic!(
                "timed out waiting for the JavaScript peer: {what}; events {:?}",
                self.events
            ),
        };
        serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("the JavaScript peer printed {line:?}, not JSON: {e}"))
    }
}
