-- Supervision documents (监督文书) and rectification (整改), issue 21: a judicial bureau issues a
-- 行政执法监督通知书, 意见书 or 决定书 to a body of its region. Each is a space of kind
-- 'supervision' (the bureau its convener; the supervised body a member from the moment it is
-- issued, so it never reads the draft), whose one live document (role 'decision', written by
-- the convener alone) is the text the bureau signs (concord.supervision-doc/1).
--
-- spaces.kind loses its CHECK: every workflow added so far rebuilt this table to grow it (0017),
-- and the next ones (the annual plan, campaigns) would again. The server reads only the kinds
-- it knows (domain::org::SpaceKind) and makes no other. SQLite changes a CHECK only by
-- rebuilding the table; as in 0017_referrals.sql, foreign keys are deferred to the commit
-- (sqlx runs this file in a transaction), the table is copied aside, dropped, made again under
-- its own name and filled back. The same tables are in migrations/postgres/0021_supervision_docs.sql.
pragma defer_foreign_keys = on;

create table spaces_copy as select * from spaces;
drop table spaces;
create table spaces (
    id text primary key,
    kind text not null,
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

create table supervision_docs (
    space_id text primary key references spaces (id),
    -- notice (通知书) | opinion (意见书) | decision (决定书): domain::supervision_doc.
    kind text not null check (kind in ('notice', 'opinion', 'decision')),
    state text not null check (state in (
        'drafting', 'issued', 'received', 'rectifying', 'under_review', 'accepted', 'closed',
        'withdrawn'
    )),
    revision integer not null default 1,
    bureau_org_id text not null references organizations (id),
    body_org_id text not null references organizations (id),
    -- 事由: what the document is about (关于……).
    title text not null,
    -- A decision's enforcement act (its name and number) and what it orders about it:
    -- revoke (撤销), correct (责令改正), declare_unlawful (确认违法).
    act_name text,
    act_order text check (act_order in ('revoke', 'correct', 'declare_unlawful')),
    -- The live text the bureau writes and signs.
    doc_id text not null,
    -- The notice that delivered it (签收 there receives it).
    notice_id text,
    -- The rectification report asked for now (1, then one more each time it is sent back).
    round integer not null default 0,
    -- The clock of the report due (null when none runs).
    stage_started_at integer,
    stage_due_at integer,
    issued_at integer,
    received_at integer,
    accepted_at integer,
    closed_at integer,
    -- Why it was withdrawn.
    reason text,
    created_by text not null,
    created_at integer not null,
    updated_at integer not null
) strict;
create index supervision_docs_bureau on supervision_docs (bureau_org_id, created_at);
create index supervision_docs_body on supervision_docs (body_org_id, state);

-- Each rectification report (整改报告) as submitted, with the bureau's verdict on it: accepted
-- (验收通过) or sent back with reasons (退回整改). A report is never changed once submitted.
create table supervision_reports (
    space_id text not null references supervision_docs (space_id),
    round integer not null,
    text text not null,
    submitted_by text not null,
    submitted_by_name text not null,
    submitted_at integer not null,
    -- When it was due: what "on time" is counted by.
    due_at integer,
    verdict text check (verdict in ('accepted', 'sent_back')),
    verdict_reason text,
    verdict_by text,
    verdict_by_name text,
    verdict_at integer,
    primary key (space_id, round)
) strict;

-- The evidence of a report (整改材料): files attached to the round being written, submitted
-- with it and then unchangeable.
create table supervision_evidence (
    id text primary key,
    space_id text not null references supervision_docs (space_id),
    round integer not null,
    sha256 text not null references blobs (sha256),
    file_name text not null,
    media_type text not null,
    size integer not null,
    attached_by text not null,
    attached_at integer not null
) strict;
create index supervision_evidence_round on supervision_evidence (space_id, round, attached_at);
