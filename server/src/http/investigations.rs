//! Joint investigation groups (联合调查组) over HTTP: thin handlers over
//! [`crate::work::investigations`].
//!
//! A group the caller's body neither leads, takes part in, is invited to nor reads as a bureau
//! answers 404, exactly like one that does not exist (a sensitive group included, unless it
//! was reported to the caller's bureau). Illegal commands answer 409 naming the rule; a stale
//! `revision` 409.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::domain::investigation::{GroupAction, MemberAction};
use crate::error::{ApiError, Refusals};
use crate::http::extract::{Json, Path};
use crate::state::AppState;
use crate::work::investigation_report::{self, FreezeDossier, InvestigationReportDoc, ReportView};
use crate::work::investigations::{self, AttentionInput, GroupBody, GroupPage, ProposeGroup};
use crate::work::signing::{self, SignedAction, StatementInput, ToSign};

use super::minutes::{bundle_download, download, FileBody};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, propose))
        .routes(routes!(show))
        .routes(routes!(act))
        .routes(routes!(membership))
        .routes(routes!(mark_attention))
        .routes(routes!(freeze_dossier))
        .routes(routes!(report))
        .routes(routes!(report_act))
        .routes(routes!(report_statement))
        .routes(routes!(report_bundle))
        .routes(routes!(report_artefact))
}

/// The groups the caller's body leads, takes part in or is invited to, and the internal
/// groups a bureau supervises.
#[utoipa::path(
    get, path = "/api/investigations", tag = "investigations",
    operation_id = "investigations_list",
    responses((status = 200, description = "the groups", body = GroupPage), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<GroupPage>, ApiError> {
    Ok(Json(investigations::list(&state.services, &caller).await?))
}

/// Proposes a joint investigation group led by the caller's body; the member bodies are
/// invited.
#[utoipa::path(
    post, path = "/api/investigations", tag = "investigations",
    operation_id = "investigations_propose",
    request_body = ProposeGroup,
    responses((status = 201, description = "the group, as its lead sees it", body = GroupBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn propose(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<ProposeGroup>,
) -> Result<(StatusCode, Json<GroupBody>), ApiError> {
    let group = investigations::propose(&state.services, &caller, body).await?;
    Ok((StatusCode::CREATED, Json(group)))
}

/// A group with its bodies, the dossier's sections the caller reads, and its commands.
#[utoipa::path(
    get, path = "/api/investigations/{id}", tag = "investigations",
    operation_id = "investigations_show",
    params(("id" = String, Path, description = "the group's id")),
    responses((status = 200, description = "the group", body = GroupBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<GroupBody>, ApiError> {
    Ok(Json(
        investigations::show(&state.services, &caller, &id).await?,
    ))
}

/// Gives a group command (the group's `commands` say which the caller may give now).
#[utoipa::path(
    post, path = "/api/investigations/{id}/actions", tag = "investigations",
    operation_id = "investigations_act",
    params(("id" = String, Path, description = "the group's id")),
    request_body = GroupAction,
    responses((status = 200, description = "the group after the command", body = GroupBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn act(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(action): Json<GroupAction>,
) -> Result<Json<GroupBody>, ApiError> {
    Ok(Json(
        investigations::act(&state.services, &caller, &id, action).await?,
    ))
}

/// The caller's body confirms or declines its invitation, or leaves the group.
#[utoipa::path(
    post, path = "/api/investigations/{id}/membership", tag = "investigations",
    operation_id = "investigations_membership",
    params(("id" = String, Path, description = "the group's id")),
    request_body = MemberAction,
    responses((status = 200, description = "the group after the answer", body = GroupBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn membership(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(action): Json<MemberAction>,
) -> Result<Json<GroupBody>, ApiError> {
    Ok(Json(
        investigations::membership(&state.services, &caller, &id, action).await?,
    ))
}

/// The lead marks the group of high public attention (社会关注度高): the judicial bureau of
/// its level is reported to (at once, or when the group forms).
#[utoipa::path(
    post, path = "/api/investigations/{id}/attention", tag = "investigations",
    operation_id = "investigations_mark_attention",
    params(("id" = String, Path, description = "the group's id")),
    request_body = AttentionInput,
    responses((status = 200, description = "the group, marked", body = GroupBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn mark_attention(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(input): Json<AttentionInput>,
) -> Result<Json<GroupBody>, ApiError> {
    Ok(Json(
        investigations::mark_attention(&state.services, &caller, &id, input).await?,
    ))
}

/// The lead freezes the joint dossier: every section becomes read-only, its manifest is fixed,
/// and the concluding report's draft is made.
#[utoipa::path(
    post, path = "/api/investigations/{id}/dossier/freeze", tag = "investigations",
    operation_id = "investigations_freeze_dossier",
    params(("id" = String, Path, description = "the group's id")),
    request_body = FreezeDossier,
    responses((status = 200, description = "the group, its dossier frozen", body = GroupBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn freeze_dossier(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(input): Json<FreezeDossier>,
) -> Result<Json<GroupBody>, ApiError> {
    Ok(Json(
        investigation_report::freeze_dossier(&state.services, &caller, &id, input).await?,
    ))
}

/// 调查报告: the group's concluding report: its version, state, signing, and what the caller
/// may do now.
#[utoipa::path(
    get, path = "/api/investigations/{id}/report", tag = "investigations",
    operation_id = "investigations_report",
    params(("id" = String, Path, description = "the group's id")),
    responses((status = 200, description = "the report", body = ReportView), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn report(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ReportView>, ApiError> {
    Ok(Json(
        signing::show_of::<InvestigationReportDoc>(&state.services, &caller, &id).await?,
    ))
}

/// Freezes, opens signing, signs, sends back or archives the report: the lead manages it,
/// every member signs it, then the lead; the last signature concludes the group.
#[utoipa::path(
    post, path = "/api/investigations/{id}/report/actions", tag = "investigations",
    operation_id = "investigations_report_act",
    params(("id" = String, Path, description = "the group's id")),
    request_body = SignedAction,
    responses((status = 200, description = "the report after the command", body = ReportView), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn report_act(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(action): Json<SignedAction>,
) -> Result<Json<ReportView>, ApiError> {
    let act = action.into();
    Ok(Json(
        signing::act_of::<InvestigationReportDoc>(&state.services, &caller, &id, act).await?,
    ))
}

/// The statement the caller's body signs now, and the exact bytes to sign.
#[utoipa::path(
    post, path = "/api/investigations/{id}/report/statement", tag = "investigations",
    operation_id = "investigations_report_statement",
    params(("id" = String, Path, description = "the group's id")),
    request_body = StatementInput,
    responses((status = 200, description = "what to sign", body = ToSign), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn report_statement(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(input): Json<StatementInput>,
) -> Result<Json<ToSign>, ApiError> {
    Ok(Json(
        signing::statement_of::<InvestigationReportDoc>(&state.services, &caller, &id, input)
            .await?,
    ))
}

/// The archive bundle of an archived version: verifiable offline with `concord verify`.
#[utoipa::path(
    get, path = "/api/investigations/{id}/report/versions/{version}/bundle.zip",
    tag = "investigations", operation_id = "investigations_report_bundle",
    params(("id" = String, Path, description = "the group's id"),
        ("version" = i64, Path, description = "an archived version")),
    responses((status = 200, description = "the bundle", content_type = "application/zip",
        body = FileBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn report_bundle(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, version)): Path<(String, i64)>,
) -> Result<Response, ApiError> {
    let bundle =
        signing::bundle_of::<InvestigationReportDoc>(&state.services, &caller, &id, version)
            .await?;
    Ok(bundle_download(bundle))
}

/// One stored file of a frozen version of the report, exactly as frozen.
#[utoipa::path(
    get, path = "/api/investigations/{id}/report/versions/{version}/{file}",
    tag = "investigations", operation_id = "investigations_report_artefact",
    params(("id" = String, Path, description = "the group's id"),
        ("version" = i64, Path, description = "a frozen version"),
        ("file" = String, Path, description = "content.json, manifest.json, report.html, \
            report.pdf, signature-page.html or signature-page.pdf")),
    responses((status = 200, description = "the file's stored bytes",
        content_type = "application/octet-stream", body = FileBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn report_artefact(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, version, file)): Path<(String, i64, String)>,
) -> Result<Response, ApiError> {
    let artefact = signing::artefact_of::<InvestigationReportDoc>(
        &state.services,
        &caller,
        &id,
        version,
        &file,
    )
    .await?;
    Ok(download(artefact))
}
