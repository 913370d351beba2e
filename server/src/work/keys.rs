//! Signing keys: a person's Ed25519 key enrolled after they sign in, and an organization's
//! SM2 seal, created when the organization first signs.
//!
//! A key counts only from the logged statement that binds it (to a user and an organization,
//! or to an organization as its seal) until the logged statement that revokes it. The
//! private half of a person's key never reaches the server: the browser keeps it as a
//! non-extractable WebCrypto key, the CLI in a file. A seal's private half is generated here
//! and kept sealed under the master key ([`crate::keyring`]); it is opened only to seal a
//! signature whose person signature has verified.
//!
//! This module must never return or log private key material.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::Error;
use super::{audit, own_org};
use crate::auth::Caller;
use crate::db::{DbError, Effects, LeafKind, NewLeaf, NewSigningKey, OrgKeyRow, SigningKeyRow};
use crate::domain::policy::Action;
use crate::domain::text::Note;
use crate::services::Services;
use crate::signing::keys::{open_at_rest, seal_at_rest, PersonKey, SealKey, SealPublicKey};
use crate::signing::merkle;
use crate::signing::statement::rfc3339;
use crate::signing::statement::{KeyBinding, KeyRevocation, KEY_BINDING_TYPE, KEY_REVOCATION_TYPE};

/// The longest PEM a person may send: an Ed25519 SPKI PEM is 113 bytes.
const MAX_PEM_BYTES: usize = 4096;

/// A key as its owner sees it (never a private part).
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyView {
    /// The first 16 bytes of SHA-256 of the key's SPKI DER, hex.
    pub key_id: String,
    /// `person` (Ed25519) or `seal` (an organization's SM2 seal).
    pub purpose: String,
    pub algorithm: String,
    pub org_id: String,
    pub user_id: Option<String>,
    pub public_key_pem: String,
    pub bound_at: i64,
    /// Where its logged binding is in the signed log.
    pub binding_log_index: i64,
    pub revoked_at: Option<i64>,
    pub revocation_log_index: Option<i64>,
}

/// The caller's keys, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyList {
    pub keys: Vec<KeyView>,
}

fn key_view(row: &SigningKeyRow) -> KeyView {
    let pem = if row.purpose == "seal" {
        SealPublicKey::from_spki_der(&row.spki).map(|k| k.spki_pem())
    } else {
        PersonKey::from_spki_der(&row.spki).map(|k| k.spki_pem())
    };
    KeyView {
        key_id: row.key_id.clone(),
        purpose: row.purpose.clone(),
        algorithm: row.algorithm.clone(),
        org_id: row.org_id.clone(),
        user_id: row.user_id.clone(),
        public_key_pem: pem.unwrap_or_default(),
        bound_at: row.bound_at,
        binding_log_index: row.binding_leaf,
        revoked_at: row.revoked_at,
        revocation_log_index: row.revocation_leaf,
    }
}

/// A public key to enroll.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrollInput {
    /// The public key as SPKI PEM (`-----BEGIN PUBLIC KEY-----`), Ed25519.
    pub public_key_pem: String,
}

/// Enrolls the caller's public key: binds it to them and their organization in the log.
pub async fn enroll(
    services: &Services,
    caller: &Caller,
    input: EnrollInput,
) -> Result<KeyView, Error> {
    caller.allow(&services.db, Action::ManageOwnKeys).await?;
    let org_id = own_org(caller, "enroll a signing key")?.to_owned();
    if input.public_key_pem.len() > MAX_PEM_BYTES {
        return Err(Error::invalid(
            "public_key_pem",
            &crate::domain::phrases::KEY_PEM_TOO_LONG,
        ));
    }
    let key = PersonKey::from_spki_pem(input.public_key_pem.trim()).map_err(|e| {
        Error::invalid(
            "public_key_pem",
            crate::domain::phrases::KEY_PEM_NOT_ED25519.with("detail", e),
        )
    })?;
    let now = services.clock.now_ms();
    let key_id = key.key_id();
    let effects = Effects {
        audit: vec![audit(
            caller,
            now,
            "signing_key_enrolled",
            format!("key:{key_id}"),
            json!({ "key_id": key_id, "algorithm": "ed25519" }),
        )],
        ..Effects::default()
    };
    let new = NewSigningKey {
        key_id,
        purpose: "person",
        algorithm: "ed25519",
        org_id,
        user_id: Some(caller.actor.user_id.clone()),
        spki: key.spki_der(),
        sealed_private: None,
        bound_at: now,
    };
    // The names as they are now, into the logged binding: an auditor reads who and which
    // body, years later, whatever they are called by then.
    let names = BoundNames {
        user_name: caller
            .user
            .as_ref()
            .map(|u| u.display_name.as_str().to_owned()),
        org_name: org_name(services, &new.org_id).await?,
    };
    let row = bind(services, &new, names, &effects).await?;
    Ok(key_view(&row))
}

/// The names a binding carries beside the ids, as they are at binding time.
struct BoundNames {
    /// The person's display name; none for a seal.
    user_name: Option<String>,
    /// The body's Chinese name.
    org_name: String,
}

/// The body's Chinese name now.
async fn org_name(services: &Services, org_id: &str) -> Result<String, Error> {
    let org = services.db.org(org_id).await?.ok_or_else(|| {
        Error::Internal(anyhow::anyhow!(
            "organization {org_id} of a key is not stored"
        ))
    })?;
    Ok(org.name_zh.as_str().to_owned())
}

/// The caller's keys, newest first.
pub async fn mine(services: &Services, caller: &Caller) -> Result<KeyList, Error> {
    caller.allow(&services.db, Action::ManageOwnKeys).await?;
    let rows = services.db.person_keys(&caller.actor.user_id).await?;
    Ok(KeyList {
        keys: rows.iter().map(key_view).collect(),
    })
}

/// Why a key is revoked.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeInput {
    /// A lost device, a left job: for the log and the audit trail.
    pub reason: Note,
}

/// Revokes one of the caller's keys from now on (a lost device, a left job). Signatures made
/// before stay valid: the key was bound when they were logged.
pub async fn revoke(
    services: &Services,
    caller: &Caller,
    key_id: &str,
    input: RevokeInput,
) -> Result<KeyView, Error> {
    caller.allow(&services.db, Action::ManageOwnKeys).await?;
    let not_found = || Error::NotFound(crate::domain::phrases::NO_SUCH_OWN_KEY.message());
    let key = services
        .db
        .signing_key(key_id)
        .await?
        .ok_or_else(not_found)?;
    if key.user_id.as_deref() != Some(caller.actor.user_id.as_str()) {
        return Err(not_found());
    }
    let row = revoke_key(services, caller, &key, input.reason).await?;
    Ok(key_view(&row))
}

/// A key bound to an organization, as its admins and operators see it: whose it is by name,
/// whether it is in force, and if not since when, by whom and why. Never a private part.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgKeyView {
    /// The first 16 bytes of SHA-256 of the key's SPKI DER, hex: what the signed log and a
    /// bundle name it by. Pages show it shortened, as a fingerprint beside the person's name.
    pub key_id: String,
    /// `person` (a person's Ed25519 key) or `seal` (the organization's SM2 seal, 电子印章).
    pub purpose: String,
    pub algorithm: String,
    /// Whose key it is; none for the seal.
    pub user_id: Option<String>,
    pub username: Option<String>,
    /// The owner's name as it is now; none for the seal.
    pub display_name: Option<String>,
    /// When it was bound (created), Unix milliseconds.
    pub bound_at: i64,
    /// `active` (it signs) or `revoked` (it signs nothing more; what it signed before stays
    /// valid).
    pub status: String,
    pub revoked_at: Option<i64>,
    /// Who revoked it: the owner, an admin of the organization, or an operator.
    pub revoked_by: Option<String>,
    /// Their name as it is now.
    pub revoked_by_name: Option<String>,
    pub revoke_reason: Option<String>,
}

impl From<OrgKeyRow> for OrgKeyView {
    fn from(row: OrgKeyRow) -> OrgKeyView {
        OrgKeyView {
            status: if row.revoked_at.is_some() {
                "revoked"
            } else {
                "active"
            }
            .to_owned(),
            key_id: row.key_id,
            purpose: row.purpose,
            algorithm: row.algorithm,
            user_id: row.user_id,
            username: row.username,
            display_name: row.display_name,
            bound_at: row.bound_at,
            revoked_at: row.revoked_at,
            revoked_by: row.revoked_by,
            revoked_by_name: row.revoked_by_name,
            revoke_reason: row.revoke_reason,
        }
    }
}

/// Every signing key bound to an organization, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgKeyList {
    pub keys: Vec<OrgKeyView>,
}

/// The signing keys of an organization: its people's and its seals, revoked ones included,
/// newest first (its admins, operators).
pub async fn of_org(
    services: &Services,
    caller: &Caller,
    org_id: &str,
) -> Result<OrgKeyList, Error> {
    caller
        .allow(&services.db, Action::ManageOrgKeys { org_id })
        .await?;
    if services.db.org(org_id).await?.is_none() {
        return Err(Error::NotFound(
            crate::domain::phrases::NO_SUCH_ORG.message(),
        ));
    }
    let rows = services.db.org_keys(org_id).await?;
    Ok(OrgKeyList {
        keys: rows.into_iter().map(OrgKeyView::from).collect(),
    })
}

/// Revokes a key of an organization from now on (its admins and operators): a person's key
/// when they left or lost their device; the seal (operators only), after which the body's
/// next signature makes and binds a new one. Signatures made before stay valid. A key of
/// another organization is answered exactly like an unknown one.
pub async fn revoke_of_org(
    services: &Services,
    caller: &Caller,
    org_id: &str,
    key_id: &str,
    input: RevokeInput,
) -> Result<OrgKeyView, Error> {
    caller
        .allow(&services.db, Action::ManageOrgKeys { org_id })
        .await?;
    let not_found = || Error::NotFound(crate::domain::phrases::NO_SUCH_ORG_KEY.message());
    let key = services
        .db
        .signing_key(key_id)
        .await?
        .filter(|key| key.org_id == org_id)
        .ok_or_else(not_found)?;
    if key.purpose == "seal" {
        caller
            .allow(&services.db, Action::RevokeSeal { org_id })
            .await?;
    }
    revoke_key(services, caller, &key, input.reason).await?;
    services
        .db
        .org_keys(org_id)
        .await?
        .into_iter()
        .find(|row| row.key_id == key_id)
        .map(OrgKeyView::from)
        .ok_or_else(not_found)
}

/// Revokes `key` from now on, whoever may: its logged revocation statement, the row marked
/// with who revoked it, and the audit row, in one write. A key revoked already is refused
/// (409) and nothing is logged.
async fn revoke_key(
    services: &Services,
    caller: &Caller,
    key: &SigningKeyRow,
    reason: Note,
) -> Result<SigningKeyRow, Error> {
    if key.revoked_at.is_some() {
        return Err(Error::refused(&crate::domain::phrases::KEY_ALREADY_REVOKED));
    }
    let key_id = key.key_id.as_str();
    let reason = reason.into_string();
    let now = services.clock.now_ms();
    let record = KeyRevocation {
        r#type: KEY_REVOCATION_TYPE.into(),
        key_id: key_id.to_owned(),
        revoked_at: rfc3339(now),
        reason: reason.clone(),
    };
    let effects = Effects {
        audit: vec![audit(
            caller,
            now,
            "signing_key_revoked",
            format!("key:{key_id}"),
            json!({
                "key_id": key_id,
                "reason": reason,
                "purpose": key.purpose,
                "org_id": key.org_id,
                "user_id": key.user_id,
            }),
        )],
        ..Effects::default()
    };
    services
        .db
        .revoke_key(
            key_id,
            &leaf(LeafKind::KeyRevocation, key_id, record.to_bytes()),
            &reason,
            &caller.actor.user_id,
            now,
            &effects,
        )
        .await?;
    services.wake();
    services.db.signing_key(key_id).await?.ok_or_else(|| {
        Error::Internal(anyhow::anyhow!(
            "key {key_id} vanished after its revocation"
        ))
    })
}

/// The caller's key `key_id`, if it is bound to them and their organization and not revoked.
pub(crate) async fn person_key_for(
    services: &Services,
    caller: &Caller,
    key_id: &str,
    now: i64,
) -> Result<SigningKeyRow, Error> {
    let unusable = || Error::refused(crate::domain::phrases::KEY_NOT_USABLE.message());
    let key = services
        .db
        .signing_key(key_id)
        .await?
        .ok_or_else(unusable)?;
    let org = caller.org.as_ref().map(|o| o.id.as_str());
    let bound_to_caller = key.purpose == "person"
        && key.user_id.as_deref() == Some(caller.actor.user_id.as_str())
        && Some(key.org_id.as_str()) == org
        && key.bound_at <= now;
    if !bound_to_caller || key.revoked_at.is_some() {
        return Err(unusable());
    }
    Ok(key)
}

/// The organization's seal in force, created (and its binding logged) on first use.
pub(crate) async fn seal_for(
    services: &Services,
    org_id: &str,
    now: i64,
) -> Result<(SealKey, SigningKeyRow), Error> {
    let context = format!("seal:{org_id}");
    let row = match services.db.seal_key(org_id).await? {
        Some(row) => row,
        None => {
            let fresh = SealKey::generate();
            let public = fresh.public();
            let key_id = public.key_id();
            let sealed = seal_at_rest(services.keyring.master(), &context, &fresh.to_pkcs8_der());
            let effects = Effects {
                audit: vec![crate::db::AuditEvent {
                    at: now,
                    actor_user_id: None,
                    actor_org_id: Some(org_id.to_owned()),
                    action: "seal_key_created".into(),
                    target: format!("key:{key_id}"),
                    detail: json!({ "key_id": key_id, "algorithm": "sm2" }),
                    ip: None,
                }],
                ..Effects::default()
            };
            let new = NewSigningKey {
                key_id,
                purpose: "seal",
                algorithm: "sm2",
                org_id: org_id.to_owned(),
                user_id: None,
                spki: public.spki_der(),
                sealed_private: Some(sealed),
                bound_at: now,
            };
            let names = BoundNames {
                user_name: None,
                org_name: org_name(services, org_id).await?,
            };
            let created = bind(services, &new, names, &effects).await;
            match created {
                Ok(row) => row,
                // Another request created the organization's seal at the same moment.
                Err(DbError::Conflict(_)) => {
                    services.db.seal_key(org_id).await?.ok_or_else(|| {
                        Error::Internal(anyhow::anyhow!("seal vanished after a conflict"))
                    })?
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    let sealed = row
        .sealed_private
        .as_deref()
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("seal key row without private part")))?;
    let der = open_at_rest(services.keyring.master(), &context, sealed)
        .map_err(|e| Error::Internal(anyhow::anyhow!("seal of {org_id}: {e}")))?;
    let key = SealKey::from_pkcs8_der(&der)
        .map_err(|e| Error::Internal(anyhow::anyhow!("seal of {org_id}: {e}")))?;
    Ok((key, row))
}

/// Binds a key: its logged binding statement (a person's key to them and their
/// organization, or a seal to its organization, by id and by name) and its row, in one write.
async fn bind(
    services: &Services,
    key: &NewSigningKey,
    names: BoundNames,
    effects: &Effects,
) -> Result<SigningKeyRow, DbError> {
    let binding = KeyBinding {
        r#type: KEY_BINDING_TYPE.into(),
        key_id: key.key_id.clone(),
        algorithm: key.algorithm.into(),
        purpose: key.purpose.into(),
        spki: B64.encode(&key.spki),
        user_id: key.user_id.clone(),
        org_id: key.org_id.clone(),
        bound_at: rfc3339(key.bound_at),
        user_name: names.user_name,
        org_name: Some(names.org_name),
    };
    let leaf = leaf(LeafKind::KeyBinding, &key.key_id, binding.to_bytes());
    services.db.bind_key(key, &leaf, effects).await
}

fn leaf(kind: LeafKind, key_id: &str, bytes: Vec<u8>) -> NewLeaf {
    NewLeaf {
        kind,
        subject: format!("key:{key_id}"),
        leaf_hash: merkle::leaf_hash(&bytes),
        bytes,
    }
}
