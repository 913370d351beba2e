//! Tasks (任务 / 督办事项) over HTTP: thin handlers over [`crate::work::tasks`].
//!
//! A task the caller's body neither set nor was assigned answers 404, exactly like one that
//! does not exist. Illegal transitions answer 409 naming the rule; a stale `revision` 409.
//! Attachments are raw bodies (not JSON) with their own size limit,
//! `--max-attachment-bytes`, beyond which the answer is 413; they are served back only as
//! downloads (`Content-Disposition: attachment`, `nosniff`), never rendered by the browser.

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::Caller;
use crate::db::{Attachment, Extension, StoredEntry};
use crate::error::ApiError;
use crate::http::extract::{body_at_most, Json, Path, Query};
use crate::state::AppState;
use crate::work::page;
use crate::work::tasks::{
    self, ActionInput, CommentInput, CreateTask, DecisionInput, ExtensionInput, ListKind,
    TaskDetail, TaskView, Upload,
};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/tasks", get(list).post(create))
        .route("/api/tasks/{id}", get(show))
        .route("/api/tasks/{id}/actions/{command}", post(act))
        .route("/api/tasks/{id}/comments", post(comment))
        // Evidence files are far larger than the JSON bodies the global limit is made for;
        // the handler reads the body itself, up to --max-attachment-bytes.
        .route(
            "/api/tasks/{id}/attachments",
            post(attach).layer(DefaultBodyLimit::disable()),
        )
        .route("/api/tasks/{id}/attachments/{attachment}", get(download))
        .route("/api/tasks/{id}/extensions", post(request_extension))
        .route(
            "/api/tasks/{id}/extensions/{extension}/decision",
            post(decide_extension),
        )
}

pub(crate) fn task_json(view: &TaskView) -> Value {
    let t = &view.task;
    json!({
        "id": t.id,
        "title": t.title,
        "body": t.body,
        "feedback_required": t.feedback_required,
        "source": t.source,
        "source_ref": t.source_ref,
        "setter_org_id": t.setter_org_id,
        "assignee_org_id": t.assignee_org_id,
        "created_by": t.created_by,
        "state": t.state,
        "state_label_zh": t.state.label_zh(),
        "state_label_en": t.state.label_en(),
        "limit": t.limit,
        "started_at": t.started_at,
        "due_at": t.due_at,
        "overdue": view.overdue,
        "feedback": t.feedback,
        "revision": t.revision,
        "created_at": t.created_at,
        "updated_at": t.updated_at,
        "my_party": view.party,
    })
}

fn entry_json(stored: &StoredEntry) -> Value {
    let e = &stored.entry;
    json!({
        "seq": stored.seq,
        "at": e.stamp.at,
        "user_id": e.stamp.user_id,
        "name": e.stamp.name,
        "org_id": e.stamp.org_id,
        "kind": e.kind.as_str(),
        "command": e.command,
        "from": e.from_state,
        "to": e.to_state,
        "body": e.body,
        "detail": e.detail,
    })
}

fn attachment_json(a: &Attachment) -> Value {
    json!({
        "id": a.id,
        "task_id": a.task_id,
        "name": a.name,
        "content_type": a.content_type,
        "size": a.size,
        "sha256": a.sha256,
        "uploaded_by": a.uploaded_by,
        "uploaded_org_id": a.uploaded_org_id,
        "at": a.at,
        "url": format!("/api/tasks/{}/attachments/{}", a.task_id, a.id),
    })
}

fn extension_json(e: &Extension) -> Value {
    json!({
        "id": e.id,
        "task_id": e.task_id,
        "requested_by": e.requested_by,
        "requested_at": e.requested_at,
        "new_due_at": e.new_due_at,
        "reason": e.reason,
        "state": e.state,
        "decided_by": e.decided_by,
        "decided_at": e.decided_at,
        "decision_note": e.decision_note,
    })
}

fn detail_json(detail: &TaskDetail) -> Value {
    let mut value = task_json(&detail.view);
    value["history"] = detail.history.iter().map(entry_json).collect();
    value["attachments"] = detail.attachments.iter().map(attachment_json).collect();
    value["extensions"] = detail.extensions.iter().map(extension_json).collect();
    value
}

async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<CreateTask>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let view = tasks::create(&state.services, &caller, body).await?;
    Ok((StatusCode::CREATED, Json(task_json(&view))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    #[serde(default)]
    list: ListKind,
    limit: Option<i64>,
    offset: Option<i64>,
}

async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let (limit, offset) = page(query.limit, query.offset)?;
    let views = tasks::list(&state.services, &caller, query.list, limit, offset).await?;
    let tasks: Vec<Value> = views.iter().map(task_json).collect();
    Ok(Json(json!({ "tasks": tasks })))
}

async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let detail = tasks::show(&state.services, &caller, &id).await?;
    Ok(Json(detail_json(&detail)))
}

async fn act(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, command)): Path<(String, String)>,
    Json(body): Json<ActionInput>,
) -> Result<Json<Value>, ApiError> {
    let view = tasks::act(&state.services, &caller, &id, &command, body).await?;
    Ok(Json(task_json(&view)))
}

async fn comment(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<CommentInput>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let entry = tasks::comment(&state.services, &caller, &id, body).await?;
    Ok((StatusCode::CREATED, Json(entry_json(&entry))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AttachQuery {
    name: Option<String>,
}

/// 413: the file is larger than this server accepts.
fn too_large(max: usize) -> ApiError {
    ApiError::PayloadTooLarge(format!(
        "the file is larger than the {max} bytes this server accepts"
    ))
}

async fn attach(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<AttachQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let max = state.services.settings.max_attachment_bytes;
    let bytes = body_at_most(&headers, body, max, || too_large(max)).await?;
    let content_type = match headers.get(header::CONTENT_TYPE) {
        None => None,
        Some(v) => Some(
            v.to_str()
                .map_err(|_| {
                    ApiError::BadRequest(
                        "Content-Type must be a media type such as application/pdf".into(),
                    )
                })?
                .to_owned(),
        ),
    };
    let upload = Upload {
        name: query.name,
        content_type,
        bytes,
    };
    let attachment = tasks::attach(&state.services, &caller, &id, upload).await?;
    Ok((StatusCode::CREATED, Json(attachment_json(&attachment))).into_response())
}

/// `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded>` (RFC 6266),
/// so a Chinese name survives and no name can break out of the header.
fn content_disposition(name: &str) -> HeaderValue {
    let fallback: String = name
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

async fn download(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, attachment_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (attachment, bytes) =
        tasks::attachment(&state.services, &caller, &id, &attachment_id).await?;
    let content_type = HeaderValue::from_str(&attachment.content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    let headers = [
        (header::CONTENT_TYPE, content_type),
        (
            header::CONTENT_DISPOSITION,
            content_disposition(&attachment.name),
        ),
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
    Ok((headers, bytes).into_response())
}

async fn request_extension(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<ExtensionInput>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let extension = tasks::request_extension(&state.services, &caller, &id, body).await?;
    Ok((StatusCode::CREATED, Json(extension_json(&extension))))
}

async fn decide_extension(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, extension_id)): Path<(String, String)>,
    Json(body): Json<DecisionInput>,
) -> Result<Json<Value>, ApiError> {
    let (extension, view) =
        tasks::decide_extension(&state.services, &caller, &id, &extension_id, body).await?;
    Ok(Json(json!({
        "extension": extension_json(&extension),
        "task": task_json(&view),
    })))
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
