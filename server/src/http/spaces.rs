//! Spaces (meetings, investigation groups, disputes) over HTTP: who takes part, their
//! documents, and tickets to open those documents over the websocket. Thin handlers over
//! [`crate::work::spaces`].

use axum::extract::State;
use axum::http::StatusCode;
use collab::{Access, DocId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::ticket::{unix_now, Claims};
use crate::auth::Caller;
use crate::config::TicketAccess;
use crate::domain::org::SpaceKind;
use crate::error::{ApiError, Refusals};
use crate::http::extract::{Json, Path, Query};
use crate::state::AppState;
use crate::work::spaces::{
    self, CreateDoc, CreateSpace, DocBody, DocList, SetMember, SpaceBody, SpaceList,
};

/// How long a websocket ticket admits its bearer: long enough to connect, short enough that
/// a leaked one (in a log, say) is useless.
const TICKET_TTL_SECS: u64 = 60;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show))
        .routes(routes!(set_member, remove_member))
        .routes(routes!(list_docs, create_doc))
        .routes(routes!(ticket))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    /// Only spaces of this kind.
    kind: Option<SpaceKind>,
}

/// 空间: the spaces the caller's body takes part in, and a bureau's region's.
#[utoipa::path(
    get, path = "/api/spaces", tag = "spaces", operation_id = "spaces_list", params(ListQuery),
    responses((status = 200, description = "the spaces", body = SpaceList), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ListQuery>,
) -> Result<Json<SpaceList>, ApiError> {
    Ok(Json(
        spaces::list(&state.services, &caller, query.kind).await?,
    ))
}

/// Convenes a space: the caller's body is its convener, in its own region.
#[utoipa::path(
    post, path = "/api/spaces", tag = "spaces", operation_id = "spaces_create",
    request_body = CreateSpace,
    responses((status = 201, description = "the new space", body = SpaceBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<CreateSpace>,
) -> Result<(StatusCode, Json<SpaceBody>), ApiError> {
    let space = spaces::create(&state.services, &caller, body).await?;
    Ok((StatusCode::CREATED, Json(space)))
}

/// One space, with its members and what the caller's body is to it.
#[utoipa::path(
    get, path = "/api/spaces/{id}", tag = "spaces", operation_id = "spaces_show",
    params(("id" = String, Path)),
    responses((status = 200, description = "the space", body = SpaceBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<SpaceBody>, ApiError> {
    Ok(Json(spaces::show(&state.services, &caller, &id).await?))
}

/// Adds a body to the space with a role, or changes its role (the convener).
#[utoipa::path(
    put, path = "/api/spaces/{id}/members/{org_id}", tag = "spaces",
    operation_id = "spaces_set_member", request_body = SetMember,
    params(("id" = String, Path), ("org_id" = String, Path)),
    responses((status = 200, description = "the space", body = SpaceBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn set_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, org_id)): Path<(String, String)>,
    Json(body): Json<SetMember>,
) -> Result<Json<SpaceBody>, ApiError> {
    let space = spaces::set_member(&state.services, &caller, &id, &org_id, body).await?;
    Ok(Json(space))
}

/// Removes a body from the space (the convener); its open documents close at once.
#[utoipa::path(
    delete, path = "/api/spaces/{id}/members/{org_id}", tag = "spaces",
    operation_id = "spaces_remove_member",
    params(("id" = String, Path), ("org_id" = String, Path)),
    responses((status = 204, description = "removed"), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, org_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    spaces::remove_member(&state.services, &caller, &id, &org_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The documents of a space.
#[utoipa::path(
    get, path = "/api/spaces/{id}/docs", tag = "spaces", operation_id = "spaces_docs",
    params(("id" = String, Path)),
    responses((status = 200, description = "the documents", body = DocList), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn list_docs(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<DocList>, ApiError> {
    Ok(Json(spaces::docs(&state.services, &caller, &id).await?))
}

/// Adds a document: shared, or a section or statement one body writes, or a decision.
#[utoipa::path(
    post, path = "/api/spaces/{id}/docs", tag = "spaces", operation_id = "spaces_create_doc",
    params(("id" = String, Path)), request_body = CreateDoc,
    responses((status = 201, description = "the new document", body = DocBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn create_doc(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<CreateDoc>,
) -> Result<(StatusCode, Json<DocBody>), ApiError> {
    let doc = spaces::create_doc(&state.services, &caller, &id, body).await?;
    Ok((StatusCode::CREATED, Json(doc)))
}

/// A websocket ticket: connect to `url` within a minute.
#[derive(Debug, Serialize, ToSchema)]
struct Ticket {
    ticket: String,
    /// `read` or `write`: what the policy gives the caller now.
    access: TicketAccess,
    /// Unix milliseconds.
    expires_at: u64,
    /// `/ws/docs/{id}?ticket=…`
    url: String,
}

/// A short-lived websocket ticket for a document, with the access the policy gives now.
#[utoipa::path(
    post, path = "/api/docs/{id}/ticket", tag = "documents", operation_id = "docs_ticket",
    params(("id" = String, Path, description = "the document id")),
    responses((status = 200, description = "the ticket", body = Ticket), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn ticket(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Ticket>, ApiError> {
    let (doc, access) = spaces::ticket_access(&state.services, &caller, &id).await?;
    Ok(Json(mint(&state, &caller, &doc, access)))
}

/// A ticket for `doc` with `access`, naming the caller's person, body and credential (so
/// revoking the credential closes the socket it opens).
fn mint(state: &AppState, caller: &Caller, doc: &DocId, access: Access) -> Ticket {
    let access = match access {
        Access::Write => TicketAccess::Write,
        _ => TicketAccess::Read,
    };
    let principal = caller.principal();
    let exp = unix_now() + TICKET_TTL_SECS;
    let ticket = state.tickets.issue(&Claims {
        doc: doc.to_string(),
        user: principal.user_id,
        name: principal.name,
        org: principal.org,
        access,
        exp,
        via: caller.credential(),
    });
    let url = format!("/ws/docs/{doc}?ticket={ticket}");
    Ticket {
        ticket,
        access,
        expires_at: exp * 1000,
        url,
    }
}
