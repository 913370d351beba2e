//! The audit trail: read by operators (all of it) and by org admins (their own body's rows),
//! as JSON pages or as one CSV file.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::Caller;
use crate::db::AuditRow;
use crate::domain::policy::Action;
use crate::error::ApiError;
use crate::http::extract::{Json, Query};
use crate::state::AppState;

/// Rows per JSON page at most.
const MAX_PAGE: i64 = 500;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/audit", get(page))
        .route("/api/audit.csv", get(csv_export))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    /// Only rows of this organization; required for an org admin.
    org_id: Option<String>,
    /// Rows older than this sequence number (the previous page's last `seq`).
    before: Option<i64>,
    limit: Option<i64>,
}

fn row_json(row: &AuditRow) -> Value {
    json!({
        "seq": row.seq,
        "at": row.at,
        "actor_user_id": row.actor_user_id,
        "actor_org_id": row.actor_org_id,
        "action": row.action,
        "target": row.target,
        "detail": row.detail,
        "ip": row.ip,
        "hash": row.hash,
    })
}

async fn page(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<AuditQuery>,
) -> Result<Json<Value>, ApiError> {
    let org_id = query.org_id.as_deref();
    caller
        .allow(&state.services.db, Action::ReadAudit { org_id })
        .await?;
    let limit = query.limit.unwrap_or(100).clamp(1, MAX_PAGE);
    let rows = state
        .services
        .db
        .audit_rows(org_id, query.before, limit)
        .await?;
    let next = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|r| r.seq))
        .flatten();
    Ok(Json(json!({
        "rows": rows.iter().map(row_json).collect::<Vec<_>>(),
        "next_before": next,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CsvQuery {
    org_id: Option<String>,
}

async fn csv_export(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<CsvQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let org_id = query.org_id.as_deref();
    caller
        .allow(&state.services.db, Action::ReadAudit { org_id })
        .await?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header_row = [
        "seq",
        "at",
        "actor_user_id",
        "actor_org_id",
        "action",
        "target",
        "detail",
        "ip",
        "prev_hash",
        "hash",
    ];
    let internal = |e: csv::Error| ApiError::Internal(e.into());
    writer.write_record(header_row).map_err(internal)?;
    let mut before = None;
    loop {
        let rows = state
            .services
            .db
            .audit_rows(org_id, before, MAX_PAGE)
            .await?;
        for row in &rows {
            writer
                .write_record([
                    row.seq.to_string(),
                    row.at.to_string(),
                    row.actor_user_id.clone().unwrap_or_default(),
                    row.actor_org_id.clone().unwrap_or_default(),
                    row.action.clone(),
                    row.target.clone(),
                    row.detail.to_string(),
                    row.ip.clone().unwrap_or_default(),
                    row.prev_hash.clone(),
                    row.hash.clone(),
                ])
                .map_err(internal)?;
        }
        if (rows.len() as i64) < MAX_PAGE {
            break;
        }
        before = rows.last().map(|r| r.seq);
    }
    let body = writer
        .into_inner()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("finishing the CSV: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"concord-audit.csv\"",
            ),
        ],
        body,
    ))
}
