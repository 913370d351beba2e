//! [`Error`]: what an operation answers when it does not do what was asked.
//!
//! Each variant is a kind of answer a person or an agency system can act on, not a status
//! code: the HTTP layer turns it into one (one `From` in `crate::error`), the
//! command line into a message ([`crate::admin`]), and the job worker into a retry or a
//! permanent failure. Messages are written for a person and never carry internal detail;
//! [`Error::Storage`] and [`Error::Internal`] keep their cause for the logs only.

use crate::auth::AuthError;
use crate::db::DbError;
use crate::domain::message::Message;
use crate::domain::phrases;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The caller is not signed in, or the credentials given are wrong; the message says what
    /// to do.
    #[error("{0}")]
    Unauthenticated(Message),
    /// The policy, or who the caller acts for, forbids this; the message names the rule.
    #[error("{0}")]
    Denied(Message),
    /// What was named does not exist, or the caller may not know that it does.
    #[error("{0}")]
    NotFound(Message),
    /// A rule of the work refuses this now (a transition the state does not allow, a
    /// signature out of turn); the message names the rule.
    #[error("{rule}")]
    Refused { rule: Message },
    /// The input is unusable: `why` says how, for a person; `field` names the field.
    #[error("{why}")]
    Invalid { field: &'static str, why: Message },
    /// The thing was changed by someone else since the caller read it; reload and retry.
    #[error("{0}")]
    Stale(Message),
    /// It conflicts with what is stored (a duplicate).
    #[error("{0}")]
    Conflict(Message),
    /// Too many attempts (failed sign-ins from one address, wrong passwords for one account);
    /// the message says when to try again.
    #[error("{0}")]
    TooManyAttempts(Message),
    /// The database failed; its cause is for logs only.
    #[error("storage failed: {0}")]
    Storage(#[source] DbError),
    /// Something the operation needs (a document's storage) is unavailable right now; try
    /// again shortly. Its cause is for logs only.
    #[error("unavailable: {0}")]
    Unavailable(#[source] anyhow::Error),
    /// A bug or an unexpected failure; its cause is for logs only.
    #[error("internal error: {0}")]
    Internal(#[source] anyhow::Error),
}

impl Error {
    /// An unusable value of `field`.
    pub fn invalid(field: &'static str, why: impl Into<Message>) -> Error {
        Error::Invalid {
            field,
            why: why.into(),
        }
    }

    /// A refusal by a rule that is not a transition of a state machine.
    pub fn refused(rule: impl Into<Message>) -> Error {
        Error::Refused { rule: rule.into() }
    }

    /// What the refusal says to a person; `None` for a failure of the server, whose cause is
    /// for the logs only.
    pub fn message(&self) -> Option<&Message> {
        match self {
            Error::Unauthenticated(m)
            | Error::Denied(m)
            | Error::NotFound(m)
            | Error::Stale(m)
            | Error::Conflict(m)
            | Error::TooManyAttempts(m)
            | Error::Refused { rule: m }
            | Error::Invalid { why: m, .. } => Some(m),
            Error::Storage(_) | Error::Unavailable(_) | Error::Internal(_) => None,
        }
    }

    /// An unexpected failure, with its cause for the logs.
    pub fn internal(cause: impl std::fmt::Display) -> Error {
        Error::Internal(anyhow::anyhow!("{cause}"))
    }
}

impl From<crate::domain::task::Refused> for Error {
    fn from(refused: crate::domain::task::Refused) -> Error {
        Error::Refused {
            rule: refused.message(),
        }
    }
}

impl From<crate::domain::policy::Denied> for Error {
    fn from(denied: crate::domain::policy::Denied) -> Error {
        Error::Denied(denied.message())
    }
}

impl From<crate::domain::org::Invalid> for Error {
    fn from(invalid: crate::domain::org::Invalid) -> Error {
        Error::invalid("body", invalid.0)
    }
}

impl From<DbError> for Error {
    fn from(e: DbError) -> Error {
        match e {
            DbError::Conflict(_) => Error::Conflict(phrases::SAME_CODE_OR_NAME.message()),
            DbError::MissingReference(_) => {
                Error::invalid("body", phrases::MISSING_REFERENCE.message())
            }
            DbError::Unstorable(_) => Error::invalid("body", phrases::UNSTORABLE.message()),
            DbError::Rule(rule) => Error::Refused { rule },
            DbError::NotFound(what) => Error::NotFound(what),
            e => Error::Storage(e),
        }
    }
}

impl From<AuthError> for Error {
    fn from(e: AuthError) -> Error {
        match e {
            AuthError::Denied(denied) => denied.into(),
            AuthError::Unauthenticated(m) => Error::Unauthenticated(m),
            AuthError::Forbidden(m) => Error::Denied(m),
            AuthError::NotFound(m) => Error::NotFound(m),
            AuthError::Invalid { field, why } => Error::Invalid { field, why },
            AuthError::Db(e) => e.into(),
            AuthError::Internal(e) => Error::Internal(e),
        }
    }
}

impl From<collab::Error> for Error {
    fn from(e: collab::Error) -> Error {
        match e {
            collab::Error::AccessDenied => Error::Denied(phrases::NO_DOCUMENT_ACCESS.message()),
            e @ (collab::Error::Store(_) | collab::Error::StorageFailed { .. }) => {
                Error::Unavailable(e.into())
            }
            e @ collab::Error::CorruptStoredState { .. } => Error::Internal(e.into()),
        }
    }
}
