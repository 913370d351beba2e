//! Jurisdiction disputes (执法争议) over HTTP, against a real server on the manual clock: who a
//! dispute escalates to, who sees it (and who is answered exactly as for an unknown id), the
//! negotiation clock and "negotiation failed", acceptance making the bureau the convener with
//! a decision document, the written replies before coordination, refusals with their rules,
//! bad input that changes nothing; on SQLite and PostgreSQL.
//!
//! `township` (湖滨街道, 330102001) raises a dispute against `market` (上城区市场监管局,
//! 330102): the lowest region covering both is 上城区, whose bureau is `county-bureau`;
//! `city-bureau` (杭州市) reads it from above; `sibling-bureau` (拱墅区), `ningbo-bureau` and
//! `court` (same county, no part) never see it.

use reqwest::StatusCode;
use serde_json::{json, Value};
use time::macros::datetime;
use yrs::{Map, Transact};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;

use crate::jobs::ms;
use crate::meetings::{fixture, fixture_on, Fixture};
use crate::minutes::{enrolled_key, run, send_update, text, write_paragraph};
use crate::support::api::{message, Api};
use crate::support::client::TestClient;
use crate::support::postgres::fresh_database_url;
use crate::tasks::send_bytes;
use crate::tasks::step;

fn raise_body(f: &Fixture, extra: Value) -> Value {
    let mut body = json!({
        "kind": "negative",
        "title": "湖滨街道占道经营执法职责争议",
        "description": "湖滨街道认为该事项未列入下放清单，应由区市场监管局查处；区市场监管局认为已随综合执法下放。",
        "place": "上城区湖滨路",
        "reference": "330102-2026-0042",
        "tried": "2026年2月27日双方电话沟通，未达成一致。",
        "parties": [f.world.org("market")],
        "position": "该事项未列入乡镇（街道）综合行政执法事项清单，不属本街道管辖。",
        "legal_basis": "《浙江省综合行政执法条例》第十条",
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

async fn raise(f: &Fixture) -> Value {
    let (status, dispute) = f
        .township
        .post("/api/disputes", raise_body(f, json!({})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{dispute}");
    dispute
}

/// `POST /api/disputes/{id}/actions` with `command` at the revision `api` reads now.
async fn command(api: &Api, id: &str, command: &str, extra: Value) -> (StatusCode, Value) {
    let (status, dispute) = api.get(&format!("/api/disputes/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{dispute}");
    let mut body = json!({ "command": command, "revision": dispute["revision"] });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    api.post(&format!("/api/disputes/{id}/actions"), body).await
}

fn offer<'a>(dispute: &'a Value, name: &str) -> &'a Value {
    dispute["commands"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["command"] == name)
        .unwrap_or_else(|| panic!("no offer {name} in {dispute}"))
}

#[tokio::test]
async fn a_dispute_escalates_to_the_lowest_covering_bureau_and_is_seen_by_no_one_else() {
    let f = fixture().await;
    let dispute = raise(&f).await;
    let id = dispute["id"].as_str().unwrap();
    assert_eq!(dispute["state"], "raised");
    assert_eq!(dispute["bureau_org_id"], f.world.org("county-bureau"));
    assert_eq!(dispute["bureau_name"], "上城区司法局");
    assert_eq!(dispute["region"], "330102");
    assert_eq!(dispute["my_role"], "raiser");
    let parties = dispute["parties"].as_array().unwrap();
    assert_eq!(parties.len(), 2);
    assert_eq!(parties[0]["org_id"], f.world.org("township"));
    assert_eq!(parties[0]["role"], "raiser");
    assert!(parties[0]["position"].as_str().unwrap().contains("清单"));
    assert_eq!(parties[1]["org_name"], "上城区市场监督管理局");
    assert!(parties[1]["position"].is_null());
    assert_ne!(
        parties[0]["statement_doc_id"],
        parties[1]["statement_doc_id"]
    );
    // The negotiation clock: 10 working days from Monday 2 March, due on Monday 16 March.
    assert_eq!(dispute["stage"]["stage"], "negotiation");
    let due = dispute["stage"]["due_at"].as_i64().unwrap();
    assert!(due > ms(datetime!(2026-03-16 00:00 +8)) && due <= ms(datetime!(2026-03-17 00:00 +8)));

    let roles = [
        ("market", "party"),
        ("county-bureau", "bureau"),
        ("city-bureau", "supervisor"),
    ];
    for (who, role) in roles {
        let api = f.signed_in(who).await;
        let (status, seen) = api.get(&format!("/api/disputes/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{who}: {seen}");
        assert_eq!(seen["my_role"], role, "{who}");
        let (_, list) = api.get("/api/disputes").await;
        assert_eq!(list["disputes"].as_array().unwrap().len(), 1, "{who}");
    }
    let unknown = f
        .township
        .get("/api/disputes/00000000-0000-0000-0000-000000000000")
        .await;
    assert_eq!(unknown.0, StatusCode::NOT_FOUND);
    for who in ["sibling-bureau", "ningbo-bureau", "court"] {
        let api = f.signed_in(who).await;
        let (status, hidden) = api.get(&format!("/api/disputes/{id}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who}");
        assert_eq!(
            hidden, unknown.1,
            "{who}: a hidden dispute answers as an unknown one"
        );
        let (_, list) = api.get("/api/disputes").await;
        assert!(list["disputes"].as_array().unwrap().is_empty(), "{who}");
        let (status, _) = command(&f.township, id, "negotiate", json!({})).await;
        assert_eq!(
            status,
            StatusCode::CONFLICT,
            "the raiser does not take up negotiation"
        );
        let (status, _) = api
            .post(
                &format!("/api/disputes/{id}/actions"),
                json!({ "command": "negotiate", "revision": 1 }),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who} cannot act on it");
    }
    let (status, _) = command(&f.township, id, "negotiate", json!({})).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "the raiser does not take up negotiation"
    );
    // The supervising bureau above reads and never acts.
    let city = f.signed_in("city-bureau").await;
    let (status, body) = command(&city, id, "accept", json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
}

#[tokio::test]
async fn where_a_dispute_escalates_depends_on_the_parties_regions() {
    let f = fixture().await;
    // Two bodies of one county (the market department and the police): the county bureau.
    let (status, d) = f
        .market
        .post(
            "/api/disputes",
            raise_body(&f, json!({ "parties": [f.world.org("police")] })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{d}");
    assert_eq!(d["bureau_org_id"], f.world.org("county-bureau"));
    // A county body against a bureau of a sibling county: the city's bureau.
    let (status, d) = f
        .market
        .post(
            "/api/disputes",
            raise_body(&f, json!({ "parties": [f.world.org("sibling-bureau")] })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{d}");
    assert_eq!(d["bureau_org_id"], f.world.org("city-bureau"));
    assert_eq!(d["region"], "330100");
    // Hangzhou against Ningbo: the common region is the province, which has no bureau here.
    let (status, d) = f
        .market
        .post(
            "/api/disputes",
            raise_body(&f, json!({ "parties": [f.world.org("ningbo-bureau")] })),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{d}");
    assert_eq!(d["error"]["reason"], "dispute.no_bureau");
    // The bureau that would coordinate cannot be a party itself.
    let (status, d) = f
        .market
        .post(
            "/api/disputes",
            raise_body(&f, json!({ "parties": [f.world.org("county-bureau")] })),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{d}");
    assert_eq!(d["error"]["reason"], "dispute.bureau_is_party");
}

async fn the_whole_negotiation_and_acceptance(f: Fixture) {
    let dispute = raise(&f).await;
    let id = dispute["id"].as_str().unwrap();
    let bureau = f.signed_in("county-bureau").await;

    // The other party takes up the negotiation and states its own position.
    let (status, d) = command(&f.market, id, "negotiate", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(d["state"], "negotiating");
    let (status, d) = f
        .market
        .put(
            &format!("/api/disputes/{id}/position"),
            json!({ "position": "该事项已随综合执法事项划转街道。", "legal_basis": "上城区综合执法事项划转目录第12项" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(
        d["parties"][1]["legal_basis"],
        "上城区综合执法事项划转目录第12项"
    );

    // Escalating early needs every party to have said negotiation failed.
    let offered = offer(&d, "escalate");
    assert_eq!(offered["allowed"], false);
    assert!(offered["rule_zh"]
        .as_str()
        .unwrap()
        .contains("协商期限届满"));
    let (status, refused) =
        command(&f.township, id, "escalate", json!({ "reason": "协商不成" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(
        refused["error"]["reason"],
        "dispute.escalate_after_negotiation"
    );
    let (status, _) = f
        .township
        .post(&format!("/api/disputes/{id}/negotiation-failed"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = command(&f.township, id, "escalate", json!({ "reason": "协商不成" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "only one party gave up");
    let (status, _) = f
        .market
        .post(&format!("/api/disputes/{id}/negotiation-failed"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, d) = command(
        &f.township,
        id,
        "escalate",
        json!({ "reason": "双方协商不成，提请区司法局协调" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(d["state"], "escalated");
    assert_eq!(d["stage"]["stage"], "acceptance");

    // Only the bureau accepts; on acceptance it becomes the convener with a decision document.
    let (status, refused) = command(&f.market, id, "accept", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["reason"], "dispute.by_the_bureau");
    let (status, d) = command(&bureau, id, "accept", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(d["state"], "replies_due");
    assert_eq!(d["stage"]["stage"], "replies");
    assert!(d["decision_doc_id"].is_string(), "{d}");
    let db = f.db().await;
    let space = db.space(id).await.unwrap().unwrap();
    let role_of = |org: &str| {
        space
            .members
            .iter()
            .find(|m| m.org_id == org)
            .map(|m| m.role.as_str())
    };
    assert_eq!(role_of(f.world.org("county-bureau")), Some("convener"));
    assert_eq!(role_of(f.world.org("township")), Some("member"));
    assert_eq!(role_of(f.world.org("market")), Some("member"));

    // Coordination waits for every written reply, or for their time to pass.
    let (status, refused) = command(&bureau, id, "coordinate", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(
        refused["error"]["reason"],
        "dispute.coordinate_after_replies"
    );
    let (status, _) = f
        .market
        .post(&format!("/api/disputes/{id}/reply"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    // Five working days from Monday 2 March end on Monday 9 March.
    f.clock.set_ms(ms(datetime!(2026-03-10 09:00 +8)));
    let (status, d) = command(&bureau, id, "coordinate", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(d["state"], "coordinating");
    assert_eq!(d["stage"]["stage"], "decision");

    // The interim lead is one of the parties, named by the bureau.
    let (status, refused) = bureau
        .put(
            &format!("/api/disputes/{id}/lead"),
            json!({ "revision": d["revision"], "org_id": f.world.org("court") }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    let (status, d) = bureau
        .put(
            &format!("/api/disputes/{id}/lead"),
            json!({ "revision": d["revision"], "org_id": f.world.org("township") }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(d["interim_lead_org_id"], f.world.org("township"));

    // Deciding is the signed decision's, not a command.
    let (status, refused) = command(&bureau, id, "decide", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["reason"], "dispute.decided_by_signing");

    // The raising body withdraws; nothing more can happen.
    let (status, d) = command(
        &f.township,
        id,
        "withdraw",
        json!({ "reason": "已由区政府另行明确" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(d["state"], "withdrawn");
    let (status, refused) = command(&bureau, id, "close", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(refused["error"]["reason"], "dispute.withdrawn_is_final");

    // Every step is an audit row naming the acting body.
    let trail = db.audit_rows(None, None, 1000).await.unwrap();
    let target = format!("dispute:{id}");
    let actions: Vec<&str> = trail
        .iter()
        .filter(|e| e.target == target)
        .map(|e| e.action.as_str())
        .collect();
    for action in [
        "dispute_raised",
        "dispute_negotiating",
        "dispute_position_stated",
        "dispute_negotiation_failed",
        "dispute_escalated",
        "dispute_accepted",
        "dispute_replied",
        "dispute_coordinating",
        "dispute_lead_named",
        "dispute_withdrawn",
    ] {
        assert!(
            actions.contains(&action),
            "{action} missing from {actions:?}"
        );
    }
    db.close().await;
}

#[tokio::test]
async fn negotiation_escalation_acceptance_replies_and_withdrawal_on_sqlite() {
    the_whole_negotiation_and_acceptance(fixture().await).await;
}

#[tokio::test]
async fn negotiation_escalation_acceptance_replies_and_withdrawal_on_postgres() {
    the_whole_negotiation_and_acceptance(fixture_on(Some(fresh_database_url().await)).await).await;
}

#[tokio::test]
async fn once_the_negotiation_time_passed_a_party_escalates_alone_and_the_bureau_may_refuse() {
    let f = fixture().await;
    let dispute = raise(&f).await;
    let id = dispute["id"].as_str().unwrap();
    // Friday 13 March, still within the ten working days.
    f.clock.set_ms(ms(datetime!(2026-03-13 16:00 +8)));
    let (status, _) = command(&f.market, id, "escalate", json!({ "reason": "超期" })).await;
    assert_eq!(status, StatusCode::CONFLICT);
    f.clock.set_ms(ms(datetime!(2026-03-17 09:00 +8)));
    let (status, d) = command(
        &f.market,
        id,
        "escalate",
        json!({ "reason": "协商期限届满" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    let bureau = f.signed_in("county-bureau").await;
    let (status, d) = command(
        &bureau,
        id,
        "refuse",
        json!({ "reason": "不属于行政执法争议" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(d["state"], "not_accepted");
    assert_eq!(d["reason"], "不属于行政执法争议");
    assert!(d["stage"].is_null());
}

/// The ids `api` lists at `path`, sorted.
async fn listed(api: &Api, path: &str) -> Vec<String> {
    let (status, page) = api.get(path).await;
    assert_eq!(status, StatusCode::OK, "{path}: {page}");
    let mut ids: Vec<String> = page["disputes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

/// Two disputes, one escalated: `state` and `role` narrow each body's list to what it asks
/// for (the bureau's acceptance desk is `?role=bureau&state=escalated`), and never widen it.
async fn lists_narrow_by_state_and_part(f: Fixture) {
    let waiting = raise(&f).await["id"].as_str().unwrap().to_owned();
    let escalated = raise(&f).await["id"].as_str().unwrap().to_owned();
    f.clock.set_ms(ms(datetime!(2026-03-17 09:00 +8)));
    let (status, d) = command(
        &f.market,
        &escalated,
        "escalate",
        json!({ "reason": "协商期限届满" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{d}");

    let county = f.signed_in("county-bureau").await;
    let city = f.signed_in("city-bureau").await;
    let mut both = [escalated.clone(), waiting.clone()];
    both.sort();
    assert_eq!(listed(&county, "/api/disputes").await, both);
    assert_eq!(listed(&county, "/api/disputes?role=bureau").await, both);
    assert_eq!(
        listed(&county, "/api/disputes?role=bureau&state=escalated").await,
        std::slice::from_ref(&escalated)
    );
    assert!(listed(&county, "/api/disputes?role=party").await.is_empty());
    assert!(listed(&county, "/api/disputes?role=supervisor")
        .await
        .is_empty());
    assert_eq!(listed(&city, "/api/disputes?role=supervisor").await, both);
    assert!(listed(&city, "/api/disputes?role=bureau").await.is_empty());
    assert_eq!(listed(&f.market, "/api/disputes?role=party").await, both);
    assert_eq!(
        listed(&f.township, "/api/disputes?state=raised").await,
        std::slice::from_ref(&waiting)
    );
    assert!(listed(&f.township, "/api/disputes?role=bureau")
        .await
        .is_empty());
    let sibling = f.signed_in("sibling-bureau").await;
    assert!(listed(&sibling, "/api/disputes?role=supervisor")
        .await
        .is_empty());
    let (status, _) = county.get("/api/disputes?role=judge").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = county.get("/api/disputes?state=pending").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn lists_narrow_by_state_and_part_on_sqlite() {
    lists_narrow_by_state_and_part(fixture().await).await;
}

#[tokio::test]
async fn lists_narrow_by_state_and_part_on_postgres() {
    lists_narrow_by_state_and_part(fixture_on(Some(fresh_database_url().await)).await).await;
}

#[tokio::test]
async fn bad_input_is_refused_with_its_reason_and_stores_nothing() {
    let f = fixture().await;
    let cases: Vec<(Value, &str)> = vec![
        (json!({ "parties": [] }), "name at least one other party"),
        (
            json!({ "parties": [f.world.org("township")] }),
            "cannot name itself",
        ),
        (
            json!({ "parties": [f.world.org("market"), f.world.org("market")] }),
            "is named twice",
        ),
        (
            json!({ "parties": ["no-such-body"] }),
            "party \"no-such-body\" is not an organization",
        ),
        (
            json!({ "parties": (0..25).map(|i| format!("body-{i}")).collect::<Vec<_>>() }),
            "at most 20 bodies",
        ),
        (json!({ "kind": "both" }), "unknown variant"),
        (json!({ "title": "争".repeat(201) }), "200"),
        (json!({ "position": null }), "position"),
        (json!({ "colour": "red" }), "unknown field `colour`"),
    ];
    for (extra, says) in cases {
        let (got, body) = f
            .township
            .post("/api/disputes", raise_body(&f, extra.clone()))
            .await;
        assert_eq!(got, StatusCode::BAD_REQUEST, "{extra}: {body}");
        assert!(message(&body).contains(says), "{extra}: {body}");
    }
    let (status, body) = send_bytes(
        &f.township,
        reqwest::Method::POST,
        "/api/disputes",
        Some("application/json"),
        br#"{"kind": "#.to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(message(&body).contains("not valid JSON"), "{body}");
    let (_, list) = f.township.get("/api/disputes").await;
    assert!(list["disputes"].as_array().unwrap().is_empty(), "{list}");

    // Commands: unknown, missing fields, stale revisions; the dispute stays as it was.
    let dispute = raise(&f).await;
    let id = dispute["id"].as_str().unwrap();
    let path = format!("/api/disputes/{id}/actions");
    for (body, says) in [
        (
            json!({ "command": "adjourn", "revision": 1 }),
            "unknown variant",
        ),
        (
            json!({ "command": "withdraw", "revision": 1 }),
            "reason is required",
        ),
        (json!({ "command": "negotiate" }), "revision"),
    ] {
        let (status, answer) = f.market.post(&path, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert!(message(&answer).contains(says), "{body}: {answer}");
    }
    let (status, answer) = f
        .market
        .post(&path, json!({ "command": "negotiate", "revision": 7 }))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_eq!(answer["error"]["reason"], "dispute.stale");
    let (_, after) = f.township.get(&format!("/api/disputes/{id}")).await;
    assert_eq!(after["state"], "raised");
    assert_eq!(after["revision"], dispute["revision"]);
}

/// A dispute brought to `coordinating`: raised by the township against the market
/// department, both said negotiation failed, escalated, accepted by the county bureau, both
/// replied.
async fn coordinating(f: &Fixture, bureau: &Api) -> String {
    let dispute = raise(f).await;
    let id = dispute["id"].as_str().unwrap().to_owned();
    command(&f.market, &id, "negotiate", json!({})).await;
    for api in [&f.township, &f.market] {
        let (status, body) = api
            .post(&format!("/api/disputes/{id}/negotiation-failed"), json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, body) = command(
        &f.township,
        &id,
        "escalate",
        json!({ "reason": "协商不成" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = command(bureau, &id, "accept", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for api in [&f.township, &f.market] {
        let (status, body) = api
            .post(&format!("/api/disputes/{id}/reply"), json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, body) = command(bureau, &id, "coordinate", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    id
}

/// Writes the decision through a live client of the bureau: a paragraph of reasons and the
/// decision map.
async fn write_decision(f: &Fixture, bureau: &Api, doc_id: &str, responsible: &str) {
    write_terms(f, bureau, "market", doc_id, "decision", responsible).await;
}

/// Writes a dispute's outcome document (the bureau's decision, the parties' agreement)
/// through a live client of `writer`: a paragraph and the map `root` (who carries out what by
/// when); then waits until a client of `reader` (who reads it) sees the whole map.
async fn write_terms(
    f: &Fixture,
    writer: &Api,
    reader: &str,
    doc_id: &str,
    root: &str,
    responsible: &str,
) {
    let (status, ticket) = writer
        .post(&format!("/api/docs/{doc_id}/ticket"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{ticket}");
    assert_eq!(ticket["access"], "write", "{ticket}");
    let url = format!("ws://{}{}", f.server.addr, ticket["url"].as_str().unwrap());
    let client = TestClient::connect(&url).await;
    client.synced().await;
    write_paragraph(
        &client,
        "经审查，该事项已列入湖滨街道综合行政执法事项清单。",
    );
    let doc = client.doc();
    let terms = doc.get_or_insert_map(root);
    let update = {
        let mut txn = doc.transact_mut();
        terms.insert(&mut txn, "responsible_org_id", responsible);
        terms.insert(&mut txn, "duty", "依法查处湖滨路占道经营行为并反馈结果");
        terms.insert(&mut txn, "deadline", "2026-04-30");
        txn.encode_update_v1()
    };
    send_update(&client, update);
    let reader = f.signed_in(reader).await;
    let (status, ticket) = reader
        .post(&format!("/api/docs/{doc_id}/ticket"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{ticket}");
    let url = format!("ws://{}{}", f.server.addr, ticket["url"].as_str().unwrap());
    let reader = TestClient::connect(&url).await;
    reader
        .wait_until(root, |c| {
            let doc = c.doc();
            let map = doc.get_or_insert_map(root);
            let txn = doc.transact();
            map.len(&txn) == 3
                && map
                    .get(&txn, "responsible_org_id")
                    .map(|v| v.to_string(&txn))
                    == Some(responsible.to_owned())
        })
        .await;
}

/// Settles a negotiating dispute raised by `township` against `market` the only way there
/// is: both write their agreement (the market department responsible), the township freezes
/// it and opens signing, both sign.
pub(crate) async fn settle_by_agreement(f: &Fixture, id: &str) {
    let (_, dispute) = f.township.get(&format!("/api/disputes/{id}")).await;
    let doc_id = dispute["agreement_doc_id"].as_str().unwrap().to_owned();
    let path = |rest: &str| format!("/api/disputes/{id}/agreement{rest}");
    write_terms(
        f,
        &f.township,
        "market",
        &doc_id,
        "agreement",
        f.world.org("market"),
    )
    .await;
    let (status, frozen) = f
        .township
        .post(&path("/actions"), json!({ "act": "freeze" }))
        .await;
    assert_eq!(status, StatusCode::OK, "{frozen}");
    let version = frozen["version"].as_i64().unwrap();
    let (status, body) = f
        .township
        .post(
            &path("/actions"),
            json!({ "act": "open_signing", "version": version }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for api in [&f.market, &f.township] {
        let (status, signed) = sign_as(api, &path, version).await;
        assert_eq!(status, StatusCode::OK, "{signed}");
    }
}

/// Signs the current version of a dispute's document at `path` for `api`'s body.
pub(crate) async fn sign_as(
    api: &Api,
    path: &dyn Fn(&str) -> String,
    version: i64,
) -> (StatusCode, Value) {
    let key = enrolled_key(api).await;
    let (status, to_sign) = api
        .post(
            &path("/statement"),
            json!({ "version": version, "key_id": key.public().key_id() }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{to_sign}");
    let pae = B64.decode(to_sign["pae"].as_str().unwrap()).unwrap();
    api.post(
        &path("/actions"),
        json!({
            "act": "sign", "version": version, "statement": to_sign["statement"],
            "signature": B64.encode(key.sign(&pae)),
        }),
    )
    .await
}

#[tokio::test]
async fn the_bureau_signs_its_decision_the_parties_are_told_and_the_task_closes_the_dispute() {
    let f = fixture().await;
    let bureau = f.signed_in("county-bureau").await;
    let id = coordinating(&f, &bureau).await;
    let (_, dispute) = bureau.get(&format!("/api/disputes/{id}")).await;
    let doc_id = dispute["decision_doc_id"].as_str().unwrap().to_owned();
    let path = |rest: &str| format!("/api/disputes/{id}/decision{rest}");

    // A party reads the decision but may not manage or sign it.
    let (status, view) = f.market.get(&path("")).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    let (status, refused) = f
        .market
        .post(&path("/actions"), json!({ "act": "freeze" }))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");

    write_decision(&f, &bureau, &doc_id, f.world.org("township")).await;
    let (status, frozen) = bureau
        .post(&path("/actions"), json!({ "act": "freeze" }))
        .await;
    assert_eq!(status, StatusCode::OK, "{frozen}");
    let version = frozen["version"].as_i64().unwrap();
    let (status, html) = bureau
        .get(&path(&format!("/versions/{version}/decision.html")))
        .await;
    assert_eq!(status, StatusCode::OK);
    let html = html.as_str().unwrap_or_default().to_owned();
    assert!(
        html.contains("协〔2026〕1号"),
        "the bureau's document number: {html}"
    );
    assert!(html.contains("湖滨街道办事处"), "{html}");
    let (status, body) = bureau
        .post(
            &path("/actions"),
            json!({ "act": "open_signing", "version": version }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let key = enrolled_key(&bureau).await;
    let (status, to_sign) = bureau
        .post(
            &path("/statement"),
            json!({ "version": version, "key_id": key.public().key_id() }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{to_sign}");
    let pae = B64.decode(to_sign["pae"].as_str().unwrap()).unwrap();
    let (status, signed) = bureau
        .post(
            &path("/actions"),
            json!({
                "act": "sign", "version": version, "statement": to_sign["statement"],
                "signature": B64.encode(key.sign(&pae)),
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{signed}");
    assert_eq!(signed["state"], "signed", "{signed}");

    let (_, dispute) = f.township.get(&format!("/api/disputes/{id}")).await;
    assert_eq!(dispute["state"], "decided", "{dispute}");
    assert_eq!(dispute["responsible_org_id"], f.world.org("township"));
    // Every party is sent the decision to acknowledge.
    for api in [&f.township, &f.market] {
        let (_, inbox) = api.get("/api/notices?box=received").await;
        let notices = inbox["notices"].as_array().cloned().unwrap_or_default();
        let notice = notices
            .iter()
            .find(|n| {
                n["title"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with("协调意见书已签发")
            })
            .unwrap_or_else(|| panic!("no decision notice in {inbox}"));
        assert_eq!(notice["requires_ack"], true, "{notice}");
        assert_eq!(notice["about"]["dispute_id"], id.as_str(), "{notice}");
    }

    // Carrying it out is a task of the responsible body, set by the bureau; once verified,
    // the bureau closes the dispute.
    let (status, refused) = command(&bureau, &id, "close", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    let (status, dispute) = command(&bureau, &id, "implement", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{dispute}");
    assert_eq!(dispute["state"], "implementing");
    let task_id = dispute["task_id"].as_str().unwrap().to_owned();
    let (_, task) = f.township.get(&format!("/api/tasks/{task_id}")).await;
    assert_eq!(task["source"], "dispute_decision", "{task}");
    assert_eq!(task["setter_org_id"], f.world.org("county-bureau"));
    let (status, refused) = command(&bureau, &id, "close", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(refused["error"]["reason"], "dispute.close_after_task");
    step(
        &f.township,
        &task_id,
        "acknowledge",
        json!({}),
        "acknowledged",
    )
    .await;
    step(&f.township, &task_id, "start", json!({}), "in_progress").await;
    step(
        &f.township,
        &task_id,
        "submit",
        json!({ "feedback": "已立案查处" }),
        "submitted",
    )
    .await;
    step(&bureau, &task_id, "verify", json!({}), "verified").await;
    // The page offers closing now, as the command allows it.
    let (_, shown) = bureau.get(&format!("/api/disputes/{id}")).await;
    assert_eq!(offer(&shown, "close")["allowed"], true, "{shown}");
    let (status, dispute) = command(&bureau, &id, "close", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{dispute}");
    assert_eq!(dispute["state"], "closed");

    // Archived, its bundle verifies offline against the log key.
    let (status, archived) = bureau
        .post(
            &path("/actions"),
            json!({ "act": "archive", "version": version }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{archived}");
    let response = bureau
        .client
        .get(format!(
            "{}{}",
            bureau.base,
            path(&format!("/versions/{version}/bundle.zip"))
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let zip = response.bytes().await.unwrap().to_vec();
    let workdir = tempfile::tempdir().unwrap();
    let zip_path = workdir.path().join("decision.zip");
    std::fs::write(&zip_path, &zip).unwrap();
    let (_, key) = Api::new(&f.server).get("/api/log/key").await;
    let out = run(&[
        "verify",
        zip_path.to_str().unwrap(),
        "--trust",
        key["vkey"].as_str().unwrap(),
    ]);
    assert!(out.status.success(), "verify failed:\n{}", text(&out));
}

/// The parties settle by signing an agreement, each with its person and its seal: the last
/// signature resolves the dispute with what the agreement names, and the archived agreement
/// verifies offline with `concord verify` and with the OpenSSL script of docs/bundle.md.
#[tokio::test]
async fn the_parties_sign_their_agreement_and_the_dispute_is_resolved() {
    let f = fixture().await;
    let bureau = f.signed_in("county-bureau").await;
    let dispute = raise(&f).await;
    let id = dispute["id"].as_str().unwrap().to_owned();
    let doc_id = dispute["agreement_doc_id"].as_str().unwrap().to_owned();
    let path = |rest: &str| format!("/api/disputes/{id}/agreement{rest}");

    // Settling is a signature, not a command.
    let (status, refused) = command(&f.township, &id, "settle", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["reason"], "dispute.settled_by_signing");
    let (status, refused) = command(
        &f.township,
        &id,
        "settle",
        json!({ "agreement": "由区市场监管局负责" }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");

    // Every party writes the agreement; the bureau that follows the dispute reads it.
    let (status, ticket) = bureau
        .post(&format!("/api/docs/{doc_id}/ticket"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{ticket}");
    assert_eq!(ticket["access"], "read", "{ticket}");
    write_terms(
        &f,
        &f.market,
        "county-bureau",
        &doc_id,
        "agreement",
        f.world.org("county-bureau"),
    )
    .await;

    // Frozen only while negotiating, by the raising body, and only naming a party.
    let (status, refused) = f
        .township
        .post(&path("/actions"), json!({ "act": "freeze" }))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(
        refused["error"]["reason"], "agreement.freeze_while_negotiating",
        "{refused}"
    );
    command(&f.market, &id, "negotiate", json!({})).await;
    let (status, refused) = f
        .market
        .post(&path("/actions"), json!({ "act": "freeze" }))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    let (status, refused) = f
        .township
        .post(&path("/actions"), json!({ "act": "freeze" }))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(
        refused["error"]["reason"], "agreement.responsible_not_a_party",
        "{refused}"
    );
    let (_, view) = f.township.get(&path("")).await;
    assert_eq!(view["versions"], json!([]), "nothing was frozen: {view}");

    write_terms(
        &f,
        &f.township,
        "market",
        &doc_id,
        "agreement",
        f.world.org("market"),
    )
    .await;
    let (status, frozen) = f
        .township
        .post(&path("/actions"), json!({ "act": "freeze" }))
        .await;
    assert_eq!(status, StatusCode::OK, "{frozen}");
    assert_eq!(frozen["kind"], "concord.dispute-agreement/1", "{frozen}");
    assert_eq!(frozen["steps"].as_array().map(|s| s.len()), Some(1));
    assert_eq!(frozen["steps"][0].as_array().map(|s| s.len()), Some(2));
    let version = frozen["version"].as_i64().unwrap();
    let (status, html) = f
        .market
        .get(&path(&format!("/versions/{version}/agreement.html")))
        .await;
    assert_eq!(status, StatusCode::OK);
    let html = html.as_str().unwrap_or_default().to_owned();
    assert!(html.contains("<h1>协议书</h1>"), "{html}");
    assert!(
        html.contains("责任单位：<span class=\"org\">上城区市场监督管理局</span>"),
        "{html}"
    );
    let (status, body) = f
        .township
        .post(
            &path("/actions"),
            json!({ "act": "open_signing", "version": version }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // The bureau does not sign; each party does, in any order.
    let (status, refused) = bureau
        .post(&path("/statement"), json!({ "version": version }))
        .await;
    assert!(status.is_client_error(), "{refused}");
    let (status, signed) = sign_as(&f.market, &path, version).await;
    assert_eq!(status, StatusCode::OK, "{signed}");
    assert_eq!(signed["state"], "signing", "{signed}");
    let (_, still) = f.township.get(&format!("/api/disputes/{id}")).await;
    assert_eq!(still["state"], "negotiating", "{still}");
    let (status, signed) = sign_as(&f.township, &path, version).await;
    assert_eq!(status, StatusCode::OK, "{signed}");
    assert_eq!(signed["state"], "signed", "{signed}");

    let (_, resolved) = bureau.get(&format!("/api/disputes/{id}")).await;
    assert_eq!(resolved["state"], "resolved", "{resolved}");
    assert_eq!(resolved["responsible_org_id"], f.world.org("market"));
    assert_eq!(
        resolved["agreement"],
        "依法查处湖滨路占道经营行为并反馈结果"
    );
    assert!(resolved["stage"].is_null(), "its clock stopped: {resolved}");
    let settled = told(&f.db().await, &id, "dispute.settled").await;
    for body in ["county-bureau", "township", "market"] {
        let org = format!("org:{}", f.world.org(body));
        assert!(settled.contains(&org), "{body} is told: {settled:?}");
    }

    // Archived by the raising body; the bundle verifies offline, with concord and OpenSSL.
    let (status, archived) = f
        .township
        .post(
            &path("/actions"),
            json!({ "act": "archive", "version": version }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{archived}");
    let (_workdir, _, said) = crate::bundle_fixtures::download_and_verify(
        &f.server,
        &f.market,
        &path(&format!("/versions/{version}/bundle.zip")),
    )
    .await;
    assert!(
        said.contains("ok   kind concord.dispute-agreement/1"),
        "{said}"
    );
    assert!(
        said.contains("ok   signing order: 2 signatures in 1 steps"),
        "{said}"
    );
}

/// Once a party escalates, the parties no longer settle between themselves: their draft is
/// read-only, and an agreement being signed can no longer be completed (its last signature
/// is refused and not stored).
#[tokio::test]
async fn an_escalated_dispute_can_no_longer_be_settled_by_its_agreement() {
    let f = fixture().await;
    let dispute = raise(&f).await;
    let id = dispute["id"].as_str().unwrap().to_owned();
    let doc_id = dispute["agreement_doc_id"].as_str().unwrap().to_owned();
    let path = |rest: &str| format!("/api/disputes/{id}/agreement{rest}");
    command(&f.market, &id, "negotiate", json!({})).await;
    write_terms(
        &f,
        &f.township,
        "market",
        &doc_id,
        "agreement",
        f.world.org("market"),
    )
    .await;
    let (status, frozen) = f
        .township
        .post(&path("/actions"), json!({ "act": "freeze" }))
        .await;
    assert_eq!(status, StatusCode::OK, "{frozen}");
    let version = frozen["version"].as_i64().unwrap();
    let (status, body) = f
        .township
        .post(
            &path("/actions"),
            json!({ "act": "open_signing", "version": version }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, signed) = sign_as(&f.township, &path, version).await;
    assert_eq!(status, StatusCode::OK, "{signed}");

    for api in [&f.township, &f.market] {
        let (status, body) = api
            .post(&format!("/api/disputes/{id}/negotiation-failed"), json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, body) = command(&f.market, &id, "escalate", json!({ "reason": "协商不成" })).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (status, refused) = sign_as(&f.market, &path, version).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(
        refused["error"]["reason"], "agreement.not_negotiating",
        "{refused}"
    );
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("(it is now escalated)"),
        "{refused}"
    );
    let (_, view) = f.market.get(&path("")).await;
    assert_eq!(view["state"], "signing", "{view}");
    assert_eq!(
        view["signatures"].as_array().map(Vec::len),
        Some(1),
        "the refused signature was not stored: {view}"
    );
    let (_, still) = f.market.get(&format!("/api/disputes/{id}")).await;
    assert_eq!(still["state"], "escalated", "{still}");

    // The draft is read-only for every party now.
    let (status, ticket) = f
        .market
        .post(&format!("/api/docs/{doc_id}/ticket"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{ticket}");
    assert_eq!(ticket["access"], "read", "{ticket}");
}

#[tokio::test]
async fn a_region_that_sets_its_own_negotiation_limit_is_counted_by_it() {
    let f = fixture().await;
    // The city sets three working days; 上城区 below it inherits them.
    let operator = f.signed_in("operator").await;
    let (status, body) = operator
        .put(
            "/api/regions/330100/limits/dispute_negotiation",
            json!({ "unit": "working_days", "amount": 3 }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let dispute = raise(&f).await;
    let due = dispute["stage"]["due_at"].as_i64().unwrap();
    // Monday 2 March + 3 working days: the end of Thursday 5 March.
    assert!(
        due > ms(datetime!(2026-03-05 00:00 +8)) && due <= ms(datetime!(2026-03-06 00:00 +8)),
        "{dispute}"
    );
    let id = dispute["id"].as_str().unwrap();
    f.clock.set_ms(ms(datetime!(2026-03-06 09:00 +8)));
    let (status, d) = command(
        &f.market,
        id,
        "escalate",
        json!({ "reason": "协商期限届满" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{d}");
}

/// The events of kind `kind` about dispute `id`, as `org:<id>` / `user:<id>`, sorted.
async fn told(db: &server::db::Db, id: &str, kind: &str) -> Vec<String> {
    told_about(db, &format!("dispute:{id}"), kind).await
}

/// The events of kind `kind` about `subject` (`dispute:<id>`, `referral:<id>`), as
/// `org:<id>` / `user:<id>`, sorted.
pub(crate) async fn told_about(db: &server::db::Db, subject: &str, kind: &str) -> Vec<String> {
    let mut to: Vec<String> = db
        .events_after(0, 100_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.subject == subject && e.kind == kind)
        .map(|e| match &e.audience {
            server::db::Audience::Org(org) => format!("org:{org}"),
            server::db::Audience::User(user) => format!("user:{user}"),
        })
        .collect();
    to.sort();
    to
}

#[tokio::test]
async fn the_bureau_is_reminded_chased_and_supervised_on_working_mornings_across_qingming() {
    let f = fixture().await;
    let bureau_org = format!("org:{}", f.world.org("county-bureau"));
    // Raised on Thursday 2 April 2026; both parties give up at once and it is escalated.
    f.clock.set_ms(ms(datetime!(2026-04-02 10:00 +8)));
    let dispute = raise(&f).await;
    let id = dispute["id"].as_str().unwrap();
    let db = f.db().await;
    command(&f.market, id, "negotiate", json!({})).await;
    for api in [&f.township, &f.market] {
        api.post(&format!("/api/disputes/{id}/negotiation-failed"), json!({}))
            .await;
    }
    let (status, d) = command(&f.township, id, "escalate", json!({ "reason": "协商不成" })).await;
    assert_eq!(status, StatusCode::OK, "{d}");
    // Three working days for the bureau: Friday 3 April, then (清明 4–6 April) Tuesday 7 and
    // Wednesday 8 April.
    let due = d["stage"]["due_at"].as_i64().unwrap();
    assert!(due > ms(datetime!(2026-04-08 00:00 +8)) && due <= ms(datetime!(2026-04-09 00:00 +8)));

    f.clock.set_ms(ms(datetime!(2026-04-07 08:59 +8)));
    f.server.worker.run_due().await.unwrap();
    assert!(told(&db, id, "dispute.reminder").await.is_empty());
    // 50 %: the second working morning, Tuesday 7 April (never during the holiday).
    f.clock.set_ms(ms(datetime!(2026-04-07 09:00 +8)));
    f.server.worker.run_due().await.unwrap();
    assert_eq!(
        told(&db, id, "dispute.reminder").await,
        vec![bureau_org.clone()]
    );
    // 催办 on the first working morning after the deadline: Thursday 9 April.
    f.clock.set_ms(ms(datetime!(2026-04-09 08:59 +8)));
    f.server.worker.run_due().await.unwrap();
    assert!(told(&db, id, "dispute.overdue").await.is_empty());
    f.clock.set_ms(ms(datetime!(2026-04-09 09:00 +8)));
    f.server.worker.run_due().await.unwrap();
    assert_eq!(
        told(&db, id, "dispute.overdue").await,
        vec![bureau_org.clone()]
    );
    assert_eq!(
        told(&db, id, "dispute.reminder").await.len(),
        2,
        "50 % and 75 %"
    );
    // 督办 five working mornings later (Thursday 16 April): the parties waiting are told too.
    f.clock.set_ms(ms(datetime!(2026-04-16 08:59 +8)));
    f.server.worker.run_due().await.unwrap();
    assert!(told(&db, id, "dispute.supervised").await.is_empty());
    f.clock.set_ms(ms(datetime!(2026-04-16 09:00 +8)));
    f.server.worker.run_due().await.unwrap();
    let mut expected = vec![
        bureau_org.clone(),
        format!("org:{}", f.world.org("market")),
        format!("org:{}", f.world.org("township")),
    ];
    expected.sort();
    assert_eq!(told(&db, id, "dispute.supervised").await, expected);

    // Accepting starts the replies' clock; a party that replied is not reminded.
    let bureau = f.signed_in("county-bureau").await;
    let (status, d) = command(&bureau, id, "accept", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{d}");
    f.market
        .post(&format!("/api/disputes/{id}/reply"), json!({}))
        .await;
    let due = d["stage"]["due_at"].as_i64().unwrap();
    f.clock.set_ms(due + 24 * 3_600_000);
    f.server.worker.run_due().await.unwrap();
    // The bureau's 催办 of acceptance before, now the township's of its reply.
    let mut expected = vec![
        bureau_org.clone(),
        format!("org:{}", f.world.org("township")),
    ];
    expected.sort();
    assert_eq!(told(&db, id, "dispute.overdue").await, expected);
    db.close().await;
}

#[tokio::test]
async fn the_bureau_convenes_a_case_consultation_linked_both_ways() {
    let f = fixture().await;
    let bureau = f.signed_in("county-bureau").await;
    let id = coordinating(&f, &bureau).await;
    let body = json!({
        "starts_at": ms(datetime!(2026-03-12 09:30 +8)),
        "ends_at": ms(datetime!(2026-03-12 11:00 +8)),
        "place": "上城区司法局第二会议室",
    });
    // A party may not convene it; the bureau may.
    let (status, refused) = f
        .township
        .post(&format!("/api/disputes/{id}/consultations"), body.clone())
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["reason"], "dispute.consult_by_bureau");
    let (status, meeting) = bureau
        .post(&format!("/api/disputes/{id}/consultations"), body)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{meeting}");
    assert_eq!(meeting["kind"], "case_consultation");
    assert_eq!(meeting["dispute_id"], id);
    assert!(meeting["title"].as_str().unwrap().starts_with("案件会商："));
    let mut invited: Vec<&str> = meeting["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["org_id"].as_str().unwrap())
        .collect();
    invited.sort_unstable();
    let mut parties = vec![f.world.org("township"), f.world.org("market")];
    parties.sort_unstable();
    assert_eq!(invited, parties);
    // The dispute lists it; the parties see the meeting as invitees.
    let (_, dispute) = f.market.get(&format!("/api/disputes/{id}")).await;
    assert_eq!(dispute["meetings"][0]["id"], meeting["id"], "{dispute}");
    let (status, seen) = f
        .market
        .get(&format!(
            "/api/meetings/{}",
            meeting["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{seen}");
}

#[tokio::test]
async fn a_body_that_returned_a_task_raises_a_dispute_from_it_with_the_setter_as_a_party() {
    let f = fixture().await;
    // The market department sets the township a task on Thursday 2 April 2026; the township
    // returns it: not its duty.
    f.clock.set_ms(ms(datetime!(2026-04-02 10:00 +8)));
    let task = crate::tasks::new_task(&f.market, f.world.org("township"), json!({})).await;
    let task_id = task["id"].as_str().unwrap();
    // The township has 2 working days to dispute it: Friday 3 and (清明 4–6 April) Tuesday 7
    // April; the page says so, and the setter is told nothing of it.
    let (_, detail) = f.township.get(&format!("/api/tasks/{task_id}")).await;
    let window = &detail["dispute_window"];
    let until = window["until"].as_i64().unwrap_or_default();
    assert!(
        until > ms(datetime!(2026-04-07 00:00 +8)) && until <= ms(datetime!(2026-04-08 00:00 +8)),
        "{window}"
    );
    assert_eq!(
        window["limit"],
        json!({ "unit": "working_days", "amount": 2 })
    );
    assert_eq!(
        (window["open"].as_bool(), window["dispute_id"].as_str()),
        (Some(true), None)
    );
    let (_, detail) = f.market.get(&format!("/api/tasks/{task_id}")).await;
    assert!(detail["dispute_window"].is_null(), "{detail}");
    f.clock.set_ms(ms(datetime!(2026-04-08 09:00 +8)));
    let (_, detail) = f.township.get(&format!("/api/tasks/{task_id}")).await;
    assert_eq!(detail["dispute_window"]["open"], false, "{detail}");
    // Before it is returned, no dispute can start from it.
    let from_task = |id: &str| raise_body(&f, json!({ "parties": [], "from_task_id": id }));
    let (status, refused) = f.township.post("/api/disputes", from_task(task_id)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["reason"], "dispute.from_returned_task");
    step(
        &f.township,
        task_id,
        "return",
        json!({ "reason": "不属于本街道职责" }),
        "returned",
    )
    .await;
    // The setter may not raise one from it; a body that cannot see the task is told 404.
    let (status, _) = f.market.post("/api/disputes", from_task(task_id)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = f.police.post("/api/disputes", from_task(task_id)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, dispute) = f.township.post("/api/disputes", from_task(task_id)).await;
    assert_eq!(status, StatusCode::CREATED, "{dispute}");
    let (_, detail) = f.township.get(&format!("/api/tasks/{task_id}")).await;
    assert_eq!(
        detail["dispute_window"]["dispute_id"], dispute["id"],
        "the task links to the dispute raised from it: {detail}"
    );
    assert_eq!(dispute["source_kind"], "task");
    assert_eq!(dispute["source_id"], task_id);
    let parties: Vec<&str> = dispute["parties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["org_id"].as_str().unwrap())
        .collect();
    assert!(parties.contains(&f.world.org("market")), "{dispute}");
    // A matter transferred by a notice: its recipient raises a dispute from it, the sender a
    // party; the sender itself may not.
    let (status, notice) = f
        .market
        .post(
            "/api/notices",
            json!({
                "kind": "case_letter", "title": "关于移交湖滨路占道经营案件的函",
                "body": "该案件依职责移交贵街道办理。", "recipients": [f.world.org("township")],
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{notice}");
    let notice_id = notice["id"].as_str().unwrap();
    // A case letter may transfer a case: its recipient is shown the time to dispute it.
    let (_, received) = f.township.get(&format!("/api/notices/{notice_id}")).await;
    assert_eq!(received["dispute_window"]["open"], true, "{received}");
    let (_, sent) = f.market.get(&format!("/api/notices/{notice_id}")).await;
    assert!(sent["dispute_window"].is_null(), "{sent}");
    let from_notice = raise_body(&f, json!({ "parties": [], "from_notice_id": notice_id }));
    let (status, refused) = f.market.post("/api/disputes", from_notice.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["reason"], "dispute.from_received_notice");
    let (status, dispute) = f.township.post("/api/disputes", from_notice).await;
    assert_eq!(status, StatusCode::CREATED, "{dispute}");
    assert_eq!(dispute["source_kind"], "notice");
    assert_eq!(
        dispute["parties"][1]["org_id"],
        f.world.org("market"),
        "{dispute}"
    );
    // Naming both a task and a notice is refused.
    let (status, refused) = f
        .township
        .post(
            "/api/disputes",
            raise_body(
                &f,
                json!({ "from_task_id": task_id, "from_notice_id": task_id }),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
}
