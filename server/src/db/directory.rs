//! The directory: the tree of administrative regions, the organizations in them, and the
//! bulk import that loads both (with their users) at once.
//!
//! # Rules kept here, inside the write's transaction
//!
//! - A region is at a strictly lower level than its parent (a county under a city, never a
//!   county under a county), and the tree has no cycle. A region stores its path from the top
//!   (`/330000/330100/`), so a move rewrites the paths of the whole moved subtree in the same
//!   transaction.
//! - An organization's parent exists and is not the organization itself or one below it.
//! - An import stores everything or nothing, and a refusal names the item.
//!
//! They are checked in the transaction, not by the caller beforehand, so that two writes
//! cannot each pass a check the other invalidates: on PostgreSQL every directory write first
//! takes the directory lock ([`lock_keys::DIRECTORY`]); on SQLite the one writer already runs
//! them one at a time.

use super::audit::AuditQueries;
use super::common::{
    corrupt, impl_for_both_engines, in_transaction, lock_keys, new_id, not_found, on_reader, parse,
    parse_name, parse_region_code, rule, subtree_range, Exclusive,
};
use super::identity::{AuditEvent, NewOrg, NewRegion, Org, OrgPatch, Region};
use super::{Db, DbError};
use crate::domain::org::{Level, Name, OrgCode, RegionCode, RegionPath};

/// A region as stored.
#[derive(sqlx::FromRow)]
struct RegionRecord {
    code: String,
    name_zh: String,
    name_en: Option<String>,
    level: String,
    parent_code: Option<String>,
    path: String,
}

impl TryFrom<RegionRecord> for Region {
    type Error = DbError;
    fn try_from(r: RegionRecord) -> Result<Region, DbError> {
        Ok(Region {
            code: parse_region_code(&r.code)?,
            name_zh: parse_name(&r.name_zh)?,
            name_en: r.name_en.as_deref().map(parse_name).transpose()?,
            level: parse(&r.level)?,
            parent: r
                .parent_code
                .as_deref()
                .map(parse_region_code)
                .transpose()?,
            path: RegionPath(r.path),
        })
    }
}

const REGION_SELECT: &str = "select code, name_zh, name_en, level, parent_code, path from regions";

/// An organization as stored, with its region's level and path.
#[derive(sqlx::FromRow)]
struct OrgRecord {
    id: String,
    code: String,
    name_zh: String,
    name_en: Option<String>,
    kind: String,
    region_code: String,
    level: String,
    region_path: String,
    parent_id: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<OrgRecord> for Org {
    type Error = DbError;
    fn try_from(o: OrgRecord) -> Result<Org, DbError> {
        Ok(Org {
            id: o.id,
            code: OrgCode::parse(&o.code).map_err(corrupt)?,
            name_zh: parse_name(&o.name_zh)?,
            name_en: o.name_en.as_deref().map(parse_name).transpose()?,
            kind: parse(&o.kind)?,
            region: parse_region_code(&o.region_code)?,
            level: parse(&o.level)?,
            region_path: RegionPath(o.region_path),
            parent_id: o.parent_id,
            created_at: o.created_at,
            updated_at: o.updated_at,
        })
    }
}

const ORG_SELECT: &str = "select o.id, o.code, o.name_zh, o.name_en, o.kind, o.region_code,
        r.level, r.path as region_path, o.parent_id, o.created_at, o.updated_at
    from organizations o join regions r on r.code = o.region_code";

/// The directory queries that several writes share.
pub(super) trait DirectoryQueries {
    async fn region_by_code(&mut self, code: &str) -> Result<Option<Region>, DbError>;

    /// Checks a new region against its parent and inserts it.
    async fn insert_region(&mut self, new: &NewRegion) -> Result<Region, DbError>;

    async fn org_by_id(&mut self, id: &str) -> Result<Option<Org>, DbError>;

    async fn org_by_code(&mut self, code: &str) -> Result<Option<Org>, DbError>;

    /// Checks a new organization's region and parent and inserts it.
    async fn insert_org(&mut self, new: &NewOrg, at: i64) -> Result<Org, DbError>;

    /// Whether `ancestor` is `org_id` itself or one of the organizations above it.
    async fn is_org_ancestor(&mut self, ancestor: &str, org_id: &str) -> Result<bool, DbError>;

    /// Sets a region's Chinese and English names; `false` when there is no such region.
    async fn set_region_names(
        &mut self,
        code: &RegionCode,
        name_zh: &Name,
        name_en: Option<&Name>,
    ) -> Result<bool, DbError>;

    /// Moves `region` (and everything below it) under `new_parent`, or to the top, after
    /// checking the move (no cycle, the parent at a higher level); rewrites the subtree's
    /// paths.
    async fn relocate_region(
        &mut self,
        region: &Region,
        new_parent: Option<&RegionCode>,
    ) -> Result<Region, DbError>;

    /// Applies `patch` to the stored organization `current`, after checking a new region
    /// exists and a new parent exists and makes no cycle.
    async fn change_org(
        &mut self,
        current: &Org,
        patch: &OrgPatch,
        at: i64,
    ) -> Result<Org, DbError>;
}

impl_for_both_engines!(DirectoryQueries {
    async fn region_by_code(&mut self, code: &str) -> Result<Option<Region>, DbError> {
        let record: Option<RegionRecord> =
            sqlx::query_as(&format!("{REGION_SELECT} where code = $1"))
                .bind(code)
                .fetch_optional(&mut *self)
                .await?;
        record.map(Region::try_from).transpose()
    }

    async fn insert_region(&mut self, new: &NewRegion) -> Result<Region, DbError> {
        let path = match &new.parent {
            None => RegionPath::root(&new.code),
            Some(parent_code) => {
                let parent = self.region_by_code(parent_code.as_str()).await?.ok_or_else(|| {
                    rule(crate::domain::phrases::NO_PARENT_REGION_CODE.with("code", parent_code))
                })?;
                check_level(&new.code, new.level, &parent)?;
                parent.path.child(&new.code)
            }
        };
        sqlx::query(
            "insert into regions (code, name_zh, name_en, level, parent_code, path)
             values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(new.code.as_str())
        .bind(new.name_zh.as_str())
        .bind(new.name_en.as_ref().map(Name::as_str))
        .bind(new.level.as_str())
        .bind(new.parent.as_ref().map(RegionCode::as_str))
        .bind(&path.0)
        .execute(&mut *self)
        .await?;
        Ok(Region {
            code: new.code.clone(),
            name_zh: new.name_zh.clone(),
            name_en: new.name_en.clone(),
            level: new.level,
            parent: new.parent.clone(),
            path,
        })
    }

    async fn org_by_id(&mut self, id: &str) -> Result<Option<Org>, DbError> {
        let record: Option<OrgRecord> = sqlx::query_as(&format!("{ORG_SELECT} where o.id = $1"))
            .bind(id)
            .fetch_optional(&mut *self)
            .await?;
        record.map(Org::try_from).transpose()
    }

    async fn org_by_code(&mut self, code: &str) -> Result<Option<Org>, DbError> {
        let record: Option<OrgRecord> =
            sqlx::query_as(&format!("{ORG_SELECT} where o.code = $1"))
                .bind(code)
                .fetch_optional(&mut *self)
                .await?;
        record.map(Org::try_from).transpose()
    }

    async fn insert_org(&mut self, new: &NewOrg, at: i64) -> Result<Org, DbError> {
        if self.region_by_code(new.region.as_str()).await?.is_none() {
            return Err(rule(crate::domain::phrases::REGION_MISSING.with("code", &new.region)));
        }
        if let Some(parent_id) = &new.parent_id {
            if self.org_by_id(parent_id).await?.is_none() {
                return Err(rule(crate::domain::phrases::NO_PARENT_ORG.with("id", parent_id)));
            }
        }
        let id = new_id();
        sqlx::query(
            "insert into organizations
                 (id, code, name_zh, name_en, kind, region_code, parent_id, created_at, updated_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
        )
        .bind(&id)
        .bind(new.code.as_str())
        .bind(new.name_zh.as_str())
        .bind(new.name_en.as_ref().map(Name::as_str))
        .bind(new.kind.as_str())
        .bind(new.region.as_str())
        .bind(new.parent_id.as_deref())
        .bind(at)
        .execute(&mut *self)
        .await?;
        self.org_by_id(&id)
            .await?
            .ok_or_else(|| not_found(&crate::domain::phrases::NO_SUCH_ORG))
    }

    async fn is_org_ancestor(&mut self, ancestor: &str, org_id: &str) -> Result<bool, DbError> {
        // `union` (not `union all`) stops even if the stored tree somehow had a cycle.
        let found: bool = sqlx::query_scalar(
            "with recursive up (id, parent_id) as (
                 select id, parent_id from organizations where id = $1
                 union
                 select o.id, o.parent_id from organizations o join up on o.id = up.parent_id
             )
             select exists (select 1 from up where id = $2)",
        )
        .bind(org_id)
        .bind(ancestor)
        .fetch_one(&mut *self)
        .await?;
        Ok(found)
    }

    async fn set_region_names(
        &mut self,
        code: &RegionCode,
        name_zh: &Name,
        name_en: Option<&Name>,
    ) -> Result<bool, DbError> {
        let renamed = sqlx::query("update regions set name_zh = $1, name_en = $2 where code = $3")
            .bind(name_zh.as_str())
            .bind(name_en.map(Name::as_str))
            .bind(code.as_str())
            .execute(&mut *self)
            .await?
            .rows_affected();
        Ok(renamed > 0)
    }

    async fn relocate_region(
        &mut self,
        region: &Region,
        new_parent: Option<&RegionCode>,
    ) -> Result<Region, DbError> {
        let code = &region.code;
        let new_path = match new_parent {
            None => RegionPath::root(code),
            Some(parent_code) => {
                let parent = self
                    .region_by_code(parent_code.as_str())
                    .await?
                    .ok_or_else(|| {
                        rule(crate::domain::phrases::NO_PARENT_REGION_CODE.with("code", parent_code))
                    })?;
                if region.path.covers(&parent.path) {
                    return Err(rule(
                        crate::domain::phrases::REGION_CYCLE
                            .with("code", code)
                            .with("parent", parent_code),
                    ));
                }
                check_level(code, region.level, &parent)?;
                parent.path.child(code)
            }
        };
        // Every path in the subtree starts with the old path; swap that prefix for the new
        // one. No new path can collide with a stored one: each ends with its own code.
        let (low, high) = subtree_range(&region.path);
        let keep_from = i32::try_from(region.path.0.len() + 1)
            .map_err(|_| rule(&crate::domain::phrases::REGION_PATH_TOO_LONG))?;
        sqlx::query(
            "update regions set path = $1 || substr(path, $2)
             where path >= $3 and path < $4",
        )
        .bind(&new_path.0)
        .bind(keep_from)
        .bind(&low)
        .bind(&high)
        .execute(&mut *self)
        .await?;
        sqlx::query("update regions set parent_code = $1 where code = $2")
            .bind(new_parent.map(RegionCode::as_str))
            .bind(code.as_str())
            .execute(&mut *self)
            .await?;
        Ok(Region {
            parent: new_parent.cloned(),
            path: new_path,
            ..region.clone()
        })
    }

    async fn change_org(
        &mut self,
        current: &Org,
        patch: &OrgPatch,
        at: i64,
    ) -> Result<Org, DbError> {
        let id = current.id.as_str();
        if let Some(region) = &patch.region {
            if self.region_by_code(region.as_str()).await?.is_none() {
                return Err(rule(crate::domain::phrases::REGION_MISSING.with("code", region)));
            }
        }
        if let Some(Some(parent_id)) = &patch.parent_id {
            let parent = self.org_by_id(parent_id).await?.ok_or_else(|| {
                rule(crate::domain::phrases::NO_PARENT_ORG.with("id", parent_id))
            })?;
            if self.is_org_ancestor(id, parent_id).await? {
                return Err(rule(
                    crate::domain::phrases::ORG_CYCLE
                        .with("code", &current.code)
                        .with("parent", &parent.code),
                ));
            }
        }
        let name_zh = patch.name_zh.as_ref().unwrap_or(&current.name_zh);
        let name_en = patch.name_en.as_ref().unwrap_or(&current.name_en);
        let kind = patch.kind.unwrap_or(current.kind);
        let region = patch.region.as_ref().unwrap_or(&current.region);
        let parent_id = patch.parent_id.as_ref().unwrap_or(&current.parent_id);
        sqlx::query(
            "update organizations
             set name_zh = $1, name_en = $2, kind = $3, region_code = $4, parent_id = $5,
                 updated_at = $6
             where id = $7",
        )
        .bind(name_zh.as_str())
        .bind(name_en.as_ref().map(Name::as_str))
        .bind(kind.as_str())
        .bind(region.as_str())
        .bind(parent_id.as_deref())
        .bind(at)
        .bind(id)
        .execute(&mut *self)
        .await?;
        self.org_by_id(id)
            .await?
            .ok_or_else(|| not_found(&crate::domain::phrases::NO_SUCH_ORG))
    }
});

/// Refuses a region at the same level as its parent or above it.
fn check_level(code: &RegionCode, level: Level, parent: &Region) -> Result<(), DbError> {
    if level > parent.level {
        return Ok(());
    }
    Err(rule(
        crate::domain::phrases::REGION_LEVEL
            .with("code", code)
            .with_words("level", level.label_zh(), level.as_str())
            .with("parent", &parent.code)
            .with_words(
                "parent_level",
                parent.level.label_zh(),
                parent.level.as_str(),
            ),
    ))
}

impl Db {
    /// Creates a region below its parent (or at the top). Its path follows from the parent.
    pub async fn create_region(
        &self,
        new: &NewRegion,
        event: &AuditEvent,
    ) -> Result<Region, DbError> {
        in_transaction!(self, |conn| {
            conn.exclusive(lock_keys::DIRECTORY).await?;
            let region = conn.insert_region(new).await?;
            conn.append_audit(event).await?;
            Ok(region)
        })
    }

    /// Every region, ordered by path: each region comes right after its parent.
    pub async fn regions(&self) -> Result<Vec<Region>, DbError> {
        let records: Vec<RegionRecord> = on_reader!(self, |conn| {
            sqlx::query_as(&format!("{REGION_SELECT} order by path"))
                .fetch_all(&mut *conn)
                .await?
        });
        records.into_iter().map(Region::try_from).collect()
    }

    pub async fn region(&self, code: &RegionCode) -> Result<Option<Region>, DbError> {
        on_reader!(self, |conn| conn.region_by_code(code.as_str()).await)
    }

    /// Moves a region (and everything below it) under `new_parent`, or to the top.
    ///
    /// Refused when the new parent is the region itself or lies below it (a cycle), or is not
    /// at a higher level. The paths of the whole subtree are rewritten.
    pub async fn move_region(
        &self,
        code: &RegionCode,
        new_parent: Option<&RegionCode>,
        event: &AuditEvent,
    ) -> Result<Region, DbError> {
        in_transaction!(self, |conn| {
            conn.exclusive(lock_keys::DIRECTORY).await?;
            let region = conn
                .region_by_code(code.as_str())
                .await?
                .ok_or_else(|| not_found(crate::domain::phrases::NO_REGION.with("code", code)))?;
            let moved = conn.relocate_region(&region, new_parent).await?;
            conn.append_audit(event).await?;
            Ok(moved)
        })
    }

    /// Sets a region's Chinese and English names.
    pub async fn rename_region(
        &self,
        code: &RegionCode,
        name_zh: Name,
        name_en: Option<Name>,
        event: &AuditEvent,
    ) -> Result<(), DbError> {
        in_transaction!(self, |conn| {
            if !conn
                .set_region_names(code, &name_zh, name_en.as_ref())
                .await?
            {
                return Err(not_found(
                    crate::domain::phrases::NO_REGION.with("code", code),
                ));
            }
            conn.append_audit(event).await?;
            Ok(())
        })
    }

    /// Creates an organization in an existing region, under an existing parent if given.
    pub async fn create_org(&self, new: &NewOrg, event: &AuditEvent) -> Result<Org, DbError> {
        in_transaction!(self, |conn| {
            conn.exclusive(lock_keys::DIRECTORY).await?;
            let org = conn.insert_org(new, event.at).await?;
            conn.append_audit(event).await?;
            Ok(org)
        })
    }

    pub async fn org(&self, id: &str) -> Result<Option<Org>, DbError> {
        on_reader!(self, |conn| conn.org_by_id(id).await)
    }

    /// The ids of `org_id` and of every organization under it by `parent_id`, at any depth:
    /// an enforcement department's own field (its units, and the departments below it where
    /// the directory records them so). Empty for an unknown id.
    pub async fn org_field(&self, org_id: &str) -> Result<Vec<String>, DbError> {
        Ok(on_reader!(self, |conn| {
            // `union` (not `union all`) stops even if the stored tree somehow had a cycle.
            sqlx::query_scalar(
                "with recursive down (id) as (
                     select id from organizations where id = $1
                     union
                     select o.id from organizations o join down on o.parent_id = down.id
                 )
                 select id from down order by id",
            )
            .bind(org_id)
            .fetch_all(&mut *conn)
            .await?
        }))
    }

    pub async fn org_by_code(&self, code: &OrgCode) -> Result<Option<Org>, DbError> {
        on_reader!(self, |conn| conn.org_by_code(code.as_str()).await)
    }

    /// The judicial bureaus of `region_path` and of every region above it, lowest region
    /// first, then by code: where a dispute between bodies of that region escalates.
    pub async fn judicial_bureaus_above(
        &self,
        region_path: &RegionPath,
    ) -> Result<Vec<Org>, DbError> {
        let records: Vec<OrgRecord> = on_reader!(self, |conn| {
            sqlx::query_as(&format!(
                "{ORG_SELECT} where o.kind = 'judicial_bureau'
                     and substr($1, 1, length(r.path)) = r.path
                 order by length(r.path) desc, o.code"
            ))
            .bind(&region_path.0)
            .fetch_all(&mut *conn)
            .await?
        });
        records.into_iter().map(Org::try_from).collect()
    }

    /// Every organization, ordered by region path, then code: the directory as a tree.
    pub async fn orgs(&self) -> Result<Vec<Org>, DbError> {
        let records: Vec<OrgRecord> = on_reader!(self, |conn| {
            sqlx::query_as(&format!("{ORG_SELECT} order by r.path, o.code"))
                .fetch_all(&mut *conn)
                .await?
        });
        records.into_iter().map(Org::try_from).collect()
    }

    /// Changes an organization. A new region must exist; a new parent must exist and must not
    /// be the organization itself or one below it.
    pub async fn update_org(
        &self,
        id: &str,
        patch: &OrgPatch,
        event: &AuditEvent,
    ) -> Result<Org, DbError> {
        in_transaction!(self, |conn| {
            conn.exclusive(lock_keys::DIRECTORY).await?;
            let current = conn
                .org_by_id(id)
                .await?
                .ok_or_else(|| not_found(&crate::domain::phrases::NO_SUCH_ORG))?;
            let org = conn.change_org(&current, patch, event.at).await?;
            conn.append_audit(event).await?;
            Ok(org)
        })
    }
}
