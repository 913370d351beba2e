//! Jurisdiction disputes (执法争议 / 管辖争议): the machine of WORKFLOWS.md as one pure
//! transition function, and where a dispute escalates to.
//!
//! Two or more bodies disagree over who must act: each claims the matter (积极争议) or each
//! refuses it (消极争议, 推诿). One raises a dispute naming the others; they negotiate; if they do
//! not settle within the time limit, or all of them say it failed, a party escalates it to the
//! judicial bureau of the lowest region that covers every party ([`escalation_target`]). The
//! bureau accepts it (or not, with reasons), each party answers in writing, the bureau
//! coordinates (a consultation meeting, an interim lead body) and decides who is responsible;
//! carrying that out is a task. A major or complex matter goes to the government instead.
//!
//! ```text
//! raised ──negotiate──▶ negotiating ──settle (the agreement signed by all)──▶ resolved
//!   └────────┬──────────────┘ escalate (time passed, or every party said it failed)
//!            ▼
//!        escalated ──refuse (reasons)──▶ not_accepted
//!            │ accept
//!            ▼
//!        replies_due ──coordinate (every party answered, or the time passed)──▶ coordinating
//!                                                                                   │ decide
//!            ┌──────────────────────────────────────────────────────────────────────┘
//!            ▼
//!        decided ──implement──▶ implementing ──close (its task is done)──▶ closed
//!            │ refer (major or complex)                                      ▲
//!            ▼                                                               │
//!        referred ──record_government_decision──▶ government_decided ──close─┘
//!
//! withdraw (the raising body, with a reason): from any state before a decision.
//! ```
//!
//! Who gives what: the raising body and the other parties negotiate and escalate; only the
//! raising body withdraws; the bureau the dispute escalated to does the rest. Bureaus above
//! it read. Two arrows are no person's command but a signature's consequence: the parties
//! settle by signing their agreement (协议书, every party), the bureau decides by signing its
//! decision (协调意见书); the last signature gives `settle` or `decide` as [`DisputeParty::System`]. The [`Workflow`] context is whether the current stage is over (the negotiation time
//! passed or every party said it failed; every party answered in writing or the reply time
//! passed; the implementation task is done), which the caller reads from the records and the
//! clock. This module never reads either.

use super::command::{commands, CommandShape};
pub use super::kernel::Refused;
use super::kernel::{self, Workflow};
use super::limits::LimitKind;
use super::message::Phrase;
use super::org::{labelled_enum, RegionPath};
use super::phrases::catalogue;
use super::signed::{Signatories, Wording, Words};
use super::text::{Line, Reason, Text, Title};

/// The most bodies one dispute names, the raising body included. A matter that more bodies
/// refuse is a case for a coordination meeting, not a dispute.
pub const MAX_PARTIES: usize = 20;

labelled_enum! {
    /// Whether the bodies each claim the matter or each refuse it.
    pub enum DisputeKind {
        /// 积极争议: each body claims it.
        Positive = ("positive", "积极争议（均主张管辖）", "Positive (each claims it)"),
        /// 消极争议: each body refuses it (推诿).
        Negative = ("negative", "消极争议（均不愿管辖）", "Negative (each refuses it)"),
    }
}

labelled_enum! {
    /// Where a dispute is in its life.
    pub enum DisputeState {
        /// 已提出: raised; the other parties have not yet answered.
        Raised = ("raised", "已提出", "Raised"),
        /// 协商中.
        Negotiating = ("negotiating", "协商中", "Negotiating"),
        /// 已协商解决: the parties settled it themselves.
        Resolved = ("resolved", "已协商解决", "Resolved by agreement"),
        /// 已提请协调: waiting for the bureau to accept it.
        Escalated = ("escalated", "已提请协调", "Escalated"),
        /// 不予受理: the bureau refused it, with reasons.
        NotAccepted = ("not_accepted", "不予受理", "Not accepted"),
        /// 已受理，待书面答复: every party answers in writing.
        RepliesDue = ("replies_due", "已受理（待书面答复）", "Accepted, replies due"),
        /// 协调中.
        Coordinating = ("coordinating", "协调中", "Coordinating"),
        /// 已作出协调意见: the bureau named the responsible body.
        Decided = ("decided", "已作出协调意见", "Decided"),
        /// 已报请政府决定: major or complex.
        Referred = ("referred", "已报请政府决定", "Referred to the government"),
        /// 政府已决定.
        GovernmentDecided = ("government_decided", "政府已决定", "Decided by the government"),
        /// 执行中: the responsible body carries out the decision (a task).
        Implementing = ("implementing", "执行中", "Implementing"),
        /// 已办结.
        Closed = ("closed", "已办结", "Closed"),
        /// 已撤回: by the raising body, before a decision.
        Withdrawn = ("withdrawn", "已撤回", "Withdrawn"),
    }
}

/// Which disputes a list asks for by the caller's body's part in them
/// (`GET /api/disputes?role=`): a party's own, a bureau's desk, or those a bureau above reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListRole {
    /// Those it raised or is named in.
    Party,
    /// Those it coordinates: it is the bureau they escalate to (the bureau's desk).
    Bureau,
    /// Those it reads as a bureau above, neither a party nor their bureau.
    Supervisor,
}

impl ListRole {
    pub fn as_str(self) -> &'static str {
        match self {
            ListRole::Party => "party",
            ListRole::Bureau => "bureau",
            ListRole::Supervisor => "supervisor",
        }
    }
}

labelled_enum! {
    /// Who gives a dispute command.
    pub enum DisputeParty {
        /// 提出方: the body that raised it.
        Raiser = ("raiser", "提出方", "Raising body"),
        /// 争议相对方: another body it names.
        Party = ("party", "争议相对方", "Other party"),
        /// 协调机关: the judicial bureau it escalates to.
        Bureau = ("bureau", "协调机关", "Coordinating bureau"),
        /// 上级监督机关: a bureau above, which reads.
        Supervisor = ("supervisor", "监督机关", "Supervising bureau"),
        /// The server itself: the signed agreement's or decision's completion.
        System = ("system", "系统", "System"),
    }
}

labelled_enum! {
    /// What is asked of a dispute.
    pub enum DisputeCommand {
        /// 开始协商: another party takes up the negotiation.
        Negotiate = ("negotiate", "开始协商", "Negotiate"),
        /// 协商一致: the system's, when the parties' agreement (协议书, naming the responsible
        /// body, its duty and the deadline) is signed by every party.
        Settle = ("settle", "协商一致", "Settle"),
        /// 提请协调: to the judicial bureau.
        Escalate = ("escalate", "提请司法局协调", "Escalate"),
        /// 受理.
        Accept = ("accept", "受理", "Accept"),
        /// 不予受理: with reasons.
        Refuse = ("refuse", "不予受理", "Refuse"),
        /// 开始协调: the written replies are in, or their time passed.
        Coordinate = ("coordinate", "开始协调", "Coordinate"),
        /// 作出协调意见: the system's, when the bureau's decision (协调意见书, naming the
        /// responsible body, its duty and the deadline) is signed.
        Decide = ("decide", "作出协调意见", "Decide"),
        /// 报请政府决定: major or complex.
        Refer = ("refer", "报请政府决定", "Refer to the government"),
        /// 记录政府决定.
        RecordGovernmentDecision = ("record_government_decision", "记录政府决定", "Record the government's decision"),
        /// 交付执行: the responsible body gets the task.
        Implement = ("implement", "交付执行", "Hand over for implementation"),
        /// 办结.
        Close = ("close", "办结", "Close"),
        /// 撤回: the raising body, with a reason.
        Withdraw = ("withdraw", "撤回争议", "Withdraw"),
    }
}

impl DisputeState {
    /// Resolved, not accepted, closed or withdrawn: nothing more can happen.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            DisputeState::Resolved
                | DisputeState::NotAccepted
                | DisputeState::Closed
                | DisputeState::Withdrawn
        )
    }

    /// Before the bureau decided (or the parties settled): the raising body may withdraw.
    pub fn before_decision(self) -> bool {
        matches!(
            self,
            DisputeState::Raised
                | DisputeState::Negotiating
                | DisputeState::Escalated
                | DisputeState::RepliesDue
                | DisputeState::Coordinating
        )
    }

    /// Between the parties: raised or negotiating.
    pub fn between_parties(self) -> bool {
        matches!(self, DisputeState::Raised | DisputeState::Negotiating)
    }

    /// The clock that runs in this state, if any.
    pub fn stage(self) -> Option<Stage> {
        match self {
            DisputeState::Raised | DisputeState::Negotiating => Some(Stage::Negotiation),
            DisputeState::Escalated => Some(Stage::Acceptance),
            DisputeState::RepliesDue => Some(Stage::Replies),
            DisputeState::Coordinating => Some(Stage::Decision),
            _ => None,
        }
    }
}

labelled_enum! {
    /// A dispute's clocks: each counts its region's limit ([`Stage::limit`]).
    pub enum Stage {
        /// 协商期限: 10 working days from raising before a party may escalate.
        Negotiation = ("negotiation", "协商期限", "Negotiation"),
        /// 受理期限: 3 working days for the bureau to accept or refuse.
        Acceptance = ("acceptance", "受理期限", "Acceptance"),
        /// 书面答复期限: 5 working days from acceptance for each party's written reply.
        Replies = ("replies", "书面答复期限", "Written replies"),
        /// 协调决定期限: 30 days from acceptance for the decision.
        Decision = ("decision", "协调决定期限", "Decision"),
    }
}

impl Stage {
    /// The region's time limit of this stage (by default 10, 3 and 5 working days, and 30
    /// days: [`super::limits`]).
    pub fn limit(self) -> LimitKind {
        match self {
            Stage::Negotiation => LimitKind::DisputeNegotiation,
            Stage::Acceptance => LimitKind::DisputeAcceptance,
            Stage::Replies => LimitKind::DisputeReplies,
            Stage::Decision => LimitKind::DisputeDecision,
        }
    }
}

impl DisputeCommand {
    /// Who may give it.
    fn by(self, party: DisputeParty) -> bool {
        use DisputeCommand as C;
        use DisputeParty as P;
        match self {
            C::Negotiate => party == P::Party,
            C::Escalate => matches!(party, P::Raiser | P::Party),
            C::Withdraw => party == P::Raiser,
            C::Settle | C::Decide => party == P::System,
            C::Accept
            | C::Refuse
            | C::Coordinate
            | C::Refer
            | C::RecordGovernmentDecision
            | C::Implement
            | C::Close => party == P::Bureau,
        }
    }

    fn wrong_party(self) -> &'static Phrase {
        use DisputeCommand as C;
        match self {
            C::Negotiate => &NEGOTIATE_BY_OTHER_PARTY,
            C::Escalate => &BETWEEN_PARTIES_BY_PARTIES,
            C::Withdraw => &WITHDRAW_BY_RAISER,
            C::Settle => &SETTLED_BY_SIGNING,
            C::Decide => &DECIDED_BY_SIGNING,
            _ => &BY_THE_BUREAU,
        }
    }

    fn wrong_state(self, state: DisputeState) -> Refused {
        use DisputeCommand as C;
        let rule = match self {
            C::Negotiate => &NEGOTIATE_WHEN_RAISED,
            C::Settle => &SETTLE_WHILE_NEGOTIATING,
            C::Escalate => &ESCALATE_BETWEEN_PARTIES,
            C::Accept | C::Refuse => &ACCEPT_WHEN_ESCALATED,
            C::Coordinate => &COORDINATE_WHEN_REPLIES_DUE,
            C::Decide => &DECIDE_WHILE_COORDINATING,
            C::Refer => &REFER_WHEN_DECIDED,
            C::RecordGovernmentDecision => &GOVERNMENT_WHEN_REFERRED,
            C::Implement => &IMPLEMENT_WHEN_DECIDED,
            C::Close => &CLOSE_WHEN_CARRIED_OUT,
            C::Withdraw => &WITHDRAW_BEFORE_DECISION,
        };
        Refused::in_state(rule, state)
    }
}

fn final_rule(state: DisputeState) -> Option<&'static Phrase> {
    match state {
        DisputeState::Resolved => Some(&RESOLVED_IS_FINAL),
        DisputeState::NotAccepted => Some(&NOT_ACCEPTED_IS_FINAL),
        DisputeState::Closed => Some(&CLOSED_IS_FINAL),
        DisputeState::Withdrawn => Some(&WITHDRAWN_IS_FINAL),
        _ => None,
    }
}

catalogue! { RULES:
    NEGOTIATE_BY_OTHER_PARTY = "dispute.negotiate_by_other_party",
        "只有争议相对方可以开始协商（negotiate）",
        "only another party of the dispute takes up the negotiation (negotiate)";
    BETWEEN_PARTIES_BY_PARTIES = "dispute.between_parties_by_parties",
        "只有争议当事方可以提请司法局协调",
        "only the parties of a dispute escalate it";
    SETTLED_BY_SIGNING = "dispute.settled_by_signing",
        "争议各方在协议书上全部签署后，争议即为已协商解决，无需另行操作",
        "a dispute is settled by every party signing the agreement (协议书), not by a command";
    WITHDRAW_BY_RAISER = "dispute.withdraw_by_raiser",
        "只有提出争议的单位可以撤回争议",
        "only the raising body may withdraw a dispute";
    BY_THE_BUREAU = "dispute.by_the_bureau",
        "只有受理协调的司法局可以进行此操作",
        "only the judicial bureau the dispute is escalated to may do this";
    DECIDED_BY_SIGNING = "dispute.decided_by_signing",
        "协调意见书由司法局签署完成后，争议即为已作出协调意见，无需另行操作",
        "a dispute is decided by signing the bureau's decision (协调意见书), not by a command";
    NEGOTIATE_WHEN_RAISED = "dispute.negotiate_when_raised",
        "争议提出后（已提出）才能开始协商（当前为{now}）",
        "negotiation is taken up only once the dispute is raised; it is now {now}";
    SETTLE_WHILE_NEGOTIATING = "dispute.settle_while_negotiating",
        "只有协商中的争议可以协商一致（当前为{now}）",
        "a dispute is settled only while negotiating; it is now {now}";
    ESCALATE_BETWEEN_PARTIES = "dispute.escalate_between_parties",
        "只有已提出或协商中的争议可以提请司法局协调（当前为{now}）",
        "a dispute is escalated only while it is raised or negotiating; it is now {now}";
    ESCALATE_AFTER_NEGOTIATION = "dispute.escalate_after_negotiation",
        "协商期限届满后才能提请司法局协调；期限内须各方均确认协商不成",
        "a dispute may be escalated once the negotiation time has passed, or earlier when every party said negotiation failed";
    ACCEPT_WHEN_ESCALATED = "dispute.accept_when_escalated",
        "只有已提请协调的争议可以受理或不予受理（当前为{now}）",
        "a dispute is accepted or refused only once escalated; it is now {now}";
    COORDINATE_WHEN_REPLIES_DUE = "dispute.coordinate_when_replies_due",
        "只有已受理、待书面答复的争议可以开始协调（当前为{now}）",
        "coordination starts only once the dispute is accepted (replies_due); it is now {now}";
    COORDINATE_AFTER_REPLIES = "dispute.coordinate_after_replies",
        "各方均已书面答复或答复期限届满后才能开始协调",
        "coordination starts once every party answered in writing or the time for replies has passed";
    DECIDE_WHILE_COORDINATING = "dispute.decide_while_coordinating",
        "只有协调中的争议可以作出协调意见（当前为{now}）",
        "a decision is made only while coordinating; it is now {now}";
    REFER_WHEN_DECIDED = "dispute.refer_when_decided",
        "只有已作出协调意见的争议可以报请政府决定（当前为{now}）",
        "a dispute is referred to the government only once decided; it is now {now}";
    GOVERNMENT_WHEN_REFERRED = "dispute.government_when_referred",
        "只有已报请政府决定的争议可以记录政府决定（当前为{now}）",
        "the government's decision is recorded only once referred; it is now {now}";
    IMPLEMENT_WHEN_DECIDED = "dispute.implement_when_decided",
        "只有已作出协调意见的争议可以交付执行（当前为{now}）",
        "a decision is handed over for implementation only once decided; it is now {now}";
    CLOSE_WHEN_CARRIED_OUT = "dispute.close_when_carried_out",
        "只有执行中或政府已决定的争议可以办结（当前为{now}）",
        "a dispute is closed only while implementing or once the government decided; it is now {now}";
    CLOSE_AFTER_TASK = "dispute.close_after_task",
        "执行任务办结后才能办结争议",
        "a dispute is closed only once its implementation task is done";
    WITHDRAW_BEFORE_DECISION = "dispute.withdraw_before_decision",
        "争议只能在作出协调意见之前撤回（当前为{now}）",
        "a dispute can be withdrawn only before a decision; it is now {now}";
    RESOLVED_IS_FINAL = "dispute.resolved_is_final",
        "争议已协商解决，不能再进行任何操作",
        "a resolved dispute is final: nothing more can be done to it";
    NOT_ACCEPTED_IS_FINAL = "dispute.not_accepted_is_final",
        "争议未被受理，不能再进行任何操作；如有新的情况，请重新提出",
        "a dispute that was not accepted is final: raise a new one if things changed";
    CLOSED_IS_FINAL = "dispute.closed_is_final",
        "争议已办结，不能再进行任何操作",
        "a closed dispute is final: nothing more can be done to it";
    WITHDRAWN_IS_FINAL = "dispute.withdrawn_is_final",
        "争议已撤回，不能再进行任何操作",
        "a withdrawn dispute is final: nothing more can be done to it";
    GIVE_UP_BY_PARTY = "dispute.give_up_by_party",
        "只有争议当事方可以确认协商不成",
        "only a party of the dispute says negotiation failed";
    GIVE_UP_BETWEEN_PARTIES = "dispute.give_up_between_parties",
        "只有已提出或协商中的争议可以确认协商不成",
        "negotiation is declared failed only while the dispute is raised or negotiating";
    REPLY_BY_PARTY = "dispute.reply_by_party",
        "只有争议当事方可以提交书面答复",
        "only a party of the dispute answers in writing";
    REPLY_WHEN_ACCEPTED = "dispute.reply_when_accepted",
        "书面答复只能在争议受理后、作出协调意见之前提交",
        "a written reply is given only after the dispute is accepted and before the decision";
    POSITION_BY_PARTY = "dispute.position_by_party",
        "各方只能填写本单位的意见和依据",
        "each party writes only its own position and legal basis";
    POSITION_BEFORE_DECISION = "dispute.position_before_decision",
        "作出协调意见之后不能再修改各方意见",
        "positions cannot change once the dispute is decided";
    LEAD_BY_BUREAU = "dispute.lead_by_bureau",
        "只有受理协调的司法局可以指定临时牵头单位",
        "only the coordinating bureau names an interim lead body";
    LEAD_WHILE_COORDINATING = "dispute.lead_while_coordinating",
        "只有受理后、作出协调意见之前可以指定临时牵头单位",
        "an interim lead body is named only after acceptance and before the decision";
    DECISION_ARCHIVED = "decision.archived",
        "已归档的协调意见书永久只读；如需更正，请重新作出协调意见",
        "an archived decision is read-only forever; a correction is a new decision";
    DECISION_SUPERSEDED = "decision.superseded",
        "协调意见书的此版本已被新版本取代，请在最新版本上操作",
        "this version of the decision was superseded; act on the newest version";
    DECISION_FREEZE = "decision.freeze",
        "只有草稿状态的协调意见书可以定稿",
        "only a decision in draft can be frozen";
    DECISION_OPEN_SIGNING = "decision.open_signing",
        "协调意见书定稿后方可开启签署，且只开启一次",
        "signing opens once, on a frozen decision";
    DECISION_SIGN = "decision.sign",
        "只有在签署开启期间才能签署协调意见书",
        "a decision is signed only while signing is open";
    DECISION_REOPEN = "decision.reopen",
        "只有已定稿或签署中的协调意见书可以退回修改",
        "only a frozen decision or one being signed can be sent back for changes";
    DECISION_DECLINE_WHILE_SIGNING = "decision.decline_while_signing",
        "签署单位只能在签署开启后退回；本协调意见书尚未开启签署",
        "a signatory sends back while signing is open; this decision is not being signed";
    DECISION_ARCHIVE = "decision.archive",
        "协调意见书签署完毕后方可归档",
        "only a signed decision can be archived";
    DECISION_NOT_SIGNATORY = "decision.not_signatory",
        "协调意见书由受理协调的司法局签署，本单位不在签署之列",
        "a decision is signed by the coordinating bureau; your organization does not sign it";
    DECISION_ALREADY_SIGNED = "decision.already_signed",
        "本单位已签署此版本协调意见书",
        "your organization has already signed this version of the decision";
    DECISION_REOPEN_DENIED = "decision.reopen_denied",
        "只有受理协调的司法局可以退回协调意见书",
        "only the coordinating bureau may send the decision back";
    DECISION_FREEZE_WHILE_COORDINATING = "decision.freeze_while_coordinating",
        "争议进入协调阶段（协调中）后才能定稿协调意见书",
        "the decision is frozen only while the dispute is coordinating";
    DECISION_RESPONSIBLE_NOT_A_PARTY = "decision.responsible_not_a_party",
        "协调意见书确定的责任单位须为争议当事方之一，请修改后重新定稿",
        "the responsible body a decision names must be one of the parties; change it and freeze again";
    AGREEMENT_ARCHIVED = "agreement.archived",
        "已归档的协议书永久只读",
        "an archived agreement is read-only forever";
    AGREEMENT_SUPERSEDED = "agreement.superseded",
        "协议书的此版本已被新版本取代，请在最新版本上操作",
        "this version of the agreement was superseded; act on the newest version";
    AGREEMENT_FREEZE = "agreement.freeze",
        "只有草稿状态的协议书可以定稿",
        "only an agreement in draft can be frozen";
    AGREEMENT_OPEN_SIGNING = "agreement.open_signing",
        "协议书定稿后方可开启签署，且只开启一次",
        "signing opens once, on a frozen agreement";
    AGREEMENT_SIGN = "agreement.sign",
        "只有在签署开启期间才能签署协议书",
        "an agreement is signed only while signing is open";
    AGREEMENT_REOPEN = "agreement.reopen",
        "只有已定稿或签署中的协议书可以退回修改",
        "only a frozen agreement or one being signed can be sent back for changes";
    AGREEMENT_DECLINE_WHILE_SIGNING = "agreement.decline_while_signing",
        "当事方只能在签署开启后退回；本协议书尚未开启签署",
        "a party sends back while signing is open; this agreement is not being signed";
    AGREEMENT_ARCHIVE = "agreement.archive",
        "协议书经各方签署完毕后方可归档",
        "only an agreement signed by every party can be archived";
    AGREEMENT_NOT_SIGNATORY = "agreement.not_signatory",
        "协议书由争议各方签署，本单位不在签署之列",
        "an agreement is signed by the parties of the dispute; your organization does not sign it";
    AGREEMENT_ALREADY_SIGNED = "agreement.already_signed",
        "本单位已签署此版本协议书",
        "your organization has already signed this version of the agreement";
    AGREEMENT_REOPEN_DENIED = "agreement.reopen_denied",
        "只有争议当事方可以退回协议书",
        "only a party of the dispute may send the agreement back";
    AGREEMENT_FREEZE_WHILE_NEGOTIATING = "agreement.freeze_while_negotiating",
        "只有协商中的争议可以定稿协议书（争议提出后须先由相对方开始协商；已提请协调的争议由司法局处理）",
        "the agreement is frozen only while the parties negotiate (a raised dispute is first taken up; an escalated one is the bureau's)";
    AGREEMENT_RESPONSIBLE_NOT_A_PARTY = "agreement.responsible_not_a_party",
        "协议书约定的负责单位须为争议当事方之一，请修改后重新定稿",
        "the body an agreement makes responsible must be one of the parties; change it and freeze again";
    AGREEMENT_NOT_NEGOTIATING = "agreement.not_negotiating",
        "争议已不在协商中（当前为{now}），协议书不能再签署完成；如仍需协商解决，请向协调的司法局说明",
        "the dispute is no longer being negotiated (it is now {now}), so the agreement cannot be completed; tell the coordinating bureau if the parties still agree";
    CONSULT_BY_BUREAU = "dispute.consult_by_bureau",
        "只有受理协调的司法局可以召开案件会商",
        "only the coordinating bureau convenes a case consultation";
    CONSULT_WHILE_COORDINATING = "dispute.consult_while_coordinating",
        "只有受理后、作出协调意见之前可以召开案件会商",
        "a case consultation is convened only after acceptance and before the decision";
    NO_COMMON_REGION = "dispute.no_common_region",
        "争议各方不属于同一行政区域，没有共同的上级司法行政机关可以协调",
        "the parties share no region, so no judicial bureau covers them all";
    NO_BUREAU = "dispute.no_bureau",
        "争议各方共同所在的区域及其上级区域均没有司法局，无法提请协调；请系统管理员在目录中添加",
        "no judicial bureau exists in the region covering every party or above it; ask an operator to add one to the directory";
}

/// The one transition function: what `party` giving `command` to a dispute in `state` leads
/// to, when the current stage is over (`stage_over`) or not.
pub fn transition(
    stage_over: bool,
    state: DisputeState,
    party: DisputeParty,
    command: DisputeCommand,
) -> Result<DisputeState, Refused> {
    use DisputeCommand as C;
    use DisputeState as S;

    kernel::precheck(final_rule(state), command.by(party), command.wrong_party())?;
    let next = match (state, command) {
        (S::Raised, C::Negotiate) => S::Negotiating,
        (S::Negotiating, C::Settle) => S::Resolved,
        (S::Raised | S::Negotiating, C::Escalate) if stage_over => S::Escalated,
        (S::Raised | S::Negotiating, C::Escalate) => {
            return Err(Refused::by(&ESCALATE_AFTER_NEGOTIATION))
        }
        (S::Escalated, C::Accept) => S::RepliesDue,
        (S::Escalated, C::Refuse) => S::NotAccepted,
        (S::RepliesDue, C::Coordinate) if stage_over => S::Coordinating,
        (S::RepliesDue, C::Coordinate) => return Err(Refused::by(&COORDINATE_AFTER_REPLIES)),
        (S::Coordinating, C::Decide) => S::Decided,
        (S::Decided, C::Refer) => S::Referred,
        (S::Referred, C::RecordGovernmentDecision) => S::GovernmentDecided,
        (S::Decided, C::Implement) => S::Implementing,
        (S::Implementing, C::Close) if stage_over => S::Closed,
        (S::Implementing, C::Close) => return Err(Refused::by(&CLOSE_AFTER_TASK)),
        (S::GovernmentDecided, C::Close) => S::Closed,
        (s, C::Withdraw) if s.before_decision() => S::Withdrawn,
        _ => return Err(command.wrong_state(state)),
    };
    Ok(next)
}

/// The dispute as a [`Workflow`]; the context is whether the current stage is over.
pub struct DisputeFlow;

impl Workflow for DisputeFlow {
    type State = DisputeState;
    type Party = DisputeParty;
    type Command = DisputeCommand;
    type Context = bool;
    const PARTIES: &'static [DisputeParty] = DisputeParty::ALL;
    const CONTEXTS: &'static [bool] = &[false, true];

    fn transition(
        stage_over: bool,
        state: DisputeState,
        party: DisputeParty,
        command: DisputeCommand,
    ) -> Result<DisputeState, Refused> {
        transition(stage_over, state, party, command)
    }
}

/// Whether `party` may say negotiation failed (协商不成) now. When every party has, a party
/// may escalate before the negotiation time passed.
pub fn may_give_up(state: DisputeState, party: DisputeParty) -> Result<(), Refused> {
    if let Some(rule) = final_rule(state) {
        return Err(Refused::by(rule));
    }
    if !matches!(party, DisputeParty::Raiser | DisputeParty::Party) {
        return Err(Refused::by(&GIVE_UP_BY_PARTY));
    }
    if !state.between_parties() {
        return Err(Refused::by(&GIVE_UP_BETWEEN_PARTIES));
    }
    Ok(())
}

/// Whether `party` may give its written reply (书面答复) now: after acceptance, before the
/// decision; a late reply is still taken while the bureau coordinates.
pub fn may_reply(state: DisputeState, party: DisputeParty) -> Result<(), Refused> {
    if let Some(rule) = final_rule(state) {
        return Err(Refused::by(rule));
    }
    if !matches!(party, DisputeParty::Raiser | DisputeParty::Party) {
        return Err(Refused::by(&REPLY_BY_PARTY));
    }
    if !matches!(state, DisputeState::RepliesDue | DisputeState::Coordinating) {
        return Err(Refused::by(&REPLY_WHEN_ACCEPTED));
    }
    Ok(())
}

/// Whether `party` may change its own position and legal basis now: a party, before the
/// decision.
pub fn may_state_position(state: DisputeState, party: DisputeParty) -> Result<(), Refused> {
    if let Some(rule) = final_rule(state) {
        return Err(Refused::by(rule));
    }
    if !matches!(party, DisputeParty::Raiser | DisputeParty::Party) {
        return Err(Refused::by(&POSITION_BY_PARTY));
    }
    if !state.before_decision() {
        return Err(Refused::by(&POSITION_BEFORE_DECISION));
    }
    Ok(())
}

/// Whether `party` may name an interim lead body (临时牵头) now: the bureau, after acceptance
/// and before the decision.
pub fn may_name_lead(state: DisputeState, party: DisputeParty) -> Result<(), Refused> {
    if let Some(rule) = final_rule(state) {
        return Err(Refused::by(rule));
    }
    if party != DisputeParty::Bureau {
        return Err(Refused::by(&LEAD_BY_BUREAU));
    }
    if !matches!(state, DisputeState::RepliesDue | DisputeState::Coordinating) {
        return Err(Refused::by(&LEAD_WHILE_COORDINATING));
    }
    Ok(())
}

/// Whether `party` may convene a case consultation meeting (案件会商) on the dispute now: the
/// bureau, after acceptance and before the decision.
pub fn may_convene_consultation(state: DisputeState, party: DisputeParty) -> Result<(), Refused> {
    if let Some(rule) = final_rule(state) {
        return Err(Refused::by(rule));
    }
    if party != DisputeParty::Bureau {
        return Err(Refused::by(&CONSULT_BY_BUREAU));
    }
    if !matches!(state, DisputeState::RepliesDue | DisputeState::Coordinating) {
        return Err(Refused::by(&CONSULT_WHILE_COORDINATING));
    }
    Ok(())
}

/// Where a dispute escalates: the judicial bureau of the lowest region that covers every
/// party (`parties`: their regions' paths), or, when that region has none, of the nearest
/// region above it that has one. `bureaus` are the judicial bureaus to choose from with their
/// regions' paths; of two in one region the first listed is taken (the caller lists them in a
/// stable order). Answers the bureau's index in `bureaus` and the covering region's path.
pub fn escalation_target(
    parties: &[&RegionPath],
    bureaus: &[&RegionPath],
) -> Result<(usize, RegionPath), Refused> {
    let common = common_region(parties).ok_or(Refused::by(&NO_COMMON_REGION))?;
    let mut level = Some(common.clone());
    while let Some(region) = level {
        if let Some(i) = bureaus.iter().position(|b| **b == region) {
            return Ok((i, common));
        }
        level = parent(&region);
    }
    Err(Refused::by(&NO_BUREAU))
}

/// The lowest region whose path covers every path of `paths` (their longest common run of
/// whole segments), or `None` when they share no region (or there are none).
pub fn common_region(paths: &[&RegionPath]) -> Option<RegionPath> {
    let (first, rest) = paths.split_first()?;
    let mut segments: Vec<&str> = segments(first).collect();
    for path in rest {
        let same = segments
            .iter()
            .zip(segments_of(path))
            .take_while(|(a, b)| **a == *b)
            .count();
        segments.truncate(same);
    }
    if segments.is_empty() {
        return None;
    }
    Some(RegionPath(format!("/{}/", segments.join("/"))))
}

fn segments(path: &RegionPath) -> impl Iterator<Item = &str> {
    path.0.split('/').filter(|s| !s.is_empty())
}

fn segments_of(path: &RegionPath) -> Vec<&str> {
    segments(path).collect()
}

/// The region directly above, or `None` for a top-level region.
pub fn parent(path: &RegionPath) -> Option<RegionPath> {
    let segments = segments_of(path);
    let (_, above) = segments.split_last()?;
    if above.is_empty() {
        return None;
    }
    Some(RegionPath(format!("/{}/", above.join("/"))))
}

/// The code of the region a path ends in.
pub fn region_code_of(path: &RegionPath) -> Option<&str> {
    segments(path).last()
}

/// The words of the decision's (协调意见书) signing lifecycle.
pub struct DecisionWords;

impl Words for DecisionWords {
    const WORDS: Wording = Wording {
        archived: &DECISION_ARCHIVED,
        superseded: &DECISION_SUPERSEDED,
        freeze: &DECISION_FREEZE,
        open_signing: &DECISION_OPEN_SIGNING,
        sign: &DECISION_SIGN,
        reopen: &DECISION_REOPEN,
        decline_while_signing: &DECISION_DECLINE_WHILE_SIGNING,
        archive: &DECISION_ARCHIVE,
        not_signatory: &DECISION_NOT_SIGNATORY,
        already_signed: &DECISION_ALREADY_SIGNED,
        reopen_denied: &DECISION_REOPEN_DENIED,
    };
}

/// Who may be named in a decision's signing policy, as a refusal says it.
pub const DECISION_SIGNATORIES: Signatories = ("受理协调的司法局", "the coordinating bureau");

/// The words of the parties' agreement's (协议书) signing lifecycle.
pub struct AgreementWords;

impl Words for AgreementWords {
    const WORDS: Wording = Wording {
        archived: &AGREEMENT_ARCHIVED,
        superseded: &AGREEMENT_SUPERSEDED,
        freeze: &AGREEMENT_FREEZE,
        open_signing: &AGREEMENT_OPEN_SIGNING,
        sign: &AGREEMENT_SIGN,
        reopen: &AGREEMENT_REOPEN,
        decline_while_signing: &AGREEMENT_DECLINE_WHILE_SIGNING,
        archive: &AGREEMENT_ARCHIVE,
        not_signatory: &AGREEMENT_NOT_SIGNATORY,
        already_signed: &AGREEMENT_ALREADY_SIGNED,
        reopen_denied: &AGREEMENT_REOPEN_DENIED,
    };
}

/// Who may be named in an agreement's signing policy, as a refusal says it.
pub const AGREEMENT_SIGNATORIES: Signatories = ("争议当事方", "a party of the dispute");

/// Why the agreement may not be frozen while the dispute is in `state`, if so: the parties
/// settle only while they negotiate (a raised dispute is first taken up, an escalated one is
/// the bureau's).
pub fn agreement_freeze_gate(state: DisputeState) -> Option<Refused> {
    match state {
        DisputeState::Negotiating => None,
        _ => Some(Refused::by(&AGREEMENT_FREEZE_WHILE_NEGOTIATING)),
    }
}

/// Why the decision may not be frozen while the dispute is in `state`, if so: the bureau
/// decides once it coordinates.
pub fn decision_freeze_gate(state: DisputeState) -> Option<Refused> {
    match state {
        DisputeState::Coordinating => None,
        _ => Some(Refused::by(&DECISION_FREEZE_WHILE_COORDINATING)),
    }
}

commands! {
    /// A command on a dispute with exactly its fields (`POST /api/disputes/{id}/actions`,
    /// `{"command": "escalate", "revision": 3}`). Every command names the revision the caller
    /// read; a dispute changed since is refused (409).
    pub enum DisputeAction tagged "command" {
        /// 开始协商.
        Negotiate { revision: i64 },
        /// 协商一致: the system's, when every party signed the agreement; refused to people.
        Settle { revision: i64 },
        /// 提请协调: why negotiation did not settle it.
        Escalate { revision: i64, reason: Reason },
        /// 受理.
        Accept { revision: i64 },
        /// 不予受理: the reasons.
        Refuse { revision: i64, reason: Reason },
        /// 开始协调.
        Coordinate { revision: i64 },
        /// 作出协调意见: the system's, when the decision is signed; refused to people.
        Decide { revision: i64 },
        /// 报请政府决定: why the matter is major or complex.
        Refer { revision: i64, reason: Reason },
        /// 记录政府决定: what the government decided.
        RecordGovernmentDecision { revision: i64, decision: Text },
        /// 交付执行: the responsible body gets a task (source `dispute`).
        Implement { revision: i64 },
        /// 办结.
        Close { revision: i64 },
        /// 撤回: why.
        Withdraw { revision: i64, reason: Reason },
    }
}

impl DisputeAction {
    /// Which command it is.
    pub fn command(&self) -> DisputeCommand {
        use DisputeAction as A;
        use DisputeCommand as C;
        match self {
            A::Negotiate { .. } => C::Negotiate,
            A::Settle { .. } => C::Settle,
            A::Escalate { .. } => C::Escalate,
            A::Accept { .. } => C::Accept,
            A::Refuse { .. } => C::Refuse,
            A::Coordinate { .. } => C::Coordinate,
            A::Decide { .. } => C::Decide,
            A::Refer { .. } => C::Refer,
            A::RecordGovernmentDecision { .. } => C::RecordGovernmentDecision,
            A::Implement { .. } => C::Implement,
            A::Close { .. } => C::Close,
            A::Withdraw { .. } => C::Withdraw,
        }
    }

    /// The revision the caller read.
    pub fn revision(&self) -> i64 {
        use DisputeAction as A;
        match self {
            A::Negotiate { revision }
            | A::Settle { revision }
            | A::Escalate { revision, .. }
            | A::Accept { revision }
            | A::Refuse { revision, .. }
            | A::Coordinate { revision }
            | A::Decide { revision }
            | A::Refer { revision, .. }
            | A::RecordGovernmentDecision { revision, .. }
            | A::Implement { revision }
            | A::Close { revision }
            | A::Withdraw { revision, .. } => *revision,
        }
    }
}

impl CommandShape for DisputeAction {
    fn missing(command: &str, field: &str) -> Option<String> {
        Some(format!("{field} is required to {command} a dispute"))
    }

    fn misplaced(command: &str, field: &str) -> Option<String> {
        Some(format!("{field} is not a field of the command {command}"))
    }
}

/// What a party writes of its own side (`PUT /api/disputes/{id}/parties/{org_id}`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Position {
    /// 本单位意见: what the body holds.
    pub position: Text,
    /// 法律依据: the laws and the list of powers it rests on.
    #[serde(default, deserialize_with = "crate::domain::text::optional")]
    pub legal_basis: Option<Text>,
}

/// The matter a dispute is about, as the raising body describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matter {
    pub title: Title,
    pub description: Text,
    pub place: Option<Line>,
    /// The enforcement item (执法事项) or the case number it concerns.
    pub reference: Option<Line>,
    /// What the parties already tried.
    pub tried: Option<Text>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use DisputeCommand as C;
    use DisputeParty::{Bureau, Party, Raiser, Supervisor, System};
    use DisputeState as S;

    /// Every allowed arrow, with the context it needs (`true`: the stage is over; both when
    /// the command does not look at it).
    const ALLOWED: &[(bool, S, DisputeParty, C, S)] = &[
        (false, S::Raised, Party, C::Negotiate, S::Negotiating),
        (true, S::Raised, Party, C::Negotiate, S::Negotiating),
        (false, S::Negotiating, System, C::Settle, S::Resolved),
        (true, S::Negotiating, System, C::Settle, S::Resolved),
        (true, S::Raised, Raiser, C::Escalate, S::Escalated),
        (true, S::Raised, Party, C::Escalate, S::Escalated),
        (true, S::Negotiating, Raiser, C::Escalate, S::Escalated),
        (true, S::Negotiating, Party, C::Escalate, S::Escalated),
        (false, S::Escalated, Bureau, C::Accept, S::RepliesDue),
        (true, S::Escalated, Bureau, C::Accept, S::RepliesDue),
        (false, S::Escalated, Bureau, C::Refuse, S::NotAccepted),
        (true, S::Escalated, Bureau, C::Refuse, S::NotAccepted),
        (true, S::RepliesDue, Bureau, C::Coordinate, S::Coordinating),
        (false, S::Coordinating, System, C::Decide, S::Decided),
        (true, S::Coordinating, System, C::Decide, S::Decided),
        (false, S::Decided, Bureau, C::Refer, S::Referred),
        (true, S::Decided, Bureau, C::Refer, S::Referred),
        (
            false,
            S::Referred,
            Bureau,
            C::RecordGovernmentDecision,
            S::GovernmentDecided,
        ),
        (
            true,
            S::Referred,
            Bureau,
            C::RecordGovernmentDecision,
            S::GovernmentDecided,
        ),
        (false, S::Decided, Bureau, C::Implement, S::Implementing),
        (true, S::Decided, Bureau, C::Implement, S::Implementing),
        (true, S::Implementing, Bureau, C::Close, S::Closed),
        (false, S::GovernmentDecided, Bureau, C::Close, S::Closed),
        (true, S::GovernmentDecided, Bureau, C::Close, S::Closed),
        (false, S::Raised, Raiser, C::Withdraw, S::Withdrawn),
        (true, S::Raised, Raiser, C::Withdraw, S::Withdrawn),
        (false, S::Negotiating, Raiser, C::Withdraw, S::Withdrawn),
        (true, S::Negotiating, Raiser, C::Withdraw, S::Withdrawn),
        (false, S::Escalated, Raiser, C::Withdraw, S::Withdrawn),
        (true, S::Escalated, Raiser, C::Withdraw, S::Withdrawn),
        (false, S::RepliesDue, Raiser, C::Withdraw, S::Withdrawn),
        (true, S::RepliesDue, Raiser, C::Withdraw, S::Withdrawn),
        (false, S::Coordinating, Raiser, C::Withdraw, S::Withdrawn),
        (true, S::Coordinating, Raiser, C::Withdraw, S::Withdrawn),
    ];

    #[test]
    fn every_stage_state_party_and_command_is_allowed_or_refused_as_the_table_says() {
        let cases = kernel::testing::check_table::<DisputeFlow>(ALLOWED, |rule, state, command| {
            kernel::testing::names_command_or_state(rule, state, command)
                || rule.contains("only")
                || rule.contains("final")
                || rule.contains("negotiation time")
                || rule.contains("every party answered")
                || rule.contains("implementation task")
                || rule.contains("signing the bureau's decision")
        });
        assert_eq!(cases, 2 * 13 * 5 * 12);
    }

    #[test]
    fn escalating_early_needs_every_party_to_have_given_up() {
        let refused = transition(false, S::Negotiating, Raiser, C::Escalate).unwrap_err();
        assert_eq!(refused.rule.code, "dispute.escalate_after_negotiation");
        assert_eq!(
            transition(true, S::Negotiating, Raiser, C::Escalate),
            Ok(S::Escalated)
        );
    }

    #[test]
    fn a_supervising_bureau_only_reads() {
        for &state in S::ALL {
            for &command in C::ALL {
                for stage_over in [false, true] {
                    assert!(transition(stage_over, state, Supervisor, command).is_err());
                }
            }
            assert!(transition(true, state, System, C::Withdraw).is_err());
            assert!(may_give_up(state, Supervisor).is_err());
            assert!(may_reply(state, Supervisor).is_err());
            assert!(may_state_position(state, Supervisor).is_err());
            assert!(may_name_lead(state, Supervisor).is_err());
            assert!(may_convene_consultation(state, Supervisor).is_err());
        }
    }

    #[test]
    fn the_wrong_state_is_said_in_both_languages() {
        let refused = transition(true, S::Raised, Bureau, C::Accept).unwrap_err();
        let message = refused.message();
        assert_eq!(
            message.to_string(),
            "a dispute is accepted or refused only once escalated; it is now raised"
        );
        assert_eq!(
            message.render(crate::domain::message::Lang::Zh).unwrap(),
            "只有已提请协调的争议可以受理或不予受理（当前为已提出）"
        );
    }

    fn path(p: &str) -> RegionPath {
        RegionPath(p.into())
    }

    /// The region tree of the shapes below: a province, two cities, counties and a township.
    const PROVINCE: &str = "/330000/";
    const HANGZHOU: &str = "/330000/330100/";
    const NINGBO: &str = "/330000/330200/";
    const SHANGCHENG: &str = "/330000/330100/330102/";
    const GONGSHU: &str = "/330000/330100/330105/";
    const HAISHU: &str = "/330000/330200/330203/";
    const TOWNSHIP: &str = "/330000/330100/330102/330102001/";

    fn target(parties: &[&str], bureaus: &[&str]) -> Result<(usize, String), &'static str> {
        let parties: Vec<RegionPath> = parties.iter().map(|p| path(p)).collect();
        let bureaus: Vec<RegionPath> = bureaus.iter().map(|p| path(p)).collect();
        escalation_target(
            &parties.iter().collect::<Vec<_>>(),
            &bureaus.iter().collect::<Vec<_>>(),
        )
        .map(|(i, region)| (i, region.0))
        .map_err(|r| r.rule.code)
    }

    #[test]
    fn a_dispute_escalates_to_the_bureau_of_the_lowest_region_covering_every_party() {
        let bureaus = [PROVINCE, HANGZHOU, NINGBO, SHANGCHENG, GONGSHU, HAISHU];
        // Two departments of one county: that county's bureau.
        assert_eq!(
            target(&[SHANGCHENG, SHANGCHENG], &bureaus),
            Ok((3, SHANGCHENG.into()))
        );
        // A township office against a county department above it: the county's bureau.
        assert_eq!(
            target(&[TOWNSHIP, SHANGCHENG], &bureaus),
            Ok((3, SHANGCHENG.into()))
        );
        // Two counties of one city: the city's bureau.
        assert_eq!(
            target(&[SHANGCHENG, GONGSHU], &bureaus),
            Ok((1, HANGZHOU.into()))
        );
        // Two cities: the province's bureau; three parties, one in each city, too.
        assert_eq!(
            target(&[HAISHU, TOWNSHIP], &bureaus),
            Ok((0, PROVINCE.into()))
        );
        assert_eq!(
            target(&[HAISHU, GONGSHU, NINGBO], &bureaus),
            Ok((0, PROVINCE.into()))
        );
        // No bureau at the common level: the next one up.
        assert_eq!(
            target(&[SHANGCHENG, GONGSHU], &[PROVINCE, SHANGCHENG, GONGSHU]),
            Ok((0, HANGZHOU.into()))
        );
        // None anywhere above.
        assert_eq!(
            target(&[SHANGCHENG, GONGSHU], &[SHANGCHENG, GONGSHU, NINGBO]),
            Err("dispute.no_bureau")
        );
        // No common region at all (two provinces).
        assert_eq!(
            target(&["/330000/330100/", "/320000/320100/"], &bureaus),
            Err("dispute.no_common_region")
        );
    }

    #[test]
    fn the_common_region_is_made_of_whole_codes() {
        // 330102 and 3301020 share characters, not a region.
        assert_eq!(
            common_region(&[&path("/330000/330102/"), &path("/330000/3301020/")]),
            Some(path("/330000/"))
        );
        assert_eq!(parent(&path("/330000/")), None);
        assert_eq!(parent(&path(SHANGCHENG)), Some(path(HANGZHOU)));
        assert_eq!(region_code_of(&path(SHANGCHENG)), Some("330102"));
    }

    fn read(json: serde_json::Value) -> Result<DisputeAction, String> {
        serde_json::from_value(json).map_err(|e| e.to_string())
    }

    #[test]
    fn a_dispute_command_carries_exactly_its_fields() {
        use serde_json::json;
        assert_eq!(
            read(json!({ "command": "refuse", "revision": 2 })).unwrap_err(),
            "reason is required to refuse a dispute"
        );
        assert!(
            read(json!({ "command": "accept", "revision": 2, "reason": "x" }))
                .unwrap_err()
                .contains("reason is not a field of the command accept"),
        );
        assert!(
            read(json!({ "command": "settle", "revision": 4, "agreement": "由区市场监管局负责" }))
                .unwrap_err()
                .contains("agreement is not a field of the command settle"),
            "the agreement is a signed document, not a field"
        );
        let settle = read(json!({ "command": "settle", "revision": 4 })).unwrap();
        assert_eq!((settle.command(), settle.revision()), (C::Settle, 4));
    }
}
