-- Meetings (协调会议 / 会商 / 联席会议): a meeting is a space of kind 'meeting' (its bodies in
-- space_members, its minutes a space document); these tables hold what only a meeting has: its
-- time and place, where it is in its life, each invited body's answer and attendance, and its
-- agenda.
--
-- Conventions as in 0002_identity.sql: text UUID ids, Unix-millisecond bigint times, enums as
-- snake_case text with a check. The same tables are in migrations/sqlite/0004_meetings.sql.

create table meetings (
    -- The space this meeting is: one row per meeting space.
    space_id text primary key references spaces (id),
    kind text not null check (kind in ('annual', 'consultation', 'case_consultation', 'joint')),
    convener_org_id text not null references organizations (id),
    title text not null,
    starts_at bigint not null,
    ends_at bigint not null,
    place text,
    online_link text,
    -- Invited bodies answer by then; reminded at it, their heads told a working day later.
    reply_due_at bigint,
    state text not null check (state in (
        'draft', 'scheduled', 'in_progress', 'ended', 'closed', 'cancelled'
    )),
    -- Bumped by every change: a command names the revision it read; the calendar entry's
    -- SEQUENCE.
    revision bigint not null default 1,
    -- The minutes (会议纪要), co-edited in the space and signed after the meeting.
    minutes_doc_id text not null unique references space_docs (doc_id),
    -- Why it was cancelled, or why it was last postponed.
    reason text,
    started_at bigint,
    ended_at bigint,
    created_by text not null,
    created_at bigint not null,
    updated_at bigint not null,
    check (ends_at > starts_at),
    check (place is not null or online_link is not null)
);
-- A body's meetings and the annual status: meetings of a kind by convener and time.
create index meetings_convener on meetings (convener_org_id, kind, starts_at);

-- Each invited body's invitation (参会回执): its answer, who attends, and whether it came.
create table meeting_invitations (
    meeting_id text not null references meetings (space_id),
    org_id text not null references organizations (id),
    -- Its part in the space: a participant or an observer (列席).
    role text not null check (role in ('member', 'observer')),
    state text not null check (state in ('pending', 'confirmed', 'delegated', 'declined')),
    -- Who attends (confirmed), or the substitute (delegated), as the body named them.
    attendee text,
    delegate text,
    -- Why the body declined.
    reason text,
    attendance text check (attendance in ('attended', 'absent')),
    answered_by text,
    answered_at bigint,
    checked_in_by text,
    checked_in_at bigint,
    primary key (meeting_id, org_id)
);
create index meeting_invitations_org on meeting_invitations (org_id);

-- Agenda items (议题), in the order they were proposed.
create table meeting_agenda (
    id text primary key,
    meeting_id text not null references meetings (space_id),
    seq bigint not null,
    title text not null,
    note text not null,
    proposed_by text not null,
    proposed_by_org_id text not null references organizations (id),
    state text not null check (state in ('proposed', 'accepted', 'rejected')),
    decided_by text,
    decided_at bigint,
    decision_note text,
    outcome text check (outcome in ('information', 'decision', 'task')),
    outcome_note text,
    outcome_by text,
    outcome_at bigint,
    created_at bigint not null,
    unique (meeting_id, seq)
);
