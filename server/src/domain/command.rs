//! Typed commands: each workflow's commands are one enum whose variants carry exactly their
//! fields (`Submit { revision, feedback }`), read from a body tagged with the command's name
//! (`{"command": "submit", "revision": 3, "feedback": "…"}`), so an operation `match`es on
//! what was asked and never checks by hand which field goes with which command.
//!
//! `commands!` declares such an enum. Besides the enum (with `Serialize` and the OpenAPI
//! schema of the tagged body) it makes its `Deserialize`, which differs from serde's own
//! internally tagged reading in two ways that matter to the person who sent the body:
//!
//! - it keeps the path of a field's error, so a refused text says which field ("feedback must
//!   not be empty"; serde buffers an internally tagged body and loses it), by reading the body
//!   as the externally tagged `{"submit": {…}}` through `serde_path_to_error`;
//! - a field that is missing or does not belong to the command is explained in the workflow's
//!   words ([`CommandShape`]): "feedback is given only when submitting" rather than serde's
//!   list of expected fields.
//!
//! A field the command does not take is refused (`deny_unknown_fields`), as is a command the
//! enum does not have ("unknown variant"). Like the rest of [`crate::domain`], nothing here
//! does I/O.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use super::text;

/// A workflow's words for a command's fields that are missing or misplaced. Either answer
/// may be `None`, and serde's own sentence ("missing field `revision`") stands.
pub trait CommandShape {
    /// The sentence when `command` lacks its required `field`.
    fn missing(command: &str, field: &str) -> Option<String>;
    /// The sentence when `field` is given to `command`, which does not take it.
    fn misplaced(command: &str, field: &str) -> Option<String>;
}

/// Reads a tagged command body with the externally tagged `read` that `commands!` derives:
/// `{tag: "submit", …fields}` becomes `{"submit": {…fields}}`, and an error is explained by
/// `T`'s [`CommandShape`] or names the field it concerns.
pub fn read<'de, T, D>(
    deserializer: D,
    tag: &'static str,
    read: impl FnOnce(Value, &mut serde_path_to_error::Track) -> Result<T, serde_json::Error>,
) -> Result<T, D::Error>
where
    T: CommandShape,
    D: Deserializer<'de>,
{
    let mut fields = Map::<String, Value>::deserialize(deserializer)?;
    let command = match fields.remove(tag) {
        Some(Value::String(command)) => command,
        Some(other) => {
            return Err(D::Error::custom(format!(
                "{tag} must be the command's name, not {other}"
            )))
        }
        None => return Err(D::Error::missing_field(tag)),
    };
    let external = Value::Object(Map::from_iter([(command.clone(), Value::Object(fields))]));
    let mut track = serde_path_to_error::Track::new();
    read(external, &mut track)
        .map_err(|error| D::Error::custom(explain::<T>(&command, track.path(), &error)))
}

/// The sentence for an error in reading `command`'s fields.
fn explain<T: CommandShape>(
    command: &str,
    path: serde_path_to_error::Path,
    error: &serde_json::Error,
) -> String {
    let message = error.to_string();
    // serde's own words, which it has used since 1.0: "missing field `x`", "unknown field `x`,
    // expected …".
    let field = |opening: &str| {
        message
            .strip_prefix(opening)
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned)
    };
    let explained = if let Some(missing) = field("missing field `") {
        T::missing(command, &missing)
    } else if let Some(misplaced) = field("unknown field `") {
        T::misplaced(command, &misplaced)
    } else {
        None
    };
    explained.unwrap_or_else(|| text::name_field(&path, message))
}

/// Declares a workflow's commands as one enum tagged by `$tag` (`"command"`, `"answer"`),
/// with its schema, `Serialize` and the `Deserialize` of [`read`]. The enum must implement
/// [`CommandShape`]. Field attributes are serde's only (they are repeated on the reading side).
macro_rules! commands {
    (
        $(#[$meta:meta])*
        pub enum $name:ident tagged $tag:tt {
            $(
                $(#[$vmeta:meta])*
                $variant:ident { $( $(#[$fmeta:meta])* $field:ident : $ty:ty ),* $(,)? }
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, ::serde::Serialize, ::utoipa::ToSchema)]
        #[serde(tag = $tag, rename_all = "snake_case", deny_unknown_fields)]
        pub enum $name {
            $( $(#[$vmeta])* $variant { $( $(#[$fmeta])* $field: $ty ),* } ),+
        }

        const _: () = {
            type Tagged = $name;

            /// The same commands read as `{"<command>": {…fields}}`, so the path of an error
            /// survives (an internally tagged enum is buffered by serde and loses it).
            #[derive(::serde::Deserialize)]
            #[serde(remote = "Tagged", rename_all = "snake_case", deny_unknown_fields)]
            #[allow(dead_code)]
            enum External {
                $( $variant { $( $(#[$fmeta])* $field: $ty ),* } ),+
            }

            impl<'de> ::serde::Deserialize<'de> for $name {
                fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<$name, D::Error> {
                    $crate::domain::command::read(deserializer, $tag, |body, track| {
                        External::deserialize(::serde_path_to_error::Deserializer::new(body, track))
                    })
                }
            }
        };
    };
}

pub(crate) use commands;

#[cfg(test)]
mod tests {
    use super::super::text::{Reason, Text};
    use super::*;

    commands! {
        /// Two commands, for the tests.
        pub enum Probe tagged "command" {
            /// Needs feedback.
            Submit { revision: i64, feedback: Text },
            /// Takes an optional reason.
            Start {
                revision: i64,
                #[serde(default, deserialize_with = "crate::domain::text::optional")]
                reason: Option<Reason>,
            },
        }
    }

    impl CommandShape for Probe {
        fn missing(command: &str, field: &str) -> Option<String> {
            (field == "feedback").then(|| format!("feedback is required to {command}"))
        }
        fn misplaced(_: &str, field: &str) -> Option<String> {
            (field == "feedback").then(|| "feedback is given only when submitting".into())
        }
    }

    fn read(json: serde_json::Value) -> Result<Probe, String> {
        serde_json::from_value(json).map_err(|e| e.to_string())
    }

    #[test]
    fn a_command_reads_its_own_fields() {
        let probe =
            read(serde_json::json!({ "command": "submit", "revision": 2, "feedback": " 已办 " }));
        assert_eq!(
            probe,
            Ok(Probe::Submit {
                revision: 2,
                feedback: Text::parse("feedback", "已办").unwrap()
            })
        );
        let probe = read(serde_json::json!({ "command": "start", "revision": 2, "reason": "  " }));
        assert_eq!(
            probe,
            Ok(Probe::Start {
                revision: 2,
                reason: None
            })
        );
    }

    #[test]
    fn what_is_written_is_read_back() {
        let probe = Probe::Start {
            revision: 7,
            reason: Some(Reason::parse("reason", "按期").unwrap()),
        };
        let json = serde_json::to_value(&probe).unwrap();
        assert_eq!(json["command"], "start");
        assert_eq!(read(json), Ok(probe));
    }

    #[test]
    fn a_missing_or_misplaced_field_is_explained_in_the_workflows_words() {
        let refused = |json| read(json).unwrap_err();
        assert_eq!(
            refused(serde_json::json!({ "command": "submit", "revision": 2 })),
            "feedback is required to submit"
        );
        assert_eq!(
            refused(serde_json::json!({ "command": "start", "revision": 2, "feedback": "x" })),
            "feedback is given only when submitting"
        );
        assert_eq!(
            refused(serde_json::json!({ "command": "start" })),
            "missing field `revision`"
        );
        assert!(refused(serde_json::json!({ "revision": 2 })).contains("missing field `command`"));
        assert!(
            refused(serde_json::json!({ "command": "finish", "revision": 2 }))
                .starts_with("unknown variant `finish`")
        );
        assert!(
            refused(serde_json::json!({ "command": "start", "revision": "2" }))
                .starts_with("revision: invalid type")
        );
    }

    #[test]
    fn a_refused_text_names_its_field() {
        let refused =
            read(serde_json::json!({ "command": "submit", "revision": 2, "feedback": " " }));
        assert_eq!(refused.unwrap_err(), "feedback must not be empty");
    }
}
