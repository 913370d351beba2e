//! Joint investigation groups (联合调查组): the group's machine and each member body's, as pure
//! transition functions (WORKFLOWS.md "Joint investigation group", issue 18).
//!
//! A major case that is complex, has social impact or touches several departments' duties is
//! run by a group led by the judicial bureau or the main investigating department (the lead,
//! 牵头单位), 「统一指挥、统一调度」. The lead proposes the group and invites member bodies; each
//! confirms or declines with a reason; the lead forms the group once every invitation is
//! answered and at least one body confirmed; the group is active when the first member starts
//! work; it is concluded by the signature of its concluding report (调查报告), which every
//! member signs and then the lead, and archived by the lead. The lead may dissolve it, with a
//! reason, at any time before the conclusion.
//!
//! ```text
//! proposed ──form (every invitation answered, one confirmed)──▶ formed ──start──▶ active
//!    │                                                            │                 │ conclude (the report signed)
//!    └────────────── dissolve (the lead, with a reason) ──────────┴────────────┐    ▼
//!                                                                   dissolved ◀┘  concluded ──archive──▶ archived
//! ```
//!
//! WORKFLOWS.md lets a group be dissolved from `proposed` or `active`; `formed` is allowed too,
//! or a group formed and never started could not end.
//!
//! A member body's own part is a second machine ([`MemberFlow`]): invited → confirmed or
//! declined (with a reason) while the group is proposed; a confirmed body leaves (with a
//! reason) while the group is formed or active, keeping its section frozen and readable.
//!
//! This module never reads anything.

use super::command::{commands, CommandShape};
use super::kernel::{self, Refused, Workflow};
use super::message::Phrase;
use super::org::{labelled_enum, OrgKind};
use super::phrases::catalogue;
use super::signed::{Signatories, Wording, Words};
use super::text::{Line, Reason};

/// The most member bodies one group invites, the lead not counted.
pub const MAX_MEMBERS: usize = 30;

labelled_enum! {
    /// Where a group is in its life.
    pub enum GroupState {
        /// 筹建中: proposed; invitations are out.
        Proposed = ("proposed", "筹建中", "Proposed"),
        /// 已组建: the lead confirmed the membership.
        Formed = ("formed", "已组建", "Formed"),
        /// 调查中: a member started work.
        Active = ("active", "调查中", "Active"),
        /// 已结案: the concluding report is signed by every member and the lead.
        Concluded = ("concluded", "已完成调查", "Concluded"),
        /// 已归档.
        Archived = ("archived", "已归档", "Archived"),
        /// 已解散: by the lead, with a reason.
        Dissolved = ("dissolved", "已解散", "Dissolved"),
    }
}

labelled_enum! {
    /// Who gives a group command.
    pub enum GroupParty {
        /// 牵头单位: the body that proposed the group and leads it.
        Lead = ("lead", "牵头单位", "Lead body"),
        /// 成员单位: a body that confirmed its membership.
        Member = ("member", "成员单位", "Member body"),
        /// 受邀单位: invited, not (or no longer) a confirmed member.
        Invited = ("invited", "受邀单位", "Invited body"),
        /// 监督机关: a judicial bureau that reads (the group reported to it, or not confidential).
        Supervisor = ("supervisor", "监督机关", "Supervising bureau"),
        /// The server itself: the signed report's completion.
        System = ("system", "系统", "System"),
    }
}

labelled_enum! {
    /// What is asked of a group.
    pub enum GroupCommand {
        /// 确认组建: every invitation answered, at least one body confirmed.
        Form = ("form", "确认组建", "Form the group"),
        /// 开始调查: a member (or the lead) starts work.
        Start = ("start", "开始调查", "Start work"),
        /// 完成调查: the system's, when the concluding report is signed by all.
        Conclude = ("conclude", "完成调查", "Conclude"),
        /// 归档.
        Archive = ("archive", "归档", "Archive"),
        /// 解散: the lead, with a reason.
        Dissolve = ("dissolve", "解散调查组", "Dissolve"),
    }
}

impl GroupState {
    /// Archived or dissolved: nothing more can happen.
    pub fn is_final(self) -> bool {
        matches!(self, GroupState::Archived | GroupState::Dissolved)
    }

    /// Formed or active: the group works, its members write their sections.
    pub fn working(self) -> bool {
        matches!(self, GroupState::Formed | GroupState::Active)
    }
}

impl GroupCommand {
    fn by(self, party: GroupParty) -> bool {
        use GroupCommand as C;
        use GroupParty as P;
        match self {
            C::Start => matches!(party, P::Lead | P::Member),
            C::Conclude => party == P::System,
            C::Form | C::Archive | C::Dissolve => party == P::Lead,
        }
    }

    fn wrong_party(self) -> &'static Phrase {
        match self {
            GroupCommand::Start => &START_BY_MEMBER,
            GroupCommand::Conclude => &CONCLUDED_BY_SIGNING,
            _ => &BY_THE_LEAD,
        }
    }

    fn wrong_state(self, state: GroupState) -> Refused {
        let rule = match self {
            GroupCommand::Form => &FORM_WHEN_PROPOSED,
            GroupCommand::Start => &START_WHEN_FORMED,
            GroupCommand::Conclude => &CONCLUDE_WHEN_ACTIVE,
            GroupCommand::Archive => &ARCHIVE_WHEN_CONCLUDED,
            GroupCommand::Dissolve => &DISSOLVE_BEFORE_CONCLUSION,
        };
        Refused::in_state(rule, state)
    }
}

fn final_rule(state: GroupState) -> Option<&'static Phrase> {
    match state {
        GroupState::Archived => Some(&ARCHIVED_IS_FINAL),
        GroupState::Dissolved => Some(&DISSOLVED_IS_FINAL),
        _ => None,
    }
}

catalogue! { RULES:
    BY_THE_LEAD = "investigation.by_the_lead",
        "只有牵头单位可以进行此操作",
        "only the lead body of the group may do this";
    START_BY_MEMBER = "investigation.start_by_member",
        "只有调查组的成员单位或牵头单位可以开始调查",
        "only a member body or the lead body starts the group's work";
    CONCLUDED_BY_SIGNING = "investigation.concluded_by_signing",
        "调查报告经各成员单位和牵头单位签署完成后，调查即为完成，无需另行操作",
        "a group is concluded by every member and the lead signing its report, not by a command";
    FORM_WHEN_PROPOSED = "investigation.form_when_proposed",
        "只有筹建中的调查组可以确认组建（当前为{now}）",
        "a group is formed only while proposed; it is now {now}";
    FORM_AFTER_ANSWERS = "investigation.form_after_answers",
        "须待所有受邀单位答复、且至少一个单位确认参加后，才能确认组建",
        "a group is formed once every invited body answered and at least one confirmed";
    START_WHEN_FORMED = "investigation.start_when_formed",
        "只有已组建的调查组可以开始调查（当前为{now}）",
        "work starts only once the group is formed; it is now {now}";
    CONCLUDE_WHEN_ACTIVE = "investigation.conclude_when_active",
        "只有调查中的调查组可以完成调查（当前为{now}）",
        "a group is concluded only while active; it is now {now}";
    ARCHIVE_WHEN_CONCLUDED = "investigation.archive_when_concluded",
        "只有已完成调查的调查组可以归档（当前为{now}）",
        "a group is archived only once concluded; it is now {now}";
    DISSOLVE_BEFORE_CONCLUSION = "investigation.dissolve_before_conclusion",
        "调查组只能在完成调查之前解散（当前为{now}）",
        "a group can be dissolved only before it is concluded; it is now {now}";
    ARCHIVED_IS_FINAL = "investigation.archived_is_final",
        "调查组已归档，不能再进行任何操作",
        "an archived group is final: nothing more can be done to it";
    DISSOLVED_IS_FINAL = "investigation.dissolved_is_final",
        "调查组已解散，不能再进行任何操作",
        "a dissolved group is final: nothing more can be done to it";
    ANSWER_BY_INVITED = "investigation.answer_by_invited",
        "只有受邀单位本身可以确认或谢绝参加",
        "only the invited body itself confirms or declines";
    ANSWER_WHILE_PROPOSED = "investigation.answer_while_proposed",
        "只能在调查组筹建期间答复邀请（调查组当前为{now}）",
        "an invitation is answered only while the group is proposed; it is now {now}";
    ANSWER_ONCE = "investigation.answer_once",
        "本单位已答复过此邀请（当前为{now}）",
        "your body has answered this invitation already; it is {now}";
    LEAVE_BY_MEMBER = "investigation.leave_by_member",
        "只有已确认参加的成员单位本身可以退出调查组",
        "only a confirmed member body itself leaves the group";
    LEAVE_WHILE_WORKING = "investigation.leave_while_working",
        "只能在调查组已组建或调查中时退出（调查组当前为{now}）",
        "a member leaves only while the group is formed or active; it is now {now}";
    ATTENTION_ONCE = "investigation.attention_once",
        "该调查组已标记为社会关注度高",
        "the group is marked of high public attention already";
    ATTENTION_WHILE_OPEN = "investigation.attention_while_open",
        "只能在调查组完成调查之前标记社会关注度（当前为{now}）",
        "a group is marked of high public attention only before it is concluded; it is now {now}";
    LEAVE_WHEN_CONFIRMED = "investigation.leave_when_confirmed",
        "只有已确认参加的成员单位可以退出（本单位当前为{now}）",
        "only a confirmed member leaves; your body is {now}";
}

/// The one transition function of a group: what `party` giving `command` to a group in
/// `state` leads to, when every invitation is answered and one body confirmed (`ready`).
pub fn transition(
    ready: bool,
    state: GroupState,
    party: GroupParty,
    command: GroupCommand,
) -> Result<GroupState, Refused> {
    use GroupCommand as C;
    use GroupState as S;

    kernel::precheck(final_rule(state), command.by(party), command.wrong_party())?;
    let next = match (state, command) {
        (S::Proposed, C::Form) if ready => S::Formed,
        (S::Proposed, C::Form) => return Err(Refused::by(&FORM_AFTER_ANSWERS)),
        (S::Formed, C::Start) => S::Active,
        (S::Active, C::Conclude) => S::Concluded,
        (S::Concluded, C::Archive) => S::Archived,
        (S::Proposed | S::Formed | S::Active, C::Dissolve) => S::Dissolved,
        _ => return Err(command.wrong_state(state)),
    };
    Ok(next)
}

/// The group as a [`Workflow`]; the context is whether every invitation is answered and one
/// body confirmed.
pub struct GroupFlow;

impl Workflow for GroupFlow {
    type State = GroupState;
    type Party = GroupParty;
    type Command = GroupCommand;
    type Context = bool;
    const PARTIES: &'static [GroupParty] = GroupParty::ALL;
    const CONTEXTS: &'static [bool] = &[false, true];

    fn transition(
        ready: bool,
        state: GroupState,
        party: GroupParty,
        command: GroupCommand,
    ) -> Result<GroupState, Refused> {
        transition(ready, state, party, command)
    }
}

labelled_enum! {
    /// Where one invited body is in the group.
    pub enum MemberState {
        /// 待答复.
        Invited = ("invited", "待答复", "Invited"),
        /// 已确认参加.
        Confirmed = ("confirmed", "已确认参加", "Confirmed"),
        /// 已谢绝: with a reason.
        Declined = ("declined", "已谢绝", "Declined"),
        /// 已退出: with a reason; its section stays, frozen and readable.
        Left = ("left", "已退出", "Left"),
    }
}

labelled_enum! {
    /// Who acts on one body's membership.
    pub enum MemberParty {
        /// The invited body itself.
        Itself = ("itself", "本单位", "The body itself"),
        /// Anyone else: the lead, another member, a supervisor.
        Other = ("other", "其他单位", "Another body"),
    }
}

labelled_enum! {
    /// What a body says of its own membership.
    pub enum MemberCommand {
        /// 确认参加: naming its responsible person and contact (联络人).
        Confirm = ("confirm", "确认参加", "Confirm"),
        /// 谢绝参加: with a reason.
        Decline = ("decline", "谢绝参加", "Decline"),
        /// 退出调查组: with a reason.
        Leave = ("leave", "退出调查组", "Leave"),
    }
}

/// What `party` giving `command` to a membership in `state` leads to, while the group is in
/// `group`.
pub fn member_transition(
    group: GroupState,
    state: MemberState,
    party: MemberParty,
    command: MemberCommand,
) -> Result<MemberState, Refused> {
    use MemberCommand as C;
    use MemberState as S;

    if party != MemberParty::Itself {
        return Err(Refused::by(match command {
            C::Confirm | C::Decline => &ANSWER_BY_INVITED,
            C::Leave => &LEAVE_BY_MEMBER,
        }));
    }
    match command {
        C::Confirm | C::Decline => {
            if group != GroupState::Proposed {
                return Err(Refused::in_state(&ANSWER_WHILE_PROPOSED, group));
            }
            if state != S::Invited {
                return Err(Refused::in_state(&ANSWER_ONCE, state));
            }
            Ok(if command == C::Confirm {
                S::Confirmed
            } else {
                S::Declined
            })
        }
        C::Leave => {
            if !group.working() {
                return Err(Refused::in_state(&LEAVE_WHILE_WORKING, group));
            }
            if state != S::Confirmed {
                return Err(Refused::in_state(&LEAVE_WHEN_CONFIRMED, state));
            }
            Ok(S::Left)
        }
    }
}

/// One body's membership as a [`Workflow`]; the context is the group's state.
pub struct MemberFlow;

impl Workflow for MemberFlow {
    type State = MemberState;
    type Party = MemberParty;
    type Command = MemberCommand;
    type Context = GroupState;
    const PARTIES: &'static [MemberParty] = MemberParty::ALL;
    const CONTEXTS: &'static [GroupState] = GroupState::ALL;

    fn transition(
        group: GroupState,
        state: MemberState,
        party: MemberParty,
        command: MemberCommand,
    ) -> Result<MemberState, Refused> {
        member_transition(group, state, party, command)
    }
}

/// Whether a body of `kind` may propose and lead a group: a judicial bureau or the
/// enforcement department that leads the case (seed 004).
pub fn may_lead(kind: OrgKind) -> bool {
    matches!(
        kind,
        OrgKind::JudicialBureau | OrgKind::EnforcementDepartment
    )
}

/// Whether `party` may mark a group in `state` of high public attention (`marked`: it is
/// already): the lead, once, before the group is concluded.
pub fn may_mark_attention(
    state: GroupState,
    party: GroupParty,
    marked: bool,
) -> Result<(), Refused> {
    if party != GroupParty::Lead {
        return Err(Refused::by(&BY_THE_LEAD));
    }
    if marked {
        return Err(Refused::by(&ATTENTION_ONCE));
    }
    if !matches!(
        state,
        GroupState::Proposed | GroupState::Formed | GroupState::Active
    ) {
        return Err(Refused::in_state(&ATTENTION_WHILE_OPEN, state));
    }
    Ok(())
}

/// Whether a group may be formed: every invitation answered and at least one body confirmed
/// (a body that left before forming cannot have: leaving needs a formed group).
pub fn ready_to_form(members: &[MemberState]) -> bool {
    !members.contains(&MemberState::Invited) && members.contains(&MemberState::Confirmed)
}

labelled_enum! {
    /// 密级: who reads a group besides its members.
    pub enum Confidentiality {
        /// 内部: the members, and the judicial bureaus whose region covers the group.
        Internal = ("internal", "内部", "Internal"),
        /// 敏感: the members only; a bureau it is reported to reads its summary and
        /// conclusions.
        Sensitive = ("sensitive", "敏感", "Sensitive"),
    }
}

impl Confidentiality {
    /// Whether the group's space is closed to the supervising bureaus.
    pub fn closed(self) -> bool {
        self == Confidentiality::Sensitive
    }
}

commands! {
    /// A command on a group with exactly its fields (`POST /api/investigations/{id}/actions`,
    /// `{"command": "form", "revision": 2}`). Every command names the revision the caller
    /// read; a group changed since is refused (409).
    pub enum GroupAction tagged "command" {
        /// 确认组建.
        Form { revision: i64 },
        /// 开始调查.
        Start { revision: i64 },
        /// 完成调查: the system's, when the report is signed by all; refused to people.
        Conclude { revision: i64 },
        /// 归档.
        Archive { revision: i64 },
        /// 解散: why.
        Dissolve { revision: i64, reason: Reason },
    }
}

impl GroupAction {
    /// Which command it is.
    pub fn command(&self) -> GroupCommand {
        match self {
            GroupAction::Form { .. } => GroupCommand::Form,
            GroupAction::Start { .. } => GroupCommand::Start,
            GroupAction::Conclude { .. } => GroupCommand::Conclude,
            GroupAction::Archive { .. } => GroupCommand::Archive,
            GroupAction::Dissolve { .. } => GroupCommand::Dissolve,
        }
    }

    /// The revision the caller read.
    pub fn revision(&self) -> i64 {
        match self {
            GroupAction::Form { revision }
            | GroupAction::Start { revision }
            | GroupAction::Conclude { revision }
            | GroupAction::Archive { revision }
            | GroupAction::Dissolve { revision, .. } => *revision,
        }
    }
}

impl CommandShape for GroupAction {
    fn missing(command: &str, field: &str) -> Option<String> {
        Some(format!("{field} is required to {command} a group"))
    }

    fn misplaced(command: &str, field: &str) -> Option<String> {
        Some(format!("{field} is not a field of the command {command}"))
    }
}

commands! {
    /// What a body says of its own membership (`POST /api/investigations/{id}/membership`,
    /// `{"command": "confirm", "responsible_person": "…", "contact": "…"}`).
    pub enum MemberAction tagged "command" {
        /// 确认参加: its responsible person and contact (联络人).
        Confirm { responsible_person: Line, contact: Line },
        /// 谢绝参加: why.
        Decline { reason: Reason },
        /// 退出调查组: why.
        Leave { reason: Reason },
    }
}

impl MemberAction {
    /// Which command it is.
    pub fn command(&self) -> MemberCommand {
        match self {
            MemberAction::Confirm { .. } => MemberCommand::Confirm,
            MemberAction::Decline { .. } => MemberCommand::Decline,
            MemberAction::Leave { .. } => MemberCommand::Leave,
        }
    }
}

impl CommandShape for MemberAction {
    fn missing(command: &str, field: &str) -> Option<String> {
        Some(format!("{field} is required to {command}"))
    }

    fn misplaced(command: &str, field: &str) -> Option<String> {
        Some(format!("{field} is not a field of the command {command}"))
    }
}

catalogue! { REPORT_RULES:
    REPORT_ARCHIVED = "report.archived",
        "已归档的调查报告永久只读",
        "an archived report is read-only forever";
    REPORT_SUPERSEDED = "report.superseded",
        "调查报告的此版本已被新版本取代，请在最新版本上操作",
        "this version of the report was superseded; act on the newest version";
    REPORT_FREEZE = "report.freeze",
        "只有草稿状态的调查报告可以定稿",
        "only a report in draft can be frozen";
    REPORT_OPEN_SIGNING = "report.open_signing",
        "调查报告定稿后方可开启签署，且只开启一次",
        "signing opens once, on a frozen report";
    REPORT_SIGN = "report.sign",
        "只有在签署开启期间才能签署调查报告",
        "a report is signed only while signing is open";
    REPORT_REOPEN = "report.reopen",
        "只有已定稿或签署中的调查报告可以退回修改",
        "only a frozen report or one being signed can be sent back for changes";
    REPORT_DECLINE_WHILE_SIGNING = "report.decline_while_signing",
        "成员单位只能在签署开启后退回；本调查报告尚未开启签署",
        "a member sends back while signing is open; this report is not being signed";
    REPORT_ARCHIVE = "report.archive",
        "调查报告经各成员单位和牵头单位签署完毕后方可归档",
        "only a report signed by every member and the lead can be archived";
    REPORT_NOT_SIGNATORY = "report.not_signatory",
        "调查报告由调查组成员单位和牵头单位签署，本单位不在签署之列",
        "a report is signed by the group's members and its lead; your organization does not sign it";
    REPORT_ALREADY_SIGNED = "report.already_signed",
        "本单位已签署此版本调查报告",
        "your organization has already signed this version of the report";
    REPORT_REOPEN_DENIED = "report.reopen_denied",
        "只有调查组成员单位或牵头单位可以退回调查报告",
        "only a member or the lead of the group may send the report back";
    REPORT_FREEZE_WHILE_ACTIVE = "report.freeze_while_active",
        "只有调查中的调查组可以定稿调查报告（当前为{now}）",
        "the report is frozen only while the group is active; it is now {now}";
    DOSSIER_BY_THE_LEAD = "investigation.dossier_by_the_lead",
        "只有牵头单位可以冻结联合案卷",
        "only the lead body freezes the joint dossier";
    DOSSIER_WHILE_ACTIVE = "investigation.dossier_while_active",
        "只有调查中的调查组可以冻结联合案卷（当前为{now}）",
        "the dossier is frozen only while the group is active; it is now {now}";
    DOSSIER_ONCE = "investigation.dossier_once",
        "联合案卷已冻结，调查报告正在起草",
        "the dossier is frozen already and the report is being drafted";
    NO_REPORT_YET = "investigation.no_report_yet",
        "联合案卷尚未冻结，还没有调查报告",
        "the dossier is not frozen yet, so there is no report";
}

/// The words of the report's refusals.
pub struct ReportWords;

impl Words for ReportWords {
    const WORDS: Wording = Wording {
        archived: &REPORT_ARCHIVED,
        superseded: &REPORT_SUPERSEDED,
        freeze: &REPORT_FREEZE,
        open_signing: &REPORT_OPEN_SIGNING,
        sign: &REPORT_SIGN,
        reopen: &REPORT_REOPEN,
        decline_while_signing: &REPORT_DECLINE_WHILE_SIGNING,
        archive: &REPORT_ARCHIVE,
        not_signatory: &REPORT_NOT_SIGNATORY,
        already_signed: &REPORT_ALREADY_SIGNED,
        reopen_denied: &REPORT_REOPEN_DENIED,
    };
}

/// Who may be named in the report's signing policy.
pub const REPORT_SIGNATORIES: Signatories = (
    "调查组成员单位或牵头单位",
    "a member or the lead of the group",
);

/// Why the report may not be frozen while the group is in `state`, if so: the group concludes
/// from its work.
pub fn report_freeze_gate(state: GroupState) -> Option<Refused> {
    (state != GroupState::Active).then(|| Refused::in_state(&REPORT_FREEZE_WHILE_ACTIVE, state))
}

/// Whether `party` may freeze the dossier of a group in `state` that has (`drafting`) or has
/// not a report yet: the lead, once, while the group is active.
pub fn may_freeze_dossier(
    state: GroupState,
    party: GroupParty,
    drafting: bool,
) -> Result<(), Refused> {
    if party != GroupParty::Lead {
        return Err(Refused::by(&DOSSIER_BY_THE_LEAD));
    }
    if state != GroupState::Active {
        return Err(Refused::in_state(&DOSSIER_WHILE_ACTIVE, state));
    }
    if drafting {
        return Err(Refused::by(&DOSSIER_ONCE));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use GroupCommand as C;
    use GroupParty::{Lead, Member, System};
    use GroupState as S;

    const ALLOWED: &[(bool, S, GroupParty, C, S)] = &[
        (true, S::Proposed, Lead, C::Form, S::Formed),
        (false, S::Formed, Lead, C::Start, S::Active),
        (true, S::Formed, Lead, C::Start, S::Active),
        (false, S::Formed, Member, C::Start, S::Active),
        (true, S::Formed, Member, C::Start, S::Active),
        (false, S::Active, System, C::Conclude, S::Concluded),
        (true, S::Active, System, C::Conclude, S::Concluded),
        (false, S::Concluded, Lead, C::Archive, S::Archived),
        (true, S::Concluded, Lead, C::Archive, S::Archived),
        (false, S::Proposed, Lead, C::Dissolve, S::Dissolved),
        (true, S::Proposed, Lead, C::Dissolve, S::Dissolved),
        (false, S::Formed, Lead, C::Dissolve, S::Dissolved),
        (true, S::Formed, Lead, C::Dissolve, S::Dissolved),
        (false, S::Active, Lead, C::Dissolve, S::Dissolved),
        (true, S::Active, Lead, C::Dissolve, S::Dissolved),
    ];

    #[test]
    fn every_state_party_and_command_of_a_group_is_an_arrow_or_a_named_refusal() {
        let cases = kernel::testing::check_table::<GroupFlow>(ALLOWED, |rule, state, command| {
            kernel::testing::names_command_or_state(rule, state, command)
                || rule.contains("only")
                || rule.contains("final")
                || rule.contains("every invited body answered")
        });
        assert_eq!(cases, 2 * 6 * 5 * 5);
    }

    #[test]
    fn only_the_lead_marks_an_open_group_of_public_attention_and_only_once() {
        assert!(may_mark_attention(S::Active, Lead, false).is_ok());
        assert!(may_mark_attention(S::Proposed, Lead, false).is_ok());
        let code = |r: Result<(), Refused>| r.unwrap_err().rule.code;
        assert_eq!(
            code(may_mark_attention(S::Active, Member, false)),
            "investigation.by_the_lead"
        );
        assert_eq!(
            code(may_mark_attention(S::Active, Lead, true)),
            "investigation.attention_once"
        );
        assert_eq!(
            code(may_mark_attention(S::Concluded, Lead, false)),
            "investigation.attention_while_open"
        );
        assert!(may_lead(OrgKind::EnforcementDepartment) && may_lead(OrgKind::JudicialBureau));
        assert!(!may_lead(OrgKind::PublicSecurity) && !may_lead(OrgKind::TownshipGovernment));
    }

    #[test]
    fn forming_waits_for_every_answer_and_one_confirmation() {
        use MemberState::{Confirmed, Declined, Invited, Left};
        assert!(!ready_to_form(&[Confirmed, Invited]));
        assert!(!ready_to_form(&[Declined, Declined]));
        assert!(!ready_to_form(&[]));
        assert!(ready_to_form(&[Confirmed, Declined]));
        assert!(!ready_to_form(&[Left]));
        let refused = transition(false, S::Proposed, Lead, C::Form).unwrap_err();
        assert_eq!(refused.rule.code, "investigation.form_after_answers");
    }

    #[test]
    fn every_membership_command_is_an_arrow_or_a_named_refusal() {
        use MemberCommand as M;
        use MemberParty::Itself;
        use MemberState as MS;
        let arrows: &[(S, MS, MemberParty, M, MS)] = &[
            (S::Proposed, MS::Invited, Itself, M::Confirm, MS::Confirmed),
            (S::Proposed, MS::Invited, Itself, M::Decline, MS::Declined),
            (S::Formed, MS::Confirmed, Itself, M::Leave, MS::Left),
            (S::Active, MS::Confirmed, Itself, M::Leave, MS::Left),
        ];
        let cases = kernel::testing::check_table::<MemberFlow>(arrows, |rule, _, _| {
            rule.contains("only") || rule.contains("answered") || rule.contains("it is")
        });
        assert_eq!(cases, 6 * 4 * 2 * 3);
        let refused = member_transition(S::Formed, MS::Invited, Itself, M::Confirm).unwrap_err();
        assert_eq!(
            refused.message().to_string(),
            "an invitation is answered only while the group is proposed; it is now formed"
        );
    }
}
