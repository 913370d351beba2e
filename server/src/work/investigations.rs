//! Joint investigation group operations (联合调查组): propose, answer an invitation, form,
//! start, leave, report to the bureau (社会关注度高), archive, dissolve.
//!
//! A group is a space (`db::investigations`): the lead convenes it; a body that confirms takes
//! part as a member and writes its own section of the joint dossier (联合案卷), which the
//! socket enforces through `policy::doc_access` like any section; the lead writes the summary
//! and the conclusions. Who reads the group:
//!
//! - the lead and the confirmed members: everything;
//! - an invited body that has not confirmed (or declined, or left): the proposal and its own
//!   answer, never the dossier ([`GroupParty::Invited`]);
//! - the judicial bureaus whose region covers an internal (内部) group: everything, reading;
//!   a sensitive (敏感) group is closed to them ("not found") unless it is reported to one,
//!   which then reads its summary and conclusions alone;
//! - everyone else: "no group with this id", exactly as for an id that does not exist.
//!
//! This module never writes SQL, decides access itself (that is the policy) or encodes a rule
//! of the machine (that is [`crate::domain::investigation`]).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::notices::{plan_notice, NoticePlan};
use super::{audit, own_org, Acting, Error};
use crate::auth::Caller;
use crate::db::{
    new_id, Audience, Effects, GroupBodyRow, GroupChange, Investigation, MemberWrite, NewEvent,
    NewGroupBody, NewInvestigation,
};
use crate::domain::dispute::{common_region, region_code_of, NO_COMMON_REGION};
use crate::domain::investigation::{
    self as rules, Confidentiality, GroupAction, GroupFlow, GroupParty, GroupState, MemberAction,
    MemberCommand, MemberParty, MemberState, MAX_MEMBERS,
};
use crate::domain::kernel::{self, CommandOffer, Refused};
use crate::domain::notice::NoticeKind;
use crate::domain::org::{RegionCode, SpaceRole};
use crate::domain::phrases;
use crate::domain::policy::{self, Action, SpaceAccess};
use crate::domain::text::{Line, Text, Title};
use crate::services::{AccessChange, Services};

/// What the lead writes to propose a group (`POST /api/investigations`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposeGroup {
    /// 案件名称.
    pub case_name: Title,
    /// 案件编号, as the lead's own system numbers it.
    #[serde(default, deserialize_with = "crate::domain::text::optional")]
    pub case_number: Option<Line>,
    /// 案情摘要.
    pub summary: Text,
    /// 涉及的执法领域及职责.
    pub areas: Text,
    /// 社会关注度高: the judicial bureau of the lead's level is reported to at once.
    #[serde(default)]
    pub public_attention: bool,
    /// 内部 or 敏感.
    pub confidentiality: Confidentiality,
    /// The member bodies invited (organization ids): at least one, each once, not the lead.
    pub members: Vec<String>,
    /// Related bodies told when the group forms (organization ids).
    #[serde(default)]
    pub related: Vec<String>,
}

/// The lead marks a group of high public attention (`POST /api/investigations/{id}/attention`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttentionInput {
    pub revision: i64,
}

/// One body of a group as the caller sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupMemberBody {
    pub org_id: String,
    pub org_name: String,
    /// The lead (牵头单位), or a member body (成员单位).
    pub lead: bool,
    pub state: MemberState,
    pub state_label_zh: &'static str,
    pub state_label_en: &'static str,
    /// Its section of the dossier: for those who read the dossier.
    pub section_doc_id: Option<String>,
    /// 负责人.
    pub responsible_person: Option<String>,
    /// 联络人及联系方式.
    pub contact: Option<String>,
    /// Why it declined or left.
    pub reason: Option<String>,
    pub answered_at: Option<i64>,
    pub left_at: Option<i64>,
}

/// A related body the lead named.
#[derive(Debug, Serialize, ToSchema)]
pub struct RelatedBody {
    pub org_id: String,
    pub org_name: String,
}

/// A joint investigation group as the caller may see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupBody {
    pub id: String,
    pub case_name: String,
    pub case_number: Option<String>,
    pub summary: String,
    pub areas: String,
    pub public_attention: bool,
    pub confidentiality: Confidentiality,
    pub confidentiality_label_zh: &'static str,
    pub confidentiality_label_en: &'static str,
    /// The region code of the group's space: the lowest region covering every body.
    pub region: String,
    pub lead_org_id: String,
    pub lead_name: String,
    pub state: GroupState,
    pub state_label_zh: &'static str,
    pub state_label_en: &'static str,
    pub revision: i64,
    /// The caller's part: lead, member, invited, supervisor.
    pub your_part: GroupParty,
    pub your_part_label_zh: &'static str,
    pub your_part_label_en: &'static str,
    /// Whether the caller reads the members' sections (the lead, the members, a bureau
    /// supervising an internal group); the bureau a sensitive group is reported to reads the
    /// summary and conclusions alone, an invited body none of them.
    pub reads_dossier: bool,
    /// 案情摘要 and 调查结论: the lead's two sections, for those who read them.
    pub summary_doc_id: Option<String>,
    pub conclusions_doc_id: Option<String>,
    /// The concluding report (调查报告), once the lead froze the dossier: for those who read
    /// the dossier.
    pub report_doc_id: Option<String>,
    /// Whether the lead froze the dossier (every section read-only, its manifest fixed).
    pub dossier_frozen: bool,
    /// Whether the caller may freeze the dossier now.
    pub freeze_dossier: CommandOffer,
    /// The bureau the group was reported to (社会关注度高), and when.
    pub reported_org_id: Option<String>,
    pub reported_at: Option<i64>,
    pub reason: Option<String>,
    pub formed_at: Option<i64>,
    pub started_at: Option<i64>,
    pub concluded_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The lead first, then the invited bodies by name.
    pub members: Vec<GroupMemberBody>,
    pub related: Vec<RelatedBody>,
    /// The group's commands, each allowed or refused for the caller with its rule.
    pub commands: Vec<CommandOffer>,
    /// What the caller's body may say of its own membership (confirm, decline, leave).
    pub membership: Vec<CommandOffer>,
    /// Whether the caller may mark the group of high public attention now.
    pub mark_attention: CommandOffer,
}

/// The groups the caller may see, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupPage {
    pub groups: Vec<GroupBody>,
}

fn not_found() -> Error {
    Error::NotFound(phrases::NO_SUCH_INVESTIGATION.message())
}

pub(crate) fn subject(id: &str) -> String {
    format!("investigation:{id}")
}

/// The caller's part in a group, or `None` for a body with no part in it (nor a reading
/// bureau's).
pub(crate) fn party_of(caller: &Caller, group: &Investigation) -> Option<GroupParty> {
    let own = caller.org.as_ref().map(|o| o.id.as_str())?;
    if own == group.lead_org_id {
        return Some(GroupParty::Lead);
    }
    if let Some(body) = group.body(own) {
        return Some(if body.state == MemberState::Confirmed {
            GroupParty::Member
        } else {
            GroupParty::Invited
        });
    }
    match policy::space_access(&caller.actor, &group.facts()) {
        SpaceAccess::Supervise | SpaceAccess::Participate(SpaceRole::Observer) => {
            Some(GroupParty::Supervisor)
        }
        _ => None,
    }
}

/// Whether `party` reads the members' sections: not an invited body, and not the bureau a
/// closed group is reported to.
pub(crate) fn reads_dossier(group: &Investigation, party: GroupParty) -> bool {
    match party {
        GroupParty::Lead | GroupParty::Member => true,
        GroupParty::Supervisor => !group.confidentiality.closed(),
        GroupParty::Invited | GroupParty::System => false,
    }
}

/// The states of the invited bodies (the lead not counted), for [`rules::ready_to_form`].
fn ready(group: &Investigation) -> bool {
    let answers: Vec<MemberState> = group
        .bodies
        .iter()
        .filter(|b| !b.lead)
        .map(|b| b.state)
        .collect();
    rules::ready_to_form(&answers)
}

fn member_body(b: &GroupBodyRow, dossier: bool) -> GroupMemberBody {
    GroupMemberBody {
        org_id: b.org_id.clone(),
        org_name: b.org_name.clone(),
        lead: b.lead,
        state: b.state,
        state_label_zh: b.state.label_zh(),
        state_label_en: b.state.label_en(),
        section_doc_id: dossier.then(|| b.section_doc_id.clone()),
        responsible_person: b.responsible_person.clone(),
        contact: b.contact.clone(),
        reason: b.reason.clone(),
        answered_at: b.answered_at,
        left_at: b.left_at,
    }
}

/// The group as `party` sees it.
fn body(group: Investigation, party: GroupParty, own: Option<&str>) -> GroupBody {
    let dossier = reads_dossier(&group, party);
    let briefed = dossier || party == GroupParty::Supervisor;
    let commands = kernel::offers::<GroupFlow>(ready(&group), group.state, party);
    let own_state = own.and_then(|org| group.body(org)).filter(|b| !b.lead);
    let membership = MemberCommand::ALL
        .iter()
        .map(|&command| {
            let outcome = match own_state {
                Some(b) => {
                    rules::member_transition(group.state, b.state, MemberParty::Itself, command)
                        .map(drop)
                }
                None => rules::member_transition(
                    group.state,
                    MemberState::Invited,
                    MemberParty::Other,
                    command,
                )
                .map(drop),
            };
            CommandOffer::new(
                command.as_str(),
                command.label_zh(),
                command.label_en(),
                outcome,
            )
        })
        .collect();
    let mark_attention = CommandOffer::new(
        "mark_attention",
        "标记为社会关注度高",
        "Mark of high public attention",
        rules::may_mark_attention(group.state, party, group.public_attention),
    );
    GroupBody {
        confidentiality_label_zh: group.confidentiality.label_zh(),
        confidentiality_label_en: group.confidentiality.label_en(),
        state_label_zh: group.state.label_zh(),
        state_label_en: group.state.label_en(),
        your_part: party,
        your_part_label_zh: party.label_zh(),
        your_part_label_en: party.label_en(),
        reads_dossier: dossier,
        summary_doc_id: briefed.then(|| group.summary_doc_id.clone()),
        conclusions_doc_id: briefed.then(|| group.conclusions_doc_id.clone()),
        report_doc_id: group.report_doc_id.clone().filter(|_| dossier),
        dossier_frozen: group.report_doc_id.is_some(),
        freeze_dossier: CommandOffer::new(
            "freeze_dossier",
            "冻结案卷并起草调查报告",
            "Freeze the dossier and draft the report",
            rules::may_freeze_dossier(group.state, party, group.report_doc_id.is_some()),
        ),
        members: group
            .bodies
            .iter()
            .map(|b| member_body(b, dossier))
            .collect(),
        related: group
            .related
            .iter()
            .map(|r| RelatedBody {
                org_id: r.org_id.clone(),
                org_name: r.org_name.clone(),
            })
            .collect(),
        commands,
        membership,
        mark_attention,
        id: group.id,
        case_name: group.case_name,
        case_number: group.case_number,
        summary: group.summary,
        areas: group.areas,
        public_attention: group.public_attention,
        confidentiality: group.confidentiality,
        region: group.region.as_str().to_owned(),
        lead_org_id: group.lead_org_id,
        lead_name: group.lead_name,
        state: group.state,
        revision: group.revision,
        reported_org_id: group.reported_org_id,
        reported_at: group.reported_at,
        reason: group.reason,
        formed_at: group.formed_at,
        started_at: group.started_at,
        concluded_at: group.concluded_at,
        created_at: group.created_at,
        updated_at: group.updated_at,
    }
}

/// The group and the caller's part in it, or "not found" for a body with none (and for a
/// token that may not read spaces).
pub(crate) async fn readable(
    services: &Services,
    caller: &Caller,
    id: &str,
) -> Result<(Investigation, GroupParty), Error> {
    let group = services.db.investigation(id).await?.ok_or_else(not_found)?;
    let party = party_of(caller, &group).ok_or_else(not_found)?;
    let action = match party {
        GroupParty::Invited => Action::ReadInvitation {
            invited_org_id: own_org(caller, "read the group")?,
        },
        _ => Action::ReadSpace(group.facts()),
    };
    if caller.allow(&services.db, action).await.is_err() {
        return Err(not_found());
    }
    Ok((group, party))
}

/// Refuses (409) a command given on a revision other than the group's: someone changed it
/// since the caller read it.
pub(crate) fn fresh(group: &Investigation, revision: i64) -> Result<(), Error> {
    if revision == group.revision {
        return Ok(());
    }
    Err(Error::refused(
        phrases::INVESTIGATION_STALE.with("revision", group.revision.to_string()),
    ))
}

fn own_id(caller: &Caller) -> Option<&str> {
    caller.org.as_ref().map(|o| o.id.as_str())
}

/// One event of `kind` to each of `orgs` about the group, with what it takes to show and
/// link it.
pub(crate) fn events(
    group: &Investigation,
    state: GroupState,
    kind: &str,
    orgs: &[String],
) -> Vec<NewEvent> {
    orgs.iter()
        .map(|org_id| NewEvent {
            audience: Audience::Org(org_id.clone()),
            kind: kind.into(),
            subject: subject(&group.id),
            payload: json!({
                "investigation_id": group.id,
                "case_name": group.case_name,
                "state": state,
                "lead_org_id": group.lead_org_id,
            }),
        })
        .collect()
}

/// Every body invited to the group, the lead first, whatever it answered.
pub(crate) fn everyone(group: &Investigation) -> Vec<String> {
    group.bodies.iter().map(|b| b.org_id.clone()).collect()
}

/// Proposes a group: the caller's body leads it; its space, the lead's summary and
/// conclusions, one section per body; every invited body is told.
pub async fn propose(
    services: &Services,
    caller: &Caller,
    input: ProposeGroup,
) -> Result<GroupBody, Error> {
    caller.allow(&services.db, Action::CreateSpace).await?;
    let lead_id = own_org(caller, "propose a group")?.to_owned();
    let lead = services.db.org(&lead_id).await?.ok_or_else(not_found)?;
    if !rules::may_lead(lead.kind) {
        return Err(Error::refused(phrases::INVESTIGATION_LEAD_KIND.message()));
    }
    let members = checked_bodies(&lead_id, &input.members, &input.related)?;
    let mut orgs = vec![lead];
    for id in &members {
        orgs.push(known_org(services, "members", id).await?);
    }
    for id in &input.related {
        known_org(services, "related", id).await?;
    }
    let paths: Vec<_> = orgs.iter().map(|o| &o.region_path).collect();
    let region = common_region(&paths)
        .as_ref()
        .and_then(region_code_of)
        .and_then(|code| RegionCode::parse(code).ok())
        .ok_or_else(|| Error::refused(Refused::by(&NO_COMMON_REGION).message()))?;
    let now = services.clock.now_ms();
    let mut new = NewInvestigation {
        id: new_id(),
        case_name: input.case_name.into_string(),
        case_number: input.case_number.map(Line::into_string),
        summary: input.summary.into_string(),
        areas: input.areas.into_string(),
        public_attention: input.public_attention,
        confidentiality: input.confidentiality,
        region,
        bodies: orgs
            .iter()
            .map(|o| NewGroupBody {
                org_id: o.id.clone(),
                section_doc_id: new_id(),
            })
            .collect(),
        related: input.related,
        summary_doc_id: new_id(),
        conclusions_doc_id: new_id(),
        reported_org_id: None,
        created_by: caller.actor.user_id.clone(),
    };
    let told: Vec<String> = orgs.iter().map(|o| o.id.clone()).collect();
    let mut effects = Effects::default();
    if new.public_attention {
        if let Some(bureau) = bureau_to_report(services, &orgs[0], &told).await? {
            let reported = Reported {
                id: &new.id,
                lead_org_id: &lead_id,
                lead_name: orgs[0].name_zh.as_str(),
                case_name: &new.case_name,
            };
            report_notice(services, caller, reported, &bureau, now, &mut effects).await?;
            new.reported_org_id = Some(bureau);
        }
    }
    effects.merge(Effects {
        events: told
            .iter()
            .map(|org_id| NewEvent {
                audience: Audience::Org(org_id.clone()),
                kind: "investigation.proposed".into(),
                subject: subject(&new.id),
                payload: json!({
                    "investigation_id": new.id,
                    "case_name": new.case_name,
                    "state": GroupState::Proposed,
                    "lead_org_id": lead_id,
                }),
            })
            .collect(),
        audit: vec![audit(
            caller,
            now,
            "investigation_proposed",
            subject(&new.id),
            json!({
                "case_name": new.case_name,
                "members": members,
                "related": new.related,
                "confidentiality": new.confidentiality,
                "public_attention": new.public_attention,
                "reported_to": new.reported_org_id,
            }),
        )],
        ..Effects::default()
    });
    let group = services
        .db
        .create_investigation(&new, now, &effects)
        .await?;
    services.wake();
    Ok(body(group, GroupParty::Lead, Some(&lead_id)))
}

async fn known_org(
    services: &Services,
    field: &'static str,
    id: &str,
) -> Result<crate::db::Org, Error> {
    services.db.org(id).await?.ok_or_else(|| {
        Error::invalid(
            field,
            phrases::INVESTIGATION_NO_SUCH_BODY.with("id", format!("{id:?}")),
        )
    })
}

/// The invited bodies as given: at least one, each once (related bodies too, and never both
/// invited and related), never the lead, at most [`MAX_MEMBERS`].
fn checked_bodies(
    lead: &str,
    members: &[String],
    related: &[String],
) -> Result<Vec<String>, Error> {
    if members.is_empty() {
        return Err(Error::invalid(
            "members",
            phrases::INVESTIGATION_MEMBERS_EMPTY.message(),
        ));
    }
    if members.len() > MAX_MEMBERS || related.len() > MAX_MEMBERS {
        return Err(Error::invalid(
            "members",
            phrases::INVESTIGATION_TOO_MANY.with("max", MAX_MEMBERS.to_string()),
        ));
    }
    let mut seen = BTreeSet::new();
    for (field, id) in members
        .iter()
        .map(|id| ("members", id))
        .chain(related.iter().map(|id| ("related", id)))
    {
        if id == lead {
            return Err(Error::invalid(
                field,
                phrases::INVESTIGATION_LEAD_INVITED.message(),
            ));
        }
        if !seen.insert(id.as_str()) {
            return Err(Error::invalid(
                field,
                phrases::INVESTIGATION_BODY_TWICE.with("id", id.clone()),
            ));
        }
    }
    Ok(members.to_vec())
}

/// The groups the caller's body leads, takes part in or is invited to, and, for a judicial
/// bureau, the internal groups of its region and below.
pub async fn list(services: &Services, caller: &Caller) -> Result<GroupPage, Error> {
    let Some(viewer) = policy::viewer(&caller.actor) else {
        return Ok(GroupPage { groups: Vec::new() });
    };
    let mut groups = Vec::new();
    for group in services.db.investigations_visible(&viewer).await? {
        let Some(party) = party_of(caller, &group) else {
            continue;
        };
        let action = match party {
            GroupParty::Invited => Action::ReadInvitation {
                invited_org_id: viewer.org_id,
            },
            _ => Action::ReadSpace(group.facts()),
        };
        if policy::decide(&caller.actor, &action).is_err() {
            continue;
        }
        groups.push(body(group, party, Some(viewer.org_id)));
    }
    Ok(GroupPage { groups })
}

/// One group.
pub async fn show(services: &Services, caller: &Caller, id: &str) -> Result<GroupBody, Error> {
    let (group, party) = readable(services, caller, id).await?;
    Ok(body(group, party, own_id(caller)))
}

/// The bureau a group of high public attention is reported to: the judicial bureau of the
/// lead's own region, else the lowest above it; none when that bureau is one of the group's
/// own bodies (`bodies`, the lead among them), which know of it already.
async fn bureau_to_report(
    services: &Services,
    lead: &crate::db::Org,
    bodies: &[String],
) -> Result<Option<String>, Error> {
    let bureaus = services
        .db
        .judicial_bureaus_above(&lead.region_path)
        .await?;
    Ok(bureaus
        .into_iter()
        .next()
        .map(|b| b.id)
        .filter(|b| !bodies.contains(b)))
}

/// What a report to the bureau says of its group.
struct Reported<'a> {
    id: &'a str,
    lead_org_id: &'a str,
    lead_name: &'a str,
    case_name: &'a str,
}

impl<'a> Reported<'a> {
    fn of(group: &'a Investigation) -> Reported<'a> {
        Reported {
            id: &group.id,
            lead_org_id: &group.lead_org_id,
            lead_name: &group.lead_name,
            case_name: &group.case_name,
        }
    }
}

/// The notice that reports a group of high public attention to `bureau` (签收 required, so
/// the bureau is reminded while it has not acknowledged).
async fn report_notice(
    services: &Services,
    caller: &Caller,
    group: Reported<'_>,
    bureau: &str,
    now: i64,
    effects: &mut Effects,
) -> Result<(), Error> {
    let plan = NoticePlan {
        sender_org_id: group.lead_org_id.to_owned(),
        created_by: caller.actor.user_id.clone(),
        acting: Acting::of(caller),
        kind: NoticeKind::Information,
        title: clipped(format!("联合调查组情况报告：{}", group.case_name)),
        body: format!(
            "{}牵头的联合调查组《{}》所涉案件社会关注度高，现按规定报告。贵局可查阅其案情摘要和调查结论。请签收。",
            group.lead_name, group.case_name
        ),
        subject: Some(subject(group.id)),
        requires_ack: true,
        requires_reply: false,
        reply_due_at: None,
        recipients: vec![bureau.to_owned()],
    };
    let (notice, notice_effects) = plan_notice(services, now, plan).await?;
    effects.send_notice(notice);
    effects.merge(notice_effects);
    Ok(())
}

fn clipped(title: String) -> String {
    title.chars().take(super::MAX_TITLE_CHARS).collect()
}

/// A group command: form, start, archive, dissolve (concluding is the report's signature).
pub async fn act(
    services: &Services,
    caller: &Caller,
    id: &str,
    action: GroupAction,
) -> Result<GroupBody, Error> {
    let (group, party) = readable(services, caller, id).await?;
    caller
        .allow(&services.db, Action::ActInSpace(group.facts()))
        .await?;
    fresh(&group, action.revision())?;
    let now = services.clock.now_ms();
    let command = action.command();
    let to = rules::transition(ready(&group), group.state, party, command)?;
    let mut change = GroupChange {
        id: group.id.clone(),
        expected_revision: group.revision,
        at: now,
        state: Some(to),
        ..GroupChange::default()
    };
    let mut effects = Effects::default();
    let mut detail = json!({ "from": group.state, "to": to });
    let mut access_changes = false;
    match action {
        GroupAction::Form { .. } => {
            change.formed_at = Some(now);
            formed_notices(services, caller, &group, now, &mut effects).await?;
        }
        GroupAction::Start { .. } => change.started_at = Some(now),
        GroupAction::Dissolve { reason, .. } => {
            detail["reason"] = json!(reason);
            change.reason = Some(reason.into_string());
            change.freeze_dossier = true;
            access_changes = true;
        }
        GroupAction::Archive { .. } | GroupAction::Conclude { .. } => {}
    }
    let kind = format!("investigation.{}", past(command));
    effects.merge(Effects {
        events: events(&group, to, &kind, &everyone(&group)),
        audit: vec![audit(
            caller,
            now,
            &format!("investigation_{}", past(command)),
            subject(&group.id),
            detail,
        )],
        ..Effects::default()
    });
    let updated = services.db.change_investigation(&change, &effects).await?;
    services.wake();
    if access_changes {
        services.access.announce(AccessChange {
            space_id: Some(updated.id.clone()),
            ..AccessChange::default()
        });
    }
    Ok(body(updated, party, own_id(caller)))
}

fn past(command: rules::GroupCommand) -> &'static str {
    match command {
        rules::GroupCommand::Form => "formed",
        rules::GroupCommand::Start => "started",
        rules::GroupCommand::Conclude => "concluded",
        rules::GroupCommand::Archive => "archived",
        rules::GroupCommand::Dissolve => "dissolved",
    }
}

/// When a group forms, every confirmed member and every related body gets a notice that
/// requires 签收.
async fn formed_notices(
    services: &Services,
    caller: &Caller,
    group: &Investigation,
    now: i64,
    effects: &mut Effects,
) -> Result<(), Error> {
    let members: Vec<&GroupBodyRow> = group
        .bodies
        .iter()
        .filter(|b| !b.lead && b.state == MemberState::Confirmed)
        .collect();
    let names: Vec<&str> = members.iter().map(|b| b.org_name.as_str()).collect();
    let recipients: Vec<String> = members
        .iter()
        .map(|b| b.org_id.clone())
        .chain(group.related.iter().map(|r| r.org_id.clone()))
        .collect();
    let plan = NoticePlan {
        sender_org_id: group.lead_org_id.clone(),
        created_by: caller.actor.user_id.clone(),
        acting: Acting::of(caller),
        kind: NoticeKind::Information,
        title: clipped(format!("联合调查组已组建：{}", group.case_name)),
        body: format!(
            "《{}》联合调查组已组建，由{}牵头，成员单位：{}。请各成员单位在职责范围内开展调查，相关单位知悉。请签收。",
            group.case_name,
            group.lead_name,
            names.join("、"),
        ),
        subject: Some(subject(&group.id)),
        requires_ack: true,
        requires_reply: false,
        reply_due_at: None,
        recipients,
    };
    let (notice, notice_effects) = plan_notice(services, now, plan).await?;
    effects.send_notice(notice);
    effects.merge(notice_effects);
    Ok(())
}

/// The lead marks the group of high public attention: the judicial bureau of its level is
/// reported to at once.
pub async fn mark_attention(
    services: &Services,
    caller: &Caller,
    id: &str,
    input: AttentionInput,
) -> Result<GroupBody, Error> {
    let (group, party) = readable(services, caller, id).await?;
    caller
        .allow(&services.db, Action::ActInSpace(group.facts()))
        .await?;
    fresh(&group, input.revision)?;
    rules::may_mark_attention(group.state, party, group.public_attention)?;
    let now = services.clock.now_ms();
    let mut change = GroupChange {
        id: group.id.clone(),
        expected_revision: group.revision,
        at: now,
        public_attention: Some(true),
        ..GroupChange::default()
    };
    let mut effects = Effects::default();
    let mut detail = json!({});
    let lead = services
        .db
        .org(&group.lead_org_id)
        .await?
        .ok_or_else(not_found)?;
    if let Some(bureau) = bureau_to_report(services, &lead, &everyone(&group)).await? {
        report_notice(
            services,
            caller,
            Reported::of(&group),
            &bureau,
            now,
            &mut effects,
        )
        .await?;
        detail["reported_to"] = json!(bureau);
        change.reported_org_id = Some(bureau);
    }
    effects.audit.push(audit(
        caller,
        now,
        "investigation_marked_attention",
        subject(&group.id),
        detail,
    ));
    effects.events.extend(events(
        &group,
        group.state,
        "investigation.changed",
        &everyone(&group),
    ));
    let reported = change.reported_org_id.is_some();
    let updated = services.db.change_investigation(&change, &effects).await?;
    services.wake();
    if reported {
        services.access.announce(AccessChange {
            space_id: Some(updated.id.clone()),
            ..AccessChange::default()
        });
    }
    Ok(body(updated, party, own_id(caller)))
}

/// The caller's body answers its invitation (confirm, naming its responsible person and
/// contact; decline, with a reason) or leaves the group (with a reason: it loses the group at
/// once, on every open socket; its section stays, frozen).
pub async fn membership(
    services: &Services,
    caller: &Caller,
    id: &str,
    action: MemberAction,
) -> Result<GroupBody, Error> {
    let (group, party) = readable(services, caller, id).await?;
    let org = own_org(caller, "answer")?.to_owned();
    caller
        .allow(
            &services.db,
            Action::AnswerInvitation {
                invited_org_id: &org,
            },
        )
        .await?;
    let Some(own) = group.body(&org).filter(|b| !b.lead) else {
        return Err(Error::refused(phrases::INVESTIGATION_NOT_INVITED.message()));
    };
    let command = action.command();
    let to = rules::member_transition(group.state, own.state, MemberParty::Itself, command)?;
    let now = services.clock.now_ms();
    let reason = match &action {
        MemberAction::Decline { reason } | MemberAction::Leave { reason } => Some(reason.as_str()),
        MemberAction::Confirm { .. } => None,
    };
    let detail = json!({ "org_id": org, "command": command, "reason": reason });
    let write = match action {
        MemberAction::Confirm {
            responsible_person,
            contact,
        } => MemberWrite::Confirm {
            responsible_person: responsible_person.into_string(),
            contact: contact.into_string(),
        },
        MemberAction::Decline { reason } => MemberWrite::Decline {
            reason: reason.into_string(),
        },
        MemberAction::Leave { reason } => MemberWrite::Leave {
            reason: reason.into_string(),
        },
    };
    let kind = match to {
        MemberState::Confirmed => "confirmed",
        MemberState::Declined => "declined",
        _ => "left",
    };
    let effects = Effects {
        events: events(
            &group,
            group.state,
            &format!("investigation.member_{kind}"),
            &everyone(&group),
        ),
        audit: vec![audit(
            caller,
            now,
            &format!("investigation_member_{kind}"),
            subject(&group.id),
            detail,
        )],
        ..Effects::default()
    };
    let updated = services
        .db
        .write_membership(
            &group.id,
            &org,
            group.state,
            &write,
            &caller.actor.user_id,
            now,
            &effects,
        )
        .await?;
    services.wake();
    services.access.announce(AccessChange {
        space_id: Some(updated.id.clone()),
        ..AccessChange::default()
    });
    let party = match to {
        MemberState::Confirmed => GroupParty::Member,
        _ if party == GroupParty::Lead => party,
        _ => GroupParty::Invited,
    };
    Ok(body(updated, party, Some(&org)))
}
