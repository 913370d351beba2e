//! [`SigningError`]: what went wrong with a signed artefact, in words a person can act on.
//!
//! The verifier prints these messages to whoever checks a bundle, so they name the artefact
//! and the rule it broke; they never contain key material.

use std::path::PathBuf;

/// The signing layer's one error type.
#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    /// The bytes do not parse as the thing they claim to be.
    #[error("{what} is malformed: {reason}")]
    Malformed { what: String, reason: String },
    /// The bytes parse but are not in their one canonical form (RFC 8785 with NFC strings,
    /// canonical PEM, or the exact text of a proof), so two different byte strings could
    /// claim the same meaning.
    #[error("{what} is not in canonical form")]
    NotCanonical { what: String },
    /// A key cannot be decoded or is of the wrong algorithm.
    #[error("the key is not usable: {0}")]
    BadKey(String),
    /// A signature does not verify with the key it names.
    #[error("the signature does not verify: {0}")]
    BadSignature(String),
    /// A Merkle inclusion or consistency proof does not lead to the expected root.
    #[error("the log proof does not verify: {0}")]
    BadProof(String),
    /// A key sealed at rest does not open: a wrong master key, a wrong context (a row moved
    /// to another owner) or damaged bytes. Which one is deliberately not told.
    #[error("the sealed key cannot be opened: wrong master key, wrong owner or damaged data")]
    SealedKey,
    /// A document cannot be projected to its kind's content (see
    /// [`super::projection::ProjectionError`]).
    #[error(transparent)]
    Projection(#[from] super::projection::ProjectionError),
    /// A bundle file or directory cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl SigningError {
    /// Shorthand for [`SigningError::Malformed`].
    pub fn malformed(what: impl Into<String>, reason: impl Into<String>) -> SigningError {
        SigningError::Malformed {
            what: what.into(),
            reason: reason.into(),
        }
    }

    /// Shorthand for [`SigningError::NotCanonical`].
    pub fn not_canonical(what: impl Into<String>) -> SigningError {
        SigningError::NotCanonical { what: what.into() }
    }
}
