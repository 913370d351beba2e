//! The notice jobs: T1 reminds the receiving bodies that have not acknowledged, T2 tells
//! their admins and the sender, and the reply deadline tells those that have not replied.
//! Each fires only while the version is still the one sent.

use serde_json::json;

use super::outcome::{str_field, system_audit, Failure};
use crate::db::{Audience, Effects, Job, NewEvent};
use crate::domain::notice::{NoticeState, ReceiptState};
use crate::services::Services;
use crate::work::schedule::kind;

/// T1 reminder, T2 escalation or reply deadline of one notice version: one event per
/// receiving body still owing what the notice asks, if the version is still the one sent.
pub(super) async fn run(services: &Services, job: &Job) -> Result<Effects, Failure> {
    let notice_id = str_field(&job.payload, "notice_id")?;
    let db = &services.db;
    let Some(notice) = db.notice(notice_id).await? else {
        return Ok(Effects::default());
    };
    if notice.state != NoticeState::Sent {
        return Ok(Effects::default());
    }
    let receipts = db.notice_receipts(notice_id).await?;
    let owing: Vec<String> = receipts
        .iter()
        .filter(|r| match job.kind.as_str() {
            kind::NOTICE_REPLY_DUE => {
                notice.requires_reply
                    && !matches!(r.state, ReceiptState::Replied | ReceiptState::Closed)
            }
            _ => {
                notice.requires_ack
                    && matches!(r.state, ReceiptState::Delivered | ReceiptState::Read)
            }
        })
        .map(|r| r.org_id.clone())
        .collect();
    if owing.is_empty() {
        return Ok(Effects::default());
    }
    let subject = format!("notice:{}", notice.id);
    let mut effects = Effects::default();
    let (action, event_kind) = match job.kind.as_str() {
        kind::NOTICE_REMIND => ("notice_reminded", "notice.reminder"),
        kind::NOTICE_ESCALATE => ("notice_escalated", "notice.escalated"),
        _ => ("notice_reply_overdue", "notice.reply_overdue"),
    };
    for org_id in &owing {
        let payload = json!({
            "notice_id": notice.id,
            "series_id": notice.series_id,
            "version": notice.version,
            "title": notice.title,
            "sender_org_id": notice.sender_org_id,
            "org_id": org_id,
            "reply_due_at": notice.reply_due_at,
        });
        let event = |audience| NewEvent {
            audience,
            kind: event_kind.into(),
            subject: subject.clone(),
            payload: payload.clone(),
        };
        if job.kind == kind::NOTICE_ESCALATE {
            for admin in db.org_admin_ids(org_id).await? {
                effects.events.push(event(Audience::User(admin)));
            }
            effects
                .events
                .push(event(Audience::Org(notice.sender_org_id.clone())));
        } else {
            effects.events.push(event(Audience::Org(org_id.clone())));
        }
    }
    effects.audit.push(system_audit(
        services.clock.now_ms(),
        action,
        subject,
        job,
        json!({ "orgs": owing }),
    ));
    Ok(effects)
}
