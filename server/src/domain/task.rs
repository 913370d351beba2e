//! Tasks (任务 / 督办事项): the state machine of WORKFLOWS.md as one pure transition function.
//!
//! A task is set by one body (交办单位, the setter) and done by another (承办单位, the
//! assignee). Its life, and who moves it:
//!
//! ```text
//! created ──dispatch (setter)──▶ dispatched ──acknowledge 签收 (assignee)──▶ acknowledged
//!                                   │ return 退回 (assignee, with a reason)      │ start (assignee)
//!                                   ▼                                          ▼
//!   dispatched ◀──reassign (setter)── returned            in_progress ◀──reopen 退回重办 (setter)
//!                                                              │ submit 反馈 (assignee)  │
//!                                                              ▼                        │
//!                                 closed ◀──close 办结── verified ◀──verify 核验── submitted
//! ```
//!
//! An acknowledged task may also be submitted directly or returned; the setter may cancel
//! (撤销) anything not yet submitted. Closed and cancelled are final.
//!
//! The task's clock (its deadline and the reminders 催办 and 督办 that follow it) runs from
//! dispatch until the feedback is submitted: overdue is not a state but a running clock past its
//! due time. Extensions (延期) are asked by the assignee before the deadline and answered by
//! the setter while the clock runs.
//!
//! Every refusal names the rule in a sentence for a person; this module decides only, and
//! never reads the database or the clock: the caller brings the state, the party (from
//! [`crate::domain::policy::task_party`]) and the time.

use serde_json::{Map, Value};

use super::command::{commands, CommandShape};
use super::kernel::{self, CommandOffer, Workflow};
use super::message::Phrase;
use super::org::{labelled_enum, Invalid};
use super::phrases::{self, catalogue};
use super::text::{Reason, Text};

labelled_enum! {
    /// Where a task is in its life. Overdue is not a state: it is an open task whose due time
    /// has passed ([`TaskState::clock_runs`]).
    pub enum TaskState {
        /// 待下发: written by the setting body, not yet sent.
        Created = ("created", "待下发", "Draft"),
        /// 已下发: sent to the assignee body, waiting for its 签收.
        Dispatched = ("dispatched", "已下发", "Dispatched"),
        /// 已签收: the assignee body acknowledged it.
        Acknowledged = ("acknowledged", "已签收", "Acknowledged"),
        /// 办理中.
        InProgress = ("in_progress", "办理中", "In progress"),
        /// 已反馈: feedback and evidence submitted, waiting for the setter's check.
        Submitted = ("submitted", "已反馈", "Submitted"),
        /// 已核验: the setter accepted the feedback.
        Verified = ("verified", "已核验", "Verified"),
        /// 已办结.
        Closed = ("closed", "已办结", "Closed"),
        /// 已退回: the assignee returned it with a reason; the setter reassigns or cancels.
        Returned = ("returned", "已退回", "Returned"),
        /// 已撤销: withdrawn by the setter before it was done.
        Cancelled = ("cancelled", "已撤销", "Cancelled"),
    }
}

labelled_enum! {
    /// Which side of a task a body is on.
    pub enum Party {
        /// 交办单位: the body that set the task and checks the result.
        Setter = ("setter", "交办单位", "Setting body"),
        /// 承办单位: the body that must do it.
        Assignee = ("assignee", "承办单位", "Assigned body"),
    }
}

labelled_enum! {
    /// What a party asks to do to a task.
    pub enum TaskCommand {
        Dispatch = ("dispatch", "下发", "Dispatch"),
        /// 签收.
        Acknowledge = ("acknowledge", "签收", "Acknowledge"),
        Start = ("start", "开始办理", "Start"),
        /// 反馈: needs the feedback text.
        Submit = ("submit", "提交反馈", "Submit feedback"),
        /// 核验通过.
        Verify = ("verify", "核验通过", "Verify"),
        /// 退回重办: needs a reason.
        Reopen = ("reopen", "退回重办", "Reopen"),
        /// 办结.
        Close = ("close", "办结", "Close"),
        /// 退回: needs a reason.
        Return = ("return", "退回", "Return"),
        /// 重新交办: needs the new assignee.
        Reassign = ("reassign", "重新交办", "Reassign"),
        /// 撤销: needs a reason.
        Cancel = ("cancel", "撤销", "Cancel"),
    }
}

labelled_enum! {
    /// Where a task comes from.
    pub enum TaskSource {
        /// 自行交办: set directly by a body.
        Direct = ("direct", "直接交办", "Set directly"),
        /// 议定事项: an agreed item of signed minutes.
        AgreedItem = ("agreed_item", "议定事项", "Agreed item of minutes"),
        /// 争议协调意见.
        DisputeDecision = ("dispute_decision", "争议协调意见", "Dispute decision"),
        /// 联合调查组牵头单位交办.
        Investigation = ("investigation", "联合调查", "Joint investigation"),
        /// 监督文书.
        Supervision = ("supervision", "监督文书", "Supervision document"),
    }
}

labelled_enum! {
    /// The answer to an extension request (延期申请).
    pub enum ExtensionState {
        Pending = ("pending", "待审批", "Pending"),
        Granted = ("granted", "已同意", "Granted"),
        Refused = ("refused", "未同意", "Refused"),
    }
}

pub use super::kernel::Refused;

impl TaskState {
    /// Whether the task's clock runs: dispatched, acknowledged or in progress. Reminders and
    /// escalations fire only while it does, and such a task past its due time is overdue.
    pub fn clock_runs(self) -> bool {
        matches!(
            self,
            TaskState::Dispatched | TaskState::Acknowledged | TaskState::InProgress
        )
    }

    /// Whether the task counts as open for its assignee (its 待办 list and count): its clock
    /// runs, or its feedback waits for the setter's verification (submitted). Verified (the
    /// feedback accepted; only the setter's 办结 is left), returned (handed back to the setter),
    /// closed, cancelled and drafts are not: the assignee has nothing left to do on them.
    pub fn open_for_assignee(self) -> bool {
        self.clock_runs() || self == TaskState::Submitted
    }

    /// Closed or cancelled: nothing more can happen.
    pub fn is_final(self) -> bool {
        matches!(self, TaskState::Closed | TaskState::Cancelled)
    }
}

impl TaskCommand {
    /// The only party that may give this command.
    pub fn party(self) -> Party {
        match self {
            TaskCommand::Acknowledge
            | TaskCommand::Start
            | TaskCommand::Submit
            | TaskCommand::Return => Party::Assignee,
            TaskCommand::Dispatch
            | TaskCommand::Verify
            | TaskCommand::Reopen
            | TaskCommand::Close
            | TaskCommand::Reassign
            | TaskCommand::Cancel => Party::Setter,
        }
    }

    /// The refusal when the other party gives this command.
    fn wrong_party(self) -> &'static Phrase {
        match self {
            TaskCommand::Dispatch => &DISPATCH_BY_SETTER,
            TaskCommand::Acknowledge => &ACKNOWLEDGE_BY_ASSIGNEE,
            TaskCommand::Start => &START_BY_ASSIGNEE,
            TaskCommand::Submit => &SUBMIT_BY_ASSIGNEE,
            TaskCommand::Verify => &VERIFY_BY_SETTER,
            TaskCommand::Reopen => &REOPEN_BY_SETTER,
            TaskCommand::Close => &CLOSE_BY_SETTER,
            TaskCommand::Return => &RETURN_BY_ASSIGNEE,
            TaskCommand::Reassign => &REASSIGN_BY_SETTER,
            TaskCommand::Cancel => &CANCEL_BY_SETTER,
        }
    }

    /// The refusal when the right party gives this command in a state that does not allow
    /// it; the sentence ends with the state the task is in.
    fn wrong_state(self, state: TaskState) -> Refused {
        let rule = match self {
            TaskCommand::Dispatch => &DISPATCH_WHILE_DRAFT,
            TaskCommand::Acknowledge => &ACKNOWLEDGE_WHEN_DISPATCHED,
            TaskCommand::Start => &START_WHEN_ACKNOWLEDGED,
            TaskCommand::Submit => &SUBMIT_WHILE_WORKING,
            TaskCommand::Verify => &VERIFY_WHEN_SUBMITTED,
            TaskCommand::Reopen => &REOPEN_WHEN_SUBMITTED,
            TaskCommand::Close => &CLOSE_WHEN_VERIFIED,
            TaskCommand::Return => &RETURN_BEFORE_WORK,
            TaskCommand::Reassign => &REASSIGN_WHEN_RETURNED,
            TaskCommand::Cancel => &CANCEL_BEFORE_FEEDBACK,
        };
        Refused::in_state(rule, state)
    }
}

/// Why nothing more can happen to a task in a final state.
fn final_rule(state: TaskState) -> Option<&'static Phrase> {
    match state {
        TaskState::Closed => Some(&CLOSED_IS_FINAL),
        TaskState::Cancelled => Some(&CANCELLED_IS_FINAL),
        _ => None,
    }
}

catalogue! { RULES:
    DISPATCH_BY_SETTER = "task.dispatch_by_setter",
        "只有交办单位可以下发任务",
        "only the setting body may dispatch a task";
    ACKNOWLEDGE_BY_ASSIGNEE = "task.acknowledge_by_assignee",
        "只有承办单位可以签收任务",
        "only the assigned body may acknowledge a task (签收)";
    START_BY_ASSIGNEE = "task.start_by_assignee",
        "只有承办单位可以开始办理任务",
        "only the assigned body may start work on a task";
    SUBMIT_BY_ASSIGNEE = "task.submit_by_assignee",
        "只有承办单位可以提交办理反馈",
        "only the assigned body may submit feedback on a task";
    VERIFY_BY_SETTER = "task.verify_by_setter",
        "只有交办单位可以核验办理反馈",
        "only the setting body may verify a task's feedback";
    REOPEN_BY_SETTER = "task.reopen_by_setter",
        "只有交办单位可以将反馈不合格的任务退回重办",
        "only the setting body may reopen a task whose feedback is not good enough";
    CLOSE_BY_SETTER = "task.close_by_setter",
        "只有交办单位可以办结任务",
        "only the setting body may close a task";
    RETURN_BY_ASSIGNEE = "task.return_by_assignee",
        "只有承办单位可以将任务退回交办单位",
        "only the assigned body may return a task to the body that set it";
    REASSIGN_BY_SETTER = "task.reassign_by_setter",
        "只有交办单位可以改派被退回的任务",
        "only the setting body may reassign a returned task";
    CANCEL_BY_SETTER = "task.cancel_by_setter",
        "只有交办单位可以撤销任务",
        "only the setting body may cancel a task";
    DISPATCH_WHILE_DRAFT = "task.dispatch_while_draft",
        "任务只能在待下发时下发（当前为{now}）",
        "a task can be dispatched only while it is a draft; it is now {now}";
    ACKNOWLEDGE_WHEN_DISPATCHED = "task.acknowledge_when_dispatched",
        "任务下发后才能签收（当前为{now}）",
        "a task can be acknowledged only when it has been dispatched; it is now {now}";
    START_WHEN_ACKNOWLEDGED = "task.start_when_acknowledged",
        "任务签收后才能开始办理（当前为{now}）",
        "work on a task can start only after it has been acknowledged; it is now {now}";
    SUBMIT_WHILE_WORKING = "task.submit_while_working",
        "只有已签收或办理中的任务可以提交反馈（当前为{now}）",
        "feedback can be submitted only while the task is acknowledged or in progress; it is now {now}";
    VERIFY_WHEN_SUBMITTED = "task.verify_when_submitted",
        "承办单位提交反馈后才能核验（当前为{now}）",
        "a task can be verified only after its feedback was submitted; it is now {now}";
    REOPEN_WHEN_SUBMITTED = "task.reopen_when_submitted",
        "承办单位提交反馈后才能退回重办（当前为{now}）",
        "a task can be reopened only after its feedback was submitted; it is now {now}";
    CLOSE_WHEN_VERIFIED = "task.close_when_verified",
        "任务核验通过后才能办结（当前为{now}）",
        "a task can be closed only after it was verified; it is now {now}";
    RETURN_BEFORE_WORK = "task.return_before_work",
        "任务只能在开始办理前退回（已下发或已签收；当前为{now}）",
        "a task can be returned only before work on it has started (dispatched or acknowledged); it is now {now}";
    REASSIGN_WHEN_RETURNED = "task.reassign_when_returned",
        "承办单位退回任务后才能改派（当前为{now}）",
        "a task can be reassigned only after the assigned body returned it; it is now {now}";
    CANCEL_BEFORE_FEEDBACK = "task.cancel_before_feedback",
        "任务只能在提交反馈前撤销（当前为{now}）",
        "a task can be cancelled only before its feedback is submitted; it is now {now}";
    CLOSED_IS_FINAL = "task.closed_is_final",
        "任务已办结，不能再进行任何操作",
        "a closed task is final: nothing more can be done to it";
    CANCELLED_IS_FINAL = "task.cancelled_is_final",
        "任务已撤销，不能再进行任何操作",
        "a cancelled task is final: nothing more can be done to it";
    EXTENSION_ASKED_BY_ASSIGNEE = "task.extension_asked_by_assignee",
        "只有承办单位可以申请延期",
        "only the assigned body may ask for an extension (延期)";
    EXTENSION_WHILE_WORKING = "task.extension_while_working",
        "只有已签收或办理中的任务可以申请延期",
        "an extension can be asked for only while the task is acknowledged or in progress";
    EXTENSION_BEFORE_DEADLINE = "task.extension_before_deadline",
        "延期须在办理期限届满前申请；已逾期的任务请说明情况",
        "an extension must be asked for before the deadline passes; an overdue task is reported instead";
    EXTENSION_ONE_AT_A_TIME = "task.extension_one_at_a_time",
        "已有一项延期申请等待审批，审批后方可再次申请",
        "an extension request is already waiting for an answer; ask again once it is decided";
    EXTENSION_DECIDED_BY_SETTER = "task.extension_decided_by_setter",
        "只有交办单位可以审批延期申请",
        "only the setting body may grant or refuse an extension";
    EXTENSION_WHILE_CLOCK_RUNS = "task.extension_while_clock_runs",
        "只有在办理期限计时期间（已下发、已签收或办理中）才能审批延期",
        "an extension can be decided only while the task's clock runs (dispatched, acknowledged or in progress)";
    EXTENSION_MOVES_LATER = "task.extension_moves_later",
        "批准的延期须晚于现在的办理期限",
        "a granted extension must move the deadline later than it is now";
    EXTENSION_NONE_PENDING = "task.extension_none_pending",
        "没有等待审批的延期申请",
        "no extension request is waiting for an answer";
}

/// The one transition function: what `party` doing `command` to a task in `state` leads to,
/// or the rule that refuses it.
///
/// The checks go from the most general to the most specific: a final task refuses
/// everything; then a command of the other party is refused naming who may give it; then a
/// command in the wrong state is refused naming the states it needs and the current one.
pub fn transition(
    state: TaskState,
    party: Party,
    command: TaskCommand,
) -> Result<TaskState, Refused> {
    use TaskCommand as C;
    use TaskState as S;

    kernel::precheck(
        final_rule(state),
        party == command.party(),
        command.wrong_party(),
    )?;
    let next = match (state, command) {
        (S::Created, C::Dispatch) => S::Dispatched,
        (S::Dispatched, C::Acknowledge) => S::Acknowledged,
        (S::Dispatched | S::Acknowledged, C::Return) => S::Returned,
        (S::Acknowledged, C::Start) => S::InProgress,
        (S::Acknowledged | S::InProgress, C::Submit) => S::Submitted,
        (S::Submitted, C::Verify) => S::Verified,
        (S::Submitted, C::Reopen) => S::InProgress,
        (S::Verified, C::Close) => S::Closed,
        (S::Returned, C::Reassign) => S::Dispatched,
        (S::Created | S::Dispatched | S::Acknowledged | S::InProgress | S::Returned, C::Cancel) => {
            S::Cancelled
        }
        _ => return Err(command.wrong_state(state)),
    };
    Ok(next)
}

/// The task as a [`Workflow`]: its states, its two parties, its commands and [`transition`].
pub struct TaskFlow;

impl Workflow for TaskFlow {
    type State = TaskState;
    type Party = Party;
    type Command = TaskCommand;
    type Context = ();
    const PARTIES: &'static [Party] = Party::ALL;
    const CONTEXTS: &'static [()] = &[()];

    fn transition(
        _: (),
        state: TaskState,
        party: Party,
        command: TaskCommand,
    ) -> Result<TaskState, Refused> {
        transition(state, party, command)
    }
}

/// The commands `party` may give to a task in `state` now, in [`TaskCommand::ALL`] order: what
/// a page offers as buttons. Derived from [`transition`], so the two never disagree.
pub fn available_commands(state: TaskState, party: Party) -> Vec<TaskCommand> {
    kernel::allowed::<TaskFlow>((), state, party)
}

commands! {
    /// A command on a task with exactly its fields (`POST /api/tasks/{id}/actions/{command}`:
    /// the address names the command, the body carries its fields). Every command names the
    /// revision the caller read; a task changed since is refused (409).
    pub enum TaskAction tagged "command" {
        /// 下发 a draft. `due_at`: a new deadline for a task whose deadline is an instant (one
        /// counted from a limit is counted anew from now).
        Dispatch {
            revision: i64,
            #[serde(default)]
            due_at: Option<i64>,
            #[serde(default, deserialize_with = "crate::domain::text::optional")]
            reason: Option<Reason>,
        },
        /// 签收.
        Acknowledge {
            revision: i64,
            #[serde(default, deserialize_with = "crate::domain::text::optional")]
            reason: Option<Reason>,
        },
        /// 开始办理.
        Start {
            revision: i64,
            #[serde(default, deserialize_with = "crate::domain::text::optional")]
            reason: Option<Reason>,
        },
        /// 反馈: what was done.
        Submit { revision: i64, feedback: Text },
        /// 核验通过.
        Verify {
            revision: i64,
            #[serde(default, deserialize_with = "crate::domain::text::optional")]
            reason: Option<Reason>,
        },
        /// 退回重办: why the feedback is not good enough.
        Reopen { revision: i64, reason: Reason },
        /// 办结.
        Close {
            revision: i64,
            #[serde(default, deserialize_with = "crate::domain::text::optional")]
            reason: Option<Reason>,
        },
        /// 退回: why the task is not the assigned body's.
        Return { revision: i64, reason: Reason },
        /// 重新交办 a returned task to another body; `due_at` as for dispatch.
        Reassign {
            revision: i64,
            assignee_org_id: String,
            #[serde(default)]
            due_at: Option<i64>,
            #[serde(default, deserialize_with = "crate::domain::text::optional")]
            reason: Option<Reason>,
        },
        /// 撤销: why.
        Cancel { revision: i64, reason: Reason },
    }
}

impl TaskAction {
    /// The command the address names (`submit`) with its fields from the body. The body may
    /// repeat the command's name, but not name another.
    pub fn named(command: &str, mut body: Map<String, Value>) -> Result<TaskAction, Invalid> {
        let command: TaskCommand = command.parse()?;
        let named = Value::from(command.as_str());
        if body
            .insert("command".into(), named.clone())
            .is_some_and(|n| n != named)
        {
            return Err(Invalid(phrases::COMMAND_MISMATCH.with("command", command)));
        }
        serde_json::from_value(Value::Object(body)).map_err(|e| Invalid(e.to_string().into()))
    }

    /// Which command it is.
    pub fn command(&self) -> TaskCommand {
        match self {
            TaskAction::Dispatch { .. } => TaskCommand::Dispatch,
            TaskAction::Acknowledge { .. } => TaskCommand::Acknowledge,
            TaskAction::Start { .. } => TaskCommand::Start,
            TaskAction::Submit { .. } => TaskCommand::Submit,
            TaskAction::Verify { .. } => TaskCommand::Verify,
            TaskAction::Reopen { .. } => TaskCommand::Reopen,
            TaskAction::Close { .. } => TaskCommand::Close,
            TaskAction::Return { .. } => TaskCommand::Return,
            TaskAction::Reassign { .. } => TaskCommand::Reassign,
            TaskAction::Cancel { .. } => TaskCommand::Cancel,
        }
    }

    /// The revision the caller read.
    pub fn revision(&self) -> i64 {
        match self {
            TaskAction::Dispatch { revision, .. }
            | TaskAction::Acknowledge { revision, .. }
            | TaskAction::Start { revision, .. }
            | TaskAction::Submit { revision, .. }
            | TaskAction::Verify { revision, .. }
            | TaskAction::Reopen { revision, .. }
            | TaskAction::Close { revision, .. }
            | TaskAction::Return { revision, .. }
            | TaskAction::Reassign { revision, .. }
            | TaskAction::Cancel { revision, .. } => *revision,
        }
    }

    /// What the person wrote with it: the feedback, or the reason (a note for the commands
    /// that do not need one). The task's history line shows it.
    pub fn written(&self) -> Option<&str> {
        match self {
            TaskAction::Submit { feedback, .. } => Some(feedback.as_str()),
            TaskAction::Reopen { reason, .. }
            | TaskAction::Return { reason, .. }
            | TaskAction::Cancel { reason, .. } => Some(reason.as_str()),
            TaskAction::Dispatch { reason, .. }
            | TaskAction::Acknowledge { reason, .. }
            | TaskAction::Start { reason, .. }
            | TaskAction::Verify { reason, .. }
            | TaskAction::Close { reason, .. }
            | TaskAction::Reassign { reason, .. } => reason.as_ref().map(Reason::as_str),
        }
    }
}

impl CommandShape for TaskAction {
    fn missing(command: &str, field: &str) -> Option<String> {
        match field {
            "feedback" => Some("feedback is required to submit: say what was done".into()),
            "reason" => Some(format!("a reason is required to {command}")),
            "assignee_org_id" => Some("assignee_org_id is required to reassign".into()),
            _ => None,
        }
    }

    fn misplaced(command: &str, field: &str) -> Option<String> {
        match (command, field) {
            ("submit", "reason") => Some("submit takes feedback, not a reason".into()),
            (_, "feedback") => Some("feedback is given only when submitting".into()),
            (_, "assignee_org_id") => {
                Some("assignee_org_id is given only when reassigning".into())
            }
            (_, "due_at") => Some(
                "due_at is given only when dispatching or reassigning; to move a deadline, ask for an extension"
                    .into(),
            ),
            _ => None,
        }
    }
}

/// Whether the assignee may ask for more time now: only while acknowledged or in progress,
/// strictly before the due time, and with no other request pending.
pub fn may_request_extension(
    state: TaskState,
    party: Party,
    now_ms: i64,
    due_at: i64,
    pending: bool,
) -> Result<(), Refused> {
    let refuse = |rule| Err(Refused::by(rule));
    if party != Party::Assignee {
        return refuse(&EXTENSION_ASKED_BY_ASSIGNEE);
    }
    if !matches!(state, TaskState::Acknowledged | TaskState::InProgress) {
        return refuse(&EXTENSION_WHILE_WORKING);
    }
    if now_ms >= due_at {
        return refuse(&EXTENSION_BEFORE_DEADLINE);
    }
    if pending {
        return refuse(&EXTENSION_ONE_AT_A_TIME);
    }
    Ok(())
}

/// Whether `party` may answer a pending extension request: only the setter, only while the
/// task's clock runs, and a granted new due time must be later than the current one.
pub fn may_decide_extension(
    state: TaskState,
    party: Party,
    current_due: i64,
    new_due: i64,
    grant: bool,
) -> Result<(), Refused> {
    let refuse = |rule| Err(Refused::by(rule));
    if party != Party::Setter {
        return refuse(&EXTENSION_DECIDED_BY_SETTER);
    }
    if !state.clock_runs() {
        return refuse(&EXTENSION_WHILE_CLOCK_RUNS);
    }
    if grant && new_due <= current_due {
        return refuse(&EXTENSION_MOVES_LATER);
    }
    Ok(())
}

/// What a task's page offers besides its commands: asking for more time (延期申请,
/// `request_extension`) and answering a pending request (`decide_extension`), each allowed
/// or refused with its rule, by [`may_request_extension`] and [`may_decide_extension`] (a
/// refusal, which never moves the deadline, stands for both answers).
pub fn extension_offers(
    state: TaskState,
    party: Party,
    now_ms: i64,
    due_at: i64,
    pending: bool,
) -> Vec<CommandOffer> {
    let offer = CommandOffer::new;
    let decide = if pending {
        may_decide_extension(state, party, due_at, due_at, false)
    } else {
        Err(Refused::by(&EXTENSION_NONE_PENDING))
    };
    vec![
        offer(
            "request_extension",
            "申请延期",
            "Ask for more time",
            may_request_extension(state, party, now_ms, due_at, pending),
        ),
        offer(
            "decide_extension",
            "审批延期",
            "Decide on more time",
            decide,
        ),
    ]
}

#[cfg(test)]
mod open_tests {
    use super::TaskState;

    #[test]
    fn a_verified_task_is_not_open_for_its_assignee() {
        let open: Vec<&str> = TaskState::ALL
            .iter()
            .filter(|s| s.open_for_assignee())
            .map(|s| s.as_str())
            .collect();

        assert_eq!(
            open,
            ["dispatched", "acknowledged", "in_progress", "submitted"]
        );
        assert!(!TaskState::Verified.open_for_assignee());
    }

    #[test]
    fn a_refusal_names_the_state_in_the_reader_s_language() {
        use super::{transition, Party, TaskCommand};
        use crate::domain::message::Lang;

        let refused = transition(TaskState::Dispatched, Party::Assignee, TaskCommand::Start)
            .unwrap_err()
            .message();

        assert_eq!(
            refused.render(Lang::Zh).unwrap(),
            "任务签收后才能开始办理（当前为已下发）"
        );
        assert_eq!(
            refused.render(Lang::En).unwrap(),
            "work on a task can start only after it has been acknowledged; it is now dispatched"
        );
        assert_eq!(refused.code(), Some("task.start_when_acknowledged"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Party::{Assignee, Setter};
    use TaskCommand as C;
    use TaskState as S;

    /// Every allowed (state, party, command) and where it leads, written out from
    /// WORKFLOWS.md; everything not listed must be refused.
    const ALLOWED: &[(TaskState, Party, TaskCommand, TaskState)] = &[
        (S::Created, Setter, C::Dispatch, S::Dispatched),
        (S::Created, Setter, C::Cancel, S::Cancelled),
        (S::Dispatched, Assignee, C::Acknowledge, S::Acknowledged),
        (S::Dispatched, Assignee, C::Return, S::Returned),
        (S::Dispatched, Setter, C::Cancel, S::Cancelled),
        (S::Acknowledged, Assignee, C::Start, S::InProgress),
        (S::Acknowledged, Assignee, C::Submit, S::Submitted),
        (S::Acknowledged, Assignee, C::Return, S::Returned),
        (S::Acknowledged, Setter, C::Cancel, S::Cancelled),
        (S::InProgress, Assignee, C::Submit, S::Submitted),
        (S::InProgress, Setter, C::Cancel, S::Cancelled),
        (S::Submitted, Setter, C::Verify, S::Verified),
        (S::Submitted, Setter, C::Reopen, S::InProgress),
        (S::Verified, Setter, C::Close, S::Closed),
        (S::Returned, Setter, C::Reassign, S::Dispatched),
        (S::Returned, Setter, C::Cancel, S::Cancelled),
    ];

    #[test]
    fn every_state_party_and_command_is_allowed_or_refused_as_the_table_says() {
        let arrows: Vec<_> = ALLOWED
            .iter()
            .map(|&(from, party, command, to)| ((), from, party, command, to))
            .collect();

        let cases = kernel::testing::check_table::<TaskFlow>(
            &arrows,
            kernel::testing::names_command_or_state,
        );

        assert_eq!(cases, 180);
    }

    #[test]
    fn a_command_of_the_other_party_is_refused_naming_who_may_give_it() {
        let refused = transition(S::Dispatched, Setter, C::Acknowledge).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "only the assigned body may acknowledge a task (签收)"
        );

        let refused = transition(S::Submitted, Assignee, C::Verify).unwrap_err();
        assert!(
            refused.to_string().starts_with("only the setting body"),
            "{refused}"
        );
    }

    #[test]
    fn a_command_in_the_wrong_state_is_refused_naming_the_state_it_is_in() {
        let refused = transition(S::InProgress, Assignee, C::Acknowledge).unwrap_err();

        assert_eq!(
            refused.to_string(),
            "a task can be acknowledged only when it has been dispatched; it is now in_progress"
        );
    }

    #[test]
    fn final_states_refuse_everything_from_everyone() {
        for state in [S::Closed, S::Cancelled] {
            assert!(state.is_final());
            assert!(!state.clock_runs());
            for &party in Party::ALL {
                for &command in C::ALL {
                    let refused = transition(state, party, command).unwrap_err();
                    assert!(refused.to_string().contains("final"), "{refused}");
                }
            }
        }
    }

    #[test]
    fn the_clock_runs_from_dispatch_until_feedback_is_submitted() {
        let running: Vec<_> = S::ALL.iter().filter(|s| s.clock_runs()).copied().collect();
        assert_eq!(running, [S::Dispatched, S::Acknowledged, S::InProgress]);
        let last: Vec<_> = S::ALL.iter().filter(|s| s.is_final()).copied().collect();
        assert_eq!(last, [S::Closed, S::Cancelled]);
    }

    #[test]
    fn available_commands_are_exactly_the_allowed_ones() {
        assert_eq!(
            available_commands(S::Dispatched, Assignee),
            [C::Acknowledge, C::Return]
        );
        assert_eq!(available_commands(S::Dispatched, Setter), [C::Cancel]);
        assert_eq!(
            available_commands(S::Submitted, Setter),
            [C::Verify, C::Reopen]
        );
        assert!(available_commands(S::Closed, Setter).is_empty());
    }

    #[test]
    fn submit_return_reopen_and_cancel_need_text() {
        let needing: Vec<_> = C::ALL
            .iter()
            .filter(|c| TaskAction::named(c.as_str(), revision(1)).is_err())
            .copied()
            .collect();
        assert_eq!(
            needing,
            [C::Submit, C::Reopen, C::Return, C::Reassign, C::Cancel]
        );
        let refused = TaskAction::named("return", revision(1)).unwrap_err();
        assert_eq!(refused.to_string(), "a reason is required to return");
        let refused = TaskAction::named("submit", revision(1)).unwrap_err();
        assert!(
            refused.to_string().starts_with("feedback is required"),
            "{refused}"
        );
    }

    fn revision(revision: i64) -> Map<String, Value> {
        Map::from_iter([("revision".to_owned(), Value::from(revision))])
    }

    #[test]
    fn every_command_is_one_typed_action_of_the_same_name() {
        for &command in C::ALL {
            let mut body = revision(3);
            let (field, value) = match command {
                C::Submit => ("feedback", "已办"),
                C::Reopen | C::Return | C::Cancel => ("reason", "说明"),
                C::Reassign => ("assignee_org_id", "org"),
                _ => ("reason", "  "),
            };
            body.insert(field.into(), value.into());

            let action = TaskAction::named(command.as_str(), body).unwrap();

            assert_eq!(action.command(), command);
            assert_eq!(action.revision(), 3);
            assert_eq!(
                action.written().is_some(),
                value.trim() != "org" && !value.trim().is_empty()
            );
            assert_eq!(
                serde_json::to_value(&action).unwrap()["command"],
                command.as_str()
            );
        }
    }

    #[test]
    fn a_field_that_does_not_belong_to_the_command_is_refused_saying_so() {
        let with = |command: &str, field: &str, value: Value| {
            let mut body = revision(2);
            body.insert(field.into(), value);
            TaskAction::named(command, body).unwrap_err().to_string()
        };
        assert_eq!(
            with("start", "feedback", "x".into()),
            "feedback is given only when submitting"
        );
        assert_eq!(
            with("start", "assignee_org_id", "x".into()),
            "assignee_org_id is given only when reassigning"
        );
        assert!(with("verify", "due_at", 5.into()).starts_with("due_at is given only"));
        assert_eq!(
            with("cancel", "reason", " ".into()),
            "reason must not be empty"
        );
        assert!(with("finish", "reason", "x".into()).starts_with("unknown value \"finish\""));
        assert!(with("start", "command", "stop".into()).contains("must not name another"));
    }

    #[test]
    fn extensions_are_offered_by_the_rules_that_decide_them() {
        let offers = extension_offers(S::InProgress, Assignee, 1_000, 2_000, false);
        assert_eq!(offers[0].command, "request_extension");
        assert!(offers[0].allowed);
        assert_eq!(offers[1].rule_code, Some(EXTENSION_NONE_PENDING.code));
        let offers = extension_offers(S::InProgress, Setter, 1_000, 2_000, true);
        assert_eq!(offers[0].rule_code, Some(EXTENSION_ASKED_BY_ASSIGNEE.code));
        assert!(offers[1].allowed);
        let offers = extension_offers(S::Submitted, Setter, 1_000, 2_000, true);
        assert_eq!(offers[1].rule_code, Some(EXTENSION_WHILE_CLOCK_RUNS.code));
    }

    #[test]
    fn the_assignee_may_ask_for_an_extension_only_while_working_and_before_the_deadline() {
        let (now, due) = (1_000, 2_000);
        for &state in S::ALL {
            let outcome = may_request_extension(state, Assignee, now, due, false);
            let working = matches!(state, S::Acknowledged | S::InProgress);
            assert_eq!(outcome.is_ok(), working, "{state}");
            if !working {
                assert_eq!(outcome.unwrap_err().rule, &EXTENSION_WHILE_WORKING);
            }
        }
        let refuse = |party, now, pending| {
            may_request_extension(S::InProgress, party, now, due, pending)
                .unwrap_err()
                .rule
        };
        assert_eq!(refuse(Setter, now, false), &EXTENSION_ASKED_BY_ASSIGNEE);
        assert_eq!(refuse(Assignee, due, false), &EXTENSION_BEFORE_DEADLINE);
        assert_eq!(refuse(Assignee, due + 1, false), &EXTENSION_BEFORE_DEADLINE);
        assert_eq!(refuse(Assignee, now, true), &EXTENSION_ONE_AT_A_TIME);
        assert!(may_request_extension(S::Acknowledged, Assignee, due - 1, due, false).is_ok());
    }

    #[test]
    fn only_the_setter_decides_an_extension_and_a_grant_moves_the_deadline_later() {
        let due = 2_000;
        for &state in S::ALL {
            let outcome = may_decide_extension(state, Setter, due, due + 1, true);
            assert_eq!(outcome.is_ok(), state.clock_runs(), "{state}");
            if !state.clock_runs() {
                assert_eq!(outcome.unwrap_err().rule, &EXTENSION_WHILE_CLOCK_RUNS);
            }
        }
        let decide =
            |party, new_due, grant| may_decide_extension(S::InProgress, party, due, new_due, grant);
        assert_eq!(
            decide(Assignee, due + 1, true).unwrap_err().rule,
            &EXTENSION_DECIDED_BY_SETTER
        );
        assert_eq!(
            decide(Setter, due, true).unwrap_err().rule,
            &EXTENSION_MOVES_LATER
        );
        assert_eq!(
            decide(Setter, due - 1, true).unwrap_err().rule,
            &EXTENSION_MOVES_LATER
        );
        // A refusal does not move the deadline, so its date does not matter.
        assert!(decide(Setter, due - 1, false).is_ok());
    }

    #[test]
    fn states_and_commands_round_trip_through_their_names() {
        for &state in S::ALL {
            assert_eq!(state.as_str().parse::<TaskState>(), Ok(state));
            assert_eq!(
                serde_json::to_value(state).unwrap(),
                serde_json::json!(state.as_str())
            );
        }
        for &command in C::ALL {
            assert_eq!(command.as_str().parse::<TaskCommand>(), Ok(command));
        }
        assert!("overdue".parse::<TaskState>().is_err());
    }
}
