//! The operations of signed minutes (会议纪要): freeze, open signing, sign, send back,
//! archive, export the bundle (SIGNING.md).
//!
//! Each follows the steps of [`super`]: load (404 for anyone who may not see the meeting),
//! ask the policy who may act, ask [`crate::domain::minutes`] whether the command fits the
//! state and the signing order, build the signed artefacts with [`crate::signing`] (which
//! does the cryptography and the canonical forms), and make **one** database write that
//! stores the change, appends its artefacts to the log and applies its effects (events,
//! tasks, notices, audit rows).
//!
//! What must hold here:
//!
//! - **Nothing signed is rebuilt.** The bytes signed and logged are stored once and served
//!   as stored; a bundle is assembled from stored bytes only.
//! - **Freeze is atomic for every open socket.** The room refuses every change from the
//!   moment of the freeze (collab's `Rooms::freeze`), waits until everything applied before
//!   is committed, and the state hashed is exactly that. Only after the freeze is recorded
//!   are the sockets told (they re-check and become read-only); had the write failed, the
//!   room opens again.
//! - **A person's private key never reaches the server.** The server hands out the exact
//!   bytes to sign (the DSSE PAE of the statement it built), accepts the Ed25519 signature,
//!   verifies it with the person's bound key, and only then applies the organization's SM2
//!   seal from a key it keeps sealed under the master key.
//! - **Order is enforced at write time.** The caller's view of who signed is re-checked in
//!   the write's transaction; a signature that raced another is refused and made again.

use std::collections::{BTreeMap, BTreeSet};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::keys::{person_key_for, seal_for};
use super::Error;
use super::{audit, own_org, text, MAX_TEXT_CHARS};
use crate::auth::Caller;
use crate::db::{
    Audience, Completion, Effects, LeafKind, MinutesSignature, MinutesVersion, NewEvent, NewLeaf,
    NewMinutesVersion, Space,
};
use crate::domain::meeting::MeetingState;
use crate::domain::minutes::{self as rules, MinutesCommand, MinutesState};
use crate::domain::org::SpaceRole;
use crate::domain::policy::{Action, SpaceFacts};
use crate::services::AccessChange;
use crate::services::Services;
use crate::signing::bundle::{self, Bundle, Trust};
use crate::signing::canonical::{sha256_hex, sm3_hex, to_canonical};
use crate::signing::dsse::{self, Envelope, EnvelopeSignature};
use crate::signing::keys::PersonKey;
use crate::signing::kinds::minutes::{self as projection, Attendee, MinutesMeta, OrgRef};
use crate::signing::merkle;
use crate::signing::note::{format_proof, Checkpoint};
use crate::signing::statement::rfc3339;
use crate::signing::statement::{
    self, ArchiveRecord, Manifest, Policy, Rendition, Reopen, Signer, Statement, APPROVE_MINUTES,
};

/// How far a statement's claimed time may lie from the server's clock when it is submitted:
/// long enough to read the text and sign, short enough that an old statement is not replayed.
const STATEMENT_VALID_MS: i64 = 30 * 60 * 1000;

/// The meeting behind the minutes: what access and the content's header need.
pub(crate) struct MeetingFacts {
    pub space: Space,
    pub meeting: crate::db::Meeting,
}

impl MeetingFacts {
    fn facts(&self) -> SpaceFacts<'_> {
        self.space.facts()
    }

    fn convener(&self) -> &str {
        &self.meeting.convener_org_id
    }

    /// The organizations that may sign: the convener and the participating members.
    fn signatories(&self) -> BTreeSet<String> {
        self.space
            .members
            .iter()
            .filter(|m| matches!(m.role, SpaceRole::Convener | SpaceRole::Member))
            .map(|m| m.org_id.clone())
            .collect()
    }

    fn subject(&self, version: i64) -> String {
        format!("minutes:{}:{version}", self.space.id)
    }
}

/// Loads the meeting, answering "not found" to anyone who may not see it.
pub(crate) async fn load_meeting(
    services: &Services,
    caller: &Caller,
    meeting_id: &str,
) -> Result<MeetingFacts, Error> {
    let not_found = || Error::NotFound("no meeting with this id".into());
    let space = services.db.space(meeting_id).await?.ok_or_else(not_found)?;
    let meeting = services
        .db
        .meeting(meeting_id)
        .await?
        .ok_or_else(not_found)?;
    if caller
        .allow(&services.db, Action::ReadSpace(space.facts()))
        .await
        .is_err()
    {
        return Err(not_found());
    }
    Ok(MeetingFacts { space, meeting })
}

/// The meeting, once the caller may manage its minutes (the convener's acts: freeze, open
/// signing, archive).
async fn managed_meeting(
    services: &Services,
    caller: &Caller,
    meeting_id: &str,
) -> Result<MeetingFacts, Error> {
    let meeting = load_meeting(services, caller, meeting_id).await?;
    caller
        .allow(&services.db, Action::ManageMinutes(meeting.facts()))
        .await?;
    Ok(meeting)
}

/// The version being worked on and its state: the newest frozen-or-later version, or the
/// draft after the newest superseded one.
fn current(versions: &[MinutesVersion]) -> (i64, MinutesState) {
    match versions.last() {
        None => (1, MinutesState::Draft),
        Some(v) if v.state == MinutesState::Superseded => (v.version + 1, MinutesState::Draft),
        Some(v) => (v.version, v.state),
    }
}

fn refused(rule: &'static str) -> Error {
    Error::refused(rule.to_owned())
}

/// The signing policy stored in a manifest.
fn manifest_of(version: &MinutesVersion) -> Result<Manifest, Error> {
    Manifest::parse(&version.manifest).map_err(|e| {
        Error::Internal(anyhow::anyhow!(
            "stored manifest of {}:{} does not parse: {e}",
            version.meeting_id,
            version.version
        ))
    })
}

// ---- the view ----

/// The minutes of a meeting as a participant sees them.
#[derive(Debug, Serialize)]
pub struct MinutesView {
    pub meeting_id: String,
    pub doc_id: String,
    pub version: i64,
    pub state: MinutesState,
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
    pub versions: Vec<VersionSummary>,
}

#[derive(Debug, Serialize)]
pub struct SignatureView {
    pub step: i64,
    pub org_id: String,
    pub signer_user_id: String,
    pub person_key_id: String,
    pub seal_key_id: String,
    pub signed_at: i64,
    pub log_index: i64,
}

#[derive(Debug, Serialize)]
pub struct VersionSummary {
    pub version: i64,
    pub state: MinutesState,
    pub manifest_sha256: String,
    pub reopen_reason: Option<String>,
    pub frozen_at: i64,
}

async fn view(
    services: &Services,
    caller: &Caller,
    meeting: &MeetingFacts,
) -> Result<MinutesView, Error> {
    let versions = services.db.minutes_versions(&meeting.space.id).await?;
    let (number, minutes_state) = current(&versions);
    let live = versions.last().filter(|v| v.version == number);
    let (steps, manifest_sha256, manifest_sm3, signatures) = match live {
        Some(v) => {
            let manifest = manifest_of(v)?;
            let signatures = services
                .db
                .minutes_signatures(&v.meeting_id, v.version)
                .await?;
            (
                manifest.policy.steps,
                Some(v.manifest_sha256.clone()),
                Some(sm3_hex(&v.manifest)),
                signatures,
            )
        }
        None => (Vec::new(), None, None, Vec::new()),
    };
    let signed: BTreeSet<String> = signatures.iter().map(|s| s.org_id.clone()).collect();
    let my_org = caller.org.as_ref().map(|o| o.id.as_str());
    let my_step = my_org.and_then(|org| rules::step_of(&steps, org));
    let my_turn = minutes_state == MinutesState::Signing
        && my_org.is_some_and(|org| rules::check_turn(&steps, &signed, org).is_ok());
    Ok(MinutesView {
        meeting_id: meeting.space.id.clone(),
        doc_id: meeting.meeting.minutes_doc_id.clone(),
        version: number,
        state: minutes_state,
        state_label: minutes_state.label_zh(),
        manifest_sha256,
        manifest_sm3,
        current_step: (minutes_state == MinutesState::Signing)
            .then(|| rules::current_step(&steps, &signed))
            .flatten(),
        steps,
        signatures: signatures
            .into_iter()
            .map(|s| SignatureView {
                step: s.step,
                org_id: s.org_id,
                signer_user_id: s.signer_user_id,
                person_key_id: s.person_key_id,
                seal_key_id: s.seal_key_id,
                signed_at: s.signed_at,
                log_index: s.leaf,
            })
            .collect(),
        my_step,
        my_turn,
        versions: versions
            .iter()
            .map(|v| VersionSummary {
                version: v.version,
                state: v.state,
                manifest_sha256: v.manifest_sha256.clone(),
                reopen_reason: v.reopen_reason.clone(),
                frozen_at: v.frozen_at,
            })
            .collect(),
    })
}

/// The minutes of a meeting: services, policy, who signed.
pub async fn show(
    services: &Services,
    caller: &Caller,
    meeting_id: &str,
) -> Result<MinutesView, Error> {
    let meeting = load_meeting(services, caller, meeting_id).await?;
    view(services, caller, &meeting).await
}

/// One stored artefact of a version (content.json, manifest.json, minutes.html), exactly as
/// frozen.
pub async fn artefact(
    services: &Services,
    caller: &Caller,
    meeting_id: &str,
    version: i64,
    name: &str,
) -> Result<(&'static str, Vec<u8>), Error> {
    let meeting = load_meeting(services, caller, meeting_id).await?;
    let versions = services.db.minutes_versions(&meeting.space.id).await?;
    let v = versions
        .into_iter()
        .find(|v| v.version == version)
        .ok_or_else(|| Error::NotFound(format!("no frozen version {version} of these minutes")))?;
    match name {
        bundle::CONTENT => Ok(("application/json", v.content)),
        bundle::MANIFEST => Ok(("application/json", v.manifest)),
        bundle::MINUTES_HTML => Ok(("text/html; charset=utf-8", v.html)),
        other => Err(Error::NotFound(format!(
            "no artefact {other:?}; one of content.json, manifest.json, minutes.html"
        ))),
    }
}

// ---- freeze ----

/// What the convener may say when freezing.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FreezeInput {
    /// Organization ids per signing step; by default every participating member in
    /// parallel, then the convener.
    #[serde(default)]
    pub steps: Option<Vec<Vec<String>>>,
}

/// Freezes the minutes: the document stops changing for everyone at once, its canonical
/// projection and manifest are stored and the manifest logged.
pub async fn freeze(
    services: &Services,
    caller: &Caller,
    meeting_id: &str,
    input: FreezeInput,
) -> Result<MinutesView, Error> {
    let meeting = managed_meeting(services, caller, meeting_id).await?;
    if !matches!(
        meeting.meeting.state,
        MeetingState::InProgress | MeetingState::Ended
    ) {
        return Err(Error::refused(
            "minutes are frozen once the meeting has started or ended; a draft, scheduled or cancelled meeting has none to freeze",
        ));
    }
    let versions = services.db.minutes_versions(&meeting.space.id).await?;
    let (version, minutes_state) = current(&versions);
    rules::transition(minutes_state, MinutesCommand::Freeze).map_err(|r| refused(r.rule))?;
    let steps = match input.steps {
        Some(steps) => steps,
        None => {
            let members: Vec<String> = meeting.signatories().into_iter().collect();
            rules::default_steps(meeting.convener(), &members)
        }
    };
    rules::check_steps(&steps, &meeting.signatories())
        .map_err(|why| Error::invalid("steps", why))?;
    let supersedes = versions.last().map(|v| v.manifest_sha256.clone());

    let doc_id = collab::DocId::parse(&meeting.meeting.minutes_doc_id)
        .map_err(|_| Error::Internal(anyhow::anyhow!("stored minutes doc id is invalid")))?;
    let frozen = services.rooms.freeze(&doc_id).await?;
    let written = record_freeze(
        services,
        caller,
        &meeting,
        version,
        steps,
        supersedes,
        &frozen.state,
    )
    .await;
    match written {
        Ok(()) => {
            drop(frozen);
            // Every open socket re-checks its access now and becomes read-only.
            services.access.announce(AccessChange {
                space_id: Some(meeting.space.id.clone()),
                ..AccessChange::default()
            });
            services.wake();
            view(services, caller, &meeting).await
        }
        Err(e) => {
            frozen.undo();
            Err(e)
        }
    }
}

async fn record_freeze(
    services: &Services,
    caller: &Caller,
    meeting: &MeetingFacts,
    version: i64,
    steps: Vec<Vec<String>>,
    supersedes: Option<String>,
    frozen: &collab::FrozenState,
) -> Result<(), Error> {
    let now = services.clock.now_ms();
    let meta = minutes_meta(meeting);
    let content_value = projection::project_state(&frozen.update_v1, &meta).map_err(|e| {
        Error::refused(format!(
            "the minutes cannot be frozen: the document does not follow the minutes layout ({e})"
        ))
    })?;
    let content = to_canonical(&content_value);
    let html = projection::render_html(&content_value).into_bytes();
    let mut signers = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        for org_id in step {
            let org_name = match services.db.org(org_id).await? {
                Some(org) => org.name_zh.to_string(),
                None => org_id.clone(),
            };
            let role = meeting
                .space
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
    let manifest = Manifest {
        schema: "concord.manifest/1".into(),
        kind: projection::SCHEMA.into(),
        subject_id: meeting.space.id.clone(),
        doc_id: meeting.meeting.minutes_doc_id.clone(),
        version: version as u32,
        title: meeting.meeting.title.clone(),
        content_sha256: sha256_hex(&content),
        content_sm3: sm3_hex(&content),
        crdt_state_sha256: sha256_hex(&frozen.update_v1),
        state_vector: B64.encode(&frozen.state_vector_v1),
        renditions: vec![Rendition {
            path: bundle::MINUTES_HTML.into(),
            media_type: "text/html; charset=utf-8".into(),
            sha256: sha256_hex(&html),
            sm3: sm3_hex(&html),
        }],
        signers,
        policy: Policy {
            steps: steps.clone(),
            intent: APPROVE_MINUTES.into(),
        },
        supersedes,
    };
    let manifest_bytes = manifest.to_bytes();
    let manifest_sha256 = sha256_hex(&manifest_bytes);
    let subject = meeting.subject(version);
    let mut effects = Effects::default();
    effects.events.extend(to_members(
        meeting,
        "minutes.frozen",
        json!({
            "title": meeting.meeting.title,
            "meeting_id": meeting.space.id,
            "version": version,
            "manifest_sha256": manifest_sha256,
        }),
    ));
    effects.audit.push(audit(
        caller,
        now,
        "minutes_frozen",
        subject.clone(),
        json!({ "from": "draft", "to": "frozen", "version": version,
                "manifest_sha256": manifest_sha256, "steps": steps }),
    ));
    let new = NewMinutesVersion {
        meeting_id: meeting.space.id.clone(),
        version,
        doc_id: meeting.meeting.minutes_doc_id.clone(),
        content,
        manifest: manifest_bytes.clone(),
        manifest_sha256,
        crdt_state: frozen.update_v1.clone(),
        html,
        frozen_by: caller.actor.user_id.clone(),
        frozen_at: now,
    };
    let leaf = NewLeaf {
        kind: LeafKind::Manifest,
        subject,
        leaf_hash: merkle::leaf_hash(&manifest_bytes),
        bytes: manifest_bytes,
    };
    services.db.freeze_minutes(&new, &leaf, &effects).await?;
    Ok(())
}

/// The header of the content: the meeting, its convener and who attended (by the names the
/// bodies gave; the attendance at check-in, else the invitation's answer).
fn minutes_meta(meeting: &MeetingFacts) -> MinutesMeta {
    let m = &meeting.meeting;
    let attendees = m
        .invitations
        .iter()
        .map(|i| Attendee {
            org_id: i.org_id.clone(),
            org_name: i.org_name.clone(),
            person: i.attendee.clone().or_else(|| i.delegate.clone()),
            status: match i.attendance {
                Some(attendance) => attendance.as_str().to_owned(),
                None => i.state.as_str().to_owned(),
            },
        })
        .collect();
    MinutesMeta {
        meeting_id: meeting.space.id.clone(),
        title: m.title.clone(),
        kind: m.kind.as_str().to_owned(),
        starts_at: rfc3339(m.starts_at),
        place: m.place.clone().or_else(|| m.online_link.clone()),
        convener: OrgRef {
            org_id: m.convener_org_id.clone(),
            name: m.convener_name.clone(),
        },
        attendees,
    }
}

// ---- open signing ----

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionInput {
    /// The version the caller acts on, so that nobody acts on a version replaced meanwhile.
    pub version: i64,
}

/// Opens signing: the first step's organizations are told it is their turn.
pub async fn open_signing(
    services: &Services,
    caller: &Caller,
    meeting_id: &str,
    input: VersionInput,
) -> Result<MinutesView, Error> {
    let meeting = managed_meeting(services, caller, meeting_id).await?;
    let versions = services.db.minutes_versions(&meeting.space.id).await?;
    let live = live_version(&versions, input.version)?;
    let to =
        rules::transition(live.state, MinutesCommand::OpenSigning).map_err(|r| refused(r.rule))?;
    let manifest = manifest_of(live)?;
    let now = services.clock.now_ms();
    let subject = meeting.subject(live.version);
    let mut effects = Effects::default();
    for org in manifest.policy.steps.first().into_iter().flatten() {
        effects.events.push(your_turn(&meeting, live, org));
    }
    effects.audit.push(audit(
        caller,
        now,
        "minutes_signing_opened",
        subject,
        json!({ "from": live.state, "to": to, "version": live.version }),
    ));
    services
        .db
        .move_minutes(
            &meeting.space.id,
            live.version,
            live.state,
            to,
            now,
            &effects,
        )
        .await?;
    services.wake();
    view(services, caller, &meeting).await
}

/// The same event to every body of the meeting.
fn to_members<'a>(
    meeting: &'a MeetingFacts,
    kind: &'a str,
    payload: Value,
) -> impl Iterator<Item = NewEvent> + 'a {
    meeting.space.members.iter().map(move |m| NewEvent {
        audience: Audience::Org(m.org_id.clone()),
        kind: kind.to_owned(),
        subject: format!("meeting:{}", meeting.space.id),
        payload: payload.clone(),
    })
}

fn your_turn(meeting: &MeetingFacts, version: &MinutesVersion, org: &str) -> NewEvent {
    NewEvent {
        audience: Audience::Org(org.to_owned()),
        kind: "minutes.sign_requested".into(),
        subject: format!("meeting:{}", meeting.space.id),
        payload: json!({
            "title": meeting.meeting.title,
            "meeting_id": meeting.space.id,
            "version": version.version,
            "manifest_sha256": version.manifest_sha256,
        }),
    }
}

/// The version the caller names, which must be the newest and not superseded. The draft
/// being edited (the version [`show`] names while it is a draft) exists but has nothing to
/// act on yet: a conflict, not "not found".
fn live_version(versions: &[MinutesVersion], version: i64) -> Result<&MinutesVersion, Error> {
    let Some(found) = versions.iter().find(|v| v.version == version) else {
        if current(versions) == (version, MinutesState::Draft) {
            return Err(Error::refused(format!(
                "version {version} of the minutes is still a draft: the convener freezes it first"
            )));
        }
        return Err(Error::NotFound(format!(
            "no frozen version {version} of these minutes"
        )));
    };
    if found.state == MinutesState::Superseded {
        return Err(Error::refused(format!(
            "version {version} of the minutes was superseded; act on the newest version"
        )));
    }
    Ok(found)
}

// ---- sign ----

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatementInput {
    pub version: i64,
    /// The caller's enrolled Ed25519 key that will sign.
    pub key_id: String,
}

/// What a signer signs: the statement the server built and its DSSE PAE.
#[derive(Debug, Serialize)]
pub struct ToSign {
    pub payload_type: &'static str,
    /// base64 of the statement's bytes (RFC 8785); send it back unchanged with the signature.
    pub statement: String,
    /// base64 of the exact bytes to sign with Ed25519: DSSE's PAE of the statement.
    pub pae: String,
    pub manifest_sha256: String,
    pub step: u32,
    /// The statement as JSON, for a person to read before signing.
    pub statement_json: Value,
}

/// Builds the statement the caller's organization signs now, and the bytes to sign.
pub async fn statement(
    services: &Services,
    caller: &Caller,
    meeting_id: &str,
    input: StatementInput,
) -> Result<ToSign, Error> {
    let meeting = load_meeting(services, caller, meeting_id).await?;
    caller
        .allow(&services.db, Action::SignMinutes(meeting.facts()))
        .await?;
    let org_id = own_org(caller, "sign minutes")?.to_owned();
    let versions = services.db.minutes_versions(&meeting.space.id).await?;
    let live = live_version(&versions, input.version)?;
    rules::transition(live.state, MinutesCommand::Sign).map_err(|r| refused(r.rule))?;
    let manifest = manifest_of(live)?;
    let signatures = services
        .db
        .minutes_signatures(&live.meeting_id, live.version)
        .await?;
    let signed: BTreeSet<String> = signatures.iter().map(|s| s.org_id.clone()).collect();
    let step =
        rules::check_turn(&manifest.policy.steps, &signed, &org_id).map_err(|r| refused(r.rule))?;
    let now = services.clock.now_ms();
    let person = person_key_for(services, caller, &input.key_id, now).await?;
    let (_, seal) = seal_for(services, &org_id, now).await?;
    let statement = Statement {
        manifest_sha256: live.manifest_sha256.clone(),
        manifest_sm3: sm3_hex(&live.manifest),
        step,
        org_id,
        signer: caller.actor.user_id.clone(),
        key_ids: vec![person.key_id.clone(), seal.key_id.clone()],
        intent: APPROVE_MINUTES.into(),
        prev: prev_of(&signatures, step),
        claimed_time: rfc3339(now),
    };
    let bytes = statement.to_bytes();
    let statement_json: Value = serde_json::from_slice(&bytes)
        .map_err(|e| Error::Internal(anyhow::anyhow!("statement does not parse back: {e}")))?;
    Ok(ToSign {
        payload_type: dsse::PAYLOAD_TYPE,
        pae: B64.encode(dsse::pae(dsse::PAYLOAD_TYPE, &bytes)),
        statement: B64.encode(&bytes),
        manifest_sha256: live.manifest_sha256.clone(),
        step,
        statement_json,
    })
}

/// `prev` of a statement at `step`: the payload hashes of every signature of the step before.
fn prev_of(signatures: &[MinutesSignature], step: u32) -> Vec<String> {
    let mut prev: Vec<String> = signatures
        .iter()
        .filter(|s| s.step == i64::from(step) - 1)
        .map(|s| s.payload_sha256.clone())
        .collect();
    prev.sort();
    prev
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInput {
    pub version: i64,
    /// base64 of the statement bytes, exactly as handed out.
    pub statement: String,
    /// base64 of the Ed25519 signature over the statement's PAE.
    pub signature: String,
}

/// Accepts a person's signature for their organization, seals it, logs the envelope; the
/// last required signature completes the minutes, turns agreed items into tasks and sends the
/// signed minutes to every participant.
pub async fn sign(
    services: &Services,
    caller: &Caller,
    meeting_id: &str,
    input: SignInput,
) -> Result<MinutesView, Error> {
    let meeting = load_meeting(services, caller, meeting_id).await?;
    caller
        .allow(&services.db, Action::SignMinutes(meeting.facts()))
        .await?;
    let org_id = own_org(caller, "sign minutes")?.to_owned();
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
    let versions = services.db.minutes_versions(&meeting.space.id).await?;
    if let Some(old) = versions.iter().find(|v| {
        v.manifest_sha256 == statement.manifest_sha256 && v.state == MinutesState::Superseded
    }) {
        return Err(Error::refused(format!(
            "the statement signs version {} of the minutes, which was superseded; sign the newest version",
            old.version
        )));
    }
    let live = live_version(&versions, input.version)?;
    rules::transition(live.state, MinutesCommand::Sign).map_err(|r| refused(r.rule))?;
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
    if statement.intent != APPROVE_MINUTES {
        return Err(Error::invalid(
            "statement",
            format!("the statement's intent must be {APPROVE_MINUTES:?}"),
        ));
    }
    let manifest = manifest_of(live)?;
    let signatures = services
        .db
        .minutes_signatures(&live.meeting_id, live.version)
        .await?;
    let signed: BTreeSet<String> = signatures.iter().map(|s| s.org_id.clone()).collect();
    let step =
        rules::check_turn(&manifest.policy.steps, &signed, &org_id).map_err(|r| refused(r.rule))?;
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
    let [person_key_id, seal_key_id] = statement.key_ids.as_slice() else {
        return Err(Error::invalid(
            "key_ids",
            "key_ids must name the person's key and the organization's seal",
        ));
    };
    let person = person_key_for(services, caller, person_key_id, now).await?;
    let (seal_key, seal_row) = seal_for(services, &org_id, now).await?;
    if seal_row.key_id != *seal_key_id {
        return Err(Error::refused(
            "the organization's seal changed since the statement was made; ask for a new statement",
        ));
    }
    let pae = dsse::pae(dsse::PAYLOAD_TYPE, &bytes);
    let verifying = PersonKey::from_spki_der(&person.spki)
        .map_err(|e| Error::Internal(anyhow::anyhow!("stored person key unusable: {e}")))?;
    verifying.verify(&pae, &sig).map_err(|_| {
        Error::invalid(
            "statement",
            "the signature does not verify with your enrolled key over the statement's PAE",
        )
    })?;
    let seal_sig = seal_key.sign(&pae);
    let envelope = Envelope {
        payload_type: dsse::PAYLOAD_TYPE.into(),
        payload: B64.encode(&bytes),
        signatures: vec![
            EnvelopeSignature {
                keyid: person.key_id.clone(),
                sig: B64.encode(&sig),
            },
            EnvelopeSignature {
                keyid: seal_row.key_id.clone(),
                sig: B64.encode(&seal_sig),
            },
        ],
    };
    let envelope_bytes = envelope.to_bytes();
    let subject = meeting.subject(live.version);
    let signature = MinutesSignature {
        meeting_id: live.meeting_id.clone(),
        version: live.version,
        step: i64::from(step),
        org_id: org_id.clone(),
        signer_user_id: caller.actor.user_id.clone(),
        person_key_id: person.key_id.clone(),
        seal_key_id: seal_row.key_id.clone(),
        envelope: envelope_bytes.clone(),
        payload_sha256: sha256_hex(&bytes),
        leaf: -1,
        signed_at: now,
    };
    let mut after = signed.clone();
    after.insert(org_id.clone());
    let mut effects = Effects::default();
    effects.audit.push(audit(
        caller,
        now,
        "minutes_signed",
        subject.clone(),
        json!({ "version": live.version, "step": step, "org_id": org_id,
                "person_key_id": person.key_id, "seal_key_id": seal_row.key_id }),
    ));
    let completion = match rules::after_signature(&manifest.policy.steps, &after) {
        MinutesState::Signed => {
            let mut statements: Vec<String> = signatures
                .iter()
                .map(|s| sha256_hex(&s.envelope))
                .chain(std::iter::once(sha256_hex(&envelope_bytes)))
                .collect();
            statements.sort();
            let record = statement::Completion {
                r#type: "concord.completion/1".into(),
                manifest_sha256: live.manifest_sha256.clone(),
                statements,
                completed_at: rfc3339(now),
            };
            let bytes = record.to_bytes();
            completed_effects(services, caller, &meeting, live, now, &mut effects).await?;
            Some(Completion {
                leaf_hash: merkle::leaf_hash(&bytes),
                bytes,
            })
        }
        _ => {
            // The next step opens when this signature completes the current one.
            let next = rules::current_step(&manifest.policy.steps, &after);
            if next != Some(step) {
                if let Some(next) = next {
                    for org in &manifest.policy.steps[next as usize - 1] {
                        effects.events.push(your_turn(&meeting, live, org));
                    }
                }
            }
            None
        }
    };
    let leaf = NewLeaf {
        kind: LeafKind::Signature,
        subject,
        leaf_hash: merkle::leaf_hash(&envelope_bytes),
        bytes: envelope_bytes,
    };
    services
        .db
        .add_minutes_signature(
            &signature,
            &leaf,
            signatures.len(),
            completion.as_ref(),
            &effects,
        )
        .await?;
    services.wake();
    view(services, caller, &meeting).await
}

/// What signed minutes cause, in the write of their last signature: each agreed item a task
/// for its responsible body, set by the convener; the signed minutes sent to every
/// participating body as a notice to acknowledge (签收); events to all.
async fn completed_effects(
    services: &Services,
    caller: &Caller,
    meeting: &MeetingFacts,
    live: &MinutesVersion,
    now: i64,
    effects: &mut Effects,
) -> Result<(), Error> {
    let content: Value = serde_json::from_slice(&live.content)
        .map_err(|e| Error::Internal(anyhow::anyhow!("stored content does not parse: {e}")))?;
    let convener = meeting.convener().to_owned();
    let acting = super::Acting::of(caller);
    let subject = meeting.subject(live.version);
    let mut made = Vec::new();
    for (i, item) in projection::agreed_items(&content).into_iter().enumerate() {
        let Some(due_at) = deadline_ms(&item.deadline) else {
            continue;
        };
        if item.org_id == convener || services.db.org(&item.org_id).await?.is_none() {
            // The convener's own items are its own work; an unknown body cannot be set a
            // task. Both stay in the signed minutes, and the audit row names them.
            made.push(json!({ "item": i + 1, "org_id": item.org_id, "task_id": null }));
            continue;
        }
        let plan = super::tasks::TaskPlan {
            setter_org_id: convener.clone(),
            created_by: caller.actor.user_id.clone(),
            acting: acting.clone(),
            title: task_title(&item.text),
            body: format!(
                "{}\n\n（会议纪要议定事项，会议：{}，纪要第 {} 版）",
                item.text, meeting.meeting.title, live.version
            ),
            feedback_required: None,
            source: crate::domain::task::TaskSource::AgreedItem,
            source_ref: Some(format!("{subject}:item:{}", i + 1)),
            assignee_org_id: item.org_id.clone(),
            limit: None,
            // An item whose day has passed (minutes signed late) is due a day from now.
            due_at: Some(if due_at > now {
                due_at
            } else {
                now + 86_400_000
            }),
            dispatch: true,
        };
        let (task, entry, task_effects) = super::tasks::plan_task(services, now, plan)?;
        made.push(json!({ "item": i + 1, "org_id": item.org_id, "task_id": task.id }));
        effects.set_task(task, entry);
        effects.merge(task_effects);
    }
    let recipients: Vec<String> = meeting
        .space
        .members
        .iter()
        .map(|m| m.org_id.clone())
        .filter(|org| *org != convener)
        .collect();
    if !recipients.is_empty() {
        let plan = super::notices::NoticePlan {
            sender_org_id: convener.clone(),
            created_by: caller.actor.user_id.clone(),
            acting: acting.clone(),
            kind: crate::domain::notice::NoticeKind::Information,
            title: task_title(&format!("会议纪要已签署：{}", meeting.meeting.title)),
            body: format!(
                "《{}》会议纪要（第 {} 版）已由各方签署。\n纪要清单 SHA-256：{}\n请签收。",
                meeting.meeting.title, live.version, live.manifest_sha256
            ),
            requires_ack: true,
            requires_reply: false,
            reply_due_at: None,
            recipients,
        };
        let (notice, notice_effects) = super::notices::plan_notice(services, now, plan)?;
        effects.send_notice(notice);
        effects.merge(notice_effects);
    }
    effects.events.extend(to_members(
        meeting,
        "minutes.signed",
        json!({
            "title": meeting.meeting.title,
            "meeting_id": meeting.space.id,
            "version": live.version,
            "manifest_sha256": live.manifest_sha256,
        }),
    ));
    effects.audit.push(audit(
        caller,
        now,
        "minutes_completed",
        subject,
        json!({ "from": "signing", "to": "signed", "version": live.version, "tasks": made }),
    ));
    Ok(())
}

/// A task title from an agreed item's text: its first line, at most 200 characters.
fn task_title(text: &str) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    let title: String = line.chars().take(super::MAX_TITLE_CHARS).collect();
    if title.is_empty() {
        "议定事项".into()
    } else {
        title
    }
}

/// The end of an agreed item's deadline day (`YYYY-MM-DD`), 24:00 office time (+08:00).
fn deadline_ms(day: &str) -> Option<i64> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(day, &format).ok()?;
    let next = date.next_day()?;
    let at = next
        .with_hms(0, 0, 0)
        .ok()?
        .assume_offset(time::macros::offset!(+8));
    Some((at.unix_timestamp_nanos() / 1_000_000) as i64 - 1)
}

// ---- reopen ----

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReopenInput {
    pub version: i64,
    /// Why the text must change: a decline or a change request.
    pub reason: String,
}

/// Sends frozen minutes back for changes: the version is superseded (it and its signatures
/// stay in the log) and the document is edited again as the next version. The convener may
/// do so, and so may a signatory organization while signing is open (a decline or a change
/// request).
pub async fn reopen(
    services: &Services,
    caller: &Caller,
    meeting_id: &str,
    input: ReopenInput,
) -> Result<MinutesView, Error> {
    let meeting = load_meeting(services, caller, meeting_id).await?;
    let reason = text("reason", &input.reason, MAX_TEXT_CHARS)?;
    let versions = services.db.minutes_versions(&meeting.space.id).await?;
    let live = live_version(&versions, input.version)?;
    let manifest = manifest_of(live)?;
    // The convener may always send them back; asking the policy directly (not `allow`)
    // keeps a signatory's legitimate decline from being audited as a refusal.
    let convener =
        crate::domain::policy::decide(&caller.actor, &Action::ManageMinutes(meeting.facts()));
    if convener.is_err() {
        caller
            .allow(&services.db, Action::SignMinutes(meeting.facts()))
            .await?;
        let org = own_org(caller, "send minutes back")?;
        if rules::step_of(&manifest.policy.steps, org).is_none() {
            return Err(Error::Denied(
                "only the convener or a signatory organization may send the minutes back".into(),
            ));
        }
        if live.state != MinutesState::Signing {
            return Err(Error::refused(
                "a signatory declines while signing is open; these minutes are not being signed",
            ));
        }
    }
    rules::transition(live.state, MinutesCommand::Reopen).map_err(|r| refused(r.rule))?;
    let now = services.clock.now_ms();
    let record = Reopen {
        r#type: "concord.reopen/1".into(),
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
    let bytes = record.to_bytes();
    let subject = meeting.subject(live.version);
    let mut effects = Effects::default();
    effects.events.extend(to_members(
        &meeting,
        "minutes.reopened",
        json!({
            "title": meeting.meeting.title,
            "meeting_id": meeting.space.id,
            "version": live.version,
            "reason": reason,
        }),
    ));
    effects.audit.push(audit(
        caller,
        now,
        "minutes_reopened",
        subject.clone(),
        json!({ "from": live.state, "to": "superseded", "version": live.version, "reason": reason }),
    ));
    let leaf = NewLeaf {
        kind: LeafKind::Reopen,
        subject,
        leaf_hash: merkle::leaf_hash(&bytes),
        bytes,
    };
    services
        .db
        .reopen_minutes(
            &meeting.space.id,
            live.version,
            &leaf,
            &reason,
            now,
            &effects,
        )
        .await?;
    if let Ok(doc) = collab::DocId::parse(&live.doc_id) {
        services.rooms.thaw(&doc);
    }
    services.access.announce(AccessChange {
        space_id: Some(meeting.space.id.clone()),
        ..AccessChange::default()
    });
    services.wake();
    view(services, caller, &meeting).await
}

// ---- archive and the bundle ----

/// Archives signed minutes: logs the archive record and exports the bundle.
pub async fn archive(
    services: &Services,
    caller: &Caller,
    meeting_id: &str,
    input: VersionInput,
) -> Result<MinutesView, Error> {
    let meeting = managed_meeting(services, caller, meeting_id).await?;
    let versions = services.db.minutes_versions(&meeting.space.id).await?;
    let live = live_version(&versions, input.version)?;
    rules::transition(live.state, MinutesCommand::Archive).map_err(|r| refused(r.rule))?;
    let now = services.clock.now_ms();
    let mut files = base_files(services, live).await?;
    let record = ArchiveRecord {
        r#type: "concord.archive/1".into(),
        manifest_sha256: live.manifest_sha256.clone(),
        completion_sha256: sha256_hex(live.completion.as_deref().unwrap_or_default()),
        files: files
            .iter()
            .map(|(path, bytes)| (path.clone(), sha256_hex(bytes)))
            .collect(),
        archived_at: rfc3339(now),
    };
    let bytes = record.to_bytes();
    let subject = meeting.subject(live.version);
    let mut effects = Effects::default();
    effects.audit.push(audit(
        caller,
        now,
        "minutes_archived",
        subject.clone(),
        json!({ "from": "signed", "to": "archived", "version": live.version }),
    ));
    effects.events.extend(to_members(
        &meeting,
        "minutes.archived",
        json!({
            "title": meeting.meeting.title,
            "meeting_id": meeting.space.id,
            "version": live.version,
        }),
    ));
    let leaf = NewLeaf {
        kind: LeafKind::Archive,
        subject,
        leaf_hash: merkle::leaf_hash(&bytes),
        bytes: bytes.clone(),
    };
    let archive_leaf = services
        .db
        .archive_minutes(&meeting.space.id, live.version, &leaf, now, &effects)
        .await?;
    files.insert(bundle::ARCHIVE.into(), bytes);
    let mut archived = live.clone();
    archived.archive_leaf = Some(archive_leaf);
    let zip = export(services, &archived, files).await?;
    services
        .db
        .store_minutes_bundle(&meeting.space.id, live.version, &zip)
        .await?;
    services.wake();
    view(services, caller, &meeting).await
}

/// The archive bundle (.zip) of an archived version. Exported again (with a newer
/// checkpoint) only if the export after archiving never completed.
pub async fn bundle(
    services: &Services,
    caller: &Caller,
    meeting_id: &str,
    version: i64,
) -> Result<Vec<u8>, Error> {
    let meeting = load_meeting(services, caller, meeting_id).await?;
    if let Some(zip) = services
        .db
        .minutes_bundle(&meeting.space.id, version)
        .await?
    {
        return Ok(zip);
    }
    let versions = services.db.minutes_versions(&meeting.space.id).await?;
    let Some(v) = versions.iter().find(|v| v.version == version) else {
        return Err(Error::NotFound(format!(
            "no frozen version {version} of these minutes"
        )));
    };
    if v.state != MinutesState::Archived {
        return Err(Error::refused(
            "the bundle exists once the signed minutes are archived",
        ));
    }
    let mut files = base_files(services, v).await?;
    files.insert(
        bundle::ARCHIVE.into(),
        v.archive.clone().unwrap_or_default(),
    );
    let zip = export(services, v, files).await?;
    Ok(services
        .db
        .store_minutes_bundle(&meeting.space.id, version, &zip)
        .await?)
}

/// Every bundle file but the proofs and the archive record: what the archive record lists.
async fn base_files(
    services: &Services,
    v: &MinutesVersion,
) -> Result<BTreeMap<String, Vec<u8>>, Error> {
    let mut files = BTreeMap::new();
    files.insert(bundle::CONTENT.into(), v.content.clone());
    files.insert(bundle::MANIFEST.into(), v.manifest.clone());
    files.insert(bundle::CRDT_STATE.into(), v.crdt_state.clone());
    files.insert(bundle::MINUTES_HTML.into(), v.html.clone());
    let completion = v.completion.clone().ok_or_else(|| {
        Error::refused("the minutes are not signed by every required organization yet")
    })?;
    files.insert(bundle::COMPLETION.into(), completion);
    files.insert(
        bundle::TRUST.into(),
        Trust::for_log(&services.keyring.log_verifier()).to_bytes(),
    );
    for s in services
        .db
        .minutes_signatures(&v.meeting_id, v.version)
        .await?
    {
        files.insert(
            bundle::signature_path(s.step as u32, &s.org_id),
            s.envelope.clone(),
        );
        for key_id in [&s.person_key_id, &s.seal_key_id] {
            let key = services.db.signing_key(key_id).await?.ok_or_else(|| {
                Error::Internal(anyhow::anyhow!("signature names unknown key {key_id}"))
            })?;
            let pem = if key.purpose == "seal" {
                crate::signing::keys::SealPublicKey::from_spki_der(&key.spki).map(|k| k.spki_pem())
            } else {
                PersonKey::from_spki_der(&key.spki).map(|k| k.spki_pem())
            }
            .map_err(|e| Error::Internal(anyhow::anyhow!("stored key unusable: {e}")))?;
            files.insert(bundle::key_pem_path(key_id), pem.into_bytes());
            let binding = services
                .db
                .log_leaves(&[key.binding_leaf])
                .await?
                .pop()
                .ok_or_else(|| Error::Internal(anyhow::anyhow!("key binding leaf missing")))?;
            files.insert(bundle::key_binding_path(key_id), binding.bytes);
        }
    }
    Ok(files)
}

/// Adds an inclusion proof of every logged artefact, all against one fresh checkpoint, and
/// zips the bundle.
async fn export(
    services: &Services,
    v: &MinutesVersion,
    mut files: BTreeMap<String, Vec<u8>>,
) -> Result<Vec<u8>, Error> {
    let leaves = services.db.log_leaf_hashes(None).await?;
    let size = leaves.len() as u64;
    let checkpoint = Checkpoint {
        origin: services.keyring.origin().to_owned(),
        size,
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
    for s in services
        .db
        .minutes_signatures(&v.meeting_id, v.version)
        .await?
    {
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
