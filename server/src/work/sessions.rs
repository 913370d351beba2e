//! Sessions as an operation: ending them, and telling the open sockets they opened.

use serde_json::json;

use super::Error;
use crate::auth::Caller;
use crate::db::now_unix_ms;
use crate::services::{AccessChange, Services};

/// Ends every session of `user_id` except `keep`, and tells their open sockets, which close
/// with 4403 at once. Each ending is an audit row naming `caller`.
pub async fn end_other_sessions(
    services: &Services,
    caller: &Caller,
    user_id: &str,
    keep: Option<&str>,
) -> Result<(), Error> {
    let now = now_unix_ms();
    for session in services.db.list_sessions(user_id, now).await? {
        if Some(session.id.as_str()) == keep {
            continue;
        }
        let event = caller.event(
            "session_revoked",
            format!("session:{}", session.id),
            json!({}),
        );
        services
            .db
            .revoke_session(&session.id, user_id, now, &event)
            .await?;
        services.access.announce(AccessChange {
            credential: Some(format!("session:{}", session.id)),
            ..AccessChange::default()
        });
    }
    Ok(())
}
