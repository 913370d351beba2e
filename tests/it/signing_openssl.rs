//! The project's signatures checked by OpenSSL 3, and OpenSSL's checked by the project: the
//! promise of SIGNING.md that a bundle can be verified with nothing but OpenSSL and a short
//! script, exactly with the commands it names.
//!
//! These tests need the `openssl` command (OpenSSL 3) and fail, never skip, without it.

use std::path::{Path, PathBuf};
use std::process::Command;

use server::signing::dsse::{self, Envelope, PAYLOAD_TYPE};
use server::signing::keys::{PersonKey, PersonSigner, SealKey, SealPublicKey, SM2_ID};

/// Runs `openssl` with `args` in `dir`; returns whether it succeeded and what it printed.
pub(crate) fn openssl(dir: &Path, args: &[&str]) -> (bool, String) {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "the `openssl` command (OpenSSL 3) is needed to check the signature formats \
                 against it, and could not be run: {e}"
            )
        });
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

/// A scratch directory for OpenSSL's inputs and outputs; making one checks that the
/// `openssl` command is OpenSSL 3.
pub(crate) struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    pub(crate) fn new() -> Workdir {
        let dir = tempfile::tempdir().unwrap();
        let (ok, version) = openssl(dir.path(), &["version"]);
        assert!(
            ok && version.starts_with("OpenSSL 3"),
            "OpenSSL 3 is needed, found: {version}"
        );
        Workdir { dir }
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    pub(crate) fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    pub(crate) fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path().join(name)).unwrap()
    }

    pub(crate) fn openssl(&self, args: &[&str]) -> (bool, String) {
        openssl(self.path(), args)
    }

    /// The SIGNING.md command for a person's signature.
    pub(crate) fn verify_ed25519(&self, key: &str, msg: &str, sig: &str) -> (bool, String) {
        self.openssl(&[
            "pkeyutl", "-verify", "-rawin", "-pubin", "-inkey", key, "-in", msg, "-sigfile", sig,
        ])
    }

    /// The SIGNING.md command for an organization's seal.
    pub(crate) fn verify_sm2(&self, key: &str, msg: &str, sig: &str) -> (bool, String) {
        let distid = format!("distid:{SM2_ID}");
        self.openssl(&[
            "dgst",
            "-sm3",
            "-verify",
            key,
            "-sigopt",
            &distid,
            "-signature",
            sig,
            msg,
        ])
    }
}

/// The PAE of a real statement-like payload, with non-ASCII text.
fn sample_pae() -> Vec<u8> {
    dsse::pae(
        PAYLOAD_TYPE,
        r#"{"intent":"approve-minutes","org_id":"org-1","signer":"张三"}"#.as_bytes(),
    )
}

#[test]
fn openssl_verifies_a_persons_ed25519_signature_over_the_pae() {
    let work = Workdir::new();
    let signer = PersonSigner::generate();
    let pae = sample_pae();
    work.write("K.pem", signer.public().spki_pem());
    work.write("pae.bin", &pae);
    work.write("sig.bin", signer.sign(&pae));
    let mut changed = pae.clone();
    changed[10] ^= 1;
    work.write("changed.bin", &changed);

    let (ok, text) = work.verify_ed25519("K.pem", "pae.bin", "sig.bin");
    let (changed_ok, _) = work.verify_ed25519("K.pem", "changed.bin", "sig.bin");

    assert!(ok, "{text}");
    assert!(text.contains("Signature Verified Successfully"), "{text}");
    assert!(!changed_ok, "OpenSSL accepted a signature over other bytes");
}

#[test]
fn openssl_verifies_an_organizations_sm2_seal_over_the_pae() {
    let work = Workdir::new();
    let seal = SealKey::generate();
    let pae = sample_pae();
    work.write("K.pem", seal.public().spki_pem());
    work.write("pae.bin", &pae);
    work.write("sig.der", seal.sign(&pae));
    work.write("other.bin", b"other bytes");

    let (ok, text) = work.verify_sm2("K.pem", "pae.bin", "sig.der");
    let (other_ok, _) = work.verify_sm2("K.pem", "other.bin", "sig.der");

    assert!(ok, "{text}");
    assert!(text.contains("Verified OK"), "{text}");
    assert!(!other_ok, "OpenSSL accepted a seal over other bytes");
}

#[test]
fn both_signatures_of_an_envelope_verify_with_openssl_from_the_envelope_alone() {
    let work = Workdir::new();
    let (person, seal) = (PersonSigner::generate(), SealKey::generate());
    let payload = br#"{"step":1}"#;
    let pae = dsse::pae(PAYLOAD_TYPE, payload);
    let mut envelope = Envelope::new(PAYLOAD_TYPE, payload);
    envelope.add_signature(&person.public().key_id(), &person.sign(&pae));
    envelope.add_signature(&seal.public().key_id(), &seal.sign(&pae));
    // What a script does: parse the envelope's bytes, rebuild the PAE, decode each signature.
    let parsed = Envelope::parse(&envelope.to_bytes()).unwrap();
    work.write("pae.bin", parsed.pae().unwrap());
    work.write("person.pem", person.public().spki_pem());
    work.write("seal.pem", seal.public().spki_pem());
    let sigs = &parsed.signatures;
    work.write("person.sig", sigs[0].sig_bytes().unwrap());
    work.write("seal.sig", sigs[1].sig_bytes().unwrap());

    let (person_ok, person_text) = work.verify_ed25519("person.pem", "pae.bin", "person.sig");
    let (seal_ok, seal_text) = work.verify_sm2("seal.pem", "pae.bin", "seal.sig");

    assert!(person_ok, "{person_text}");
    assert!(seal_ok, "{seal_text}");
}

#[test]
fn an_openssl_made_ed25519_key_and_signature_are_accepted() {
    let work = Workdir::new();
    let pae = sample_pae();
    work.write("pae.bin", &pae);
    for args in [
        &["genpkey", "-algorithm", "ed25519", "-out", "sk.pem"][..],
        &["pkey", "-in", "sk.pem", "-pubout", "-out", "pk.pem"],
        &[
            "pkeyutl", "-sign", "-rawin", "-inkey", "sk.pem", "-in", "pae.bin", "-out", "sig.bin",
        ],
    ] {
        let (ok, text) = work.openssl(args);
        assert!(ok, "openssl {args:?}: {text}");
    }
    let public_pem = String::from_utf8(work.read("pk.pem")).unwrap();

    let key = PersonKey::from_spki_pem(&public_pem).unwrap();
    let signer =
        PersonSigner::from_pkcs8_pem(&String::from_utf8(work.read("sk.pem")).unwrap()).unwrap();

    key.verify(&pae, &work.read("sig.bin")).unwrap();
    assert!(key.verify(b"other", &work.read("sig.bin")).is_err());
    assert_eq!(signer.public(), key);
    assert_eq!(
        key.spki_pem(),
        public_pem,
        "our PEM is OpenSSL's byte for byte"
    );
    assert_eq!(
        signer.sign(&pae),
        work.read("sig.bin"),
        "Ed25519 is deterministic"
    );
}

#[test]
fn an_openssl_made_sm2_key_and_seal_are_accepted() {
    let work = Workdir::new();
    let pae = sample_pae();
    work.write("pae.bin", &pae);
    let distid = format!("distid:{SM2_ID}");
    for args in [
        &["genpkey", "-algorithm", "SM2", "-out", "sk.pem"][..],
        &["pkey", "-in", "sk.pem", "-pubout", "-out", "pk.pem"],
        // `pkey -outform DER` would write the SEC1 form; PKCS#8 is what the server stores.
        &[
            "pkcs8", "-topk8", "-nocrypt", "-in", "sk.pem", "-outform", "DER", "-out", "sk.der",
        ],
        &[
            "dgst", "-sm3", "-sign", "sk.pem", "-sigopt", &distid, "-out", "sig.der", "pae.bin",
        ],
    ] {
        let (ok, text) = work.openssl(args);
        assert!(ok, "openssl {args:?}: {text}");
    }
    let public_pem = String::from_utf8(work.read("pk.pem")).unwrap();

    let key = SealPublicKey::from_spki_pem(&public_pem).unwrap();
    let seal = SealKey::from_pkcs8_der(&work.read("sk.der")).unwrap();

    key.verify(&pae, &work.read("sig.der")).unwrap();
    assert!(key.verify(b"other", &work.read("sig.der")).is_err());
    assert_eq!(seal.public(), key);
    assert_eq!(
        key.spki_pem(),
        public_pem,
        "our PEM is OpenSSL's byte for byte"
    );
}

#[test]
fn openssl_reads_the_private_keys_we_write_as_the_same_keys() {
    let work = Workdir::new();
    let person = PersonSigner::generate();
    let seal = SealKey::generate();
    work.write("person.pem", person.to_pkcs8_pem());
    work.write("seal.der", seal.to_pkcs8_der());

    let (person_ok, person_pub) = work.openssl(&["pkey", "-in", "person.pem", "-pubout"]);
    let (seal_ok, seal_pub) =
        work.openssl(&["pkey", "-inform", "DER", "-in", "seal.der", "-pubout"]);

    assert!(person_ok, "{person_pub}");
    assert_eq!(person_pub, person.public().spki_pem());
    assert!(seal_ok, "{seal_pub}");
    assert_eq!(seal_pub, seal.public().spki_pem());
}
