//! The working-day calendar: which days are statutory holidays and which weekend days are
//! worked instead (调休), per year.
//!
//! Anyone signed in may read it (deadlines are counted in it, so people must be able to check
//! them); only an operator loads a year, which replaces that year's days whole and takes effect
//! for deadlines computed from then on (running deadlines keep the times they were given).

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

use crate::auth::Caller;
use crate::domain::calendar::YearCalendar;
use crate::domain::policy::Action;
use crate::error::ApiError;
use crate::http::extract::{Json, Path};
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/api/calendar/{year}", get(show).put(load))
}

/// A year as the path names it: four digits.
fn parse_year(raw: &str) -> Result<i32, ApiError> {
    raw.parse::<i32>()
        .ok()
        .filter(|y| (1900..=9999).contains(y))
        .ok_or_else(|| ApiError::BadRequest("the year must be four digits, e.g. 2026".into()))
}

async fn show(
    State(state): State<AppState>,
    _caller: Caller,
    Path(year): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let year = parse_year(&year)?;
    let days: Vec<Value> = state
        .db
        .calendar_days()
        .await?
        .into_iter()
        .filter(|d| d.date.year() == year)
        .map(|d| {
            json!({
                "date": d.date.to_string(),
                "kind": d.kind,
                "kind_zh": d.kind.label_zh(),
                "kind_en": d.kind.label_en(),
                "name": d.name,
            })
        })
        .collect();
    Ok(Json(json!({ "year": year, "days": days })))
}

/// Replaces one year's days with the body, a year file like `calendar/2026.json`.
async fn load(
    State(state): State<AppState>,
    caller: Caller,
    Path(year): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let year = parse_year(&year)?;
    caller.allow(&state, Action::ManageCalendar).await?;
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::BadRequest("the calendar must be UTF-8 JSON".into()))?;
    let calendar =
        YearCalendar::parse_json(text).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    if calendar.year != year {
        return Err(ApiError::BadRequest(format!(
            "the file is for {}, not {year}",
            calendar.year
        )));
    }
    let event = caller.event(
        "calendar_loaded",
        format!("calendar:{year}"),
        json!({ "days": calendar.days.len(), "source": calendar.source }),
    );
    state.db.load_calendar_year(&calendar, &event).await?;
    state.calendar.reload(&state.db).await?;
    Ok(Json(json!({ "year": year, "days": calendar.days.len() })))
}
