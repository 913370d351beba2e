//! The operations of supervision: what happens when someone acts on a task (任务 / 督办) or a
//! notification (信息通报 / 案件函告).
//!
//! Each operation follows the same steps, in this order, and nothing else does them:
//!
//! 1. load what is acted on, and answer "not found" to anyone not involved in it (so ids
//!    cannot be probed), exactly as for an id that does not exist;
//! 2. ask [`crate::domain::policy`] which party the caller is and whether it may act;
//! 3. ask the pure transition functions of [`crate::domain::task`] and
//!    [`crate::domain::notice`] what the command leads to, or which rule refuses it;
//! 4. build the side effects of the change as one [`Effects`]: the events for inboxes,
//!    live pushes and webhooks, the durable jobs (reminders, escalations) scheduled or
//!    cancelled, and the audit rows naming actor, organization, time and reason;
//! 5. make **one** database write, which applies the change and its effects in one
//!    transaction, so a change never happens without its reminders and its audit row;
//! 6. wake the event pump and the job worker, so the change reaches people at once.
//!
//! Time is read from `services.clock` only, never from the system clock directly, so tests can
//! step through deadlines.
//!
//! This module must never write SQL (that is [`crate::db`]), never decide access itself (that
//! is the policy) and never encode a transition rule (that is the domain).
//!
//! # Layout
//!
//! - here: what both share: the acting person's stamp and audit rows (`Acting` for writes
//!   that no request makes), paging. What people write arrives already checked, as the
//!   newtypes of [`crate::domain::text`].
//! - [`tasks`]: create, act on, comment on, attach evidence to, and extend tasks.
//! - [`notices`]: send, read, acknowledge, reply to, close, correct and recall notices.
//! - [`meetings`]: convene meetings, move them, answer invitations, record attendance and the
//!   agenda; the calendar entry and the annual obligation.
//! - [`signing`]: the lifecycle of a signed document of any kind: freeze, sign in order, send
//!   back, archive, the bundle.
//! - [`minutes`]: a meeting's minutes as a signed document (what is minutes' own).
//! - [`keys`]: people's signing keys and organizations' seals.
//! - [`limits`]: time limits by region (时限设置): the effective limits of a region, setting them.
//! - [`log`]: the signed log's checkpoint and proofs.
//! - [`supervision`]: a judicial bureau's supervision desk (监督台): what is overdue,
//!   unacknowledged or escalated in its region, by body.
//! - [`inbox`] (here): the durable inbox of a person and their body.

pub mod audit;
pub mod by;
pub mod calendar;
pub mod campaign_access;
pub mod campaign_summary;
pub mod campaigns;
pub mod directory;
pub mod dispute_agreement;
pub mod dispute_decision;
pub mod dispute_stats;
pub mod dispute_window;
pub mod disputes;
pub mod error;
pub mod events;
pub mod filings;
pub mod investigation_command;
pub mod investigation_evidence;
pub mod investigation_report;
pub mod investigations;
pub mod keys;
pub mod library;
pub mod limits;
pub mod log;
pub mod meetings;
pub mod minutes;
pub mod notices;
pub mod oidc;
pub mod plans;
pub mod referral_receipt;
pub mod referral_stats;
pub mod referral_suggestions;
pub mod referrals;
pub mod region_figures;
pub mod region_stats;
pub mod review_attachments;
pub mod review_summary;
pub mod reviews;
pub mod schedule;
pub mod sessions;
pub mod signing;
pub mod spaces;
pub mod supervision;
pub mod supervision_docs;
pub mod supervision_text;
pub mod tasks;
pub mod tokens;
pub mod users;
pub mod webhooks;

pub use error::Error;

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::db::{AuditEvent, Stamp};
use crate::domain::policy::{self, Action};
use crate::services::{EventBody, Services};

pub use crate::domain::text::{MAX_TEXT_CHARS, MAX_TITLE_CHARS};

/// The most items a list answers in one page.
pub const MAX_PAGE: i64 = 200;

/// The size of a page when the request does not say.
pub const DEFAULT_PAGE: i64 = 50;

/// Who acts in a write that may not come from a request: a person (from a [`Caller`]), or
/// the system acting on behalf of a body (signed minutes setting the tasks of their agreed
/// items, a meeting's notice). It names the acting user and organization in history lines
/// and audit rows exactly as a request would.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Acting {
    /// `None` for the system; `token:<id>` is never used here (a token's caller has its
    /// creator's user id, as in [`Caller::event`]).
    pub user_id: Option<String>,
    /// The name a history line shows.
    pub name: Option<String>,
    pub org_id: Option<String>,
    /// The client address, for the audit trail; `None` for the system.
    pub ip: Option<String>,
}

impl Acting {
    /// The person behind a request, as [`stamp`] and [`audit`] record them.
    pub(crate) fn of(caller: &Caller) -> Acting {
        Acting {
            user_id: Some(caller.actor.user_id.clone()),
            name: Some(caller.principal().name),
            org_id: caller.org.as_ref().map(|o| o.id.clone()),
            ip: caller.client.ip.clone(),
        }
    }

    /// The stamp of a history line written at `at`.
    pub(crate) fn stamp(&self, at: i64) -> Stamp {
        Stamp {
            at,
            user_id: self.user_id.clone(),
            name: self.name.clone(),
            org_id: self.org_id.clone(),
        }
    }

    /// An audit row for something done at `at`.
    pub(crate) fn audit(&self, at: i64, action: &str, target: String, detail: Value) -> AuditEvent {
        AuditEvent {
            at,
            actor_user_id: self.user_id.clone(),
            actor_org_id: self.org_id.clone(),
            action: action.to_owned(),
            target,
            detail,
            ip: self.ip.clone(),
        }
    }
}

/// Who acted, as a history entry and the audit trail record it.
pub(crate) fn stamp(caller: &Caller, at: i64) -> Stamp {
    Stamp {
        at,
        user_id: Some(caller.actor.user_id.clone()),
        name: Some(caller.principal().name),
        org_id: caller.org.as_ref().map(|o| o.id.clone()),
    }
}

/// An audit row for something `caller` did at `at` (the state's clock, like the change
/// itself, so the trail and the records agree).
pub(crate) fn audit(
    caller: &Caller,
    at: i64,
    action: &str,
    target: String,
    detail: Value,
) -> AuditEvent {
    let mut event = caller.event(action, target, detail);
    event.at = at;
    event
}

/// The caller's organization id, or the refusal for someone who acts for none (an operator
/// without an organization).
///
/// `_what` names what the caller tried (`sign the minutes`); the refusal is the same for
/// every action, so it is not said.
pub(crate) fn own_org<'a>(caller: &'a Caller, _what: &str) -> Result<&'a str, Error> {
    caller
        .org
        .as_ref()
        .map(|o| o.id.as_str())
        .ok_or_else(|| Error::Denied(crate::domain::phrases::ACT_FOR_ORG.message()))
}

impl From<crate::domain::text::Invalid> for Error {
    fn from(invalid: crate::domain::text::Invalid) -> Error {
        Error::Invalid {
            field: invalid.field,
            why: invalid.why.into(),
        }
    }
}

/// A deadline given as an instant (`due_at`, `reply_due_at`) must lie ahead of `now`.
pub(crate) fn ahead(field: &'static str, at: i64, now: i64) -> Result<i64, Error> {
    if at <= now {
        return Err(Error::invalid(
            field,
            crate::domain::phrases::DEADLINE_NOT_AHEAD.with("field", field),
        ));
    }
    Ok(at)
}

/// The first of `ids` that names no organization, if any (a notice's recipients, a
/// meeting's invited bodies). A few are looked up one by one; many, against the whole
/// directory at once.
pub(crate) async fn unknown_org<'a>(
    services: &Services,
    ids: impl IntoIterator<Item = &'a str>,
) -> Result<Option<&'a str>, Error> {
    let ids: Vec<&str> = ids.into_iter().collect();
    if ids.len() <= 16 {
        for id in ids {
            if services.db.org(id).await?.is_none() {
                return Ok(Some(id));
            }
        }
        return Ok(None);
    }
    let known: std::collections::HashSet<String> = services
        .db
        .orgs()
        .await?
        .into_iter()
        .map(|o| o.id)
        .collect();
    Ok(ids.into_iter().find(|id| !known.contains(*id)))
}

/// A page of a list: `limit` defaults to [`DEFAULT_PAGE`] and may not exceed [`MAX_PAGE`];
/// `offset` defaults to 0.
pub(crate) fn page(limit: Option<i64>, offset: Option<i64>) -> Result<(i64, i64), Error> {
    let limit = limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(Error::invalid(
            "limit",
            crate::domain::phrases::LIMIT_BETWEEN.with("max", MAX_PAGE),
        ));
    }
    let offset = offset.unwrap_or(0);
    if offset < 0 {
        return Err(Error::invalid(
            "offset",
            &crate::domain::phrases::OFFSET_NEGATIVE,
        ));
    }
    Ok((limit, offset))
}

/// A page of the inbox, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InboxPage {
    pub events: Vec<EventBody>,
    /// Where the next (older) page starts (`?before=`); `null` at the end.
    #[schema(required)]
    pub next_before: Option<i64>,
}

/// The inbox of the caller: events to them and to their body, newest first, older than
/// `before` (a seq) when given, each one the caller may see (a token sees task events only with
/// `tasks:read`, notice events only with `notices:read`).
pub async fn inbox(
    services: &Services,
    caller: &Caller,
    before: Option<i64>,
    limit: i64,
) -> Result<InboxPage, Error> {
    caller.allow(&services.db, Action::ReadEvents).await?;
    let org = caller.org.as_ref().map(|o| o.id.as_str());
    let events = services
        .db
        .inbox(&caller.actor.user_id, org, before, limit)
        .await?;
    // A full page may have more behind it; a short one is the end. Decided before filtering,
    // so events a token may not see do not end the paging early.
    let next_before = if events.len() as i64 == limit {
        events.last().map(|e| e.seq)
    } else {
        None
    };
    let events = events
        .iter()
        .filter(|e| policy::event_visible(&caller.actor, &e.kind))
        .map(EventBody::from)
        .collect();
    Ok(InboxPage {
        events,
        next_before,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_bounded() {
        assert_eq!(page(None, None).unwrap(), (DEFAULT_PAGE, 0));
        assert!(page(Some(0), None).is_err());
        assert!(page(Some(MAX_PAGE + 1), None).is_err());
        assert!(page(Some(10), Some(-1)).is_err());
    }
}
