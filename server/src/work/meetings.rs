//! Meeting operations (协调会议 / 会商 / 联席会议): convene, issue the notice, start, end,
//! postpone, cancel; invitations and their answers; attendance; the agenda; the calendar
//! entry; the annual obligation of every judicial bureau.
//!
//! A meeting is a space: the bodies taking part (the convener and the invited bodies) see it,
//! the judicial bureau whose region covers it reads it, and everyone else is told "no meeting
//! with this id", exactly as for an id that does not exist.
//!
//! Issuing the notice, postponing and cancelling send a notification (会议通知, through
//! `super::notices::plan_notice`, to be acknowledged 签收) to every invited body, in the same
//! write as the change. The meeting's reminders (the reply deadline, 48 hours before the start,
//! the minutes after the end) are durable jobs with the subject `meeting:<id>`, scheduled,
//! rescheduled and cancelled in the write that moves the meeting.
//!
//! This module must never write SQL, decide access itself (that is the policy) or encode a
//! rule of the meeting machines (that is [`crate::domain::meeting`]).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::json;
use time::macros::format_description;
use utoipa::ToSchema;

use super::notices::{plan_notice, NoticePlan};
use super::schedule;
use super::Error;
use super::{audit, own_org, Acting};
use crate::auth::Caller;
use crate::db::{
    new_id, AgendaChange, AgendaItem, Audience, Db, DbError, Effects, Invitation, InvitationReply,
    Invitee, Meeting, MeetingChange, NewAgendaItem, NewEvent, NewMeeting, Org,
};
use crate::domain::kernel::{self, CommandOffer};
use crate::domain::meeting::{
    self as rules, AgendaOutcome, AgendaState, AnnualStatus, Answer, Attendance, InvitationFlow,
    InvitationState, MeetingAction, MeetingCommand, MeetingFlow, MeetingKind, MeetingParty,
    MeetingState, MonthDay,
};
use crate::domain::notice::NoticeKind;
use crate::domain::org::{Name, OrgKind, RegionPath, SpaceRole};
use crate::domain::phrases;
use crate::domain::policy::{self, Action, Credential, SpaceAccess};
use crate::domain::text::{Line, Note, Title, WebLink, MAX_TITLE_CHARS};
use crate::services::AccessChange;
use crate::services::Services;
use crate::signing::office;

/// The most bodies one meeting invites: every department of a large city.
pub const MAX_INVITED: usize = 500;

/// The longest a meeting lasts: a week. Anything longer is a typing mistake.
pub const MAX_DURATION_MS: i64 = 7 * 24 * 3_600_000;

/// How far ahead a meeting may be set: ten years.
const MAX_AHEAD_MS: i64 = 3_660 * 24 * 3_600_000;

/// What the convener writes to convene a meeting (`POST /api/meetings`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateMeeting {
    pub kind: MeetingKind,
    pub title: Title,
    /// Unix milliseconds, in the future.
    pub starts_at: i64,
    /// Unix milliseconds, after `starts_at`, at most [`MAX_DURATION_MS`] later.
    pub ends_at: i64,
    /// Where; or give `online_link`, or both.
    #[serde(default, deserialize_with = "crate::domain::text::optional")]
    pub place: Option<Line>,
    /// The address of the online meeting.
    #[serde(default, deserialize_with = "crate::domain::text::optional")]
    pub online_link: Option<WebLink>,
    /// When invited bodies must have answered: after now, before the start.
    #[serde(default)]
    pub reply_due_at: Option<i64>,
    /// At least one body, each once, never the convener.
    pub invited: Vec<InviteInput>,
}

/// A body to invite, and how it takes part.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteInput {
    pub org_id: String,
    /// `member` (参会, the default) or `observer` (列席).
    #[serde(default = "participant")]
    pub role: SpaceRole,
}

fn participant() -> SpaceRole {
    SpaceRole::Member
}

/// A body invited after the meeting was convened (`POST /api/meetings/{id}/invitees`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddInvitee {
    pub org_id: String,
    /// `member` (the default) or `observer`.
    #[serde(default = "participant")]
    pub role: SpaceRole,
    /// The revision the caller read.
    pub revision: i64,
}

/// Attendance (`POST /api/meetings/{id}/check-in`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInInput {
    pub org_id: String,
    pub attendance: Attendance,
}

/// An agenda item (`POST /api/meetings/{id}/agenda`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposeInput {
    pub title: Title,
    #[serde(default, deserialize_with = "crate::domain::text::optional")]
    pub note: Option<Note>,
}

/// The convener's decision (`POST /api/meetings/{id}/agenda/{item}/decision`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgendaDecisionInput {
    pub accept: bool,
    #[serde(default, deserialize_with = "crate::domain::text::optional")]
    pub note: Option<Note>,
}

/// An item's outcome (`POST /api/meetings/{id}/agenda/{item}/outcome`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeInput {
    pub outcome: AgendaOutcome,
    #[serde(default, deserialize_with = "crate::domain::text::optional")]
    pub note: Option<Note>,
}

/// An invited body's invitation: its answer (参会回执) and its attendance (签到).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InvitationBody {
    pub org_id: String,
    /// The body's Chinese name.
    pub org_name: String,
    pub role: SpaceRole,
    pub state: InvitationState,
    pub state_label_zh: &'static str,
    /// Who attends (confirmed).
    pub attendee: Option<String>,
    /// Who attends instead (delegated).
    pub delegate: Option<String>,
    /// Why not (declined).
    pub reason: Option<String>,
    pub attendance: Option<Attendance>,
    pub answered_by: Option<String>,
    pub answered_at: Option<i64>,
    pub checked_in_by: Option<String>,
    pub checked_in_at: Option<i64>,
    /// The answers (`confirm`, `delegate`, `decline`) for the caller's body, allowed now or
    /// refused with the rule: allowed only on its own invitation, while the meeting is
    /// scheduled.
    pub commands: Vec<CommandOffer>,
}

/// A meeting as one body sees it, with what that body may do to it now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeetingBody {
    /// The meeting's space id.
    pub id: String,
    pub kind: MeetingKind,
    pub kind_label_zh: &'static str,
    pub kind_label_en: &'static str,
    pub title: String,
    pub convener_org_id: String,
    pub convener_name: String,
    /// The administrative division code of the convener's region.
    pub region: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub place: Option<String>,
    pub online_link: Option<String>,
    pub reply_due_at: Option<i64>,
    pub state: MeetingState,
    pub state_label_zh: &'static str,
    pub state_label_en: &'static str,
    pub revision: i64,
    pub minutes_doc_id: String,
    /// Why it was cancelled, or why it was last postponed.
    pub reason: Option<String>,
    pub started_at: Option<i64>,
    pub ended_at: Option<i64>,
    /// The dispute a case consultation (案件会商) was convened from.
    pub dispute_id: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub invitations: Vec<InvitationBody>,
    /// The caller's body's part in the meeting.
    pub my_role: MeetingParty,
    /// The commands the caller's body may give now, by name (kept for the clients that read
    /// it; `command_offers` says the same with the reasons).
    pub commands: Vec<MeetingCommand>,
    /// Every command of a meeting for the caller's body, in button order: allowed now, or
    /// refused with the rule that says why. Pages render their buttons from it.
    pub command_offers: Vec<CommandOffer>,
    /// The meeting as an RFC 5545 calendar entry.
    pub calendar_url: String,
}

/// An agenda item (议题).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgendaItemBody {
    pub id: String,
    pub meeting_id: String,
    /// 1, 2, 3, … in the order proposed.
    pub seq: i64,
    pub title: String,
    /// Empty when none was given.
    pub note: String,
    pub proposed_by: String,
    pub proposed_by_org_id: String,
    pub state: AgendaState,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub decision_note: Option<String>,
    pub outcome: Option<AgendaOutcome>,
    pub outcome_note: Option<String>,
    pub outcome_by: Option<String>,
    pub outcome_at: Option<i64>,
    pub created_at: i64,
}

/// A meeting with its agenda (`GET /api/meetings/{id}`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeetingDetailBody {
    #[serde(flatten)]
    pub meeting: MeetingBody,
    pub agenda: Vec<AgendaItemBody>,
}

/// The meetings the caller's body sees (`GET /api/meetings`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeetingPage {
    pub meetings: Vec<MeetingBody>,
}

/// One judicial bureau's standing with its annual meeting.
#[derive(Debug, Clone)]
pub struct AnnualLine {
    pub org: Org,
    pub status: AnnualStatus,
    /// Nothing held or scheduled, and the due day has passed.
    pub flagged: bool,
}

/// The annual obligation of a set of judicial bureaus for one year.
#[derive(Debug, Clone)]
pub struct AnnualReport {
    pub year: i32,
    pub due: MonthDay,
    /// `YYYY-MM-DD` of the due day in that year.
    pub due_date: String,
    pub lines: Vec<AnnualLine>,
}

/// The annual obligation as the API answers it (`GET /api/meetings/annual-status`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnnualStatusBody {
    pub year: i32,
    /// `MM-DD`: the day by which every bureau's annual meeting must be scheduled.
    pub due: String,
    /// `YYYY-MM-DD` of the due day in that year.
    pub due_date: String,
    pub bureaus: Vec<BureauStatus>,
}

/// One judicial bureau's standing with its annual meeting (年度协调会议).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BureauStatus {
    pub org_id: String,
    pub code: String,
    pub name: String,
    pub region: String,
    pub status: AnnualStatus,
    pub status_label_zh: &'static str,
    /// Nothing held or scheduled, and the due day has passed (督促).
    pub flagged: bool,
}

impl From<AnnualReport> for AnnualStatusBody {
    fn from(report: AnnualReport) -> AnnualStatusBody {
        AnnualStatusBody {
            year: report.year,
            due: report.due.to_string(),
            due_date: report.due_date,
            bureaus: report
                .lines
                .into_iter()
                .map(|line| BureauStatus {
                    org_id: line.org.id,
                    code: line.org.code.to_string(),
                    name: line.org.name_zh.to_string(),
                    region: line.org.region.to_string(),
                    status: line.status,
                    status_label_zh: line.status.label_zh(),
                    flagged: line.flagged,
                })
                .collect(),
        }
    }
}

/// An invitation of a meeting in `meeting` state, with the answers offered to the caller's
/// body (`itself`: the invited body is the caller's).
fn invitation_body(i: Invitation, meeting: MeetingState, itself: bool) -> InvitationBody {
    InvitationBody {
        commands: kernel::offers::<InvitationFlow>(meeting, i.state, itself),
        state_label_zh: i.state.label_zh(),
        org_id: i.org_id,
        org_name: i.org_name,
        role: i.role,
        state: i.state,
        attendee: i.attendee,
        delegate: i.delegate,
        reason: i.reason,
        attendance: i.attendance,
        answered_by: i.answered_by,
        answered_at: i.answered_at,
        checked_in_by: i.checked_in_by,
        checked_in_at: i.checked_in_at,
    }
}

impl From<AgendaItem> for AgendaItemBody {
    fn from(a: AgendaItem) -> AgendaItemBody {
        AgendaItemBody {
            id: a.id,
            meeting_id: a.meeting_id,
            seq: a.seq,
            title: a.title,
            note: a.note,
            proposed_by: a.proposed_by,
            proposed_by_org_id: a.proposed_by_org_id,
            state: a.state,
            decided_by: a.decided_by,
            decided_at: a.decided_at,
            decision_note: a.decision_note,
            outcome: a.outcome,
            outcome_note: a.outcome_note,
            outcome_by: a.outcome_by,
            outcome_at: a.outcome_at,
            created_at: a.created_at,
        }
    }
}

/// The answer for a meeting the caller may not see, and for one that does not exist.
fn not_found() -> Error {
    Error::NotFound(crate::domain::phrases::NO_SUCH_MEETING.message())
}

fn not_invited() -> Error {
    Error::NotFound(phrases::NOT_INVITED.message())
}

fn subject(meeting_id: &str) -> String {
    format!("meeting:{meeting_id}")
}

/// The meeting as `caller`, of `party`, sees it, with the commands that party may give.
fn body(meeting: Meeting, party: MeetingParty, caller: &Caller) -> MeetingBody {
    let own = caller.org.as_ref().map(|o| o.id.as_str());
    let (state, invitee) = (meeting.state, party == MeetingParty::Invitee);
    MeetingBody {
        commands: rules::available_commands(meeting.state, party),
        command_offers: kernel::offers::<MeetingFlow>((), meeting.state, party),
        calendar_url: format!("/api/meetings/{}/calendar.ics", meeting.id),
        kind_label_zh: meeting.kind.label_zh(),
        kind_label_en: meeting.kind.label_en(),
        state_label_zh: meeting.state.label_zh(),
        state_label_en: meeting.state.label_en(),
        region: meeting.region.to_string(),
        my_role: party,
        id: meeting.id,
        kind: meeting.kind,
        title: meeting.title,
        convener_org_id: meeting.convener_org_id,
        convener_name: meeting.convener_name,
        starts_at: meeting.starts_at,
        ends_at: meeting.ends_at,
        place: meeting.place,
        online_link: meeting.online_link,
        reply_due_at: meeting.reply_due_at,
        state: meeting.state,
        revision: meeting.revision,
        minutes_doc_id: meeting.minutes_doc_id,
        reason: meeting.reason,
        started_at: meeting.started_at,
        ended_at: meeting.ended_at,
        dispute_id: meeting.dispute_id,
        created_by: meeting.created_by,
        created_at: meeting.created_at,
        updated_at: meeting.updated_at,
        invitations: meeting
            .invitations
            .into_iter()
            .map(|i| {
                let itself = invitee && own == Some(i.org_id.as_str());
                invitation_body(i, state, itself)
            })
            .collect(),
    }
}

/// The caller's party in a meeting's space, or `None` for a body with no part in it.
fn party_of(caller: &Caller, meeting: &Meeting) -> Option<MeetingParty> {
    match policy::space_access(&caller.actor, &meeting.facts()) {
        SpaceAccess::Participate(SpaceRole::Convener) => Some(MeetingParty::Convener),
        SpaceAccess::Participate(_) => Some(MeetingParty::Invitee),
        SpaceAccess::Supervise => Some(MeetingParty::Supervisor),
        SpaceAccess::None => None,
    }
}

/// The meeting and the caller's party in it, or "not found" (audited as a refusal) for a
/// body that neither takes part nor supervises it.
async fn readable(
    services: &Services,
    caller: &Caller,
    id: &str,
) -> Result<(Meeting, MeetingParty), Error> {
    let meeting = services.db.meeting(id).await?.ok_or_else(not_found)?;
    let facts = meeting.facts();
    if caller
        .allow(&services.db, Action::ReadSpace(facts))
        .await
        .is_err()
    {
        return Err(not_found());
    }
    let party = party_of(caller, &meeting).ok_or_else(not_found)?;
    Ok((meeting, party))
}

/// [`readable`], and the caller's body takes part (a supervising bureau only reads).
async fn writable(
    services: &Services,
    caller: &Caller,
    id: &str,
) -> Result<(Meeting, MeetingParty), Error> {
    let (meeting, party) = readable(services, caller, id).await?;
    let facts = meeting.facts();
    caller
        .allow(&services.db, Action::ActInSpace(facts))
        .await?;
    Ok((meeting, party))
}

/// Refuses a command or invitee change that read an older revision.
fn same_revision(meeting: &Meeting, revision: i64) -> Result<(), Error> {
    if revision != meeting.revision {
        return Err(Error::refused(
            crate::domain::phrases::MEETING_STALE.with("revision", meeting.revision),
        ));
    }
    Ok(())
}

/// A meeting's time: the start ahead of `now` (and not absurdly far), the end after it and at
/// most [`MAX_DURATION_MS`] later.
fn checked_times(starts_at: i64, ends_at: i64, now: i64) -> Result<(i64, i64), Error> {
    if starts_at <= now {
        return Err(Error::invalid(
            "starts_at",
            &crate::domain::phrases::MEETING_STARTS_PAST,
        ));
    }
    if starts_at > now.saturating_add(MAX_AHEAD_MS) {
        return Err(Error::invalid(
            "starts_at",
            &crate::domain::phrases::MEETING_STARTS_TOO_FAR,
        ));
    }
    if ends_at <= starts_at {
        return Err(Error::invalid(
            "ends_at",
            phrases::ENDS_BEFORE_START.message(),
        ));
    }
    if ends_at - starts_at > MAX_DURATION_MS {
        return Err(Error::invalid(
            "ends_at",
            &crate::domain::phrases::MEETING_TOO_LONG,
        ));
    }
    Ok((starts_at, ends_at))
}

/// A reply deadline: after now, no later than the start.
fn checked_reply_due(reply_due_at: Option<i64>, starts_at: i64, now: i64) -> Result<(), Error> {
    match reply_due_at.map(|at| super::ahead("reply_due_at", at, now)) {
        Some(Err(e)) => Err(e),
        Some(Ok(at)) if at > starts_at => Err(Error::invalid(
            "reply_due_at",
            &crate::domain::phrases::MEETING_REPLY_AFTER_START,
        )),
        _ => Ok(()),
    }
}

/// Where: a place, an online link, or both.
fn checked_venue(
    place: Option<Line>,
    online_link: Option<WebLink>,
) -> Result<(Option<String>, Option<String>), Error> {
    if place.is_none() && online_link.is_none() {
        return Err(Error::invalid(
            "online_link",
            &crate::domain::phrases::MEETING_NO_PLACE,
        ));
    }
    Ok((place.map(Line::into_string), online_link.map(String::from)))
}

/// The role of an invited body: a participant or an observer, never the convener.
fn invited_role(role: SpaceRole) -> Result<SpaceRole, Error> {
    if role == SpaceRole::Convener {
        return Err(Error::invalid(
            "invited",
            &crate::domain::phrases::MEETING_INVITED_ROLE,
        ));
    }
    Ok(role)
}

/// The invited bodies, checked: at least one, at most [`MAX_INVITED`], each once, not the
/// convener, each an existing organization.
async fn checked_invited(
    services: &Services,
    convener: &str,
    invited: Vec<InviteInput>,
) -> Result<Vec<Invitee>, Error> {
    if invited.is_empty() {
        return Err(Error::invalid(
            "invited",
            &crate::domain::phrases::MEETING_INVITED_EMPTY,
        ));
    }
    if invited.len() > MAX_INVITED {
        return Err(Error::invalid(
            "invited",
            crate::domain::phrases::MEETING_INVITED_TOO_MANY.with("max", MAX_INVITED),
        ));
    }
    let mut seen = HashSet::new();
    for invitee in &invited {
        if !seen.insert(invitee.org_id.as_str()) {
            return Err(Error::invalid(
                "invited",
                crate::domain::phrases::MEETING_INVITED_TWICE
                    .with("id", format!("{:?}", invitee.org_id)),
            ));
        }
        if invitee.org_id == convener {
            return Err(Error::invalid(
                "invited",
                &crate::domain::phrases::MEETING_CONVENER_INVITED,
            ));
        }
        invited_role(invitee.role)?;
    }
    let ids = invited.iter().map(|i| i.org_id.as_str());
    if let Some(unknown) = super::unknown_org(services, ids).await? {
        return Err(Error::invalid(
            "invited",
            crate::domain::phrases::MEETING_INVITED_UNKNOWN.with("id", format!("{unknown:?}")),
        ));
    }
    Ok(invited
        .into_iter()
        .map(|i| Invitee {
            org_id: i.org_id,
            role: i.role,
        })
        .collect())
}

/// A time as people read it in a notice: `2026年3月2日 9:30`, Beijing time written the
/// Chinese way, as the signed documents write it.
fn local_time(ms: i64) -> String {
    office::datetime_ms(ms).unwrap_or_else(|| ms.to_string())
}

/// A notice title: the prefix and the meeting's title, cut to a title's length.
fn notice_title(prefix: &str, title: &str) -> String {
    format!("{prefix}{title}")
        .chars()
        .take(MAX_TITLE_CHARS)
        .collect()
}

/// Where and when, as the lines of a notice.
fn time_and_place(meeting: &Meeting) -> String {
    let when = office::span_ms(meeting.starts_at, meeting.ends_at)
        .unwrap_or_else(|| local_time(meeting.starts_at));
    let mut text = format!("时间：{when}（北京时间）");
    if let Some(place) = &meeting.place {
        text.push_str(&format!("\n地点：{place}"));
    }
    if let Some(link) = &meeting.online_link {
        text.push_str(&format!("\n线上会议：{link}"));
    }
    text
}

/// What a notice about `meeting` says, by the command that sends it.
fn notice_text(
    meeting: &Meeting,
    command: MeetingCommand,
    reason: Option<&str>,
) -> (String, String) {
    let kind = meeting.kind.label_zh();
    let (prefix, mut body) = match command {
        MeetingCommand::Postpone => (
            "会议延期通知：",
            format!(
                "{}召集的{kind}“{}”改期举行。\n{}",
                meeting.convener_name,
                meeting.title,
                time_and_place(meeting)
            ),
        ),
        MeetingCommand::Cancel => (
            "会议取消通知：",
            format!(
                "{}原定于{}召开的{kind}“{}”取消。",
                meeting.convener_name,
                local_time(meeting.starts_at),
                meeting.title
            ),
        ),
        _ => (
            "会议通知：",
            format!(
                "{}定于下列时间召开{kind}“{}”。\n{}",
                meeting.convener_name,
                meeting.title,
                time_and_place(meeting)
            ),
        ),
    };
    if let Some(reason) = reason {
        body.push_str(&format!("\n原因：{reason}"));
    }
    if command != MeetingCommand::Cancel {
        match meeting.reply_due_at {
            Some(at) => body.push_str(&format!(
                "\n请于{}前回复参会情况（确认参会、委托参会或不参会）。",
                local_time(at)
            )),
            None => body.push_str("\n请回复参会情况（确认参会、委托参会或不参会）。"),
        }
    }
    (notice_title(prefix, &meeting.title), body)
}

/// The notice (to be acknowledged, 签收) that `command` sends about `meeting` to `recipients`,
/// as effects for the same write, with the notice's id.
async fn meeting_notice(
    services: &Services,
    caller: &Caller,
    now: i64,
    meeting: &Meeting,
    command: MeetingCommand,
    reason: Option<&str>,
    recipients: Vec<String>,
) -> Result<(String, Effects), Error> {
    let (title, body) = notice_text(meeting, command, reason);
    let (notice, mut effects) = plan_notice(
        services,
        now,
        NoticePlan {
            sender_org_id: meeting.convener_org_id.clone(),
            created_by: caller.actor.user_id.clone(),
            acting: Acting::of(caller),
            kind: NoticeKind::Information,
            title,
            body,
            recipients,
            requires_ack: true,
            requires_reply: false,
            reply_due_at: None,
            // The notice links to the meeting, and answering the invitation acknowledges it.
            subject: Some(format!("meeting:{}", meeting.id)),
        },
    )
    .await?;
    let id = notice.id.clone();
    effects.send_notice(notice);
    Ok((id, effects))
}

fn invitee_ids(meeting: &Meeting) -> Vec<String> {
    meeting
        .invitations
        .iter()
        .map(|i| i.org_id.clone())
        .collect()
}

/// One event of `kind` to the convener and to every invited body, so that an open meeting
/// room follows the meeting's state live.
fn to_participants(meeting: &Meeting, kind: &str) -> Vec<NewEvent> {
    std::iter::once(meeting.convener_org_id.clone())
        .chain(invitee_ids(meeting))
        .map(|org_id| NewEvent {
            audience: Audience::Org(org_id),
            kind: kind.into(),
            subject: subject(&meeting.id),
            payload: event_payload(meeting, json!({})),
        })
        .collect()
}

/// What every meeting event carries: enough to show it and link to the meeting.
fn event_payload(meeting: &Meeting, extra: serde_json::Value) -> serde_json::Value {
    let mut payload = json!({
        "meeting_id": meeting.id,
        "title": meeting.title,
        "kind": meeting.kind,
        "convener_org_id": meeting.convener_org_id,
        "starts_at": meeting.starts_at,
    });
    if let (Some(p), Some(e)) = (payload.as_object_mut(), extra.as_object()) {
        p.extend(e.clone());
    }
    payload
}

/// Convenes a meeting in draft: the space, its bodies, its minutes document, the invitations.
pub async fn create(
    services: &Services,
    caller: &Caller,
    input: CreateMeeting,
) -> Result<MeetingBody, Error> {
    convene(services, caller, input, None).await
}

/// [`create`], for a case consultation (案件会商) convened from a dispute when `dispute_id`
/// is given: the meeting names the dispute, in the same write. The dispute's operation has
/// checked that the caller may convene it.
pub(crate) async fn convene(
    services: &Services,
    caller: &Caller,
    input: CreateMeeting,
    dispute_id: Option<String>,
) -> Result<MeetingBody, Error> {
    caller.allow(&services.db, Action::CreateSpace).await?;
    let Some(org) = &caller.org else {
        return Err(Error::Denied(
            crate::domain::phrases::CREATE_SPACE.message(),
        ));
    };
    let convener = org.id.clone();
    rules::may_convene(input.kind, org.kind).map_err(|r| Error::Denied(r.message()))?;
    let now = services.clock.now_ms();
    let title = Name::parse(input.title.as_str())?;
    let (starts_at, ends_at) = checked_times(input.starts_at, input.ends_at, now)?;
    checked_reply_due(input.reply_due_at, starts_at, now)?;
    let (place, online_link) = checked_venue(input.place, input.online_link)?;
    let invited = checked_invited(services, &convener, input.invited).await?;
    let new = NewMeeting {
        id: new_id(),
        minutes_doc_id: new_id(),
        kind: input.kind,
        title,
        region: org.region.clone(),
        convener_org_id: convener,
        starts_at,
        ends_at,
        place,
        online_link,
        reply_due_at: input.reply_due_at,
        invited,
        dispute_id,
        created_by: caller.actor.user_id.clone(),
    };
    let effects = Effects {
        audit: vec![audit(
            caller,
            now,
            "meeting_created",
            subject(&new.id),
            json!({
                "kind": new.kind,
                "title": new.title,
                "starts_at": new.starts_at,
                "ends_at": new.ends_at,
                "invited": new.invited.iter().map(|i| json!({ "org_id": i.org_id, "role": i.role })).collect::<Vec<_>>(),
                "minutes_doc_id": new.minutes_doc_id,
                "dispute_id": new.dispute_id,
            }),
        )],
        ..Effects::default()
    };
    let meeting = services.db.create_meeting(&new, now, &effects).await?;
    Ok(body(meeting, MeetingParty::Convener, caller))
}

/// The meetings the caller's body convenes or is invited to, and, for a judicial bureau, those
/// of its region and below. Empty for a caller who acts for no body.
pub async fn list(services: &Services, caller: &Caller) -> Result<MeetingPage, Error> {
    let Some(viewer) = policy::viewer(&caller.actor) else {
        return Ok(MeetingPage {
            meetings: Vec::new(),
        });
    };
    let meetings = services.db.meetings_visible(&viewer).await?;
    // The query narrows; the policy decides (a token without spaces:read sees none).
    let meetings = meetings
        .into_iter()
        .filter_map(|meeting| {
            policy::decide(&caller.actor, &Action::ReadSpace(meeting.facts())).ok()?;
            let party = party_of(caller, &meeting)?;
            Some(body(meeting, party, caller))
        })
        .collect();
    Ok(MeetingPage { meetings })
}

/// A meeting with its invitations and agenda.
pub async fn show(
    services: &Services,
    caller: &Caller,
    id: &str,
) -> Result<MeetingDetailBody, Error> {
    let (meeting, party) = readable(services, caller, id).await?;
    let agenda = services.db.meeting_agenda(id).await?;
    Ok(MeetingDetailBody {
        meeting: body(meeting, party, caller),
        agenda: agenda.into_iter().map(AgendaItemBody::from).collect(),
    })
}

/// Issues the notice, starts, ends, postpones or cancels a meeting, with what the command
/// carries (a new time, a reason).
pub async fn act(
    services: &Services,
    caller: &Caller,
    id: &str,
    action: MeetingAction,
) -> Result<MeetingBody, Error> {
    let (meeting, party) = writable(services, caller, id).await?;
    same_revision(&meeting, action.revision())?;
    let command = action.command();
    let to = rules::transition(meeting.state, party, command)?;
    let now = services.clock.now_ms();
    let mut write = Moved::new(&meeting, to, now);
    match action {
        MeetingAction::IssueNotice {
            starts_at,
            ends_at,
            reply_due_at,
            ..
        } => {
            if starts_at.is_none() && meeting.starts_at <= now {
                return Err(Error::invalid(
                    "starts_at",
                    &crate::domain::phrases::MEETING_START_PASSED,
                ));
            }
            write.retime(new_time(&meeting, starts_at, ends_at, reply_due_at, now)?);
            write.notify(services, caller, command).await?;
        }
        MeetingAction::Postpone {
            starts_at,
            ends_at,
            reply_due_at,
            reason,
            ..
        } => {
            write.reason(reason.map(Note::into_string));
            write.retime(new_time(
                &meeting,
                Some(starts_at),
                ends_at,
                reply_due_at,
                now,
            )?);
            // A new time asks every body anew.
            write.change.reset_answers = true;
            write.effects.cancel_jobs_of.push(subject(&meeting.id));
            write.notify(services, caller, command).await?;
        }
        MeetingAction::Start { .. } => {
            write.change.started_at = Some(now);
            write.effects.cancel_jobs_of.push(subject(&meeting.id));
            let started = to_participants(&meeting, "meeting.started");
            write.effects.events.extend(started);
        }
        MeetingAction::End { .. } => {
            write.change.ended_at = Some(now);
            write.updated.ended_at = Some(now);
            write.effects.jobs = schedule::for_ended_meeting(&write.updated);
            let ended = to_participants(&meeting, "meeting.ended");
            write.effects.events.extend(ended);
        }
        MeetingAction::Cancel { reason, .. } => {
            write.reason(Some(reason.into_string()));
            write.effects.cancel_jobs_of.push(subject(&meeting.id));
            write.notify(services, caller, command).await?;
        }
        // Only the system closes a meeting; the transition refused it above.
        MeetingAction::Close { .. } => {}
    }
    let (change, effects) = write.finish(caller, command);
    let meeting = services.db.change_meeting(&change, &effects).await?;
    services.wake();
    Ok(body(meeting, party, caller))
}

/// The time a notice or a postponement gives: the start given or kept, the end given or
/// keeping the meeting's length, and the reply deadline given or kept while it still lies
/// between now and the start; each checked.
fn new_time(
    meeting: &Meeting,
    starts_at: Option<i64>,
    ends_at: Option<i64>,
    reply_due_at: Option<i64>,
    now: i64,
) -> Result<(i64, i64, Option<i64>), Error> {
    let start = starts_at.unwrap_or(meeting.starts_at);
    let end = match (starts_at, ends_at) {
        (_, Some(ends_at)) => ends_at,
        // A new start alone keeps the meeting's length.
        (Some(starts_at), None) => starts_at + (meeting.ends_at - meeting.starts_at),
        (None, None) => meeting.ends_at,
    };
    let (start, end) = checked_times(start, end, now)?;
    // A deadline that has passed, or falls after the new start, no longer applies.
    let reply_due_at = reply_due_at.or(meeting.reply_due_at.filter(|at| *at > now && *at <= start));
    checked_reply_due(reply_due_at, start, now)?;
    Ok((start, end, reply_due_at))
}

/// A meeting command about to be written: the change, the meeting as it will be (so its
/// notice and reminders go into the same write), the effects and the audit row's detail.
struct Moved<'a> {
    before: &'a Meeting,
    change: MeetingChange,
    updated: Meeting,
    effects: Effects,
    detail: serde_json::Value,
    now: i64,
}

impl<'a> Moved<'a> {
    fn new(before: &'a Meeting, to: MeetingState, now: i64) -> Moved<'a> {
        Moved {
            before,
            change: MeetingChange {
                meeting_id: before.id.clone(),
                expected_revision: before.revision,
                state: to,
                at: now,
                starts_at: None,
                ends_at: None,
                reply_due_at: None,
                reason: None,
                started_at: None,
                ended_at: None,
                reset_answers: false,
            },
            updated: Meeting {
                state: to,
                revision: before.revision + 1,
                updated_at: now,
                ..before.clone()
            },
            effects: Effects::default(),
            detail: json!({
                "from": before.state.as_str(),
                "to": to.as_str(),
                "reason": null,
            }),
            now,
        }
    }

    fn put(&mut self, key: &str, value: serde_json::Value) {
        if let Some(detail) = self.detail.as_object_mut() {
            detail.insert(key.into(), value);
        }
    }

    /// Why, as the person wrote it (cancelling, postponing).
    fn reason(&mut self, reason: Option<String>) {
        self.put("reason", json!(reason));
        self.change.reason = reason;
    }

    /// Moves the meeting to a new time (from [`new_time`]).
    fn retime(&mut self, (starts_at, ends_at, reply_due_at): (i64, i64, Option<i64>)) {
        self.change.starts_at = Some(starts_at);
        self.change.ends_at = Some(ends_at);
        self.change.reply_due_at = Some(reply_due_at);
        self.updated.starts_at = starts_at;
        self.updated.ends_at = ends_at;
        self.updated.reply_due_at = reply_due_at;
        self.put("starts_at", json!(starts_at));
        self.put("ends_at", json!(ends_at));
        self.put("reply_due_at", json!(reply_due_at));
        self.put("previous_starts_at", json!(self.before.starts_at));
    }

    /// The notice `command` sends to every invited body (签收), and for a notice or a
    /// postponement the reminders of the new time.
    async fn notify(
        &mut self,
        services: &Services,
        caller: &Caller,
        command: MeetingCommand,
    ) -> Result<(), Error> {
        let (notice_id, notice) = meeting_notice(
            services,
            caller,
            self.now,
            &self.updated,
            command,
            self.change.reason.as_deref(),
            invitee_ids(self.before),
        )
        .await?;
        self.put("notice_id", json!(notice_id));
        self.effects.merge(notice);
        if command != MeetingCommand::Cancel {
            let calendar = services.calendar.get();
            let jobs = schedule::for_meeting(&calendar, &self.updated, self.now);
            self.effects.jobs.extend(jobs);
        }
        Ok(())
    }

    /// The change and its effects, the audit row last.
    fn finish(mut self, caller: &Caller, command: MeetingCommand) -> (MeetingChange, Effects) {
        let action = match command {
            MeetingCommand::IssueNotice => "meeting_notice_issued",
            MeetingCommand::Start => "meeting_started",
            MeetingCommand::End => "meeting_ended",
            MeetingCommand::Postpone => "meeting_postponed",
            MeetingCommand::Cancel => "meeting_cancelled",
            MeetingCommand::Close => "meeting_closed",
        };
        let target = subject(&self.before.id);
        let audit = audit(caller, self.now, action, target, self.detail);
        self.effects.audit.push(audit);
        (self.change, self.effects)
    }
}

/// An invited body confirms (naming who attends), delegates (naming the substitute) or
/// declines (saying why); the convener is told.
pub async fn answer(
    services: &Services,
    caller: &Caller,
    id: &str,
    org_id: &str,
    answer: Answer,
) -> Result<InvitationBody, Error> {
    let (meeting, party) = writable(services, caller, id).await?;
    let invitation = meeting.invitation(org_id).ok_or_else(not_invited)?;
    let own = own_org(caller, "answer an invitation")?;
    if party == MeetingParty::Invitee && own != org_id {
        return Err(Error::Denied(
            "only the invited body itself may answer its invitation".into(),
        ));
    }
    let to = rules::answer_invitation(meeting.state, party, answer.answer())?;
    let (attendee, delegate, reason) = match answer {
        Answer::Confirm { attendee } => (Some(attendee.into_string()), None, None),
        Answer::Delegate { delegate } => (None, Some(delegate.into_string()), None),
        Answer::Decline { reason } => (None, None, Some(reason.into_string())),
    };
    let now = services.clock.now_ms();
    let reply = InvitationReply {
        meeting_id: meeting.id.clone(),
        org_id: org_id.to_owned(),
        meeting_state: meeting.state,
        state: to,
        attendee: attendee.clone(),
        delegate: delegate.clone(),
        reason: reason.clone(),
        by: caller.actor.user_id.clone(),
        at: now,
    };
    let target = subject(&meeting.id);
    let answered = json!({
        "org_id": org_id,
        "org_name": invitation.org_name,
        "from": invitation.state.as_str(),
        "to": to.as_str(),
        "attendee": attendee,
        "delegate": delegate,
        "reason": reason,
    });
    let effects = Effects {
        events: vec![NewEvent {
            audience: Audience::Org(meeting.convener_org_id.clone()),
            kind: "meeting.invitation_answered".into(),
            subject: target.clone(),
            payload: event_payload(&meeting, answered.clone()),
        }],
        audit: vec![audit(
            caller,
            now,
            "meeting_invitation_answered",
            target.clone(),
            answered,
        )],
        ..Effects::default()
    };
    // One notice, one answer: the body's own person answering (only the invited body itself
    // may) acknowledges (签收) the meeting's notices to the body, in the same write.
    let mut effects = effects;
    effects.merge(super::notices::acknowledge_about(services, caller, &target, org_id, now).await?);
    let invitation = services.db.answer_invitation(&reply, &effects).await?;
    services.wake();
    Ok(invitation_body(invitation, meeting.state, true))
}

/// The convener records whether an invited body attended (签到).
pub async fn check_in(
    services: &Services,
    caller: &Caller,
    id: &str,
    input: CheckInInput,
) -> Result<InvitationBody, Error> {
    let (meeting, party) = writable(services, caller, id).await?;
    let invitation = meeting.invitation(&input.org_id).ok_or_else(not_invited)?;
    rules::may_check_in(meeting.state, party)?;
    let now = services.clock.now_ms();
    let effects = Effects {
        audit: vec![audit(
            caller,
            now,
            "meeting_checked_in",
            subject(&meeting.id),
            json!({
                "org_id": invitation.org_id,
                "attendance": input.attendance,
                "previous": invitation.attendance,
            }),
        )],
        ..Effects::default()
    };
    let invitation = services
        .db
        .check_in(
            &meeting.id,
            meeting.state,
            &input.org_id,
            input.attendance,
            &caller.actor.user_id,
            now,
            &effects,
        )
        .await?;
    Ok(invitation_body(invitation, meeting.state, false))
}

/// Invites one more body; once the notice is out, it gets the notice too.
pub async fn invite(
    services: &Services,
    caller: &Caller,
    id: &str,
    input: AddInvitee,
) -> Result<MeetingBody, Error> {
    let (meeting, party) = writable(services, caller, id).await?;
    rules::may_change_invitees(meeting.state, party)?;
    same_revision(&meeting, input.revision)?;
    let role = invited_role(input.role)?;
    if input.org_id == meeting.convener_org_id {
        return Err(Error::invalid(
            "invited",
            &crate::domain::phrases::MEETING_CONVENER_NOT_INVITED,
        ));
    }
    if meeting.invitation(&input.org_id).is_some() {
        return Err(Error::refused(
            "this organization is already invited to the meeting",
        ));
    }
    if services.db.org(&input.org_id).await?.is_none() {
        return Err(Error::invalid(
            "org_id",
            crate::domain::phrases::ORG_ID_UNKNOWN
                .with("field", "org_id")
                .with("id", format!("{:?}", input.org_id)),
        ));
    }
    let now = services.clock.now_ms();
    let mut effects = Effects::default();
    if meeting.state == MeetingState::Scheduled {
        effects.merge(
            meeting_notice(
                services,
                caller,
                now,
                &meeting,
                MeetingCommand::IssueNotice,
                None,
                vec![input.org_id.clone()],
            )
            .await?
            .1,
        );
    }
    effects.audit.push(audit(
        caller,
        now,
        "meeting_invitee_added",
        subject(&meeting.id),
        json!({ "org_id": input.org_id, "role": role }),
    ));
    let invitee = Invitee {
        org_id: input.org_id,
        role,
    };
    let updated = services
        .db
        .add_invitee(&meeting.id, meeting.revision, &invitee, now, &effects)
        .await?;
    services.wake();
    services.access.announce(AccessChange {
        space_id: Some(meeting.id.clone()),
        ..AccessChange::default()
    });
    Ok(body(updated, party, caller))
}

/// Withdraws a body's invitation; once the notice is out, the body is told.
pub async fn uninvite(
    services: &Services,
    caller: &Caller,
    id: &str,
    org_id: &str,
    revision: i64,
) -> Result<MeetingBody, Error> {
    let (meeting, party) = writable(services, caller, id).await?;
    rules::may_change_invitees(meeting.state, party)?;
    same_revision(&meeting, revision)?;
    let invitation = meeting.invitation(org_id).ok_or_else(not_invited)?;
    let now = services.clock.now_ms();
    let target = subject(&meeting.id);
    let mut effects = Effects::default();
    if meeting.state == MeetingState::Scheduled {
        effects.events.push(NewEvent {
            audience: Audience::Org(org_id.to_owned()),
            kind: "meeting.invitation_withdrawn".into(),
            subject: target.clone(),
            payload: event_payload(&meeting, json!({ "org_id": org_id })),
        });
    }
    effects.audit.push(audit(
        caller,
        now,
        "meeting_invitee_removed",
        target,
        json!({ "org_id": org_id, "role": invitation.role, "state": invitation.state }),
    ));
    let updated = services
        .db
        .remove_invitee(&meeting.id, meeting.revision, org_id, now, &effects)
        .await?;
    services.wake();
    services.access.announce(AccessChange {
        space_id: Some(meeting.id.clone()),
        ..AccessChange::default()
    });
    Ok(body(updated, party, caller))
}

/// Proposes an agenda item: the convener's is accepted at once; a participant's waits for the
/// convener, who is told.
pub async fn propose(
    services: &Services,
    caller: &Caller,
    id: &str,
    input: ProposeInput,
) -> Result<AgendaItemBody, Error> {
    let (meeting, party) = writable(services, caller, id).await?;
    let own = own_org(caller, "propose an agenda item")?;
    let role = match party {
        MeetingParty::Convener => Some(SpaceRole::Convener),
        _ => meeting.invitation(own).map(|i| i.role),
    };
    let item_state = rules::propose_agenda_item(meeting.state, party, role)?;
    let title = input.title.into_string();
    let note = input.note.map(Note::into_string).unwrap_or_default();
    let now = services.clock.now_ms();
    let new = NewAgendaItem {
        id: new_id(),
        meeting_id: meeting.id.clone(),
        meeting_state: meeting.state,
        title,
        note,
        proposed_by: caller.actor.user_id.clone(),
        proposed_by_org_id: own.to_owned(),
        state: item_state,
        at: now,
    };
    let target = subject(&meeting.id);
    let detail = json!({ "item_id": new.id, "title": new.title, "state": item_state });
    let mut effects = Effects::default();
    if item_state == AgendaState::Proposed {
        effects.events.push(NewEvent {
            audience: Audience::Org(meeting.convener_org_id.clone()),
            kind: "meeting.agenda_proposed".into(),
            subject: target.clone(),
            payload: event_payload(
                &meeting,
                json!({ "item_id": new.id, "item_title": new.title, "proposed_by_org_id": own }),
            ),
        });
    }
    effects.audit.push(audit(
        caller,
        now,
        "meeting_agenda_proposed",
        target,
        detail,
    ));
    let item = services.db.add_agenda_item(&new, &effects).await?;
    services.wake();
    Ok(item.into())
}

async fn agenda_item(
    services: &Services,
    meeting_id: &str,
    item: &str,
) -> Result<AgendaItem, Error> {
    services
        .db
        .agenda_item(meeting_id, item)
        .await?
        .ok_or_else(|| Error::NotFound(crate::domain::phrases::NO_SUCH_AGENDA_ITEM.message()))
}

/// The convener accepts or rejects a proposed item; the proposing body is told.
pub async fn decide(
    services: &Services,
    caller: &Caller,
    id: &str,
    item_id: &str,
    input: AgendaDecisionInput,
) -> Result<AgendaItemBody, Error> {
    let (meeting, party) = writable(services, caller, id).await?;
    let item = agenda_item(services, &meeting.id, item_id).await?;
    let to = rules::decide_agenda_item(meeting.state, party, item.state, input.accept)?;
    let note = input.note.map(Note::into_string);
    let now = services.clock.now_ms();
    let target = subject(&meeting.id);
    let detail = json!({
        "item_id": item.id,
        "title": item.title,
        "from": item.state,
        "to": to,
        "note": note,
    });
    let effects = Effects {
        events: vec![NewEvent {
            audience: Audience::Org(item.proposed_by_org_id.clone()),
            kind: "meeting.agenda_decided".into(),
            subject: target.clone(),
            payload: event_payload(
                &meeting,
                json!({ "item_id": item.id, "item_title": item.title, "state": to, "note": note }),
            ),
        }],
        audit: vec![audit(caller, now, "meeting_agenda_decided", target, detail)],
        ..Effects::default()
    };
    let change = AgendaChange::Decide { state: to, note };
    let item = services
        .db
        .change_agenda_item(
            &meeting.id,
            meeting.state,
            &item.id,
            item.state,
            &change,
            &caller.actor.user_id,
            now,
            &effects,
        )
        .await?;
    services.wake();
    Ok(item.into())
}

/// The convener records (or corrects) what came of an accepted item.
pub async fn record_outcome(
    services: &Services,
    caller: &Caller,
    id: &str,
    item_id: &str,
    input: OutcomeInput,
) -> Result<AgendaItemBody, Error> {
    let (meeting, party) = writable(services, caller, id).await?;
    let item = agenda_item(services, &meeting.id, item_id).await?;
    rules::may_record_outcome(meeting.state, party, item.state)?;
    let note = input.note.map(Note::into_string);
    let now = services.clock.now_ms();
    let effects = Effects {
        audit: vec![audit(
            caller,
            now,
            "meeting_agenda_outcome",
            subject(&meeting.id),
            json!({
                "item_id": item.id,
                "title": item.title,
                "outcome": input.outcome,
                "previous": item.outcome,
                "note": note,
            }),
        )],
        ..Effects::default()
    };
    let change = AgendaChange::Outcome {
        outcome: input.outcome,
        note,
    };
    let item = services
        .db
        .change_agenda_item(
            &meeting.id,
            meeting.state,
            &item.id,
            item.state,
            &change,
            &caller.actor.user_id,
            now,
            &effects,
        )
        .await?;
    Ok(item.into())
}

/// The meeting as an RFC 5545 calendar (`METHOD:PUBLISH`, one `VEVENT`): its UID never
/// changes, its `SEQUENCE` is the meeting's revision, times are UTC, and a cancelled meeting
/// is `STATUS:CANCELLED` (a draft `TENTATIVE`, anything else `CONFIRMED`).
pub async fn calendar(services: &Services, caller: &Caller, id: &str) -> Result<String, Error> {
    let (meeting, _) = readable(services, caller, id).await?;
    Ok(icalendar_text(&meeting))
}

/// An instant as an RFC 5545 UTC date-time, `20260302T013000Z`.
fn ical_utc(ms: i64) -> String {
    let format = format_description!("[year][month][day]T[hour][minute][second]Z");
    time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

/// The calendar text of a meeting (see [`calendar`]). Pure, so it is the same bytes for the
/// same meeting revision.
pub fn icalendar_text(meeting: &Meeting) -> String {
    use icalendar::{Calendar, Component, Event, EventLike, EventStatus, Property};

    let status = match meeting.state {
        MeetingState::Cancelled => EventStatus::Cancelled,
        MeetingState::Draft => EventStatus::Tentative,
        _ => EventStatus::Confirmed,
    };
    let mut description = format!(
        "{}（{}）\n召集单位：{}",
        meeting.kind.label_zh(),
        meeting.kind.label_en(),
        meeting.convener_name
    );
    if let Some(link) = &meeting.online_link {
        description.push_str(&format!("\n线上会议：{link}"));
    }
    if meeting.state == MeetingState::Cancelled {
        if let Some(reason) = &meeting.reason {
            description.push_str(&format!("\n取消原因：{reason}"));
        }
    }
    let mut event = Event::new();
    event
        .uid(&format!("meeting-{}@concord", meeting.id))
        .sequence(u32::try_from(meeting.revision).unwrap_or(u32::MAX))
        .summary(&meeting.title)
        .description(&description)
        .status(status)
        .add_property("DTSTAMP", ical_utc(meeting.updated_at))
        .add_property("LAST-MODIFIED", ical_utc(meeting.updated_at))
        .add_property("CREATED", ical_utc(meeting.created_at))
        .add_property("DTSTART", ical_utc(meeting.starts_at))
        .add_property("DTEND", ical_utc(meeting.ends_at));
    if let Some(place) = &meeting.place {
        event.location(place);
    }
    if let Some(link) = &meeting.online_link {
        event.url(link);
    }
    let mut calendar = Calendar::empty();
    calendar
        .append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new("PRODID", "-//concord//meetings//ZH"))
        .append_property(Property::new("CALSCALE", "GREGORIAN"))
        .append_property(Property::new("METHOD", "PUBLISH"))
        .push(event.done());
    calendar.to_string()
}

/// The annual status the caller may see: a judicial bureau sees the bureaus of its region and
/// below, an operator every bureau.
pub async fn annual_status(
    services: &Services,
    caller: &Caller,
    year: Option<i32>,
) -> Result<AnnualStatusBody, Error> {
    caller.allow(&services.db, Action::ReadAnnualStatus).await?;
    let now = services.clock.now_ms();
    let year = checked_year(year, now)?;
    let operator = caller.actor.operator && matches!(caller.actor.via, Credential::Session { .. });
    let scope = match &caller.org {
        Some(org) if !operator => Some(&org.region_path),
        _ => None,
    };
    let due = services.settings.annual_meeting_due;
    let report = annual_report(&services.db, year, now, due, scope).await?;
    Ok(report.into())
}

/// The year asked for, or the current one in office time; between 2000 and 2100.
pub fn checked_year(year: Option<i32>, now: i64) -> Result<i32, Error> {
    let year = match year {
        Some(year) => year,
        None => crate::domain::calendar::local_date(now)
            .map(|d| d.year())
            .unwrap_or(2000),
    };
    if !(2000..=2100).contains(&year) {
        return Err(Error::invalid(
            "year",
            crate::domain::phrases::YEAR_BETWEEN
                .with("min", 2000)
                .with("max", 2100),
        ));
    }
    Ok(year)
}

/// Every judicial bureau (of `scope` and below, or all) with its annual meeting status for
/// `year`: held, scheduled or none, flagged when none is scheduled once the due day of that
/// year has passed. By region, then code. Shared by the API and `concord admin
/// annual-report`.
pub async fn annual_report(
    db: &Db,
    year: i32,
    now: i64,
    due: MonthDay,
    scope: Option<&RegionPath>,
) -> Result<AnnualReport, DbError> {
    let (from, to) = rules::year_range_ms(year).unwrap_or((0, 0));
    let deadline = due.deadline_ms(year).unwrap_or(i64::MAX);
    let due_date = due.in_year(year).map(|d| d.to_string()).unwrap_or_default();
    let meetings = db.annual_meetings(from, to).await?;
    let lines = db
        .orgs()
        .await?
        .into_iter()
        .filter(|org| org.kind == OrgKind::JudicialBureau)
        .filter(|org| scope.is_none_or(|path| path.covers(&org.region_path)))
        .map(|org| {
            let status = rules::annual_status(
                meetings
                    .iter()
                    .filter(|(convener, _)| *convener == org.id)
                    .map(|(_, services)| *services),
            );
            let flagged = rules::annual_flagged(status, now, deadline);
            AnnualLine {
                org,
                status,
                flagged,
            }
        })
        .collect();
    Ok(AnnualReport {
        year,
        due,
        due_date,
        lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::org::RegionCode;

    fn meeting(state: MeetingState) -> Meeting {
        Meeting {
            id: "m1".into(),
            kind: MeetingKind::Annual,
            title: "2026年度行政执法协调会议, 第一次; 全体".into(),
            convener_org_id: "bureau".into(),
            convener_name: "上城区司法局".into(),
            region: RegionCode::parse("330102").unwrap(),
            region_path: RegionPath("/330000/330100/330102/".into()),
            starts_at: 1_772_415_000_000,
            ends_at: 1_772_422_200_000,
            place: Some("区政府3号会议室".into()),
            online_link: None,
            reply_due_at: Some(1_772_200_000_000),
            state,
            revision: 3,
            minutes_doc_id: "d1".into(),
            reason: None,
            started_at: None,
            ended_at: None,
            dispute_id: None,
            created_by: "u".into(),
            created_at: 1_772_000_000_000,
            updated_at: 1_772_100_000_000,
            invitations: Vec::new(),
            members: Vec::new(),
        }
    }

    #[test]
    fn the_calendar_entry_escapes_text_and_carries_uid_sequence_and_status() {
        let text = icalendar_text(&meeting(MeetingState::Scheduled));
        assert!(text.starts_with("BEGIN:VCALENDAR\r\n"), "{text}");
        assert!(text.contains("METHOD:PUBLISH\r\n"), "{text}");
        assert!(text.contains("UID:meeting-m1@concord\r\n"), "{text}");
        assert!(text.contains("SEQUENCE:3\r\n"), "{text}");
        assert!(text.contains("STATUS:CONFIRMED\r\n"), "{text}");
        assert!(text.contains("DTSTART:20260302T013000Z\r\n"), "{text}");
        assert!(text.contains("第一次\\; 全体"), "{text}");
        assert!(text.contains("会议\\, 第一次"), "{text}");
        assert!(text.ends_with("END:VCALENDAR\r\n"), "{text}");
        let cancelled = icalendar_text(&meeting(MeetingState::Cancelled));
        assert!(cancelled.contains("STATUS:CANCELLED\r\n"), "{cancelled}");
        // Same meeting, same revision: the same bytes.
        assert_eq!(text, icalendar_text(&meeting(MeetingState::Scheduled)));
    }

    #[test]
    fn a_notice_names_the_time_in_office_time_and_the_reply_deadline() {
        let (title, body) = notice_text(
            &meeting(MeetingState::Scheduled),
            MeetingCommand::IssueNotice,
            None,
        );
        assert!(title.starts_with("会议通知：2026年度"), "{title}");
        assert!(
            body.contains("时间：2026年3月2日 9:30—11:30（北京时间）"),
            "{body}"
        );
        assert!(body.contains("地点：区政府3号会议室"), "{body}");
        assert!(body.contains("请于2026年2月27日 "), "{body}");
        let (title, body) = notice_text(
            &meeting(MeetingState::Scheduled),
            MeetingCommand::Cancel,
            Some("议题已另行协调"),
        );
        assert!(title.starts_with("会议取消通知："), "{title}");
        assert!(body.ends_with("原因：议题已另行协调"), "{body}");
        let long = "长".repeat(MAX_TITLE_CHARS);
        assert_eq!(
            notice_title("会议通知：", &long).chars().count(),
            MAX_TITLE_CHARS
        );
    }

    #[test]
    fn a_meeting_time_lies_ahead_ends_after_it_starts_and_lasts_at_most_a_week() {
        let now = 1_000;
        assert!(checked_times(now, now + 10, now).is_err());
        assert!(checked_times(now + 10, now + 10, now).is_err());
        assert!(checked_times(now + 10, now + 10 + MAX_DURATION_MS + 1, now).is_err());
        assert!(checked_times(now + 10, now + 10 + MAX_DURATION_MS, now).is_ok());
        assert!(checked_reply_due(Some(now), now + 10, now).is_err());
        assert!(checked_reply_due(Some(now + 11), now + 10, now).is_err());
        assert!(checked_reply_due(Some(now + 10), now + 10, now).is_ok());
    }

    #[test]
    fn a_venue_is_a_place_or_a_web_address() {
        assert!(checked_venue(None, None).is_err());
        let place = Line::parse("place", " 3号会议室 ").unwrap();
        let link = WebLink::try_from("https://meet.example.gov.cn/1".to_owned()).unwrap();
        assert_eq!(
            checked_venue(Some(place), Some(link)).unwrap(),
            (
                Some("3号会议室".into()),
                Some("https://meet.example.gov.cn/1".into())
            )
        );
    }
}
