-- Identity: the directory of regions and organizations, users and their credentials, spaces
-- and their documents, and the hash-chained audit trail of every change to them.
--
-- Conventions (the same in migrations/sqlite/0002_identity.sql):
-- - Ids are text UUIDs made by the server. Times are Unix milliseconds (UTC) in a bigint, not
--   timestamptz, so that the same SQL reads them on both engines.
-- - Enums are stored as their snake_case names; a check lists the allowed ones, so a typo in
--   a hand-edited row fails at once rather than at the next read.
-- - Secrets (session cookies, API tokens) are never stored, only hex(sha256(secret)).
-- - Codes and paths that the server sorts or range-scans are `collate "C"`: byte order, as on
--   SQLite, whatever the database's locale (a locale may ignore '/' when comparing).
--
-- Applied migrations are never edited; change the schema with a new numbered file.

-- Administrative regions (行政区划). `path` is the codes from the top, '/330000/330100/', so
-- "this region and every region below it" is one range scan of the path index. The server
-- keeps a region's level strictly below its parent's and rewrites the paths of a subtree when
-- it moves (server/src/db/directory.rs).
create table regions (
    code text primary key,
    name_zh text not null,
    name_en text,
    level text not null check (level in ('province', 'city', 'county', 'township')),
    parent_code text references regions (code),
    path text collate "C" not null unique,
    check (parent_code <> code)
);

-- Organizations: judicial bureaus, enforcement departments, courts, ...
create table organizations (
    id text primary key,
    -- The unified social credit code or the province's own code; how imports and OpenID
    -- claims name an organization.
    code text collate "C" not null unique,
    name_zh text not null,
    name_en text,
    kind text not null check (kind in (
        'judicial_bureau', 'enforcement_department', 'township_government', 'judicial_office',
        'public_security', 'procuratorate', 'court', 'discipline_inspection', 'other'
    )),
    region_code text not null references regions (code),
    -- The department a unit belongs to, for instance. The server refuses cycles.
    parent_id text references organizations (id),
    created_at bigint not null,
    updated_at bigint not null,
    check (parent_id <> id)
);

-- People who sign in. Everyone acts for one organization, except an operator of the
-- deployment, who may belong to none.
create table users (
    id text primary key,
    org_id text references organizations (id),
    -- The local login name, lowercased by the server; null for OpenID-only users.
    username text unique,
    display_name text not null,
    org_role text not null check (org_role in ('admin', 'member')),
    is_operator boolean not null,
    disabled boolean not null default false,
    -- A PHC string (argon2id); null when the user has no local password.
    password_hash text,
    -- The OpenID Connect identity linked to this user: both or neither.
    oidc_issuer text,
    oidc_subject text,
    -- Wrong passwords since the last success or lock, and until when sign-in is refused.
    failed_logins bigint not null default 0 check (failed_logins >= 0),
    locked_until bigint,
    created_at bigint not null,
    updated_at bigint not null,
    unique (oidc_issuer, oidc_subject),
    check (org_id is not null or is_operator),
    check ((oidc_issuer is null) = (oidc_subject is null))
);

-- An organization's users page.
create index users_org_id on users (org_id);

-- Browser sessions. `id` is public (shown in "your sessions"); the cookie's secret is only
-- here as its hash.
create table sessions (
    id text primary key,
    token_hash text not null unique,
    user_id text not null references users (id),
    created_at bigint not null,
    last_seen_at bigint not null,
    -- Live while now < both expiries and not revoked.
    idle_expires_at bigint not null,
    absolute_expires_at bigint not null,
    revoked_at bigint,
    ip text,
    user_agent text
);

-- A user's sessions: listing them, revoking them all.
create index sessions_user_id on sessions (user_id);

-- API tokens of agency systems: each acts as its organization with the listed permissions.
create table api_tokens (
    id text primary key,
    org_id text not null references organizations (id),
    name text not null,
    token_hash text not null unique,
    -- Space-separated permission names ('docs:read docs:write').
    permissions text not null,
    created_by text not null references users (id),
    created_at bigint not null,
    expires_at bigint not null,
    revoked_at bigint,
    last_used_at bigint,
    last_used_ip text
);

-- An organization's tokens page.
create index api_tokens_org_id on api_tokens (org_id);

-- Spaces: meetings, joint investigations, disputes. `created_by` is a user id or
-- 'token:<id>' (an API token), so it is not a foreign key.
create table spaces (
    id text primary key,
    kind text not null check (kind in ('meeting', 'investigation', 'dispute')),
    title text not null,
    -- Its region decides which judicial bureaus supervise it; stored as the code, not the
    -- path, so moving a region carries its spaces along.
    region_code text not null references regions (code),
    created_by text not null,
    created_at bigint not null
);

-- Supervision: the spaces of the regions in a subtree.
create index spaces_region_code on spaces (region_code);

-- The organizations taking part in a space, and how.
create table space_members (
    space_id text not null references spaces (id),
    org_id text not null references organizations (id),
    role text not null check (role in ('convener', 'member', 'observer')),
    primary key (space_id, org_id)
);

-- "The spaces my organization takes part in".
create index space_members_org_id on space_members (org_id);

-- The collaborative documents of a space. `doc_id` is the id of the document's update log
-- (doc_updates.doc_id).
create table space_docs (
    doc_id text primary key,
    space_id text not null references spaces (id),
    title text not null,
    -- A frozen document (minutes awaiting signatures) is read-only.
    frozen boolean not null default false,
    created_at bigint not null
);

-- A space's documents, in order.
create index space_docs_space_id on space_docs (space_id, created_at);

-- OpenID Connect sign-ins between the redirect to the provider and the callback. Each row is
-- deleted by its callback (single use); abandoned ones are purged by the next sign-in.
create table oidc_logins (
    state text primary key,
    provider text not null,
    nonce text not null,
    pkce_verifier text not null,
    return_to text not null,
    expires_at bigint not null
);

-- The purge of expired sign-ins.
create index oidc_logins_expires_at on oidc_logins (expires_at);

-- Settings an operator changes at run time (for instance whether local sign-in is on).
create table settings (
    key text primary key,
    value text not null
);

-- The audit trail: every change to the tables above, and sign-ins and refusals, in order.
-- Rows are only ever appended. `hash` is sha256 over `prev_hash` and the row's columns, and
-- `prev_hash` is the previous row's hash (64 zeros for the first), so an edited or removed
-- row breaks the chain (see server/src/db/audit.rs for the exact format).
create table audit_log (
    -- 1, 2, 3, ... without gaps: the server assigns last + 1 while holding a transaction
    -- advisory lock. Not a sequence (bigserial): a rolled-back transaction would leave a hole
    -- in a sequence, and a gap must always mean a removed row.
    seq bigint primary key,
    at bigint not null,
    -- Who acted: null for the command line. Not foreign keys: an API token acts as
    -- 'token:<id>', and the trail must outlive what it names.
    actor_user_id text,
    actor_org_id text,
    action text not null,
    target text not null,
    -- JSON, stored as text (not jsonb, which would reformat it) so the bytes hashed are the
    -- bytes stored.
    detail text not null,
    ip text,
    prev_hash text not null,
    hash text not null
);

-- An organization's own audit rows, newest first.
create index audit_log_actor_org_id_seq on audit_log (actor_org_id, seq);
