//! Case referral operations (案件移送): draft, edit the draft and its material checklist,
//! upload an item's file, the commands of the machine (submit, approve, send, 签收, decide,
//! return, feedback, close, withdraw), check the materials, supply a missing one, download.
//!
//! A referral is a space (`db::referrals`). Who reads it, and what the caller is to it:
//!
//! - the referring body: always, an admin of it as its head (负责人, who approves), any other
//!   user as its officer;
//! - the receiving body and the procuratorate it is copied to: once it is sent;
//! - a judicial bureau whose region covers the referring body's (not for a clue, a closed
//!   space), and, for a suspected crime's referral, a procuratorate whose region covers it
//!   (its 立案监督): once it is submitted for approval, reading;
//! - everyone else, and anyone before their time: "no referral with this id", exactly as for
//!   an id that does not exist.
//!
//! Each stage runs a clock, counted by the region of the side that owes it (the receiver's
//! region sets how long public security has to decide), with its reminders, 催办 and 督办
//! (`jobs::referrals`). A returned referral goes on only by the jurisdiction dispute its
//! receiver raises from it (`work::disputes::raise` with `from_referral_id`), which moves it to
//! `disputed` in the same write.
//!
//! This module never writes SQL, decides access itself (that is the policy) or encodes a rule
//! of the machine (that is [`crate::domain::referral`]).

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::dispute_window::{self, DisputeWindow};
use super::tasks::{Download, Upload};
use super::{audit, own_org, Error};
use crate::auth::Caller;
use crate::db::{
    new_id, Audience, CaseRow, DraftEdit, Effects, ItemFile, ItemRow, NewEvent, NewJob,
    NewReferral, Referral, ReferralChange, ReferralRole,
};
use crate::domain::kernel::{self, CommandOffer, Refused};
use crate::domain::limits::{amount_of, LimitKind};
use crate::domain::org::{OrgKind, OrgRole};
use crate::domain::phrases;
use crate::domain::policy::{self, Action, Credential, SpaceAccess};
use crate::domain::referral::{
    self as rules, ItemState, ReferralAction, ReferralCommand, ReferralFlow, ReferralKind,
    ReferralParty, ReferralStage, ReferralState, MAX_ITEMS,
};
use crate::domain::text::{FileName, Line, MediaType, Note, Text, Title};
use crate::services::Services;

/// What the referring body writes to make a referral (`POST /api/referrals`): a draft.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateReferral {
    pub kind: ReferralKind,
    /// The receiving body (organization id).
    pub receiver_org_id: String,
    /// 抄送检察院: required for a suspected crime's referral, refused for any other.
    #[serde(default)]
    pub copy_org_id: Option<String>,
    /// 案件名称.
    pub case_name: Title,
    /// 案件编号, as the referring body numbers it.
    #[serde(default, deserialize_with = "crate::domain::text::optional")]
    pub case_number: Option<Line>,
    /// 涉嫌违法（犯罪）事实.
    pub facts: Text,
    /// 移送依据.
    pub legal_basis: Text,
    /// 案件材料清单: the items' names, in order; each gets its file by upload.
    #[serde(default)]
    pub items: Vec<Title>,
}

/// The draft's case as the referring body rewrites it (`PUT /api/referrals/{id}`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditCase {
    pub revision: i64,
    pub case_name: Title,
    #[serde(default, deserialize_with = "crate::domain::text::optional")]
    pub case_number: Option<Line>,
    pub facts: Text,
    pub legal_basis: Text,
}

/// An item added to the draft's checklist (`POST /api/referrals/{id}/items`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddItem {
    pub revision: i64,
    /// 材料名称.
    pub name: Title,
}

/// An item removed from the draft's checklist (`POST /api/referrals/{id}/items/{item}/remove`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoveItem {
    pub revision: i64,
}

/// The receiver's finding on an item (`POST /api/referrals/{id}/items/{item}/check`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckItem {
    /// `received` or `missing`.
    pub found: ItemState,
    /// What is missing (required when missing).
    #[serde(default, deserialize_with = "crate::domain::text::optional")]
    pub note: Option<Note>,
}

/// Which referrals a list asks for (`GET /api/referrals?role=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReferralListRole {
    /// 移出: those the caller's body referred.
    Outgoing,
    /// 移入: those sent to it.
    Incoming,
    /// 监督: those it reads as the copied procuratorate or a supervising body.
    Supervised,
}

/// The clock of the stage a referral is in.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralClock {
    pub stage: ReferralStage,
    pub label_zh: &'static str,
    pub label_en: &'static str,
    pub started_at: i64,
    pub due_at: i64,
    /// Whether its time has passed.
    pub overdue: bool,
    /// The body that owes it.
    pub owed_by_org_id: String,
}

/// One item of the material checklist as the caller sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemBody {
    pub id: String,
    pub position: i32,
    pub name: String,
    /// Hex SHA-256 of its file, once uploaded.
    pub sha256: Option<String>,
    pub file_name: Option<String>,
    pub media_type: Option<String>,
    pub size: Option<i64>,
    pub attached_by_name: Option<String>,
    pub attached_at: Option<i64>,
    /// Where the file is served, once uploaded.
    pub url: Option<String>,
    pub state: ItemState,
    pub state_label_zh: &'static str,
    pub state_label_en: &'static str,
    /// What is missing, as the receiver said.
    pub note: Option<String>,
    pub checked_by_name: Option<String>,
    pub checked_at: Option<i64>,
    /// Whether the caller may upload its file now (the draft's, or a missing item's supply).
    pub upload: CommandOffer,
    /// Whether the caller may mark it received or missing now.
    pub check: CommandOffer,
}

/// A referral as the caller may see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralBody {
    pub id: String,
    pub kind: ReferralKind,
    pub kind_label_zh: &'static str,
    pub kind_label_en: &'static str,
    pub referrer_org_id: String,
    pub referrer_name: String,
    pub receiver_org_id: String,
    pub receiver_name: String,
    /// 抄送检察院.
    pub copy_org_id: Option<String>,
    pub copy_name: Option<String>,
    pub case_name: String,
    pub case_number: Option<String>,
    pub facts: String,
    pub legal_basis: String,
    /// The referring body's region code.
    pub region: String,
    pub state: ReferralState,
    pub state_label_zh: &'static str,
    pub state_label_en: &'static str,
    pub revision: i64,
    /// The caller's part.
    pub your_part: ReferralParty,
    pub your_part_label_zh: &'static str,
    pub your_part_label_en: &'static str,
    /// The clock that runs now, if any.
    pub stage: Option<ReferralClock>,
    pub submitted_at: Option<i64>,
    /// The head who approved (审批人), when, and what it said.
    pub approved_by_name: Option<String>,
    pub approved_at: Option<i64>,
    pub approval_opinion: Option<String>,
    pub sent_at: Option<i64>,
    /// 签收人 and when.
    pub receiver_person: Option<String>,
    pub received_at: Option<i64>,
    pub decided_at: Option<i64>,
    /// The receiver's case number (立案编号), once accepted.
    pub receiver_case_number: Option<String>,
    /// Why it was last sent back, not accepted, returned or withdrawn.
    pub reason: Option<String>,
    pub feedback: Option<String>,
    pub feedback_at: Option<i64>,
    pub closed_at: Option<i64>,
    /// The jurisdiction dispute raised from it, once returned and disputed.
    pub dispute_id: Option<String>,
    /// For the receiver of a returned referral: the time it has to raise the dispute.
    pub dispute_window: Option<DisputeWindow>,
    pub created_at: i64,
    pub updated_at: i64,
    /// 案件材料清单, in order.
    pub items: Vec<ItemBody>,
    /// Whether every item is marked received.
    pub complete: bool,
    /// The referral's commands, each allowed or refused for the caller with its rule.
    pub commands: Vec<CommandOffer>,
    /// Whether the caller may change the case and the checklist now.
    pub edit: CommandOffer,
}

/// The referrals the caller may see, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralPage {
    pub referrals: Vec<ReferralBody>,
}

fn not_found() -> Error {
    Error::NotFound(phrases::NO_SUCH_REFERRAL.message())
}

fn no_item() -> Error {
    Error::NotFound(phrases::NO_SUCH_REFERRAL_ITEM.message())
}

pub(crate) fn subject(id: &str) -> String {
    format!("referral:{id}")
}

/// The caller's part in a referral, or `None` when it may not see it (yet).
pub(crate) fn party_of(caller: &Caller, referral: &Referral) -> Option<ReferralParty> {
    let own = caller.org.as_ref().map(|o| o.id.as_str())?;
    if own == referral.referrer_org_id {
        let head = caller.actor.org_role == OrgRole::Admin
            && matches!(caller.actor.via, Credential::Session { .. });
        return Some(if head {
            ReferralParty::Head
        } else {
            ReferralParty::Officer
        });
    }
    let sent = referral.sent_at.is_some();
    if own == referral.receiver_org_id {
        return sent.then_some(ReferralParty::Receiver);
    }
    if referral.copy_org_id.as_deref() == Some(own) {
        return sent.then_some(ReferralParty::Copied);
    }
    let submitted = referral.submitted_at.is_some();
    match policy::space_access(&caller.actor, &referral.facts()) {
        SpaceAccess::Supervise if submitted => Some(ReferralParty::Supervisor),
        _ => None,
    }
}

/// Whether the generic space routes show the caller the space of the referral `id`: only when
/// the referral itself does ([`party_of`]). Its space holds the receiver and the copy as
/// members from the draft on, and the bureaus above read a space of their region, so the
/// space alone would show a draft to all of them.
pub(crate) async fn shows_space(
    services: &Services,
    caller: &Caller,
    id: &str,
) -> Result<bool, Error> {
    let Some(referral) = services.db.referral(id).await? else {
        return Ok(false);
    };
    Ok(party_of(caller, &referral).is_some())
}

/// The referral and the caller's part in it, or "not found" for a body with none (and for a
/// token that may not read spaces).
pub(crate) async fn readable(
    services: &Services,
    caller: &Caller,
    id: &str,
) -> Result<(Referral, ReferralParty), Error> {
    let referral = services.db.referral(id).await?.ok_or_else(not_found)?;
    let party = party_of(caller, &referral).ok_or_else(not_found)?;
    if caller
        .allow(&services.db, Action::ReadSpace(referral.facts()))
        .await
        .is_err()
    {
        return Err(not_found());
    }
    Ok((referral, party))
}

/// [`readable`], and the caller's body takes part (a supervisor only reads).
async fn writable(
    services: &Services,
    caller: &Caller,
    id: &str,
) -> Result<(Referral, ReferralParty), Error> {
    let (referral, party) = readable(services, caller, id).await?;
    caller
        .allow(&services.db, Action::ActInSpace(referral.facts()))
        .await?;
    Ok((referral, party))
}

/// Refuses (409) a change given on a revision other than the referral's.
fn fresh(referral: &Referral, revision: i64) -> Result<(), Error> {
    if revision == referral.revision {
        return Ok(());
    }
    Err(Error::refused(
        phrases::REFERRAL_STALE.with("revision", referral.revision.to_string()),
    ))
}

fn refused(refused: Refused) -> Error {
    Error::refused(refused.message())
}

fn offer(
    command: &'static str,
    zh: &'static str,
    en: &'static str,
    ok: Result<(), Refused>,
) -> CommandOffer {
    CommandOffer::new(command, zh, en, ok)
}

fn item_body(referral: &Referral, item: &ItemRow, party: ReferralParty) -> ItemBody {
    let upload = rules::may_upload(referral.state, party, item.state);
    ItemBody {
        id: item.id.clone(),
        position: item.position,
        name: item.name.clone(),
        sha256: item.sha256.clone(),
        file_name: item.file_name.clone(),
        media_type: item.media_type.clone(),
        size: item.size,
        attached_by_name: item.attached_by_name.clone(),
        attached_at: item.attached_at,
        url: item
            .sha256
            .as_ref()
            .map(|_| format!("/api/referrals/{}/items/{}/file", referral.id, item.id)),
        state: item.state,
        state_label_zh: item.state.label_zh(),
        state_label_en: item.state.label_en(),
        note: item.note.clone(),
        checked_by_name: item.checked_by_name.clone(),
        checked_at: item.checked_at,
        upload: offer("upload", "上传附件", "Upload the file", upload),
        check: offer(
            "check",
            "核对材料",
            "Check the item",
            rules::may_check(referral.state, party),
        ),
    }
}

/// The referral as `party` sees it; `window`: the receiver's time to dispute a returned one.
fn body(
    referral: Referral,
    party: ReferralParty,
    now: i64,
    window: Option<DisputeWindow>,
) -> ReferralBody {
    let complete = referral.complete();
    let stage = match (
        referral.state.stage(),
        referral.stage_started_at,
        referral.stage_due_at,
    ) {
        (Some(stage), Some(started_at), Some(due_at)) => Some(ReferralClock {
            stage,
            label_zh: stage.label_zh(),
            label_en: stage.label_en(),
            started_at,
            due_at,
            overdue: now > due_at,
            owed_by_org_id: if stage.on_receiver() {
                referral.receiver_org_id.clone()
            } else {
                referral.referrer_org_id.clone()
            },
        }),
        _ => None,
    };
    let items = referral
        .items
        .iter()
        .map(|item| item_body(&referral, item, party))
        .collect();
    ReferralBody {
        kind_label_zh: referral.kind.label_zh(),
        kind_label_en: referral.kind.label_en(),
        state_label_zh: referral.state.label_zh(),
        state_label_en: referral.state.label_en(),
        your_part: party,
        your_part_label_zh: party.label_zh(),
        your_part_label_en: party.label_en(),
        commands: kernel::offers::<ReferralFlow>(complete, referral.state, party),
        edit: offer(
            "edit",
            "修改案件和材料清单",
            "Edit the case and the checklist",
            rules::may_edit(referral.state, party),
        ),
        stage,
        items,
        complete,
        dispute_window: window,
        id: referral.id,
        kind: referral.kind,
        referrer_org_id: referral.referrer_org_id,
        referrer_name: referral.referrer_name,
        receiver_org_id: referral.receiver_org_id,
        receiver_name: referral.receiver_name,
        copy_org_id: referral.copy_org_id,
        copy_name: referral.copy_name,
        case_name: referral.case.name,
        case_number: referral.case.number,
        facts: referral.case.facts,
        legal_basis: referral.case.legal_basis,
        region: referral.region.as_str().to_owned(),
        state: referral.state,
        revision: referral.revision,
        submitted_at: referral.submitted_at,
        approved_by_name: referral.approved_by_name,
        approved_at: referral.approved_at,
        approval_opinion: referral.approval_opinion,
        sent_at: referral.sent_at,
        receiver_person: referral.receiver_person,
        received_at: referral.received_at,
        decided_at: referral.decided_at,
        receiver_case_number: referral.receiver_case_number,
        reason: referral.reason,
        feedback: referral.feedback,
        feedback_at: referral.feedback_at,
        closed_at: referral.closed_at,
        dispute_id: referral.dispute_id,
        created_at: referral.created_at,
        updated_at: referral.updated_at,
    }
}

/// The body with the receiver's dispute window of a returned referral.
async fn answer(
    services: &Services,
    referral: Referral,
    party: ReferralParty,
) -> Result<ReferralBody, Error> {
    let now = services.clock.now_ms();
    let window = match (party, referral.state, referral.stage_started_at) {
        (ReferralParty::Receiver, ReferralState::Returned, Some(returned_at)) => Some(
            dispute_window::of(
                services,
                &referral.receiver_org_id,
                returned_at,
                "referral",
                &referral.id,
            )
            .await?,
        ),
        _ => None,
    };
    Ok(body(referral, party, now, window))
}

/// Who is told of a change: the referring body, and, once sent, the receiver and the copy.
fn told(referral: &Referral, sent: bool) -> Vec<String> {
    let mut orgs = vec![referral.referrer_org_id.clone()];
    if sent {
        orgs.push(referral.receiver_org_id.clone());
        orgs.extend(referral.copy_org_id.clone());
    }
    orgs
}

/// One event of `kind` to each of `orgs` about the referral (now in `state`).
fn events(referral: &Referral, state: ReferralState, kind: &str, orgs: &[String]) -> Vec<NewEvent> {
    orgs.iter()
        .map(|org_id| NewEvent {
            audience: Audience::Org(org_id.clone()),
            kind: kind.into(),
            subject: subject(&referral.id),
            payload: json!({
                "referral_id": referral.id,
                "case_name": referral.case.name,
                "kind": referral.kind,
                "state": state,
                "referrer_org_id": referral.referrer_org_id,
                "receiver_org_id": referral.receiver_org_id,
            }),
        })
        .collect()
}

/// A stage's clock from `start`: when it is due (the limit of the owing side's region) and its
/// reminders, 催办 and 督办.
async fn clock(
    services: &Services,
    referral: &Referral,
    stage: ReferralStage,
    start: i64,
) -> Result<(i64, Vec<NewJob>), Error> {
    let owing = if stage.on_receiver() {
        &referral.receiver_org_id
    } else {
        &referral.referrer_org_id
    };
    let limits = super::limits::of_org(services, owing).await?;
    let calendar = services.calendar.get();
    let limit = limits.get(stage.limit());
    let due_at = calendar.due_at(start, limit);
    let escalate_after = amount_of(limits.get(LimitKind::TaskEscalate));
    let jobs = super::schedule::for_referral(
        &calendar,
        &referral.id,
        stage,
        (start, due_at),
        limit,
        escalate_after,
    );
    Ok((due_at, jobs))
}

async fn known_org(
    services: &Services,
    field: &'static str,
    id: &str,
) -> Result<crate::db::Org, Error> {
    services.db.org(id).await?.ok_or_else(|| {
        Error::invalid(
            field,
            phrases::REFERRAL_NO_SUCH_BODY.with("id", format!("{id:?}")),
        )
    })
}

fn case_row(name: Title, number: Option<Line>, facts: Text, legal_basis: Text) -> CaseRow {
    CaseRow {
        name: name.into_string(),
        number: number.map(Line::into_string),
        facts: facts.into_string(),
        legal_basis: legal_basis.into_string(),
    }
}

/// Makes a referral as a draft of the caller's body.
pub async fn create(
    services: &Services,
    caller: &Caller,
    input: CreateReferral,
) -> Result<ReferralBody, Error> {
    caller.allow(&services.db, Action::CreateSpace).await?;
    let referrer_id = own_org(caller, "refer a case")?.to_owned();
    let referrer = services.db.org(&referrer_id).await?.ok_or_else(not_found)?;
    let receiver = known_org(services, "receiver_org_id", &input.receiver_org_id).await?;
    let copy = match &input.copy_org_id {
        Some(id) => Some(known_org(services, "copy_org_id", id).await?),
        None => None,
    };
    rules::check_parties(
        input.kind,
        referrer.kind,
        receiver.kind,
        receiver.id == referrer.id,
        copy.as_ref().map(|c| c.kind),
    )
    .map_err(Error::refused)?;
    if input.items.len() > MAX_ITEMS {
        return Err(Error::invalid(
            "items",
            rules::CHECKLIST_TOO_LONG.with("max", MAX_ITEMS),
        ));
    }
    let now = services.clock.now_ms();
    let new = NewReferral {
        id: new_id(),
        kind: input.kind,
        referrer_org_id: referrer.id.clone(),
        receiver_org_id: receiver.id.clone(),
        copy_org_id: copy.map(|c| c.id),
        case: case_row(
            input.case_name,
            input.case_number,
            input.facts,
            input.legal_basis,
        ),
        region: referrer.region.clone(),
        items: input.items.into_iter().map(Title::into_string).collect(),
        created_by: caller.actor.user_id.clone(),
    };
    let effects = Effects {
        audit: vec![audit(
            caller,
            now,
            "referral_drafted",
            subject(&new.id),
            json!({
                "kind": new.kind,
                "case_name": new.case.name,
                "receiver_org_id": new.receiver_org_id,
                "copy_org_id": new.copy_org_id,
                "items": new.items,
            }),
        )],
        ..Effects::default()
    };
    let referral = services.db.create_referral(&new, now, &effects).await?;
    let party = party_of(caller, &referral).unwrap_or(ReferralParty::Officer);
    answer(services, referral, party).await
}

/// The referrals the caller may see, as `role` asks (all when `None`).
pub async fn list(
    services: &Services,
    caller: &Caller,
    role: Option<ReferralListRole>,
) -> Result<ReferralPage, Error> {
    let Some(viewer) = policy::viewer(&caller.actor) else {
        return Ok(ReferralPage {
            referrals: Vec::new(),
        });
    };
    let procuratorate_of = caller
        .org
        .as_ref()
        .filter(|o| o.kind == OrgKind::Procuratorate)
        .map(|o| &o.region_path);
    let role = role.map(|r| match r {
        ReferralListRole::Outgoing => ReferralRole::Outgoing,
        ReferralListRole::Incoming => ReferralRole::Incoming,
        ReferralListRole::Supervised => ReferralRole::Supervised,
    });
    let now = services.clock.now_ms();
    let mut referrals = Vec::new();
    for referral in services
        .db
        .referrals_visible(&viewer, procuratorate_of, role)
        .await?
    {
        let Some(party) = party_of(caller, &referral) else {
            continue;
        };
        if policy::decide(&caller.actor, &Action::ReadSpace(referral.facts())).is_err() {
            continue;
        }
        referrals.push(body(referral, party, now, None));
    }
    Ok(ReferralPage { referrals })
}

/// One referral.
pub async fn show(services: &Services, caller: &Caller, id: &str) -> Result<ReferralBody, Error> {
    let (referral, party) = readable(services, caller, id).await?;
    answer(services, referral, party).await
}

/// A change to the draft: its case, or an item added or removed.
async fn edit_draft(
    services: &Services,
    caller: &Caller,
    id: &str,
    revision: i64,
    edit: DraftEdit,
) -> Result<ReferralBody, Error> {
    let (referral, party) = writable(services, caller, id).await?;
    rules::may_edit(referral.state, party).map_err(refused)?;
    fresh(&referral, revision)?;
    let now = services.clock.now_ms();
    let (action, detail) = match &edit {
        DraftEdit::Case(case) => ("referral_case_edited", json!({ "case_name": case.name })),
        DraftEdit::AddItem { id, name } => {
            if referral.items.len() >= MAX_ITEMS {
                return Err(Error::refused(
                    rules::CHECKLIST_TOO_LONG.with("max", MAX_ITEMS),
                ));
            }
            (
                "referral_item_added",
                json!({ "item_id": id, "name": name }),
            )
        }
        DraftEdit::RemoveItem { id } => {
            let item = referral.item(id).ok_or_else(no_item)?;
            (
                "referral_item_removed",
                json!({ "item_id": id, "name": item.name }),
            )
        }
    };
    let effects = Effects {
        audit: vec![audit(caller, now, action, subject(id), detail)],
        ..Effects::default()
    };
    let updated = services
        .db
        .edit_referral(id, revision, &edit, now, &effects)
        .await?;
    answer(services, updated, party).await
}

/// Rewrites the draft's case.
pub async fn edit_case(
    services: &Services,
    caller: &Caller,
    id: &str,
    input: EditCase,
) -> Result<ReferralBody, Error> {
    let case = case_row(
        input.case_name,
        input.case_number,
        input.facts,
        input.legal_basis,
    );
    edit_draft(services, caller, id, input.revision, DraftEdit::Case(case)).await
}

/// Adds an item to the draft's checklist.
pub async fn add_item(
    services: &Services,
    caller: &Caller,
    id: &str,
    input: AddItem,
) -> Result<ReferralBody, Error> {
    let edit = DraftEdit::AddItem {
        id: new_id(),
        name: input.name.into_string(),
    };
    edit_draft(services, caller, id, input.revision, edit).await
}

/// Removes an item from the draft's checklist.
pub async fn remove_item(
    services: &Services,
    caller: &Caller,
    id: &str,
    item: &str,
    input: RemoveItem,
) -> Result<ReferralBody, Error> {
    let edit = DraftEdit::RemoveItem {
        id: item.to_owned(),
    };
    edit_draft(services, caller, id, input.revision, edit).await
}

/// Whether the caller may upload the file of `item` now: asked before the file is read, so
/// an unknown referral or item (404) or a refusal costs no upload. [`upload`] asks again.
pub async fn may_upload(
    services: &Services,
    caller: &Caller,
    id: &str,
    item: &str,
) -> Result<(), Error> {
    let (referral, party) = writable(services, caller, id).await?;
    let item = referral.item(item).ok_or_else(no_item)?;
    rules::may_upload(referral.state, party, item.state).map_err(refused)
}

/// Stores the file of an item: in the draft, or supplying an item the receiver marked
/// missing (it is then to be checked again, and the receiver is told).
pub async fn upload(
    services: &Services,
    caller: &Caller,
    id: &str,
    item_id: &str,
    file: Upload,
) -> Result<ReferralBody, Error> {
    let (referral, party) = writable(services, caller, id).await?;
    let item = referral.item(item_id).ok_or_else(no_item)?;
    rules::may_upload(referral.state, party, item.state).map_err(refused)?;
    let file_name = FileName::parse(file.name.as_deref())?.into_string();
    let media_type = MediaType::parse(file.content_type.as_deref())?.into_string();
    if file.bytes.is_empty() {
        return Err(Error::invalid("name", phrases::FILE_EMPTY.message()));
    }
    let now = services.clock.now_ms();
    let supplied = referral.state != ReferralState::Draft;
    let sha256 = {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(&file.bytes))
    };
    let mut effects = Effects {
        audit: vec![audit(
            caller,
            now,
            if supplied {
                "referral_item_supplied"
            } else {
                "referral_item_attached"
            },
            subject(id),
            json!({
                "item_id": item.id,
                "name": item.name,
                "file_name": file_name,
                "size": file.bytes.len(),
                "sha256": sha256,
            }),
        )],
        ..Effects::default()
    };
    if supplied {
        effects.events = events(
            &referral,
            referral.state,
            "referral.item_supplied",
            &told(&referral, true),
        );
    }
    let stored = ItemFile {
        referral_id: referral.id.clone(),
        item_id: item.id.clone(),
        file_name,
        media_type,
        attached_by: caller.actor.user_id.clone(),
    };
    let updated = services
        .db
        .attach_referral_file(&stored, &file.bytes, referral.state, now, &effects)
        .await?;
    services.wake();
    answer(services, updated, party).await
}

/// The receiver marks an item received, or missing with what is missing.
pub async fn check(
    services: &Services,
    caller: &Caller,
    id: &str,
    item_id: &str,
    input: CheckItem,
) -> Result<ReferralBody, Error> {
    let (referral, party) = writable(services, caller, id).await?;
    let item = referral.item(item_id).ok_or_else(no_item)?;
    rules::may_check(referral.state, party).map_err(refused)?;
    let note = rules::finding(input.found, input.note)
        .map_err(|(field, rule)| Error::invalid(field, rule.message()))?
        .map(Note::into_string);
    let now = services.clock.now_ms();
    let effects = Effects {
        events: events(
            &referral,
            referral.state,
            "referral.item_checked",
            &told(&referral, true),
        ),
        audit: vec![audit(
            caller,
            now,
            "referral_item_checked",
            subject(id),
            json!({ "item_id": item.id, "name": item.name, "found": input.found, "note": note }),
        )],
        ..Effects::default()
    };
    let updated = services
        .db
        .check_referral_item(
            id,
            &item.id,
            input.found,
            note.as_deref(),
            &caller.actor.user_id,
            now,
            &effects,
        )
        .await?;
    services.wake();
    answer(services, updated, party).await
}

/// The file of an item, for whoever reads the referral.
pub async fn download(
    services: &Services,
    caller: &Caller,
    id: &str,
    item_id: &str,
) -> Result<Download, Error> {
    let (referral, _) = readable(services, caller, id).await?;
    let item = referral.item(item_id).ok_or_else(no_item)?;
    let (Some(sha256), Some(name)) = (&item.sha256, &item.file_name) else {
        return Err(no_item());
    };
    let bytes = services.db.blob_bytes(sha256).await?.ok_or_else(no_item)?;
    Ok(Download {
        name: name.clone(),
        content_type: item
            .media_type
            .clone()
            .unwrap_or_else(|| "application/octet-stream".into()),
        bytes,
    })
}

/// A referral command.
pub async fn act(
    services: &Services,
    caller: &Caller,
    id: &str,
    action: ReferralAction,
) -> Result<ReferralBody, Error> {
    let (referral, party) = writable(services, caller, id).await?;
    fresh(&referral, action.revision())?;
    let command = action.command();
    let to =
        rules::transition(referral.complete(), referral.state, party, command).map_err(refused)?;
    if command == ReferralCommand::Submit {
        rules::checklist_ready(
            referral
                .items
                .iter()
                .map(|i| (i.name.as_str(), i.sha256.is_some())),
        )
        .map_err(Error::refused)?;
    }
    let now = services.clock.now_ms();
    let mut change = ReferralChange {
        id: referral.id.clone(),
        expected_revision: referral.revision,
        at: now,
        state: Some(to),
        ..ReferralChange::default()
    };
    let mut detail = json!({ "from": referral.state, "to": to });
    match action {
        ReferralAction::Submit { .. } => change.submitted_at = Some(now),
        ReferralAction::Approve { opinion, .. } => {
            change.approved_by = Some(caller.actor.user_id.clone());
            change.approved_at = Some(now);
            change.approval_opinion = opinion.map(Note::into_string);
        }
        ReferralAction::Send { .. } => change.sent_at = Some(now),
        ReferralAction::Receive { person, .. } => {
            let person = match person {
                Some(person) => person.into_string(),
                None => services
                    .db
                    .user(&caller.actor.user_id)
                    .await?
                    .map(|u| u.display_name.as_str().to_owned())
                    .unwrap_or_else(|| caller.actor.user_id.clone()),
            };
            detail["person"] = json!(person);
            change.received_by = Some(caller.actor.user_id.clone());
            change.receiver_person = Some(person);
            change.received_at = Some(now);
        }
        ReferralAction::Accept { case_number, .. } => {
            change.decided_at = Some(now);
            change.decision = Some("accepted");
            change.receiver_case_number = case_number.map(Line::into_string);
        }
        ReferralAction::NotAccept { reason, .. }
        | ReferralAction::SendBack { reason, .. }
        | ReferralAction::Return { reason, .. }
        | ReferralAction::Withdraw { reason, .. } => {
            match command {
                ReferralCommand::NotAccept => {
                    change.decided_at = Some(now);
                    change.decision = Some("not_accepted");
                }
                ReferralCommand::Return => change.returned_at = Some(now),
                _ => {}
            }
            detail["reason"] = json!(reason);
            change.reason = Some(reason.into_string());
        }
        ReferralAction::Feedback { feedback, .. } => {
            detail["feedback"] = json!(feedback);
            change.feedback = Some(feedback.into_string());
            change.feedback_at = Some(now);
        }
        ReferralAction::Close { .. } => change.closed_at = Some(now),
        ReferralAction::Dispute { .. } => {}
    }
    let mut effects = Effects {
        cancel_jobs_of: vec![subject(&referral.id)],
        ..Effects::default()
    };
    change.stage = Some(match to.stage() {
        Some(stage) => {
            let (due_at, jobs) = clock(services, &referral, stage, now).await?;
            effects.jobs = jobs;
            match stage {
                ReferralStage::Receipt => change.receipt_due_at = Some(due_at),
                ReferralStage::Decision => change.decision_due_at = Some(due_at),
                _ => {}
            }
            (Some(now), Some(due_at))
        }
        None => (None, None),
    });
    let sent = referral.sent_at.is_some() || command == ReferralCommand::Send;
    let kind = format!("referral.{}", past(command));
    effects.events = events(&referral, to, &kind, &told(&referral, sent));
    effects.audit = vec![audit(
        caller,
        now,
        &format!("referral_{}", past(command)),
        subject(&referral.id),
        detail,
    )];
    let updated = services.db.change_referral(&change, &effects).await?;
    services.wake();
    answer(services, updated, party).await
}

fn past(command: ReferralCommand) -> &'static str {
    use ReferralCommand as C;
    match command {
        C::Submit => "submitted",
        C::Approve => "approved",
        C::SendBack => "sent_back",
        C::Send => "sent",
        C::Receive => "received",
        C::Accept => "accepted",
        C::NotAccept => "not_accepted",
        C::Return => "returned",
        C::Dispute => "disputed",
        C::Feedback => "feedback",
        C::Close => "closed",
        C::Withdraw => "withdrawn",
    }
}

/// For a dispute raised from a returned referral (`from_referral_id`): the referring body,
/// which becomes a party, when the caller's body is the receiver of a referral still returned;
/// the raise's write then moves it to `disputed` ([`Effects::dispute_referral`]).
pub(crate) async fn referrer_of_returned(
    services: &Services,
    caller: &Caller,
    id: &str,
) -> Result<String, Error> {
    let (referral, party) = readable(services, caller, id).await?;
    if party != ReferralParty::Receiver {
        return Err(Error::invalid(
            "from_referral_id",
            phrases::DISPUTE_REFERRAL_NOT_RETURNED.message(),
        ));
    }
    if referral.state != ReferralState::Returned {
        return Err(Error::refused(
            phrases::DISPUTE_REFERRAL_NOT_RETURNED.message(),
        ));
    }
    Ok(referral.referrer_org_id)
}

/// The events that tell a referral's bodies it went on as the dispute `dispute_id`.
pub(crate) async fn disputed_events(
    services: &Services,
    id: &str,
    dispute_id: &str,
) -> Result<Vec<NewEvent>, Error> {
    let referral = services.db.referral(id).await?.ok_or_else(not_found)?;
    let mut told = events(
        &referral,
        ReferralState::Disputed,
        "referral.disputed",
        &told(&referral, true),
    );
    for event in &mut told {
        event.payload["dispute_id"] = json!(dispute_id);
    }
    Ok(told)
}
