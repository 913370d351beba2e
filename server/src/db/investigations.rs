//! Joint investigation groups (联合调查组) as stored: the group and its case, each body's
//! membership and section of the joint dossier (联合案卷), the related bodies the lead names,
//! and the evidence of each section.
//!
//! # A group is a space
//!
//! Proposing a group makes, in one transaction, the space of kind `investigation` (the lead as
//! `convener`; closed when the group is sensitive, 敏感), the lead's two briefing sections
//! (summary, conclusions), one section per body (the lead's own included), which that body
//! alone writes (`space_docs.owner_org_id`), and the rows here. An invited body joins the
//! space as a `member` when it confirms; until then it sees the proposal through its row here,
//! never the dossier. A body that leaves is dropped from the space and its section frozen.
//! The bureau a group is reported to (社会关注度高) joins as an `observer`: in a closed space
//! it reads the briefing sections alone.
//!
//! A group command names the revision its caller read and bumps it; a body's answer names the
//! group's state its caller saw. Every write goes through [`write_space!`]; the rules live in
//! `domain::investigation`, and this module never decides a transition.

use super::common::{
    impl_for_both_engines, in_transaction, not_found, on_reader, parse, parse_region_code,
};
use super::effects::Effects;
use super::spaces::{
    group, members_of, visible_spaces, write_space, DocRow, Expect, SpaceRows, Spine, SpineQueries,
    MEMBER_ORDER, MEMBER_SELECT, VISIBLE,
};
use super::{Db, DbError};
use crate::domain::investigation::{Confidentiality, GroupState, MemberState};
use crate::domain::org::{DocRole, RegionCode, RegionPath, SpaceKind, SpaceMember, SpaceRole};
use crate::domain::phrases;
use crate::domain::policy::{SpaceFacts, Viewer};

/// The title of the lead's summary section (案情摘要).
pub const SUMMARY_TITLE: &str = "案情摘要";

/// The title of the lead's conclusions section (调查结论).
pub const CONCLUSIONS_TITLE: &str = "调查结论";

/// The title of a body's own section.
pub const SECTION_TITLE: &str = "调查情况";

/// A body of a group to propose: the lead first, then each invited body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGroupBody {
    pub org_id: String,
    /// The id of its section, made by the caller.
    pub section_doc_id: String,
}

/// A group to propose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvestigation {
    pub id: String,
    pub case_name: String,
    pub case_number: Option<String>,
    pub summary: String,
    pub areas: String,
    pub public_attention: bool,
    pub confidentiality: Confidentiality,
    /// The lowest region covering every body: the space's region.
    pub region: RegionCode,
    /// The lead first, then the invited bodies.
    pub bodies: Vec<NewGroupBody>,
    pub related: Vec<String>,
    pub summary_doc_id: String,
    pub conclusions_doc_id: String,
    /// Reported at once (社会关注度高) to this bureau, which joins as an observer.
    pub reported_org_id: Option<String>,
    pub created_by: String,
}

/// A stored group with its bodies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Investigation {
    /// The space's id.
    pub id: String,
    pub case_name: String,
    pub case_number: Option<String>,
    pub summary: String,
    pub areas: String,
    pub public_attention: bool,
    pub confidentiality: Confidentiality,
    pub region: RegionCode,
    pub region_path: RegionPath,
    pub lead_org_id: String,
    pub lead_name: String,
    pub state: GroupState,
    pub revision: i64,
    pub summary_doc_id: String,
    pub conclusions_doc_id: String,
    pub report_doc_id: Option<String>,
    /// The frozen dossier's manifest (JSON), once the lead froze it.
    pub dossier_manifest: Option<String>,
    pub reported_org_id: Option<String>,
    pub reported_at: Option<i64>,
    pub reason: Option<String>,
    pub formed_at: Option<i64>,
    pub started_at: Option<i64>,
    pub concluded_at: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// The lead first, then the others by name.
    pub bodies: Vec<GroupBodyRow>,
    /// The related bodies the lead named, by name.
    pub related: Vec<RelatedRow>,
    /// The space's members, as access is decided on.
    pub members: Vec<SpaceMember>,
}

impl Investigation {
    /// What the policy needs to know of the group's space.
    pub fn facts(&self) -> SpaceFacts<'_> {
        SpaceFacts {
            region_path: &self.region_path,
            members: &self.members,
            closed: self.confidentiality.closed(),
            also_supervised_by: None,
        }
    }

    /// The row of one body, if it was invited (or leads).
    pub fn body(&self, org_id: &str) -> Option<&GroupBodyRow> {
        self.bodies.iter().find(|b| b.org_id == org_id)
    }
}

/// One body of a group as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupBodyRow {
    pub org_id: String,
    pub org_name: String,
    /// The lead, or a member body.
    pub lead: bool,
    pub state: MemberState,
    pub section_doc_id: String,
    pub responsible_person: Option<String>,
    pub contact: Option<String>,
    pub reason: Option<String>,
    pub answered_at: Option<i64>,
    pub left_at: Option<i64>,
}

/// A related body the lead named.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RelatedRow {
    pub org_id: String,
    pub org_name: String,
}

/// What a group command changes besides the state: each `Some` is stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupChange {
    pub id: String,
    pub expected_revision: i64,
    pub at: i64,
    pub state: Option<GroupState>,
    pub reason: Option<String>,
    pub formed_at: Option<i64>,
    pub started_at: Option<i64>,
    /// Reported to this bureau (社会关注度高): it joins as an observer.
    pub reported_org_id: Option<String>,
    /// The public-attention flag set.
    pub public_attention: Option<bool>,
    /// Dissolved: every section is frozen as it was left.
    pub freeze_dossier: bool,
}

/// A body's own write about its membership.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberWrite {
    Confirm {
        responsible_person: String,
        contact: String,
    },
    Decline {
        reason: String,
    },
    Leave {
        reason: String,
    },
}

#[derive(sqlx::FromRow)]
struct GroupRecord {
    id: String,
    case_name: String,
    case_number: Option<String>,
    summary: String,
    areas: String,
    public_attention: bool,
    confidentiality: String,
    region_code: String,
    region_path: String,
    lead_org_id: String,
    lead_name: String,
    state: String,
    revision: i64,
    summary_doc_id: String,
    conclusions_doc_id: String,
    report_doc_id: Option<String>,
    dossier_manifest: Option<String>,
    reported_org_id: Option<String>,
    reported_at: Option<i64>,
    reason: Option<String>,
    formed_at: Option<i64>,
    started_at: Option<i64>,
    concluded_at: Option<i64>,
    created_by: String,
    created_at: i64,
    updated_at: i64,
}

#[derive(sqlx::FromRow)]
struct BodyRecord {
    investigation_id: String,
    org_id: String,
    org_name: String,
    role: String,
    state: String,
    section_doc_id: String,
    responsible_person: Option<String>,
    contact: Option<String>,
    reason: Option<String>,
    answered_at: Option<i64>,
    left_at: Option<i64>,
}

impl BodyRecord {
    fn into_row(self) -> Result<(String, GroupBodyRow), DbError> {
        Ok((
            self.investigation_id,
            GroupBodyRow {
                state: parse(&self.state)?,
                lead: self.role == "lead",
                org_id: self.org_id,
                org_name: self.org_name,
                section_doc_id: self.section_doc_id,
                responsible_person: self.responsible_person,
                contact: self.contact,
                reason: self.reason,
                answered_at: self.answered_at,
                left_at: self.left_at,
            },
        ))
    }
}

impl GroupRecord {
    fn into_group(
        self,
        bodies: Vec<GroupBodyRow>,
        related: Vec<RelatedRow>,
        members: Vec<SpaceMember>,
    ) -> Result<Investigation, DbError> {
        Ok(Investigation {
            confidentiality: parse(&self.confidentiality)?,
            state: parse(&self.state)?,
            region: parse_region_code(&self.region_code)?,
            region_path: RegionPath(self.region_path),
            id: self.id,
            case_name: self.case_name,
            case_number: self.case_number,
            summary: self.summary,
            areas: self.areas,
            public_attention: self.public_attention,
            lead_org_id: self.lead_org_id,
            lead_name: self.lead_name,
            revision: self.revision,
            summary_doc_id: self.summary_doc_id,
            conclusions_doc_id: self.conclusions_doc_id,
            report_doc_id: self.report_doc_id,
            dossier_manifest: self.dossier_manifest,
            reported_org_id: self.reported_org_id,
            reported_at: self.reported_at,
            reason: self.reason,
            formed_at: self.formed_at,
            started_at: self.started_at,
            concluded_at: self.concluded_at,
            created_by: self.created_by,
            created_at: self.created_at,
            updated_at: self.updated_at,
            bodies,
            related,
            members,
        })
    }
}

const GROUP_SELECT: &str = "select i.space_id as id, i.case_name, i.case_number, i.summary,
        i.areas, i.public_attention, i.confidentiality, s.region_code, r.path as region_path,
        i.lead_org_id, l.name_zh as lead_name, i.state, i.revision, i.summary_doc_id,
        i.conclusions_doc_id, i.report_doc_id, i.dossier_manifest, i.reported_org_id, i.reported_at, i.reason,
        i.formed_at, i.started_at, i.concluded_at, i.created_by, i.created_at, i.updated_at
    from investigations i join spaces s on s.id = i.space_id
        join regions r on r.code = s.region_code
        join organizations l on l.id = i.lead_org_id";

/// The lead first (`lead` < `member`), then by name.
const BODY_SELECT: &str = "select b.investigation_id, b.org_id, o.name_zh as org_name, b.role,
        b.state, b.section_doc_id, b.responsible_person, b.contact, b.reason, b.answered_at,
        b.left_at
    from investigation_members b join organizations o on o.id = b.org_id";
const BODY_ORDER: &str = "order by b.investigation_id, b.role, o.name_zh, b.org_id";

const RELATED_SELECT: &str = "select x.investigation_id, x.org_id, o.name_zh as org_name
    from investigation_related x join organizations o on o.id = x.org_id";
const RELATED_ORDER: &str = "order by x.investigation_id, o.name_zh, x.org_id";

/// The groups' rows of their spaces, for [`write_space!`].
pub(super) const SPINE: Spine = Spine {
    table: "investigations",
    missing: &phrases::NO_SUCH_INVESTIGATION,
    stale: &phrases::INVESTIGATION_STALE,
    moved: &phrases::INVESTIGATION_MOVED,
    words: super::spaces::state_words::<GroupState>,
};

/// `, matching (id) as (…)` after [`VISIBLE`]: the groups a viewer may find, those of the
/// spaces it may see and those it is invited to (an invited body is not yet a member of the
/// space, and must find the proposal to answer it).
const MATCHING: &str = ", matching (id) as (
        select i.space_id from investigations i where i.space_id in (select id from visible)
        union
        select investigation_id from investigation_members where org_id = $1
    )";

fn related_of(rows: Vec<(String, String, String)>) -> Vec<(String, RelatedRow)> {
    rows.into_iter()
        .map(|(group, org_id, org_name)| (group, RelatedRow { org_id, org_name }))
        .collect()
}

/// Reads groups on this connection (inside a write, the write's own rows).
pub(crate) trait InvestigationQueries {
    async fn investigation_by_id(&mut self, id: &str) -> Result<Option<Investigation>, DbError>;

    /// `active → concluded` (revision + 1): the report's last signature. Refused (Rule) when
    /// the group is no longer active (dissolved while the report was being signed): the
    /// signature is not stored either.
    async fn conclude_investigation(&mut self, id: &str, at: i64) -> Result<(), DbError>;
}

impl_for_both_engines!(InvestigationQueries {
    async fn investigation_by_id(&mut self, id: &str) -> Result<Option<Investigation>, DbError> {
        let record: Option<GroupRecord> =
            sqlx::query_as(&format!("{GROUP_SELECT} where i.space_id = $1"))
                .bind(id)
                .fetch_optional(&mut *self)
                .await?;
        let Some(record) = record else {
            return Ok(None);
        };
        let bodies: Vec<BodyRecord> =
            sqlx::query_as(&format!("{BODY_SELECT} where b.investigation_id = $1 {BODY_ORDER}"))
                .bind(id)
                .fetch_all(&mut *self)
                .await?;
        let related: Vec<(String, String, String)> = sqlx::query_as(&format!(
            "{RELATED_SELECT} where x.investigation_id = $1 {RELATED_ORDER}"
        ))
        .bind(id)
        .fetch_all(&mut *self)
        .await?;
        let members: Vec<(String, String, String)> =
            sqlx::query_as(&format!("{MEMBER_SELECT} where m.space_id = $1 {MEMBER_ORDER}"))
                .bind(id)
                .fetch_all(&mut *self)
                .await?;
        let bodies = bodies
            .into_iter()
            .map(|b| b.into_row().map(|(_, row)| row))
            .collect::<Result<_, _>>()?;
        let related = related_of(related).into_iter().map(|(_, r)| r).collect();
        let members = members_of(members)?.into_iter().map(|(_, m)| m).collect();
        record.into_group(bodies, related, members).map(Some)
    }

    async fn conclude_investigation(&mut self, id: &str, at: i64) -> Result<(), DbError> {
        SpineQueries::expect_row(
            &mut *self,
            &SPINE,
            id,
            Expect::State(GroupState::Active.as_str()),
        )
        .await?;
        sqlx::query(
            "update investigations set state = 'concluded', concluded_at = $2,
                 revision = revision + 1, updated_at = $2
             where space_id = $1",
        )
        .bind(id)
        .bind(at)
        .execute(&mut *self)
        .await?;
        Ok(())
    }
});

impl Db {
    /// Proposes a group: its space (the lead as convener), the lead's summary and conclusions
    /// and one section per body, the group (revision 1, `proposed`), its bodies (the lead
    /// confirmed, the others invited) and the related bodies; then `effects`.
    pub async fn create_investigation(
        &self,
        new: &NewInvestigation,
        now: i64,
        effects: &Effects,
    ) -> Result<Investigation, DbError> {
        let mail = self.mail_delivery;
        in_transaction!(self, |conn| {
            let closed = new.confidentiality.closed();
            conn.insert_space(
                &new.id,
                SpaceKind::Investigation,
                &new.case_name,
                &new.region,
                closed,
                &new.created_by,
                now,
            )
            .await?;
            let lead = &new.bodies[0].org_id;
            conn.put_member(&new.id, lead, SpaceRole::Convener).await?;
            for (doc_id, title) in [
                (&new.summary_doc_id, SUMMARY_TITLE),
                (&new.conclusions_doc_id, CONCLUSIONS_TITLE),
            ] {
                let doc = DocRow {
                    doc_id,
                    title,
                    role: DocRole::Section,
                    owner_org_id: Some(lead),
                    briefing: true,
                };
                conn.insert_doc(&new.id, doc, now).await?;
            }
            sqlx::query(
                "insert into investigations (space_id, case_name, case_number, summary, areas,
                     public_attention, confidentiality, lead_org_id, state, summary_doc_id,
                     conclusions_doc_id, reported_org_id, reported_at, created_by, created_at,
                     updated_at)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, 'proposed', $9, $10, $11, $12, $13,
                         $14, $14)",
            )
            .bind(&new.id)
            .bind(&new.case_name)
            .bind(&new.case_number)
            .bind(&new.summary)
            .bind(&new.areas)
            .bind(new.public_attention)
            .bind(new.confidentiality.as_str())
            .bind(lead)
            .bind(&new.summary_doc_id)
            .bind(&new.conclusions_doc_id)
            .bind(&new.reported_org_id)
            .bind(new.reported_org_id.as_ref().map(|_| now))
            .bind(&new.created_by)
            .bind(now)
            .execute(&mut *conn)
            .await?;
            for (index, body) in new.bodies.iter().enumerate() {
                let doc = DocRow {
                    doc_id: &body.section_doc_id,
                    title: SECTION_TITLE,
                    role: DocRole::Section,
                    owner_org_id: Some(&body.org_id),
                    briefing: false,
                };
                conn.insert_doc(&new.id, doc, now).await?;
                let (role, state) = if index == 0 {
                    ("lead", MemberState::Confirmed)
                } else {
                    ("member", MemberState::Invited)
                };
                sqlx::query(
                    "insert into investigation_members (investigation_id, org_id, role, state,
                         section_doc_id)
                     values ($1, $2, $3, $4, $5)",
                )
                .bind(&new.id)
                .bind(&body.org_id)
                .bind(role)
                .bind(state.as_str())
                .bind(&body.section_doc_id)
                .execute(&mut *conn)
                .await?;
            }
            if let Some(bureau) = &new.reported_org_id {
                conn.put_member(&new.id, bureau, SpaceRole::Observer)
                    .await?;
            }
            for org_id in &new.related {
                sqlx::query(
                    "insert into investigation_related (investigation_id, org_id) values ($1, $2)",
                )
                .bind(&new.id)
                .bind(org_id)
                .execute(&mut *conn)
                .await?;
            }
            super::effects::EffectQueries::apply_effects(&mut *conn, now, effects, mail).await?;
            conn.investigation_by_id(&new.id)
                .await?
                .ok_or_else(|| not_found(&phrases::NO_SUCH_INVESTIGATION))
        })
    }

    /// One group.
    pub async fn investigation(&self, id: &str) -> Result<Option<Investigation>, DbError> {
        on_reader!(self, |conn| conn.investigation_by_id(id).await)
    }

    /// The groups a viewer may find (those of the spaces it sees, and those its body is
    /// invited to), newest first.
    pub async fn investigations_visible(
        &self,
        viewer: &Viewer<'_>,
    ) -> Result<Vec<Investigation>, DbError> {
        let visible = visible_spaces(viewer);
        // The rows of `select` whose group (`column`) a viewer may find, in `order`.
        macro_rules! matching_rows {
            ($conn:ident, $select:expr, $column:expr, $order:expr) => {
                sqlx::query_as(&format!(
                    "{VISIBLE}{MATCHING} {} where {} in (select id from matching) {}",
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
            let records: Vec<GroupRecord> = matching_rows!(
                conn,
                GROUP_SELECT,
                "i.space_id",
                "order by i.created_at desc, i.space_id"
            );
            let bodies: Vec<BodyRecord> =
                matching_rows!(conn, BODY_SELECT, "b.investigation_id", BODY_ORDER);
            let related: Vec<(String, String, String)> =
                matching_rows!(conn, RELATED_SELECT, "x.investigation_id", RELATED_ORDER);
            let members: Vec<(String, String, String)> =
                matching_rows!(conn, MEMBER_SELECT, "m.space_id", MEMBER_ORDER);
            let mut bodies = group(
                bodies
                    .into_iter()
                    .map(BodyRecord::into_row)
                    .collect::<Result<Vec<_>, _>>()?,
            );
            let mut related = group(related_of(related));
            let mut members = group(members_of(members)?);
            records
                .into_iter()
                .map(|r| {
                    let id = r.id.clone();
                    r.into_group(
                        bodies.remove(&id).unwrap_or_default(),
                        related.remove(&id).unwrap_or_default(),
                        members.remove(&id).unwrap_or_default(),
                    )
                })
                .collect()
        })
    }

    /// A group command: checks the revision, stores what `change` says, bumps the revision,
    /// then `effects`; answers the group as it now is.
    pub async fn change_investigation(
        &self,
        change: &GroupChange,
        effects: &Effects,
    ) -> Result<Investigation, DbError> {
        let expect = Expect::Revision(change.expected_revision);
        let id = change.id.as_str();
        write_space!(self, SPINE, id, expect, change.at, effects, |conn|
        change {
            if let Some(bureau) = &change.reported_org_id {
                // A body already taking part keeps its role.
                let taking_part: Option<(String,)> = sqlx::query_as(
                    "select role from space_members where space_id = $1 and org_id = $2",
                )
                .bind(id)
                .bind(bureau)
                .fetch_optional(&mut *conn)
                .await?;
                if taking_part.is_none() {
                    conn.put_member(id, bureau, SpaceRole::Observer).await?;
                }
            }
            if change.freeze_dossier {
                sqlx::query(
                    "update space_docs set frozen = true where space_id = $1 and role = 'section'",
                )
                .bind(id)
                .execute(&mut *conn)
                .await?;
            }
            sqlx::query(
                "update investigations set
                     state = coalesce($2, state),
                     reason = coalesce($3, reason),
                     formed_at = coalesce($4, formed_at),
                     started_at = coalesce($5, started_at),
                     reported_org_id = coalesce($6, reported_org_id),
                     reported_at = case when $6 is null then reported_at else $7 end,
                     public_attention = coalesce($8, public_attention)
                 where space_id = $1",
            )
            .bind(id)
            .bind(change.state.map(|s| s.as_str()))
            .bind(&change.reason)
            .bind(change.formed_at)
            .bind(change.started_at)
            .bind(&change.reported_org_id)
            .bind(change.at)
            .bind(change.public_attention)
            .execute(&mut *conn)
            .await?;
        }
        answer {
            conn.investigation_by_id(id)
                .await?
                .ok_or_else(|| not_found(&phrases::NO_SUCH_INVESTIGATION))?
        })
    }

    /// A body's answer to its invitation, or its leaving: stored if the group is still in
    /// `group_state` (what the caller saw). Confirming makes it a member of the space;
    /// leaving drops it from the space and freezes its section.
    #[allow(clippy::too_many_arguments)]
    pub async fn write_membership(
        &self,
        id: &str,
        org_id: &str,
        group_state: GroupState,
        write: &MemberWrite,
        by: &str,
        at: i64,
        effects: &Effects,
    ) -> Result<Investigation, DbError> {
        let expect = Expect::State(group_state.as_str());
        write_space!(self, SPINE, id, expect, at, effects, |conn|
        change {
            let (state, person, contact, reason) = match write {
                MemberWrite::Confirm { responsible_person, contact } => {
                    conn.put_member(id, org_id, SpaceRole::Member).await?;
                    (MemberState::Confirmed, Some(responsible_person), Some(contact), None)
                }
                MemberWrite::Decline { reason } => (MemberState::Declined, None, None, Some(reason)),
                MemberWrite::Leave { reason } => {
                    conn.drop_member(id, org_id).await?;
                    let (section,): (String,) = sqlx::query_as(
                        "select section_doc_id from investigation_members
                         where investigation_id = $1 and org_id = $2",
                    )
                    .bind(id)
                    .bind(org_id)
                    .fetch_one(&mut *conn)
                    .await?;
                    conn.freeze_doc(&section).await?;
                    (MemberState::Left, None, None, Some(reason))
                }
            };
            let leaving = matches!(write, MemberWrite::Leave { .. });
            sqlx::query(
                "update investigation_members set state = $3,
                     responsible_person = coalesce($4, responsible_person),
                     contact = coalesce($5, contact), reason = coalesce($6, reason),
                     answered_by = case when $7 then answered_by else $8 end,
                     answered_at = case when $7 then answered_at else $9 end,
                     left_at = case when $7 then $9 else left_at end
                 where investigation_id = $1 and org_id = $2",
            )
            .bind(id)
            .bind(org_id)
            .bind(state.as_str())
            .bind(person)
            .bind(contact)
            .bind(reason)
            .bind(leaving)
            .bind(by)
            .bind(at)
            .execute(&mut *conn)
            .await?;
            sqlx::query("update investigations set updated_at = $2 where space_id = $1")
                .bind(id)
                .bind(at)
                .execute(&mut *conn)
                .await?;
        }
        answer {
            conn.investigation_by_id(id)
                .await?
                .ok_or_else(|| not_found(&phrases::NO_SUCH_INVESTIGATION))?
        })
    }

    /// The lead freezes the dossier: every section becomes read-only for good, the report
    /// document is made (the lead alone writes it) and the manifest stored; checks the
    /// revision the caller read, bumps it, then `effects`.
    pub async fn freeze_dossier(
        &self,
        id: &str,
        expected_revision: i64,
        report_doc_id: &str,
        manifest: &str,
        at: i64,
        effects: &Effects,
    ) -> Result<Investigation, DbError> {
        let expect = Expect::Revision(expected_revision);
        write_space!(self, SPINE, id, expect, at, effects, |conn|
        change {
            sqlx::query(
                "update space_docs set frozen = true where space_id = $1 and role = 'section'",
            )
            .bind(id)
            .execute(&mut *conn)
            .await?;
            let doc = DocRow {
                doc_id: report_doc_id,
                title: REPORT_TITLE,
                role: DocRole::Decision,
                owner_org_id: None,
                briefing: false,
            };
            conn.insert_doc(id, doc, at).await?;
            sqlx::query(
                "update investigations set report_doc_id = $2, dossier_manifest = $3
                 where space_id = $1",
            )
            .bind(id)
            .bind(report_doc_id)
            .bind(manifest)
            .execute(&mut *conn)
            .await?;
        }
        answer {
            conn.investigation_by_id(id)
                .await?
                .ok_or_else(|| not_found(&phrases::NO_SUCH_INVESTIGATION))?
        })
    }
}

/// The title of the concluding report (调查报告).
pub const REPORT_TITLE: &str = "调查报告";
