//! Case referrals (案件移送) over HTTP: thin handlers over [`crate::work::referrals`].
//!
//! A referral the caller's body neither referred, received (once sent), is copied on, nor
//! reads as a supervising bureau or procuratorate answers 404, exactly like one that does not
//! exist. Illegal commands answer 409 naming the rule; a stale `revision` 409. An item's file
//! arrives as a raw body (not JSON) under `--max-attachment-bytes` (413 beyond, nothing
//! stored), only once the referral, the item and the caller's right to upload it are checked,
//! and is served back only as a download.

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::domain::referral::ReferralAction;
use crate::error::{ApiError, Refusals};
use crate::http::extract::{Json, Path, Query};
use crate::http::tasks::{as_download, upload, FileBytes};
use crate::state::AppState;
use crate::work::referrals::{
    self, AddItem, CheckItem, CreateReferral, EditCase, ReferralBody, ReferralListRole,
    ReferralPage, RemoveItem,
};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, edit_case))
        .routes(routes!(act))
        .routes(routes!(add_item))
        .routes(routes!(remove_item))
        .routes(routes!(check_item))
        .routes(routes!(download_item))
        // Files are far larger than the JSON bodies the global limit is made for; the handler
        // reads the body itself, up to --max-attachment-bytes.
        .merge(
            OpenApiRouter::new()
                .routes(routes!(upload_item))
                .layer(DefaultBodyLimit::disable()),
        )
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// `outgoing` (移出), `incoming` (移入) or `supervised` (抄送与监督); all when absent.
    #[param(inline)]
    role: Option<ReferralListRole>,
}

/// The referrals the caller's body made, received, is copied on or supervises.
#[utoipa::path(
    get, path = "/api/referrals", tag = "referrals",
    operation_id = "referrals_list",
    params(ListQuery),
    responses((status = 200, description = "the referrals, newest first", body = ReferralPage), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ListQuery>,
) -> Result<Json<ReferralPage>, ApiError> {
    Ok(Json(
        referrals::list(&state.services, &caller, query.role).await?,
    ))
}

/// Drafts a referral of the caller's body, with its case and the names of its checklist's
/// items.
#[utoipa::path(
    post, path = "/api/referrals", tag = "referrals",
    operation_id = "referrals_create",
    request_body = CreateReferral,
    responses((status = 201, description = "the draft", body = ReferralBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<CreateReferral>,
) -> Result<(StatusCode, Json<ReferralBody>), ApiError> {
    let referral = referrals::create(&state.services, &caller, body).await?;
    Ok((StatusCode::CREATED, Json(referral)))
}

/// A referral with its checklist, its clock and the caller's commands.
#[utoipa::path(
    get, path = "/api/referrals/{id}", tag = "referrals",
    operation_id = "referrals_show",
    params(("id" = String, Path, description = "the referral's id")),
    responses((status = 200, description = "the referral", body = ReferralBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ReferralBody>, ApiError> {
    Ok(Json(referrals::show(&state.services, &caller, &id).await?))
}

/// Rewrites the draft's case (the referring body, while it is a draft).
#[utoipa::path(
    put, path = "/api/referrals/{id}", tag = "referrals",
    operation_id = "referrals_edit_case",
    params(("id" = String, Path, description = "the referral's id")),
    request_body = EditCase,
    responses((status = 200, description = "the draft", body = ReferralBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn edit_case(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<EditCase>,
) -> Result<Json<ReferralBody>, ApiError> {
    Ok(Json(
        referrals::edit_case(&state.services, &caller, &id, body).await?,
    ))
}

/// Gives a referral command (the referral's `commands` say which the caller may give now).
#[utoipa::path(
    post, path = "/api/referrals/{id}/actions", tag = "referrals",
    operation_id = "referrals_act",
    params(("id" = String, Path, description = "the referral's id")),
    request_body = ReferralAction,
    responses((status = 200, description = "the referral after the command", body = ReferralBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn act(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(action): Json<ReferralAction>,
) -> Result<Json<ReferralBody>, ApiError> {
    Ok(Json(
        referrals::act(&state.services, &caller, &id, action).await?,
    ))
}

/// Adds an item to the draft's material checklist.
#[utoipa::path(
    post, path = "/api/referrals/{id}/items", tag = "referrals",
    operation_id = "referrals_add_item",
    params(("id" = String, Path, description = "the referral's id")),
    request_body = AddItem,
    responses((status = 200, description = "the draft", body = ReferralBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn add_item(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<AddItem>,
) -> Result<Json<ReferralBody>, ApiError> {
    Ok(Json(
        referrals::add_item(&state.services, &caller, &id, body).await?,
    ))
}

/// Removes an item from the draft's material checklist.
#[utoipa::path(
    post, path = "/api/referrals/{id}/items/{item}/remove", tag = "referrals",
    operation_id = "referrals_remove_item",
    params(
        ("id" = String, Path, description = "the referral's id"),
        ("item" = String, Path, description = "the item's id"),
    ),
    request_body = RemoveItem,
    responses((status = 200, description = "the draft", body = ReferralBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn remove_item(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, item)): Path<(String, String)>,
    Json(body): Json<RemoveItem>,
) -> Result<Json<ReferralBody>, ApiError> {
    Ok(Json(
        referrals::remove_item(&state.services, &caller, &id, &item, body).await?,
    ))
}

/// The receiver marks an item received, or missing with what is missing.
#[utoipa::path(
    post, path = "/api/referrals/{id}/items/{item}/check", tag = "referrals",
    operation_id = "referrals_check_item",
    params(
        ("id" = String, Path, description = "the referral's id"),
        ("item" = String, Path, description = "the item's id"),
    ),
    request_body = CheckItem,
    responses((status = 200, description = "the referral", body = ReferralBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn check_item(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, item)): Path<(String, String)>,
    Json(body): Json<CheckItem>,
) -> Result<Json<ReferralBody>, ApiError> {
    Ok(Json(
        referrals::check(&state.services, &caller, &id, &item, body).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct FileQuery {
    /// The file's name as the person knows it (`现场检查笔录.pdf`).
    name: Option<String>,
}

/// Uploads an item's file, sent as the raw body with its own `Content-Type`: in the draft, or
/// supplying an item the receiver marked missing.
#[utoipa::path(
    put, path = "/api/referrals/{id}/items/{item}/file", tag = "referrals",
    operation_id = "referrals_upload_item",
    params(
        ("id" = String, Path, description = "the referral's id"),
        ("item" = String, Path, description = "the item's id"),
        FileQuery,
    ),
    request_body(content = FileBytes, content_type = "application/octet-stream",
        description = "the file's bytes; any media type, given as `Content-Type`"),
    responses((status = 200, description = "the referral with the file", body = ReferralBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn upload_item(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, item)): Path<(String, String)>,
    Query(query): Query<FileQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<ReferralBody>, ApiError> {
    // An unknown referral or item, or an upload the caller may not make now, is refused
    // before the file is read.
    referrals::may_upload(&state.services, &caller, &id, &item).await?;
    let (file, _place) = upload(&state, query.name, &headers, body).await?;
    Ok(Json(
        referrals::upload(&state.services, &caller, &id, &item, file).await?,
    ))
}

/// An item's file, as a download of the type it was uploaded with.
#[utoipa::path(
    get, path = "/api/referrals/{id}/items/{item}/file", tag = "referrals",
    operation_id = "referrals_download_item",
    params(
        ("id" = String, Path, description = "the referral's id"),
        ("item" = String, Path, description = "the item's id"),
    ),
    responses(
        (status = 200, description = "the file's bytes, served as an attachment (`Content-Disposition`, `nosniff`, `sandbox`)",
            content_type = "application/octet-stream", body = FileBytes),
        Refusals
    ),
    security(("session" = []), ("token" = []))
)]
async fn download_item(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, item)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let file = referrals::download(&state.services, &caller, &id, &item).await?;
    Ok(as_download(file))
}
