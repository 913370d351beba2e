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
    const INTENT: &'static str = crate::signing::statement::APPROVE_MINUTES;
    const PAYLOAD_TYPE: &'static str = "application/vnd.concord.minutes-signature+json;v=1";
    const RENDITION: &'static str = "minutes.html";
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
        members.insert(
            "meeting".into(),
            json!({
                "id": meta.meeting_id,
                "title": meta.title,
                "kind": meta.kind,
                "starts_at": meta.starts_at,
                "place": meta.place,
            }),
        );
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
        Some(MinutesMeta {
            meeting_id: text(meeting, "id")?,
            title: text(meeting, "title")?,
            kind: text(meeting, "kind")?,
            starts_at: text(meeting, "starts_at")?,
            place: optional(meeting, "place")?,
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
    pub place: Option<String>,
    /// The body that called the meeting.
    pub convener: OrgRef,
    /// Every invited body with its attendance; the projection sorts them.
    pub attendees: Vec<Attendee>,
    /// The meeting as it was held: `held` in the content. `None` only for minutes frozen
    /// before the content recorded it (their content has no `held`, and re-projects so).
    pub held: Option<Held>,
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

/// The style sheet of `minutes.html`: print-friendly, no external resources.
const HTML_STYLE: &str = "body{font-family:\"Songti SC\",\"SimSun\",serif;max-width:46em;\
margin:2em auto;padding:0 1em;line-height:1.7;color:#111}\
h1{text-align:center;font-size:1.6em}h2{font-size:1.2em;border-bottom:1px solid #999}\
p{white-space:pre-wrap}dl.meeting{display:grid;grid-template-columns:8em 1fr;gap:.2em 1em}\
dl.meeting dt{font-weight:bold}table{border-collapse:collapse;width:100%}\
th,td{border:1px solid #999;padding:.2em .5em;text-align:left}\
blockquote{border-left:3px solid #999;margin-left:0;padding-left:1em}\
footer{margin-top:3em;font-size:.85em;color:#555}";

/// minutes.html: a deterministic, self-contained, escaped HTML rendition of content.json.
///
/// It has no scripts, no external resources (a Content-Security-Policy forbids them), no
/// time of rendering: the same content always gives the same bytes, so its hashes can sit in
/// the manifest. Every string of the content is HTML-escaped; links are live only for
/// `http:`, `https:` and `mailto:` targets. Labels are in Chinese, for the people who read
/// the minutes; `content.json` stays the authoritative text.
pub fn render_html(content: &Value) -> String {
    let meeting = &content["meeting"];
    let title = text_of(meeting, "title");
    let convener = &content["convener"];
    let mut html = String::new();

    html_head(&mut html, title, HTML_STYLE);
    html.push_str("<header>\n");
    let _ = writeln!(html, "<h1>{}</h1>", escape(title));
    html.push_str("<dl class=\"meeting\">\n");
    let place = meeting["place"].as_str().unwrap_or("—");
    for (label, value) in [
        ("会议类型", kind_label(text_of(meeting, "kind"))),
        ("会议时间", text_of(meeting, "starts_at")),
        ("会议地点", place),
        ("召集单位", text_of(convener, "name")),
        ("会议编号", text_of(meeting, "id")),
    ] {
        let _ = writeln!(html, "<dt>{label}</dt><dd>{}</dd>", escape(value));
    }
    html.push_str("</dl>\n</header>\n");

    html.push_str("<section class=\"attendees\">\n<h2>参会单位</h2>\n");
    html.push_str("<table>\n<thead><tr><th>单位</th><th>参会人员</th><th>出席情况</th></tr></thead>\n<tbody>\n");
    for attendee in array_of(content, "attendees") {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(text_of(attendee, "org_name")),
            escape(attendee["person"].as_str().unwrap_or("—")),
            escape(status_label(text_of(attendee, "status"))),
        );
    }
    html.push_str("</tbody>\n</table>\n</section>\n");
    if let Some(held) = content.get("held") {
        render_held(&mut html, held);
    }

    html.push_str("<main class=\"minutes\">\n<h2>纪要正文</h2>\n");
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
            let _ = writeln!(
                html,
                "<li><span class=\"text\">{}</span><br>责任单位：<span class=\"org\">{}</span>；完成时限：<span class=\"deadline\">{}</span></li>",
                escape(text_of(item, "text")),
                escape(org_name(content, org_id)),
                escape(text_of(item, "deadline")),
            );
        }
        html.push_str("</ol>\n");
    }
    html.push_str("</section>\n");

    html.push_str(
        "<footer><p>本文件是会议纪要 content.json 的阅读版本，签署和核验以 content.json 为准。</p></footer>\n",
    );
    html.push_str("</body>\n</html>\n");
    html
}

/// The meeting as held: its actual start and end, and the check-in (签到) of each body.
fn render_held(html: &mut String, held: &Value) {
    html.push_str("<section class=\"held\">\n<h2>会议实际情况</h2>\n<dl class=\"meeting\">\n");
    for (label, key) in [("实际开始", "started_at"), ("实际结束", "ended_at")] {
        let value = held[key].as_str().unwrap_or("—");
        let _ = writeln!(html, "<dt>{label}</dt><dd>{}</dd>", escape(value));
    }
    html.push_str("</dl>\n<table>\n<thead><tr><th>单位</th><th>签到人员</th><th>签到情况</th><th>签到时间</th></tr></thead>\n<tbody>\n");
    for c in array_of(held, "checked_in") {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(text_of(c, "org_name")),
            escape(c["person"].as_str().unwrap_or("—")),
            escape(status_label(text_of(c, "attendance"))),
            escape(c["checked_in_at"].as_str().unwrap_or("—")),
        );
    }
    html.push_str("</tbody>\n</table>\n</section>\n");
}

/// The name of an organization of the meeting, or its id when it is not one of them.
fn org_name<'a>(content: &'a Value, org_id: &'a str) -> &'a str {
    if text_of(&content["convener"], "org_id") == org_id {
        return text_of(&content["convener"], "name");
    }
    array_of(content, "attendees")
        .iter()
        .find(|attendee| text_of(attendee, "org_id") == org_id)
        .map(|attendee| text_of(attendee, "org_name"))
        .unwrap_or(org_id)
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

/// The Chinese name of an attendance code.
fn status_label(status: &str) -> &str {
    match status {
        "attended" => "出席",
        "absent" => "缺席",
        "delegated" => "委托出席",
        other => other,
    }
}
