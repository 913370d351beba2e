//! Case referrals (案件移送) over HTTP against a real server on the manual clock: a suspected
//! crime referred to the police with its checklist, copied to the procuratorate, from draft to
//! closed; who sees it when; a returned referral that goes on only as the jurisdiction dispute
//! its receiver raises; a clue to discipline inspection that no bureau reads; the clocks and
//! their reminders across a holiday; bad input that changes nothing; on SQLite and PostgreSQL.
//!
//! `market` (上城区市场监管局) refers; `market-admin` is its head (负责人); `police`
//! (上城区公安分局) receives; `procuratorate` (上城区人民检察院) is copied; `county-bureau` and
//! `city-bureau` supervise; `sibling-bureau` and `sibling-procuratorate` (拱墅区) never see it.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use time::macros::datetime;

use crate::jobs::ms;
use crate::meetings::{fixture, fixture_on, Fixture};
use crate::support::api::{Api, World};
use crate::support::postgres::fresh_database_url;
use crate::support::server::{Options, TestServer};
use crate::tasks::send_bytes;

const ITEMS: [&str; 3] = ["现场检查笔录", "抽样检验报告", "涉案物品清单"];

fn draft(f: &Fixture, extra: Value) -> Value {
    let mut body = json!({
        "kind": "criminal",
        "receiver_org_id": f.world.org("police"),
        "copy_org_id": f.world.org("procuratorate"),
        "case_name": "湖滨路销售假冒注册商标食品案",
        "case_number": "上市监立〔2026〕58号",
        "facts": "经查，当事人销售假冒注册商标的食品，货值金额逾十五万元，涉嫌销售假冒注册商标的商品罪。",
        "legal_basis": "《行政执法机关移送涉嫌犯罪案件的规定》第三条；《中华人民共和国刑法》第二百一十四条",
        "items": ITEMS,
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

pub(crate) async fn create(f: &Fixture, extra: Value) -> Value {
    let (status, referral) = f.market.post("/api/referrals", draft(f, extra)).await;
    assert_eq!(status, StatusCode::CREATED, "{referral}");
    referral
}

fn id_of(referral: &Value) -> String {
    referral["id"].as_str().unwrap().to_owned()
}

fn item_id(referral: &Value, index: usize) -> String {
    referral["items"][index]["id"].as_str().unwrap().to_owned()
}

fn file_of(name: &str) -> Vec<u8> {
    format!("%PDF-1.4 {name} 扫描件").into_bytes()
}

/// Uploads `bytes` as the file of the `index`th item.
pub(crate) async fn upload(
    api: &Api,
    referral: &Value,
    index: usize,
    bytes: Vec<u8>,
) -> (StatusCode, Value) {
    let path = format!(
        "/api/referrals/{}/items/{}/file?name={}.pdf",
        id_of(referral),
        item_id(referral, index),
        index
    );
    send_bytes(api, Method::PUT, &path, Some("application/pdf"), bytes).await
}

/// `POST /api/referrals/{id}/actions` with `command` at the revision `api` reads now.
pub(crate) async fn command(
    api: &Api,
    id: &str,
    command: &str,
    extra: Value,
) -> (StatusCode, Value) {
    let (status, referral) = api.get(&format!("/api/referrals/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{referral}");
    let mut body = json!({ "command": command, "revision": referral["revision"] });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    api.post(&format!("/api/referrals/{id}/actions"), body)
        .await
}

async fn ok(api: &Api, id: &str, name: &str, extra: Value) -> Value {
    let (status, referral) = command(api, id, name, extra).await;
    assert_eq!(status, StatusCode::OK, "{name}: {referral}");
    referral
}

async fn check(api: &Api, id: &str, item: &str, body: Value) -> (StatusCode, Value) {
    api.post(&format!("/api/referrals/{id}/items/{item}/check"), body)
        .await
}

fn offered(referral: &Value, command: &str) -> bool {
    referral["commands"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["command"] == command && c["allowed"] == true)
}

/// A draft with every item's file, approved by the head and sent to the police.
pub(crate) async fn sent(f: &Fixture, extra: Value) -> Value {
    let referral = create(f, extra).await;
    let count = referral["items"].as_array().unwrap().len();
    for index in 0..count {
        let (status, body) = upload(&f.market, &referral, index, file_of(&index.to_string())).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let id = id_of(&referral);
    ok(&f.market, &id, "submit", json!({})).await;
    let head = f.signed_in("market-admin").await;
    ok(&head, &id, "approve", json!({})).await;
    ok(&f.market, &id, "send", json!({})).await
}

async fn sees(api: &Api, id: &str) -> StatusCode {
    api.get(&format!("/api/referrals/{id}")).await.0
}

async fn listed(api: &Api, role: &str, id: &str) -> bool {
    let (status, page) = api.get(&format!("/api/referrals?role={role}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["referrals"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"] == id)
}

async fn a_suspected_crime_goes_from_draft_to_closed(f: Fixture) {
    let referral = create(&f, json!({})).await;
    let id = id_of(&referral);
    assert_eq!(referral["state"], "draft");
    assert_eq!(referral["your_part"], "officer");
    assert_eq!(referral["copy_name"], "上城区人民检察院");
    assert_eq!(referral["items"].as_array().unwrap().len(), 3);
    let police = &f.police;
    let procuratorate = f.signed_in("procuratorate").await;
    let county = f.signed_in("county-bureau").await;
    let city = f.signed_in("city-bureau").await;
    let sibling = f.signed_in("sibling-bureau").await;
    let sibling_procuratorate = f.signed_in("sibling-procuratorate").await;
    let head = f.signed_in("market-admin").await;

    // A draft is the referring body's alone.
    for api in [police, &procuratorate, &county] {
        assert_eq!(sees(api, &id).await, StatusCode::NOT_FOUND);
    }

    // Submitting with items that have no file is refused, naming the first, and changes
    // nothing.
    let (status, refused) = command(&f.market, &id, "submit", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["reason"], "referral.item_without_file");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains(ITEMS[0]),
        "{refused}"
    );
    let (_, same) = f.market.get(&format!("/api/referrals/{id}")).await;
    assert_eq!(same["revision"], referral["revision"]);
    assert_eq!(same["state"], "draft");

    for (index, name) in ITEMS.iter().enumerate() {
        let (status, body) = upload(&f.market, &referral, index, file_of(name)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (_, uploaded) = f.market.get(&format!("/api/referrals/{id}")).await;
    let expected = hex::encode(Sha256::digest(file_of(ITEMS[1])));
    assert_eq!(uploaded["items"][1]["sha256"], expected.as_str());
    assert_eq!(uploaded["items"][1]["attached_by_name"], "market 同志");

    let submitted = ok(&f.market, &id, "submit", json!({})).await;
    assert_eq!(submitted["state"], "pending_approval");
    assert_eq!(submitted["stage"]["stage"], "approval");
    // The supervising bureaus see it from now on; the receiver does not until it is sent.
    assert_eq!(sees(&county, &id).await, StatusCode::OK);
    assert_eq!(sees(police, &id).await, StatusCode::NOT_FOUND);
    assert!(
        !offered(&submitted, "approve"),
        "an officer does not approve"
    );
    let (status, refused) = command(&f.market, &id, "approve", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["reason"], "referral.by_the_head");

    let approved = ok(&head, &id, "approve", json!({ "opinion": "同意移送。" })).await;
    assert_eq!(approved["state"], "approved");
    assert_eq!(approved["approved_by_name"], "market-admin 同志");
    assert_eq!(approved["stage"]["stage"], "sending");
    let sending = approved["stage"]["due_at"].as_i64().unwrap()
        - approved["stage"]["started_at"].as_i64().unwrap();
    assert_eq!(sending, 24 * 3_600_000, "24 hours to send");

    let sent = ok(&f.market, &id, "send", json!({})).await;
    assert_eq!(sent["state"], "sent");
    assert_eq!(sent["stage"]["owed_by_org_id"], f.world.org("police"));
    assert!(listed(police, "incoming", &id).await);
    assert!(!listed(police, "outgoing", &id).await);
    assert!(listed(&f.market, "outgoing", &id).await);
    assert!(listed(&procuratorate, "supervised", &id).await);
    assert!(listed(&county, "supervised", &id).await);
    assert!(listed(&city, "supervised", &id).await);
    for api in [&sibling, &sibling_procuratorate] {
        assert_eq!(sees(api, &id).await, StatusCode::NOT_FOUND);
        assert!(!listed(api, "supervised", &id).await);
    }
    let (_, seen) = procuratorate.get(&format!("/api/referrals/{id}")).await;
    assert_eq!(seen["your_part"], "copied");
    assert!(seen["commands"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["allowed"] == false));
    // The copied procuratorate downloads the materials; the bytes are those hashed.
    let url = seen["items"][1]["url"].as_str().unwrap();
    let response = procuratorate
        .client
        .get(format!("{}{url}", procuratorate.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.bytes().await.unwrap().to_vec(), file_of(ITEMS[1]));

    // 签收 by a named person of the police.
    let received = ok(
        police,
        &id,
        "receive",
        json!({ "person": "王强（法制大队）" }),
    )
    .await;
    assert_eq!(received["state"], "received");
    assert_eq!(received["receiver_person"], "王强（法制大队）");
    assert_eq!(received["stage"]["stage"], "decision");

    // The receiver checks the materials: one missing; the case cannot be accepted yet.
    let items: Vec<String> = (0..3).map(|i| item_id(&received, i)).collect();
    let (status, body) = check(police, &id, &items[0], json!({ "found": "received" })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = check(
        police,
        &id,
        &items[1],
        json!({ "found": "missing", "note": "抽样检验报告缺第3页" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = check(police, &id, &items[2], json!({ "found": "received" })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["complete"], false);
    assert_eq!(body["items"][1]["state"], "missing");
    let (status, refused) = command(police, &id, "accept", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["reason"], "referral.accept_when_complete");
    // Only the referring body supplies it, and only a missing item.
    let (status, refused) = upload(police, &received, 1, file_of("x")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    let (status, refused) = upload(&f.market, &received, 0, file_of("x")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["reason"], "referral.supply_when_missing");
    let (status, supplied) = upload(&f.market, &received, 1, file_of("完整报告")).await;
    assert_eq!(status, StatusCode::OK, "{supplied}");
    assert_eq!(supplied["items"][1]["state"], "pending");
    let (status, body) = check(police, &id, &items[1], json!({ "found": "received" })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["complete"], true);

    let accepted = ok(
        police,
        &id,
        "accept",
        json!({ "case_number": "上公（经）立字〔2026〕117号" }),
    )
    .await;
    assert_eq!(accepted["state"], "accepted");
    assert!(accepted["stage"].is_null(), "{accepted}");
    let feedback = ok(
        police,
        &id,
        "feedback",
        json!({ "feedback": "已立案侦查，抓获犯罪嫌疑人2名。" }),
    )
    .await;
    assert_eq!(feedback["state"], "feedback_given");
    // The procuratorate reads the outcome.
    let (_, seen) = procuratorate.get(&format!("/api/referrals/{id}")).await;
    assert_eq!(seen["receiver_case_number"], "上公（经）立字〔2026〕117号");
    assert_eq!(seen["feedback"], "已立案侦查，抓获犯罪嫌疑人2名。");
    let closed = ok(&f.market, &id, "close", json!({})).await;
    assert_eq!(closed["state"], "closed");
    let (status, refused) = command(&f.market, &id, "withdraw", json!({ "reason": "x" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["reason"], "referral.closed_is_final");

    // Every step is in the audit trail, and the bodies were told as it went.
    let db = f.db().await;
    let kinds: Vec<String> = db
        .events_after(0, 100_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.subject == format!("referral:{id}"))
        .filter(|e| e.audience == server::db::Audience::Org(f.world.org("police").to_owned()))
        .map(|e| e.kind)
        .collect();
    for kind in ["referral.sent", "referral.item_supplied", "referral.closed"] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} in {kinds:?}");
    }
    assert!(
        !kinds.iter().any(|k| k == "referral.submitted"),
        "{kinds:?}"
    );
    db.close().await;
}

#[tokio::test]
async fn a_suspected_crime_is_referred_received_checked_accepted_and_closed() {
    a_suspected_crime_goes_from_draft_to_closed(fixture().await).await;
}

#[tokio::test]
async fn a_suspected_crime_is_referred_received_checked_accepted_and_closed_on_postgres() {
    a_suspected_crime_goes_from_draft_to_closed(fixture_on(Some(fresh_database_url().await)).await)
        .await;
}

async fn a_returned_referral_is_disputed(f: Fixture) {
    let referral = sent(
        &f,
        json!({
            "kind": "jurisdiction",
            "receiver_org_id": f.world.org("township"),
            "copy_org_id": null,
            "case_name": "湖滨路占道经营案",
            "items": ["现场照片"],
        }),
    )
    .await;
    let id = id_of(&referral);
    let returned = ok(
        &f.township,
        &id,
        "return",
        json!({ "reason": "该事项未下放街道，仍属区市场监管局职责" }),
    )
    .await;
    assert_eq!(returned["state"], "returned");
    assert_eq!(returned["stage"]["stage"], "dispute");
    assert_eq!(returned["dispute_window"]["open"], true, "{returned}");
    assert!(returned["dispute_window"]["dispute_id"].is_null());
    // Nothing but the dispute moves it on: no command is offered to anyone.
    assert!(returned["commands"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["allowed"] == false));
    let (status, refused) = command(&f.township, &id, "dispute", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["reason"], "referral.disputed_by_raising");
    // The referring body cannot raise the receiver's dispute from it.
    let raise = |extra: Value| {
        let mut body = json!({
            "kind": "negative",
            "title": "湖滨路占道经营案管辖争议",
            "description": "移送案件被退回：双方均认为不属本单位职责。",
            "parties": [],
            "position": "该事项未下放街道。",
            "from_referral_id": id,
        });
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    let (status, refused) = f.market.post("/api/disputes", raise(json!({}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(refused["error"]["reason"], "dispute.referral_not_returned");
    let (status, dispute) = f.township.post("/api/disputes", raise(json!({}))).await;
    assert_eq!(status, StatusCode::CREATED, "{dispute}");
    assert_eq!(dispute["source_kind"], "referral");
    assert_eq!(dispute["source_id"], id.as_str());
    let parties: Vec<&Value> = dispute["parties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["org_id"])
        .collect();
    assert!(
        parties.contains(&&json!(f.world.org("market"))),
        "{dispute}"
    );
    // The referral links to its dispute, and it is final.
    let (_, disputed) = f.market.get(&format!("/api/referrals/{id}")).await;
    assert_eq!(disputed["state"], "disputed");
    assert_eq!(disputed["dispute_id"], dispute["id"]);
    let (status, again) = f.township.post("/api/disputes", raise(json!({}))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    assert_eq!(again["error"]["reason"], "dispute.referral_not_returned");
}

/// The receipt's route under the referral `id`.
fn receipt_path(id: &str) -> impl Fn(&str) -> String + '_ {
    move |rest: &str| format!("/api/referrals/{id}/receipt{rest}")
}

async fn receipt_act(api: &Api, id: &str, body: Value) -> (StatusCode, Value) {
    api.post(&receipt_path(id)("/actions"), body).await
}

async fn the_receipt_is_signed_by_the_receiver(f: Fixture) {
    let referral = sent(&f, json!({})).await;
    let id = id_of(&referral);
    let police = &f.police;
    let procuratorate = f.signed_in("procuratorate").await;
    let path = receipt_path(&id);

    // Before 签收 there is nothing to make: refused with the state, nothing stored.
    let (status, view) = police.get(&path("")).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["kind"], "concord.referral-receipt/1");
    assert_eq!(view["state"], "draft");
    let (status, refused) = receipt_act(police, &id, json!({ "act": "freeze" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["reason"], "receipt.after_receipt");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .ends_with("it is now sent"),
        "{refused}"
    );

    let received = ok(police, &id, "receive", json!({ "person": "王强" })).await;
    let items: Vec<String> = (0..3).map(|i| item_id(&received, i)).collect();
    let (status, refused) = receipt_act(police, &id, json!({ "act": "freeze" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["reason"], "receipt.when_checked");
    // Only the receiving body makes it: the referring body and the copy read it.
    for api in [&f.market, &procuratorate] {
        let (status, view) = api.get(&path("")).await;
        assert_eq!(status, StatusCode::OK, "{view}");
        assert_eq!(view["manages"], false, "{view}");
        let (status, refused) = receipt_act(api, &id, json!({ "act": "freeze" })).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
        assert_eq!(refused["error"]["reason"], "policy.manage_body_record");
    }
    let sibling = f.signed_in("sibling-bureau").await;
    assert_eq!(sibling.get(&path("")).await.0, StatusCode::NOT_FOUND);
    // Its document is a record: no socket opens it, not even the receiver's.
    let (status, body) = police
        .post(&format!("/api/docs/{id}:receipt/ticket"), json!({}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    // One item missing: the receipt says so.
    for (item, found) in [
        (&items[0], json!({ "found": "received" })),
        (&items[1], json!({ "found": "missing", "note": "缺第3页" })),
        (&items[2], json!({ "found": "received" })),
    ] {
        let (status, body) = check(police, &id, item, found).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, made) = receipt_act(police, &id, json!({ "act": "freeze" })).await;
    assert_eq!(status, StatusCode::OK, "{made}");
    assert_eq!(made["state"], "frozen");
    assert_eq!(made["version"], 1);
    let (status, html) = police.get(&path("/versions/1/receipt.html")).await;
    assert_eq!(status, StatusCode::OK);
    let html = html.as_str().unwrap_or_default().to_owned();
    assert!(html.contains("缺少：缺第3页"), "{html}");
    assert!(html.contains("已收到 2 项"), "{html}");

    // Sent back and made again once the missing item is supplied and received.
    let (status, reopened) = receipt_act(
        police,
        &id,
        json!({ "act": "reopen", "version": 1, "reason": "补充材料已到，重新出具" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{reopened}");
    let (status, supplied) = upload(&f.market, &received, 1, file_of("完整报告")).await;
    assert_eq!(status, StatusCode::OK, "{supplied}");
    let (status, body) = check(police, &id, &items[1], json!({ "found": "received" })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, made) = receipt_act(police, &id, json!({ "act": "freeze" })).await;
    assert_eq!(status, StatusCode::OK, "{made}");
    let version = made["version"].as_i64().unwrap();
    assert_eq!(version, 2);
    let (status, opened) = receipt_act(
        police,
        &id,
        json!({ "act": "open_signing", "version": version }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{opened}");
    let (status, signed) = crate::disputes::sign_as(police, &path, version).await;
    assert_eq!(status, StatusCode::OK, "{signed}");
    assert_eq!(signed["state"], "signed");
    // The referral's own machine did not move.
    let (_, after) = police.get(&format!("/api/referrals/{id}")).await;
    assert_eq!(after["state"], "received");
    let (status, archived) =
        receipt_act(police, &id, json!({ "act": "archive", "version": version })).await;
    assert_eq!(status, StatusCode::OK, "{archived}");

    // The referring body downloads the bundle; it verifies with concord and OpenSSL, and says
    // who signed for what, with each file's digest.
    let (_workdir, dir, said) = crate::bundle_fixtures::download_and_verify(
        &f.server,
        &f.market,
        &path(&format!("/versions/{version}/bundle.zip")),
    )
    .await;
    assert!(
        said.contains("ok   kind concord.referral-receipt/1"),
        "{said}"
    );
    let content: Value =
        serde_json::from_slice(&std::fs::read(dir.join("content.json")).unwrap()).unwrap();
    assert_eq!(content["receipt"]["person"], "王强");
    assert_eq!(content["receiver"]["org_id"], f.world.org("police"));
    assert_eq!(content["copy"]["name"], "上城区人民检察院");
    let checklist = content["checklist"].as_array().unwrap();
    assert_eq!(checklist.len(), 3);
    assert!(
        checklist.iter().all(|i| i["state"] == "received"),
        "{content}"
    );
    assert_eq!(
        checklist[1]["sha256"],
        hex::encode(Sha256::digest(file_of("完整报告"))).as_str()
    );
    let db = f.db().await;
    // Every body of the referral is told it was signed.
    let mut expected: Vec<String> = ["market", "police", "procuratorate"]
        .iter()
        .map(|code| format!("org:{}", f.world.org(code)))
        .collect();
    expected.sort();
    assert_eq!(told(&db, &id, "referral_receipt.signed").await, expected);
    db.close().await;
}

#[tokio::test]
async fn the_receiver_makes_signs_and_archives_the_receipt_which_verifies_with_openssl() {
    the_receipt_is_signed_by_the_receiver(fixture().await).await;
}

#[tokio::test]
async fn the_receiver_makes_signs_and_archives_the_receipt_which_verifies_with_openssl_on_postgres()
{
    the_receipt_is_signed_by_the_receiver(fixture_on(Some(fresh_database_url().await)).await).await;
}

#[tokio::test]
async fn a_returned_referral_goes_on_only_as_the_dispute_its_receiver_raises() {
    a_returned_referral_is_disputed(fixture().await).await;
}

#[tokio::test]
async fn a_returned_referral_goes_on_only_as_the_dispute_its_receiver_raises_on_postgres() {
    a_returned_referral_is_disputed(fixture_on(Some(fresh_database_url().await)).await).await;
}

#[tokio::test]
async fn a_clue_to_discipline_inspection_is_read_by_its_two_bodies_alone() {
    let f = fixture().await;
    let county = f.signed_in("county-bureau").await;
    let (status, referral) = county
        .post(
            "/api/referrals",
            json!({
                "kind": "clue",
                "receiver_org_id": f.world.org("discipline"),
                "case_name": "某执法人员违规减免罚款问题线索",
                "facts": "执法监督中发现，某执法人员在三起案件中违规减免罚款。",
                "legal_basis": "《浙江省行政执法监督条例》",
                "items": ["案卷评查记录"],
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{referral}");
    let id = id_of(&referral);
    let (status, body) = upload(&county, &referral, 0, file_of("评查记录")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Submitted for approval: from now on a referral's supervisors would read it.
    ok(&county, &id, "submit", json!({})).await;
    let city = f.signed_in("city-bureau").await;
    let discipline = f.signed_in("discipline").await;
    let procuratorate = f.signed_in("procuratorate").await;
    // A clue is a closed space: the bureau above does not read it, nor does anyone else.
    for api in [&city, &discipline, &procuratorate, &f.market] {
        assert_eq!(sees(api, &id).await, StatusCode::NOT_FOUND);
        assert!(!listed(api, "supervised", &id).await);
    }
    assert_eq!(sees(&county, &id).await, StatusCode::OK);
}

#[tokio::test]
async fn the_police_are_reminded_chased_and_supervised_on_working_mornings_across_qingming() {
    let f = fixture().await;
    // Sent on Thursday 2 April 2026 at 10:00; received at once. Three working days to decide:
    // Friday 3 April, then (清明 4–6 April) Tuesday 7 and Wednesday 8 April.
    f.clock.set_ms(ms(datetime!(2026-04-02 10:00 +8)));
    let referral = sent(&f, json!({})).await;
    let id = id_of(&referral);
    let received = ok(&f.police, &id, "receive", json!({})).await;
    assert_eq!(received["receiver_person"], "police 同志");
    let due = received["stage"]["due_at"].as_i64().unwrap();
    assert!(
        due > ms(datetime!(2026-04-08 00:00 +8)) && due <= ms(datetime!(2026-04-09 00:00 +8)),
        "{received}"
    );
    let db = f.db().await;
    let police_org = format!("org:{}", f.world.org("police"));
    f.clock.set_ms(ms(datetime!(2026-04-09 08:59 +8)));
    f.server.worker.run_due().await.unwrap();
    assert!(told(&db, &id, "referral.overdue").await.is_empty());
    // 催办 on the first working morning after the deadline.
    f.clock.set_ms(ms(datetime!(2026-04-09 09:00 +8)));
    f.server.worker.run_due().await.unwrap();
    assert_eq!(
        told(&db, &id, "referral.overdue").await,
        vec![police_org.clone()]
    );
    let (_, seen) = f.market.get(&format!("/api/referrals/{id}")).await;
    assert_eq!(seen["stage"]["overdue"], true, "{seen}");
    // 督办 five working mornings later: the police, the referring body and the copied
    // procuratorate are told.
    f.clock.set_ms(ms(datetime!(2026-04-16 09:00 +8)));
    f.server.worker.run_due().await.unwrap();
    let mut expected = vec![
        police_org.clone(),
        format!("org:{}", f.world.org("market")),
        format!("org:{}", f.world.org("procuratorate")),
    ];
    expected.sort();
    assert_eq!(told(&db, &id, "referral.supervised").await, expected);
    // A decision stops the clock: nothing more is sent.
    let received = ok(
        &f.police,
        &id,
        "not_accept",
        json!({ "reason": "不构成犯罪" }),
    )
    .await;
    assert!(received["stage"].is_null());
    db.close().await;
}

/// The events of kind `kind` about referral `id`, as `org:<id>` / `user:<id>`, sorted.
async fn told(db: &server::db::Db, id: &str, kind: &str) -> Vec<String> {
    crate::disputes::told_about(db, &format!("referral:{id}"), kind).await
}

#[tokio::test]
async fn bad_referrals_are_refused_with_the_rule_and_change_nothing() {
    let f = fixture().await;
    // A suspected crime without its copy to the procuratorate; to the wrong kind of body; to
    // itself; a copy where none is taken; an unknown receiver; malformed JSON.
    let cases = [
        (json!({ "copy_org_id": null }), "referral.copy_required"),
        (
            json!({ "receiver_org_id": f.world.org("court") }),
            "referral.kind_receiver",
        ),
        (
            json!({ "kind": "jurisdiction", "receiver_org_id": f.world.org("market"), "copy_org_id": null }),
            "referral.receiver_is_self",
        ),
        (
            json!({ "kind": "jurisdiction", "receiver_org_id": f.world.org("township") }),
            "referral.copy_not_taken",
        ),
    ];
    for (extra, reason) in cases {
        let (status, refused) = f.market.post("/api/referrals", draft(&f, extra)).await;
        assert_eq!(status, StatusCode::CONFLICT, "{refused}");
        assert_eq!(refused["error"]["reason"], reason, "{refused}");
    }
    let (status, refused) = f
        .police
        .post(
            "/api/referrals",
            draft(&f, json!({ "receiver_org_id": f.world.org("police") })),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["reason"], "referral.kind_referrer");
    let (status, refused) = f
        .market
        .post(
            "/api/referrals",
            draft(&f, json!({ "receiver_org_id": "no-such-org" })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(
        refused["error"]["reason"], "referral.no_such_body",
        "{refused}"
    );
    let (status, _) = f
        .market
        .post("/api/referrals", draft(&f, json!({ "items": [""] })))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = f
        .market
        .post("/api/referrals", draft(&f, json!({ "forward_to": "x" })))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, page) = f.market.get("/api/referrals").await;
    assert!(page["referrals"].as_array().unwrap().is_empty(), "{page}");

    // An empty checklist is refused at submission.
    let referral = create(&f, json!({ "items": [] })).await;
    let id = id_of(&referral);
    let (status, refused) = command(&f.market, &id, "submit", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["reason"], "referral.checklist_empty");
    // Items come and go in the draft, at the revision read.
    let (status, added) = f
        .market
        .post(
            &format!("/api/referrals/{id}/items"),
            json!({ "revision": referral["revision"], "name": "询问笔录" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{added}");
    let (status, stale) = f
        .market
        .post(
            &format!("/api/referrals/{id}/items"),
            json!({ "revision": referral["revision"], "name": "现场照片" }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{stale}");
    assert_eq!(stale["error"]["reason"], "referral.stale");
    let (status, missing) = f
        .market
        .post(
            &format!("/api/referrals/{id}/items/no-such-item/remove"),
            json!({ "revision": added["revision"] }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
    // Illegal transitions: 409 naming the rule, nothing changed; the receiver does not even
    // see a draft (404).
    for (name, reason) in [
        ("send", "referral.send_when_approved"),
        ("close", "referral.close_when_done"),
        ("receive", "referral.by_the_receiver"),
    ] {
        let (status, body) = command(&f.market, &id, name, json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{name}: {body}");
        assert_eq!(body["error"]["reason"], reason, "{body}");
    }
    let (status, body) = f
        .police
        .post(
            &format!("/api/referrals/{id}/actions"),
            json!({ "command": "receive", "revision": added["revision"] }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (_, same) = f.market.get(&format!("/api/referrals/{id}")).await;
    assert_eq!(same["revision"], added["revision"]);
    assert_eq!(same["state"], "draft");
    // A missing item must say what is missing; an unknown command is refused.
    let referral = sent(&f, json!({})).await;
    let id = id_of(&referral);
    ok(&f.police, &id, "receive", json!({})).await;
    let (status, refused) = check(
        &f.police,
        &id,
        &item_id(&referral, 0),
        json!({ "found": "missing" }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(
        refused["error"]["reason"], "referral.missing_needs_note",
        "{refused}"
    );
    let (status, refused) = check(
        &f.police,
        &id,
        &item_id(&referral, 0),
        json!({ "found": "pending" }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(
        refused["error"]["reason"], "referral.check_found",
        "{refused}"
    );
    let (status, refused) = f
        .police
        .post(
            &format!("/api/referrals/{id}/actions"),
            json!({ "command": "forward", "revision": 1 }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
}

#[tokio::test]
async fn a_file_over_the_size_limit_is_413_and_stores_nothing() {
    let limit = 4 * 1024;
    let clock = server::clock::Clock::manual(ms(datetime!(2026-03-02 09:00 +8)));
    let server = TestServer::start_with(Options {
        clock: Some(clock.clone()),
        work: server::config::WorkArgs {
            max_attachment_bytes: limit,
            ..Default::default()
        },
        ..Options::default()
    })
    .await;
    let world = World::build_on(&server, None).await;
    let f = Fixture {
        convener: Api::signed_in(&server, "county-bureau").await,
        market: Api::signed_in(&server, "market").await,
        township: Api::signed_in(&server, "township").await,
        police: Api::signed_in(&server, "police").await,
        server,
        world,
        clock,
        database_url: None,
    };
    let referral = create(&f, json!({})).await;
    let (status, refused) = upload(&f.market, &referral, 0, vec![7u8; limit + 1]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{refused}");
    assert_eq!(refused["error"]["reason"], "limits.file_too_large");
    let (_, same) = f
        .market
        .get(&format!("/api/referrals/{}", id_of(&referral)))
        .await;
    assert!(same["items"][0]["sha256"].is_null(), "{same}");
    assert_eq!(same["revision"], referral["revision"]);
}

/// The `(scope, kind)` row of a statistics table for the region itself and everything below.
fn total(stats: &Value, kind: Value) -> &Value {
    stats["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["scope"] == "total" && r["kind"] == kind)
        .unwrap_or_else(|| panic!("no total of {kind} in {stats}"))
}

#[tokio::test]
async fn the_bureau_and_the_procuratorate_count_the_referrals_of_their_region() {
    let f = fixture().await;
    // Two suspected crimes (one received and accepted, one waiting) and a transfer of
    // jurisdiction the township returned.
    let accepted = sent(&f, json!({})).await;
    let id = id_of(&accepted);
    let received = ok(&f.police, &id, "receive", json!({})).await;
    for index in 0..3 {
        let item = item_id(&received, index);
        let (status, body) = check(&f.police, &id, &item, json!({ "found": "received" })).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    ok(&f.police, &id, "accept", json!({})).await;
    sent(&f, json!({ "case_name": "另一起涉嫌犯罪案件" })).await;
    let returned = sent(
        &f,
        json!({
            "kind": "jurisdiction",
            "receiver_org_id": f.world.org("township"),
            "copy_org_id": null,
        }),
    )
    .await;
    ok(
        &f.township,
        &id_of(&returned),
        "return",
        json!({ "reason": "非本街道职责" }),
    )
    .await;

    let county = f.signed_in("county-bureau").await;
    let (status, stats) = county
        .get("/api/referrals/stats?region=330102&from=2026-01-01&to=2026-12-31")
        .await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    let all = total(&stats, Value::Null);
    assert_eq!(all["referred"], 3, "{stats}");
    assert_eq!(all["received"], 1);
    assert_eq!(all["received_on_time"], 1);
    assert_eq!(all["accepted"], 1);
    assert_eq!(all["returned"], 1);
    // Open: the accepted one (its feedback and close are still to come), the one waiting
    // for 签收, the returned one waiting for its dispute.
    assert_eq!(all["open"], 3);
    assert_eq!(all["receipt_days_median"], 0.0);
    assert_eq!(total(&stats, json!("criminal"))["referred"], 2);
    assert_eq!(total(&stats, json!("jurisdiction"))["referred"], 1);
    assert!(stats["rows"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["kind"] != "clue"));

    // The procuratorate counts the suspected crimes of its region alone.
    let procuratorate = f.signed_in("procuratorate").await;
    let (status, stats) = procuratorate
        .get("/api/referrals/stats?from=2026-01-01&to=2026-12-31")
        .await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    assert_eq!(stats["kinds"], json!(["criminal"]));
    assert_eq!(total(&stats, Value::Null)["referred"], 2);

    // The CSV opens in a spreadsheet: a byte order mark and a Chinese header.
    let response = county
        .client
        .get(format!(
            "{}/api/referrals/stats.csv?region=330102&from=2026-01-01&to=2026-12-31",
            county.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    assert!(text.starts_with('\u{feff}'), "{text}");
    assert!(
        text.contains("移送类型") && text.contains("涉嫌犯罪案件移送"),
        "{text}"
    );

    // Anyone else, or a region it does not supervise, is refused.
    for (api, query) in [
        (&f.market, "region=330102"),
        (&f.signed_in("sibling-procuratorate").await, "region=330102"),
        (&county, "region=330100"),
    ] {
        let (status, refused) = api.get(&format!("/api/referrals/stats?{query}")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
        assert_eq!(refused["error"]["reason"], "policy.read_referral_stats");
    }
    let (status, refused) = county.get("/api/referrals/stats?from=2026-13-01").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(refused["error"]["reason"], "stats.bad_date");
}

#[tokio::test]
async fn a_procuratorate_suggests_a_referral_to_an_enforcement_body_of_its_region() {
    let f = fixture().await;
    let procuratorate = f.signed_in("procuratorate").await;
    let suggestion = |org: &str| {
        json!({
            "org_id": org,
            "case_name": "湖滨路销售假冒注册商标食品案",
            "case_number": "上市监罚〔2026〕12号",
            "reason": "该案货值金额已达刑事立案追诉标准，仅作行政处罚，存在以罚代刑。",
        })
    };
    let (status, notice) = procuratorate
        .post(
            "/api/referrals/suggestions",
            suggestion(f.world.org("market")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{notice}");
    assert_eq!(notice["kind"], "case_letter");
    assert_eq!(notice["requires_ack"], true);
    assert_eq!(notice["requires_reply"], true);
    assert!(notice["reply_due_at"].is_i64(), "{notice}");
    let (_, inbox) = f.market.get("/api/notices?box=received").await;
    let letter = inbox["notices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == notice["id"])
        .unwrap_or_else(|| panic!("not in the inbox: {inbox}"));
    assert!(letter["title"]
        .as_str()
        .unwrap()
        .starts_with("建议移送涉嫌犯罪案件"));
    // It supervises and hands over no matter: no window to dispute it, and no dispute from it.
    let id = notice["id"].as_str().unwrap();
    let (status, detail) = f.market.get(&format!("/api/notices/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert!(detail["dispute_window"].is_null(), "{detail}");
    let (status, refused) = f
        .market
        .post(
            "/api/disputes",
            json!({ "kind": "negative", "title": "不属本单位管辖", "description": "建议移送",
                    "parties": [], "position": "不属本单位管辖", "from_notice_id": id }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["reason"], "dispute.not_from_supervision");

    // Only a procuratorate, only to an enforcement body of its region.
    let (status, refused) = f
        .police
        .post(
            "/api/referrals/suggestions",
            suggestion(f.world.org("market")),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(
        refused["error"]["reason"],
        "referral.suggest_by_procuratorate"
    );
    let sibling = f.signed_in("sibling-procuratorate").await;
    for (api, org) in [
        (&sibling, f.world.org("market")),
        (&procuratorate, f.world.org("police")),
    ] {
        let (status, refused) = api
            .post("/api/referrals/suggestions", suggestion(org))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{refused}");
        assert_eq!(
            refused["error"]["reason"],
            "referral.suggest_to_enforcement"
        );
    }
}

/// Whether `GET /api/spaces` lists the space `id` to `api`.
async fn space_listed(api: &Api, id: &str) -> bool {
    let (status, page) = api.get("/api/spaces").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["spaces"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["id"] == id)
}

/// A referral is a space whose receiver and copy take part from the draft on, in a region
/// its bureaus supervise: the generic space routes must still hide it exactly as the referral
/// routes do (the authorization matrix found them showing a draft to all of them).
#[tokio::test]
async fn the_space_routes_show_a_referral_only_when_the_referral_is_shown() {
    let f = fixture().await;
    let referral = create(&f, json!({})).await;
    let id = id_of(&referral);
    let procuratorate = f.signed_in("procuratorate").await;
    let county = f.signed_in("county-bureau").await;
    let space = format!("/api/spaces/{id}");
    let docs = format!("/api/spaces/{id}/docs");
    for api in [&f.police, &procuratorate, &county] {
        assert_eq!(api.get(&space).await.0, StatusCode::NOT_FOUND);
        assert_eq!(api.get(&docs).await.0, StatusCode::NOT_FOUND);
        assert!(!space_listed(api, &id).await);
    }
    assert_eq!(f.market.get(&space).await.0, StatusCode::OK);
    assert!(space_listed(&f.market, &id).await);

    for (index, name) in ITEMS.iter().enumerate() {
        let (status, body) = upload(&f.market, &referral, index, file_of(name)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    ok(&f.market, &id, "submit", json!({})).await;
    // Submitted: the bureau supervises it; the receiver and the copy wait until it is sent.
    assert_eq!(county.get(&space).await.0, StatusCode::OK);
    assert!(space_listed(&county, &id).await);
    for api in [&f.police, &procuratorate] {
        assert_eq!(api.get(&space).await.0, StatusCode::NOT_FOUND);
        assert!(!space_listed(api, &id).await);
    }

    let head = f.signed_in("market-admin").await;
    ok(&head, &id, "approve", json!({})).await;
    ok(&f.market, &id, "send", json!({})).await;
    for api in [&f.police, &procuratorate] {
        assert_eq!(api.get(&space).await.0, StatusCode::OK);
        assert!(space_listed(api, &id).await);
    }
}

/// 督办 of a referral its head sits on: the referring body and its heads are told, never the
/// receiver, which does not know of a referral not yet sent.
#[tokio::test]
async fn the_receiver_is_not_told_of_a_referral_held_up_before_it_is_sent() {
    let f = fixture().await;
    f.clock.set_ms(ms(datetime!(2026-04-02 10:00 +8)));
    let referral = create(&f, json!({})).await;
    let id = id_of(&referral);
    for (index, name) in ITEMS.iter().enumerate() {
        let (status, body) = upload(&f.market, &referral, index, file_of(name)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    ok(&f.market, &id, "submit", json!({})).await;
    let db = f.db().await;
    // Far past the head's three working days and the five working days to 督办.
    f.clock.set_ms(ms(datetime!(2026-04-30 09:00 +8)));
    f.server.worker.run_due().await.unwrap();
    let told_of = told(&db, &id, "referral.supervised").await;
    assert!(
        told_of.contains(&format!("org:{}", f.world.org("market"))),
        "{told_of:?}"
    );
    assert!(
        told_of.contains(&format!("user:{}", f.world.users["market-admin"])),
        "{told_of:?}"
    );
    for body in ["police", "procuratorate"] {
        assert!(
            !told_of.contains(&format!("org:{}", f.world.org(body))),
            "{body} was told: {told_of:?}"
        );
    }
    assert_eq!(sees(&f.police, &id).await, StatusCode::NOT_FOUND);
    db.close().await;
}
