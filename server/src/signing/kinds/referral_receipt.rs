//! The receipt of a case referral (移送回执, `concord.referral-receipt/1`): the fifth kind of
//! signed document, and the first made of facts alone.
//!
//! A referral carries the case as written and a material checklist (案件材料清单) of files,
//! each with its SHA-256; the receiving body signs for it (签收, naming its person) and ticks
//! what it received. That it was received, complete, on a given day must be provable years
//! later, also to someone who does not trust this server: the receiver's person and seal sign
//! the referral, the checklist as ticked and the 签收 through the one lifecycle every signed
//! document follows. Nobody writes a receipt, so its document (the space's `record`
//! document) stays empty and [`ReferralReceipt::project_document`] takes nothing from it: every
//! member of `content.json` is a fact the referral record gives, and a verifier redoes the
//! projection from the facts `content.json` holds and the empty state in the bundle.
//!
//! Times are RFC 3339 instants (UTC) in `content.json` and Beijing time written the Chinese
//! way in the renditions. This module never does I/O.

use std::fmt::Write as _;

use serde_json::{json, Map, Value};
use yrs::ReadTxn;

use super::dispute_decision::chinese_date;
use crate::signing::kind::SignedKind;
use crate::signing::office;
use crate::signing::pdf::{Line, OfficePage, Part, Section};
use crate::signing::projection::{array_of, escape, html_head, text_of, ProjectionError};

/// The schema name every receipt carries in its `"schema"` member.
pub const SCHEMA: &str = "concord.referral-receipt/1";

/// A referral's receipt, as a kind of signed document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReferralReceipt;

/// Everything a receipt says, from the referral record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptFacts {
    /// `{"id", "kind", "kind_name", "case_name", "case_number"?, "facts", "legal_basis",
    /// "sent_at"}`.
    pub referral: Value,
    /// `{"org_id", "name"}`: the referring body (移送单位).
    pub referrer: Value,
    /// `{"org_id", "name"}`: the receiving body (接收单位), which signs.
    pub receiver: Value,
    /// `{"org_id", "name"}`: the procuratorate a suspected crime's referral is copied to.
    pub copy: Option<Value>,
    /// `{"person", "received_at"}`: who signed for it (签收人) and when.
    pub receipt: Value,
    /// `[{"position", "name", "file_name", "size", "sha256", "state", "checked_at", "note"?}]`:
    /// the checklist as the receiver ticked it, in order.
    pub checklist: Value,
    /// `YYYY-MM-DD`, Beijing: the day the receipt was made.
    pub dated: Option<String>,
}

impl SignedKind for ReferralReceipt {
    const SCHEMA: &'static str = SCHEMA;
    const NAME: &'static str = "referral receipt";
    const NAME_ZH: &'static str = "移送回执";
    const INTENT: &'static str = "acknowledge-referral-receipt";
    const PAYLOAD_TYPE: &'static str =
        "application/vnd.concord.referral-receipt-signature+json;v=1";
    const RENDITION: &'static str = "receipt.html";
    const PDF_RENDITION: &'static str = "receipt.pdf";
    type Facts = ReceiptFacts;

    fn facts_members(facts: &ReceiptFacts) -> Map<String, Value> {
        let mut members = Map::new();
        members.insert("referral".into(), facts.referral.clone());
        members.insert("referrer".into(), facts.referrer.clone());
        members.insert("receiver".into(), facts.receiver.clone());
        if let Some(copy) = &facts.copy {
            members.insert("copy".into(), copy.clone());
        }
        members.insert("receipt".into(), facts.receipt.clone());
        members.insert("checklist".into(), facts.checklist.clone());
        if let Some(dated) = &facts.dated {
            members.insert("document".into(), json!({ "dated": dated }));
        }
        members
    }

    fn facts_from_content(content: &Value) -> Option<ReceiptFacts> {
        let object = |key: &str| content.get(key).filter(|v| v.is_object()).cloned();
        let copy = match content.get("copy") {
            None => None,
            Some(copy) => Some(copy.as_object().map(|_| copy.clone())?),
        };
        let dated = match content.get("document") {
            None => None,
            Some(document) => Some(document.get("dated")?.as_str()?.to_owned()),
        };
        Some(ReceiptFacts {
            referral: object("referral")?,
            referrer: object("referrer")?,
            receiver: object("receiver")?,
            copy,
            receipt: object("receipt")?,
            checklist: content.get("checklist").filter(|v| v.is_array()).cloned()?,
            dated,
        })
    }

    /// Nothing: a receipt is made of the referral's facts alone, and its document is empty.
    fn project_document<T: ReadTxn>(_txn: &T) -> Result<Map<String, Value>, ProjectionError> {
        Ok(Map::new())
    }

    fn render_html(content: &Value) -> String {
        render_html(content)
    }

    fn office_page(content: &Value) -> Option<OfficePage> {
        let receiver = text_of(&content["receiver"], "name");
        Some(OfficePage {
            mark: None,
            number: None,
            title: "案件移送回执".into(),
            lines: case_lines(content)
                .into_iter()
                .map(|(label, text)| Line::new(label, text))
                .collect(),
            sections: vec![
                Section {
                    heading: "案件材料清单".into(),
                    parts: vec![Part::Table {
                        columns: CHECKLIST_COLUMNS.iter().map(|c| (*c).into()).collect(),
                        rows: checklist_rows(content),
                    }],
                },
                Section {
                    heading: "签收".into(),
                    parts: vec![Part::Text {
                        text: acknowledgement(content),
                    }],
                },
            ],
            issuer: Some(receiver.to_owned()),
            dated: content["document"]
                .get("dated")
                .and_then(Value::as_str)
                .map(chinese_date),
            note: Some(
                "本件为移送回执的打印版；以签名的 content.json 为准，案件材料以其摘要值（SHA-256）核对。"
                    .into(),
            ),
        })
    }
}

/// An RFC 3339 instant of the content in Beijing time, as people read it.
fn when(value: &Value, key: &str) -> String {
    let at = text_of(value, key);
    office::datetime(at).unwrap_or_else(|| at.to_owned())
}

/// The labelled lines at the head of the receipt: the case and who sent it to whom.
fn case_lines(content: &Value) -> Vec<(&'static str, String)> {
    let referral = &content["referral"];
    let mut lines = vec![
        ("移送类型", text_of(referral, "kind_name").to_owned()),
        ("案件名称", text_of(referral, "case_name").to_owned()),
    ];
    let number = text_of(referral, "case_number");
    if !number.is_empty() {
        lines.push(("案件编号", number.to_owned()));
    }
    lines.push(("移送单位", text_of(&content["referrer"], "name").to_owned()));
    lines.push(("接收单位", text_of(&content["receiver"], "name").to_owned()));
    if let Some(copy) = content.get("copy") {
        lines.push(("抄送", text_of(copy, "name").to_owned()));
    }
    lines.push(("移送时间", when(referral, "sent_at")));
    lines.push(("签收时间", when(&content["receipt"], "received_at")));
    lines.push(("签收人", text_of(&content["receipt"], "person").to_owned()));
    lines
}

const CHECKLIST_COLUMNS: [&str; 5] = ["序号", "材料名称", "文件", "摘要值（SHA-256）", "核对"];

/// The checklist as table rows: number, name, file (and size), digest, what was found.
fn checklist_rows(content: &Value) -> Vec<Vec<String>> {
    array_of(content, "checklist")
        .iter()
        .map(|item| {
            let found = match text_of(item, "state") {
                "received" => format!("已收到（{}）", when(item, "checked_at")),
                "missing" => format!("缺少：{}", text_of(item, "note")),
                other => other.to_owned(),
            };
            let size = item.get("size").and_then(Value::as_i64).unwrap_or(0);
            vec![
                item.get("position")
                    .and_then(Value::as_i64)
                    .map_or_else(String::new, |p| p.to_string()),
                text_of(item, "name").to_owned(),
                format!("{}（{} 字节）", text_of(item, "file_name"), size),
                text_of(item, "sha256").to_owned(),
                found,
            ]
        })
        .collect()
}

/// The sentence the receiving body signs: what it received, from whom, when, complete or not.
fn acknowledgement(content: &Value) -> String {
    let items = array_of(content, "checklist");
    let received = items
        .iter()
        .filter(|i| text_of(i, "state") == "received")
        .count();
    let completeness = if received == items.len() {
        format!(
            "材料清单所列 {} 项材料均已收到，与所附摘要值一致",
            items.len()
        )
    } else {
        format!(
            "材料清单所列 {} 项材料中已收到 {} 项，其余缺少，见上表",
            items.len(),
            received
        )
    };
    format!(
        "本单位已于{}签收{}移送的“{}”一案，{}。",
        when(&content["receipt"], "received_at"),
        text_of(&content["referrer"], "name"),
        text_of(&content["referral"], "case_name"),
        completeness
    )
}

/// The style sheet of `receipt.html`: print-friendly, no external resources.
const HTML_STYLE: &str = "body{font-family:\"Songti SC\",\"SimSun\",serif;max-width:50em;\
margin:2em auto;padding:0 1em;line-height:1.7;color:#111}\
h1{text-align:center;font-size:1.6em}h2{font-size:1.2em;border-bottom:1px solid #999}\
p{white-space:pre-wrap}dl{display:grid;grid-template-columns:8em 1fr;gap:.2em 1em}\
dt{font-weight:bold}table{border-collapse:collapse;width:100%}\
th,td{border:1px solid #999;padding:.2em .5em;text-align:left}\
td.sha256{font-family:monospace;font-size:.8em;word-break:break-all}\
footer{margin-top:3em;font-size:.85em;color:#555}";

/// receipt.html: a deterministic, self-contained, escaped HTML rendition of content.json: the
/// case, the facts and legal basis, the checklist as ticked, the receiving body's
/// acknowledgement, its name and the date.
pub fn render_html(content: &Value) -> String {
    let referral = &content["referral"];
    let title = format!("案件移送回执：{}", text_of(referral, "case_name"));
    let mut html = String::new();
    html_head(&mut html, &title, HTML_STYLE);
    html.push_str("<header>\n<h1>案件移送回执</h1>\n<dl class=\"case\">\n");
    for (label, text) in case_lines(content) {
        let _ = writeln!(html, "<dt>{label}</dt><dd>{}</dd>", escape(&text));
    }
    html.push_str("</dl>\n</header>\n<main>\n");
    let _ = writeln!(
        html,
        "<h2>涉嫌违法（犯罪）事实</h2>\n<p>{}</p>\n<h2>移送依据</h2>\n<p>{}</p>",
        escape(text_of(referral, "facts")),
        escape(text_of(referral, "legal_basis"))
    );
    html.push_str("<h2>案件材料清单</h2>\n<table class=\"checklist\">\n<tr>");
    for column in CHECKLIST_COLUMNS {
        let _ = write!(html, "<th>{column}</th>");
    }
    html.push_str("</tr>\n");
    for row in checklist_rows(content) {
        html.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let class = if i == 3 { " class=\"sha256\"" } else { "" };
            let _ = write!(html, "<td{class}>{}</td>", escape(cell));
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</table>\n");
    let _ = writeln!(
        html,
        "<h2>签收</h2>\n<p class=\"acknowledgement\">{}</p>",
        escape(&acknowledgement(content))
    );
    html.push_str("</main>\n<p class=\"signatories\">");
    html.push_str(&escape(text_of(&content["receiver"], "name")));
    let dated = text_of(&content["document"], "dated");
    if !dated.is_empty() {
        let _ = write!(html, "<br>{}", escape(&chinese_date(dated)));
    }
    html.push_str("</p>\n");
    html.push_str(
        "<footer><p>本文件是移送回执 content.json 的阅读版本，签署和核验以 content.json 为准。</p></footer>\n",
    );
    html.push_str("</body>\n</html>\n");
    html
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::signing::canonical::to_canonical;
    use crate::signing::kind::project_state;
    use yrs::updates::decoder::Decode;
    use yrs::{Doc, Text, Transact};

    pub(crate) fn facts() -> ReceiptFacts {
        ReceiptFacts {
            referral: json!({
                "id": "referral-1", "kind": "criminal", "kind_name": "涉嫌犯罪案件移送",
                "case_name": "某超市销售假冒注册商标商品案", "case_number": "上市监罚〔2026〕12号",
                "facts": "经查，<b>当事人</b>销售假冒商品 & 数额较大。", "legal_basis": "《行政执法机关移送涉嫌犯罪案件的规定》第三条",
                "sent_at": "2026-12-07T01:30:00Z",
            }),
            referrer: json!({"org_id": "org-market", "name": "上城区市场监督管理局"}),
            receiver: json!({"org_id": "org-police", "name": "上城区公安分局"}),
            copy: Some(json!({"org_id": "org-proc", "name": "上城区人民检察院"})),
            receipt: json!({"person": "王强", "received_at": "2026-12-07T02:05:00Z"}),
            checklist: json!([
                {"position": 1, "name": "现场检查笔录", "file_name": "bilu.pdf", "size": 1024,
                 "sha256": "ab".repeat(32), "state": "received", "checked_at": "2026-12-07T02:10:00Z"},
                {"position": 2, "name": "涉案物品清单", "file_name": "qingdan.pdf", "size": 2048,
                 "sha256": "cd".repeat(32), "state": "received", "checked_at": "2026-12-08T06:00:00Z",
                 "note": "首次移送缺少第 3 页"},
            ]),
            dated: Some("2026-12-08".into()),
        }
    }

    fn empty_state() -> Vec<u8> {
        let doc = Doc::new();
        let txn = doc.transact();
        txn.encode_state_as_update_v1(&yrs::StateVector::default())
    }

    #[test]
    fn a_receipt_is_its_facts_and_nothing_of_the_document() {
        let content = project_state::<ReferralReceipt>(&empty_state(), &facts()).unwrap();

        assert_eq!(content["schema"], SCHEMA);
        assert_eq!(content["receipt"]["person"], "王强");
        assert_eq!(content["checklist"][1]["state"], "received");
        let members: Vec<&String> = content.as_object().unwrap().keys().collect();
        assert_eq!(
            members,
            [
                "checklist",
                "copy",
                "document",
                "receipt",
                "receiver",
                "referral",
                "referrer",
                "schema"
            ]
        );
        // Whatever a document held, a receipt takes nothing from it.
        let written = Doc::new();
        {
            let text = written.get_or_insert_text("body");
            let mut txn = written.transact_mut();
            text.insert(&mut txn, 0, "不应出现");
        }
        let state = written
            .transact()
            .encode_state_as_update_v1(&yrs::StateVector::default());
        assert_eq!(
            to_canonical(&project_state::<ReferralReceipt>(&state, &facts()).unwrap()),
            to_canonical(&content)
        );
        assert!(yrs::Update::decode_v1(&state).is_ok());
    }

    #[test]
    fn the_facts_read_back_from_the_content_give_the_same_content() {
        let content = project_state::<ReferralReceipt>(&empty_state(), &facts()).unwrap();

        let read_back = ReferralReceipt::facts_from_content(&content).unwrap();

        assert_eq!(read_back, facts());
        let mut without_copy = facts();
        without_copy.copy = None;
        let content = project_state::<ReferralReceipt>(&empty_state(), &without_copy).unwrap();
        assert_eq!(
            ReferralReceipt::facts_from_content(&content),
            Some(without_copy)
        );
        let mut broken = content.clone();
        broken["checklist"] = json!("none");
        assert_eq!(ReferralReceipt::facts_from_content(&broken), None);
    }

    #[test]
    fn receipt_html_lists_the_checklist_in_beijing_time_escaped() {
        let html =
            render_html(&project_state::<ReferralReceipt>(&empty_state(), &facts()).unwrap());

        assert!(html.contains("default-src 'none'"), "{html}");
        assert!(html.contains("<h1>案件移送回执</h1>"), "{html}");
        assert!(html.contains("&lt;b&gt;当事人&lt;/b&gt;"), "{html}");
        assert!(
            html.contains("<dt>签收时间</dt><dd>2026年12月7日 10:05</dd>"),
            "{html}"
        );
        assert!(html.contains(&"ab".repeat(32)), "{html}");
        assert!(html.contains("已收到（2026年12月8日 14:00）"), "{html}");
        assert!(
            html.contains("材料清单所列 2 项材料均已收到，与所附摘要值一致"),
            "{html}"
        );
        assert!(
            html.contains("上城区公安分局<br>2026年12月8日</p>"),
            "{html}"
        );
    }

    #[test]
    fn the_printed_receipt_is_signed_by_the_receiving_body() {
        let page = ReferralReceipt::office_page(
            &project_state::<ReferralReceipt>(&empty_state(), &facts()).unwrap(),
        )
        .unwrap();

        assert_eq!(page.issuer.as_deref(), Some("上城区公安分局"));
        assert_eq!(page.dated.as_deref(), Some("2026年12月8日"));
        assert!(page
            .lines
            .iter()
            .any(|l| l.label == "签收人" && l.text == "王强"));
    }
}
