//! Special supervision campaigns (专项监督) and enforcement inspections (执法检查): issue 21
//! part 4 and WORKFLOWS.md "Supervision document" ("a campaign or inspection groups the
//! documents, tasks and filed results it produces").
//!
//! A judicial bureau supervises two or three fields a year in depth (营商环境, 食品药品,
//! 安全生产, 生态环境 …; seed 004) and inspects how the law is enforced. A campaign names its
//! field, the bodies of the bureau's region it covers and its period. Launched, the bodies are
//! told by a notice requiring 签收; while it is under way the bureau issues supervision
//! documents and sets tasks to the covered bodies *within* the campaign, and the bodies file
//! their results (报备, `campaign_result` or `inspection_result`) against it. Concluded, the
//! bureau writes its summary report (总结报告) live and signs it with its person and seal
//! (`concord.campaign-summary/1`); the signature reports it to the bureau above (a notice
//! requiring 签收), which reads the whole campaign as it reads every space of its region.
//!
//! ```text
//! planned ──launch──▶ under_way ──conclude──▶ summarising ──summarise (its signature; the system's)──▶ summarised
//!    │ withdraw (reasons)
//!    ▼
//! withdrawn
//! ```
//!
//! Parties: the bureau (every person's command), a covered body and a bureau above (read
//! only), and the system (the signature). This module never reads anything.

use time::macros::format_description;
use time::Date;

use super::command::{commands, CommandShape};
use super::kernel::{self, Refused, Workflow};
use super::message::Phrase;
use super::org::labelled_enum;
use super::phrases::catalogue;
use super::signed::{Signatories, Wording, Words};
use super::text::Reason;

labelled_enum! {
    /// What a campaign is.
    pub enum CampaignKind {
        /// 专项监督: the bureau supervises one field in depth; bodies file 专项监督结果.
        Special = ("special", "专项监督", "Special supervision campaign"),
        /// 执法检查: an inspection of how the law is enforced; bodies file 执法检查结果.
        Inspection = ("inspection", "执法检查", "Enforcement inspection"),
    }
}

labelled_enum! {
    /// Where a campaign is.
    pub enum CampaignState {
        /// 筹备中: the bureau settles the bodies, the field and the period.
        Planned = ("planned", "筹备中", "Planned"),
        /// 开展中: documents, tasks and results are produced within it.
        UnderWay = ("under_way", "开展中", "Under way"),
        /// 总结中: the bureau writes and signs the summary report.
        Summarising = ("summarising", "总结中", "Summarising"),
        /// 已总结报送: the summary is signed and reported to the bureau above.
        Summarised = ("summarised", "已总结报送", "Summarised and reported"),
        /// 已撤销: withdrawn before it was launched.
        Withdrawn = ("withdrawn", "已撤销", "Withdrawn"),
    }
}

labelled_enum! {
    /// Who gives a campaign command.
    pub enum CampaignParty {
        /// 组织开展的司法局.
        Bureau = ("bureau", "组织司法局", "Organising bureau"),
        /// 被检查单位: a body the campaign covers; reads it, files its result.
        Covered = ("covered", "参与单位", "Covered body"),
        /// 上级司法局: reads it, receives its summary.
        Supervisor = ("supervisor", "上级司法局", "Supervising bureau"),
        /// 系统: the summary's signature.
        System = ("system", "系统", "System"),
    }
}

labelled_enum! {
    /// What is asked of a campaign.
    pub enum CampaignCommand {
        /// 启动: tell the covered bodies; documents, tasks and results may now be produced.
        Launch = ("launch", "启动", "Launch"),
        /// 结束并总结: nothing more is produced within it; the summary is written.
        Conclude = ("conclude", "结束并总结", "Conclude"),
        /// 撤销: give it up before it is launched (with reasons).
        Withdraw = ("withdraw", "撤销", "Withdraw"),
        /// 总结报送: the summary's signature (the system's).
        Summarise = ("summarise", "总结报送", "Summarise"),
    }
}

catalogue! { RULES:
    BY_THE_BUREAU = "campaign.by_the_bureau",
        "只有组织开展的司法局可以启动、结束或撤销专项监督",
        "only the organising bureau launches, concludes or withdraws a campaign";
    BY_ITS_SIGNATURE = "campaign.by_its_signature",
        "总结报告签署后自动报送，无需单独操作",
        "a campaign is summarised by its summary's signature, not by a command";
    LAUNCH_WHEN_PLANNED = "campaign.launch_when_planned",
        "只有筹备中的专项监督可以启动（当前为{now}）",
        "only a planned campaign can be launched; it is now {now}";
    CONCLUDE_WHEN_UNDER_WAY = "campaign.conclude_when_under_way",
        "只有开展中的专项监督可以结束（当前为{now}）",
        "only a campaign under way can be concluded; it is now {now}";
    WITHDRAW_WHEN_PLANNED = "campaign.withdraw_when_planned",
        "只有尚未启动的专项监督可以撤销（当前为{now}）",
        "only a campaign not yet launched can be withdrawn; it is now {now}";
    SUMMARISE_WHEN_SUMMARISING = "campaign.summarise_when_summarising",
        "专项监督结束后方可签署总结报告（当前为{now}）",
        "the summary is signed once the campaign is concluded; it is now {now}";
    FINAL = "campaign.final",
        "该专项监督已{now}，不能再变更",
        "the campaign is {now}: nothing more changes it";
    MADE_BY_A_BUREAU = "campaign.made_by_a_bureau",
        "只有司法局可以组织专项监督或执法检查",
        "only a judicial bureau organises a campaign or an inspection";
    COVERS_BODIES = "campaign.covers_bodies",
        "请至少选择一个本辖区的被检查单位",
        "name at least one body of your region the campaign covers";
    BODY_OF_REGION = "campaign.body_of_region",
        "{name}不是本局辖区内的执法单位，不能纳入本次专项监督",
        "{name} is not an enforcement body of your bureau's region; the campaign cannot cover it";
    NOT_A_DATE = "campaign.not_a_date",
        "日期应写作 年-月-日（如 2027-03-01），收到的是 {value}",
        "a date is written year-month-day (2027-03-01); got {value}";
    PERIOD_ORDER = "campaign.period_order",
        "开始日期不能晚于结束日期",
        "the period must not end before it starts";
    NO_SUCH_CAMPAIGN = "not_found.campaign",
        "没有这项专项监督，或您无权查看",
        "no campaign with this id";
    CAMPAIGN_STALE = "campaign.stale",
        "该专项监督已被他人更新（当前为第 {revision} 版），请刷新后重试",
        "the campaign was changed by someone else meanwhile (it is at revision {revision}); reload it and try again";
    CAMPAIGN_MOVED = "campaign.moved",
        "该专项监督已被他人更新（当前为{now}），请刷新后重试",
        "the campaign changed meanwhile (it is now {now}); reload it and try again";
    WITHIN_UNDER_WAY = "campaign.within_under_way",
        "只有开展中的专项监督可以纳入监督文书、任务或报备（当前为{now}）",
        "documents, tasks and filings are made within a campaign only while it is under way; it is now {now}";
    WITHIN_OWN = "campaign.within_own",
        "只有组织该专项监督的司法局可以在其中制发监督文书或交办任务",
        "only the bureau organising the campaign issues documents or sets tasks within it";
    WITHIN_COVERED = "campaign.within_covered",
        "{name}不在本次专项监督的被检查单位之列",
        "{name} is not among the bodies the campaign covers";
    FILING_KIND = "campaign.filing_kind",
        "{campaign}的结果应以「{kind}」报备",
        "the results of {campaign} are filed as {kind}";
    DOC_ARCHIVED = "campaign_summary.archived",
        "已归档的总结报告永久只读",
        "an archived campaign summary is read-only forever";
    DOC_SUPERSEDED = "campaign_summary.superseded",
        "总结报告的此版本已被新版本取代，请在最新版本上操作",
        "this version of the campaign summary was superseded; act on the newest version";
    DOC_FREEZE = "campaign_summary.freeze",
        "只有草稿状态的总结报告可以定稿",
        "only a campaign summary in draft can be frozen";
    DOC_OPEN_SIGNING = "campaign_summary.open_signing",
        "总结报告定稿后方可开启签署，且只开启一次",
        "signing opens once, on a frozen campaign summary";
    DOC_SIGN = "campaign_summary.sign",
        "只有在签署开启期间才能签署总结报告",
        "a campaign summary is signed only while signing is open";
    DOC_REOPEN = "campaign_summary.reopen",
        "只有已定稿或签署中的总结报告可以退回修改",
        "only a frozen campaign summary or one being signed can be sent back for changes";
    DOC_DECLINE_WHILE_SIGNING = "campaign_summary.decline_while_signing",
        "总结报告尚未开启签署，不能退回",
        "the campaign summary is not being signed; it cannot be declined";
    DOC_ARCHIVE = "campaign_summary.archive",
        "总结报告经组织司法局签署后方可归档",
        "only a campaign summary its bureau signed can be archived";
    DOC_NOT_SIGNATORY = "campaign_summary.not_signatory",
        "总结报告由组织开展的司法局签署，本单位不在签署之列",
        "a campaign summary is signed by the organising bureau; your organization does not sign it";
    DOC_ALREADY_SIGNED = "campaign_summary.already_signed",
        "本单位已签署此版本总结报告",
        "your organization has already signed this version of the campaign summary";
    DOC_REOPEN_DENIED = "campaign_summary.reopen_denied",
        "只有组织开展的司法局可以退回总结报告",
        "only the organising bureau may send the campaign summary back";
}

/// The words of the summary's refusals in the signed-document lifecycle.
pub struct CampaignSummaryWords;

impl Words for CampaignSummaryWords {
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

/// Who may be named in a summary's signing policy.
pub const SUMMARY_SIGNATORIES: Signatories = ("组织开展的司法行政机关", "the organising bureau");

/// Why the summary may not be frozen while the campaign is in `state`, if so: only once it
/// is concluded, and not after it is summarised.
pub fn summary_freeze_gate(state: CampaignState) -> Option<Refused> {
    (state != CampaignState::Summarising)
        .then(|| Refused::in_state(&SUMMARISE_WHEN_SUMMARISING, state))
}

impl CampaignKind {
    /// The kind of filing (报备) in which a covered body files its result.
    pub fn filing_kind(self) -> super::filing::FilingKind {
        match self {
            CampaignKind::Special => super::filing::FilingKind::CampaignResult,
            CampaignKind::Inspection => super::filing::FilingKind::InspectionResult,
        }
    }

    /// The word (类别字) of the summary's number: 专监 or 检查 (`上司专监〔2027〕1号`).
    pub fn number_word(self) -> &'static str {
        match self {
            CampaignKind::Special => "专监",
            CampaignKind::Inspection => "检查",
        }
    }
}

/// A campaign's period, inclusive, as dates in Beijing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub starts_on: Date,
    pub ends_on: Date,
}

impl Period {
    /// Parses `2027-03-01` and `2027-06-30`; the refusal names the field and says why.
    pub fn parse(
        starts_on: &str,
        ends_on: &str,
    ) -> Result<Period, (&'static str, super::message::Message)> {
        let format = format_description!("[year]-[month]-[day]");
        let day = |field: &'static str, value: &str| {
            Date::parse(value.trim(), &format)
                .map_err(|_| (field, NOT_A_DATE.with("value", format!("{value:?}"))))
        };
        let period = Period {
            starts_on: day("starts_on", starts_on)?,
            ends_on: day("ends_on", ends_on)?,
        };
        if period.ends_on < period.starts_on {
            return Err(("ends_on", PERIOD_ORDER.message()));
        }
        Ok(period)
    }

    /// `2027-03-01`.
    pub fn starts(&self) -> String {
        self.starts_on.to_string()
    }

    /// `2027-06-30`.
    pub fn ends(&self) -> String {
        self.ends_on.to_string()
    }
}

commands! {
    /// A command on a campaign with exactly its fields (`POST /api/campaigns/{id}/actions`,
    /// `{"command": "launch", "revision": 1}`). Every command names the revision the caller
    /// read; one changed since is refused (409). Summarising is no person's command (the
    /// summary's signature).
    pub enum CampaignAction tagged "command" {
        /// 启动: the covered bodies are told and read it from now on.
        Launch { revision: i64 },
        /// 结束并总结.
        Conclude { revision: i64 },
        /// 撤销 before it is launched: why.
        Withdraw { revision: i64, reason: Reason },
    }
}

impl CampaignAction {
    /// Which command it is.
    pub fn command(&self) -> CampaignCommand {
        match self {
            CampaignAction::Launch { .. } => CampaignCommand::Launch,
            CampaignAction::Conclude { .. } => CampaignCommand::Conclude,
            CampaignAction::Withdraw { .. } => CampaignCommand::Withdraw,
        }
    }

    /// The revision the caller read.
    pub fn revision(&self) -> i64 {
        match self {
            CampaignAction::Launch { revision }
            | CampaignAction::Conclude { revision }
            | CampaignAction::Withdraw { revision, .. } => *revision,
        }
    }
}

impl CommandShape for CampaignAction {
    fn missing(command: &str, field: &str) -> Option<String> {
        Some(format!("{field} is required to {command} a campaign"))
    }

    fn misplaced(command: &str, field: &str) -> Option<String> {
        Some(format!("{field} is not a field of the command {command}"))
    }
}

/// The one transition function.
pub fn transition(
    state: CampaignState,
    party: CampaignParty,
    command: CampaignCommand,
) -> Result<CampaignState, Refused> {
    use CampaignCommand as C;
    use CampaignState as S;
    if matches!(state, S::Summarised | S::Withdrawn) {
        return Err(Refused::in_state(&FINAL, state));
    }
    let system = command == C::Summarise;
    let wrong: &'static Phrase = if system {
        &BY_ITS_SIGNATURE
    } else {
        &BY_THE_BUREAU
    };
    kernel::precheck(
        None,
        party
            == if system {
                CampaignParty::System
            } else {
                CampaignParty::Bureau
            },
        wrong,
    )?;
    match (command, state) {
        (C::Launch, S::Planned) => Ok(S::UnderWay),
        (C::Launch, _) => Err(Refused::in_state(&LAUNCH_WHEN_PLANNED, state)),
        (C::Withdraw, S::Planned) => Ok(S::Withdrawn),
        (C::Withdraw, _) => Err(Refused::in_state(&WITHDRAW_WHEN_PLANNED, state)),
        (C::Conclude, S::UnderWay) => Ok(S::Summarising),
        (C::Conclude, _) => Err(Refused::in_state(&CONCLUDE_WHEN_UNDER_WAY, state)),
        (C::Summarise, S::Summarising) => Ok(S::Summarised),
        (C::Summarise, _) => Err(Refused::in_state(&SUMMARISE_WHEN_SUMMARISING, state)),
    }
}

/// Why nothing may be made within a campaign in `state` now, if so: only while under way.
pub fn within(state: CampaignState) -> Result<(), Refused> {
    if state == CampaignState::UnderWay {
        Ok(())
    } else {
        Err(Refused::in_state(&WITHIN_UNDER_WAY, state))
    }
}

/// The campaign as a [`Workflow`].
pub struct CampaignFlow;

impl Workflow for CampaignFlow {
    type State = CampaignState;
    type Party = CampaignParty;
    type Command = CampaignCommand;
    type Context = ();
    const PARTIES: &'static [CampaignParty] = CampaignParty::ALL;
    const CONTEXTS: &'static [()] = &[()];

    fn transition(
        _: (),
        state: CampaignState,
        party: CampaignParty,
        command: CampaignCommand,
    ) -> Result<CampaignState, Refused> {
        transition(state, party, command)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CampaignCommand as C;
    use CampaignParty as P;
    use CampaignState as S;

    #[test]
    fn the_bureau_launches_concludes_or_withdraws_and_the_signature_summarises() {
        let arrows = [
            ((), S::Planned, P::Bureau, C::Launch, S::UnderWay),
            ((), S::Planned, P::Bureau, C::Withdraw, S::Withdrawn),
            ((), S::UnderWay, P::Bureau, C::Conclude, S::Summarising),
            ((), S::Summarising, P::System, C::Summarise, S::Summarised),
        ];
        let cases =
            kernel::testing::check_table::<CampaignFlow>(&arrows, |rule, state, command| {
                kernel::testing::names_command_or_state(rule, state, command)
                    || rule.contains("only")
                    || rule.contains("signature")
                    || rule.contains("nothing more")
            });
        assert_eq!(cases, 5 * 4 * 4);
    }

    #[test]
    fn a_period_is_two_dates_in_order() {
        let period = Period::parse("2027-03-01", " 2027-06-30 ").unwrap();
        assert_eq!(
            (period.starts(), period.ends()),
            ("2027-03-01".into(), "2027-06-30".into())
        );
        assert_eq!(
            Period::parse("2027-3-1", "2027-06-30").unwrap_err().0,
            "starts_on"
        );
        assert_eq!(
            Period::parse("2027-07-01", "2027-06-30").unwrap_err().0,
            "ends_on"
        );
        assert!(Period::parse("2027-06-30", "2027-06-30").is_ok());
    }

    #[test]
    fn only_an_under_way_campaign_takes_documents_tasks_and_filings() {
        assert!(within(S::UnderWay).is_ok());
        for state in [S::Planned, S::Summarising, S::Summarised, S::Withdrawn] {
            assert!(within(state).is_err(), "{state:?}");
        }
    }
}
