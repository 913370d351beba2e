-- Signed documents of any kind: minutes were the first (0005_minutes.sql), dispute decisions,
-- an investigation group's concluding report and supervision documents follow. Each frozen
-- version and each signature now says which kind of document it is (`kind`: the schema of
-- its content.json, e.g. 'concord.minutes/1', 'concord.dispute-decision/1') and which matter
-- it belongs to (`subject_id`: the space, i.e. the meeting of minutes, the dispute of a
-- decision). A version is keyed by its co-edited document and number, so one space may hold
-- several signed documents (a report and supervision documents of one group).
--
-- The tables of 0005 are replaced, not altered: SQLite cannot change a primary key in place.
-- Every stored row is copied byte for byte (signed bytes are never rebuilt) and reads as
-- minutes of its meeting. The log, the keys and their tables are untouched. The same change
-- is in migrations/postgres/0006_signed_docs.sql.
--
-- `kind` is not checked against a list: a kind the server does not know is refused when read
-- (signing::kinds::by_schema), and a new kind needs no migration.

create table signed_versions (
    doc_id text not null references space_docs (doc_id),
    version integer not null check (version >= 1),
    kind text not null check (length(kind) > 0),
    subject_id text not null references spaces (id),
    state text not null check (state in ('frozen', 'signing', 'signed', 'archived', 'superseded')),
    content blob not null,                       -- content.json
    manifest blob not null,                      -- manifest.json
    manifest_sha256 text not null,
    manifest_leaf integer not null references log_leaves (idx),
    crdt_state blob not null,                    -- encode_state_as_update_v1 at freeze
    rendition blob not null,                     -- minutes.html, decision.html, … (the kind's)
    completion blob,
    completion_leaf integer references log_leaves (idx),
    archive blob,
    archive_leaf integer references log_leaves (idx),
    bundle blob,                                 -- the archive .zip, once exported
    reopen_reason text,
    frozen_by text not null,
    frozen_at integer not null,
    updated_at integer not null,
    primary key (doc_id, version)
) strict;

-- A space's signed documents of a kind (the minutes of a meeting, the decision of a dispute).
create index signed_versions_subject on signed_versions (subject_id, kind);

insert into signed_versions (doc_id, version, kind, subject_id, state, content, manifest,
    manifest_sha256, manifest_leaf, crdt_state, rendition, completion, completion_leaf, archive,
    archive_leaf, bundle, reopen_reason, frozen_by, frozen_at, updated_at)
select doc_id, version, 'concord.minutes/1', meeting_id, state, content, manifest,
    manifest_sha256, manifest_leaf, crdt_state, html, completion, completion_leaf, archive,
    archive_leaf, bundle, reopen_reason, frozen_by, frozen_at, updated_at
from minutes_versions;

-- One signature envelope per organization and version, with the kind and subject of the
-- document it signs.
create table signed_signatures (
    doc_id text not null,
    version integer not null,
    kind text not null check (length(kind) > 0),
    subject_id text not null references spaces (id),
    step integer not null check (step >= 1),
    org_id text not null references organizations (id),
    signer_user_id text not null references users (id),
    person_key_id text not null references signing_keys (key_id),
    seal_key_id text not null references signing_keys (key_id),
    envelope blob not null,                      -- the exact logged bytes
    payload_sha256 text not null,                -- what the next step's `prev` names
    leaf integer not null references log_leaves (idx),
    signed_at integer not null,
    primary key (doc_id, version, org_id),
    foreign key (doc_id, version) references signed_versions (doc_id, version)
) strict;

-- "What has this body signed".
create index signed_signatures_org on signed_signatures (org_id);

insert into signed_signatures (doc_id, version, kind, subject_id, step, org_id, signer_user_id,
    person_key_id, seal_key_id, envelope, payload_sha256, leaf, signed_at)
select v.doc_id, s.version, 'concord.minutes/1', s.meeting_id, s.step, s.org_id,
    s.signer_user_id, s.person_key_id, s.seal_key_id, s.envelope, s.payload_sha256, s.leaf,
    s.signed_at
from minutes_signatures s
join minutes_versions v on v.meeting_id = s.meeting_id and v.version = s.version;

-- Children first: nothing references minutes_signatures, and once it is gone nothing
-- references minutes_versions.
drop table minutes_signatures;
drop table minutes_versions;
