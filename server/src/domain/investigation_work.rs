//! The rules of a joint investigation group's work (联合调查组的工作): the evidence of the
//! dossier's sections (证据材料) and the lead's unified command (统一指挥: tasks, group notices,
//! the command board). The group's own machine is [`super::investigation`]; this module adds
//! the refusals of the work done inside a group, in both languages, and the one question
//! both parts ask of a group's state.
//!
//! This module never reads anything.

use super::investigation::GroupState;
use super::kernel::Refused;
use super::message::Phrase;
use super::phrases::catalogue;

catalogue! { RULES:
    EVIDENCE_DOSSIER_FROZEN = "investigation.evidence_dossier_frozen",
        "联合案卷已冻结，证据材料不能再添加或撤回",
        "the dossier is frozen: evidence is no longer added or withdrawn";
    EVIDENCE_WHILE_WORKING = "investigation.evidence_while_working",
        "只能在调查组已组建或调查中时添加或撤回证据材料（当前为{now}）",
        "evidence is added or withdrawn only while the group is formed or active; it is now {now}";
    EVIDENCE_BY_MEMBER = "investigation.evidence_by_member",
        "只有牵头单位和已确认参加的成员单位可以添加或撤回证据材料",
        "only the lead and the confirmed member bodies add or withdraw evidence";
    EVIDENCE_OWN_SECTION = "investigation.evidence_own_section",
        "只能向本单位负责的章节添加证据材料（牵头单位还可添加到案情摘要和调查结论）",
        "a body adds evidence to its own section only (the lead also to the summary and conclusions)";
    EVIDENCE_WITHDRAW_OWN = "investigation.evidence_withdraw_own",
        "只有添加该证据材料的单位可以撤回",
        "only the body that added a piece of evidence withdraws it";
    EVIDENCE_WITHDRAWN_ONCE = "investigation.evidence_withdrawn_once",
        "该证据材料已经撤回，不能再次撤回",
        "this piece of evidence is withdrawn already";
    NO_SUCH_EVIDENCE = "not_found.investigation_evidence",
        "该调查组没有这份证据材料，或您无权查看",
        "no piece of evidence with this id in this group";
    NO_SUCH_SECTION = "investigation.no_such_section",
        "该调查组没有章节 {id}",
        "the group has no section {id}";
    COMMAND_WHILE_WORKING = "investigation.command_while_working",
        "只能在调查组已组建或调查中时交办任务或发送通知（当前为{now}）",
        "tasks and notices are sent only while the group is formed or active; it is now {now}";
    ASSIGNEE_IS_MEMBER = "investigation.assignee_is_member",
        "任务只能交办给已确认参加调查组的成员单位",
        "a task is assigned to a confirmed member body of the group only";
    NO_CONFIRMED_MEMBERS = "investigation.no_confirmed_members",
        "调查组目前没有已确认参加的成员单位",
        "the group has no confirmed member body now";
    BOARD_OF_PARTIES = "investigation.board_of_parties",
        "只有牵头单位和成员单位可以查看调查组的指挥看板",
        "only the lead and the member bodies see the group's command board";
}

/// Whether work is done in a group in `state` (evidence added or withdrawn, tasks set,
/// notices sent): once formed and until it is concluded or dissolved; else the refusal
/// `rule` naming the state.
pub fn while_working(state: GroupState, rule: &'static Phrase) -> Result<(), Refused> {
    match state {
        GroupState::Formed | GroupState::Active => Ok(()),
        _ => Err(Refused::in_state(rule, state)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_is_done_only_in_a_formed_or_active_group() {
        for state in [GroupState::Formed, GroupState::Active] {
            assert!(while_working(state, &EVIDENCE_WHILE_WORKING).is_ok());
        }
        for state in [
            GroupState::Proposed,
            GroupState::Concluded,
            GroupState::Archived,
            GroupState::Dissolved,
        ] {
            assert!(while_working(state, &EVIDENCE_WHILE_WORKING).is_err());
        }
    }
}
