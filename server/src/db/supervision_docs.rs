//! Supervision documents (监督文书) as stored: the document's record, its rectification reports
//! (整改报告) with the bureau's verdicts, and their evidence (整改材料).
//!
//! # A supervision document is a space
//!
//! Drafting one creates, in one transaction, the space of kind `supervision` (in the issuing
//! bureau's region, so the bureaus above it read it; the bureau its convener), the record and
//! its live text (role `decision`: written by the convener alone). The supervised body takes
//! part only from the write that issues it ([`Effects::issue_supervision`], in the last
//! signature's write), so it never reads a draft; the 签收 of the notice that delivers it
//! receives it in the acknowledgement's own write ([`Effects::receive_supervision`]).
//!
//! A command names the revision its caller read and bumps it ([`Db::change_supervision`]); a
//! report is stored in the write that submits it and a verdict in the write that gives it.
//! Evidence is attached to the round being written while the document is `rectifying`. Every
//! write goes through [`write_space!`]; the rules live in `domain::supervision_doc`.

use futures_util::future::BoxFuture;

use super::blobs::BlobQueries;
use super::common::{
    impl_for_both_engines, in_transaction, not_found, on_reader, parse, parse_region_code,
};
use super::effects::{Consequence, Effects, Tx};
use super::figures::{BodyPeriod, RECTIFIED_ON_TIME};
use super::spaces::{
    group, members_of, visible_spaces, write_space, DocRow, Expect, SpaceRows, Spine, SpineQueries,
    MEMBER_ORDER, MEMBER_SELECT, VISIBLE,
};
use super::{Db, DbError};
use crate::domain::org::{DocRole, RegionCode, RegionPath, SpaceKind, SpaceMember, SpaceRole};
use crate::domain::policy::{SpaceFacts, Viewer};
use crate::domain::supervision_doc::{
    SupervisionKind, SupervisionState, NO_SUCH_EVIDENCE, NO_SUCH_SUPERVISION, SUPERVISION_MOVED,
    SUPERVISION_STALE,
};

/// The id of a supervision document's live text: `<space>:text`.
pub fn supervision_text_id(space_id: &str) -> String {
    format!("{space_id}:text")
}

/// A supervision document to draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSupervision {
    pub id: String,
    pub kind: SupervisionKind,
    pub bureau_org_id: String,
    pub body_org_id: String,
    /// 事由: what it is about.
    pub title: String,
    /// The bureau's region: the space's.
    pub region: RegionCode,
    /// The campaign (专项监督) it is issued within, if any.
    pub campaign_id: Option<String>,
    pub created_by: String,
}

/// A stored supervision document with its reports and evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Supervision {
    /// The space's id.
    pub id: String,
    pub kind: SupervisionKind,
    pub state: SupervisionState,
    pub revision: i64,
    pub bureau_org_id: String,
    pub bureau_name: String,
    pub body_org_id: String,
    pub body_name: String,
    pub title: String,
    pub region: RegionCode,
    pub region_path: RegionPath,
    pub doc_id: String,
    pub notice_id: Option<String>,
    /// The report asked for now (0 before any).
    pub round: i64,
    pub stage_started_at: Option<i64>,
    pub stage_due_at: Option<i64>,
    pub issued_at: Option<i64>,
    pub received_at: Option<i64>,
    pub accepted_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub reason: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// Every report submitted, first round first.
    pub reports: Vec<ReportRow>,
    /// Every piece of evidence, by round, in the order attached.
    pub evidence: Vec<EvidenceFile>,
    pub members: Vec<SpaceMember>,
}

impl Supervision {
    /// What the policy needs to know of its space.
    pub fn facts(&self) -> SpaceFacts<'_> {
        SpaceFacts {
            region_path: &self.region_path,
            members: &self.members,
            closed: false,
            also_supervised_by: None,
        }
    }

    pub fn evidence_file(&self, id: &str) -> Option<&EvidenceFile> {
        self.evidence.iter().find(|e| e.id == id)
    }
}

/// One rectification report as submitted, with the bureau's verdict once given.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReportRow {
    pub round: i64,
    pub text: String,
    pub submitted_by: String,
    pub submitted_by_name: String,
    pub submitted_at: i64,
    /// When it was due (the clock as it ran).
    pub due_at: Option<i64>,
    /// `accepted` or `sent_back`.
    pub verdict: Option<String>,
    pub verdict_reason: Option<String>,
    pub verdict_by_name: Option<String>,
    pub verdict_at: Option<i64>,
}

/// One piece of evidence (a stored file) of a round.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EvidenceFile {
    pub id: String,
    pub round: i64,
    pub sha256: String,
    pub file_name: String,
    pub media_type: String,
    pub size: i64,
    pub attached_by_name: String,
    pub attached_at: i64,
}

/// A report to store with the command that submits it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReport {
    pub text: String,
    pub submitted_by: String,
    pub submitted_by_name: String,
    pub due_at: Option<i64>,
}

/// The bureau's verdict on the report of the current round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// `accepted` or `sent_back`.
    pub verdict: &'static str,
    pub reason: Option<String>,
    pub by: String,
    pub by_name: String,
}

/// What a command changes besides the state: each `Some` is stored. `stage` sets the clock
/// (`Some((None, None))` stops it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SupervisionChange {
    pub id: String,
    pub expected_revision: i64,
    pub at: i64,
    pub state: Option<SupervisionState>,
    pub stage: Option<(Option<i64>, Option<i64>)>,
    /// The next round (a report sent back is asked for again).
    pub round: Option<i64>,
    pub report: Option<NewReport>,
    pub verdict: Option<Verdict>,
    pub accepted_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub reason: Option<String>,
}

/// A file of evidence to attach to the round being written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvidenceFile {
    pub supervision_id: String,
    pub round: i64,
    pub file_name: String,
    pub media_type: String,
    pub attached_by: String,
}

/// Which supervision documents a list asks for by the caller's body's part in them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SupervisionRole {
    /// Those its bureau issues.
    Issued,
    /// Those addressed to it.
    Received,
    /// Those it reads as a bureau above.
    Supervised,
}

#[derive(sqlx::FromRow)]
struct SupervisionRecord {
    id: String,
    kind: String,
    state: String,
    revision: i64,
    bureau_org_id: String,
    bureau_name: String,
    body_org_id: String,
    body_name: String,
    title: String,
    region_code: String,
    region_path: String,
    doc_id: String,
    notice_id: Option<String>,
    round: i64,
    stage_started_at: Option<i64>,
    stage_due_at: Option<i64>,
    issued_at: Option<i64>,
    received_at: Option<i64>,
    accepted_at: Option<i64>,
    closed_at: Option<i64>,
    reason: Option<String>,
    created_by: String,
    created_at: i64,
    updated_at: i64,
}

impl SupervisionRecord {
    fn into_supervision(
        self,
        reports: Vec<ReportRow>,
        evidence: Vec<EvidenceFile>,
        members: Vec<SpaceMember>,
    ) -> Result<Supervision, DbError> {
        Ok(Supervision {
            kind: parse(&self.kind)?,
            state: parse(&self.state)?,
            region: parse_region_code(&self.region_code)?,
            region_path: RegionPath(self.region_path),
            id: self.id,
            revision: self.revision,
            bureau_org_id: self.bureau_org_id,
            bureau_name: self.bureau_name,
            body_org_id: self.body_org_id,
            body_name: self.body_name,
            title: self.title,
            doc_id: self.doc_id,
            notice_id: self.notice_id,
            round: self.round,
            stage_started_at: self.stage_started_at,
            stage_due_at: self.stage_due_at,
            issued_at: self.issued_at,
            received_at: self.received_at,
            accepted_at: self.accepted_at,
            closed_at: self.closed_at,
            reason: self.reason,
            created_by: self.created_by,
            created_at: self.created_at,
            updated_at: self.updated_at,
            reports,
            evidence,
            members,
        })
    }
}

const SUPERVISION_SELECT: &str = "select d.space_id as id, d.kind, d.state, d.revision,
        d.bureau_org_id, a.name_zh as bureau_name, d.body_org_id, b.name_zh as body_name,
        d.title, s.region_code, r.path as region_path, d.doc_id, d.notice_id, d.round,
        d.stage_started_at, d.stage_due_at, d.issued_at, d.received_at, d.accepted_at,
        d.closed_at, d.reason, d.created_by, d.created_at, d.updated_at
    from supervision_docs d join spaces s on s.id = d.space_id
        join regions r on r.code = s.region_code
        join organizations a on a.id = d.bureau_org_id
        join organizations b on b.id = d.body_org_id";

const REPORT_SELECT: &str = "select p.space_id, p.round, p.text, p.submitted_by,
        p.submitted_by_name, p.submitted_at, p.due_at, p.verdict, p.verdict_reason,
        p.verdict_by_name, p.verdict_at
    from supervision_reports p";
const REPORT_ORDER: &str = "order by p.space_id, p.round";

const EVIDENCE_SELECT: &str = "select e.space_id, e.id, e.round, e.sha256, e.file_name,
        e.media_type, e.size, coalesce(u.display_name, e.attached_by) as attached_by_name,
        e.attached_at
    from supervision_evidence e left join users u on u.id = e.attached_by";
const EVIDENCE_ORDER: &str = "order by e.space_id, e.round, e.attached_at, e.id";

#[derive(sqlx::FromRow)]
struct ReportRecord {
    space_id: String,
    #[sqlx(flatten)]
    row: ReportRow,
}

#[derive(sqlx::FromRow)]
struct EvidenceRecord {
    space_id: String,
    #[sqlx(flatten)]
    row: EvidenceFile,
}

/// The supervision documents' rows of their spaces, for [`write_space!`].
pub(super) const SPINE: Spine = Spine {
    table: "supervision_docs",
    missing: &NO_SUCH_SUPERVISION,
    stale: &SUPERVISION_STALE,
    moved: &SUPERVISION_MOVED,
    words: super::spaces::state_words::<SupervisionState>,
};

/// Reads and moves supervision documents on this connection (inside a write, its own rows).
pub(crate) trait SupervisionQueries {
    async fn supervision_by_id(&mut self, id: &str) -> Result<Option<Supervision>, DbError>;

    /// `drafting → issued` (revision + 1): delivered by `notice_id`, and the body takes part
    /// from now on. Refused (Rule) when it is no longer a draft.
    async fn mark_supervision_issued(
        &mut self,
        issued: &SupervisionIssued,
        at: i64,
    ) -> Result<(), DbError>;

    /// `issued → rectifying` (its first report due, the clock from `stage`) or `→ received`
    /// (an opinion). Refused (Rule) when it is no longer issued.
    async fn mark_supervision_received(
        &mut self,
        received: &SupervisionReceived,
        at: i64,
    ) -> Result<(), DbError>;
}

impl_for_both_engines!(SupervisionQueries {
    async fn supervision_by_id(&mut self, id: &str) -> Result<Option<Supervision>, DbError> {
        let record: Option<SupervisionRecord> =
            sqlx::query_as(&format!("{SUPERVISION_SELECT} where d.space_id = $1"))
                .bind(id)
                .fetch_optional(&mut *self)
                .await?;
        let Some(record) = record else {
            return Ok(None);
        };
        let reports: Vec<ReportRecord> =
            sqlx::query_as(&format!("{REPORT_SELECT} where p.space_id = $1 {REPORT_ORDER}"))
                .bind(id)
                .fetch_all(&mut *self)
                .await?;
        let evidence: Vec<EvidenceRecord> =
            sqlx::query_as(&format!("{EVIDENCE_SELECT} where e.space_id = $1 {EVIDENCE_ORDER}"))
                .bind(id)
                .fetch_all(&mut *self)
                .await?;
        let members: Vec<(String, String, String)> =
            sqlx::query_as(&format!("{MEMBER_SELECT} where m.space_id = $1 {MEMBER_ORDER}"))
                .bind(id)
                .fetch_all(&mut *self)
                .await?;
        let members = members_of(members)?.into_iter().map(|(_, m)| m).collect();
        record
            .into_supervision(
                reports.into_iter().map(|r| r.row).collect(),
                evidence.into_iter().map(|e| e.row).collect(),
                members,
            )
            .map(Some)
    }

    async fn mark_supervision_issued(
        &mut self,
        issued: &SupervisionIssued,
        at: i64,
    ) -> Result<(), DbError> {
        let id = issued.supervision_id.as_str();
        let drafting = Expect::State(SupervisionState::Drafting.as_str());
        SpineQueries::expect_row(&mut *self, &SPINE, id, drafting).await?;
        sqlx::query(
            "update supervision_docs set state = 'issued', issued_at = $2, notice_id = $3,
                 revision = revision + 1, updated_at = $2
             where space_id = $1",
        )
        .bind(id)
        .bind(at)
        .bind(&issued.notice_id)
        .execute(&mut *self)
        .await?;
        SpaceRows::put_member(&mut *self, id, &issued.body_org_id, SpaceRole::Member).await
    }

    async fn mark_supervision_received(
        &mut self,
        received: &SupervisionReceived,
        at: i64,
    ) -> Result<(), DbError> {
        let id = received.supervision_id.as_str();
        let issued = Expect::State(SupervisionState::Issued.as_str());
        SpineQueries::expect_row(&mut *self, &SPINE, id, issued).await?;
        let (started, due) = received.stage.unwrap_or_default();
        sqlx::query(
            "update supervision_docs set state = $2, received_at = $3, round = $4,
                 stage_started_at = $5, stage_due_at = $6, revision = revision + 1,
                 updated_at = $3
             where space_id = $1",
        )
        .bind(id)
        .bind(received.state.as_str())
        .bind(at)
        .bind(i64::from(received.stage.is_some()))
        .bind(started)
        .bind(due)
        .execute(&mut *self)
        .await?;
        Ok(())
    }
});

/// A supervision document issued, in the write of the last signature.
#[derive(Debug, Clone)]
pub struct SupervisionIssued {
    pub supervision_id: String,
    pub notice_id: String,
    pub body_org_id: String,
}

impl Consequence for SupervisionIssued {
    fn insert<'a>(&'a self, tx: Tx<'a>, now: i64) -> BoxFuture<'a, Result<(), DbError>> {
        Box::pin(async move {
            match tx {
                Tx::Sqlite(conn) => conn.mark_supervision_issued(self, now).await,
                Tx::Postgres(conn) => conn.mark_supervision_issued(self, now).await,
            }
        })
    }
}

/// A supervision document received (签收), in the write of its notice's acknowledgement.
#[derive(Debug, Clone)]
pub struct SupervisionReceived {
    pub supervision_id: String,
    /// `rectifying` or `received` (the machine's answer).
    pub state: SupervisionState,
    /// The first report's clock (started, due), when one is asked for.
    pub stage: Option<(i64, i64)>,
}

impl Consequence for SupervisionReceived {
    fn insert<'a>(&'a self, tx: Tx<'a>, now: i64) -> BoxFuture<'a, Result<(), DbError>> {
        Box::pin(async move {
            match tx {
                Tx::Sqlite(conn) => conn.mark_supervision_received(self, now).await,
                Tx::Postgres(conn) => conn.mark_supervision_received(self, now).await,
            }
        })
    }
}

impl Effects {
    /// Issues the draft supervision document in the write of its last signature, which also
    /// sends the notice `notice_id` delivering it; the write is refused if it is no longer a
    /// draft.
    pub fn issue_supervision(&mut self, issued: SupervisionIssued) {
        self.insert(issued);
    }

    /// Receives the issued supervision document in the write that acknowledges its notice;
    /// the write is refused if it is no longer issued.
    pub fn receive_supervision(&mut self, received: SupervisionReceived) {
        self.insert(received);
    }
}

impl Db {
    /// Drafts a supervision document: its space (the bureau convener), the record (revision
    /// 1) and its live text; then `effects`.
    pub async fn create_supervision(
        &self,
        new: &NewSupervision,
        now: i64,
        effects: &Effects,
    ) -> Result<Supervision, DbError> {
        let mail = self.mail_delivery;
        let doc_id = supervision_text_id(&new.id);
        in_transaction!(self, |conn| {
            conn.insert_space(
                &new.id,
                SpaceKind::Supervision,
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
                "insert into supervision_docs (space_id, kind, state, bureau_org_id, body_org_id,
                     title, doc_id, created_by, created_at, updated_at, campaign_id)
                 values ($1, $2, 'drafting', $3, $4, $5, $6, $7, $8, $8, $9)",
            )
            .bind(&new.id)
            .bind(new.kind.as_str())
            .bind(&new.bureau_org_id)
            .bind(&new.body_org_id)
            .bind(&new.title)
            .bind(&doc_id)
            .bind(&new.created_by)
            .bind(now)
            .bind(&new.campaign_id)
            .execute(&mut *conn)
            .await?;
            let text = DocRow {
                doc_id: &doc_id,
                title: new.kind.label_zh(),
                role: DocRole::Decision,
                owner_org_id: Some(&new.bureau_org_id),
                briefing: false,
            };
            conn.insert_doc(&new.id, text, now).await?;
            super::effects::EffectQueries::apply_effects(&mut *conn, now, effects, mail).await?;
            conn.supervision_by_id(&new.id)
                .await?
                .ok_or_else(|| not_found(&NO_SUCH_SUPERVISION))
        })
    }

    /// One supervision document.
    pub async fn supervision(&self, id: &str) -> Result<Option<Supervision>, DbError> {
        on_reader!(self, |conn| conn.supervision_by_id(id).await)
    }

    /// The supervision documents a viewer may find, with its body's part as `role` asks (all
    /// when `None`), newest first; with `of`, only those the region's figures count for that
    /// body in that period (issued to it then), and of those only the ones rectified on time
    /// when `on_time` (the figures' own predicate, [`super::figures::RECTIFIED_ON_TIME`]).
    pub async fn supervisions_visible(
        &self,
        viewer: &Viewer<'_>,
        role: Option<SupervisionRole>,
        of: Option<(BodyPeriod<'_>, bool)>,
    ) -> Result<Vec<Supervision>, DbError> {
        let visible = visible_spaces(viewer);
        let body_filter = match of {
            None => String::new(),
            Some((_, on_time)) => format!(
                " and d.body_org_id = $4 and d.issued_at >= $5 and d.issued_at < $6{}",
                if on_time {
                    format!(" and {RECTIFIED_ON_TIME}")
                } else {
                    String::new()
                }
            ),
        };
        let role_filter = match role {
            None => "",
            Some(SupervisionRole::Issued) => " and d.bureau_org_id = $1",
            Some(SupervisionRole::Received) => " and d.body_org_id = $1",
            Some(SupervisionRole::Supervised) => {
                " and d.bureau_org_id <> $1 and d.body_org_id <> $1"
            }
        };
        macro_rules! listed_rows {
            ($conn:ident, $select:expr, $column:expr, $order:expr) => {{
                let sql = format!(
                    "{VISIBLE}, listed (id) as (select d.space_id from supervision_docs d
                         where d.space_id in (select id from visible){role_filter}{body_filter})
                     {} where {} in (select id from listed) {}",
                    $select, $column, $order
                );
                let query = sqlx::query_as(&sql)
                .bind(visible.org_id)
                .bind(&visible.low)
                .bind(&visible.high);
                match of {
                    Some((of, _)) => query
                        .bind(of.org_id)
                        .bind(of.from_ms)
                        .bind(of.to_ms)
                        .fetch_all(&mut *$conn)
                        .await?,
                    None => query.fetch_all(&mut *$conn).await?,
                }
            }};
        }
        on_reader!(self, |conn| {
            let records: Vec<SupervisionRecord> = listed_rows!(
                conn,
                SUPERVISION_SELECT,
                "d.space_id",
                "order by d.created_at desc, d.space_id"
            );
            let reports: Vec<ReportRecord> =
                listed_rows!(conn, REPORT_SELECT, "p.space_id", REPORT_ORDER);
            let evidence: Vec<EvidenceRecord> =
                listed_rows!(conn, EVIDENCE_SELECT, "e.space_id", EVIDENCE_ORDER);
            let members: Vec<(String, String, String)> =
                listed_rows!(conn, MEMBER_SELECT, "m.space_id", MEMBER_ORDER);
            let mut reports = group(reports.into_iter().map(|r| (r.space_id, r.row)).collect());
            let mut evidence = group(evidence.into_iter().map(|e| (e.space_id, e.row)).collect());
            let mut members = group(members_of(members)?);
            records
                .into_iter()
                .map(|r| {
                    let id = r.id.clone();
                    r.into_supervision(
                        reports.remove(&id).unwrap_or_default(),
                        evidence.remove(&id).unwrap_or_default(),
                        members.remove(&id).unwrap_or_default(),
                    )
                })
                .collect()
        })
    }

    /// A command: checks the revision, stores what `change` says (the report it submits, the
    /// verdict it gives), bumps the revision, then `effects`.
    pub async fn change_supervision(
        &self,
        change: &SupervisionChange,
        effects: &Effects,
    ) -> Result<Supervision, DbError> {
        let expect = Expect::Revision(change.expected_revision);
        let id = change.id.as_str();
        let (set_stage, started, due) = match change.stage {
            Some((started, due)) => (true, started, due),
            None => (false, None, None),
        };
        write_space!(self, SPINE, id, expect, change.at, effects, |conn|
        change {
            if let Some(verdict) = &change.verdict {
                sqlx::query(
                    "update supervision_reports set verdict = $2, verdict_reason = $3,
                         verdict_by = $4, verdict_by_name = $5, verdict_at = $6
                     where space_id = $1
                       and round = (select round from supervision_docs where space_id = $1)",
                )
                .bind(id)
                .bind(verdict.verdict)
                .bind(&verdict.reason)
                .bind(&verdict.by)
                .bind(&verdict.by_name)
                .bind(change.at)
                .execute(&mut *conn)
                .await?;
            }
            if let Some(report) = &change.report {
                sqlx::query(
                    "insert into supervision_reports (space_id, round, text, submitted_by,
                         submitted_by_name, submitted_at, due_at)
                     select space_id, round, $2, $3, $4, $5, $6 from supervision_docs
                     where space_id = $1",
                )
                .bind(id)
                .bind(&report.text)
                .bind(&report.submitted_by)
                .bind(&report.submitted_by_name)
                .bind(change.at)
                .bind(report.due_at)
                .execute(&mut *conn)
                .await?;
            }
            sqlx::query(
                "update supervision_docs set
                     state = coalesce($2, state),
                     stage_started_at = case when $3 then $4 else stage_started_at end,
                     stage_due_at = case when $3 then $5 else stage_due_at end,
                     round = coalesce($6, round),
                     accepted_at = coalesce($7, accepted_at),
                     closed_at = coalesce($8, closed_at),
                     reason = coalesce($9, reason)
                 where space_id = $1",
            )
            .bind(id)
            .bind(change.state.map(|s| s.as_str()))
            .bind(set_stage)
            .bind(started)
            .bind(due)
            .bind(change.round)
            .bind(change.accepted_at)
            .bind(change.closed_at)
            .bind(&change.reason)
            .execute(&mut *conn)
            .await?;
        }
        answer {
            conn.supervision_by_id(id)
                .await?
                .ok_or_else(|| not_found(&NO_SUCH_SUPERVISION))?
        })
    }

    /// Stores `bytes` as a piece of evidence of the round being written, if the document is
    /// still rectifying at that round. The revision is left alone.
    pub async fn attach_supervision_evidence(
        &self,
        file: &NewEvidenceFile,
        bytes: &[u8],
        at: i64,
        effects: &Effects,
    ) -> Result<Supervision, DbError> {
        let id = file.supervision_id.as_str();
        let expect = Expect::State(SupervisionState::Rectifying.as_str());
        write_space!(self, SPINE, id, expect, at, effects, |conn|
        change {
            let blob = conn.put_blob(bytes, at).await?;
            let inserted = sqlx::query(
                "insert into supervision_evidence (id, space_id, round, sha256, file_name,
                     media_type, size, attached_by, attached_at)
                 select $1, space_id, round, $3, $4, $5, $6, $7, $8 from supervision_docs
                 where space_id = $2 and round = $9",
            )
            .bind(super::new_id())
            .bind(id)
            .bind(&blob.sha256)
            .bind(&file.file_name)
            .bind(&file.media_type)
            .bind(blob.size)
            .bind(&file.attached_by)
            .bind(at)
            .bind(file.round)
            .execute(&mut *conn)
            .await?;
            if inserted.rows_affected() == 0 {
                // A report was sent back meanwhile: the caller saw another round.
                return Err(not_found(&NO_SUCH_SUPERVISION));
            }
        }
        answer {
            conn.supervision_by_id(id)
                .await?
                .ok_or_else(|| not_found(&NO_SUCH_SUPERVISION))?
        })
    }

    /// Removes a piece of evidence of the round being written, not yet submitted.
    pub async fn remove_supervision_evidence(
        &self,
        id: &str,
        evidence_id: &str,
        at: i64,
        effects: &Effects,
    ) -> Result<Supervision, DbError> {
        let expect = Expect::State(SupervisionState::Rectifying.as_str());
        write_space!(self, SPINE, id, expect, at, effects, |conn|
        change {
            let removed = sqlx::query(
                "delete from supervision_evidence where space_id = $1 and id = $2
                   and round = (select round from supervision_docs where space_id = $1)",
            )
            .bind(id)
            .bind(evidence_id)
            .execute(&mut *conn)
            .await?;
            if removed.rows_affected() == 0 {
                return Err(not_found(&NO_SUCH_EVIDENCE));
            }
        }
        answer {
            conn.supervision_by_id(id)
                .await?
                .ok_or_else(|| not_found(&NO_SUCH_SUPERVISION))?
        })
    }
}
