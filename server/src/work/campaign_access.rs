//! Who reads a campaign (专项监督, 执法检查) and whether something may be made within it now:
//! what `work::campaigns` and `work::campaign_summary` read a campaign with, and what
//! `work::supervision_docs` and `work::filings` check before they make a document or a filing
//! within one. Kept apart from `work::campaigns` (which sends notices) so that those modules
//! need not name it: `work::notices` calls `work::supervision_docs`, which would close a circle.
//!
//! Who reads a campaign, and what the caller is to it: the organising bureau (its convener);
//! a body it covers once launched (an observer); a judicial bureau above (supervising);
//! everyone else "no campaign with this id", as for an id that does not exist.

use super::Error;
use crate::auth::Caller;
use crate::db::Campaign;
use crate::domain::campaign::{self as rules, CampaignParty, NO_SUCH_CAMPAIGN};
use crate::domain::kernel::Refused;
use crate::domain::org::SpaceRole;
use crate::domain::policy::{self, Action, SpaceAccess};
use crate::services::Services;

/// "No campaign with this id": for one that does not exist and for one the caller may not read.
pub(crate) fn not_found() -> Error {
    Error::NotFound(NO_SUCH_CAMPAIGN.message())
}

/// The subject of a campaign's events, notices and tasks: `campaign:<id>`.
pub(crate) fn subject(id: &str) -> String {
    format!("campaign:{id}")
}

fn refused(refused: Refused) -> Error {
    Error::refused(refused.message())
}

/// The caller's part in the campaign, if any.
pub(crate) fn party_of(caller: &Caller, campaign: &Campaign) -> Option<CampaignParty> {
    match policy::space_access(&caller.actor, &campaign.facts()) {
        SpaceAccess::Participate(SpaceRole::Convener) => Some(CampaignParty::Bureau),
        SpaceAccess::Participate(_) => Some(CampaignParty::Covered),
        SpaceAccess::Supervise => Some(CampaignParty::Supervisor),
        SpaceAccess::None => None,
    }
}

/// The campaign and the caller's part in it, or "not found" for a body with none (and for a
/// token that may not read spaces).
pub(crate) async fn readable(
    services: &Services,
    caller: &Caller,
    id: &str,
) -> Result<(Campaign, CampaignParty), Error> {
    let campaign = services.db.campaign(id).await?.ok_or_else(not_found)?;
    let party = party_of(caller, &campaign).ok_or_else(not_found)?;
    if caller
        .allow(&services.db, Action::ReadSpace(campaign.facts()))
        .await
        .is_err()
    {
        return Err(not_found());
    }
    Ok((campaign, party))
}

/// Checks that `caller`'s bureau may make something within the campaign `id` now, for
/// `org_id` (a document's addressee, a task's assignee, a filing body): the campaign is
/// readable, under way, and covers the body. Answers the campaign.
pub(crate) async fn within(
    services: &Services,
    caller: &Caller,
    id: &str,
    org_id: &str,
    organiser: bool,
) -> Result<Campaign, Error> {
    let (campaign, party) = readable(services, caller, id).await?;
    if organiser {
        // A bureau above reads and acts on nothing (403); a covered body is not the organiser.
        caller
            .allow(&services.db, Action::ActInSpace(campaign.facts()))
            .await?;
        if party != CampaignParty::Bureau {
            return Err(Error::refused(rules::WITHIN_OWN.message()));
        }
    }
    rules::within(campaign.state).map_err(refused)?;
    if !campaign.covers(org_id) {
        let name = services
            .db
            .org(org_id)
            .await?
            .map_or_else(|| format!("{org_id:?}"), |o| o.name_zh.to_string());
        return Err(Error::refused(rules::WITHIN_COVERED.with("name", name)));
    }
    Ok(campaign)
}
