//! What people write into the work (a title, a body, a reason, feedback, a note, a file's
//! name) as newtypes that parse once: a [`Title`] that exists is trimmed, not empty, one line
//! and at most 200 characters, so no operation checks it again.
//!
//! They parse on deserialization (`serde(try_from = "String")`), or explicitly with
//! `Title::parse(field, value)` where the text comes from elsewhere (an agreed item of signed
//! minutes becoming a task). A refusal ([`Refusal`]) is a predicate that reads after the field's
//! name ("must not be empty", "is longer than 200 characters"): the JSON extractor, which
//! knows the field (`serde_path_to_error`), puts its name in front ([`name_field`]), so a
//! person reads "feedback must not be empty".
//!
//! Lengths are counted in characters, not bytes: Chinese text is short in characters and long
//! in bytes. This module must never do I/O; like the rest of [`crate::domain`], it takes
//! plain values.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;

/// The longest title of a task, notice, meeting or agenda item: a line, not a document.
pub const MAX_TITLE_CHARS: usize = 200;

/// The longest body, feedback, comment, reply or reason, in characters. Documents belong in
/// attachments or in a space's documents, not here.
pub const MAX_TEXT_CHARS: usize = 20_000;

/// The longest note: what a notice or an agenda carries besides its own text (a meeting's
/// reason for cancelling, an agenda note, what the feedback must contain).
pub const MAX_NOTE_CHARS: usize = 2_000;

/// The longest short line: a place, a person named as attendee or delegate, a file's name.
pub const MAX_LINE_CHARS: usize = 200;

/// The longest reference to where something came from, or an online meeting's address.
pub const MAX_REFERENCE_CHARS: usize = 2_000;

/// Why a text was refused: a predicate to put after the field's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Empty,
    TooLong {
        max: usize,
    },
    /// A line with a line break or another control character.
    NotOneLine,
    /// A longer text with a control character other than a line break or a tab.
    ControlCharacters,
    /// An address that is not a URL.
    NotWebAddress,
    /// A URL of another scheme than `https` or `http`, or without a host.
    NotHttp,
}

impl Refusal {
    /// How every refusal begins, so a message can be recognised as one ([`is_refusal`]).
    const OPENINGS: [&'static str; 6] = [
        "must not be empty",
        "is longer than ",
        "must be one line",
        "must not contain control characters",
        "must be a web address",
        "must be an https:// or http:// address",
    ];

    /// The sentence a person reads: `field` and the predicate.
    pub fn of(self, field: &str) -> String {
        format!("{field} {self}")
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Empty => f.write_str("must not be empty"),
            Refusal::TooLong { max } => write!(f, "is longer than {max} characters"),
            Refusal::NotOneLine => f.write_str("must be one line without control characters"),
            Refusal::ControlCharacters => f.write_str("must not contain control characters"),
            Refusal::NotWebAddress => {
                f.write_str("must be a web address such as https://meet.example.gov.cn/123")
            }
            Refusal::NotHttp => f.write_str("must be an https:// or http:// address"),
        }
    }
}

impl std::error::Error for Refusal {}

/// Whether `message` (an error's text, perhaps with serde's " at line 1 column 9" after it)
/// is a [`Refusal`], which reads after the field's name.
pub fn is_refusal(message: &str) -> bool {
    Refusal::OPENINGS.iter().any(|o| message.starts_with(o))
}

/// An error's message with the field it concerns: "title must not be empty" for a
/// [`Refusal`], "invited\[1\].role: unknown variant …" for anything else, the message alone at
/// the top of the body. Enum variants on the way (a command's name) are left out of the path.
pub fn name_field(path: &serde_path_to_error::Path, message: String) -> String {
    use serde_path_to_error::Segment;
    let mut field = String::new();
    for segment in path {
        match segment {
            Segment::Map { key } => {
                if !field.is_empty() {
                    field.push('.');
                }
                field.push_str(key);
            }
            Segment::Seq { index } => field.push_str(&format!("[{index}]")),
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    if field.is_empty() {
        message
    } else if is_refusal(&message) {
        format!("{field} {message}")
    } else {
        format!("{field}: {message}")
    }
}

/// Why a value given by `field` was refused, in a sentence naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{why}")]
pub struct Invalid {
    pub field: &'static str,
    pub why: String,
}

impl Invalid {
    fn of(field: &'static str, refusal: Refusal) -> Invalid {
        Invalid {
            field,
            why: refusal.of(field),
        }
    }
}

/// One line or several.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// No line breaks or other control characters: a title, a name.
    Line,
    /// Line breaks and tabs allowed, other control characters not: a body, a reason.
    Lines,
}

/// The text trimmed, or why not: not empty, at most `max` characters, of its shape.
fn checked(value: &str, shape: Shape, max: usize) -> Result<String, Refusal> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Refusal::Empty);
    }
    if value.chars().count() > max {
        return Err(Refusal::TooLong { max });
    }
    match shape {
        Shape::Line if value.chars().any(char::is_control) => Err(Refusal::NotOneLine),
        Shape::Lines
            if value
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) =>
        {
            Err(Refusal::ControlCharacters)
        }
        _ => Ok(value.to_owned()),
    }
}

/// A longer text of `field` (line breaks allowed) of at most `max` characters, trimmed. For
/// callers whose inputs do not yet arrive as one of the types below.
pub fn lines(field: &'static str, value: &str, max: usize) -> Result<String, Invalid> {
    checked(value, Shape::Lines, max).map_err(|r| Invalid::of(field, r))
}

/// For `#[serde(default, deserialize_with = "crate::domain::text::optional")]`: an absent,
/// `null` or blank text is `None`; anything else must parse.
pub fn optional<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<String, Error = Refusal>,
{
    match Option::<String>::deserialize(deserializer)? {
        Some(text) if !text.trim().is_empty() => T::try_from(text)
            .map(Some)
            .map_err(serde::de::Error::custom),
        _ => Ok(None),
    }
}

/// A string schema with its limits, for the OpenAPI description.
fn string_schema(max: usize, description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(max))
        .description(Some(description))
        .into()
}

/// A text type: its rules ([`Shape`] and length), parsing, serde and the OpenAPI schema.
macro_rules! text_type {
    ($(#[$meta:meta])* $name:ident, $shape:expr, $max:expr, $description:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The most characters it may have.
            pub const MAX_CHARS: usize = $max;

            /// Parses a text that did not arrive by deserialization; a refusal names `field`.
            pub fn parse(field: &'static str, value: &str) -> Result<$name, Invalid> {
                checked(value, $shape, $max)
                    .map($name)
                    .map_err(|r| Invalid::of(field, r))
            }

            /// Like [`parse`](Self::parse), but an absent or blank value is `None`.
            pub fn parse_optional(
                field: &'static str,
                value: Option<&str>,
            ) -> Result<Option<$name>, Invalid> {
                match value.map(str::trim) {
                    None | Some("") => Ok(None),
                    Some(value) => $name::parse(field, value).map(Some),
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = Refusal;
            fn try_from(value: String) -> Result<$name, Refusal> {
                checked(&value, $shape, $max).map($name)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                string_schema($max, $description)
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    };
}

text_type!(
    /// A title (of a task, a notice, a meeting, an agenda item): one line, at most
    /// [`MAX_TITLE_CHARS`].
    Title,
    Shape::Line,
    MAX_TITLE_CHARS,
    "one line, trimmed, 1 to 200 characters"
);

text_type!(
    /// A text a person wrote (a body, feedback, a comment, a reply): line breaks allowed, at
    /// most [`MAX_TEXT_CHARS`].
    Text,
    Shape::Lines,
    MAX_TEXT_CHARS,
    "text, trimmed, 1 to 20000 characters; line breaks allowed"
);

text_type!(
    /// Why a command is given (returning, reopening or cancelling a task, recalling a notice,
    /// asking for more time): like [`Text`], kept apart so a reason is never taken for a body.
    Reason,
    Shape::Lines,
    MAX_TEXT_CHARS,
    "why, trimmed, 1 to 20000 characters; line breaks allowed"
);

text_type!(
    /// A note that a notice or an agenda carries besides its own text (why a meeting is
    /// cancelled or postponed, an agenda note, what a task's feedback must contain): line
    /// breaks allowed, at most [`MAX_NOTE_CHARS`].
    Note,
    Shape::Lines,
    MAX_NOTE_CHARS,
    "a note, trimmed, 1 to 2000 characters; line breaks allowed"
);

text_type!(
    /// A short line: a place, the person who attends a meeting or stands in for a body. At
    /// most [`MAX_LINE_CHARS`].
    Line,
    Shape::Line,
    MAX_LINE_CHARS,
    "one line, trimmed, 1 to 200 characters"
);

text_type!(
    /// Where something came from (a meeting's id, a dispute's number): one line, at most
    /// [`MAX_REFERENCE_CHARS`].
    Reference,
    Shape::Line,
    MAX_REFERENCE_CHARS,
    "one line, trimmed, 1 to 2000 characters"
);

/// The address of an online meeting: an `https://` or `http://` URL with a host, one line, at
/// most [`MAX_REFERENCE_CHARS`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WebLink(String);

impl WebLink {
    fn checked(value: &str) -> Result<WebLink, Refusal> {
        let link = checked(value, Shape::Line, MAX_REFERENCE_CHARS)?;
        let parsed = url::Url::parse(&link).map_err(|_| Refusal::NotWebAddress)?;
        if !matches!(parsed.scheme(), "https" | "http") || parsed.host_str().is_none() {
            return Err(Refusal::NotHttp);
        }
        Ok(WebLink(link))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for WebLink {
    type Error = Refusal;
    fn try_from(value: String) -> Result<WebLink, Refusal> {
        WebLink::checked(&value)
    }
}

impl From<WebLink> for String {
    fn from(value: WebLink) -> String {
        value.0
    }
}

impl utoipa::PartialSchema for WebLink {
    fn schema() -> RefOr<Schema> {
        string_schema(
            MAX_REFERENCE_CHARS,
            "an https:// or http:// address, e.g. https://meet.example.gov.cn/123",
        )
    }
}

impl utoipa::ToSchema for WebLink {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("WebLink")
    }
}

/// An attached file's name as the person knows it (`现场照片.jpg`): a plain name, not a path;
/// at most [`MAX_LINE_CHARS`], no `/` or `\`, not `.` or `..`, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName(String);

impl FileName {
    /// Parses the name an upload gives (`?name=`); `None` when the address gives none.
    pub fn parse(name: Option<&str>) -> Result<FileName, Invalid> {
        let refuse = |why: String| Invalid { field: "name", why };
        let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) else {
            return Err(refuse(
                "name the file: add ?name=<file name> to the address".into(),
            ));
        };
        if name.chars().count() > MAX_LINE_CHARS {
            return Err(refuse(format!(
                "the file name is longer than {MAX_LINE_CHARS} characters"
            )));
        }
        if name.contains(['/', '\\']) || name == "." || name == ".." {
            return Err(refuse(
                "the file name must be a plain name, without / or \\".into(),
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(refuse(
                "the file name must not contain control characters".into(),
            ));
        }
        Ok(FileName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A media type as a request's `Content-Type` gives it: `type/subtype` with optional
/// parameters, printable ASCII, at most 127 bytes; `application/octet-stream` when none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaType(String);

impl MediaType {
    pub fn parse(value: Option<&str>) -> Result<MediaType, Invalid> {
        let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
            return Ok(MediaType("application/octet-stream".into()));
        };
        let essence = value.split(';').next().unwrap_or("").trim();
        let token = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c))
        };
        let valid = value.len() <= 127
            && value.chars().all(|c| c.is_ascii() && !c.is_ascii_control())
            && essence
                .split_once('/')
                .is_some_and(|(t, s)| token(t) && token(s));
        if !valid {
            return Err(Invalid {
                field: "content_type",
                why: "Content-Type must be a media type such as application/pdf".into(),
            });
        }
        Ok(MediaType(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_is_trimmed_and_must_be_one_short_line() {
        assert_eq!(
            Title::parse("title", "  督办事项 ").unwrap().as_str(),
            "督办事项"
        );
        let refused = |value: &str| Title::parse("title", value).unwrap_err().why;
        assert_eq!(refused("   "), "title must not be empty");
        assert_eq!(
            refused("a\nb"),
            "title must be one line without control characters"
        );
        assert_eq!(
            refused(&"长".repeat(201)),
            "title is longer than 200 characters"
        );
        assert!(Title::parse("title", &"长".repeat(200)).is_ok());
    }

    #[test]
    fn a_text_keeps_its_lines_and_refuses_other_control_characters() {
        assert_eq!(Text::parse("body", " a\nb ").unwrap().as_str(), "a\nb");
        assert_eq!(
            Text::parse("body", "a\u{0}b").unwrap_err().why,
            "body must not contain control characters"
        );
        assert!(Note::parse("note", &"x".repeat(MAX_NOTE_CHARS + 1)).is_err());
        assert!(Reason::parse("reason", &"x".repeat(MAX_NOTE_CHARS + 1)).is_ok());
    }

    #[test]
    fn a_text_parses_on_deserialization_and_says_what_is_wrong() {
        #[derive(Debug, Deserialize)]
        struct Input {
            title: Title,
            #[serde(default, deserialize_with = "optional")]
            note: Option<Note>,
        }
        let parse = |json: &str| {
            let de = &mut serde_json::Deserializer::from_str(json);
            serde_path_to_error::deserialize::<_, Input>(de)
        };

        let input = parse(r#"{"title": " 核查 ", "note": "  "}"#).unwrap();
        assert_eq!(input.title.as_str(), "核查");
        assert_eq!(input.note, None);

        let error = parse(r#"{"title": ""}"#).unwrap_err();
        let message = name_field(error.path(), error.inner().to_string());
        assert!(message.starts_with("title must not be empty"), "{message}");
        let error = parse(r#"{"title": 4}"#).unwrap_err();
        let message = name_field(error.path(), error.inner().to_string());
        assert!(message.starts_with("title: invalid type"), "{message}");
    }

    #[test]
    fn every_refusal_is_recognised_as_one() {
        for refusal in [
            Refusal::Empty,
            Refusal::TooLong { max: 3 },
            Refusal::NotOneLine,
            Refusal::ControlCharacters,
            Refusal::NotWebAddress,
            Refusal::NotHttp,
        ] {
            assert!(is_refusal(&refusal.to_string()), "{refusal}");
        }
        assert!(!is_refusal("missing field `title`"));
        assert!(!is_refusal("invalid type: integer `4`, expected a string"));
    }

    #[test]
    fn a_web_link_is_an_http_address() {
        assert!(WebLink::try_from("https://meet.example.gov.cn/1".to_owned()).is_ok());
        assert_eq!(
            WebLink::try_from("ftp://x.example".to_owned()),
            Err(Refusal::NotHttp)
        );
        assert_eq!(
            WebLink::try_from("javascript:alert(1)".to_owned()),
            Err(Refusal::NotHttp)
        );
        assert_eq!(
            WebLink::try_from("会议链接".to_owned()),
            Err(Refusal::NotWebAddress)
        );
    }

    #[test]
    fn an_attachment_name_is_a_plain_file_name() {
        assert_eq!(
            FileName::parse(Some(" 现场照片.jpg ")).unwrap().as_str(),
            "现场照片.jpg"
        );
        for bad in [
            None,
            Some(""),
            Some("a/b"),
            Some("a\\b"),
            Some(".."),
            Some("a\u{7}b"),
        ] {
            assert!(FileName::parse(bad).is_err(), "{bad:?}");
        }
        assert!(FileName::parse(Some(&"名".repeat(MAX_LINE_CHARS + 1))).is_err());
    }

    #[test]
    fn a_media_type_is_checked_and_defaults_to_bytes() {
        assert_eq!(
            MediaType::parse(None).unwrap().as_str(),
            "application/octet-stream"
        );
        assert_eq!(
            MediaType::parse(Some("text/plain; charset=utf-8"))
                .unwrap()
                .as_str(),
            "text/plain; charset=utf-8"
        );
        for bad in ["pdf", "text/", "/plain", "text/plain\r\nX: y", "文本/plain"] {
            assert!(MediaType::parse(Some(bad)).is_err(), "{bad}");
        }
    }
}
