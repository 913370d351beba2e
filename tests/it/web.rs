//! The web client (`web/`): its own unit tests and type check, how the server serves it, the
//! verify endpoint its archive page uses, and end-to-end runs in real headless Chromium
//! (Debian's package, driven by playwright-core) against a real `concord serve`.
//!
//! The browser scenarios live in `web/e2e/*.e2e.mjs` (a whole meeting; a jurisdiction dispute
//! from raising to its close; a joint investigation group formed and its dossier co-written;
//! a suspected crime referred to the police, received, completed and accepted;
//! the zh-CN walk; the live room's presence, connection indicator
//! and confirmations; one's account and a body's administration; phone and tablet widths);
//! here they get a seeded server (`web/e2e/seed.sh`, the real admin CLI) and their artefacts
//! directory (`target/web-e2e/<test>/`: screenshots, the downloaded bundle), and what they
//! download is checked with the real `concord verify`.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use reqwest::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use reqwest::StatusCode;
use serde_json::Value;

use crate::minutes::archived_meeting;
use crate::support::api::{Api, PASSWORD};
use crate::support::server::{concord_binary, ChildServer, Options, TestServer};
use crate::support::web::{artifacts, built_client, chromium, node_modules, web_dir};

/// The longest a browser scenario may take before the test gives up on it.
const SCENARIO_TIMEOUT: Duration = Duration::from_secs(330);

#[test]
fn client_unit_tests_and_type_check_pass() {
    node_modules();
    let output = std::process::Command::new("npm")
        .args(["test", "--silent"])
        .current_dir(web_dir())
        .output()
        .expect("npm runs");
    assert!(
        output.status.success(),
        "vue-tsc or Vitest failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A plain client: no cookies, no redirects followed.
fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn header(response: &reqwest::Response, name: reqwest::header::HeaderName) -> &str {
    response
        .headers()
        .get(&name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_else(|| panic!("no {name} header"))
}

#[tokio::test]
async fn serves_the_client_with_cache_headers_and_page_fallback() {
    built_client();
    let server = TestServer::start().await;
    let base = format!("http://{}", server.addr);
    let client = http();

    let index = client.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(index.status(), StatusCode::OK);
    assert!(header(&index, CONTENT_TYPE).starts_with("text/html"));
    assert_eq!(header(&index, CACHE_CONTROL), "no-cache");
    assert!(header(&index, CONTENT_SECURITY_POLICY).contains("default-src 'self'"));
    assert_eq!(
        index.headers()["x-content-type-options"].to_str().unwrap(),
        "nosniff"
    );
    let page = index.text().await.unwrap();
    assert!(page.contains(r#"<div id="app">"#), "{page}");

    // A hashed script named by the page: kept by browsers for a year.
    let script = page
        .split('"')
        .find(|s| s.starts_with("/assets/") && s.ends_with(".js"))
        .expect("index.html names its script under /assets/");
    let asset = client.get(format!("{base}{script}")).send().await.unwrap();
    assert_eq!(asset.status(), StatusCode::OK);
    assert!(header(&asset, CONTENT_TYPE).contains("javascript"));
    assert_eq!(
        header(&asset, CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );

    // A page of the app (deep link, reload): the same index.html.
    for path in ["/meetings/2f1c0d8e", "/tasks", "/login?next=%2Finbox"] {
        let response = client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(header(&response, CACHE_CONTROL), "no-cache", "{path}");
        assert_eq!(response.text().await.unwrap(), page, "{path}");
    }

    // A missing asset is not the page (a stale page must not run HTML as a script).
    let missing = client
        .get(format!("{base}/assets/index-00000000.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(header(&missing, CACHE_CONTROL), "no-cache");

    // The server's own paths never fall back to the page: an unknown one is the API's 404.
    for path in ["/api/nothing-here", "/ws/nothing", "/auth/nothing"] {
        let response = client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found", "{path}");
    }
    let post = client
        .post(format!("{base}/meetings"))
        .header("origin", &base)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), StatusCode::NOT_FOUND);
    let body: Value = post.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
}

#[tokio::test]
async fn without_a_built_client_the_page_says_how_to_build_it() {
    let empty = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(Options {
        web_dir: Some(empty.path().to_path_buf()),
        ..Options::default()
    })
    .await;
    let base = format!("http://{}", server.addr);
    let response = http().get(format!("{base}/")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("./serve") && page.contains("网页客户端尚未构建"),
        "{page}"
    );
    // The API is unaffected.
    let me = http()
        .get(format!("{base}/api/auth/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
}

pub(crate) async fn post_bundle(api: &Api, bytes: Vec<u8>) -> (StatusCode, Value) {
    let response = api
        .client
        .post(format!("{}/api/verify", api.base))
        .header("origin", api.origin.as_deref().unwrap_or_default())
        .header(CONTENT_TYPE, "application/zip")
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn verify_endpoint_checks_an_uploaded_bundle_against_this_servers_log() {
    let workdir = tempfile::tempdir().unwrap();
    let (m, zip) = archived_meeting(workdir.path()).await;

    let (status, report) = post_bundle(&m.market, zip.clone()).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["verified"], true, "{report}");
    assert_eq!(report["trusted_log"], true);
    let checks = report["checks"].as_array().unwrap();
    assert!(checks.iter().all(|c| c["ok"] == true), "{report}");
    let names: Vec<&str> = checks.iter().map(|c| c["name"].as_str().unwrap()).collect();
    for expected in ["layout", "checkpoint", "content", "signatures", "log order"] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }

    // One character of the signed text changed: the bundle still reads but no longer
    // verifies, and the report ends with the check that caught it.
    let mut bundle = server::signing::bundle::Bundle::from_zip(&zip).unwrap();
    let content = bundle
        .files
        .get_mut(server::signing::bundle::CONTENT)
        .unwrap();
    let at = content.iter().position(|&b| b == b'"').unwrap() + 1;
    content[at] ^= 0x01;
    let (status, report) = post_bundle(&m.market, bundle.to_zip()).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["verified"], false, "{report}");
    let last = report["checks"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["ok"], false, "{report}");
    assert!(!last["detail"].as_str().unwrap().is_empty());

    // Not a zip at all: a 400 that says so.
    let (status, body) = post_bundle(&m.market, b"PK not really".to_vec()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not a minutes bundle"));

    // Larger than the limit: refused from its Content-Length, before it is read.
    let (status, body) = post_bundle(&m.market, vec![0; 64 * 1024 * 1024 + 1]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");

    // Only signed-in callers.
    let stranger = Api::new(&m.server);
    let (status, _) = post_bundle(&stranger, zip).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// A seeded data directory and a real `concord serve` on it, serving the built client.
async fn seeded_server(data_dir: &Path) -> ChildServer {
    seeded_server_with(data_dir, &[]).await
}

/// [`seeded_server`] with more `concord serve` flags.
async fn seeded_server_with(data_dir: &Path, extra: &[&str]) -> ChildServer {
    let dist = built_client();
    let status = tokio::process::Command::new("bash")
        .arg(web_dir().join("e2e/seed.sh"))
        .arg(concord_binary())
        .arg(data_dir)
        .env("E2E_PASSWORD", PASSWORD)
        .status()
        .await
        .expect("seed.sh runs");
    assert!(status.success(), "seeding the e2e directory failed");
    // The Chinese font the server typesets the PDF renditions with, named so that the
    // archive page's PDF link is there whatever this machine had installed before.
    let font = crate::support::debian::cjk_font();
    let mut args = vec![
        "--web-dir",
        dist.to_str().unwrap(),
        "--pdf-fonts",
        font.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    ChildServer::start_with_args(data_dir, None, &args).await
}

/// Runs `web/e2e/<script>` against `server`; panics with its output when it fails.
/// The bundle a scenario downloaded to `artifacts/<file>`, once it verified against the log's
/// key the scenario saved (`log-vkey.txt`) with `concord verify` and with the OpenSSL script
/// docs/bundle.md gives auditors, as a bundle of `kind`; with the key and the unpacked copy
/// (in the returned directory) for what a test checks next.
fn verified_download(
    artifacts: &Path,
    file: &str,
    kind: &str,
) -> (server::signing::bundle::Bundle, String, tempfile::TempDir) {
    let zip = artifacts.join(file);
    let vkey = std::fs::read_to_string(artifacts.join("log-vkey.txt"))
        .expect("the scenario saved the log's key");
    let vkey = vkey.trim().to_owned();
    let bundle = server::signing::bundle::Bundle::read(&zip).expect("the download is a bundle");
    let content: Value = serde_json::from_slice(&bundle.files["content.json"]).unwrap();
    assert_eq!(content["schema"], kind, "{content}");

    let verify = crate::minutes::run(&["verify", zip.to_str().unwrap(), "--trust", &vkey]);
    let printed = crate::minutes::text(&verify);
    assert!(
        verify.status.success(),
        "concord verify refused the downloaded {file}:\n{printed}"
    );
    assert!(printed.contains("verified"), "{printed}");

    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("bundle");
    crate::bundle_fixtures::unzip(&zip, &dir);
    let openssl = crate::bundle_fixtures::run_docs_script(&dir, &vkey);
    let said = crate::minutes::text(&openssl);
    assert!(
        openssl.status.success(),
        "the OpenSSL script refused {file}:\n{said}"
    );
    assert_eq!(said.lines().last(), Some("verified"), "{said}");
    assert!(
        said.contains(&format!("kind {kind}")),
        "the script checked another kind:\n{said}"
    );
    (bundle, vkey, work)
}

async fn run_scenario(script: &str, server: &ChildServer, artifacts: &Path) {
    let chromium = chromium();
    let child = tokio::process::Command::new("node")
        .arg(format!("e2e/{script}"))
        .current_dir(web_dir())
        .env("CONCORD_URL", format!("http://{}", server.addr))
        .env("E2E_PASSWORD", PASSWORD)
        .env("CHROMIUM_PATH", chromium)
        .env("E2E_ARTIFACTS", artifacts)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs");
    let output = tokio::time::timeout(SCENARIO_TIMEOUT, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("{script} took longer than {SCENARIO_TIMEOUT:?}"))
        .unwrap();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "{script} failed (screenshots in {}):\n{log}",
        artifacts.display()
    );
    println!("{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_bodies_hold_a_meeting_and_sign_its_minutes_in_chromium() {
    let data = tempfile::tempdir().unwrap();
    let server = seeded_server(data.path()).await;
    let artifacts = artifacts("meeting");
    run_scenario("meeting.e2e.mjs", &server, &artifacts).await;

    // What the page downloaded is the real archive bundle: the offline verifier accepts it,
    // tied to the log key the server publishes.
    let bundle = artifacts.join("bundle.zip");
    let vkey = std::fs::read_to_string(artifacts.join("log-vkey.txt"))
        .expect("the scenario saved the log's key");
    let verify = tokio::process::Command::new(concord_binary())
        .arg("verify")
        .arg(&bundle)
        .args(["--trust", vkey.trim()])
        .output()
        .await
        .unwrap();
    let printed = String::from_utf8_lossy(&verify.stdout);
    assert!(
        verify.status.success(),
        "concord verify refused the downloaded bundle:\n{printed}{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    assert!(printed.contains("verified"), "{printed}");
    for screenshot in [
        "meeting-room-A.png",
        "meeting-room-B.png",
        "dashboard-A.png",
    ] {
        assert!(
            artifacts.join(screenshot).is_file(),
            "{screenshot} was not saved"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dispute_runs_from_raising_to_its_close_and_its_decision_bundle_verifies_in_chromium() {
    // The raise form (a server refusal shown once, in Chinese), negotiation, the disabled
    // escalation with its rule, each party's live statement read-only to the other, 协商不成 by
    // both, escalation with a reason, acceptance, the bureau's decision read live by the parties,
    // the case consultation convened from the dispute (linked both ways), the decision signed
    // and archived, 签收 by both parties, the implementation task carried out and verified, the
    // dispute closed, and the bundle downloaded from the dispute page.
    let data = tempfile::tempdir().unwrap();
    let server = seeded_server(data.path()).await;
    let artifacts = artifacts("dispute");
    run_scenario("dispute.e2e.mjs", &server, &artifacts).await;

    // What the page downloaded is the archived decision of this dispute (a 协调意见书 naming the
    // township as responsible), and it verifies against the log key the server publishes: with
    // `concord verify`, with the OpenSSL script docs/bundle.md gives auditors, and with the
    // independent Python + OpenSSL verifier.
    let zip = artifacts.join("decision-bundle.zip");
    let (bundle, vkey, work) = verified_download(
        &artifacts,
        "decision-bundle.zip",
        "concord.dispute-decision/1",
    );
    let vkey = vkey.as_str();
    let rendition = String::from_utf8_lossy(&bundle.files["decision.html"]).into_owned();
    assert!(
        rendition.contains("湖滨街道办事处") && rendition.contains("上城区司法局"),
        "{rendition}"
    );
    let python = crate::python_verifier::python(&zip, &["--trust", vkey]);
    let said = crate::minutes::text(&python);
    assert!(
        python.status.success(),
        "the Python + OpenSSL verifier refused it:\n{said}"
    );

    // The same checks refuse the bundle with one byte of the signed content changed, so the
    // acceptance above is theirs, not a script that passes anything.
    let mut tampered = bundle.clone();
    let bytes = tampered.files.get_mut("content.json").unwrap();
    let at = bytes.iter().position(|&b| b == b'"').unwrap() + 1;
    bytes[at] ^= 0x01;
    let tampered_dir = work.path().join("tampered");
    tampered.write_dir(&tampered_dir).unwrap();
    let tampered_zip = work.path().join("tampered.zip");
    std::fs::write(&tampered_zip, tampered.to_zip()).unwrap();
    let refused = crate::minutes::run(&["verify", tampered_zip.to_str().unwrap(), "--trust", vkey]);
    assert_eq!(
        refused.status.code(),
        Some(1),
        "{}",
        crate::minutes::text(&refused)
    );
    let refused = crate::bundle_fixtures::run_docs_script(&tampered_dir, vkey);
    assert!(
        !refused.status.success(),
        "the OpenSSL script accepted a changed decision:\n{}",
        crate::minutes::text(&refused)
    );

    for screenshot in [
        "dispute-new.png",
        "dispute-list-market.png",
        "dispute-market.png",
        "dispute-escalate-dialog.png",
        "dispute-township.png",
        "dispute-bureau.png",
        "dispute-accepted-township.png",
        "dispute-consultation-dialog.png",
        "dispute-consultation-meeting.png",
        "dispute-consultation-township.png",
        "dispute-decision-issued.png",
        "dispute-decision-archived.png",
        "dispute-notice-township.png",
        "dispute-notice-receipts.png",
        "dispute-implementing.png",
        "dispute-task-township.png",
        "dispute-task-verified.png",
        "dispute-closed.png",
        "dispute-verify.png",
    ] {
        assert!(
            artifacts.join(screenshot).is_file(),
            "{screenshot} was not saved"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_market_department_forms_a_joint_investigation_group_whose_three_bodies_write_their_sections_live_in_chromium(
) {
    // The proposal form (bodies chosen by name), the invited police seeing the proposal and its
    // answer alone, both invited bodies confirming with their responsible person and contact,
    // the lead seeing the answers live and forming the group, then the joint dossier: each
    // section headed with its body, its own alone editable, three browsers typing their own
    // sections at once and each seeing the others' words live, and each section naming the
    // people in it and the one writing it. The lead marks the (sensitive) group of public
    // attention, the county bureau acknowledges the report notice and reads the summary and the
    // conclusions alone. Unified command: the lead assigns a task to the police from its command
    // board, the police acknowledges (签收) and submits it from its task page while the lead's
    // board follows live, and the lead verifies it; the township adds a piece of evidence to its
    // section, which the police reads live with its SHA-256. Then the conclusion: the lead
    // freezes the dossier (every section read-only everywhere), writes the report the members
    // read live, freezes it and opens signing; the members sign in their browsers, then the
    // lead, which concludes the group; the lead archives the report and the township downloads
    // its bundle.
    let data = tempfile::tempdir().unwrap();
    let server = seeded_server(data.path()).await;
    let artifacts = artifacts("investigation");
    run_scenario("investigation.e2e.mjs", &server, &artifacts).await;

    // What the page downloaded is the archived report of this group (its manifest naming the
    // bodies that wrote the dossier), and it verifies against the log key the server
    // publishes: with `concord verify` and with the OpenSSL script docs/bundle.md gives auditors.
    let (bundle, _, _work) = verified_download(
        &artifacts,
        "report-bundle.zip",
        "concord.investigation-report/1",
    );
    let content: Value = serde_json::from_slice(&bundle.files["content.json"]).unwrap();
    // The township's piece of evidence, uploaded in its browser, is in the signed manifest under
    // the township's section with the digest its page showed, and in the printable rendition.
    let sha256 = std::fs::read_to_string(artifacts.join("evidence-sha256.txt"))
        .expect("the scenario saved the evidence's digest");
    let sha256 = sha256.trim();
    let dossier = content["dossier"]
        .as_array()
        .expect("the report carries its dossier");
    let listed: Vec<(&str, &str)> = dossier
        .iter()
        .flat_map(|section| {
            let owner = section["owner"]["name"].as_str().unwrap_or_default();
            section["evidence"]
                .as_array()
                .into_iter()
                .flatten()
                .map(move |piece| (owner, piece["sha256"].as_str().unwrap_or_default()))
        })
        .collect();
    assert_eq!(listed, [("湖滨街道办事处", sha256)], "{content}");
    let rendition = String::from_utf8_lossy(&bundle.files["report.html"]).into_owned();
    assert!(rendition.contains(sha256), "{rendition}");
    for name in [
        "上城区市场监督管理局",
        "上城区公安分局",
        "湖滨街道办事处",
        "联合案卷清单",
    ] {
        assert!(
            rendition.contains(name),
            "the report does not say {name}:\n{rendition}"
        );
    }

    for screenshot in [
        "group-new.png",
        "group-proposed-market.png",
        "group-list-police.png",
        "group-invited-police.png",
        "group-confirm-dialog.png",
        "group-formed-market.png",
        "group-dossier-market.png",
        "group-dossier-police.png",
        "group-dossier-township.png",
        "group-attention-market.png",
        "group-notice-bureau.png",
        "group-briefing-bureau.png",
        "group-assign-market.png",
        "group-task-police.png",
        "group-board-market.png",
        "group-evidence-police.png",
        "group-dossier-frozen-police.png",
        "group-report-draft-market.png",
        "group-report-signing-police.png",
        "group-concluded-market.png",
        "group-report-archived-township.png",
    ] {
        assert!(
            artifacts.join(screenshot).is_file(),
            "{screenshot} was not saved"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_market_department_refers_a_suspected_crime_to_the_police_and_the_procuratorate_sees_its_outcome_in_chromium(
) {
    // The referral form (the receiver chosen by name among public security bodies alone, the
    // procuratorate copy required by the page), a three-item checklist uploaded through the
    // page (each item's SHA-256 that of its bytes), submitting refused with the server's rule
    // until every file is there, the head's approval followed live by the officer, 移送; the
    // police's 签收 in its person's name, two items received and one missing (受理 disabled with
    // its rule), the market department supplying it live, the police accepting with its case
    // number and reporting back, the market department closing; the copied procuratorate reading
    // it all with no button and downloading an item that hashes to the digest shown; then a
    // transfer of jurisdiction the township returns, whose page offers only the jurisdiction
    // dispute, raised from the link and linked both ways. Once accepted, the police makes the
    // receipt (移送回执), signs it in its browser and archives it; the procuratorate downloads
    // its bundle, which says who signed for which files, and verifies against the log key with
    // `concord verify` and with the OpenSSL script docs/bundle.md gives auditors.
    let data = tempfile::tempdir().unwrap();
    let server = seeded_server(data.path()).await;
    let artifacts = artifacts("referral");
    run_scenario("referral.e2e.mjs", &server, &artifacts).await;

    let (bundle, _, _work) = verified_download(
        &artifacts,
        "receipt-bundle.zip",
        "concord.referral-receipt/1",
    );
    let content: Value = serde_json::from_slice(&bundle.files["content.json"]).unwrap();
    assert_eq!(content["receiver"]["name"], "上城区公安分局", "{content}");
    assert_eq!(content["copy"]["name"], "上城区人民检察院", "{content}");
    let checklist = content["checklist"].as_array().expect("a checklist");
    assert_eq!(checklist.len(), 3, "{content}");
    assert!(
        checklist
            .iter()
            .all(|item| item["state"] == "received" && item["sha256"].as_str().is_some()),
        "{content}"
    );
    let rendition = String::from_utf8_lossy(&bundle.files["receipt.html"]).into_owned();
    assert!(rendition.contains("案件移送回执"), "{rendition}");

    for screenshot in [
        "referral-new.png",
        "referral-draft-market.png",
        "referral-approve-head.png",
        "referral-list-police.png",
        "referral-received-police.png",
        "referral-missing-market.png",
        "referral-accepted-police.png",
        "referral-receipt-police.png",
        "referral-list-procuratorate.png",
        "referral-procuratorate.png",
        "referral-returned-township.png",
        "referral-disputed-market.png",
    ] {
        assert!(
            artifacts.join(screenshot).is_file(),
            "{screenshot} was not saved"
        );
    }
    assert!(
        artifacts.join("referral-item.pdf").is_file(),
        "the procuratorate's download was not saved"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chinese_pages_show_no_untranslated_english() {
    let data = tempfile::tempdir().unwrap();
    let server = seeded_server(data.path()).await;
    let artifacts = artifacts("zh-cn");
    run_scenario("zh-cn.e2e.mjs", &server, &artifacts).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_room_lists_a_reconnected_person_at_once_and_asks_before_freezing_in_chromium() {
    // Presence within 2 s of a reconnect, the header's connection indicator, the invitation
    // answer at the top, multi-line agreed items, and the confirmation before 定稿.
    let data = tempfile::tempdir().unwrap();
    let server = seeded_server(data.path()).await;
    let artifacts = artifacts("room");
    run_scenario("room.e2e.mjs", &server, &artifacts).await;
    for screenshot in [
        "room-invitation-B.png",
        "room-reconnected-A.png",
        "room-freeze-confirm-A.png",
        "room-frozen-B.png",
    ] {
        assert!(
            artifacts.join(screenshot).is_file(),
            "{screenshot} was not saved"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_manages_their_account_and_an_admin_their_body_while_a_member_is_kept_out_in_chromium(
) {
    // 我的账户 (sign a device out, revoke a key, change the password and sign in with it), a
    // body's API token (made, used once, revoked), webhook and mailbox, inviting and removing
    // a body in a meeting room, correcting and recalling a notice; a member finds 无权访问.
    let data = tempfile::tempdir().unwrap();
    let server = seeded_server(data.path()).await;
    let artifacts = artifacts("account");
    run_scenario("account.e2e.mjs", &server, &artifacts).await;
    for screenshot in [
        "account.png",
        "admin-tokens-secret.png",
        "admin-webhooks.png",
        "admin-no-access.png",
        "notice-recalled-market.png",
    ] {
        assert!(
            artifacts.join(screenshot).is_file(),
            "{screenshot} was not saved"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_fits_a_phone_and_a_tablet_without_scrolling_sideways_in_chromium() {
    let data = tempfile::tempdir().unwrap();
    let server = seeded_server(data.path()).await;
    let artifacts = artifacts("layout");
    run_scenario("layout.e2e.mjs", &server, &artifacts).await;
    for width in [390, 768] {
        for page in [
            "dashboard",
            "meeting-room",
            "archive",
            "tasks",
            "inbox",
            "verify",
            "disputes",
            "dispute-new",
            "dispute",
            "account",
            "admin-tokens",
        ] {
            let screenshot = format!("{width}-market-{page}.png");
            assert!(
                artifacts.join(&screenshot).is_file(),
                "{screenshot} was not saved"
            );
        }
        for page in [
            "admin",
            "admin-orgs",
            "admin-import",
            "admin-calendar",
            "admin-audit",
        ] {
            let screenshot = format!("{width}-operator-{page}.png");
            assert!(
                artifacts.join(&screenshot).is_file(),
                "{screenshot} was not saved"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_administration_pages_do_their_work_for_an_operator_and_keep_a_member_out_in_chromium()
{
    // One OpenID provider, unreachable: only its presence matters, so that local sign-in may
    // be turned off (and on again) from the sign-in settings page.
    let config = tempfile::tempdir().unwrap();
    let providers = config.path().join("oidc.json");
    let file = serde_json::json!({ "providers": [{
        "id": "zwfw",
        "name": "浙江政务服务统一身份认证",
        "issuer": "http://127.0.0.1:9",
        "client_id": "concord",
        "client_secret": "e2e-secret",
        "scopes": ["openid", "profile"],
        "claims": { "user_id": "sub", "name": "name", "org_code": "org_code" },
        "userinfo": true,
    }]});
    std::fs::write(&providers, file.to_string()).unwrap();
    let data = tempfile::tempdir().unwrap();
    let server = seeded_server_with(
        data.path(),
        &[
            "--oidc-config",
            providers.to_str().unwrap(),
            "--public-url",
            "http://{addr}",
        ],
    )
    .await;
    let artifacts = artifacts("admin");
    run_scenario("admin.e2e.mjs", &server, &artifacts).await;
    for screenshot in [
        "admin-forbidden-member.png",
        "admin-desk.png",
        "admin-orgs.png",
        "admin-people.png",
        "admin-keys-confirm.png",
        "admin-keys.png",
        "admin-import-preview.png",
        "admin-calendar.png",
        "admin-sign-in-off.png",
        "admin-audit.png",
        "admin-limits.png",
    ] {
        assert!(
            artifacts.join(screenshot).is_file(),
            "{screenshot} was not saved"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bureau_sees_its_regions_dispute_statistics_and_exports_them_in_chromium() {
    let data = tempfile::tempdir().unwrap();
    let server = seeded_server(data.path()).await;
    let artifacts = artifacts("dispute-stats");
    run_scenario("dispute-stats.e2e.mjs", &server, &artifacts).await;
    assert!(
        artifacts.join("dispute-stats.png").is_file(),
        "dispute-stats.png was not saved"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_procuratorate_reads_its_referral_statistics_and_suggests_a_referral_the_department_answers_in_chromium(
) {
    // An accepted suspected crime (set up through the API) counted on the procuratorate's 移送统计
    // panel and in its CSV (parsed), a child region chosen, the bureau's table of every kind;
    // no panel nor form for an enforcement department; the procuratorate's 建议移送 to the market
    // department, chosen by name among its region's enforcement bodies, signed for (签收) and
    // answered in the department's inbox, the answer seen on the procuratorate's letter.
    let data = tempfile::tempdir().unwrap();
    let server = seeded_server(data.path()).await;
    let artifacts = artifacts("referral-supervision");
    run_scenario("referral-supervision.e2e.mjs", &server, &artifacts).await;
    for file in [
        "referral-stats-procuratorate.png",
        "referral-stats-bureau.png",
        "referral-suggest-form.png",
        "referral-suggest-sent.png",
        "referral-suggest-market.png",
        "referral-suggest-replied.png",
        "referral-stats.csv",
    ] {
        assert!(artifacts.join(file).is_file(), "{file} was not saved");
    }
    // The file the page's link downloaded is the server's table: a BOM, then the header.
    let csv = std::fs::read(artifacts.join("referral-stats.csv")).unwrap();
    assert!(csv.starts_with("\u{feff}区划代码,区划名称,范围,移送类型,移送数".as_bytes()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bureau_finds_an_overdue_task_on_its_supervision_desk_and_its_figures_charted_and_linked_in_chromium(
) {
    let data = tempfile::tempdir().unwrap();
    let server = seeded_server(data.path()).await;
    let artifacts = artifacts("supervision");
    run_scenario("supervision.e2e.mjs", &server, &artifacts).await;
    for screenshot in [
        "supervision-desk.png",
        "supervision-desk-charts.png",
        "supervision-figure-tasks.png",
    ] {
        assert!(
            artifacts.join(screenshot).is_file(),
            "{screenshot} was not saved"
        );
    }
}

/// The county bureau issues a 监督通知书 to the market department, which signs for it, reports
/// late (the bureau's desk shows it chased and escalated), is sent back once and accepted.
///
/// The scenario cannot wait the twenty working days the report is given: when it has signed for
/// it, it writes the document's id and waits; this test then moves the deadline and the
/// report's pending 催办 and 督办 back in the database, as if the days had passed, and the
/// server's own worker sends them. Nothing else is written behind the server's back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bureau_issues_a_supervision_notice_and_accepts_the_rectification_in_chromium() {
    let data = tempfile::tempdir().unwrap();
    let server = seeded_server(data.path()).await;
    let artifacts = artifacts("supervision-docs");
    let time_passes = async {
        let id_file = artifacts.join("supervision-id.txt");
        let id = tokio::time::timeout(SCENARIO_TIMEOUT, async {
            loop {
                match std::fs::read_to_string(&id_file) {
                    Ok(id) if !id.is_empty() => return id,
                    _ => tokio::time::sleep(Duration::from_millis(200)).await,
                }
            }
        })
        .await
        .expect("the scenario signed for the document");
        let db = data.path().join(server::db::SQLITE_FILE_NAME);
        let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", db.display()))
            .await
            .unwrap();
        let now = server::db::now_unix_ms();
        let due = now - 60_000;
        sqlx::query("update supervision_docs set stage_due_at = $1 where space_id = $2")
            .bind(due)
            .bind(&id)
            .execute(&pool)
            .await
            .unwrap();
        let moved = sqlx::query(
            "update jobs set due_at = $1, payload = json_set(payload, '$.due_at', $2)
             where subject = $3 and state = 'pending'
               and kind in ('supervision_overdue', 'supervision_escalate')",
        )
        .bind(now)
        .bind(due)
        .bind(format!("supervision:{id}"))
        .execute(&pool)
        .await
        .unwrap();
        assert_eq!(moved.rows_affected(), 2, "催办 and 督办 were scheduled");
        pool.close().await;
        std::fs::write(artifacts.join("time-passed"), b"").unwrap();
    };
    tokio::join!(
        run_scenario("supervision-docs.e2e.mjs", &server, &artifacts),
        time_passes
    );
    for screenshot in [
        "supervision-draft.png",
        "supervision-issued.png",
        "supervision-received.png",
        "supervision-desk-overdue.png",
        "supervision-report-late.png",
        "supervision-sent-back.png",
        "supervision-closed.png",
    ] {
        assert!(
            artifacts.join(screenshot).is_file(),
            "{screenshot} was not saved"
        );
    }
}

/// The county bureau plans a 专项监督 over the market department, launches it, sees the result
/// the department files against it, concludes it and signs its summary, which reports it to the
/// city bureau.
/// A cross review of case files (案卷评查): the bureau plans and launches it, the township
/// registers a litigated file, the draw gives it to the market department, whose two people
/// score it together live and submit it; the township answers, the bureau confirms 不合格 and a
/// rectification task results.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bureau_runs_a_cross_review_where_two_reviewers_score_a_file_live_in_chromium() {
    let data = tempfile::tempdir().unwrap();
    let server = seeded_server(data.path()).await;
    let artifacts = artifacts("review");
    run_scenario("review.e2e.mjs", &server, &artifacts).await;
    for screenshot in [
        "review-sheet.png",
        "review-drawn.png",
        "review-scoring.png",
        "review-confirmed.png",
    ] {
        assert!(
            artifacts.join(screenshot).is_file(),
            "{screenshot} was not saved"
        );
    }
}

/// An enforcement department organises a review of its own field: the plan form offers the
/// department and the squad under it, not the township of its region; it plans and launches.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_department_plans_a_review_of_its_own_field_in_chromium() {
    let data = tempfile::tempdir().unwrap();
    let server = seeded_server(data.path()).await;
    let artifacts = artifacts("review-department");
    run_scenario("review-department.e2e.mjs", &server, &artifacts).await;
    assert!(
        artifacts.join("review-department-plan.png").is_file(),
        "review-department-plan.png was not saved"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bureau_runs_a_special_supervision_campaign_and_reports_its_signed_summary_in_chromium() {
    let data = tempfile::tempdir().unwrap();
    let server = seeded_server(data.path()).await;
    let artifacts = artifacts("campaign");
    run_scenario("campaign.e2e.mjs", &server, &artifacts).await;
    for screenshot in [
        "campaign-planned.png",
        "campaign-filed.png",
        "campaign-summarised.png",
    ] {
        assert!(
            artifacts.join(screenshot).is_file(),
            "{screenshot} was not saved"
        );
    }
}
