//! The parties' agreement (协议书) as a signed document: the dispute's second part of the one
//! lifecycle of [`super::signing`], beside its decision ([`super::dispute_decision`]).
//!
//! What is the agreement's own lives here ([`DisputeAgreementDoc`]): the document is made
//! with the dispute and every party writes it; the raising body (the space's convener while
//! the parties negotiate) freezes it and opens signing; every party signs it in one step with
//! its person and its seal; it may be frozen only while the dispute is negotiating and must
//! make one of the parties responsible; it has no document number (no single body issues it);
//! and its last signature, in the same write, resolves the dispute with what it names. Once
//! the parties no longer negotiate (escalated, withdrawn) its draft is read-only and it can no
//! longer be completed.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::{json, Map, Value};
use utoipa::ToSchema;

use super::signing::{Completed, Issue, OfSubject, SignedDocument, SignedView};
use super::Error;
use crate::auth::Caller;
use crate::db::{Dispute, DisputeDecided, Effects, SignedVersion, Space, SubjectChange};
use crate::domain::calendar::local_date;
use crate::domain::dispute::{
    agreement_freeze_gate, AgreementWords, DisputeState, AGREEMENT_RESPONSIBLE_NOT_A_PARTY,
    AGREEMENT_SIGNATORIES,
};
use crate::domain::policy::Action;
use crate::domain::signed::{Gate, Signatories};
use crate::services::Services;
use crate::signing::kinds::dispute_agreement::{self as kind, AgreementFacts, DisputeAgreement};
use crate::signing::kinds::dispute_decision::Decision;

/// The agreement of one dispute, as the lifecycle sees it.
pub(crate) struct DisputeAgreementDoc {
    space: Space,
    dispute: Dispute,
}

impl OfSubject for DisputeAgreementDoc {
    type View = AgreementView;

    /// Loads the dispute, answering "not found" to anyone who may not see it.
    async fn load(
        services: &Services,
        caller: &Caller,
        dispute_id: &str,
    ) -> Result<DisputeAgreementDoc, Error> {
        let (space, dispute) =
            super::dispute_decision::readable(services, caller, dispute_id).await?;
        Ok(DisputeAgreementDoc { space, dispute })
    }

    fn answer(&self, agreement: SignedView) -> AgreementView {
        AgreementView {
            dispute_id: self.space.id.clone(),
            agreement,
        }
    }
}

impl DisputeAgreementDoc {
    /// What the text agrees, when it makes one of the parties responsible.
    fn agreed(&self, content: &Value) -> Result<Decision, Error> {
        kind::agreement(content)
            .filter(|a| self.dispute.party(&a.responsible_org_id).is_some())
            .ok_or_else(|| Error::refused(AGREEMENT_RESPONSIBLE_NOT_A_PARTY.message()))
    }
}

impl SignedDocument for DisputeAgreementDoc {
    type Kind = DisputeAgreement;
    type Words = AgreementWords;
    const NAME: &'static str = "agreement";
    const THE: &'static str = "the agreement";
    const THE_ZH: &'static str = "协议书";
    const SIGNATORIES: Signatories = AGREEMENT_SIGNATORIES;

    fn space(&self) -> &Space {
        &self.space
    }

    fn doc_id(&self) -> &str {
        &self.dispute.agreement_doc_id
    }

    fn title(&self) -> &str {
        &self.dispute.title
    }

    /// The raising body, convener of the space while the parties negotiate.
    fn manage_action(&self) -> Action<'_> {
        Action::ManageSignedDoc(self.space.facts())
    }

    fn sign_action(&self) -> Action<'_> {
        Action::SignDoc(self.space.facts())
    }

    fn gate(&self) -> Gate {
        Gate {
            freeze: agreement_freeze_gate(self.dispute.state),
        }
    }

    /// Every party.
    fn signatories(&self) -> BTreeSet<String> {
        self.dispute
            .parties
            .iter()
            .map(|p| p.org_id.clone())
            .collect()
    }

    /// Every party, in one step: none signs before another.
    fn default_steps(&self) -> Vec<Vec<String>> {
        vec![self
            .dispute
            .parties
            .iter()
            .map(|p| p.org_id.clone())
            .collect()]
    }

    fn facts(&self, issue: &Issue) -> AgreementFacts {
        AgreementFacts {
            dispute_id: self.dispute.id.clone(),
            title: self.dispute.title.clone(),
            parties: super::dispute_decision::parties_of(&self.dispute),
            dated: local_date(issue.at).map(|d| d.to_string()),
        }
    }

    fn check_content(&self, content: &Value) -> Result<(), Error> {
        self.agreed(content).map(|_| ())
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
        format!("agreement:{}:{version}", self.space.id)
    }

    /// The dispute is resolved by agreement, naming who carries out what by when; every
    /// party and the bureau that followed it are told live, and its clock stops.
    async fn complete(
        &self,
        _services: &Services,
        _caller: &Caller,
        _version: &SignedVersion,
        content: &Value,
        _now: i64,
        effects: &mut Effects,
    ) -> Result<Completed, Error> {
        let agreed = self.agreed(content)?;
        let detail = super::dispute_decision::told_of_outcome(
            &self.dispute,
            "dispute.settled",
            DisputeState::Resolved,
            &agreed,
            effects,
        );
        Ok(Completed {
            subject_change: Some(SubjectChange::SettleDispute(DisputeDecided {
                responsible_org_id: agreed.responsible_org_id,
                duty: agreed.duty,
                deadline: agreed.deadline,
            })),
            detail,
        })
    }
}

// ---- what the routes answer ----

/// A dispute's agreement as a party or the bureau sees it: the signed document's view, with
/// the dispute it belongs to.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementView {
    pub dispute_id: String,
    #[serde(flatten)]
    pub agreement: SignedView,
}
