//! The parties' agreement that settles a jurisdiction dispute (协议书,
//! `concord.dispute-agreement/1`): the third kind of signed document.
//!
//! While they negotiate, the parties may settle the dispute themselves (WORKFLOWS.md
//! "Jurisdiction dispute": "settled by the parties (agreement signed by all)"). They co-edit
//! the agreement as a document shaped like the bureau's decision
//! ([`super::dispute_decision::Outcome`]): the `XmlFragment` `body` (what they agreed and why)
//! and the `Map` `agreement` (`responsible_org_id`, `duty`, `deadline`: which of them handles
//! the matter, what it does, by when). The dispute record adds the dispute and the parties;
//! there is no bureau in it, because none took part, and no document number, because no
//! single body issues it: the date is the day the text was frozen. Every party signs it with
//! its person and its seal; the last signature resolves the dispute.
//!
//! This module never does I/O.

use std::fmt::Write as _;

use serde_json::{json, Map, Value};
use yrs::{Doc, ReadTxn};

use super::dispute_decision::{
    chinese_date, outcome_of, outcome_page, parties_from, parties_member, project_outcome,
    render_outcome, render_parties, Decision, Outcome, OutcomeWords, Party,
};
use crate::signing::kind::{self, SignedKind};
use crate::signing::pdf::OfficePage;
use crate::signing::projection::{
    array_of, escape, html_head, render_blocks, text_of, ProjectionError,
};

/// The schema name every agreement projection carries in its `"schema"` member.
pub const SCHEMA: &str = "concord.dispute-agreement/1";

/// The name of the document's root `Map` holding what the parties agreed.
pub const AGREEMENT_ROOT: &str = "agreement";

/// The agreement's outcome.
pub(crate) const AGREEMENT: Outcome = Outcome {
    root: AGREEMENT_ROOT,
    the: "the agreement",
};

/// A dispute agreement, as a kind of signed document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DisputeAgreement;

impl SignedKind for DisputeAgreement {
    const SCHEMA: &'static str = SCHEMA;
    const NAME: &'static str = "dispute agreement";
    const NAME_ZH: &'static str = "争议协议书";
    const INTENT: &'static str = "agree-dispute-settlement";
    const PAYLOAD_TYPE: &'static str =
        "application/vnd.concord.dispute-agreement-signature+json;v=1";
    const RENDITION: &'static str = "agreement.html";
    const PDF_RENDITION: &'static str = "agreement.pdf";
    type Facts = AgreementFacts;

    fn facts_members(facts: &AgreementFacts) -> Map<String, Value> {
        let mut members = Map::new();
        members.insert(
            "dispute".into(),
            json!({"id": facts.dispute_id, "title": facts.title}),
        );
        members.insert("parties".into(), parties_member(&facts.parties));
        if let Some(dated) = &facts.dated {
            members.insert("document".into(), json!({"dated": dated}));
        }
        members
    }

    fn facts_from_content(content: &Value) -> Option<AgreementFacts> {
        let text = |v: &Value, key: &str| v.get(key)?.as_str().map(str::to_string);
        let dispute = content.get("dispute")?;
        let dated = match content.get("document") {
            None => None,
            Some(document) => Some(text(document, "dated")?),
        };
        Some(AgreementFacts {
            dispute_id: text(dispute, "id")?,
            title: text(dispute, "title")?,
            parties: parties_from(content)?,
            dated,
        })
    }

    fn project_document<T: ReadTxn>(txn: &T) -> Result<Map<String, Value>, ProjectionError> {
        project_outcome(txn, &AGREEMENT)
    }

    fn render_html(content: &Value) -> String {
        render_html(content)
    }

    /// Issued by every party: each signs it, none numbers it.
    fn office_page(content: &Value) -> Option<OfficePage> {
        let parties: Vec<&str> = array_of(content, "parties")
            .iter()
            .map(|p| text_of(p, "org_name"))
            .collect();
        Some(outcome_page(
            content,
            &AGREEMENT,
            OutcomeWords {
                name: "协议书",
                text: "协议内容",
                terms: "约定事项",
                mark: None,
                issuer: parties.join("、"),
            },
        ))
    }
}

/// What the content needs besides the document: from the dispute record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementFacts {
    /// The dispute's id (its space id).
    pub dispute_id: String,
    /// The matter in dispute, as the dispute record names it.
    pub title: String,
    /// Every party to the dispute, each of which signs; the projection sorts them.
    pub parties: Vec<Party>,
    /// `YYYY-MM-DD`, Beijing time: the day the text was frozen (`document.dated`).
    pub dated: Option<String>,
}

/// The canonical projection of an agreement document as a JSON value with
/// `"schema": "concord.dispute-agreement/1"`. The caller must not hold a transaction on `doc`.
pub fn project(doc: &Doc, facts: &AgreementFacts) -> Result<Value, ProjectionError> {
    kind::project::<DisputeAgreement>(doc, facts)
}

/// What a projection made by [`project`] agreed; none if it lacks one of the three strings,
/// which [`project`] never makes.
pub fn agreement(content: &Value) -> Option<Decision> {
    outcome_of(content, &AGREEMENT)
}

/// The style sheet of `agreement.html`: print-friendly, no external resources.
const HTML_STYLE: &str = "body{font-family:\"Songti SC\",\"SimSun\",serif;max-width:46em;\
margin:2em auto;padding:0 1em;line-height:1.7;color:#111}\
h1{text-align:center;font-size:1.6em}h2{font-size:1.2em;border-bottom:1px solid #999}\
p{white-space:pre-wrap}dl{display:grid;grid-template-columns:8em 1fr;gap:.2em 1em}\
dt{font-weight:bold}table{border-collapse:collapse;width:100%}\
th,td{border:1px solid #999;padding:.2em .5em;text-align:left}\
blockquote{border-left:3px solid #999;margin-left:0;padding-left:1em}\
footer{margin-top:3em;font-size:.85em;color:#555}";

/// agreement.html: a deterministic, self-contained, escaped HTML rendition of content.json,
/// made like `decision.html`: the matter, the parties, the text, what was agreed, and the
/// parties that sign it with the date.
pub fn render_html(content: &Value) -> String {
    let dispute = &content["dispute"];
    let title = format!("{}：{}", "协议书", text_of(dispute, "title"));
    let mut html = String::new();

    html_head(&mut html, &title, HTML_STYLE);
    html.push_str("<header>\n<h1>协议书</h1>\n<dl class=\"dispute\">\n");
    let _ = writeln!(
        html,
        "<dt>争议事项</dt><dd>{}</dd>",
        escape(text_of(dispute, "title"))
    );
    html.push_str("</dl>\n</header>\n");
    render_parties(&mut html, content);

    html.push_str("<main class=\"text\">\n<h2>协议内容</h2>\n");
    render_blocks(&mut html, array_of(content, "body"));
    html.push_str("</main>\n");
    render_outcome(&mut html, content, &AGREEMENT, "约定事项");

    html.push_str("<p class=\"signatories\">");
    let names: Vec<String> = array_of(content, "parties")
        .iter()
        .map(|party| escape(text_of(party, "org_name")))
        .collect();
    html.push_str(&names.join("<br>"));
    let dated = text_of(&content["document"], "dated");
    if !dated.is_empty() {
        let _ = write!(html, "<br>{}", escape(&chinese_date(dated)));
    }
    html.push_str("</p>\n");

    html.push_str(
        "<footer><p>本文件是协议书 content.json 的阅读版本，签署和核验以 content.json 为准。</p></footer>\n",
    );
    html.push_str("</body>\n</html>\n");
    html
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::signing::canonical::to_canonical;
    use yrs::{Map as _, Transact, XmlElementPrelim, XmlFragment, XmlTextPrelim};

    pub(crate) fn facts() -> AgreementFacts {
        AgreementFacts {
            dispute_id: "dispute-1".into(),
            title: "湖滨街道无证经营整治的管辖".into(),
            parties: vec![
                Party {
                    org_id: "org-township".into(),
                    org_name: "湖滨街道办事处".into(),
                    role: "raised".into(),
                },
                Party {
                    org_id: "org-market".into(),
                    org_name: "上城区市场监督管理局".into(),
                    role: "named".into(),
                },
            ],
            dated: Some("2026-12-07".into()),
        }
    }

    /// An agreement as the parties draft it: a paragraph and the agreement map.
    pub(crate) fn doc() -> Doc {
        let doc = Doc::with_client_id(9);
        let body = doc.get_or_insert_xml_fragment("body");
        let agreement = doc.get_or_insert_map(AGREEMENT_ROOT);
        let mut txn = doc.transact_mut();
        let p = body.push_back(&mut txn, XmlElementPrelim::empty("paragraph"));
        p.push_back(
            &mut txn,
            XmlTextPrelim::new("经协商，无证经营的查处由区市场监管局负责 <i>&</i>。"),
        );
        agreement.insert(&mut txn, "responsible_org_id", "org-market");
        agreement.insert(&mut txn, "duty", "查处湖滨街道无证经营");
        agreement.insert(&mut txn, "deadline", "2027-01-15");
        drop(txn);
        doc
    }

    #[test]
    fn an_agreement_projects_to_the_documented_shape_without_a_bureau() {
        let content = project(&doc(), &facts()).unwrap();

        assert_eq!(content["schema"], SCHEMA);
        assert_eq!(content["document"], json!({"dated": "2026-12-07"}));
        assert_eq!(content["parties"][0]["org_id"], "org-market");
        assert_eq!(
            content["agreement"],
            json!({"responsible_org_id": "org-market", "duty": "查处湖滨街道无证经营",
                   "deadline": "2027-01-15"})
        );
        assert_eq!(
            agreement(&content).map(|a| a.responsible_org_id),
            Some("org-market".into())
        );
        let members: Vec<&String> = content.as_object().unwrap().keys().collect();
        assert_eq!(
            members,
            [
                "agreement",
                "body",
                "dispute",
                "document",
                "parties",
                "schema"
            ]
        );
    }

    #[test]
    fn the_facts_read_back_from_the_content_give_the_same_content() {
        let content = project(&doc(), &facts()).unwrap();

        let read_back = DisputeAgreement::facts_from_content(&content).unwrap();

        assert_eq!(
            to_canonical(&project(&doc(), &read_back).unwrap()),
            to_canonical(&content)
        );
    }

    #[test]
    fn an_agreement_without_its_map_or_with_a_bad_deadline_is_refused() {
        let without_root = Doc::with_client_id(3);
        match project(&without_root, &facts()) {
            Err(ProjectionError::Schema { at, reason }) => {
                assert_eq!(at, AGREEMENT_ROOT);
                assert!(reason.starts_with("the agreement must name"), "{reason}");
            }
            other => panic!("expected a schema error, got {other:?}"),
        }
        let doc = doc();
        {
            let agreement = doc.get_or_insert_map(AGREEMENT_ROOT);
            let mut txn = doc.transact_mut();
            agreement.insert(&mut txn, "deadline", "明年");
        }
        let error = project(&doc, &facts()).unwrap_err();
        assert!(error.to_string().contains("YYYY-MM-DD"), "{error}");
    }

    #[test]
    fn agreement_html_names_the_parties_and_the_responsible_body_escaped() {
        let html = render_html(&project(&doc(), &facts()).unwrap());

        assert!(html.contains("default-src 'none'"));
        assert!(html.contains("<h1>协议书</h1>"), "{html}");
        assert!(html.contains("&lt;i&gt;&amp;&lt;/i&gt;"), "{html}");
        assert!(
            html.contains("责任单位：<span class=\"org\">上城区市场监督管理局</span>"),
            "{html}"
        );
        assert!(html.contains("完成时限：<span class=\"deadline\">2027年1月15日</span>"));
        assert!(html.contains("湖滨街道办事处<br>"), "{html}");
        assert!(html.contains("2026年12月7日</p>"), "{html}");
    }
}
