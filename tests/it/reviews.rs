//! Case-file review (案卷评查), issue 23, against a real server on the manual clock: the county
//! bureau (上城区司法局) runs a cross review of the market department and the township; both
//! register their closed files, the draw assigns each body's files to the other, the township
//! scores the market department's file on its live sheet (two of its clients at once), submits
//! it, the market department answers (申辩), the bureau confirms 不合格 with reasons and the
//! file becomes a rectification task; the township's file is confirmed once its time to answer
//! has passed; the review concludes, and its signed summary files the results with the city
//! bureau (报备). On SQLite and PostgreSQL.
//!
//! Who sees what: a reviewed body never opens the sheet of its own file (404), reads its
//! result once submitted; a bureau above reads; the sibling county's bureau 404.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use server::db::{now_unix_ms, AuditEvent, NewOrg, NewUser};
use server::domain::org::{Name, OrgCode, OrgKind, OrgRole, RegionCode, Username};
use server::domain::review_sheet::Sheet;
use sha2::{Digest, Sha256};
use yrs::{Map, Transact};

use crate::campaigns::write_summary;
use crate::meetings::{fixture_on, Fixture};
use crate::minutes::{send_update, sign_alone};
use crate::ops::{read_metric, WS_ACCESS_CHANGED};
use crate::support::api::{open_db, says_or_is, Api, PASSWORD};
use crate::support::client::TestClient;
use crate::support::postgres::fresh_database_url;
use crate::tasks::send_bytes;

const DAY_MS: i64 = 24 * 3_600_000;

fn plan_body(f: &Fixture, extra: Value) -> Value {
    let mut body = json!({
        "kind": "cross",
        "title": "2025年度行政执法案卷交叉评查",
        "starts_on": "2025-01-01",
        "ends_on": "2025-12-31",
        "reviewed_org_ids": [f.world.org("market"), f.world.org("township")],
        "reviewer_org_ids": [f.world.org("market"), f.world.org("township")],
        "answer_working_days": 3,
    });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    body
}

/// `POST /api/reviews/{id}/actions` with `command` at the revision `api` reads now.
async fn command(api: &Api, id: &str, command: &str, extra: Value) -> (StatusCode, Value) {
    let (status, review) = api.get(&format!("/api/reviews/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{review}");
    let mut body = json!({ "command": command, "revision": review["revision"] });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    api.post(&format!("/api/reviews/{id}/actions"), body).await
}

/// The file `file_id` as `api` reads it in review `id`.
async fn file_of(api: &Api, id: &str, file_id: &str) -> Value {
    let (status, review) = api.get(&format!("/api/reviews/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{review}");
    review["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == file_id)
        .cloned()
        .unwrap_or_else(|| panic!("no file {file_id} in {review}"))
}

/// `POST /api/reviews/{id}/files/{file}/actions` at the file's revision `api` reads now.
async fn file_command(
    api: &Api,
    id: &str,
    file_id: &str,
    command: &str,
    extra: Value,
) -> (StatusCode, Value) {
    let file = file_of(api, id, file_id).await;
    let mut body = json!({ "command": command, "revision": file["revision"] });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    api.post(&format!("/api/reviews/{id}/files/{file_id}/actions"), body)
        .await
}

async fn register(api: &Api, id: &str, number: &str, extra: Value) -> (StatusCode, Value) {
    let mut body = json!({
        "case_number": number,
        "case_kind": "penalty",
        "title": "某公司未按规定公示年度报告案",
        "closed_on": "2025-06-30",
    });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    api.post(&format!("/api/reviews/{id}/files"), body).await
}

/// The task of review `id` whose title has `words`, in `api`'s assigned tasks.
async fn stage_task(api: &Api, id: &str, words: &str) -> Value {
    let (status, assigned) = api.get("/api/tasks?list=assigned&limit=200").await;
    assert_eq!(status, StatusCode::OK, "{assigned}");
    assigned["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| {
            t["source_ref"] == format!("review:{id}")
                && t["title"].as_str().unwrap_or_default().contains(words)
        })
        .cloned()
        .unwrap_or_else(|| panic!("no task to {words} in {assigned}"))
}

/// The socket address for `api` to open `doc_id`, or the refusal's status.
async fn ticket(f: &Fixture, api: &Api, doc_id: &str) -> Result<String, StatusCode> {
    let (status, ticket) = api
        .post(&format!("/api/docs/{doc_id}/ticket"), json!({}))
        .await;
    if status != StatusCode::OK {
        return Err(status);
    }
    Ok(format!(
        "ws://{}{}",
        f.server.addr,
        ticket["url"].as_str().unwrap()
    ))
}

/// Marks `count` findings of `deduction` on the live sheet.
fn mark(client: &TestClient, deduction: &str, count: i64) {
    let doc = client.doc();
    let deductions = doc.get_or_insert_map("deductions");
    let update = {
        let mut txn = doc.transact_mut();
        deductions.insert(&mut txn, deduction, count);
        txn.encode_update_v1()
    };
    send_update(client, update);
}

fn comment(client: &TestClient, item: &str, text: &str) {
    let doc = client.doc();
    let comments = doc.get_or_insert_map("comments");
    let update = {
        let mut txn = doc.transact_mut();
        comments.insert(&mut txn, item, text);
        txn.encode_update_v1()
    };
    send_update(client, update);
}

fn count_in(client: &TestClient, deduction: &str) -> Option<i64> {
    let doc = client.doc();
    let deductions = doc.get_or_insert_map("deductions");
    let txn = doc.transact();
    match deductions.get(&txn, deduction) {
        Some(yrs::Out::Any(yrs::Any::Number(n))) => n.as_i64(),
        _ => None,
    }
}

async fn a_cross_review_scores_live_takes_answers_and_turns_a_failing_file_into_a_task(f: Fixture) {
    let bureau = &f.convener;
    let city = f.signed_in("city-bureau").await;
    let sibling = f.signed_in("sibling-bureau").await;
    let (status, planned) = bureau.post("/api/reviews", plan_body(&f, json!({}))).await;
    assert_eq!(status, StatusCode::CREATED, "{planned}");
    let id = planned["id"].as_str().unwrap().to_owned();
    let page = format!("/api/reviews/{id}");
    assert_eq!(planned["state"], "planned");
    assert_eq!(planned["kind_label_zh"], "交叉评查");
    assert_eq!(planned["sheet"]["name"], "行政执法案卷评查表（通用）");
    assert_eq!(planned["sheet_sha256"].as_str().unwrap().len(), 64);

    // Planned: the bodies know nothing of it; the city bureau reads; the sibling nothing.
    for api in [&f.market, &f.township, &sibling] {
        let (status, _) = api.get(&page).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let (status, seen) = city.get(&page).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!(seen["party"], "supervisor");

    // Files are registered only once it is launched.
    let (status, body) = register(&f.market, &id, "上市监罚〔2025〕12号", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, launched) = command(bureau, &id, "launch", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{launched}");
    assert_eq!(launched["state"], "registering");
    let (_, inbox) = f.market.get("/api/notices?box=received").await;
    let notice = inbox["notices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["about"]["review_id"] == id.as_str())
        .cloned()
        .unwrap_or_else(|| panic!("no notice about the review in {inbox}"));
    assert!(
        notice["body"]
            .as_str()
            .unwrap()
            .contains("2025年1月1日至2025年12月31日"),
        "{notice}"
    );

    // Registering is each reviewed body's task, on the task machine's clock (催办, 督办).
    for api in [&f.market, &f.township] {
        let task = stage_task(api, &id, "登记结案案卷").await;
        assert_eq!(task["state"], "dispatched", "{task}");
        assert!(task["due_at"].as_i64().unwrap() > 0, "{task}");
    }

    let (status, market_file) = register(
        &f.market,
        &id,
        "上市监罚〔2025〕12号",
        json!({ "litigated": true }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{market_file}");
    assert_eq!(market_file["priority"], true);
    let market_file = market_file["id"].as_str().unwrap().to_owned();
    let (status, township_file) = register(
        &f.township,
        &id,
        "湖滨执罚〔2025〕3号",
        json!({ "case_kind": "coercion" }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{township_file}");
    let township_file = township_file["id"].as_str().unwrap().to_owned();
    // The same case number twice; a file closed outside the period; a body not reviewed; the
    // bureau itself.
    let (status, body) = register(&f.market, &id, "上市监罚〔2025〕12号", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        body["error"]["reason"], "review.case_number_taken",
        "{body}"
    );
    let (status, body) = register(
        &f.market,
        &id,
        "上市监罚〔2026〕1号",
        json!({ "closed_on": "2026-01-05" }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _) = register(&f.police, &id, "上公罚〔2025〕1号", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = register(bureau, &id, "上司罚〔2025〕1号", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["reason"], "review.register_own", "{body}");

    // Conclude before drawing: refused.
    let (status, body) = command(bureau, &id, "conclude", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    // The draw: both files (a cross review without a sample), each to the other body.
    let (status, drawn) = command(bureau, &id, "draw", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{drawn}");
    // Scoring is each reviewing body's task: one file each.
    for api in [&f.market, &f.township] {
        let task = stage_task(api, &id, "完成评分").await;
        assert!(task["body"].as_str().unwrap().contains(" 1 件"), "{task}");
    }
    assert_eq!(drawn["state"], "scoring");
    assert_eq!(drawn["seed"].as_str().unwrap().len(), 32, "{drawn}");
    let by_bureau = file_of(bureau, &id, &market_file).await;
    assert_eq!(by_bureau["reviewer_name"], "湖滨街道办事处", "{by_bureau}");
    assert_eq!(
        file_of(bureau, &id, &township_file).await["reviewer_name"],
        "上城区市场监督管理局"
    );
    let sheet_id = by_bureau["sheet_doc_id"].as_str().unwrap().to_owned();
    // The market department reads its own file without its sheet, and cannot open the sheet.
    let own = file_of(&f.market, &id, &market_file).await;
    assert_eq!(own["state"], "scoring");
    assert_eq!(own["sheet_doc_id"], Value::Null, "{own}");
    assert_eq!(
        ticket(&f, &f.market, &sheet_id).await.unwrap_err(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        ticket(&f, &city, &sheet_id).await.unwrap_err(),
        StatusCode::NOT_FOUND
    );

    // Two of the township's clients score the market department's file together, live.
    let township_sheet = file_of(&f.township, &id, &market_file).await;
    assert_eq!(township_sheet["sheet_doc_id"], sheet_id.as_str());
    let url = ticket(&f, &f.township, &sheet_id).await.unwrap();
    let first = TestClient::connect(&url).await;
    let second = TestClient::connect(&ticket(&f, &f.township, &sheet_id).await.unwrap()).await;
    first.synced().await;
    second.synced().await;
    mark(&first, "procedure.signature", 12);
    second
        .wait_until("the first reviewer's mark", |c| {
            count_in(c, "procedure.signature") == Some(12)
        })
        .await;
    mark(&second, "archive.late", 1);
    comment(&second, "procedure.lawful", "询问笔录等12处未签名");
    first
        .wait_until("the second reviewer's mark", |c| {
            count_in(c, "archive.late") == Some(1)
        })
        .await;
    // The bureau's reader sees both marks on the server.
    let reader = TestClient::connect(&ticket(&f, bureau, &sheet_id).await.unwrap()).await;
    reader
        .wait_until("both marks stored", |c| {
            count_in(c, "procedure.signature") == Some(12) && count_in(c, "archive.late") == Some(1)
        })
        .await;

    // Only the reviewing body submits; then the result: 12 × 2 capped at 15, 0.5: 84.5, 合格.
    let (status, body) = file_command(&f.market, &id, &market_file, "submit", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, submitted) =
        file_command(&f.township, &id, &market_file, "submit", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{submitted}");
    assert_eq!(submitted["state"], "submitted");
    assert_eq!(submitted["result"]["total"], 84.5, "{submitted}");
    assert_eq!(submitted["result"]["grade"], "pass");
    let lawful = submitted["result"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "procedure.lawful")
        .cloned()
        .unwrap();
    assert_eq!(lawful["deducted"], 15.0, "{lawful}");
    assert_eq!(lawful["comment"], "询问笔录等12处未签名");
    // The sheet is frozen: a late mark never lands.
    mark(&first, "evidence.missing", 1);
    let again = TestClient::connect(&ticket(&f, bureau, &sheet_id).await.unwrap()).await;
    again.synced().await;
    assert_eq!(count_in(&again, "evidence.missing"), None);

    // The market department reads its result and answers within its time.
    let own = file_of(&f.market, &id, &market_file).await;
    assert_eq!(own["result"]["total"], 84.5, "{own}");
    let (status, body) = file_command(
        bureau,
        &id,
        &market_file,
        "confirm",
        json!({ "grade": "pass" }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        body["error"]["reason"], "review_file.confirm_after_answer",
        "{body}"
    );
    let (status, answered) = file_command(
        &f.market,
        &id,
        &market_file,
        "answer",
        json!({ "answer": "其中3处为当事人拒绝签名，已在笔录中注明。" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answered}");
    assert_eq!(answered["state"], "answered");

    // The bureau confirms 不合格 against the score: reasons required; a task results.
    let (status, body) = file_command(
        bureau,
        &id,
        &market_file,
        "confirm",
        json!({ "grade": "fail" }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, confirmed) = file_command(
        bureau,
        &id,
        &market_file,
        "confirm",
        json!({ "grade": "fail", "reason": "该案系诉讼败诉案件，程序问题系败诉原因" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{confirmed}");
    assert_eq!(confirmed["grade_label_zh"], "不合格");
    let task_id = confirmed["task_id"].as_str().unwrap().to_owned();
    let (status, task) = f.market.get(&format!("/api/tasks/{task_id}")).await;
    assert_eq!(status, StatusCode::OK, "{task}");
    assert!(
        task["title"]
            .as_str()
            .unwrap()
            .contains("上市监罚〔2025〕12号"),
        "{task}"
    );
    assert_eq!(task["state"], "dispatched", "{task}");

    // The township's file: the market department scores nothing (100, 优秀); the township
    // does not answer; once its time has passed it can no longer, and the bureau confirms.
    let (status, body) = command(bureau, &id, "conclude", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        body["error"]["reason"], "review.conclude_all_confirmed",
        "{body}"
    );
    let (status, scored) = file_command(&f.market, &id, &township_file, "submit", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{scored}");
    assert_eq!(scored["result"]["total"], 100.0, "{scored}");
    f.clock.advance_ms(10 * DAY_MS);
    let (status, body) = file_command(
        &f.township,
        &id,
        &township_file,
        "answer",
        json!({ "answer": "无异议" }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        body["error"]["reason"], "review_file.answer_too_late",
        "{body}"
    );
    let (status, confirmed) = file_command(
        bureau,
        &id,
        &township_file,
        "confirm",
        json!({ "grade": "excellent" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{confirmed}");
    assert_eq!(confirmed["task_id"], Value::Null);

    // The region's figures: the market department's file reviewed and failed.
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
    assert_eq!(market["files_failed"], 1, "{market}");
    // The files behind those figures, as the bureau lists them; the market department lists
    // its own; the sibling county's bureau reads none.
    let listed = |page: &Value| -> Vec<(String, String)> {
        page["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                assert_eq!(r["review_id"], id.as_str(), "{r}");
                let file = &r["file"];
                (
                    file["id"].as_str().unwrap().to_owned(),
                    file["grade"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let market_org = f.world.org("market");
    let township_org = f.world.org("township");
    let sibling = f.signed_in("sibling-bureau").await;
    for (api, path, want) in [
        (
            bureau,
            format!("org={market_org}"),
            vec![(market_file.clone(), "fail")],
        ),
        (
            bureau,
            format!("org={market_org}&failed=true"),
            vec![(market_file.clone(), "fail")],
        ),
        (
            bureau,
            format!("org={township_org}"),
            vec![(township_file.clone(), "excellent")],
        ),
        (bureau, format!("org={township_org}&failed=true"), vec![]),
        (
            &city,
            format!("org={market_org}"),
            vec![(market_file.clone(), "fail")],
        ),
        (
            &f.market,
            String::new(),
            vec![(market_file.clone(), "fail")],
        ),
        (&sibling, format!("org={market_org}"), vec![]),
        (
            bureau,
            format!("org={market_org}&from=2020-01-01&to=2020-12-31"),
            vec![],
        ),
    ] {
        let (status, page) = api.get(&format!("/api/reviews/files?{path}")).await;
        assert_eq!(status, StatusCode::OK, "{path}: {page}");
        let want: Vec<(String, String)> =
            want.into_iter().map(|(f, g)| (f, g.to_owned())).collect();
        assert_eq!(listed(&page), want, "{path}: {page}");
    }
    let (status, body) = bureau.get("/api/reviews/files?from=2026-13-01").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    // The city bureau reads every file and acts on none.
    let seen = file_of(&city, &id, &market_file).await;
    assert_eq!(seen["grade"], "fail");
    let (status, _) = command(&city, &id, "conclude", json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, concluded) = command(bureau, &id, "conclude", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{concluded}");
    assert_eq!(concluded["state"], "summarising");

    // The signed summary files the results with the city bureau (报备): every file's score
    // and confirmed grade are in what is signed.
    let summary = format!("{page}/summary");
    let (status, body) = sign_alone(&f.market, &summary).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    write_summary(
        &f,
        bureau,
        planned["summary_doc_id"].as_str().unwrap(),
        "本次交叉评查共评查案卷 2 件，不合格 1 件，已责令整改。",
    )
    .await;
    let (status, signed) = sign_alone(bureau, &summary).await;
    assert_eq!(status, StatusCode::OK, "{signed}");
    assert_eq!(signed["state"], "signed", "{signed}");
    let (_, summarised) = bureau.get(&page).await;
    assert_eq!(summarised["state"], "summarised", "{summarised}");
    assert_eq!(
        summarised["reported_to_name"], "杭州市司法局",
        "{summarised}"
    );
    let (status, content) = city
        .get(&format!("{summary}/versions/1/content.json"))
        .await;
    assert_eq!(status, StatusCode::OK, "{content}");
    assert_eq!(content["schema"], "concord.review-summary/1");
    assert_eq!(content["registered"], 2, "{content}");
    let results: Vec<(&str, &str, &str)> = content["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["case_number"].as_str().unwrap(),
                f["score"].as_str().unwrap(),
                f["grade"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(results.len(), 2, "{content}");
    assert!(
        results.contains(&("湖滨执罚〔2025〕3号", "100", "excellent")),
        "{results:?}"
    );
    assert!(
        results
            .iter()
            .any(|(n, _, g)| *n == "上市监罚〔2025〕12号" && *g == "fail"),
        "{results:?}"
    );
    let (status, html) = city
        .get(&format!("{summary}/versions/1/review-summary.html"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let html = html.as_str().unwrap_or_default();
    assert!(html.contains("评查〔2026〕1号"), "{html}");
    assert!(html.contains("优秀 1 件，合格 0 件，不合格 1 件"), "{html}");
    let (_, inbox) = city.get("/api/notices?box=received").await;
    let filed = inbox["notices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["about"]["review_id"] == id.as_str())
        .cloned()
        .unwrap_or_else(|| panic!("no notice filing the review in {inbox}"));
    assert_eq!(filed["requires_ack"], true, "{filed}");
    assert!(
        filed["body"].as_str().unwrap().contains("不合格 1 件"),
        "{filed}"
    );
    let (status, _) = command(bureau, &id, "conclude", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_cross_review_scores_live_takes_answers_and_turns_a_failing_file_into_a_task_on_sqlite() {
    a_cross_review_scores_live_takes_answers_and_turns_a_failing_file_into_a_task(
        fixture_on(None).await,
    )
    .await;
}

#[tokio::test]
async fn a_cross_review_scores_live_takes_answers_and_turns_a_failing_file_into_a_task_on_postgres()
{
    a_cross_review_scores_live_takes_answers_and_turns_a_failing_file_into_a_task(
        fixture_on(Some(fresh_database_url().await)).await,
    )
    .await;
}

/// `PUT /api/reviews/{id}/files/{file}/reviewers` naming `user_ids` at the file's revision
/// `api` reads now.
async fn name_reviewers(
    api: &Api,
    id: &str,
    file_id: &str,
    user_ids: Value,
) -> (StatusCode, Value) {
    let file = file_of(api, id, file_id).await;
    let body = json!({ "revision": file["revision"], "user_ids": user_ids });
    api.put(
        &format!("/api/reviews/{id}/files/{file_id}/reviewers"),
        body,
    )
    .await
}

/// The access a ticket for `doc_id` gives `api`.
async fn ticket_access(api: &Api, doc_id: &str) -> String {
    let (status, ticket) = api
        .post(&format!("/api/docs/{doc_id}/ticket"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{ticket}");
    ticket["access"].as_str().unwrap().to_owned()
}

/// The market department (评查单位 of the township's file) has two people: its admin names
/// himself the file's reviewer (评查人). Bad lists first (a member naming, an unknown person, a
/// person of another body, three people: 403 and 400 in Chinese, nothing changed); then the
/// member's open socket on the sheet loses write at once, only the named admin submits, and
/// naming after the submission is refused (409).
async fn named_reviewers_alone_write_the_sheet_and_submit_it(f: Fixture) {
    let bureau = &f.convener;
    let admin = f.signed_in("market-admin").await;
    let (status, planned) = bureau.post("/api/reviews", plan_body(&f, json!({}))).await;
    assert_eq!(status, StatusCode::CREATED, "{planned}");
    let id = planned["id"].as_str().unwrap().to_owned();
    let (status, _) = command(bureau, &id, "launch", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = register(&f.market, &id, "上市监罚〔2025〕12号", json!({})).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, file) = register(&f.township, &id, "湖滨执罚〔2025〕3号", json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    let file_id = file["id"].as_str().unwrap().to_owned();
    let (status, _) = command(bureau, &id, "draw", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let drawn = file_of(&admin, &id, &file_id).await;
    assert_eq!(drawn["reviewer_org_id"], f.world.org("market"), "{drawn}");
    assert_eq!(drawn["reviewers"], json!([]));
    let sheet_id = drawn["sheet_doc_id"].as_str().unwrap().to_owned();

    // Before anyone is named, the whole body writes; the member holds the sheet open.
    assert_eq!(ticket_access(&f.market, &sheet_id).await, "write");
    let member = TestClient::connect(&ticket(&f, &f.market, &sheet_id).await.unwrap()).await;
    member.synced().await;
    mark(&member, "archive.late", 1);
    // Stored before the naming below (a busy machine may hold the frame back otherwise).
    member.ask_saved();
    member
        .wait_until("the member's mark stored", |c| c.seen().answers >= 2)
        .await;

    let market_admin = f.world.users["market-admin"].clone();
    let cases = [
        (
            &f.market,
            json!([market_admin]),
            StatusCode::FORBIDDEN,
            "review_file.name_by_admin",
        ),
        (
            &admin,
            json!(["no-such-person"]),
            StatusCode::BAD_REQUEST,
            "review_file.reviewer_unknown",
        ),
        (
            &admin,
            json!([f.world.users["township"]]),
            StatusCode::BAD_REQUEST,
            "review_file.reviewer_of_body",
        ),
        (
            &admin,
            json!([
                market_admin,
                f.world.users["market"],
                f.world.users["police"]
            ]),
            StatusCode::BAD_REQUEST,
            "review_file.reviewers_count",
        ),
        (
            &admin,
            json!([]),
            StatusCode::BAD_REQUEST,
            "review_file.reviewers_count",
        ),
        (
            bureau,
            json!([market_admin]),
            StatusCode::FORBIDDEN,
            "review_file.name_by_admin",
        ),
    ];
    for (api, people, expected, reason) in cases {
        let (status, body) = name_reviewers(api, &id, &file_id, people.clone()).await;
        assert_eq!(status, expected, "{people} {body}");
        // A catalogued reason: its Chinese sentence is what a zh-CN client reads.
        assert_eq!(body["error"]["reason"], reason, "{people} {body}");
    }
    let unchanged = file_of(&admin, &id, &file_id).await;
    assert_eq!(unchanged["revision"], drawn["revision"]);
    assert_eq!(unchanged["reviewers"], json!([]));

    // Named: the admin alone writes; the member's open socket loses write at once (its
    // re-check runs as the naming is announced: the test waits for it rather than guessing).
    let changed_before = read_metric(&f.server, WS_ACCESS_CHANGED).await;
    let (status, named) = name_reviewers(&admin, &id, &file_id, json!([market_admin])).await;
    assert_eq!(status, StatusCode::OK, "{named}");
    assert_eq!(
        named["reviewers"],
        json!([{ "user_id": market_admin, "name": "market-admin 同志" }])
    );
    let seen = file_of(bureau, &id, &file_id).await;
    assert_eq!(seen["reviewers"][0]["name"], "market-admin 同志", "{seen}");
    assert_eq!(ticket_access(&f.market, &sheet_id).await, "read");
    assert_eq!(ticket_access(&admin, &sheet_id).await, "write");
    crate::ops::wait_for_metric(
        &f.server,
        WS_ACCESS_CHANGED,
        "the member's open socket re-checked to read-only",
        |n| n > changed_before,
    )
    .await;
    mark(&member, "procedure.signature", 3);
    member
        .wait_until("refused as read-only", |c| !c.seen().denied.is_empty())
        .await;
    let writer = TestClient::connect(&ticket(&f, &admin, &sheet_id).await.unwrap()).await;
    writer.synced().await;
    assert_eq!(
        count_in(&writer, "archive.late"),
        Some(1),
        "written before the naming"
    );
    mark(&writer, "evidence.missing", 1);
    let reader = TestClient::connect(&ticket(&f, bureau, &sheet_id).await.unwrap()).await;
    reader
        .wait_until("the named reviewer's mark", |c| {
            count_in(c, "evidence.missing") == Some(1)
        })
        .await;
    assert_eq!(
        count_in(&reader, "procedure.signature"),
        None,
        "the member's mark never lands"
    );

    // Only the named reviewer submits; the member is offered no submit.
    let offered = file_of(&f.market, &id, &file_id).await;
    let submit = offered["commands"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["command"] == "submit")
        .cloned()
        .unwrap();
    assert_eq!(submit["allowed"], false, "{submit}");
    let (status, body) = file_command(&f.market, &id, &file_id, "submit", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        body["error"]["reason"], "review_file.submit_by_named",
        "{body}"
    );
    let (status, submitted) = file_command(&admin, &id, &file_id, "submit", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{submitted}");
    assert_eq!(submitted["state"], "submitted");

    // Once submitted, nobody is named any more.
    let (status, body) =
        name_reviewers(&admin, &id, &file_id, json!([f.world.users["market"]])).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        body["error"]["reason"], "review_file.name_when_scoring",
        "{body}"
    );
    let after = file_of(&admin, &id, &file_id).await;
    assert_eq!(after["revision"], submitted["revision"]);
    assert_eq!(after["reviewers"][0]["user_id"], market_admin.as_str());
}

#[tokio::test]
async fn named_reviewers_alone_write_the_sheet_and_submit_it_on_sqlite() {
    named_reviewers_alone_write_the_sheet_and_submit_it(fixture_on(None).await).await;
}

#[tokio::test]
async fn named_reviewers_alone_write_the_sheet_and_submit_it_on_postgres() {
    named_reviewers_alone_write_the_sheet_and_submit_it(
        fixture_on(Some(fresh_database_url().await)).await,
    )
    .await;
}

/// A random sample: the priority file always, and the others by the recorded seed, which
/// anyone can check by ranking SHA-256 of `seed:id`.
#[tokio::test]
async fn a_random_sample_can_be_drawn_again_from_its_recorded_seed() {
    let f = fixture_on(None).await;
    let bureau = &f.convener;
    let (status, planned) = bureau
        .post(
            "/api/reviews",
            plan_body(
                &f,
                json!({ "kind": "random", "sample_per_body": 2,
                        "reviewed_org_ids": [f.world.org("market")], "reviewer_org_ids": [] }),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{planned}");
    let id = planned["id"].as_str().unwrap().to_owned();
    command(bureau, &id, "launch", json!({})).await;
    let mut ids = Vec::new();
    for n in 0..6 {
        let extra = json!({ "procuratorial": n == 4 });
        let (status, file) =
            register(&f.market, &id, &format!("上市监罚〔2025〕{n}号"), extra).await;
        assert_eq!(status, StatusCode::CREATED, "{file}");
        ids.push((file["id"].as_str().unwrap().to_owned(), n == 4));
    }
    let (status, drawn) = command(bureau, &id, "draw", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{drawn}");
    let seed = drawn["seed"].as_str().unwrap();
    let mut ranked: Vec<(String, String)> = ids
        .iter()
        .filter(|(_, priority)| !priority)
        .map(|(id, _)| {
            let rank = hex::encode(Sha256::digest(format!("{seed}:{id}").as_bytes()));
            (rank, id.clone())
        })
        .collect();
    ranked.sort();
    let mut expected: Vec<String> = ranked.into_iter().take(2).map(|(_, id)| id).collect();
    expected.push(ids[4].0.clone());
    expected.sort();
    let mut scoring: Vec<String> = drawn["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["state"] == "scoring")
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect();
    scoring.sort();
    assert_eq!(scoring, expected, "{drawn}");
    let not_drawn = drawn["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["state"] == "not_drawn")
        .count();
    assert_eq!(not_drawn, 3);
    // No reviewing bodies named: the bureau scores them.
    assert!(drawn["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["state"] == "scoring")
        .all(|f| f["reviewer_name"] == "上城区司法局"));
}

#[tokio::test]
async fn a_bureau_plans_with_the_shipped_sheet_adjusted_and_the_review_keeps_its_copy() {
    let f = fixture_on(None).await;
    let bureau = &f.convener;
    // The default sheet served is the one that ships, in the shape a plan takes.
    let (status, served) = bureau.get("/api/reviews/sheets/default").await;
    assert_eq!(status, StatusCode::OK, "{served}");
    let shipped: Sheet = serde_json::from_str(include_str!(
        "../../server/src/domain/review_sheet_default.json"
    ))
    .unwrap();
    let parsed: Sheet = serde_json::from_value(served.clone()).unwrap();
    assert_eq!(parsed, shipped);
    // Nobody but a bureau or an enforcement department plans with it.
    let (status, body) = f.police.get("/api/reviews/sheets/default").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["reason"], "review.read_sheets", "{body}");

    let (_, by_default) = bureau.post("/api/reviews", plan_body(&f, json!({}))).await;
    // Adjusted: renamed, a new version, one item worth more, one item dropped from its group
    // (15 points: 优秀 from 80 of the 92.5 left).
    let mut adjusted = served.clone();
    adjusted["name"] = json!("上城区行政处罚案卷评查表");
    adjusted["version"] = json!(2);
    adjusted["groups"][0]["items"][1]["points"] = json!(7.5);
    let dropped = adjusted["groups"][1]["items"]
        .as_array_mut()
        .unwrap()
        .pop()
        .unwrap();
    adjusted["excellent"] = json!(80);
    let (status, planned) = bureau
        .post("/api/reviews", plan_body(&f, json!({ "sheet": adjusted })))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{planned}");
    let (_, stored) = bureau
        .get(&format!("/api/reviews/{}", planned["id"].as_str().unwrap()))
        .await;
    let kept: Sheet = serde_json::from_value(stored["sheet"].clone()).unwrap();
    assert_eq!(kept, serde_json::from_value::<Sheet>(adjusted).unwrap());
    assert_eq!(kept.name, "上城区行政处罚案卷评查表");
    assert!(kept.items().all(|i| i.id != dropped["id"]));
    assert_eq!(by_default["sheet_sha256"].as_str().unwrap().len(), 64);
    assert_ne!(
        stored["sheet_sha256"], by_default["sheet_sha256"],
        "{stored}"
    );
    let json = serde_json::to_string(&kept).unwrap();
    assert_eq!(
        stored["sheet_sha256"],
        hex::encode(Sha256::digest(json.as_bytes())),
        "the digest is of the copy kept"
    );
}

#[tokio::test]
async fn bad_review_requests_are_refused_with_the_rule_and_change_nothing() {
    let f = fixture_on(None).await;
    let bureau = &f.convener;
    let cases = [
        (
            json!({ "kind": "cross", "reviewer_org_ids": [f.world.org("market")] }),
            "review.cross_needs_reviewers",
        ),
        (json!({ "kind": "random" }), "review.sample_needed"),
        (json!({ "answer_working_days": 0 }), "review.answer_days"),
        (json!({ "register_working_days": 0 }), "review.stage_days"),
        (json!({ "score_working_days": 61 }), "review.stage_days"),
        (json!({ "reviewed_org_ids": [] }), "review.reviews_bodies"),
        (
            json!({ "reviewed_org_ids": [f.world.org("ningbo-bureau")] }),
            "review.body_of_region",
        ),
        (json!({ "starts_on": "2025-13-01" }), "campaign.not_a_date"),
        (json!({ "kind": "thorough" }), "kind"),
        (
            json!({ "sheet": { "name": "表", "version": 1, "groups": [], "excellent": 90, "pass": 60 } }),
            "review_sheet.empty",
        ),
        (
            json!({ "sheet": { "name": "表", "version": 1, "groups": [], "excellent": 90.55, "pass": 60 } }),
            "one decimal",
        ),
    ];
    for (extra, says) in cases {
        let (status, body) = bureau
            .post("/api/reviews", plan_body(&f, extra.clone()))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{extra}: {body}");
        assert!(says_or_is(&body, says), "{extra}: {body}");
    }
    // Only a judicial bureau or an enforcement department organises one (the market
    // department's field leaves the township out: the `a_department_…` tests below).
    let (status, body) = f
        .police
        .post("/api/reviews", plan_body(&f, json!({})))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["reason"], "review.made_by_an_organiser");
    let (_, listed) = bureau.get("/api/reviews").await;
    assert_eq!(listed["reviews"], json!([]), "{listed}");

    let (_, planned) = bureau.post("/api/reviews", plan_body(&f, json!({}))).await;
    let id = planned["id"].as_str().unwrap().to_owned();
    // Illegal transitions, a stale revision, a withdrawal without reasons.
    let (status, body) = command(bureau, &id, "draw", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        body["error"]["reason"], "review.draw_when_registering",
        "{body}"
    );
    let (status, body) = bureau
        .post(
            &format!("/api/reviews/{id}/actions"),
            json!({ "command": "launch", "revision": 9 }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["reason"], "review.stale", "{body}");
    let (status, _) = command(bureau, &id, "withdraw", json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, body) = send_bytes(
        bureau,
        Method::POST,
        &format!("/api/reviews/{id}/actions"),
        Some("application/json"),
        br#"{"command": "#.to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (_, unchanged) = bureau.get(&format!("/api/reviews/{id}")).await;
    assert_eq!(unchanged["state"], "planned");
    assert_eq!(unchanged["revision"], planned["revision"]);
    let (status, _) = bureau.get("/api/reviews/no-such-review").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Launched, drawn with nothing registered: refused, still registering.
    command(bureau, &id, "launch", json!({})).await;
    let (status, body) = command(bureau, &id, "draw", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["reason"], "review.nothing_drawn", "{body}");
    let (status, file) = register(&f.market, &id, "上市监罚〔2025〕1号", json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    let file_id = file["id"].as_str().unwrap().to_owned();
    let (status, body) = register(
        &f.market,
        &id,
        "上市监罚〔2025〕2号",
        json!({ "case_kind": "fine" }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    command(bureau, &id, "draw", json!({})).await;

    // A mark that names no deduction of the sheet: the submission is refused and the sheet
    // stays open for the reviewers to mend.
    let sheet_id = file_of(bureau, &id, &file_id).await["sheet_doc_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let url = ticket(&f, &f.township, &sheet_id).await.unwrap();
    let client = TestClient::connect(&url).await;
    client.synced().await;
    mark(&client, "no.such.deduction", 1);
    let reader = TestClient::connect(&ticket(&f, bureau, &sheet_id).await.unwrap()).await;
    reader
        .wait_until("the bad mark stored", |c| {
            count_in(c, "no.such.deduction") == Some(1)
        })
        .await;
    let (status, body) = file_command(&f.township, &id, &file_id, "submit", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        body["error"]["reason"], "review_sheet.mark_unknown",
        "{body}"
    );
    assert_eq!(file_of(bureau, &id, &file_id).await["state"], "scoring");
    mark(&client, "no.such.deduction", 0);
    mark(&client, "documents.format", 1);
    reader
        .wait_until("the mended marks stored", |c| {
            count_in(c, "documents.format") == Some(1)
        })
        .await;
    // A count that is not a whole number.
    mark_number(&client, "archive.late", 1.5);
    reader
        .wait_until("the fractional count stored", |c| {
            let doc = c.doc();
            let map = doc.get_or_insert_map("deductions");
            let txn = doc.transact();
            matches!(map.get(&txn, "archive.late"), Some(yrs::Out::Any(yrs::Any::Number(n))) if n.as_f64() == Some(1.5))
        })
        .await;
    let (status, body) = file_command(&f.township, &id, &file_id, "submit", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["reason"], "review_sheet.mark_count", "{body}");
    mark(&client, "archive.late", 0);
    reader
        .wait_until("the count mended", |c| {
            count_in(c, "archive.late") == Some(0)
        })
        .await;
    let (status, body) = file_command(&f.township, &id, &file_id, "submit", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["result"]["total"], 97.5, "{body}");
    // An unknown file; a stale file revision; a command twice.
    let (status, _) = f
        .township
        .post(
            &format!("/api/reviews/{id}/files/no-such-file/actions"),
            json!({ "command": "submit", "revision": 1 }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = f
        .market
        .post(
            &format!("/api/reviews/{id}/files/{file_id}/actions"),
            json!({ "command": "answer", "revision": 1, "answer": "有异议" }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["reason"], "review_file.stale", "{body}");
    let (status, body) = file_command(&f.township, &id, &file_id, "submit", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        body["error"]["reason"], "review_file.submit_when_scoring",
        "{body}"
    );
}

fn mark_number(client: &TestClient, deduction: &str, count: f64) {
    let doc = client.doc();
    let deductions = doc.get_or_insert_map("deductions");
    let update = {
        let mut txn = doc.transact_mut();
        deductions.insert(&mut txn, deduction, count);
        txn.encode_update_v1()
    };
    send_update(client, update);
}

// ---- a department's review of its own field (issue 23: "organised by a bureau, or a
// department's supervision body for its own field") ----

/// Adds a unit `code` (`name`, of `kind`, in `region`) under the market department
/// (`parent_id`), with one person, user name `code`, who signs in with the test password.
async fn add_unit(f: &Fixture, code: &str, name: &str, kind: OrgKind, region: &str) -> String {
    let db = open_db(&f.server, f.database_url.as_deref()).await;
    let event = || AuditEvent {
        at: now_unix_ms(),
        actor_user_id: None,
        actor_org_id: None,
        action: "org_created".into(),
        target: String::new(),
        detail: json!({}),
        ip: None,
    };
    let org = db
        .create_org(
            &NewOrg {
                code: OrgCode::parse(code).unwrap(),
                name_zh: Name::parse(name).unwrap(),
                name_en: None,
                kind,
                region: RegionCode::parse(region).unwrap(),
                parent_id: Some(f.world.org("market").to_owned()),
            },
            &event(),
        )
        .await
        .unwrap();
    db.create_user(
        &NewUser {
            org_id: Some(org.id.clone()),
            username: Some(Username::parse(code).unwrap()),
            display_name: Name::parse(&format!("{code} 同志")).unwrap(),
            org_role: OrgRole::Member,
            operator: false,
            password_hash: Some(server::auth::password::hash_blocking(PASSWORD).unwrap()),
            oidc_issuer: None,
            oidc_subject: None,
        },
        &event(),
    )
    .await
    .unwrap();
    db.close().await;
    org.id
}

/// The market department's field: its law-enforcement squad (上城区) and its market
/// supervision station in the township, both under it by `parent_id`.
struct Field {
    squad: String,
    station: String,
    squad_api: Api,
    station_api: Api,
}

async fn field_of_market(f: &Fixture) -> Field {
    let squad = add_unit(
        f,
        "market-squad",
        "上城区市场监管执法大队",
        OrgKind::Other,
        "330102",
    )
    .await;
    let station = add_unit(
        f,
        "market-station",
        "湖滨市场监督管理所",
        OrgKind::Other,
        "330102001",
    )
    .await;
    Field {
        squad,
        station,
        squad_api: f.signed_in("market-squad").await,
        station_api: f.signed_in("market-station").await,
    }
}

/// The notices of `api`'s body received about review `id`.
async fn notices_about(api: &Api, id: &str) -> Vec<Value> {
    let (status, inbox) = api.get("/api/notices?box=received").await;
    assert_eq!(status, StatusCode::OK, "{inbox}");
    inbox["notices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["about"]["review_id"] == id)
        .cloned()
        .collect()
}

async fn a_department_reviews_its_own_field_and_files_the_summary_with_its_region_s_bureau(
    f: Fixture,
) {
    let field = field_of_market(&f).await;
    let dept = &f.market;
    let county = &f.convener;
    let city = f.signed_in("city-bureau").await;
    let sibling = f.signed_in("sibling-bureau").await;
    let market = f.world.org("market").to_owned();
    // The department plans with the shipped sheet, as a bureau does.
    let (status, sheet) = dept.get("/api/reviews/sheets/default").await;
    assert_eq!(status, StatusCode::OK, "{sheet}");

    // A cross review of the department itself and its two units, each reviewing the others.
    let bodies = json!([market, field.squad, field.station]);
    let (status, planned) = dept
        .post(
            "/api/reviews",
            plan_body(
                &f,
                json!({ "title": "2025年度市场监管执法案卷交叉评查",
                        "reviewed_org_ids": bodies, "reviewer_org_ids": bodies }),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{planned}");
    assert_eq!(planned["party"], "organiser");
    assert_eq!(planned["bureau_name"], "上城区市场监督管理局");
    let id = planned["id"].as_str().unwrap().to_owned();
    let page = format!("/api/reviews/{id}");

    // The bureau of its region and the one above read it; the sibling county's does not.
    for api in [county, &city] {
        let (status, seen) = api.get(&page).await;
        assert_eq!(status, StatusCode::OK, "{seen}");
        assert_eq!(seen["party"], "supervisor", "{seen}");
        let (_, listed) = api.get("/api/reviews").await;
        assert!(
            listed["reviews"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["id"] == id.as_str()),
            "{listed}"
        );
    }
    let (status, _) = sibling.get(&page).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, listed) = sibling.get("/api/reviews").await;
    assert!(
        listed["reviews"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["id"] != id.as_str()),
        "{listed}"
    );
    let (status, _) = command(county, &id, "launch", json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Launched: the units are told and tasked; the department stays the organiser and sets
    // itself no task.
    let (status, launched) = command(dept, &id, "launch", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{launched}");
    assert_eq!(launched["party"], "organiser", "{launched}");
    for api in [&field.squad_api, &field.station_api] {
        let told = notices_about(api, &id).await;
        assert_eq!(told.len(), 1, "{told:?}");
        assert!(
            told[0]["body"]
                .as_str()
                .unwrap()
                .contains("上城区市场监督管理局决定开展交叉评查"),
            "{told:?}"
        );
        let task = stage_task(api, &id, "登记结案案卷").await;
        assert_eq!(task["setter_org_id"], market.as_str(), "{task}");
    }
    let (_, assigned) = dept.get("/api/tasks?list=assigned&limit=200").await;
    assert!(
        assigned["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["source_ref"] != format!("review:{id}")),
        "{assigned}"
    );

    // Each body registers a closed file, the department too.
    let mut files = Vec::new();
    for (api, number) in [
        (dept, "上市监罚〔2025〕21号"),
        (&field.squad_api, "上市监队罚〔2025〕5号"),
        (&field.station_api, "湖滨市监罚〔2025〕2号"),
    ] {
        let (status, file) = register(api, &id, number, json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "{file}");
        files.push(file["id"].as_str().unwrap().to_owned());
    }

    // The draw: every file goes to another body of the field, never its own.
    let (status, drawn) = command(dept, &id, "draw", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{drawn}");
    let drawn_files = drawn["files"].as_array().unwrap();
    assert_eq!(drawn_files.len(), 3, "{drawn}");
    for file in drawn_files {
        assert_eq!(file["state"], "scoring", "{file}");
        assert_ne!(file["reviewer_org_id"], file["org_id"], "{file}");
    }
    // Each reviewing body scores what it was given (nothing deducted: 100).
    let api_of = |org: &Value| -> &Api {
        if org == market.as_str() {
            dept
        } else if org == field.squad.as_str() {
            &field.squad_api
        } else {
            &field.station_api
        }
    };
    for file in drawn_files {
        let file_id = file["id"].as_str().unwrap();
        let (status, scored) = file_command(
            api_of(&file["reviewer_org_id"]),
            &id,
            file_id,
            "submit",
            json!({}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{scored}");
        assert_eq!(scored["result"]["total"], 100.0, "{scored}");
    }

    // Once the time to answer has passed, the department confirms: its own file and the
    // squad's 不合格 (reasons given). The squad's becomes the squad's rectification task; the
    // department's own is its own business (no task to itself).
    f.clock.advance_ms(10 * DAY_MS);
    let reason = json!({ "grade": "fail", "reason": "卷内文书缺少送达回证" });
    let (status, own) = file_command(dept, &id, &files[0], "confirm", reason.clone()).await;
    assert_eq!(status, StatusCode::OK, "{own}");
    assert_eq!(own["task_id"], Value::Null, "{own}");
    let (status, squads) = file_command(dept, &id, &files[1], "confirm", reason).await;
    assert_eq!(status, StatusCode::OK, "{squads}");
    let task_id = squads["task_id"].as_str().unwrap();
    let (status, task) = field.squad_api.get(&format!("/api/tasks/{task_id}")).await;
    assert_eq!(status, StatusCode::OK, "{task}");
    assert_eq!(task["assignee_org_id"], field.squad.as_str(), "{task}");
    let (status, body) = file_command(
        dept,
        &id,
        &files[2],
        "confirm",
        json!({ "grade": "excellent" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // The department, as organiser, makes the station's file a typical case (典型案例); the
    // bureau reading the review may not.
    let typical = json!({ "title": "某超市销售过期食品案", "field": "食品安全", "legal_basis": "食品安全法" });
    let library = format!("{page}/files/{}/library", files[2]);
    let (status, body) = county.post(&library, typical.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["reason"], "library.by_the_bureau", "{body}");
    let (status, case) = dept.post(&library, typical).await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    assert_eq!(case["party"], "bureau", "{case}");

    // The region's figures count the files by the body reviewed, whoever organised.
    let (status, figures) = county.get("/api/figures?region=330102").await;
    assert_eq!(status, StatusCode::OK, "{figures}");
    let row = |org: &str| {
        figures["bodies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["org_id"] == org)
            .cloned()
            .unwrap_or_else(|| panic!("no {org} in {figures}"))
    };
    for (org, reviewed, failed) in [
        (market.as_str(), 1, 1),
        (field.squad.as_str(), 1, 1),
        (field.station.as_str(), 1, 0),
    ] {
        let body = row(org);
        assert_eq!(body["files_reviewed"], reviewed, "{body}");
        assert_eq!(body["files_failed"], failed, "{body}");
    }
    let (status, listed) = county
        .get(&format!(
            "/api/reviews/files?org={}&failed=true",
            field.squad
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert_eq!(
        listed["files"][0]["file"]["id"],
        files[1].as_str(),
        "{listed}"
    );
    let (_, listed) = sibling
        .get(&format!("/api/reviews/files?org={}", field.squad))
        .await;
    assert_eq!(listed["files"], json!([]), "{listed}");

    // Concluded, summarised and signed by the department: filed (报备) with 上城区司法局, the
    // bureau of its own region, as a notice requiring 签收; the city bureau is not its recipient.
    let (status, concluded) = command(dept, &id, "conclude", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{concluded}");
    let summary = format!("{page}/summary");
    let (status, body) = sign_alone(county, &summary).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    write_summary(
        &f,
        dept,
        planned["summary_doc_id"].as_str().unwrap(),
        "本次交叉评查共评查案卷 3 件，不合格 2 件，已整改。",
    )
    .await;
    let (status, signed) = sign_alone(dept, &summary).await;
    assert_eq!(status, StatusCode::OK, "{signed}");
    let (_, summarised) = dept.get(&page).await;
    assert_eq!(summarised["state"], "summarised", "{summarised}");
    assert_eq!(
        summarised["reported_to_org_id"],
        f.world.org("county-bureau"),
        "{summarised}"
    );
    assert_eq!(
        summarised["reported_to_name"], "上城区司法局",
        "{summarised}"
    );
    let filed = notices_about(county, &id).await;
    assert_eq!(filed.len(), 1, "{filed:?}");
    assert_eq!(filed[0]["requires_ack"], true, "{filed:?}");
    assert_eq!(filed[0]["sender_org_id"], market.as_str(), "{filed:?}");
    assert!(
        filed[0]["body"].as_str().unwrap().contains("不合格 2 件"),
        "{filed:?}"
    );
    assert!(notices_about(&city, &id).await.is_empty());
    let (status, content) = county
        .get(&format!("{summary}/versions/1/content.json"))
        .await;
    assert_eq!(status, StatusCode::OK, "{content}");
    assert_eq!(content["schema"], "concord.review-summary/1");
    assert_eq!(content["registered"], 3, "{content}");
    let (status, _) = sibling
        .get(&format!("{summary}/versions/1/content.json"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_department_reviews_its_own_field_and_files_the_summary_with_its_region_s_bureau_on_sqlite(
) {
    a_department_reviews_its_own_field_and_files_the_summary_with_its_region_s_bureau(
        fixture_on(None).await,
    )
    .await;
}

#[tokio::test]
async fn a_department_reviews_its_own_field_and_files_the_summary_with_its_region_s_bureau_on_postgres(
) {
    a_department_reviews_its_own_field_and_files_the_summary_with_its_region_s_bureau(
        fixture_on(Some(fresh_database_url().await)).await,
    )
    .await;
}

async fn a_department_naming_a_body_outside_its_field_is_refused_and_nothing_is_stored(f: Fixture) {
    let field = field_of_market(&f).await;
    let dept = &f.market;
    let market = f.world.org("market").to_owned();
    let plan = |reviewed: Value, reviewers: Value| {
        plan_body(
            &f,
            json!({ "kind": "comprehensive", "reviewed_org_ids": reviewed,
                    "reviewer_org_ids": reviewers }),
        )
    };
    // The township is of the department's region but not of its field; the county bureau
    // supervises it; the sibling county's bureau is elsewhere altogether. Each is refused,
    // reviewed or reviewing, naming the body.
    for (reviewed, reviewers, name) in [
        (
            json!([market, f.world.org("township")]),
            json!([]),
            "湖滨街道办事处",
        ),
        (
            json!([market]),
            json!([f.world.org("township")]),
            "湖滨街道办事处",
        ),
        (
            json!([f.world.org("county-bureau")]),
            json!([]),
            "上城区司法局",
        ),
        (
            json!([field.squad, f.world.org("police")]),
            json!([]),
            "上城区公安分局",
        ),
        (
            json!([field.station]),
            json!([f.world.org("sibling-bureau")]),
            "拱墅区司法局",
        ),
    ] {
        let (status, body) = dept.post("/api/reviews", plan(reviewed, reviewers)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["error"]["reason"], "review.body_of_field", "{body}");
        assert!(says_or_is(&body, name), "{name}: {body}");
    }
    // A cross review needs two reviewing bodies of the field, as a bureau's does.
    let (status, body) = dept
        .post(
            "/api/reviews",
            plan_body(
                &f,
                json!({ "reviewed_org_ids": [market], "reviewer_org_ids": [field.squad] }),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["reason"], "review.cross_needs_reviewers");
    // A unit that is no department, and a body of another kind, organise none; nor read the
    // sheet it would plan with.
    for api in [&field.squad_api, &f.police, &f.township] {
        let (status, body) = api
            .post("/api/reviews", plan(json!([market]), json!([])))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["error"]["reason"], "review.made_by_an_organiser");
        let (status, body) = api.get("/api/reviews/sheets/default").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    }
    // Nothing was stored: no one lists a review.
    for api in [dept, &f.convener, &field.squad_api] {
        let (_, listed) = api.get("/api/reviews").await;
        assert_eq!(listed["reviews"], json!([]), "{listed}");
    }
    // The bureau keeps its own rule: the department's unit is of its region, so it may name it.
    let (status, body) = f
        .convener
        .post("/api/reviews", plan(json!([field.squad]), json!([])))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

#[tokio::test]
async fn a_department_naming_a_body_outside_its_field_is_refused_and_nothing_is_stored_on_sqlite() {
    a_department_naming_a_body_outside_its_field_is_refused_and_nothing_is_stored(
        fixture_on(None).await,
    )
    .await;
}

#[tokio::test]
async fn a_department_naming_a_body_outside_its_field_is_refused_and_nothing_is_stored_on_postgres()
{
    a_department_naming_a_body_outside_its_field_is_refused_and_nothing_is_stored(
        fixture_on(Some(fresh_database_url().await)).await,
    )
    .await;
}
