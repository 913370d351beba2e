//! Case-file reviews (案卷评查) as operations: plan one, list and read them, launch, draw,
//! conclude or withdraw it; register a file; submit, answer and confirm a file's result.
//!
//! A review is a space (`db::reviews`). Who reads it, and what the caller is to it:
//!
//! - the organiser (its convener): a judicial bureau, of bodies of its region, or an
//!   enforcement department, of its own field (itself and the bodies under it by
//!   `parent_id`); everything; it gives every review command and confirms grades. A
//!   department may be a body of its own review: it is then told, tasked and made an observer
//!   as the organiser only (no task to itself, [`rules::task_to`]);
//! - a reviewed body: once launched (an observer); registers its files and reads them, their
//!   results once submitted, and answers them (申辩);
//! - a reviewing body: once launched; reads the files assigned to it and scores them on their
//!   live sheets (a document only it writes and only it and the organiser read); its admin may
//!   name one or two of its people a file's reviewers (评查人), who then alone write and submit
//!   that file's sheet;
//! - a judicial bureau whose region covers the organiser's (above a bureau; a department's
//!   own region's bureau and those above it): reads everything, acts on nothing;
//! - everyone else: "no case-file review with this id".
//!
//! A file's result is computed here from its frozen sheet: the submission freezes the sheet's
//! room (no reviewer's edit lands after it), reads the marks from that state and scores them
//! with the review's sheet (`domain::review_sheet`). A failing grade, once confirmed, becomes a
//! rectification task for the body in the same write. This module never writes SQL, decides
//! access itself (that is the policy) or encodes a rule of the machines (that is
//! [`crate::domain::review`]).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::notices::NoticePlan;
use super::region_stats::FigureFilter;
use super::tasks::{self, TaskPlan};
use super::{audit, own_org, Acting, Error};
use crate::auth::Caller;
use crate::db::{
    new_id, Audience, Drawn, Effects, FileAttachmentRow, FileChange, FileReviewerRow,
    NamedReviewers, NewEvent, NewReview, NewReviewFile, Review, ReviewChange, ReviewFileRow,
};
use crate::domain::calendar::TimeLimit;
use crate::domain::campaign::Period;
use crate::domain::kernel::{self, CommandOffer, Refused};
use crate::domain::notice::NoticeKind;
use crate::domain::org::SpaceRole;
use crate::domain::policy::{self, Action, SpaceAccess};
use crate::domain::review::{
    self as rules, AllConfirmed, AnswerOpen, CaseKind, FileAction, FileCommand, FileParty,
    FileState, NameRefused, NamedPerson, Organiser, ReviewAction, ReviewFlow, ReviewKind,
    ReviewParty, ReviewState, Reviewers,
};
use crate::domain::review_sheet::{Grade, Marks, Scored, Sheet, MAX_COUNT};
use crate::domain::task::TaskSource;
use crate::domain::text::{Line, Title};
use crate::services::{AccessChange, Services};

/// Working days a reviewed body has to answer when the organiser names none.
const DEFAULT_ANSWER_DAYS: u32 = 5;
/// Working days the bodies have to register their files, and the reviewing bodies to score
/// theirs, when the organiser names none.
const DEFAULT_STAGE_DAYS: u32 = 10;
/// Working days a failing file's body has to report its rectification.
const RECTIFICATION_DAYS: u32 = 15;

/// What a judicial bureau or an enforcement department gives to plan a review
/// (`POST /api/reviews`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateReview {
    /// `comprehensive` (全面), `key` (重点), `cross` (交叉) or `random` (随机抽查).
    pub kind: ReviewKind,
    /// 名称 (e.g. 2026年度行政执法案卷交叉评查).
    pub title: Title,
    /// The files closed from this day (`YYYY-MM-DD`, Beijing) are reviewed …
    pub starts_on: String,
    /// … to this day, inclusive.
    pub ends_on: String,
    /// The bodies whose files are reviewed (被评查单位), at least one: of a bureau's region
    /// (not the bureau), or of a department's own field (the department and the bodies under
    /// it).
    pub reviewed_org_ids: Vec<String>,
    /// The bodies that review (评查单位), within the same reach; at least two for a cross
    /// review; none: the organiser reviews every file itself.
    #[serde(default)]
    pub reviewer_org_ids: Vec<String>,
    /// Files drawn per body besides the priority ones: required for 随机抽查, optional for
    /// 重点 and 交叉 (1 to 1000).
    #[serde(default)]
    pub sample_per_body: Option<u32>,
    /// Working days a reviewed body has to answer a result (1 to 30; 5 if not given).
    #[serde(default)]
    pub answer_working_days: Option<u32>,
    /// Working days each reviewed body has to register its files from the launch (1 to 60;
    /// 10 if not given): a task to each, with the task machine's reminders, 催办 and 督办.
    #[serde(default)]
    pub register_working_days: Option<u32>,
    /// Working days each reviewing body has to score its files from the draw (1 to 60; 10 if
    /// not given): a task to each, likewise.
    #[serde(default)]
    pub score_working_days: Option<u32>,
    /// The scoring sheet; the default 行政执法案卷评查表（通用） if not given.
    #[serde(default)]
    pub sheet: Option<Sheet>,
}

/// A file a reviewed body registers (`POST /api/reviews/{id}/files`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterFile {
    /// 案号, e.g. 上市监罚〔2026〕12号.
    pub case_number: Line,
    pub case_kind: CaseKind,
    /// 案由.
    pub title: Title,
    /// 结案日期 `YYYY-MM-DD`, within the review's period.
    pub closed_on: String,
    /// 引发行政复议.
    #[serde(default)]
    pub reconsidered: bool,
    /// 引发行政诉讼.
    #[serde(default)]
    pub litigated: bool,
    /// 引发检察监督.
    #[serde(default)]
    pub procuratorial: bool,
}

/// The people (评查人) an admin of a file's reviewing body names to score it
/// (`PUT /api/reviews/{id}/files/{file}/reviewers`), at the file's revision the caller read.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NameReviewers {
    pub revision: i64,
    /// One or two people of the reviewing body, by user id; they replace those named before.
    pub user_ids: Vec<String>,
}

/// A named reviewer of a file.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FileReviewerBody {
    pub user_id: String,
    pub name: String,
}

/// A body named in a review.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewBodyBody {
    pub org_id: String,
    pub name: String,
    /// How many files it registered (reviewed bodies) or was assigned (reviewing bodies).
    pub files: usize,
}

/// One file as its reader sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewFileBody {
    pub id: String,
    pub org_id: String,
    pub org_name: String,
    pub case_number: String,
    pub case_kind: CaseKind,
    pub case_kind_label_zh: &'static str,
    pub case_kind_label_en: &'static str,
    pub title: String,
    pub closed_on: String,
    pub reconsidered: bool,
    pub litigated: bool,
    pub procuratorial: bool,
    /// Always drawn: it led to reconsideration, litigation or procuratorial supervision.
    pub priority: bool,
    pub state: FileState,
    pub state_label_zh: &'static str,
    pub state_label_en: &'static str,
    pub revision: i64,
    pub reviewer_org_id: Option<String>,
    pub reviewer_name: Option<String>,
    /// The live scoring sheet: given to its reviewing body and the organiser alone.
    pub sheet_doc_id: Option<String>,
    /// The people of the reviewing body named to score it (评查人): once any are, only they
    /// write its sheet and submit it. Empty: the whole reviewing body does.
    pub reviewers: Vec<FileReviewerBody>,
    /// The submitted result (each item, the total, the grade it gives).
    pub result: Option<Scored>,
    pub computed_grade_label_zh: Option<&'static str>,
    pub submitted_at: Option<i64>,
    /// Until when the reviewed body may answer.
    pub answer_due_at: Option<i64>,
    pub answer: Option<String>,
    pub answered_at: Option<i64>,
    pub grade: Option<Grade>,
    pub grade_label_zh: Option<&'static str>,
    pub grade_label_en: Option<&'static str>,
    pub grade_reason: Option<String>,
    pub confirmed_at: Option<i64>,
    /// The rectification task a failing file became.
    pub task_id: Option<String>,
    pub registered_at: i64,
    /// The scanned file (电子卷宗), as attachments with their SHA-256.
    pub attachments: Vec<FileAttachmentBody>,
    /// The library case (典型案例) made of it, for those who read the case.
    pub library_case_id: Option<String>,
    /// What the caller may do to the file now.
    pub commands: Vec<CommandOffer>,
}

/// An attachment of a file: the scanned file, with its SHA-256, who added it and when.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FileAttachmentBody {
    pub id: String,
    pub file_name: String,
    pub media_type: String,
    pub size: i64,
    /// Hex SHA-256 of the bytes as stored: what a reader checks a copy against.
    pub sha256: String,
    pub attached_by_name: Option<String>,
    pub attached_at: i64,
}

impl From<FileAttachmentRow> for FileAttachmentBody {
    fn from(row: FileAttachmentRow) -> FileAttachmentBody {
        FileAttachmentBody {
            id: row.id,
            file_name: row.file_name,
            media_type: row.media_type,
            size: row.size,
            sha256: row.sha256,
            attached_by_name: row.attached_by_name,
            attached_at: row.attached_at,
        }
    }
}

/// A review as its reader sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewBody {
    pub id: String,
    pub kind: ReviewKind,
    pub kind_label_zh: &'static str,
    pub kind_label_en: &'static str,
    pub title: String,
    pub starts_on: String,
    pub ends_on: String,
    pub sample_per_body: Option<i64>,
    pub answer_working_days: i64,
    /// Working days to register files (from the launch) and to score them (from the draw).
    pub register_working_days: i64,
    pub score_working_days: i64,
    pub state: ReviewState,
    pub state_label_zh: &'static str,
    pub state_label_en: &'static str,
    pub revision: i64,
    pub bureau_org_id: String,
    pub bureau_name: String,
    pub reviewed: Vec<ReviewBodyBody>,
    pub reviewers: Vec<ReviewBodyBody>,
    /// The scoring sheet it uses, and the SHA-256 of its JSON as stored.
    pub sheet: Sheet,
    pub sheet_sha256: String,
    /// The draw's seed: with the registered files anyone can draw again and check.
    pub seed: Option<String>,
    pub drawn_at: Option<i64>,
    /// The live summary report (open it on the document socket; sign it under `summary`).
    pub summary_doc_id: String,
    pub launched_at: Option<i64>,
    pub concluded_at: Option<i64>,
    /// When its signed summary filed it (报备), and with which bureau (none at the top).
    pub summarised_at: Option<i64>,
    pub reported_to_org_id: Option<String>,
    pub reported_to_name: Option<String>,
    pub reason: Option<String>,
    pub created_at: i64,
    /// The caller's part: `organiser`, `reviewed`, `reviewer` or `supervisor`.
    pub party: ReviewParty,
    pub commands: Vec<CommandOffer>,
    /// The files the caller may read: given when one review is read, not in lists.
    pub files: Option<Vec<ReviewFileBody>>,
}

/// Reviews (`GET /api/reviews`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewPage {
    pub reviews: Vec<ReviewBody>,
}

fn not_found() -> Error {
    Error::NotFound(rules::NO_SUCH_REVIEW.message())
}

pub(super) fn no_file() -> Error {
    Error::NotFound(rules::NO_SUCH_FILE.message())
}

/// The subject of a review's events, notices and tasks: `review:<id>`.
pub(crate) fn subject(id: &str) -> String {
    format!("review:{id}")
}

fn refused(refused: Refused) -> Error {
    Error::refused(refused.message())
}

/// The caller's part in the review, if any.
fn party_of(caller: &Caller, review: &Review) -> Option<ReviewParty> {
    match policy::space_access(&caller.actor, &review.facts()) {
        SpaceAccess::Participate(SpaceRole::Convener) => Some(ReviewParty::Organiser),
        SpaceAccess::Participate(_) => {
            Some(match caller.actor.org.as_ref().map(|o| o.id.as_str()) {
                Some(org) if review.reviews(org) => ReviewParty::Reviewed,
                _ => ReviewParty::Reviewer,
            })
        }
        SpaceAccess::Supervise => Some(ReviewParty::Supervisor),
        SpaceAccess::None => None,
    }
}

/// The review and the caller's part in it, or "not found" for a body with none.
pub(super) async fn readable(
    services: &Services,
    caller: &Caller,
    id: &str,
) -> Result<(Review, ReviewParty), Error> {
    let review = services.db.review(id).await?.ok_or_else(not_found)?;
    let party = party_of(caller, &review).ok_or_else(not_found)?;
    if caller
        .allow(&services.db, Action::ReadSpace(review.facts()))
        .await
        .is_err()
    {
        return Err(not_found());
    }
    Ok((review, party))
}

/// The parts the caller's body has in one file.
pub(super) fn file_parties(
    caller: &Caller,
    review: &Review,
    file: &ReviewFileRow,
) -> Vec<FileParty> {
    let Some(org) = caller.actor.org.as_ref().map(|o| o.id.as_str()) else {
        return Vec::new();
    };
    let mut parties = Vec::new();
    if org == review.bureau_org_id {
        parties.push(FileParty::Organiser);
    }
    if file.reviewer_org_id.as_deref() == Some(org) {
        parties.push(FileParty::Reviewer);
    }
    if file.org_id == org {
        parties.push(FileParty::Reviewed);
    }
    parties
}

/// Whether the caller reads the file: the organiser and the bureaus above every file; a
/// body its own files and those assigned to it.
pub(super) fn reads_file(party: ReviewParty, parties: &[FileParty]) -> bool {
    matches!(party, ReviewParty::Organiser | ReviewParty::Supervisor) || !parties.is_empty()
}

/// Whether the reviewed body's time to answer still runs.
fn answer_open(file: &ReviewFileRow, now: i64) -> AnswerOpen {
    AnswerOpen(file.answer_due_at.is_some_and(|due| now <= due))
}

/// The party a command is given as: the one it belongs to when the caller holds it.
fn acting_party(parties: &[FileParty], command: FileCommand) -> FileParty {
    let wanted = match command {
        FileCommand::Submit => FileParty::Reviewer,
        FileCommand::Answer => FileParty::Reviewed,
        FileCommand::Confirm => FileParty::Organiser,
    };
    if parties.contains(&wanted) {
        wanted
    } else {
        parties.first().copied().unwrap_or(FileParty::Reader)
    }
}

/// What a file's body shows besides its row: the review's attachments and named reviewers
/// (each file takes its own), and who asks (a submit is offered to a named reviewer alone).
#[derive(Clone, Copy)]
pub(super) struct FileExtras<'a> {
    pub attachments: &'a [FileAttachmentRow],
    pub reviewers: &'a [FileReviewerRow],
    pub user_id: &'a str,
}

impl<'a> FileExtras<'a> {
    /// Nothing besides the row (a file just registered, a file in a list of figures).
    pub fn none(caller: &'a Caller) -> FileExtras<'a> {
        FileExtras {
            attachments: &[],
            reviewers: &[],
            user_id: &caller.actor.user_id,
        }
    }

    /// The named reviewers' ids of `file_id`.
    fn named(&self, file_id: &str) -> Vec<String> {
        self.reviewers
            .iter()
            .filter(|r| r.file_id == file_id)
            .map(|r| r.user_id.clone())
            .collect()
    }
}

pub(super) fn file_body(
    review: &Review,
    file: ReviewFileRow,
    extras: FileExtras<'_>,
    parties: &[FileParty],
    now: i64,
) -> Result<ReviewFileBody, Error> {
    let attachments = extras.attachments;
    let state = file.state()?;
    let kind = file.case_kind()?;
    let grade = file.grade()?;
    let computed = file.computed_grade()?;
    let open = answer_open(&file, now);
    let attachments = attachments
        .iter()
        .filter(|a| a.file_id == file.id)
        .cloned()
        .map(FileAttachmentBody::from)
        .collect();
    let commands = if review.state == ReviewState::Scoring {
        FileCommand::ALL
            .iter()
            .map(|&command| {
                let party = acting_party(parties, command);
                let named = extras.named(&file.id);
                let allowed =
                    rules::file_transition(open, state, party, command).and_then(
                        |_| match command {
                            FileCommand::Submit => rules::may_submit(&named, extras.user_id),
                            _ => Ok(()),
                        },
                    );
                CommandOffer::new(
                    command.as_str(),
                    command.label_zh(),
                    command.label_en(),
                    allowed,
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let sees_sheet =
        parties.contains(&FileParty::Organiser) || parties.contains(&FileParty::Reviewer);
    let result = match &file.result {
        Some(json) => Some(
            serde_json::from_str::<Scored>(json)
                .map_err(|_| Error::internal("stored review result is invalid"))?,
        ),
        None => None,
    };
    Ok(ReviewFileBody {
        priority: file.priority(),
        case_kind: kind,
        case_kind_label_zh: kind.label_zh(),
        case_kind_label_en: kind.label_en(),
        state,
        state_label_zh: state.label_zh(),
        state_label_en: state.label_en(),
        sheet_doc_id: file.sheet_doc_id.filter(|_| sees_sheet),
        reviewers: extras
            .reviewers
            .iter()
            .filter(|r| r.file_id == file.id)
            .map(|r| FileReviewerBody {
                user_id: r.user_id.clone(),
                name: r.name.clone(),
            })
            .collect(),
        result,
        computed_grade_label_zh: computed.map(Grade::label_zh),
        grade,
        grade_label_zh: grade.map(Grade::label_zh),
        grade_label_en: grade.map(Grade::label_en),
        id: file.id,
        org_id: file.org_id,
        org_name: file.org_name,
        case_number: file.case_number,
        title: file.title,
        closed_on: file.closed_on,
        reconsidered: file.reconsidered,
        litigated: file.litigated,
        procuratorial: file.procuratorial,
        revision: file.revision,
        reviewer_org_id: file.reviewer_org_id,
        reviewer_name: file.reviewer_name,
        submitted_at: file.submitted_at,
        answer_due_at: file.answer_due_at,
        answer: file.answer,
        answered_at: file.answered_at,
        grade_reason: file.grade_reason,
        confirmed_at: file.confirmed_at,
        task_id: file.task_id,
        registered_at: file.registered_at,
        attachments,
        library_case_id: None,
        commands,
    })
}

fn all_confirmed(files: &[ReviewFileRow]) -> AllConfirmed {
    AllConfirmed(
        files
            .iter()
            .all(|f| matches!(f.state.as_str(), "confirmed" | "not_drawn" | "registered")),
    )
}

fn body(
    review: Review,
    party: ReviewParty,
    all: &[ReviewFileRow],
    files: Option<Vec<ReviewFileBody>>,
) -> Result<ReviewBody, Error> {
    let sheet: Sheet = serde_json::from_str(&review.sheet)
        .map_err(|_| Error::internal("stored scoring sheet is invalid"))?;
    let count = |org: &str, reviewer: bool| {
        all.iter()
            .filter(|f| {
                if reviewer {
                    f.reviewer_org_id.as_deref() == Some(org)
                } else {
                    f.org_id == org
                }
            })
            .count()
    };
    let bodies = |rows: &[crate::db::ReviewBodyRow], reviewer: bool| {
        rows.iter()
            .map(|b| ReviewBodyBody {
                org_id: b.org_id.clone(),
                name: b.name.clone(),
                files: count(&b.org_id, reviewer),
            })
            .collect()
    };
    Ok(ReviewBody {
        commands: kernel::offers::<ReviewFlow>(all_confirmed(all), review.state, party),
        kind_label_zh: review.kind.label_zh(),
        kind_label_en: review.kind.label_en(),
        state_label_zh: review.state.label_zh(),
        state_label_en: review.state.label_en(),
        reviewed: bodies(&review.reviewed, false),
        reviewers: bodies(&review.reviewers, true),
        sheet,
        id: review.id,
        kind: review.kind,
        title: review.title,
        starts_on: review.starts_on,
        ends_on: review.ends_on,
        sample_per_body: review.sample_per_body,
        answer_working_days: review.answer_working_days,
        register_working_days: review.register_working_days,
        score_working_days: review.score_working_days,
        state: review.state,
        revision: review.revision,
        bureau_org_id: review.bureau_org_id,
        bureau_name: review.bureau_name,
        sheet_sha256: review.sheet_sha256,
        seed: review.seed,
        drawn_at: review.drawn_at,
        summary_doc_id: review.summary_doc_id,
        summarised_at: review.summarised_at,
        reported_to_org_id: review.reported_to_org_id,
        reported_to_name: review.reported_to_name,
        launched_at: review.launched_at,
        concluded_at: review.concluded_at,
        reason: review.reason,
        created_at: review.created_at,
        party,
        files,
    })
}

/// The review with the files the caller reads.
async fn full(
    services: &Services,
    caller: &Caller,
    review: Review,
    party: ReviewParty,
) -> Result<ReviewBody, Error> {
    let now = services.clock.now_ms();
    let all = services.db.review_files(&review.id).await?;
    let attachments = services.db.review_attachments(&review.id).await?;
    let reviewers = services.db.review_file_reviewers(&review.id).await?;
    let extras = FileExtras {
        attachments: &attachments,
        reviewers: &reviewers,
        user_id: &caller.actor.user_id,
    };
    // The library cases made of its files, named to the organiser and each file's body (the
    // case's own readers otherwise find it in the library once published).
    let own = caller.actor.org.as_ref().map(|o| o.id.as_str());
    let cases: Vec<_> = services
        .db
        .library_cases_of_review(&review.id)
        .await?
        .into_iter()
        .filter(|c| own == Some(c.bureau_org_id.as_str()) || own == Some(c.body_org_id.as_str()))
        .collect();
    let mut files = Vec::new();
    for file in &all {
        let parties = file_parties(caller, &review, file);
        if reads_file(party, &parties) {
            let mut body = file_body(&review, file.clone(), extras, &parties, now)?;
            body.library_case_id = cases
                .iter()
                .find(|c| c.file_id == file.id)
                .map(|c| c.id.clone());
            files.push(body);
        }
    }
    body(review, party, &all, Some(files))
}

/// Who plans a review and what it may name: a bureau the bodies it supervises, a department
/// those of its own field (`field`: itself and the bodies under it by `parent_id`).
struct Planner<'a> {
    organiser: Organiser,
    id: &'a str,
    field: BTreeSet<String>,
}

/// Checks the bodies named in a plan ([`rules::may_plan_body`]): each found and within the
/// organiser's reach, else refused (400) naming it.
async fn bodies_in_reach(
    services: &Services,
    caller: &Caller,
    planner: &Planner<'_>,
    field: &'static str,
    ids: &[String],
) -> Result<Vec<String>, Error> {
    let wanted: BTreeSet<&String> = ids.iter().collect();
    let mut bodies = Vec::new();
    for org_id in wanted {
        let org = services.db.org(org_id).await?;
        let in_reach = match (&org, planner.organiser) {
            (None, _) => false,
            (Some(_), Organiser::Department) => planner.field.contains(org_id),
            (Some(org), Organiser::Bureau) => caller
                .allow(
                    &services.db,
                    Action::IssueSupervision {
                        body_region: &org.region_path,
                    },
                )
                .await
                .is_ok(),
        };
        let name = org
            .as_ref()
            .map_or_else(|| format!("{org_id:?}"), |o| o.name_zh.to_string());
        let body = rules::PlannedBody {
            name: &name,
            organiser: org_id == planner.id,
            in_reach,
        };
        rules::may_plan_body(planner.organiser, body).map_err(|why| Error::invalid(field, why))?;
        bodies.push(org_id.clone());
    }
    Ok(bodies)
}

/// The scoring sheet that ships (行政执法案卷评查表（通用）), for a bureau to adjust before it
/// plans a review with it: the very sheet a plan without `sheet` uses.
pub async fn default_sheet(services: &Services, caller: &Caller) -> Result<Sheet, Error> {
    caller.allow(&services.db, Action::ReadReviewSheets).await?;
    Ok(Sheet::default_sheet())
}

/// The files of a body reviewed in a period (`GET /api/reviews/files`): the list behind
/// 评查案卷数 and 不合格案卷数 of the region's figures.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReviewedFilesQuery<'a> {
    /// The body and the period (the caller's own body, the current year, when not given).
    pub figure: FigureFilter<'a>,
    /// Only those confirmed 不合格.
    pub failed: bool,
}

/// A file whose grade was confirmed, with the review it was confirmed in (its attachments not
/// listed: the review's page gives them).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewedFile {
    pub review_id: String,
    pub review_title: String,
    pub bureau_name: String,
    pub file: ReviewFileBody,
}

/// The files of a body reviewed in a period, newest confirmation first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewedFilesPage {
    pub files: Vec<ReviewedFile>,
}

/// The files of the body whose grade a review confirmed in the period, of the reviews and
/// files the caller reads (as [`show`] gives them): what the region's figures count.
pub async fn reviewed_files(
    services: &Services,
    caller: &Caller,
    query: ReviewedFilesQuery<'_>,
) -> Result<ReviewedFilesPage, Error> {
    let mut files = Vec::new();
    let (Some(of), Some(viewer)) = (
        query.figure.resolve(services, caller)?,
        policy::viewer(&caller.actor),
    ) else {
        return Ok(ReviewedFilesPage { files });
    };
    let mut reviews: Vec<(Review, ReviewParty)> = Vec::new();
    for row in services
        .db
        .reviewed_files(&viewer, &of, query.failed)
        .await?
    {
        if !reviews.iter().any(|(r, _)| r.id == row.review_id) {
            let Some(review) = services.db.review(&row.review_id).await? else {
                continue;
            };
            let Some(party) = party_of(caller, &review) else {
                continue;
            };
            if policy::decide(&caller.actor, &Action::ReadSpace(review.facts())).is_err() {
                continue;
            }
            reviews.push((review, party));
        }
        let Some((review, party)) = reviews.iter().find(|(r, _)| r.id == row.review_id) else {
            continue;
        };
        let parties = file_parties(caller, review, &row);
        if !reads_file(*party, &parties) {
            continue;
        }
        files.push(ReviewedFile {
            review_id: review.id.clone(),
            review_title: review.title.clone(),
            bureau_name: review.bureau_name.clone(),
            file: file_body(review, row, FileExtras::none(caller), &parties, of.now)?,
        });
    }
    Ok(ReviewedFilesPage { files })
}

/// Plans a review of the caller's body: a bureau's over bodies of its region, an enforcement
/// department's over its own field.
pub async fn create(
    services: &Services,
    caller: &Caller,
    input: CreateReview,
) -> Result<ReviewBody, Error> {
    caller.allow(&services.db, Action::CreateSpace).await?;
    // A bureau or an enforcement department (stored as the review's `bureau_org_id`).
    let own_id = own_org(caller, "organise a case-file review")?.to_owned();
    let own = services.db.org(&own_id).await?.ok_or_else(not_found)?;
    let Some(organiser) = Organiser::of(own.kind) else {
        return Err(Error::refused(rules::MADE_BY_AN_ORGANISER.message()));
    };
    let planner = Planner {
        organiser,
        id: &own.id,
        field: match organiser {
            Organiser::Department => services.db.org_field(&own.id).await?.into_iter().collect(),
            Organiser::Bureau => BTreeSet::new(),
        },
    };
    let period = Period::parse(&input.starts_on, &input.ends_on)
        .map_err(|(field, why)| Error::invalid(field, why))?;
    if input.reviewed_org_ids.is_empty() {
        return Err(Error::invalid(
            "reviewed_org_ids",
            rules::REVIEWS_BODIES.message(),
        ));
    }
    if let Some(n) = input.sample_per_body {
        if !(1..=1000).contains(&n) {
            return Err(Error::invalid(
                "sample_per_body",
                rules::SAMPLE_NEEDED.message(),
            ));
        }
    } else if input.kind == ReviewKind::Random {
        return Err(Error::invalid(
            "sample_per_body",
            rules::SAMPLE_NEEDED.message(),
        ));
    }
    let answer_days = input.answer_working_days.unwrap_or(DEFAULT_ANSWER_DAYS);
    if !(1..=30).contains(&answer_days) {
        return Err(Error::invalid(
            "answer_working_days",
            rules::ANSWER_DAYS.message(),
        ));
    }
    let register_days = input.register_working_days.unwrap_or(DEFAULT_STAGE_DAYS);
    let score_days = input.score_working_days.unwrap_or(DEFAULT_STAGE_DAYS);
    for (field, days) in [
        ("register_working_days", register_days),
        ("score_working_days", score_days),
    ] {
        if !(1..=60).contains(&days) {
            return Err(Error::invalid(field, rules::STAGE_DAYS.message()));
        }
    }
    let sheet = input.sheet.unwrap_or_else(Sheet::default_sheet);
    sheet.check().map_err(|why| Error::invalid("sheet", why))?;
    let reviewed = bodies_in_reach(
        services,
        caller,
        &planner,
        "reviewed_org_ids",
        &input.reviewed_org_ids,
    )
    .await?;
    let reviewers = bodies_in_reach(
        services,
        caller,
        &planner,
        "reviewer_org_ids",
        &input.reviewer_org_ids,
    )
    .await?;
    if input.kind == ReviewKind::Cross && reviewers.len() < 2 {
        return Err(Error::invalid(
            "reviewer_org_ids",
            rules::CROSS_NEEDS_REVIEWERS.message(),
        ));
    }
    let sheet_json =
        serde_json::to_string(&sheet).map_err(|_| Error::internal("sheet not serialisable"))?;
    let now = services.clock.now_ms();
    let new = NewReview {
        id: new_id(),
        kind: input.kind,
        title: input.title.into_string(),
        starts_on: period.starts(),
        ends_on: period.ends(),
        sample_per_body: input.sample_per_body,
        answer_working_days: answer_days,
        register_working_days: register_days,
        score_working_days: score_days,
        sheet_sha256: hex::encode(Sha256::digest(sheet_json.as_bytes())),
        sheet: sheet_json,
        bureau_org_id: own.id.clone(),
        region: own.region.clone(),
        reviewed,
        reviewers,
        created_by: caller.actor.user_id.clone(),
    };
    let effects = Effects {
        audit: vec![audit(
            caller,
            now,
            "review_planned",
            subject(&new.id),
            json!({ "kind": new.kind, "title": new.title, "reviewed": new.reviewed.len(),
                    "reviewers": new.reviewers.len(), "sheet_sha256": new.sheet_sha256 }),
        )],
        ..Effects::default()
    };
    let review = services.db.create_review(&new, now, &effects).await?;
    body(review, ReviewParty::Organiser, &[], Some(Vec::new()))
}

/// The reviews the caller may read, newest first.
pub async fn list(services: &Services, caller: &Caller) -> Result<ReviewPage, Error> {
    let Some(viewer) = policy::viewer(&caller.actor) else {
        return Ok(ReviewPage {
            reviews: Vec::new(),
        });
    };
    let mut reviews = Vec::new();
    for review in services.db.reviews_visible(&viewer).await? {
        let Some(party) = party_of(caller, &review) else {
            continue;
        };
        if policy::decide(&caller.actor, &Action::ReadSpace(review.facts())).is_err() {
            continue;
        }
        reviews.push(body(review, party, &[], None)?);
    }
    Ok(ReviewPage { reviews })
}

/// One review, with the files the caller reads.
pub async fn show(services: &Services, caller: &Caller, id: &str) -> Result<ReviewBody, Error> {
    let (review, party) = readable(services, caller, id).await?;
    full(services, caller, review, party).await
}

/// A review command: launch (the bodies are told by a notice requiring 签收 and register
/// their files), draw (files drawn with a new seed, reviewing bodies assigned, sheets made),
/// conclude (every grade confirmed), withdraw.
pub async fn act(
    services: &Services,
    caller: &Caller,
    id: &str,
    action: ReviewAction,
) -> Result<ReviewBody, Error> {
    let (review, party) = readable(services, caller, id).await?;
    caller
        .allow(&services.db, Action::ActInSpace(review.facts()))
        .await?;
    if action.revision() != review.revision {
        return Err(Error::refused(
            rules::REVIEW_STALE.with("revision", review.revision),
        ));
    }
    let files = services.db.review_files(&review.id).await?;
    let state = rules::transition(all_confirmed(&files), review.state, party, action.command())
        .map_err(refused)?;
    let now = services.clock.now_ms();
    let mut bodies: Vec<String> = review
        .reviewed
        .iter()
        .chain(&review.reviewers)
        .map(|b| b.org_id.clone())
        .collect();
    bodies.sort();
    bodies.dedup();
    // A department among its own review's bodies is told and tasked as the organiser only.
    bodies.retain(|b| rules::task_to(&review.bureau_org_id, b).is_some());
    let mut effects = Effects::default();
    let mut change = ReviewChange {
        id: review.id.clone(),
        expected_revision: review.revision,
        state,
        launch_notice_id: None,
        reason: None,
        draw: None,
    };
    let mut detail = json!({ "state": state });
    match &action {
        ReviewAction::Launch { .. } => {
            let period = super::campaigns::period_words_of(&review.starts_on, &review.ends_on);
            let plan = NoticePlan {
                sender_org_id: review.bureau_org_id.clone(),
                created_by: caller.actor.user_id.clone(),
                acting: Acting::of(caller),
                kind: NoticeKind::Information,
                title: format!("关于开展{}的通知", review.title)
                    .chars()
                    .take(super::MAX_TITLE_CHARS)
                    .collect(),
                body: format!(
                    "{}决定开展{}，评查{}结案的行政执法案卷。被评查单位请签收，并在本系统登记本单位该期间的结案案卷（引发行政复议、行政诉讼或检察监督的案卷必须登记，一律纳入评查）；评查单位请签收，待抽取分配后在线评查。",
                    review.bureau_name,
                    review.kind.label_zh(),
                    period,
                ),
                subject: Some(subject(&review.id)),
                requires_ack: true,
                requires_reply: false,
                reply_due_at: None,
                recipients: bodies.clone(),
            };
            let (notice, notice_effects) = super::notices::plan_notice(services, now, plan).await?;
            change.launch_notice_id = Some(notice.id.clone());
            effects.send_notice(notice);
            effects.merge(notice_effects);
            let tasked = review
                .reviewed
                .iter()
                .filter_map(|b| rules::task_to(&review.bureau_org_id, &b.org_id));
            for body in tasked {
                let body_text = format!(
                    "请在期限内于本系统登记本单位{}结案的行政执法案卷（案号、类别、案由、结案日期，是否引发行政复议、行政诉讼或检察监督），并上传电子卷宗。",
                    period,
                );
                let title = format!("案卷评查：登记结案案卷（{}）", review.title);
                let days = review.register_working_days;
                let plan = stage_plan(caller, &review, body, title, body_text, days);
                set_task_in(services, now, plan, &mut effects).await?;
            }
        }
        ReviewAction::Draw { .. } => {
            let drawn = draw(&review, &files)?;
            let mut load: std::collections::BTreeMap<&str, usize> = Default::default();
            for (_, reviewer, _) in &drawn.files {
                if let Some(reviewer) = rules::task_to(&review.bureau_org_id, reviewer) {
                    *load.entry(reviewer).or_default() += 1;
                }
            }
            for (reviewer, count) in load {
                let body_text = format!(
                    "本单位承担{}中 {} 件案卷的评查，请在期限内在本系统逐卷对照评查表评分并提交。",
                    review.title, count,
                );
                let title = format!("案卷评查：完成评分（{}）", review.title);
                let days = review.score_working_days;
                let plan = stage_plan(caller, &review, reviewer, title, body_text, days);
                set_task_in(services, now, plan, &mut effects).await?;
            }
            detail["seed"] = json!(drawn.seed);
            detail["drawn"] = json!(drawn.files.len());
            detail["registered"] = json!(files.len());
            change.draw = Some(drawn);
        }
        ReviewAction::Conclude { .. } => {}
        ReviewAction::Withdraw { reason, .. } => {
            change.reason = Some(reason.as_str().to_owned());
            bodies.clear();
        }
    }
    let event = format!("review.{}", state_event(state));
    let payload = json!({
        "review_id": review.id,
        "title": review.title,
        "kind": review.kind,
        "state": state,
    });
    effects.events.extend(
        std::iter::once(review.bureau_org_id.clone())
            .chain(bodies)
            .map(|org_id| NewEvent {
                audience: Audience::Org(org_id),
                kind: event.clone(),
                subject: subject(&review.id),
                payload: payload.clone(),
            }),
    );
    effects.audit.push(audit(
        caller,
        now,
        &format!("review_{}", action.command().as_str()),
        subject(&review.id),
        detail,
    ));
    let review = services.db.change_review(&change, now, &effects).await?;
    services.wake();
    if change.draw.is_some() {
        // The drawn files' sheets exist now: whoever holds the space open learns it.
        services.access.announce(AccessChange {
            space_id: Some(review.id.clone()),
            ..AccessChange::default()
        });
    }
    full(services, caller, review, party).await
}

/// A stage of the review owed by one body as a task of the task machine (source
/// `supervision`, `source_ref` `review:<id>`, dispatched at once, its clock in working days):
/// reminders, 催办 and 督办 come from the task machine.
fn stage_plan(
    caller: &Caller,
    review: &Review,
    org_id: &str,
    title: String,
    body: String,
    days: i64,
) -> TaskPlan {
    TaskPlan {
        setter_org_id: review.bureau_org_id.clone(),
        created_by: caller.actor.user_id.clone(),
        acting: Acting::of(caller),
        title: title.chars().take(super::MAX_TITLE_CHARS).collect(),
        body,
        feedback_required: None,
        source: TaskSource::Supervision,
        source_ref: Some(subject(&review.id)),
        assignee_org_id: org_id.to_owned(),
        limit: Some(TimeLimit::WorkingDays(
            u32::try_from(days).unwrap_or(DEFAULT_STAGE_DAYS),
        )),
        due_at: None,
        dispatch: true,
    }
}

/// Sets the planned task in the write of `effects` (it exists exactly when the write
/// commits); its id.
async fn set_task_in(
    services: &Services,
    now: i64,
    plan: TaskPlan,
    effects: &mut Effects,
) -> Result<String, Error> {
    let (task, entry, task_effects) = tasks::plan_task(services, now, plan).await?;
    let id = task.id.clone();
    effects.merge(task_effects);
    effects.set_task(task, entry);
    Ok(id)
}

/// The word of a review's event for the state it reached.
fn state_event(state: ReviewState) -> &'static str {
    match state {
        ReviewState::Registering => "launched",
        ReviewState::Scoring => "drawn",
        ReviewState::Summarising => "concluded",
        ReviewState::Summarised => "summarised",
        ReviewState::Withdrawn => "withdrawn",
        ReviewState::Planned => "planned",
    }
}

/// Draws the files with a fresh seed and assigns their reviewing bodies.
fn draw(review: &Review, files: &[ReviewFileRow]) -> Result<Drawn, Error> {
    if files.is_empty() {
        return Err(Error::refused(rules::NOTHING_DRAWN.message()));
    }
    let seed = hex::encode(rand::random::<[u8; 16]>());
    let candidates: Vec<rules::Candidate> = files
        .iter()
        .map(|f| rules::Candidate {
            id: f.id.clone(),
            org_id: f.org_id.clone(),
            priority: f.priority(),
        })
        .collect();
    let sample = review.sample_per_body.map(|n| n as u32);
    let drawn = rules::draw(review.kind, &candidates, sample, &seed);
    let in_order: Vec<(String, String)> = files
        .iter()
        .filter(|f| drawn.contains(&f.id))
        .map(|f| (f.id.clone(), f.org_id.clone()))
        .collect();
    let reviewers: Vec<String> = review.reviewers.iter().map(|b| b.org_id.clone()).collect();
    let assigned = rules::assign(review.kind, &in_order, &reviewers, &review.bureau_org_id)
        .map_err(|org_id| {
            let name = files
                .iter()
                .find(|f| f.org_id == org_id)
                .map_or(org_id.as_str(), |f| f.org_name.as_str());
            Error::refused(rules::NO_REVIEWER_FOR.with("name", name))
        })?;
    let files = files
        .iter()
        .filter_map(|f| {
            assigned.get(&f.id).map(|reviewer| {
                let title = format!("评查表：{}（{}）", f.case_number, f.org_name);
                (f.id.clone(), reviewer.clone(), title)
            })
        })
        .collect();
    Ok(Drawn { seed, files })
}

/// A reviewed body registers one of its closed files.
pub async fn register_file(
    services: &Services,
    caller: &Caller,
    id: &str,
    input: RegisterFile,
) -> Result<ReviewFileBody, Error> {
    let (review, _) = readable(services, caller, id).await?;
    caller
        .allow(&services.db, Action::ActInSpace(review.facts()))
        .await?;
    let org = caller
        .actor
        .org
        .as_ref()
        .map(|o| o.id.clone())
        .unwrap_or_default();
    if !review.reviews(&org) {
        return Err(Error::refused(rules::REGISTER_OWN.message()));
    }
    if review.state != ReviewState::Registering {
        return Err(refused(Refused::in_state(
            &rules::REGISTER_WHEN_REGISTERING,
            review.state,
        )));
    }
    let closed = Period::parse(&input.closed_on, &input.closed_on)
        .map_err(|(_, why)| Error::invalid("closed_on", why))?;
    if closed.starts() < review.starts_on || closed.starts() > review.ends_on {
        return Err(Error::invalid(
            "closed_on",
            rules::CLOSED_IN_PERIOD
                .message()
                .with("from", &review.starts_on)
                .with("to", &review.ends_on),
        ));
    }
    let case_number = input.case_number.into_string();
    let files = services.db.review_files(&review.id).await?;
    if files
        .iter()
        .any(|f| f.org_id == org && f.case_number == case_number)
    {
        return Err(Error::refused(
            rules::CASE_NUMBER_TAKEN.with("number", &case_number),
        ));
    }
    let now = services.clock.now_ms();
    let new = NewReviewFile {
        id: new_id(),
        review_id: review.id.clone(),
        org_id: org.clone(),
        case_number,
        case_kind: input.case_kind,
        title: input.title.into_string(),
        closed_on: closed.starts(),
        reconsidered: input.reconsidered,
        litigated: input.litigated,
        procuratorial: input.procuratorial,
        registered_by: caller.actor.user_id.clone(),
    };
    let effects = Effects {
        audit: vec![audit(
            caller,
            now,
            "review_file_registered",
            subject(&review.id),
            json!({ "file_id": new.id, "case_number": new.case_number }),
        )],
        ..Effects::default()
    };
    let file = services
        .db
        .register_review_file(&new, now, &effects)
        .await?;
    let parties = file_parties(caller, &review, &file);
    file_body(&review, file, FileExtras::none(caller), &parties, now)
}

/// The review and the file, if the caller reads the file ("not found" otherwise).
pub(super) async fn file_readable(
    services: &Services,
    caller: &Caller,
    id: &str,
    file_id: &str,
) -> Result<(Review, ReviewFileRow), Error> {
    let (review, party) = readable(services, caller, id).await?;
    let file = services
        .db
        .review_file(file_id)
        .await?
        .filter(|f| f.review_id == review.id)
        .ok_or_else(no_file)?;
    if !reads_file(party, &file_parties(caller, &review, &file)) {
        return Err(no_file());
    }
    Ok((review, file))
}

/// A file command: submit (the sheet frozen and scored; the body may answer within the
/// limit), answer, confirm (a failing grade becomes a rectification task).
pub async fn act_on_file(
    services: &Services,
    caller: &Caller,
    id: &str,
    file_id: &str,
    action: FileAction,
) -> Result<ReviewFileBody, Error> {
    let (review, file) = file_readable(services, caller, id, file_id).await?;
    let parties = file_parties(caller, &review, &file);
    caller
        .allow(&services.db, Action::ActInSpace(review.facts()))
        .await?;
    if review.state != ReviewState::Scoring {
        return Err(refused(Refused::in_state(
            &rules::SUBMIT_WHEN_SCORING,
            review.state,
        )));
    }
    if action.revision() != file.revision {
        return Err(Error::refused(
            rules::FILE_STALE.with("revision", file.revision),
        ));
    }
    let now = services.clock.now_ms();
    let acting = acting_party(&parties, action.command());
    let to = rules::file_transition(
        answer_open(&file, now),
        file.state()?,
        acting,
        action.command(),
    )
    .map_err(refused)?;
    if action.command() == FileCommand::Submit {
        let named: Vec<String> = services
            .db
            .review_file_reviewers(&review.id)
            .await?
            .into_iter()
            .filter(|r| r.file_id == file.id)
            .map(|r| r.user_id)
            .collect();
        rules::may_submit(&named, &caller.actor.user_id).map_err(refused)?;
    }
    let mut change = FileChange {
        file_id: file.id.clone(),
        review_id: review.id.clone(),
        expected_revision: file.revision,
        state: to.as_str().to_owned(),
        ..FileChange::default()
    };
    let mut effects = Effects::default();
    let mut told = vec![review.bureau_org_id.clone()];
    let mut frozen = None;
    match &action {
        FileAction::Submit { .. } => {
            let doc_id = file
                .sheet_doc_id
                .clone()
                .ok_or_else(|| Error::internal("a drawn file has no sheet"))?;
            let doc = collab::DocId::parse(&doc_id)
                .map_err(|_| Error::internal("stored document id is invalid"))?;
            let freeze = services.rooms.freeze(&doc).await?;
            let scored = marks_of(&freeze.state.update_v1)
                .and_then(|marks| sheet_of(&review)?.score(&marks).map_err(Error::refused));
            let scored = match scored {
                Ok(scored) => scored,
                Err(e) => {
                    freeze.undo();
                    return Err(e);
                }
            };
            let days = u32::try_from(review.answer_working_days).unwrap_or(DEFAULT_ANSWER_DAYS);
            change.answer_due_at = Some(
                services
                    .calendar
                    .get()
                    .due_at(now, TimeLimit::WorkingDays(days)),
            );
            change.score = Some(i64::from(scored.total.0));
            change.computed_grade = Some(scored.grade);
            change.result = Some(
                serde_json::to_string(&scored)
                    .map_err(|_| Error::internal("result not serialisable"))?,
            );
            change.freeze_doc = Some(doc_id);
            told.push(file.org_id.clone());
            frozen = Some(freeze);
        }
        FileAction::Answer { answer, .. } => {
            change.answer = Some(answer.as_str().to_owned());
            told.extend(file.reviewer_org_id.clone());
        }
        FileAction::Confirm { grade, reason, .. } => {
            let computed = file.computed_grade()?;
            if computed != Some(*grade) && reason.is_none() {
                let words = computed.map_or("—", Grade::label_zh);
                return Err(Error::invalid(
                    "reason",
                    rules::GRADE_REASON.with("computed", words),
                ));
            }
            change.grade = Some(*grade);
            change.grade_reason = reason.as_ref().map(|r| r.as_str().to_owned());
            told.push(file.org_id.clone());
            let assignee = rules::task_to(&review.bureau_org_id, &file.org_id);
            if let (Grade::Fail, Some(assignee)) = (*grade, assignee) {
                let plan = TaskPlan {
                    setter_org_id: review.bureau_org_id.clone(),
                    created_by: caller.actor.user_id.clone(),
                    acting: Acting::of(caller),
                    title: format!("案卷评查整改：{}", file.case_number)
                        .chars()
                        .take(super::MAX_TITLE_CHARS)
                        .collect(),
                    body: format!(
                        "在{}中，贵单位案卷「{}」（{}）评为不合格。请对照评查结果逐项整改，并在期限内报送整改情况。",
                        review.title, file.title, file.case_number,
                    ),
                    feedback_required: Some("逐项整改情况及佐证材料".into()),
                    source: TaskSource::Supervision,
                    source_ref: Some(subject(&review.id)),
                    assignee_org_id: assignee.to_owned(),
                    limit: Some(TimeLimit::WorkingDays(RECTIFICATION_DAYS)),
                    due_at: None,
                    dispatch: true,
                };
                change.task_id = Some(set_task_in(services, now, plan, &mut effects).await?);
            }
        }
    }
    effects
        .events
        .extend(told.into_iter().map(|org_id| NewEvent {
            audience: Audience::Org(org_id),
            kind: format!("review.file_{}", to.as_str()),
            subject: subject(&review.id),
            payload: json!({ "review_id": review.id, "file_id": file.id, "state": to }),
        }));
    effects.audit.push(audit(
        caller,
        now,
        &format!("review_file_{}", action.command().as_str()),
        subject(&review.id),
        json!({ "file_id": file.id, "state": to, "score": change.score,
                "grade": change.grade.or(change.computed_grade), "task_id": change.task_id }),
    ));
    let written = services.db.change_review_file(&change, now, &effects).await;
    let updated = match (written, frozen) {
        (Ok(updated), frozen) => {
            drop(frozen);
            updated
        }
        (Err(e), Some(frozen)) => {
            frozen.undo();
            return Err(e.into());
        }
        (Err(e), None) => return Err(e.into()),
    };
    services.wake();
    if change.freeze_doc.is_some() {
        services.access.announce(AccessChange {
            space_id: Some(review.id.clone()),
            ..AccessChange::default()
        });
    }
    file_body_now(services, caller, &review, updated, now).await
}

/// One file's body after a change, with the review's attachments and named reviewers.
async fn file_body_now(
    services: &Services,
    caller: &Caller,
    review: &Review,
    file: ReviewFileRow,
    now: i64,
) -> Result<ReviewFileBody, Error> {
    let parties = file_parties(caller, review, &file);
    let attachments = services.db.review_attachments(&review.id).await?;
    let reviewers = services.db.review_file_reviewers(&review.id).await?;
    let extras = FileExtras {
        attachments: &attachments,
        reviewers: &reviewers,
        user_id: &caller.actor.user_id,
    };
    file_body(review, file, extras, &parties, now)
}

/// Names the people (评查人) of the file's reviewing body who alone write its live sheet and
/// submit it: by an admin of that body (the policy's `NameReviewers`), one or two of its
/// active people, while the file is scored. Whoever has the sheet open is re-checked at once,
/// so a person no longer named loses write on the open socket.
pub async fn name_reviewers(
    services: &Services,
    caller: &Caller,
    id: &str,
    file_id: &str,
    input: NameReviewers,
) -> Result<ReviewFileBody, Error> {
    let (review, file) = file_readable(services, caller, id, file_id).await?;
    let Some(body) = file.reviewer_org_id.clone() else {
        return Err(refused(Refused::in_state(
            &rules::NAME_WHEN_SCORING,
            file.state()?,
        )));
    };
    caller
        .allow(&services.db, Action::NameReviewers { org_id: &body })
        .await?;
    let people = Reviewers::parse(&input.user_ids)
        .map_err(|phrase| Error::invalid("user_ids", phrase.message()))?;
    let mut found = Vec::new();
    for user_id in people.ids() {
        found.push((user_id.as_str(), services.db.user(user_id).await?));
    }
    let facts: Vec<(&str, Option<NamedPerson<'_>>)> = found
        .iter()
        .map(|(id, user)| {
            let person = user.as_ref().map(|u| NamedPerson {
                org_id: u.org_id.as_deref(),
                name: u.display_name.as_str(),
                disabled: u.disabled,
            });
            (*id, person)
        })
        .collect();
    rules::may_name(file.state()?, &body, &facts).map_err(|why| match why {
        NameRefused::Invalid(message) => Error::invalid("user_ids", message),
        NameRefused::Refused(refusal) => refused(refusal),
    })?;
    if review.state != ReviewState::Scoring {
        return Err(refused(Refused::in_state(
            &rules::SUBMIT_WHEN_SCORING,
            review.state,
        )));
    }
    if input.revision != file.revision {
        return Err(Error::refused(
            rules::FILE_STALE.with("revision", file.revision),
        ));
    }
    let now = services.clock.now_ms();
    let named = NamedReviewers {
        review_id: review.id.clone(),
        file_id: file.id.clone(),
        expected_revision: file.revision,
        user_ids: people.ids().to_vec(),
        assigned_by: caller.actor.user_id.clone(),
    };
    let effects = Effects {
        events: vec![NewEvent {
            audience: Audience::Org(body.clone()),
            kind: "review.file_reviewers_named".into(),
            subject: subject(&review.id),
            payload: json!({ "review_id": review.id, "file_id": file.id,
                             "user_ids": named.user_ids }),
        }],
        audit: vec![audit(
            caller,
            now,
            "review_file_name_reviewers",
            subject(&review.id),
            json!({ "file_id": file.id, "user_ids": named.user_ids }),
        )],
        ..Effects::default()
    };
    let updated = services
        .db
        .name_review_file_reviewers(&named, now, &effects)
        .await?;
    services.wake();
    // Whoever holds the sheet open re-checks: a person no longer named keeps read alone.
    services.access.announce(AccessChange {
        space_id: Some(review.id.clone()),
        ..AccessChange::default()
    });
    file_body_now(services, caller, &review, updated, now).await
}

pub(super) fn sheet_of(review: &Review) -> Result<Sheet, Error> {
    serde_json::from_str(&review.sheet).map_err(|_| Error::internal("stored sheet is invalid"))
}

/// The marks of a sheet's document state: the `Map` `deductions` (a deduction's id → how many
/// times it was found) and the `Map` `comments` (an item's id → a string or a `Y.Text`).
/// A count that is not a whole number from 0 to [`MAX_COUNT`] is refused, naming it.
pub(crate) fn marks_of(update_v1: &[u8]) -> Result<Marks, Error> {
    use yrs::types::ToJson;
    use yrs::updates::decoder::Decode;
    use yrs::{Any, Doc, Map, Out, ReadTxn, Transact, Update};
    let doc = Doc::new();
    {
        let mut txn = doc.transact_mut();
        let update = Update::decode_v1(update_v1)
            .map_err(|_| Error::internal("stored sheet state is invalid"))?;
        txn.apply_update(update)
            .map_err(|_| Error::internal("stored sheet state is invalid"))?;
    }
    let txn = doc.transact();
    let mut marks = Marks::default();
    if let Some(deductions) = txn.get_map("deductions") {
        for (id, value) in deductions.iter(&txn) {
            let count = match value {
                Out::Any(Any::Number(n)) => n
                    .as_i64()
                    .and_then(|n| u32::try_from(n).ok())
                    .filter(|n| *n <= MAX_COUNT),
                _ => None,
            };
            let Some(count) = count else {
                return Err(Error::refused(
                    crate::domain::review_sheet::MARK_COUNT.with("id", id),
                ));
            };
            if count > 0 {
                marks.counts.insert(id.to_owned(), count);
            }
        }
    }
    if let Some(comments) = txn.get_map("comments") {
        for (id, value) in comments.iter(&txn) {
            let text = match value {
                Out::Any(Any::String(s)) => s.to_string(),
                Out::YText(text) => yrs::GetString::get_string(&text, &txn),
                other => match other.to_json(&txn) {
                    Any::String(s) => s.to_string(),
                    _ => String::new(),
                },
            };
            let text = text.trim().to_owned();
            if !text.is_empty() {
                marks.comments.insert(id.to_owned(), text);
            }
        }
    }
    Ok(marks)
}
