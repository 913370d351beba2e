-- The receipt of a referral (移送回执, issue 20) as a signed record: the referral, its material
-- checklist as the receiver ticked it and the receiver's 签收, signed by the receiving body's
-- person and seal through the signed-document lifecycle (schema concord.referral-receipt/1).
--
-- Every signed version belongs to a space document (signed_versions.doc_id), but nobody writes
-- a receipt: it is made of the referral's facts alone. So a referral's space gets a document of
-- the new role 'record' (read by the space's bodies, written by none), `<referral>:receipt`,
-- made with the referral from now on and here for every referral made before.
--
-- SQLite changes a CHECK only by rebuilding the table; as in 0017_referrals.sql, foreign keys
-- are deferred to the commit (sqlx runs this file in a transaction), the table is copied aside,
-- dropped, made again under its own name and filled back. The same change is in
-- migrations/postgres/0018_referral_receipts.sql.
pragma defer_foreign_keys = on;

create table space_docs_copy as select * from space_docs;
drop table space_docs;
create table space_docs (
    doc_id text primary key,
    space_id text not null references spaces (id),
    title text not null,
    -- A frozen document (minutes awaiting signatures) is read-only.
    frozen integer not null default 0 check (frozen in (0, 1)),
    created_at integer not null,
    role text not null default 'shared'
        check (role in ('shared', 'minutes', 'section', 'statement', 'decision', 'record')),
    owner_org_id text references organizations (id),
    briefing integer not null default 0 check (briefing in (0, 1))
) strict;
insert into space_docs (doc_id, space_id, title, frozen, created_at, role, owner_org_id, briefing)
    select doc_id, space_id, title, frozen, created_at, role, owner_org_id, briefing
    from space_docs_copy;
drop table space_docs_copy;
create index space_docs_space_id on space_docs (space_id, created_at);

insert into space_docs (doc_id, space_id, title, frozen, role, owner_org_id, created_at)
    select space_id || ':receipt', space_id, '移送回执', 0, 'record', null, created_at
    from referrals;
