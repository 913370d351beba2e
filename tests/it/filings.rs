//! Filings (报备), the December clock of the annual reports and the annual supervision work plan
//! (issue 21 part 3) over HTTP against a real server on the manual clock, on SQLite and
//! PostgreSQL: a body files with the bureau of its region, which sends it back and then
//! acknowledges it; the December clock reminds from 1 December, chases (催办) after 31 December
//! and escalates (督办) only the bodies that did not file, and the desk shows them; a plan
//! published is read by the region's bodies and by no other region's; bad input stores nothing.
//!
//! `market` (上城区市场监督管理局) and `township` (湖滨街道, below 上城区) file with
//! `county-bureau` (上城区司法局); `city-bureau` reads; `sibling-bureau` (拱墅区) never does.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use time::macros::datetime;
use time::OffsetDateTime;

use crate::jobs::ms;
use crate::meetings::{fixture_on, Fixture};
use crate::support::api::{Api, World};
use crate::support::postgres::fresh_database_url;
use crate::support::server::{Options, TestServer};

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

async fn act(api: &Api, id: &str, body: Value) -> (StatusCode, Value) {
    api.post(&format!("/api/filings/{id}/actions"), body).await
}

async fn listed(api: &Api, role: &str) -> Vec<String> {
    let (status, page) = api.get(&format!("/api/filings?role={role}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["filings"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect()
}

async fn filed_sent_back_filed_again_and_acknowledged(f: Fixture) {
    let (status, filing) = f
        .market
        .post(
            "/api/filings",
            json!({ "kind": "inspection_result", "title": "2026年食品安全执法检查结果", "text": "共检查经营户120家，发现问题18处，已全部整改。" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{filing}");
    let id = id_of(&filing);
    assert_eq!(filing["state"], "filed");
    assert_eq!(filing["bureau_org_id"], f.world.org("county-bureau"));
    assert_eq!(filing["party"], "body");
    let bureau = Api::signed_in(&f.server, "county-bureau").await;
    let city = Api::signed_in(&f.server, "city-bureau").await;
    let sibling = Api::signed_in(&f.server, "sibling-bureau").await;
    assert_eq!(listed(&bureau, "received").await, vec![id.clone()]);
    assert_eq!(listed(&f.market, "filed").await, vec![id.clone()]);
    // The bureau above reads it and may do nothing; a sibling county's bureau never finds it.
    let (status, seen) = city.get(&format!("/api/filings/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!(seen["party"], "supervisor");
    assert!(seen["commands"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["allowed"] == false));
    let (status, _) = sibling.get(&format!("/api/filings/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(listed(&sibling, "received").await.is_empty());
    let (status, _) = act(
        &sibling,
        &id,
        json!({ "command": "acknowledge", "revision": 1 }),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = act(
        &city,
        &id,
        json!({ "command": "acknowledge", "revision": 1 }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Sent back with reasons, filed again, acknowledged.
    let (status, back) = act(
        &bureau,
        &id,
        json!({ "command": "send_back", "revision": 1, "reason": "未附问题整改清单" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{back}");
    assert_eq!(back["state"], "sent_back");
    assert_eq!(back["reason"], "未附问题整改清单");
    let (status, again) = act(
        &f.market,
        &id,
        json!({ "command": "refile", "revision": back["revision"], "title": "2026年食品安全执法检查结果（补正）", "text": "附整改清单。" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["state"], "filed");
    assert_eq!(again["round"], 2);
    assert_eq!(again["text"], "附整改清单。");
    let (status, done) = act(
        &bureau,
        &id,
        json!({ "command": "acknowledge", "revision": again["revision"] }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["state"], "acknowledged");
    assert_eq!(done["acknowledged_by_name"], "county-bureau 同志");
    // Final: nothing more, the rule said.
    let (status, refused) = act(
        &bureau,
        &id,
        json!({ "command": "send_back", "revision": done["revision"], "reason": "再退" }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["reason"], "filing.acknowledged_is_final");
    // The body was told of each answer; the bureau of each filing.
    let db = f.db().await;
    let subject = format!("filing:{id}");
    let market = format!("org:{}", f.world.org("market"));
    let county = format!("org:{}", f.world.org("county-bureau"));
    for (kind, to) in [
        ("filing.filed", &county),
        ("filing.sent_back", &market),
        ("filing.refiled", &county),
        ("filing.acknowledged", &market),
    ] {
        assert_eq!(
            crate::disputes::told_about(&db, &subject, kind).await,
            vec![to.clone()],
            "{kind}"
        );
    }
    db.close().await;
    // The township files with the bureau of the county above it.
    let (status, township) = f
        .township
        .post(
            "/api/filings",
            json!({ "kind": "campaign_result", "title": "营商环境专项监督结果", "text": "自查报告" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{township}");
    assert_eq!(township["bureau_org_id"], f.world.org("county-bureau"));
}

#[tokio::test]
async fn a_filing_is_sent_back_filed_again_and_acknowledged() {
    filed_sent_back_filed_again_and_acknowledged(fixture_on(None).await).await;
}

#[tokio::test]
async fn a_filing_is_sent_back_filed_again_and_acknowledged_on_postgres() {
    filed_sent_back_filed_again_and_acknowledged(
        fixture_on(Some(fresh_database_url().await)).await,
    )
    .await;
}

/// A server whose manual clock starts on 20 November 2030 (so it schedules 2030's December
/// clock when it starts; the test world's bodies exist by then).
async fn november_2030(database_url: Option<String>) -> Fixture {
    let clock = server::clock::Clock::manual(ms(datetime!(2030-11-20 10:00 +8)));
    let server = TestServer::start_with(Options {
        database_url: database_url.clone(),
        clock: Some(clock.clone()),
        ..Options::default()
    })
    .await;
    let world = World::build_on(&server, database_url.as_deref()).await;
    Fixture {
        convener: Api::signed_in(&server, "county-bureau").await,
        market: Api::signed_in(&server, "market").await,
        township: Api::signed_in(&server, "township").await,
        police: Api::signed_in(&server, "police").await,
        server,
        world,
        clock,
        database_url,
    }
}

fn at(when: OffsetDateTime) -> i64 {
    ms(when)
}

/// The desk's lines of `org`'s annual report of 2030 as (state, overdue). (The desk also
/// shows 2029's, owed by the bodies that existed in December 2029.)
async fn desk_reports(bureau: &Api, org: &str) -> Vec<(String, bool)> {
    let (status, desk) = bureau.get("/api/supervision/desk").await;
    assert_eq!(status, StatusCode::OK, "{desk}");
    desk["bodies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["org_id"] == org)
        .flat_map(|b| b["lines"].as_array().unwrap().clone())
        .filter(|l| l["kind"] == "annual_report" && l["id"].as_str().unwrap().ends_with(":2030"))
        .map(|l| {
            (
                l["state"].as_str().unwrap().to_owned(),
                l["overdue"].as_bool().unwrap(),
            )
        })
        .collect()
}

async fn the_december_clock(f: Fixture) {
    let db = f.db().await;
    let subject = "annual_report:2030";
    let market = f.world.org("market").to_owned();
    let township = f.world.org("township").to_owned();
    let told = |kind: &'static str| {
        let db = db.clone();
        async move { crate::disputes::told_about(&db, subject, kind).await }
    };
    let jobs = db.jobs_of(subject).await.unwrap();
    let due = |kind: &str| -> Vec<i64> {
        jobs.iter()
            .filter(|j| j.kind == kind)
            .map(|j| j.due_at)
            .collect()
    };
    // 1 December 2030 is a Sunday: the first reminder is Monday's working morning; another
    // comes a week before the end (Wednesday 25 December); 催办 the first working morning of 2031.
    assert_eq!(
        due("annual_report_remind"),
        vec![
            at(datetime!(2030-12-02 09:00 +8)),
            at(datetime!(2030-12-25 09:00 +8))
        ]
    );
    let overdue_at = due("annual_report_overdue")[0];
    assert!(
        overdue_at >= at(datetime!(2031-01-01 09:00 +8))
            && overdue_at < at(datetime!(2031-01-06 00:00 +8))
    );
    let bureau = Api::signed_in(&f.server, "county-bureau").await;
    // November: nothing is owed yet, nothing told, nothing on the desk.
    f.clock.set_ms(at(datetime!(2030-11-30 23:59 +8)));
    f.server.worker.run_due().await.unwrap();
    assert!(told("annual_report.reminder").await.is_empty());
    assert!(desk_reports(&bureau, &market).await.is_empty());
    // From 1 December every enforcement body is reminded and on the desk, not yet overdue;
    // the police, the court and the bureaus owe no report.
    f.clock.set_ms(at(datetime!(2030-12-02 09:00 +8)));
    f.server.worker.run_due().await.unwrap();
    let mut both = vec![format!("org:{market}"), format!("org:{township}")];
    both.sort();
    assert_eq!(told("annual_report.reminder").await, both);
    assert_eq!(
        desk_reports(&bureau, &market).await,
        vec![("not_filed".to_owned(), false)]
    );
    // The market files its report; the township does not.
    let (status, report) = f
        .market
        .post(
            "/api/filings",
            json!({ "kind": "annual_report", "year": 2030, "title": "上城区市场监督管理局2030年度行政执法工作情况报告", "text": "全年办理行政处罚案件……" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{report}");
    assert_eq!(report["due_at"], at(datetime!(2031-01-01 00:00 +8)));
    assert!(desk_reports(&bureau, &market).await.is_empty());
    // 催办 after 31 December: only the township, now overdue on the desk.
    f.clock.set_ms(overdue_at - 1);
    f.server.worker.run_due().await.unwrap();
    assert!(told("annual_report.overdue").await.is_empty());
    f.clock.set_ms(overdue_at);
    f.server.worker.run_due().await.unwrap();
    assert_eq!(
        told("annual_report.overdue").await,
        vec![format!("org:{township}")]
    );
    assert_eq!(
        desk_reports(&bureau, &township).await,
        vec![("not_filed".to_owned(), true)]
    );
    assert!(desk_reports(&bureau, &market).await.is_empty());
    // 督办 the region's delay later: the township and its bureau are told.
    let escalation = db.jobs_of(&format!("{subject}:{township}")).await.unwrap();
    assert_eq!(escalation.len(), 1, "one 督办, of the township alone");
    assert!(db
        .jobs_of(&format!("{subject}:{market}"))
        .await
        .unwrap()
        .is_empty());
    f.clock.set_ms(escalation[0].due_at);
    f.server.worker.run_due().await.unwrap();
    let mut supervised = vec![
        format!("org:{township}"),
        format!("org:{}", f.world.org("county-bureau")),
    ];
    supervised.sort();
    assert_eq!(told("annual_report.supervised").await, supervised);
    let (_, desk) = bureau.get("/api/supervision/desk").await;
    assert!(
        desk["counts"]["annual_reports"].as_u64().unwrap() >= 1,
        "{desk}"
    );
    // The report is owed to the lowest bureau at or above the township: the county's.
    // The city bureau's desk, which reaches bureaus above and below, names the same one.
    let city = Api::signed_in(&f.server, "city-bureau").await;
    let (_, city_desk) = city.get("/api/supervision/desk").await;
    for desk in [&desk, &city_desk] {
        let line = desk["bodies"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["org_id"] == township.as_str())
            .flat_map(|b| b["lines"].as_array().unwrap().iter())
            .find(|l| l["kind"] == "annual_report" && l["id"].as_str().unwrap().ends_with(":2030"))
            .unwrap_or_else(|| panic!("the township's report is on the desk: {desk}"));
        assert_eq!(
            line["counterpart_org_id"],
            f.world.org("county-bureau"),
            "{line}"
        );
    }
    // The clock goes on: 2031's is scheduled.
    assert!(!db.jobs_of("annual_report:2031").await.unwrap().is_empty());
    db.close().await;
}

#[tokio::test]
async fn the_december_clock_reminds_chases_and_escalates_only_who_did_not_file() {
    the_december_clock(november_2030(None).await).await;
}

#[tokio::test]
async fn the_december_clock_reminds_chases_and_escalates_only_who_did_not_file_on_postgres() {
    the_december_clock(november_2030(Some(fresh_database_url().await)).await).await;
}

async fn a_plan_is_published_to_its_region(f: Fixture) {
    let bureau = Api::signed_in(&f.server, "county-bureau").await;
    let (status, plan) = bureau
        .post(
            "/api/plans",
            json!({ "year": 2026, "title": "上城区2026年度行政执法监督工作方案" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{plan}");
    let id = id_of(&plan);
    assert_eq!(plan["state"], "drafting");
    // The draft is the bureau's: no body of the region reads it yet.
    let (status, _) = f.market.get(&format!("/api/plans/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, again) = bureau
        .post("/api/plans", json!({ "year": 2026, "title": "第二份" }))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    let (status, published) = bureau
        .post(
            &format!("/api/plans/{id}/actions"),
            json!({ "command": "publish", "revision": plan["revision"] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{published}");
    assert_eq!(published["state"], "published");
    // Every body of the region reads it and was told; another region's bodies never find it.
    for api in [&f.market, &f.township, &f.police] {
        let (status, seen) = api.get(&format!("/api/plans/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{seen}");
        assert_eq!(seen["party"], "reader");
        let (_, page) = api.get("/api/plans").await;
        assert_eq!(page["plans"][0]["id"], id.as_str(), "{page}");
    }
    for other in ["sibling-bureau", "sibling-procuratorate", "ningbo-bureau"] {
        let api = Api::signed_in(&f.server, other).await;
        let (status, _) = api.get(&format!("/api/plans/{id}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{other}");
        let (_, page) = api.get("/api/plans").await;
        assert!(
            page["plans"].as_array().unwrap().is_empty(),
            "{other}: {page}"
        );
    }
    let db = f.db().await;
    let told = crate::disputes::told_about(&db, &format!("plan:{id}"), "plan.published").await;
    assert!(told.contains(&format!("org:{}", f.world.org("market"))));
    assert!(!told.contains(&format!("org:{}", f.world.org("sibling-bureau"))));
    db.close().await;
    // Its text is frozen; a reader reads it and never writes.
    let (status, docs) = f.market.get(&format!("/api/spaces/{id}/docs")).await;
    assert_eq!(status, StatusCode::OK, "{docs}");
    assert_eq!(docs["docs"][0]["frozen"], true, "{docs}");
    // Published once.
    let (status, refused) = bureau
        .post(
            &format!("/api/plans/{id}/actions"),
            json!({ "command": "publish", "revision": published["revision"] }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["reason"], "plan.published_is_final");
}

#[tokio::test]
async fn a_published_plan_is_read_by_its_region_and_no_other() {
    a_plan_is_published_to_its_region(fixture_on(None).await).await;
}

#[tokio::test]
async fn a_published_plan_is_read_by_its_region_and_no_other_on_postgres() {
    a_plan_is_published_to_its_region(fixture_on(Some(fresh_database_url().await)).await).await;
}

async fn bad_filings_store_nothing(f: Fixture) {
    let bureau = Api::signed_in(&f.server, "county-bureau").await;
    let before = listed(&f.market, "filed").await;
    // An annual report without its year; a year on results; malformed JSON; an unknown kind.
    let cases = [
        json!({ "kind": "annual_report", "title": "年度报告", "text": "正文" }),
        json!({ "kind": "inspection_result", "year": 2026, "title": "检查结果", "text": "正文" }),
        json!({ "kind": "annual_report", "year": 1900, "title": "年度报告", "text": "正文" }),
        json!({ "kind": "rumour", "title": "检查结果", "text": "正文" }),
        json!({ "kind": "inspection_result", "title": "", "text": "正文" }),
    ];
    for body in cases {
        let (status, refused) = f.market.post("/api/filings", body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {refused}");
    }
    let (status, refused) = crate::tasks::send_bytes(
        &f.market,
        Method::POST,
        "/api/filings",
        Some("application/json"),
        b"{\"kind\": \"inspection_result\",".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    // A body that files with no one: the police are not an enforcement department here.
    let (status, refused) = f
        .police
        .post(
            "/api/filings",
            json!({ "kind": "inspection_result", "title": "检查结果", "text": "正文" }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["reason"], "filing.kind_filer");
    assert_eq!(listed(&f.market, "filed").await, before);
    // One annual report a year.
    let report =
        json!({ "kind": "annual_report", "year": 2026, "title": "2026年度报告", "text": "正文" });
    let (status, first) = f.market.post("/api/filings", report.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let (status, refused) = f.market.post("/api/filings", report).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["reason"], "filing.one_report_a_year");
    let id = id_of(&first);
    // An unknown id; an illegal transition (409); a stale revision (409); malformed commands
    // (400): each leaves the filing as it was.
    let (status, _) = bureau.get("/api/filings/no-such-filing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = act(
        &bureau,
        "no-such-filing",
        json!({ "command": "acknowledge", "revision": 1 }),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, refused) = act(
        &f.market,
        &id,
        json!({ "command": "refile", "revision": 1, "title": "重报", "text": "重报" }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["reason"], "filing.refile_when_sent_back");
    let (status, refused) = act(
        &bureau,
        &id,
        json!({ "command": "acknowledge", "revision": 7 }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["reason"], "filing.stale");
    for body in [
        json!({ "command": "send_back", "revision": 1 }),
        json!({ "command": "approve", "revision": 1 }),
        json!({ "command": "acknowledge" }),
    ] {
        let (status, refused) = act(&bureau, &id, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {refused}");
    }
    let (status, refused) = crate::tasks::send_bytes(
        &bureau,
        Method::POST,
        &format!("/api/filings/{id}/actions"),
        Some("application/json"),
        b"{\"command\":".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    let (_, same) = bureau.get(&format!("/api/filings/{id}")).await;
    assert_eq!(same["state"], "filed");
    assert_eq!(same["revision"], first["revision"]);
    // A plan: only a bureau makes one; its year is checked.
    let (status, refused) = f
        .market
        .post("/api/plans", json!({ "year": 2026, "title": "方案" }))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["reason"], "plan.made_by_a_bureau");
    let (status, _) = bureau
        .post("/api/plans", json!({ "year": 3000, "title": "方案" }))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, plans) = bureau.get("/api/plans").await;
    assert!(plans["plans"].as_array().unwrap().is_empty(), "{plans}");
}

#[tokio::test]
async fn bad_filings_and_plans_are_refused_and_store_nothing() {
    bad_filings_store_nothing(fixture_on(None).await).await;
}

#[tokio::test]
async fn bad_filings_and_plans_are_refused_and_store_nothing_on_postgres() {
    bad_filings_store_nothing(fixture_on(Some(fresh_database_url().await)).await).await;
}
