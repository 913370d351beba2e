//! Case-file reviews (案卷评查) over HTTP: thin handlers over [`crate::work::reviews`], and
//! the summary report over the one signed-document lifecycle with [`ReviewSummaryText`]
//! (`http::signed_text`).
//!
//! A review the caller's body neither organises, takes part in (once launched), nor reads as
//! a supervising bureau answers 404, exactly like one that does not exist; so does a file the caller
//! may not read. Illegal commands answer 409 naming the rule; a stale `revision` 409.

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::signed_text::signed_text_routes;
use crate::auth::Caller;
use crate::domain::review::{FileAction, ReviewAction};
use crate::domain::review_sheet::Sheet;
use crate::error::{ApiError, Refusals};
use crate::http::extract::{Json, Path, Query};
use crate::http::tasks::{as_download, upload, FileBytes};
use crate::state::AppState;
use crate::work::region_stats::FigureFilter;
use crate::work::review_attachments;
use crate::work::review_summary::{ReviewSummaryText, ReviewSummaryView};
use crate::work::reviews::{
    self, CreateReview, FileAttachmentBody, NameReviewers, RegisterFile, ReviewBody,
    ReviewFileBody, ReviewPage, ReviewedFilesPage, ReviewedFilesQuery,
};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(default_sheet))
        .routes(routes!(reviewed_files))
        .routes(routes!(show))
        .routes(routes!(act))
        .routes(routes!(register_file))
        .routes(routes!(act_on_file))
        .routes(routes!(name_reviewers))
        .routes(routes!(download_attachment))
        .merge(summary::router())
        // A scanned file is far larger than the JSON bodies the global limit is made for; the
        // handler reads the body itself, up to --max-attachment-bytes.
        .merge(
            OpenApiRouter::new()
                .routes(routes!(attach))
                .layer(DefaultBodyLimit::disable()),
        )
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct AttachQuery {
    /// The file's name as the person knows it (`上市监罚〔2025〕12号卷宗.pdf`).
    name: Option<String>,
}

signed_text_routes!(mod summary for ReviewSummaryText => ReviewSummaryView;
    tag = "reviews", subject = "the review's id",
    show = ("/api/reviews/{id}/summary", "reviews_summary"),
    act = ("/api/reviews/{id}/summary/actions", "reviews_summary_act"),
    statement = ("/api/reviews/{id}/summary/statement", "reviews_summary_statement"),
    bundle = ("/api/reviews/{id}/summary/versions/{version}/bundle.zip", "reviews_summary_bundle"),
    artefact = ("/api/reviews/{id}/summary/versions/{version}/{file}", "reviews_summary_artefact",
        "content.json, manifest.json, review-summary.html, review-summary.pdf, signature-page.html or signature-page.pdf"),
);

/// The reviews the caller's body organises or takes part in, or reads as the bureau of the
/// organiser's region or one above; newest first.
#[utoipa::path(
    get, path = "/api/reviews", tag = "reviews", operation_id = "reviews_list",
    responses((status = 200, description = "the reviews", body = ReviewPage), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<ReviewPage>, ApiError> {
    Ok(Json(reviews::list(&state.services, &caller).await?))
}

/// Plans a case-file review of the caller's body (筹备中: the bodies are told when it is
/// launched): a judicial bureau's over bodies of its region, an enforcement department's over
/// its own field (itself and the bodies under it). Without a `sheet` the default scoring
/// sheet is used.
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

/// The scoring sheet that ships (行政执法案卷评查表（通用）), in the shape `sheet` of a plan
/// takes: a bureau or an enforcement department adjusts it and plans with the copy.
#[utoipa::path(
    get, path = "/api/reviews/sheets/default", tag = "reviews", operation_id = "reviews_default_sheet",
    responses((status = 200, description = "the default scoring sheet", body = Sheet), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn default_sheet(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Sheet>, ApiError> {
    Ok(Json(
        reviews::default_sheet(&state.services, &caller).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct FilesQuery {
    /// The body whose files were reviewed (评议考核's links); the caller's own when not given.
    org: Option<String>,
    /// Confirmed from this date, `YYYY-MM-DD` (Beijing); 1 January of the period's year when
    /// only `to` is given.
    from: Option<String>,
    /// Confirmed until this date, `YYYY-MM-DD` (Beijing), included.
    to: Option<String>,
    /// Only those confirmed 不合格.
    #[serde(default)]
    failed: bool,
}

impl FilesQuery {
    fn query(&self) -> ReviewedFilesQuery<'_> {
        ReviewedFilesQuery {
            figure: FigureFilter {
                org: self.org.as_deref(),
                from: self.from.as_deref(),
                to: self.to.as_deref(),
            },
            failed: self.failed,
        }
    }
}

/// The files of a body whose grade a review confirmed in a period, of the reviews and files
/// the caller reads: the rows behind 评查案卷数 and 不合格案卷数 of the region's figures.
#[utoipa::path(
    get, path = "/api/reviews/files", tag = "reviews", operation_id = "reviews_reviewed_files",
    params(FilesQuery),
    responses((status = 200, description = "the files, newest confirmation first", body = ReviewedFilesPage), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn reviewed_files(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<FilesQuery>,
) -> Result<Json<ReviewedFilesPage>, ApiError> {
    Ok(Json(
        reviews::reviewed_files(&state.services, &caller, query.query()).await?,
    ))
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
    Ok(Json(
        reviews::act(&state.services, &caller, &id, action).await?,
    ))
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

/// An admin of the file's reviewing body names the one or two of its people (评查人) who alone
/// write the file's live sheet and submit it, replacing those named before; while it is scored.
#[utoipa::path(
    put, path = "/api/reviews/{id}/files/{file}/reviewers", tag = "reviews",
    operation_id = "reviews_file_name_reviewers",
    params(
        ("id" = String, Path, description = "the review's id"),
        ("file" = String, Path, description = "the file's id"),
    ),
    request_body = NameReviewers,
    responses((status = 200, description = "the file with its reviewers", body = ReviewFileBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn name_reviewers(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, file)): Path<(String, String)>,
    Json(input): Json<NameReviewers>,
) -> Result<Json<ReviewFileBody>, ApiError> {
    let file = reviews::name_reviewers(&state.services, &caller, &id, &file, input).await?;
    Ok(Json(file))
}

/// The body whose file it is attaches its scanned file (电子卷宗) while files are registered,
/// sent as the raw body with its own `Content-Type`; stored with its SHA-256, never deleted.
#[utoipa::path(
    post, path = "/api/reviews/{id}/files/{file}/attachments", tag = "reviews",
    operation_id = "reviews_file_attach",
    params(
        ("id" = String, Path, description = "the review's id"),
        ("file" = String, Path, description = "the file's id"),
        AttachQuery,
    ),
    request_body(content = FileBytes, content_type = "application/octet-stream",
        description = "the file's bytes; any media type, given as `Content-Type`"),
    responses((status = 201, description = "the stored attachment", body = FileAttachmentBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn attach(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, file)): Path<(String, String)>,
    Query(query): Query<AttachQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<FileAttachmentBody>), ApiError> {
    // An unknown file, or one the caller may not attach to now, is refused before the upload
    // is read.
    review_attachments::may_attach(&state.services, &caller, &id, &file).await?;
    let (upload, _place) = upload(&state, query.name, &headers, body).await?;
    let attached = review_attachments::attach(&state.services, &caller, &id, &file, upload).await?;
    Ok((StatusCode::CREATED, Json(attached)))
}

/// An attachment of a file, as a download of the type it was uploaded with, for whoever
/// reads the file.
#[utoipa::path(
    get, path = "/api/reviews/{id}/files/{file}/attachments/{attachment}", tag = "reviews",
    operation_id = "reviews_file_download_attachment",
    params(
        ("id" = String, Path, description = "the review's id"),
        ("file" = String, Path, description = "the file's id"),
        ("attachment" = String, Path, description = "the attachment's id"),
    ),
    responses(
        (status = 200, description = "the file's bytes, served as an attachment (`Content-Disposition`, `nosniff`, `sandbox`)",
            content_type = "application/octet-stream", body = FileBytes),
        Refusals
    ),
    security(("session" = []), ("token" = []))
)]
async fn download_attachment(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, file, attachment)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let file =
        review_attachments::download(&state.services, &caller, &id, &file, &attachment).await?;
    Ok(as_download(file))
}
