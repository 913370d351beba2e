//! The records that are signed or logged: the manifest, the signature statements, key
//! bindings and revocations, completion, reopening and archive records.
//!
//! Each record is a plain serde struct whose field names are exactly those of SIGNING.md, and
//! whose one byte form is RFC 8785 with NFC strings ([`super::canonical`]): `to_bytes` writes
//! it, `parse` reads it back and refuses any other spelling, so that the bytes a verifier
//! hashes are the only bytes the record can have. Optional fields are written as `null`,
//! never left out, for the same reason.
//!
//! The manifest alone has two formats (`docs/bundle.md`): `concord.manifest/2`, which names
//! the document's kind and subject, and `concord.manifest/1`, the minutes manifests written
//! before kinds existed, which every version reads as minutes.
//!
//! This module never signs, hashes anything but a record's own bytes ([`prev_of`]), or
//! checks a record against another one: that is [`super::verify`]'s job.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::canonical::{sha256_hex, to_canonical};
use super::SigningError;

/// The `schema` of every [`Manifest`] written now.
pub const MANIFEST_SCHEMA: &str = "concord.manifest/2";
/// The `schema` of the manifests of minutes frozen before signed documents had kinds: no
/// `kind` member (always minutes), the meeting named by `meeting_id`. Read forever, written
/// only where a caller still asks for it.
pub const MANIFEST_SCHEMA_V1: &str = "concord.manifest/1";
/// The `type` of every [`KeyBinding`] written now: with the names of the person and the body
/// as they were when the key was bound.
pub const KEY_BINDING_TYPE: &str = "concord.key-binding/2";
/// The `type` of the key bindings written before they named anyone: ids only, no
/// `user_name` or `org_name` members. Read so forever.
pub const KEY_BINDING_TYPE_V1: &str = "concord.key-binding/1";
/// The `type` of a [`KeyRevocation`].
pub const KEY_REVOCATION_TYPE: &str = "concord.key-revocation/1";
/// The `type` of a [`Completion`].
pub const COMPLETION_TYPE: &str = "concord.completion/1";
/// The `type` of a [`Reopen`].
pub const REOPEN_TYPE: &str = "concord.reopen/1";
/// The `type` of an [`ArchiveRecord`].
pub const ARCHIVE_TYPE: &str = "concord.archive/1";
/// The `type` of an [`AuditAnchor`].
pub const AUDIT_ANCHOR_TYPE: &str = "concord.audit-anchor/1";
/// The intent of a signature on minutes, in [`Statement::intent`] and [`Policy::intent`]
/// (the minutes kind's `SignedKind::INTENT`).
pub const APPROVE_MINUTES: &str = "approve-minutes";
/// The content schema of minutes: the only kind a [`MANIFEST_SCHEMA_V1`] manifest can be, so
/// reading one fills in this kind (the minutes kind's `SignedKind::SCHEMA`).
pub const MINUTES_SCHEMA: &str = "concord.minutes/1";

/// A time as every signed record writes it: RFC 3339 UTC, to the second.
pub fn rfc3339(ms: i64) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

/// What the signatories sign: the kind and hashes of the frozen document and who must sign it
/// in which order.
///
/// Its bytes are `concord.manifest/2` ([`MANIFEST_SCHEMA`]), or `concord.manifest/1`
/// ([`MANIFEST_SCHEMA_V1`]) when `schema` says so: then `kind` is not written (it must be
/// minutes) and `subject_id` is written `meeting_id`, exactly as before kinds existed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// [`MANIFEST_SCHEMA`], or [`MANIFEST_SCHEMA_V1`] for a minutes manifest of the first
    /// format.
    pub schema: String,
    /// The kind of document: the schema of its `content.json` (`concord.minutes/1`); see
    /// [`super::kinds::of_manifest`].
    pub kind: String,
    /// The matter the document belongs to: the meeting of minutes, the dispute of a decision.
    pub subject_id: String,
    /// The co-edited document's id.
    pub doc_id: String,
    /// 1 for the first frozen version; a reopened document's next freeze is one more.
    pub version: u32,
    pub title: String,
    /// Digests of `content.json`'s bytes.
    pub content_sha256: String,
    pub content_sm3: String,
    /// SHA-256 of `crdt-state.bin` (the raw CRDT state at freeze), kept so the projection can
    /// be redone; it is not what is approved.
    pub crdt_state_sha256: String,
    /// The CRDT state vector at freeze, base64 (standard, padded).
    pub state_vector: String,
    /// Renditions for people, each bound by its hashes.
    pub renditions: Vec<Rendition>,
    /// Every organization that must sign, with its step.
    pub signers: Vec<Signer>,
    pub policy: Policy,
    /// The SHA-256 hex of the manifest this version corrects, if any.
    pub supersedes: Option<String>,
}

/// A file derived from the content for people to read (`minutes.html`, `decision.html`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rendition {
    /// The path inside the bundle, e.g. `"minutes.html"`.
    pub path: String,
    pub media_type: String,
    pub sha256: String,
    pub sm3: String,
}

/// One organization that must sign, at a given step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signer {
    pub step: u32,
    pub org_id: String,
    /// The organization's name when the document was frozen.
    pub org_name: String,
    /// Why it signs (e.g. `"convener"`, `"participant"`).
    pub role: String,
}

/// The signing order: steps one after the other, the organizations of a step in parallel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Organization ids per step, step 1 first.
    pub steps: Vec<Vec<String>>,
    /// The kind's intent ([`APPROVE_MINUTES`] for minutes).
    pub intent: String,
}

/// One organization's signature statement: the payload of its DSSE envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// Digests of the manifest's bytes.
    pub manifest_sha256: String,
    pub manifest_sm3: String,
    pub step: u32,
    pub org_id: String,
    /// The user id of the person who signed for the organization.
    pub signer: String,
    /// `[person key id, seal key id]`.
    pub key_ids: Vec<String>,
    /// The kind's intent, as in the manifest's policy ([`APPROVE_MINUTES`] for minutes).
    pub intent: String,
    /// [`prev_of`] the previous step's statements; empty for step 1. This binds the order.
    pub prev: Vec<String>,
    /// When the signer says it signed (RFC 3339 UTC); the log, not this, proves the order.
    pub claimed_time: String,
}

/// prev for step n: sorted SHA-256 hex of the payload bytes of every statement of step n-1.
pub fn prev_of(previous_step_payloads: &[&[u8]]) -> Vec<String> {
    let mut prev: Vec<String> = previous_step_payloads
        .iter()
        .map(|payload| sha256_hex(payload))
        .collect();
    prev.sort();
    prev
}

/// The logged statement that a public key belongs to a person (or is an organization's seal).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyBinding {
    /// Always [`KEY_BINDING_TYPE`].
    pub r#type: String,
    pub key_id: String,
    /// `"ed25519"` or `"sm2"`.
    pub algorithm: String,
    /// `"person"` or `"seal"`.
    pub purpose: String,
    /// The SubjectPublicKeyInfo, DER, base64 (standard, padded).
    pub spki: String,
    /// The person, for a person key; none for a seal.
    pub user_id: Option<String>,
    pub org_id: String,
    /// RFC 3339 UTC.
    pub bound_at: String,
    /// The person's display name when the key was bound (a person key of a
    /// [`KEY_BINDING_TYPE`] binding); none for a seal, and absent from a
    /// [`KEY_BINDING_TYPE_V1`] binding.
    #[serde(default)]
    pub user_name: Option<String>,
    /// The body's Chinese name when the key was bound (every [`KEY_BINDING_TYPE`] binding);
    /// absent from a [`KEY_BINDING_TYPE_V1`] binding.
    #[serde(default)]
    pub org_name: Option<String>,
}

/// The logged statement that a key no longer counts from `revoked_at` on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyRevocation {
    /// Always [`KEY_REVOCATION_TYPE`].
    pub r#type: String,
    pub key_id: String,
    pub revoked_at: String,
    pub reason: String,
}

/// The logged record that every required statement of a manifest is present.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Completion {
    /// Always [`COMPLETION_TYPE`].
    pub r#type: String,
    pub manifest_sha256: String,
    /// SHA-256 hex of each envelope's bytes, sorted.
    pub statements: Vec<String>,
    pub completed_at: String,
}

/// The logged record that a frozen version was sent back to drafting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reopen {
    /// Always [`REOPEN_TYPE`].
    pub r#type: String,
    pub manifest_sha256: String,
    pub by_org_id: String,
    pub by_user_id: String,
    pub reason: String,
    pub at: String,
}

/// The logged record of an exported archive bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchiveRecord {
    /// Always [`ARCHIVE_TYPE`].
    pub r#type: String,
    pub manifest_sha256: String,
    pub completion_sha256: String,
    /// Path → SHA-256 hex of every bundle file except `proofs/` and `archive.json`.
    pub files: BTreeMap<String, String>,
    pub archived_at: String,
}

/// The logged record of the audit trail's newest row when it was anchored: its seq and its
/// chain hash. Once the leaf is in the log (and anyone holds a checkpoint covering it), the
/// trail can no longer lose rows up to `seq`, nor be rewritten before it, unnoticed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditAnchor {
    /// Always [`AUDIT_ANCHOR_TYPE`].
    pub r#type: String,
    /// The anchored row's `seq`.
    pub seq: i64,
    /// The anchored row's `hash` (lowercase hex SHA-256 of the chain, `db::audit::chain_hash`).
    pub hash: String,
    pub anchored_at: String,
}

/// Gives a record its `to_bytes` and `parse`. With a tag, `parse` also requires the named
/// field (`schema` or `type`) to hold the constant, so that one kind of record is never read
/// as another.
macro_rules! canonical_record {
    ($record:ty, $what:literal) => {
        canonical_record!($record, $what, |_record: &$record| Ok(()));
    };
    ($record:ty, $what:literal, $field:ident == $tag:expr) => {
        canonical_record!($record, $what, |record: &$record| {
            if record.$field == $tag {
                Ok(())
            } else {
                Err(SigningError::malformed(
                    $what,
                    format!(
                        "its {} is `{}`, not `{}`",
                        stringify!($field).trim_start_matches("r#"),
                        record.$field,
                        $tag
                    ),
                ))
            }
        });
    };
    ($record:ty, $what:literal, $check:expr) => {
        impl $record {
            /// The record's one byte form: RFC 8785 with NFC strings. These are the bytes
            /// that are signed, logged, hashed and stored.
            pub fn to_bytes(&self) -> Vec<u8> {
                record_bytes(self)
            }

            /// Reads the record from its bytes, refusing any bytes that are not exactly
            /// its canonical form.
            pub fn parse(bytes: &[u8]) -> Result<Self, SigningError> {
                let record: Self = parse_record($what, bytes)?;
                let check: fn(&Self) -> Result<(), SigningError> = $check;
                check(&record)?;
                Ok(record)
            }
        }
    };
}

canonical_record!(Statement, "the signature statement");
impl KeyBinding {
    /// The binding's one byte form: RFC 8785 with NFC strings, in the format its `type`
    /// names (a [`KEY_BINDING_TYPE_V1`] binding has no name members at all). These are the
    /// bytes that are logged, hashed and stored.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut value = serde_json::to_value(self).expect("a key binding always serializes");
        if self.r#type == KEY_BINDING_TYPE_V1 {
            if let Value::Object(members) = &mut value {
                members.remove("user_name");
                members.remove("org_name");
            }
        }
        to_canonical(&value)
    }

    /// Reads a binding of either format from its bytes, refusing any bytes that are not
    /// exactly its canonical form, and a `concord.key-binding/2` without the names it must
    /// carry (the body's always, the person's for a person key and only then).
    pub fn parse(bytes: &[u8]) -> Result<KeyBinding, SigningError> {
        const WHAT: &str = "the key binding";
        let binding: KeyBinding = serde_json::from_slice(bytes)
            .map_err(|error| SigningError::malformed(WHAT, error.to_string()))?;
        if binding.to_bytes() != bytes {
            return Err(SigningError::not_canonical(WHAT));
        }
        let named = match binding.r#type.as_str() {
            KEY_BINDING_TYPE => {
                binding.org_name.is_some()
                    && binding.user_name.is_some() == (binding.purpose == "person")
            }
            KEY_BINDING_TYPE_V1 => true,
            other => {
                return Err(SigningError::malformed(
                    WHAT,
                    format!(
                    "its type is `{other}`, not `{KEY_BINDING_TYPE}` or `{KEY_BINDING_TYPE_V1}`"
                ),
                ))
            }
        };
        if !named {
            return Err(SigningError::malformed(
                WHAT,
                "it must name the body (org_name), and the person (user_name) exactly when it binds a person's key",
            ));
        }
        Ok(binding)
    }
}
canonical_record!(
    KeyRevocation,
    "the key revocation",
    r#type == KEY_REVOCATION_TYPE
);
canonical_record!(
    Completion,
    "the completion record",
    r#type == COMPLETION_TYPE
);
canonical_record!(Reopen, "the reopen record", r#type == REOPEN_TYPE);
canonical_record!(ArchiveRecord, "the archive record", r#type == ARCHIVE_TYPE);
canonical_record!(AuditAnchor, "the audit anchor", r#type == AUDIT_ANCHOR_TYPE);

fn record_bytes<R: Serialize>(record: &R) -> Vec<u8> {
    // Records hold only strings, integers, lists and string-keyed maps: they always turn into
    // JSON.
    let value = serde_json::to_value(record).expect("a record always serializes to JSON");
    to_canonical(&value)
}

fn parse_record<R: Serialize + DeserializeOwned>(
    what: &str,
    bytes: &[u8],
) -> Result<R, SigningError> {
    let record: R = serde_json::from_slice(bytes)
        .map_err(|error| SigningError::malformed(what, error.to_string()))?;
    if record_bytes(&record) != bytes {
        return Err(SigningError::not_canonical(what));
    }
    Ok(record)
}

impl Manifest {
    /// The manifest's one byte form: RFC 8785 with NFC strings, in the format its `schema`
    /// names. These are the bytes that are signed, logged, hashed and stored.
    ///
    /// A `concord.manifest/1` of another kind than minutes cannot exist; asked for one, this
    /// writes its `kind` anyway, which [`Manifest::parse`] then refuses.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut value = serde_json::to_value(self).expect("a manifest always serializes to JSON");
        if self.schema == MANIFEST_SCHEMA_V1 {
            if let Value::Object(members) = &mut value {
                if self.kind == MINUTES_SCHEMA {
                    members.remove("kind");
                }
                if let Some(subject) = members.remove("subject_id") {
                    members.insert("meeting_id".into(), subject);
                }
            }
        }
        to_canonical(&value)
    }

    /// Reads a manifest of either format from its bytes, refusing any bytes that are not
    /// exactly its canonical form. A `concord.manifest/1` reads as minutes, its `meeting_id`
    /// as the subject. An unknown `kind` is read (the manifest is well formed); using it is
    /// refused by [`super::kinds::of_manifest`].
    pub fn parse(bytes: &[u8]) -> Result<Manifest, SigningError> {
        const WHAT: &str = "the manifest";
        let mut value: Value = serde_json::from_slice(bytes)
            .map_err(|error| SigningError::malformed(WHAT, error.to_string()))?;
        let Value::Object(members) = &mut value else {
            return Err(SigningError::malformed(WHAT, "it is not a JSON object"));
        };
        match members.get("schema").and_then(Value::as_str) {
            Some(MANIFEST_SCHEMA) => {}
            Some(MANIFEST_SCHEMA_V1) => {
                if members.contains_key("kind") || members.contains_key("subject_id") {
                    return Err(SigningError::malformed(
                        WHAT,
                        format!(
                            "a {MANIFEST_SCHEMA_V1} has no `kind` or `subject_id`: it is always \
                             minutes, of the meeting `meeting_id`"
                        ),
                    ));
                }
                let Some(meeting) = members.remove("meeting_id") else {
                    return Err(SigningError::malformed(
                        WHAT,
                        format!("a {MANIFEST_SCHEMA_V1} needs `meeting_id`"),
                    ));
                };
                members.insert("subject_id".into(), meeting);
                members.insert("kind".into(), Value::String(MINUTES_SCHEMA.into()));
            }
            other => {
                return Err(SigningError::malformed(
                    WHAT,
                    format!(
                        "its schema is `{}`, not `{MANIFEST_SCHEMA}` or `{MANIFEST_SCHEMA_V1}`",
                        other.unwrap_or("(none)")
                    ),
                ))
            }
        }
        let manifest: Manifest = serde_json::from_value(value)
            .map_err(|error| SigningError::malformed(WHAT, error.to_string()))?;
        if manifest.to_bytes() != bytes {
            return Err(SigningError::not_canonical(WHAT));
        }
        Ok(manifest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::canonical::is_canonical;

    fn manifest() -> Manifest {
        Manifest {
            schema: MANIFEST_SCHEMA.into(),
            kind: MINUTES_SCHEMA.into(),
            subject_id: "m-1".into(),
            doc_id: "d-1".into(),
            version: 2,
            title: "2026 年度协调会议纪要".into(),
            content_sha256: "aa".repeat(32),
            content_sm3: "bb".repeat(32),
            crdt_state_sha256: "cc".repeat(32),
            state_vector: "AQID".into(),
            renditions: vec![Rendition {
                path: "minutes.html".into(),
                media_type: "text/html; charset=utf-8".into(),
                sha256: "dd".repeat(32),
                sm3: "ee".repeat(32),
            }],
            signers: vec![
                Signer {
                    step: 1,
                    org_id: "org-bureau".into(),
                    org_name: "市司法局".into(),
                    role: "convener".into(),
                },
                Signer {
                    step: 2,
                    org_id: "org-court".into(),
                    org_name: "市中级人民法院".into(),
                    role: "participant".into(),
                },
            ],
            policy: Policy {
                steps: vec![vec!["org-bureau".into()], vec!["org-court".into()]],
                intent: APPROVE_MINUTES.into(),
            },
            supersedes: None,
        }
    }

    fn statement() -> Statement {
        Statement {
            manifest_sha256: "11".repeat(32),
            manifest_sm3: "22".repeat(32),
            step: 2,
            org_id: "org-court".into(),
            signer: "u-7".into(),
            key_ids: vec!["33".repeat(16), "44".repeat(16)],
            intent: APPROVE_MINUTES.into(),
            prev: vec!["55".repeat(32)],
            claimed_time: "2026-03-03T08:00:00Z".into(),
        }
    }

    fn key_binding() -> KeyBinding {
        KeyBinding {
            r#type: KEY_BINDING_TYPE.into(),
            key_id: "33".repeat(16),
            algorithm: "ed25519".into(),
            purpose: "person".into(),
            spki: "MCowBQYDK2VwAyEA".into(),
            user_id: Some("u-7".into()),
            org_id: "org-court".into(),
            bound_at: "2026-03-01T00:00:00Z".into(),
            user_name: Some("张三".into()),
            org_name: Some("上城区人民法院".into()),
        }
    }

    #[test]
    fn every_record_round_trips_through_its_canonical_bytes() {
        let manifest = manifest();
        let bytes = manifest.to_bytes();
        assert!(is_canonical(&bytes));
        assert_eq!(Manifest::parse(&bytes).unwrap(), manifest);

        let mut superseding = manifest.clone();
        superseding.supersedes = Some("ff".repeat(32));
        assert_eq!(
            Manifest::parse(&superseding.to_bytes()).unwrap(),
            superseding
        );

        let statement = statement();
        assert_eq!(Statement::parse(&statement.to_bytes()).unwrap(), statement);

        let binding = key_binding();
        assert_eq!(KeyBinding::parse(&binding.to_bytes()).unwrap(), binding);

        let seal = KeyBinding {
            algorithm: "sm2".into(),
            purpose: "seal".into(),
            user_id: None,
            user_name: None,
            ..key_binding()
        };
        assert_eq!(KeyBinding::parse(&seal.to_bytes()).unwrap(), seal);
        assert!(String::from_utf8(binding.to_bytes())
            .unwrap()
            .contains(r#""org_name":"上城区人民法院","purpose":"person","spki""#));
    }

    #[test]
    fn a_binding_names_the_person_and_the_body_and_an_old_binding_reads_without_names() {
        let old = KeyBinding {
            r#type: KEY_BINDING_TYPE_V1.into(),
            user_name: None,
            org_name: None,
            ..key_binding()
        };
        let old_bytes = old.to_bytes();
        assert!(!String::from_utf8_lossy(&old_bytes).contains("_name"));
        assert_eq!(KeyBinding::parse(&old_bytes).unwrap(), old);

        let unnamed_person = KeyBinding {
            user_name: None,
            ..key_binding()
        };
        let unnamed_body = KeyBinding {
            org_name: None,
            ..key_binding()
        };
        let named_seal = KeyBinding {
            purpose: "seal".into(),
            user_id: None,
            ..key_binding()
        };
        for wrong in [unnamed_person, unnamed_body, named_seal] {
            assert!(
                matches!(
                    KeyBinding::parse(&wrong.to_bytes()),
                    Err(SigningError::Malformed { .. })
                ),
                "{wrong:?}"
            );
        }
        // Names slipped into a first-format binding are not its canonical form.
        let old_text = String::from_utf8(old_bytes).unwrap();
        let smuggled = old_text.replacen("\"org_id\"", "\"org_name\":\"x\",\"org_id\"", 1);
        assert!(KeyBinding::parse(smuggled.as_bytes()).is_err());

        let revocation = KeyRevocation {
            r#type: KEY_REVOCATION_TYPE.into(),
            key_id: "33".repeat(16),
            revoked_at: "2026-05-01T00:00:00Z".into(),
            reason: "设备遗失".into(),
        };
        assert_eq!(
            KeyRevocation::parse(&revocation.to_bytes()).unwrap(),
            revocation
        );

        let completion = Completion {
            r#type: COMPLETION_TYPE.into(),
            manifest_sha256: "11".repeat(32),
            statements: vec!["66".repeat(32), "77".repeat(32)],
            completed_at: "2026-03-04T00:00:00Z".into(),
        };
        assert_eq!(
            Completion::parse(&completion.to_bytes()).unwrap(),
            completion
        );

        let reopen = Reopen {
            r#type: REOPEN_TYPE.into(),
            manifest_sha256: "11".repeat(32),
            by_org_id: "org-court".into(),
            by_user_id: "u-7".into(),
            reason: "第三项的时限有误".into(),
            at: "2026-03-03T09:00:00Z".into(),
        };
        assert_eq!(Reopen::parse(&reopen.to_bytes()).unwrap(), reopen);

        let archive = ArchiveRecord {
            r#type: ARCHIVE_TYPE.into(),
            manifest_sha256: "11".repeat(32),
            completion_sha256: "88".repeat(32),
            files: BTreeMap::from([
                ("manifest.json".to_owned(), "99".repeat(32)),
                ("content.json".to_owned(), "aa".repeat(32)),
            ]),
            archived_at: "2026-03-05T00:00:00Z".into(),
        };
        assert_eq!(ArchiveRecord::parse(&archive.to_bytes()).unwrap(), archive);
    }

    #[test]
    fn records_are_written_with_the_field_names_of_signing_md() {
        let text = String::from_utf8(key_binding().to_bytes()).unwrap();

        assert_eq!(
            text,
            format!(
                "{{\"algorithm\":\"ed25519\",\"bound_at\":\"2026-03-01T00:00:00Z\",\"key_id\":\"{}\",\
                 \"org_id\":\"org-court\",\"org_name\":\"上城区人民法院\",\"purpose\":\"person\",\
                 \"spki\":\"MCowBQYDK2VwAyEA\",\"type\":\"concord.key-binding/2\",\"user_id\":\"u-7\",\
                 \"user_name\":\"张三\"}}",
                "33".repeat(16)
            )
        );
        let manifest = String::from_utf8(manifest().to_bytes()).unwrap();
        assert!(manifest
            .ends_with(",\"supersedes\":null,\"title\":\"2026 年度协调会议纪要\",\"version\":2}"));
    }

    #[test]
    fn strings_are_written_in_nfc() {
        let mut accented = statement();
        accented.signer = "Jose\u{301}".into();

        let parsed = Statement::parse(&accented.to_bytes()).unwrap();

        assert_eq!(parsed.signer, "Jos\u{e9}");
    }

    #[test]
    fn parse_refuses_bytes_that_are_not_canonical() {
        let bytes = statement().to_bytes();
        let text = String::from_utf8(bytes.clone()).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();

        let pretty = serde_json::to_vec_pretty(&value).unwrap();
        let mut trailing_newline = bytes.clone();
        trailing_newline.push(b'\n');
        // The same members, `step` moved to the front.
        let reordered = text
            .replacen(",\"step\":2", "", 1)
            .replacen('{', "{\"step\":2,", 1);
        let decomposed = text.replacen("\"u-7\"", "\"Jose\u{301}\"", 1);

        for (case, candidate) in [
            ("pretty", pretty),
            ("trailing newline", trailing_newline),
            ("reordered", reordered.into_bytes()),
            ("not NFC", decomposed.into_bytes()),
        ] {
            match Statement::parse(&candidate) {
                Err(SigningError::NotCanonical { .. }) => {}
                other => panic!("{case}: expected NotCanonical, got {other:?}"),
            }
        }
    }

    #[test]
    fn parse_refuses_missing_unknown_and_mistyped_fields() {
        let text = String::from_utf8(key_binding().to_bytes()).unwrap();

        // An optional field left out instead of written as null.
        let seal = KeyBinding {
            user_id: None,
            ..key_binding()
        };
        let seal_text = String::from_utf8(seal.to_bytes()).unwrap();
        let without_user = seal_text.replacen(",\"user_id\":null", "", 1);
        assert!(matches!(
            KeyBinding::parse(without_user.as_bytes()),
            Err(SigningError::NotCanonical { .. })
        ));

        let with_extra = text.replacen("{", "{\"extra\":1,", 1);
        assert!(matches!(
            KeyBinding::parse(with_extra.as_bytes()),
            Err(SigningError::Malformed { .. })
        ));

        let without_key_id = text.replacen(&format!(",\"key_id\":\"{}\"", "33".repeat(16)), "", 1);
        assert!(matches!(
            KeyBinding::parse(without_key_id.as_bytes()),
            Err(SigningError::Malformed { .. })
        ));

        assert!(matches!(
            KeyBinding::parse(b"not json"),
            Err(SigningError::Malformed { .. })
        ));
    }

    #[test]
    fn parse_refuses_a_record_of_another_kind() {
        let revocation_typed = KeyBinding {
            r#type: KEY_REVOCATION_TYPE.into(),
            ..key_binding()
        };

        let error = KeyBinding::parse(&revocation_typed.to_bytes()).unwrap_err();

        assert!(
            error.to_string().contains("concord.key-binding/1"),
            "{error}"
        );

        let old_schema = Manifest {
            schema: "concord.manifest/0".into(),
            ..manifest()
        };
        assert!(Manifest::parse(&old_schema.to_bytes()).is_err());
    }

    #[test]
    fn prev_is_the_sorted_sha256_of_the_previous_step_payloads() {
        let first: &[u8] = b"abc";
        let second: &[u8] = b"";

        let prev = prev_of(&[first, second]);

        assert_eq!(
            prev,
            vec![
                // SHA-256("abc") and SHA-256(""), in sorted order.
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad".to_owned(),
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".to_owned(),
            ]
        );
        assert_eq!(prev_of(&[second, first]), prev);
        assert!(prev_of(&[]).is_empty());
    }

    /// The manifest of `tests/fixtures/bundles/minutes-v1.zip`, made before kinds existed.
    fn first_format_manifest() -> Vec<u8> {
        let zip = include_bytes!("../../../tests/fixtures/bundles/minutes-v1.zip");
        crate::signing::bundle::Bundle::from_zip(zip).unwrap().files["manifest.json"].clone()
    }

    #[test]
    fn a_first_format_manifest_reads_as_minutes_and_writes_back_to_its_bytes() {
        let bytes = first_format_manifest();
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();

        let manifest = Manifest::parse(&bytes).unwrap();

        assert_eq!(manifest.schema, MANIFEST_SCHEMA_V1);
        assert_eq!(manifest.kind, MINUTES_SCHEMA);
        assert_eq!(manifest.subject_id, value["meeting_id"].as_str().unwrap());
        assert_eq!(manifest.policy.intent, APPROVE_MINUTES);
        assert_eq!(manifest.to_bytes(), bytes);
    }

    #[test]
    fn a_first_format_manifest_cannot_name_another_kind_or_a_subject_id() {
        let text = String::from_utf8(first_format_manifest()).unwrap();
        let with_kind = text.replacen("{", "{\"kind\":\"concord.dispute-decision/1\",", 1);
        let renamed = text.replacen("\"meeting_id\"", "\"subject_id\"", 1);
        let as_decision = Manifest {
            kind: "concord.dispute-decision/1".into(),
            ..Manifest::parse(text.as_bytes()).unwrap()
        };

        for (case, bytes) in [
            ("with a kind", with_kind.into_bytes()),
            ("with subject_id", renamed.into_bytes()),
            ("written as a decision", as_decision.to_bytes()),
        ] {
            let error = Manifest::parse(&bytes).unwrap_err();
            assert!(
                matches!(error, SigningError::Malformed { .. }),
                "{case}: {error}"
            );
        }
    }

    #[test]
    fn a_current_manifest_names_its_kind_and_subject_and_no_meeting() {
        let text = String::from_utf8(manifest().to_bytes()).unwrap();

        assert!(text.starts_with("{\"content_sha256\":"), "{text}");
        assert!(text.contains(",\"kind\":\"concord.minutes/1\","), "{text}");
        assert!(text.contains(",\"subject_id\":\"m-1\","), "{text}");
        assert!(!text.contains("meeting_id"), "{text}");
        let with_meeting = text.replacen("\"subject_id\"", "\"meeting_id\"", 1);
        assert!(Manifest::parse(with_meeting.as_bytes()).is_err());
        // A kind this version does not know is still a well-formed manifest; the verifier
        // refuses to use it (`kinds::of_manifest`).
        let unknown = Manifest {
            kind: "concord.supervision-doc/1".into(),
            ..manifest()
        };
        assert_eq!(Manifest::parse(&unknown.to_bytes()).unwrap(), unknown);
    }
}
