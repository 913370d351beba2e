//! What a civil servant meets (issue 16): the signed minutes read as an office document
//! (GB/T 9704: a document number, Beijing time written the Chinese way, attendance from the
//! check-in, the issuing body and date, signers as persons), document numbers counted per
//! body and year, and one notice with one answer (answering a meeting's invitation
//! acknowledges its notice; every notice about a meeting or its minutes links to it).
//!
//! `county-bureau` (上城区司法局, in 上城区) convenes; `market` and `township` take part.

use reqwest::StatusCode;
use serde_json::{json, Value};
use server::signing::bundle::Bundle;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

use crate::minutes::archived_meeting;
use crate::support::api::{Api, World};
use crate::support::server::TestServer;

const HOUR_MS: i64 = 3_600_000;

/// An RFC 3339 instant as a person in Beijing writes it: `2026年12月8日 9:30`.
fn beijing(rfc3339: &str) -> String {
    let at = OffsetDateTime::parse(rfc3339, &Rfc3339)
        .unwrap()
        .to_offset(UtcOffset::from_hms(8, 0, 0).unwrap());
    format!(
        "{}年{}月{}日 {}:{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute()
    )
}

/// The year of now in Beijing time.
fn beijing_year() -> i32 {
    OffsetDateTime::now_utc()
        .to_offset(UtcOffset::from_hms(8, 0, 0).unwrap())
        .year()
}

/// Whether `text` holds something shaped like a UUID (8-4-4-4-12 hex digits).
fn has_uuid(text: &str) -> bool {
    let bytes = text.as_bytes();
    let shape = [8, 4, 4, 4, 12];
    let total: usize = shape.iter().sum::<usize>() + 4;
    (0..bytes.len().saturating_sub(total - 1)).any(|start| {
        let mut at = start;
        shape.iter().enumerate().all(|(i, len)| {
            let run = bytes[at..at + len].iter().all(u8::is_ascii_hexdigit);
            at += len;
            let dash = i == 4 || bytes.get(at) == Some(&b'-');
            at += 1;
            run && dash
        })
    })
}

/// The notices `api`'s body received, each with its own receipt.
async fn received(api: &Api) -> Vec<Value> {
    let (status, page) = api.get("/api/notices?box=received").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["notices"].as_array().unwrap().clone()
}

#[tokio::test]
async fn signed_minutes_read_as_an_office_document_with_number_beijing_time_check_in_and_signers() {
    let workdir = tempfile::tempdir().unwrap();
    let (m, zip) = archived_meeting(workdir.path()).await;
    let bundle = Bundle::from_zip(&zip).unwrap();
    let content: Value = serde_json::from_slice(&bundle.files["content.json"]).unwrap();
    let html = String::from_utf8(bundle.files["minutes.html"].clone()).unwrap();
    let year = beijing_year();

    // The document number: the convener's short name (上城区司法局 in 上城区: 上司), 纪, the
    // year, its first number; in the signed content and in the rendition.
    let number = format!("上司纪〔{year}〕1号");
    assert_eq!(content["document"]["number"], number.as_str(), "{content}");
    assert!(html.contains(&number), "{html}");
    assert!(html.contains("上城区司法局会议纪要"), "{html}");

    // Times in Beijing time, written the Chinese way: the meeting as held, start to end.
    let held = &content["held"];
    let started = beijing(held["started_at"].as_str().unwrap());
    let ended = beijing(held["ended_at"].as_str().unwrap());
    let ended_clock = ended.rsplit(' ').next().unwrap();
    assert!(
        html.contains(&format!("{started}—")) && html.contains(ended_clock),
        "{started}—{ended_clock} not in {html}"
    );
    assert!(!html.contains("T0") && !html.contains(":00Z"), "{html}");

    // Attendance from the check-in: market was checked in as attended with its person;
    // township was not checked in at all.
    assert!(
        html.contains("<span class=\"label\">出席：</span>上城区市场监督管理局（张三）"),
        "{html}"
    );
    let not_checked_in = html
        .lines()
        .find(|line| line.contains("未签到：</span>"))
        .unwrap_or_else(|| panic!("no 未签到 line in {html}"));
    assert!(not_checked_in.contains("湖滨街道办事处"), "{html}");
    assert!(!not_checked_in.contains("上城区市场监督管理局"), "{html}");
    assert!(
        !html.contains("confirmed") && !html.contains("attended"),
        "{html}"
    );

    // The agreed item's deadline and the issuing body and date, the Chinese way.
    assert!(
        html.contains("完成时限：<span class=\"deadline\">2026年12月31日"),
        "{html}"
    );
    let dated = content["document"]["dated"].as_str().unwrap();
    let (y, rest) = dated.split_once('-').unwrap();
    let (mo, d) = rest.split_once('-').unwrap();
    let dated_zh = format!(
        "{y}年{}月{}日",
        mo.parse::<u8>().unwrap(),
        d.parse::<u8>().unwrap()
    );
    assert!(
        html.contains(&format!(
            "<p class=\"issuer\">上城区司法局</p>\n<p class=\"dated\">{dated_zh}</p>"
        )),
        "{html}"
    );
    // The signing bodies in their order, by name.
    assert!(
        html.contains("第1步：</span>上城区市场监督管理局、湖滨街道办事处")
            || html.contains("第1步：</span>湖滨街道办事处、上城区市场监督管理局"),
        "{html}"
    );
    assert!(html.contains("第2步：</span>上城区司法局"), "{html}");
    // No ids or hashes where a person reads.
    assert!(!has_uuid(&html), "an id in {html}");
    assert!(!html.contains(&m.id), "{html}");
    // A print style sheet: A4 with the standard's margins.
    assert!(html.contains("@page{size:A4"), "{html}");

    // The signatures as persons with their bodies, for the archive page.
    let minutes = m.minutes(&m.bureau).await;
    let mut signers: Vec<(String, String)> = minutes["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["org_name"].as_str().unwrap().to_owned(),
                s["signer_name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    signers.sort();
    assert_eq!(
        signers,
        [
            ("上城区司法局".to_owned(), "county-bureau 同志".to_owned()),
            ("上城区市场监督管理局".to_owned(), "market 同志".to_owned()),
            ("湖滨街道办事处".to_owned(), "township 同志".to_owned()),
        ]
    );

    // The signed-minutes notice links to the archive of the meeting's minutes and asks no
    // one to acknowledge a hash.
    let notices = received(&m.market).await;
    let signed = notices
        .iter()
        .find(|n| n["about"]["minutes_version"] == 1)
        .unwrap_or_else(|| panic!("no notice about the minutes in {notices:?}"));
    assert_eq!(signed["about"]["meeting_id"], m.id.as_str());
    let body = signed["body"].as_str().unwrap();
    assert!(!body.contains("SHA-256") && !body.contains(&m.id), "{body}");
    assert!(body.contains("请阅看纪要全文并签收"), "{body}");
}

/// Convenes a meeting of `convener` with market as a member, issues its notice and starts it,
/// then freezes its minutes with the default steps: the frozen content.
async fn frozen_minutes_of(convener: &Api, world: &World, title: &str) -> Value {
    let start = server::db::now_unix_ms() + 48 * HOUR_MS;
    let (status, created) = convener
        .post(
            "/api/meetings",
            json!({
                "kind": "consultation",
                "title": title,
                "starts_at": start,
                "ends_at": start + 2 * HOUR_MS,
                "place": "三楼会议室",
                "invited": [{ "org_id": world.org("market"), "role": "member" }],
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap();
    for command in ["issue_notice", "start"] {
        let (_, meeting) = convener.get(&format!("/api/meetings/{id}")).await;
        let (status, body) = convener
            .post(
                &format!("/api/meetings/{id}/actions"),
                json!({ "command": command, "revision": meeting["revision"] }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{command}: {body}");
    }
    let (status, body) = convener
        .post(&format!("/api/meetings/{id}/minutes/freeze"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "freeze: {body}");
    let (status, content) = convener
        .get(&format!(
            "/api/meetings/{id}/minutes/versions/1/content.json"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{content}");
    content
}

#[tokio::test]
async fn document_numbers_count_per_body_per_year_from_one() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let county = Api::signed_in(&server, "county-bureau").await;
    let city = Api::signed_in(&server, "city-bureau").await;
    let year = beijing_year();

    let first = frozen_minutes_of(&county, &world, "第一次会商").await;
    let second = frozen_minutes_of(&county, &world, "第二次会商").await;
    let other = frozen_minutes_of(&city, &world, "市级会商").await;

    assert_eq!(
        first["document"]["number"],
        format!("上司纪〔{year}〕1号").as_str()
    );
    assert_eq!(
        second["document"]["number"],
        format!("上司纪〔{year}〕2号").as_str()
    );
    // Another body starts at 1, under its own short name (杭州市司法局 in 杭州市: 杭司).
    assert_eq!(
        other["document"]["number"],
        format!("杭司纪〔{year}〕1号").as_str()
    );
}

#[tokio::test]
async fn answering_an_invitation_acknowledges_the_meeting_notice_and_the_convener_sees_it() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let bureau = Api::signed_in(&server, "county-bureau").await;
    let market = Api::signed_in(&server, "market").await;
    let township = Api::signed_in(&server, "township").await;
    let police = Api::signed_in(&server, "police").await;
    let start = server::db::now_unix_ms() + 48 * HOUR_MS;
    let (status, created) = bureau
        .post(
            "/api/meetings",
            json!({
                "kind": "consultation",
                "title": "无证经营管辖会商",
                "starts_at": start,
                "ends_at": start + 2 * HOUR_MS,
                "place": "三楼会议室",
                "invited": [
                    { "org_id": world.org("market"), "role": "member" },
                    { "org_id": world.org("township"), "role": "member" },
                    { "org_id": world.org("police"), "role": "member" },
                ],
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let (_, meeting) = bureau.get(&format!("/api/meetings/{id}")).await;
    let (status, body) = bureau
        .post(
            &format!("/api/meetings/{id}/actions"),
            json!({ "command": "issue_notice", "revision": meeting["revision"] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Every invited body's 会议通知 links to the meeting and waits for its 签收.
    let notice_of = |notices: Vec<Value>| {
        notices
            .into_iter()
            .find(|n| n["about"]["meeting_id"] == id.as_str())
            .unwrap_or_else(|| panic!("no notice about the meeting"))
    };
    let notice = notice_of(received(&market).await);
    assert_eq!(notice["about"]["minutes_version"], Value::Null);
    assert_eq!(notice["receipts"][0]["state"], "delivered", "{notice}");
    let notice_id = notice["id"].as_str().unwrap().to_owned();

    // market confirms, township declines; police does not answer.
    for (api, code, answer) in [
        (
            &market,
            "market",
            json!({ "answer": "confirm", "attendee": "张三" }),
        ),
        (
            &township,
            "township",
            json!({ "answer": "decline", "reason": "另有公务" }),
        ),
    ] {
        let (status, body) = api
            .post(
                &format!("/api/meetings/{id}/invitations/{}", world.org(code)),
                answer,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{code} answers: {body}");
    }

    // The answer was the 签收, by the person who answered, in the same write.
    let mine = notice_of(received(&market).await);
    assert_eq!(mine["receipts"][0]["state"], "acknowledged", "{mine}");
    assert_eq!(
        mine["receipts"][0]["acknowledged_by_name"], "market 同志",
        "{mine}"
    );
    let theirs = notice_of(received(&township).await);
    assert_eq!(theirs["receipts"][0]["state"], "acknowledged", "{theirs}");
    // A body that has not answered still has its notice waiting (and reminded).
    let police_notice = notice_of(received(&police).await);
    assert_eq!(
        police_notice["receipts"][0]["state"], "delivered",
        "{police_notice}"
    );

    // The convener's receipt count follows: 2 of 3 acknowledged.
    let (status, sent) = bureau.get(&format!("/api/notices/{notice_id}")).await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    let acknowledged = sent["receipts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["state"] == "acknowledged")
        .count();
    assert_eq!(acknowledged, 2, "{sent}");

    // Acknowledging again by hand is refused as already done, not a second 签收.
    let (status, body) = market
        .post(&format!("/api/notices/{notice_id}/acknowledge"), json!({}))
        .await;
    assert_ne!(status, StatusCode::OK, "{body}");
}
