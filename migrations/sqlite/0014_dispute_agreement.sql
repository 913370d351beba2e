-- The parties' agreement (协议书) that settles a jurisdiction dispute (issue 17): a space
-- document every party writes while they negotiate, frozen and signed by every party through
-- the signed-document lifecycle (schema concord.dispute-agreement/1). Its last signature
-- resolves the dispute; until now a party "settled" by a command with a line of text, which
-- nobody signed. Made with the dispute from now on; a dispute raised before gets its draft
-- here, read-only once the parties no longer negotiate. The same change is in the other
-- engine's 0014_dispute_agreement.sql.

alter table disputes add column agreement_doc_id text references space_docs (doc_id);

insert into space_docs (doc_id, space_id, title, frozen, role, created_at)
    select space_id || ':agreement', space_id, '协议书',
           state not in ('raised', 'negotiating'), 'shared', created_at
    from disputes;

update disputes set agreement_doc_id = space_id || ':agreement';

-- A task's or a notice's page says whether a dispute was raised from it (the 2 working days a
-- body has to dispute a transferred matter): found by its source.
create index disputes_source on disputes (source_kind, source_id);
