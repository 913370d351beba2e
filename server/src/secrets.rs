//! Secrets kept in the data directory (the ticket secret, the master key): created once with
//! mode 0600 by whichever process starts first, read by every later one, never logged.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use rand::RngCore;

/// The secret kept in `data_dir/name`: 32 random bytes in hex, written once (mode 0600) by
/// whichever process starts first, then read by every later one.
pub(crate) fn read_or_create(data_dir: &Path, name: &str) -> anyhow::Result<String> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating data directory {}", data_dir.display()))?;
    let path = data_dir.join(name);
    let mut fresh = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut fresh);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(&path) {
        Ok(mut file) => file
            .write_all(hex::encode(fresh).as_bytes())
            .with_context(|| format!("writing {}", path.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e).with_context(|| format!("creating {}", path.display())),
    }
    let secret =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    Ok(secret.trim().to_owned())
}
