//! Time limits by region (时限设置) as operations: the effective limits of a region (what a
//! dispute, a notice or a task of that region is counted with), and an operator or the
//! region's bureau admin setting or clearing the region's own.
//!
//! Anyone signed in reads them (deadlines bind them, so they must be able to check them);
//! only [`Action::ManageRegionLimits`] changes them. A change takes effect for deadlines
//! computed from then on: running clocks keep their times, as with the calendar.
//!
//! The layers, nearest first: the region's own setting, then each region above it, then the
//! deployment's flags (the two notice limits only: [`DeploymentLimits`]), then the built-in
//! default ([`LimitKind::default_limit`]).

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::by::By;
use super::Error;
use crate::auth::Caller;
use crate::config::DeploymentLimits;
use crate::db::{Db, RegionLimit};
use crate::domain::calendar::TimeLimit;
use crate::domain::limits::{
    amount_of, LimitKind, LimitUnit, Limits, Source, LIMIT_REGION_UNKNOWN,
};
use crate::domain::org::RegionCode;
use crate::domain::policy::{self, Action};
use crate::services::Services;

/// The effective limits of `region`: what the dispute, notice and task code counts with.
/// An unknown region is [`Error::NotFound`].
pub async fn effective(services: &Services, region: &RegionCode) -> Result<Limits, Error> {
    let (limits, _) = resolved(&services.db, &services.settings.deadlines, region).await?;
    Ok(limits)
}

/// The effective limits of the region of organization `org_id` (a notice's sender, a task's
/// setter). An organization that does not exist counts with the deployment's defaults.
pub async fn of_org(services: &Services, org_id: &str) -> Result<Limits, Error> {
    match services.db.org(org_id).await? {
        Some(org) => effective(services, &org.region).await,
        None => Ok(Limits::resolve(
            &deployment(&services.settings.deadlines),
            &[],
        )),
    }
}

/// The deployment's flags as limits, only where they differ from the built-in default (so
/// an untouched deployment reads 默认, not 部署默认).
fn deployment(flags: &DeploymentLimits) -> Vec<(LimitKind, TimeLimit)> {
    [
        (
            LimitKind::NoticeRemind,
            TimeLimit::WorkingDays(flags.notice_remind_working_days),
        ),
        (
            LimitKind::NoticeEscalate,
            TimeLimit::WorkingDays(flags.notice_escalate_working_days),
        ),
    ]
    .into_iter()
    .filter(|(kind, limit)| kind.default_limit() != *limit)
    .collect()
}

/// The region's limits with the settings they were resolved from.
async fn resolved(
    db: &Db,
    flags: &DeploymentLimits,
    region: &RegionCode,
) -> Result<(Limits, Vec<RegionLimit>), Error> {
    let stored = db
        .region_limits_on_path(region)
        .await?
        .ok_or_else(|| unknown_region(region))?;
    let settings: Vec<_> = stored.iter().map(|s| s.setting.clone()).collect();
    Ok((Limits::resolve(&deployment(flags), &settings), stored))
}

fn unknown_region(region: &RegionCode) -> Error {
    Error::NotFound(LIMIT_REGION_UNKNOWN.with("code", region.as_str()))
}

/// A region's time limits as a page shows them.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionLimits {
    /// The region's code.
    pub region: String,
    pub region_name_zh: String,
    pub region_name_en: Option<String>,
    /// Every kind, in a fixed order.
    pub limits: Vec<EffectiveLimit>,
    /// Whether the caller may set and clear this region's limits (the policy's answer).
    pub can_manage: bool,
}

/// Where an effective limit comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LimitSource {
    /// The built-in default (默认).
    Default,
    /// The deployment's start-up flag (部署默认).
    Deployment,
    /// A region's setting: this region's own, or one above it (继承自…).
    Region,
}

/// One kind's effective limit.
#[derive(Debug, Serialize, ToSchema)]
pub struct EffectiveLimit {
    pub kind: LimitKind,
    pub kind_zh: &'static str,
    pub kind_en: &'static str,
    /// The kind's one unit.
    pub unit: LimitUnit,
    pub unit_zh: &'static str,
    pub unit_en: &'static str,
    /// How many units apply here.
    pub amount: u32,
    /// The built-in default's amount.
    pub default_amount: u32,
    pub source: LimitSource,
    /// With `source` `region`: the code of the region that set it (this one when `own`).
    pub from_region: Option<String>,
    pub from_region_name_zh: Option<String>,
    pub from_region_name_en: Option<String>,
    /// Whether this region set it itself, so clearing it changes something.
    pub own: bool,
}

/// A region's own setting of one kind: `{"unit": "working_days", "amount": 7}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitInput {
    /// The kind's unit: `working_days`, `calendar_days` or `hours`.
    pub unit: String,
    /// 1 to 365.
    pub amount: i64,
}

/// A region code as an address names it.
pub fn region_of(raw: &str) -> Result<RegionCode, Error> {
    RegionCode::parse(raw).map_err(|e| Error::invalid("code", e.0))
}

/// A kind as an address names it.
pub fn kind_of(raw: &str) -> Result<LimitKind, Error> {
    raw.parse::<LimitKind>()
        .map_err(|e| Error::invalid("kind", e.0))
}

/// The page of `region`'s limits, for anyone who may read the directory.
pub async fn show(
    services: &Services,
    caller: &Caller,
    region: &RegionCode,
) -> Result<RegionLimits, Error> {
    caller.allow(&services.db, Action::ReadDirectory).await?;
    let (page, _) = page(&services.db, &services.settings.deadlines, region).await?;
    let may = match services.db.region(region).await? {
        Some(r) => policy::decide(
            &caller.actor,
            &Action::ManageRegionLimits {
                region_path: &r.path,
            },
        )
        .is_ok(),
        None => false,
    };
    Ok(RegionLimits {
        can_manage: may,
        ..page
    })
}

/// Sets the region's own limit of `kind` and answers the region's limits after it.
pub async fn set(
    services: &Services,
    caller: &Caller,
    region: &RegionCode,
    kind: LimitKind,
    input: LimitInput,
) -> Result<RegionLimits, Error> {
    let flags = &services.settings.deadlines;
    store(
        &services.db,
        By::Caller(caller),
        flags,
        region,
        kind,
        Some(input),
    )
    .await?;
    show(services, caller, region).await
}

/// Clears the region's own limit of `kind` (it inherits again) and answers the region's
/// limits after it. Clearing a limit the region never set changes nothing.
pub async fn clear(
    services: &Services,
    caller: &Caller,
    region: &RegionCode,
    kind: LimitKind,
) -> Result<RegionLimits, Error> {
    let flags = &services.settings.deadlines;
    store(&services.db, By::Caller(caller), flags, region, kind, None).await?;
    show(services, caller, region).await
}

/// Sets (`Some`) or clears (`None`) a region's own limit of `kind`, for a caller the policy
/// allows or the shell, with its audit row. The shell's `concord admin limits` calls this.
pub async fn store(
    db: &Db,
    by: By<'_>,
    flags: &DeploymentLimits,
    region: &RegionCode,
    kind: LimitKind,
    input: Option<LimitInput>,
) -> Result<(), Error> {
    let found = db
        .region(region)
        .await?
        .ok_or_else(|| unknown_region(region))?;
    by.allow(
        db,
        Action::ManageRegionLimits {
            region_path: &found.path,
        },
    )
    .await?;
    let (before, _) = resolved(db, flags, region).await?;
    let before = before.get(kind);
    let target = format!("region:{}", region.as_str());
    match input {
        Some(input) => {
            let limit = kind
                .check(&input.unit, input.amount)
                .map_err(|e| Error::invalid("amount", e.0))?;
            let event = by.event(
                "region_limit_set",
                target,
                json!({
                    "kind": kind.as_str(),
                    "unit": LimitUnit::of(limit).as_str(),
                    "amount": amount_of(limit),
                    "before": amount_of(before),
                }),
            );
            let set_by = event.actor_user_id.clone();
            db.set_region_limit(region, kind, limit, set_by.as_deref(), &event)
                .await?;
        }
        None => {
            let event = by.event(
                "region_limit_cleared",
                target,
                json!({ "kind": kind.as_str(), "before": amount_of(before) }),
            );
            db.clear_region_limit(region, kind, &event).await?;
        }
    }
    Ok(())
}

/// The page of `region`'s limits (with `can_manage` false), and the limits themselves.
pub async fn page(
    db: &Db,
    flags: &DeploymentLimits,
    region: &RegionCode,
) -> Result<(RegionLimits, Limits), Error> {
    let found = db
        .region(region)
        .await?
        .ok_or_else(|| unknown_region(region))?;
    let (limits, stored) = resolved(db, flags, region).await?;
    let name_of = |code: &str| {
        stored
            .iter()
            .find(|s| s.setting.region_code == code)
            .map(|s| (s.region_name_zh.clone(), s.region_name_en.clone()))
    };
    let rows = limits
        .iter()
        .map(|(kind, effective)| {
            let (source, from) = match &effective.source {
                Source::Default => (LimitSource::Default, None),
                Source::Deployment => (LimitSource::Deployment, None),
                Source::Region(code) => (LimitSource::Region, Some(code.clone())),
            };
            let names = from.as_deref().and_then(name_of);
            let unit = LimitUnit::of(effective.limit);
            EffectiveLimit {
                kind,
                kind_zh: kind.label_zh(),
                kind_en: kind.label_en(),
                unit,
                unit_zh: unit.label_zh(),
                unit_en: unit.label_en(),
                amount: amount_of(effective.limit),
                default_amount: amount_of(kind.default_limit()),
                source,
                own: from.as_deref() == Some(region.as_str()),
                from_region: from,
                from_region_name_zh: names.as_ref().map(|n| n.0.clone()),
                from_region_name_en: names.and_then(|n| n.1),
            }
        })
        .collect();
    let page = RegionLimits {
        region: region.as_str().to_owned(),
        region_name_zh: found.name_zh.as_str().to_owned(),
        region_name_en: found.name_en.map(|n| n.as_str().to_owned()),
        limits: rows,
        can_manage: false,
    };
    Ok((page, limits))
}
