//! Supervision documents (监督文书) and rectification (整改): the machine of WORKFLOWS.md
//! "Supervision document" and issue 21 as one pure transition function.
//!
//! A judicial bureau is its government's enforcement-supervision office (行政执法监督机构). To a
//! body of its region it issues a 行政执法监督通知书 (correct a practice), 意见书 (an opinion) or
//! 决定书 (a decision, which may revoke or order correction of an enforcement act, and names
//! it). The bureau drafts the text live and signs it with its person and seal through the one
//! signed-document lifecycle (`concord.supervision-doc/1`); the last signature issues it
//! (the system's `issue`), and it is delivered to the body as a notice requiring 签收, whose
//! acknowledgement is the document's `receive`. A notice to correct and a decision then run
//! the rectification (整改): the body's report is due within the region's limit
//! ([`LimitKind::SupervisionReport`], working days); overdue, it is chased (催办) and escalated
//! (督办) to the body's head like a task; the bureau accepts the report (验收) or sends it back
//! with reasons, and closes the matter. An opinion asks for no report: received, it is closed.
//!
//! ```text
//! drafting ──issue (last signature; the system's)──▶ issued ──receive (签收; the system's)──▶ rectifying ◀──┐
//!    │ withdraw (the bureau)                            │ (an opinion: received)          │ submit report  │ send back
//!    ▼                                                  ▼                                 ▼                │ (reasons)
//! withdrawn                                         received ──close──▶ closed ◀──close── accepted ◀─accept── under_review
//! ```
//!
//! Parties: the issuing bureau, the supervised body, the bureaus above (read only) and the
//! system (the signature that issues it, the 签收 that receives it). The [`Workflow`] context is
//! whether the document asks for rectification ([`SupervisionKind::rectifies`]). This module
//! never reads anything.

use super::command::{commands, CommandShape};
use super::kernel::{self, Refused, Workflow};
use super::limits::LimitKind;
use super::message::Phrase;
use super::org::labelled_enum;
use super::phrases::catalogue;
use super::signed::{Signatories, Wording, Words};
use super::text::{Reason, Text};

labelled_enum! {
    /// What a supervision document is.
    pub enum SupervisionKind {
        /// 行政执法监督通知书: tells a body to correct a practice; asks for a rectification report.
        Notice = ("notice", "行政执法监督通知书", "Enforcement supervision notice"),
        /// 行政执法监督意见书: the bureau's opinion; no report is asked for.
        Opinion = ("opinion", "行政执法监督意见书", "Enforcement supervision opinion"),
        /// 行政执法监督决定书: revokes or orders correction of an enforcement act it names; asks
        /// for a rectification report.
        Decision = ("decision", "行政执法监督决定书", "Enforcement supervision decision"),
    }
}

impl SupervisionKind {
    /// Whether the supervised body must rectify and report (整改报告).
    pub fn rectifies(self) -> bool {
        !matches!(self, SupervisionKind::Opinion)
    }

    /// The word (类别字) of its document number: 监通, 监意, 监决 (`上司监通〔2026〕3号`).
    pub fn number_word(self) -> &'static str {
        match self {
            SupervisionKind::Notice => "监通",
            SupervisionKind::Opinion => "监意",
            SupervisionKind::Decision => "监决",
        }
    }
}

labelled_enum! {
    /// Where a supervision document is.
    pub enum SupervisionState {
        /// 起草中: the bureau writes and signs it.
        Drafting = ("drafting", "起草中", "Drafting"),
        /// 已印发，待签收: signed and delivered; the body has not signed for it yet.
        Issued = ("issued", "已印发，待签收", "Issued, awaiting receipt"),
        /// 已签收: an opinion, received; nothing more is asked of the body.
        Received = ("received", "已签收", "Received"),
        /// 整改中: the body rectifies; its report is due.
        Rectifying = ("rectifying", "整改中", "Rectifying"),
        /// 整改报告审核中: the bureau reviews the report.
        UnderReview = ("under_review", "整改报告审核中", "Report under review"),
        /// 整改已验收.
        Accepted = ("accepted", "整改已验收", "Rectification accepted"),
        /// 已办结.
        Closed = ("closed", "已办结", "Closed"),
        /// 已撤回: the bureau discarded the draft.
        Withdrawn = ("withdrawn", "已撤回", "Withdrawn"),
    }
}

impl SupervisionState {
    /// The clock that runs in this state, if any: the rectification report's.
    pub fn clock(self) -> Option<LimitKind> {
        (self == SupervisionState::Rectifying).then_some(LimitKind::SupervisionReport)
    }

    /// Closed or withdrawn: nothing more happens to it.
    pub fn is_final(self) -> bool {
        matches!(self, SupervisionState::Closed | SupervisionState::Withdrawn)
    }
}

labelled_enum! {
    /// Who gives a command to a supervision document.
    pub enum SupervisionParty {
        /// 制发机关: the judicial bureau that issues it.
        Bureau = ("bureau", "制发机关", "Issuing bureau"),
        /// 被监督单位.
        Body = ("body", "被监督单位", "Supervised body"),
        /// 上级司法行政机关: a bureau above, which reads.
        Supervisor = ("supervisor", "上级监督机关", "Bureau above"),
        /// The server: the last signature issues it, the notice's 签收 receives it.
        System = ("system", "系统", "System"),
    }
}

labelled_enum! {
    /// What is asked of a supervision document.
    pub enum SupervisionCommand {
        /// 印发: the last signature's, the system's.
        Issue = ("issue", "印发", "Issue"),
        /// 签收: the acknowledgement of its notice, the system's.
        Receive = ("receive", "签收", "Sign for receipt"),
        /// 提交整改报告: with what was done and its evidence.
        SubmitReport = ("submit_report", "提交整改报告", "Submit the rectification report"),
        /// 验收通过.
        Accept = ("accept", "整改验收通过", "Accept the rectification"),
        /// 退回整改: with reasons; a new report is due.
        SendBack = ("send_back", "退回整改", "Send back for rectification"),
        /// 办结.
        Close = ("close", "办结", "Close"),
        /// 撤回: the draft, never once issued.
        Withdraw = ("withdraw", "撤回", "Withdraw"),
    }
}

impl SupervisionCommand {
    /// Who may give it.
    fn by(self, party: SupervisionParty) -> bool {
        use SupervisionCommand as C;
        use SupervisionParty as P;
        match self {
            C::Issue | C::Receive => party == P::System,
            C::SubmitReport => party == P::Body,
            C::Accept | C::SendBack | C::Close | C::Withdraw => party == P::Bureau,
        }
    }

    fn wrong_party(self) -> &'static Phrase {
        use SupervisionCommand as C;
        match self {
            C::Issue => &ISSUED_BY_SIGNING,
            C::Receive => &RECEIVED_BY_ACKNOWLEDGING,
            C::SubmitReport => &BY_THE_BODY,
            C::Accept | C::SendBack | C::Close | C::Withdraw => &BY_THE_BUREAU,
        }
    }

    fn wrong_state(self, state: SupervisionState) -> Refused {
        use SupervisionCommand as C;
        let rule = match self {
            C::Issue | C::Withdraw => &ONLY_WHILE_DRAFTING,
            C::Receive => &RECEIVE_WHEN_ISSUED,
            C::SubmitReport => &REPORT_WHILE_RECTIFYING,
            C::Accept | C::SendBack => &REVIEW_WHEN_REPORTED,
            C::Close => &CLOSE_WHEN_DONE,
        };
        Refused::in_state(rule, state)
    }
}

fn final_rule(state: SupervisionState) -> Option<&'static Phrase> {
    match state {
        SupervisionState::Closed => Some(&CLOSED_IS_FINAL),
        SupervisionState::Withdrawn => Some(&WITHDRAWN_IS_FINAL),
        _ => None,
    }
}

catalogue! { RULES:
    BY_THE_BUREAU = "supervision.by_the_bureau",
        "只有制发监督文书的司法行政机关可以进行此操作",
        "only the bureau that issues the supervision document may do this";
    BY_THE_BODY = "supervision.by_the_body",
        "只有被监督单位可以提交整改报告",
        "only the supervised body submits the rectification report";
    ISSUED_BY_SIGNING = "supervision.issued_by_signing",
        "监督文书经制发机关签署后自动印发，无需另行操作",
        "a supervision document is issued by its last signature, not by a command";
    RECEIVED_BY_ACKNOWLEDGING = "supervision.received_by_acknowledging",
        "被监督单位签收送达的通知后，监督文书即为已签收，无需另行操作",
        "a supervision document is received when the supervised body acknowledges its notice, not by a command";
    ONLY_WHILE_DRAFTING = "supervision.only_while_drafting",
        "只有起草中的监督文书可以印发或撤回（当前为{now}）",
        "a supervision document is issued or withdrawn only while it is drafted; it is now {now}";
    RECEIVE_WHEN_ISSUED = "supervision.receive_when_issued",
        "只有已印发的监督文书可以签收（当前为{now}）",
        "only an issued supervision document is signed for; it is now {now}";
    REPORT_WHILE_RECTIFYING = "supervision.report_while_rectifying",
        "只有整改中的监督文书可以提交整改报告（当前为{now}）",
        "a rectification report is submitted while rectifying; it is now {now}";
    REVIEW_WHEN_REPORTED = "supervision.review_when_reported",
        "只有已提交整改报告的监督文书可以验收或退回（当前为{now}）",
        "a rectification is accepted or sent back once its report is submitted; it is now {now}";
    CLOSE_WHEN_DONE = "supervision.close_when_done",
        "整改验收通过后（意见书签收后）方可办结（当前为{now}）",
        "a supervision document is closed once its rectification is accepted (an opinion, once received); it is now {now}";
    CLOSED_IS_FINAL = "supervision.closed_is_final",
        "已办结的监督文书不能再变更",
        "a closed supervision document is final";
    WITHDRAWN_IS_FINAL = "supervision.withdrawn_is_final",
        "已撤回的监督文书不能再变更",
        "a withdrawn supervision document is final";
    DOC_ARCHIVED = "supervision_doc.archived",
        "已归档的监督文书永久只读",
        "an archived supervision document is read-only forever";
    DOC_SUPERSEDED = "supervision_doc.superseded",
        "监督文书的此版本已被新版本取代，请在最新版本上操作",
        "this version of the supervision document was superseded; act on the newest version";
    DOC_FREEZE = "supervision_doc.freeze",
        "只有草稿状态的监督文书可以定稿",
        "only a supervision document in draft can be frozen";
    DOC_OPEN_SIGNING = "supervision_doc.open_signing",
        "监督文书定稿后方可开启签署，且只开启一次",
        "signing opens once, on a frozen supervision document";
    DOC_SIGN = "supervision_doc.sign",
        "只有在签署开启期间才能签署监督文书",
        "a supervision document is signed only while signing is open";
    DOC_REOPEN = "supervision_doc.reopen",
        "只有已定稿或签署中的监督文书可以退回修改",
        "only a frozen supervision document or one being signed can be sent back for changes";
    DOC_DECLINE_WHILE_SIGNING = "supervision_doc.decline_while_signing",
        "监督文书尚未开启签署，不能退回",
        "the supervision document is not being signed; it cannot be declined";
    DOC_ARCHIVE = "supervision_doc.archive",
        "监督文书经制发机关签署后方可归档",
        "only a supervision document its bureau signed can be archived";
    DOC_NOT_SIGNATORY = "supervision_doc.not_signatory",
        "监督文书由制发机关签署，本单位不在签署之列",
        "a supervision document is signed by its issuing bureau; your organization does not sign it";
    DOC_ALREADY_SIGNED = "supervision_doc.already_signed",
        "本单位已签署此版本监督文书",
        "your organization has already signed this version of the supervision document";
    DOC_REOPEN_DENIED = "supervision_doc.reopen_denied",
        "只有制发机关可以退回监督文书",
        "only the issuing bureau may send the supervision document back";
    NO_SUCH_SUPERVISION = "not_found.supervision",
        "没有这份监督文书，或您无权查看",
        "no supervision document with this id";
    NO_SUCH_EVIDENCE = "not_found.supervision_evidence",
        "没有这份整改材料",
        "no such piece of rectification evidence";
    SUPERVISION_STALE = "supervision.stale",
        "该监督文书已被他人更新（当前为第 {revision} 版），请刷新后重试",
        "the supervision document was changed by someone else meanwhile (it is at revision {revision}); reload it and try again";
    SUPERVISION_MOVED = "supervision.moved",
        "该监督文书已被他人更新（当前为{now}），请刷新后重试",
        "the supervision document changed meanwhile (it is now {now}); reload it and try again";
    NO_SUCH_BODY = "supervision.no_such_body",
        "没有 id 为 {id} 的单位",
        "there is no organization with the id {id}";
    NOT_TO_ITSELF = "supervision.not_to_itself",
        "司法行政机关不能向本机关制发监督文书",
        "a bureau does not issue a supervision document to itself";
    ISSUE_SUPERVISION = "supervision.issue_in_region",
        "只有被监督单位所在地区（或上级地区）的司法行政机关可以制发监督文书",
        "only a judicial bureau whose region covers the body may issue it a supervision document";
    DECISION_NAMES_ACT = "supervision_doc.decision_names_act",
        "监督决定书须写明所针对的行政执法行为及处理决定（撤销、责令改正或确认违法）",
        "a supervision decision must name the enforcement act and what it orders (revoke, correct or declare unlawful)";
    ONLY_DECISION_NAMES_ACT = "supervision_doc.only_decision_names_act",
        "只有监督决定书可以写明撤销或纠正的行政执法行为，通知书和意见书不写",
        "only a supervision decision names an enforcement act to revoke or correct";
    EVIDENCE_WHILE_RECTIFYING = "supervision.evidence_while_rectifying",
        "只有整改中的被监督单位可以上传整改材料（当前为{now}）",
        "rectification evidence is added by the supervised body while it rectifies; it is now {now}";
    DELIVERY_IS_FIXED = "supervision.delivery_is_fixed",
        "送达监督文书的通知不能更正或撤回：文书已签署印发；如有错误，请撤销后重新制发监督文书",
        "a notice delivering a supervision document cannot be corrected or recalled: the document is signed and issued";
    DOC_FREEZE_WHILE_DRAFTING = "supervision_doc.freeze_while_drafting",
        "只有起草中的监督文书可以定稿（当前为{now}）",
        "a supervision document is frozen only while it is drafted; it is now {now}";
}

/// The one transition function: what `party` giving `command` to a supervision document in
/// `state` leads to, for a document that asks for rectification (`rectifies`) or not.
pub fn transition(
    rectifies: bool,
    state: SupervisionState,
    party: SupervisionParty,
    command: SupervisionCommand,
) -> Result<SupervisionState, Refused> {
    use SupervisionCommand as C;
    use SupervisionState as S;

    kernel::precheck(final_rule(state), command.by(party), command.wrong_party())?;
    let next = match (state, command) {
        (S::Drafting, C::Issue) => S::Issued,
        (S::Drafting, C::Withdraw) => S::Withdrawn,
        (S::Issued, C::Receive) if rectifies => S::Rectifying,
        (S::Issued, C::Receive) => S::Received,
        (S::Rectifying, C::SubmitReport) => S::UnderReview,
        (S::UnderReview, C::Accept) => S::Accepted,
        (S::UnderReview, C::SendBack) => S::Rectifying,
        (S::Accepted | S::Received, C::Close) => S::Closed,
        _ => return Err(command.wrong_state(state)),
    };
    Ok(next)
}

/// The supervision document as a [`Workflow`]; the context is whether it asks for
/// rectification.
pub struct SupervisionFlow;

impl Workflow for SupervisionFlow {
    type State = SupervisionState;
    type Party = SupervisionParty;
    type Command = SupervisionCommand;
    type Context = bool;
    const PARTIES: &'static [SupervisionParty] = SupervisionParty::ALL;
    const CONTEXTS: &'static [bool] = &[false, true];

    fn transition(
        rectifies: bool,
        state: SupervisionState,
        party: SupervisionParty,
        command: SupervisionCommand,
    ) -> Result<SupervisionState, Refused> {
        transition(rectifies, state, party, command)
    }
}

commands! {
    /// A command on a supervision document with exactly its fields
    /// (`POST /api/supervision-docs/{id}/actions`, `{"command": "accept", "revision": 4}`).
    /// Every command names the revision the caller read; one changed since is refused (409).
    /// Issuing and receiving are no person's command (the last signature, the notice's 签收).
    pub enum SupervisionAction tagged "command" {
        /// 提交整改报告: what was done; the evidence attached to this round goes with it.
        SubmitReport { revision: i64, text: Text },
        /// 整改验收通过.
        Accept { revision: i64 },
        /// 退回整改: why; a new report is due.
        SendBack { revision: i64, reason: Reason },
        /// 办结.
        Close { revision: i64 },
        /// 撤回 the draft: why.
        Withdraw { revision: i64, reason: Reason },
    }
}

impl SupervisionAction {
    /// Which command it is.
    pub fn command(&self) -> SupervisionCommand {
        use SupervisionAction as A;
        use SupervisionCommand as C;
        match self {
            A::SubmitReport { .. } => C::SubmitReport,
            A::Accept { .. } => C::Accept,
            A::SendBack { .. } => C::SendBack,
            A::Close { .. } => C::Close,
            A::Withdraw { .. } => C::Withdraw,
        }
    }

    /// The revision the caller read.
    pub fn revision(&self) -> i64 {
        use SupervisionAction as A;
        match self {
            A::SubmitReport { revision, .. }
            | A::Accept { revision }
            | A::SendBack { revision, .. }
            | A::Close { revision }
            | A::Withdraw { revision, .. } => *revision,
        }
    }
}

impl CommandShape for SupervisionAction {
    fn missing(command: &str, field: &str) -> Option<String> {
        Some(format!(
            "{field} is required to {command} a supervision document"
        ))
    }

    fn misplaced(command: &str, field: &str) -> Option<String> {
        Some(format!("{field} is not a field of the command {command}"))
    }
}

/// Why the content may not be frozen: a decision must name the enforcement act and what it
/// orders (`act`: the act's name and order, as the text has them), and only a decision may.
pub fn check_act(kind: SupervisionKind, act: Option<(&str, &str)>) -> Result<(), &'static Phrase> {
    match (kind, act) {
        (SupervisionKind::Decision, Some((name, order)))
            if !name.trim().is_empty() && !order.is_empty() =>
        {
            Ok(())
        }
        (SupervisionKind::Decision, _) => Err(&DECISION_NAMES_ACT),
        (_, None) => Ok(()),
        (_, Some(_)) => Err(&ONLY_DECISION_NAMES_ACT),
    }
}

/// The words of the supervision document's refusals in the signed-document lifecycle.
pub struct SupervisionDocWords;

impl Words for SupervisionDocWords {
    const WORDS: Wording = Wording {
        archived: &DOC_ARCHIVED,
        superseded: &DOC_SUPERSEDED,
        freeze: &DOC_FREEZE,
        open_signing: &DOC_OPEN_SIGNING,
        sign: &DOC_SIGN,
        reopen: &DOC_REOPEN,
        decline_while_signing: &DOC_DECLINE_WHILE_SIGNING,
        archive: &DOC_ARCHIVE,
        not_signatory: &DOC_NOT_SIGNATORY,
        already_signed: &DOC_ALREADY_SIGNED,
        reopen_denied: &DOC_REOPEN_DENIED,
    };
}

/// Who may be named in a supervision document's signing policy.
pub const SUPERVISION_SIGNATORIES: Signatories =
    ("制发监督文书的司法行政机关", "the issuing bureau");

/// Whether a notice about `subject` delivers a supervision document: its 签收 receives the
/// document, so its sender may neither correct nor recall it.
pub fn delivers_a_document(subject: Option<&str>) -> bool {
    subject.is_some_and(|s| s.starts_with("supervision:"))
}

/// Why the text may not be frozen while the document is in `state`, if so: only its draft.
pub fn doc_freeze_gate(state: SupervisionState) -> Option<Refused> {
    (state != SupervisionState::Drafting)
        .then(|| Refused::in_state(&DOC_FREEZE_WHILE_DRAFTING, state))
}

#[cfg(test)]
mod tests {
    use super::*;
    use SupervisionCommand as C;
    use SupervisionParty::{Body, Bureau, Supervisor, System};
    use SupervisionState as S;

    /// Every allowed arrow, with the context it needs (`true`: asks for rectification; both
    /// when the command does not look at it).
    fn allowed() -> Vec<(bool, S, SupervisionParty, C, S)> {
        let mut arrows = Vec::new();
        let mut both = |from, party, command, to| {
            for rectifies in [false, true] {
                arrows.push((rectifies, from, party, command, to));
            }
        };
        both(S::Drafting, System, C::Issue, S::Issued);
        both(S::Drafting, Bureau, C::Withdraw, S::Withdrawn);
        both(S::Rectifying, Body, C::SubmitReport, S::UnderReview);
        both(S::UnderReview, Bureau, C::Accept, S::Accepted);
        both(S::UnderReview, Bureau, C::SendBack, S::Rectifying);
        both(S::Accepted, Bureau, C::Close, S::Closed);
        both(S::Received, Bureau, C::Close, S::Closed);
        arrows.push((true, S::Issued, System, C::Receive, S::Rectifying));
        arrows.push((false, S::Issued, System, C::Receive, S::Received));
        arrows
    }

    #[test]
    fn every_context_state_party_and_command_is_allowed_or_refused_as_the_table_says() {
        let cases =
            kernel::testing::check_table::<SupervisionFlow>(&allowed(), |rule, state, command| {
                kernel::testing::names_command_or_state(rule, state, command)
                    || rule.contains("only")
                    || rule.contains("final")
                    || rule.contains("not by a command")
            });
        assert_eq!(cases, 2 * 8 * 4 * 7);
    }

    #[test]
    fn a_notice_and_a_decision_ask_for_rectification_an_opinion_does_not() {
        assert!(SupervisionKind::Notice.rectifies());
        assert!(SupervisionKind::Decision.rectifies());
        assert!(!SupervisionKind::Opinion.rectifies());
        let received = transition(false, S::Issued, System, C::Receive).unwrap();
        assert_eq!(received, S::Received);
        assert_eq!(received.clock(), None);
        let rectifying = transition(true, S::Issued, System, C::Receive).unwrap();
        assert_eq!(rectifying.clock(), Some(LimitKind::SupervisionReport));
    }

    #[test]
    fn the_bureau_above_only_reads_and_people_never_issue_or_receive() {
        for &state in S::ALL {
            for &command in C::ALL {
                for rectifies in [false, true] {
                    assert!(transition(rectifies, state, Supervisor, command).is_err());
                }
            }
        }
        let refused = transition(true, S::Drafting, Bureau, C::Issue).unwrap_err();
        assert_eq!(refused.rule.code, "supervision.issued_by_signing");
        let refused = transition(true, S::Issued, Body, C::Receive).unwrap_err();
        assert_eq!(refused.rule.code, "supervision.received_by_acknowledging");
    }

    #[test]
    fn a_sent_back_report_is_due_again_and_only_a_draft_is_frozen() {
        let again = transition(true, S::UnderReview, Bureau, C::SendBack).unwrap();
        assert_eq!(again, S::Rectifying);
        assert_eq!(again.clock(), Some(LimitKind::SupervisionReport));
        assert_eq!(doc_freeze_gate(S::Drafting), None);
        let refused = doc_freeze_gate(S::Issued).unwrap();
        assert!(
            refused.message().to_string().contains("issued"),
            "{}",
            refused.message()
        );
    }
}
