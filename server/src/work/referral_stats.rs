//! Referral statistics (移送统计) as an operation: the table of a region for a period of sending
//! dates, by kind, as JSON or as a CSV file a spreadsheet opens. The rows are a region table's
//! ([`super::region_stats`]); each row is counted for every kind the caller's body counts
//! ([`kinds_counted`]) and for all of them together. Counting is
//! [`crate::domain::referral_stats`]'s; who may see which region is the policy's
//! ([`Action::ReadReferralStats`]).

use serde::Serialize;
use utoipa::ToSchema;

pub use super::region_stats::StatsQuery;
use super::region_stats::{csv_file, RegionTable, RowScope};
use super::Error;
use crate::auth::Caller;
use crate::domain::policy::Action;
use crate::domain::referral::ReferralKind;
use crate::domain::referral_stats::{kinds_counted, tally, ReferralFacts, ReferralTally};
use crate::services::Services;

/// One row of the table: a region's referrals of one kind, or of every kind counted.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReferralStatsRow {
    pub scope: RowScope,
    pub region: String,
    pub region_name: String,
    /// The kind counted; `null` for every kind the caller counts.
    pub kind: Option<ReferralKind>,
    /// The kind's Chinese name, or 全部.
    pub kind_label_zh: &'static str,
    #[serde(flatten)]
    pub tally: ReferralTally,
}

/// The table of a region for a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReferralStats {
    pub region: String,
    pub region_name: String,
    /// The first sending date counted, `YYYY-MM-DD` (Beijing).
    pub from: String,
    /// The last sending date counted, `YYYY-MM-DD` (Beijing), included.
    pub to: String,
    /// When "open" and "overdue" were counted, Unix milliseconds.
    pub as_of: i64,
    /// The kinds counted (a procuratorate: the suspected crimes alone).
    pub kinds: Vec<ReferralKind>,
    /// For each region row (the children, 本级, 合计): every kind together, then each kind.
    pub rows: Vec<ReferralStatsRow>,
}

/// The table of a region for a period: `region` defaults to the caller's body's region, the
/// period to the current year (Beijing).
pub async fn table(
    services: &Services,
    caller: &Caller,
    query: StatsQuery<'_>,
) -> Result<ReferralStats, Error> {
    let table = RegionTable::of(services, caller, &query, |region_path| async move {
        caller
            .allow(
                &services.db,
                Action::ReadReferralStats {
                    region_path: &region_path,
                },
            )
            .await
            .map_err(Error::from)
    })
    .await?;
    let kinds = kinds_counted(caller.org.as_ref().map(|o| o.kind));
    let (start, end) = table.period.range_ms();
    let referrals: Vec<(_, ReferralFacts)> = services
        .db
        .referral_stat_rows(&table.region.path, start, end)
        .await?
        .into_iter()
        .filter(|(_, facts)| kinds.contains(&facts.kind))
        .collect();
    let calendar = services.calendar.get();
    let mut rows = Vec::new();
    for kind in std::iter::once(None).chain(kinds.iter().copied().map(Some)) {
        let counted = table.rows(&referrals, |facts| {
            tally(
                &calendar,
                table.now,
                facts.filter(|f| kind.is_none_or(|k| f.kind == k)),
            )
        });
        for (index, (scope, region, tally)) in counted.into_iter().enumerate() {
            rows.push((
                index,
                ReferralStatsRow {
                    scope,
                    region: region.code.as_str().to_owned(),
                    region_name: region.name_zh.as_str().to_owned(),
                    kind,
                    kind_label_zh: kind.map_or("全部", |k| k.label_zh()),
                    tally,
                },
            ));
        }
    }
    // Region by region, each with its kinds together first.
    rows.sort_by_key(|(index, _)| *index);
    Ok(ReferralStats {
        region: table.region.code.as_str().to_owned(),
        region_name: table.region.name_zh.as_str().to_owned(),
        from: table.period.from.to_string(),
        to: table.period.to.to_string(),
        as_of: table.now,
        kinds: kinds.to_vec(),
        rows: rows.into_iter().map(|(_, row)| row).collect(),
    })
}

/// The header row of the CSV file, in the order of [`csv_record`].
pub const CSV_HEADER: [&str; 16] = [
    "区划代码",
    "区划名称",
    "范围",
    "移送类型",
    "移送数",
    "签收数",
    "按时签收数",
    "受理（立案）数",
    "不予受理数",
    "退回数",
    "撤回数",
    "未办结数",
    "超期数",
    "签收用时中位数（工作日）",
    "决定用时中位数（工作日）",
    "统计期间",
];

fn csv_record(row: &ReferralStatsRow, period: &str) -> [String; 16] {
    let t = &row.tally;
    let days = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    [
        row.region.clone(),
        row.region_name.clone(),
        row.scope.label_zh().to_owned(),
        row.kind_label_zh.to_owned(),
        t.referred.to_string(),
        t.received.to_string(),
        t.received_on_time.to_string(),
        t.accepted.to_string(),
        t.not_accepted.to_string(),
        t.returned.to_string(),
        t.withdrawn.to_string(),
        t.open.to_string(),
        t.overdue.to_string(),
        days(t.receipt_days_median),
        days(t.decision_days_median),
        period.to_owned(),
    ]
}

/// [`table`] as a CSV file (UTF-8 with a byte order mark, a Chinese header row, one line per
/// row), and its file name.
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
        "referral-stats-{}-{}-{}.csv",
        stats.region, stats.from, stats.to
    );
    Ok((name, body))
}
