//! Time limits by region (时限设置) over HTTP and from the shell: inheritance down the region
//! tree on both engines, who may set them, bad input changing nothing, a region's notice and
//! task limits moving their reminders on the manual clock, and `concord admin limits`.
//!
//! The world (`support::api::World`): 浙江省 330000 › 杭州市 330100 › 上城区 330102 ›
//! 湖滨街道 330102001, and 拱墅区 330105 beside 上城区.

use reqwest::StatusCode;
use serde_json::{json, Value};
use server::clock::Clock;
use server::db::{now_unix_ms, AuditEvent, Db, NewUser};
use server::domain::org::{Name, OrgRole, Username};
use time::macros::datetime;

use crate::jobs::ms;
use crate::support::api::{open_db, Api, World, PASSWORD};
use crate::support::postgres::fresh_database_url;
use crate::support::server::{Options, TestServer};
use crate::tasks::{audit_of, mint_token};

/// The row of `kind` in a region's limits.
fn row<'a>(limits: &'a Value, kind: &str) -> &'a Value {
    limits["limits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {limits}"))
}

/// (amount, source, from_region, own) of `kind` in `region`, as `api` reads it.
async fn effective(api: &Api, region: &str, kind: &str) -> (u64, String, Value, bool) {
    let (status, limits) = api.get(&format!("/api/regions/{region}/limits")).await;
    assert_eq!(status, StatusCode::OK, "{limits}");
    let r = row(&limits, kind);
    (
        r["amount"].as_u64().unwrap(),
        r["source"].as_str().unwrap().to_owned(),
        r["from_region"].clone(),
        r["own"].as_bool().unwrap(),
    )
}

async fn set(api: &Api, region: &str, kind: &str, amount: i64) -> (StatusCode, Value) {
    api.put(
        &format!("/api/regions/{region}/limits/{kind}"),
        json!({ "unit": "working_days", "amount": amount }),
    )
    .await
}

/// The audit actions about `region:<code>`.
async fn limit_audit(db: &Db, code: &str) -> Vec<String> {
    audit_of(db, &format!("region:{code}"))
        .await
        .into_iter()
        .map(|r| r.action)
        .filter(|a| a.starts_with("region_limit"))
        .collect()
}

async fn province_sets_city_inherits_county_overrides_and_clearing_inherits_again(
    database_url: Option<String>,
) {
    let server = TestServer::start_with(Options {
        database_url: database_url.clone(),
        ..Options::default()
    })
    .await;
    World::build_on(&server, database_url.as_deref()).await;
    let operator = Api::signed_in(&server, "operator").await;
    let market = Api::signed_in(&server, "market").await;

    // Nothing set: the built-in default everywhere.
    assert_eq!(
        effective(&market, "330102", "dispute_negotiation").await,
        (10, "default".into(), Value::Null, false)
    );

    let (status, body) = set(&operator, "330000", "dispute_negotiation", 20).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        effective(&market, "330100", "dispute_negotiation").await,
        (20, "region".into(), json!("330000"), false)
    );
    let (_, city) = market.get("/api/regions/330100/limits").await;
    assert_eq!(
        row(&city, "dispute_negotiation")["from_region_name_zh"],
        "浙江省"
    );

    let (status, body) = set(&operator, "330102", "dispute_negotiation", 15).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(row(&body, "dispute_negotiation")["own"], true);
    assert_eq!(
        effective(&market, "330102", "dispute_negotiation").await,
        (15, "region".into(), json!("330102"), true)
    );
    // Below the county, the county's value; beside it, the province's; the city keeps 20.
    assert_eq!(
        effective(&market, "330102001", "dispute_negotiation").await,
        (15, "region".into(), json!("330102"), false)
    );
    assert_eq!(
        effective(&market, "330105", "dispute_negotiation").await,
        (20, "region".into(), json!("330000"), false)
    );
    assert_eq!(
        effective(&market, "330100", "dispute_negotiation").await.0,
        20
    );
    // Other kinds are untouched.
    assert_eq!(
        effective(&market, "330102", "dispute_replies").await,
        (5, "default".into(), Value::Null, false)
    );

    let (status, body) = operator
        .delete("/api/regions/330102/limits/dispute_negotiation")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        effective(&market, "330102", "dispute_negotiation").await,
        (20, "region".into(), json!("330000"), false)
    );
    assert_eq!(
        effective(&market, "330102001", "dispute_negotiation")
            .await
            .0,
        20
    );
    // Clearing again changes nothing and audits nothing more.
    let (status, _) = operator
        .delete("/api/regions/330102/limits/dispute_negotiation")
        .await;
    assert_eq!(status, StatusCode::OK);

    let db = open_db(&server, database_url.as_deref()).await;
    assert_eq!(
        limit_audit(&db, "330102").await,
        ["region_limit_set", "region_limit_cleared"]
    );
    assert_eq!(limit_audit(&db, "330000").await, ["region_limit_set"]);
    db.close().await;
}

#[tokio::test]
async fn limits_inherit_down_the_region_tree_on_sqlite() {
    province_sets_city_inherits_county_overrides_and_clearing_inherits_again(None).await;
}

#[tokio::test]
async fn limits_inherit_down_the_region_tree_on_postgres() {
    province_sets_city_inherits_county_overrides_and_clearing_inherits_again(Some(
        fresh_database_url().await,
    ))
    .await;
}

/// Adds a person `username`, admin of the organization `org_code`, with [`PASSWORD`].
async fn add_admin(db: &Db, world: &World, org_code: &str, username: &str) {
    let hash = server::auth::password::hash_blocking(PASSWORD).unwrap();
    db.create_user(
        &NewUser {
            org_id: Some(world.org(org_code).to_owned()),
            username: Some(Username::parse(username).unwrap()),
            display_name: Name::parse("司法局管理员").unwrap(),
            org_role: OrgRole::Admin,
            operator: false,
            password_hash: Some(hash),
            oidc_issuer: None,
            oidc_subject: None,
        },
        &AuditEvent {
            at: now_unix_ms(),
            actor_user_id: None,
            actor_org_id: None,
            action: "user_created".into(),
            target: String::new(),
            detail: json!({}),
            ip: None,
        },
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn only_an_operator_or_the_region_s_own_bureau_admin_sets_its_limits_and_everyone_reads_them()
{
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let db = open_db(&server, None).await;
    add_admin(&db, &world, "county-bureau", "county-bureau-admin").await;
    add_admin(&db, &world, "sibling-bureau", "sibling-bureau-admin").await;
    let read_token = mint_token(&db, &world, "market", &["orgs:read"]).await;
    let all_token = mint_token(
        &db,
        &world,
        "county-bureau",
        &["orgs:read", "spaces:write", "tasks:write", "notices:write"],
    )
    .await;

    let callers: Vec<(&str, Api)> = vec![
        ("operator", Api::signed_in(&server, "operator").await),
        (
            "the region's bureau admin",
            Api::signed_in(&server, "county-bureau-admin").await,
        ),
        (
            "a sibling bureau's admin",
            Api::signed_in(&server, "sibling-bureau-admin").await,
        ),
        (
            "a member of the region's bureau",
            Api::signed_in(&server, "county-bureau").await,
        ),
        (
            "an ordinary member",
            Api::signed_in(&server, "market").await,
        ),
        (
            "an admin of another body",
            Api::signed_in(&server, "market-admin").await,
        ),
        (
            "a token with orgs:read",
            Api::with_token(&server, &read_token),
        ),
        (
            "a token of the region's bureau",
            Api::with_token(&server, &all_token),
        ),
        ("anonymous", Api::new(&server)),
    ];
    // (reads 330102, may set 330102, may set 330102001 below it)
    let expected = [
        (200, 200, 200),
        (200, 200, 403),
        (200, 403, 403),
        (200, 403, 403),
        (200, 403, 403),
        (200, 403, 403),
        (200, 403, 403),
        (200, 403, 403),
        (401, 401, 401),
    ];
    let mut wrong = Vec::new();
    for ((who, api), (read, here, below)) in callers.iter().zip(expected) {
        let (status, body) = api.get("/api/regions/330102/limits").await;
        if status.as_u16() != read {
            wrong.push(format!("{who} reading: {status} {body}"));
        }
        for (region, want) in [("330102", here), ("330102001", below)] {
            let (status, body) = set(api, region, "notice_remind", 2).await;
            if status.as_u16() != want {
                wrong.push(format!("{who} setting {region}: {status} {body}"));
            }
            let (status, body) = api
                .delete(&format!("/api/regions/{region}/limits/notice_remind"))
                .await;
            if status.as_u16() != want {
                wrong.push(format!("{who} clearing {region}: {status} {body}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // The page tells each reader whether they may change it.
    let (_, own) = callers[1].1.get("/api/regions/330102/limits").await;
    assert_eq!(own["can_manage"], true);
    let (_, sibling) = callers[2].1.get("/api/regions/330102/limits").await;
    assert_eq!(sibling["can_manage"], false);
    // A refused setter reads the rule (in English here: the suite's clients ask for it).
    let (_, refused) = set(&callers[2].1, "330102", "notice_remind", 2).await;
    assert_eq!(
        refused["error"]["reason"], "policy.manage_region_limits",
        "{refused}"
    );
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("an admin of this region's judicial bureau"),
        "{refused}"
    );
    db.close().await;
}

#[tokio::test]
async fn bad_input_is_refused_with_what_was_wrong_and_changes_nothing() {
    let server = TestServer::start().await;
    World::build(&server).await;
    let operator = Api::signed_in(&server, "operator").await;
    let (_, before) = operator.get("/api/regions/330102/limits").await;

    let cases: Vec<(&str, reqwest::Response, StatusCode, &str)> = vec![
        (
            "an unknown kind",
            put_raw(
                &operator,
                "/api/regions/330102/limits/weekly_report",
                r#"{"unit":"working_days","amount":2}"#,
            )
            .await,
            StatusCode::BAD_REQUEST,
            "dispute_negotiation",
        ),
        (
            "amount 0",
            put_raw(
                &operator,
                "/api/regions/330102/limits/notice_remind",
                r#"{"unit":"working_days","amount":0}"#,
            )
            .await,
            StatusCode::BAD_REQUEST,
            "1 至 365",
        ),
        (
            "amount 366",
            put_raw(
                &operator,
                "/api/regions/330102/limits/notice_remind",
                r#"{"unit":"working_days","amount":366}"#,
            )
            .await,
            StatusCode::BAD_REQUEST,
            "366",
        ),
        (
            "another unit than the kind's",
            put_raw(
                &operator,
                "/api/regions/330102/limits/dispute_decision",
                r#"{"unit":"working_days","amount":20}"#,
            )
            .await,
            StatusCode::BAD_REQUEST,
            "「协调决定期限」以日计算",
        ),
        (
            "an unknown region",
            put_raw(
                &operator,
                "/api/regions/990000/limits/notice_remind",
                r#"{"unit":"working_days","amount":2}"#,
            )
            .await,
            StatusCode::NOT_FOUND,
            "990000",
        ),
        (
            "malformed JSON",
            put_raw(
                &operator,
                "/api/regions/330102/limits/notice_remind",
                r#"{"unit":"working_days","amount":"#,
            )
            .await,
            StatusCode::BAD_REQUEST,
            "",
        ),
        (
            "an unknown field",
            put_raw(
                &operator,
                "/api/regions/330102/limits/notice_remind",
                r#"{"unit":"working_days","amount":2,"days":2}"#,
            )
            .await,
            StatusCode::BAD_REQUEST,
            "days",
        ),
        (
            "a fraction",
            put_raw(
                &operator,
                "/api/regions/330102/limits/notice_remind",
                r#"{"unit":"working_days","amount":1.5}"#,
            )
            .await,
            StatusCode::BAD_REQUEST,
            "",
        ),
    ];
    for (what, response, status, says) in cases {
        assert_eq!(response.status(), status, "{what}");
        let body: Value = response.json().await.unwrap();
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{what}: {body}");
    }
    let (status, _) = operator.get("/api/regions/990000/limits").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = operator
        .delete("/api/regions/330102/limits/weekly_report")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (_, after) = operator.get("/api/regions/330102/limits").await;
    assert_eq!(before, after);
    let db = open_db(&server, None).await;
    assert!(limit_audit(&db, "330102").await.is_empty());
    db.close().await;
}

/// A PUT with `body` as written (so it can be malformed), in Chinese.
async fn put_raw(api: &Api, path: &str, body: &'static str) -> reqwest::Response {
    let mut request = api
        .client
        .put(format!("{}{path}", api.base))
        .header("content-type", "application/json")
        .header("accept-language", "zh-CN")
        .body(body);
    if let Some(origin) = &api.origin {
        request = request.header("origin", origin);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn a_region_s_notice_remind_and_task_escalate_limits_move_their_jobs() {
    // Monday 21 September 2026, 10:00 in Beijing; 25–27 September is the Mid-Autumn holiday.
    let clock = Clock::manual(ms(datetime!(2026-09-21 10:00 +8)));
    let server = TestServer::start_with(Options {
        clock: Some(clock.clone()),
        ..Options::default()
    })
    .await;
    let world = World::build(&server).await;
    let operator = Api::signed_in(&server, "operator").await;
    let (status, body) = set(&operator, "330102", "notice_remind", 3).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = set(&operator, "330102", "task_escalate", 7).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // 上城区市场监督管理局 (330102) and 宁波市司法局 (330200, no setting) each send a notice.
    let send = |from: &'static str| {
        let server = &server;
        let world = &world;
        async move {
            let api = Api::signed_in(server, from).await;
            let (status, notice) = api
                .post(
                    "/api/notices",
                    json!({
                        "kind": "information",
                        "title": "关于开展夜市食品安全联合检查的通报",
                        "body": "请各单位做好准备。",
                        "recipients": [world.org("police")],
                        "requires_ack": true,
                    }),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{notice}");
            notice["id"].as_str().unwrap().to_owned()
        }
    };
    let here = send("market").await;
    let elsewhere = send("ningbo-bureau").await;
    let db = open_db(&server, None).await;
    let due = |jobs: &[server::db::Job], kind: &str| {
        jobs.iter()
            .find(|j| j.kind == kind)
            .unwrap_or_else(|| panic!("no {kind}"))
            .due_at
    };
    let jobs_here = db.jobs_of(&format!("notice:{here}")).await.unwrap();
    let jobs_elsewhere = db.jobs_of(&format!("notice:{elsewhere}")).await.unwrap();
    // Three working days (22, 23, 24 September) run out at the end of the 24th; the next
    // working morning is Monday the 28th, after the holiday. The default one day: the 23rd.
    assert_eq!(
        due(&jobs_here, "notice_remind"),
        ms(datetime!(2026-09-28 09:00 +8))
    );
    assert_eq!(
        due(&jobs_elsewhere, "notice_remind"),
        ms(datetime!(2026-09-23 09:00 +8))
    );
    // The escalation was not set, so both count the default three working days.
    assert_eq!(
        due(&jobs_here, "notice_escalate"),
        due(&jobs_elsewhere, "notice_escalate")
    );

    // The reminder comes when the region says, not a day earlier.
    clock.set_ms(ms(datetime!(2026-09-25 09:00 +8)));
    server.worker.run_due().await.unwrap();
    let reminded = |jobs: Vec<server::db::Job>| {
        jobs.iter()
            .any(|j| j.kind == "notice_remind" && j.state.as_str() == "done")
    };
    assert!(!reminded(
        db.jobs_of(&format!("notice:{here}")).await.unwrap()
    ));
    assert!(reminded(
        db.jobs_of(&format!("notice:{elsewhere}")).await.unwrap()
    ));
    clock.set_ms(ms(datetime!(2026-09-28 09:00 +8)));
    server.worker.run_due().await.unwrap();
    assert!(reminded(
        db.jobs_of(&format!("notice:{here}")).await.unwrap()
    ));

    // A task set by 上城区司法局 (330102) escalates seven working mornings after its 催办.
    clock.set_ms(ms(datetime!(2026-09-21 10:00 +8)));
    let setter = Api::signed_in(&server, "county-bureau").await;
    let (status, task) = setter
        .post(
            "/api/tasks",
            json!({
                "title": "核查无证经营线索",
                "body": "请于十个工作日内核查并反馈。",
                "assignee_org_id": world.org("market"),
                "limit": { "unit": "working_days", "amount": 10 },
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    let jobs = db
        .jobs_of(&format!("task:{}", task["id"].as_str().unwrap()))
        .await
        .unwrap();
    // 催办 on Tuesday 13 October (tests/it/jobs.rs); seven working mornings later is
    // Thursday 22 October (the default five: the 20th).
    assert_eq!(
        due(&jobs, "task_overdue"),
        ms(datetime!(2026-10-13 09:00 +8))
    );
    assert_eq!(
        due(&jobs, "task_escalate"),
        ms(datetime!(2026-10-22 09:00 +8))
    );
    db.close().await;
}

#[tokio::test]
async fn the_shell_sets_and_clears_a_region_s_limits_and_prints_them_chinese_first() {
    use crate::admin_cli::{admin, text};
    let dir = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let regions = files.path().join("regions.csv");
    std::fs::write(
        &regions,
        "code,name_zh,name_en,level,parent\n\
         330000,浙江省,Zhejiang,province,\n\
         330100,杭州市,Hangzhou,city,330000\n\
         330102,上城区,,county,330100\n",
    )
    .unwrap();
    let regions = regions.display().to_string();
    let imported = admin(
        dir.path(),
        &["import", "--init", "--regions", &regions],
        None,
    );
    assert!(imported.status.success(), "{}", text(&imported));

    let city = admin(
        dir.path(),
        &["limits", "330100", "--set", "dispute_negotiation=12"],
        None,
    );
    let county = admin(
        dir.path(),
        &["limits", "330102", "--set", "notice_remind=2"],
        None,
    );

    assert!(city.status.success(), "{}", text(&city));
    assert!(county.status.success(), "{}", text(&county));
    let county = text(&county);
    let lines: Vec<&str> = county.lines().collect();
    assert_eq!(lines[0], "上城区（330102）的时限：", "{county}");
    assert!(
        lines.contains(&"  通报签收提醒：2 工作日，本区划设置"),
        "{county}"
    );
    assert!(
        lines.contains(&"  争议协商期限：12 工作日，继承自杭州市（330100）"),
        "{county}"
    );
    assert!(lines.contains(&"  协调决定期限：30 日，默认"), "{county}");
    let english = lines
        .iter()
        .position(|l| l.starts_with("time limits of"))
        .expect("an English table");
    assert!(english > 7, "Chinese first: {county}");
    assert!(
        county.contains("notice_remind        2 working days, set here"),
        "{county}"
    );

    let cleared = admin(
        dir.path(),
        &["limits", "330102", "--clear", "notice_remind"],
        None,
    );
    assert!(cleared.status.success(), "{}", text(&cleared));
    assert!(
        text(&cleared).contains("  通报签收提醒：1 工作日，默认"),
        "{}",
        text(&cleared)
    );

    // Refusals say what was wrong, Chinese first, and change nothing.
    let zero = admin(
        dir.path(),
        &["limits", "330102", "--set", "notice_remind=0"],
        None,
    );
    let unknown = admin(dir.path(), &["limits", "990000"], None);
    let kind = admin(dir.path(), &["limits", "330102", "--set", "weekly=3"], None);
    assert!(!zero.status.success());
    assert!(
        text(&zero).contains("时限须为 1 至 365 之间的整数"),
        "{}",
        text(&zero)
    );
    assert!(!unknown.status.success());
    assert!(
        text(&unknown).contains("没有代码为 990000 的行政区划"),
        "{}",
        text(&unknown)
    );
    assert!(!kind.status.success());
    assert!(
        text(&kind).contains("dispute_negotiation"),
        "{}",
        text(&kind)
    );
    let after = admin(dir.path(), &["limits", "330102"], None);
    assert!(
        text(&after).contains("  通报签收提醒：1 工作日，默认"),
        "{}",
        text(&after)
    );

    // The audit rows name no one, via the shell, and the chain holds.
    let verified = admin(dir.path(), &["audit-verify"], None);
    assert!(verified.status.success(), "{}", text(&verified));
}
