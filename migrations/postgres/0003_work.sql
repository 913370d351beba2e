-- The machinery of supervision: the working-day calendar, durable jobs, tasks, notifications,
-- the event stream (inbox, live push, webhooks) and e-mail addresses of bodies.
--
-- Conventions as in 0002_identity.sql: text UUID ids, Unix-millisecond bigint times, enums as
-- snake_case text with a check. The same tables are in migrations/sqlite/0003_work.sql.

-- Days that differ from the Monday-to-Friday week: statutory holidays and the weekend days
-- worked instead (调休). Loaded per year by an operator; a year without rows is Monday to
-- Friday.
create table calendar_days (
    day text collate "C" primary key,            -- 'YYYY-MM-DD'
    year integer not null,
    kind text not null check (kind in ('holiday', 'workday')),
    name text not null
);
create index calendar_days_year on calendar_days (year);

-- Durable jobs: reminders, escalations, deliveries. A worker claims due rows by setting a
-- lease (FOR UPDATE SKIP LOCKED here; SQLite's single writer does the same), runs them, and
-- marks them done in the same transaction as their effects, but only while its lease holds.
create table jobs (
    id text primary key,
    kind text not null,
    -- What the job is about, 'task:<id>', 'notice:<id>', 'webhook:<id>', so a job whose
    -- subject moved on can be cancelled in the transaction that moved it.
    subject text collate "C" not null,
    payload text not null,                       -- JSON
    due_at bigint not null,
    state text not null check (state in ('pending', 'running', 'done', 'failed', 'cancelled')),
    attempts integer not null default 0,
    max_attempts integer not null check (max_attempts >= 1),
    lease_owner text,
    lease_until bigint,
    last_error text,
    -- Scheduling the same reminder twice (a retried request) makes one row; scheduling it
    -- again after it was cancelled makes that row pending again.
    dedupe_key text unique,
    created_at bigint not null,
    finished_at bigint
);
create index jobs_claim on jobs (state, due_at);
create index jobs_subject on jobs (subject, state);

-- Stored files (evidence), by content: the same file attached twice is stored once.
create table blobs (
    sha256 text collate "C" primary key,
    size bigint not null,
    data bytea not null,
    created_at bigint not null
);

-- Tasks (任务 / 督办事项).
create table tasks (
    id text primary key,
    title text not null,
    body text not null,
    -- What the feedback must contain; empty when nothing particular is asked.
    feedback_required text not null,
    source text not null check (source in (
        'direct', 'agreed_item', 'dispute_decision', 'investigation', 'supervision'
    )),
    -- Where in the source it comes from, e.g. 'minutes:<doc>#3'; null for a direct task.
    source_ref text,
    setter_org_id text not null references organizations (id),
    assignee_org_id text not null references organizations (id),
    created_by text not null,
    state text not null check (state in (
        'created', 'dispatched', 'acknowledged', 'in_progress', 'submitted', 'verified',
        'closed', 'returned', 'cancelled'
    )),
    -- The limit as set (null when the deadline was given as an instant).
    limit_unit text check (limit_unit in ('calendar_days', 'working_days', 'hours')),
    limit_amount integer check (limit_amount > 0),
    -- When the clock started (dispatch); null for a draft.
    started_at bigint,
    due_at bigint not null,
    -- The latest feedback submitted.
    feedback text,
    -- Bumped by every change; a write names the revision it read, so two people acting at
    -- once cannot both succeed.
    revision bigint not null default 1,
    created_at bigint not null,
    updated_at bigint not null,
    check ((limit_unit is null) = (limit_amount is null))
);
create index tasks_assignee on tasks (assignee_org_id, state, due_at);
create index tasks_setter on tasks (setter_org_id, state, due_at);

-- A task's timeline: transitions, comments, attachments, extension requests, reminders.
create table task_history (
    task_id text not null references tasks (id),
    seq bigint not null,
    at bigint not null,
    -- Null for the system (a reminder); 'token:<id>' for an API token.
    actor_user_id text,
    actor_name text,
    actor_org_id text,
    entry text not null check (entry in (
        'transition', 'comment', 'attachment', 'extension_requested', 'extension_decided',
        'reminder', 'overdue', 'escalated'
    )),
    command text,
    from_state text,
    to_state text,
    -- The reason, comment or feedback a person wrote.
    body text,
    detail text not null,                        -- JSON
    primary key (task_id, seq)
);

create table task_attachments (
    id text primary key,
    task_id text not null references tasks (id),
    name text not null,
    content_type text not null,
    size bigint not null,
    sha256 text collate "C" not null references blobs (sha256),
    uploaded_by text not null,
    uploaded_org_id text,
    at bigint not null
);
create index task_attachments_task on task_attachments (task_id, at);

-- 延期申请: at most one pending per task (checked in the transaction).
create table task_extensions (
    id text primary key,
    task_id text not null references tasks (id),
    requested_by text not null,
    requested_at bigint not null,
    new_due_at bigint not null,
    reason text not null,
    state text not null check (state in ('pending', 'granted', 'refused')),
    decided_by text,
    decided_at bigint,
    decision_note text
);
create index task_extensions_task on task_extensions (task_id, requested_at);

-- Notifications (信息通报 / 案件函告). A row is one version; a correction or recall is a new
-- row in the same series, and the version before becomes 'superseded'.
create table notices (
    id text primary key,
    series_id text not null,
    version bigint not null check (version >= 1),
    version_kind text not null check (version_kind in ('original', 'correction', 'recall')),
    kind text not null check (kind in ('information', 'case_letter')),
    sender_org_id text not null references organizations (id),
    created_by text not null,
    title text not null,
    body text not null,
    requires_ack boolean not null,
    requires_reply boolean not null,
    reply_due_at bigint,
    -- Not acknowledged by then: reminded (T1); by escalate_at: the body's admins and the
    -- sender are told (T2).
    remind_at bigint,
    escalate_at bigint,
    state text not null check (state in ('draft', 'sent', 'superseded')),
    sent_at bigint,
    created_at bigint not null,
    unique (series_id, version)
);
create index notices_sender on notices (sender_org_id, created_at);

-- One receiving body's receipt of one version. Read and acknowledged are different: the
-- acknowledgement names the person who gave it for the body.
create table notice_receipts (
    notice_id text not null references notices (id),
    org_id text not null references organizations (id),
    state text not null check (state in ('delivered', 'read', 'acknowledged', 'replied', 'closed')),
    delivered_at bigint not null,
    read_at bigint,
    read_by text,
    acknowledged_at bigint,
    acknowledged_by text,
    acknowledged_by_name text,
    replied_at bigint,
    replied_by text,
    reply text,
    closed_at bigint,
    primary key (notice_id, org_id)
);
create index notice_receipts_org on notice_receipts (org_id, state, delivered_at);
-- The received list, all states, newest first.
create index notice_receipts_org_time on notice_receipts (org_id, delivered_at);

-- The event stream: every inbox line, every server-sent event, every webhook call. `seq` is
-- 1, 2, 3, ... assigned last + 1 under a transaction advisory lock, so events commit in seq
-- order and a reader that has seen seq n has seen everything before it (Last-Event-ID).
create table events (
    seq bigint primary key,
    at bigint not null,
    -- To a body, or to one person; never both.
    org_id text,
    user_id text,
    kind text not null,
    subject text collate "C" not null,
    payload text not null,                       -- JSON
    check ((org_id is null) <> (user_id is null))
);
create index events_org on events (org_id, seq);
create index events_user on events (user_id, seq);

-- Outgoing webhooks of a body. The secret signs the calls (HMAC-SHA256), so it is kept, not
-- hashed; it is shown to the admin once and never logged.
create table webhooks (
    id text primary key,
    org_id text not null references organizations (id),
    url text not null,
    secret text not null,
    description text not null,
    active boolean not null,
    created_by text not null,
    created_at bigint not null
);
create index webhooks_org on webhooks (org_id);

-- Every attempt to deliver an event to a webhook.
create table webhook_deliveries (
    id text primary key,
    webhook_id text not null references webhooks (id),
    event_seq bigint not null,
    job_id text not null,
    attempt integer not null,
    at bigint not null,
    outcome text not null check (outcome in ('delivered', 'failed')),
    http_status integer,
    error text,
    duration_ms bigint not null
);
create index webhook_deliveries_webhook on webhook_deliveries (webhook_id, at);

-- A body's official mailbox (机构邮箱): events to the body are also e-mailed there when the
-- server has an SMTP relay.
create table org_mailboxes (
    org_id text primary key references organizations (id),
    email text not null,
    updated_at bigint not null
);
