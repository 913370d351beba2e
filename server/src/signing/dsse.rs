//! DSSE envelopes (secure-systems-lab/dsse v1): a signature statement and its signatures.
//!
//! Each signature covers the Pre-Authentication Encoding (PAE) of the payload type and the
//! payload bytes, never the JSON around them, so nothing in the envelope can be changed to
//! make the same signature mean something else. An organization's envelope holds two
//! signatures: its person's Ed25519 signature and its SM2 seal, each over the same PAE.
//!
//! The envelope itself is written as RFC 8785 JSON, like every other logged artefact, so its
//! logged bytes are its only bytes. This module never checks a signature (that needs the
//! bound keys: [`super::verify`]) and never interprets the payload.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};

use super::canonical::{is_canonical, to_canonical};
use super::kind::SignedKind;
use super::kinds::minutes::Minutes;
use super::SigningError;

/// The payload type of a minutes signature statement (the minutes kind's
/// [`SignedKind::PAYLOAD_TYPE`]; every kind has its own).
pub const PAYLOAD_TYPE: &str = <Minutes as SignedKind>::PAYLOAD_TYPE;

/// `PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths as ASCII
/// decimal byte counts. These are the bytes every signature of an envelope is made over.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {} {} ",
        payload_type.len(),
        payload_type,
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

/// A DSSE envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    #[serde(rename = "payloadType")]
    pub payload_type: String,
    /// The payload, base64 (standard, padded).
    pub payload: String,
    pub signatures: Vec<EnvelopeSignature>,
}

/// One signature of an envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeSignature {
    /// The key id (see [`super::keys::key_id`]) of the key that made `sig`.
    pub keyid: String,
    /// The signature, base64 (standard, padded): Ed25519 raw 64 bytes, or SM2 DER.
    pub sig: String,
}

impl Envelope {
    /// An envelope carrying `payload`, not yet signed.
    pub fn new(payload_type: &str, payload: &[u8]) -> Envelope {
        Envelope {
            payload_type: payload_type.to_string(),
            payload: STANDARD.encode(payload),
            signatures: Vec::new(),
        }
    }

    /// Adds a signature made by key `keyid`.
    pub fn add_signature(&mut self, keyid: &str, sig: &[u8]) {
        self.signatures.push(EnvelopeSignature {
            keyid: keyid.to_string(),
            sig: STANDARD.encode(sig),
        });
    }

    /// The envelope's one byte form: RFC 8785. These are the bytes that are logged.
    pub fn to_bytes(&self) -> Vec<u8> {
        let value = serde_json::to_value(self).expect("an envelope always serializes");
        to_canonical(&value)
    }

    /// Reads an envelope, refusing bytes that are not exactly its canonical form and a
    /// payload or signature that is not base64.
    pub fn parse(bytes: &[u8]) -> Result<Envelope, SigningError> {
        let envelope: Envelope = serde_json::from_slice(bytes)
            .map_err(|e| SigningError::malformed("the signature envelope", e.to_string()))?;
        if !is_canonical(bytes) {
            return Err(SigningError::not_canonical("the signature envelope"));
        }
        envelope.payload_bytes()?;
        for signature in &envelope.signatures {
            signature.sig_bytes()?;
        }
        Ok(envelope)
    }

    /// The payload, decoded.
    pub fn payload_bytes(&self) -> Result<Vec<u8>, SigningError> {
        decode("the envelope's payload", &self.payload)
    }

    /// The PAE of this envelope's type and payload: what its signatures sign.
    pub fn pae(&self) -> Result<Vec<u8>, SigningError> {
        Ok(pae(&self.payload_type, &self.payload_bytes()?))
    }

    /// The decoded signatures made by `keyid`, in envelope order.
    pub fn signatures_by(&self, keyid: &str) -> Result<Vec<Vec<u8>>, SigningError> {
        self.signatures
            .iter()
            .filter(|signature| signature.keyid == keyid)
            .map(EnvelopeSignature::sig_bytes)
            .collect()
    }
}

impl EnvelopeSignature {
    /// The signature, decoded.
    pub fn sig_bytes(&self) -> Result<Vec<u8>, SigningError> {
        decode("an envelope signature", &self.sig)
    }
}

/// Strict standard base64: padding required, no stray bits, so each value has one spelling.
fn decode(what: &str, text: &str) -> Result<Vec<u8>, SigningError> {
    let bytes = STANDARD
        .decode(text)
        .map_err(|e| SigningError::malformed(what, format!("not base64 ({e})")))?;
    if STANDARD.encode(&bytes) != text {
        return Err(SigningError::not_canonical(what));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test vector of the DSSE protocol description.
    #[test]
    fn pae_matches_the_dsse_specification_vector() {
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
        );
    }

    #[test]
    fn pae_counts_bytes_not_characters() {
        assert_eq!(pae("t", "纪要".as_bytes()), "DSSEv1 1 t 6 纪要".as_bytes());
    }

    #[test]
    fn an_envelope_round_trips_through_its_canonical_bytes() {
        let mut envelope = Envelope::new(PAYLOAD_TYPE, br#"{"a":1}"#);
        envelope.add_signature("k1", &[1, 2, 3]);
        let bytes = envelope.to_bytes();
        assert!(bytes.starts_with(br#"{"payload":"#), "members are sorted");
        let parsed = Envelope::parse(&bytes).unwrap();
        assert_eq!(parsed, envelope);
        assert_eq!(parsed.payload_bytes().unwrap(), br#"{"a":1}"#);
        assert_eq!(parsed.signatures_by("k1").unwrap(), vec![vec![1, 2, 3]]);
        assert_eq!(parsed.pae().unwrap(), pae(PAYLOAD_TYPE, br#"{"a":1}"#));
    }

    #[test]
    fn a_non_canonical_or_malformed_envelope_is_refused() {
        let envelope = Envelope::new(PAYLOAD_TYPE, b"x");
        let bytes = envelope.to_bytes();
        let mut spaced = bytes.clone();
        spaced.insert(1, b' ');
        assert!(matches!(
            Envelope::parse(&spaced),
            Err(SigningError::NotCanonical { .. })
        ));
        let unknown = br#"{"extra":1,"payload":"eA==","payloadType":"t","signatures":[]}"#;
        assert!(Envelope::parse(unknown).is_err());
        let not_base64 = br#"{"payload":"e!==","payloadType":"t","signatures":[]}"#;
        assert!(Envelope::parse(not_base64).is_err());
        let stray_bits = br#"{"payload":"eB==","payloadType":"t","signatures":[]}"#;
        assert!(Envelope::parse(stray_bits).is_err());
    }
}
