//! Notification operations (信息通报 / 案件函告): send, read, acknowledge (签收), reply, close,
//! correct and recall.
//!
//! A notification is seen by its sender and its receiving bodies, and read by a judicial
//! bureau whose region covers the sender's or a recipient's (监督: the receipts
//! `policy::sees_receipt` gives it, never an action, and opening it marks nothing read);
//! everyone else is told
//! "no notice with this id". Each receiving body has a receipt per version, which moves from
//! delivered to read (automatically, when a person of the body opens it), to acknowledged
//! (explicitly, by a named person for the body), to replied and closed when a reply is asked.
//! Read is not acknowledgement: only the command `ReceiptAction::Acknowledge` records who
//! acknowledged, and only a signed-in person can give it, never an agency system's token.
//!
//! A correction (更正) or a recall (撤回) is a new version sent to the same bodies, with
//! receipts anew that must be acknowledged again; the version before is superseded and refuses
//! every further command, naming the newest version.
//!
//! Reminders (T1, `--notice-remind-working-days`) and escalation (T2,
//! `--notice-escalate-working-days`) are counted in working days from sending and fall on the
//! first working morning after; they are scheduled only when acknowledgement is required.
//!
//! This module must never change a receipt or a version without its audit row, and never mark
//! a receipt read for a token (a system fetching a notice is not a person reading it).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::region_stats::FigureFilter;
use super::Error;
use super::{audit, own_org, Acting};
use crate::auth::Caller;
use crate::db::{
    Audience, DbError, Effects, NewEvent, NewJob, NewNotice, Notice, Receipt, ReceiptChange,
};
use crate::domain::calendar::Calendar;
use crate::domain::kernel::{self, CommandOffer};
use crate::domain::limits::{amount_of, LimitKind, Limits};
use crate::domain::notice::{
    receipt_transition, supervises, transfers_a_matter, version_transition, Demands, NoticeCommand,
    NoticeKind, NoticeState, ReceiptAction, ReceiptCommand, ReceiptFlow, ReceiptState, Refused,
    VersionFlow, VersionKind,
};
use crate::domain::phrases;
use crate::domain::policy::{self, Action, BodyRegion, NoticeFacts, NoticeRole};
use crate::domain::supervision_doc::{delivers_a_document, DELIVERY_IS_FIXED};
use crate::domain::text::{Reason, Text, Title};
use crate::services::Services;

/// The most bodies one notification goes to: every body of a large city, not a broadcast to
/// the nation.
pub const MAX_RECIPIENTS: usize = 2_000;

/// What the sender writes (`POST /api/notices`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendNotice {
    pub kind: NoticeKind,
    pub title: Title,
    pub body: Text,
    /// The receiving bodies' organization ids: at least one, each once, not the sender.
    pub recipients: Vec<String>,
    /// Whether each body must acknowledge it (签收); `true` when not given.
    #[serde(default = "yes")]
    pub requires_ack: bool,
    #[serde(default)]
    pub requires_reply: bool,
    /// When a reply is due, Unix milliseconds; only with `requires_reply`.
    #[serde(default)]
    pub reply_due_at: Option<i64>,
}

fn yes() -> bool {
    true
}

/// A correction's new text (`POST /api/notices/{id}/correct`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectInput {
    pub title: Title,
    pub body: Text,
}

/// Why the notification is recalled (`POST /api/notices/{id}/recall`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecallInput {
    pub reason: Reason,
}

/// A receiving body's reply (`POST /api/notices/{id}/reply`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyInput {
    pub body: Text,
}

/// Which box (`GET /api/notices?box=`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeBox {
    /// What the caller's body received.
    #[default]
    Received,
    /// What the caller's body sent.
    Sent,
}

/// One version of a notification, as stored.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoticeBody {
    pub id: String,
    /// The id of the series' first version; every correction and recall shares it.
    pub series_id: String,
    /// 1, 2, 3, … in the series.
    pub version: i64,
    pub version_kind: VersionKind,
    pub kind: NoticeKind,
    pub kind_label_zh: &'static str,
    pub kind_label_en: &'static str,
    pub sender_org_id: String,
    pub created_by: String,
    pub title: String,
    pub body: String,
    pub requires_ack: bool,
    pub requires_reply: bool,
    pub reply_due_at: Option<i64>,
    /// T1: when bodies that have not acknowledged are reminded.
    pub remind_at: Option<i64>,
    /// T2: when they are reported to their heads and the sender.
    pub escalate_at: Option<i64>,
    pub state: NoticeState,
    pub sent_at: Option<i64>,
    pub created_at: i64,
    /// What it is about, for a link to it; none for a notice a person wrote.
    pub about: Option<NoticeAbout>,
}

/// What a notice is about: a meeting (its notice 会议通知, postponement, cancellation: a link
/// to the meeting's page), a signed version of its minutes (a link to the meeting's archive
/// page, which shows them), or a dispute (its signed decision to acknowledge: a link to the
/// dispute's page).
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct NoticeAbout {
    pub meeting_id: Option<String>,
    /// The version of the meeting's signed minutes it is about, if that is what it is about.
    pub minutes_version: Option<i64>,
    pub dispute_id: Option<String>,
    pub investigation_id: Option<String>,
    /// A supervision document it delivers (签收 here receives it).
    pub supervision_id: Option<String>,
    /// A campaign (专项监督) it announces to a covered body or reports to the bureau above.
    pub campaign_id: Option<String>,
    /// A case-file review (案卷评查) it announces to the bodies taking part.
    pub review_id: Option<String>,
}

impl NoticeAbout {
    /// From a stored subject (`meeting:<id>`, `minutes:<meeting id>:<version>`,
    /// `dispute:<id>`); none for a subject of any other form.
    fn parse(subject: &str) -> Option<NoticeAbout> {
        if let Some(id) = subject.strip_prefix("meeting:") {
            return Some(NoticeAbout {
                meeting_id: Some(id.to_owned()),
                ..NoticeAbout::default()
            });
        }
        if let Some(id) = subject.strip_prefix("dispute:") {
            return Some(NoticeAbout {
                dispute_id: Some(id.to_owned()),
                ..NoticeAbout::default()
            });
        }
        if let Some(id) = subject.strip_prefix("supervision:") {
            return Some(NoticeAbout {
                supervision_id: Some(id.to_owned()),
                ..NoticeAbout::default()
            });
        }
        if let Some(id) = subject.strip_prefix("review:") {
            return Some(NoticeAbout {
                review_id: Some(id.to_owned()),
                ..NoticeAbout::default()
            });
        }
        if let Some(id) = subject.strip_prefix("campaign:") {
            return Some(NoticeAbout {
                campaign_id: Some(id.to_owned()),
                ..NoticeAbout::default()
            });
        }
        if let Some(id) = subject.strip_prefix("investigation:") {
            return Some(NoticeAbout {
                investigation_id: Some(id.to_owned()),
                ..NoticeAbout::default()
            });
        }
        let (id, version) = subject.strip_prefix("minutes:")?.rsplit_once(':')?;
        Some(NoticeAbout {
            meeting_id: Some(id.to_owned()),
            minutes_version: Some(version.parse().ok()?),
            ..NoticeAbout::default()
        })
    }
}

/// Which side of a notification the caller's body is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeSide {
    Sender,
    Recipient,
    /// 监督: the judicial bureau of the sender's or a recipient's region, or of one above it.
    Supervisor,
}

/// One receiving body's receipt of one version, with what the caller may do to it now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReceiptBody {
    pub notice_id: String,
    pub org_id: String,
    pub state: ReceiptState,
    pub state_label_zh: &'static str,
    pub state_label_en: &'static str,
    pub delivered_at: i64,
    /// 已阅: when someone of the body first opened it.
    pub read_at: Option<i64>,
    pub read_by: Option<String>,
    /// 签收: when, by whom (a user id) and the name they signed with.
    pub acknowledged_at: Option<i64>,
    pub acknowledged_by: Option<String>,
    pub acknowledged_by_name: Option<String>,
    pub replied_at: Option<i64>,
    pub replied_by: Option<String>,
    pub reply: Option<String>,
    pub closed_at: Option<i64>,
    /// The receipt's commands for the caller's side (`acknowledge` and `reply` for the
    /// receiving body, `close` for the sender; `read` happens by opening it), allowed now or
    /// refused with the rule. Pages render their buttons from it.
    pub commands: Vec<CommandOffer>,
}

/// A version as the caller sees it: the sender sees every receipt, a receiving body its own, a
/// supervising bureau those [`policy::sees_receipt`] gives it (every one when it supervises the
/// sender, else those of the recipients it supervises).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoticeViewBody {
    #[serde(flatten)]
    pub notice: NoticeBody,
    pub my_role: NoticeSide,
    pub receipts: Vec<ReceiptBody>,
    /// The version's commands (`send`, `correct`, `recall`) for the sender, allowed now or
    /// refused with the rule; empty for a receiving body and a supervising bureau, which give
    /// none.
    pub commands: Vec<CommandOffer>,
}

/// A page of a box (`GET /api/notices`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoticePage {
    pub notices: Vec<NoticeViewBody>,
}

/// One version of a series, for "corrected by …".
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VersionBody {
    pub id: String,
    pub version: i64,
    pub version_kind: VersionKind,
    pub state: NoticeState,
    pub sent_at: Option<i64>,
}

/// A version with the versions of its series (`GET /api/notices/{id}`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoticeDetailBody {
    #[serde(flatten)]
    pub view: NoticeViewBody,
    /// Every version of the series, oldest first.
    pub versions: Vec<VersionBody>,
    /// The newest version's id: the one to act on.
    pub newest_id: String,
    /// To a receiving body of a case letter (案件函告), which may transfer a case to it: the
    /// time it has to raise a jurisdiction dispute if the case is not its duty, and the
    /// dispute raised from it, if one was.
    pub dispute_window: Option<super::dispute_window::DisputeWindow>,
}

impl From<Notice> for NoticeBody {
    fn from(n: Notice) -> NoticeBody {
        NoticeBody {
            kind_label_zh: n.kind.label_zh(),
            kind_label_en: n.kind.label_en(),
            id: n.id,
            series_id: n.series_id,
            version: n.version,
            version_kind: n.version_kind,
            kind: n.kind,
            sender_org_id: n.sender_org_id,
            created_by: n.created_by,
            title: n.title,
            body: n.body,
            requires_ack: n.requires_ack,
            requires_reply: n.requires_reply,
            reply_due_at: n.reply_due_at,
            remind_at: n.remind_at,
            escalate_at: n.escalate_at,
            state: n.state,
            sent_at: n.sent_at,
            created_at: n.created_at,
            about: n.subject.as_deref().and_then(NoticeAbout::parse),
        }
    }
}

/// `receipt` of a version of `notice` as `role` sees it, with that side's commands (none for
/// a supervising bureau).
fn receipt_body(notice: &Notice, role: NoticeRole, r: Receipt) -> ReceiptBody {
    let context = (notice.state, demands(notice));
    let commands = match role {
        NoticeRole::Sender | NoticeRole::Recipient => {
            kernel::offers::<ReceiptFlow>(context, r.state, role == NoticeRole::Sender)
        }
        NoticeRole::Supervisor => Vec::new(),
    };
    ReceiptBody {
        commands,
        state_label_zh: r.state.label_zh(),
        state_label_en: r.state.label_en(),
        notice_id: r.notice_id,
        org_id: r.org_id,
        state: r.state,
        delivered_at: r.delivered_at,
        read_at: r.read_at,
        read_by: r.read_by,
        acknowledged_at: r.acknowledged_at,
        acknowledged_by: r.acknowledged_by,
        acknowledged_by_name: r.acknowledged_by_name,
        replied_at: r.replied_at,
        replied_by: r.replied_by,
        reply: r.reply,
        closed_at: r.closed_at,
    }
}

/// A version as `role` sees it, with `receipts` (all for the sender, its own for a receiver).
fn view_body(notice: Notice, role: NoticeRole, receipts: Vec<Receipt>) -> NoticeViewBody {
    let receipts = receipts
        .into_iter()
        .map(|r| receipt_body(&notice, role, r))
        .collect();
    let (my_role, commands) = match role {
        NoticeRole::Sender => {
            let mut offers = kernel::offers::<VersionFlow>((), notice.state, ());
            if delivers_a_document(notice.subject.as_deref()) {
                for offer in &mut offers {
                    *offer = CommandOffer::new(
                        offer.command,
                        offer.label_zh,
                        offer.label_en,
                        Err(Refused::by(&DELIVERY_IS_FIXED)),
                    );
                }
            }
            (NoticeSide::Sender, offers)
        }
        NoticeRole::Recipient => (NoticeSide::Recipient, Vec::new()),
        NoticeRole::Supervisor => (NoticeSide::Supervisor, Vec::new()),
    };
    NoticeViewBody {
        notice: notice.into(),
        my_role,
        receipts,
        commands,
    }
}

/// The answer for a notice the caller may not see, and for one that does not exist.
fn not_found() -> Error {
    Error::NotFound(crate::domain::phrases::NO_SUCH_NOTICE.message())
}

fn subject(notice_id: &str) -> String {
    format!("notice:{notice_id}")
}

fn demands(notice: &Notice) -> Demands {
    Demands {
        acknowledgement: notice.requires_ack,
        reply: notice.requires_reply,
    }
}

/// A loaded version with its receipts and the caller's role.
struct Loaded {
    notice: Notice,
    receipts: Vec<Receipt>,
    recipients: Vec<String>,
    /// The regions of the sender and the recipients, for the supervising bureaus.
    regions: Vec<BodyRegion>,
    role: NoticeRole,
}

impl Loaded {
    fn facts(&self) -> NoticeFacts<'_> {
        NoticeFacts {
            sender_org_id: &self.notice.sender_org_id,
            recipients: &self.recipients,
            regions: &self.regions,
        }
    }

    /// The caller's own receipt, as a receiving body.
    fn own_receipt(&self, caller: &Caller) -> Result<&Receipt, Error> {
        let org = caller.org.as_ref().map(|o| o.id.as_str());
        self.receipts
            .iter()
            .find(|r| Some(r.org_id.as_str()) == org)
            .ok_or_else(not_found)
    }
}

/// The version, its receipts and the caller's role, or "not found" (audited as a refusal)
/// for anyone who neither sent nor received it nor supervises a body that did.
async fn readable(services: &Services, caller: &Caller, id: &str) -> Result<Loaded, Error> {
    let notice = services.db.notice(id).await?.ok_or_else(not_found)?;
    // A draft is the sender's alone; only sent versions have receipts anyway.
    let receipts = services.db.notice_receipts(id).await?;
    let recipients: Vec<String> = receipts.iter().map(|r| r.org_id.clone()).collect();
    let bodies: Vec<&str> = std::iter::once(notice.sender_org_id.as_str())
        .chain(recipients.iter().map(String::as_str))
        .collect();
    let regions = services.db.org_regions(&bodies).await?;
    let facts = NoticeFacts {
        sender_org_id: &notice.sender_org_id,
        recipients: &recipients,
        regions: &regions,
    };
    if caller
        .allow(&services.db, Action::ReadNotice(facts))
        .await
        .is_err()
    {
        return Err(not_found());
    }
    let role = policy::notice_role(&caller.actor, &facts).ok_or_else(not_found)?;
    Ok(Loaded {
        notice,
        receipts,
        recipients,
        regions,
        role,
    })
}

/// The body that sent a notice the caller's body received (a matter transferred to it, 案件函告),
/// for a dispute raised from it: "not found" to anyone who may not see it, refused unless the
/// caller's body is a recipient.
pub(crate) async fn sender_of_received(
    services: &Services,
    caller: &Caller,
    id: &str,
) -> Result<String, Error> {
    let loaded = readable(services, caller, id).await?;
    if loaded.role != NoticeRole::Recipient {
        return Err(Error::refused(
            phrases::DISPUTE_FROM_RECEIVED_NOTICE.message(),
        ));
    }
    if let Some(sender) = services.db.org(&loaded.notice.sender_org_id).await? {
        if supervises(sender.kind) {
            return Err(Error::refused(
                phrases::DISPUTE_NOT_FROM_SUPERVISION.message(),
            ));
        }
    }
    Ok(loaded.notice.sender_org_id)
}

/// The refusal for a command on a version that a correction or recall replaced: 409, naming
/// the newest version so the client can open it.
async fn superseded(services: &Services, notice: &Notice) -> Result<Error, Error> {
    let newest = services
        .db
        .notice_series(&notice.series_id)
        .await?
        .into_iter()
        .max_by_key(|n| n.version)
        .map(|n| n.id)
        .unwrap_or_default();
    Ok(Error::refused(
        crate::domain::phrases::NOTICE_ACT_ON_NEWEST.with("newest", newest),
    ))
}

/// Refuses a command on a superseded version naming the newest, otherwise passes on the
/// domain's refusal.
async fn refusal(services: &Services, notice: &Notice, rule: Refused) -> Error {
    if notice.state == NoticeState::Superseded {
        match superseded(services, notice).await {
            Ok(e) | Err(e) => e,
        }
    } else {
        Error::from(rule)
    }
}

/// The T1 reminder and T2 escalation of a version sent now by a body whose region counts
/// with `limits` (`notice_remind`, `notice_escalate`): each on the working morning after its
/// limit ran out (the day of sending not counted); none for a limit of 0 (a deployment flag may turn one off).
fn ack_deadlines(calendar: &Calendar, now: i64, limits: &Limits) -> (Option<i64>, Option<i64>) {
    let at = |kind| {
        let limit = limits.get(kind);
        (amount_of(limit) > 0).then(|| calendar.next_working_morning(calendar.due_at(now, limit)))
    };
    (at(LimitKind::NoticeRemind), at(LimitKind::NoticeEscalate))
}

/// The deadlines a new version needs, in the same write that sends it.
fn deadline_jobs(notice: &Notice) -> Vec<NewJob> {
    super::schedule::for_notice(notice)
}

/// The recipients' list, checked without the database: at least one, at most
/// [`MAX_RECIPIENTS`], each once, not the sender.
fn recipient_list(sender: &str, recipients: &[String]) -> Result<(), Error> {
    if recipients.is_empty() {
        return Err(Error::invalid(
            "recipients",
            &crate::domain::phrases::NOTICE_RECIPIENTS_EMPTY,
        ));
    }
    if recipients.len() > MAX_RECIPIENTS {
        return Err(Error::invalid(
            "recipients",
            crate::domain::phrases::NOTICE_TOO_MANY_RECIPIENTS.with("max", MAX_RECIPIENTS),
        ));
    }
    let mut seen = HashSet::new();
    for id in recipients {
        if !seen.insert(id.as_str()) {
            return Err(Error::invalid(
                "recipient",
                crate::domain::phrases::NOTICE_RECIPIENT_TWICE.with("id", format!("{id:?}")),
            ));
        }
        if id == sender {
            return Err(Error::invalid(
                "recipients",
                &crate::domain::phrases::NOTICE_TO_ITSELF,
            ));
        }
    }
    Ok(())
}

/// Checks that every recipient is an existing organization.
async fn recipients_exist(services: &Services, recipients: &[String]) -> Result<(), Error> {
    match super::unknown_org(services, recipients.iter().map(String::as_str)).await? {
        Some(id) => Err(Error::invalid(
            "recipient",
            crate::domain::phrases::ORG_ID_UNKNOWN
                .with("field", "recipient")
                .with("id", format!("{id:?}")),
        )),
        None => Ok(()),
    }
}

/// What a version will be once stored, so its deadline jobs go into the write that sends it.
fn as_sent(new: &NewNotice, series_id: &str, version: i64, now: i64) -> Notice {
    Notice {
        id: new.id.clone(),
        series_id: series_id.to_owned(),
        version,
        version_kind: new.version_kind,
        kind: new.kind,
        sender_org_id: new.sender_org_id.clone(),
        created_by: new.created_by.clone(),
        title: new.title.clone(),
        body: new.body.clone(),
        requires_ack: new.requires_ack,
        requires_reply: new.requires_reply,
        reply_due_at: new.reply_due_at,
        remind_at: new.remind_at,
        escalate_at: new.escalate_at,
        state: NoticeState::Sent,
        sent_at: Some(now),
        created_at: now,
        subject: new.subject.clone(),
    }
}

/// A notification to send, as a person asks for it or as the system does on a body's behalf
/// (a meeting's notice 会议通知): what [`plan_notice`] checks and turns into a row and effects.
#[derive(Debug, Clone)]
pub(crate) struct NoticePlan {
    pub sender_org_id: String,
    /// Stored as the notice's creator: a user id (`token:<id>` for a token).
    pub created_by: String,
    /// Who the audit row names.
    pub acting: Acting,
    pub kind: NoticeKind,
    /// A [`Title`]; checked here, since a plan may come from signed minutes or a meeting as
    /// well as from a request (so is the body).
    pub title: String,
    /// A [`Text`].
    pub body: String,
    /// At least one, each once, not the sender; checked. Whether each exists is the caller's
    /// to check (the write refuses an unknown one anyway).
    pub recipients: Vec<String>,
    pub requires_ack: bool,
    pub requires_reply: bool,
    /// Only with `requires_reply`, and in the future.
    pub reply_due_at: Option<i64>,
    /// What it is about (`meeting:<id>`, `minutes:<meeting id>:<version>`), for the link a
    /// reader follows; none for a notice a person writes.
    pub subject: Option<String>,
}

/// Checks a notice plan and builds, without writing anything, version 1 of a new series and
/// the effects sending it has: a `notice.received` event to every recipient, the deadline jobs
/// (T1 reminder and T2 escalation when acknowledgement is required, the reply deadline) and
/// the `notice_sent` audit row naming `plan.acting`.
///
/// [`send`] stores it with `Db::send_notice`; a write that sends a notice as a consequence of
/// something else pushes the notice onto `effects.notices` and merges the effects into its own.
pub(crate) async fn plan_notice(
    services: &Services,
    now: i64,
    plan: NoticePlan,
) -> Result<(NewNotice, Effects), Error> {
    let title = Title::parse("title", &plan.title)?.into_string();
    let body = Text::parse("body", &plan.body)?.into_string();
    let reply_due_at = match (plan.requires_reply, plan.reply_due_at) {
        (false, Some(_)) => {
            return Err(Error::invalid(
                "reply_due_at",
                &crate::domain::phrases::NOTICE_REPLY_DUE_WITHOUT_REPLY,
            ))
        }
        (true, Some(at)) => Some(super::ahead("reply_due_at", at, now)?),
        (_, at) => at,
    };
    recipient_list(&plan.sender_org_id, &plan.recipients)?;
    let calendar = services.calendar.get();
    let (remind_at, escalate_at) = if plan.requires_ack {
        let limits = super::limits::of_org(services, &plan.sender_org_id).await?;
        ack_deadlines(&calendar, now, &limits)
    } else {
        (None, None)
    };
    let sender = plan.sender_org_id;
    let new = NewNotice {
        id: crate::db::new_id(),
        series: None,
        version_kind: VersionKind::Original,
        kind: plan.kind,
        sender_org_id: sender.clone(),
        created_by: plan.created_by,
        title,
        body,
        requires_ack: plan.requires_ack,
        requires_reply: plan.requires_reply,
        reply_due_at,
        remind_at,
        escalate_at,
        recipients: plan.recipients,
        subject: plan.subject,
    };
    let target = subject(&new.id);
    let payload = json!({
        "title": new.title,
        "notice_id": new.id,
        "series_id": new.id,
        "version": 1,
        "kind": new.kind,
        "sender_org_id": sender,
        "requires_ack": new.requires_ack,
        "requires_reply": new.requires_reply,
        "reply_due_at": reply_due_at,
    });
    let effects = Effects {
        events: new
            .recipients
            .iter()
            .map(|org| NewEvent {
                audience: Audience::Org(org.clone()),
                kind: "notice.received".into(),
                subject: target.clone(),
                payload: payload.clone(),
            })
            .collect(),
        jobs: deadline_jobs(&as_sent(&new, &new.id, 1, now)),
        audit: vec![plan.acting.audit(
            now,
            "notice_sent",
            target,
            json!({
                "from": "draft",
                "to": "sent",
                "reason": null,
                "kind": new.kind,
                "title": new.title,
                "recipients": new.recipients,
                "requires_ack": new.requires_ack,
                "requires_reply": new.requires_reply,
            }),
        )],
        ..Effects::default()
    };
    Ok((new, effects))
}

/// Sends a notification to one or more bodies.
pub async fn send(
    services: &Services,
    caller: &Caller,
    input: SendNotice,
) -> Result<NoticeBody, Error> {
    caller.allow(&services.db, Action::SendNotice).await?;
    let sender = own_org(caller, "send a notice")?.to_owned();
    let now = services.clock.now_ms();
    let plan = NoticePlan {
        sender_org_id: sender,
        created_by: caller.actor.user_id.clone(),
        acting: Acting::of(caller),
        kind: input.kind,
        title: input.title.into_string(),
        body: input.body.into_string(),
        recipients: input.recipients,
        requires_ack: input.requires_ack,
        requires_reply: input.requires_reply,
        reply_due_at: input.reply_due_at,
        subject: None,
    };
    let (new, effects) = plan_notice(services, now, plan).await?;
    recipients_exist(services, &new.recipients).await?;
    let notice = services.db.send_notice(&new, now, &effects).await?;
    services.wake();
    Ok(notice.into())
}

/// What `GET /api/notices` asks: the box, and for the received box either only those pending
/// or a body and period as the region's figures count them (only the late ones with `late`).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoticeListQuery<'a> {
    pub which: NoticeBox,
    pub pending: bool,
    pub figure: FigureFilter<'a>,
    pub late: bool,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// A page of the caller's box (`limit` 1 to 200, 50 by default): received (each with the
/// body's own receipt; `pending_only`: not yet acknowledged) or sent (each with every
/// receipt). Empty for a caller who acts for no body.
pub async fn list(
    services: &Services,
    caller: &Caller,
    query: NoticeListQuery<'_>,
) -> Result<NoticePage, Error> {
    let NoticeListQuery {
        which,
        pending: pending_only,
        figure,
        late,
        limit,
        offset,
    } = query;
    if !figure.is_empty() || late {
        if which != NoticeBox::Received || pending_only {
            return Err(Error::invalid("box", &phrases::NOTICE_FILTER_RECEIVED_ONLY));
        }
        return of_body(services, caller, figure, late, limit, offset).await;
    }
    let (limit, offset) = super::page(limit, offset)?;
    let Some(org) = &caller.org else {
        return Ok(NoticePage {
            notices: Vec::new(),
        });
    };
    let mut notices = Vec::new();
    match which {
        NoticeBox::Received => {
            for (notice, receipt) in services
                .db
                .notices_received(&org.id, pending_only, limit, offset)
                .await?
            {
                let recipients = [receipt.org_id.clone()];
                let facts = NoticeFacts {
                    sender_org_id: &notice.sender_org_id,
                    recipients: &recipients,
                    regions: &[],
                };
                // The query narrows; the policy decides (a token without notices:read sees
                // none).
                if policy::decide(&caller.actor, &Action::ReadNotice(facts)).is_err() {
                    continue;
                }
                notices.push(view_body(notice, NoticeRole::Recipient, vec![receipt]));
            }
        }
        NoticeBox::Sent => {
            if pending_only {
                return Err(Error::invalid(
                    "pending",
                    &crate::domain::phrases::NOTICE_PENDING_RECEIVED_ONLY,
                ));
            }
            for notice in services.db.notices_sent(&org.id, limit, offset).await? {
                let facts = NoticeFacts {
                    sender_org_id: &notice.sender_org_id,
                    recipients: &[],
                    regions: &[],
                };
                if policy::decide(&caller.actor, &Action::ReadNotice(facts)).is_err() {
                    continue;
                }
                let receipts = services.db.notice_receipts(&notice.id).await?;
                notices.push(view_body(notice, NoticeRole::Sender, receipts));
            }
        }
    }
    Ok(NoticePage { notices })
}

/// The notices delivered to a body that the region's figures count for it in a period (the
/// list behind 应签收, and with `late_only` behind 逾期未签收), newest first, each with that
/// body's receipt, as the caller sees them: its own body's as a recipient, another's only
/// when the caller supervises the body or the sender; the rest are left out.
pub async fn of_body(
    services: &Services,
    caller: &Caller,
    filter: FigureFilter<'_>,
    late_only: bool,
    limit: Option<i64>,
    offset: Option<i64>,
) -> Result<NoticePage, Error> {
    let (limit, offset) = super::page(limit, offset)?;
    let Some(of) = filter.resolve(services, caller)? else {
        return Ok(NoticePage {
            notices: Vec::new(),
        });
    };
    let rows = services
        .db
        .notices_of_body(of, late_only, limit, offset)
        .await?;
    let mut bodies: Vec<&str> = rows
        .iter()
        .map(|(notice, _)| notice.sender_org_id.as_str())
        .chain([of.org_id])
        .collect();
    bodies.sort_unstable();
    bodies.dedup();
    let regions = services.db.org_regions(&bodies).await?;
    let mut notices = Vec::new();
    for (notice, receipt) in rows {
        let recipients = [receipt.org_id.clone()];
        let facts = NoticeFacts {
            sender_org_id: &notice.sender_org_id,
            recipients: &recipients,
            regions: &regions,
        };
        if policy::decide(&caller.actor, &Action::ReadNotice(facts)).is_err() {
            continue;
        }
        let Some(role) = policy::notice_role(&caller.actor, &facts) else {
            continue;
        };
        notices.push(view_body(notice, role, vec![receipt]));
    }
    Ok(NoticePage { notices })
}

/// Opens a version. A person of a receiving body opening a sent version marks the body's
/// receipt read (已阅), automatically; a token does not, nor does a supervising bureau.
pub async fn show(
    services: &Services,
    caller: &Caller,
    id: &str,
) -> Result<NoticeDetailBody, Error> {
    let mut loaded = readable(services, caller, id).await?;
    if loaded.role == NoticeRole::Recipient && caller.user.is_some() {
        mark_read(services, caller, &mut loaded).await?;
    }
    let versions = services.db.notice_series(&loaded.notice.series_id).await?;
    let facts = loaded.facts();
    let receipts: Vec<Receipt> = loaded
        .receipts
        .iter()
        .filter(|r| policy::sees_receipt(&caller.actor, &facts, &r.org_id))
        .cloned()
        .collect();
    let newest_id = versions
        .iter()
        .max_by_key(|v| v.version)
        .map_or_else(|| loaded.notice.id.clone(), |v| v.id.clone());
    let sender_kind = services
        .db
        .org(&loaded.notice.sender_org_id)
        .await?
        .map(|sender| sender.kind);
    let transfers =
        sender_kind.is_some_and(|sender| transfers_a_matter(loaded.notice.kind, sender));
    let dispute_window = match (loaded.role, loaded.notice.sent_at, caller.org.as_ref()) {
        (NoticeRole::Recipient, Some(sent_at), Some(org)) if transfers => Some(
            super::dispute_window::of(services, &org.id, sent_at, "notice", &loaded.notice.id)
                .await?,
        ),
        _ => None,
    };
    Ok(NoticeDetailBody {
        dispute_window,
        view: view_body(loaded.notice, loaded.role, receipts),
        versions: versions
            .into_iter()
            .map(|v| VersionBody {
                id: v.id,
                version: v.version,
                version_kind: v.version_kind,
                state: v.state,
                sent_at: v.sent_at,
            })
            .collect(),
        newest_id,
    })
}

/// Delivered → read, when the domain allows it now (a sent version, a receipt not read yet).
async fn mark_read(services: &Services, caller: &Caller, loaded: &mut Loaded) -> Result<(), Error> {
    let receipt = loaded.own_receipt(caller)?;
    let Ok(to) = receipt_transition(
        loaded.notice.state,
        receipt.state,
        ReceiptCommand::Read,
        demands(&loaded.notice),
        false,
    ) else {
        // Already read, acknowledged, or a superseded version: opening it changes nothing.
        return Ok(());
    };
    let now = services.clock.now_ms();
    let change = receipt_change(caller, &loaded.notice.id, receipt, to, now, None);
    let effects = Effects {
        audit: vec![audit(
            caller,
            now,
            "notice_read",
            subject(&loaded.notice.id),
            json!({
                "from": receipt.state.as_str(),
                "to": to.as_str(),
                "reason": null,
                "org_id": receipt.org_id,
            }),
        )],
        ..Effects::default()
    };
    match services.db.change_receipt(&change, &effects).await {
        Ok(updated) => {
            if let Some(r) = loaded
                .receipts
                .iter_mut()
                .find(|r| r.org_id == updated.org_id)
            {
                *r = updated;
            }
            Ok(())
        }
        // Someone else of the body opened it at the same moment: it is read either way.
        Err(DbError::Rule(_)) => {
            loaded.receipts = services.db.notice_receipts(&loaded.notice.id).await?;
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// A command on a receipt: the receiving body acknowledges (签收, a named person) or
/// replies, telling the sender; the sender closes one body's exchange after its reply.
pub async fn act_on_receipt(
    services: &Services,
    caller: &Caller,
    id: &str,
    action: ReceiptAction,
) -> Result<ReceiptBody, Error> {
    let loaded = readable(services, caller, id).await?;
    let facts = loaded.facts();
    let receipt = match action {
        ReceiptAction::Acknowledge => {
            caller
                .allow(&services.db, Action::AcknowledgeNotice(facts))
                .await?;
            answer(services, caller, &loaded, ReceiptCommand::Acknowledge, None).await?
        }
        ReceiptAction::Reply { body } => {
            caller
                .allow(&services.db, Action::ReplyNotice(facts))
                .await?;
            let reply = Some(body.into_string());
            answer(services, caller, &loaded, ReceiptCommand::Reply, reply).await?
        }
        ReceiptAction::Close { org_id } => {
            caller
                .allow(&services.db, Action::ManageNotice(facts))
                .await?;
            close(services, caller, &loaded, &org_id).await?
        }
    };
    Ok(receipt_body(&loaded.notice, loaded.role, receipt))
}

/// What the sender is told when a receiving body answers (`kind`: `notice.acknowledged`,
/// `notice.replied`): by the caller, for the receipt's body, now.
fn answer_event(
    caller: &Caller,
    notice: &Notice,
    receipt: &Receipt,
    kind: &str,
    now: i64,
) -> NewEvent {
    NewEvent {
        audience: Audience::Org(notice.sender_org_id.clone()),
        kind: kind.into(),
        subject: subject(&notice.id),
        payload: json!({
            "title": notice.title,
            "notice_id": notice.id,
            "series_id": notice.series_id,
            "version": notice.version,
            "org_id": receipt.org_id,
            "by": caller.actor.user_id,
            "by_name": caller.principal().name,
            "at": now,
        }),
    }
}

/// Applies a receiving body's answer (acknowledge, reply) to its own receipt and tells the
/// sender.
async fn answer(
    services: &Services,
    caller: &Caller,
    loaded: &Loaded,
    command: ReceiptCommand,
    reply: Option<String>,
) -> Result<Receipt, Error> {
    let receipt = loaded.own_receipt(caller)?;
    let notice = &loaded.notice;
    let to = match receipt_transition(notice.state, receipt.state, command, demands(notice), false)
    {
        Ok(to) => to,
        Err(rule) => return Err(refusal(services, notice, rule).await),
    };
    let now = services.clock.now_ms();
    let name = caller.principal().name;
    let change = receipt_change(caller, &notice.id, receipt, to, now, reply.clone());
    let (kind, action) = match command {
        ReceiptCommand::Acknowledge => ("notice.acknowledged", "notice_acknowledged"),
        _ => ("notice.replied", "notice_replied"),
    };
    let target = subject(&notice.id);
    let mut effects = Effects {
        events: vec![answer_event(caller, notice, receipt, kind, now)],
        audit: vec![audit(
            caller,
            now,
            action,
            target,
            json!({
                "from": receipt.state.as_str(),
                "to": to.as_str(),
                "reason": null,
                "org_id": receipt.org_id,
                "by_name": name,
            }),
        )],
        ..Effects::default()
    };
    // The 签收 of a notice delivering a supervision document receives it, in this write.
    let delivers = notice
        .subject
        .as_deref()
        .and_then(|s| s.strip_prefix("supervision:"));
    if let (ReceiptCommand::Acknowledge, Some(supervision_id)) = (command, delivers) {
        super::supervision_docs::received(services, caller, supervision_id, now, &mut effects)
            .await?;
    }
    let receipt = services.db.change_receipt(&change, &effects).await?;
    services.wake();
    Ok(receipt)
}

/// The sender closes one body's exchange after its reply.
async fn close(
    services: &Services,
    caller: &Caller,
    loaded: &Loaded,
    org_id: &str,
) -> Result<Receipt, Error> {
    let notice = &loaded.notice;
    let receipt = loaded
        .receipts
        .iter()
        .find(|r| r.org_id == org_id)
        .ok_or_else(|| Error::NotFound(phrases::NOT_A_RECEIVER.message()))?;
    let to = match receipt_transition(
        notice.state,
        receipt.state,
        ReceiptCommand::Close,
        demands(notice),
        true,
    ) {
        Ok(to) => to,
        Err(rule) => return Err(refusal(services, notice, rule).await),
    };
    let now = services.clock.now_ms();
    let change = receipt_change(caller, &notice.id, receipt, to, now, None);
    let effects = Effects {
        audit: vec![audit(
            caller,
            now,
            "notice_receipt_closed",
            subject(&notice.id),
            json!({
                "from": receipt.state.as_str(),
                "to": to.as_str(),
                "reason": null,
                "org_id": receipt.org_id,
            }),
        )],
        ..Effects::default()
    };
    let receipt = services.db.change_receipt(&change, &effects).await?;
    services.wake();
    Ok(receipt)
}

/// A correction (new text) or a recall (a reason): either is a new version to the same
/// bodies, to be acknowledged again.
enum Revision {
    Correct { title: String, body: String },
    Recall { reason: String },
}

/// Corrects a sent version: a new version with the new text replaces it.
pub async fn correct(
    services: &Services,
    caller: &Caller,
    id: &str,
    input: CorrectInput,
) -> Result<NoticeBody, Error> {
    let title = input.title.into_string();
    let body = input.body.into_string();
    revise(services, caller, id, Revision::Correct { title, body }).await
}

/// Recalls a sent version: a new version saying why replaces it.
pub async fn recall(
    services: &Services,
    caller: &Caller,
    id: &str,
    input: RecallInput,
) -> Result<NoticeBody, Error> {
    let reason = input.reason.into_string();
    revise(services, caller, id, Revision::Recall { reason }).await
}

async fn revise(
    services: &Services,
    caller: &Caller,
    id: &str,
    revision: Revision,
) -> Result<NoticeBody, Error> {
    let loaded = readable(services, caller, id).await?;
    caller
        .allow(&services.db, Action::ManageNotice(loaded.facts()))
        .await?;
    let old = &loaded.notice;
    if delivers_a_document(old.subject.as_deref()) {
        return Err(Error::refused(DELIVERY_IS_FIXED.message()));
    }
    let command = match revision {
        Revision::Correct { .. } => NoticeCommand::Correct,
        Revision::Recall { .. } => NoticeCommand::Recall,
    };
    if let Err(rule) = version_transition(old.state, command) {
        return Err(refusal(services, old, rule).await);
    }
    let now = services.clock.now_ms();
    let calendar = services.calendar.get();
    let (version_kind, title, body, requires_reply, reason, kind, action) = match revision {
        Revision::Correct { title, body } => (
            VersionKind::Correction,
            title,
            body,
            old.requires_reply,
            None,
            "notice.corrected",
            "notice_corrected",
        ),
        // A recall keeps the title, says why in its body and asks for no reply.
        Revision::Recall { reason } => (
            VersionKind::Recall,
            old.title.clone(),
            reason.clone(),
            false,
            Some(reason),
            "notice.recalled",
            "notice_recalled",
        ),
    };
    let reply_due_at = old.reply_due_at.filter(|at| requires_reply && *at > now);
    let (remind_at, escalate_at) = if old.requires_ack {
        let limits = super::limits::of_org(services, &old.sender_org_id).await?;
        ack_deadlines(&calendar, now, &limits)
    } else {
        (None, None)
    };
    let new = NewNotice {
        id: crate::db::new_id(),
        series: Some(old.series_id.clone()),
        version_kind,
        kind: old.kind,
        sender_org_id: old.sender_org_id.clone(),
        created_by: caller.actor.user_id.clone(),
        title,
        body,
        requires_ack: old.requires_ack,
        requires_reply,
        reply_due_at,
        remind_at,
        escalate_at,
        recipients: loaded.recipients.clone(),
        subject: old.subject.clone(),
    };
    let version = old.version + 1;
    let target = subject(&new.id);
    let payload = json!({
        "title": new.title,
        "notice_id": new.id,
        "previous_id": old.id,
        "series_id": old.series_id,
        "version": version,
        "version_kind": version_kind,
        "sender_org_id": old.sender_org_id,
        "requires_ack": new.requires_ack,
        "reason": reason,
    });
    let effects = Effects {
        events: new
            .recipients
            .iter()
            .map(|org| NewEvent {
                audience: Audience::Org(org.clone()),
                kind: kind.into(),
                subject: target.clone(),
                payload: payload.clone(),
            })
            .collect(),
        jobs: deadline_jobs(&as_sent(&new, &old.series_id, version, now)),
        cancel_jobs_of: vec![subject(&old.id)],
        audit: vec![audit(
            caller,
            now,
            action,
            target,
            json!({
                "from": NoticeState::Sent.as_str(),
                "to": NoticeState::Superseded.as_str(),
                "previous_id": old.id,
                "version": version,
                "reason": reason,
                "title": new.title,
            }),
        )],
        ..Effects::default()
    };
    let notice = services.db.send_notice(&new, now, &effects).await?;
    services.wake();
    Ok(notice.into())
}

/// The effects, for another write, of `caller` acknowledging (签收) as a named person every
/// sent notice about `subject` that their body `org_id` received and has not acknowledged yet:
/// answering a meeting's invitation acknowledges the meeting's notices (one notice, one
/// answer), and the sender is told as for any acknowledgement. Nothing when the caller may not
/// acknowledge for the body (a token, someone of another body).
pub(crate) async fn acknowledge_about(
    services: &Services,
    caller: &Caller,
    subject_of: &str,
    org_id: &str,
    now: i64,
) -> Result<Effects, Error> {
    let mut effects = Effects::default();
    let recipients = [org_id.to_owned()];
    for notice in services.db.notices_about(subject_of).await? {
        // Acknowledging is a recipient's alone: the regions add no one.
        let facts = NoticeFacts {
            sender_org_id: &notice.sender_org_id,
            recipients: &recipients,
            regions: &[],
        };
        if policy::decide(&caller.actor, &Action::AcknowledgeNotice(facts)).is_err() {
            continue;
        }
        let Some(receipt) = services.db.notice_receipt(&notice.id, org_id).await? else {
            continue;
        };
        let command = ReceiptCommand::Acknowledge;
        let Ok(to) = receipt_transition(
            notice.state,
            receipt.state,
            command,
            demands(&notice),
            false,
        ) else {
            continue;
        };
        let name = caller.principal().name;
        effects.change_receipt(receipt_change(caller, &notice.id, &receipt, to, now, None));
        let target = subject(&notice.id);
        effects.events.push(answer_event(
            caller,
            &notice,
            &receipt,
            "notice.acknowledged",
            now,
        ));
        effects.audit.push(audit(
            caller,
            now,
            "notice_acknowledged",
            target,
            json!({
                "from": receipt.state.as_str(),
                "to": to.as_str(),
                "reason": null,
                "org_id": receipt.org_id,
                "by_name": name,
                "by_answering": subject_of,
            }),
        ));
    }
    Ok(effects)
}

/// A change of `receipt` to `to`, made now by `caller` as a named person.
fn receipt_change(
    caller: &Caller,
    notice_id: &str,
    receipt: &Receipt,
    to: ReceiptState,
    at: i64,
    reply: Option<String>,
) -> ReceiptChange {
    ReceiptChange {
        notice_id: notice_id.to_owned(),
        org_id: receipt.org_id.clone(),
        from: receipt.state,
        to,
        at,
        user_id: Some(caller.actor.user_id.clone()),
        user_name: Some(caller.principal().name),
        reply,
    }
}
