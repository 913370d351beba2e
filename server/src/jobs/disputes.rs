//! A dispute's clocks: the 50 % and 75 % warnings of a stage, 催办 when its time ran out, and
//! 督办 later, each to whoever owes the stage: the parties while they negotiate (when the time
//! is out they may escalate), the bureau while it must accept or decide, the parties that have
//! not answered in writing while replies are due.
//!
//! Each reminder re-reads the dispute when it runs and does nothing unless the dispute is
//! still in the stage it was scheduled for, with the same deadline, and someone still owes
//! it. It never changes the dispute: it only writes events and an audit row.

use serde_json::json;

use super::outcome::{str_field, system_audit, Failure};
use crate::db::{Audience, Dispute, Effects, Job, NewEvent};
use crate::domain::dispute::Stage;
use crate::services::Services;
use crate::work::schedule::kind;

/// Who owes the stage now: the bodies reminded, and whether the bureau is one of them.
fn owing(dispute: &Dispute, stage: Stage) -> Vec<String> {
    match stage {
        Stage::Negotiation => dispute.parties.iter().map(|p| p.org_id.clone()).collect(),
        Stage::Acceptance | Stage::Decision => vec![dispute.bureau_org_id.clone()],
        Stage::Replies => dispute
            .parties
            .iter()
            .filter(|p| p.replied_at.is_none())
            .map(|p| p.org_id.clone())
            .collect(),
    }
}

/// Runs one reminder of a dispute's stage; its effects are empty when nothing is owed any
/// more.
pub(super) async fn run(services: &Services, job: &Job) -> Result<Effects, Failure> {
    let dispute_id = str_field(&job.payload, "dispute_id")?;
    let stage: Stage = str_field(&job.payload, "stage")?
        .parse()
        .map_err(|_| Failure::permanent("the job names no stage"))?;
    let due_at = job.payload["due_at"]
        .as_i64()
        .ok_or_else(|| Failure::permanent("the job has no due_at"))?;
    let percent = job.payload["percent"].as_i64().unwrap_or(0);
    let db = &services.db;
    let Some(dispute) = db.dispute(dispute_id).await? else {
        return Ok(Effects::default());
    };
    if dispute.state.stage() != Some(stage) || dispute.stage_due_at != Some(due_at) {
        return Ok(Effects::default());
    }
    let owing = owing(&dispute, stage);
    if owing.is_empty() {
        return Ok(Effects::default());
    }
    let (event_kind, action) = match job.kind.as_str() {
        kind::DISPUTE_WARN => ("dispute.reminder", "dispute_reminded"),
        kind::DISPUTE_OVERDUE => ("dispute.overdue", "dispute_overdue"),
        _ => ("dispute.supervised", "dispute_supervised"),
    };
    let subject = format!("dispute:{}", dispute.id);
    let payload = json!({
        "dispute_id": dispute.id,
        "title": dispute.title,
        "state": dispute.state,
        "stage": stage,
        "due_at": due_at,
        "percent": percent,
        "bureau_org_id": dispute.bureau_org_id,
    });
    let event = |audience| NewEvent {
        audience,
        kind: event_kind.to_owned(),
        subject: subject.clone(),
        payload: payload.clone(),
    };
    let mut effects = Effects::default();
    for org_id in &owing {
        effects.events.push(event(Audience::Org(org_id.clone())));
    }
    let mut heads = Vec::new();
    if job.kind == kind::DISPUTE_ESCALATE {
        // 督办: the heads of whoever owes it, and the parties waiting on the bureau.
        for org_id in &owing {
            for admin in db.org_admin_ids(org_id).await? {
                effects.events.push(event(Audience::User(admin.clone())));
                heads.push(admin);
            }
        }
        if matches!(stage, Stage::Acceptance | Stage::Decision) {
            for party in &dispute.parties {
                effects
                    .events
                    .push(event(Audience::Org(party.org_id.clone())));
            }
        } else {
            effects
                .events
                .push(event(Audience::Org(dispute.bureau_org_id.clone())));
        }
    }
    let now = services.clock.now_ms();
    effects.audit.push(system_audit(
        now,
        action,
        subject.clone(),
        job,
        json!({ "stage": stage, "due_at": due_at, "percent": percent, "orgs": owing, "admins": heads }),
    ));
    Ok(effects)
}
