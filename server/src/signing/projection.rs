//! The shared walk of a co-edited document into its canonical projection, and the shared
//! parts of every rendition for people.
//!
//! A signed document (minutes, a dispute decision, …) is a CRDT (yrs) co-edited live. Its
//! binary state depends on who typed what in which order, on client ids and on hash-map order
//! inside yrs, so the same visible text has many binary forms and none of them can be what is
//! signed. The projection walks the document in reading order and keeps only what a reader
//! sees: blocks, text runs with their marks, and the records of strings a kind defines (the
//! agreed items of minutes, the decision of a dispute). Serialized with
//! [`super::canonical::to_canonical`], it is `content.json`, and the same visible document
//! always gives the same bytes, whatever its editing history.
//!
//! This module is the one projection framework: [`project_fragment`] turns a root
//! `XmlFragment` into blocks, runs and marks; [`Fields`] reads a map of strings; each kind
//! ([`super::kinds`]) chooses its roots and its own members, and [`super::kind::project`]
//! assembles `content.json`. The block layout is described for the web client in
//! `docs/minutes-schema.md`. The walk refuses anything it does not know (an element, a mark, an
//! embedded object, a field) rather than leave it out: what is signed must be everything the
//! signatories saw.
//!
//! The names of the minutes kind ([`project`], [`MinutesMeta`], [`render_html`], …) are
//! re-exported here for the callers written before kinds existed; new code names
//! [`super::kinds::minutes`].
//!
//! This module never does I/O, never reads the clock and never looks at the CRDT's binary
//! form beyond decoding it; it never changes the document it reads.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::{json, Value};
use unicode_normalization::UnicodeNormalization;
use yrs::types::text::YChange;
use yrs::{
    Any, GetString, Map, Out, ReadTxn, Text, Xml, XmlElementRef, XmlFragment, XmlOut, XmlTextRef,
};

/// An organization named by id and by the name it had when the document was frozen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgRef {
    pub org_id: String,
    pub name: String,
}

impl OrgRef {
    /// `{"org_id", "name"}`, as content.json holds it.
    pub fn to_json(&self) -> Value {
        serde_json::json!({"org_id": self.org_id, "name": self.name})
    }

    /// Read back from content.json; `None` when a member is missing.
    pub fn from_json(value: &Value) -> Option<OrgRef> {
        Some(OrgRef {
            org_id: value.get("org_id")?.as_str()?.to_owned(),
            name: value.get("name")?.as_str()?.to_owned(),
        })
    }
}

/// The names of the organizations listed under `key`, separated as a Chinese list is
/// (`上城区市场监督管理局、湖滨街道办事处`).
pub(crate) fn names_of(content: &Value, key: &str) -> String {
    array_of(content, key)
        .iter()
        .map(|org| text_of(org, "name"))
        .collect::<Vec<_>>()
        .join("、")
}

/// Why a document cannot be projected: it cannot be decoded, or it does not follow its
/// kind's schema.
#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    /// The bytes are not a yrs v1 update, or they depend on changes they do not contain.
    #[error("the document's stored state cannot be read: {0}")]
    State(String),
    /// The document holds something outside its kind's schema. `at` names the place, as a
    /// path into the projection (`body[2].content[0]`, `agreed[1]`).
    #[error("the document does not follow its schema at {at}: {reason}")]
    Schema { at: String, reason: String },
    /// The facts a projection is made with (the meeting, the dispute) cannot be read back from
    /// a `content.json`: a verifier cannot redo the projection. Holds the kind's name.
    #[error("content.json lacks the facts (meeting, dispute, …) its {0} projection needs")]
    Facts(String),
}

impl ProjectionError {
    pub(crate) fn schema(at: &str, reason: impl Into<String>) -> ProjectionError {
        ProjectionError::Schema {
            at: at.to_owned(),
            reason: reason.into(),
        }
    }
}

/// The blocks of the root `XmlFragment` named `root`, in reading order: paragraphs and
/// headings with their runs and marks, lists and blockquotes with theirs. A missing root is
/// no blocks. Error paths start with `root` (`body[2].content[0]`).
pub fn project_fragment<T: ReadTxn>(txn: &T, root: &str) -> Result<Vec<Value>, ProjectionError> {
    match txn.get_xml_fragment(root) {
        Some(fragment) => project_blocks(&fragment, txn, root, Container::Root),
        None => Ok(Vec::new()),
    }
}

/// Where a block sits, which decides what it may be.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Container {
    /// The body itself, a list item or a blockquote: any block but a list item.
    Root,
    /// A bullet or ordered list: list items only.
    List,
}

/// The element names of the schema whose content is text runs.
const TEXT_BLOCKS: [&str; 2] = ["paragraph", "heading"];

/// The element names of the schema whose content is other blocks.
const NESTING_BLOCKS: [&str; 4] = ["bulletList", "orderedList", "listItem", "blockquote"];

/// The marks of the schema, besides `link`.
const SIMPLE_MARKS: [&str; 4] = ["bold", "italic", "underline", "strike"];

/// The link mark, projected as the mark name plus the run's `href`.
const LINK_MARK: &str = "link";

/// The blocks inside `parent`, in order.
fn project_blocks<F: XmlFragment>(
    parent: &F,
    txn: &impl ReadTxn,
    at: &str,
    container: Container,
) -> Result<Vec<Value>, ProjectionError> {
    let mut blocks = Vec::new();
    // Children are read by index rather than with `children()`, whose iterator stops
    // silently at the first child that is not an XML node.
    for index in 0..parent.len(txn) {
        let child_at = format!("{at}[{index}]");
        match parent.get(txn, index) {
            Some(XmlOut::Element(element)) => {
                blocks.push(project_block(&element, txn, &child_at, container)?);
            }
            Some(XmlOut::Text(_)) => {
                return Err(ProjectionError::schema(
                    &child_at,
                    "text must be inside a paragraph or a heading",
                ))
            }
            Some(XmlOut::Fragment(_)) | None => {
                return Err(ProjectionError::schema(
                    &child_at,
                    "only paragraphs, headings, lists and blockquotes may appear here",
                ))
            }
        }
    }
    Ok(blocks)
}

/// One block element and everything inside it.
fn project_block(
    element: &XmlElementRef,
    txn: &impl ReadTxn,
    at: &str,
    container: Container,
) -> Result<Value, ProjectionError> {
    let tag: &str = element.tag();
    let content_at = format!("{at}.content");
    let known = TEXT_BLOCKS.contains(&tag) || NESTING_BLOCKS.contains(&tag);
    if !known {
        return Err(ProjectionError::schema(
            at,
            format!("the element `{tag}` is not part of the schema"),
        ));
    }
    if container == Container::List && tag != "listItem" {
        return Err(ProjectionError::schema(
            at,
            format!("a list may hold only list items, not `{tag}`"),
        ));
    }
    if container == Container::Root && tag == "listItem" {
        return Err(ProjectionError::schema(
            at,
            "a list item must be inside a bullet or ordered list",
        ));
    }

    let block = match tag {
        "paragraph" => json!({"type": tag, "content": project_runs(element, txn, &content_at)?}),
        "heading" => json!({
            "type": tag,
            "level": heading_level(element, txn, at)?,
            "content": project_runs(element, txn, &content_at)?,
        }),
        "bulletList" | "orderedList" => json!({
            "type": tag,
            "content": project_blocks(element, txn, &content_at, Container::List)?,
        }),
        _ => json!({
            "type": tag,
            "content": project_blocks(element, txn, &content_at, Container::Root)?,
        }),
    };
    Ok(block)
}

/// A heading's level, 1 to 3. ProseMirror keeps it as a number, which y-prosemirror stores as
/// is; a client writing it as the string "1".."3" means the same.
fn heading_level(
    element: &XmlElementRef,
    txn: &impl ReadTxn,
    at: &str,
) -> Result<u8, ProjectionError> {
    let level = match element.get_attribute(txn, "level") {
        Some(Out::Any(Any::Number(yrs::Number::Int(level)))) => Some(level),
        Some(Out::Any(Any::Number(yrs::Number::Float(level))))
            if level.fract() == 0.0 && (1.0..=3.0).contains(&level) =>
        {
            Some(level as i64)
        }
        Some(Out::Any(Any::String(level))) => level.parse::<i64>().ok(),
        _ => None,
    };
    match level {
        Some(level @ 1..=3) => Ok(level as u8),
        _ => Err(ProjectionError::schema(
            at,
            "a heading needs the attribute `level` set to 1, 2 or 3",
        )),
    }
}

/// A stretch of text with one set of marks, before merging.
#[derive(PartialEq, Eq)]
struct Run {
    text: String,
    marks: BTreeSet<&'static str>,
    href: Option<String>,
}

/// The text runs of a paragraph or heading: the chunks of all its text nodes in order,
/// adjacent runs with the same marks merged, empty ones dropped.
///
/// Merging is what makes the runs canonical: one word typed in two sittings, bold applied in
/// two strokes or a paragraph split into two text nodes by concurrent edits read the same.
fn project_runs(
    element: &XmlElementRef,
    txn: &impl ReadTxn,
    at: &str,
) -> Result<Vec<Value>, ProjectionError> {
    let mut runs: Vec<Run> = Vec::new();
    for index in 0..element.len(txn) {
        let node_at = format!("{at}[{index}]");
        let text = match element.get(txn, index) {
            Some(XmlOut::Text(text)) => text,
            Some(XmlOut::Element(child)) => {
                return Err(ProjectionError::schema(
                    &node_at,
                    format!(
                        "a paragraph or heading may hold only text, not the element `{}`",
                        child.tag()
                    ),
                ))
            }
            Some(XmlOut::Fragment(_)) | None => {
                return Err(ProjectionError::schema(
                    &node_at,
                    "a paragraph or heading may hold only text",
                ))
            }
        };
        for run in text_runs(&text, txn, &node_at)? {
            match runs.last_mut() {
                Some(last) if last.marks == run.marks && last.href == run.href => {
                    last.text.push_str(&run.text);
                }
                _ => runs.push(run),
            }
        }
    }
    Ok(runs
        .into_iter()
        .filter(|run| !run.text.is_empty())
        .map(|run| {
            let mut value =
                json!({"text": run.text, "marks": run.marks.into_iter().collect::<Vec<_>>()});
            if let Some(href) = run.href {
                value["href"] = Value::String(href);
            }
            value
        })
        .collect())
}

/// The formatted chunks of one text node, marks read from its formatting attributes.
fn text_runs(text: &XmlTextRef, txn: &impl ReadTxn, at: &str) -> Result<Vec<Run>, ProjectionError> {
    let mut runs = Vec::new();
    for chunk in text.diff(txn, YChange::identity) {
        let Out::Any(Any::String(content)) = &chunk.insert else {
            return Err(ProjectionError::schema(
                at,
                "text may not embed objects (images, widgets, nested documents)",
            ));
        };
        let mut marks = BTreeSet::new();
        let mut href = None;
        for (name, value) in chunk
            .attributes
            .iter()
            .flat_map(|attributes| attributes.iter())
        {
            if !mark_is_set(value) {
                continue;
            }
            let name: &str = name;
            if let Some(mark) = SIMPLE_MARKS.iter().find(|mark| **mark == name) {
                marks.insert(*mark);
            } else if name == LINK_MARK {
                marks.insert(LINK_MARK);
                href = Some(link_href(value).ok_or_else(|| {
                    ProjectionError::schema(at, "a link mark needs an `href` string")
                })?);
            } else {
                return Err(ProjectionError::schema(
                    at,
                    format!("the mark `{name}` is not part of the schema"),
                ));
            }
        }
        runs.push(Run {
            text: content.to_string(),
            marks,
            href,
        });
    }
    Ok(runs)
}

/// Whether a formatting attribute's value means the mark is on. y-prosemirror stores a mark's
/// attributes (`{}` for bold); other clients write `true`. Null, undefined and `false` mean
/// the mark was removed.
fn mark_is_set(value: &Any) -> bool {
    !matches!(value, Any::Null | Any::Undefined | Any::Bool(false))
}

/// The target of a link mark: y-prosemirror stores the mark's attributes (`{"href": …}`);
/// a plain string is taken as the href itself.
fn link_href(value: &Any) -> Option<String> {
    match value {
        Any::Map(attributes) => match attributes.get("href") {
            Some(Any::String(href)) => Some(href.to_string()),
            _ => None,
        },
        Any::String(href) => Some(href.to_string()),
        _ => None,
    }
}

/// The string fields of a record in a document: a `Y.Map`, or a plain object written as one
/// value, whose values must all be strings (a `Y.Text` reads as its text). Kinds read their
/// records (an agreed item, a decision) with it, so every record refuses unknown and missing
/// fields the same way.
pub struct Fields {
    /// Where the record is, for errors (`agreed[1]`).
    at: String,
    /// What the record is, for errors (`an agreed item`).
    what: &'static str,
    /// Each field's name and its string, none when it is not a string.
    fields: Vec<(String, Option<String>)>,
}

impl Fields {
    /// Reads the record `value` at `at`; `shape` says what it should be, for the error when it
    /// is not a map (`"a map with `text`, `org_id` and `deadline`"`).
    pub fn read(
        value: &Out,
        txn: &impl ReadTxn,
        at: &str,
        what: &'static str,
        shape: &str,
    ) -> Result<Fields, ProjectionError> {
        let fields: Vec<(String, Option<String>)> = match value {
            Out::YMap(map) => map
                .iter(txn)
                .map(|(name, value)| (name.to_owned(), out_string(&value, txn)))
                .collect(),
            Out::Any(Any::Map(map)) => map
                .iter()
                .map(|(name, value)| (name.clone(), any_string(value)))
                .collect(),
            _ => {
                return Err(ProjectionError::schema(
                    at,
                    format!("{what} must be {shape}"),
                ))
            }
        };
        Ok(Fields {
            at: at.to_owned(),
            what,
            fields,
        })
    }

    /// Refuses a field not in `allowed`.
    pub fn only(&self, allowed: &[&str]) -> Result<(), ProjectionError> {
        match self
            .fields
            .iter()
            .find(|(name, _)| !allowed.contains(&name.as_str()))
        {
            Some((name, _)) => Err(self.error(format!("{} has no field `{name}`", self.what))),
            None => Ok(()),
        }
    }

    /// The string field `wanted`, which must be there.
    pub fn string(&self, wanted: &str) -> Result<String, ProjectionError> {
        match self.fields.iter().find(|(name, _)| name == wanted) {
            Some((_, Some(value))) => Ok(value.clone()),
            Some((_, None)) => Err(self.error(format!(
                "the field `{wanted}` of {} must be a string",
                self.what
            ))),
            None => Err(self.error(format!("{} needs the field `{wanted}`", self.what))),
        }
    }

    /// A schema error at this record.
    pub fn error(&self, reason: impl Into<String>) -> ProjectionError {
        ProjectionError::schema(&self.at, reason)
    }
}

fn out_string(value: &Out, txn: &impl ReadTxn) -> Option<String> {
    match value {
        Out::Any(any) => any_string(any),
        Out::YText(text) => Some(text.get_string(txn)),
        _ => None,
    }
}

fn any_string(value: &Any) -> Option<String> {
    match value {
        Any::String(text) => Some(text.to_string()),
        _ => None,
    }
}

/// True for an existing day written `YYYY-MM-DD` (four-digit year).
pub(crate) fn is_calendar_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(index, byte)| index == 4 || index == 7 || byte.is_ascii_digit());
    if !shape_ok {
        return false;
    }
    let (Ok(year), Ok(month), Ok(day)) = (
        text[0..4].parse::<i32>(),
        text[5..7].parse::<u8>(),
        text[8..10].parse::<u8>(),
    ) else {
        return false;
    };
    time::Month::try_from(month)
        .and_then(|month| time::Date::from_calendar_date(year, month, day))
        .is_ok()
}

/// `value` with every string (member names included) in NFC.
pub(crate) fn nfc_strings(value: Value) -> Value {
    match value {
        Value::String(text) => Value::String(text.nfc().collect()),
        Value::Array(items) => Value::Array(items.into_iter().map(nfc_strings).collect()),
        Value::Object(members) => Value::Object(
            members
                .into_iter()
                .map(|(name, member)| (name.nfc().collect(), nfc_strings(member)))
                .collect(),
        ),
        other => other,
    }
}

/// The start of every rendition, up to and including `<body>`: UTF-8, a Content-Security-
/// Policy that forbids scripts and every outside resource, the escaped title and the kind's
/// style sheet.
pub(crate) fn html_head(html: &mut String, title: &str, style: &str) {
    html.push_str("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n");
    html.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" \
         content=\"default-src 'none'; style-src 'unsafe-inline'\">\n",
    );
    let _ = writeln!(html, "<title>{}</title>", escape(title));
    let _ = writeln!(html, "<style>{style}</style>");
    html.push_str("</head>\n<body>\n");
}

/// Blocks of a projection (a kind's `body`) as HTML.
pub(crate) fn render_blocks(html: &mut String, blocks: &[Value]) {
    for block in blocks {
        render_block(html, block);
    }
}

/// One block of the body as HTML. Body headings start at `h3`: `h1` is the title and `h2`
/// the sections of the page.
fn render_block(html: &mut String, block: &Value) {
    let children = array_of(block, "content");
    match text_of(block, "type") {
        "paragraph" => {
            html.push_str("<p>");
            render_runs(html, children);
            html.push_str("</p>\n");
        }
        "heading" => {
            let level = block["level"].as_u64().unwrap_or(1).clamp(1, 3) + 2;
            let _ = write!(html, "<h{level}>");
            render_runs(html, children);
            let _ = writeln!(html, "</h{level}>");
        }
        other => {
            let tag = match other {
                "bulletList" => "ul",
                "orderedList" => "ol",
                "listItem" => "li",
                "blockquote" => "blockquote",
                _ => "div",
            };
            let _ = writeln!(html, "<{tag}>");
            for child in children {
                render_block(html, child);
            }
            let _ = writeln!(html, "</{tag}>");
        }
    }
}

/// Text runs with their marks; the link outermost, then bold, italic, underline, strike.
fn render_runs(html: &mut String, runs: &[Value]) {
    for run in runs {
        let marks: Vec<&str> = array_of(run, "marks")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let mut closing = Vec::new();
        if marks.contains(&LINK_MARK) {
            match run["href"].as_str().filter(|href| is_safe_href(href)) {
                Some(href) => {
                    let _ = write!(
                        html,
                        "<a href=\"{}\" rel=\"noopener noreferrer\">",
                        escape(href)
                    );
                    closing.push("</a>");
                }
                None => {
                    html.push_str("<span class=\"link\">");
                    closing.push("</span>");
                }
            }
        }
        for (mark, open, close) in [
            ("bold", "<strong>", "</strong>"),
            ("italic", "<em>", "</em>"),
            ("underline", "<u>", "</u>"),
            ("strike", "<s>", "</s>"),
        ] {
            if marks.contains(&mark) {
                html.push_str(open);
                closing.push(close);
            }
        }
        html.push_str(&escape(text_of(run, "text")));
        for close in closing.iter().rev() {
            html.push_str(close);
        }
    }
}

/// True for link targets a reader can follow without running anything.
fn is_safe_href(href: &str) -> bool {
    let lower = href.trim_start().to_ascii_lowercase();
    ["http://", "https://", "mailto:"]
        .iter()
        .any(|scheme| lower.starts_with(scheme))
}

pub(crate) fn text_of<'a>(value: &'a Value, name: &str) -> &'a str {
    value.get(name).and_then(Value::as_str).unwrap_or("")
}

pub(crate) fn array_of<'a>(value: &'a Value, name: &str) -> &'a [Value] {
    value
        .get(name)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// `text` safe inside HTML text and double- or single-quoted attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;
    // The tests below were written when the minutes kind lived in this module; they exercise
    // the shared walk through it.
    use crate::signing::canonical::to_canonical;
    use crate::signing::kinds::minutes::{
        agreed_items, project, project_state, render_html, AgreedItem, Attendee, MinutesMeta,
        AGREED_ROOT, BODY_ROOT, SCHEMA,
    };
    use std::collections::HashMap;
    use std::sync::Arc;
    use yrs::types::Attrs;
    use yrs::updates::decoder::Decode;
    use yrs::{Array, ClientID, Doc, Options, Transact, Update};
    use yrs::{
        ArrayPrelim, MapPrelim, OffsetKind, StateVector, TransactionMut, XmlElementPrelim,
        XmlTextPrelim,
    };

    /// A document counting text offsets in UTF-16 code units, as the browser's Yjs does.
    fn new_doc(client_id: u64) -> Doc {
        Doc::with_options(Options {
            offset_kind: OffsetKind::Utf16,
            ..Options::with_client_id(ClientID::new(client_id))
        })
    }

    fn meta() -> MinutesMeta {
        MinutesMeta {
            meeting_id: "m-1".into(),
            title: "2026 年度协调会议".into(),
            kind: "annual".into(),
            starts_at: "2026-03-02T01:30:00Z".into(),
            ends_at: None,
            place: Some("第一会议室".into()),
            document: None,
            signing: Vec::new(),
            convener: OrgRef {
                org_id: "org-bureau".into(),
                name: "市司法局".into(),
            },
            attendees: vec![
                Attendee {
                    org_id: "org-court".into(),
                    org_name: "市中级人民法院".into(),
                    person: Some("李四".into()),
                    status: "attended".into(),
                },
                Attendee {
                    org_id: "org-audit".into(),
                    org_name: "市审计局".into(),
                    person: None,
                    status: "absent".into(),
                },
            ],
            held: None,
        }
    }

    fn attrs(pairs: &[(&str, Any)]) -> Attrs {
        pairs
            .iter()
            .map(|(name, value)| (Arc::from(*name), value.clone()))
            .collect()
    }

    /// y-prosemirror stores a mark without attributes as an empty object.
    fn pm_mark() -> Any {
        Any::Map(Arc::new(HashMap::new()))
    }

    fn pm_link(href: &str) -> Any {
        Any::Map(Arc::new(HashMap::from([
            ("href".to_owned(), Any::from(href)),
            ("target".to_owned(), Any::from("_blank")),
        ])))
    }

    fn agreed_item(text: &str, org_id: &str, deadline: &str, id: &str) -> MapPrelim {
        MapPrelim::from([
            ("text", yrs::In::from(text)),
            ("org_id", yrs::In::from(org_id)),
            ("deadline", yrs::In::from(deadline)),
            ("id", yrs::In::from(id)),
        ])
    }

    fn paragraph(txn: &mut TransactionMut, parent: &impl XmlFragment, index: u32) -> XmlElementRef {
        parent.insert(txn, index, XmlElementPrelim::empty("paragraph"))
    }

    /// The minutes typed straight through by one person, in order, without a mistake.
    fn straight_history() -> Doc {
        let doc = new_doc(1);
        let body = doc.get_or_insert_xml_fragment(BODY_ROOT);
        let agreed = doc.get_or_insert_array(AGREED_ROOT);
        let mut txn = doc.transact_mut();

        let heading = body.push_back(&mut txn, XmlElementPrelim::empty("heading"));
        heading.insert_attribute(&mut txn, "level", "1");
        heading.push_back(&mut txn, XmlTextPrelim::new("会议议题"));

        let p = paragraph(&mut txn, &body, 1);
        let text = p.push_back(
            &mut txn,
            XmlTextPrelim::new("各单位同意按期完成整改，详见通知。"),
        );
        text.format(&mut txn, 5, 4, attrs(&[("bold", pm_mark())]));
        text.format(
            &mut txn,
            14,
            2,
            attrs(&[("link", pm_link("https://example.org/n?a=1&b=2"))]),
        );

        let list = body.push_back(&mut txn, XmlElementPrelim::empty("bulletList"));
        for line in ["第一项", "第二项"] {
            let item = list.push_back(&mut txn, XmlElementPrelim::empty("listItem"));
            let p = paragraph(&mut txn, &item, 0);
            p.push_back(&mut txn, XmlTextPrelim::new(line));
        }

        agreed.push_back(
            &mut txn,
            agreed_item("完成整改", "org-court", "2026-06-30", "a"),
        );
        agreed.push_back(
            &mut txn,
            agreed_item("报送材料", "org-audit", "2026-04-15", "b"),
        );
        drop(txn);
        doc
    }

    /// The same visible minutes, written by two people on two replicas: blocks created out of
    /// order, typos fixed, bold applied in two strokes, an italic added and removed, a
    /// paragraph split over two text nodes, an agreed item added and deleted, items inserted
    /// in reverse, the heading level stored as a number as ProseMirror does.
    fn winding_history() -> Doc {
        let first = new_doc(9001);
        let second = new_doc(42);
        {
            let body = first.get_or_insert_xml_fragment(BODY_ROOT);
            let agreed = first.get_or_insert_array(AGREED_ROOT);
            let mut txn = first.transact_mut();

            // The list first, then the paragraph before it, then the heading before both.
            let list = body.push_back(&mut txn, XmlElementPrelim::empty("bulletList"));
            let second_item = list.push_back(&mut txn, XmlElementPrelim::empty("listItem"));
            let p = paragraph(&mut txn, &second_item, 0);
            let text = p.push_back(&mut txn, XmlTextPrelim::new("第二向"));
            text.remove_range(&mut txn, 2, 1);
            text.insert(&mut txn, 2, "项");
            let first_item = list.insert(&mut txn, 0, XmlElementPrelim::empty("listItem"));
            let p = paragraph(&mut txn, &first_item, 0);
            p.push_back(&mut txn, XmlTextPrelim::new("第一项"));

            let p = paragraph(&mut txn, &body, 0);
            let text = p.push_back(&mut txn, XmlTextPrelim::new("各单位同意按期完成整改"));
            text.format(&mut txn, 5, 2, attrs(&[("bold", Any::Bool(true))]));
            text.format(&mut txn, 7, 2, attrs(&[("bold", pm_mark())]));
            text.format(&mut txn, 0, 3, attrs(&[("italic", pm_mark())]));
            text.format(&mut txn, 0, 3, attrs(&[("italic", Any::Null)]));

            agreed.push_back(
                &mut txn,
                agreed_item("报送材料", "org-audit", "2026-04-15", "x"),
            );
            agreed.push_back(
                &mut txn,
                agreed_item("删掉的事项", "org-court", "2026-05-01", "y"),
            );
        }

        // The second person starts from the first one's state.
        let update = first
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        second
            .transact_mut()
            .apply_update(Update::decode_v1(&update).unwrap())
            .unwrap();
        {
            let body = second.get_or_insert_xml_fragment(BODY_ROOT);
            let agreed = second.get_or_insert_array(AGREED_ROOT);
            let mut txn = second.transact_mut();

            let Some(XmlOut::Element(p)) = body.get(&txn, 0) else {
                panic!("the paragraph is the first block");
            };
            // A second text node in the same paragraph, as concurrent edits can leave.
            let tail = p.push_back(&mut txn, XmlTextPrelim::new(""));
            tail.insert(&mut txn, 0, "，详见通知。。");
            tail.remove_range(&mut txn, 6, 1);
            tail.format(
                &mut txn,
                3,
                2,
                attrs(&[("link", pm_link("https://example.org/n?a=1&b=2"))]),
            );

            let heading = body.insert(&mut txn, 0, XmlElementPrelim::empty("heading"));
            heading.insert_attribute(&mut txn, "level", Any::Number(yrs::Number::Int(1)));
            let text = heading.push_back(&mut txn, XmlTextPrelim::new("会议仪题"));
            text.remove_range(&mut txn, 2, 1);
            text.insert(&mut txn, 2, "议");

            agreed.remove(&mut txn, 1);
            agreed.insert(
                &mut txn,
                0,
                agreed_item("完成整改", "org-court", "2026-06-30", "z"),
            );
        }

        // Bring both replicas together; the second one is what gets frozen.
        let back = second
            .transact()
            .encode_state_as_update_v1(&first.transact().state_vector());
        first
            .transact_mut()
            .apply_update(Update::decode_v1(&back).unwrap())
            .unwrap();
        first
    }

    fn content_bytes(doc: &Doc) -> Vec<u8> {
        to_canonical(&project(doc, &meta()).expect("the minutes follow the schema"))
    }

    #[test]
    fn the_same_visible_minutes_from_different_histories_give_identical_content_bytes() {
        let straight = content_bytes(&straight_history());
        let winding = content_bytes(&winding_history());

        assert_eq!(
            String::from_utf8(straight.clone()).unwrap(),
            String::from_utf8(winding).unwrap()
        );
        assert!(crate::signing::canonical::is_canonical(&straight));
    }

    #[test]
    fn projecting_the_stored_state_gives_the_same_content_as_the_live_document() {
        let doc = winding_history();
        let state = doc
            .transact()
            .encode_state_as_update_v1(&StateVector::default());

        let from_state = project_state(&state, &meta()).unwrap();

        assert_eq!(to_canonical(&from_state), content_bytes(&doc));
        assert_eq!(
            to_canonical(&from_state),
            content_bytes(&straight_history())
        );
    }

    #[test]
    fn the_projection_has_the_documented_shape() {
        let content = project(&straight_history(), &meta()).unwrap();

        assert_eq!(content["schema"], SCHEMA);
        assert_eq!(
            content["meeting"],
            json!({"id": "m-1", "title": "2026 年度协调会议", "kind": "annual",
                   "starts_at": "2026-03-02T01:30:00Z", "place": "第一会议室"})
        );
        assert_eq!(
            content["convener"],
            json!({"org_id": "org-bureau", "name": "市司法局"})
        );
        // Attendees sorted by organization id.
        assert_eq!(
            content["attendees"],
            json!([
                {"org_id": "org-audit", "org_name": "市审计局", "person": null, "status": "absent"},
                {"org_id": "org-court", "org_name": "市中级人民法院", "person": "李四", "status": "attended"},
            ])
        );
        assert_eq!(
            content["body"],
            json!([
                {"type": "heading", "level": 1, "content": [{"text": "会议议题", "marks": []}]},
                {"type": "paragraph", "content": [
                    {"text": "各单位同意", "marks": []},
                    {"text": "按期完成", "marks": ["bold"]},
                    {"text": "整改，详见", "marks": []},
                    {"text": "通知", "marks": ["link"], "href": "https://example.org/n?a=1&b=2"},
                    {"text": "。", "marks": []},
                ]},
                {"type": "bulletList", "content": [
                    {"type": "listItem", "content": [
                        {"type": "paragraph", "content": [{"text": "第一项", "marks": []}]}]},
                    {"type": "listItem", "content": [
                        {"type": "paragraph", "content": [{"text": "第二项", "marks": []}]}]},
                ]},
            ])
        );
        assert_eq!(
            content["agreed_items"],
            json!([
                {"text": "完成整改", "org_id": "org-court", "deadline": "2026-06-30"},
                {"text": "报送材料", "org_id": "org-audit", "deadline": "2026-04-15"},
            ])
        );
    }

    #[test]
    fn marks_are_sorted_and_adjacent_runs_with_equal_marks_merge() {
        let doc = new_doc(3);
        let body = doc.get_or_insert_xml_fragment(BODY_ROOT);
        {
            let mut txn = doc.transact_mut();
            let p = paragraph(&mut txn, &body, 0);
            let text = p.push_back(&mut txn, XmlTextPrelim::new(""));
            let both = attrs(&[
                ("underline", pm_mark()),
                ("bold", pm_mark()),
                ("strike", pm_mark()),
            ]);
            text.insert_with_attributes(&mut txn, 0, "ab", both.clone());
            text.insert_with_attributes(&mut txn, 2, "cd", both);
            // An empty text node contributes nothing.
            p.push_back(&mut txn, XmlTextPrelim::new(""));
        }

        let content = project(&doc, &meta()).unwrap();

        assert_eq!(
            content["body"][0]["content"],
            json!([{"text": "abcd", "marks": ["bold", "strike", "underline"]}])
        );
    }

    #[test]
    fn text_is_put_in_nfc() {
        let doc = new_doc(3);
        let body = doc.get_or_insert_xml_fragment(BODY_ROOT);
        {
            let mut txn = doc.transact_mut();
            let p = paragraph(&mut txn, &body, 0);
            p.push_back(&mut txn, XmlTextPrelim::new("Cafe\u{301}"));
        }
        let mut meta = meta();
        meta.title = "Re\u{301}union".into();

        let content = project(&doc, &meta).unwrap();

        assert_eq!(content["body"][0]["content"][0]["text"], "Caf\u{e9}");
        assert_eq!(content["meeting"]["title"], "R\u{e9}union");
    }

    #[test]
    fn a_document_without_roots_projects_to_empty_minutes() {
        let content = project(&new_doc(5), &meta()).unwrap();

        assert_eq!(content["body"], json!([]));
        assert_eq!(content["agreed_items"], json!([]));
    }

    fn schema_error(build: impl FnOnce(&Doc)) -> (String, String) {
        let doc = new_doc(11);
        build(&doc);
        match project(&doc, &meta()) {
            Err(ProjectionError::Schema { at, reason }) => (at, reason),
            other => panic!("expected a schema error, got {other:?}"),
        }
    }

    #[test]
    fn an_unknown_element_is_refused() {
        let (at, reason) = schema_error(|doc| {
            let body = doc.get_or_insert_xml_fragment(BODY_ROOT);
            let mut txn = doc.transact_mut();
            paragraph(&mut txn, &body, 0);
            body.push_back(&mut txn, XmlElementPrelim::empty("table"));
        });

        assert_eq!(at, "body[1]");
        assert!(reason.contains("`table`"), "{reason}");
    }

    #[test]
    fn a_paragraph_directly_in_a_list_is_refused() {
        let (at, reason) = schema_error(|doc| {
            let body = doc.get_or_insert_xml_fragment(BODY_ROOT);
            let mut txn = doc.transact_mut();
            let list = body.push_back(&mut txn, XmlElementPrelim::empty("orderedList"));
            paragraph(&mut txn, &list, 0);
        });

        assert_eq!(at, "body[0].content[0]");
        assert!(reason.contains("list items"), "{reason}");
    }

    #[test]
    fn text_outside_a_block_is_refused() {
        let (at, _) = schema_error(|doc| {
            let body = doc.get_or_insert_xml_fragment(BODY_ROOT);
            let mut txn = doc.transact_mut();
            body.push_back(&mut txn, XmlTextPrelim::new("loose"));
        });

        assert_eq!(at, "body[0]");
    }

    #[test]
    fn an_unknown_mark_is_refused() {
        let (at, reason) = schema_error(|doc| {
            let body = doc.get_or_insert_xml_fragment(BODY_ROOT);
            let mut txn = doc.transact_mut();
            let p = paragraph(&mut txn, &body, 0);
            let text = p.push_back(&mut txn, XmlTextPrelim::new(""));
            text.insert_with_attributes(&mut txn, 0, "x", attrs(&[("highlight", pm_mark())]));
        });

        assert_eq!(at, "body[0].content[0]");
        assert!(reason.contains("`highlight`"), "{reason}");
    }

    #[test]
    fn a_heading_without_a_level_from_one_to_three_is_refused() {
        for level in [
            None,
            Some(Any::from("4")),
            Some(Any::Number(yrs::Number::Int(0))),
        ] {
            let (at, reason) = schema_error(|doc| {
                let body = doc.get_or_insert_xml_fragment(BODY_ROOT);
                let mut txn = doc.transact_mut();
                let heading = body.push_back(&mut txn, XmlElementPrelim::empty("heading"));
                if let Some(level) = level {
                    heading.insert_attribute(&mut txn, "level", level);
                }
            });

            assert_eq!(at, "body[0]");
            assert!(reason.contains("level"), "{reason}");
        }
    }

    #[test]
    fn an_agreed_item_with_a_bad_deadline_is_refused() {
        for deadline in [
            "2026-02-30",
            "2026-6-30",
            "30/06/2026",
            "２０２６-06-30",
            "",
        ] {
            let (at, reason) = schema_error(|doc| {
                let agreed = doc.get_or_insert_array(AGREED_ROOT);
                let mut txn = doc.transact_mut();
                agreed.push_back(&mut txn, agreed_item("做事", "org-court", deadline, "a"));
            });

            assert_eq!(at, "agreed[0]");
            assert!(reason.contains("deadline"), "{deadline}: {reason}");
        }
    }

    #[test]
    fn an_agreed_item_missing_a_field_or_with_an_unknown_one_is_refused() {
        let (_, reason) = schema_error(|doc| {
            let agreed = doc.get_or_insert_array(AGREED_ROOT);
            let mut txn = doc.transact_mut();
            agreed.push_back(
                &mut txn,
                MapPrelim::from([("text", "做事"), ("deadline", "2026-06-30")]),
            );
        });
        assert!(reason.contains("`org_id`"), "{reason}");

        let (_, reason) = schema_error(|doc| {
            let agreed = doc.get_or_insert_array(AGREED_ROOT);
            let mut txn = doc.transact_mut();
            agreed.push_back(
                &mut txn,
                MapPrelim::from([
                    ("text", "做事"),
                    ("org_id", "org-court"),
                    ("deadline", "2026-06-30"),
                    ("owner", "张三"),
                ]),
            );
        });
        assert!(reason.contains("`owner`"), "{reason}");

        let (_, reason) = schema_error(|doc| {
            let agreed = doc.get_or_insert_array(AGREED_ROOT);
            let mut txn = doc.transact_mut();
            agreed.push_back(&mut txn, ArrayPrelim::default());
        });
        assert!(reason.contains("map"), "{reason}");
    }

    #[test]
    fn bytes_that_are_not_a_state_are_refused() {
        let error = project_state(b"\xff\xff\xff", &meta()).unwrap_err();

        assert!(matches!(error, ProjectionError::State(_)), "{error:?}");
    }

    #[test]
    fn a_state_of_values_nested_too_deep_is_refused_without_recursing_into_it() {
        // An item whose content is arrays nested 100,000 deep (200 KB): yrs's decoder recursed
        // once per level and overflowed the thread's stack. A bundle sent to `POST /api/verify`
        // is projected from such bytes.
        let mut state = vec![1, 1, 1, 0, 8, 1, 4, b'r', b'o', b'o', b't', 1];
        for _ in 0..100_000 {
            state.extend([117, 1]);
        }
        state.extend([126, 0]);

        let error = project_state(&state, &meta()).unwrap_err();

        assert!(
            matches!(&error, ProjectionError::State(why) if why.contains("nested")),
            "{error:?}"
        );
    }

    #[test]
    fn a_state_missing_the_changes_it_builds_on_is_refused() {
        let doc = new_doc(17);
        let body = doc.get_or_insert_xml_fragment(BODY_ROOT);
        {
            let mut txn = doc.transact_mut();
            paragraph(&mut txn, &body, 0);
        }
        let before = doc.transact().state_vector();
        {
            let mut txn = doc.transact_mut();
            let Some(XmlOut::Element(p)) = body.get(&txn, 0) else {
                panic!("the paragraph is there");
            };
            p.push_back(&mut txn, XmlTextPrelim::new("later"));
        }
        let only_the_later_change = doc.transact().encode_state_as_update_v1(&before);

        let error = project_state(&only_the_later_change, &meta()).unwrap_err();

        assert!(matches!(error, ProjectionError::State(_)), "{error:?}");
    }

    #[test]
    fn agreed_items_are_read_back_typed_and_in_order() {
        let content = project(&straight_history(), &meta()).unwrap();

        assert_eq!(
            agreed_items(&content),
            vec![
                AgreedItem {
                    text: "完成整改".into(),
                    org_id: "org-court".into(),
                    deadline: "2026-06-30".into()
                },
                AgreedItem {
                    text: "报送材料".into(),
                    org_id: "org-audit".into(),
                    deadline: "2026-04-15".into()
                },
            ]
        );
    }

    fn hostile_content() -> Value {
        let doc = new_doc(13);
        let body = doc.get_or_insert_xml_fragment(BODY_ROOT);
        let agreed = doc.get_or_insert_array(AGREED_ROOT);
        {
            let mut txn = doc.transact_mut();
            let p = paragraph(&mut txn, &body, 0);
            let text = p.push_back(&mut txn, XmlTextPrelim::new("<script>alert(1)</script> & "));
            text.insert_with_attributes(
                &mut txn,
                28,
                "here",
                attrs(&[("link", pm_link("javascript:alert(2)"))]),
            );
            text.insert_with_attributes(
                &mut txn,
                32,
                " there",
                attrs(&[("link", pm_link("https://example.org/\"><script>"))]),
            );
            agreed.push_back(
                &mut txn,
                agreed_item(
                    "<img src=x onerror=alert(3)>",
                    "org-court",
                    "2026-06-30",
                    "a",
                ),
            );
        }
        let mut meta = meta();
        meta.title = "</title><script>alert(4)</script>".into();
        project(&doc, &meta).unwrap()
    }

    #[test]
    fn render_html_escapes_every_string_and_runs_no_script() {
        let html = render_html(&hostile_content());

        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; "),
            "{html}"
        );
        assert!(html.contains("<title>&lt;/title&gt;&lt;script&gt;alert(4)&lt;/script&gt;</title>"));
        assert!(html.contains("<span class=\"link\">here</span>"), "{html}");
        assert!(html.contains(
            "<a href=\"https://example.org/&quot;&gt;&lt;script&gt;\" rel=\"noopener noreferrer\"> there</a>"
        ));
        assert!(html.contains("default-src 'none'"));
    }

    #[test]
    fn render_html_is_deterministic() {
        let content = project(&straight_history(), &meta()).unwrap();
        let again = project_state(
            &winding_history()
                .transact()
                .encode_state_as_update_v1(&StateVector::default()),
            &meta(),
        )
        .unwrap();

        assert_eq!(render_html(&content), render_html(&content));
        assert_eq!(render_html(&content), render_html(&again));
    }

    #[test]
    fn render_html_shows_the_minutes() {
        let html = render_html(&project(&straight_history(), &meta()).unwrap());

        assert!(html.starts_with("<!DOCTYPE html>\n"));
        assert!(html.contains("<h1>2026 年度协调会议</h1>"));
        assert!(html.contains("<span class=\"label\">会议类型：</span>年度协调会议</p>"));
        assert!(
            html.contains("<span class=\"label\">时间：</span>2026年3月2日 9:30</p>"),
            "{html}"
        );
        assert!(html.contains("<h3>会议议题</h3>"));
        assert!(html.contains("<p>各单位同意<strong>按期完成</strong>整改，详见<a href=\"https://example.org/n?a=1&amp;b=2\" rel=\"noopener noreferrer\">通知</a>。</p>"));
        assert!(html.contains("<ul>\n<li>\n<p>第一项</p>\n</li>"));
        assert!(
            html.contains("<span class=\"label\">缺席：</span>市审计局</p>"),
            "{html}"
        );
        assert!(
            html.contains("<span class=\"label\">出席：</span>市中级人民法院（李四）</p>"),
            "{html}"
        );
        assert!(html.contains("责任单位：<span class=\"org\">市中级人民法院</span>；完成时限：<span class=\"deadline\">2026年6月30日</span>"), "{html}");
        assert!(!html.contains("m-1"), "{html}");
    }
}
