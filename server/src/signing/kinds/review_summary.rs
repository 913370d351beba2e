//! A case-file review's summary report (案卷评查总结报告, `concord.review-summary/1`): the
//! results of a review (`domain::review`) as the organising bureau files them (报备) with the
//! bureau above, signed with its person and seal.
//!
//! The bureau writes the assessment as a co-edited document: the `XmlFragment` `body` (the
//! same blocks as minutes). The server adds the review (its id, kind, title, period and the
//! scoring sheet by name, version and SHA-256), the bureau, the bodies reviewed and reviewing,
//! every reviewed file's result (its case number, body, kind, score and confirmed grade), the
//! bureau it is reported to (none at the top) and the number and date its freeze gives. The
//! results are facts, not text: a reader years later sees exactly which file got which grade
//! under which sheet. This module never does I/O.

use std::collections::BTreeMap;
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

/// The schema name every review summary carries in its `"schema"` member.
pub const SCHEMA: &str = "concord.review-summary/1";

/// The root `XmlFragment` of the text.
pub const BODY_ROOT: &str = "body";

/// A case-file review's summary report, as a kind of signed document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewSummary;

/// One reviewed file's result, as the summary records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileResult {
    /// 案号.
    pub case_number: String,
    /// The body whose file it is.
    pub body: OrgRef,
    /// `penalty`, … and its Chinese name.
    pub case_kind: String,
    pub case_kind_name: String,
    /// The sheet's score, as written (`87.5`).
    pub score: String,
    /// The confirmed grade: `excellent`, `pass` or `fail`, and its Chinese name.
    pub grade: String,
    pub grade_name: String,
}

/// What the content needs besides the text: from the review and its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewFacts {
    /// `{"id", "kind", "kind_name", "title", "starts_on", "ends_on",
    /// "sheet": {"name", "version", "sha256"}}`.
    pub review: Value,
    /// The organising bureau.
    pub bureau: OrgRef,
    /// The bodies whose files were reviewed.
    pub reviewed: Vec<OrgRef>,
    /// The bodies that reviewed (none: the bureau itself).
    pub reviewers: Vec<OrgRef>,
    /// How many files the bodies registered (the reviewed ones are `files`).
    pub registered: u64,
    /// Every reviewed file's result, in the order of the bodies and case numbers.
    pub files: Vec<FileResult>,
    /// The bureau above it is reported to (none at the top).
    pub reported_to: Option<OrgRef>,
    /// Its number and date, once frozen.
    pub document: Option<Issued>,
}

fn file_json(file: &FileResult) -> Value {
    json!({
        "case_number": file.case_number,
        "body": OrgRef::to_json(&file.body),
        "case_kind": file.case_kind,
        "case_kind_name": file.case_kind_name,
        "score": file.score,
        "grade": file.grade,
        "grade_name": file.grade_name,
    })
}

fn file_of(value: &Value) -> Option<FileResult> {
    let text = |key: &str| Some(value.get(key)?.as_str()?.to_owned());
    Some(FileResult {
        case_number: text("case_number")?,
        body: OrgRef::from_json(value.get("body")?)?,
        case_kind: text("case_kind")?,
        case_kind_name: text("case_kind_name")?,
        score: text("score")?,
        grade: text("grade")?,
        grade_name: text("grade_name")?,
    })
}

impl SignedKind for ReviewSummary {
    const SCHEMA: &'static str = SCHEMA;
    const NAME: &'static str = "case-file review summary";
    const NAME_ZH: &'static str = "案卷评查总结报告";
    const INTENT: &'static str = "report-review-summary";
    const PAYLOAD_TYPE: &'static str = "application/vnd.concord.review-summary-signature+json;v=1";
    const RENDITION: &'static str = "review-summary.html";
    const PDF_RENDITION: &'static str = "review-summary.pdf";
    type Facts = ReviewFacts;

    fn facts_members(facts: &ReviewFacts) -> Map<String, Value> {
        let mut members = Map::new();
        members.insert("review".into(), facts.review.clone());
        members.insert("bureau".into(), OrgRef::to_json(&facts.bureau));
        members.insert(
            "reviewed".into(),
            Value::Array(facts.reviewed.iter().map(OrgRef::to_json).collect()),
        );
        members.insert(
            "reviewers".into(),
            Value::Array(facts.reviewers.iter().map(OrgRef::to_json).collect()),
        );
        members.insert("registered".into(), json!(facts.registered));
        members.insert(
            "files".into(),
            Value::Array(facts.files.iter().map(file_json).collect()),
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

    fn facts_from_content(content: &Value) -> Option<ReviewFacts> {
        let orgs = |key: &str| {
            content
                .get(key)?
                .as_array()?
                .iter()
                .map(OrgRef::from_json)
                .collect::<Option<Vec<_>>>()
        };
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
        Some(ReviewFacts {
            review: content.get("review").filter(|v| v.is_object())?.clone(),
            bureau: OrgRef::from_json(content.get("bureau")?)?,
            reviewed: orgs("reviewed")?,
            reviewers: orgs("reviewers")?,
            registered: content.get("registered")?.as_u64()?,
            files: content
                .get("files")?
                .as_array()?
                .iter()
                .map(file_of)
                .collect::<Option<Vec<_>>>()?,
            reported_to,
            document,
        })
    }

    fn project_document<T: ReadTxn>(txn: &T) -> Result<Map<String, Value>, ProjectionError> {
        let body = projection::project_fragment(txn, BODY_ROOT)?;
        if body.is_empty() {
            return Err(ProjectionError::schema(
                BODY_ROOT,
                "the summary must assess the review: what was found and what is to be done",
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
        let review = &content["review"];
        let mut lines = vec![
            Line::new("方式", text_of(review, "kind_name")),
            Line::new("期间", period_words(review)),
            Line::new("评查表", sheet_words(review)),
            Line::new("被评查单位", names_of(content, "reviewed")),
            Line::new("评查结果", grade_words(content)),
        ];
        if content["reviewers"]
            .as_array()
            .is_some_and(|r| !r.is_empty())
        {
            lines.insert(4, Line::new("评查单位", names_of(content, "reviewers")));
        }
        if let Some(up) = content.get("reported_to") {
            lines.insert(0, Line::new("报送", text_of(up, "name")));
        }
        Some(OfficePage {
            mark: Some(format!("{bureau}文件")),
            number: content["document"]
                .get("number")
                .and_then(Value::as_str)
                .map(str::to_owned),
            title: title_of(review),
            lines,
            sections: vec![
                Section {
                    heading: content
                        .get("reported_to")
                        .map_or_else(String::new, |up| format!("{}：", text_of(up, "name"))),
                    parts: vec![Part::Blocks {
                        blocks: array_of(content, BODY_ROOT).to_vec(),
                    }],
                },
                Section {
                    heading: "附：案卷评查结果".into(),
                    parts: vec![Part::Table {
                        columns: FILE_COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
                        rows: file_rows(content),
                    }],
                },
            ],
            issuer: Some(bureau.to_owned()),
            dated: content["document"]
                .get("dated")
                .and_then(Value::as_str)
                .map(chinese_date),
            note: Some("本件为案卷评查总结报告的打印版；以签名的 content.json 为准。".into()),
        })
    }
}

/// 关于2026年度行政执法案卷交叉评查情况的报告.
fn title_of(review: &Value) -> String {
    format!("关于{}情况的报告", text_of(review, "title"))
}

/// 2026年1月1日至2026年12月31日.
fn period_words(review: &Value) -> String {
    format!(
        "{}至{}结案的案卷",
        chinese_date(text_of(review, "starts_on")),
        chinese_date(text_of(review, "ends_on"))
    )
}

/// 行政执法案卷评查表（通用）第 1 版.
fn sheet_words(review: &Value) -> String {
    let sheet = &review["sheet"];
    format!(
        "{}第 {} 版",
        text_of(sheet, "name"),
        sheet.get("version").and_then(Value::as_u64).unwrap_or(0)
    )
}

/// 登记案卷 12 件，评查 5 件：优秀 1 件，合格 3 件，不合格 1 件.
fn grade_words(content: &Value) -> String {
    let files = array_of(content, "files");
    let mut by_grade: BTreeMap<&str, usize> = BTreeMap::new();
    for file in files {
        *by_grade.entry(text_of(file, "grade")).or_default() += 1;
    }
    let n = |grade: &str| by_grade.get(grade).copied().unwrap_or(0);
    format!(
        "登记案卷 {} 件，评查 {} 件：优秀 {} 件，合格 {} 件，不合格 {} 件",
        content["registered"].as_u64().unwrap_or(0),
        files.len(),
        n("excellent"),
        n("pass"),
        n("fail"),
    )
}

const FILE_COLUMNS: [&str; 5] = ["案号", "被评查单位", "类别", "得分", "等次"];

fn file_rows(content: &Value) -> Vec<Vec<String>> {
    array_of(content, "files")
        .iter()
        .map(|file| {
            vec![
                text_of(file, "case_number").to_owned(),
                text_of(&file["body"], "name").to_owned(),
                text_of(file, "case_kind_name").to_owned(),
                text_of(file, "score").to_owned(),
                text_of(file, "grade_name").to_owned(),
            ]
        })
        .collect()
}

/// The style sheet of `review-summary.html`: print-friendly, no external resources.
const HTML_STYLE: &str = "body{font-family:\"Songti SC\",\"SimSun\",serif;max-width:46em;\
margin:2em auto;padding:0 1em;line-height:1.7;color:#111}\
h1{text-align:center;font-size:1.6em}p{white-space:pre-wrap}p.number{text-align:center}\
dl{display:grid;grid-template-columns:8em 1fr;gap:.2em 1em}dt{font-weight:bold}\
table{border-collapse:collapse;width:100%}th,td{border:1px solid #999;padding:.2em .5em}\
blockquote{border-left:3px solid #999;margin-left:0;padding-left:1em}\
p.issued{text-align:right}footer{margin-top:3em;font-size:.85em;color:#555}";

/// review-summary.html: a deterministic, self-contained, escaped HTML rendition of content.json.
pub fn render_html(content: &Value) -> String {
    let review = &content["review"];
    let title = title_of(review);
    let mut html = String::new();
    html_head(&mut html, &title, HTML_STYLE);
    let _ = writeln!(html, "<header>\n<h1>{}</h1>", escape(&title));
    let number = text_of(&content["document"], "number");
    if !number.is_empty() {
        let _ = writeln!(html, "<p class=\"number\">{}</p>", escape(number));
    }
    let reviewers = names_of(content, "reviewers");
    let _ = writeln!(
        html,
        "<dl class=\"review\">\n<dt>方式</dt><dd>{}</dd>\n<dt>期间</dt><dd>{}</dd>\n<dt>评查表</dt><dd>{}</dd>\n<dt>组织单位</dt><dd>{}</dd>\n<dt>被评查单位</dt><dd>{}</dd>\n<dt>评查单位</dt><dd>{}</dd>\n<dt>评查结果</dt><dd>{}</dd>\n</dl>\n</header>",
        escape(text_of(review, "kind_name")),
        escape(&period_words(review)),
        escape(&sheet_words(review)),
        escape(text_of(&content["bureau"], "name")),
        escape(&names_of(content, "reviewed")),
        escape(if reviewers.is_empty() { text_of(&content["bureau"], "name") } else { &reviewers }),
        escape(&grade_words(content)),
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
    html.push_str("</main>\n<section class=\"results\">\n<h2>附：案卷评查结果</h2>\n<table>\n<tr>");
    for column in FILE_COLUMNS {
        let _ = write!(html, "<th>{column}</th>");
    }
    html.push_str("</tr>\n");
    for row in file_rows(content) {
        html.push_str("<tr>");
        for cell in row {
            let _ = write!(html, "<td>{}</td>", escape(&cell));
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</table>\n</section>\n");
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
        "<footer><p>本文件是案卷评查总结报告 content.json 的阅读版本，签署和核验以 content.json 为准。</p></footer>\n",
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

    fn org(id: &str, name: &str) -> OrgRef {
        OrgRef {
            org_id: id.into(),
            name: name.into(),
        }
    }

    pub(crate) fn facts() -> ReviewFacts {
        let file = |number: &str, body: OrgRef, score: &str, grade: &str, name: &str| FileResult {
            case_number: number.into(),
            body,
            case_kind: "penalty".into(),
            case_kind_name: "行政处罚".into(),
            score: score.into(),
            grade: grade.into(),
            grade_name: name.into(),
        };
        let market = org("org-market", "上城区市场监督管理局");
        let police = org("org-police", "上城区公安分局");
        ReviewFacts {
            review: json!({
                "id": "review-1", "kind": "cross", "kind_name": "交叉评查",
                "title": "2026年度行政执法案卷交叉评查",
                "starts_on": "2026-01-01", "ends_on": "2026-12-31",
                "sheet": {"name": "行政执法案卷评查表（通用）", "version": 1, "sha256": "ab".repeat(32)},
            }),
            bureau: org("org-bureau", "上城区司法局"),
            reviewed: vec![market.clone(), police.clone()],
            reviewers: vec![market.clone(), police.clone()],
            registered: 7,
            files: vec![
                file("上市监罚〔2026〕12号", market, "92.5", "excellent", "优秀"),
                file("上公行罚〔2026〕3号", police, "55", "fail", "不合格"),
            ],
            reported_to: Some(org("org-city", "杭州市司法局")),
            document: Some(Issued {
                number: "上司评查〔2027〕1号".into(),
                dated: "2027-01-20".into(),
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
            XmlTextPrelim::new("本次评查共抽取案卷 2 件 <b>&</b>。"),
        );
        drop(txn);
        doc
    }

    #[test]
    fn a_summary_projects_its_text_and_every_files_result_and_reads_them_back() {
        let content = project::<ReviewSummary>(&doc(), &facts()).unwrap();

        assert_eq!(content["schema"], SCHEMA);
        assert_eq!(content["files"][1]["case_number"], "上公行罚〔2026〕3号");
        assert_eq!(content["files"][1]["grade"], "fail");
        assert_eq!(content["review"]["sheet"]["version"], 1);
        assert_eq!(content["reported_to"]["name"], "杭州市司法局");
        let read_back = ReviewSummary::facts_from_content(&content).unwrap();
        assert_eq!(read_back, facts());
        assert_eq!(
            to_canonical(&project::<ReviewSummary>(&doc(), &read_back).unwrap()),
            to_canonical(&content)
        );
        let empty = Doc::with_client_id(3);
        let error = project::<ReviewSummary>(&empty, &facts()).unwrap_err();
        assert!(error.to_string().contains("must assess"), "{error}");
    }

    #[test]
    fn summary_html_tallies_the_grades_lists_every_file_and_is_escaped() {
        let html = render_html(&project::<ReviewSummary>(&doc(), &facts()).unwrap());

        assert!(html.contains("default-src 'none'"), "{html}");
        assert!(
            html.contains("<h1>关于2026年度行政执法案卷交叉评查情况的报告</h1>"),
            "{html}"
        );
        assert!(html.contains("上司评查〔2027〕1号"), "{html}");
        assert!(
            html.contains("2026年1月1日至2026年12月31日结案的案卷"),
            "{html}"
        );
        assert!(html.contains("行政执法案卷评查表（通用）第 1 版"), "{html}");
        assert!(
            html.contains("登记案卷 7 件，评查 2 件：优秀 1 件，合格 0 件，不合格 1 件"),
            "{html}"
        );
        assert!(
            html.contains("<td>上公行罚〔2026〕3号</td><td>上城区公安分局</td><td>行政处罚</td><td>55</td><td>不合格</td>"),
            "{html}"
        );
        assert!(html.contains("&lt;b&gt;&amp;&lt;/b&gt;"), "{html}");
        assert!(html.contains("上城区司法局<br>2027年1月20日"), "{html}");
    }
}
