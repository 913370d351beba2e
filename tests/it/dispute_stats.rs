//! Dispute statistics (争议统计) over HTTP, on the manual clock: disputes raised on different
//! days, settled by their signed agreements (one across a weekend), withdrawn, escalated and accepted, left to run out;
//! the counts and working-day medians per region, the period filter, the CSV file (BOM,
//! Chinese header, a row), who may read which region, and bad input; on SQLite and on
//! PostgreSQL.
//!
//! Every dispute is raised by `township` (湖滨街道, 330102001) against `market` (330102), so
//! it lies in 上城区 (330102): 上城区's own row, 杭州市's 上城区 row.

use reqwest::StatusCode;
use serde_json::{json, Value};
use time::macros::datetime;

use crate::disputes::settle_by_agreement;
use crate::jobs::ms;
use crate::meetings::{fixture, fixture_on, Fixture};
use crate::support::api::{message, Api};
use crate::support::postgres::fresh_database_url;

async fn raise(f: &Fixture, title: &str) -> String {
    let (status, dispute) = f
        .township
        .post(
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
    assert_eq!(status, StatusCode::CREATED, "{dispute}");
    dispute["id"].as_str().unwrap().to_owned()
}

async fn command(api: &Api, id: &str, command: &str, extra: Value) {
    let (status, dispute) = api.get(&format!("/api/disputes/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{dispute}");
    let mut body = json!({ "command": command, "revision": dispute["revision"] });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let (status, answer) = api.post(&format!("/api/disputes/{id}/actions"), body).await;
    assert_eq!(status, StatusCode::OK, "{command}: {answer}");
}

fn row<'a>(stats: &'a Value, scope: &str, region: &str) -> &'a Value {
    stats["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["scope"] == scope && r["region"] == region)
        .unwrap_or_else(|| panic!("no {scope} row for {region} in {stats}"))
}

/// The raw bytes and content type of a GET.
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

async fn counts_medians_and_csv(f: Fixture) {
    let county = &f.convener;
    // Monday 2 March 10:00: raised, settled on Wednesday 4 March (2 working days).
    let settled_midweek = raise(&f, "争议一").await;
    command(&f.market, &settled_midweek, "negotiate", json!({})).await;
    f.clock.set_ms(ms(datetime!(2026-03-04 15:00 +8)));
    settle_by_agreement(&f, &settled_midweek).await;

    // Friday 6 March: four more. One settled on Monday 9 March (1 working day: the weekend
    // does not count), one withdrawn, one escalated and accepted, one left to run out.
    f.clock.set_ms(ms(datetime!(2026-03-06 10:00 +8)));
    let settled_over_weekend = raise(&f, "争议二").await;
    let withdrawn = raise(&f, "争议三").await;
    let accepted = raise(&f, "争议四").await;
    let _left = raise(&f, "争议五").await;
    command(&f.market, &settled_over_weekend, "negotiate", json!({})).await;
    command(
        &f.township,
        &withdrawn,
        "withdraw",
        json!({ "reason": "已自行查处" }),
    )
    .await;
    command(&f.market, &accepted, "negotiate", json!({})).await;
    for api in [&f.township, &f.market] {
        let (status, body) = api
            .post(
                &format!("/api/disputes/{accepted}/negotiation-failed"),
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    command(
        &f.township,
        &accepted,
        "escalate",
        json!({ "reason": "协商不成" }),
    )
    .await;
    command(county, &accepted, "accept", json!({})).await;
    f.clock.set_ms(ms(datetime!(2026-03-09 11:00 +8)));
    settle_by_agreement(&f, &settled_over_weekend).await;

    // Months later every running stage (the replies, the negotiation) is past due.
    f.clock.set_ms(ms(datetime!(2026-06-01 10:00 +8)));
    let (status, stats) = county.get("/api/disputes/stats").await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    assert_eq!(stats["region"], "330102");
    assert_eq!(stats["region_name"], "上城区");
    assert_eq!(
        (stats["from"].as_str(), stats["to"].as_str()),
        (Some("2026-01-01"), Some("2026-12-31"))
    );
    let own = row(&stats, "own", "330102");
    let total = row(&stats, "total", "330102");
    assert_eq!(own, &{
        let mut t = total.clone();
        t["scope"] = json!("own");
        t
    });
    assert_eq!(total["raised"], 5, "{total}");
    assert_eq!(total["settled"], 2, "{total}");
    assert_eq!(total["withdrawn"], 1, "{total}");
    assert_eq!(total["escalated"], 1, "{total}");
    assert_eq!(total["decided"], 0, "{total}");
    assert_eq!(total["not_accepted"], 0, "{total}");
    assert_eq!(total["open"], 2, "{total}");
    assert_eq!(total["overdue"], 2, "{total}");
    // Settled after 2 and 1 working days.
    assert_eq!(total["settle_days_median"], 1.5, "{total}");
    assert_eq!(total["settle_days_p90"], 1.9, "{total}");
    assert!(total["decide_days_median"].is_null(), "{total}");
    // 湖滨街道 is 上城区's child; no dispute lies in it alone.
    assert_eq!(row(&stats, "child", "330102001")["raised"], 0);

    // The period counts raise dates: from Tuesday 3 March, the first dispute is left out.
    let (_, later) = county
        .get("/api/disputes/stats?from=2026-03-03&to=2026-03-06")
        .await;
    let total = row(&later, "total", "330102");
    assert_eq!(
        (total["raised"].as_i64(), total["settled"].as_i64()),
        (Some(4), Some(1))
    );
    assert_eq!(total["settle_days_median"], 1.0, "{total}");
    let (_, before) = county
        .get("/api/disputes/stats?from=2026-03-01&to=2026-03-02")
        .await;
    assert_eq!(row(&before, "total", "330102")["raised"], 1);

    // The city bureau: 上城区 and 拱墅区 as rows, none at the city's own level.
    let city = Api::signed_in(&f.server, "city-bureau").await;
    let (status, stats) = city.get("/api/disputes/stats").await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    assert_eq!(stats["region"], "330100");
    assert_eq!(row(&stats, "child", "330102")["raised"], 5);
    assert_eq!(row(&stats, "child", "330102")["region_name"], "上城区");
    assert_eq!(row(&stats, "child", "330105")["raised"], 0);
    assert_eq!(row(&stats, "own", "330100")["raised"], 0);
    assert_eq!(row(&stats, "total", "330100")["raised"], 5);
    assert_eq!(row(&stats, "total", "330100")["settle_days_median"], 1.5);

    // The CSV: UTF-8 with a BOM, the Chinese header, a row per region with its name.
    let (status, kind, bytes) = get_bytes(&city, "/api/disputes/stats.csv").await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("text/csv"), "{kind}");
    assert!(bytes.starts_with(b"\xef\xbb\xbf"), "a BOM first");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("区划代码,区划名称,范围,提出数,协商解决数,提请协调数,作出协调意见数"),
        "{}",
        lines[0]
    );
    assert!(
        lines[0].contains("协商解决用时中位数（工作日）"),
        "{}",
        lines[0]
    );
    assert!(
        lines
            .contains(&"330102,上城区,下级区划,5,2,1,0,0,1,2,2,1.5,1.9,,,2026-01-01 至 2026-12-31"),
        "{text}"
    );
    assert!(
        lines.contains(&"330100,杭州市,合计,5,2,1,0,0,1,2,2,1.5,1.9,,,2026-01-01 至 2026-12-31"),
        "{text}"
    );
    assert_eq!(lines.len(), 1 + 2 + 2, "{text}");
}

#[tokio::test]
async fn counts_and_working_day_medians_per_region_as_json_and_csv_on_sqlite() {
    counts_medians_and_csv(fixture().await).await;
}

#[tokio::test]
async fn counts_and_working_day_medians_per_region_as_json_and_csv_on_postgres() {
    counts_medians_and_csv(fixture_on(Some(fresh_database_url().await)).await).await;
}

#[tokio::test]
async fn a_bureau_reads_its_region_and_below_and_bad_input_is_refused_with_its_reason() {
    let f = fixture().await;
    raise(&f, "争议").await;
    let county = &f.convener;
    let sibling = Api::signed_in(&f.server, "sibling-bureau").await;
    let operator = Api::signed_in(&f.server, "operator").await;

    // Below one's region: yes; a sibling's or above: refused with the rule.
    let (status, _) = county.get("/api/disputes/stats?region=330102001").await;
    assert_eq!(status, StatusCode::OK);
    for (who, api, region) in [
        ("county", county, "330100"),
        ("sibling", &sibling, "330102"),
    ] {
        let (status, body) = api
            .get(&format!("/api/disputes/stats?region={region}"))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who}: {body}");
        assert_eq!(
            body["error"]["reason"], "policy.read_dispute_stats",
            "{who}"
        );
    }
    let (status, body) = f.market.get("/api/disputes/stats").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    // The operator reads any region, once it names one.
    let (status, body) = operator.get("/api/disputes/stats?region=330000").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(row(&body, "total", "330000")["raised"], 1);
    let (status, body) = operator.get("/api/disputes/stats").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(message(&body).contains("name the region"), "{body}");

    // Unknown region: 404; malformed dates, reversed or over-long periods, unknown
    // parameters: 400 saying what was wrong.
    let (status, body) = county.get("/api/disputes/stats?region=339999").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    for (query, says) in [
        ("from=2026-3-1", "the date 2026-3-1 is not valid"),
        ("to=2026-02-30", "the date 2026-02-30 is not valid"),
        (
            "from=2026-03-02&to=2026-03-01",
            "the start date 2026-03-02 is after the end date 2026-03-01",
        ),
        ("from=2010-01-01&to=2026-01-01", "longer than ten years"),
        ("year=2026", "unknown field"),
    ] {
        for path in ["/api/disputes/stats", "/api/disputes/stats.csv"] {
            let (status, body) = county.get(&format!("{path}?{query}")).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path}?{query}: {body}");
            assert!(message(&body).contains(says), "{path}?{query}: {body}");
        }
    }
}
