//! Jurisdiction dispute operations (执法争议 / 管辖争议): raise, negotiate, say negotiation
//! failed, escalate, accept or refuse, the parties' written replies, coordinate (an interim
//! lead body), refer, withdraw. The parties settle by signing their agreement
//! ([`super::dispute_agreement`]); the bureau decides by signing its decision
//! ([`super::dispute_decision`]).
//!
//! A dispute is a space: its parties take part, the bureau it escalates to follows it from the
//! start and manages it once it accepts, the bureaus above read it, and everyone else is told
//! "no dispute with this id", exactly as for an id that does not exist. Where it escalates is
//! decided when it is raised ([`crate::domain::dispute::escalation_target`]), so every party
//! knows from the first day which bureau will coordinate.
//!
//! Each stage's clock (negotiation, acceptance, replies, decision) is stored on the dispute as
//! `stage_started_at`/`stage_due_at`, counted in working days through the calendar; whether
//! a stage is over (its time passed, or every party did its part) is read here and handed to
//! the machine as its context.
//!
//! This module never writes SQL, decides access itself (that is the policy) or encodes a rule
//! of the machine (that is [`crate::domain::dispute`]).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::meetings::{CreateMeeting, InviteInput, MeetingBody};
use super::region_stats::FigureFilter;
use super::Error;
use super::{audit, own_org, schedule};
use crate::auth::Caller;
use crate::db::{
    new_id, Audience, Dispute, DisputeChange, DisputeFigure, DisputeFilter, Effects, NewDispute,
    NewDisputeParty, NewEvent, NewJob, PartyRow, PartyWrite,
};
use crate::domain::calendar::end_of_day_ms;
use crate::domain::dispute::{
    self as rules, DisputeAction, DisputeCommand, DisputeFlow, DisputeKind, DisputeParty,
    DisputeState, ListRole, Position, Stage, MAX_PARTIES,
};
use crate::domain::kernel::{self, CommandOffer};
use crate::domain::limits::{amount_of, LimitKind};
use crate::domain::meeting::MeetingKind;
use crate::domain::org::RegionCode;
use crate::domain::org::SpaceRole;
use crate::domain::phrases;
use crate::domain::policy::{self, Action, SpaceAccess};
use crate::domain::task::{TaskSource, TaskState};
use crate::domain::text::{Line, Text, Title, WebLink};
use crate::services::{AccessChange, Services};

/// What the raising body writes (`POST /api/disputes`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RaiseDispute {
    /// 积极争议 (each claims it) or 消极争议 (each refuses it).
    pub kind: DisputeKind,
    /// What the matter is, in one line.
    pub title: Title,
    /// 争议事项: the facts.
    pub description: Text,
    /// Where it happened.
    #[serde(default, deserialize_with = "crate::domain::text::optional")]
    pub place: Option<Line>,
    /// The enforcement item (执法事项) or case number it concerns.
    #[serde(default, deserialize_with = "crate::domain::text::optional")]
    pub reference: Option<Line>,
    /// What the parties already tried.
    #[serde(default, deserialize_with = "crate::domain::text::optional")]
    pub tried: Option<Text>,
    /// The other parties' organization ids: at least one, each once, never the raising body.
    pub parties: Vec<String>,
    /// The raising body's own position.
    pub position: Text,
    /// Its legal basis.
    #[serde(default, deserialize_with = "crate::domain::text::optional")]
    pub legal_basis: Option<Text>,
    /// A task the raising body returned as not its own (已退回): its setter becomes a party.
    #[serde(default)]
    pub from_task_id: Option<String>,
    /// A notice the raising body received (a matter transferred to it): its sender becomes a
    /// party.
    #[serde(default)]
    pub from_notice_id: Option<String>,
    /// A referral the raising body received and returned as not its matter (已退回): its
    /// referring body becomes a party, and the referral goes on as this dispute.
    #[serde(default)]
    pub from_referral_id: Option<String>,
}

/// The interim lead body the bureau names (`PUT /api/disputes/{id}/lead`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadInput {
    pub revision: i64,
    /// One of the parties.
    pub org_id: String,
}

/// A case consultation (案件会商) the bureau convenes from the dispute
/// (`POST /api/disputes/{id}/consultations`): the parties are invited; its title is the
/// dispute's unless given.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsultationInput {
    #[serde(default, deserialize_with = "crate::domain::text::optional")]
    pub title: Option<Title>,
    /// Unix milliseconds, in the future.
    pub starts_at: i64,
    /// Unix milliseconds, after `starts_at`.
    pub ends_at: i64,
    #[serde(default, deserialize_with = "crate::domain::text::optional")]
    pub place: Option<Line>,
    #[serde(default, deserialize_with = "crate::domain::text::optional")]
    pub online_link: Option<WebLink>,
    #[serde(default)]
    pub reply_due_at: Option<i64>,
}

/// A meeting convened from the dispute, as the dispute page links it.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkedMeeting {
    pub id: String,
    pub title: String,
    pub kind: String,
    pub starts_at: i64,
    pub state: String,
}

/// One party as the page shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartyBody {
    pub org_id: String,
    pub org_name: String,
    /// `raiser` (提出方) or `party` (争议相对方).
    pub role: String,
    pub role_label_zh: &'static str,
    pub role_label_en: &'static str,
    pub position: Option<String>,
    pub legal_basis: Option<String>,
    /// Its written statement (书面意见): a document only it writes, every party and the
    /// bureau read (`/ws/docs/{statement_doc_id}`).
    pub statement_doc_id: String,
    /// When it said negotiation failed (协商不成).
    pub gave_up_at: Option<i64>,
    /// When it gave its written reply.
    pub replied_at: Option<i64>,
}

/// The clock that runs now.
#[derive(Debug, Serialize, ToSchema)]
pub struct StageBody {
    pub stage: Stage,
    pub label_zh: &'static str,
    pub label_en: &'static str,
    pub started_at: i64,
    pub due_at: i64,
    /// The time has passed.
    pub overdue: bool,
}

/// What the caller's body may do besides the commands: its own part.
#[derive(Debug, Serialize, ToSchema)]
pub struct OwnOffers {
    pub state_position: CommandOffer,
    pub give_up: CommandOffer,
    pub reply: CommandOffer,
    pub name_lead: CommandOffer,
    pub convene_consultation: CommandOffer,
}

/// A dispute as the caller sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DisputeBody {
    pub id: String,
    pub kind: DisputeKind,
    pub kind_label_zh: &'static str,
    pub kind_label_en: &'static str,
    pub title: String,
    pub description: String,
    pub place: Option<String>,
    pub reference: Option<String>,
    pub tried: Option<String>,
    /// The lowest region covering every party.
    pub region: String,
    pub raised_by_org_id: String,
    /// The judicial bureau it escalates to (协调机关).
    pub bureau_org_id: String,
    pub bureau_name: String,
    pub state: DisputeState,
    pub state_label_zh: &'static str,
    pub state_label_en: &'static str,
    pub revision: i64,
    pub stage: Option<StageBody>,
    pub escalated_at: Option<i64>,
    pub accepted_at: Option<i64>,
    pub interim_lead_org_id: Option<String>,
    /// The bureau's decision document (协调意见书), once accepted.
    pub decision_doc_id: Option<String>,
    /// The parties' agreement (协议书): every party writes it while they negotiate; signed by
    /// all, it resolves the dispute.
    pub agreement_doc_id: String,
    /// What the signed decision named: the responsible body (one of the parties), its duty,
    /// the day it is due (`YYYY-MM-DD`, Beijing), when it was decided.
    pub responsible_org_id: Option<String>,
    pub decision_duty: Option<String>,
    pub decision_deadline: Option<String>,
    pub decided_at: Option<i64>,
    /// The task carrying the decision out, once handed over.
    pub task_id: Option<String>,
    pub agreement: Option<String>,
    pub government_decision: Option<String>,
    /// Why it was escalated, refused, referred or withdrawn (the last of these).
    pub reason: Option<String>,
    /// Where it started: `direct`, `task` (a returned task) or `notice` (a received one).
    pub source_kind: String,
    /// The task's or notice's id.
    pub source_id: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// The raising body first.
    pub parties: Vec<PartyBody>,
    /// The case consultations (案件会商) convened from it, soonest first: on the dispute's
    /// own answers; the list (`GET /api/disputes`) leaves them out.
    pub meetings: Vec<LinkedMeeting>,
    /// The caller's part in it.
    pub my_role: DisputeParty,
    /// Every command, allowed now or refused with its rule.
    pub commands: Vec<CommandOffer>,
    /// The caller's body's own part.
    pub own: OwnOffers,
}

/// The disputes the caller may see.
#[derive(Debug, Serialize, ToSchema)]
pub struct DisputePage {
    pub disputes: Vec<DisputeBody>,
}

fn not_found() -> Error {
    Error::NotFound(phrases::NO_SUCH_DISPUTE.message())
}

fn subject(id: &str) -> String {
    format!("dispute:{id}")
}

/// The caller's part in a dispute, or `None` for a body with no part in it.
fn party_of(caller: &Caller, dispute: &Dispute) -> Option<DisputeParty> {
    let own = caller.org.as_ref().map(|o| o.id.as_str());
    match own {
        Some(org) if org == dispute.raised_by_org_id => return Some(DisputeParty::Raiser),
        Some(org) if dispute.party(org).is_some() => return Some(DisputeParty::Party),
        Some(org) if org == dispute.bureau_org_id => return Some(DisputeParty::Bureau),
        _ => {}
    }
    match policy::space_access(&caller.actor, &dispute.facts()) {
        SpaceAccess::Supervise => Some(DisputeParty::Supervisor),
        _ => None,
    }
}

/// Whether the current stage is over, for the machine: its time passed, or every party did
/// its part (said negotiation failed; gave its reply).
fn stage_over(dispute: &Dispute, now: i64) -> bool {
    let time_passed = dispute.stage_due_at.is_some_and(|due| now >= due);
    match dispute.state {
        DisputeState::Raised | DisputeState::Negotiating => {
            time_passed || dispute.parties.iter().all(|p| p.gave_up_at.is_some())
        }
        DisputeState::RepliesDue => {
            time_passed || dispute.parties.iter().all(|p| p.replied_at.is_some())
        }
        _ => false,
    }
}

fn offer(
    command: &'static str,
    zh: &'static str,
    en: &'static str,
    outcome: Result<(), rules::Refused>,
) -> CommandOffer {
    CommandOffer::new(command, zh, en, outcome)
}

fn party_body(p: PartyRow) -> PartyBody {
    let raiser = p.role == "raiser";
    let role = if raiser {
        DisputeParty::Raiser
    } else {
        DisputeParty::Party
    };
    PartyBody {
        role_label_zh: role.label_zh(),
        role_label_en: role.label_en(),
        org_id: p.org_id,
        org_name: p.org_name,
        role: p.role,
        position: p.position,
        legal_basis: p.legal_basis,
        statement_doc_id: p.statement_doc_id,
        gave_up_at: p.gave_up_at,
        replied_at: p.replied_at,
    }
}

/// The dispute as `party` sees it at `now`; `over` is whether its stage is over
/// ([`stage_over`] or, while implementing, the task done: [`is_over`]), which decides the
/// commands offered exactly as it decides the commands taken.
fn body(dispute: Dispute, party: DisputeParty, now: i64, over: bool) -> DisputeBody {
    let state = dispute.state;
    let stage = match (
        state.stage(),
        dispute.stage_started_at,
        dispute.stage_due_at,
    ) {
        (Some(stage), Some(started_at), Some(due_at)) => Some(StageBody {
            stage,
            label_zh: stage.label_zh(),
            label_en: stage.label_en(),
            started_at,
            due_at,
            overdue: now >= due_at,
        }),
        _ => None,
    };
    let own = OwnOffers {
        state_position: offer(
            "state_position",
            "填写本单位意见",
            "State our position",
            rules::may_state_position(state, party),
        ),
        give_up: offer(
            "give_up",
            "确认协商不成",
            "Say negotiation failed",
            rules::may_give_up(state, party),
        ),
        reply: offer(
            "reply",
            "提交书面答复",
            "Give the written reply",
            rules::may_reply(state, party),
        ),
        name_lead: offer(
            "name_lead",
            "指定临时牵头单位",
            "Name an interim lead body",
            rules::may_name_lead(state, party),
        ),
        convene_consultation: offer(
            "convene_consultation",
            "召开案件会商",
            "Convene a case consultation",
            rules::may_convene_consultation(state, party),
        ),
    };
    DisputeBody {
        commands: kernel::offers::<DisputeFlow>(over, state, party),
        own,
        my_role: party,
        kind_label_zh: dispute.kind.label_zh(),
        kind_label_en: dispute.kind.label_en(),
        state_label_zh: state.label_zh(),
        state_label_en: state.label_en(),
        region: dispute.region.to_string(),
        stage,
        id: dispute.id,
        kind: dispute.kind,
        title: dispute.title,
        description: dispute.description,
        place: dispute.place,
        reference: dispute.reference,
        tried: dispute.tried,
        raised_by_org_id: dispute.raised_by_org_id,
        bureau_org_id: dispute.bureau_org_id,
        bureau_name: dispute.bureau_name,
        state,
        revision: dispute.revision,
        escalated_at: dispute.escalated_at,
        accepted_at: dispute.accepted_at,
        interim_lead_org_id: dispute.interim_lead_org_id,
        decision_doc_id: dispute.decision_doc_id,
        agreement_doc_id: dispute.agreement_doc_id,
        responsible_org_id: dispute.responsible_org_id,
        decision_duty: dispute.decision_duty,
        decision_deadline: dispute.decision_deadline,
        decided_at: dispute.decided_at,
        task_id: dispute.task_id,
        agreement: dispute.agreement,
        government_decision: dispute.government_decision,
        reason: dispute.reason,
        source_kind: dispute.source_kind,
        source_id: dispute.source_id,
        created_by: dispute.created_by,
        created_at: dispute.created_at,
        updated_at: dispute.updated_at,
        parties: dispute.parties.into_iter().map(party_body).collect(),
        meetings: Vec::new(),
    }
}

/// [`body`] with the meetings convened from the dispute.
async fn full_body(
    services: &Services,
    dispute: Dispute,
    party: DisputeParty,
    now: i64,
) -> Result<DisputeBody, Error> {
    let meetings = services.db.dispute_meetings(&dispute.id).await?;
    let over = is_over(services, &dispute, now).await?;
    let mut answer = body(dispute, party, now, over);
    answer.meetings = meetings
        .into_iter()
        .map(|m| LinkedMeeting {
            id: m.id,
            title: m.title,
            kind: m.kind,
            starts_at: m.starts_at,
            state: m.state,
        })
        .collect();
    Ok(answer)
}

/// The dispute and the caller's part in it, or "not found" for a body with none (and for a
/// token that may not read spaces).
async fn readable(
    services: &Services,
    caller: &Caller,
    id: &str,
) -> Result<(Dispute, DisputeParty), Error> {
    let dispute = services.db.dispute(id).await?.ok_or_else(not_found)?;
    if caller
        .allow(&services.db, Action::ReadSpace(dispute.facts()))
        .await
        .is_err()
    {
        return Err(not_found());
    }
    let party = party_of(caller, &dispute).ok_or_else(not_found)?;
    Ok((dispute, party))
}

/// [`readable`], and the caller's body takes part (a supervising bureau only reads).
async fn writable(
    services: &Services,
    caller: &Caller,
    id: &str,
) -> Result<(Dispute, DisputeParty), Error> {
    let (dispute, party) = readable(services, caller, id).await?;
    caller
        .allow(&services.db, Action::ActInSpace(dispute.facts()))
        .await?;
    Ok((dispute, party))
}

/// Every body of the dispute: the parties and the bureau.
fn everyone(dispute: &Dispute) -> Vec<String> {
    let mut orgs: Vec<String> = dispute.parties.iter().map(|p| p.org_id.clone()).collect();
    orgs.push(dispute.bureau_org_id.clone());
    orgs
}

/// One event of `kind` to each of `orgs` about the dispute `id` (now in `state`), with what
/// it takes to show and link it. Built before the write, so it rides in the write's effects.
fn events(
    dispute: &Dispute,
    id: &str,
    state: DisputeState,
    kind: &str,
    orgs: Vec<String>,
) -> Vec<NewEvent> {
    orgs.into_iter()
        .map(|org_id| NewEvent {
            audience: Audience::Org(org_id),
            kind: kind.into(),
            subject: subject(id),
            payload: json!({
                "dispute_id": id,
                "title": dispute.title,
                "state": state,
                "bureau_org_id": dispute.bureau_org_id,
            }),
        })
        .collect()
}

/// A stage's clock from `start`: when it is due (the limit of the dispute's region, the
/// lowest covering every party, counted in the calendar) and its reminders, 催办 and 督办.
async fn clock(
    services: &Services,
    dispute_id: &str,
    region: &RegionCode,
    stage: Stage,
    start: i64,
) -> Result<(i64, Vec<NewJob>), Error> {
    let limits = super::limits::effective(services, region).await?;
    let calendar = services.calendar.get();
    let limit = limits.get(stage.limit());
    let due_at = calendar.due_at(start, limit);
    let escalate_after = amount_of(limits.get(LimitKind::TaskEscalate));
    let jobs = schedule::for_dispute(
        &calendar,
        dispute_id,
        stage,
        (start, due_at),
        limit,
        escalate_after,
    );
    Ok((due_at, jobs))
}

/// Raises a dispute: finds the bureau it escalates to, then makes its space, the parties'
/// statements and the dispute, and tells every party and the bureau.
pub async fn raise(
    services: &Services,
    caller: &Caller,
    input: RaiseDispute,
) -> Result<DisputeBody, Error> {
    caller.allow(&services.db, Action::CreateSpace).await?;
    let raiser = own_org(caller, "raise a dispute")?.to_owned();
    let sources = [
        input.from_task_id.is_some(),
        input.from_notice_id.is_some(),
        input.from_referral_id.is_some(),
    ];
    if sources.iter().filter(|given| **given).count() > 1 {
        return Err(Error::invalid(
            "from_task_id",
            phrases::DISPUTE_ONE_SOURCE.message(),
        ));
    }
    let (source_kind, source_id, source_party) = match (
        input.from_task_id,
        input.from_notice_id,
        input.from_referral_id,
    ) {
        (Some(task), _, _) => {
            let setter = super::tasks::setter_of_returned(services, caller, &task).await?;
            ("task", Some(task), Some(setter))
        }
        (_, Some(notice), _) => {
            let sender = super::notices::sender_of_received(services, caller, &notice).await?;
            ("notice", Some(notice), Some(sender))
        }
        (_, _, Some(referral)) => {
            let referrer =
                super::referrals::referrer_of_returned(services, caller, &referral).await?;
            ("referral", Some(referral), Some(referrer))
        }
        (None, None, None) => ("direct", None, None),
    };
    let mut parties = input.parties;
    // The body the matter came from is a party, named or not.
    if let Some(from) = source_party.filter(|from| *from != raiser && !parties.contains(from)) {
        parties.insert(0, from);
    }
    let others = checked_parties(&raiser, parties)?;
    let mut orgs = Vec::with_capacity(others.len() + 1);
    for id in std::iter::once(&raiser).chain(&others) {
        let org = services.db.org(id).await?.ok_or_else(|| {
            Error::invalid(
                "parties",
                phrases::DISPUTE_NO_SUCH_PARTY.with("id", format!("{id:?}")),
            )
        })?;
        orgs.push(org);
    }
    let paths: Vec<_> = orgs.iter().map(|o| &o.region_path).collect();
    let common = rules::common_region(&paths)
        .ok_or_else(|| Error::refused(rules::Refused::by(&rules::NO_COMMON_REGION).message()))?;
    let bureaus = services.db.judicial_bureaus_above(&common).await?;
    let bureau_paths: Vec<_> = bureaus.iter().map(|b| &b.region_path).collect();
    let (index, covering) = rules::escalation_target(&paths, &bureau_paths)
        .map_err(|refused| Error::refused(refused.message()))?;
    let bureau = &bureaus[index];
    if orgs.iter().any(|o| o.id == bureau.id) {
        return Err(Error::refused(phrases::DISPUTE_BUREAU_IS_PARTY.message()));
    }
    let region = rules::region_code_of(&covering)
        .and_then(|code| RegionCode::parse(code).ok())
        .ok_or_else(|| Error::refused(rules::Refused::by(&rules::NO_COMMON_REGION).message()))?;
    let now = services.clock.now_ms();
    let id = new_id();
    let (stage_due_at, jobs) = clock(services, &id, &region, Stage::Negotiation, now).await?;
    let position = input.position.into_string();
    let legal_basis = input.legal_basis.map(Text::into_string);
    let parties = orgs
        .iter()
        .map(|org| {
            let raising = org.id == raiser;
            NewDisputeParty {
                org_id: org.id.clone(),
                statement_doc_id: new_id(),
                position: raising.then(|| position.clone()),
                legal_basis: if raising { legal_basis.clone() } else { None },
            }
        })
        .collect();
    let new = NewDispute {
        agreement_doc_id: new_id(),
        id,
        kind: input.kind,
        title: input.title.into_string(),
        description: input.description.into_string(),
        place: input.place.map(Line::into_string),
        reference: input.reference.map(Line::into_string),
        tried: input.tried.map(Text::into_string),
        region,
        raised_by_org_id: raiser.clone(),
        bureau_org_id: bureau.id.clone(),
        parties,
        stage_due_at,
        source_kind,
        source_id,
        created_by: caller.actor.user_id.clone(),
    };
    let told = orgs
        .iter()
        .map(|o| o.id.clone())
        .chain(std::iter::once(bureau.id.clone()))
        .map(|org_id| NewEvent {
            audience: Audience::Org(org_id),
            kind: "dispute.raised".into(),
            subject: subject(&new.id),
            payload: json!({
                "dispute_id": new.id,
                "title": new.title,
                "state": DisputeState::Raised,
                "bureau_org_id": new.bureau_org_id,
            }),
        })
        .collect();
    let mut effects = Effects {
        events: told,
        jobs,
        audit: vec![audit(
            caller,
            now,
            "dispute_raised",
            subject(&new.id),
            json!({
                "kind": new.kind,
                "title": new.title,
                "parties": others,
                "bureau_org_id": new.bureau_org_id,
                "region": new.region,
            }),
        )],
        ..Effects::default()
    };
    if new.source_kind == "referral" {
        if let Some(referral) = &new.source_id {
            effects.dispute_referral(referral, &new.id);
            effects
                .events
                .extend(super::referrals::disputed_events(services, referral, &new.id).await?);
        }
    }
    let dispute = services.db.create_dispute(&new, now, &effects).await?;
    services.wake();
    let over = stage_over(&dispute, now);
    Ok(body(dispute, DisputeParty::Raiser, now, over))
}

/// The other parties as given: at least one, each once, never the raising body, at most
/// [`MAX_PARTIES`] in all.
fn checked_parties(raiser: &str, parties: Vec<String>) -> Result<Vec<String>, Error> {
    if parties.is_empty() {
        return Err(Error::invalid(
            "parties",
            phrases::DISPUTE_PARTIES_EMPTY.message(),
        ));
    }
    if parties.len() + 1 > MAX_PARTIES {
        return Err(Error::invalid(
            "parties",
            phrases::DISPUTE_TOO_MANY_PARTIES.with("max", MAX_PARTIES.to_string()),
        ));
    }
    let mut seen = BTreeSet::new();
    for id in &parties {
        if id == raiser {
            return Err(Error::invalid(
                "parties",
                phrases::DISPUTE_PARTY_IS_RAISER.message(),
            ));
        }
        if !seen.insert(id.as_str()) {
            return Err(Error::invalid(
                "parties",
                phrases::DISPUTE_PARTY_TWICE.with("id", id.clone()),
            ));
        }
    }
    Ok(parties)
}

/// Which disputes a list asks for (`GET /api/disputes?state=&role=&org=&from=&to=&figure=`);
/// nothing given, all.
#[derive(Debug, Clone, Copy, Default)]
pub struct ListQuery<'a> {
    pub state: Option<DisputeState>,
    pub role: Option<ListRole>,
    /// The body and period of a list behind the region's figures (评议考核); with `figure`,
    /// only what that figure counts.
    pub of_body: FigureFilter<'a>,
    pub figure: Option<DisputeFigure>,
}

/// The disputes the caller's body is a party to or coordinates, and, for a judicial bureau,
/// those of its region and below; of these, those `query` asks for.
pub async fn list(
    services: &Services,
    caller: &Caller,
    query: ListQuery<'_>,
) -> Result<DisputePage, Error> {
    let of = if query.of_body.is_empty() && query.figure.is_none() {
        None
    } else {
        match query.of_body.resolve(services, caller)? {
            Some(of) => Some((of, query.figure)),
            None => {
                return Ok(DisputePage {
                    disputes: Vec::new(),
                })
            }
        }
    };
    let Some(viewer) = policy::viewer(&caller.actor) else {
        return Ok(DisputePage {
            disputes: Vec::new(),
        });
    };
    let now = services.clock.now_ms();
    let filter = DisputeFilter {
        state: query.state,
        role: query.role,
        of,
    };
    let mut answers = Vec::new();
    for dispute in services.db.disputes_visible(&viewer, filter).await? {
        if policy::decide(&caller.actor, &Action::ReadSpace(dispute.facts())).is_err() {
            continue;
        }
        let Some(party) = party_of(caller, &dispute) else {
            continue;
        };
        let over = is_over(services, &dispute, now).await?;
        answers.push(body(dispute, party, now, over));
    }
    Ok(DisputePage { disputes: answers })
}

/// One dispute.
pub async fn show(services: &Services, caller: &Caller, id: &str) -> Result<DisputeBody, Error> {
    let (dispute, party) = readable(services, caller, id).await?;
    full_body(services, dispute, party, services.clock.now_ms()).await
}

/// The bureau convenes a case consultation (案件会商) on the dispute: a meeting of kind
/// `case_consultation` it convenes, every party invited, naming the dispute.
pub async fn convene_consultation(
    services: &Services,
    caller: &Caller,
    id: &str,
    input: ConsultationInput,
) -> Result<MeetingBody, Error> {
    let (dispute, party) = writable(services, caller, id).await?;
    rules::may_convene_consultation(dispute.state, party)?;
    let title = match input.title {
        Some(title) => title,
        None => Title::parse(
            "title",
            &format!("案件会商：{}", dispute.title)
                .chars()
                .take(super::MAX_TITLE_CHARS)
                .collect::<String>(),
        )?,
    };
    let meeting = CreateMeeting {
        kind: MeetingKind::CaseConsultation,
        title,
        starts_at: input.starts_at,
        ends_at: input.ends_at,
        place: input.place,
        online_link: input.online_link,
        reply_due_at: input.reply_due_at,
        invited: dispute
            .parties
            .iter()
            .map(|p| InviteInput {
                org_id: p.org_id.clone(),
                role: SpaceRole::Member,
            })
            .collect(),
    };
    super::meetings::convene(services, caller, meeting, Some(dispute.id)).await
}

/// A command: negotiate, escalate, accept, refuse, coordinate, refer, record the
/// government's decision, implement, close, withdraw (settling and deciding are signatures:
/// [`super::dispute_agreement`], [`super::dispute_decision`]).
pub async fn act(
    services: &Services,
    caller: &Caller,
    id: &str,
    action: DisputeAction,
) -> Result<DisputeBody, Error> {
    let (dispute, party) = writable(services, caller, id).await?;
    if action.revision() != dispute.revision {
        return Err(Error::refused(
            phrases::DISPUTE_STALE.with("revision", dispute.revision.to_string()),
        ));
    }
    let now = services.clock.now_ms();
    let command = action.command();
    let over = is_over(services, &dispute, now).await?;
    let to = rules::transition(over, dispute.state, party, command)?;
    let mut change = DisputeChange {
        dispute_id: dispute.id.clone(),
        expected_revision: dispute.revision,
        at: now,
        state: Some(to),
        ..DisputeChange::default()
    };
    let mut told = everyone(&dispute);
    let mut access_changes = false;
    let mut implementation = None;
    // The stage a command starts, from when.
    let mut stage: Option<(Stage, i64)> = None;
    let mut detail = json!({ "from": dispute.state, "to": to });
    match action {
        DisputeAction::Negotiate { .. } => {}
        DisputeAction::Escalate { reason, .. } => {
            detail["reason"] = json!(reason);
            change.reason = Some(reason.into_string());
            change.escalated_at = Some(now);
            change.close_agreement = true;
            access_changes = true;
            stage = Some((Stage::Acceptance, now));
        }
        DisputeAction::Accept { .. } => {
            change.accepted_at = Some(now);
            stage = Some((Stage::Replies, now));
            change.bureau_joins = Some(new_id());
            access_changes = true;
        }
        DisputeAction::Refuse { reason, .. } | DisputeAction::Refer { reason, .. } => {
            detail["reason"] = json!(reason);
            change.reason = Some(reason.into_string());
            change.stage = Some(None);
        }
        DisputeAction::Coordinate { .. } => {
            let accepted = dispute.accepted_at.unwrap_or(now);
            stage = Some((Stage::Decision, accepted));
        }
        DisputeAction::RecordGovernmentDecision { decision, .. } => {
            detail["decision"] = json!(decision);
            change.government_decision = Some(decision.into_string());
        }
        DisputeAction::Withdraw { reason, .. } => {
            detail["reason"] = json!(reason);
            change.reason = Some(reason.into_string());
            change.close_agreement = true;
            access_changes = true;
            change.stage = Some(None);
        }
        DisputeAction::Implement { .. } => {
            let (task_id, task_effects) =
                implementation_task(services, caller, &dispute, now).await?;
            detail["task_id"] = json!(task_id);
            change.task_id = Some(task_id);
            implementation = Some(task_effects);
        }
        DisputeAction::Close { .. } => {}
        // Settled only by the signed agreement, decided only by the signed decision: the
        // machine refused them above.
        DisputeAction::Settle { .. } | DisputeAction::Decide { .. } => told.clear(),
    }
    let kind = format!("dispute.{}", past(command));
    let mut effects = Effects::default();
    if let Some((started, start)) = stage {
        let (due_at, jobs) = clock(services, &dispute.id, &dispute.region, started, start).await?;
        change.stage = Some(Some((start, due_at)));
        effects.jobs = jobs;
    }
    if change.stage.is_some() {
        // A stage that ends or gives way to another silences its reminders.
        effects.cancel_jobs_of.push(subject(&dispute.id));
    }
    if let Some(task_effects) = implementation {
        effects.merge(task_effects);
    }
    effects.merge(Effects {
        events: events(&dispute, &dispute.id, to, &kind, told),
        audit: vec![audit(
            caller,
            now,
            &format!("dispute_{}", past(command)),
            subject(&dispute.id),
            detail,
        )],
        ..Effects::default()
    });
    let updated = services.db.change_dispute(&change, &effects).await?;
    services.wake();
    if access_changes {
        services.access.announce(AccessChange {
            space_id: Some(updated.id.clone()),
            ..AccessChange::default()
        });
    }
    full_body(services, updated, party, now).await
}

/// Whether the implementation task of a dispute being implemented is done (verified or
/// closed by the bureau that set it).
/// Whether the dispute's current stage is over: its time passed or every party did its part
/// ([`stage_over`]), or, while implementing, its task is done.
async fn is_over(services: &Services, dispute: &Dispute, now: i64) -> Result<bool, Error> {
    Ok(stage_over(dispute, now) || implemented(services, dispute).await?)
}

async fn implemented(services: &Services, dispute: &Dispute) -> Result<bool, Error> {
    if dispute.state != DisputeState::Implementing {
        return Ok(false);
    }
    let Some(task_id) = &dispute.task_id else {
        return Ok(false);
    };
    let task = services.db.task(task_id).await?;
    Ok(task.is_some_and(|t| matches!(t.state, TaskState::Verified | TaskState::Closed)))
}

/// The task that carries out a decision: set by the bureau, for the responsible body, with
/// the decision's duty and deadline, dispatched at once. Its id, and the effects that insert
/// it in the dispute's write.
async fn implementation_task(
    services: &Services,
    caller: &Caller,
    dispute: &Dispute,
    now: i64,
) -> Result<(String, Effects), Error> {
    let (Some(responsible), Some(duty), Some(deadline)) = (
        &dispute.responsible_org_id,
        &dispute.decision_duty,
        &dispute.decision_deadline,
    ) else {
        return Err(Error::refused(phrases::DISPUTE_NO_DECISION_YET.message()));
    };
    let due_at = end_of_day(deadline)
        .filter(|due| *due > now)
        .unwrap_or(now + 86_400_000);
    let plan = super::tasks::TaskPlan {
        setter_org_id: dispute.bureau_org_id.clone(),
        created_by: caller.actor.user_id.clone(),
        acting: super::Acting::of(caller),
        title: format!("落实协调意见：{}", dispute.title)
            .chars()
            .take(super::MAX_TITLE_CHARS)
            .collect(),
        body: format!(
            "{duty}\n\n（{}关于《{}》执法争议的协调意见书）",
            dispute.bureau_name, dispute.title
        ),
        feedback_required: Some("请反馈落实情况".into()),
        source: TaskSource::DisputeDecision,
        source_ref: Some(subject(&dispute.id)),
        assignee_org_id: responsible.clone(),
        limit: None,
        due_at: Some(due_at),
        dispatch: true,
    };
    let (task, entry, task_effects) = super::tasks::plan_task(services, now, plan).await?;
    let id = task.id.clone();
    let mut effects = Effects::default();
    effects.set_task(task, entry);
    effects.merge(task_effects);
    Ok((id, effects))
}

/// The end of a day written `YYYY-MM-DD`, Beijing time.
fn end_of_day(day: &str) -> Option<i64> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(day, &format).ok().map(end_of_day_ms)
}

/// The event kind and audit action of a command, by its past participle.
fn past(command: DisputeCommand) -> &'static str {
    use DisputeCommand as C;
    match command {
        C::Negotiate => "negotiating",
        C::Settle => "settled",
        C::Escalate => "escalated",
        C::Accept => "accepted",
        C::Refuse => "refused",
        C::Coordinate => "coordinating",
        C::Decide => "decided",
        C::Refer => "referred",
        C::RecordGovernmentDecision => "government_decided",
        C::Implement => "implementing",
        C::Close => "closed",
        C::Withdraw => "withdrawn",
    }
}

/// The caller's body's own write as a party: its position, "negotiation failed", its reply.
async fn party_write(
    services: &Services,
    caller: &Caller,
    id: &str,
    rule: fn(DisputeState, DisputeParty) -> Result<(), rules::Refused>,
    write: PartyWrite,
    action: &str,
) -> Result<DisputeBody, Error> {
    let (dispute, party) = writable(services, caller, id).await?;
    rule(dispute.state, party)?;
    let org = own_org(caller, "act for a party")?.to_owned();
    let now = services.clock.now_ms();
    let detail = match &write {
        PartyWrite::Position {
            position,
            legal_basis,
        } => {
            json!({ "org_id": org, "position": position, "legal_basis": legal_basis })
        }
        _ => json!({ "org_id": org }),
    };
    let kind = format!("dispute.{}", action.trim_start_matches("dispute_"));
    let effects = Effects {
        events: events(
            &dispute,
            &dispute.id,
            dispute.state,
            &kind,
            everyone(&dispute),
        ),
        audit: vec![audit(caller, now, action, subject(&dispute.id), detail)],
        ..Effects::default()
    };
    let updated = services
        .db
        .write_party(&dispute.id, &org, dispute.state, &write, now, &effects)
        .await?;
    services.wake();
    full_body(services, updated, party, now).await
}

/// A party states (or restates) its position and legal basis.
pub async fn state_position(
    services: &Services,
    caller: &Caller,
    id: &str,
    input: Position,
) -> Result<DisputeBody, Error> {
    let write = PartyWrite::Position {
        position: input.position.into_string(),
        legal_basis: input.legal_basis.map(Text::into_string),
    };
    party_write(
        services,
        caller,
        id,
        rules::may_state_position,
        write,
        "dispute_position_stated",
    )
    .await
}

/// A party says negotiation failed (协商不成); once every party has, a party may escalate
/// before the negotiation time passes.
pub async fn give_up(services: &Services, caller: &Caller, id: &str) -> Result<DisputeBody, Error> {
    let by = caller.actor.user_id.clone();
    party_write(
        services,
        caller,
        id,
        rules::may_give_up,
        PartyWrite::GiveUp { by },
        "dispute_negotiation_failed",
    )
    .await
}

/// A party gives its written reply: its statement document is what it says; this records
/// that it is given, by whom and when.
pub async fn reply(services: &Services, caller: &Caller, id: &str) -> Result<DisputeBody, Error> {
    let by = caller.actor.user_id.clone();
    party_write(
        services,
        caller,
        id,
        rules::may_reply,
        PartyWrite::Reply { by },
        "dispute_replied",
    )
    .await
}

/// The bureau names an interim lead body (临时牵头单位), one of the parties.
pub async fn name_lead(
    services: &Services,
    caller: &Caller,
    id: &str,
    input: LeadInput,
) -> Result<DisputeBody, Error> {
    let (dispute, party) = writable(services, caller, id).await?;
    rules::may_name_lead(dispute.state, party)?;
    if dispute.party(&input.org_id).is_none() {
        return Err(Error::invalid(
            "org_id",
            phrases::DISPUTE_LEAD_NOT_A_PARTY.message(),
        ));
    }
    if input.revision != dispute.revision {
        return Err(Error::refused(
            phrases::DISPUTE_STALE.with("revision", dispute.revision.to_string()),
        ));
    }
    let now = services.clock.now_ms();
    let change = DisputeChange {
        dispute_id: dispute.id.clone(),
        expected_revision: dispute.revision,
        at: now,
        interim_lead_org_id: Some(input.org_id.clone()),
        ..DisputeChange::default()
    };
    let effects = Effects {
        events: events(
            &dispute,
            &dispute.id,
            dispute.state,
            "dispute.lead_named",
            everyone(&dispute),
        ),
        audit: vec![audit(
            caller,
            now,
            "dispute_lead_named",
            subject(&dispute.id),
            json!({ "org_id": input.org_id }),
        )],
        ..Effects::default()
    };
    let updated = services.db.change_dispute(&change, &effects).await?;
    services.wake();
    full_body(services, updated, party, now).await
}
