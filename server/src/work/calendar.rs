//! The working-day calendar as an operation: reading a year, and an operator loading one.
//!
//! Anyone signed in may read it (deadlines are counted in it, so people must be able to
//! check them); only an operator loads a year, which replaces that year's days whole and
//! takes effect for deadlines computed from then on (running deadlines keep their times).

use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::by::By;
use super::Error;
use crate::auth::Caller;
use crate::db::Db;
use crate::domain::calendar::{DayKind, YearCalendar};
use crate::domain::policy::Action;
use crate::services::Services;

/// A year of the calendar: the days that differ from the usual Monday-to-Friday week.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarYear {
    pub year: i32,
    pub days: Vec<ListedDay>,
}

/// One listed day.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListedDay {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub kind: DayKind,
    pub kind_zh: &'static str,
    pub kind_en: &'static str,
    /// 元旦, 春节, …
    pub name: String,
}

/// What loading a year stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoadedYear {
    pub year: i32,
    /// How many listed days the year has now.
    pub days: usize,
}

/// A year as an address names it: four digits.
pub fn year_of(raw: &str) -> Result<i32, Error> {
    raw.parse::<i32>()
        .ok()
        .filter(|y| (1900..=9999).contains(y))
        .ok_or_else(|| Error::invalid("year", &crate::domain::phrases::YEAR_FOUR_DIGITS))
}

/// The listed days of `year`.
pub async fn year(services: &Services, year: i32) -> Result<CalendarYear, Error> {
    let days = services
        .db
        .calendar_days()
        .await?
        .into_iter()
        .filter(|d| d.date.year() == year)
        .map(|d| ListedDay {
            date: d.date.to_string(),
            kind: d.kind,
            kind_zh: d.kind.label_zh(),
            kind_en: d.kind.label_en(),
            name: d.name,
        })
        .collect();
    Ok(CalendarYear { year, days })
}

/// Replaces the days of `year` with a year file (like `calendar/2026.json`), as an operator.
pub async fn load(
    services: &Services,
    caller: &Caller,
    year: i32,
    file: &[u8],
) -> Result<LoadedYear, Error> {
    let calendar = store(&services.db, By::Caller(caller), Some(year), file).await?;
    services.calendar.reload(&services.db).await?;
    Ok(LoadedYear {
        year,
        days: calendar.days.len(),
    })
}

/// Stores a year file, replacing the days of the year it names (which must be `year` when
/// given), and answers what it held. The shell's `concord admin calendar-load` calls this;
/// running servers pick the year up within a minute.
pub async fn store(
    db: &Db,
    by: By<'_>,
    year: Option<i32>,
    file: &[u8],
) -> Result<YearCalendar, Error> {
    by.allow(db, Action::ManageCalendar).await?;
    let text = std::str::from_utf8(file)
        .map_err(|_| Error::invalid("body", &crate::domain::phrases::CALENDAR_NOT_UTF8))?;
    let calendar = YearCalendar::parse_json(text).map_err(|e| Error::invalid("body", e.0))?;
    if let Some(year) = year.filter(|y| *y != calendar.year) {
        return Err(Error::invalid(
            "year",
            crate::domain::phrases::CALENDAR_WRONG_YEAR
                .with("file", calendar.year)
                .with("year", year),
        ));
    }
    let event = by.event(
        "calendar_loaded",
        format!("calendar:{}", calendar.year),
        json!({ "days": calendar.days.len(), "source": calendar.source }),
    );
    db.load_calendar_year(&calendar, &event).await?;
    Ok(calendar)
}
