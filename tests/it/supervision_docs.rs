//! Supervision documents (监督文书) and rectification (整改), issue 21, against a real server on
//! the manual clock: the county bureau (上城区司法局) drafts a 行政执法监督通知书 to the market
//! department (上城区市场监督管理局) of its region, writes it live, signs it with its person and
//! seal; the last signature issues it and sends it as a notice requiring 签收, whose
//! acknowledgement starts the report's clock (20 working days); the report is chased (催办) and
//! escalated (督办) on working mornings; the body submits it with evidence, the bureau sends it
//! back once and accepts the second, then closes. On SQLite and PostgreSQL.
//!
//! Who sees what: the body never sees the draft; a township of the same county, the sibling
//! county's bureau and anyone else get 404; the city bureau (above) reads and acts on nothing.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use time::macros::datetime;
use yrs::{Map, Transact, XmlFragment};

use crate::jobs::ms;
use crate::meetings::{fixture_on, Fixture};
use crate::minutes::{send_update, sign_alone, write_paragraph};
use crate::support::api::Api;
use crate::support::client::TestClient;
use crate::support::postgres::fresh_database_url;
use crate::tasks::send_bytes;

/// Drafts a supervision document of `kind` from the county bureau to `body`; the answer.
async fn draft(f: &Fixture, bureau: &Api, kind: &str, body: &str) -> (StatusCode, Value) {
    bureau
        .post(
            "/api/supervision-docs",
            json!({
                "kind": kind,
                "body_org_id": f.world.org(body),
                "title": "关于规范行政处罚案件办理程序的监督通知",
            }),
        )
        .await
}

/// Writes the text through a live client of the bureau: a paragraph, and for a decision the
/// act it rules on.
async fn write_text(f: &Fixture, bureau: &Api, doc_id: &str, act: Option<(&str, &str)>) {
    let (status, ticket) = bureau
        .post(&format!("/api/docs/{doc_id}/ticket"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{ticket}");
    assert_eq!(ticket["access"], "write", "{ticket}");
    let url = format!("ws://{}{}", f.server.addr, ticket["url"].as_str().unwrap());
    let client = TestClient::connect(&url).await;
    client.synced().await;
    write_paragraph(
        &client,
        "经检查，你局2026年办理的部分行政处罚案件未依法履行告知程序，请依法整改。",
    );
    if let Some((name, order)) = act {
        let doc = client.doc();
        let map = doc.get_or_insert_map("act");
        let update = {
            let mut txn = doc.transact_mut();
            map.insert(&mut txn, "name", name);
            map.insert(&mut txn, "order", order);
            txn.encode_update_v1()
        };
        send_update(&client, update);
    }
    // What the server holds is what a second client is sent: wait for it before freezing.
    let (status, ticket) = bureau
        .post(&format!("/api/docs/{doc_id}/ticket"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{ticket}");
    let url = format!("ws://{}{}", f.server.addr, ticket["url"].as_str().unwrap());
    let reader = TestClient::connect(&url).await;
    let fields = usize::from(act.is_some()) * 2;
    reader
        .wait_until("the text and the act", |c| {
            let doc = c.doc();
            let body = doc.get_or_insert_xml_fragment("body");
            let map = doc.get_or_insert_map("act");
            let txn = doc.transact();
            body.len(&txn) > 0 && map.len(&txn) as usize == fields
        })
        .await;
}

/// Freezes, opens signing and signs the text; the signed view.
async fn sign_text(bureau: &Api, id: &str) -> (StatusCode, Value) {
    sign_alone(bureau, &format!("/api/supervision-docs/{id}/text")).await
}

/// `POST /api/supervision-docs/{id}/actions` with `command` at the revision `api` reads now.
async fn command(api: &Api, id: &str, command: &str, extra: Value) -> (StatusCode, Value) {
    let (status, doc) = api.get(&format!("/api/supervision-docs/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    let mut body = json!({ "command": command, "revision": doc["revision"] });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    api.post(&format!("/api/supervision-docs/{id}/actions"), body)
        .await
}

async fn ok(api: &Api, id: &str, name: &str, extra: Value) -> Value {
    let (status, body) = command(api, id, name, extra).await;
    assert_eq!(status, StatusCode::OK, "{name}: {body}");
    body
}

/// The notice delivering `id` in `api`'s received box.
async fn delivering_notice(api: &Api, id: &str) -> Value {
    let (_, inbox) = api.get("/api/notices?box=received").await;
    inbox["notices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["about"]["supervision_id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("no notice delivering {id} in {inbox}"))
}

async fn attach(api: &Api, id: &str, name: &str, bytes: &[u8]) -> (StatusCode, Value) {
    let path = format!("/api/supervision-docs/{id}/evidence?name={name}");
    send_bytes(
        api,
        Method::POST,
        &path,
        Some("application/pdf"),
        bytes.to_vec(),
    )
    .await
}

async fn told(f: &Fixture, id: &str, kind: &str) -> Vec<String> {
    let db = f.db().await;
    let told = crate::disputes::told_about(&db, &format!("supervision:{id}"), kind).await;
    db.close().await;
    told
}

async fn the_rectification_runs_from_issue_through_a_late_report_sent_back_to_close(f: Fixture) {
    let bureau = f.signed_in("county-bureau").await;
    let (status, drafted) = draft(&f, &bureau, "notice", "market").await;
    assert_eq!(status, StatusCode::CREATED, "{drafted}");
    let id = drafted["id"].as_str().unwrap().to_owned();
    assert_eq!(drafted["state"], "drafting");
    assert_eq!(drafted["kind_label_zh"], "行政执法监督通知书");
    let page = format!("/api/supervision-docs/{id}");
    // The body never sees the draft.
    let (status, _) = f.market.get(&page).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, listed) = f.market.get("/api/supervision-docs?role=received").await;
    assert_eq!(listed["supervision_docs"], json!([]), "{listed}");

    write_text(&f, &bureau, drafted["doc_id"].as_str().unwrap(), None).await;
    let (status, signed) = sign_text(&bureau, &id).await;
    assert_eq!(status, StatusCode::OK, "{signed}");
    assert_eq!(signed["state"], "signed", "{signed}");
    let (status, html) = bureau
        .get(&format!("{page}/text/versions/1/supervision.html"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let html = html.as_str().unwrap_or_default();
    assert!(
        html.contains("监通〔2026〕1号"),
        "the bureau's number: {html}"
    );
    assert!(
        html.contains("20 个工作日内"),
        "the report asked for: {html}"
    );

    // Issued: the body reads it, and is sent it to sign for (签收).
    let (_, issued) = bureau.get(&page).await;
    assert_eq!(issued["state"], "issued", "{issued}");
    let (status, seen) = f.market.get(&page).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!(seen["your_part"], "body");
    let notice = delivering_notice(&f.market, &id).await;
    assert_eq!(notice["requires_ack"], true, "{notice}");
    let (status, body) = f
        .market
        .post(
            &format!(
                "/api/notices/{}/acknowledge",
                notice["id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let received = f.market.get(&page).await.1;
    assert_eq!(received["state"], "rectifying", "{received}");
    assert_eq!(received["round"], 1);
    // 签收 on Monday 2 March: twenty working days, to the end of Monday 30 March.
    let due = received["clock"]["due_at"].as_i64().unwrap();
    assert!(
        due > ms(datetime!(2026-03-30 00:00 +8)) && due < ms(datetime!(2026-03-31 00:00 +8)),
        "{received}"
    );

    // Not reported: 催办 on the first working morning after, to the body and the bureau.
    f.clock.set_ms(ms(datetime!(2026-03-31 08:59 +8)));
    f.server.worker.run_due().await.unwrap();
    assert!(told(&f, &id, "supervision.overdue").await.is_empty());
    f.clock.set_ms(ms(datetime!(2026-03-31 09:00 +8)));
    f.server.worker.run_due().await.unwrap();
    let mut expected = vec![
        format!("org:{}", f.world.org("county-bureau")),
        format!("org:{}", f.world.org("market")),
    ];
    expected.sort();
    assert_eq!(told(&f, &id, "supervision.overdue").await, expected);
    assert_eq!(f.market.get(&page).await.1["clock"]["overdue"], true);
    // 督办 later: the body's heads are told too.
    f.clock.set_ms(ms(datetime!(2026-04-20 09:00 +8)));
    f.server.worker.run_due().await.unwrap();
    let escalated = told(&f, &id, "supervision.supervised").await;
    assert!(
        escalated.iter().any(|t| t.starts_with("user:")),
        "the heads: {escalated:?}"
    );

    // The bureau's desk (监督台) lists it under the body, escalated; the bureau above's too.
    for api in [&bureau, &f.signed_in("city-bureau").await] {
        let (status, desk) = api.get("/api/supervision/desk").await;
        assert_eq!(status, StatusCode::OK, "{desk}");
        let body = desk["bodies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["org_name"] == "上城区市场监督管理局")
            .unwrap_or_else(|| panic!("the market department is not on the desk: {desk}"));
        let line = body["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["id"] == id)
            .unwrap_or_else(|| panic!("the document is not on the desk: {desk}"));
        assert_eq!(line["kind"], "supervision", "{line}");
        assert_eq!(line["limit_label_zh"], "整改报告期限", "{line}");
        assert_eq!(line["escalated"], true, "{line}");
        assert_eq!(line["counterpart_name"], "上城区司法局", "{line}");
    }
    // The late report, with its evidence; the bureau sends it back.
    let (status, with_file) = attach(&f.market, &id, "整改台账.pdf", b"%PDF-1.4 ledger").await;
    assert_eq!(status, StatusCode::OK, "{with_file}");
    assert_eq!(
        with_file["pending_evidence"][0]["file_name"],
        "整改台账.pdf"
    );
    let reported = ok(
        &f.market,
        &id,
        "submit_report",
        json!({ "text": "已对2026年全部处罚案件逐一复查，补正告知程序。" }),
    )
    .await;
    assert_eq!(reported["state"], "under_review", "{reported}");
    assert_eq!(reported["reports"][0]["late"], true, "{reported}");
    assert_eq!(
        reported["reports"][0]["evidence"][0]["file_name"],
        "整改台账.pdf"
    );
    assert!(reported["clock"].is_null());
    let url = reported["reports"][0]["evidence"][0]["url"]
        .as_str()
        .unwrap();
    let (status, _) = bureau.get(url).await;
    assert_eq!(status, StatusCode::OK);
    let sent_back = ok(
        &bureau,
        &id,
        "send_back",
        json!({ "reason": "未附复查清单，请补充。" }),
    )
    .await;
    assert_eq!(sent_back["state"], "rectifying");
    assert_eq!(sent_back["round"], 2);
    assert_eq!(sent_back["reports"][0]["verdict"], "sent_back");
    assert_eq!(
        sent_back["reports"][0]["verdict_reason"],
        "未附复查清单，请补充。"
    );
    assert!(sent_back["clock"]["due_at"].as_i64().unwrap() > ms(datetime!(2026-05-01 00:00 +8)));
    assert!(sent_back["pending_evidence"].as_array().unwrap().is_empty());

    // The second report in time is accepted, then the matter closed.
    let (status, _) = attach(&f.market, &id, "复查清单.pdf", b"%PDF-1.4 list").await;
    assert_eq!(status, StatusCode::OK);
    ok(
        &f.market,
        &id,
        "submit_report",
        json!({ "text": "已补充复查清单。" }),
    )
    .await;
    let accepted = ok(&bureau, &id, "accept", json!({})).await;
    assert_eq!(accepted["state"], "accepted");
    assert_eq!(accepted["reports"][1]["late"], false, "{accepted}");
    assert_eq!(accepted["reports"][1]["verdict"], "accepted");
    let (_, desk) = bureau.get("/api/supervision/desk").await;
    assert!(
        !desk.to_string().contains(&id),
        "a report submitted leaves the desk: {desk}"
    );
    let closed = ok(&bureau, &id, "close", json!({})).await;
    assert_eq!(closed["state"], "closed");
    // The region's figures (评议考核) count it for the market department: issued, not on time
    // (its first report was late).
    let (status, figures) = bureau
        .get("/api/figures?region=330102&from=2026-01-01&to=2026-12-31")
        .await;
    assert_eq!(status, StatusCode::OK, "{figures}");
    let market = figures["bodies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["org_name"] == "上城区市场监督管理局")
        .unwrap_or_else(|| panic!("no market department in {figures}"));
    assert_eq!(market["supervision_documents"], 1, "{market}");
    assert_eq!(market["rectified_on_time"], 0, "{market}");
    // The lists behind those two figures hold exactly what they counted: the document, and
    // none rectified on time; for the city bureau above too, and none for the sibling county's.
    let sibling = f.signed_in("sibling-bureau").await;
    let city = f.signed_in("city-bureau").await;
    let behind = format!(
        "/api/supervision-docs?org={}&from=2026-01-01&to=2026-12-31",
        f.world.org("market")
    );
    for (who, api, filter, want) in [
        ("county", &bureau, "", vec![id.as_str()]),
        ("county", &bureau, "&on_time=true", vec![]),
        ("city", &city, "", vec![id.as_str()]),
        ("sibling", &sibling, "", vec![]),
    ] {
        let (status, page) = api.get(&format!("{behind}{filter}")).await;
        assert_eq!(status, StatusCode::OK, "{who}{filter}: {page}");
        let ids: Vec<&str> = page["supervision_docs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, want, "{who}{filter}: {page}");
    }
    // Another period holds nothing.
    let (_, page) = bureau
        .get(&format!(
            "/api/supervision-docs?org={}&from=2025-01-01&to=2025-12-31",
            f.world.org("market")
        ))
        .await;
    assert_eq!(page["supervision_docs"], json!([]), "{page}");
    // Every step was told to both sides.
    assert_eq!(told(&f, &id, "supervision.accepted").await, expected);
}

#[tokio::test]
async fn the_rectification_runs_from_issue_through_a_late_report_sent_back_to_close_on_sqlite() {
    the_rectification_runs_from_issue_through_a_late_report_sent_back_to_close(
        fixture_on(None).await,
    )
    .await;
}

#[tokio::test]
async fn the_rectification_runs_from_issue_through_a_late_report_sent_back_to_close_on_postgres() {
    the_rectification_runs_from_issue_through_a_late_report_sent_back_to_close(
        fixture_on(Some(fresh_database_url().await)).await,
    )
    .await;
}

async fn only_the_two_sides_and_the_bureaus_above_see_it_and_only_the_sides_act(f: Fixture) {
    let bureau = f.signed_in("county-bureau").await;
    let (_, drafted) = draft(&f, &bureau, "opinion", "market").await;
    let id = drafted["id"].as_str().unwrap().to_owned();
    let page = format!("/api/supervision-docs/{id}");
    let city = f.signed_in("city-bureau").await;
    let sibling = f.signed_in("sibling-bureau").await;
    // The city bureau reads the draft; it may neither write it nor give a command.
    let (status, seen) = city.get(&page).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!(seen["your_part"], "supervisor");
    let (status, _) = city
        .post(&format!("{page}/text/actions"), json!({ "act": "freeze" }))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = command(&city, &id, "withdraw", json!({ "reason": "越权" })).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The sibling county's bureau, a township of the county and the body (before it is
    // issued) are told nothing.
    for api in [&sibling, &f.township, &f.market] {
        let (status, _) = api.get(&page).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = api.get(&format!("{page}/text")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    // Issued, the body reads it but may not manage its text; an opinion asks no report.
    write_text(&f, &bureau, drafted["doc_id"].as_str().unwrap(), None).await;
    let (status, signed) = sign_text(&bureau, &id).await;
    assert_eq!(status, StatusCode::OK, "{signed}");
    let (status, _) = f
        .market
        .post(
            &format!("{page}/text/actions"),
            json!({ "act": "archive", "version": 1 }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let notice = delivering_notice(&f.market, &id).await;
    // The bureau may neither correct nor recall the notice that delivers it.
    let notice_id = notice["id"].as_str().unwrap();
    let (_, sent) = bureau.get(&format!("/api/notices/{notice_id}")).await;
    assert!(
        sent["commands"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["allowed"] == false),
        "{sent}"
    );
    for (path, body) in [
        ("recall", json!({ "reason": "撤回" })),
        ("correct", json!({ "title": "更正", "body": "更正" })),
    ] {
        let (status, refused) = bureau
            .post(&format!("/api/notices/{notice_id}/{path}"), body)
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{refused}");
        assert_eq!(refused["error"]["reason"], "supervision.delivery_is_fixed");
    }
    f.market
        .post(
            &format!(
                "/api/notices/{}/acknowledge",
                notice["id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await;
    let received = f.market.get(&page).await.1;
    assert_eq!(received["state"], "received", "{received}");
    assert!(received["clock"].is_null());
    let (status, refused) = command(&f.market, &id, "close", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["reason"], "supervision.by_the_bureau");
    for api in [&sibling, &f.township] {
        assert_eq!(api.get(&page).await.0, StatusCode::NOT_FOUND);
    }
    let (_, listed) = city.get("/api/supervision-docs?role=supervised").await;
    assert_eq!(listed["supervision_docs"][0]["id"], id.as_str(), "{listed}");
    let (_, listed) = sibling.get("/api/supervision-docs").await;
    assert_eq!(listed["supervision_docs"], json!([]), "{listed}");
    // Only a bureau covering the body drafts to it.
    for (api, body) in [(&sibling, "market"), (&f.market, "township")] {
        let (status, refused) = draft(&f, api, "notice", body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    }
}

#[tokio::test]
async fn only_the_two_sides_and_the_bureaus_above_see_it_and_only_the_sides_act_on_sqlite() {
    only_the_two_sides_and_the_bureaus_above_see_it_and_only_the_sides_act(fixture_on(None).await)
        .await;
}

#[tokio::test]
async fn only_the_two_sides_and_the_bureaus_above_see_it_and_only_the_sides_act_on_postgres() {
    only_the_two_sides_and_the_bureaus_above_see_it_and_only_the_sides_act(
        fixture_on(Some(fresh_database_url().await)).await,
    )
    .await;
}

#[tokio::test]
async fn bad_supervision_requests_are_refused_with_the_rule_and_change_nothing() {
    let f = fixture_on(None).await;
    let bureau = f.signed_in("county-bureau").await;
    // An unknown body, to itself, an unknown kind, malformed JSON, an unknown field.
    let (status, refused) = bureau
        .post(
            "/api/supervision-docs",
            json!({ "kind": "notice", "body_org_id": "nobody", "title": "关于……" }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    let (status, refused) = draft(&f, &bureau, "notice", "county-bureau").await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["reason"], "supervision.not_to_itself");
    let (status, _) = draft(&f, &bureau, "warning", "market").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = send_bytes(
        &bureau,
        Method::POST,
        "/api/supervision-docs",
        Some("application/json"),
        b"{\"kind\": ".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, none) = bureau.get("/api/supervision-docs").await;
    assert_eq!(
        none["supervision_docs"],
        json!([]),
        "nothing stored: {none}"
    );

    // A decision that names no act is not frozen; a notice that names one is not either.
    let (_, decision) = draft(&f, &bureau, "decision", "market").await;
    let decision_id = decision["id"].as_str().unwrap().to_owned();
    write_text(&f, &bureau, decision["doc_id"].as_str().unwrap(), None).await;
    let (status, refused) = sign_text(&bureau, &decision_id).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(
        refused["error"]["reason"],
        "supervision_doc.decision_names_act"
    );
    let (_, notice) = draft(&f, &bureau, "notice", "market").await;
    let notice_id = notice["id"].as_str().unwrap().to_owned();
    write_text(
        &f,
        &bureau,
        notice["doc_id"].as_str().unwrap(),
        Some(("上市监罚〔2026〕8号行政处罚决定", "revoke")),
    )
    .await;
    let (status, refused) = sign_text(&bureau, &notice_id).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(
        refused["error"]["reason"],
        "supervision_doc.only_decision_names_act"
    );

    // Commands: a stale revision, one the state does not allow, an unknown command, evidence
    // before it is issued; nothing changes.
    let page = format!("/api/supervision-docs/{notice_id}");
    let (status, refused) = bureau
        .post(
            &format!("{page}/actions"),
            json!({ "command": "close", "revision": 99 }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["reason"], "supervision.stale");
    let (status, refused) = command(&bureau, &notice_id, "accept", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(
        refused["error"]["reason"],
        "supervision.review_when_reported"
    );
    let (status, _) = command(&bureau, &notice_id, "issue", json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = command(&bureau, &notice_id, "send_back", json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a reason is required");
    let (status, refused) = attach(&bureau, &notice_id, "a.pdf", b"%PDF").await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    let (_, after) = bureau.get(&page).await;
    assert_eq!(after["state"], "drafting");
    assert_eq!(after["revision"], notice["revision"]);
    // The decision, once it names its act, is signed and says what it orders.
    write_text(
        &f,
        &bureau,
        decision["doc_id"].as_str().unwrap(),
        Some(("上市监罚〔2026〕8号行政处罚决定", "revoke")),
    )
    .await;
    let (status, signed) = sign_text(&bureau, &decision_id).await;
    assert_eq!(status, StatusCode::OK, "{signed}");
    let (_, html) = bureau
        .get(&format!(
            "/api/supervision-docs/{decision_id}/text/versions/1/supervision.html"
        ))
        .await;
    let html = html.as_str().unwrap_or_default();
    assert!(
        html.contains("撤销") && html.contains("上市监罚〔2026〕8号"),
        "{html}"
    );
    // Withdrawn drafts are final.
    let withdrawn = ok(
        &bureau,
        &notice_id,
        "withdraw",
        json!({ "reason": "重复制发" }),
    )
    .await;
    assert_eq!(withdrawn["state"], "withdrawn");
    let (status, refused) = command(&bureau, &notice_id, "close", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["reason"], "supervision.withdrawn_is_final");
}
