//! Filings (报备) over HTTP: thin handlers over [`crate::work::filings`].
//!
//! A filing the caller's body neither filed, received as the bureau filed with, nor reads as a
//! bureau above answers 404, exactly like one that does not exist. Illegal commands answer 409
//! naming the rule; a stale `revision` 409; a second annual report of a year 409.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::domain::filing::FilingAction;
use crate::error::{ApiError, Refusals};
use crate::http::extract::{Json, Path, Query};
use crate::state::AppState;
use crate::work::filings::{self, CreateFiling, FilingBody, FilingListRole, FilingPage};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show))
        .routes(routes!(act))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// `filed` (本单位报备) or `received` (向本局报备); all the caller may read when absent.
    #[param(inline)]
    role: Option<FilingListRole>,
}

/// The filings the caller's body made, received, or reads as a bureau above.
#[utoipa::path(
    get, path = "/api/filings", tag = "filings",
    operation_id = "filings_list",
    params(ListQuery),
    responses((status = 200, description = "the filings, newest first", body = FilingPage), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ListQuery>,
) -> Result<Json<FilingPage>, ApiError> {
    Ok(Json(
        filings::list(&state.services, &caller, query.role).await?,
    ))
}

/// Files an annual report, an inspection's or a campaign's results with the judicial bureau of
/// the caller's body's region.
#[utoipa::path(
    post, path = "/api/filings", tag = "filings",
    operation_id = "filings_create",
    request_body = CreateFiling,
    responses((status = 201, description = "the filing, filed", body = FilingBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<CreateFiling>,
) -> Result<(StatusCode, Json<FilingBody>), ApiError> {
    let filing = filings::create(&state.services, &caller, body).await?;
    Ok((StatusCode::CREATED, Json(filing)))
}

/// A filing with the caller's commands.
#[utoipa::path(
    get, path = "/api/filings/{id}", tag = "filings",
    operation_id = "filings_show",
    params(("id" = String, Path, description = "the filing's id")),
    responses((status = 200, description = "the filing", body = FilingBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<FilingBody>, ApiError> {
    Ok(Json(filings::show(&state.services, &caller, &id).await?))
}

/// Gives a filing command: the bureau acknowledges or sends back, the body files again.
#[utoipa::path(
    post, path = "/api/filings/{id}/actions", tag = "filings",
    operation_id = "filings_act",
    params(("id" = String, Path, description = "the filing's id")),
    request_body = FilingAction,
    responses((status = 200, description = "the filing after the command", body = FilingBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn act(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(action): Json<FilingAction>,
) -> Result<Json<FilingBody>, ApiError> {
    Ok(Json(
        filings::act(&state.services, &caller, &id, action).await?,
    ))
}
