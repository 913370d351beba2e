-- Reviewers as named people (评查人), issue 23: the admin of a file's reviewing body names one
-- or two of its people to score the file. Once a file has named reviewers, only they write its
-- live sheet and submit its score; the others of the body read it. A file with none keeps the
-- earlier rule (the whole reviewing body writes). Naming again replaces the set, in the same
-- write that moves the file's revision. The same table is in
-- migrations/sqlite/0026_review_file_reviewers.sql.
create table review_file_reviewers (
    file_id text not null references review_files (id),
    user_id text not null references users (id),
    -- The review, so a review's reviewers are read in one query.
    space_id text not null references reviews (space_id),
    assigned_by text not null,
    assigned_at bigint not null,
    primary key (file_id, user_id)
);
create index review_file_reviewers_space on review_file_reviewers (space_id);
