-- The supervision desk (监督台, db/supervision.rs) reads what is overdue in a region's
-- subtree: the region's path range, then the bodies of those regions, then each body's tasks
-- (tasks_assignee) and receipts (notice_receipts_org). Nothing indexed the bodies by their
-- region, so every desk read every organization. The same index is in
-- migrations/postgres/0019_supervision_desk.sql.

create index organizations_region on organizations (region_code);
