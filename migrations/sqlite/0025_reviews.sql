-- Case-file review (案卷评查), issue 23.
--
-- A review is a space of kind 'review' of the organising judicial bureau (its convener), in
-- the bureau's region, so the bureaus above read it. The bodies whose files are reviewed and
-- the bodies that review them (review_bodies) become observers of the space when it is
-- launched. It keeps the scoring sheet it was planned with (a copy and its SHA-256): a sheet
-- adjusted later changes no review already planned. The random draw's seed is recorded so that
-- anyone can draw again and check (domain::review::draw).
--
-- Each drawn file is scored on a live document of the new role 'sheet' (`<review>:file:<id>`):
-- written by its reviewing body alone (its owner_org_id) and read by it and the organiser,
-- nobody else, so a reviewed body never watches its own file being scored (it reads the
-- submitted result through the review's routes). SQLite changes a CHECK only by rebuilding the
-- table, as 0018_referral_receipts.sql did: foreign keys deferred to the commit, the table
-- copied aside, made again and filled back. The same tables are in
-- migrations/postgres/0025_reviews.sql.
pragma defer_foreign_keys = on;

create table space_docs_copy as select * from space_docs;
drop table space_docs;
create table space_docs (
    doc_id text primary key,
    space_id text not null references spaces (id),
    title text not null,
    -- A frozen document (minutes awaiting signatures, a submitted sheet) is read-only.
    frozen integer not null default 0 check (frozen in (0, 1)),
    created_at integer not null,
    role text not null default 'shared'
        check (role in ('shared', 'minutes', 'section', 'statement', 'decision', 'record',
            'sheet')),
    owner_org_id text references organizations (id),
    briefing integer not null default 0 check (briefing in (0, 1))
) strict;
insert into space_docs (doc_id, space_id, title, frozen, created_at, role, owner_org_id, briefing)
    select doc_id, space_id, title, frozen, created_at, role, owner_org_id, briefing
    from space_docs_copy;
drop table space_docs_copy;
create index space_docs_space_id on space_docs (space_id, created_at);

create table reviews (
    space_id text primary key references spaces (id),
    kind text not null check (kind in ('comprehensive', 'key', 'cross', 'random')),
    state text not null check (state in (
        'planned', 'registering', 'scoring', 'summarising', 'summarised', 'withdrawn'
    )),
    revision integer not null default 1,
    bureau_org_id text not null references organizations (id),
    title text not null,
    -- The files closed in this period (inclusive, Beijing dates) are reviewed.
    starts_on text not null,
    ends_on text not null,
    -- Files drawn per body besides the priority ones (随机抽查; optional for 重点 and 交叉).
    sample_per_body integer,
    -- Working days a reviewed body has to answer (申辩) a submitted result.
    answer_working_days integer not null,
    -- Working days the bodies have to register their files (from the launch) and the reviewing
    -- bodies to score theirs (from the draw): each a task of the task machine (催办, 督办).
    register_working_days integer not null default 10,
    score_working_days integer not null default 10,
    -- The scoring sheet used, as JSON (domain::review_sheet::Sheet), and its SHA-256.
    sheet text not null,
    sheet_sha256 text not null,
    -- The draw: its seed, when.
    seed text,
    drawn_at integer,
    -- The live summary report.
    summary_doc_id text not null,
    launch_notice_id text,
    launched_at integer,
    concluded_at integer,
    summarised_at integer,
    -- Filed (报备) with this bureau by this notice when its summary was signed (none at the top).
    reported_to_org_id text references organizations (id),
    report_notice_id text,
    reason text,
    created_by text not null,
    created_at integer not null,
    updated_at integer not null,
    check (starts_on <= ends_on)
) strict;
create index reviews_bureau on reviews (bureau_org_id, created_at);

create table review_bodies (
    space_id text not null references reviews (space_id),
    org_id text not null references organizations (id),
    -- 'reviewed': its files are reviewed; 'reviewer': it reviews (a body may be both in a
    -- cross review).
    part text not null check (part in ('reviewed', 'reviewer')),
    primary key (space_id, part, org_id)
) strict;

create table review_files (
    id text primary key,
    space_id text not null references reviews (space_id),
    org_id text not null references organizations (id),
    case_number text not null,
    case_kind text not null
        check (case_kind in ('penalty', 'licensing', 'coercion', 'inspection', 'other')),
    title text not null,
    closed_on text not null,
    -- 复议, 诉讼, 检察监督: any of them makes it a priority file, always drawn.
    reconsidered integer not null default 0 check (reconsidered in (0, 1)),
    litigated integer not null default 0 check (litigated in (0, 1)),
    procuratorial integer not null default 0 check (procuratorial in (0, 1)),
    state text not null check (state in (
        'registered', 'not_drawn', 'scoring', 'submitted', 'answered', 'confirmed'
    )),
    revision integer not null default 1,
    reviewer_org_id text references organizations (id),
    sheet_doc_id text references space_docs (doc_id),
    -- The submitted result (domain::review_sheet::Scored) and its total in tenths of points.
    result text,
    score integer,
    computed_grade text check (computed_grade in ('excellent', 'pass', 'fail')),
    submitted_at integer,
    answer_due_at integer,
    answer text,
    answered_at integer,
    grade text check (grade in ('excellent', 'pass', 'fail')),
    grade_reason text,
    confirmed_at integer,
    -- The rectification task a failing file became.
    task_id text,
    registered_by text not null,
    registered_at integer not null,
    updated_at integer not null,
    unique (space_id, org_id, case_number)
) strict;
create index review_files_space on review_files (space_id, org_id, registered_at);

-- The scanned file of a registered case file, as attachments in the content-addressed store:
-- added by the body whose file it is while files are registered, never deleted.
create table review_file_attachments (
    id text primary key,
    file_id text not null references review_files (id),
    space_id text not null references reviews (space_id),
    sha256 text not null references blobs (sha256),
    file_name text not null,
    media_type text not null,
    size integer not null,
    attached_by text not null,
    attached_at integer not null
) strict;
create index review_file_attachments_file on review_file_attachments (space_id, file_id, attached_at);

-- The case library (案例库): a confirmed file the organising bureau marks typical (典型案例).
-- Its anonymised write-up is a live document of the review's space (role 'decision') until
-- submitted; the text as published is kept here with its SHA-256, and the region's bodies
-- read that. Withdrawn, never deleted.
create table library_cases (
    id text primary key,
    review_id text not null references reviews (space_id),
    file_id text not null unique references review_files (id),
    state text not null check (state in ('drafting', 'checking', 'published', 'withdrawn')),
    revision integer not null default 1,
    title text not null,
    -- 执法领域 and 法律依据, searched.
    field text not null,
    legal_basis text not null,
    doc_id text not null references space_docs (doc_id),
    -- Also for the public (向社会发布): exported for publication.
    public integer not null default 0,
    content text,
    content_sha256 text,
    reason text,
    submitted_at integer,
    published_at integer,
    published_by text,
    withdrawn_at integer,
    created_by text not null,
    created_at integer not null,
    updated_at integer not null
) strict;
create index library_cases_published on library_cases (state, published_at);
create index library_cases_review on library_cases (review_id, created_at);
