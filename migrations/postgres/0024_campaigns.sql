-- Special supervision campaigns (专项监督) and enforcement inspections (执法检查), issue 21 part 4.
--
-- A campaign is a space of kind 'campaign' of the organising judicial bureau (its convener),
-- in the bureau's region, so the bureaus above read it. The bodies it covers are chosen when
-- it is planned (campaign_bodies) and become observers of the space only when it is launched:
-- an inspection announced to no one is seen by no one. The summary report is the space's live
-- document (role 'decision': the bureau alone writes it), signed as
-- `concord.campaign-summary/1`; its signature reports it to the bureau above.
--
-- What a campaign produces names it: a supervision document issued within it, a result filed
-- against it (tasks name it by their source, 'supervision', and source_ref 'campaign:<id>').
-- The same tables are in migrations/sqlite/0024_campaigns.sql.
create table campaigns (
    space_id text primary key references spaces (id),
    kind text not null check (kind in ('special', 'inspection')),
    -- 领域: 营商环境, 食品药品, 安全生产, 生态环境 …
    field text not null,
    state text not null check (state in (
        'planned', 'under_way', 'summarising', 'summarised', 'withdrawn'
    )),
    revision bigint not null default 1,
    bureau_org_id text not null references organizations (id),
    title text not null,
    -- The period, inclusive, as dates in Beijing (YYYY-MM-DD).
    starts_on text not null,
    ends_on text not null,
    -- The live summary report.
    summary_doc_id text not null,
    -- The notice that told the covered bodies (签收).
    launch_notice_id text,
    launched_at bigint,
    concluded_at bigint,
    summarised_at bigint,
    -- The bureau above it was reported to, and the notice that did (null at the top).
    reported_to_org_id text references organizations (id),
    report_notice_id text,
    -- Why it was withdrawn.
    reason text,
    created_by text not null,
    created_at bigint not null,
    updated_at bigint not null,
    check (starts_on <= ends_on)
);
create index campaigns_bureau on campaigns (bureau_org_id, created_at);

create table campaign_bodies (
    space_id text not null references campaigns (space_id),
    org_id text not null references organizations (id),
    primary key (space_id, org_id)
);

alter table supervision_docs add column campaign_id text references campaigns (space_id);
create index supervision_docs_campaign on supervision_docs (campaign_id)
    where campaign_id is not null;
alter table filings add column campaign_id text references campaigns (space_id);
create index filings_campaign on filings (campaign_id) where campaign_id is not null;
