//! The office form (党政机关公文格式, GB/T 9704) shared by the renditions of every kind: dates
//! and times in Beijing time written the Chinese way (`2026年12月8日 9:30`, a span
//! `9:30—11:00`), and the page's style sheet for screen and print (A4, the standard's margins,
//! a red masthead line).
//!
//! What a rendition shows is read from `content.json` only; this module turns its RFC 3339
//! UTC strings and `YYYY-MM-DD` dates into what a person reads. It never reads the clock.

use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, UtcOffset};

/// Beijing time (+08:00), in which every date and time of a rendition is written.
const BEIJING: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(offset) => offset,
    Err(_) => panic!("+08:00 is a valid offset"),
};

/// The dash between the two ends of a span (GB/T 9704 writes a full-width dash).
pub const SPAN_DASH: &str = "—";

fn beijing(rfc3339: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(rfc3339, &Rfc3339)
        .ok()
        .map(|at| at.to_offset(BEIJING))
}

/// Unix milliseconds as an RFC 3339 instant, for the forms below (notices and e-mails hold
/// milliseconds; renditions hold RFC 3339).
fn from_ms(ms: i64) -> Option<String> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()?
        .format(&Rfc3339)
        .ok()
}

/// Unix milliseconds in Beijing time: `2026年12月8日 9:30`.
pub fn datetime_ms(ms: i64) -> Option<String> {
    datetime(&from_ms(ms)?)
}

/// From `start` to `end` (Unix milliseconds) in Beijing time, as [`span`] writes it.
pub fn span_ms(start: i64, end: i64) -> Option<String> {
    span(&from_ms(start)?, Some(&from_ms(end)?))
}

fn chinese_date(date: Date) -> String {
    format!(
        "{}年{}月{}日",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

fn clock(at: OffsetDateTime) -> String {
    format!("{}:{:02}", at.hour(), at.minute())
}

/// `2026-12-08` as `2026年12月8日`; none when it is not such a date.
pub fn date(ymd: &str) -> Option<String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(ymd, &format).ok().map(chinese_date)
}

/// An RFC 3339 instant's day in Beijing time: `2026年12月8日`.
pub fn day_of(rfc3339: &str) -> Option<String> {
    beijing(rfc3339).map(|at| chinese_date(at.date()))
}

/// An RFC 3339 instant in Beijing time: `2026年12月8日 9:30`.
pub fn datetime(rfc3339: &str) -> Option<String> {
    beijing(rfc3339).map(|at| format!("{} {}", chinese_date(at.date()), clock(at)))
}

/// From `start` to `end` in Beijing time: `2026年12月8日 9:30—11:00`, the second day written
/// again only when the span crosses midnight; only the start when there is no end.
pub fn span(start: &str, end: Option<&str>) -> Option<String> {
    let from = beijing(start)?;
    let head = format!("{} {}", chinese_date(from.date()), clock(from));
    let Some(to) = end.and_then(beijing) else {
        return Some(head);
    };
    Some(if to.date() == from.date() {
        format!("{head}{SPAN_DASH}{}", clock(to))
    } else {
        format!("{head}{SPAN_DASH}{} {}", chinese_date(to.date()), clock(to))
    })
}

/// The style sheet of a rendition in office form: on screen a page, in print an A4 sheet with
/// GB/T 9704's margins (top 37 mm, binding side 28 mm, text block 156 mm × 225 mm), the
/// masthead (版头) in red with the red separating line, the title in 2号 (22 pt) and the text in
/// 3号 (16 pt) 仿宋. No external resources: the Content-Security-Policy forbids them.
pub const STYLE: &str = "@page{size:A4;margin:37mm 26mm 35mm 28mm}\
body{font-family:\"FangSong\",\"仿宋\",\"STFangsong\",\"Songti SC\",\"SimSun\",serif;\
font-size:16pt;line-height:1.75;max-width:156mm;margin:2em auto;padding:0 1em;color:#000}\
.masthead{text-align:center;color:#c00;margin-bottom:1em}\
.masthead .mark{font-family:\"FZXiaoBiaoSong-B05S\",\"方正小标宋简体\",\"SimSun\",serif;\
font-size:30pt;letter-spacing:.1em;margin:0}\
.masthead .number{color:#000;font-size:16pt;margin:.5em 0 .2em}\
.masthead hr{border:0;border-top:2px solid #c00;margin:0}\
h1{font-family:\"FZXiaoBiaoSong-B05S\",\"方正小标宋简体\",\"SimSun\",serif;font-size:22pt;\
font-weight:normal;text-align:center;margin:1em 0}\
h2{font-family:\"SimHei\",\"黑体\",sans-serif;font-size:16pt;font-weight:normal;margin:1em 0 .3em}\
h3,h4,h5,h6{font-size:16pt;margin:.6em 0 .2em}\
p{white-space:pre-wrap;margin:0;text-indent:2em}\
.facts p,.attendance p,.issue p,.signing p{text-indent:0}\
.label{font-family:\"SimHei\",\"黑体\",sans-serif}\
ol{margin:0;padding-left:2em}\
table{border-collapse:collapse;width:100%}th,td{border:1px solid #000;padding:.2em .5em;text-align:left}\
blockquote{border-left:3px solid #999;margin-left:0;padding-left:1em}\
.issue{margin-top:2em;text-align:right}\
.note{margin-top:3em;font-size:10.5pt;color:#555;text-indent:0}\
@media print{body{margin:0;max-width:none;padding:0}.note{display:none}}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_beijing_time_written_the_chinese_way() {
        assert_eq!(
            datetime("2026-12-08T01:30:00Z").as_deref(),
            Some("2026年12月8日 9:30")
        );
        assert_eq!(
            span("2026-12-08T01:30:00Z", Some("2026-12-08T03:00:00Z")).as_deref(),
            Some("2026年12月8日 9:30—11:00")
        );
        assert_eq!(
            span("2026-12-08T15:30:00Z", Some("2026-12-08T16:30:00Z")).as_deref(),
            Some("2026年12月8日 23:30—2026年12月9日 0:30")
        );
        assert_eq!(
            span("2026-12-08T01:30:00Z", None).as_deref(),
            Some("2026年12月8日 9:30")
        );
        assert_eq!(
            day_of("2026-12-07T16:00:00Z").as_deref(),
            Some("2026年12月8日")
        );
        assert_eq!(date("2026-01-05").as_deref(), Some("2026年1月5日"));
        assert_eq!(datetime("yesterday"), None);
    }
}
