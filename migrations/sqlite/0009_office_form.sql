-- Documents in office form (issue 16): what a notice is about, so that a person can open it
-- from the notice, and the document numbers (文号) of signed documents. The same change is in
-- migrations/postgres/0009_office_form.sql.

-- What a notice is about: 'meeting:<meeting id>' (a meeting's notice 会议通知, which
-- answering the invitation acknowledges), 'minutes:<meeting id>:<version>' (signed minutes
-- to acknowledge); null for a notice a person wrote. A correction keeps its series' subject.
alter table notices add column subject text;
create index notices_subject on notices (subject) where subject is not null;

-- The short name a body uses in its document numbers (机关代字, the 宁司 of 宁司纪〔2026〕3号),
-- when one has been set; without a row the server derives one from the body's name
-- (domain::docnumber). Kept apart from organizations so the directory import is untouched.
create table org_doc_prefixes (
    org_id text primary key references organizations (id),
    prefix text not null check (length(prefix) between 1 and 8)
) strict;

-- Document numbers as assigned at freeze: per issuing body, per word (纪 for minutes), per
-- year of Beijing time, a sequence from 1. A row is never deleted or changed, so a number is
-- never given twice; a document keeps its number through its later versions (doc_id unique).
-- The prefix is stored as it was, so renaming the body never renumbers what it issued.
create table doc_numbers (
    org_id text not null references organizations (id),
    word text not null check (length(word) > 0),
    year integer not null check (year between 2000 and 9999),
    seq integer not null check (seq >= 1),
    prefix text not null check (length(prefix) > 0),
    doc_id text not null unique references space_docs (doc_id),
    assigned_at integer not null,
    primary key (org_id, word, year, seq)
) strict;
