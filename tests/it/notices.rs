//! Notifications (信息通报 / 案件函告) over HTTP, against a real server: sending to several
//! bodies, read (automatic) versus acknowledged (explicit, by a named person), what the sender
//! sees, replies and closing, corrections and recalls as new versions.
//!
//! `market` sends; `township` and `police` receive.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::api::{message, open_db, Api, World};
use crate::support::postgres::fresh_database_url;
use crate::support::server::{Options, TestServer};
use crate::tasks::{audit_of, inbox_kinds, mint_token};

struct Fixture {
    server: TestServer,
    world: World,
    sender: Api,
    township: Api,
    police: Api,
    /// `None`: SQLite in the server's data directory.
    database_url: Option<String>,
}

async fn fixture() -> Fixture {
    fixture_on(None).await
}

async fn fixture_on(database_url: Option<String>) -> Fixture {
    let server = TestServer::start_with(Options {
        database_url: database_url.clone(),
        ..Options::default()
    })
    .await;
    let world = World::build_on(&server, database_url.as_deref()).await;
    let sender = Api::signed_in(&server, "market").await;
    let township = Api::signed_in(&server, "township").await;
    let police = Api::signed_in(&server, "police").await;
    Fixture {
        server,
        world,
        sender,
        township,
        police,
        database_url,
    }
}

impl Fixture {
    async fn db(&self) -> server::db::Db {
        open_db(&self.server, self.database_url.as_deref()).await
    }

    /// Sends a notice from `market` to `township` and `police`, with `extra` fields merged in.
    async fn send(&self, extra: Value) -> Value {
        let mut body = json!({
            "kind": "information",
            "title": "关于开展夜市食品安全联合检查的通报",
            "body": "定于下周三晚开展联合检查，请各单位做好准备。",
            "recipients": [self.world.org("township"), self.world.org("police")],
        });
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        let (status, notice) = self.sender.post("/api/notices", body).await;
        assert_eq!(status, StatusCode::CREATED, "{notice}");
        notice
    }
}

/// The receipt of the organization `org_id` in a notice as its sender sees it.
fn receipt<'a>(notice: &'a Value, org_id: &str) -> &'a Value {
    notice["receipts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["org_id"] == org_id)
        .unwrap_or_else(|| panic!("no receipt of {org_id} in {notice}"))
}

#[tokio::test]
async fn reading_and_acknowledging_are_distinct_and_the_sender_sees_who_acknowledged_and_when() {
    let f = fixture().await;
    let township = f.world.org("township");
    let police = f.world.org("police");
    let notice = f.send(json!({})).await;
    let id = notice["id"].as_str().unwrap();
    assert_eq!(notice["version"], 1);
    assert_eq!(notice["state"], "sent");
    assert!(
        notice["remind_at"].is_i64() && notice["escalate_at"].is_i64(),
        "{notice}"
    );

    let (_, seen) = f.sender.get(&format!("/api/notices/{id}")).await;
    assert_eq!(seen["my_role"], "sender");
    assert_eq!(receipt(&seen, township)["state"], "delivered");
    assert_eq!(receipt(&seen, police)["state"], "delivered");

    // Opening it is reading it, automatically.
    let (status, opened) = f.township.get(&format!("/api/notices/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{opened}");
    assert_eq!(opened["my_role"], "recipient");
    assert_eq!(
        opened["receipts"].as_array().unwrap().len(),
        1,
        "a body sees only its own receipt"
    );
    let own = receipt(&opened, township);
    assert_eq!(own["state"], "read");
    assert_eq!(own["read_by"], f.world.users["township"].as_str());
    assert!(own["acknowledged_at"].is_null());

    // A system reading with a token is no person reading.
    let db = f.db().await;
    let police_token = mint_token(&db, &f.world, "police", &["notices:write"]).await;
    let police_system = Api::with_token(&f.server, &police_token);
    let (status, fetched) = police_system.get(&format!("/api/notices/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{fetched}");
    assert_eq!(receipt(&fetched, police)["state"], "delivered");
    let (status, refused) = police_system
        .post(&format!("/api/notices/{id}/acknowledge"), json!({}))
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "only a person acknowledges: {refused}"
    );

    let (status, acknowledged) = f
        .township
        .post(&format!("/api/notices/{id}/acknowledge"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{acknowledged}");
    assert_eq!(acknowledged["state"], "acknowledged");
    let (status, twice) = f
        .township
        .post(&format!("/api/notices/{id}/acknowledge"), json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{twice}");

    let (_, seen) = f.sender.get(&format!("/api/notices/{id}")).await;
    let t = receipt(&seen, township);
    assert_eq!(t["state"], "acknowledged");
    assert_eq!(t["acknowledged_by"], f.world.users["township"].as_str());
    assert_eq!(t["acknowledged_by_name"], "township 同志");
    assert!(t["acknowledged_at"].as_i64().unwrap() >= t["read_at"].as_i64().unwrap());
    assert_eq!(receipt(&seen, police)["state"], "delivered");
    assert!(receipt(&seen, police)["acknowledged_at"].is_null());

    // The pending box holds what is still to be acknowledged.
    let pending = |list: &Value| list["notices"].as_array().unwrap().len();
    let (_, mine) = f
        .township
        .get("/api/notices?box=received&pending=true")
        .await;
    assert_eq!(pending(&mine), 0, "{mine}");
    let (_, theirs) = f.police.get("/api/notices?box=received&pending=true").await;
    assert_eq!(pending(&theirs), 1, "{theirs}");
    let (_, sent) = f.sender.get("/api/notices?box=sent").await;
    assert_eq!(
        sent["notices"][0]["receipts"].as_array().unwrap().len(),
        2,
        "{sent}"
    );

    let subject = format!("notice:{id}");
    assert_eq!(
        inbox_kinds(&f.sender, &subject).await,
        ["notice.acknowledged"]
    );
    assert_eq!(inbox_kinds(&f.police, &subject).await, ["notice.received"]);
    let actions: Vec<String> = audit_of(&db, &subject)
        .await
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert_eq!(
        actions,
        ["notice_sent", "notice_read", "notice_acknowledged"]
    );
    let jobs = db.jobs_of(&subject).await.unwrap();
    let kinds: Vec<&str> = jobs.iter().map(|j| j.kind.as_str()).collect();
    assert_eq!(kinds, ["notice_remind", "notice_escalate"]);
    db.close().await;
}

#[tokio::test]
async fn a_reply_follows_the_acknowledgement_and_the_sender_closes_the_exchange() {
    let f = fixture().await;
    let township = f.world.org("township");
    let due = server::db::now_unix_ms() + 7 * 24 * 3_600_000;
    let notice = f
        .send(json!({ "requires_reply": true, "reply_due_at": due, "kind": "case_letter" }))
        .await;
    let id = notice["id"].as_str().unwrap();
    assert_eq!(notice["reply_due_at"], due);

    let reply = json!({ "body": "已收悉，我街道将派员参加。" });
    let (status, early) = f
        .township
        .post(&format!("/api/notices/{id}/reply"), reply.clone())
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "acknowledge first: {early}");
    f.township
        .post(&format!("/api/notices/{id}/acknowledge"), json!({}))
        .await;
    let (status, replied) = f
        .township
        .post(&format!("/api/notices/{id}/reply"), reply)
        .await;
    assert_eq!(status, StatusCode::OK, "{replied}");
    assert_eq!(replied["state"], "replied");

    let close = format!("/api/notices/{id}/receipts/{township}/close");
    let (status, refused) = f.township.post(&close, json!({})).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "only the sender closes: {refused}"
    );
    let police_close = format!("/api/notices/{id}/receipts/{}/close", f.world.org("police"));
    let (status, early) = f.sender.post(&police_close, json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "no reply yet: {early}");
    let (status, closed) = f.sender.post(&close, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(closed["state"], "closed");

    let (_, seen) = f.sender.get(&format!("/api/notices/{id}")).await;
    let t = receipt(&seen, township);
    assert_eq!(t["reply"], "已收悉，我街道将派员参加。");
    assert_eq!(t["replied_by"], f.world.users["township"].as_str());
    assert!(t["closed_at"].is_i64());
    let subject = format!("notice:{id}");
    assert_eq!(
        inbox_kinds(&f.sender, &subject).await,
        ["notice.acknowledged", "notice.replied"]
    );
}

#[tokio::test]
async fn a_correction_is_version_two_and_must_be_acknowledged_again() {
    correction_flow(fixture().await).await;
}

#[tokio::test]
async fn a_correction_is_version_two_the_same_way_on_postgresql() {
    correction_flow(fixture_on(Some(fresh_database_url().await)).await).await;
}

async fn correction_flow(f: Fixture) {
    let township = f.world.org("township");
    let notice = f.send(json!({})).await;
    let v1 = notice["id"].as_str().unwrap();
    f.township
        .post(&format!("/api/notices/{v1}/acknowledge"), json!({}))
        .await;

    let (status, refused) = f
        .township
        .post(
            &format!("/api/notices/{v1}/correct"),
            json!({ "title": "改", "body": "改" }),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "only the sender corrects: {refused}"
    );
    let (status, v2) = f
        .sender
        .post(
            &format!("/api/notices/{v1}/correct"),
            json!({ "title": "关于开展夜市食品安全联合检查的通报（更正）", "body": "检查时间改为下周四晚。" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v2}");
    let v2_id = v2["id"].as_str().unwrap();
    assert_eq!(v2["version"], 2);
    assert_eq!(v2["version_kind"], "correction");
    assert_eq!(v2["series_id"], notice["series_id"]);

    // The first version is superseded: acting on it names the newest.
    let (_, old) = f.sender.get(&format!("/api/notices/{v1}")).await;
    assert_eq!(old["state"], "superseded");
    assert_eq!(old["newest_id"], v2_id);
    let (status, stale) = f
        .police
        .post(&format!("/api/notices/{v1}/acknowledge"), json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{stale}");
    assert!(message(&stale).contains(v2_id), "{stale}");
    let (status, stale) = f
        .sender
        .post(
            &format!("/api/notices/{v1}/recall"),
            json!({ "reason": "撤回" }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{stale}");
    assert!(message(&stale).contains(v2_id), "{stale}");

    // The new version starts over: delivered, then read, then acknowledged again.
    let (_, seen) = f.sender.get(&format!("/api/notices/{v2_id}")).await;
    assert_eq!(receipt(&seen, township)["state"], "delivered");
    let (_, opened) = f.township.get(&format!("/api/notices/{v2_id}")).await;
    assert_eq!(opened["body"], "检查时间改为下周四晚。");
    assert_eq!(receipt(&opened, township)["state"], "read");
    let (status, acknowledged) = f
        .township
        .post(&format!("/api/notices/{v2_id}/acknowledge"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{acknowledged}");

    assert_eq!(
        inbox_kinds(&f.township, &format!("notice:{v2_id}")).await,
        ["notice.corrected"]
    );
    let db = f.db().await;
    let old_jobs = db.jobs_of(&format!("notice:{v1}")).await.unwrap();
    assert!(
        old_jobs.iter().all(|j| j.state == "cancelled"),
        "{old_jobs:?}"
    );
    let new_jobs = db.jobs_of(&format!("notice:{v2_id}")).await.unwrap();
    assert!(!new_jobs.is_empty() && new_jobs.iter().all(|j| j.state == "pending"));
    let corrected = audit_of(&db, &format!("notice:{v2_id}")).await;
    assert_eq!(corrected[0].action, "notice_corrected");
    assert_eq!(corrected[0].detail["previous_id"], v1);
    db.close().await;
}

#[tokio::test]
async fn a_recall_is_a_new_version_that_tells_every_recipient_why() {
    let f = fixture().await;
    let notice = f.send(json!({})).await;
    let v1 = notice["id"].as_str().unwrap();

    let (status, missing) = f
        .sender
        .post(
            &format!("/api/notices/{v1}/recall"),
            json!({ "reason": " " }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{missing}");
    let (status, v2) = f
        .sender
        .post(
            &format!("/api/notices/{v1}/recall"),
            json!({ "reason": "检查取消，通报撤回。" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v2}");
    assert_eq!(v2["version_kind"], "recall");
    assert_eq!(v2["body"], "检查取消，通报撤回。");
    let v2_id = v2["id"].as_str().unwrap();

    for api in [&f.township, &f.police] {
        assert_eq!(
            inbox_kinds(api, &format!("notice:{v2_id}")).await,
            ["notice.recalled"]
        );
        let (status, _) = api
            .post(&format!("/api/notices/{v2_id}/acknowledge"), json!({}))
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let (_, seen) = f.sender.get(&format!("/api/notices/{v2_id}")).await;
    assert!(seen["receipts"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["state"] == "acknowledged"));
    assert_eq!(seen["versions"].as_array().unwrap().len(), 2);
    let db = f.db().await;
    let rows = audit_of(&db, &format!("notice:{v2_id}")).await;
    assert_eq!(rows[0].action, "notice_recalled");
    assert_eq!(rows[0].detail["reason"], "检查取消，通报撤回。");
    db.close().await;
}

#[tokio::test]
async fn a_notice_without_acknowledgement_schedules_no_reminders() {
    let f = fixture().await;
    let notice = f.send(json!({ "requires_ack": false })).await;
    let id = notice["id"].as_str().unwrap();
    assert!(
        notice["remind_at"].is_null() && notice["escalate_at"].is_null(),
        "{notice}"
    );

    let (status, refused) = f
        .township
        .post(&format!("/api/notices/{id}/acknowledge"), json!({}))
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "nothing to acknowledge: {refused}"
    );
    let db = f.db().await;
    assert!(db
        .jobs_of(&format!("notice:{id}"))
        .await
        .unwrap()
        .is_empty());
    db.close().await;
}
