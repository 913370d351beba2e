//! A judicial bureau's decision on a jurisdiction dispute (协调意见书,
//! `concord.dispute-decision/1`): the second kind of signed document.
//!
//! When the parties to a jurisdiction dispute (执法争议 / 管辖争议: two or more bodies disagree
//! over who must act) do not settle it, the judicial bureau covering all of them decides, and
//! its coordination opinion names the body responsible (WORKFLOWS.md "Jurisdiction dispute").
//! The bureau drafts the opinion as a co-edited document with two roots: the `XmlFragment`
//! `body` (the facts, the parties' views, the reasons: the same blocks as minutes) and the
//! `Map` `decision` (`responsible_org_id`, `duty`, `deadline`: who must act, what, by when;
//! the server tracks it as a task once the decision is signed). The dispute record adds the
//! dispute, the bureau and the parties.
//!
//! Whether the responsible body must be one of the parties is the server's rule to check
//! before freezing, not the schema's: the schema only requires that the decision names one.
//! This module never does I/O.

use std::fmt::Write as _;

use serde_json::{json, Map, Value};
use yrs::{Doc, Out, ReadTxn};

use crate::signing::kind::{self, SignedKind};
pub use crate::signing::kinds::minutes::Issued;
use crate::signing::pdf::{Line, OfficePage, Part, Section};
use crate::signing::projection::{
    self, array_of, escape, html_head, is_calendar_date, render_blocks, text_of, Fields, OrgRef,
    ProjectionError,
};

/// The schema name every decision projection carries in its `"schema"` member.
pub const SCHEMA: &str = "concord.dispute-decision/1";

/// The name of the document's root `XmlFragment` holding the opinion's text.
pub const BODY_ROOT: &str = "body";

/// The name of the document's root `Map` holding the decision itself.
pub const DECISION_ROOT: &str = "decision";

/// The fields of an outcome (the bureau's decision, the parties' agreement), all required.
const OUTCOME_FIELDS: [&str; 3] = ["responsible_org_id", "duty", "deadline"];

/// How a dispute ends, as a co-edited document: its text (the root `body`) and a `Map` naming
/// the responsible body, its duty and the deadline. The bureau's decision (root `decision`)
/// and the parties' agreement (root `agreement`, [`super::dispute_agreement`]) have this one
/// shape, so they are read, checked and turned into the dispute's outcome the same way.
pub(crate) struct Outcome {
    /// The root `Map` and the member of `content.json`: `decision`.
    pub root: &'static str,
    /// How an error names it: `the decision`.
    pub the: &'static str,
}

/// The decision's outcome.
pub(crate) const DECISION: Outcome = Outcome {
    root: DECISION_ROOT,
    the: "the decision",
};

/// A dispute decision, as a kind of signed document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DisputeDecision;

impl SignedKind for DisputeDecision {
    const SCHEMA: &'static str = SCHEMA;
    const NAME: &'static str = "dispute decision";
    const NAME_ZH: &'static str = "协调意见书";
    const INTENT: &'static str = "issue-dispute-decision";
    const PAYLOAD_TYPE: &'static str =
        "application/vnd.concord.dispute-decision-signature+json;v=1";
    const RENDITION: &'static str = "decision.html";
    const PDF_RENDITION: &'static str = "decision.pdf";
    type Facts = DisputeFacts;

    fn facts_members(facts: &DisputeFacts) -> Map<String, Value> {
        let mut members = Map::new();
        members.insert(
            "dispute".into(),
            json!({"id": facts.dispute_id, "title": facts.title}),
        );
        members.insert(
            "bureau".into(),
            json!({"org_id": facts.bureau.org_id, "name": facts.bureau.name}),
        );
        members.insert("parties".into(), parties_member(&facts.parties));
        if let Some(document) = &facts.document {
            members.insert(
                "document".into(),
                json!({"number": document.number, "dated": document.dated}),
            );
        }
        members
    }

    fn facts_from_content(content: &Value) -> Option<DisputeFacts> {
        let text = |v: &Value, key: &str| v.get(key)?.as_str().map(str::to_string);
        let dispute = content.get("dispute")?;
        let bureau = content.get("bureau")?;
        let document = match content.get("document") {
            None => None,
            Some(document) => Some(Issued {
                number: text(document, "number")?,
                dated: text(document, "dated")?,
            }),
        };
        Some(DisputeFacts {
            document,
            dispute_id: text(dispute, "id")?,
            title: text(dispute, "title")?,
            bureau: OrgRef {
                org_id: text(bureau, "org_id")?,
                name: text(bureau, "name")?,
            },
            parties: parties_from(content)?,
        })
    }

    fn project_document<T: ReadTxn>(txn: &T) -> Result<Map<String, Value>, ProjectionError> {
        project_outcome(txn, &DECISION)
    }

    fn render_html(content: &Value) -> String {
        render_html(content)
    }

    fn office_page(content: &Value) -> Option<OfficePage> {
        let bureau = text_of(&content["bureau"], "name");
        Some(outcome_page(
            content,
            &DECISION,
            OutcomeWords {
                name: "协调意见书",
                text: "协调意见",
                terms: "决定",
                mark: Some(format!("{bureau}协调意见书")),
                issuer: bureau.to_owned(),
            },
        ))
    }
}

/// What an outcome's printed page calls its parts, and who issues it.
pub(crate) struct OutcomeWords {
    /// 协调意见书, 协议书.
    pub name: &'static str,
    /// The heading of its text: 协调意见, 协议内容.
    pub text: &'static str,
    /// The heading of who carries out what by when: 决定, 约定事项.
    pub terms: &'static str,
    /// The red mark of the masthead, if it has one.
    pub mark: Option<String>,
    /// The issuing body or bodies (发文机关署名).
    pub issuer: String,
}

/// The printed page (the PDF rendition, in office form) of a decision or an agreement: the
/// same content as its HTML rendition, dates written the Chinese way.
pub(crate) fn outcome_page(content: &Value, outcome: &Outcome, words: OutcomeWords) -> OfficePage {
    let dispute = &content["dispute"];
    let document = content.get("document");
    let parties: Vec<String> = array_of(content, "parties")
        .iter()
        .map(|p| {
            format!(
                "{}（{}）",
                text_of(p, "org_name"),
                party_role(text_of(p, "role"))
            )
        })
        .collect();
    let mut lines = vec![
        Line::new("争议事项", text_of(dispute, "title")),
        Line::new("争议各方", parties.join("、")),
    ];
    let bureau = text_of(&content["bureau"], "name");
    if !bureau.is_empty() {
        lines.push(Line::new("协调机关", bureau));
    }
    let record = &content[outcome.root];
    let terms = vec![
        Part::Line {
            label: "责任单位".into(),
            text: party_name(content, text_of(record, "responsible_org_id")).to_owned(),
        },
        Part::Line {
            label: "履行事项".into(),
            text: text_of(record, "duty").to_owned(),
        },
        Part::Line {
            label: "完成时限".into(),
            text: chinese_date(text_of(record, "deadline")),
        },
    ];
    OfficePage {
        mark: words.mark,
        number: document
            .and_then(|d| d["number"].as_str())
            .map(str::to_owned),
        title: format!("关于{}的{}", text_of(dispute, "title"), words.name),
        lines,
        sections: vec![
            Section {
                heading: words.text.into(),
                parts: vec![Part::Blocks {
                    blocks: array_of(content, "body").to_vec(),
                }],
            },
            Section {
                heading: words.terms.into(),
                parts: terms,
            },
        ],
        issuer: Some(words.issuer),
        dated: document.and_then(|d| d["dated"].as_str()).map(chinese_date),
        note: Some(format!(
            "本文件是{} content.json 的打印版本，签署和核验以 content.json 为准。",
            words.name
        )),
    }
}

/// The members `body` and `<root>` of an outcome's document, checked: the responsible body
/// named, its duty said, the deadline a calendar date, nothing else in the map.
pub(crate) fn project_outcome<T: ReadTxn>(
    txn: &T,
    outcome: &Outcome,
) -> Result<Map<String, Value>, ProjectionError> {
    let body = projection::project_fragment(txn, BODY_ROOT)?;
    let Some(map) = txn.get_map(outcome.root) else {
        return Err(ProjectionError::schema(
            outcome.root,
            format!(
                "{} must name the responsible body, its duty and a deadline",
                outcome.the
            ),
        ));
    };
    let fields = Fields::read(
        &Out::YMap(map),
        txn,
        outcome.root,
        outcome.the,
        "a map with `responsible_org_id`, `duty` and `deadline`",
    )?;
    fields.only(&OUTCOME_FIELDS)?;
    let responsible = fields.string("responsible_org_id")?;
    let duty = fields.string("duty")?;
    let deadline = fields.string("deadline")?;
    if responsible.trim().is_empty() {
        return Err(fields.error(format!("{} must name the responsible body", outcome.the)));
    }
    if duty.trim().is_empty() {
        return Err(fields.error(format!(
            "{} must say what the responsible body must do",
            outcome.the
        )));
    }
    if !is_calendar_date(&deadline) {
        return Err(fields.error(format!(
            "the deadline `{deadline}` is not a date written YYYY-MM-DD"
        )));
    }
    let mut members = Map::new();
    members.insert("body".into(), Value::Array(body));
    members.insert(
        outcome.root.into(),
        json!({"responsible_org_id": responsible, "duty": duty, "deadline": deadline}),
    );
    Ok(members)
}

/// The parties as `content.json` holds them: sorted, each its id, name and role.
pub(crate) fn parties_member(parties: &[Party]) -> Value {
    let mut parties: Vec<&Party> = parties.iter().collect();
    parties
        .sort_by(|a, b| (&a.org_id, &a.role, &a.org_name).cmp(&(&b.org_id, &b.role, &b.org_name)));
    Value::Array(
        parties
            .into_iter()
            .map(|party| {
                json!({"org_id": party.org_id, "org_name": party.org_name, "role": party.role})
            })
            .collect(),
    )
}

/// The parties read back from `content.json`.
pub(crate) fn parties_from(content: &Value) -> Option<Vec<Party>> {
    let text = |v: &Value, key: &str| v.get(key)?.as_str().map(str::to_string);
    content
        .get("parties")?
        .as_array()?
        .iter()
        .map(|p| {
            Some(Party {
                org_id: text(p, "org_id")?,
                org_name: text(p, "org_name")?,
                role: text(p, "role")?,
            })
        })
        .collect()
}

/// What the content needs besides the document: from the dispute record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisputeFacts {
    /// The dispute's id (its space id).
    pub dispute_id: String,
    /// The matter in dispute, as the dispute record names it.
    pub title: String,
    /// The judicial bureau that decides.
    pub bureau: OrgRef,
    /// Every party to the dispute; the projection sorts them.
    pub parties: Vec<Party>,
    /// The document number and date (`document` in the content), from the freeze.
    pub document: Option<Issued>,
}

/// One party to the dispute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub org_id: String,
    pub org_name: String,
    /// `"raised"` for the body that raised the dispute, `"named"` for a body it names.
    pub role: String,
}

/// The decision of a projection, typed (the server turns it into a task).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub responsible_org_id: String,
    pub duty: String,
    /// `YYYY-MM-DD`.
    pub deadline: String,
}

/// The canonical projection of a decision document as a JSON value with
/// `"schema": "concord.dispute-decision/1"`. The caller must not hold a transaction on `doc`.
pub fn project(doc: &Doc, facts: &DisputeFacts) -> Result<Value, ProjectionError> {
    kind::project::<DisputeDecision>(doc, facts)
}

/// The decision of a projection made by [`project`] (or read back from a verified
/// `content.json`); none if it lacks one of the three strings, which [`project`] never makes.
pub fn decision(content: &Value) -> Option<Decision> {
    outcome_of(content, &DECISION)
}

/// The outcome under `outcome.root` of a projection, typed.
pub(crate) fn outcome_of(content: &Value, outcome: &Outcome) -> Option<Decision> {
    let decision = content.get(outcome.root)?;
    let text = |key: &str| Some(decision.get(key)?.as_str()?.to_owned());
    Some(Decision {
        responsible_org_id: text("responsible_org_id")?,
        duty: text("duty")?,
        deadline: text("deadline")?,
    })
}

/// The style sheet of `decision.html`: print-friendly, no external resources.
const HTML_STYLE: &str = "body{font-family:\"Songti SC\",\"SimSun\",serif;max-width:46em;\
margin:2em auto;padding:0 1em;line-height:1.7;color:#111}\
h1{text-align:center;font-size:1.6em}h2{font-size:1.2em;border-bottom:1px solid #999}\
p{white-space:pre-wrap}dl{display:grid;grid-template-columns:8em 1fr;gap:.2em 1em}\
dt{font-weight:bold}table{border-collapse:collapse;width:100%}\
th,td{border:1px solid #999;padding:.2em .5em;text-align:left}\
blockquote{border-left:3px solid #999;margin-left:0;padding-left:1em}\
footer{margin-top:3em;font-size:.85em;color:#555}";

/// decision.html: a deterministic, self-contained, escaped HTML rendition of content.json,
/// made like `minutes.html` (no script, no outside resource, no time of rendering).
pub fn render_html(content: &Value) -> String {
    let dispute = &content["dispute"];
    let bureau = &content["bureau"];
    let title = format!("{}：{}", "协调意见书", text_of(dispute, "title"));
    let mut html = String::new();

    html_head(&mut html, &title, HTML_STYLE);
    html.push_str("<header>\n<h1>协调意见书</h1>\n");
    let document = &content["document"];
    let number = text_of(document, "number");
    if !number.is_empty() {
        let _ = writeln!(html, "<p class=\"number\">{}</p>", escape(number));
    }
    html.push_str("<dl class=\"dispute\">\n");
    for (label, value) in [
        ("争议事项", text_of(dispute, "title")),
        ("协调机关", text_of(bureau, "name")),
    ] {
        let _ = writeln!(html, "<dt>{label}</dt><dd>{}</dd>", escape(value));
    }
    html.push_str("</dl>\n</header>\n");

    render_parties(&mut html, content);

    html.push_str("<main class=\"opinion\">\n<h2>协调意见</h2>\n");
    render_blocks(&mut html, array_of(content, "body"));
    html.push_str("</main>\n");

    render_outcome(&mut html, content, &DECISION, "决定");
    let dated = text_of(document, "dated");
    if !dated.is_empty() {
        let _ = writeln!(
            html,
            "<p class=\"issued\">{}<br>{}</p>",
            escape(text_of(bureau, "name")),
            escape(&chinese_date(dated)),
        );
    }

    html.push_str(
        "<footer><p>本文件是协调意见书 content.json 的阅读版本，签署和核验以 content.json 为准。</p></footer>\n",
    );
    html.push_str("</body>\n</html>\n");
    html
}

/// The table of the parties (争议各方), each with its role.
pub(crate) fn render_parties(html: &mut String, content: &Value) {
    html.push_str("<section class=\"parties\">\n<h2>争议各方</h2>\n");
    html.push_str("<table>\n<thead><tr><th>单位</th><th>身份</th></tr></thead>\n<tbody>\n");
    for party in array_of(content, "parties") {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td></tr>",
            escape(text_of(party, "org_name")),
            escape(party_role(text_of(party, "role"))),
        );
    }
    html.push_str("</tbody>\n</table>\n</section>\n");
}

/// A party's role as a person reads it.
fn party_role(role: &str) -> &str {
    match role {
        "raised" => "提出方",
        "named" => "被提出方",
        other => other,
    }
}

/// The outcome's section: the responsible body by name, its duty, the deadline written the
/// Chinese way.
pub(crate) fn render_outcome(html: &mut String, content: &Value, outcome: &Outcome, heading: &str) {
    let record = &content[outcome.root];
    let responsible = text_of(record, "responsible_org_id");
    let _ = writeln!(
        html,
        "<section class=\"{}\">\n<h2>{heading}</h2>\n<p>责任单位：<span class=\"org\">{}</span></p>\n<p>履行事项：<span class=\"duty\">{}</span></p>\n<p>完成时限：<span class=\"deadline\">{}</span></p>\n</section>",
        outcome.root,
        escape(party_name(content, responsible)),
        escape(text_of(record, "duty")),
        escape(&chinese_date(text_of(record, "deadline"))),
    );
}

/// `2026-04-30` as `2026年4月30日`, or the text as it is when it is not such a date.
pub(crate) fn chinese_date(ymd: &str) -> String {
    crate::signing::office::date(ymd).unwrap_or_else(|| ymd.to_owned())
}

/// The name of a party (or of the bureau), or the id when it is neither.
pub(crate) fn party_name<'a>(content: &'a Value, org_id: &'a str) -> &'a str {
    if text_of(&content["bureau"], "org_id") == org_id {
        return text_of(&content["bureau"], "name");
    }
    array_of(content, "parties")
        .iter()
        .find(|party| text_of(party, "org_id") == org_id)
        .map(|party| text_of(party, "org_name"))
        .unwrap_or(org_id)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::signing::canonical::to_canonical;
    use yrs::{Map as _, MapPrelim, Transact, Xml, XmlElementPrelim, XmlFragment, XmlTextPrelim};

    pub(crate) fn facts() -> DisputeFacts {
        DisputeFacts {
            document: None,
            dispute_id: "dispute-1".into(),
            title: "湖滨街道无证经营整治的管辖".into(),
            bureau: OrgRef {
                org_id: "org-bureau".into(),
                name: "上城区司法局".into(),
            },
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
        }
    }

    /// A decision as the bureau drafts it: a heading and a paragraph, and the decision map.
    pub(crate) fn doc() -> Doc {
        let doc = Doc::with_client_id(7);
        let body = doc.get_or_insert_xml_fragment(BODY_ROOT);
        let decision = doc.get_or_insert_map(DECISION_ROOT);
        let mut txn = doc.transact_mut();
        let heading = body.push_back(&mut txn, XmlElementPrelim::empty("heading"));
        heading.insert_attribute(&mut txn, "level", "1");
        heading.push_back(&mut txn, XmlTextPrelim::new("协调意见"));
        let p = body.push_back(&mut txn, XmlElementPrelim::empty("paragraph"));
        p.push_back(
            &mut txn,
            XmlTextPrelim::new("无证经营的查处属市场监管部门职责 <b>&</b>。"),
        );
        decision.insert(&mut txn, "responsible_org_id", "org-market");
        decision.insert(&mut txn, "duty", "牵头查处湖滨街道无证经营");
        decision.insert(&mut txn, "deadline", "2026-12-31");
        drop(txn);
        doc
    }

    #[test]
    fn a_decision_projects_to_the_documented_shape() {
        let content = project(&doc(), &facts()).unwrap();

        assert_eq!(content["schema"], SCHEMA);
        assert_eq!(
            content["dispute"],
            json!({"id": "dispute-1", "title": "湖滨街道无证经营整治的管辖"})
        );
        assert_eq!(
            content["bureau"],
            json!({"org_id": "org-bureau", "name": "上城区司法局"})
        );
        // Parties sorted by organization id.
        assert_eq!(content["parties"][0]["org_id"], "org-market");
        assert_eq!(content["parties"][1]["role"], "raised");
        assert_eq!(
            content["body"][0],
            json!({"type": "heading", "level": 1, "content": [{"text": "协调意见", "marks": []}]})
        );
        assert_eq!(
            content["decision"],
            json!({"responsible_org_id": "org-market", "duty": "牵头查处湖滨街道无证经营",
                   "deadline": "2026-12-31"})
        );
        assert_eq!(
            decision(&content),
            Some(Decision {
                responsible_org_id: "org-market".into(),
                duty: "牵头查处湖滨街道无证经营".into(),
                deadline: "2026-12-31".into(),
            })
        );
        let members: Vec<&String> = content.as_object().unwrap().keys().collect();
        assert_eq!(
            members,
            ["body", "bureau", "decision", "dispute", "parties", "schema"]
        );
    }

    #[test]
    fn the_facts_read_back_from_the_content_give_the_same_content() {
        let content = project(&doc(), &facts()).unwrap();

        let read_back = DisputeDecision::facts_from_content(&content).unwrap();

        assert_eq!(
            to_canonical(&project(&doc(), &read_back).unwrap()),
            to_canonical(&content)
        );
    }

    #[test]
    fn a_decision_without_a_responsible_body_duty_or_valid_deadline_is_refused() {
        let without_root = Doc::with_client_id(3);
        match project(&without_root, &facts()) {
            Err(ProjectionError::Schema { at, reason }) => {
                assert_eq!(at, DECISION_ROOT);
                assert!(reason.contains("responsible"), "{reason}");
            }
            other => panic!("expected a schema error, got {other:?}"),
        }

        for (field, value, expected) in [
            ("responsible_org_id", " ", "responsible body"),
            ("duty", "", "must do"),
            ("deadline", "2026-02-30", "deadline"),
            ("extra", "x", "`extra`"),
        ] {
            let doc = doc();
            {
                let decision = doc.get_or_insert_map(DECISION_ROOT);
                let mut txn = doc.transact_mut();
                decision.insert(&mut txn, field, value);
            }
            match project(&doc, &facts()) {
                Err(ProjectionError::Schema { at, reason }) => {
                    assert_eq!(at, DECISION_ROOT);
                    assert!(reason.contains(expected), "{field}: {reason}");
                }
                other => panic!("{field}: expected a schema error, got {other:?}"),
            }
        }

        let doc = doc();
        {
            let decision = doc.get_or_insert_map(DECISION_ROOT);
            let mut txn = doc.transact_mut();
            decision.insert(&mut txn, "duty", MapPrelim::from([("a", "b")]));
        }
        let error = project(&doc, &facts()).unwrap_err();
        assert!(error.to_string().contains("must be a string"), "{error}");
    }

    #[test]
    fn decision_html_escapes_every_string_and_names_the_responsible_body() {
        let html = render_html(&project(&doc(), &facts()).unwrap());

        assert!(html.starts_with("<!DOCTYPE html>\n"));
        assert!(html.contains("default-src 'none'"));
        assert!(!html.contains("<b>"), "{html}");
        assert!(html.contains("&lt;b&gt;&amp;&lt;/b&gt;"), "{html}");
        assert!(html.contains("<h3>协调意见</h3>"), "{html}");
        assert!(
            html.contains("责任单位：<span class=\"org\">上城区市场监督管理局</span>"),
            "{html}"
        );
        assert!(
            html.contains("<td>湖滨街道办事处</td><td>提出方</td>"),
            "{html}"
        );
    }
}
