//! Spaces (meetings, joint investigations, disputes), the organizations taking part in each,
//! and the collaborative documents that belong to them.
//!
//! # What decides visibility
//!
//! An organization sees a space it takes part in (any role). A judicial bureau also sees the
//! spaces of its region and every region below it, and nothing of a sibling region (DOMAIN.md,
//! "What must never happen"). [`VISIBLE`] answers both parts in one query, which
//! [`Db::visible_spaces`] and every workflow's list (`Db::meetings_visible`, …) share; the
//! rule about *who* counts as supervising lives in `domain::policy` ([`Viewer`]). A space stores its region's code, not its path, so moving a region moves its spaces
//! along with it.
//!
//! Every workflow's write to its space takes the same steps (check the revision or state the
//! caller read, change, bump, read back, apply effects): [`write_space!`] is that skeleton,
//! parameterized by the workflow's [`Spine`].
//!
//! A space always keeps at least one convener: without one, no one could manage who takes
//! part. Membership changes check that in their transaction, under the membership lock on
//! PostgreSQL.

use std::collections::HashMap;

use super::audit::AuditQueries;
use super::common::{
    impl_for_both_engines, in_transaction, lock_keys, new_id, not_found, on_reader, parse,
    parse_name, parse_region_code, rule, subtree_range, Exclusive, RowLocks,
};
use super::directory::DirectoryQueries;
use super::identity::{AuditEvent, NewSpace, NewSpaceDoc, Space, SpaceDoc};
use super::{Db, DbError};
use crate::domain::kernel::Label;
use crate::domain::message::Phrase;
use crate::domain::org::SpaceMember;
use crate::domain::org::{DocRole, RegionCode, RegionPath, SpaceKind, SpaceRole};
use crate::domain::phrases;
use crate::domain::policy::Viewer;

/// `with visible (id) as (…)`: the ids of the spaces a [`Viewer`] may find, with its three
/// parameters `$1` (the viewer's organization), `$2` and `$3` (the supervised region's range,
/// from [`visible_spaces`]). Every list of a workflow's spaces (meetings, disputes, …) starts
/// with it, so "which spaces may I see" is answered in one place.
pub(super) const VISIBLE: &str = "with visible (id) as (
        select space_id from space_members where org_id = $1
        union
        select s.id from spaces s join regions r on r.code = s.region_code
        where r.path >= $2 and r.path < $3 and not s.closed
    )";

/// The parameters of [`VISIBLE`] for a viewer.
pub(super) struct VisibleSpaces<'a> {
    pub org_id: &'a str,
    pub low: String,
    pub high: String,
}

/// [`VISIBLE`]'s parameters: the viewer's organization, and the range of region paths it
/// supervises (empty, `'' <= path < ''`, for a body that supervises none).
pub(super) fn visible_spaces<'a>(viewer: &Viewer<'a>) -> VisibleSpaces<'a> {
    let (low, high) = viewer.supervised.map(subtree_range).unwrap_or_default();
    VisibleSpaces {
        org_id: viewer.org_id,
        low,
        high,
    }
}

/// How a workflow keeps the row of its space: the table that holds it (keyed by `space_id`,
/// with `state`, `revision` and `updated_at` columns) and the words of the refusals
/// [`write_space!`] gives for it. Each workflow's db module has one (`meetings.rs`: `SPINE`).
pub(crate) struct Spine {
    /// `meetings`, `disputes`, …
    pub table: &'static str,
    /// When the row does not exist: "no meeting with this id".
    pub missing: &'static Phrase,
    /// When the caller read an older revision: "the meeting was changed by someone else
    /// meanwhile (it is at revision {revision}); reload it and try again".
    pub stale: &'static Phrase,
    /// When the state moved since the caller saw it: "the meeting changed meanwhile (it is
    /// now {now}); reload it and try again".
    pub moved: &'static Phrase,
    /// The words of a stored state, for `{now}`: [`state_words`] of the workflow's states.
    pub words: fn(&str) -> Option<(&'static str, &'static str)>,
}

/// The words of the state stored as `stored`, for a refusal's `{now}`: its Chinese label and,
/// as [`Refused::in_state`](crate::domain::kernel::Refused::in_state) says it in English, its
/// stored name.
pub(crate) fn state_words<S: Label>(stored: &str) -> Option<(&'static str, &'static str)> {
    S::ALL
        .iter()
        .find(|s| s.as_str() == stored)
        .map(|s| (s.label_zh(), s.as_str()))
}

/// What a write checks of its workflow's row before it changes anything.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Expect<'a> {
    /// The row is still at the revision the caller read; the write then bumps it, so the next
    /// writer who read the old one is refused.
    Revision(i64),
    /// The row is still in the state the caller saw (a write that leaves the revision alone:
    /// an invitation's answer, a check-in, an agenda item).
    State(&'a str),
}

/// The statements [`write_space!`] runs on a workflow's row.
pub(crate) trait SpineQueries {
    /// Locks the row to the end of the transaction (PostgreSQL) and checks `expect`.
    async fn expect_row(
        &mut self,
        spine: &Spine,
        id: &str,
        expect: Expect<'_>,
    ) -> Result<(), DbError>;
    /// Revision + 1, updated at `at`.
    async fn bump_row(&mut self, spine: &Spine, id: &str, at: i64) -> Result<(), DbError>;
}

impl_for_both_engines!(SpineQueries {
    async fn expect_row(
        &mut self,
        spine: &Spine,
        id: &str,
        expect: Expect<'_>,
    ) -> Result<(), DbError> {
        let for_update = self.for_update();
        let found: Option<(String, i64)> = sqlx::query_as(&format!(
            "select state, revision from {} where space_id = $1{for_update}",
            spine.table
        ))
        .bind(id)
        .fetch_optional(&mut *self)
        .await?;
        let (state, revision) = found.ok_or_else(|| not_found(spine.missing))?;
        match expect {
            Expect::Revision(expected) if revision != expected => {
                Err(rule(spine.stale.with("revision", revision)))
            }
            Expect::State(expected) if state != expected => Err(rule(match (spine.words)(&state) {
                Some((zh, en)) => spine.moved.message().with_words("now", zh, en),
                None => spine.moved.with("now", &state),
            })),
            _ => Ok(()),
        }
    }

    async fn bump_row(&mut self, spine: &Spine, id: &str, at: i64) -> Result<(), DbError> {
        sqlx::query(&format!(
            "update {} set revision = revision + 1, updated_at = $2 where space_id = $1",
            spine.table
        ))
        .bind(id)
        .bind(at)
        .execute(&mut *self)
        .await?;
        Ok(())
    }
});

/// One write to a workflow's space (a meeting, a dispute, an investigation group): the
/// skeleton every such write shares, in one transaction:
///
/// 1. lock the workflow's row and check what the caller read ([`Expect`]), else refuse;
/// 2. run `change` (the workflow's own statements; a `return Err(…)` rolls everything back);
/// 3. for [`Expect::Revision`], bump the revision;
/// 4. compute `answer` (usually the row read back, so the caller sees the new revision);
/// 5. apply the [`Effects`](super::Effects): other workflows' rows, events, jobs, audit rows.
///
/// ```text
/// write_space!(self, SPINE, id, Expect::Revision(expected), at, effects, |conn|
///     change { /* update … */ }
///     answer { conn.meeting_by_id(id).await?.ok_or_else(no_meeting)? })
/// ```
macro_rules! write_space {
    ($db:expr, $spine:expr, $id:expr, $expect:expr, $at:expr, $effects:expr, |$conn:ident|
        change $change:block answer $answer:block) => {{
        let mail = $db.mail_delivery;
        let (id, expect, at): (&str, $crate::db::spaces::Expect<'_>, i64) = ($id, $expect, $at);
        $crate::db::common::in_transaction!($db, |$conn| {
            $crate::db::spaces::SpineQueries::expect_row(&mut *$conn, &$spine, id, expect)
                .await?;
            $change
            if let $crate::db::spaces::Expect::Revision(_) = expect {
                $crate::db::spaces::SpineQueries::bump_row(&mut *$conn, &$spine, id, at).await?;
            }
            let answer = $answer;
            $crate::db::effects::EffectQueries::apply_effects(&mut *$conn, at, $effects, mail)
                .await?;
            Ok(answer)
        })
    }};
}

pub(crate) use write_space;

/// A space as stored, with its region's path, before its members are attached.
#[derive(sqlx::FromRow)]
struct SpaceRecord {
    id: String,
    kind: String,
    title: String,
    region_code: String,
    region_path: String,
    created_by: String,
    created_at: i64,
    closed: bool,
}

impl SpaceRecord {
    fn into_space(self, members: Vec<SpaceMember>) -> Result<Space, DbError> {
        Ok(Space {
            id: self.id,
            kind: parse(&self.kind)?,
            title: parse_name(&self.title)?,
            region: parse_region_code(&self.region_code)?,
            region_path: RegionPath(self.region_path),
            created_by: self.created_by,
            created_at: self.created_at,
            members,
            closed: self.closed,
        })
    }
}

const SPACE_SELECT: &str = "select s.id, s.kind, s.title, s.region_code, r.path as region_path,
        s.created_by, s.created_at, s.closed
    from spaces s join regions r on r.code = s.region_code";

/// A membership as stored.
#[derive(sqlx::FromRow)]
struct MemberRecord {
    space_id: String,
    org_id: String,
    role: String,
}

/// `convener` < `member` < `observer` as text too, so this orders by importance.
/// Every workflow's read of its spaces' members: `(space_id, org_id, role)` rows…
pub(super) const MEMBER_SELECT: &str = "select m.space_id, m.org_id, m.role from space_members m";
/// … in this order (each space's conveners first).
pub(super) const MEMBER_ORDER: &str = "order by m.space_id, m.role, m.org_id";

/// Rows keyed by their space (or other parent) id, gathered per key, in their order.
pub(super) fn group<T>(rows: Vec<(String, T)>) -> HashMap<String, Vec<T>> {
    let mut by: HashMap<String, Vec<T>> = HashMap::new();
    for (key, row) in rows {
        by.entry(key).or_default().push(row);
    }
    by
}

/// [`MEMBER_SELECT`]'s rows as members, each with its space's id.
pub(super) fn members_of(
    rows: Vec<(String, String, String)>,
) -> Result<Vec<(String, SpaceMember)>, DbError> {
    rows.into_iter()
        .map(|(space, org_id, role)| Ok((space, SpaceMember::new(org_id, parse(&role)?))))
        .collect()
}

/// A document as stored.
#[derive(sqlx::FromRow)]
struct SpaceDocRecord {
    doc_id: String,
    space_id: String,
    title: String,
    frozen: bool,
    role: String,
    owner_org_id: Option<String>,
    briefing: bool,
    created_at: i64,
}

impl TryFrom<SpaceDocRecord> for SpaceDoc {
    type Error = DbError;
    fn try_from(d: SpaceDocRecord) -> Result<SpaceDoc, DbError> {
        Ok(SpaceDoc {
            doc_id: d.doc_id,
            space_id: d.space_id,
            title: parse_name(&d.title)?,
            frozen: d.frozen,
            role: parse(&d.role)?,
            owner_org_id: d.owner_org_id,
            briefing: d.briefing,
            created_at: d.created_at,
        })
    }
}

const DOC_SELECT: &str =
    "select doc_id, space_id, title, frozen, role, owner_org_id, briefing, created_at
     from space_docs";

/// Groups membership rows by space, keeping their order.
fn members_by_space(
    records: Vec<MemberRecord>,
) -> Result<HashMap<String, Vec<SpaceMember>>, DbError> {
    let mut by_space: HashMap<String, Vec<SpaceMember>> = HashMap::new();
    for m in records {
        by_space.entry(m.space_id).or_default().push(SpaceMember {
            org_id: m.org_id,
            role: parse(&m.role)?,
        });
    }
    Ok(by_space)
}

/// A document a workflow's write makes in its space.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DocRow<'a> {
    pub doc_id: &'a str,
    pub title: &'a str,
    pub role: DocRole,
    /// The one body that writes a section or a statement.
    pub owner_org_id: Option<&'a str>,
    /// Read by the observers of a closed space too.
    pub briefing: bool,
}

/// The rows of the spine a workflow's own writes make and change, inside their transaction:
/// its space, who takes part, its documents. A workflow's db module calls these instead of
/// writing `spaces`, `space_members` or `space_docs` itself.
pub(crate) trait SpaceRows {
    /// The space, in an existing region (else a refusal naming the region).
    #[allow(clippy::too_many_arguments)]
    async fn insert_space(
        &mut self,
        id: &str,
        kind: SpaceKind,
        title: &str,
        region: &RegionCode,
        closed: bool,
        created_by: &str,
        at: i64,
    ) -> Result<(), DbError>;
    /// `org_id` takes part with `role` (added, or its role changed).
    async fn put_member(
        &mut self,
        space_id: &str,
        org_id: &str,
        role: SpaceRole,
    ) -> Result<(), DbError>;
    /// `org_id` no longer takes part.
    async fn drop_member(&mut self, space_id: &str, org_id: &str) -> Result<(), DbError>;
    async fn insert_doc(&mut self, space_id: &str, doc: DocRow<'_>, at: i64)
        -> Result<(), DbError>;
    /// The document becomes read-only for good (a body left; a dossier concluded).
    async fn freeze_doc(&mut self, doc_id: &str) -> Result<(), DbError>;
    /// The document becomes read-only, or writable again (a text submitted, sent back).
    async fn set_doc_frozen(&mut self, doc_id: &str, frozen: bool) -> Result<(), DbError>;
}

impl_for_both_engines!(SpaceRows {
    async fn insert_space(
        &mut self,
        id: &str,
        kind: SpaceKind,
        title: &str,
        region: &RegionCode,
        closed: bool,
        created_by: &str,
        at: i64,
    ) -> Result<(), DbError> {
        let found: Option<(String,)> = sqlx::query_as("select code from regions where code = $1")
            .bind(region.as_str())
            .fetch_optional(&mut *self)
            .await?;
        if found.is_none() {
            return Err(rule(phrases::REGION_MISSING.with("code", region)));
        }
        sqlx::query(
            "insert into spaces (id, kind, title, region_code, closed, created_by, created_at)
             values ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(kind.as_str())
        .bind(title)
        .bind(region.as_str())
        .bind(closed)
        .bind(created_by)
        .bind(at)
        .execute(&mut *self)
        .await?;
        Ok(())
    }

    async fn put_member(
        &mut self,
        space_id: &str,
        org_id: &str,
        role: SpaceRole,
    ) -> Result<(), DbError> {
        sqlx::query(
            "insert into space_members (space_id, org_id, role) values ($1, $2, $3)
             on conflict (space_id, org_id) do update set role = excluded.role",
        )
        .bind(space_id)
        .bind(org_id)
        .bind(role.as_str())
        .execute(&mut *self)
        .await?;
        Ok(())
    }

    async fn drop_member(&mut self, space_id: &str, org_id: &str) -> Result<(), DbError> {
        sqlx::query("delete from space_members where space_id = $1 and org_id = $2")
            .bind(space_id)
            .bind(org_id)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn insert_doc(&mut self, space_id: &str, doc: DocRow<'_>, at: i64) -> Result<(), DbError> {
        sqlx::query(
            "insert into space_docs (doc_id, space_id, title, frozen, role, owner_org_id,
                                     briefing, created_at)
             values ($1, $2, $3, false, $4, $5, $6, $7)",
        )
        .bind(doc.doc_id)
        .bind(space_id)
        .bind(doc.title)
        .bind(doc.role.as_str())
        .bind(doc.owner_org_id)
        .bind(doc.briefing)
        .bind(at)
        .execute(&mut *self)
        .await?;
        Ok(())
    }

    async fn freeze_doc(&mut self, doc_id: &str) -> Result<(), DbError> {
        sqlx::query("update space_docs set frozen = true where doc_id = $1")
            .bind(doc_id)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn set_doc_frozen(&mut self, doc_id: &str, frozen: bool) -> Result<(), DbError> {
        sqlx::query("update space_docs set frozen = $2 where doc_id = $1")
            .bind(doc_id)
            .bind(frozen)
            .execute(&mut *self)
            .await?;
        Ok(())
    }
});

/// The space queries that several writes share.
trait SpaceQueries {
    async fn space_by_id(&mut self, id: &str) -> Result<Option<Space>, DbError>;

    /// Refuses to leave the space without a convener when `org_id` stops being one.
    async fn keep_a_convener(&mut self, space_id: &str, org_id: &str) -> Result<(), DbError>;
}

impl_for_both_engines!(SpaceQueries {
    async fn space_by_id(&mut self, id: &str) -> Result<Option<Space>, DbError> {
        let record: Option<SpaceRecord> =
            sqlx::query_as(&format!("{SPACE_SELECT} where s.id = $1"))
                .bind(id)
                .fetch_optional(&mut *self)
                .await?;
        let Some(record) = record else {
            return Ok(None);
        };
        let members: Vec<MemberRecord> = sqlx::query_as(&format!(
            "select m.space_id, m.org_id, m.role from space_members m
             where m.space_id = $1 {MEMBER_ORDER}"
        ))
        .bind(id)
        .fetch_all(&mut *self)
        .await?;
        let members = members_by_space(members)?.remove(id).unwrap_or_default();
        record.into_space(members).map(Some)
    }

    async fn keep_a_convener(&mut self, space_id: &str, org_id: &str) -> Result<(), DbError> {
        let roles: Vec<(String, String)> =
            sqlx::query_as("select org_id, role from space_members where space_id = $1")
                .bind(space_id)
                .fetch_all(&mut *self)
                .await?;
        let convener = SpaceRole::Convener.as_str();
        let is_convener = roles.iter().any(|(o, r)| o == org_id && r == convener);
        let conveners = roles.iter().filter(|(_, r)| r == convener).count();
        if is_convener && conveners == 1 {
            return Err(rule(
                "a space must keep a convener: make another organization convener first",
            ));
        }
        Ok(())
    }
});

impl Db {
    /// Creates a space in an existing region; the convener organization becomes its first
    /// member, with the role convener.
    pub async fn create_space(&self, new: &NewSpace, event: &AuditEvent) -> Result<Space, DbError> {
        let id = new_id();
        in_transaction!(self, |conn| {
            if conn.region_by_code(new.region.as_str()).await?.is_none() {
                return Err(rule(phrases::REGION_MISSING.with("code", &new.region)));
            }
            if conn.org_by_id(&new.convener_org_id).await?.is_none() {
                return Err(rule(phrases::NO_ORG_ID.with("id", &new.convener_org_id)));
            }
            sqlx::query(
                "insert into spaces (id, kind, title, region_code, created_by, created_at)
                 values ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&id)
            .bind(new.kind.as_str())
            .bind(new.title.as_str())
            .bind(new.region.as_str())
            .bind(&new.created_by)
            .bind(event.at)
            .execute(&mut *conn)
            .await?;
            sqlx::query("insert into space_members (space_id, org_id, role) values ($1, $2, $3)")
                .bind(&id)
                .bind(&new.convener_org_id)
                .bind(SpaceRole::Convener.as_str())
                .execute(&mut *conn)
                .await?;
            let space = conn
                .space_by_id(&id)
                .await?
                .ok_or_else(|| not_found(&phrases::NO_SUCH_SPACE))?;
            conn.append_audit(event).await?;
            Ok(space)
        })
    }

    pub async fn space(&self, id: &str) -> Result<Option<Space>, DbError> {
        on_reader!(self, |conn| conn.space_by_id(id).await)
    }

    /// The spaces `viewer` may find (see [`visible_spaces`]), of `kind` when given. Newest
    /// first.
    pub async fn visible_spaces(
        &self,
        kind: Option<SpaceKind>,
        viewer: &Viewer<'_>,
    ) -> Result<Vec<Space>, DbError> {
        let visible = visible_spaces(viewer);
        let kind = kind.map(SpaceKind::as_str);
        let (records, members): (Vec<SpaceRecord>, Vec<MemberRecord>) = on_reader!(self, |conn| {
            let records = sqlx::query_as(&format!(
                "{VISIBLE} {SPACE_SELECT} where s.id in (select id from visible)
                     and ($4 is null or s.kind = $4)
                     order by s.created_at desc, s.id"
            ))
            .bind(visible.org_id)
            .bind(&visible.low)
            .bind(&visible.high)
            .bind(kind)
            .fetch_all(&mut *conn)
            .await?;
            let members = sqlx::query_as(&format!(
                "{VISIBLE} select m.space_id, m.org_id, m.role from space_members m
                     where m.space_id in (select id from visible) {MEMBER_ORDER}"
            ))
            .bind(visible.org_id)
            .bind(&visible.low)
            .bind(&visible.high)
            .fetch_all(&mut *conn)
            .await?;
            (records, members)
        });
        let mut members = members_by_space(members)?;
        records
            .into_iter()
            .map(|record| {
                let of_space = members.remove(&record.id).unwrap_or_default();
                record.into_space(of_space)
            })
            .collect()
    }

    /// Adds an organization to a space with `role`, or changes its role. Refused when it would
    /// leave the space without a convener.
    pub async fn set_space_member(
        &self,
        space_id: &str,
        org_id: &str,
        role: SpaceRole,
        event: &AuditEvent,
    ) -> Result<(), DbError> {
        in_transaction!(self, |conn| {
            conn.exclusive(lock_keys::MEMBERSHIP).await?;
            if conn.space_by_id(space_id).await?.is_none() {
                return Err(not_found(&phrases::NO_SUCH_SPACE));
            }
            if conn.org_by_id(org_id).await?.is_none() {
                return Err(rule(phrases::NO_ORG_ID.with("id", org_id)));
            }
            if role != SpaceRole::Convener {
                conn.keep_a_convener(space_id, org_id).await?;
            }
            sqlx::query(
                "insert into space_members (space_id, org_id, role) values ($1, $2, $3)
                 on conflict (space_id, org_id) do update set role = excluded.role",
            )
            .bind(space_id)
            .bind(org_id)
            .bind(role.as_str())
            .execute(&mut *conn)
            .await?;
            conn.append_audit(event).await?;
            Ok(())
        })
    }

    /// Removes an organization from a space. `false` (and no audit row) when it was not a
    /// member; refused when it is the space's last convener.
    pub async fn remove_space_member(
        &self,
        space_id: &str,
        org_id: &str,
        event: &AuditEvent,
    ) -> Result<bool, DbError> {
        in_transaction!(self, |conn| {
            conn.exclusive(lock_keys::MEMBERSHIP).await?;
            conn.keep_a_convener(space_id, org_id).await?;
            let removed =
                sqlx::query("delete from space_members where space_id = $1 and org_id = $2")
                    .bind(space_id)
                    .bind(org_id)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected();
            if removed == 0 {
                return Ok(false);
            }
            conn.append_audit(event).await?;
            Ok(true)
        })
    }

    /// Creates a document in a space. Its id is a new UUID, which is a valid collab document id.
    /// Refused (Rule) when a section or statement has no owner, another role has one, or the
    /// owner is not one of the space's convening or member bodies.
    pub async fn create_space_doc(
        &self,
        space_id: &str,
        new: &NewSpaceDoc,
        event: &AuditEvent,
    ) -> Result<SpaceDoc, DbError> {
        let doc_id = new_id();
        in_transaction!(self, |conn| {
            let Some(space) = conn.space_by_id(space_id).await? else {
                return Err(not_found(&phrases::NO_SUCH_SPACE));
            };
            match (new.role.is_owned(), new.owner_org_id.as_deref()) {
                (true, None) => {
                    return Err(rule(phrases::SPACE_DOC_NEEDS_OWNER.message().with_words(
                        "role",
                        new.role.label_zh(),
                        new.role.as_str(),
                    )))
                }
                (false, Some(_)) => {
                    return Err(rule(phrases::SPACE_DOC_NO_OWNER.message().with_words(
                        "role",
                        new.role.label_zh(),
                        new.role.as_str(),
                    )))
                }
                (true, Some(owner)) => {
                    let writes = space.members.iter().any(|m| {
                        m.org_id == owner
                            && matches!(m.role, SpaceRole::Convener | SpaceRole::Member)
                    });
                    if !writes {
                        return Err(rule(
                            "owner_org_id must be one of the space's convening or member bodies",
                        ));
                    }
                }
                (false, None) => {}
            }
            sqlx::query(
                "insert into space_docs (doc_id, space_id, title, frozen, role, owner_org_id,
                                         created_at)
                 values ($1, $2, $3, false, $4, $5, $6)",
            )
            .bind(&doc_id)
            .bind(space_id)
            .bind(new.title.as_str())
            .bind(new.role.as_str())
            .bind(new.owner_org_id.as_deref())
            .bind(event.at)
            .execute(&mut *conn)
            .await?;
            conn.append_audit(event).await?;
            Ok(SpaceDoc {
                doc_id: doc_id.clone(),
                space_id: space_id.to_owned(),
                title: new.title.clone(),
                frozen: false,
                role: new.role,
                owner_org_id: new.owner_org_id.clone(),
                briefing: false,
                created_at: event.at,
            })
        })
    }

    /// The space document with this collab document id.
    pub async fn space_doc(&self, doc_id: &str) -> Result<Option<SpaceDoc>, DbError> {
        let record: Option<SpaceDocRecord> = on_reader!(self, |conn| {
            sqlx::query_as(&format!("{DOC_SELECT} where doc_id = $1"))
                .bind(doc_id)
                .fetch_optional(&mut *conn)
                .await?
        });
        record.map(SpaceDoc::try_from).transpose()
    }

    /// The space document with this collab document id and its space, read on one connection
    /// (authorizing a websocket; see [`Db::live_session_with_user`]).
    pub async fn space_doc_with_space(
        &self,
        doc_id: &str,
    ) -> Result<Option<(SpaceDoc, Space)>, DbError> {
        on_reader!(self, |conn| {
            let record: Option<SpaceDocRecord> =
                sqlx::query_as(&format!("{DOC_SELECT} where doc_id = $1"))
                    .bind(doc_id)
                    .fetch_optional(&mut *conn)
                    .await?;
            let Some(space_doc) = record.map(SpaceDoc::try_from).transpose()? else {
                return Ok(None);
            };
            Ok(conn
                .space_by_id(&space_doc.space_id)
                .await?
                .map(|space| (space_doc, space)))
        })
    }

    /// A space's documents, oldest first.
    pub async fn space_docs(&self, space_id: &str) -> Result<Vec<SpaceDoc>, DbError> {
        let records: Vec<SpaceDocRecord> = on_reader!(self, |conn| {
            sqlx::query_as(&format!(
                "{DOC_SELECT} where space_id = $1 order by created_at, doc_id"
            ))
            .bind(space_id)
            .fetch_all(&mut *conn)
            .await?
        });
        records.into_iter().map(SpaceDoc::try_from).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::meeting::MeetingState;
    use crate::domain::message::Lang;
    use crate::domain::phrases;

    /// A state that moved is said by its Chinese label (and its stored name in English),
    /// never by the stored name in a Chinese sentence.
    #[test]
    fn a_moved_state_is_said_by_its_label() {
        assert_eq!(
            state_words::<MeetingState>("in_progress"),
            Some(("进行中", "in_progress"))
        );
        assert_eq!(state_words::<MeetingState>("no_such_state"), None);
        let (zh, en) = state_words::<MeetingState>("in_progress").unwrap();
        let said = phrases::MEETING_MOVED.message().with_words("now", zh, en);
        assert_eq!(
            said.render(Lang::Zh).unwrap(),
            "该会议已被他人更新（当前为进行中），请刷新后重试"
        );
        assert_eq!(
            said.render(Lang::En).unwrap(),
            "the meeting changed meanwhile (it is now in_progress); reload it and try again"
        );
    }
}
