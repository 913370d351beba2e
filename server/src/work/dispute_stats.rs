//! Dispute statistics (争议统计) as an operation: the table of a region for a period of raise
//! dates, as JSON or as a CSV file a spreadsheet opens.
//!
//! The table has one row per direct child region (the disputes whose space lies in that
//! child's subtree), one row 本级 for the disputes whose space is the region itself (between
//! bodies of different children, or of the region's own level), and a total 合计 (the whole
//! subtree), so the rows above the total add up to it. Counting is
//! [`crate::domain::dispute_stats`]'s; who may see which region is the policy's
//! ([`Action::ReadDisputeStats`]).

use serde::Serialize;
use utoipa::ToSchema;

use super::Error;
use crate::auth::Caller;
use crate::db::Region;
use crate::domain::calendar::local_date;
use crate::domain::dispute_stats::{
    parse_date, tally, Period, PeriodError, Tally, STATS_BAD_DATE, STATS_FROM_AFTER_TO,
    STATS_PERIOD_TOO_LONG, STATS_REGION_REQUIRED,
};
use crate::domain::org::RegionCode;
use crate::domain::phrases;
use crate::domain::policy::Action;
use crate::services::Services;

/// The UTF-8 byte order mark: Excel reads a CSV file as UTF-8 only when it starts with one.
const BOM: &str = "\u{feff}";

/// What the table is asked for: a region code and the period's ends, each as the query gave
/// it (`None` when not given).
#[derive(Debug, Default, Clone)]
pub struct StatsQuery<'a> {
    pub region: Option<&'a str>,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
}

/// Which disputes a row counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RowScope {
    /// A direct child region and everything below it.
    Child,
    /// 本级: the region itself only.
    Own,
    /// 合计: the region and everything below it.
    Total,
}

impl RowScope {
    fn label_zh(self) -> &'static str {
        match self {
            RowScope::Child => "下级区划",
            RowScope::Own => "本级",
            RowScope::Total => "合计",
        }
    }
}

/// One row of the table.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatsRow {
    pub scope: RowScope,
    /// The region's code (for 本级 and 合计, the region asked for).
    pub region: String,
    /// The region's Chinese name.
    pub region_name: String,
    #[serde(flatten)]
    pub tally: Tally,
}

/// The table of a region for a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DisputeStats {
    pub region: String,
    pub region_name: String,
    /// The first raise date counted, `YYYY-MM-DD` (Beijing).
    pub from: String,
    /// The last raise date counted, `YYYY-MM-DD` (Beijing), included.
    pub to: String,
    /// When "open" and "overdue" were counted, Unix milliseconds.
    pub as_of: i64,
    /// The children (by region path), then 本级, then 合计.
    pub rows: Vec<StatsRow>,
}

/// The table of a region for a period: `region` defaults to the caller's body's region,
/// the period to the current year (Beijing).
pub async fn table(
    services: &Services,
    caller: &Caller,
    query: StatsQuery<'_>,
) -> Result<DisputeStats, Error> {
    let now = services.clock.now_ms();
    let period = period(&query, now)?;
    let region = match query.region {
        Some(code) => RegionCode::parse(code).map_err(|e| Error::invalid("region", e.0))?,
        None => match &caller.org {
            Some(org) => org.region.clone(),
            None => return Err(Error::invalid("region", STATS_REGION_REQUIRED.message())),
        },
    };
    let region = services
        .db
        .region(&region)
        .await?
        .ok_or_else(|| Error::NotFound(phrases::NO_REGION.with("code", &region)))?;
    caller
        .allow(
            &services.db,
            Action::ReadDisputeStats {
                region_path: &region.path,
            },
        )
        .await?;
    let children: Vec<Region> = services
        .db
        .regions()
        .await?
        .into_iter()
        .filter(|r| r.parent.as_ref() == Some(&region.code))
        .collect();
    let (start, end) = period.range_ms();
    let disputes = services
        .db
        .dispute_stat_rows(&region.path, start, end)
        .await?;
    let calendar = services.calendar.get();
    let row = |scope, of: &Region, tally| StatsRow {
        scope,
        region: of.code.as_str().to_owned(),
        region_name: of.name_zh.as_str().to_owned(),
        tally,
    };
    let mut rows: Vec<StatsRow> = children
        .iter()
        .map(|child| {
            let within = disputes
                .iter()
                .filter(|d| child.path.covers(&d.region_path))
                .map(|d| &d.facts);
            row(RowScope::Child, child, tally(&calendar, now, within))
        })
        .collect();
    let own = disputes
        .iter()
        .filter(|d| d.region_path == region.path)
        .map(|d| &d.facts);
    rows.push(row(RowScope::Own, &region, tally(&calendar, now, own)));
    let all = disputes.iter().map(|d| &d.facts);
    rows.push(row(RowScope::Total, &region, tally(&calendar, now, all)));
    Ok(DisputeStats {
        region: region.code.as_str().to_owned(),
        region_name: region.name_zh.as_str().to_owned(),
        from: period.from.to_string(),
        to: period.to.to_string(),
        as_of: now,
        rows,
    })
}

/// The header row of the CSV file, in the order of [`csv_record`].
pub const CSV_HEADER: [&str; 16] = [
    "区划代码",
    "区划名称",
    "范围",
    "提出数",
    "协商解决数",
    "提请协调数",
    "作出协调意见数",
    "不予受理数",
    "撤回数",
    "未办结数",
    "超期数",
    "协商解决用时中位数（工作日）",
    "协商解决用时P90（工作日）",
    "协调决定用时中位数（工作日）",
    "协调决定用时P90（工作日）",
    "统计期间",
];

fn csv_record(row: &StatsRow, period: &str) -> [String; 16] {
    let t = &row.tally;
    let days = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    [
        row.region.clone(),
        row.region_name.clone(),
        row.scope.label_zh().to_owned(),
        t.raised.to_string(),
        t.settled.to_string(),
        t.escalated.to_string(),
        t.decided.to_string(),
        t.not_accepted.to_string(),
        t.withdrawn.to_string(),
        t.open.to_string(),
        t.overdue.to_string(),
        days(t.settle_days_median),
        days(t.settle_days_p90),
        days(t.decide_days_median),
        days(t.decide_days_p90),
        period.to_owned(),
    ]
}

/// [`table`] as a CSV file: UTF-8 with a byte order mark (so Excel opens it as such), a
/// Chinese header row, one line per row. Also its file name.
pub async fn csv(
    services: &Services,
    caller: &Caller,
    query: StatsQuery<'_>,
) -> Result<(String, Vec<u8>), Error> {
    let stats = table(services, caller, query).await?;
    let mut writer = csv::Writer::from_writer(BOM.as_bytes().to_vec());
    writer.write_record(CSV_HEADER).map_err(Error::internal)?;
    let period = format!("{} 至 {}", stats.from, stats.to);
    for row in &stats.rows {
        writer
            .write_record(csv_record(row, &period))
            .map_err(Error::internal)?;
    }
    let body = writer
        .into_inner()
        .map_err(|e| Error::internal(format!("finishing the CSV: {e}")))?;
    let name = format!(
        "dispute-stats-{}-{}-{}.csv",
        stats.region, stats.from, stats.to
    );
    Ok((name, body))
}

/// The period the query names, or the current year; refused when a date is malformed, the
/// start after the end, or longer than ten years.
fn period(query: &StatsQuery<'_>, now: i64) -> Result<Period, Error> {
    let date = |field: &'static str, text: &str| {
        parse_date(text).ok_or_else(|| Error::invalid(field, STATS_BAD_DATE.with("value", text)))
    };
    // A missing end is the end (a missing start the start) of the other's year, or of now's.
    let from = query.from.map(|text| date("from", text)).transpose()?;
    let to = query.to.map(|text| date("to", text)).transpose()?;
    let today = local_date(now).unwrap_or(time::Date::MIN);
    let from = from.unwrap_or_else(|| Period::year_of(to.unwrap_or(today)).from);
    let to = to.unwrap_or_else(|| Period::year_of(from).to);
    Period::new(from, to).map_err(|e| {
        let phrase = match e {
            PeriodError::FromAfterTo => &STATS_FROM_AFTER_TO,
            PeriodError::TooLong => &STATS_PERIOD_TOO_LONG,
        };
        Error::invalid(
            "from",
            phrase
                .with("from", from.to_string())
                .with("to", to.to_string()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csv_header_names_every_column_of_a_record() {
        let row = StatsRow {
            scope: RowScope::Own,
            region: "330102".into(),
            region_name: "上城区".into(),
            tally: Tally::default(),
        };
        assert_eq!(csv_record(&row, "p").len(), CSV_HEADER.len());
    }
}
