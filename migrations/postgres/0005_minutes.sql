-- Signed minutes: the append-only log every signed artefact goes into, the keys that sign,
-- and each version of a meeting's minutes with its signatures (see SIGNING.md).
--
-- Conventions as in 0002_identity.sql. Signed bytes are stored exactly as signed and logged
-- and are never rebuilt from other columns. The same tables are in
-- migrations/sqlite/0005_minutes.sql.

-- The RFC 6962 Merkle log: leaf `idx` (from 0, no gaps, assigned under a lock) holds the
-- exact bytes of one artefact. Rows are never updated or deleted.
create table log_leaves (
    idx bigint primary key check (idx >= 0),
    kind text not null check (kind in ('key_binding', 'key_revocation', 'manifest',
                                       'signature', 'completion', 'reopen', 'archive')),
    -- What the leaf is about: 'key:<key_id>', 'minutes:<meeting_id>:<version>'.
    subject text not null,
    bytes bytea not null,
    leaf_hash bytea not null,                     -- SHA-256(0x00 || bytes)
    created_at bigint not null
);

create index log_leaves_subject on log_leaves (subject);

-- The log's own secrets: its Ed25519 checkpoint key, sealed under the server's master key,
-- and its origin line. One row; created on first use.
create table log_identity (
    id integer primary key check (id = 1),
    origin text not null,
    sealed_key bytea not null,
    created_at bigint not null
);

-- Keys that sign minutes: a person's Ed25519 key (its private half never reaches the server)
-- or an organization's SM2 seal (its private half sealed under the master key). A key counts
-- from its binding leaf until its revocation leaf.
create table signing_keys (
    key_id text primary key,
    purpose text not null check (purpose in ('person', 'seal')),
    algorithm text not null check (algorithm in ('ed25519', 'sm2')),
    org_id text not null references organizations (id),
    user_id text references users (id),
    spki bytea not null,
    sealed_private bytea,
    binding_leaf bigint not null references log_leaves (idx),
    bound_at bigint not null,
    revoked_at bigint,
    revocation_leaf bigint references log_leaves (idx),
    revoke_reason text,
    check ((purpose = 'person') = (user_id is not null)),
    check ((purpose = 'seal') = (sealed_private is not null))
);

create index signing_keys_user on signing_keys (user_id);
-- One seal in force per organization.
create unique index signing_keys_one_seal on signing_keys (org_id)
    where purpose = 'seal' and revoked_at is null;

-- Each frozen version of a meeting's minutes. The draft (being edited) has no row: the
-- version in draft is one more than the newest row, which is superseded.
create table minutes_versions (
    meeting_id text not null references spaces (id),
    version bigint not null check (version >= 1),
    doc_id text not null references space_docs (doc_id),
    state text not null check (state in ('frozen', 'signing', 'signed', 'archived', 'superseded')),
    content bytea not null,                       -- content.json
    manifest bytea not null,                      -- manifest.json
    manifest_sha256 text not null,
    manifest_leaf bigint not null references log_leaves (idx),
    crdt_state bytea not null,                    -- encode_state_as_update_v1 at freeze
    html bytea not null,                          -- minutes.html
    completion bytea,
    completion_leaf bigint references log_leaves (idx),
    archive bytea,
    archive_leaf bigint references log_leaves (idx),
    bundle bytea,                                 -- the archive .zip, once exported
    reopen_reason text,
    frozen_by text not null,
    frozen_at bigint not null,
    updated_at bigint not null,
    primary key (meeting_id, version)
);

-- One signature envelope per organization and version.
create table minutes_signatures (
    meeting_id text not null,
    version bigint not null,
    step bigint not null check (step >= 1),
    org_id text not null references organizations (id),
    signer_user_id text not null references users (id),
    person_key_id text not null references signing_keys (key_id),
    seal_key_id text not null references signing_keys (key_id),
    envelope bytea not null,                      -- the exact logged bytes
    payload_sha256 text not null,                -- what the next step's `prev` names
    leaf bigint not null references log_leaves (idx),
    signed_at bigint not null,
    primary key (meeting_id, version, org_id),
    foreign key (meeting_id, version) references minutes_versions (meeting_id, version)
);
