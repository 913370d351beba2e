-- The receipt of a referral (移送回执, issue 20) as a signed record: see
-- migrations/sqlite/0018_referral_receipts.sql, which says why a referral's space gets a
-- document of the new role 'record'.
alter table space_docs drop constraint space_docs_role_check;
alter table space_docs add constraint space_docs_role_check
    check (role in ('shared', 'minutes', 'section', 'statement', 'decision', 'record'));

insert into space_docs (doc_id, space_id, title, frozen, role, owner_org_id, created_at)
    select space_id || ':receipt', space_id, '移送回执', false, 'record', null, created_at
    from referrals;
