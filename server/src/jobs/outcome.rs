//! What a job's run ends with, and what the job handlers share: a [`Failure`] (retried or
//! not), the audit row and history stamp of something the system did on its own, and reading
//! a job's payload.

use serde_json::{json, Value};

use crate::db::{AuditEvent, Job, Stamp};

/// A job that did not succeed: whether to try again (with backoff), and why.
#[derive(Debug)]
pub(super) struct Failure {
    pub(super) message: String,
    pub(super) retry: bool,
}

impl Failure {
    pub(super) fn retry(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            retry: true,
        }
    }

    pub(super) fn permanent(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            retry: false,
        }
    }
}

impl From<crate::db::DbError> for Failure {
    fn from(err: crate::db::DbError) -> Failure {
        Failure::retry(err.to_string())
    }
}

/// The audit row of something the system did on its own.
pub(super) fn system_audit(
    at: i64,
    action: &str,
    target: String,
    job: &Job,
    detail: Value,
) -> AuditEvent {
    let mut detail = detail;
    detail["via"] = json!("job");
    detail["job_id"] = json!(job.id);
    AuditEvent {
        at,
        actor_user_id: None,
        actor_org_id: None,
        action: action.to_owned(),
        target,
        detail,
        ip: None,
    }
}

/// The system, as the author of a history line.
pub(super) fn system_stamp(at: i64) -> Stamp {
    Stamp {
        at,
        user_id: None,
        name: Some("系统 / System".into()),
        org_id: None,
    }
}

pub(super) fn str_field<'a>(payload: &'a Value, name: &str) -> Result<&'a str, Failure> {
    payload[name]
        .as_str()
        .ok_or_else(|| Failure::permanent(format!("the job has no {name}")))
}
