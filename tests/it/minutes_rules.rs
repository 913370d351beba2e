//! The rules of signed minutes over the real server, beyond the happy path of `minutes.rs`:
//! the signing order and which signatures count, who sees and who manages the minutes, a
//! tampered archive bundle, bad input, and the signed log's REST interface.
//!
//! Every refusal is checked twice: the answer (status and a message that says what was
//! wrong) and what the server kept (no signature stored, the log no longer than before).
//! The log's proofs are checked with this file's own RFC 9162 code, never the server's.

use std::collections::BTreeSet;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use reqwest::StatusCode;
use serde_json::{json, Value};
use server::signing::bundle::Bundle;
use server::signing::keys::{PersonSigner, SealKey};
use server::signing::note::{LogSigner, LogVerifier};
use server::signing::statement::Statement;
use server::signing::verify::{checks, verify, Report};
use sha2::{Digest, Sha256};

use crate::minutes::{
    archived_meeting, enrolled_key, held_meeting, paragraphs, run, text, write_paragraph, Meeting,
};
use crate::support::api::{message, open_db, Api};

/// An RSA public key (1024 bits, made with `openssl genpkey`): a well-formed SPKI PEM of an
/// algorithm people may not enroll.
const RSA_PUBLIC_KEY_PEM: &str = "-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC6gX0G03LY5WyeeqBgju2aJ2h3
0CLZ4TYPBeViSCyM9ViSm6wrrofRJw5pPimZgcLGFA5uYMBpdhF90ENt4ivniUxm
Gz5a44ax4b+4jThnXvIdel1Z5DM5e57A0NWNWlmPVTWqgrYO8FcIREx9iSljHvX/
GOmKuiQ9vjwXGcsIiwIDAQAB
-----END PUBLIC KEY-----
";

/// An id no meeting has.
const UNKNOWN_ID: &str = "00000000-0000-4000-8000-000000000000";

/// The signing policy of these tests: market and township in parallel, then the bureau.
fn policy(m: &Meeting) -> Value {
    json!([
        [m.world.org("market"), m.world.org("township")],
        [m.world.org("county-bureau")]
    ])
}

/// A held meeting whose minutes (version 1) are frozen and open for signing.
async fn signing_meeting() -> Meeting {
    let m = held_meeting().await;
    let frozen = m.freeze(policy(&m)).await;
    assert_eq!(frozen["version"], 1, "{frozen}");
    m.open_signing(1).await;
    m
}

/// The newest signed checkpoint of the log: the note, its size and its root, read by hand.
async fn checkpoint(api: &Api) -> (String, u64, [u8; 32]) {
    let (status, body) = api.get("/api/log/checkpoint").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let note = body
        .as_str()
        .unwrap_or_else(|| panic!("the checkpoint is not text: {body}"))
        .to_owned();
    let (size, root) = checkpoint_body(&note);
    (note, size, root)
}

/// Size and root of a C2SP checkpoint note: "origin\nsize\nbase64(root)\n\n— sig…\n".
fn checkpoint_body(note: &str) -> (u64, [u8; 32]) {
    let (body, _signatures) = note
        .split_once("\n\n")
        .expect("a blank line before signatures");
    let lines: Vec<&str> = body.split('\n').collect();
    assert_eq!(lines.len(), 3, "origin, size and root: {note:?}");
    let size = lines[1].parse().expect("a decimal size");
    let root = B64
        .decode(lines[2])
        .unwrap()
        .try_into()
        .expect("a 32-byte root");
    (size, root)
}

async fn log_size(api: &Api) -> u64 {
    checkpoint(api).await.1
}

/// The organizations that signed the live version, as the minutes' view lists them.
async fn signed_orgs(m: &Meeting) -> Vec<String> {
    m.minutes(&m.bureau).await["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["org_id"].as_str().unwrap().to_owned())
        .collect()
}

/// POSTs `body` as it is, declared JSON: for bodies that are not.
async fn post_raw(api: &Api, path: &str, body: &str) -> (StatusCode, Value) {
    let mut request = api
        .client
        .post(format!("{}{path}", api.base))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(origin) = &api.origin {
        request = request.header("origin", origin);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Asserts a refusal: `status`, and a message that contains `words` (case-insensitive).
#[track_caller]
fn refused(what: &str, (status, body): (StatusCode, Value), expected: StatusCode, words: &str) {
    assert_eq!(status, expected, "{what}: {body}");
    let said = message(&body);
    assert!(
        said.to_lowercase().contains(&words.to_lowercase()),
        "{what}: the message {said:?} does not say {words:?}"
    );
}

/// Asserts a refusal by a catalogued phrase: `status`, its catalogue code `reason`, and a
/// message that contains `words` (case-insensitive).
#[track_caller]
fn refused_by(
    what: &str,
    (status, body): (StatusCode, Value),
    expected: StatusCode,
    reason: &str,
    words: &str,
) {
    assert_eq!(body["error"]["reason"], reason, "{what}: {body}");
    refused(what, (status, body), expected, words);
}

/// RFC 3339 UTC of now, to the second, as the server writes claimed times.
fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap();
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

// ---- 1. the signing order and which signatures count ----

#[tokio::test]
async fn a_signature_out_of_turn_is_refused_and_nothing_is_stored() {
    let m = signing_meeting().await;
    let bureau_key = enrolled_key(&m.bureau).await;
    let market_key = enrolled_key(&m.market).await;
    let before = log_size(&m.bureau).await;

    // Step 2 before anyone of step 1: the statement itself is refused.
    refused(
        "the bureau asks for a statement before step 1",
        m.sign(&m.bureau, &bureau_key, 1).await,
        StatusCode::CONFLICT,
        "out of turn",
    );
    // A statement made by hand and signed with the bureau's enrolled key is refused too.
    let view = m.minutes(&m.bureau).await;
    let statement = Statement {
        manifest_sha256: view["manifest_sha256"].as_str().unwrap().to_owned(),
        manifest_sm3: view["manifest_sm3"].as_str().unwrap().to_owned(),
        step: 2,
        org_id: m.world.org("county-bureau").to_owned(),
        signer: m.world.users["county-bureau"].clone(),
        key_ids: vec![bureau_key.public().key_id(), "0".repeat(32)],
        intent: "approve-minutes".into(),
        prev: Vec::new(),
        claimed_time: now_rfc3339(),
    };
    let bytes = statement.to_bytes();
    let pae = server::signing::dsse::pae(server::signing::dsse::PAYLOAD_TYPE, &bytes);
    let by_hand = json!({
        "version": 1,
        "statement": B64.encode(&bytes),
        "signature": B64.encode(bureau_key.sign(&pae)),
    });
    refused(
        "a hand-made step-2 signature before step 1",
        m.bureau.post(&m.path("/signatures"), by_hand.clone()).await,
        StatusCode::CONFLICT,
        "out of turn",
    );
    assert!(
        signed_orgs(&m).await.is_empty(),
        "a refused signature was stored"
    );
    assert_eq!(
        log_size(&m.bureau).await,
        before,
        "a refused signature was logged"
    );

    // One of step 1's two bodies signing does not complete the step.
    let (status, body) = m.sign(&m.market, &market_key, 1).await;
    assert_eq!(status, StatusCode::OK, "market signs: {body}");
    assert_eq!(body["current_step"], 1, "{body}");
    let after_market = log_size(&m.bureau).await;
    refused(
        "the bureau asks for a statement with step 1 half signed",
        m.sign(&m.bureau, &bureau_key, 1).await,
        StatusCode::CONFLICT,
        "out of turn",
    );
    refused(
        "the hand-made step-2 signature with step 1 half signed",
        m.bureau.post(&m.path("/signatures"), by_hand).await,
        StatusCode::CONFLICT,
        "out of turn",
    );
    // Nor does a body sign twice.
    refused(
        "market signs again",
        m.sign(&m.market, &market_key, 1).await,
        StatusCode::CONFLICT,
        "already signed",
    );
    assert_eq!(signed_orgs(&m).await, [m.world.org("market")]);
    assert_eq!(log_size(&m.bureau).await, after_market);

    // In turn, the same bureau and key sign.
    let township_key = enrolled_key(&m.township).await;
    let (status, body) = m.sign(&m.township, &township_key, 1).await;
    assert_eq!(status, StatusCode::OK, "township signs: {body}");
    assert_eq!(body["current_step"], 2);
    let (status, body) = m.sign(&m.bureau, &bureau_key, 1).await;
    assert_eq!(status, StatusCode::OK, "the bureau signs in turn: {body}");
    assert_eq!(body["state"], "signed");
}

#[tokio::test]
async fn a_signature_needs_an_enrolled_unrevoked_key_of_the_signer_that_verifies() {
    let m = signing_meeting().await;
    let township_key = enrolled_key(&m.township).await;

    // A key never enrolled.
    let stranger = PersonSigner::generate();
    refused(
        "a statement for a key never enrolled",
        m.sign(&m.market, &stranger, 1).await,
        StatusCode::CONFLICT,
        "enroll",
    );
    // Another person's enrolled key.
    refused(
        "market names township's key",
        m.sign(&m.market, &township_key, 1).await,
        StatusCode::CONFLICT,
        "enroll",
    );

    // A revoked key: no statement for it.
    let revoked = enrolled_key(&m.market).await;
    let (status, body) = m
        .market
        .post(
            &format!("/api/keys/{}/revoke", revoked.public().key_id()),
            json!({ "reason": "设备遗失" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "revoke: {body}");
    assert!(body["revoked_at"].is_i64(), "{body}");
    refused(
        "a statement for a revoked key",
        m.sign(&m.market, &revoked, 1).await,
        StatusCode::CONFLICT,
        "unrevoked",
    );
    // A revoked key stays revoked: not revoked twice, not enrolled again.
    let after_revoke = log_size(&m.market).await;
    refused(
        "revoke a key twice",
        m.market
            .post(
                &format!("/api/keys/{}/revoke", revoked.public().key_id()),
                json!({ "reason": "再次撤销" }),
            )
            .await,
        StatusCode::CONFLICT,
        "already revoked",
    );
    refused(
        "enroll a revoked key again",
        m.market
            .post(
                "/api/keys",
                json!({ "public_key_pem": revoked.public().spki_pem() }),
            )
            .await,
        StatusCode::CONFLICT,
        "already enrolled",
    );
    assert_eq!(log_size(&m.market).await, after_revoke);

    // A key revoked between the statement and the signature.
    let later = enrolled_key(&m.market).await;
    let (status, to_sign, submit) = m.signed_statement(&m.market, &later, 1).await;
    assert_eq!(status, StatusCode::OK, "{to_sign}");
    let (status, body) = m
        .market
        .post(
            &format!("/api/keys/{}/revoke", later.public().key_id()),
            json!({ "reason": "离职" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "revoke: {body}");
    let before = log_size(&m.market).await;
    refused(
        "a signature by a key revoked after its statement",
        m.market.post(&m.path("/signatures"), submit.unwrap()).await,
        StatusCode::CONFLICT,
        "unrevoked",
    );
    assert_eq!(
        log_size(&m.market).await,
        before,
        "a refused signature was logged"
    );

    // A forged signature: the statement names an enrolled key, another key signed.
    let key = enrolled_key(&m.market).await;
    let (status, to_sign, submit) = m.signed_statement(&m.market, &key, 1).await;
    assert_eq!(status, StatusCode::OK, "{to_sign}");
    let submit = submit.unwrap();
    let pae = B64.decode(to_sign["pae"].as_str().unwrap()).unwrap();
    let mut forged = submit.clone();
    forged["signature"] = json!(B64.encode(PersonSigner::generate().sign(&pae)));
    let before_forged = log_size(&m.market).await;
    refused(
        "a signature made with another key",
        m.market.post(&m.path("/signatures"), forged).await,
        StatusCode::BAD_REQUEST,
        "does not verify",
    );
    // The right key over other bytes (the statement without DSSE's PAE).
    let mut other_bytes = submit.clone();
    let statement = B64.decode(submit["statement"].as_str().unwrap()).unwrap();
    other_bytes["signature"] = json!(B64.encode(key.sign(&statement)));
    refused(
        "a signature over the bare statement rather than its PAE",
        m.market.post(&m.path("/signatures"), other_bytes).await,
        StatusCode::BAD_REQUEST,
        "does not verify",
    );
    // Bytes that are no Ed25519 signature at all.
    let mut garbage = submit.clone();
    garbage["signature"] = json!(B64.encode([7u8; 12]));
    refused(
        "a signature of 12 bytes",
        m.market.post(&m.path("/signatures"), garbage).await,
        StatusCode::BAD_REQUEST,
        "does not verify",
    );
    assert!(
        signed_orgs(&m).await.is_empty(),
        "a refused signature was stored"
    );
    assert_eq!(log_size(&m.market).await, before_forged);

    // The genuine signature with the same statement is accepted.
    let (status, body) = m.market.post(&m.path("/signatures"), submit).await;
    assert_eq!(status, StatusCode::OK, "the genuine signature: {body}");
    assert_eq!(signed_orgs(&m).await, [m.world.org("market")]);
    assert_eq!(
        body["signatures"][0]["person_key_id"],
        key.public().key_id()
    );
}

#[tokio::test]
async fn a_signature_over_a_superseded_manifest_is_refused_after_the_minutes_were_reopened() {
    let m = signing_meeting().await;
    let key = enrolled_key(&m.market).await;
    let (status, to_sign, old) = m.signed_statement(&m.market, &key, 1).await;
    assert_eq!(status, StatusCode::OK, "{to_sign}");
    let old = old.unwrap();
    let old_manifest = to_sign["manifest_sha256"].clone();

    // The convener sends version 1 back and freezes version 2.
    let (status, body) = m
        .bureau
        .post(
            &m.path("/reopen"),
            json!({ "version": 1, "reason": "第二段表述需修改" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "reopen: {body}");
    assert_eq!(body["state"], "draft");
    assert_eq!(body["version"], 2);
    let frozen = m.freeze(policy(&m)).await;
    assert_eq!(frozen["version"], 2, "{frozen}");
    assert_ne!(frozen["manifest_sha256"], old_manifest);
    m.open_signing(2).await;
    let before = log_size(&m.market).await;

    refused(
        "the old statement for version 1",
        m.market.post(&m.path("/signatures"), old.clone()).await,
        StatusCode::CONFLICT,
        "superseded",
    );
    let mut relabelled = old.clone();
    relabelled["version"] = json!(2);
    refused(
        "the old statement submitted as version 2",
        m.market.post(&m.path("/signatures"), relabelled).await,
        StatusCode::CONFLICT,
        "superseded",
    );
    refused(
        "a new statement for version 1",
        m.sign(&m.market, &key, 1).await,
        StatusCode::CONFLICT,
        "superseded",
    );
    assert_eq!(
        log_size(&m.market).await,
        before,
        "a refused signature was logged"
    );

    let view = m.minutes(&m.market).await;
    assert_eq!(view["version"], 2);
    assert_eq!(view["state"], "signing");
    assert!(view["signatures"].as_array().unwrap().is_empty(), "{view}");
    let versions = view["versions"].as_array().unwrap();
    assert_eq!(versions[0]["state"], "superseded", "{view}");
    assert_eq!(versions[0]["manifest_sha256"], old_manifest);
    assert_eq!(versions[0]["reopen_reason"], "第二段表述需修改");

    // A fresh statement over version 2 signs.
    let (status, body) = m.sign(&m.market, &key, 2).await;
    assert_eq!(status, StatusCode::OK, "signing version 2: {body}");
    assert_eq!(signed_orgs(&m).await, [m.world.org("market")]);
}

#[tokio::test]
async fn neither_an_api_token_nor_a_person_of_an_observer_body_can_sign() {
    let m = signing_meeting().await;
    let db = open_db(&m.server, None).await;
    let secret = crate::tasks::mint_token(
        &db,
        &m.world,
        "market",
        &["spaces:read", "spaces:write", "docs:write", "docs:read"],
    )
    .await;
    db.close().await;
    let token = Api::with_token(&m.server, &secret);
    let market_key = enrolled_key(&m.market).await;
    let (status, to_sign, market_submit) = m.signed_statement(&m.market, &market_key, 1).await;
    assert_eq!(status, StatusCode::OK, "{to_sign}");
    let market_submit = market_submit.unwrap();
    let before = log_size(&m.market).await;

    // The token reads the minutes of its body's meeting, and can do nothing a person signs.
    let (status, body) = token.get(&m.path("")).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a token with spaces:read reads: {body}"
    );
    refused(
        "a token asks for a statement",
        token
            .post(
                &m.path("/statement"),
                json!({ "version": 1, "key_id": market_key.public().key_id() }),
            )
            .await,
        StatusCode::FORBIDDEN,
        "token",
    );
    refused(
        "a token submits a person's signature",
        token
            .post(&m.path("/signatures"), market_submit.clone())
            .await,
        StatusCode::FORBIDDEN,
        "token",
    );
    refused(
        "a token enrolls a key",
        token
            .post(
                "/api/keys",
                json!({ "public_key_pem": PersonSigner::generate().public().spki_pem() }),
            )
            .await,
        StatusCode::FORBIDDEN,
        "token",
    );
    refused(
        "a token revokes its person's key",
        token
            .post(
                &format!("/api/keys/{}/revoke", market_key.public().key_id()),
                json!({ "reason": "试图撤销" }),
            )
            .await,
        StatusCode::FORBIDDEN,
        "token",
    );

    // Police observes: it reads, may hold a key, and never signs.
    let (status, body) = m.police.get(&m.path("")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["my_step"], Value::Null, "{body}");
    assert_eq!(body["my_turn"], false, "{body}");
    let police_key = enrolled_key(&m.police).await;
    let after_enroll = log_size(&m.police).await;
    refused(
        "the observer asks for a statement",
        m.sign(&m.police, &police_key, 1).await,
        StatusCode::FORBIDDEN,
        "observers",
    );
    refused(
        "the observer submits market's signature",
        m.police
            .post(&m.path("/signatures"), market_submit.clone())
            .await,
        StatusCode::FORBIDDEN,
        "observers",
    );
    assert!(
        signed_orgs(&m).await.is_empty(),
        "a refused signature was stored"
    );
    assert_eq!(log_size(&m.police).await, after_enroll);
    assert_eq!(
        after_enroll,
        before + 1,
        "only the police key's binding was logged"
    );

    // The person of market signs the same statement.
    let (status, body) = m.market.post(&m.path("/signatures"), market_submit).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

// ---- 2. who sees the minutes, and who manages them ----

#[tokio::test]
async fn only_participants_and_the_supervising_bureau_see_them_and_only_the_convener_manages_them()
{
    let workdir = tempfile::tempdir().unwrap();
    let (m, zip) = archived_meeting(workdir.path()).await;
    let bundle_path = m.path("/versions/1/bundle.zip");
    let content_path = m.path("/versions/1/content.json");

    // Bodies outside the meeting and outside its supervision: as if it did not exist.
    for code in ["sibling-bureau", "court", "ningbo-bureau"] {
        let api = Api::signed_in(&m.server, code).await;
        let (status, unknown) = api
            .get(&format!("/api/meetings/{UNKNOWN_ID}/minutes"))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{code}: {unknown}");
        for path in [
            m.path(""),
            bundle_path.clone(),
            content_path.clone(),
            m.path("/versions/1/manifest.json"),
        ] {
            let (status, body) = api.get(&path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{code} GET {path}: {body}");
            assert_eq!(
                message(&body),
                message(&unknown),
                "{code} GET {path}: the answer differs from an unknown meeting's"
            );
        }
        for (rest, body) in [
            ("/freeze", json!({})),
            ("/open-signing", json!({ "version": 1 })),
            ("/archive", json!({ "version": 1 })),
            ("/reopen", json!({ "version": 1, "reason": "无权" })),
            (
                "/statement",
                json!({ "version": 1, "key_id": "0".repeat(32) }),
            ),
        ] {
            let (status, answer) = api.post(&m.path(rest), body).await;
            assert_eq!(
                status,
                StatusCode::NOT_FOUND,
                "{code} POST {rest}: {answer}"
            );
        }
        let (status, body) = api
            .post(&format!("/api/docs/{}/ticket", m.doc_id), json!({}))
            .await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{code} opens the minutes document: {body}"
        );
    }

    // The city bureau supervises the county: it reads everything and changes nothing.
    let city = Api::signed_in(&m.server, "city-bureau").await;
    let (status, view) = city.get(&m.path("")).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["state"], "archived");
    assert_eq!(view["my_turn"], false);
    let (status, content) = city.get(&content_path).await;
    assert_eq!(status, StatusCode::OK, "{content}");
    let response = city
        .client
        .get(format!("{}{bundle_path}", city.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.bytes().await.unwrap().to_vec(),
        zip,
        "the bundle is served as stored"
    );
    for (rest, body, words) in [
        ("/freeze", json!({}), "convening"),
        ("/open-signing", json!({ "version": 1 }), "convening"),
        ("/archive", json!({ "version": 1 }), "convening"),
        (
            "/reopen",
            json!({ "version": 1, "reason": "督导意见" }),
            "supervisors",
        ),
        (
            "/statement",
            json!({ "version": 1, "key_id": "0".repeat(32) }),
            "supervisors",
        ),
    ] {
        refused(
            &format!("the supervising bureau POSTs {rest}"),
            city.post(&m.path(rest), body).await,
            StatusCode::FORBIDDEN,
            words,
        );
    }

    // A member and the observer read; neither manages.
    for api in [&m.market, &m.police] {
        assert_eq!(m.minutes(api).await["state"], "archived");
        for (rest, body) in [
            ("/freeze", json!({})),
            ("/open-signing", json!({ "version": 1 })),
            ("/archive", json!({ "version": 1 })),
        ] {
            refused(
                &format!("a participant that is not the convener POSTs {rest}"),
                api.post(&m.path(rest), body).await,
                StatusCode::FORBIDDEN,
                "only the convening organization",
            );
        }
    }
    // The convener is refused by the state, not by who it is: archived is final.
    refused(
        "the convener reopens archived minutes",
        m.bureau
            .post(
                &m.path("/reopen"),
                json!({ "version": 1, "reason": "再改" }),
            )
            .await,
        StatusCode::CONFLICT,
        "read-only forever",
    );
    let view = m.minutes(&m.bureau).await;
    assert_eq!(view["state"], "archived");
    assert_eq!(view["signatures"].as_array().unwrap().len(), 3);
}

/// Fresh freeze-time checks: a member (not convener) cannot freeze draft minutes, and the
/// supervisor cannot either, while the convener can.
#[tokio::test]
async fn minutes_of_a_held_meeting_are_frozen_by_the_convener_only() {
    let m = held_meeting().await;
    let city = Api::signed_in(&m.server, "city-bureau").await;
    let court = Api::signed_in(&m.server, "court").await;
    let before = log_size(&m.bureau).await;
    refused(
        "market freezes",
        m.market
            .post(&m.path("/freeze"), json!({ "steps": policy(&m) }))
            .await,
        StatusCode::FORBIDDEN,
        "only the convening organization",
    );
    refused(
        "the supervising bureau freezes",
        city.post(&m.path("/freeze"), json!({ "steps": policy(&m) }))
            .await,
        StatusCode::FORBIDDEN,
        "only the convening organization",
    );
    let (status, body) = court.post(&m.path("/freeze"), json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(m.minutes(&m.bureau).await["state"], "draft");
    assert_eq!(log_size(&m.bureau).await, before);
    let frozen = m.freeze(policy(&m)).await;
    assert_eq!(frozen["state"], "frozen");
}

// ---- 3. the real bundle, tampered with ----

/// Every check name `verify` may report.
fn check_names() -> BTreeSet<&'static str> {
    [
        checks::READ,
        checks::LAYOUT,
        checks::CANONICAL,
        checks::LOG_KEY,
        checks::CHECKPOINT,
        checks::MANIFEST,
        checks::CONTENT,
        checks::CRDT_STATE,
        checks::RENDITIONS,
        checks::KEYS,
        checks::SIGNATURES,
        checks::SIGNING_ORDER,
        checks::COMPLETION,
        checks::ARCHIVE,
        checks::LOG_ORDER,
    ]
    .into_iter()
    .collect()
}

/// The check a report failed, asserting it failed and named a known check with a reason.
#[track_caller]
fn failed_check(report: &Report, what: &str) -> String {
    let failure = report
        .failure
        .as_ref()
        .unwrap_or_else(|| panic!("{what}: the tampered bundle verified"));
    assert!(
        check_names().contains(failure.check.as_str()),
        "{what}: unknown check {:?}",
        failure.check
    );
    assert!(!failure.reason.trim().is_empty(), "{what}: no reason given");
    failure.check.clone()
}

#[tokio::test]
async fn flipping_one_byte_anywhere_in_the_real_bundle_fails_verification_naming_the_check() {
    let workdir = tempfile::tempdir().unwrap();
    let (m, zip) = archived_meeting(workdir.path()).await;
    let zip_path = workdir.path().join("minutes.zip");
    std::fs::write(&zip_path, &zip).unwrap();
    let bundle = Bundle::read(&zip_path).unwrap();

    // Untampered, it passes: with its own trust.json and with the key the server serves.
    let report = verify(&bundle, None);
    assert!(report.is_verified(), "{}", report.render());
    let (status, key) = m.bureau.get("/api/log/key").await;
    assert_eq!(status, StatusCode::OK, "{key}");
    let vkey = key["vkey"].as_str().unwrap();
    let log = LogVerifier::from_vkey(vkey).unwrap();
    let report = verify(&bundle, Some(&log));
    assert!(report.is_verified(), "{}", report.render());
    // Another log's key is not this log's.
    let other = LogSigner::new(&log.origin, LogSigner::generate_secret()).verifier();
    failed_check(&verify(&bundle, Some(&other)), "another log's key");

    // One byte flipped at the start, the middle and the end of every file.
    let mut cases = Vec::new();
    for (path, bytes) in &bundle.files {
        assert!(!bytes.is_empty(), "{path} is empty");
        let positions: BTreeSet<usize> = [0, bytes.len() / 2, bytes.len() - 1].into();
        for pos in positions {
            let mut tampered = bundle.clone();
            tampered.files.get_mut(path).unwrap()[pos] ^= 0x01;
            let what = format!("{path} byte {pos} flipped");
            let check = failed_check(&verify(&tampered, None), &what);
            cases.push((path.clone(), pos, check, tampered));
        }
    }
    let files = bundle.files.len();
    assert!(
        files >= 30,
        "a bundle of three signatures has {files} files"
    );
    assert_eq!(
        cases.len(),
        3 * files,
        "three positions in each of {files} files"
    );

    // A file removed, or one added, fails the layout.
    let mut missing = bundle.clone();
    missing.files.remove("completion.json");
    failed_check(&verify(&missing, None), "completion.json removed");
    let mut extra = bundle.clone();
    extra.files.insert("notes.txt".into(), b"unsigned".to_vec());
    assert_eq!(
        failed_check(&verify(&extra, None), "an unknown file added"),
        checks::LAYOUT
    );

    // The command line says the same: exit code 1, a line `FAIL <check>: …`.
    let picks = [
        ("content.json", 1),
        ("manifest.json", 0),
        ("minutes.html", 2),
        ("trust.json", 1),
        ("signatures/", 1),
        ("keys/", 1),
        ("proofs/archive.tlog-proof", 2),
    ];
    for (i, (prefix, which)) in picks.into_iter().enumerate() {
        let (path, pos, check, tampered) = cases
            .iter()
            .filter(|(path, ..)| path.starts_with(prefix))
            .nth(which)
            .or_else(|| cases.iter().find(|(path, ..)| path.starts_with(prefix)))
            .unwrap_or_else(|| panic!("no file {prefix} in the bundle"));
        let dir = workdir.path().join(format!("tampered-{i}"));
        tampered.write_dir(&dir).unwrap();
        // As the library above: trusting the bundle's own trust.json.
        let out = run(&["verify", dir.to_str().unwrap(), "--trust-bundle"]);
        let said = text(&out);
        assert_eq!(out.status.code(), Some(1), "{path} byte {pos}:\n{said}");
        let fail = said
            .lines()
            .find(|l| l.starts_with("FAIL"))
            .unwrap_or_else(|| panic!("{path} byte {pos}: no FAIL line in\n{said}"));
        assert!(
            fail.starts_with(&format!("FAIL {check}:")),
            "{path} byte {pos}: the command says {fail:?}, the library {check:?}"
        );
    }

    // And the untampered directory passes with the server's key given as trusted.
    let dir = workdir.path().join("untampered");
    bundle.write_dir(&dir).unwrap();
    let out = run(&["verify", dir.to_str().unwrap(), "--trust", vkey]);
    assert!(out.status.success(), "{}", text(&out));
    let out = run(&["verify", dir.to_str().unwrap(), "--trust", &other.vkey()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).lines().any(|l| l.starts_with("FAIL")));
}

// ---- 4. bad input ----

#[tokio::test]
async fn bad_input_to_the_minutes_is_refused_with_a_clear_message_and_changes_nothing() {
    let m = held_meeting().await;
    let writer = m.client(&m.market).await;
    let reader = m.client(&m.township).await;
    let draft_key = enrolled_key(&m.market).await;
    let baseline = log_size(&m.bureau).await;

    // -- while the minutes are a draft --
    refused(
        "open signing on a draft",
        m.bureau
            .post(&m.path("/open-signing"), json!({ "version": 1 }))
            .await,
        StatusCode::CONFLICT,
        "draft",
    );
    refused(
        "archive a draft",
        m.bureau
            .post(&m.path("/archive"), json!({ "version": 1 }))
            .await,
        StatusCode::CONFLICT,
        "draft",
    );
    refused(
        "a statement over a draft",
        m.sign(&m.market, &draft_key, 1).await,
        StatusCode::CONFLICT,
        "draft",
    );
    refused(
        "freeze with malformed JSON",
        post_raw(&m.bureau, &m.path("/freeze"), "{\"steps\": [[").await,
        StatusCode::BAD_REQUEST,
        "not valid JSON",
    );
    refused(
        "freeze with an unknown field",
        m.bureau
            .post(&m.path("/freeze"), json!({ "stepz": [] }))
            .await,
        StatusCode::BAD_REQUEST,
        "stepz",
    );
    refused(
        "freeze with no step",
        m.bureau
            .post(&m.path("/freeze"), json!({ "steps": [] }))
            .await,
        StatusCode::BAD_REQUEST,
        "at least one step",
    );
    refused(
        "freeze with an empty step",
        m.bureau
            .post(
                &m.path("/freeze"),
                json!({ "steps": [[m.world.org("market")], []] }),
            )
            .await,
        StatusCode::BAD_REQUEST,
        "names no organization",
    );
    refused(
        "freeze naming the observer as a signatory",
        m.bureau
            .post(
                &m.path("/freeze"),
                json!({ "steps": [[m.world.org("police")]] }),
            )
            .await,
        StatusCode::BAD_REQUEST,
        "not the convener or a participating member",
    );
    refused(
        "freeze naming a body twice",
        m.bureau
            .post(
                &m.path("/freeze"),
                json!({ "steps": [[m.world.org("market")], [m.world.org("market")]] }),
            )
            .await,
        StatusCode::BAD_REQUEST,
        "twice",
    );
    for (method, rest) in [("GET", ""), ("POST", "/freeze")] {
        let path = format!("/api/meetings/{UNKNOWN_ID}/minutes{rest}");
        let answer = if method == "GET" {
            m.bureau.get(&path).await
        } else {
            m.bureau.post(&path, json!({})).await
        };
        refused(
            &format!("{method} {path}"),
            answer,
            StatusCode::NOT_FOUND,
            "no meeting",
        );
    }
    refused_by(
        "an artefact of a version never frozen",
        m.bureau.get(&m.path("/versions/1/content.json")).await,
        StatusCode::NOT_FOUND,
        "signed.no_frozen_version",
        "no frozen version",
    );
    // A meeting not held yet has no minutes to freeze.
    let start = server::db::now_unix_ms() + 72 * 3_600_000;
    let (status, draft_meeting) = m
        .bureau
        .post(
            "/api/meetings",
            json!({
                "kind": "consultation",
                "title": "尚未召开的会商",
                "starts_at": start,
                "ends_at": start + 3_600_000,
                "place": "上城区司法局二楼",
                "reply_due_at": start - 24 * 3_600_000,
                "invited": [{ "org_id": m.world.org("market"), "role": "member" }],
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{draft_meeting}");
    refused(
        "freeze the minutes of a meeting not held",
        m.bureau
            .post(
                &format!(
                    "/api/meetings/{}/minutes/freeze",
                    draft_meeting["id"].as_str().unwrap()
                ),
                json!({}),
            )
            .await,
        StatusCode::CONFLICT,
        "started or ended",
    );
    let view = m.minutes(&m.bureau).await;
    assert_eq!(view["state"], "draft", "{view}");
    assert!(view["versions"].as_array().unwrap().is_empty(), "{view}");
    assert_eq!(
        log_size(&m.bureau).await,
        baseline,
        "a refused request was logged"
    );
    // The refused freezes left the document open: a change still reaches everyone.
    write_paragraph(&writer, "拒绝定稿后仍可编辑。");
    reader
        .wait_until("the paragraph written after refused freezes", |c| {
            paragraphs(&c.doc()) == ["拒绝定稿后仍可编辑。"]
        })
        .await;

    // -- frozen --
    m.freeze(policy(&m)).await;
    let baseline = log_size(&m.bureau).await;
    refused(
        "freeze twice",
        m.bureau
            .post(&m.path("/freeze"), json!({ "steps": policy(&m) }))
            .await,
        StatusCode::CONFLICT,
        "only minutes in draft",
    );
    refused(
        "archive before signing",
        m.bureau
            .post(&m.path("/archive"), json!({ "version": 1 }))
            .await,
        StatusCode::CONFLICT,
        "only minutes signed by every required organization",
    );
    refused_by(
        "open signing of an unknown version",
        m.bureau
            .post(&m.path("/open-signing"), json!({ "version": 99 }))
            .await,
        StatusCode::NOT_FOUND,
        "signed.no_frozen_version",
        "no frozen version 99",
    );
    refused(
        "open signing without a version",
        m.bureau.post(&m.path("/open-signing"), json!({})).await,
        StatusCode::BAD_REQUEST,
        "version",
    );
    refused(
        "open signing with a version that is not a number",
        m.bureau
            .post(&m.path("/open-signing"), json!({ "version": "1" }))
            .await,
        StatusCode::BAD_REQUEST,
        "version",
    );
    refused(
        "a statement before signing opens",
        m.sign(&m.market, &draft_key, 1).await,
        StatusCode::CONFLICT,
        "only while signing is open",
    );
    refused_by(
        "an artefact of an unknown version",
        m.bureau.get(&m.path("/versions/99/content.json")).await,
        StatusCode::NOT_FOUND,
        "signed.no_frozen_version",
        "no frozen version 99",
    );
    refused_by(
        "an unknown artefact",
        m.bureau.get(&m.path("/versions/1/secrets.txt")).await,
        StatusCode::NOT_FOUND,
        "signed.no_artefact",
        "no artefact",
    );
    let (status, body) = m.bureau.get(&m.path("/versions/one/content.json")).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a version that is not a number: {body}"
    );
    assert!(!message(&body).is_empty(), "{body}");
    refused(
        "the bundle of minutes not archived",
        m.bureau.get(&m.path("/versions/1/bundle.zip")).await,
        StatusCode::CONFLICT,
        "archived",
    );
    refused(
        "reopen without a reason",
        m.bureau
            .post(&m.path("/reopen"), json!({ "version": 1, "reason": "  " }))
            .await,
        StatusCode::BAD_REQUEST,
        "reason",
    );
    assert_eq!(m.minutes(&m.bureau).await["state"], "frozen");
    assert_eq!(log_size(&m.bureau).await, baseline);

    // -- signing --
    m.open_signing(1).await;
    refused(
        "open signing twice",
        m.bureau
            .post(&m.path("/open-signing"), json!({ "version": 1 }))
            .await,
        StatusCode::CONFLICT,
        "signing opens once",
    );
    let township_key = enrolled_key(&m.township).await;
    let (status, to_sign, submit) = m.signed_statement(&m.market, &draft_key, 1).await;
    assert_eq!(status, StatusCode::OK, "{to_sign}");
    let submit = submit.unwrap();
    let (status, township_to_sign, township_submit) =
        m.signed_statement(&m.township, &township_key, 1).await;
    assert_eq!(status, StatusCode::OK, "{township_to_sign}");
    let township_submit = township_submit.unwrap();
    let baseline = log_size(&m.bureau).await;
    let signatures = m.path("/signatures");

    refused(
        "malformed JSON signature",
        post_raw(&m.market, &signatures, "{\"version\": 1, \"statement\": ").await,
        StatusCode::BAD_REQUEST,
        "not valid JSON",
    );
    refused(
        "a signature without its statement",
        m.market
            .post(
                &signatures,
                json!({ "version": 1, "signature": submit["signature"] }),
            )
            .await,
        StatusCode::BAD_REQUEST,
        "statement",
    );
    let mut not_base64 = submit.clone();
    not_base64["statement"] = json!("这不是base64!!");
    refused(
        "a statement that is not base64",
        m.market.post(&signatures, not_base64).await,
        StatusCode::BAD_REQUEST,
        "statement is not base64",
    );
    let mut sig_not_base64 = submit.clone();
    sig_not_base64["signature"] = json!("***");
    refused(
        "a signature that is not base64",
        m.market.post(&signatures, sig_not_base64).await,
        StatusCode::BAD_REQUEST,
        "signature is not base64",
    );
    // The same statement, pretty-printed and signed as such: not its canonical bytes.
    let statement_bytes = B64.decode(submit["statement"].as_str().unwrap()).unwrap();
    let pretty =
        serde_json::to_vec_pretty(&serde_json::from_slice::<Value>(&statement_bytes).unwrap())
            .unwrap();
    let pae = server::signing::dsse::pae(server::signing::dsse::PAYLOAD_TYPE, &pretty);
    refused(
        "non-canonical statement bytes",
        m.market
            .post(
                &signatures,
                json!({ "version": 1, "statement": B64.encode(&pretty),
                        "signature": B64.encode(draft_key.sign(&pae)) }),
            )
            .await,
        StatusCode::BAD_REQUEST,
        "canonical",
    );
    refused(
        "JSON that is no statement",
        m.market
            .post(
                &signatures,
                json!({ "version": 1, "statement": B64.encode(b"{\"a\":1}"),
                        "signature": submit["signature"] }),
            )
            .await,
        StatusCode::BAD_REQUEST,
        "statement",
    );
    let mut unknown_version = submit.clone();
    unknown_version["version"] = json!(99);
    refused_by(
        "a signature for an unknown version",
        m.market.post(&signatures, unknown_version).await,
        StatusCode::NOT_FOUND,
        "signed.no_frozen_version",
        "no frozen version 99",
    );
    refused(
        "market submits township's statement and signature",
        m.market.post(&signatures, township_submit.clone()).await,
        StatusCode::BAD_REQUEST,
        "another organization",
    );
    refused(
        "archive while signing",
        m.bureau
            .post(&m.path("/archive"), json!({ "version": 1 }))
            .await,
        StatusCode::CONFLICT,
        "only minutes signed by every required organization",
    );

    // -- keys --
    for (what, pem, words) in [
        ("not PEM", "hello".to_owned(), "Ed25519"),
        ("empty", String::new(), "Ed25519"),
        (
            "an SM2 key",
            SealKey::generate().public().spki_pem(),
            "Ed25519",
        ),
        ("an RSA key", RSA_PUBLIC_KEY_PEM.to_owned(), "Ed25519"),
        (
            "a private key",
            PersonSigner::generate().to_pkcs8_pem(),
            "Ed25519",
        ),
        ("a huge PEM", "A".repeat(10_000), "too long"),
    ] {
        refused(
            &format!("enroll {what}"),
            m.market
                .post("/api/keys", json!({ "public_key_pem": pem }))
                .await,
            StatusCode::BAD_REQUEST,
            words,
        );
    }
    refused(
        "enroll with an unknown field",
        m.market
            .post(
                "/api/keys",
                json!({ "public_key_pem": PersonSigner::generate().public().spki_pem(), "algorithm": "rsa" }),
            )
            .await,
        StatusCode::BAD_REQUEST,
        "algorithm",
    );
    let township_key_id = township_key.public().key_id();
    let (status, someone_elses) = m
        .market
        .post(
            &format!("/api/keys/{township_key_id}/revoke"),
            json!({ "reason": "不是我的钥匙" }),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "revoke another person's key: {someone_elses}"
    );
    let (status, unknown) = m
        .market
        .post(
            &format!("/api/keys/{}/revoke", "0".repeat(32)),
            json!({ "reason": "不存在" }),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "revoke an unknown key: {unknown}"
    );
    assert_eq!(
        message(&someone_elses),
        message(&unknown),
        "another person's key is told apart from an unknown one"
    );
    refused(
        "revoke one's key without a reason",
        m.market
            .post(
                &format!("/api/keys/{}/revoke", draft_key.public().key_id()),
                json!({ "reason": "" }),
            )
            .await,
        StatusCode::BAD_REQUEST,
        "reason",
    );
    let (status, keys) = m.township.get("/api/keys").await;
    assert_eq!(status, StatusCode::OK, "{keys}");
    let listed = keys["keys"].as_array().unwrap();
    assert_eq!(listed.len(), 1, "{keys}");
    assert_eq!(listed[0]["key_id"], township_key_id.as_str());
    assert_eq!(listed[0]["revoked_at"], Value::Null, "{keys}");

    // Nothing of all that was stored or logged; the genuine signatures still sign.
    let view = m.minutes(&m.bureau).await;
    assert_eq!(view["state"], "signing", "{view}");
    assert!(view["signatures"].as_array().unwrap().is_empty(), "{view}");
    assert_eq!(
        log_size(&m.bureau).await,
        baseline,
        "a refused request was logged"
    );
    let (status, body) = m.market.post(&signatures, submit).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = m.township.post(&signatures, township_submit).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["current_step"], 2, "{body}");
}

// ---- 5. the log ----

#[tokio::test]
async fn the_log_serves_growing_signed_checkpoints_and_consistency_proofs_an_independent_check_accepts(
) {
    let m = signing_meeting().await;
    let (status, key) = m.market.get("/api/log/key").await;
    assert_eq!(status, StatusCode::OK, "{key}");
    let vkey = key["vkey"].as_str().unwrap();
    let log = LogVerifier::from_vkey(vkey).unwrap();
    assert_eq!(key["origin"], log.origin.as_str());
    assert!(vkey.starts_with(&format!("{}+", log.origin)), "{vkey}");

    // Checkpoints before signing, after each signature, and after archiving.
    let mut heads = vec![checkpoint(&m.market).await];
    for api in [&m.market, &m.township, &m.bureau] {
        let key = enrolled_key(api).await;
        let (status, body) = m.sign(api, &key, 1).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        heads.push(checkpoint(&m.market).await);
    }
    let (status, body) = m
        .bureau
        .post(&m.path("/archive"), json!({ "version": 1 }))
        .await;
    assert_eq!(status, StatusCode::OK, "archive: {body}");
    heads.push(checkpoint(&m.police).await);

    let key_id_hex = vkey.split('+').nth(1).unwrap();
    for (note, size, root) in &heads {
        // The note verifies with the served key and says what the hand-reading says.
        let checked = log.verify(note).unwrap_or_else(|e| panic!("{note}: {e}"));
        assert_eq!((checked.size, checked.root), (*size, *root));
        assert_eq!(checked.origin, log.origin);
        assert!(note.starts_with(&format!("{}\n", log.origin)), "{note}");
        // Its signature line names the key: "— <origin> base64(key id || signature)".
        let line = note.rsplit_once("\n\n").unwrap().1.lines().next().unwrap();
        let blob = line
            .strip_prefix(&format!("\u{2014} {} ", log.origin))
            .unwrap_or_else(|| panic!("signature line {line:?}"));
        let blob = B64.decode(blob).unwrap();
        assert_eq!(blob.len(), 4 + 64);
        assert_eq!(hex::encode(&blob[..4]), key_id_hex);
        // A note changed anywhere no longer verifies.
        let forged = note.replacen(&format!("\n{size}\n"), &format!("\n{}\n", size + 1), 1);
        assert!(
            log.verify(&forged).is_err(),
            "a checkpoint with another size verified"
        );
    }
    let sizes: Vec<u64> = heads.iter().map(|h| h.1).collect();
    assert!(
        sizes.windows(2).all(|w| w[0] < w[1]),
        "the log did not grow: {sizes:?}"
    );

    // Every pair of heads is consistent, by this file's RFC 9162 check.
    for (i, (_, old, old_root)) in heads.iter().enumerate() {
        for (_, new, new_root) in &heads[i..] {
            let (status, proof) = m
                .market
                .get(&format!("/api/log/proofs/consistency?old={old}&new={new}"))
                .await;
            assert_eq!(status, StatusCode::OK, "{old}->{new}: {proof}");
            assert_eq!(proof["size"], *new);
            assert_eq!(proof["root"], B64.encode(new_root));
            let served = log.verify(proof["checkpoint"].as_str().unwrap()).unwrap();
            assert_eq!((served.size, served.root), (*new, *new_root));
            let hashes: Vec<[u8; 32]> = proof["hashes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| B64.decode(h.as_str().unwrap()).unwrap().try_into().unwrap())
                .collect();
            assert!(
                rfc9162::verify_consistency(*old, *new, old_root, new_root, &hashes),
                "{old}->{new}: the consistency proof does not verify"
            );
            // The check can fail: another old root, or a changed proof hash.
            let mut other_root = *old_root;
            other_root[0] ^= 1;
            assert!(!rfc9162::verify_consistency(
                *old,
                *new,
                &other_root,
                new_root,
                &hashes
            ));
            if let Some(first) = hashes.first() {
                let mut bent = hashes.clone();
                bent[0] = rfc9162::leaf_hash(first);
                assert!(!rfc9162::verify_consistency(
                    *old, *new, old_root, new_root, &bent
                ));
            }
        }
    }

    // An inclusion proof of the newest leaf leads to the newest root.
    let (_, newest, newest_root) = heads.last().unwrap();
    let (status, proof) = m
        .market
        .get(&format!(
            "/api/log/proofs/inclusion?index={}&size={newest}",
            newest - 1
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{proof}");
    assert_eq!(proof["root"], B64.encode(newest_root));

    // Impossible questions are refused with a reason.
    for (query, words) in [
        ("old=0&new=1".to_owned(), "at least 1"),
        ("old=2&new=1".to_owned(), "at most new"),
        (format!("old=1&new={}", newest + 1), "beyond"),
        ("old=a&new=1".to_owned(), ""),
        ("old=1".to_owned(), ""),
        ("old=1&new=2&extra=3".to_owned(), ""),
    ] {
        let (status, body) = m
            .market
            .get(&format!("/api/log/proofs/consistency?{query}"))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert!(message(&body).contains(words), "{query}: {body}");
        assert!(!message(&body).is_empty(), "{query}: {body}");
    }
    let (status, body) = m
        .market
        .get(&format!(
            "/api/log/proofs/inclusion?index={newest}&size={newest}"
        ))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    // The log is a public trust root: read without an account, it says the same.
    let anonymous = Api::new(&m.server);
    let (status, body) = anonymous.get("/api/log/key").await;
    assert_eq!(
        (status, body["vkey"].as_str()),
        (StatusCode::OK, Some(vkey))
    );
    assert_eq!(checkpoint(&anonymous).await, *heads.last().unwrap());
}

/// RFC 9162 §2.1.4.2, verifying a consistency proof, written from the RFC and nothing of
/// the server's.
mod rfc9162 {
    use super::*;

    pub fn leaf_hash(bytes: &[u8]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update([0u8]);
        h.update(bytes);
        h.finalize().into()
    }

    fn node(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update([1u8]);
        h.update(left);
        h.update(right);
        h.finalize().into()
    }

    pub fn verify_consistency(
        first: u64,
        second: u64,
        first_hash: &[u8; 32],
        second_hash: &[u8; 32],
        proof: &[[u8; 32]],
    ) -> bool {
        if first == 0 || first > second {
            return false;
        }
        if first == second {
            return proof.is_empty() && first_hash == second_hash;
        }
        if proof.is_empty() {
            return false;
        }
        let mut path = proof.to_vec();
        if first.is_power_of_two() {
            path.insert(0, *first_hash);
        }
        let (mut fnode, mut snode) = (first - 1, second - 1);
        while fnode & 1 == 1 {
            fnode >>= 1;
            snode >>= 1;
        }
        let (mut fr, mut sr) = (path[0], path[0]);
        for c in &path[1..] {
            if snode == 0 {
                return false;
            }
            if fnode & 1 == 1 || fnode == snode {
                fr = node(c, &fr);
                sr = node(c, &sr);
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            } else {
                sr = node(&sr, c);
            }
            fnode >>= 1;
            snode >>= 1;
        }
        fr == *first_hash && sr == *second_hash && snode == 0
    }

    /// The checker itself, against trees built here: every consistent pair up to 20 leaves
    /// verifies with proofs made by RFC 9162's SUBPROOF, and a wrong root never does.
    #[test]
    fn the_independent_consistency_check_accepts_rfc_proofs_and_refuses_wrong_roots() {
        let leaves: Vec<[u8; 32]> = (0..20u8).map(|i| leaf_hash(&[i])).collect();
        for second in 1..=leaves.len() {
            for first in 1..=second {
                let proof = subproof(first, &leaves[..second], true);
                let (a, b) = (mth(&leaves[..first]), mth(&leaves[..second]));
                assert!(
                    verify_consistency(first as u64, second as u64, &a, &b, &proof),
                    "{first}->{second}"
                );
                let mut wrong = b;
                wrong[31] ^= 1;
                assert!(!verify_consistency(
                    first as u64,
                    second as u64,
                    &a,
                    &wrong,
                    &proof
                ));
            }
        }
    }

    fn mth(leaves: &[[u8; 32]]) -> [u8; 32] {
        match leaves.len() {
            0 => Sha256::digest(b"").into(),
            1 => leaves[0],
            n => {
                let k = split(n);
                node(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    /// The largest power of two smaller than `n`.
    fn split(n: usize) -> usize {
        let mut k = 1;
        while k * 2 < n {
            k *= 2;
        }
        k
    }

    fn subproof(m: usize, leaves: &[[u8; 32]], complete: bool) -> Vec<[u8; 32]> {
        let n = leaves.len();
        if m == n {
            return if complete {
                Vec::new()
            } else {
                vec![mth(leaves)]
            };
        }
        let k = split(n);
        if m <= k {
            let mut proof = subproof(m, &leaves[..k], complete);
            proof.push(mth(&leaves[k..]));
            proof
        } else {
            let mut proof = subproof(m - k, &leaves[k..], false);
            proof.push(mth(&leaves[..k]));
            proof
        }
    }
}
