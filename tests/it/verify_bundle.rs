//! `concord verify` against a complete archive bundle built here the way the server builds
//! one: minutes projected from a CRDT document, key bindings, a manifest, two signing steps
//! (one organization, then two in parallel) each with a person's Ed25519 signature and the
//! organization's SM2 seal, a completion and an archive record, all appended to a Merkle
//! log whose newest signed checkpoint ends every proof.
//!
//! The bundle verifies; flipping one byte anywhere in any of its files makes it fail, naming
//! the check; so do a signature out of order, a key bound after it signed, an unknown file and
//! another log's key. It survives a round trip through a .zip and a directory.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use server::signing::bundle::{self, Bundle, Trust};
use server::signing::canonical::{sha256_hex, sm3_hex, to_canonical};
use server::signing::dsse::{self, Envelope, PAYLOAD_TYPE};
use server::signing::keys::{PersonSigner, SealKey};
use server::signing::kinds::minutes::{self as projection, Attendee, MinutesMeta, OrgRef};
use server::signing::merkle::{self, Hash};
use server::signing::note::{self, Checkpoint, LogSigner, LogVerifier};
use server::signing::statement::{
    prev_of, ArchiveRecord, Completion, KeyBinding, Manifest, Policy, Rendition, Signer, Statement,
    APPROVE_MINUTES, ARCHIVE_TYPE, COMPLETION_TYPE, KEY_BINDING_TYPE, MANIFEST_SCHEMA,
};
use server::signing::verify::{checks, verify};
use yrs::updates::encoder::Encode;
use yrs::{
    Array, Doc, MapPrelim, ReadTxn, StateVector, Transact, Xml, XmlElementPrelim, XmlFragment,
    XmlTextPrelim,
};

use crate::support::server::concord_binary;

const ORIGIN: &str = "log.test.gov.cn/concord";

/// The signing policy of the test minutes: the convener first, then two bodies in parallel.
/// The ids hold dashes, as UUIDs do, which the file names must survive.
const STEPS: [&[&str]; 2] = [&["org-bureau"], &["org-court", "org-audit-1"]];

/// Ways to build a bundle that is internally consistent (every hash, signature and proof
/// right) but breaks a rule of the workflow.
#[derive(Default, Clone, Copy)]
struct Variant {
    /// Step 2's statements name no previous statement.
    empty_prev: bool,
    /// The court's person key is bound (logged) after its signature.
    late_binding: bool,
}

/// An organization's keys and its signing person.
struct Org {
    id: &'static str,
    user: String,
    person: PersonSigner,
    seal: SealKey,
}

fn minutes_doc() -> Doc {
    let doc = Doc::with_client_id(42);
    let body = doc.get_or_insert_xml_fragment(projection::BODY_ROOT);
    let agreed = doc.get_or_insert_array(projection::AGREED_ROOT);
    let mut txn = doc.transact_mut();
    let heading = body.push_back(&mut txn, XmlElementPrelim::empty("heading"));
    heading.insert_attribute(&mut txn, "level", "1");
    heading.push_back(&mut txn, XmlTextPrelim::new("联席会议纪要"));
    let p = body.push_back(&mut txn, XmlElementPrelim::empty("paragraph"));
    p.push_back(
        &mut txn,
        XmlTextPrelim::new("与会各单位同意按期完成整改 <script>&</script>。"),
    );
    agreed.push_back(
        &mut txn,
        MapPrelim::from([
            ("text", yrs::In::from("完成整改")),
            ("org_id", yrs::In::from("org-court")),
            ("deadline", yrs::In::from("2026-06-30")),
        ]),
    );
    drop(txn);
    doc
}

fn meta() -> MinutesMeta {
    MinutesMeta {
        meeting_id: "meeting-1".into(),
        title: "2026 年第一次联席会议".into(),
        kind: "joint".into(),
        starts_at: "2026-03-02T01:30:00Z".into(),
        ends_at: None,
        place: Some("第一会议室".into()),
        document: None,
        signing: Vec::new(),
        convener: OrgRef {
            org_id: "org-bureau".into(),
            name: "市司法局".into(),
        },
        attendees: vec![
            Attendee {
                org_id: "org-court".into(),
                org_name: "市中级人民法院".into(),
                person: Some("李四".into()),
                status: "attended".into(),
            },
            Attendee {
                org_id: "org-audit-1".into(),
                org_name: "市审计局".into(),
                person: None,
                status: "absent".into(),
            },
        ],
        held: None,
    }
}

/// An append-only log of exact artefact bytes, as the server keeps it.
#[derive(Default)]
struct Log {
    leaves: Vec<Hash>,
}

impl Log {
    fn append(&mut self, bytes: &[u8]) -> u64 {
        self.leaves.push(merkle::leaf_hash(bytes));
        self.leaves.len() as u64 - 1
    }
}

fn binding(org: &Org, kid: &str, spki: &[u8], person: bool) -> Vec<u8> {
    KeyBinding {
        r#type: KEY_BINDING_TYPE.into(),
        key_id: kid.into(),
        algorithm: if person { "ed25519" } else { "sm2" }.into(),
        purpose: if person { "person" } else { "seal" }.into(),
        spki: STANDARD.encode(spki),
        user_id: person.then(|| org.user.clone()),
        org_id: org.id.into(),
        bound_at: "2026-03-01T08:00:00Z".into(),
        user_name: person.then(|| format!("{} 的签署人", org.id)),
        org_name: Some(format!("{} 单位", org.id)),
    }
    .to_bytes()
}

/// A complete bundle, and the log key that signed its checkpoint.
fn build(variant: Variant) -> (Bundle, LogVerifier) {
    let orgs: Vec<Org> = STEPS
        .iter()
        .flat_map(|step| step.iter())
        .map(|id| Org {
            id,
            user: format!("user-of-{id}"),
            person: PersonSigner::generate(),
            seal: SealKey::generate(),
        })
        .collect();
    let org = |id: &str| orgs.iter().find(|o| o.id == id).unwrap();
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut log = Log::default();
    // Log index of each logged file, to write the proofs once the log is complete.
    let mut logged: Vec<(String, String, u64)> = Vec::new();

    // Every organization enrolls its keys before anything is signed.
    let mut late = None;
    for o in &orgs {
        let person = o.person.public();
        let seal = o.seal.public();
        for (kid, pem, spki, is_person) in [
            (person.key_id(), person.spki_pem(), person.spki_der(), true),
            (seal.key_id(), seal.spki_pem(), seal.spki_der(), false),
        ] {
            let bytes = binding(o, &kid, &spki, is_person);
            files.insert(bundle::key_pem_path(&kid), pem.into_bytes());
            files.insert(bundle::key_binding_path(&kid), bytes.clone());
            if variant.late_binding && is_person && o.id == "org-court" {
                late = Some((kid, bytes));
                continue;
            }
            let index = log.append(&bytes);
            logged.push((
                bundle::key_binding_path(&kid),
                bundle::key_proof_path(&kid),
                index,
            ));
        }
    }

    // Freeze: the content, the state, the rendition and the manifest.
    let doc = minutes_doc();
    let content_value = projection::project(&doc, &meta()).unwrap();
    let content = to_canonical(&content_value);
    let (state, state_vector) = {
        let txn = doc.transact();
        (
            txn.encode_state_as_update_v1(&StateVector::default()),
            txn.state_vector().encode_v1(),
        )
    };
    let html = projection::render_html(&content_value).into_bytes();
    let manifest = Manifest {
        schema: MANIFEST_SCHEMA.into(),
        kind: projection::SCHEMA.into(),
        subject_id: "meeting-1".into(),
        doc_id: "doc-1".into(),
        version: 1,
        title: "2026 年第一次联席会议".into(),
        content_sha256: sha256_hex(&content),
        content_sm3: sm3_hex(&content),
        crdt_state_sha256: sha256_hex(&state),
        state_vector: STANDARD.encode(&state_vector),
        renditions: vec![Rendition {
            path: bundle::MINUTES_HTML.into(),
            media_type: "text/html; charset=utf-8".into(),
            sha256: sha256_hex(&html),
            sm3: sm3_hex(&html),
        }],
        signers: STEPS
            .iter()
            .enumerate()
            .flat_map(|(i, step)| {
                step.iter().map(move |id| Signer {
                    step: i as u32 + 1,
                    org_id: id.to_string(),
                    org_name: format!("name of {id}"),
                    role: if i == 0 { "convener" } else { "participant" }.into(),
                })
            })
            .collect(),
        policy: Policy {
            steps: STEPS
                .iter()
                .map(|step| step.iter().map(|id| id.to_string()).collect())
                .collect(),
            intent: APPROVE_MINUTES.into(),
        },
        supersedes: None,
    }
    .to_bytes();
    let index = log.append(&manifest);
    logged.push((
        bundle::MANIFEST.into(),
        bundle::MANIFEST_PROOF.into(),
        index,
    ));
    files.insert(bundle::CONTENT.into(), content);
    files.insert(bundle::CRDT_STATE.into(), state);
    files.insert(bundle::MINUTES_HTML.into(), html);

    // Signing, step by step: each statement names the previous step's statements.
    let mut previous: Vec<Vec<u8>> = Vec::new();
    let mut envelopes = Vec::new();
    for (i, step) in STEPS.iter().enumerate() {
        let step_no = i as u32 + 1;
        let prev_refs: Vec<&[u8]> = previous.iter().map(Vec::as_slice).collect();
        let prev = if variant.empty_prev {
            Vec::new()
        } else {
            prev_of(&prev_refs)
        };
        let mut this_step = Vec::new();
        for id in step.iter() {
            let o = org(id);
            let (person_kid, seal_kid) = (o.person.public().key_id(), o.seal.public().key_id());
            let payload = Statement {
                manifest_sha256: sha256_hex(&manifest),
                manifest_sm3: sm3_hex(&manifest),
                step: step_no,
                org_id: id.to_string(),
                signer: o.user.clone(),
                key_ids: vec![person_kid.clone(), seal_kid.clone()],
                intent: APPROVE_MINUTES.into(),
                prev: prev.clone(),
                claimed_time: format!("2026-03-0{}T09:00:00Z", 2 + step_no),
            }
            .to_bytes();
            let pae = dsse::pae(PAYLOAD_TYPE, &payload);
            let mut envelope = Envelope::new(PAYLOAD_TYPE, &payload);
            envelope.add_signature(&person_kid, &o.person.sign(&pae));
            envelope.add_signature(&seal_kid, &o.seal.sign(&pae));
            let bytes = envelope.to_bytes();
            let index = log.append(&bytes);
            let path = bundle::signature_path(step_no, id);
            logged.push((
                path.clone(),
                bundle::signature_proof_path(step_no, id),
                index,
            ));
            envelopes.push(sha256_hex(&bytes));
            files.insert(path, bytes);
            this_step.push(payload);
        }
        previous = this_step;
    }
    if let Some((kid, bytes)) = late {
        let index = log.append(&bytes);
        logged.push((
            bundle::key_binding_path(&kid),
            bundle::key_proof_path(&kid),
            index,
        ));
    }

    // Completion, then the export: trust.json, the archive record, the proofs.
    envelopes.sort();
    let completion = Completion {
        r#type: COMPLETION_TYPE.into(),
        manifest_sha256: sha256_hex(&manifest),
        statements: envelopes,
        completed_at: "2026-03-05T10:00:00Z".into(),
    }
    .to_bytes();
    let index = log.append(&completion);
    logged.push((
        bundle::COMPLETION.into(),
        bundle::COMPLETION_PROOF.into(),
        index,
    ));
    let signer = LogSigner::new(ORIGIN, LogSigner::generate_secret());
    files.insert(
        bundle::TRUST.into(),
        Trust::for_log(&signer.verifier()).to_bytes(),
    );
    files.insert(bundle::MANIFEST.into(), manifest.clone());
    files.insert(bundle::COMPLETION.into(), completion.clone());
    let archive = ArchiveRecord {
        r#type: ARCHIVE_TYPE.into(),
        manifest_sha256: sha256_hex(&manifest),
        completion_sha256: sha256_hex(&completion),
        files: files
            .iter()
            .map(|(path, bytes)| (path.clone(), sha256_hex(bytes)))
            .collect(),
        archived_at: "2026-03-06T10:00:00Z".into(),
    }
    .to_bytes();
    let index = log.append(&archive);
    logged.push((bundle::ARCHIVE.into(), bundle::ARCHIVE_PROOF.into(), index));
    files.insert(bundle::ARCHIVE.into(), archive);

    let checkpoint = Checkpoint {
        origin: ORIGIN.into(),
        size: log.leaves.len() as u64,
        root: merkle::root(&log.leaves),
    };
    let note = signer.sign(&checkpoint);
    for (artefact, proof_path, index) in logged {
        assert!(files.contains_key(&artefact), "{artefact} is logged");
        let proof = merkle::inclusion_proof(index, &log.leaves);
        files.insert(
            proof_path,
            note::format_proof(index, &proof, &note).into_bytes(),
        );
    }
    (Bundle { files }, signer.verifier())
}

const ALL_CHECKS: [&str; 14] = [
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
];

#[test]
fn a_complete_bundle_passes_every_check_in_order() {
    let (bundle, log) = build(Variant::default());

    let report = verify(&bundle, None);
    let trusted = verify(&bundle, Some(&log));

    assert!(report.is_verified(), "{}", report.render());
    let names: Vec<&str> = report.passed.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ALL_CHECKS);
    assert!(trusted.is_verified(), "{}", trusted.render());
    let text = trusted.render();
    assert!(text.starts_with("ok   layout: "), "{text}");
    assert!(
        text.ends_with('\n') && text.contains("\nverified: "),
        "{text}"
    );
}

#[test]
fn flipping_one_byte_anywhere_in_any_file_fails_naming_the_check() {
    let (bundle, log) = build(Variant::default());
    let mut failures = 0;

    for (path, bytes) in &bundle.files {
        let n = bytes.len();
        let mut positions = vec![0, n / 7, n / 3, n / 2, 2 * n / 3, n - 1];
        positions.dedup();
        for at in positions {
            let mut tampered = bundle.clone();
            tampered.files.get_mut(path).unwrap()[at] ^= 0x01;

            let report = verify(&tampered, Some(&log));

            let failure = report
                .failure
                .unwrap_or_else(|| panic!("flipping byte {at} of {path} went unnoticed"));
            assert!(
                ALL_CHECKS.contains(&failure.check.as_str()) && !failure.reason.is_empty(),
                "{path}@{at}: {failure:?}"
            );
            failures += 1;
        }
    }
    assert!(failures > 100, "only {failures} flips were tried");
}

#[test]
fn a_flipped_byte_is_named_by_the_check_that_owns_the_file() {
    let (bundle, log) = build(Variant::default());
    let flip_at = |path: &str, at: usize| {
        let mut tampered = bundle.clone();
        tampered.files.get_mut(path).unwrap()[at] ^= 0x01;
        verify(&tampered, Some(&log)).failure.unwrap().check
    };
    // A letter inside a JSON string keeps the file canonical: the hash checks catch it.
    let content = &bundle.files[bundle::CONTENT];
    let at = content.windows(7).position(|w| w == b"meeting").unwrap();

    assert_eq!(flip_at(bundle::CONTENT, at + 1), checks::CONTENT);
    assert_eq!(flip_at(bundle::CRDT_STATE, 10), checks::CRDT_STATE);
    assert_eq!(flip_at(bundle::MINUTES_HTML, 20), checks::RENDITIONS);
    assert_eq!(flip_at(bundle::MANIFEST, 3), checks::MANIFEST);
    assert_eq!(flip_at(bundle::CONTENT, 0), checks::CANONICAL);
}

#[test]
fn step_two_statements_that_do_not_name_step_one_fail_the_signing_order() {
    let (bundle, log) = build(Variant {
        empty_prev: true,
        ..Variant::default()
    });

    let failure = verify(&bundle, Some(&log)).failure.unwrap();

    assert_eq!(failure.check, checks::SIGNING_ORDER, "{failure:?}");
    assert!(failure.reason.contains("prev"), "{failure:?}");
}

#[test]
fn a_key_bound_after_its_signature_fails_the_signatures_check() {
    let (bundle, log) = build(Variant {
        late_binding: true,
        ..Variant::default()
    });

    let failure = verify(&bundle, Some(&log)).failure.unwrap();

    assert_eq!(failure.check, checks::SIGNATURES, "{failure:?}");
    assert!(failure.reason.contains("bound"), "{failure:?}");
}

#[test]
fn an_unknown_or_missing_file_fails_the_layout_check() {
    let (bundle, log) = build(Variant::default());
    let mut extra = bundle.clone();
    extra.files.insert("notes.txt".into(), b"hello".to_vec());
    let mut missing = bundle.clone();
    missing.files.remove(bundle::COMPLETION_PROOF);

    let extra = verify(&extra, Some(&log)).failure.unwrap();
    let missing = verify(&missing, Some(&log)).failure.unwrap();

    assert_eq!(extra.check, checks::LAYOUT);
    assert!(extra.reason.contains("notes.txt"), "{extra:?}");
    assert_eq!(missing.check, checks::LAYOUT);
    assert!(
        missing.reason.contains("completion.tlog-proof"),
        "{missing:?}"
    );
}

#[test]
fn another_logs_key_given_with_trust_fails_the_log_key_check() {
    let (bundle, _log) = build(Variant::default());
    let other = LogSigner::new(ORIGIN, LogSigner::generate_secret()).verifier();

    let failure = verify(&bundle, Some(&other)).failure.unwrap();

    assert_eq!(failure.check, checks::LOG_KEY);
}

#[test]
fn a_bundle_rewritten_with_a_forged_log_key_still_fails_against_the_trusted_key() {
    // Whoever rewrites a bundle can sign a new checkpoint with a key of their own and name it
    // in trust.json; the bundle is then consistent, and only --trust tells it apart.
    let (forged, _their_log) = build(Variant::default());
    let (_, real_log) = build(Variant::default());

    assert!(verify(&forged, None).is_verified());
    let failure = verify(&forged, Some(&real_log)).failure.unwrap();

    assert_eq!(failure.check, checks::LOG_KEY);
}

#[test]
fn a_bundle_round_trips_through_a_zip_and_a_directory_and_still_verifies() {
    let (bundle, log) = build(Variant::default());
    let dir = tempfile::tempdir().unwrap();
    let zip_path = dir.path().join("bundle.zip");
    let tree = dir.path().join("bundle");

    std::fs::write(&zip_path, bundle.to_zip()).unwrap();
    bundle.write_dir(&tree).unwrap();
    let from_zip = Bundle::read(&zip_path).unwrap();
    let from_dir = Bundle::read(&tree).unwrap();

    assert_eq!(from_zip, bundle);
    assert_eq!(from_dir, bundle);
    assert_eq!(
        from_zip.to_zip(),
        bundle.to_zip(),
        "the zip is deterministic"
    );
    assert!(verify(&from_zip, Some(&log)).is_verified());
    assert!(verify(&from_dir, Some(&log)).is_verified());
}

#[test]
fn concord_verify_prints_each_check_and_exits_one_at_the_first_failure() {
    let (bundle, log) = build(Variant::default());
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.zip");
    std::fs::write(&good, bundle.to_zip()).unwrap();
    let tree = dir.path().join("bad");
    bundle.write_dir(&tree).unwrap();
    let html = tree.join(bundle::MINUTES_HTML);
    let mut bytes = std::fs::read(&html).unwrap();
    bytes[30] ^= 0x01;
    std::fs::write(&html, bytes).unwrap();
    let run = |args: &[&std::ffi::OsStr]| {
        std::process::Command::new(concord_binary())
            .arg("verify")
            .args(args)
            .env("RUST_LOG", "warn")
            .output()
            .expect("concord runs")
    };

    let ok = run(&[good.as_os_str(), "--trust".as_ref(), log.vkey().as_ref()]);
    let bad = run(&[tree.as_os_str(), "--trust".as_ref(), log.vkey().as_ref()]);
    let bad_key = run(&[good.as_os_str(), "--trust".as_ref(), "nonsense".as_ref()]);

    let ok_text = String::from_utf8_lossy(&ok.stdout);
    assert!(ok.status.success(), "{ok_text}");
    assert_eq!(
        ok_text.lines().filter(|l| l.starts_with("ok   ")).count(),
        14
    );
    assert!(
        ok_text.lines().last().unwrap().starts_with("verified: "),
        "{ok_text}"
    );
    let bad_text = String::from_utf8_lossy(&bad.stdout);
    assert_eq!(bad.status.code(), Some(1), "{bad_text}");
    assert!(
        bad_text
            .lines()
            .last()
            .unwrap()
            .starts_with("FAIL renditions: minutes.html"),
        "{bad_text}"
    );
    let bad_key_text = String::from_utf8_lossy(&bad_key.stdout);
    assert_eq!(bad_key.status.code(), Some(1));
    assert!(
        bad_key_text.starts_with("FAIL log key: --trust"),
        "{bad_key_text}"
    );
}
