//! Special supervision campaigns (专项监督) and inspections (执法检查) as stored.
//!
//! # A campaign is a space
//!
//! Planning one creates, in one transaction, the space of kind `campaign` in the bureau's
//! region (the bureau its `convener`), the campaign row, the bodies it covers
//! (`campaign_bodies`) and its live summary report (role `decision`: the convener alone
//! writes it). Launching it, in one [`write_space!`] at the revision its caller read, makes
//! the covered bodies `observer`s of the space (they read it from then on, never before) and
//! sends them the notice the operation planned. The summary's signature summarises it in the
//! write of that signature ([`Effects::summarise_campaign`]).
//!
//! What the campaign produced is read here too: the supervision documents and filings that
//! name it (`campaign_id`), the tasks whose source names it (`supervision`, `campaign:<id>`).
//! The rules live in `domain::campaign`.

use futures_util::future::BoxFuture;

use super::common::{
    impl_for_both_engines, in_transaction, not_found, on_reader, parse, parse_region_code,
};
use super::effects::{Consequence, Effects, Tx};
use super::spaces::{
    group, members_of, visible_spaces, write_space, DocRow, Expect, SpaceRows, Spine, SpineQueries,
    MEMBER_ORDER, MEMBER_SELECT, VISIBLE,
};
use super::{Db, DbError};
use crate::domain::campaign::{
    CampaignKind, CampaignState, CAMPAIGN_MOVED, CAMPAIGN_STALE, NO_SUCH_CAMPAIGN,
};
use crate::domain::filing::FilingState;
use crate::domain::org::{DocRole, RegionCode, RegionPath, SpaceKind, SpaceMember, SpaceRole};
use crate::domain::policy::{SpaceFacts, Viewer};
use crate::domain::supervision_doc::{SupervisionKind, SupervisionState};

/// The id of a campaign's live summary report: `<space>:summary`.
pub fn campaign_summary_id(space_id: &str) -> String {
    format!("{space_id}:summary")
}

/// A campaign to plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCampaign {
    pub id: String,
    pub kind: CampaignKind,
    pub field: String,
    pub title: String,
    pub starts_on: String,
    pub ends_on: String,
    pub bureau_org_id: String,
    /// The bureau's region: the space's.
    pub region: RegionCode,
    /// The bodies it covers (checked to be of the bureau's region).
    pub bodies: Vec<String>,
    pub created_by: String,
}

/// A body a campaign covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoveredBody {
    pub org_id: String,
    pub name: String,
}

/// A stored campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Campaign {
    pub id: String,
    pub kind: CampaignKind,
    pub field: String,
    pub title: String,
    pub starts_on: String,
    pub ends_on: String,
    pub state: CampaignState,
    pub revision: i64,
    pub bureau_org_id: String,
    pub bureau_name: String,
    pub region: RegionCode,
    pub region_path: RegionPath,
    pub summary_doc_id: String,
    pub launch_notice_id: Option<String>,
    pub launched_at: Option<i64>,
    pub concluded_at: Option<i64>,
    pub summarised_at: Option<i64>,
    pub reported_to_org_id: Option<String>,
    pub reported_to_name: Option<String>,
    pub report_notice_id: Option<String>,
    pub reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub bodies: Vec<CoveredBody>,
    pub members: Vec<SpaceMember>,
}

impl Campaign {
    /// What the policy needs to know of the campaign's space.
    pub fn facts(&self) -> SpaceFacts<'_> {
        SpaceFacts {
            region_path: &self.region_path,
            members: &self.members,
            closed: false,
            also_supervised_by: None,
        }
    }

    /// Whether it covers `org_id`.
    pub fn covers(&self, org_id: &str) -> bool {
        self.bodies.iter().any(|b| b.org_id == org_id)
    }
}

/// A campaign command as stored: the state it moves to, at the revision its caller read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignChange {
    pub id: String,
    pub expected_revision: i64,
    pub state: CampaignState,
    /// Launching: the bodies become observers, told by this notice.
    pub launch_notice_id: Option<String>,
    /// Withdrawing: why.
    pub reason: Option<String>,
}

/// A supervision document issued within a campaign, as its page lists it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CampaignDocRow {
    pub id: String,
    pub kind: String,
    pub state: String,
    pub title: String,
    pub body_org_id: String,
    pub body_name: String,
    pub created_at: i64,
}

impl CampaignDocRow {
    pub fn kind(&self) -> Result<SupervisionKind, DbError> {
        parse(&self.kind)
    }

    pub fn state(&self) -> Result<SupervisionState, DbError> {
        parse(&self.state)
    }
}

/// A result filed against a campaign, as its page lists it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CampaignFilingRow {
    pub id: String,
    pub state: String,
    pub title: String,
    pub body_org_id: String,
    pub body_name: String,
    pub filed_at: i64,
}

impl CampaignFilingRow {
    pub fn state(&self) -> Result<FilingState, DbError> {
        parse(&self.state)
    }
}

pub(super) const SPINE: Spine = Spine {
    table: "campaigns",
    missing: &NO_SUCH_CAMPAIGN,
    stale: &CAMPAIGN_STALE,
    moved: &CAMPAIGN_MOVED,
    words: super::spaces::state_words::<CampaignState>,
};

#[derive(sqlx::FromRow)]
struct CampaignRecord {
    id: String,
    kind: String,
    field: String,
    title: String,
    starts_on: String,
    ends_on: String,
    state: String,
    revision: i64,
    bureau_org_id: String,
    bureau_name: String,
    region_code: String,
    region_path: String,
    summary_doc_id: String,
    launch_notice_id: Option<String>,
    launched_at: Option<i64>,
    concluded_at: Option<i64>,
    summarised_at: Option<i64>,
    reported_to_org_id: Option<String>,
    reported_to_name: Option<String>,
    report_notice_id: Option<String>,
    reason: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl CampaignRecord {
    fn into_campaign(
        self,
        bodies: Vec<CoveredBody>,
        members: Vec<SpaceMember>,
    ) -> Result<Campaign, DbError> {
        Ok(Campaign {
            id: self.id,
            kind: parse(&self.kind)?,
            field: self.field,
            title: self.title,
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            state: parse(&self.state)?,
            revision: self.revision,
            bureau_org_id: self.bureau_org_id,
            bureau_name: self.bureau_name,
            region: parse_region_code(&self.region_code)?,
            region_path: RegionPath(self.region_path),
            summary_doc_id: self.summary_doc_id,
            launch_notice_id: self.launch_notice_id,
            launched_at: self.launched_at,
            concluded_at: self.concluded_at,
            summarised_at: self.summarised_at,
            reported_to_org_id: self.reported_to_org_id,
            reported_to_name: self.reported_to_name,
            report_notice_id: self.report_notice_id,
            reason: self.reason,
            created_at: self.created_at,
            updated_at: self.updated_at,
            bodies,
            members,
        })
    }
}

const CAMPAIGN_SELECT: &str = "select c.space_id as id, c.kind, c.field, c.title, c.starts_on,
        c.ends_on, c.state, c.revision, c.bureau_org_id, o.name_zh as bureau_name,
        s.region_code, r.path as region_path, c.summary_doc_id, c.launch_notice_id,
        c.launched_at, c.concluded_at, c.summarised_at, c.reported_to_org_id,
        up.name_zh as reported_to_name, c.report_notice_id, c.reason, c.created_at, c.updated_at
    from campaigns c join spaces s on s.id = c.space_id
        join regions r on r.code = s.region_code
        join organizations o on o.id = c.bureau_org_id
        left join organizations up on up.id = c.reported_to_org_id";

const BODY_SELECT: &str = "select b.space_id, b.org_id, o.name_zh
    from campaign_bodies b join organizations o on o.id = b.org_id";

const BODY_ORDER: &str = "order by b.space_id, o.code, b.org_id";

fn bodies_of(rows: Vec<(String, String, String)>) -> Vec<(String, CoveredBody)> {
    rows.into_iter()
        .map(|(space, org_id, name)| (space, CoveredBody { org_id, name }))
        .collect()
}

/// Reads a campaign on this connection, and summarises one in a signature's write.
pub(crate) trait CampaignQueries {
    async fn campaign_by_id(&mut self, id: &str) -> Result<Option<Campaign>, DbError>;

    /// `summarising → summarised`, reported to `summarised.reported_to` by its notice.
    /// Refused (Rule) when it is no longer summarising.
    async fn mark_campaign_summarised(
        &mut self,
        summarised: &CampaignSummarised,
        at: i64,
    ) -> Result<(), DbError>;
}

impl_for_both_engines!(CampaignQueries {
    async fn campaign_by_id(&mut self, id: &str) -> Result<Option<Campaign>, DbError> {
        let record: Option<CampaignRecord> =
            sqlx::query_as(&format!("{CAMPAIGN_SELECT} where c.space_id = $1"))
                .bind(id)
                .fetch_optional(&mut *self)
                .await?;
        let Some(record) = record else {
            return Ok(None);
        };
        let bodies: Vec<(String, String, String)> =
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
        record.into_campaign(bodies, members).map(Some)
    }

    async fn mark_campaign_summarised(
        &mut self,
        summarised: &CampaignSummarised,
        at: i64,
    ) -> Result<(), DbError> {
        let id = summarised.campaign_id.as_str();
        let summarising = Expect::State(CampaignState::Summarising.as_str());
        SpineQueries::expect_row(&mut *self, &SPINE, id, summarising).await?;
        sqlx::query(
            "update campaigns set state = 'summarised', summarised_at = $2,
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

/// A campaign summarised, in the write of its summary's last signature.
#[derive(Debug, Clone)]
pub struct CampaignSummarised {
    pub campaign_id: String,
    /// The bureau above it was reported to, and the notice that did (none at the top).
    pub reported_to: Option<String>,
    pub notice_id: Option<String>,
}

impl Consequence for CampaignSummarised {
    fn insert<'a>(&'a self, tx: Tx<'a>, now: i64) -> BoxFuture<'a, Result<(), DbError>> {
        Box::pin(async move {
            match tx {
                Tx::Sqlite(conn) => conn.mark_campaign_summarised(self, now).await,
                Tx::Postgres(conn) => conn.mark_campaign_summarised(self, now).await,
            }
        })
    }
}

/// What a write makes within a campaign (a supervision document, a task, a filed result)
/// names it; the write is refused if the campaign is no longer under way, its row locked so
/// that a conclusion cannot pass it.
#[derive(Debug, Clone)]
pub struct WithinCampaign {
    pub campaign_id: String,
}

impl Consequence for WithinCampaign {
    fn insert<'a>(&'a self, tx: Tx<'a>, _now: i64) -> BoxFuture<'a, Result<(), DbError>> {
        let expect = Expect::State(CampaignState::UnderWay.as_str());
        Box::pin(async move {
            match tx {
                Tx::Sqlite(conn) => {
                    SpineQueries::expect_row(conn, &SPINE, &self.campaign_id, expect).await
                }
                Tx::Postgres(conn) => {
                    SpineQueries::expect_row(conn, &SPINE, &self.campaign_id, expect).await
                }
            }
        })
    }
}

impl Effects {
    /// Makes the write's work part of a campaign: refused unless it is still under way.
    pub fn within_campaign(&mut self, campaign_id: &str) {
        self.insert(WithinCampaign {
            campaign_id: campaign_id.to_owned(),
        });
    }

    /// Summarises the campaign in the write of its summary's last signature, which also sends
    /// the notice reporting it up; the write is refused if it is no longer summarising.
    pub fn summarise_campaign(&mut self, summarised: CampaignSummarised) {
        self.insert(summarised);
    }
}

impl Db {
    /// Plans a campaign: its space (the bureau convener), the row (revision 1), the bodies it
    /// covers and its live summary; then `effects`.
    pub async fn create_campaign(
        &self,
        new: &NewCampaign,
        now: i64,
        effects: &Effects,
    ) -> Result<Campaign, DbError> {
        let mail = self.mail_delivery;
        let doc_id = campaign_summary_id(&new.id);
        in_transaction!(self, |conn| {
            conn.insert_space(
                &new.id,
                SpaceKind::Campaign,
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
                "insert into campaigns (space_id, kind, field, state, bureau_org_id, title,
                     starts_on, ends_on, summary_doc_id, created_by, created_at, updated_at)
                 values ($1, $2, $3, 'planned', $4, $5, $6, $7, $8, $9, $10, $10)",
            )
            .bind(&new.id)
            .bind(new.kind.as_str())
            .bind(&new.field)
            .bind(&new.bureau_org_id)
            .bind(&new.title)
            .bind(&new.starts_on)
            .bind(&new.ends_on)
            .bind(&doc_id)
            .bind(&new.created_by)
            .bind(now)
            .execute(&mut *conn)
            .await?;
            for org_id in &new.bodies {
                sqlx::query("insert into campaign_bodies (space_id, org_id) values ($1, $2)")
                    .bind(&new.id)
                    .bind(org_id)
                    .execute(&mut *conn)
                    .await?;
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
            conn.campaign_by_id(&new.id)
                .await?
                .ok_or_else(|| not_found(&NO_SUCH_CAMPAIGN))
        })
    }

    /// One campaign.
    pub async fn campaign(&self, id: &str) -> Result<Option<Campaign>, DbError> {
        on_reader!(self, |conn| conn.campaign_by_id(id).await)
    }

    /// The campaigns a viewer may find (its bureau's, those it supervises, those it is
    /// covered by once launched), newest first.
    pub async fn campaigns_visible(&self, viewer: &Viewer<'_>) -> Result<Vec<Campaign>, DbError> {
        let visible = visible_spaces(viewer);
        macro_rules! listed_rows {
            ($conn:ident, $select:expr, $column:expr, $order:expr) => {
                sqlx::query_as(&format!(
                    "{VISIBLE}, listed (id) as (select c.space_id from campaigns c
                         where c.space_id in (select id from visible))
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
            let records: Vec<CampaignRecord> = listed_rows!(
                conn,
                CAMPAIGN_SELECT,
                "c.space_id",
                "order by c.created_at desc, c.space_id"
            );
            let bodies: Vec<(String, String, String)> =
                listed_rows!(conn, BODY_SELECT, "b.space_id", BODY_ORDER);
            let members: Vec<(String, String, String)> =
                listed_rows!(conn, MEMBER_SELECT, "m.space_id", MEMBER_ORDER);
            let mut bodies = group(bodies_of(bodies));
            let mut members = group(members_of(members)?);
            records
                .into_iter()
                .map(|r| {
                    let id = r.id.clone();
                    r.into_campaign(
                        bodies.remove(&id).unwrap_or_default(),
                        members.remove(&id).unwrap_or_default(),
                    )
                })
                .collect()
        })
    }

    /// A campaign command at the revision the caller read: the new state (launching makes
    /// the covered bodies observers); then `effects`.
    pub async fn change_campaign(
        &self,
        change: &CampaignChange,
        at: i64,
        effects: &Effects,
    ) -> Result<Campaign, DbError> {
        let id = change.id.as_str();
        write_space!(self, SPINE, id, Expect::Revision(change.expected_revision), at, effects, |conn|
        change {
            let campaign = conn
                .campaign_by_id(id)
                .await?
                .ok_or_else(|| not_found(&NO_SUCH_CAMPAIGN))?;
            if change.state == CampaignState::UnderWay {
                for body in &campaign.bodies {
                    conn.put_member(id, &body.org_id, SpaceRole::Observer).await?;
                }
            }
            sqlx::query(
                "update campaigns set state = $2,
                     launch_notice_id = coalesce($3, launch_notice_id),
                     launched_at = case when $2 = 'under_way' then $4 else launched_at end,
                     concluded_at = case when $2 = 'summarising' then $4 else concluded_at end,
                     reason = coalesce($5, reason),
                     updated_at = $4
                 where space_id = $1",
            )
            .bind(id)
            .bind(change.state.as_str())
            .bind(&change.launch_notice_id)
            .bind(at)
            .bind(&change.reason)
            .execute(&mut *conn)
            .await?;
        }
        answer {
            conn.campaign_by_id(id)
                .await?
                .ok_or_else(|| not_found(&NO_SUCH_CAMPAIGN))?
        })
    }

    /// The supervision documents issued within a campaign, oldest first.
    pub async fn campaign_docs(&self, id: &str) -> Result<Vec<CampaignDocRow>, DbError> {
        Ok(on_reader!(self, |conn| {
            sqlx::query_as(
                "select d.space_id as id, d.kind, d.state, d.title, d.body_org_id,
                     o.name_zh as body_name, d.created_at
                 from supervision_docs d join organizations o on o.id = d.body_org_id
                 where d.campaign_id = $1 order by d.created_at, d.space_id",
            )
            .bind(id)
            .fetch_all(&mut *conn)
            .await?
        }))
    }

    /// The results filed against a campaign, oldest first.
    pub async fn campaign_filings(&self, id: &str) -> Result<Vec<CampaignFilingRow>, DbError> {
        Ok(on_reader!(self, |conn| {
            sqlx::query_as(
                "select f.space_id as id, f.state, f.title, f.body_org_id,
                     o.name_zh as body_name, f.filed_at
                 from filings f join organizations o on o.id = f.body_org_id
                 where f.campaign_id = $1 order by f.filed_at, f.space_id",
            )
            .bind(id)
            .fetch_all(&mut *conn)
            .await?
        }))
    }
}
