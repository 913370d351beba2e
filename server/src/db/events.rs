//! The event stream as readers see it: the inbox, the live pump's reads, a single event.
//!
//! Events are appended by writes, through their [`Effects`](super::Effects) (`effects.rs`
//! says why they are numbered last + 1 under a lock); this module only reads them, except
//! [`Db::append_events`], a write of nothing but events.
//!
//! This module must never hand a raw row to a caller.

use super::common::{corrupt_text, in_transaction, on_reader, parse_json};
use super::effects::{Audience, EffectQueries, Effects, NewEvent};
use super::{Db, DbError};

/// A stored event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// 1, 2, 3, ... without gaps, in commit order.
    pub seq: i64,
    pub at: i64,
    pub audience: Audience,
    pub kind: String,
    pub subject: String,
    pub payload: serde_json::Value,
}

/// An event as stored, before its audience and payload are parsed.
#[derive(sqlx::FromRow)]
struct EventRecord {
    seq: i64,
    at: i64,
    org_id: Option<String>,
    user_id: Option<String>,
    kind: String,
    subject: String,
    payload: String,
}

impl TryFrom<EventRecord> for Event {
    type Error = DbError;
    fn try_from(r: EventRecord) -> Result<Event, DbError> {
        let audience = match (r.org_id, r.user_id) {
            (Some(org), None) => Audience::Org(org),
            (None, Some(user)) => Audience::User(user),
            _ => {
                return Err(corrupt_text(format!(
                    "event {} has no single audience",
                    r.seq
                )))
            }
        };
        Ok(Event {
            seq: r.seq,
            at: r.at,
            audience,
            kind: r.kind,
            subject: r.subject,
            payload: parse_json(&r.payload)?,
        })
    }
}

const EVENT_COLUMNS: &str = "seq, at, org_id, user_id, kind, subject, payload";

/// Events addressed to one user or to one body: a union of two index range scans (one per
/// audience column), each already in seq order, rather than an `or` no index answers.
fn audience_query(direction: &str, bound: &str) -> String {
    format!(
        "select {EVENT_COLUMNS} from (
             select {EVENT_COLUMNS} from events where user_id = $1 and seq {bound} $3
             order by seq {direction} limit $4
         ) as to_user
         union all
         select {EVENT_COLUMNS} from (
             select {EVENT_COLUMNS} from events where org_id = $2 and seq {bound} $3
             order by seq {direction} limit $4
         ) as to_org
         order by seq {direction} limit $4"
    )
}

impl Db {
    /// Appends events on their own (with their webhook and e-mail jobs), returning their seqs.
    pub async fn append_events(&self, now: i64, events: &[NewEvent]) -> Result<Vec<i64>, DbError> {
        let effects = Effects {
            events: events.to_vec(),
            ..Effects::default()
        };
        let mail = self.mail_delivery;
        in_transaction!(self, |conn| conn.apply_effects(now, &effects, mail).await)
    }

    /// Events addressed to `user_id` or to `org_id`, seq > after, ascending, at most limit.
    pub async fn events_for(
        &self,
        user_id: &str,
        org_id: Option<&str>,
        after: i64,
        limit: i64,
    ) -> Result<Vec<Event>, DbError> {
        let sql = audience_query("asc", ">");
        let records: Vec<EventRecord> = on_reader!(self, |conn| {
            sqlx::query_as(&sql)
                .bind(user_id)
                .bind(org_id)
                .bind(after)
                .bind(limit.max(0))
                .fetch_all(&mut *conn)
                .await?
        });
        records.into_iter().map(Event::try_from).collect()
    }

    /// The inbox: the same audience, seq < before (None: newest), descending, at most limit.
    pub async fn inbox(
        &self,
        user_id: &str,
        org_id: Option<&str>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Event>, DbError> {
        let sql = audience_query("desc", "<");
        let records: Vec<EventRecord> = on_reader!(self, |conn| {
            sqlx::query_as(&sql)
                .bind(user_id)
                .bind(org_id)
                .bind(before.unwrap_or(i64::MAX))
                .bind(limit.max(0))
                .fetch_all(&mut *conn)
                .await?
        });
        records.into_iter().map(Event::try_from).collect()
    }

    /// Every event with seq > after, ascending (the live pump).
    pub async fn events_after(&self, after: i64, limit: i64) -> Result<Vec<Event>, DbError> {
        let records: Vec<EventRecord> = on_reader!(self, |conn| {
            sqlx::query_as(&format!(
                "select {EVENT_COLUMNS} from events where seq > $1 order by seq limit $2"
            ))
            .bind(after)
            .bind(limit.max(0))
            .fetch_all(&mut *conn)
            .await?
        });
        records.into_iter().map(Event::try_from).collect()
    }

    pub async fn event(&self, seq: i64) -> Result<Option<Event>, DbError> {
        let record: Option<EventRecord> = on_reader!(self, |conn| {
            sqlx::query_as(&format!(
                "select {EVENT_COLUMNS} from events where seq = $1"
            ))
            .bind(seq)
            .fetch_optional(&mut *conn)
            .await?
        });
        record.map(Event::try_from).transpose()
    }

    /// The newest seq; 0 when there is no event yet.
    pub async fn last_event_seq(&self) -> Result<i64, DbError> {
        let (last,): (i64,) = on_reader!(self, |conn| {
            sqlx::query_as("select coalesce(max(seq), 0) from events")
                .fetch_one(&mut *conn)
                .await?
        });
        Ok(last)
    }
}
