//! Bad input on the identity endpoints: each refusal is a 4xx whose message says what was
//! wrong, and nothing is stored (the directory reads the same and the audit trail has no new
//! row).

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::api::{message, open_db, Api, World, PASSWORD};
use crate::support::server::TestServer;

/// A server with the seeded world and a signed-in operator.
struct Fixture {
    server: TestServer,
    world: World,
    operator: Api,
}

async fn fixture() -> Fixture {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let operator = Api::signed_in(&server, "operator").await;
    Fixture {
        server,
        world,
        operator,
    }
}

/// What the identity records hold, as far as a refusal could have changed them.
#[derive(Debug, PartialEq)]
struct Stored {
    regions: Value,
    orgs: Value,
    market_users: Value,
    audit_rows: usize,
}

impl Fixture {
    /// What an operator reads at `path`.
    async fn read(&self, path: &str) -> Value {
        let (status, body) = self.operator.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        body
    }

    async fn stored(&self) -> Stored {
        let regions = self.read("/api/regions").await;
        let orgs = self.read("/api/orgs").await;
        let market_users = self
            .read(&format!("/api/orgs/{}/users", self.world.org("market")))
            .await;
        let db = open_db(&self.server, None).await;
        let audit_rows = db
            .audit_rows(None, None, 1_000_000)
            .await
            .expect("reading the audit trail")
            .len();
        db.close().await;
        Stored {
            regions,
            orgs,
            market_users,
            audit_rows,
        }
    }

    /// Asserts that nothing stored changed since `before`.
    async fn assert_unchanged(&self, before: &Stored, what: &str) {
        let after = self.stored().await;
        assert_eq!(
            after.audit_rows, before.audit_rows,
            "{what}: the audit trail gained rows"
        );
        assert_eq!(after.regions, before.regions, "{what}: the regions changed");
        assert_eq!(after.orgs, before.orgs, "{what}: the organizations changed");
        assert_eq!(
            after.market_users, before.market_users,
            "{what}: the users changed"
        );
    }
}

/// Sends `body` as it is, with the given Content-Type, this server's Origin and the caller's
/// cookies.
async fn send_raw(
    api: &Api,
    method: Method,
    path: &str,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> (StatusCode, Value) {
    let response = api
        .client
        .request(method, format!("{}{path}", api.base))
        .header("origin", api.origin.clone().unwrap())
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("request is sent");
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn new_org(code: &str) -> Value {
    json!({ "code": code, "name_zh": "新单位", "kind": "other", "region": "330102" })
}

/// An id in the form the server gives out that names nothing.
const UNKNOWN_ID: &str = "5f0c3a52-9d1e-4c43-8f57-3b4a1c2d9e01";

#[tokio::test]
async fn a_body_that_is_not_json_is_refused_saying_so_and_stores_nothing() {
    let f = fixture().await;
    let before = f.stored().await;

    let (status, body) = send_raw(
        &f.operator,
        Method::POST,
        "/api/orgs",
        "application/json",
        r#"{"code": "broken", "name_zh": "#,
    )
    .await;

    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(message(&body).contains("not valid JSON"), "{body}");
    f.assert_unchanged(&before, "malformed JSON").await;
}

#[tokio::test]
async fn a_body_missing_a_required_field_is_refused_naming_the_field() {
    let f = fixture().await;
    let before = f.stored().await;

    let (status, body) = f
        .operator
        .post(
            "/api/orgs",
            json!({ "code": "no-kind", "name_zh": "无类别单位", "region": "330102" }),
        )
        .await;

    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(message(&body).contains("missing field `kind`"), "{body}");
    f.assert_unchanged(&before, "missing field").await;
}

#[tokio::test]
async fn a_body_with_an_unknown_field_is_refused_naming_the_field() {
    let f = fixture().await;
    let before = f.stored().await;

    let (status, body) = f
        .operator
        .post(
            "/api/regions",
            json!({ "code": "330106", "name_zh": "新区", "level": "county", "parent": "330100", "population": 1 }),
        )
        .await;

    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        message(&body).contains("unknown field `population`"),
        "{body}"
    );
    f.assert_unchanged(&before, "unknown field").await;
}

#[tokio::test]
async fn a_body_sent_as_another_content_type_is_refused_naming_the_expected_one() {
    let f = fixture().await;
    let before = f.stored().await;

    let (status, body) = send_raw(
        &f.operator,
        Method::POST,
        "/api/orgs",
        "text/plain",
        new_org("plain-text").to_string(),
    )
    .await;

    assert!(
        status == StatusCode::BAD_REQUEST || status == StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "{status} {body}"
    );
    assert!(
        message(&body).contains("Content-Type: application/json"),
        "{body}"
    );
    f.assert_unchanged(&before, "wrong Content-Type").await;
}

#[tokio::test]
async fn unknown_organizations_users_spaces_regions_and_tokens_answer_404_naming_what_is_missing() {
    let f = fixture().await;
    let market = f.world.org("market").to_owned();
    let convener = Api::signed_in(&f.server, "market").await;
    let admin = Api::signed_in(&f.server, "market-admin").await;
    let (status, space) = convener
        .post(
            "/api/spaces",
            json!({ "kind": "meeting", "title": "协调会" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{space}");
    let space = space["id"].as_str().unwrap().to_owned();
    let cases: Vec<(&Api, Method, String, Option<Value>, &str)> = vec![
        (
            &f.operator,
            Method::GET,
            format!("/api/orgs/{UNKNOWN_ID}"),
            None,
            "organization",
        ),
        (
            &f.operator,
            Method::PATCH,
            format!("/api/orgs/{UNKNOWN_ID}"),
            Some(json!({ "name_zh": "改名" })),
            "organization",
        ),
        (
            &f.operator,
            Method::GET,
            format!("/api/orgs/{UNKNOWN_ID}/users"),
            None,
            "organization",
        ),
        (
            &f.operator,
            Method::GET,
            format!("/api/users/{UNKNOWN_ID}"),
            None,
            "user",
        ),
        (
            &f.operator,
            Method::PATCH,
            format!("/api/users/{UNKNOWN_ID}"),
            Some(json!({ "display_name": "改名" })),
            "user",
        ),
        (
            &f.operator,
            Method::POST,
            format!("/api/users/{UNKNOWN_ID}/password"),
            Some(json!({ "password": PASSWORD })),
            "user",
        ),
        (
            &convener,
            Method::GET,
            format!("/api/spaces/{UNKNOWN_ID}"),
            None,
            "space",
        ),
        (
            &convener,
            Method::GET,
            format!("/api/spaces/{UNKNOWN_ID}/docs"),
            None,
            "space",
        ),
        (
            &convener,
            Method::PUT,
            format!("/api/spaces/{space}/members/{UNKNOWN_ID}"),
            Some(json!({ "role": "member" })),
            "organization",
        ),
        (
            &f.operator,
            Method::PATCH,
            "/api/regions/330999".to_owned(),
            Some(json!({ "name_zh": "不存在的区" })),
            "region",
        ),
        (
            &admin,
            Method::DELETE,
            format!("/api/orgs/{market}/tokens/{UNKNOWN_ID}"),
            None,
            "token",
        ),
    ];
    let before = f.stored().await;

    let mut wrong = Vec::new();
    for (api, method, path, body, missing) in cases {
        let (status, answer) = api.request(method.clone(), &path, body).await;
        if status != StatusCode::NOT_FOUND || !message(&answer).contains(missing) {
            wrong.push(format!(
                "{method} {path}: {status} {answer} (expected 404 naming the {missing})"
            ));
        }
    }

    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    f.assert_unchanged(&before, "unknown ids").await;
}

#[tokio::test]
async fn a_duplicate_organization_code_is_a_409_naming_the_code() {
    let f = fixture().await;
    let before = f.stored().await;

    let (status, body) = f.operator.post("/api/orgs", new_org("market")).await;

    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(message(&body).contains("market"), "{body}");
    assert!(message(&body).contains("already exists"), "{body}");
    f.assert_unchanged(&before, "duplicate organization code")
        .await;
}

#[tokio::test]
async fn a_duplicate_region_code_is_a_409_naming_the_code() {
    let f = fixture().await;
    let before = f.stored().await;

    let (status, body) = f
        .operator
        .post(
            "/api/regions",
            json!({ "code": "330102", "name_zh": "另一个上城区", "level": "county", "parent": "330100" }),
        )
        .await;

    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(message(&body).contains("330102"), "{body}");
    assert!(message(&body).contains("already exists"), "{body}");
    f.assert_unchanged(&before, "duplicate region code").await;
}

#[tokio::test]
async fn a_region_must_sit_strictly_below_the_level_of_its_parent() {
    let f = fixture().await;
    let before = f.stored().await;
    // A county under a county (拱墅区), and a city under a township (湖滨街道).
    let cases = [
        json!({ "code": "330106", "name_zh": "同级区", "level": "county", "parent": "330105" }),
        json!({ "code": "330300", "name_zh": "倒挂市", "level": "city", "parent": "330102001" }),
    ];

    for region in cases {
        let (status, body) = f.operator.post("/api/regions", region.clone()).await;

        assert!(status.is_client_error(), "{region}: {status} {body}");
        assert!(message(&body).contains("level"), "{region}: {body}");
    }
    f.assert_unchanged(&before, "a parent at the same or a lower level")
        .await;
}

#[tokio::test]
async fn moving_a_region_under_itself_or_its_own_descendant_is_a_409_naming_the_cycle() {
    let f = fixture().await;
    let before = f.stored().await;
    // 杭州市 under 上城区 (its child), and 上城区 under itself.
    let cases = [("330100", "330102"), ("330102", "330102")];

    for (region, parent) in cases {
        let (status, body) = f
            .operator
            .patch(
                &format!("/api/regions/{region}"),
                json!({ "parent": parent }),
            )
            .await;

        assert_eq!(
            status,
            StatusCode::CONFLICT,
            "{region} under {parent}: {body}"
        );
        assert!(
            message(&body).contains("cycle"),
            "{region} under {parent}: {body}"
        );
    }
    f.assert_unchanged(&before, "a region cycle").await;
}

#[tokio::test]
async fn two_organizations_cannot_each_be_the_others_parent() {
    let f = fixture().await;
    let mut ids = Vec::new();
    for code in ["cycle-a", "cycle-b"] {
        let (status, org) = f.operator.post("/api/orgs", new_org(code)).await;
        assert_eq!(status, StatusCode::CREATED, "{org}");
        ids.push(org["id"].as_str().unwrap().to_owned());
    }
    let (a, b) = (&ids[0], &ids[1]);
    let (status, body) = f
        .operator
        .patch(&format!("/api/orgs/{a}"), json!({ "parent_id": b }))
        .await;
    assert_eq!(status, StatusCode::OK, "A under B: {body}");
    let before = f.stored().await;

    let (status, body) = f
        .operator
        .patch(&format!("/api/orgs/{b}"), json!({ "parent_id": a }))
        .await;

    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(message(&body).contains("cycle"), "{body}");
    let (_, org_b) = f.operator.get(&format!("/api/orgs/{b}")).await;
    assert_eq!(org_b["parent_id"], Value::Null, "{org_b}");
    f.assert_unchanged(&before, "an organization cycle").await;
}

#[tokio::test]
async fn a_name_over_200_characters_is_refused_saying_the_limit() {
    let f = fixture().await;
    let admin = Api::signed_in(&f.server, "market-admin").await;
    let long = "局".repeat(201);
    let before = f.stored().await;
    let cases = [
        (
            &f.operator,
            "/api/orgs",
            json!({ "code": "long-name", "name_zh": long, "kind": "other", "region": "330102" }),
        ),
        (
            &f.operator,
            "/api/regions",
            json!({ "code": "330106", "name_zh": long, "level": "county", "parent": "330100" }),
        ),
        (
            &admin,
            "/api/users",
            json!({ "org_id": f.world.org("market"), "username": "long-name", "display_name": long }),
        ),
    ];

    for (api, path, request) in cases {
        let (status, body) = api.post(path, request).await;

        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert!(
            message(&body).contains("at most 200 characters"),
            "{path}: {body}"
        );
    }
    f.assert_unchanged(&before, "a 201-character name").await;
}

#[tokio::test]
async fn an_organization_code_over_64_characters_is_refused_saying_the_limit() {
    let f = fixture().await;
    let before = f.stored().await;

    let (status, body) = f.operator.post("/api/orgs", new_org(&"c".repeat(65))).await;

    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(message(&body).contains("1 to 64"), "{body}");
    f.assert_unchanged(&before, "a 65-character code").await;
}

#[tokio::test]
async fn a_body_of_300_kib_is_refused_as_too_large() {
    let f = fixture().await;
    let before = f.stored().await;
    let huge = json!({ "code": "huge", "name_zh": "x".repeat(300 * 1024), "kind": "other", "region": "330102" });

    let (status, body) = f.operator.post("/api/orgs", huge).await;

    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["error"]["code"], "payload_too_large", "{body}");
    assert!(message(&body).contains("256 KiB"), "{body}");
    f.assert_unchanged(&before, "a 300 KiB body").await;
}

#[tokio::test]
async fn an_unknown_organization_kind_is_refused_listing_the_accepted_kinds() {
    let f = fixture().await;
    let before = f.stored().await;

    let (status, body) = f
        .operator
        .post(
            "/api/orgs",
            json!({ "code": "bad-kind", "name_zh": "怪单位", "kind": "bureau", "region": "330102" }),
        )
        .await;

    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let text = message(&body);
    assert!(text.contains("bureau"), "{body}");
    for accepted in [
        "judicial_bureau",
        "enforcement_department",
        "court",
        "other",
    ] {
        assert!(text.contains(accepted), "{accepted} is not named: {body}");
    }
    f.assert_unchanged(&before, "an unknown kind").await;
}

#[tokio::test]
async fn a_region_code_that_is_not_six_nine_or_twelve_digits_is_a_400() {
    let f = fixture().await;
    let before = f.stored().await;

    let (created, created_body) = f
        .operator
        .post(
            "/api/regions",
            json!({ "code": "12ab", "name_zh": "怪区", "level": "county", "parent": "330100" }),
        )
        .await;
    let (renamed, renamed_body) = f
        .operator
        .patch("/api/regions/12ab", json!({ "name_zh": "怪区" }))
        .await;

    for (status, body) in [(created, created_body), (renamed, renamed_body)] {
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(message(&body).contains("\"12ab\""), "{body}");
        assert!(
            message(&body).contains("administrative division code"),
            "{body}"
        );
    }
    f.assert_unchanged(&before, "a bad region code").await;
}
