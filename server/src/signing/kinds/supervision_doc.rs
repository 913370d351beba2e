//! A judicial bureau's supervision document (监督文书, `concord.supervision-doc/1`): a
//! 行政执法监督通知书, 意见书 or 决定书 issued to a body of its region (`domain::supervision_doc`).
//!
//! The bureau drafts it as a co-edited document: the `XmlFragment` `body` (what it found, the
//! legal basis, what the body must do: the same blocks as minutes) and, for a decision, the
//! `Map` `act` naming the enforcement act it rules on and what it orders (`name`: the act as a
//! person names it, its number included; `order`: `revoke` 撤销, `correct` 责令改正 or
//! `declare_unlawful` 确认违法). The server adds the document (its id, kind and matter), the
//! bureau, the supervised body, the number (文号) and date its freeze gives, and, when it asks
//! for rectification, the working days the body has to report. Whether a decision must name an
//! act (and only a decision may) is the server's rule, checked before freezing, not the
//! schema's: the schema only checks an act that is there. This module never does I/O.

use std::fmt::Write as _;

use serde_json::{json, Map, Value};
use yrs::{Out, ReadTxn};

use super::dispute_decision::chinese_date;
use crate::signing::kind::SignedKind;
pub use crate::signing::kinds::minutes::Issued;
use crate::signing::pdf::{Line, OfficePage, Part, Section};
use crate::signing::projection::{
    self, array_of, escape, html_head, render_blocks, text_of, Fields, OrgRef, ProjectionError,
};

/// The schema name every supervision document carries in its `"schema"` member.
pub const SCHEMA: &str = "concord.supervision-doc/1";

/// The root `XmlFragment` of the text.
pub const BODY_ROOT: &str = "body";

/// The root `Map` of a decision's enforcement act.
pub const ACT_ROOT: &str = "act";

/// What a decision may order about the act it names, as `content.json` writes it and as a
/// person reads it: part of the format, so a bundle reads the same forever.
pub const ORDERS: [(&str, &str); 3] = [
    ("revoke", "撤销"),
    ("correct", "责令改正"),
    ("declare_unlawful", "确认违法"),
];

/// A supervision document, as a kind of signed document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SupervisionDoc;

/// What the content needs besides the text: from the supervision record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupervisionFacts {
    /// `{"id", "kind", "kind_name", "title"}`: the document and the matter it is about.
    pub supervision: Value,
    /// The issuing bureau (制发机关).
    pub bureau: OrgRef,
    /// The supervised body (被监督单位), to which it is addressed.
    pub supervised: OrgRef,
    /// Its number and date, once frozen.
    pub document: Option<Issued>,
    /// Working days the body has to report its rectification from its 签收, when asked.
    pub report_working_days: Option<u32>,
}

impl SignedKind for SupervisionDoc {
    const SCHEMA: &'static str = SCHEMA;
    const NAME: &'static str = "supervision document";
    const NAME_ZH: &'static str = "监督文书";
    const INTENT: &'static str = "issue-supervision-doc";
    const PAYLOAD_TYPE: &'static str = "application/vnd.concord.supervision-doc-signature+json;v=1";
    const RENDITION: &'static str = "supervision.html";
    const PDF_RENDITION: &'static str = "supervision.pdf";
    type Facts = SupervisionFacts;

    fn facts_members(facts: &SupervisionFacts) -> Map<String, Value> {
        let mut members = Map::new();
        members.insert("supervision".into(), facts.supervision.clone());
        members.insert(
            "bureau".into(),
            json!({"org_id": facts.bureau.org_id, "name": facts.bureau.name}),
        );
        members.insert(
            "supervised".into(),
            json!({"org_id": facts.supervised.org_id, "name": facts.supervised.name}),
        );
        if let Some(document) = &facts.document {
            members.insert(
                "document".into(),
                json!({"number": document.number, "dated": document.dated}),
            );
        }
        if let Some(days) = facts.report_working_days {
            members.insert(
                "rectification".into(),
                json!({ "report_within_working_days": days }),
            );
        }
        members
    }

    fn facts_from_content(content: &Value) -> Option<SupervisionFacts> {
        let text = |v: &Value, key: &str| v.get(key)?.as_str().map(str::to_string);
        let org = |key: &str| {
            let org = content.get(key)?;
            Some(OrgRef {
                org_id: text(org, "org_id")?,
                name: text(org, "name")?,
            })
        };
        let document = match content.get("document") {
            None => None,
            Some(document) => Some(Issued {
                number: text(document, "number")?,
                dated: text(document, "dated")?,
            }),
        };
        let report_working_days = match content.get("rectification") {
            None => None,
            Some(r) => Some(u32::try_from(r.get("report_within_working_days")?.as_u64()?).ok()?),
        };
        Some(SupervisionFacts {
            supervision: content
                .get("supervision")
                .filter(|v| v.is_object())?
                .clone(),
            bureau: org("bureau")?,
            supervised: org("supervised")?,
            document,
            report_working_days,
        })
    }

    fn project_document<T: ReadTxn>(txn: &T) -> Result<Map<String, Value>, ProjectionError> {
        let body = projection::project_fragment(txn, BODY_ROOT)?;
        if body.is_empty() {
            return Err(ProjectionError::schema(
                BODY_ROOT,
                "the supervision document must say what the bureau found and requires",
            ));
        }
        let mut members = Map::new();
        members.insert(BODY_ROOT.into(), Value::Array(body));
        if let Some(act) = project_act(txn)? {
            members.insert(ACT_ROOT.into(), act);
        }
        Ok(members)
    }

    fn render_html(content: &Value) -> String {
        render_html(content)
    }

    fn office_page(content: &Value) -> Option<OfficePage> {
        let bureau = text_of(&content["bureau"], "name");
        let kind_name = text_of(&content["supervision"], "kind_name");
        let mut sections = vec![Section {
            heading: format!("{}：", text_of(&content["supervised"], "name")),
            parts: vec![Part::Blocks {
                blocks: array_of(content, BODY_ROOT).to_vec(),
            }],
        }];
        if let Some((act, order)) = act_words(content) {
            sections.push(Section {
                heading: "监督决定".into(),
                parts: vec![
                    Part::Line {
                        label: "执法行为".into(),
                        text: act,
                    },
                    Part::Line {
                        label: "决定事项".into(),
                        text: order,
                    },
                ],
            });
        }
        if let Some(line) = report_line(content) {
            sections.push(Section {
                heading: "整改要求".into(),
                parts: vec![Part::Text { text: line }],
            });
        }
        Some(OfficePage {
            mark: Some(format!("{bureau}文件")),
            number: content["document"]
                .get("number")
                .and_then(Value::as_str)
                .map(str::to_owned),
            title: format!(
                "关于{}的{kind_name}",
                text_of(&content["supervision"], "title")
            ),
            lines: vec![Line::new(
                "被监督单位",
                text_of(&content["supervised"], "name"),
            )],
            sections,
            issuer: Some(bureau.to_owned()),
            dated: content["document"]
                .get("dated")
                .and_then(Value::as_str)
                .map(chinese_date),
            note: Some("本件为监督文书的打印版；以签名的 content.json 为准。".into()),
        })
    }
}

/// A decision's act, if the document has one: both fields, a known order.
fn project_act<T: ReadTxn>(txn: &T) -> Result<Option<Value>, ProjectionError> {
    let Some(map) = txn.get_map(ACT_ROOT) else {
        return Ok(None);
    };
    let fields = Fields::read(
        &Out::YMap(map),
        txn,
        ACT_ROOT,
        "the enforcement act",
        "a map with `name` and `order`",
    )?;
    fields.only(&["name", "order"])?;
    let name = fields.string("name")?;
    let order = fields.string("order")?;
    if name.trim().is_empty() {
        return Err(fields.error("the enforcement act must be named"));
    }
    if !ORDERS.iter().any(|(name, _)| *name == order) {
        return Err(fields.error(format!(
            "the order `{order}` is not one of revoke, correct, declare_unlawful"
        )));
    }
    Ok(Some(json!({ "name": name, "order": order })))
}

/// The act a decision's content names and its order's code (`revoke`, …), if it names one.
pub fn act(content: &Value) -> Option<(String, String)> {
    let act = content.get(ACT_ROOT)?;
    Some((
        text_of(act, "name").to_owned(),
        text_of(act, "order").to_owned(),
    ))
}

/// The act a decision rules on and what it orders, as a person reads them.
fn act_words(content: &Value) -> Option<(String, String)> {
    let act = content.get(ACT_ROOT)?;
    let order = text_of(act, "order");
    let order = ORDERS
        .iter()
        .find(|(name, _)| *name == order)
        .map_or(order, |(_, zh)| zh)
        .to_owned();
    Some((text_of(act, "name").to_owned(), order))
}

/// 请于签收之日起 N 个工作日内……, when the document asks for a report.
fn report_line(content: &Value) -> Option<String> {
    let days = content
        .get("rectification")?
        .get("report_within_working_days")?
        .as_u64()?;
    Some(format!(
        "请于签收本{}之日起 {days} 个工作日内，将整改情况书面报告{}。",
        text_of(&content["supervision"], "kind_name"),
        text_of(&content["bureau"], "name")
    ))
}

/// The style sheet of `supervision.html`: print-friendly, no external resources.
const HTML_STYLE: &str = "body{font-family:\"Songti SC\",\"SimSun\",serif;max-width:46em;\
margin:2em auto;padding:0 1em;line-height:1.7;color:#111}\
h1{text-align:center;font-size:1.6em}h2{font-size:1.2em;border-bottom:1px solid #999}\
p{white-space:pre-wrap}p.number{text-align:center}dl{display:grid;\
grid-template-columns:8em 1fr;gap:.2em 1em}dt{font-weight:bold}\
blockquote{border-left:3px solid #999;margin-left:0;padding-left:1em}\
p.issued{text-align:right}footer{margin-top:3em;font-size:.85em;color:#555}";

/// supervision.html: a deterministic, self-contained, escaped HTML rendition of content.json:
/// the kind and number, the addressee, the text, a decision's act, the report asked for, and
/// the bureau with the date.
pub fn render_html(content: &Value) -> String {
    let supervision = &content["supervision"];
    let kind_name = text_of(supervision, "kind_name");
    let title = format!("{kind_name}：{}", text_of(supervision, "title"));
    let mut html = String::new();
    html_head(&mut html, &title, HTML_STYLE);
    let _ = writeln!(html, "<header>\n<h1>{}</h1>", escape(kind_name));
    let number = text_of(&content["document"], "number");
    if !number.is_empty() {
        let _ = writeln!(html, "<p class=\"number\">{}</p>", escape(number));
    }
    let _ = writeln!(
        html,
        "<dl class=\"matter\">\n<dt>事项</dt><dd>{}</dd>\n<dt>制发机关</dt><dd>{}</dd>\n</dl>\n</header>",
        escape(text_of(supervision, "title")),
        escape(text_of(&content["bureau"], "name")),
    );
    let _ = writeln!(
        html,
        "<main class=\"text\">\n<p class=\"addressee\">{}：</p>",
        escape(text_of(&content["supervised"], "name"))
    );
    render_blocks(&mut html, array_of(content, BODY_ROOT));
    html.push_str("</main>\n");
    if let Some((act, order)) = act_words(content) {
        let _ = writeln!(
            html,
            "<section class=\"act\">\n<h2>监督决定</h2>\n<p>执法行为：<span class=\"act-name\">{}</span></p>\n<p>决定事项：<span class=\"order\">{}</span></p>\n</section>",
            escape(&act),
            escape(&order)
        );
    }
    if let Some(line) = report_line(content) {
        let _ = writeln!(
            html,
            "<section class=\"rectification\">\n<h2>整改要求</h2>\n<p>{}</p>\n</section>",
            escape(&line)
        );
    }
    let dated = text_of(&content["document"], "dated");
    if !dated.is_empty() {
        let _ = writeln!(
            html,
            "<p class=\"issued\">{}<br>{}</p>",
            escape(text_of(&content["bureau"], "name")),
            escape(&chinese_date(dated)),
        );
    }
    html.push_str(
        "<footer><p>本文件是监督文书 content.json 的阅读版本，签署和核验以 content.json 为准。</p></footer>\n",
    );
    html.push_str("</body>\n</html>\n");
    html
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::signing::canonical::to_canonical;
    use crate::signing::kind::project;
    use yrs::{Doc, Map as _, Transact, XmlElementPrelim, XmlFragment, XmlTextPrelim};

    pub(crate) fn facts() -> SupervisionFacts {
        SupervisionFacts {
            supervision: json!({
                "id": "supervision-1", "kind": "decision", "kind_name": "行政执法监督决定书",
                "title": "上城区市场监督管理局某行政处罚案",
            }),
            bureau: OrgRef {
                org_id: "org-bureau".into(),
                name: "上城区司法局".into(),
            },
            supervised: OrgRef {
                org_id: "org-market".into(),
                name: "上城区市场监督管理局".into(),
            },
            document: Some(Issued {
                number: "上司监决〔2026〕1号".into(),
                dated: "2026-12-08".into(),
            }),
            report_working_days: Some(20),
        }
    }

    /// A decision as the bureau drafts it: a paragraph and the act it rules on.
    pub(crate) fn doc() -> Doc {
        let doc = Doc::with_client_id(11);
        let body = doc.get_or_insert_xml_fragment(BODY_ROOT);
        let act = doc.get_or_insert_map(ACT_ROOT);
        let mut txn = doc.transact_mut();
        let p = body.push_back(&mut txn, XmlElementPrelim::empty("paragraph"));
        p.push_back(
            &mut txn,
            XmlTextPrelim::new("经审查，该处罚决定适用依据错误 <b>&</b>。"),
        );
        act.insert(&mut txn, "name", "上市监罚〔2026〕12号行政处罚决定书");
        act.insert(&mut txn, "order", "revoke");
        drop(txn);
        doc
    }

    #[test]
    fn a_decision_projects_its_text_act_and_report_asked_for() {
        let content = project::<SupervisionDoc>(&doc(), &facts()).unwrap();

        assert_eq!(content["schema"], SCHEMA);
        assert_eq!(
            content["act"],
            json!({"name": "上市监罚〔2026〕12号行政处罚决定书", "order": "revoke"})
        );
        assert_eq!(
            content["rectification"],
            json!({"report_within_working_days": 20})
        );
        let members: Vec<&String> = content.as_object().unwrap().keys().collect();
        assert_eq!(
            members,
            [
                "act",
                "body",
                "bureau",
                "document",
                "rectification",
                "schema",
                "supervised",
                "supervision"
            ]
        );
        let read_back = SupervisionDoc::facts_from_content(&content).unwrap();
        assert_eq!(read_back, facts());
        assert_eq!(
            to_canonical(&project::<SupervisionDoc>(&doc(), &read_back).unwrap()),
            to_canonical(&content)
        );
    }

    #[test]
    fn an_empty_text_or_an_unknown_order_is_refused() {
        let empty = Doc::with_client_id(3);
        let error = project::<SupervisionDoc>(&empty, &facts()).unwrap_err();
        assert!(error.to_string().contains("must say"), "{error}");
        let doc = doc();
        {
            let act = doc.get_or_insert_map(ACT_ROOT);
            let mut txn = doc.transact_mut();
            act.insert(&mut txn, "order", "fine");
        }
        let error = project::<SupervisionDoc>(&doc, &facts()).unwrap_err();
        assert!(error.to_string().contains("not one of"), "{error}");
    }

    #[test]
    fn supervision_html_is_addressed_numbered_and_escaped() {
        let html = render_html(&project::<SupervisionDoc>(&doc(), &facts()).unwrap());

        assert!(html.contains("default-src 'none'"), "{html}");
        assert!(html.contains("<h1>行政执法监督决定书</h1>"), "{html}");
        assert!(html.contains("上司监决〔2026〕1号"), "{html}");
        assert!(html.contains("上城区市场监督管理局：</p>"), "{html}");
        assert!(html.contains("&lt;b&gt;&amp;&lt;/b&gt;"), "{html}");
        assert!(
            html.contains("决定事项：<span class=\"order\">撤销</span>"),
            "{html}"
        );
        assert!(
            html.contains("签收本行政执法监督决定书之日起 20 个工作日内"),
            "{html}"
        );
        assert!(html.contains("上城区司法局<br>2026年12月8日"), "{html}");
        let page =
            SupervisionDoc::office_page(&project::<SupervisionDoc>(&doc(), &facts()).unwrap())
                .unwrap();
        assert_eq!(page.mark.as_deref(), Some("上城区司法局文件"));
        assert_eq!(page.issuer.as_deref(), Some("上城区司法局"));
    }
}
