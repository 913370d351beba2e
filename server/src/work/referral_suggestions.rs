//! The procuratorate's suggestion to refer (建议移送): a procuratorate that finds, in its
//! supervision of the region's enforcement, a case that should have been referred as a
//! suspected crime and was not (有案不移、以罚代刑), writes to the enforcement body about it. The
//! suggestion is a case letter (案件函告) that requires 签收 and a reply with the body's
//! decision by a due time (the receiving body's region's limit for deciding on a referral), so
//! the notices' own reminders, escalation and reply tracking carry it; the body answers by
//! replying and, if it agrees, by referring the case.
//!
//! Only a procuratorate suggests, and only to an enforcement department or a township
//! government of its own region or below ([`rules::may_suggest`]).

use serde::Deserialize;
use utoipa::ToSchema;

use super::notices::{plan_notice, NoticeBody, NoticePlan};
use super::{own_org, Acting, Error};
use crate::auth::Caller;
use crate::domain::notice::NoticeKind;
use crate::domain::phrases;
use crate::domain::policy::Action;
use crate::domain::referral as rules;
use crate::domain::text::{Line, Text, Title};
use crate::services::Services;

/// A suggestion to refer (`POST /api/referrals/suggestions`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuggestReferral {
    /// The enforcement body written to (organization id).
    pub org_id: String,
    /// 案件名称.
    pub case_name: Title,
    /// The body's own case number, if known.
    #[serde(default, deserialize_with = "crate::domain::text::optional")]
    pub case_number: Option<Line>,
    /// Why the case should be referred: the facts and the law.
    pub reason: Text,
}

/// Sends a suggestion to refer, as a case letter requiring 签收 and a reply.
pub async fn suggest(
    services: &Services,
    caller: &Caller,
    input: SuggestReferral,
) -> Result<NoticeBody, Error> {
    caller.allow(&services.db, Action::SendNotice).await?;
    let sender_id = own_org(caller, "suggest a referral")?.to_owned();
    let sender = services
        .db
        .org(&sender_id)
        .await?
        .ok_or_else(|| Error::Denied(phrases::ACT_FOR_ORG.message()))?;
    let body = services.db.org(&input.org_id).await?.ok_or_else(|| {
        Error::invalid(
            "org_id",
            phrases::REFERRAL_NO_SUCH_BODY.with("id", format!("{:?}", input.org_id)),
        )
    })?;
    let in_region = sender.region_path.covers(&body.region_path);
    rules::may_suggest(sender.kind, body.kind, in_region)
        .map_err(|refused| Error::refused(refused.message()))?;
    let now = services.clock.now_ms();
    let limits = super::limits::of_org(services, &body.id).await?;
    let reply_due_at = services.calendar.get().due_at(
        now,
        limits.get(crate::domain::limits::LimitKind::ReferralDecision),
    );
    let number = input
        .case_number
        .as_ref()
        .map(|n| format!("（{}）", n.as_str()))
        .unwrap_or_default();
    let plan = NoticePlan {
        sender_org_id: sender.id.clone(),
        created_by: caller.actor.user_id.clone(),
        acting: Acting::of(caller),
        kind: NoticeKind::CaseLetter,
        title: format!("建议移送涉嫌犯罪案件：{}", input.case_name.as_str())
            .chars()
            .take(super::MAX_TITLE_CHARS)
            .collect(),
        body: format!(
            "{}：\n\n经审查，贵单位办理的《{}》{}涉嫌犯罪，依照《行政执法机关移送涉嫌犯罪案件的规定》，建议贵单位依法向公安机关移送，并抄送本院。\n\n理由：{}\n\n请签收，并在答复期限内函复是否移送及理由。\n\n{}",
            body.name_zh.as_str(),
            input.case_name.as_str(),
            number,
            input.reason.as_str(),
            sender.name_zh.as_str(),
        ),
        recipients: vec![body.id.clone()],
        requires_ack: true,
        requires_reply: true,
        reply_due_at: Some(reply_due_at),
        subject: None,
    };
    let (new, effects) = plan_notice(services, now, plan).await?;
    let notice = services.db.send_notice(&new, now, &effects).await?;
    services.wake();
    Ok(notice.into())
}
