//! Bundles made by earlier versions of the server still verify: with `concord verify` (with
//! and without the published log key), with the library, and with nothing but OpenSSL,
//! `sha256sum` and `python3`, by running the very script `docs/bundle.md` gives auditors.
//!
//! The fixtures in `tests/fixtures/bundles/` are never regenerated (their README says how each
//! was made). A change that makes one of these tests fail has broken every archive of that
//! format: fix the change, never the fixture.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde_json::Value;
use server::signing::bundle::Bundle;
use server::signing::kinds;
use server::signing::note::{LogSigner, LogVerifier};
use server::signing::statement::{Manifest, MANIFEST_SCHEMA_V1};
use server::signing::verify::verify;

use crate::minutes::{run, text};
use crate::signing_openssl::Workdir;
use crate::support::server::workspace_root;

/// The archived minutes bundle made by the first bundle format (`concord.manifest/1`).
fn minutes_v1() -> PathBuf {
    workspace_root().join("tests/fixtures/bundles/minutes-v1.zip")
}

/// The published key of the log that signed `minutes-v1.zip`'s checkpoint.
fn minutes_v1_vkey() -> String {
    let path = workspace_root().join("tests/fixtures/bundles/minutes-v1.vkey");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .trim()
        .to_owned()
}

/// The `sh` blocks of the section "Checking a bundle by hand" of `docs/bundle.md`, in order:
/// the script an auditor runs, exactly as the page gives it.
fn docs_bundle_md_script() -> String {
    let page = std::fs::read_to_string(workspace_root().join("docs/bundle.md")).unwrap();
    let section = page
        .split_once("\n## Checking a bundle by hand\n")
        .expect("docs/bundle.md has a section \"Checking a bundle by hand\"")
        .1;
    let section = section.split("\n## ").next().unwrap();
    let mut script = String::new();
    let mut blocks = 0;
    for (i, part) in section.split("\n```").enumerate() {
        // Odd parts are inside a fence; their first line is the fence's info string.
        if i % 2 == 1 {
            if let Some(code) = part.strip_prefix("sh\n") {
                script.push_str(code);
                script.push('\n');
                blocks += 1;
            }
        }
    }
    assert!(blocks >= 9, "only {blocks} sh blocks in docs/bundle.md");
    script
}

/// Unpacks `zip` into `dir` with `unzip`, as the page tells an auditor to.
pub(crate) fn unzip(zip: &Path, dir: &Path) {
    let out = Command::new("unzip")
        .args(["-q", zip.to_str().unwrap(), "-d", dir.to_str().unwrap()])
        .output()
        .expect("the `unzip` command is needed to unpack a bundle as docs/bundle.md does");
    assert!(out.status.success(), "unzip: {}", text(&out));
}

/// Downloads the bundle at `path` as `api`, checks it with `concord verify` against the
/// server's log key and with the page's OpenSSL script, and answers the directory it was
/// unpacked to (in the returned temporary directory) and what the script said.
pub(crate) async fn download_and_verify(
    server: &crate::support::server::TestServer,
    api: &crate::support::api::Api,
    path: &str,
) -> (tempfile::TempDir, PathBuf, String) {
    let response = api
        .client
        .get(format!("{}{path}", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK, "{path}");
    let zip = response.bytes().await.unwrap().to_vec();
    let workdir = tempfile::tempdir().unwrap();
    let zip_path = workdir.path().join("bundle.zip");
    std::fs::write(&zip_path, &zip).unwrap();
    let (_, key) = crate::support::api::Api::new(server)
        .get("/api/log/key")
        .await;
    let vkey = key["vkey"].as_str().unwrap();
    let out = run(&["verify", zip_path.to_str().unwrap(), "--trust", vkey]);
    assert!(out.status.success(), "verify failed:\n{}", text(&out));
    let dir = workdir.path().join("bundle");
    unzip(&zip_path, &dir);
    let out = run_docs_script(&dir, vkey);
    let said = text(&out);
    assert!(out.status.success(), "the OpenSSL script failed:\n{said}");
    (workdir, dir, said)
}

/// Runs the page's script with `bash` in the unpacked bundle `dir`, trusting `vkey`.
pub(crate) fn run_docs_script(dir: &Path, vkey: &str) -> Output {
    Command::new("bash")
        .arg("-c")
        .arg(docs_bundle_md_script())
        .current_dir(dir)
        .env("VKEY", vkey)
        .output()
        .expect("bash runs")
}

#[test]
fn the_first_minutes_bundle_verifies_with_concord_verify_with_the_log_key_or_its_own_when_asked() {
    let zip = minutes_v1();
    let vkey = minutes_v1_vkey();
    let other = LogSigner::new(
        &LogVerifier::from_vkey(&vkey).unwrap().origin,
        LogSigner::generate_secret(),
    )
    .verifier()
    .vkey();

    let alone = run(&["verify", zip.to_str().unwrap(), "--trust-bundle"]);
    let no_key = run(&["verify", zip.to_str().unwrap()]);
    let trusted = run(&["verify", zip.to_str().unwrap(), "--trust", &vkey]);
    let wrong_key = run(&["verify", zip.to_str().unwrap(), "--trust", &other]);

    assert!(alone.status.success(), "{}", text(&alone));
    assert_eq!(no_key.status.code(), Some(2), "{}", text(&no_key));
    assert!(trusted.status.success(), "{}", text(&trusted));
    let said = text(&trusted);
    assert!(said.contains("given by the verifier"), "{said}");
    assert_eq!(
        said.lines().filter(|l| l.starts_with("ok   ")).count(),
        14,
        "{said}"
    );
    assert!(
        said.lines().last().unwrap().starts_with("verified: "),
        "{said}"
    );
    assert_eq!(wrong_key.status.code(), Some(1), "{}", text(&wrong_key));
    assert!(
        text(&wrong_key).contains("FAIL log key:"),
        "{}",
        text(&wrong_key)
    );
}

#[test]
fn the_first_minutes_bundle_verifies_in_the_library_as_a_directory_too() {
    let bundle = Bundle::read(&minutes_v1()).unwrap();
    let log = LogVerifier::from_vkey(&minutes_v1_vkey()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    bundle.write_dir(dir.path()).unwrap();

    let report = verify(&bundle, Some(&log));
    let from_dir = verify(&Bundle::read(dir.path()).unwrap(), Some(&log));

    assert!(report.is_verified(), "{}", report.render());
    assert!(from_dir.is_verified(), "{}", from_dir.render());
    assert_eq!(bundle.files.len(), 34);
    // Made before kinds existed, it reads as minutes of its meeting.
    let manifest = Manifest::parse(&bundle.files["manifest.json"]).unwrap();
    let raw: Value = serde_json::from_slice(&bundle.files["manifest.json"]).unwrap();
    assert_eq!(manifest.schema, MANIFEST_SCHEMA_V1);
    assert_eq!(
        kinds::of_manifest(&manifest).unwrap().schema(),
        "concord.minutes/1"
    );
    assert_eq!(manifest.subject_id, raw["meeting_id"].as_str().unwrap());
    assert!(
        report.passed[4]
            .detail
            .starts_with("minutes (concord.minutes/1, first manifest format)"),
        "{}",
        report.render()
    );
}

#[test]
fn the_first_minutes_bundle_verifies_with_openssl_by_the_script_of_docs_bundle_md() {
    let work = Workdir::new();
    let dir = work.path().join("bundle");
    unzip(&minutes_v1(), &dir);

    let out = run_docs_script(&dir, &minutes_v1_vkey());

    let said = text(&out);
    assert!(
        out.status.success(),
        "the script of docs/bundle.md failed:\n{said}"
    );
    assert_eq!(said.lines().last(), Some("verified"), "{said}");
    for step in [
        "ok   canonical form",
        "ok   checkpoint: concord.local/minutes-log, 12 entries",
        "ok   kind concord.minutes/1",
        "ok   content.json, crdt-state.bin and minutes.html",
        "ok   6 keys",
        "ok   3 envelopes",
        "ok   signing order: 3 signatures in 2 steps",
        "ok   log order: manifest 0 < signatures",
    ] {
        assert!(said.contains(step), "no {step:?} in:\n{said}");
    }
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        Bundle::read(&minutes_v1())
            .unwrap()
            .files
            .keys()
            .filter(|p| !p.contains('/'))
            .count()
            + 3,
        "the script left a file in the bundle (the top level holds the files and 3 folders)"
    );
}

#[test]
fn the_pae_of_docs_bundle_md_is_what_the_first_minutes_bundle_s_signatures_sign() {
    // The PAE written from the page's formula alone, checked with the SIGNING.md commands.
    let work = Workdir::new();
    let bundle = Bundle::read(&minutes_v1()).unwrap();
    let mut checked = 0;
    for (path, bytes) in &bundle.files {
        if !path.starts_with("signatures/") {
            continue;
        }
        let envelope: Value = serde_json::from_slice(bytes).unwrap();
        let payload_type = envelope["payloadType"].as_str().unwrap();
        let payload = B64.decode(envelope["payload"].as_str().unwrap()).unwrap();
        let mut pae = format!(
            "DSSEv1 {} {payload_type} {} ",
            payload_type.len(),
            payload.len()
        )
        .into_bytes();
        pae.extend_from_slice(&payload);
        let statement: Value = serde_json::from_slice(&payload).unwrap();
        work.write("pae.bin", &pae);
        for (i, kind) in ["person", "seal"].into_iter().enumerate() {
            let kid = statement["key_ids"][i].as_str().unwrap();
            let sig = envelope["signatures"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["keyid"] == kid)
                .unwrap();
            work.write(
                &format!("{kind}.pem"),
                &bundle.files[&format!("keys/{kid}.pem")],
            );
            work.write(
                &format!("{kind}.sig"),
                B64.decode(sig["sig"].as_str().unwrap()).unwrap(),
            );
        }

        let (person_ok, person_said) = work.verify_ed25519("person.pem", "pae.bin", "person.sig");
        let (seal_ok, seal_said) = work.verify_sm2("seal.pem", "pae.bin", "seal.sig");

        assert!(person_ok, "{path}: {person_said}");
        assert!(seal_ok, "{path}: {seal_said}");
        checked += 1;
    }
    assert_eq!(checked, 3);
}

#[test]
fn the_script_of_docs_bundle_md_refuses_a_tampered_first_minutes_bundle() {
    let work = Workdir::new();
    let vkey = minutes_v1_vkey();
    let bundle = Bundle::read(&minutes_v1()).unwrap();
    let envelope = bundle
        .files
        .keys()
        .find(|p| p.starts_with("signatures/step2-"))
        .unwrap()
        .clone();
    // Each case changes one file so that it stays well-formed (a letter of a JSON string, a
    // character of a base64 signature) and only the check the page gives can catch it.
    let change = |path: &str, from: &str, to: &str| {
        let mut tampered = bundle.clone();
        let text = String::from_utf8(tampered.files[path].clone()).unwrap();
        assert!(text.contains(from), "{path} holds no {from:?}");
        tampered
            .files
            .insert(path.to_owned(), text.replacen(from, to, 1).into_bytes());
        tampered
    };
    let seal_sig_start = {
        let value: Value = serde_json::from_slice(&bundle.files[&envelope]).unwrap();
        let sig = value["signatures"][1]["sig"].as_str().unwrap().to_owned();
        format!("\"sig\":\"{}", &sig[..12])
    };
    let mut flipped_sig = seal_sig_start.clone();
    let last = flipped_sig.pop().unwrap();
    flipped_sig.push(if last == 'A' { 'B' } else { 'A' });
    let cases = [
        (
            "content.json",
            change("content.json", "无证经营", "有证经营"),
        ),
        ("minutes.html", change("minutes.html", "会议", "会仪")),
        (
            "the seal of step 2",
            change(&envelope, &seal_sig_start, &flipped_sig),
        ),
        (
            "completion.json",
            change(
                "completion.json",
                "\"completed_at\":\"2026",
                "\"completed_at\":\"2027",
            ),
        ),
    ];

    for (i, (what, tampered)) in cases.into_iter().enumerate() {
        let dir = work.path().join(format!("tampered-{i}"));
        tampered.write_dir(&dir).unwrap();
        let out = run_docs_script(&dir, &vkey);
        assert!(
            !out.status.success(),
            "the script accepted the bundle with {what} changed:\n{}",
            text(&out)
        );
        assert!(!text(&out).contains("verified"), "{what}: {}", text(&out));
    }

    // Another log's key, given as the published one, is refused at the checkpoint.
    let dir = work.path().join("untampered");
    unzip(&minutes_v1(), &dir);
    let other = LogSigner::new("concord.local/minutes-log", LogSigner::generate_secret())
        .verifier()
        .vkey();
    let out = run_docs_script(&dir, &other);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains("ok   checkpoint"), "{}", text(&out));
}

/// Seeded mutations of the fixture's files (bytes flipped, cut, inserted, a file emptied or
/// dropped) go through every parser the verifier has: none may panic, and none may verify. A
/// bounded, repeatable run (the same inputs on every machine); `fuzz/` is for long runs.
#[test]
fn mutated_bundles_never_verify_and_never_panic() {
    use rand::{Rng, SeedableRng};

    let original = Bundle::read(&minutes_v1()).unwrap();
    let log = LogVerifier::from_vkey(&minutes_v1_vkey()).unwrap();
    assert!(verify(&original, Some(&log)).is_verified());
    let names: Vec<String> = original.files.keys().cloned().collect();
    let mut rng = rand::rngs::StdRng::seed_from_u64(15);
    let mut tried = 0;
    for _ in 0..400 {
        let mut bundle = original.clone();
        let name = &names[rng.gen_range(0..names.len())];
        let bytes = bundle.files.get_mut(name).unwrap();
        match rng.gen_range(0..6) {
            0 | 1 if !bytes.is_empty() => {
                let i = rng.gen_range(0..bytes.len());
                bytes[i] ^= 1 << rng.gen_range(0..8);
            }
            2 if !bytes.is_empty() => bytes.truncate(rng.gen_range(0..bytes.len())),
            3 => {
                let i = rng.gen_range(0..=bytes.len());
                let junk: Vec<u8> = (0..rng.gen_range(1..64)).map(|_| rng.gen()).collect();
                bytes.splice(i..i, junk);
            }
            4 => bytes.clear(),
            _ => {
                bundle.files.remove(name);
            }
        }
        if bundle.files == original.files {
            continue;
        }
        tried += 1;
        let report = std::panic::catch_unwind(|| verify(&bundle, Some(&log)))
            .unwrap_or_else(|_| panic!("verifying the bundle with {name} mutated panicked"));
        assert!(
            !report.is_verified(),
            "a bundle with {name} mutated verified:\n{}",
            report.render()
        );
    }
    assert!(tried > 350, "only {tried} mutations changed anything");
}

/// The archived minutes bundle of the second format (`concord.manifest/2`, key bindings with
/// names, `README.txt`), and its log's published key.
fn minutes_v2() -> (PathBuf, String) {
    let root = workspace_root().join("tests/fixtures/bundles");
    let vkey = std::fs::read_to_string(root.join("minutes-v2.vkey")).unwrap();
    (root.join("minutes-v2.zip"), vkey.trim().to_owned())
}

#[test]
fn the_second_minutes_bundle_verifies_with_concord_verify_the_docs_script_and_python() {
    let (zip, vkey) = minutes_v2();
    let work = Workdir::new();
    let dir = work.path().join("bundle");
    unzip(&zip, &dir);

    let concord = run(&["verify", zip.to_str().unwrap(), "--trust", &vkey]);
    let script = run_docs_script(&dir, &vkey);
    let python = Command::new("python3")
        .arg(workspace_root().join("tests/fixtures/verifier/verify_bundle.py"))
        .arg(&zip)
        .args(["--trust", &vkey])
        .output()
        .expect("python3 runs");
    let bundle = Bundle::read(&zip).unwrap();
    let manifest = Manifest::parse(&bundle.files["manifest.json"]).unwrap();
    let bindings: Vec<Value> = bundle
        .files
        .iter()
        .filter(|(name, _)| name.ends_with(".binding.json"))
        .map(|(_, bytes)| serde_json::from_slice(bytes).unwrap())
        .collect();

    assert!(concord.status.success(), "{}", text(&concord));
    assert!(script.status.success(), "{}", text(&script));
    assert_eq!(text(&script).lines().last(), Some("verified"));
    assert!(python.status.success(), "{}", text(&python));
    assert_eq!(manifest.schema, "concord.manifest/2");
    assert!(bundle.files.contains_key("README.txt"));
    assert!(!bindings.is_empty());
    for binding in &bindings {
        assert_eq!(binding["type"], "concord.key-binding/2", "{binding}");
        assert!(binding["org_name"].as_str().is_some_and(|n| !n.is_empty()));
        if binding["purpose"] == "person" {
            assert!(binding["user_name"].as_str().is_some_and(|n| !n.is_empty()));
        }
    }
}
