//! Every check of an archive bundle, in order, stopping at the first failure.
//!
//! A bundle is verified offline from its bytes alone (plus, for a careful verifier, the log's
//! key obtained from the log's operator): that each file is in its one canonical form, that
//! the content is what the manifest names and what the CRDT state projects to, that every
//! signature verifies with a key bound (and logged) before it, that the organizations signed
//! in the policy's order, and that the log's signed checkpoint includes every artefact in
//! the order the workflow produced them. The checks follow `docs/bundle.md`; each passed
//! check says what it established, and a failure names the check and the file.
//!
//! The kind of document (minutes, a dispute decision, …) is read from the manifest (a
//! `concord.manifest/1` is minutes) and every kind gets the same checks, with its own
//! projection, rendition, intent and payload type ([`super::kind`]). A kind this version does
//! not know fails the manifest check: nothing of such a bundle is vouched for.
//!
//! This module never reads files (the caller gives a [`Bundle`]), never repairs or skips a
//! file it does not understand, and never trusts a field before the check that establishes it.
//! Key revocations are not in the bundle layout, so a bundle cannot show that a key was not
//! revoked later; the log order shows it was bound before it signed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::Value;
use yrs::updates::decoder::Decode;
use yrs::{Doc, ReadTxn, StateVector, Transact, Update};

use super::bundle::{self, Bundle, Trust};
use super::canonical::{is_canonical, sha256_hex, sm3_hex, to_canonical};
use super::dsse::Envelope;
use super::keys::{key_id, PersonKey, SealPublicKey};
use super::kind::AnyKind;
use super::kinds;
use super::merkle::{leaf_hash, verify_inclusion};
use super::note::{parse_proof, Checkpoint, LogVerifier, TlogProof};
use super::statement::{prev_of, ArchiveRecord, Completion, KeyBinding, Manifest, Statement};

/// A check that passed, and what it established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub name: String,
    pub detail: String,
}

/// The check that failed, and why, in words for the person verifying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub check: String,
    pub reason: String,
}

/// What [`verify`] found: the checks passed in order, then the failure that stopped it, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub passed: Vec<Check>,
    pub failure: Option<Failure>,
}

impl Report {
    /// True when every check passed.
    pub fn is_verified(&self) -> bool {
        self.failure.is_none()
    }

    /// The lines `concord verify` prints: `ok   <check>: <detail>` for each passed check,
    /// then `FAIL <check>: <reason>` or `verified: …`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for check in &self.passed {
            out.push_str(&format!("ok   {}: {}\n", check.name, check.detail));
        }
        match &self.failure {
            Some(failure) => out.push_str(&format!("FAIL {}: {}\n", failure.check, failure.reason)),
            None => out.push_str(&format!(
                "verified: all {} checks passed; the document, its signatures and their order \
                 are exactly what the log holds\n",
                self.passed.len()
            )),
        }
        out
    }
}

/// The names of the checks, in the order they run.
pub mod checks {
    /// The bundle can be read (by [`super::run_command`], before any other check).
    pub const READ: &str = "read";
    /// Every file is part of the layout, and every required file is present.
    pub const LAYOUT: &str = "layout";
    /// Every JSON, PEM and proof file is in its one byte form.
    pub const CANONICAL: &str = "canonical form";
    /// `trust.json` and the log key (given with `--trust`, or the one in `trust.json`).
    pub const LOG_KEY: &str = "log key";
    /// All proofs end in the same checkpoint, signed by the log key.
    pub const CHECKPOINT: &str = "checkpoint";
    /// The manifest: its kind, its policy and signers, and its place in the log.
    pub const MANIFEST: &str = "manifest";
    /// `content.json` is what the manifest names, of the manifest's kind.
    pub const CONTENT: &str = "content";
    /// `crdt-state.bin` is what the manifest names, and projects to `content.json`.
    pub const CRDT_STATE: &str = "crdt state";
    /// Every rendition is what the manifest names, the kind's own among them.
    pub const RENDITIONS: &str = "renditions";
    /// Every key is what its logged binding names.
    pub const KEYS: &str = "keys";
    /// Every envelope's statement, signatures and place in the log.
    pub const SIGNATURES: &str = "signatures";
    /// Every policy signer signed once, each step after the previous one.
    pub const SIGNING_ORDER: &str = "signing order";
    /// The completion record names this manifest and exactly these envelopes, and is logged.
    pub const COMPLETION: &str = "completion";
    /// The archive record names this manifest, completion and every file, and is logged.
    pub const ARCHIVE: &str = "archive";
    /// The log holds manifest < envelopes < completion < archive.
    pub const LOG_ORDER: &str = "log order";
}

/// Every check of SIGNING.md; stops at the first failure. `trusted_log`: a log key given
/// by the verifier (`--trust vkey`), else the one in trust.json.
pub fn verify(bundle: &Bundle, trusted_log: Option<&LogVerifier>) -> Report {
    let mut runner = Runner { passed: Vec::new() };
    let failure = run(&mut runner, bundle, trusted_log).err();
    Report {
        passed: runner.passed,
        failure,
    }
}

/// Which log key `concord verify` relies on: one the person verifying names, or, when they
/// say so explicitly, the one in the bundle's own `trust.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrustRoot<'a> {
    /// `--trust VKEY`: the key the log's operator publishes.
    Published(&'a str),
    /// `--trust-bundle`: the bundle's own key, which shows only that it agrees with itself.
    Bundle,
}

/// What `concord verify` says, and exits 2 after, when given neither `--trust` nor
/// `--trust-bundle`: a bundle checked against its own key proves little, so that is never
/// the silent default.
pub const NO_TRUST_ROOT: &str = "\
未核验：没有给出日志公钥。请用 --trust VKEY 给出日志运营方公布的公钥（见 README 与 docs/bundle.md），\
或用 --trust-bundle 明确表示信任归档包 trust.json 中的公钥（这只能证明归档包自身一致）。
not verified: no log key given. Pass the key the log's operator publishes with --trust VKEY \
(see README and docs/bundle.md), or --trust-bundle to trust the key in the bundle's own \
trust.json (which proves only that the bundle is consistent with itself).
";

/// `concord verify BUNDLE (--trust VKEY | --trust-bundle)`: reads the bundle (a directory or
/// a .zip) and verifies it. Returns whether it verified and the text to print; a bundle that
/// cannot be read or a malformed `--trust` key is a failure like any other, named as a check.
pub fn run_command(bundle_path: &Path, trust: TrustRoot<'_>) -> (bool, String) {
    let fail = |check: &str, reason: String| (false, format!("FAIL {check}: {reason}\n"));
    let given = match trust {
        TrustRoot::Published(vkey) => Some(vkey),
        TrustRoot::Bundle => None,
    };
    let trusted = match given.map(LogVerifier::from_vkey).transpose() {
        Ok(trusted) => trusted,
        Err(e) => return fail(checks::LOG_KEY, format!("--trust: {e}")),
    };
    let bundle = match Bundle::read(bundle_path) {
        Ok(bundle) => bundle,
        Err(e) => return fail(checks::READ, e.to_string()),
    };
    let report = verify(&bundle, trusted.as_ref());
    (report.is_verified(), report.render())
}

struct Runner {
    passed: Vec<Check>,
}

impl Runner {
    /// Runs one check: `Ok((value, detail))` records it as passed, `Err(reason)` stops.
    fn check<T>(
        &mut self,
        name: &str,
        body: impl FnOnce() -> Result<(T, String), String>,
    ) -> Result<T, Failure> {
        match body() {
            Ok((value, detail)) => {
                self.passed.push(Check {
                    name: name.to_string(),
                    detail,
                });
                Ok(value)
            }
            Err(reason) => Err(Failure {
                check: name.to_string(),
                reason,
            }),
        }
    }
}

/// The signature envelopes, keys and renditions the layout holds.
struct Layout {
    /// Paths of renditions (of any known kind) in the bundle.
    renditions: BTreeSet<String>,
    /// (step, org id) → envelope path.
    signatures: BTreeMap<(u32, String), String>,
    keys: BTreeSet<String>,
}

/// A public key with its logged binding.
struct BoundKey {
    binding: KeyBinding,
    key: PublicKey,
    /// The binding's leaf index in the log.
    index: u64,
}

enum PublicKey {
    Person(PersonKey),
    Seal(SealPublicKey),
}

/// An envelope that passed its checks.
struct Signed {
    statement: Statement,
    payload: Vec<u8>,
    envelope_sha256: String,
    index: u64,
}

fn run(
    runner: &mut Runner,
    bundle: &Bundle,
    trusted_log: Option<&LogVerifier>,
) -> Result<(), Failure> {
    let file = |path: &str| -> &[u8] {
        // The layout check has made sure every path asked for here exists.
        bundle
            .files
            .get(path)
            .map(Vec::as_slice)
            .unwrap_or_default()
    };

    let layout = runner.check(checks::LAYOUT, || check_layout(bundle))?;
    let proofs = runner.check(checks::CANONICAL, || check_canonical(bundle))?;
    let log = runner.check(checks::LOG_KEY, || {
        let trust = Trust::parse(file(bundle::TRUST)).map_err(|e| e.to_string())?;
        let named = LogVerifier::from_vkey(&trust.log_vkey).map_err(|e| e.to_string())?;
        if named.origin != trust.log_origin {
            return Err(format!(
                "trust.json names log {:?} but its key is of log {:?}",
                trust.log_origin, named.origin
            ));
        }
        match trusted_log {
            Some(trusted) if *trusted != named => Err(format!(
                "trust.json names log key {}, not the trusted key {}",
                named.vkey(),
                trusted.vkey()
            )),
            Some(trusted) => Ok((
                trusted.clone(),
                format!(
                    "{} (given by the verifier; trust.json names the same)",
                    trusted.vkey()
                ),
            )),
            None => Ok((
                named.clone(),
                format!(
                    "{} (from trust.json; give the log's published key with --trust to rely \
                     on more than the bundle itself)",
                    named.vkey()
                ),
            )),
        }
    })?;
    let checkpoint = runner.check(checks::CHECKPOINT, || {
        let (first_path, first) = proofs.iter().next().ok_or("the bundle holds no proof")?;
        for (path, proof) in &proofs {
            if proof.checkpoint_note != first.checkpoint_note {
                return Err(format!(
                    "{path} ends in another checkpoint than {first_path}"
                ));
            }
        }
        let checkpoint = log
            .verify(&first.checkpoint_note)
            .map_err(|e| e.to_string())?;
        let detail = format!(
            "all {} proofs end in the checkpoint of {} at size {} (root {}), signed by the log key",
            proofs.len(),
            checkpoint.origin,
            checkpoint.size,
            hex::encode(checkpoint.root)
        );
        Ok((checkpoint, detail))
    })?;
    let included = |proof_path: &str, artefact: &str| -> Result<u64, String> {
        include(&proofs, &checkpoint, proof_path, artefact, file(artefact))
    };

    let manifest_bytes = file(bundle::MANIFEST);
    let manifest_sha256 = sha256_hex(manifest_bytes);
    let (manifest, kind, manifest_index) = runner.check(checks::MANIFEST, || {
        let manifest = Manifest::parse(manifest_bytes).map_err(|e| e.to_string())?;
        let kind = kinds::of_manifest(&manifest).map_err(|e| e.to_string())?;
        check_policy(&manifest, kind)?;
        let index = included(bundle::MANIFEST_PROOF, bundle::MANIFEST)?;
        let detail = format!(
            "{} ({}{}) {:?} version {} of {}: {} signers in {} steps; logged as entry {index}",
            kind.name(),
            kind.schema(),
            if manifest.schema == super::statement::MANIFEST_SCHEMA_V1 {
                ", first manifest format"
            } else {
                ""
            },
            manifest.title,
            manifest.version,
            manifest.subject_id,
            manifest.signers.len(),
            manifest.policy.steps.len()
        );
        Ok(((manifest, kind, index), detail))
    })?;

    let content_bytes = file(bundle::CONTENT);
    let content = runner.check(checks::CONTENT, || {
        let (sha256, sm3) = (sha256_hex(content_bytes), sm3_hex(content_bytes));
        if sha256 != manifest.content_sha256 {
            return Err(format!(
                "content.json has SHA-256 {sha256}, the manifest names {}",
                manifest.content_sha256
            ));
        }
        if sm3 != manifest.content_sm3 {
            return Err(format!(
                "content.json has SM3 {sm3}, the manifest names {}",
                manifest.content_sm3
            ));
        }
        let content: Value =
            serde_json::from_slice(content_bytes).map_err(|e| format!("content.json: {e}"))?;
        let schema = content.get("schema").and_then(Value::as_str);
        if schema != Some(kind.schema()) {
            return Err(format!(
                "content.json is of schema {schema:?}, but the manifest says the document is {} \
                 ({})",
                kind.name(),
                kind.schema()
            ));
        }
        Ok((
            content,
            format!(
                "content.json has the SHA-256 and SM3 the manifest names, and is {} ({})",
                kind.name(),
                kind.schema()
            ),
        ))
    })?;

    runner.check(checks::CRDT_STATE, || {
        check_crdt_state(
            file(bundle::CRDT_STATE),
            &content,
            content_bytes,
            &manifest,
            kind,
        )
    })?;

    runner.check(checks::RENDITIONS, || {
        let mut bound = Vec::new();
        for rendition in &manifest.renditions {
            let Some(bytes) = bundle.files.get(&rendition.path) else {
                return Err(format!(
                    "the manifest names rendition {}, which the bundle does not hold",
                    rendition.path
                ));
            };
            if sha256_hex(bytes) != rendition.sha256 || sm3_hex(bytes) != rendition.sm3 {
                return Err(format!(
                    "{} does not have the hashes the manifest names",
                    rendition.path
                ));
            }
            bound.push(format!("{} ({})", rendition.path, rendition.media_type));
        }
        if !manifest
            .renditions
            .iter()
            .any(|r| r.path == kind.rendition())
        {
            return Err(format!(
                "{} is not bound by the manifest's renditions",
                kind.rendition()
            ));
        }
        if let Some(unbound) = layout
            .renditions
            .iter()
            .find(|path| !manifest.renditions.iter().any(|r| r.path == **path))
        {
            return Err(format!(
                "{unbound} is in the bundle but not bound by the manifest"
            ));
        }
        Ok((
            (),
            format!("the manifest's hashes match {}", bound.join(", ")),
        ))
    })?;

    let keys = runner.check(checks::KEYS, || {
        let mut keys = BTreeMap::new();
        let (mut people, mut seals) = (0, 0);
        for kid in &layout.keys {
            let bound = check_key(kid, bundle, &included)?;
            match bound.key {
                PublicKey::Person(_) => people += 1,
                PublicKey::Seal(_) => seals += 1,
            }
            keys.insert(kid.clone(), bound);
        }
        let detail = format!(
            "{people} person keys (Ed25519) and {seals} seals (SM2) match their bindings, \
             each binding logged"
        );
        Ok((keys, detail))
    })?;

    let signed = runner.check(checks::SIGNATURES, || {
        let mut signed = BTreeMap::new();
        let mut used = BTreeSet::new();
        for ((step, org_id), path) in &layout.signatures {
            let envelope = check_envelope(
                (*step, org_id, path),
                file(path),
                (&manifest, kind),
                manifest_bytes,
                &keys,
                &included,
            )?;
            used.extend(envelope.statement.key_ids.iter().cloned());
            signed.insert((*step, org_id.clone()), envelope);
        }
        if let Some(unused) = keys.keys().find(|kid| !used.contains(*kid)) {
            return Err(format!("keys/{unused}.pem is used by no signature"));
        }
        let signers: Vec<String> = signed
            .iter()
            .map(|((step, org_id), s)| {
                let binding = s
                    .statement
                    .key_ids
                    .first()
                    .and_then(|kid| keys.get(kid))
                    .map(|k| &k.binding);
                let person = binding.and_then(|b| b.user_name.as_deref());
                let body = binding.and_then(|b| b.org_name.as_deref());
                format!(
                    "step {step} {} for {}",
                    person.unwrap_or(&s.statement.signer),
                    body.unwrap_or(org_id)
                )
            })
            .collect();
        let detail = format!(
            "{} envelopes: each statement names this manifest, each person's Ed25519 signature \
             and organization's SM2 seal verify with keys bound before them; each logged ({})",
            signed.len(),
            signers.join("; ")
        );
        Ok((signed, detail))
    })?;

    runner.check(checks::SIGNING_ORDER, || check_order(&manifest, &signed))?;

    let completion_bytes = file(bundle::COMPLETION);
    let completion_index = runner.check(checks::COMPLETION, || {
        let completion = Completion::parse(completion_bytes).map_err(|e| e.to_string())?;
        if completion.manifest_sha256 != manifest_sha256 {
            return Err("the completion record names another manifest".into());
        }
        let mut envelopes: Vec<String> =
            signed.values().map(|s| s.envelope_sha256.clone()).collect();
        envelopes.sort();
        if completion.statements != envelopes {
            return Err(
                "the completion record does not name exactly the bundle's envelopes".into(),
            );
        }
        let index = included(bundle::COMPLETION_PROOF, bundle::COMPLETION)?;
        let detail = format!(
            "completed at {} with these {} envelopes; logged as entry {index}",
            completion.completed_at,
            envelopes.len()
        );
        Ok((index, detail))
    })?;

    let archive_index = runner.check(checks::ARCHIVE, || {
        let archive = ArchiveRecord::parse(file(bundle::ARCHIVE)).map_err(|e| e.to_string())?;
        if archive.manifest_sha256 != manifest_sha256 {
            return Err("the archive record names another manifest".into());
        }
        if archive.completion_sha256 != sha256_hex(completion_bytes) {
            return Err("the archive record names another completion record".into());
        }
        let actual: BTreeMap<String, String> = bundle
            .files
            .iter()
            .filter(|(path, _)| !path.starts_with("proofs/") && *path != bundle::ARCHIVE)
            .map(|(path, bytes)| (path.clone(), sha256_hex(bytes)))
            .collect();
        for (path, sha256) in &actual {
            match archive.files.get(path) {
                None => return Err(format!("the archive record does not name {path}")),
                Some(named) if named != sha256 => {
                    return Err(format!("{path} is not the file the archive record names"))
                }
                Some(_) => {}
            }
        }
        if let Some(missing) = archive.files.keys().find(|p| !actual.contains_key(*p)) {
            return Err(format!(
                "the archive record names {missing}, which the bundle does not hold"
            ));
        }
        let index = included(bundle::ARCHIVE_PROOF, bundle::ARCHIVE)?;
        let detail = format!(
            "archived at {}: the {} files are those the record names; logged as entry {index}",
            archive.archived_at,
            actual.len()
        );
        Ok((index, detail))
    })?;

    runner.check(checks::LOG_ORDER, || {
        let first = signed.values().map(|s| s.index).min().unwrap_or(u64::MAX);
        let last = signed.values().map(|s| s.index).max().unwrap_or(0);
        if manifest_index >= first {
            return Err("a signature was logged before the manifest it signs".into());
        }
        if last >= completion_index {
            return Err("the completion was logged before a signature it names".into());
        }
        if completion_index >= archive_index {
            return Err("the archive record was logged before the completion".into());
        }
        Ok((
            (),
            format!(
                "manifest (entry {manifest_index}) < signatures (entries {first}..={last}) < \
                 completion (entry {completion_index}) < archive (entry {archive_index})"
            ),
        ))
    })?;
    Ok(())
}

fn check_layout(bundle: &Bundle) -> Result<(Layout, String), String> {
    const FIXED: [&str; 9] = [
        bundle::CONTENT,
        bundle::MANIFEST,
        bundle::CRDT_STATE,
        bundle::COMPLETION,
        bundle::ARCHIVE,
        bundle::TRUST,
        bundle::MANIFEST_PROOF,
        bundle::COMPLETION_PROOF,
        bundle::ARCHIVE_PROOF,
    ];
    for path in FIXED {
        if !bundle.files.contains_key(path) {
            return Err(format!("{path} is missing"));
        }
    }
    let has = |path: &str| bundle.files.contains_key(path);
    let mut layout = Layout {
        renditions: BTreeSet::new(),
        signatures: BTreeMap::new(),
        keys: BTreeSet::new(),
    };
    for path in bundle.files.keys() {
        // README.txt and the signature page are optional (bundles before them have none);
        // the archive record covers them.
        if FIXED.contains(&path.as_str()) || bundle::OPTIONAL.contains(&path.as_str()) {
            continue;
        }
        let unknown = || format!("{path} is not part of a bundle's layout");
        if kinds::KINDS
            .iter()
            .any(|kind| kind.rendition() == path || kind.pdf_rendition() == path)
        {
            // Which rendition the document needs is its kind's, checked with the manifest.
            layout.renditions.insert(path.clone());
        } else if let Some(name) = between(path, "signatures/", ".dsse.json") {
            let (step, org_id) = step_and_org(name).ok_or_else(unknown)?;
            if bundle::signature_path(step, &org_id) != *path {
                return Err(unknown());
            }
            let proof = bundle::signature_proof_path(step, &org_id);
            if !has(&proof) {
                return Err(format!("{path} has no log proof ({proof} is missing)"));
            }
            layout.signatures.insert((step, org_id), path.clone());
        } else if let Some(name) = between(path, "proofs/step", ".tlog-proof") {
            let (step, org_id) = step_and_org(&format!("step{name}")).ok_or_else(unknown)?;
            if !has(&bundle::signature_path(step, &org_id)) {
                return Err(format!(
                    "{path} proves an envelope the bundle does not hold"
                ));
            }
        } else if let Some(kid) = between(path, "proofs/key-", ".tlog-proof") {
            if !is_key_id(kid) || !has(&bundle::key_pem_path(kid)) {
                return Err(format!("{path} proves a key the bundle does not hold"));
            }
        } else if let Some(kid) = between(path, "keys/", ".binding.json") {
            if !is_key_id(kid) || !has(&bundle::key_pem_path(kid)) {
                return Err(format!("{path} binds a key the bundle does not hold"));
            }
        } else if let Some(kid) = between(path, "keys/", ".pem") {
            if !is_key_id(kid) {
                return Err(unknown());
            }
            for needed in [bundle::key_binding_path(kid), bundle::key_proof_path(kid)] {
                if !has(&needed) {
                    return Err(format!("{path} has no {needed}"));
                }
            }
            layout.keys.insert(kid.to_string());
        } else {
            return Err(unknown());
        }
    }
    if layout.signatures.is_empty() {
        return Err("the bundle holds no signature envelope".into());
    }
    let detail = format!(
        "{} files: the fixed ones, {} renditions, {} signature envelopes, {} keys, each with its \
         proof; no other file",
        bundle.files.len(),
        layout.renditions.len(),
        layout.signatures.len(),
        layout.keys.len()
    );
    Ok((layout, detail))
}

fn between<'p>(path: &'p str, prefix: &str, suffix: &str) -> Option<&'p str> {
    path.strip_prefix(prefix)?.strip_suffix(suffix)
}

/// `step<N>-<org_id>` → (N, org_id); N without leading zeros, org id a plain file name.
fn step_and_org(name: &str) -> Option<(u32, String)> {
    let (step, org_id) = name.strip_prefix("step")?.split_once('-')?;
    let n: u32 = step.parse().ok()?;
    (n >= 1 && n.to_string() == step && bundle::is_safe_path(org_id) && !org_id.contains('/'))
        .then(|| (n, org_id.to_string()))
}

fn is_key_id(kid: &str) -> bool {
    kid.len() == 32
        && kid
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn check_canonical(bundle: &Bundle) -> Result<(BTreeMap<String, TlogProof>, String), String> {
    let mut proofs = BTreeMap::new();
    let (mut json, mut pems) = (0, 0);
    for (path, bytes) in &bundle.files {
        if path.ends_with(".json") {
            if !is_canonical(bytes) {
                return Err(format!(
                    "{path} is not in canonical JSON form (RFC 8785, NFC strings)"
                ));
            }
            json += 1;
        } else if path.ends_with(".pem") {
            let text = std::str::from_utf8(bytes).map_err(|_| format!("{path} is not text"))?;
            let canonical = match PersonKey::from_spki_pem(text) {
                Ok(key) => key.spki_pem(),
                Err(_) => SealPublicKey::from_spki_pem(text)
                    .map_err(|_| format!("{path} holds no Ed25519 or SM2 public key"))?
                    .spki_pem(),
            };
            if canonical != text {
                return Err(format!(
                    "{path} is not the canonical PEM of the key it holds"
                ));
            }
            pems += 1;
        } else if path.ends_with(".tlog-proof") {
            let text = std::str::from_utf8(bytes).map_err(|_| format!("{path} is not text"))?;
            let proof = parse_proof(text).map_err(|e| format!("{path}: {e}"))?;
            proofs.insert(path.clone(), proof);
        }
    }
    let detail = format!(
        "{json} JSON files, {pems} keys and {} proofs are each in their one byte form",
        proofs.len()
    );
    Ok((proofs, detail))
}

/// Checks that `artefact`'s bytes are the leaf the proof at `proof_path` shows in the
/// checkpoint's tree; returns the leaf index.
fn include(
    proofs: &BTreeMap<String, TlogProof>,
    checkpoint: &Checkpoint,
    proof_path: &str,
    artefact: &str,
    bytes: &[u8],
) -> Result<u64, String> {
    let proof = proofs
        .get(proof_path)
        .ok_or_else(|| format!("{proof_path} is missing"))?;
    verify_inclusion(
        &leaf_hash(bytes),
        proof.index,
        checkpoint.size,
        &proof.hashes,
        &checkpoint.root,
    )
    .map_err(|e| format!("{artefact} is not in the log as {proof_path} claims: {e}"))?;
    Ok(proof.index)
}

fn check_policy(manifest: &Manifest, kind: &dyn AnyKind) -> Result<(), String> {
    let policy = &manifest.policy;
    if policy.intent != kind.intent() {
        return Err(format!(
            "the policy's intent is {:?}, not {:?} as for every {}",
            policy.intent,
            kind.intent(),
            kind.name()
        ));
    }
    if policy.steps.is_empty() || policy.steps.iter().any(Vec::is_empty) {
        return Err("the policy has no steps, or an empty step".into());
    }
    let mut seen = BTreeSet::new();
    let mut from_policy = BTreeSet::new();
    for (i, step) in policy.steps.iter().enumerate() {
        for org_id in step {
            if !seen.insert(org_id) {
                return Err(format!("the policy names organization {org_id} twice"));
            }
            if !bundle::is_safe_path(org_id) || org_id.contains('/') {
                return Err(format!(
                    "the policy names an unusable organization id {org_id:?}"
                ));
            }
            from_policy.insert((i as u32 + 1, org_id.clone()));
        }
    }
    let from_signers: BTreeSet<(u32, String)> = manifest
        .signers
        .iter()
        .map(|s| (s.step, s.org_id.clone()))
        .collect();
    if from_signers.len() != manifest.signers.len() || from_signers != from_policy {
        return Err("the manifest's signers are not exactly the policy's steps".into());
    }
    Ok(())
}

fn check_crdt_state(
    state: &[u8],
    content: &Value,
    content_bytes: &[u8],
    manifest: &Manifest,
    kind: &dyn AnyKind,
) -> Result<((), String), String> {
    let sha256 = sha256_hex(state);
    if sha256 != manifest.crdt_state_sha256 {
        return Err(format!(
            "crdt-state.bin has SHA-256 {sha256}, the manifest names {}",
            manifest.crdt_state_sha256
        ));
    }
    // A bundle comes from anyone (`POST /api/verify`): its bytes are scanned before yrs
    // decodes them, which would reserve memory for declared counts and recurse without limit.
    let named = STANDARD
        .decode(&manifest.state_vector)
        .ok()
        .filter(|bytes| collab::guard::check_state_vector_v1(bytes).is_ok())
        .and_then(|bytes| StateVector::decode_v1(&bytes).ok())
        .ok_or("the manifest's state vector is not a base64 yrs state vector")?;
    collab::guard::check_update_v1(state)
        .map_err(|e| format!("crdt-state.bin is not a yrs v1 update ({e})"))?;
    let update = Update::decode_v1(state)
        .map_err(|e| format!("crdt-state.bin is not a yrs v1 update ({e})"))?;
    let doc = Doc::with_client_id(1);
    {
        let mut txn = doc.transact_mut();
        txn.apply_update(update)
            .map_err(|e| format!("crdt-state.bin cannot be applied ({e})"))?;
    }
    if doc.transact().state_vector() != named {
        return Err("crdt-state.bin's state vector is not the one the manifest names".into());
    }

    // The facts (the meeting, the dispute) are read back from content.json; the document's
    // part is projected anew. Together they must give content.json, byte for byte.
    let projected = kind
        .reproject(state, content)
        .map_err(|e| format!("crdt-state.bin cannot be projected as {}: {e}", kind.name()))?;
    if to_canonical(&projected) != content_bytes {
        let differs: Vec<&String> = projected
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(name, value)| content.get(name.as_str()) != Some(*value))
            .map(|(name, _)| name)
            .collect();
        return Err(format!(
            "projecting crdt-state.bin does not give content.json (it differs in {})",
            if differs.is_empty() {
                "members content.json has and the projection does not".to_string()
            } else {
                differs
                    .iter()
                    .map(|name| name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ));
    }
    let lists: Vec<String> = projected
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(name, value)| Some(format!("{name} ({})", value.as_array()?.len())))
        .collect();
    Ok((
        (),
        format!(
            "crdt-state.bin has the SHA-256 and state vector the manifest names, and projects \
             as {} to exactly content.json: {}",
            kind.name(),
            lists.join(", ")
        ),
    ))
}

fn check_key(
    kid: &str,
    bundle: &Bundle,
    included: &impl Fn(&str, &str) -> Result<u64, String>,
) -> Result<BoundKey, String> {
    let pem_path = bundle::key_pem_path(kid);
    let binding_path = bundle::key_binding_path(kid);
    let binding = KeyBinding::parse(&bundle.files[&binding_path])
        .map_err(|e| format!("{binding_path}: {e}"))?;
    if binding.key_id != kid {
        return Err(format!("{binding_path} binds key {}", binding.key_id));
    }
    let pem = std::str::from_utf8(&bundle.files[&pem_path]).unwrap_or_default();
    let (key, spki) =
        match (binding.algorithm.as_str(), binding.purpose.as_str()) {
            ("ed25519", "person") if binding.user_id.is_some() => {
                let key = PersonKey::from_spki_pem(pem).map_err(|e| format!("{pem_path}: {e}"))?;
                let spki = key.spki_der();
                (PublicKey::Person(key), spki)
            }
            ("sm2", "seal") => {
                let key =
                    SealPublicKey::from_spki_pem(pem).map_err(|e| format!("{pem_path}: {e}"))?;
                let spki = key.spki_der();
                (PublicKey::Seal(key), spki)
            }
            (algorithm, purpose) => {
                return Err(format!(
                "{binding_path} binds an {algorithm} key for {purpose}{}, which signed documents do not use",
                if binding.user_id.is_none() { " without a person" } else { "" }
            ))
            }
        };
    if STANDARD.encode(&spki) != binding.spki {
        return Err(format!("{pem_path} is not the key {binding_path} binds"));
    }
    if key_id(&spki) != kid {
        return Err(format!(
            "{pem_path} has key id {}, not {kid}",
            key_id(&spki)
        ));
    }
    let index = included(&bundle::key_proof_path(kid), &binding_path)?;
    Ok(BoundKey {
        binding,
        key,
        index,
    })
}

fn check_envelope(
    (step, org_id, path): (u32, &str, &str),
    bytes: &[u8],
    (manifest, kind): (&Manifest, &dyn AnyKind),
    manifest_bytes: &[u8],
    keys: &BTreeMap<String, BoundKey>,
    included: &impl Fn(&str, &str) -> Result<u64, String>,
) -> Result<Signed, String> {
    let envelope = Envelope::parse(bytes).map_err(|e| format!("{path}: {e}"))?;
    if envelope.payload_type != kind.payload_type() {
        return Err(format!(
            "{path} carries {:?}, not a signature on {} ({:?})",
            envelope.payload_type,
            kind.name(),
            kind.payload_type()
        ));
    }
    let payload = envelope
        .payload_bytes()
        .map_err(|e| format!("{path}: {e}"))?;
    let statement = Statement::parse(&payload).map_err(|e| format!("{path}: {e}"))?;
    if statement.manifest_sha256 != sha256_hex(manifest_bytes)
        || statement.manifest_sm3 != sm3_hex(manifest_bytes)
    {
        return Err(format!("{path} signs another manifest"));
    }
    if statement.step != step || statement.org_id != org_id {
        return Err(format!(
            "{path} holds the statement of step {} by {}",
            statement.step, statement.org_id
        ));
    }
    let in_policy = manifest
        .policy
        .steps
        .get(step as usize - 1)
        .is_some_and(|orgs| orgs.iter().any(|o| o == org_id));
    if !in_policy {
        return Err(format!(
            "{path}: the policy does not name {org_id} at step {step}"
        ));
    }
    if statement.intent != manifest.policy.intent {
        return Err(format!(
            "{path} states intent {:?}, the policy asks for {:?}",
            statement.intent, manifest.policy.intent
        ));
    }
    let [person_id, seal_id] = &statement.key_ids[..] else {
        return Err(format!(
            "{path} names {} keys, not a person key and a seal",
            statement.key_ids.len()
        ));
    };
    let mut signers: Vec<&str> = envelope
        .signatures
        .iter()
        .map(|s| s.keyid.as_str())
        .collect();
    signers.sort_unstable();
    let mut named = vec![person_id.as_str(), seal_id.as_str()];
    named.sort_unstable();
    if signers != named {
        return Err(format!(
            "{path} is not signed exactly once by each key its statement names"
        ));
    }
    let pae = envelope.pae().map_err(|e| format!("{path}: {e}"))?;
    let index = included(&bundle::signature_proof_path(step, org_id), path)?;
    if person_id == seal_id {
        return Err(format!("{path} names one key as both person key and seal"));
    }
    for (kid, is_person) in [(person_id, true), (seal_id, false)] {
        let bound = keys
            .get(kid)
            .ok_or_else(|| format!("{path} is signed by key {kid}, which the bundle lacks"))?;
        let sig = envelope
            .signatures_by(kid)
            .map_err(|e| format!("{path}: {e}"))?
            .remove(0);
        let binding = &bound.binding;
        if binding.org_id != org_id {
            return Err(format!("{path}: key {kid} is bound to {}", binding.org_id));
        }
        match (&bound.key, is_person) {
            (PublicKey::Person(key), true) => {
                if binding.user_id.as_deref() != Some(statement.signer.as_str()) {
                    return Err(format!(
                        "{path}: key {kid} is not bound to the signer {}",
                        statement.signer
                    ));
                }
                key.verify(&pae, &sig).map_err(|e| format!("{path}: {e}"))?;
            }
            (PublicKey::Seal(key), false) => {
                key.verify(&pae, &sig).map_err(|e| format!("{path}: {e}"))?;
            }
            _ => {
                return Err(format!(
                    "{path}: key {kid} is not of the kind its place in key_ids says"
                ))
            }
        }
        if bound.index >= index {
            return Err(format!(
                "{path}: key {kid} was bound (entry {}) after the signature was logged (entry {index})",
                bound.index
            ));
        }
    }
    Ok(Signed {
        statement,
        payload,
        envelope_sha256: sha256_hex(bytes),
        index,
    })
}

fn check_order(
    manifest: &Manifest,
    signed: &BTreeMap<(u32, String), Signed>,
) -> Result<((), String), String> {
    let mut previous: Option<Vec<&Signed>> = None;
    for (i, orgs) in manifest.policy.steps.iter().enumerate() {
        let step = i as u32 + 1;
        let mut this = Vec::new();
        for org_id in orgs {
            let envelope = signed
                .get(&(step, org_id.clone()))
                .ok_or_else(|| format!("{org_id} has not signed step {step}"))?;
            this.push(envelope);
        }
        let payloads: Vec<&[u8]> = previous
            .iter()
            .flatten()
            .map(|s| s.payload.as_slice())
            .collect();
        let want = prev_of(&payloads);
        for envelope in &this {
            if envelope.statement.prev != want {
                return Err(format!(
                    "the statement of {} at step {step} does not name exactly the statements \
                     of step {} as prev",
                    envelope.statement.org_id,
                    step - 1
                ));
            }
            if let Some(before) = previous
                .iter()
                .flatten()
                .find(|p| p.index >= envelope.index)
            {
                return Err(format!(
                    "{} signed step {step} (entry {}) before {} finished step {} (entry {})",
                    envelope.statement.org_id,
                    envelope.index,
                    before.statement.org_id,
                    step - 1,
                    before.index
                ));
            }
        }
        previous = Some(this);
    }
    let count: usize = manifest.policy.steps.iter().map(Vec::len).sum();
    if signed.len() != count {
        return Err("the bundle holds a signature the policy does not ask for".into());
    }
    Ok((
        (),
        format!(
            "every one of the {count} signers signed once, in {} steps; each step's statements \
             name the previous step's and were logged after them",
            manifest.policy.steps.len()
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::dsse;
    use crate::signing::keys::{PersonSigner, SealKey};
    use crate::signing::kind::tests::samples;
    use crate::signing::kind::{Frozen, SignedKind};
    use crate::signing::kinds::dispute_decision::DisputeDecision;
    use crate::signing::kinds::minutes::Minutes;
    use crate::signing::merkle;
    use crate::signing::note::{format_proof, LogSigner};
    use crate::signing::statement::{
        KeyBinding, Statement, ARCHIVE_TYPE, COMPLETION_TYPE, KEY_BINDING_TYPE, MANIFEST_SCHEMA_V1,
    };

    const ORG: &str = "org-bureau";

    /// The log being written: each artefact's leaf and the proof path it gets.
    #[derive(Default)]
    struct Log {
        leaves: Vec<merkle::Hash>,
        proofs: Vec<(String, u64)>,
    }

    impl Log {
        fn append(&mut self, bytes: &[u8], proof_path: String) {
            self.leaves.push(merkle::leaf_hash(bytes));
            self.proofs.push((proof_path, self.leaves.len() as u64 - 1));
        }
    }

    /// A complete bundle of `frozen` (signed by [`ORG`] alone, at step 1), whose statement
    /// claims `signing_kind`'s intent and payload type.
    fn bundle_of(
        frozen: &Frozen,
        state: &[u8],
        signing_kind: &dyn AnyKind,
    ) -> (Bundle, LogVerifier) {
        let (person, seal) = (PersonSigner::generate(), SealKey::generate());
        let mut files = BTreeMap::new();
        let mut log = Log::default();
        let keys = [
            (
                person.public().key_id(),
                person.public().spki_pem(),
                person.public().spki_der(),
                true,
            ),
            (
                seal.public().key_id(),
                seal.public().spki_pem(),
                seal.public().spki_der(),
                false,
            ),
        ];
        for (kid, pem, spki, is_person) in &keys {
            let binding = KeyBinding {
                r#type: KEY_BINDING_TYPE.into(),
                key_id: kid.clone(),
                algorithm: if *is_person { "ed25519" } else { "sm2" }.into(),
                purpose: if *is_person { "person" } else { "seal" }.into(),
                spki: STANDARD.encode(spki),
                user_id: is_person.then(|| "user-1".to_owned()),
                org_id: ORG.into(),
                bound_at: "2026-03-01T08:00:00Z".into(),
                user_name: is_person.then(|| "张三".to_owned()),
                org_name: Some("上城区市场监督管理局".into()),
            }
            .to_bytes();
            log.append(&binding, bundle::key_proof_path(kid));
            files.insert(bundle::key_pem_path(kid), pem.clone().into_bytes());
            files.insert(bundle::key_binding_path(kid), binding);
        }

        log.append(&frozen.manifest_bytes, bundle::MANIFEST_PROOF.into());
        files.insert(bundle::MANIFEST.into(), frozen.manifest_bytes.clone());
        files.insert(bundle::CONTENT.into(), frozen.content.clone());
        files.insert(bundle::CRDT_STATE.into(), state.to_vec());
        files.insert(
            frozen.manifest.renditions[0].path.clone(),
            frozen.rendition.clone(),
        );

        let payload = Statement {
            manifest_sha256: sha256_hex(&frozen.manifest_bytes),
            manifest_sm3: sm3_hex(&frozen.manifest_bytes),
            step: 1,
            org_id: ORG.into(),
            signer: "user-1".into(),
            key_ids: vec![keys[0].0.clone(), keys[1].0.clone()],
            intent: signing_kind.intent().into(),
            prev: Vec::new(),
            claimed_time: "2026-03-03T09:00:00Z".into(),
        }
        .to_bytes();
        let pae = dsse::pae(signing_kind.payload_type(), &payload);
        let mut envelope = Envelope::new(signing_kind.payload_type(), &payload);
        envelope.add_signature(&keys[0].0, &person.sign(&pae));
        envelope.add_signature(&keys[1].0, &seal.sign(&pae));
        let envelope = envelope.to_bytes();
        log.append(&envelope, bundle::signature_proof_path(1, ORG));
        let completion = Completion {
            r#type: COMPLETION_TYPE.into(),
            manifest_sha256: sha256_hex(&frozen.manifest_bytes),
            statements: vec![sha256_hex(&envelope)],
            completed_at: "2026-03-04T00:00:00Z".into(),
        }
        .to_bytes();
        files.insert(bundle::signature_path(1, ORG), envelope);
        log.append(&completion, bundle::COMPLETION_PROOF.into());
        files.insert(bundle::COMPLETION.into(), completion.clone());

        let signer = LogSigner::new("log.test/concord", LogSigner::generate_secret());
        files.insert(
            bundle::TRUST.into(),
            Trust::for_log(&signer.verifier()).to_bytes(),
        );
        let archive = ArchiveRecord {
            r#type: ARCHIVE_TYPE.into(),
            manifest_sha256: sha256_hex(&frozen.manifest_bytes),
            completion_sha256: sha256_hex(&completion),
            files: files
                .iter()
                .map(|(path, bytes)| (path.clone(), sha256_hex(bytes)))
                .collect(),
            archived_at: "2026-03-05T00:00:00Z".into(),
        }
        .to_bytes();
        log.append(&archive, bundle::ARCHIVE_PROOF.into());
        files.insert(bundle::ARCHIVE.into(), archive);

        let note = signer.sign(&Checkpoint {
            origin: "log.test/concord".into(),
            size: log.leaves.len() as u64,
            root: merkle::root(&log.leaves),
        });
        for (path, index) in &log.proofs {
            let proof = merkle::inclusion_proof(*index, &log.leaves);
            files.insert(
                path.clone(),
                format_proof(*index, &proof, &note).into_bytes(),
            );
        }
        (Bundle { files }, signer.verifier())
    }

    /// `frozen` with its manifest changed and written again.
    fn with_manifest(frozen: &Frozen, change: impl FnOnce(&mut Manifest)) -> Frozen {
        let mut frozen = frozen.clone();
        change(&mut frozen.manifest);
        frozen.manifest_bytes = frozen.manifest.to_bytes();
        frozen
    }

    fn failure(report: &Report) -> &Failure {
        report
            .failure
            .as_ref()
            .unwrap_or_else(|| panic!("verified, but should not:\n{}", report.render()))
    }

    #[test]
    fn a_bundle_of_every_kind_passes_the_same_checks() {
        for (kind, frozen, state) in samples() {
            let (bundle, log) = bundle_of(&frozen, &state, kind);

            let report = verify(&bundle, Some(&log));

            assert!(
                report.is_verified(),
                "{}:\n{}",
                kind.name(),
                report.render()
            );
            assert_eq!(report.passed.len(), 14, "{}", report.render());
            let manifest = &report.passed[4];
            assert_eq!(manifest.name, checks::MANIFEST);
            assert!(
                manifest
                    .detail
                    .starts_with(&format!("{} ({})", kind.name(), kind.schema())),
                "{}",
                manifest.detail
            );
            assert!(bundle.files.contains_key(kind.rendition()));
        }
    }

    #[test]
    fn a_manifest_of_one_kind_presented_as_another_fails() {
        let samples = samples();
        let (_, minutes, minutes_state) = &samples[0];
        let (_, decision, decision_state) = &samples[1];
        // Everything consistently re-signed as a decision but the content, which is minutes.
        let minutes_as_decision = with_manifest(minutes, |m| {
            m.kind = DisputeDecision::SCHEMA.into();
            m.policy.intent = DisputeDecision::INTENT.into();
        });
        let decision_as_minutes = with_manifest(decision, |m| {
            m.kind = Minutes::SCHEMA.into();
            m.policy.intent = Minutes::INTENT.into();
        });

        for (frozen, state, signing_kind) in [
            (
                &minutes_as_decision,
                minutes_state,
                &DisputeDecision as &dyn AnyKind,
            ),
            (&decision_as_minutes, decision_state, &Minutes),
        ] {
            let (bundle, log) = bundle_of(frozen, state, signing_kind);
            let report = verify(&bundle, Some(&log));
            let failure = failure(&report);
            assert_eq!(failure.check, checks::CONTENT, "{failure:?}");
            assert!(failure.reason.contains("the manifest says"), "{failure:?}");
        }
    }

    #[test]
    fn a_statement_signed_for_another_kind_fails_the_signatures() {
        let samples = samples();
        let (_, minutes, state) = &samples[0];

        let (bundle, log) = bundle_of(minutes, state, &DisputeDecision);
        let report = verify(&bundle, Some(&log));

        let failure = failure(&report);
        assert_eq!(failure.check, checks::SIGNATURES, "{failure:?}");
        assert!(
            failure.reason.contains("not a signature on minutes"),
            "{failure:?}"
        );
    }

    #[test]
    fn a_policy_with_another_kind_s_intent_fails_the_manifest() {
        let samples = samples();
        let (_, minutes, state) = &samples[0];
        let wrong_intent = with_manifest(minutes, |m| {
            m.policy.intent = DisputeDecision::INTENT.into();
        });

        let (bundle, log) = bundle_of(&wrong_intent, state, &DisputeDecision);
        let report = verify(&bundle, Some(&log));

        assert_eq!(failure(&report).check, checks::MANIFEST);
    }

    #[test]
    fn an_unknown_kind_fails_the_manifest_check_clearly() {
        let samples = samples();
        let (_, minutes, state) = &samples[0];
        let unknown = with_manifest(minutes, |m| {
            m.kind = "concord.case-library/1".into();
        });

        let (bundle, log) = bundle_of(&unknown, state, &Minutes);
        let report = verify(&bundle, Some(&log));

        let failure = failure(&report);
        assert_eq!(failure.check, checks::MANIFEST, "{failure:?}");
        assert!(
            failure.reason.contains("concord.case-library/1") && failure.reason.contains("unknown"),
            "{failure:?}"
        );
    }

    #[test]
    fn a_minutes_manifest_in_the_first_format_still_verifies() {
        let samples = samples();
        let (_, minutes, state) = &samples[0];
        let first_format = with_manifest(minutes, |m| m.schema = MANIFEST_SCHEMA_V1.into());
        assert!(!String::from_utf8_lossy(&first_format.manifest_bytes).contains("\"kind\""));

        let (bundle, log) = bundle_of(&first_format, state, &Minutes);
        let report = verify(&bundle, Some(&log));

        assert!(report.is_verified(), "{}", report.render());
        assert!(report.passed[4].detail.contains("first manifest format"));
    }

    #[test]
    fn a_rendition_the_manifest_does_not_bind_fails() {
        let samples = samples();
        let (_, minutes, state) = &samples[0];
        let (mut bundle, log) = bundle_of(minutes, state, &Minutes);
        bundle.files.insert(
            DisputeDecision::RENDITION.into(),
            b"<p>unsigned</p>".to_vec(),
        );

        let report = verify(&bundle, Some(&log));

        let failure = failure(&report);
        assert_eq!(failure.check, checks::RENDITIONS, "{failure:?}");
        assert!(failure.reason.contains("decision.html"), "{failure:?}");
    }

    #[test]
    fn content_that_the_state_does_not_project_to_fails_the_crdt_state_check() {
        // Content whose facts differ from what the state gives is caught by hashes first; here
        // the manifest binds a content.json of the same facts but another document.
        let samples = samples();
        let (kind, minutes, _) = &samples[0];
        let other_state = {
            let doc = crate::signing::kind::tests::minutes_doc();
            {
                let body = doc.get_or_insert_xml_fragment("body");
                let mut txn = doc.transact_mut();
                yrs::XmlFragment::push_back(
                    &body,
                    &mut txn,
                    yrs::XmlElementPrelim::empty("paragraph"),
                );
            }
            crate::signing::kind::tests::state_of(&doc).0
        };
        let state_vector = {
            let update = Update::decode_v1(&other_state).unwrap();
            let doc = Doc::new();
            doc.transact_mut().apply_update(update).unwrap();
            let vector = doc.transact().state_vector();
            STANDARD.encode(yrs::updates::encoder::Encode::encode_v1(&vector))
        };
        let mismatched = with_manifest(minutes, |m| {
            m.crdt_state_sha256 = sha256_hex(&other_state);
            m.state_vector = state_vector;
        });

        let (bundle, log) = bundle_of(&mismatched, &other_state, *kind);
        let report = verify(&bundle, Some(&log));

        let failure = failure(&report);
        assert_eq!(failure.check, checks::CRDT_STATE, "{failure:?}");
        assert!(failure.reason.contains("body"), "{failure:?}");
    }

    #[test]
    fn the_first_minutes_bundle_verifies_and_reads_as_minutes() {
        let zip = include_bytes!("../../../tests/fixtures/bundles/minutes-v1.zip");
        let bundle = Bundle::from_zip(zip).unwrap();

        let report = verify(&bundle, None);

        assert!(report.is_verified(), "{}", report.render());
        assert!(
            report.passed[4]
                .detail
                .starts_with("minutes (concord.minutes/1, first manifest format)"),
            "{}",
            report.passed[4].detail
        );
    }
}
