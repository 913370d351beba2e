//! Annual supervision work plans (年度行政执法监督工作方案) over HTTP: thin handlers over
//! [`crate::work::plans`]. A plan the caller may not read (a draft of another body, any plan of
//! another region) answers 404; publishing twice 409. Its text is written on the document
//! socket (`/api/docs/{doc_id}`), as every live document is.

use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiError, Refusals};
use crate::http::extract::{Json, Path};
use crate::state::AppState;
use crate::work::plans::{self, CreatePlan, PlanAction, PlanBody, PlanPage};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show))
        .routes(routes!(act))
}

/// The plans the caller's body writes, supervises, or was published.
#[utoipa::path(
    get, path = "/api/plans", tag = "plans",
    operation_id = "plans_list",
    responses((status = 200, description = "the plans, newest year first", body = PlanPage), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<PlanPage>, ApiError> {
    Ok(Json(plans::list(&state.services, &caller).await?))
}

/// Makes the caller's bureau's annual supervision work plan of a year, as a draft.
#[utoipa::path(
    post, path = "/api/plans", tag = "plans",
    operation_id = "plans_create",
    request_body = CreatePlan,
    responses((status = 201, description = "the draft", body = PlanBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<CreatePlan>,
) -> Result<(StatusCode, Json<PlanBody>), ApiError> {
    let plan = plans::create(&state.services, &caller, body).await?;
    Ok((StatusCode::CREATED, Json(plan)))
}

/// A plan with its document's id and the caller's commands.
#[utoipa::path(
    get, path = "/api/plans/{id}", tag = "plans",
    operation_id = "plans_show",
    params(("id" = String, Path, description = "the plan's id")),
    responses((status = 200, description = "the plan", body = PlanBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<PlanBody>, ApiError> {
    Ok(Json(plans::show(&state.services, &caller, &id).await?))
}

/// Publishes (印发) the plan to every body of the bureau's region and below.
#[utoipa::path(
    post, path = "/api/plans/{id}/actions", tag = "plans",
    operation_id = "plans_act",
    params(("id" = String, Path, description = "the plan's id")),
    request_body = PlanAction,
    responses((status = 200, description = "the plan after the command", body = PlanBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn act(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(action): Json<PlanAction>,
) -> Result<Json<PlanBody>, ApiError> {
    Ok(Json(
        plans::act(&state.services, &caller, &id, action).await?,
    ))
}
