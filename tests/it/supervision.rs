//! Supervision over what exists (issue 21) against a real server on the manual clock, on
//! SQLite and PostgreSQL: a judicial bureau reads the tasks and notifications (with the
//! receipts of the bodies it supervises) of its region and below, never acts on them and never
//! marks anything read; a sibling region's bureau is told nothing; the bureau's desk (监督台)
//! lists exactly what is overdue, unacknowledged or escalated (督办) in its region, by body, and
//! never a sibling region's.
//!
//! `market` (上城区市场监管局) sets tasks and sends notices; `township` (湖滨街道, below 上城区)
//! and `police` (上城区公安分局) owe them; `sibling-procuratorate` (拱墅区人民检察院) is the
//! sibling county's body. `county-bureau` (上城区司法局) supervises 上城区, `sibling-bureau`
//! (拱墅区司法局) 拱墅区, `city-bureau` (杭州市司法局) both.

use reqwest::StatusCode;
use serde_json::{json, Value};
use time::macros::datetime;

use crate::jobs::ms;
use crate::meetings::{fixture_on, Fixture};
use crate::support::api::Api;
use crate::support::postgres::fresh_database_url;
use crate::tasks::{new_task, step};

/// A task from `market` to `code` due in `hours` hours; its id.
async fn task_for(f: &Fixture, code: &str, title: &str, hours: u32) -> String {
    let task = new_task(
        &f.market,
        f.world.org(code),
        json!({ "title": title, "limit": { "unit": "hours", "amount": hours } }),
    )
    .await;
    task["id"].as_str().unwrap().to_owned()
}

/// A notice from `market` to the bodies `codes`, requiring 签收; its id.
async fn notice_to(f: &Fixture, codes: &[&str], title: &str) -> String {
    let recipients: Vec<&str> = codes.iter().map(|c| f.world.org(c)).collect();
    let (status, notice) = f
        .market
        .post(
            "/api/notices",
            json!({ "kind": "information", "title": title, "body": "请签收。", "recipients": recipients }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{notice}");
    notice["id"].as_str().unwrap().to_owned()
}

/// Runs every job due by the server's clock, until none is left.
async fn run_due(f: &Fixture) {
    while f.server.worker.run_due().await.expect("running due jobs") > 0 {}
}

async fn desk(api: &Api, query: &str) -> Value {
    let (status, desk) = api.get(&format!("/api/supervision/desk{query}")).await;
    assert_eq!(status, StatusCode::OK, "{desk}");
    desk
}

/// The desk as `(body, [(kind, id, state, overdue, escalated, counterpart)])`, in its order.
type Shown = Vec<(String, Vec<(String, String, String, bool, bool, String)>)>;

fn shown(desk: &Value) -> Shown {
    desk["bodies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|body| {
            let lines = body["lines"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| {
                    (
                        l["kind"].as_str().unwrap().to_owned(),
                        l["id"].as_str().unwrap().to_owned(),
                        l["state"].as_str().unwrap().to_owned(),
                        l["overdue"].as_bool().unwrap(),
                        l["escalated"].as_bool().unwrap(),
                        l["counterpart_name"].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            (body["org_name"].as_str().unwrap().to_owned(), lines)
        })
        .collect()
}

fn line(
    kind: &str,
    id: &str,
    state: &str,
    overdue: bool,
    escalated: bool,
    counterpart: &str,
) -> (String, String, String, bool, bool, String) {
    (
        kind.to_owned(),
        id.to_owned(),
        state.to_owned(),
        overdue,
        escalated,
        counterpart.to_owned(),
    )
}

/// Every line of the desk, wherever it is, by id.
fn line_of<'a>(desk: &'a Value, id: &str) -> &'a Value {
    desk["bodies"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["lines"].as_array().unwrap())
        .find(|l| l["id"] == id)
        .unwrap_or_else(|| panic!("no line {id} in {desk}"))
}

async fn the_desk_lists_exactly_what_is_overdue_unacknowledged_or_escalated(f: Fixture) {
    const MARKET: &str = "上城区市场监督管理局";
    // Monday 2 March, 10:00. A task for the police due in an hour, which will be escalated;
    // one for the township still weeks from its deadline; one the township finished in time
    // (its clock stopped); one for the sibling county's procuratorate.
    let escalated_task = task_for(&f, "police", "核查占道经营投诉", 1).await;
    let in_time = new_task(
        &f.market,
        f.world.org("township"),
        json!({ "title": "年度执法检查", "limit": { "unit": "working_days", "amount": 60 } }),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let finished = task_for(&f, "township", "报送整改情况", 1).await;
    step(
        &f.township,
        &finished,
        "acknowledge",
        json!({}),
        "acknowledged",
    )
    .await;
    step(
        &f.township,
        &finished,
        "submit",
        json!({ "feedback": "已整改" }),
        "submitted",
    )
    .await;
    let sibling_task = task_for(&f, "sibling-procuratorate", "移送线索核查", 1).await;
    // A notice the police signs for and the township does not; one to the sibling county.
    let notice = notice_to(
        &f,
        &["township", "police"],
        "关于开展食品安全专项检查的通报",
    )
    .await;
    let (status, body) = f
        .police
        .post(&format!("/api/notices/{notice}/acknowledge"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let sibling_notice = notice_to(&f, &["sibling-procuratorate"], "跨区协查通报").await;
    // A suspected crime referred to the police, which does not sign for it; a dispute with the
    // township that nobody escalates.
    let referral = crate::referrals::sent(&f, json!({})).await;
    let referral = referral["id"].as_str().unwrap().to_owned();
    let (status, dispute) = f
        .market
        .post(
            "/api/disputes",
            json!({
                "kind": "negative", "title": "占道经营执法职责争议", "description": "双方均认为不属本单位管辖",
                "parties": [f.world.org("township")], "position": "已随综合执法下放街道",
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{dispute}");
    let dispute = dispute["id"].as_str().unwrap().to_owned();

    // Three weeks later every clock ran and its jobs fired: the police's task and the
    // referral were escalated (督办), the notice too; the negotiation's limit passed.
    f.clock.set_ms(ms(datetime!(2026-03-23 10:00 +8)));
    run_due(&f).await;
    // A task for the township, overdue by an hour, not yet reminded.
    let overdue_task = task_for(&f, "township", "清理违规户外广告", 2).await;
    f.clock.set_ms(ms(datetime!(2026-03-23 13:00 +8)));

    let county = f.signed_in("county-bureau").await;
    let county_desk = desk(&county, "").await;
    assert_eq!(county_desk["region"], "330102");
    assert_eq!(county_desk["region_name"], "上城区");
    assert_eq!(county_desk["as_of"], ms(datetime!(2026-03-23 13:00 +8)));
    assert_eq!(county_desk["truncated"], false);
    // Bodies in the order of the region tree, then by name (公 before 市); each body's lines
    // the longest overdue first.
    assert_eq!(
        shown(&county_desk),
        vec![
            (
                "上城区公安分局".to_owned(),
                vec![
                    line("task", &escalated_task, "dispatched", true, true, MARKET),
                    line("referral", &referral, "sent", true, true, MARKET),
                ]
            ),
            (
                MARKET.to_owned(),
                vec![line(
                    "dispute",
                    &dispute,
                    "raised",
                    true,
                    false,
                    "上城区司法局"
                )]
            ),
            (
                "湖滨街道办事处".to_owned(),
                vec![
                    line("notice", &notice, "delivered", true, true, MARKET),
                    line("task", &overdue_task, "dispatched", true, false, MARKET),
                ]
            ),
        ],
        "{county_desk}"
    );
    assert_eq!(
        county_desk["counts"],
        json!({ "tasks": 2, "notices": 1, "referrals": 1, "disputes": 1, "supervisions": 0, "annual_reports": 0, "escalated": 3 })
    );
    // Each line says what it is and which limit passed, and is due when its page says.
    let task_line = line_of(&county_desk, &overdue_task);
    assert_eq!(task_line["title"], "清理违规户外广告");
    assert_eq!(task_line["kind_label_zh"], "任务");
    assert_eq!(task_line["state_label_zh"], "已下发");
    assert_eq!(task_line["limit_label_zh"], "办理期限");
    assert_eq!(task_line["due_at"], ms(datetime!(2026-03-23 12:00 +8)));
    assert_eq!(task_line["counterpart_org_id"], f.world.org("market"));
    let notice_line = line_of(&county_desk, &notice);
    assert_eq!(notice_line["title"], "关于开展食品安全专项检查的通报");
    assert_eq!(notice_line["state_label_zh"], "已送达未签收");
    assert_eq!(notice_line["limit_label_zh"], "签收期限");
    let (_, sent) = f.market.get(&format!("/api/notices/{notice}")).await;
    assert_eq!(notice_line["due_at"], sent["remind_at"]);
    let referral_line = line_of(&county_desk, &referral);
    assert_eq!(referral_line["title"], "湖滨路销售假冒注册商标食品案");
    assert_eq!(referral_line["limit_label_zh"], "签收期限");
    let (_, shown_referral) = f.market.get(&format!("/api/referrals/{referral}")).await;
    assert_eq!(referral_line["due_at"], shown_referral["stage"]["due_at"]);
    let dispute_line = line_of(&county_desk, &dispute);
    assert_eq!(dispute_line["limit_label_zh"], "协商期限");
    let (_, shown_dispute) = f.market.get(&format!("/api/disputes/{dispute}")).await;
    assert_eq!(dispute_line["due_at"], shown_dispute["stage"]["due_at"]);

    // The sibling county's bureau sees its own body's lines and nothing of 上城区.
    let sibling = f.signed_in("sibling-bureau").await;
    let sibling_desk = desk(&sibling, "").await;
    assert_eq!(
        shown(&sibling_desk),
        vec![(
            "拱墅区人民检察院".to_owned(),
            vec![
                line("task", &sibling_task, "dispatched", true, true, MARKET),
                line("notice", &sibling_notice, "delivered", true, true, MARKET),
            ]
        )],
        "{sibling_desk}"
    );
    // The city's bureau sees both counties; asked for one, that one alone.
    let city = f.signed_in("city-bureau").await;
    let city_desk = desk(&city, "").await;
    let mut names: Vec<String> = shown(&city_desk).into_iter().map(|(n, _)| n).collect();
    names.sort();
    let mut expected = vec![
        "上城区公安分局",
        MARKET,
        "湖滨街道办事处",
        "拱墅区人民检察院",
    ];
    expected.sort();
    assert_eq!(names, expected, "{city_desk}");
    assert_eq!(
        shown(&desk(&city, "?region=330102").await),
        shown(&county_desk)
    );
    assert_eq!(
        shown(&desk(&city, "?region=330105").await),
        shown(&sibling_desk)
    );
    // Never a region it does not cover.
    let (status, refused) = county.get("/api/supervision/desk?region=330105").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert_eq!(refused["error"]["reason"], "policy.read_supervision_desk");
    let (status, _) = county.get("/api/supervision/desk?region=330100").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Once the township signs for the notice and finishes the task, they leave the desk.
    let (status, body) = f
        .township
        .post(&format!("/api/notices/{notice}/acknowledge"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    step(
        &f.township,
        &overdue_task,
        "acknowledge",
        json!({}),
        "acknowledged",
    )
    .await;
    step(
        &f.township,
        &overdue_task,
        "submit",
        json!({ "feedback": "已清理" }),
        "submitted",
    )
    .await;
    let after = desk(&county, "").await;
    let ids: Vec<String> = shown(&after)
        .into_iter()
        .flat_map(|(_, lines)| lines.into_iter().map(|l| l.1))
        .collect();
    assert_eq!(ids, vec![escalated_task, referral, dispute], "{after}");
    assert!(!ids.contains(&in_time) && !ids.contains(&finished));
}

#[tokio::test]
async fn the_desk_lists_exactly_what_is_overdue_unacknowledged_or_escalated_on_sqlite() {
    the_desk_lists_exactly_what_is_overdue_unacknowledged_or_escalated(fixture_on(None).await)
        .await;
}

#[tokio::test]
async fn the_desk_lists_exactly_what_is_overdue_unacknowledged_or_escalated_on_postgres() {
    the_desk_lists_exactly_what_is_overdue_unacknowledged_or_escalated(
        fixture_on(Some(fresh_database_url().await)).await,
    )
    .await;
}

async fn a_bureau_reads_its_regions_tasks_and_notices_and_acts_on_none(f: Fixture) {
    let task = task_for(&f, "township", "核查无证经营", 48).await;
    let notice = notice_to(&f, &["township", "sibling-procuratorate"], "执法协查通报").await;
    let county = f.signed_in("county-bureau").await;

    // The task, its history and no command.
    let (status, shown) = county.get(&format!("/api/tasks/{task}")).await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    assert_eq!(shown["my_party"], "supervisor");
    assert_eq!(shown["commands"], json!([]));
    assert_eq!(shown["extension_commands"], json!([]));
    assert!(!shown["history"].as_array().unwrap().is_empty());
    let (status, refused) = county
        .post(
            &format!("/api/tasks/{task}/comments"),
            json!({ "body": "请抓紧办理" }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");

    // The notice of a body it supervises, with every receipt as its sender sees them (who has
    // signed for it, who has not); opening it marks nothing read, and it signs for no one.
    let (status, shown) = county.get(&format!("/api/notices/{notice}")).await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    assert_eq!(shown["my_role"], "supervisor");
    assert_eq!(shown["commands"], json!([]));
    let receipts = shown["receipts"].as_array().unwrap();
    assert_eq!(receipts.len(), 2, "{shown}");
    for receipt in receipts {
        assert_eq!(receipt["state"], "delivered");
        assert_eq!(receipt["commands"], json!([]));
    }
    let (status, refused) = county
        .post(&format!("/api/notices/{notice}/acknowledge"), json!({}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    let (_, as_sent) = f.market.get(&format!("/api/notices/{notice}")).await;
    let states: Vec<&str> = as_sent["receipts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["delivered", "delivered"], "{as_sent}");

    // The sibling county's bureau supervises the procuratorate, a recipient: it reads the
    // notice with that body's receipt alone, and not the task, which is 上城区's alone.
    let sibling = f.signed_in("sibling-bureau").await;
    let (status, shown) = sibling.get(&format!("/api/notices/{notice}")).await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    let receipts = shown["receipts"].as_array().unwrap();
    assert_eq!(receipts.len(), 1, "{shown}");
    assert_eq!(receipts[0]["org_id"], f.world.org("sibling-procuratorate"));
    let (status, hidden) = sibling.get(&format!("/api/tasks/{task}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{hidden}");
    let (_, unknown) = sibling
        .get("/api/tasks/5f0c3a52-9d1e-4c43-8f57-3b4a1c2d9e01")
        .await;
    assert_eq!(hidden, unknown, "a hidden task answers as an unknown one");
    // The city's bureau, above both, reads both.
    let city = f.signed_in("city-bureau").await;
    let (_, shown) = city.get(&format!("/api/notices/{notice}")).await;
    assert_eq!(shown["receipts"].as_array().unwrap().len(), 2, "{shown}");
    let (status, _) = city.get(&format!("/api/tasks/{task}")).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_bureau_reads_its_regions_tasks_and_notices_and_acts_on_none_on_sqlite() {
    a_bureau_reads_its_regions_tasks_and_notices_and_acts_on_none(fixture_on(None).await).await;
}

#[tokio::test]
async fn a_bureau_reads_its_regions_tasks_and_notices_and_acts_on_none_on_postgres() {
    a_bureau_reads_its_regions_tasks_and_notices_and_acts_on_none(
        fixture_on(Some(fresh_database_url().await)).await,
    )
    .await;
}

/// A corrected notice owes 签收 once: its receipts carry their limit while their version is
/// the sent one (migration 0023), so the superseded version's receipt leaves the desk and the
/// figures, and the correction's takes its place.
async fn a_corrected_notice_owes_its_acknowledgement_once(f: Fixture) {
    let v1 = notice_to(&f, &["township"], "执法协查通报").await;
    let (status, v2) = f
        .market
        .post(
            &format!("/api/notices/{v1}/correct"),
            json!({ "title": "执法协查通报（更正）", "body": "请于本周内签收。" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v2}");
    let v2 = v2["id"].as_str().unwrap().to_owned();
    f.clock.set_ms(ms(datetime!(2026-03-23 13:00 +8)));
    run_due(&f).await;

    let county = f.signed_in("county-bureau").await;
    let county_desk = desk(&county, "").await;
    assert_eq!(line_of(&county_desk, &v2)["kind"], "notice");
    let ids: Vec<&str> = county_desk["bodies"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["lines"].as_array().unwrap())
        .filter_map(|l| l["id"].as_str())
        .collect();
    assert!(!ids.contains(&v1.as_str()), "{county_desk}");

    let (status, figures) = county
        .get("/api/figures?from=2026-03-01&to=2026-03-31")
        .await;
    assert_eq!(status, StatusCode::OK, "{figures}");
    let body = |org: &str| {
        figures["bodies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["org_id"] == org)
            .unwrap_or_else(|| panic!("no {org} in {figures}"))
            .clone()
    };
    let township = body(f.world.org("township"));
    assert_eq!(township["notices_to_acknowledge"], 1, "{township}");
    assert_eq!(township["notices_unacknowledged_late"], 1, "{township}");
    // The correction is no new notice: the market sent one.
    assert_eq!(body(f.world.org("market"))["notices_sent"], 1);
}

#[tokio::test]
async fn a_corrected_notice_owes_its_acknowledgement_once_on_sqlite() {
    a_corrected_notice_owes_its_acknowledgement_once(fixture_on(None).await).await;
}

#[tokio::test]
async fn a_corrected_notice_owes_its_acknowledgement_once_on_postgres() {
    a_corrected_notice_owes_its_acknowledgement_once(
        fixture_on(Some(fresh_database_url().await)).await,
    )
    .await;
}

/// Every line behind a body's count, read a page at a time from
/// `/api/supervision/desk/lines`, as `(due_at, id, escalated)` in the order given.
async fn paged_through(
    api: &Api,
    org: &str,
    kind: &str,
    region: &str,
    limit: u32,
) -> Vec<(i64, String, bool)> {
    let mut lines = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..100 {
        let mut path =
            format!("/api/supervision/desk/lines?kind={kind}&org={org}&limit={limit}{region}");
        if let Some(after) = &after {
            path.push_str(&format!("&after={}", urlencode(after)));
        }
        let (status, page) = api.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {page}");
        assert_eq!(page["org_id"], org);
        assert_eq!(page["kind"], kind);
        let got = page["lines"].as_array().unwrap();
        assert!(got.len() <= limit as usize, "{page}");
        for l in got {
            assert_eq!(l["kind"], kind, "{l}");
            lines.push((
                l["due_at"].as_i64().unwrap(),
                l["id"].as_str().unwrap().to_owned(),
                l["escalated"].as_bool().unwrap(),
            ));
        }
        match page["next"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => return lines,
        }
    }
    panic!("the pages of {org}'s {kind} never ended");
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The desk's counts field of each kind of line.
const KINDS: [(&str, &str); 6] = [
    ("task", "tasks"),
    ("notice", "notices"),
    ("referral", "referrals"),
    ("dispute", "disputes"),
    ("supervision", "supervisions"),
    ("annual_report", "annual_reports"),
];

/// A desk with more lines than it shows: each body's count of each kind is exactly the lines
/// paged through behind it (every one once, the earliest due first, ties by id), the escalated
/// among them as counted, and the lines the desk shows are the region's longest overdue.
async fn the_counts_are_the_lines_paged_through(f: Fixture) {
    // 22 tasks for the township due at the same moment (the pages must break the tie by id),
    // three due an hour later, two for the police; two notices to both.
    let mut township_tasks = Vec::new();
    for n in 0..22 {
        township_tasks.push(task_for(&f, "township", &format!("清理占道经营{n}"), 1).await);
    }
    for n in 0..3 {
        township_tasks.push(task_for(&f, "township", &format!("复查整改{n}"), 2).await);
    }
    for n in 0..2 {
        task_for(&f, "police", &format!("协助核查{n}"), 1).await;
    }
    for n in 0..2 {
        notice_to(&f, &["township", "police"], &format!("执法通报{n}")).await;
    }
    f.clock.set_ms(ms(datetime!(2026-03-23 10:00 +8)));
    run_due(&f).await;

    let county = f.signed_in("county-bureau").await;
    let city = f.signed_in("city-bureau").await;
    let desk = desk(&county, "").await;
    assert_eq!(desk["first_page"], 20);
    assert_eq!(desk["truncated"], true, "{desk}");
    assert!(desk["counts"]["tasks"].as_u64().unwrap() >= 27, "{desk}");
    let shown_tasks = desk["bodies"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["lines"].as_array().unwrap())
        .filter(|l| l["kind"] == "task")
        .count();
    assert_eq!(shown_tasks, 20, "{desk}");

    let mut total = json!({});
    let mut escalated_total = 0;
    for body in desk["bodies"].as_array().unwrap() {
        let org = body["org_id"].as_str().unwrap();
        let mut escalated = 0;
        for (kind, field) in KINDS {
            let counted = body["counts"][field].as_u64().unwrap() as usize;
            let lines = paged_through(&county, org, kind, "", 4).await;
            assert_eq!(lines.len(), counted, "{org}'s {kind}: {lines:?}");
            let mut sorted = lines.clone();
            sorted.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
            sorted.dedup_by(|a, b| a.1 == b.1);
            assert_eq!(sorted, lines, "{org}'s {kind}: in order, each once");
            escalated += lines.iter().filter(|l| l.2).count();
            // The lines the desk shows of this body are among them.
            for shown in body["lines"].as_array().unwrap() {
                if shown["kind"] == kind {
                    assert!(lines.iter().any(|l| l.1 == shown["id"]), "{shown}");
                }
            }
            // The bureau above, asking for the county, pages through the same lines.
            if counted > 0 {
                assert_eq!(
                    paged_through(&city, org, kind, "&region=330102", 50).await,
                    lines
                );
            }
            let sum = total[field].as_u64().unwrap_or(0) + counted as u64;
            total[field] = json!(sum);
        }
        assert_eq!(
            body["counts"]["escalated"].as_u64().unwrap() as usize,
            escalated,
            "{body}"
        );
        escalated_total += escalated;
    }
    for (_, field) in KINDS {
        assert_eq!(
            desk["counts"][field],
            total[field].as_u64().unwrap_or(0),
            "{field}"
        );
    }
    assert_eq!(desk["counts"]["escalated"], escalated_total);

    // The township's tasks: all 25, the 22 tied first, then the three due an hour later.
    let township = f.world.org("township");
    let lines = paged_through(&county, township, "task", "", 7).await;
    let mut expected = township_tasks.clone();
    expected[..22].sort();
    expected[22..].sort();
    assert_eq!(
        lines.iter().map(|l| l.1.clone()).collect::<Vec<_>>(),
        expected
    );
    assert!(
        lines[0].0 == lines[21].0 && lines[21].0 < lines[22].0,
        "{lines:?}"
    );
    // The desk shows the region's 20 longest overdue tasks: the township's tied ones and the
    // police's, never one due later while an earlier one is not shown.
    let latest_shown = desk["bodies"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["lines"].as_array().unwrap())
        .filter(|l| l["kind"] == "task")
        .map(|l| l["due_at"].as_i64().unwrap())
        .max()
        .unwrap();
    assert_eq!(latest_shown, lines[0].0);
}

#[tokio::test]
async fn the_counts_are_the_lines_paged_through_on_sqlite() {
    the_counts_are_the_lines_paged_through(fixture_on(None).await).await;
}

#[tokio::test]
async fn the_counts_are_the_lines_paged_through_on_postgres() {
    the_counts_are_the_lines_paged_through(fixture_on(Some(fresh_database_url().await)).await)
        .await;
}

/// A page of lines asked for with a kind the desk does not have, a cursor it did not give, a
/// page size out of range or no body is refused (400) in Chinese, naming what was wrong.
#[tokio::test]
async fn the_desk_lines_refuse_a_bad_kind_cursor_or_page_size_in_chinese() {
    let f = fixture_on(None).await;
    let county = f.signed_in("county-bureau").await;
    let cookie = county.cookie_header().unwrap();
    let client = reqwest::Client::new();
    let org = f.world.org("township");
    for (query, reason, words) in [
        (
            format!("kind=meeting&org={org}"),
            "value.unknown_word",
            "无法识别的取值",
        ),
        (
            format!("kind=task&org={org}&after=yesterday"),
            "supervision.desk_cursor_invalid",
            "翻页位置",
        ),
        (
            format!("kind=task&org={org}&after=12:"),
            "supervision.desk_cursor_invalid",
            "翻页位置",
        ),
        (
            format!("kind=task&org={org}&limit=0"),
            "supervision.desk_page_size",
            "每页条数",
        ),
        (
            format!("kind=task&org={org}&limit=201"),
            "supervision.desk_page_size",
            "每页条数",
        ),
        (
            format!("kind=task&org={org}&limit=many"),
            "request.bad_query",
            "请求参数有误",
        ),
        ("kind=task".to_owned(), "request.bad_query", "请求参数有误"),
    ] {
        // As a browser asks: no language named, so the server answers in Chinese.
        let answer = client
            .get(format!(
                "{}/api/supervision/desk/lines?{query}",
                county.base
            ))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        let (status, body): (StatusCode, Value) = (answer.status(), answer.json().await.unwrap());
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(body["error"]["reason"], reason, "{query}: {body}");
        assert!(
            crate::support::api::message(&body).contains(words),
            "{query}: {body}"
        );
    }
    // A well-formed cursor reads on; a body owing nothing has no lines.
    let (status, page) = county
        .get(&format!(
            "/api/supervision/desk/lines?kind=task&org={org}&after=0:x"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["lines"], json!([]));
    assert_eq!(page["next"], Value::Null);
}
