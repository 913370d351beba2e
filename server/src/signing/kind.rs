//! Kinds of signed document: minutes, a dispute decision, and those to come. A kind is its
//! content schema, its projection of the co-edited document, its rendition for people and its
//! signing intent; everything else (manifest, statements, envelopes, order, log, bundle,
//! verification) is the same for every kind.
//!
//! A kind implements [`SignedKind`] (typed: the facts it is projected with are its own
//! struct) in a module of [`super::kinds`] and is listed in [`super::kinds::KINDS`]. Code that knows only a
//! schema string (the verifier, reading a manifest; the database, reading a stored version)
//! finds the kind with [`by_schema`] and uses it as [`AnyKind`], which every [`SignedKind`]
//! is. [`freeze`] makes what freezing a document of any kind stores and logs.
//!
//! Adding a kind (as `kinds::review_summary` was):
//!
//! ```text
//! pub struct ReviewSummary;
//! impl SignedKind for ReviewSummary {
//!     const SCHEMA: &'static str = "concord.review-summary/1";
//!     const NAME: &'static str = "case-file review summary";
//!     const NAME_ZH: &'static str = "案卷评查总结报告";
//!     const INTENT: &'static str = "report-review-summary";
//!     const PAYLOAD_TYPE: &'static str = "application/vnd.concord.review-summary-signature+json;v=1";
//!     const RENDITION: &'static str = "review-summary.html";
//!     const PDF_RENDITION: &'static str = "review-summary.pdf";
//!     type Facts = ReviewFacts;                 // the bureau, the reviewed bodies, the grades
//!     fn facts_members(f: &ReviewFacts) -> Map<String, Value> { … }
//!     fn facts_from_content(c: &Value) -> Option<ReviewFacts> { … }
//!     fn project_document<T: ReadTxn>(txn: &T) -> Result<Map<String, Value>, ProjectionError> {
//!         Ok(Map::from_iter([("body".into(), project_fragment(txn, "body")?.into())]))
//!     }
//!     fn render_html(content: &Value) -> String { … }
//! }
//! // and `&ReviewSummary` in KINDS, a sample in `tests::samples`, a row in docs/bundle.md's
//! // table of kinds.
//! ```
//!
//! This module never does I/O and never reads the clock; times and ids come from the caller.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{Map, Value};
use yrs::updates::decoder::Decode;
use yrs::{ClientID, Doc, Options, ReadTxn, Transact, Update};

use super::canonical::{sha256_hex, sm3_hex, to_canonical};
use super::pdf::{self, Fonts, OfficePage, PdfError, PDF_MEDIA_TYPE};
use super::projection::{nfc_strings, ProjectionError};
use super::statement::{Manifest, Policy, Rendition, Signer, MANIFEST_SCHEMA};
use super::SigningError;

/// The media type of every rendition for people.
pub const HTML_MEDIA_TYPE: &str = "text/html; charset=utf-8";

/// A kind of signed document, typed. Implemented once per kind, in [`super::kinds`].
pub trait SignedKind: Sync + 'static {
    /// The schema of its `content.json`, which is also its name in the manifest's `kind`
    /// (`concord.minutes/1`). A new version of a kind's content is a new kind.
    const SCHEMA: &'static str;
    /// What people call it, in messages (`minutes`, `dispute decision`).
    const NAME: &'static str;
    /// What it is called in Chinese, on its signature page and in its bundle's file name
    /// (`会议纪要`, `协调意见书`).
    const NAME_ZH: &'static str;
    /// The intent of every signature on it, in the policy and in each statement
    /// (`approve-minutes`).
    const INTENT: &'static str;
    /// The DSSE payload type of its signature statements. Signed as part of the PAE, so a
    /// signature on one kind can never be presented as a signature on another.
    const PAYLOAD_TYPE: &'static str;
    /// The path of its rendition for people in the bundle (`minutes.html`).
    const RENDITION: &'static str;
    /// The path of its printable PDF rendition in the bundle (`minutes.pdf`), when it has
    /// one ([`SignedKind::office_page`]) and the server had a Chinese font at freeze.
    const PDF_RENDITION: &'static str;

    /// What the projection needs besides the document, from the server's records (the
    /// meeting and its attendees; the dispute and its parties).
    type Facts;

    /// The facts as members of `content.json` (any order; the projection normalizes them).
    fn facts_members(facts: &Self::Facts) -> Map<String, Value>;

    /// The facts read back from a `content.json` this kind made, so that a verifier can redo
    /// the projection; none when a member is missing or of the wrong type.
    fn facts_from_content(content: &Value) -> Option<Self::Facts>;

    /// The document's members of `content.json`: the kind chooses its roots and walks them
    /// with [`super::projection`]'s shared walk (`body` as blocks, records as [`Fields`]).
    ///
    /// [`Fields`]: super::projection::Fields
    fn project_document<T: ReadTxn>(txn: &T) -> Result<Map<String, Value>, ProjectionError>;

    /// The rendition for people: deterministic, self-contained, every string escaped.
    fn render_html(content: &Value) -> String;

    /// The page of its PDF rendition ([`super::pdf`]): the same content as the HTML one, as
    /// strings for the office template; none for a kind without a PDF rendition yet.
    fn office_page(_content: &Value) -> Option<OfficePage> {
        None
    }
}

/// A kind of signed document, known by its schema at run time.
pub trait AnyKind: Sync {
    /// [`SignedKind::SCHEMA`].
    fn schema(&self) -> &'static str;
    /// [`SignedKind::NAME`].
    fn name(&self) -> &'static str;
    /// [`SignedKind::NAME_ZH`].
    fn name_zh(&self) -> &'static str;
    /// [`SignedKind::INTENT`].
    fn intent(&self) -> &'static str;
    /// [`SignedKind::PAYLOAD_TYPE`].
    fn payload_type(&self) -> &'static str;
    /// [`SignedKind::RENDITION`].
    fn rendition(&self) -> &'static str;
    /// Redoes the projection of `state_v1` with the facts `content` holds: what
    /// `content.json` must be, exactly, if it was made from this state.
    fn reproject(&self, state_v1: &[u8], content: &Value) -> Result<Value, ProjectionError>;
    /// [`SignedKind::render_html`].
    fn render_html(&self, content: &Value) -> String;
    /// [`SignedKind::PDF_RENDITION`].
    fn pdf_rendition(&self) -> &'static str;
    /// [`SignedKind::office_page`].
    fn office_page(&self, content: &Value) -> Option<OfficePage>;
}

impl<K: SignedKind> AnyKind for K {
    fn schema(&self) -> &'static str {
        K::SCHEMA
    }

    fn name(&self) -> &'static str {
        K::NAME
    }

    fn name_zh(&self) -> &'static str {
        K::NAME_ZH
    }

    fn intent(&self) -> &'static str {
        K::INTENT
    }

    fn payload_type(&self) -> &'static str {
        K::PAYLOAD_TYPE
    }

    fn rendition(&self) -> &'static str {
        K::RENDITION
    }

    fn reproject(&self, state_v1: &[u8], content: &Value) -> Result<Value, ProjectionError> {
        let facts =
            K::facts_from_content(content).ok_or_else(|| ProjectionError::Facts(K::NAME.into()))?;
        project_state::<K>(state_v1, &facts)
    }

    fn render_html(&self, content: &Value) -> String {
        K::render_html(content)
    }

    fn pdf_rendition(&self) -> &'static str {
        K::PDF_RENDITION
    }

    fn office_page(&self, content: &Value) -> Option<OfficePage> {
        K::office_page(content)
    }
}

/// The canonical projection of a document of kind `K`: `{"schema": K::SCHEMA}`, the facts'
/// members and the document's members, every string in NFC, so the value is exactly what
/// `content.json` holds (`to_canonical` of it changes nothing but the layout). The caller must
/// not hold a transaction on `doc`.
pub fn project<K: SignedKind>(doc: &Doc, facts: &K::Facts) -> Result<Value, ProjectionError> {
    let document = {
        let txn = doc.transact();
        K::project_document(&txn)?
    };
    let mut content = Map::new();
    content.insert("schema".into(), Value::String(K::SCHEMA.into()));
    for (name, value) in K::facts_members(facts).into_iter().chain(document) {
        if content.insert(name.clone(), value).is_some() {
            // A kind whose facts and document write the same member: a bug of the kind, which
            // its round-trip test catches.
            return Err(ProjectionError::schema(
                &name,
                format!("the {} kind writes `{name}` twice", K::NAME),
            ));
        }
    }
    Ok(nfc_strings(Value::Object(content)))
}

/// [`project`] from a v1 update (`encode_state_as_update_v1` bytes).
pub fn project_state<K: SignedKind>(
    state_v1: &[u8],
    facts: &K::Facts,
) -> Result<Value, ProjectionError> {
    // Scanned first: yrs reserves memory for declared counts and recurses without limit.
    collab::guard::check_update_v1(state_v1)
        .map_err(|error| ProjectionError::State(format!("not a yrs v1 update ({error})")))?;
    let update = Update::decode_v1(state_v1)
        .map_err(|error| ProjectionError::State(format!("not a yrs v1 update ({error})")))?;
    // The client id and guid are never used: nothing is written to this document but the
    // state itself. Fixed values keep the projection free of randomness.
    let doc = Doc::with_options(Options::with_guid_and_client_id(
        "concord-projection".into(),
        ClientID::new(1),
    ));
    {
        let mut txn = doc.transact_mut();
        txn.apply_update(update)
            .map_err(|error| ProjectionError::State(error.to_string()))?;
        if txn.has_missing_updates() {
            return Err(ProjectionError::State(
                "it depends on changes it does not contain".to_owned(),
            ));
        }
    }
    project::<K>(&doc, facts)
}

/// The PDF rendition of `content` (a projection of kind `K`), typeset with `fonts`; none for a
/// kind without one. Rendered once, before the freeze, and stored ([`FreezeInput::pdf`]).
pub fn render_pdf<K: SignedKind>(
    content: &Value,
    fonts: &Fonts,
) -> Option<Result<Vec<u8>, PdfError>> {
    K::office_page(content).map(|page| pdf::render(&page, fonts))
}

/// What freezing a document of kind `K` needs: the frozen CRDT state, the server's facts
/// and records, and who signs in which order.
pub struct FreezeInput<'a, K: SignedKind> {
    /// The matter the document belongs to (the meeting, the dispute).
    pub subject_id: String,
    /// The co-edited document's id.
    pub doc_id: String,
    /// 1 for the first freeze; one more after each reopening.
    pub version: u32,
    pub title: String,
    /// `encode_state_as_update_v1` of the document at freeze.
    pub state_v1: &'a [u8],
    /// Its state vector (v1 encoding).
    pub state_vector_v1: &'a [u8],
    pub facts: &'a K::Facts,
    /// Every organization that signs, step 1 first; the policy's steps are read from them.
    pub signers: Vec<Signer>,
    /// The SHA-256 hex of the manifest of the version this one corrects.
    pub supersedes: Option<String>,
    /// The PDF rendition, typeset from this same projection ([`render_pdf`]) before the
    /// freeze, or none (no Chinese font, or a kind without one). Bound by the manifest like
    /// the HTML rendition.
    pub pdf: Option<Vec<u8>>,
}

/// What a freeze stores and logs: the exact bytes of `content.json`, the rendition and the
/// manifest (never rebuilt afterwards), and the content as JSON for the server's own use
/// (tasks from agreed items, a decision).
#[derive(Debug, Clone)]
pub struct Frozen {
    pub content_value: Value,
    /// `content.json`.
    pub content: Vec<u8>,
    /// The rendition for people, at [`SignedKind::RENDITION`].
    pub rendition: Vec<u8>,
    /// The PDF rendition, at [`SignedKind::PDF_RENDITION`], when there is one.
    pub pdf: Option<Vec<u8>>,
    pub manifest: Manifest,
    /// `manifest.json`: what every signatory signs, and the log's entry.
    pub manifest_bytes: Vec<u8>,
}

/// Projects and renders the frozen state and builds its manifest (`concord.manifest/2`).
///
/// Refuses a document outside the kind's schema, and signers whose steps are not 1, 2, …
/// without a gap or that name an organization twice.
pub fn freeze<K: SignedKind>(input: FreezeInput<'_, K>) -> Result<Frozen, SigningError> {
    let mut steps: Vec<Vec<String>> = Vec::new();
    for signer in &input.signers {
        let step = signer.step as usize;
        if step == 0 || step > steps.len() + 1 {
            return Err(SigningError::malformed(
                "the signers",
                format!(
                    "{} signs at step {step}, but steps are 1, 2, … in order",
                    signer.org_id
                ),
            ));
        }
        if steps.iter().flatten().any(|org| *org == signer.org_id) {
            return Err(SigningError::malformed(
                "the signers",
                format!("{} is named twice", signer.org_id),
            ));
        }
        if step > steps.len() {
            steps.push(Vec::new());
        }
        steps[step - 1].push(signer.org_id.clone());
    }
    if steps.is_empty() {
        return Err(SigningError::malformed("the signers", "nobody signs"));
    }

    let content_value = project_state::<K>(input.state_v1, input.facts)?;
    let content = to_canonical(&content_value);
    let rendition = K::render_html(&content_value).into_bytes();
    let manifest = Manifest {
        schema: MANIFEST_SCHEMA.into(),
        kind: K::SCHEMA.into(),
        subject_id: input.subject_id,
        doc_id: input.doc_id,
        version: input.version,
        title: input.title,
        content_sha256: sha256_hex(&content),
        content_sm3: sm3_hex(&content),
        crdt_state_sha256: sha256_hex(input.state_v1),
        state_vector: STANDARD.encode(input.state_vector_v1),
        renditions: std::iter::once(Rendition {
            path: K::RENDITION.into(),
            media_type: HTML_MEDIA_TYPE.into(),
            sha256: sha256_hex(&rendition),
            sm3: sm3_hex(&rendition),
        })
        .chain(input.pdf.as_ref().map(|pdf| Rendition {
            path: K::PDF_RENDITION.into(),
            media_type: PDF_MEDIA_TYPE.into(),
            sha256: sha256_hex(pdf),
            sm3: sm3_hex(pdf),
        }))
        .collect(),
        signers: input.signers,
        policy: Policy {
            steps,
            intent: K::INTENT.into(),
        },
        supersedes: input.supersedes,
    };
    let manifest_bytes = manifest.to_bytes();
    Ok(Frozen {
        content_value,
        content,
        rendition,
        pdf: input.pdf,
        manifest,
        manifest_bytes,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::signing::kinds::{
        by_schema, campaign_summary, dispute_agreement, dispute_decision, investigation_report,
        minutes, of_manifest, referral_receipt, review_summary, supervision_doc, KINDS,
    };
    use yrs::updates::encoder::Encode;
    use yrs::{Array, MapPrelim, StateVector, Xml, XmlElementPrelim, XmlFragment, XmlTextPrelim};

    /// A minutes document with a heading, a paragraph and one agreed item.
    pub(crate) fn minutes_doc() -> Doc {
        let doc = Doc::with_client_id(42);
        let body = doc.get_or_insert_xml_fragment(minutes::BODY_ROOT);
        let agreed = doc.get_or_insert_array(minutes::AGREED_ROOT);
        let mut txn = doc.transact_mut();
        let heading = body.push_back(&mut txn, XmlElementPrelim::empty("heading"));
        heading.insert_attribute(&mut txn, "level", "2");
        heading.push_back(&mut txn, XmlTextPrelim::new("会议议题"));
        let p = body.push_back(&mut txn, XmlElementPrelim::empty("paragraph"));
        p.push_back(&mut txn, XmlTextPrelim::new("各单位同意按期完成整改。"));
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

    pub(crate) fn minutes_meta() -> minutes::MinutesMeta {
        minutes::MinutesMeta {
            meeting_id: "meeting-1".into(),
            title: "2026 年第一次联席会议".into(),
            kind: "joint".into(),
            starts_at: "2026-03-02T01:30:00Z".into(),
            ends_at: Some("2026-03-02T03:00:00Z".into()),
            place: None,
            document: Some(minutes::Issued {
                number: "市司纪〔2026〕1号".into(),
                dated: "2026-03-02".into(),
            }),
            signing: vec![minutes::SigningBody {
                step: 1,
                org_id: "org-bureau".into(),
                org_name: "市司法局".into(),
            }],
            convener: minutes::OrgRef {
                org_id: "org-bureau".into(),
                name: "市司法局".into(),
            },
            attendees: vec![minutes::Attendee {
                org_id: "org-court".into(),
                org_name: "市中级人民法院".into(),
                person: Some("李四".into()),
                status: "attended".into(),
            }],
            held: Some(minutes::Held {
                started_at: Some("2026-03-02T01:35:00Z".into()),
                ended_at: None,
                checked_in: vec![minutes::CheckIn {
                    org_id: "org-court".into(),
                    org_name: "市中级人民法院".into(),
                    person: Some("李四".into()),
                    attendance: "attended".into(),
                    checked_in_at: Some("2026-03-02T01:31:00Z".into()),
                }],
            }),
        }
    }

    pub(crate) fn signers(orgs: &[&[&str]]) -> Vec<Signer> {
        orgs.iter()
            .enumerate()
            .flat_map(|(i, step)| {
                step.iter().map(move |org| Signer {
                    step: i as u32 + 1,
                    org_id: org.to_string(),
                    org_name: format!("name of {org}"),
                    role: "member".into(),
                })
            })
            .collect()
    }

    /// The frozen state of `doc`: its v1 update and state vector.
    pub(crate) fn state_of(doc: &Doc) -> (Vec<u8>, Vec<u8>) {
        let txn = doc.transact();
        (
            txn.encode_state_as_update_v1(&StateVector::default()),
            txn.state_vector().encode_v1(),
        )
    }

    /// Freezes `doc` as a document of kind `K` signed by `orgs`, step by step.
    pub(crate) fn freeze_as<K: SignedKind>(
        doc: &Doc,
        facts: &K::Facts,
        orgs: &[&[&str]],
    ) -> (Frozen, Vec<u8>) {
        let (state, vector) = state_of(doc);
        let frozen = freeze::<K>(FreezeInput {
            subject_id: "subject-1".into(),
            doc_id: "doc-1".into(),
            version: 1,
            title: "标题".into(),
            state_v1: &state,
            state_vector_v1: &vector,
            facts,
            signers: signers(orgs),
            supersedes: None,
            pdf: None,
        })
        .unwrap();
        (frozen, state)
    }

    /// One frozen sample document of every kind, with its state.
    pub(crate) fn samples() -> Vec<(&'static dyn AnyKind, Frozen, Vec<u8>)> {
        let steps: &[&[&str]] = &[&["org-bureau"]];
        let (minutes, minutes_state) =
            freeze_as::<minutes::Minutes>(&minutes_doc(), &minutes_meta(), steps);
        let (decision, decision_state) = freeze_as::<dispute_decision::DisputeDecision>(
            &dispute_decision::tests::doc(),
            &dispute_decision::tests::facts(),
            steps,
        );
        let (agreement, agreement_state) = freeze_as::<dispute_agreement::DisputeAgreement>(
            &dispute_agreement::tests::doc(),
            &dispute_agreement::tests::facts(),
            steps,
        );
        let (report, report_state) = freeze_as::<investigation_report::InvestigationReport>(
            &investigation_report::tests::doc_with("经调查，查明……"),
            &investigation_report::tests::facts(),
            steps,
        );
        let (receipt, receipt_state) = freeze_as::<referral_receipt::ReferralReceipt>(
            &Doc::new(),
            &referral_receipt::tests::facts(),
            steps,
        );
        let (supervision, supervision_state) = freeze_as::<supervision_doc::SupervisionDoc>(
            &supervision_doc::tests::doc(),
            &supervision_doc::tests::facts(),
            steps,
        );
        let (summary, summary_state) = freeze_as::<campaign_summary::CampaignSummary>(
            &campaign_summary::tests::doc(),
            &campaign_summary::tests::facts(),
            steps,
        );
        let (review, review_state) = freeze_as::<review_summary::ReviewSummary>(
            &review_summary::tests::doc(),
            &review_summary::tests::facts(),
            steps,
        );
        vec![
            (&minutes::Minutes, minutes, minutes_state),
            (&dispute_decision::DisputeDecision, decision, decision_state),
            (
                &dispute_agreement::DisputeAgreement,
                agreement,
                agreement_state,
            ),
            (
                &investigation_report::InvestigationReport,
                report,
                report_state,
            ),
            (&referral_receipt::ReferralReceipt, receipt, receipt_state),
            (
                &supervision_doc::SupervisionDoc,
                supervision,
                supervision_state,
            ),
            (&campaign_summary::CampaignSummary, summary, summary_state),
            (&review_summary::ReviewSummary, review, review_state),
        ]
    }

    #[test]
    fn every_kind_has_a_sample_and_a_distinct_schema_intent_payload_type_and_rendition() {
        let samples = samples();
        assert_eq!(samples.len(), KINDS.len());
        for (i, a) in KINDS.iter().enumerate() {
            assert!(samples.iter().any(|(kind, ..)| kind.schema() == a.schema()));
            assert_eq!(by_schema(a.schema()).map(|k| k.schema()), Some(a.schema()));
            for b in &KINDS[i + 1..] {
                assert_ne!(a.schema(), b.schema());
                assert_ne!(a.intent(), b.intent());
                assert_ne!(a.payload_type(), b.payload_type());
                assert_ne!(a.rendition(), b.rendition());
                assert_ne!(a.pdf_rendition(), b.pdf_rendition());
            }
        }
        assert!(by_schema("concord.case-library/1").is_none());
    }

    #[test]
    fn every_kind_round_trips_from_projection_to_canonical_bytes_to_reprojection() {
        for (kind, frozen, state) in samples() {
            let content: Value = serde_json::from_slice(&frozen.content).unwrap();

            let reprojected = kind.reproject(&state, &content).unwrap();

            assert_eq!(
                to_canonical(&reprojected),
                frozen.content,
                "{}",
                kind.name()
            );
            assert!(crate::signing::canonical::is_canonical(&frozen.content));
            assert_eq!(content["schema"], kind.schema());
            assert_eq!(frozen.rendition, kind.render_html(&content).into_bytes());
            let manifest = Manifest::parse(&frozen.manifest_bytes).unwrap();
            assert_eq!(manifest, frozen.manifest);
            assert_eq!(manifest.schema, MANIFEST_SCHEMA);
            assert_eq!(of_manifest(&manifest).unwrap().schema(), kind.schema());
            assert_eq!(manifest.policy.intent, kind.intent());
            assert_eq!(manifest.renditions[0].path, kind.rendition());
            // Frozen without a PDF (the samples have none): the HTML rendition alone.
            assert_eq!(manifest.renditions.len(), 1);
            assert_ne!(kind.pdf_rendition(), kind.rendition());
            assert_eq!(manifest.content_sha256, sha256_hex(&frozen.content));
        }
    }

    #[test]
    fn a_content_of_one_kind_does_not_reproject_as_another() {
        let samples = samples();
        let (_, minutes, minutes_state) = &samples[0];
        let (decision_kind, _, _) = &samples[1];
        let content: Value = serde_json::from_slice(&minutes.content).unwrap();

        let error = decision_kind
            .reproject(minutes_state, &content)
            .unwrap_err();

        assert!(matches!(error, ProjectionError::Facts(_)), "{error:?}");
    }

    #[test]
    fn the_policy_steps_are_read_from_the_signers() {
        let (frozen, _) =
            freeze_as::<minutes::Minutes>(&minutes_doc(), &minutes_meta(), &[&["a", "b"], &["c"]]);

        assert_eq!(
            frozen.manifest.policy.steps,
            vec![vec!["a".to_owned(), "b".to_owned()], vec!["c".to_owned()]]
        );
        for bad in [signers(&[&[], &["c"]]), signers(&[&["a"], &["a"]]), vec![]] {
            let (state, vector) = state_of(&minutes_doc());
            let result = freeze::<minutes::Minutes>(FreezeInput {
                subject_id: "s".into(),
                doc_id: "d".into(),
                version: 1,
                title: "t".into(),
                state_v1: &state,
                state_vector_v1: &vector,
                facts: &minutes_meta(),
                signers: bad,
                supersedes: None,
                pdf: None,
            });
            assert!(
                matches!(result, Err(SigningError::Malformed { .. })),
                "{result:?}"
            );
        }
    }
}
