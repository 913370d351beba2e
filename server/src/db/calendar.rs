//! The working-day calendar's listed days: statutory holidays and the weekend days worked
//! instead (调休), loaded per year by an operator.
//!
//! A year is replaced whole, in one transaction with its audit row, so the calendar never mixes
//! two versions of a year's notice. The arithmetic on days lives in `domain::calendar`; this
//! module only stores and reads the list, and must never guess a year it was not given.

use time::{Date, Month};

use super::audit::AuditQueries;
use super::common::corrupt_text;
use super::common::{in_transaction, on_reader, parse, rule};
use super::identity::AuditEvent;
use super::{Db, DbError};
use crate::domain::calendar::{DayKind, SpecialDay, YearCalendar};

/// `YYYY-MM-DD`, the stored form of a day (it sorts as the days do).
fn day_text(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

fn day_from_text(stored: &str) -> Result<Date, DbError> {
    let bad = || corrupt_text(format!("the stored day {stored:?} is not YYYY-MM-DD"));
    let mut parts = stored.splitn(3, '-');
    let mut next = || parts.next().ok_or_else(bad);
    let (year, month, day) = (next()?, next()?, next()?);
    let year: i32 = year.parse().map_err(|_| bad())?;
    let month: u8 = month.parse().map_err(|_| bad())?;
    let day: u8 = day.parse().map_err(|_| bad())?;
    let month = Month::try_from(month).map_err(|_| bad())?;
    Date::from_calendar_date(year, month, day).map_err(|_| bad())
}

impl Db {
    /// Replaces the year's rows with these (all-or-nothing) and audits. Refused when a day
    /// lies outside the year or is listed twice.
    pub async fn load_calendar_year(
        &self,
        year: &YearCalendar,
        audit: &AuditEvent,
    ) -> Result<(), DbError> {
        let mut seen = std::collections::BTreeSet::new();
        for day in &year.days {
            if day.date.year() != year.year {
                return Err(rule(
                    crate::domain::phrases::CALENDAR_OTHER_YEAR
                        .with("date", day_text(day.date))
                        .with("year", year.year),
                ));
            }
            if !seen.insert(day.date) {
                return Err(rule(
                    crate::domain::phrases::CALENDAR_TWICE.with("date", day_text(day.date)),
                ));
            }
        }
        in_transaction!(self, |conn| {
            sqlx::query("delete from calendar_days where year = $1")
                .bind(year.year)
                .execute(&mut *conn)
                .await?;
            for day in &year.days {
                sqlx::query(
                    "insert into calendar_days (day, year, kind, name) values ($1, $2, $3, $4)",
                )
                .bind(day_text(day.date))
                .bind(year.year)
                .bind(day.kind.as_str())
                .bind(&day.name)
                .execute(&mut *conn)
                .await?;
            }
            conn.append_audit(audit).await?;
            Ok(())
        })
    }

    /// Every listed day of every year, by date.
    pub async fn calendar_days(&self) -> Result<Vec<SpecialDay>, DbError> {
        let rows: Vec<(String, String, String)> = on_reader!(self, |conn| {
            sqlx::query_as("select day, kind, name from calendar_days order by day")
                .fetch_all(&mut *conn)
                .await?
        });
        rows.into_iter()
            .map(|(day, kind, name)| {
                Ok(SpecialDay {
                    date: day_from_text(&day)?,
                    kind: parse::<DayKind>(&kind)?,
                    name,
                })
            })
            .collect()
    }

    /// The years loaded, with how many days each lists, by year.
    pub async fn calendar_years(&self) -> Result<Vec<(i32, i64)>, DbError> {
        on_reader!(self, |conn| {
            let rows: Vec<(i32, i64)> = sqlx::query_as(
                "select year, count(*) from calendar_days group by year order by year",
            )
            .fetch_all(&mut *conn)
            .await?;
            Ok(rows)
        })
    }
}
