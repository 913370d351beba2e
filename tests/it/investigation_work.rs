//! The work inside a joint investigation group, against a real server on the manual clock:
//! the dossier's evidence (证据材料: added per section to the content-addressed blobs, listed
//! with names and SHA-256, downloaded, withdrawn with a reason and still listed) and the
//! lead's unified command (统一指挥: a task through the task machine, a group notice requiring
//! 签收, the board by member body); who reads which evidence; the size limit; bad input and
//! illegal states that change nothing; on SQLite and PostgreSQL.
//!
//! The groups are those of `investigations.rs`: `market` leads, `police` confirms, `township`
//! declines; `county-bureau` supervises the county, `city-bureau` is above it.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use server::config::WorkArgs;
use server::db::Db;
use server::domain::task::TaskSource;
use sha2::{Digest, Sha256};

use crate::investigations::{answer, confirm, formed, propose, section_of};
use crate::jobs::ms;
use crate::meetings::{fixture, fixture_on, Fixture};
use crate::support::api::{message, Api, World};
use crate::support::postgres::fresh_database_url;
use crate::support::server::{Options, TestServer};
use crate::tasks::send_bytes;

const STATEMENT: &[u8] = "询问笔录：当事人承认自2025年起在湖滨路仓库分装假冒食品。".as_bytes();

/// `POST /api/investigations/{id}/evidence` with the file `bytes` for `section`.
pub(crate) async fn add(
    api: &Api,
    id: &str,
    section: &Value,
    title: &str,
    bytes: &[u8],
) -> (StatusCode, Value) {
    let section = section.as_str().expect("a section id");
    send_bytes(
        api,
        Method::POST,
        &format!("/api/investigations/{id}/evidence?section={section}&title={title}&name=%E7%AC%94%E5%BD%95.txt"),
        Some("text/plain; charset=utf-8"),
        bytes.to_vec(),
    )
    .await
}

/// `bytes` sent as `api` would, asking for Chinese (the test clients ask for English): what a
/// person in the browser reads.
async fn in_chinese(
    api: &Api,
    path: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> (StatusCode, Value) {
    let mut request = api
        .client
        .post(format!("{}{path}", api.base))
        .header("accept-language", "zh-CN,zh;q=0.9,en;q=0.5")
        .header("content-type", content_type);
    if let Some(origin) = &api.origin {
        request = request.header("origin", origin);
    }
    let response = request.body(bytes).send().await.expect("request is sent");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn group(f: &Fixture, id: &str) -> Value {
    let (status, group) = f.market.get(&format!("/api/investigations/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{group}");
    group
}

/// The pieces of every section listed to `api`, by section kind and owner.
async fn listed(api: &Api, id: &str) -> (StatusCode, Value) {
    api.get(&format!("/api/investigations/{id}/evidence")).await
}

fn section<'a>(page: &'a Value, doc: &Value) -> &'a Value {
    page["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| &s["section_doc_id"] == doc)
        .unwrap_or_else(|| panic!("no section {doc} in {page}"))
}

async fn stored(f: &Fixture, id: &str) -> Vec<server::db::EvidenceRow> {
    let db: Db = f.db().await;
    db.investigation_evidence(id).await.unwrap()
}

async fn evidence_and_command_run(f: Fixture) {
    let id = formed(&f, json!({})).await;
    let g = group(&f, &id).await;
    let police_section = section_of(&g, &f, "police").clone();
    let summary = g["summary_doc_id"].clone();

    // The police add a statement to their own section; the lead the same file to the summary.
    let (status, piece) = add(&f.police, &id, &police_section, "询问笔录", STATEMENT).await;
    assert_eq!(status, StatusCode::CREATED, "{piece}");
    let sha = hex::encode(Sha256::digest(STATEMENT));
    assert_eq!(piece["sha256"], sha);
    assert_eq!(piece["size"], STATEMENT.len());
    assert_eq!(piece["title"], "询问笔录");
    assert_eq!(piece["file_name"], "笔录.txt");
    assert_eq!(piece["media_type"], "text/plain; charset=utf-8");
    assert_eq!(piece["org_name"], "上城区公安分局");
    assert_eq!(piece["added_by_name"], "police 同志");
    assert_eq!(piece["withdrawn"], false);
    let (status, lead_piece) = add(&f.market, &id, &summary, "案情材料", STATEMENT).await;
    assert_eq!(status, StatusCode::CREATED, "{lead_piece}");
    assert_eq!(lead_piece["sha256"], sha, "the same content, the same blob");

    // Every member reads every section's list; the bytes come back as they went in.
    let (status, page) = listed(&f.police, &id).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let kinds: Vec<&str> = page["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["summary", "conclusions", "body", "body"], "{page}");
    assert_eq!(
        section(&page, &summary)["pieces"][0]["id"],
        lead_piece["id"]
    );
    let own = section(&page, &police_section);
    assert_eq!(own["pieces"][0]["id"], piece["id"]);
    assert_eq!(own["add"]["allowed"], true, "{own}");
    assert_eq!(section(&page, &summary)["add"]["allowed"], false);
    let url = lead_piece["url"].as_str().unwrap();
    let (status, bytes) = send_bytes(&f.police, Method::GET, url, None, Vec::new()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes.as_str().unwrap().as_bytes(), STATEMENT);

    // Withdrawn, it stays listed, marked with who, when and why; twice is refused.
    let withdraw = format!(
        "/api/investigations/{id}/evidence/{}/withdraw",
        piece["id"].as_str().unwrap()
    );
    let (status, gone) = f
        .police
        .post(&withdraw, json!({ "reason": "笔录页码有误，另行提交" }))
        .await;
    assert_eq!(status, StatusCode::OK, "{gone}");
    assert_eq!(gone["withdrawn"], true);
    assert_eq!(gone["withdrawn_reason"], "笔录页码有误，另行提交");
    assert_eq!(gone["withdrawn_by_name"], "police 同志");
    let (_, page) = listed(&f.market, &id).await;
    let marked = &section(&page, &police_section)["pieces"][0];
    assert_eq!(marked["withdrawn"], true, "{page}");
    assert_eq!(marked["withdraw"]["allowed"], false);
    let (status, again) = f
        .police
        .post(&withdraw, json!({ "reason": "再次撤回" }))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    assert_eq!(
        again["error"]["reason"],
        "investigation.evidence_withdrawn_once"
    );
    let rows = stored(&f, &id).await;
    assert_eq!(rows.len(), 2, "withdrawn is not deleted");
    let row = |id: &Value| rows.iter().find(|r| r.id == id.as_str().unwrap()).unwrap();
    assert_eq!(
        row(&piece["id"]).withdrawn_reason.as_deref(),
        Some("笔录页码有误，另行提交")
    );
    assert!(row(&lead_piece["id"]).withdrawn_at.is_none());

    // The lead assigns a task in working days: a task of the task machine, from the group.
    let (status, task) = f
        .market
        .post(
            &format!("/api/investigations/{id}/tasks"),
            json!({
                "title": "调取湖滨路仓库监控录像",
                "body": "请调取2025年以来湖滨路仓库周边监控录像并固定证据。",
                "assignee_org_id": f.world.org("police"),
                "limit": { "unit": "working_days", "amount": 5 },
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    assert_eq!(task["source"], "investigation");
    assert_eq!(task["source_ref"], id.as_str());
    assert_eq!(task["state"], "dispatched");
    let task_id = task["id"].as_str().unwrap();
    let (status, acked) = f
        .police
        .post(
            &format!("/api/tasks/{task_id}/actions/acknowledge"),
            json!({ "revision": 1 }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{acked}");
    let db = f.db().await;
    let found = db
        .tasks_from_source(TaskSource::Investigation, &id)
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "the group's tasks are found from the group");

    // A group notice to every confirmed member, requiring 签收, about the group.
    let (status, notice) = f
        .market
        .post(
            &format!("/api/investigations/{id}/notices"),
            json!({ "title": "关于统一调查口径的通知", "body": "各成员单位对外答复统一由牵头单位负责。" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{notice}");
    assert_eq!(notice["requires_ack"], true);
    assert_eq!(notice["about"]["investigation_id"], id.as_str());
    let notice_id = notice["id"].as_str().unwrap();
    let (status, body) = f
        .police
        .post(&format!("/api/notices/{notice_id}/acknowledge"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, township_inbox) = f.township.get("/api/notices?box=received").await;
    assert!(
        !township_inbox
            .to_string()
            .contains("关于统一调查口径的通知"),
        "a body that declined is not a member: {township_inbox}"
    );

    // The board: the lead sees every body, a member its own row, a bureau nothing.
    let board_path = format!("/api/investigations/{id}/board");
    let (status, board) = f.market.get(&board_path).await;
    assert_eq!(status, StatusCode::OK, "{board}");
    let bodies = board["bodies"].as_array().unwrap();
    assert_eq!(
        bodies.len(),
        2,
        "the lead and the police; the township declined: {board}"
    );
    assert_eq!(bodies[0]["lead"], true);
    assert_eq!(
        bodies[0]["evidence"],
        json!({ "pieces": 1, "withdrawn": 0 })
    );
    let police = &bodies[1];
    assert_eq!(police["org_name"], "上城区公安分局");
    assert_eq!(police["tasks"][0]["id"], task_id);
    assert_eq!(police["tasks"][0]["state"], "acknowledged");
    assert_eq!(police["evidence"], json!({ "pieces": 0, "withdrawn": 1 }));
    let receipt = police["receipts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["notice_id"] == notice_id)
        .unwrap_or_else(|| panic!("no receipt of the group notice: {board}"));
    assert_eq!(receipt["state"], "acknowledged");
    assert_eq!(receipt["acknowledged_by_name"], "police 同志");
    assert_eq!(board["assign_task"]["allowed"], true);
    let (status, own) = f.police.get(&board_path).await;
    assert_eq!(status, StatusCode::OK, "{own}");
    assert_eq!(own["bodies"].as_array().unwrap().len(), 1);
    assert_eq!(own["bodies"][0]["org_id"], f.world.org("police"));
    assert_eq!(own["assign_task"]["allowed"], false);
    let (status, _) = f.convener.get(&board_path).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a supervising bureau reads the case, not the board"
    );
    let (status, _) = f.township.get(&board_path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn evidence_is_added_listed_downloaded_and_withdrawn_and_the_lead_commands_the_group_on_sqlite(
) {
    evidence_and_command_run(fixture().await).await;
}

#[tokio::test]
async fn evidence_is_added_listed_downloaded_and_withdrawn_and_the_lead_commands_the_group_on_postgres(
) {
    evidence_and_command_run(fixture_on(Some(fresh_database_url().await)).await).await;
}

#[tokio::test]
async fn the_bureau_a_sensitive_group_is_reported_to_reads_only_the_summary_and_conclusions_evidence(
) {
    let f = fixture().await;
    let id = formed(
        &f,
        json!({ "confidentiality": "sensitive", "public_attention": true }),
    )
    .await;
    let g = group(&f, &id).await;
    let police_section = section_of(&g, &f, "police").clone();
    let summary = g["summary_doc_id"].clone();
    let (status, lead_piece) = add(&f.market, &id, &summary, "案情材料", b"summary evidence").await;
    assert_eq!(status, StatusCode::CREATED, "{lead_piece}");
    let (status, police_piece) = add(&f.police, &id, &police_section, "询问笔录", STATEMENT).await;
    assert_eq!(status, StatusCode::CREATED, "{police_piece}");

    let (status, page) = listed(&f.convener, &id).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let sections = page["sections"].as_array().unwrap();
    assert_eq!(sections.len(), 2, "summary and conclusions only: {page}");
    assert!(!page
        .to_string()
        .contains(police_piece["id"].as_str().unwrap()));
    let (status, _) = send_bytes(
        &f.convener,
        Method::GET,
        lead_piece["url"].as_str().unwrap(),
        None,
        Vec::new(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = send_bytes(
        &f.convener,
        Method::GET,
        police_piece["url"].as_str().unwrap(),
        None,
        Vec::new(),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another section's piece is not found"
    );
    // The bureau reads; it adds nothing.
    let (status, refused) = add(&f.convener, &id, &summary, "材料", b"x").await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(
        refused["error"]["reason"],
        "investigation.evidence_by_member"
    );
    // The city bureau above is not told of a closed group, nor the township that declined.
    let city = f.signed_in("city-bureau").await;
    let (status, _) = listed(&city, &id).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = listed(&f.township, &id).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = send_bytes(
        &f.township,
        Method::GET,
        lead_piece["url"].as_str().unwrap(),
        None,
        Vec::new(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(stored(&f, &id).await.len(), 2);
}

#[tokio::test]
async fn evidence_over_the_size_limit_is_413_and_stores_nothing() {
    let limit = 4 * 1024;
    let clock = server::clock::Clock::manual(ms(time::macros::datetime!(2026-03-02 09:00 +8)));
    let server = TestServer::start_with(Options {
        clock: Some(clock.clone()),
        work: WorkArgs {
            max_attachment_bytes: limit,
            ..WorkArgs::default()
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
    let id = formed(&f, json!({})).await;
    let g = group(&f, &id).await;
    let police_section = section_of(&g, &f, "police").clone();

    let (status, refused) = add(
        &f.police,
        &id,
        &police_section,
        "录像",
        &vec![7u8; limit + 1],
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{refused}");
    assert_eq!(
        refused["error"]["reason"], "limits.file_too_large",
        "{refused}"
    );
    assert!(stored(&f, &id).await.is_empty(), "nothing stored");
    let (_, page) = listed(&f.police, &id).await;
    assert_eq!(section(&page, &police_section)["pieces"], json!([]));

    let (status, piece) = add(&f.police, &id, &police_section, "录像", &vec![7u8; limit]).await;
    assert_eq!(status, StatusCode::CREATED, "{piece}");
    assert_eq!(piece["size"], limit);
}

#[tokio::test]
async fn bad_evidence_and_commands_are_refused_in_chinese_first_with_their_reason_and_change_nothing(
) {
    let f = fixture().await;

    // A proposed group takes no evidence and no task yet.
    let proposed = propose(&f, json!({})).await;
    let pid = proposed["id"].as_str().unwrap().to_owned();
    let (status, body) = answer(&f.police, &pid, confirm()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, refused) = add(&f.market, &pid, &proposed["summary_doc_id"], "材料", b"x").await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(
        refused["error"]["reason"],
        "investigation.evidence_while_working"
    );
    let path = format!(
        "/api/investigations/{pid}/evidence?section={}",
        proposed["summary_doc_id"].as_str().unwrap()
    );
    let (status, refused) = in_chinese(&f.market, &path, "text/plain", b"x".to_vec()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert!(
        message(&refused).starts_with("只能在调查组已组建或调查中时"),
        "{refused}"
    );
    let task = json!({
        "title": "调取监控", "body": "请调取监控录像。", "assignee_org_id": f.world.org("police"),
        "limit": { "unit": "working_days", "amount": 5 },
    });
    let (status, refused) = f
        .market
        .post(&format!("/api/investigations/{pid}/tasks"), task.clone())
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(
        refused["error"]["reason"],
        "investigation.command_while_working"
    );
    assert!(stored(&f, &pid).await.is_empty());

    let id = formed(&f, json!({})).await;
    let g = group(&f, &id).await;
    let police_section = section_of(&g, &f, "police").clone();
    let market_section = section_of(&g, &f, "market").clone();
    let (status, piece) = add(&f.police, &id, &police_section, "询问笔录", STATEMENT).await;
    assert_eq!(status, StatusCode::CREATED, "{piece}");
    let piece_id = piece["id"].as_str().unwrap().to_owned();

    // Another body's section, the lead's briefing sections, a section of no group.
    for (doc, want, reason) in [
        (
            &market_section,
            StatusCode::CONFLICT,
            "investigation.evidence_own_section",
        ),
        (
            &g["summary_doc_id"],
            StatusCode::CONFLICT,
            "investigation.evidence_own_section",
        ),
        (
            &json!("no-such-section"),
            StatusCode::BAD_REQUEST,
            "investigation.no_such_section",
        ),
    ] {
        let (status, refused) = add(&f.police, &id, doc, "材料", b"not stored").await;
        assert_eq!(status, want, "{doc}: {refused}");
        assert_eq!(refused["error"]["reason"], reason, "{refused}");
    }
    let path = format!(
        "{}/evidence?section={}",
        format_args!("/api/investigations/{id}"),
        market_section.as_str().unwrap()
    );
    let (status, refused) = in_chinese(&f.police, &path, "text/plain", b"x".to_vec()).await;
    assert!(
        message(&refused).starts_with("只能向本单位负责的章节"),
        "{status} {refused}"
    );
    // A body that declined, an unknown group: not found.
    let (status, _) = add(&f.township, &id, &police_section, "材料", b"x").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = add(&f.police, "no-such-group", &police_section, "材料", b"x").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Withdrawals: unknown pieces, malformed bodies, another body's piece.
    let base = format!("/api/investigations/{id}/evidence");
    let (status, _) = f
        .police
        .post(
            &format!("{base}/no-such-piece/withdraw"),
            json!({ "reason": "撤回" }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = f.police.get(&format!("{base}/no-such-piece")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let withdraw = format!("{base}/{piece_id}/withdraw");
    let (status, refused) = send_bytes(
        &f.police,
        Method::POST,
        &withdraw,
        Some("application/json"),
        b"{\"reason\": ".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    for body in [
        json!({}),
        json!({ "reason": "" }),
        json!({ "reason": "撤回", "colour": "red" }),
    ] {
        let (status, refused) = f.police.post(&withdraw, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {refused}");
    }
    let (status, refused) = f
        .market
        .post(&withdraw, json!({ "reason": "牵头单位撤回" }))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(
        refused["error"]["reason"],
        "investigation.evidence_withdraw_own"
    );

    // Commands: only the lead, only to a confirmed member, only well-formed.
    let tasks = format!("/api/investigations/{id}/tasks");
    let (status, refused) = f.police.post(&tasks, task.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["reason"], "investigation.by_the_lead");
    let (status, refused) = in_chinese(
        &f.police,
        &tasks,
        "application/json",
        task.to_string().into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert!(message(&refused).starts_with("只有牵头单位"), "{refused}");
    let (status, refused) = f
        .police
        .post(
            &format!("/api/investigations/{id}/notices"),
            json!({ "title": "通知", "body": "内容" }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    let mut to_township = task.clone();
    to_township["assignee_org_id"] = json!(f.world.org("township"));
    let (status, refused) = f.market.post(&tasks, to_township).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(
        refused["error"]["reason"],
        "investigation.assignee_is_member"
    );
    let mut to_court = task.clone();
    to_court["assignee_org_id"] = json!(f.world.org("court"));
    let (status, refused) = f.market.post(&tasks, to_court).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(
        refused["error"]["reason"],
        "investigation.assignee_is_member"
    );
    let (status, refused) = send_bytes(
        &f.market,
        Method::POST,
        &tasks,
        Some("application/json"),
        b"{\"title\": ".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    let (status, _) = f
        .market
        .post("/api/investigations/no-such-group/tasks", task.clone())
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Nothing changed: the one piece, not withdrawn; no task; only the forming notice.
    let rows = stored(&f, &id).await;
    assert_eq!(rows.len(), 1);
    assert!(rows[0].withdrawn_at.is_none());
    let db = f.db().await;
    assert!(db
        .tasks_from_source(TaskSource::Investigation, &id)
        .await
        .unwrap()
        .is_empty());
    let notices = db
        .notices_about(&format!("investigation:{id}"))
        .await
        .unwrap();
    assert_eq!(notices.len(), 1, "the forming notice alone: {notices:?}");
}
