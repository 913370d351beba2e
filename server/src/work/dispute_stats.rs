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

pub use super::region_stats::StatsQuery;
use super::region_stats::{csv_file, RegionTable, RowScope};
use super::Error;
use crate::auth::Caller;
use crate::domain::dispute_stats::{tally, Tally};
use crate::domain::policy::Action;
use crate::services::Services;

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
    let table = RegionTable::of(services, caller, &query, |region_path| async move {
        caller
            .allow(
                &services.db,
                Action::ReadDisputeStats {
                    region_path: &region_path,
                },
            )
            .await
            .map_err(Error::from)
    })
    .await?;
    let (start, end) = table.period.range_ms();
    let disputes: Vec<_> = services
        .db
        .dispute_stat_rows(&table.region.path, start, end)
        .await?
        .into_iter()
        .map(|d| (d.region_path, d.facts))
        .collect();
    let calendar = services.calendar.get();
    let rows = table
        .rows(&disputes, |facts| tally(&calendar, table.now, facts))
        .into_iter()
        .map(|(scope, region, tally)| StatsRow {
            scope,
            region: region.code.as_str().to_owned(),
            region_name: region.name_zh.as_str().to_owned(),
            tally,
        })
        .collect();
    Ok(DisputeStats {
        region: table.region.code.as_str().to_owned(),
        region_name: table.region.name_zh.as_str().to_owned(),
        from: table.period.from.to_string(),
        to: table.period.to.to_string(),
        as_of: table.now,
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

/// [`table`] as a CSV file (UTF-8 with a byte order mark, a Chinese header row, one line
/// per row), and its file name.
pub async fn csv(
    services: &Services,
    caller: &Caller,
    query: StatsQuery<'_>,
) -> Result<(String, Vec<u8>), Error> {
    let stats = table(services, caller, query).await?;
    let period = format!("{} 至 {}", stats.from, stats.to);
    let body = csv_file(
        &CSV_HEADER,
        stats
            .rows
            .iter()
            .map(|row| csv_record(row, &period).to_vec()),
    )?;
    let name = format!(
        "dispute-stats-{}-{}-{}.csv",
        stats.region, stats.from, stats.to
    );
    Ok((name, body))
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
