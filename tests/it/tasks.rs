//! Tasks (任务 / 督办事项) over HTTP, against a real server: the whole life of a task, its
//! history and audit rows, returns and reassignment, extensions and the jobs they move,
//! comments, evidence files, and every illegal transition refused with its rule.
//!
//! `market` (上城区市场监督管理局) sets the tasks; `township` (湖滨街道办事处) is assigned them.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use server::auth::session::{new_secret, secret_hash};
use server::db::{now_unix_ms, AuditEvent, AuditRow, Db, NewApiToken};
use server::domain::org::Name;
use sha2::{Digest, Sha256};

use crate::support::api::{message, open_db, Api, World};
use crate::support::postgres::fresh_database_url;
use crate::support::server::{Options, TestServer};

const DAY_MS: i64 = 24 * 3_600_000;

/// A server with the seeded world, the setter (`market`) and the assignee (`township`) signed in.
pub(crate) struct Fixture {
    pub server: TestServer,
    pub world: World,
    pub setter: Api,
    pub assignee: Api,
    /// `None`: SQLite in the server's data directory.
    pub database_url: Option<String>,
}

impl Fixture {
    /// The server's database, opened beside it.
    pub async fn db(&self) -> Db {
        open_db(&self.server, self.database_url.as_deref()).await
    }
}

pub(crate) async fn fixture() -> Fixture {
    fixture_on(None).await
}

/// The fixture on the given database (`None`: SQLite).
pub(crate) async fn fixture_on(database_url: Option<String>) -> Fixture {
    let server = TestServer::start_with(Options {
        database_url: database_url.clone(),
        ..Options::default()
    })
    .await;
    let world = World::build_on(&server, database_url.as_deref()).await;
    let setter = Api::signed_in(&server, "market").await;
    let assignee = Api::signed_in(&server, "township").await;
    Fixture {
        server,
        world,
        setter,
        assignee,
        database_url,
    }
}

/// Sets a task from `api`'s body to `assignee_org_id`, 10 working days, with `extra` fields
/// merged in; asserts it was created.
pub(crate) async fn new_task(api: &Api, assignee_org_id: &str, extra: Value) -> Value {
    let mut body = json!({
        "title": "核查湖滨街道无证经营情况",
        "body": "请于期限内核查辖区内无证经营情况并反馈处理结果。",
        "feedback_required": "处理户数、处理方式",
        "assignee_org_id": assignee_org_id,
        "limit": { "unit": "working_days", "amount": 10 },
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
    let (status, task) = api.post("/api/tasks", body).await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    task
}

/// `POST /api/tasks/{id}/actions/{command}` with the task's revision as `api` reads it now.
pub(crate) async fn act(api: &Api, id: &str, command: &str, extra: Value) -> (StatusCode, Value) {
    let (status, task) = api.get(&format!("/api/tasks/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{task}");
    let mut body = json!({ "revision": task["revision"] });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    api.post(&format!("/api/tasks/{id}/actions/{command}"), body)
        .await
}

/// Like [`act`], asserting success and the state reached.
pub(crate) async fn step(api: &Api, id: &str, command: &str, extra: Value, to: &str) -> Value {
    let (status, task) = act(api, id, command, extra).await;
    assert_eq!(status, StatusCode::OK, "{command}: {task}");
    assert_eq!(task["state"], to, "{command}: {task}");
    task
}

/// Sends raw bytes with `api`'s credentials (cookies or token) and Origin.
pub(crate) async fn send_bytes(
    api: &Api,
    method: Method,
    path: &str,
    content_type: Option<&str>,
    bytes: Vec<u8>,
) -> (StatusCode, Value) {
    let mut request = api.client.request(method, format!("{}{path}", api.base));
    if let Some(origin) = &api.origin {
        request = request.header("origin", origin);
    }
    if let Some(token) = &api.bearer {
        request = request.bearer_auth(token);
    }
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    let response = request.body(bytes).send().await.expect("request is sent");
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// A live API token of the organization `code` with `permissions`: its secret.
pub(crate) async fn mint_token(db: &Db, world: &World, code: &str, permissions: &[&str]) -> String {
    let secret = new_secret("cct_");
    let now = now_unix_ms();
    db.create_api_token(
        &NewApiToken {
            org_id: world.org(code).to_owned(),
            name: Name::parse("测试系统").unwrap(),
            token_hash: secret_hash(&secret),
            permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
            created_by: world.users["operator"].clone(),
            now,
            expires_at: now + DAY_MS,
        },
        &AuditEvent {
            at: now,
            actor_user_id: None,
            actor_org_id: None,
            action: "token_created".into(),
            target: String::new(),
            detail: json!({ "via": "test" }),
            ip: None,
        },
    )
    .await
    .expect("minting a token");
    secret
}

/// The audit rows about `target`, oldest first.
pub(crate) async fn audit_of(db: &Db, target: &str) -> Vec<AuditRow> {
    let mut rows: Vec<AuditRow> = db
        .audit_rows(None, None, 1_000_000)
        .await
        .expect("reading the audit trail")
        .into_iter()
        .filter(|r| r.target == target)
        .collect();
    rows.reverse();
    rows
}

/// The kinds of the events in `api`'s inbox about `subject`, oldest first.
pub(crate) async fn inbox_kinds(api: &Api, subject: &str) -> Vec<String> {
    let (status, inbox) = api.get("/api/inbox?limit=200").await;
    assert_eq!(status, StatusCode::OK, "{inbox}");
    let mut kinds: Vec<String> = inbox["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["subject"] == subject)
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect();
    kinds.reverse();
    kinds
}

/// The pending jobs of a subject, as (kind, due_at).
async fn pending_jobs(db: &Db, subject: &str) -> Vec<(String, i64, Value)> {
    db.jobs_of(subject)
        .await
        .expect("reading jobs")
        .into_iter()
        .filter(|j| j.state == "pending")
        .map(|j| (j.kind, j.due_at, j.payload))
        .collect()
}

#[tokio::test]
async fn a_task_goes_from_dispatch_to_closed_with_every_step_in_its_history_and_audit_trail() {
    whole_life_of_a_task(fixture().await).await;
}

#[tokio::test]
async fn a_task_goes_from_dispatch_to_closed_the_same_way_on_postgresql() {
    whole_life_of_a_task(fixture_on(Some(fresh_database_url().await)).await).await;
}

async fn whole_life_of_a_task(f: Fixture) {
    let township = f.world.org("township");
    let market = f.world.org("market");

    let task = new_task(&f.setter, township, json!({})).await;
    let id = task["id"].as_str().unwrap();
    assert_eq!(task["state"], "dispatched");
    assert_eq!(task["revision"], 1);
    assert_eq!(task["setter_org_id"], market);
    assert_eq!(task["my_party"], "setter");
    assert!(task["due_at"].as_i64().unwrap() > now_unix_ms() + 10 * DAY_MS);

    step(&f.assignee, id, "acknowledge", json!({}), "acknowledged").await;
    step(&f.assignee, id, "start", json!({}), "in_progress").await;
    step(
        &f.assignee,
        id,
        "submit",
        json!({ "feedback": "已核查 12 户" }),
        "submitted",
    )
    .await;
    step(
        &f.setter,
        id,
        "reopen",
        json!({ "reason": "缺少处理方式" }),
        "in_progress",
    )
    .await;
    step(
        &f.assignee,
        id,
        "submit",
        json!({ "feedback": "已核查 12 户，责令整改 3 户" }),
        "submitted",
    )
    .await;
    step(&f.setter, id, "verify", json!({}), "verified").await;
    let closed = step(&f.setter, id, "close", json!({}), "closed").await;
    assert_eq!(closed["revision"], 8);
    assert_eq!(closed["feedback"], "已核查 12 户，责令整改 3 户");

    let (status, shown) = f.assignee.get(&format!("/api/tasks/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    assert_eq!(shown["my_party"], "assignee");
    let history: Vec<(Value, Value, Value)> = shown["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["command"].clone(), e["from"].clone(), e["to"].clone()))
        .collect();
    assert_eq!(
        history,
        vec![
            (json!("dispatch"), json!("created"), json!("dispatched")),
            (
                json!("acknowledge"),
                json!("dispatched"),
                json!("acknowledged")
            ),
            (json!("start"), json!("acknowledged"), json!("in_progress")),
            (json!("submit"), json!("in_progress"), json!("submitted")),
            (json!("reopen"), json!("submitted"), json!("in_progress")),
            (json!("submit"), json!("in_progress"), json!("submitted")),
            (json!("verify"), json!("submitted"), json!("verified")),
            (json!("close"), json!("verified"), json!("closed")),
        ]
    );
    let reopen = &shown["history"][4];
    assert_eq!(reopen["body"], "缺少处理方式");
    assert_eq!(reopen["name"], "market 同志");
    assert_eq!(reopen["org_id"], market);

    let db = f.db().await;
    let rows = audit_of(&db, &format!("task:{id}")).await;
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "task_created",
            "task_dispatched",
            "task_acknowledged",
            "task_started",
            "task_submitted",
            "task_reopened",
            "task_submitted",
            "task_verified",
            "task_closed",
        ]
    );
    let reopened = &rows[5];
    assert_eq!(
        reopened.actor_user_id.as_deref(),
        Some(f.world.users["market"].as_str())
    );
    assert_eq!(reopened.actor_org_id.as_deref(), Some(market));
    assert_eq!(reopened.detail["from"], "submitted");
    assert_eq!(reopened.detail["to"], "in_progress");
    assert_eq!(reopened.detail["reason"], "缺少处理方式");
    assert!(rows[2].actor_org_id.as_deref() == Some(township));

    // A closed task's clock has stopped: nothing is left to remind anyone of.
    assert!(pending_jobs(&db, &format!("task:{id}")).await.is_empty());
    db.close().await;

    // Each side was told of what the other did.
    let subject = format!("task:{id}");
    assert_eq!(
        inbox_kinds(&f.assignee, &subject).await,
        [
            "task.dispatched",
            "task.reopened",
            "task.verified",
            "task.closed"
        ]
    );
    assert_eq!(
        inbox_kinds(&f.setter, &subject).await,
        [
            "task.acknowledged",
            "task.started",
            "task.submitted",
            "task.submitted"
        ]
    );
}

#[tokio::test]
async fn a_dispatched_task_has_its_reminders_scheduled_and_lists_show_it_to_each_side() {
    let f = fixture().await;
    let township = f.world.org("township");

    let task = new_task(&f.setter, township, json!({})).await;
    let id = task["id"].as_str().unwrap();
    let draft = new_task(&f.setter, township, json!({ "dispatch": false })).await;
    assert_eq!(draft["state"], "created");

    let db = f.db().await;
    let jobs = pending_jobs(&db, &format!("task:{id}")).await;
    let kinds: BTreeSet<&str> = jobs.iter().map(|(k, ..)| k.as_str()).collect();
    assert!(
        kinds.contains("task_overdue") && kinds.contains("task_escalate"),
        "{jobs:?}"
    );
    assert!(
        jobs.iter().all(|(_, due, _)| *due > now_unix_ms()),
        "{jobs:?}"
    );
    assert!(
        pending_jobs(&db, &format!("task:{}", draft["id"].as_str().unwrap()))
            .await
            .is_empty(),
        "a draft's clock does not run"
    );
    db.close().await;

    let ids = |list: &Value| -> Vec<String> {
        list["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, open) = f.assignee.get("/api/tasks?list=open").await;
    assert!(ids(&open).contains(&id.to_owned()), "{open}");
    let (_, set) = f.setter.get("/api/tasks?list=set_by_us").await;
    assert_eq!(ids(&set).len(), 2, "{set}");
    let (_, overdue) = f.assignee.get("/api/tasks?list=overdue").await;
    assert!(ids(&overdue).is_empty(), "{overdue}");
    let (_, none) = f.setter.get("/api/tasks?list=open").await;
    assert!(ids(&none).is_empty(), "{none}");

    // The draft is dispatched later; its clock starts then.
    let dispatched = step(
        &f.setter,
        draft["id"].as_str().unwrap(),
        "dispatch",
        json!({}),
        "dispatched",
    )
    .await;
    assert!(dispatched["started_at"].is_i64(), "{dispatched}");
}

#[tokio::test]
async fn a_returned_task_is_reassigned_and_then_only_the_new_assignee_sees_it() {
    let f = fixture().await;
    let township = f.world.org("township");
    let police = f.world.org("police");
    let task = new_task(&f.setter, township, json!({})).await;
    let id = task["id"].as_str().unwrap();

    let (status, refused) = act(&f.assignee, id, "return", json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert!(message(&refused).contains("reason"), "{refused}");
    step(
        &f.assignee,
        id,
        "return",
        json!({ "reason": "不属于本街道职责" }),
        "returned",
    )
    .await;

    let db = f.db().await;
    let subject = format!("task:{id}");
    assert!(
        pending_jobs(&db, &subject).await.is_empty(),
        "a returned task's clock stops"
    );

    let (status, refused) = act(
        &f.setter,
        id,
        "reassign",
        json!({ "assignee_org_id": f.world.org("market") }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    let reassigned = step(
        &f.setter,
        id,
        "reassign",
        json!({ "assignee_org_id": police, "reason": "改由公安分局办理" }),
        "dispatched",
    )
    .await;
    assert_eq!(reassigned["assignee_org_id"], police);
    assert!(
        !pending_jobs(&db, &subject).await.is_empty(),
        "the clock runs again"
    );

    let (status, hidden) = f.assignee.get(&format!("/api/tasks/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{hidden}");
    assert_eq!(message(&hidden), "no task with this id");
    let police_api = Api::signed_in(&f.server, "police").await;
    let (status, seen) = police_api.get(&format!("/api/tasks/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!(seen["my_party"], "assignee");
    step(&police_api, id, "acknowledge", json!({}), "acknowledged").await;
    assert_eq!(
        inbox_kinds(&police_api, &subject).await,
        ["task.reassigned"]
    );
    assert_eq!(
        inbox_kinds(&f.setter, &subject).await,
        ["task.returned", "task.acknowledged"]
    );

    let rows = audit_of(&db, &subject).await;
    let reassign = rows.iter().find(|r| r.action == "task_reassigned").unwrap();
    assert_eq!(reassign.detail["assignee_org_id"], police);
    assert_eq!(reassign.detail["previous_assignee_org_id"], township);
    let returned = rows.iter().find(|r| r.action == "task_returned").unwrap();
    assert_eq!(returned.detail["reason"], "不属于本街道职责");
    db.close().await;
}

#[tokio::test]
async fn a_granted_extension_moves_the_deadline_and_reschedules_the_reminders() {
    let f = fixture().await;
    let task = new_task(&f.setter, f.world.org("township"), json!({})).await;
    let id = task["id"].as_str().unwrap();
    let due = task["due_at"].as_i64().unwrap();
    step(&f.assignee, id, "acknowledge", json!({}), "acknowledged").await;
    let subject = format!("task:{id}");
    let db = f.db().await;
    let before = pending_jobs(&db, &subject).await;
    assert!(
        before.iter().all(|(_, _, p)| p["due_at"] == due),
        "{before:?}"
    );

    // The setter cannot ask; the assignee asks once; a second request waits for the first.
    let ask = json!({ "new_due_at": due + 5 * DAY_MS, "reason": "涉及户数较多，需延期五日" });
    let (status, refused) = f
        .setter
        .post(&format!("/api/tasks/{id}/extensions"), ask.clone())
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    let (status, extension) = f
        .assignee
        .post(&format!("/api/tasks/{id}/extensions"), ask.clone())
        .await;
    assert_eq!(status, StatusCode::CREATED, "{extension}");
    assert_eq!(extension["state"], "pending");
    let (status, again) = f
        .assignee
        .post(&format!("/api/tasks/{id}/extensions"), ask)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");

    let decision = format!(
        "/api/tasks/{id}/extensions/{}/decision",
        extension["id"].as_str().unwrap()
    );
    let (status, refused) = f.assignee.post(&decision, json!({ "grant": true })).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "the assignee cannot grant itself more time: {refused}"
    );
    let (status, decided) = f
        .setter
        .post(&decision, json!({ "grant": true, "note": "同意" }))
        .await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    assert_eq!(decided["extension"]["state"], "granted");
    assert_eq!(decided["task"]["due_at"], due + 5 * DAY_MS);
    assert_eq!(decided["task"]["revision"], 3);

    let after = pending_jobs(&db, &subject).await;
    assert!(!after.is_empty());
    assert!(
        after
            .iter()
            .all(|(_, _, p)| p["due_at"] == due + 5 * DAY_MS),
        "{after:?}"
    );
    let cancelled = db
        .jobs_of(&subject)
        .await
        .unwrap()
        .into_iter()
        .filter(|j| j.state == "cancelled")
        .count();
    assert_eq!(cancelled, before.len(), "the old reminders were cancelled");
    let (status, again) = f.setter.post(&decision, json!({ "grant": false })).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a decided request stays decided: {again}"
    );

    // A refused request leaves the deadline where it was.
    let ask = json!({ "new_due_at": due + 9 * DAY_MS, "reason": "仍需延期" });
    let (_, second) = f
        .assignee
        .post(&format!("/api/tasks/{id}/extensions"), ask)
        .await;
    let decision = format!(
        "/api/tasks/{id}/extensions/{}/decision",
        second["id"].as_str().unwrap()
    );
    let (status, decided) = f
        .setter
        .post(&decision, json!({ "grant": false, "note": "不同意" }))
        .await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    assert_eq!(decided["task"]["due_at"], due + 5 * DAY_MS);

    let actions: Vec<String> = audit_of(&db, &subject)
        .await
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert!(
        actions.contains(&"task_extension_granted".to_owned()),
        "{actions:?}"
    );
    assert!(
        actions.contains(&"task_extension_refused".to_owned()),
        "{actions:?}"
    );
    assert_eq!(
        inbox_kinds(&f.assignee, &subject).await,
        [
            "task.dispatched",
            "task.extension_decided",
            "task.extension_decided"
        ]
    );
    db.close().await;
}

#[tokio::test]
async fn comments_of_both_sides_join_the_history_and_reach_the_other_side() {
    let f = fixture().await;
    let task = new_task(&f.setter, f.world.org("township"), json!({})).await;
    let id = task["id"].as_str().unwrap();

    let (status, first) = f
        .assignee
        .post(
            &format!("/api/tasks/{id}/comments"),
            json!({ "body": "请问是否包括夜市摊位？" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let (status, second) = f
        .setter
        .post(
            &format!("/api/tasks/{id}/comments"),
            json!({ "body": "包括。" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{second}");

    let (_, shown) = f.setter.get(&format!("/api/tasks/{id}")).await;
    let comments: Vec<(Value, Value)> = shown["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "comment")
        .map(|e| (e["name"].clone(), e["body"].clone()))
        .collect();
    assert_eq!(
        comments,
        [
            (json!("township 同志"), json!("请问是否包括夜市摊位？")),
            (json!("market 同志"), json!("包括。")),
        ]
    );
    assert_eq!(
        shown["revision"], 1,
        "a comment does not change the task itself"
    );
    let subject = format!("task:{id}");
    assert_eq!(inbox_kinds(&f.setter, &subject).await, ["task.comment"]);
    assert_eq!(
        inbox_kinds(&f.assignee, &subject).await,
        ["task.dispatched", "task.comment"]
    );
}

#[tokio::test]
async fn an_attachment_comes_back_byte_for_byte_with_its_sha256_as_a_download() {
    let f = fixture().await;
    let task = new_task(&f.setter, f.world.org("township"), json!({})).await;
    let id = task["id"].as_str().unwrap();
    let bytes: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let sha256 = hex::encode(Sha256::digest(&bytes));

    let path = format!("/api/tasks/{id}/attachments?name=%E7%8E%B0%E5%9C%BA%E7%85%A7%E7%89%87.jpg");
    let (status, attachment) = send_bytes(
        &f.assignee,
        Method::POST,
        &path,
        Some("image/jpeg"),
        bytes.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{attachment}");
    assert_eq!(attachment["name"], "现场照片.jpg");
    assert_eq!(attachment["sha256"], sha256.as_str());
    assert_eq!(attachment["size"], bytes.len());
    assert_eq!(attachment["content_type"], "image/jpeg");

    // The same file again is another attachment of the same content.
    let (status, again) = send_bytes(
        &f.setter,
        Method::POST,
        &path,
        Some("image/jpeg"),
        bytes.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    assert_eq!(again["sha256"], sha256.as_str());
    assert_ne!(again["id"], attachment["id"]);

    let url = format!("{}{}", f.setter.base, attachment["url"].as_str().unwrap());
    let response = f.setter.client.get(&url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "image/jpeg");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(
        disposition.contains("UTF-8''%E7%8E%B0%E5%9C%BA"),
        "{disposition}"
    );
    let body = response.bytes().await.unwrap();
    assert_eq!(hex::encode(Sha256::digest(&body)), sha256);
    assert_eq!(body.len(), bytes.len());

    let (_, shown) = f.assignee.get(&format!("/api/tasks/{id}")).await;
    assert_eq!(shown["attachments"].as_array().unwrap().len(), 2, "{shown}");
    let entries = shown["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "attachment")
        .count();
    assert_eq!(entries, 2);
    let db = f.db().await;
    let added = audit_of(&db, &format!("task:{id}"))
        .await
        .into_iter()
        .filter(|r| r.action == "task_attachment_added")
        .count();
    assert_eq!(added, 2);
    db.close().await;

    // Someone not involved gets nothing, not even a hint that the file exists.
    let court = Api::signed_in(&f.server, "court").await;
    let (status, _) = court.get(attachment["url"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// The transitions the domain allows: (state, party, command).
const ALLOWED: &[(&str, &str, &str)] = &[
    ("created", "setter", "dispatch"),
    ("created", "setter", "cancel"),
    ("dispatched", "assignee", "acknowledge"),
    ("dispatched", "assignee", "return"),
    ("dispatched", "setter", "cancel"),
    ("acknowledged", "assignee", "start"),
    ("acknowledged", "assignee", "submit"),
    ("acknowledged", "assignee", "return"),
    ("acknowledged", "setter", "cancel"),
    ("in_progress", "assignee", "submit"),
    ("in_progress", "setter", "cancel"),
    ("submitted", "setter", "verify"),
    ("submitted", "setter", "reopen"),
    ("verified", "setter", "close"),
    ("returned", "setter", "reassign"),
    ("returned", "setter", "cancel"),
];

const COMMANDS: &[&str] = &[
    "dispatch",
    "acknowledge",
    "start",
    "submit",
    "verify",
    "reopen",
    "close",
    "return",
    "reassign",
    "cancel",
];

/// The steps from a fresh dispatched task to `state`: (party, command, extra).
fn path_to(state: &str) -> Vec<(&'static str, &'static str, Value)> {
    let reason = || json!({ "reason": "理由" });
    let feedback = || json!({ "feedback": "反馈" });
    match state {
        "dispatched" | "created" => vec![],
        "acknowledged" => vec![("assignee", "acknowledge", json!({}))],
        "in_progress" => vec![
            ("assignee", "acknowledge", json!({})),
            ("assignee", "start", json!({})),
        ],
        "submitted" => vec![
            ("assignee", "acknowledge", json!({})),
            ("assignee", "submit", feedback()),
        ],
        "verified" => vec![
            ("assignee", "acknowledge", json!({})),
            ("assignee", "submit", feedback()),
            ("setter", "verify", json!({})),
        ],
        "closed" => vec![
            ("assignee", "acknowledge", json!({})),
            ("assignee", "submit", feedback()),
            ("setter", "verify", json!({})),
            ("setter", "close", json!({})),
        ],
        "returned" => vec![("assignee", "return", reason())],
        "cancelled" => vec![("setter", "cancel", reason())],
        other => panic!("no path to {other}"),
    }
}

#[tokio::test]
async fn every_illegal_transition_answers_409_with_its_rule_and_changes_nothing() {
    let f = fixture().await;
    let township = f.world.org("township");
    let police = f.world.org("police");
    let states = [
        "created",
        "dispatched",
        "acknowledged",
        "in_progress",
        "submitted",
        "verified",
        "closed",
        "returned",
        "cancelled",
    ];
    let mut failures = Vec::new();
    let mut refused = 0;
    for state in states {
        let dispatch = state != "created";
        let task = new_task(&f.setter, township, json!({ "dispatch": dispatch })).await;
        let id = task["id"].as_str().unwrap().to_owned();
        for (party, command, extra) in path_to(state) {
            let api = if party == "setter" {
                &f.setter
            } else {
                &f.assignee
            };
            let (status, body) = act(api, &id, command, extra).await;
            assert_eq!(
                status,
                StatusCode::OK,
                "reaching {state}: {command}: {body}"
            );
        }
        for party in ["setter", "assignee"] {
            let api = if party == "setter" {
                &f.setter
            } else {
                &f.assignee
            };
            for command in COMMANDS {
                if ALLOWED.contains(&(state, party, command)) {
                    continue;
                }
                let extra = match *command {
                    "submit" => json!({ "feedback": "反馈" }),
                    "return" | "reopen" | "cancel" => json!({ "reason": "理由" }),
                    "reassign" => json!({ "assignee_org_id": police }),
                    _ => json!({}),
                };
                let (_, before) = f.setter.get(&format!("/api/tasks/{id}")).await;
                // A draft is the setter's alone: the assignee cannot see it, so cannot act on
                // it either, and learns nothing from trying.
                let hidden = state == "created" && party == "assignee";
                let (status, body) = if hidden {
                    let mut body = json!({ "revision": before["revision"] });
                    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
                        body.extend(extra.clone());
                    }
                    api.post(&format!("/api/tasks/{id}/actions/{command}"), body)
                        .await
                } else {
                    act(api, &id, command, extra).await
                };
                let (_, after) = f.setter.get(&format!("/api/tasks/{id}")).await;
                refused += 1;
                let expected = if hidden {
                    StatusCode::NOT_FOUND
                } else {
                    StatusCode::CONFLICT
                };
                if status != expected || message(&body).is_empty() {
                    failures.push(format!("{state} / {party} / {command}: {status} {body}"));
                }
                if before != after {
                    failures.push(format!("{state} / {party} / {command}: the task changed"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(refused, states.len() * 2 * COMMANDS.len() - ALLOWED.len());
}

#[tokio::test]
async fn a_refusal_names_the_rule_of_the_transition_table() {
    let f = fixture().await;
    let task = new_task(&f.setter, f.world.org("township"), json!({})).await;
    let id = task["id"].as_str().unwrap();

    let (status, body) = act(&f.setter, id, "acknowledge", json!({})).await;

    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "conflict");
    assert!(!message(&body).is_empty());
    let (_, shown) = f.setter.get(&format!("/api/tasks/{id}")).await;
    assert_eq!(shown["state"], "dispatched");
}

#[tokio::test]
async fn a_task_past_its_deadline_by_the_servers_clock_is_overdue_and_gets_its_reminder() {
    let start = now_unix_ms();
    let clock = server::clock::Clock::manual(start);
    let server = TestServer::start_with(Options {
        clock: Some(clock.clone()),
        ..Options::default()
    })
    .await;
    let world = World::build(&server).await;
    let setter = Api::signed_in(&server, "market").await;
    let assignee = Api::signed_in(&server, "township").await;
    let task = new_task(
        &setter,
        world.org("township"),
        json!({ "limit": { "unit": "hours", "amount": 2 } }),
    )
    .await;
    let id = task["id"].as_str().unwrap();
    assert_eq!(
        task["started_at"], start,
        "the clock is the server's, not the system's"
    );
    assert_eq!(task["due_at"], start + 2 * 3_600_000);

    clock.advance_ms(3 * 3_600_000);
    let (_, overdue) = assignee.get("/api/tasks?list=overdue").await;
    let listed = overdue["tasks"].as_array().unwrap();
    assert_eq!(listed.len(), 1, "{overdue}");
    assert_eq!(listed[0]["id"], id);
    assert_eq!(listed[0]["overdue"], true);

    // The 催办 job fires at its time, by the same clock.
    let db = open_db(&server, None).await;
    let reminder = pending_jobs(&db, &format!("task:{id}"))
        .await
        .into_iter()
        .find(|(kind, ..)| kind == "task_overdue")
        .expect("an overdue reminder is scheduled");
    db.close().await;
    clock.set_ms(reminder.1);
    server.worker.run_due().await.expect("running due jobs");
    assert!(
        inbox_kinds(&assignee, &format!("task:{id}"))
            .await
            .contains(&"task.overdue".to_owned()),
        "the assignee was reminded"
    );

    // Submitting stops the clock: no more reminders are pending.
    step(&assignee, id, "acknowledge", json!({}), "acknowledged").await;
    step(
        &assignee,
        id,
        "submit",
        json!({ "feedback": "已办结" }),
        "submitted",
    )
    .await;
    let db = open_db(&server, None).await;
    assert!(pending_jobs(&db, &format!("task:{id}")).await.is_empty());
    db.close().await;
}
