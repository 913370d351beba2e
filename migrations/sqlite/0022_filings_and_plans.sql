-- Filings (报备) and the annual supervision work plan (年度行政执法监督工作方案), issue 21 part 3.
--
-- A filing is a space of kind 'filing': the filing body its convener, the judicial bureau of
-- its region (the lowest bureau at or above the body's region, as a dispute finds its bureau)
-- a member; the bureaus above read it as they read every space of their region. It has no live
-- document: it carries a title, a text and its files. Kinds (domain::filing): the annual report
-- (年度工作情况报告, one a body a year, due 31 December), an inspection's results (执法检查结果)
-- and a special campaign's (专项监督结果). The bureau acknowledges it (签收) or sends it back
-- with reasons; a filing sent back is filed again (its text replaced, the round counted).
--
-- A plan is a space of kind 'plan' of the bureau (its convener), with one live document (role
-- 'decision': the bureau alone writes it). Published, the document is frozen and every body of
-- the bureau's region and below becomes an observer of the space: it reads the plan, never the
-- draft. One plan a bureau a year.
--
-- spaces.kind has no CHECK since 0021, so the two kinds need no rebuild. The same tables are in
-- migrations/postgres/0022_filings_and_plans.sql.
create table filings (
    space_id text primary key references spaces (id),
    kind text not null check (kind in ('annual_report', 'inspection_result', 'campaign_result')),
    -- The year an annual report is of (null for the other kinds).
    year integer,
    state text not null check (state in ('filed', 'acknowledged', 'sent_back')),
    revision integer not null default 1,
    body_org_id text not null references organizations (id),
    bureau_org_id text not null references organizations (id),
    title text not null,
    text text not null,
    -- How many times it was filed (1, then one more each time it is filed again).
    round integer not null default 1,
    filed_at integer not null,
    acknowledged_at integer,
    acknowledged_by text,
    acknowledged_by_name text,
    -- The bureau's reasons when it last sent it back.
    reason text,
    sent_back_at integer,
    created_by text not null,
    created_at integer not null,
    updated_at integer not null,
    check ((kind = 'annual_report') = (year is not null))
) strict;
-- One annual report a body a year: the December clock asks whether it exists.
create unique index filings_annual on filings (body_org_id, year) where kind = 'annual_report';
create index filings_bureau on filings (bureau_org_id, created_at);

-- A filing's files (附件), content-addressed in blobs, attached when it is filed or filed again.
create table filing_files (
    id text primary key,
    space_id text not null references filings (space_id),
    sha256 text not null references blobs (sha256),
    file_name text not null,
    media_type text not null,
    size integer not null,
    attached_by text not null,
    attached_at integer not null
) strict;
create index filing_files_space on filing_files (space_id, attached_at);

create table plans (
    space_id text primary key references spaces (id),
    year integer not null,
    state text not null check (state in ('drafting', 'published')),
    revision integer not null default 1,
    bureau_org_id text not null references organizations (id),
    title text not null,
    -- The live text the bureau writes, frozen when published.
    doc_id text not null,
    published_at integer,
    published_by text,
    created_by text not null,
    created_at integer not null,
    updated_at integer not null,
    unique (bureau_org_id, year)
) strict;
