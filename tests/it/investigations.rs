//! Joint investigation groups (联合调查组) over HTTP and the websocket, against a real server
//! on the manual clock: proposal, answers, forming and starting; who sees a group (an internal
//! one, a sensitive one before and after it is reported); section ownership on the socket
//! (the stock JavaScript client too); leaving; bad input that changes nothing; on SQLite and
//! PostgreSQL.
//!
//! `market` (上城区市场监管局) leads; `police` and `township` are invited; `court` is a related
//! body; `county-bureau` (上城区) supervises the county; `city-bureau` is above it;
//! `sibling-bureau` (拱墅区) never sees anything.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::meetings::{fixture, fixture_on, Fixture};
use crate::ops::{read_metric, WS_ACCESS_CHANGED};
use crate::support::api::Api;
use crate::support::client::TestClient;
use crate::support::node::NodePeer;
use crate::support::postgres::fresh_database_url;
use crate::tasks::send_bytes;

fn proposal(f: &Fixture, extra: Value) -> Value {
    let mut body = json!({
        "case_name": "湖滨路特大制售假冒食品案",
        "case_number": "上市监立〔2026〕42号",
        "summary": "群众举报湖滨路一带有窝点制售假冒知名品牌食品，涉及生产、流通和网络销售。",
        "areas": "市场监管（食品安全）、公安（涉嫌犯罪线索）、街道（属地排查）",
        "confidentiality": "internal",
        "members": [f.world.org("police"), f.world.org("township")],
        "related": [f.world.org("court")],
    });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    body
}

pub(crate) async fn propose(f: &Fixture, extra: Value) -> Value {
    let (status, group) = f
        .market
        .post("/api/investigations", proposal(f, extra))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    group
}

/// `POST /api/investigations/{id}/actions` with `command` at the revision `api` reads now.
async fn command(api: &Api, id: &str, command: &str, extra: Value) -> (StatusCode, Value) {
    let (status, group) = api.get(&format!("/api/investigations/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{group}");
    let mut body = json!({ "command": command, "revision": group["revision"] });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    api.post(&format!("/api/investigations/{id}/actions"), body)
        .await
}

pub(crate) async fn answer(api: &Api, id: &str, body: Value) -> (StatusCode, Value) {
    api.post(&format!("/api/investigations/{id}/membership"), body)
        .await
}

pub(crate) fn confirm() -> Value {
    json!({ "command": "confirm", "responsible_person": "王警官", "contact": "王警官 0571-87000000" })
}

pub(crate) fn section_of<'a>(group: &'a Value, f: &Fixture, code: &str) -> &'a Value {
    let org = f.world.org(code);
    &group["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["org_id"] == org)
        .unwrap_or_else(|| panic!("no {code} in {group}"))["section_doc_id"]
}

/// A group proposed by `market`, `police` confirmed and `township` declined, formed.
pub(crate) async fn formed(f: &Fixture, extra: Value) -> String {
    let group = propose(f, extra).await;
    let id = group["id"].as_str().unwrap().to_owned();
    let (status, body) = answer(&f.police, &id, confirm()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = answer(
        &f.township,
        &id,
        json!({ "command": "decline", "reason": "本街道不涉及该案" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = command(&f.market, &id, "form", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["state"], "formed", "{body}");
    id
}

async fn received(api: &Api, title_start: &str) -> Option<Value> {
    let (_, inbox) = api.get("/api/notices?box=received").await;
    inbox["notices"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .find(|n| n["title"].as_str().unwrap_or("").starts_with(title_start))
}

async fn ticket(f: &Fixture, api: &Api, doc: &Value) -> (StatusCode, String, String) {
    let doc = doc.as_str().expect("a document id");
    let (status, body) = api
        .post(&format!("/api/docs/{doc}/ticket"), json!({}))
        .await;
    let url = format!(
        "ws://{}{}",
        f.server.addr,
        body["url"].as_str().unwrap_or_default()
    );
    (
        status,
        url,
        body["access"].as_str().unwrap_or_default().to_owned(),
    )
}

async fn the_group_runs_from_proposal_to_work(f: Fixture) {
    let group = propose(&f, json!({})).await;
    let id = group["id"].as_str().unwrap().to_owned();
    assert_eq!(group["state"], "proposed");
    assert_eq!(group["your_part"], "lead");
    assert_eq!(group["reads_dossier"], true);
    assert!(section_of(&group, &f, "police").is_string(), "{group}");

    // The invited bodies see the proposal, never the dossier.
    let (status, seen) = f.police.get(&format!("/api/investigations/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!(seen["your_part"], "invited");
    assert_eq!(seen["reads_dossier"], false);
    assert!(seen["summary_doc_id"].is_null(), "{seen}");
    assert!(section_of(&seen, &f, "police").is_null(), "{seen}");
    let (_, listed) = f.police.get("/api/investigations").await;
    assert!(
        listed["groups"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["id"] == id.as_str()),
        "the invited body finds it in its list: {listed}"
    );
    let (status, _, access) = ticket(&f, &f.police, &group["summary_doc_id"]).await;
    assert!(
        status == StatusCode::NOT_FOUND || access == "none",
        "an invited body opens no section: {status} {access}"
    );

    // A bureau over an internal group reads it all; a sibling bureau and the related court
    // (told only once it forms) see nothing.
    let county = f.signed_in("county-bureau").await;
    let (status, seen) = county.get(&format!("/api/investigations/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!(seen["your_part"], "supervisor");
    assert_eq!(seen["reads_dossier"], true);
    for code in ["sibling-bureau", "court"] {
        let api = f.signed_in(code).await;
        let (status, body) = api.get(&format!("/api/investigations/{id}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{code}: {body}");
        let (_, listed) = api.get("/api/investigations").await;
        assert_eq!(listed["groups"], json!([]), "{code}");
    }

    // Forming waits for every answer; only the lead forms.
    let (status, refused) = command(&f.market, &id, "form", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(
        refused["error"]["reason"], "investigation.form_after_answers",
        "{refused}"
    );
    let (status, refused) = answer(&f.police, &id, json!({ "command": "confirm" })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    let (status, body) = answer(&f.police, &id, confirm()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["your_part"], "member");
    assert!(section_of(&body, &f, "police").is_string(), "{body}");
    let (status, refused) = answer(&f.police, &id, confirm()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(
        refused["error"]["reason"], "investigation.answer_once",
        "{refused}"
    );
    let (status, body) = answer(
        &f.township,
        &id,
        json!({ "command": "decline", "reason": "本街道不涉及该案" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["your_part"], "invited");
    let (status, refused) = command(&f.police, &id, "form", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    let (status, formed) = command(&f.market, &id, "form", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{formed}");
    assert_eq!(formed["state"], "formed");

    // Every member and the related body are told, and must acknowledge.
    for code in ["police", "court"] {
        let api = f.signed_in(code).await;
        let notice = received(&api, "联合调查组已组建")
            .await
            .unwrap_or_else(|| panic!("{code} is told the group formed"));
        assert_eq!(notice["requires_ack"], true, "{notice}");
        assert_eq!(notice["about"]["investigation_id"], id.as_str(), "{notice}");
    }
    assert!(received(&f.township, "联合调查组已组建").await.is_none());

    // A member starts the work; a body that declined cannot.
    let (status, refused) = command(&f.township, &id, "start", json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    let (status, active) = command(&f.police, &id, "start", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{active}");
    assert_eq!(active["state"], "active");
    // Concluding is the report's signature, not a command.
    let (status, refused) = command(&f.market, &id, "conclude", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(
        refused["error"]["reason"], "investigation.concluded_by_signing",
        "{refused}"
    );
}

#[tokio::test]
async fn a_group_runs_from_proposal_through_answers_to_work_on_sqlite() {
    the_group_runs_from_proposal_to_work(fixture().await).await;
}

#[tokio::test]
async fn a_group_runs_from_proposal_through_answers_to_work_on_postgres() {
    the_group_runs_from_proposal_to_work(fixture_on(Some(fresh_database_url().await)).await).await;
}

async fn a_sensitive_group_is_closed_until_reported(f: Fixture) {
    let id = formed(&f, json!({ "confidentiality": "sensitive" })).await;
    let county = f.signed_in("county-bureau").await;
    let city = f.signed_in("city-bureau").await;
    for api in [&county, &city] {
        let (status, body) = api.get(&format!("/api/investigations/{id}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        let (_, listed) = api.get("/api/investigations").await;
        assert_eq!(listed["groups"], json!([]));
        let (status, body) = api.get(&format!("/api/spaces/{id}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    }
    let (_, lead_view) = f.market.get(&format!("/api/investigations/{id}")).await;
    let (status, _, access) = ticket(&f, &county, &lead_view["summary_doc_id"]).await;
    assert!(
        status == StatusCode::NOT_FOUND || access == "none",
        "{status} {access}"
    );

    // Marked of high public attention: the county bureau (the lead's level) is reported to.
    let (status, marked) = f
        .market
        .post(
            &format!("/api/investigations/{id}/attention"),
            json!({ "revision": lead_view["revision"] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{marked}");
    assert_eq!(marked["public_attention"], true);
    assert_eq!(marked["reported_org_id"], f.world.org("county-bureau"));
    let notice = received(&county, "联合调查组情况报告")
        .await
        .expect("the county bureau is reported to");
    assert_eq!(notice["requires_ack"], true, "{notice}");

    let (status, seen) = county.get(&format!("/api/investigations/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!(seen["reads_dossier"], false);
    assert!(section_of(&seen, &f, "police").is_null(), "{seen}");
    for doc in ["summary_doc_id", "conclusions_doc_id"] {
        assert_eq!(seen[doc], lead_view[doc]);
        let (status, _, access) = ticket(&f, &county, &seen[doc]).await;
        assert_eq!((status, access.as_str()), (StatusCode::OK, "read"), "{doc}");
    }
    let police_section = section_of(&lead_view, &f, "police").clone();
    let (status, _, access) = ticket(&f, &county, &police_section).await;
    assert!(
        status == StatusCode::NOT_FOUND || access == "none",
        "a member's section stays closed to the reported bureau: {status} {access}"
    );
    let (_, docs) = county.get(&format!("/api/spaces/{id}/docs")).await;
    assert_eq!(
        docs["docs"].as_array().map(Vec::len),
        Some(2),
        "the reported bureau learns of the two briefing sections alone: {docs}"
    );
    // The bureau above was not reported to.
    let (status, _) = city.get(&format!("/api/investigations/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Once is enough.
    let (status, refused) = f
        .market
        .post(
            &format!("/api/investigations/{id}/attention"),
            json!({ "revision": marked["revision"] }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
}

#[tokio::test]
async fn a_sensitive_group_is_closed_to_bureaus_until_reported_then_shows_its_briefing_on_sqlite() {
    a_sensitive_group_is_closed_until_reported(fixture().await).await;
}

#[tokio::test]
async fn a_sensitive_group_is_closed_to_bureaus_until_reported_then_shows_its_briefing_on_postgres()
{
    a_sensitive_group_is_closed_until_reported(fixture_on(Some(fresh_database_url().await)).await)
        .await;
}

#[tokio::test]
async fn each_body_writes_its_own_section_alone_and_a_body_that_leaves_loses_it_at_once() {
    let f = fixture().await;
    let id = formed(&f, json!({})).await;
    let (_, group) = f.market.get(&format!("/api/investigations/{id}")).await;
    let police_section = section_of(&group, &f, "police").clone();
    let market_section = section_of(&group, &f, "market").clone();

    // The police write their own section; the lead reads it live and may not write it.
    let (status, url, access) = ticket(&f, &f.police, &police_section).await;
    assert_eq!((status, access.as_str()), (StatusCode::OK, "write"));
    let police = TestClient::connect(&url).await;
    police.synced().await;
    police.insert("公安：已调取湖滨路监控。");
    let (_, url, access) = ticket(&f, &f.market, &police_section).await;
    assert_eq!(access, "read");
    let lead = TestClient::connect(&url).await;
    lead.wait_text("公安：已调取湖滨路监控。").await;
    lead.insert("牵头单位改写；");
    lead.wait_until("the lead's write refused", |c| !c.seen().denied.is_empty())
        .await;

    // A member may not write the lead's section, with the stock JavaScript client either.
    let (_, url, access) = ticket(&f, &f.police, &market_section).await;
    assert_eq!(access, "read");
    let mut js = NodePeer::connect(&url).await;
    js.insert("公安伪造；").await;
    js.wait_event("permission-denied").await;
    let (_, url, _) = ticket(&f, &f.market, &market_section).await;
    let fresh = TestClient::connect(&url).await;
    fresh.synced().await;
    assert_eq!(fresh.text(), "", "nothing of the forgery is stored");

    // The police leave: their open socket may no longer write, and the group is gone for
    // them; their section stays for the others, frozen.
    let changed_before = read_metric(&f.server, WS_ACCESS_CHANGED).await;
    let (status, left) = answer(
        &f.police,
        &id,
        json!({ "command": "leave", "reason": "案件已移送刑事立案，由专案组负责" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{left}");
    assert_eq!(left["your_part"], "invited");
    assert_eq!(left["reads_dossier"], false);
    // The socket's re-check follows the operation: wait for it (closed, or its access
    // changed) so that the write below tests the new access, not the race before it.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while police.seen().closed.is_none()
        && read_metric(&f.server, WS_ACCESS_CHANGED).await <= changed_before
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the police's socket was never re-checked"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    police.insert("离开后写入；");
    let closed_or_denied = tokio::time::timeout(Duration::from_secs(2), async {
        loop {
            let seen = police.seen();
            if seen.closed.is_some() || !seen.denied.is_empty() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(
        closed_or_denied.is_ok(),
        "the leaving body's socket loses write at once"
    );
    let (status, _, access) = ticket(&f, &f.police, &police_section).await;
    assert!(
        status == StatusCode::NOT_FOUND || access == "none",
        "{status} {access}"
    );
    let (_, url, access) = ticket(&f, &f.market, &police_section).await;
    assert_eq!(access, "read");
    let reader = TestClient::connect(&url).await;
    reader.synced().await;
    assert_eq!(reader.text(), "公安：已调取湖滨路监控。");
}

#[tokio::test]
async fn bad_input_to_a_group_is_refused_with_its_reason_and_changes_nothing() {
    let f = fixture().await;
    let police = f.world.org("police");
    let market = f.world.org("market");
    for (body, field) in [
        (json!({ "members": [] }), "investigation.members_empty"),
        (
            json!({ "members": ["no-such-org"] }),
            "investigation.no_such_body",
        ),
        (
            json!({ "members": [police, police] }),
            "investigation.body_twice",
        ),
        (json!({ "members": [market] }), "investigation.lead_invited"),
        (json!({ "related": [police] }), "investigation.body_twice"),
        (json!({ "confidentiality": "secret" }), "confidentiality"),
        (json!({ "case_name": "" }), "case_name"),
        (json!({ "colour": "red" }), "colour"),
    ] {
        let (status, refused) = f
            .market
            .post("/api/investigations", proposal(&f, body.clone()))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {refused}");
        assert!(
            refused["error"]["reason"] == field
                || refused["error"]["message"]
                    .as_str()
                    .unwrap_or("")
                    .contains(field),
            "the refusal says {field}: {refused}"
        );
    }
    let (_, listed) = f.market.get("/api/investigations").await;
    assert_eq!(listed["groups"], json!([]), "nothing was proposed");

    // Only a judicial bureau or an enforcement department leads a group.
    let (status, refused) = f
        .police
        .post(
            "/api/investigations",
            json!({
                "case_name": "案", "summary": "摘要", "areas": "公安", "confidentiality": "internal",
                "members": [market],
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["reason"], "investigation.lead_kind");

    let group = propose(&f, json!({})).await;
    let id = group["id"].as_str().unwrap();
    let path = format!("/api/investigations/{id}/actions");
    let (status, refused) = send_bytes(
        &f.market,
        reqwest::Method::POST,
        &path,
        Some("application/json"),
        b"{\"command\": \"form\", ".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    for (body, status) in [
        (
            json!({ "command": "explode", "revision": 1 }),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({ "command": "dissolve", "revision": 1 }),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({ "command": "form", "revision": 7 }),
            StatusCode::CONFLICT,
        ),
        (
            json!({ "command": "archive", "revision": 1 }),
            StatusCode::CONFLICT,
        ),
    ] {
        let (got, refused) = f.market.post(&path, body.clone()).await;
        assert_eq!(got, status, "{body}: {refused}");
    }
    let (status, refused) = f
        .market
        .post(
            "/api/investigations/no-such-group/actions",
            json!({ "command": "form", "revision": 1 }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{refused}");
    let (status, refused) = answer(&f.market, id, confirm()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["reason"], "investigation.not_invited");
    let court = f.signed_in("court").await;
    let (status, refused) = answer(&court, id, confirm()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{refused}");
    let (_, after) = f.market.get(&format!("/api/investigations/{id}")).await;
    assert_eq!(after["revision"], group["revision"]);
    assert_eq!(after["state"], "proposed");
    assert_eq!(after["members"], group["members"]);

    // A group's space is its workflow's: the generic routes change neither its bodies nor
    // its documents.
    let (status, refused) = f
        .market
        .put(
            &format!("/api/spaces/{id}/members/{}", f.world.org("court")),
            json!({ "role": "member" }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["reason"], "space.own_workflow");
    let (status, refused) = f
        .market
        .post(
            "/api/spaces",
            json!({ "kind": "investigation", "title": "绕过流程" }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
}

/// `POST /api/investigations/{id}/dossier/freeze` at `revision`.
async fn freeze_dossier(api: &Api, id: &str, revision: &Value) -> (StatusCode, Value) {
    api.post(
        &format!("/api/investigations/{id}/dossier/freeze"),
        json!({ "revision": revision }),
    )
    .await
}

async fn the_group_concludes_by_its_report(f: Fixture) {
    use crate::disputes::sign_as;
    use crate::minutes::write_paragraph;
    use yrs::{ReadTxn, StateVector, Transact};

    let id = formed(&f, json!({})).await;
    let (status, body) = command(&f.police, &id, "start", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let police_section = section_of(&body, &f, "police").clone();
    let (_, url, access) = ticket(&f, &f.police, &police_section).await;
    assert_eq!(access, "write");
    let police = TestClient::connect(&url).await;
    police.synced().await;
    write_paragraph(&police, "公安：已调取湖滨路监控，锁定嫌疑人两名。");
    let (_, url, _) = ticket(&f, &f.market, &police_section).await;
    let lead_reader = TestClient::connect(&url).await;
    lead_reader
        .wait_until("the police's paragraph", |c| {
            crate::minutes::paragraphs(&c.doc()).len() == 1
        })
        .await;

    // Two pieces of evidence in the police's section; one withdrawn, with a reason.
    let (status, kept) = crate::investigation_work::add(
        &f.police,
        &id,
        &police_section,
        "%E8%AF%A2%E9%97%AE%E7%AC%94%E5%BD%95",
        "询问笔录：当事人承认分装假冒食品。".as_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{kept}");
    f.clock.advance_ms(60_000);
    let (status, mistaken) = crate::investigation_work::add(
        &f.police,
        &id,
        &police_section,
        "%E9%87%8D%E5%A4%8D%E4%B8%8A%E4%BC%A0",
        "重复上传的笔录".as_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{mistaken}");
    let (status, withdrawn) = f
        .police
        .post(
            &format!(
                "/api/investigations/{id}/evidence/{}/withdraw",
                mistaken["id"].as_str().unwrap()
            ),
            json!({ "reason": "重复上传" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{withdrawn}");

    // Only the lead freezes the dossier, once.
    let (status, refused) = freeze_dossier(&f.police, &id, &body["revision"]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(
        refused["error"]["reason"], "investigation.dossier_by_the_lead",
        "{refused}"
    );
    let (_, now) = f.market.get(&format!("/api/investigations/{id}")).await;
    let (status, frozen) = freeze_dossier(&f.market, &id, &now["revision"]).await;
    assert_eq!(status, StatusCode::OK, "{frozen}");
    assert_eq!(frozen["dossier_frozen"], true);
    let report_doc = frozen["report_doc_id"].clone();
    assert!(report_doc.is_string(), "{frozen}");
    let (status, refused) = freeze_dossier(&f.market, &id, &frozen["revision"]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");

    // The evidence lists are closed with it.
    let (status, refused) = crate::investigation_work::add(
        &f.police,
        &id,
        &police_section,
        "late",
        b"after the freeze",
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(
        refused["error"]["reason"], "investigation.evidence_dossier_frozen",
        "{refused}"
    );

    // The sections are read-only for good, on the open socket too.
    police.insert("冻结后补写；");
    police
        .wait_until("the write after the freeze refused", |c| {
            !c.seen().denied.is_empty() || c.seen().closed.is_some()
        })
        .await;
    let (_, url, access) = ticket(&f, &f.police, &police_section).await;
    assert_eq!(access, "read");
    let fresh = TestClient::connect(&url).await;
    fresh.synced().await;
    let section_state = fresh
        .doc()
        .transact()
        .encode_state_as_update_v1(&StateVector::default());
    let (_, section_sha256) =
        server::signing::kinds::investigation_report::section_content(&section_state).unwrap();

    // The lead drafts the report; a member reads it and may not write it.
    let (_, url, access) = ticket(&f, &f.police, &report_doc).await;
    assert_eq!(access, "read");
    let (_, url_lead, access) = ticket(&f, &f.market, &report_doc).await;
    assert_eq!(access, "write");
    drop(url);
    let writer = TestClient::connect(&url_lead).await;
    writer.synced().await;
    write_paragraph(
        &writer,
        "经联合调查，查明湖滨路窝点制售假冒食品的事实，建议移送公安机关立案侦查。",
    );
    let path = |rest: &str| format!("/api/investigations/{id}/report{rest}");
    let (_, url, _) = ticket(&f, &f.police, &report_doc).await;
    let reader = TestClient::connect(&url).await;
    reader
        .wait_until("the report's paragraph", |c| {
            crate::minutes::paragraphs(&c.doc()).len() == 1
        })
        .await;
    let (status, frozen) = f
        .market
        .post(&path("/actions"), json!({ "act": "freeze" }))
        .await;
    assert_eq!(status, StatusCode::OK, "{frozen}");
    let version = frozen["version"].as_i64().unwrap();
    let (status, html) = f
        .market
        .get(&path(&format!("/versions/{version}/report.html")))
        .await;
    assert_eq!(status, StatusCode::OK);
    let html = html.as_str().unwrap_or_default().to_owned();
    assert!(
        html.contains("联合案卷清单") && html.contains(&section_sha256),
        "{html}"
    );
    let (status, body) = f
        .market
        .post(
            &path("/actions"),
            json!({ "act": "open_signing", "version": version }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Every member first, then the lead; the last signature concludes the group.
    let key = crate::minutes::enrolled_key(&f.market).await;
    let (status, refused) = f
        .market
        .post(
            &path("/statement"),
            json!({ "version": version, "key_id": key.public().key_id() }),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "the lead signs last: {refused}"
    );
    assert_eq!(refused["error"]["reason"], "signed.out_of_turn");
    let (status, signed) = sign_as(&f.police, &path, version).await;
    assert_eq!(status, StatusCode::OK, "{signed}");
    let (_, group) = f.market.get(&format!("/api/investigations/{id}")).await;
    assert_eq!(group["state"], "active");
    let (status, signed) = sign_as(&f.market, &path, version).await;
    assert_eq!(status, StatusCode::OK, "{signed}");
    let (_, group) = f.police.get(&format!("/api/investigations/{id}")).await;
    assert_eq!(group["state"], "concluded", "{group}");

    // Archived: the bundle verifies with concord and OpenSSL, and its manifest says which
    // body wrote which section, by the hash of what it wrote.
    let (status, archived) = f
        .market
        .post(
            &path("/actions"),
            json!({ "act": "archive", "version": version }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{archived}");
    let (_workdir, dir, said) = crate::bundle_fixtures::download_and_verify(
        &f.server,
        &f.police,
        &path(&format!("/versions/{version}/bundle.zip")),
    )
    .await;
    assert!(
        said.contains("ok   kind concord.investigation-report/1"),
        "{said}"
    );
    assert!(
        said.contains("ok   signing order: 2 signatures in 2 steps"),
        "{said}"
    );
    let content: Value =
        serde_json::from_slice(&std::fs::read(dir.join("content.json")).unwrap()).unwrap();
    let sections = content["dossier"].as_array().unwrap();
    assert_eq!(
        sections.len(),
        4,
        "the summary, the lead's and the police's sections, the conclusions (the township declined): {content}"
    );
    let police_listed = sections
        .iter()
        .find(|s| s["doc_id"] == police_section)
        .expect("the police's section is listed");
    assert_eq!(police_listed["owner"]["org_id"], f.world.org("police"));
    assert_eq!(police_listed["content_sha256"], section_sha256.as_str());
    let evidence = police_listed["evidence"].as_array().unwrap();
    assert_eq!(
        evidence.len(),
        2,
        "a withdrawn piece stays listed: {police_listed}"
    );
    assert_eq!(evidence[0]["sha256"], kept["sha256"]);
    assert!(evidence[0].get("withdrawn").is_none(), "{police_listed}");
    assert_eq!(evidence[1]["sha256"], mistaken["sha256"]);
    assert_eq!(evidence[1]["withdrawn"]["reason"], "重复上传");

    let (status, archived) = command(&f.market, &id, "archive", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{archived}");
    assert_eq!(archived["state"], "archived");
}

#[tokio::test]
async fn a_group_concludes_by_its_report_signed_by_every_member_then_the_lead_on_sqlite() {
    the_group_concludes_by_its_report(fixture().await).await;
}

#[tokio::test]
async fn a_group_concludes_by_its_report_signed_by_every_member_then_the_lead_on_postgres() {
    the_group_concludes_by_its_report(fixture_on(Some(fresh_database_url().await)).await).await;
}
