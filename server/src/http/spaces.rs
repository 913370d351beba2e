//! Spaces (meetings, investigation groups, disputes): who takes part, their documents, and
//! tickets to open those documents over the websocket.
//!
//! The kinds' own workflows come with later work; what is here is what access rests on: the
//! participating organizations and their roles. A space the caller may not read answers 404,
//! exactly like one that does not exist, so ids cannot be probed.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::Router;
use collab::{Access, DocId};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::ticket::{unix_now, Claims};
use crate::auth::{self, Caller};
use crate::config::TicketAccess;
use crate::db::{NewSpace, Space, SpaceDoc};
use crate::domain::org::{Name, SpaceKind, SpaceRole};
use crate::domain::policy::{self, Action, SpaceAccess};
use crate::error::ApiError;
use crate::http::extract::{Json, Path};
use crate::services::AccessChange;
use crate::state::AppState;

/// How long a websocket ticket admits its bearer: long enough to connect, short enough that
/// a leaked one (in a log, say) is useless.
const TICKET_TTL_SECS: u64 = 60;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/spaces", get(list).post(create))
        .route("/api/spaces/{id}", get(show))
        .route(
            "/api/spaces/{id}/members/{org_id}",
            put(set_member).delete(remove_member),
        )
        .route("/api/spaces/{id}/docs", get(list_docs).post(create_doc))
        .route("/api/docs/{id}/ticket", post(ticket))
}

fn space_json(space: &Space, access: SpaceAccess) -> Value {
    let (access, role) = match access {
        SpaceAccess::None => ("none", None),
        SpaceAccess::Supervise => ("supervise", None),
        SpaceAccess::Participate(role) => ("participate", Some(role)),
    };
    json!({
        "id": space.id,
        "kind": space.kind,
        "title": space.title,
        "region": space.region,
        "created_by": space.created_by,
        "created_at": space.created_at,
        "members": space.members.iter().map(|m| json!({ "org_id": m.org_id, "role": m.role })).collect::<Vec<_>>(),
        "my_access": access,
        "my_role": role,
    })
}

fn doc_json(doc: &SpaceDoc) -> Value {
    json!({
        "doc_id": doc.doc_id,
        "space_id": doc.space_id,
        "title": doc.title,
        "frozen": doc.frozen,
        "created_at": doc.created_at,
    })
}

/// The space, if the caller may read it; otherwise "not found" (and the refusal is audited).
async fn readable_space(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<(Space, SpaceAccess), ApiError> {
    let not_found = || ApiError::NotFound("no space with this id".into());
    let space = state.services.db.space(id).await?.ok_or_else(not_found)?;
    let facts = space.facts();
    if caller
        .allow(&state.services.db, Action::ReadSpace(facts))
        .await
        .is_err()
    {
        return Err(not_found());
    }
    let access = policy::space_access(&caller.actor, &facts);
    Ok((space, access))
}

async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    let Some(org) = &caller.org else {
        return Ok(Json(json!({ "spaces": [] })));
    };
    // A judicial bureau also sees (supervises) the spaces of its region and those below.
    let supervised =
        (org.kind == crate::domain::org::OrgKind::JudicialBureau).then_some(&org.region_path);
    let spaces: Vec<Value> = state
        .services
        .db
        .spaces_visible(&org.id, supervised)
        .await?
        .iter()
        .filter_map(|space| {
            let facts = space.facts();
            // The query narrows; the policy decides (a token without spaces:read sees none).
            policy::decide(&caller.actor, &Action::ReadSpace(facts))
                .ok()
                .map(|()| space_json(space, policy::space_access(&caller.actor, &facts)))
        })
        .collect();
    Ok(Json(json!({ "spaces": spaces })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateSpace {
    kind: SpaceKind,
    title: String,
}

/// Creates a space convened by the caller's organization, in that organization's region.
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<CreateSpace>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    caller
        .allow(&state.services.db, Action::CreateSpace)
        .await?;
    let Some(org) = &caller.org else {
        return Err(ApiError::Forbidden(
            "only someone acting for an organization can convene a space".into(),
        ));
    };
    let new = NewSpace {
        kind: body.kind,
        title: Name::parse(&body.title)?,
        region: org.region.clone(),
        convener_org_id: org.id.clone(),
        created_by: caller.actor.user_id.clone(),
    };
    let event = caller.event(
        "space_created",
        String::new(),
        json!({ "kind": new.kind, "title": new.title, "convener": org.id }),
    );
    let space = state.services.db.create_space(&new, &event).await?;
    let access = SpaceAccess::Participate(SpaceRole::Convener);
    Ok((StatusCode::CREATED, Json(space_json(&space, access))))
}

async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (space, access) = readable_space(&state, &caller, &id).await?;
    Ok(Json(space_json(&space, access)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetMember {
    role: SpaceRole,
}

async fn set_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, org_id)): Path<(String, String)>,
    Json(body): Json<SetMember>,
) -> Result<Json<Value>, ApiError> {
    let (space, _) = readable_space(&state, &caller, &id).await?;
    let facts = space.facts();
    caller
        .allow(&state.services.db, Action::ManageSpaceMembers(facts))
        .await?;
    if state.services.db.org(&org_id).await?.is_none() {
        return Err(ApiError::NotFound("no organization with this id".into()));
    }
    let event = caller.event(
        "space_member_set",
        format!("space:{id}"),
        json!({ "org_id": org_id, "role": body.role }),
    );
    state
        .services
        .db
        .set_space_member(&id, &org_id, body.role, &event)
        .await?;
    state.services.access.announce(AccessChange {
        space_id: Some(id.clone()),
        ..AccessChange::default()
    });
    let (space, access) = readable_space(&state, &caller, &id).await?;
    Ok(Json(space_json(&space, access)))
}

async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, org_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let (space, _) = readable_space(&state, &caller, &id).await?;
    let facts = space.facts();
    caller
        .allow(&state.services.db, Action::ManageSpaceMembers(facts))
        .await?;
    let event = caller.event(
        "space_member_removed",
        format!("space:{id}"),
        json!({ "org_id": org_id }),
    );
    if !state
        .services
        .db
        .remove_space_member(&id, &org_id, &event)
        .await?
    {
        return Err(ApiError::NotFound(
            "this organization does not take part in the space".into(),
        ));
    }
    state.services.access.announce(AccessChange {
        space_id: Some(id),
        ..AccessChange::default()
    });
    Ok(StatusCode::NO_CONTENT)
}

async fn list_docs(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    readable_space(&state, &caller, &id).await?;
    let docs: Vec<Value> = state
        .services
        .db
        .space_docs(&id)
        .await?
        .iter()
        .map(doc_json)
        .collect();
    Ok(Json(json!({ "docs": docs })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateDoc {
    title: String,
}

async fn create_doc(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<CreateDoc>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (space, _) = readable_space(&state, &caller, &id).await?;
    let facts = space.facts();
    caller
        .allow(&state.services.db, Action::CreateSpaceDoc(facts))
        .await?;
    let title = Name::parse(&body.title)?;
    let event = caller.event(
        "doc_created",
        format!("space:{id}"),
        json!({ "title": title }),
    );
    let doc = state
        .services
        .db
        .create_space_doc(&id, title, &event)
        .await?;
    Ok((StatusCode::CREATED, Json(doc_json(&doc))))
}

/// A short-lived websocket ticket for a document, with the access the policy gives now.
async fn ticket(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let doc = DocId::parse(&id).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let access = auth::doc_access(&state.services.db, &caller.actor, &doc).await?;
    let ticket_access = match access {
        Access::Write => TicketAccess::Write,
        Access::Read => TicketAccess::Read,
        Access::None => {
            let event = caller.event(
                "permission_denied",
                format!("doc:{id}"),
                json!({ "rule": "no access to this document" }),
            );
            state.services.db.audit(&event).await?;
            return Err(ApiError::NotFound("no document with this id".into()));
        }
    };
    let principal = caller.principal();
    let exp = unix_now() + TICKET_TTL_SECS;
    let ticket = state.tickets.issue(&Claims {
        doc: id.clone(),
        user: principal.user_id,
        name: principal.name,
        org: principal.org,
        access: ticket_access,
        exp,
        via: caller.credential(),
    });
    Ok(Json(json!({
        "ticket": ticket,
        "access": ticket_access,
        "expires_at": exp * 1000,
        "url": format!("/ws/docs/{id}?ticket={ticket}"),
    })))
}
