-- Case referrals (案件移送, issue 20): a referral is a space of kind 'referral'. The referring
-- body is its convener, the receiving body a member, the procuratorate a criminal referral is
-- copied to (抄送检察院) an observer. A clue to discipline inspection is a closed space: the
-- judicial bureaus of its region do not read it.
--
-- Two CHECK constraints grow ('referral' as a space kind, and as where a dispute started: a
-- returned referral is disputed), and the one on region_limits.kind goes: it never listed
-- 'dispute_window', so no region could set that limit, and every new kind of limit (the
-- referrals' four here) would need this rebuild again; the server reads only the kinds it
-- knows (domain::limits::LimitKind) and refuses any other on the way in. SQLite changes a
-- CHECK only by rebuilding the table. sqlx runs this file in a transaction, where `foreign_keys`
-- cannot be turned off, so foreign keys are deferred to the commit instead: each table is
-- copied aside, dropped (its rows' children are orphaned for a moment), made again under its
-- own name and filled back, which gives every child its parent again before the commit checks.
-- The same tables are in migrations/postgres/0017_referrals.sql.
pragma defer_foreign_keys = on;

create table spaces_copy as select * from spaces;
drop table spaces;
create table spaces (
    id text primary key,
    kind text not null check (kind in ('meeting', 'investigation', 'dispute', 'referral')),
    title text not null,
    -- Its region decides which judicial bureaus supervise it; stored as the code, not the
    -- path, so moving a region carries its spaces along.
    region_code text not null references regions (code),
    created_by text not null,
    created_at integer not null,
    -- A closed space is read by its participants only (0016_investigations.sql).
    closed integer not null default 0 check (closed in (0, 1))
) strict;
insert into spaces (id, kind, title, region_code, created_by, created_at, closed)
    select id, kind, title, region_code, created_by, created_at, closed from spaces_copy;
drop table spaces_copy;
create index spaces_region_code on spaces (region_code);
create index spaces_region_id on spaces (region_code, id);

create table disputes_copy as select * from disputes;
drop table disputes;
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
    revision integer not null default 1,
    -- The clock of the current stage: when it started and when it is due (null when none runs).
    stage_started_at integer,
    stage_due_at integer,
    escalated_at integer,
    accepted_at integer,
    -- 临时牵头单位, named by the bureau while it coordinates.
    interim_lead_org_id text references organizations (id),
    -- The decision (协调意见书) being drafted and signed by the bureau, once accepted.
    decision_doc_id text references space_docs (doc_id),
    -- What the signed decision named: the responsible body, its duty, the day it is due
    -- (YYYY-MM-DD, Beijing).
    responsible_org_id text references organizations (id),
    decision_duty text,
    decision_deadline text,
    decided_at integer,
    -- The implementation task, once the decision is handed over.
    task_id text,
    -- What the parties agreed (resolved), the government's decision (government_decided).
    agreement text,
    government_decision text,
    -- Why it was escalated, refused, referred or withdrawn (the last of these).
    reason text,
    -- Where it started: raised directly, or from a returned task, a notice or a returned
    -- referral.
    source_kind text not null check (source_kind in ('direct', 'task', 'notice', 'referral')),
    source_id text,
    created_by text not null,
    created_at integer not null,
    updated_at integer not null,
    -- The parties' agreement (协议书), written while they negotiate (0014).
    agreement_doc_id text references space_docs (doc_id)
) strict;
insert into disputes select
    space_id, kind, title, description, place, reference, tried, raised_by_org_id,
    bureau_org_id, state, revision, stage_started_at, stage_due_at, escalated_at, accepted_at,
    interim_lead_org_id, decision_doc_id, responsible_org_id, decision_duty, decision_deadline,
    decided_at, task_id, agreement, government_decision, reason, source_kind, source_id,
    created_by, created_at, updated_at, agreement_doc_id
    from disputes_copy;
drop table disputes_copy;
create index disputes_bureau on disputes (bureau_org_id, state);
create index disputes_source on disputes (source_kind, source_id);
create index disputes_stat_facts on disputes (
    space_id, created_at, state, escalated_at, accepted_at, decided_at, updated_at, stage_due_at
);

create table region_limits_copy as select * from region_limits;
drop table region_limits;
create table region_limits (
    region_code text not null references regions (code),
    -- A domain::limits::LimitKind, checked by the server.
    kind text not null,
    unit text not null check (unit in ('calendar_days', 'working_days', 'hours')),
    amount integer not null check (amount between 1 and 365),
    set_by text,
    set_at integer not null,
    primary key (region_code, kind)
) strict;
insert into region_limits select region_code, kind, unit, amount, set_by, set_at
    from region_limits_copy;
drop table region_limits_copy;

create table referrals (
    space_id text primary key references spaces (id),
    kind text not null check (kind in ('jurisdiction', 'criminal', 'procuratorate', 'clue')),
    referrer_org_id text not null references organizations (id),
    receiver_org_id text not null references organizations (id),
    -- 抄送检察院: required for a suspected crime's referral.
    copy_org_id text references organizations (id),
    -- 案件名称, 案件编号 (the referring body's), 涉嫌违法（犯罪）事实, 移送依据.
    case_name text not null,
    case_number text,
    facts text not null,
    legal_basis text not null,
    state text not null check (state in (
        'draft', 'pending_approval', 'approved', 'sent', 'received', 'accepted',
        'not_accepted', 'feedback_given', 'closed', 'returned', 'disputed', 'withdrawn'
    )),
    revision integer not null default 1,
    -- The clock of the current stage (null when none runs).
    stage_started_at integer,
    stage_due_at integer,
    submitted_at integer,
    -- The head (an admin of the referring body) who approved, and its opinion.
    approved_by text,
    approved_at integer,
    approval_opinion text,
    sent_at integer,
    -- 签收: the user who signed for it and the person it named.
    received_by text,
    receiver_person text,
    received_at integer,
    decided_at integer,
    -- accepted (立案) or not_accepted, once decided.
    decision text check (decision in ('accepted', 'not_accepted')),
    -- When receipt and the decision were due (the clocks as they ran), and when it was
    -- returned: what the statistics count on time and late by.
    receipt_due_at integer,
    decision_due_at integer,
    returned_at integer,
    -- The receiver's own case number (立案编号), once accepted.
    receiver_case_number text,
    -- Why it was last sent back, not accepted, returned or withdrawn.
    reason text,
    feedback text,
    feedback_at integer,
    closed_at integer,
    -- The jurisdiction dispute raised from it once returned.
    dispute_id text references disputes (space_id),
    created_by text not null,
    created_at integer not null,
    updated_at integer not null
) strict;
create index referrals_referrer on referrals (referrer_org_id, state);
create index referrals_receiver on referrals (receiver_org_id, state);
create index referrals_copy on referrals (copy_org_id);
create index referrals_kind_created on referrals (kind, created_at);

-- The material checklist (案件材料清单): each item named, with its file (a blob) once
-- uploaded, and what the receiver found: received, or missing with a note. An item's file is
-- replaced only while the referral is a draft, or when the receiver marked it missing.
create table referral_items (
    id text primary key,
    referral_id text not null references referrals (space_id),
    position integer not null,
    name text not null,
    sha256 text references blobs (sha256),
    file_name text,
    media_type text,
    size integer,
    attached_by text,
    attached_at integer,
    state text not null default 'pending' check (state in ('pending', 'received', 'missing')),
    note text,
    checked_by text,
    checked_at integer,
    unique (referral_id, position)
) strict;
