//! Bad input on the task and notice endpoints: each refusal is a 4xx whose message says what
//! was wrong, and nothing is stored (the task, the notice, the lists, the jobs and the audit
//! trail read the same afterwards).

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use server::config::WorkArgs;

use crate::support::api::{message, open_db, says_or_is, Api, World};
use crate::support::server::{Options, TestServer};
use crate::tasks::{new_task, send_bytes};

/// An id in the form the server gives out that names nothing.
const UNKNOWN_ID: &str = "5f0c3a52-9d1e-4c43-8f57-3b4a1c2d9e01";

const DAY_MS: i64 = 24 * 3_600_000;

struct Fixture {
    server: TestServer,
    world: World,
    setter: Api,
    assignee: Api,
    /// Dispatched from `market` to `township`, then acknowledged (revision 2).
    task: String,
    /// Sent from `market` to `township`, requiring acknowledgement and a reply.
    notice: String,
}

async fn fixture() -> Fixture {
    fixture_with(Options::default()).await
}

async fn fixture_with(options: Options) -> Fixture {
    let server = TestServer::start_with(options).await;
    let world = World::build(&server).await;
    let setter = Api::signed_in(&server, "market").await;
    let assignee = Api::signed_in(&server, "township").await;
    let task = new_task(&setter, world.org("township"), json!({})).await;
    let task = task["id"].as_str().unwrap().to_owned();
    let (status, body) = assignee
        .post(
            &format!("/api/tasks/{task}/actions/acknowledge"),
            json!({ "revision": 1 }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, notice) = setter
        .post(
            "/api/notices",
            json!({
                "kind": "case_letter",
                "title": "案件函告",
                "body": "请核查。",
                "recipients": [world.org("township")],
                "requires_reply": true,
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{notice}");
    let notice = notice["id"].as_str().unwrap().to_owned();
    Fixture {
        server,
        world,
        setter,
        assignee,
        task,
        notice,
    }
}

/// What a refusal could have changed.
#[derive(Debug, PartialEq)]
struct Stored {
    task: Value,
    tasks_set: Value,
    notice: Value,
    notices_sent: Value,
    jobs: usize,
    audit_rows: usize,
    events: i64,
}

impl Fixture {
    async fn read(&self, path: &str) -> Value {
        let (status, body) = self.setter.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        body
    }

    async fn stored(&self) -> Stored {
        let task = self.read(&format!("/api/tasks/{}", self.task)).await;
        let tasks_set = self.read("/api/tasks?list=set_by_us").await;
        let notice = self.read(&format!("/api/notices/{}", self.notice)).await;
        let notices_sent = self.read("/api/notices?box=sent").await;
        let db = open_db(&self.server, None).await;
        let jobs = db
            .jobs_of(&format!("task:{}", self.task))
            .await
            .unwrap()
            .len();
        let audit_rows = db.audit_rows(None, None, 1_000_000).await.unwrap().len();
        let events = db.last_event_seq().await.unwrap();
        db.close().await;
        Stored {
            task,
            tasks_set,
            notice,
            notices_sent,
            jobs,
            audit_rows,
            events,
        }
    }

    /// Sends one bad request and checks the answer and that nothing changed.
    async fn refused(
        &self,
        api: &Api,
        method: Method,
        path: &str,
        body: Option<Value>,
        status: StatusCode,
        says: &str,
    ) {
        let before = self.stored().await;
        let (got, answer) = api.request(method.clone(), path, body).await;
        assert_eq!(got, status, "{method} {path}: {answer}");
        assert!(
            says_or_is(&answer, says),
            "{method} {path}: the message should say {says:?}: {answer}"
        );
        assert_eq!(
            self.stored().await,
            before,
            "{method} {path} changed something"
        );
    }

    async fn refused_raw(
        &self,
        api: &Api,
        path: &str,
        content_type: Option<&str>,
        bytes: Vec<u8>,
        status: StatusCode,
        says: &str,
    ) {
        let before = self.stored().await;
        let (got, answer) = send_bytes(api, Method::POST, path, content_type, bytes).await;
        assert_eq!(got, status, "POST {path}: {answer}");
        assert!(
            says_or_is(&answer, says),
            "POST {path}: the message should say {says:?}: {answer}"
        );
        assert_eq!(self.stored().await, before, "POST {path} changed something");
    }
}

fn task_body(f: &Fixture, extra: Value) -> Value {
    let mut body = json!({
        "title": "核查",
        "body": "请核查。",
        "assignee_org_id": f.world.org("township"),
        "limit": { "unit": "working_days", "amount": 5 },
    });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            if v.is_null() {
                body.remove(k);
            } else {
                body.insert(k.clone(), v.clone());
            }
        }
    }
    body
}

#[tokio::test]
async fn malformed_or_mistyped_task_bodies_are_refused_saying_what_is_wrong() {
    let f = fixture().await;
    let before = f.stored().await;
    let (status, answer) = send_bytes(
        &f.setter,
        Method::POST,
        "/api/tasks",
        Some("application/json"),
        br#"{"title": "broken"#.to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(message(&answer).contains("not valid JSON"), "{answer}");
    assert_eq!(f.stored().await, before, "malformed JSON changed something");

    let cases: Vec<(Value, &str)> = vec![
        (
            task_body(&f, json!({ "assignee_org_id": null })),
            "missing field `assignee_org_id`",
        ),
        (task_body(&f, json!({ "title": 42 })), "invalid type"),
        (
            task_body(&f, json!({ "priority": "high" })),
            "unknown field `priority`",
        ),
        (
            task_body(&f, json!({ "title": "   " })),
            "title must not be empty",
        ),
        (
            task_body(&f, json!({ "title": "长".repeat(201) })),
            "longer than 200",
        ),
        (
            task_body(&f, json!({ "body": "长".repeat(20_001) })),
            "longer than 20000",
        ),
        (
            task_body(&f, json!({ "limit": { "unit": "weeks", "amount": 2 } })),
            "unknown variant",
        ),
        (
            task_body(
                &f,
                json!({ "limit": { "unit": "working_days", "amount": 0 } }),
            ),
            "at least 1",
        ),
        (task_body(&f, json!({ "limit": null })), "either as limit"),
        (
            task_body(&f, json!({ "due_at": 4_102_444_800_000i64 })),
            "not both",
        ),
        (
            task_body(&f, json!({ "limit": null, "due_at": 1_000 })),
            "not in the future",
        ),
        (
            task_body(&f, json!({ "assignee_org_id": f.world.org("market") })),
            "for itself",
        ),
        (
            task_body(&f, json!({ "assignee_org_id": UNKNOWN_ID })),
            "names no organization",
        ),
        (
            task_body(&f, json!({ "source": "rumour" })),
            "unknown variant",
        ),
    ];
    for (body, says) in cases {
        f.refused(
            &f.setter,
            Method::POST,
            "/api/tasks",
            Some(body),
            StatusCode::BAD_REQUEST,
            says,
        )
        .await;
    }
}

#[tokio::test]
async fn an_oversized_json_body_is_refused_and_stores_nothing() {
    let f = fixture().await;
    let body = task_body(&f, json!({ "body": "长".repeat(100_000) }));

    f.refused(
        &f.setter,
        Method::POST,
        "/api/tasks",
        Some(body),
        StatusCode::PAYLOAD_TOO_LARGE,
        "256 KiB",
    )
    .await;
}

#[tokio::test]
async fn bad_actions_on_a_task_are_refused_and_change_nothing() {
    let f = fixture().await;
    let id = &f.task;
    let action = |command: &str| format!("/api/tasks/{id}/actions/{command}");
    let cases: Vec<(&Api, String, Value, StatusCode, &str)> = vec![
        (
            &f.setter,
            format!("/api/tasks/{UNKNOWN_ID}"),
            json!(null),
            StatusCode::NOT_FOUND,
            "no task with this id",
        ),
        (
            &f.assignee,
            format!("/api/tasks/{UNKNOWN_ID}/actions/start"),
            json!({ "revision": 2 }),
            StatusCode::NOT_FOUND,
            "no task with this id",
        ),
        (
            &f.assignee,
            action("finish"),
            json!({ "revision": 2 }),
            StatusCode::BAD_REQUEST,
            "unknown value \"finish\"",
        ),
        (
            &f.assignee,
            action("start"),
            json!({}),
            StatusCode::BAD_REQUEST,
            "missing field `revision`",
        ),
        (
            &f.assignee,
            action("start"),
            json!({ "revision": "2" }),
            StatusCode::BAD_REQUEST,
            "invalid type",
        ),
        (
            &f.assignee,
            action("start"),
            json!({ "revision": 1 }),
            StatusCode::CONFLICT,
            "task.stale",
        ),
        (
            &f.assignee,
            action("submit"),
            json!({ "revision": 2 }),
            StatusCode::BAD_REQUEST,
            "feedback is required",
        ),
        (
            &f.assignee,
            action("submit"),
            json!({ "revision": 2, "feedback": " " }),
            StatusCode::BAD_REQUEST,
            "feedback must not be empty",
        ),
        (
            &f.assignee,
            action("return"),
            json!({ "revision": 2 }),
            StatusCode::BAD_REQUEST,
            "reason is required",
        ),
        (
            &f.setter,
            action("cancel"),
            json!({ "revision": 2, "reason": "" }),
            StatusCode::BAD_REQUEST,
            "reason must not be empty",
        ),
        (
            &f.assignee,
            action("start"),
            json!({ "revision": 2, "assignee_org_id": f.world.org("police") }),
            StatusCode::BAD_REQUEST,
            "only when reassigning",
        ),
        (
            &f.assignee,
            action("start"),
            json!({ "revision": 2, "feedback": "x" }),
            StatusCode::BAD_REQUEST,
            "only when submitting",
        ),
        (
            &f.assignee,
            format!("/api/tasks/{id}/comments"),
            json!({ "body": "" }),
            StatusCode::BAD_REQUEST,
            "body must not be empty",
        ),
        (
            &f.assignee,
            format!("/api/tasks/{id}/comments"),
            json!({ "text": "hi" }),
            StatusCode::BAD_REQUEST,
            "unknown field",
        ),
        (
            &f.assignee,
            format!("/api/tasks/{id}/extensions"),
            json!({ "new_due_at": 1_000, "reason": "延期" }),
            StatusCode::BAD_REQUEST,
            "later than the current deadline",
        ),
        (
            &f.assignee,
            format!("/api/tasks/{id}/extensions"),
            json!({ "new_due_at": 4_102_444_800_000i64 }),
            StatusCode::BAD_REQUEST,
            "missing field `reason`",
        ),
        (
            &f.assignee,
            format!("/api/tasks/{id}/extensions"),
            json!({ "new_due_at": 4_102_444_800_000i64, "reason": "  " }),
            StatusCode::BAD_REQUEST,
            "reason must not be empty",
        ),
        (
            &f.setter,
            format!("/api/tasks/{id}/extensions/{UNKNOWN_ID}/decision"),
            json!({ "grant": true }),
            StatusCode::NOT_FOUND,
            "no extension request",
        ),
        (
            &f.setter,
            format!("/api/tasks/{id}/attachments/{UNKNOWN_ID}"),
            json!(null),
            StatusCode::NOT_FOUND,
            "no attachment",
        ),
        (
            &f.setter,
            "/api/tasks?list=everything".to_owned(),
            json!(null),
            StatusCode::BAD_REQUEST,
            "unknown variant",
        ),
        (
            &f.setter,
            "/api/tasks?limit=0".to_owned(),
            json!(null),
            StatusCode::BAD_REQUEST,
            "value.limit_between",
        ),
    ];
    for (api, path, body, status, says) in cases {
        let method = if body.is_null() {
            Method::GET
        } else {
            Method::POST
        };
        let body = (!body.is_null()).then_some(body);
        f.refused(api, method, &path, body, status, says).await;
    }
}

#[tokio::test]
async fn a_reassignment_or_dispatch_with_a_past_deadline_is_refused() {
    let f = fixture().await;
    let draft = new_task(
        &f.setter,
        f.world.org("township"),
        json!({ "dispatch": false, "limit": null, "due_at": server::db::now_unix_ms() + DAY_MS }),
    )
    .await;
    let path = format!(
        "/api/tasks/{}/actions/dispatch",
        draft["id"].as_str().unwrap()
    );

    let (status, answer) = f
        .setter
        .post(&path, json!({ "revision": 1, "due_at": 1_000 }))
        .await;

    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(message(&answer).contains("not in the future"), "{answer}");
    let (_, after) = f
        .setter
        .get(&format!("/api/tasks/{}", draft["id"].as_str().unwrap()))
        .await;
    assert_eq!(after["state"], "created");
    assert_eq!(after["revision"], 1);
}

#[tokio::test]
async fn bad_attachments_are_refused_and_store_nothing() {
    let f = fixture().await;
    let path = |query: &str| format!("/api/tasks/{}/attachments{query}", f.task);

    f.refused_raw(
        &f.assignee,
        &path(""),
        Some("text/plain"),
        b"x".to_vec(),
        StatusCode::BAD_REQUEST,
        "name the file",
    )
    .await;
    f.refused_raw(
        &f.assignee,
        &path("?name=..%2Fetc%2Fpasswd"),
        Some("text/plain"),
        b"x".to_vec(),
        StatusCode::BAD_REQUEST,
        "plain name",
    )
    .await;
    f.refused_raw(
        &f.assignee,
        &path(&format!("?name={}", "a".repeat(201))),
        Some("text/plain"),
        b"x".to_vec(),
        StatusCode::BAD_REQUEST,
        "longer than 200",
    )
    .await;
    f.refused_raw(
        &f.assignee,
        &path("?name=empty.txt"),
        Some("text/plain"),
        Vec::new(),
        StatusCode::BAD_REQUEST,
        "empty",
    )
    .await;
    f.refused_raw(
        &f.assignee,
        &path("?name=a.bin"),
        Some("not a type"),
        b"x".to_vec(),
        StatusCode::BAD_REQUEST,
        "media type",
    )
    .await;
    f.refused_raw(
        &f.assignee,
        &format!("/api/tasks/{UNKNOWN_ID}/attachments?name=a.txt"),
        Some("text/plain"),
        b"x".to_vec(),
        StatusCode::NOT_FOUND,
        "no task with this id",
    )
    .await;
}

#[tokio::test]
async fn an_attachment_over_the_size_limit_is_413_and_one_at_the_limit_is_stored() {
    let limit = 64 * 1024;
    let f = fixture_with(Options {
        work: WorkArgs {
            max_attachment_bytes: limit,
            ..WorkArgs::default()
        },
        ..Options::default()
    })
    .await;
    let path = format!("/api/tasks/{}/attachments?name=big.bin", f.task);

    f.refused_raw(
        &f.assignee,
        &path,
        Some("application/octet-stream"),
        vec![7u8; limit + 1],
        StatusCode::PAYLOAD_TOO_LARGE,
        "larger than the 65536 bytes",
    )
    .await;
    // Far beyond the limit, and far beyond the 256 KiB of JSON bodies: refused the same way.
    f.refused_raw(
        &f.assignee,
        &path,
        Some("application/octet-stream"),
        vec![7u8; 2 * 1024 * 1024],
        StatusCode::PAYLOAD_TOO_LARGE,
        "larger than",
    )
    .await;

    let (status, stored) = send_bytes(
        &f.assignee,
        Method::POST,
        &path,
        Some("application/octet-stream"),
        vec![7u8; limit],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{stored}");
    assert_eq!(stored["size"], limit);
}

#[tokio::test]
async fn bad_notices_and_notice_commands_are_refused_and_change_nothing() {
    let f = fixture().await;
    let township = f.world.org("township");
    let market = f.world.org("market");
    let notice = |extra: Value| {
        let mut body = json!({
            "kind": "information",
            "title": "通报",
            "body": "请知悉。",
            "recipients": [township],
        });
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        body
    };
    let id = &f.notice;
    let soon = server::db::now_unix_ms() + DAY_MS;
    let cases: Vec<(&Api, String, Option<Value>, StatusCode, &str)> = vec![
        (
            &f.setter,
            "/api/notices".into(),
            Some(notice(json!({ "recipients": [] }))),
            StatusCode::BAD_REQUEST,
            "at least one",
        ),
        (
            &f.setter,
            "/api/notices".into(),
            Some(notice(json!({ "recipients": [township, township] }))),
            StatusCode::BAD_REQUEST,
            "notice.recipient_twice",
        ),
        (
            &f.setter,
            "/api/notices".into(),
            Some(notice(json!({ "recipients": [market] }))),
            StatusCode::BAD_REQUEST,
            "to itself",
        ),
        (
            &f.setter,
            "/api/notices".into(),
            Some(notice(json!({ "recipients": [UNKNOWN_ID] }))),
            StatusCode::BAD_REQUEST,
            "names no organization",
        ),
        (
            &f.setter,
            "/api/notices".into(),
            Some(notice(json!({ "recipients": township }))),
            StatusCode::BAD_REQUEST,
            "invalid type",
        ),
        (
            &f.setter,
            "/api/notices".into(),
            Some(notice(json!({ "kind": "rumour" }))),
            StatusCode::BAD_REQUEST,
            "unknown variant",
        ),
        (
            &f.setter,
            "/api/notices".into(),
            Some(notice(json!({ "title": "" }))),
            StatusCode::BAD_REQUEST,
            "title must not be empty",
        ),
        (
            &f.setter,
            "/api/notices".into(),
            Some(notice(json!({ "reply_due_at": soon }))),
            StatusCode::BAD_REQUEST,
            "only when requires_reply",
        ),
        (
            &f.setter,
            "/api/notices".into(),
            Some(notice(
                json!({ "requires_reply": true, "reply_due_at": 1_000 }),
            )),
            StatusCode::BAD_REQUEST,
            "not in the future",
        ),
        (
            &f.setter,
            format!("/api/notices/{UNKNOWN_ID}"),
            None,
            StatusCode::NOT_FOUND,
            "no notice with this id",
        ),
        (
            &f.assignee,
            format!("/api/notices/{UNKNOWN_ID}/acknowledge"),
            Some(json!({})),
            StatusCode::NOT_FOUND,
            "no notice with this id",
        ),
        (
            &f.assignee,
            format!("/api/notices/{id}/reply"),
            Some(json!({ "body": "答复" })),
            StatusCode::CONFLICT,
            "",
        ),
        (
            &f.assignee,
            format!("/api/notices/{id}/reply"),
            Some(json!({ "body": "" })),
            StatusCode::BAD_REQUEST,
            "body must not be empty",
        ),
        (
            &f.setter,
            format!("/api/notices/{id}/receipts/{UNKNOWN_ID}/close"),
            Some(json!({})),
            StatusCode::NOT_FOUND,
            "did not receive",
        ),
        (
            &f.setter,
            format!("/api/notices/{id}/receipts/{township}/close"),
            Some(json!({})),
            StatusCode::CONFLICT,
            "",
        ),
        (
            &f.setter,
            format!("/api/notices/{id}/correct"),
            Some(json!({ "title": "更正" })),
            StatusCode::BAD_REQUEST,
            "missing field `body`",
        ),
        (
            &f.setter,
            format!("/api/notices/{id}/recall"),
            Some(json!({})),
            StatusCode::BAD_REQUEST,
            "missing field `reason`",
        ),
        (
            &f.setter,
            "/api/notices?box=outbox".into(),
            None,
            StatusCode::BAD_REQUEST,
            "unknown variant",
        ),
        (
            &f.setter,
            "/api/notices?box=sent&pending=true".into(),
            None,
            StatusCode::BAD_REQUEST,
            "received box only",
        ),
        (
            &f.setter,
            "/api/inbox?limit=1000".into(),
            None,
            StatusCode::BAD_REQUEST,
            "value.limit_between",
        ),
    ];
    for (api, path, body, status, says) in cases {
        let method = if body.is_some() {
            Method::POST
        } else {
            Method::GET
        };
        f.refused(api, method, &path, body, status, says).await;
    }
}
