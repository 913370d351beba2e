//! The receipt of a case referral (移送回执) as a signed record: the referral's part of the one
//! lifecycle of [`super::signing`] ([`ReferralReceiptDoc`]).
//!
//! Once the receiving body has signed for a referral (签收) and checked every item of its
//! material checklist, received or missing, it makes the receipt (出具回执: the lifecycle's
//! freeze), opens signing and signs it with its person and its seal; then it archives it, and
//! anyone may verify the bundle offline, with the referral, the checklist with each file's
//! SHA-256 and the 签收 in it. Nobody writes a receipt: it is a record of facts alone
//! ([`SignedDocument::FACTS_ONLY`]), made from the referral as it is at that moment; sent back,
//! it is made again from the facts as they are then. Its signature changes nothing in the
//! referral, whose machine goes on by its own commands.
//!
//! Whoever reads the referral reads its receipt; only the receiving body manages and signs it.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::{json, Map, Value};
use utoipa::ToSchema;

use super::referrals::{readable, subject};
use super::signing::{Completed, Issue, OfSubject, SignedDocument, SignedView};
use super::Error;
use crate::auth::Caller;
use crate::db::{receipt_doc_id, Effects, Referral, SignedVersion, Space};
use crate::domain::calendar::local_date;
use crate::domain::phrases;
use crate::domain::policy::Action;
use crate::domain::referral::{receipt_freeze_gate, ItemState, ReceiptWords, RECEIPT_SIGNATORIES};
use crate::domain::signed::{Gate, Signatories};
use crate::services::Services;
use crate::signing::kinds::referral_receipt::{ReceiptFacts, ReferralReceipt};
use crate::signing::statement::rfc3339;

/// The receipt of one referral, as the lifecycle sees it.
pub(crate) struct ReferralReceiptDoc {
    space: Space,
    referral: Referral,
    doc_id: String,
}

impl OfSubject for ReferralReceiptDoc {
    type View = ReceiptView;

    /// Loads the referral, answering "not found" to anyone who may not read it.
    async fn load(
        services: &Services,
        caller: &Caller,
        id: &str,
    ) -> Result<ReferralReceiptDoc, Error> {
        let (referral, _) = readable(services, caller, id).await?;
        let space = services
            .db
            .space(id)
            .await?
            .ok_or_else(|| Error::NotFound(phrases::NO_SUCH_REFERRAL.message()))?;
        Ok(ReferralReceiptDoc {
            doc_id: receipt_doc_id(&referral.id),
            space,
            referral,
        })
    }

    fn answer(&self, receipt: SignedView) -> ReceiptView {
        ReceiptView {
            referral_id: self.referral.id.clone(),
            receipt,
        }
    }
}

impl SignedDocument for ReferralReceiptDoc {
    type Kind = ReferralReceipt;
    type Words = ReceiptWords;
    const NAME: &'static str = "referral_receipt";
    const THE: &'static str = "the receipt";
    const THE_ZH: &'static str = "移送回执";
    const SIGNATORIES: Signatories = RECEIPT_SIGNATORIES;
    const FACTS_ONLY: bool = true;

    fn space(&self) -> &Space {
        &self.space
    }

    fn doc_id(&self) -> &str {
        &self.doc_id
    }

    fn title(&self) -> &str {
        &self.referral.case.name
    }

    /// The receiving body.
    fn manage_action(&self) -> Action<'_> {
        Action::ManageBodyRecord {
            space: self.referral.facts(),
            org_id: &self.referral.receiver_org_id,
        }
    }

    fn sign_action(&self) -> Action<'_> {
        Action::SignDoc(self.referral.facts())
    }

    fn gate(&self) -> Gate {
        let unchecked = self
            .referral
            .items
            .iter()
            .any(|item| item.state == ItemState::Pending);
        Gate {
            freeze: receipt_freeze_gate(self.referral.state, unchecked),
        }
    }

    fn signatories(&self) -> BTreeSet<String> {
        BTreeSet::from([self.referral.receiver_org_id.clone()])
    }

    fn default_steps(&self) -> Vec<Vec<String>> {
        vec![vec![self.referral.receiver_org_id.clone()]]
    }

    fn facts(&self, issue: &Issue) -> ReceiptFacts {
        let referral = &self.referral;
        let body = |org_id: &str, name: &str| json!({ "org_id": org_id, "name": name });
        let mut case = json!({
            "id": referral.id,
            "kind": referral.kind,
            "kind_name": referral.kind.label_zh(),
            "case_name": referral.case.name,
            "facts": referral.case.facts,
            "legal_basis": referral.case.legal_basis,
        });
        if let Some(number) = &referral.case.number {
            case["case_number"] = json!(number);
        }
        if let Some(sent_at) = referral.sent_at {
            case["sent_at"] = json!(rfc3339(sent_at));
        }
        let mut receipt = json!({
            "person": referral.receiver_person.as_deref().unwrap_or_default(),
        });
        if let Some(received_at) = referral.received_at {
            receipt["received_at"] = json!(rfc3339(received_at));
        }
        let checklist = referral
            .items
            .iter()
            .map(|item| {
                let mut entry = json!({
                    "position": item.position + 1,
                    "name": item.name,
                    "file_name": item.file_name,
                    "size": item.size,
                    "sha256": item.sha256,
                    "state": item.state,
                });
                if let Some(at) = item.checked_at {
                    entry["checked_at"] = json!(rfc3339(at));
                }
                if let Some(note) = &item.note {
                    entry["note"] = json!(note);
                }
                entry
            })
            .collect();
        ReceiptFacts {
            referral: case,
            referrer: body(&referral.referrer_org_id, &referral.referrer_name),
            receiver: body(&referral.receiver_org_id, &referral.receiver_name),
            copy: referral
                .copy_org_id
                .as_deref()
                .zip(referral.copy_name.as_deref())
                .map(|(id, name)| body(id, name)),
            receipt,
            checklist: Value::Array(checklist),
            dated: local_date(issue.at).map(|d| d.to_string()),
        }
    }

    fn event_subject(&self) -> String {
        subject(&self.referral.id)
    }

    fn event_payload(&self) -> Map<String, Value> {
        let mut payload = Map::new();
        payload.insert("case_name".into(), json!(self.referral.case.name));
        payload.insert("referral_id".into(), json!(self.referral.id));
        payload
    }

    fn target(&self, version: i64) -> String {
        format!("referral_receipt:{}:{version}", self.referral.id)
    }

    /// Nothing more: the receipt proves the receipt; the referral goes on by its own commands.
    async fn complete(
        &self,
        _services: &Services,
        _caller: &Caller,
        _version: &SignedVersion,
        _content: &Value,
        _now: i64,
        _effects: &mut Effects,
    ) -> Result<Completed, Error> {
        let mut detail = Map::new();
        detail.insert("referral_id".into(), json!(self.referral.id));
        Ok(Completed {
            subject_change: None,
            detail,
        })
    }
}

/// A referral's receipt as its readers see it: the signed document's view, with the referral
/// it belongs to.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptView {
    pub referral_id: String,
    #[serde(flatten)]
    pub receipt: SignedView,
}
