//! Filings (报备) as stored: the filing, its files, and the December clock's question (which
//! bodies have not filed their annual report of a year).
//!
//! # A filing is a space
//!
//! Filing creates, in one transaction, the space of kind `filing` in the filing body's region
//! (the body its `convener`, the judicial bureau it files with a `member`), so the bureaus
//! above read it as they read every space of their region ([`VISIBLE`]) and a sibling region's
//! bureau never finds it. It has no live document. Every command goes through
//! [`write_space!`] at the revision its caller read; the rules live in `domain::filing`, and
//! this module never decides a transition.

use super::common::{
    impl_for_both_engines, in_transaction, not_found, on_reader, parse, parse_region_code,
    subtree_range,
};
use super::effects::Effects;
use super::spaces::{
    group, members_of, visible_spaces, write_space, Expect, SpaceRows, Spine, MEMBER_ORDER,
    MEMBER_SELECT, VISIBLE,
};
use super::supervision::{DeskBody, DeskRow, DeskTally};
use super::{Db, DbError};
use crate::domain::filing::{FilingKind, FilingState, FILING_MOVED, FILING_STALE, NO_SUCH_FILING};
use crate::domain::org::{RegionCode, RegionPath, SpaceKind, SpaceMember, SpaceRole};
use crate::domain::policy::{SpaceFacts, Viewer};
use crate::domain::supervision::DeskState;

/// A filing to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFiling {
    pub id: String,
    pub kind: FilingKind,
    pub year: Option<i32>,
    pub body_org_id: String,
    pub bureau_org_id: String,
    /// The body's region: the space's.
    pub region: RegionCode,
    pub title: String,
    pub text: String,
    /// The campaign (专项监督, 执法检查) whose result it files, if any.
    pub campaign_id: Option<String>,
    pub created_by: String,
}

/// A stored filing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filing {
    pub id: String,
    pub kind: FilingKind,
    pub year: Option<i32>,
    pub state: FilingState,
    pub revision: i64,
    pub body_org_id: String,
    pub body_name: String,
    pub bureau_org_id: String,
    pub bureau_name: String,
    pub region: RegionCode,
    pub region_path: RegionPath,
    pub title: String,
    pub text: String,
    pub round: i64,
    pub filed_at: i64,
    pub acknowledged_at: Option<i64>,
    pub acknowledged_by_name: Option<String>,
    pub reason: Option<String>,
    pub sent_back_at: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub files: Vec<FilingFile>,
    pub members: Vec<SpaceMember>,
}

impl Filing {
    /// What the policy needs to know of the filing's space.
    pub fn facts(&self) -> SpaceFacts<'_> {
        SpaceFacts {
            region_path: &self.region_path,
            members: &self.members,
            closed: false,
            also_supervised_by: None,
        }
    }
}

/// A file of a filing.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FilingFile {
    pub id: String,
    pub sha256: String,
    pub file_name: String,
    pub media_type: String,
    pub size: i64,
    pub attached_by: String,
    pub attached_at: i64,
}

/// A file to attach to a filing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFilingFile {
    pub id: String,
    pub sha256: String,
    pub file_name: String,
    pub media_type: String,
    pub size: i64,
    pub attached_by: String,
}

/// What a filing command stores: the new state, and what the command brings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilingChange {
    pub id: String,
    pub expected_revision: i64,
    pub state: FilingState,
    pub at: i64,
    /// Acknowledged: by whom (a user id).
    pub acknowledged_by: Option<String>,
    /// Sent back: why.
    pub reason: Option<String>,
    /// Filed again: the title and text now.
    pub refiled: Option<(String, String)>,
}

/// Which filings a list asks for by the caller's body's part in them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilingRole {
    /// Those it filed.
    Filed,
    /// Those filed with it.
    Received,
}

/// A body that has not filed its annual report of a year: what the December clock tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwedReport {
    pub org_id: String,
    pub name_zh: String,
    /// Its report sent back and not yet filed again, if so.
    pub sent_back: bool,
}

/// The filings' rows of their spaces, for [`write_space!`].
pub(super) const SPINE: Spine = Spine {
    table: "filings",
    missing: &NO_SUCH_FILING,
    stale: &FILING_STALE,
    moved: &FILING_MOVED,
    words: super::spaces::state_words::<FilingState>,
};

#[derive(sqlx::FromRow)]
struct FilingRecord {
    id: String,
    kind: String,
    year: Option<i32>,
    state: String,
    revision: i64,
    body_org_id: String,
    body_name: String,
    bureau_org_id: String,
    bureau_name: String,
    region_code: String,
    region_path: String,
    title: String,
    text: String,
    round: i64,
    filed_at: i64,
    acknowledged_at: Option<i64>,
    acknowledged_by_name: Option<String>,
    reason: Option<String>,
    sent_back_at: Option<i64>,
    created_by: String,
    created_at: i64,
    updated_at: i64,
}

impl FilingRecord {
    fn into_filing(
        self,
        files: Vec<FilingFile>,
        members: Vec<SpaceMember>,
    ) -> Result<Filing, DbError> {
        Ok(Filing {
            id: self.id,
            kind: parse(&self.kind)?,
            year: self.year,
            state: parse(&self.state)?,
            revision: self.revision,
            body_org_id: self.body_org_id,
            body_name: self.body_name,
            bureau_org_id: self.bureau_org_id,
            bureau_name: self.bureau_name,
            region: parse_region_code(&self.region_code)?,
            region_path: RegionPath(self.region_path),
            title: self.title,
            text: self.text,
            round: self.round,
            filed_at: self.filed_at,
            acknowledged_at: self.acknowledged_at,
            acknowledged_by_name: self.acknowledged_by_name,
            reason: self.reason,
            sent_back_at: self.sent_back_at,
            created_by: self.created_by,
            created_at: self.created_at,
            updated_at: self.updated_at,
            files,
            members,
        })
    }
}

const FILING_SELECT: &str = "select f.space_id as id, f.kind, f.year, f.state, f.revision,
        f.body_org_id, a.name_zh as body_name, f.bureau_org_id, b.name_zh as bureau_name,
        s.region_code, r.path as region_path, f.title, f.text, f.round, f.filed_at,
        f.acknowledged_at, u.display_name as acknowledged_by_name, f.reason, f.sent_back_at,
        f.created_by, f.created_at, f.updated_at
    from filings f join spaces s on s.id = f.space_id
        join regions r on r.code = s.region_code
        join organizations a on a.id = f.body_org_id
        join organizations b on b.id = f.bureau_org_id
        left join users u on u.id = f.acknowledged_by";

const FILE_SELECT: &str = "select x.space_id, x.id, x.sha256, x.file_name, x.media_type, x.size,
        x.attached_by, x.attached_at
    from filing_files x";
const FILE_ORDER: &str = "order by x.space_id, x.attached_at, x.id";

#[derive(sqlx::FromRow)]
struct FileRecord {
    space_id: String,
    #[sqlx(flatten)]
    file: FilingFile,
}

/// Reads and writes filings on this connection (inside a write, the write's own rows).
pub(crate) trait FilingQueries {
    async fn filing_by_id(&mut self, id: &str) -> Result<Option<Filing>, DbError>;

    async fn insert_filing_files(
        &mut self,
        space_id: &str,
        files: &[NewFilingFile],
        at: i64,
    ) -> Result<(), DbError>;
}

impl_for_both_engines!(FilingQueries {
    async fn filing_by_id(&mut self, id: &str) -> Result<Option<Filing>, DbError> {
        let record: Option<FilingRecord> =
            sqlx::query_as(&format!("{FILING_SELECT} where f.space_id = $1"))
                .bind(id)
                .fetch_optional(&mut *self)
                .await?;
        let Some(record) = record else {
            return Ok(None);
        };
        let files: Vec<FileRecord> =
            sqlx::query_as(&format!("{FILE_SELECT} where x.space_id = $1 {FILE_ORDER}"))
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
            .into_filing(files.into_iter().map(|f| f.file).collect(), members)
            .map(Some)
    }

    async fn insert_filing_files(
        &mut self,
        space_id: &str,
        files: &[NewFilingFile],
        at: i64,
    ) -> Result<(), DbError> {
        for file in files {
            sqlx::query(
                "insert into filing_files (id, space_id, sha256, file_name, media_type, size,
                     attached_by, attached_at)
                 values ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&file.id)
            .bind(space_id)
            .bind(&file.sha256)
            .bind(&file.file_name)
            .bind(&file.media_type)
            .bind(file.size)
            .bind(&file.attached_by)
            .bind(at)
            .execute(&mut *self)
            .await?;
        }
        Ok(())
    }
});

impl Db {
    /// Files: the space (the body convener, the bureau a member), the row (revision 1,
    /// `filed`) and its files, then `effects`.
    pub async fn create_filing(
        &self,
        new: &NewFiling,
        files: &[NewFilingFile],
        now: i64,
        effects: &Effects,
    ) -> Result<Filing, DbError> {
        let mail = self.mail_delivery;
        in_transaction!(self, |conn| {
            conn.insert_space(
                &new.id,
                SpaceKind::Filing,
                &new.title,
                &new.region,
                false,
                &new.created_by,
                now,
            )
            .await?;
            conn.put_member(&new.id, &new.body_org_id, SpaceRole::Convener)
                .await?;
            conn.put_member(&new.id, &new.bureau_org_id, SpaceRole::Member)
                .await?;
            sqlx::query(
                "insert into filings (space_id, kind, year, state, body_org_id, bureau_org_id,
                     title, text, filed_at, created_by, created_at, updated_at, campaign_id)
                 values ($1, $2, $3, 'filed', $4, $5, $6, $7, $8, $9, $8, $8, $10)",
            )
            .bind(&new.id)
            .bind(new.kind.as_str())
            .bind(new.year)
            .bind(&new.body_org_id)
            .bind(&new.bureau_org_id)
            .bind(&new.title)
            .bind(&new.text)
            .bind(now)
            .bind(&new.created_by)
            .bind(&new.campaign_id)
            .execute(&mut *conn)
            .await?;
            conn.insert_filing_files(&new.id, files, now).await?;
            super::effects::EffectQueries::apply_effects(&mut *conn, now, effects, mail).await?;
            conn.filing_by_id(&new.id)
                .await?
                .ok_or_else(|| not_found(&NO_SUCH_FILING))
        })
    }

    /// One filing.
    pub async fn filing(&self, id: &str) -> Result<Option<Filing>, DbError> {
        on_reader!(self, |conn| conn.filing_by_id(id).await)
    }

    /// The id of `org_id`'s annual report of `year`, if it filed one.
    pub async fn annual_report_of(
        &self,
        org_id: &str,
        year: i32,
    ) -> Result<Option<String>, DbError> {
        let found: Option<(String,)> = on_reader!(self, |conn| {
            sqlx::query_as(
                "select space_id from filings
                 where body_org_id = $1 and year = $2 and kind = 'annual_report'",
            )
            .bind(org_id)
            .bind(year)
            .fetch_optional(&mut *conn)
            .await?
        });
        Ok(found.map(|(id,)| id))
    }

    /// The filings a viewer may find, with its body's part in them as `role` asks (all when
    /// `None`), newest first.
    pub async fn filings_visible(
        &self,
        viewer: &Viewer<'_>,
        role: Option<FilingRole>,
    ) -> Result<Vec<Filing>, DbError> {
        let visible = visible_spaces(viewer);
        let role_filter = match role {
            None => "",
            Some(FilingRole::Filed) => " and f.body_org_id = $1",
            Some(FilingRole::Received) => " and f.bureau_org_id = $1",
        };
        macro_rules! listed_rows {
            ($conn:ident, $select:expr, $column:expr, $order:expr) => {
                sqlx::query_as(&format!(
                    "{VISIBLE}, listed (id) as (select f.space_id from filings f
                         where f.space_id in (select id from visible){role_filter})
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
            let records: Vec<FilingRecord> = listed_rows!(
                conn,
                FILING_SELECT,
                "f.space_id",
                "order by f.created_at desc, f.space_id"
            );
            let files: Vec<FileRecord> = listed_rows!(conn, FILE_SELECT, "x.space_id", FILE_ORDER);
            let members: Vec<(String, String, String)> =
                listed_rows!(conn, MEMBER_SELECT, "m.space_id", MEMBER_ORDER);
            let mut files = group(files.into_iter().map(|f| (f.space_id, f.file)).collect());
            let mut members = group(members_of(members)?);
            records
                .into_iter()
                .map(|r| {
                    let id = r.id.clone();
                    r.into_filing(
                        files.remove(&id).unwrap_or_default(),
                        members.remove(&id).unwrap_or_default(),
                    )
                })
                .collect()
        })
    }

    /// A filing command: checks the revision, stores what `change` says (and, filed again,
    /// its new files), bumps the revision, then `effects`.
    pub async fn change_filing(
        &self,
        change: &FilingChange,
        files: &[NewFilingFile],
        effects: &Effects,
    ) -> Result<Filing, DbError> {
        let expect = Expect::Revision(change.expected_revision);
        let id = change.id.as_str();
        let acknowledged = change.state == FilingState::Acknowledged;
        let sent_back = change.state == FilingState::SentBack;
        let (title, text) = change.refiled.clone().unzip();
        write_space!(self, SPINE, id, expect, change.at, effects, |conn|
        change {
            sqlx::query(
                "update filings set
                     state = $2,
                     acknowledged_at = case when $3 then $4 else acknowledged_at end,
                     acknowledged_by = coalesce($5, acknowledged_by),
                     reason = case when $6 then $7 else reason end,
                     sent_back_at = case when $6 then $4 else sent_back_at end,
                     title = coalesce($8, title),
                     text = coalesce($9, text),
                     round = case when $10 then round + 1 else round end,
                     filed_at = case when $10 then $4 else filed_at end
                 where space_id = $1",
            )
            .bind(id)
            .bind(change.state.as_str())
            .bind(acknowledged)
            .bind(change.at)
            .bind(&change.acknowledged_by)
            .bind(sent_back)
            .bind(&change.reason)
            .bind(&title)
            .bind(&text)
            .bind(change.refiled.is_some())
            .execute(&mut *conn)
            .await?;
            conn.insert_filing_files(id, files, change.at).await?;
        }
        answer {
            conn.filing_by_id(id)
                .await?
                .ok_or_else(|| not_found(&NO_SUCH_FILING))?
        })
    }

    /// The bodies of kind `kinds` in `region`'s subtree (every region when `None`) that existed
    /// before `created_before` and have not filed their annual report of `year` (none, or one
    /// sent back): whom the December clock reminds.
    pub async fn annual_reports_owed(
        &self,
        year: i32,
        kinds: &[&str],
        region: Option<&RegionPath>,
        created_before: i64,
    ) -> Result<Vec<OwedReport>, DbError> {
        let (low, high) = region.map(subtree_range).unwrap_or_else(|| {
            // Every path starts with '/': the whole tree.
            ("/".to_owned(), "0".to_owned())
        });
        let kinds = kinds
            .iter()
            .map(|k| format!("'{}'", k.replace('\'', "")))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "select o.id, o.name_zh, f.state
             from regions g join organizations o on o.region_code = g.code
                  left join filings f on f.body_org_id = o.id and f.kind = 'annual_report'
                                     and f.year = $3
             where g.path >= $1 and g.path < $2 and o.kind in ({kinds})
               and o.created_at < $4
               and (f.state is null or f.state = 'sent_back')
             order by g.path, o.name_zh, o.id"
        );
        let rows: Vec<(String, String, Option<String>)> = on_reader!(self, |conn| {
            sqlx::query_as(&sql)
                .bind(&low)
                .bind(&high)
                .bind(year)
                .bind(created_before)
                .fetch_all(&mut *conn)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(|(org_id, name_zh, state)| OwedReport {
                org_id,
                name_zh,
                sent_back: state.is_some(),
            })
            .collect())
    }

    /// The desk's lines of the annual reports of `owed.year` not filed by the bodies of kind
    /// `owed.kinds` in `owed.region`'s subtree that existed when its December began (only
    /// `owing`'s when given): at most `limit`, in the order of the region tree, then by name.
    /// Sides: the body, and the judicial bureau it files with (the lowest at or above its
    /// region).
    pub async fn desk_annual_reports(
        &self,
        owed: &ReportsOwed<'_>,
        owing: Option<&str>,
        limit: i64,
    ) -> Result<Vec<DeskRow>, DbError> {
        let only = if owing.is_some() {
            " and o.id = $8"
        } else {
            ""
        };
        let sql = format!(
            "select o.id, o.name_zh, g.path, coalesce(f.state, 'not_filed'),
                    exists (select 1 from jobs x where x.subject = $6 || o.id
                            and x.kind = $7 and x.state = 'done')
             {}{only}
             order by g.path, o.name_zh, o.id
             limit $5",
            owed.tables_and_filter(),
        );
        let (low, high) = subtree_range(owed.region);
        let prefix = format!("annual_report:{}:", owed.year);
        let rows: Vec<(String, String, String, String, bool)> = on_reader!(self, |conn| {
            let query = sqlx::query_as(&sql)
                .bind(&low)
                .bind(&high)
                .bind(owed.year)
                .bind(owed.december_starts)
                .bind(limit.max(0))
                .bind(&prefix)
                .bind(owed.escalate_kind);
            match owing {
                Some(org) => query.bind(org),
                None => query,
            }
            .fetch_all(&mut *conn)
            .await?
        });
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        // The bureaus any of these bodies can file with, read once: those of the region and
        // above it, and those below it; the lowest first, then by code, as a body picks its own.
        let bureaus: Vec<(String, String, String)> = on_reader!(self, |conn| {
            sqlx::query_as(
                "select j.id, j.name_zh, jr.path
                 from organizations j join regions jr on jr.code = j.region_code
                 where j.kind = 'judicial_bureau'
                   and (substr($1, 1, length(jr.path)) = jr.path
                        or (jr.path >= $1 and jr.path < $2))
                 order by length(jr.path) desc, j.code",
            )
            .bind(&low)
            .bind(&high)
            .fetch_all(&mut *conn)
            .await?
        });
        let (year, due_at) = (owed.year, owed.due_at);
        rows.into_iter()
            .map(|(org_id, name_zh, path, state, escalated)| {
                let bureau = bureaus
                    .iter()
                    .find(|(_, _, bureau_path)| path.starts_with(bureau_path.as_str()))
                    .map(|(id, name, path)| DeskBody {
                        org_id: id.clone(),
                        name_zh: name.clone(),
                        region_path: RegionPath(path.clone()),
                    })
                    .unwrap_or_else(|| DeskBody {
                        org_id: String::new(),
                        name_zh: String::new(),
                        region_path: RegionPath(String::new()),
                    });
                let body = DeskBody {
                    org_id: org_id.clone(),
                    name_zh,
                    region_path: RegionPath(path),
                };
                Ok(DeskRow {
                    id: format!("{org_id}:{year}"),
                    title: format!("{year}年度行政执法工作情况报告"),
                    state: DeskState::AnnualReport(parse(&state)?),
                    sides: (body, bureau),
                    due_at,
                    escalated,
                })
            })
            .collect()
    }

    /// The bodies that owe `owed.year`'s annual report (one line each), and whether its 督办
    /// was sent: the desk's counts of [`Db::desk_annual_reports`]' lines, without their names.
    pub async fn desk_annual_report_tally(
        &self,
        owed: &ReportsOwed<'_>,
    ) -> Result<Vec<DeskTally>, DbError> {
        let sql = format!(
            "select o.id, cast(1 as bigint),
                    cast(case when exists (select 1 from jobs x where x.subject = $6 || o.id
                                           and x.kind = $5 and x.state = 'done')
                         then 1 else 0 end as bigint)
             {}",
            owed.tables_and_filter(),
        );
        let (low, high) = subtree_range(owed.region);
        let prefix = format!("annual_report:{}:", owed.year);
        let rows: Vec<(String, i64, i64)> = on_reader!(self, |conn| {
            sqlx::query_as(&sql)
                .bind(&low)
                .bind(&high)
                .bind(owed.year)
                .bind(owed.december_starts)
                .bind(owed.escalate_kind)
                .bind(&prefix)
                .fetch_all(&mut *conn)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(|(org_id, lines, escalated)| DeskTally {
                org_id,
                lines,
                escalated,
            })
            .collect())
    }
}

/// Which annual reports the desk lists as owed: `year`'s, due at `due_at`, by the bodies of
/// kind `kinds` in `region`'s subtree that existed when its December began
/// (`december_starts`); `escalate_kind` is the job kind of a report's 督办.
#[derive(Debug, Clone)]
pub struct ReportsOwed<'a> {
    pub region: &'a RegionPath,
    pub year: i32,
    pub due_at: i64,
    pub december_starts: i64,
    pub kinds: &'a [&'a str],
    pub escalate_kind: &'a str,
}

impl ReportsOwed<'_> {
    /// The `from … where …` of the bodies owing the report: `$1`, `$2` the region's range,
    /// `$3` the year, `$4` when its December began.
    fn tables_and_filter(&self) -> String {
        let kinds = self
            .kinds
            .iter()
            .map(|k| format!("'{}'", k.replace('\'', "")))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "from regions g join organizations o on o.region_code = g.code
                  left join filings f on f.body_org_id = o.id and f.kind = 'annual_report'
                                     and f.year = $3
             where g.path >= $1 and g.path < $2 and o.kind in ({kinds})
               and o.created_at < $4
               and (f.state is null or f.state = 'sent_back')"
        )
    }
}
