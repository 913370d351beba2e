//! Meetings (协调会议 / 会商 / 联席会议) as stored: the meeting, each invited body's
//! invitation and attendance, and the agenda.
//!
//! # A meeting is a space
//!
//! Creating a meeting creates, in one transaction, the space of kind `meeting` (the convener
//! as `convener`, invited bodies as `member` or `observer`), its minutes document (会议纪要)
//! and the rows here. So access to a meeting, its minutes and their websocket is decided by
//! the one space policy, and a judicial bureau supervises the meetings of its region like any
//! space. Invitees added or removed later change `space_members` in the same transaction as
//! their invitation.
//!
//! # How two people acting at once are kept apart
//!
//! A command (issue the notice, start, end, postpone, cancel) and a change of the invited
//! bodies name the revision their caller read, and bump it; every other write (an answer,
//! attendance, an agenda item) names the meeting state its caller's decision rested on. Each
//! write locks the meeting's row (PostgreSQL; SQLite has one writer) and refuses, with a
//! sentence for a person, when the meeting moved on meanwhile. The rules themselves live in
//! `domain::meeting`; this module stores what the caller decided and must never decide a
//! transition itself.
//!
//! Every write applies its [`Effects`] (the notices it sends, events, jobs, audit rows) in its
//! own transaction.

use std::collections::HashMap;

use super::common::RowLocks;
use super::common::{
    impl_for_both_engines, in_transaction, not_found, on_reader, parse, parse_region_code, rule,
};
use super::effects::JobQueries;
use super::effects::{EffectQueries, Effects};
use super::spaces::{
    state_words, visible_spaces, write_space, Expect, Spine, MEMBER_ORDER, MEMBER_SELECT, VISIBLE,
};
use super::{Db, DbError};
use crate::domain::meeting::{
    AgendaOutcome, AgendaState, Attendance, InvitationState, MeetingKind, MeetingState,
};
use crate::domain::org::{Name, RegionCode, RegionPath, SpaceKind, SpaceMember, SpaceRole};
use crate::domain::policy::{SpaceFacts, Viewer};

/// The title of the minutes document every meeting is created with.
pub const MINUTES_TITLE: &str = "会议纪要";

/// A body invited to a meeting, and how it takes part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitee {
    pub org_id: String,
    /// `Member` (参会) or `Observer` (列席); never `Convener`.
    pub role: SpaceRole,
}

/// A meeting to create, in draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMeeting {
    /// The space's id, made by the caller with [`new_id`](super::new_id) so effects can name it.
    pub id: String,
    /// The minutes document's id, made the same way.
    pub minutes_doc_id: String,
    pub kind: MeetingKind,
    pub title: Name,
    /// The convener's region: the bureaus whose region covers it supervise the meeting.
    pub region: RegionCode,
    pub convener_org_id: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub place: Option<String>,
    pub online_link: Option<String>,
    pub reply_due_at: Option<i64>,
    /// At least one, each once, never the convener.
    pub invited: Vec<Invitee>,
    /// The dispute a case consultation (案件会商) is convened from.
    pub dispute_id: Option<String>,
    pub created_by: String,
}

/// A stored meeting with its invitations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meeting {
    /// The space's id.
    pub id: String,
    pub kind: MeetingKind,
    pub title: String,
    pub convener_org_id: String,
    /// The convener's Chinese name, for notices, calendar entries and minutes.
    pub convener_name: String,
    pub region: RegionCode,
    pub region_path: RegionPath,
    pub starts_at: i64,
    pub ends_at: i64,
    pub place: Option<String>,
    pub online_link: Option<String>,
    pub reply_due_at: Option<i64>,
    pub state: MeetingState,
    pub revision: i64,
    pub minutes_doc_id: String,
    /// Why it was cancelled, or why it was last postponed.
    pub reason: Option<String>,
    pub started_at: Option<i64>,
    pub ended_at: Option<i64>,
    /// The dispute a case consultation was convened from.
    pub dispute_id: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// Members first, then observers; by organization id within a role.
    pub invitations: Vec<Invitation>,
    /// The space's members and their roles, as stored in `space_members`: what access to the
    /// meeting and its minutes is decided on (the convener first). They match the convener
    /// and the invitations unless someone changed the space's members by hand.
    pub members: Vec<SpaceMember>,
}

impl Meeting {
    /// The invitation of one body, if it is invited.
    /// What the policy needs to know of the meeting's space: its region and who takes part.
    pub fn facts(&self) -> SpaceFacts<'_> {
        SpaceFacts {
            region_path: &self.region_path,
            members: &self.members,
            closed: false,
            also_supervised_by: None,
        }
    }

    pub fn invitation(&self, org_id: &str) -> Option<&Invitation> {
        self.invitations.iter().find(|i| i.org_id == org_id)
    }
}

/// One invited body's invitation (参会回执) and attendance (签到).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub org_id: String,
    /// The body's Chinese name.
    pub org_name: String,
    pub role: SpaceRole,
    pub state: InvitationState,
    /// Who attends, as the body named them (confirmed).
    pub attendee: Option<String>,
    /// The substitute who attends instead (delegated).
    pub delegate: Option<String>,
    /// Why it declined.
    pub reason: Option<String>,
    pub attendance: Option<Attendance>,
    /// The user who answered, and when.
    pub answered_by: Option<String>,
    pub answered_at: Option<i64>,
    pub checked_in_by: Option<String>,
    pub checked_in_at: Option<i64>,
}

/// A command to store: the new state and what moves with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingChange {
    pub meeting_id: String,
    /// The revision the caller read; another one refuses the change.
    pub expected_revision: i64,
    pub state: MeetingState,
    pub at: i64,
    /// A new time (postponement); `None` keeps the stored one.
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    /// `Some(None)` clears the reply deadline (one that passed before a postponement);
    /// `None` keeps it.
    pub reply_due_at: Option<Option<i64>>,
    /// Why (cancellation, postponement); `None` keeps the stored one.
    pub reason: Option<String>,
    pub started_at: Option<i64>,
    pub ended_at: Option<i64>,
    /// Every invitation back to pending, its answer cleared: a new time asks anew.
    pub reset_answers: bool,
}

/// An invited body's answer to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationReply {
    pub meeting_id: String,
    pub org_id: String,
    /// The meeting state the caller's decision rested on.
    pub meeting_state: MeetingState,
    /// Confirmed, delegated or declined.
    pub state: InvitationState,
    pub attendee: Option<String>,
    pub delegate: Option<String>,
    pub reason: Option<String>,
    pub by: String,
    pub at: i64,
}

/// An agenda item (议题).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgendaItem {
    pub id: String,
    pub meeting_id: String,
    /// 1, 2, 3, … in the order proposed.
    pub seq: i64,
    pub title: String,
    pub note: String,
    pub proposed_by: String,
    pub proposed_by_org_id: String,
    pub state: AgendaState,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub decision_note: Option<String>,
    pub outcome: Option<AgendaOutcome>,
    pub outcome_note: Option<String>,
    pub outcome_by: Option<String>,
    pub outcome_at: Option<i64>,
    pub created_at: i64,
}

/// An agenda item to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAgendaItem {
    pub id: String,
    pub meeting_id: String,
    /// The meeting state the caller's decision rested on.
    pub meeting_state: MeetingState,
    pub title: String,
    pub note: String,
    pub proposed_by: String,
    pub proposed_by_org_id: String,
    /// Proposed (by a participant) or accepted (by the convener).
    pub state: AgendaState,
    pub at: i64,
}

/// What changes of an agenda item: the convener's decision or the item's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgendaChange {
    /// Proposed → accepted or rejected.
    Decide {
        state: AgendaState,
        note: Option<String>,
    },
    /// The outcome of an accepted item (set or corrected).
    Outcome {
        outcome: AgendaOutcome,
        note: Option<String>,
    },
}

/// A meeting as stored, before its enums are parsed and its invitations attached.
#[derive(sqlx::FromRow)]
struct MeetingRecord {
    id: String,
    kind: String,
    title: String,
    convener_org_id: String,
    convener_name: String,
    region_code: String,
    region_path: String,
    starts_at: i64,
    ends_at: i64,
    place: Option<String>,
    online_link: Option<String>,
    reply_due_at: Option<i64>,
    state: String,
    revision: i64,
    minutes_doc_id: String,
    reason: Option<String>,
    started_at: Option<i64>,
    ended_at: Option<i64>,
    dispute_id: Option<String>,
    created_by: String,
    created_at: i64,
    updated_at: i64,
}

impl MeetingRecord {
    fn into_meeting(
        self,
        invitations: Vec<Invitation>,
        members: Vec<SpaceMember>,
    ) -> Result<Meeting, DbError> {
        Ok(Meeting {
            kind: parse(&self.kind)?,
            state: parse(&self.state)?,
            region: parse_region_code(&self.region_code)?,
            region_path: RegionPath(self.region_path),
            id: self.id,
            title: self.title,
            convener_org_id: self.convener_org_id,
            convener_name: self.convener_name,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            place: self.place,
            online_link: self.online_link,
            reply_due_at: self.reply_due_at,
            revision: self.revision,
            minutes_doc_id: self.minutes_doc_id,
            reason: self.reason,
            started_at: self.started_at,
            ended_at: self.ended_at,
            dispute_id: self.dispute_id,
            created_by: self.created_by,
            created_at: self.created_at,
            updated_at: self.updated_at,
            invitations,
            members,
        })
    }
}

const MEETING_SELECT: &str = "select m.space_id as id, m.kind, m.title, m.convener_org_id,
        o.name_zh as convener_name, s.region_code, r.path as region_path, m.starts_at,
        m.ends_at, m.place, m.online_link, m.reply_due_at, m.state, m.revision,
        m.minutes_doc_id, m.reason, m.started_at, m.ended_at, m.dispute_id, m.created_by,
        m.created_at, m.updated_at
    from meetings m
    join spaces s on s.id = m.space_id
    join regions r on r.code = s.region_code
    join organizations o on o.id = m.convener_org_id";

/// An invitation as stored.
#[derive(sqlx::FromRow)]
struct InvitationRecord {
    meeting_id: String,
    org_id: String,
    org_name: String,
    role: String,
    state: String,
    attendee: Option<String>,
    delegate: Option<String>,
    reason: Option<String>,
    attendance: Option<String>,
    answered_by: Option<String>,
    answered_at: Option<i64>,
    checked_in_by: Option<String>,
    checked_in_at: Option<i64>,
}

impl TryFrom<InvitationRecord> for Invitation {
    type Error = DbError;
    fn try_from(r: InvitationRecord) -> Result<Invitation, DbError> {
        Ok(Invitation {
            role: parse(&r.role)?,
            state: parse(&r.state)?,
            attendance: r.attendance.as_deref().map(parse).transpose()?,
            org_id: r.org_id,
            org_name: r.org_name,
            attendee: r.attendee,
            delegate: r.delegate,
            reason: r.reason,
            answered_by: r.answered_by,
            answered_at: r.answered_at,
            checked_in_by: r.checked_in_by,
            checked_in_at: r.checked_in_at,
        })
    }
}

const INVITATION_SELECT: &str = "select i.meeting_id, i.org_id, o.name_zh as org_name, i.role,
        i.state, i.attendee, i.delegate, i.reason, i.attendance, i.answered_by, i.answered_at,
        i.checked_in_by, i.checked_in_at
    from meeting_invitations i join organizations o on o.id = i.org_id";

/// `member` < `observer` as text too, so this lists participants before observers.
const INVITATION_ORDER: &str = "order by i.meeting_id, i.role, i.org_id";

/// An agenda item as stored.
#[derive(sqlx::FromRow)]
struct AgendaRecord {
    id: String,
    meeting_id: String,
    seq: i64,
    title: String,
    note: String,
    proposed_by: String,
    proposed_by_org_id: String,
    state: String,
    decided_by: Option<String>,
    decided_at: Option<i64>,
    decision_note: Option<String>,
    outcome: Option<String>,
    outcome_note: Option<String>,
    outcome_by: Option<String>,
    outcome_at: Option<i64>,
    created_at: i64,
}

impl TryFrom<AgendaRecord> for AgendaItem {
    type Error = DbError;
    fn try_from(r: AgendaRecord) -> Result<AgendaItem, DbError> {
        Ok(AgendaItem {
            state: parse(&r.state)?,
            outcome: r.outcome.as_deref().map(parse).transpose()?,
            id: r.id,
            meeting_id: r.meeting_id,
            seq: r.seq,
            title: r.title,
            note: r.note,
            proposed_by: r.proposed_by,
            proposed_by_org_id: r.proposed_by_org_id,
            decided_by: r.decided_by,
            decided_at: r.decided_at,
            decision_note: r.decision_note,
            outcome_note: r.outcome_note,
            outcome_by: r.outcome_by,
            outcome_at: r.outcome_at,
            created_at: r.created_at,
        })
    }
}

const AGENDA_SELECT: &str = "select id, meeting_id, seq, title, note, proposed_by,
        proposed_by_org_id, state, decided_by, decided_at, decision_note, outcome, outcome_note,
        outcome_by, outcome_at, created_at
    from meeting_agenda";

fn no_meeting() -> DbError {
    not_found(&crate::domain::phrases::NO_SUCH_MEETING)
}

fn not_invited() -> DbError {
    not_found(&crate::domain::phrases::NOT_INVITED)
}

/// The meetings' rows of their spaces, for [`write_space!`].
const SPINE: Spine = Spine {
    table: "meetings",
    missing: &crate::domain::phrases::NO_SUCH_MEETING,
    stale: &crate::domain::phrases::MEETING_STALE,
    moved: &crate::domain::phrases::MEETING_MOVED,
    words: state_words::<MeetingState>,
};

/// Groups membership rows by space, keeping their order.
fn members_by_space(
    records: Vec<(String, String, String)>,
) -> Result<HashMap<String, Vec<SpaceMember>>, DbError> {
    let mut by_space: HashMap<String, Vec<SpaceMember>> = HashMap::new();
    for (space_id, org_id, role) in records {
        by_space
            .entry(space_id)
            .or_default()
            .push(SpaceMember::new(org_id, parse(&role)?));
    }
    Ok(by_space)
}

/// Groups invitation rows by meeting, keeping their order.
fn invitations_by_meeting(
    records: Vec<InvitationRecord>,
) -> Result<HashMap<String, Vec<Invitation>>, DbError> {
    let mut by_meeting: HashMap<String, Vec<Invitation>> = HashMap::new();
    for record in records {
        let meeting_id = record.meeting_id.clone();
        by_meeting
            .entry(meeting_id)
            .or_default()
            .push(Invitation::try_from(record)?);
    }
    Ok(by_meeting)
}

/// The meeting queries the writes share, and that other writes of the database layer may use
/// inside their own transaction (the minutes code closes a meeting in the write that turns its
/// signed minutes' agreed items into tasks).
pub(crate) trait MeetingQueries {
    /// The meeting with its invitations, read on this connection (inside the caller's
    /// transaction, it sees the caller's own writes).
    async fn meeting_by_id(&mut self, id: &str) -> Result<Option<Meeting>, DbError>;

    /// Locks the meeting's row until the transaction ends (PostgreSQL) and answers its state
    /// and revision; NotFound when there is none.
    async fn lock_meeting(&mut self, id: &str) -> Result<(MeetingState, i64), DbError>;

    /// `ended → closed` (revision + 1, updated at `at`), and cancels the meeting's pending
    /// reminders (the +3 / +7 day minutes reminders). Refused (`DbError::Rule`) when the
    /// meeting is not ended; NotFound when there is none. Writes no audit row or event: the
    /// caller's effects carry those.
    async fn close_meeting(&mut self, meeting_id: &str, at: i64) -> Result<Meeting, DbError>;
}

impl_for_both_engines!(MeetingQueries {
    async fn meeting_by_id(&mut self, id: &str) -> Result<Option<Meeting>, DbError> {
        let record: Option<MeetingRecord> =
            sqlx::query_as(&format!("{MEETING_SELECT} where m.space_id = $1"))
                .bind(id)
                .fetch_optional(&mut *self)
                .await?;
        let Some(record) = record else {
            return Ok(None);
        };
        let invitations: Vec<InvitationRecord> = sqlx::query_as(&format!(
            "{INVITATION_SELECT} where i.meeting_id = $1 {INVITATION_ORDER}"
        ))
        .bind(id)
        .fetch_all(&mut *self)
        .await?;
        let invitations = invitations
            .into_iter()
            .map(Invitation::try_from)
            .collect::<Result<_, _>>()?;
        let members: Vec<(String, String, String)> =
            sqlx::query_as(&format!("{MEMBER_SELECT} where m.space_id = $1 {MEMBER_ORDER}"))
                .bind(id)
                .fetch_all(&mut *self)
                .await?;
        let members = members_by_space(members)?.remove(id).unwrap_or_default();
        record.into_meeting(invitations, members).map(Some)
    }

    async fn lock_meeting(&mut self, id: &str) -> Result<(MeetingState, i64), DbError> {
        let for_update = self.for_update();
        let found: Option<(String, i64)> = sqlx::query_as(&format!(
            "select state, revision from meetings where space_id = $1{for_update}"
        ))
        .bind(id)
        .fetch_optional(&mut *self)
        .await?;
        let (state, revision) = found.ok_or_else(no_meeting)?;
        Ok((parse(&state)?, revision))
    }

    async fn close_meeting(&mut self, meeting_id: &str, at: i64) -> Result<Meeting, DbError> {
        let (state, _) = self.lock_meeting(meeting_id).await?;
        if state != MeetingState::Ended {
            return Err(rule(
                crate::domain::kernel::Refused::in_state(
                    &crate::domain::meeting::CLOSE_WHEN_ENDED,
                    state,
                )
                .message(),
            ));
        }
        sqlx::query(
            "update meetings set state = 'closed', revision = revision + 1, updated_at = $2
             where space_id = $1",
        )
        .bind(meeting_id)
        .bind(at)
        .execute(&mut *self)
        .await?;
        self.cancel_pending_jobs(&format!("meeting:{meeting_id}"), at)
            .await?;
        self.meeting_by_id(meeting_id).await?.ok_or_else(no_meeting)
    }
});

/// What the writes of this module share besides [`MeetingQueries`].
trait MeetingWrites {
    /// Refuses with a sentence naming the organization when it does not exist.
    async fn org_exists(&mut self, org_id: &str) -> Result<(), DbError>;
    async fn agenda_item_by_id(
        &mut self,
        meeting_id: &str,
        id: &str,
    ) -> Result<Option<AgendaItem>, DbError>;
    /// The invitation of `org_id` to the meeting, as stored now.
    async fn invitation(&mut self, meeting_id: &str, org_id: &str) -> Result<Invitation, DbError>;
}

impl_for_both_engines!(MeetingWrites {
    async fn org_exists(&mut self, org_id: &str) -> Result<(), DbError> {
        let found: Option<(String,)> = sqlx::query_as("select id from organizations where id = $1")
            .bind(org_id)
            .fetch_optional(&mut *self)
            .await?;
        match found {
            Some(_) => Ok(()),
            None => Err(rule(crate::domain::phrases::NO_ORG_ID.with("id", org_id))),
        }
    }

    async fn agenda_item_by_id(
        &mut self,
        meeting_id: &str,
        id: &str,
    ) -> Result<Option<AgendaItem>, DbError> {
        let record: Option<AgendaRecord> = sqlx::query_as(&format!(
            "{AGENDA_SELECT} where meeting_id = $1 and id = $2"
        ))
        .bind(meeting_id)
        .bind(id)
        .fetch_optional(&mut *self)
        .await?;
        record.map(AgendaItem::try_from).transpose()
    }

    async fn invitation(&mut self, meeting_id: &str, org_id: &str) -> Result<Invitation, DbError> {
        let meeting = self.meeting_by_id(meeting_id).await?.ok_or_else(no_meeting)?;
        meeting.invitation(org_id).cloned().ok_or_else(not_invited)
    }
});

impl Db {
    /// Creates a meeting in draft: its space (the convener, then every invited body with its
    /// role), its minutes document ([`MINUTES_TITLE`]), the meeting row (revision 1) and one
    /// pending invitation per invited body, then applies `effects`, all in one transaction.
    /// Refused (Rule) naming a region or organization that does not exist.
    pub async fn create_meeting(
        &self,
        new: &NewMeeting,
        now: i64,
        effects: &Effects,
    ) -> Result<Meeting, DbError> {
        let mail = self.mail_delivery;
        in_transaction!(self, |conn| {
            let region: Option<(String,)> =
                sqlx::query_as("select code from regions where code = $1")
                    .bind(new.region.as_str())
                    .fetch_optional(&mut *conn)
                    .await?;
            if region.is_none() {
                return Err(rule(
                    crate::domain::phrases::REGION_MISSING.with("code", &new.region),
                ));
            }
            conn.org_exists(&new.convener_org_id).await?;
            for invitee in &new.invited {
                conn.org_exists(&invitee.org_id).await?;
            }
            sqlx::query(
                "insert into spaces (id, kind, title, region_code, created_by, created_at)
                 values ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&new.id)
            .bind(SpaceKind::Meeting.as_str())
            .bind(new.title.as_str())
            .bind(new.region.as_str())
            .bind(&new.created_by)
            .bind(now)
            .execute(&mut *conn)
            .await?;
            let members = std::iter::once((&new.convener_org_id, SpaceRole::Convener))
                .chain(new.invited.iter().map(|i| (&i.org_id, i.role)));
            for (org_id, role) in members {
                sqlx::query(
                    "insert into space_members (space_id, org_id, role) values ($1, $2, $3)",
                )
                .bind(&new.id)
                .bind(org_id)
                .bind(role.as_str())
                .execute(&mut *conn)
                .await?;
            }
            sqlx::query(
                "insert into space_docs (doc_id, space_id, title, frozen, role, created_at)
                 values ($1, $2, $3, false, 'minutes', $4)",
            )
            .bind(&new.minutes_doc_id)
            .bind(&new.id)
            .bind(MINUTES_TITLE)
            .bind(now)
            .execute(&mut *conn)
            .await?;
            sqlx::query(
                "insert into meetings (space_id, kind, convener_org_id, title, starts_at, ends_at,
                     place, online_link, reply_due_at, state, revision, minutes_doc_id, reason,
                     started_at, ended_at, created_by, created_at, updated_at, dispute_id)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'draft', 1, $10, null, null, null,
                         $11, $12, $12, $13)",
            )
            .bind(&new.id)
            .bind(new.kind.as_str())
            .bind(&new.convener_org_id)
            .bind(new.title.as_str())
            .bind(new.starts_at)
            .bind(new.ends_at)
            .bind(new.place.as_deref())
            .bind(new.online_link.as_deref())
            .bind(new.reply_due_at)
            .bind(&new.minutes_doc_id)
            .bind(&new.created_by)
            .bind(now)
            .bind(new.dispute_id.as_deref())
            .execute(&mut *conn)
            .await?;
            for invitee in &new.invited {
                sqlx::query(
                    "insert into meeting_invitations (meeting_id, org_id, role, state)
                     values ($1, $2, $3, 'pending')",
                )
                .bind(&new.id)
                .bind(&invitee.org_id)
                .bind(invitee.role.as_str())
                .execute(&mut *conn)
                .await?;
            }
            let meeting = conn.meeting_by_id(&new.id).await?.ok_or_else(no_meeting)?;
            conn.apply_effects(now, effects, mail).await?;
            Ok(meeting)
        })
    }

    /// The meeting with its invitations (org ids and names, answers, attendees, attendance)
    /// and its minutes document id; `None` when there is none.
    pub async fn meeting(&self, id: &str) -> Result<Option<Meeting>, DbError> {
        on_reader!(self, |conn| conn.meeting_by_id(id).await)
    }

    /// The meetings `viewer` may find (the spaces of [`super::spaces::VISIBLE`] that are
    /// meetings). Soonest-starting last: newest first.
    pub async fn meetings_visible(&self, viewer: &Viewer<'_>) -> Result<Vec<Meeting>, DbError> {
        let visible = visible_spaces(viewer);
        type Rows = (
            Vec<MeetingRecord>,
            Vec<InvitationRecord>,
            Vec<(String, String, String)>,
        );
        let (records, invitations, members): Rows = on_reader!(self, |conn| {
            let records = sqlx::query_as(&format!(
                "{VISIBLE} {MEETING_SELECT} where m.space_id in (select id from visible)
                         order by m.starts_at desc, m.space_id"
            ))
            .bind(visible.org_id)
            .bind(&visible.low)
            .bind(&visible.high)
            .fetch_all(&mut *conn)
            .await?;
            let invitations = sqlx::query_as(&format!(
                "{VISIBLE} {INVITATION_SELECT}
                         where i.meeting_id in (select id from visible) {INVITATION_ORDER}"
            ))
            .bind(visible.org_id)
            .bind(&visible.low)
            .bind(&visible.high)
            .fetch_all(&mut *conn)
            .await?;
            let members = sqlx::query_as(&format!(
                "{VISIBLE} {MEMBER_SELECT}
                         where m.space_id in (select id from visible) {MEMBER_ORDER}"
            ))
            .bind(visible.org_id)
            .bind(&visible.low)
            .bind(&visible.high)
            .fetch_all(&mut *conn)
            .await?;
            (records, invitations, members)
        });
        let mut invitations = invitations_by_meeting(invitations)?;
        let mut members = members_by_space(members)?;
        records
            .into_iter()
            .map(|record| {
                let of_meeting = invitations.remove(&record.id).unwrap_or_default();
                let of_space = members.remove(&record.id).unwrap_or_default();
                record.into_meeting(of_meeting, of_space)
            })
            .collect()
    }

    /// Stores a command if the stored revision still is `expected_revision` (else Rule "the
    /// meeting was changed by someone else meanwhile; …"): the state, and the fields of the
    /// change that are `Some`; the revision goes up by one. With `reset_answers`, every
    /// invitation goes back to pending, its answer cleared.
    pub async fn change_meeting(
        &self,
        change: &MeetingChange,
        effects: &Effects,
    ) -> Result<Meeting, DbError> {
        let expect = Expect::Revision(change.expected_revision);
        write_space!(self, SPINE, &change.meeting_id, expect, change.at, effects, |conn|
        change {
            sqlx::query(
                "update meetings set state = $2, starts_at = coalesce($3, starts_at),
                     ends_at = coalesce($4, ends_at),
                     reply_due_at = case when $9 then $5 else reply_due_at end,
                     reason = coalesce($6, reason), started_at = coalesce($7, started_at),
                     ended_at = coalesce($8, ended_at)
                 where space_id = $1",
            )
            .bind(&change.meeting_id)
            .bind(change.state.as_str())
            .bind(change.starts_at)
            .bind(change.ends_at)
            .bind(change.reply_due_at.flatten())
            .bind(change.reason.as_deref())
            .bind(change.started_at)
            .bind(change.ended_at)
            .bind(change.reply_due_at.is_some())
            .execute(&mut *conn)
            .await?;
            if change.reset_answers {
                sqlx::query(
                    "update meeting_invitations set state = 'pending', attendee = null,
                         delegate = null, reason = null, answered_by = null, answered_at = null
                     where meeting_id = $1",
                )
                .bind(&change.meeting_id)
                .execute(&mut *conn)
                .await?;
            }
        }
        answer { conn.meeting_by_id(&change.meeting_id).await?.ok_or_else(no_meeting)? })
    }

    /// Closes an ended meeting on its own (see `MeetingQueries::close_meeting`), with
    /// `effects`. The minutes code closes it inside its own write instead.
    pub async fn close_meeting(
        &self,
        meeting_id: &str,
        at: i64,
        effects: &Effects,
    ) -> Result<Meeting, DbError> {
        let mail = self.mail_delivery;
        in_transaction!(self, |conn| {
            let meeting = conn.close_meeting(meeting_id, at).await?;
            conn.apply_effects(at, effects, mail).await?;
            Ok(meeting)
        })
    }

    /// Stores an invited body's answer while the meeting is still in the state the caller
    /// read (else Rule); NotFound when the body is not invited.
    pub async fn answer_invitation(
        &self,
        reply: &InvitationReply,
        effects: &Effects,
    ) -> Result<Invitation, DbError> {
        let expect = Expect::State(reply.meeting_state.as_str());
        write_space!(self, SPINE, &reply.meeting_id, expect, reply.at, effects, |conn|
        change {
            let changed = sqlx::query(
                "update meeting_invitations set state = $3, attendee = $4, delegate = $5,
                     reason = $6, answered_by = $7, answered_at = $8
                 where meeting_id = $1 and org_id = $2",
            )
            .bind(&reply.meeting_id)
            .bind(&reply.org_id)
            .bind(reply.state.as_str())
            .bind(reply.attendee.as_deref())
            .bind(reply.delegate.as_deref())
            .bind(reply.reason.as_deref())
            .bind(&reply.by)
            .bind(reply.at)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            if changed == 0 {
                return Err(not_invited());
            }
        }
        answer { conn.invitation(&reply.meeting_id, &reply.org_id).await? })
    }

    /// Records (or corrects) whether an invited body attended, while the meeting is still in
    /// `meeting_state` (else Rule); NotFound when the body is not invited.
    #[allow(clippy::too_many_arguments)]
    pub async fn check_in(
        &self,
        meeting_id: &str,
        meeting_state: MeetingState,
        org_id: &str,
        attendance: Attendance,
        by: &str,
        at: i64,
        effects: &Effects,
    ) -> Result<Invitation, DbError> {
        let expect = Expect::State(meeting_state.as_str());
        write_space!(self, SPINE, meeting_id, expect, at, effects, |conn|
        change {
            let changed = sqlx::query(
                "update meeting_invitations set attendance = $3, checked_in_by = $4,
                     checked_in_at = $5
                 where meeting_id = $1 and org_id = $2",
            )
            .bind(meeting_id)
            .bind(org_id)
            .bind(attendance.as_str())
            .bind(by)
            .bind(at)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            if changed == 0 {
                return Err(not_invited());
            }
        }
        answer { conn.invitation(meeting_id, org_id).await? })
    }

    /// Invites one more body (space member and pending invitation) at `expected_revision`;
    /// the revision goes up by one. Refused (Rule) when the body does not exist, convenes the
    /// meeting or is already invited.
    pub async fn add_invitee(
        &self,
        meeting_id: &str,
        expected_revision: i64,
        invitee: &Invitee,
        at: i64,
        effects: &Effects,
    ) -> Result<Meeting, DbError> {
        let expect = Expect::Revision(expected_revision);
        write_space!(self, SPINE, meeting_id, expect, at, effects, |conn|
        change {
            conn.org_exists(&invitee.org_id).await?;
            let present: Option<(String,)> = sqlx::query_as(
                "select role from space_members where space_id = $1 and org_id = $2",
            )
            .bind(meeting_id)
            .bind(&invitee.org_id)
            .fetch_optional(&mut *conn)
            .await?;
            if let Some((role,)) = present {
                return Err(rule(if role == SpaceRole::Convener.as_str() {
                    "the convening body is not invited to its own meeting"
                } else {
                    "this organization is already invited to the meeting"
                }));
            }
            sqlx::query("insert into space_members (space_id, org_id, role) values ($1, $2, $3)")
                .bind(meeting_id)
                .bind(&invitee.org_id)
                .bind(invitee.role.as_str())
                .execute(&mut *conn)
                .await?;
            sqlx::query(
                "insert into meeting_invitations (meeting_id, org_id, role, state)
                 values ($1, $2, $3, 'pending')",
            )
            .bind(meeting_id)
            .bind(&invitee.org_id)
            .bind(invitee.role.as_str())
            .execute(&mut *conn)
            .await?;
        }
        answer { conn.meeting_by_id(meeting_id).await?.ok_or_else(no_meeting)? })
    }

    /// Withdraws a body's invitation (and its part in the space) at `expected_revision`; the
    /// revision goes up by one. NotFound when it is not invited; Rule when it is the last one.
    pub async fn remove_invitee(
        &self,
        meeting_id: &str,
        expected_revision: i64,
        org_id: &str,
        at: i64,
        effects: &Effects,
    ) -> Result<Meeting, DbError> {
        let expect = Expect::Revision(expected_revision);
        write_space!(self, SPINE, meeting_id, expect, at, effects, |conn|
        change {
            let (invited,): (i64,) =
                sqlx::query_as("select count(*) from meeting_invitations where meeting_id = $1")
                    .bind(meeting_id)
                    .fetch_one(&mut *conn)
                    .await?;
            let removed = sqlx::query(
                "delete from meeting_invitations where meeting_id = $1 and org_id = $2",
            )
            .bind(meeting_id)
            .bind(org_id)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            if removed == 0 {
                return Err(not_found(&crate::domain::phrases::NOT_INVITED));
            }
            if invited <= 1 {
                return Err(rule(
                    "a meeting needs at least one invited body: invite another before removing this one",
                ));
            }
            sqlx::query("delete from space_members where space_id = $1 and org_id = $2")
                .bind(meeting_id)
                .bind(org_id)
                .execute(&mut *conn)
                .await?;
        }
        answer { conn.meeting_by_id(meeting_id).await?.ok_or_else(no_meeting)? })
    }

    /// Adds an agenda item as the meeting's next (seq = last + 1) while the meeting is still in
    /// the state the caller read (else Rule).
    pub async fn add_agenda_item(
        &self,
        new: &NewAgendaItem,
        effects: &Effects,
    ) -> Result<AgendaItem, DbError> {
        let expect = Expect::State(new.meeting_state.as_str());
        write_space!(self, SPINE, &new.meeting_id, expect, new.at, effects, |conn|
        change {
            let (seq,): (i64,) = sqlx::query_as(
                "select coalesce(max(seq), 0) + 1 from meeting_agenda where meeting_id = $1",
            )
            .bind(&new.meeting_id)
            .fetch_one(&mut *conn)
            .await?;
            let decided = (new.state != AgendaState::Proposed).then_some(new.at);
            let decided_by = decided.map(|_| new.proposed_by.as_str());
            sqlx::query(
                "insert into meeting_agenda (id, meeting_id, seq, title, note, proposed_by,
                     proposed_by_org_id, state, decided_by, decided_at, created_at)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(&new.id)
            .bind(&new.meeting_id)
            .bind(seq)
            .bind(&new.title)
            .bind(&new.note)
            .bind(&new.proposed_by)
            .bind(&new.proposed_by_org_id)
            .bind(new.state.as_str())
            .bind(decided_by)
            .bind(decided)
            .bind(new.at)
            .execute(&mut *conn)
            .await?;
        }
        answer {
            conn.agenda_item_by_id(&new.meeting_id, &new.id)
                .await?
                .ok_or_else(|| not_found(&crate::domain::phrases::NO_SUCH_AGENDA_ITEM))?
        })
    }

    /// Decides an agenda item or records its outcome, while the meeting is still in
    /// `meeting_state` and the item still in `item_state` (else Rule); NotFound when the
    /// meeting has no such item.
    #[allow(clippy::too_many_arguments)]
    pub async fn change_agenda_item(
        &self,
        meeting_id: &str,
        meeting_state: MeetingState,
        item_id: &str,
        item_state: AgendaState,
        change: &AgendaChange,
        by: &str,
        at: i64,
        effects: &Effects,
    ) -> Result<AgendaItem, DbError> {
        let expect = Expect::State(meeting_state.as_str());
        write_space!(self, SPINE, meeting_id, expect, at, effects, |conn|
        change {
            let query = match change {
                AgendaChange::Decide { state, note } => sqlx::query(
                    "update meeting_agenda set state = $4, decision_note = $5, decided_by = $6,
                         decided_at = $7
                     where meeting_id = $1 and id = $2 and state = $3",
                )
                .bind(meeting_id)
                .bind(item_id)
                .bind(item_state.as_str())
                .bind(state.as_str())
                .bind(note.as_deref())
                .bind(by)
                .bind(at),
                AgendaChange::Outcome { outcome, note } => sqlx::query(
                    "update meeting_agenda set outcome = $4, outcome_note = $5, outcome_by = $6,
                         outcome_at = $7
                     where meeting_id = $1 and id = $2 and state = $3",
                )
                .bind(meeting_id)
                .bind(item_id)
                .bind(item_state.as_str())
                .bind(outcome.as_str())
                .bind(note.as_deref())
                .bind(by)
                .bind(at),
            };
            let changed = query.execute(&mut *conn).await?.rows_affected();
            if changed == 0 {
                return Err(match conn.agenda_item_by_id(meeting_id, item_id).await? {
                    None => not_found(&crate::domain::phrases::NO_SUCH_AGENDA_ITEM),
                    Some(_) => rule(&crate::domain::phrases::AGENDA_ITEM_STALE),
                });
            }
        }
        answer {
            conn.agenda_item_by_id(meeting_id, item_id)
                .await?
                .ok_or_else(|| not_found(&crate::domain::phrases::NO_SUCH_AGENDA_ITEM))?
        })
    }

    /// A meeting's agenda, in the order proposed.
    pub async fn meeting_agenda(&self, meeting_id: &str) -> Result<Vec<AgendaItem>, DbError> {
        let records: Vec<AgendaRecord> = on_reader!(self, |conn| {
            sqlx::query_as(&format!(
                "{AGENDA_SELECT} where meeting_id = $1 order by seq"
            ))
            .bind(meeting_id)
            .fetch_all(&mut *conn)
            .await?
        });
        records.into_iter().map(AgendaItem::try_from).collect()
    }

    /// One agenda item of a meeting; `None` when the meeting has no such item.
    pub async fn agenda_item(
        &self,
        meeting_id: &str,
        id: &str,
    ) -> Result<Option<AgendaItem>, DbError> {
        on_reader!(self, |conn| conn.agenda_item_by_id(meeting_id, id).await)
    }

    /// The convener and state of every annual meeting starting in `[from, to)` (Unix
    /// milliseconds), by convener.
    pub async fn annual_meetings(
        &self,
        from: i64,
        to: i64,
    ) -> Result<Vec<(String, MeetingState)>, DbError> {
        let rows: Vec<(String, String)> = on_reader!(self, |conn| {
            sqlx::query_as(
                "select convener_org_id, state from meetings
                 where kind = $1 and starts_at >= $2 and starts_at < $3
                 order by convener_org_id, starts_at",
            )
            .bind(MeetingKind::Annual.as_str())
            .bind(from)
            .bind(to)
            .fetch_all(&mut *conn)
            .await?
        });
        rows.into_iter()
            .map(|(org, state)| Ok((org, parse(&state)?)))
            .collect()
    }
}
