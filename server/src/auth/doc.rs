//! Who may open a document over a websocket, and whether they still may: the one
//! authorization point for documents, asked when a socket opens and again when access may
//! have dropped.
//!
//! It must never decide access itself: the policy ([`policy::doc_access`]) does, from the
//! document's space.

use axum::http::HeaderMap;
use axum_extra::extract::CookieJar;
use collab::{Access, DocId, Principal};

use super::caller::{bearer, caller_from_session, caller_from_token, session_caller, token_caller};
use super::session::{self, ClientInfo};
use super::{origin_matches, AuthError, Caller, Identity, TicketKey};
use crate::config::TicketAccess;
use crate::db::{now_unix_ms, Db, DbError, Space, SpaceDoc};
use crate::domain::org::DocRole;
use crate::domain::phrases;
use crate::domain::policy::{self, Actor, DocFacts};

/// What [`authorize_doc`] needs: the database, the sign-in settings and the ticket key.
#[derive(Clone, Copy)]
pub struct DocGate<'a> {
    pub db: &'a Db,
    pub identity: &'a Identity,
    pub tickets: &'a TicketKey,
}

/// Who may open `doc` over a websocket, and with which access: the one authorization point
/// for documents.
///
/// A ticket is checked by signature and expiry (it was minted by the policy a moment ago); an
/// API token (`Authorization: Bearer`) and a session cookie (which must come with this
/// server's Origin) go through the policy now.
pub async fn authorize_doc(
    gate: DocGate<'_>,
    ticket: Option<&str>,
    headers: &HeaderMap,
    doc: &DocId,
) -> Result<DocGrant, AuthError> {
    if let Some(ticket) = ticket {
        let claims = gate
            .tickets
            .verify(ticket)
            .map_err(|why| AuthError::Unauthenticated(why.into()))?;
        if claims.doc != doc.as_str() {
            return Err(AuthError::Unauthenticated(
                phrases::TICKET_OTHER_DOCUMENT.message(),
            ));
        }
        let access = match claims.access {
            TicketAccess::Read => Access::Read,
            TicketAccess::Write => Access::Write,
        };
        return Ok(DocGrant {
            principal: Principal {
                user_id: claims.user,
                name: claims.name,
                org: claims.org,
            },
            access,
            credential: claims.via,
        });
    }
    if let Some(token) = bearer(headers) {
        // An agency system connects with its token directly; it carries no ambient
        // credential, so no Origin check.
        let caller = caller_from_token(gate.db, token, ClientInfo::default()).await?;
        return grant_for(gate.db, &caller, doc).await;
    }
    let jar = CookieJar::from_headers(headers);
    let Some(cookie) = jar.get(session::COOKIE) else {
        return Err(AuthError::Unauthenticated(
            phrases::SIGN_IN_OR_TICKET.message(),
        ));
    };
    if !origin_matches(gate.identity, headers) {
        return Err(AuthError::Forbidden(
            "cross-site websocket refused: the Origin header is missing or names another site"
                .into(),
        ));
    }
    // Who is calling and where the document lives are independent reads: made at once, the
    // join waits for the longer of the two, not for both.
    let (caller, place) = tokio::join!(
        caller_from_session(
            gate.db,
            gate.identity,
            cookie.value(),
            ClientInfo::default()
        ),
        doc_place(gate.db, doc),
    );
    grant(&caller?, &place?)
}

/// The grant the policy gives `caller` for `doc` now; no access is "no such document".
async fn grant_for(db: &Db, caller: &Caller, doc: &DocId) -> Result<DocGrant, AuthError> {
    grant(caller, &doc_place(db, doc).await?)
}

fn grant(caller: &Caller, place: &Option<DocPlace>) -> Result<DocGrant, AuthError> {
    let access = access_at(&caller.actor, place);
    if access == Access::None {
        return Err(AuthError::NotFound(
            crate::domain::phrases::NO_SUCH_DOCUMENT.message(),
        ));
    }
    Ok(DocGrant {
        principal: caller.principal(),
        access,
        credential: caller.credential(),
    })
}

/// What an admitted websocket may do, and the credential to re-check it against.
#[derive(Debug, Clone)]
pub struct DocGrant {
    pub principal: Principal,
    pub access: Access,
    /// `session:<id>` or `token:<id>`; `None` for an operator's CLI ticket, which is not
    /// re-checked.
    pub credential: Option<String>,
}

/// The access `actor` has to `doc` now, from the policy. A document that belongs to no space
/// is open to no one through the policy (only an operator's CLI ticket opens it).
pub async fn doc_access(db: &Db, actor: &Actor, doc: &DocId) -> Result<Access, DbError> {
    Ok(access_at(actor, &doc_place(db, doc).await?))
}

/// Where a document lives: its space entry, its space and, for a scoring sheet, its named
/// writers. `None` for a document of no space.
struct DocPlace {
    space_doc: SpaceDoc,
    space: Space,
    writers: Vec<String>,
}

async fn doc_place(db: &Db, doc: &DocId) -> Result<Option<DocPlace>, DbError> {
    let Some((space_doc, space)) = db.space_doc_with_space(doc.as_str()).await? else {
        return Ok(None);
    };
    // A scoring sheet's named reviewers (评查人), if any, alone write it.
    let writers = if space_doc.role == DocRole::Sheet {
        db.sheet_writers(doc.as_str()).await?
    } else {
        Vec::new()
    };
    Ok(Some(DocPlace {
        space_doc,
        space,
        writers,
    }))
}

fn access_at(actor: &Actor, place: &Option<DocPlace>) -> Access {
    let Some(place) = place else {
        return Access::None;
    };
    let facts = DocFacts {
        writers: &place.writers,
        ..place.space_doc.facts(&place.space)
    };
    policy::doc_access(actor, &facts)
}

/// Re-decides an open socket's access from its credential, as of now. `None` credential (a
/// CLI ticket) keeps what it had.
pub async fn recheck_doc(db: &Db, credential: &str, doc: &DocId) -> Result<Access, AuthError> {
    let now = now_unix_ms();
    let caller = if let Some(id) = credential.strip_prefix("session:") {
        match db.live_session_by_id(id, now).await? {
            Some(session) => session_caller(db, session, ClientInfo::default()).await?,
            None => None,
        }
    } else if let Some(id) = credential.strip_prefix("token:") {
        match db.live_api_token_by_id(id, now).await? {
            Some(token) => Some(token_caller(db, &token, ClientInfo::default()).await?),
            None => None,
        }
    } else {
        None
    };
    let Some(caller) = caller else {
        return Ok(Access::None);
    };
    Ok(doc_access(db, &caller.actor, doc).await?)
}
