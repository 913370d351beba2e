//! Meetings (协调会议 / 会商 / 联席会议) over HTTP: thin handlers over [`crate::work::meetings`].
//!
//! A meeting the caller's body neither takes part in nor supervises answers 404, exactly like
//! one that does not exist. Illegal commands answer 409 naming the rule; a stale `revision`
//! 409. The calendar entry is `text/calendar` (RFC 5545), for the participants' calendars.

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::domain::meeting::{Answer, MeetingAction};
use crate::error::{ApiError, Refusals};
use crate::http::extract::{Json, Path, Query};
use crate::state::AppState;
use crate::work::meetings::{
    self, AddInvitee, AgendaDecisionInput, AgendaItemBody, AnnualStatusBody, CheckInInput,
    CreateMeeting, InvitationBody, MeetingBody, MeetingDetailBody, MeetingPage, OutcomeInput,
    ProposeInput,
};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(annual_status))
        .routes(routes!(show))
        .routes(routes!(act))
        .routes(routes!(answer))
        .routes(routes!(check_in))
        .routes(routes!(invite))
        .routes(routes!(uninvite))
        .routes(routes!(propose))
        .routes(routes!(decide))
        .routes(routes!(outcome))
        .routes(routes!(calendar))
}

/// The meetings the caller's body convenes or is invited to, and those a bureau supervises.
#[utoipa::path(
    get, path = "/api/meetings", tag = "meetings", operation_id = "meetings_list",
    responses((status = 200, description = "the meetings", body = MeetingPage), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<MeetingPage>, ApiError> {
    Ok(Json(meetings::list(&state.services, &caller).await?))
}

/// Convenes a meeting in draft: its space, its minutes document and the invitations.
#[utoipa::path(
    post, path = "/api/meetings", tag = "meetings", operation_id = "meetings_create",
    request_body = CreateMeeting,
    responses((status = 201, description = "the meeting, as its convener sees it", body = MeetingBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<CreateMeeting>,
) -> Result<(StatusCode, Json<MeetingBody>), ApiError> {
    let meeting = meetings::create(&state.services, &caller, body).await?;
    Ok((StatusCode::CREATED, Json(meeting)))
}

/// A meeting with its invitations, agenda and the caller's commands.
#[utoipa::path(
    get, path = "/api/meetings/{id}", tag = "meetings", operation_id = "meetings_show",
    params(("id" = String, Path, description = "the meeting's id")),
    responses((status = 200, description = "the meeting", body = MeetingDetailBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<MeetingDetailBody>, ApiError> {
    Ok(Json(meetings::show(&state.services, &caller, &id).await?))
}

/// Gives a command (the meeting's `command_offers` say which the caller may give now).
#[utoipa::path(
    post, path = "/api/meetings/{id}/actions", tag = "meetings", operation_id = "meetings_act",
    params(("id" = String, Path, description = "the meeting's id")),
    request_body = MeetingAction,
    responses((status = 200, description = "the meeting after the command", body = MeetingBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn act(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(action): Json<MeetingAction>,
) -> Result<Json<MeetingBody>, ApiError> {
    Ok(Json(
        meetings::act(&state.services, &caller, &id, action).await?,
    ))
}

/// An invited body's answer (参会回执): confirm, delegate or decline.
#[utoipa::path(
    post, path = "/api/meetings/{id}/invitations/{org_id}", tag = "meetings",
    operation_id = "meetings_answer",
    params(
        ("id" = String, Path, description = "the meeting's id"),
        ("org_id" = String, Path, description = "the invited body: the caller's own"),
    ),
    request_body = Answer,
    responses((status = 200, description = "the invitation", body = InvitationBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn answer(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, org_id)): Path<(String, String)>,
    Json(answer): Json<Answer>,
) -> Result<Json<InvitationBody>, ApiError> {
    let invitation = meetings::answer(&state.services, &caller, &id, &org_id, answer);
    Ok(Json(invitation.await?))
}

/// 签到: the convener records whether an invited body attended.
#[utoipa::path(
    post, path = "/api/meetings/{id}/check-in", tag = "meetings", operation_id = "meetings_check_in",
    params(("id" = String, Path, description = "the meeting's id")),
    request_body = CheckInInput,
    responses((status = 200, description = "the invitation", body = InvitationBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn check_in(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<CheckInInput>,
) -> Result<Json<InvitationBody>, ApiError> {
    Ok(Json(
        meetings::check_in(&state.services, &caller, &id, body).await?,
    ))
}

/// Invites one more body; once the notice is out, it gets the notice too.
#[utoipa::path(
    post, path = "/api/meetings/{id}/invitees", tag = "meetings", operation_id = "meetings_invite",
    params(("id" = String, Path, description = "the meeting's id")),
    request_body = AddInvitee,
    responses((status = 201, description = "the meeting", body = MeetingBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn invite(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<AddInvitee>,
) -> Result<(StatusCode, Json<MeetingBody>), ApiError> {
    let meeting = meetings::invite(&state.services, &caller, &id, body).await?;
    Ok((StatusCode::CREATED, Json(meeting)))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct RevisionQuery {
    /// The revision the caller read.
    revision: i64,
}

/// Withdraws a body's invitation; once the notice is out, the body is told.
#[utoipa::path(
    delete, path = "/api/meetings/{id}/invitees/{org_id}", tag = "meetings",
    operation_id = "meetings_uninvite",
    params(
        ("id" = String, Path, description = "the meeting's id"),
        ("org_id" = String, Path, description = "the invited body"),
        RevisionQuery,
    ),
    responses((status = 200, description = "the meeting", body = MeetingBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn uninvite(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, org_id)): Path<(String, String)>,
    Query(query): Query<RevisionQuery>,
) -> Result<Json<MeetingBody>, ApiError> {
    let meeting = meetings::uninvite(&state.services, &caller, &id, &org_id, query.revision);
    Ok(Json(meeting.await?))
}

/// Proposes an agenda item (议题): the convener's is accepted at once.
#[utoipa::path(
    post, path = "/api/meetings/{id}/agenda", tag = "meetings", operation_id = "meetings_propose",
    params(("id" = String, Path, description = "the meeting's id")),
    request_body = ProposeInput,
    responses((status = 201, description = "the agenda item", body = AgendaItemBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn propose(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<ProposeInput>,
) -> Result<(StatusCode, Json<AgendaItemBody>), ApiError> {
    let item = meetings::propose(&state.services, &caller, &id, body).await?;
    Ok((StatusCode::CREATED, Json(item)))
}

/// The convener accepts or rejects a proposed agenda item.
#[utoipa::path(
    post, path = "/api/meetings/{id}/agenda/{item}/decision", tag = "meetings",
    operation_id = "meetings_decide",
    params(
        ("id" = String, Path, description = "the meeting's id"),
        ("item" = String, Path, description = "the agenda item's id"),
    ),
    request_body = AgendaDecisionInput,
    responses((status = 200, description = "the agenda item", body = AgendaItemBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn decide(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, item)): Path<(String, String)>,
    Json(body): Json<AgendaDecisionInput>,
) -> Result<Json<AgendaItemBody>, ApiError> {
    let item = meetings::decide(&state.services, &caller, &id, &item, body);
    Ok(Json(item.await?))
}

/// The convener records (or corrects) what came of an accepted item.
#[utoipa::path(
    post, path = "/api/meetings/{id}/agenda/{item}/outcome", tag = "meetings",
    operation_id = "meetings_outcome",
    params(
        ("id" = String, Path, description = "the meeting's id"),
        ("item" = String, Path, description = "the agenda item's id"),
    ),
    request_body = OutcomeInput,
    responses((status = 200, description = "the agenda item", body = AgendaItemBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn outcome(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, item)): Path<(String, String)>,
    Json(body): Json<OutcomeInput>,
) -> Result<Json<AgendaItemBody>, ApiError> {
    let item = meetings::record_outcome(&state.services, &caller, &id, &item, body);
    Ok(Json(item.await?))
}

/// The meeting as an RFC 5545 calendar entry, for the participants' calendars.
#[utoipa::path(
    get, path = "/api/meetings/{id}/calendar.ics", tag = "meetings",
    operation_id = "meetings_calendar",
    params(("id" = String, Path, description = "the meeting's id")),
    responses(
        (status = 200, description = "one VEVENT; its UID never changes, its SEQUENCE is the meeting's revision",
            content_type = "text/calendar", body = String),
        Refusals
    ),
    security(("session" = []), ("token" = []))
)]
async fn calendar(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let text = meetings::calendar(&state.services, &caller, &id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, CALENDAR),
            (header::CONTENT_DISPOSITION, ICS_FILE),
            (header::CACHE_CONTROL, PRIVATE),
        ],
        text,
    )
        .into_response())
}

/// How a calendar entry is served: RFC 5545 text, as a file to add to one's calendar, kept
/// by nobody but the person's browser.
const CALENDAR: HeaderValue = HeaderValue::from_static("text/calendar; charset=utf-8");
const ICS_FILE: HeaderValue = HeaderValue::from_static("attachment; filename=\"meeting.ics\"");
const PRIVATE: HeaderValue = HeaderValue::from_static("private, no-store");

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct YearQuery {
    /// The year (2000 to 2100); this year in office time when not given.
    year: Option<i32>,
}

/// 年度协调会议: which judicial bureaus held or scheduled their annual meeting of a year.
#[utoipa::path(
    get, path = "/api/meetings/annual-status", tag = "meetings",
    operation_id = "meetings_annual_status", params(YearQuery),
    responses((status = 200, description = "every bureau the caller may see", body = AnnualStatusBody), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn annual_status(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<YearQuery>,
) -> Result<Json<AnnualStatusBody>, ApiError> {
    let report = meetings::annual_status(&state.services, &caller, query.year);
    Ok(Json(report.await?))
}
