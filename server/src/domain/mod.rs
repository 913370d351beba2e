//! The rules of the work, with no I/O: no SQL, no HTTP, no clock reads.
//!
//! A rule takes plain values (who is acting, what they act on) and answers; the caller fetches
//! those values from the database and acts on the answer. That keeps every rule testable as a
//! table and keeps the one place that decides access ([`policy`]) free of side effects.
//!
//! # Layout
//!
//! - [`org`]: the vocabulary of bodies and people: organization kinds, levels, roles, and the
//!   newtypes that parse codes and names so handlers never validate by hand.
//! - [`policy`]: who may do what, including document access for the websocket.
//! - [`kernel`]: what every state machine shares: the [`kernel::Workflow`] trait, the
//!   commands a page may offer ([`kernel::offers`]) and the one table test.
//! - [`command`]: typed commands, one enum per workflow whose variants carry exactly their
//!   fields, read from a tagged body with errors in the workflow's words.
//! - [`message`], [`phrases`]: what the server says to people, in Chinese and English: a
//!   refusal carries a catalogued phrase and is rendered in the reader's language at the edge.
//! - [`text`]: what people write (titles, bodies, reasons, notes, file names) as newtypes
//!   that parse once.
//! - [`calendar`]: time limits and the working-day calendar (holidays, worked weekend days).
//! - [`limits`]: time limits by region (时限设置): the kinds, their defaults, inheritance.
//! - [`doc_number`]: document numbers (文号) of signed documents and the default short name
//!   of a body in them.
//! - [`task`]: the task (任务 / 督办) state machine.
//! - [`notice`]: the notification (通报 / 函告) version and receipt state machines.
//! - [`meeting`]: the meeting (协调会议 / 会商), invitation and agenda machines.
//! - [`signed`]: a signed document of any kind from freeze to archive, and the signing order.
//! - [`minutes`]: minutes as a signed document: their words, default order and freeze gate.
//! - [`supervision`]: the judicial bureau's supervision desk (监督台): what its lines are and
//!   who may see a region's.
//! - [`supervision_doc`]: supervision documents (监督文书) and their rectification (整改).

pub mod calendar;
pub mod campaign;
pub mod catalogue;
pub mod command;
pub mod dispute;
pub mod dispute_stats;
pub mod doc_number;
pub mod filing;
pub mod investigation;
pub mod investigation_work;
pub mod kernel;
pub mod library;
pub mod limits;
pub mod meeting;
pub mod message;
pub mod minutes;
pub mod notice;
pub mod org;
pub mod phrases;
pub mod plan;
pub mod policy;
pub mod referral;
pub mod referral_stats;
pub mod review;
pub mod review_sheet;
pub mod signed;
pub mod stats;
pub mod supervision;
pub mod supervision_doc;
pub mod task;
pub mod text;
