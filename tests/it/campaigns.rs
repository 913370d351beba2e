//! Special supervision campaigns (专项监督) and inspections (执法检查), issue 21 part 4, against a
//! real server on the manual clock: the county bureau (上城区司法局) plans a campaign over the
//! market department and the township, launches it (both told by a notice requiring 签收),
//! issues a supervision document and sets a task within it, the market department files its
//! result against it; concluded, the bureau writes and signs its summary, which reports it to
//! the city bureau (杭州市司法局) as a notice requiring 签收. On SQLite and PostgreSQL.
//!
//! Who sees what: a covered body nothing while it is planned, then reading only; the city
//! bureau reads and acts on nothing; the sibling county's bureau and an uncovered body 404.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::meetings::{fixture_on, Fixture};
use crate::minutes::{sign_alone, write_paragraph};
use crate::support::api::Api;
use crate::support::client::TestClient;
use crate::support::postgres::fresh_database_url;

fn plan_body(f: &Fixture, extra: Value) -> Value {
    let mut body = json!({
        "kind": "special",
        "field": "营商环境",
        "title": "2026年涉企行政执法专项监督",
        "starts_on": "2026-03-01",
        "ends_on": "2026-06-30",
        "body_org_ids": [f.world.org("market"), f.world.org("township")],
    });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    body
}

/// `POST /api/campaigns/{id}/actions` with `command` at the revision `api` reads now.
async fn command(api: &Api, id: &str, command: &str, extra: Value) -> (StatusCode, Value) {
    let (status, campaign) = api.get(&format!("/api/campaigns/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{campaign}");
    let mut body = json!({ "command": command, "revision": campaign["revision"] });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    api.post(&format!("/api/campaigns/{id}/actions"), body)
        .await
}

/// The notice about campaign `id` in `api`'s received box.
async fn notice_about(api: &Api, id: &str) -> Value {
    let (_, inbox) = api.get("/api/notices?box=received").await;
    inbox["notices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["about"]["campaign_id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("no notice about {id} in {inbox}"))
}

/// A socket address for `api` to open `doc_id`.
async fn ticket(f: &Fixture, api: &Api, doc_id: &str) -> String {
    let (status, ticket) = api
        .post(&format!("/api/docs/{doc_id}/ticket"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{ticket}");
    format!("ws://{}{}", f.server.addr, ticket["url"].as_str().unwrap())
}

/// Writes `text` into a summary (its `body`) through a live client of the bureau and waits
/// until the server holds it (a campaign's or a case-file review's).
pub(crate) async fn write_summary(f: &Fixture, bureau: &Api, doc_id: &str, text: &str) {
    let client = TestClient::connect(&ticket(f, bureau, doc_id).await).await;
    client.synced().await;
    write_paragraph(&client, text);
    let reader = TestClient::connect(&ticket(f, bureau, doc_id).await).await;
    reader
        .wait_until("the summary's text", |c| {
            use yrs::{Transact, XmlFragment};
            let doc = c.doc();
            let body = doc.get_or_insert_xml_fragment("body");
            let txn = doc.transact();
            body.len(&txn) > 0
        })
        .await;
}

/// Freezes, opens signing and signs the summary; the signed view.
async fn sign_summary(bureau: &Api, id: &str) -> (StatusCode, Value) {
    sign_alone(bureau, &format!("/api/campaigns/{id}/summary")).await
}

async fn a_campaign_groups_its_work_and_its_signed_summary_is_reported_up(f: Fixture) {
    let bureau = f.signed_in("county-bureau").await;
    let city = f.signed_in("city-bureau").await;
    let sibling = f.signed_in("sibling-bureau").await;
    let (status, planned) = bureau
        .post("/api/campaigns", plan_body(&f, json!({})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{planned}");
    let id = planned["id"].as_str().unwrap().to_owned();
    let page = format!("/api/campaigns/{id}");
    assert_eq!(planned["state"], "planned");
    assert_eq!(planned["kind_label_zh"], "专项监督");
    assert_eq!(
        planned["bodies"][0]["name"], "上城区市场监督管理局",
        "{planned}"
    );

    // Planned: the covered bodies know nothing of it; the city bureau reads it.
    for api in [&f.market, &f.township, &sibling, &f.police] {
        let (status, _) = api.get(&page).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, listed) = api.get("/api/campaigns").await;
        assert_eq!(listed["campaigns"], json!([]), "{listed}");
    }
    let (status, seen) = city.get(&page).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!(seen["party"], "supervisor");
    let (status, _) = command(&city, &id, "launch", json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Launched: both bodies are told (签收) and read it; they give no command.
    let (status, launched) = command(&bureau, &id, "launch", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{launched}");
    assert_eq!(launched["state"], "under_way");
    for api in [&f.market, &f.township] {
        let notice = notice_about(api, &id).await;
        assert_eq!(notice["requires_ack"], true, "{notice}");
        let (status, seen) = api.get(&page).await;
        assert_eq!(status, StatusCode::OK, "{seen}");
        assert_eq!(seen["party"], "covered");
        assert!(seen["commands"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["allowed"] == false));
        let (status, _) = command(api, &id, "conclude", json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT);
    }

    // Within it: a supervision document to the market department, a task to the township,
    // the market department's result. Not to a body it does not cover, nor as another kind.
    let within_doc = |body: &str| {
        json!({
            "kind": "notice", "body_org_id": f.world.org(body),
            "title": "关于涉企行政处罚自由裁量的监督通知", "campaign_id": id,
        })
    };
    let (status, doc) = bureau
        .post("/api/supervision-docs", within_doc("market"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{doc}");
    let (status, refused) = bureau
        .post("/api/supervision-docs", within_doc("police"))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(
        refused["error"]["reason"], "campaign.within_covered",
        "{refused}"
    );
    let task = json!({
        "title": "自查涉企检查事项清单", "body": "请于月底前完成自查并反馈。",
        "assignee_org_id": f.world.org("township"),
        "limit": { "unit": "working_days", "amount": 10 },
    });
    let (status, set) = bureau.post(&format!("{page}/tasks"), task.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{set}");
    assert_eq!(set["source"], "supervision", "{set}");
    let (status, _) = f.township.post(&format!("{page}/tasks"), task).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let result = |kind: &str| {
        json!({
            "kind": kind, "title": "营商环境专项监督自查情况", "text": "已完成自查，整改问题 3 个。",
            "campaign_id": id,
        })
    };
    let (status, refused) = f
        .market
        .post("/api/filings", result("inspection_result"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(
        refused["error"]["reason"], "campaign.filing_kind",
        "{refused}"
    );
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("2026年涉企行政执法专项监督"),
        "{refused}"
    );
    let (status, filed) = f
        .market
        .post("/api/filings", result("campaign_result"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");

    let (_, grouped) = bureau.get(&page).await;
    let produced = &grouped["produced"];
    assert_eq!(
        produced["supervision_docs"][0]["id"], doc["id"],
        "{grouped}"
    );
    assert_eq!(
        produced["tasks"][0]["assignee_name"], "湖滨街道办事处",
        "{grouped}"
    );
    assert_eq!(produced["filings"][0]["id"], filed["id"], "{grouped}");
    assert_eq!(grouped["bodies"][0]["filings"], 1, "{grouped}");
    assert_eq!(grouped["bodies"][1]["filings"], 0, "{grouped}");

    // Concluded: nothing more is made within it, and the summary may not be signed before.
    let (status, early) = sign_summary(&bureau, &id).await;
    assert_eq!(status, StatusCode::CONFLICT, "{early}");
    let (status, concluded) = command(&bureau, &id, "conclude", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{concluded}");
    assert_eq!(concluded["state"], "summarising");
    let (status, refused) = bureau
        .post("/api/supervision-docs", within_doc("market"))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(
        refused["error"]["reason"], "campaign.within_under_way",
        "{refused}"
    );

    // The signed summary reports it to the city bureau.
    write_summary(
        &f,
        &bureau,
        planned["summary_doc_id"].as_str().unwrap(),
        "本次专项监督共检查涉企行政处罚案卷 120 件，发现问题 8 个。",
    )
    .await;
    let (status, signed) = sign_summary(&bureau, &id).await;
    assert_eq!(status, StatusCode::OK, "{signed}");
    assert_eq!(signed["state"], "signed", "{signed}");
    let (_, summarised) = bureau.get(&page).await;
    assert_eq!(summarised["state"], "summarised", "{summarised}");
    assert_eq!(summarised["reported_to_name"], "杭州市司法局");
    let (status, html) = city
        .get(&format!("{page}/summary/versions/1/summary.html"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let html = html.as_str().unwrap_or_default();
    assert!(html.contains("专监〔2026〕1号"), "{html}");
    assert!(
        html.contains("制发监督文书 1 份，交办任务 1 项，收到结果报备 1 份"),
        "{html}"
    );
    assert!(html.contains("杭州市司法局：</p>"), "{html}");
    let notice = notice_about(&city, &id).await;
    assert_eq!(notice["requires_ack"], true, "{notice}");
    assert!(
        notice["title"].as_str().unwrap().contains("总结报告"),
        "{notice}"
    );
    let (status, _) = command(&bureau, &id, "conclude", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_campaign_groups_its_work_and_its_signed_summary_is_reported_up_on_sqlite() {
    a_campaign_groups_its_work_and_its_signed_summary_is_reported_up(fixture_on(None).await).await;
}

#[tokio::test]
async fn a_campaign_groups_its_work_and_its_signed_summary_is_reported_up_on_postgres() {
    a_campaign_groups_its_work_and_its_signed_summary_is_reported_up(
        fixture_on(Some(fresh_database_url().await)).await,
    )
    .await;
}

#[tokio::test]
async fn bad_campaign_requests_are_refused_with_the_rule_and_change_nothing() {
    let f = fixture_on(None).await;
    let bureau = f.signed_in("county-bureau").await;
    let refusals = [
        (
            json!({ "starts_on": "2026-3-1" }),
            Some("campaign.not_a_date"),
        ),
        (
            json!({ "ends_on": "2026-02-01" }),
            Some("campaign.period_order"),
        ),
        (
            json!({ "body_org_ids": [] }),
            Some("campaign.covers_bodies"),
        ),
        (
            json!({ "body_org_ids": [f.world.org("sibling-procuratorate")] }),
            Some("campaign.body_of_region"),
        ),
        (
            json!({ "body_org_ids": ["no-such-org"] }),
            Some("campaign.body_of_region"),
        ),
        (json!({ "kind": "audit" }), None),
        (json!({ "field": "" }), None),
    ];
    for (extra, reason) in refusals {
        let (status, body) = bureau
            .post("/api/campaigns", plan_body(&f, extra.clone()))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{extra}: {body}");
        if let Some(reason) = reason {
            assert_eq!(body["error"]["reason"], reason, "{extra}: {body}");
        }
        assert!(
            !body["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .is_empty(),
            "{body}"
        );
    }
    // Only a bureau organises one.
    let (status, body) = f
        .market
        .post("/api/campaigns", plan_body(&f, json!({})))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (_, listed) = bureau.get("/api/campaigns").await;
    assert_eq!(
        listed["campaigns"],
        json!([]),
        "nothing was stored: {listed}"
    );

    // Withdrawn before launch, with reasons; then final.
    let (_, planned) = bureau
        .post("/api/campaigns", plan_body(&f, json!({})))
        .await;
    let id = planned["id"].as_str().unwrap().to_owned();
    let (status, body) = command(&bureau, &id, "withdraw", json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = command(&bureau, &id, "launch", json!({ "reason": "多余" })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let stale = json!({ "command": "launch", "revision": 7 });
    let (status, body) = bureau
        .post(&format!("/api/campaigns/{id}/actions"), stale)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["reason"], "campaign.stale", "{body}");
    let (status, withdrawn) = command(
        &bureau,
        &id,
        "withdraw",
        json!({ "reason": "与省级专项重复" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{withdrawn}");
    assert_eq!(withdrawn["state"], "withdrawn");
    assert_eq!(withdrawn["reason"], "与省级专项重复");
    let (status, body) = command(&bureau, &id, "launch", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["reason"], "campaign.final", "{body}");
    let (status, _) = bureau.get("/api/campaigns/no-such-campaign").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A body files nothing against a withdrawn campaign.
    let (status, body) = f
        .market
        .post(
            "/api/filings",
            json!({ "kind": "campaign_result", "title": "结果", "text": "无", "campaign_id": id }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}
