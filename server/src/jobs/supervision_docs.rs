//! A supervision document's clock: the rectification report (整改报告) the supervised body
//! owes. The 50 % and 75 % warnings and 催办 go to the body, and the bureau is told of the
//! 催办; at 督办 the body's heads (its admins) are told, and the bureau again.
//!
//! Each reminder re-reads the document when it runs and does nothing unless it is still
//! rectifying with the same deadline (a report submitted, or sent back with a new one, stops
//! it). It never changes the document: it only writes events and an audit row.

use serde_json::json;

use super::outcome::{str_field, system_audit, Failure};
use crate::db::{Audience, Effects, Job, NewEvent};
use crate::domain::supervision_doc::SupervisionState;
use crate::services::Services;
use crate::work::schedule::kind;

/// Runs one reminder of a report due; its effects are empty when the report is no longer due.
pub(super) async fn run(services: &Services, job: &Job) -> Result<Effects, Failure> {
    let supervision_id = str_field(&job.payload, "supervision_id")?;
    let due_at = job.payload["due_at"]
        .as_i64()
        .ok_or_else(|| Failure::permanent("the job has no due_at"))?;
    let percent = job.payload["percent"].as_i64().unwrap_or(0);
    let db = &services.db;
    let Some(doc) = db.supervision(supervision_id).await? else {
        return Ok(Effects::default());
    };
    if doc.state != SupervisionState::Rectifying || doc.stage_due_at != Some(due_at) {
        return Ok(Effects::default());
    }
    let (event_kind, action) = match job.kind.as_str() {
        kind::SUPERVISION_WARN => ("supervision.reminder", "supervision_reminded"),
        kind::SUPERVISION_OVERDUE => ("supervision.overdue", "supervision_overdue"),
        _ => ("supervision.supervised", "supervision_supervised"),
    };
    let subject = format!("supervision:{}", doc.id);
    let payload = json!({
        "supervision_id": doc.id,
        "title": doc.title,
        "kind": doc.kind,
        "state": doc.state,
        "round": doc.round,
        "due_at": due_at,
        "percent": percent,
        "bureau_org_id": doc.bureau_org_id,
        "body_org_id": doc.body_org_id,
    });
    let event = |audience| NewEvent {
        audience,
        kind: event_kind.to_owned(),
        subject: subject.clone(),
        payload: payload.clone(),
    };
    let mut effects = Effects::default();
    effects
        .events
        .push(event(Audience::Org(doc.body_org_id.clone())));
    let mut heads = Vec::new();
    if job.kind != kind::SUPERVISION_WARN {
        effects
            .events
            .push(event(Audience::Org(doc.bureau_org_id.clone())));
    }
    if job.kind == kind::SUPERVISION_ESCALATE {
        for admin in db.org_admin_ids(&doc.body_org_id).await? {
            effects.events.push(event(Audience::User(admin.clone())));
            heads.push(admin);
        }
    }
    let now = services.clock.now_ms();
    effects.audit.push(system_audit(
        now,
        action,
        subject.clone(),
        job,
        json!({ "round": doc.round, "due_at": due_at, "percent": percent,
                "org": doc.body_org_id, "admins": heads }),
    ));
    Ok(effects)
}
