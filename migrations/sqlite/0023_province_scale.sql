-- The supervision desk and the region's figures at province size (issue #21's benchmark,
-- BENCHMARKS.md "Supervision desk and figures at province size"). What EXPLAIN QUERY PLAN
-- showed on 1,000 bodies, 100,000 tasks, 1,000,000 notices (2,000,000 receipts):
--
-- * The desk's notices (db/supervision.rs `desk_notices`) read every receipt of the region's
--   bodies still delivered or read, and each one's notice. A notice that asks for no 签收
--   leaves its receipts read for ever, so that was most receipts of a city's bodies (tens of
--   thousands) to find the few not acknowledged in time. A receipt now carries its limit to
--   acknowledge, `ack_due_at`: its notice's reminder time (T1) while that version is the sent
--   one and asks for 签收, else null (set with the receipt; cleared when the version is
--   superseded, which then asks for nothing: the new version is acknowledged again). The
--   receipts still owing 签收 are indexed by body and that limit (notice_receipts_owing), and
--   the figures count receipts to acknowledge and late ones from the receipts alone.
-- * The desk's referrals and disputes ask whether their 督办 job ran (jobs by subject, kind,
--   state, due time); the planner took jobs_claim (state, due_at): every done job after the
--   limit. jobs_subject_kind answers from the index.
-- * The figures' tasks ask, per task, whether an 'overdue' entry is in its history: on
--   PostgreSQL a scan of the whole history. task_history_entry answers from the index.
-- * The figures' counts read only indexes: tasks_setter_started also holds the state,
--   tasks_assignee_started the id (for the history), notices_sender_sent the version kind,
--   notice_receipts_org_time the limit and the acknowledgement (each a superset of the index
--   it replaces, so the lists that used those still find their order there).
--
-- The same in migrations/postgres/0023_province_scale.sql.

alter table notice_receipts add column ack_due_at integer;
update notice_receipts set ack_due_at = (
    select n.remind_at from notices n
    where n.id = notice_receipts.notice_id and n.requires_ack = 1 and n.state = 'sent'
);
create index notice_receipts_owing on notice_receipts (org_id, ack_due_at)
    where state in ('delivered', 'read') and ack_due_at is not null;

create index jobs_subject_kind on jobs (subject, kind, state, due_at);
create index task_history_entry on task_history (entry, task_id, at);

drop index tasks_setter_started;
create index tasks_setter_started on tasks (setter_org_id, started_at, state);
drop index tasks_assignee_started;
create index tasks_assignee_started on tasks (assignee_org_id, started_at, state, due_at, id);
drop index notices_sender_sent;
create index notices_sender_sent on notices (sender_org_id, sent_at, version_kind);
drop index notice_receipts_org_time;
create index notice_receipts_org_time
    on notice_receipts (org_id, delivered_at, ack_due_at, acknowledged_at);
