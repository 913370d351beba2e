//! A body's outgoing webhooks (to its own systems) and its official mailbox (机构邮箱), as
//! operations.
//!
//! Only the body's admins manage them; API tokens and operators never do (a token could
//! otherwise send the body's events anywhere). The secret that signs the calls is answered
//! once, at creation, and never again. Each webhook keeps a log of every delivery attempt.
//! How calls are signed and retried: [`crate::jobs`] (`webhook.rs`).
//!
//! This module must never write SQL, decide access itself, or log a secret.

use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::Error;
use crate::auth::session::new_secret;
use crate::auth::Caller;
use crate::db::{Db, Delivery, NewWebhook, Webhook};
use crate::domain::policy::Action;
use crate::services::Services;

/// Longest accepted webhook URL and description, in characters.
const MAX_URL_CHARS: usize = 2000;
const MAX_DESCRIPTION_CHARS: usize = 500;

/// Delivery log lines answered at most, and when the request does not say.
const MAX_DELIVERIES: i64 = 500;
const DEFAULT_DELIVERIES: i64 = 100;

/// A body's webhooks.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    pub webhooks: Vec<Webhook>,
}

/// A webhook just made, with the secret that signs its calls: the only time it is answered.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// `whsec_…`: the receiver checks each call's signature with it.
    pub secret: String,
}

/// A webhook's delivery log, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryLog {
    pub deliveries: Vec<Delivery>,
}

/// The address a body's events are e-mailed to.
#[derive(Debug, Serialize, ToSchema)]
pub struct Mailbox {
    pub org_id: String,
    /// `null`: no e-mail is sent.
    pub email: Option<String>,
}

/// A webhook to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    /// Absolute `http` or `https`, with a host, without credentials.
    pub url: String,
    #[serde(default)]
    pub description: String,
}

/// Whether a webhook is called.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetWebhookActive {
    pub active: bool,
}

/// The body's mailbox; `null` removes it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetMailbox {
    pub email: Option<String>,
}

/// The organization must exist (404) and the caller must be one of its admins (403).
async fn managed_org(
    db: &Db,
    caller: &Caller,
    org_id: &str,
    action: Action<'_>,
) -> Result<(), Error> {
    if db.org(org_id).await?.is_none() {
        return Err(Error::NotFound(
            crate::domain::phrases::NO_SUCH_ORG.message(),
        ));
    }
    Ok(caller.allow(db, action).await?)
}

/// The webhook, if the caller manages its body; otherwise "not found", so ids cannot be
/// probed (the refusal is audited).
async fn managed_webhook(db: &Db, caller: &Caller, id: &str) -> Result<Webhook, Error> {
    let not_found = || Error::NotFound(crate::domain::phrases::NO_SUCH_WEBHOOK.message());
    let webhook = db.webhook(id).await?.ok_or_else(not_found)?;
    let action = Action::ManageWebhooks {
        org_id: &webhook.org_id,
    };
    if caller.allow(db, action).await.is_err() {
        return Err(not_found());
    }
    Ok(webhook)
}

/// A body's webhooks (its admins).
pub async fn list(
    services: &Services,
    caller: &Caller,
    org_id: &str,
) -> Result<WebhookList, Error> {
    let db = &services.db;
    managed_org(db, caller, org_id, Action::ManageWebhooks { org_id }).await?;
    let webhooks = db.webhooks_of(org_id).await?;
    Ok(WebhookList { webhooks })
}

/// Registers a webhook for a body (its admins) and answers its signing secret, once.
pub async fn create(
    services: &Services,
    caller: &Caller,
    org_id: &str,
    body: CreateWebhook,
) -> Result<CreatedWebhook, Error> {
    let db = &services.db;
    managed_org(db, caller, org_id, Action::ManageWebhooks { org_id }).await?;
    let url = parse_url(&body.url)?;
    let description = body.description.trim().to_owned();
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(Error::invalid(
            "description",
            &crate::domain::phrases::WEBHOOK_DESCRIPTION_TOO_LONG,
        ));
    }
    let secret = new_secret("whsec_");
    let new = NewWebhook {
        org_id: org_id.to_owned(),
        url,
        secret: secret.clone(),
        description,
        created_by: caller.actor.user_id.clone(),
    };
    let event = caller.event(
        "webhook_created",
        format!("org:{org_id}"),
        json!({ "url": new.url, "description": new.description }),
    );
    let webhook = db.create_webhook(&new, &event).await?;
    Ok(CreatedWebhook { webhook, secret })
}

/// A webhook URL must be absolute `http` or `https` with a host, without credentials in it.
fn parse_url(raw: &str) -> Result<String, Error> {
    let raw = raw.trim();
    if raw.chars().count() > MAX_URL_CHARS {
        return Err(Error::invalid(
            "url",
            crate::domain::phrases::URL_TOO_LONG.with("max", MAX_URL_CHARS),
        ));
    }
    let url = url::Url::parse(raw).map_err(|e| {
        Error::invalid(
            "url",
            crate::domain::phrases::URL_UNREADABLE.with("detail", e),
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::invalid("url", &crate::domain::phrases::URL_SCHEME));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::invalid("url", &crate::domain::phrases::URL_NO_HOST));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::invalid(
            "url",
            &crate::domain::phrases::URL_CREDENTIALS,
        ));
    }
    Ok(url.to_string())
}

/// Turns a webhook on or off (its body's admins): deactivated, it is no longer called.
pub async fn set_active(
    services: &Services,
    caller: &Caller,
    id: &str,
    body: SetWebhookActive,
) -> Result<Webhook, Error> {
    let db = &services.db;
    managed_webhook(db, caller, id).await?;
    let event = caller.event(
        "webhook_active_set",
        format!("webhook:{id}"),
        json!({ "active": body.active }),
    );
    if !db.set_webhook_active(id, body.active, &event).await? {
        return Err(Error::NotFound(
            crate::domain::phrases::NO_SUCH_WEBHOOK.message(),
        ));
    }
    managed_webhook(db, caller, id).await
}

/// A webhook's delivery log, newest first, at most `limit` lines (1 to 500, 100 when not
/// given).
pub async fn deliveries(
    services: &Services,
    caller: &Caller,
    id: &str,
    limit: Option<i64>,
) -> Result<DeliveryLog, Error> {
    let limit = limit.unwrap_or(DEFAULT_DELIVERIES);
    if !(1..=MAX_DELIVERIES).contains(&limit) {
        return Err(Error::invalid(
            "limit",
            crate::domain::phrases::LIMIT_BETWEEN.with("max", MAX_DELIVERIES),
        ));
    }
    let db = &services.db;
    managed_webhook(db, caller, id).await?;
    let deliveries = db.deliveries_of(id, limit).await?;
    Ok(DeliveryLog { deliveries })
}

/// The address a body's events are e-mailed to (its admins).
pub async fn mailbox(services: &Services, caller: &Caller, org_id: &str) -> Result<Mailbox, Error> {
    let db = &services.db;
    managed_org(db, caller, org_id, Action::ManageMailbox { org_id }).await?;
    let email = db.org_mailbox(org_id).await?;
    Ok(Mailbox {
        org_id: org_id.to_owned(),
        email,
    })
}

/// Sets (or with `null` removes) the address a body's events are e-mailed to (its admins).
pub async fn set_mailbox(
    services: &Services,
    caller: &Caller,
    org_id: &str,
    body: SetMailbox,
) -> Result<Mailbox, Error> {
    let db = &services.db;
    managed_org(db, caller, org_id, Action::ManageMailbox { org_id }).await?;
    let email = match body.email.as_deref().map(str::trim) {
        None => None,
        Some(raw) => {
            let address = lettre::Address::from_str(raw).map_err(|_| {
                Error::invalid(
                    "email",
                    crate::domain::phrases::NOT_AN_EMAIL.with("email", format!("{raw:?}")),
                )
            })?;
            Some(address.to_string())
        }
    };
    let event = caller.event(
        "mailbox_set",
        format!("org:{org_id}"),
        json!({ "email": email }),
    );
    db.set_org_mailbox(org_id, email.as_deref(), &event).await?;
    Ok(Mailbox {
        org_id: org_id.to_owned(),
        email,
    })
}
