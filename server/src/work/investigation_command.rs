//! The lead's unified command of a joint investigation group (统一指挥、统一调度): it assigns
//! tasks to the confirmed members, sends group notices that require 签收 (the receiver's
//! explicit acknowledgement, not mere reading), and sees one board of the group's tasks,
//! notices and evidence, body by body.
//!
//! Nothing here is a new kind of record. A group's task is a task (`source` `investigation`,
//! `source_ref` the group's id), made by [`tasks::plan_task`] and run by the task machine with
//! its reminders, 催办 and 督办; a group notice is a notice (`subject` `investigation:<id>`, so
//! it links to the group), made by [`plan_notice`] with its T1 reminder and T2 escalation. Both
//! are stored as consequences of one write of the group ([`crate::db::Db::command_in_group`]),
//! so neither goes out for a group that moved meanwhile or to a body that left it.
//!
//! Who sees the board: the lead, every body's row; a confirmed member, its own row; a bureau
//! that reads the group, a refusal (403: the board is the parties' working tool, not the
//! case); anyone else, "not found".
//!
//! This module never writes SQL and never copies the task or notice machinery.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::investigations::{readable, subject};
use super::notices::{plan_notice, NoticeBody, NoticePlan};
use super::tasks::{self, AssignTask, TaskBody, TaskPlan};
use super::{audit, Acting, Error};
use crate::auth::Caller;
use crate::db::{Effects, Investigation};
use crate::domain::investigation::{self as group_rules, GroupParty, GroupState, MemberState};
use crate::domain::investigation_work::{self as rules, while_working};
use crate::domain::kernel::{CommandOffer, Refused};
use crate::domain::notice::{NoticeKind, ReceiptState};
use crate::domain::phrases;
use crate::domain::policy::Action;
use crate::domain::task::{Party, TaskSource};
use crate::domain::text::{Note, Text, Title};
use crate::services::Services;

/// A group notice to every confirmed member (`POST /api/investigations/{id}/notices`); it
/// always requires 签收.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupNoticeInput {
    /// `information` when not given.
    #[serde(default)]
    pub kind: Option<NoticeKind>,
    pub title: Title,
    pub body: Text,
}

/// One receiving body's receipt of one group notice.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BoardReceipt {
    pub notice_id: String,
    pub title: String,
    pub sent_at: Option<i64>,
    pub requires_ack: bool,
    pub state: ReceiptState,
    pub state_label_zh: &'static str,
    pub state_label_en: &'static str,
    pub acknowledged_at: Option<i64>,
    /// Who signed for the body (签收人).
    pub acknowledged_by_name: Option<String>,
}

/// How much evidence a body added.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct EvidenceCount {
    /// In force (not withdrawn).
    pub pieces: i64,
    pub withdrawn: i64,
}

/// One body's row of the board.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BoardRow {
    pub org_id: String,
    pub org_name: String,
    pub lead: bool,
    pub state: MemberState,
    pub state_label_zh: &'static str,
    pub state_label_en: &'static str,
    /// 负责人 and 联络人.
    pub responsible_person: Option<String>,
    pub contact: Option<String>,
    /// The group's tasks assigned to this body, as the caller's side sees them.
    pub tasks: Vec<TaskBody>,
    /// Its receipts of the group's notices.
    pub receipts: Vec<BoardReceipt>,
    pub evidence: EvidenceCount,
}

/// A group notice with how many bodies signed for it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BoardNotice {
    pub id: String,
    pub title: String,
    pub sent_at: Option<i64>,
    pub requires_ack: bool,
    pub recipients: i64,
    pub acknowledged: i64,
}

/// The command board of a group (指挥看板).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupBoard {
    pub investigation_id: String,
    pub case_name: String,
    pub state: GroupState,
    pub state_label_zh: &'static str,
    pub state_label_en: &'static str,
    pub your_part: GroupParty,
    /// The lead's row first, then each member body (confirmed, or left) by name; a member
    /// sees its own row alone.
    pub bodies: Vec<BoardRow>,
    /// The notices about the group the caller's body sent or received, oldest first.
    pub notices: Vec<BoardNotice>,
    /// Whether the caller may assign a task now, or the rule that refuses it.
    pub assign_task: CommandOffer,
    /// Whether the caller may send a group notice now, or the rule that refuses it.
    pub send_notice: CommandOffer,
}

/// Whether `party` may command the group now: the lead, while the group is at work.
fn may_command(group: &Investigation, party: GroupParty) -> Result<(), Refused> {
    if party != GroupParty::Lead {
        return Err(Refused::by(&group_rules::BY_THE_LEAD));
    }
    while_working(group.state, &rules::COMMAND_WHILE_WORKING)
}

/// The group, for a command of the lead: read as anyone reads it, then acting in its space.
async fn commandable(
    services: &Services,
    caller: &Caller,
    id: &str,
) -> Result<Investigation, Error> {
    let (group, party) = readable(services, caller, id).await?;
    caller
        .allow(&services.db, Action::ActInSpace(group.facts()))
        .await?;
    may_command(&group, party)?;
    Ok(group)
}

/// The confirmed member bodies (the lead not counted).
fn confirmed(group: &Investigation) -> Vec<String> {
    group
        .bodies
        .iter()
        .filter(|b| !b.lead && b.state == MemberState::Confirmed)
        .map(|b| b.org_id.clone())
        .collect()
}

/// The lead assigns a task to a confirmed member: a task of the task machine (source
/// `investigation`, `source_ref` the group's id), dispatched at once, its clock running.
pub async fn assign_task(
    services: &Services,
    caller: &Caller,
    id: &str,
    input: AssignTask,
) -> Result<TaskBody, Error> {
    let group = commandable(services, caller, id).await?;
    caller.allow(&services.db, Action::CreateTask).await?;
    match group.body(&input.assignee_org_id).filter(|b| !b.lead) {
        None => {
            return Err(Error::invalid(
                "assignee_org_id",
                rules::ASSIGNEE_IS_MEMBER.message(),
            ))
        }
        Some(b) if b.state != MemberState::Confirmed => {
            return Err(Error::refused(rules::ASSIGNEE_IS_MEMBER.message()))
        }
        Some(_) => {}
    }
    let now = services.clock.now_ms();
    let assignee = input.assignee_org_id;
    let plan = TaskPlan {
        setter_org_id: group.lead_org_id.clone(),
        created_by: caller.actor.user_id.clone(),
        acting: Acting::of(caller),
        title: input.title.into_string(),
        body: input.body.into_string(),
        feedback_required: input.feedback_required.map(Note::into_string),
        source: TaskSource::Investigation,
        source_ref: Some(group.id.clone()),
        assignee_org_id: assignee.clone(),
        limit: input.limit,
        due_at: input.due_at,
        dispatch: true,
    };
    let (task, entry, task_effects) = tasks::plan_task(services, now, plan).await?;
    let task_id = task.id.clone();
    let mut effects = Effects::default();
    effects.audit.push(audit(
        caller,
        now,
        "investigation_task_assigned",
        subject(&group.id),
        json!({ "task_id": task_id, "assignee_org_id": assignee, "title": task.title }),
    ));
    effects.set_task(task, entry);
    effects.merge(task_effects);
    services
        .db
        .command_in_group(&group.id, group.state, &[assignee], now, &effects)
        .await?;
    services.wake();
    let task = services
        .db
        .task(&task_id)
        .await?
        .ok_or_else(|| Error::NotFound(phrases::NO_SUCH_INVESTIGATION.message()))?;
    Ok(tasks::body(task, Party::Setter, now))
}

/// The lead sends a notice to every confirmed member, requiring 签收 (reminded at T1,
/// escalated at T2 like any notice); it names the group as what it is about.
pub async fn send_notice(
    services: &Services,
    caller: &Caller,
    id: &str,
    input: GroupNoticeInput,
) -> Result<NoticeBody, Error> {
    let group = commandable(services, caller, id).await?;
    caller.allow(&services.db, Action::SendNotice).await?;
    let recipients = confirmed(&group);
    if recipients.is_empty() {
        return Err(Error::refused(rules::NO_CONFIRMED_MEMBERS.message()));
    }
    let now = services.clock.now_ms();
    let plan = NoticePlan {
        sender_org_id: group.lead_org_id.clone(),
        created_by: caller.actor.user_id.clone(),
        acting: Acting::of(caller),
        kind: input.kind.unwrap_or(NoticeKind::Information),
        title: input.title.into_string(),
        body: input.body.into_string(),
        recipients: recipients.clone(),
        requires_ack: true,
        requires_reply: false,
        reply_due_at: None,
        subject: Some(subject(&group.id)),
    };
    let (notice, notice_effects) = plan_notice(services, now, plan).await?;
    let notice_id = notice.id.clone();
    let mut effects = Effects::default();
    effects.audit.push(audit(
        caller,
        now,
        "investigation_notice_sent",
        subject(&group.id),
        json!({ "notice_id": notice_id, "recipients": recipients, "title": notice.title }),
    ));
    effects.send_notice(notice);
    effects.merge(notice_effects);
    services
        .db
        .command_in_group(&group.id, group.state, &recipients, now, &effects)
        .await?;
    services.wake();
    let notice = services
        .db
        .notice(&notice_id)
        .await?
        .ok_or_else(|| Error::NotFound(phrases::NO_SUCH_INVESTIGATION.message()))?;
    Ok(notice.into())
}

/// The group's command board: for the lead every body's row, for a confirmed member its own.
pub async fn board(services: &Services, caller: &Caller, id: &str) -> Result<GroupBoard, Error> {
    let (group, party) = readable(services, caller, id).await?;
    let own = caller
        .org
        .as_ref()
        .map(|o| o.id.clone())
        .unwrap_or_default();
    match party {
        GroupParty::Lead | GroupParty::Member => {}
        GroupParty::Supervisor => {
            return Err(Error::Denied(rules::BOARD_OF_PARTIES.message()));
        }
        GroupParty::Invited | GroupParty::System => {
            return Err(Error::NotFound(phrases::NO_SUCH_INVESTIGATION.message()));
        }
    }
    let now = services.clock.now_ms();
    let shown: Vec<_> = group
        .bodies
        .iter()
        .filter(|b| b.lead || matches!(b.state, MemberState::Confirmed | MemberState::Left))
        .filter(|b| party == GroupParty::Lead || b.org_id == own)
        .collect();

    // Tasks: those the lead set from this group (anyone can name a source, only the lead's
    // count), each under its assignee.
    let mut tasks_of: HashMap<String, Vec<TaskBody>> = HashMap::new();
    for task in services
        .db
        .tasks_from_source(TaskSource::Investigation, &group.id)
        .await?
    {
        if task.setter_org_id != group.lead_org_id {
            continue;
        }
        let side = if party == GroupParty::Lead {
            Party::Setter
        } else {
            Party::Assignee
        };
        tasks_of
            .entry(task.assignee_org_id.clone())
            .or_default()
            .push(tasks::body(task, side, now));
    }

    // Notices: every sent notice about the group, with its receipts.
    let mut receipts_of: HashMap<String, Vec<BoardReceipt>> = HashMap::new();
    let mut notices = Vec::new();
    for notice in services.db.notices_about(&subject(&group.id)).await? {
        let receipts = services.db.notice_receipts(&notice.id).await?;
        let ours = receipts.iter().any(|r| r.org_id == own);
        if party != GroupParty::Lead && !ours {
            continue;
        }
        notices.push(BoardNotice {
            id: notice.id.clone(),
            title: notice.title.clone(),
            sent_at: notice.sent_at,
            requires_ack: notice.requires_ack,
            recipients: receipts.len() as i64,
            acknowledged: receipts
                .iter()
                .filter(|r| r.acknowledged_at.is_some())
                .count() as i64,
        });
        for r in receipts {
            receipts_of
                .entry(r.org_id.clone())
                .or_default()
                .push(BoardReceipt {
                    notice_id: notice.id.clone(),
                    title: notice.title.clone(),
                    sent_at: notice.sent_at,
                    requires_ack: notice.requires_ack,
                    state: r.state,
                    state_label_zh: r.state.label_zh(),
                    state_label_en: r.state.label_en(),
                    acknowledged_at: r.acknowledged_at,
                    acknowledged_by_name: r.acknowledged_by_name,
                });
        }
    }

    // Evidence: counted by the body that added it.
    let mut evidence_of: HashMap<String, EvidenceCount> = HashMap::new();
    for piece in services.db.investigation_evidence(&group.id).await? {
        let count = evidence_of.entry(piece.org_id.clone()).or_default();
        if piece.withdrawn() {
            count.withdrawn += 1;
        } else {
            count.pieces += 1;
        }
    }

    let bodies = shown
        .into_iter()
        .map(|b| BoardRow {
            org_id: b.org_id.clone(),
            org_name: b.org_name.clone(),
            lead: b.lead,
            state: b.state,
            state_label_zh: b.state.label_zh(),
            state_label_en: b.state.label_en(),
            responsible_person: b.responsible_person.clone(),
            contact: b.contact.clone(),
            tasks: tasks_of.remove(&b.org_id).unwrap_or_default(),
            receipts: receipts_of.remove(&b.org_id).unwrap_or_default(),
            evidence: evidence_of.remove(&b.org_id).unwrap_or_default(),
        })
        .collect();
    let offer = |command, zh, en| CommandOffer::new(command, zh, en, may_command(&group, party));
    Ok(GroupBoard {
        assign_task: offer("assign_task", "交办任务", "Assign a task"),
        send_notice: offer("send_notice", "发送调查组通知", "Send a group notice"),
        investigation_id: group.id.clone(),
        case_name: group.case_name.clone(),
        state: group.state,
        state_label_zh: group.state.label_zh(),
        state_label_en: group.state.label_en(),
        your_part: party,
        bodies,
        notices,
    })
}
