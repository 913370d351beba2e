//! An organization's signing keys, as its admins and operators manage them
//! (`GET /api/orgs/{id}/keys`, `POST /api/orgs/{id}/keys/{key_id}/revoke`): the list names
//! whose each key is; a revoked person's key signs nothing more and its owner's own list says
//! so; bad input changes nothing; the seal is revoked by operators only, and the body's next
//! signature makes and binds a new one. Who may call the routes at all is in
//! `authz_matrix.rs`.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::minutes::{enrolled_key, held_meeting_with, Meeting};
use crate::support::api::{message, Api};
use crate::support::server::Options;

/// A held meeting whose minutes (version 1) are frozen and open for signing: market and
/// township sign first, then the county bureau.
async fn signing_meeting(options: Options) -> Meeting {
    let m = held_meeting_with(options).await;
    let steps = json!([
        [m.world.org("market"), m.world.org("township")],
        [m.world.org("county-bureau")]
    ]);
    let frozen = m.freeze(steps).await;
    assert_eq!(frozen["version"], 1, "{frozen}");
    m.open_signing(1).await;
    m
}

fn keys_path(m: &Meeting) -> String {
    format!("/api/orgs/{}/keys", m.world.org("market"))
}

fn revoke_path(m: &Meeting, key_id: &str) -> String {
    format!("{}/{key_id}/revoke", keys_path(m))
}

/// The market's keys as `api` lists them.
async fn market_keys(m: &Meeting, api: &Api) -> Vec<Value> {
    let (status, body) = api.get(&keys_path(m)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["keys"].as_array().unwrap().clone()
}

/// The number of leaves in the signed log.
async fn log_size(api: &Api) -> u64 {
    let (status, body) = api.get("/api/log/checkpoint").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let note = body.as_str().expect("the checkpoint is text");
    note.lines().nth(1).unwrap().parse().unwrap()
}

fn refused(what: &str, (status, body): (StatusCode, Value), expected: StatusCode, words: &str) {
    assert_eq!(status, expected, "{what}: {body}");
    let said = message(&body);
    assert!(
        said.to_lowercase().contains(&words.to_lowercase()),
        "{what}: the message {said:?} does not say {words:?}"
    );
}

async fn a_body_admin_lists_and_revokes_a_members_key(options: Options) {
    let m = signing_meeting(options).await;
    let older = enrolled_key(&m.market).await;
    let newer = enrolled_key(&m.market).await;
    let townships = enrolled_key(&m.township).await;
    let admin = Api::signed_in(&m.server, "market-admin").await;

    // The list: the market's people's keys, newest first, named by person; not township's.
    let keys = market_keys(&m, &admin).await;
    let ids: Vec<&str> = keys.iter().map(|k| k["key_id"].as_str().unwrap()).collect();
    let want = [newer.public().key_id(), older.public().key_id()];
    assert_eq!(ids, want.each_ref().map(String::as_str), "{keys:?}");
    for key in &keys {
        assert_eq!(key["purpose"], "person", "{key}");
        assert_eq!(key["username"], "market", "{key}");
        assert_eq!(key["display_name"], "market 同志", "{key}");
        assert_eq!(key["status"], "active", "{key}");
        assert!(key["bound_at"].is_i64(), "{key}");
        assert!(key["revoked_at"].is_null(), "{key}");
    }

    // The admin revokes the older key: someone lost a laptop.
    let (status, revoked) = admin
        .post(
            &revoke_path(&m, &older.public().key_id()),
            json!({ "reason": "笔记本电脑遗失" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{revoked}");
    assert_eq!(revoked["status"], "revoked", "{revoked}");
    assert!(revoked["revoked_at"].is_i64(), "{revoked}");
    assert_eq!(revoked["revoked_by_name"], "market-admin 同志", "{revoked}");
    assert_eq!(revoked["revoke_reason"], "笔记本电脑遗失", "{revoked}");
    assert_eq!(revoked["display_name"], "market 同志", "{revoked}");

    // The list says so, and so does the owner's own list.
    let keys = market_keys(&m, &admin).await;
    assert_eq!(keys[0]["status"], "active", "{keys:?}");
    assert_eq!(keys[1]["status"], "revoked", "{keys:?}");
    assert_eq!(
        keys[1]["revoked_by"], m.world.users["market-admin"],
        "{keys:?}"
    );
    let (status, own) = m.market.get("/api/keys").await;
    assert_eq!(status, StatusCode::OK, "{own}");
    let own_revoked = own["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["key_id"] == older.public().key_id().as_str())
        .expect("the owner still lists the revoked key");
    assert!(own_revoked["revoked_at"].is_i64(), "{own}");

    // The person cannot sign with it; with their other key they can.
    refused(
        "a statement for a key the admin revoked",
        m.sign(&m.market, &older, 1).await,
        StatusCode::CONFLICT,
        "unrevoked",
    );
    let (status, body) = m.sign(&m.market, &newer, 1).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "signing with the key in force: {body}"
    );

    // The revocation is in the audit trail, naming the admin, the key and the reason.
    let (status, audit) = admin
        .get(&format!("/api/audit?org_id={}", m.world.org("market")))
        .await;
    assert_eq!(status, StatusCode::OK, "{audit}");
    let row = audit["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["action"] == "signing_key_revoked")
        .unwrap_or_else(|| panic!("no audit row for the revocation: {audit}"));
    assert_eq!(row["actor_user_id"], m.world.users["market-admin"], "{row}");
    assert_eq!(
        row["target"],
        format!("key:{}", older.public().key_id()),
        "{row}"
    );
    assert_eq!(row["detail"]["reason"], "笔记本电脑遗失", "{row}");
    assert_eq!(row["detail"]["user_id"], m.world.users["market"], "{row}");

    // Bad input changes nothing: not the key, not the log.
    let before = log_size(&admin).await;
    let target = revoke_path(&m, &newer.public().key_id());
    refused(
        "no reason",
        admin.post(&target, json!({})).await,
        StatusCode::BAD_REQUEST,
        "reason",
    );
    refused(
        "a blank reason",
        admin.post(&target, json!({ "reason": "   " })).await,
        StatusCode::BAD_REQUEST,
        "reason",
    );
    refused(
        "an unknown field",
        admin
            .post(&target, json!({ "reason": "离职", "force": true }))
            .await,
        StatusCode::BAD_REQUEST,
        "force",
    );
    let (unknown_status, unknown) = admin
        .post(
            &revoke_path(&m, "00000000000000000000000000000000"),
            json!({ "reason": "离职" }),
        )
        .await;
    assert_eq!(unknown_status, StatusCode::NOT_FOUND, "{unknown}");
    let (other_status, other) = admin
        .post(
            &revoke_path(&m, &townships.public().key_id()),
            json!({ "reason": "离职" }),
        )
        .await;
    assert_eq!(other_status, StatusCode::NOT_FOUND, "{other}");
    assert_eq!(other, unknown, "another body's key reads as an unknown one");
    refused(
        "revoking a revoked key again",
        admin
            .post(
                &revoke_path(&m, &older.public().key_id()),
                json!({ "reason": "再次撤销" }),
            )
            .await,
        StatusCode::CONFLICT,
        "already revoked",
    );
    // A member who is no admin may not, even for a key of their own body.
    refused(
        "a member revokes through the body's route",
        m.market.post(&target, json!({ "reason": "离职" })).await,
        StatusCode::FORBIDDEN,
        "administrator",
    );
    assert_eq!(log_size(&admin).await, before, "bad input logged something");
    let keys = market_keys(&m, &admin).await;
    assert_eq!(keys[0]["status"], "active", "{keys:?}");
    let (_, townships_own) = m.township.get("/api/keys").await;
    assert!(
        townships_own["keys"][0]["revoked_at"].is_null(),
        "{townships_own}"
    );
}

#[tokio::test]
async fn a_body_admin_lists_and_revokes_a_members_key_which_then_signs_nothing() {
    a_body_admin_lists_and_revokes_a_members_key(Options::default()).await;
}

#[tokio::test]
async fn on_postgresql_a_body_admin_lists_and_revokes_a_members_key() {
    let options = Options {
        database_url: Some(crate::support::postgres::fresh_database_url().await),
        ..Options::default()
    };
    a_body_admin_lists_and_revokes_a_members_key(options).await;
}

#[tokio::test]
async fn an_operator_revokes_a_body_s_seal_and_its_next_signature_makes_a_new_one() {
    let m = signing_meeting(Options::default()).await;
    let key = enrolled_key(&m.market).await;
    let operator = Api::signed_in(&m.server, "operator").await;
    let admin = Api::signed_in(&m.server, "market-admin").await;

    // A statement makes the market's seal; the operator sees it in the list.
    let (status, to_sign, stale) = m.signed_statement(&m.market, &key, 1).await;
    assert_eq!(status, StatusCode::OK, "{to_sign}");
    let first_seal = to_sign["statement_json"]["key_ids"][1]
        .as_str()
        .unwrap()
        .to_owned();
    let keys = market_keys(&m, &operator).await;
    let seal = keys
        .iter()
        .find(|k| k["purpose"] == "seal")
        .unwrap_or_else(|| panic!("no seal listed: {keys:?}"));
    assert_eq!(seal["key_id"], first_seal.as_str(), "{seal}");
    assert_eq!(seal["algorithm"], "sm2", "{seal}");
    assert!(seal["display_name"].is_null(), "{seal}");
    assert_eq!(seal["status"], "active", "{seal}");

    // The body's admin may not revoke the seal; an operator may.
    refused(
        "an admin revokes the seal",
        admin
            .post(
                &revoke_path(&m, &first_seal),
                json!({ "reason": "怀疑泄露" }),
            )
            .await,
        StatusCode::FORBIDDEN,
        "operator",
    );
    let (status, revoked) = operator
        .post(
            &revoke_path(&m, &first_seal),
            json!({ "reason": "主密钥轮换" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{revoked}");
    assert_eq!(revoked["status"], "revoked", "{revoked}");
    assert_eq!(revoked["revoked_by_name"], "运维管理员", "{revoked}");

    // A signature over a statement that named the old seal is refused; a new statement
    // names a new seal, and the signature over it is accepted.
    refused(
        "a signature over a statement naming the revoked seal",
        m.market.post(&m.path("/signatures"), stale.unwrap()).await,
        StatusCode::CONFLICT,
        "seal",
    );
    let (status, to_sign, submit) = m.signed_statement(&m.market, &key, 1).await;
    assert_eq!(status, StatusCode::OK, "{to_sign}");
    let second_seal = to_sign["statement_json"]["key_ids"][1].as_str().unwrap();
    assert_ne!(second_seal, first_seal, "the revoked seal is used again");
    let (status, body) = m.market.post(&m.path("/signatures"), submit.unwrap()).await;
    assert_eq!(status, StatusCode::OK, "signing with the new seal: {body}");

    // The list has both seals: the new one in force and first, the old one revoked.
    let seals: Vec<Value> = market_keys(&m, &operator)
        .await
        .into_iter()
        .filter(|k| k["purpose"] == "seal")
        .collect();
    assert_eq!(seals.len(), 2, "{seals:?}");
    assert_eq!(seals[0]["key_id"], second_seal, "{seals:?}");
    assert_eq!(seals[0]["status"], "active", "{seals:?}");
    assert_eq!(seals[1]["key_id"], first_seal.as_str(), "{seals:?}");
    assert_eq!(seals[1]["status"], "revoked", "{seals:?}");
    assert_eq!(seals[1]["revoke_reason"], "主密钥轮换", "{seals:?}");
}
