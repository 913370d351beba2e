//! Case referrals (案件移送) as stored: the referral and its case, and the material checklist
//! (案件材料清单) with each item's file and what the receiver found.
//!
//! # A referral is a space
//!
//! Making a referral creates, in one transaction, the space of kind `referral` (the referring
//! body as `convener`, the receiving body as `member`, the procuratorate a criminal referral
//! is copied to as `observer`; a clue to discipline inspection is a closed space, which no
//! bureau of the region reads), the referral row and its checklist, and the document its
//! receipt is signed as ([`receipt_doc_id`]). It has no live document: what it carries is the
//! case as written, the files, and the receipt.
//!
//! A command names the revision its caller read and bumps it ([`Db::change_referral`]); so
//! does a change to the draft. Attaching a file and checking an item name the state their
//! caller saw, as a group's evidence does. Every write goes through [`write_space!`]; the rules
//! live in `domain::referral`, and this module never decides a transition.
//!
//! A procuratorate reads the criminal referrals of its region (its 立案监督): the list takes its
//! region's range as a second way in besides [`VISIBLE`].

use std::fmt;

use futures_util::future::BoxFuture;

use super::blobs::BlobQueries;
use super::common::{
    impl_for_both_engines, in_transaction, not_found, on_reader, parse, parse_region_code,
    subtree_range,
};
use super::effects::{Consequence, Effects, Tx};
use super::spaces::{
    group, members_of, visible_spaces, write_space, DocRow, Expect, SpaceRows, Spine, SpineQueries,
    MEMBER_ORDER, MEMBER_SELECT, VISIBLE,
};
use super::{Db, DbError};
use crate::domain::org::{
    DocRole, OrgKind, RegionCode, RegionPath, SpaceKind, SpaceMember, SpaceRole,
};
use crate::domain::phrases;
use crate::domain::policy::{SpaceFacts, Viewer};
use crate::domain::referral::{ItemState, ReferralKind, ReferralState};
use crate::domain::referral_stats::ReferralFacts;

/// The title of a referral's receipt document.
pub const RECEIPT_TITLE: &str = "移送回执";

/// The id of the document a referral's receipt is signed as (`<referral>:receipt`): a
/// [`DocRole::Record`] of its space, made with it, which nobody writes; the receipt is made of
/// the referral's facts alone (`signing::kinds::referral_receipt`).
pub fn receipt_doc_id(referral_id: &str) -> String {
    format!("{referral_id}:receipt")
}

/// A referral to make, as a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReferral {
    pub id: String,
    pub kind: ReferralKind,
    pub referrer_org_id: String,
    pub receiver_org_id: String,
    pub copy_org_id: Option<String>,
    pub case: CaseRow,
    /// The referring body's region: the space's, so the bureaus above it supervise it.
    pub region: RegionCode,
    /// The checklist's item names, in order (their files come later).
    pub items: Vec<String>,
    pub created_by: String,
}

/// The case a referral carries, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRow {
    pub name: String,
    pub number: Option<String>,
    pub facts: String,
    pub legal_basis: String,
}

/// A stored referral with its checklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referral {
    /// The space's id.
    pub id: String,
    pub kind: ReferralKind,
    pub referrer_org_id: String,
    pub referrer_name: String,
    pub receiver_org_id: String,
    pub receiver_name: String,
    pub copy_org_id: Option<String>,
    pub copy_name: Option<String>,
    pub case: CaseRow,
    pub region: RegionCode,
    pub region_path: RegionPath,
    pub state: ReferralState,
    pub revision: i64,
    pub stage_started_at: Option<i64>,
    pub stage_due_at: Option<i64>,
    pub submitted_at: Option<i64>,
    pub approved_by: Option<String>,
    pub approved_by_name: Option<String>,
    pub approved_at: Option<i64>,
    pub approval_opinion: Option<String>,
    pub sent_at: Option<i64>,
    pub received_by: Option<String>,
    /// The person of the receiving body who signed for it (签收人).
    pub receiver_person: Option<String>,
    pub received_at: Option<i64>,
    pub decided_at: Option<i64>,
    /// `accepted` or `not_accepted`, once decided.
    pub decision: Option<String>,
    pub receipt_due_at: Option<i64>,
    pub decision_due_at: Option<i64>,
    pub returned_at: Option<i64>,
    pub receiver_case_number: Option<String>,
    pub reason: Option<String>,
    pub feedback: Option<String>,
    pub feedback_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub dispute_id: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub items: Vec<ItemRow>,
    /// The space's members, as access is decided on.
    pub members: Vec<SpaceMember>,
}

impl Referral {
    /// What the policy needs to know of the referral's space.
    pub fn facts(&self) -> SpaceFacts<'_> {
        SpaceFacts {
            region_path: &self.region_path,
            members: &self.members,
            closed: self.kind.closed(),
            also_supervised_by: self
                .kind
                .supervised_by_procuratorate()
                .then_some(OrgKind::Procuratorate),
        }
    }

    /// Whether every item of the checklist is marked received.
    pub fn complete(&self) -> bool {
        !self.items.is_empty() && self.items.iter().all(|i| i.state == ItemState::Received)
    }

    pub fn item(&self, id: &str) -> Option<&ItemRow> {
        self.items.iter().find(|i| i.id == id)
    }
}

/// One item of the material checklist as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ItemRow {
    #[sqlx(skip)]
    pub state: ItemState,
    pub id: String,
    pub position: i32,
    pub name: String,
    /// Hex SHA-256 of its file, once uploaded.
    pub sha256: Option<String>,
    pub file_name: Option<String>,
    pub media_type: Option<String>,
    pub size: Option<i64>,
    pub attached_by: Option<String>,
    pub attached_by_name: Option<String>,
    pub attached_at: Option<i64>,
    /// What is missing, when marked so.
    pub note: Option<String>,
    pub checked_by: Option<String>,
    pub checked_by_name: Option<String>,
    pub checked_at: Option<i64>,
}

/// What a referral command changes besides the state: each `Some` is stored. `stage` sets
/// the clock (`Some((None, None))` stops it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReferralChange {
    pub id: String,
    pub expected_revision: i64,
    pub at: i64,
    pub state: Option<ReferralState>,
    pub stage: Option<(Option<i64>, Option<i64>)>,
    pub submitted_at: Option<i64>,
    pub approved_by: Option<String>,
    pub approved_at: Option<i64>,
    pub approval_opinion: Option<String>,
    pub sent_at: Option<i64>,
    pub received_by: Option<String>,
    pub receiver_person: Option<String>,
    pub received_at: Option<i64>,
    pub decided_at: Option<i64>,
    pub decision: Option<&'static str>,
    pub receipt_due_at: Option<i64>,
    pub decision_due_at: Option<i64>,
    pub returned_at: Option<i64>,
    pub receiver_case_number: Option<String>,
    pub reason: Option<String>,
    pub feedback: Option<String>,
    pub feedback_at: Option<i64>,
    pub closed_at: Option<i64>,
}

/// A change to a draft: its case, and items added or removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DraftEdit {
    Case(CaseRow),
    AddItem { id: String, name: String },
    RemoveItem { id: String },
}

/// A file for an item: while the referral is a draft, or supplying one the receiver marked
/// missing (the item is then to be checked again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemFile {
    pub referral_id: String,
    pub item_id: String,
    pub file_name: String,
    pub media_type: String,
    pub attached_by: String,
}

#[derive(sqlx::FromRow)]
struct ReferralRecord {
    id: String,
    kind: String,
    referrer_org_id: String,
    referrer_name: String,
    receiver_org_id: String,
    receiver_name: String,
    copy_org_id: Option<String>,
    copy_name: Option<String>,
    case_name: String,
    case_number: Option<String>,
    facts: String,
    legal_basis: String,
    region_code: String,
    region_path: String,
    state: String,
    revision: i64,
    stage_started_at: Option<i64>,
    stage_due_at: Option<i64>,
    submitted_at: Option<i64>,
    approved_by: Option<String>,
    approved_by_name: Option<String>,
    approved_at: Option<i64>,
    approval_opinion: Option<String>,
    sent_at: Option<i64>,
    received_by: Option<String>,
    receiver_person: Option<String>,
    received_at: Option<i64>,
    decided_at: Option<i64>,
    decision: Option<String>,
    receipt_due_at: Option<i64>,
    decision_due_at: Option<i64>,
    returned_at: Option<i64>,
    receiver_case_number: Option<String>,
    reason: Option<String>,
    feedback: Option<String>,
    feedback_at: Option<i64>,
    closed_at: Option<i64>,
    dispute_id: Option<String>,
    created_by: String,
    created_at: i64,
    updated_at: i64,
}

impl ReferralRecord {
    fn into_referral(
        self,
        items: Vec<ItemRow>,
        members: Vec<SpaceMember>,
    ) -> Result<Referral, DbError> {
        Ok(Referral {
            kind: parse(&self.kind)?,
            state: parse(&self.state)?,
            region: parse_region_code(&self.region_code)?,
            region_path: RegionPath(self.region_path),
            id: self.id,
            referrer_org_id: self.referrer_org_id,
            referrer_name: self.referrer_name,
            receiver_org_id: self.receiver_org_id,
            receiver_name: self.receiver_name,
            copy_org_id: self.copy_org_id,
            copy_name: self.copy_name,
            case: CaseRow {
                name: self.case_name,
                number: self.case_number,
                facts: self.facts,
                legal_basis: self.legal_basis,
            },
            revision: self.revision,
            stage_started_at: self.stage_started_at,
            stage_due_at: self.stage_due_at,
            submitted_at: self.submitted_at,
            approved_by: self.approved_by,
            approved_by_name: self.approved_by_name,
            approved_at: self.approved_at,
            approval_opinion: self.approval_opinion,
            sent_at: self.sent_at,
            received_by: self.received_by,
            receiver_person: self.receiver_person,
            received_at: self.received_at,
            decided_at: self.decided_at,
            decision: self.decision,
            receipt_due_at: self.receipt_due_at,
            decision_due_at: self.decision_due_at,
            returned_at: self.returned_at,
            receiver_case_number: self.receiver_case_number,
            reason: self.reason,
            feedback: self.feedback,
            feedback_at: self.feedback_at,
            closed_at: self.closed_at,
            dispute_id: self.dispute_id,
            created_by: self.created_by,
            created_at: self.created_at,
            updated_at: self.updated_at,
            items,
            members,
        })
    }
}

const REFERRAL_SELECT: &str = "select f.space_id as id, f.kind, f.referrer_org_id,
        a.name_zh as referrer_name, f.receiver_org_id, b.name_zh as receiver_name,
        f.copy_org_id, c.name_zh as copy_name, f.case_name, f.case_number, f.facts,
        f.legal_basis, s.region_code, r.path as region_path, f.state, f.revision,
        f.stage_started_at, f.stage_due_at, f.submitted_at, f.approved_by,
        h.display_name as approved_by_name, f.approved_at, f.approval_opinion, f.sent_at,
        f.received_by, f.receiver_person, f.received_at, f.decided_at, f.decision,
        f.receipt_due_at, f.decision_due_at, f.returned_at, f.receiver_case_number,
        f.reason, f.feedback, f.feedback_at, f.closed_at, f.dispute_id, f.created_by,
        f.created_at, f.updated_at
    from referrals f join spaces s on s.id = f.space_id
        join regions r on r.code = s.region_code
        join organizations a on a.id = f.referrer_org_id
        join organizations b on b.id = f.receiver_org_id
        left join organizations c on c.id = f.copy_org_id
        left join users h on h.id = f.approved_by";

const ITEM_SELECT: &str = "select i.referral_id, i.id, i.position, i.name, i.sha256,
        i.file_name, i.media_type, i.size, i.attached_by, p.display_name as attached_by_name,
        i.attached_at, i.state as item_state, i.note, i.checked_by,
        q.display_name as checked_by_name, i.checked_at
    from referral_items i left join users p on p.id = i.attached_by
        left join users q on q.id = i.checked_by";
const ITEM_ORDER: &str = "order by i.referral_id, i.position";

/// An item row with the referral it belongs to and its stored state, as read.
#[derive(sqlx::FromRow)]
struct ItemRecord {
    referral_id: String,
    item_state: String,
    #[sqlx(flatten)]
    row: ItemRow,
}

impl ItemRecord {
    fn into_row(self) -> Result<(String, ItemRow), DbError> {
        let mut row = self.row;
        row.state = parse(&self.item_state)?;
        Ok((self.referral_id, row))
    }
}

/// The referrals' rows of their spaces, for [`write_space!`].
pub(super) const SPINE: Spine = Spine {
    table: "referrals",
    missing: &phrases::NO_SUCH_REFERRAL,
    stale: &phrases::REFERRAL_STALE,
    moved: &phrases::REFERRAL_MOVED,
    words: super::spaces::state_words::<ReferralState>,
};

/// `, matching (id) as (…)` after [`VISIBLE`]: the referrals of the spaces a viewer sees, and
/// the criminal referrals of the region a procuratorate supervises (`$4`..`$5`; an empty
/// range for any other body).
const MATCHING: &str = ", matching (id) as (
        select f.space_id from referrals f where f.space_id in (select id from visible)
        union
        select f.space_id from referrals f join spaces s on s.id = f.space_id
            join regions r on r.code = s.region_code
        where f.kind = 'criminal' and r.path >= $4 and r.path < $5
    )";

/// Which referrals a list asks for by the caller's body's part in them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferralRole {
    /// Those it referred.
    Outgoing,
    /// Those it receives (drafts and those awaiting approval are not yet sent to it).
    Incoming,
    /// Those it reads without being their referrer or receiver: copied, or supervised.
    Supervised,
}

/// Reads referrals on this connection (inside a write, the write's own rows).
pub(crate) trait ReferralQueries {
    async fn referral_by_id(&mut self, id: &str) -> Result<Option<Referral>, DbError>;

    /// `returned → disputed` (revision + 1), naming the dispute raised from it. Refused (Rule)
    /// when the referral is no longer returned, so the dispute is not raised either.
    async fn mark_referral_disputed(
        &mut self,
        id: &str,
        dispute_id: &str,
        at: i64,
    ) -> Result<(), DbError>;

    /// Inserts an item of the checklist, without its file, at `position`.
    async fn insert_item(
        &mut self,
        referral_id: &str,
        id: &str,
        position: i32,
        name: &str,
    ) -> Result<(), DbError>;
}

impl_for_both_engines!(ReferralQueries {
    async fn referral_by_id(&mut self, id: &str) -> Result<Option<Referral>, DbError> {
        let record: Option<ReferralRecord> =
            sqlx::query_as(&format!("{REFERRAL_SELECT} where f.space_id = $1"))
                .bind(id)
                .fetch_optional(&mut *self)
                .await?;
        let Some(record) = record else {
            return Ok(None);
        };
        let items: Vec<ItemRecord> =
            sqlx::query_as(&format!("{ITEM_SELECT} where i.referral_id = $1 {ITEM_ORDER}"))
                .bind(id)
                .fetch_all(&mut *self)
                .await?;
        let members: Vec<(String, String, String)> =
            sqlx::query_as(&format!("{MEMBER_SELECT} where m.space_id = $1 {MEMBER_ORDER}"))
                .bind(id)
                .fetch_all(&mut *self)
                .await?;
        let items = items
            .into_iter()
            .map(|i| i.into_row().map(|(_, row)| row))
            .collect::<Result<_, _>>()?;
        let members = members_of(members)?.into_iter().map(|(_, m)| m).collect();
        record.into_referral(items, members).map(Some)
    }

    async fn mark_referral_disputed(
        &mut self,
        id: &str,
        dispute_id: &str,
        at: i64,
    ) -> Result<(), DbError> {
        SpineQueries::expect_row(
            &mut *self,
            &SPINE,
            id,
            Expect::State(ReferralState::Returned.as_str()),
        )
        .await?;
        sqlx::query(
            "update referrals set state = 'disputed', dispute_id = $2, stage_started_at = null,
                 stage_due_at = null, revision = revision + 1, updated_at = $3
             where space_id = $1",
        )
        .bind(id)
        .bind(dispute_id)
        .bind(at)
        .execute(&mut *self)
        .await?;
        Ok(())
    }

    async fn insert_item(
        &mut self,
        referral_id: &str,
        id: &str,
        position: i32,
        name: &str,
    ) -> Result<(), DbError> {
        sqlx::query(
            "insert into referral_items (id, referral_id, position, name) values ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(referral_id)
        .bind(position)
        .bind(name)
        .execute(&mut *self)
        .await?;
        Ok(())
    }
});

/// A returned referral disputed, in the write that raises the dispute from it.
#[derive(Debug, Clone)]
struct ReferralDisputed {
    referral_id: String,
    dispute_id: String,
}

impl Consequence for ReferralDisputed {
    fn insert<'a>(&'a self, tx: Tx<'a>, now: i64) -> BoxFuture<'a, Result<(), DbError>> {
        Box::pin(async move {
            let (id, dispute) = (&self.referral_id, &self.dispute_id);
            match tx {
                Tx::Sqlite(conn) => conn.mark_referral_disputed(id, dispute, now).await,
                Tx::Postgres(conn) => conn.mark_referral_disputed(id, dispute, now).await,
            }
        })
    }
}

impl Effects {
    /// Moves the returned referral `referral_id` to `disputed` in the write that raises the
    /// dispute `dispute_id` from it; the write is refused if it is no longer returned.
    pub fn dispute_referral(&mut self, referral_id: &str, dispute_id: &str) {
        self.insert(ReferralDisputed {
            referral_id: referral_id.to_owned(),
            dispute_id: dispute_id.to_owned(),
        });
    }
}

impl fmt::Display for ReferralRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReferralRole::Outgoing => "outgoing",
            ReferralRole::Incoming => "incoming",
            ReferralRole::Supervised => "supervised",
        })
    }
}

/// One sent referral as the statistics count it, with the path of its region.
type StatRecord = (
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<i64>,
);

impl Db {
    /// The referrals sent in `[from_ms, to_ms)` whose space lies in `region`'s subtree, as the
    /// statistics count them.
    pub async fn referral_stat_rows(
        &self,
        region: &RegionPath,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<(RegionPath, ReferralFacts)>, DbError> {
        let (low, high) = subtree_range(region);
        let records: Vec<StatRecord> = on_reader!(self, |conn| {
            sqlx::query_as(
                "select r.path, f.kind, f.state, f.sent_at, f.received_at, f.receipt_due_at,
                        f.decided_at, f.decision_due_at, f.decision, f.returned_at,
                        f.stage_due_at
                 from referrals f join spaces s on s.id = f.space_id
                      join regions r on r.code = s.region_code
                 where r.path >= $1 and r.path < $2
                   and f.sent_at >= $3 and f.sent_at < $4
                 order by r.path, f.sent_at",
            )
            .bind(&low)
            .bind(&high)
            .bind(from_ms)
            .bind(to_ms)
            .fetch_all(&mut *conn)
            .await?
        });
        records
            .into_iter()
            .map(
                |(
                    path,
                    kind,
                    state,
                    sent_at,
                    received_at,
                    receipt_due_at,
                    decided_at,
                    decision_due_at,
                    decision,
                    returned_at,
                    stage_due_at,
                )| {
                    Ok((
                        RegionPath(path),
                        ReferralFacts {
                            kind: parse(&kind)?,
                            state: parse(&state)?,
                            sent_at,
                            received_at,
                            receipt_due_at,
                            decided_at,
                            decision_due_at,
                            decision,
                            returned_at,
                            stage_due_at,
                        },
                    ))
                },
            )
            .collect()
    }

    /// Makes a referral as a draft: its space (the referring body convener, the receiver a
    /// member, the copied procuratorate an observer), the row (revision 1) and its checklist
    /// items without files; then `effects`.
    pub async fn create_referral(
        &self,
        new: &NewReferral,
        now: i64,
        effects: &Effects,
    ) -> Result<Referral, DbError> {
        let mail = self.mail_delivery;
        in_transaction!(self, |conn| {
            conn.insert_space(
                &new.id,
                SpaceKind::Referral,
                &new.case.name,
                &new.region,
                new.kind.closed(),
                &new.created_by,
                now,
            )
            .await?;
            conn.put_member(&new.id, &new.referrer_org_id, SpaceRole::Convener)
                .await?;
            conn.put_member(&new.id, &new.receiver_org_id, SpaceRole::Member)
                .await?;
            if let Some(copy) = &new.copy_org_id {
                conn.put_member(&new.id, copy, SpaceRole::Observer).await?;
            }
            sqlx::query(
                "insert into referrals (space_id, kind, referrer_org_id, receiver_org_id,
                     copy_org_id, case_name, case_number, facts, legal_basis, state,
                     created_by, created_at, updated_at)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'draft', $10, $11, $11)",
            )
            .bind(&new.id)
            .bind(new.kind.as_str())
            .bind(&new.referrer_org_id)
            .bind(&new.receiver_org_id)
            .bind(&new.copy_org_id)
            .bind(&new.case.name)
            .bind(&new.case.number)
            .bind(&new.case.facts)
            .bind(&new.case.legal_basis)
            .bind(&new.created_by)
            .bind(now)
            .execute(&mut *conn)
            .await?;
            for (position, name) in (0..).zip(&new.items) {
                conn.insert_item(&new.id, &super::new_id(), position, name)
                    .await?;
            }
            let receipt = DocRow {
                doc_id: &receipt_doc_id(&new.id),
                title: RECEIPT_TITLE,
                role: DocRole::Record,
                owner_org_id: None,
                briefing: false,
            };
            conn.insert_doc(&new.id, receipt, now).await?;
            super::effects::EffectQueries::apply_effects(&mut *conn, now, effects, mail).await?;
            conn.referral_by_id(&new.id)
                .await?
                .ok_or_else(|| not_found(&phrases::NO_SUCH_REFERRAL))
        })
    }

    /// One referral.
    pub async fn referral(&self, id: &str) -> Result<Option<Referral>, DbError> {
        on_reader!(self, |conn| conn.referral_by_id(id).await)
    }

    /// The referrals a viewer may find, with its body's part in them as `role` asks (all when
    /// `None`), newest first. `procuratorate_of`: the region a procuratorate viewer
    /// supervises, whose criminal referrals it reads.
    pub async fn referrals_visible(
        &self,
        viewer: &Viewer<'_>,
        procuratorate_of: Option<&RegionPath>,
        role: Option<ReferralRole>,
    ) -> Result<Vec<Referral>, DbError> {
        let visible = visible_spaces(viewer);
        let (p_low, p_high) = procuratorate_of.map(subtree_range).unwrap_or_default();
        let role_filter = match role {
            None => "",
            Some(ReferralRole::Outgoing) => " and f.referrer_org_id = $1",
            Some(ReferralRole::Incoming) => {
                " and f.receiver_org_id = $1 and f.state not in ('draft', 'pending_approval', 'approved')"
            }
            Some(ReferralRole::Supervised) => {
                " and f.referrer_org_id <> $1 and f.receiver_org_id <> $1"
            }
        };
        // The receiver does not see a referral before it is sent to it.
        let unsent = " and not (f.receiver_org_id = $1 and f.referrer_org_id <> $1
                 and f.state in ('draft', 'pending_approval', 'approved'))";
        macro_rules! matching_rows {
            ($conn:ident, $select:expr, $column:expr, $order:expr) => {
                sqlx::query_as(&format!(
                    "{VISIBLE}{MATCHING}, listed (id) as (select f.space_id from referrals f
                         where f.space_id in (select id from matching){role_filter}{unsent})
                     {} where {} in (select id from listed) {}",
                    $select, $column, $order
                ))
                .bind(visible.org_id)
                .bind(&visible.low)
                .bind(&visible.high)
                .bind(&p_low)
                .bind(&p_high)
                .fetch_all(&mut *$conn)
                .await?
            };
        }
        on_reader!(self, |conn| {
            let records: Vec<ReferralRecord> = matching_rows!(
                conn,
                REFERRAL_SELECT,
                "f.space_id",
                "order by f.created_at desc, f.space_id"
            );
            let items: Vec<ItemRecord> =
                matching_rows!(conn, ITEM_SELECT, "i.referral_id", ITEM_ORDER);
            let members: Vec<(String, String, String)> =
                matching_rows!(conn, MEMBER_SELECT, "m.space_id", MEMBER_ORDER);
            let mut items = group(
                items
                    .into_iter()
                    .map(ItemRecord::into_row)
                    .collect::<Result<Vec<_>, _>>()?,
            );
            let mut members = group(members_of(members)?);
            records
                .into_iter()
                .map(|r| {
                    let id = r.id.clone();
                    r.into_referral(
                        items.remove(&id).unwrap_or_default(),
                        members.remove(&id).unwrap_or_default(),
                    )
                })
                .collect()
        })
    }

    /// A referral command: checks the revision, stores what `change` says, bumps the
    /// revision, then `effects`; answers the referral as it now is.
    pub async fn change_referral(
        &self,
        change: &ReferralChange,
        effects: &Effects,
    ) -> Result<Referral, DbError> {
        let expect = Expect::Revision(change.expected_revision);
        let id = change.id.as_str();
        let (set_stage, started, due) = match change.stage {
            Some((started, due)) => (true, started, due),
            None => (false, None, None),
        };
        write_space!(self, SPINE, id, expect, change.at, effects, |conn|
        change {
            sqlx::query(
                "update referrals set
                     state = coalesce($2, state),
                     stage_started_at = case when $3 then $4 else stage_started_at end,
                     stage_due_at = case when $3 then $5 else stage_due_at end,
                     submitted_at = coalesce($6, submitted_at),
                     approved_by = coalesce($7, approved_by),
                     approved_at = coalesce($8, approved_at),
                     approval_opinion = coalesce($9, approval_opinion),
                     sent_at = coalesce($10, sent_at),
                     received_by = coalesce($11, received_by),
                     receiver_person = coalesce($12, receiver_person),
                     received_at = coalesce($13, received_at),
                     decided_at = coalesce($14, decided_at),
                     receiver_case_number = coalesce($15, receiver_case_number),
                     reason = coalesce($16, reason),
                     feedback = coalesce($17, feedback),
                     feedback_at = coalesce($18, feedback_at),
                     closed_at = coalesce($19, closed_at),
                     decision = coalesce($20, decision),
                     receipt_due_at = coalesce($21, receipt_due_at),
                     decision_due_at = coalesce($22, decision_due_at),
                     returned_at = coalesce($23, returned_at)
                 where space_id = $1",
            )
            .bind(id)
            .bind(change.state.map(|s| s.as_str()))
            .bind(set_stage)
            .bind(started)
            .bind(due)
            .bind(change.submitted_at)
            .bind(&change.approved_by)
            .bind(change.approved_at)
            .bind(&change.approval_opinion)
            .bind(change.sent_at)
            .bind(&change.received_by)
            .bind(&change.receiver_person)
            .bind(change.received_at)
            .bind(change.decided_at)
            .bind(&change.receiver_case_number)
            .bind(&change.reason)
            .bind(&change.feedback)
            .bind(change.feedback_at)
            .bind(change.closed_at)
            .bind(change.decision)
            .bind(change.receipt_due_at)
            .bind(change.decision_due_at)
            .bind(change.returned_at)
            .execute(&mut *conn)
            .await?;
        }
        answer {
            conn.referral_by_id(id)
                .await?
                .ok_or_else(|| not_found(&phrases::NO_SUCH_REFERRAL))?
        })
    }

    /// A change to a draft (its case, an item added or removed), at the revision the caller
    /// read and still a draft; bumps the revision.
    pub async fn edit_referral(
        &self,
        id: &str,
        expected_revision: i64,
        edit: &DraftEdit,
        at: i64,
        effects: &Effects,
    ) -> Result<Referral, DbError> {
        let expect = Expect::Revision(expected_revision);
        write_space!(self, SPINE, id, expect, at, effects, |conn|
        change {
            // The caller read a draft at this revision, and every change of state bumps it.
            match edit {
                DraftEdit::Case(case) => {
                    sqlx::query(
                        "update referrals set case_name = $2, case_number = $3, facts = $4,
                             legal_basis = $5
                         where space_id = $1",
                    )
                    .bind(id)
                    .bind(&case.name)
                    .bind(&case.number)
                    .bind(&case.facts)
                    .bind(&case.legal_basis)
                    .execute(&mut *conn)
                    .await?;
                    sqlx::query("update spaces set title = $2 where id = $1")
                        .bind(id)
                        .bind(&case.name)
                        .execute(&mut *conn)
                        .await?;
                }
                DraftEdit::AddItem { id: item, name } => {
                    let (next,): (Option<i32>,) = sqlx::query_as(
                        "select max(position) + 1 from referral_items where referral_id = $1",
                    )
                    .bind(id)
                    .fetch_one(&mut *conn)
                    .await?;
                    conn.insert_item(id, item, next.unwrap_or(0), name).await?;
                }
                DraftEdit::RemoveItem { id: item } => {
                    let removed = sqlx::query(
                        "delete from referral_items where referral_id = $1 and id = $2",
                    )
                    .bind(id)
                    .bind(item)
                    .execute(&mut *conn)
                    .await?;
                    if removed.rows_affected() == 0 {
                        return Err(not_found(&phrases::NO_SUCH_REFERRAL_ITEM));
                    }
                }
            }
        }
        answer {
            conn.referral_by_id(id)
                .await?
                .ok_or_else(|| not_found(&phrases::NO_SUCH_REFERRAL))?
        })
    }

    /// Stores `bytes` as the file of an item, if the referral is still in `state` (what the
    /// caller saw): in a draft it replaces any file; while received, it supplies a missing
    /// item, which is then to be checked again. The revision is left alone.
    pub async fn attach_referral_file(
        &self,
        file: &ItemFile,
        bytes: &[u8],
        state: ReferralState,
        at: i64,
        effects: &Effects,
    ) -> Result<Referral, DbError> {
        let id = file.referral_id.as_str();
        let expect = Expect::State(state.as_str());
        write_space!(self, SPINE, id, expect, at, effects, |conn|
        change {
            let blob = conn.put_blob(bytes, at).await?;
            let updated = sqlx::query(
                "update referral_items set sha256 = $3, file_name = $4, media_type = $5,
                     size = $6, attached_by = $7, attached_at = $8, state = 'pending',
                     checked_by = null, checked_at = null
                 where referral_id = $1 and id = $2",
            )
            .bind(id)
            .bind(&file.item_id)
            .bind(&blob.sha256)
            .bind(&file.file_name)
            .bind(&file.media_type)
            .bind(blob.size)
            .bind(&file.attached_by)
            .bind(at)
            .execute(&mut *conn)
            .await?;
            if updated.rows_affected() == 0 {
                return Err(not_found(&phrases::NO_SUCH_REFERRAL_ITEM));
            }
        }
        answer {
            conn.referral_by_id(id)
                .await?
                .ok_or_else(|| not_found(&phrases::NO_SUCH_REFERRAL))?
        })
    }

    /// The receiver's finding on an item (received, or missing with a note), while the
    /// referral is received. The revision is left alone.
    #[allow(clippy::too_many_arguments)]
    pub async fn check_referral_item(
        &self,
        id: &str,
        item_id: &str,
        found: ItemState,
        note: Option<&str>,
        by: &str,
        at: i64,
        effects: &Effects,
    ) -> Result<Referral, DbError> {
        let expect = Expect::State(ReferralState::Received.as_str());
        write_space!(self, SPINE, id, expect, at, effects, |conn|
        change {
            let updated = sqlx::query(
                "update referral_items set state = $3, note = $4, checked_by = $5,
                     checked_at = $6
                 where referral_id = $1 and id = $2",
            )
            .bind(id)
            .bind(item_id)
            .bind(found.as_str())
            .bind(note)
            .bind(by)
            .bind(at)
            .execute(&mut *conn)
            .await?;
            if updated.rows_affected() == 0 {
                return Err(not_found(&phrases::NO_SUCH_REFERRAL_ITEM));
            }
        }
        answer {
            conn.referral_by_id(id)
                .await?
                .ok_or_else(|| not_found(&phrases::NO_SUCH_REFERRAL))?
        })
    }
}
