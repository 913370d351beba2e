-- Collaborative documents: an append-only log of CRDT updates plus at most one snapshot each.
--
-- A document is rebuilt by applying its snapshot (if any) and then every logged update whose
-- seq is greater than the snapshot's through_seq, in seq order. Log rows are never deleted or
-- rewritten: they are the document's edit history, with who made each edit and when.
--
-- Applied migrations are never edited; change the schema with a new numbered file.

-- One row per update a client sent, exactly as received (a yrs v1 update).
create table doc_updates (
    -- `autoincrement` (not just `integer primary key`) so a seq is never reused, even if the
    -- newest rows were ever removed: a seq names one edit forever.
    seq integer primary key autoincrement,
    doc_id text not null,
    data blob not null,
    -- The authenticated user and organization that sent the update, never what a client claims.
    user_id text not null,
    org_id text not null,
    -- Unix time in milliseconds (UTC), from the server's clock when the update was committed.
    created_at integer not null
) strict;

-- Loading a document reads its log tail in seq order.
create index doc_updates_doc_id_seq on doc_updates (doc_id, seq);

-- The compacted prefix of a document's log: one update equivalent to every logged update with
-- seq <= through_seq. Only ever moves forward (see the `where` clause of its upsert).
create table doc_snapshots (
    doc_id text primary key,
    data blob not null,
    through_seq integer not null,
    -- Unix time in milliseconds (UTC) of the compaction that wrote this row.
    compacted_at integer not null
) strict;
