//! A campaign's summary report (专项监督总结报告) as a signed document: the campaign's part of
//! the one lifecycle of [`super::signing`] ([`CampaignSummaryText`]), as
//! `work::supervision_text` is a supervision document's.
//!
//! The organising bureau manages and alone signs it, with its person and its seal, once the
//! campaign is concluded; its projection is given the campaign, the bodies it covered, what
//! it produced (counted when the summary is loaded, so the signed numbers are those of the
//! freeze) and the bureau above it is reported to; it is numbered by the bureau by kind
//! (`上司专监〔2027〕1号`); and its completion, in the write of the signature, summarises the
//! campaign and reports it to the lowest bureau above as a notice requiring 签收.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::{json, Map, Value};
use utoipa::ToSchema;

use super::campaign_access::{readable, subject};
use super::campaigns::{period_words, produced};
use super::signing::{Completed, Issue, OfSubject, SignedDocument, SignedView};
use super::Error;
use crate::auth::Caller;
use crate::db::{Audience, Campaign, CampaignSummarised, Effects, NewEvent, SignedVersion, Space};
use crate::domain::calendar::local_date;
use crate::domain::campaign::{
    summary_freeze_gate, CampaignSummaryWords, NO_SUCH_CAMPAIGN, SUMMARY_SIGNATORIES,
};
use crate::domain::policy::Action;
use crate::domain::signed::{Gate, Signatories};
use crate::services::Services;
use crate::signing::kinds::campaign_summary::{
    self as kind, CampaignFacts, CampaignSummary, Tally,
};
use crate::signing::projection::OrgRef;

/// The summary of one campaign, as the signed-document lifecycle sees it.
pub(crate) struct CampaignSummaryText {
    space: Space,
    campaign: Campaign,
    tally: Tally,
    /// The lowest judicial bureau above the organising one (none at the top).
    above: Option<OrgRef>,
}

impl OfSubject for CampaignSummaryText {
    type View = CampaignSummaryView;

    /// Loads the campaign, answering "not found" to anyone who may not read it.
    async fn load(
        services: &Services,
        caller: &Caller,
        id: &str,
    ) -> Result<CampaignSummaryText, Error> {
        let (campaign, _) = readable(services, caller, id).await?;
        let space = services
            .db
            .space(id)
            .await?
            .ok_or_else(|| Error::NotFound(NO_SUCH_CAMPAIGN.message()))?;
        let produced = produced(services, &campaign).await?;
        let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        let tally = Tally {
            supervision_docs: count(produced.supervision_docs.len()),
            tasks: count(produced.tasks.len()),
            filings: count(produced.filings.len()),
        };
        let above = services
            .db
            .judicial_bureaus_above(&campaign.region_path)
            .await?
            .into_iter()
            .find(|bureau| bureau.id != campaign.bureau_org_id)
            .map(|bureau| OrgRef {
                org_id: bureau.id,
                name: bureau.name_zh.to_string(),
            });
        Ok(CampaignSummaryText {
            space,
            campaign,
            tally,
            above,
        })
    }

    fn answer(&self, text: SignedView) -> CampaignSummaryView {
        CampaignSummaryView {
            campaign_id: self.campaign.id.clone(),
            text,
        }
    }
}

impl SignedDocument for CampaignSummaryText {
    type Kind = CampaignSummary;
    type Words = CampaignSummaryWords;
    const NAME: &'static str = "campaign_summary";
    const THE: &'static str = "the campaign summary";
    const THE_ZH: &'static str = "总结报告";
    const SIGNATORIES: Signatories = SUMMARY_SIGNATORIES;

    fn space(&self) -> &Space {
        &self.space
    }

    fn doc_id(&self) -> &str {
        &self.campaign.summary_doc_id
    }

    fn title(&self) -> &str {
        &self.campaign.title
    }

    /// The organising bureau (the space's convener).
    fn manage_action(&self) -> Action<'_> {
        Action::ManageSignedDoc(self.campaign.facts())
    }

    fn sign_action(&self) -> Action<'_> {
        Action::SignDoc(self.campaign.facts())
    }

    fn gate(&self) -> Gate {
        Gate {
            freeze: summary_freeze_gate(self.campaign.state),
        }
    }

    /// The bureau alone.
    fn signatories(&self) -> BTreeSet<String> {
        BTreeSet::from([self.campaign.bureau_org_id.clone()])
    }

    fn default_steps(&self) -> Vec<Vec<String>> {
        vec![vec![self.campaign.bureau_org_id.clone()]]
    }

    fn facts(&self, issue: &Issue) -> CampaignFacts {
        let c = &self.campaign;
        CampaignFacts {
            campaign: json!({
                "id": c.id,
                "kind": c.kind,
                "kind_name": c.kind.label_zh(),
                "field": c.field,
                "title": c.title,
                "starts_on": c.starts_on,
                "ends_on": c.ends_on,
            }),
            bureau: OrgRef {
                org_id: c.bureau_org_id.clone(),
                name: c.bureau_name.clone(),
            },
            bodies: c
                .bodies
                .iter()
                .map(|b| OrgRef {
                    org_id: b.org_id.clone(),
                    name: b.name.clone(),
                })
                .collect(),
            tally: self.tally,
            reported_to: self.above.clone(),
            document: issue.number.as_ref().map(|number| kind::Issued {
                number: number.text(),
                dated: local_date(issue.at).map_or_else(String::new, |d| d.to_string()),
            }),
        }
    }

    /// Numbered by the bureau: `上司专监〔2027〕1号`.
    fn numbered_by(&self) -> Option<(&str, &'static str)> {
        Some((
            &self.campaign.bureau_org_id,
            self.campaign.kind.number_word(),
        ))
    }

    fn event_subject(&self) -> String {
        subject(&self.campaign.id)
    }

    fn event_payload(&self) -> Map<String, Value> {
        let mut payload = Map::new();
        payload.insert("title".into(), json!(self.campaign.title));
        payload.insert("campaign_id".into(), json!(self.campaign.id));
        payload
    }

    fn target(&self, version: i64) -> String {
        format!("campaign_summary:{}:{version}", self.campaign.id)
    }

    /// Summarised: reported to the bureau above as a notice requiring 签收 (none at the top).
    async fn complete(
        &self,
        services: &Services,
        caller: &Caller,
        version: &SignedVersion,
        _content: &Value,
        now: i64,
        effects: &mut Effects,
    ) -> Result<Completed, Error> {
        let c = &self.campaign;
        let mut notice_id = None;
        if let Some(above) = &self.above {
            let plan = super::notices::NoticePlan {
                sender_org_id: c.bureau_org_id.clone(),
                created_by: caller.actor.user_id.clone(),
                acting: super::Acting::of(caller),
                kind: crate::domain::notice::NoticeKind::Information,
                title: format!("关于{}的总结报告", c.title)
                    .chars()
                    .take(super::MAX_TITLE_CHARS)
                    .collect(),
                body: format!(
                    "{}报送《关于{}的总结报告》（{}，{}领域，{}）{}。请阅看并签收。",
                    c.bureau_name,
                    c.title,
                    c.kind.label_zh(),
                    c.field,
                    period_words(c),
                    if version.version > 1 {
                        format!("第 {} 版", version.version)
                    } else {
                        String::new()
                    },
                ),
                subject: Some(subject(&c.id)),
                requires_ack: true,
                requires_reply: false,
                reply_due_at: None,
                recipients: vec![above.org_id.clone()],
            };
            let (notice, notice_effects) = super::notices::plan_notice(services, now, plan).await?;
            notice_id = Some(notice.id.clone());
            effects.send_notice(notice);
            effects.merge(notice_effects);
        }
        effects.summarise_campaign(CampaignSummarised {
            campaign_id: c.id.clone(),
            reported_to: self.above.as_ref().map(|a| a.org_id.clone()),
            notice_id,
        });
        let payload = json!({ "campaign_id": c.id, "title": c.title, "state": "summarised" });
        effects.events.extend(
            std::iter::once(c.bureau_org_id.clone())
                .chain(self.above.iter().map(|a| a.org_id.clone()))
                .map(|org_id| NewEvent {
                    audience: Audience::Org(org_id),
                    kind: "campaign.summarised".into(),
                    subject: subject(&c.id),
                    payload: payload.clone(),
                }),
        );
        let mut detail = Map::new();
        detail.insert("campaign_id".into(), json!(c.id));
        detail.insert(
            "reported_to".into(),
            json!(self.above.as_ref().map(|a| a.org_id.clone())),
        );
        Ok(Completed {
            subject_change: None,
            detail,
        })
    }
}

/// A campaign's summary as its readers see it: the signed document's view, with the campaign
/// it belongs to.
#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignSummaryView {
    pub campaign_id: String,
    #[serde(flatten)]
    pub text: SignedView,
}
