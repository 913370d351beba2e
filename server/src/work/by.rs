//! [`By`]: who performs an operation that both the API and the operator's shell perform
//! (creating a user, setting a password, importing the directory, loading the calendar).
//!
//! A request has a [`Caller`]: the policy decides what they may do, and the audit trail names
//! them. The shell (`concord admin …`) has no one signed in: whoever can run the binary against
//! the data directory already holds every power the policy could grant, so it is not asked,
//! and the audit rows name no actor and say `"via": "cli"` in their detail. An operation
//! written against `By` does the same work for both and differs only there.
//!
//! This module must never decide anything for a caller itself: [`By::allow`] asks
//! [`Caller::allow`], which asks the policy.

use serde_json::{json, Value};

use super::{Acting, Error};
use crate::auth::Caller;
use crate::db::{now_unix_ms, AuditEvent, Db};
use crate::domain::policy::Action;

/// The shell as the audit trail records it: no user, no organization, no address.
const SHELL: Acting = Acting {
    user_id: None,
    name: None,
    org_id: None,
    ip: None,
};

/// Who performs an operation.
#[derive(Debug, Clone, Copy)]
pub enum By<'a> {
    /// Someone who called the API, as a person (session) or an agency system (token).
    Caller(&'a Caller),
    /// The operator at the shell.
    Shell,
}

impl By<'_> {
    /// Asks the policy for a caller (a refusal is audited); the shell may do anything.
    pub async fn allow(self, db: &Db, action: Action<'_>) -> Result<(), Error> {
        match self {
            By::Caller(caller) => Ok(caller.allow(db, action).await?),
            By::Shell => Ok(()),
        }
    }

    /// An audit row for something done now: naming the caller, or no one `via` the shell
    /// (`detail` is an object).
    pub fn event(self, action: &str, target: String, detail: Value) -> AuditEvent {
        match self {
            By::Caller(caller) => caller.event(action, target, detail),
            By::Shell => {
                let mut detail = detail;
                detail["via"] = json!("cli");
                SHELL.audit(now_unix_ms(), action, target, detail)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shell_is_recorded_as_no_one_via_the_command_line() {
        let event = By::Shell.event("password_reset", "user:u1".into(), json!({ "sessions": 2 }));

        assert_eq!(event.actor_user_id, None);
        assert_eq!(event.actor_org_id, None);
        assert_eq!(event.ip, None);
        assert_eq!(event.target, "user:u1");
        assert_eq!(event.detail, json!({ "sessions": 2, "via": "cli" }));
    }
}
