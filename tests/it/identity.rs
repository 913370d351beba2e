//! Local accounts, sessions, API tokens, the Origin check, and access that follows changes
//! onto open websockets.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use server::config::IdentityArgs;

use crate::support::api::{message, open_db, Api, World, PASSWORD};
use crate::support::client::TestClient;
use crate::support::server::{Options, TestServer};

async fn world() -> (TestServer, World) {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    (server, world)
}

#[tokio::test]
async fn local_login_sets_a_hardened_session_cookie_and_me_names_the_user_and_body() {
    let (server, _world) = world().await;
    let api = Api::new(&server);

    let response = api
        .client
        .post(format!("{}/api/auth/login", api.base))
        .header("origin", api.origin.clone().unwrap())
        .json(&json!({ "username": "market", "password": PASSWORD }))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response
        .headers()
        .get("set-cookie")
        .expect("a session cookie")
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("concord_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    // The test server is plain HTTP, so the cookie must not claim Secure.
    assert!(!cookie.contains("Secure"), "{cookie}");
    let (status, me) = api.get("/api/auth/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["user"]["username"], "market");
    assert_eq!(me["org"]["code"], "market");
    assert_eq!(me["org"]["kind"], "enforcement_department");
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_answer() {
    let (server, _world) = world().await;
    let api = Api::new(&server);

    let (wrong_status, wrong) = api
        .post(
            "/api/auth/login",
            json!({ "username": "market", "password": "not the password" }),
        )
        .await;
    let (unknown_status, unknown) = api
        .post(
            "/api/auth/login",
            json!({ "username": "nobody", "password": "not the password" }),
        )
        .await;

    assert_eq!(wrong_status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown_status, StatusCode::UNAUTHORIZED);
    assert_eq!(message(&wrong), message(&unknown));
    assert_eq!(api.get("/api/auth/me").await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_account_locks_after_repeated_failures_until_an_operator_resets_it() {
    let (server, world) = world().await;
    let api = Api::new(&server);
    let wrong = json!({ "username": "police", "password": "wrong password!" });

    for _ in 0..4 {
        assert_eq!(
            api.post("/api/auth/login", wrong.clone()).await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    let (status, body) = api.post("/api/auth/login", wrong.clone()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(message(&body).contains("locked"), "{body}");
    // Locked means locked: the right password does not get in either.
    let right = json!({ "username": "police", "password": PASSWORD });
    assert_eq!(
        api.post("/api/auth/login", right.clone()).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );

    let operator = Api::signed_in(&server, "operator").await;
    let (status, body) = operator
        .post(
            &format!("/api/users/{}/password", world.users["police"]),
            json!({ "password": "a brand new password" }),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    let fresh = json!({ "username": "police", "password": "a brand new password" });
    assert_eq!(api.post("/api/auth/login", fresh).await.0, StatusCode::OK);
}

#[tokio::test]
async fn many_failures_from_one_address_are_throttled_across_accounts() {
    let server = TestServer::start_with(Options {
        identity: IdentityArgs {
            login_failures_per_address: 3,
            ..IdentityArgs::default()
        },
        ..Options::default()
    })
    .await;
    World::build(&server).await;
    let api = Api::new(&server);

    for name in ["market", "police", "court"] {
        let body = json!({ "username": name, "password": "wrong password!" });
        assert_eq!(
            api.post("/api/auth/login", body).await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    let (status, body) = api
        .post(
            "/api/auth/login",
            json!({ "username": "township", "password": PASSWORD }),
        )
        .await;

    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(message(&body).contains("address"), "{body}");
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_ends_the_other_sessions() {
    let (server, _world) = world().await;
    let laptop = Api::signed_in(&server, "court").await;
    let phone = Api::signed_in(&server, "court").await;

    let (status, body) = laptop
        .post(
            "/api/auth/password",
            json!({ "current": "not it at all", "new": "another long password" }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(message(&body).contains("current password"), "{body}");
    let (status, body) = laptop
        .post(
            "/api/auth/password",
            json!({ "current": PASSWORD, "new": "short" }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(message(&body).contains("at least"), "{body}");

    let (status, _) = laptop
        .post(
            "/api/auth/password",
            json!({ "current": PASSWORD, "new": "another long password" }),
        )
        .await;

    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(laptop.get("/api/auth/me").await.0, StatusCode::OK);
    assert_eq!(phone.get("/api/auth/me").await.0, StatusCode::UNAUTHORIZED);
    let old = json!({ "username": "court", "password": PASSWORD });
    assert_eq!(
        Api::new(&server).post("/api/auth/login", old).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_session_past_its_idle_or_absolute_limit_no_longer_works() {
    for identity in [
        IdentityArgs {
            session_idle_minutes: 0,
            ..IdentityArgs::default()
        },
        IdentityArgs {
            session_max_hours: 0,
            ..IdentityArgs::default()
        },
    ] {
        let server = TestServer::start_with(Options {
            identity,
            ..Options::default()
        })
        .await;
        World::build(&server).await;
        let api = Api::new(&server);
        let login = json!({ "username": "market", "password": PASSWORD });
        assert_eq!(api.post("/api/auth/login", login).await.0, StatusCode::OK);
        tokio::time::sleep(Duration::from_millis(5)).await;

        let (status, body) = api.get("/api/auth/me").await;

        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(message(&body).contains("session has ended"), "{body}");
    }
}

#[tokio::test]
async fn a_revoked_session_stops_working_at_once_and_logout_ends_ones_own() {
    let (server, _world) = world().await;
    let laptop = Api::signed_in(&server, "township").await;
    let phone = Api::signed_in(&server, "township").await;
    let (_, listed) = laptop.get("/api/auth/sessions").await;
    let sessions = listed["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    let other = sessions.iter().find(|s| s["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let (status, _) = laptop.delete(&format!("/api/auth/sessions/{other}")).await;

    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(phone.get("/api/auth/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(laptop.get("/api/auth/me").await.0, StatusCode::OK);
    let (status, _) = laptop.post("/api/auth/logout", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(laptop.get("/api/auth/me").await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_api_token_is_shown_once_acts_for_its_body_and_stops_when_revoked() {
    let (server, world) = world().await;
    let admin = Api::signed_in(&server, "market-admin").await;
    let market = world.org("market");

    let (status, created) = admin
        .post(
            &format!("/api/orgs/{market}/tokens"),
            json!({ "name": "案件系统", "permissions": ["spaces:read", "spaces:write"], "expires_in_days": 30 }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let secret = created["token"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("cct_"));
    let (_, listed) = admin.get(&format!("/api/orgs/{market}/tokens")).await;
    assert!(
        listed["tokens"][0].get("token").is_none(),
        "the secret is shown once only"
    );
    let system = Api::with_token(&server, &secret);

    let (status, space) = system
        .post(
            "/api/spaces",
            json!({ "kind": "meeting", "title": "系统创建的会商" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{space}");
    assert_eq!(system.get("/api/spaces").await.0, StatusCode::OK);
    // Not one of its permissions: a token never administers.
    assert_eq!(
        system.get(&format!("/api/orgs/{market}/tokens")).await.0,
        StatusCode::FORBIDDEN
    );
    let (_, listed) = admin.get(&format!("/api/orgs/{market}/tokens")).await;
    assert!(listed["tokens"][0]["last_used_at"].is_i64(), "{listed}");

    let token_id = created["id"].as_str().unwrap();
    let (status, _) = admin
        .delete(&format!("/api/orgs/{market}/tokens/{token_id}"))
        .await;

    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = system.get("/api/spaces").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(message(&body).contains("revoked"), "{body}");
}

#[tokio::test]
async fn without_a_public_url_an_https_origin_is_refused_by_this_http_server() {
    let server = TestServer::start_with(Options {
        no_public_url: true,
        ..Options::default()
    })
    .await;
    let mut api = Api::new(&server);
    let login = json!({ "username": "nobody", "password": "wrong" });

    api.origin = Some(format!("https://{}", server.addr));
    let (status, body) = api.post("/api/auth/login", login.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(message(&body).contains("Origin"), "{body}");

    api.origin = Some(format!("http://{}", server.addr));
    let (status, body) = api.post("/api/auth/login", login).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
}

#[tokio::test]
async fn state_changing_requests_must_come_from_this_servers_origin() {
    let (server, _world) = world().await;
    let mut api = Api::signed_in(&server, "market").await;

    api.origin = Some("https://evil.example".into());
    let (status, body) = api.post("/api/auth/logout", json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(message(&body).contains("Origin"), "{body}");
    api.origin = None;
    assert_eq!(
        api.post("/api/auth/logout", json!({})).await.0,
        StatusCode::FORBIDDEN
    );

    // Reads are not state-changing and need no Origin; the session is still alive.
    assert_eq!(api.get("/api/auth/me").await.0, StatusCode::OK);
}

/// A space convened by the market department, with the township as a member and the police
/// as an observer, and one document.
async fn space_with_doc(server: &TestServer, world: &World) -> (String, String) {
    let convener = Api::signed_in(server, "market").await;
    let (status, space) = convener
        .post(
            "/api/spaces",
            json!({ "kind": "meeting", "title": "联合执法协调会" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{space}");
    let space_id = space["id"].as_str().unwrap().to_owned();
    for (org, role) in [("township", "member"), ("police", "observer")] {
        let (status, body) = convener
            .put(
                &format!("/api/spaces/{space_id}/members/{}", world.org(org)),
                json!({ "role": role }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, doc) = convener
        .post(
            &format!("/api/spaces/{space_id}/docs"),
            json!({ "title": "会议纪要" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{doc}");
    (space_id, doc["doc_id"].as_str().unwrap().to_owned())
}

async fn ticket_url(server: &TestServer, api: &Api, doc: &str) -> (StatusCode, String, String) {
    let (status, body) = api
        .post(&format!("/api/docs/{doc}/ticket"), json!({}))
        .await;
    let url = format!(
        "ws://{}{}",
        server.addr,
        body["url"].as_str().unwrap_or_default()
    );
    (
        status,
        url,
        body["access"].as_str().unwrap_or_default().to_owned(),
    )
}

#[tokio::test]
async fn tickets_follow_the_policy_for_members_observers_and_outsiders() {
    let (server, world) = world().await;
    let (_space, doc) = space_with_doc(&server, &world).await;

    let township = Api::signed_in(&server, "township").await;
    let police = Api::signed_in(&server, "police").await;
    let court = Api::signed_in(&server, "court").await;
    let (status, url, access) = ticket_url(&server, &township, &doc).await;
    assert_eq!((status, access.as_str()), (StatusCode::OK, "write"));
    let writer = TestClient::connect(&url).await;
    writer.synced().await;
    writer.insert("议定事项一");
    let (status, url, access) = ticket_url(&server, &police, &doc).await;
    assert_eq!((status, access.as_str()), (StatusCode::OK, "read"));
    let reader = TestClient::connect(&url).await;
    reader.wait_text("议定事项一").await;
    let (status, _, _) = ticket_url(&server, &court, &doc).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_organization_removed_from_a_space_loses_its_open_socket_within_a_second() {
    let (server, world) = world().await;
    let (space, doc) = space_with_doc(&server, &world).await;
    let township = Api::signed_in(&server, "township").await;
    let (_, url, _) = ticket_url(&server, &township, &doc).await;
    let client = TestClient::connect(&url).await;
    client.synced().await;
    let convener = Api::signed_in(&server, "market").await;

    let (status, _) = convener
        .delete(&format!(
            "/api/spaces/{space}/members/{}",
            world.org("township")
        ))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let closed = tokio::time::timeout(Duration::from_secs(1), client.wait_closed())
        .await
        .expect("the socket closes within one second");
    assert_eq!(closed.code, 4403, "{closed:?}");
    assert_eq!(
        ticket_url(&server, &township, &doc).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_revoked_session_closes_the_sockets_opened_with_its_tickets() {
    let (server, world) = world().await;
    let (_space, doc) = space_with_doc(&server, &world).await;
    let laptop = Api::signed_in(&server, "township").await;
    let phone = Api::signed_in(&server, "township").await;
    let (_, url, _) = ticket_url(&server, &phone, &doc).await;
    let client = TestClient::connect(&url).await;
    client.synced().await;
    let (_, listed) = laptop.get("/api/auth/sessions").await;
    let phone_session = listed["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == false)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    laptop
        .delete(&format!("/api/auth/sessions/{phone_session}"))
        .await;

    let closed = tokio::time::timeout(Duration::from_secs(1), client.wait_closed())
        .await
        .expect("the socket closes within one second");
    assert_eq!(closed.code, 4403);
}

#[tokio::test]
async fn a_member_made_observer_can_no_longer_write_on_its_open_socket() {
    let (server, world) = world().await;
    let (space, doc) = space_with_doc(&server, &world).await;
    let township = Api::signed_in(&server, "township").await;
    let (_, url, _) = ticket_url(&server, &township, &doc).await;
    let client = TestClient::connect(&url).await;
    client.synced().await;
    let convener = Api::signed_in(&server, "market").await;

    convener
        .put(
            &format!("/api/spaces/{space}/members/{}", world.org("township")),
            json!({ "role": "observer" }),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    client.insert("不应保存");

    client
        .wait_until("told its update was refused", |c| {
            !c.seen().denied.is_empty()
        })
        .await;
    let (_, url, _) = ticket_url(&server, &township, &doc).await;
    let fresh = TestClient::connect(&url).await;
    fresh.synced().await;
    assert_eq!(fresh.text(), "");
}

#[tokio::test]
async fn a_websocket_opened_with_the_session_cookie_needs_this_servers_origin() {
    let (server, world) = world().await;
    let (_space, doc) = space_with_doc(&server, &world).await;
    let township = Api::signed_in(&server, "township").await;
    let cookie = township.cookie_header().expect("a session cookie");
    let url = format!("ws://{}/ws/docs/{doc}", server.addr);

    let connect = |origin: &'static str| {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut request = url.clone().into_client_request().unwrap();
        request
            .headers_mut()
            .insert("cookie", cookie.parse().unwrap());
        request
            .headers_mut()
            .insert("origin", origin.parse().unwrap());
        tokio_tungstenite::connect_async(request)
    };
    let own_origin: &'static str = Box::leak(township.base.clone().into_boxed_str());

    assert!(
        connect(own_origin).await.is_ok(),
        "same-origin upgrade with the cookie"
    );
    match connect("https://evil.example").await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status().as_u16(), 403)
        }
        other => panic!("expected 403, got {other:?}"),
    }
}

#[tokio::test]
async fn tampering_with_one_audit_row_is_detected() {
    let (server, _world) = world().await;
    let api = Api::signed_in(&server, "market").await;
    api.post("/api/auth/logout", json!({})).await;
    let db = open_db(&server, None).await;
    let (intact, text) = server::admin::audit_verify(&db).await.unwrap();
    assert!(intact, "{text}");
    db.close().await;

    let path = server.data_dir.path().join("concord.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", path.display()))
        .await
        .unwrap();
    sqlx::query("update audit_log set ip = '10.6.6.6' where action = 'login'")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let db = open_db(&server, None).await;
    let (intact, text) = server::admin::audit_verify(&db).await.unwrap();
    assert!(!intact, "{text}");
    assert!(text.contains("BROKEN"), "{text}");
}

/// The newest anchor's seq and the trail's newest seq, read from the server's database.
async fn anchored_and_head(db: &server::db::Db) -> (Option<i64>, Option<i64>) {
    let leaves = db.audit_anchor_leaves().await.unwrap();
    let anchored = leaves.last().map(|leaf| {
        server::signing::statement::AuditAnchor::parse(&leaf.bytes)
            .unwrap()
            .seq
    });
    let head = db.audit_head().await.unwrap().map(|(seq, _)| seq);
    (anchored, head)
}

#[tokio::test]
async fn a_running_server_anchors_the_audit_trail_in_the_signed_log() {
    let mut options = Options::default();
    options.work.audit_anchor_every_secs = 1;
    let server = TestServer::start_with(options).await;
    let _world = World::build(&server).await;
    let api = Api::signed_in(&server, "market").await;
    api.post("/api/auth/logout", json!({})).await;
    let db = open_db(&server, None).await;

    let mut seen = (None, None);
    for _ in 0..100 {
        seen = anchored_and_head(&db).await;
        if seen.0.is_some() && seen.0 == seen.1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (intact, text) = server::admin::audit_verify(&db).await.unwrap();

    assert!(seen.1.is_some());
    assert_eq!(seen.0, seen.1, "the newest row is anchored within seconds");
    assert!(intact, "{text}");
    assert!(
        text.contains(&format!("through row {}", seen.1.unwrap())),
        "{text}"
    );
}

#[tokio::test]
async fn a_clean_shutdown_anchors_what_was_audited_since_the_last_anchor() {
    let mut options = Options::default();
    options.work.audit_anchor_every_secs = 3600;
    let server = TestServer::start_with(options).await;
    let _world = World::build(&server).await;
    let api = Api::signed_in(&server, "market").await;
    api.post("/api/auth/logout", json!({})).await;
    let running = open_db(&server, None).await;
    let before = anchored_and_head(&running).await;
    running.close().await;

    let data_dir = server.stop().await;
    let db = server::db::Db::connect(&server::db::DbConfig {
        url: None,
        data_dir: data_dir.path().to_path_buf(),
        sqlite_synchronous: server::db::SqliteSync::Normal,
    })
    .await
    .unwrap();
    let after = anchored_and_head(&db).await;

    assert_eq!(before.0, None, "nothing is anchored before the hour is up");
    assert!(after.1.is_some());
    assert_eq!(after.0, after.1, "the shutdown anchored the newest row");
}

#[tokio::test]
async fn an_agency_system_opens_a_document_with_its_token_and_the_policys_access() {
    let (server, world) = world().await;
    let (_space, doc) = space_with_doc(&server, &world).await;
    let admin = Api::signed_in(&server, "market-admin").await;
    let market = world.org("market");
    let mut tokens = Vec::new();
    for permissions in [json!(["docs:write"]), json!(["spaces:read"])] {
        let (status, created) = admin
            .post(
                &format!("/api/orgs/{market}/tokens"),
                json!({ "name": "案件系统", "permissions": permissions, "expires_in_days": 1 }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        tokens.push(created["token"].as_str().unwrap().to_owned());
    }
    let url = format!("ws://{}/ws/docs/{doc}", server.addr);
    let connect = |token: String| {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut request = url.clone().into_client_request().unwrap();
        let bearer = format!("Bearer {token}");
        request
            .headers_mut()
            .insert("authorization", bearer.parse().unwrap());
        tokio_tungstenite::connect_async(request)
    };

    let with_docs = connect(tokens[0].clone()).await;
    let without_docs = connect(tokens[1].clone()).await;

    assert!(
        with_docs.is_ok(),
        "a token with docs:write opens the document"
    );
    match without_docs {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status().as_u16(), 404)
        }
        other => panic!("expected 404 for a token without docs permissions, got {other:?}"),
    }
}
