//! Filings (报备) with the judicial bureau, and the December clock of the annual report: the
//! machine of issue 21 part 3 as one pure transition function, and the dates of the clock.
//!
//! Seed 004: 「各行政执法部门每年12月向本级司法行政部门报告」: every enforcement body reports its
//! year's enforcement work (年度工作情况报告) to the judicial bureau of its region by 31 December;
//! the results of its inspections (执法检查) and special supervision campaigns (专项监督) are
//! filed (报备) with the same bureau the same way. The bureau acknowledges a filing (签收) or
//! sends it back with reasons (退回), after which the body files it again.
//!
//! ```text
//! filed ──acknowledge (the bureau)──▶ acknowledged
//!   ▲  │ send_back (the bureau, reasons)
//!   │  ▼
//!   └─ sent_back ◀── refile (the body, the text again)
//! ```
//!
//! Who owes the annual report ([`owes_annual_report`]): the enforcement departments
//! (行政执法部门) and the township governments (乡镇人民政府, whose comprehensive enforcement
//! office enforces in their township): the bodies that refer cases as enforcement bodies
//! (`ReferralKind::may_refer`). Public security, procuratorates, courts and discipline
//! inspection are not the government's administrative enforcement departments in DOMAIN.md's
//! sense (they are where cases go), and a judicial bureau is the one reported to.
//!
//! The clock: year Y's report is due at 31 December Y 24:00 Beijing time ([`annual_due_at`]);
//! the body is reminded from 1 December ([`december_starts`]), chased (催办) on the first working
//! morning after the due time and escalated (督办) to its head the region's `task_escalate`
//! working mornings later, unless it filed (filed or acknowledged; a report sent back is owed
//! again). This module never reads anything.

use time::{Date, Month};

use super::calendar::end_of_day_ms;
use super::command::{commands, CommandShape};
use super::kernel::{self, Refused, Workflow};
use super::message::Phrase;
use super::org::{labelled_enum, OrgKind};
use super::phrases::catalogue;
use super::text::{Reason, Text, Title};

labelled_enum! {
    /// What is filed.
    pub enum FilingKind {
        /// 年度工作情况报告: the year's report, due 31 December.
        AnnualReport = ("annual_report", "年度行政执法工作情况报告", "Annual report"),
        /// 执法检查结果: the results of an inspection.
        InspectionResult = ("inspection_result", "执法检查结果", "Inspection results"),
        /// 专项监督结果: the results of a special campaign.
        CampaignResult = ("campaign_result", "专项监督结果", "Special campaign results"),
    }
}

labelled_enum! {
    /// Where a filing is.
    pub enum FilingState {
        /// 已报备，待签收.
        Filed = ("filed", "已报备，待签收", "Filed, awaiting acknowledgement"),
        /// 已签收.
        Acknowledged = ("acknowledged", "已签收", "Acknowledged"),
        /// 已退回，待重新报备: with the bureau's reasons.
        SentBack = ("sent_back", "已退回，待重新报备", "Sent back, to be filed again"),
    }
}

labelled_enum! {
    /// Where an annual report owed stands, as the desk shows it.
    pub enum ReportOwed {
        /// 未报送.
        NotFiled = ("not_filed", "未报送", "Not filed"),
        /// 已退回，待重新报送.
        SentBack = ("sent_back", "已退回，待重新报送", "Sent back, to be filed again"),
    }
}

impl FilingState {
    /// Whether an annual report in this state counts as filed: the December clock stops.
    pub fn counts_as_filed(self) -> bool {
        matches!(self, FilingState::Filed | FilingState::Acknowledged)
    }
}

labelled_enum! {
    /// Who gives a filing command.
    pub enum FilingParty {
        /// 报备单位: the body that files.
        Body = ("body", "报备单位", "Filing body"),
        /// 受理司法局: the judicial bureau of the body's region, filed with.
        Bureau = ("bureau", "司法局", "Judicial bureau"),
        /// 上级司法局: a bureau above, which reads.
        Supervisor = ("supervisor", "上级司法局", "Supervising bureau"),
    }
}

labelled_enum! {
    /// What is asked of a filing.
    pub enum FilingCommand {
        /// 签收（已阅）.
        Acknowledge = ("acknowledge", "签收", "Acknowledge"),
        /// 退回: with reasons.
        SendBack = ("send_back", "退回", "Send back"),
        /// 重新报备: the body files the text again.
        Refile = ("refile", "重新报备", "File again"),
    }
}

impl FilingCommand {
    fn by(self, party: FilingParty) -> bool {
        match self {
            FilingCommand::Acknowledge | FilingCommand::SendBack => party == FilingParty::Bureau,
            FilingCommand::Refile => party == FilingParty::Body,
        }
    }

    fn wrong_party(self) -> &'static Phrase {
        match self {
            FilingCommand::Acknowledge | FilingCommand::SendBack => &BY_THE_BUREAU,
            FilingCommand::Refile => &BY_THE_BODY,
        }
    }

    fn wrong_state(self, state: FilingState) -> Refused {
        let rule = match self {
            FilingCommand::Acknowledge | FilingCommand::SendBack => &ANSWER_WHEN_FILED,
            FilingCommand::Refile => &REFILE_WHEN_SENT_BACK,
        };
        Refused::in_state(rule, state)
    }
}

catalogue! { RULES:
    BY_THE_BUREAU = "filing.by_the_bureau",
        "只有受理报备的司法局可以签收或退回",
        "only the judicial bureau it is filed with may acknowledge it or send it back";
    BY_THE_BODY = "filing.by_the_body",
        "只有报备单位可以重新报备",
        "only the filing body may file it again";
    ANSWER_WHEN_FILED = "filing.answer_when_filed",
        "只有已报备、待签收的材料可以签收或退回（当前为{now}）",
        "a filing is acknowledged or sent back only while filed; it is now {now}";
    REFILE_WHEN_SENT_BACK = "filing.refile_when_sent_back",
        "只有已退回的材料可以重新报备（当前为{now}）",
        "a filing is filed again only once sent back; it is now {now}";
    ACKNOWLEDGED_IS_FINAL = "filing.acknowledged_is_final",
        "材料已签收，不能再进行任何操作",
        "an acknowledged filing is final: nothing more can be done to it";
    KIND_FILER = "filing.kind_filer",
        "只有行政执法部门或乡镇人民政府向司法局报备",
        "only an enforcement department or a township government files with a judicial bureau";
    NO_BUREAU = "filing.no_bureau",
        "本单位所在区划及上级区划均没有司法局，无处报备",
        "there is no judicial bureau in your organization's region or above it to file with";
    YEAR_FOR_REPORT = "filing.year_for_report",
        "年度工作情况报告须注明年度（2000 至 2100 年）",
        "an annual report names its year (2000 to 2100)";
    YEAR_NOT_TAKEN = "filing.year_not_taken",
        "只有年度工作情况报告注明年度",
        "only an annual report names a year";
    NO_SUCH_FILING = "not_found.filing",
        "没有这份报备材料，或您无权查看",
        "no filing with this id";
    FILING_STALE = "filing.stale",
        "该报备材料已被他人更新（当前为第 {revision} 版），请刷新后重试",
        "the filing was changed by someone else meanwhile (it is at revision {revision}); reload it and try again";
    FILING_MOVED = "filing.moved",
        "该报备材料已被他人更新（当前为{now}），请刷新后重试",
        "the filing changed meanwhile (it is now {now}); reload it and try again";
    ONE_REPORT_A_YEAR = "filing.one_report_a_year",
        "本单位{year}年度工作情况报告已经报备；如被退回，请重新报备",
        "your organization already filed its report of {year}; if it was sent back, file it again";
}

/// Whether a body of kind `org` owes the annual report and files with a bureau.
pub fn owes_annual_report(org: OrgKind) -> bool {
    matches!(
        org,
        OrgKind::EnforcementDepartment | OrgKind::TownshipGovernment
    )
}

/// The years an annual report may name.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// When year `year`'s annual report is due: 31 December 24:00 Beijing time, Unix milliseconds.
pub fn annual_due_at(year: i32) -> i64 {
    Date::from_calendar_date(year, Month::December, 31).map_or(i64::MAX, end_of_day_ms)
}

/// When year `year`'s December clock starts: 1 December 00:00 Beijing time.
pub fn december_starts(year: i32) -> i64 {
    Date::from_calendar_date(year, Month::November, 30).map_or(i64::MAX, end_of_day_ms)
}

/// The annual reports a desk shows at `now`: the previous year's (overdue if not filed), and
/// from 1 December the current year's (due).
pub fn years_on_the_desk(now: i64) -> Vec<i32> {
    let year = super::calendar::local_date(now).map_or(2000, |d| d.year());
    let mut years = vec![year - 1];
    if now >= december_starts(year) {
        years.push(year);
    }
    years
}

/// The one transition function.
pub fn transition(
    state: FilingState,
    party: FilingParty,
    command: FilingCommand,
) -> Result<FilingState, Refused> {
    use FilingCommand as C;
    use FilingState as S;
    let final_rule = (state == S::Acknowledged).then_some(&ACKNOWLEDGED_IS_FINAL);
    kernel::precheck(final_rule, command.by(party), command.wrong_party())?;
    match (state, command) {
        (S::Filed, C::Acknowledge) => Ok(S::Acknowledged),
        (S::Filed, C::SendBack) => Ok(S::SentBack),
        (S::SentBack, C::Refile) => Ok(S::Filed),
        _ => Err(command.wrong_state(state)),
    }
}

/// The filing as a [`Workflow`].
pub struct FilingFlow;

impl Workflow for FilingFlow {
    type State = FilingState;
    type Party = FilingParty;
    type Command = FilingCommand;
    type Context = ();
    const PARTIES: &'static [FilingParty] = FilingParty::ALL;
    const CONTEXTS: &'static [()] = &[()];

    fn transition(
        _: (),
        state: FilingState,
        party: FilingParty,
        command: FilingCommand,
    ) -> Result<FilingState, Refused> {
        transition(state, party, command)
    }
}

commands! {
    /// A command on a filing with exactly its fields (`POST /api/filings/{id}/actions`,
    /// `{"command": "acknowledge", "revision": 1}`). Every command names the revision the
    /// caller read; a filing changed since is refused (409).
    pub enum FilingAction tagged "command" {
        /// 签收.
        Acknowledge { revision: i64 },
        /// 退回: why.
        SendBack { revision: i64, reason: Reason },
        /// 重新报备: the title and text as now written.
        Refile { revision: i64, title: Title, text: Text },
    }
}

impl FilingAction {
    pub fn command(&self) -> FilingCommand {
        match self {
            FilingAction::Acknowledge { .. } => FilingCommand::Acknowledge,
            FilingAction::SendBack { .. } => FilingCommand::SendBack,
            FilingAction::Refile { .. } => FilingCommand::Refile,
        }
    }

    pub fn revision(&self) -> i64 {
        match self {
            FilingAction::Acknowledge { revision }
            | FilingAction::SendBack { revision, .. }
            | FilingAction::Refile { revision, .. } => *revision,
        }
    }
}

impl CommandShape for FilingAction {
    fn missing(command: &str, field: &str) -> Option<String> {
        Some(format!("{field} is required to {command} a filing"))
    }

    fn misplaced(command: &str, field: &str) -> Option<String> {
        Some(format!("{field} is not a field of the command {command}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;
    use FilingCommand as C;
    use FilingParty::{Body, Bureau};
    use FilingState as S;

    #[test]
    fn every_state_party_and_command_is_allowed_or_refused_as_the_table_says() {
        let arrows = [
            ((), S::Filed, Bureau, C::Acknowledge, S::Acknowledged),
            ((), S::Filed, Bureau, C::SendBack, S::SentBack),
            ((), S::SentBack, Body, C::Refile, S::Filed),
        ];
        let cases = kernel::testing::check_table::<FilingFlow>(&arrows, |rule, state, command| {
            kernel::testing::names_command_or_state(rule, state, command)
                || rule.contains("only")
                || rule.contains("final")
        });
        assert_eq!(cases, 3 * 3 * 3);
    }

    #[test]
    fn the_report_is_due_at_the_end_of_the_year_in_beijing_and_the_clock_starts_on_1_december() {
        let ms = |at: time::OffsetDateTime| (at.unix_timestamp_nanos() / 1_000_000) as i64;
        assert_eq!(annual_due_at(2030), ms(datetime!(2031-01-01 00:00 +8)));
        assert_eq!(december_starts(2030), ms(datetime!(2030-12-01 00:00 +8)));
        assert_eq!(
            years_on_the_desk(ms(datetime!(2030-11-30 23:59 +8))),
            vec![2029]
        );
        assert_eq!(
            years_on_the_desk(ms(datetime!(2030-12-01 00:00 +8))),
            vec![2029, 2030]
        );
        assert!(owes_annual_report(OrgKind::TownshipGovernment));
        assert!(!owes_annual_report(OrgKind::PublicSecurity));
        assert!(!owes_annual_report(OrgKind::JudicialBureau));
    }

    #[test]
    fn refusals_are_said_in_both_languages() {
        let refused = transition(S::Acknowledged, Body, C::Refile).unwrap_err();
        assert_eq!(refused.rule.code, "filing.acknowledged_is_final");
        let refused = transition(S::SentBack, Bureau, C::Acknowledge).unwrap_err();
        assert_eq!(refused.rule.code, "filing.answer_when_filed");
        assert!(refused
            .message()
            .render(crate::domain::message::Lang::Zh)
            .unwrap()
            .contains("已退回"));
    }
}
