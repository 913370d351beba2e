//! Notifications (信息通报 / 案件函告) over HTTP: thin handlers over
//! [`crate::work::notices`].
//!
//! A notice the caller's body neither sent nor received answers 404, exactly like one that does
//! not exist. The sender sees every receiving body's receipt (who read, who acknowledged and
//! when); a receiving body sees its own. Opening a version as a person of a receiving body marks
//! it read; acknowledging (签收) is a separate, explicit request by a signed-in person. Each
//! receipt carries the commands the caller may give to it now, and why not.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::domain::notice::ReceiptAction;
use crate::error::{ApiError, Refusals};
use crate::http::extract::{Json, Path, Query};
use crate::state::AppState;
use crate::work::notices::{
    self, CorrectInput, NoticeBody, NoticeBox, NoticeDetailBody, NoticeListQuery, NoticePage,
    RecallInput, ReceiptBody, ReplyInput, SendNotice,
};
use crate::work::region_stats::FigureFilter;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, send))
        .routes(routes!(show))
        .routes(routes!(acknowledge))
        .routes(routes!(reply))
        .routes(routes!(close))
        .routes(routes!(correct))
        .routes(routes!(recall))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// `received` (the default) or `sent`.
    #[serde(default, rename = "box")]
    #[param(inline)]
    which: NoticeBox,
    /// Received only: just those not yet acknowledged.
    #[serde(default)]
    pending: bool,
    /// At most this many (1 to 200; 50 when not given).
    limit: Option<i64>,
    /// Skip this many.
    offset: Option<i64>,
    /// Received only: the body whose received notices requiring 签收 (the caller's own when not
    /// given); a judicial bureau names a body of its region (评议考核's links).
    org: Option<String>,
    /// With `org`: the first date counted (delivered), `YYYY-MM-DD` (Beijing).
    from: Option<String>,
    /// With `org`: the last date counted, `YYYY-MM-DD` (Beijing), included.
    to: Option<String>,
    /// With `org`: just those not acknowledged by their limit, as the figures count them.
    #[serde(default)]
    late: bool,
}

impl ListQuery {
    fn query(&self) -> NoticeListQuery<'_> {
        NoticeListQuery {
            which: self.which,
            pending: self.pending,
            figure: FigureFilter {
                org: self.org.as_deref(),
                from: self.from.as_deref(),
                to: self.to.as_deref(),
            },
            late: self.late,
            limit: self.limit,
            offset: self.offset,
        }
    }
}

/// The caller's body's received or sent notifications, newest first; or those delivered to a
/// body that the region's figures count in a period (`org`, `from`, `to`, `late`).
#[utoipa::path(
    get, path = "/api/notices", tag = "notices", operation_id = "notices_list", params(ListQuery),
    responses((status = 200, description = "a page of notifications", body = NoticePage), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Json<NoticePage>, ApiError> {
    let page = notices::list(&state.services, &caller, q.query());
    Ok(Json(page.await?))
}

/// Sends a notification to one or more bodies.
#[utoipa::path(
    post, path = "/api/notices", tag = "notices", operation_id = "notices_send",
    request_body = SendNotice,
    responses((status = 201, description = "version 1 of the notification", body = NoticeBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn send(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<SendNotice>,
) -> Result<(StatusCode, Json<NoticeBody>), ApiError> {
    let notice = notices::send(&state.services, &caller, body).await?;
    Ok((StatusCode::CREATED, Json(notice)))
}

/// One version with its receipts and its series; a receiving person's opening marks it read.
#[utoipa::path(
    get, path = "/api/notices/{id}", tag = "notices", operation_id = "notices_show",
    params(("id" = String, Path, description = "the version's id")),
    responses((status = 200, description = "the version", body = NoticeDetailBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<NoticeDetailBody>, ApiError> {
    Ok(Json(notices::show(&state.services, &caller, &id).await?))
}

/// 签收: a signed-in person acknowledges the version for their body (never an API token).
#[utoipa::path(
    post, path = "/api/notices/{id}/acknowledge", tag = "notices",
    operation_id = "notices_acknowledge",
    params(("id" = String, Path, description = "the version's id")),
    responses((status = 200, description = "the body's receipt", body = ReceiptBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn acknowledge(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ReceiptBody>, ApiError> {
    let action = ReceiptAction::Acknowledge;
    Ok(Json(
        notices::act_on_receipt(&state.services, &caller, &id, action).await?,
    ))
}

/// The receiving body's one reply, when the notification asks for one.
#[utoipa::path(
    post, path = "/api/notices/{id}/reply", tag = "notices", operation_id = "notices_reply",
    params(("id" = String, Path, description = "the version's id")),
    request_body = ReplyInput,
    responses((status = 200, description = "the body's receipt", body = ReceiptBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn reply(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(input): Json<ReplyInput>,
) -> Result<Json<ReceiptBody>, ApiError> {
    let action = ReceiptAction::Reply { body: input.body };
    Ok(Json(
        notices::act_on_receipt(&state.services, &caller, &id, action).await?,
    ))
}

/// The sender closes one receiving body's exchange, after its reply.
#[utoipa::path(
    post, path = "/api/notices/{id}/receipts/{org_id}/close", tag = "notices",
    operation_id = "notices_close",
    params(
        ("id" = String, Path, description = "the version's id"),
        ("org_id" = String, Path, description = "the receiving body"),
    ),
    responses((status = 200, description = "that body's receipt", body = ReceiptBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn close(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, org_id)): Path<(String, String)>,
) -> Result<Json<ReceiptBody>, ApiError> {
    let action = ReceiptAction::Close { org_id };
    Ok(Json(
        notices::act_on_receipt(&state.services, &caller, &id, action).await?,
    ))
}

/// 更正: a new version with new text replaces this one, to be acknowledged again.
#[utoipa::path(
    post, path = "/api/notices/{id}/correct", tag = "notices", operation_id = "notices_correct",
    params(("id" = String, Path, description = "the version's id")),
    request_body = CorrectInput,
    responses((status = 201, description = "the new version", body = NoticeBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn correct(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<CorrectInput>,
) -> Result<(StatusCode, Json<NoticeBody>), ApiError> {
    let notice = notices::correct(&state.services, &caller, &id, body).await?;
    Ok((StatusCode::CREATED, Json(notice)))
}

/// 撤回: a new version saying why replaces this one, to be acknowledged again.
#[utoipa::path(
    post, path = "/api/notices/{id}/recall", tag = "notices", operation_id = "notices_recall",
    params(("id" = String, Path, description = "the version's id")),
    request_body = RecallInput,
    responses((status = 201, description = "the new version", body = NoticeBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn recall(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<RecallInput>,
) -> Result<(StatusCode, Json<NoticeBody>), ApiError> {
    let notice = notices::recall(&state.services, &caller, &id, body).await?;
    Ok((StatusCode::CREATED, Json(notice)))
}
