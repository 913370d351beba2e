-- The supervision desk's receipts owing 签收 from the index alone (issue #21): a receipt
-- carries its notice's escalation time (T2) while it owes 签收, and notice_receipts_owing
-- holds what the desk reads. Why: migrations/sqlite/0027_desk_receipts_covered.sql.

alter table notice_receipts add column ack_escalate_at bigint;
update notice_receipts c set ack_escalate_at = n.escalate_at
    from notices n where n.id = c.notice_id and c.ack_due_at is not null;
drop index notice_receipts_owing;
create index notice_receipts_owing
    on notice_receipts (org_id, ack_due_at, state, notice_id, ack_escalate_at)
    where state in ('delivered', 'read') and ack_due_at is not null;
