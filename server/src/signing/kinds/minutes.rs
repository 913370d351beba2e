//! Meeting minutes (会议纪要, `concord.minutes/1`): the first kind of signed document.
//!
//! The document has two roots: the `XmlFragment` `body` (the text, walked by
//! [`projection::project_fragment`]) and the `Array` `agreed` of agreed items (议定事项: what
//! the meeting agreed, each with the responsible organization and a deadline; the server
//! turns each into a task once the minutes are signed). The meeting record adds the meeting,
//! its convener and the attendees. The layout for editors is `docs/minutes-schema.md`.
//!
//! This module never does I/O; what it projects is decided by the document and the
//! [`MinutesMeta`] it is given, nothing else.

use std::fmt::Write as _;

use serde_json::{json, Map, Value};
use yrs::{Array, Doc, ReadTxn};

use crate::signing::kind::{self, SignedKind};
use crate::signing::office;
use crate::signing::pdf::{Line, OfficePage, Part, Section};
use crate::signing::projection::{
    self, array_of, escape, html_head, is_calendar_date, render_blocks, text_of, Fields,
    ProjectionError,
};

pub use crate::signing::projection::OrgRef;

/// The schema name every minutes projection carries in its `"schema"` member.
pub const SCHEMA: &str = crate::signing::statement::MINUTES_SCHEMA;

/// The name of the document's root `XmlFragment` holding the ProseMirror body.
pub const BODY_ROOT: &str = "body";

/// The name of the document's root `Array` holding the agreed items.
pub const AGREED_ROOT: &str = "agreed";

/// Meeting minutes, as a kind of signed document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Minutes;

impl SignedKind for Minutes {
    const SCHEMA: &'static str = SCHEMA;
    const NAME: &'static str = "minutes";
    const NAME_ZH: &'static str = "会议纪要";
    const INTENT: &'static str = crate::signing::statement::APPROVE_MINUTES;
    const PAYLOAD_TYPE: &'static str = "application/vnd.concord.minutes-signature+json;v=1";
    const RENDITION: &'static str = "minutes.html";
    const PDF_RENDITION: &'static str = "minutes.pdf";
    type Facts = MinutesMeta;

    fn facts_members(meta: &MinutesMeta) -> Map<String, Value> {
        let mut attendees: Vec<&Attendee> = meta.attendees.iter().collect();
        attendees.sort_by(|a, b| {
            (&a.org_id, &a.person, &a.org_name, &a.status).cmp(&(
                &b.org_id,
                &b.person,
                &b.org_name,
                &b.status,
            ))
        });
        let attendees: Vec<Value> = attendees
            .into_iter()
            .map(|attendee| {
                json!({
                    "org_id": attendee.org_id,
                    "org_name": attendee.org_name,
                    "person": attendee.person,
                    "status": attendee.status,
                })
            })
            .collect();
        let mut members = Map::new();
        let mut meeting = json!({
            "id": meta.meeting_id,
            "title": meta.title,
            "kind": meta.kind,
            "starts_at": meta.starts_at,
            "place": meta.place,
        });
        // Written only when known, so minutes frozen before it was recorded re-project to
        // their exact bytes.
        if let Some(ends_at) = &meta.ends_at {
            meeting["ends_at"] = json!(ends_at);
        }
        members.insert("meeting".into(), meeting);
        if let Some(document) = &meta.document {
            members.insert(
                "document".into(),
                json!({"number": document.number, "dated": document.dated}),
            );
        }
        if !meta.signing.is_empty() {
            let signing: Vec<Value> = meta
                .signing
                .iter()
                .map(|s| json!({"step": s.step, "org_id": s.org_id, "org_name": s.org_name}))
                .collect();
            members.insert("signing".into(), Value::Array(signing));
        }
        members.insert(
            "convener".into(),
            json!({"org_id": meta.convener.org_id, "name": meta.convener.name}),
        );
        members.insert("attendees".into(), Value::Array(attendees));
        if let Some(held) = &meta.held {
            let mut checked_in: Vec<&CheckIn> = held.checked_in.iter().collect();
            checked_in.sort_by(|a, b| a.org_id.cmp(&b.org_id));
            let checked_in: Vec<Value> = checked_in
                .into_iter()
                .map(|c| {
                    json!({
                        "org_id": c.org_id,
                        "org_name": c.org_name,
                        "person": c.person,
                        "attendance": c.attendance,
                        "checked_in_at": c.checked_in_at,
                    })
                })
                .collect();
            members.insert(
                "held".into(),
                json!({
                    "started_at": held.started_at,
                    "ended_at": held.ended_at,
                    "checked_in": checked_in,
                }),
            );
        }
        members
    }

    fn facts_from_content(content: &Value) -> Option<MinutesMeta> {
        let text = |v: &Value, key: &str| v.get(key)?.as_str().map(str::to_string);
        let optional = |v: &Value, key: &str| match v.get(key)? {
            Value::Null => Some(None),
            Value::String(s) => Some(Some(s.clone())),
            _ => None,
        };
        let meeting = content.get("meeting")?;
        let convener = content.get("convener")?;
        let attendees = content
            .get("attendees")?
            .as_array()?
            .iter()
            .map(|a| {
                Some(Attendee {
                    org_id: text(a, "org_id")?,
                    org_name: text(a, "org_name")?,
                    person: optional(a, "person")?,
                    status: text(a, "status")?,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        // Minutes frozen before the content recorded the meeting as held have no `held`.
        let held = match content.get("held") {
            None => None,
            Some(held) => Some(Held {
                started_at: optional(held, "started_at")?,
                ended_at: optional(held, "ended_at")?,
                checked_in: held
                    .get("checked_in")?
                    .as_array()?
                    .iter()
                    .map(|c| {
                        Some(CheckIn {
                            org_id: text(c, "org_id")?,
                            org_name: text(c, "org_name")?,
                            person: optional(c, "person")?,
                            attendance: text(c, "attendance")?,
                            checked_in_at: optional(c, "checked_in_at")?,
                        })
                    })
                    .collect::<Option<Vec<_>>>()?,
            }),
        };
        // Minutes frozen before their number, planned end and signing bodies were recorded
        // have none of these members.
        let ends_at = match meeting.get("ends_at") {
            None => None,
            Some(value) => Some(value.as_str()?.to_owned()),
        };
        let document = match content.get("document") {
            None => None,
            Some(document) => Some(Issued {
                number: text(document, "number")?,
                dated: text(document, "dated")?,
            }),
        };
        let signing = match content.get("signing") {
            None => Vec::new(),
            Some(signing) => signing
                .as_array()?
                .iter()
                .map(|s| {
                    Some(SigningBody {
                        step: s.get("step")?.as_u64()?,
                        org_id: text(s, "org_id")?,
                        org_name: text(s, "org_name")?,
                    })
                })
                .collect::<Option<Vec<_>>>()?,
        };
        Some(MinutesMeta {
            meeting_id: text(meeting, "id")?,
            title: text(meeting, "title")?,
            kind: text(meeting, "kind")?,
            starts_at: text(meeting, "starts_at")?,
            ends_at,
            place: optional(meeting, "place")?,
            document,
            signing,
            convener: OrgRef {
                org_id: text(convener, "org_id")?,
                name: text(convener, "name")?,
            },
            attendees,
            held,
        })
    }

    fn project_document<T: ReadTxn>(txn: &T) -> Result<Map<String, Value>, ProjectionError> {
        let body = projection::project_fragment(txn, BODY_ROOT)?;
        let agreed = match txn.get_array(AGREED_ROOT) {
            Some(array) => project_agreed(&array, txn)?,
            None => Vec::new(),
        };
        let mut members = Map::new();
        members.insert("body".into(), Value::Array(body));
        members.insert("agreed_items".into(), Value::Array(agreed));
        Ok(members)
    }

    fn render_html(content: &Value) -> String {
        render_html(content)
    }

    fn office_page(content: &Value) -> Option<OfficePage> {
        Some(office_page(content))
    }
}

/// What the content needs besides the document: from the meeting record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinutesMeta {
    /// The meeting's id (its space id).
    pub meeting_id: String,
    pub title: String,
    /// The meeting kind's code (`annual`, `consultation`, `case_consultation`, `joint`).
    pub kind: String,
    /// RFC 3339 UTC, as the meeting record holds it.
    pub starts_at: String,
    /// The planned end, RFC 3339 UTC; `ends_at` in the content's `meeting`, absent when none
    /// (and in minutes frozen before it was recorded).
    pub ends_at: Option<String>,
    pub place: Option<String>,
    /// The document number and date (`document` in the content); none in minutes frozen before
    /// numbers were assigned.
    pub document: Option<Issued>,
    /// The bodies that sign, in the signing order (`signing`); empty in minutes frozen before
    /// it was recorded, and then not written.
    pub signing: Vec<SigningBody>,
    /// The body that called the meeting.
    pub convener: OrgRef,
    /// Every invited body with its attendance; the projection sorts them.
    pub attendees: Vec<Attendee>,
    /// The meeting as it was held: `held` in the content. `None` only for minutes frozen
    /// before the content recorded it (their content has no `held`, and re-projects so).
    pub held: Option<Held>,
}

/// The minutes as an issued document: its number and date (成文日期).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    /// The document number (文号) as written, `宁司纪〔2026〕3号` (`domain::doc_number`).
    pub number: String,
    /// `YYYY-MM-DD`, Beijing time: the day the text was frozen (定稿), after which it cannot
    /// change.
    pub dated: String,
}

/// A body that signs the minutes, at its step of the signing order (the manifest's signers,
/// named in the text so the reader sees who approves it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningBody {
    pub step: u64,
    pub org_id: String,
    pub org_name: String,
}

/// When the meeting actually ran and who checked in, from the meeting record at freeze.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    /// RFC 3339 UTC: when the convener started the meeting; none if it never started.
    pub started_at: Option<String>,
    /// RFC 3339 UTC: when it ended; none if it had not ended when the minutes were frozen.
    pub ended_at: Option<String>,
    /// Each body checked in at the meeting (签到), with what was recorded; the projection
    /// sorts them by organization id. A body not checked in is not listed.
    pub checked_in: Vec<CheckIn>,
}

/// One body's check-in at the meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckIn {
    pub org_id: String,
    pub org_name: String,
    /// Who came for it (the attendee, or the delegate).
    pub person: Option<String>,
    /// `"attended"`, `"absent"`, `"delegated"`: the attendance recorded at check-in.
    pub attendance: String,
    /// RFC 3339 UTC.
    pub checked_in_at: Option<String>,
}

/// One invited body and who came for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attendee {
    pub org_id: String,
    pub org_name: String,
    /// The person who attended (or the delegate); none when nobody came.
    pub person: Option<String>,
    /// `"attended"`, `"absent"`, `"delegated"`, or another attendance code of the meeting.
    pub status: String,
}

/// An agreed item of a projection, typed (the server turns each into a task).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreedItem {
    pub text: String,
    /// The responsible organization.
    pub org_id: String,
    /// `YYYY-MM-DD`.
    pub deadline: String,
}

/// The canonical projection of the minutes document as a JSON value with
/// `"schema": "concord.minutes/1"`. Errors if the doc does not follow the schema.
///
/// Every string of the result is in NFC, so the value is exactly what `content.json` holds
/// (`to_canonical` of it changes nothing but the layout). A missing root is an empty body or
/// an empty list of agreed items. The caller must not hold a transaction on `doc`.
pub fn project(doc: &Doc, meta: &MinutesMeta) -> Result<Value, ProjectionError> {
    kind::project::<Minutes>(doc, meta)
}

/// The same from a v1 update (`encode_state_as_update_v1` bytes).
pub fn project_state(state_v1: &[u8], meta: &MinutesMeta) -> Result<Value, ProjectionError> {
    kind::project_state::<Minutes>(state_v1, meta)
}

/// The agreed items of a projection, typed (the server turns them into tasks).
///
/// `content` is a projection made by [`project`] (or read back from a verified
/// `content.json`); an entry lacking one of the three strings, which [`project`] never
/// makes, is skipped.
pub fn agreed_items(content: &Value) -> Vec<AgreedItem> {
    let Some(items) = content.get("agreed_items").and_then(Value::as_array) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| {
            Some(AgreedItem {
                text: item.get("text")?.as_str()?.to_owned(),
                org_id: item.get("org_id")?.as_str()?.to_owned(),
                deadline: item.get("deadline")?.as_str()?.to_owned(),
            })
        })
        .collect()
}

/// The fields an agreed item may have.
const AGREED_FIELDS: [&str; 4] = ["text", "org_id", "deadline", "id"];

/// The agreed items, in the array's order.
fn project_agreed(
    array: &yrs::ArrayRef,
    txn: &impl ReadTxn,
) -> Result<Vec<Value>, ProjectionError> {
    let mut items = Vec::new();
    for (index, item) in array.iter(txn).enumerate() {
        let at = format!("{AGREED_ROOT}[{index}]");
        // A Y.Map is what the schema asks for; a plain object means the same.
        let fields = Fields::read(
            &item,
            txn,
            &at,
            "an agreed item",
            "a map with `text`, `org_id` and `deadline`",
        )?;
        fields.only(&AGREED_FIELDS)?;
        let text = fields.string("text")?;
        let org_id = fields.string("org_id")?;
        let deadline = fields.string("deadline")?;
        if text.trim().is_empty() {
            return Err(fields.error("an agreed item's text is empty"));
        }
        if org_id.trim().is_empty() {
            return Err(fields.error("an agreed item must name the responsible organization"));
        }
        if !is_calendar_date(&deadline) {
            return Err(fields.error(format!(
                "the deadline `{deadline}` is not a date written YYYY-MM-DD"
            )));
        }
        items.push(json!({"text": text, "org_id": org_id, "deadline": deadline}));
    }
    Ok(items)
}

/// minutes.html: a deterministic, self-contained, escaped HTML rendition of content.json, in
/// the office form of a 纪要 (GB/T 9704, `signing::office`).
///
/// It reads, top to bottom: the masthead (the convener's name and 会议纪要 in red, the document
/// number, the red line), the title, when and where (Beijing time written the Chinese way,
/// the actual times when the meeting was held), the attendance from the check-in (出席 /
/// 委托出席 / 缺席, each body with its person), the text, the agreed items, the signing bodies
/// in order, and the issuing body and date. No ids or hashes: bodies and people by name.
///
/// It has no scripts, no external resources (a Content-Security-Policy forbids them), no
/// time of rendering: the same content always gives the same bytes, so its hashes can sit in
/// the manifest. Every string of the content is HTML-escaped; links are live only for
/// `http:`, `https:` and `mailto:` targets. `content.json` stays the authoritative text.
pub fn render_html(content: &Value) -> String {
    let title = text_of(&content["meeting"], "title");
    let convener = text_of(&content["convener"], "name");
    let document = content.get("document");
    let mut html = String::new();

    html_head(&mut html, title, office::STYLE);
    html.push_str("<header class=\"masthead\">\n");
    let _ = writeln!(html, "<p class=\"mark\">{}会议纪要</p>", escape(convener));
    if let Some(number) = document.and_then(|d| d["number"].as_str()) {
        let _ = writeln!(html, "<p class=\"number\">{}</p>", escape(number));
    }
    html.push_str("<hr>\n</header>\n");
    let _ = writeln!(html, "<h1>{}</h1>", escape(title));

    html.push_str("<section class=\"facts\">\n");
    for (label, value) in facts(content) {
        let _ = writeln!(
            html,
            "<p><span class=\"label\">{label}：</span>{}</p>",
            escape(&value)
        );
    }
    html.push_str("</section>\n");

    render_attendance(&mut html, content);

    html.push_str("<main class=\"minutes\">\n<h2>会议内容</h2>\n");
    render_blocks(&mut html, array_of(content, "body"));
    html.push_str("</main>\n");

    html.push_str("<section class=\"agreed\">\n<h2>议定事项</h2>\n");
    let agreed = array_of(content, "agreed_items");
    if agreed.is_empty() {
        html.push_str("<p>无。</p>\n");
    } else {
        html.push_str("<ol>\n");
        for item in agreed {
            let org_id = text_of(item, "org_id");
            let deadline = text_of(item, "deadline");
            let _ = writeln!(
                html,
                "<li><span class=\"text\">{}</span>（责任单位：<span class=\"org\">{}</span>；完成时限：<span class=\"deadline\">{}</span>）</li>",
                escape(text_of(item, "text")),
                escape(org_name(content, org_id)),
                escape(&office::date(deadline).unwrap_or_else(|| deadline.to_owned())),
            );
        }
        html.push_str("</ol>\n");
    }
    html.push_str("</section>\n");

    let steps = signing_steps(content);
    if !steps.is_empty() {
        html.push_str("<section class=\"signing\">\n<h2>会签单位</h2>\n");
        for (label, names) in steps {
            let _ = writeln!(
                html,
                "<p><span class=\"label\">{label}：</span>{}</p>",
                escape(&names)
            );
        }
        let _ = writeln!(html, "<p>{SIGNING_NOTE}</p>\n</section>");
    }

    html.push_str("<footer class=\"issue\">\n");
    let _ = writeln!(html, "<p class=\"issuer\">{}</p>", escape(convener));
    if let Some(dated) = document.and_then(|d| d["dated"].as_str()) {
        let dated = office::date(dated).unwrap_or_else(|| dated.to_owned());
        let _ = writeln!(html, "<p class=\"dated\">{}</p>", escape(&dated));
    }
    html.push_str("</footer>\n");
    let _ = writeln!(html, "<p class=\"note\">{RENDITION_NOTE}</p>");
    html.push_str("</body>\n</html>\n");
    html
}

/// Who came, from the check-in (签到) when the meeting was held: 出席 (the body and its
/// person), 委托出席 (the body and the person it sent instead), 缺席, and the invited bodies
/// not checked in. Minutes frozen before the check-in was recorded list the attendees'
/// answers instead. Each group that has anyone, with its entries as plain text.
fn attendance(content: &Value) -> Vec<(&'static str, Vec<String>)> {
    let mut groups: Vec<(&'static str, Vec<String>)> = vec![
        ("出席", Vec::new()),
        ("委托出席", Vec::new()),
        ("缺席", Vec::new()),
        ("未签到", Vec::new()),
    ];
    let mut put = |group: usize, name: &str, person: Option<&str>| {
        let entry = match person.filter(|p| !p.trim().is_empty()) {
            Some(person) if group == 1 => format!("{name}（委托{person}）"),
            Some(person) if group != 2 => format!("{name}（{person}）"),
            _ => name.to_owned(),
        };
        groups[group].1.push(entry);
    };
    let group_of = |code: &str| match code {
        "attended" | "confirmed" => 0,
        "delegated" => 1,
        "absent" | "declined" => 2,
        _ => 3,
    };
    match content.get("held") {
        Some(held) => {
            let checked_in = array_of(held, "checked_in");
            for c in checked_in {
                put(
                    group_of(text_of(c, "attendance")),
                    text_of(c, "org_name"),
                    c["person"].as_str(),
                );
            }
            for a in array_of(content, "attendees") {
                let org_id = text_of(a, "org_id");
                if !checked_in.iter().any(|c| text_of(c, "org_id") == org_id) {
                    put(3, text_of(a, "org_name"), None);
                }
            }
        }
        None => {
            for a in array_of(content, "attendees") {
                put(
                    group_of(text_of(a, "status")),
                    text_of(a, "org_name"),
                    a["person"].as_str(),
                );
            }
        }
    }
    groups.retain(|(_, entries)| !entries.is_empty());
    groups
}

/// The attendance as HTML, every entry escaped.
fn render_attendance(html: &mut String, content: &Value) {
    html.push_str("<section class=\"attendance\">\n");
    for (label, entries) in attendance(content) {
        let entries: Vec<String> = entries.iter().map(|e| escape(e)).collect();
        let _ = writeln!(
            html,
            "<p><span class=\"label\">{label}：</span>{}</p>",
            entries.join("；")
        );
    }
    html.push_str("</section>\n");
}

/// When (Beijing time, the actual times when the meeting was held), where, who called it and
/// what kind of meeting: label and text.
fn facts(content: &Value) -> Vec<(&'static str, String)> {
    let meeting = &content["meeting"];
    let held = content.get("held");
    let started = held.and_then(|h| h["started_at"].as_str());
    let when = match started {
        Some(started) => office::span(started, held.and_then(|h| h["ended_at"].as_str())),
        None => office::span(
            text_of(meeting, "starts_at"),
            meeting.get("ends_at").and_then(Value::as_str),
        ),
    }
    .unwrap_or_default();
    vec![
        ("时间", when),
        ("地点", meeting["place"].as_str().unwrap_or("—").to_owned()),
        ("召集单位", text_of(&content["convener"], "name").to_owned()),
        ("会议类型", kind_label(text_of(meeting, "kind")).to_owned()),
    ]
}

/// Each agreed item as one sentence: `完成整改（责任单位：市中级人民法院；完成时限：2026年6月30日）`.
fn agreed_sentences(content: &Value) -> Vec<String> {
    array_of(content, "agreed_items")
        .iter()
        .map(|item| {
            let deadline = text_of(item, "deadline");
            format!(
                "{}（责任单位：{}；完成时限：{}）",
                text_of(item, "text"),
                org_name(content, text_of(item, "org_id")),
                office::date(deadline).unwrap_or_else(|| deadline.to_owned()),
            )
        })
        .collect()
}

/// The signing bodies, step by step: `第1步` and the names of that step's bodies.
fn signing_steps(content: &Value) -> Vec<(String, String)> {
    let signing = array_of(content, "signing");
    let last = signing
        .iter()
        .filter_map(|s| s["step"].as_u64())
        .max()
        .unwrap_or(0);
    (1..=last)
        .map(|step| {
            let names: Vec<&str> = signing
                .iter()
                .filter(|s| s["step"].as_u64() == Some(step))
                .map(|s| text_of(s, "org_name"))
                .collect();
            (format!("第{step}步"), names.join("、"))
        })
        .collect()
}

/// The sentence under the signing bodies.
const SIGNING_NOTE: &str =
    "各单位由其工作人员以个人签名密钥签署，并加盖单位电子印章；签署人员见归档包中的签署页和签名文件。";

/// The note at the end of every rendition of minutes.
const RENDITION_NOTE: &str =
    "本文件是会议纪要 content.json 的阅读版本，签署和核验以 content.json 为准。";

/// minutes.pdf's page: the same content, in the same order, as [`render_html`], for the PDF
/// rendition (`signing::pdf`). Strings only; the template lays them out.
pub fn office_page(content: &Value) -> OfficePage {
    let meeting = &content["meeting"];
    let convener = text_of(&content["convener"], "name");
    let document = content.get("document");
    let mut lines: Vec<Line> = facts(content)
        .into_iter()
        .map(|(label, text)| Line::new(label, text))
        .collect();
    lines.extend(
        attendance(content)
            .into_iter()
            .map(|(label, entries)| Line::new(label, entries.join("；"))),
    );
    let agreed = agreed_sentences(content);
    let mut sections = vec![
        Section {
            heading: "会议内容".into(),
            parts: vec![Part::Blocks {
                blocks: array_of(content, "body").to_vec(),
            }],
        },
        Section {
            heading: "议定事项".into(),
            parts: vec![if agreed.is_empty() {
                Part::Text {
                    text: "无。".into(),
                }
            } else {
                Part::Numbered { items: agreed }
            }],
        },
    ];
    let steps = signing_steps(content);
    if !steps.is_empty() {
        let mut parts: Vec<Part> = steps
            .into_iter()
            .map(|(label, text)| Part::Line { label, text })
            .collect();
        parts.push(Part::Text {
            text: SIGNING_NOTE.into(),
        });
        sections.push(Section {
            heading: "会签单位".into(),
            parts,
        });
    }
    OfficePage {
        mark: Some(format!("{convener}会议纪要")),
        number: document
            .and_then(|d| d["number"].as_str())
            .map(str::to_owned),
        title: text_of(meeting, "title").to_owned(),
        lines,
        sections,
        issuer: Some(convener.to_owned()),
        dated: document
            .and_then(|d| d["dated"].as_str())
            .map(|dated| office::date(dated).unwrap_or_else(|| dated.to_owned())),
        note: Some(RENDITION_NOTE.into()),
    }
}

/// The name of an organization of the meeting; a body not of the meeting is not named by its
/// id (a person reads this), but as 其他单位.
fn org_name<'a>(content: &'a Value, org_id: &'a str) -> &'a str {
    if text_of(&content["convener"], "org_id") == org_id {
        return text_of(&content["convener"], "name");
    }
    array_of(content, "attendees")
        .iter()
        .find(|attendee| text_of(attendee, "org_id") == org_id)
        .map(|attendee| text_of(attendee, "org_name"))
        .unwrap_or("其他单位")
}

/// The Chinese name of a meeting kind code.
fn kind_label(kind: &str) -> &str {
    match kind {
        "annual" => "年度协调会议",
        "consultation" => "会商",
        "case_consultation" => "案件会商",
        "joint" => "联席会议",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::kind::tests::{minutes_doc, minutes_meta};

    #[test]
    fn the_rendition_is_an_office_document_with_check_in_attendance_and_no_ids() {
        let mut meta = minutes_meta();
        for (org_id, org_name, person, status) in [
            ("org-police", "市公安局", None, "absent"),
            ("org-audit", "市审计局", Some("王五"), "delegated"),
        ] {
            meta.attendees.push(Attendee {
                org_id: org_id.into(),
                org_name: org_name.into(),
                person: person.map(Into::into),
                status: status.into(),
            });
            if let Some(held) = meta.held.as_mut() {
                held.checked_in.push(CheckIn {
                    org_id: org_id.into(),
                    org_name: org_name.into(),
                    person: person.map(Into::into),
                    attendance: status.into(),
                    checked_in_at: Some("2026-03-02T01:32:00Z".into()),
                });
            }
        }
        let content = project(&minutes_doc(), &meta).unwrap();

        let html = render_html(&content);

        assert!(
            html.contains("<p class=\"mark\">市司法局会议纪要</p>"),
            "{html}"
        );
        assert!(
            html.contains("<p class=\"number\">市司纪〔2026〕1号</p>"),
            "{html}"
        );
        // Started 01:35 UTC, not ended: 9:35 in Beijing.
        assert!(
            html.contains("时间：</span>2026年3月2日 9:35</p>"),
            "{html}"
        );
        assert!(
            html.contains("出席：</span>市中级人民法院（李四）</p>"),
            "{html}"
        );
        assert!(
            html.contains("委托出席：</span>市审计局（委托王五）</p>"),
            "{html}"
        );
        assert!(html.contains("缺席：</span>市公安局</p>"), "{html}");
        assert!(html.contains("第1步：</span>市司法局</p>"), "{html}");
        assert!(
            html.contains("<p class=\"issuer\">市司法局</p>\n<p class=\"dated\">2026年3月2日</p>"),
            "{html}"
        );
        assert!(
            html.contains("完成时限：<span class=\"deadline\">2026年6月30日"),
            "{html}"
        );
        assert!(
            !html.contains("org-") && !html.contains("meeting-1"),
            "{html}"
        );
        assert!(!html.contains("01:35") && !html.contains(":00Z"), "{html}");
    }
}
