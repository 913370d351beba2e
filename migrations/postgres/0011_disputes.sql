-- Jurisdiction disputes (执法争议 / 管辖争议): a dispute is a space of kind 'dispute' (its
-- bodies in space_members: the raising body first as convener, the other parties as members,
-- and, once it accepts, the coordinating bureau as convener while the raising body becomes a
-- member; the space's region is the lowest region covering every party, so the bureaus of it
-- and above read it and no sibling region does). These tables hold what only a dispute has.
--
-- Conventions as in 0002_identity.sql. The same tables are in
-- migrations/sqlite/0011_disputes.sql.

create table disputes (
    space_id text primary key references spaces (id),
    -- 积极争议 (each claims it) / 消极争议 (each refuses it).
    kind text not null check (kind in ('positive', 'negative')),
    title text not null,
    description text not null,
    place text,
    -- The enforcement item (执法事项) or the case number it concerns.
    reference text,
    -- What the parties already tried.
    tried text,
    raised_by_org_id text not null references organizations (id),
    -- The judicial bureau it escalates to, found when it was raised (the lowest covering).
    bureau_org_id text not null references organizations (id),
    state text not null check (state in (
        'raised', 'negotiating', 'resolved', 'escalated', 'not_accepted', 'replies_due',
        'coordinating', 'decided', 'referred', 'government_decided', 'implementing', 'closed',
        'withdrawn'
    )),
    revision bigint not null default 1,
    -- The clock of the current stage: when it started and when it is due (null when none runs).
    stage_started_at bigint,
    stage_due_at bigint,
    escalated_at bigint,
    accepted_at bigint,
    -- 临时牵头单位, named by the bureau while it coordinates.
    interim_lead_org_id text references organizations (id),
    -- The decision (协调意见书) being drafted and signed by the bureau, once accepted.
    decision_doc_id text references space_docs (doc_id),
    -- What the signed decision named: the responsible body, its duty, the day it is due
    -- (YYYY-MM-DD, Beijing).
    responsible_org_id text references organizations (id),
    decision_duty text,
    decision_deadline text,
    decided_at bigint,
    -- The implementation task, once the decision is handed over.
    task_id text,
    -- What the parties agreed (resolved), the government's decision (government_decided).
    agreement text,
    government_decision text,
    -- Why it was escalated, refused, referred or withdrawn (the last of these).
    reason text,
    -- Where it started: raised directly, or from a returned task or a notice.
    source_kind text not null check (source_kind in ('direct', 'task', 'notice')),
    source_id text,
    created_by text not null,
    created_at bigint not null,
    updated_at bigint not null
);
create index disputes_bureau on disputes (bureau_org_id, state);

-- Each party: its own position and legal basis, its written statement (a space document only
-- it writes), whether it said negotiation failed, and when it gave its written reply.
create table dispute_parties (
    dispute_id text not null references disputes (space_id),
    org_id text not null references organizations (id),
    role text not null check (role in ('raiser', 'party')),
    position text,
    legal_basis text,
    statement_doc_id text not null unique references space_docs (doc_id),
    gave_up_by text,
    gave_up_at bigint,
    replied_by text,
    replied_at bigint,
    primary key (dispute_id, org_id)
);
create index dispute_parties_org on dispute_parties (org_id);

-- A case consultation meeting (案件会商) the bureau convenes from a dispute names it, so the
-- meeting links to the dispute and the dispute lists its meetings.
alter table meetings add column dispute_id text references disputes (space_id);
create index meetings_dispute on meetings (dispute_id);
