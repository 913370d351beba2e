//! Spaces as operations: the shared spine of every case workflow (a meeting, a dispute, a
//! joint investigation group). Who takes part and with which role, the documents of a space
//! and who writes each, and which spaces a caller may find.
//!
//! A space the caller may not read answers "not found", exactly like one that does not
//! exist, so ids cannot be probed; the refusal is audited. Lists are narrowed by the database
//! ([`crate::db::Db::visible_spaces`], one query every workflow's list shares) and decided
//! item by item by the policy.
//!
//! This module must never decide access itself (that is [`crate::domain::policy`]) nor mint
//! a websocket ticket (the HTTP layer holds the ticket key): it answers the access a ticket
//! may carry.

use collab::{Access, DocId};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::Error;
use crate::auth::{self, Caller};
use crate::db::{NewSpace, NewSpaceDoc, Space, SpaceDoc};
use crate::domain::org::{DocRole, Name, RegionCode, SpaceKind, SpaceMember, SpaceRole};
use crate::domain::policy::{self, Action, SpaceAccess};
use crate::services::{AccessChange, Services};

/// A space as a participant or its supervising bureau sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SpaceBody {
    pub id: String,
    pub kind: SpaceKind,
    #[schema(value_type = String)]
    pub title: Name,
    #[schema(value_type = String)]
    pub region: RegionCode,
    pub created_by: String,
    pub created_at: i64,
    pub members: Vec<MemberBody>,
    /// `participate` (with `my_role`), `supervise` (a judicial bureau over the region, which
    /// reads) or `none`.
    pub my_access: &'static str,
    pub my_role: Option<SpaceRole>,
}

/// One organization's part in a space.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberBody {
    pub org_id: String,
    pub role: SpaceRole,
}

/// A document of a space.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocBody {
    pub doc_id: String,
    pub space_id: String,
    #[schema(value_type = String)]
    pub title: Name,
    /// A frozen document (text awaiting or bearing signatures) can be read, not edited.
    pub frozen: bool,
    /// What the document is for, which decides who writes it.
    pub role: DocRole,
    /// The one body that writes a section or a statement.
    pub owner_org_id: Option<String>,
    pub created_at: i64,
}

/// The spaces of a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SpaceList {
    pub spaces: Vec<SpaceBody>,
}

/// The documents of a space, oldest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocList {
    pub docs: Vec<DocBody>,
}

/// A space to convene (`POST /api/spaces`): in the caller's organization's region.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSpace {
    pub kind: SpaceKind,
    pub title: String,
}

/// A body's role in a space (`PUT /api/spaces/{id}/members/{org_id}`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetMember {
    pub role: SpaceRole,
}

/// A document to add to a space (`POST /api/spaces/{id}/docs`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDoc {
    pub title: String,
    /// `shared` when not given: every convening and member body writes it.
    #[serde(default)]
    pub role: Option<DocRole>,
    /// The one body that writes a `section` or a `statement` (one of the space's convening
    /// or member bodies); absent for the other roles.
    #[serde(default)]
    pub owner_org_id: Option<String>,
}

impl SpaceBody {
    fn of(space: Space, access: SpaceAccess) -> SpaceBody {
        let (my_access, my_role) = match access {
            SpaceAccess::None => ("none", None),
            SpaceAccess::Supervise => ("supervise", None),
            SpaceAccess::Participate(role) => ("participate", Some(role)),
        };
        SpaceBody {
            members: space.members.iter().map(MemberBody::of).collect(),
            id: space.id,
            kind: space.kind,
            title: space.title,
            region: space.region,
            created_by: space.created_by,
            created_at: space.created_at,
            my_access,
            my_role,
        }
    }
}

impl MemberBody {
    fn of(member: &SpaceMember) -> MemberBody {
        MemberBody {
            org_id: member.org_id.clone(),
            role: member.role,
        }
    }
}

impl From<SpaceDoc> for DocBody {
    fn from(doc: SpaceDoc) -> DocBody {
        DocBody {
            doc_id: doc.doc_id,
            space_id: doc.space_id,
            title: doc.title,
            frozen: doc.frozen,
            role: doc.role,
            owner_org_id: doc.owner_org_id,
            created_at: doc.created_at,
        }
    }
}

fn not_found() -> Error {
    Error::NotFound(crate::domain::phrases::NO_SUCH_SPACE.message())
}

/// The space, if the caller may read it, and what the caller's body is to it; otherwise
/// "not found" (and the refusal is audited).
pub async fn readable(
    services: &Services,
    caller: &Caller,
    id: &str,
) -> Result<(Space, SpaceAccess), Error> {
    let space = services.db.space(id).await?.ok_or_else(not_found)?;
    if caller
        .allow(&services.db, Action::ReadSpace(space.facts()))
        .await
        .is_err()
    {
        return Err(not_found());
    }
    // A referral's space holds its receiver and copy from the draft on; they, and the
    // bureaus above, see it only when the referral shows it to them.
    if space.kind == SpaceKind::Referral
        && !super::referrals::shows_space(services, caller, id).await?
    {
        return Err(not_found());
    }
    let access = policy::space_access(&caller.actor, &space.facts());
    Ok((space, access))
}

/// The spaces the caller may find, of `kind` when given: those its body takes part in and,
/// for a judicial bureau, those of its region and below. Empty for a caller who acts for no
/// body.
pub async fn list(
    services: &Services,
    caller: &Caller,
    kind: Option<SpaceKind>,
) -> Result<SpaceList, Error> {
    let Some(viewer) = policy::viewer(&caller.actor) else {
        return Ok(SpaceList { spaces: Vec::new() });
    };
    let spaces = services.db.visible_spaces(kind, &viewer).await?;
    // The query narrows; the policy decides (a token without spaces:read sees none), and a
    // referral's space is listed only to whom the referral shows it (see [`readable`]).
    let mut shown = Vec::with_capacity(spaces.len());
    for space in spaces {
        if policy::decide(&caller.actor, &Action::ReadSpace(space.facts())).is_err() {
            continue;
        }
        if space.kind == SpaceKind::Referral
            && !super::referrals::shows_space(services, caller, &space.id).await?
        {
            continue;
        }
        let access = policy::space_access(&caller.actor, &space.facts());
        shown.push(SpaceBody::of(space, access));
    }
    Ok(SpaceList { spaces: shown })
}

/// One space.
pub async fn show(services: &Services, caller: &Caller, id: &str) -> Result<SpaceBody, Error> {
    let (space, access) = readable(services, caller, id).await?;
    Ok(SpaceBody::of(space, access))
}

/// Convenes a space: the caller's organization is its convener, in its own region.
pub async fn create(
    services: &Services,
    caller: &Caller,
    input: CreateSpace,
) -> Result<SpaceBody, Error> {
    caller.allow(&services.db, Action::CreateSpace).await?;
    if input.kind.managed_by_its_workflow() {
        return Err(Error::refused(
            crate::domain::phrases::SPACE_OWN_WORKFLOW.message(),
        ));
    }
    let Some(org) = &caller.org else {
        return Err(Error::Denied(
            crate::domain::phrases::CREATE_SPACE.message(),
        ));
    };
    let new = NewSpace {
        kind: input.kind,
        title: Name::parse(&input.title)?,
        region: org.region.clone(),
        convener_org_id: org.id.clone(),
        created_by: caller.actor.user_id.clone(),
    };
    let event = caller.event(
        "space_created",
        String::new(),
        json!({ "kind": new.kind, "title": new.title, "convener": org.id }),
    );
    let space = services.db.create_space(&new, &event).await?;
    Ok(SpaceBody::of(
        space,
        SpaceAccess::Participate(SpaceRole::Convener),
    ))
}

/// Adds a body to a space with `role`, or changes its role; open sockets of the space
/// re-check their access at once.
pub async fn set_member(
    services: &Services,
    caller: &Caller,
    id: &str,
    org_id: &str,
    input: SetMember,
) -> Result<SpaceBody, Error> {
    let (space, _) = readable(services, caller, id).await?;
    caller
        .allow(&services.db, Action::ManageSpaceMembers(space.facts()))
        .await?;
    if space.kind.managed_by_its_workflow() {
        return Err(Error::refused(
            crate::domain::phrases::SPACE_OWN_WORKFLOW.message(),
        ));
    }
    if services.db.org(org_id).await?.is_none() {
        return Err(Error::NotFound(
            crate::domain::phrases::NO_SUCH_ORG.message(),
        ));
    }
    let event = caller.event(
        "space_member_set",
        format!("space:{id}"),
        json!({ "org_id": org_id, "role": input.role }),
    );
    services
        .db
        .set_space_member(id, org_id, input.role, &event)
        .await?;
    services.access.announce(AccessChange {
        space_id: Some(id.to_owned()),
        ..AccessChange::default()
    });
    show(services, caller, id).await
}

/// Removes a body from a space; its open sockets close (4403) at once.
pub async fn remove_member(
    services: &Services,
    caller: &Caller,
    id: &str,
    org_id: &str,
) -> Result<(), Error> {
    let (space, _) = readable(services, caller, id).await?;
    caller
        .allow(&services.db, Action::ManageSpaceMembers(space.facts()))
        .await?;
    if space.kind.managed_by_its_workflow() {
        return Err(Error::refused(
            crate::domain::phrases::SPACE_OWN_WORKFLOW.message(),
        ));
    }
    let event = caller.event(
        "space_member_removed",
        format!("space:{id}"),
        json!({ "org_id": org_id }),
    );
    if !services.db.remove_space_member(id, org_id, &event).await? {
        return Err(Error::NotFound(
            "this organization does not take part in the space".into(),
        ));
    }
    services.access.announce(AccessChange {
        space_id: Some(id.to_owned()),
        ..AccessChange::default()
    });
    Ok(())
}

/// The documents of a space the caller may read.
pub async fn docs(services: &Services, caller: &Caller, id: &str) -> Result<DocList, Error> {
    let (space, _) = readable(services, caller, id).await?;
    let docs = services.db.space_docs(id).await?;
    // Only those the caller may open: the observer of a closed space learns nothing of the
    // documents it does not read.
    let docs = docs
        .into_iter()
        .filter(|d| {
            !space.closed || policy::doc_access(&caller.actor, &d.facts(&space)) != Access::None
        })
        .map(DocBody::from)
        .collect();
    Ok(DocList { docs })
}

/// Adds a document to a space: shared by default, or a section or statement one body
/// writes, or the convening body's decision.
pub async fn create_doc(
    services: &Services,
    caller: &Caller,
    id: &str,
    input: CreateDoc,
) -> Result<DocBody, Error> {
    let (space, _) = readable(services, caller, id).await?;
    caller
        .allow(&services.db, Action::CreateSpaceDoc(space.facts()))
        .await?;
    if space.kind.managed_by_its_workflow() {
        return Err(Error::refused(
            crate::domain::phrases::SPACE_OWN_WORKFLOW.message(),
        ));
    }
    let role = input.role.unwrap_or(DocRole::Shared);
    if role == DocRole::Record {
        return Err(Error::refused(
            crate::domain::phrases::SPACE_DOC_RECORD.message(),
        ));
    }
    let new = NewSpaceDoc {
        title: Name::parse(&input.title)?,
        role,
        owner_org_id: input.owner_org_id,
    };
    let event = caller.event(
        "doc_created",
        format!("space:{id}"),
        json!({ "title": new.title, "role": new.role, "owner_org_id": new.owner_org_id }),
    );
    let doc = services.db.create_space_doc(id, &new, &event).await?;
    Ok(doc.into())
}

/// The access a websocket ticket for `doc` may carry for the caller now: what the policy
/// gives. No access is "no document with this id" (audited), as for one that does not exist.
pub async fn ticket_access(
    services: &Services,
    caller: &Caller,
    doc: &str,
) -> Result<(DocId, Access), Error> {
    let id = DocId::parse(doc).map_err(|e| Error::invalid("id", e.to_string()))?;
    let access = auth::doc_access(&services.db, &caller.actor, &id).await?;
    if access == Access::None {
        let event = caller.event(
            "permission_denied",
            format!("doc:{doc}"),
            json!({ "rule": "no access to this document" }),
        );
        services.db.audit(&event).await?;
        return Err(Error::NotFound(
            crate::domain::phrases::NO_SUCH_DOCUMENT_ID.message(),
        ));
    }
    Ok((id, access))
}
