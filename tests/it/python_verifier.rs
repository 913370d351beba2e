//! An independent verifier, written from `docs/bundle.md` and not from the Rust code
//! (`tests/fixtures/verifier/verify_bundle.py`: Python 3's standard library and the `openssl`
//! command only), accepts the bundles the server makes, new and old, and refuses each with a
//! byte flipped anywhere. If it fails on a new bundle, the bundle changed in a way the page
//! does not say: fix the page (and then the script), never only the script.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use reqwest::StatusCode;
use server::signing::bundle::Bundle;

use crate::bundle_fixtures::{run_docs_script, unzip};
use crate::minutes::{archived_meeting, text};
use crate::support::api::Api;
use crate::support::server::workspace_root;

fn script() -> PathBuf {
    workspace_root().join("tests/fixtures/verifier/verify_bundle.py")
}

/// Runs the script on `bundle` (a .zip or a directory) with `trust` as its arguments.
pub(crate) fn python(bundle: &Path, trust: &[&str]) -> Output {
    Command::new("python3")
        .arg(script())
        .arg(bundle)
        .args(trust)
        .output()
        .expect("python3 runs (the independent verifier needs it and openssl)")
}

/// Flips one byte (the middle one) of every file of `bundle` in turn, and requires the
/// script to refuse each copy with exit code 1 and a `FAIL` line. Returns how many it refused.
fn every_flip_is_refused(bundle: &Bundle, vkey: &str, workdir: &Path) -> usize {
    let mut refused = 0;
    for (i, (path, bytes)) in bundle.files.iter().enumerate() {
        let mut tampered = bundle.clone();
        tampered.files.get_mut(path).unwrap()[bytes.len() / 2] ^= 0x01;
        let dir = workdir.join(format!("flipped-{i}"));
        tampered.write_dir(&dir).unwrap();
        let out = python(&dir, &["--trust", vkey]);
        let said = text(&out);
        assert_eq!(out.status.code(), Some(1), "{path} flipped:\n{said}");
        assert!(
            said.lines().any(|l| l.starts_with("FAIL ")),
            "{path} flipped:\n{said}"
        );
        refused += 1;
    }
    refused
}

#[test]
fn the_independent_verifier_accepts_the_first_minutes_bundle_and_refuses_any_flipped_file() {
    let fixtures = workspace_root().join("tests/fixtures/bundles");
    let zip = fixtures.join("minutes-v1.zip");
    let vkey = std::fs::read_to_string(fixtures.join("minutes-v1.vkey")).unwrap();
    let vkey = vkey.trim();
    let workdir = tempfile::tempdir().unwrap();

    let out = python(&zip, &["--trust", vkey]);
    let no_key = python(&zip, &[]);

    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert_eq!(said.lines().last(), Some("verified"), "{said}");
    assert!(
        said.contains("ok   signing order: 3 signatures in 2 steps"),
        "{said}"
    );
    assert_eq!(no_key.status.code(), Some(2), "{}", text(&no_key));
    let bundle = Bundle::read(&zip).unwrap();
    assert_eq!(every_flip_is_refused(&bundle, vkey, workdir.path()), 34);
}

#[tokio::test]
async fn the_independent_verifier_accepts_a_new_bundle_with_names_and_readme_and_refuses_any_flipped_file(
) {
    let workdir = tempfile::tempdir().unwrap();
    let (m, zip) = archived_meeting(workdir.path()).await;
    let zip_path = workdir.path().join("minutes.zip");
    std::fs::write(&zip_path, &zip).unwrap();
    let (status, key) = Api::new(&m.server).get("/api/log/key").await;
    assert_eq!(status, StatusCode::OK, "{key}");
    let vkey = key["vkey"].as_str().unwrap();

    let out = python(&zip_path, &["--trust", vkey]);

    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert_eq!(said.lines().last(), Some("verified"), "{said}");
    // The signers are named as the bindings name them, person and body.
    let market = m.world.org("market");
    let (_, org) = m.bureau.get(&format!("/api/orgs/{market}")).await;
    let signer = format!("market 同志 for {}", org["name_zh"].as_str().unwrap());
    assert!(said.contains(&signer), "no {signer:?} in:\n{said}");
    let bundle = Bundle::from_zip(&zip).unwrap();
    let readme = String::from_utf8(bundle.files["README.txt"].clone()).unwrap();
    assert!(readme.starts_with("签署文书归档包"), "{readme}");
    assert!(readme.contains("--trust '<日志公钥>'"), "{readme}");
    assert!(readme.contains(vkey), "{readme}");
    let files = bundle.files.len();
    assert_eq!(every_flip_is_refused(&bundle, vkey, workdir.path()), files);

    // The page's own shell script follows a new bundle too.
    let unpacked = workdir.path().join("unpacked");
    unzip(&zip_path, &unpacked);
    let out = run_docs_script(&unpacked, vkey);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        text(&out).lines().last(),
        Some("verified"),
        "{}",
        text(&out)
    );
}
