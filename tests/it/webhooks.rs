//! Outgoing webhooks: signed calls a receiver verifies, retries with backoff from the job
//! table, a delivery log of every attempt, and who may manage them.

use reqwest::StatusCode;
use serde_json::{json, Value};
use server::clock::Clock;
use server::db::{now_unix_ms, Audience, Db, NewEvent};

use crate::support::api::{message, open_db, Api, World};
use crate::support::receiver::{signature_matches, Mode, Receiver};
use crate::support::server::{Options, TestServer};

/// An in-process server whose clock (and so whose job runs) the test holds.
async fn held_server() -> (TestServer, Clock) {
    let clock = Clock::manual(now_unix_ms());
    let server = TestServer::start_with(Options {
        clock: Some(clock.clone()),
        ..Options::default()
    })
    .await;
    (server, clock)
}

async fn create_hook(admin: &Api, org: &str, url: &str) -> Value {
    let (status, hook) = admin
        .post(
            &format!("/api/orgs/{org}/webhooks"),
            json!({ "url": url, "description": "案件系统" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{hook}");
    hook
}

/// One event to `org`, as any write would make it (due now by the server's clock).
async fn event_to(db: &Db, clock: &Clock, org: &str, subject: &str) -> i64 {
    let seqs = db
        .append_events(
            clock.now_ms(),
            &[NewEvent {
                audience: Audience::Org(org.into()),
                kind: "notice.received".into(),
                subject: subject.into(),
                payload: json!({ "title": "关于开展联合检查的通报" }),
            }],
        )
        .await
        .unwrap();
    seqs[0]
}

async fn deliveries(admin: &Api, hook_id: &str) -> Vec<Value> {
    let (status, body) = admin
        .get(&format!("/api/webhooks/{hook_id}/deliveries"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["deliveries"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_receiver_verifies_the_signature_with_the_secret_it_was_given() {
    let (server, clock) = held_server().await;
    let world = World::build(&server).await;
    let db = open_db(&server, None).await;
    let receiver = Receiver::start().await;
    let admin = Api::signed_in(&server, "market-admin").await;
    let hook = create_hook(&admin, world.org("market"), &receiver.url("good")).await;
    let secret = hook["secret"].as_str().unwrap();
    assert!(secret.len() >= 32);
    receiver.set_mode("good", Mode::Verify(secret.to_owned()));

    let seq = event_to(&db, &clock, world.org("market"), "notice:n1").await;
    assert_eq!(server.worker.run_due().await.unwrap(), 1);

    let calls = receiver.calls_to("good");
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(call.signature_ok, Some(true));
    assert_eq!(call.event_id, seq.to_string());
    assert_eq!(call.timestamp, (clock.now_ms() / 1000).to_string());
    let body: Value = serde_json::from_str(&call.body).unwrap();
    assert_eq!(body["id"], seq);
    assert_eq!(body["kind"], "notice.received");
    assert_eq!(body["subject"], "notice:n1");
    assert_eq!(body["payload"]["title"], "关于开展联合检查的通报");
    // The signature covers the timestamp: replaying the body under another one fails.
    assert!(!signature_matches(
        secret,
        "1",
        call.body.as_bytes(),
        &call.signature
    ));

    let log = deliveries(&admin, hook["id"].as_str().unwrap()).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["outcome"], "delivered");
    assert_eq!(log[0]["http_status"], 200);
    assert_eq!(log[0]["attempt"], 1);
    assert_eq!(log[0]["event_seq"], seq);

    // The secret is answered once, never listed.
    let (status, list) = admin
        .get(&format!("/api/orgs/{}/webhooks", world.org("market")))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["webhooks"].as_array().unwrap().len(), 1);
    assert!(!list.to_string().contains(secret));
}

#[tokio::test]
async fn a_failing_receiver_gets_retries_with_backoff_each_in_the_delivery_log() {
    let (server, clock) = held_server().await;
    let world = World::build(&server).await;
    let db = open_db(&server, None).await;
    let receiver = Receiver::start().await;
    receiver.set_mode("down", Mode::Status(500));
    let admin = Api::signed_in(&server, "market-admin").await;
    let hook = create_hook(&admin, world.org("market"), &receiver.url("down")).await;
    let hook_id = hook["id"].as_str().unwrap();

    let seq = event_to(&db, &clock, world.org("market"), "notice:n2").await;
    assert_eq!(server.worker.run_due().await.unwrap(), 1);
    assert_eq!(receiver.calls_to("down").len(), 1);

    // Attempt n waits 30 s·2^(n-1): 30 s, 60 s, 120 s. Not a millisecond sooner.
    for (attempt, wait_ms) in [(2, 30_000), (3, 60_000), (4, 120_000)] {
        clock.advance_ms(wait_ms - 1);
        assert_eq!(
            server.worker.run_due().await.unwrap(),
            0,
            "attempt {attempt} too early"
        );
        clock.advance_ms(1);
        assert_eq!(
            server.worker.run_due().await.unwrap(),
            1,
            "attempt {attempt}"
        );
        assert_eq!(receiver.calls_to("down").len(), attempt);
    }
    let log = deliveries(&admin, hook_id).await;
    assert_eq!(log.len(), 4);
    // Newest first.
    let attempts: Vec<i64> = log.iter().map(|d| d["attempt"].as_i64().unwrap()).collect();
    assert_eq!(attempts, [4, 3, 2, 1]);
    assert!(log
        .iter()
        .all(|d| d["outcome"] == "failed" && d["http_status"] == 500 && d["event_seq"] == seq));

    // The receiver recovers; the next attempt (after 240 s) delivers, and that is the end.
    receiver.set_mode("down", Mode::Status(204));
    clock.advance_ms(240_000);
    assert_eq!(server.worker.run_due().await.unwrap(), 1);
    let log = deliveries(&admin, hook_id).await;
    assert_eq!(log.len(), 5);
    assert_eq!(log[0]["outcome"], "delivered");
    assert_eq!(log[0]["http_status"], 204);
    clock.advance_ms(3_600_000 * 24);
    assert_eq!(server.worker.run_due().await.unwrap(), 0);
    assert_eq!(receiver.calls_to("down").len(), 5);
    let ids: Vec<String> = receiver
        .calls_to("down")
        .into_iter()
        .map(|c| c.event_id)
        .collect();
    assert!(ids.iter().all(|id| *id == seq.to_string()));
}

#[tokio::test]
async fn a_receiver_holding_the_wrong_secret_detects_the_mismatch_and_the_attempt_fails() {
    let (server, clock) = held_server().await;
    let world = World::build(&server).await;
    let db = open_db(&server, None).await;
    let receiver = Receiver::start().await;
    receiver.set_mode(
        "wrong",
        Mode::Verify("whsec_not_the_one_we_were_given".into()),
    );
    let admin = Api::signed_in(&server, "market-admin").await;
    let hook = create_hook(&admin, world.org("market"), &receiver.url("wrong")).await;

    event_to(&db, &clock, world.org("market"), "notice:n3").await;
    assert_eq!(server.worker.run_due().await.unwrap(), 1);
    let calls = receiver.calls_to("wrong");
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].signature_ok, Some(false));
    assert_eq!(calls[0].answered, 401);
    let log = deliveries(&admin, hook["id"].as_str().unwrap()).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["outcome"], "failed");
    assert_eq!(log[0]["http_status"], 401);
}

#[tokio::test]
async fn a_switched_off_webhook_takes_no_calls() {
    let (server, clock) = held_server().await;
    let world = World::build(&server).await;
    let db = open_db(&server, None).await;
    let receiver = Receiver::start().await;
    let admin = Api::signed_in(&server, "market-admin").await;
    let hook = create_hook(&admin, world.org("market"), &receiver.url("off")).await;
    let id = hook["id"].as_str().unwrap();
    let (status, body) = admin
        .put(
            &format!("/api/webhooks/{id}/active"),
            json!({ "active": false }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["active"], false);
    event_to(&db, &clock, world.org("market"), "notice:n4").await;
    server.worker.run_due().await.unwrap();
    assert!(receiver.calls().is_empty());
}

#[tokio::test]
async fn only_the_bodys_admins_manage_its_webhooks_and_mailbox() {
    let (server, _clock) = held_server().await;
    let world = World::build(&server).await;
    let market = world.org("market");
    let member = Api::signed_in(&server, "market").await;
    let outsider = Api::signed_in(&server, "police").await;
    let operator = Api::signed_in(&server, "operator").await;
    let body = json!({ "url": "http://127.0.0.1:9/hook" });
    for api in [&member, &outsider, &operator] {
        let (status, answer) = api
            .post(&format!("/api/orgs/{market}/webhooks"), body.clone())
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
        let (status, _) = api
            .put(
                &format!("/api/orgs/{market}/mailbox"),
                json!({ "email": "office@example.gov.cn" }),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let admin = Api::signed_in(&server, "market-admin").await;
    let hook = create_hook(&admin, market, "http://127.0.0.1:9/hook").await;
    let id = hook["id"].as_str().unwrap();
    // Someone else's webhook is not found, like one that does not exist.
    let (status, _) = outsider
        .get(&format!("/api/webhooks/{id}/deliveries"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Bad input.
    for url in [
        "ftp://example.gov.cn/",
        "not a url",
        "http://user:pw@example.gov.cn/",
    ] {
        let (status, answer) = admin
            .post(
                &format!("/api/orgs/{market}/webhooks"),
                json!({ "url": url }),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{url}: {answer}");
        assert!(message(&answer).starts_with("url:"), "{answer}");
    }
    let (status, _) = admin
        .put(
            &format!("/api/orgs/{market}/mailbox"),
            json!({ "email": "nobody" }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, answer) = admin
        .put(
            &format!("/api/orgs/{market}/mailbox"),
            json!({ "email": "office@example.gov.cn" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (status, answer) = admin.get(&format!("/api/orgs/{market}/mailbox")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["email"], "office@example.gov.cn");
    let (status, _) = admin
        .post(
            "/api/orgs/no-such-org/webhooks",
            json!({ "url": "http://127.0.0.1:9/" }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
