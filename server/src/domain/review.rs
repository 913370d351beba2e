//! Case-file review (案卷评查): issue 23 and WORKFLOWS.md "Case-file review".
//!
//! A judicial bureau organises a review of the enforcement files its region's bodies closed in
//! a period, or an enforcement department (its legal-affairs unit, 法制机构, is the department's
//! supervision body) one of its own field: the files the department and the bodies under it
//! (`parent_id`) closed, its summary filed (报备) with the judicial bureau of its region
//! ([`Organiser`], [`may_plan_body`]). Either way: 全面 (every file), 重点 (the files that led to reconsideration, litigation or
//! procuratorial supervision, and a sample), 交叉 (bodies review each other's files; a body
//! never reviews its own) or 随机抽查 (a random sample). Seed 004: files that led to
//! reconsideration, litigation or procuratorial supervision are always reviewed.
//!
//! ```text
//! planned ──launch──▶ registering ──draw──▶ scoring ──conclude (every file confirmed)──▶ summarising ──summarise (its signature)──▶ summarised
//!    │ withdraw (reasons)
//!    ▼
//! withdrawn
//! ```
//!
//! Each drawn file has its own machine, on a live scoring sheet written by its reviewing body:
//!
//! ```text
//! registered ──draw──▶ scoring ──submit (reviewing body)──▶ submitted ──answer (reviewed body, within the limit)──▶ answered
//!      └─(not drawn)─▶ not_drawn                               └──────confirm (organiser; once the limit passed)──┴──▶ confirmed
//! ```
//!
//! The draw ([`draw`]) is reproducible by anyone: a file's rank is the SHA-256 of the recorded
//! seed and its id, and each body's sample is its lowest ranks. Reviewing bodies are assigned
//! by [`assign`], least loaded first. This module never reads anything.

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};

use super::command::{commands, CommandShape};
use super::kernel::{self, Refused, Workflow};
use super::message::{Message, Phrase};
use super::org::labelled_enum;
use super::org::OrgKind;
use super::phrases::catalogue;
use super::review_sheet::Grade;
use super::signed::{Signatories, Wording, Words};
use super::text::{Reason, Text};

labelled_enum! {
    /// How files are chosen and who reviews them.
    pub enum ReviewKind {
        /// 全面评查: every file registered.
        Comprehensive = ("comprehensive", "全面评查", "Comprehensive review"),
        /// 重点评查: the priority files, and a sample of the rest if one is set.
        Key = ("key", "重点评查", "Key-file review"),
        /// 交叉评查: bodies review each other's files, never their own.
        Cross = ("cross", "交叉评查", "Cross review"),
        /// 随机抽查: the priority files and a random sample per body.
        Random = ("random", "随机抽查", "Random sampling"),
    }
}

labelled_enum! {
    /// Who organises a review, and so which bodies it may name (issue 23: "organised by a
    /// bureau, or a department's supervision body for its own field").
    pub enum Organiser {
        /// 司法局: the bodies of its region and the regions below (those it supervises), never
        /// itself; its summary is filed with the bureau above.
        Bureau = ("bureau", "司法局", "Judicial bureau"),
        /// 行政执法部门: its own field, the department itself and the bodies under it by
        /// `parent_id`; its summary is filed with the judicial bureau of its region.
        Department = ("department", "行政执法部门", "Enforcement department"),
    }
}

impl Organiser {
    /// The organiser a body of `kind` may be, if any: a bureau, or an enforcement department.
    pub fn of(kind: OrgKind) -> Option<Organiser> {
        match kind {
            OrgKind::JudicialBureau => Some(Organiser::Bureau),
            OrgKind::EnforcementDepartment => Some(Organiser::Department),
            _ => None,
        }
    }
}

/// A body named in a plan, as [`may_plan_body`] needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedBody<'a> {
    /// Its name, for the refusal.
    pub name: &'a str,
    /// It is the organiser itself.
    pub organiser: bool,
    /// It is within the organiser's reach: for a bureau, a body it supervises (of its region
    /// or below); for a department, a body of its field (itself or under it by `parent_id`).
    pub in_reach: bool,
}

/// Why `body` may not be named (reviewed or reviewing) in a review `organiser` plans, if so:
/// a bureau names bodies it supervises, never itself (it reviews every file no reviewing body
/// is named for); a department names bodies of its field, itself included (each department
/// reviews its own closed files; seed 004).
pub fn may_plan_body(organiser: Organiser, body: PlannedBody<'_>) -> Result<(), Message> {
    let (ok, phrase) = match organiser {
        Organiser::Bureau => (body.in_reach && !body.organiser, &BODY_OF_REGION),
        Organiser::Department => (body.in_reach, &BODY_OF_FIELD),
    };
    if ok {
        Ok(())
    } else {
        Err(phrase.with("name", body.name))
    }
}

/// The body a review's task (to register files, to score them, to rectify a failing file) is
/// set to: `body`, unless it is the organiser itself, which sets itself no task (the task
/// machine refuses a task whose setter is its assignee; a department reviewing its own files
/// registers and rectifies them as its own business, and the summary it files says how they
/// fared).
pub fn task_to<'a>(organiser_id: &str, body: &'a str) -> Option<&'a str> {
    (body != organiser_id).then_some(body)
}

labelled_enum! {
    /// What kind of enforcement act a file records.
    pub enum CaseKind {
        Penalty = ("penalty", "行政处罚", "Administrative penalty"),
        Licensing = ("licensing", "行政许可", "Administrative licensing"),
        Coercion = ("coercion", "行政强制", "Administrative coercion"),
        Inspection = ("inspection", "行政检查", "Administrative inspection"),
        Other = ("other", "其他", "Other"),
    }
}

labelled_enum! {
    /// Where a review is.
    pub enum ReviewState {
        /// 筹备中.
        Planned = ("planned", "筹备中", "Planned"),
        /// 登记案卷: the reviewed bodies register their closed files.
        Registering = ("registering", "登记案卷", "Registering files"),
        /// 评查中: the files are drawn and scored.
        Scoring = ("scoring", "评查中", "Scoring"),
        /// 总结中: every grade confirmed; the summary is written and signed.
        Summarising = ("summarising", "总结中", "Summarising"),
        /// 已总结报备.
        Summarised = ("summarised", "已总结报备", "Summarised and filed"),
        /// 已撤销.
        Withdrawn = ("withdrawn", "已撤销", "Withdrawn"),
    }
}

labelled_enum! {
    /// Who gives a review command.
    pub enum ReviewParty {
        /// 组织单位: the organising bureau or department.
        Organiser = ("organiser", "组织单位", "Organiser"),
        /// 被评查单位: registers its files, reads its results, answers.
        Reviewed = ("reviewed", "被评查单位", "Reviewed body"),
        /// 评查单位: scores the files assigned to it.
        Reviewer = ("reviewer", "评查单位", "Reviewing body"),
        /// 上级司法局: reads.
        Supervisor = ("supervisor", "上级司法局", "Supervising bureau"),
        /// 系统: the summary's signature.
        System = ("system", "系统", "System"),
    }
}

labelled_enum! {
    /// What is asked of a review.
    pub enum ReviewCommand {
        /// 启动: the bodies are told and register their files.
        Launch = ("launch", "启动", "Launch"),
        /// 抽取案卷: registration closes; files are drawn and reviewing bodies assigned.
        Draw = ("draw", "抽取案卷并分配", "Draw files and assign"),
        /// 结束评查: every grade is confirmed; the summary is written.
        Conclude = ("conclude", "结束评查", "Conclude"),
        /// 撤销 before it is launched.
        Withdraw = ("withdraw", "撤销", "Withdraw"),
        /// 总结报备: the summary's signature (the system's).
        Summarise = ("summarise", "总结报备", "Summarise"),
    }
}

labelled_enum! {
    /// Where one file is.
    pub enum FileState {
        /// 已登记: waiting for the draw.
        Registered = ("registered", "已登记", "Registered"),
        /// 未抽中.
        NotDrawn = ("not_drawn", "未抽中", "Not drawn"),
        /// 评查中: its reviewing body scores it on the live sheet.
        Scoring = ("scoring", "评查中", "Scoring"),
        /// 已提交: scored; the reviewed body may answer within the limit.
        Submitted = ("submitted", "已评分（待申辩）", "Submitted"),
        /// 已申辩.
        Answered = ("answered", "已申辩", "Answered"),
        /// 已确认等次.
        Confirmed = ("confirmed", "已确认等次", "Grade confirmed"),
    }
}

labelled_enum! {
    /// Who acts on one file.
    pub enum FileParty {
        /// The organising bureau or department.
        Organiser = ("organiser", "组织单位", "Organiser"),
        /// The body whose file it is.
        Reviewed = ("reviewed", "被评查单位", "Reviewed body"),
        /// The body assigned to score it.
        Reviewer = ("reviewer", "评查单位", "Reviewing body"),
        /// Anyone else who reads it.
        Reader = ("reader", "查阅单位", "Reader"),
    }
}

labelled_enum! {
    /// What is asked of one file.
    pub enum FileCommand {
        /// 提交评分: the sheet is frozen and scored.
        Submit = ("submit", "提交评分", "Submit scores"),
        /// 申辩: the reviewed body answers its result.
        Answer = ("answer", "申辩", "Answer"),
        /// 确认等次.
        Confirm = ("confirm", "确认等次", "Confirm grade"),
    }
}

catalogue! { RULES:
    BY_THE_ORGANISER = "review.by_the_organiser",
        "只有组织评查的单位可以启动、抽取、结束或撤销案卷评查",
        "only the organiser launches, draws, concludes or withdraws a review";
    BY_ITS_SIGNATURE = "review.by_its_signature",
        "总结报告签署后自动报备，无需单独操作",
        "a review is summarised by its summary's signature, not by a command";
    LAUNCH_WHEN_PLANNED = "review.launch_when_planned",
        "只有筹备中的案卷评查可以启动（当前为{now}）",
        "only a planned review can be launched; it is now {now}";
    DRAW_WHEN_REGISTERING = "review.draw_when_registering",
        "只有登记案卷阶段可以抽取案卷（当前为{now}）",
        "files are drawn only while they are being registered; the review is now {now}";
    CONCLUDE_WHEN_SCORING = "review.conclude_when_scoring",
        "只有评查中的案卷评查可以结束（当前为{now}）",
        "only a review being scored can be concluded; it is now {now}";
    CONCLUDE_ALL_CONFIRMED = "review.conclude_all_confirmed",
        "尚有案卷未确认等次，全部确认后方可结束评查",
        "some files have no confirmed grade yet; conclude once every grade is confirmed";
    WITHDRAW_WHEN_PLANNED = "review.withdraw_when_planned",
        "只有尚未启动的案卷评查可以撤销（当前为{now}）",
        "only a review not yet launched can be withdrawn; it is now {now}";
    SUMMARISE_WHEN_SUMMARISING = "review.summarise_when_summarising",
        "评查结束后方可签署总结报告（当前为{now}）",
        "the summary is signed once the review is concluded; it is now {now}";
    FINAL = "review.final",
        "该案卷评查已{now}，不能再变更",
        "the review is {now}: nothing more changes it";
    MADE_BY_AN_ORGANISER = "review.made_by_an_organiser",
        "只有司法局或行政执法部门可以组织案卷评查",
        "only a judicial bureau or an enforcement department organises a case-file review";
    READ_SHEETS = "review.read_sheets",
        "只有司法局或行政执法部门可以查看用于组织案卷评查的评查表",
        "only a judicial bureau or an enforcement department reads the scoring sheets reviews are planned with";
    REVIEWS_BODIES = "review.reviews_bodies",
        "请至少选择一个被评查单位",
        "name at least one body whose files are reviewed";
    BODY_OF_REGION = "review.body_of_region",
        "{name}不是本局辖区内的执法单位",
        "{name} is not an enforcement body of your bureau's region";
    BODY_OF_FIELD = "review.body_of_field",
        "{name}不是本部门或本部门所属单位，部门只能评查本系统的案卷",
        "{name} is neither your department nor a body under it: a department reviews its own field only";
    CROSS_NEEDS_REVIEWERS = "review.cross_needs_reviewers",
        "交叉评查至少需要两个评查单位",
        "a cross review needs at least two reviewing bodies";
    SAMPLE_NEEDED = "review.sample_needed",
        "随机抽查应写明每个单位抽取的案卷数（1 至 1000）",
        "random sampling needs the number of files drawn per body (1 to 1000)";
    ANSWER_DAYS = "review.answer_days",
        "申辩期限应为 1 至 30 个工作日",
        "the time to answer is 1 to 30 working days";
    STAGE_DAYS = "review.stage_days",
        "登记和评分期限应为 1 至 60 个工作日",
        "the time to register files and the time to score them are 1 to 60 working days";
    NO_REVIEWER_FOR = "review.no_reviewer_for",
        "交叉评查中没有可以评查{name}案卷的其他单位（单位不评查本单位的案卷）",
        "no other reviewing body can review the files of {name} (a body never reviews its own)";
    NOTHING_DRAWN = "review.nothing_drawn",
        "尚未登记任何案卷，不能抽取",
        "no file is registered yet; there is nothing to draw";
    REGISTER_WHEN_REGISTERING = "review.register_when_registering",
        "只有登记案卷阶段可以登记案卷（当前为{now}）",
        "files are registered only while the review registers them; it is now {now}";
    REGISTER_OWN = "review.register_own",
        "只有被评查单位可以登记本单位的案卷",
        "only a reviewed body registers its own files";
    CASE_NUMBER_TAKEN = "review.case_number_taken",
        "本单位已登记案号为「{number}」的案卷",
        "your body has already registered the file {number}";
    CLOSED_IN_PERIOD = "review.closed_in_period",
        "结案日期应在评查范围 {from} 至 {to} 之内",
        "the closing date must fall within the period reviewed, {from} to {to}";
    SUBMIT_BY_REVIEWER = "review_file.submit_by_reviewer",
        "只有分配评查该案卷的单位可以提交评分",
        "only the body assigned to review the file submits its scores";
    SUBMIT_WHEN_SCORING = "review_file.submit_when_scoring",
        "只有评查中的案卷可以提交评分（当前为{now}）",
        "scores are submitted only while the file is being scored; it is now {now}";
    ANSWER_BY_REVIEWED = "review_file.answer_by_reviewed",
        "只有被评查单位可以对评查结果申辩",
        "only the reviewed body answers the result";
    ANSWER_WHEN_SUBMITTED = "review_file.answer_when_submitted",
        "只有已评分待申辩的案卷可以申辩（当前为{now}）",
        "a result is answered only once scored and before its grade is confirmed; it is now {now}";
    ANSWER_TOO_LATE = "review_file.answer_too_late",
        "申辩期限已过",
        "the time to answer has passed";
    CONFIRM_BY_ORGANISER = "review_file.confirm_by_organiser",
        "只有组织评查的单位可以确认等次",
        "only the organiser confirms a grade";
    CONFIRM_WHEN_SCORED = "review_file.confirm_when_scored",
        "只有已评分的案卷可以确认等次（当前为{now}）",
        "a grade is confirmed only once the file is scored; it is now {now}";
    CONFIRM_AFTER_ANSWER = "review_file.confirm_after_answer",
        "申辩期限未满且被评查单位尚未申辩，请待申辩或期限届满后再确认",
        "the reviewed body may still answer; confirm once it has or its time has passed";
    FILE_FINAL = "review_file.final",
        "该案卷{now}，不能再变更",
        "the file is {now}: nothing more changes it";
    GRADE_REASON = "review_file.grade_reason",
        "确认的等次与评分结果（{computed}）不同，请说明理由",
        "the confirmed grade differs from the score's ({computed}); give the reason";
    NAME_BY_ADMIN = "review_file.name_by_admin",
        "只有评查单位的管理员可以指定该案卷的评查人",
        "only an administrator of the reviewing body names the file's reviewers";
    NAME_WHEN_SCORING = "review_file.name_when_scoring",
        "只有评查中的案卷可以指定评查人（当前为{now}）",
        "reviewers are named only while the file is being scored; it is now {now}";
    REVIEWERS_COUNT = "review_file.reviewers_count",
        "每份案卷应指定 1 至 2 名评查人，且不得重复",
        "name one or two reviewers for a file, each once";
    REVIEWER_UNKNOWN = "review_file.reviewer_unknown",
        "没有编号为「{id}」的人员",
        "no person has the id {id}";
    REVIEWER_OF_BODY = "review_file.reviewer_of_body",
        "{name}不是评查该案卷的单位的在职人员，不能担任评查人",
        "{name} is no active person of the body reviewing the file and cannot review it";
    SUBMIT_BY_NAMED = "review_file.submit_by_named",
        "该案卷已指定评查人，只有指定的评查人可以提交评分",
        "the file has named reviewers: only they submit its scores";
    NO_SUCH_REVIEW = "not_found.review",
        "没有这项案卷评查，或您无权查看",
        "no case-file review with this id";
    NO_SUCH_FILE = "not_found.review_file",
        "这项评查中没有该案卷，或您无权查看",
        "no such file in this review";
    REVIEW_STALE = "review.stale",
        "该案卷评查已被他人更新（当前为第 {revision} 版），请刷新后重试",
        "the review was changed by someone else meanwhile (it is at revision {revision}); reload it and try again";
    REVIEW_MOVED = "review.moved",
        "该案卷评查已被他人更新（当前为{now}），请刷新后重试",
        "the review changed meanwhile (it is now {now}); reload it and try again";
    FILE_STALE = "review_file.stale",
        "该案卷已被他人更新（当前为第 {revision} 版），请刷新后重试",
        "the file was changed by someone else meanwhile (it is at revision {revision}); reload it and try again";
    ATTACH_BY_ITS_BODY = "review_file.attach_by_its_body",
        "只有案卷所属单位可以上传该案卷的电子卷宗",
        "only the body whose file it is attaches its scanned file";
    ATTACH_WHEN_REGISTERING = "review_file.attach_when_registering",
        "只有登记案卷阶段可以上传电子卷宗（当前为{now}）",
        "scanned files are attached while files are registered; the review is now {now}";
    NO_SUCH_ATTACHMENT = "not_found.review_attachment",
        "该案卷没有这份电子卷宗，或您无权查看",
        "no such attachment of this file";
    DOC_ARCHIVED = "review_summary.archived",
        "已归档的评查总结报告永久只读",
        "an archived review summary is read-only forever";
    DOC_SUPERSEDED = "review_summary.superseded",
        "评查总结报告的此版本已被新版本取代，请在最新版本上操作",
        "this version of the review summary was superseded; act on the newest version";
    DOC_FREEZE = "review_summary.freeze",
        "只有草稿状态的评查总结报告可以定稿",
        "only a review summary in draft can be frozen";
    DOC_OPEN_SIGNING = "review_summary.open_signing",
        "评查总结报告定稿后方可开启签署，且只开启一次",
        "signing opens once, on a frozen review summary";
    DOC_SIGN = "review_summary.sign",
        "只有在签署开启期间才能签署评查总结报告",
        "a review summary is signed only while signing is open";
    DOC_REOPEN = "review_summary.reopen",
        "只有已定稿或签署中的评查总结报告可以退回修改",
        "only a frozen review summary or one being signed can be sent back for changes";
    DOC_DECLINE_WHILE_SIGNING = "review_summary.decline_while_signing",
        "评查总结报告尚未开启签署，不能退回",
        "the review summary is not being signed; it cannot be declined";
    DOC_ARCHIVE = "review_summary.archive",
        "评查总结报告经组织评查的单位签署后方可归档",
        "only a review summary its organiser signed can be archived";
    DOC_NOT_SIGNATORY = "review_summary.not_signatory",
        "评查总结报告由组织评查的单位签署，本单位不在签署之列",
        "a review summary is signed by its organiser; your organization does not sign it";
    DOC_ALREADY_SIGNED = "review_summary.already_signed",
        "本单位已签署此版本评查总结报告",
        "your organization has already signed this version of the review summary";
    DOC_REOPEN_DENIED = "review_summary.reopen_denied",
        "只有组织评查的单位可以退回评查总结报告",
        "only the organiser may send the review summary back";
}

/// The words of the summary's refusals in the signed-document lifecycle.
pub struct ReviewSummaryWords;

impl Words for ReviewSummaryWords {
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
pub const SUMMARY_SIGNATORIES: Signatories = ("组织评查的单位", "the organiser");

/// Why the summary may not be frozen while the review is in `state`, if so: only once it is
/// concluded, and not after it is summarised.
pub fn summary_freeze_gate(state: ReviewState) -> Option<Refused> {
    (state != ReviewState::Summarising)
        .then(|| Refused::in_state(&SUMMARISE_WHEN_SUMMARISING, state))
}

/// The word of a review summary's number: `上司评查〔2027〕1号`.
pub const NUMBER_WORD: &str = "评查";

/// Whether a body may attach a scanned file to a registered file: the file is its own, and
/// files are still being registered (what is drawn is what was attached).
pub fn may_attach(state: ReviewState, own_file: bool) -> Result<(), Refused> {
    if !own_file {
        return Err(Refused::by(&ATTACH_BY_ITS_BODY));
    }
    if state != ReviewState::Registering {
        return Err(Refused::in_state(&ATTACH_WHEN_REGISTERING, state));
    }
    Ok(())
}

/// Whether every drawn file has its grade confirmed: the context of concluding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllConfirmed(pub bool);

/// The one transition function of a review.
pub fn transition(
    all_confirmed: AllConfirmed,
    state: ReviewState,
    party: ReviewParty,
    command: ReviewCommand,
) -> Result<ReviewState, Refused> {
    use ReviewCommand as C;
    use ReviewState as S;
    if matches!(state, S::Summarised | S::Withdrawn) {
        return Err(Refused::in_state(&FINAL, state));
    }
    let system = command == C::Summarise;
    let (by, wrong): (ReviewParty, &'static Phrase) = if system {
        (ReviewParty::System, &BY_ITS_SIGNATURE)
    } else {
        (ReviewParty::Organiser, &BY_THE_ORGANISER)
    };
    kernel::precheck(None, party == by, wrong)?;
    match (command, state) {
        (C::Launch, S::Planned) => Ok(S::Registering),
        (C::Launch, _) => Err(Refused::in_state(&LAUNCH_WHEN_PLANNED, state)),
        (C::Withdraw, S::Planned) => Ok(S::Withdrawn),
        (C::Withdraw, _) => Err(Refused::in_state(&WITHDRAW_WHEN_PLANNED, state)),
        (C::Draw, S::Registering) => Ok(S::Scoring),
        (C::Draw, _) => Err(Refused::in_state(&DRAW_WHEN_REGISTERING, state)),
        (C::Conclude, S::Scoring) if all_confirmed.0 => Ok(S::Summarising),
        (C::Conclude, S::Scoring) => Err(Refused::by(&CONCLUDE_ALL_CONFIRMED)),
        (C::Conclude, _) => Err(Refused::in_state(&CONCLUDE_WHEN_SCORING, state)),
        (C::Summarise, S::Summarising) => Ok(S::Summarised),
        (C::Summarise, _) => Err(Refused::in_state(&SUMMARISE_WHEN_SUMMARISING, state)),
    }
}

/// The review as a [`Workflow`].
pub struct ReviewFlow;

impl Workflow for ReviewFlow {
    type State = ReviewState;
    type Party = ReviewParty;
    type Command = ReviewCommand;
    type Context = AllConfirmed;
    const PARTIES: &'static [ReviewParty] = ReviewParty::ALL;
    const CONTEXTS: &'static [AllConfirmed] = &[AllConfirmed(false), AllConfirmed(true)];

    fn transition(
        context: AllConfirmed,
        state: ReviewState,
        party: ReviewParty,
        command: ReviewCommand,
    ) -> Result<ReviewState, Refused> {
        transition(context, state, party, command)
    }
}

/// Whether the reviewed body's time to answer is still running: the context of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnswerOpen(pub bool);

/// The one transition function of a file.
pub fn file_transition(
    open: AnswerOpen,
    state: FileState,
    party: FileParty,
    command: FileCommand,
) -> Result<FileState, Refused> {
    use FileCommand as C;
    use FileState as S;
    if matches!(state, S::Confirmed | S::NotDrawn) {
        return Err(Refused::in_state(&FILE_FINAL, state));
    }
    let (by, wrong): (FileParty, &'static Phrase) = match command {
        C::Submit => (FileParty::Reviewer, &SUBMIT_BY_REVIEWER),
        C::Answer => (FileParty::Reviewed, &ANSWER_BY_REVIEWED),
        C::Confirm => (FileParty::Organiser, &CONFIRM_BY_ORGANISER),
    };
    kernel::precheck(None, party == by, wrong)?;
    match (command, state) {
        (C::Submit, S::Scoring) => Ok(S::Submitted),
        (C::Submit, _) => Err(Refused::in_state(&SUBMIT_WHEN_SCORING, state)),
        (C::Answer, S::Submitted) if open.0 => Ok(S::Answered),
        (C::Answer, S::Submitted) => Err(Refused::by(&ANSWER_TOO_LATE)),
        (C::Answer, _) => Err(Refused::in_state(&ANSWER_WHEN_SUBMITTED, state)),
        (C::Confirm, S::Answered) => Ok(S::Confirmed),
        (C::Confirm, S::Submitted) if !open.0 => Ok(S::Confirmed),
        (C::Confirm, S::Submitted) => Err(Refused::by(&CONFIRM_AFTER_ANSWER)),
        (C::Confirm, _) => Err(Refused::in_state(&CONFIRM_WHEN_SCORED, state)),
    }
}

/// One file as a [`Workflow`].
pub struct FileFlow;

impl Workflow for FileFlow {
    type State = FileState;
    type Party = FileParty;
    type Command = FileCommand;
    type Context = AnswerOpen;
    const PARTIES: &'static [FileParty] = FileParty::ALL;
    const CONTEXTS: &'static [AnswerOpen] = &[AnswerOpen(false), AnswerOpen(true)];

    fn transition(
        context: AnswerOpen,
        state: FileState,
        party: FileParty,
        command: FileCommand,
    ) -> Result<FileState, Refused> {
        file_transition(context, state, party, command)
    }
}

commands! {
    /// A command on a review with exactly its fields (`POST /api/reviews/{id}/actions`,
    /// `{"command": "launch", "revision": 1}`), at the revision the caller read.
    pub enum ReviewAction tagged "command" {
        /// 启动.
        Launch { revision: i64 },
        /// 抽取案卷并分配.
        Draw { revision: i64 },
        /// 结束评查.
        Conclude { revision: i64 },
        /// 撤销 before it is launched: why.
        Withdraw { revision: i64, reason: Reason },
    }
}

impl ReviewAction {
    pub fn command(&self) -> ReviewCommand {
        match self {
            ReviewAction::Launch { .. } => ReviewCommand::Launch,
            ReviewAction::Draw { .. } => ReviewCommand::Draw,
            ReviewAction::Conclude { .. } => ReviewCommand::Conclude,
            ReviewAction::Withdraw { .. } => ReviewCommand::Withdraw,
        }
    }

    pub fn revision(&self) -> i64 {
        match self {
            ReviewAction::Launch { revision }
            | ReviewAction::Draw { revision }
            | ReviewAction::Conclude { revision }
            | ReviewAction::Withdraw { revision, .. } => *revision,
        }
    }
}

impl CommandShape for ReviewAction {
    fn missing(command: &str, field: &str) -> Option<String> {
        Some(format!("{field} is required to {command} a review"))
    }

    fn misplaced(command: &str, field: &str) -> Option<String> {
        Some(format!("{field} is not a field of the command {command}"))
    }
}

commands! {
    /// A command on one file (`POST /api/reviews/{id}/files/{file}/actions`), at the file's
    /// revision the caller read.
    pub enum FileAction tagged "command" {
        /// 提交评分: the live sheet is frozen and scored.
        Submit { revision: i64 },
        /// 申辩: what the reviewed body says to its result.
        Answer { revision: i64, answer: Text },
        /// 确认等次: the grade; a reason when it differs from the score's.
        Confirm { revision: i64, grade: Grade, #[serde(default)] reason: Option<Reason> },
    }
}

impl FileAction {
    pub fn command(&self) -> FileCommand {
        match self {
            FileAction::Submit { .. } => FileCommand::Submit,
            FileAction::Answer { .. } => FileCommand::Answer,
            FileAction::Confirm { .. } => FileCommand::Confirm,
        }
    }

    pub fn revision(&self) -> i64 {
        match self {
            FileAction::Submit { revision }
            | FileAction::Answer { revision, .. }
            | FileAction::Confirm { revision, .. } => *revision,
        }
    }
}

impl CommandShape for FileAction {
    fn missing(command: &str, field: &str) -> Option<String> {
        Some(format!("{field} is required to {command} a file"))
    }

    fn misplaced(command: &str, field: &str) -> Option<String> {
        Some(format!("{field} is not a field of the command {command}"))
    }
}

/// The people (评查人) named to score one file: one or two user ids, each once. Parsed before
/// anyone is looked up, so a list of the wrong size is refused (400) without a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reviewers(Vec<String>);

impl Reviewers {
    /// The most people a file has: the issue's "two reviewers at once".
    pub const MAX: usize = 2;

    /// One or two distinct, non-blank ids.
    pub fn parse(ids: &[String]) -> Result<Reviewers, &'static Phrase> {
        let ids: Vec<String> = ids.iter().map(|id| id.trim().to_owned()).collect();
        let distinct: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
        if ids.is_empty()
            || ids.len() > Self::MAX
            || distinct.len() != ids.len()
            || distinct.contains("")
        {
            return Err(&REVIEWERS_COUNT);
        }
        Ok(Reviewers(ids))
    }

    pub fn ids(&self) -> &[String] {
        &self.0
    }
}

/// A person named as a reviewer, as found: their body, their name, whether they may sign in.
/// Why the people may not be named for a file of `reviewing_body` in `state`, if so: each
/// must be found (`None`: no such person, 400), an active person of the reviewing body (400),
/// and the file still being scored (409, checked last: a wrong list is wrong in any state).
pub fn may_name(
    state: FileState,
    reviewing_body: &str,
    people: &[(&str, Option<NamedPerson<'_>>)],
) -> Result<(), NameRefused> {
    for (id, person) in people {
        let Some(person) = person else {
            return Err(NameRefused::Invalid(REVIEWER_UNKNOWN.with("id", id)));
        };
        if person.org_id != Some(reviewing_body) || person.disabled {
            return Err(NameRefused::Invalid(
                REVIEWER_OF_BODY.with("name", person.name),
            ));
        }
    }
    if state != FileState::Scoring {
        return Err(NameRefused::Refused(Refused::in_state(
            &NAME_WHEN_SCORING,
            state,
        )));
    }
    Ok(())
}

/// A person as naming them needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NamedPerson<'a> {
    pub org_id: Option<&'a str>,
    pub name: &'a str,
    pub disabled: bool,
}

/// Why people may not be named: bad input (400) or the file's state (409).
#[derive(Debug)]
pub enum NameRefused {
    Invalid(super::message::Message),
    Refused(Refused),
}

/// Whether the caller may submit a file with these named reviewers: anyone of the reviewing
/// body when none are named (the machine checks the body), else only a named one.
pub fn may_submit(named: &[String], user_id: &str) -> Result<(), Refused> {
    if named.is_empty() || named.iter().any(|n| n == user_id) {
        Ok(())
    } else {
        Err(Refused::by(&SUBMIT_BY_NAMED))
    }
}

/// A registered file as the draw sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: String,
    pub org_id: String,
    /// It led to reconsideration, litigation or procuratorial supervision: always drawn.
    pub priority: bool,
}

/// A file's rank in the draw: the SHA-256 of `seed:id`, in hex. Anyone holding the seed and
/// the list of registered files can recompute it (`printf '%s:%s' SEED ID | sha256sum`).
pub fn rank(seed: &str, file_id: &str) -> String {
    hex::encode(Sha256::digest(format!("{seed}:{file_id}").as_bytes()))
}

/// The files a review of `kind` draws from `files` with `seed`: every priority file; then,
/// per body, every other file (全面, or 交叉 without a sample) or the `sample` lowest-ranked
/// of them (随机抽查, or 重点 and 交叉 with a sample; 重点 without a sample draws none of them).
pub fn draw(
    kind: ReviewKind,
    files: &[Candidate],
    sample: Option<u32>,
    seed: &str,
) -> BTreeSet<String> {
    let mut drawn: BTreeSet<String> = files
        .iter()
        .filter(|f| f.priority)
        .map(|f| f.id.clone())
        .collect();
    let mut rest: BTreeMap<&str, Vec<(String, &str)>> = BTreeMap::new();
    for file in files.iter().filter(|f| !f.priority) {
        rest.entry(&file.org_id)
            .or_default()
            .push((rank(seed, &file.id), &file.id));
    }
    for (_, mut ranked) in rest {
        ranked.sort();
        let take = match (kind, sample) {
            (ReviewKind::Comprehensive, _) | (ReviewKind::Cross, None) => ranked.len(),
            (_, Some(n)) => n as usize,
            (ReviewKind::Key | ReviewKind::Random, None) => 0,
        };
        drawn.extend(ranked.into_iter().take(take).map(|(_, id)| id.to_owned()));
    }
    drawn
}

/// Assigns each drawn file (`(file id, its body)`, in order) a reviewing body: the least
/// loaded of `reviewers` that may review it (in a cross review, never the file's own body),
/// ties to the first listed. With no reviewers named the organiser reviews every file.
/// Refused with the body (`Err(org id)`) when a cross review has no other body for its files.
pub fn assign(
    kind: ReviewKind,
    drawn: &[(String, String)],
    reviewers: &[String],
    organiser: &str,
) -> Result<BTreeMap<String, String>, String> {
    // Taken in turns, body by body (each body's first file, then each one's second …), so
    // that least-loaded-first spreads every body's files over the others evenly.
    let mut turns: Vec<(usize, usize, &(String, String))> = Vec::new();
    let mut bodies: Vec<&str> = Vec::new();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for file in drawn {
        let body = bodies.iter().position(|b| *b == file.1).unwrap_or_else(|| {
            bodies.push(&file.1);
            bodies.len() - 1
        });
        let turn = seen.entry(&file.1).or_default();
        turns.push((*turn, body, file));
        *turn += 1;
    }
    turns.sort_by_key(|(turn, body, _)| (*turn, *body));
    if reviewers.is_empty() {
        return Ok(drawn
            .iter()
            .map(|(file_id, _)| (file_id.clone(), organiser.to_owned()))
            .collect());
    }
    let may = |i: usize, org_id: &str| kind != ReviewKind::Cross || reviewers[i] != org_id;
    let mut load: Vec<usize> = vec![0; reviewers.len()];
    let mut assigned: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, _, (file_id, org_id)) in turns {
        let best = (0..reviewers.len())
            .filter(|&i| may(i, org_id))
            .min_by_key(|&i| (load[i], i));
        let Some(i) = best else {
            return Err(org_id.clone());
        };
        load[i] += 1;
        assigned.insert(file_id, i);
    }
    // Then evens it out: a file moves to a body with two fewer files that may review it,
    // until no such move is left (each move lowers the sum of squared loads, so this ends).
    loop {
        let mut moved = false;
        for (file_id, org_id) in drawn {
            let from = assigned[file_id.as_str()];
            let to = (0..reviewers.len())
                .filter(|&i| may(i, org_id) && load[i] + 1 < load[from])
                .min_by_key(|&i| (load[i], i));
            if let Some(to) = to {
                load[from] -= 1;
                load[to] += 1;
                assigned.insert(file_id, to);
                moved = true;
            }
        }
        if !moved {
            break;
        }
    }
    Ok(assigned
        .into_iter()
        .map(|(file_id, i)| (file_id.to_owned(), reviewers[i].clone()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_organiser_launches_draws_concludes_or_withdraws_and_the_signature_summarises() {
        use ReviewCommand as C;
        use ReviewParty as P;
        use ReviewState as S;
        let mut arrows = Vec::new();
        for all in [AllConfirmed(false), AllConfirmed(true)] {
            arrows.extend([
                (all, S::Planned, P::Organiser, C::Launch, S::Registering),
                (all, S::Planned, P::Organiser, C::Withdraw, S::Withdrawn),
                (all, S::Registering, P::Organiser, C::Draw, S::Scoring),
                (all, S::Summarising, P::System, C::Summarise, S::Summarised),
            ]);
        }
        arrows.push((
            AllConfirmed(true),
            S::Scoring,
            P::Organiser,
            C::Conclude,
            S::Summarising,
        ));
        let cases = kernel::testing::check_table::<ReviewFlow>(&arrows, |rule, state, command| {
            kernel::testing::names_command_or_state(rule, state, command)
                || rule.contains("only")
                || rule.contains("signature")
                || rule.contains("nothing more")
                || rule.contains("confirmed")
        });
        assert_eq!(cases, 2 * 6 * 5 * 5);
    }

    #[test]
    fn a_file_is_submitted_by_its_reviewer_answered_by_its_body_and_confirmed_by_the_organiser() {
        use FileCommand as C;
        use FileParty as P;
        use FileState as S;
        let mut arrows = Vec::new();
        for open in [AnswerOpen(false), AnswerOpen(true)] {
            arrows.extend([
                (open, S::Scoring, P::Reviewer, C::Submit, S::Submitted),
                (open, S::Answered, P::Organiser, C::Confirm, S::Confirmed),
            ]);
        }
        arrows.push((
            AnswerOpen(true),
            S::Submitted,
            P::Reviewed,
            C::Answer,
            S::Answered,
        ));
        arrows.push((
            AnswerOpen(false),
            S::Submitted,
            P::Organiser,
            C::Confirm,
            S::Confirmed,
        ));
        let cases = kernel::testing::check_table::<FileFlow>(&arrows, |rule, state, command| {
            kernel::testing::names_command_or_state(rule, state, command)
                || rule.contains("only")
                || rule.contains("passed")
                || rule.contains("may still answer")
                || rule.contains("nothing more")
        });
        assert_eq!(cases, 2 * 6 * 4 * 3);
    }

    #[test]
    fn only_the_files_body_attaches_and_only_while_files_are_registered() {
        assert!(may_attach(ReviewState::Registering, true).is_ok());
        assert_eq!(
            may_attach(ReviewState::Registering, false)
                .unwrap_err()
                .rule
                .code,
            ATTACH_BY_ITS_BODY.code
        );
        for state in [
            ReviewState::Planned,
            ReviewState::Scoring,
            ReviewState::Summarised,
        ] {
            assert_eq!(
                may_attach(state, true).unwrap_err().rule.code,
                ATTACH_WHEN_REGISTERING.code
            );
        }
    }

    #[test]
    fn reviewers_are_one_or_two_active_people_of_the_reviewing_body_named_while_scoring() {
        let ids = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert!(Reviewers::parse(&ids(&["u1"])).is_ok());
        assert_eq!(
            Reviewers::parse(&ids(&[" u1 ", "u2"])).unwrap().ids(),
            ids(&["u1", "u2"])
        );
        for bad in [&[][..], &["u1", "u2", "u3"], &["u1", "u1"], &["u1", " "]] {
            assert_eq!(
                Reviewers::parse(&ids(bad)).unwrap_err().code,
                REVIEWERS_COUNT.code,
                "{bad:?}"
            );
        }
        let person = |org: Option<&'static str>, disabled| NamedPerson {
            org_id: org,
            name: "张三",
            disabled,
        };
        let code = |r: Result<(), NameRefused>| match r {
            Ok(()) => "ok".to_owned(),
            Err(NameRefused::Invalid(m)) => format!("400 {}", m.code().unwrap_or("-")),
            Err(NameRefused::Refused(r)) => format!("409 {}", r.rule.code),
        };
        let ok = Some(person(Some("market"), false));
        type People<'a> = Vec<(&'a str, Option<NamedPerson<'a>>)>;
        let table: &[(FileState, People, &str)] = &[
            (FileState::Scoring, vec![("u1", ok)], "ok"),
            (FileState::Scoring, vec![("u1", ok), ("u2", ok)], "ok"),
            (
                FileState::Scoring,
                vec![("u1", None)],
                "400 review_file.reviewer_unknown",
            ),
            (
                FileState::Scoring,
                vec![("u1", ok), ("u2", Some(person(Some("ecology"), false)))],
                "400 review_file.reviewer_of_body",
            ),
            (
                FileState::Scoring,
                vec![("u1", Some(person(None, false)))],
                "400 review_file.reviewer_of_body",
            ),
            (
                FileState::Scoring,
                vec![("u1", Some(person(Some("market"), true)))],
                "400 review_file.reviewer_of_body",
            ),
            (
                FileState::Submitted,
                vec![("u1", ok)],
                "409 review_file.name_when_scoring",
            ),
            (
                FileState::Confirmed,
                vec![("u1", ok)],
                "409 review_file.name_when_scoring",
            ),
            // A wrong list is wrong in any state.
            (
                FileState::Submitted,
                vec![("u1", None)],
                "400 review_file.reviewer_unknown",
            ),
        ];
        for (state, people, expected) in table {
            assert_eq!(
                code(may_name(*state, "market", people)),
                *expected,
                "{state:?} {people:?}"
            );
        }
        let named = ids(&["u1", "u2"]);
        assert!(may_submit(&[], "anyone").is_ok());
        assert!(may_submit(&named, "u2").is_ok());
        assert_eq!(
            may_submit(&named, "u3").unwrap_err().rule.code,
            SUBMIT_BY_NAMED.code
        );
    }

    #[test]
    fn a_bureau_names_bodies_it_supervises_and_a_department_those_of_its_field() {
        use Organiser::{Bureau, Department};
        let body = |organiser, in_reach| PlannedBody {
            name: "某单位",
            organiser,
            in_reach,
        };
        // (organiser, the body is the organiser, in its reach, the refusal's code or "ok").
        let table: &[(Organiser, bool, bool, &str)] = &[
            (Bureau, false, true, "ok"),
            (Bureau, false, false, "review.body_of_region"),
            // A bureau reviews itself no files: it reviews those no reviewing body is named for.
            (Bureau, true, true, "review.body_of_region"),
            (Department, false, true, "ok"),
            (Department, false, false, "review.body_of_field"),
            // A department reviews its own closed files (seed 004).
            (Department, true, true, "ok"),
        ];
        for (organiser, own, in_reach, expected) in table {
            let got = match may_plan_body(*organiser, body(*own, *in_reach)) {
                Ok(()) => "ok",
                Err(m) => m.code().unwrap_or("-"),
            };
            assert_eq!(
                got, *expected,
                "{organiser:?} own={own} in_reach={in_reach}"
            );
        }
        let refused = may_plan_body(Department, body(false, false)).unwrap_err();
        assert!(refused.to_string().contains("某单位"), "{refused}");
    }

    #[test]
    fn only_bureaus_and_enforcement_departments_organise_and_never_task_themselves() {
        for kind in OrgKind::ALL {
            let expected = match kind {
                OrgKind::JudicialBureau => Some(Organiser::Bureau),
                OrgKind::EnforcementDepartment => Some(Organiser::Department),
                _ => None,
            };
            assert_eq!(Organiser::of(*kind), expected, "{kind:?}");
        }
        assert_eq!(task_to("market", "unit"), Some("unit"));
        assert_eq!(task_to("market", "market"), None);
    }

    fn files() -> Vec<Candidate> {
        let mut files = Vec::new();
        for body in ["market", "ecology", "township"] {
            for n in 0..10 {
                files.push(Candidate {
                    id: format!("{body}-{n}"),
                    org_id: body.into(),
                    priority: n == 7,
                });
            }
        }
        files
    }

    #[test]
    fn a_random_draw_with_a_recorded_seed_draws_the_same_files_again_and_always_the_priority_ones()
    {
        let files = files();
        let first = draw(ReviewKind::Random, &files, Some(3), "seed-1");
        let again = draw(ReviewKind::Random, &files, Some(3), "seed-1");
        assert_eq!(first, again);
        // Three per body plus each body's priority file.
        assert_eq!(first.len(), 3 * 4);
        for body in ["market", "ecology", "township"] {
            assert!(first.contains(&format!("{body}-7")), "{first:?}");
            let of_body = first.iter().filter(|id| id.starts_with(body)).count();
            assert_eq!(of_body, 4);
        }
        // The order files were registered in does not matter.
        let mut shuffled = files.clone();
        shuffled.reverse();
        assert_eq!(
            draw(ReviewKind::Random, &shuffled, Some(3), "seed-1"),
            first
        );
        // Another seed draws others (for this data: checked, not assumed).
        assert_ne!(draw(ReviewKind::Random, &files, Some(3), "seed-2"), first);
        // The rank is SHA-256 of "seed:id", as anyone can recompute.
        assert_eq!(rank("abc", "f1"), hex::encode(Sha256::digest(b"abc:f1")));
    }

    #[test]
    fn each_kind_draws_its_files() {
        let files = files();
        assert_eq!(draw(ReviewKind::Comprehensive, &files, None, "s").len(), 30);
        assert_eq!(draw(ReviewKind::Cross, &files, None, "s").len(), 30);
        assert_eq!(draw(ReviewKind::Cross, &files, Some(2), "s").len(), 9);
        // 重点 without a sample: the priority files alone.
        let key = draw(ReviewKind::Key, &files, None, "s");
        assert_eq!(key.len(), 3);
        assert!(key.iter().all(|id| id.ends_with("-7")));
        // A sample larger than a body's files takes them all.
        assert_eq!(draw(ReviewKind::Random, &files, Some(50), "s").len(), 30);
    }

    #[test]
    fn a_cross_review_never_assigns_a_bodys_files_to_itself_and_spreads_the_load() {
        let reviewers: Vec<String> = ["market", "ecology", "township"]
            .iter()
            .map(|b| (*b).to_owned())
            .collect();
        let drawn: Vec<(String, String)> = files().into_iter().map(|f| (f.id, f.org_id)).collect();
        let assigned = assign(ReviewKind::Cross, &drawn, &reviewers, "bureau").unwrap();
        assert_eq!(assigned.len(), 30);
        for (file, org) in &drawn {
            assert_ne!(&assigned[file], org, "{file} reviewed by its own body");
        }
        for reviewer in &reviewers {
            let load = assigned.values().filter(|r| *r == reviewer).count();
            assert_eq!(load, 10, "{reviewer}");
        }
        // Uneven bodies (the market department's 20 files go to the other two).
        let uneven: Vec<(String, String)> = [("market", 20), ("ecology", 3), ("township", 7)]
            .iter()
            .flat_map(|(b, n)| (0..*n).map(move |i| (format!("{b}-{i}"), (*b).to_owned())))
            .collect();
        let assigned = assign(ReviewKind::Cross, &uneven, &reviewers, "bureau").unwrap();
        let loads: Vec<usize> = reviewers
            .iter()
            .map(|r| assigned.values().filter(|a| *a == r).count())
            .collect();
        // No single move evens it further: no body that may review a file holds two fewer.
        for (file, org) in &uneven {
            assert_ne!(&assigned[file], org);
            let holder = reviewers.iter().position(|r| *r == assigned[file]).unwrap();
            for (i, reviewer) in reviewers.iter().enumerate() {
                assert!(
                    reviewer == org || loads[i] + 1 >= loads[holder],
                    "{loads:?}"
                );
            }
        }
        // A body that is the only reviewer cannot review its own files.
        let alone = vec!["market".to_owned()];
        let refused = assign(ReviewKind::Cross, &drawn, &alone, "bureau").unwrap_err();
        assert_eq!(refused, "market");
        // Outside a cross review a body may review its own files; with no reviewers named
        // the organiser reviews all.
        assert!(assign(ReviewKind::Comprehensive, &drawn, &alone, "bureau").is_ok());
        let by_bureau = assign(ReviewKind::Random, &drawn, &[], "bureau").unwrap();
        assert!(by_bureau.values().all(|r| r == "bureau"));
    }
}
