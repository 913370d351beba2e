//! The case library (案例库) over HTTP: thin handlers over [`crate::work::library`].
//!
//! A case the caller may not read (anything before it is published, for a body other than
//! the organising bureau and the file's body) answers 404, exactly like one that does not
//! exist. Illegal commands answer 409 naming the rule; a stale `revision` 409.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::domain::library::CaseAction;
use crate::error::{ApiError, Refusals};
use crate::http::extract::{Json, Path, Query};
use crate::http::tasks::{as_download, FileBytes};
use crate::state::AppState;
use crate::work::library::{self, LibraryCaseBody, LibraryPage, LibraryQuery, MarkTypical};
use crate::work::tasks::Download;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search))
        .routes(routes!(show))
        .routes(routes!(act))
        .routes(routes!(export_html))
        .routes(routes!(export_json))
        .routes(routes!(mark_typical))
}

/// The published cases of the caller's region (and, for a judicial bureau, of the regions
/// within it), searched by words, field, kind and legal basis; newest first.
#[utoipa::path(
    get, path = "/api/library", tag = "library", operation_id = "library_search",
    params(LibraryQuery),
    responses((status = 200, description = "the cases found", body = LibraryPage), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn search(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<LibraryQuery>,
) -> Result<Json<LibraryPage>, ApiError> {
    Ok(Json(
        library::search(&state.services, &caller, query).await?,
    ))
}

/// One case: its write-up as submitted, and what the caller may do now.
#[utoipa::path(
    get, path = "/api/library/{id}", tag = "library", operation_id = "library_show",
    params(("id" = String, Path, description = "the case's id")),
    responses((status = 200, description = "the case", body = LibraryCaseBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<LibraryCaseBody>, ApiError> {
    Ok(Json(library::show(&state.services, &caller, &id).await?))
}

/// Submits the write-up for checking (frozen), sends it back, publishes or withdraws the
/// case; its `commands` say which the caller may give now.
#[utoipa::path(
    post, path = "/api/library/{id}/actions", tag = "library", operation_id = "library_act",
    params(("id" = String, Path, description = "the case's id")),
    request_body = CaseAction,
    responses((status = 200, description = "the case after the command", body = LibraryCaseBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn act(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(action): Json<CaseAction>,
) -> Result<Json<LibraryCaseBody>, ApiError> {
    Ok(Json(
        library::act(&state.services, &caller, &id, action).await?,
    ))
}

/// A published public case as a self-contained HTML page, for publication to the public.
#[utoipa::path(
    get, path = "/api/library/{id}/export.html", tag = "library", operation_id = "library_export_html",
    params(("id" = String, Path, description = "the case's id")),
    responses((status = 200, description = "the page, as a download", content_type = "text/html",
        body = FileBytes), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn export_html(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (case, html, _) = library::export(&state.services, &caller, &id).await?;
    Ok(as_download(Download {
        name: format!("典型案例-{}.html", case.title),
        content_type: "text/html; charset=utf-8".into(),
        bytes: html.into_bytes(),
    }))
}

/// A published public case's facts and text as JSON (`concord.library-case/1`), for a
/// publishing system.
#[utoipa::path(
    get, path = "/api/library/{id}/export.json", tag = "library", operation_id = "library_export_json",
    params(("id" = String, Path, description = "the case's id")),
    responses((status = 200, description = "the case as published", content_type = "application/json",
        body = FileBytes), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn export_json(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (case, _, facts) = library::export(&state.services, &caller, &id).await?;
    Ok(as_download(Download {
        name: format!("典型案例-{}.json", case.title),
        content_type: "application/json".into(),
        bytes: serde_json::to_vec_pretty(&facts).unwrap_or_default(),
    }))
}

/// The organising bureau marks a confirmed file typical (典型案例): a case in drafting, with
/// its live write-up to anonymise.
#[utoipa::path(
    post, path = "/api/reviews/{id}/files/{file}/library", tag = "library",
    operation_id = "library_mark_typical",
    params(
        ("id" = String, Path, description = "the review's id"),
        ("file" = String, Path, description = "the file's id"),
    ),
    request_body = MarkTypical,
    responses((status = 201, description = "the case", body = LibraryCaseBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn mark_typical(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, file)): Path<(String, String)>,
    Json(input): Json<MarkTypical>,
) -> Result<(StatusCode, Json<LibraryCaseBody>), ApiError> {
    let case = library::create(&state.services, &caller, &id, &file, input).await?;
    Ok((StatusCode::CREATED, Json(case)))
}
