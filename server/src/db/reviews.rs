//! Case-file reviews (案卷评查) as stored: the review, its bodies and its files.
//!
//! # A review is a space
//!
//! Planning one creates, in one transaction, the space of kind `review` in the organiser's
//! region (the organiser, a bureau or an enforcement department, its `convener`; the column
//! `bureau_org_id` names the organiser of either kind), the review row with the scoring sheet it uses, its
//! bodies (`review_bodies`: reviewed and reviewing) and its live summary report (role
//! `decision`, signed through `work::review_summary`). Launching it makes every named body
//! but the organiser an `observer` of the space. Drawing
//! records the seed, moves each file to `scoring` (with its reviewing body and its live sheet,
//! a space document of role `sheet` owned by that body) or `not_drawn`, in one write at the
//! review's revision. A file's own commands are writes at the file's revision, made while the
//! review is being scored (its row locked, so the review cannot be concluded past them).
//! The rules live in `domain::review`.

use super::common::{
    impl_for_both_engines, in_transaction, not_found, on_reader, parse, parse_region_code,
};
use futures_util::future::BoxFuture;

use super::blobs::BlobQueries;
use super::effects::{Consequence, Effects, Tx};
use super::spaces::{
    group, members_of, visible_spaces, write_space, DocRow, Expect, SpaceRows, Spine, SpineQueries,
    MEMBER_ORDER, MEMBER_SELECT, VISIBLE,
};
use super::{BodyPeriod, Db, DbError};
use crate::domain::org::{DocRole, RegionCode, RegionPath, SpaceKind, SpaceMember, SpaceRole};
use crate::domain::policy::{SpaceFacts, Viewer};
use crate::domain::review::{
    CaseKind, FileState, ReviewKind, ReviewState, FILE_STALE, NO_SUCH_FILE, NO_SUCH_REVIEW,
    REVIEW_MOVED, REVIEW_STALE,
};
use crate::domain::review_sheet::Grade;

/// The id of a review's live summary report: `<space>:summary`.
pub fn review_summary_id(space_id: &str) -> String {
    format!("{space_id}:summary")
}

/// The id of a file's live scoring sheet: `<space>:file:<file>`.
pub fn review_sheet_doc_id(space_id: &str, file_id: &str) -> String {
    format!("{space_id}:file:{file_id}")
}

/// A review to plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReview {
    pub id: String,
    pub kind: ReviewKind,
    pub title: String,
    pub starts_on: String,
    pub ends_on: String,
    pub sample_per_body: Option<u32>,
    pub answer_working_days: u32,
    pub register_working_days: u32,
    pub score_working_days: u32,
    /// The scoring sheet as JSON, and its SHA-256.
    pub sheet: String,
    pub sheet_sha256: String,
    pub bureau_org_id: String,
    pub region: RegionCode,
    pub reviewed: Vec<String>,
    pub reviewers: Vec<String>,
    pub created_by: String,
}

/// A body named in a review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewBodyRow {
    pub org_id: String,
    pub name: String,
}

/// A stored review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub id: String,
    pub kind: ReviewKind,
    pub state: ReviewState,
    pub revision: i64,
    pub bureau_org_id: String,
    pub bureau_name: String,
    pub region: RegionCode,
    pub region_path: RegionPath,
    pub title: String,
    pub starts_on: String,
    pub ends_on: String,
    pub sample_per_body: Option<i64>,
    pub answer_working_days: i64,
    pub register_working_days: i64,
    pub score_working_days: i64,
    pub sheet: String,
    pub sheet_sha256: String,
    pub seed: Option<String>,
    pub drawn_at: Option<i64>,
    pub summary_doc_id: String,
    pub launch_notice_id: Option<String>,
    pub launched_at: Option<i64>,
    pub concluded_at: Option<i64>,
    /// When its summary's signature filed it, and with which bureau (none at the top).
    pub summarised_at: Option<i64>,
    pub reported_to_org_id: Option<String>,
    pub reported_to_name: Option<String>,
    pub reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The bodies whose files are reviewed.
    pub reviewed: Vec<ReviewBodyRow>,
    /// The bodies that review (none: the organiser reviews).
    pub reviewers: Vec<ReviewBodyRow>,
    pub members: Vec<SpaceMember>,
}

impl Review {
    /// What the policy needs to know of the review's space.
    pub fn facts(&self) -> SpaceFacts<'_> {
        SpaceFacts {
            region_path: &self.region_path,
            members: &self.members,
            closed: false,
            also_supervised_by: None,
        }
    }

    /// Whether `org_id`'s files are reviewed.
    pub fn reviews(&self, org_id: &str) -> bool {
        self.reviewed.iter().any(|b| b.org_id == org_id)
    }

    /// Whether `org_id` reviews.
    pub fn reviewed_by(&self, org_id: &str) -> bool {
        self.reviewers.iter().any(|b| b.org_id == org_id)
    }
}

/// A file to register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReviewFile {
    pub id: String,
    pub review_id: String,
    pub org_id: String,
    pub case_number: String,
    pub case_kind: CaseKind,
    pub title: String,
    pub closed_on: String,
    pub reconsidered: bool,
    pub litigated: bool,
    pub procuratorial: bool,
    pub registered_by: String,
}

/// A stored file.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReviewFileRow {
    pub id: String,
    pub review_id: String,
    pub org_id: String,
    pub org_name: String,
    pub case_number: String,
    pub case_kind: String,
    pub title: String,
    pub closed_on: String,
    pub reconsidered: bool,
    pub litigated: bool,
    pub procuratorial: bool,
    pub state: String,
    pub revision: i64,
    pub reviewer_org_id: Option<String>,
    pub reviewer_name: Option<String>,
    pub sheet_doc_id: Option<String>,
    pub result: Option<String>,
    pub score: Option<i64>,
    pub computed_grade: Option<String>,
    pub submitted_at: Option<i64>,
    pub answer_due_at: Option<i64>,
    pub answer: Option<String>,
    pub answered_at: Option<i64>,
    pub grade: Option<String>,
    pub grade_reason: Option<String>,
    pub confirmed_at: Option<i64>,
    pub task_id: Option<String>,
    pub registered_at: i64,
}

impl ReviewFileRow {
    pub fn state(&self) -> Result<FileState, DbError> {
        parse(&self.state)
    }

    pub fn case_kind(&self) -> Result<CaseKind, DbError> {
        parse(&self.case_kind)
    }

    pub fn grade(&self) -> Result<Option<Grade>, DbError> {
        self.grade.as_deref().map(parse).transpose()
    }

    pub fn computed_grade(&self) -> Result<Option<Grade>, DbError> {
        self.computed_grade.as_deref().map(parse).transpose()
    }

    /// It led to reconsideration, litigation or procuratorial supervision.
    pub fn priority(&self) -> bool {
        self.reconsidered || self.litigated || self.procuratorial
    }
}

/// A review command as stored: the state it moves to, at the revision its caller read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewChange {
    pub id: String,
    pub expected_revision: i64,
    pub state: ReviewState,
    /// Launching: the bodies become observers, told by this notice.
    pub launch_notice_id: Option<String>,
    /// Withdrawing: why.
    pub reason: Option<String>,
    /// Drawing: the seed and each registered file's fate.
    pub draw: Option<Drawn>,
}

/// The outcome of a draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drawn {
    pub seed: String,
    /// Each drawn file with its reviewing body and its sheet's title; the others are not drawn.
    pub files: Vec<(String, String, String)>,
}

/// A file command as stored, at the file's revision the caller read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileChange {
    pub file_id: String,
    pub review_id: String,
    pub expected_revision: i64,
    pub state: String,
    /// Submitting: the result, the total (tenths), the grade it gives, the limit to answer;
    /// its sheet is frozen.
    pub result: Option<String>,
    pub score: Option<i64>,
    pub computed_grade: Option<Grade>,
    pub answer_due_at: Option<i64>,
    pub freeze_doc: Option<String>,
    /// Answering.
    pub answer: Option<String>,
    /// Confirming: the grade, why it differs, the rectification task of a failing file.
    pub grade: Option<Grade>,
    pub grade_reason: Option<String>,
    pub task_id: Option<String>,
}

/// One named reviewer (评查人) of a file, with the name people know them by.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FileReviewerRow {
    pub file_id: String,
    pub user_id: String,
    pub name: String,
}

/// Naming a file's reviewers, at the file's revision the caller read: the set replaces the
/// one before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedReviewers {
    pub review_id: String,
    pub file_id: String,
    pub expected_revision: i64,
    pub user_ids: Vec<String>,
    pub assigned_by: String,
}

pub(super) const SPINE: Spine = Spine {
    table: "reviews",
    missing: &NO_SUCH_REVIEW,
    stale: &REVIEW_STALE,
    moved: &REVIEW_MOVED,
    words: super::spaces::state_words::<ReviewState>,
};

#[derive(sqlx::FromRow)]
struct ReviewRecord {
    id: String,
    kind: String,
    state: String,
    revision: i64,
    bureau_org_id: String,
    bureau_name: String,
    region_code: String,
    region_path: String,
    title: String,
    starts_on: String,
    ends_on: String,
    sample_per_body: Option<i64>,
    answer_working_days: i64,
    register_working_days: i64,
    score_working_days: i64,
    sheet: String,
    sheet_sha256: String,
    seed: Option<String>,
    drawn_at: Option<i64>,
    summary_doc_id: String,
    launch_notice_id: Option<String>,
    launched_at: Option<i64>,
    concluded_at: Option<i64>,
    summarised_at: Option<i64>,
    reported_to_org_id: Option<String>,
    reported_to_name: Option<String>,
    reason: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl ReviewRecord {
    fn into_review(
        self,
        bodies: Vec<(String, ReviewBodyRow)>,
        members: Vec<SpaceMember>,
    ) -> Result<Review, DbError> {
        let (mut reviewed, mut reviewers) = (Vec::new(), Vec::new());
        for (part, body) in bodies {
            if part == "reviewer" {
                reviewers.push(body);
            } else {
                reviewed.push(body);
            }
        }
        Ok(Review {
            id: self.id,
            kind: parse(&self.kind)?,
            state: parse(&self.state)?,
            revision: self.revision,
            bureau_org_id: self.bureau_org_id,
            bureau_name: self.bureau_name,
            region: parse_region_code(&self.region_code)?,
            region_path: RegionPath(self.region_path),
            title: self.title,
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            sample_per_body: self.sample_per_body,
            answer_working_days: self.answer_working_days,
            register_working_days: self.register_working_days,
            score_working_days: self.score_working_days,
            sheet: self.sheet,
            sheet_sha256: self.sheet_sha256,
            seed: self.seed,
            drawn_at: self.drawn_at,
            summary_doc_id: self.summary_doc_id,
            launch_notice_id: self.launch_notice_id,
            launched_at: self.launched_at,
            concluded_at: self.concluded_at,
            summarised_at: self.summarised_at,
            reported_to_org_id: self.reported_to_org_id,
            reported_to_name: self.reported_to_name,
            reason: self.reason,
            created_at: self.created_at,
            updated_at: self.updated_at,
            reviewed,
            reviewers,
            members,
        })
    }
}

const REVIEW_SELECT: &str = "select v.space_id as id, v.kind, v.state, v.revision,
        v.bureau_org_id, o.name_zh as bureau_name, s.region_code, r.path as region_path,
        v.title, v.starts_on, v.ends_on, v.sample_per_body, v.answer_working_days,
        v.register_working_days, v.score_working_days, v.sheet,
        v.sheet_sha256, v.seed, v.drawn_at, v.summary_doc_id, v.launch_notice_id,
        v.launched_at, v.concluded_at, v.summarised_at, v.reported_to_org_id,
        up.name_zh as reported_to_name, v.reason, v.created_at, v.updated_at
    from reviews v join spaces s on s.id = v.space_id
        join regions r on r.code = s.region_code
        join organizations o on o.id = v.bureau_org_id
        left join organizations up on up.id = v.reported_to_org_id";

const BODY_SELECT: &str = "select b.space_id, b.part, b.org_id, o.name_zh
    from review_bodies b join organizations o on o.id = b.org_id";

const BODY_ORDER: &str = "order by b.space_id, b.part, o.code, b.org_id";

const FILE_SELECT: &str = "select f.id, f.space_id as review_id, f.org_id,
        o.name_zh as org_name, f.case_number, f.case_kind, f.title, f.closed_on,
        f.reconsidered, f.litigated, f.procuratorial, f.state, f.revision, f.reviewer_org_id,
        rv.name_zh as reviewer_name, f.sheet_doc_id, f.result, f.score, f.computed_grade,
        f.submitted_at, f.answer_due_at, f.answer, f.answered_at, f.grade, f.grade_reason,
        f.confirmed_at, f.task_id, f.registered_at
    from review_files f join organizations o on o.id = f.org_id
        left join organizations rv on rv.id = f.reviewer_org_id";

const ATTACHMENT_SELECT: &str = "select a.id, a.file_id, a.sha256, a.file_name, a.media_type,
        a.size, u.display_name as attached_by_name, a.attached_at
    from review_file_attachments a left join users u on u.id = a.attached_by";

/// An attachment to store: the scanned file of a registered file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFileAttachment {
    pub id: String,
    pub review_id: String,
    pub file_id: String,
    pub file_name: String,
    pub media_type: String,
    pub attached_by: String,
}

/// An attachment as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FileAttachmentRow {
    pub id: String,
    pub file_id: String,
    /// Hex SHA-256 of the bytes: the key of the content-addressed store.
    pub sha256: String,
    pub file_name: String,
    pub media_type: String,
    pub size: i64,
    pub attached_by_name: Option<String>,
    pub attached_at: i64,
}

type BodyTuple = (String, String, String, String);

fn bodies_of(rows: Vec<BodyTuple>) -> Vec<(String, (String, ReviewBodyRow))> {
    rows.into_iter()
        .map(|(space, part, org_id, name)| (space, (part, ReviewBodyRow { org_id, name })))
        .collect()
}

/// Reads a review and its files on this connection, and summarises one in a signature's
/// write.
pub(crate) trait ReviewQueries {
    async fn review_by_id(&mut self, id: &str) -> Result<Option<Review>, DbError>;
    async fn review_file_by_id(&mut self, id: &str) -> Result<Option<ReviewFileRow>, DbError>;

    /// `summarising → summarised`, filed with `summarised.reported_to` by its notice.
    /// Refused (Rule) when it is no longer summarising.
    async fn mark_review_summarised(
        &mut self,
        summarised: &ReviewSummarised,
        at: i64,
    ) -> Result<(), DbError>;
}

impl_for_both_engines!(ReviewQueries {
    async fn review_by_id(&mut self, id: &str) -> Result<Option<Review>, DbError> {
        let record: Option<ReviewRecord> =
            sqlx::query_as(&format!("{REVIEW_SELECT} where v.space_id = $1"))
                .bind(id)
                .fetch_optional(&mut *self)
                .await?;
        let Some(record) = record else {
            return Ok(None);
        };
        let bodies: Vec<BodyTuple> =
            sqlx::query_as(&format!("{BODY_SELECT} where b.space_id = $1 {BODY_ORDER}"))
                .bind(id)
                .fetch_all(&mut *self)
                .await?;
        let members: Vec<(String, String, String)> =
            sqlx::query_as(&format!("{MEMBER_SELECT} where m.space_id = $1 {MEMBER_ORDER}"))
                .bind(id)
                .fetch_all(&mut *self)
                .await?;
        let bodies = bodies_of(bodies).into_iter().map(|(_, b)| b).collect();
        let members = members_of(members)?.into_iter().map(|(_, m)| m).collect();
        record.into_review(bodies, members).map(Some)
    }

    async fn review_file_by_id(&mut self, id: &str) -> Result<Option<ReviewFileRow>, DbError> {
        Ok(sqlx::query_as(&format!("{FILE_SELECT} where f.id = $1"))
            .bind(id)
            .fetch_optional(&mut *self)
            .await?)
    }

    async fn mark_review_summarised(
        &mut self,
        summarised: &ReviewSummarised,
        at: i64,
    ) -> Result<(), DbError> {
        let id = summarised.review_id.as_str();
        let summarising = Expect::State(ReviewState::Summarising.as_str());
        SpineQueries::expect_row(&mut *self, &SPINE, id, summarising).await?;
        sqlx::query(
            "update reviews set state = 'summarised', summarised_at = $2,
                 reported_to_org_id = $3, report_notice_id = $4,
                 revision = revision + 1, updated_at = $2
             where space_id = $1",
        )
        .bind(id)
        .bind(at)
        .bind(&summarised.reported_to)
        .bind(&summarised.notice_id)
        .execute(&mut *self)
        .await?;
        Ok(())
    }
});

/// A review summarised, in the write of its summary's last signature.
#[derive(Debug, Clone)]
pub struct ReviewSummarised {
    pub review_id: String,
    /// The bureau above it was filed with, and the notice that did (none at the top).
    pub reported_to: Option<String>,
    pub notice_id: Option<String>,
}

impl Consequence for ReviewSummarised {
    fn insert<'a>(&'a self, tx: Tx<'a>, now: i64) -> BoxFuture<'a, Result<(), DbError>> {
        Box::pin(async move {
            match tx {
                Tx::Sqlite(conn) => conn.mark_review_summarised(self, now).await,
                Tx::Postgres(conn) => conn.mark_review_summarised(self, now).await,
            }
        })
    }
}

impl Effects {
    /// Summarises the review in the write of its summary's last signature, which also sends
    /// the notice filing it with the bureau above; the write is refused if it is no longer
    /// summarising.
    pub fn summarise_review(&mut self, summarised: ReviewSummarised) {
        self.insert(summarised);
    }
}

impl Db {
    /// Plans a review: its space (the bureau convener), the row (revision 1), its bodies and
    /// its live summary; then `effects`.
    pub async fn create_review(
        &self,
        new: &NewReview,
        now: i64,
        effects: &Effects,
    ) -> Result<Review, DbError> {
        let mail = self.mail_delivery;
        let doc_id = review_summary_id(&new.id);
        in_transaction!(self, |conn| {
            conn.insert_space(
                &new.id,
                SpaceKind::Review,
                &new.title,
                &new.region,
                false,
                &new.created_by,
                now,
            )
            .await?;
            conn.put_member(&new.id, &new.bureau_org_id, SpaceRole::Convener)
                .await?;
            sqlx::query(
                "insert into reviews (space_id, kind, state, bureau_org_id, title, starts_on,
                     ends_on, sample_per_body, answer_working_days, sheet, sheet_sha256,
                     summary_doc_id, created_by, created_at, updated_at, register_working_days,
                     score_working_days)
                 values ($1, $2, 'planned', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13,
                     $14, $15)",
            )
            .bind(&new.id)
            .bind(new.kind.as_str())
            .bind(&new.bureau_org_id)
            .bind(&new.title)
            .bind(&new.starts_on)
            .bind(&new.ends_on)
            .bind(new.sample_per_body.map(i64::from))
            .bind(i64::from(new.answer_working_days))
            .bind(&new.sheet)
            .bind(&new.sheet_sha256)
            .bind(&doc_id)
            .bind(&new.created_by)
            .bind(now)
            .bind(i64::from(new.register_working_days))
            .bind(i64::from(new.score_working_days))
            .execute(&mut *conn)
            .await?;
            let parts = [("reviewed", &new.reviewed), ("reviewer", &new.reviewers)];
            for (part, orgs) in parts {
                for org_id in orgs {
                    sqlx::query(
                        "insert into review_bodies (space_id, org_id, part) values ($1, $2, $3)",
                    )
                    .bind(&new.id)
                    .bind(org_id)
                    .bind(part)
                    .execute(&mut *conn)
                    .await?;
                }
            }
            let doc = DocRow {
                doc_id: &doc_id,
                title: &new.title,
                role: DocRole::Decision,
                owner_org_id: None,
                briefing: false,
            };
            conn.insert_doc(&new.id, doc, now).await?;
            super::effects::EffectQueries::apply_effects(&mut *conn, now, effects, mail).await?;
            conn.review_by_id(&new.id)
                .await?
                .ok_or_else(|| not_found(&NO_SUCH_REVIEW))
        })
    }

    /// One review.
    pub async fn review(&self, id: &str) -> Result<Option<Review>, DbError> {
        on_reader!(self, |conn| conn.review_by_id(id).await)
    }

    /// The reviews a viewer may find (its bureau's, those it supervises, those it takes part
    /// in once launched), newest first.
    pub async fn reviews_visible(&self, viewer: &Viewer<'_>) -> Result<Vec<Review>, DbError> {
        let visible = visible_spaces(viewer);
        macro_rules! listed_rows {
            ($conn:ident, $select:expr, $column:expr, $order:expr) => {
                sqlx::query_as(&format!(
                    "{VISIBLE}, listed (id) as (select v.space_id from reviews v
                         where v.space_id in (select id from visible))
                     {} where {} in (select id from listed) {}",
                    $select, $column, $order
                ))
                .bind(visible.org_id)
                .bind(&visible.low)
                .bind(&visible.high)
                .fetch_all(&mut *$conn)
                .await?
            };
        }
        on_reader!(self, |conn| {
            let records: Vec<ReviewRecord> = listed_rows!(
                conn,
                REVIEW_SELECT,
                "v.space_id",
                "order by v.created_at desc, v.space_id"
            );
            let bodies: Vec<BodyTuple> = listed_rows!(conn, BODY_SELECT, "b.space_id", BODY_ORDER);
            let members: Vec<(String, String, String)> =
                listed_rows!(conn, MEMBER_SELECT, "m.space_id", MEMBER_ORDER);
            let mut bodies = group(bodies_of(bodies));
            let mut members = group(members_of(members)?);
            records
                .into_iter()
                .map(|r| {
                    let id = r.id.clone();
                    r.into_review(
                        bodies.remove(&id).unwrap_or_default(),
                        members.remove(&id).unwrap_or_default(),
                    )
                })
                .collect()
        })
    }

    /// A review command at the revision the caller read: the new state (launching makes the
    /// bodies observers; drawing records the seed and each file's fate and makes the drawn
    /// files' sheets); then `effects`.
    pub async fn change_review(
        &self,
        change: &ReviewChange,
        at: i64,
        effects: &Effects,
    ) -> Result<Review, DbError> {
        let id = change.id.as_str();
        write_space!(self, SPINE, id, Expect::Revision(change.expected_revision), at, effects, |conn|
        change {
            let review = conn
                .review_by_id(id)
                .await?
                .ok_or_else(|| not_found(&NO_SUCH_REVIEW))?;
            if change.state == ReviewState::Registering {
                // The organiser stays the convener: a department is a body of its own review.
                let bodies = review.reviewed.iter().chain(&review.reviewers);
                for body in bodies.filter(|b| b.org_id != review.bureau_org_id) {
                    conn.put_member(id, &body.org_id, SpaceRole::Observer).await?;
                }
            }
            if let Some(drawn) = &change.draw {
                sqlx::query(
                    "update review_files set state = 'not_drawn', revision = revision + 1,
                         updated_at = $2
                     where space_id = $1 and state = 'registered'",
                )
                .bind(id)
                .bind(at)
                .execute(&mut *conn)
                .await?;
                for (file_id, reviewer, title) in &drawn.files {
                    let doc_id = review_sheet_doc_id(id, file_id);
                    let doc = DocRow {
                        doc_id: &doc_id,
                        title,
                        role: DocRole::Sheet,
                        owner_org_id: Some(reviewer),
                        briefing: false,
                    };
                    conn.insert_doc(id, doc, at).await?;
                    sqlx::query(
                        "update review_files set state = 'scoring', reviewer_org_id = $3,
                             sheet_doc_id = $4, updated_at = $5
                         where space_id = $1 and id = $2",
                    )
                    .bind(id)
                    .bind(file_id)
                    .bind(reviewer)
                    .bind(&doc_id)
                    .bind(at)
                    .execute(&mut *conn)
                    .await?;
                }
            }
            sqlx::query(
                "update reviews set state = $2,
                     launch_notice_id = coalesce($3, launch_notice_id),
                     launched_at = case when $2 = 'registering' then $4 else launched_at end,
                     concluded_at = case when $2 = 'summarising' then $4 else concluded_at end,
                     drawn_at = case when $2 = 'scoring' then $4 else drawn_at end,
                     seed = coalesce($5, seed),
                     reason = coalesce($6, reason),
                     updated_at = $4
                 where space_id = $1",
            )
            .bind(id)
            .bind(change.state.as_str())
            .bind(&change.launch_notice_id)
            .bind(at)
            .bind(change.draw.as_ref().map(|d| &d.seed))
            .bind(&change.reason)
            .execute(&mut *conn)
            .await?;
        }
        answer {
            conn.review_by_id(id)
                .await?
                .ok_or_else(|| not_found(&NO_SUCH_REVIEW))?
        })
    }

    /// Registers a file while the review registers them; then `effects`.
    pub async fn register_review_file(
        &self,
        new: &NewReviewFile,
        at: i64,
        effects: &Effects,
    ) -> Result<ReviewFileRow, DbError> {
        let registering = Expect::State(ReviewState::Registering.as_str());
        write_space!(self, SPINE, &new.review_id, registering, at, effects, |conn|
        change {
            sqlx::query(
                "insert into review_files (id, space_id, org_id, case_number, case_kind, title,
                     closed_on, reconsidered, litigated, procuratorial, state, registered_by,
                     registered_at, updated_at)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'registered', $11, $12, $12)",
            )
            .bind(&new.id)
            .bind(&new.review_id)
            .bind(&new.org_id)
            .bind(&new.case_number)
            .bind(new.case_kind.as_str())
            .bind(&new.title)
            .bind(&new.closed_on)
            .bind(new.reconsidered)
            .bind(new.litigated)
            .bind(new.procuratorial)
            .bind(&new.registered_by)
            .bind(at)
            .execute(&mut *conn)
            .await?;
        }
        answer {
            conn.review_file_by_id(&new.id)
                .await?
                .ok_or_else(|| not_found(&NO_SUCH_FILE))?
        })
    }

    /// A file command at the file's revision the caller read, while the review is being
    /// scored (refused otherwise); then `effects`.
    pub async fn change_review_file(
        &self,
        change: &FileChange,
        at: i64,
        effects: &Effects,
    ) -> Result<ReviewFileRow, DbError> {
        let scoring = Expect::State(ReviewState::Scoring.as_str());
        write_space!(self, SPINE, &change.review_id, scoring, at, effects, |conn|
        change {
            let done = sqlx::query(
                "update review_files set state = $3,
                     result = coalesce($4, result),
                     score = coalesce($5, score),
                     computed_grade = coalesce($6, computed_grade),
                     answer_due_at = coalesce($7, answer_due_at),
                     submitted_at = case when $3 = 'submitted' then $8 else submitted_at end,
                     answer = coalesce($9, answer),
                     answered_at = case when $3 = 'answered' then $8 else answered_at end,
                     grade = coalesce($10, grade),
                     grade_reason = coalesce($11, grade_reason),
                     confirmed_at = case when $3 = 'confirmed' then $8 else confirmed_at end,
                     task_id = coalesce($12, task_id),
                     revision = revision + 1, updated_at = $8
                 where id = $1 and revision = $2",
            )
            .bind(&change.file_id)
            .bind(change.expected_revision)
            .bind(&change.state)
            .bind(&change.result)
            .bind(change.score)
            .bind(change.computed_grade.map(|g| g.as_str()))
            .bind(change.answer_due_at)
            .bind(at)
            .bind(&change.answer)
            .bind(change.grade.map(|g| g.as_str()))
            .bind(&change.grade_reason)
            .bind(&change.task_id)
            .execute(&mut *conn)
            .await?;
            if done.rows_affected() == 0 {
                let now = conn
                    .review_file_by_id(&change.file_id)
                    .await?
                    .ok_or_else(|| not_found(&NO_SUCH_FILE))?;
                return Err(DbError::Rule(FILE_STALE.with("revision", now.revision)));
            }
            if let Some(doc_id) = &change.freeze_doc {
                conn.freeze_doc(doc_id).await?;
            }
        }
        answer {
            conn.review_file_by_id(&change.file_id)
                .await?
                .ok_or_else(|| not_found(&NO_SUCH_FILE))?
        })
    }

    /// Names a file's reviewers at the file's revision, while the review and the file are
    /// being scored (refused otherwise); then `effects`.
    pub async fn name_review_file_reviewers(
        &self,
        named: &NamedReviewers,
        at: i64,
        effects: &Effects,
    ) -> Result<ReviewFileRow, DbError> {
        let scoring = Expect::State(ReviewState::Scoring.as_str());
        write_space!(self, SPINE, &named.review_id, scoring, at, effects, |conn|
        change {
            let done = sqlx::query(
                "update review_files set revision = revision + 1, updated_at = $3
                 where id = $1 and revision = $2 and state = 'scoring'",
            )
            .bind(&named.file_id)
            .bind(named.expected_revision)
            .bind(at)
            .execute(&mut *conn)
            .await?;
            if done.rows_affected() == 0 {
                let now = conn
                    .review_file_by_id(&named.file_id)
                    .await?
                    .ok_or_else(|| not_found(&NO_SUCH_FILE))?;
                return Err(DbError::Rule(FILE_STALE.with("revision", now.revision)));
            }
            sqlx::query("delete from review_file_reviewers where file_id = $1")
                .bind(&named.file_id)
                .execute(&mut *conn)
                .await?;
            for user_id in &named.user_ids {
                sqlx::query(
                    "insert into review_file_reviewers (file_id, user_id, space_id,
                         assigned_by, assigned_at)
                     values ($1, $2, $3, $4, $5)",
                )
                .bind(&named.file_id)
                .bind(user_id)
                .bind(&named.review_id)
                .bind(&named.assigned_by)
                .bind(at)
                .execute(&mut *conn)
                .await?;
            }
        }
        answer {
            conn.review_file_by_id(&named.file_id)
                .await?
                .ok_or_else(|| not_found(&NO_SUCH_FILE))?
        })
    }

    /// A review's named reviewers, by file, then by name.
    pub async fn review_file_reviewers(
        &self,
        review_id: &str,
    ) -> Result<Vec<FileReviewerRow>, DbError> {
        Ok(on_reader!(self, |conn| {
            sqlx::query_as(
                "select r.file_id, r.user_id, u.display_name as name
                 from review_file_reviewers r join users u on u.id = r.user_id
                 where r.space_id = $1 order by r.file_id, u.display_name, r.user_id",
            )
            .bind(review_id)
            .fetch_all(&mut *conn)
            .await?
        }))
    }

    /// The people who alone write the scoring sheet `doc_id` (its file's named reviewers);
    /// empty when none are named (then its whole reviewing body writes).
    pub async fn sheet_writers(&self, doc_id: &str) -> Result<Vec<String>, DbError> {
        let rows: Vec<(String,)> = on_reader!(self, |conn| {
            sqlx::query_as(
                "select r.user_id from review_file_reviewers r
                     join review_files f on f.id = r.file_id
                 where f.sheet_doc_id = $1 order by r.user_id",
            )
            .bind(doc_id)
            .fetch_all(&mut *conn)
            .await?
        });
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Stores `bytes` as an attachment (the scanned file) of a registered file, while the
    /// review registers files; then `effects`.
    pub async fn attach_review_file(
        &self,
        new: &NewFileAttachment,
        bytes: &[u8],
        at: i64,
        effects: &Effects,
    ) -> Result<FileAttachmentRow, DbError> {
        let registering = Expect::State(ReviewState::Registering.as_str());
        write_space!(self, SPINE, &new.review_id, registering, at, effects, |conn|
        change {
            let blob = conn.put_blob(bytes, at).await?;
            let inserted = sqlx::query(
                "insert into review_file_attachments (id, file_id, space_id, sha256, file_name,
                     media_type, size, attached_by, attached_at)
                 select $1, id, space_id, $4, $5, $6, $7, $8, $9 from review_files
                 where id = $2 and space_id = $3",
            )
            .bind(&new.id)
            .bind(&new.file_id)
            .bind(&new.review_id)
            .bind(&blob.sha256)
            .bind(&new.file_name)
            .bind(&new.media_type)
            .bind(blob.size)
            .bind(&new.attached_by)
            .bind(at)
            .execute(&mut *conn)
            .await?;
            if inserted.rows_affected() == 0 {
                return Err(not_found(&NO_SUCH_FILE));
            }
        }
        answer {
            sqlx::query_as(&format!("{ATTACHMENT_SELECT} where a.id = $1"))
                .bind(&new.id)
                .fetch_one(&mut *conn)
                .await?
        })
    }

    /// A review's attachments, by file in the order added.
    pub async fn review_attachments(
        &self,
        review_id: &str,
    ) -> Result<Vec<FileAttachmentRow>, DbError> {
        Ok(on_reader!(self, |conn| {
            sqlx::query_as(&format!(
                "{ATTACHMENT_SELECT} where a.space_id = $1 order by a.file_id, a.attached_at, a.id"
            ))
            .bind(review_id)
            .fetch_all(&mut *conn)
            .await?
        }))
    }

    /// One file.
    pub async fn review_file(&self, id: &str) -> Result<Option<ReviewFileRow>, DbError> {
        on_reader!(self, |conn| conn.review_file_by_id(id).await)
    }

    /// The files of `of`'s body whose grade was confirmed in its period, in the reviews
    /// `viewer` may see, newest confirmation first; only the failing ones with `failed`: the
    /// rows behind 评查案卷数 and 不合格案卷数 of the region's figures, by the figures' own
    /// predicate ([`Db::figure_reviews`]).
    pub async fn reviewed_files(
        &self,
        viewer: &Viewer<'_>,
        of: &BodyPeriod<'_>,
        failed: bool,
    ) -> Result<Vec<ReviewFileRow>, DbError> {
        let visible = visible_spaces(viewer);
        let failed = if failed { " and f.grade = 'fail'" } else { "" };
        let sql = format!(
            "{VISIBLE} {FILE_SELECT} where f.space_id in (select id from visible)
                 and f.org_id = $4 and f.state = 'confirmed'
                 and f.confirmed_at >= $5 and f.confirmed_at < $6{failed}
             order by f.confirmed_at desc, f.id"
        );
        Ok(on_reader!(self, |conn| {
            sqlx::query_as(&sql)
                .bind(visible.org_id)
                .bind(&visible.low)
                .bind(&visible.high)
                .bind(of.org_id)
                .bind(of.from_ms)
                .bind(of.to_ms)
                .fetch_all(&mut *conn)
                .await?
        }))
    }

    /// A review's files, by body then in the order registered.
    pub async fn review_files(&self, review_id: &str) -> Result<Vec<ReviewFileRow>, DbError> {
        Ok(on_reader!(self, |conn| {
            sqlx::query_as(&format!(
                "{FILE_SELECT} where f.space_id = $1 order by o.code, f.org_id, f.registered_at, f.id"
            ))
            .bind(review_id)
            .fetch_all(&mut *conn)
            .await?
        }))
    }
}
