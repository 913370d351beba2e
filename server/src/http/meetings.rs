//! Meetings (协调会议 / 会商 / 联席会议) over HTTP: thin handlers over [`crate::work::meetings`].
//!
//! A meeting the caller's body neither takes part in nor supervises answers 404, exactly like
//! one that does not exist. Illegal commands answer 409 naming the rule; a stale `revision`
//! 409. The calendar entry is `text/calendar` (RFC 5545), for the participants' calendars.

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::Caller;
use crate::db::{AgendaItem, Invitation};
use crate::error::ApiError;
use crate::http::extract::{Json, Path, Query};
use crate::state::AppState;
use crate::work::meetings::{
    self, ActionInput, AddInvitee, AnnualReport, AnswerInput, CheckInInput, CreateMeeting,
    DecisionInput, MeetingDetail, MeetingView, OutcomeInput, ProposeInput,
};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/meetings", get(list).post(create))
        .route("/api/meetings/annual-status", get(annual_status))
        .route("/api/meetings/{id}", get(show))
        .route("/api/meetings/{id}/actions", post(act))
        .route("/api/meetings/{id}/invitations/{org_id}", post(answer))
        .route("/api/meetings/{id}/check-in", post(check_in))
        .route("/api/meetings/{id}/invitees", post(invite))
        .route("/api/meetings/{id}/invitees/{org_id}", delete(uninvite))
        .route("/api/meetings/{id}/agenda", post(propose))
        .route("/api/meetings/{id}/agenda/{item}/decision", post(decide))
        .route("/api/meetings/{id}/agenda/{item}/outcome", post(outcome))
        .route("/api/meetings/{id}/calendar.ics", get(calendar))
}

pub(crate) fn invitation_json(i: &Invitation) -> Value {
    json!({
        "org_id": i.org_id,
        "org_name": i.org_name,
        "role": i.role,
        "state": i.state,
        "state_label_zh": i.state.label_zh(),
        "attendee": i.attendee,
        "delegate": i.delegate,
        "reason": i.reason,
        "attendance": i.attendance,
        "answered_by": i.answered_by,
        "answered_at": i.answered_at,
        "checked_in_by": i.checked_in_by,
        "checked_in_at": i.checked_in_at,
    })
}

fn agenda_json(a: &AgendaItem) -> Value {
    json!({
        "id": a.id,
        "meeting_id": a.meeting_id,
        "seq": a.seq,
        "title": a.title,
        "note": a.note,
        "proposed_by": a.proposed_by,
        "proposed_by_org_id": a.proposed_by_org_id,
        "state": a.state,
        "decided_by": a.decided_by,
        "decided_at": a.decided_at,
        "decision_note": a.decision_note,
        "outcome": a.outcome,
        "outcome_note": a.outcome_note,
        "outcome_by": a.outcome_by,
        "outcome_at": a.outcome_at,
        "created_at": a.created_at,
    })
}

pub(crate) fn meeting_json(view: &MeetingView) -> Value {
    let m = &view.meeting;
    json!({
        "id": m.id,
        "kind": m.kind,
        "kind_label_zh": m.kind.label_zh(),
        "kind_label_en": m.kind.label_en(),
        "title": m.title,
        "convener_org_id": m.convener_org_id,
        "convener_name": m.convener_name,
        "region": m.region,
        "starts_at": m.starts_at,
        "ends_at": m.ends_at,
        "place": m.place,
        "online_link": m.online_link,
        "reply_due_at": m.reply_due_at,
        "state": m.state,
        "state_label_zh": m.state.label_zh(),
        "state_label_en": m.state.label_en(),
        "revision": m.revision,
        "minutes_doc_id": m.minutes_doc_id,
        "reason": m.reason,
        "started_at": m.started_at,
        "ended_at": m.ended_at,
        "created_by": m.created_by,
        "created_at": m.created_at,
        "updated_at": m.updated_at,
        "invitations": m.invitations.iter().map(invitation_json).collect::<Vec<_>>(),
        "my_role": view.party,
        "commands": view.commands,
        "calendar_url": format!("/api/meetings/{}/calendar.ics", m.id),
    })
}

fn detail_json(detail: &MeetingDetail) -> Value {
    let mut value = meeting_json(&detail.view);
    value["agenda"] = detail.agenda.iter().map(agenda_json).collect();
    value
}

fn annual_json(report: &AnnualReport) -> Value {
    json!({
        "year": report.year,
        "due": report.due.to_string(),
        "due_date": report.due_date,
        "bureaus": report.lines.iter().map(|line| json!({
            "org_id": line.org.id,
            "code": line.org.code,
            "name": line.org.name_zh,
            "region": line.org.region,
            "status": line.status,
            "status_label_zh": line.status.label_zh(),
            "flagged": line.flagged,
        })).collect::<Vec<_>>(),
    })
}

async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<CreateMeeting>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let view = meetings::create(&state.services, &caller, body).await?;
    Ok((StatusCode::CREATED, Json(meeting_json(&view))))
}

async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    let views = meetings::list(&state.services, &caller).await?;
    let meetings: Vec<Value> = views.iter().map(meeting_json).collect();
    Ok(Json(json!({ "meetings": meetings })))
}

async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let detail = meetings::show(&state.services, &caller, &id).await?;
    Ok(Json(detail_json(&detail)))
}

async fn act(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<ActionInput>,
) -> Result<Json<Value>, ApiError> {
    let view = meetings::act(&state.services, &caller, &id, body).await?;
    Ok(Json(meeting_json(&view)))
}

async fn answer(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, org_id)): Path<(String, String)>,
    Json(body): Json<AnswerInput>,
) -> Result<Json<Value>, ApiError> {
    let invitation = meetings::answer(&state.services, &caller, &id, &org_id, body).await?;
    Ok(Json(invitation_json(&invitation)))
}

async fn check_in(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<CheckInInput>,
) -> Result<Json<Value>, ApiError> {
    let invitation = meetings::check_in(&state.services, &caller, &id, body).await?;
    Ok(Json(invitation_json(&invitation)))
}

async fn invite(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<AddInvitee>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let view = meetings::invite(&state.services, &caller, &id, body).await?;
    Ok((StatusCode::CREATED, Json(meeting_json(&view))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevisionQuery {
    revision: i64,
}

async fn uninvite(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, org_id)): Path<(String, String)>,
    Query(query): Query<RevisionQuery>,
) -> Result<Json<Value>, ApiError> {
    let view = meetings::uninvite(&state.services, &caller, &id, &org_id, query.revision).await?;
    Ok(Json(meeting_json(&view)))
}

async fn propose(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<ProposeInput>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let item = meetings::propose(&state.services, &caller, &id, body).await?;
    Ok((StatusCode::CREATED, Json(agenda_json(&item))))
}

async fn decide(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, item)): Path<(String, String)>,
    Json(body): Json<DecisionInput>,
) -> Result<Json<Value>, ApiError> {
    let item = meetings::decide(&state.services, &caller, &id, &item, body).await?;
    Ok(Json(agenda_json(&item)))
}

async fn outcome(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, item)): Path<(String, String)>,
    Json(body): Json<OutcomeInput>,
) -> Result<Json<Value>, ApiError> {
    let item = meetings::record_outcome(&state.services, &caller, &id, &item, body).await?;
    Ok(Json(agenda_json(&item)))
}

async fn calendar(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let text = meetings::calendar(&state.services, &caller, &id).await?;
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/calendar; charset=utf-8"),
        ),
        (
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment; filename=\"meeting.ics\""),
        ),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        ),
    ];
    Ok((headers, text).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YearQuery {
    year: Option<i32>,
}

async fn annual_status(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<YearQuery>,
) -> Result<Json<Value>, ApiError> {
    let report = meetings::annual_status(&state.services, &caller, query.year).await?;
    Ok(Json(annual_json(&report)))
}
