//! Time limits set by regions (`region_limits`): a region's own value for a kind of limit.
//!
//! This module stores and reads the settings; which one applies (the nearest on the region's
//! path) is `domain::limits::Limits::resolve`'s answer, and who may set them is the policy's.
//! It must never decide a default: a region without settings reads as an empty list.

use super::audit::AuditQueries;
use super::common::{corrupt_text, in_transaction, on_reader, parse};
use super::identity::AuditEvent;
use super::{Db, DbError};
use crate::domain::calendar::TimeLimit;
use crate::domain::limits::{amount_of, LimitKind, LimitUnit, Setting};
use crate::domain::org::RegionCode;

/// A setting on a region's path, with the names of the region that made it (for "继承自
/// 杭州市").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionLimit {
    pub setting: Setting,
    pub region_name_zh: String,
    pub region_name_en: Option<String>,
}

/// (kind, unit, amount, setting region's code, its names, its path); all null for a region
/// on the path that set nothing.
type PathRow = (
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

impl Db {
    /// Every setting on the path of `code`: the region itself and each region above it, in
    /// any order (each with its depth, the root being 1). `None` when there is no such region.
    ///
    /// One query: the regions whose path begins the region's own path are its ancestors and
    /// itself, and their settings are joined to them.
    pub async fn region_limits_on_path(
        &self,
        code: &RegionCode,
    ) -> Result<Option<Vec<RegionLimit>>, DbError> {
        let rows: Vec<PathRow> = on_reader!(self, |conn| {
            sqlx::query_as(
                "select l.kind, l.unit, l.amount, a.code, a.name_zh, a.name_en, a.path \
                 from regions t \
                 left join regions a on substr(t.path, 1, length(a.path)) = a.path \
                 left join region_limits l on l.region_code = a.code \
                 where t.code = $1",
            )
            .bind(code.as_str())
            .fetch_all(&mut *conn)
            .await?
        });
        if rows.is_empty() {
            return Ok(None);
        }
        let mut settings = Vec::new();
        for (kind, unit, amount, region, name_zh, name_en, path) in rows {
            let (Some(kind), Some(unit), Some(amount), Some(region), Some(name_zh), Some(path)) =
                (kind, unit, amount, region, name_zh, path)
            else {
                continue;
            };
            let amount = u32::try_from(amount)
                .map_err(|_| corrupt_text(format!("the stored limit amount {amount}")))?;
            let unit = parse::<LimitUnit>(&unit)?;
            settings.push(RegionLimit {
                setting: Setting {
                    kind: parse::<LimitKind>(&kind)?,
                    limit: unit.limit(amount),
                    region_code: region,
                    depth: path.matches('/').count().saturating_sub(1),
                },
                region_name_zh: name_zh,
                region_name_en: name_en,
            });
        }
        Ok(Some(settings))
    }

    /// Sets (or replaces) a region's own limit of `kind`, with its audit row, in one
    /// transaction. `set_by` is the user, `None` from the shell.
    pub async fn set_region_limit(
        &self,
        code: &RegionCode,
        kind: LimitKind,
        limit: TimeLimit,
        set_by: Option<&str>,
        audit: &AuditEvent,
    ) -> Result<(), DbError> {
        in_transaction!(self, |conn| {
            sqlx::query(
                "insert into region_limits (region_code, kind, unit, amount, set_by, set_at) \
                 values ($1, $2, $3, $4, $5, $6) \
                 on conflict (region_code, kind) do update set unit = excluded.unit, \
                 amount = excluded.amount, set_by = excluded.set_by, set_at = excluded.set_at",
            )
            .bind(code.as_str())
            .bind(kind.as_str())
            .bind(LimitUnit::of(limit).as_str())
            .bind(i64::from(amount_of(limit)))
            .bind(set_by)
            .bind(audit.at)
            .execute(&mut *conn)
            .await?;
            conn.append_audit(audit).await?;
            Ok(())
        })
    }

    /// Removes a region's own limit of `kind`, so it inherits again; audited when there was
    /// one. `false` when the region had set none (nothing changes, nothing is audited).
    pub async fn clear_region_limit(
        &self,
        code: &RegionCode,
        kind: LimitKind,
        audit: &AuditEvent,
    ) -> Result<bool, DbError> {
        in_transaction!(self, |conn| {
            let removed =
                sqlx::query("delete from region_limits where region_code = $1 and kind = $2")
                    .bind(code.as_str())
                    .bind(kind.as_str())
                    .execute(&mut *conn)
                    .await?
                    .rows_affected();
            if removed > 0 {
                conn.append_audit(audit).await?;
            }
            Ok(removed > 0)
        })
    }
}
