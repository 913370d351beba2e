//! The region's figures (评议考核) over HTTP on the manual clock: a seeded 上城区 with tasks
//! (one overdue, one submitted, one cancelled, one set by the bureau and overdue), notices
//! (acknowledged on time, late, never), the annual meeting, disputes (settled, withdrawn) and referrals (received
//! and decided on time, never received) gives exactly the expected numbers per body in JSON,
//! in the CSV file (parsed) and in the `.xlsx` workbook (read back cell by cell with
//! calamine); the period filter; who may read which region; bad input; on SQLite and on
//! PostgreSQL.
//!
//! Everything starts on Monday 2 March 2026 10:00 (Beijing); the bureau's annual meeting is
//! held on 10 March; everything is counted on 1 July 2026, when the open tasks are long overdue.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use reqwest::StatusCode;
use serde_json::{json, Value};
use time::macros::datetime;

use crate::disputes::settle_by_agreement;
use crate::jobs::ms;
use crate::meetings::{fixture, fixture_on, Fixture};
use crate::support::api::{message, Api};
use crate::support::postgres::fresh_database_url;
use crate::tasks::{act, new_task};

const PERIOD: &str = "region=330102&from=2026-01-01&to=2026-12-31";

/// The bodies of 上城区 and below, as the figures order them (region, kind, name).
const BODIES: [&str; 7] = [
    "上城区司法局",
    "上城区市场监督管理局",
    "上城区公安分局",
    "上城区人民检察院",
    "上城区人民法院",
    "上城区纪委监委",
    "湖滨街道办事处",
];

fn id_of(value: &Value) -> String {
    value["id"].as_str().unwrap().to_owned()
}

async fn ok(api: &Api, method: &str, path: &str, body: Value) -> Value {
    let (status, answer) = match method {
        "post" => api.post(path, body).await,
        _ => api.get(path).await,
    };
    assert!(status.is_success(), "{method} {path}: {status} {answer}");
    answer
}

async fn referral_step(api: &Api, id: &str, command: &str) -> Value {
    let (status, referral) = crate::referrals::command(api, id, command, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{command}: {referral}");
    referral
}

async fn notice(f: &Fixture, recipients: &[&str]) -> Value {
    let recipients: Vec<&str> = recipients.iter().map(|code| f.world.org(code)).collect();
    let (status, notice) = f
        .convener
        .post(
            "/api/notices",
            json!({
                "kind": "information",
                "title": "关于报送执法数据的通知",
                "body": "请于本周内报送上季度执法数据。",
                "recipients": recipients,
                "requires_ack": true,
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{notice}");
    notice
}

async fn raise(f: &Fixture, title: &str) -> String {
    let dispute = ok(
        &f.township,
        "post",
        "/api/disputes",
        json!({
            "kind": "negative",
            "title": title,
            "description": "占道经营执法职责争议",
            "parties": [f.world.org("market")],
            "position": "不属本街道管辖。",
        }),
    )
    .await;
    id_of(&dispute)
}

async fn dispute_step(api: &Api, id: &str, command: &str, extra: Value) {
    let dispute = ok(api, "get", &format!("/api/disputes/{id}"), json!({})).await;
    let mut body = json!({ "command": command, "revision": dispute["revision"] });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    ok(api, "post", &format!("/api/disputes/{id}/actions"), body).await;
}

/// Seeds 上城区 and moves the clock to 1 July 2026.
async fn seed(f: &Fixture) {
    // Tasks, all dispatched on 2 March with 10 working days: the market sets three to the
    // township (one left open, one submitted in time, one cancelled: counted nowhere), the
    // bureau one to the market (left open).
    let township = f.world.org("township");
    let _open = new_task(&f.market, township, json!({})).await;
    let submitted = id_of(&new_task(&f.market, township, json!({})).await);
    let cancelled = id_of(&new_task(&f.market, township, json!({})).await);
    let _bureau_task = new_task(&f.convener, f.world.org("market"), json!({})).await;
    for (api, id, command, extra) in [
        (&f.township, &submitted, "acknowledge", json!({})),
        (
            &f.township,
            &submitted,
            "submit",
            json!({ "feedback": "已核查" }),
        ),
        (
            &f.market,
            &cancelled,
            "cancel",
            json!({ "reason": "重复下达" }),
        ),
    ] {
        let (status, task) = act(api, id, command, extra).await;
        assert_eq!(status, StatusCode::OK, "{command}: {task}");
    }

    // Notices from the bureau: the market acknowledges the first at once, the township late;
    // the police never acknowledge the second.
    let first = notice(f, &["market", "township"]).await;
    let remind_at = first["remind_at"].as_i64().expect("a limit to acknowledge");
    let _second = notice(f, &["police"]).await;
    let first = id_of(&first);
    ok(
        &f.market,
        "post",
        &format!("/api/notices/{first}/acknowledge"),
        json!({}),
    )
    .await;

    // The bureau's annual meeting, notified on 2 March (its notice to the market, the
    // township and the police requires 签收, which none gives) and held on 10 March.
    let meeting = id_of(&f.new_meeting(json!({})).await);
    crate::meetings::step(
        &f.convener,
        &meeting,
        "issue_notice",
        json!({}),
        "scheduled",
    )
    .await;

    // Disputes raised by the township against the market: one settled on Wednesday 4 March
    // (2 working days), one withdrawn.
    let settled = raise(f, "争议一").await;
    let withdrawn = raise(f, "争议二").await;
    dispute_step(&f.market, &settled, "negotiate", json!({})).await;
    dispute_step(
        &f.township,
        &withdrawn,
        "withdraw",
        json!({ "reason": "已自行查处" }),
    )
    .await;

    // Referrals from the market to the police: one received and accepted at once, one never
    // received.
    let received = id_of(&crate::referrals::sent(f, json!({})).await);
    crate::referrals::sent(f, json!({ "case_name": "另一起涉嫌犯罪案件" })).await;
    let referral = referral_step(&f.police, &received, "receive").await;
    for item in referral["items"].as_array().unwrap() {
        let item = item["id"].as_str().unwrap();
        ok(
            &f.police,
            "post",
            &format!("/api/referrals/{received}/items/{item}/check"),
            json!({ "found": "received" }),
        )
        .await;
    }
    referral_step(&f.police, &received, "accept").await;

    f.clock.set_ms(ms(datetime!(2026-03-04 15:00 +8)));
    settle_by_agreement(f, &settled).await;
    f.clock.set_ms(remind_at.max(f.clock.now_ms()) + 3_600_000);
    ok(
        &f.township,
        "post",
        &format!("/api/notices/{first}/acknowledge"),
        json!({}),
    )
    .await;

    f.clock
        .set_ms(ms(datetime!(2026-03-10 09:25 +8)).max(f.clock.now_ms()));
    crate::meetings::step(&f.convener, &meeting, "start", json!({}), "in_progress").await;

    f.clock.set_ms(ms(datetime!(2026-07-01 10:00 +8)));
}

/// The figures of each body as expected: (name, the JSON fields that are not zero).
fn expected() -> Vec<(&'static str, Value)> {
    vec![
        (
            "上城区司法局",
            json!({ "tasks_set": 1, "notices_sent": 3, "meetings_convened": 1,
                    "meetings_held": 1, "annual_meeting": "held",
                    "annual_meeting_flagged": false }),
        ),
        (
            "上城区市场监督管理局",
            json!({ "tasks_set": 2, "tasks_assigned": 1, "tasks_overdue": 1,
                    "tasks_overdue_rate": 100.0, "notices_to_acknowledge": 2,
                    "notices_unacknowledged_late": 1,
                    "disputes_against": 2, "disputes_settled": 1,
                    "dispute_settle_days_median": 2.0, "referrals_sent": 2 }),
        ),
        (
            "上城区公安分局",
            json!({ "notices_to_acknowledge": 2, "notices_unacknowledged_late": 2,
                    "referrals_received": 2, "referrals_received_on_time": 1,
                    "referrals_decided_on_time": 1 }),
        ),
        ("上城区人民检察院", json!({})),
        ("上城区人民法院", json!({})),
        ("上城区纪委监委", json!({})),
        (
            "湖滨街道办事处",
            json!({ "tasks_assigned": 2, "tasks_overdue": 1, "tasks_overdue_rate": 50.0,
                    "notices_to_acknowledge": 2, "notices_unacknowledged_late": 2,
                    "disputes_raised": 2, "disputes_settled": 1,
                    "dispute_settle_days_median": 2.0 }),
        ),
    ]
}

/// Every count the figures have, and the optional values.
const COUNTS: [&str; 21] = [
    "tasks_set",
    "tasks_assigned",
    "tasks_overdue",
    "notices_sent",
    "notices_to_acknowledge",
    "notices_unacknowledged_late",
    "meetings_convened",
    "meetings_held",
    "disputes_raised",
    "disputes_against",
    "disputes_settled",
    "disputes_decided",
    "referrals_sent",
    "referrals_received",
    "referrals_received_on_time",
    "referrals_decided_on_time",
    "supervision_documents",
    "rectified_on_time",
    "files_reviewed",
    "files_failed",
    "tasks_overdue_rate",
];

/// The value of `field` for a body as expected (0 for a count not named, null for an
/// optional value not named).
fn want(fields: &Value, field: &str) -> Value {
    match fields.get(field) {
        Some(v) => v.clone(),
        None if COUNTS[..20].contains(&field) => json!(0),
        None => Value::Null,
    }
}

/// The CSV and worksheet columns of the JSON fields, by header.
const COLUMNS: [(&str, &str); 25] = [
    ("下达任务数", "tasks_set"),
    ("承办任务数", "tasks_assigned"),
    ("超期任务数", "tasks_overdue"),
    ("超期率（%）", "tasks_overdue_rate"),
    ("发出通报数", "notices_sent"),
    ("应签收通报数", "notices_to_acknowledge"),
    ("逾期未签收数", "notices_unacknowledged_late"),
    ("召集会议数", "meetings_convened"),
    ("召开会议数", "meetings_held"),
    ("年度协调会议", "annual_meeting"),
    ("提出争议数", "disputes_raised"),
    ("被提出争议数", "disputes_against"),
    ("协商解决数", "disputes_settled"),
    ("作出协调意见数", "disputes_decided"),
    ("协商解决用时中位数（工作日）", "dispute_settle_days_median"),
    ("移送数", "referrals_sent"),
    ("接收移送数", "referrals_received"),
    ("按时签收数", "referrals_received_on_time"),
    ("按时决定数", "referrals_decided_on_time"),
    ("监督文书数", "supervision_documents"),
    ("按时整改数", "rectified_on_time"),
    ("评查案卷数", "files_reviewed"),
    ("不合格案卷数", "files_failed"),
    ("单位名称", "org_name"),
    ("区划名称", "region_name"),
];

/// How a spreadsheet cell shows an expected JSON value: numbers as numbers, the annual
/// status in Chinese, nothing as an empty cell.
fn as_cell(field: &str, value: &Value, fields: &Value) -> Option<Result<f64, String>> {
    match (field, value) {
        (_, Value::Null) => None,
        ("annual_meeting", Value::String(s)) => {
            assert_eq!(
                (s.as_str(), &fields["annual_meeting_flagged"]),
                ("held", &json!(false))
            );
            Some(Err("已召开".into()))
        }
        (_, Value::String(s)) => Some(Err(s.clone())),
        (_, v) => Some(Ok(v.as_f64().unwrap())),
    }
}

async fn get_bytes(api: &Api, path: &str) -> (StatusCode, String, Vec<u8>) {
    let response = api
        .client
        .get(format!("{}{path}", api.base))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, kind, response.bytes().await.unwrap().to_vec())
}

async fn exact_figures_as_json_csv_and_xlsx(f: Fixture) {
    seed(&f).await;
    let county = &f.convener;

    // JSON: every body of 上城区 and below, named, with exactly its numbers.
    let figures = ok(county, "get", &format!("/api/figures?{PERIOD}"), json!({})).await;
    assert_eq!(figures["region_name"], "上城区");
    assert_eq!(
        (figures["from"].as_str(), figures["to"].as_str()),
        (Some("2026-01-01"), Some("2026-12-31"))
    );
    assert_eq!(figures["annual_year"], 2026);
    let bodies = figures["bodies"].as_array().unwrap();
    let names: Vec<&str> = bodies
        .iter()
        .map(|b| b["org_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, BODIES, "{figures}");
    for ((name, fields), body) in expected().iter().zip(bodies) {
        for field in COUNTS.iter().chain(&[
            "dispute_settle_days_median",
            "annual_meeting",
            "annual_meeting_flagged",
        ]) {
            assert_eq!(body[*field], want(fields, field), "{name} {field}: {body}");
        }
    }
    assert_eq!(bodies[6]["region_name"], "湖滨街道");

    // The CSV: a BOM, the Chinese header, one record per body with the same numbers.
    let (status, kind, bytes) = get_bytes(county, &format!("/api/figures.csv?{PERIOD}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("text/csv"), "{kind}");
    assert!(bytes.starts_with(b"\xef\xbb\xbf"), "a BOM first");
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header[0], "单位名称");
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), BODIES.len());
    for ((name, fields), record) in expected().iter().zip(&records) {
        for (title, field) in COLUMNS {
            let column = header
                .iter()
                .position(|h| h == title)
                .unwrap_or_else(|| panic!("{title}"));
            let cell = &record[column];
            let value = match field {
                "org_name" => json!(name),
                "region_name" => json!(if *name == "湖滨街道办事处" {
                    "湖滨街道"
                } else {
                    "上城区"
                }),
                _ => want(fields, field),
            };
            match as_cell(field, &value, fields) {
                None => assert_eq!(cell, "", "{name} {title}"),
                Some(Ok(number)) => {
                    assert_eq!(cell.parse::<f64>().ok(), Some(number), "{name} {title}")
                }
                Some(Err(text)) => assert_eq!(cell, text, "{name} {title}"),
            }
        }
    }

    // The workbook: a title line, the header, one row per body; numbers as numbers.
    let (status, kind, bytes) = get_bytes(county, &format!("/api/figures.xlsx?{PERIOD}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.contains("spreadsheetml"), "{kind}");
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), vec!["评议考核".to_owned()]);
    let sheet = book.worksheet_range("评议考核").unwrap();
    let title = sheet.get_value((0, 0)).unwrap().to_string();
    assert!(
        title.contains("上城区") && title.contains("2026-01-01 至 2026-12-31"),
        "{title}"
    );
    let header: Vec<String> = (0..header.len() as u32)
        .map(|c| sheet.get_value((1, c)).unwrap().to_string())
        .collect();
    assert_eq!(header[0], "单位名称");
    assert_eq!(sheet.height(), 2 + BODIES.len());
    for (row, (name, fields)) in expected().iter().enumerate() {
        let row = 2 + row as u32;
        for (title, field) in COLUMNS {
            let column = header.iter().position(|h| h == title).unwrap() as u32;
            let cell = sheet
                .get_value((row, column))
                .cloned()
                .unwrap_or(Data::Empty);
            let value = match field {
                "org_name" => json!(name),
                "region_name" => json!(if *name == "湖滨街道办事处" {
                    "湖滨街道"
                } else {
                    "上城区"
                }),
                _ => want(fields, field),
            };
            match as_cell(field, &value, fields) {
                None => assert_eq!(cell, Data::Empty, "{name} {title}"),
                Some(Ok(number)) => assert_eq!(cell, Data::Float(number), "{name} {title}"),
                Some(Err(text)) => assert_eq!(cell, Data::String(text), "{name} {title}"),
            }
        }
    }

    // The period counts dispatch, sending, start and raise dates: from 3 March, nothing of
    // 2 March, only the meeting held on 10 March.
    let later = ok(
        county,
        "get",
        "/api/figures?region=330102&from=2026-03-03&to=2026-12-31",
        json!({}),
    )
    .await;
    for body in later["bodies"].as_array().unwrap() {
        let bureau = body["org_name"] == "上城区司法局";
        for field in &COUNTS[..16] {
            let meeting = bureau && field.starts_with("meetings_");
            assert_eq!(body[*field], u32::from(meeting), "{field}: {body}");
        }
    }

    lists_behind_the_figures(&f, bodies).await;

    // The city bureau reads the city: its own bureau, both counties' bodies.
    let city = f.signed_in("city-bureau").await;
    let figures = ok(
        &city,
        "get",
        "/api/figures?region=330100&from=2026-01-01&to=2026-12-31",
        json!({}),
    )
    .await;
    let names: Vec<&str> = figures["bodies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["org_name"].as_str().unwrap())
        .collect();
    assert_eq!(names[0], "杭州市司法局");
    assert!(
        names.contains(&"拱墅区司法局") && names.contains(&"湖滨街道办事处"),
        "{names:?}"
    );
    assert!(!names.contains(&"宁波市司法局"), "{names:?}");
}

/// The list each linked figure opens (评议考核's links: the task, notice and supervision
/// document lists filtered to the body, the period and what the figure counts), and the
/// figure's field.
const LINKED: [(&str, &str, &str); 10] = [
    (
        "tasks_assigned",
        "/api/tasks?list=assigned&limit=200&",
        "tasks",
    ),
    (
        "tasks_overdue",
        "/api/tasks?list=assigned&overdue=true&limit=200&",
        "tasks",
    ),
    (
        "notices_to_acknowledge",
        "/api/notices?box=received&limit=200&",
        "notices",
    ),
    (
        "notices_unacknowledged_late",
        "/api/notices?box=received&late=true&limit=200&",
        "notices",
    ),
    (
        "supervision_documents",
        "/api/supervision-docs?",
        "supervision_docs",
    ),
    (
        "rectified_on_time",
        "/api/supervision-docs?on_time=true&",
        "supervision_docs",
    ),
    (
        "disputes_raised",
        "/api/disputes?figure=raised&",
        "disputes",
    ),
    (
        "disputes_against",
        "/api/disputes?figure=against&",
        "disputes",
    ),
    (
        "disputes_settled",
        "/api/disputes?figure=settled&",
        "disputes",
    ),
    (
        "disputes_decided",
        "/api/disputes?figure=decided&",
        "disputes",
    ),
];

/// For every body and every linked figure, the county bureau's list behind it holds exactly
/// as many rows as the figure counted (and at least one row is checked this way for each
/// list but the supervision documents' (tests/it/supervision_docs.rs checks them) and the
/// decided disputes' (none in the seed)); the
/// sibling county's bureau finds none of them; a body's own list is its own.
async fn lists_behind_the_figures(f: &Fixture, bodies: &[Value]) {
    let sibling = f.signed_in("sibling-bureau").await;
    let period = "from=2026-01-01&to=2026-12-31";
    let mut rows_seen = std::collections::HashMap::new();
    for body in bodies {
        let org = body["org_id"].as_str().unwrap();
        for (figure, list, key) in LINKED {
            let path = format!("{list}org={org}&{period}");
            let page = ok(&f.convener, "get", &path, json!({})).await;
            let rows = page[key].as_array().unwrap();
            assert_eq!(
                json!(rows.len()),
                body[figure],
                "{} {figure}: {page}",
                body["org_name"]
            );
            *rows_seen.entry(figure).or_insert(0) += rows.len();
            // Each row is the body's: its task, its receipt, a document issued to it.
            for row in rows {
                let of = match key {
                    "tasks" => &row["assignee_org_id"],
                    "notices" => &row["receipts"][0]["org_id"],
                    "disputes" => {
                        let parties = row["parties"].as_array().unwrap();
                        let part = parties.iter().find(|p| p["org_id"] == org);
                        &part.unwrap_or_else(|| panic!("{figure}: {row}"))["org_id"]
                    }
                    _ => &row["body_org_id"],
                };
                assert_eq!(of, org, "{figure}: {row}");
            }
            if rows.is_empty() {
                continue;
            }
            let (status, page) = sibling.get(&path).await;
            assert_eq!(status, StatusCode::OK, "{page}");
            assert_eq!(page[key], json!([]), "the sibling bureau read {figure}");
        }
    }
    for (figure, _, _) in LINKED[..4].iter().chain(&LINKED[6..9]) {
        assert!(rows_seen[figure] > 0, "no row behind {figure} was checked");
    }
    // The market department's own overdue tasks, as it lists them itself.
    let market = f.world.org("market");
    let own = ok(
        &f.market,
        "get",
        &format!("/api/tasks?list=assigned&overdue=true&{period}"),
        json!({}),
    )
    .await;
    let tasks = own["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 1, "{own}");
    assert_eq!(tasks[0]["assignee_org_id"], market);
    assert_eq!(tasks[0]["my_party"], "assignee");
    // The filters belong to their lists: refused elsewhere with the reason.
    for (path, reason) in [
        (
            "/api/tasks?list=open&overdue=true",
            "task.filter_assigned_only",
        ),
        (
            "/api/notices?box=sent&from=2026-01-01",
            "notice.filter_received_only",
        ),
        (
            "/api/notices?pending=true&late=true",
            "notice.filter_received_only",
        ),
        ("/api/tasks?list=assigned&from=2026-13-01", "stats.bad_date"),
    ] {
        let (status, body) = f.convener.get(path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert_eq!(body["error"]["reason"], reason, "{path}: {body}");
    }
}

#[tokio::test]
async fn a_seeded_region_gives_exact_figures_as_json_csv_and_xlsx_on_sqlite() {
    exact_figures_as_json_csv_and_xlsx(fixture().await).await;
}

#[tokio::test]
async fn a_seeded_region_gives_exact_figures_as_json_csv_and_xlsx_on_postgres() {
    exact_figures_as_json_csv_and_xlsx(fixture_on(Some(fresh_database_url().await)).await).await;
}

#[tokio::test]
async fn figures_are_a_bureaus_of_its_region_and_bad_input_is_refused_and_changes_nothing() {
    let f = fixture().await;
    let county = &f.convener;
    let sibling = f.signed_in("sibling-bureau").await;
    let operator = f.signed_in("operator").await;
    let db = f.db().await;
    let before = db.events_after(0, 100_000).await.unwrap().len();

    // A sibling's or a higher region, or a body that is no bureau: refused with the rule.
    for (who, api, region) in [
        ("county", county, "330100"),
        ("sibling", &sibling, "330102"),
        ("market", &f.market, "330102"),
    ] {
        for path in ["/api/figures", "/api/figures.csv", "/api/figures.xlsx"] {
            let (status, body) = api.get(&format!("{path}?region={region}")).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{who} {path}: {body}");
            assert_eq!(
                body["error"]["reason"], "policy.read_dispute_stats",
                "{who}"
            );
        }
    }
    // The operator reads any region it names.
    let (status, body) = operator.get("/api/figures?region=330000").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = operator.get("/api/figures").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["reason"], "stats.region_required");

    // An unknown region is 404; a reversed or malformed period 400 with its reason.
    for path in ["/api/figures", "/api/figures.csv", "/api/figures.xlsx"] {
        let (status, body) = county.get(&format!("{path}?region=339999")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        for (query, reason) in [
            ("from=2026-03-02&to=2026-03-01", "stats.from_after_to"),
            ("from=2026-3-1", "stats.bad_date"),
            ("from=2010-01-01&to=2026-01-01", "stats.period_too_long"),
        ] {
            let (status, body) = county.get(&format!("{path}?{query}")).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path}?{query}: {body}");
            assert_eq!(body["error"]["reason"], reason, "{path}?{query}: {body}");
            assert!(!message(&body).is_empty());
        }
    }
    // Reading figures changes nothing.
    assert_eq!(db.events_after(0, 100_000).await.unwrap().len(), before);
}
