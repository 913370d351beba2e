-- Printable renditions (issue 16): the PDF rendition of a frozen version (minutes.pdf, the
-- kind's), typeset once at freeze and bound by its manifest like the HTML one; and the
-- signature page (签署页) made at archiving, naming the signers as persons, in HTML and PDF,
-- covered by the archive record. Each is stored once and served as stored, never typeset
-- again (a later typst or font would give other bytes). Null: none was made (a version frozen
-- before, or without a Chinese font on the server). The same change is in
-- migrations/postgres/0010_pdf_renditions.sql.

alter table signed_versions add column rendition_pdf blob;
alter table signed_versions add column signature_page_html blob;
alter table signed_versions add column signature_page_pdf blob;
