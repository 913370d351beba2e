//! All SQL lives here: the rest of the server calls typed functions and never names a pool.
//!
//! # Why a module of its own
//!
//! - **Two engines.** SQLite (a file under the data directory, the default, no set-up) and
//!   PostgreSQL (selected by a `postgres://` URL, for deployments that run several nodes). The
//!   document log's queries are written once per engine, side by side; the identity queries
//!   use only SQL both engines read alike, so each is written once and compiled for both (see
//!   `identity.rs`). Conformance suites (`tests/it/store.rs`, `tests/it/store_identity.rs`) run
//!   every operation against both.
//! - **Group commit.** A document update must be durable before it is broadcast, and a commit
//!   (an fsync) is the expensive part of a write. [`DocLog`] writes whatever has queued in one
//!   transaction, so the cost of a commit is shared by every update that arrived while the
//!   previous one ran. On SQLite it does so on the appending task through a `rusqlite`
//!   connection of its own: the only SQL outside sqlx, because sqlx's hop to its SQLite worker
//!   thread was most of an edit's latency at low load.
//! - **Errors by kind.** [`DbError`] says what kind of failure happened (unavailable, migration,
//!   conflict, ...) so the HTTP layer can pick 503 or 500 without reading message text. Its
//!   `Display` never includes SQL or database messages; those stay in the `source` chain, for
//!   logs only.
//!
//! # Layout
//!
//! - `mod.rs`: [`Db`] (the cheap, cloneable handle), [`DbConfig`], [`SqliteSync`], [`DbError`].
//! - `doc_log.rs`: the document update log and snapshots, [`DocLog`] (implements
//!   [`collab::DocStore`]) and its group commit.
//! - `common.rs`: what every query module shares: the per-engine macros (`on_reader!`,
//!   `in_transaction!`, `impl_for_both_engines!`), the locks that differ between engines,
//!   [`new_id`], parsing stored values.
//! - `effects.rs`: [`Effects`], what a write does besides its own rows (other workflows' rows
//!   it causes, events with their deliveries, jobs scheduled or cancelled, audit rows), applied
//!   in the write's own transaction.
//! - `identity.rs`: the identity records callers see ([`Org`], [`User`], [`Space`], ...).
//! - `directory.rs`: regions and organizations.
//! - `import.rs`: the all-or-nothing directory import (regions, organizations, users).
//! - `users.rs`: users, passwords and sign-in lock-out.
//! - `sessions.rs`: sessions, API tokens, OpenID sign-ins in progress, settings.
//! - `spaces.rs`: spaces, their member organizations and their documents.
//! - `audit.rs`: the hash-chained audit trail, which every identity write appends to in its
//!   own transaction.
//! - `events.rs`: the event stream as readers see it (inbox, live push, webhooks).
//! - `jobs.rs`: durable jobs, claimed under a lease and finished together with their effects.
//! - `investigation_evidence.rs`: the evidence of a group's dossier (证据材料), never deleted.
//! - `investigation_command.rs`: a group's tasks and notices, written as one group write.
//! - `tasks.rs`: tasks, their history, attachments and extension requests.
//! - `notices.rs`: notifications, their versions and each receiving body's receipt.
//! - `meetings.rs`: meetings (each a space), their invitations, attendance and agenda.
//! - `webhooks.rs`: outgoing webhooks, their delivery log, and bodies' mailboxes.
//! - `calendar.rs`: the working-day calendar's listed days.
//! - `limits.rs`: time limits set by regions, read along a region's path.
//! - `numbers.rs`: document numbers (文号) as assigned at freeze, and bodies' short names in
//!   them.
//! - `supervision.rs`: what a judicial bureau's supervision reads: the regions of a task's or
//!   notification's bodies, and the lines of its desk (监督台): counts per body and kind, the
//!   most urgent lines, one body's lines a page at a time.
//! - `supervision_docs.rs`: supervision documents (监督文书), their rectification reports and
//!   evidence.
//! - `signed_docs.rs`: the signed log, signing keys, and the frozen versions of signed
//!   documents of any kind (minutes, dispute decisions, …) with their signatures.
//!
//! This module must never hand a pool, a row or an `sqlx::Error` to a caller outside it, and
//! must never log document contents or secrets (passwords, tokens, their hashes, webhook
//! secrets).

mod audit;
mod blobs;
mod calendar;
mod campaigns;
mod common;
mod directory;
mod dispute_stats;
mod disputes;
mod doc_log;
mod effects;
mod error;
mod events;
mod figures;
mod filings;
mod handle;
mod identity;
mod import;
mod investigation_command;
mod investigation_evidence;
mod investigations;
mod jobs;
mod library;
mod limits;
mod meetings;
mod notices;
mod numbers;
mod plans;
mod referrals;
mod reviews;
mod sessions;
mod signed_docs;
mod spaces;
mod sqlite_log;
mod supervision;
mod supervision_docs;
mod tasks;
mod users;
mod webhooks;

pub use crate::domain::org::SpaceMember;
pub use audit::{chain_hash, ChainFields, GENESIS_HASH};
pub use blobs::StoredBlob;
pub use campaigns::{
    campaign_summary_id, Campaign, CampaignChange, CampaignDocRow, CampaignFilingRow,
    CampaignSummarised, CoveredBody, NewCampaign,
};
pub use common::{new_id, now_unix_ms};
pub use dispute_stats::DisputeStatRow;
pub use disputes::{
    Dispute, DisputeChange, DisputeDecided, DisputeFilter, DisputeMeeting, NewDispute,
    NewDisputeParty, PartyRow, PartyWrite, DECISION_TITLE, STATEMENT_TITLE,
};
pub use doc_log::{DocLog, UpdateAuthor};
pub use effects::{Audience, Consequence, Effects, NewEvent, NewJob, Tx};
pub use error::DbError;
pub use events::Event;
pub use figures::{
    BodyPeriod, DisputeFigure, DisputePart, MeetingCounts, NoticeCounts, ReferralPart,
    ReviewCounts, SupervisionCounts, TaskCounts,
};
pub use filings::{
    Filing, FilingChange, FilingFile, FilingRole, NewFiling, NewFilingFile, OwedReport, ReportsOwed,
};
pub use handle::{Db, DbConfig, SQLITE_FILE_NAME};
pub use identity::{
    ApiTokenRow, AuditCheck, AuditEvent, AuditRow, DirectoryImport, FieldChange, ImportOrg,
    ImportReport, ImportSources, ImportUser, ItemChange, KindReport, NewApiToken, NewOrg,
    NewRegion, NewSession, NewSpace, NewSpaceDoc, NewUser, OidcLogin, Org, OrgPatch,
    PasswordRecord, Region, SessionRow, Space, SpaceDoc, User, UserPatch,
};
pub use investigation_evidence::{EvidenceRow, NewEvidence};
pub use investigations::{
    GroupBodyRow, GroupChange, Investigation, MemberWrite, NewGroupBody, NewInvestigation,
    RelatedRow, CONCLUSIONS_TITLE, REPORT_TITLE, SECTION_TITLE, SUMMARY_TITLE,
};
pub use jobs::Job;
pub use library::{library_doc_id, CaseChange, LibraryCaseRow, LibrarySearch, NewLibraryCase};
pub use limits::RegionLimit;
pub use meetings::{
    AgendaChange, AgendaItem, Invitation, InvitationReply, Invitee, Meeting, MeetingChange,
    NewAgendaItem, NewMeeting, MINUTES_TITLE,
};
pub use notices::{NewNotice, Notice, Receipt, ReceiptChange};
pub use plans::{NewPlan, Plan};
pub use referrals::{
    receipt_doc_id, CaseRow, DraftEdit, ItemFile, ItemRow, NewReferral, Referral, ReferralChange,
    ReferralRole, RECEIPT_TITLE,
};
pub use reviews::{
    review_sheet_doc_id, review_summary_id, Drawn, FileAttachmentRow, FileChange, FileReviewerRow,
    NamedReviewers, NewFileAttachment, NewReview, NewReviewFile, Review, ReviewBodyRow,
    ReviewChange, ReviewFileRow, ReviewSummarised,
};
pub use sessions::HeldCredential;
pub use signed_docs::{
    Completion, LeafKind, LogIdentity, LogLeaf, NewLeaf, NewSignedVersion, NewSigningKey,
    OrgKeyRow, SignaturePageBytes, SignedSignature, SignedVersion, SigningKeyRow, SubjectChange,
};
pub use sqlite_log::SqliteSync;
pub use supervision::{DeskBody, DeskRow, DeskSlice, DeskTally};
pub use supervision_docs::{
    supervision_text_id, EvidenceFile, NewEvidenceFile, NewReport, NewSupervision, ReportRow,
    Supervision, SupervisionChange, SupervisionIssued, SupervisionReceived, SupervisionRole,
    Verdict,
};
pub use tasks::{
    Attachment, Extension, HistoryEntry, HistoryEntryKind, NewAttachment, NewTask, Stamp,
    StoredEntry, Task, TaskChange, TaskList,
};
pub use webhooks::{Delivery, NewWebhook, Webhook};
