-- What a space's document is for, and who may write it (the spine of #14).
--
-- Until now every participating body wrote every document of its space. The workflows that
-- follow need documents one body writes while the others read: a section of a joint dossier
-- (联合案卷) its member body keeps, a party's statement in a dispute, the bureau's decision.
-- `role` says what the document is; `owner_org_id`, when set, is the only body that writes
-- it. Existing documents keep their meaning: the minutes documents of meetings are marked
-- `minutes`, every other one stays `shared` (written by every convening and member body).

alter table space_docs add column role text not null default 'shared'
    check (role in ('shared', 'minutes', 'section', 'statement', 'decision'));
alter table space_docs add column owner_org_id text references organizations (id);

update space_docs set role = 'minutes'
where doc_id in (select minutes_doc_id from meetings);
