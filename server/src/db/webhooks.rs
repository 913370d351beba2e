//! Outgoing webhooks of a body, the log of their delivery attempts, and bodies' official
//! mailboxes (机构邮箱).
//!
//! The secret that signs a body's webhook calls is kept (signing needs it), so it is treated
//! like a password: no type returned to callers carries it except the one answer of
//! [`Db::webhook_secret`], [`NewWebhook`]'s `Debug` hides it, and this module must never log it
//! or put it into an audit row or event.

use std::fmt;

use super::audit::AuditQueries;
use super::common::{impl_for_both_engines, in_transaction, new_id, not_found, on_reader};
use super::identity::AuditEvent;
use super::{Db, DbError};

/// A body's outgoing webhook. Never carries the secret, so it is also what the API shows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Webhook {
    pub id: String,
    pub org_id: String,
    pub url: String,
    pub description: String,
    /// An inactive webhook is not called.
    pub active: bool,
    pub created_by: String,
    pub created_at: i64,
}

/// A webhook to create.
#[derive(Clone, PartialEq, Eq)]
pub struct NewWebhook {
    pub org_id: String,
    pub url: String,
    /// Signs the calls; shown to the admin once, never logged.
    pub secret: String,
    pub description: String,
    pub created_by: String,
}

impl fmt::Debug for NewWebhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewWebhook")
            .field("org_id", &self.org_id)
            .field("url", &self.url)
            .field("secret", &"<redacted>")
            .field("description", &self.description)
            .field("created_by", &self.created_by)
            .finish()
    }
}

/// One attempt to deliver an event to a webhook, as the delivery log stores and shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Delivery {
    pub id: String,
    pub webhook_id: String,
    pub event_seq: i64,
    pub job_id: String,
    /// 1 for the first try.
    pub attempt: i32,
    pub at: i64,
    /// `delivered` or `failed`.
    pub outcome: String,
    pub http_status: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// A webhook as stored, without its secret.
#[derive(sqlx::FromRow)]
struct WebhookRecord {
    id: String,
    org_id: String,
    url: String,
    description: String,
    active: bool,
    created_by: String,
    created_at: i64,
}

impl From<WebhookRecord> for Webhook {
    fn from(r: WebhookRecord) -> Webhook {
        Webhook {
            id: r.id,
            org_id: r.org_id,
            url: r.url,
            description: r.description,
            active: r.active,
            created_by: r.created_by,
            created_at: r.created_at,
        }
    }
}

/// Never `secret`: only [`Db::webhook_secret`] reads it.
const WEBHOOK_COLUMNS: &str = "id, org_id, url, description, active, created_by, created_at";

/// A delivery attempt as stored.
#[derive(sqlx::FromRow)]
struct DeliveryRecord {
    id: String,
    webhook_id: String,
    event_seq: i64,
    job_id: String,
    attempt: i32,
    at: i64,
    outcome: String,
    http_status: Option<i32>,
    error: Option<String>,
    duration_ms: i64,
}

impl From<DeliveryRecord> for Delivery {
    fn from(r: DeliveryRecord) -> Delivery {
        Delivery {
            id: r.id,
            webhook_id: r.webhook_id,
            event_seq: r.event_seq,
            job_id: r.job_id,
            attempt: r.attempt,
            at: r.at,
            outcome: r.outcome,
            http_status: r.http_status,
            error: r.error,
            duration_ms: r.duration_ms,
        }
    }
}

/// The webhook query the writes share.
trait WebhookQueries {
    async fn webhook_by_id(&mut self, id: &str) -> Result<Option<Webhook>, DbError>;
}

impl_for_both_engines!(WebhookQueries {
    async fn webhook_by_id(&mut self, id: &str) -> Result<Option<Webhook>, DbError> {
        let record: Option<WebhookRecord> =
            sqlx::query_as(&format!("select {WEBHOOK_COLUMNS} from webhooks where id = $1"))
                .bind(id)
                .fetch_optional(&mut *self)
                .await?;
        Ok(record.map(Webhook::from))
    }
});

impl Db {
    /// Creates an active webhook of an organization. The answer never holds the secret: the
    /// caller, who made it, shows it once.
    pub async fn create_webhook(
        &self,
        new: &NewWebhook,
        audit: &AuditEvent,
    ) -> Result<Webhook, DbError> {
        let webhook = Webhook {
            id: new_id(),
            org_id: new.org_id.clone(),
            url: new.url.clone(),
            description: new.description.clone(),
            active: true,
            created_by: new.created_by.clone(),
            created_at: audit.at,
        };
        in_transaction!(self, |conn| {
            let org: Option<(String,)> =
                sqlx::query_as("select id from organizations where id = $1")
                    .bind(&new.org_id)
                    .fetch_optional(&mut *conn)
                    .await?;
            if org.is_none() {
                return Err(not_found(&crate::domain::phrases::NO_SUCH_ORG));
            }
            sqlx::query(
                "insert into webhooks (id, org_id, url, secret, description, active, created_by,
                     created_at)
                 values ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&webhook.id)
            .bind(&webhook.org_id)
            .bind(&webhook.url)
            .bind(&new.secret)
            .bind(&webhook.description)
            .bind(true)
            .bind(&webhook.created_by)
            .bind(webhook.created_at)
            .execute(&mut *conn)
            .await?;
            conn.append_audit(audit).await?;
            Ok(webhook.clone())
        })
    }

    /// An organization's webhooks, oldest first.
    pub async fn webhooks_of(&self, org_id: &str) -> Result<Vec<Webhook>, DbError> {
        let records: Vec<WebhookRecord> = on_reader!(self, |conn| {
            sqlx::query_as(&format!(
                "select {WEBHOOK_COLUMNS} from webhooks where org_id = $1 order by created_at, id"
            ))
            .bind(org_id)
            .fetch_all(&mut *conn)
            .await?
        });
        Ok(records.into_iter().map(Webhook::from).collect())
    }

    pub async fn webhook(&self, id: &str) -> Result<Option<Webhook>, DbError> {
        on_reader!(self, |conn| conn.webhook_by_id(id).await)
    }

    /// The signing secret, for the one caller that signs a delivery. Never log it.
    pub async fn webhook_secret(&self, id: &str) -> Result<Option<String>, DbError> {
        let secret: Option<(String,)> = on_reader!(self, |conn| {
            sqlx::query_as("select secret from webhooks where id = $1")
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
        });
        Ok(secret.map(|(secret,)| secret))
    }

    /// Turns a webhook on or off; `false` (and no audit row) when there is no such webhook.
    /// An inactive webhook gets no new deliveries; those already scheduled still run.
    pub async fn set_webhook_active(
        &self,
        id: &str,
        active: bool,
        audit: &AuditEvent,
    ) -> Result<bool, DbError> {
        in_transaction!(self, |conn| {
            let changed = sqlx::query("update webhooks set active = $2 where id = $1")
                .bind(id)
                .bind(active)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            if changed == 0 {
                return Ok(false);
            }
            conn.append_audit(audit).await?;
            Ok(true)
        })
    }

    /// Records one attempt to deliver an event to a webhook.
    pub async fn record_delivery(&self, d: &Delivery) -> Result<(), DbError> {
        in_transaction!(self, |conn| {
            sqlx::query(
                "insert into webhook_deliveries (id, webhook_id, event_seq, job_id, attempt, at,
                     outcome, http_status, error, duration_ms)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(&d.id)
            .bind(&d.webhook_id)
            .bind(d.event_seq)
            .bind(&d.job_id)
            .bind(d.attempt)
            .bind(d.at)
            .bind(&d.outcome)
            .bind(d.http_status)
            .bind(d.error.as_deref())
            .bind(d.duration_ms)
            .execute(&mut *conn)
            .await?;
            Ok(())
        })
    }

    /// A webhook's latest delivery attempts, newest first.
    pub async fn deliveries_of(
        &self,
        webhook_id: &str,
        limit: i64,
    ) -> Result<Vec<Delivery>, DbError> {
        let records: Vec<DeliveryRecord> = on_reader!(self, |conn| {
            sqlx::query_as(
                "select id, webhook_id, event_seq, job_id, attempt, at, outcome, http_status,
                        error, duration_ms
                 from webhook_deliveries where webhook_id = $1
                 order by at desc, attempt desc, id limit $2",
            )
            .bind(webhook_id)
            .bind(limit.max(0))
            .fetch_all(&mut *conn)
            .await?
        });
        Ok(records.into_iter().map(Delivery::from).collect())
    }

    /// Sets (or with `None` removes) an organization's official mailbox.
    pub async fn set_org_mailbox(
        &self,
        org_id: &str,
        email: Option<&str>,
        audit: &AuditEvent,
    ) -> Result<(), DbError> {
        in_transaction!(self, |conn| {
            let org: Option<(String,)> =
                sqlx::query_as("select id from organizations where id = $1")
                    .bind(org_id)
                    .fetch_optional(&mut *conn)
                    .await?;
            if org.is_none() {
                return Err(not_found(&crate::domain::phrases::NO_SUCH_ORG));
            }
            match email {
                Some(email) => {
                    sqlx::query(
                        "insert into org_mailboxes (org_id, email, updated_at) values ($1, $2, $3)
                         on conflict (org_id) do update
                             set email = excluded.email, updated_at = excluded.updated_at",
                    )
                    .bind(org_id)
                    .bind(email)
                    .bind(audit.at)
                    .execute(&mut *conn)
                    .await?;
                }
                None => {
                    sqlx::query("delete from org_mailboxes where org_id = $1")
                        .bind(org_id)
                        .execute(&mut *conn)
                        .await?;
                }
            }
            conn.append_audit(audit).await?;
            Ok(())
        })
    }

    pub async fn org_mailbox(&self, org_id: &str) -> Result<Option<String>, DbError> {
        let email: Option<(String,)> = on_reader!(self, |conn| {
            sqlx::query_as("select email from org_mailboxes where org_id = $1")
                .bind(org_id)
                .fetch_optional(&mut *conn)
                .await?
        });
        Ok(email.map(|(email,)| email))
    }
}
