//! What every workflow's statistics share (争议统计, 移送统计): the period a table covers, the
//! working days between two instants, and percentiles. Each workflow's own module
//! (`dispute_stats`, `referral_stats`) counts its rows with these; `work::region_stats` puts
//! a region's table together.
//!
//! Pure: no I/O, no clock.
//!
//! **Working days between two instants** count the working days after the local (Beijing)
//! day of the start up to and including the local day of the end, as a time limit counts them
//! (期间开始之日不计入): raised on a Friday and settled the Monday after is 1 working day,
//! settled the same day 0.
//!
//! **Percentiles** interpolate between the closest ranks (as Excel's `PERCENTILE.INC` and
//! `MEDIAN` do, so a bureau checking the export in a spreadsheet finds the same numbers): the
//! median of 1 and 2 working days is 1.5.

use time::{Date, Month};

use super::calendar::{end_of_day_ms, local_date, Calendar};
use super::phrases::catalogue;

/// The longest period a table covers, in days (ten years, leap days included).
pub const MAX_PERIOD_DAYS: i64 = 3653;

catalogue! { RULES:
    STATS_BAD_DATE = "stats.bad_date",
        "日期「{value}」格式有误，应为 YYYY-MM-DD，例如 2026-03-01",
        "the date {value} is not valid; write it as YYYY-MM-DD, for example 2026-03-01";
    STATS_FROM_AFTER_TO = "stats.from_after_to",
        "开始日期 {from} 晚于结束日期 {to}",
        "the start date {from} is after the end date {to}";
    STATS_PERIOD_TOO_LONG = "stats.period_too_long",
        "统计期间不能超过十年（{from} 至 {to}）",
        "a period may not be longer than ten years ({from} to {to})";
    STATS_REGION_REQUIRED = "stats.region_required",
        "请指定要统计的行政区划（region）",
        "name the region to count (region)";
}

/// A date as the API writes it, `YYYY-MM-DD`, Beijing time.
pub fn parse_date(text: &str) -> Option<Date> {
    let mut parts = text.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !(all_digits(y) && all_digits(m) && all_digits(d)) {
        return None;
    }
    let month = Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

/// Why a period is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodError {
    FromAfterTo,
    TooLong,
}

/// A period of raise dates, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: Date,
    pub to: Date,
}

impl Period {
    /// `from` to `to`, both included; at most [`MAX_PERIOD_DAYS`] days.
    pub fn new(from: Date, to: Date) -> Result<Period, PeriodError> {
        if from > to {
            return Err(PeriodError::FromAfterTo);
        }
        if (to - from).whole_days() + 1 > MAX_PERIOD_DAYS {
            return Err(PeriodError::TooLong);
        }
        Ok(Period { from, to })
    }

    /// The whole year of `date`.
    pub fn year_of(date: Date) -> Period {
        let year = date.year();
        let from = Date::from_calendar_date(year, Month::January, 1).unwrap_or(date);
        let to = Date::from_calendar_date(year, Month::December, 31).unwrap_or(date);
        Period { from, to }
    }

    /// The instants `[start, end)` of the period: 00:00 of `from` to 24:00 of `to`, Beijing.
    pub fn range_ms(&self) -> (i64, i64) {
        let start = end_of_day_ms(self.from.previous_day().unwrap_or(self.from));
        (start, end_of_day_ms(self.to))
    }
}

/// The working days after the local day of `start_ms` up to and including the local day of
/// `end_ms`; 0 when the end is not after the start's day.
pub fn working_days_between(calendar: &Calendar, start_ms: i64, end_ms: i64) -> u32 {
    let (Some(start), Some(end)) = (local_date(start_ms), local_date(end_ms)) else {
        return 0;
    };
    let mut count = 0;
    let mut day = start;
    while day < end {
        let Some(next) = day.next_day() else { break };
        day = next;
        if calendar.is_working_day(day) {
            count += 1;
        }
    }
    count
}

/// The `p`-th percentile (0 to 100) of `values`, interpolating between the closest ranks
/// (Excel's `PERCENTILE.INC`); `None` for no values.
pub fn percentile(values: &[u32], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let rank = (p.clamp(0.0, 100.0) / 100.0) * (sorted.len() - 1) as f64;
    let low = rank.floor() as usize;
    let high = rank.ceil() as usize;
    let (a, b) = (f64::from(sorted[low]), f64::from(sorted[high]));
    let value = a + (b - a) * (rank - low as f64);
    // One decimal is all a table shows; rounding here keeps JSON and CSV alike.
    Some((value * 10.0).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::DayKind;
    use time::macros::{date, datetime};

    fn ms(t: time::OffsetDateTime) -> i64 {
        (t.unix_timestamp_nanos() / 1_000_000) as i64
    }

    #[test]
    fn working_days_skip_the_start_day_and_weekends_and_follow_the_calendar() {
        let plain = Calendar::default();
        // Friday 6 March 2026 to Monday 9 March: Saturday and Sunday do not count.
        let friday = ms(datetime!(2026-03-06 16:00 +8));
        let monday = ms(datetime!(2026-03-09 09:00 +8));
        assert_eq!(working_days_between(&plain, friday, monday), 1);
        assert_eq!(working_days_between(&plain, friday, friday + 1000), 0);
        assert_eq!(working_days_between(&plain, monday, friday), 0);
        // Monday 2 March to Monday 16 March: ten working days.
        let start = ms(datetime!(2026-03-02 10:00 +8));
        let later = ms(datetime!(2026-03-16 23:00 +8));
        assert_eq!(working_days_between(&plain, start, later), 10);
        // 23:30 UTC on 8 March is already Monday 9 March in Beijing.
        assert_eq!(
            working_days_between(&plain, friday, ms(datetime!(2026-03-08 23:30 UTC))),
            1
        );
        // A holiday on Monday, a working Saturday.
        let calendar = Calendar::new([
            (date!(2026 - 03 - 09), DayKind::Holiday),
            (date!(2026 - 03 - 07), DayKind::Workday),
        ]);
        assert_eq!(working_days_between(&calendar, friday, monday), 1);
    }

    #[test]
    fn percentiles_interpolate_as_a_spreadsheet_does() {
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile(&[4], 50.0), Some(4.0));
        assert_eq!(percentile(&[4], 90.0), Some(4.0));
        assert_eq!(percentile(&[2, 1], 50.0), Some(1.5));
        assert_eq!(percentile(&[3, 1, 2], 50.0), Some(2.0));
        let ten: Vec<u32> = (1..=10).collect();
        assert_eq!(percentile(&ten, 90.0), Some(9.1));
        assert_eq!(percentile(&ten, 50.0), Some(5.5));
        assert_eq!(percentile(&ten, 100.0), Some(10.0));
        assert_eq!(percentile(&ten, 0.0), Some(1.0));
    }

    #[test]
    fn dates_are_strict_and_periods_bounded() {
        assert_eq!(parse_date("2026-03-01"), Some(date!(2026 - 03 - 01)));
        for bad in [
            "2026-3-1",
            "2026-02-30",
            "20260301",
            "2026-03-01x",
            "",
            "abcd-ef-gh",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        let (a, b) = (date!(2026 - 03 - 02), date!(2026 - 03 - 01));
        assert_eq!(Period::new(a, b), Err(PeriodError::FromAfterTo));
        assert!(Period::new(a, a).is_ok());
        let ten_years = Period::new(date!(2016 - 01 - 01), date!(2025 - 12 - 31));
        assert!(ten_years.is_ok());
        let longer = Period::new(date!(2016 - 01 - 01), date!(2026 - 01 - 01));
        assert_eq!(longer, Err(PeriodError::TooLong));
        let year = Period::year_of(date!(2026 - 07 - 15));
        assert_eq!(
            (year.from, year.to),
            (date!(2026 - 01 - 01), date!(2026 - 12 - 31))
        );
        let (start, end) = Period::new(a, a).unwrap().range_ms();
        assert_eq!(start, ms(datetime!(2026-03-02 00:00 +8)));
        assert_eq!(end, ms(datetime!(2026-03-03 00:00 +8)));
    }
}
