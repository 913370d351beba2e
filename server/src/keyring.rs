//! The server's own secrets for signed minutes: the master key that seals private keys at
//! rest, and the log's checkpoint key.
//!
//! The master key (32 random bytes) is given by the operator (`--master-key`, hex) or kept in
//! `DATA_DIR/master-key` (created on first start, mode 0600), like the ticket secret. It never
//! goes into the database: a stolen database alone opens no seal. Organizations' SM2 seals and
//! the log's Ed25519 key are stored in the database sealed under it (AES-256-GCM, bound to
//! what they belong to), so every node of a deployment that shares the master key and the
//! database signs alike.
//!
//! This module must never log or return a secret; its `Debug` shows none.

use std::path::Path;

use anyhow::Context;

use crate::db::Db;
use crate::signing::keys::{open_at_rest, seal_at_rest};
use crate::signing::note::{LogSigner, LogVerifier};

const MASTER_KEY_FILE: &str = "master-key";

/// The context the log key is sealed under, so a sealed seal key cannot pose as it.
const LOG_KEY_CONTEXT: &str = "log-key";

/// The master key and the log's signer.
#[derive(Clone)]
pub struct Keyring {
    master: [u8; 32],
    log: std::sync::Arc<LogSigner>,
    origin: String,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl Keyring {
    /// Loads the master key and the log's key, creating either on first use. The log's origin
    /// is fixed when its key is created; `origin` is used only then.
    pub async fn load(
        given_master: Option<&str>,
        data_dir: &Path,
        origin: &str,
        db: &Db,
        now: i64,
    ) -> anyhow::Result<Keyring> {
        let master = master_key(given_master, data_dir)?;
        let fresh = LogSigner::generate_secret();
        let sealed = seal_at_rest(&master, LOG_KEY_CONTEXT, &fresh);
        let identity = db
            .log_identity_or_create(origin, &sealed, now)
            .await
            .context("reading the signed log's identity")?;
        let secret = open_at_rest(&master, LOG_KEY_CONTEXT, &identity.sealed_key).context(
            "主密钥不一致：数据库中的日志密钥无法用本节点的主密钥打开；同一部署的所有节点须使用同一主密钥 / \
             master key mismatch: the log key stored in the database does not open with this \
             node's master key; every node of a deployment needs the master key the log was \
             created with (--master-key or DATA_DIR/master-key)",
        )?;
        let secret: [u8; 32] = secret
            .try_into()
            .map_err(|_| anyhow::anyhow!("the stored log key is not 32 bytes"))?;
        if identity.origin != origin {
            tracing::info!(stored = %identity.origin, "the log keeps the origin it was created with");
        }
        Ok(Keyring {
            master,
            log: std::sync::Arc::new(LogSigner::new(&identity.origin, secret)),
            origin: identity.origin,
        })
    }

    /// The key private keys are sealed under at rest.
    pub fn master(&self) -> &[u8; 32] {
        &self.master
    }

    pub fn log_signer(&self) -> &LogSigner {
        &self.log
    }

    pub fn log_verifier(&self) -> LogVerifier {
        self.log.verifier()
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }
}

/// The master key: `given` (64 hex digits) or the one in `data_dir`, created on first use.
fn master_key(given: Option<&str>, data_dir: &Path) -> anyhow::Result<[u8; 32]> {
    let text = match given {
        Some(given) => given.trim().to_owned(),
        None => crate::secrets::read_or_create(data_dir, MASTER_KEY_FILE)?,
    };
    let bytes = hex::decode(&text)
        .ok()
        .filter(|b| b.len() == 32)
        .context("the master key must be 64 hexadecimal digits (32 bytes)")?;
    let mut key = [0u8; 32];
    key.copy_from_slice(&bytes);
    Ok(key)
}
