//! Dispute statistics (争议统计) for the judicial bureau: how many disputes were raised in a
//! period, how many the parties settled, how many were escalated, decided, refused, withdrawn,
//! how many are still open and overdue now, and how long settling and deciding took in
//! working days (median and 90th percentile).
//!
//! Pure: the tally of one row, with [`super::stats`]' working days and percentiles.
//! `db::dispute_stats` reads the facts, `work::dispute_stats` asks the policy and puts the
//! table together.

use serde::Serialize;
use utoipa::ToSchema;

use super::calendar::Calendar;
use super::dispute::DisputeState;
use super::phrases::catalogue;
use super::stats::{percentile, working_days_between};

catalogue! { RULES:
    READ_DISPUTE_STATS = "policy.read_dispute_stats",
        "只有本级或上级司法行政机关、系统管理员才能查看该区划的争议统计",
        "only the judicial bureau of this region or of a region above it, or an operator, may see this region's dispute statistics";
}

/// What the tally needs of one dispute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisputeFacts {
    pub state: DisputeState,
    pub created_at: i64,
    pub escalated_at: Option<i64>,
    pub accepted_at: Option<i64>,
    pub decided_at: Option<i64>,
    /// When the parties settled it (its last change while `resolved`, a final state).
    pub settled_at: Option<i64>,
    /// When its running stage is due; `None` when none runs.
    pub stage_due_at: Option<i64>,
}

/// The counts and durations of a set of disputes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Tally {
    /// 提出: raised in the period.
    pub raised: u32,
    /// 协商解决: settled by the parties.
    pub settled: u32,
    /// 提请协调: escalated to the bureau.
    pub escalated: u32,
    /// 作出协调意见: the bureau decided.
    pub decided: u32,
    /// 不予受理: the bureau refused it.
    pub not_accepted: u32,
    /// 撤回: withdrawn by the raising body.
    pub withdrawn: u32,
    /// 未办结: not in a final state now.
    pub open: u32,
    /// 超期: open, with its running stage past its due time now.
    pub overdue: u32,
    /// Working days from raise to settlement: median; `null` when none was settled.
    pub settle_days_median: Option<f64>,
    /// … 90th percentile.
    pub settle_days_p90: Option<f64>,
    /// Working days from acceptance to decision: median; `null` when none was decided.
    pub decide_days_median: Option<f64>,
    /// … 90th percentile.
    pub decide_days_p90: Option<f64>,
}

/// Counts `disputes` as of `now`.
pub fn tally<'a>(
    calendar: &Calendar,
    now: i64,
    disputes: impl IntoIterator<Item = &'a DisputeFacts>,
) -> Tally {
    let mut t = Tally::default();
    let mut settle_days = Vec::new();
    let mut decide_days = Vec::new();
    for d in disputes {
        t.raised += 1;
        match d.state {
            DisputeState::Resolved => t.settled += 1,
            DisputeState::NotAccepted => t.not_accepted += 1,
            DisputeState::Withdrawn => t.withdrawn += 1,
            _ => {}
        }
        if d.escalated_at.is_some() {
            t.escalated += 1;
        }
        if d.decided_at.is_some() {
            t.decided += 1;
        }
        if !d.state.is_final() {
            t.open += 1;
            if d.stage_due_at.is_some_and(|due| due < now) {
                t.overdue += 1;
            }
        }
        if let (DisputeState::Resolved, Some(at)) = (d.state, d.settled_at) {
            settle_days.push(working_days_between(calendar, d.created_at, at));
        }
        if let (Some(accepted), Some(decided)) = (d.accepted_at, d.decided_at) {
            decide_days.push(working_days_between(calendar, accepted, decided));
        }
    }
    t.settle_days_median = percentile(&settle_days, 50.0);
    t.settle_days_p90 = percentile(&settle_days, 90.0);
    t.decide_days_median = percentile(&decide_days, 50.0);
    t.decide_days_p90 = percentile(&decide_days, 90.0);
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn ms(t: time::OffsetDateTime) -> i64 {
        (t.unix_timestamp_nanos() / 1_000_000) as i64
    }

    #[test]
    fn the_tally_counts_each_outcome_and_overdue_open_disputes() {
        let calendar = Calendar::default();
        let raised = ms(datetime!(2026-03-06 10:00 +8));
        let now = ms(datetime!(2026-03-20 10:00 +8));
        let base = DisputeFacts {
            state: DisputeState::Raised,
            created_at: raised,
            escalated_at: None,
            accepted_at: None,
            decided_at: None,
            settled_at: None,
            stage_due_at: None,
        };
        let disputes = [
            DisputeFacts {
                state: DisputeState::Resolved,
                settled_at: Some(ms(datetime!(2026-03-09 10:00 +8))),
                ..base.clone()
            },
            DisputeFacts {
                state: DisputeState::Resolved,
                settled_at: Some(ms(datetime!(2026-03-11 10:00 +8))),
                ..base.clone()
            },
            DisputeFacts {
                state: DisputeState::Decided,
                escalated_at: Some(raised),
                accepted_at: Some(raised),
                decided_at: Some(ms(datetime!(2026-03-13 10:00 +8))),
                ..base.clone()
            },
            DisputeFacts {
                state: DisputeState::Escalated,
                escalated_at: Some(raised),
                stage_due_at: Some(now - 1),
                ..base.clone()
            },
            DisputeFacts {
                state: DisputeState::Withdrawn,
                ..base.clone()
            },
            DisputeFacts {
                state: DisputeState::Negotiating,
                stage_due_at: Some(now + 1),
                ..base.clone()
            },
        ];
        let t = tally(&calendar, now, &disputes);
        assert_eq!(
            (
                t.raised,
                t.settled,
                t.escalated,
                t.decided,
                t.withdrawn,
                t.not_accepted
            ),
            (6, 2, 2, 1, 1, 0)
        );
        assert_eq!((t.open, t.overdue), (3, 1));
        // Settled after 1 and 3 working days (Friday to Monday, Friday to Wednesday).
        assert_eq!(t.settle_days_median, Some(2.0));
        assert_eq!(t.settle_days_p90, Some(2.8));
        assert_eq!(t.decide_days_median, Some(5.0));
        assert_eq!(tally(&calendar, now, &[]), Tally::default());
    }
}
