//! Jurisdiction disputes (执法争议 / 管辖争议) over HTTP: thin handlers over
//! [`crate::work::disputes`].
//!
//! A dispute the caller's body neither takes part in, coordinates nor supervises answers 404,
//! exactly like one that does not exist. Illegal commands answer 409 naming the rule; a stale
//! `revision` 409.

use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::domain::dispute::{DisputeAction, Position};
use crate::error::{ApiError, Refusals};
use crate::http::extract::{Json, Path};
use crate::state::AppState;
use crate::work::disputes::{self, DisputeBody, DisputePage, LeadInput, RaiseDispute};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, raise))
        .routes(routes!(show))
        .routes(routes!(act))
        .routes(routes!(state_position))
        .routes(routes!(give_up))
        .routes(routes!(reply))
        .routes(routes!(name_lead))
}

/// The disputes the caller's body is a party to or coordinates, and those a bureau supervises.
#[utoipa::path(
    get, path = "/api/disputes", tag = "disputes", operation_id = "disputes_list",
    responses((status = 200, description = "the disputes", body = DisputePage), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<DisputePage>, ApiError> {
    Ok(Json(disputes::list(&state.services, &caller).await?))
}

/// Raises a dispute against one or more bodies; it will escalate to the judicial bureau of the
/// lowest region covering every party.
#[utoipa::path(
    post, path = "/api/disputes", tag = "disputes", operation_id = "disputes_raise",
    request_body = RaiseDispute,
    responses((status = 201, description = "the dispute, as its raising body sees it", body = DisputeBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn raise(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<RaiseDispute>,
) -> Result<(StatusCode, Json<DisputeBody>), ApiError> {
    let dispute = disputes::raise(&state.services, &caller, body).await?;
    Ok((StatusCode::CREATED, Json(dispute)))
}

/// A dispute with its parties, its clock and the caller's commands.
#[utoipa::path(
    get, path = "/api/disputes/{id}", tag = "disputes", operation_id = "disputes_show",
    params(("id" = String, Path, description = "the dispute's id")),
    responses((status = 200, description = "the dispute", body = DisputeBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<DisputeBody>, ApiError> {
    Ok(Json(disputes::show(&state.services, &caller, &id).await?))
}

/// Gives a command (the dispute's `commands` say which the caller may give now).
#[utoipa::path(
    post, path = "/api/disputes/{id}/actions", tag = "disputes", operation_id = "disputes_act",
    params(("id" = String, Path, description = "the dispute's id")),
    request_body = DisputeAction,
    responses((status = 200, description = "the dispute after the command", body = DisputeBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn act(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(action): Json<DisputeAction>,
) -> Result<Json<DisputeBody>, ApiError> {
    Ok(Json(
        disputes::act(&state.services, &caller, &id, action).await?,
    ))
}

/// The caller's body states its position and legal basis as a party.
#[utoipa::path(
    put, path = "/api/disputes/{id}/position", tag = "disputes",
    operation_id = "disputes_state_position",
    params(("id" = String, Path, description = "the dispute's id")),
    request_body = Position,
    responses((status = 200, description = "the dispute", body = DisputeBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn state_position(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(input): Json<Position>,
) -> Result<Json<DisputeBody>, ApiError> {
    Ok(Json(
        disputes::state_position(&state.services, &caller, &id, input).await?,
    ))
}

/// The caller's body says negotiation failed (协商不成).
#[utoipa::path(
    post, path = "/api/disputes/{id}/negotiation-failed", tag = "disputes",
    operation_id = "disputes_give_up",
    params(("id" = String, Path, description = "the dispute's id")),
    responses((status = 200, description = "the dispute", body = DisputeBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn give_up(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<DisputeBody>, ApiError> {
    Ok(Json(
        disputes::give_up(&state.services, &caller, &id).await?,
    ))
}

/// The caller's body gives its written reply (its statement document says what).
#[utoipa::path(
    post, path = "/api/disputes/{id}/reply", tag = "disputes", operation_id = "disputes_reply",
    params(("id" = String, Path, description = "the dispute's id")),
    responses((status = 200, description = "the dispute", body = DisputeBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn reply(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<DisputeBody>, ApiError> {
    Ok(Json(disputes::reply(&state.services, &caller, &id).await?))
}

/// The bureau names an interim lead body (临时牵头单位).
#[utoipa::path(
    put, path = "/api/disputes/{id}/lead", tag = "disputes", operation_id = "disputes_name_lead",
    params(("id" = String, Path, description = "the dispute's id")),
    request_body = LeadInput,
    responses((status = 200, description = "the dispute", body = DisputeBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn name_lead(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(input): Json<LeadInput>,
) -> Result<Json<DisputeBody>, ApiError> {
    Ok(Json(
        disputes::name_lead(&state.services, &caller, &id, input).await?,
    ))
}
