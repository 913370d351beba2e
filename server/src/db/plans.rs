//! Annual supervision work plans (年度行政执法监督工作方案) as stored.
//!
//! # A plan is a space
//!
//! Making a plan creates, in one transaction, the space of kind `plan` in the bureau's region
//! (the bureau its `convener`), the plan row, and its one live document (role `decision`: the
//! convener alone writes it). Publishing it, in one [`write_space!`] at the revision its
//! caller read, freezes the document and makes every other body of the region and below an
//! `observer` of the space: from then on each reads the plan (`policy::doc_access`), and a
//! body of another region never finds it. The rules live in `domain::plan`.

use super::common::{
    in_transaction, not_found, on_reader, parse, parse_region_code, subtree_range,
};
use super::effects::Effects;
use super::spaces::{
    group, members_of, visible_spaces, write_space, DocRow, Expect, SpaceRows, Spine, MEMBER_ORDER,
    MEMBER_SELECT, VISIBLE,
};
use super::{Db, DbError};
use crate::domain::org::{DocRole, RegionCode, RegionPath, SpaceKind, SpaceMember, SpaceRole};
use crate::domain::plan::{PlanState, NO_SUCH_PLAN, PLAN_MOVED, PLAN_STALE};
use crate::domain::policy::{SpaceFacts, Viewer};

/// A plan to make, as a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPlan {
    pub id: String,
    pub year: i32,
    pub bureau_org_id: String,
    pub region: RegionCode,
    pub title: String,
    pub doc_id: String,
    pub created_by: String,
}

/// A stored plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub id: String,
    pub year: i32,
    pub state: PlanState,
    pub revision: i64,
    pub bureau_org_id: String,
    pub bureau_name: String,
    pub region: RegionCode,
    pub region_path: RegionPath,
    pub title: String,
    pub doc_id: String,
    pub published_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub members: Vec<SpaceMember>,
}

impl Plan {
    /// What the policy needs to know of the plan's space.
    pub fn facts(&self) -> SpaceFacts<'_> {
        SpaceFacts {
            region_path: &self.region_path,
            members: &self.members,
            closed: false,
            also_supervised_by: None,
        }
    }
}

pub(super) const SPINE: Spine = Spine {
    table: "plans",
    missing: &NO_SUCH_PLAN,
    stale: &PLAN_STALE,
    moved: &PLAN_MOVED,
    words: super::spaces::state_words::<PlanState>,
};

#[derive(sqlx::FromRow)]
struct PlanRecord {
    id: String,
    year: i32,
    state: String,
    revision: i64,
    bureau_org_id: String,
    bureau_name: String,
    region_code: String,
    region_path: String,
    title: String,
    doc_id: String,
    published_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl PlanRecord {
    fn into_plan(self, members: Vec<SpaceMember>) -> Result<Plan, DbError> {
        Ok(Plan {
            id: self.id,
            year: self.year,
            state: parse(&self.state)?,
            revision: self.revision,
            bureau_org_id: self.bureau_org_id,
            bureau_name: self.bureau_name,
            region: parse_region_code(&self.region_code)?,
            region_path: RegionPath(self.region_path),
            title: self.title,
            doc_id: self.doc_id,
            published_at: self.published_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
            members,
        })
    }
}

const PLAN_SELECT: &str = "select p.space_id as id, p.year, p.state, p.revision, p.bureau_org_id,
        o.name_zh as bureau_name, s.region_code, r.path as region_path, p.title, p.doc_id,
        p.published_at, p.created_at, p.updated_at
    from plans p join spaces s on s.id = p.space_id
        join regions r on r.code = s.region_code
        join organizations o on o.id = p.bureau_org_id";

/// Reads a plan on this connection.
pub(crate) trait PlanQueries {
    async fn plan_by_id(&mut self, id: &str) -> Result<Option<Plan>, DbError>;
}

super::common::impl_for_both_engines!(PlanQueries {
    async fn plan_by_id(&mut self, id: &str) -> Result<Option<Plan>, DbError> {
        let record: Option<PlanRecord> =
            sqlx::query_as(&format!("{PLAN_SELECT} where p.space_id = $1"))
                .bind(id)
                .fetch_optional(&mut *self)
                .await?;
        let Some(record) = record else {
            return Ok(None);
        };
        let members: Vec<(String, String, String)> =
            sqlx::query_as(&format!("{MEMBER_SELECT} where m.space_id = $1 {MEMBER_ORDER}"))
                .bind(id)
                .fetch_all(&mut *self)
                .await?;
        let members = members_of(members)?.into_iter().map(|(_, m)| m).collect();
        record.into_plan(members).map(Some)
    }
});

impl Db {
    /// Makes a plan as a draft: its space (the bureau convener), the row and its live
    /// document; then `effects`. A second plan of the bureau's year is a conflict.
    pub async fn create_plan(
        &self,
        new: &NewPlan,
        now: i64,
        effects: &Effects,
    ) -> Result<Plan, DbError> {
        let mail = self.mail_delivery;
        in_transaction!(self, |conn| {
            conn.insert_space(
                &new.id,
                SpaceKind::Plan,
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
                "insert into plans (space_id, year, state, bureau_org_id, title, doc_id,
                     created_by, created_at, updated_at)
                 values ($1, $2, 'drafting', $3, $4, $5, $6, $7, $7)",
            )
            .bind(&new.id)
            .bind(new.year)
            .bind(&new.bureau_org_id)
            .bind(&new.title)
            .bind(&new.doc_id)
            .bind(&new.created_by)
            .bind(now)
            .execute(&mut *conn)
            .await?;
            let doc = DocRow {
                doc_id: &new.doc_id,
                title: &new.title,
                role: DocRole::Decision,
                owner_org_id: None,
                briefing: false,
            };
            conn.insert_doc(&new.id, doc, now).await?;
            super::effects::EffectQueries::apply_effects(&mut *conn, now, effects, mail).await?;
            conn.plan_by_id(&new.id)
                .await?
                .ok_or_else(|| not_found(&NO_SUCH_PLAN))
        })
    }

    /// One plan.
    pub async fn plan(&self, id: &str) -> Result<Option<Plan>, DbError> {
        on_reader!(self, |conn| conn.plan_by_id(id).await)
    }

    /// The plans a viewer may find (its bureau's, those it supervises, those published to
    /// it), newest year first.
    pub async fn plans_visible(&self, viewer: &Viewer<'_>) -> Result<Vec<Plan>, DbError> {
        let visible = visible_spaces(viewer);
        macro_rules! listed_rows {
            ($conn:ident, $select:expr, $column:expr, $order:expr) => {
                sqlx::query_as(&format!(
                    "{VISIBLE}, listed (id) as (select p.space_id from plans p
                         where p.space_id in (select id from visible))
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
            let records: Vec<PlanRecord> = listed_rows!(
                conn,
                PLAN_SELECT,
                "p.space_id",
                "order by p.year desc, p.created_at desc, p.space_id"
            );
            let members: Vec<(String, String, String)> =
                listed_rows!(conn, MEMBER_SELECT, "m.space_id", MEMBER_ORDER);
            let mut members = group(members_of(members)?);
            records
                .into_iter()
                .map(|r| {
                    let id = r.id.clone();
                    r.into_plan(members.remove(&id).unwrap_or_default())
                })
                .collect()
        })
    }

    /// Whether `bureau_org_id` has a plan of `year`.
    pub async fn plan_of_year(&self, bureau_org_id: &str, year: i32) -> Result<bool, DbError> {
        let found: Option<(String,)> = on_reader!(self, |conn| {
            sqlx::query_as("select space_id from plans where bureau_org_id = $1 and year = $2")
                .bind(bureau_org_id)
                .bind(year)
                .fetch_optional(&mut *conn)
                .await?
        });
        Ok(found.is_some())
    }

    /// The bodies of `region`'s subtree other than `except`: whom a plan is published to.
    pub async fn bodies_of_region(
        &self,
        region: &RegionPath,
        except: &str,
    ) -> Result<Vec<String>, DbError> {
        let (low, high) = subtree_range(region);
        let rows: Vec<(String,)> = on_reader!(self, |conn| {
            sqlx::query_as(
                "select o.id from organizations o join regions r on r.code = o.region_code
                 where r.path >= $1 and r.path < $2 and o.id <> $3
                 order by r.path, o.code",
            )
            .bind(&low)
            .bind(&high)
            .bind(except)
            .fetch_all(&mut *conn)
            .await?
        });
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Publishes the plan at the revision the caller read: its document frozen, `bodies` (the
    /// other bodies of its region and below) observers of its space; then `effects`.
    pub async fn publish_plan(
        &self,
        id: &str,
        expected_revision: i64,
        by: &str,
        bodies: &[String],
        at: i64,
        effects: &Effects,
    ) -> Result<Plan, DbError> {
        write_space!(self, SPINE, id, Expect::Revision(expected_revision), at, effects, |conn|
        change {
            let plan = conn
                .plan_by_id(id)
                .await?
                .ok_or_else(|| not_found(&NO_SUCH_PLAN))?;
            for org_id in bodies {
                conn.put_member(id, org_id, SpaceRole::Observer).await?;
            }
            conn.freeze_doc(&plan.doc_id).await?;
            sqlx::query(
                "update plans set state = 'published', published_at = $2, published_by = $3
                 where space_id = $1",
            )
            .bind(id)
            .bind(at)
            .bind(by)
            .execute(&mut *conn)
            .await?;
        }
        answer {
            conn.plan_by_id(id)
                .await?
                .ok_or_else(|| not_found(&NO_SUCH_PLAN))?
        })
    }
}
