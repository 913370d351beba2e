//! The case library (案例库), issue 23 part 5, and the scanned files of case files, against a
//! real server: the county bureau (上城区司法局) reviews the market department's files itself
//! (全面评查); the department attaches its file's scan (kept with its SHA-256, never after the
//! draw); the bureau scores and confirms it, marks it typical, writes the anonymised write-up
//! live (a text that still carries the case number is refused and the room opened again),
//! submits it; the department sends it back once, then the bureau publishes it for the public.
//! The police (same county) and the city bureau (above) find it by words, field, kind and legal
//! basis, without the case number; the sibling county's bureau does not; the public export is
//! escaped HTML. Withdrawn, it leaves the search and stays readable. On SQLite and PostgreSQL.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use yrs::{GetString, Transact, XmlFragment};

use crate::meetings::{fixture_on, Fixture};
use crate::minutes::{send_update, write_paragraph};
use crate::support::api::Api;
use crate::support::client::TestClient;
use crate::support::postgres::fresh_database_url;
use crate::tasks::send_bytes;

const CASE: &str = "上市监罚〔2025〕30号";

/// `POST …/actions` of `path` with `command` at the revision `api` reads there now.
async fn act(api: &Api, path: &str, command: &str, extra: Value) -> (StatusCode, Value) {
    let (status, now) = api.get(path).await;
    assert_eq!(status, StatusCode::OK, "{now}");
    let mut body = json!({ "command": command, "revision": now["revision"] });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    api.post(&format!("{path}/actions"), body).await
}

/// The only file of review `id` as `api` reads it.
async fn the_file(api: &Api, id: &str) -> Value {
    let (status, review) = api.get(&format!("/api/reviews/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{review}");
    review["files"][0].clone()
}

/// `POST /api/reviews/{id}/files/{file}/actions` at the file's revision.
async fn file_act(api: &Api, id: &str, command: &str, extra: Value) -> (StatusCode, Value) {
    let file = the_file(api, id).await;
    let mut body = json!({ "command": command, "revision": file["revision"] });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let path = format!(
        "/api/reviews/{id}/files/{}/actions",
        file["id"].as_str().unwrap()
    );
    api.post(&path, body).await
}

/// Replaces the write-up's text with `text` through the bureau's live client and waits until
/// a second client holds exactly it.
async fn rewrite(url: &str, client: &TestClient, text: &str) {
    let doc = client.doc();
    let body = doc.get_or_insert_xml_fragment("body");
    let update = {
        let mut txn = doc.transact_mut();
        let len = body.len(&txn);
        body.remove_range(&mut txn, 0, len);
        txn.encode_update_v1()
    };
    send_update(client, update);
    write_paragraph(client, text);
    let reader = TestClient::connect(url).await;
    reader
        .wait_until("the write-up's text", |c| {
            let doc = c.doc();
            let body = doc.get_or_insert_xml_fragment("body");
            let txn = doc.transact();
            body.get_string(&txn).contains(text) && body.len(&txn) == 1
        })
        .await;
}

async fn search(api: &Api, query: &str) -> Vec<Value> {
    let (status, page) = api.get(&format!("/api/library{query}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["cases"].as_array().unwrap().clone()
}

async fn a_typical_file_becomes_an_anonymised_library_case_the_region_reads(f: Fixture) {
    let bureau = &f.convener;
    let city = f.signed_in("city-bureau").await;
    let sibling = f.signed_in("sibling-bureau").await;
    let (status, planned) = bureau
        .post(
            "/api/reviews",
            json!({
                "kind": "comprehensive", "title": "2025年度市场监管案卷全面评查",
                "starts_on": "2025-01-01", "ends_on": "2025-12-31",
                "reviewed_org_ids": [f.world.org("market")],
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{planned}");
    let id = planned["id"].as_str().unwrap().to_owned();
    let page = format!("/api/reviews/{id}");
    let (status, _) = act(bureau, &page, "launch", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, file) = f
        .market
        .post(
            &format!("{page}/files"),
            json!({ "case_number": CASE, "case_kind": "licensing",
                    "title": "某餐饮店未公示食品经营许可证案", "closed_on": "2025-08-01" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    let file_id = file["id"].as_str().unwrap().to_owned();

    // The scanned file: kept with its SHA-256; only its body attaches, only before the draw.
    let attachments = format!("{page}/files/{file_id}/attachments");
    let scan = b"%PDF-1.4 scanned file of the case".to_vec();
    let (status, attached) = send_bytes(
        &f.market,
        Method::POST,
        &format!("{attachments}?name={}", urlencoding("卷宗.pdf")),
        Some("application/pdf"),
        scan.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{attached}");
    assert_eq!(attached["sha256"], hex::encode(Sha256::digest(&scan)));
    assert_eq!(attached["file_name"], "卷宗.pdf");
    let (status, body) = send_bytes(bureau, Method::POST, &attachments, None, b"x".to_vec()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        body["error"]["reason"], "review_file.attach_by_its_body",
        "{body}"
    );
    let (status, _) =
        send_bytes(&f.township, Method::POST, &attachments, None, b"x".to_vec()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let download = format!("{attachments}/{}", attached["id"].as_str().unwrap());
    let response = bureau
        .client
        .get(format!("{}{download}", bureau.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.bytes().await.unwrap().to_vec(), scan);

    // The bureau draws, scores the file itself and confirms it; no more attachments then.
    let (status, _) = act(bureau, &page, "draw", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) =
        send_bytes(&f.market, Method::POST, &attachments, None, b"y".to_vec()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        body["error"]["reason"], "review_file.attach_when_registering",
        "{body}"
    );
    assert_eq!(
        the_file(bureau, &id).await["attachments"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Not confirmed yet: not a library case.
    let typical = format!("{page}/files/{file_id}/library");
    let mark = json!({ "title": "某餐饮店未公示食品经营许可证案", "field": "食品安全",
                       "legal_basis": "《中华人民共和国食品安全法》第一百二十六条" });
    let (status, body) = bureau.post(&typical, mark.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        body["error"]["reason"], "library.from_a_confirmed_file",
        "{body}"
    );
    let (status, body) = file_act(bureau, &id, "submit", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = file_act(&f.market, &id, "answer", json!({ "answer": "无异议" })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = file_act(bureau, &id, "confirm", json!({ "grade": "excellent" })).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // The region's figures count the file reviewed (none failed).
    let (status, figures) = bureau.get("/api/figures?region=330102").await;
    assert_eq!(status, StatusCode::OK, "{figures}");
    let market = figures["bodies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["org_id"] == f.world.org("market"))
        .cloned()
        .unwrap();
    assert_eq!(market["files_reviewed"], 1, "{market}");
    assert_eq!(market["files_failed"], 0, "{market}");

    // Only the bureau marks it typical, once.
    let (status, body) = f.market.post(&typical, mark.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["reason"], "library.by_the_bureau", "{body}");
    let (status, case) = bureau.post(&typical, mark.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    assert_eq!(case["state"], "drafting");
    let (status, body) = bureau.post(&typical, mark).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["reason"], "library.one_per_file", "{body}");
    let case_id = case["id"].as_str().unwrap().to_owned();
    let case_page = format!("/api/library/{case_id}");
    assert_eq!(
        the_file(bureau, &id).await["library_case_id"],
        case_id.as_str()
    );
    // Not published: the police and the city bureau know nothing of it.
    for api in [&f.police, &city] {
        let (status, _) = api.get(&case_page).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(search(api, "")
            .await
            .iter()
            .all(|c| c["id"] != case_id.as_str()));
    }

    // The write-up: empty, then carrying the case number, is refused; the room stays open.
    let (status, body) = act(bureau, &case_page, "submit", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["reason"], "library.write_up_empty", "{body}");
    let (status, ticket) = bureau
        .post(
            &format!("/api/docs/{}/ticket", case["doc_id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{ticket}");
    let url = format!("ws://{}{}", f.server.addr, ticket["url"].as_str().unwrap());
    let writer = TestClient::connect(&url).await;
    writer.synced().await;
    rewrite(
        &url,
        &writer,
        &format!("本案（{CASE}）中，当事人张某经营的餐饮店未公示许可证。"),
    )
    .await;
    let (status, body) = act(bureau, &case_page, "submit", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["reason"], "library.not_anonymised", "{body}");
    let text = "某餐饮店未在经营场所显著位置公示食品经营许可证，执法部门依法责令改正并给予警告。";
    rewrite(&url, &writer, text).await;
    let (status, submitted) = act(bureau, &case_page, "submit", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{submitted}");
    assert_eq!(submitted["state"], "checking");
    assert_eq!(submitted["paragraphs"], json!([text]));
    assert_eq!(submitted["content_sha256"].as_str().unwrap().len(), 64);

    // The department sends it back once; the bureau submits it again and publishes it.
    let (status, body) = act(&f.market, &case_page, "publish", json!({ "public": true })).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, sent_back) = act(
        &f.market,
        &case_page,
        "send_back",
        json!({ "reason": "请注明责令改正的期限" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{sent_back}");
    assert_eq!(sent_back["state"], "drafting");
    let (status, _) = act(bureau, &case_page, "submit", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = bureau
        .post(
            &format!("{case_page}/actions"),
            json!({ "command": "publish", "revision": 1, "public": true }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["reason"], "library.stale", "{body}");
    let (status, published) = act(bureau, &case_page, "publish", json!({ "public": true })).await;
    assert_eq!(status, StatusCode::OK, "{published}");
    assert_eq!(published["state"], "published");

    // The region reads and finds it, without its case number; the sibling county does not.
    for api in [&f.police, &city] {
        let found = search(
            api,
            "?q=许可证&field=食品&case_kind=licensing&legal_basis=食品安全法",
        )
        .await;
        let case = found
            .iter()
            .find(|c| c["id"] == case_id.as_str())
            .unwrap_or_else(|| panic!("not found: {found:?}"));
        assert_eq!(case["case_number"], Value::Null, "{case}");
        assert_eq!(case["review_id"], Value::Null, "{case}");
        assert_eq!(case["party"], "reader");
        assert!(search(api, "?case_kind=penalty")
            .await
            .iter()
            .all(|c| c["id"] != case_id.as_str()));
        assert!(search(api, "?q=100%25")
            .await
            .iter()
            .all(|c| c["id"] != case_id.as_str()));
    }
    let (status, _) = sibling.get(&case_page).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(search(&sibling, "")
        .await
        .iter()
        .all(|c| c["id"] != case_id.as_str()));
    let (status, html) = f.police.get(&format!("{case_page}/export.html")).await;
    assert_eq!(status, StatusCode::OK);
    let html = html.as_str().unwrap();
    assert!(
        html.contains("<h1>某餐饮店未公示食品经营许可证案</h1>"),
        "{html}"
    );
    assert!(html.contains(text), "{html}");
    assert!(!html.contains(CASE), "{html}");
    let (status, exported) = f.police.get(&format!("{case_page}/export.json")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(exported["schema"], "concord.library-case/1", "{exported}");
    assert_eq!(exported["content_sha256"], submitted["content_sha256"]);

    // Withdrawn: out of the search, still readable, final.
    let (status, body) = act(&f.police, &case_page, "withdraw", json!({ "reason": "x" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, withdrawn) = act(
        bureau,
        &case_page,
        "withdraw",
        json!({ "reason": "相关法条已修订" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{withdrawn}");
    assert!(search(&f.police, "")
        .await
        .iter()
        .all(|c| c["id"] != case_id.as_str()));
    let (status, seen) = f.police.get(&case_page).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!(seen["state"], "withdrawn");
    assert_eq!(seen["reason"], "相关法条已修订");
    let (status, body) = f.police.get(&format!("{case_page}/export.html")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
}

fn urlencoding(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[tokio::test]
async fn a_typical_file_becomes_an_anonymised_library_case_the_region_reads_on_sqlite() {
    a_typical_file_becomes_an_anonymised_library_case_the_region_reads(fixture_on(None).await)
        .await;
}

#[tokio::test]
async fn a_typical_file_becomes_an_anonymised_library_case_the_region_reads_on_postgres() {
    a_typical_file_becomes_an_anonymised_library_case_the_region_reads(
        fixture_on(Some(fresh_database_url().await)).await,
    )
    .await;
}

#[tokio::test]
async fn bad_library_requests_are_refused_and_change_nothing() {
    let f = fixture_on(None).await;
    // Unknown cases; a malformed command; an unknown kind in a search.
    let (status, _) = f.police.get("/api/library/none").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = f
        .convener
        .post(
            "/api/library/none/actions",
            json!({ "command": "publish", "revision": 1 }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = f.police.get("/api/library?case_kind=robbery").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = f
        .convener
        .post(
            "/api/reviews/none/files/none/library",
            json!({ "title": "x" }),
        )
        .await;
    assert!(status.is_client_error(), "{status} {body}");
    assert!(search(&f.police, "").await.is_empty());
}
