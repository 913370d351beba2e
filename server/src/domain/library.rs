//! The case library (行政执法案例库): issue 23 part 5. Seed 004: 「典型案例，应纳入本地区本领域
//! 行政执法案例库并向社会发布」.
//!
//! A file whose grade a review confirmed may be marked typical (典型案例) by the review's
//! organising bureau: it gets an anonymised write-up, a live document the bureau writes
//! (parties, addresses and the case number left out: the server refuses a text that still
//! carries the case number). The bureau submits it for checking (the text is frozen), the body
//! whose file it is reads it and may send it back with reasons (a fact wrong, a person still
//! recognisable), and the bureau publishes it: from then on every body of the bureau's region
//! reads and searches it (by field, kind and legal basis), and when it is marked public it can
//! be exported for publication to the public. A published case is withdrawn, with reasons,
//! never deleted.
//!
//! ```text
//! drafting ──submit (bureau)──▶ checking ──publish (bureau)──▶ published ──withdraw (bureau, reasons)──▶ withdrawn
//!    ▲                            │ send_back (bureau or the body, reasons)
//!    └────────────────────────────┘
//! ```
//!
//! This module never reads anything.

use super::command::{commands, CommandShape};
use super::kernel::{self, Refused, Workflow};
use super::message::Phrase;
use super::org::labelled_enum;
use super::phrases::catalogue;
use super::text::Reason;

labelled_enum! {
    /// Where a library case is.
    pub enum CaseState {
        /// 撰写中: the bureau writes the anonymised write-up.
        Drafting = ("drafting", "撰写中", "Drafting"),
        /// 核对中: frozen; the body whose file it is checks it.
        Checking = ("checking", "核对中", "Being checked"),
        /// 已发布: every body of the region reads it.
        Published = ("published", "已发布", "Published"),
        /// 已撤回: with the bureau's reasons; still listed for those who read it.
        Withdrawn = ("withdrawn", "已撤回", "Withdrawn"),
    }
}

labelled_enum! {
    /// Who acts on a library case.
    pub enum CaseParty {
        /// 组织评查的单位 (a bureau, or a department reviewing its own field; `bureau` kept as
        /// the stored and transmitted name): writes, submits, publishes, withdraws.
        Bureau = ("bureau", "组织评查的单位", "Organiser"),
        /// 案卷所属单位: checks the write-up of its file.
        Body = ("body", "案卷所属单位", "The file's body"),
        /// 查阅单位: any other body of the region, or a bureau above.
        Reader = ("reader", "查阅单位", "Reader"),
    }
}

labelled_enum! {
    /// What is asked of a library case.
    pub enum CaseCommand {
        /// 提交核对: the write-up is frozen for checking.
        Submit = ("submit", "提交核对", "Submit for checking"),
        /// 退回修改: with reasons; the write-up can change again.
        SendBack = ("send_back", "退回修改", "Send back"),
        /// 发布: into the region's case library.
        Publish = ("publish", "发布", "Publish"),
        /// 撤回: out of the library, with reasons.
        Withdraw = ("withdraw", "撤回", "Withdraw"),
    }
}

catalogue! { RULES:
    BY_THE_BUREAU = "library.by_the_bureau",
        "只有组织评查的单位可以撰写、提交、发布或撤回典型案例",
        "only the review's organiser writes, submits, publishes or withdraws a library case";
    SEND_BACK_BY = "library.send_back_by",
        "只有组织评查的单位或案卷所属单位可以退回典型案例",
        "only the review's organiser or the body whose file it is sends a library case back";
    SUBMIT_WHEN_DRAFTING = "library.submit_when_drafting",
        "只有撰写中的典型案例可以提交核对（当前为{now}）",
        "only a library case being drafted can be submitted; it is now {now}";
    SEND_BACK_WHEN_CHECKING = "library.send_back_when_checking",
        "只有核对中的典型案例可以退回（当前为{now}）",
        "only a library case being checked can be sent back; it is now {now}";
    PUBLISH_WHEN_CHECKING = "library.publish_when_checking",
        "典型案例须先提交核对，方可发布（当前为{now}）",
        "a library case is published once submitted for checking; it is now {now}";
    WITHDRAW_WHEN_PUBLISHED = "library.withdraw_when_published",
        "只有已发布的典型案例可以撤回（当前为{now}）",
        "only a published library case can be withdrawn; it is now {now}";
    WITHDRAWN_IS_FINAL = "library.withdrawn_is_final",
        "该典型案例已撤回，不能再进行任何操作",
        "a withdrawn library case is final: nothing more changes it";
    FROM_A_CONFIRMED_FILE = "library.from_a_confirmed_file",
        "只有已确认等次的案卷可以列为典型案例",
        "only a file whose grade is confirmed can become a library case";
    ONE_PER_FILE = "library.one_per_file",
        "该案卷已列为典型案例",
        "this file is already a library case";
    WRITE_UP_EMPTY = "library.write_up_empty",
        "案例正文为空，请先撰写案例",
        "the write-up is empty: write the case first";
    NOT_ANONYMISED = "library.not_anonymised",
        "案例正文中仍有案号「{number}」，请按匿名化要求删去后再提交",
        "the write-up still carries the case number {number}: take it out before submitting";
    NOT_PUBLIC = "library.not_public",
        "该典型案例未标记为向社会公开，不能导出发布",
        "this library case is not marked public, so it is not exported for publication";
    NO_SUCH_CASE = "not_found.library_case",
        "案例库中没有这个案例，或您无权查看",
        "no such case in the library";
    CASE_STALE = "library.stale",
        "该典型案例已被他人更新（当前为第 {revision} 版），请刷新后重试",
        "the library case was changed by someone else meanwhile (it is at revision {revision}); reload it and try again";
    CASE_MOVED = "library.moved",
        "该典型案例已被他人更新（当前为{now}），请刷新后重试",
        "the library case changed meanwhile (it is now {now}); reload it and try again";
}

/// The one transition function of a library case.
pub fn transition(
    state: CaseState,
    party: CaseParty,
    command: CaseCommand,
) -> Result<CaseState, Refused> {
    use CaseCommand as C;
    use CaseState as S;
    if state == S::Withdrawn {
        return Err(Refused::by(&WITHDRAWN_IS_FINAL));
    }
    let (allowed, wrong): (bool, &'static Phrase) = match command {
        C::SendBack => (
            matches!(party, CaseParty::Bureau | CaseParty::Body),
            &SEND_BACK_BY,
        ),
        _ => (party == CaseParty::Bureau, &BY_THE_BUREAU),
    };
    kernel::precheck(None, allowed, wrong)?;
    match (command, state) {
        (C::Submit, S::Drafting) => Ok(S::Checking),
        (C::Submit, _) => Err(Refused::in_state(&SUBMIT_WHEN_DRAFTING, state)),
        (C::SendBack, S::Checking) => Ok(S::Drafting),
        (C::SendBack, _) => Err(Refused::in_state(&SEND_BACK_WHEN_CHECKING, state)),
        (C::Publish, S::Checking) => Ok(S::Published),
        (C::Publish, _) => Err(Refused::in_state(&PUBLISH_WHEN_CHECKING, state)),
        (C::Withdraw, S::Published) => Ok(S::Withdrawn),
        (C::Withdraw, _) => Err(Refused::in_state(&WITHDRAW_WHEN_PUBLISHED, state)),
    }
}

/// A library case as a [`Workflow`].
pub struct CaseFlow;

impl Workflow for CaseFlow {
    type State = CaseState;
    type Party = CaseParty;
    type Command = CaseCommand;
    type Context = ();
    const PARTIES: &'static [CaseParty] = CaseParty::ALL;
    const CONTEXTS: &'static [()] = &[()];

    fn transition(
        _: (),
        state: CaseState,
        party: CaseParty,
        command: CaseCommand,
    ) -> Result<CaseState, Refused> {
        transition(state, party, command)
    }
}

commands! {
    /// A command on a library case with exactly its fields (`POST /api/library/{id}/actions`,
    /// `{"command": "publish", "revision": 2, "public": true}`), at the revision the caller
    /// read.
    pub enum CaseAction tagged "command" {
        /// 提交核对.
        Submit { revision: i64 },
        /// 退回修改: why.
        SendBack { revision: i64, reason: Reason },
        /// 发布; `public`: also exported for publication to the public (向社会发布).
        Publish { revision: i64, public: bool },
        /// 撤回: why.
        Withdraw { revision: i64, reason: Reason },
    }
}

impl CaseAction {
    pub fn command(&self) -> CaseCommand {
        match self {
            CaseAction::Submit { .. } => CaseCommand::Submit,
            CaseAction::SendBack { .. } => CaseCommand::SendBack,
            CaseAction::Publish { .. } => CaseCommand::Publish,
            CaseAction::Withdraw { .. } => CaseCommand::Withdraw,
        }
    }

    pub fn revision(&self) -> i64 {
        match self {
            CaseAction::Submit { revision }
            | CaseAction::SendBack { revision, .. }
            | CaseAction::Publish { revision, .. }
            | CaseAction::Withdraw { revision, .. } => *revision,
        }
    }
}

impl CommandShape for CaseAction {
    fn missing(command: &str, field: &str) -> Option<String> {
        Some(format!("{field} is required to {command} a library case"))
    }

    fn misplaced(command: &str, field: &str) -> Option<String> {
        Some(format!("{field} is not a field of the command {command}"))
    }
}

/// Whether `text` (the write-up as plain text) still carries the case number: compared
/// without spaces, so `上市监罚 〔2025〕 12 号` is found too.
pub fn carries_case_number(text: &str, case_number: &str) -> bool {
    let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let number = squeeze(case_number);
    !number.is_empty() && squeeze(text).contains(&number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bureau_submits_and_publishes_either_sends_back_and_withdrawn_is_final() {
        use CaseCommand as C;
        use CaseParty as P;
        use CaseState as S;
        let arrows = vec![
            ((), S::Drafting, P::Bureau, C::Submit, S::Checking),
            ((), S::Checking, P::Bureau, C::SendBack, S::Drafting),
            ((), S::Checking, P::Body, C::SendBack, S::Drafting),
            ((), S::Checking, P::Bureau, C::Publish, S::Published),
            ((), S::Published, P::Bureau, C::Withdraw, S::Withdrawn),
        ];
        let cases = kernel::testing::check_table::<CaseFlow>(&arrows, |rule, state, command| {
            kernel::testing::names_command_or_state(rule, state, command)
                || rule.contains("only")
                || rule.contains("nothing more")
        });
        assert_eq!(cases, 4 * 3 * 4);
    }

    #[test]
    fn the_case_number_is_found_however_it_is_spaced() {
        let number = "上市监罚〔2025〕12号";
        assert!(carries_case_number(
            "本案（上市监罚〔2025〕12号）中",
            number
        ));
        assert!(carries_case_number("上市监罚 〔2025〕 12 号", number));
        assert!(!carries_case_number("某市场监管局查处某餐饮店一案", number));
        assert!(!carries_case_number("任何正文", "  "));
    }
}
