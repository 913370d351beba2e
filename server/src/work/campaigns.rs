//! Special supervision campaigns (专项监督) and inspections (执法检查) as operations: plan one,
//! list and read them, launch, conclude or withdraw it, set tasks within it; its summary is a
//! signed document (`work::campaign_summary`). Supervision documents are issued within it by
//! `work::supervision_docs::create` and results filed against it by `work::filings::create`,
//! each checking `work::campaign_access::within`, which also says who reads a campaign.
//!
//! A campaign is a space (`db::campaigns`). Who reads it, and what the caller is to it:
//!
//! - the organising bureau (its convener): always; it gives every command;
//! - a body it covers: once launched (the launch makes it an observer), never while planned;
//! - a judicial bureau above the organising one: reading; its summary is reported to the
//!   lowest of them;
//! - everyone else: "no campaign with this id", as for an id that does not exist.
//!
//! This module never writes SQL, decides access itself (that is the policy) or encodes a rule
//! of the machine (that is [`crate::domain::campaign`]).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::campaign_access::{not_found, party_of, readable, subject, within};
use super::notices::NoticePlan;
use super::tasks::{self, AssignTask, TaskBody, TaskPlan};
use super::{audit, own_org, Acting, Error};
use crate::auth::Caller;
use crate::db::{new_id, Audience, Campaign, CampaignChange, Effects, NewCampaign, NewEvent};
use crate::domain::campaign::{
    self as rules, CampaignAction, CampaignFlow, CampaignKind, CampaignParty, CampaignState, Period,
};
use crate::domain::kernel::{self, CommandOffer, Refused};
use crate::domain::notice::NoticeKind;
use crate::domain::org::OrgKind;
use crate::domain::policy::{self, Action};
use crate::domain::task::{Party, TaskSource};
use crate::domain::text::{Line, Note, Title};
use crate::services::Services;
use crate::signing::office;

/// What a judicial bureau gives to plan a campaign (`POST /api/campaigns`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCampaign {
    /// `special` (专项监督) or `inspection` (执法检查).
    pub kind: CampaignKind,
    /// 领域: 营商环境, 食品药品, 安全生产, 生态环境 …
    pub field: Line,
    /// 名称 (e.g. 2027年涉企行政执法专项监督).
    pub title: Title,
    /// The first day, `YYYY-MM-DD` (Beijing).
    pub starts_on: String,
    /// The last day, `YYYY-MM-DD`, not before the first.
    pub ends_on: String,
    /// The bodies of the bureau's region it covers (被检查单位), at least one.
    pub body_org_ids: Vec<String>,
}

/// A body a campaign covers, and what it has filed in it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CoveredBodyBody {
    pub org_id: String,
    pub name: String,
    /// How many results it has filed against the campaign.
    pub filings: usize,
}

/// A supervision document issued within the campaign.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CampaignDocBody {
    pub id: String,
    pub kind_label_zh: &'static str,
    pub kind_label_en: &'static str,
    pub title: String,
    pub state_label_zh: &'static str,
    pub state_label_en: &'static str,
    pub body_org_id: String,
    pub body_name: String,
    pub created_at: i64,
}

/// A task set within the campaign.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CampaignTaskBody {
    pub id: String,
    pub title: String,
    pub assignee_org_id: String,
    pub assignee_name: String,
    pub state_label_zh: &'static str,
    pub state_label_en: &'static str,
    pub due_at: i64,
    /// Its clock runs and its due time has passed.
    pub overdue: bool,
}

/// A result filed against the campaign.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CampaignFilingBody {
    pub id: String,
    pub title: String,
    pub body_org_id: String,
    pub body_name: String,
    pub state_label_zh: &'static str,
    pub state_label_en: &'static str,
    pub filed_at: i64,
}

/// What a campaign produced: the documents, tasks and filed results that name it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Produced {
    pub supervision_docs: Vec<CampaignDocBody>,
    pub tasks: Vec<CampaignTaskBody>,
    pub filings: Vec<CampaignFilingBody>,
}

/// A campaign as its reader sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CampaignBody {
    pub id: String,
    pub kind: CampaignKind,
    pub kind_label_zh: &'static str,
    pub kind_label_en: &'static str,
    pub field: String,
    pub title: String,
    pub starts_on: String,
    pub ends_on: String,
    pub state: CampaignState,
    pub state_label_zh: &'static str,
    pub state_label_en: &'static str,
    pub revision: i64,
    pub bureau_org_id: String,
    pub bureau_name: String,
    pub bodies: Vec<CoveredBodyBody>,
    /// The live summary report (open it on the document socket; sign it under `summary`).
    pub summary_doc_id: String,
    pub launched_at: Option<i64>,
    pub concluded_at: Option<i64>,
    pub summarised_at: Option<i64>,
    /// The bureau above its summary was reported to (none at the top).
    pub reported_to_org_id: Option<String>,
    pub reported_to_name: Option<String>,
    /// Why it was withdrawn.
    pub reason: Option<String>,
    pub created_at: i64,
    /// The caller's part: `bureau`, `covered` or `supervisor`.
    pub party: CampaignParty,
    pub commands: Vec<CommandOffer>,
    /// What it produced: given when one campaign is read, not in lists.
    pub produced: Option<Produced>,
}

/// Campaigns (`GET /api/campaigns`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CampaignPage {
    pub campaigns: Vec<CampaignBody>,
}

fn refused(refused: Refused) -> Error {
    Error::refused(refused.message())
}

fn body(campaign: Campaign, party: CampaignParty, produced: Option<Produced>) -> CampaignBody {
    let filed = |org_id: &str| {
        produced.as_ref().map_or(0, |p| {
            p.filings.iter().filter(|f| f.body_org_id == org_id).count()
        })
    };
    CampaignBody {
        commands: kernel::offers::<CampaignFlow>((), campaign.state, party),
        kind_label_zh: campaign.kind.label_zh(),
        kind_label_en: campaign.kind.label_en(),
        state_label_zh: campaign.state.label_zh(),
        state_label_en: campaign.state.label_en(),
        bodies: campaign
            .bodies
            .iter()
            .map(|b| CoveredBodyBody {
                org_id: b.org_id.clone(),
                name: b.name.clone(),
                filings: filed(&b.org_id),
            })
            .collect(),
        id: campaign.id,
        kind: campaign.kind,
        field: campaign.field,
        title: campaign.title,
        starts_on: campaign.starts_on,
        ends_on: campaign.ends_on,
        state: campaign.state,
        revision: campaign.revision,
        bureau_org_id: campaign.bureau_org_id,
        bureau_name: campaign.bureau_name,
        summary_doc_id: campaign.summary_doc_id,
        launched_at: campaign.launched_at,
        concluded_at: campaign.concluded_at,
        summarised_at: campaign.summarised_at,
        reported_to_org_id: campaign.reported_to_org_id,
        reported_to_name: campaign.reported_to_name,
        reason: campaign.reason,
        created_at: campaign.created_at,
        party,
        produced,
    }
}

/// What the campaign produced, as its page lists it.
pub(crate) async fn produced(services: &Services, campaign: &Campaign) -> Result<Produced, Error> {
    let now = services.clock.now_ms();
    let name_of = |org_id: &str| {
        campaign
            .bodies
            .iter()
            .find(|b| b.org_id == org_id)
            .map_or_else(|| org_id.to_owned(), |b| b.name.clone())
    };
    let mut docs = Vec::new();
    for row in services.db.campaign_docs(&campaign.id).await? {
        let (kind, state) = (row.kind()?, row.state()?);
        docs.push(CampaignDocBody {
            kind_label_zh: kind.label_zh(),
            kind_label_en: kind.label_en(),
            state_label_zh: state.label_zh(),
            state_label_en: state.label_en(),
            id: row.id,
            title: row.title,
            body_org_id: row.body_org_id,
            body_name: row.body_name,
            created_at: row.created_at,
        });
    }
    let tasks = services
        .db
        .tasks_from_source(TaskSource::Supervision, &subject(&campaign.id))
        .await?
        .into_iter()
        .map(|task| CampaignTaskBody {
            assignee_name: name_of(&task.assignee_org_id),
            state_label_zh: task.state.label_zh(),
            state_label_en: task.state.label_en(),
            overdue: task.state.clock_runs() && task.due_at < now,
            id: task.id,
            title: task.title,
            assignee_org_id: task.assignee_org_id,
            due_at: task.due_at,
        })
        .collect();
    let mut filings = Vec::new();
    for row in services.db.campaign_filings(&campaign.id).await? {
        let state = row.state()?;
        filings.push(CampaignFilingBody {
            state_label_zh: state.label_zh(),
            state_label_en: state.label_en(),
            id: row.id,
            title: row.title,
            body_org_id: row.body_org_id,
            body_name: row.body_name,
            filed_at: row.filed_at,
        });
    }
    Ok(Produced {
        supervision_docs: docs,
        tasks,
        filings,
    })
}

/// Plans a campaign of the caller's bureau over bodies of its region.
pub async fn create(
    services: &Services,
    caller: &Caller,
    input: CreateCampaign,
) -> Result<CampaignBody, Error> {
    caller.allow(&services.db, Action::CreateSpace).await?;
    let bureau_id = own_org(caller, "organise a campaign")?.to_owned();
    let bureau = services.db.org(&bureau_id).await?.ok_or_else(not_found)?;
    if bureau.kind != OrgKind::JudicialBureau {
        return Err(Error::refused(rules::MADE_BY_A_BUREAU.message()));
    }
    let period = Period::parse(&input.starts_on, &input.ends_on)
        .map_err(|(field, why)| Error::invalid(field, why))?;
    let wanted: BTreeSet<&String> = input.body_org_ids.iter().collect();
    if wanted.is_empty() {
        return Err(Error::invalid(
            "body_org_ids",
            rules::COVERS_BODIES.message(),
        ));
    }
    let mut bodies = Vec::new();
    for org_id in wanted {
        let org = services.db.org(org_id).await?;
        let covered = match &org {
            Some(org) if org.id != bureau.id => caller
                .allow(
                    &services.db,
                    Action::IssueSupervision {
                        body_region: &org.region_path,
                    },
                )
                .await
                .is_ok(),
            _ => false,
        };
        if !covered {
            let name = org.map_or_else(|| format!("{org_id:?}"), |o| o.name_zh.to_string());
            return Err(Error::invalid(
                "body_org_ids",
                rules::BODY_OF_REGION.with("name", name),
            ));
        }
        bodies.push(org_id.clone());
    }
    let now = services.clock.now_ms();
    let new = NewCampaign {
        id: new_id(),
        kind: input.kind,
        field: input.field.into_string(),
        title: input.title.into_string(),
        starts_on: period.starts(),
        ends_on: period.ends(),
        bureau_org_id: bureau.id.clone(),
        region: bureau.region.clone(),
        bodies,
        created_by: caller.actor.user_id.clone(),
    };
    let effects = Effects {
        audit: vec![audit(
            caller,
            now,
            "campaign_planned",
            subject(&new.id),
            json!({ "kind": new.kind, "field": new.field, "title": new.title,
                    "bodies": new.bodies.len() }),
        )],
        ..Effects::default()
    };
    let campaign = services.db.create_campaign(&new, now, &effects).await?;
    Ok(body(campaign, CampaignParty::Bureau, None))
}

/// The campaigns the caller may read, newest first.
pub async fn list(services: &Services, caller: &Caller) -> Result<CampaignPage, Error> {
    let Some(viewer) = policy::viewer(&caller.actor) else {
        return Ok(CampaignPage {
            campaigns: Vec::new(),
        });
    };
    let mut campaigns = Vec::new();
    for campaign in services.db.campaigns_visible(&viewer).await? {
        let Some(party) = party_of(caller, &campaign) else {
            continue;
        };
        if policy::decide(&caller.actor, &Action::ReadSpace(campaign.facts())).is_err() {
            continue;
        }
        campaigns.push(body(campaign, party, None));
    }
    Ok(CampaignPage { campaigns })
}

/// One campaign, with what it produced.
pub async fn show(services: &Services, caller: &Caller, id: &str) -> Result<CampaignBody, Error> {
    let (campaign, party) = readable(services, caller, id).await?;
    let produced = produced(services, &campaign).await?;
    Ok(body(campaign, party, Some(produced)))
}

/// A campaign command: launch (the covered bodies are told by a notice requiring 签收 and
/// read it from now on), conclude, withdraw.
pub async fn act(
    services: &Services,
    caller: &Caller,
    id: &str,
    action: CampaignAction,
) -> Result<CampaignBody, Error> {
    let (campaign, party) = readable(services, caller, id).await?;
    caller
        .allow(&services.db, Action::ActInSpace(campaign.facts()))
        .await?;
    if action.revision() != campaign.revision {
        return Err(Error::refused(
            rules::CAMPAIGN_STALE.with("revision", campaign.revision),
        ));
    }
    let state = rules::transition(campaign.state, party, action.command()).map_err(refused)?;
    let now = services.clock.now_ms();
    let bodies: Vec<String> = campaign.bodies.iter().map(|b| b.org_id.clone()).collect();
    let mut effects = Effects::default();
    let mut change = CampaignChange {
        id: campaign.id.clone(),
        expected_revision: campaign.revision,
        state,
        launch_notice_id: None,
        reason: None,
    };
    let (event, told) = match &action {
        CampaignAction::Launch { .. } => {
            let plan = NoticePlan {
                sender_org_id: campaign.bureau_org_id.clone(),
                created_by: caller.actor.user_id.clone(),
                acting: Acting::of(caller),
                kind: NoticeKind::Information,
                title: format!("关于开展{}的通知", campaign.title)
                    .chars()
                    .take(super::MAX_TITLE_CHARS)
                    .collect(),
                body: format!(
                    "{}决定于{}开展{}（{}领域），贵单位列为被检查单位。请签收，并按要求报备{}。",
                    campaign.bureau_name,
                    period_words(&campaign),
                    campaign.kind.label_zh(),
                    campaign.field,
                    campaign.kind.filing_kind().label_zh(),
                ),
                subject: Some(subject(&campaign.id)),
                requires_ack: true,
                requires_reply: false,
                reply_due_at: None,
                recipients: bodies.clone(),
            };
            let (notice, notice_effects) = super::notices::plan_notice(services, now, plan).await?;
            change.launch_notice_id = Some(notice.id.clone());
            effects.send_notice(notice);
            effects.merge(notice_effects);
            ("campaign.launched", bodies.clone())
        }
        CampaignAction::Conclude { .. } => ("campaign.concluded", bodies.clone()),
        CampaignAction::Withdraw { reason, .. } => {
            change.reason = Some(reason.as_str().to_owned());
            ("campaign.withdrawn", Vec::new())
        }
    };
    let payload = json!({
        "campaign_id": campaign.id,
        "title": campaign.title,
        "kind": campaign.kind,
        "state": state,
    });
    effects.events.extend(
        std::iter::once(campaign.bureau_org_id.clone())
            .chain(told)
            .map(|org_id| NewEvent {
                audience: Audience::Org(org_id),
                kind: event.into(),
                subject: subject(&campaign.id),
                payload: payload.clone(),
            }),
    );
    effects.audit.push(audit(
        caller,
        now,
        &format!("campaign_{}", action.command().as_str()),
        subject(&campaign.id),
        json!({ "state": state, "reason": change.reason }),
    ));
    let campaign = services.db.change_campaign(&change, now, &effects).await?;
    services.wake();
    let produced = produced(services, &campaign).await?;
    Ok(body(campaign, party, Some(produced)))
}

/// `2026年3月1日至2026年6月30日`: the period as a notice writes it.
pub(crate) fn period_words(campaign: &Campaign) -> String {
    period_words_of(&campaign.starts_on, &campaign.ends_on)
}

/// `2026年3月1日至2026年6月30日` from two `YYYY-MM-DD` dates (a review's period too).
pub(crate) fn period_words_of(starts_on: &str, ends_on: &str) -> String {
    let day = |ymd: &str| office::date(ymd).unwrap_or_else(|| ymd.to_owned());
    format!("{}至{}", day(starts_on), day(ends_on))
}

/// The bureau sets a task within the campaign to a covered body: a task of the task machine
/// (source `supervision`, `source_ref` `campaign:<id>`), dispatched at once, its clock running.
pub async fn assign_task(
    services: &Services,
    caller: &Caller,
    id: &str,
    input: AssignTask,
) -> Result<TaskBody, Error> {
    let campaign = within(services, caller, id, &input.assignee_org_id, true).await?;
    caller.allow(&services.db, Action::CreateTask).await?;
    let now = services.clock.now_ms();
    let plan = TaskPlan {
        setter_org_id: campaign.bureau_org_id.clone(),
        created_by: caller.actor.user_id.clone(),
        acting: Acting::of(caller),
        title: input.title.into_string(),
        body: input.body.into_string(),
        feedback_required: input.feedback_required.map(Note::into_string),
        source: TaskSource::Supervision,
        source_ref: Some(subject(&campaign.id)),
        assignee_org_id: input.assignee_org_id,
        limit: input.limit,
        due_at: input.due_at,
        dispatch: true,
    };
    let (task, entry, mut effects) = tasks::plan_task(services, now, plan).await?;
    effects.within_campaign(&campaign.id);
    effects.audit.push(audit(
        caller,
        now,
        "campaign_task_assigned",
        subject(&campaign.id),
        json!({ "task_id": task.id, "assignee_org_id": task.assignee_org_id, "title": task.title }),
    ));
    let task = services.db.create_task(&task, &entry, &effects).await?;
    services.wake();
    Ok(tasks::body(task, Party::Setter, now))
}
