//! The routes the administration pages of the web client need beyond the directory's own:
//! the CSV import from the browser (`POST /api/directory/import`, with a dry run) and the
//! audit chain check (`GET /api/audit/verify`). Who may call them is in `authz_matrix.rs`;
//! here: what they answer, that a dry run and a refused import change nothing, and that the
//! refusals and the verdict are in Chinese by default.

use reqwest::header::ACCEPT_LANGUAGE;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::api::{message, open_db, Api, World};
use crate::support::server::TestServer;

async fn world() -> (TestServer, World) {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    (server, world)
}

/// The user names of an organization's people.
async fn usernames(api: &Api, org_id: &str) -> Vec<String> {
    let (status, body) = api.get(&format!("/api/orgs/{org_id}/users")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut names: Vec<String> = body["users"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| u["username"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    names
}

/// The newest row of the audit trail.
async fn audit_head(api: &Api) -> Value {
    let (status, body) = api.get("/api/audit?limit=1").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["rows"][0]["seq"].clone()
}

/// A POST whose answer is read in Chinese (the default language of the interface).
async fn post_in_chinese(api: &Api, path: &str, body: Value) -> (StatusCode, Value) {
    let response = api
        .client
        .post(format!("{}{path}", api.base))
        .header("origin", api.origin.clone().unwrap())
        .header(ACCEPT_LANGUAGE, "zh-CN")
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn an_operator_previews_an_import_which_changes_nothing_then_applies_it_once() {
    let (server, world) = world().await;
    let operator = Api::signed_in(&server, "operator").await;
    let market = world.org("market");
    let before = usernames(&operator, market).await;
    let head = audit_head(&operator).await;
    let users = "org_code,username,display_name,org_role\n\
                 market,newcomer,新来的同志,member\n\
                 market,market,市场监管局老同志,member\n";

    let (status, preview) = operator
        .post(
            "/api/directory/import",
            json!({ "users": users, "dry_run": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    assert_eq!(preview["dry_run"], true);
    assert_eq!(preview["report"]["users"]["added"], json!(["newcomer"]));
    let changed = &preview["report"]["users"]["changed"][0];
    assert_eq!(changed["key"], "market", "{preview}");
    assert_eq!(changed["fields"][0]["to"], "市场监管局老同志", "{preview}");
    // The dry run stored nothing and audited nothing.
    assert_eq!(usernames(&operator, market).await, before);
    assert_eq!(audit_head(&operator).await, head);

    let (status, applied) = operator
        .post("/api/directory/import", json!({ "users": users }))
        .await;
    assert_eq!(status, StatusCode::OK, "{applied}");
    assert_eq!(applied["dry_run"], false);
    assert_eq!(applied["report"], preview["report"]);
    assert!(usernames(&operator, market)
        .await
        .contains(&"newcomer".to_owned()));
    assert_ne!(audit_head(&operator).await, head, "the import is audited");

    // Adding people later is the same import again: what is there already changes nothing.
    let (status, again) = operator
        .post("/api/directory/import", json!({ "users": users }))
        .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["report"]["users"]["added"], json!([]));
    assert_eq!(again["report"]["users"]["changed"], json!([]));
    assert_eq!(again["report"]["users"]["unchanged"], 2);
}

#[tokio::test]
async fn a_bad_csv_line_is_refused_in_chinese_naming_the_line_and_nothing_is_stored() {
    let (server, _world) = world().await;
    let operator = Api::signed_in(&server, "operator").await;
    let (_, orgs_before) = operator.get("/api/orgs").await;
    let head = audit_head(&operator).await;
    let orgs = "code,name_zh,name_en,kind,region,parent_code\n\
                new-office,新设办公室,,other,330102,\n\
                bad-office,错误单位,,police_station,330102,\n";

    for dry_run in [true, false] {
        let (status, body) = post_in_chinese(
            &operator,
            "/api/directory/import",
            json!({ "orgs": orgs, "dry_run": dry_run }),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["error"]["reason"], "import.at_line", "{body}");
        let said = message(&body);
        assert!(said.starts_with("orgs.csv 第 3 行有误："), "{said}");
        assert!(said.contains("police_station"), "{said}");
    }
    // Nothing to import, a field the request does not know, a body over the limit.
    let (status, body) = post_in_chinese(
        &operator,
        "/api/directory/import",
        json!({ "users": "  ", "dry_run": true }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["reason"], "import.nothing", "{body}");
    assert!(message(&body).contains("没有可导入的内容"), "{body}");
    let (status, body) = operator
        .post(
            "/api/directory/import",
            json!({ "orgs": orgs, "people": "x" }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let huge = format!(
        "code,name_zh,name_en,kind,region,parent_code\n{}",
        "huge-office,巨大单位,,other,330102,\n".repeat(20_000)
    );
    let (status, body) = operator
        .post("/api/directory/import", json!({ "orgs": huge }))
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");

    let (_, orgs_after) = operator.get("/api/orgs").await;
    assert_eq!(orgs_after, orgs_before, "a refused import changes no body");
    assert_eq!(audit_head(&operator).await, head, "and audits nothing");
}

#[tokio::test]
async fn a_body_admin_may_not_import_even_people_of_their_own_body() {
    let (server, world) = world().await;
    let admin = Api::signed_in(&server, "market-admin").await;
    let before = usernames(&admin, world.org("market")).await;
    let users = "org_code,username,display_name,org_role\nmarket,sneaky,偷偷加的人,admin\n";
    for dry_run in [true, false] {
        let (status, body) = admin
            .post(
                "/api/directory/import",
                json!({ "users": users, "dry_run": dry_run }),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    }
    assert_eq!(usernames(&admin, world.org("market")).await, before);
}

#[tokio::test]
async fn the_chain_check_says_in_chinese_that_the_trail_holds_and_finds_an_edited_row() {
    let (server, _world) = world().await;
    let market = Api::signed_in(&server, "market").await;
    market.post("/api/auth/logout", json!({})).await;
    let operator = Api::signed_in(&server, "operator").await;

    let response = operator
        .client
        .get(format!("{}/api/audit/verify", operator.base))
        .header(ACCEPT_LANGUAGE, "zh-CN")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let verdict: Value = response.json().await.unwrap();
    assert_eq!(verdict["intact"], true, "{verdict}");
    assert!(verdict["rows"].as_u64().unwrap() > 0, "{verdict}");
    assert_eq!(verdict["code"], "audit.chain_unanchored", "{verdict}");
    let zh = verdict["zh"].as_str().unwrap();
    assert!(zh.starts_with("审计日志完整"), "{zh}");
    assert!(zh.contains("尚未在签名日志中锚定"), "{zh}");
    assert!(verdict["detail"].is_null(), "{verdict}");

    // An anchor, then the check says how far the trail is anchored.
    let db = open_db(&server, None).await;
    server::work::audit::anchor(&db, server::db::now_unix_ms())
        .await
        .unwrap()
        .expect("an anchor is appended");
    let (status, verdict) = operator.get("/api/audit/verify").await;
    assert_eq!(status, StatusCode::OK, "{verdict}");
    assert_eq!(verdict["code"], "audit.chain_anchored", "{verdict}");
    let seq = verdict["anchored_through"].as_i64().expect("anchored");
    assert!(
        verdict["zh"]
            .as_str()
            .unwrap()
            .contains(&format!("已在签名日志中锚定至第 {seq} 条")),
        "{verdict}"
    );
    db.close().await;

    // One edited row: the check names where the chain breaks.
    let path = server.data_dir.path().join("concord.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", path.display()))
        .await
        .unwrap();
    sqlx::query("update audit_log set ip = '10.6.6.6' where action = 'login'")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let (status, verdict) = operator.get("/api/audit/verify").await;
    assert_eq!(status, StatusCode::OK, "{verdict}");
    assert_eq!(verdict["intact"], false, "{verdict}");
    assert_eq!(verdict["code"], "audit.chain_broken", "{verdict}");
    let broken = verdict["broken_at"].as_i64().expect("a row is named");
    assert!(
        verdict["zh"]
            .as_str()
            .unwrap()
            .contains(&format!("第 {broken} 条处断裂")),
        "{verdict}"
    );
    assert!(
        verdict["detail"].as_str().unwrap().contains("changed"),
        "{verdict}"
    );
}

#[tokio::test]
async fn only_an_operator_runs_the_chain_check() {
    let (server, _world) = world().await;
    for who in ["market-admin", "market"] {
        let api = Api::signed_in(&server, who).await;
        let (status, body) = api.get("/api/audit/verify").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who}: {body}");
    }
    let (status, _) = Api::new(&server).get("/api/audit/verify").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn turning_local_sign_in_off_without_a_provider_is_refused_in_chinese() {
    let (server, _world) = world().await;
    let operator = Api::signed_in(&server, "operator").await;
    let response = operator
        .client
        .put(format!("{}/api/settings/local-login", operator.base))
        .header("origin", operator.origin.clone().unwrap())
        .header(ACCEPT_LANGUAGE, "zh-CN")
        .json(&json!({ "enabled": false }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["error"]["reason"], "settings.local_login_needs_provider",
        "{body}"
    );
    assert!(message(&body).contains("不能关闭本地账号登录"), "{body}");
    let (_, options) = operator.get("/api/auth/providers").await;
    assert_eq!(options["local_login"], true, "{options}");
}
