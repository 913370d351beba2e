//! The December clock of the annual reports (年度工作情况报告): the reminders from 1 December to
//! every body that has not filed its report of the year, 催办 on the first working morning after
//! 31 December, then each such body's 督办 (its heads and its bureau told) its region's
//! `task_escalate` working mornings later.
//!
//! Each run asks the database which bodies still owe the report when it runs, so a body that
//! filed (filed or acknowledged) is told nothing. It never changes a filing: it only writes
//! events, the jobs that follow and an audit row. The 催办 also schedules the next year's
//! clock, so the clock goes on from the year the server first started.

use serde_json::json;

use super::outcome::{str_field, system_audit, Failure};
use crate::db::{Audience, Effects, Job, NewEvent};
use crate::domain::filing::{december_starts, owes_annual_report};
use crate::domain::limits::{amount_of, LimitKind};
use crate::services::Services;
use crate::work::filings::owing_kinds;
use crate::work::schedule::{self, kind};

fn year_of(job: &Job) -> Result<i32, Failure> {
    job.payload["year"]
        .as_i64()
        .and_then(|y| i32::try_from(y).ok())
        .ok_or_else(|| Failure::permanent("the job names no year"))
}

/// Runs one step of the December clock.
pub(super) async fn run(services: &Services, job: &Job) -> Result<Effects, Failure> {
    let year = year_of(job)?;
    let due_at = job.payload["due_at"].as_i64().unwrap_or_default();
    let db = &services.db;
    let now = services.clock.now_ms();
    let subject = schedule::annual_report_subject(year);
    let payload = |org_id: &str| json!({ "year": year, "due_at": due_at, "org_id": org_id });
    let mut effects = Effects::default();
    let event = |audience, kind: &str, org_id: &str| NewEvent {
        audience,
        kind: kind.to_owned(),
        subject: subject.clone(),
        payload: payload(org_id),
    };
    if job.kind == kind::ANNUAL_REPORT_ESCALATE {
        let org_id = str_field(&job.payload, "org_id")?;
        let Some(org) = db.org(org_id).await? else {
            return Ok(effects);
        };
        if !owes_annual_report(org.kind) {
            return Ok(effects);
        }
        let owed = db
            .annual_reports_owed(year, &[org.kind.as_str()], Some(&org.region_path), i64::MAX)
            .await?;
        if !owed.iter().any(|o| o.org_id == org.id) {
            return Ok(effects);
        }
        let told = "annual_report.supervised";
        effects
            .events
            .push(event(Audience::Org(org.id.clone()), told, &org.id));
        let admins = db.org_admin_ids(&org.id).await?;
        for admin in &admins {
            effects
                .events
                .push(event(Audience::User(admin.clone()), told, &org.id));
        }
        if let Some(bureau) = db
            .judicial_bureaus_above(&org.region_path)
            .await?
            .into_iter()
            .next()
        {
            effects
                .events
                .push(event(Audience::Org(bureau.id), told, &org.id));
        }
        effects.audit.push(system_audit(
            now,
            "annual_report_supervised",
            format!("{subject}:{}", org.id),
            job,
            json!({ "year": year, "org": org.id, "admins": admins }),
        ));
        return Ok(effects);
    }
    let owed = db
        .annual_reports_owed(year, &owing_kinds(), None, december_starts(year))
        .await?;
    let overdue = job.kind == kind::ANNUAL_REPORT_OVERDUE;
    let told = if overdue {
        "annual_report.overdue"
    } else {
        "annual_report.reminder"
    };
    let calendar = services.calendar.get();
    for body in &owed {
        effects.events.push(event(
            Audience::Org(body.org_id.clone()),
            told,
            &body.org_id,
        ));
        if overdue {
            let limits = crate::work::limits::of_org(services, &body.org_id)
                .await
                .map_err(|e| Failure::retry(e.to_string()))?;
            let after = amount_of(limits.get(LimitKind::TaskEscalate));
            effects.jobs.push(schedule::annual_report_escalation(
                &calendar,
                year,
                &body.org_id,
                job.due_at,
                after,
            ));
        }
    }
    if overdue {
        effects
            .jobs
            .extend(schedule::for_annual_reports(&calendar, year + 1));
    }
    let orgs: Vec<&str> = owed.iter().map(|o| o.org_id.as_str()).collect();
    effects.audit.push(system_audit(
        now,
        if overdue {
            "annual_report_overdue"
        } else {
            "annual_report_reminded"
        },
        subject.clone(),
        job,
        json!({ "year": year, "orgs": orgs }),
    ));
    Ok(effects)
}
