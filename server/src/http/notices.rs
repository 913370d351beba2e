//! Notifications (信息通报 / 案件函告) over HTTP: thin handlers over
//! [`crate::work::notices`].
//!
//! A notice the caller's body neither sent nor received answers 404, exactly like one that does
//! not exist. The sender sees every receiving body's receipt (who read, who acknowledged and
//! when); a receiving body sees its own. Opening a version as a person of a receiving body marks
//! it read; acknowledging (签收) is a separate, explicit request by a signed-in person.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::Caller;
use crate::db::{Notice, Receipt};
use crate::domain::policy::NoticeRole;
use crate::error::ApiError;
use crate::http::extract::{Json, Path, Query};
use crate::state::AppState;
use crate::work::notices::{
    self, CorrectInput, NoticeBox, NoticeDetail, NoticeView, RecallInput, ReplyInput, SendNotice,
};
use crate::work::page;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/notices", get(list).post(send))
        .route("/api/notices/{id}", get(show))
        .route("/api/notices/{id}/acknowledge", post(acknowledge))
        .route("/api/notices/{id}/reply", post(reply))
        .route("/api/notices/{id}/receipts/{org_id}/close", post(close))
        .route("/api/notices/{id}/correct", post(correct))
        .route("/api/notices/{id}/recall", post(recall))
}

fn notice_json(n: &Notice) -> Value {
    json!({
        "id": n.id,
        "series_id": n.series_id,
        "version": n.version,
        "version_kind": n.version_kind,
        "kind": n.kind,
        "kind_label_zh": n.kind.label_zh(),
        "kind_label_en": n.kind.label_en(),
        "sender_org_id": n.sender_org_id,
        "created_by": n.created_by,
        "title": n.title,
        "body": n.body,
        "requires_ack": n.requires_ack,
        "requires_reply": n.requires_reply,
        "reply_due_at": n.reply_due_at,
        "remind_at": n.remind_at,
        "escalate_at": n.escalate_at,
        "state": n.state,
        "sent_at": n.sent_at,
        "created_at": n.created_at,
    })
}

fn receipt_json(r: &Receipt) -> Value {
    json!({
        "notice_id": r.notice_id,
        "org_id": r.org_id,
        "state": r.state,
        "state_label_zh": r.state.label_zh(),
        "state_label_en": r.state.label_en(),
        "delivered_at": r.delivered_at,
        "read_at": r.read_at,
        "read_by": r.read_by,
        "acknowledged_at": r.acknowledged_at,
        "acknowledged_by": r.acknowledged_by,
        "acknowledged_by_name": r.acknowledged_by_name,
        "replied_at": r.replied_at,
        "replied_by": r.replied_by,
        "reply": r.reply,
        "closed_at": r.closed_at,
    })
}

fn view_json(view: &NoticeView) -> Value {
    let mut value = notice_json(&view.notice);
    value["my_role"] = json!(match view.role {
        NoticeRole::Sender => "sender",
        NoticeRole::Recipient => "recipient",
    });
    value["receipts"] = view.receipts.iter().map(receipt_json).collect();
    value
}

fn detail_json(detail: &NoticeDetail) -> Value {
    let mut value = view_json(&detail.view);
    value["versions"] = detail
        .versions
        .iter()
        .map(|v| {
            json!({
                "id": v.id,
                "version": v.version,
                "version_kind": v.version_kind,
                "state": v.state,
                "sent_at": v.sent_at,
            })
        })
        .collect();
    value["newest_id"] = json!(detail
        .versions
        .iter()
        .max_by_key(|v| v.version)
        .map(|v| v.id.as_str())
        .unwrap_or(detail.view.notice.id.as_str()));
    value
}

async fn send(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<SendNotice>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let notice = notices::send(&state.services, &caller, body).await?;
    Ok((StatusCode::CREATED, Json(notice_json(&notice))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    #[serde(default, rename = "box")]
    which: NoticeBox,
    #[serde(default)]
    pending: bool,
    limit: Option<i64>,
    offset: Option<i64>,
}

async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let (limit, offset) = page(query.limit, query.offset)?;
    let views = notices::list(
        &state.services,
        &caller,
        query.which,
        query.pending,
        limit,
        offset,
    )
    .await?;
    let notices: Vec<Value> = views.iter().map(view_json).collect();
    Ok(Json(json!({ "notices": notices })))
}

async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let detail = notices::show(&state.services, &caller, &id).await?;
    Ok(Json(detail_json(&detail)))
}

async fn acknowledge(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let receipt = notices::acknowledge(&state.services, &caller, &id).await?;
    Ok(Json(receipt_json(&receipt)))
}

async fn reply(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<ReplyInput>,
) -> Result<Json<Value>, ApiError> {
    let receipt = notices::reply(&state.services, &caller, &id, body).await?;
    Ok(Json(receipt_json(&receipt)))
}

async fn close(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, org_id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let receipt = notices::close(&state.services, &caller, &id, &org_id).await?;
    Ok(Json(receipt_json(&receipt)))
}

async fn correct(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<CorrectInput>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let notice = notices::correct(&state.services, &caller, &id, body).await?;
    Ok((StatusCode::CREATED, Json(notice_json(&notice))))
}

async fn recall(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<RecallInput>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let notice = notices::recall(&state.services, &caller, &id, body).await?;
    Ok((StatusCode::CREATED, Json(notice_json(&notice))))
}
