//! Minutes of a meeting over HTTP: thin handlers over [`crate::work::minutes`].
//!
//! A meeting the caller may not see answers 404 here as everywhere. Signing is two calls, so
//! that the private key stays with the signer: `POST …/statement` hands out the statement and
//! the exact bytes to sign (its DSSE PAE); `POST …/signatures` takes the statement back with
//! the Ed25519 signature. The browser, agency systems and `concord admin sign` all use them.

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::extract::{Json, Path};
use crate::state::AppState;
use crate::work::minutes::{
    self, FreezeInput, MinutesView, ReopenInput, SignInput, StatementInput, ToSign, VersionInput,
};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/meetings/{id}/minutes", get(show))
        .route("/api/meetings/{id}/minutes/freeze", post(freeze))
        .route(
            "/api/meetings/{id}/minutes/open-signing",
            post(open_signing),
        )
        .route("/api/meetings/{id}/minutes/statement", post(statement))
        .route("/api/meetings/{id}/minutes/signatures", post(sign))
        .route("/api/meetings/{id}/minutes/reopen", post(reopen))
        .route("/api/meetings/{id}/minutes/archive", post(archive))
        .route(
            "/api/meetings/{id}/minutes/versions/{version}/bundle.zip",
            get(bundle),
        )
        .route(
            "/api/meetings/{id}/minutes/versions/{version}/{file}",
            get(artefact),
        )
}

async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<MinutesView>, ApiError> {
    Ok(Json(minutes::show(&state.services, &caller, &id).await?))
}

async fn freeze(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(input): Json<FreezeInput>,
) -> Result<Json<MinutesView>, ApiError> {
    Ok(Json(
        minutes::freeze(&state.services, &caller, &id, input).await?,
    ))
}

async fn open_signing(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(input): Json<VersionInput>,
) -> Result<Json<MinutesView>, ApiError> {
    Ok(Json(
        minutes::open_signing(&state.services, &caller, &id, input).await?,
    ))
}

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

async fn sign(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(input): Json<SignInput>,
) -> Result<Json<MinutesView>, ApiError> {
    Ok(Json(
        minutes::sign(&state.services, &caller, &id, input).await?,
    ))
}

async fn reopen(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(input): Json<ReopenInput>,
) -> Result<Json<MinutesView>, ApiError> {
    Ok(Json(
        minutes::reopen(&state.services, &caller, &id, input).await?,
    ))
}

async fn archive(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(input): Json<VersionInput>,
) -> Result<Json<MinutesView>, ApiError> {
    Ok(Json(
        minutes::archive(&state.services, &caller, &id, input).await?,
    ))
}

/// Downloads are the participants' records: never cached by a shared cache, never sniffed.
fn download_headers(
    content_type: &'static str,
    filename: Option<String>,
) -> Vec<(header::HeaderName, HeaderValue)> {
    let mut headers = vec![
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        ),
        // The HTML rendition is shown, never run.
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("sandbox; default-src 'none'; style-src 'unsafe-inline'"),
        ),
    ];
    if let Some(name) =
        filename.and_then(|n| HeaderValue::from_str(&format!("attachment; filename=\"{n}\"")).ok())
    {
        headers.push((header::CONTENT_DISPOSITION, name));
    }
    headers
}

async fn bundle(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, version)): Path<(String, i64)>,
) -> Result<Response, ApiError> {
    let zip = minutes::bundle(&state.services, &caller, &id, version).await?;
    let name = format!("minutes-{id}-v{version}.zip");
    let mut response = zip.into_response();
    for (name_, value) in download_headers("application/zip", Some(name)) {
        response.headers_mut().insert(name_, value);
    }
    Ok(response)
}

async fn artefact(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, version, file)): Path<(String, i64, String)>,
) -> Result<Response, ApiError> {
    let (content_type, bytes) =
        minutes::artefact(&state.services, &caller, &id, version, &file).await?;
    let mut response = bytes.into_response();
    for (name, value) in download_headers(content_type, None) {
        response.headers_mut().insert(name, value);
    }
    Ok(response)
}
