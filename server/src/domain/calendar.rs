//! Time limits (期限) and the working-day calendar they are counted in.
//!
//! A task's time limit is written the way the rules that set it write it: so many calendar
//! days, so many working days (工作日), or so many hours. Counting follows the usual rule of
//! Chinese administrative law, 期间开始之日不计入: the day on which the period starts does not
//! count, and a period of days ends at 24:00 local time of its last counted day. Hours count
//! from the instant.
//!
//! **One rule for the end of a day:** a limit of days (calendar or working) ends at 24:00 of its
//! last day, stored as the last millisecond of that day ([`Calendar::due_at`]), so every
//! display shows the last day itself at 23:59, the same as an agreed item's deadline typed as
//! a date. (Stored as 00:00 of the next day it read as "Saturday 00:00" for a limit ending on
//! a Friday.) Office closing time (17:30) is deliberately not used: the law counts the whole
//! last day (期间届满的最后一日…到二十四时为止).
//!
//! Working days are Monday to Friday, except what the State Council's yearly notice on
//! holidays (国务院办公厅关于…部分节假日安排的通知) says: statutory holidays that fall on
//! weekdays are not worked, and some weekend days are worked instead (调休上班). Those
//! differences come from a year file an operator loads (`calendar/2026.json` is shipped as the
//! example), never from a guess: a year nobody loaded counts plain weekdays.
//!
//! Reminders that fall on working days are sent at 09:00 local time, when offices open, so a
//! warning is read by the people who must act on it rather than at midnight.
//!
//! Everything here is arithmetic on Unix milliseconds in China Standard Time (+08:00, which has
//! no daylight saving time, so every day is exactly 24 hours). This module never reads the
//! clock or the database, and never panics on any input: amounts are `u32` and every sum
//! saturates.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::macros::format_description;
use time::{Date, UtcOffset, Weekday};

use super::org::{labelled_enum, Invalid};
use super::phrases;

/// China Standard Time: every body concord serves keeps office hours in it.
pub const OFFSET: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(offset) => offset,
    Err(_) => panic!("+08:00 is a valid offset"),
};

/// Reminders that fall on working days go out when offices open: 09:00 local time.
pub const OFFICE_OPENS_HOUR: u8 = 9;

/// Working days after the overdue reminder (催办) before a task is escalated (督办), where the
/// setting body's region sets nothing else (`domain::limits`, `task_escalate`).
pub const ESCALATE_AFTER_WORKING_DAYS: u32 = 5;

/// Milliseconds in a day; +08:00 has no daylight saving time, so every local day has this many.
const DAY_MS: i64 = 86_400_000;

/// Milliseconds in an hour.
const HOUR_MS: i64 = 3_600_000;

/// The offset of +08:00 in milliseconds.
const OFFSET_MS: i64 = 8 * HOUR_MS;

/// The Julian day number of 1970-01-01, the first local day (day 0) of [`local_day`].
const UNIX_EPOCH_JULIAN_DAY: i64 = 2_440_588;

labelled_enum! {
    /// How a listed day differs from the usual Monday-to-Friday week.
    pub enum DayKind {
        /// 法定节假日: a statutory holiday, also when it falls on a weekday.
        Holiday = ("holiday", "法定节假日", "Statutory holiday"),
        /// 调休上班: a weekend day worked in exchange for a holiday.
        Workday = ("workday", "调休上班", "Worked weekend day"),
    }
}

/// A day the calendar lists as different from the usual week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecialDay {
    /// `YYYY-MM-DD` in JSON.
    pub date: Date,
    pub kind: DayKind,
    /// The holiday's name (春节), or for a worked day the holiday it makes up for.
    pub name: String,
}

/// One year's calendar as an operator loads it from a file (`calendar/2026.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearCalendar {
    pub year: i32,
    /// Where the dates come from (the State Council's notice), for the person who checks.
    #[serde(default)]
    pub source: String,
    pub days: Vec<SpecialDay>,
}

/// A year file as written, before its dates and kinds are checked, so that every complaint
/// can name the date it is about instead of a line and column.
#[derive(Deserialize)]
struct RawYear {
    year: i32,
    #[serde(default)]
    source: String,
    days: Vec<RawDay>,
}

#[derive(Deserialize)]
struct RawDay {
    date: String,
    kind: String,
    #[serde(default)]
    name: String,
}

/// A weekday as Chinese writes it (星期一).
fn weekday_zh(day: Weekday) -> &'static str {
    match day {
        Weekday::Monday => "星期一",
        Weekday::Tuesday => "星期二",
        Weekday::Wednesday => "星期三",
        Weekday::Thursday => "星期四",
        Weekday::Friday => "星期五",
        Weekday::Saturday => "星期六",
        Weekday::Sunday => "星期日",
    }
}

/// A weekday in English (Monday).
fn weekday_en(day: Weekday) -> &'static str {
    match day {
        Weekday::Monday => "Monday",
        Weekday::Tuesday => "Tuesday",
        Weekday::Wednesday => "Wednesday",
        Weekday::Thursday => "Thursday",
        Weekday::Friday => "Friday",
        Weekday::Saturday => "Saturday",
        Weekday::Sunday => "Sunday",
    }
}

impl YearCalendar {
    /// Parses and checks a year file: every date in `year`, no date twice, a `holiday` is
    /// not needed on a weekend but allowed, a `workday` must be a Saturday or Sunday.
    pub fn parse_json(text: &str) -> Result<YearCalendar, Invalid> {
        let raw: RawYear = serde_json::from_str(text)
            .map_err(|e| Invalid(phrases::CALENDAR_NOT_A_YEAR_FILE.with("why", e)))?;
        let format = format_description!("[year]-[month]-[day]");
        let mut seen = BTreeMap::new();
        let mut days = Vec::with_capacity(raw.days.len());
        for day in raw.days {
            let date = Date::parse(day.date.trim(), &format).map_err(|_| {
                Invalid(phrases::CALENDAR_NOT_A_DATE.with("date", format!("{:?}", day.date)))
            })?;
            if date.year() != raw.year {
                return Err(Invalid(
                    phrases::CALENDAR_OTHER_YEAR
                        .with("date", date)
                        .with("year", raw.year),
                ));
            }
            let kind: DayKind = day.kind.parse().map_err(|_| {
                Invalid(
                    phrases::CALENDAR_UNKNOWN_KIND
                        .with("date", date)
                        .with("kind", format!("{:?}", day.kind)),
                )
            })?;
            if seen.insert(date, kind).is_some() {
                return Err(Invalid(phrases::CALENDAR_TWICE.with("date", date)));
            }
            if kind == DayKind::Workday && !is_weekend(date.weekday()) {
                return Err(Invalid(
                    phrases::CALENDAR_WORKDAY_ON_WEEKDAY
                        .with("date", date)
                        .with_words(
                            "weekday",
                            weekday_zh(date.weekday()),
                            weekday_en(date.weekday()),
                        ),
                ));
            }
            days.push(SpecialDay {
                date,
                kind,
                name: day.name.trim().to_owned(),
            });
        }
        days.sort_by_key(|day| day.date);
        Ok(YearCalendar {
            year: raw.year,
            source: raw.source,
            days,
        })
    }

    /// The year's days as [`Calendar::new`] takes them.
    pub fn entries(&self) -> impl Iterator<Item = (Date, DayKind)> + '_ {
        self.days.iter().map(|day| (day.date, day.kind))
    }
}

/// The working-day calendar: Monday to Friday, except the days listed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    special: BTreeMap<Date, DayKind>,
}

/// How long something may take, and in which unit it is counted. JSON:
/// `{"unit": "working_days", "amount": 10}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "unit", content = "amount", rename_all = "snake_case")]
pub enum TimeLimit {
    CalendarDays(u32),
    WorkingDays(u32),
    Hours(u32),
}

/// When the reminders of one task's clock fire, Unix milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskSchedule {
    pub due_at: i64,
    /// 50 % of the time; `None` when it would not fall strictly between start and due.
    pub warn_50: Option<i64>,
    /// 75 % of the time; `None` when it would coincide with `warn_50` or not fall before due.
    pub warn_75: Option<i64>,
    /// 催办: the first working morning after `due_at`.
    pub overdue_reminder: i64,
    /// 督办: [`ESCALATE_AFTER_WORKING_DAYS`] working mornings after `overdue_reminder`.
    pub escalation: i64,
}

impl Calendar {
    pub fn new(days: impl IntoIterator<Item = (Date, DayKind)>) -> Calendar {
        Calendar {
            special: days.into_iter().collect(),
        }
    }

    /// Whether offices work on `date`: a listed day says so; otherwise Monday to Friday.
    pub fn is_working_day(&self, date: Date) -> bool {
        match self.special.get(&date) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !is_weekend(date.weekday()),
        }
    }

    /// When a limit counted from `start_ms` runs out. Calendar and working days do not count
    /// the day of the start (期间开始之日不计入) and end at 24:00 local time of the last day,
    /// given as its last millisecond (23:59:59.999) so that the instant falls on the last day
    /// itself; hours are counted from the instant.
    ///
    /// A limit of zero days ends at 24:00 of the start day.
    pub fn due_at(&self, start_ms: i64, limit: TimeLimit) -> i64 {
        let start_day = local_day(start_ms);
        match limit {
            TimeLimit::CalendarDays(n) => last_ms_of(start_day.saturating_add(i64::from(n))),
            TimeLimit::WorkingDays(n) => last_ms_of(self.nth_working_day_after(start_day, n)),
            TimeLimit::Hours(n) => start_ms.saturating_add(i64::from(n) * HOUR_MS),
        }
    }

    /// 09:00 local time on the first working day at which that moment is later than
    /// `after_ms`.
    pub fn next_working_morning(&self, after_ms: i64) -> i64 {
        let today = local_day(after_ms);
        if self.is_working_day_number(today) && morning_ms(today) > after_ms {
            return morning_ms(today);
        }
        morning_ms(self.nth_working_day_after(today, 1))
    }

    /// The reminders of a task clock that started at `start_ms` under `limit`.
    ///
    /// For working days the warnings go out on working mornings: 50 % at 09:00 of working day
    /// ⌊n/2⌋+1 after the start day (when half the days have fully passed), 75 % at 09:00 of
    /// working day ⌊3n/4⌋+1. Calendar days and hours warn at the wall-clock fraction.
    pub fn task_schedule(&self, start_ms: i64, limit: TimeLimit) -> TaskSchedule {
        let TimeLimit::WorkingDays(n) = limit else {
            return self.schedule_until(start_ms, self.due_at(start_ms, limit));
        };
        let due_at = self.due_at(start_ms, limit);
        let start_day = local_day(start_ms);
        let warn_on = |k: u32| {
            let at = morning_ms(self.nth_working_day_after(start_day, k));
            (at > start_ms && at < due_at).then_some(at)
        };
        let warn_50 = warn_on(n / 2 + 1);
        let warn_75 = warn_on(u32::try_from(u64::from(n) * 3 / 4).unwrap_or(u32::MAX) + 1)
            .filter(|at| Some(*at) != warn_50);
        self.finish_schedule(due_at, warn_50, warn_75)
    }

    /// The same schedule for a deadline given as an instant rather than a limit (a deadline
    /// an extension moved, or one typed as a date): warnings at 50 % and 75 % of the wall
    /// time between `start_ms` and `due_ms`.
    pub fn schedule_until(&self, start_ms: i64, due_ms: i64) -> TaskSchedule {
        let fraction = |num: i128, den: i128| {
            let span = i128::from(due_ms) - i128::from(start_ms);
            let at = i128::from(start_ms) + span * num / den;
            i64::try_from(at)
                .ok()
                .filter(|at| *at > start_ms && *at < due_ms)
        };
        let warn_50 = fraction(1, 2);
        let warn_75 = fraction(3, 4).filter(|at| Some(*at) != warn_50);
        self.finish_schedule(due_ms, warn_50, warn_75)
    }

    /// Adds the overdue reminder (催办) and the escalation (督办) to the warnings.
    fn finish_schedule(
        &self,
        due_at: i64,
        warn_50: Option<i64>,
        warn_75: Option<i64>,
    ) -> TaskSchedule {
        let overdue_reminder = self.next_working_morning(due_at);
        let escalation = self.escalation_after(overdue_reminder, ESCALATE_AFTER_WORKING_DAYS);
        TaskSchedule {
            due_at,
            warn_50,
            warn_75,
            overdue_reminder,
            escalation,
        }
    }

    /// 督办: `days` working mornings after the overdue reminder (催办) at `overdue_reminder`.
    /// [`TaskSchedule::escalation`] with the default; a region may set another
    /// (`domain::limits`, `task_escalate`).
    pub fn escalation_after(&self, overdue_reminder: i64, days: u32) -> i64 {
        (0..days).fold(overdue_reminder, |at, _| self.next_working_morning(at))
    }

    /// [`Calendar::is_working_day`] for a local day number (days since 1970-01-01, +08:00).
    fn is_working_day_number(&self, day: i64) -> bool {
        match date_of(day).and_then(|date| self.special.get(&date)) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !is_weekend_number(day),
        }
    }

    /// The `n`-th working day after local day `start` (the start itself never counts); `start`
    /// itself when `n` is zero.
    ///
    /// Past the last listed day every week has exactly five working days, so whole weeks are
    /// skipped arithmetically: a large amount costs no more than a small one.
    fn nth_working_day_after(&self, start: i64, n: u32) -> i64 {
        let last_listed = self
            .special
            .keys()
            .next_back()
            .map_or(i64::MIN, |date| day_number(*date));
        let mut day = start;
        let mut remaining = i64::from(n);
        while remaining > 0 {
            if day >= last_listed && remaining > 5 {
                let weeks = (remaining - 1) / 5;
                day = day.saturating_add(weeks * 7);
                remaining -= weeks * 5;
                continue;
            }
            day = day.saturating_add(1);
            if self.is_working_day_number(day) {
                remaining -= 1;
            }
        }
        day
    }
}

/// 24:00 local time of `date`, Unix milliseconds: where a deadline typed as a date ends.
pub fn end_of_day_ms(date: Date) -> i64 {
    day_start_ms(day_number(date).saturating_add(1))
}

/// The local (+08:00) date of an instant; `None` beyond the years the `time` crate knows.
pub fn local_date(ms: i64) -> Option<Date> {
    date_of(local_day(ms))
}

/// The local day number (days since 1970-01-01 in +08:00) of an instant.
fn local_day(ms: i64) -> i64 {
    ms.saturating_add(OFFSET_MS).div_euclid(DAY_MS)
}

/// 00:00 local time of a local day number, Unix milliseconds.
fn day_start_ms(day: i64) -> i64 {
    day.saturating_mul(DAY_MS).saturating_sub(OFFSET_MS)
}

/// 23:59:59.999 local time of a local day number: the end of a limit of days that ends on it.
fn last_ms_of(day: i64) -> i64 {
    day_start_ms(day.saturating_add(1)).saturating_sub(1)
}

/// 09:00 local time of a local day number, Unix milliseconds.
fn morning_ms(day: i64) -> i64 {
    day_start_ms(day).saturating_add(i64::from(OFFICE_OPENS_HOUR) * HOUR_MS)
}

fn day_number(date: Date) -> i64 {
    i64::from(date.to_julian_day()) - UNIX_EPOCH_JULIAN_DAY
}

fn date_of(day: i64) -> Option<Date> {
    let julian = i32::try_from(day.checked_add(UNIX_EPOCH_JULIAN_DAY)?).ok()?;
    Date::from_julian_day(julian).ok()
}

fn is_weekend(weekday: Weekday) -> bool {
    matches!(weekday, Weekday::Saturday | Weekday::Sunday)
}

/// Day 0, 1970-01-01, was a Thursday; so day numbers 2 and 3 (mod 7) are Saturday and Sunday.
fn is_weekend_number(day: i64) -> bool {
    matches!(day.rem_euclid(7), 2 | 3)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};
    use time::OffsetDateTime;

    /// The shipped example year.
    const YEAR_2026: &str = include_str!("../../../calendar/2026.json");

    fn ms(at: OffsetDateTime) -> i64 {
        i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap()
    }

    /// National Day 2026 as the State Council's notice has it, plus Mid-Autumn just before:
    /// holidays Sep 25–27 and Oct 1–7, worked Sun Sep 20 and Sat Oct 10.
    fn autumn_2026() -> Calendar {
        let mut days = vec![
            (date!(2026 - 09 - 20), DayKind::Workday),
            (date!(2026 - 10 - 10), DayKind::Workday),
        ];
        for day in [25, 26, 27] {
            days.push((
                Date::from_calendar_date(2026, time::Month::September, day).unwrap(),
                DayKind::Holiday,
            ));
        }
        for day in 1..=7 {
            days.push((
                Date::from_calendar_date(2026, time::Month::October, day).unwrap(),
                DayKind::Holiday,
            ));
        }
        Calendar::new(days)
    }

    #[test]
    fn working_days_skip_holidays_and_count_worked_weekend_days() {
        let cal = autumn_2026();

        assert!(cal.is_working_day(date!(2026 - 09 - 20)), "Sunday worked");
        assert!(cal.is_working_day(date!(2026 - 10 - 10)), "Saturday worked");
        assert!(!cal.is_working_day(date!(2026 - 10 - 01)), "National Day");
        assert!(!cal.is_working_day(date!(2026 - 10 - 05)), "a Monday off");
        assert!(
            !cal.is_working_day(date!(2026 - 09 - 19)),
            "a plain Saturday"
        );
        assert!(
            cal.is_working_day(date!(2026 - 10 - 08)),
            "a plain Thursday"
        );
        for day in 0..400 {
            let date = date!(2026 - 01 - 01) + time::Duration::days(day);
            assert_eq!(
                cal.is_working_day(date),
                cal.is_working_day_number(day_number(date)),
                "{date}"
            );
        }
    }

    #[test]
    fn ten_working_days_before_national_day_end_after_it() {
        let cal = autumn_2026();
        // Thursday afternoon: the start day does not count. Working days: Fri 18, Sun 20
        // (worked), Mon 21 … Thu 24, then Mid-Autumn, Mon 28 … Wed 30, then National Day,
        // and the tenth is Thu Oct 8.
        let start = ms(datetime!(2026-09-17 15:30 +8));

        let due = cal.due_at(start, TimeLimit::WorkingDays(10));

        assert_eq!(due, ms(datetime!(2026-10-09 00:00 +8)) - 1);
    }

    #[test]
    fn calendar_days_do_not_count_the_start_day_and_end_at_midnight() {
        let cal = autumn_2026();
        let start = ms(datetime!(2026-09-17 15:30 +8));

        assert_eq!(
            cal.due_at(start, TimeLimit::CalendarDays(3)),
            ms(datetime!(2026-09-21 00:00 +8)) - 1
        );
        assert_eq!(
            cal.due_at(start, TimeLimit::CalendarDays(0)),
            ms(datetime!(2026-09-18 00:00 +8)) - 1
        );
        // Holidays do not stop calendar days.
        assert_eq!(
            cal.due_at(start, TimeLimit::CalendarDays(15)),
            ms(datetime!(2026-10-03 00:00 +8)) - 1
        );
    }

    #[test]
    fn hours_count_from_the_instant_whatever_the_calendar() {
        let cal = autumn_2026();
        let start = ms(datetime!(2026-09-30 23:10 +8));

        assert_eq!(
            cal.due_at(start, TimeLimit::Hours(48)),
            ms(datetime!(2026-10-02 23:10 +8))
        );
    }

    #[test]
    fn a_start_just_after_local_midnight_is_still_that_local_day() {
        let cal = Calendar::default();
        // 00:30 in Beijing is 16:30 UTC of the day before.
        let start = ms(datetime!(2026-03-03 00:30 +8));

        assert_eq!(
            cal.due_at(start, TimeLimit::WorkingDays(1)),
            ms(datetime!(2026-03-05 00:00 +8)) - 1
        );
        assert_eq!(local_date(start), Some(date!(2026 - 03 - 03)));
    }

    #[test]
    fn working_day_warnings_fall_on_working_mornings_at_half_and_three_quarters() {
        let cal = autumn_2026();
        let start = ms(datetime!(2026-09-17 15:30 +8));

        let schedule = cal.task_schedule(start, TimeLimit::WorkingDays(10));

        // 50 %: working day 6 (Thu Sep 24); 75 %: working day 8 (Tue Sep 29).
        assert_eq!(schedule.warn_50, Some(ms(datetime!(2026-09-24 09:00 +8))));
        assert_eq!(schedule.warn_75, Some(ms(datetime!(2026-09-29 09:00 +8))));
        assert_eq!(schedule.due_at, ms(datetime!(2026-10-09 00:00 +8)) - 1);
    }

    #[test]
    fn the_overdue_reminder_is_the_next_working_morning_and_escalation_five_later() {
        let cal = autumn_2026();
        let start = ms(datetime!(2026-09-17 15:30 +8));

        let schedule = cal.task_schedule(start, TimeLimit::WorkingDays(10));

        // Due at 24:00 on Thu Oct 8: 催办 on Fri Oct 9 at 09:00. Five working mornings
        // more: Sat Oct 10 (worked), Mon 12, Tue 13, Wed 14, Thu 15.
        assert_eq!(
            schedule.overdue_reminder,
            ms(datetime!(2026-10-09 09:00 +8))
        );
        assert_eq!(schedule.escalation, ms(datetime!(2026-10-15 09:00 +8)));
    }

    #[test]
    fn an_overdue_reminder_waits_for_the_end_of_a_holiday() {
        let cal = autumn_2026();

        // Due at 24:00 on Wed Sep 30: Oct 1–7 are off, so 催办 is on Thu Oct 8.
        assert_eq!(
            cal.next_working_morning(ms(datetime!(2026-10-01 00:00 +8))),
            ms(datetime!(2026-10-08 09:00 +8))
        );
        // Before nine on a working day: that same morning.
        assert_eq!(
            cal.next_working_morning(ms(datetime!(2026-10-08 08:59 +8))),
            ms(datetime!(2026-10-08 09:00 +8))
        );
        // At nine exactly: the next working morning, since it must be later.
        assert_eq!(
            cal.next_working_morning(ms(datetime!(2026-10-08 09:00 +8))),
            ms(datetime!(2026-10-09 09:00 +8))
        );
        // Friday evening: the next morning is Sat Oct 10, a worked day.
        assert_eq!(
            cal.next_working_morning(ms(datetime!(2026-10-09 18:00 +8))),
            ms(datetime!(2026-10-10 09:00 +8))
        );
    }

    #[test]
    fn one_working_day_warns_once_and_drops_the_duplicate_seventy_five() {
        let cal = autumn_2026();
        let start = ms(datetime!(2026-10-08 14:00 +8));

        let schedule = cal.task_schedule(start, TimeLimit::WorkingDays(1));

        assert_eq!(schedule.due_at, ms(datetime!(2026-10-10 00:00 +8)) - 1);
        assert_eq!(schedule.warn_50, Some(ms(datetime!(2026-10-09 09:00 +8))));
        assert_eq!(schedule.warn_75, None);
    }

    #[test]
    fn zero_working_days_warn_not_at_all() {
        let cal = autumn_2026();
        let start = ms(datetime!(2026-10-08 14:00 +8));

        let schedule = cal.task_schedule(start, TimeLimit::WorkingDays(0));

        assert_eq!(schedule.due_at, ms(datetime!(2026-10-09 00:00 +8)) - 1);
        assert_eq!(schedule.warn_50, None);
        assert_eq!(schedule.warn_75, None);
    }

    #[test]
    fn hour_and_calendar_day_limits_warn_at_the_wall_clock_fraction() {
        let cal = autumn_2026();
        let start = ms(datetime!(2026-09-30 10:00 +8));

        let hours = cal.task_schedule(start, TimeLimit::Hours(8));
        assert_eq!(hours.due_at, ms(datetime!(2026-09-30 18:00 +8)));
        assert_eq!(hours.warn_50, Some(ms(datetime!(2026-09-30 14:00 +8))));
        assert_eq!(hours.warn_75, Some(ms(datetime!(2026-09-30 16:00 +8))));
        assert_eq!(hours.overdue_reminder, ms(datetime!(2026-10-08 09:00 +8)));

        // Two calendar days: due 24:00 Oct 2, i.e. 62 hours after the start.
        let days = cal.task_schedule(start, TimeLimit::CalendarDays(2));
        assert_eq!(days.due_at, ms(datetime!(2026-10-03 00:00 +8)) - 1);
        // The span is one millisecond short of 62 hours: the warnings fall just before the hour.
        assert_eq!(days.warn_50, Some(ms(datetime!(2026-10-01 17:00 +8)) - 1));
        assert_eq!(days.warn_75, Some(ms(datetime!(2026-10-02 08:30 +8)) - 1));
    }

    #[test]
    fn schedule_until_a_moved_deadline_uses_wall_time_and_working_mornings() {
        let cal = autumn_2026();
        let start = ms(datetime!(2026-09-28 09:00 +8));
        let due = ms(datetime!(2026-10-08 09:00 +8));

        let schedule = cal.schedule_until(start, due);

        assert_eq!(schedule.due_at, due);
        assert_eq!(schedule.warn_50, Some(ms(datetime!(2026-10-03 09:00 +8))));
        assert_eq!(schedule.warn_75, Some(ms(datetime!(2026-10-05 21:00 +8))));
        assert_eq!(
            schedule.overdue_reminder,
            ms(datetime!(2026-10-09 09:00 +8))
        );
        assert_eq!(schedule.escalation, ms(datetime!(2026-10-15 09:00 +8)));
    }

    #[test]
    fn a_deadline_already_passed_has_no_warnings() {
        let cal = Calendar::default();
        let start = ms(datetime!(2026-03-03 10:00 +8));

        let schedule = cal.schedule_until(start, start - 1);

        assert_eq!(schedule.warn_50, None);
        assert_eq!(schedule.warn_75, None);
        assert!(schedule.overdue_reminder > start);
    }

    #[test]
    fn huge_amounts_neither_hang_nor_overflow() {
        let cal = autumn_2026();
        let start = ms(datetime!(2026-09-17 15:30 +8));

        for limit in [
            TimeLimit::WorkingDays(u32::MAX),
            TimeLimit::CalendarDays(u32::MAX),
            TimeLimit::Hours(u32::MAX),
        ] {
            let schedule = cal.task_schedule(start, limit);
            assert!(schedule.due_at > start, "{limit:?}");
            assert!(
                schedule.escalation >= schedule.overdue_reminder,
                "{limit:?}"
            );
        }
        let _ = cal.task_schedule(i64::MAX, TimeLimit::WorkingDays(3));
        let _ = cal.task_schedule(i64::MIN, TimeLimit::CalendarDays(3));
    }

    #[test]
    fn skipping_whole_weeks_counts_like_walking_day_by_day() {
        let cal = autumn_2026();
        let start = local_day(ms(datetime!(2026-09-17 15:30 +8)));
        let mut day = start;
        for n in 1..=60 {
            day += 1;
            while !cal.is_working_day_number(day) {
                day += 1;
            }
            assert_eq!(cal.nth_working_day_after(start, n), day, "n = {n}");
        }
    }

    #[test]
    fn time_limits_are_json_with_unit_and_amount() {
        let limit: TimeLimit =
            serde_json::from_str(r#"{"unit": "working_days", "amount": 10}"#).unwrap();
        assert_eq!(limit, TimeLimit::WorkingDays(10));
        assert_eq!(
            serde_json::to_value(TimeLimit::Hours(4)).unwrap(),
            serde_json::json!({"unit": "hours", "amount": 4})
        );
        assert!(serde_json::from_str::<TimeLimit>(r#"{"unit": "weeks", "amount": 1}"#).is_err());
    }

    #[test]
    fn the_shipped_2026_file_parses_and_says_what_the_notice_says() {
        let year = YearCalendar::parse_json(YEAR_2026).unwrap();
        let cal = Calendar::new(year.entries());

        assert_eq!(year.year, 2026);
        assert!(year.source.contains("国务院办公厅"));
        // 春节: Feb 15–23 off, Sat Feb 14 and Sat Feb 28 worked.
        let spring: Vec<_> = year
            .days
            .iter()
            .filter(|d| d.name == "春节" && d.kind == DayKind::Holiday)
            .collect();
        assert_eq!(spring.len(), 9);
        assert!(cal.is_working_day(date!(2026 - 02 - 14)));
        assert!(cal.is_working_day(date!(2026 - 02 - 28)));
        assert!(!cal.is_working_day(date!(2026 - 02 - 23)));
        // 国庆节: Oct 1–7 off, Sun Sep 20 and Sat Oct 10 worked; 元旦 worked Sun Jan 4.
        assert!(!cal.is_working_day(date!(2026 - 10 - 07)));
        assert!(cal.is_working_day(date!(2026 - 09 - 20)));
        assert!(cal.is_working_day(date!(2026 - 10 - 10)));
        assert!(cal.is_working_day(date!(2026 - 01 - 04)));
        assert!(!cal.is_working_day(date!(2026 - 05 - 05)));
        let worked = year
            .days
            .iter()
            .filter(|d| d.kind == DayKind::Workday)
            .count();
        assert_eq!(worked, 6);
    }

    #[test]
    fn the_shipped_file_agrees_with_the_national_day_used_in_the_other_tests() {
        let year = YearCalendar::parse_json(YEAR_2026).unwrap();
        let cal = Calendar::new(year.entries());
        let start = ms(datetime!(2026-09-17 15:30 +8));

        assert_eq!(
            cal.task_schedule(start, TimeLimit::WorkingDays(10)),
            autumn_2026().task_schedule(start, TimeLimit::WorkingDays(10))
        );
    }

    fn refusal(text: &str) -> String {
        YearCalendar::parse_json(text).unwrap_err().0.to_string()
    }

    #[test]
    fn a_year_file_with_a_date_of_another_year_is_refused_naming_it() {
        let err = refusal(
            r#"{"year": 2026, "days": [{"date": "2025-12-31", "kind": "holiday", "name": "元旦"}]}"#,
        );
        assert!(err.contains("2025-12-31") && err.contains("2026"), "{err}");
    }

    #[test]
    fn a_year_file_listing_a_date_twice_is_refused_naming_it() {
        let err = refusal(
            r#"{"year": 2026, "days": [
                {"date": "2026-10-01", "kind": "holiday", "name": "国庆节"},
                {"date": "2026-10-01", "kind": "holiday", "name": "国庆节"}]}"#,
        );
        assert!(err.contains("2026-10-01") && err.contains("twice"), "{err}");
    }

    #[test]
    fn a_worked_day_on_a_weekday_is_refused_naming_it() {
        let err = refusal(
            r#"{"year": 2026, "days": [{"date": "2026-10-09", "kind": "workday", "name": "国庆节"}]}"#,
        );
        assert!(
            err.contains("2026-10-09") && err.contains("Saturday"),
            "{err}"
        );
    }

    #[test]
    fn an_unknown_kind_or_a_malformed_date_is_refused_naming_it() {
        let err = refusal(
            r#"{"year": 2026, "days": [{"date": "2026-10-01", "kind": "festival", "name": "国庆节"}]}"#,
        );
        assert!(
            err.contains("2026-10-01") && err.contains("festival"),
            "{err}"
        );

        let err = refusal(
            r#"{"year": 2026, "days": [{"date": "2026-13-01", "kind": "holiday", "name": "x"}]}"#,
        );
        assert!(err.contains("2026-13-01"), "{err}");

        let err = refusal(r#"{"year": "2026"}"#);
        assert!(err.contains("not a calendar year file"), "{err}");
    }

    #[test]
    fn a_holiday_on_a_weekend_is_allowed() {
        let year = YearCalendar::parse_json(
            r#"{"year": 2026, "days": [{"date": "2026-04-04", "kind": "holiday", "name": "清明节"}]}"#,
        )
        .unwrap();
        assert_eq!(year.days[0].date, date!(2026 - 04 - 04));
        assert_eq!(year.source, "");
    }

    #[test]
    fn a_ten_working_day_limit_ends_on_its_last_working_day_not_the_next_midnight() {
        let cal = Calendar::default();
        // Monday 7 December 2026; ten working days later is Monday 21 December; 24:00 of it is
        // its last millisecond, still on that Monday (not 00:00 of Tuesday). From Friday 4
        // December the tenth working day is Friday 18 December, and the limit ends on that
        // Friday, never at "Saturday 00:00".
        let monday = ms(datetime!(2026-12-07 10:00 +8));
        let friday = ms(datetime!(2026-12-04 10:00 +8));

        let from_monday = cal.due_at(monday, TimeLimit::WorkingDays(10));
        let from_friday = cal.due_at(friday, TimeLimit::WorkingDays(10));

        assert_eq!(from_monday, ms(datetime!(2026-12-21 23:59:59.999 +8)));
        assert_eq!(from_friday, ms(datetime!(2026-12-18 23:59:59.999 +8)));
        assert_eq!(local_date(from_friday), Some(date!(2026 - 12 - 18)));
        assert_eq!(
            local_date(from_friday).map(|d| d.weekday()),
            Some(Weekday::Friday)
        );
    }

    #[test]
    fn end_of_day_is_local_midnight() {
        assert_eq!(
            end_of_day_ms(date!(2026 - 10 - 08)),
            ms(datetime!(2026-10-09 00:00 +8))
        );
    }
}
