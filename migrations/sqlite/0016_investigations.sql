-- Joint investigation groups (联合调查组, issue 18): a group is a space of kind
-- 'investigation'. The lead body (牵头单位) is its convener; a body joins the space as a member
-- when it confirms its invitation, and leaves it when it leaves the group. An invited body
-- that has not confirmed is not a member of the space: it sees the proposal (to answer it)
-- through its row in investigation_members, never the dossier.
--
-- Two additions to the spine, which any workflow may use:
-- * spaces.closed: a closed space is read by its participants only; the judicial bureaus
--   whose region covers it do not supervise it (a sensitive group, 敏感).
-- * space_docs.briefing: a document the observers of a closed space read (a group's summary
--   and conclusions, which the bureau it is reported to reads); in a closed space an observer
--   reads nothing else.
--
-- Conventions as in 0002_identity.sql. The same tables are in
-- migrations/postgres/0016_investigations.sql.

alter table spaces add column closed integer not null default 0 check (closed in (0, 1));
alter table space_docs add column briefing integer not null default 0 check (briefing in (0, 1));

create table investigations (
    space_id text primary key references spaces (id),
    -- 案件名称, 案件编号 (the case number the lead's own system gives it, if any).
    case_name text not null,
    case_number text,
    -- 案情摘要 as proposed; the live summary section grows from it.
    summary text not null,
    -- The enforcement areas and duties involved (执法领域及职责), as written.
    areas text not null,
    -- 社会关注度高: the judicial bureau of the lead's level is reported to.
    public_attention integer not null default 0 check (public_attention in (0, 1)),
    -- 内部 (members and the supervising bureaus) or 敏感 (members only: spaces.closed).
    confidentiality text not null check (confidentiality in ('internal', 'sensitive')),
    lead_org_id text not null references organizations (id),
    state text not null check (state in (
        'proposed', 'formed', 'active', 'concluded', 'archived', 'dissolved'
    )),
    revision integer not null default 1,
    -- The lead's two sections of the joint dossier (联合案卷), both briefing documents.
    summary_doc_id text not null references space_docs (doc_id),
    conclusions_doc_id text not null references space_docs (doc_id),
    -- The concluding report (调查报告), drafted by the lead once the dossier is frozen.
    report_doc_id text references space_docs (doc_id),
    -- The dossier as the lead froze it (JSON): every section, the body that wrote it, the
    -- SHA-256 of its canonical content, its evidence. The report signs it.
    dossier_manifest text,
    -- The bureau reported to (public attention), and when.
    reported_org_id text references organizations (id),
    reported_at integer,
    -- Why it was dissolved.
    reason text,
    formed_at integer,
    started_at integer,
    concluded_at integer,
    created_by text not null,
    created_at integer not null,
    updated_at integer not null
) strict;
create index investigations_lead on investigations (lead_org_id, state);

-- Each body of the group, the lead first: its answer, its responsible person and contact
-- (联络人), and its section of the dossier, which it alone writes.
create table investigation_members (
    investigation_id text not null references investigations (space_id),
    org_id text not null references organizations (id),
    role text not null check (role in ('lead', 'member')),
    state text not null check (state in ('invited', 'confirmed', 'declined', 'left')),
    section_doc_id text not null unique references space_docs (doc_id),
    responsible_person text,
    contact text,
    -- Why it declined or left.
    reason text,
    answered_by text,
    answered_at integer,
    left_at integer,
    primary key (investigation_id, org_id)
) strict;
create index investigation_members_org on investigation_members (org_id);

-- Related bodies the lead names: told when the group forms (a notice requiring 签收).
create table investigation_related (
    investigation_id text not null references investigations (space_id),
    org_id text not null references organizations (id),
    primary key (investigation_id, org_id)
) strict;

-- Evidence of a section (证据材料): a stored file (blobs, by SHA-256) its body added. Never
-- deleted: withdrawn with a reason, and the archive's manifest lists it marked so.
create table investigation_evidence (
    id text primary key,
    investigation_id text not null references investigations (space_id),
    section_doc_id text not null references space_docs (doc_id),
    org_id text not null references organizations (id),
    title text not null,
    file_name text not null,
    media_type text not null,
    sha256 text not null references blobs (sha256),
    size integer not null,
    added_by text not null,
    added_at integer not null,
    withdrawn_by text,
    withdrawn_at integer,
    withdrawn_reason text
) strict;
create index investigation_evidence_group on investigation_evidence (investigation_id, added_at);
