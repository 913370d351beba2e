//! What supervision (监督) reads: the regions of the bodies on a task's or notification's
//! sides (the policy's facts for the judicial bureaus that read them), and the lines of a
//! bureau's supervision desk (监督台): in a region's subtree, the tasks overdue, the receipts
//! not acknowledged (签收) past their limit, the referrals and disputes whose stage is past its
//! limit, the disputes escalated to a bureau and not yet accepted, and the rectification
//! reports overdue.
//!
//! Each kind of line is one [`DeskSource`]: where its rows are and which of them are lines,
//! which body owes each, its due time and its id. The same source answers both questions, so
//! they can never disagree: how many lines each body owes together with the region's most
//! urgent lines ([`Db::desk_summary`]: the lines are read once, narrow, to count and choose,
//! then only the chosen with their sides' names), and one body's lines a page at a time
//! ([`Db::desk_lines`], with a keyset cursor, the order being `(due, id)`). What a desk ships
//! is then bounded by the region's bodies, not its backlog.
//!
//! Each query starts from the region's range of paths (`regions.path`, unique), reaches its
//! bodies (`organizations_region`) or spaces (`spaces_region_code`), then the rows by their own
//! indexes (`tasks_assignee`; `notice_receipts_owing`, the receipts still owing 签收 by their
//! limit, with copies of their notice's reminder and 督办 times; the workflows' primary keys and
//! `jobs_subject_kind` for their 督办). This module only reads, and decides nothing: which
//! lines the desk shows and who may see it are the caller's. Which side owes a referral's or a
//! dispute's stage is the domain's ([`DeskState::owed_by_receiver`],
//! [`DeskState::owed_by_bureau`]), written into the SQL from its lists of states.

use std::collections::{BTreeMap, BTreeSet};

use super::common::{on_reader, parse, subtree_range};
use super::{Db, DbError};
use crate::domain::dispute::DisputeState;
use crate::domain::notice::ReceiptState;
use crate::domain::org::RegionPath;
use crate::domain::policy::BodyRegion;
use crate::domain::referral::ReferralState;
use crate::domain::supervision::{DeskKind, DeskState};
use crate::domain::supervision_doc::SupervisionState;
use crate::domain::task::TaskState;

/// A body as a desk line names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskBody {
    pub org_id: String,
    pub name_zh: String,
    /// Its region's path: the desk lists bodies in the order of the region tree.
    pub region_path: RegionPath,
}

/// One line of the desk as stored: a task, a receipt of a notification, a referral or a
/// dispute, with its two sides and the time limit that passed or runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskRow {
    /// The task's, the notification version's, the referral's or the dispute's id.
    pub id: String,
    /// Its title (a referral's case name).
    pub title: String,
    pub state: DeskState,
    /// A task's assignee and setter; a receipt's recipient and the sender; a referral's
    /// referring body and receiver; a dispute's raising body and its bureau.
    pub sides: (DeskBody, DeskBody),
    /// A task's deadline; when a notification's receipt fell overdue (its reminder, T1); the
    /// running stage's due time of a referral or a dispute.
    pub due_at: i64,
    /// 督办 was sent: a task's escalation is in its history, a notification's escalation time
    /// (T2) has come, a referral's or a dispute's escalation job of this stage has run.
    pub escalated: bool,
}

impl DeskRow {
    /// The side that owes the line; the other waits on it.
    pub fn owing(&self) -> &DeskBody {
        if self.state.second_side_owes() {
            &self.sides.1
        } else {
            &self.sides.0
        }
    }
}

/// How many lines of one kind a body owes, and how many of them were escalated (督办).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskTally {
    pub org_id: String,
    pub lines: i64,
    pub escalated: i64,
}

/// Which lines of a kind to read: one body's in a region, after a line already shown (keyset
/// paging on `(due, id)`), at most `limit`.
#[derive(Debug, Clone)]
pub struct DeskSlice<'a> {
    pub region: &'a RegionPath,
    /// What "overdue" is measured against, Unix milliseconds.
    pub now: i64,
    /// Only the lines this body owes.
    pub owing: &'a str,
    /// Only the lines after this `(due, id)`, in the desk's order.
    pub after: Option<(i64, &'a str)>,
    pub limit: i64,
}

/// A value bound to a desk query's placeholder.
#[derive(Debug, Clone)]
enum Arg {
    Text(String),
    Int(i64),
}

/// A query's text with its values, numbered as they are added (`$1`, `$2`, …: PostgreSQL
/// refuses a value its statement does not use, so each query binds exactly its own).
#[derive(Debug, Default)]
struct Bound {
    args: Vec<Arg>,
}

impl Bound {
    /// The placeholder of a new value.
    fn push(&mut self, arg: Arg) -> String {
        self.args.push(arg);
        format!("${}", self.args.len())
    }
}

/// One kind of desk line as SQL: every column and condition is an expression over its `from`
/// (the tables that decide which rows are lines) or, for the two sides' names and regions
/// (`a`, `ga`, `b`, `gb`), over `from` with `sides` joined. `{low}`, `{high}`, `{now}` and
/// `{extra}` in `filter` and `escalated` are replaced by the placeholders of the region's
/// range, of now and of the source's own value.
struct DeskSource {
    kind: DeskKind,
    id: &'static str,
    title: &'static str,
    state: &'static str,
    due: &'static str,
    escalated: &'static str,
    /// The body that owes the line.
    owing: String,
    from: &'static str,
    /// The joins that name the sides, on top of `from`.
    sides: String,
    /// The condition on `from`'s rows (without `where`).
    filter: String,
    /// The source's own value (its 督办's job kind), if its text names `{extra}`.
    extra: Option<Arg>,
}

type Row = (
    String,
    String,
    String,
    i64,
    bool,
    String,
    String,
    String,
    String,
    String,
    String,
);

/// The two sides' columns of a desk query, `a` and `b` being the two bodies and `ga`, `gb`
/// their regions.
const SIDES: &str = "a.id, a.name_zh, ga.path, b.id, b.name_zh, gb.path";

fn desk_row(row: Row, kind: DeskKind) -> Result<DeskRow, DbError> {
    let (id, title, stored, due_at, escalated, a_id, a_name, a_path, b_id, b_name, b_path) = row;
    let body = |org_id, name_zh, path| DeskBody {
        org_id,
        name_zh,
        region_path: RegionPath(path),
    };
    let state = match kind {
        DeskKind::Task => DeskState::Task(parse(&stored)?),
        DeskKind::Notice => DeskState::Notice(parse::<ReceiptState>(&stored)?),
        DeskKind::Referral => DeskState::Referral(parse(&stored)?),
        DeskKind::Dispute => DeskState::Dispute(parse(&stored)?),
        DeskKind::Supervision => DeskState::Supervision(parse(&stored)?),
        DeskKind::AnnualReport => DeskState::AnnualReport(parse(&stored)?),
    };
    Ok(DeskRow {
        id,
        title,
        state,
        sides: (body(a_id, a_name, a_path), body(b_id, b_name, b_path)),
        due_at,
        escalated,
    })
}

/// The stored names of `states`, quoted for an `in (…)` list.
fn quoted<S: Copy>(states: impl Iterator<Item = S>, name: impl Fn(S) -> &'static str) -> String {
    let list: Vec<String> = states.map(|s| format!("'{}'", name(s))).collect();
    if list.is_empty() {
        // An empty `in ()` is not SQL; a name no state has matches nothing.
        "''".to_owned()
    } else {
        list.join(", ")
    }
}

/// The joins that name both sides of a row from its two bodies' columns, for a source whose
/// `from` reaches its rows through their space rather than through a body.
fn both_sides(first: &str, second: &str) -> String {
    format!(
        "join organizations a on a.id = {first}
         join regions ga on ga.code = a.region_code
         join organizations b on b.id = {second}
         join regions gb on gb.code = b.region_code"
    )
}

/// The task states whose clock runs (its deadline can pass): `TaskState::clock_runs`.
fn running_task_states() -> String {
    quoted(
        TaskState::ALL.iter().copied().filter(|s| s.clock_runs()),
        TaskState::as_str,
    )
}

/// The source of a kind of line; `escalate_kind` is the job kind of its 督办 (tasks and
/// notices have none: a task's is in its history, a notification's is its time T2).
fn source(kind: DeskKind, escalate_kind: &str) -> DeskSource {
    let job = Some(Arg::Text(escalate_kind.to_owned()));
    match kind {
        DeskKind::Task => DeskSource {
            kind,
            id: "t.id",
            title: "t.title",
            state: "t.state",
            due: "t.due_at",
            escalated: "exists (select 1 from task_history h where h.task_id = t.id
                            and h.entry = 'escalated' and h.at > t.due_at)",
            owing: "a.id".into(),
            from: "from regions ga join organizations a on a.region_code = ga.code
                        join tasks t on t.assignee_org_id = a.id",
            sides: "join organizations b on b.id = t.setter_org_id
                    join regions gb on gb.code = b.region_code"
                .into(),
            filter: format!(
                "ga.path >= {{low}} and ga.path < {{high}}
                 and t.state in ({}) and t.due_at < {{now}}",
                running_task_states()
            ),
            extra: None,
        },
        // A receipt owes 签收 while its limit is set (its version is the sent one and asks
        // for it) and it is not acknowledged; it carries its notice's 督办 time too, so which
        // receipts are lines, and which were escalated, is read from notice_receipts_owing
        // alone (0027). The notice is read only for the lines shown.
        DeskKind::Notice => DeskSource {
            kind,
            id: "r.notice_id",
            title: "n.title",
            state: "r.state",
            due: "r.ack_due_at",
            escalated: "(r.ack_escalate_at is not null and r.ack_escalate_at <= {now})",
            owing: "a.id".into(),
            from: "from regions ga join organizations a on a.region_code = ga.code
                        join notice_receipts r on r.org_id = a.id",
            sides: "join notices n on n.id = r.notice_id
                    join organizations b on b.id = n.sender_org_id
                    join regions gb on gb.code = b.region_code"
                .into(),
            filter: "ga.path >= {low} and ga.path < {high}
                 and r.state in ('delivered', 'read') and r.ack_due_at <= {now}"
                .into(),
            extra: None,
        },
        DeskKind::Referral => DeskSource {
            kind,
            id: "f.space_id",
            title: "f.case_name",
            state: "f.state",
            due: "f.stage_due_at",
            escalated: "exists (select 1 from jobs j where j.subject = 'referral:' || f.space_id
                            and j.kind = {extra} and j.state = 'done'
                            and j.due_at > f.stage_due_at)",
            owing: format!(
                "case when f.state in ({}) then f.receiver_org_id else f.referrer_org_id end",
                quoted(
                    ReferralState::ALL
                        .iter()
                        .copied()
                        .filter(|s| DeskState::Referral(*s).owed_by_receiver()),
                    ReferralState::as_str
                )
            ),
            from: "from regions g join spaces s on s.region_code = g.code
                        join referrals f on f.space_id = s.id",
            sides: both_sides("f.referrer_org_id", "f.receiver_org_id"),
            filter: format!(
                "g.path >= {{low}} and g.path < {{high}} and not s.closed
                 and f.state in ({}) and f.stage_due_at is not null
                 and f.stage_due_at < {{now}}",
                quoted(
                    ReferralState::ALL
                        .iter()
                        .copied()
                        .filter(|s| s.stage().is_some()),
                    ReferralState::as_str
                )
            ),
            extra: job,
        },
        DeskKind::Dispute => DeskSource {
            kind,
            id: "d.space_id",
            title: "d.title",
            state: "d.state",
            due: "d.stage_due_at",
            escalated: "exists (select 1 from jobs j where j.subject = 'dispute:' || d.space_id
                            and j.kind = {extra} and j.state = 'done'
                            and j.due_at > d.stage_due_at)",
            owing: format!(
                "case when d.state in ({}) then d.bureau_org_id else d.raised_by_org_id end",
                quoted(
                    DisputeState::ALL
                        .iter()
                        .copied()
                        .filter(|s| DeskState::Dispute(*s).owed_by_bureau()),
                    DisputeState::as_str
                )
            ),
            from: "from regions g join spaces s on s.region_code = g.code
                        join disputes d on d.space_id = s.id",
            sides: both_sides("d.raised_by_org_id", "d.bureau_org_id"),
            filter: format!(
                "g.path >= {{low}} and g.path < {{high}} and not s.closed
                 and d.state in ({}) and d.stage_due_at is not null
                 and (d.stage_due_at < {{now}} or d.state = 'escalated')",
                quoted(
                    DisputeState::ALL
                        .iter()
                        .copied()
                        .filter(|s| s.stage().is_some()),
                    DisputeState::as_str
                )
            ),
            extra: job,
        },
        // Annual reports have their own query (`db::filings`): their lines are bodies, not rows.
        DeskKind::Supervision | DeskKind::AnnualReport => DeskSource {
            kind: DeskKind::Supervision,
            id: "d.space_id",
            title: "d.title",
            state: "d.state",
            due: "d.stage_due_at",
            escalated: "exists (select 1 from jobs j
                            where j.subject = 'supervision:' || d.space_id
                            and j.kind = {extra} and j.state = 'done'
                            and j.due_at > d.stage_due_at)",
            owing: "a.id".into(),
            from: "from regions ga join organizations a on a.region_code = ga.code
                        join supervision_docs d on d.body_org_id = a.id",
            sides: "join organizations b on b.id = d.bureau_org_id
                    join regions gb on gb.code = b.region_code"
                .into(),
            filter: format!(
                "ga.path >= {{low}} and ga.path < {{high}}
                 and d.state = '{}' and d.stage_due_at is not null
                 and d.stage_due_at < {{now}}",
                SupervisionState::Rectifying.as_str()
            ),
            extra: job,
        },
    }
}

impl DeskSource {
    /// Binds the region's range, now and the source's own value in `bound`, and returns their
    /// placeholders for the source's texts.
    fn bind(&self, bound: &mut Bound, region: &RegionPath, now: i64) -> Placeholders {
        let (low, high) = subtree_range(region);
        Placeholders {
            low: bound.push(Arg::Text(low)),
            high: bound.push(Arg::Text(high)),
            now: bound.push(Arg::Int(now)),
            extra: self.extra.clone().map(|arg| bound.push(arg)),
        }
    }

    /// The lines that also meet `condition`, each with its sides' names, as [`Row`]s.
    fn lines_sql(&self, p: &Placeholders, condition: &str) -> String {
        format!(
            "select {id}, {title}, {state}, {due}, {escalated}, {SIDES}
             {from} {sides} where {filter} and {condition}",
            id = self.id,
            title = self.title,
            state = self.state,
            due = self.due,
            escalated = p.fill(self.escalated),
            from = self.from,
            sides = self.sides,
            filter = p.fill(&self.filter),
        )
    }
}

/// The placeholders of a source's fixed values in one query.
struct Placeholders {
    low: String,
    high: String,
    now: String,
    extra: Option<String>,
}

impl Placeholders {
    fn fill(&self, text: &str) -> String {
        text.replace("{low}", &self.low)
            .replace("{high}", &self.high)
            .replace("{now}", &self.now)
            .replace("{extra}", self.extra.as_deref().unwrap_or("null"))
    }
}

/// Runs `$sql` with the values of `$bound`, fetching every row as `$row`.
macro_rules! fetch_bound {
    ($db:expr, $sql:expr, $bound:expr, $row:ty) => {{
        let sql: &str = $sql;
        let args: &[Arg] = &$bound.args;
        let rows: Vec<$row> = on_reader!($db, |conn| {
            let mut query = sqlx::query_as(sql);
            for arg in args {
                query = match arg {
                    Arg::Text(v) => query.bind(v.as_str()),
                    Arg::Int(v) => query.bind(*v),
                };
            }
            query.fetch_all(&mut *conn).await?
        });
        rows
    }};
}

impl Db {
    /// The regions' paths of the organizations `org_ids` (those that exist), for the policy's
    /// facts of a task or a notification.
    pub async fn org_regions(&self, org_ids: &[&str]) -> Result<Vec<BodyRegion>, DbError> {
        Ok(self
            .desk_bodies(org_ids)
            .await?
            .into_iter()
            .map(|body| BodyRegion {
                org_id: body.org_id,
                region_path: body.region_path,
            })
            .collect())
    }

    /// The organizations `org_ids` (those that exist) as the desk names them.
    pub async fn desk_bodies(&self, org_ids: &[&str]) -> Result<Vec<DeskBody>, DbError> {
        if org_ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders = (1..=org_ids.len())
            .map(|n| format!("${n}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "select o.id, o.name_zh, g.path
             from organizations o join regions g on g.code = o.region_code
             where o.id in ({placeholders})"
        );
        let rows: Vec<(String, String, String)> = on_reader!(self, |conn| {
            let mut query = sqlx::query_as(&sql);
            for id in org_ids {
                query = query.bind(*id);
            }
            query.fetch_all(&mut *conn).await?
        });
        Ok(rows
            .into_iter()
            .map(|(org_id, name_zh, path)| DeskBody {
                org_id,
                name_zh,
                region_path: RegionPath(path),
            })
            .collect())
    }

    /// The desk's view of `kind` in `region`'s subtree at `now`: how many lines each body owes
    /// and how many of them were escalated (one tally per body that owes any), and the region's
    /// `first` most urgent lines (the earliest due first, then by id). One pass over the lines:
    /// they are read narrow (who owes, when due, the id, escalated) to count them and choose
    /// the first, and only the chosen are read again with their sides' names.
    /// `escalate_kind` is the job kind of the kind's 督办. Not for annual reports
    /// (`desk_annual_report_tally`, `desk_annual_reports`).
    pub async fn desk_summary(
        &self,
        kind: DeskKind,
        region: &RegionPath,
        now: i64,
        escalate_kind: &str,
        first: usize,
    ) -> Result<(Vec<DeskTally>, Vec<DeskRow>), DbError> {
        let source = source(kind, escalate_kind);
        let mut bound = Bound::default();
        let p = source.bind(&mut bound, region, now);
        let sql = format!(
            "select {owing}, {due}, {id}, {escalated} {from} where {filter}",
            owing = source.owing,
            due = source.due,
            id = source.id,
            escalated = p.fill(source.escalated),
            from = source.from,
            filter = p.fill(&source.filter),
        );
        let mut lines = fetch_bound!(self, &sql, bound, (String, i64, String, bool));
        let mut tallies: BTreeMap<&str, DeskTally> = BTreeMap::new();
        for (owing, _, _, escalated) in &lines {
            let tally = tallies.entry(owing).or_insert_with(|| DeskTally {
                org_id: owing.clone(),
                lines: 0,
                escalated: 0,
            });
            tally.lines += 1;
            tally.escalated += i64::from(*escalated);
        }
        let tallies: Vec<DeskTally> = tallies.into_values().collect();
        // The first lines: a notification's id is on each of its receipts, so a line is its id
        // and the body that owes it.
        lines.sort_by(|x, y| (x.1, &x.2, &x.0).cmp(&(y.1, &y.2, &y.0)));
        lines.truncate(first);
        if lines.is_empty() {
            return Ok((tallies, Vec::new()));
        }
        let mut bound = Bound::default();
        let p = source.bind(&mut bound, region, now);
        let ids: BTreeSet<&str> = lines.iter().map(|line| line.2.as_str()).collect();
        let ids = ids
            .into_iter()
            .map(|id| bound.push(Arg::Text(id.to_owned())))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = source.lines_sql(&p, &format!("{} in ({ids})", source.id));
        let chosen: BTreeSet<(&str, &str)> = lines
            .iter()
            .map(|(owing, _, id, _)| (id.as_str(), owing.as_str()))
            .collect();
        let mut rows = Vec::with_capacity(lines.len());
        for row in fetch_bound!(self, &sql, bound, Row) {
            let row = desk_row(row, source.kind)?;
            if chosen.contains(&(row.id.as_str(), row.owing().org_id.as_str())) {
                rows.push(row);
            }
        }
        rows.sort_by(|x, y| {
            (x.due_at, &x.id, &x.owing().org_id).cmp(&(y.due_at, &y.id, &y.owing().org_id))
        });
        Ok((tallies, rows))
    }

    /// The lines of `kind` in `slice`: the earliest due first (then by id), at most
    /// `slice.limit`. Sides: a task's assignee and setter; a receipt's recipient and the
    /// sender; a referral's referring body and receiver; a dispute's raising body and bureau;
    /// a supervision document's body and issuing bureau. `escalate_kind` is the job kind of the
    /// kind's 督办. Not for annual reports (`desk_annual_reports`).
    pub async fn desk_lines(
        &self,
        kind: DeskKind,
        slice: &DeskSlice<'_>,
        escalate_kind: &str,
    ) -> Result<Vec<DeskRow>, DbError> {
        let source = source(kind, escalate_kind);
        let mut bound = Bound::default();
        let p = source.bind(&mut bound, slice.region, slice.now);
        let owing = bound.push(Arg::Text(slice.owing.to_owned()));
        let mut sql = source.lines_sql(&p, &format!("{} = {owing}", source.owing));
        if let Some((due, id)) = slice.after {
            let due = bound.push(Arg::Int(due));
            let id = bound.push(Arg::Text(id.to_owned()));
            sql.push_str(&format!(
                " and ({d} > {due} or ({d} = {due} and {i} > {id}))",
                d = source.due,
                i = source.id
            ));
        }
        let limit = bound.push(Arg::Int(slice.limit.max(0)));
        sql.push_str(&format!(
            " order by {}, {} limit {limit}",
            source.due, source.id
        ));
        let rows = fetch_bound!(self, &sql, bound, Row);
        rows.into_iter()
            .map(|row| desk_row(row, source.kind))
            .collect()
    }
}
