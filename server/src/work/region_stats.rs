//! What a region's statistics table is, whatever it counts (争议统计, 移送统计): the query
//! (`region`, `from`, `to`), the period it names, the region and its direct children, the rows
//! of the table (one per child region, 本级 for the region itself, 合计 for the whole subtree,
//! so the rows above the total add up to it) and the CSV file a spreadsheet opens.
//!
//! Each workflow's statistics module (`dispute_stats`, `referral_stats`) reads its facts, asks
//! the policy with its own action, counts each row with its own tally and names its columns.
//! The lists behind the region's figures (评议考核) read their body and period here too
//! ([`FigureFilter`]), parsed like a table's.

use serde::Serialize;
use utoipa::ToSchema;

use super::Error;
use crate::auth::Caller;
use crate::db::{BodyPeriod, Region};
use crate::domain::calendar::local_date;
use crate::domain::org::{RegionCode, RegionPath};
use crate::domain::phrases;
use crate::domain::stats::{
    parse_date, Period, PeriodError, STATS_BAD_DATE, STATS_FROM_AFTER_TO, STATS_PERIOD_TOO_LONG,
    STATS_REGION_REQUIRED,
};
use crate::services::Services;

/// The UTF-8 byte order mark: Excel reads a CSV file as UTF-8 only when it starts with one.
const BOM: &str = "\u{feff}";

/// What a table is asked for: a region code and the period's ends, each as the query gave it
/// (`None` when not given).
#[derive(Debug, Default, Clone)]
pub struct StatsQuery<'a> {
    pub region: Option<&'a str>,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
}

/// The body and period of a list behind a figure (`org`, `from`, `to` of the task, notice
/// and supervision document lists), read as the figures read theirs: each figure of a body
/// links to its list with the same body and period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FigureFilter<'a> {
    /// The body; the caller's own when not given.
    pub org: Option<&'a str>,
    /// The first date counted, `YYYY-MM-DD` (Beijing).
    pub from: Option<&'a str>,
    /// The last date counted, `YYYY-MM-DD` (Beijing), included.
    pub to: Option<&'a str>,
}

impl<'a> FigureFilter<'a> {
    pub fn is_empty(&self) -> bool {
        self.org.is_none() && self.from.is_none() && self.to.is_none()
    }

    /// The body (the caller's own when not named; `None` when it has none) and the period's
    /// range, parsed and defaulted as a table's (the current year, Beijing), with `now`.
    pub(super) fn resolve(
        &self,
        services: &Services,
        caller: &'a Caller,
    ) -> Result<Option<BodyPeriod<'a>>, Error> {
        let now = services.clock.now_ms();
        let period = period(
            &StatsQuery {
                region: None,
                from: self.from,
                to: self.to,
            },
            now,
        )?;
        let Some(org_id) = self
            .org
            .or_else(|| caller.org.as_ref().map(|o| o.id.as_str()))
        else {
            return Ok(None);
        };
        let (from_ms, to_ms) = period.range_ms();
        Ok(Some(BodyPeriod {
            org_id,
            from_ms,
            to_ms,
            now,
        }))
    }
}

/// Which rows of a table's facts a row counts.
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
    pub fn label_zh(self) -> &'static str {
        match self {
            RowScope::Child => "下级区划",
            RowScope::Own => "本级",
            RowScope::Total => "合计",
        }
    }
}

/// The region and period a table covers, once the caller was allowed to see it.
pub struct RegionTable {
    pub region: Region,
    /// Its direct children, as the directory lists them.
    pub children: Vec<Region>,
    pub period: Period,
    /// When open and overdue things were counted.
    pub now: i64,
}

impl RegionTable {
    /// Resolves `query` (the region defaults to the caller's body's, the period to the
    /// current year, Beijing) and asks the policy whether the caller may see that region's
    /// table: `allowed` is the workflow's own check of the region's path.
    pub async fn of<F, Fut>(
        services: &Services,
        caller: &Caller,
        query: &StatsQuery<'_>,
        allowed: F,
    ) -> Result<RegionTable, Error>
    where
        F: FnOnce(RegionPath) -> Fut,
        Fut: std::future::Future<Output = Result<(), Error>>,
    {
        let now = services.clock.now_ms();
        let period = period(query, now)?;
        let code = match query.region {
            Some(code) => RegionCode::parse(code).map_err(|e| Error::invalid("region", e.0))?,
            None => match &caller.org {
                Some(org) => org.region.clone(),
                None => return Err(Error::invalid("region", STATS_REGION_REQUIRED.message())),
            },
        };
        let region = services
            .db
            .region(&code)
            .await?
            .ok_or_else(|| Error::NotFound(phrases::NO_REGION.with("code", &code)))?;
        allowed(region.path.clone()).await?;
        let children = services
            .db
            .regions()
            .await?
            .into_iter()
            .filter(|r| r.parent.as_ref() == Some(&region.code))
            .collect();
        Ok(RegionTable {
            region,
            children,
            period,
            now,
        })
    }

    /// The rows of the table over `facts` (each with the path of the region it lies in):
    /// each child's subtree, then 本级, then 合计, each counted by `count`.
    pub fn rows<'a, F: 'a, T>(
        &'a self,
        facts: &'a [(RegionPath, F)],
        count: impl Fn(&mut dyn Iterator<Item = &'a F>) -> T,
    ) -> Vec<(RowScope, &'a Region, T)> {
        let mut rows: Vec<(RowScope, &Region, T)> = self
            .children
            .iter()
            .map(|child| {
                let mut within = facts
                    .iter()
                    .filter(|(path, _)| child.path.covers(path))
                    .map(|(_, f)| f);
                (RowScope::Child, child, count(&mut within))
            })
            .collect();
        let mut own = facts
            .iter()
            .filter(|(path, _)| *path == self.region.path)
            .map(|(_, f)| f);
        rows.push((RowScope::Own, &self.region, count(&mut own)));
        let mut all = facts.iter().map(|(_, f)| f);
        rows.push((RowScope::Total, &self.region, count(&mut all)));
        rows
    }
}

/// A CSV file: UTF-8 with a byte order mark (so Excel opens it as such), the header row, one
/// line per record.
pub fn csv_file(
    header: &[&str],
    records: impl IntoIterator<Item = Vec<String>>,
) -> Result<Vec<u8>, Error> {
    let mut writer = csv::Writer::from_writer(BOM.as_bytes().to_vec());
    writer.write_record(header).map_err(Error::internal)?;
    for record in records {
        writer.write_record(&record).map_err(Error::internal)?;
    }
    writer
        .into_inner()
        .map_err(|e| Error::internal(format!("finishing the CSV: {e}")))
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
