//! Filings (报备) as operations: a body files its annual report (年度工作情况报告), an inspection's
//! or a special campaign's results with the judicial bureau of its region; the bureau
//! acknowledges (签收) or sends it back with reasons; sent back, the body files it again. And
//! the December clock that reminds every body owing its annual report, chases it (催办) and
//! escalates it (督办) to its head.
//!
//! A filing is a space (`db::filings`). Who reads it, and what the caller is to it:
//!
//! - the filing body (its `convener`): always, as [`FilingParty::Body`];
//! - the bureau it is filed with (a `member`): as [`FilingParty::Bureau`];
//! - a judicial bureau whose region covers the body's (the policy's `Supervise`): reading;
//! - everyone else: "no filing with this id", exactly as for an id that does not exist.
//!
//! The bureau filed with is the lowest judicial bureau at or above the body's region, as a
//! dispute finds the bureau it escalates to (`Db::judicial_bureaus_above`).
//!
//! This module never writes SQL, decides access itself (that is the policy) or encodes a rule
//! of the machine (that is [`crate::domain::filing`]).

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::{audit, own_org, Error};
use crate::auth::Caller;
use crate::db::{
    new_id, Audience, Effects, Filing, FilingChange, FilingRole, NewEvent, NewFiling, ReportsOwed,
};
use crate::domain::filing::{
    self as rules, FilingAction, FilingCommand, FilingFlow, FilingKind, FilingParty, FilingState,
    NO_SUCH_FILING,
};
use crate::domain::kernel::{self, CommandOffer};
use crate::domain::org::{OrgKind, RegionPath, SpaceRole};
use crate::domain::policy::{self, Action, SpaceAccess};
use crate::domain::text::{Text, Title};
use crate::services::Services;

/// What a body files (`POST /api/filings`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateFiling {
    pub kind: FilingKind,
    /// The year an annual report is of; only an annual report names one.
    #[serde(default)]
    pub year: Option<i32>,
    /// 标题.
    pub title: Title,
    /// 正文.
    pub text: Text,
    /// The campaign (专项监督) or inspection (执法检查) whose result this files: one covering
    /// the caller's body, under way; the filing goes to its bureau and its kind must match
    /// (`campaign_result`, `inspection_result`).
    #[serde(default)]
    pub campaign_id: Option<String>,
}

/// Which filings to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FilingListRole {
    /// Those the caller's body filed.
    Filed,
    /// Those filed with the caller's bureau.
    Received,
}

/// A file of a filing.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FilingFileBody {
    pub id: String,
    pub sha256: String,
    pub file_name: String,
    pub media_type: String,
    pub size: i64,
    pub attached_at: i64,
}

/// A filing as a party or a supervising bureau reads it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FilingBody {
    pub id: String,
    pub kind: FilingKind,
    pub kind_label_zh: &'static str,
    pub kind_label_en: &'static str,
    /// The year of an annual report.
    pub year: Option<i32>,
    /// When an annual report is due (31 December 24:00 Beijing time), Unix milliseconds.
    pub due_at: Option<i64>,
    pub state: FilingState,
    pub state_label_zh: &'static str,
    pub state_label_en: &'static str,
    pub revision: i64,
    pub body_org_id: String,
    pub body_name: String,
    pub bureau_org_id: String,
    pub bureau_name: String,
    pub title: String,
    pub text: String,
    /// How many times it was filed.
    pub round: i64,
    pub filed_at: i64,
    pub acknowledged_at: Option<i64>,
    pub acknowledged_by_name: Option<String>,
    /// The bureau's reasons when it last sent it back.
    pub reason: Option<String>,
    pub sent_back_at: Option<i64>,
    pub files: Vec<FilingFileBody>,
    /// The caller's part: `body`, `bureau` or `supervisor`.
    pub party: FilingParty,
    /// Every command with whether the caller may give it now, or the rule that refuses it.
    pub commands: Vec<CommandOffer>,
}

/// Filings (`GET /api/filings`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FilingPage {
    pub filings: Vec<FilingBody>,
}

fn not_found() -> Error {
    Error::NotFound(NO_SUCH_FILING.message())
}

pub(crate) fn subject(id: &str) -> String {
    format!("filing:{id}")
}

/// The caller's part in a filing, or `None` when it may not see it.
fn party_of(caller: &Caller, filing: &Filing) -> Option<FilingParty> {
    match policy::space_access(&caller.actor, &filing.facts()) {
        SpaceAccess::Participate(SpaceRole::Convener) => Some(FilingParty::Body),
        SpaceAccess::Participate(_) => Some(FilingParty::Bureau),
        SpaceAccess::Supervise => Some(FilingParty::Supervisor),
        SpaceAccess::None => None,
    }
}

/// The filing and the caller's part in it, or "not found".
async fn readable(
    services: &Services,
    caller: &Caller,
    id: &str,
) -> Result<(Filing, FilingParty), Error> {
    let filing = services.db.filing(id).await?.ok_or_else(not_found)?;
    let party = party_of(caller, &filing).ok_or_else(not_found)?;
    if caller
        .allow(&services.db, Action::ReadSpace(filing.facts()))
        .await
        .is_err()
    {
        return Err(not_found());
    }
    Ok((filing, party))
}

fn body(filing: Filing, party: FilingParty) -> FilingBody {
    let commands = kernel::offers::<FilingFlow>((), filing.state, party);
    FilingBody {
        kind_label_zh: filing.kind.label_zh(),
        kind_label_en: filing.kind.label_en(),
        due_at: filing.year.map(rules::annual_due_at),
        state_label_zh: filing.state.label_zh(),
        state_label_en: filing.state.label_en(),
        files: filing
            .files
            .into_iter()
            .map(|f| FilingFileBody {
                id: f.id,
                sha256: f.sha256,
                file_name: f.file_name,
                media_type: f.media_type,
                size: f.size,
                attached_at: f.attached_at,
            })
            .collect(),
        id: filing.id,
        kind: filing.kind,
        year: filing.year,
        state: filing.state,
        revision: filing.revision,
        body_org_id: filing.body_org_id,
        body_name: filing.body_name,
        bureau_org_id: filing.bureau_org_id,
        bureau_name: filing.bureau_name,
        title: filing.title,
        text: filing.text,
        round: filing.round,
        filed_at: filing.filed_at,
        acknowledged_at: filing.acknowledged_at,
        acknowledged_by_name: filing.acknowledged_by_name,
        reason: filing.reason,
        sent_back_at: filing.sent_back_at,
        party,
        commands,
    }
}

/// One event of `kind` to `org_id` about the filing (now in `state`).
fn event(filing: &Filing, state: FilingState, kind: &str, org_id: &str) -> NewEvent {
    NewEvent {
        audience: Audience::Org(org_id.to_owned()),
        kind: kind.into(),
        subject: subject(&filing.id),
        payload: json!({
            "filing_id": filing.id,
            "kind": filing.kind,
            "year": filing.year,
            "title": filing.title,
            "state": state,
            "body_org_id": filing.body_org_id,
            "bureau_org_id": filing.bureau_org_id,
        }),
    }
}

/// Files with the judicial bureau of the caller's body's region.
pub async fn create(
    services: &Services,
    caller: &Caller,
    input: CreateFiling,
) -> Result<FilingBody, Error> {
    caller.allow(&services.db, Action::CreateSpace).await?;
    let body_id = own_org(caller, "file")?.to_owned();
    let filer = services.db.org(&body_id).await?.ok_or_else(not_found)?;
    if !rules::owes_annual_report(filer.kind) {
        return Err(Error::refused(rules::KIND_FILER.message()));
    }
    let year = match (input.kind, input.year) {
        (FilingKind::AnnualReport, Some(year)) if rules::YEARS.contains(&year) => Some(year),
        (FilingKind::AnnualReport, _) => {
            return Err(Error::invalid("year", rules::YEAR_FOR_REPORT.message()))
        }
        (_, Some(_)) => return Err(Error::invalid("year", rules::YEAR_NOT_TAKEN.message())),
        (_, None) => None,
    };
    if let Some(year) = year {
        if services
            .db
            .annual_report_of(&filer.id, year)
            .await?
            .is_some()
        {
            return Err(Error::Conflict(rules::ONE_REPORT_A_YEAR.with("year", year)));
        }
    }
    let campaign = match &input.campaign_id {
        Some(id) => {
            let campaign =
                super::campaign_access::within(services, caller, id, &filer.id, false).await?;
            let kind = campaign.kind.filing_kind();
            if input.kind != kind {
                return Err(Error::invalid(
                    "kind",
                    crate::domain::campaign::FILING_KIND
                        .message()
                        .with("campaign", &campaign.title)
                        .with_words("kind", kind.label_zh(), kind.label_en()),
                ));
            }
            Some(campaign)
        }
        None => None,
    };
    let bureau = match &campaign {
        Some(campaign) => services
            .db
            .org(&campaign.bureau_org_id)
            .await?
            .ok_or_else(not_found)?,
        None => services
            .db
            .judicial_bureaus_above(&filer.region_path)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| Error::refused(rules::NO_BUREAU.message()))?,
    };
    let now = services.clock.now_ms();
    let new = NewFiling {
        id: new_id(),
        kind: input.kind,
        year,
        body_org_id: filer.id.clone(),
        bureau_org_id: bureau.id.clone(),
        region: filer.region.clone(),
        title: input.title.into_string(),
        text: input.text.into_string(),
        campaign_id: input.campaign_id,
        created_by: caller.actor.user_id.clone(),
    };
    let mut effects = Effects {
        audit: vec![audit(
            caller,
            now,
            "filing_filed",
            subject(&new.id),
            json!({ "kind": new.kind, "year": year, "title": new.title, "bureau_org_id": bureau.id,
                    "campaign_id": new.campaign_id }),
        )],
        ..Effects::default()
    };
    if let Some(campaign_id) = &new.campaign_id {
        effects.within_campaign(campaign_id);
    }
    if let Some(year) = year {
        // Filed: no 督办 of this report is sent any more.
        effects.cancel_jobs_of.push(format!(
            "{}:{}",
            super::schedule::annual_report_subject(year),
            filer.id
        ));
    }
    effects.events.push(NewEvent {
        audience: Audience::Org(new.bureau_org_id.clone()),
        kind: "filing.filed".into(),
        subject: subject(&new.id),
        payload: json!({
            "filing_id": new.id,
            "kind": new.kind,
            "year": year,
            "title": new.title,
            "state": FilingState::Filed,
            "body_org_id": new.body_org_id,
            "bureau_org_id": new.bureau_org_id,
            "campaign_id": new.campaign_id,
        }),
    });
    let filing = services.db.create_filing(&new, &[], now, &effects).await?;
    services.wake();
    Ok(body(filing, FilingParty::Body))
}

/// The filings the caller may see, as `role` asks (all when `None`).
pub async fn list(
    services: &Services,
    caller: &Caller,
    role: Option<FilingListRole>,
) -> Result<FilingPage, Error> {
    let Some(viewer) = policy::viewer(&caller.actor) else {
        return Ok(FilingPage {
            filings: Vec::new(),
        });
    };
    let role = role.map(|r| match r {
        FilingListRole::Filed => FilingRole::Filed,
        FilingListRole::Received => FilingRole::Received,
    });
    let mut filings = Vec::new();
    for filing in services.db.filings_visible(&viewer, role).await? {
        let Some(party) = party_of(caller, &filing) else {
            continue;
        };
        if policy::decide(&caller.actor, &Action::ReadSpace(filing.facts())).is_err() {
            continue;
        }
        filings.push(body(filing, party));
    }
    Ok(FilingPage { filings })
}

/// One filing.
pub async fn show(services: &Services, caller: &Caller, id: &str) -> Result<FilingBody, Error> {
    let (filing, party) = readable(services, caller, id).await?;
    Ok(body(filing, party))
}

/// A command: acknowledge, send back, file again.
pub async fn act(
    services: &Services,
    caller: &Caller,
    id: &str,
    action: FilingAction,
) -> Result<FilingBody, Error> {
    let (filing, party) = readable(services, caller, id).await?;
    caller
        .allow(&services.db, Action::ActInSpace(filing.facts()))
        .await?;
    if action.revision() != filing.revision {
        return Err(Error::refused(
            rules::FILING_STALE.with("revision", filing.revision),
        ));
    }
    let command = action.command();
    let to = rules::transition(filing.state, party, command)
        .map_err(|refused| Error::refused(refused.message()))?;
    let now = services.clock.now_ms();
    let mut change = FilingChange {
        id: filing.id.clone(),
        expected_revision: filing.revision,
        state: to,
        at: now,
        acknowledged_by: None,
        reason: None,
        refiled: None,
    };
    let mut detail = json!({ "from": filing.state, "to": to });
    let mut effects = Effects::default();
    let (event_kind, told) = match action {
        FilingAction::Acknowledge { .. } => {
            change.acknowledged_by = Some(caller.actor.user_id.clone());
            ("filing.acknowledged", &filing.body_org_id)
        }
        FilingAction::SendBack { reason, .. } => {
            detail["reason"] = json!(reason);
            change.reason = Some(reason.into_string());
            ("filing.sent_back", &filing.body_org_id)
        }
        FilingAction::Refile { title, text, .. } => {
            if let Some(year) = filing.year {
                effects.cancel_jobs_of.push(format!(
                    "{}:{}",
                    super::schedule::annual_report_subject(year),
                    filing.body_org_id
                ));
            }
            change.refiled = Some((title.into_string(), text.into_string()));
            ("filing.refiled", &filing.bureau_org_id)
        }
    };
    effects.events.push(event(&filing, to, event_kind, told));
    effects.audit.push(audit(
        caller,
        now,
        past(command),
        subject(&filing.id),
        detail,
    ));
    let filing = services.db.change_filing(&change, &[], &effects).await?;
    services.wake();
    Ok(body(filing, party))
}

fn past(command: FilingCommand) -> &'static str {
    match command {
        FilingCommand::Acknowledge => "filing_acknowledged",
        FilingCommand::SendBack => "filing_sent_back",
        FilingCommand::Refile => "filing_refiled",
    }
}

/// The kinds of body that owe the annual report, as stored.
pub(crate) fn owing_kinds() -> Vec<&'static str> {
    OrgKind::ALL
        .iter()
        .filter(|k| rules::owes_annual_report(**k))
        .map(|k| k.as_str())
        .collect()
}

/// Which annual reports of `year` the supervision desk lists as owed in `region`.
pub(crate) struct OwedReports<'a> {
    region: &'a RegionPath,
    year: i32,
    kinds: Vec<&'static str>,
}

impl OwedReports<'_> {
    /// As the desk's queries ask for them.
    pub(crate) fn as_owed(&self) -> ReportsOwed<'_> {
        ReportsOwed {
            region: self.region,
            year: self.year,
            due_at: rules::annual_due_at(self.year),
            december_starts: rules::december_starts(self.year),
            kinds: &self.kinds,
            escalate_kind: super::schedule::kind::ANNUAL_REPORT_ESCALATE,
        }
    }
}

/// The annual reports of `year` the supervision desk lists as owed in `region`.
pub(crate) fn reports_owed(region: &RegionPath, year: i32) -> OwedReports<'_> {
    OwedReports {
        region,
        year,
        kinds: owing_kinds(),
    }
}

/// Schedules the December clock of the current year (Beijing time) and of the next if it is
/// not yet: at start-up, so a deployment's first year has its clock (each year's 催办 also
/// schedules the next). Only what is still to come: a server first started on 10 December
/// sends no reminder of 1 December at once (the desk shows what is owed).
pub async fn keep_december_clock(services: &Services) -> Result<(), Error> {
    let now = services.clock.now_ms();
    let year = crate::domain::calendar::local_date(now).map_or(2000, |d| d.year());
    let calendar = services.calendar.get();
    let jobs: Vec<_> = [year, year + 1]
        .into_iter()
        .flat_map(|y| super::schedule::for_annual_reports(&calendar, y))
        .filter(|job| job.due_at > now)
        .collect();
    services.db.schedule_jobs(&jobs, now).await?;
    Ok(())
}
