//! Case-file reviews (案卷评查) over HTTP: thin handlers over [`crate::work::reviews`].
//!
//! A review the caller's body neither organises, takes part in (once launched), nor reads as
//! a bureau above answers 404, exactly like one that does not exist; so does a file the caller
//! may not read. Illegal commands answer 409 naming the rule; a stale `revision` 409.

use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::domain::review::{FileAction, ReviewAction};
use crate::error::{ApiError, Refusals};
use crate::http::extract::{Json, Path};
use crate::state::AppState;
use crate::work::reviews::{
    self, CreateReview, RegisterFile, ReviewBody, ReviewFileBody, ReviewPage,
};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show))
        .routes(routes!(act))
        .routes(routes!(register_file))
        .routes(routes!(act_on_file))
}

/// The reviews the caller's bureau organises, its body takes part in, or it reads as a bureau
/// above; newest first.
#[utoipa::path(
    get, path = "/api/reviews", tag = "reviews", operation_id = "reviews_list",
    responses((status = 200, description = "the reviews", body = ReviewPage), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<ReviewPage>, ApiError> {
    Ok(Json(reviews::list(&state.services, &caller).await?))
}

/// Plans a case-file review of the caller's bureau over bodies of its region (筹备中: they
/// are told when it is launched). Without a `sheet` the default scoring sheet is used.
#[utoipa::path(
    post, path = "/api/reviews", tag = "reviews", operation_id = "reviews_create",
    request_body = CreateReview,
    responses((status = 201, description = "the planned review", body = ReviewBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<CreateReview>,
) -> Result<(StatusCode, Json<ReviewBody>), ApiError> {
    let review = reviews::create(&state.services, &caller, input).await?;
    Ok((StatusCode::CREATED, Json(review)))
}

/// A review with its bodies, its scoring sheet, the draw's seed, the files the caller reads
/// and the caller's commands.
#[utoipa::path(
    get, path = "/api/reviews/{id}", tag = "reviews", operation_id = "reviews_show",
    params(("id" = String, Path, description = "the review's id")),
    responses((status = 200, description = "the review", body = ReviewBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ReviewBody>, ApiError> {
    Ok(Json(reviews::show(&state.services, &caller, &id).await?))
}

/// Gives a command (launch, draw, conclude, withdraw); the review's `commands` say which the
/// caller may give now.
#[utoipa::path(
    post, path = "/api/reviews/{id}/actions", tag = "reviews", operation_id = "reviews_act",
    params(("id" = String, Path, description = "the review's id")),
    request_body = ReviewAction,
    responses((status = 200, description = "the review after the command", body = ReviewBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn act(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(action): Json<ReviewAction>,
) -> Result<Json<ReviewBody>, ApiError> {
    Ok(Json(reviews::act(&state.services, &caller, &id, action).await?))
}

/// A reviewed body registers one of its files closed in the review's period.
#[utoipa::path(
    post, path = "/api/reviews/{id}/files", tag = "reviews", operation_id = "reviews_register_file",
    params(("id" = String, Path, description = "the review's id")),
    request_body = RegisterFile,
    responses((status = 201, description = "the registered file", body = ReviewFileBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn register_file(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(input): Json<RegisterFile>,
) -> Result<(StatusCode, Json<ReviewFileBody>), ApiError> {
    let file = reviews::register_file(&state.services, &caller, &id, input).await?;
    Ok((StatusCode::CREATED, Json(file)))
}

/// A command on one file (submit its scores, answer its result, confirm its grade); the
/// file's `commands` say which the caller may give now.
#[utoipa::path(
    post, path = "/api/reviews/{id}/files/{file}/actions", tag = "reviews",
    operation_id = "reviews_file_act",
    params(
        ("id" = String, Path, description = "the review's id"),
        ("file" = String, Path, description = "the file's id"),
    ),
    request_body = FileAction,
    responses((status = 200, description = "the file after the command", body = ReviewFileBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn act_on_file(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, file)): Path<(String, String)>,
    Json(action): Json<FileAction>,
) -> Result<Json<ReviewFileBody>, ApiError> {
    Ok(Json(
        reviews::act_on_file(&state.services, &caller, &id, &file, action).await?,
    ))
}
