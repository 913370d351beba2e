//! Jurisdiction disputes (执法争议 / 管辖争议) over HTTP: thin handlers over
//! [`crate::work::disputes`].
//!
//! A dispute the caller's body neither takes part in, coordinates nor supervises answers 404,
//! exactly like one that does not exist. Illegal commands answer 409 naming the rule; a stale
//! `revision` 409.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::db::DisputeFigure;
use crate::domain::dispute::{DisputeAction, DisputeState, ListRole, Position};
use crate::error::{ApiError, Refusals};
use crate::http::extract::{Json, Path, Query};
use crate::state::AppState;
use crate::work::dispute_agreement::{AgreementView, DisputeAgreementDoc};
use crate::work::dispute_decision::{DecisionView, DisputeDecisionDoc};
use crate::work::disputes::{
    self, ConsultationInput, DisputeBody, DisputePage, LeadInput, ListQuery, RaiseDispute,
};
use crate::work::meetings::MeetingBody;
use crate::work::region_stats::FigureFilter;
use crate::work::signing::{self, SignedAction, StatementInput, ToSign};

use super::minutes::{bundle_download, download, FileBody};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, raise))
        .routes(routes!(show))
        .routes(routes!(act))
        .routes(routes!(state_position))
        .routes(routes!(give_up))
        .routes(routes!(reply))
        .routes(routes!(name_lead))
        .routes(routes!(convene_consultation))
        .routes(routes!(decision))
        .routes(routes!(decision_act))
        .routes(routes!(decision_statement))
        .routes(routes!(decision_bundle))
        .routes(routes!(decision_artefact))
        .routes(routes!(agreement))
        .routes(routes!(agreement_act))
        .routes(routes!(agreement_statement))
        .routes(routes!(agreement_bundle))
        .routes(routes!(agreement_artefact))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ListParams {
    /// Only the disputes in this state (`escalated`: the bureau's acceptance desk).
    state: Option<DisputeState>,
    /// Only those the caller's body takes this part in: `party`, `bureau` (those it
    /// coordinates) or `supervisor` (those it reads as a bureau above).
    #[param(inline)]
    role: Option<ListRole>,
    /// Only those this body is in, raised in the period (评议考核's links); with `from`, `to`
    /// or `figure` alone, the caller's own body.
    org: Option<String>,
    /// Only those raised from this date, `YYYY-MM-DD` (Beijing).
    from: Option<String>,
    /// Only those raised until this date, `YYYY-MM-DD` (Beijing), included.
    to: Option<String>,
    /// Of those, only what this figure counts: `raised`, `against`, `settled` or `decided`.
    #[param(inline)]
    figure: Option<DisputeFigure>,
}

impl ListParams {
    fn query(&self) -> ListQuery<'_> {
        ListQuery {
            state: self.state,
            role: self.role,
            of_body: FigureFilter {
                org: self.org.as_deref(),
                from: self.from.as_deref(),
                to: self.to.as_deref(),
            },
            figure: self.figure,
        }
    }
}

/// The disputes the caller's body is a party to or coordinates, and those a bureau supervises;
/// every one unless `state` or `role` narrows them.
#[utoipa::path(
    get, path = "/api/disputes", tag = "disputes", operation_id = "disputes_list",
    params(ListParams),
    responses((status = 200, description = "the disputes", body = DisputePage), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListParams>,
) -> Result<Json<DisputePage>, ApiError> {
    Ok(Json(
        disputes::list(&state.services, &caller, q.query()).await?,
    ))
}

/// Raises a dispute against one or more bodies; it will escalate to the judicial bureau of the
/// lowest region covering every party.
#[utoipa::path(
    post, path = "/api/disputes", tag = "disputes", operation_id = "disputes_raise",
    request_body = RaiseDispute,
    responses((status = 201, description = "the dispute, as its raising body sees it", body = DisputeBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn raise(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<RaiseDispute>,
) -> Result<(StatusCode, Json<DisputeBody>), ApiError> {
    let dispute = disputes::raise(&state.services, &caller, body).await?;
    Ok((StatusCode::CREATED, Json(dispute)))
}

/// A dispute with its parties, its clock and the caller's commands.
#[utoipa::path(
    get, path = "/api/disputes/{id}", tag = "disputes", operation_id = "disputes_show",
    params(("id" = String, Path, description = "the dispute's id")),
    responses((status = 200, description = "the dispute", body = DisputeBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<DisputeBody>, ApiError> {
    Ok(Json(disputes::show(&state.services, &caller, &id).await?))
}

/// Gives a command (the dispute's `commands` say which the caller may give now).
#[utoipa::path(
    post, path = "/api/disputes/{id}/actions", tag = "disputes", operation_id = "disputes_act",
    params(("id" = String, Path, description = "the dispute's id")),
    request_body = DisputeAction,
    responses((status = 200, description = "the dispute after the command", body = DisputeBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn act(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(action): Json<DisputeAction>,
) -> Result<Json<DisputeBody>, ApiError> {
    Ok(Json(
        disputes::act(&state.services, &caller, &id, action).await?,
    ))
}

/// The caller's body states its position and legal basis as a party.
#[utoipa::path(
    put, path = "/api/disputes/{id}/position", tag = "disputes",
    operation_id = "disputes_state_position",
    params(("id" = String, Path, description = "the dispute's id")),
    request_body = Position,
    responses((status = 200, description = "the dispute", body = DisputeBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn state_position(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(input): Json<Position>,
) -> Result<Json<DisputeBody>, ApiError> {
    Ok(Json(
        disputes::state_position(&state.services, &caller, &id, input).await?,
    ))
}

/// The caller's body says negotiation failed (协商不成).
#[utoipa::path(
    post, path = "/api/disputes/{id}/negotiation-failed", tag = "disputes",
    operation_id = "disputes_give_up",
    params(("id" = String, Path, description = "the dispute's id")),
    responses((status = 200, description = "the dispute", body = DisputeBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn give_up(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<DisputeBody>, ApiError> {
    Ok(Json(
        disputes::give_up(&state.services, &caller, &id).await?,
    ))
}

/// The caller's body gives its written reply (its statement document says what).
#[utoipa::path(
    post, path = "/api/disputes/{id}/reply", tag = "disputes", operation_id = "disputes_reply",
    params(("id" = String, Path, description = "the dispute's id")),
    responses((status = 200, description = "the dispute", body = DisputeBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn reply(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<DisputeBody>, ApiError> {
    Ok(Json(disputes::reply(&state.services, &caller, &id).await?))
}

/// The bureau names an interim lead body (临时牵头单位).
#[utoipa::path(
    put, path = "/api/disputes/{id}/lead", tag = "disputes", operation_id = "disputes_name_lead",
    params(("id" = String, Path, description = "the dispute's id")),
    request_body = LeadInput,
    responses((status = 200, description = "the dispute", body = DisputeBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn name_lead(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(input): Json<LeadInput>,
) -> Result<Json<DisputeBody>, ApiError> {
    Ok(Json(
        disputes::name_lead(&state.services, &caller, &id, input).await?,
    ))
}

/// The bureau convenes a case consultation (案件会商) on the dispute, inviting every party.
#[utoipa::path(
    post, path = "/api/disputes/{id}/consultations", tag = "disputes",
    operation_id = "disputes_convene_consultation",
    params(("id" = String, Path, description = "the dispute's id")),
    request_body = ConsultationInput,
    responses((status = 201, description = "the meeting, in draft", body = MeetingBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn convene_consultation(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(input): Json<ConsultationInput>,
) -> Result<(StatusCode, Json<MeetingBody>), ApiError> {
    let meeting = disputes::convene_consultation(&state.services, &caller, &id, input).await?;
    Ok((StatusCode::CREATED, Json(meeting)))
}

/// 协调意见书: the decision's version, state, signing, and what the caller may do now (404
/// before the bureau accepted the dispute).
#[utoipa::path(
    get, path = "/api/disputes/{id}/decision", tag = "disputes", operation_id = "disputes_decision",
    params(("id" = String, Path, description = "the dispute's id")),
    responses((status = 200, description = "the decision", body = DecisionView), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn decision(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<DecisionView>, ApiError> {
    Ok(Json(
        signing::show_of::<DisputeDecisionDoc>(&state.services, &caller, &id).await?,
    ))
}

/// Freezes, opens signing, signs, sends back or archives the decision: the bureau manages and
/// alone signs it; its signature decides the dispute and notifies every party.
#[utoipa::path(
    post, path = "/api/disputes/{id}/decision/actions", tag = "disputes",
    operation_id = "disputes_decision_act",
    params(("id" = String, Path, description = "the dispute's id")),
    request_body = SignedAction,
    responses((status = 200, description = "the decision after the command", body = DecisionView), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn decision_act(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(action): Json<SignedAction>,
) -> Result<Json<DecisionView>, ApiError> {
    let act = action.into();
    Ok(Json(
        signing::act_of::<DisputeDecisionDoc>(&state.services, &caller, &id, act).await?,
    ))
}

/// The statement the bureau's person signs now, and the exact bytes to sign.
#[utoipa::path(
    post, path = "/api/disputes/{id}/decision/statement", tag = "disputes",
    operation_id = "disputes_decision_statement",
    params(("id" = String, Path, description = "the dispute's id")),
    request_body = StatementInput,
    responses((status = 200, description = "what to sign", body = ToSign), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn decision_statement(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(input): Json<StatementInput>,
) -> Result<Json<ToSign>, ApiError> {
    Ok(Json(
        signing::statement_of::<DisputeDecisionDoc>(&state.services, &caller, &id, input).await?,
    ))
}

/// The archive bundle of an archived version: verifiable offline with `concord verify`.
#[utoipa::path(
    get, path = "/api/disputes/{id}/decision/versions/{version}/bundle.zip", tag = "disputes",
    operation_id = "disputes_decision_bundle",
    params(("id" = String, Path, description = "the dispute's id"),
        ("version" = i64, Path, description = "an archived version")),
    responses((status = 200, description = "the bundle", content_type = "application/zip",
        body = FileBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn decision_bundle(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, version)): Path<(String, i64)>,
) -> Result<Response, ApiError> {
    let bundle =
        signing::bundle_of::<DisputeDecisionDoc>(&state.services, &caller, &id, version).await?;
    Ok(bundle_download(bundle))
}

/// One stored file of a frozen version of the decision, exactly as frozen.
#[utoipa::path(
    get, path = "/api/disputes/{id}/decision/versions/{version}/{file}", tag = "disputes",
    operation_id = "disputes_decision_artefact",
    params(("id" = String, Path, description = "the dispute's id"),
        ("version" = i64, Path, description = "a frozen version"),
        ("file" = String, Path, description = "content.json, manifest.json, decision.html, \
            decision.pdf, signature-page.html or signature-page.pdf")),
    responses((status = 200, description = "the file's stored bytes",
        content_type = "application/octet-stream", body = FileBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn decision_artefact(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, version, file)): Path<(String, i64, String)>,
) -> Result<Response, ApiError> {
    let artefact =
        signing::artefact_of::<DisputeDecisionDoc>(&state.services, &caller, &id, version, &file)
            .await?;
    Ok(download(artefact))
}

/// 协议书: the parties' agreement: its version, state, signing, and what the caller may do now.
#[utoipa::path(
    get, path = "/api/disputes/{id}/agreement", tag = "disputes", operation_id = "disputes_agreement",
    params(("id" = String, Path, description = "the dispute's id")),
    responses((status = 200, description = "the agreement", body = AgreementView), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn agreement(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<AgreementView>, ApiError> {
    Ok(Json(
        signing::show_of::<DisputeAgreementDoc>(&state.services, &caller, &id).await?,
    ))
}

/// Freezes, opens signing, signs, sends back or archives the agreement: the raising body
/// manages it while the parties negotiate, every party signs it, and the last signature
/// resolves the dispute.
#[utoipa::path(
    post, path = "/api/disputes/{id}/agreement/actions", tag = "disputes",
    operation_id = "disputes_agreement_act",
    params(("id" = String, Path, description = "the dispute's id")),
    request_body = SignedAction,
    responses((status = 200, description = "the agreement after the command", body = AgreementView), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn agreement_act(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(action): Json<SignedAction>,
) -> Result<Json<AgreementView>, ApiError> {
    let act = action.into();
    Ok(Json(
        signing::act_of::<DisputeAgreementDoc>(&state.services, &caller, &id, act).await?,
    ))
}

/// The statement the caller's body signs now, and the exact bytes to sign.
#[utoipa::path(
    post, path = "/api/disputes/{id}/agreement/statement", tag = "disputes",
    operation_id = "disputes_agreement_statement",
    params(("id" = String, Path, description = "the dispute's id")),
    request_body = StatementInput,
    responses((status = 200, description = "what to sign", body = ToSign), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn agreement_statement(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(input): Json<StatementInput>,
) -> Result<Json<ToSign>, ApiError> {
    Ok(Json(
        signing::statement_of::<DisputeAgreementDoc>(&state.services, &caller, &id, input).await?,
    ))
}

/// The archive bundle of an archived version: verifiable offline with `concord verify`.
#[utoipa::path(
    get, path = "/api/disputes/{id}/agreement/versions/{version}/bundle.zip", tag = "disputes",
    operation_id = "disputes_agreement_bundle",
    params(("id" = String, Path, description = "the dispute's id"),
        ("version" = i64, Path, description = "an archived version")),
    responses((status = 200, description = "the bundle", content_type = "application/zip",
        body = FileBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn agreement_bundle(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, version)): Path<(String, i64)>,
) -> Result<Response, ApiError> {
    let bundle =
        signing::bundle_of::<DisputeAgreementDoc>(&state.services, &caller, &id, version).await?;
    Ok(bundle_download(bundle))
}

/// One stored file of a frozen version of the agreement, exactly as frozen.
#[utoipa::path(
    get, path = "/api/disputes/{id}/agreement/versions/{version}/{file}", tag = "disputes",
    operation_id = "disputes_agreement_artefact",
    params(("id" = String, Path, description = "the dispute's id"),
        ("version" = i64, Path, description = "a frozen version"),
        ("file" = String, Path, description = "content.json, manifest.json, agreement.html, \
            agreement.pdf, signature-page.html or signature-page.pdf")),
    responses((status = 200, description = "the file's stored bytes",
        content_type = "application/octet-stream", body = FileBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn agreement_artefact(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, version, file)): Path<(String, i64, String)>,
) -> Result<Response, ApiError> {
    let artefact =
        signing::artefact_of::<DisputeAgreementDoc>(&state.services, &caller, &id, version, &file)
            .await?;
    Ok(download(artefact))
}
