//! The signed log, read: its newest checkpoint and the proofs that let anyone check that an
//! artefact is in it and that it only ever grew (RFC 9162 inclusion and consistency proofs).
//!
//! The tree is computed from the stored leaf hashes when asked; a checkpoint is signed on
//! the spot (Ed25519 is deterministic, so the same size always gives the same note). The
//! leaves themselves are not served here: they name meetings and people, and reach a reader
//! only inside a bundle of minutes they may see. Proofs hold hashes only.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::Serialize;

use super::Error;
use crate::auth::Caller;
use crate::services::Services;
use crate::signing::merkle;
use crate::signing::note::Checkpoint;

/// The newest tree head as a C2SP signed note, and its size.
pub async fn checkpoint(services: &Services, _caller: &Caller) -> Result<(u64, String), Error> {
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

/// A proof, hashes in base64 as in `tlog-proof` files.
#[derive(Debug, Serialize)]
pub struct Proof {
    pub size: u64,
    pub root: String,
    pub hashes: Vec<String>,
    /// The signed checkpoint of `size`, so the proof's root can be checked against the key.
    pub checkpoint: String,
}

/// The leaf hashes of a tree of `size`, or a 400 naming the log's size.
async fn tree(services: &Services, size: u64) -> Result<Vec<merkle::Hash>, Error> {
    let leaves = services.db.log_leaf_hashes(Some(size as i64)).await?;
    if (leaves.len() as u64) < size {
        return Err(Error::invalid(
            "size",
            format!(
                "the log has {} leaves; size {size} lies beyond it",
                leaves.len()
            ),
        ));
    }
    Ok(leaves)
}

fn proof(services: &Services, leaves: &[merkle::Hash], hashes: Vec<merkle::Hash>) -> Proof {
    Proof {
        size: leaves.len() as u64,
        root: B64.encode(merkle::root(leaves)),
        hashes: hashes.iter().map(|h| B64.encode(h)).collect(),
        checkpoint: sign(services, leaves),
    }
}

/// The inclusion proof of leaf `index` in the tree of `size` leaves.
pub async fn inclusion(
    services: &Services,
    _caller: &Caller,
    index: u64,
    size: u64,
) -> Result<Proof, Error> {
    if index >= size {
        return Err(Error::invalid(
            "index",
            "index must be smaller than size: a leaf lies inside the tree it is proved in",
        ));
    }
    let leaves = tree(services, size).await?;
    let hashes = merkle::inclusion_proof(index, &leaves);
    Ok(proof(services, &leaves, hashes))
}

/// The consistency proof between the trees of `old` and `new` leaves.
pub async fn consistency(
    services: &Services,
    _caller: &Caller,
    old: u64,
    new: u64,
) -> Result<Proof, Error> {
    if old == 0 || old > new {
        return Err(Error::invalid(
            "old",
            "old must be at least 1 and at most new: a tree is consistent with its own past",
        ));
    }
    let leaves = tree(services, new).await?;
    let hashes = merkle::consistency_proof(old, &leaves);
    Ok(proof(services, &leaves, hashes))
}
