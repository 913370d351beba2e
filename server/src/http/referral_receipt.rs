//! A referral's receipt (移送回执) over HTTP: thin handlers over the one signed-document
//! lifecycle ([`crate::work::signing`]) with [`ReferralReceiptDoc`].
//!
//! Whoever reads the referral reads its receipt (anyone else: 404, as for the referral); the
//! receiving body makes it (`freeze`), opens signing, signs with its person and seal, and
//! archives it; the bundle then verifies offline.

use axum::extract::State;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::minutes::{bundle_download, download, FileBody};
use crate::auth::Caller;
use crate::error::{ApiError, Refusals};
use crate::http::extract::{Json, Path};
use crate::state::AppState;
use crate::work::referral_receipt::{ReceiptView, ReferralReceiptDoc};
use crate::work::signing::{self, SignedAction, StatementInput, ToSign};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(receipt))
        .routes(routes!(receipt_act))
        .routes(routes!(receipt_statement))
        .routes(routes!(receipt_bundle))
        .routes(routes!(receipt_artefact))
}

/// 移送回执: the referral's receipt: its version, state, signing, and what the caller may do
/// now (the receiving body makes it once it signed for the referral and checked every item).
#[utoipa::path(
    get, path = "/api/referrals/{id}/receipt", tag = "referrals",
    operation_id = "referrals_receipt",
    params(("id" = String, Path, description = "the referral's id")),
    responses((status = 200, description = "the receipt", body = ReceiptView), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn receipt(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ReceiptView>, ApiError> {
    Ok(Json(
        signing::show_of::<ReferralReceiptDoc>(&state.services, &caller, &id).await?,
    ))
}

/// Makes (`freeze`), opens signing, signs, sends back or archives the receipt: the receiving
/// body alone.
#[utoipa::path(
    post, path = "/api/referrals/{id}/receipt/actions", tag = "referrals",
    operation_id = "referrals_receipt_act",
    params(("id" = String, Path, description = "the referral's id")),
    request_body = SignedAction,
    responses((status = 200, description = "the receipt after the command", body = ReceiptView), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn receipt_act(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(action): Json<SignedAction>,
) -> Result<Json<ReceiptView>, ApiError> {
    let act = action.into();
    Ok(Json(
        signing::act_of::<ReferralReceiptDoc>(&state.services, &caller, &id, act).await?,
    ))
}

/// The statement the receiving body signs now, and the exact bytes to sign.
#[utoipa::path(
    post, path = "/api/referrals/{id}/receipt/statement", tag = "referrals",
    operation_id = "referrals_receipt_statement",
    params(("id" = String, Path, description = "the referral's id")),
    request_body = StatementInput,
    responses((status = 200, description = "what to sign", body = ToSign), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn receipt_statement(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(input): Json<StatementInput>,
) -> Result<Json<ToSign>, ApiError> {
    Ok(Json(
        signing::statement_of::<ReferralReceiptDoc>(&state.services, &caller, &id, input).await?,
    ))
}

/// The archive bundle of an archived version: verifiable offline with `concord verify` or
/// OpenSSL (docs/bundle.md).
#[utoipa::path(
    get, path = "/api/referrals/{id}/receipt/versions/{version}/bundle.zip",
    tag = "referrals", operation_id = "referrals_receipt_bundle",
    params(("id" = String, Path, description = "the referral's id"),
        ("version" = i64, Path, description = "an archived version")),
    responses((status = 200, description = "the bundle", content_type = "application/zip",
        body = FileBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn receipt_bundle(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, version)): Path<(String, i64)>,
) -> Result<Response, ApiError> {
    let bundle =
        signing::bundle_of::<ReferralReceiptDoc>(&state.services, &caller, &id, version).await?;
    Ok(bundle_download(bundle))
}

/// One stored file of a version of the receipt, exactly as made.
#[utoipa::path(
    get, path = "/api/referrals/{id}/receipt/versions/{version}/{file}",
    tag = "referrals", operation_id = "referrals_receipt_artefact",
    params(("id" = String, Path, description = "the referral's id"),
        ("version" = i64, Path, description = "a made version"),
        ("file" = String, Path, description = "content.json, manifest.json, receipt.html, \
            receipt.pdf, signature-page.html or signature-page.pdf")),
    responses((status = 200, description = "the file's stored bytes",
        content_type = "application/octet-stream", body = FileBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn receipt_artefact(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, version, file)): Path<(String, i64, String)>,
) -> Result<Response, ApiError> {
    let artefact =
        signing::artefact_of::<ReferralReceiptDoc>(&state.services, &caller, &id, version, &file)
            .await?;
    Ok(download(artefact))
}
