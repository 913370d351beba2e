//! What the dispute statistics (争议统计) read: every dispute raised in a period whose space
//! lies in a region's subtree, with its region's path and the instants the tally needs.
//! Counting is `domain::dispute_stats`'s; this module only reads.

use super::common::{on_reader, parse, subtree_range};
use super::{Db, DbError};
use crate::domain::dispute_stats::DisputeFacts;
use crate::domain::org::RegionPath;

/// One dispute as the statistics see it: where it lies and what happened when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisputeStatRow {
    /// The path of the dispute's space's region.
    pub region_path: RegionPath,
    pub facts: DisputeFacts,
}

type Record = (
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    i64,
    Option<i64>,
);

impl Db {
    /// The disputes raised at or after `from_ms` and before `to_ms` whose space's region is
    /// `region` or lies below it. A resolved dispute's `settled_at` is its `updated_at`:
    /// `resolved` is final, so its last change is the settlement.
    pub async fn dispute_stat_rows(
        &self,
        region: &RegionPath,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<DisputeStatRow>, DbError> {
        let (low, high) = subtree_range(region);
        let records: Vec<Record> = on_reader!(self, |conn| {
            sqlx::query_as(
                "select r.path, d.state, d.created_at, d.escalated_at, d.accepted_at,
                        d.decided_at, d.updated_at, d.stage_due_at
                 from disputes d join spaces s on s.id = d.space_id
                      join regions r on r.code = s.region_code
                 where r.path >= $1 and r.path < $2
                   and d.created_at >= $3 and d.created_at < $4
                 order by r.path, d.created_at",
            )
            .bind(&low)
            .bind(&high)
            .bind(from_ms)
            .bind(to_ms)
            .fetch_all(&mut *conn)
            .await?
        });
        records
            .into_iter()
            .map(
                |(path, state, created_at, escalated_at, accepted_at, decided_at, updated, due)| {
                    let state = parse(&state)?;
                    Ok(DisputeStatRow {
                        region_path: RegionPath(path),
                        facts: DisputeFacts {
                            state,
                            created_at,
                            escalated_at,
                            accepted_at,
                            decided_at,
                            settled_at: (state == crate::domain::dispute::DisputeState::Resolved)
                                .then_some(updated),
                            stage_due_at: due,
                        },
                    })
                },
            )
            .collect()
    }
}
