//! Meetings (协调会议 / 会商 / 联席会议) over HTTP, against a real server: the whole life of a
//! meeting with its notices, answers, agenda and attendance; who sees and who acts; what a
//! postponement and a cancellation do; the reminders by the server's clock; the calendar
//! entry as a calendar client reads it; the annual obligation over HTTP and on the command
//! line. `store` at the end runs the storage functions against SQLite and PostgreSQL.
//!
//! `county-bureau` (上城区司法局) convenes; `market` and `township` are invited to take part,
//! `police` to observe (列席); `city-bureau` supervises the county; `sibling-bureau` (another
//! county), `ningbo-bureau` (another city) and `court` (not invited) have no part.

use reqwest::StatusCode;
use serde_json::{json, Value};
use server::clock::Clock;
use server::db::{Audience, Db, Event};
use time::macros::datetime;
use time::OffsetDateTime;

use crate::jobs::ms;
use crate::support::api::{message, open_db, Api, World};
use crate::support::postgres::fresh_database_url;
use crate::support::server::{concord_binary, Options, TestServer};

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// Monday 2 March 2026, 10:00 in Beijing: no holiday for the next weeks.
pub(crate) const START: OffsetDateTime = datetime!(2026-03-02 10:00 +8);

/// A server at [`START`] on a manual clock, the seeded world, and the bodies signed in.
pub(crate) struct Fixture {
    pub server: TestServer,
    pub world: World,
    pub clock: Clock,
    /// `county-bureau`, the convener.
    pub convener: Api,
    pub market: Api,
    pub township: Api,
    /// Invited as an observer.
    pub police: Api,
    pub database_url: Option<String>,
}

impl Fixture {
    pub async fn db(&self) -> Db {
        open_db(&self.server, self.database_url.as_deref()).await
    }

    pub async fn signed_in(&self, username: &str) -> Api {
        Api::signed_in(&self.server, username).await
    }

    /// The body of a meeting convened by `county-bureau` on Tuesday 10 March 09:30–11:30, the
    /// reply due Wednesday 4 March 18:00, with `extra` merged in (a `null` removes a field).
    pub fn meeting_body(&self, extra: Value) -> Value {
        let mut body = json!({
            "kind": "annual",
            "title": "2026年度行政执法协调会议",
            "starts_at": ms(datetime!(2026-03-10 09:30 +8)),
            "ends_at": ms(datetime!(2026-03-10 11:30 +8)),
            "place": "上城区政府3号会议室",
            "reply_due_at": ms(datetime!(2026-03-04 18:00 +8)),
            "invited": [
                { "org_id": self.world.org("market"), "role": "member" },
                { "org_id": self.world.org("township") },
                { "org_id": self.world.org("police"), "role": "observer" },
            ],
        });
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            for (k, v) in extra {
                if v.is_null() {
                    body.remove(k);
                } else {
                    body.insert(k.clone(), v.clone());
                }
            }
        }
        body
    }

    /// Convenes the meeting of [`Fixture::meeting_body`]; asserts it was created.
    pub async fn new_meeting(&self, extra: Value) -> Value {
        let (status, meeting) = self
            .convener
            .post("/api/meetings", self.meeting_body(extra))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{meeting}");
        meeting
    }
}

pub(crate) async fn fixture() -> Fixture {
    fixture_on(None).await
}

pub(crate) async fn fixture_on(database_url: Option<String>) -> Fixture {
    let clock = Clock::manual(ms(START));
    let server = TestServer::start_with(Options {
        database_url: database_url.clone(),
        clock: Some(clock.clone()),
        ..Options::default()
    })
    .await;
    let world = World::build_on(&server, database_url.as_deref()).await;
    let convener = Api::signed_in(&server, "county-bureau").await;
    let market = Api::signed_in(&server, "market").await;
    let township = Api::signed_in(&server, "township").await;
    let police = Api::signed_in(&server, "police").await;
    Fixture {
        server,
        world,
        clock,
        convener,
        market,
        township,
        police,
        database_url,
    }
}

/// `POST /api/meetings/{id}/actions` with `command` and the revision `api` reads now.
pub(crate) async fn command(
    api: &Api,
    id: &str,
    command: &str,
    extra: Value,
) -> (StatusCode, Value) {
    let (status, meeting) = api.get(&format!("/api/meetings/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{meeting}");
    let mut body = json!({ "command": command, "revision": meeting["revision"] });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    api.post(&format!("/api/meetings/{id}/actions"), body).await
}

/// Like [`command`], asserting success and the state reached.
pub(crate) async fn step(api: &Api, id: &str, name: &str, extra: Value, to: &str) -> Value {
    let (status, meeting) = command(api, id, name, extra).await;
    assert_eq!(status, StatusCode::OK, "{name}: {meeting}");
    assert_eq!(meeting["state"], to, "{name}: {meeting}");
    meeting
}

/// `POST /api/meetings/{id}/invitations/{org}`: an invited body's answer.
pub(crate) async fn answer(api: &Api, id: &str, org: &str, body: Value) -> (StatusCode, Value) {
    api.post(&format!("/api/meetings/{id}/invitations/{org}"), body)
        .await
}

fn id_of(value: &Value) -> String {
    value["id"].as_str().unwrap().to_owned()
}

/// The invitation of `org_id` in a meeting's JSON.
fn invitation<'a>(meeting: &'a Value, org_id: &str) -> &'a Value {
    meeting["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["org_id"] == org_id)
        .unwrap_or_else(|| panic!("{org_id} is not invited: {meeting}"))
}

/// The notices `api`'s body received whose title starts with `prefix`, newest first.
async fn received(api: &Api, prefix: &str) -> Vec<Value> {
    let (status, body) = api.get("/api/notices?box=received").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["notices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["title"].as_str().unwrap_or("").starts_with(prefix))
        .cloned()
        .collect()
}

/// The events about a meeting, oldest first.
async fn events_of(db: &Db, meeting_id: &str) -> Vec<Event> {
    let subject = format!("meeting:{meeting_id}");
    db.events_after(0, 100_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.subject == subject)
        .collect()
}

/// The pending jobs of a meeting as (kind, due_at), by due time.
async fn pending_jobs(db: &Db, meeting_id: &str) -> Vec<(String, i64)> {
    db.jobs_of(&format!("meeting:{meeting_id}"))
        .await
        .unwrap()
        .into_iter()
        .filter(|j| j.state == "pending")
        .map(|j| (j.kind, j.due_at))
        .collect()
}

/// The audit actions about a meeting, oldest first.
async fn audit_actions(db: &Db, meeting_id: &str) -> Vec<String> {
    let target = format!("meeting:{meeting_id}");
    let mut rows: Vec<String> = db
        .audit_rows(None, None, 1_000_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.target == target)
        .map(|r| r.action)
        .collect();
    rows.reverse();
    rows
}

#[tokio::test]
async fn a_meeting_goes_from_draft_to_ended_with_its_notices_answers_agenda_and_attendance() {
    let f = fixture().await;
    let (market, township, police) = (
        f.world.org("market").to_owned(),
        f.world.org("township").to_owned(),
        f.world.org("police").to_owned(),
    );

    // Convened in draft: a space with its minutes document, every body pending.
    let meeting = f.new_meeting(json!({})).await;
    let id = id_of(&meeting);
    assert_eq!(meeting["state"], "draft");
    assert_eq!(meeting["revision"], 1);
    assert_eq!(meeting["my_role"], "convener");
    assert_eq!(meeting["commands"], json!(["issue_notice", "cancel"]));
    assert_eq!(meeting["convener_name"], "上城区司法局");
    for org in [&market, &township, &police] {
        assert_eq!(invitation(&meeting, org)["state"], "pending");
    }
    assert_eq!(invitation(&meeting, &police)["role"], "observer");
    let (status, space) = f.market.get(&format!("/api/spaces/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{space}");
    assert_eq!(space["kind"], "meeting");
    assert_eq!(space["members"].as_array().unwrap().len(), 4);
    let (_, docs) = f.market.get(&format!("/api/spaces/{id}/docs")).await;
    assert_eq!(docs["docs"][0]["doc_id"], meeting["minutes_doc_id"]);
    assert_eq!(docs["docs"][0]["title"], "会议纪要");

    // Agenda: the convener's own item is accepted at once; a participant's waits.
    let (status, own_item) = f
        .convener
        .post(
            &format!("/api/meetings/{id}/agenda"),
            json!({ "title": "通报2025年度行政执法监督情况" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{own_item}");
    assert_eq!(own_item["state"], "accepted");
    let (status, item) = f
        .market
        .post(
            &format!("/api/meetings/{id}/agenda"),
            json!({ "title": "无证经营联合整治分工", "note": "涉及街道与市场监管职责" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{item}");
    assert_eq!(item["state"], "proposed");
    assert_eq!(item["seq"], 2);

    // The notice goes to every invited body, to be acknowledged, with the reminders.
    let meeting = step(&f.convener, &id, "issue_notice", json!({}), "scheduled").await;
    assert_eq!(meeting["revision"], 2);
    for api in [&f.market, &f.township, &f.police] {
        let notices = received(api, "会议通知：").await;
        assert_eq!(notices.len(), 1, "{notices:?}");
        assert_eq!(notices[0]["requires_ack"], true);
        assert_eq!(notices[0]["sender_org_id"], f.world.org("county-bureau"));
        let body = notices[0]["body"].as_str().unwrap();
        assert!(
            body.contains("2026年3月10日 9:30—11:30（北京时间）"),
            "{body}"
        );
        assert!(body.contains("上城区政府3号会议室"), "{body}");
    }
    let notice_id = received(&f.market, "会议通知：").await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, receipt) = f
        .market
        .post(&format!("/api/notices/{notice_id}/acknowledge"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{receipt}");
    assert_eq!(receipt["state"], "acknowledged");
    let db = f.db().await;
    let kinds: Vec<String> = pending_jobs(&db, &id)
        .await
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(
        kinds,
        [
            "meeting_reply_due",
            "meeting_reply_escalate",
            "meeting_starts_soon"
        ]
    );

    // Answers: confirmed naming the attendee, delegated naming the substitute, declined.
    let (status, answered) = answer(
        &f.market,
        &id,
        &market,
        json!({ "answer": "confirm", "attendee": "张三（副局长）" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answered}");
    assert_eq!(answered["state"], "confirmed");
    assert_eq!(answered["attendee"], "张三（副局长）");
    let (status, answered) = answer(
        &f.township,
        &id,
        &township,
        json!({ "answer": "delegate", "delegate": "李四（综合执法队）" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answered}");
    assert_eq!(answered["state"], "delegated");
    let (status, answered) = answer(
        &f.police,
        &id,
        &police,
        json!({ "answer": "decline", "reason": "同日另有专项行动" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answered}");
    assert_eq!(answered["state"], "declined");
    let answered_events: Vec<_> = events_of(&db, &id)
        .await
        .into_iter()
        .filter(|e| e.kind == "meeting.invitation_answered")
        .collect();
    assert_eq!(answered_events.len(), 3);

    // The convener accepts the market's item.
    let item_id = id_of(&item);
    let (status, decided) = f
        .convener
        .post(
            &format!("/api/meetings/{id}/agenda/{item_id}/decision"),
            json!({ "accept": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    assert_eq!(decided["state"], "accepted");

    // The meeting starts (its reminders stop), bodies are checked in, outcomes recorded.
    f.clock.set_ms(ms(datetime!(2026-03-10 09:25 +8)));
    let meeting = step(&f.convener, &id, "start", json!({}), "in_progress").await;
    assert_eq!(meeting["started_at"], ms(datetime!(2026-03-10 09:25 +8)));
    assert!(pending_jobs(&db, &id).await.is_empty());
    // Every body with the meeting open is told, so its room follows live.
    let told = |events: Vec<Event>, kind: &str| -> Vec<Audience> {
        let mut to: Vec<Audience> = events
            .into_iter()
            .filter(|e| e.kind == kind)
            .map(|e| e.audience)
            .collect();
        to.sort_by_key(|a| format!("{a:?}"));
        to
    };
    let convener_org = f.world.org("county-bureau").to_owned();
    let mut everyone: Vec<Audience> = [&convener_org, &market, &township, &police]
        .into_iter()
        .map(|org| Audience::Org(org.to_string()))
        .collect();
    everyone.sort_by_key(|a| format!("{a:?}"));
    assert_eq!(told(events_of(&db, &id).await, "meeting.started"), everyone);
    for (org, attendance) in [
        (&market, "attended"),
        (&township, "attended"),
        (&police, "absent"),
    ] {
        let (status, checked) = f
            .convener
            .post(
                &format!("/api/meetings/{id}/check-in"),
                json!({ "org_id": org, "attendance": attendance }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{checked}");
        assert_eq!(checked["attendance"], attendance);
    }
    for (item, outcome) in [(id_of(&own_item), "information"), (item_id, "task")] {
        let (status, recorded) = f
            .convener
            .post(
                &format!("/api/meetings/{id}/agenda/{item}/outcome"),
                json!({ "outcome": outcome }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{recorded}");
        assert_eq!(recorded["outcome"], outcome);
    }

    // It ends; the convener will be reminded of the minutes at +3 and +7 days.
    f.clock.set_ms(ms(datetime!(2026-03-10 11:40 +8)));
    let meeting = step(&f.convener, &id, "end", json!({}), "ended").await;
    assert_eq!(meeting["commands"], json!([]));
    assert_eq!(told(events_of(&db, &id).await, "meeting.ended"), everyone);
    let ended = ms(datetime!(2026-03-10 11:40 +8));
    assert_eq!(
        pending_jobs(&db, &id).await,
        [
            ("meeting_minutes_due".to_owned(), ended + 3 * DAY_MS),
            ("meeting_minutes_due".to_owned(), ended + 7 * DAY_MS),
        ]
    );

    // Everyone involved sees the whole record; every step is in the audit trail.
    let (status, detail) = f.township.get(&format!("/api/meetings/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert_eq!(detail["my_role"], "invitee");
    assert_eq!(invitation(&detail, &market)["attendance"], "attended");
    assert_eq!(
        invitation(&detail, &township)["delegate"],
        "李四（综合执法队）"
    );
    assert_eq!(invitation(&detail, &police)["reason"], "同日另有专项行动");
    let agenda = detail["agenda"].as_array().unwrap();
    assert_eq!(agenda.len(), 2);
    assert_eq!(agenda[1]["outcome"], "task");
    assert_eq!(
        audit_actions(&db, &id).await,
        [
            "meeting_created",
            "meeting_agenda_proposed",
            "meeting_agenda_proposed",
            "meeting_notice_issued",
            "meeting_invitation_answered",
            "meeting_invitation_answered",
            "meeting_invitation_answered",
            "meeting_agenda_decided",
            "meeting_started",
            "meeting_checked_in",
            "meeting_checked_in",
            "meeting_checked_in",
            "meeting_agenda_outcome",
            "meeting_agenda_outcome",
            "meeting_ended",
        ]
    );
    assert!(db.verify_audit_chain().await.unwrap().first_bad.is_none());
}

#[tokio::test]
async fn a_meeting_goes_from_draft_to_ended_the_same_way_on_postgresql() {
    let f = fixture_on(Some(fresh_database_url().await)).await;
    let meeting = f.new_meeting(json!({ "kind": "consultation" })).await;
    let id = id_of(&meeting);
    step(&f.convener, &id, "issue_notice", json!({}), "scheduled").await;
    assert_eq!(received(&f.township, "会议通知：").await.len(), 1);
    let (status, answered) = f
        .market
        .post(
            &format!("/api/meetings/{id}/invitations/{}", f.world.org("market")),
            json!({ "answer": "confirm", "attendee": "张三" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answered}");
    step(&f.convener, &id, "start", json!({}), "in_progress").await;
    let meeting = step(&f.convener, &id, "end", json!({}), "ended").await;
    assert_eq!(meeting["revision"], 4);
    let db = f.db().await;
    assert_eq!(pending_jobs(&db, &id).await.len(), 2);
    assert!(db.verify_audit_chain().await.unwrap().first_bad.is_none());
}

#[tokio::test]
async fn only_the_bodies_taking_part_and_the_supervising_bureau_see_a_meeting_and_the_bureau_only_reads(
) {
    let f = fixture().await;
    let meeting = f.new_meeting(json!({})).await;
    let id = id_of(&meeting);
    let doc = meeting["minutes_doc_id"].as_str().unwrap().to_owned();
    step(&f.convener, &id, "issue_notice", json!({}), "scheduled").await;

    // No part: the same 404 as for a meeting that does not exist, everywhere.
    for outsider in ["court", "sibling-bureau", "ningbo-bureau", "operator"] {
        let api = f.signed_in(outsider).await;
        for path in [
            format!("/api/meetings/{id}"),
            format!("/api/meetings/{id}/calendar.ics"),
            format!("/api/spaces/{id}"),
        ] {
            let (status, body) = api.get(&path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{outsider} {path}: {body}");
        }
        let (status, body) = api
            .post(
                &format!("/api/meetings/{id}/actions"),
                json!({ "command": "start", "revision": 2 }),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{outsider}: {body}");
        assert_eq!(message(&body), "no meeting with this id");
        let (_, list) = api.get("/api/meetings").await;
        assert!(
            !list["meetings"]
                .as_array()
                .is_some_and(|l| l.iter().any(|m| m["id"] == id.as_str())),
            "{outsider} lists it: {list}"
        );
        let (status, _) = api
            .post(&format!("/api/docs/{doc}/ticket"), json!({}))
            .await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{outsider} opens the minutes"
        );
    }

    // The city bureau supervises the county: it reads the meeting and its minutes, and
    // changes nothing.
    let city = f.signed_in("city-bureau").await;
    let (status, seen) = city.get(&format!("/api/meetings/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!(seen["my_role"], "supervisor");
    assert_eq!(seen["commands"], json!([]));
    let (_, list) = city.get("/api/meetings").await;
    assert_eq!(list["meetings"][0]["id"], id.as_str());
    let (status, ticket) = city
        .post(&format!("/api/docs/{doc}/ticket"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{ticket}");
    assert_eq!(ticket["access"], "read");
    for (path, body) in [
        (
            format!("/api/meetings/{id}/actions"),
            json!({ "command": "cancel", "revision": 2, "reason": "x" }),
        ),
        (
            format!("/api/meetings/{id}/agenda"),
            json!({ "title": "监督意见" }),
        ),
        (
            format!("/api/meetings/{id}/invitations/{}", f.world.org("market")),
            json!({ "answer": "confirm", "attendee": "x" }),
        ),
    ] {
        let (status, answer) = city.post(&path, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {answer}");
        assert!(
            message(&answer).contains("supervising bureau reads it"),
            "{answer}"
        );
    }

    // Participants write the minutes; the observer reads them.
    for (api, access) in [(&f.market, "write"), (&f.police, "read")] {
        let (status, ticket) = api
            .post(&format!("/api/docs/{doc}/ticket"), json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{ticket}");
        assert_eq!(ticket["access"], access);
    }

    // Invited bodies act only as invited bodies.
    let (status, refused) = command(&f.market, &id, "start", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(
        message(&refused),
        "only the convening body may start a meeting"
    );
    let (status, refused) = f
        .market
        .post(
            &format!("/api/meetings/{id}/invitations/{}", f.world.org("township")),
            json!({ "answer": "decline", "reason": "代为回复" }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert_eq!(
        message(&refused),
        "only the invited body itself may answer its invitation"
    );
    let (status, refused) = f
        .police
        .post(
            &format!("/api/meetings/{id}/agenda"),
            json!({ "title": "列席单位的议题" }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert!(message(&refused).contains("observers"), "{refused}");
    let (status, refused) = f
        .convener
        .post(
            &format!("/api/meetings/{id}/invitations/{}", f.world.org("market")),
            json!({ "answer": "confirm", "attendee": "代填" }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(
        message(&refused),
        "only the invited body itself may answer its invitation"
    );

    // Only a judicial bureau convenes the annual meeting.
    let (status, refused) = f
        .market
        .post(
            "/api/meetings",
            f.meeting_body(json!({ "invited": [{ "org_id": f.world.org("township") }] })),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert!(message(&refused).contains("judicial bureau"), "{refused}");

    // Removing a body takes the meeting away from it at once; inviting one gives it.
    let (status, updated) = f
        .convener
        .delete(&format!(
            "/api/meetings/{id}/invitees/{}?revision=2",
            f.world.org("police")
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    let (status, _) = f.police.get(&format!("/api/meetings/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let court = f.signed_in("court").await;
    let (status, updated) = f
        .convener
        .post(
            &format!("/api/meetings/{id}/invitees"),
            json!({ "org_id": f.world.org("court"), "role": "observer", "revision": 3 }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{updated}");
    assert_eq!(updated["revision"], 4);
    let (status, seen) = court.get(&format!("/api/meetings/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!(invitation(&seen, f.world.org("court"))["state"], "pending");
    assert_eq!(received(&court, "会议通知：").await.len(), 1);

    // Access follows the space's members even when they are changed as a space's.
    let (status, _) = f
        .convener
        .delete(&format!(
            "/api/spaces/{id}/members/{}",
            f.world.org("township")
        ))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = f.township.get(&format!("/api/meetings/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn postponing_asks_every_body_anew_moves_the_reminders_and_notifies_them_again() {
    let f = fixture().await;
    let meeting = f.new_meeting(json!({})).await;
    let id = id_of(&meeting);
    step(&f.convener, &id, "issue_notice", json!({}), "scheduled").await;
    let (status, _) = f
        .market
        .post(
            &format!("/api/meetings/{id}/invitations/{}", f.world.org("market")),
            json!({ "answer": "confirm", "attendee": "张三" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let new_start = ms(datetime!(2026-03-17 14:30 +8));
    let meeting = step(
        &f.convener,
        &id,
        "postpone",
        json!({
            "starts_at": new_start,
            "ends_at": new_start + 2 * HOUR_MS,
            "reply_due_at": ms(datetime!(2026-03-12 18:00 +8)),
            "reason": "主要负责同志另有公务",
        }),
        "scheduled",
    )
    .await;
    assert_eq!(meeting["starts_at"], new_start);
    assert_eq!(meeting["reason"], "主要负责同志另有公务");
    assert_eq!(
        invitation(&meeting, f.world.org("market"))["state"],
        "pending"
    );
    assert!(invitation(&meeting, f.world.org("market"))["attendee"].is_null());
    for api in [&f.market, &f.township, &f.police] {
        let notices = received(api, "会议延期通知：").await;
        assert_eq!(notices.len(), 1);
        assert!(notices[0]["body"]
            .as_str()
            .unwrap()
            .contains("2026年3月17日 14:30"));
        assert_eq!(received(api, "会议通知：").await.len(), 1);
    }
    let db = f.db().await;
    let jobs = db.jobs_of(&format!("meeting:{id}")).await.unwrap();
    let cancelled = jobs.iter().filter(|j| j.state == "cancelled").count();
    assert_eq!(cancelled, 3);
    assert_eq!(
        pending_jobs(&db, &id).await,
        [
            (
                "meeting_reply_due".to_owned(),
                ms(datetime!(2026-03-12 18:00 +8))
            ),
            ("meeting_starts_soon".to_owned(), new_start - 48 * HOUR_MS),
            (
                "meeting_reply_escalate".to_owned(),
                ms(datetime!(2026-03-16 09:00 +8))
            ),
        ]
    );
}

#[tokio::test]
async fn cancelling_a_meeting_notifies_every_body_and_stops_its_reminders() {
    let f = fixture().await;
    let meeting = f.new_meeting(json!({})).await;
    let id = id_of(&meeting);
    step(&f.convener, &id, "issue_notice", json!({}), "scheduled").await;

    let meeting = step(
        &f.convener,
        &id,
        "cancel",
        json!({ "reason": "议题已另行协调解决" }),
        "cancelled",
    )
    .await;
    assert_eq!(meeting["reason"], "议题已另行协调解决");
    for api in [&f.market, &f.township, &f.police] {
        let notices = received(api, "会议取消通知：").await;
        assert_eq!(notices.len(), 1);
        assert!(notices[0]["body"]
            .as_str()
            .unwrap()
            .ends_with("原因：议题已另行协调解决"));
    }
    let db = f.db().await;
    assert!(pending_jobs(&db, &id).await.is_empty());
    let (status, refused) = command(&f.convener, &id, "start", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        message(&refused),
        "a cancelled meeting is final: nothing more can be done to it"
    );
}

#[tokio::test]
async fn reminders_go_to_pending_bodies_then_their_heads_then_attendees_then_the_convener() {
    let f = fixture().await;
    let meeting = f.new_meeting(json!({})).await;
    let id = id_of(&meeting);
    step(&f.convener, &id, "issue_notice", json!({}), "scheduled").await;
    let (status, _) = f
        .township
        .post(
            &format!("/api/meetings/{id}/invitations/{}", f.world.org("township")),
            json!({ "answer": "confirm", "attendee": "王五" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let db = f.db().await;
    let kinds_to = |events: &[Event], kind: &str| -> Vec<String> {
        events
            .iter()
            .filter(|e| e.kind == kind)
            .map(|e| match &e.audience {
                server::db::Audience::Org(org) => format!("org:{org}"),
                server::db::Audience::User(user) => format!("user:{user}"),
            })
            .collect()
    };

    // Nothing before the deadline.
    f.clock.set_ms(ms(datetime!(2026-03-04 17:59 +8)));
    f.server.worker.run_due().await.unwrap();
    assert!(kinds_to(&events_of(&db, &id).await, "meeting.reply_reminder").is_empty());

    // At the deadline: the bodies that have not answered.
    f.clock.set_ms(ms(datetime!(2026-03-04 18:00 +8)));
    f.server.worker.run_due().await.unwrap();
    let mut reminded = kinds_to(&events_of(&db, &id).await, "meeting.reply_reminder");
    reminded.sort();
    let mut expected = vec![
        format!("org:{}", f.world.org("market")),
        format!("org:{}", f.world.org("police")),
    ];
    expected.sort();
    assert_eq!(reminded, expected);

    // The market answers meanwhile; a working day later the police's head is told (it has
    // no admin: only the convener is), never the market's.
    let (status, _) = f
        .market
        .post(
            &format!("/api/meetings/{id}/invitations/{}", f.world.org("market")),
            json!({ "answer": "decline", "reason": "执法检查" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    f.clock.set_ms(ms(datetime!(2026-03-06 08:59 +8)));
    f.server.worker.run_due().await.unwrap();
    assert!(kinds_to(&events_of(&db, &id).await, "meeting.reply_escalated").is_empty());
    f.clock.set_ms(ms(datetime!(2026-03-06 09:00 +8)));
    f.server.worker.run_due().await.unwrap();
    assert_eq!(
        kinds_to(&events_of(&db, &id).await, "meeting.reply_escalated"),
        [format!("org:{}", f.world.org("county-bureau"))]
    );

    // 48 hours before the start: the bodies that will attend.
    f.clock.set_ms(ms(datetime!(2026-03-08 09:30 +8)));
    f.server.worker.run_due().await.unwrap();
    assert_eq!(
        kinds_to(&events_of(&db, &id).await, "meeting.starting_soon"),
        [format!("org:{}", f.world.org("township"))]
    );

    // After the end: the convener at +3 days; once the minutes are frozen, no more.
    step(&f.convener, &id, "start", json!({}), "in_progress").await;
    let meeting = step(&f.convener, &id, "end", json!({}), "ended").await;
    let ended = meeting["ended_at"].as_i64().unwrap();
    f.clock.set_ms(ended + 3 * DAY_MS);
    f.server.worker.run_due().await.unwrap();
    let minutes = kinds_to(&events_of(&db, &id).await, "meeting.minutes_reminder");
    assert_eq!(minutes, [format!("org:{}", f.world.org("county-bureau"))]);
    freeze(&f, meeting["minutes_doc_id"].as_str().unwrap()).await;
    f.clock.set_ms(ended + 7 * DAY_MS);
    f.server.worker.run_due().await.unwrap();
    assert_eq!(
        kinds_to(&events_of(&db, &id).await, "meeting.minutes_reminder").len(),
        1
    );
    let done: Vec<String> = db
        .jobs_of(&format!("meeting:{id}"))
        .await
        .unwrap()
        .into_iter()
        .filter(|j| j.state == "done")
        .map(|j| j.kind)
        .collect();
    assert_eq!(done.len(), 5, "{done:?}");
}

/// Freezes a document behind the server's back (the minutes code does it through its own
/// API), as the reminders read it.
async fn freeze(f: &Fixture, doc_id: &str) {
    use sqlx::Connection;
    let file = f.server.data_dir.path().join(server::db::SQLITE_FILE_NAME);
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(file);
    let mut conn = sqlx::SqliteConnection::connect_with(&options)
        .await
        .unwrap();
    sqlx::query("update space_docs set frozen = true where doc_id = $1")
        .bind(doc_id)
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.ok();
}

/// The calendar entry of a meeting as `api` downloads it, checked to be `text/calendar`.
async fn calendar_text(api: &Api, id: &str) -> String {
    let response = api
        .client
        .get(format!("{}/api/meetings/{id}/calendar.ics", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(content_type, "text/calendar; charset=utf-8");
    response.text().await.unwrap()
}

/// The one event of a calendar text, read back by an independent RFC 5545 parser.
fn parse_calendar(text: &str) -> (icalendar::Calendar, icalendar::Event) {
    use icalendar::parser::{read_calendar, unfold};
    for line in text.split("\r\n") {
        assert!(line.len() <= 75, "a line longer than 75 octets: {line:?}");
    }
    let unfolded = unfold(text);
    let calendar: icalendar::Calendar = read_calendar(&unfolded)
        .unwrap_or_else(|e| panic!("not RFC 5545: {e}\n{text}"))
        .into();
    let events: Vec<icalendar::Event> = calendar
        .components
        .iter()
        .filter_map(|c| c.as_event().cloned())
        .collect();
    assert_eq!(events.len(), 1, "{text}");
    let event = events[0].clone();
    (calendar, event)
}

#[tokio::test]
async fn the_calendar_entry_reads_as_rfc_5545_with_a_stable_uid_and_the_revision_as_sequence() {
    use icalendar::{Component, EventLike, EventStatus};

    let f = fixture().await;
    let title = "2026年度协调会议, 第一次; 全体成员单位";
    let meeting = f
        .new_meeting(
            json!({ "title": title, "online_link": "https://meet.example.gov.cn/a?b=1;c=2" }),
        )
        .await;
    let id = id_of(&meeting);
    let (calendar, event) = parse_calendar(&calendar_text(&f.market, &id).await);
    let method = calendar
        .properties
        .iter()
        .find(|p| p.key() == "METHOD")
        .map(|p| p.value().to_owned());
    assert_eq!(method.as_deref(), Some("PUBLISH"));
    let uid = event.get_uid().unwrap().to_owned();
    assert_eq!(uid, format!("meeting-{id}@concord"));
    assert_eq!(event.get_summary(), Some(title));
    assert_eq!(event.get_location(), Some("上城区政府3号会议室"));
    assert_eq!(event.get_sequence(), Some(1));
    assert_eq!(event.get_status(), Some(EventStatus::Tentative));
    assert_eq!(
        event.property_value("DTSTART"),
        Some("20260310T013000Z"),
        "times are UTC"
    );
    assert_eq!(event.property_value("DTEND"), Some("20260310T033000Z"));

    step(&f.convener, &id, "issue_notice", json!({}), "scheduled").await;
    let new_start = ms(datetime!(2026-03-11 14:00 +8));
    step(
        &f.convener,
        &id,
        "postpone",
        json!({ "starts_at": new_start }),
        "scheduled",
    )
    .await;
    let (_, event) = parse_calendar(&calendar_text(&f.township, &id).await);
    assert_eq!(event.get_uid(), Some(uid.as_str()));
    assert_eq!(event.get_sequence(), Some(3));
    assert_eq!(event.get_status(), Some(EventStatus::Confirmed));
    assert_eq!(event.property_value("DTSTART"), Some("20260311T060000Z"));
    // A new start alone keeps the meeting's length.
    assert_eq!(event.property_value("DTEND"), Some("20260311T080000Z"));

    step(
        &f.convener,
        &id,
        "cancel",
        json!({ "reason": "改为书面征求意见" }),
        "cancelled",
    )
    .await;
    let city = f.signed_in("city-bureau").await;
    let (_, event) = parse_calendar(&calendar_text(&city, &id).await);
    assert_eq!(event.get_uid(), Some(uid.as_str()));
    assert_eq!(event.get_sequence(), Some(4));
    assert_eq!(event.get_status(), Some(EventStatus::Cancelled));
}

/// Convenes an annual meeting of `bureau` starting on `day` at 09:30, inviting the market.
async fn annual_meeting(f: &Fixture, api: &Api, starts_at: i64) -> String {
    let (status, meeting) = api
        .post(
            "/api/meetings",
            f.meeting_body(json!({
                "starts_at": starts_at,
                "ends_at": starts_at + 2 * HOUR_MS,
                "reply_due_at": null,
                "invited": [{ "org_id": f.world.org("market") }],
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{meeting}");
    id_of(&meeting)
}

/// `code → (status, flagged)` of an annual status answer.
fn standings(body: &Value) -> Vec<(String, String, bool)> {
    body["bureaus"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|b| {
            (
                b["code"].as_str().unwrap().to_owned(),
                b["status"].as_str().unwrap().to_owned(),
                b["flagged"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_annual_status_shows_held_scheduled_and_none_and_flags_none_after_the_due_day() {
    let f = fixture().await;
    let city = f.signed_in("city-bureau").await;
    // The county bureau holds its annual meeting; the city bureau has one scheduled; the
    // sibling county and Ningbo have none.
    let held = annual_meeting(&f, &f.convener, ms(datetime!(2026-03-20 09:30 +8))).await;
    step(&f.convener, &held, "issue_notice", json!({}), "scheduled").await;
    step(&f.convener, &held, "start", json!({}), "in_progress").await;
    let scheduled = annual_meeting(&f, &city, ms(datetime!(2026-09-15 09:30 +8))).await;
    step(&city, &scheduled, "issue_notice", json!({}), "scheduled").await;
    // A draft and a cancelled meeting count for nothing.
    let sibling = f.signed_in("sibling-bureau").await;
    annual_meeting(&f, &sibling, ms(datetime!(2026-04-01 09:30 +8))).await;
    let cancelled = annual_meeting(&f, &sibling, ms(datetime!(2026-04-02 09:30 +8))).await;
    step(&sibling, &cancelled, "issue_notice", json!({}), "scheduled").await;
    step(
        &sibling,
        &cancelled,
        "cancel",
        json!({ "reason": "合并召开" }),
        "cancelled",
    )
    .await;

    // Before the due day nobody is flagged.
    let (status, body) = city.get("/api/meetings/annual-status?year=2026").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["due_date"], "2026-06-30");
    assert_eq!(
        standings(&body),
        [
            ("city-bureau".to_owned(), "scheduled".to_owned(), false),
            ("county-bureau".to_owned(), "held".to_owned(), false),
            ("sibling-bureau".to_owned(), "none".to_owned(), false),
        ]
    );

    // After it, a bureau with none is flagged; each bureau sees its region and below only.
    f.clock.set_ms(ms(datetime!(2026-07-01 00:00 +8)));
    let (_, body) = city.get("/api/meetings/annual-status").await;
    assert_eq!(body["year"], 2026);
    assert_eq!(
        standings(&body)[2],
        ("sibling-bureau".to_owned(), "none".to_owned(), true)
    );
    let (_, body) = f.convener.get("/api/meetings/annual-status").await;
    assert_eq!(
        standings(&body),
        [("county-bureau".to_owned(), "held".to_owned(), false)]
    );
    let operator = f.signed_in("operator").await;
    let (status, body) = operator.get("/api/meetings/annual-status").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let codes: Vec<String> = standings(&body).into_iter().map(|s| s.0).collect();
    assert_eq!(
        codes,
        [
            "city-bureau",
            "county-bureau",
            "sibling-bureau",
            "ningbo-bureau"
        ]
    );
    let (status, refused) = f.market.get("/api/meetings/annual-status").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert!(message(&refused).contains("judicial bureau"), "{refused}");

    // The same on the command line, on the server's database.
    let output = std::process::Command::new(concord_binary())
        .args(["admin", "annual-report", "--year", "2026", "--data-dir"])
        .arg(f.server.data_dir.path())
        .args(["--annual-meeting-due", "01-15"])
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .output()
        .expect("concord runs");
    let out = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        out.starts_with("annual coordination meetings 2026 (due 2026-01-15): 4 judicial bureaus\n"),
        "{out}"
    );
    let line = |code: &str| {
        out.lines()
            .find(|l| l.contains(&format!(" {code} ")))
            .unwrap_or_else(|| panic!("no line for {code}: {out}"))
            .to_owned()
    };
    assert!(line("county-bureau").starts_with("held"), "{out}");
    assert!(line("city-bureau").starts_with("scheduled"), "{out}");
    // 15 January 2026 has passed by the real clock the command line reads.
    assert!(line("ningbo-bureau").starts_with("none"), "{out}");
    assert!(
        line("ningbo-bureau").ends_with("FLAGGED: none scheduled by the due day"),
        "{out}"
    );
    assert!(!line("county-bureau").contains("FLAGGED"), "{out}");
}

/// The storage functions of meetings, written once and run against a fresh SQLite file and a
/// fresh PostgreSQL database (as `store_work` does for #4).
mod store {
    use serde_json::json;
    use server::db::{
        AgendaChange, AuditEvent, Db, DbConfig, DbError, Effects, HistoryEntry, HistoryEntryKind,
        InvitationReply, Invitee, MeetingChange, NewAgendaItem, NewMeeting, NewNotice, NewOrg,
        NewRegion, NewTask, SqliteSync, Stamp,
    };
    use server::domain::meeting::{
        AgendaOutcome, AgendaState, Attendance, InvitationState, MeetingKind, MeetingState,
    };
    use server::domain::notice::{NoticeKind, VersionKind};
    use server::domain::org::{Level, Name, OrgCode, OrgKind, RegionCode, RegionPath, SpaceRole};
    use server::domain::policy::Viewer;
    use server::domain::task::{TaskCommand, TaskSource, TaskState};
    use tempfile::TempDir;

    use crate::support::postgres::fresh_database_url;

    const T0: i64 = 1_772_000_000_000;

    struct Harness {
        db: Db,
        _dir: Option<TempDir>,
    }

    impl Harness {
        async fn sqlite() -> Harness {
            let dir = tempfile::tempdir().expect("temp dir");
            let db = Db::connect(&DbConfig {
                url: None,
                data_dir: dir.path().join("data"),
                sqlite_synchronous: SqliteSync::Normal,
            })
            .await
            .expect("connect");
            Harness {
                db,
                _dir: Some(dir),
            }
        }

        async fn postgres() -> Harness {
            let db = Db::connect(&DbConfig {
                url: Some(fresh_database_url().await),
                data_dir: "unused-by-postgres".into(),
                sqlite_synchronous: SqliteSync::Normal,
            })
            .await
            .expect("connect");
            Harness { db, _dir: None }
        }

        async fn audit_actions(&self) -> Vec<String> {
            let mut rows = self.db.audit_rows(None, None, 10_000).await.unwrap();
            rows.reverse();
            rows.into_iter().map(|r| r.action).collect()
        }
    }

    macro_rules! conformance {
        ($($behaviour:ident),* $(,)?) => {
            mod sqlite {
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $behaviour() {
                        super::$behaviour(super::Harness::sqlite().await).await;
                    }
                )*
            }
            mod postgres {
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $behaviour() {
                        super::$behaviour(super::Harness::postgres().await).await;
                    }
                )*
            }
        };
    }

    conformance!(
        a_meeting_is_created_as_a_space_with_its_minutes_and_invitations_in_one_write,
        a_create_naming_an_unknown_body_leaves_no_space_meeting_or_audit_row,
        a_command_applies_only_at_the_revision_read_and_a_postponement_clears_the_answers,
        answers_and_attendance_apply_only_in_the_meeting_state_read,
        invitees_change_the_space_members_and_the_last_one_stays,
        agenda_items_are_numbered_and_change_only_from_the_state_read,
        a_meeting_is_closed_only_once_ended_and_its_reminders_stop,
        a_write_sets_the_tasks_and_sends_the_notices_its_effects_carry_or_none,
        meetings_visible_are_those_taken_part_in_and_those_supervised,
        annual_meetings_of_a_year_are_listed_with_their_state,
    );

    struct Orgs {
        bureau: String,
        market: String,
        township: String,
        /// In a sibling county.
        other: String,
    }

    fn audit(action: &str) -> AuditEvent {
        AuditEvent {
            at: T0,
            actor_user_id: Some("tester".into()),
            actor_org_id: None,
            action: action.into(),
            target: String::new(),
            detail: json!({}),
            ip: None,
        }
    }

    async fn seed(h: &Harness) -> Orgs {
        for (code, level, parent) in [
            ("330000", Level::Province, None),
            ("330100", Level::City, Some("330000")),
            ("330102", Level::County, Some("330100")),
            ("330105", Level::County, Some("330100")),
        ] {
            h.db.create_region(
                &NewRegion {
                    code: RegionCode::parse(code).unwrap(),
                    name_zh: Name::parse(&format!("区域{code}")).unwrap(),
                    name_en: None,
                    level,
                    parent: parent.map(|p| RegionCode::parse(p).unwrap()),
                },
                &audit("region_created"),
            )
            .await
            .unwrap();
        }
        let mut ids = Vec::new();
        for (code, kind, region) in [
            ("BUREAU", OrgKind::JudicialBureau, "330102"),
            ("MARKET", OrgKind::EnforcementDepartment, "330102"),
            ("TOWNSHIP", OrgKind::TownshipGovernment, "330102"),
            ("OTHER", OrgKind::EnforcementDepartment, "330105"),
        ] {
            let org =
                h.db.create_org(
                    &NewOrg {
                        code: OrgCode::parse(code).unwrap(),
                        name_zh: Name::parse(&format!("单位{code}")).unwrap(),
                        name_en: None,
                        kind,
                        region: RegionCode::parse(region).unwrap(),
                        parent_id: None,
                    },
                    &audit("org_created"),
                )
                .await
                .unwrap();
            ids.push(org.id);
        }
        Orgs {
            other: ids.pop().unwrap(),
            township: ids.pop().unwrap(),
            market: ids.pop().unwrap(),
            bureau: ids.pop().unwrap(),
        }
    }

    fn new_meeting(orgs: &Orgs, convener: &str, region: &str, starts_at: i64) -> NewMeeting {
        NewMeeting {
            id: server::db::new_id(),
            minutes_doc_id: server::db::new_id(),
            kind: MeetingKind::Annual,
            title: Name::parse("年度协调会议").unwrap(),
            region: RegionCode::parse(region).unwrap(),
            convener_org_id: convener.to_owned(),
            starts_at,
            ends_at: starts_at + 7_200_000,
            place: Some("会议室".into()),
            online_link: None,
            reply_due_at: Some(starts_at - 86_400_000),
            invited: vec![
                Invitee {
                    org_id: orgs.market.clone(),
                    role: SpaceRole::Member,
                },
                Invitee {
                    org_id: orgs.township.clone(),
                    role: SpaceRole::Observer,
                },
            ],
            dispute_id: None,
            created_by: "tester".into(),
        }
    }

    fn with_audit(action: &str) -> Effects {
        Effects {
            audit: vec![audit(action)],
            ..Effects::default()
        }
    }

    fn change(id: &str, revision: i64, state: MeetingState, at: i64) -> MeetingChange {
        MeetingChange {
            meeting_id: id.to_owned(),
            expected_revision: revision,
            state,
            at,
            starts_at: None,
            ends_at: None,
            reply_due_at: None,
            reason: None,
            started_at: None,
            ended_at: None,
            reset_answers: false,
        }
    }

    fn reply(id: &str, org: &str, meeting_state: MeetingState) -> InvitationReply {
        InvitationReply {
            meeting_id: id.to_owned(),
            org_id: org.to_owned(),
            meeting_state,
            state: InvitationState::Confirmed,
            attendee: Some("张三".into()),
            delegate: None,
            reason: None,
            by: "u-market".into(),
            at: T0 + 10,
        }
    }

    async fn a_meeting_is_created_as_a_space_with_its_minutes_and_invitations_in_one_write(
        h: Harness,
    ) {
        let orgs = seed(&h).await;
        let new = new_meeting(&orgs, &orgs.bureau, "330102", T0 + 86_400_000 * 10);

        let meeting =
            h.db.create_meeting(&new, T0, &with_audit("meeting_created"))
                .await
                .unwrap();

        assert_eq!(meeting.id, new.id);
        assert_eq!(meeting.state, MeetingState::Draft);
        assert_eq!(meeting.revision, 1);
        assert_eq!(meeting.minutes_doc_id, new.minutes_doc_id);
        assert_eq!(meeting.convener_name, "单位BUREAU");
        assert_eq!(meeting.region_path.0, "/330000/330100/330102/");
        let invited: Vec<(&str, SpaceRole, InvitationState)> = meeting
            .invitations
            .iter()
            .map(|i| (i.org_id.as_str(), i.role, i.state))
            .collect();
        assert_eq!(
            invited,
            [
                (
                    orgs.market.as_str(),
                    SpaceRole::Member,
                    InvitationState::Pending
                ),
                (
                    orgs.township.as_str(),
                    SpaceRole::Observer,
                    InvitationState::Pending
                ),
            ]
        );
        let space = h.db.space(&new.id).await.unwrap().unwrap();
        assert_eq!(space.kind.as_str(), "meeting");
        let members: Vec<(&str, SpaceRole)> = space
            .members
            .iter()
            .map(|m| (m.org_id.as_str(), m.role))
            .collect();
        assert_eq!(members.len(), 3);
        assert!(members.contains(&(orgs.bureau.as_str(), SpaceRole::Convener)));
        assert!(members.contains(&(orgs.township.as_str(), SpaceRole::Observer)));
        let doc = h.db.space_doc(&new.minutes_doc_id).await.unwrap().unwrap();
        assert_eq!(doc.space_id, new.id);
        assert_eq!(doc.title.as_str(), "会议纪要");
        assert!(!doc.frozen);
        assert_eq!(h.db.meeting(&new.id).await.unwrap(), Some(meeting));
        assert_eq!(
            h.audit_actions().await.last().map(String::as_str),
            Some("meeting_created")
        );
        assert_eq!(h.db.meeting("no-such-meeting").await.unwrap(), None);
    }

    async fn a_create_naming_an_unknown_body_leaves_no_space_meeting_or_audit_row(h: Harness) {
        let orgs = seed(&h).await;
        let before = h.audit_actions().await.len();
        let mut new = new_meeting(&orgs, &orgs.bureau, "330102", T0 + 86_400_000);
        new.invited.push(Invitee {
            org_id: "no-such-org".into(),
            role: SpaceRole::Member,
        });

        let refused =
            h.db.create_meeting(&new, T0, &with_audit("meeting_created"))
                .await;

        match refused {
            Err(DbError::Rule(message)) => {
                assert!(message.to_string().contains("no-such-org"), "{message}")
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert!(h.db.space(&new.id).await.unwrap().is_none());
        assert!(h.db.meeting(&new.id).await.unwrap().is_none());
        assert!(h.db.space_doc(&new.minutes_doc_id).await.unwrap().is_none());
        assert_eq!(h.audit_actions().await.len(), before);
    }

    async fn a_command_applies_only_at_the_revision_read_and_a_postponement_clears_the_answers(
        h: Harness,
    ) {
        let orgs = seed(&h).await;
        let new = new_meeting(&orgs, &orgs.bureau, "330102", T0 + 86_400_000 * 10);
        h.db.create_meeting(&new, T0, &Effects::default())
            .await
            .unwrap();
        let issued =
            h.db.change_meeting(
                &change(&new.id, 1, MeetingState::Scheduled, T0 + 1),
                &with_audit("meeting_notice_issued"),
            )
            .await
            .unwrap();
        assert_eq!(
            (issued.state, issued.revision),
            (MeetingState::Scheduled, 2)
        );

        // A second writer that read revision 1 is refused, and nothing of it is written.
        let before = h.audit_actions().await.len();
        let stale =
            h.db.change_meeting(
                &change(&new.id, 1, MeetingState::Cancelled, T0 + 2),
                &with_audit("meeting_cancelled"),
            )
            .await;
        assert!(matches!(stale, Err(DbError::Rule(_))), "{stale:?}");
        assert_eq!(h.audit_actions().await.len(), before);
        assert_eq!(
            h.db.meeting(&new.id).await.unwrap().unwrap().state,
            MeetingState::Scheduled
        );

        h.db.answer_invitation(
            &reply(&new.id, &orgs.market, MeetingState::Scheduled),
            &Effects::default(),
        )
        .await
        .unwrap();
        let mut postpone = change(&new.id, 2, MeetingState::Scheduled, T0 + 3);
        postpone.starts_at = Some(new.starts_at + 86_400_000);
        postpone.ends_at = Some(new.ends_at + 86_400_000);
        postpone.reply_due_at = Some(None);
        postpone.reason = Some("改期".into());
        postpone.reset_answers = true;
        let postponed =
            h.db.change_meeting(&postpone, &Effects::default())
                .await
                .unwrap();
        assert_eq!(postponed.revision, 3);
        assert_eq!(postponed.starts_at, new.starts_at + 86_400_000);
        assert_eq!(postponed.reply_due_at, None);
        assert_eq!(postponed.reason.as_deref(), Some("改期"));
        let market = postponed.invitation(&orgs.market).unwrap();
        assert_eq!(market.state, InvitationState::Pending);
        assert_eq!(market.attendee, None);
        assert_eq!(market.answered_at, None);

        let missing =
            h.db.change_meeting(
                &change("nope", 1, MeetingState::Scheduled, T0),
                &Effects::default(),
            )
            .await;
        assert!(matches!(missing, Err(DbError::NotFound(_))), "{missing:?}");
    }

    async fn answers_and_attendance_apply_only_in_the_meeting_state_read(h: Harness) {
        let orgs = seed(&h).await;
        let new = new_meeting(&orgs, &orgs.bureau, "330102", T0 + 86_400_000 * 10);
        h.db.create_meeting(&new, T0, &Effects::default())
            .await
            .unwrap();

        // Read as scheduled, but it is still a draft: refused.
        let early =
            h.db.answer_invitation(
                &reply(&new.id, &orgs.market, MeetingState::Scheduled),
                &Effects::default(),
            )
            .await;
        assert!(matches!(early, Err(DbError::Rule(_))), "{early:?}");
        h.db.change_meeting(
            &change(&new.id, 1, MeetingState::Scheduled, T0 + 1),
            &Effects::default(),
        )
        .await
        .unwrap();
        let answered =
            h.db.answer_invitation(
                &reply(&new.id, &orgs.market, MeetingState::Scheduled),
                &with_audit("meeting_invitation_answered"),
            )
            .await
            .unwrap();
        assert_eq!(answered.state, InvitationState::Confirmed);
        assert_eq!(answered.attendee.as_deref(), Some("张三"));
        assert_eq!(answered.answered_by.as_deref(), Some("u-market"));
        assert_eq!(answered.answered_at, Some(T0 + 10));
        let stranger =
            h.db.answer_invitation(
                &reply(&new.id, &orgs.other, MeetingState::Scheduled),
                &Effects::default(),
            )
            .await;
        assert!(
            matches!(stranger, Err(DbError::NotFound(_))),
            "{stranger:?}"
        );

        let mut start = change(&new.id, 2, MeetingState::InProgress, T0 + 20);
        start.started_at = Some(T0 + 20);
        h.db.change_meeting(&start, &Effects::default())
            .await
            .unwrap();
        let checked =
            h.db.check_in(
                &new.id,
                MeetingState::InProgress,
                &orgs.township,
                Attendance::Absent,
                "u-bureau",
                T0 + 21,
                &with_audit("meeting_checked_in"),
            )
            .await
            .unwrap();
        assert_eq!(checked.attendance, Some(Attendance::Absent));
        assert_eq!(checked.checked_in_at, Some(T0 + 21));
        let stale =
            h.db.check_in(
                &new.id,
                MeetingState::Ended,
                &orgs.township,
                Attendance::Attended,
                "u-bureau",
                T0 + 22,
                &Effects::default(),
            )
            .await;
        assert!(matches!(stale, Err(DbError::Rule(_))), "{stale:?}");
        let meeting = h.db.meeting(&new.id).await.unwrap().unwrap();
        assert_eq!(
            meeting.invitation(&orgs.township).unwrap().attendance,
            Some(Attendance::Absent)
        );
    }

    async fn invitees_change_the_space_members_and_the_last_one_stays(h: Harness) {
        let orgs = seed(&h).await;
        let new = new_meeting(&orgs, &orgs.bureau, "330102", T0 + 86_400_000 * 10);
        h.db.create_meeting(&new, T0, &Effects::default())
            .await
            .unwrap();
        let other = Invitee {
            org_id: orgs.other.clone(),
            role: SpaceRole::Member,
        };

        let added =
            h.db.add_invitee(
                &new.id,
                1,
                &other,
                T0 + 1,
                &with_audit("meeting_invitee_added"),
            )
            .await
            .unwrap();
        assert_eq!(added.revision, 2);
        assert_eq!(added.invitations.len(), 3);
        let space = h.db.space(&new.id).await.unwrap().unwrap();
        assert!(space.members.iter().any(|m| m.org_id == orgs.other));
        let twice =
            h.db.add_invitee(&new.id, 2, &other, T0 + 2, &Effects::default())
                .await;
        assert!(matches!(twice, Err(DbError::Rule(_))), "{twice:?}");
        let convener = Invitee {
            org_id: orgs.bureau.clone(),
            role: SpaceRole::Member,
        };
        let own =
            h.db.add_invitee(&new.id, 2, &convener, T0 + 2, &Effects::default())
                .await;
        assert!(matches!(own, Err(DbError::Rule(_))), "{own:?}");
        let stale =
            h.db.remove_invitee(&new.id, 1, &orgs.other, T0 + 2, &Effects::default())
                .await;
        assert!(matches!(stale, Err(DbError::Rule(_))), "{stale:?}");

        let mut meeting = added;
        for org in [&orgs.other, &orgs.market] {
            meeting =
                h.db.remove_invitee(&new.id, meeting.revision, org, T0 + 3, &Effects::default())
                    .await
                    .unwrap();
        }
        assert_eq!(meeting.invitations.len(), 1);
        let space = h.db.space(&new.id).await.unwrap().unwrap();
        assert!(!space.members.iter().any(|m| m.org_id == orgs.market));
        let last =
            h.db.remove_invitee(
                &new.id,
                meeting.revision,
                &orgs.township,
                T0 + 4,
                &Effects::default(),
            )
            .await;
        assert!(matches!(last, Err(DbError::Rule(_))), "{last:?}");
        let gone =
            h.db.remove_invitee(
                &new.id,
                meeting.revision,
                &orgs.market,
                T0 + 4,
                &Effects::default(),
            )
            .await;
        assert!(matches!(gone, Err(DbError::NotFound(_))), "{gone:?}");
        assert_eq!(
            h.db.meeting(&new.id)
                .await
                .unwrap()
                .unwrap()
                .invitations
                .len(),
            1
        );
    }

    async fn agenda_items_are_numbered_and_change_only_from_the_state_read(h: Harness) {
        let orgs = seed(&h).await;
        let new = new_meeting(&orgs, &orgs.bureau, "330102", T0 + 86_400_000 * 10);
        h.db.create_meeting(&new, T0, &Effects::default())
            .await
            .unwrap();
        let item = |title: &str, state: AgendaState, by: &str| NewAgendaItem {
            id: server::db::new_id(),
            meeting_id: new.id.clone(),
            meeting_state: MeetingState::Draft,
            title: title.into(),
            note: String::new(),
            proposed_by: "u".into(),
            proposed_by_org_id: by.to_owned(),
            state,
            at: T0 + 1,
        };
        let first =
            h.db.add_agenda_item(
                &item("通报", AgendaState::Accepted, &orgs.bureau),
                &Effects::default(),
            )
            .await
            .unwrap();
        let second =
            h.db.add_agenda_item(
                &item("分工", AgendaState::Proposed, &orgs.market),
                &Effects::default(),
            )
            .await
            .unwrap();
        assert_eq!((first.seq, second.seq), (1, 2));
        assert_eq!(first.decided_at, Some(T0 + 1));
        assert_eq!(second.decided_at, None);

        let decide = AgendaChange::Decide {
            state: AgendaState::Rejected,
            note: Some("不属于本次会议议题".into()),
        };
        let decided =
            h.db.change_agenda_item(
                &new.id,
                MeetingState::Draft,
                &second.id,
                AgendaState::Proposed,
                &decide,
                "u-bureau",
                T0 + 2,
                &Effects::default(),
            )
            .await
            .unwrap();
        assert_eq!(decided.state, AgendaState::Rejected);
        assert_eq!(decided.decision_note.as_deref(), Some("不属于本次会议议题"));
        let again =
            h.db.change_agenda_item(
                &new.id,
                MeetingState::Draft,
                &second.id,
                AgendaState::Proposed,
                &decide,
                "u-bureau",
                T0 + 3,
                &Effects::default(),
            )
            .await;
        assert!(matches!(again, Err(DbError::Rule(_))), "{again:?}");
        let outcome = AgendaChange::Outcome {
            outcome: AgendaOutcome::Decision,
            note: None,
        };
        let recorded =
            h.db.change_agenda_item(
                &new.id,
                MeetingState::Draft,
                &first.id,
                AgendaState::Accepted,
                &outcome,
                "u-bureau",
                T0 + 4,
                &Effects::default(),
            )
            .await
            .unwrap();
        assert_eq!(recorded.outcome, Some(AgendaOutcome::Decision));
        let missing =
            h.db.change_agenda_item(
                &new.id,
                MeetingState::Draft,
                "no-such-item",
                AgendaState::Accepted,
                &outcome,
                "u",
                T0 + 5,
                &Effects::default(),
            )
            .await;
        assert!(matches!(missing, Err(DbError::NotFound(_))), "{missing:?}");
        let agenda = h.db.meeting_agenda(&new.id).await.unwrap();
        assert_eq!(agenda, [recorded, decided]);
    }

    async fn a_meeting_is_closed_only_once_ended_and_its_reminders_stop(h: Harness) {
        let orgs = seed(&h).await;
        let new = new_meeting(&orgs, &orgs.bureau, "330102", T0 + 86_400_000 * 10);
        h.db.create_meeting(&new, T0, &Effects::default())
            .await
            .unwrap();
        let early =
            h.db.close_meeting(&new.id, T0 + 1, &Effects::default())
                .await;
        assert!(matches!(early, Err(DbError::Rule(_))), "{early:?}");
        for (revision, state) in [
            (1, MeetingState::Scheduled),
            (2, MeetingState::InProgress),
            (3, MeetingState::Ended),
        ] {
            h.db.change_meeting(
                &change(&new.id, revision, state, T0 + 2),
                &Effects::default(),
            )
            .await
            .unwrap();
        }
        let subject = format!("meeting:{}", new.id);
        h.db.schedule_jobs(
            &[server::db::NewJob {
                kind: "meeting_minutes_due".into(),
                subject: subject.clone(),
                payload: json!({}),
                due_at: T0 + 100,
                max_attempts: 1,
                dedupe_key: None,
            }],
            T0,
        )
        .await
        .unwrap();

        let closed =
            h.db.close_meeting(&new.id, T0 + 5, &with_audit("meeting_closed"))
                .await
                .unwrap();

        assert_eq!((closed.state, closed.revision), (MeetingState::Closed, 5));
        let jobs = h.db.jobs_of(&subject).await.unwrap();
        assert_eq!(jobs[0].state, "cancelled");
        let twice =
            h.db.close_meeting(&new.id, T0 + 6, &Effects::default())
                .await;
        assert!(matches!(twice, Err(DbError::Rule(_))), "{twice:?}");
        let missing =
            h.db.close_meeting("nope", T0 + 6, &Effects::default())
                .await;
        assert!(matches!(missing, Err(DbError::NotFound(_))), "{missing:?}");
    }

    async fn a_write_sets_the_tasks_and_sends_the_notices_its_effects_carry_or_none(h: Harness) {
        let orgs = seed(&h).await;
        let new = new_meeting(&orgs, &orgs.bureau, "330102", T0 + 86_400_000 * 10);
        h.db.create_meeting(&new, T0, &Effects::default())
            .await
            .unwrap();
        let stamp = Stamp {
            at: T0 + 1,
            user_id: None,
            name: Some("系统 / System".into()),
            org_id: Some(orgs.bureau.clone()),
        };
        let task = |id: &str| NewTask {
            id: id.to_owned(),
            title: "议定事项一".into(),
            body: "落实分工".into(),
            feedback_required: String::new(),
            source: TaskSource::AgreedItem,
            source_ref: Some(format!("meeting:{}", new.id)),
            setter_org_id: orgs.bureau.clone(),
            assignee_org_id: orgs.market.clone(),
            created_by: "system".into(),
            state: TaskState::Dispatched,
            limit: None,
            started_at: Some(T0 + 1),
            due_at: T0 + 86_400_000 * 30,
        };
        let entry = HistoryEntry {
            stamp: stamp.clone(),
            kind: HistoryEntryKind::Transition,
            command: Some(TaskCommand::Dispatch),
            from_state: Some(TaskState::Created),
            to_state: Some(TaskState::Dispatched),
            body: None,
            detail: json!({}),
        };
        let notice = |id: &str| NewNotice {
            id: id.to_owned(),
            series: None,
            version_kind: VersionKind::Original,
            kind: NoticeKind::Information,
            sender_org_id: orgs.bureau.clone(),
            created_by: "system".into(),
            title: "会议通知：年度协调会议".into(),
            body: "请按时参会。".into(),
            requires_ack: true,
            requires_reply: false,
            reply_due_at: None,
            remind_at: None,
            escalate_at: None,
            recipients: vec![orgs.market.clone(), orgs.township.clone()],
            subject: None,
        };
        let effects = |task_id: &str, notice_id: &str| {
            let mut effects = Effects::default();
            effects.set_task(task(task_id), entry.clone());
            let mut notice_effects = Effects {
                audit: vec![audit("meeting_notice_issued")],
                ..Effects::default()
            };
            notice_effects.send_notice(notice(notice_id));
            effects.merge(notice_effects);
            effects
        };

        // A stale write carries nothing of its effects into the database.
        let refused =
            h.db.change_meeting(
                &change(&new.id, 7, MeetingState::Scheduled, T0 + 1),
                &effects("task-stale", "notice-stale"),
            )
            .await;
        assert!(matches!(refused, Err(DbError::Rule(_))), "{refused:?}");
        assert!(h.db.task("task-stale").await.unwrap().is_none());
        assert!(h.db.notice("notice-stale").await.unwrap().is_none());

        h.db.change_meeting(
            &change(&new.id, 1, MeetingState::Scheduled, T0 + 1),
            &effects("task-1", "notice-1"),
        )
        .await
        .unwrap();

        let task = h.db.task("task-1").await.unwrap().unwrap();
        assert_eq!(task.state, TaskState::Dispatched);
        assert_eq!(task.source, TaskSource::AgreedItem);
        assert_eq!(task.created_at, T0 + 1);
        let history = h.db.task_history("task-1").await.unwrap();
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].entry.stamp, stamp);
        let notice = h.db.notice("notice-1").await.unwrap().unwrap();
        assert_eq!(notice.sent_at, Some(T0 + 1));
        let receipts = h.db.notice_receipts("notice-1").await.unwrap();
        assert_eq!(receipts.len(), 2);
        assert_eq!(
            h.audit_actions().await.last().map(String::as_str),
            Some("meeting_notice_issued")
        );
    }

    async fn meetings_visible_are_those_taken_part_in_and_those_supervised(h: Harness) {
        let orgs = seed(&h).await;
        let county = new_meeting(&orgs, &orgs.bureau, "330102", T0 + 86_400_000 * 10);
        h.db.create_meeting(&county, T0, &Effects::default())
            .await
            .unwrap();
        let mut sibling = new_meeting(&orgs, &orgs.other, "330105", T0 + 86_400_000 * 11);
        sibling.invited = vec![Invitee {
            org_id: orgs.township.clone(),
            role: SpaceRole::Member,
        }];
        h.db.create_meeting(&sibling, T0, &Effects::default())
            .await
            .unwrap();
        let ids = |meetings: Vec<server::db::Meeting>| -> Vec<String> {
            meetings.into_iter().map(|m| m.id).collect()
        };

        // Newest start first; invitations travel with each meeting.
        let township =
            h.db.meetings_visible(&Viewer {
                org_id: &orgs.township,
                supervised: None,
            })
            .await
            .unwrap();
        assert_eq!(township[0].invitations.len(), 1);
        assert_eq!(ids(township), [sibling.id.as_str(), county.id.as_str()]);
        assert_eq!(
            ids(h
                .db
                .meetings_visible(&Viewer {
                    org_id: &orgs.market,
                    supervised: None
                })
                .await
                .unwrap()),
            [county.id.as_str()]
        );
        let county_path = RegionPath("/330000/330100/330102/".into());
        assert_eq!(
            ids(h
                .db
                .meetings_visible(&Viewer {
                    org_id: &orgs.bureau,
                    supervised: Some(&county_path)
                })
                .await
                .unwrap()),
            [county.id.as_str()]
        );
        let city_path = RegionPath("/330000/330100/".into());
        assert_eq!(
            ids(h
                .db
                .meetings_visible(&Viewer {
                    org_id: "a-city-bureau",
                    supervised: Some(&city_path)
                })
                .await
                .unwrap()),
            [sibling.id.as_str(), county.id.as_str()]
        );
        assert!(h
            .db
            .meetings_visible(&Viewer {
                org_id: "nobody",
                supervised: None
            })
            .await
            .unwrap()
            .is_empty());
    }

    async fn annual_meetings_of_a_year_are_listed_with_their_state(h: Harness) {
        let orgs = seed(&h).await;
        let inside = new_meeting(&orgs, &orgs.bureau, "330102", T0 + 86_400_000);
        h.db.create_meeting(&inside, T0, &Effects::default())
            .await
            .unwrap();
        h.db.change_meeting(
            &change(&inside.id, 1, MeetingState::Scheduled, T0 + 1),
            &Effects::default(),
        )
        .await
        .unwrap();
        let outside = new_meeting(&orgs, &orgs.bureau, "330102", T0 + 86_400_000 * 400);
        h.db.create_meeting(&outside, T0, &Effects::default())
            .await
            .unwrap();
        let mut other_kind = new_meeting(&orgs, &orgs.bureau, "330102", T0 + 86_400_000 * 2);
        other_kind.kind = MeetingKind::Joint;
        h.db.create_meeting(&other_kind, T0, &Effects::default())
            .await
            .unwrap();

        let listed =
            h.db.annual_meetings(T0, T0 + 86_400_000 * 365)
                .await
                .unwrap();

        assert_eq!(listed, [(orgs.bureau.clone(), MeetingState::Scheduled)]);
    }
}
