//! Jurisdiction disputes (执法争议 / 管辖争议) as stored: the dispute, and each party's
//! position, statement, "negotiation failed" and written reply.
//!
//! # A dispute is a space
//!
//! Raising a dispute creates, in one transaction, the space of kind `dispute` (the raising
//! body as `convener`, the other parties as `member`), one statement document per party
//! (当事方陈述, written by that party alone: `space_docs.owner_org_id`) and the rows here; the
//! bureau it would escalate to is an `observer` from the start (it reads and can act on what
//! the machine lets it). The
//! space's region is the lowest region covering every party, so the bureaus of that region
//! and above read it through the one space policy, and no sibling region sees it. When the
//! bureau accepts the dispute it joins the space as `convener` (it manages the dispute from
//! then on and writes the decision document, created in the same write), and the raising body
//! becomes a `member` like the other parties.
//!
//! Like meetings, a command names the revision its caller read and bumps it; a party's own
//! write (its position, "negotiation failed", its reply) names the state its caller saw.
//! Every write goes through [`write_space!`]; the rules live in `domain::dispute`, and this
//! module never decides a transition.

use std::collections::HashMap;

use super::common::{
    impl_for_both_engines, in_transaction, not_found, on_reader, parse, parse_region_code, RowLocks,
};
use super::effects::{EffectQueries, Effects};
use super::figures::{BodyPeriod, DisputeFigure};
use super::spaces::{
    visible_spaces, write_space, DocRow, Expect, SpaceRows, Spine, SpineQueries, MEMBER_ORDER,
    MEMBER_SELECT, VISIBLE,
};
use super::{Db, DbError};
use crate::domain::dispute::{
    DisputeKind, DisputeState, ListRole, Refused, AGREEMENT_NOT_NEGOTIATING,
};
use crate::domain::org::{DocRole, RegionCode, RegionPath, SpaceKind, SpaceMember, SpaceRole};
use crate::domain::phrases;
use crate::domain::policy::{SpaceFacts, Viewer};

/// The title of each party's statement document.
pub const STATEMENT_TITLE: &str = "书面意见";

/// The title of the bureau's decision document.
pub const DECISION_TITLE: &str = "协调意见书";

/// The title of the parties' agreement document.
pub const AGREEMENT_TITLE: &str = "协议书";

/// A party to name when raising.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDisputeParty {
    pub org_id: String,
    /// The id of its statement document, made by the caller.
    pub statement_doc_id: String,
    pub position: Option<String>,
    pub legal_basis: Option<String>,
}

/// A dispute to raise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDispute {
    pub id: String,
    pub kind: DisputeKind,
    pub title: String,
    pub description: String,
    pub place: Option<String>,
    pub reference: Option<String>,
    pub tried: Option<String>,
    /// The lowest region covering every party: the space's region.
    pub region: RegionCode,
    /// The raising body, first of `parties`.
    pub raised_by_org_id: String,
    pub bureau_org_id: String,
    /// Every party, the raising body first.
    pub parties: Vec<NewDisputeParty>,
    /// The id of the parties' agreement document, made by the caller.
    pub agreement_doc_id: String,
    /// The negotiation clock: due at.
    pub stage_due_at: i64,
    /// `direct`, `task` or `notice`.
    pub source_kind: &'static str,
    pub source_id: Option<String>,
    pub created_by: String,
}

/// A stored dispute with its parties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dispute {
    /// The space's id.
    pub id: String,
    pub kind: DisputeKind,
    pub title: String,
    pub description: String,
    pub place: Option<String>,
    pub reference: Option<String>,
    pub tried: Option<String>,
    pub region: RegionCode,
    pub region_path: RegionPath,
    pub raised_by_org_id: String,
    pub bureau_org_id: String,
    pub bureau_name: String,
    pub state: DisputeState,
    pub revision: i64,
    pub stage_started_at: Option<i64>,
    pub stage_due_at: Option<i64>,
    pub escalated_at: Option<i64>,
    pub accepted_at: Option<i64>,
    pub interim_lead_org_id: Option<String>,
    pub decision_doc_id: Option<String>,
    /// The parties' agreement (协议书), which every party writes while they negotiate.
    pub agreement_doc_id: String,
    /// Who carries out what, by when: as the signed decision or the signed agreement named.
    pub responsible_org_id: Option<String>,
    pub decision_duty: Option<String>,
    /// `YYYY-MM-DD`, Beijing.
    pub decision_deadline: Option<String>,
    pub decided_at: Option<i64>,
    pub task_id: Option<String>,
    pub agreement: Option<String>,
    pub government_decision: Option<String>,
    pub reason: Option<String>,
    pub source_kind: String,
    pub source_id: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// The raising body first, then the others by name.
    pub parties: Vec<PartyRow>,
    /// The space's members, as access is decided on.
    pub members: Vec<SpaceMember>,
}

impl Dispute {
    /// What the policy needs to know of the dispute's space.
    pub fn facts(&self) -> SpaceFacts<'_> {
        SpaceFacts {
            region_path: &self.region_path,
            members: &self.members,
            closed: false,
            also_supervised_by: None,
        }
    }

    /// The party row of one body, if it is a party.
    pub fn party(&self, org_id: &str) -> Option<&PartyRow> {
        self.parties.iter().find(|p| p.org_id == org_id)
    }
}

/// One party as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PartyRow {
    pub dispute_id: String,
    pub org_id: String,
    pub org_name: String,
    /// `raiser` or `party`.
    pub role: String,
    pub position: Option<String>,
    pub legal_basis: Option<String>,
    pub statement_doc_id: String,
    pub gave_up_by: Option<String>,
    pub gave_up_at: Option<i64>,
    pub replied_by: Option<String>,
    pub replied_at: Option<i64>,
}

/// What a command changes besides the state: each `Some` is stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DisputeChange {
    pub dispute_id: String,
    pub expected_revision: i64,
    pub at: i64,
    pub state: Option<DisputeState>,
    /// The new stage clock: `Some(None)` stops it.
    pub stage: Option<Option<(i64, i64)>>,
    pub escalated_at: Option<i64>,
    pub accepted_at: Option<i64>,
    pub decided_at: Option<i64>,
    pub responsible_org_id: Option<String>,
    pub interim_lead_org_id: Option<String>,
    pub task_id: Option<String>,
    pub agreement: Option<String>,
    pub government_decision: Option<String>,
    pub reason: Option<String>,
    /// On acceptance: the bureau joins as convener, the raising body becomes a member, and
    /// the decision document (this id) is made.
    pub bureau_joins: Option<String>,
    /// On escalation or withdrawal: the parties no longer negotiate, so their agreement's
    /// draft becomes read-only (kept as they left it).
    pub close_agreement: bool,
}

/// A party's own write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartyWrite {
    /// Its position and legal basis.
    Position {
        position: String,
        legal_basis: Option<String>,
    },
    /// 协商不成, by this person.
    GiveUp { by: String },
    /// Its written reply is given, by this person.
    Reply { by: String },
}

#[derive(sqlx::FromRow)]
struct DisputeRecord {
    id: String,
    kind: String,
    title: String,
    description: String,
    place: Option<String>,
    reference: Option<String>,
    tried: Option<String>,
    region_code: String,
    region_path: String,
    raised_by_org_id: String,
    bureau_org_id: String,
    bureau_name: String,
    state: String,
    revision: i64,
    stage_started_at: Option<i64>,
    stage_due_at: Option<i64>,
    escalated_at: Option<i64>,
    accepted_at: Option<i64>,
    interim_lead_org_id: Option<String>,
    decision_doc_id: Option<String>,
    agreement_doc_id: String,
    responsible_org_id: Option<String>,
    decision_duty: Option<String>,
    decision_deadline: Option<String>,
    decided_at: Option<i64>,
    task_id: Option<String>,
    agreement: Option<String>,
    government_decision: Option<String>,
    reason: Option<String>,
    source_kind: String,
    source_id: Option<String>,
    created_by: String,
    created_at: i64,
    updated_at: i64,
}

impl DisputeRecord {
    fn into_dispute(
        self,
        parties: Vec<PartyRow>,
        members: Vec<SpaceMember>,
    ) -> Result<Dispute, DbError> {
        Ok(Dispute {
            kind: parse(&self.kind)?,
            state: parse(&self.state)?,
            region: parse_region_code(&self.region_code)?,
            region_path: RegionPath(self.region_path),
            id: self.id,
            title: self.title,
            description: self.description,
            place: self.place,
            reference: self.reference,
            tried: self.tried,
            raised_by_org_id: self.raised_by_org_id,
            bureau_org_id: self.bureau_org_id,
            bureau_name: self.bureau_name,
            revision: self.revision,
            stage_started_at: self.stage_started_at,
            stage_due_at: self.stage_due_at,
            escalated_at: self.escalated_at,
            accepted_at: self.accepted_at,
            interim_lead_org_id: self.interim_lead_org_id,
            decision_doc_id: self.decision_doc_id,
            agreement_doc_id: self.agreement_doc_id,
            responsible_org_id: self.responsible_org_id,
            decision_duty: self.decision_duty,
            decision_deadline: self.decision_deadline,
            decided_at: self.decided_at,
            task_id: self.task_id,
            agreement: self.agreement,
            government_decision: self.government_decision,
            reason: self.reason,
            source_kind: self.source_kind,
            source_id: self.source_id,
            created_by: self.created_by,
            created_at: self.created_at,
            updated_at: self.updated_at,
            parties,
            members,
        })
    }
}

const DISPUTE_SELECT: &str = "select d.space_id as id, d.kind, d.title, d.description, d.place,
        d.reference, d.tried, s.region_code, r.path as region_path, d.raised_by_org_id,
        d.bureau_org_id, b.name_zh as bureau_name, d.state, d.revision, d.stage_started_at,
        d.stage_due_at, d.escalated_at, d.accepted_at, d.interim_lead_org_id, d.decision_doc_id,
        d.agreement_doc_id, d.responsible_org_id, d.decision_duty, d.decision_deadline, d.decided_at, d.task_id, d.agreement,
        d.government_decision, d.reason, d.source_kind, d.source_id, d.created_by,
        d.created_at, d.updated_at
    from disputes d join spaces s on s.id = d.space_id join regions r on r.code = s.region_code
        join organizations b on b.id = d.bureau_org_id";

const PARTY_SELECT: &str = "select p.dispute_id, p.org_id, o.name_zh as org_name, p.role,
        p.position, p.legal_basis, p.statement_doc_id, p.gave_up_by, p.gave_up_at, p.replied_by,
        p.replied_at
    from dispute_parties p join organizations o on o.id = p.org_id";

/// `raiser` sorts before `party`; then by name.
const PARTY_ORDER: &str = "order by p.dispute_id, p.role desc, o.name_zh, p.org_id";

/// `, matching (id) as (…)`, after [`VISIBLE`]: the visible disputes a [`DisputeFilter`]
/// keeps, with its parameters `$4` (a state, or null) and `$5` (a [`ListRole`], or null).
/// The three queries of a list (disputes, parties, members) read only these.
///
/// A party and the bureau are members of the dispute's space (the first arm of [`VISIBLE`]),
/// so their own lists read the body's memberships and the disputes' bureau index, not every
/// space of the region a bureau supervises: a subset of what it may find, never more.
fn matching(role: Option<ListRole>) -> &'static str {
    match role {
        Some(ListRole::Bureau) => {
            ", matching (id) as (
                select d.space_id from disputes d
                where d.bureau_org_id = $1 and $5 = 'bureau' and ($4 is null or d.state = $4)
                  and d.space_id in (select space_id from space_members where org_id = $1)
            )"
        }
        Some(ListRole::Party) => {
            ", matching (id) as (
                select d.space_id from dispute_parties q join disputes d on d.space_id = q.dispute_id
                where q.org_id = $1 and $5 = 'party' and ($4 is null or d.state = $4)
                  and d.space_id in (select space_id from space_members where org_id = $1)
            )"
        }
        Some(ListRole::Supervisor) | None => {
            ", matching (id) as (
                select d.space_id from disputes d
                where d.space_id in (select id from visible)
                  and ($4 is null or d.state = $4)
                  and ($5 is null
                       or ($5 = 'supervisor' and d.bureau_org_id <> $1
                           and not exists (select 1 from dispute_parties q
                                           where q.dispute_id = d.space_id and q.org_id = $1)))
            )"
        }
    }
}

/// Which of the disputes a viewer may find a list wants; `Default` keeps every one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DisputeFilter<'a> {
    /// Only those in this state.
    pub state: Option<DisputeState>,
    /// Only those the viewer's body takes this part in.
    pub role: Option<ListRole>,
    /// Only those a body (`org_id`) is in, raised in the period, and of those what a dispute
    /// figure counts (all when `None`): the lists behind the region's figures.
    pub of: Option<(BodyPeriod<'a>, Option<DisputeFigure>)>,
}

/// `, listed (id) as (…)`, after [`matching`]: what `of` keeps of the matching disputes, with
/// its parameters `$6` (the body), `$7` and `$8` (the period).
fn listed(of: Option<Option<DisputeFigure>>) -> String {
    match of {
        None => ", listed (id) as (select id from matching)".to_owned(),
        Some(figure) => format!(
            ", listed (id) as (
                select q.dispute_id from dispute_parties q join disputes e on e.space_id = q.dispute_id
                where q.dispute_id in (select id from matching)
                  and q.org_id = $6 and e.created_at >= $7 and e.created_at < $8 and {}
            )",
            figure.map_or("1 = 1", DisputeFigure::predicate)
        ),
    }
}

/// The disputes' rows of their spaces, for [`write_space!`].
const SPINE: Spine = Spine {
    table: "disputes",
    missing: &phrases::NO_SUCH_DISPUTE,
    stale: &phrases::DISPUTE_STALE,
    moved: &phrases::DISPUTE_MOVED,
    words: super::spaces::state_words::<DisputeState>,
};

fn no_dispute() -> DbError {
    not_found(&phrases::NO_SUCH_DISPUTE)
}

fn group<T>(rows: Vec<T>, key: impl Fn(&T) -> String) -> HashMap<String, Vec<T>> {
    let mut by: HashMap<String, Vec<T>> = HashMap::new();
    for row in rows {
        by.entry(key(&row)).or_default().push(row);
    }
    by
}

fn members_of(rows: Vec<(String, String, String)>) -> Result<Vec<SpaceMember>, DbError> {
    rows.into_iter()
        .map(|(_, org_id, role)| Ok(SpaceMember::new(org_id, parse(&role)?)))
        .collect()
}

/// What a signed decision or a signed agreement names (who carries out what, by when),
/// stored on its dispute when the document is complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisputeDecided {
    pub responsible_org_id: String,
    pub duty: String,
    /// `YYYY-MM-DD`, Beijing.
    pub deadline: String,
}

/// A meeting convened from a dispute, as the dispute lists it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DisputeMeeting {
    pub id: String,
    pub title: String,
    pub kind: String,
    pub starts_at: i64,
    pub state: String,
}

/// The dispute read on this connection (inside a write, it sees the write's own rows), and
/// the change another workflow's write makes to it (the signed decision's completion).
pub(crate) trait DisputeQueries {
    async fn dispute_by_id(&mut self, id: &str) -> Result<Option<Dispute>, DbError>;

    /// `coordinating → decided` (revision + 1), storing what the decision named; its clock
    /// stops. Refused (Rule) when the dispute is no longer coordinating (withdrawn while the
    /// decision was being signed): the signature is not stored either.
    async fn decide_dispute(
        &mut self,
        id: &str,
        decided: &DisputeDecided,
        at: i64,
    ) -> Result<(), DbError>;

    /// `negotiating → resolved` (revision + 1), storing what the parties' signed agreement
    /// named; its clock stops. Refused (Rule, [`AGREEMENT_NOT_NEGOTIATING`]) when the parties
    /// no longer negotiate (escalated or withdrawn while the agreement was being signed):
    /// the last signature is not stored either.
    async fn settle_dispute(
        &mut self,
        id: &str,
        agreed: &DisputeDecided,
        at: i64,
    ) -> Result<(), DbError>;
}

impl_for_both_engines!(DisputeQueries {
    async fn dispute_by_id(&mut self, id: &str) -> Result<Option<Dispute>, DbError> {
        let record: Option<DisputeRecord> =
            sqlx::query_as(&format!("{DISPUTE_SELECT} where d.space_id = $1"))
                .bind(id)
                .fetch_optional(&mut *self)
                .await?;
        let Some(record) = record else {
            return Ok(None);
        };
        let parties: Vec<PartyRow> =
            sqlx::query_as(&format!("{PARTY_SELECT} where p.dispute_id = $1 {PARTY_ORDER}"))
                .bind(id)
                .fetch_all(&mut *self)
                .await?;
        let members: Vec<(String, String, String)> =
            sqlx::query_as(&format!("{MEMBER_SELECT} where m.space_id = $1 {MEMBER_ORDER}"))
                .bind(id)
                .fetch_all(&mut *self)
                .await?;
        record.into_dispute(parties, members_of(members)?).map(Some)
    }

    async fn decide_dispute(
        &mut self,
        id: &str,
        decided: &DisputeDecided,
        at: i64,
    ) -> Result<(), DbError> {
        SpineQueries::expect_row(
            &mut *self,
            &SPINE,
            id,
            Expect::State(DisputeState::Coordinating.as_str()),
        )
        .await?;
        sqlx::query(
            "update disputes set state = 'decided', decided_at = $2, responsible_org_id = $3,
                 decision_duty = $4, decision_deadline = $5, stage_started_at = null,
                 stage_due_at = null, revision = revision + 1, updated_at = $2
             where space_id = $1",
        )
        .bind(id)
        .bind(at)
        .bind(&decided.responsible_org_id)
        .bind(&decided.duty)
        .bind(&decided.deadline)
        .execute(&mut *self)
        .await?;
        Ok(())
    }

    async fn settle_dispute(
        &mut self,
        id: &str,
        agreed: &DisputeDecided,
        at: i64,
    ) -> Result<(), DbError> {
        let for_update = self.for_update();
        let (state,): (String,) = sqlx::query_as(&format!(
            "select state from disputes where space_id = $1{for_update}"
        ))
        .bind(id)
        .fetch_optional(&mut *self)
        .await?
        .ok_or_else(no_dispute)?;
        let state: DisputeState = parse(&state)?;
        if state != DisputeState::Negotiating {
            return Err(DbError::Rule(
                Refused::in_state(&AGREEMENT_NOT_NEGOTIATING, state).message(),
            ));
        }
        sqlx::query(
            "update disputes set state = 'resolved', responsible_org_id = $2,
                 decision_duty = $3, decision_deadline = $4, agreement = $3,
                 stage_started_at = null, stage_due_at = null, revision = revision + 1,
                 updated_at = $5
             where space_id = $1",
        )
        .bind(id)
        .bind(&agreed.responsible_org_id)
        .bind(&agreed.duty)
        .bind(&agreed.deadline)
        .bind(at)
        .execute(&mut *self)
        .await?;
        Ok(())
    }
});

impl Db {
    /// Raises a dispute: its space (the raising body as convener, the others as members), one
    /// statement document per party, the dispute (revision 1, `raised`) and its parties, then
    /// `effects`, in one transaction. Refused naming a party or region that does not exist.
    pub async fn create_dispute(
        &self,
        new: &NewDispute,
        now: i64,
        effects: &Effects,
    ) -> Result<Dispute, DbError> {
        let mail = self.mail_delivery;
        in_transaction!(self, |conn| {
            conn.insert_space(
                &new.id,
                SpaceKind::Dispute,
                &new.title,
                &new.region,
                false,
                &new.created_by,
                now,
            )
            .await?;
            for party in &new.parties {
                let role = if party.org_id == new.raised_by_org_id {
                    SpaceRole::Convener
                } else {
                    SpaceRole::Member
                };
                conn.put_member(&new.id, &party.org_id, role).await?;
                let statement = DocRow {
                    doc_id: &party.statement_doc_id,
                    title: STATEMENT_TITLE,
                    role: DocRole::Statement,
                    owner_org_id: Some(&party.org_id),
                    briefing: false,
                };
                conn.insert_doc(&new.id, statement, now).await?;
            }
            // The parties' agreement, which they all write while they negotiate.
            let agreement = DocRow {
                doc_id: &new.agreement_doc_id,
                title: AGREEMENT_TITLE,
                role: DocRole::Shared,
                owner_org_id: None,
                briefing: false,
            };
            conn.insert_doc(&new.id, agreement, now).await?;
            // The bureau it would escalate to follows it from the start, reading.
            conn.put_member(&new.id, &new.bureau_org_id, SpaceRole::Observer)
                .await?;
            sqlx::query(
                "insert into disputes (space_id, kind, title, description, place, reference,
                     tried, raised_by_org_id, bureau_org_id, state, revision, stage_started_at,
                     stage_due_at, source_kind, source_id, created_by, created_at, updated_at,
                     agreement_doc_id)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'raised', 1, $10, $11, $12, $13,
                         $14, $10, $10, $15)",
            )
            .bind(&new.id)
            .bind(new.kind.as_str())
            .bind(&new.title)
            .bind(&new.description)
            .bind(new.place.as_deref())
            .bind(new.reference.as_deref())
            .bind(new.tried.as_deref())
            .bind(&new.raised_by_org_id)
            .bind(&new.bureau_org_id)
            .bind(now)
            .bind(new.stage_due_at)
            .bind(new.source_kind)
            .bind(new.source_id.as_deref())
            .bind(&new.created_by)
            .bind(&new.agreement_doc_id)
            .execute(&mut *conn)
            .await?;
            for party in &new.parties {
                let role = if party.org_id == new.raised_by_org_id {
                    "raiser"
                } else {
                    "party"
                };
                sqlx::query(
                    "insert into dispute_parties (dispute_id, org_id, role, position,
                         legal_basis, statement_doc_id)
                     values ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&new.id)
                .bind(&party.org_id)
                .bind(role)
                .bind(party.position.as_deref())
                .bind(party.legal_basis.as_deref())
                .bind(&party.statement_doc_id)
                .execute(&mut *conn)
                .await?;
            }
            let dispute = conn.dispute_by_id(&new.id).await?.ok_or_else(no_dispute)?;
            conn.apply_effects(now, effects, mail).await?;
            Ok(dispute)
        })
    }

    /// The newest dispute `raised_by_org_id` raised from a task or a notice (`source_kind`
    /// `task` or `notice`): the id, or `None` when it raised none. (Another recipient of the
    /// same letter may have raised its own, which this body need not see.)
    pub async fn dispute_raised_from(
        &self,
        source_kind: &str,
        source_id: &str,
        raised_by_org_id: &str,
    ) -> Result<Option<String>, DbError> {
        on_reader!(self, |conn| {
            let found: Option<(String,)> = sqlx::query_as(
                "select space_id from disputes
                 where source_kind = $1 and source_id = $2 and raised_by_org_id = $3
                 order by created_at desc limit 1",
            )
            .bind(source_kind)
            .bind(source_id)
            .bind(raised_by_org_id)
            .fetch_optional(&mut *conn)
            .await?;
            Ok(found.map(|(id,)| id))
        })
    }

    /// The dispute with its parties; `None` when there is none.
    pub async fn dispute(&self, id: &str) -> Result<Option<Dispute>, DbError> {
        on_reader!(self, |conn| conn.dispute_by_id(id).await)
    }

    /// The disputes `viewer` may find (the spaces of [`VISIBLE`] that are disputes) that
    /// `filter` keeps, newest first.
    pub async fn disputes_visible(
        &self,
        viewer: &Viewer<'_>,
        filter: DisputeFilter<'_>,
    ) -> Result<Vec<Dispute>, DbError> {
        let visible = visible_spaces(viewer);
        let state = filter.state.map(DisputeState::as_str);
        let role = filter.role.map(ListRole::as_str);
        let matching = format!(
            "{}{}",
            matching(filter.role),
            listed(filter.of.map(|(_, figure)| figure))
        );
        let of = filter.of.map(|(of, _)| of);
        let sql = [
            format!(
                "{VISIBLE}{matching} {DISPUTE_SELECT} where d.space_id in (select id from listed)
                     order by d.created_at desc, d.space_id"
            ),
            format!(
                "{VISIBLE}{matching} {PARTY_SELECT} where p.dispute_id in (select id from listed)
                     {PARTY_ORDER}"
            ),
            format!(
                "{VISIBLE}{matching} {MEMBER_SELECT} where m.space_id in (select id from listed)
                     {MEMBER_ORDER}"
            ),
        ];
        // The same parameters for each query: the viewer's, the filter's, and the body's.
        macro_rules! rows {
            ($conn:ident, $sql:expr) => {{
                let query = sqlx::query_as($sql)
                    .bind(visible.org_id)
                    .bind(&visible.low)
                    .bind(&visible.high)
                    .bind(state)
                    .bind(role);
                match of {
                    Some(of) => {
                        query
                            .bind(of.org_id)
                            .bind(of.from_ms)
                            .bind(of.to_ms)
                            .fetch_all(&mut *$conn)
                            .await?
                    }
                    None => query.fetch_all(&mut *$conn).await?,
                }
            }};
        }
        type Rows = (
            Vec<DisputeRecord>,
            Vec<PartyRow>,
            Vec<(String, String, String)>,
        );
        let (records, parties, members): Rows = on_reader!(self, |conn| {
            let records = rows!(conn, &sql[0]);
            let parties = rows!(conn, &sql[1]);
            let members = rows!(conn, &sql[2]);
            (records, parties, members)
        });
        let mut parties = group(parties, |p: &PartyRow| p.dispute_id.clone());
        let mut members = group(members, |m: &(String, String, String)| m.0.clone());
        records
            .into_iter()
            .map(|record| {
                let of_dispute = parties.remove(&record.id).unwrap_or_default();
                let of_space = members_of(members.remove(&record.id).unwrap_or_default())?;
                record.into_dispute(of_dispute, of_space)
            })
            .collect()
    }

    /// Stores a command if the stored revision still is the one the caller read: the state
    /// and every field of the change that is `Some`; revision + 1.
    pub async fn change_dispute(
        &self,
        change: &DisputeChange,
        effects: &Effects,
    ) -> Result<Dispute, DbError> {
        let expect = Expect::Revision(change.expected_revision);
        let id = change.dispute_id.as_str();
        write_space!(self, SPINE, id, expect, change.at, effects, |conn|
        change {
            if let Some(decision_doc_id) = &change.bureau_joins {
                let (raiser, bureau): (String, String) = sqlx::query_as(
                    "select raised_by_org_id, bureau_org_id from disputes where space_id = $1",
                )
                .bind(id)
                .fetch_one(&mut *conn)
                .await?;
                conn.put_member(id, &bureau, SpaceRole::Convener).await?;
                conn.put_member(id, &raiser, SpaceRole::Member).await?;
                let decision = DocRow {
                    doc_id: decision_doc_id,
                    title: DECISION_TITLE,
                    role: DocRole::Decision,
                    owner_org_id: None,
                    briefing: false,
                };
                conn.insert_doc(id, decision, change.at).await?;
                sqlx::query("update disputes set decision_doc_id = $2 where space_id = $1")
                    .bind(id)
                    .bind(decision_doc_id)
                    .execute(&mut *conn)
                    .await?;
            }
            if change.close_agreement {
                sqlx::query(
                    "update space_docs set frozen = true
                     where doc_id = (select agreement_doc_id from disputes where space_id = $1)",
                )
                .bind(id)
                .execute(&mut *conn)
                .await?;
            }
            let (stage_set, stage) = match change.stage {
                Some(stage) => (true, stage),
                None => (false, None),
            };
            sqlx::query(
                "update disputes set state = coalesce($2, state),
                     stage_started_at = case when $3 then $4 else stage_started_at end,
                     stage_due_at = case when $3 then $5 else stage_due_at end,
                     escalated_at = coalesce($6, escalated_at),
                     accepted_at = coalesce($7, accepted_at),
                     decided_at = coalesce($8, decided_at),
                     responsible_org_id = coalesce($9, responsible_org_id),
                     interim_lead_org_id = coalesce($10, interim_lead_org_id),
                     task_id = coalesce($11, task_id),
                     agreement = coalesce($12, agreement),
                     government_decision = coalesce($13, government_decision),
                     reason = coalesce($14, reason)
                 where space_id = $1",
            )
            .bind(id)
            .bind(change.state.map(DisputeState::as_str))
            .bind(stage_set)
            .bind(stage.map(|s| s.0))
            .bind(stage.map(|s| s.1))
            .bind(change.escalated_at)
            .bind(change.accepted_at)
            .bind(change.decided_at)
            .bind(change.responsible_org_id.as_deref())
            .bind(change.interim_lead_org_id.as_deref())
            .bind(change.task_id.as_deref())
            .bind(change.agreement.as_deref())
            .bind(change.government_decision.as_deref())
            .bind(change.reason.as_deref())
            .execute(&mut *conn)
            .await?;
        }
        answer { conn.dispute_by_id(id).await?.ok_or_else(no_dispute)? })
    }

    /// The meetings convened from a dispute (案件会商), soonest first.
    pub async fn dispute_meetings(&self, dispute_id: &str) -> Result<Vec<DisputeMeeting>, DbError> {
        Ok(on_reader!(self, |conn| {
            sqlx::query_as(
                "select space_id as id, title, kind, starts_at, state from meetings
                 where dispute_id = $1 order by starts_at, space_id",
            )
            .bind(dispute_id)
            .fetch_all(&mut *conn)
            .await?
        }))
    }

    /// Stores a party's own write while the dispute is still in the state its caller saw.
    /// NotFound when the body is not a party.
    pub async fn write_party(
        &self,
        dispute_id: &str,
        org_id: &str,
        seen: DisputeState,
        write: &PartyWrite,
        at: i64,
        effects: &Effects,
    ) -> Result<Dispute, DbError> {
        let expect = Expect::State(seen.as_str());
        write_space!(self, SPINE, dispute_id, expect, at, effects, |conn|
        change {
            let query = match write {
                PartyWrite::Position { position, legal_basis } => sqlx::query(
                    "update dispute_parties set position = $3, legal_basis = $4
                     where dispute_id = $1 and org_id = $2",
                )
                .bind(dispute_id)
                .bind(org_id)
                .bind(position)
                .bind(legal_basis.as_deref()),
                PartyWrite::GiveUp { by } => sqlx::query(
                    "update dispute_parties set gave_up_by = $3, gave_up_at = $4
                     where dispute_id = $1 and org_id = $2 and gave_up_at is null",
                )
                .bind(dispute_id)
                .bind(org_id)
                .bind(by)
                .bind(at),
                PartyWrite::Reply { by } => sqlx::query(
                    "update dispute_parties set replied_by = $3, replied_at = $4
                     where dispute_id = $1 and org_id = $2 and replied_at is null",
                )
                .bind(dispute_id)
                .bind(org_id)
                .bind(by)
                .bind(at),
            };
            query.execute(&mut *conn).await?;
            sqlx::query("update disputes set updated_at = $2 where space_id = $1")
                .bind(dispute_id)
                .bind(at)
                .execute(&mut *conn)
                .await?;
        }
        answer { conn.dispute_by_id(dispute_id).await?.ok_or_else(no_dispute)? })
    }
}
