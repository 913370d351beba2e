//! Tasks (任务 / 督办事项) over HTTP: thin handlers over [`crate::work::tasks`].
//!
//! A task the caller's body neither set nor was assigned answers 404, exactly like one that
//! does not exist. Illegal transitions answer 409 naming the rule; a stale `revision` 409.
//! A command is named in the address (`…/actions/submit`) and its fields are the body; the
//! two make one [`TaskAction`]. Attachments are raw bodies (not JSON) with their own size
//! limit, `--max-attachment-bytes`, beyond which the answer is 413, spooled to disk under the
//! limit on uploads in progress (`upload.rs`) once the task is known writable; they are served back only
//! as downloads (`Content-Disposition: attachment`, `nosniff`), never rendered by the browser.

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::domain::phrases;
use crate::domain::task::TaskAction;
use crate::error::{ApiError, Refusals};
use crate::http::extract::{Json, Path, Query};
use crate::http::upload::{spool, Spooled};
use crate::state::AppState;
use crate::work::region_stats::FigureFilter;
use crate::work::tasks::{
    self, AttachmentBody, CommentInput, CreateTask, DecidedExtension, Download, EntryBody,
    ExtensionBody, ExtensionDecisionInput, ExtensionInput, ListKind, TaskBody, TaskDetailBody,
    TaskListQuery, TaskPage, Upload,
};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show))
        .routes(routes!(act))
        .routes(routes!(comment))
        .routes(routes!(download))
        .routes(routes!(request_extension))
        .routes(routes!(decide_extension))
        // Evidence files are far larger than the JSON bodies the global limit is made for;
        // the handler reads the body itself, up to --max-attachment-bytes.
        .merge(
            OpenApiRouter::new()
                .routes(routes!(attach))
                .layer(DefaultBodyLimit::disable()),
        )
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// `open` (the default: assigned to the caller's body, not finished), `overdue` or
    /// `set_by_us`.
    #[serde(default)]
    #[param(inline)]
    list: ListKind,
    /// At most this many (1 to 200; 50 when not given).
    limit: Option<i64>,
    /// Skip this many.
    offset: Option<i64>,
    /// `assigned` only: the body whose tasks (the caller's own when not given); a judicial
    /// bureau names a body of its region (评议考核's links).
    org: Option<String>,
    /// `assigned` only: the first date counted (dispatched), `YYYY-MM-DD` (Beijing).
    from: Option<String>,
    /// `assigned` only: the last date counted, `YYYY-MM-DD` (Beijing), included.
    to: Option<String>,
    /// `assigned` only: just the overdue ones, as the figures count them.
    #[serde(default)]
    overdue: bool,
}

impl ListQuery {
    fn query(&self) -> TaskListQuery<'_> {
        TaskListQuery {
            list: self.list,
            figure: FigureFilter {
                org: self.org.as_deref(),
                from: self.from.as_deref(),
                to: self.to.as_deref(),
            },
            overdue: self.overdue,
            limit: self.limit,
            offset: self.offset,
        }
    }
}

/// The caller's body's tasks: assigned and open, overdue, or set by it; or (`assigned`) those
/// of a body the region's figures count in a period.
#[utoipa::path(
    get, path = "/api/tasks", tag = "tasks", operation_id = "tasks_list", params(ListQuery),
    responses((status = 200, description = "a page of tasks", body = TaskPage), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ListQuery>,
) -> Result<Json<TaskPage>, ApiError> {
    let page = tasks::list(&state.services, &caller, query.query());
    Ok(Json(page.await?))
}

/// 交办: sets a task for another body, dispatched at once unless a draft is asked for.
#[utoipa::path(
    post, path = "/api/tasks", tag = "tasks", operation_id = "tasks_create",
    request_body = CreateTask,
    responses((status = 201, description = "the task, as its setter sees it", body = TaskBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<CreateTask>,
) -> Result<(StatusCode, Json<TaskBody>), ApiError> {
    let task = tasks::create(&state.services, &caller, body).await?;
    Ok((StatusCode::CREATED, Json(task)))
}

/// A task with its history, evidence, extension requests and the caller's commands.
#[utoipa::path(
    get, path = "/api/tasks/{id}", tag = "tasks", operation_id = "tasks_show",
    params(("id" = String, Path, description = "the task's id")),
    responses((status = 200, description = "the task", body = TaskDetailBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<TaskDetailBody>, ApiError> {
    Ok(Json(tasks::show(&state.services, &caller, &id).await?))
}

/// Gives a command (the task's `commands` say which the caller may give now, and why not).
#[utoipa::path(
    post, path = "/api/tasks/{id}/actions/{command}", tag = "tasks", operation_id = "tasks_act",
    params(
        ("id" = String, Path, description = "the task's id"),
        ("command" = String, Path, description = "dispatch, acknowledge, start, submit, verify, reopen, close, return, reassign or cancel"),
    ),
    request_body(content = TaskAction,
        description = "the command's fields; `command` is the one the address names and may be left out"),
    responses((status = 200, description = "the task after the command", body = TaskBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn act(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, command)): Path<(String, String)>,
    Json(body): Json<Map<String, Value>>,
) -> Result<Json<TaskBody>, ApiError> {
    let action = TaskAction::named(&command, body)?;
    Ok(Json(
        tasks::act(&state.services, &caller, &id, action).await?,
    ))
}

/// A comment in the task's history; the other side is told.
#[utoipa::path(
    post, path = "/api/tasks/{id}/comments", tag = "tasks", operation_id = "tasks_comment",
    params(("id" = String, Path, description = "the task's id")),
    request_body = CommentInput,
    responses((status = 201, description = "the history line", body = EntryBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn comment(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<CommentInput>,
) -> Result<(StatusCode, Json<EntryBody>), ApiError> {
    let entry = tasks::comment(&state.services, &caller, &id, body).await?;
    Ok((StatusCode::CREATED, Json(entry)))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct AttachQuery {
    /// The file's name as the person knows it (`现场照片.jpg`).
    name: Option<String>,
}

/// A file's bytes, for the description.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub(crate) struct FileBytes(#[allow(dead_code)] Vec<u8>);

/// Attaches one evidence file, sent as the raw body with its own `Content-Type`.
#[utoipa::path(
    post, path = "/api/tasks/{id}/attachments", tag = "tasks", operation_id = "tasks_attach",
    params(("id" = String, Path, description = "the task's id"), AttachQuery),
    request_body(content = FileBytes, content_type = "application/octet-stream",
        description = "the file's bytes; any media type, given as `Content-Type`"),
    responses((status = 201, description = "the stored attachment", body = AttachmentBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn attach(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<AttachQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<AttachmentBody>), ApiError> {
    // An unknown task, or one the caller may not add to, is refused before the file is read.
    tasks::may_attach(&state.services, &caller, &id).await?;
    let (upload, _place) = upload(&state, query.name, &headers, body).await?;
    let attachment = tasks::attach(&state.services, &caller, &id, upload).await?;
    Ok((StatusCode::CREATED, Json(attachment)))
}

/// The upload's bytes (at most `--max-attachment-bytes`, else 413) and what it says of them,
/// with the place among uploads in progress it holds until dropped.
pub(crate) async fn upload(
    state: &AppState,
    name: Option<String>,
    headers: &HeaderMap,
    body: Body,
) -> Result<(Upload, Spooled), ApiError> {
    let max = state.services.settings.max_attachment_bytes;
    let too_large = || ApiError::PayloadTooLarge(phrases::FILE_TOO_LARGE.with("max", max));
    let mut spooled = spool(state, headers, body, max, too_large).await?;
    let bytes = spooled.bytes().await?.into();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().map(str::to_owned))
        .transpose()
        .map_err(|_| ApiError::BadRequest(crate::domain::phrases::CONTENT_TYPE_MEDIA.message()))?;
    let upload = Upload {
        name,
        content_type,
        bytes,
    };
    Ok((upload, spooled))
}

/// `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded>` (RFC 6266),
/// so a Chinese name survives and no name can break out of the header.
pub(crate) fn content_disposition(name: &str) -> HeaderValue {
    attachment(name, name)
}

/// The same with an ASCII fallback of the caller's (`minutes-2026-1-v1.zip` for
/// `会议纪要-上司纪〔2026〕1号-第1版.zip`) for clients that read only `filename` (RFC 5987's
/// `filename*` carries the name itself); any character outside printable ASCII, a quote or a
/// backslash in the fallback becomes `_`.
pub(crate) fn attachment(name: &str, ascii_fallback: &str) -> HeaderValue {
    let fallback: String = ascii_fallback
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for byte in name.as_bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(byte) {
            encoded.push(char::from(*byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// An evidence file, as a download of the type it was uploaded with.
#[utoipa::path(
    get, path = "/api/tasks/{id}/attachments/{attachment}", tag = "tasks",
    operation_id = "tasks_download",
    params(
        ("id" = String, Path, description = "the task's id"),
        ("attachment" = String, Path, description = "the attachment's id"),
    ),
    responses(
        (status = 200, description = "the file's bytes, served as an attachment (`Content-Disposition`, `nosniff`, `sandbox`)",
            content_type = "application/octet-stream", body = FileBytes),
        Refusals
    ),
    security(("session" = []), ("token" = []))
)]
async fn download(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, attachment_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let file = tasks::attachment(&state.services, &caller, &id, &attachment_id).await?;
    Ok(as_download(file))
}

/// A file served only as a download: its own type, never sniffed nor rendered (`sandbox`),
/// never cached by anyone but the person's browser.
pub(crate) fn as_download(file: Download) -> Response {
    let content_type = HeaderValue::from_str(&file.content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    let headers = [
        (header::CONTENT_TYPE, content_type),
        (header::CONTENT_DISPOSITION, content_disposition(&file.name)),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("sandbox"),
        ),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        ),
    ];
    (headers, file.bytes).into_response()
}

/// 延期申请: the assignee asks for a later deadline, before the current one passes.
#[utoipa::path(
    post, path = "/api/tasks/{id}/extensions", tag = "tasks",
    operation_id = "tasks_request_extension",
    params(("id" = String, Path, description = "the task's id")),
    request_body = ExtensionInput,
    responses((status = 201, description = "the pending request", body = ExtensionBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn request_extension(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<ExtensionInput>,
) -> Result<(StatusCode, Json<ExtensionBody>), ApiError> {
    let extension = tasks::request_extension(&state.services, &caller, &id, body).await?;
    Ok((StatusCode::CREATED, Json(extension)))
}

/// The setter grants (the deadline moves) or refuses a pending extension request.
#[utoipa::path(
    post, path = "/api/tasks/{id}/extensions/{extension}/decision", tag = "tasks",
    operation_id = "tasks_decide_extension",
    params(
        ("id" = String, Path, description = "the task's id"),
        ("extension" = String, Path, description = "the extension request's id"),
    ),
    request_body = ExtensionDecisionInput,
    responses((status = 200, description = "the answered request and the task", body = DecidedExtension), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn decide_extension(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, extension_id)): Path<(String, String)>,
    Json(body): Json<ExtensionDecisionInput>,
) -> Result<Json<DecidedExtension>, ApiError> {
    let decided = tasks::decide_extension(&state.services, &caller, &id, &extension_id, body);
    Ok(Json(decided.await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_download_name_is_quoted_safely_and_kept_in_utf8() {
        let value = content_disposition("现场 \"照片\".jpg");
        let text = value.to_str().unwrap();
        assert!(text.starts_with("attachment; filename=\""), "{text}");
        assert!(!text.contains("\"照"), "{text}");
        assert!(
            text.contains("filename*=UTF-8''%E7%8E%B0%E5%9C%BA%20%22%E7%85%A7%E7%89%87%22.jpg"),
            "{text}"
        );
    }
}
