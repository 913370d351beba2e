//! Supervision documents (监督文书) over HTTP: thin handlers over
//! [`crate::work::supervision_docs`], and its text over the one signed-document lifecycle
//! ([`crate::work::signing`]) with [`SupervisionText`].
//!
//! A document the caller's body neither issued, received (once issued), nor reads as a bureau
//! above answers 404, exactly like one that does not exist. Illegal commands answer 409 naming
//! the rule; a stale `revision` 409. A piece of evidence arrives as a raw body (not JSON) under
//! `--max-attachment-bytes` (413 beyond, nothing stored), only once the document and the
//! caller's right to attach are checked, and is served back only as a download.

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::minutes::{bundle_download, download, FileBody};
use crate::auth::Caller;
use crate::domain::supervision_doc::SupervisionAction;
use crate::error::{ApiError, Refusals};
use crate::http::extract::{Json, Path, Query};
use crate::http::tasks::{as_download, upload, FileBytes};
use crate::state::AppState;
use crate::work::region_stats::FigureFilter;
use crate::work::signing::{self, SignedAction, StatementInput, ToSign};
use crate::work::supervision_docs::{
    self, CreateSupervision, SupervisionBody, SupervisionListQuery, SupervisionListRole,
    SupervisionPage,
};
use crate::work::supervision_text::{SupervisionText, SupervisionTextView};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show))
        .routes(routes!(act))
        .routes(routes!(download_evidence))
        .routes(routes!(remove_evidence))
        .routes(routes!(text))
        .routes(routes!(text_act))
        .routes(routes!(text_statement))
        .routes(routes!(text_bundle))
        .routes(routes!(text_artefact))
        // Files are far larger than the JSON bodies the global limit is made for; the handler
        // reads the body itself, up to --max-attachment-bytes.
        .merge(
            OpenApiRouter::new()
                .routes(routes!(attach_evidence))
                .layer(DefaultBodyLimit::disable()),
        )
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// `issued` (制发), `received` (收到) or `supervised` (上级监督); all when absent.
    #[param(inline)]
    role: Option<SupervisionListRole>,
    /// Only those issued to this body (评议考核's links); with `from` or `to` alone, the
    /// caller's own.
    org: Option<String>,
    /// Only those issued from this date, `YYYY-MM-DD` (Beijing); 1 January of the period's
    /// year when only `to` or `org` is given.
    from: Option<String>,
    /// Only those issued until this date, `YYYY-MM-DD` (Beijing), included.
    to: Option<String>,
    /// Only those rectified on time (accepted with no report ever late), as the figures count
    /// them.
    #[serde(default)]
    on_time: bool,
}

impl ListQuery {
    fn query(&self) -> SupervisionListQuery<'_> {
        SupervisionListQuery {
            role: self.role,
            figure: FigureFilter {
                org: self.org.as_deref(),
                from: self.from.as_deref(),
                to: self.to.as_deref(),
            },
            on_time: self.on_time,
        }
    }
}

/// The supervision documents the caller's bureau issued, its body received, or it reads as a
/// bureau above.
#[utoipa::path(
    get, path = "/api/supervision-docs", tag = "supervision",
    operation_id = "supervision_docs_list",
    params(ListQuery),
    responses((status = 200, description = "the documents, newest first", body = SupervisionPage), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ListQuery>,
) -> Result<Json<SupervisionPage>, ApiError> {
    Ok(Json(
        supervision_docs::list(&state.services, &caller, query.query()).await?,
    ))
}

/// Drafts a supervision document (通知书, 意见书 or 决定书) to a body of the caller's bureau's
/// region; its text is then written live and signed.
#[utoipa::path(
    post, path = "/api/supervision-docs", tag = "supervision",
    operation_id = "supervision_docs_create",
    request_body = CreateSupervision,
    responses((status = 201, description = "the draft", body = SupervisionBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<CreateSupervision>,
) -> Result<(StatusCode, Json<SupervisionBody>), ApiError> {
    let doc = supervision_docs::create(&state.services, &caller, body).await?;
    Ok((StatusCode::CREATED, Json(doc)))
}

/// A supervision document with its reports, its clock and the caller's commands.
#[utoipa::path(
    get, path = "/api/supervision-docs/{id}", tag = "supervision",
    operation_id = "supervision_docs_show",
    params(("id" = String, Path, description = "the supervision document's id")),
    responses((status = 200, description = "the document", body = SupervisionBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<SupervisionBody>, ApiError> {
    Ok(Json(
        supervision_docs::show(&state.services, &caller, &id).await?,
    ))
}

/// Gives a command (submit the rectification report, accept, send back, close, withdraw the
/// draft); the document's `commands` say which the caller may give now.
#[utoipa::path(
    post, path = "/api/supervision-docs/{id}/actions", tag = "supervision",
    operation_id = "supervision_docs_act",
    params(("id" = String, Path, description = "the supervision document's id")),
    request_body = SupervisionAction,
    responses((status = 200, description = "the document after the command", body = SupervisionBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn act(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(action): Json<SupervisionAction>,
) -> Result<Json<SupervisionBody>, ApiError> {
    Ok(Json(
        supervision_docs::act(&state.services, &caller, &id, action).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct FileQuery {
    /// The file's name as the person knows it (`整改台账.pdf`).
    name: Option<String>,
}

/// Attaches a file of evidence (整改材料) to the report being written, sent as the raw body
/// with its own `Content-Type`: the supervised body, while it rectifies.
#[utoipa::path(
    post, path = "/api/supervision-docs/{id}/evidence", tag = "supervision",
    operation_id = "supervision_docs_attach_evidence",
    params(("id" = String, Path, description = "the supervision document's id"), FileQuery),
    request_body(content = FileBytes, content_type = "application/octet-stream",
        description = "the file's bytes; any media type, given as `Content-Type`"),
    responses((status = 200, description = "the document with the evidence", body = SupervisionBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn attach_evidence(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<FileQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<SupervisionBody>, ApiError> {
    // An unknown document, or an upload the caller may not make now, is refused before the
    // file is read.
    supervision_docs::may_attach_evidence(&state.services, &caller, &id).await?;
    let (file, _place) = upload(&state, query.name, &headers, body).await?;
    Ok(Json(
        supervision_docs::attach(&state.services, &caller, &id, file).await?,
    ))
}

/// A file of evidence, as a download of the type it was uploaded with.
#[utoipa::path(
    get, path = "/api/supervision-docs/{id}/evidence/{evidence}", tag = "supervision",
    operation_id = "supervision_docs_download_evidence",
    params(
        ("id" = String, Path, description = "the supervision document's id"),
        ("evidence" = String, Path, description = "the evidence's id"),
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
    Path((id, evidence)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let file = supervision_docs::download(&state.services, &caller, &id, &evidence).await?;
    Ok(as_download(file))
}

/// Removes a file of evidence from the report being written, before it is submitted.
#[utoipa::path(
    delete, path = "/api/supervision-docs/{id}/evidence/{evidence}", tag = "supervision",
    operation_id = "supervision_docs_remove_evidence",
    params(
        ("id" = String, Path, description = "the supervision document's id"),
        ("evidence" = String, Path, description = "the evidence's id"),
    ),
    responses((status = 200, description = "the document without it", body = SupervisionBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn remove_evidence(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, evidence)): Path<(String, String)>,
) -> Result<Json<SupervisionBody>, ApiError> {
    Ok(Json(
        supervision_docs::remove_evidence(&state.services, &caller, &id, &evidence).await?,
    ))
}

/// The text as a signed document: its version, state, signing, and what the caller may do now
/// (the issuing bureau freezes, signs and archives it; its last signature issues it).
#[utoipa::path(
    get, path = "/api/supervision-docs/{id}/text", tag = "supervision",
    operation_id = "supervision_docs_text",
    params(("id" = String, Path, description = "the supervision document's id")),
    responses((status = 200, description = "the text", body = SupervisionTextView), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn text(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<SupervisionTextView>, ApiError> {
    Ok(Json(
        signing::show_of::<SupervisionText>(&state.services, &caller, &id).await?,
    ))
}

/// Freezes (定稿), opens signing, signs, sends back or archives the text: the issuing bureau.
#[utoipa::path(
    post, path = "/api/supervision-docs/{id}/text/actions", tag = "supervision",
    operation_id = "supervision_docs_text_act",
    params(("id" = String, Path, description = "the supervision document's id")),
    request_body = SignedAction,
    responses((status = 200, description = "the text after the command", body = SupervisionTextView), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn text_act(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(action): Json<SignedAction>,
) -> Result<Json<SupervisionTextView>, ApiError> {
    let act = action.into();
    Ok(Json(
        signing::act_of::<SupervisionText>(&state.services, &caller, &id, act).await?,
    ))
}

/// The statement the bureau signs now, and the exact bytes to sign.
#[utoipa::path(
    post, path = "/api/supervision-docs/{id}/text/statement", tag = "supervision",
    operation_id = "supervision_docs_text_statement",
    params(("id" = String, Path, description = "the supervision document's id")),
    request_body = StatementInput,
    responses((status = 200, description = "what to sign", body = ToSign), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn text_statement(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(input): Json<StatementInput>,
) -> Result<Json<ToSign>, ApiError> {
    Ok(Json(
        signing::statement_of::<SupervisionText>(&state.services, &caller, &id, input).await?,
    ))
}

/// The archive bundle of an archived version: verifiable offline with `concord verify` or
/// OpenSSL (docs/bundle.md).
#[utoipa::path(
    get, path = "/api/supervision-docs/{id}/text/versions/{version}/bundle.zip",
    tag = "supervision", operation_id = "supervision_docs_text_bundle",
    params(("id" = String, Path, description = "the supervision document's id"),
        ("version" = i64, Path, description = "an archived version")),
    responses((status = 200, description = "the bundle", content_type = "application/zip",
        body = FileBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn text_bundle(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, version)): Path<(String, i64)>,
) -> Result<Response, ApiError> {
    let bundle =
        signing::bundle_of::<SupervisionText>(&state.services, &caller, &id, version).await?;
    Ok(bundle_download(bundle))
}

/// One stored file of a version of the text, exactly as made.
#[utoipa::path(
    get, path = "/api/supervision-docs/{id}/text/versions/{version}/{file}",
    tag = "supervision", operation_id = "supervision_docs_text_artefact",
    params(("id" = String, Path, description = "the supervision document's id"),
        ("version" = i64, Path, description = "a made version"),
        ("file" = String, Path, description = "content.json, manifest.json, supervision.html, \
            supervision.pdf, signature-page.html or signature-page.pdf")),
    responses((status = 200, description = "the file's stored bytes",
        content_type = "application/octet-stream", body = FileBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn text_artefact(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, version, file)): Path<(String, i64, String)>,
) -> Result<Response, ApiError> {
    let artefact =
        signing::artefact_of::<SupervisionText>(&state.services, &caller, &id, version, &file)
            .await?;
    Ok(download(artefact))
}
