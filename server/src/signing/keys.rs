//! The keys that sign minutes: a person's Ed25519 key, an organization's SM2 seal, and the
//! sealing of organization keys at rest.
//!
//! Every public key travels as a SubjectPublicKeyInfo (SPKI, DER or PEM), the form OpenSSL
//! reads, and is named by its key id (the first 16 bytes of SHA-256 of the SPKI DER, in hex).
//! A person's private key never reaches the server (it lives in the browser or the person's
//! own client); [`PersonSigner`] exists for the command line and for tests. An organization's
//! seal key is kept by the server, encrypted under the server's master key ([`seal_at_rest`]).
//!
//! The seal is SM2 with SM3 (GB/T 32918, GB/T 32905) with the default distinguishing id of
//! GB/T 35276, signatures DER-encoded (r, s): exactly what
//! `openssl dgst -sm3 -sigopt distid:1234567812345678` makes and checks.
//!
//! This module never writes a private key anywhere, never logs one, and never accepts a
//! signature under a key of another algorithm than the one the type names.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sm2::dsa::signature::{Signer as _, Verifier as _};

use super::SigningError;

/// Key id: lowercase hex of the first 16 bytes of SHA-256(SPKI DER).
pub fn key_id(spki_der: &[u8]) -> String {
    hex::encode(&Sha256::digest(spki_der)[..16])
}

/// A person's public Ed25519 key (RFC 8032), as enrolled and bound to the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonKey {
    key: ed25519_dalek::VerifyingKey,
}

impl PersonKey {
    /// Reads an Ed25519 SPKI (DER). Refuses other algorithms and weak (small-order) keys,
    /// under which a signature would prove nothing.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, SigningError> {
        let key = ed25519_dalek::VerifyingKey::from_public_key_der(der)
            .map_err(|e| SigningError::BadKey(format!("not an Ed25519 public key ({e})")))?;
        Self::checked(key)
    }

    /// Reads an Ed25519 SPKI in PEM (`-----BEGIN PUBLIC KEY-----`).
    pub fn from_spki_pem(pem: &str) -> Result<Self, SigningError> {
        let key = ed25519_dalek::VerifyingKey::from_public_key_pem(pem)
            .map_err(|e| SigningError::BadKey(format!("not an Ed25519 public key ({e})")))?;
        Self::checked(key)
    }

    fn checked(key: ed25519_dalek::VerifyingKey) -> Result<Self, SigningError> {
        if key.is_weak() {
            return Err(SigningError::BadKey(
                "the Ed25519 key is of small order and would accept forged signatures".into(),
            ));
        }
        Ok(PersonKey { key })
    }

    pub fn spki_der(&self) -> Vec<u8> {
        self.key
            .to_public_key_der()
            .expect("an Ed25519 key always encodes")
            .into_vec()
    }

    /// The canonical PEM: 64-column base64, LF line ends, a final LF.
    pub fn spki_pem(&self) -> String {
        self.key
            .to_public_key_pem(LineEnding::LF)
            .expect("an Ed25519 key always encodes")
    }

    pub fn key_id(&self) -> String {
        key_id(&self.spki_der())
    }

    /// Checks an Ed25519 signature (64 bytes) over `msg` strictly: non-canonical signatures
    /// and small-order components are refused, so a signature has one form only.
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> Result<(), SigningError> {
        let sig = ed25519_dalek::Signature::from_slice(sig).map_err(|_| {
            SigningError::BadSignature(format!(
                "an Ed25519 signature is 64 bytes, this one is {}",
                sig.len()
            ))
        })?;
        self.key.verify_strict(msg, &sig).map_err(|_| {
            SigningError::BadSignature(format!(
                "the Ed25519 signature does not match key {}",
                self.key_id()
            ))
        })
    }
}

/// A person's private key for the CLI and tests (PKCS#8 PEM file).
pub struct PersonSigner {
    key: ed25519_dalek::SigningKey,
}

impl PersonSigner {
    /// A new key from the operating system's random source.
    pub fn generate() -> Self {
        let mut seed = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut seed);
        PersonSigner {
            key: ed25519_dalek::SigningKey::from_bytes(&seed),
        }
    }

    /// Reads a PKCS#8 private key PEM (`-----BEGIN PRIVATE KEY-----`), as written by
    /// `openssl genpkey -algorithm ed25519` or by [`PersonSigner::to_pkcs8_pem`].
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, SigningError> {
        let key = ed25519_dalek::SigningKey::from_pkcs8_pem(pem)
            .map_err(|e| SigningError::BadKey(format!("not an Ed25519 private key ({e})")))?;
        Ok(PersonSigner { key })
    }

    /// PKCS#8 v1 PEM (RFC 8410, the form OpenSSL writes), LF line ends.
    pub fn to_pkcs8_pem(&self) -> String {
        let keypair = ed25519_dalek::pkcs8::KeypairBytes {
            secret_key: self.key.to_bytes(),
            public_key: None,
        };
        keypair
            .to_pkcs8_pem(LineEnding::LF)
            .expect("an Ed25519 key always encodes")
            .to_string()
    }

    pub fn public(&self) -> PersonKey {
        PersonKey {
            key: self.key.verifying_key(),
        }
    }

    /// The Ed25519 signature (64 bytes) of `msg`; deterministic (RFC 8032).
    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        use ed25519_dalek::Signer as _;
        self.key.sign(msg).to_bytes().to_vec()
    }
}

impl std::fmt::Debug for PersonSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PersonSigner")
            .field("key_id", &self.public().key_id())
            .finish_non_exhaustive()
    }
}

/// An organization's SM2 seal (SM3 digest, distinguishing id 1234567812345678, DER (r,s)).
pub const SM2_ID: &str = "1234567812345678";

/// An organization's private SM2 seal key. The server holds it only sealed at rest
/// ([`seal_at_rest`] of [`SealKey::to_pkcs8_der`]).
pub struct SealKey {
    secret: sm2::SecretKey,
    signing: sm2::dsa::SigningKey,
}

impl SealKey {
    /// A new key from the operating system's random source.
    pub fn generate() -> Self {
        loop {
            let mut bytes = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            // Fails only for zero or a value at least the group order: about 2^-32 of draws.
            if let Ok(secret) = sm2::SecretKey::from_slice(&bytes) {
                return Self::from_secret(secret).expect("a valid SM2 secret always signs");
            }
        }
    }

    fn from_secret(secret: sm2::SecretKey) -> Result<Self, SigningError> {
        let signing = sm2::dsa::SigningKey::new(SM2_ID, &secret)
            .map_err(|_| SigningError::BadKey("the SM2 private key is not usable".into()))?;
        Ok(SealKey { secret, signing })
    }

    /// PKCS#8 DER (`id-ecPublicKey` with the SM2 curve), the form `openssl genpkey
    /// -algorithm SM2` writes.
    pub fn to_pkcs8_der(&self) -> Vec<u8> {
        use sm2::pkcs8::EncodePrivateKey as _;
        self.secret
            .to_pkcs8_der()
            .expect("an SM2 key always encodes")
            .as_bytes()
            .to_vec()
    }

    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, SigningError> {
        use sm2::pkcs8::DecodePrivateKey as _;
        let secret = sm2::SecretKey::from_pkcs8_der(der)
            .map_err(|e| SigningError::BadKey(format!("not an SM2 private key ({e})")))?;
        Self::from_secret(secret)
    }

    pub fn public(&self) -> SealPublicKey {
        SealPublicKey {
            key: self.secret.public_key(),
        }
    }

    /// The SM2 signature of `msg` (SM3 over Z_A || msg), DER-encoded (r, s). Deterministic
    /// (the nonce is derived from the key and the message), so a retry gives the same bytes.
    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        let sig: sm2::dsa::Signature = self.signing.sign(msg);
        sig.to_der().as_bytes().to_vec()
    }
}

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealKey")
            .field("key_id", &self.public().key_id())
            .finish_non_exhaustive()
    }
}

/// An organization's public SM2 seal key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealPublicKey {
    key: sm2::PublicKey,
}

impl SealPublicKey {
    /// Reads an SM2 SPKI (DER): `id-ecPublicKey` with the SM2 curve `1.2.156.10197.1.301`.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, SigningError> {
        use sm2::pkcs8::DecodePublicKey as _;
        let key = sm2::PublicKey::from_public_key_der(der)
            .map_err(|e| SigningError::BadKey(format!("not an SM2 public key ({e})")))?;
        Ok(SealPublicKey { key })
    }

    pub fn from_spki_pem(pem: &str) -> Result<Self, SigningError> {
        use sm2::pkcs8::DecodePublicKey as _;
        let key = sm2::PublicKey::from_public_key_pem(pem)
            .map_err(|e| SigningError::BadKey(format!("not an SM2 public key ({e})")))?;
        Ok(SealPublicKey { key })
    }

    pub fn spki_der(&self) -> Vec<u8> {
        use sm2::pkcs8::EncodePublicKey as _;
        self.key
            .to_public_key_der()
            .expect("an SM2 key always encodes")
            .into_vec()
    }

    /// The canonical PEM: 64-column base64, LF line ends, a final LF.
    pub fn spki_pem(&self) -> String {
        use sm2::pkcs8::EncodePublicKey as _;
        self.key
            .to_public_key_pem(sm2::pkcs8::LineEnding::LF)
            .expect("an SM2 key always encodes")
    }

    pub fn key_id(&self) -> String {
        key_id(&self.spki_der())
    }

    /// Checks a DER-encoded SM2 signature over `msg` with the default distinguishing id.
    pub fn verify(&self, msg: &[u8], der_sig: &[u8]) -> Result<(), SigningError> {
        let sig = sm2::dsa::Signature::from_der(der_sig).map_err(|_| {
            SigningError::BadSignature("the SM2 signature is not a DER (r, s) pair".into())
        })?;
        // Only the canonical DER of (r, s) is accepted, so a seal has one byte form.
        if sig.to_der().as_bytes() != der_sig {
            return Err(SigningError::BadSignature(
                "the SM2 signature is not in canonical DER".into(),
            ));
        }
        let verifying = sm2::dsa::VerifyingKey::new(SM2_ID, self.key)
            .map_err(|_| SigningError::BadKey("the SM2 public key is not usable".into()))?;
        verifying.verify(msg, &sig).map_err(|_| {
            SigningError::BadSignature(format!("the SM2 seal does not match key {}", self.key_id()))
        })
    }
}

/// AES-256-GCM under the server's 32-byte master key; output = nonce(12) || ciphertext.
/// `context` is bound as associated data (e.g. "seal:<org_id>") so a row cannot be swapped.
///
/// The nonce is random: a master key may seal about 2^32 values before a nonce repeats with
/// any real chance, far beyond the number of organizations.
pub fn seal_at_rest(master: &[u8; 32], context: &str, plaintext: &[u8]) -> Vec<u8> {
    let cipher = Aes256Gcm::new(&(*master).into());
    let mut nonce = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let ciphertext = cipher
        .encrypt(
            &Nonce::from(nonce),
            Payload {
                msg: plaintext,
                aad: context.as_bytes(),
            },
        )
        .expect("AES-GCM encrypts any message shorter than 64 GiB");
    let mut out = Vec::with_capacity(12 + ciphertext.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    out
}

/// Opens what [`seal_at_rest`] sealed under the same master key and context.
pub fn open_at_rest(
    master: &[u8; 32],
    context: &str,
    sealed: &[u8],
) -> Result<Vec<u8>, SigningError> {
    if sealed.len() < 12 + 16 {
        return Err(SigningError::SealedKey);
    }
    let (nonce, ciphertext) = sealed.split_at(12);
    let nonce: [u8; 12] = nonce.try_into().expect("split at 12");
    let cipher = Aes256Gcm::new(&(*master).into());
    cipher
        .decrypt(
            &Nonce::from(nonce),
            Payload {
                msg: ciphertext,
                aad: context.as_bytes(),
            },
        )
        .map_err(|_| SigningError::SealedKey)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_signature_verifies_and_a_changed_message_does_not() {
        let signer = PersonSigner::generate();
        let sig = signer.sign(b"minutes");
        signer.public().verify(b"minutes", &sig).unwrap();
        assert!(signer.public().verify(b"minutes!", &sig).is_err());
        assert!(signer.public().verify(b"minutes", &sig[..63]).is_err());
    }

    #[test]
    fn person_keys_round_trip_through_spki_and_pkcs8() {
        let signer = PersonSigner::generate();
        let public = signer.public();
        assert_eq!(
            PersonKey::from_spki_der(&public.spki_der()).unwrap(),
            public
        );
        assert_eq!(
            PersonKey::from_spki_pem(&public.spki_pem()).unwrap(),
            public
        );
        let again = PersonSigner::from_pkcs8_pem(&signer.to_pkcs8_pem()).unwrap();
        assert_eq!(again.public(), public);
        assert!(public
            .spki_pem()
            .starts_with("-----BEGIN PUBLIC KEY-----\n"));
        assert_eq!(public.key_id().len(), 32);
        assert_eq!(public.key_id(), key_id(&public.spki_der()));
    }

    /// RFC 8410 §10.1: the example Ed25519 SPKI.
    #[test]
    fn the_rfc_8410_example_public_key_is_read() {
        let pem = "-----BEGIN PUBLIC KEY-----\n\
                   MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n\
                   -----END PUBLIC KEY-----\n";
        let key = PersonKey::from_spki_pem(pem).unwrap();
        assert_eq!(key.spki_pem(), pem);
    }

    #[test]
    fn a_seal_verifies_and_a_changed_message_does_not() {
        let seal = SealKey::generate();
        let sig = seal.sign(b"minutes");
        seal.public().verify(b"minutes", &sig).unwrap();
        assert!(seal.public().verify(b"minutes?", &sig).is_err());
        assert_eq!(seal.sign(b"minutes"), sig, "SM2 signing is deterministic");
    }

    #[test]
    fn seal_keys_round_trip_through_spki_and_pkcs8() {
        let seal = SealKey::generate();
        let public = seal.public();
        assert_eq!(
            SealPublicKey::from_spki_der(&public.spki_der()).unwrap(),
            public
        );
        assert_eq!(
            SealPublicKey::from_spki_pem(&public.spki_pem()).unwrap(),
            public
        );
        let again = SealKey::from_pkcs8_der(&seal.to_pkcs8_der()).unwrap();
        assert_eq!(again.public(), public);
    }

    #[test]
    fn a_key_of_one_kind_is_refused_as_the_other() {
        let person = PersonSigner::generate().public();
        let seal = SealKey::generate().public();
        assert!(SealPublicKey::from_spki_der(&person.spki_der()).is_err());
        assert!(PersonKey::from_spki_der(&seal.spki_der()).is_err());
    }

    #[test]
    fn sealed_keys_open_only_with_the_same_master_key_and_context() {
        let master = [7u8; 32];
        let sealed = seal_at_rest(&master, "seal:org-1", b"secret key");
        assert_eq!(
            open_at_rest(&master, "seal:org-1", &sealed).unwrap(),
            b"secret key"
        );
        assert!(open_at_rest(&master, "seal:org-2", &sealed).is_err());
        assert!(open_at_rest(&[8u8; 32], "seal:org-1", &sealed).is_err());
        let mut damaged = sealed.clone();
        damaged[20] ^= 1;
        assert!(open_at_rest(&master, "seal:org-1", &damaged).is_err());
        assert!(open_at_rest(&master, "seal:org-1", &sealed[..10]).is_err());
        assert_ne!(
            seal_at_rest(&master, "seal:org-1", b"secret key"),
            sealed,
            "every sealing draws a fresh nonce"
        );
    }
}
