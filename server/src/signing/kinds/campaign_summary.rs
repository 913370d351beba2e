//! A campaign's summary report (专项监督总结报告, `concord.campaign-summary/1`): what a judicial
//! bureau found in a special supervision campaign or an inspection (`domain::campaign`), signed
//! with its person and seal and reported to the bureau above.
//!
//! The bureau writes it as a co-edited document: the `XmlFragment` `body` (the same blocks as
//! minutes). The server adds the campaign (its id, kind, field, title and period), the bureau,
//! the bodies it covered, what it produced (counts of supervision documents, tasks and filed
//! results, so the reader above sees the scale without opening anything), the bureau it is
//! reported to (none at the top) and the number and date its freeze gives. This module never
//! does I/O.

use std::fmt::Write as _;

use serde_json::{json, Map, Value};
use yrs::ReadTxn;

use super::dispute_decision::chinese_date;
use crate::signing::kind::SignedKind;
pub use crate::signing::kinds::minutes::Issued;
use crate::signing::pdf::{Line, OfficePage, Part, Section};
use crate::signing::projection::{
    self, array_of, escape, html_head, names_of, render_blocks, text_of, OrgRef, ProjectionError,
};

/// The schema name every campaign summary carries in its `"schema"` member.
pub const SCHEMA: &str = "concord.campaign-summary/1";

/// The root `XmlFragment` of the text.
pub const BODY_ROOT: &str = "body";

/// A campaign's summary report, as a kind of signed document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CampaignSummary;

/// How much a campaign produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub supervision_docs: u64,
    pub tasks: u64,
    pub filings: u64,
}

/// What the content needs besides the text: from the campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignFacts {
    /// `{"id", "kind", "kind_name", "field", "title", "starts_on", "ends_on"}`.
    pub campaign: Value,
    /// The organising bureau.
    pub bureau: OrgRef,
    /// The bodies it covered.
    pub bodies: Vec<OrgRef>,
    pub tally: Tally,
    /// The bureau above it is reported to (none at the top).
    pub reported_to: Option<OrgRef>,
    /// Its number and date, once frozen.
    pub document: Option<Issued>,
}

impl SignedKind for CampaignSummary {
    const SCHEMA: &'static str = SCHEMA;
    const NAME: &'static str = "campaign summary";
    const NAME_ZH: &'static str = "专项监督总结报告";
    const INTENT: &'static str = "report-campaign-summary";
    const PAYLOAD_TYPE: &'static str =
        "application/vnd.concord.campaign-summary-signature+json;v=1";
    const RENDITION: &'static str = "summary.html";
    const PDF_RENDITION: &'static str = "summary.pdf";
    type Facts = CampaignFacts;

    fn facts_members(facts: &CampaignFacts) -> Map<String, Value> {
        let mut members = Map::new();
        members.insert("campaign".into(), facts.campaign.clone());
        members.insert("bureau".into(), OrgRef::to_json(&facts.bureau));
        members.insert(
            "bodies".into(),
            Value::Array(facts.bodies.iter().map(OrgRef::to_json).collect()),
        );
        members.insert(
            "produced".into(),
            json!({
                "supervision_docs": facts.tally.supervision_docs,
                "tasks": facts.tally.tasks,
                "filings": facts.tally.filings,
            }),
        );
        if let Some(up) = &facts.reported_to {
            members.insert("reported_to".into(), up.to_json());
        }
        if let Some(document) = &facts.document {
            members.insert(
                "document".into(),
                json!({"number": document.number, "dated": document.dated}),
            );
        }
        members
    }

    fn facts_from_content(content: &Value) -> Option<CampaignFacts> {
        let produced = content.get("produced")?;
        let count = |key: &str| produced.get(key)?.as_u64();
        let document = match content.get("document") {
            None => None,
            Some(document) => Some(Issued {
                number: document.get("number")?.as_str()?.to_owned(),
                dated: document.get("dated")?.as_str()?.to_owned(),
            }),
        };
        let reported_to = match content.get("reported_to") {
            None => None,
            Some(up) => Some(OrgRef::from_json(up)?),
        };
        Some(CampaignFacts {
            campaign: content.get("campaign").filter(|v| v.is_object())?.clone(),
            bureau: OrgRef::from_json(content.get("bureau")?)?,
            bodies: content
                .get("bodies")?
                .as_array()?
                .iter()
                .map(OrgRef::from_json)
                .collect::<Option<Vec<_>>>()?,
            tally: Tally {
                supervision_docs: count("supervision_docs")?,
                tasks: count("tasks")?,
                filings: count("filings")?,
            },
            reported_to,
            document,
        })
    }

    fn project_document<T: ReadTxn>(txn: &T) -> Result<Map<String, Value>, ProjectionError> {
        let body = projection::project_fragment(txn, BODY_ROOT)?;
        if body.is_empty() {
            return Err(ProjectionError::schema(
                BODY_ROOT,
                "the summary must say what the campaign found and what was done",
            ));
        }
        let mut members = Map::new();
        members.insert(BODY_ROOT.into(), Value::Array(body));
        Ok(members)
    }

    fn render_html(content: &Value) -> String {
        render_html(content)
    }

    fn office_page(content: &Value) -> Option<OfficePage> {
        let bureau = text_of(&content["bureau"], "name");
        let campaign = &content["campaign"];
        let mut lines = vec![
            Line::new("类别", text_of(campaign, "kind_name")),
            Line::new("领域", text_of(campaign, "field")),
            Line::new("期间", period_words(campaign)),
            Line::new("被检查单位", names_of(content, "bodies")),
            Line::new("工作成果", produced_words(content)),
        ];
        if let Some(up) = content.get("reported_to") {
            lines.insert(0, Line::new("报送", text_of(up, "name")));
        }
        Some(OfficePage {
            mark: Some(format!("{bureau}文件")),
            number: content["document"]
                .get("number")
                .and_then(Value::as_str)
                .map(str::to_owned),
            title: format!("关于{}的总结报告", text_of(campaign, "title")),
            lines,
            sections: vec![Section {
                heading: content
                    .get("reported_to")
                    .map_or_else(String::new, |up| format!("{}：", text_of(up, "name"))),
                parts: vec![Part::Blocks {
                    blocks: array_of(content, BODY_ROOT).to_vec(),
                }],
            }],
            issuer: Some(bureau.to_owned()),
            dated: content["document"]
                .get("dated")
                .and_then(Value::as_str)
                .map(chinese_date),
            note: Some("本件为总结报告的打印版；以签名的 content.json 为准。".into()),
        })
    }
}

/// 2027年3月1日至2027年6月30日.
fn period_words(campaign: &Value) -> String {
    format!(
        "{}至{}",
        chinese_date(text_of(campaign, "starts_on")),
        chinese_date(text_of(campaign, "ends_on"))
    )
}

/// 制发监督文书 2 份，交办任务 3 项，收到报备 4 份.
fn produced_words(content: &Value) -> String {
    let produced = &content["produced"];
    let n = |key: &str| produced.get(key).and_then(Value::as_u64).unwrap_or(0);
    format!(
        "制发监督文书 {} 份，交办任务 {} 项，收到结果报备 {} 份",
        n("supervision_docs"),
        n("tasks"),
        n("filings")
    )
}

/// The style sheet of `summary.html`: print-friendly, no external resources.
const HTML_STYLE: &str = "body{font-family:\"Songti SC\",\"SimSun\",serif;max-width:46em;\
margin:2em auto;padding:0 1em;line-height:1.7;color:#111}\
h1{text-align:center;font-size:1.6em}p{white-space:pre-wrap}p.number{text-align:center}\
dl{display:grid;grid-template-columns:8em 1fr;gap:.2em 1em}dt{font-weight:bold}\
blockquote{border-left:3px solid #999;margin-left:0;padding-left:1em}\
p.issued{text-align:right}footer{margin-top:3em;font-size:.85em;color:#555}";

/// summary.html: a deterministic, self-contained, escaped HTML rendition of content.json.
pub fn render_html(content: &Value) -> String {
    let campaign = &content["campaign"];
    let title = format!("关于{}的总结报告", text_of(campaign, "title"));
    let mut html = String::new();
    html_head(&mut html, &title, HTML_STYLE);
    let _ = writeln!(html, "<header>\n<h1>{}</h1>", escape(&title));
    let number = text_of(&content["document"], "number");
    if !number.is_empty() {
        let _ = writeln!(html, "<p class=\"number\">{}</p>", escape(number));
    }
    let _ = writeln!(
        html,
        "<dl class=\"campaign\">\n<dt>类别</dt><dd>{}</dd>\n<dt>领域</dt><dd>{}</dd>\n<dt>期间</dt><dd>{}</dd>\n<dt>组织单位</dt><dd>{}</dd>\n<dt>被检查单位</dt><dd>{}</dd>\n<dt>工作成果</dt><dd>{}</dd>\n</dl>\n</header>",
        escape(text_of(campaign, "kind_name")),
        escape(text_of(campaign, "field")),
        escape(&period_words(campaign)),
        escape(text_of(&content["bureau"], "name")),
        escape(&names_of(content, "bodies")),
        escape(&produced_words(content)),
    );
    html.push_str("<main class=\"text\">\n");
    if let Some(up) = content.get("reported_to") {
        let _ = writeln!(
            html,
            "<p class=\"addressee\">{}：</p>",
            escape(text_of(up, "name"))
        );
    }
    render_blocks(&mut html, array_of(content, BODY_ROOT));
    html.push_str("</main>\n");
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
        "<footer><p>本文件是总结报告 content.json 的阅读版本，签署和核验以 content.json 为准。</p></footer>\n",
    );
    html.push_str("</body>\n</html>\n");
    html
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::signing::canonical::to_canonical;
    use crate::signing::kind::project;
    use yrs::{Doc, Transact, XmlElementPrelim, XmlFragment, XmlTextPrelim};

    pub(crate) fn facts() -> CampaignFacts {
        CampaignFacts {
            campaign: json!({
                "id": "campaign-1", "kind": "special", "kind_name": "专项监督",
                "field": "营商环境", "title": "2027年涉企行政执法专项监督",
                "starts_on": "2027-03-01", "ends_on": "2027-06-30",
            }),
            bureau: OrgRef {
                org_id: "org-bureau".into(),
                name: "上城区司法局".into(),
            },
            bodies: vec![
                OrgRef {
                    org_id: "org-market".into(),
                    name: "上城区市场监督管理局".into(),
                },
                OrgRef {
                    org_id: "org-town".into(),
                    name: "湖滨街道办事处".into(),
                },
            ],
            tally: Tally {
                supervision_docs: 2,
                tasks: 3,
                filings: 1,
            },
            reported_to: Some(OrgRef {
                org_id: "org-city".into(),
                name: "杭州市司法局".into(),
            }),
            document: Some(Issued {
                number: "上司专监〔2027〕1号".into(),
                dated: "2027-07-05".into(),
            }),
        }
    }

    pub(crate) fn doc() -> Doc {
        let doc = Doc::with_client_id(12);
        let body = doc.get_or_insert_xml_fragment(BODY_ROOT);
        let mut txn = doc.transact_mut();
        let p = body.push_back(&mut txn, XmlElementPrelim::empty("paragraph"));
        p.push_back(
            &mut txn,
            XmlTextPrelim::new("本次专项监督共检查案卷 120 件 <b>&</b>。"),
        );
        drop(txn);
        doc
    }

    #[test]
    fn a_summary_projects_its_text_campaign_and_what_it_produced() {
        let content = project::<CampaignSummary>(&doc(), &facts()).unwrap();

        assert_eq!(content["schema"], SCHEMA);
        assert_eq!(
            content["produced"],
            json!({"supervision_docs": 2, "tasks": 3, "filings": 1})
        );
        assert_eq!(content["reported_to"]["name"], "杭州市司法局");
        let read_back = CampaignSummary::facts_from_content(&content).unwrap();
        assert_eq!(read_back, facts());
        assert_eq!(
            to_canonical(&project::<CampaignSummary>(&doc(), &read_back).unwrap()),
            to_canonical(&content)
        );
        let empty = Doc::with_client_id(3);
        let error = project::<CampaignSummary>(&empty, &facts()).unwrap_err();
        assert!(error.to_string().contains("must say"), "{error}");
    }

    #[test]
    fn summary_html_names_the_period_the_bodies_and_is_escaped() {
        let html = render_html(&project::<CampaignSummary>(&doc(), &facts()).unwrap());

        assert!(html.contains("default-src 'none'"), "{html}");
        assert!(
            html.contains("<h1>关于2027年涉企行政执法专项监督的总结报告</h1>"),
            "{html}"
        );
        assert!(html.contains("上司专监〔2027〕1号"), "{html}");
        assert!(html.contains("2027年3月1日至2027年6月30日"), "{html}");
        assert!(
            html.contains("上城区市场监督管理局、湖滨街道办事处"),
            "{html}"
        );
        assert!(html.contains("制发监督文书 2 份，交办任务 3 项"), "{html}");
        assert!(html.contains("杭州市司法局：</p>"), "{html}");
        assert!(html.contains("&lt;b&gt;&amp;&lt;/b&gt;"), "{html}");
        assert!(html.contains("上城区司法局<br>2027年7月5日"), "{html}");
    }
}
