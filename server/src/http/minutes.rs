//! Minutes of a meeting over HTTP: thin handlers over [`crate::work::minutes`], which is the
//! meeting's part of the one signed-document lifecycle ([`crate::work::signing`]). The routes
//! of the next signed documents (a dispute's decision, …) look the same under their own
//! subject and call the same lifecycle.
//!
//! A meeting the caller may not see answers 404 here as everywhere. Signing is two calls, so
//! that the private key stays with the signer: `POST …/statement` hands out the statement, its
//! payload type and the exact bytes to sign (its DSSE PAE); `POST …/signatures` takes the
//! statement back with the Ed25519 signature. The browser, agency systems and
//! `concord admin sign` all use them.

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiError, Refusals};
use crate::http::extract::{Json, Path};
use crate::state::AppState;
use crate::work::minutes::{self, MinutesView};
use crate::work::signing::{
    Act, Artefact, BundleFile, FreezeInput, ReopenInput, SignInput, StatementInput, ToSign,
    VersionInput,
};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(show))
        .routes(routes!(freeze))
        .routes(routes!(open_signing))
        .routes(routes!(statement))
        .routes(routes!(sign))
        .routes(routes!(reopen))
        .routes(routes!(archive))
        .routes(routes!(bundle))
        .routes(routes!(artefact))
}

/// A file's bytes as they are, as the OpenAPI document describes a download or an upload (a
/// bundle, a stored artefact): a string of binary format, not an array of numbers.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub(crate) struct FileBody(Vec<u8>);

/// 会议纪要: the minutes' version, state, signing steps, signatures, earlier versions, and
/// the commands the caller may give now.
#[utoipa::path(
    get, path = "/api/meetings/{id}/minutes", tag = "minutes", operation_id = "minutes_show",
    params(("id" = String, Path, description = "the meeting")),
    responses((status = 200, description = "the minutes", body = MinutesView), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<MinutesView>, ApiError> {
    Ok(Json(minutes::show(&state.services, &caller, &id).await?))
}

/// 定稿: the convener freezes the draft once the meeting has started; the text is projected,
/// its manifest logged, and every open socket becomes read-only.
#[utoipa::path(
    post, path = "/api/meetings/{id}/minutes/freeze", tag = "minutes",
    operation_id = "minutes_freeze", params(("id" = String, Path, description = "the meeting")),
    request_body = FreezeInput,
    responses((status = 200, description = "the frozen minutes", body = MinutesView), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn freeze(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(input): Json<FreezeInput>,
) -> Result<Json<MinutesView>, ApiError> {
    let act = Act::Freeze(input);
    Ok(Json(
        minutes::act(&state.services, &caller, &id, act).await?,
    ))
}

/// 发起会签: the convener opens signing of a frozen version; step 1 is asked to sign.
#[utoipa::path(
    post, path = "/api/meetings/{id}/minutes/open-signing", tag = "minutes",
    operation_id = "minutes_open_signing",
    params(("id" = String, Path, description = "the meeting")), request_body = VersionInput,
    responses((status = 200, description = "signing is open", body = MinutesView), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn open_signing(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(input): Json<VersionInput>,
) -> Result<Json<MinutesView>, ApiError> {
    let act = Act::OpenSigning(input);
    Ok(Json(
        minutes::act(&state.services, &caller, &id, act).await?,
    ))
}

/// The statement the caller's body signs now and the exact bytes to sign (its DSSE PAE, with
/// the kind's payload type). A signed-in person only.
#[utoipa::path(
    post, path = "/api/meetings/{id}/minutes/statement", tag = "minutes",
    operation_id = "minutes_statement",
    params(("id" = String, Path, description = "the meeting")), request_body = StatementInput,
    responses((status = 200, description = "what to sign", body = ToSign), Refusals),
    security(("session" = []))
)]
async fn statement(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(input): Json<StatementInput>,
) -> Result<Json<ToSign>, ApiError> {
    Ok(Json(
        minutes::statement(&state.services, &caller, &id, input).await?,
    ))
}

/// 签署: a person's Ed25519 signature over the statement's PAE, for their body, in turn; the
/// server adds the body's SM2 seal and logs the envelope. The last signature completes the
/// minutes (tasks from agreed items, notices to every participant, the meeting closed).
#[utoipa::path(
    post, path = "/api/meetings/{id}/minutes/signatures", tag = "minutes",
    operation_id = "minutes_sign",
    params(("id" = String, Path, description = "the meeting")), request_body = SignInput,
    responses((status = 200, description = "the signature is logged", body = MinutesView), Refusals),
    security(("session" = []))
)]
async fn sign(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(input): Json<SignInput>,
) -> Result<Json<MinutesView>, ApiError> {
    let act = Act::Sign(input);
    Ok(Json(
        minutes::act(&state.services, &caller, &id, act).await?,
    ))
}

/// 退回修改: the convener, or a signatory while signing is open, sends a version back with a
/// reason; it and its signatures stay in the log, and the text is edited as the next version.
#[utoipa::path(
    post, path = "/api/meetings/{id}/minutes/reopen", tag = "minutes",
    operation_id = "minutes_reopen",
    params(("id" = String, Path, description = "the meeting")), request_body = ReopenInput,
    responses((status = 200, description = "the next version is a draft", body = MinutesView), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn reopen(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(input): Json<ReopenInput>,
) -> Result<Json<MinutesView>, ApiError> {
    let act = Act::Reopen(input);
    Ok(Json(
        minutes::act(&state.services, &caller, &id, act).await?,
    ))
}

/// 归档: the convener archives a version every required body signed; its bundle is exported.
#[utoipa::path(
    post, path = "/api/meetings/{id}/minutes/archive", tag = "minutes",
    operation_id = "minutes_archive",
    params(("id" = String, Path, description = "the meeting")), request_body = VersionInput,
    responses((status = 200, description = "the minutes are archived", body = MinutesView), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn archive(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(input): Json<VersionInput>,
) -> Result<Json<MinutesView>, ApiError> {
    let act = Act::Archive(input);
    Ok(Json(
        minutes::act(&state.services, &caller, &id, act).await?,
    ))
}

/// The archive bundle of an archived version (docs/bundle.md): verifiable offline with
/// `concord verify`, or with OpenSSL alone.
#[utoipa::path(
    get, path = "/api/meetings/{id}/minutes/versions/{version}/bundle.zip", tag = "minutes",
    operation_id = "minutes_bundle",
    params(("id" = String, Path, description = "the meeting"),
        ("version" = i64, Path, description = "an archived version")),
    responses((status = 200, description = "the bundle", content_type = "application/zip",
        body = FileBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn bundle(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, version)): Path<(String, i64)>,
) -> Result<Response, ApiError> {
    let bundle = minutes::bundle(&state.services, &caller, &id, version).await?;
    Ok(bundle_download(bundle))
}

/// An archive bundle as a download under its file name (`会议纪要-….zip`).
pub(super) fn bundle_download(bundle: BundleFile) -> Response {
    let artefact = Artefact {
        media_type: "application/zip",
        bytes: bundle.zip,
    };
    let mut response = download(artefact);
    response.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        super::tasks::attachment(&bundle.name, &bundle.ascii_name),
    );
    response
}

/// One stored file of a frozen version, exactly as frozen: `content.json`, `manifest.json`,
/// `minutes.html`, `minutes.pdf` (when typeset at freeze), or once archived the signature page
/// `signature-page.html` / `signature-page.pdf`.
#[utoipa::path(
    get, path = "/api/meetings/{id}/minutes/versions/{version}/{file}", tag = "minutes",
    operation_id = "minutes_artefact",
    params(("id" = String, Path, description = "the meeting"),
        ("version" = i64, Path, description = "a frozen version"),
        ("file" = String, Path, description = "content.json, manifest.json, minutes.html, \
            minutes.pdf, signature-page.html or signature-page.pdf")),
    responses((status = 200, description = "the file's stored bytes",
        content_type = "application/octet-stream", body = FileBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn artefact(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, version, file)): Path<(String, i64, String)>,
) -> Result<Response, ApiError> {
    let artefact = minutes::artefact(&state.services, &caller, &id, version, &file).await?;
    Ok(download(artefact))
}

/// A stored file as a download: the participants' records, never cached by a shared cache,
/// never sniffed, an HTML rendition shown and never run.
pub(super) fn download(artefact: Artefact) -> Response {
    let mut response = artefact.bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(artefact.media_type),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    // A PDF is opened by the browser's viewer, which a sandbox would block; it runs nothing of
    // the page's origin. Every other file is shown sandboxed, or downloaded.
    if artefact.media_type != "application/pdf" {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("sandbox; default-src 'none'; style-src 'unsafe-inline'"),
        );
    }
    response
}
