//! Meetings (协调会议 / 会商 / 联席会议): the meeting, invitation and agenda machines of
//! WORKFLOWS.md as pure transition functions.
//!
//! A meeting is convened by one body (召集单位, the convener) and attended by the bodies it
//! invites. Its life, and who moves it:
//!
//! ```text
//! draft ──issue_notice──▶ scheduled ──start──▶ in_progress ──end──▶ ended ──close (system)──▶ closed
//!   │                      │  ▲ postpone (a new time; everyone is notified again)
//!   │                      └──┘
//!   └──cancel (a reason)──▶ cancelled ◀──cancel (a reason)── scheduled
//! ```
//!
//! Every command but `close` is the convener's. `close` is the system's: the minutes code
//! closes an ended meeting in the write that turns the agreed items (议定事项) of its signed
//! minutes into tasks. Closed and cancelled are final.
//!
//! Each invited body has an invitation (参会回执) that moves `pending → confirmed` (naming who
//! attends) `| delegated` (naming the substitute 代参会人) `| declined` (with a reason). A body
//! may change its answer until the meeting starts; a postponement asks every body anew. At the
//! meeting the convener records who came (签到: attended / absent).
//!
//! Agenda items (议题) are proposed by the convener and the invited participants before the
//! meeting starts; the convener accepts or rejects them (its own are accepted at once), and
//! after the meeting has started records each accepted item's outcome: information (通报),
//! decision (决定) or task (交办).
//!
//! Every refusal names the rule in a sentence for a person; this module decides only, and
//! never reads the database or the clock: the caller brings the state, the party and the time.

use std::fmt;
use std::str::FromStr;

use time::{Date, Month};

use super::calendar::end_of_day_ms;
use super::command::{commands, CommandShape};
pub use super::kernel::Refused;
use super::kernel::{self, Workflow};
use super::message::Phrase;
use super::org::{labelled_enum, Invalid, OrgKind, SpaceRole};
use super::phrases::{self, catalogue};
use super::text::{Line, Note};

labelled_enum! {
    /// What kind of meeting it is.
    pub enum MeetingKind {
        /// 年度协调会议: the judicial bureau's meeting every calendar year; only a judicial
        /// bureau convenes one.
        Annual = ("annual", "年度协调会议", "Annual coordination meeting"),
        /// 会商: a consultation on a matter several bodies share.
        Consultation = ("consultation", "会商", "Consultation"),
        /// 案件会商: a consultation on one case.
        CaseConsultation = ("case_consultation", "案件会商", "Case consultation"),
        /// 联席会议: the bureau with other offices (staffing, finance).
        Joint = ("joint", "联席会议", "Joint meeting"),
    }
}

labelled_enum! {
    /// Where a meeting is in its life.
    pub enum MeetingState {
        /// 草稿: being prepared by the convener; nobody has been notified.
        Draft = ("draft", "草稿", "Draft"),
        /// 已通知: the notice went out; invited bodies answer.
        Scheduled = ("scheduled", "已通知", "Scheduled"),
        /// 进行中.
        InProgress = ("in_progress", "进行中", "In progress"),
        /// 已结束: the minutes are being written and signed.
        Ended = ("ended", "已结束", "Ended"),
        /// 已办结: the signed minutes made their agreed items into tasks.
        Closed = ("closed", "已办结", "Closed"),
        /// 已取消.
        Cancelled = ("cancelled", "已取消", "Cancelled"),
    }
}

labelled_enum! {
    /// Who gives a meeting command.
    pub enum MeetingParty {
        /// 召集单位.
        Convener = ("convener", "召集单位", "Convening body"),
        /// 受邀单位: an invited participant or observer.
        Invitee = ("invitee", "受邀单位", "Invited body"),
        /// 监督机关: the judicial bureau supervising the meeting's region, read-only.
        Supervisor = ("supervisor", "监督机关", "Supervising bureau"),
        /// The server itself: the minutes code closing a meeting.
        System = ("system", "系统", "System"),
    }
}

labelled_enum! {
    /// What is asked of a meeting.
    pub enum MeetingCommand {
        /// 发出会议通知: the invited bodies are notified and asked to answer.
        IssueNotice = ("issue_notice", "发出会议通知", "Issue the notice"),
        Start = ("start", "开始会议", "Start"),
        End = ("end", "结束会议", "End"),
        /// 延期: a new time; every body is notified again and answers anew.
        Postpone = ("postpone", "延期", "Postpone"),
        /// 取消: needs a reason.
        Cancel = ("cancel", "取消会议", "Cancel"),
        /// 办结: the system, once signed minutes made their tasks.
        Close = ("close", "办结", "Close"),
    }
}

labelled_enum! {
    /// An invited body's answer (参会回执).
    pub enum InvitationState {
        /// 待回复.
        Pending = ("pending", "待回复", "Pending"),
        /// 确认参会: names who attends.
        Confirmed = ("confirmed", "确认参会", "Confirmed"),
        /// 委托参会: names the substitute who attends instead.
        Delegated = ("delegated", "委托参会", "Delegated"),
        /// 不参会: with a reason.
        Declined = ("declined", "不参会", "Declined"),
    }
}

labelled_enum! {
    /// What an invited body answers.
    pub enum InvitationAnswer {
        Confirm = ("confirm", "确认参会", "Confirm"),
        Delegate = ("delegate", "委托参会", "Delegate"),
        Decline = ("decline", "不参会", "Decline"),
    }
}

labelled_enum! {
    /// Whether a body was at the meeting (签到).
    pub enum Attendance {
        Attended = ("attended", "出席", "Attended"),
        Absent = ("absent", "缺席", "Absent"),
    }
}

labelled_enum! {
    /// Where an agenda item (议题) is.
    pub enum AgendaState {
        /// 待审: proposed by a participant, waiting for the convener.
        Proposed = ("proposed", "待审", "Proposed"),
        /// 已列入.
        Accepted = ("accepted", "已列入", "Accepted"),
        /// 未列入.
        Rejected = ("rejected", "未列入", "Rejected"),
    }
}

labelled_enum! {
    /// What came of an agenda item at the meeting.
    pub enum AgendaOutcome {
        /// 通报: heard for information.
        Information = ("information", "通报", "Information"),
        /// 决定: decided.
        Decision = ("decision", "决定", "Decision"),
        /// 交办: made into a task (through the agreed items of the minutes).
        Task = ("task", "交办", "Task"),
    }
}

impl MeetingState {
    /// Closed or cancelled: nothing more can happen.
    pub fn is_final(self) -> bool {
        matches!(self, MeetingState::Closed | MeetingState::Cancelled)
    }

    /// Whether the meeting counts as held (开过): it started.
    pub fn was_held(self) -> bool {
        matches!(
            self,
            MeetingState::InProgress | MeetingState::Ended | MeetingState::Closed
        )
    }

    /// Before the meeting starts: the time, the invitees and the agenda may still change.
    pub fn before_start(self) -> bool {
        matches!(self, MeetingState::Draft | MeetingState::Scheduled)
    }
}

impl MeetingCommand {
    /// The only party that may give this command.
    pub fn party(self) -> MeetingParty {
        match self {
            MeetingCommand::Close => MeetingParty::System,
            _ => MeetingParty::Convener,
        }
    }

    fn wrong_party(self) -> &'static Phrase {
        match self {
            MeetingCommand::IssueNotice => &ISSUE_NOTICE_BY_CONVENER,
            MeetingCommand::Start => &START_BY_CONVENER,
            MeetingCommand::End => &END_BY_CONVENER,
            MeetingCommand::Postpone => &POSTPONE_BY_CONVENER,
            MeetingCommand::Cancel => &CANCEL_BY_CONVENER,
            MeetingCommand::Close => &CLOSED_BY_MINUTES,
        }
    }

    /// The refusal in a state that does not allow the command, ending with the state.
    fn wrong_state(self, state: MeetingState) -> Refused {
        let rule = match self {
            MeetingCommand::IssueNotice => &ISSUE_NOTICE_WHILE_DRAFT,
            MeetingCommand::Start => &START_WHEN_SCHEDULED,
            MeetingCommand::End => &END_WHILE_IN_PROGRESS,
            MeetingCommand::Postpone => &POSTPONE_WHEN_SCHEDULED,
            MeetingCommand::Cancel => &CANCEL_BEFORE_START,
            MeetingCommand::Close => &CLOSE_WHEN_ENDED,
        };
        Refused::in_state(rule, state)
    }
}

/// Why nothing more can happen to a meeting in a final state.
fn final_rule(state: MeetingState) -> Option<&'static Phrase> {
    match state {
        MeetingState::Closed => Some(&CLOSED_IS_FINAL),
        MeetingState::Cancelled => Some(&CANCELLED_IS_FINAL),
        _ => None,
    }
}

catalogue! { RULES:
    ISSUE_NOTICE_BY_CONVENER = "meeting.issue_notice_by_convener",
        "只有召集单位可以发出会议通知",
        "only the convening body may issue a meeting's notice (issue_notice)";
    START_BY_CONVENER = "meeting.start_by_convener",
        "只有召集单位可以开始会议",
        "only the convening body may start a meeting";
    END_BY_CONVENER = "meeting.end_by_convener",
        "只有召集单位可以结束会议",
        "only the convening body may end a meeting";
    POSTPONE_BY_CONVENER = "meeting.postpone_by_convener",
        "只有召集单位可以将会议延期",
        "only the convening body may postpone a meeting";
    CANCEL_BY_CONVENER = "meeting.cancel_by_convener",
        "只有召集单位可以取消会议",
        "only the convening body may cancel a meeting";
    CLOSED_BY_MINUTES = "meeting.closed_by_minutes",
        "会议只能在纪要签署完毕、议定事项转为任务后由系统办结",
        "a meeting is closed only by its signed minutes, once their agreed items became tasks";
    ISSUE_NOTICE_WHILE_DRAFT = "meeting.issue_notice_while_draft",
        "只有草稿状态的会议可以发出会议通知（当前为{now}）",
        "a meeting's notice can be issued only while it is a draft; it is now {now}";
    START_WHEN_SCHEDULED = "meeting.start_when_scheduled",
        "会议通知发出后（已通知）才能开始会议（当前为{now}）",
        "a meeting can start only after its notice was issued (scheduled); it is now {now}";
    END_WHILE_IN_PROGRESS = "meeting.end_while_in_progress",
        "只有进行中的会议可以结束（当前为{now}）",
        "a meeting can end only while it is in_progress; it is now {now}";
    POSTPONE_WHEN_SCHEDULED = "meeting.postpone_when_scheduled",
        "会议只能在通知发出后、开始之前延期（已通知；当前为{now}）",
        "a meeting can be postponed only after its notice was issued and before it starts (scheduled); it is now {now}";
    CANCEL_BEFORE_START = "meeting.cancel_before_start",
        "会议只能在开始之前取消（草稿或已通知；当前为{now}）",
        "a meeting can be cancelled only before it starts (draft or scheduled); it is now {now}";
    CLOSE_WHEN_ENDED = "meeting.close_when_ended",
        "会议结束后才能办结（当前为{now}）",
        "a meeting can be closed only after it ended; it is now {now}";
    CLOSED_IS_FINAL = "meeting.closed_is_final",
        "会议已办结，不能再进行任何操作",
        "a closed meeting is final: nothing more can be done to it";
    CANCELLED_IS_FINAL = "meeting.cancelled_is_final",
        "会议已取消，不能再进行任何操作",
        "a cancelled meeting is final: nothing more can be done to it";
    ANSWER_BY_INVITEE = "meeting.answer_by_invitee",
        "只有受邀单位本身可以回复其参会邀请",
        "only the invited body itself may answer its invitation";
    ANSWER_AFTER_NOTICE = "meeting.answer_after_notice",
        "参会邀请只能在会议通知发出后、会议开始之前回复",
        "an invitation can be answered only after the meeting's notice was issued and before the meeting starts (scheduled)";
    CHECK_IN_BY_CONVENER = "meeting.check_in_by_convener",
        "只有召集单位可以登记签到情况",
        "only the convening body records who attended (签到)";
    CHECK_IN_ONCE_STARTED = "meeting.check_in_once_started",
        "会议开始后（进行中或已结束）才能登记签到情况",
        "attendance is recorded only once the meeting has started (in_progress or ended)";
    INVITEES_BY_CONVENER = "meeting.invitees_by_convener",
        "只有召集单位可以邀请或移除参会单位",
        "only the convening body may invite or remove bodies";
    INVITEES_BEFORE_START = "meeting.invitees_before_start",
        "只有在会议开始之前（草稿或已通知）才能邀请或移除参会单位",
        "bodies can be invited or removed only before the meeting starts (draft or scheduled)";
    PROPOSE_BY_PARTICIPANT = "meeting.propose_by_participant",
        "只有召集单位和受邀参会单位可以提出议题；列席和监督单位只能查看",
        "only the convening body and invited participants may propose agenda items; observers and supervisors read";
    PROPOSE_BEFORE_START = "meeting.propose_before_start",
        "只有在会议开始之前（草稿或已通知）才能提出议题",
        "agenda items can be proposed only before the meeting starts (draft or scheduled)";
    DECIDE_BY_CONVENER = "meeting.decide_by_convener",
        "只有召集单位可以采纳或不采纳议题",
        "only the convening body accepts or rejects agenda items";
    DECIDE_BEFORE_END = "meeting.decide_before_end",
        "议题只能在会议结束之前（草稿、已通知或进行中）采纳或不采纳",
        "agenda items can be accepted or rejected only until the meeting ends (draft, scheduled or in_progress)";
    DECIDE_ONCE = "meeting.decide_once",
        "该议题已被采纳或不采纳",
        "this agenda item was already accepted or rejected";
    OUTCOME_BY_CONVENER = "meeting.outcome_by_convener",
        "只有召集单位可以记录议题的结果",
        "only the convening body records an agenda item's outcome";
    OUTCOME_ONCE_STARTED = "meeting.outcome_once_started",
        "会议开始后（进行中或已结束）才能记录议题的结果",
        "an agenda item's outcome is recorded only once the meeting has started (in_progress or ended)";
    OUTCOME_OF_ACCEPTED = "meeting.outcome_of_accepted",
        "只有已采纳的议题才有结果",
        "only an accepted agenda item has an outcome";
    ANNUAL_BY_BUREAU = "meeting.annual_by_bureau",
        "年度协调会议由司法行政机关召集",
        "an annual coordination meeting (年度协调会议) is convened by a judicial bureau";
}

/// The one transition function: what `party` giving `command` to a meeting in `state` leads
/// to, or the rule that refuses it. Final states refuse everything; then the wrong party is
/// refused naming who may; then the wrong state naming the states it needs and the current one.
pub fn transition(
    state: MeetingState,
    party: MeetingParty,
    command: MeetingCommand,
) -> Result<MeetingState, Refused> {
    use MeetingCommand as C;
    use MeetingState as S;

    kernel::precheck(
        final_rule(state),
        party == command.party(),
        command.wrong_party(),
    )?;
    let next = match (state, command) {
        (S::Draft, C::IssueNotice) => S::Scheduled,
        (S::Scheduled, C::Start) => S::InProgress,
        (S::InProgress, C::End) => S::Ended,
        (S::Scheduled, C::Postpone) => S::Scheduled,
        (S::Draft | S::Scheduled, C::Cancel) => S::Cancelled,
        (S::Ended, C::Close) => S::Closed,
        _ => return Err(command.wrong_state(state)),
    };
    Ok(next)
}

/// The commands `party` may give to a meeting in `state` now, in [`MeetingCommand::ALL`]
/// order: what a page offers as buttons. Derived from [`transition`].
pub fn available_commands(state: MeetingState, party: MeetingParty) -> Vec<MeetingCommand> {
    kernel::allowed::<MeetingFlow>((), state, party)
}

commands! {
    /// A command on a meeting with exactly its fields (`POST /api/meetings/{id}/actions`,
    /// `{"command": "postpone", "revision": 2, "starts_at": …}`). Every command names the
    /// revision the caller read; a meeting changed since is refused (409). Times are Unix
    /// milliseconds.
    pub enum MeetingAction tagged "command" {
        /// 发出会议通知; a new time and reply deadline may be given with it.
        IssueNotice {
            revision: i64,
            #[serde(default)]
            starts_at: Option<i64>,
            #[serde(default)]
            ends_at: Option<i64>,
            #[serde(default)]
            reply_due_at: Option<i64>,
        },
        /// 开始会议.
        Start { revision: i64 },
        /// 结束会议.
        End { revision: i64 },
        /// 延期: the new start (a new start alone keeps the meeting's length), and why.
        Postpone {
            revision: i64,
            starts_at: i64,
            #[serde(default)]
            ends_at: Option<i64>,
            #[serde(default)]
            reply_due_at: Option<i64>,
            #[serde(default, deserialize_with = "crate::domain::text::optional")]
            reason: Option<Note>,
        },
        /// 取消会议: why.
        Cancel { revision: i64, reason: Note },
        /// 办结: the system's, once signed minutes made their tasks; refused to people.
        Close { revision: i64 },
    }
}

impl MeetingAction {
    /// Which command it is.
    pub fn command(&self) -> MeetingCommand {
        match self {
            MeetingAction::IssueNotice { .. } => MeetingCommand::IssueNotice,
            MeetingAction::Start { .. } => MeetingCommand::Start,
            MeetingAction::End { .. } => MeetingCommand::End,
            MeetingAction::Postpone { .. } => MeetingCommand::Postpone,
            MeetingAction::Cancel { .. } => MeetingCommand::Cancel,
            MeetingAction::Close { .. } => MeetingCommand::Close,
        }
    }

    /// The revision the caller read.
    pub fn revision(&self) -> i64 {
        match self {
            MeetingAction::IssueNotice { revision, .. }
            | MeetingAction::Start { revision }
            | MeetingAction::End { revision }
            | MeetingAction::Postpone { revision, .. }
            | MeetingAction::Cancel { revision, .. }
            | MeetingAction::Close { revision } => *revision,
        }
    }
}

impl CommandShape for MeetingAction {
    fn missing(command: &str, field: &str) -> Option<String> {
        match (command, field) {
            ("cancel", "reason") => Some("a reason is required to cancel a meeting".into()),
            ("postpone", "starts_at") => {
                Some("starts_at is required to postpone: give the new time".into())
            }
            _ => None,
        }
    }

    fn misplaced(_: &str, field: &str) -> Option<String> {
        match field {
            "reason" => Some("a reason is given only when postponing or cancelling".into()),
            "starts_at" | "ends_at" | "reply_due_at" => Some(
                "starts_at, ends_at and reply_due_at are given only when postponing or issuing the notice"
                    .into(),
            ),
            _ => None,
        }
    }
}

commands! {
    /// An invited body's answer (参会回执, `POST /api/meetings/{id}/invitations/{org_id}`,
    /// `{"answer": "confirm", "attendee": "张三"}`), with exactly the field it needs.
    pub enum Answer tagged "answer" {
        /// 确认参会: who attends.
        Confirm { attendee: Line },
        /// 委托参会: who attends instead.
        Delegate { delegate: Line },
        /// 不参会: why not.
        Decline { reason: Note },
    }
}

impl Answer {
    /// Which answer it is.
    pub fn answer(&self) -> InvitationAnswer {
        match self {
            Answer::Confirm { .. } => InvitationAnswer::Confirm,
            Answer::Delegate { .. } => InvitationAnswer::Delegate,
            Answer::Decline { .. } => InvitationAnswer::Decline,
        }
    }
}

impl CommandShape for Answer {
    fn missing(answer: &str, field: &str) -> Option<String> {
        Some(format!("{field} is required to {answer}"))
    }

    fn misplaced(_: &str, field: &str) -> Option<String> {
        let answer = match field {
            "attendee" => InvitationAnswer::Confirm,
            "delegate" => InvitationAnswer::Delegate,
            "reason" => InvitationAnswer::Decline,
            _ => return None,
        };
        Some(format!("{field} is given only with the answer {answer}"))
    }
}

/// The meeting as a [`Workflow`]: its states, parties, commands and [`transition`].
pub struct MeetingFlow;

impl Workflow for MeetingFlow {
    type State = MeetingState;
    type Party = MeetingParty;
    type Command = MeetingCommand;
    type Context = ();
    const PARTIES: &'static [MeetingParty] = MeetingParty::ALL;
    const CONTEXTS: &'static [()] = &[()];

    fn transition(
        _: (),
        state: MeetingState,
        party: MeetingParty,
        command: MeetingCommand,
    ) -> Result<MeetingState, Refused> {
        transition(state, party, command)
    }
}

/// What an invited body's answer leads to: only the body itself answers, only while the
/// meeting is scheduled; it may change an earlier answer until then. `party` is
/// [`MeetingParty::Invitee`] for the invited body itself (the caller checks that an invitee
/// answers its own invitation).
pub fn answer_invitation(
    meeting: MeetingState,
    party: MeetingParty,
    answer: InvitationAnswer,
) -> Result<InvitationState, Refused> {
    answer_rule(meeting, party == MeetingParty::Invitee, answer)
}

fn answer_rule(
    meeting: MeetingState,
    itself: bool,
    answer: InvitationAnswer,
) -> Result<InvitationState, Refused> {
    if let Some(rule) = final_rule(meeting) {
        return Err(Refused::by(rule));
    }
    if !itself {
        return Err(Refused::by(&ANSWER_BY_INVITEE));
    }
    if meeting != MeetingState::Scheduled {
        return Err(Refused::by(&ANSWER_AFTER_NOTICE));
    }
    Ok(match answer {
        InvitationAnswer::Confirm => InvitationState::Confirmed,
        InvitationAnswer::Delegate => InvitationState::Delegated,
        InvitationAnswer::Decline => InvitationState::Declined,
    })
}

/// An invitation (参会回执) as a [`Workflow`]: its states and the three answers, in the
/// context of the meeting's state. Its party is whether the caller's body is the invited one
/// (`true`): only that body answers, and it may change its answer while the meeting is
/// scheduled, whatever it answered before.
pub struct InvitationFlow;

impl Workflow for InvitationFlow {
    type State = InvitationState;
    type Party = bool;
    type Command = InvitationAnswer;
    type Context = MeetingState;
    const PARTIES: &'static [bool] = &[false, true];
    const CONTEXTS: &'static [MeetingState] = MeetingState::ALL;

    fn transition(
        meeting: MeetingState,
        _: InvitationState,
        itself: bool,
        answer: InvitationAnswer,
    ) -> Result<InvitationState, Refused> {
        answer_rule(meeting, itself, answer)
    }
}

/// Whether `party` may record attendance now: the convener, once the meeting has started and
/// until it is closed (a forgotten check-in can be put right after the end, before the minutes
/// are signed).
pub fn may_check_in(meeting: MeetingState, party: MeetingParty) -> Result<(), Refused> {
    if let Some(rule) = final_rule(meeting) {
        return Err(Refused::by(rule));
    }
    if party != MeetingParty::Convener {
        return Err(Refused::by(&CHECK_IN_BY_CONVENER));
    }
    if !matches!(meeting, MeetingState::InProgress | MeetingState::Ended) {
        return Err(Refused::by(&CHECK_IN_ONCE_STARTED));
    }
    Ok(())
}

/// Whether `party` may add or remove invited bodies now: the convener, before the start.
pub fn may_change_invitees(meeting: MeetingState, party: MeetingParty) -> Result<(), Refused> {
    if let Some(rule) = final_rule(meeting) {
        return Err(Refused::by(rule));
    }
    if party != MeetingParty::Convener {
        return Err(Refused::by(&INVITEES_BY_CONVENER));
    }
    if !meeting.before_start() {
        return Err(Refused::by(&INVITEES_BEFORE_START));
    }
    Ok(())
}

/// What proposing an agenda item leads to: the convener's own item is accepted at once; an
/// invited participant's (a member, not an observer) waits for the convener. Only before the
/// meeting starts.
pub fn propose_agenda_item(
    meeting: MeetingState,
    party: MeetingParty,
    role: Option<SpaceRole>,
) -> Result<AgendaState, Refused> {
    if let Some(rule) = final_rule(meeting) {
        return Err(Refused::by(rule));
    }
    let state = match (party, role) {
        (MeetingParty::Convener, _) => AgendaState::Accepted,
        (MeetingParty::Invitee, Some(SpaceRole::Member)) => AgendaState::Proposed,
        _ => return Err(Refused::by(&PROPOSE_BY_PARTICIPANT)),
    };
    if !meeting.before_start() {
        return Err(Refused::by(&PROPOSE_BEFORE_START));
    }
    Ok(state)
}

/// What the convener's decision on a proposed item leads to: until the meeting ends, once.
pub fn decide_agenda_item(
    meeting: MeetingState,
    party: MeetingParty,
    item: AgendaState,
    accept: bool,
) -> Result<AgendaState, Refused> {
    if let Some(rule) = final_rule(meeting) {
        return Err(Refused::by(rule));
    }
    if party != MeetingParty::Convener {
        return Err(Refused::by(&DECIDE_BY_CONVENER));
    }
    if !matches!(
        meeting,
        MeetingState::Draft | MeetingState::Scheduled | MeetingState::InProgress
    ) {
        return Err(Refused::by(&DECIDE_BEFORE_END));
    }
    if item != AgendaState::Proposed {
        return Err(Refused::by(&DECIDE_ONCE));
    }
    Ok(if accept {
        AgendaState::Accepted
    } else {
        AgendaState::Rejected
    })
}

/// Whether the convener may record (or correct) an accepted item's outcome now: once the
/// meeting has started and until it is closed.
pub fn may_record_outcome(
    meeting: MeetingState,
    party: MeetingParty,
    item: AgendaState,
) -> Result<(), Refused> {
    if let Some(rule) = final_rule(meeting) {
        return Err(Refused::by(rule));
    }
    if party != MeetingParty::Convener {
        return Err(Refused::by(&OUTCOME_BY_CONVENER));
    }
    if !matches!(meeting, MeetingState::InProgress | MeetingState::Ended) {
        return Err(Refused::by(&OUTCOME_ONCE_STARTED));
    }
    if item != AgendaState::Accepted {
        return Err(Refused::by(&OUTCOME_OF_ACCEPTED));
    }
    Ok(())
}

/// Whether a body of `convener` kind may convene a meeting of `kind`: the annual meeting is
/// the judicial bureau's; the others anyone's.
pub fn may_convene(kind: MeetingKind, convener: OrgKind) -> Result<(), Refused> {
    if kind == MeetingKind::Annual && convener != OrgKind::JudicialBureau {
        return Err(Refused::by(&ANNUAL_BY_BUREAU));
    }
    Ok(())
}

labelled_enum! {
    /// Where a judicial bureau stands with its annual meeting of one year.
    pub enum AnnualStatus {
        /// 已召开: an annual meeting of the year has started.
        Held = ("held", "已召开", "Held"),
        /// 已安排: one is scheduled (its notice issued), not yet started.
        Scheduled = ("scheduled", "已安排", "Scheduled"),
        /// 未安排.
        None = ("none", "未安排", "None"),
    }
}

/// A bureau's status for a year from the states of its annual meetings starting in that year:
/// held if any was held, else scheduled if any is scheduled, else none. Drafts and cancelled
/// meetings do not count.
pub fn annual_status(states: impl IntoIterator<Item = MeetingState>) -> AnnualStatus {
    let mut status = AnnualStatus::None;
    for state in states {
        if state.was_held() {
            return AnnualStatus::Held;
        }
        if state == MeetingState::Scheduled {
            status = AnnualStatus::Scheduled;
        }
    }
    status
}

/// Whether a bureau is flagged (督促): nothing held or scheduled once the due date has come.
pub fn annual_flagged(status: AnnualStatus, now_ms: i64, due_ms: i64) -> bool {
    status == AnnualStatus::None && now_ms >= due_ms
}

/// A day of the year, `MM-DD`: the date by which every judicial bureau's annual meeting must
/// be scheduled (`--annual-meeting-due`, default `06-30`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthDay {
    pub month: Month,
    pub day: u8,
}

impl MonthDay {
    /// This day in `year`; 29 February in a year without one is the 28th.
    pub fn in_year(self, year: i32) -> Option<Date> {
        Date::from_calendar_date(year, self.month, self.day)
            .or_else(|_| Date::from_calendar_date(year, self.month, self.day - 1))
            .ok()
    }

    /// 24:00 (+08:00) of this day in `year`: the moment a bureau with nothing scheduled is
    /// flagged.
    pub fn deadline_ms(self, year: i32) -> Option<i64> {
        self.in_year(year).map(end_of_day_ms)
    }
}

impl Default for MonthDay {
    fn default() -> Self {
        MonthDay {
            month: Month::June,
            day: 30,
        }
    }
}

impl FromStr for MonthDay {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<MonthDay, Invalid> {
        let invalid = || Invalid(phrases::MONTH_DAY.with("value", format!("{s:?}")));
        let (month, day) = s.trim().split_once('-').ok_or_else(invalid)?;
        if month.len() != 2 || day.len() != 2 {
            return Err(invalid());
        }
        let month: u8 = month.parse().map_err(|_| invalid())?;
        let day: u8 = day.parse().map_err(|_| invalid())?;
        let month = Month::try_from(month).map_err(|_| invalid())?;
        // 2024 is a leap year: every day that exists in some year exists in it.
        Date::from_calendar_date(2024, month, day).map_err(|_| invalid())?;
        Ok(MonthDay { month, day })
    }
}

impl fmt::Display for MonthDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}-{:02}", u8::from(self.month), self.day)
    }
}

/// A calendar year in office time (+08:00) as Unix milliseconds, `[start, end)`; `None`
/// beyond the years the `time` crate knows.
pub fn year_range_ms(year: i32) -> Option<(i64, i64)> {
    let last_of = |year| Date::from_calendar_date(year, Month::December, 31).ok();
    Some((
        end_of_day_ms(last_of(year - 1)?),
        end_of_day_ms(last_of(year)?),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use MeetingCommand as C;
    use MeetingParty::{Convener, Invitee, Supervisor, System};
    use MeetingState as S;

    /// Every allowed (state, party, command) and where it leads, from WORKFLOWS.md; everything
    /// else must be refused.
    const ALLOWED: &[(MeetingState, MeetingParty, MeetingCommand, MeetingState)] = &[
        (S::Draft, Convener, C::IssueNotice, S::Scheduled),
        (S::Draft, Convener, C::Cancel, S::Cancelled),
        (S::Scheduled, Convener, C::Start, S::InProgress),
        (S::Scheduled, Convener, C::Postpone, S::Scheduled),
        (S::Scheduled, Convener, C::Cancel, S::Cancelled),
        (S::InProgress, Convener, C::End, S::Ended),
        (S::Ended, System, C::Close, S::Closed),
    ];

    #[test]
    fn every_state_party_and_command_is_allowed_or_refused_as_the_table_says() {
        let arrows: Vec<_> = ALLOWED
            .iter()
            .map(|&(from, party, command, to)| ((), from, party, command, to))
            .collect();

        let cases = kernel::testing::check_table::<MeetingFlow>(&arrows, |rule, state, command| {
            let names_party = rule.contains("convening body") || rule.contains("signed minutes");
            kernel::testing::names_command_or_state(rule, state, command) || names_party
        });

        assert_eq!(cases, 144);
    }

    #[test]
    fn a_command_in_the_wrong_state_is_refused_naming_the_state_it_is_in() {
        let refused = transition(S::Draft, Convener, C::Start).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "a meeting can start only after its notice was issued (scheduled); it is now draft"
        );
        let refused = transition(S::InProgress, Convener, C::Cancel).unwrap_err();
        assert!(
            refused.to_string().ends_with("it is now in_progress"),
            "{refused}"
        );
    }

    #[test]
    fn only_the_convener_commands_and_only_the_system_closes() {
        for party in [Invitee, Supervisor, System] {
            let refused = transition(S::Scheduled, party, C::Start).unwrap_err();
            assert_eq!(
                refused.to_string(),
                "only the convening body may start a meeting"
            );
        }
        let refused = transition(S::Ended, Convener, C::Close).unwrap_err();
        assert!(refused.to_string().contains("signed minutes"), "{refused}");
    }

    #[test]
    fn final_states_refuse_everything_from_everyone() {
        for state in [S::Closed, S::Cancelled] {
            assert!(state.is_final());
            for &party in MeetingParty::ALL {
                for &command in C::ALL {
                    let refused = transition(state, party, command).unwrap_err();
                    assert!(refused.to_string().contains("final"), "{refused}");
                }
                for &answer in InvitationAnswer::ALL {
                    assert!(answer_invitation(state, party, answer).is_err());
                }
                assert!(may_check_in(state, party).is_err());
                assert!(may_change_invitees(state, party).is_err());
                assert!(propose_agenda_item(state, party, Some(SpaceRole::Member)).is_err());
            }
        }
    }

    fn read<T: serde::de::DeserializeOwned>(json: serde_json::Value) -> Result<T, String> {
        serde_json::from_value(json).map_err(|e| e.to_string())
    }

    #[test]
    fn a_meeting_command_carries_exactly_its_fields() {
        use serde_json::json;
        let postpone = read::<MeetingAction>(
            json!({ "command": "postpone", "revision": 2, "starts_at": 5, "reason": " " }),
        )
        .unwrap();
        assert_eq!(postpone.command(), C::Postpone);
        assert_eq!(postpone.revision(), 2);
        let refused = |body| read::<MeetingAction>(body).unwrap_err();
        assert_eq!(
            refused(json!({ "command": "cancel", "revision": 2 })),
            "a reason is required to cancel a meeting"
        );
        assert_eq!(
            refused(json!({ "command": "start", "revision": 2, "reason": "x" })),
            "a reason is given only when postponing or cancelling"
        );
        assert!(
            refused(json!({ "command": "end", "revision": 2, "ends_at": 9 }))
                .ends_with("only when postponing or issuing the notice")
        );
        assert!(refused(json!({ "command": "adjourn", "revision": 2 })).contains("unknown variant"));
        for &command in C::ALL {
            let mut body = json!({ "command": command.as_str(), "revision": 1 });
            match command {
                C::Postpone => body["starts_at"] = json!(5),
                C::Cancel => body["reason"] = json!("改期"),
                _ => {}
            }
            assert_eq!(read::<MeetingAction>(body).unwrap().command(), command);
        }
    }

    #[test]
    fn an_answer_names_who_attends_or_why_not() {
        use serde_json::json;
        for &answer in InvitationAnswer::ALL {
            let field = match answer {
                InvitationAnswer::Confirm => "attendee",
                InvitationAnswer::Delegate => "delegate",
                InvitationAnswer::Decline => "reason",
            };
            let body = json!({ "answer": answer.as_str(), field: "张三" });
            assert_eq!(read::<Answer>(body).unwrap().answer(), answer);
            let refused = read::<Answer>(json!({ "answer": answer.as_str() })).unwrap_err();
            assert_eq!(refused, format!("{field} is required to {answer}"));
        }
        let refused =
            read::<Answer>(json!({ "answer": "confirm", "attendee": "王五", "delegate": "赵六" }));
        assert_eq!(
            refused.unwrap_err(),
            "delegate is given only with the answer delegate"
        );
        let refused = read::<Answer>(json!({ "answer": "confirm", "attendee": "a\nb" }));
        assert_eq!(
            refused.unwrap_err(),
            "attendee must be one line without control characters"
        );
    }

    #[test]
    fn available_commands_are_exactly_the_allowed_ones() {
        assert_eq!(
            available_commands(S::Draft, Convener),
            [C::IssueNotice, C::Cancel]
        );
        assert_eq!(
            available_commands(S::Scheduled, Convener),
            [C::Start, C::Postpone, C::Cancel]
        );
        assert!(available_commands(S::Scheduled, Invitee).is_empty());
        assert_eq!(available_commands(S::Ended, System), [C::Close]);
        assert!(available_commands(S::Cancelled, Convener).is_empty());
    }

    #[test]
    fn only_cancel_needs_a_reason() {
        let needing: Vec<_> = C::ALL
            .iter()
            .filter(|c| {
                let body =
                    serde_json::json!({ "command": c.as_str(), "revision": 1, "starts_at": 5 });
                let body = match c {
                    C::Postpone => body,
                    _ => serde_json::json!({ "command": c.as_str(), "revision": 1 }),
                };
                read::<MeetingAction>(body).is_err_and(|e| e.contains("reason"))
            })
            .copied()
            .collect();
        assert_eq!(needing, [C::Cancel]);
    }

    #[test]
    fn an_invited_body_answers_only_while_the_meeting_is_scheduled() {
        for &state in S::ALL {
            for &answer in InvitationAnswer::ALL {
                let outcome = answer_invitation(state, Invitee, answer);
                assert_eq!(
                    outcome.is_ok(),
                    state == S::Scheduled,
                    "{answer} on {state}"
                );
            }
        }
        assert_eq!(
            answer_invitation(S::Scheduled, Invitee, InvitationAnswer::Confirm),
            Ok(InvitationState::Confirmed)
        );
        assert_eq!(
            answer_invitation(S::Scheduled, Invitee, InvitationAnswer::Delegate),
            Ok(InvitationState::Delegated)
        );
        assert_eq!(
            answer_invitation(S::Scheduled, Invitee, InvitationAnswer::Decline),
            Ok(InvitationState::Declined)
        );
        for party in [Convener, Supervisor, System] {
            assert_eq!(
                answer_invitation(S::Scheduled, party, InvitationAnswer::Confirm)
                    .unwrap_err()
                    .rule,
                &ANSWER_BY_INVITEE
            );
        }
        assert_eq!(
            answer_invitation(S::Draft, Invitee, InvitationAnswer::Confirm)
                .unwrap_err()
                .rule,
            &ANSWER_AFTER_NOTICE
        );
    }

    #[test]
    fn every_answer_to_every_invitation_is_allowed_or_refused_as_the_table_says() {
        let mut arrows = Vec::new();
        for &state in InvitationState::ALL {
            for (answer, to) in [
                (InvitationAnswer::Confirm, InvitationState::Confirmed),
                (InvitationAnswer::Delegate, InvitationState::Delegated),
                (InvitationAnswer::Decline, InvitationState::Declined),
            ] {
                arrows.push((S::Scheduled, state, true, answer, to));
            }
        }

        let cases = kernel::testing::check_table::<InvitationFlow>(&arrows, |rule, _, _| {
            rule.contains("invit") || rule.contains("final")
        });

        assert_eq!(cases, 6 * 4 * 2 * 3);
    }

    #[test]
    fn the_convener_checks_in_once_the_meeting_has_started() {
        for &state in S::ALL {
            let ok = may_check_in(state, Convener).is_ok();
            assert_eq!(ok, matches!(state, S::InProgress | S::Ended), "{state}");
        }
        assert_eq!(
            may_check_in(S::InProgress, Invitee).unwrap_err().rule,
            &CHECK_IN_BY_CONVENER
        );
        assert_eq!(
            may_check_in(S::Scheduled, Convener).unwrap_err().rule,
            &CHECK_IN_ONCE_STARTED
        );
    }

    #[test]
    fn invitees_change_only_before_the_start_and_only_by_the_convener() {
        for &state in S::ALL {
            let ok = may_change_invitees(state, Convener).is_ok();
            assert_eq!(ok, matches!(state, S::Draft | S::Scheduled), "{state}");
        }
        assert_eq!(
            may_change_invitees(S::Draft, Invitee).unwrap_err().rule,
            &INVITEES_BY_CONVENER
        );
    }

    #[test]
    fn agenda_items_are_proposed_before_the_start_by_convener_and_members() {
        let member = Some(SpaceRole::Member);
        let observer = Some(SpaceRole::Observer);
        assert_eq!(
            propose_agenda_item(S::Draft, Convener, Some(SpaceRole::Convener)),
            Ok(AgendaState::Accepted)
        );
        assert_eq!(
            propose_agenda_item(S::Scheduled, Invitee, member),
            Ok(AgendaState::Proposed)
        );
        assert_eq!(
            propose_agenda_item(S::Scheduled, Invitee, observer)
                .unwrap_err()
                .rule,
            &PROPOSE_BY_PARTICIPANT
        );
        assert_eq!(
            propose_agenda_item(S::Scheduled, Supervisor, None)
                .unwrap_err()
                .rule,
            &PROPOSE_BY_PARTICIPANT
        );
        assert_eq!(
            propose_agenda_item(S::InProgress, Invitee, member)
                .unwrap_err()
                .rule,
            &PROPOSE_BEFORE_START
        );
    }

    #[test]
    fn the_convener_decides_a_proposed_item_once_and_until_the_meeting_ends() {
        let decide =
            |meeting, party, item, accept| decide_agenda_item(meeting, party, item, accept);
        assert_eq!(
            decide(S::Scheduled, Convener, AgendaState::Proposed, true),
            Ok(AgendaState::Accepted)
        );
        assert_eq!(
            decide(S::InProgress, Convener, AgendaState::Proposed, false),
            Ok(AgendaState::Rejected)
        );
        assert_eq!(
            decide(S::Scheduled, Invitee, AgendaState::Proposed, true)
                .unwrap_err()
                .rule,
            &DECIDE_BY_CONVENER
        );
        assert_eq!(
            decide(S::Ended, Convener, AgendaState::Proposed, true)
                .unwrap_err()
                .rule,
            &DECIDE_BEFORE_END
        );
        assert_eq!(
            decide(S::Scheduled, Convener, AgendaState::Accepted, false)
                .unwrap_err()
                .rule,
            &DECIDE_ONCE
        );
    }

    #[test]
    fn an_outcome_is_recorded_for_accepted_items_once_the_meeting_started() {
        for &state in S::ALL {
            let ok = may_record_outcome(state, Convener, AgendaState::Accepted).is_ok();
            assert_eq!(ok, matches!(state, S::InProgress | S::Ended), "{state}");
        }
        assert_eq!(
            may_record_outcome(S::InProgress, Convener, AgendaState::Proposed)
                .unwrap_err()
                .rule,
            &OUTCOME_OF_ACCEPTED
        );
        assert_eq!(
            may_record_outcome(S::InProgress, Invitee, AgendaState::Accepted)
                .unwrap_err()
                .rule,
            &OUTCOME_BY_CONVENER
        );
    }

    #[test]
    fn only_a_judicial_bureau_convenes_the_annual_meeting() {
        for &org in OrgKind::ALL {
            for &kind in MeetingKind::ALL {
                let ok = may_convene(kind, org).is_ok();
                let expected = kind != MeetingKind::Annual || org == OrgKind::JudicialBureau;
                assert_eq!(ok, expected, "{org} convening {kind}");
            }
        }
    }

    #[test]
    fn the_annual_status_prefers_held_to_scheduled_to_none_and_flags_none_after_the_due_date() {
        assert_eq!(annual_status([]), AnnualStatus::None);
        assert_eq!(annual_status([S::Draft, S::Cancelled]), AnnualStatus::None);
        assert_eq!(
            annual_status([S::Cancelled, S::Scheduled]),
            AnnualStatus::Scheduled
        );
        assert_eq!(annual_status([S::Scheduled, S::Ended]), AnnualStatus::Held);
        assert_eq!(annual_status([S::Closed]), AnnualStatus::Held);
        assert!(annual_flagged(AnnualStatus::None, 10, 10));
        assert!(!annual_flagged(AnnualStatus::None, 9, 10));
        assert!(!annual_flagged(AnnualStatus::Scheduled, 11, 10));
        assert!(!annual_flagged(AnnualStatus::Held, 11, 10));
    }

    #[test]
    fn a_month_day_parses_as_mm_dd_and_falls_back_to_the_28th_of_february() {
        let due: MonthDay = "06-30".parse().unwrap();
        assert_eq!(due, MonthDay::default());
        assert_eq!(due.to_string(), "06-30");
        let leap: MonthDay = "02-29".parse().unwrap();
        assert_eq!(
            leap.in_year(2026),
            Date::from_calendar_date(2026, Month::February, 28).ok()
        );
        assert_eq!(
            leap.in_year(2028),
            Date::from_calendar_date(2028, Month::February, 29).ok()
        );
        for bad in [
            "6-30", "06/30", "13-01", "02-30", "00-10", "06-31", "", "june",
        ] {
            assert!(bad.parse::<MonthDay>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_year_runs_from_midnight_to_midnight_office_time() {
        let (start, end) = year_range_ms(2026).unwrap();
        // 2026-01-01T00:00+08:00 is 2025-12-31T16:00Z.
        assert_eq!(start, 1_767_196_800_000);
        assert_eq!(end - start, 365 * 24 * 3_600_000);
        let due = MonthDay::default().deadline_ms(2026).unwrap();
        // 2026-07-01T00:00+08:00.
        assert_eq!(due, 1_782_835_200_000);
    }

    #[test]
    fn states_and_commands_round_trip_through_their_names() {
        for &state in S::ALL {
            assert_eq!(state.as_str().parse::<MeetingState>(), Ok(state));
        }
        for &command in C::ALL {
            assert_eq!(command.as_str().parse::<MeetingCommand>(), Ok(command));
        }
        for &kind in MeetingKind::ALL {
            assert_eq!(kind.as_str().parse::<MeetingKind>(), Ok(kind));
        }
        assert!("postponed".parse::<MeetingState>().is_err());
    }
}
