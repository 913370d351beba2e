//! The minutes (会议纪要) of a meeting as a signed document: the meeting's part of the one
//! lifecycle of [`super::signing`] (freeze, open signing, sign in order, send back, archive,
//! the bundle).
//!
//! What is minutes' own, and nothing else, lives here ([`MeetingMinutes`]): the document is
//! the meeting's minutes document in the meeting's space; the convener manages it and the
//! convener and the participating members sign it (observers and supervisors read); by default
//! the members sign in parallel, then the convener; it may be frozen once the meeting has
//! started; its projection is given the meeting, its convener and who attended; and its
//! completion turns each agreed item (议定事项) into a task for its responsible body, sends
//! the signed minutes to every participating body as a notice to acknowledge (签收), and
//! closes an ended meeting, all in the write of the last signature.
//!
//! Every operation loads the meeting first and answers "not found" to anyone who may not
//! see it, exactly as for a meeting that does not exist.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::{json, Map, Value};
use utoipa::ToSchema;

use super::signing::{
    self, Act, Artefact, Completed, Issue, SignedDocument, SignedView, StatementInput, ToSign,
};
use super::Error;
use crate::auth::Caller;
use crate::db::{Effects, Meeting, SignedVersion, Space, SubjectChange};
use crate::domain::calendar::local_date;
use crate::domain::doc_number::MINUTES_WORD;
use crate::domain::minutes::{default_steps, freeze_gate, MinutesWords, SIGNATORIES};
use crate::domain::org::SpaceRole;
use crate::domain::policy::Action;
use crate::domain::signed::{Gate, Signatories};
use crate::services::Services;
use crate::signing::kinds::minutes::{
    agreed_items, Attendee, CheckIn, Held, Issued, Minutes, MinutesMeta, OrgRef, SigningBody,
};
use crate::signing::statement::rfc3339;

/// The minutes of one meeting, as the lifecycle sees them.
pub(crate) struct MeetingMinutes {
    space: Space,
    meeting: Meeting,
}

impl MeetingMinutes {
    /// Loads the meeting, answering "not found" to anyone who may not see it.
    pub(crate) async fn load(
        services: &Services,
        caller: &Caller,
        meeting_id: &str,
    ) -> Result<MeetingMinutes, Error> {
        let not_found = || Error::NotFound(crate::domain::phrases::NO_SUCH_MEETING.message());
        let space = services.db.space(meeting_id).await?.ok_or_else(not_found)?;
        let meeting = services
            .db
            .meeting(meeting_id)
            .await?
            .ok_or_else(not_found)?;
        if caller
            .allow(&services.db, Action::ReadSpace(space.facts()))
            .await
            .is_err()
        {
            return Err(not_found());
        }
        Ok(MeetingMinutes { space, meeting })
    }

    fn convener(&self) -> &str {
        &self.meeting.convener_org_id
    }

    /// The answer of an operation: the lifecycle's view, with the meeting it belongs to.
    fn answer(&self, minutes: SignedView) -> MinutesView {
        MinutesView {
            meeting_id: self.space.id.clone(),
            minutes,
        }
    }

    /// The header of the content: the meeting, its convener and who attended (by the names
    /// the bodies gave; the attendance at check-in, else the invitation's answer), and the
    /// meeting as held: its actual start and end and each body's check-in (签到) on its own;
    /// from the freeze, the document number, its date and the signing bodies in order.
    fn meta(&self, issue: &Issue) -> MinutesMeta {
        let m = &self.meeting;
        let attendees = m
            .invitations
            .iter()
            .map(|i| Attendee {
                org_id: i.org_id.clone(),
                org_name: i.org_name.clone(),
                person: i.attendee.clone().or_else(|| i.delegate.clone()),
                status: match i.attendance {
                    Some(attendance) => attendance.as_str().to_owned(),
                    None => i.state.as_str().to_owned(),
                },
            })
            .collect();
        MinutesMeta {
            meeting_id: self.space.id.clone(),
            title: m.title.clone(),
            kind: m.kind.as_str().to_owned(),
            starts_at: rfc3339(m.starts_at),
            ends_at: Some(rfc3339(m.ends_at)),
            place: m.place.clone().or_else(|| m.online_link.clone()),
            document: issue.number.as_ref().map(|number| Issued {
                number: number.text(),
                dated: local_date(issue.at).map_or_else(String::new, |d| d.to_string()),
            }),
            signing: issue
                .signers
                .iter()
                .map(|s| SigningBody {
                    step: u64::from(s.step),
                    org_id: s.org_id.clone(),
                    org_name: s.org_name.clone(),
                })
                .collect(),
            convener: OrgRef {
                org_id: m.convener_org_id.clone(),
                name: m.convener_name.clone(),
            },
            attendees,
            held: Some(Held {
                started_at: m.started_at.map(rfc3339),
                ended_at: m.ended_at.map(rfc3339),
                checked_in: m
                    .invitations
                    .iter()
                    .filter_map(|i| {
                        Some(CheckIn {
                            org_id: i.org_id.clone(),
                            org_name: i.org_name.clone(),
                            person: i.attendee.clone().or_else(|| i.delegate.clone()),
                            attendance: i.attendance?.as_str().to_owned(),
                            checked_in_at: i.checked_in_at.map(rfc3339),
                        })
                    })
                    .collect(),
            }),
        }
    }

    /// Each agreed item of the content of `version` a task for its responsible body, set by
    /// the convener: the effects setting them, and what became of each item, for the audit
    /// row.
    async fn agreed_tasks(
        &self,
        services: &Services,
        caller: &Caller,
        version: i64,
        content: &Value,
        now: i64,
    ) -> Result<(Effects, Vec<Value>), Error> {
        let mut effects = Effects::default();
        let mut made = Vec::new();
        for (i, item) in agreed_items(content).into_iter().enumerate() {
            let Some(due_at) = deadline_ms(&item.deadline) else {
                continue;
            };
            if item.org_id == self.convener() || services.db.org(&item.org_id).await?.is_none() {
                // The convener's own items are its own work; an unknown body cannot be set a
                // task. Both stay in the signed minutes, and the audit row names them.
                made.push(json!({ "item": i + 1, "org_id": item.org_id, "task_id": null }));
                continue;
            }
            let plan = super::tasks::TaskPlan {
                setter_org_id: self.convener().to_owned(),
                created_by: caller.actor.user_id.clone(),
                acting: super::Acting::of(caller),
                title: task_title(&item.text),
                body: format!(
                    "{}\n\n（会议纪要议定事项，会议：{}，纪要第 {} 版）",
                    item.text, self.meeting.title, version
                ),
                feedback_required: None,
                source: crate::domain::task::TaskSource::AgreedItem,
                source_ref: Some(format!("{}:item:{}", self.target(version), i + 1)),
                assignee_org_id: item.org_id.clone(),
                limit: None,
                // An item whose day has passed (minutes signed late) is due a day from now.
                due_at: Some(if due_at > now {
                    due_at
                } else {
                    now + 86_400_000
                }),
                dispatch: true,
            };
            let (task, entry, task_effects) = super::tasks::plan_task(services, now, plan).await?;
            made.push(json!({ "item": i + 1, "org_id": item.org_id, "task_id": task.id }));
            effects.set_task(task, entry);
            effects.merge(task_effects);
        }
        Ok((effects, made))
    }
}

impl SignedDocument for MeetingMinutes {
    type Kind = Minutes;
    type Words = MinutesWords;
    const NAME: &'static str = "minutes";
    const THE: &'static str = "the minutes";
    const THE_ZH: &'static str = "纪要";
    const SIGNATORIES: Signatories = SIGNATORIES;

    fn space(&self) -> &Space {
        &self.space
    }

    fn doc_id(&self) -> &str {
        &self.meeting.minutes_doc_id
    }

    fn title(&self) -> &str {
        &self.meeting.title
    }

    fn manage_action(&self) -> Action<'_> {
        Action::ManageSignedDoc(self.space.facts())
    }

    fn sign_action(&self) -> Action<'_> {
        Action::SignDoc(self.space.facts())
    }

    fn gate(&self) -> Gate {
        Gate {
            freeze: freeze_gate(self.meeting.state),
        }
    }

    /// The convener and the participating members; never an observer.
    fn signatories(&self) -> BTreeSet<String> {
        self.space
            .members
            .iter()
            .filter(|m| matches!(m.role, SpaceRole::Convener | SpaceRole::Member))
            .map(|m| m.org_id.clone())
            .collect()
    }

    fn default_steps(&self) -> Vec<Vec<String>> {
        let members: Vec<String> = self.signatories().into_iter().collect();
        default_steps(self.convener(), &members)
    }

    fn facts(&self, issue: &Issue) -> MinutesMeta {
        self.meta(issue)
    }

    /// Minutes are numbered by the convener: `宁司纪〔2026〕3号`.
    fn numbered_by(&self) -> Option<(&str, &'static str)> {
        Some((self.convener(), MINUTES_WORD))
    }

    fn event_subject(&self) -> String {
        format!("meeting:{}", self.space.id)
    }

    fn event_payload(&self) -> Map<String, Value> {
        let mut payload = Map::new();
        payload.insert("title".into(), json!(self.meeting.title));
        payload.insert("meeting_id".into(), json!(self.space.id));
        payload
    }

    fn target(&self, version: i64) -> String {
        format!("minutes:{}:{version}", self.space.id)
    }

    /// Each agreed item becomes a task for its responsible body, set by the convener; the
    /// signed minutes go to every participating body as a notice to acknowledge (签收); an
    /// ended meeting closes.
    async fn complete(
        &self,
        services: &Services,
        caller: &Caller,
        version: &SignedVersion,
        content: &Value,
        now: i64,
        effects: &mut Effects,
    ) -> Result<Completed, Error> {
        let (tasks, made) = self
            .agreed_tasks(services, caller, version.version, content, now)
            .await?;
        effects.merge(tasks);
        let recipients: Vec<String> = self
            .space
            .members
            .iter()
            .map(|m| m.org_id.clone())
            .filter(|org| org != self.convener())
            .collect();
        if !recipients.is_empty() {
            let plan = super::notices::NoticePlan {
                sender_org_id: self.convener().to_owned(),
                created_by: caller.actor.user_id.clone(),
                acting: super::Acting::of(caller),
                kind: crate::domain::notice::NoticeKind::Information,
                title: task_title(&format!("会议纪要已签署：{}", self.meeting.title)),
                // The minutes themselves are one click away (the notice's subject opens the
                // meeting's archive page); a person is not asked to acknowledge a hash.
                body: format!(
                    "《{}》会议纪要{}已由各方签署，请阅看纪要全文并签收。",
                    self.meeting.title,
                    if version.version > 1 {
                        format!("（第 {} 版）", version.version)
                    } else {
                        String::new()
                    }
                ),
                subject: Some(format!("minutes:{}:{}", self.space.id, version.version)),
                requires_ack: true,
                requires_reply: false,
                reply_due_at: None,
                recipients,
            };
            let (notice, notice_effects) = super::notices::plan_notice(services, now, plan).await?;
            effects.send_notice(notice);
            effects.merge(notice_effects);
        }
        let mut detail = Map::new();
        detail.insert("tasks".into(), Value::Array(made));
        Ok(Completed {
            subject_change: Some(SubjectChange::CloseEndedMeeting),
            detail,
        })
    }
}

/// A task title from an agreed item's text: its first line, at most 200 characters.
fn task_title(text: &str) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    let title: String = line.chars().take(super::MAX_TITLE_CHARS).collect();
    if title.is_empty() {
        "议定事项".into()
    } else {
        title
    }
}

/// The end of an agreed item's deadline day (`YYYY-MM-DD`), 24:00 office time (+08:00).
fn deadline_ms(day: &str) -> Option<i64> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(day, &format).ok()?;
    let next = date.next_day()?;
    let at = next
        .with_hms(0, 0, 0)
        .ok()?
        .assume_offset(time::macros::offset!(+8));
    Some((at.unix_timestamp_nanos() / 1_000_000) as i64 - 1)
}

// ---- the operations, as the routes and the command line call them ----

/// The minutes of a meeting as a participant sees them: the signed document's view, with
/// the meeting it belongs to.
#[derive(Debug, Serialize, ToSchema)]
pub struct MinutesView {
    pub meeting_id: String,
    #[serde(flatten)]
    pub minutes: SignedView,
}

/// The minutes of a meeting: version, state, policy, who signed, what the caller may do.
pub async fn show(
    services: &Services,
    caller: &Caller,
    meeting_id: &str,
) -> Result<MinutesView, Error> {
    let minutes = MeetingMinutes::load(services, caller, meeting_id).await?;
    Ok(minutes.answer(signing::view(services, caller, &minutes).await?))
}

/// Freezes, opens signing, signs, sends back or archives the minutes, as `act` says; who
/// may is the lifecycle's answer (the convener manages them; a signatory signs in turn, or
/// declines while signing is open).
pub async fn act(
    services: &Services,
    caller: &Caller,
    meeting_id: &str,
    act: Act,
) -> Result<MinutesView, Error> {
    let minutes = MeetingMinutes::load(services, caller, meeting_id).await?;
    Ok(minutes.answer(signing::act(services, caller, &minutes, act).await?))
}

/// The statement the caller's body signs now, and the bytes to sign.
pub async fn statement(
    services: &Services,
    caller: &Caller,
    meeting_id: &str,
    input: StatementInput,
) -> Result<ToSign, Error> {
    let minutes = MeetingMinutes::load(services, caller, meeting_id).await?;
    signing::statement(services, caller, &minutes, input).await
}

/// The archive bundle (.zip) of an archived version, with its file name.
pub async fn bundle(
    services: &Services,
    caller: &Caller,
    meeting_id: &str,
    version: i64,
) -> Result<signing::BundleFile, Error> {
    let minutes = MeetingMinutes::load(services, caller, meeting_id).await?;
    signing::bundle(services, &minutes, version).await
}

/// One stored file of a version (`content.json`, `manifest.json`, `minutes.html`,
/// `minutes.pdf`, the signature page).
pub async fn artefact(
    services: &Services,
    caller: &Caller,
    meeting_id: &str,
    version: i64,
    name: &str,
) -> Result<Artefact, Error> {
    let minutes = MeetingMinutes::load(services, caller, meeting_id).await?;
    signing::artefact(services, &minutes, version, name).await
}
