//! The annual enforcement-supervision work plan (年度行政执法监督工作方案) of a judicial bureau:
//! 「每年年初要制定行政执法监督工作方案」 (seed 004). The bureau writes it live, alone, then
//! publishes it to every body of its region and below: published, its text is frozen and
//! those bodies read it (they become observers of its space, so the draft is never theirs to
//! read). One plan a bureau a year.
//!
//! ```text
//! drafting ──publish (the bureau)──▶ published
//! ```
//!
//! This module never reads anything.

use super::kernel::{self, Refused, Workflow};
use super::org::labelled_enum;
use super::phrases::catalogue;

labelled_enum! {
    /// Where a plan is.
    pub enum PlanState {
        /// 起草中: the bureau writes it.
        Drafting = ("drafting", "起草中", "Drafting"),
        /// 已印发: frozen, read by the bodies of the region.
        Published = ("published", "已印发", "Published"),
    }
}

labelled_enum! {
    /// Who gives a plan command.
    pub enum PlanParty {
        /// 制定方案的司法局.
        Bureau = ("bureau", "司法局", "Judicial bureau"),
        /// 本区域单位: reads the published plan.
        Reader = ("reader", "本区域单位", "Body of the region"),
        /// 上级司法局: reads.
        Supervisor = ("supervisor", "上级司法局", "Supervising bureau"),
    }
}

labelled_enum! {
    /// What is asked of a plan.
    pub enum PlanCommand {
        /// 印发: freeze the text and publish it to the region.
        Publish = ("publish", "印发", "Publish"),
    }
}

catalogue! { RULES:
    PUBLISH_BY_THE_BUREAU = "plan.publish_by_the_bureau",
        "只有制定方案的司法局可以印发工作方案",
        "only the bureau whose plan it is may publish it";
    PUBLISHED_IS_FINAL = "plan.published_is_final",
        "工作方案已印发，不能再修改或重复印发",
        "a published plan is final: it is neither changed nor published again";
    MADE_BY_A_BUREAU = "plan.made_by_a_bureau",
        "只有司法局制定年度行政执法监督工作方案",
        "only a judicial bureau makes an annual supervision plan";
    NO_SUCH_PLAN = "not_found.plan",
        "没有这份工作方案，或您无权查看",
        "no plan with this id";
    PLAN_STALE = "plan.stale",
        "该工作方案已被他人更新（当前为第 {revision} 版），请刷新后重试",
        "the plan was changed by someone else meanwhile (it is at revision {revision}); reload it and try again";
    PLAN_MOVED = "plan.moved",
        "该工作方案已被他人更新（当前为{now}），请刷新后重试",
        "the plan changed meanwhile (it is now {now}); reload it and try again";
    ONE_PLAN_A_YEAR = "plan.one_plan_a_year",
        "本局{year}年度行政执法监督工作方案已经存在",
        "your bureau's plan of {year} already exists";
}

/// The one transition function.
pub fn transition(
    state: PlanState,
    party: PlanParty,
    command: PlanCommand,
) -> Result<PlanState, Refused> {
    let final_rule = (state == PlanState::Published).then_some(&PUBLISHED_IS_FINAL);
    kernel::precheck(
        final_rule,
        party == PlanParty::Bureau,
        &PUBLISH_BY_THE_BUREAU,
    )?;
    match command {
        PlanCommand::Publish => Ok(PlanState::Published),
    }
}

/// The plan as a [`Workflow`].
pub struct PlanFlow;

impl Workflow for PlanFlow {
    type State = PlanState;
    type Party = PlanParty;
    type Command = PlanCommand;
    type Context = ();
    const PARTIES: &'static [PlanParty] = PlanParty::ALL;
    const CONTEXTS: &'static [()] = &[()];

    fn transition(
        _: (),
        state: PlanState,
        party: PlanParty,
        command: PlanCommand,
    ) -> Result<PlanState, Refused> {
        transition(state, party, command)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_bureau_publishes_a_draft_once() {
        let arrows = [(
            (),
            PlanState::Drafting,
            PlanParty::Bureau,
            PlanCommand::Publish,
            PlanState::Published,
        )];
        let cases = kernel::testing::check_table::<PlanFlow>(&arrows, |rule, state, command| {
            kernel::testing::names_command_or_state(rule, state, command)
                || rule.contains("only")
                || rule.contains("final")
        });
        assert_eq!(cases, 2 * 3);
    }
}
