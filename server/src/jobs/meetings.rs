//! The meeting reminders: the reply deadline (bodies that have not answered, then their
//! heads), 48 hours before the start (bodies that will attend), and the minutes (the convener,
//! 3 and 7 days after the end, while they are not frozen).
//!
//! Each reminder re-reads the meeting when it runs and does nothing unless the meeting is still
//! where the reminder was scheduled for: the same state and the same time (a postponed meeting
//! silences its old reminders even if a cancellation were missed), and someone still owes what
//! it reminds of. It must never change the meeting: it only writes events and an audit row.

use serde_json::{json, Value};

use super::outcome::{str_field, system_audit, Failure};
use crate::db::{Audience, Effects, Job, Meeting, NewEvent};
use crate::domain::meeting::{InvitationState, MeetingState};
use crate::services::Services;
use crate::work::schedule::kind;

/// What every meeting event carries: enough to show it and link to the meeting.
fn meeting_payload(meeting: &Meeting) -> Value {
    json!({
        "meeting_id": meeting.id,
        "title": meeting.title,
        "kind": meeting.kind,
        "convener_org_id": meeting.convener_org_id,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "place": meeting.place,
        "online_link": meeting.online_link,
        "reply_due_at": meeting.reply_due_at,
    })
}

fn i64_field(payload: &Value, name: &str) -> Result<i64, Failure> {
    payload[name]
        .as_i64()
        .ok_or_else(|| Failure::permanent(format!("the job has no {name}")))
}

/// Runs one meeting reminder; its effects are empty when nothing is owed any more.
pub(super) async fn run(services: &Services, job: &Job) -> Result<Effects, Failure> {
    let meeting_id = str_field(&job.payload, "meeting_id")?;
    let db = &services.db;
    let Some(meeting) = db.meeting(meeting_id).await? else {
        return Ok(Effects::default());
    };
    let subject = format!("meeting:{}", meeting.id);
    let base = meeting_payload(&meeting);
    let event = |audience, kind: &str, payload: &Value| NewEvent {
        audience,
        kind: kind.to_owned(),
        subject: subject.clone(),
        payload: payload.clone(),
    };
    let mut effects = Effects::default();
    let (action, detail) = match job.kind.as_str() {
        kind::MEETING_REPLY_DUE | kind::MEETING_REPLY_ESCALATE => {
            let reply_due_at = i64_field(&job.payload, "reply_due_at")?;
            if meeting.state != MeetingState::Scheduled
                || meeting.reply_due_at != Some(reply_due_at)
            {
                return Ok(Effects::default());
            }
            let pending: Vec<&str> = meeting
                .invitations
                .iter()
                .filter(|i| i.state == InvitationState::Pending)
                .map(|i| i.org_id.as_str())
                .collect();
            if pending.is_empty() {
                return Ok(Effects::default());
            }
            if job.kind == kind::MEETING_REPLY_DUE {
                for org_id in &pending {
                    let mut payload = base.clone();
                    payload["org_id"] = json!(org_id);
                    effects.events.push(event(
                        Audience::Org((*org_id).to_owned()),
                        "meeting.reply_reminder",
                        &payload,
                    ));
                }
                ("meeting_reply_reminded", json!({ "orgs": pending }))
            } else {
                let mut heads = Vec::new();
                for org_id in &pending {
                    let mut payload = base.clone();
                    payload["org_id"] = json!(org_id);
                    for admin in db.org_admin_ids(org_id).await? {
                        effects.events.push(event(
                            Audience::User(admin.clone()),
                            "meeting.reply_escalated",
                            &payload,
                        ));
                        heads.push(admin);
                    }
                    effects.events.push(event(
                        Audience::Org(meeting.convener_org_id.clone()),
                        "meeting.reply_escalated",
                        &payload,
                    ));
                }
                (
                    "meeting_reply_escalated",
                    json!({ "orgs": pending, "admins": heads }),
                )
            }
        }
        kind::MEETING_STARTS_SOON => {
            let starts_at = i64_field(&job.payload, "starts_at")?;
            if meeting.state != MeetingState::Scheduled || meeting.starts_at != starts_at {
                return Ok(Effects::default());
            }
            let attending: Vec<&str> = meeting
                .invitations
                .iter()
                .filter(|i| {
                    matches!(
                        i.state,
                        InvitationState::Confirmed | InvitationState::Delegated
                    )
                })
                .map(|i| i.org_id.as_str())
                .collect();
            if attending.is_empty() {
                return Ok(Effects::default());
            }
            for org_id in &attending {
                effects.events.push(event(
                    Audience::Org((*org_id).to_owned()),
                    "meeting.starting_soon",
                    &base,
                ));
            }
            ("meeting_start_reminded", json!({ "orgs": attending }))
        }
        _ => {
            let ended_at = i64_field(&job.payload, "ended_at")?;
            let days = i64_field(&job.payload, "days")?;
            if meeting.state != MeetingState::Ended || meeting.ended_at != Some(ended_at) {
                return Ok(Effects::default());
            }
            let frozen = db
                .space_doc(&meeting.minutes_doc_id)
                .await?
                .is_some_and(|doc| doc.frozen);
            if frozen {
                return Ok(Effects::default());
            }
            let mut payload = base.clone();
            payload["days_since_end"] = json!(days);
            payload["minutes_doc_id"] = json!(meeting.minutes_doc_id);
            effects.events.push(event(
                Audience::Org(meeting.convener_org_id.clone()),
                "meeting.minutes_reminder",
                &payload,
            ));
            ("meeting_minutes_reminded", json!({ "days": days }))
        }
    };
    effects.audit.push(system_audit(
        services.clock.now_ms(),
        action,
        subject,
        job,
        detail,
    ));
    Ok(effects)
}
