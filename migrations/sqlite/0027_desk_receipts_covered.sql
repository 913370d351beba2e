-- The supervision desk's receipts owing 签收 from the index alone (issue #21). The desk read
-- each such receipt's notice (a table row with its whole text) only to learn whether its 督办
-- time (T2) had come: on the province data set (BENCHMARKS.md) 37 ms of a city's desk for
-- 2,245 receipts. A receipt now also carries that time, `ack_escalate_at`: its notice's
-- escalation time while `ack_due_at` is set (written and cleared with it, db/notices.rs), and
-- notice_receipts_owing holds what the desk reads (the receipt's state, its notice, both
-- times), so the desk's count and choice of lines read no table row: 3.4 ms.
--
-- The same in migrations/postgres/0027_desk_receipts_covered.sql.

alter table notice_receipts add column ack_escalate_at integer;
update notice_receipts set ack_escalate_at = (
    select n.escalate_at from notices n where n.id = notice_receipts.notice_id
) where ack_due_at is not null;
drop index notice_receipts_owing;
create index notice_receipts_owing
    on notice_receipts (org_id, ack_due_at, state, notice_id, ack_escalate_at)
    where state in ('delivered', 'read') and ack_due_at is not null;
