//! Case referrals (案件移送): the machine of WORKFLOWS.md "Case referral" and issue 20 as one pure
//! transition function, what each kind of referral carries and who may send and receive it.
//!
//! An enforcement body that finds a case is not its own, or suspects a crime, refers it: to the
//! body whose jurisdiction it is (管辖移送), to public security (涉嫌犯罪移送, 行刑衔接, with a copy
//! to the procuratorate, 抄送检察院), to the procuratorate, or, for problem clues about officials,
//! to discipline inspection (问题线索移送). 「有案不移、有案难移、以罚代刑」 is the failure it
//! prevents, so every step has a clock and a named person.
//!
//! ```text
//! draft ──submit──▶ pending_approval ──approve (the body's head, ≤ 3 working days)──▶ approved
//!   ▲                    │ send_back (reasons)                                        │ send (≤ 24 h)
//!   └────────────────────┘                                                            ▼
//!                          returned ◀──return (not its matter)── received ◀──receive (签收)── sent
//!                             │ dispute (a jurisdiction dispute raised from it,         │
//!                             ▼          ≤ 2 working days; the system's)                 │ accept (materials complete) / not_accept (reasons)
//!                          disputed                                                      ▼          (≤ 3 working days)
//!                                                                  accepted ──feedback──▶ feedback_given ──close──▶ closed
//!                                                                  not_accepted ─────────────────────────close──▶ closed
//! withdraw (the referring body, with a reason): before receipt.
//! ```
//!
//! Parties: the referring body's officers draft, submit, send, withdraw and close; its head
//! (an admin of the body: the directory has no other notion of 负责人) approves or sends back;
//! the receiving body receives (a named person 签收s), ticks the material checklist, decides,
//! returns and reports back. A returned referral is not the receiver's to pass on: the only way
//! forward is the jurisdiction dispute it raises, whose raising gives `dispute` as
//! [`ReferralParty::System`]. The copied procuratorate and the supervising bodies read.
//!
//! The [`Workflow`] context is whether every item of the material checklist is marked
//! received (the receiver accepts only a complete case; it may refuse an incomplete one).
//! This module never reads anything.

use super::command::{commands, CommandShape};
use super::kernel::{self, Refused, Workflow};
use super::limits::LimitKind;
use super::message::{Message, Phrase};
use super::org::{labelled_enum, OrgKind};
use super::phrases::catalogue;
use super::signed::{Signatories, Wording, Words};
use super::text::{Line, Note, Reason, Text, Title};

/// The most items one material checklist names.
pub const MAX_ITEMS: usize = 50;

labelled_enum! {
    /// What is referred, to whom.
    pub enum ReferralKind {
        /// 管辖移送: to the enforcement body whose jurisdiction the case is.
        Jurisdiction = ("jurisdiction", "管辖移送", "Transfer of jurisdiction"),
        /// 涉嫌犯罪案件移送 (行刑衔接): to public security, copied to the procuratorate.
        Criminal = ("criminal", "涉嫌犯罪案件移送", "Suspected crime, to public security"),
        /// 移送检察院: to the procuratorate.
        Procuratorate = ("procuratorate", "移送检察院", "To the procuratorate"),
        /// 问题线索移送: problem clues about officials, to discipline inspection.
        Clue = ("clue", "问题线索移送", "Problem clues, to discipline inspection"),
    }
}

impl ReferralKind {
    /// Whether a body of kind `org` may refer a case of this kind: enforcement bodies refer
    /// cases; a judicial bureau also sends the clues its supervision finds.
    pub fn may_refer(self, org: OrgKind) -> bool {
        let enforcement = matches!(
            org,
            OrgKind::EnforcementDepartment | OrgKind::TownshipGovernment
        );
        match self {
            ReferralKind::Clue => enforcement || org == OrgKind::JudicialBureau,
            _ => enforcement,
        }
    }

    /// Who receives a referral of this kind, as a refusal says it.
    pub fn receiver_words(self) -> (&'static str, &'static str) {
        match self {
            ReferralKind::Jurisdiction => (
                "行政执法部门或乡镇人民政府",
                "an enforcement department or a township government",
            ),
            ReferralKind::Criminal => ("公安机关", "a public security body"),
            ReferralKind::Procuratorate => ("人民检察院", "a procuratorate"),
            ReferralKind::Clue => ("纪检监察机关", "a discipline inspection body"),
        }
    }

    /// Whether a body of kind `org` may receive a referral of this kind.
    pub fn may_receive(self, org: OrgKind) -> bool {
        match self {
            ReferralKind::Jurisdiction => matches!(
                org,
                OrgKind::EnforcementDepartment | OrgKind::TownshipGovernment
            ),
            ReferralKind::Criminal => org == OrgKind::PublicSecurity,
            ReferralKind::Procuratorate => org == OrgKind::Procuratorate,
            ReferralKind::Clue => org == OrgKind::DisciplineInspection,
        }
    }

    /// Whether the rules require a copy to the procuratorate (抄送检察院): a suspected crime's.
    pub fn needs_copy(self) -> bool {
        self == ReferralKind::Criminal
    }

    /// Whether the referral is seen by its parties alone: a clue about officials is not read
    /// by the judicial bureaus of the region (a closed space).
    pub fn closed(self) -> bool {
        self == ReferralKind::Clue
    }

    /// Whether the procuratorates of the region read it (their 立案监督): a suspected crime's.
    pub fn supervised_by_procuratorate(self) -> bool {
        self == ReferralKind::Criminal
    }
}

labelled_enum! {
    /// Where a referral is in its life.
    pub enum ReferralState {
        /// 草稿: the referring body writes it.
        Draft = ("draft", "草稿", "Draft"),
        /// 待审批: its head approves it or sends it back.
        PendingApproval = ("pending_approval", "待负责人审批", "Awaiting approval"),
        /// 已批准，待移送.
        Approved = ("approved", "已批准，待移送", "Approved, to be sent"),
        /// 已移送，待签收.
        Sent = ("sent", "已移送，待签收", "Sent, awaiting receipt"),
        /// 已签收，待决定: the receiver checks the materials and decides.
        Received = ("received", "已签收，待决定", "Received, awaiting decision"),
        /// 已受理（立案）.
        Accepted = ("accepted", "已受理（立案）", "Accepted"),
        /// 不予受理（不予立案）: with reasons.
        NotAccepted = ("not_accepted", "不予受理（不予立案）", "Not accepted"),
        /// 已反馈: the receiver reported what it did.
        FeedbackGiven = ("feedback_given", "已反馈办理情况", "Feedback given"),
        /// 已办结.
        Closed = ("closed", "已办结", "Closed"),
        /// 已退回: the receiver holds it is not its matter; it must raise a jurisdiction dispute.
        Returned = ("returned", "已退回，待提请争议协调", "Returned, dispute due"),
        /// 已提请争议协调: a jurisdiction dispute was raised from it.
        Disputed = ("disputed", "已提请争议协调", "Disputed"),
        /// 已撤回: by the referring body, before receipt.
        Withdrawn = ("withdrawn", "已撤回", "Withdrawn"),
    }
}

impl ReferralState {
    /// Closed, disputed or withdrawn: nothing more can happen to the referral itself.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            ReferralState::Closed | ReferralState::Disputed | ReferralState::Withdrawn
        )
    }

    /// Before the receiver signed for it: the referring body may still withdraw it.
    pub fn before_receipt(self) -> bool {
        matches!(
            self,
            ReferralState::Draft
                | ReferralState::PendingApproval
                | ReferralState::Approved
                | ReferralState::Sent
        )
    }

    /// Whether the referring body may still change what it refers (the case, the checklist).
    pub fn editable(self) -> bool {
        self == ReferralState::Draft
    }

    /// The clock that runs in this state, if any.
    pub fn stage(self) -> Option<ReferralStage> {
        match self {
            ReferralState::PendingApproval => Some(ReferralStage::Approval),
            ReferralState::Approved => Some(ReferralStage::Sending),
            ReferralState::Sent => Some(ReferralStage::Receipt),
            ReferralState::Received => Some(ReferralStage::Decision),
            ReferralState::Returned => Some(ReferralStage::Dispute),
            _ => None,
        }
    }
}

labelled_enum! {
    /// A referral's clocks, each counting its region's limit ([`ReferralStage::limit`]).
    pub enum ReferralStage {
        /// 审批期限: the head decides within 3 working days.
        Approval = ("approval", "审批期限", "Approval"),
        /// 移送期限: sent within 24 hours of approval.
        Sending = ("sending", "移送期限", "Sending"),
        /// 签收期限: the receiver signs for it.
        Receipt = ("receipt", "签收期限", "Receipt"),
        /// 立案决定期限: accepted or not within 3 working days of receipt.
        Decision = ("decision", "受理（立案）决定期限", "Decision"),
        /// 提请争议期限: a returned referral's dispute within 2 working days.
        Dispute = ("dispute", "提请争议协调期限", "Raising the dispute"),
    }
}

impl ReferralStage {
    /// The region's limit of this stage ([`super::limits`]).
    pub fn limit(self) -> LimitKind {
        match self {
            ReferralStage::Approval => LimitKind::ReferralApproval,
            ReferralStage::Sending => LimitKind::ReferralSending,
            ReferralStage::Receipt => LimitKind::ReferralReceipt,
            ReferralStage::Decision => LimitKind::ReferralDecision,
            ReferralStage::Dispute => LimitKind::DisputeWindow,
        }
    }

    /// Which side's clock it is: the referring body's or the receiver's.
    pub fn on_receiver(self) -> bool {
        matches!(
            self,
            ReferralStage::Receipt | ReferralStage::Decision | ReferralStage::Dispute
        )
    }
}

labelled_enum! {
    /// Who gives a referral command.
    pub enum ReferralParty {
        /// 移送单位经办人: an officer of the referring body.
        Officer = ("officer", "移送单位", "Referring body"),
        /// 移送单位负责人: an admin of the referring body, who approves.
        Head = ("head", "移送单位负责人", "Head of the referring body"),
        /// 接收单位.
        Receiver = ("receiver", "接收单位", "Receiving body"),
        /// 抄送检察院: reads.
        Copied = ("copied", "抄送检察院", "Copied procuratorate"),
        /// 监督机关: a supervising bureau or procuratorate, which reads.
        Supervisor = ("supervisor", "监督机关", "Supervising body"),
        /// The server itself: a dispute raised from a returned referral.
        System = ("system", "系统", "System"),
    }
}

impl ReferralParty {
    /// The referring body, officer or head.
    pub fn refers(self) -> bool {
        matches!(self, ReferralParty::Officer | ReferralParty::Head)
    }
}

labelled_enum! {
    /// What is asked of a referral.
    pub enum ReferralCommand {
        /// 提请审批.
        Submit = ("submit", "提请负责人审批", "Submit for approval"),
        /// 批准移送.
        Approve = ("approve", "批准移送", "Approve"),
        /// 退回修改: with reasons.
        SendBack = ("send_back", "退回修改", "Send back"),
        /// 移送.
        Send = ("send", "移送", "Send"),
        /// 签收.
        Receive = ("receive", "签收", "Sign for receipt"),
        /// 受理（立案）.
        Accept = ("accept", "受理（立案）", "Accept"),
        /// 不予受理（不予立案）: with reasons.
        NotAccept = ("not_accept", "不予受理（不予立案）", "Do not accept"),
        /// 退回（非本单位管辖）: with reasons; a jurisdiction dispute must follow.
        Return = ("return", "退回（非本单位管辖）", "Return (not our matter)"),
        /// 提请争议协调: the system's, when a dispute is raised from the returned referral.
        Dispute = ("dispute", "提请争议协调", "Raise a dispute"),
        /// 反馈办理情况.
        Feedback = ("feedback", "反馈办理情况", "Report back"),
        /// 办结.
        Close = ("close", "办结", "Close"),
        /// 撤回: with a reason, before receipt.
        Withdraw = ("withdraw", "撤回移送", "Withdraw"),
    }
}

impl ReferralCommand {
    /// Who may give it.
    fn by(self, party: ReferralParty) -> bool {
        use ReferralCommand as C;
        use ReferralParty as P;
        match self {
            C::Submit | C::Send | C::Close | C::Withdraw => party.refers(),
            C::Approve | C::SendBack => party == P::Head,
            C::Receive | C::Accept | C::NotAccept | C::Return | C::Feedback => party == P::Receiver,
            C::Dispute => party == P::System,
        }
    }

    fn wrong_party(self) -> &'static Phrase {
        use ReferralCommand as C;
        match self {
            C::Submit | C::Send | C::Close | C::Withdraw => &BY_THE_REFERRER,
            C::Approve | C::SendBack => &BY_THE_HEAD,
            C::Receive | C::Accept | C::NotAccept | C::Return | C::Feedback => &BY_THE_RECEIVER,
            C::Dispute => &DISPUTED_BY_RAISING,
        }
    }

    fn wrong_state(self, state: ReferralState) -> Refused {
        use ReferralCommand as C;
        let rule = match self {
            C::Submit => &SUBMIT_WHEN_DRAFT,
            C::Approve | C::SendBack => &APPROVE_WHEN_PENDING,
            C::Send => &SEND_WHEN_APPROVED,
            C::Receive => &RECEIVE_WHEN_SENT,
            C::Accept | C::NotAccept => &DECIDE_WHEN_RECEIVED,
            C::Return => &RETURN_WHEN_SENT_OR_RECEIVED,
            C::Dispute => &DISPUTE_WHEN_RETURNED,
            C::Feedback => &FEEDBACK_WHEN_ACCEPTED,
            C::Close => &CLOSE_WHEN_DONE,
            C::Withdraw => &WITHDRAW_BEFORE_RECEIPT,
        };
        Refused::in_state(rule, state)
    }
}

fn final_rule(state: ReferralState) -> Option<&'static Phrase> {
    match state {
        ReferralState::Closed => Some(&CLOSED_IS_FINAL),
        ReferralState::Disputed => Some(&DISPUTED_IS_FINAL),
        ReferralState::Withdrawn => Some(&WITHDRAWN_IS_FINAL),
        _ => None,
    }
}

catalogue! { RULES:
    BY_THE_REFERRER = "referral.by_the_referrer",
        "只有移送单位可以进行此操作",
        "only the referring body may do this";
    BY_THE_HEAD = "referral.by_the_head",
        "只有移送单位负责人（本单位管理员）可以审批移送",
        "only the head of the referring body (an admin of it) approves a referral";
    BY_THE_RECEIVER = "referral.by_the_receiver",
        "只有接收单位可以进行此操作",
        "only the receiving body may do this";
    DISPUTED_BY_RAISING = "referral.disputed_by_raising",
        "退回的移送案件由接收单位提出管辖争议后自动转入争议协调，无需另行操作",
        "a returned referral is disputed by raising a jurisdiction dispute from it, not by a command";
    SUBMIT_WHEN_DRAFT = "referral.submit_when_draft",
        "只有草稿可以提请审批（当前为{now}）",
        "only a draft is submitted for approval; it is now {now}";
    APPROVE_WHEN_PENDING = "referral.approve_when_pending",
        "只有待审批的移送可以批准或退回修改（当前为{now}）",
        "a referral is approved or sent back only while awaiting approval (pending_approval); it is now {now}";
    SEND_WHEN_APPROVED = "referral.send_when_approved",
        "只有已批准的移送可以移送（当前为{now}）",
        "a referral is sent only once approved; it is now {now}";
    RECEIVE_WHEN_SENT = "referral.receive_when_sent",
        "只有已移送、待签收的案件可以签收（当前为{now}）",
        "a referral is signed for only once sent; it is now {now}";
    DECIDE_WHEN_RECEIVED = "referral.decide_when_received",
        "只有已签收的案件可以作出受理或不予受理决定（当前为{now}）",
        "a referral is accepted or not only once received; it is now {now}";
    ACCEPT_WHEN_COMPLETE = "referral.accept_when_complete",
        "案件材料尚未全部签收确认，补齐后方可受理；材料不全也可以不予受理并说明理由",
        "a referral is accepted only once every item of its material checklist is marked received; an incomplete case may be refused with reasons";
    RETURN_WHEN_SENT_OR_RECEIVED = "referral.return_when_sent_or_received",
        "只有已移送或已签收、尚未决定的案件可以退回（当前为{now}）",
        "a referral is returned only once sent and before a decision; it is now {now}";
    DISPUTE_WHEN_RETURNED = "referral.dispute_when_returned",
        "只有已退回的移送案件可以转入争议协调（当前为{now}）",
        "only a returned referral goes to a jurisdiction dispute; it is now {now}";
    FEEDBACK_WHEN_ACCEPTED = "referral.feedback_when_accepted",
        "只有已受理的案件可以反馈办理情况（当前为{now}）",
        "feedback is given only on an accepted referral; it is now {now}";
    CLOSE_WHEN_DONE = "referral.close_when_done",
        "只有已反馈办理情况或不予受理的移送可以办结（当前为{now}）",
        "a referral is closed only once feedback is given or it was not accepted; it is now {now}";
    WITHDRAW_BEFORE_RECEIPT = "referral.withdraw_before_receipt",
        "移送只能在接收单位签收之前撤回（当前为{now}）",
        "a referral can be withdrawn only before it is received; it is now {now}";
    CLOSED_IS_FINAL = "referral.closed_is_final",
        "移送已办结，不能再进行任何操作",
        "a closed referral is final: nothing more can be done to it";
    DISPUTED_IS_FINAL = "referral.disputed_is_final",
        "移送已转入管辖争议协调，请在争议中继续办理",
        "a disputed referral is final: the jurisdiction dispute raised from it carries on";
    WITHDRAWN_IS_FINAL = "referral.withdrawn_is_final",
        "移送已撤回，不能再进行任何操作",
        "a withdrawn referral is final: nothing more can be done to it";
    KIND_REFERRER = "referral.kind_referrer",
        "本单位不能提出「{kind}」：案件移送由行政执法部门或乡镇人民政府提出，问题线索也可以由司法局移送",
        "your organization cannot make a referral of this kind ({kind}): cases are referred by enforcement departments and township governments, clues also by judicial bureaus";
    KIND_RECEIVER = "referral.kind_receiver",
        "「{kind}」的接收单位须为{receiver}",
        "the receiving body of a referral of this kind ({kind}) must be {receiver}";
    RECEIVER_IS_SELF = "referral.receiver_is_self",
        "不能向本单位移送案件",
        "a body cannot refer a case to itself";
    COPY_REQUIRED = "referral.copy_required",
        "涉嫌犯罪案件移送须抄送人民检察院，请选择抄送的检察院",
        "a suspected crime's referral must be copied to a procuratorate; choose one";
    COPY_PROCURATORATE = "referral.copy_procuratorate",
        "抄送单位须为人民检察院",
        "the copy goes to a procuratorate";
    COPY_NOT_TAKEN = "referral.copy_not_taken",
        "只有涉嫌犯罪案件移送需要抄送检察院；「{kind}」不抄送",
        "only a suspected crime's referral is copied to a procuratorate; this kind ({kind}) is not";
    CHECKLIST_EMPTY = "referral.checklist_empty",
        "案件材料清单为空：请至少列明一项材料并上传其附件",
        "the material checklist is empty: name at least one item and upload its file";
    CHECKLIST_TOO_LONG = "referral.checklist_too_long",
        "案件材料清单最多 {max} 项",
        "a material checklist names at most {max} items";
    ITEM_WITHOUT_FILE = "referral.item_without_file",
        "材料「{item}」尚未上传附件，请上传后再提请审批",
        "the item “{item}” of the checklist has no file yet; upload it before submitting";
    EDIT_IN_DRAFT = "referral.edit_in_draft",
        "只有草稿可以修改案件内容和材料清单（当前为{now}）",
        "the case and its checklist change only while the referral is a draft; it is now {now}";
    CHECK_BY_RECEIVER = "referral.check_by_receiver",
        "只有接收单位可以核对材料",
        "only the receiving body checks the materials";
    CHECK_WHEN_RECEIVED = "referral.check_when_received",
        "只有已签收、尚未决定的案件可以核对材料（当前为{now}）",
        "materials are checked only once the referral is received and before the decision; it is now {now}";
    SUPPLY_BY_REFERRER = "referral.supply_by_referrer",
        "只有移送单位可以补充材料",
        "only the referring body supplies a missing item";
    SUPPLY_WHEN_MISSING = "referral.supply_when_missing",
        "只能为接收单位标记为缺少的材料补充附件",
        "a file is supplied only for an item the receiver marked missing";
    SUGGEST_BY_PROCURATORATE = "referral.suggest_by_procuratorate",
        "只有人民检察院可以提出建议移送",
        "only a procuratorate suggests a referral";
    SUGGEST_TO_ENFORCEMENT = "referral.suggest_to_enforcement",
        "建议移送只能发给本院所在区域及下级区域的行政执法部门或乡镇人民政府",
        "a suggestion to refer goes to an enforcement department or a township government of the procuratorate's region or below";
    CHECK_FOUND = "referral.check_found",
        "核对结果只能是「已收到」（received）或「缺少」（missing）",
        "an item is found received or missing";
    MISSING_NEEDS_NOTE = "referral.missing_needs_note",
        "标记材料缺少时须说明缺少什么",
        "say what is missing when marking an item missing";
    RECEIPT_ARCHIVED = "receipt.archived",
        "已归档的移送回执永久只读",
        "an archived receipt is read-only forever";
    RECEIPT_SUPERSEDED = "receipt.superseded",
        "移送回执的此版本已被新版本取代，请在最新版本上操作",
        "this version of the receipt was superseded; act on the newest version";
    RECEIPT_FREEZE = "receipt.freeze",
        "移送回执已经出具，不能重复出具；如需更正请先退回",
        "the receipt is already made; send it back to make it again";
    RECEIPT_OPEN_SIGNING = "receipt.open_signing",
        "移送回执出具后方可开启签署，且只开启一次",
        "signing opens once, on a receipt that is made";
    RECEIPT_SIGN = "receipt.sign",
        "只有在签署开启期间才能签署移送回执",
        "a receipt is signed only while signing is open";
    RECEIPT_REOPEN = "receipt.reopen",
        "只有已出具或签署中的移送回执可以退回重出",
        "only a receipt that is made or being signed can be sent back";
    RECEIPT_DECLINE_WHILE_SIGNING = "receipt.decline_while_signing",
        "移送回执尚未开启签署，不能退回",
        "the receipt is not being signed; it cannot be declined";
    RECEIPT_ARCHIVE = "receipt.archive",
        "移送回执经接收单位签署后方可归档",
        "only a receipt the receiving body signed can be archived";
    RECEIPT_NOT_SIGNATORY = "receipt.not_signatory",
        "移送回执由接收单位签署，本单位不在签署之列",
        "a receipt is signed by the receiving body; your organization does not sign it";
    RECEIPT_ALREADY_SIGNED = "receipt.already_signed",
        "本单位已签署此版本移送回执",
        "your organization has already signed this version of the receipt";
    RECEIPT_REOPEN_DENIED = "receipt.reopen_denied",
        "只有接收单位可以退回移送回执",
        "only the receiving body may send the receipt back";
    RECEIPT_AFTER_RECEIPT = "receipt.after_receipt",
        "案件签收后方可出具移送回执（当前为{now}）",
        "a receipt is made once the referral is received; it is now {now}";
    RECEIPT_WHEN_CHECKED = "receipt.when_checked",
        "材料清单尚有未核对的材料，全部核对（已收到或缺少）后方可出具回执",
        "an item of the material checklist is not checked yet; check every item (received or missing) first";
}

/// The words of the receipt's refusals in the signed-document lifecycle.
pub struct ReceiptWords;

impl Words for ReceiptWords {
    const WORDS: Wording = Wording {
        archived: &RECEIPT_ARCHIVED,
        superseded: &RECEIPT_SUPERSEDED,
        freeze: &RECEIPT_FREEZE,
        open_signing: &RECEIPT_OPEN_SIGNING,
        sign: &RECEIPT_SIGN,
        reopen: &RECEIPT_REOPEN,
        decline_while_signing: &RECEIPT_DECLINE_WHILE_SIGNING,
        archive: &RECEIPT_ARCHIVE,
        not_signatory: &RECEIPT_NOT_SIGNATORY,
        already_signed: &RECEIPT_ALREADY_SIGNED,
        reopen_denied: &RECEIPT_REOPEN_DENIED,
    };
}

/// Who may be named in the receipt's signing policy.
pub const RECEIPT_SIGNATORIES: Signatories = ("接收单位", "the receiving body");

/// Why the receipt (移送回执) may not be made now, if so: only once the receiver signed for the
/// referral (it may since have decided, been returned or closed; not once it was withdrawn
/// before receipt) and checked every item of the checklist, received or missing, so the
/// receipt says exactly what arrived. `unchecked`: whether an item is not checked yet.
pub fn receipt_freeze_gate(state: ReferralState, unchecked: bool) -> Option<Refused> {
    if state.before_receipt() || state == ReferralState::Withdrawn {
        return Some(Refused::in_state(&RECEIPT_AFTER_RECEIPT, state));
    }
    unchecked.then_some(Refused::by(&RECEIPT_WHEN_CHECKED))
}

/// The one transition function: what `party` giving `command` to a referral in `state`
/// leads to, when its materials are all marked received (`complete`) or not.
pub fn transition(
    complete: bool,
    state: ReferralState,
    party: ReferralParty,
    command: ReferralCommand,
) -> Result<ReferralState, Refused> {
    use ReferralCommand as C;
    use ReferralState as S;

    kernel::precheck(final_rule(state), command.by(party), command.wrong_party())?;
    let next = match (state, command) {
        (S::Draft, C::Submit) => S::PendingApproval,
        (S::PendingApproval, C::Approve) => S::Approved,
        (S::PendingApproval, C::SendBack) => S::Draft,
        (S::Approved, C::Send) => S::Sent,
        (S::Sent, C::Receive) => S::Received,
        (S::Received, C::Accept) if complete => S::Accepted,
        (S::Received, C::Accept) => return Err(Refused::by(&ACCEPT_WHEN_COMPLETE)),
        (S::Received, C::NotAccept) => S::NotAccepted,
        (S::Sent | S::Received, C::Return) => S::Returned,
        (S::Returned, C::Dispute) => S::Disputed,
        (S::Accepted, C::Feedback) => S::FeedbackGiven,
        (S::FeedbackGiven | S::NotAccepted, C::Close) => S::Closed,
        (s, C::Withdraw) if s.before_receipt() => S::Withdrawn,
        _ => return Err(command.wrong_state(state)),
    };
    Ok(next)
}

/// The referral as a [`Workflow`]; the context is whether the materials are complete.
pub struct ReferralFlow;

impl Workflow for ReferralFlow {
    type State = ReferralState;
    type Party = ReferralParty;
    type Command = ReferralCommand;
    type Context = bool;
    const PARTIES: &'static [ReferralParty] = ReferralParty::ALL;
    const CONTEXTS: &'static [bool] = &[false, true];

    fn transition(
        complete: bool,
        state: ReferralState,
        party: ReferralParty,
        command: ReferralCommand,
    ) -> Result<ReferralState, Refused> {
        transition(complete, state, party, command)
    }
}

/// Whether `party` may change the case and its checklist now: the referring body, in draft.
pub fn may_edit(state: ReferralState, party: ReferralParty) -> Result<(), Refused> {
    if !party.refers() {
        return Err(Refused::by(&BY_THE_REFERRER));
    }
    if !state.editable() {
        return Err(Refused::in_state(&EDIT_IN_DRAFT, state));
    }
    Ok(())
}

/// Whether `party` may mark an item of the checklist received or missing now: the receiver,
/// once it signed for the referral and before its decision.
pub fn may_check(state: ReferralState, party: ReferralParty) -> Result<(), Refused> {
    if party != ReferralParty::Receiver {
        return Err(Refused::by(&CHECK_BY_RECEIVER));
    }
    if state != ReferralState::Received {
        return Err(Refused::in_state(&CHECK_WHEN_RECEIVED, state));
    }
    Ok(())
}

/// Whether `party` may supply the file of an item marked `missing` now: the referring body,
/// while the receiver checks the materials.
pub fn may_supply(
    state: ReferralState,
    party: ReferralParty,
    item: ItemState,
) -> Result<(), Refused> {
    if !party.refers() {
        return Err(Refused::by(&SUPPLY_BY_REFERRER));
    }
    if state != ReferralState::Received {
        return Err(Refused::in_state(&CHECK_WHEN_RECEIVED, state));
    }
    if item != ItemState::Missing {
        return Err(Refused::by(&SUPPLY_WHEN_MISSING));
    }
    Ok(())
}

/// Whether `party` may upload the file of an item in `item` state now: the draft's files by
/// the referring body, or, once received, a missing item's supply ([`may_supply`]).
pub fn may_upload(
    state: ReferralState,
    party: ReferralParty,
    item: ItemState,
) -> Result<(), Refused> {
    if state == ReferralState::Draft {
        may_edit(state, party)
    } else {
        may_supply(state, party, item)
    }
}

/// The receiver's finding on an item as it may be stored: received (no note), or missing
/// with what is missing. Refused naming the field: a missing item without its note, or a
/// finding that is neither.
pub fn finding(
    found: ItemState,
    note: Option<Note>,
) -> Result<Option<Note>, (&'static str, &'static Phrase)> {
    match (found, note) {
        (ItemState::Received, _) => Ok(None),
        (ItemState::Missing, Some(note)) => Ok(Some(note)),
        (ItemState::Missing, None) => Err(("note", &MISSING_NEEDS_NOTE)),
        (ItemState::Pending, _) => Err(("found", &CHECK_FOUND)),
    }
}

/// Whether a body of kind `sender` may suggest a referral (建议移送) to a body of kind
/// `receiver` (`in_region`: of the sender's region or below): a procuratorate, to a body that
/// refers suspected crimes, in its region.
pub fn may_suggest(sender: OrgKind, receiver: OrgKind, in_region: bool) -> Result<(), Refused> {
    if sender != OrgKind::Procuratorate {
        return Err(Refused::by(&SUGGEST_BY_PROCURATORATE));
    }
    if !ReferralKind::Criminal.may_refer(receiver) || !in_region {
        return Err(Refused::by(&SUGGEST_TO_ENFORCEMENT));
    }
    Ok(())
}

/// Whether the checklist may be submitted for approval: at least one item, at most
/// [`MAX_ITEMS`], and each with its file (`items`: name and whether it has one).
pub fn checklist_ready<'a>(
    items: impl ExactSizeIterator<Item = (&'a str, bool)>,
) -> Result<(), Message> {
    if items.len() == 0 {
        return Err(CHECKLIST_EMPTY.message());
    }
    if items.len() > MAX_ITEMS {
        return Err(CHECKLIST_TOO_LONG.with("max", MAX_ITEMS));
    }
    for (name, has_file) in items {
        if !has_file {
            return Err(ITEM_WITHOUT_FILE.with("item", name));
        }
    }
    Ok(())
}

labelled_enum! {
    /// An item of the material checklist as the receiver found it.
    pub enum ItemState {
        /// 待核对: not yet checked (or supplied again after it was missing).
        Pending = ("pending", "待核对", "To be checked"),
        /// 已收到.
        Received = ("received", "已收到", "Received"),
        /// 缺少: with what is missing.
        Missing = ("missing", "缺少", "Missing"),
    }
}

/// A new item is to be checked.
impl Default for ItemState {
    fn default() -> ItemState {
        ItemState::Pending
    }
}

commands! {
    /// A command on a referral with exactly its fields (`POST /api/referrals/{id}/actions`,
    /// `{"command": "approve", "revision": 2}`). Every command names the revision the caller
    /// read; a referral changed since is refused (409).
    pub enum ReferralAction tagged "command" {
        /// 提请审批.
        Submit { revision: i64 },
        /// 批准移送: the head's opinion, if any.
        Approve { revision: i64, #[serde(default)] opinion: Option<Note> },
        /// 退回修改: why.
        SendBack { revision: i64, reason: Reason },
        /// 移送.
        Send { revision: i64 },
        /// 签收: the person of the receiving body who signs (the caller if not given).
        Receive { revision: i64, #[serde(default)] person: Option<Line> },
        /// 受理（立案）: the receiver's case number, if any.
        Accept { revision: i64, #[serde(default)] case_number: Option<Line> },
        /// 不予受理（不予立案）: the reasons.
        NotAccept { revision: i64, reason: Reason },
        /// 退回（非本单位管辖）: why it is not the receiver's matter.
        Return { revision: i64, reason: Reason },
        /// 提请争议协调: the system's; refused to people.
        Dispute { revision: i64 },
        /// 反馈办理情况: what was done.
        Feedback { revision: i64, feedback: Text },
        /// 办结.
        Close { revision: i64 },
        /// 撤回: why.
        Withdraw { revision: i64, reason: Reason },
    }
}

impl ReferralAction {
    /// Which command it is.
    pub fn command(&self) -> ReferralCommand {
        use ReferralAction as A;
        use ReferralCommand as C;
        match self {
            A::Submit { .. } => C::Submit,
            A::Approve { .. } => C::Approve,
            A::SendBack { .. } => C::SendBack,
            A::Send { .. } => C::Send,
            A::Receive { .. } => C::Receive,
            A::Accept { .. } => C::Accept,
            A::NotAccept { .. } => C::NotAccept,
            A::Return { .. } => C::Return,
            A::Dispute { .. } => C::Dispute,
            A::Feedback { .. } => C::Feedback,
            A::Close { .. } => C::Close,
            A::Withdraw { .. } => C::Withdraw,
        }
    }

    /// The revision the caller read.
    pub fn revision(&self) -> i64 {
        use ReferralAction as A;
        match self {
            A::Submit { revision }
            | A::Approve { revision, .. }
            | A::SendBack { revision, .. }
            | A::Send { revision }
            | A::Receive { revision, .. }
            | A::Accept { revision, .. }
            | A::NotAccept { revision, .. }
            | A::Return { revision, .. }
            | A::Dispute { revision }
            | A::Feedback { revision, .. }
            | A::Close { revision }
            | A::Withdraw { revision, .. } => *revision,
        }
    }
}

impl CommandShape for ReferralAction {
    fn missing(command: &str, field: &str) -> Option<String> {
        Some(format!("{field} is required to {command} a referral"))
    }

    fn misplaced(command: &str, field: &str) -> Option<String> {
        Some(format!("{field} is not a field of the command {command}"))
    }
}

/// The case a referral carries, as the referring body writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// 案件名称.
    pub name: Title,
    /// 案件编号 (the referring body's).
    pub number: Option<Line>,
    /// 涉嫌违法（犯罪）事实.
    pub facts: Text,
    /// 移送依据: the laws it rests on.
    pub legal_basis: Text,
}

/// Checks who refers to whom: the referring body's kind, the receiver's, the copy's. `copy`
/// is the kind of the body a copy goes to, if one was named.
pub fn check_parties(
    kind: ReferralKind,
    referrer: OrgKind,
    receiver: OrgKind,
    same_body: bool,
    copy: Option<OrgKind>,
) -> Result<(), Message> {
    let of_kind = |phrase: &'static Phrase| {
        phrase
            .message()
            .with_words("kind", kind.label_zh(), kind.label_en())
    };
    if !kind.may_refer(referrer) {
        return Err(of_kind(&KIND_REFERRER));
    }
    if same_body {
        return Err(RECEIVER_IS_SELF.message());
    }
    if !kind.may_receive(receiver) {
        let (zh, en) = kind.receiver_words();
        return Err(of_kind(&KIND_RECEIVER).with_words("receiver", zh, en));
    }
    match (kind.needs_copy(), copy) {
        (true, None) => Err(COPY_REQUIRED.message()),
        (true, Some(OrgKind::Procuratorate)) | (false, None) => Ok(()),
        (true, Some(_)) => Err(COPY_PROCURATORATE.message()),
        (false, Some(_)) => Err(of_kind(&COPY_NOT_TAKEN)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::message::Lang;
    use ReferralCommand as C;
    use ReferralParty::{Copied, Head, Officer, Receiver, Supervisor, System};
    use ReferralState as S;

    /// Every allowed arrow, with the context it needs (`true`: every item marked received;
    /// both when the command does not look at it).
    fn allowed() -> Vec<(bool, S, ReferralParty, C, S)> {
        let mut arrows = Vec::new();
        let mut both = |from, party, command, to| {
            for complete in [false, true] {
                arrows.push((complete, from, party, command, to));
            }
        };
        for party in [Officer, Head] {
            both(S::Draft, party, C::Submit, S::PendingApproval);
            both(S::Approved, party, C::Send, S::Sent);
            both(S::FeedbackGiven, party, C::Close, S::Closed);
            both(S::NotAccepted, party, C::Close, S::Closed);
            for from in [S::Draft, S::PendingApproval, S::Approved, S::Sent] {
                both(from, party, C::Withdraw, S::Withdrawn);
            }
        }
        both(S::PendingApproval, Head, C::Approve, S::Approved);
        both(S::PendingApproval, Head, C::SendBack, S::Draft);
        both(S::Sent, Receiver, C::Receive, S::Received);
        both(S::Received, Receiver, C::NotAccept, S::NotAccepted);
        both(S::Sent, Receiver, C::Return, S::Returned);
        both(S::Received, Receiver, C::Return, S::Returned);
        both(S::Returned, System, C::Dispute, S::Disputed);
        both(S::Accepted, Receiver, C::Feedback, S::FeedbackGiven);
        arrows.push((true, S::Received, Receiver, C::Accept, S::Accepted));
        arrows
    }

    #[test]
    fn every_context_state_party_and_command_is_allowed_or_refused_as_the_table_says() {
        let cases =
            kernel::testing::check_table::<ReferralFlow>(&allowed(), |rule, state, command| {
                kernel::testing::names_command_or_state(rule, state, command)
                    || rule.contains("only")
                    || rule.contains("final")
                    || rule.contains("material checklist")
            });
        assert_eq!(cases, 2 * 12 * 6 * 12);
    }

    #[test]
    fn an_incomplete_case_is_not_accepted_but_may_be_refused() {
        let refused = transition(false, S::Received, Receiver, C::Accept).unwrap_err();
        assert_eq!(refused.rule.code, "referral.accept_when_complete");
        assert_eq!(
            transition(false, S::Received, Receiver, C::NotAccept),
            Ok(S::NotAccepted)
        );
    }

    #[test]
    fn the_copied_procuratorate_and_the_supervisors_only_read() {
        for &state in S::ALL {
            for &command in C::ALL {
                for complete in [false, true] {
                    assert!(transition(complete, state, Copied, command).is_err());
                    assert!(transition(complete, state, Supervisor, command).is_err());
                }
            }
            assert!(may_edit(state, Copied).is_err());
            assert!(may_check(state, Supervisor).is_err());
            assert!(may_supply(state, Copied, ItemState::Missing).is_err());
        }
    }

    #[test]
    fn a_returned_referral_goes_on_only_by_its_dispute() {
        for &command in C::ALL {
            for party in [Officer, Head, Receiver] {
                assert!(
                    transition(true, S::Returned, party, command).is_err(),
                    "{party:?} {command}"
                );
            }
        }
        let refused = transition(true, S::Returned, System, C::Dispute);
        assert_eq!(refused, Ok(S::Disputed));
        let by_person = transition(true, S::Returned, Receiver, C::Dispute).unwrap_err();
        assert_eq!(by_person.rule.code, "referral.disputed_by_raising");
    }

    #[test]
    fn the_wrong_state_is_said_in_both_languages() {
        let refused = transition(true, S::Draft, Receiver, C::Receive).unwrap_err();
        let message = refused.message();
        assert_eq!(
            message.to_string(),
            "a referral is signed for only once sent; it is now draft"
        );
        assert_eq!(
            message.render(Lang::Zh).unwrap(),
            "只有已移送、待签收的案件可以签收（当前为草稿）"
        );
    }

    #[test]
    fn the_draft_alone_is_edited_and_the_receiver_alone_checks_while_it_decides() {
        assert_eq!(may_edit(S::Draft, Officer), Ok(()));
        assert_eq!(may_edit(S::Draft, Head), Ok(()));
        assert!(may_edit(S::Draft, Receiver).is_err());
        assert_eq!(
            may_edit(S::Sent, Officer).unwrap_err().rule.code,
            "referral.edit_in_draft"
        );
        assert_eq!(may_check(S::Received, Receiver), Ok(()));
        assert!(may_check(S::Sent, Receiver).is_err());
        assert!(may_check(S::Received, Officer).is_err());
        assert_eq!(may_supply(S::Received, Officer, ItemState::Missing), Ok(()));
        assert_eq!(
            may_supply(S::Received, Officer, ItemState::Received)
                .unwrap_err()
                .rule
                .code,
            "referral.supply_when_missing"
        );
    }

    #[test]
    fn a_checklist_is_submitted_with_every_item_and_its_file() {
        let none: Vec<(&str, bool)> = Vec::new();
        assert_eq!(
            checklist_ready(none.into_iter()).unwrap_err().code(),
            Some("referral.checklist_empty")
        );
        let missing = vec![("现场检查笔录", true), ("抽样检验报告", false)];
        let refused = checklist_ready(missing.into_iter()).unwrap_err();
        assert_eq!(refused.code(), Some("referral.item_without_file"));
        assert!(refused.render(Lang::Zh).unwrap().contains("抽样检验报告"));
        let long: Vec<(&str, bool)> = (0..=MAX_ITEMS).map(|_| ("x", true)).collect();
        assert_eq!(
            checklist_ready(long.into_iter()).unwrap_err().code(),
            Some("referral.checklist_too_long")
        );
        assert!(checklist_ready(vec![("询问笔录", true)].into_iter()).is_ok());
    }

    #[test]
    fn each_kind_goes_from_its_referrers_to_its_receivers_with_the_copy_the_rules_require() {
        use OrgKind as K;
        let ok = |kind, from, to, copy| check_parties(kind, from, to, false, copy);
        let code = |r: Result<(), Message>| r.unwrap_err().code();
        assert!(ok(
            ReferralKind::Criminal,
            K::EnforcementDepartment,
            K::PublicSecurity,
            Some(K::Procuratorate)
        )
        .is_ok());
        assert_eq!(
            code(ok(
                ReferralKind::Criminal,
                K::EnforcementDepartment,
                K::PublicSecurity,
                None
            )),
            Some("referral.copy_required")
        );
        assert_eq!(
            code(ok(
                ReferralKind::Criminal,
                K::EnforcementDepartment,
                K::PublicSecurity,
                Some(K::Court)
            )),
            Some("referral.copy_procuratorate")
        );
        assert_eq!(
            code(ok(
                ReferralKind::Jurisdiction,
                K::EnforcementDepartment,
                K::TownshipGovernment,
                Some(K::Procuratorate)
            )),
            Some("referral.copy_not_taken")
        );
        assert_eq!(
            code(ok(
                ReferralKind::Criminal,
                K::EnforcementDepartment,
                K::Procuratorate,
                Some(K::Procuratorate)
            )),
            Some("referral.kind_receiver")
        );
        assert_eq!(
            code(ok(
                ReferralKind::Criminal,
                K::PublicSecurity,
                K::PublicSecurity,
                Some(K::Procuratorate)
            )),
            Some("referral.kind_referrer")
        );
        assert!(ok(
            ReferralKind::Clue,
            K::JudicialBureau,
            K::DisciplineInspection,
            None
        )
        .is_ok());
        assert_eq!(
            code(check_parties(
                ReferralKind::Jurisdiction,
                K::EnforcementDepartment,
                K::EnforcementDepartment,
                true,
                None
            )),
            Some("referral.receiver_is_self")
        );
        let zh = check_parties(
            ReferralKind::Clue,
            K::EnforcementDepartment,
            K::PublicSecurity,
            false,
            None,
        )
        .unwrap_err()
        .render(Lang::Zh)
        .unwrap();
        assert_eq!(zh, "「问题线索移送」的接收单位须为纪检监察机关");
    }

    #[test]
    fn a_finding_is_received_or_missing_with_its_note_and_a_suggestion_comes_from_a_procuratorate()
    {
        let note = Note::try_from("缺第3页".to_owned()).unwrap();
        assert_eq!(finding(ItemState::Received, Some(note.clone())), Ok(None));
        assert_eq!(
            finding(ItemState::Missing, Some(note.clone())),
            Ok(Some(note))
        );
        assert_eq!(finding(ItemState::Missing, None).unwrap_err().0, "note");
        assert_eq!(finding(ItemState::Pending, None).unwrap_err().0, "found");
        use OrgKind as K;
        assert_eq!(
            may_suggest(K::Procuratorate, K::EnforcementDepartment, true),
            Ok(())
        );
        let code = |r: Result<(), Refused>| r.unwrap_err().rule.code;
        assert_eq!(
            code(may_suggest(
                K::PublicSecurity,
                K::EnforcementDepartment,
                true
            )),
            "referral.suggest_by_procuratorate"
        );
        assert_eq!(
            code(may_suggest(
                K::Procuratorate,
                K::EnforcementDepartment,
                false
            )),
            "referral.suggest_to_enforcement"
        );
        assert_eq!(
            code(may_suggest(K::Procuratorate, K::PublicSecurity, true)),
            "referral.suggest_to_enforcement"
        );
    }

    #[test]
    fn a_clue_is_closed_and_a_crime_is_read_by_the_procuratorates() {
        assert!(ReferralKind::Clue.closed());
        assert!(!ReferralKind::Criminal.closed());
        assert!(ReferralKind::Criminal.supervised_by_procuratorate());
        assert!(!ReferralKind::Jurisdiction.supervised_by_procuratorate());
    }
}
