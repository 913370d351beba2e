//! One webhook call: an event, signed, POSTed to a body's system; every attempt logged.
//!
//! The call: `POST <url>` with the event's JSON (`{"id", "kind", "subject", "at",
//! "payload"}`) and the headers `Concord-Event-Id: <seq>`, `Concord-Timestamp: <unix
//! seconds>` and `Concord-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`. The
//! receiver recomputes the signature with the secret it was given and refuses a mismatch or a
//! stale timestamp. A 2xx answer is delivered; anything else, or no answer in time, is a failed
//! attempt retried with backoff.
//!
//! Never logs the secret, nor the body (it may hold names of people and cases).

use std::time::Instant;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::outcome::{str_field, Failure};
use crate::db::{new_id, Delivery, Job};
use crate::services::event_json;
use crate::services::Services;

/// `v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`: the `Concord-Signature` header.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    // HMAC takes a key of any length; this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// Runs one `webhook` job: Ok when the receiver took the event (or it no longer needs to).
pub(super) async fn deliver(
    services: &Services,
    http: &reqwest::Client,
    job: &Job,
) -> Result<(), Failure> {
    let webhook_id = str_field(&job.payload, "webhook_id")?;
    let seq = job.payload["event_seq"]
        .as_i64()
        .ok_or_else(|| Failure::permanent("the job has no event_seq"))?;
    let db = &services.db;
    // A webhook that was removed or switched off takes no more calls.
    let Some(webhook) = db.webhook(webhook_id).await?.filter(|w| w.active) else {
        return Ok(());
    };
    let Some(secret) = db.webhook_secret(webhook_id).await? else {
        return Ok(());
    };
    let Some(event) = db.event(seq).await? else {
        return Err(Failure::permanent(format!("event {seq} does not exist")));
    };
    let body = event_json(&event);
    let now = services.clock.now_ms();
    let timestamp = now.div_euclid(1000);
    let started = Instant::now();
    let response = http
        .post(&webhook.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("Concord-Event-Id", seq.to_string())
        .header("Concord-Timestamp", timestamp.to_string())
        .header("Concord-Signature", signature(&secret, timestamp, &body))
        .body(body)
        .send()
        .await;
    let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let (status, error) = match &response {
        Ok(r) if r.status().is_success() => (Some(r.status().as_u16()), None),
        Ok(r) => (
            Some(r.status().as_u16()),
            Some(format!("the receiver answered {}", r.status())),
        ),
        Err(e) if e.is_timeout() => (None, Some("the receiver did not answer in time".into())),
        Err(e) if e.is_connect() => (None, Some("could not connect to the receiver".into())),
        Err(_) => (None, Some("the call failed".into())),
    };
    let delivery = Delivery {
        id: new_id(),
        webhook_id: webhook.id.clone(),
        event_seq: seq,
        job_id: job.id.clone(),
        attempt: job.attempts,
        at: now,
        outcome: if error.is_none() {
            "delivered"
        } else {
            "failed"
        }
        .into(),
        http_status: status.map(i32::from),
        error: error.clone(),
        duration_ms,
    };
    db.record_delivery(&delivery).await?;
    match error {
        None => Ok(()),
        Some(message) => Err(Failure::retry(message)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hex_hmac_sha256_of_timestamp_dot_body() {
        // Computed independently (Python's hmac module).
        assert_eq!(
            signature("key", 1_700_000_000, r#"{"id":1}"#),
            "v1=1d542af0cd7355fefa5c19021ad89d3e2afd77ebff5448db280f180e013d2651"
        );
        assert_ne!(
            signature("other", 1_700_000_000, r#"{"id":1}"#),
            signature("key", 1_700_000_000, r#"{"id":1}"#)
        );
    }
}
