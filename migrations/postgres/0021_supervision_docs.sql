-- Supervision documents (监督文书) and rectification (整改), issue 21: see
-- migrations/sqlite/0021_supervision_docs.sql, which says what each column is for and why
-- spaces.kind loses its CHECK. Here the constraint goes in place.
alter table spaces drop constraint spaces_kind_check;

create table supervision_docs (
    space_id text primary key references spaces (id),
    -- notice (通知书) | opinion (意见书) | decision (决定书): domain::supervision_doc.
    kind text not null check (kind in ('notice', 'opinion', 'decision')),
    state text not null check (state in (
        'drafting', 'issued', 'received', 'rectifying', 'under_review', 'accepted', 'closed',
        'withdrawn'
    )),
    revision bigint not null default 1,
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
    round bigint not null default 0,
    -- The clock of the report due (null when none runs).
    stage_started_at bigint,
    stage_due_at bigint,
    issued_at bigint,
    received_at bigint,
    accepted_at bigint,
    closed_at bigint,
    -- Why it was withdrawn.
    reason text,
    created_by text not null,
    created_at bigint not null,
    updated_at bigint not null
);
create index supervision_docs_bureau on supervision_docs (bureau_org_id, created_at);
create index supervision_docs_body on supervision_docs (body_org_id, state);

-- Each rectification report (整改报告) as submitted, with the bureau's verdict on it: accepted
-- (验收通过) or sent back with reasons (退回整改). A report is never changed once submitted.
create table supervision_reports (
    space_id text not null references supervision_docs (space_id),
    round bigint not null,
    text text not null,
    submitted_by text not null,
    submitted_by_name text not null,
    submitted_at bigint not null,
    -- When it was due: what "on time" is counted by.
    due_at bigint,
    verdict text check (verdict in ('accepted', 'sent_back')),
    verdict_reason text,
    verdict_by text,
    verdict_by_name text,
    verdict_at bigint,
    primary key (space_id, round)
);

-- The evidence of a report (整改材料): files attached to the round being written, submitted
-- with it and then unchangeable.
create table supervision_evidence (
    id text primary key,
    space_id text not null references supervision_docs (space_id),
    round bigint not null,
    sha256 text not null references blobs (sha256),
    file_name text not null,
    media_type text not null,
    size bigint not null,
    attached_by text not null,
    attached_at bigint not null
);
create index supervision_evidence_round on supervision_evidence (space_id, round, attached_at);
