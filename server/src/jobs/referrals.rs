//! A referral's clocks: the 50 % and 75 % warnings of a stage, 催办 when its time ran out, and
//! 督办 later, each to the side that owes the stage: the referring body while it must approve
//! and send, the receiving body while it must sign for it, decide, or raise the dispute of a
//! referral it returned. At 督办 the owing body's heads (its admins) are told, and so are the
//! body waiting on it and, for a suspected crime's referral held up by public security, the
//! procuratorate it was copied to.
//!
//! Each reminder re-reads the referral when it runs and does nothing unless it is still in the
//! stage it was scheduled for, with the same deadline. It never changes the referral: it only
//! writes events and an audit row.

use serde_json::json;

use super::outcome::{str_field, system_audit, Failure};
use crate::db::{Audience, Effects, Job, NewEvent, Referral};
use crate::domain::referral::ReferralStage;
use crate::services::Services;
use crate::work::schedule::kind;

/// The body that owes the stage, and the one waiting on it.
fn sides(referral: &Referral, stage: ReferralStage) -> (&str, &str) {
    let (referrer, receiver) = (
        referral.referrer_org_id.as_str(),
        referral.receiver_org_id.as_str(),
    );
    if stage.on_receiver() {
        (receiver, referrer)
    } else {
        (referrer, receiver)
    }
}

/// Runs one reminder of a referral's stage; its effects are empty when the stage is over.
pub(super) async fn run(services: &Services, job: &Job) -> Result<Effects, Failure> {
    let referral_id = str_field(&job.payload, "referral_id")?;
    let stage: ReferralStage = str_field(&job.payload, "stage")?
        .parse()
        .map_err(|_| Failure::permanent("the job names no stage"))?;
    let due_at = job.payload["due_at"]
        .as_i64()
        .ok_or_else(|| Failure::permanent("the job has no due_at"))?;
    let percent = job.payload["percent"].as_i64().unwrap_or(0);
    let db = &services.db;
    let Some(referral) = db.referral(referral_id).await? else {
        return Ok(Effects::default());
    };
    if referral.state.stage() != Some(stage) || referral.stage_due_at != Some(due_at) {
        return Ok(Effects::default());
    }
    let (owing, waiting) = sides(&referral, stage);
    let (event_kind, action) = match job.kind.as_str() {
        kind::REFERRAL_WARN => ("referral.reminder", "referral_reminded"),
        kind::REFERRAL_OVERDUE => ("referral.overdue", "referral_overdue"),
        _ => ("referral.supervised", "referral_supervised"),
    };
    let subject = format!("referral:{}", referral.id);
    let payload = json!({
        "referral_id": referral.id,
        "case_name": referral.case.name,
        "kind": referral.kind,
        "state": referral.state,
        "stage": stage,
        "due_at": due_at,
        "percent": percent,
        "referrer_org_id": referral.referrer_org_id,
        "receiver_org_id": referral.receiver_org_id,
    });
    let event = |audience| NewEvent {
        audience,
        kind: event_kind.to_owned(),
        subject: subject.clone(),
        payload: payload.clone(),
    };
    let mut effects = Effects::default();
    effects.events.push(event(Audience::Org(owing.to_owned())));
    let mut heads = Vec::new();
    if job.kind == kind::REFERRAL_ESCALATE {
        for admin in db.org_admin_ids(owing).await? {
            effects.events.push(event(Audience::User(admin.clone())));
            heads.push(admin);
        }
        // The body waiting on it, unless that is a receiver not yet sent the referral: it
        // does not know of it yet (`work::referrals::party_of`), and must not learn of it
        // from its clock.
        if waiting != referral.receiver_org_id || referral.sent_at.is_some() {
            effects
                .events
                .push(event(Audience::Org(waiting.to_owned())));
        }
        if let Some(copy) = referral
            .copy_org_id
            .as_ref()
            .filter(|_| stage.on_receiver())
        {
            effects.events.push(event(Audience::Org(copy.clone())));
        }
    }
    let now = services.clock.now_ms();
    effects.audit.push(system_audit(
        now,
        action,
        subject.clone(),
        job,
        json!({ "stage": stage, "due_at": due_at, "percent": percent, "org": owing, "admins": heads }),
    ));
    Ok(effects)
}
