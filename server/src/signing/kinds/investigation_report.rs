//! The concluding report of a joint investigation group (调查报告,
//! `concord.investigation-report/1`): the fourth kind of signed document.
//!
//! The lead freezes the group's joint dossier (联合案卷: the summary, one section per body,
//! the conclusions) and then drafts the report as a document of its own (the `XmlFragment`
//! `body`). What makes this kind more than its text is the **dossier manifest** it carries as a
//! fact: every section of the frozen dossier with the body that alone could write it, the
//! SHA-256 of the section's canonical content (its projection, as `content.json` would hold
//! it) and the evidence listed in it (each file's SHA-256, title, who added it and when, and,
//! if withdrawn, who withdrew it, when and why). The manifest is inside `content.json`, so
//! every signature covers it: years later an auditor holding a section's text or an evidence
//! file proves which body wrote or listed it, and that nothing was added after the report was
//! signed. Every member body signs (one step, in parallel), then the lead.
//!
//! The manifest is made by the server from its records ([`ReportFacts::dossier`]) and read
//! back verbatim by a verifier, so re-projecting the report needs no section.
//!
//! This module never does I/O.

use std::fmt::Write as _;

use serde_json::{json, Map, Value};
use yrs::ReadTxn;

use super::dispute_decision::chinese_date;
use crate::signing::canonical::{sha256_hex, to_canonical};
use crate::signing::kind::{self, SignedKind};
use crate::signing::pdf::{Line, OfficePage, Part, Section};
use crate::signing::projection::{
    self, array_of, escape, html_head, render_blocks, text_of, ProjectionError,
};

/// The schema name every report projection carries in its `"schema"` member.
pub const SCHEMA: &str = "concord.investigation-report/1";

/// The root of the report's text.
const BODY_ROOT: &str = "body";

/// A group's concluding report, as a kind of signed document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvestigationReport;

/// What the content needs besides the report's text: from the group's records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFacts {
    /// `{"id", "case_name", "case_number"?}`.
    pub group: Value,
    /// `{"org_id", "name"}`.
    pub lead: Value,
    /// `[{"org_id", "name"}]`: the member bodies that sign before the lead.
    pub members: Value,
    /// `[{"doc_id", "title", "owner": {"org_id", "name"}, "content_sha256", "evidence": […]}]`.
    pub dossier: Value,
    /// `YYYY-MM-DD`, Beijing: the day the report was frozen.
    pub dated: Option<String>,
}

impl SignedKind for InvestigationReport {
    const SCHEMA: &'static str = SCHEMA;
    const NAME: &'static str = "investigation report";
    const NAME_ZH: &'static str = "调查报告";
    const INTENT: &'static str = "approve-investigation-report";
    const PAYLOAD_TYPE: &'static str =
        "application/vnd.concord.investigation-report-signature+json;v=1";
    const RENDITION: &'static str = "report.html";
    const PDF_RENDITION: &'static str = "report.pdf";
    type Facts = ReportFacts;

    fn facts_members(facts: &ReportFacts) -> Map<String, Value> {
        let mut members = Map::new();
        members.insert("group".into(), facts.group.clone());
        members.insert("lead".into(), facts.lead.clone());
        members.insert("members".into(), facts.members.clone());
        members.insert("dossier".into(), facts.dossier.clone());
        if let Some(dated) = &facts.dated {
            members.insert("document".into(), json!({ "dated": dated }));
        }
        members
    }

    fn facts_from_content(content: &Value) -> Option<ReportFacts> {
        let object = |key: &str| content.get(key).filter(|v| v.is_object()).cloned();
        let array = |key: &str| content.get(key).filter(|v| v.is_array()).cloned();
        let dated = match content.get("document") {
            None => None,
            Some(document) => Some(document.get("dated")?.as_str()?.to_owned()),
        };
        Some(ReportFacts {
            group: object("group")?,
            lead: object("lead")?,
            members: array("members")?,
            dossier: array("dossier")?,
            dated,
        })
    }

    fn project_document<T: ReadTxn>(txn: &T) -> Result<Map<String, Value>, ProjectionError> {
        let body = projection::project_fragment(txn, BODY_ROOT)?;
        if body.is_empty() {
            return Err(ProjectionError::schema(
                BODY_ROOT,
                "the report must say what the group found",
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
        let group = &content["group"];
        let lead = text_of(&content["lead"], "name");
        let mut lines = vec![
            Line::new("案件名称", text_of(group, "case_name")),
            Line::new("牵头单位", lead),
            Line::new("成员单位", member_names(content).join("、")),
        ];
        let number = text_of(group, "case_number");
        if !number.is_empty() {
            lines.insert(1, Line::new("案件编号", number));
        }
        let rows = dossier_rows(content);
        Some(OfficePage {
            mark: None,
            number: None,
            title: format!("{}调查报告", text_of(group, "case_name")),
            lines,
            sections: vec![
                Section {
                    heading: "调查情况及结论".into(),
                    parts: vec![Part::Blocks {
                        blocks: array_of(content, BODY_ROOT).to_vec(),
                    }],
                },
                Section {
                    heading: "联合案卷清单".into(),
                    parts: vec![Part::Table {
                        columns: vec![
                            "部分".into(),
                            "撰写单位".into(),
                            "内容摘要值（SHA-256）".into(),
                            "证据材料".into(),
                        ],
                        rows,
                    }],
                },
            ],
            issuer: Some(lead.to_owned()),
            dated: content["document"]
                .get("dated")
                .and_then(Value::as_str)
                .map(chinese_date),
            note: Some(
                "本件为调查报告的打印版；以签名的 content.json 为准，联合案卷各部分及证据材料以其摘要值核对。"
                    .into(),
            ),
        })
    }
}

/// A section of the dossier as its manifest hashes it: never signed on its own, so it is not
/// among the kinds a bundle may carry (`super::KINDS`); it borrows the kind's projection so
/// that a section's canonical content is made exactly as a signed text's is.
struct DossierSection;

/// The schema of a section's canonical content.
pub const SECTION_SCHEMA: &str = "concord.dossier-section/1";

impl SignedKind for DossierSection {
    const SCHEMA: &'static str = SECTION_SCHEMA;
    const NAME: &'static str = "dossier section";
    const NAME_ZH: &'static str = "案卷部分";
    const INTENT: &'static str = "none";
    const PAYLOAD_TYPE: &'static str = "none";
    const RENDITION: &'static str = "section.html";
    const PDF_RENDITION: &'static str = "section.pdf";
    type Facts = ();

    fn facts_members(_: &()) -> Map<String, Value> {
        Map::new()
    }

    fn facts_from_content(_: &Value) -> Option<()> {
        Some(())
    }

    fn project_document<T: ReadTxn>(txn: &T) -> Result<Map<String, Value>, ProjectionError> {
        let mut members = Map::new();
        members.insert(
            BODY_ROOT.into(),
            Value::Array(projection::project_fragment(txn, BODY_ROOT)?),
        );
        Ok(members)
    }

    fn render_html(_: &Value) -> String {
        String::new()
    }
}

/// A section's canonical content (`{"schema": "concord.dossier-section/1", "body": […]}`)
/// from its state (a v1 update), and the SHA-256 of its RFC 8785 bytes, as the manifest
/// lists it.
pub fn section_content(state_v1: &[u8]) -> Result<(Value, String), ProjectionError> {
    let content = kind::project_state::<DossierSection>(state_v1, &())?;
    let sha256 = sha256_hex(&to_canonical(&content));
    Ok((content, sha256))
}

fn member_names(content: &Value) -> Vec<String> {
    array_of(content, "members")
        .iter()
        .map(|m| text_of(m, "name").to_owned())
        .collect()
}

/// One evidence item as a line: `现场照片.jpg（a1b2…）`, marked when withdrawn.
fn evidence_line(item: &Value) -> String {
    let mut line = format!(
        "{}（{}，{}）",
        text_of(item, "title"),
        text_of(item, "file_name"),
        text_of(item, "sha256")
    );
    if let Some(withdrawn) = item.get("withdrawn").filter(|w| w.is_object()) {
        let _ = write!(line, " 〔已撤回：{}〕", text_of(withdrawn, "reason"));
    }
    line
}

fn dossier_rows(content: &Value) -> Vec<Vec<String>> {
    array_of(content, "dossier")
        .iter()
        .map(|section| {
            let evidence: Vec<String> = array_of(section, "evidence")
                .iter()
                .map(evidence_line)
                .collect();
            vec![
                text_of(section, "title").to_owned(),
                text_of(&section["owner"], "name").to_owned(),
                text_of(section, "content_sha256").to_owned(),
                if evidence.is_empty() {
                    "无".to_owned()
                } else {
                    evidence.join("；")
                },
            ]
        })
        .collect()
}

/// The style sheet of `report.html`: print-friendly, no external resources.
const HTML_STYLE: &str = "body{font-family:\"Songti SC\",\"SimSun\",serif;max-width:52em;\
margin:2em auto;padding:0 1em;line-height:1.7;color:#111}\
h1{text-align:center;font-size:1.6em}h2{font-size:1.2em;border-bottom:1px solid #999}\
p{white-space:pre-wrap}dl{display:grid;grid-template-columns:8em 1fr;gap:.2em 1em}\
dt{font-weight:bold}table{border-collapse:collapse;width:100%}\
th,td{border:1px solid #999;padding:.2em .5em;text-align:left;vertical-align:top}\
code{font-size:.8em;word-break:break-all}.withdrawn{color:#777}\
footer{margin-top:3em;font-size:.85em;color:#555}";

/// report.html: a deterministic, self-contained, escaped HTML rendition of content.json: the
/// case, the bodies, the report's text, and the dossier manifest.
pub fn render_html(content: &Value) -> String {
    let group = &content["group"];
    let title = format!("调查报告：{}", text_of(group, "case_name"));
    let mut html = String::new();
    html_head(&mut html, &title, HTML_STYLE);
    html.push_str("<header>\n<h1>调查报告</h1>\n<dl class=\"group\">\n");
    let members = member_names(content).join("、");
    for (label, value) in [
        ("案件名称", text_of(group, "case_name")),
        ("案件编号", text_of(group, "case_number")),
        ("牵头单位", text_of(&content["lead"], "name")),
        ("成员单位", members.as_str()),
    ] {
        if !value.is_empty() {
            let _ = writeln!(html, "<dt>{label}</dt><dd>{}</dd>", escape(value));
        }
    }
    html.push_str("</dl>\n</header>\n<main class=\"report\">\n<h2>调查情况及结论</h2>\n");
    render_blocks(&mut html, array_of(content, BODY_ROOT));
    html.push_str("</main>\n<section class=\"dossier\">\n<h2>联合案卷清单</h2>\n");
    html.push_str(
        "<table>\n<tr><th>部分</th><th>撰写单位</th><th>内容摘要值（SHA-256）</th><th>证据材料</th></tr>\n",
    );
    for section in array_of(content, "dossier") {
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>",
            escape(text_of(section, "title")),
            escape(text_of(&section["owner"], "name")),
            escape(text_of(section, "content_sha256")),
        );
        let evidence = array_of(section, "evidence");
        if evidence.is_empty() {
            html.push('无');
        }
        for item in evidence {
            let withdrawn = item.get("withdrawn").is_some_and(Value::is_object);
            let _ = write!(
                html,
                "<p{}>{}</p>",
                if withdrawn {
                    " class=\"withdrawn\""
                } else {
                    ""
                },
                escape(&evidence_line(item))
            );
        }
        html.push_str("</td></tr>\n");
    }
    html.push_str("</table>\n</section>\n");
    if let Some(dated) = content["document"].get("dated").and_then(Value::as_str) {
        let _ = writeln!(
            html,
            "<p class=\"dated\">{}　{}</p>",
            escape(text_of(&content["lead"], "name")),
            escape(&chinese_date(dated))
        );
    }
    html.push_str(
        "<footer>本页由 content.json 生成，签名以 content.json 为准。This page is made from content.json; the signatures cover content.json.</footer>\n</body>\n</html>\n",
    );
    html
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use yrs::{Doc, Transact, XmlFragment, XmlTextPrelim};

    pub(crate) fn facts() -> ReportFacts {
        ReportFacts {
            group: json!({ "id": "g1", "case_name": "湖滨路制售假冒食品案" }),
            lead: json!({ "org_id": "market", "name": "上城区市场监管局" }),
            members: json!([{ "org_id": "police", "name": "上城区公安分局" }]),
            dossier: json!([{
                "doc_id": "s1", "title": "调查情况",
                "owner": { "org_id": "police", "name": "上城区公安分局" },
                "content_sha256": "ab".repeat(32),
                "evidence": [{
                    "sha256": "cd".repeat(32), "title": "监控截图", "file_name": "cctv.png",
                    "size": 10, "added_by": "王警官", "added_at": "2026-03-03T10:00:00+08:00",
                    "withdrawn": { "by": "王警官", "at": "2026-03-04T10:00:00+08:00", "reason": "重复上传" },
                }],
            }]),
            dated: Some("2026-03-10".into()),
        }
    }

    pub(crate) fn doc_with(text: &str) -> Doc {
        let doc = Doc::new();
        let body = doc.get_or_insert_xml_fragment(BODY_ROOT);
        {
            let mut txn = doc.transact_mut();
            if !text.is_empty() {
                let p = body.push_back(&mut txn, yrs::XmlElementPrelim::empty("paragraph"));
                p.push_back(&mut txn, XmlTextPrelim::new(text));
            }
        }
        doc
    }

    #[test]
    fn the_dossier_manifest_is_signed_content_and_reads_back_for_the_verifier() {
        let content = kind::project::<InvestigationReport>(&doc_with("经调查，查明……"), &facts())
            .expect("a report with text projects");
        assert_eq!(content["schema"], SCHEMA);
        assert_eq!(content["dossier"], facts().dossier);
        let back = InvestigationReport::facts_from_content(&content).expect("facts read back");
        assert_eq!(back, facts());
        let html = render_html(&content);
        assert!(
            html.contains("联合案卷清单") && html.contains("已撤回：重复上传"),
            "{html}"
        );
        assert!(html.contains(&"ab".repeat(32)));
    }

    #[test]
    fn a_section_hashes_its_visible_text_whatever_its_history() {
        use yrs::updates::decoder::Decode;
        let once = doc_with("公安：已调取监控。");
        let state = |doc: &Doc| {
            doc.transact()
                .encode_state_as_update_v1(&yrs::StateVector::default())
        };
        let (content, hash) = section_content(&state(&once)).unwrap();
        assert_eq!(content["schema"], SECTION_SCHEMA);
        assert_eq!(hash.len(), 64);
        let (_, again) = section_content(&state(&doc_with("公安：已调取监控。"))).unwrap();
        assert_eq!(hash, again, "the same visible text, the same hash");
        let (_, other) = section_content(&state(&doc_with("公安：未调取监控。"))).unwrap();
        assert_ne!(hash, other);
        let _ = yrs::Update::decode_v1(&state(&once)).unwrap();
    }

    #[test]
    fn a_report_without_text_is_not_frozen() {
        let refused = kind::project::<InvestigationReport>(&doc_with(""), &facts()).unwrap_err();
        assert!(refused.to_string().contains("report"), "{refused}");
    }
}
