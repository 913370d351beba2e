//! `concord admin keygen` and `concord admin sign`: signing a signed document of any kind
//! (minutes, a dispute decision, …) from the command line with a key file, through the same
//! API the browser uses.
//!
//! `keygen` writes a person's Ed25519 private key (PKCS#8 PEM, mode 0600) and prints its public
//! key. `sign` asks the server for the statement the person's organization signs now, checks
//! that the bytes to sign are that statement's DSSE PAE under the payload type the server names
//! (each kind has its own, so one command signs every kind), signs them locally, and sends the
//! signature back; with `--enroll` it first enrolls the key's public half. The private key
//! never leaves the machine running the command.
//!
//! The person authenticates with their session (the `concord_session` cookie value, from
//! `CONCORD_SESSION`), so the signature names them exactly as a browser signature would.
//! Nothing here prints the session or the private key.

use anyhow::{bail, Context};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde_json::{json, Value};

use crate::config::{KeygenArgs, SignArgs};
use crate::signing::keys::PersonSigner;

/// Writes a new private key to `args.out` and returns the public key as SPKI PEM.
pub fn keygen(args: &KeygenArgs) -> anyhow::Result<String> {
    use std::io::Write;
    let signer = PersonSigner::generate();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&args.out)
        .with_context(|| format!("creating {} (it must not exist yet)", args.out.display()))?;
    file.write_all(signer.to_pkcs8_pem().as_bytes())
        .with_context(|| format!("writing {}", args.out.display()))?;
    let public = signer.public();
    Ok(format!(
        "key id: {}\n{}",
        public.key_id(),
        public.spki_pem()
    ))
}

/// A small client of the server's API, acting as one signed-in person.
struct Api {
    http: reqwest::Client,
    base: url::Url,
    origin: String,
    cookie: String,
}

impl Api {
    fn new(server: &str, session: &str) -> anyhow::Result<Api> {
        let base = url::Url::parse(server)
            .context("--server must be a URL like https://concord.example")?;
        let origin = base.origin().ascii_serialization();
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()?;
        Ok(Api {
            http,
            base,
            origin,
            cookie: format!("{}={session}", crate::auth::session::COOKIE),
        })
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let url = self.base.join(path)?;
        let mut request = self
            .http
            .request(method, url)
            .header(reqwest::header::COOKIE, &self.cookie)
            .header(reqwest::header::ORIGIN, &self.origin);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .context("the server cannot be reached")?;
        let status = response.status();
        let value: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            let message = value
                .pointer("/error/message")
                .and_then(Value::as_str)
                .unwrap_or("no message");
            bail!("{path}: {status}: {message}");
        }
        Ok(value)
    }
}

/// The address of the document to sign: `--document` as given (a path on the server), or a
/// meeting's minutes.
fn document_path(args: &SignArgs) -> anyhow::Result<String> {
    match (&args.document, &args.meeting) {
        (Some(path), _) => {
            let path = path.trim_end_matches('/');
            if !path.starts_with("/api/") || path.contains("..") || path.contains(['?', '#']) {
                bail!("--document must be a signed document's address on the server, like /api/meetings/<id>/minutes");
            }
            Ok(path.to_owned())
        }
        (None, Some(meeting)) => Ok(format!("/api/meetings/{meeting}/minutes")),
        (None, None) => bail!("name the document to sign with --document or --meeting"),
    }
}

/// Signs the current version of a signed document (a meeting's minutes, or any document
/// `--document` names); returns what happened, for a person.
pub async fn sign(args: &SignArgs) -> anyhow::Result<String> {
    let pem = std::fs::read_to_string(&args.key)
        .with_context(|| format!("reading {}", args.key.display()))?;
    let signer = PersonSigner::from_pkcs8_pem(&pem).with_context(|| {
        format!(
            "{} is not an Ed25519 private key (PKCS#8 PEM)",
            args.key.display()
        )
    })?;
    let public = signer.public();
    let key_id = public.key_id();
    let document = document_path(args)?;
    let api = Api::new(&args.server, &args.session)?;
    let mut out = String::new();
    if args.enroll {
        let keys = api.call(reqwest::Method::GET, "/api/keys", None).await?;
        let enrolled = keys["keys"].as_array().is_some_and(|keys| {
            keys.iter()
                .any(|k| k["key_id"] == key_id.as_str() && k["revoked_at"].is_null())
        });
        if !enrolled {
            api.call(
                reqwest::Method::POST,
                "/api/keys",
                Some(json!({ "public_key_pem": public.spki_pem() })),
            )
            .await?;
            out.push_str(&format!("enrolled key {key_id}\n"));
        }
    }
    let version = match args.version {
        Some(v) => v,
        None => api.call(reqwest::Method::GET, &document, None).await?["version"]
            .as_i64()
            .context("the server did not say which version is current")?,
    };
    let to_sign = api
        .call(
            reqwest::Method::POST,
            &format!("{document}/statement"),
            Some(json!({ "version": version, "key_id": key_id })),
        )
        .await?;
    let statement = to_sign["statement"]
        .as_str()
        .context("no statement in the answer")?;
    let payload_type = to_sign["payload_type"]
        .as_str()
        .context("no payload type in the answer")?;
    let pae = B64
        .decode(to_sign["pae"].as_str().context("no pae in the answer")?)
        .context("the pae is not base64")?;
    // Sign only what we can check: the PAE must be the statement's, so the server cannot
    // make us sign anything else. The payload type is the kind's; a signature under it never
    // counts for another kind.
    let statement_bytes = B64
        .decode(statement)
        .context("the statement is not base64")?;
    if pae != crate::signing::dsse::pae(payload_type, &statement_bytes) {
        bail!("the bytes to sign are not the statement's PAE; refusing to sign");
    }
    let signature = signer.sign(&pae);
    let view = api
        .call(
            reqwest::Method::POST,
            &format!("{document}/signatures"),
            Some(json!({
                "version": version,
                "statement": statement,
                "signature": B64.encode(signature),
            })),
        )
        .await?;
    out.push_str(&format!(
        "signed version {version} (manifest {}, {payload_type}) at step {}; the document is now {}\n",
        to_sign["manifest_sha256"].as_str().unwrap_or("?"),
        to_sign["step"],
        view["state"].as_str().unwrap_or("?"),
    ));
    Ok(out)
}
