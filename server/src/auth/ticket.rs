//! Tickets: short-lived, HMAC-SHA256-signed grants to open one document.
//!
//! Format: `base64url(claims JSON) "." base64url(HMAC-SHA256(secret, first part))`. The secret
//! never leaves the server (or its data directory, created with mode 0600); a ticket carries no
//! secret, only what it grants and until when. Tickets admit a connection: an open session
//! does not expire with its ticket.

use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::config::TicketAccess;
use crate::domain::message::Phrase;
use crate::domain::phrases;

/// What a ticket grants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub doc: String,
    pub user: String,
    pub name: String,
    pub org: String,
    pub access: TicketAccess,
    /// Unix seconds after which the ticket no longer admits anyone.
    pub exp: u64,
    /// The credential the ticket was minted from (`session:<id>` or `token:<id>`), so that an
    /// open socket drops when that credential is revoked. Absent for tickets from the CLI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
}

/// The server's ticket-signing secret.
#[derive(Clone)]
pub struct TicketKey {
    secret: Vec<u8>,
}

impl std::fmt::Debug for TicketKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TicketKey(..)")
    }
}

pub const SECRET_FILE: &str = "ticket-secret";

impl TicketKey {
    /// Uses `given` if set (at least 32 bytes), else the secret in `data_dir`, creating it on
    /// first use.
    pub fn load(given: Option<&str>, data_dir: &Path) -> anyhow::Result<TicketKey> {
        if let Some(given) = given {
            anyhow::ensure!(
                given.len() >= 32,
                "the ticket secret must be at least 32 bytes long"
            );
            return Ok(TicketKey {
                secret: given.as_bytes().to_vec(),
            });
        }
        let secret = crate::secrets::read_or_create(data_dir, SECRET_FILE)?;
        let path = data_dir.join(SECRET_FILE);
        anyhow::ensure!(
            secret.len() >= 32,
            "{} is too short to be a ticket secret",
            path.display()
        );
        Ok(TicketKey {
            secret: secret.as_bytes().to_vec(),
        })
    }

    fn mac(&self) -> Hmac<Sha256> {
        Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC takes a key of any length")
    }

    pub fn issue(&self, claims: &Claims) -> String {
        let body = B64.encode(serde_json::to_vec(claims).expect("claims serialize"));
        let mut mac = self.mac();
        mac.update(body.as_bytes());
        format!("{body}.{}", B64.encode(mac.finalize().into_bytes()))
    }

    /// Checks the signature (in constant time) and the expiry. The error is safe to show.
    pub fn verify(&self, ticket: &str) -> Result<Claims, &'static Phrase> {
        let (body, sig) = ticket.split_once('.').ok_or(&phrases::TICKET_MALFORMED)?;
        let sig = B64.decode(sig).map_err(|_| &phrases::TICKET_MALFORMED)?;
        let mut mac = self.mac();
        mac.update(body.as_bytes());
        mac.verify_slice(&sig)
            .map_err(|_| &phrases::TICKET_SIGNATURE)?;
        let claims: Claims = B64
            .decode(body)
            .ok()
            .and_then(|json| serde_json::from_slice(&json).ok())
            .ok_or(&phrases::TICKET_MALFORMED)?;
        if claims.exp < unix_now() {
            return Err(&phrases::TICKET_EXPIRED);
        }
        Ok(claims)
    }
}

pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> TicketKey {
        TicketKey {
            secret: b"0123456789abcdef0123456789abcdef".to_vec(),
        }
    }

    fn claims(exp: u64) -> Claims {
        Claims {
            doc: "minutes-1".into(),
            user: "u1".into(),
            name: "张三".into(),
            org: "bureau".into(),
            access: TicketAccess::Write,
            exp,
            via: None,
        }
    }

    #[test]
    fn an_issued_ticket_verifies() {
        let c = claims(unix_now() + 60);
        assert_eq!(key().verify(&key().issue(&c)).unwrap(), c);
    }

    #[test]
    fn a_tampered_ticket_is_refused() {
        let ticket = key().issue(&claims(unix_now() + 60));
        let forged = claims(unix_now() + 60);
        let forged_body = B64.encode(
            serde_json::to_vec(&Claims {
                doc: "other".into(),
                ..forged
            })
            .unwrap(),
        );
        let sig = ticket.split_once('.').unwrap().1;
        assert_eq!(
            key().verify(&format!("{forged_body}.{sig}")),
            Err(&phrases::TICKET_SIGNATURE)
        );
    }

    #[test]
    fn an_expired_ticket_is_refused() {
        let ticket = key().issue(&claims(unix_now() - 1));
        assert!(key().verify(&ticket).unwrap_err().en.contains("expired"));
    }

    #[test]
    fn a_ticket_from_another_secret_is_refused() {
        let other = TicketKey {
            secret: b"another-secret-another-secret-xx".to_vec(),
        };
        assert!(key()
            .verify(&other.issue(&claims(unix_now() + 60)))
            .is_err());
    }
}
