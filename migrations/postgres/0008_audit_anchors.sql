-- The audit trail's head, anchored in the signed log (`log_leaves.kind = 'audit_anchor'`).
--
-- The audit trail is hash-chained (0002_identity.sql), so an edited or removed row shows, but
-- removing the newest rows leaves a chain that still fits. A node therefore appends, from time
-- to time, a leaf naming the newest row's seq and hash (`concord.audit-anchor/1`, docs/bundle.md)
-- to the log, which is append-only for anyone holding one of its checkpoints. The audit check
-- compares every anchor with the trail: a removed newest row, or a chain rewritten from some
-- row on, no longer matches what the log recorded.
--
-- Only the list of leaf kinds changes. The same change is in
-- migrations/sqlite/0008_audit_anchors.sql.

alter table log_leaves drop constraint log_leaves_kind_check;
alter table log_leaves add constraint log_leaves_kind_check
    check (kind in ('key_binding', 'key_revocation', 'manifest', 'signature', 'completion',
                    'reopen', 'archive', 'audit_anchor'));
