//! The log's signed tree heads and proofs, in the C2SP text formats: `tlog-checkpoint`
//! (origin, size, root), `signed-note` (the checkpoint signed with the log's Ed25519 key) and
//! `tlog-proof` (an entry's index, its inclusion path and the signed checkpoint).
//!
//! Written by hand: the formats are a few lines each, and the `signed_note` / `tlog_tiles`
//! crates would bring older copies of `base64` and `thiserror` and a tiles layer we do not
//! use. The code is checked against the Go reference vector (`PeterNeumann`), so any C2SP
//! tool reads what it writes.
//!
//! This module never trusts a note it has not verified with a key the caller chose, and
//! reads proofs strictly: a proof must re-format to exactly the bytes it was read from.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ed25519_dalek::Verifier as _;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::merkle::Hash;
use super::SigningError;

/// The signature type byte of an Ed25519 signed-note key.
const ALG_ED25519: u8 = 0x01;

/// The first line of every `tlog-proof`.
const PROOF_HEADER: &str = "c2sp.org/tlog-proof@v1";

/// The em dash and space that open a signature line.
const SIGNATURE_PREFIX: &str = "\u{2014} ";

/// True when `name` can name a log and its key: non-empty, no Unicode space, no `+`, no
/// control character. The server checks its configured origin with this at start-up.
pub fn is_valid_origin(name: &str) -> bool {
    !name.is_empty()
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c == '+' || c.is_control())
}

/// C2SP tlog-checkpoint body: "origin\nsize\nbase64(root)\n".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's identity, also the name of its key.
    pub origin: String,
    /// The number of entries in the tree.
    pub size: u64,
    /// The RFC 6962 root of the tree of `size` entries.
    pub root: Hash,
}

impl Checkpoint {
    /// The note text: three lines, each ending in a newline.
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            STANDARD.encode(self.root)
        )
    }

    /// Reads a checkpoint body. Only the three lines this log writes are accepted (no
    /// extension lines), each in its one spelling.
    pub fn parse_body(text: &str) -> Result<Checkpoint, SigningError> {
        let bad = |why: &str| SigningError::malformed("the checkpoint", why);
        let Some(lines) = text.strip_suffix('\n') else {
            return Err(bad("it does not end with a newline"));
        };
        let lines: Vec<&str> = lines.split('\n').collect();
        let [origin, size, root] = lines[..] else {
            return Err(bad("it is not exactly three lines (origin, size, root)"));
        };
        if !is_valid_origin(origin) {
            return Err(bad("its origin line is not a valid log name"));
        }
        let size: u64 = size
            .parse()
            .ok()
            .filter(|n: &u64| n.to_string() == size)
            .ok_or_else(|| bad("its size line is not a decimal number"))?;
        let root: Hash = STANDARD
            .decode(root)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| bad("its root line is not a base64 SHA-256 hash"))?;
        let checkpoint = Checkpoint {
            origin: origin.to_string(),
            size,
            root,
        };
        if checkpoint.body() != text {
            return Err(SigningError::not_canonical("the checkpoint"));
        }
        Ok(checkpoint)
    }
}

/// The log's signing key: it signs checkpoints under the log's origin as key name.
pub struct LogSigner {
    origin: String,
    key: ed25519_dalek::SigningKey,
}

impl LogSigner {
    /// The log `origin` with its Ed25519 key `secret` (the 32-byte seed).
    ///
    /// # Panics
    ///
    /// When `origin` is not a valid name ([`is_valid_origin`]): a configuration error the
    /// server reports at start-up, before anything is signed.
    pub fn new(origin: &str, secret: [u8; 32]) -> Self {
        assert!(
            is_valid_origin(origin),
            "the log origin {origin:?} must be non-empty without spaces or '+'"
        );
        LogSigner {
            origin: origin.to_string(),
            key: ed25519_dalek::SigningKey::from_bytes(&secret),
        }
    }

    /// A new 32-byte seed from the operating system's random source.
    pub fn generate_secret() -> [u8; 32] {
        let mut secret = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut secret);
        secret
    }

    pub fn verifier(&self) -> LogVerifier {
        LogVerifier {
            origin: self.origin.clone(),
            public_key: self.key.verifying_key().to_bytes(),
        }
    }

    /// The C2SP signed-note text of the checkpoint (deterministic: Ed25519).
    pub fn sign(&self, checkpoint: &Checkpoint) -> String {
        sign_text(&self.origin, &self.key, &checkpoint.body())
    }
}

impl std::fmt::Debug for LogSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogSigner")
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

fn sign_text(name: &str, key: &ed25519_dalek::SigningKey, text: &str) -> String {
    use ed25519_dalek::Signer as _;
    let signature = key.sign(text.as_bytes());
    let id = note_key_id(name, &key.verifying_key().to_bytes());
    let mut blob = id.to_vec();
    blob.extend_from_slice(&signature.to_bytes());
    format!(
        "{text}\n{SIGNATURE_PREFIX}{name} {}\n",
        STANDARD.encode(blob)
    )
}

/// `SHA-256(name || 0x0A || 0x01 || public key)[:4]`.
fn note_key_id(name: &str, public_key: &[u8; 32]) -> [u8; 4] {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update([0x0A, ALG_ED25519]);
    hasher.update(public_key);
    let digest = hasher.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

/// The log's public key, as a verifier trusts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogVerifier {
    pub origin: String,
    pub public_key: [u8; 32],
}

impl LogVerifier {
    /// The signed-note key id: first 4 bytes of `SHA-256(name || 0x0A || 0x01 || key)`.
    pub fn key_id(&self) -> [u8; 4] {
        note_key_id(&self.origin, &self.public_key)
    }

    /// The C2SP vkey string "<name>+<hex keyid>+<base64(0x01||pubkey)>".
    pub fn vkey(&self) -> String {
        let mut key = vec![ALG_ED25519];
        key.extend_from_slice(&self.public_key);
        format!(
            "{}+{}+{}",
            self.origin,
            hex::encode(self.key_id()),
            STANDARD.encode(key)
        )
    }

    /// Reads a vkey string, checking that its key id matches its name and key.
    pub fn from_vkey(vkey: &str) -> Result<Self, SigningError> {
        let bad = |why: &str| SigningError::BadKey(format!("the log key {vkey:?} {why}"));
        // The base64 key may itself contain '+', so only the first two split.
        let mut parts = vkey.splitn(3, '+');
        let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad("is not of the form name+keyid+key"));
        };
        if !is_valid_origin(name) {
            return Err(bad("has an invalid name"));
        }
        let key = STANDARD
            .decode(key)
            .map_err(|_| bad("has a key that is not base64"))?;
        let [ALG_ED25519, rest @ ..] = &key[..] else {
            return Err(bad("is not an Ed25519 key"));
        };
        let public_key: [u8; 32] = rest
            .try_into()
            .map_err(|_| bad("has an Ed25519 key that is not 32 bytes"))?;
        ed25519_dalek::VerifyingKey::from_bytes(&public_key)
            .map_err(|_| bad("has an Ed25519 key that is not a curve point"))?;
        let verifier = LogVerifier {
            origin: name.to_string(),
            public_key,
        };
        if id.len() != 8 || hex::encode(verifier.key_id()) != id {
            return Err(bad("has a key id that does not match its name and key"));
        }
        if verifier.vkey() != vkey {
            return Err(bad("is not written in its canonical form"));
        }
        Ok(verifier)
    }

    /// Verifies a signed note with this key and reads its checkpoint, which must carry this
    /// log's origin. Signatures by other keys (witnesses) are ignored; the first signature
    /// by this key decides, as in the Go reference.
    pub fn verify(&self, note: &str) -> Result<Checkpoint, SigningError> {
        let text = self.open(note)?;
        let checkpoint = Checkpoint::parse_body(text)?;
        if checkpoint.origin != self.origin {
            return Err(SigningError::BadSignature(format!(
                "the checkpoint is of log {:?}, not of the trusted log {:?}",
                checkpoint.origin, self.origin
            )));
        }
        Ok(checkpoint)
    }

    /// Checks the note's signature and returns its text (with its final newline).
    fn open<'n>(&self, note: &'n str) -> Result<&'n str, SigningError> {
        let bad = |why: &str| SigningError::malformed("the signed checkpoint", why);
        if note.chars().any(|c| c.is_control() && c != '\n') {
            return Err(bad("it contains control characters"));
        }
        let Some(split) = note.rfind("\n\n") else {
            return Err(bad("it has no blank line before its signatures"));
        };
        let (text, signatures) = (&note[..split + 1], &note[split + 2..]);
        let Some(signatures) = signatures.strip_suffix('\n') else {
            return Err(bad("it does not end with a newline"));
        };
        let public = ed25519_dalek::VerifyingKey::from_bytes(&self.public_key)
            .map_err(|_| SigningError::BadKey("the trusted log key is not a curve point".into()))?;
        let want_id = self.key_id();
        let mut lines = 0;
        for line in signatures.split('\n') {
            lines += 1;
            if lines > 100 {
                return Err(bad("it has more than 100 signatures"));
            }
            let Some(rest) = line.strip_prefix(SIGNATURE_PREFIX) else {
                return Err(bad("a signature line does not start with an em dash"));
            };
            let Some((name, blob)) = rest.split_once(' ') else {
                return Err(bad("a signature line has no signature"));
            };
            let blob = STANDARD
                .decode(blob)
                .map_err(|_| bad("a signature is not base64"))?;
            if !is_valid_origin(name) || blob.len() < 5 {
                return Err(bad("a signature line is malformed"));
            }
            if name != self.origin || blob[..4] != want_id {
                continue;
            }
            let signature = ed25519_dalek::Signature::from_slice(&blob[4..]).map_err(|_| {
                SigningError::BadSignature("the log's signature is not 64 bytes".into())
            })?;
            return public
                .verify(text.as_bytes(), &signature)
                .map(|()| text)
                .map_err(|_| {
                    SigningError::BadSignature(
                        "the checkpoint's signature does not match the trusted log key".into(),
                    )
                });
        }
        Err(SigningError::BadSignature(format!(
            "the checkpoint is not signed by the trusted log key {}",
            self.vkey()
        )))
    }
}

/// c2sp.org/tlog-proof@v1 text: "c2sp.org/tlog-proof@v1\nindex N\n<base64 hash>\n…\n\n<signed checkpoint note>".
pub fn format_proof(index: u64, proof: &[Hash], signed_checkpoint: &str) -> String {
    let mut out = format!("{PROOF_HEADER}\nindex {index}\n");
    for hash in proof {
        out.push_str(&STANDARD.encode(hash));
        out.push('\n');
    }
    out.push('\n');
    out.push_str(signed_checkpoint);
    out
}

/// A parsed `tlog-proof`: where an entry is, its inclusion path, and the signed checkpoint
/// (not yet verified) it leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlogProof {
    pub index: u64,
    pub hashes: Vec<Hash>,
    pub checkpoint_note: String,
}

/// Reads a `tlog-proof`; exact: re-format must equal input. Proofs with `extra` data are
/// refused (this log writes none).
pub fn parse_proof(text: &str) -> Result<TlogProof, SigningError> {
    let bad = |why: &str| SigningError::malformed("the log proof", why);
    let Some(rest) = text
        .strip_prefix(PROOF_HEADER)
        .and_then(|rest| rest.strip_prefix('\n'))
    else {
        return Err(bad("it does not start with c2sp.org/tlog-proof@v1"));
    };
    let Some((index_line, mut rest)) = rest.split_once('\n') else {
        return Err(bad("it has no index line"));
    };
    let index: u64 = index_line
        .strip_prefix("index ")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| bad("its second line is not `index N`"))?;
    let mut hashes = Vec::new();
    loop {
        let Some((line, after)) = rest.split_once('\n') else {
            return Err(bad("it has no blank line before the checkpoint"));
        };
        rest = after;
        if line.is_empty() {
            break;
        }
        let hash: Hash = STANDARD
            .decode(line)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| bad("a proof line is not a base64 SHA-256 hash"))?;
        hashes.push(hash);
    }
    if rest.is_empty() {
        return Err(bad("it has no checkpoint"));
    }
    let proof = TlogProof {
        index,
        hashes,
        checkpoint_note: rest.to_string(),
    };
    if format_proof(proof.index, &proof.hashes, &proof.checkpoint_note) != text {
        return Err(SigningError::not_canonical("the log proof"));
    }
    Ok(proof)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::merkle;

    /// The reference vector of golang.org/x/mod/sumdb/note.
    const PETER_SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const PETER_TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                              then you don't know what your problem is.\n";
    const PETER_SIG: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    fn peter_seed() -> [u8; 32] {
        // The base64 key itself contains a '+': split off the four fields before it.
        let b64 = PETER_SKEY.splitn(5, '+').nth(4).unwrap();
        let bytes = STANDARD.decode(b64).unwrap();
        assert_eq!(bytes[0], ALG_ED25519);
        bytes[1..].try_into().unwrap()
    }

    #[test]
    fn signing_and_key_ids_match_the_go_reference_vector() {
        let key = ed25519_dalek::SigningKey::from_bytes(&peter_seed());
        let note = sign_text("PeterNeumann", &key, PETER_TEXT);
        assert_eq!(note, format!("{PETER_TEXT}\n{PETER_SIG}"));
        let verifier = LogVerifier {
            origin: "PeterNeumann".into(),
            public_key: key.verifying_key().to_bytes(),
        };
        assert_eq!(verifier.vkey(), PETER_VKEY);
        assert_eq!(hex::encode(verifier.key_id()), "c74f20a3");
        assert_eq!(LogVerifier::from_vkey(PETER_VKEY).unwrap(), verifier);
        assert_eq!(verifier.open(&note).unwrap(), PETER_TEXT);
    }

    fn signer() -> LogSigner {
        LogSigner::new("log.example.gov.cn/concord", [9u8; 32])
    }

    fn checkpoint() -> Checkpoint {
        Checkpoint {
            origin: "log.example.gov.cn/concord".into(),
            size: 3,
            root: merkle::leaf_hash(b"root"),
        }
    }

    #[test]
    fn a_signed_checkpoint_verifies_and_returns_its_checkpoint() {
        let note = signer().sign(&checkpoint());
        assert_eq!(signer().verifier().verify(&note).unwrap(), checkpoint());
        let vkey = signer().verifier().vkey();
        assert_eq!(LogVerifier::from_vkey(&vkey).unwrap(), signer().verifier());
    }

    #[test]
    fn a_changed_note_or_another_key_fails() {
        let note = signer().sign(&checkpoint());
        let changed = note.replacen("\n3\n", "\n4\n", 1);
        assert!(signer().verifier().verify(&changed).is_err());
        let other = LogSigner::new("log.example.gov.cn/concord", [8u8; 32]);
        assert!(other.verifier().verify(&note).is_err());
        let elsewhere = LogSigner::new("another.log", [9u8; 32]);
        assert!(elsewhere.verifier().verify(&note).is_err());
        assert!(signer().verifier().verify(&checkpoint().body()).is_err());
    }

    #[test]
    fn witness_signatures_by_other_keys_are_ignored() {
        let note = signer().sign(&checkpoint());
        let witness = sign_text(
            "witness.example",
            &ed25519_dalek::SigningKey::from_bytes(&[1u8; 32]),
            &checkpoint().body(),
        );
        let witness_line = witness.rsplit_once("\n\n").unwrap().1;
        let cosigned = format!("{note}{witness_line}");
        assert_eq!(signer().verifier().verify(&cosigned).unwrap(), checkpoint());
    }

    #[test]
    fn malformed_vkeys_are_refused() {
        for bad in [
            "",
            "PeterNeumann",
            "PeterNeumann+c74f20a3",
            "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumanN+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumann+c74f20a3+Apc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        ] {
            assert!(LogVerifier::from_vkey(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn checkpoint_bodies_are_read_strictly() {
        let body = checkpoint().body();
        assert_eq!(Checkpoint::parse_body(&body).unwrap(), checkpoint());
        let root_line = STANDARD.encode(checkpoint().root);
        for bad in [
            body.trim_end().to_string(),
            format!("{body}extension\n"),
            format!("log.example.gov.cn/concord\n03\n{root_line}\n"),
            format!("log.example.gov.cn/concord\n+3\n{root_line}\n"),
            "log.example.gov.cn/concord\n3\nAAAA\n".to_string(),
            format!("bad origin\n3\n{root_line}\n"),
        ] {
            assert!(Checkpoint::parse_body(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_tlog_proof_round_trips_exactly() {
        let note = signer().sign(&checkpoint());
        let hashes = vec![merkle::leaf_hash(b"a"), merkle::leaf_hash(b"b")];
        let text = format_proof(2, &hashes, &note);
        assert!(text.starts_with("c2sp.org/tlog-proof@v1\nindex 2\n"));
        let proof = parse_proof(&text).unwrap();
        assert_eq!(
            proof,
            TlogProof {
                index: 2,
                hashes,
                checkpoint_note: note.clone()
            }
        );
        let empty = format_proof(0, &[], &note);
        assert_eq!(parse_proof(&empty).unwrap().hashes, Vec::<Hash>::new());
    }

    #[test]
    fn a_tlog_proof_in_another_spelling_is_refused() {
        let note = signer().sign(&checkpoint());
        let text = format_proof(2, &[merkle::leaf_hash(b"a")], &note);
        for bad in [
            text.replacen("index 2", "index 02", 1),
            text.replacen("index 2", "index  2", 1),
            text.replacen("@v1\n", "@v1\nextra AAAA\n", 1),
            text.replacen("@v1", "@v2", 1),
            text.replacen("=\n\n", "=\n", 1),
            format_proof(2, &[], ""),
        ] {
            assert!(parse_proof(&bad).is_err(), "{bad:?}");
        }
    }
}
