//! Supervision document operations (监督文书): draft one, list and read them, the commands of
//! the rectification (整改) machine, the evidence of a report, and the document's text as a
//! signed document (`work::supervision_text`).
//!
//! A supervision document is a space (`db::supervision_docs`). Who reads it, and what the
//! caller is to it:
//!
//! - the issuing bureau (制发机关): always; it writes the text, signs it, reviews the reports;
//! - the supervised body (被监督单位): once it is issued (its last signature), never the draft;
//! - a judicial bureau above the issuing one (its region covers the bureau's): reading;
//! - everyone else: "no supervision document with this id", as for an id that does not exist.
//!
//! The last signature issues it and sends it to the body as a notice requiring 签收
//! (`work::supervision_text`); the body's 签收 of that notice receives it
//! ([`received`], called by `work::notices` in the acknowledgement's write) and, unless it is
//! an opinion, starts the report's clock (the body's region's `supervision_report` limit),
//! with its reminders, 催办 and 督办 (`jobs::supervision_docs`).
//!
//! This module never writes SQL, decides access itself (that is the policy) or encodes a rule
//! of the machine (that is [`crate::domain::supervision_doc`]).

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::region_stats::FigureFilter;
use super::tasks::{Download, Upload};
use super::{audit, own_org, Error};
use crate::auth::Caller;
use crate::db::{
    new_id, Audience, Effects, NewEvent, NewEvidenceFile, NewJob, NewReport, NewSupervision,
    Supervision, SupervisionChange, SupervisionReceived, SupervisionRole, Verdict,
};
use crate::domain::calendar::TimeLimit;
use crate::domain::kernel::{self, Refused};
use crate::domain::limits::{amount_of, LimitKind};
use crate::domain::policy::{self, Action, SpaceAccess};
use crate::domain::supervision_doc::{
    self as rules, SupervisionAction, SupervisionCommand, SupervisionFlow, SupervisionKind,
    SupervisionParty, SupervisionState, NO_SUCH_EVIDENCE, NO_SUCH_SUPERVISION,
};
use crate::domain::text::{FileName, MediaType, Title};
use crate::services::Services;

/// What a judicial bureau writes to draft a supervision document
/// (`POST /api/supervision-docs`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSupervision {
    /// `notice` (通知书), `opinion` (意见书) or `decision` (决定书).
    pub kind: SupervisionKind,
    /// The body of the bureau's region it is issued to.
    pub body_org_id: String,
    /// 事由: what it is about (关于……).
    pub title: Title,
    /// The campaign (专项监督, 执法检查) of the bureau it is issued within, under way and
    /// covering the body; none for a document of its own.
    #[serde(default)]
    pub campaign_id: Option<String>,
}

/// Which supervision documents to list, by the caller's body's part in them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SupervisionListRole {
    /// Those its bureau issues.
    Issued,
    /// Those addressed to it.
    Received,
    /// Those it reads as a bureau above.
    Supervised,
}

/// The report's clock while it runs.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportClock {
    pub started_at: i64,
    pub due_at: i64,
    pub overdue: bool,
}

/// A piece of evidence (整改材料).
#[derive(Debug, Serialize, ToSchema)]
pub struct RectificationEvidence {
    pub id: String,
    pub round: i64,
    pub file_name: String,
    pub media_type: String,
    pub size: i64,
    pub sha256: String,
    pub attached_by_name: String,
    pub attached_at: i64,
    /// Where to download it.
    pub url: String,
}

/// A rectification report as submitted, with its evidence and the bureau's verdict.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportBody {
    pub round: i64,
    pub text: String,
    pub submitted_by_name: String,
    pub submitted_at: i64,
    pub due_at: Option<i64>,
    /// Submitted after it was due.
    pub late: bool,
    /// `accepted` or `sent_back`, once reviewed.
    pub verdict: Option<String>,
    pub verdict_label_zh: Option<&'static str>,
    pub verdict_label_en: Option<&'static str>,
    pub verdict_reason: Option<String>,
    pub verdict_by_name: Option<String>,
    pub verdict_at: Option<i64>,
    pub evidence: Vec<RectificationEvidence>,
}

/// A supervision document as the caller sees it, with the commands it may give now.
#[derive(Debug, Serialize, ToSchema)]
pub struct SupervisionBody {
    pub id: String,
    pub kind: SupervisionKind,
    pub kind_label_zh: &'static str,
    pub kind_label_en: &'static str,
    pub state: SupervisionState,
    pub state_label_zh: &'static str,
    pub state_label_en: &'static str,
    pub revision: i64,
    pub title: String,
    pub bureau_org_id: String,
    pub bureau_name: String,
    pub body_org_id: String,
    pub body_name: String,
    /// Whether the body must rectify and report (a notice, a decision).
    pub rectifies: bool,
    /// The live text (the bureau writes it while drafting; everyone who reads it reads it).
    pub doc_id: String,
    /// The notice that delivered it, to be signed for (签收).
    pub notice_id: Option<String>,
    pub your_part: SupervisionParty,
    pub your_part_label_zh: &'static str,
    pub your_part_label_en: &'static str,
    pub commands: Vec<kernel::CommandOffer>,
    /// Whether the caller may attach evidence to the report being written now.
    pub attach_evidence: kernel::CommandOffer,
    /// The report asked for now (0 before any).
    pub round: i64,
    pub clock: Option<ReportClock>,
    pub issued_at: Option<i64>,
    pub received_at: Option<i64>,
    pub accepted_at: Option<i64>,
    pub closed_at: Option<i64>,
    /// Why it was withdrawn.
    pub reason: Option<String>,
    /// Every report submitted, first round first.
    pub reports: Vec<ReportBody>,
    /// The evidence attached to the report being written, not yet submitted.
    pub pending_evidence: Vec<RectificationEvidence>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A list of supervision documents.
#[derive(Debug, Serialize, ToSchema)]
pub struct SupervisionPage {
    pub supervision_docs: Vec<SupervisionBody>,
}

fn not_found() -> Error {
    Error::NotFound(NO_SUCH_SUPERVISION.message())
}

pub(crate) fn subject(id: &str) -> String {
    format!("supervision:{id}")
}

/// The caller's part in a supervision document, or `None` when it may not see it (yet).
fn party_of(caller: &Caller, doc: &Supervision) -> Option<SupervisionParty> {
    let own = caller.org.as_ref().map(|o| o.id.as_str())?;
    if own == doc.bureau_org_id {
        return Some(SupervisionParty::Bureau);
    }
    if own == doc.body_org_id {
        return doc.issued_at.is_some().then_some(SupervisionParty::Body);
    }
    match policy::space_access(&caller.actor, &doc.facts()) {
        SpaceAccess::Supervise => Some(SupervisionParty::Supervisor),
        _ => None,
    }
}

/// The document and the caller's part in it, or "not found" for a body with none (and for a
/// token that may not read spaces).
pub(crate) async fn readable(
    services: &Services,
    caller: &Caller,
    id: &str,
) -> Result<(Supervision, SupervisionParty), Error> {
    let doc = services.db.supervision(id).await?.ok_or_else(not_found)?;
    let party = party_of(caller, &doc).ok_or_else(not_found)?;
    if caller
        .allow(&services.db, Action::ReadSpace(doc.facts()))
        .await
        .is_err()
    {
        return Err(not_found());
    }
    Ok((doc, party))
}

/// [`readable`], and the caller's body takes part (a bureau above only reads).
async fn writable(
    services: &Services,
    caller: &Caller,
    id: &str,
) -> Result<(Supervision, SupervisionParty), Error> {
    let (doc, party) = readable(services, caller, id).await?;
    caller
        .allow(&services.db, Action::ActInSpace(doc.facts()))
        .await?;
    Ok((doc, party))
}

/// Refuses (409) a change given on a revision other than the document's.
fn fresh(doc: &Supervision, revision: i64) -> Result<(), Error> {
    if revision == doc.revision {
        return Ok(());
    }
    Err(Error::refused(
        rules::SUPERVISION_STALE.with("revision", doc.revision.to_string()),
    ))
}

fn refused(refused: Refused) -> Error {
    Error::refused(refused.message())
}

/// Whether `party` may attach evidence now: the body, while it rectifies.
fn may_attach(doc: &Supervision, party: SupervisionParty) -> Result<(), Refused> {
    if party != SupervisionParty::Body {
        return Err(Refused::by(&rules::BY_THE_BODY));
    }
    if doc.state != SupervisionState::Rectifying {
        return Err(Refused::in_state(
            &rules::EVIDENCE_WHILE_RECTIFYING,
            doc.state,
        ));
    }
    Ok(())
}

fn evidence_body(doc: &Supervision, e: &crate::db::EvidenceFile) -> RectificationEvidence {
    RectificationEvidence {
        url: format!("/api/supervision-docs/{}/evidence/{}", doc.id, e.id),
        id: e.id.clone(),
        round: e.round,
        file_name: e.file_name.clone(),
        media_type: e.media_type.clone(),
        size: e.size,
        sha256: e.sha256.clone(),
        attached_by_name: e.attached_by_name.clone(),
        attached_at: e.attached_at,
    }
}

/// The words of a verdict.
fn verdict_labels(verdict: &str) -> (&'static str, &'static str) {
    match verdict {
        "accepted" => ("验收通过", "Accepted"),
        _ => ("退回整改", "Sent back"),
    }
}

/// The document as `party` sees it at `now`.
fn body(doc: Supervision, party: SupervisionParty, now: i64) -> SupervisionBody {
    let rectifies = doc.kind.rectifies();
    let reports = doc
        .reports
        .iter()
        .map(|r| {
            let labels = r.verdict.as_deref().map(verdict_labels);
            ReportBody {
                round: r.round,
                text: r.text.clone(),
                submitted_by_name: r.submitted_by_name.clone(),
                submitted_at: r.submitted_at,
                due_at: r.due_at,
                late: r.due_at.is_some_and(|due| r.submitted_at > due),
                verdict: r.verdict.clone(),
                verdict_label_zh: labels.map(|l| l.0),
                verdict_label_en: labels.map(|l| l.1),
                verdict_reason: r.verdict_reason.clone(),
                verdict_by_name: r.verdict_by_name.clone(),
                verdict_at: r.verdict_at,
                evidence: doc
                    .evidence
                    .iter()
                    .filter(|e| e.round == r.round)
                    .map(|e| evidence_body(&doc, e))
                    .collect(),
            }
        })
        .collect();
    let submitted = |round: i64| doc.reports.iter().any(|r| r.round == round);
    let pending_evidence = doc
        .evidence
        .iter()
        .filter(|e| e.round == doc.round && !submitted(e.round))
        .map(|e| evidence_body(&doc, e))
        .collect();
    let clock = match (doc.stage_started_at, doc.stage_due_at) {
        (Some(started_at), Some(due_at)) if doc.state == SupervisionState::Rectifying => {
            Some(ReportClock {
                started_at,
                due_at,
                overdue: now > due_at,
            })
        }
        _ => None,
    };
    SupervisionBody {
        kind_label_zh: doc.kind.label_zh(),
        kind_label_en: doc.kind.label_en(),
        state_label_zh: doc.state.label_zh(),
        state_label_en: doc.state.label_en(),
        your_part: party,
        your_part_label_zh: party.label_zh(),
        your_part_label_en: party.label_en(),
        commands: kernel::offers::<SupervisionFlow>(rectifies, doc.state, party)
            .into_iter()
            .filter(|offer| {
                // Issuing and receiving are the system's: never offered as buttons.
                offer.command != SupervisionCommand::Issue.as_str()
                    && offer.command != SupervisionCommand::Receive.as_str()
            })
            .collect(),
        attach_evidence: kernel::CommandOffer::new(
            "attach_evidence",
            "上传整改材料",
            "Attach evidence",
            may_attach(&doc, party),
        ),
        rectifies,
        clock,
        reports,
        pending_evidence,
        id: doc.id,
        kind: doc.kind,
        state: doc.state,
        revision: doc.revision,
        title: doc.title,
        bureau_org_id: doc.bureau_org_id,
        bureau_name: doc.bureau_name,
        body_org_id: doc.body_org_id,
        body_name: doc.body_name,
        doc_id: doc.doc_id,
        notice_id: doc.notice_id,
        round: doc.round,
        issued_at: doc.issued_at,
        received_at: doc.received_at,
        accepted_at: doc.accepted_at,
        closed_at: doc.closed_at,
        reason: doc.reason,
        created_at: doc.created_at,
        updated_at: doc.updated_at,
    }
}

/// Who is told of a change: the bureau, and the body once it is issued.
fn told(doc: &Supervision) -> Vec<String> {
    let mut orgs = vec![doc.bureau_org_id.clone()];
    if doc.issued_at.is_some() {
        orgs.push(doc.body_org_id.clone());
    }
    orgs
}

/// One event of `kind` to each of `orgs` about the document (now in `state`).
pub(crate) fn events(
    doc: &Supervision,
    state: SupervisionState,
    kind: &str,
    orgs: &[String],
) -> Vec<NewEvent> {
    orgs.iter()
        .map(|org_id| NewEvent {
            audience: Audience::Org(org_id.clone()),
            kind: kind.into(),
            subject: subject(&doc.id),
            payload: json!({
                "supervision_id": doc.id,
                "title": doc.title,
                "kind": doc.kind,
                "state": state,
                "bureau_org_id": doc.bureau_org_id,
                "body_org_id": doc.body_org_id,
            }),
        })
        .collect()
}

/// The report's limit for the supervised body (its region's `supervision_report`).
pub(crate) async fn report_limit(
    services: &Services,
    doc: &Supervision,
) -> Result<(TimeLimit, u32), Error> {
    let limits = super::limits::of_org(services, &doc.body_org_id).await?;
    Ok((
        limits.get(LimitKind::SupervisionReport),
        amount_of(limits.get(LimitKind::TaskEscalate)),
    ))
}

/// A report's clock from `start`: when it is due and its reminders, 催办 and 督办.
async fn clock(
    services: &Services,
    doc: &Supervision,
    start: i64,
) -> Result<(i64, Vec<NewJob>), Error> {
    let (limit, escalate_after) = report_limit(services, doc).await?;
    let calendar = services.calendar.get();
    let due_at = calendar.due_at(start, limit);
    let jobs = super::schedule::for_supervision(
        &calendar,
        &doc.id,
        (start, due_at),
        limit,
        escalate_after,
    );
    Ok((due_at, jobs))
}

/// Drafts a supervision document of the caller's bureau to a body of its region.
pub async fn create(
    services: &Services,
    caller: &Caller,
    input: CreateSupervision,
) -> Result<SupervisionBody, Error> {
    let bureau_id = own_org(caller, "issue a supervision document")?.to_owned();
    let bureau = services.db.org(&bureau_id).await?.ok_or_else(not_found)?;
    let body_org = services.db.org(&input.body_org_id).await?.ok_or_else(|| {
        Error::invalid(
            "body_org_id",
            rules::NO_SUCH_BODY.with("id", format!("{:?}", input.body_org_id)),
        )
    })?;
    caller
        .allow(
            &services.db,
            Action::IssueSupervision {
                body_region: &body_org.region_path,
            },
        )
        .await?;
    if body_org.id == bureau.id {
        return Err(Error::refused(rules::NOT_TO_ITSELF.message()));
    }
    if let Some(campaign_id) = &input.campaign_id {
        super::campaign_access::within(services, caller, campaign_id, &body_org.id, true).await?;
    }
    let now = services.clock.now_ms();
    let new = NewSupervision {
        id: new_id(),
        kind: input.kind,
        bureau_org_id: bureau.id.clone(),
        body_org_id: body_org.id.clone(),
        title: input.title.into_string(),
        region: bureau.region.clone(),
        campaign_id: input.campaign_id,
        created_by: caller.actor.user_id.clone(),
    };
    let mut effects = Effects {
        audit: vec![audit(
            caller,
            now,
            "supervision_drafted",
            subject(&new.id),
            json!({ "kind": new.kind, "title": new.title, "body_org_id": new.body_org_id,
                    "campaign_id": new.campaign_id }),
        )],
        ..Effects::default()
    };
    if let Some(campaign_id) = &new.campaign_id {
        effects.within_campaign(campaign_id);
    }
    let doc = services.db.create_supervision(&new, now, &effects).await?;
    Ok(body(doc, SupervisionParty::Bureau, now))
}

/// What `GET /api/supervision-docs` asks: the caller's part, and the body and period the
/// region's figures count documents in (issued to it then; only those rectified on time with
/// `on_time`).
#[derive(Debug, Clone, Copy, Default)]
pub struct SupervisionListQuery<'a> {
    pub role: Option<SupervisionListRole>,
    pub figure: FigureFilter<'a>,
    pub on_time: bool,
}

/// The supervision documents the caller may see, as `role` asks (all when `None`).
pub async fn list(
    services: &Services,
    caller: &Caller,
    query: SupervisionListQuery<'_>,
) -> Result<SupervisionPage, Error> {
    let SupervisionListQuery {
        role,
        figure,
        on_time,
    } = query;
    let of = if figure.is_empty() && !on_time {
        None
    } else {
        match figure.resolve(services, caller)? {
            Some(of) => Some((of, on_time)),
            None => {
                return Ok(SupervisionPage {
                    supervision_docs: Vec::new(),
                })
            }
        }
    };
    let Some(viewer) = policy::viewer(&caller.actor) else {
        return Ok(SupervisionPage {
            supervision_docs: Vec::new(),
        });
    };
    let role = role.map(|r| match r {
        SupervisionListRole::Issued => SupervisionRole::Issued,
        SupervisionListRole::Received => SupervisionRole::Received,
        SupervisionListRole::Supervised => SupervisionRole::Supervised,
    });
    let now = services.clock.now_ms();
    let mut docs = Vec::new();
    for doc in services.db.supervisions_visible(&viewer, role, of).await? {
        let Some(party) = party_of(caller, &doc) else {
            continue;
        };
        if policy::decide(&caller.actor, &Action::ReadSpace(doc.facts())).is_err() {
            continue;
        }
        docs.push(body(doc, party, now));
    }
    Ok(SupervisionPage {
        supervision_docs: docs,
    })
}

/// One supervision document.
pub async fn show(
    services: &Services,
    caller: &Caller,
    id: &str,
) -> Result<SupervisionBody, Error> {
    let (doc, party) = readable(services, caller, id).await?;
    Ok(body(doc, party, services.clock.now_ms()))
}

/// A command of the rectification machine (submit a report, accept, send back, close,
/// withdraw the draft).
pub async fn act(
    services: &Services,
    caller: &Caller,
    id: &str,
    action: SupervisionAction,
) -> Result<SupervisionBody, Error> {
    let (doc, party) = writable(services, caller, id).await?;
    fresh(&doc, action.revision())?;
    let command = action.command();
    let to = rules::transition(doc.kind.rectifies(), doc.state, party, command).map_err(refused)?;
    let now = services.clock.now_ms();
    let name = caller.principal().name;
    let mut change = SupervisionChange {
        id: doc.id.clone(),
        expected_revision: doc.revision,
        at: now,
        state: Some(to),
        ..SupervisionChange::default()
    };
    let mut effects = Effects {
        cancel_jobs_of: vec![subject(&doc.id)],
        ..Effects::default()
    };
    let mut detail = json!({ "from": doc.state, "to": to, "round": doc.round });
    let verdict = |verdict: &'static str, reason: Option<String>| Verdict {
        verdict,
        reason,
        by: caller.actor.user_id.clone(),
        by_name: name.clone(),
    };
    match action {
        SupervisionAction::SubmitReport { text, .. } => {
            let evidence = doc.evidence.iter().filter(|e| e.round == doc.round).count();
            detail["evidence"] = json!(evidence);
            detail["late"] = json!(doc.stage_due_at.is_some_and(|due| now > due));
            change.report = Some(NewReport {
                text: text.into_string(),
                submitted_by: caller.actor.user_id.clone(),
                submitted_by_name: name.clone(),
                due_at: doc.stage_due_at,
            });
            change.stage = Some((None, None));
        }
        SupervisionAction::Accept { .. } => {
            change.verdict = Some(verdict("accepted", None));
            change.accepted_at = Some(now);
        }
        SupervisionAction::SendBack { reason, .. } => {
            detail["reason"] = json!(reason);
            change.verdict = Some(verdict("sent_back", Some(reason.into_string())));
            change.round = Some(doc.round + 1);
            let (due_at, jobs) = clock(services, &doc, now).await?;
            effects.jobs = jobs;
            change.stage = Some((Some(now), Some(due_at)));
        }
        SupervisionAction::Close { .. } => change.closed_at = Some(now),
        SupervisionAction::Withdraw { reason, .. } => {
            detail["reason"] = json!(reason);
            change.reason = Some(reason.into_string());
        }
    }
    let past = match command {
        SupervisionCommand::SubmitReport => "reported",
        SupervisionCommand::Accept => "accepted",
        SupervisionCommand::SendBack => "sent_back",
        SupervisionCommand::Close => "closed",
        _ => "withdrawn",
    };
    effects.events = events(&doc, to, &format!("supervision.{past}"), &told(&doc));
    effects.audit = vec![audit(
        caller,
        now,
        &format!("supervision_{past}"),
        subject(&doc.id),
        detail,
    )];
    let updated = services.db.change_supervision(&change, &effects).await?;
    services.wake();
    Ok(body(updated, party, now))
}

/// Whether the caller may attach evidence now: asked before the file is read, so an unknown
/// document (404) or a refusal costs no upload. [`attach`] asks again.
pub async fn may_attach_evidence(
    services: &Services,
    caller: &Caller,
    id: &str,
) -> Result<(), Error> {
    let (doc, party) = writable(services, caller, id).await?;
    may_attach(&doc, party).map_err(refused)
}

/// Attaches a file of evidence to the report being written.
pub async fn attach(
    services: &Services,
    caller: &Caller,
    id: &str,
    file: Upload,
) -> Result<SupervisionBody, Error> {
    let (doc, party) = writable(services, caller, id).await?;
    may_attach(&doc, party).map_err(refused)?;
    let file_name = FileName::parse(file.name.as_deref())?.into_string();
    let media_type = MediaType::parse(file.content_type.as_deref())?.into_string();
    if file.bytes.is_empty() {
        return Err(Error::invalid(
            "name",
            crate::domain::phrases::FILE_EMPTY.message(),
        ));
    }
    let now = services.clock.now_ms();
    let effects = Effects {
        audit: vec![audit(
            caller,
            now,
            "supervision_evidence_attached",
            subject(id),
            json!({ "round": doc.round, "file_name": file_name, "size": file.bytes.len() }),
        )],
        ..Effects::default()
    };
    let stored = NewEvidenceFile {
        supervision_id: doc.id.clone(),
        round: doc.round,
        file_name,
        media_type,
        attached_by: caller.actor.user_id.clone(),
    };
    let updated = services
        .db
        .attach_supervision_evidence(&stored, &file.bytes, now, &effects)
        .await?;
    Ok(body(updated, party, now))
}

/// Removes a piece of evidence of the report being written, before it is submitted.
pub async fn remove_evidence(
    services: &Services,
    caller: &Caller,
    id: &str,
    evidence_id: &str,
) -> Result<SupervisionBody, Error> {
    let (doc, party) = writable(services, caller, id).await?;
    may_attach(&doc, party).map_err(refused)?;
    let now = services.clock.now_ms();
    let effects = Effects {
        audit: vec![audit(
            caller,
            now,
            "supervision_evidence_removed",
            subject(id),
            json!({ "round": doc.round, "evidence_id": evidence_id }),
        )],
        ..Effects::default()
    };
    let updated = services
        .db
        .remove_supervision_evidence(id, evidence_id, now, &effects)
        .await?;
    Ok(body(updated, party, now))
}

/// A file of evidence, for whoever reads the document.
pub async fn download(
    services: &Services,
    caller: &Caller,
    id: &str,
    evidence_id: &str,
) -> Result<Download, Error> {
    let (doc, _) = readable(services, caller, id).await?;
    let missing = || Error::NotFound(NO_SUCH_EVIDENCE.message());
    let file = doc.evidence_file(evidence_id).ok_or_else(missing)?;
    let bytes = services
        .db
        .blob_bytes(&file.sha256)
        .await?
        .ok_or_else(missing)?;
    Ok(Download {
        name: file.file_name.clone(),
        content_type: file.media_type.clone(),
        bytes,
    })
}

/// The 签收 of the notice that delivered the supervision document `id`, by `caller` at `now`:
/// adds to the acknowledgement's `effects` the document's receipt (and, when it asks for
/// rectification, the report's clock and reminders). Nothing when it is no longer issued (a
/// corrected notice signed for again).
pub(crate) async fn received(
    services: &Services,
    caller: &Caller,
    id: &str,
    now: i64,
    effects: &mut Effects,
) -> Result<(), Error> {
    let Some(doc) = services.db.supervision(id).await? else {
        return Ok(());
    };
    if doc.state != SupervisionState::Issued {
        return Ok(());
    }
    let to = rules::transition(
        doc.kind.rectifies(),
        doc.state,
        SupervisionParty::System,
        SupervisionCommand::Receive,
    )
    .map_err(refused)?;
    let stage = if to == SupervisionState::Rectifying {
        let (due_at, jobs) = clock(services, &doc, now).await?;
        effects.jobs.extend(jobs);
        Some((now, due_at))
    } else {
        None
    };
    effects.receive_supervision(SupervisionReceived {
        supervision_id: doc.id.clone(),
        state: to,
        stage,
    });
    effects
        .events
        .extend(events(&doc, to, "supervision.received", &told(&doc)));
    effects.audit.push(audit(
        caller,
        now,
        "supervision_received",
        subject(&doc.id),
        json!({ "from": doc.state, "to": to, "report_due_at": stage.map(|s| s.1) }),
    ));
    Ok(())
}
