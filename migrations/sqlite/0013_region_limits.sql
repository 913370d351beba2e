-- Time limits by region (时限设置, issue 17): a region's own value for a kind of limit (how
-- long a dispute is negotiated, when an unacknowledged notice is reminded, …). A region
-- without a row for a kind inherits the nearest setting above it, else the deployment's
-- default (server/src/domain/limits.rs). The unit is stored as written so a row reads alone,
-- though the server accepts only each kind's own unit. `set_by` is the user who set it, null
-- from the shell (`concord admin limits`). The same table is in
-- migrations/postgres/0013_region_limits.sql.

create table region_limits (
    region_code text not null references regions (code),
    kind text not null check (kind in (
        'dispute_negotiation', 'dispute_acceptance', 'dispute_replies', 'dispute_decision',
        'notice_remind', 'notice_escalate', 'task_escalate'
    )),
    unit text not null check (unit in ('calendar_days', 'working_days', 'hours')),
    amount integer not null check (amount between 1 and 365),
    set_by text,
    set_at integer not null,
    primary key (region_code, kind)
) strict;
