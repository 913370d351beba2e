-- The region's figures (评议考核, db/figures.rs) count each body's tasks by the day they were
-- dispatched (started_at), as setter and as assignee, and its notices by the day they were
-- sent. The existing indexes lead with the body and then the state or the creation time, so
-- each body's whole history was read; these lead with the body and the time counted. Bodies
-- by region: organizations_region (0019, the supervision desk). The same indexes are in
-- migrations/sqlite/0020_figures_indexes.sql.

create index tasks_setter_started on tasks (setter_org_id, started_at);
create index tasks_assignee_started on tasks (assignee_org_id, started_at, state, due_at);
create index notices_sender_sent on notices (sender_org_id, sent_at);
create index meetings_convener_starts on meetings (convener_org_id, starts_at, state);
