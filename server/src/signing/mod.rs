//! Signed documents (minutes, dispute decisions, and the kinds to come) and the archive
//! bundle: everything that makes a signature checkable years later, offline, by anyone
//! holding the bundle (intent: SIGNING.md; the exact bundle: `docs/bundle.md`).
//!
//! Every format here is a public standard (RFC 8785 JSON, DSSE envelopes, Ed25519, SM2 with
//! SM3, RFC 6962 Merkle proofs, C2SP signed notes and checkpoints) so that OpenSSL 3 and a short
//! script can check what `concord verify` checks.
//!
//! This module never touches the database, the network or the clock: bytes and keys in, bytes,
//! signatures and verdicts out. Times are given by the caller. The only file access is reading
//! and writing a bundle ([`bundle::Bundle::read`], [`bundle::Bundle::write_dir`]), which the
//! `concord verify` command and the export need.
//!
//! # Layout
//!
//! - [`canonical`]: RFC 8785 bytes with NFC strings, and the SHA-256 / SM3 hex digests.
//! - [`kind`]: what a kind of signed document is ([`kind::SignedKind`]), the kinds known
//!   ([`kinds::KINDS`]), and [`kind::freeze`], which makes a frozen version of any kind.
//! - [`kinds`]: one module per kind (minutes, dispute decision): schema, projection, rendition.
//! - [`office`]: the office form (GB/T 9704) every rendition shares: Beijing time written the
//!   Chinese way, the style sheet for screen and print.
//! - [`pdf`]: the printable PDF renditions, typeset in-process with typst from one office
//!   template and the page's strings (never from markup built of them).
//! - [`projection`]: the shared walk of a co-edited document (CRDT) into `content.json`, and
//!   the shared parts of renditions.
//! - [`signature_page`]: the signature page (签署页) made at archiving: the signers as persons.
//! - [`statement`]: the signed and logged records (manifest, statements, key bindings, …).
//! - [`dsse`]: the DSSE envelope that carries a statement and its two signatures.
//! - [`keys`]: people's Ed25519 keys, organizations' SM2 seals, sealing keys at rest.
//! - [`merkle`]: the RFC 6962 / RFC 9162 tree hash and its inclusion and consistency proofs.
//! - [`note`]: C2SP checkpoints, signed notes and `tlog-proof` files.
//! - [`bundle`]: the archive bundle as a map of paths to bytes (a directory or a .zip).
//! - [`verify`]: every check of a bundle, in order, stopping at the first failure.
//! - [`error`]: [`SigningError`], this layer's one error type.

pub mod bundle;
pub mod canonical;
pub mod dsse;
pub mod error;
pub mod keys;
pub mod kind;
pub mod kinds;
pub mod merkle;
pub mod note;
pub mod office;
pub mod pdf;
pub mod projection;
pub mod signature_page;
pub mod statement;
pub mod verify;

pub use error::SigningError;
