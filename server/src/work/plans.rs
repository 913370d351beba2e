//! Annual supervision work plans (年度行政执法监督工作方案) as operations: a judicial bureau makes
//! its plan of a year, writes it live (the document's socket, `DocEditor` on the web), and
//! publishes it (印发): the text is frozen and every body of its region and below reads it and
//! is told (`plan.published`).
//!
//! A plan is a space (`db::plans`). Who reads it, and what the caller is to it: the bureau (its
//! convener) always; a bureau above (the policy's `Supervise`) reading; a body of the region
//! once published (an observer); everyone else "no plan with this id".
//!
//! This module never writes SQL, decides access itself (that is the policy) or encodes a rule
//! of the machine (that is [`crate::domain::plan`]).

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::{audit, own_org, Error};
use crate::auth::Caller;
use crate::db::{new_id, Audience, Effects, NewEvent, NewPlan, Plan};
use crate::domain::filing::YEARS;
use crate::domain::kernel::{self, CommandOffer};
use crate::domain::org::{OrgKind, SpaceRole};
use crate::domain::plan::{self as rules, PlanFlow, PlanParty, PlanState, NO_SUCH_PLAN};
use crate::domain::policy::{self, Action, SpaceAccess};
use crate::domain::text::Title;
use crate::services::Services;

/// What a bureau gives to make its plan of a year (`POST /api/plans`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePlan {
    /// The year it plans (2000 to 2100).
    pub year: i32,
    /// 标题 (e.g. 上城区2027年度行政执法监督工作方案).
    pub title: Title,
}

/// A plan command (`POST /api/plans/{id}/actions`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanAction {
    /// `publish` (印发).
    pub command: rules::PlanCommand,
    /// The revision the caller read.
    pub revision: i64,
}

/// A plan as its reader sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanBody {
    pub id: String,
    pub year: i32,
    pub title: String,
    pub state: PlanState,
    pub state_label_zh: &'static str,
    pub state_label_en: &'static str,
    pub revision: i64,
    pub bureau_org_id: String,
    pub bureau_name: String,
    /// The live document of its text (open it on the document socket).
    pub doc_id: String,
    pub published_at: Option<i64>,
    pub created_at: i64,
    /// The caller's part: `bureau`, `reader` or `supervisor`.
    pub party: PlanParty,
    pub commands: Vec<CommandOffer>,
}

/// Plans (`GET /api/plans`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanPage {
    pub plans: Vec<PlanBody>,
}

fn not_found() -> Error {
    Error::NotFound(NO_SUCH_PLAN.message())
}

fn subject(id: &str) -> String {
    format!("plan:{id}")
}

fn party_of(caller: &Caller, plan: &Plan) -> Option<PlanParty> {
    match policy::space_access(&caller.actor, &plan.facts()) {
        SpaceAccess::Participate(SpaceRole::Convener) => Some(PlanParty::Bureau),
        SpaceAccess::Participate(_) => Some(PlanParty::Reader),
        SpaceAccess::Supervise => Some(PlanParty::Supervisor),
        SpaceAccess::None => None,
    }
}

fn body(plan: Plan, party: PlanParty) -> PlanBody {
    PlanBody {
        commands: kernel::offers::<PlanFlow>((), plan.state, party),
        state_label_zh: plan.state.label_zh(),
        state_label_en: plan.state.label_en(),
        id: plan.id,
        year: plan.year,
        title: plan.title,
        state: plan.state,
        revision: plan.revision,
        bureau_org_id: plan.bureau_org_id,
        bureau_name: plan.bureau_name,
        doc_id: plan.doc_id,
        published_at: plan.published_at,
        created_at: plan.created_at,
        party,
    }
}

async fn readable(
    services: &Services,
    caller: &Caller,
    id: &str,
) -> Result<(Plan, PlanParty), Error> {
    let plan = services.db.plan(id).await?.ok_or_else(not_found)?;
    let party = party_of(caller, &plan).ok_or_else(not_found)?;
    if caller
        .allow(&services.db, Action::ReadSpace(plan.facts()))
        .await
        .is_err()
    {
        return Err(not_found());
    }
    Ok((plan, party))
}

/// Makes the caller's bureau's plan of a year, as a draft.
pub async fn create(
    services: &Services,
    caller: &Caller,
    input: CreatePlan,
) -> Result<PlanBody, Error> {
    caller.allow(&services.db, Action::CreateSpace).await?;
    let bureau_id = own_org(caller, "make a plan")?.to_owned();
    let bureau = services.db.org(&bureau_id).await?.ok_or_else(not_found)?;
    if bureau.kind != OrgKind::JudicialBureau {
        return Err(Error::refused(rules::MADE_BY_A_BUREAU.message()));
    }
    if !YEARS.contains(&input.year) {
        return Err(Error::invalid(
            "year",
            crate::domain::filing::YEAR_FOR_REPORT.message(),
        ));
    }
    if services.db.plan_of_year(&bureau.id, input.year).await? {
        return Err(Error::Conflict(
            rules::ONE_PLAN_A_YEAR.with("year", input.year),
        ));
    }
    let now = services.clock.now_ms();
    let new = NewPlan {
        id: new_id(),
        year: input.year,
        bureau_org_id: bureau.id.clone(),
        region: bureau.region.clone(),
        title: input.title.into_string(),
        doc_id: new_id(),
        created_by: caller.actor.user_id.clone(),
    };
    let effects = Effects {
        audit: vec![audit(
            caller,
            now,
            "plan_drafted",
            subject(&new.id),
            json!({ "year": new.year, "title": new.title }),
        )],
        ..Effects::default()
    };
    let plan = services.db.create_plan(&new, now, &effects).await?;
    Ok(body(plan, PlanParty::Bureau))
}

/// The plans the caller may read.
pub async fn list(services: &Services, caller: &Caller) -> Result<PlanPage, Error> {
    let Some(viewer) = policy::viewer(&caller.actor) else {
        return Ok(PlanPage { plans: Vec::new() });
    };
    let mut plans = Vec::new();
    for plan in services.db.plans_visible(&viewer).await? {
        let Some(party) = party_of(caller, &plan) else {
            continue;
        };
        if policy::decide(&caller.actor, &Action::ReadSpace(plan.facts())).is_err() {
            continue;
        }
        plans.push(body(plan, party));
    }
    Ok(PlanPage { plans })
}

/// One plan.
pub async fn show(services: &Services, caller: &Caller, id: &str) -> Result<PlanBody, Error> {
    let (plan, party) = readable(services, caller, id).await?;
    Ok(body(plan, party))
}

/// A plan command: publish (印发).
pub async fn act(
    services: &Services,
    caller: &Caller,
    id: &str,
    action: PlanAction,
) -> Result<PlanBody, Error> {
    let (plan, party) = readable(services, caller, id).await?;
    caller
        .allow(&services.db, Action::ActInSpace(plan.facts()))
        .await?;
    if action.revision != plan.revision {
        return Err(Error::refused(
            rules::PLAN_STALE.with("revision", plan.revision),
        ));
    }
    rules::transition(plan.state, party, action.command)
        .map_err(|refused| Error::refused(refused.message()))?;
    let now = services.clock.now_ms();
    let bodies = services
        .db
        .bodies_of_region(&plan.region_path, &plan.bureau_org_id)
        .await?;
    let payload = json!({
        "plan_id": plan.id,
        "year": plan.year,
        "title": plan.title,
        "bureau_org_id": plan.bureau_org_id,
    });
    let effects = Effects {
        events: bodies
            .iter()
            .map(|org_id| NewEvent {
                audience: Audience::Org(org_id.clone()),
                kind: "plan.published".into(),
                subject: subject(&plan.id),
                payload: payload.clone(),
            })
            .collect(),
        audit: vec![audit(
            caller,
            now,
            "plan_published",
            subject(&plan.id),
            json!({ "year": plan.year, "bodies": bodies.len() }),
        )],
        ..Effects::default()
    };
    let plan = services
        .db
        .publish_plan(
            &plan.id,
            plan.revision,
            &caller.actor.user_id,
            &bodies,
            now,
            &effects,
        )
        .await?;
    services.wake();
    Ok(body(plan, party))
}
