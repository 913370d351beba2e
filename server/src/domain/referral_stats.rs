//! Referral statistics (移送统计) for the judicial bureau and the procuratorate: per region and
//! period (by the day a referral was sent), how many were referred of each kind, received, on
//! time, accepted (立案), not accepted, returned, withdrawn after sending, still open and
//! overdue now, and the median working days to receipt and to decision.
//!
//! Which kinds a body counts is who supervises them: a judicial bureau every kind but the
//! clues to discipline inspection (closed to it, as each clue is), a procuratorate the
//! suspected crimes alone (its 立案监督).
//!
//! Pure: the tally of one row with [`super::stats`]' working days and percentiles.

use serde::Serialize;
use utoipa::ToSchema;

use super::calendar::Calendar;
use super::org::OrgKind;
use super::phrases::catalogue;
use super::referral::{ReferralKind, ReferralState};
use super::stats::{percentile, working_days_between};

catalogue! { RULES:
    READ_REFERRAL_STATS = "policy.read_referral_stats",
        "只有本级或上级司法行政机关、人民检察院或系统管理员才能查看该区划的案件移送统计",
        "only the judicial bureau or the procuratorate of this region or of a region above it, or an operator, may see this region's referral statistics";
}

/// The kinds of referral a body of kind `org` counts (an operator: every kind but clues).
pub fn kinds_counted(org: Option<OrgKind>) -> &'static [ReferralKind] {
    match org {
        Some(OrgKind::Procuratorate) => &[ReferralKind::Criminal],
        _ => &[
            ReferralKind::Jurisdiction,
            ReferralKind::Criminal,
            ReferralKind::Procuratorate,
        ],
    }
}

/// What the tally needs of one sent referral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralFacts {
    pub kind: ReferralKind,
    pub state: ReferralState,
    pub sent_at: i64,
    pub received_at: Option<i64>,
    pub receipt_due_at: Option<i64>,
    pub decided_at: Option<i64>,
    /// When the decision was due (the clock as it ran); `None` before receipt.
    pub decision_due_at: Option<i64>,
    /// `accepted` or `not_accepted`.
    pub decision: Option<String>,
    pub returned_at: Option<i64>,
    /// When its running stage is due; `None` when none runs.
    pub stage_due_at: Option<i64>,
}

/// The counts and durations of a set of referrals.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct ReferralTally {
    /// 移送: sent in the period.
    pub referred: u32,
    /// 已签收.
    pub received: u32,
    /// 按时签收: signed for by its receipt's due time.
    pub received_on_time: u32,
    /// 按时决定: decided (受理 or 不予受理) by its decision's due time.
    pub decided_on_time: u32,
    /// 受理（立案）.
    pub accepted: u32,
    /// 不予受理（不予立案）.
    pub not_accepted: u32,
    /// 退回: the receiver held it was not its matter.
    pub returned: u32,
    /// 撤回: withdrawn after it was sent.
    pub withdrawn: u32,
    /// 未办结: not in a final state now.
    pub open: u32,
    /// 超期: open, its running stage past its due time now.
    pub overdue: u32,
    /// Working days from sending to receipt: median; `null` when none was received.
    pub receipt_days_median: Option<f64>,
    /// Working days from receipt to the decision: median; `null` when none was decided.
    pub decision_days_median: Option<f64>,
}

/// Counts `referrals` as of `now`.
pub fn tally<'a>(
    calendar: &Calendar,
    now: i64,
    referrals: impl IntoIterator<Item = &'a ReferralFacts>,
) -> ReferralTally {
    let mut t = ReferralTally::default();
    let mut receipt_days = Vec::new();
    let mut decision_days = Vec::new();
    for r in referrals {
        t.referred += 1;
        if let Some(received) = r.received_at {
            t.received += 1;
            if r.receipt_due_at.is_some_and(|due| received <= due) {
                t.received_on_time += 1;
            }
            receipt_days.push(working_days_between(calendar, r.sent_at, received));
            if let Some(decided) = r.decided_at {
                if r.decision_due_at.is_some_and(|due| decided <= due) {
                    t.decided_on_time += 1;
                }
                decision_days.push(working_days_between(calendar, received, decided));
            }
        }
        match r.decision.as_deref() {
            Some("accepted") => t.accepted += 1,
            Some("not_accepted") => t.not_accepted += 1,
            _ => {}
        }
        if r.returned_at.is_some() {
            t.returned += 1;
        }
        if r.state == ReferralState::Withdrawn {
            t.withdrawn += 1;
        }
        if !r.state.is_final() {
            t.open += 1;
            if r.stage_due_at.is_some_and(|due| due < now) {
                t.overdue += 1;
            }
        }
    }
    t.receipt_days_median = percentile(&receipt_days, 50.0);
    t.decision_days_median = percentile(&decision_days, 50.0);
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn ms(t: time::OffsetDateTime) -> i64 {
        (t.unix_timestamp_nanos() / 1_000_000) as i64
    }

    fn sent(kind: ReferralKind, state: ReferralState) -> ReferralFacts {
        ReferralFacts {
            kind,
            state,
            // Monday 2 March 2026.
            sent_at: ms(datetime!(2026-03-02 10:00 +8)),
            received_at: None,
            receipt_due_at: Some(ms(datetime!(2026-03-03 23:59 +8))),
            decided_at: None,
            decision_due_at: Some(ms(datetime!(2026-03-05 23:59 +8))),
            decision: None,
            returned_at: None,
            stage_due_at: None,
        }
    }

    #[test]
    fn the_tally_counts_receipts_on_time_decisions_returns_and_overdue_open_ones() {
        let cal = Calendar::default();
        let now = ms(datetime!(2026-03-20 12:00 +8));
        let mut on_time = sent(ReferralKind::Criminal, ReferralState::Closed);
        on_time.received_at = Some(ms(datetime!(2026-03-03 09:00 +8)));
        on_time.decided_at = Some(ms(datetime!(2026-03-05 09:00 +8)));
        on_time.decision = Some("accepted".into());
        let mut late = sent(ReferralKind::Criminal, ReferralState::NotAccepted);
        late.received_at = Some(ms(datetime!(2026-03-06 09:00 +8)));
        late.decided_at = Some(ms(datetime!(2026-03-06 15:00 +8)));
        late.decision = Some("not_accepted".into());
        let mut returned = sent(ReferralKind::Jurisdiction, ReferralState::Returned);
        returned.received_at = Some(ms(datetime!(2026-03-02 11:00 +8)));
        returned.returned_at = Some(ms(datetime!(2026-03-02 12:00 +8)));
        returned.stage_due_at = Some(ms(datetime!(2026-03-04 23:59 +8)));
        let mut waiting = sent(ReferralKind::Criminal, ReferralState::Sent);
        waiting.stage_due_at = Some(ms(datetime!(2026-03-30 23:59 +8)));
        let withdrawn = sent(ReferralKind::Criminal, ReferralState::Withdrawn);
        let all = [on_time, late, returned, waiting, withdrawn];
        let t = tally(&cal, now, &all);
        assert_eq!(t.referred, 5);
        assert_eq!(t.received, 3);
        assert_eq!(t.received_on_time, 2);
        assert_eq!((t.accepted, t.not_accepted), (1, 1));
        // Decided by Thursday 5 March: the first; the second on Friday 6 March, late.
        assert_eq!(t.decided_on_time, 1);
        assert_eq!(t.returned, 1);
        assert_eq!(t.withdrawn, 1);
        // Open: the one not accepted (its referrer has yet to close it), the returned one
        // (overdue now) and the one waiting (not yet due).
        assert_eq!((t.open, t.overdue), (3, 1));
        // Receipt: 1 (Tue), 4 (Fri), 0 (same day) working days; median 1.
        assert_eq!(t.receipt_days_median, Some(1.0));
        // Decision: 2 (Tue→Thu) and 0 (same day): median 1.
        assert_eq!(t.decision_days_median, Some(1.0));
    }

    #[test]
    fn a_procuratorate_counts_the_suspected_crimes_and_nobody_counts_clues() {
        assert_eq!(
            kinds_counted(Some(OrgKind::Procuratorate)),
            &[ReferralKind::Criminal]
        );
        for org in [Some(OrgKind::JudicialBureau), None] {
            assert!(!kinds_counted(org).contains(&ReferralKind::Clue));
            assert!(kinds_counted(org).contains(&ReferralKind::Jurisdiction));
        }
    }
}
