//! The signed log, read: its newest checkpoint and the proofs that let anyone check that an
//! artefact is in it and that it only ever grew (RFC 9162 inclusion and consistency proofs).
//!
//! The tree is computed from the stored leaf hashes when asked; a checkpoint is signed on
//! the spot (Ed25519 is deterministic, so the same size always gives the same note). The
//! leaves themselves are not served here: they name meetings and people, and reach a reader
//! only inside a bundle of a signed document they may see. Proofs hold hashes only, so the
//! key, checkpoints and proofs are public: they take no caller (the HTTP layer rate-limits
//! them per address).
//!
//! Here too: checking an uploaded bundle ([`verify`]) with the offline verifier, trusting
//! this server's log key, for a person who has only a browser.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::Serialize;
use utoipa::ToSchema;

use super::Error;
use crate::auth::Caller;
use crate::domain::phrases;
use crate::services::Services;
use crate::signing::bundle::Bundle;
use crate::signing::merkle;
use crate::signing::note::Checkpoint;
use crate::signing::{verify as verifier, SigningError};

/// The newest tree head as a C2SP signed note, and its size.
pub async fn checkpoint(services: &Services) -> Result<(u64, String), Error> {
    let leaves = services.db.log_leaf_hashes(None).await?;
    Ok((leaves.len() as u64, sign(services, &leaves)))
}

fn sign(services: &Services, leaves: &[merkle::Hash]) -> String {
    services.keyring.log_signer().sign(&Checkpoint {
        origin: services.keyring.origin().to_owned(),
        size: leaves.len() as u64,
        root: merkle::root(leaves),
    })
}

/// The log's origin and C2SP verifier key: what a verifier trusts (`concord verify --trust`).
#[derive(Debug, Serialize, ToSchema)]
pub struct LogKey {
    pub origin: String,
    /// `<origin>+<key id hex>+<base64(0x01 ‖ Ed25519 public key)>`.
    pub vkey: String,
}

/// The log's key. It is public: anyone may read it, with or without an account.
pub fn key(services: &Services) -> LogKey {
    let verifier = services.keyring.log_verifier();
    LogKey {
        vkey: verifier.vkey(),
        origin: verifier.origin,
    }
}

/// A proof, hashes in base64 as in `tlog-proof` files.
#[derive(Debug, Serialize, ToSchema)]
pub struct Proof {
    /// The size of the tree the proof is in.
    pub size: u64,
    /// Its root hash, base64.
    pub root: String,
    /// The proof's hashes, base64, in RFC 9162 order.
    pub hashes: Vec<String>,
    /// The signed checkpoint of `size`, so the proof's root can be checked against the key.
    pub checkpoint: String,
}

/// The proof `hashes_of` makes in the tree of `size` leaves, or a 400 naming the log's size.
async fn prove(
    services: &Services,
    size: u64,
    hashes_of: impl FnOnce(&[merkle::Hash]) -> Vec<merkle::Hash>,
) -> Result<Proof, Error> {
    let leaves = services.db.log_leaf_hashes(Some(size as i64)).await?;
    if (leaves.len() as u64) < size {
        return Err(Error::invalid(
            "size",
            crate::domain::phrases::LOG_SIZE_BEYOND
                .with("leaves", leaves.len())
                .with("size", size),
        ));
    }
    let hashes = hashes_of(&leaves);
    Ok(Proof {
        size: leaves.len() as u64,
        root: B64.encode(merkle::root(&leaves)),
        hashes: hashes.iter().map(|h| B64.encode(h)).collect(),
        checkpoint: sign(services, &leaves),
    })
}

/// The inclusion proof of leaf `index` in the tree of `size` leaves.
pub async fn inclusion(services: &Services, index: u64, size: u64) -> Result<Proof, Error> {
    if index >= size {
        return Err(Error::invalid(
            "index",
            &crate::domain::phrases::LOG_INDEX_BEYOND,
        ));
    }
    prove(services, size, |leaves| {
        merkle::inclusion_proof(index, leaves)
    })
    .await
}

/// The consistency proof between the trees of `old` and `new` leaves.
pub async fn consistency(services: &Services, old: u64, new: u64) -> Result<Proof, Error> {
    if old == 0 || old > new {
        return Err(Error::invalid(
            "old",
            &crate::domain::phrases::LOG_OLD_RANGE,
        ));
    }
    prove(services, new, |leaves| {
        merkle::consistency_proof(old, leaves)
    })
    .await
}

/// What the verifier found in an uploaded bundle: the checks in order, the failed one last.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyReport {
    /// Every check passed.
    pub verified: bool,
    /// The log key checked against is this server's, not the bundle's own `trust.json`.
    pub trusted_log: bool,
    pub checks: Vec<CheckResult>,
}

/// One check of the verifier (`layout`, `signatures`, `signing order`, …).
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckResult {
    pub name: String,
    pub ok: bool,
    /// What was checked, or why it failed.
    pub detail: String,
}

/// Runs the offline verifier (`concord verify`) on an uploaded bundle (.zip bytes), trusting
/// this server's log key. It reads nothing stored: the answer depends on the bytes and the log
/// key alone. Bytes that are no bundle at all are bad input.
pub async fn verify(
    services: &Services,
    _caller: &Caller,
    zip: Vec<u8>,
) -> Result<VerifyReport, Error> {
    let trusted = services.keyring.log_verifier();
    // Parsing and checking signatures is CPU work measured in milliseconds per file: off the
    // async threads.
    let report = tokio::task::spawn_blocking(move || {
        let bundle = Bundle::from_zip(&zip)?;
        Ok::<_, SigningError>(verifier::verify(&bundle, Some(&trusted)))
    })
    .await
    .map_err(Error::internal)?
    .map_err(|e| Error::invalid("body", phrases::NOT_A_BUNDLE.with("why", e)))?;
    let mut checks: Vec<CheckResult> = report
        .passed
        .iter()
        .map(|c| CheckResult {
            name: c.name.clone(),
            ok: true,
            detail: c.detail.clone(),
        })
        .collect();
    if let Some(failure) = &report.failure {
        checks.push(CheckResult {
            name: failure.check.clone(),
            ok: false,
            detail: failure.reason.clone(),
        });
    }
    Ok(VerifyReport {
        verified: report.is_verified(),
        trusted_log: true,
        checks,
    })
}
