//! The work inside a joint investigation group over HTTP: the dossier's evidence (证据材料)
//! and the lead's unified command (统一指挥): thin handlers over
//! [`crate::work::investigation_evidence`] and [`crate::work::investigation_command`].
//!
//! Kept apart from `investigations.rs` (the group itself) so each can change on its own.
//! Evidence arrives as a raw body (not JSON) under `--max-attachment-bytes` (413 beyond,
//! nothing stored), spooled to disk under the limit on uploads in progress, and only once the
//! group, the section and the caller's right to add to it are checked; it is served back only
//! as a download. Anything the caller may not see answers 404, as an unknown id does.

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiError, Refusals};
use crate::http::extract::{Json, Path, Query};
use crate::http::tasks::{as_download, upload, FileBytes};
use crate::state::AppState;
use crate::work::investigation_command::{self as command, GroupBoard, GroupNoticeInput};
use crate::work::investigation_evidence::{
    self as evidence, EvidenceBody, EvidencePage, EvidenceUpload, WithdrawEvidence,
};
use crate::work::notices::NoticeBody;
use crate::work::tasks::{AssignTask, TaskBody};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_evidence))
        .routes(routes!(download_evidence))
        .routes(routes!(withdraw_evidence))
        .routes(routes!(assign_task))
        .routes(routes!(send_notice))
        .routes(routes!(board))
        // Evidence files are far larger than the JSON bodies the global limit is made for;
        // the handler reads the body itself, up to --max-attachment-bytes.
        .merge(
            OpenApiRouter::new()
                .routes(routes!(add_evidence))
                .layer(DefaultBodyLimit::disable()),
        )
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct EvidenceQuery {
    /// The section's document id: the caller's body's own section, or (the lead) the
    /// summary or the conclusions.
    section: String,
    /// The evidence's title (证据名称); the file's name when not given.
    title: Option<String>,
    /// The file's name as the person knows it (`询问笔录.pdf`).
    name: Option<String>,
}

/// Adds one piece of evidence to a section, sent as the raw body with its own `Content-Type`.
#[utoipa::path(
    post, path = "/api/investigations/{id}/evidence", tag = "investigations",
    operation_id = "investigations_add_evidence",
    params(("id" = String, Path, description = "the group's id"), EvidenceQuery),
    request_body(content = FileBytes, content_type = "application/octet-stream",
        description = "the file's bytes; any media type, given as `Content-Type`"),
    responses((status = 201, description = "the stored piece", body = EvidenceBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn add_evidence(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<EvidenceQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<EvidenceBody>), ApiError> {
    // An unknown group, a section not the caller's or a group not at work is refused before
    // the file is read.
    evidence::may_upload(&state.services, &caller, &id, &query.section).await?;
    let (file, _place) = upload(&state, query.name, &headers, body).await?;
    let (section, title) = (query.section, query.title);
    let new = EvidenceUpload {
        section,
        title,
        file,
    };
    let piece = evidence::add(&state.services, &caller, &id, new).await?;
    Ok((StatusCode::CREATED, Json(piece)))
}

/// The group's evidence, section by section, as the caller may read it (withdrawn pieces
/// listed, marked).
#[utoipa::path(
    get, path = "/api/investigations/{id}/evidence", tag = "investigations",
    operation_id = "investigations_list_evidence",
    params(("id" = String, Path, description = "the group's id")),
    responses((status = 200, description = "the evidence lists", body = EvidencePage), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn list_evidence(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<EvidencePage>, ApiError> {
    Ok(Json(evidence::list(&state.services, &caller, &id).await?))
}

/// A piece's file, as a download of the type it was added with.
#[utoipa::path(
    get, path = "/api/investigations/{id}/evidence/{evidence}", tag = "investigations",
    operation_id = "investigations_download_evidence",
    params(
        ("id" = String, Path, description = "the group's id"),
        ("evidence" = String, Path, description = "the piece's id"),
    ),
    responses(
        (status = 200, description = "the file's bytes, served as an attachment (`Content-Disposition`, `nosniff`, `sandbox`)",
            content_type = "application/octet-stream", body = FileBytes),
        Refusals
    ),
    security(("session" = []), ("token" = []))
)]
async fn download_evidence(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, piece)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let file = evidence::download(&state.services, &caller, &id, &piece).await?;
    Ok(as_download(file))
}

/// The body that added a piece withdraws it, with a reason; it stays listed, marked.
#[utoipa::path(
    post, path = "/api/investigations/{id}/evidence/{evidence}/withdraw", tag = "investigations",
    operation_id = "investigations_withdraw_evidence",
    params(
        ("id" = String, Path, description = "the group's id"),
        ("evidence" = String, Path, description = "the piece's id"),
    ),
    request_body = WithdrawEvidence,
    responses((status = 200, description = "the piece, withdrawn", body = EvidenceBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn withdraw_evidence(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, piece)): Path<(String, String)>,
    Json(input): Json<WithdrawEvidence>,
) -> Result<Json<EvidenceBody>, ApiError> {
    let services = &state.services;
    Ok(Json(
        evidence::withdraw(services, &caller, &id, &piece, input).await?,
    ))
}

/// The lead assigns a task to a confirmed member (source `investigation`), dispatched at once.
#[utoipa::path(
    post, path = "/api/investigations/{id}/tasks", tag = "investigations",
    operation_id = "investigations_assign_task",
    params(("id" = String, Path, description = "the group's id")),
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
    let task = command::assign_task(&state.services, &caller, &id, input).await?;
    Ok((StatusCode::CREATED, Json(task)))
}

/// The lead sends a notice to every confirmed member, requiring 签收.
#[utoipa::path(
    post, path = "/api/investigations/{id}/notices", tag = "investigations",
    operation_id = "investigations_send_notice",
    params(("id" = String, Path, description = "the group's id")),
    request_body = GroupNoticeInput,
    responses((status = 201, description = "the notice, as sent", body = NoticeBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn send_notice(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(input): Json<GroupNoticeInput>,
) -> Result<(StatusCode, Json<NoticeBody>), ApiError> {
    let notice = command::send_notice(&state.services, &caller, &id, input).await?;
    Ok((StatusCode::CREATED, Json(notice)))
}

/// The command board (指挥看板): the group's tasks, notices with each body's receipt and
/// evidence counts, body by body; the lead sees every body, a member its own row.
#[utoipa::path(
    get, path = "/api/investigations/{id}/board", tag = "investigations",
    operation_id = "investigations_board",
    params(("id" = String, Path, description = "the group's id")),
    responses((status = 200, description = "the board", body = GroupBoard), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn board(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<GroupBoard>, ApiError> {
    Ok(Json(command::board(&state.services, &caller, &id).await?))
}
