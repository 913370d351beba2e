//! The supervision desk (监督台) of a judicial bureau, the government's enforcement-supervision
//! office: what is overdue, unacknowledged or escalated (督办) in its region and below, by the
//! body that owes it. A bureau reads the tasks, notifications, referrals and disputes of its
//! region (the policy: `task_access`, `notice_role`, `space_access`); the desk is where it finds
//! the ones that need its attention.
//!
//! Pure: what a line of the desk is ([`DeskState`]: its kind, the words of its state and of
//! the time limit that passed) and the rule that lets a bureau see a region's desk. Which lines
//! there are is `db::supervision`'s query; putting the desk together is
//! `work::supervision`'s. This module must never read the database or the clock.

use super::dispute::DisputeState;
use super::filing::ReportOwed;
use super::notice::ReceiptState;
use super::org::labelled_enum;
use super::phrases::catalogue;
use super::referral::ReferralState;
use super::supervision_doc::SupervisionState;
use super::task::TaskState;

catalogue! { RULES:
    READ_SUPERVISION_DESK = "policy.read_supervision_desk",
        "只有本级或上级司法行政机关的工作人员才能查看该区划的监督台",
        "only a person of the judicial bureau of this region or of a region above it may see this region's supervision desk";
    DESK_CURSOR_INVALID = "supervision.desk_cursor_invalid",
        "翻页位置（after）无效：请使用上一页返回的 next，或从第一页重新读取",
        "the page position (after) is not valid: use the next of the page before, or read from the first page again";
    DESK_PAGE_SIZE = "supervision.desk_page_size",
        "每页条数（limit）应在 1 至 {max} 之间",
        "the page size (limit) must be between 1 and {max}";
}

/// Where a page of a body's desk lines ends: the last line's due time and id. Lines are read
/// in the order `(due, id)`, so the next page is what comes after it, however the backlog
/// changed meanwhile. Written `"<due>:<id>"`; clients pass it back as they got it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskCursor {
    pub due_at: i64,
    pub id: String,
}

impl DeskCursor {
    /// The longest id a cursor carries (ids are far shorter; a longer one is not ours).
    const MAX_ID: usize = 200;

    pub fn parse(text: &str) -> Result<DeskCursor, &'static super::message::Phrase> {
        let (due, id) = text.split_once(':').ok_or(&DESK_CURSOR_INVALID)?;
        let due_at = due.parse().map_err(|_| &DESK_CURSOR_INVALID)?;
        if id.is_empty() || id.len() > Self::MAX_ID || id.chars().any(char::is_control) {
            return Err(&DESK_CURSOR_INVALID);
        }
        Ok(DeskCursor {
            due_at,
            id: id.to_owned(),
        })
    }
}

impl std::fmt::Display for DeskCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.due_at, self.id)
    }
}

labelled_enum! {
    /// What a line of the desk is about; with its id, the page a person opens from it
    /// (`/tasks/{id}`, `/notices/{id}`, `/referrals/{id}`, `/disputes/{id}`).
    pub enum DeskKind {
        /// 任务: overdue (逾期未办结).
        Task = ("task", "任务", "Task"),
        /// 通报: a receipt not acknowledged (签收) past its limit.
        Notice = ("notice", "通报", "Notification"),
        /// 案件移送: a stage past its limit.
        Referral = ("referral", "案件移送", "Referral"),
        /// 执法争议: a stage past its limit, or escalated to the bureau and not yet accepted.
        Dispute = ("dispute", "执法争议", "Dispute"),
        /// 监督文书: a rectification report (整改报告) past its limit.
        Supervision = ("supervision", "监督文书", "Supervision document"),
        /// 年度工作情况报告: not filed in December, or overdue after 31 December; its id is
        /// `<body>:<year>`.
        AnnualReport = ("annual_report", "年度工作情况报告", "Annual report"),
    }
}

/// Where a line's piece of work stands: the state of the task, of the body's receipt of the
/// notification, of the referral, of the dispute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeskState {
    Task(TaskState),
    Notice(ReceiptState),
    Referral(ReferralState),
    Dispute(DisputeState),
    Supervision(SupervisionState),
    AnnualReport(ReportOwed),
}

impl DeskState {
    pub fn kind(self) -> DeskKind {
        match self {
            DeskState::Task(_) => DeskKind::Task,
            DeskState::Notice(_) => DeskKind::Notice,
            DeskState::Referral(_) => DeskKind::Referral,
            DeskState::Dispute(_) => DeskKind::Dispute,
            DeskState::Supervision(_) => DeskKind::Supervision,
            DeskState::AnnualReport(_) => DeskKind::AnnualReport,
        }
    }

    /// The stored name of the state (`in_progress`, `delivered`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            DeskState::Task(s) => s.as_str(),
            DeskState::Notice(s) => s.as_str(),
            DeskState::Referral(s) => s.as_str(),
            DeskState::Dispute(s) => s.as_str(),
            DeskState::Supervision(s) => s.as_str(),
            DeskState::AnnualReport(s) => s.as_str(),
        }
    }

    /// The state as people read it, in Chinese and in English.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            DeskState::Task(s) => (s.label_zh(), s.label_en()),
            // A receipt not acknowledged is what the desk shows: 未签收, with how far it got.
            DeskState::Notice(ReceiptState::Read) => ("已阅未签收", "Read, not acknowledged"),
            DeskState::Notice(ReceiptState::Delivered) => {
                ("已送达未签收", "Delivered, not acknowledged")
            }
            DeskState::Notice(s) => (s.label_zh(), s.label_en()),
            DeskState::Referral(s) => (s.label_zh(), s.label_en()),
            DeskState::Dispute(s) => (s.label_zh(), s.label_en()),
            DeskState::Supervision(s) => (s.label_zh(), s.label_en()),
            DeskState::AnnualReport(s) => (s.label_zh(), s.label_en()),
        }
    }

    /// The time limit the line's due time is of, in Chinese and in English: a task's deadline,
    /// a notification's time to acknowledge, the running stage of a referral or a dispute.
    pub fn limit(self) -> (&'static str, &'static str) {
        match self {
            DeskState::Task(_) => ("办理期限", "Deadline"),
            DeskState::Notice(_) => ("签收期限", "Time to acknowledge"),
            DeskState::Referral(s) => s.stage().map_or(("办理期限", "Time limit"), |stage| {
                (stage.label_zh(), stage.label_en())
            }),
            DeskState::Dispute(s) => s.stage().map_or(("办理期限", "Time limit"), |stage| {
                (stage.label_zh(), stage.label_en())
            }),
            DeskState::Supervision(_) => ("整改报告期限", "Rectification report"),
            DeskState::AnnualReport(_) => ("报送期限（12月31日）", "Due 31 December"),
        }
    }

    /// Whether the line is owed by its second side (`DeskRow::sides`): a referral's receiver
    /// or a dispute's bureau while the stage is theirs; every other line by its first side.
    pub fn second_side_owes(self) -> bool {
        self.owed_by_receiver() || self.owed_by_bureau()
    }

    /// Whether the side that owes a referral's stage is its receiver (签收, 立案决定, the
    /// dispute of a returned one) rather than the referring body (approval, sending).
    pub fn owed_by_receiver(self) -> bool {
        match self {
            DeskState::Referral(s) => s.stage().is_some_and(|stage| stage.on_receiver()),
            _ => false,
        }
    }

    /// Whether a dispute's running stage is the bureau's (accepting it, deciding it) rather
    /// than the parties' (negotiating, replying in writing).
    pub fn owed_by_bureau(self) -> bool {
        matches!(
            self,
            DeskState::Dispute(DisputeState::Escalated | DisputeState::Coordinating)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_names_its_state_and_the_limit_that_runs_in_both_languages() {
        let sent = DeskState::Referral(ReferralState::Sent);
        assert_eq!(sent.kind(), DeskKind::Referral);
        assert_eq!(sent.limit(), ("签收期限", "Receipt"));
        assert!(sent.owed_by_receiver());
        let pending = DeskState::Referral(ReferralState::PendingApproval);
        assert_eq!(pending.limit().0, "审批期限");
        assert!(!pending.owed_by_receiver());

        let unread = DeskState::Notice(ReceiptState::Delivered);
        assert_eq!(unread.label().0, "已送达未签收");
        assert_eq!(unread.limit().0, "签收期限");
        assert_eq!(unread.as_str(), "delivered");

        let escalated = DeskState::Dispute(DisputeState::Escalated);
        assert_eq!(escalated.limit().0, "受理期限");
        assert!(escalated.owed_by_bureau());
        assert!(!DeskState::Dispute(DisputeState::Negotiating).owed_by_bureau());
        assert_eq!(
            DeskState::Task(TaskState::InProgress).label(),
            ("办理中", "In progress")
        );
    }

    #[test]
    fn a_cursor_reads_back_what_it_wrote_and_refuses_anything_else() {
        let cursor = DeskCursor {
            due_at: 1_774_000_000_000,
            id: "org-1:2029".into(),
        };
        assert_eq!(DeskCursor::parse(&cursor.to_string()), Ok(cursor));
        for bad in [
            "",
            "123",
            "abc:t1",
            "123:",
            ":t1",
            "1.5:t1",
            &format!("1:{}", "x".repeat(201)),
        ] {
            assert_eq!(DeskCursor::parse(bad), Err(&DESK_CURSOR_INVALID), "{bad}");
        }
    }
}
