//! `GET /api/events`: live events over Server-Sent Events, resumable with `Last-Event-ID`
//! without losing or repeating one, and only the caller's own.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};
use server::db::{now_unix_ms, Audience, Db, NewEvent};

use crate::support::api::{open_db, Api, World};
use crate::support::server::TestServer;

const WAIT: Duration = Duration::from_secs(10);

/// One message of the stream.
#[derive(Debug, Clone)]
pub(crate) struct Message {
    pub(crate) id: i64,
    pub(crate) event: String,
    pub(crate) data: Value,
}

/// A minimal EventSource: reads `id:`, `event:`, `data:` blocks, skips comments.
pub(crate) struct EventStream {
    response: reqwest::Response,
    buffer: String,
}

impl EventStream {
    pub(crate) async fn open(api: &Api, last_event_id: Option<i64>, query: &str) -> EventStream {
        let mut request = api
            .client
            .get(format!("{}/api/events{query}", api.base))
            .header("accept", "text/event-stream");
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id.to_string());
        }
        if let Some(token) = &api.bearer {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let content_type = response.headers()["content-type"].to_str().unwrap();
        assert!(
            content_type.starts_with("text/event-stream"),
            "{content_type}"
        );
        EventStream {
            response,
            buffer: String::new(),
        }
    }

    /// The next message, or `None` if none comes within `wait`.
    async fn next_within(&mut self, wait: Duration) -> Option<Message> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut id, mut event, mut data) = (None, String::new(), String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = Some(v.trim().parse::<i64>().unwrap());
                    } else if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                // A comment (the heartbeat) has no data.
                if let Some(id) = id {
                    return Some(Message {
                        id,
                        event,
                        data: serde_json::from_str(&data).unwrap(),
                    });
                }
                continue;
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk())
                .await
                .ok()?
                .expect("the stream reads")
                .expect("the stream stays open");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    pub(crate) async fn next(&mut self) -> Message {
        self.next_within(WAIT)
            .await
            .expect("an event arrives in time")
    }
}

/// Appends one event per subject, in order, to the given audience.
async fn append(db: &Db, audience: &Audience, subjects: &[&str]) {
    append_kind(db, audience, "notice.received", subjects).await;
}

async fn append_kind(db: &Db, audience: &Audience, kind: &str, subjects: &[&str]) {
    let events: Vec<NewEvent> = subjects
        .iter()
        .map(|s| NewEvent {
            audience: audience.clone(),
            kind: kind.into(),
            subject: (*s).to_owned(),
            payload: json!({ "title": format!("标题 {s}") }),
        })
        .collect();
    db.append_events(now_unix_ms(), &events).await.unwrap();
}

#[tokio::test]
async fn a_client_that_reconnects_with_last_event_id_gets_every_missed_event_once_in_order() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let db = open_db(&server, None).await;
    let market = Audience::Org(world.org("market").into());
    let person = Audience::User(world.users["market"].clone());
    let police = Audience::Org(world.org("police").into());
    let api = Api::signed_in(&server, "market").await;

    let mut stream = EventStream::open(&api, None, "").await;
    append(&db, &market, &["s1"]).await;
    append(&db, &police, &["other-1"]).await;
    append(&db, &person, &["s2"]).await;
    append(&db, &market, &["s3"]).await;
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(stream.next().await);
    }
    let subjects: Vec<&str> = got
        .iter()
        .map(|m| m.data["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects, ["s1", "s2", "s3"]);
    assert!(got.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(got[0].event, "notice.received");
    assert_eq!(got[0].data["id"], got[0].id);
    assert_eq!(got[0].data["payload"]["title"], "标题 s1");
    let last_seen = got[2].id;
    drop(stream);

    // Missed while disconnected.
    append(&db, &market, &["m1", "m2"]).await;
    append(&db, &police, &["other-2", "other-3"]).await;
    append(&db, &person, &["m3"]).await;
    append(&db, &market, &["m4"]).await;

    let mut stream = EventStream::open(&api, Some(last_seen), "").await;
    let mut missed = Vec::new();
    for _ in 0..4 {
        missed.push(stream.next().await);
    }
    let subjects: Vec<&str> = missed
        .iter()
        .map(|m| m.data["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects, ["m1", "m2", "m3", "m4"]);
    assert!(missed.windows(2).all(|w| w[0].id < w[1].id));
    assert!(missed[0].id > last_seen);

    // Then live again: the next message is the new event, nothing repeated before it.
    append(&db, &market, &["live"]).await;
    let next = stream.next().await;
    assert_eq!(next.data["subject"], "live");
    assert!(next.id > missed[3].id);
    assert!(stream
        .next_within(Duration::from_millis(1500))
        .await
        .is_none());

    // `?after=` resumes the same way (for clients that cannot set the header).
    let mut stream = EventStream::open(&api, None, &format!("?after={last_seen}")).await;
    assert_eq!(stream.next().await.data["subject"], "m1");
}

#[tokio::test]
async fn another_bodys_events_never_reach_the_stream() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let db = open_db(&server, None).await;
    append(
        &db,
        &Audience::Org(world.org("market").into()),
        &["market-1"],
    )
    .await;
    append(
        &db,
        &Audience::User(world.users["market"].clone()),
        &["market-person"],
    )
    .await;
    append(
        &db,
        &Audience::Org(world.org("police").into()),
        &["police-1"],
    )
    .await;
    let api = Api::signed_in(&server, "police").await;
    let mut stream = EventStream::open(&api, Some(0), "").await;
    assert_eq!(stream.next().await.data["subject"], "police-1");
    append(
        &db,
        &Audience::Org(world.org("market").into()),
        &["market-2"],
    )
    .await;
    append(
        &db,
        &Audience::Org(world.org("police").into()),
        &["police-2"],
    )
    .await;
    assert_eq!(stream.next().await.data["subject"], "police-2");
    assert!(stream
        .next_within(Duration::from_millis(1500))
        .await
        .is_none());

    // An open stream does not hold up a shutdown: the server ends it.
    let started = std::time::Instant::now();
    server.stop().await;
    assert!(started.elapsed() < Duration::from_secs(5));
    drop(stream);
}

#[tokio::test]
async fn the_stream_needs_credentials_and_a_valid_last_event_id() {
    let server = TestServer::start().await;
    World::build(&server).await;
    let anonymous = Api::new(&server);
    let (status, body) = anonymous.get("/api/events").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");

    let api = Api::signed_in(&server, "market").await;
    let response = api
        .client
        .get(format!("{}/api/events", api.base))
        .header("last-event-id", "yesterday")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let (status, _) = api.get("/api/events?after=-5").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn an_api_token_sees_only_the_kinds_of_events_its_permissions_cover() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let db = open_db(&server, None).await;
    let market = world.org("market");
    let admin = Api::signed_in(&server, "market-admin").await;
    let (admin, server) = (&admin, &server);
    let token = |permissions: Value| async move {
        let (status, created) = admin
                .post(
                    &format!("/api/orgs/{market}/tokens"),
                    json!({ "name": format!("系统 {permissions}"), "permissions": permissions, "expires_in_days": 1 }),
                )
                .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        Api::with_token(server, created["token"].as_str().unwrap())
    };
    let spaces_only = token(json!(["spaces:read"])).await;
    let (status, _) = spaces_only.get("/api/events").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let tasks_only = token(json!(["tasks:read"])).await;
    let audience = Audience::Org(market.into());
    append_kind(&db, &audience, "notice.received", &["n1"]).await;
    append_kind(&db, &audience, "task.dispatched", &["t1"]).await;
    append_kind(&db, &audience, "notice.reminder", &["n2"]).await;
    append_kind(&db, &audience, "task.overdue", &["t2"]).await;
    let mut stream = EventStream::open(&tasks_only, Some(0), "").await;
    assert_eq!(stream.next().await.data["subject"], "t1");
    assert_eq!(stream.next().await.data["subject"], "t2");
    append_kind(&db, &audience, "notice.received", &["n3"]).await;
    append_kind(&db, &audience, "task.comment", &["t3"]).await;
    assert_eq!(stream.next().await.data["subject"], "t3");
}
