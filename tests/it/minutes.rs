//! Signed minutes over the real server (SIGNING.md): a whole meeting from convening to a
//! verified archive bundle, the order of signatures, keys, tampering, and who sees what.
//!
//! `county-bureau` (上城区司法局) convenes; `market` and `township` take part and sign in
//! step 1 (in parallel), the bureau signs in step 2; `police` attends as an observer.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use reqwest::StatusCode;
use serde_json::{json, Value};
use server::signing::bundle::Bundle;
use server::signing::keys::PersonSigner;
use sha2::{Digest, Sha256};
use yrs::{Array, Doc, GetString, Map, MapPrelim, Text, Transact, XmlFragment, XmlTextPrelim};
use yrs::{XmlElementPrelim, XmlTextRef};

use crate::support::api::{Api, World};
use crate::support::client::TestClient;
use crate::support::server::{concord_binary, Options, TestServer};

const HOUR_MS: i64 = 3_600_000;

/// A server, its directory, and the people of the meeting signed in.
pub(crate) struct Meeting {
    pub server: TestServer,
    pub world: World,
    pub bureau: Api,
    pub market: Api,
    pub township: Api,
    pub police: Api,
    pub id: String,
    pub doc_id: String,
}

fn now_ms() -> i64 {
    server::db::now_unix_ms()
}

/// Convenes a meeting of the county bureau with market and township (members) and police
/// (observer), sends its notice, has both members confirm, and holds it (start, end).
pub(crate) async fn held_meeting() -> Meeting {
    held_meeting_with(Options::default()).await
}

/// [`held_meeting`] on a server started with `options` (another database engine).
pub(crate) async fn held_meeting_with(options: Options) -> Meeting {
    let database_url = options.database_url.clone();
    let server = TestServer::start_with(options).await;
    let world = World::build_on(&server, database_url.as_deref()).await;
    let bureau = Api::signed_in(&server, "county-bureau").await;
    let market = Api::signed_in(&server, "market").await;
    let township = Api::signed_in(&server, "township").await;
    let police = Api::signed_in(&server, "police").await;
    let start = now_ms() + 48 * HOUR_MS;
    let (status, created) = bureau
        .post(
            "/api/meetings",
            json!({
                "kind": "annual",
                "title": "2026年度行政执法协调会议",
                "starts_at": start,
                "ends_at": start + 2 * HOUR_MS,
                "place": "上城区司法局三楼会议室",
                "reply_due_at": start - 24 * HOUR_MS,
                "invited": [
                    { "org_id": world.org("market"), "role": "member" },
                    { "org_id": world.org("township"), "role": "member" },
                    { "org_id": world.org("police"), "role": "observer" },
                ],
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let doc_id = created["minutes_doc_id"].as_str().unwrap().to_owned();
    let meeting = Meeting {
        server,
        world,
        bureau,
        market,
        township,
        police,
        id,
        doc_id,
    };
    meeting.act("issue_notice").await;
    for (api, code, person) in [
        (&meeting.market, "market", "张三"),
        (&meeting.township, "township", "李四"),
    ] {
        let (status, body) = api
            .post(
                &format!(
                    "/api/meetings/{}/invitations/{}",
                    meeting.id,
                    meeting.world.org(code)
                ),
                json!({ "answer": "confirm", "attendee": person }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{code} confirms: {body}");
    }
    meeting.act("start").await;
    // 签到: the market regulator is checked in; the others are not.
    let (status, body) = meeting
        .bureau
        .post(
            &format!("/api/meetings/{}/check-in", meeting.id),
            json!({ "org_id": meeting.world.org("market"), "attendance": "attended" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "check-in: {body}");
    meeting.act("end").await;
    meeting
}

impl Meeting {
    /// A command on the meeting by the convener, at its current revision.
    pub async fn act(&self, command: &str) {
        let (_, meeting) = self.bureau.get(&format!("/api/meetings/{}", self.id)).await;
        let (status, body) = self
            .bureau
            .post(
                &format!("/api/meetings/{}/actions", self.id),
                json!({ "command": command, "revision": meeting["revision"] }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{command}: {body}");
    }

    pub fn path(&self, rest: &str) -> String {
        format!("/api/meetings/{}/minutes{rest}", self.id)
    }

    /// A websocket client on the minutes for `api`'s person.
    pub async fn client(&self, api: &Api) -> TestClient {
        let (status, ticket) = api
            .post(&format!("/api/docs/{}/ticket", self.doc_id), json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{ticket}");
        let url = format!(
            "ws://{}{}",
            self.server.addr,
            ticket["url"].as_str().unwrap()
        );
        let client = TestClient::connect(&url).await;
        client.synced().await;
        client
    }

    pub async fn minutes(&self, api: &Api) -> Value {
        let (status, body) = api.get(&self.path("")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    pub async fn freeze(&self, steps: Value) -> Value {
        let (status, body) = self
            .bureau
            .post(&self.path("/freeze"), json!({ "steps": steps }))
            .await;
        assert_eq!(status, StatusCode::OK, "freeze: {body}");
        body
    }

    pub async fn open_signing(&self, version: i64) {
        let (status, body) = self
            .bureau
            .post(&self.path("/open-signing"), json!({ "version": version }))
            .await;
        assert_eq!(status, StatusCode::OK, "open signing: {body}");
    }

    /// The statement `api`'s body signs now, and the signature `key` makes over its PAE.
    pub async fn signed_statement(
        &self,
        api: &Api,
        key: &PersonSigner,
        version: i64,
    ) -> (StatusCode, Value, Option<Value>) {
        let (status, to_sign) = api
            .post(
                &self.path("/statement"),
                json!({ "version": version, "key_id": key.public().key_id() }),
            )
            .await;
        if status != StatusCode::OK {
            return (status, to_sign, None);
        }
        let pae = B64.decode(to_sign["pae"].as_str().unwrap()).unwrap();
        let submit = json!({
            "version": version,
            "statement": to_sign["statement"],
            "signature": B64.encode(key.sign(&pae)),
        });
        (status, to_sign, Some(submit))
    }

    /// Signs for `api`'s body with `key` (enrolled already); returns the answer to the
    /// signature.
    pub async fn sign(&self, api: &Api, key: &PersonSigner, version: i64) -> (StatusCode, Value) {
        let (status, body, submit) = self.signed_statement(api, key, version).await;
        let Some(submit) = submit else {
            return (status, body);
        };
        api.post(&self.path("/signatures"), submit).await
    }
}

/// Enrolls a new key for `api`'s person.
pub(crate) async fn enrolled_key(api: &Api) -> PersonSigner {
    let key = PersonSigner::generate();
    let (status, body) = api
        .post(
            "/api/keys",
            json!({ "public_key_pem": key.public().spki_pem() }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    key
}

/// Freezes, opens signing and signs a workflow's signed text whose one signatory is `api`'s
/// body, under `base` (`/api/supervision-docs/{id}/text`, `/api/campaigns/{id}/summary`), with
/// a key enrolled for it now; the last answer (the freeze's, when it is refused).
pub(crate) async fn sign_alone(api: &Api, base: &str) -> (StatusCode, Value) {
    let path = |rest: &str| format!("{base}{rest}");
    let (status, frozen) = api
        .post(&path("/actions"), json!({ "act": "freeze" }))
        .await;
    if status != StatusCode::OK {
        return (status, frozen);
    }
    let version = frozen["version"].as_i64().unwrap();
    let (status, body) = api
        .post(
            &path("/actions"),
            json!({ "act": "open_signing", "version": version }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let key = enrolled_key(api).await;
    let (status, to_sign) = api
        .post(
            &path("/statement"),
            json!({ "version": version, "key_id": key.public().key_id() }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{to_sign}");
    let pae = B64.decode(to_sign["pae"].as_str().unwrap()).unwrap();
    api.post(
        &path("/actions"),
        json!({
            "act": "sign", "version": version, "statement": to_sign["statement"],
            "signature": B64.encode(key.sign(&pae)),
        }),
    )
    .await
}

/// Writes a paragraph into the minutes' body through a live client.
pub(crate) fn write_paragraph(client: &TestClient, text: &str) {
    let doc = client.doc();
    let body = doc.get_or_insert_xml_fragment("body");
    let update = {
        let mut txn = doc.transact_mut();
        let len = body.len(&txn);
        let paragraph = body.insert(&mut txn, len, XmlElementPrelim::empty("paragraph"));
        let text_ref: XmlTextRef = paragraph.insert(&mut txn, 0, XmlTextPrelim::new(""));
        text_ref.insert(&mut txn, 0, text);
        txn.encode_update_v1()
    };
    send_update(client, update);
}

/// Adds an agreed item through a live client.
pub(crate) fn add_agreed_item(client: &TestClient, text: &str, org_id: &str, deadline: &str) {
    let doc = client.doc();
    let agreed = doc.get_or_insert_array("agreed");
    let update = {
        let mut txn = doc.transact_mut();
        let len = agreed.len(&txn);
        agreed.insert(
            &mut txn,
            len,
            MapPrelim::from([
                ("text".to_owned(), yrs::In::from(text)),
                ("org_id".to_owned(), yrs::In::from(org_id)),
                ("deadline".to_owned(), yrs::In::from(deadline)),
            ]),
        );
        txn.encode_update_v1()
    };
    send_update(client, update);
}

pub(crate) fn send_update(client: &TestClient, update: Vec<u8>) {
    use yrs::sync::{Message, SyncMessage};
    use yrs::updates::encoder::Encode;
    client.send(Message::Sync(SyncMessage::Update(update)).encode_v1());
}

/// The visible paragraphs of a doc's body.
pub(crate) fn paragraphs(doc: &Doc) -> Vec<String> {
    let body = doc.get_or_insert_xml_fragment("body");
    let txn = doc.transact();
    body.children(&txn)
        .map(|node| match node {
            yrs::XmlOut::Element(e) => e
                .children(&txn)
                .filter_map(|c| match c {
                    yrs::XmlOut::Text(t) => Some(t.get_string(&txn)),
                    _ => None,
                })
                .collect::<String>(),
            _ => String::new(),
        })
        .collect()
}

fn agreed_len(doc: &Doc) -> u32 {
    let agreed = doc.get_or_insert_array("agreed");
    let txn = doc.transact();
    let len = agreed.len(&txn);
    // Touch an item so a half-synced map fails loudly rather than counting.
    if len > 0 {
        let first = agreed.get(&txn, 0);
        assert!(matches!(first, Some(yrs::Out::YMap(ref m)) if m.len(&txn) >= 3));
    }
    len
}

fn session_of(api: &Api) -> String {
    let header = api.cookie_header().expect("signed in");
    header
        .split("; ")
        .find_map(|c| c.strip_prefix("concord_session="))
        .expect("a session cookie")
        .to_owned()
}

pub(crate) fn run(args: &[&str]) -> Output {
    std::process::Command::new(concord_binary())
        .args(args)
        .output()
        .expect("concord runs")
}

pub(crate) fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A meeting whose minutes were co-edited by two clients, frozen and signed by three bodies
/// in two steps (market with the CLI, township through the API, then the bureau), and
/// archived. Returns the meeting and the downloaded bundle.
pub(crate) async fn archived_meeting(workdir: &Path) -> (Meeting, Vec<u8>) {
    archived_meeting_with(workdir, Options::default()).await
}

/// [`archived_meeting`] on a server started with `options` (another database engine).
pub(crate) async fn archived_meeting_with(workdir: &Path, options: Options) -> (Meeting, Vec<u8>) {
    let m = held_meeting_with(options).await;
    let market_client = m.client(&m.market).await;
    let township_client = m.client(&m.township).await;
    write_paragraph(&market_client, "会议通报了2026年度行政执法协调工作情况。");
    write_paragraph(&township_client, "湖滨街道提出无证经营整治中的管辖问题。");
    add_agreed_item(
        &township_client,
        "市场监管局牵头开展无证经营联合整治",
        m.world.org("market"),
        "2026-12-31",
    );
    for client in [&market_client, &township_client] {
        client
            .wait_until("both paragraphs and the item", |c| {
                paragraphs(&c.doc()).len() == 2 && agreed_len(&c.doc()) == 1
            })
            .await;
    }

    let steps = json!([
        [m.world.org("market"), m.world.org("township")],
        [m.world.org("county-bureau")]
    ]);
    let frozen = m.freeze(steps).await;
    assert_eq!(frozen["state"], "frozen");
    assert_eq!(frozen["version"], 1);

    // A socket still open with write access is refused from now on, and nothing is stored.
    write_paragraph(&market_client, "冻结后的修改");
    let fresh = m.client(&m.police).await;
    assert_eq!(
        paragraphs(&fresh.doc()).len(),
        2,
        "a change after the freeze was stored"
    );

    m.open_signing(1).await;

    // market signs with the command line and a key file, enrolling it on the way.
    let key_file = workdir.join("market.key");
    let keygen = run(&["admin", "keygen", "--out", key_file.to_str().unwrap()]);
    assert!(keygen.status.success(), "{}", text(&keygen));
    assert!(text(&keygen).contains("BEGIN PUBLIC KEY"));
    let server_url = format!("http://{}", m.server.addr);
    // Awaited, not blocking: the server under test runs on this test's runtime.
    let signed = tokio::process::Command::new(concord_binary())
        .args([
            "admin",
            "sign",
            "--server",
            &server_url,
            "--meeting",
            &m.id,
            "--key",
            key_file.to_str().unwrap(),
            "--enroll",
        ])
        .env("CONCORD_SESSION", session_of(&m.market))
        .output()
        .await
        .expect("concord runs");
    assert!(signed.status.success(), "{}", text(&signed));
    assert!(
        text(&signed).contains("signed version 1"),
        "{}",
        text(&signed)
    );

    let township_key = enrolled_key(&m.township).await;
    let (status, body) = m.sign(&m.township, &township_key, 1).await;
    assert_eq!(status, StatusCode::OK, "township signs: {body}");
    assert_eq!(body["state"], "signing");
    assert_eq!(body["current_step"], 2);

    let bureau_key = enrolled_key(&m.bureau).await;
    let (status, body) = m.sign(&m.bureau, &bureau_key, 1).await;
    assert_eq!(status, StatusCode::OK, "bureau signs: {body}");
    assert_eq!(body["state"], "signed");

    let (status, body) = m
        .bureau
        .post(&m.path("/archive"), json!({ "version": 1 }))
        .await;
    assert_eq!(status, StatusCode::OK, "archive: {body}");
    assert_eq!(body["state"], "archived");
    let response = m
        .bureau
        .client
        .get(format!(
            "{}{}",
            m.bureau.base,
            m.path("/versions/1/bundle.zip")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let zip = response.bytes().await.unwrap().to_vec();
    (m, zip)
}

#[tokio::test]
async fn a_whole_meeting_is_convened_co_edited_frozen_signed_in_order_archived_and_verifies() {
    let workdir = tempfile::tempdir().unwrap();
    let (m, zip) = archived_meeting(workdir.path()).await;

    // The bundle verifies offline, as a .zip and as a directory, against the log key the
    // server publishes to anyone (no account needed: the README's recipe).
    let zip_path = workdir.path().join("minutes.zip");
    std::fs::write(&zip_path, &zip).unwrap();
    let (status, key) = Api::new(&m.server).get("/api/log/key").await;
    assert_eq!(status, StatusCode::OK, "{key}");
    let vkey = key["vkey"].as_str().unwrap();
    let out = run(&["verify", zip_path.to_str().unwrap(), "--trust", vkey]);
    assert!(out.status.success(), "verify failed:\n{}", text(&out));
    let report = text(&out);
    for check in [
        "signatures",
        "logged",
        "checkpoint",
        "canonical form",
        "signing order",
    ] {
        assert!(
            report.to_lowercase().contains(check),
            "no {check} check in:\n{report}"
        );
    }
    let dir = workdir.path().join("bundle");
    Bundle::read(&zip_path).unwrap().write_dir(&dir).unwrap();
    let out = run(&["verify", dir.to_str().unwrap(), "--trust", vkey]);
    assert!(
        out.status.success(),
        "verify of the directory failed:\n{}",
        text(&out)
    );
    // Without a log key it checks nothing and says why, in Chinese first; trusting the
    // bundle's own key has to be asked for.
    let out = run(&["verify", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let said = text(&out);
    assert!(
        said.starts_with("未核验") && said.contains("--trust-bundle"),
        "{said}"
    );
    assert!(!said.lines().any(|l| l.starts_with("ok   ")), "{said}");
    let out = run(&["verify", dir.to_str().unwrap(), "--trust-bundle"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("from trust.json"), "{}", text(&out));

    // The content records the meeting as held: its actual start and end, and the check-in.
    let bundle = Bundle::from_zip(&zip).unwrap();
    let content: Value = serde_json::from_slice(&bundle.files["content.json"]).unwrap();
    let (_, meeting) = m.bureau.get(&format!("/api/meetings/{}", m.id)).await;
    let held = &content["held"];
    assert!(
        held["started_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z')),
        "{held}"
    );
    assert!(held["ended_at"].as_str().is_some(), "{held}");
    let checked_in = held["checked_in"].as_array().unwrap();
    assert_eq!(checked_in.len(), 1, "{held}");
    assert_eq!(checked_in[0]["org_id"], m.world.org("market"));
    assert_eq!(checked_in[0]["attendance"], "attended");
    assert!(checked_in[0]["checked_in_at"].is_string(), "{held}");
    assert_ne!(meeting["started_at"], Value::Null, "{meeting}");
    let html = String::from_utf8(bundle.files["minutes.html"].clone()).unwrap();
    // The rendition shows the attendance from the check-in (tests/it/office_form.rs reads the
    // rest of the office form).
    assert!(
        html.contains("<span class=\"label\">出席：</span>上城区市场监督管理局（张三）"),
        "{html}"
    );

    // Each key binding names the person and the body beside their ids, as they were then.
    let mut people = Vec::new();
    for (path, bytes) in &bundle.files {
        if !path.ends_with(".binding.json") {
            continue;
        }
        let binding: Value = serde_json::from_slice(bytes).unwrap();
        assert_eq!(binding["type"], "concord.key-binding/2", "{binding}");
        let org_id = binding["org_id"].as_str().unwrap();
        let (_, org) = m.bureau.get(&format!("/api/orgs/{org_id}")).await;
        assert_eq!(binding["org_name"], org["name_zh"], "{binding}");
        match binding["purpose"].as_str() {
            Some("person") => people.push(binding["user_name"].as_str().unwrap().to_owned()),
            _ => assert!(binding["user_name"].is_null(), "{binding}"),
        }
    }
    people.sort();
    assert_eq!(
        people,
        ["county-bureau 同志", "market 同志", "township 同志"]
    );

    // The agreed item became a task for market, set by the bureau, due at the item's day.
    let (status, tasks) = m.market.get("/api/tasks?list=open").await;
    assert_eq!(status, StatusCode::OK, "{tasks}");
    let items = tasks["tasks"].as_array().unwrap();
    let task = items
        .iter()
        .find(|t| t["source"] == "agreed_item")
        .unwrap_or_else(|| panic!("no task from the agreed item in {tasks}"));
    assert_eq!(task["setter_org_id"], m.world.org("county-bureau"));
    assert!(task["title"].as_str().unwrap().contains("无证经营联合整治"));

    // Every participant body received the signed minutes as a notice to acknowledge.
    for api in [&m.market, &m.township, &m.police] {
        let (status, inbox) = api.get("/api/notices?box=received").await;
        assert_eq!(status, StatusCode::OK, "{inbox}");
        let notice = inbox["notices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| {
                n["notice"]["title"]
                    .as_str()
                    .is_some_and(|t| t.contains("会议纪要已签署"))
                    || n["title"]
                        .as_str()
                        .is_some_and(|t| t.contains("会议纪要已签署"))
            })
            .unwrap_or_else(|| panic!("no signed-minutes notice in {inbox}"));
        let requires_ack = notice["notice"]["requires_ack"]
            .as_bool()
            .or(notice["requires_ack"].as_bool());
        assert_eq!(requires_ack, Some(true));
    }

    // The meeting is closed: its agreed items are tasks now.
    let (_, meeting) = m.bureau.get(&format!("/api/meetings/{}", m.id)).await;
    assert_eq!(meeting["state"], "closed", "{meeting}");
}

/// Each envelope's two signatures checked with nothing but the `openssl` command line, and
/// each inclusion proof with this file's own RFC 9162 verifier.
#[tokio::test]
async fn the_bundle_s_signatures_verify_with_openssl_and_its_proofs_with_an_independent_rfc9162_check(
) {
    let workdir = tempfile::tempdir().unwrap();
    let (_m, zip) = archived_meeting(workdir.path()).await;
    let zip_path = workdir.path().join("minutes.zip");
    std::fs::write(&zip_path, &zip).unwrap();
    let files = Bundle::read(&zip_path).unwrap().files;

    let envelopes: Vec<&String> = files
        .keys()
        .filter(|p| p.starts_with("signatures/") && p.ends_with(".dsse.json"))
        .collect();
    assert_eq!(envelopes.len(), 3, "three bodies signed");
    for path in envelopes {
        let envelope: Value = serde_json::from_slice(&files[path]).unwrap();
        let payload_type = envelope["payloadType"].as_str().unwrap();
        let payload = B64.decode(envelope["payload"].as_str().unwrap()).unwrap();
        // PAE by hand, from the DSSE specification.
        let mut pae = format!(
            "DSSEv1 {} {} {} ",
            payload_type.len(),
            payload_type,
            payload.len()
        )
        .into_bytes();
        pae.extend_from_slice(&payload);
        let pae_file = workdir.path().join("pae.bin");
        std::fs::write(&pae_file, &pae).unwrap();
        let sigs = envelope["signatures"].as_array().unwrap();
        assert_eq!(sigs.len(), 2, "{path}: a person's signature and a seal");
        for (i, sig) in sigs.iter().enumerate() {
            let keyid = sig["keyid"].as_str().unwrap();
            let key_file = workdir.path().join(format!("{keyid}.pem"));
            std::fs::write(&key_file, &files[&format!("keys/{keyid}.pem")]).unwrap();
            let sig_file = workdir.path().join("sig.bin");
            std::fs::write(&sig_file, B64.decode(sig["sig"].as_str().unwrap()).unwrap()).unwrap();
            let out = if i == 0 {
                openssl(&[
                    "pkeyutl",
                    "-verify",
                    "-rawin",
                    "-pubin",
                    "-inkey",
                    key_file.to_str().unwrap(),
                    "-in",
                    pae_file.to_str().unwrap(),
                    "-sigfile",
                    sig_file.to_str().unwrap(),
                ])
            } else {
                openssl(&[
                    "dgst",
                    "-sm3",
                    "-verify",
                    key_file.to_str().unwrap(),
                    "-sigopt",
                    "distid:1234567812345678",
                    "-signature",
                    sig_file.to_str().unwrap(),
                    pae_file.to_str().unwrap(),
                ])
            };
            assert!(
                out.status.success(),
                "openssl refuses signature {i} of {path}: {}",
                text(&out)
            );
            // And a signature over other bytes is refused, so the check above can fail.
            std::fs::write(&pae_file, b"other bytes").unwrap();
            let forged = if i == 0 {
                openssl(&[
                    "pkeyutl",
                    "-verify",
                    "-rawin",
                    "-pubin",
                    "-inkey",
                    key_file.to_str().unwrap(),
                    "-in",
                    pae_file.to_str().unwrap(),
                    "-sigfile",
                    sig_file.to_str().unwrap(),
                ])
            } else {
                openssl(&[
                    "dgst",
                    "-sm3",
                    "-verify",
                    key_file.to_str().unwrap(),
                    "-sigopt",
                    "distid:1234567812345678",
                    "-signature",
                    sig_file.to_str().unwrap(),
                    pae_file.to_str().unwrap(),
                ])
            };
            assert!(
                !forged.status.success(),
                "openssl accepted signature {i} of {path} over other bytes"
            );
            std::fs::write(&pae_file, &pae).unwrap();
        }
    }

    // Inclusion proofs: leaf hash, path to the root, root equal to the checkpoint's.
    let proofs: Vec<&String> = files.keys().filter(|p| p.starts_with("proofs/")).collect();
    assert!(proofs.len() >= 6, "{proofs:?}");
    for path in proofs {
        let proof = String::from_utf8(files[path].clone()).unwrap();
        let artefact = artefact_of(path, &files);
        let (index, hashes, size, root) = parse_tlog_proof(&proof);
        let leaf = rfc9162::leaf_hash(&artefact);
        assert!(
            rfc9162::verify_inclusion(leaf, index, size, &hashes, root),
            "{path}: inclusion proof does not lead to the checkpoint's root"
        );
        // A different leaf must not verify (the check can fail).
        let other = rfc9162::leaf_hash(b"not the artefact");
        assert!(!rfc9162::verify_inclusion(
            other, index, size, &hashes, root
        ));
    }
}

/// The bytes a proof file proves.
fn artefact_of(proof_path: &str, files: &BTreeMap<String, Vec<u8>>) -> Vec<u8> {
    let name = proof_path
        .strip_prefix("proofs/")
        .unwrap()
        .strip_suffix(".tlog-proof")
        .unwrap();
    let path = match name {
        "manifest" => "manifest.json".to_owned(),
        "completion" => "completion.json".to_owned(),
        "archive" => "archive.json".to_owned(),
        key if key.starts_with("key-") => format!("keys/{}.binding.json", &key[4..]),
        step => format!("signatures/{step}.dsse.json"),
    };
    files
        .get(&path)
        .unwrap_or_else(|| panic!("{proof_path} proves {path}, which is missing"))
        .clone()
}

/// index, audit path, tree size and root hash of a `c2sp.org/tlog-proof@v1` file.
fn parse_tlog_proof(text: &str) -> (u64, Vec<[u8; 32]>, u64, [u8; 32]) {
    let (proof, checkpoint) = text
        .split_once("\n\n")
        .expect("a blank line before the checkpoint");
    let mut lines = proof.lines();
    assert_eq!(lines.next(), Some("c2sp.org/tlog-proof@v1"));
    let index: u64 = lines
        .next()
        .unwrap()
        .strip_prefix("index ")
        .unwrap()
        .parse()
        .unwrap();
    let hashes = lines
        .map(|l| B64.decode(l).unwrap().try_into().unwrap())
        .collect();
    let mut body = checkpoint.lines();
    let _origin = body.next().unwrap();
    let size: u64 = body.next().unwrap().parse().unwrap();
    let root = B64
        .decode(body.next().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    (index, hashes, size, root)
}

fn openssl(args: &[&str]) -> Output {
    std::process::Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl is installed (it is needed to check signatures independently)")
}

/// RFC 9162 §2.1.3.2: verifying an inclusion proof, written from the RFC's algorithm and
/// nothing of the server's.
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

    pub fn verify_inclusion(
        leaf: [u8; 32],
        index: u64,
        size: u64,
        path: &[[u8; 32]],
        root: [u8; 32],
    ) -> bool {
        if index >= size {
            return false;
        }
        let (mut fnode, mut snode) = (index, size - 1);
        let mut r = leaf;
        for p in path {
            if snode == 0 {
                return false;
            }
            if fnode & 1 == 1 || fnode == snode {
                r = node(p, &r);
                if fnode & 1 == 0 {
                    while fnode & 1 == 0 && fnode != 0 {
                        fnode >>= 1;
                        snode >>= 1;
                    }
                }
            } else {
                r = node(&r, p);
            }
            fnode >>= 1;
            snode >>= 1;
        }
        snode == 0 && r == root
    }
}

/// The minutes JSON carries every command of the lifecycle, allowed for the caller or refused
/// with the rule that says why: what the web client's buttons are.
#[tokio::test]
async fn the_minutes_offer_each_caller_the_commands_it_may_give_and_say_why_not_the_others() {
    let m = held_meeting().await;
    let offer = |view: &Value, command: &str| -> (bool, String) {
        let offer = view["commands"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["command"] == command)
            .unwrap_or_else(|| panic!("no {command} in {view}"))
            .clone();
        (
            offer["allowed"].as_bool().unwrap(),
            offer["rule_en"].as_str().unwrap_or_default().to_owned(),
        )
    };

    let bureau = m.minutes(&m.bureau).await;
    assert_eq!(bureau["kind"], "concord.minutes/1", "{bureau}");
    assert_eq!(bureau["manages"], true);
    assert_eq!(offer(&bureau, "freeze"), (true, String::new()));
    let market_view = m.minutes(&m.market).await;
    let (allowed, rule) = offer(&market_view, "freeze");
    assert!(
        !allowed && rule.contains("only the convening organization"),
        "{rule}"
    );
    let freeze = market_view["commands"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["command"] == "freeze")
        .unwrap();
    assert!(
        freeze["rule_zh"].as_str().unwrap().contains("召集单位"),
        "the rule in Chinese too: {freeze}"
    );
    assert!(freeze["rule_code"].as_str().unwrap().starts_with("policy."));

    m.freeze(json!([
        [m.world.org("market")],
        [m.world.org("county-bureau")]
    ]))
    .await;
    m.open_signing(1).await;
    let market = m.minutes(&m.market).await;
    assert_eq!(offer(&market, "sign"), (true, String::new()));
    assert!(
        offer(&market, "reopen").0,
        "a signatory may decline: {market}"
    );
    let (allowed, rule) = offer(&m.minutes(&m.bureau).await, "sign");
    assert!(!allowed && rule.contains("out of turn"), "{rule}");
    let (allowed, rule) = offer(&m.minutes(&m.police).await, "sign");
    assert!(!allowed && rule.contains("observers"), "{rule}");
}

/// The whole lifecycle on PostgreSQL: the signed-document store speaks both engines, and a
/// new freeze writes the manifest that names its kind.
#[tokio::test]
async fn on_postgresql_the_minutes_are_frozen_signed_in_order_archived_and_verify() {
    let workdir = tempfile::tempdir().unwrap();
    let options = Options {
        database_url: Some(crate::support::postgres::fresh_database_url().await),
        ..Options::default()
    };
    let (m, zip) = archived_meeting_with(workdir.path(), options).await;

    let zip_path = workdir.path().join("minutes.zip");
    std::fs::write(&zip_path, &zip).unwrap();
    let (_, key) = Api::new(&m.server).get("/api/log/key").await;
    let vkey = key["vkey"].as_str().unwrap();
    let out = run(&["verify", zip_path.to_str().unwrap(), "--trust", vkey]);
    assert!(out.status.success(), "verify failed:\n{}", text(&out));
    let bundle = Bundle::from_zip(&zip).unwrap();
    let manifest: Value = serde_json::from_slice(&bundle.files["manifest.json"]).unwrap();
    assert_eq!(manifest["schema"], "concord.manifest/2");
    assert_eq!(manifest["kind"], "concord.minutes/1");
    assert_eq!(manifest["subject_id"], m.id.as_str());
    let (_, meeting) = m.bureau.get(&format!("/api/meetings/{}", m.id)).await;
    assert_eq!(meeting["state"], "closed", "{meeting}");
}

/// Minutes stored before signed documents had kinds (schema 0005) are read, after the
/// migration, as minutes of their meeting, with every stored byte as it was.
mod stored_before_kinds {
    use server::db::{Db, DbConfig, SqliteSync, SQLITE_FILE_NAME};
    use server::domain::signed::SignedState;
    use sqlx::migrate::Migrator;

    /// A database at schema 0005, to write rows into by hand.
    enum Old {
        Sqlite(sqlx::SqlitePool),
        Postgres(sqlx::PgPool),
    }

    impl Old {
        /// Runs `sql`, binding `bytes` as `$1`, `$2`, … (every other value is written inline).
        async fn exec(&self, sql: &str, bytes: &[&[u8]]) {
            // The same statement on either engine's pool.
            macro_rules! run_on {
                ($pool:expr) => {{
                    let mut query = sqlx::query(sql);
                    for b in bytes {
                        query = query.bind(b.to_vec());
                    }
                    query.execute($pool).await
                }};
            }
            let done = match self {
                Old::Sqlite(pool) => run_on!(pool).map(drop),
                Old::Postgres(pool) => run_on!(pool).map(drop),
            };
            done.unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
    }

    /// The migrations up to and including 0005.
    fn up_to_0005(mut migrator: Migrator) -> Migrator {
        migrator.migrations = migrator
            .migrations
            .iter()
            .filter(|m| m.version <= 5)
            .cloned()
            .collect::<Vec<_>>()
            .into();
        migrator
    }

    #[tokio::test]
    async fn sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let config = DbConfig {
            url: None,
            data_dir: dir.path().join("data"),
            sqlite_synchronous: SqliteSync::Normal,
        };
        std::fs::create_dir_all(&config.data_dir).unwrap();
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(config.data_dir.join(SQLITE_FILE_NAME))
            .create_if_missing(true)
            .foreign_keys(true);
        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
        up_to_0005(sqlx::migrate!("../migrations/sqlite"))
            .run(&pool)
            .await
            .unwrap();
        minutes_read_as_minutes_of_their_meeting(config, Old::Sqlite(pool)).await;
    }

    #[tokio::test]
    async fn postgres() {
        let url = crate::support::postgres::fresh_database_url().await;
        let pool = sqlx::PgPool::connect(&url).await.unwrap();
        up_to_0005(sqlx::migrate!("../migrations/postgres"))
            .run(&pool)
            .await
            .unwrap();
        let config = DbConfig {
            url: Some(url),
            data_dir: "unused-by-postgres".into(),
            sqlite_synchronous: SqliteSync::Normal,
        };
        minutes_read_as_minutes_of_their_meeting(config, Old::Postgres(pool)).await;
    }

    async fn minutes_read_as_minutes_of_their_meeting(config: DbConfig, old: Old) {
        let (content, manifest, state, html, envelope) = (
            b"{\"schema\":\"concord.minutes/1\"}".as_slice(),
            b"{\"schema\":\"concord.manifest/1\"}".as_slice(),
            b"\x01\x00crdt".as_slice(),
            b"<!doctype html>".as_slice(),
            b"{\"payloadType\":\"x\"}".as_slice(),
        );
        for sql in [
            "insert into regions (code, name_zh, level, path)
             values ('330000', '浙江省', 'province', '/330000/')",
            "insert into organizations (id, code, name_zh, kind, region_code, created_at, updated_at)
             values ('org-market', 'M1', '市场监督管理局', 'enforcement_department', '330000', 1, 1)",
            "insert into users (id, org_id, display_name, org_role, is_operator, created_at, updated_at)
             values ('user-market', 'org-market', '张三', 'member', false, 1, 1)",
            "insert into spaces (id, kind, title, region_code, created_by, created_at)
             values ('meeting-1', 'meeting', '协调会议', '330000', 'user-market', 1)",
            "insert into space_docs (doc_id, space_id, title, frozen, created_at)
             values ('doc-1', 'meeting-1', '会议纪要', true, 1)",
        ] {
            old.exec(sql, &[]).await;
        }
        for (idx, kind, bytes) in [
            (0, "key_binding", b"person".as_slice()),
            (1, "key_binding", b"seal".as_slice()),
            (2, "manifest", manifest),
            (3, "signature", envelope),
        ] {
            old.exec(
                &format!(
                    "insert into log_leaves (idx, kind, subject, bytes, leaf_hash, created_at)
                     values ({idx}, '{kind}', 'minutes:meeting-1:1', $1, $2, 1)"
                ),
                &[bytes, &[idx as u8; 32]],
            )
            .await;
        }
        old.exec(
            "insert into signing_keys (key_id, purpose, algorithm, org_id, user_id, spki,
                 sealed_private, binding_leaf, bound_at)
             values ('kp', 'person', 'ed25519', 'org-market', 'user-market', $1, null, 0, 1)",
            &[b"spki-p"],
        )
        .await;
        old.exec(
            "insert into signing_keys (key_id, purpose, algorithm, org_id, user_id, spki,
                 sealed_private, binding_leaf, bound_at)
             values ('ks', 'seal', 'sm2', 'org-market', null, $1, $2, 1, 1)",
            &[b"spki-s", b"sealed"],
        )
        .await;
        old.exec(
            "insert into minutes_versions (meeting_id, version, doc_id, state, content, manifest,
                 manifest_sha256, manifest_leaf, crdt_state, html, frozen_by, frozen_at, updated_at)
             values ('meeting-1', 1, 'doc-1', 'signing', $1, $2, 'm-sha', 2, $3, $4, 'user-market',
                 5, 6)",
            &[content, manifest, state, html],
        )
        .await;
        old.exec(
            "insert into minutes_signatures (meeting_id, version, step, org_id, signer_user_id,
                 person_key_id, seal_key_id, envelope, payload_sha256, leaf, signed_at)
             values ('meeting-1', 1, 1, 'org-market', 'user-market', 'kp', 'ks', $1, 'p-sha', 3, 7)",
            &[envelope],
        )
        .await;
        match old {
            Old::Sqlite(pool) => pool.close().await,
            Old::Postgres(pool) => pool.close().await,
        }

        let db = Db::connect(&config).await.expect("the migration runs");

        let versions = db.signed_versions("doc-1").await.unwrap();
        assert_eq!(versions.len(), 1, "{versions:?}");
        let v = &versions[0];
        assert_eq!(
            (v.kind.as_str(), v.subject_id.as_str(), v.version, v.state),
            ("concord.minutes/1", "meeting-1", 1, SignedState::Signing)
        );
        assert_eq!(
            (
                &v.content[..],
                &v.manifest[..],
                &v.crdt_state[..],
                &v.rendition[..]
            ),
            (content, manifest, state, html)
        );
        assert_eq!(
            (v.manifest_sha256.as_str(), v.manifest_leaf, v.frozen_at),
            ("m-sha", 2, 5)
        );
        let signatures = db.signed_signatures("doc-1", 1).await.unwrap();
        assert_eq!(signatures.len(), 1, "{signatures:?}");
        let s = &signatures[0];
        assert_eq!(
            (
                s.kind.as_str(),
                s.subject_id.as_str(),
                s.org_id.as_str(),
                s.leaf
            ),
            ("concord.minutes/1", "meeting-1", "org-market", 3)
        );
        assert_eq!(&s.envelope[..], envelope);
        assert_eq!(db.log_leaf_hashes(None).await.unwrap().len(), 4);
        // The log's table was rebuilt by 0008 on SQLite: every leaf is still there, byte for
        // byte, and the rows that name leaves still find them.
        let leaves = db.log_leaves(&[0, 1, 2, 3]).await.unwrap();
        let bytes: Vec<&[u8]> = leaves.iter().map(|l| &l.bytes[..]).collect();
        assert_eq!(bytes, [b"person".as_slice(), b"seal", manifest, envelope]);
        assert_eq!(leaves[2].kind, "manifest");
    }
}
