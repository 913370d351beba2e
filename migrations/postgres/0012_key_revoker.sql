-- Who revoked a signing key (issue 16): an organization's admins and operators now revoke the
-- keys of the body's people (a person who left, a lost laptop) and operators the body's seal,
-- so the key's owner is no longer the only one who can have done it. Null for a key in force.
-- Before this migration only a person could revoke, and only their own key, so every key
-- revoked until now was revoked by its owner. The same change is in
-- migrations/sqlite/0012_key_revoker.sql.

alter table signing_keys add column revoked_by text references users (id);

update signing_keys set revoked_by = user_id
    where revoked_at is not null and purpose = 'person';
