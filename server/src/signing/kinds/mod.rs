//! The kinds of signed document, one module each: its content schema, its projection of the
//! co-edited document (which roots, which members of its own), the facts the server adds,
//! its rendition for people and its signing intent. See [`super::kind`] for what a kind is
//! and how to add one.
//!
//! Kinds still to come (SIGNING.md): an investigation group's concluding report
//! (`concord.investigation-report/1`), supervision documents (`concord.supervision-doc/1`),
//! dispute agreements, referral receipts, review summaries. Each is a module here and a line
//! in [`super::kind::KINDS`], nothing else in the signing layer.

pub mod dispute_decision;
pub mod minutes;
