//! One lifecycle for a signed document of any kind (SIGNING.md): freeze, open signing, the
//! statement to sign, sign in order, send back, completion, archive, the bundle.
//!
//! Minutes (会议纪要) were the first signed document; a bureau's dispute decision (协调意见书),
//! an investigation group's concluding report and supervision documents are frozen, signed in
//! order, logged, archived and verified in exactly the same way. So the operations live here
//! once, and a workflow supplies only what differs, as a [`SignedDocument`]: the kind
//! ([`SignedKind`]: schema, projection, rendition, intent), the subject (which space, which
//! document), who manages it and who signs (the policy's actions), its signatories and default
//! signing steps, the facts its projection needs, and what its completion causes. Its routes
//! call the functions here with that value (`work::minutes` is the first: see there).
//!
//! Each operation follows the steps of [`super`]: ask the policy who may act, ask the
//! lifecycle machine ([`crate::domain::signed`]) whether the command fits the state and the
//! signing order, build the signed artefacts with [`crate::signing`] (which does the
//! cryptography and the canonical forms), and make **one** database write that stores the
//! change, appends its artefacts to the log and applies its effects (events, tasks, notices,
//! audit rows).
//!
//! What must hold here:
//!
//! - **Nothing signed is rebuilt.** The bytes signed and logged are stored once and served
//!   as stored; a bundle is assembled from stored bytes only. A version frozen before kinds
//!   existed keeps its `concord.manifest/1` bytes; new freezes write `concord.manifest/2`
//!   through [`kind::freeze`].
//! - **Freeze is atomic for every open socket.** The room refuses every change from the
//!   moment of the freeze (collab's `Rooms::freeze`), waits until everything applied before
//!   is committed, and the state hashed is exactly that. Only after the freeze is recorded
//!   are the sockets told (they re-check and become read-only); had the write failed, the
//!   room opens again.
//! - **A person's private key never reaches the server.** The server hands out the exact
//!   bytes to sign (the DSSE PAE of the statement it built, with the kind's payload type),
//!   accepts the Ed25519 signature, verifies it with the person's bound key, and only then
//!   applies the organization's SM2 seal from a key it keeps sealed under the master key.
//! - **Order is enforced at write time.** The caller's view of who signed is re-checked in
//!   the write's transaction; a signature that raced another is refused and made again.
//!
//! This module never names a workflow: no meeting, no dispute. That is the workflow's part.

use std::collections::{BTreeMap, BTreeSet};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::keys::{person_key_for, seal_for};
use super::{audit, own_org, Error};
use crate::auth::Caller;
use crate::db::{
    Audience, Completion, DbError, Effects, LeafKind, NewEvent, NewLeaf, NewSignedVersion,
    SignaturePageBytes, SignedSignature, SignedVersion, Space, SubjectChange,
};
use crate::domain::calendar::local_date;
use crate::domain::doc_number::{default_prefix, DocNumber};
use crate::domain::kernel::{self, CommandOffer};
use crate::domain::org::SpaceRole;
use crate::domain::phrases;
use crate::domain::policy::{self, Action};
use crate::domain::signed::{
    self as rules, Gate, SignParty, SignedCommand, SignedFlow, SignedState, Turn, Words,
};
use crate::domain::text::Reason;
use crate::services::{AccessChange, Services};
use crate::signing::bundle::{self, Bundle, Trust};
use crate::signing::canonical::{sha256_hex, sm3_hex};
use crate::signing::dsse::{self, Envelope, EnvelopeSignature};
use crate::signing::keys::{PersonKey, SealPublicKey};
use crate::signing::kind::{self, AnyKind, SignedKind};
use crate::signing::kinds::by_schema;
use crate::signing::merkle;
use crate::signing::note::{format_proof, Checkpoint};
use crate::signing::pdf::{self, PDF_MEDIA_TYPE};
use crate::signing::signature_page::{SignaturePage, SignedBy};
use crate::signing::statement::{
    self, rfc3339, ArchiveRecord, Manifest, Reopen, Signer, Statement,
};
use crate::signing::SigningError;

/// How far a statement's claimed time may lie from the server's clock when it is submitted:
/// long enough to read the text and sign, short enough that an old statement is not replayed.
const STATEMENT_VALID_MS: i64 = 30 * 60 * 1000;

/// One signed document of a workflow, loaded for one request (the minutes of a meeting, the
/// decision of a dispute): what the lifecycle needs to know of it and cannot know itself.
///
/// Whoever builds it has already answered "not found" to a caller who may not see the
/// subject.
pub(crate) trait SignedDocument: Sync {
    /// Its kind: content schema, projection, rendition, signing intent and payload type.
    type Kind: SignedKind;
    /// The words of its refusals.
    type Words: Words;
    /// What the workflow calls it in event kinds (`minutes.frozen`), audit actions
    /// (`minutes_frozen`) and targets: `minutes`.
    const NAME: &'static str;
    /// How a sentence names it: "the minutes".
    const THE: &'static str;
    /// How a Chinese sentence names it: "纪要". A workflow that names none is read as "文书".
    const THE_ZH: &'static str = "文书";
    /// Who may be named in its signing policy, as a refusal says it: "the convener or a
    /// participating member of this meeting".
    const SIGNATORIES: rules::Signatories;

    /// The space it belongs to (its subject): access, and the bodies its events go to.
    fn space(&self) -> &Space;
    /// Whether it is a record made of its workflow's facts alone (a referral's receipt):
    /// nobody writes its document ([`crate::domain::org::DocRole::Record`]), so a freeze
    /// stops no room and hashes the empty document's state, and sending it back thaws
    /// nothing. Its kind projects nothing from the document; a new version is made from the
    /// facts as they are then.
    const FACTS_ONLY: bool = false;

    /// The co-edited document that is signed (for a record of facts alone, the space's
    /// record document its versions belong to).
    fn doc_id(&self) -> &str;
    /// Its title in the manifest.
    fn title(&self) -> &str;
    /// The policy's action of its manager, who freezes, opens signing, sends back and
    /// archives (the convener of a meeting).
    fn manage_action(&self) -> Action<'_>;
    /// The policy's action of a person who signs it for their organization, or declines.
    fn sign_action(&self) -> Action<'_>;
    /// Whether its subject lets it be frozen now.
    fn gate(&self) -> Gate;
    /// The organizations that may be named in its signing policy.
    fn signatories(&self) -> BTreeSet<String>;
    /// The signing steps when the manager names none.
    fn default_steps(&self) -> Vec<Vec<String>>;
    /// What its projection needs besides the document, from the workflow's records and the
    /// freeze's [`Issue`] (its number, date and signers).
    fn facts(&self, issue: &Issue) -> <Self::Kind as SignedKind>::Facts;
    /// The issuing body and the word (类别字) of its document number, when its kind is
    /// numbered per issuing body and year (minutes: the convener, 纪); none for a kind without
    /// numbers.
    fn numbered_by(&self) -> Option<(&str, &'static str)> {
        None
    }
    /// The subject of its events (`meeting:<id>`).
    fn event_subject(&self) -> String;
    /// What every event about it carries besides the version (its title, its subject's id).
    fn event_payload(&self) -> Map<String, Value>;
    /// Whether the projected text may be frozen as it is, beyond its kind's schema: a
    /// workflow's own rule on what the text says (a dispute's decision or agreement must make
    /// one of the parties responsible), checked before anything is stored so that nobody
    /// signs a text its completion would refuse.
    fn check_content(&self, _content: &Value) -> Result<(), Error> {
        Ok(())
    }
    /// The audit target and log-leaf subject of one of its versions.
    fn target(&self, version: i64) -> String {
        format!("{}:{}:{version}", Self::NAME, self.doc_id())
    }
    /// What its last signature causes, in the same write: the tasks, notices and events it
    /// adds to `effects`, and what it changes in the subject.
    async fn complete(
        &self,
        services: &Services,
        caller: &Caller,
        version: &SignedVersion,
        content: &Value,
        now: i64,
        effects: &mut Effects,
    ) -> Result<Completed, Error>;
}

/// A signed document as its routes name it: by its subject's id (a dispute's decision or
/// agreement). Its routes are then thin handlers over [`show_of`], [`act_of`],
/// [`statement_of`], [`bundle_of`] and [`artefact_of`], with no operations of its own.
pub(crate) trait OfSubject: SignedDocument + Sized {
    /// What its routes answer: the document's view under its workflow's name, with the
    /// subject's id (`DecisionView`).
    type View;
    /// Loads it for one request, answering "not found" to a caller who may not see the
    /// subject (or when the subject has no such document yet).
    async fn load(services: &Services, caller: &Caller, subject_id: &str) -> Result<Self, Error>;
    /// Its view as the routes answer it.
    fn answer(&self, view: SignedView) -> Self::View;
}

/// The document of `subject_id`: version, state, policy, who signed, what the caller may do.
pub(crate) async fn show_of<D: OfSubject>(
    services: &Services,
    caller: &Caller,
    subject_id: &str,
) -> Result<D::View, Error> {
    let doc = D::load(services, caller, subject_id).await?;
    Ok(doc.answer(view(services, caller, &doc).await?))
}

/// Freezes, opens signing, signs, sends back or archives the document of `subject_id`.
pub(crate) async fn act_of<D: OfSubject>(
    services: &Services,
    caller: &Caller,
    subject_id: &str,
    command: Act,
) -> Result<D::View, Error> {
    let doc = D::load(services, caller, subject_id).await?;
    Ok(doc.answer(act(services, caller, &doc, command).await?))
}

/// The statement the caller's body signs now on the document of `subject_id`.
pub(crate) async fn statement_of<D: OfSubject>(
    services: &Services,
    caller: &Caller,
    subject_id: &str,
    input: StatementInput,
) -> Result<ToSign, Error> {
    let doc = D::load(services, caller, subject_id).await?;
    statement(services, caller, &doc, input).await
}

/// The archive bundle of an archived version of the document of `subject_id`.
pub(crate) async fn bundle_of<D: OfSubject>(
    services: &Services,
    caller: &Caller,
    subject_id: &str,
    version: i64,
) -> Result<BundleFile, Error> {
    let doc = D::load(services, caller, subject_id).await?;
    bundle(services, &doc, version).await
}

/// One stored file of a version of the document of `subject_id`.
pub(crate) async fn artefact_of<D: OfSubject>(
    services: &Services,
    caller: &Caller,
    subject_id: &str,
    version: i64,
    name: &str,
) -> Result<Artefact, Error> {
    let doc = D::load(services, caller, subject_id).await?;
    artefact(services, &doc, version, name).await
}

/// What a freeze gives a document besides its workflow's records, for its facts.
#[derive(Debug, Clone)]
pub(crate) struct Issue {
    /// Its document number (文号): the one its first freeze assigned, kept by later versions;
    /// none for a kind without numbers.
    pub number: Option<DocNumber>,
    /// When it is frozen, Unix ms: the date of the document (成文日期).
    pub at: i64,
    /// Who signs, in the signing order.
    pub signers: Vec<Signer>,
}

/// What a completion did besides logging its record.
#[derive(Debug, Default)]
pub(crate) struct Completed {
    /// What changes in the subject in the write of the last signature.
    pub subject_change: Option<SubjectChange>,
    /// More for the completion's audit row (for minutes: the tasks made).
    pub detail: Map<String, Value>,
}

// ---- requests ----

/// What the manager may say when freezing.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FreezeInput {
    /// Organization ids per signing step, step 1 first; the organizations of a step sign in
    /// parallel. By default the workflow's (for minutes: every participating member in
    /// parallel, then the convener).
    #[serde(default)]
    pub steps: Option<Vec<Vec<String>>>,
}

/// The version a command acts on.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionInput {
    /// The version the caller acts on, so that nobody acts on a version replaced meanwhile.
    pub version: i64,
}

/// Sending a version back.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenInput {
    pub version: i64,
    /// Why the text must change: a decline or a change request.
    pub reason: Reason,
}

/// Asking for the statement to sign.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatementInput {
    pub version: i64,
    /// The caller's enrolled Ed25519 key that will sign.
    pub key_id: String,
}

/// A signature over a statement handed out by the server.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInput {
    pub version: i64,
    /// base64 of the statement bytes, exactly as handed out.
    pub statement: String,
    /// base64 of the Ed25519 signature over the statement's PAE.
    pub signature: String,
}

/// A command that changes a signed document, with what it needs: what a workflow's routes
/// hand to [`act`], one variant a route.
#[derive(Debug)]
pub enum Act {
    Freeze(FreezeInput),
    OpenSigning(VersionInput),
    Sign(SignInput),
    Reopen(ReopenInput),
    Archive(VersionInput),
}

crate::domain::command::commands! {
    /// A command on a signed document in one body (`{"act": "freeze", "steps": […]}`), for a
    /// workflow whose routes take its commands through one route (a dispute's decision): the
    /// same commands as [`Act`], each with exactly its fields.
    pub enum SignedAction tagged "act" {
        /// 定稿, with the signing steps (by default the workflow's).
        Freeze {
            #[serde(default)]
            steps: Option<Vec<Vec<String>>>,
        },
        /// 发起会签.
        OpenSigning { version: i64 },
        /// 签署: the statement handed out and the Ed25519 signature over its PAE.
        Sign { version: i64, statement: String, signature: String },
        /// 退回修改: why.
        Reopen { version: i64, reason: Reason },
        /// 归档.
        Archive { version: i64 },
    }
}

impl crate::domain::command::CommandShape for SignedAction {
    fn missing(act: &str, field: &str) -> Option<String> {
        Some(format!("{field} is required to {act}"))
    }

    fn misplaced(act: &str, field: &str) -> Option<String> {
        Some(format!("{field} is not a field of {act}"))
    }
}

impl From<SignedAction> for Act {
    fn from(action: SignedAction) -> Act {
        match action {
            SignedAction::Freeze { steps } => Act::Freeze(FreezeInput { steps }),
            SignedAction::OpenSigning { version } => Act::OpenSigning(VersionInput { version }),
            SignedAction::Sign {
                version,
                statement,
                signature,
            } => Act::Sign(SignInput {
                version,
                statement,
                signature,
            }),
            SignedAction::Reopen { version, reason } => {
                Act::Reopen(ReopenInput { version, reason })
            }
            SignedAction::Archive { version } => Act::Archive(VersionInput { version }),
        }
    }
}

// ---- answers ----

/// A signed document as a participant sees it: its state, what is signed, who signed in
/// which step, its versions, and what the caller may do now.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignedView {
    /// Its kind: the schema of its content (`concord.minutes/1`).
    pub kind: String,
    /// The space it belongs to.
    pub subject_id: String,
    pub doc_id: String,
    /// The version being worked on: the newest frozen-or-later one, or the draft after the
    /// newest superseded one.
    pub version: i64,
    pub state: SignedState,
    pub state_label: &'static str,
    /// The manifest being signed, from freeze on.
    pub manifest_sha256: Option<String>,
    pub manifest_sm3: Option<String>,
    /// Organization ids per signing step, step 1 first.
    pub steps: Vec<Vec<String>>,
    /// The step being signed now, while signing.
    pub current_step: Option<u32>,
    pub signatures: Vec<SignatureView>,
    /// The caller's organization's step, if it signs.
    pub my_step: Option<u32>,
    /// Whether the caller's organization may sign now.
    pub my_turn: bool,
    /// Whether the caller manages the document (freezes, opens signing, archives).
    pub manages: bool,
    /// Every command of the lifecycle, allowed for the caller now or refused with its rule.
    pub commands: Vec<CommandOffer>,
    pub versions: Vec<VersionSummary>,
}

/// One organization's signature, as the view lists it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignatureView {
    pub step: i64,
    pub org_id: String,
    pub signer_user_id: String,
    /// The person who signed, by name (as the directory names them now).
    pub signer_name: Option<String>,
    /// The body they signed for, by its Chinese name.
    pub org_name: Option<String>,
    pub person_key_id: String,
    pub seal_key_id: String,
    pub signed_at: i64,
    /// Where its envelope is in the signed log.
    pub log_index: i64,
}

/// One frozen version, as the view lists it.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionSummary {
    pub version: i64,
    pub state: SignedState,
    pub manifest_sha256: String,
    pub reopen_reason: Option<String>,
    pub frozen_at: i64,
    /// The file name of its printable PDF rendition (`minutes.pdf`), served beside the other
    /// artefacts; none when it was frozen without one (no Chinese font on the server then,
    /// or before PDFs were made): print the HTML rendition instead.
    pub pdf: Option<String>,
    /// The file name of its signature page (签署页, the signers as persons), the PDF when there
    /// is one, else the HTML; none before it is archived (and in versions archived before
    /// signature pages were made).
    pub signature_page: Option<String>,
}

/// What a signer signs: the statement the server built and its DSSE PAE.
#[derive(Debug, Serialize, ToSchema)]
pub struct ToSign {
    /// The DSSE payload type of the document's kind, which the PAE names: a client that
    /// checks the PAE before signing builds it with this.
    pub payload_type: String,
    /// base64 of the statement's bytes (RFC 8785); send it back unchanged with the signature.
    pub statement: String,
    /// base64 of the exact bytes to sign with Ed25519: DSSE's PAE of the statement.
    pub pae: String,
    pub manifest_sha256: String,
    pub step: u32,
    /// The statement as JSON, for a person to read before signing.
    #[schema(value_type = Object)]
    pub statement_json: Value,
}

/// One stored file of a version, exactly as frozen.
pub struct Artefact {
    pub media_type: &'static str,
    pub bytes: Vec<u8>,
}

// ---- what every operation shares ----

/// The version being worked on and its state: the newest frozen-or-later version, or the
/// draft after the newest superseded one.
fn current(versions: &[SignedVersion]) -> (i64, SignedState) {
    match versions.last() {
        None => (1, SignedState::Draft),
        Some(v) if v.state == SignedState::Superseded => (v.version + 1, SignedState::Draft),
        Some(v) => (v.version, v.state),
    }
}

/// The version the caller names, which must be the newest and not superseded. The draft
/// being edited (the version the view names while it is a draft) exists but has nothing to
/// act on yet: a conflict, not "not found".
fn live_version<D: SignedDocument>(
    versions: &[SignedVersion],
    version: i64,
) -> Result<&SignedVersion, Error> {
    let Some(found) = versions.iter().find(|v| v.version == version) else {
        if current(versions) == (version, SignedState::Draft) {
            return Err(Error::refused(
                crate::domain::phrases::SIGNED_STILL_DRAFT
                    .with("version", version)
                    .with_words("doc", D::THE_ZH, D::THE),
            ));
        }
        return Err(not_frozen::<D>(version));
    };
    if found.state == SignedState::Superseded {
        return Err(Error::refused(D::Words::WORDS.superseded));
    }
    Ok(found)
}

fn not_frozen<D: SignedDocument>(version: i64) -> Error {
    Error::NotFound(
        crate::domain::phrases::SIGNED_NO_FROZEN_VERSION
            .with("version", version)
            .with_words("doc", D::THE_ZH, D::THE),
    )
}

/// The kind a stored version names.
fn kind_of(version: &SignedVersion) -> Result<&'static dyn AnyKind, Error> {
    by_schema(&version.kind).ok_or_else(|| {
        Error::Internal(anyhow::anyhow!(
            "stored version {}:{} is of unknown kind {:?}",
            version.doc_id,
            version.version,
            version.kind
        ))
    })
}

/// The signing policy stored in a manifest.
fn manifest_of(version: &SignedVersion) -> Result<Manifest, Error> {
    Manifest::parse(&version.manifest).map_err(|e| {
        Error::Internal(anyhow::anyhow!(
            "stored manifest of {}:{} does not parse: {e}",
            version.doc_id,
            version.version
        ))
    })
}

/// Who the caller is to the document: whether they manage it, and where their organization
/// stands in `steps` given who `signed`. Asked of the policy without auditing: this only
/// describes; the operations ask with `allow`, which records a refusal.
fn party<D: SignedDocument>(
    doc: &D,
    caller: &Caller,
    steps: &[Vec<String>],
    signed: &BTreeSet<String>,
) -> SignParty {
    let words = D::Words::WORDS;
    let not_manager = policy::decide(&caller.actor, &doc.manage_action())
        .err()
        .map(|denied| denied.rule);
    let turn = match (
        policy::decide(&caller.actor, &doc.sign_action()),
        caller.org.as_ref(),
    ) {
        (Err(denied), _) => Turn::No(denied.rule),
        (Ok(()), None) => Turn::No(words.not_signatory),
        (Ok(()), Some(org)) => rules::turn(&words, steps, signed, &org.id),
    };
    SignParty { not_manager, turn }
}

/// What the machine says to `command`, as an operation's refusal.
fn check<D: SignedDocument>(
    doc: &D,
    state: SignedState,
    party: SignParty,
    command: SignedCommand,
) -> Result<SignedState, Error> {
    rules::transition(&D::Words::WORDS, doc.gate(), state, party, command)
        .map_err(|refused| Error::refused(refused.message()))
}

/// The same event to every body of the space: `<name>.<what>` with the document's payload,
/// its version and `extra`.
fn to_members<D: SignedDocument>(doc: &D, what: &str, version: i64, extra: Value) -> Vec<NewEvent> {
    let payload = event_payload(doc, version, extra);
    doc.space()
        .members
        .iter()
        .map(|m| NewEvent {
            audience: Audience::Org(m.org_id.clone()),
            kind: format!("{}.{what}", D::NAME),
            subject: doc.event_subject(),
            payload: payload.clone(),
        })
        .collect()
}

fn event_payload<D: SignedDocument>(doc: &D, version: i64, extra: Value) -> Value {
    let mut payload = doc.event_payload();
    payload.insert("version".into(), json!(version));
    if let Value::Object(extra) = extra {
        payload.extend(extra);
    }
    Value::Object(payload)
}

/// `org`'s turn has come: it is asked to sign.
fn your_turn<D: SignedDocument>(doc: &D, version: &SignedVersion, org: &str) -> NewEvent {
    NewEvent {
        audience: Audience::Org(org.to_owned()),
        kind: format!("{}.sign_requested", D::NAME),
        subject: doc.event_subject(),
        payload: event_payload(
            doc,
            version.version,
            json!({ "manifest_sha256": version.manifest_sha256 }),
        ),
    }
}

/// The audit action of `what` done to the document: `minutes_frozen`.
fn action<D: SignedDocument>(what: &str) -> String {
    format!("{}_{what}", D::NAME)
}

fn leaf<D: SignedDocument>(doc: &D, kind: LeafKind, version: i64, bytes: Vec<u8>) -> NewLeaf {
    NewLeaf {
        kind,
        subject: doc.target(version),
        leaf_hash: merkle::leaf_hash(&bytes),
        bytes,
    }
}

/// Tells every open socket of the space to re-check its access (a frozen document becomes
/// read-only, a reopened one writable), and wakes the event pump and the job worker.
/// `doc_frozen`: the document whose room was frozen or opened again, for the other nodes.
fn announce(services: &Services, space_id: &str, doc_frozen: Option<(String, bool)>) {
    services.access.announce(AccessChange {
        space_id: Some(space_id.to_owned()),
        doc_frozen,
        ..AccessChange::default()
    });
    services.wake();
}

// ---- the view ----

/// The document as the caller sees it.
pub(crate) async fn view<D: SignedDocument>(
    services: &Services,
    caller: &Caller,
    doc: &D,
) -> Result<SignedView, Error> {
    let versions = services.db.signed_versions(doc.doc_id()).await?;
    let (number, state) = current(&versions);
    let live = versions.last().filter(|v| v.version == number);
    let (steps, manifest_sha256, manifest_sm3, signatures) = match live {
        Some(v) => (
            manifest_of(v)?.policy.steps,
            Some(v.manifest_sha256.clone()),
            Some(sm3_hex(&v.manifest)),
            services.db.signed_signatures(&v.doc_id, v.version).await?,
        ),
        None => (Vec::new(), None, None, Vec::new()),
    };
    let signed: BTreeSet<String> = signatures.iter().map(|s| s.org_id.clone()).collect();
    let party = party(doc, caller, &steps, &signed);
    let my_org = caller.org.as_ref().map(|o| o.id.as_str());
    // People and bodies by name: a reader of the signatures sees who signed, not ids.
    let mut names = Vec::with_capacity(signatures.len());
    for s in &signatures {
        let person = services.db.user(&s.signer_user_id).await?;
        let org = services.db.org(&s.org_id).await?;
        names.push((
            person.map(|u| u.display_name.to_string()),
            org.map(|o| o.name_zh.to_string()),
        ));
    }
    Ok(SignedView {
        kind: live.map_or(<D::Kind as SignedKind>::SCHEMA.to_owned(), |v| {
            v.kind.clone()
        }),
        subject_id: doc.space().id.clone(),
        doc_id: doc.doc_id().to_owned(),
        version: number,
        state,
        state_label: state.label_zh(),
        manifest_sha256,
        manifest_sm3,
        current_step: (state == SignedState::Signing)
            .then(|| rules::current_step(&steps, &signed))
            .flatten(),
        my_step: my_org.and_then(|org| rules::step_of(&steps, org)),
        my_turn: state == SignedState::Signing && party.turn == Turn::Now,
        manages: party.not_manager.is_none(),
        commands: kernel::offers::<SignedFlow<D::Words>>(doc.gate(), state, party),
        steps,
        signatures: signatures
            .into_iter()
            .zip(names)
            .map(|(s, (signer_name, org_name))| SignatureView {
                step: s.step,
                org_id: s.org_id,
                signer_user_id: s.signer_user_id,
                signer_name,
                org_name,
                person_key_id: s.person_key_id,
                seal_key_id: s.seal_key_id,
                signed_at: s.signed_at,
                log_index: s.leaf,
            })
            .collect(),
        versions: versions
            .iter()
            .map(|v| VersionSummary {
                version: v.version,
                state: v.state,
                manifest_sha256: v.manifest_sha256.clone(),
                reopen_reason: v.reopen_reason.clone(),
                frozen_at: v.frozen_at,
                pdf: v
                    .rendition_pdf
                    .as_ref()
                    .and_then(|_| by_schema(&v.kind))
                    .map(|kind| kind.pdf_rendition().to_owned()),
                signature_page: v.signature_page.as_ref().map(|page| {
                    match page.pdf {
                        Some(_) => bundle::SIGNATURE_PAGE_PDF,
                        None => bundle::SIGNATURE_PAGE_HTML,
                    }
                    .to_owned()
                }),
            })
            .collect(),
    })
}

/// One stored file of a version (`content.json`, `manifest.json`, the rendition), exactly as
/// frozen.
pub(crate) async fn artefact<D: SignedDocument>(
    services: &Services,
    doc: &D,
    version: i64,
    name: &str,
) -> Result<Artefact, Error> {
    let v = services
        .db
        .signed_versions(doc.doc_id())
        .await?
        .into_iter()
        .find(|v| v.version == version)
        .ok_or_else(|| not_frozen::<D>(version))?;
    let kind = kind_of(&v)?;
    let (rendition, pdf) = (kind.rendition(), kind.pdf_rendition());
    let page = v.signature_page;
    let found = match name {
        bundle::CONTENT => Some(("application/json", v.content)),
        bundle::MANIFEST => Some(("application/json", v.manifest)),
        name if name == rendition => Some((kind::HTML_MEDIA_TYPE, v.rendition)),
        name if name == pdf => v.rendition_pdf.map(|bytes| (PDF_MEDIA_TYPE, bytes)),
        bundle::SIGNATURE_PAGE_HTML => page.map(|p| (kind::HTML_MEDIA_TYPE, p.html)),
        bundle::SIGNATURE_PAGE_PDF => page
            .and_then(|p| p.pdf)
            .map(|bytes| (PDF_MEDIA_TYPE, bytes)),
        _ => None,
    };
    let Some((media_type, bytes)) = found else {
        return Err(Error::NotFound(
            crate::domain::phrases::SIGNED_NO_ARTEFACT
                .with("name", format!("{name:?}"))
                .with("rendition", rendition)
                .with("pdf", pdf)
                .with("page_html", bundle::SIGNATURE_PAGE_HTML)
                .with("page_pdf", bundle::SIGNATURE_PAGE_PDF),
        ));
    };
    Ok(Artefact { media_type, bytes })
}

/// Gives `act` to the document; answers the document as the caller sees it afterwards.
pub(crate) async fn act<D: SignedDocument>(
    services: &Services,
    caller: &Caller,
    doc: &D,
    act: Act,
) -> Result<SignedView, Error> {
    match act {
        Act::Freeze(input) => freeze(services, caller, doc, input).await,
        Act::OpenSigning(input) => open_signing(services, caller, doc, input).await,
        Act::Sign(input) => sign(services, caller, doc, input).await,
        Act::Reopen(input) => reopen(services, caller, doc, input).await,
        Act::Archive(input) => archive(services, caller, doc, input).await,
    }
}

// ---- freeze ----

/// Freezes the document: it stops changing for everyone at once, its canonical projection
/// and manifest are stored and the manifest logged.
async fn freeze<D: SignedDocument>(
    services: &Services,
    caller: &Caller,
    doc: &D,
    input: FreezeInput,
) -> Result<SignedView, Error> {
    caller.allow(&services.db, doc.manage_action()).await?;
    let versions = services.db.signed_versions(doc.doc_id()).await?;
    let (version, state) = current(&versions);
    check(
        doc,
        state,
        party(doc, caller, &[], &BTreeSet::new()),
        SignedCommand::Freeze,
    )?;
    let steps = input.steps.unwrap_or_else(|| doc.default_steps());
    rules::check_steps(&steps, &doc.signatories(), D::SIGNATORIES)
        .map_err(|why| Error::invalid("steps", why))?;
    let supersedes = versions.last().map(|v| v.manifest_sha256.clone());

    let doc_id = collab::DocId::parse(doc.doc_id())
        .map_err(|_| Error::internal("stored document id is invalid"))?;
    // A record of facts alone has no room to stop: its state is the empty document's.
    let frozen = if D::FACTS_ONLY {
        None
    } else {
        Some(services.rooms.freeze(&doc_id).await?)
    };
    let empty;
    let state = match &frozen {
        Some(frozen) => &frozen.state,
        None => {
            empty = empty_state();
            &empty
        }
    };
    let written = record_freeze(services, caller, doc, version, steps, supersedes, state).await;
    match written {
        Ok(()) => {
            let doc_frozen = frozen.as_ref().map(|_| (doc_id.to_string(), true));
            drop(frozen);
            announce(services, &doc.space().id, doc_frozen);
            view(services, caller, doc).await
        }
        Err(e) => {
            if let Some(frozen) = frozen {
                frozen.undo();
            }
            Err(e)
        }
    }
}

/// The state of a document nobody wrote: what a record of facts alone is frozen with.
fn empty_state() -> collab::FrozenState {
    use yrs::updates::encoder::Encode;
    use yrs::{ReadTxn, StateVector, Transact};
    let doc = yrs::Doc::new();
    let txn = doc.transact();
    collab::FrozenState {
        update_v1: txn.encode_state_as_update_v1(&StateVector::default()),
        state_vector_v1: txn.state_vector().encode_v1(),
    }
}

async fn record_freeze<D: SignedDocument>(
    services: &Services,
    caller: &Caller,
    doc: &D,
    version: i64,
    steps: Vec<Vec<String>>,
    supersedes: Option<String>,
    state: &collab::FrozenState,
) -> Result<(), Error> {
    let now = services.clock.now_ms();
    let mut signers = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        for org_id in step {
            let org_name = match services.db.org(org_id).await? {
                Some(org) => org.name_zh.to_string(),
                None => org_id.clone(),
            };
            let role = doc
                .space()
                .members
                .iter()
                .find(|m| m.org_id == *org_id)
                .map_or("member", |m| m.role.as_str());
            signers.push(Signer {
                step: i as u32 + 1,
                org_id: org_id.clone(),
                org_name,
                role: role.to_owned(),
            });
        }
    }
    let (number, assigned) = number_for(services, doc, now).await?;
    let issue = Issue {
        number,
        at: now,
        signers: signers.clone(),
    };
    let facts = doc.facts(&issue);
    let pdf = typeset_pdf::<D>(services, &state.update_v1, &facts).await;
    let frozen = kind::freeze::<D::Kind>(kind::FreezeInput {
        subject_id: doc.space().id.clone(),
        doc_id: doc.doc_id().to_owned(),
        version: version as u32,
        title: doc.title().to_owned(),
        state_v1: &state.update_v1,
        state_vector_v1: &state.state_vector_v1,
        facts: &facts,
        signers,
        supersedes,
        pdf,
    })
    .map_err(|e| match e {
        SigningError::Projection(e) => Error::refused(
            rules::FREEZE_LAYOUT
                .message()
                .with_words(
                    "name",
                    <D::Kind as SignedKind>::NAME_ZH,
                    <D::Kind as SignedKind>::NAME,
                )
                .with("reason", e),
        ),
        SigningError::Malformed { reason, .. } => Error::invalid("steps", reason),
        e => Error::internal(e),
    })?;
    doc.check_content(&frozen.content_value)?;
    let manifest_sha256 = sha256_hex(&frozen.manifest_bytes);
    let target = doc.target(version);
    let mut effects = Effects::default();
    effects.events.extend(to_members(
        doc,
        "frozen",
        version,
        json!({ "manifest_sha256": manifest_sha256 }),
    ));
    effects.audit.push(audit(
        caller,
        now,
        &action::<D>("frozen"),
        target,
        json!({ "from": "draft", "to": "frozen", "version": version,
                "manifest_sha256": manifest_sha256, "steps": steps }),
    ));
    let new = NewSignedVersion {
        doc_id: doc.doc_id().to_owned(),
        version,
        kind: <D::Kind as SignedKind>::SCHEMA.to_owned(),
        subject_id: doc.space().id.clone(),
        content: frozen.content,
        manifest: frozen.manifest_bytes.clone(),
        manifest_sha256,
        crdt_state: state.update_v1.clone(),
        rendition: frozen.rendition,
        rendition_pdf: frozen.pdf,
        frozen_by: caller.actor.user_id.clone(),
        frozen_at: now,
    };
    if let Some(number) = assigned {
        effects.assign_number(doc.doc_id(), number);
    }
    let leaf = leaf(doc, LeafKind::Manifest, version, frozen.manifest_bytes);
    match services.db.freeze_signed(&new, &leaf, &effects).await {
        Ok(_) => Ok(()),
        // A unique key met: another document of the same body took the number between our
        // read and our write (or another freeze of this document won). Nothing was stored.
        Err(DbError::Conflict(_)) => Err(Error::Conflict(
            crate::domain::phrases::SIGNED_NUMBER_TAKEN.message(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// The PDF rendition of the document about to be frozen: projected from the same state and
/// facts as the freeze will project them, typeset once, off the async threads. None without a
/// Chinese font (the start-up log says so), for a kind without a PDF rendition, or when
/// typesetting failed (logged: a bug of the template, which must not stop a freeze; the
/// version then has its HTML rendition only, as without a font).
async fn typeset_pdf<D: SignedDocument>(
    services: &Services,
    state_v1: &[u8],
    facts: &<D::Kind as SignedKind>::Facts,
) -> Option<Vec<u8>> {
    // A document outside its kind's layout is refused by the freeze itself, with its reason.
    let content = kind::project_state::<D::Kind>(state_v1, facts).ok()?;
    let fonts = services.fonts.clone();
    let typeset = tokio::task::spawn_blocking(move || {
        let fonts = fonts.fonts()?;
        kind::render_pdf::<D::Kind>(&content, &fonts)
    })
    .await;
    match typeset {
        Ok(Some(Ok(bytes))) => Some(bytes),
        Ok(None) => None,
        Ok(Some(Err(e))) => {
            tracing::error!(error = %e, kind = <D::Kind as SignedKind>::SCHEMA, "the PDF rendition could not be typeset; the version has its HTML rendition only");
            None
        }
        Err(e) => {
            tracing::error!(error = %e, "typesetting the PDF rendition stopped");
            None
        }
    }
}

/// The signature page (签署页) of a signed version, made when it is archived: every signature
/// as its person (the name their logged key binding gives), body, the body's role in the
/// matter and the time the server accepted it. Typeset as PDF too when there is a Chinese
/// font.
async fn signature_page(
    services: &Services,
    v: &SignedVersion,
) -> Result<SignaturePageBytes, Error> {
    let kind = kind_of(v)?;
    let manifest = Manifest::parse(&v.manifest).map_err(Error::internal)?;
    let content: Value = serde_json::from_slice(&v.content).map_err(Error::internal)?;
    let mut signers = Vec::new();
    let mut signatures = services.db.signed_signatures(&v.doc_id, v.version).await?;
    signatures.sort_by_key(|s| (s.step, s.signed_at));
    for s in &signatures {
        let binding = match services.db.signing_key(&s.person_key_id).await? {
            Some(key) => services
                .db
                .log_leaves(&[key.binding_leaf])
                .await?
                .pop()
                .and_then(|leaf| statement::KeyBinding::parse(&leaf.bytes).ok()),
            None => None,
        };
        let person = match binding.as_ref().and_then(|b| b.user_name.clone()) {
            Some(name) => name,
            None => match services.db.user(&s.signer_user_id).await? {
                Some(user) => user.display_name.to_string(),
                None => s.signer_user_id.clone(),
            },
        };
        let signer = manifest.signers.iter().find(|m| m.org_id == s.org_id);
        let org_name = match (binding.and_then(|b| b.org_name), signer) {
            (Some(name), _) => name,
            (None, Some(signer)) => signer.org_name.clone(),
            (None, None) => s.org_id.clone(),
        };
        let role = signer.map_or("", |m| m.role.as_str());
        signers.push(SignedBy {
            step: s.step as u32,
            org_name,
            person,
            role: role
                .parse::<SpaceRole>()
                .map_or_else(|_| role.to_owned(), |r| r.label_zh().to_owned()),
            signed_at: rfc3339(s.signed_at),
        });
    }
    let completed_at = v
        .completion
        .as_deref()
        .and_then(|bytes| statement::Completion::parse(bytes).ok())
        .map(|c| c.completed_at)
        .unwrap_or_else(|| rfc3339(v.updated_at));
    let page = SignaturePage {
        kind_label: kind.name_zh().to_owned(),
        title: manifest.title.clone(),
        number: content
            .pointer("/document/number")
            .and_then(Value::as_str)
            .map(str::to_owned),
        version: v.version,
        signers,
        completed_at,
    };
    let html = page.html().into_bytes();
    let fonts = services.fonts.clone();
    let office = page.office_page();
    let pdf = tokio::task::spawn_blocking(move || {
        let fonts = fonts.fonts()?;
        match pdf::render(&office, &fonts) {
            Ok(bytes) => Some(bytes),
            Err(e) => {
                tracing::error!(error = %e, "the signature page could not be typeset as PDF");
                None
            }
        }
    })
    .await
    .map_err(Error::internal)?;
    Ok(SignaturePageBytes { html, pdf })
}

/// The document number of a freeze: the one the document already has (a later version keeps
/// it), or the issuing body's next for the year of `now` in Beijing time, with its stored
/// short name or the one derived from its name; the second value is a number to store with
/// the freeze.
async fn number_for<D: SignedDocument>(
    services: &Services,
    doc: &D,
    now: i64,
) -> Result<(Option<DocNumber>, Option<DocNumber>), Error> {
    let Some((org_id, word)) = doc.numbered_by() else {
        return Ok((None, None));
    };
    if let Some(number) = services.db.doc_number(doc.doc_id()).await? {
        return Ok((Some(number), None));
    }
    let year = local_date(now).map_or(1970, |date| date.year());
    let prefix = match services.db.doc_prefix(org_id).await? {
        Some(prefix) => prefix,
        None => match services.db.org(org_id).await? {
            Some(org) => {
                let region = services.db.region(&org.region).await?;
                default_prefix(
                    &org.name_zh.to_string(),
                    region.map(|r| r.name_zh.to_string()).as_deref(),
                )
            }
            None => return Err(Error::internal("the issuing body does not exist")),
        },
    };
    let seq = services.db.next_doc_seq(org_id, word, year).await?;
    let number = DocNumber {
        org_id: org_id.to_owned(),
        prefix,
        word: word.to_owned(),
        year,
        seq,
    };
    Ok((Some(number.clone()), Some(number)))
}

// ---- open signing ----

/// The live version a manager's command acts on, once the policy lets the caller manage the
/// document and the lifecycle lets the command be given, and the state it leads to.
async fn managed<D: SignedDocument>(
    services: &Services,
    caller: &Caller,
    doc: &D,
    input: VersionInput,
    command: SignedCommand,
) -> Result<(SignedVersion, SignedState), Error> {
    caller.allow(&services.db, doc.manage_action()).await?;
    let versions = services.db.signed_versions(doc.doc_id()).await?;
    let live = live_version::<D>(&versions, input.version)?;
    let to = check(
        doc,
        live.state,
        party(doc, caller, &[], &BTreeSet::new()),
        command,
    )?;
    Ok((live.clone(), to))
}

/// Opens signing: the first step's organizations are told it is their turn.
async fn open_signing<D: SignedDocument>(
    services: &Services,
    caller: &Caller,
    doc: &D,
    input: VersionInput,
) -> Result<SignedView, Error> {
    let (live, to) = managed(services, caller, doc, input, SignedCommand::OpenSigning).await?;
    let manifest = manifest_of(&live)?;
    let now = services.clock.now_ms();
    let mut effects = Effects::default();
    for org in manifest.policy.steps.first().into_iter().flatten() {
        effects.events.push(your_turn(doc, &live, org));
    }
    effects.audit.push(audit(
        caller,
        now,
        &action::<D>("signing_opened"),
        doc.target(live.version),
        json!({ "from": live.state, "to": to, "version": live.version }),
    ));
    services
        .db
        .move_signed(&live.doc_id, live.version, live.state, to, now, &effects)
        .await?;
    services.wake();
    view(services, caller, doc).await
}

// ---- sign ----

/// Where a signature stands: the live version, its policy and signatures, and the step the
/// caller's organization signs at now (its turn checked by the lifecycle).
struct Turned {
    live: SignedVersion,
    kind: &'static dyn AnyKind,
    steps: Vec<Vec<String>>,
    signatures: Vec<SignedSignature>,
    org_id: String,
    step: u32,
}

/// The caller's organization's turn on `version`, once the policy lets the caller sign.
async fn turned<D: SignedDocument>(
    services: &Services,
    caller: &Caller,
    doc: &D,
    versions: &[SignedVersion],
    version: i64,
) -> Result<Turned, Error> {
    let live = live_version::<D>(versions, version)?;
    let kind = kind_of(live)?;
    let steps = manifest_of(live)?.policy.steps;
    let signatures = services
        .db
        .signed_signatures(&live.doc_id, live.version)
        .await?;
    let signed: BTreeSet<String> = signatures.iter().map(|s| s.org_id.clone()).collect();
    check(
        doc,
        live.state,
        party(doc, caller, &steps, &signed),
        SignedCommand::Sign,
    )?;
    let org_id = own_org(caller, &format!("sign {}", D::THE))?.to_owned();
    let step = rules::step_of(&steps, &org_id)
        .ok_or_else(|| Error::internal("a signatory in turn has no step"))?;
    Ok(Turned {
        live: live.clone(),
        kind,
        steps,
        signatures,
        org_id,
        step,
    })
}

/// `prev` of a statement at `step`: the payload hashes of every signature of the step before.
fn prev_of(signatures: &[SignedSignature], step: u32) -> Vec<String> {
    let mut prev: Vec<String> = signatures
        .iter()
        .filter(|s| s.step == i64::from(step) - 1)
        .map(|s| s.payload_sha256.clone())
        .collect();
    prev.sort();
    prev
}

/// Builds the statement the caller's organization signs now, and the bytes to sign.
pub(crate) async fn statement<D: SignedDocument>(
    services: &Services,
    caller: &Caller,
    doc: &D,
    input: StatementInput,
) -> Result<ToSign, Error> {
    caller.allow(&services.db, doc.sign_action()).await?;
    let versions = services.db.signed_versions(doc.doc_id()).await?;
    let turned = turned(services, caller, doc, &versions, input.version).await?;
    let now = services.clock.now_ms();
    let person = person_key_for(services, caller, &input.key_id, now).await?;
    let (_, seal) = seal_for(services, &turned.org_id, now).await?;
    let live = &turned.live;
    let statement = Statement {
        manifest_sha256: live.manifest_sha256.clone(),
        manifest_sm3: sm3_hex(&live.manifest),
        step: turned.step,
        org_id: turned.org_id.clone(),
        signer: caller.actor.user_id.clone(),
        key_ids: vec![person.key_id.clone(), seal.key_id.clone()],
        intent: turned.kind.intent().to_owned(),
        prev: prev_of(&turned.signatures, turned.step),
        claimed_time: rfc3339(now),
    };
    let bytes = statement.to_bytes();
    let statement_json: Value = serde_json::from_slice(&bytes)
        .map_err(|e| Error::internal(format!("statement does not parse back: {e}")))?;
    let payload_type = turned.kind.payload_type();
    Ok(ToSign {
        payload_type: payload_type.to_owned(),
        pae: B64.encode(dsse::pae(payload_type, &bytes)),
        statement: B64.encode(&bytes),
        manifest_sha256: live.manifest_sha256.clone(),
        step: turned.step,
        statement_json,
    })
}

/// The statement and signature of a request, decoded and parsed.
fn decode(input: &SignInput) -> Result<(Vec<u8>, Vec<u8>, Statement), Error> {
    let bytes = B64
        .decode(input.statement.trim())
        .map_err(|_| Error::invalid("statement", "statement is not base64"))?;
    let sig = B64
        .decode(input.signature.trim())
        .map_err(|_| Error::invalid("signature", "signature is not base64"))?;
    let statement = Statement::parse(&bytes).map_err(|e| {
        Error::invalid(
            "statement",
            format!("statement is not a canonical signature statement: {e}"),
        )
    })?;
    Ok((bytes, sig, statement))
}

/// Accepts a person's signature for their organization, seals it, logs the envelope; the
/// last required signature completes the document, with what its workflow makes of that.
async fn sign<D: SignedDocument>(
    services: &Services,
    caller: &Caller,
    doc: &D,
    input: SignInput,
) -> Result<SignedView, Error> {
    caller.allow(&services.db, doc.sign_action()).await?;
    own_org(caller, &format!("sign {}", D::THE))?;
    let (bytes, sig, statement) = decode(&input)?;
    let versions = services.db.signed_versions(doc.doc_id()).await?;
    if let Some(old) = versions.iter().find(|v| {
        v.manifest_sha256 == statement.manifest_sha256 && v.state == SignedState::Superseded
    }) {
        return Err(Error::refused(
            crate::domain::phrases::SIGNED_STATEMENT_SUPERSEDED
                .with("version", old.version)
                .with_words("doc", D::THE_ZH, D::THE),
        ));
    }
    let Turned {
        live,
        kind,
        steps,
        signatures,
        org_id,
        step,
    } = turned(services, caller, doc, &versions, input.version).await?;
    if statement.manifest_sha256 != live.manifest_sha256
        || statement.manifest_sm3 != sm3_hex(&live.manifest)
    {
        return Err(Error::refused(
            "the statement does not name this version's manifest; ask for a new statement",
        ));
    }
    if statement.org_id != org_id || statement.signer != caller.actor.user_id {
        return Err(Error::invalid(
            "statement",
            "the statement names another organization or signer than you",
        ));
    }
    if statement.intent != kind.intent() {
        return Err(Error::invalid(
            "statement",
            format!("the statement's intent must be {:?}", kind.intent()),
        ));
    }
    if statement.step != step || statement.prev != prev_of(&signatures, step) {
        return Err(Error::refused(
            "the statement's step or its record of the previous step is out of date; ask for a new statement",
        ));
    }
    let now = services.clock.now_ms();
    let claimed = OffsetDateTime::parse(&statement.claimed_time, &Rfc3339)
        .map_err(|_| Error::invalid("claimed_time", "claimed_time is not an RFC 3339 time"))?;
    let claimed_ms = (claimed.unix_timestamp_nanos() / 1_000_000) as i64;
    if (now - claimed_ms).abs() > STATEMENT_VALID_MS {
        return Err(Error::refused(
            "the statement is too old (or from the future); ask for a new statement",
        ));
    }
    let envelope = seal(services, caller, kind, &statement, &bytes, &sig, now).await?;
    let envelope_bytes = envelope.to_bytes();
    let signature = SignedSignature {
        doc_id: live.doc_id.clone(),
        version: live.version,
        kind: live.kind.clone(),
        subject_id: live.subject_id.clone(),
        step: i64::from(step),
        org_id: org_id.clone(),
        signer_user_id: caller.actor.user_id.clone(),
        person_key_id: envelope.signatures[0].keyid.clone(),
        seal_key_id: envelope.signatures[1].keyid.clone(),
        envelope: envelope_bytes.clone(),
        payload_sha256: sha256_hex(&bytes),
        leaf: -1,
        signed_at: now,
    };
    let mut after: BTreeSet<String> = signatures.iter().map(|s| s.org_id.clone()).collect();
    after.insert(org_id.clone());
    let mut effects = Effects::default();
    effects.audit.push(audit(
        caller,
        now,
        &action::<D>("signed"),
        doc.target(live.version),
        json!({ "version": live.version, "step": step, "org_id": org_id,
                "person_key_id": signature.person_key_id, "seal_key_id": signature.seal_key_id }),
    ));
    let completion = match rules::after_signature(&steps, &after) {
        SignedState::Signed => {
            let completion = complete(
                services,
                caller,
                doc,
                &live,
                &signatures,
                &envelope_bytes,
                now,
                &mut effects,
            )
            .await?;
            Some(completion)
        }
        _ => {
            // The next step opens when this signature completes the current one.
            if let Some(next) = rules::current_step(&steps, &after).filter(|&next| next != step) {
                for org in &steps[next as usize - 1] {
                    effects.events.push(your_turn(doc, &live, org));
                }
            }
            None
        }
    };
    let leaf = leaf(doc, LeafKind::Signature, live.version, envelope_bytes);
    services
        .db
        .add_signature(
            &signature,
            &leaf,
            signatures.len(),
            completion.as_ref(),
            &effects,
        )
        .await?;
    services.wake();
    view(services, caller, doc).await
}

/// Checks the person's signature over the statement's PAE with their bound key, then seals
/// it for the organization: the envelope to log, the person's signature first.
async fn seal(
    services: &Services,
    caller: &Caller,
    kind: &dyn AnyKind,
    statement: &Statement,
    bytes: &[u8],
    sig: &[u8],
    now: i64,
) -> Result<Envelope, Error> {
    let [person_key_id, seal_key_id] = statement.key_ids.as_slice() else {
        return Err(Error::invalid(
            "key_ids",
            "key_ids must name the person's key and the organization's seal",
        ));
    };
    let person = person_key_for(services, caller, person_key_id, now).await?;
    let (seal_key, seal_row) = seal_for(services, &statement.org_id, now).await?;
    if seal_row.key_id != *seal_key_id {
        return Err(Error::refused(&crate::domain::phrases::SEAL_CHANGED));
    }
    let pae = dsse::pae(kind.payload_type(), bytes);
    let verifying = PersonKey::from_spki_der(&person.spki)
        .map_err(|e| Error::internal(format!("stored person key unusable: {e}")))?;
    verifying.verify(&pae, sig).map_err(|_| {
        Error::invalid(
            "statement",
            "the signature does not verify with your enrolled key over the statement's PAE",
        )
    })?;
    let seal_sig = seal_key.sign(&pae);
    Ok(Envelope {
        payload_type: kind.payload_type().into(),
        payload: B64.encode(bytes),
        signatures: vec![
            EnvelopeSignature {
                keyid: person.key_id.clone(),
                sig: B64.encode(sig),
            },
            EnvelopeSignature {
                keyid: seal_row.key_id.clone(),
                sig: B64.encode(&seal_sig),
            },
        ],
    })
}

/// The completion record of the last signature, and what the workflow's completion causes
/// (added to `effects`), with the `signed` event to every body and the audit row.
#[allow(clippy::too_many_arguments)]
async fn complete<D: SignedDocument>(
    services: &Services,
    caller: &Caller,
    doc: &D,
    live: &SignedVersion,
    signatures: &[SignedSignature],
    envelope: &[u8],
    now: i64,
    effects: &mut Effects,
) -> Result<Completion, Error> {
    let mut statements: Vec<String> = signatures
        .iter()
        .map(|s| sha256_hex(&s.envelope))
        .chain(std::iter::once(sha256_hex(envelope)))
        .collect();
    statements.sort();
    let record = statement::Completion {
        r#type: statement::COMPLETION_TYPE.into(),
        manifest_sha256: live.manifest_sha256.clone(),
        statements,
        completed_at: rfc3339(now),
    };
    let bytes = record.to_bytes();
    let content: Value = serde_json::from_slice(&live.content)
        .map_err(|e| Error::internal(format!("stored content does not parse: {e}")))?;
    let completed = doc
        .complete(services, caller, live, &content, now, effects)
        .await?;
    effects.events.extend(to_members(
        doc,
        "signed",
        live.version,
        json!({ "manifest_sha256": live.manifest_sha256 }),
    ));
    let mut detail = Map::new();
    detail.insert("from".into(), json!("signing"));
    detail.insert("to".into(), json!("signed"));
    detail.insert("version".into(), json!(live.version));
    detail.extend(completed.detail);
    effects.audit.push(audit(
        caller,
        now,
        &action::<D>("completed"),
        doc.target(live.version),
        Value::Object(detail),
    ));
    Ok(Completion {
        leaf_hash: merkle::leaf_hash(&bytes),
        bytes,
        subject_change: completed.subject_change.unwrap_or(SubjectChange::None),
    })
}

// ---- reopen ----

/// Sends a frozen document back for changes: the version is superseded (it and its
/// signatures stay in the log) and the document is edited again as the next version. Its
/// manager may do so, and so may a signatory organization while signing is open (a decline
/// or a change request).
async fn reopen<D: SignedDocument>(
    services: &Services,
    caller: &Caller,
    doc: &D,
    input: ReopenInput,
) -> Result<SignedView, Error> {
    let reason = input.reason.into_string();
    let versions = services.db.signed_versions(doc.doc_id()).await?;
    let live = live_version::<D>(&versions, input.version)?;
    let manifest = manifest_of(live)?;
    let party = party(doc, caller, &manifest.policy.steps, &BTreeSet::new());
    // The manager may always send it back; asking the policy without auditing (in `party`)
    // keeps a signatory's legitimate decline from being recorded as a refusal.
    if party.not_manager.is_some() {
        caller.allow(&services.db, doc.sign_action()).await?;
        own_org(caller, &format!("send {} back", D::THE))?;
        if !party.turn.signs() {
            return Err(Error::Denied(D::Words::WORDS.reopen_denied.into()));
        }
    }
    check(doc, live.state, party, SignedCommand::Reopen)?;
    let now = services.clock.now_ms();
    let record = Reopen {
        r#type: statement::REOPEN_TYPE.into(),
        manifest_sha256: live.manifest_sha256.clone(),
        by_org_id: caller
            .org
            .as_ref()
            .map(|o| o.id.clone())
            .unwrap_or_default(),
        by_user_id: caller.actor.user_id.clone(),
        reason: reason.clone(),
        at: rfc3339(now),
    };
    let mut effects = Effects::default();
    effects.events.extend(to_members(
        doc,
        "reopened",
        live.version,
        json!({ "reason": reason }),
    ));
    effects.audit.push(audit(
        caller,
        now,
        &action::<D>("reopened"),
        doc.target(live.version),
        json!({ "from": live.state, "to": "superseded", "version": live.version, "reason": reason }),
    ));
    let leaf = leaf(doc, LeafKind::Reopen, live.version, record.to_bytes());
    services
        .db
        .reopen_signed(&live.doc_id, live.version, &leaf, &reason, now, &effects)
        .await?;
    let mut doc_frozen = None;
    if !D::FACTS_ONLY {
        if let Ok(doc_id) = collab::DocId::parse(&live.doc_id) {
            services.rooms.thaw(&doc_id);
            doc_frozen = Some((doc_id.to_string(), false));
        }
    }
    announce(services, &doc.space().id, doc_frozen);
    view(services, caller, doc).await
}

// ---- archive and the bundle ----

/// Archives a signed document: logs the archive record and exports the bundle.
async fn archive<D: SignedDocument>(
    services: &Services,
    caller: &Caller,
    doc: &D,
    input: VersionInput,
) -> Result<SignedView, Error> {
    let (live, _) = managed(services, caller, doc, input, SignedCommand::Archive).await?;
    let now = services.clock.now_ms();
    let signature_page = signature_page(services, &live).await?;
    let mut live = live;
    live.signature_page = Some(signature_page.clone());
    let mut files = base_files(services, &live).await?;
    let record = ArchiveRecord {
        r#type: statement::ARCHIVE_TYPE.into(),
        manifest_sha256: live.manifest_sha256.clone(),
        completion_sha256: sha256_hex(live.completion.as_deref().unwrap_or_default()),
        files: files
            .iter()
            .map(|(path, bytes)| (path.clone(), sha256_hex(bytes)))
            .collect(),
        archived_at: rfc3339(now),
    };
    let bytes = record.to_bytes();
    let mut effects = Effects::default();
    effects.audit.push(audit(
        caller,
        now,
        &action::<D>("archived"),
        doc.target(live.version),
        json!({ "from": "signed", "to": "archived", "version": live.version }),
    ));
    effects
        .events
        .extend(to_members(doc, "archived", live.version, json!({})));
    let leaf = leaf(doc, LeafKind::Archive, live.version, bytes.clone());
    let archive_leaf = services
        .db
        .archive_signed(
            &live.doc_id,
            live.version,
            &leaf,
            &signature_page,
            now,
            &effects,
        )
        .await?;
    files.insert(bundle::ARCHIVE.into(), bytes);
    let mut archived = live.clone();
    archived.archive_leaf = Some(archive_leaf);
    let zip = export(services, &archived, files).await?;
    services
        .db
        .store_signed_bundle(&live.doc_id, live.version, &zip)
        .await?;
    services.wake();
    view(services, caller, doc).await
}

/// The archive bundle (.zip) of an archived version, with the name a person saves it under.
/// Exported again (with a newer checkpoint) only if the export after archiving never
/// completed.
pub(crate) async fn bundle<D: SignedDocument>(
    services: &Services,
    doc: &D,
    version: i64,
) -> Result<BundleFile, Error> {
    let versions = services.db.signed_versions(doc.doc_id()).await?;
    let v = versions
        .iter()
        .find(|v| v.version == version)
        .ok_or_else(|| not_frozen::<D>(version))?;
    let (name, ascii_name) = bundle_names(kind_of(v)?, v);
    let named = |zip| BundleFile {
        zip,
        name,
        ascii_name,
    };
    if let Some(zip) = services.db.signed_bundle(doc.doc_id(), version).await? {
        return Ok(named(zip));
    }
    if v.state != SignedState::Archived {
        return Err(Error::refused(
            "there is a bundle only once the version is signed and archived",
        ));
    }
    let mut files = base_files(services, v).await?;
    let archive = v.archive.clone().unwrap_or_default();
    // A version archived before bundles held a README (or any file added since) is exported
    // with exactly the files its archive record lists.
    let record = ArchiveRecord::parse(&archive).map_err(Error::internal)?;
    files.retain(|path, _| record.files.contains_key(path));
    files.insert(bundle::ARCHIVE.into(), archive);
    let zip = export(services, v, files).await?;
    Ok(named(
        services
            .db
            .store_signed_bundle(&v.doc_id, version, &zip)
            .await?,
    ))
}

/// An archive bundle to download.
#[derive(Debug)]
pub struct BundleFile {
    pub zip: Vec<u8>,
    /// The name a person saves it under: `会议纪要-上司纪〔2026〕1号-第1版.zip`.
    pub name: String,
    /// The same in ASCII, for clients that cannot take the other: `minutes-2026-1-v1.zip`.
    pub ascii_name: String,
}

/// The bundle's file names: the kind's Chinese name, the document number (文号) the signed
/// content holds (the title when it has none) and the version; every character a file
/// system refuses replaced. The ASCII one: the kind's name, the number's digits, the version.
fn bundle_names(kind: &dyn AnyKind, v: &SignedVersion) -> (String, String) {
    let content: Value = serde_json::from_slice(&v.content).unwrap_or(Value::Null);
    let number = content.pointer("/document/number").and_then(Value::as_str);
    let label = match number {
        Some(number) => number.to_owned(),
        None => Manifest::parse(&v.manifest)
            .map(|m| m.title)
            .unwrap_or_default(),
    };
    let label: String = label
        .chars()
        .map(|c| {
            if c.is_control() || "/\\:*?\"<>|".contains(c) {
                '_'
            } else {
                c
            }
        })
        .take(60)
        .collect();
    let name = format!("{}-{}-第{}版.zip", kind.name_zh(), label.trim(), v.version);
    let digits: Vec<String> = number
        .unwrap_or("")
        .split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty())
        .map(str::to_owned)
        .collect();
    let stem = kind.name().replace(' ', "-");
    let ascii_name = if digits.is_empty() {
        format!("{stem}-v{}.zip", v.version)
    } else {
        format!("{stem}-{}-v{}.zip", digits.join("-"), v.version)
    };
    (name, ascii_name)
}

/// Every bundle file but the proofs and the archive record: what the archive record lists.
async fn base_files(
    services: &Services,
    v: &SignedVersion,
) -> Result<BTreeMap<String, Vec<u8>>, Error> {
    let mut files = BTreeMap::new();
    files.insert(bundle::CONTENT.into(), v.content.clone());
    files.insert(bundle::MANIFEST.into(), v.manifest.clone());
    files.insert(bundle::CRDT_STATE.into(), v.crdt_state.clone());
    files.insert(kind_of(v)?.rendition().into(), v.rendition.clone());
    if let Some(pdf) = &v.rendition_pdf {
        files.insert(kind_of(v)?.pdf_rendition().into(), pdf.clone());
    }
    if let Some(page) = &v.signature_page {
        files.insert(bundle::SIGNATURE_PAGE_HTML.into(), page.html.clone());
        if let Some(pdf) = &page.pdf {
            files.insert(bundle::SIGNATURE_PAGE_PDF.into(), pdf.clone());
        }
    }
    let completion = v
        .completion
        .clone()
        .ok_or_else(|| Error::refused(phrases::NOT_ALL_SIGNED.message()))?;
    files.insert(bundle::COMPLETION.into(), completion);
    let log = services.keyring.log_verifier();
    files.insert(bundle::TRUST.into(), Trust::for_log(&log).to_bytes());
    let manifest = Manifest::parse(&v.manifest).map_err(Error::internal)?;
    let readme = bundle::readme(&manifest.title, v.version, kind_of(v)?, &log);
    files.insert(bundle::README.into(), readme.into_bytes());
    for s in services.db.signed_signatures(&v.doc_id, v.version).await? {
        files.insert(
            bundle::signature_path(s.step as u32, &s.org_id),
            s.envelope.clone(),
        );
        for key_id in [&s.person_key_id, &s.seal_key_id] {
            let key =
                services.db.signing_key(key_id).await?.ok_or_else(|| {
                    Error::internal(format!("signature names unknown key {key_id}"))
                })?;
            let pem = if key.purpose == "seal" {
                SealPublicKey::from_spki_der(&key.spki).map(|k| k.spki_pem())
            } else {
                PersonKey::from_spki_der(&key.spki).map(|k| k.spki_pem())
            }
            .map_err(|e| Error::internal(format!("stored key unusable: {e}")))?;
            files.insert(bundle::key_pem_path(key_id), pem.into_bytes());
            let binding = services
                .db
                .log_leaves(&[key.binding_leaf])
                .await?
                .pop()
                .ok_or_else(|| Error::internal("key binding leaf missing"))?;
            files.insert(bundle::key_binding_path(key_id), binding.bytes);
        }
    }
    Ok(files)
}

/// Adds an inclusion proof of every logged artefact, all against one fresh checkpoint, and
/// zips the bundle.
async fn export(
    services: &Services,
    v: &SignedVersion,
    mut files: BTreeMap<String, Vec<u8>>,
) -> Result<Vec<u8>, Error> {
    let leaves = services.db.log_leaf_hashes(None).await?;
    let checkpoint = Checkpoint {
        origin: services.keyring.origin().to_owned(),
        size: leaves.len() as u64,
        root: merkle::root(&leaves),
    };
    let note = services.keyring.log_signer().sign(&checkpoint);
    let mut logged: Vec<(String, i64)> = vec![(bundle::MANIFEST_PROOF.into(), v.manifest_leaf)];
    if let Some(leaf) = v.completion_leaf {
        logged.push((bundle::COMPLETION_PROOF.into(), leaf));
    }
    if let Some(leaf) = v.archive_leaf {
        logged.push((bundle::ARCHIVE_PROOF.into(), leaf));
    }
    for s in services.db.signed_signatures(&v.doc_id, v.version).await? {
        logged.push((
            bundle::signature_proof_path(s.step as u32, &s.org_id),
            s.leaf,
        ));
        for key_id in [&s.person_key_id, &s.seal_key_id] {
            if let Some(key) = services.db.signing_key(key_id).await? {
                logged.push((bundle::key_proof_path(key_id), key.binding_leaf));
            }
        }
    }
    for (path, leaf) in logged {
        let proof = merkle::inclusion_proof(leaf as u64, &leaves);
        files.insert(path, format_proof(leaf as u64, &proof, &note).into_bytes());
    }
    Ok(Bundle { files }.to_zip())
}
