//! Who may do what. Every access decision goes through [`authorize_doc`]: the one
//! authorization point for documents.
//!
//! Until logins exist, a client proves who it is with a ticket (see [`ticket`]); identity (#3)
//! will add sessions that mint the same tickets, so this check stays the only one.

pub mod ticket;

use collab::{Access, DocId, Principal};

use crate::config::TicketAccess;
use crate::error::ApiError;
pub use ticket::TicketKey;

/// Decides whether the bearer of `ticket` may open `doc`, and with which access.
pub fn authorize_doc(
    key: &TicketKey,
    ticket: Option<&str>,
    doc: &DocId,
) -> Result<(Principal, Access), ApiError> {
    let ticket = ticket.ok_or(ApiError::Unauthenticated(
        "a ticket is required: add ?ticket=…",
    ))?;
    let claims = key.verify(ticket).map_err(ApiError::Unauthenticated)?;
    if claims.doc != doc.as_str() {
        return Err(ApiError::Unauthenticated(
            "the ticket is for another document",
        ));
    }
    let access = match claims.access {
        TicketAccess::Read => Access::Read,
        TicketAccess::Write => Access::Write,
    };
    let principal = Principal {
        user_id: claims.user,
        name: claims.name,
        org: claims.org,
    };
    Ok((principal, access))
}
