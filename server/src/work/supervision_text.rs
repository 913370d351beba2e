//! A supervision document's text (监督文书正文) as a signed document: the supervision
//! document's part of the one lifecycle of [`super::signing`] ([`SupervisionText`]), as
//! `work::dispute_decision` is a dispute's.
//!
//! The issuing bureau manages and alone signs it, with its person and its seal, while the
//! document is drafted; its projection is given the document, the bureau, the body and the
//! working days the body will have to report; it is numbered by the bureau by kind
//! (`上司监通〔2026〕1号`); a decision must name the act it rules on (checked at the freeze); and
//! its completion, in the write of the signature, issues it: the body takes part from then on
//! and is sent it as a notice requiring 签收, whose acknowledgement receives it
//! (`work::supervision_docs::received`). Kept apart from `work::supervision_docs` so that
//! `work::notices` may call that module without a circle.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::{json, Map, Value};
use utoipa::ToSchema;

use super::signing::{Completed, Issue, OfSubject, SignedDocument, SignedView};
use super::supervision_docs::{events, readable, report_limit, subject};
use super::Error;
use crate::auth::Caller;
use crate::db::{Effects, SignedVersion, Space, Supervision, SupervisionIssued};
use crate::domain::calendar::{local_date, TimeLimit};
use crate::domain::policy::Action;
use crate::domain::signed::{Gate, Signatories};
use crate::domain::supervision_doc::{
    self as rules, doc_freeze_gate, SupervisionDocWords, SupervisionState, NO_SUCH_SUPERVISION,
    SUPERVISION_SIGNATORIES,
};
use crate::services::Services;
use crate::signing::kinds::supervision_doc::{self as kind, SupervisionDoc, SupervisionFacts};
use crate::signing::projection::OrgRef;

/// The text of one supervision document, as the signed-document lifecycle sees it.
pub(crate) struct SupervisionText {
    space: Space,
    doc: Supervision,
    /// The working days the body has to report, as its region's limit says now (when it asks
    /// for rectification and the limit is counted in working days).
    report_days: Option<u32>,
}

impl OfSubject for SupervisionText {
    type View = SupervisionTextView;

    /// Loads the document, answering "not found" to anyone who may not read it.
    async fn load(
        services: &Services,
        caller: &Caller,
        id: &str,
    ) -> Result<SupervisionText, Error> {
        let (doc, _) = readable(services, caller, id).await?;
        let space = services
            .db
            .space(id)
            .await?
            .ok_or_else(|| Error::NotFound(NO_SUCH_SUPERVISION.message()))?;
        let report_days = if doc.kind.rectifies() {
            match report_limit(services, &doc).await?.0 {
                TimeLimit::WorkingDays(days) => Some(days),
                _ => None,
            }
        } else {
            None
        };
        Ok(SupervisionText {
            space,
            doc,
            report_days,
        })
    }

    fn answer(&self, text: SignedView) -> SupervisionTextView {
        SupervisionTextView {
            supervision_id: self.doc.id.clone(),
            text,
        }
    }
}

impl SignedDocument for SupervisionText {
    type Kind = SupervisionDoc;
    type Words = SupervisionDocWords;
    const NAME: &'static str = "supervision_doc";
    const THE: &'static str = "the supervision document";
    const THE_ZH: &'static str = "监督文书";
    const SIGNATORIES: Signatories = SUPERVISION_SIGNATORIES;

    fn space(&self) -> &Space {
        &self.space
    }

    fn doc_id(&self) -> &str {
        &self.doc.doc_id
    }

    fn title(&self) -> &str {
        &self.doc.title
    }

    /// The issuing bureau (the space's convener).
    fn manage_action(&self) -> Action<'_> {
        Action::ManageSignedDoc(self.doc.facts())
    }

    fn sign_action(&self) -> Action<'_> {
        Action::SignDoc(self.doc.facts())
    }

    fn gate(&self) -> Gate {
        Gate {
            freeze: doc_freeze_gate(self.doc.state),
        }
    }

    /// The bureau alone.
    fn signatories(&self) -> BTreeSet<String> {
        BTreeSet::from([self.doc.bureau_org_id.clone()])
    }

    fn default_steps(&self) -> Vec<Vec<String>> {
        vec![vec![self.doc.bureau_org_id.clone()]]
    }

    fn facts(&self, issue: &Issue) -> SupervisionFacts {
        let doc = &self.doc;
        SupervisionFacts {
            supervision: json!({
                "id": doc.id,
                "kind": doc.kind,
                "kind_name": doc.kind.label_zh(),
                "title": doc.title,
            }),
            bureau: OrgRef {
                org_id: doc.bureau_org_id.clone(),
                name: doc.bureau_name.clone(),
            },
            supervised: OrgRef {
                org_id: doc.body_org_id.clone(),
                name: doc.body_name.clone(),
            },
            document: issue.number.as_ref().map(|number| kind::Issued {
                number: number.text(),
                dated: local_date(issue.at).map_or_else(String::new, |d| d.to_string()),
            }),
            report_working_days: self.report_days,
        }
    }

    /// A decision names the act and what it orders; a notice or an opinion names none:
    /// refused at the freeze, so that the bureau does not sign a text that says otherwise.
    fn check_content(&self, content: &Value) -> Result<(), Error> {
        let act = kind::act(content);
        rules::check_act(
            self.doc.kind,
            act.as_ref().map(|(n, o)| (n.as_str(), o.as_str())),
        )
        .map_err(|rule| Error::refused(rule.message()))
    }

    /// Numbered by the bureau: `上司监通〔2026〕1号`.
    fn numbered_by(&self) -> Option<(&str, &'static str)> {
        Some((&self.doc.bureau_org_id, self.doc.kind.number_word()))
    }

    fn event_subject(&self) -> String {
        subject(&self.doc.id)
    }

    fn event_payload(&self) -> Map<String, Value> {
        let mut payload = Map::new();
        payload.insert("title".into(), json!(self.doc.title));
        payload.insert("supervision_id".into(), json!(self.doc.id));
        payload
    }

    fn target(&self, version: i64) -> String {
        format!("supervision_doc:{}:{version}", self.doc.id)
    }

    /// Issued: delivered to the body as a notice requiring 签收 (whose acknowledgement
    /// receives it), and the body takes part from now on.
    async fn complete(
        &self,
        services: &Services,
        caller: &Caller,
        version: &SignedVersion,
        _content: &Value,
        now: i64,
        effects: &mut Effects,
    ) -> Result<Completed, Error> {
        let doc = &self.doc;
        let asks = match (doc.kind.rectifies(), self.report_days) {
            (true, Some(days)) => format!("请于签收之日起 {days} 个工作日内报送整改报告。"),
            (true, None) => "请按期报送整改报告。".to_owned(),
            (false, _) => String::new(),
        };
        let plan = super::notices::NoticePlan {
            sender_org_id: doc.bureau_org_id.clone(),
            created_by: caller.actor.user_id.clone(),
            acting: super::Acting::of(caller),
            kind: crate::domain::notice::NoticeKind::Information,
            title: format!("{}：{}", doc.kind.label_zh(), doc.title)
                .chars()
                .take(super::MAX_TITLE_CHARS)
                .collect(),
            body: format!(
                "{}向贵单位制发《{}》{}（{}）。请阅看全文并签收。{asks}",
                doc.bureau_name,
                doc.title,
                doc.kind.label_zh(),
                if version.version > 1 {
                    format!("第 {} 版", version.version)
                } else {
                    "已签发".to_owned()
                },
            ),
            subject: Some(subject(&doc.id)),
            requires_ack: true,
            requires_reply: false,
            reply_due_at: None,
            recipients: vec![doc.body_org_id.clone()],
        };
        let (notice, notice_effects) = super::notices::plan_notice(services, now, plan).await?;
        effects.issue_supervision(SupervisionIssued {
            supervision_id: doc.id.clone(),
            notice_id: notice.id.clone(),
            body_org_id: doc.body_org_id.clone(),
        });
        effects.send_notice(notice);
        effects.merge(notice_effects);
        let orgs = [doc.bureau_org_id.clone(), doc.body_org_id.clone()];
        effects.events.extend(events(
            doc,
            SupervisionState::Issued,
            "supervision.issued",
            &orgs,
        ));
        let mut detail = Map::new();
        detail.insert("supervision_id".into(), json!(doc.id));
        detail.insert("body_org_id".into(), json!(doc.body_org_id));
        Ok(Completed {
            subject_change: None,
            detail,
        })
    }
}

/// A supervision document's text as its readers see it: the signed document's view, with
/// the supervision document it belongs to.
#[derive(Debug, Serialize, ToSchema)]
pub struct SupervisionTextView {
    pub supervision_id: String,
    #[serde(flatten)]
    pub text: SignedView,
}
