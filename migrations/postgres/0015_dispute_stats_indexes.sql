-- The dispute statistics (争议统计, db/dispute_stats.rs) read every dispute of a region's
-- subtree: the region's path range, then its spaces, then each space's dispute. With 10,000
-- disputes a provincial table took most of its time in those lookups (BENCHMARKS.md,
-- "Jurisdiction disputes"). Both indexes cover what the query reads, so neither the spaces'
-- nor the disputes' rows (with their long texts) are visited. The same indexes are in
-- migrations/sqlite/0015_dispute_stats_indexes.sql.

create index spaces_region_id on spaces (region_code, id);
create index disputes_stat_facts on disputes (
    space_id, created_at, state, escalated_at, accepted_at, decided_at, updated_at, stage_due_at
);
