//! Bad input on the meeting endpoints: each refusal is a 4xx whose message says what was
//! wrong, and nothing is stored (the meeting, its agenda, the lists, its jobs, the notices,
//! the events and the audit trail read the same afterwards).

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use time::macros::datetime;

use crate::jobs::ms;
use crate::meetings::{answer, fixture, Fixture};
use crate::support::api::{message, says_or_is, Api};
use crate::tasks::send_bytes;

/// An id in the form the server gives out that names nothing.
const UNKNOWN_ID: &str = "5f0c3a52-9d1e-4c43-8f57-3b4a1c2d9e01";

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// A scheduled meeting (revision 2) whose market confirmed, with one proposed agenda item.
struct Scene {
    f: Fixture,
    meeting: String,
    item: String,
}

/// What a refusal could have changed.
#[derive(Debug, PartialEq)]
struct Stored {
    meeting: Value,
    meetings: Value,
    jobs: usize,
    notices_sent: Value,
    audit_rows: usize,
    events: i64,
}

async fn scene() -> Scene {
    let f = fixture().await;
    let meeting = f.new_meeting(json!({})).await;
    let meeting = meeting["id"].as_str().unwrap().to_owned();
    let (status, item) = f
        .market
        .post(
            &format!("/api/meetings/{meeting}/agenda"),
            json!({ "title": "联合整治分工" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{item}");
    let item = item["id"].as_str().unwrap().to_owned();
    crate::meetings::step(
        &f.convener,
        &meeting,
        "issue_notice",
        json!({}),
        "scheduled",
    )
    .await;
    let (status, answered) = answer(
        &f.market,
        &meeting,
        f.world.org("market"),
        json!({ "answer": "confirm", "attendee": "张三" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answered}");
    Scene { f, meeting, item }
}

impl Scene {
    async fn read(&self, path: &str) -> Value {
        let (status, body) = self.f.convener.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        body
    }

    async fn stored(&self) -> Stored {
        let meeting = self.read(&format!("/api/meetings/{}", self.meeting)).await;
        let meetings = self.read("/api/meetings").await;
        let notices_sent = self.read("/api/notices?box=sent").await;
        let db = self.f.db().await;
        let jobs = db
            .jobs_of(&format!("meeting:{}", self.meeting))
            .await
            .unwrap()
            .len();
        let audit_rows = db.audit_rows(None, None, 1_000_000).await.unwrap().len();
        let events = db.last_event_seq().await.unwrap();
        db.close().await;
        Stored {
            meeting,
            meetings,
            jobs,
            notices_sent,
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

    fn actions(&self) -> String {
        format!("/api/meetings/{}/actions", self.meeting)
    }
}

#[tokio::test]
async fn malformed_or_mistyped_meeting_bodies_are_refused_saying_what_is_wrong() {
    let s = scene().await;
    let f = &s.f;
    let before = s.stored().await;
    let (status, refused) = send_bytes(
        &f.convener,
        Method::POST,
        "/api/meetings",
        Some("application/json"),
        br#"{"kind": "annual", "title": "#.to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert!(message(&refused).contains("not valid JSON"), "{refused}");
    assert_eq!(s.stored().await, before, "malformed JSON changed something");

    let start = ms(datetime!(2026-03-10 09:30 +8));
    let cases: Vec<(Value, &str)> = vec![
        (json!({ "kind": null }), "missing field `kind`"),
        (json!({ "kind": "weekly" }), "unknown variant"),
        (json!({ "agenda": [] }), "unknown field `agenda`"),
        (json!({ "starts_at": "tomorrow" }), "invalid type"),
        (json!({ "title": "  " }), "title must not be empty"),
        (json!({ "title": "长".repeat(201) }), "longer than 200"),
        (json!({ "title": "a\u{7}b" }), "control characters"),
        (
            json!({ "starts_at": ms(datetime!(2026-03-01 09:30 +8)) }),
            "starts_at is not in the future",
        ),
        (
            json!({ "starts_at": start + 3_660 * DAY_MS + DAY_MS, "ends_at": start + 3_662 * DAY_MS }),
            "ten years",
        ),
        (
            json!({ "ends_at": start }),
            "ends_at must be after starts_at",
        ),
        (json!({ "ends_at": start + 8 * DAY_MS }), "at most 7 days"),
        (
            json!({ "reply_due_at": start + HOUR_MS }),
            "before the meeting starts",
        ),
        (
            json!({ "reply_due_at": ms(datetime!(2026-03-01 18:00 +8)) }),
            "reply_due_at is not in the future",
        ),
        (json!({ "place": null }), "say where"),
        (json!({ "place": "   " }), "say where"),
        (
            json!({ "online_link": "ftp://files.example.gov.cn/x" }),
            "https:// or http://",
        ),
        (json!({ "online_link": "会议链接" }), "web address"),
        (json!({ "invited": [] }), "at least one organization"),
        (
            json!({ "invited": [{ "org_id": f.world.org("market") }, { "org_id": f.world.org("market") }] }),
            "invited twice",
        ),
        (
            json!({ "invited": [{ "org_id": f.world.org("county-bureau") }] }),
            "not invited to its own meeting",
        ),
        (
            json!({ "invited": [{ "org_id": UNKNOWN_ID }] }),
            "names no organization",
        ),
        (
            json!({ "invited": [{ "org_id": f.world.org("market"), "role": "convener" }] }),
            "member or observer",
        ),
        (
            json!({ "invited": [{ "org_id": f.world.org("market"), "role": "chair" }] }),
            "unknown variant",
        ),
    ];
    for (extra, says) in cases {
        s.refused(
            &f.convener,
            Method::POST,
            "/api/meetings",
            Some(f.meeting_body(extra.clone())),
            StatusCode::BAD_REQUEST,
            says,
        )
        .await;
    }
}

#[tokio::test]
async fn unknown_meetings_items_and_bodies_are_404_and_change_nothing() {
    let s = scene().await;
    let f = &s.f;
    let m = &s.meeting;
    let cases: Vec<(Method, String, Option<Value>, &str)> = vec![
        (
            Method::GET,
            format!("/api/meetings/{UNKNOWN_ID}"),
            None,
            "no meeting with this id",
        ),
        (
            Method::GET,
            format!("/api/meetings/{UNKNOWN_ID}/calendar.ics"),
            None,
            "no meeting with this id",
        ),
        (
            Method::POST,
            format!("/api/meetings/{UNKNOWN_ID}/actions"),
            Some(json!({ "command": "start", "revision": 1 })),
            "no meeting with this id",
        ),
        (
            Method::POST,
            format!("/api/meetings/{m}/invitations/{UNKNOWN_ID}"),
            Some(json!({ "answer": "confirm", "attendee": "张三" })),
            "not invited to the meeting",
        ),
        (
            Method::POST,
            format!("/api/meetings/{m}/check-in"),
            Some(json!({ "org_id": f.world.org("court"), "attendance": "attended" })),
            "not invited to the meeting",
        ),
        (
            Method::POST,
            format!("/api/meetings/{m}/agenda/{UNKNOWN_ID}/decision"),
            Some(json!({ "accept": true })),
            "no agenda item",
        ),
        (
            Method::DELETE,
            format!(
                "/api/meetings/{m}/invitees/{}?revision=2",
                f.world.org("court")
            ),
            None,
            "not invited to the meeting",
        ),
        (
            Method::GET,
            "/api/meetings/x/y/z".into(),
            None,
            "request.nothing_here",
        ),
    ];
    for (method, path, body, says) in cases {
        s.refused(
            &f.convener,
            method,
            &path,
            body,
            StatusCode::NOT_FOUND,
            says,
        )
        .await;
    }
}

#[tokio::test]
async fn illegal_commands_are_409_naming_the_rule_and_change_nothing() {
    let s = scene().await;
    let f = &s.f;
    let path = s.actions();
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({ "command": "end", "revision": 2 }),
            "a meeting can end only while it is in_progress; it is now scheduled",
        ),
        (
            json!({ "command": "issue_notice", "revision": 2 }),
            "only while it is a draft; it is now scheduled",
        ),
        (
            json!({ "command": "close", "revision": 2 }),
            "closed only by its signed minutes",
        ),
        (
            json!({ "command": "start", "revision": 1 }),
            "meeting.stale",
        ),
    ];
    for (body, says) in cases {
        s.refused(
            &f.convener,
            Method::POST,
            &path,
            Some(body),
            StatusCode::CONFLICT,
            says,
        )
        .await;
    }
    let m = &s.meeting;
    let conflicts: Vec<(&Api, String, Value, &str)> = vec![
        (
            &f.convener,
            format!("/api/meetings/{m}/check-in"),
            json!({ "org_id": f.world.org("market"), "attendance": "attended" }),
            "only once the meeting has started",
        ),
        (
            &f.convener,
            format!("/api/meetings/{m}/agenda/{}/outcome", s.item),
            json!({ "outcome": "decision" }),
            "only once the meeting has started",
        ),
        (
            &f.market,
            format!("/api/meetings/{m}/agenda/{}/decision", s.item),
            json!({ "accept": true }),
            "only the convening body accepts or rejects agenda items",
        ),
        (
            &f.convener,
            format!("/api/meetings/{m}/invitees"),
            json!({ "org_id": f.world.org("market"), "revision": 2 }),
            "already invited",
        ),
        (
            &f.convener,
            format!("/api/meetings/{m}/invitees"),
            json!({ "org_id": f.world.org("court"), "revision": 1 }),
            "meeting.stale",
        ),
    ];
    for (api, path, body, says) in conflicts {
        s.refused(
            api,
            Method::POST,
            &path,
            Some(body),
            StatusCode::CONFLICT,
            says,
        )
        .await;
    }

    // Once started, the notice's answers and the agenda are closed; once cancelled, all.
    crate::meetings::step(&f.convener, m, "start", json!({}), "in_progress").await;
    s.refused(
        &f.township,
        Method::POST,
        &format!("/api/meetings/{m}/invitations/{}", f.world.org("township")),
        Some(json!({ "answer": "confirm", "attendee": "李四" })),
        StatusCode::CONFLICT,
        "before the meeting starts (scheduled)",
    )
    .await;
    s.refused(
        &f.market,
        Method::POST,
        &format!("/api/meetings/{m}/agenda"),
        Some(json!({ "title": "临时动议" })),
        StatusCode::CONFLICT,
        "only before the meeting starts",
    )
    .await;
    s.refused(
        &f.convener,
        Method::DELETE,
        &format!(
            "/api/meetings/{m}/invitees/{}?revision=3",
            f.world.org("police")
        ),
        None,
        StatusCode::CONFLICT,
        "only before the meeting starts",
    )
    .await;
}

#[tokio::test]
async fn command_fields_that_are_missing_misplaced_or_bad_are_400_and_change_nothing() {
    let s = scene().await;
    let f = &s.f;
    let path = s.actions();
    let new_start = ms(datetime!(2026-03-12 09:30 +8));
    let cases: Vec<(Value, &str)> = vec![
        (json!({ "command": "start" }), "missing field `revision`"),
        (
            json!({ "command": "adjourn", "revision": 2 }),
            "unknown variant",
        ),
        (
            json!({ "command": "cancel", "revision": 2 }),
            "a reason is required to cancel",
        ),
        (
            json!({ "command": "cancel", "revision": 2, "reason": "  " }),
            "reason must not be empty",
        ),
        (
            json!({ "command": "start", "revision": 2, "reason": "准时开始" }),
            "a reason is given only when postponing or cancelling",
        ),
        (
            json!({ "command": "start", "revision": 2, "starts_at": new_start }),
            "given only when postponing or issuing the notice",
        ),
        (
            json!({ "command": "postpone", "revision": 2 }),
            "starts_at is required to postpone",
        ),
        (
            json!({ "command": "postpone", "revision": 2, "starts_at": ms(datetime!(2026-03-01 09:30 +8)) }),
            "starts_at is not in the future",
        ),
        (
            json!({ "command": "postpone", "revision": 2, "starts_at": new_start, "ends_at": new_start - 1 }),
            "ends_at must be after starts_at",
        ),
        (
            json!({ "command": "postpone", "revision": 2, "starts_at": new_start, "reply_due_at": new_start + 1 }),
            "before the meeting starts",
        ),
    ];
    for (body, says) in cases {
        s.refused(
            &f.convener,
            Method::POST,
            &path,
            Some(body),
            StatusCode::BAD_REQUEST,
            says,
        )
        .await;
    }

    let m = &s.meeting;
    let township = f.world.org("township");
    let answers: Vec<(Value, &str)> = vec![
        (
            json!({ "answer": "confirm" }),
            "attendee is required to confirm",
        ),
        (
            json!({ "answer": "confirm", "attendee": " " }),
            "attendee must not be empty",
        ),
        (
            json!({ "answer": "confirm", "attendee": "王五", "delegate": "赵六" }),
            "delegate is given only with the answer delegate",
        ),
        (
            json!({ "answer": "delegate" }),
            "delegate is required to delegate",
        ),
        (
            json!({ "answer": "decline" }),
            "reason is required to decline",
        ),
        (json!({ "answer": "maybe" }), "unknown variant"),
        (
            json!({ "answer": "confirm", "attendee": "a\nb" }),
            "one line",
        ),
    ];
    for (body, says) in answers {
        s.refused(
            &f.township,
            Method::POST,
            &format!("/api/meetings/{m}/invitations/{township}"),
            Some(body),
            StatusCode::BAD_REQUEST,
            says,
        )
        .await;
    }

    let others: Vec<(Method, String, Option<Value>, &str)> = vec![
        (
            Method::POST,
            format!("/api/meetings/{m}/check-in"),
            Some(json!({ "org_id": township, "attendance": "late" })),
            "unknown variant",
        ),
        (
            Method::POST,
            format!("/api/meetings/{m}/agenda"),
            Some(json!({ "title": "" })),
            "title must not be empty",
        ),
        (
            Method::POST,
            format!("/api/meetings/{m}/agenda/{}/outcome", s.item),
            Some(json!({ "outcome": "vote" })),
            "unknown variant",
        ),
        (
            Method::POST,
            format!("/api/meetings/{m}/invitees"),
            Some(json!({ "org_id": UNKNOWN_ID, "revision": 2 })),
            "names no organization",
        ),
        (
            Method::POST,
            format!("/api/meetings/{m}/invitees"),
            Some(json!({ "org_id": f.world.org("court"), "role": "convener", "revision": 2 })),
            "member or observer",
        ),
        (
            Method::DELETE,
            format!("/api/meetings/{m}/invitees/{township}"),
            None,
            "revision",
        ),
        (
            Method::GET,
            "/api/meetings/annual-status?year=1999".into(),
            None,
            "value.year_between",
        ),
        (
            Method::GET,
            "/api/meetings/annual-status?year=next".into(),
            None,
            "year",
        ),
    ];
    for (method, path, body, says) in others {
        s.refused(
            &f.convener,
            method,
            &path,
            body,
            StatusCode::BAD_REQUEST,
            says,
        )
        .await;
    }
}

/// Sends `body` to `path` as `api` (its cookies, its origin), asking for `language` (none:
/// no `Accept-Language` at all); answers the status, `Content-Language` and body.
async fn post_in(
    api: &Api,
    language: Option<&str>,
    path: &str,
    body: &Value,
) -> (StatusCode, Option<String>, Value) {
    let client = reqwest::Client::builder()
        .cookie_provider(api.jar.clone())
        .build()
        .unwrap();
    let mut request = client
        .post(format!("{}{path}", api.base))
        .header("origin", &api.base)
        .json(body);
    if let Some(language) = language {
        request = request.header(reqwest::header::ACCEPT_LANGUAGE, language);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let content_language = response
        .headers()
        .get(reqwest::header::CONTENT_LANGUAGE)
        .map(|v| v.to_str().unwrap().to_owned());
    (status, content_language, response.json().await.unwrap())
}

#[tokio::test]
async fn a_stale_revision_of_a_task_or_a_meeting_is_a_409_said_in_chinese_first_naming_the_current_one(
) {
    let s = scene().await;
    let f = &s.f;
    // A task at revision 2: set by the market bureau, acknowledged by the township.
    let task = crate::tasks::new_task(&f.market, f.world.org("township"), json!({})).await;
    let task = task["id"].as_str().unwrap();
    let (status, body) = f
        .township
        .post(
            &format!("/api/tasks/{task}/actions/acknowledge"),
            json!({ "revision": 1 }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let cases: Vec<(&Api, String, Value, &str, &str, &str)> = vec![
        (
            &f.township,
            format!("/api/tasks/{task}/actions/start"),
            json!({ "revision": 1 }),
            "task.stale",
            "该任务已被他人更新（当前为第 2 版），请刷新后重试",
            "the task was changed by someone else meanwhile (it is at revision 2); reload it and try again",
        ),
        (
            &f.convener,
            s.actions(),
            json!({ "command": "start", "revision": 1 }),
            "meeting.stale",
            "该会议已被他人更新（当前为第 2 版），请刷新后重试",
            "the meeting was changed by someone else meanwhile (it is at revision 2); reload it and try again",
        ),
        // Changing who is invited reads the meeting's revision too.
        (
            &f.convener,
            format!("/api/meetings/{}/invitees", s.meeting),
            json!({ "org_id": f.world.org("court"), "revision": 1 }),
            "meeting.stale",
            "该会议已被他人更新（当前为第 2 版），请刷新后重试",
            "the meeting was changed by someone else meanwhile (it is at revision 2); reload it and try again",
        ),
    ];
    for (api, path, body, reason, zh, en) in cases {
        for (language, said, tag) in [
            (None, zh, "zh-CN"),
            (Some("zh-CN,zh;q=0.9,en;q=0.8"), zh, "zh-CN"),
            (Some("en-US,en;q=0.9,zh;q=0.5"), en, "en"),
        ] {
            let (status, content_language, answer) = post_in(api, language, &path, &body).await;
            assert_eq!(
                status,
                StatusCode::CONFLICT,
                "{path} {language:?}: {answer}"
            );
            assert_eq!(answer["error"]["code"], "conflict", "{answer}");
            assert_eq!(answer["error"]["reason"], reason, "{answer}");
            assert_eq!(answer["error"]["message"], said, "{path} {language:?}");
            assert_eq!(
                content_language.as_deref(),
                Some(tag),
                "{path} {language:?}"
            );
        }
    }
}
