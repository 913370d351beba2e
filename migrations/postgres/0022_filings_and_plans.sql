-- Filings (报备) and the annual supervision work plan, issue 21 part 3: see
-- migrations/sqlite/0022_filings_and_plans.sql, which says what each column is for.
create table filings (
    space_id text primary key references spaces (id),
    kind text not null check (kind in ('annual_report', 'inspection_result', 'campaign_result')),
    -- The year an annual report is of (null for the other kinds).
    year integer,
    state text not null check (state in ('filed', 'acknowledged', 'sent_back')),
    revision bigint not null default 1,
    body_org_id text not null references organizations (id),
    bureau_org_id text not null references organizations (id),
    title text not null,
    text text not null,
    -- How many times it was filed (1, then one more each time it is filed again).
    round bigint not null default 1,
    filed_at bigint not null,
    acknowledged_at bigint,
    acknowledged_by text,
    acknowledged_by_name text,
    -- The bureau's reasons when it last sent it back.
    reason text,
    sent_back_at bigint,
    created_by text not null,
    created_at bigint not null,
    updated_at bigint not null,
    check ((kind = 'annual_report') = (year is not null))
);
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
    size bigint not null,
    attached_by text not null,
    attached_at bigint not null
);
create index filing_files_space on filing_files (space_id, attached_at);

create table plans (
    space_id text primary key references spaces (id),
    year integer not null,
    state text not null check (state in ('drafting', 'published')),
    revision bigint not null default 1,
    bureau_org_id text not null references organizations (id),
    title text not null,
    -- The live text the bureau writes, frozen when published.
    doc_id text not null,
    published_at bigint,
    published_by text,
    created_by text not null,
    created_at bigint not null,
    updated_at bigint not null,
    unique (bureau_org_id, year)
);
