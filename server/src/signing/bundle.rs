//! The archive bundle: every file a verifier needs, as a map of paths to exact bytes, stored
//! as a directory or as a .zip holding the same files.
//!
//! The layout (which paths exist and what each holds) is specified in `docs/bundle.md` and
//! checked by [`super::verify`]; this module only moves bytes. The zip is deterministic (files in
//! path order, the 1980-01-01 timestamp zip uses for "no time", fixed permissions, deflate),
//! so exporting the same bundle twice gives the same archive.
//!
//! This is the only file access of the signing module. It never follows a symbolic link,
//! never writes outside the directory it is given, and never reads a path that could escape
//! it (`..`, absolute paths, backslashes).

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

use super::canonical::{is_canonical, to_canonical};
use super::keys::SM2_ID;
use super::kind::{AnyKind, SignedKind};
use super::kinds::minutes::Minutes;
use super::note::LogVerifier;
use super::SigningError;

/// `content.json`: the canonical projection (RFC 8785).
pub const CONTENT: &str = "content.json";
/// `manifest.json`: the manifest (RFC 8785).
pub const MANIFEST: &str = "manifest.json";
/// `crdt-state.bin`: `encode_state_as_update_v1` of the document at freeze.
pub const CRDT_STATE: &str = "crdt-state.bin";
/// `minutes.html`: the rendition for people of minutes (each kind names its own:
/// [`super::kind::SignedKind::RENDITION`]).
pub const MINUTES_HTML: &str = <Minutes as SignedKind>::RENDITION;
/// `completion.json`: the completion record (exact logged bytes).
pub const COMPLETION: &str = "completion.json";
/// `archive.json`: the archive record (exact logged bytes).
pub const ARCHIVE: &str = "archive.json";
/// `trust.json`: the log's origin and key, the accepted algorithms, the SM2 id.
pub const TRUST: &str = "trust.json";
/// `README.txt`: what the bundle is and how to check it, in Chinese and English, for a person
/// who opens the archive. Bundles before it have none; it is listed in the archive record
/// like every file but the proofs.
pub const README: &str = "README.txt";
/// `signature-page.html`: the signature page (签署页) made at archiving, naming each signer
/// as a person with their body, role and signing time; covered by the archive record, not
/// signed (it is made after the last signature). Bundles before it have none.
pub const SIGNATURE_PAGE_HTML: &str = "signature-page.html";
/// `signature-page.pdf`: the same page, printable; absent without a Chinese font.
pub const SIGNATURE_PAGE_PDF: &str = "signature-page.pdf";
/// The files a bundle may hold or not, each covered by the archive record when present.
pub const OPTIONAL: [&str; 3] = [README, SIGNATURE_PAGE_HTML, SIGNATURE_PAGE_PDF];
/// The inclusion proof of the manifest.
pub const MANIFEST_PROOF: &str = "proofs/manifest.tlog-proof";
/// The inclusion proof of the completion record.
pub const COMPLETION_PROOF: &str = "proofs/completion.tlog-proof";
/// The inclusion proof of the archive record.
pub const ARCHIVE_PROOF: &str = "proofs/archive.tlog-proof";

/// `signatures/step<N>-<org_id>.dsse.json`: an organization's envelope (exact logged bytes).
pub fn signature_path(step: u32, org_id: &str) -> String {
    format!("signatures/step{step}-{org_id}.dsse.json")
}

/// `proofs/step<N>-<org_id>.tlog-proof`: the inclusion proof of that envelope.
pub fn signature_proof_path(step: u32, org_id: &str) -> String {
    format!("proofs/step{step}-{org_id}.tlog-proof")
}

/// `keys/<key_id>.pem`: a public key used by a signature, SPKI PEM.
pub fn key_pem_path(key_id: &str) -> String {
    format!("keys/{key_id}.pem")
}

/// `keys/<key_id>.binding.json`: the logged key-binding statement of that key.
pub fn key_binding_path(key_id: &str) -> String {
    format!("keys/{key_id}.binding.json")
}

/// `proofs/key-<key_id>.tlog-proof`: the inclusion proof of that binding.
pub fn key_proof_path(key_id: &str) -> String {
    format!("proofs/key-{key_id}.tlog-proof")
}

/// The `schema` of `trust.json`.
pub const TRUST_SCHEMA: &str = "concord.trust/1";

/// The algorithms a bundle uses, as `trust.json` lists them.
pub const ALGORITHMS: [&str; 4] = ["ed25519", "sm2-sm3", "sha256", "sm3"];

/// `trust.json`: what a verifier needs to know before trusting anything else in the bundle.
/// A careful verifier does not take the log key from here but from the log's operator
/// (`concord verify --trust VKEY`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trust {
    /// Always [`TRUST_SCHEMA`].
    pub schema: String,
    /// The log's origin (the first line of its checkpoints).
    pub log_origin: String,
    /// The log's C2SP verifier key (`name+keyid+key`).
    pub log_vkey: String,
    /// Always [`ALGORITHMS`].
    pub algorithms: Vec<String>,
    /// Always [`SM2_ID`].
    pub sm2_id: String,
}

impl Trust {
    /// The trust record of a bundle whose proofs end in checkpoints of `log`.
    pub fn for_log(log: &LogVerifier) -> Trust {
        Trust {
            schema: TRUST_SCHEMA.to_string(),
            log_origin: log.origin.clone(),
            log_vkey: log.vkey(),
            algorithms: ALGORITHMS.iter().map(|a| a.to_string()).collect(),
            sm2_id: SM2_ID.to_string(),
        }
    }

    /// RFC 8785 bytes: the content of `trust.json`.
    pub fn to_bytes(&self) -> Vec<u8> {
        to_canonical(&serde_json::to_value(self).expect("trust always serializes"))
    }

    /// Reads `trust.json`, refusing other spellings and other values than this version's.
    pub fn parse(bytes: &[u8]) -> Result<Trust, SigningError> {
        let trust: Trust = serde_json::from_slice(bytes)
            .map_err(|e| SigningError::malformed("trust.json", e.to_string()))?;
        if !is_canonical(bytes) {
            return Err(SigningError::not_canonical("trust.json"));
        }
        if trust.schema != TRUST_SCHEMA {
            return Err(SigningError::malformed(
                "trust.json",
                format!("its schema is {:?}, not {TRUST_SCHEMA:?}", trust.schema),
            ));
        }
        if trust.algorithms != ALGORITHMS {
            return Err(SigningError::malformed(
                "trust.json",
                format!(
                    "it names the algorithms {:?}, not {ALGORITHMS:?}",
                    trust.algorithms
                ),
            ));
        }
        if trust.sm2_id != SM2_ID {
            return Err(SigningError::malformed(
                "trust.json",
                format!("its SM2 id is {:?}, not {SM2_ID:?}", trust.sm2_id),
            ));
        }
        Ok(trust)
    }
}

/// The text of `README.txt` for version `version` of the document `title`, of kind `kind`,
/// whose proofs end in checkpoints of `log`.
pub fn readme(title: &str, version: i64, kind: &dyn AnyKind, log: &LogVerifier) -> String {
    let (kind_name, schema, rendition) = (kind.name(), kind.schema(), kind.rendition());
    let vkey = log.vkey();
    let origin = &log.origin;
    format!(
        "\
签署文书归档包 · Archive bundle of a signed document
====================================================

《{title}》 第 {version} 版 / version {version} · {kind_name} ({schema})
签名日志 / signed log: {origin}

【这是什么】
本归档包含有各单位签署的文书：content.json 是签署的正文，{rendition} 是供阅读的版本；
signatures/ 是每个单位的签名（个人 Ed25519 签名与单位 SM2 印章），keys/ 是公钥及其登记记录
（写明签署人与单位的名称），proofs/ 是签名日志的包含证明。任何人都可以离线核验：正文未被改动、
由哪些单位按什么顺序签署、使用了哪些密钥，以及服务器的签名日志记录了每一步。

【如何核验】
1. 向日志运营方（部署本系统的单位）索取日志公钥（vkey）：见其正式通知或政府网站，
   或无需账号访问 <服务器地址>/api/log/key。不要只信任本包 trust.json 中的公钥，
   它只能证明本包自身一致。
2. 运行：
     concord verify 本归档包.zip --trust '<日志公钥>'
   也可以不使用本项目的软件：按 concord 源代码中的 docs/bundle.md，只用 OpenSSL 3、
   sha256sum 与 python3 逐项核验。
3. 本包 trust.json 中的日志公钥如下，应与运营方公布的逐字相同：
     {vkey}

[What this is]
This archive holds a document signed by several bodies: content.json is the signed text,
{rendition} its rendition for reading; signatures/ holds each body's signature (a person's
Ed25519 signature and the body's SM2 seal), keys/ the public keys and their logged bindings
(naming the person and the body), proofs/ the inclusion proofs in the signed log. Anyone can
check offline that the text is unchanged, which bodies signed it in which order with which
keys, and that the server's signed log holds every step.

[How to verify]
1. Get the log's key (vkey) from the log's operator (the body that runs this server): from its
   official notice or website, or from <server address>/api/log/key (no account needed). Do
   not rely on the key in this bundle's trust.json alone: it shows only that the bundle agrees
   with itself.
2. Run:
     concord verify this-bundle.zip --trust '<log key>'
   or, without any software of this project, follow docs/bundle.md (in concord's source) with
   OpenSSL 3, sha256sum and python3 alone.
3. The log key named in this bundle's trust.json, to compare letter by letter with the
   published one:
     {vkey}
"
    )
}

/// The most a bundle may hold, unpacked: far above any document with its proofs, low
/// enough that a hostile zip cannot exhaust memory.
const MAX_BUNDLE_BYTES: u64 = 256 * 1024 * 1024;

/// The archive bundle: path (with '/') -> exact bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bundle {
    pub files: BTreeMap<String, Vec<u8>>,
}

/// True for a relative path of plain names joined by '/': no empty, `.` or `..` part, no
/// backslash or NUL, not absolute.
pub fn is_safe_path(path: &str) -> bool {
    !path.is_empty()
        && !path.contains(['\\', '\0'])
        && path
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
}

impl Bundle {
    /// Reads a bundle from a directory (every regular file under it) or from a .zip file.
    pub fn read(path: &Path) -> Result<Bundle, SigningError> {
        let io = |source| SigningError::Io {
            path: path.to_path_buf(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(io)?;
        if meta.is_dir() {
            let mut bundle = Bundle::default();
            let mut total = 0;
            read_dir(path, "", &mut bundle, &mut total)?;
            Ok(bundle)
        } else {
            let bytes = std::fs::read(path).map_err(io)?;
            Bundle::from_zip(&bytes)
        }
    }

    /// Reads a bundle from the bytes of a .zip.
    pub fn from_zip(bytes: &[u8]) -> Result<Bundle, SigningError> {
        let bad = |why: String| SigningError::malformed("the bundle archive", why);
        let mut archive =
            ZipArchive::new(Cursor::new(bytes)).map_err(|e| bad(format!("not a zip ({e})")))?;
        let mut bundle = Bundle::default();
        let mut total = 0u64;
        for i in 0..archive.len() {
            let file = archive
                .by_index(i)
                .map_err(|e| bad(format!("entry {i} cannot be read ({e})")))?;
            if file.is_dir() {
                continue;
            }
            let name = file
                .name()
                .map_err(|e| bad(format!("entry {i} has no readable name ({e})")))?
                .into_owned();
            if !is_safe_path(&name) || file.is_symlink() {
                return Err(bad(format!("entry {name:?} is not a plain relative file")));
            }
            let mut content = Vec::new();
            file.take(MAX_BUNDLE_BYTES - total + 1)
                .read_to_end(&mut content)
                .map_err(|e| bad(format!("entry {name:?} cannot be unpacked ({e})")))?;
            total += content.len() as u64;
            if total > MAX_BUNDLE_BYTES {
                return Err(bad(format!(
                    "it unpacks to more than {MAX_BUNDLE_BYTES} bytes"
                )));
            }
            if bundle.files.insert(name.clone(), content).is_some() {
                return Err(bad(format!("entry {name:?} appears twice")));
            }
        }
        Ok(bundle)
    }

    /// Writes every file under `dir` (created if missing), making subdirectories as needed.
    pub fn write_dir(&self, dir: &Path) -> std::io::Result<()> {
        for (path, bytes) in &self.files {
            if !is_safe_path(path) {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("bundle path {path:?} is not a plain relative path"),
                ));
            }
            let target: PathBuf = dir.join(path);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&target, bytes)?;
        }
        Ok(())
    }

    /// The bundle as a deterministic .zip (deflate).
    pub fn to_zip(&self) -> Vec<u8> {
        let options = SimpleFileOptions::DEFAULT
            .compression_method(CompressionMethod::Deflated)
            .last_modified_time(DateTime::DEFAULT)
            .unix_permissions(0o644);
        let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
        for (path, bytes) in &self.files {
            // Writing to memory fails only on a name zip cannot hold (over 64 KiB).
            writer
                .start_file(path.as_str(), options)
                .expect("a bundle path fits in a zip entry");
            writer.write_all(bytes).expect("writing to memory");
        }
        writer.finish().expect("writing to memory").into_inner()
    }
}

fn read_dir(
    dir: &Path,
    prefix: &str,
    bundle: &mut Bundle,
    total: &mut u64,
) -> Result<(), SigningError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SigningError::Io { path, source }
    };
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let entry = entry.map_err(io(dir))?;
        let path = entry.path();
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            return Err(SigningError::malformed(
                "the bundle",
                format!("{} has a name that is not UTF-8", path.display()),
            ));
        };
        let relative = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let kind = entry.file_type().map_err(io(&path))?;
        if kind.is_dir() {
            read_dir(&path, &relative, bundle, total)?;
        } else if kind.is_file() && is_safe_path(&relative) {
            let bytes = std::fs::read(&path).map_err(io(&path))?;
            *total += bytes.len() as u64;
            if *total > MAX_BUNDLE_BYTES {
                return Err(SigningError::malformed(
                    "the bundle",
                    format!("it holds more than {MAX_BUNDLE_BYTES} bytes"),
                ));
            }
            bundle.files.insert(relative, bytes);
        } else {
            return Err(SigningError::malformed(
                "the bundle",
                format!("{relative:?} is not a regular file"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Bundle {
        let mut bundle = Bundle::default();
        bundle.files.insert("a.json".into(), b"{}".to_vec());
        bundle.files.insert(
            "keys/k.pem".into(),
            b"-----BEGIN PUBLIC KEY-----\n".to_vec(),
        );
        bundle.files.insert("empty.bin".into(), Vec::new());
        bundle
    }

    #[test]
    fn a_bundle_round_trips_through_a_zip_and_the_zip_is_deterministic() {
        let zip = sample().to_zip();
        assert_eq!(Bundle::from_zip(&zip).unwrap(), sample());
        assert_eq!(sample().to_zip(), zip);
    }

    #[test]
    fn unsafe_paths_are_refused() {
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../b",
            "a//b",
            "a\\b",
            "./a",
            "a/",
        ] {
            assert!(!is_safe_path(bad), "{bad:?}");
        }
        assert!(is_safe_path("signatures/step1-org.dsse.json"));
        let mut bundle = Bundle::default();
        bundle.files.insert("../escape".into(), vec![]);
        assert!(bundle.write_dir(Path::new("/nonexistent")).is_err());
        assert!(Bundle::from_zip(&bundle.to_zip()).is_err());
    }

    #[test]
    fn garbage_is_not_a_zip() {
        assert!(Bundle::from_zip(b"not a zip").is_err());
    }
}
