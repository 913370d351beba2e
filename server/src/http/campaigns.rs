//! Special supervision campaigns (专项监督) and inspections (执法检查) over HTTP: thin handlers
//! over [`crate::work::campaigns`], and the summary report over the one signed-document
//! lifecycle with [`CampaignSummaryText`] (`http::signed_text`).
//!
//! A campaign the caller's body neither organises, is covered by (once launched), nor reads as
//! a bureau above answers 404, exactly like one that does not exist. Illegal commands answer
//! 409 naming the rule; a stale `revision` 409.

use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::signed_text::signed_text_routes;
use crate::auth::Caller;
use crate::domain::campaign::CampaignAction;
use crate::error::{ApiError, Refusals};
use crate::http::extract::{Json, Path};
use crate::state::AppState;
use crate::work::campaign_summary::{CampaignSummaryText, CampaignSummaryView};
use crate::work::campaigns::{self, CampaignBody, CampaignPage, CreateCampaign};
use crate::work::tasks::{AssignTask, TaskBody};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show))
        .routes(routes!(act))
        .routes(routes!(assign_task))
        .merge(summary::router())
}

signed_text_routes!(mod summary for CampaignSummaryText => CampaignSummaryView;
    tag = "campaigns", subject = "the campaign's id",
    show = ("/api/campaigns/{id}/summary", "campaigns_summary"),
    act = ("/api/campaigns/{id}/summary/actions", "campaigns_summary_act"),
    statement = ("/api/campaigns/{id}/summary/statement", "campaigns_summary_statement"),
    bundle = ("/api/campaigns/{id}/summary/versions/{version}/bundle.zip", "campaigns_summary_bundle"),
    artefact = ("/api/campaigns/{id}/summary/versions/{version}/{file}", "campaigns_summary_artefact",
        "content.json, manifest.json, summary.html, summary.pdf, signature-page.html or signature-page.pdf"),
);

/// The campaigns the caller's bureau organises, its body is covered by, or it reads as a
/// bureau above; newest first.
#[utoipa::path(
    get, path = "/api/campaigns", tag = "campaigns", operation_id = "campaigns_list",
    responses((status = 200, description = "the campaigns", body = CampaignPage), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<CampaignPage>, ApiError> {
    Ok(Json(campaigns::list(&state.services, &caller).await?))
}

/// Plans a special supervision campaign or an inspection of the caller's bureau over bodies
/// of its region (筹备中: they are told when it is launched).
#[utoipa::path(
    post, path = "/api/campaigns", tag = "campaigns", operation_id = "campaigns_create",
    request_body = CreateCampaign,
    responses((status = 201, description = "the planned campaign", body = CampaignBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<CreateCampaign>,
) -> Result<(StatusCode, Json<CampaignBody>), ApiError> {
    let campaign = campaigns::create(&state.services, &caller, input).await?;
    Ok((StatusCode::CREATED, Json(campaign)))
}

/// A campaign with the bodies it covers, what it produced (supervision documents, tasks,
/// filed results) and the caller's commands.
#[utoipa::path(
    get, path = "/api/campaigns/{id}", tag = "campaigns", operation_id = "campaigns_show",
    params(("id" = String, Path, description = "the campaign's id")),
    responses((status = 200, description = "the campaign", body = CampaignBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<CampaignBody>, ApiError> {
    Ok(Json(campaigns::show(&state.services, &caller, &id).await?))
}

/// Gives a command (launch, conclude, withdraw); the campaign's `commands` say which the
/// caller may give now.
#[utoipa::path(
    post, path = "/api/campaigns/{id}/actions", tag = "campaigns", operation_id = "campaigns_act",
    params(("id" = String, Path, description = "the campaign's id")),
    request_body = CampaignAction,
    responses((status = 200, description = "the campaign after the command", body = CampaignBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn act(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(action): Json<CampaignAction>,
) -> Result<Json<CampaignBody>, ApiError> {
    Ok(Json(
        campaigns::act(&state.services, &caller, &id, action).await?,
    ))
}

/// The organising bureau sets a task within the campaign to a body it covers, dispatched at
/// once (source `supervision`).
#[utoipa::path(
    post, path = "/api/campaigns/{id}/tasks", tag = "campaigns",
    operation_id = "campaigns_assign_task",
    params(("id" = String, Path, description = "the campaign's id")),
    request_body = AssignTask,
    responses((status = 201, description = "the task, as its setter sees it", body = TaskBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn assign_task(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(input): Json<AssignTask>,
) -> Result<(StatusCode, Json<TaskBody>), ApiError> {
    let task = campaigns::assign_task(&state.services, &caller, &id, input).await?;
    Ok((StatusCode::CREATED, Json(task)))
}
