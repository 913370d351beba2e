//! API tokens as operations: how an agency system acts for its organization without a person
//! signing in.
//!
//! An org admin creates one with a name, the permissions it needs and an expiry; the secret is
//! answered once, at creation, and only its SHA-256 is stored. Revoking takes effect on the
//! next request and closes the websockets opened with it. Operators never hold one (see
//! [`Action::ManageTokens`]).
//!
//! This module must never write SQL, decide access itself, or log a secret.

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::Error;
use crate::auth::session::{new_secret, secret_hash};
use crate::auth::Caller;
use crate::db::{now_unix_ms, ApiTokenRow, HeldCredential, NewApiToken};
use crate::domain::org::Name;
use crate::domain::policy::{Action, Permission};
use crate::services::{AccessChange, Services};

/// The longest a token may live; agency systems rotate at least yearly.
const MAX_DAYS: u32 = 366;

/// Every token of an organization, revoked and expired ones included, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenList {
    pub tokens: Vec<ApiTokenRow>,
}

/// A token just made, with its secret: the only time the secret is ever answered.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub token: ApiTokenRow,
    /// `cct_…`: send as `Authorization: Bearer cct_…`. Store it now; it is never shown again.
    #[serde(rename = "token")]
    pub secret: String,
}

/// A token to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    pub name: String,
    /// At least one of `orgs:read`, `spaces:read`, `spaces:write`, `docs:read`,
    /// `docs:write`, `tasks:read`, `tasks:write`, `notices:read`, `notices:write`.
    pub permissions: Vec<String>,
    /// 1 to 366.
    pub expires_in_days: u32,
}

/// The tokens of an organization (its admins).
pub async fn list(services: &Services, caller: &Caller, org_id: &str) -> Result<TokenList, Error> {
    caller
        .allow(&services.db, Action::ManageTokens { org_id })
        .await?;
    let tokens = services.db.api_tokens(org_id).await?;
    Ok(TokenList { tokens })
}

/// Creates a token for an organization (its admins) and answers its secret, once.
pub async fn create(
    services: &Services,
    caller: &Caller,
    org_id: &str,
    body: CreateToken,
) -> Result<CreatedToken, Error> {
    caller
        .allow(&services.db, Action::ManageTokens { org_id })
        .await?;
    let name = Name::parse(&body.name)?;
    if body.permissions.is_empty() {
        return Err(Error::invalid(
            "permissions",
            &crate::domain::phrases::TOKEN_NO_PERMISSION,
        ));
    }
    let mut permissions = Vec::new();
    for p in &body.permissions {
        let permission: Permission = p.parse().map_err(|_| {
            Error::invalid(
                "permissions",
                crate::domain::phrases::TOKEN_UNKNOWN_PERMISSION
                    .with("permission", format!("{p:?}")),
            )
        })?;
        permissions.push(permission.as_str().to_owned());
    }
    permissions.sort();
    permissions.dedup();
    if !(1..=MAX_DAYS).contains(&body.expires_in_days) {
        return Err(Error::invalid(
            "expires_in_days",
            crate::domain::phrases::TOKEN_EXPIRY_RANGE.with("max", MAX_DAYS),
        ));
    }
    let secret = new_secret("cct_");
    let now = now_unix_ms();
    let new = NewApiToken {
        org_id: org_id.to_owned(),
        name,
        token_hash: secret_hash(&secret),
        permissions,
        created_by: caller.actor.user_id.clone(),
        now,
        expires_at: now + i64::from(body.expires_in_days) * 86_400_000,
    };
    let event = caller.event(
        "token_created",
        format!("org:{org_id}"),
        json!({ "name": new.name, "permissions": new.permissions, "expires_at": new.expires_at }),
    );
    let token = services.db.create_api_token(&new, &event).await?;
    Ok(CreatedToken { token, secret })
}

/// Revokes one of an organization's tokens (its admins) and closes the sockets opened with it.
pub async fn revoke(
    services: &Services,
    caller: &Caller,
    org_id: &str,
    token_id: &str,
) -> Result<(), Error> {
    caller
        .allow(&services.db, Action::ManageTokens { org_id })
        .await?;
    let event = caller.event("token_revoked", format!("token:{token_id}"), json!({}));
    let held = HeldCredential::ApiToken {
        id: token_id,
        org_id,
    };
    if !services
        .db
        .revoke_credential(held, now_unix_ms(), &event)
        .await?
    {
        return Err(Error::NotFound(
            "this organization has no live token with this id".into(),
        ));
    }
    services.access.announce(AccessChange {
        credential: Some(format!("token:{token_id}")),
        ..AccessChange::default()
    });
    Ok(())
}
