//! Spaces (meetings, joint investigations, disputes), the organizations taking part in each,
//! and the collaborative documents that belong to them.
//!
//! # What decides visibility
//!
//! An organization sees a space it takes part in (any role). A judicial bureau also sees the
//! spaces of its region and every region below it, and nothing of a sibling region (DOMAIN.md,
//! "What must never happen"). [`Db::spaces_visible`] answers both parts in one query; the rule
//! about *who* counts as supervising lives in `domain::policy`, which passes the region path
//! in. A space stores its region's code, not its path, so moving a region moves its spaces
//! along with it.
//!
//! A space always keeps at least one convener: without one, no one could manage who takes
//! part. Membership changes check that in their transaction, under the membership lock on
//! PostgreSQL.

use std::collections::HashMap;

use super::audit::AuditQueries;
use super::common::{
    impl_for_both_engines, in_transaction, lock_keys, new_id, not_found, on_reader, parse,
    parse_name, parse_region_code, rule, subtree_range, Exclusive,
};
use super::directory::DirectoryQueries;
use super::identity::{AuditEvent, NewSpace, Space, SpaceDoc};
use super::{Db, DbError};
use crate::domain::org::SpaceMember;
use crate::domain::org::{Name, RegionPath, SpaceRole};

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
        })
    }
}

const SPACE_SELECT: &str = "select s.id, s.kind, s.title, s.region_code, r.path as region_path,
        s.created_by, s.created_at
    from spaces s join regions r on r.code = s.region_code";

/// A membership as stored.
#[derive(sqlx::FromRow)]
struct MemberRecord {
    space_id: String,
    org_id: String,
    role: String,
}

/// `convener` < `member` < `observer` as text too, so this orders by importance.
const MEMBER_ORDER: &str = "order by m.space_id, m.role, m.org_id";

/// A document as stored.
#[derive(sqlx::FromRow)]
struct SpaceDocRecord {
    doc_id: String,
    space_id: String,
    title: String,
    frozen: bool,
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
            created_at: d.created_at,
        })
    }
}

const DOC_SELECT: &str = "select doc_id, space_id, title, frozen, created_at from space_docs";

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
                return Err(rule(format!("region {} does not exist", new.region)));
            }
            if conn.org_by_id(&new.convener_org_id).await?.is_none() {
                return Err(rule(format!(
                    "organization {} does not exist",
                    new.convener_org_id
                )));
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
                .ok_or_else(|| not_found(format!("no space with id {id}")))?;
            conn.append_audit(event).await?;
            Ok(space)
        })
    }

    pub async fn space(&self, id: &str) -> Result<Option<Space>, DbError> {
        on_reader!(self, |conn| conn.space_by_id(id).await)
    }

    /// The spaces `org_id` takes part in, plus, when `supervised` is given, every space whose
    /// region lies in that region path (the region or below). Newest first.
    pub async fn spaces_visible(
        &self,
        org_id: &str,
        supervised: Option<&RegionPath>,
    ) -> Result<Vec<Space>, DbError> {
        // Without a supervised path, an empty range: `'' <= path < ''` holds for no path.
        let (low, high) = supervised.map(subtree_range).unwrap_or_default();
        let visible = "with visible (id) as (
                select space_id from space_members where org_id = $1
                union
                select s.id from spaces s join regions r on r.code = s.region_code
                where r.path >= $2 and r.path < $3
            )";
        let (records, members): (Vec<SpaceRecord>, Vec<MemberRecord>) = on_reader!(self, |conn| {
            let records = sqlx::query_as(&format!(
                "{visible} {SPACE_SELECT} where s.id in (select id from visible)
                     order by s.created_at desc, s.id"
            ))
            .bind(org_id)
            .bind(&low)
            .bind(&high)
            .fetch_all(&mut *conn)
            .await?;
            let members = sqlx::query_as(&format!(
                "{visible} select m.space_id, m.org_id, m.role from space_members m
                     where m.space_id in (select id from visible) {MEMBER_ORDER}"
            ))
            .bind(org_id)
            .bind(&low)
            .bind(&high)
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
                return Err(not_found(format!("no space with id {space_id}")));
            }
            if conn.org_by_id(org_id).await?.is_none() {
                return Err(rule(format!("organization {org_id} does not exist")));
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
    pub async fn create_space_doc(
        &self,
        space_id: &str,
        title: Name,
        event: &AuditEvent,
    ) -> Result<SpaceDoc, DbError> {
        let doc_id = new_id();
        in_transaction!(self, |conn| {
            if conn.space_by_id(space_id).await?.is_none() {
                return Err(not_found(format!("no space with id {space_id}")));
            }
            sqlx::query(
                "insert into space_docs (doc_id, space_id, title, frozen, created_at)
                 values ($1, $2, $3, false, $4)",
            )
            .bind(&doc_id)
            .bind(space_id)
            .bind(title.as_str())
            .bind(event.at)
            .execute(&mut *conn)
            .await?;
            conn.append_audit(event).await?;
            Ok(SpaceDoc {
                doc_id: doc_id.clone(),
                space_id: space_id.to_owned(),
                title: title.clone(),
                frozen: false,
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
