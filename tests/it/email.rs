//! E-mail: an event to a body with a mailbox reaches a real SMTP server (nodemailer's
//! `smtp-server`, `tests/smtp/sink.mjs`), in Chinese first, then English.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};
use server::clock::Clock;
use server::config::WorkArgs;
use server::db::{now_unix_ms, Audience, NewEvent};
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout};

use crate::support::api::{open_db, Api, World};
use crate::support::server::{workspace_root, Options, TestServer};

fn sink_dir() -> PathBuf {
    workspace_root().join("tests").join("smtp")
}

/// One `node sink.mjs` process, killed on drop.
struct SmtpSink {
    port: u16,
    lines: Lines<BufReader<ChildStdout>>,
    _child: Child,
    /// Held open: the sink exits when its standard input closes.
    _stdin: ChildStdin,
}

impl SmtpSink {
    async fn start() -> SmtpSink {
        static READY: OnceLock<()> = OnceLock::new();
        READY.get_or_init(|| {
            crate::support::node::npm_ci(
                &sink_dir(),
                "the e-mail tests need Node.js 18+ and npm (they run nodemailer's smtp-server \
                 as the SMTP relay)",
            )
        });
        let mut child = tokio::process::Command::new("node")
            .arg(sink_dir().join("sink.mjs"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("node starts");
        let stdin = child.stdin.take().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let ready = Self::read(&mut lines).await;
        SmtpSink {
            port: u16::try_from(ready["port"].as_u64().expect("a port")).unwrap(),
            lines,
            _child: child,
            _stdin: stdin,
        }
    }

    async fn read(lines: &mut Lines<BufReader<ChildStdout>>) -> Value {
        let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .expect("the SMTP sink answers in time")
            .expect("reading the sink's output")
            .expect("the sink prints a line");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("the sink printed {line:?}: {e}"))
    }

    /// The next message received.
    async fn message(&mut self) -> Value {
        Self::read(&mut self.lines).await
    }
}

#[tokio::test]
async fn an_event_to_a_body_with_a_mailbox_is_emailed_in_chinese_then_english() {
    let mut sink = SmtpSink::start().await;
    let clock = Clock::manual(now_unix_ms());
    let server = TestServer::start_with(Options {
        clock: Some(clock.clone()),
        work: WorkArgs {
            smtp_url: Some(format!("smtp://127.0.0.1:{}", sink.port)),
            smtp_from: "concord@sfj.example.gov.cn".into(),
            ..WorkArgs::default()
        },
        ..Options::default()
    })
    .await;
    let world = World::build(&server).await;
    let admin = Api::signed_in(&server, "market-admin").await;
    let (status, body) = admin
        .put(
            &format!("/api/orgs/{}/mailbox", world.org("market")),
            json!({ "email": "office@scjg.example.gov.cn" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Any write that makes an event to the body schedules the e-mail with it.
    let db = open_db(&server, None).await.with_mail_delivery(true);
    db.append_events(
        clock.now_ms(),
        &[NewEvent {
            audience: Audience::Org(world.org("market").into()),
            kind: "task.overdue".into(),
            subject: "task:t-42".into(),
            payload: json!({ "title": "核查无证经营线索" }),
        }],
    )
    .await
    .unwrap();
    assert_eq!(server.worker.run_due().await.unwrap(), 1);

    let mail = sink.message().await;
    assert_eq!(mail["from"], "concord@sfj.example.gov.cn");
    assert_eq!(mail["to"], json!(["office@scjg.example.gov.cn"]));
    assert_eq!(
        mail["subject"],
        "[concord] 任务逾期催办 / Task overdue: 核查无证经营线索"
    );
    let text = mail["text"].as_str().unwrap();
    let zh = text.find("任务逾期催办").expect("the Chinese part");
    let en = text.find("Task overdue").expect("the English part");
    assert!(zh < en, "{text}");
    assert!(text.contains("task:t-42"));

    // Nothing more is sent for it.
    assert_eq!(server.worker.run_due().await.unwrap(), 0);
}
