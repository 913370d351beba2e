//! A dispute's decision (协调意见书) as a signed document: the dispute's part of the one
//! lifecycle of [`super::signing`] (freeze, open signing, sign, send back, archive, the
//! bundle), as `work::minutes` is the meeting's.
//!
//! What is the decision's own lives here ([`DisputeDecisionDoc`]): the document is the
//! dispute's decision document, made when the bureau accepted the dispute; the bureau (the
//! space's convener from then on) manages and alone signs it, with its person and its seal;
//! it may be frozen while the dispute is coordinating; its projection is given the dispute,
//! the bureau and the parties; it is numbered by the bureau (`上司协〔2026〕1号`); and its
//! completion, in the write of the signature, decides the dispute (naming the responsible
//! body, its duty and the deadline) and sends the decision to every party as a notice to
//! acknowledge (签收).

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::{json, Map, Value};
use utoipa::ToSchema;

use super::signing::{Completed, Issue, OfSubject, SignedDocument, SignedView};
use super::Error;
use crate::auth::Caller;
use crate::db::{
    Audience, Dispute, DisputeDecided, Effects, NewEvent, SignedVersion, Space, SubjectChange,
};
use crate::domain::calendar::local_date;
use crate::domain::dispute::{
    decision_freeze_gate, DecisionWords, DisputeState, DECISION_RESPONSIBLE_NOT_A_PARTY,
    DECISION_SIGNATORIES,
};
use crate::domain::doc_number::DECISION_WORD;
use crate::domain::phrases;
use crate::domain::policy::Action;
use crate::domain::signed::{Gate, Signatories};
use crate::services::Services;
use crate::signing::kinds::dispute_decision::{
    self as kind, DisputeDecision, DisputeFacts, Issued, Party,
};
use crate::signing::projection::OrgRef;

/// The decision of one dispute, as the lifecycle sees it.
pub(crate) struct DisputeDecisionDoc {
    space: Space,
    dispute: Dispute,
    doc_id: String,
}

impl OfSubject for DisputeDecisionDoc {
    type View = DecisionView;

    /// Loads the dispute, answering "not found" to anyone who may not see it, and "no decision
    /// yet" (404) before the bureau accepted it.
    async fn load(
        services: &Services,
        caller: &Caller,
        dispute_id: &str,
    ) -> Result<DisputeDecisionDoc, Error> {
        let (space, dispute) = readable(services, caller, dispute_id).await?;
        let doc_id = dispute
            .decision_doc_id
            .clone()
            .ok_or_else(|| Error::NotFound(phrases::DISPUTE_NO_DECISION_YET.message()))?;
        Ok(DisputeDecisionDoc {
            space,
            dispute,
            doc_id,
        })
    }

    fn answer(&self, decision: SignedView) -> DecisionView {
        DecisionView {
            dispute_id: self.space.id.clone(),
            decision,
        }
    }
}

impl DisputeDecisionDoc {
    /// What the text decides, when it makes one of the parties responsible.
    fn decided(&self, content: &Value) -> Result<kind::Decision, Error> {
        kind::decision(content)
            .filter(|d| self.dispute.party(&d.responsible_org_id).is_some())
            .ok_or_else(|| Error::refused(DECISION_RESPONSIBLE_NOT_A_PARTY.message()))
    }
}

impl SignedDocument for DisputeDecisionDoc {
    type Kind = DisputeDecision;
    type Words = DecisionWords;
    const NAME: &'static str = "decision";
    const THE: &'static str = "the decision";
    const THE_ZH: &'static str = "协调意见书";
    const SIGNATORIES: Signatories = DECISION_SIGNATORIES;

    fn space(&self) -> &Space {
        &self.space
    }

    fn doc_id(&self) -> &str {
        &self.doc_id
    }

    fn title(&self) -> &str {
        &self.dispute.title
    }

    fn manage_action(&self) -> Action<'_> {
        Action::ManageSignedDoc(self.space.facts())
    }

    fn sign_action(&self) -> Action<'_> {
        Action::SignDoc(self.space.facts())
    }

    fn gate(&self) -> Gate {
        Gate {
            freeze: decision_freeze_gate(self.dispute.state),
        }
    }

    /// The bureau alone.
    fn signatories(&self) -> BTreeSet<String> {
        BTreeSet::from([self.dispute.bureau_org_id.clone()])
    }

    fn default_steps(&self) -> Vec<Vec<String>> {
        vec![vec![self.dispute.bureau_org_id.clone()]]
    }

    fn facts(&self, issue: &Issue) -> DisputeFacts {
        DisputeFacts {
            document: issue.number.as_ref().map(|number| Issued {
                number: number.text(),
                dated: local_date(issue.at).map_or_else(String::new, |d| d.to_string()),
            }),
            dispute_id: self.dispute.id.clone(),
            title: self.dispute.title.clone(),
            bureau: OrgRef {
                org_id: self.dispute.bureau_org_id.clone(),
                name: self.dispute.bureau_name.clone(),
            },
            parties: parties_of(&self.dispute),
        }
    }

    /// The responsible body must be a party: refused at the freeze, so that the bureau does
    /// not sign a text its completion would refuse.
    fn check_content(&self, content: &Value) -> Result<(), Error> {
        self.decided(content).map(|_| ())
    }

    /// Numbered by the bureau: `上司协〔2026〕1号`.
    fn numbered_by(&self) -> Option<(&str, &'static str)> {
        Some((&self.dispute.bureau_org_id, DECISION_WORD))
    }

    fn event_subject(&self) -> String {
        format!("dispute:{}", self.space.id)
    }

    fn event_payload(&self) -> Map<String, Value> {
        let mut payload = Map::new();
        payload.insert("title".into(), json!(self.dispute.title));
        payload.insert("dispute_id".into(), json!(self.space.id));
        payload
    }

    fn target(&self, version: i64) -> String {
        format!("decision:{}:{version}", self.space.id)
    }

    /// The dispute is decided (the responsible body, its duty, the deadline), and every party
    /// receives the decision as a notice to acknowledge (签收). The responsible body is a
    /// party (checked at the freeze, and again here).
    async fn complete(
        &self,
        services: &Services,
        caller: &Caller,
        version: &SignedVersion,
        content: &Value,
        now: i64,
        effects: &mut Effects,
    ) -> Result<Completed, Error> {
        let decided = self.decided(content)?;
        let responsible = self
            .dispute
            .party(&decided.responsible_org_id)
            .map_or_else(String::new, |p| p.org_name.clone());
        let plan = super::notices::NoticePlan {
            sender_org_id: self.dispute.bureau_org_id.clone(),
            created_by: caller.actor.user_id.clone(),
            acting: super::Acting::of(caller),
            kind: crate::domain::notice::NoticeKind::Information,
            title: format!("协调意见书已签发：{}", self.dispute.title)
                .chars()
                .take(super::MAX_TITLE_CHARS)
                .collect(),
            body: format!(
                "《{}》执法争议的协调意见书{}已由{}签发：由{}负责，办理期限至{}。请阅看全文并签收。",
                self.dispute.title,
                if version.version > 1 {
                    format!("（第 {} 版）", version.version)
                } else {
                    String::new()
                },
                self.dispute.bureau_name,
                responsible,
                decided.deadline,
            ),
            subject: Some(format!("dispute:{}", self.space.id)),
            requires_ack: true,
            requires_reply: false,
            reply_due_at: None,
            recipients: self.dispute.parties.iter().map(|p| p.org_id.clone()).collect(),
        };
        let (notice, notice_effects) = super::notices::plan_notice(services, now, plan).await?;
        effects.send_notice(notice);
        effects.merge(notice_effects);
        // Decided: every party and the bureau follow it live; its clock stops, and its
        // reminders with it.
        let detail = told_of_outcome(
            &self.dispute,
            "dispute.decided",
            DisputeState::Decided,
            &decided,
            effects,
        );
        Ok(Completed {
            subject_change: Some(SubjectChange::DecideDispute(DisputeDecided {
                responsible_org_id: decided.responsible_org_id,
                duty: decided.duty,
                deadline: decided.deadline,
            })),
            detail,
        })
    }
}

/// The dispute, answering "not found" to anyone who may not see it, exactly as for an id
/// that does not exist: what both of its signed documents load first.
pub(crate) async fn readable(
    services: &Services,
    caller: &Caller,
    dispute_id: &str,
) -> Result<(Space, Dispute), Error> {
    let not_found = || Error::NotFound(phrases::NO_SUCH_DISPUTE.message());
    let space = services.db.space(dispute_id).await?.ok_or_else(not_found)?;
    let dispute = services
        .db
        .dispute(dispute_id)
        .await?
        .ok_or_else(not_found)?;
    if caller
        .allow(&services.db, Action::ReadSpace(space.facts()))
        .await
        .is_err()
    {
        return Err(not_found());
    }
    Ok((space, dispute))
}

/// What the completion of a dispute's outcome (the decision, the agreement) tells: every
/// party and the bureau live (`kind`, the dispute now in `state`, who is responsible), and
/// the dispute's reminders stop. Answers the completion's audit detail.
pub(crate) fn told_of_outcome(
    dispute: &Dispute,
    kind: &str,
    state: DisputeState,
    outcome: &kind::Decision,
    effects: &mut Effects,
) -> Map<String, Value> {
    let subject = format!("dispute:{}", dispute.id);
    let told = dispute
        .parties
        .iter()
        .map(|p| p.org_id.clone())
        .chain(std::iter::once(dispute.bureau_org_id.clone()));
    for org_id in told {
        effects.events.push(NewEvent {
            audience: Audience::Org(org_id),
            kind: kind.into(),
            subject: subject.clone(),
            payload: json!({
                "dispute_id": dispute.id,
                "title": dispute.title,
                "state": state,
                "bureau_org_id": dispute.bureau_org_id,
                "responsible_org_id": outcome.responsible_org_id,
            }),
        });
    }
    effects.cancel_jobs_of.push(subject);
    let mut detail = Map::new();
    detail.insert(
        "responsible_org_id".into(),
        json!(outcome.responsible_org_id),
    );
    detail.insert("deadline".into(), json!(outcome.deadline));
    detail
}

/// The parties as a dispute's signed documents name them: `raised` for the raising body,
/// `named` for the others.
pub(crate) fn parties_of(dispute: &Dispute) -> Vec<Party> {
    dispute
        .parties
        .iter()
        .map(|p| Party {
            org_id: p.org_id.clone(),
            org_name: p.org_name.clone(),
            role: if p.org_id == dispute.raised_by_org_id {
                "raised"
            } else {
                "named"
            }
            .into(),
        })
        .collect()
}

// ---- what the routes answer ----

/// A dispute's decision as a party or the bureau sees it: the signed document's view, with
/// the dispute it belongs to.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionView {
    pub dispute_id: String,
    #[serde(flatten)]
    pub decision: SignedView,
}
