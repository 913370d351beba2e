-- Case referrals (案件移送, issue 20): see migrations/sqlite/0017_referrals.sql, which says
-- what each column is for and why region_limits.kind loses its CHECK. Here the constraints
-- change in place.
alter table spaces drop constraint spaces_kind_check;
alter table spaces add constraint spaces_kind_check
    check (kind in ('meeting', 'investigation', 'dispute', 'referral'));
alter table disputes drop constraint disputes_source_kind_check;
alter table disputes add constraint disputes_source_kind_check
    check (source_kind in ('direct', 'task', 'notice', 'referral'));
alter table region_limits drop constraint region_limits_kind_check;

create table referrals (
    space_id text primary key references spaces (id),
    kind text not null check (kind in ('jurisdiction', 'criminal', 'procuratorate', 'clue')),
    referrer_org_id text not null references organizations (id),
    receiver_org_id text not null references organizations (id),
    copy_org_id text references organizations (id),
    case_name text not null,
    case_number text,
    facts text not null,
    legal_basis text not null,
    state text not null check (state in (
        'draft', 'pending_approval', 'approved', 'sent', 'received', 'accepted',
        'not_accepted', 'feedback_given', 'closed', 'returned', 'disputed', 'withdrawn'
    )),
    revision bigint not null default 1,
    stage_started_at bigint,
    stage_due_at bigint,
    submitted_at bigint,
    approved_by text,
    approved_at bigint,
    approval_opinion text,
    sent_at bigint,
    received_by text,
    receiver_person text,
    received_at bigint,
    decided_at bigint,
    -- accepted (立案) or not_accepted, once decided.
    decision text check (decision in ('accepted', 'not_accepted')),
    -- When receipt and the decision were due (the clocks as they ran), and when it was
    -- returned: what the statistics count on time and late by.
    receipt_due_at bigint,
    decision_due_at bigint,
    returned_at bigint,
    receiver_case_number text,
    reason text,
    feedback text,
    feedback_at bigint,
    closed_at bigint,
    dispute_id text references disputes (space_id),
    created_by text not null,
    created_at bigint not null,
    updated_at bigint not null
);
create index referrals_referrer on referrals (referrer_org_id, state);
create index referrals_receiver on referrals (receiver_org_id, state);
create index referrals_copy on referrals (copy_org_id);
create index referrals_kind_created on referrals (kind, created_at);

create table referral_items (
    id text primary key,
    referral_id text not null references referrals (space_id),
    position integer not null,
    name text not null,
    sha256 text references blobs (sha256),
    file_name text,
    media_type text,
    size bigint,
    attached_by text,
    attached_at bigint,
    state text not null default 'pending' check (state in ('pending', 'received', 'missing')),
    note text,
    checked_by text,
    checked_at bigint,
    unique (referral_id, position)
);
