-- The audit trail's head, anchored in the signed log (`log_leaves.kind = 'audit_anchor'`).
--
-- The audit trail is hash-chained (0002_identity.sql), so an edited or removed row shows, but
-- removing the newest rows leaves a chain that still fits. A node therefore appends, from time
-- to time, a leaf naming the newest row's seq and hash (`concord.audit-anchor/1`, docs/bundle.md)
-- to the log, which is append-only for anyone holding one of its checkpoints. The audit check
-- compares every anchor with the trail: a removed newest row, or a chain rewritten from some
-- row on, no longer matches what the log recorded.
--
-- Only the list of leaf kinds changes, but SQLite cannot alter a CHECK constraint: the table is
-- rebuilt. The migration runs in one transaction with foreign keys on, so the checks of the
-- tables that reference `log_leaves (idx)` are deferred to the commit: the leaves are copied
-- aside, the table dropped (its rows' referrers now point nowhere), made again under the same
-- name with the new list, and filled back byte for byte (every referrer finds its row again),
-- before the commit checks. Nothing that names `log_leaves` changes. The same change is in
-- migrations/postgres/0008_audit_anchors.sql.

pragma defer_foreign_keys = on;

create table log_leaves_copy (
    idx integer primary key,
    kind text not null,
    subject text not null,
    bytes blob not null,
    leaf_hash blob not null,
    created_at integer not null
) strict;

insert into log_leaves_copy (idx, kind, subject, bytes, leaf_hash, created_at)
    select idx, kind, subject, bytes, leaf_hash, created_at from log_leaves;

drop table log_leaves;

create table log_leaves (
    idx integer primary key check (idx >= 0),
    kind text not null check (kind in ('key_binding', 'key_revocation', 'manifest',
                                       'signature', 'completion', 'reopen', 'archive',
                                       'audit_anchor')),
    -- What the leaf is about: 'key:<key_id>', 'minutes:<meeting_id>:<version>', 'audit:<seq>'.
    subject text not null,
    bytes blob not null,
    leaf_hash blob not null,                     -- SHA-256(0x00 || bytes)
    created_at integer not null
) strict;

insert into log_leaves (idx, kind, subject, bytes, leaf_hash, created_at)
    select idx, kind, subject, bytes, leaf_hash, created_at from log_leaves_copy order by idx;

drop table log_leaves_copy;

create index log_leaves_subject on log_leaves (subject);
