//! Time limits by region (时限设置): how long a dispute may be negotiated, how soon a bureau
//! must accept it, when an unacknowledged notice is reminded, and the like, with the built-in
//! defaults that apply where no region set its own.
//!
//! A limit is looked up for a region: the nearest region on its path from itself up to the
//! root that set one wins; where none did, the deployment's own default (a start-up flag, for
//! the two notice limits that had flags before regions could set them), else the built-in
//! default of [`LimitKind::default_limit`]. [`Limits`] is that answer for one region, with
//! where each value comes from so a page can say 继承自杭州市 or 默认.
//!
//! **Each kind has one unit.** The rule that sets a limit writes its unit (10 working days of
//! negotiation, a decision within 30 days), and what reads it is written for that unit: a
//! notice's reminder goes out on a working morning, a dispute's warnings fall on working
//! mornings. A region sets how many, never in what: a setting in another unit is refused with
//! the unit it must be in, so "30" can never silently change from calendar to working days.
//!
//! Pure: no I/O, no clock. The database keeps the settings (`db::limits`), `work::limits`
//! reads and writes them for a caller the policy allowed.

use std::collections::BTreeMap;
use std::str::FromStr;

use super::calendar::TimeLimit;
use super::org::{labelled_enum, Invalid};
use super::phrases::catalogue;

/// The largest amount a region may set: a year of days.
pub const MAX_AMOUNT: u32 = 365;

catalogue! { RULES:
    LIMIT_AMOUNT_RANGE = "limits.amount_range",
        "时限须为 1 至 365 之间的整数，您填写的是 {amount}",
        "a time limit must be a whole number from 1 to 365; you gave {amount}";
    LIMIT_UNIT_FIXED = "limits.unit_fixed",
        "「{kind}」以{unit}计算，不能改用其他单位",
        "{kind} is counted in {unit}; it cannot be set in another unit";
    LIMIT_REGION_UNKNOWN = "limits.region_unknown",
        "没有代码为 {code} 的行政区划",
        "there is no region with the code {code}";
    MANAGE_REGION_LIMITS = "policy.manage_region_limits",
        "只有系统管理员或本行政区划司法局的管理员才能设置本区划的时限",
        "only an operator or an admin of this region's judicial bureau may set its time limits";
}

labelled_enum! {
    /// What a limit is for. The stored and transmitted names are stable; a new kind gets a
    /// built-in default, so every region has a value for it at once.
    pub enum LimitKind {
        /// 协商期限: how long the parties negotiate before one may escalate to the bureau.
        DisputeNegotiation = ("dispute_negotiation", "争议协商期限", "Negotiation of a dispute"),
        /// 受理期限: how soon the bureau accepts an escalated dispute or refuses it.
        DisputeAcceptance = ("dispute_acceptance", "争议受理期限", "Accepting an escalated dispute"),
        /// 书面答复期限: each party's written reply after acceptance.
        DisputeReplies = ("dispute_replies", "书面答复期限", "Parties' written replies"),
        /// 协调决定期限: the bureau's decision after acceptance.
        DisputeDecision = ("dispute_decision", "协调决定期限", "Decision on a dispute"),
        /// T1: when a body that has not acknowledged (签收) a notice is reminded.
        NoticeRemind = ("notice_remind", "通报签收提醒", "Reminder to acknowledge a notice"),
        /// T2: when its admins and the sender are told it is still unacknowledged.
        NoticeEscalate = ("notice_escalate", "通报未签收告知负责人", "Escalating an unacknowledged notice"),
        /// 督办: working mornings after the overdue reminder (催办) of a task.
        TaskEscalate = ("task_escalate", "任务督办（催办后）", "Escalating an overdue task"),
        /// 移交异议期限: a body that received a transferred matter (a task set by another body,
        /// a case letter) and holds it is not its duty raises a dispute within this time, and
        /// may not pass the matter on itself (WORKFLOWS.md "Jurisdiction dispute").
        DisputeWindow = ("dispute_window", "移交事项提出争议期限", "Disputing a transferred matter"),
        /// 移送审批期限: the referring body's head approves a referral or sends it back.
        ReferralApproval = ("referral_approval", "案件移送审批期限", "Approving a referral"),
        /// 移送期限: an approved referral is sent.
        ReferralSending = ("referral_sending", "批准后移送期限", "Sending an approved referral"),
        /// 签收期限: the receiving body signs for a referral.
        ReferralReceipt = ("referral_receipt", "移送案件签收期限", "Signing for a referral"),
        /// 立案决定期限: the receiving body accepts a referral (立案) or not, with reasons.
        ReferralDecision = ("referral_decision", "移送案件受理（立案）决定期限", "Deciding on a referral"),
        /// 整改报告期限: a body that signed for a supervision document reports its
        /// rectification (整改) to the bureau.
        SupervisionReport = ("supervision_report", "整改报告期限", "Reporting a rectification"),
    }
}

labelled_enum! {
    /// The unit a limit is counted in, as [`TimeLimit`] writes it in JSON.
    pub enum LimitUnit {
        CalendarDays = ("calendar_days", "日", "calendar days"),
        WorkingDays = ("working_days", "工作日", "working days"),
        Hours = ("hours", "小时", "hours"),
    }
}

impl LimitUnit {
    /// `amount` of this unit.
    pub fn limit(self, amount: u32) -> TimeLimit {
        match self {
            LimitUnit::CalendarDays => TimeLimit::CalendarDays(amount),
            LimitUnit::WorkingDays => TimeLimit::WorkingDays(amount),
            LimitUnit::Hours => TimeLimit::Hours(amount),
        }
    }

    /// The unit of `limit`.
    pub fn of(limit: TimeLimit) -> LimitUnit {
        match limit {
            TimeLimit::CalendarDays(_) => LimitUnit::CalendarDays,
            TimeLimit::WorkingDays(_) => LimitUnit::WorkingDays,
            TimeLimit::Hours(_) => LimitUnit::Hours,
        }
    }
}

/// How many units `limit` is.
pub fn amount_of(limit: TimeLimit) -> u32 {
    match limit {
        TimeLimit::CalendarDays(n) | TimeLimit::WorkingDays(n) | TimeLimit::Hours(n) => n,
    }
}

impl LimitKind {
    /// The limit where nothing else is set: the statutory or customary value (issue 17,
    /// WORKFLOWS.md "Jurisdiction dispute"; the notices' and tasks' long-standing defaults).
    pub fn default_limit(self) -> TimeLimit {
        match self {
            LimitKind::DisputeNegotiation => TimeLimit::WorkingDays(10),
            LimitKind::DisputeAcceptance => TimeLimit::WorkingDays(3),
            LimitKind::DisputeReplies => TimeLimit::WorkingDays(5),
            LimitKind::DisputeDecision => TimeLimit::CalendarDays(30),
            LimitKind::NoticeRemind => TimeLimit::WorkingDays(1),
            LimitKind::NoticeEscalate => TimeLimit::WorkingDays(3),
            LimitKind::TaskEscalate => TimeLimit::WorkingDays(5),
            LimitKind::DisputeWindow => TimeLimit::WorkingDays(2),
            // 《行政执法机关移送涉嫌犯罪案件的规定》: the head decides within 3 days, an
            // approved case goes within 24 hours, public security signs the receipt on
            // receiving it and decides within 3 days.
            LimitKind::ReferralApproval => TimeLimit::WorkingDays(3),
            LimitKind::ReferralSending => TimeLimit::Hours(24),
            LimitKind::ReferralReceipt => TimeLimit::WorkingDays(1),
            LimitKind::ReferralDecision => TimeLimit::WorkingDays(3),
            // A 行政执法监督通知书 customarily asks for the report within 30 days of receipt:
            // about 20 working days.
            LimitKind::SupervisionReport => TimeLimit::WorkingDays(20),
        }
    }

    /// The one unit this kind is counted in (the module doc says why it is fixed).
    pub fn unit(self) -> LimitUnit {
        LimitUnit::of(self.default_limit())
    }

    /// Checks a setting as a person typed it (`unit` as in JSON, `amount` as a number): the
    /// kind's own unit and 1 to [`MAX_AMOUNT`].
    pub fn check(self, unit: &str, amount: i64) -> Result<TimeLimit, Invalid> {
        let given = LimitUnit::from_str(unit)?;
        if given != self.unit() {
            return Err(Invalid(
                LIMIT_UNIT_FIXED
                    .message()
                    .with_words("kind", self.label_zh(), self.label_en())
                    .with_words("unit", self.unit().label_zh(), self.unit().label_en()),
            ));
        }
        let amount = u32::try_from(amount)
            .ok()
            .filter(|n| (1..=MAX_AMOUNT).contains(n))
            .ok_or_else(|| Invalid(LIMIT_AMOUNT_RANGE.with("amount", amount)))?;
        Ok(given.limit(amount))
    }
}

/// Where an effective limit comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The built-in default ([`LimitKind::default_limit`]).
    Default,
    /// The deployment's start-up flag (`--notice-remind-working-days`, …).
    Deployment,
    /// A region's setting: the region's code (the region itself or one above it).
    Region(String),
}

/// One kind's effective limit and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effective {
    pub limit: TimeLimit,
    pub source: Source,
}

/// A region's setting as stored, for [`Limits::resolve`]: the region that set it and how far
/// down the tree that region is (the root is 1), so the nearest one wins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub kind: LimitKind,
    pub limit: TimeLimit,
    pub region_code: String,
    pub depth: usize,
}

/// The effective limit of every kind for one region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    by_kind: BTreeMap<LimitKind, Effective>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits::defaults()
    }
}

impl Limits {
    /// The built-in defaults only.
    pub fn defaults() -> Limits {
        let by_kind = LimitKind::ALL
            .iter()
            .map(|kind| {
                let effective = Effective {
                    limit: kind.default_limit(),
                    source: Source::Default,
                };
                (*kind, effective)
            })
            .collect();
        Limits { by_kind }
    }

    /// The deployment's own defaults over the built-in ones, then the nearest region's
    /// setting of each kind over both. `deployment` may hold amounts a region may not set
    /// (0 turns a notice reminder off, as the flags always could); `settings` may come in any
    /// order.
    pub fn resolve(deployment: &[(LimitKind, TimeLimit)], settings: &[Setting]) -> Limits {
        let mut limits = Limits::defaults();
        for (kind, limit) in deployment {
            limits.by_kind.insert(
                *kind,
                Effective {
                    limit: *limit,
                    source: Source::Deployment,
                },
            );
        }
        let mut nearest: BTreeMap<LimitKind, &Setting> = BTreeMap::new();
        for setting in settings {
            let closer = nearest
                .get(&setting.kind)
                .is_none_or(|held| setting.depth > held.depth);
            if closer {
                nearest.insert(setting.kind, setting);
            }
        }
        for (kind, setting) in nearest {
            limits.by_kind.insert(
                kind,
                Effective {
                    limit: setting.limit,
                    source: Source::Region(setting.region_code.clone()),
                },
            );
        }
        limits
    }

    /// The effective limit of `kind`.
    pub fn get(&self, kind: LimitKind) -> TimeLimit {
        self.effective(kind).limit
    }

    /// The effective limit of `kind` and where it comes from.
    pub fn effective(&self, kind: LimitKind) -> Effective {
        self.by_kind.get(&kind).cloned().unwrap_or(Effective {
            limit: kind.default_limit(),
            source: Source::Default,
        })
    }

    /// Every kind in declaration order with its effective limit.
    pub fn iter(&self) -> impl Iterator<Item = (LimitKind, Effective)> + '_ {
        LimitKind::ALL
            .iter()
            .map(|kind| (*kind, self.effective(*kind)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setting(kind: LimitKind, limit: TimeLimit, code: &str, depth: usize) -> Setting {
        Setting {
            kind,
            limit,
            region_code: code.into(),
            depth,
        }
    }

    #[test]
    fn the_built_in_defaults_are_the_issue_s_limits() {
        let limits = Limits::defaults();
        assert_eq!(
            limits.get(LimitKind::DisputeNegotiation),
            TimeLimit::WorkingDays(10)
        );
        assert_eq!(
            limits.get(LimitKind::DisputeAcceptance),
            TimeLimit::WorkingDays(3)
        );
        assert_eq!(
            limits.get(LimitKind::DisputeReplies),
            TimeLimit::WorkingDays(5)
        );
        assert_eq!(
            limits.get(LimitKind::DisputeDecision),
            TimeLimit::CalendarDays(30)
        );
        assert_eq!(
            limits.get(LimitKind::NoticeRemind),
            TimeLimit::WorkingDays(1)
        );
        assert_eq!(
            limits.get(LimitKind::NoticeEscalate),
            TimeLimit::WorkingDays(3)
        );
        assert_eq!(
            limits.get(LimitKind::TaskEscalate),
            TimeLimit::WorkingDays(5)
        );
        assert!(limits.iter().all(|(_, e)| e.source == Source::Default));
    }

    #[test]
    fn the_nearest_region_wins_over_the_deployment_and_the_default() {
        let deployment = [(LimitKind::NoticeRemind, TimeLimit::WorkingDays(2))];
        // The county (depth 3) and the province (depth 1) both set negotiation; the county,
        // nearer, wins whatever the order they come in.
        let settings = [
            setting(
                LimitKind::DisputeNegotiation,
                TimeLimit::WorkingDays(15),
                "330102",
                3,
            ),
            setting(
                LimitKind::DisputeNegotiation,
                TimeLimit::WorkingDays(20),
                "330000",
                1,
            ),
            setting(
                LimitKind::DisputeReplies,
                TimeLimit::WorkingDays(7),
                "330000",
                1,
            ),
        ];
        let limits = Limits::resolve(&deployment, &settings);

        assert_eq!(
            limits.effective(LimitKind::DisputeNegotiation),
            Effective {
                limit: TimeLimit::WorkingDays(15),
                source: Source::Region("330102".into())
            }
        );
        assert_eq!(
            limits.effective(LimitKind::DisputeReplies).source,
            Source::Region("330000".into())
        );
        assert_eq!(
            limits.effective(LimitKind::NoticeRemind),
            Effective {
                limit: TimeLimit::WorkingDays(2),
                source: Source::Deployment
            }
        );
        assert_eq!(
            limits.effective(LimitKind::DisputeDecision).source,
            Source::Default
        );
    }

    #[test]
    fn a_region_setting_overrides_the_deployment_flag() {
        let deployment = [(LimitKind::NoticeRemind, TimeLimit::WorkingDays(2))];
        let settings = [setting(
            LimitKind::NoticeRemind,
            TimeLimit::WorkingDays(4),
            "330100",
            2,
        )];
        let limits = Limits::resolve(&deployment, &settings);
        assert_eq!(
            limits.get(LimitKind::NoticeRemind),
            TimeLimit::WorkingDays(4)
        );
    }

    #[test]
    fn a_setting_must_be_in_the_kind_s_unit_and_from_1_to_365() {
        assert_eq!(
            LimitKind::DisputeNegotiation.check("working_days", 7),
            Ok(TimeLimit::WorkingDays(7))
        );
        assert_eq!(
            LimitKind::DisputeDecision.check("calendar_days", 365),
            Ok(TimeLimit::CalendarDays(365))
        );
        for amount in [0, 366, -1, i64::MAX] {
            let refused = LimitKind::NoticeRemind
                .check("working_days", amount)
                .unwrap_err();
            assert_eq!(refused.0.code(), Some("limits.amount_range"), "{amount}");
        }
        let refused = LimitKind::DisputeDecision
            .check("working_days", 30)
            .unwrap_err();
        assert_eq!(refused.0.code(), Some("limits.unit_fixed"));
        assert!(refused.0.bilingual().contains("协调决定期限"));
        assert!(refused.0.bilingual().contains("calendar days"));
        let refused = LimitKind::NoticeRemind.check("weeks", 1).unwrap_err();
        assert_eq!(refused.0.code(), Some("value.unknown_word"));
    }

    #[test]
    fn the_task_escalate_default_is_the_calendar_s_own() {
        assert_eq!(
            LimitKind::TaskEscalate.default_limit(),
            TimeLimit::WorkingDays(super::super::calendar::ESCALATE_AFTER_WORKING_DAYS)
        );
    }

    #[test]
    fn every_kind_has_a_stored_name_and_both_labels() {
        for kind in LimitKind::ALL {
            assert_eq!(LimitKind::from_str(kind.as_str()), Ok(*kind));
            assert!(!kind.label_zh().is_empty() && !kind.label_en().is_empty());
            assert!(amount_of(kind.default_limit()) >= 1);
        }
    }
}
