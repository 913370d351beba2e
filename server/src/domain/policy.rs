//! Who may do what: the one place that decides access, for HTTP requests and for documents.
//!
//! Everything here is a pure function of plain values: the caller establishes who is acting
//! (an [`Actor`], from a session, an API token or a websocket ticket), fetches the facts the
//! rule needs (a space's region and members, [`SpaceFacts`]) and asks. This module must never
//! read the database, the clock or the network, so every rule can be tested as a table and
//! no request can reach a decision that was not written here.
//!
//! The rules, in short (DOMAIN.md, "What must never happen"):
//!
//! - An **operator** looks after the directory (regions, organizations, users, password resets,
//!   settings) and reads the whole audit trail. An operator does **not** see spaces or documents
//!   through that role (separation of duties): only through an organization's part in a space,
//!   like anyone else.
//! - An **organization's admin** edits the organization's details, manages its users and API
//!   tokens, and reads its audit rows.
//! - **Every signed-in user** reads the directory and the users of their own organization,
//!   convenes spaces for their organization and manages their own sessions.
//! - In a **space** (a meeting, an investigation group, a dispute), what an organization may do
//!   follows its [`SpaceRole`]; a judicial bureau (司法局) whose region covers the space's region
//!   supervises it read-only; everyone else sees nothing, not even that the space exists.
//! - An **API token** acts as its organization with a member's power at most, never as an admin
//!   or an operator, and only for what its [`Permission`]s list.

use std::fmt;
use std::str::FromStr;

use collab::Access;
use serde::{Deserialize, Serialize};

use super::org::{Invalid, OrgKind, OrgRole, RegionPath, SpaceRole};

/// Who is acting, as the authentication layer established it (never as the client claims).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The user behind the request; for an API token, the user who created it (recorded in the
    /// audit trail, not a source of power).
    pub user_id: String,
    /// The organization the actor acts for. `None` only for an operator who belongs to none.
    pub org: Option<ActorOrg>,
    /// The user's role in their organization. Ignored for a token, which is a member at most.
    pub org_role: OrgRole,
    /// Whether the user is an operator. Ignored for a token, which is never one.
    pub operator: bool,
    /// How the actor proved who they are; it limits what they may do.
    pub via: Credential,
}

/// What policy needs to know about the actor's organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActorOrg {
    /// The organization's id, compared with space members and with an action's target.
    pub id: String,
    /// Its kind: a judicial bureau supervises the spaces of its region.
    pub kind: OrgKind,
    /// Its region's path, so "covers the space's region" is a prefix test.
    pub region_path: RegionPath,
}

/// How the actor authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A person signed in through the browser (local password or OIDC).
    Session { session_id: String },
    /// An agency system calling with an API token: acts as the token's organization, with a
    /// member's power at most, and only for what `permissions` list.
    Token {
        token_id: String,
        permissions: Vec<Permission>,
    },
    /// A websocket connected with a ticket. Tickets are issued to signed-in sessions to open one
    /// document, so policy treats a ticket like a session for document access and refuses it
    /// every other action. An API token connects to the websocket with the token itself, so its
    /// permissions keep limiting it.
    Ticket,
}

/// What an API token may be used for. Stored and sent as `orgs:read`, `spaces:read`,
/// `spaces:write`, `docs:read`, `docs:write`.
///
/// A `:write` permission includes the matching `:read`: a system that may change something
/// must be able to see what it changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Permission {
    /// Read the directory: regions and organizations.
    #[serde(rename = "orgs:read")]
    OrgsRead,
    /// See the spaces the organization takes part in or supervises.
    #[serde(rename = "spaces:read")]
    SpacesRead,
    /// Convene spaces and, as convener, manage who takes part.
    #[serde(rename = "spaces:write")]
    SpacesWrite,
    /// Read the documents of those spaces.
    #[serde(rename = "docs:read")]
    DocsRead,
    /// Edit documents and add documents to spaces.
    #[serde(rename = "docs:write")]
    DocsWrite,
}

impl Permission {
    /// Every permission, in the order a form lists them.
    pub const ALL: &'static [Permission] = &[
        Permission::OrgsRead,
        Permission::SpacesRead,
        Permission::SpacesWrite,
        Permission::DocsRead,
        Permission::DocsWrite,
    ];

    /// The stored and transmitted name, e.g. `docs:write`, so tokens' permissions survive the
    /// database (space-separated text) and the API unchanged.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::OrgsRead => "orgs:read",
            Permission::SpacesRead => "spaces:read",
            Permission::SpacesWrite => "spaces:write",
            Permission::DocsRead => "docs:read",
            Permission::DocsWrite => "docs:write",
        }
    }

    /// Whether holding `self` is enough where `needed` is required: a `:write` permission
    /// includes its `:read`, so a token is never able to change what it cannot see.
    pub fn grants(self, needed: Permission) -> bool {
        self == needed
            || matches!(
                (self, needed),
                (Permission::SpacesWrite, Permission::SpacesRead)
                    | (Permission::DocsWrite, Permission::DocsRead)
            )
    }

    /// The refusal for a token that lacks this permission, naming it so the person who created
    /// the token knows what to add.
    fn missing(self) -> &'static str {
        match self {
            Permission::OrgsRead => "this API token lacks the orgs:read permission",
            Permission::SpacesRead => "this API token lacks the spaces:read permission",
            Permission::SpacesWrite => "this API token lacks the spaces:write permission",
            Permission::DocsRead => "this API token lacks the docs:read permission",
            Permission::DocsWrite => "this API token lacks the docs:write permission",
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Permission {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<Permission, Invalid> {
        Permission::ALL
            .iter()
            .copied()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Permission::ALL.iter().map(|p| p.as_str()).collect();
                Invalid(format!(
                    "unknown permission {s:?}; expected one of: {}",
                    names.join(", ")
                ))
            })
    }
}

/// What policy needs to know about a space: where it is and who takes part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpaceFacts<'a> {
    /// The path of the space's region, which decides which judicial bureaus supervise it.
    pub region_path: &'a RegionPath,
    /// The participating organizations (by id) and their roles.
    pub members: &'a [(String, SpaceRole)],
}

/// Something an actor asks to do. The HTTP layer names the action; [`decide`] answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action<'a> {
    /// List regions and organizations. Every signed-in user; a token with `orgs:read`.
    ReadDirectory,
    /// Create, rename or move regions; create or move organizations; import the directory.
    /// Operator only.
    ManageDirectory,
    /// Change an organization's names. Operator, or an admin of that organization.
    EditOrg { org_id: &'a str },
    /// List the users of an organization. Operator, or any user of that organization.
    ReadUsers { org_id: &'a str },
    /// Create, change or disable users of an organization. Operator, or an admin of that
    /// organization. When the user concerned is (or would become) an operator, the caller also
    /// asks [`Action::ManageOperators`].
    ManageUsers { org_id: &'a str },
    /// Make a user an operator, or change, disable or reset a user who is one. Operator only:
    /// an organization's admin manages the organization's people, never the people who look
    /// after the whole deployment.
    ManageOperators,
    /// Set a new password for someone else. Operator only.
    ResetPassword,
    /// Create, list and revoke an organization's API tokens. An admin of that organization only.
    ///
    /// Not an operator: a token is the organization's own credential, acting in its spaces and
    /// documents with its name. An operator who could mint one would reach, through it, the
    /// spaces and documents that separation of duties keeps from operators.
    ManageTokens { org_id: &'a str },
    /// Read the audit trail. `None`: the whole trail, operator only. `Some(org)`: the rows of
    /// that organization's actors, operator or an admin of that organization.
    ReadAudit { org_id: Option<&'a str> },
    /// Change deployment settings. Operator only.
    ManageSettings,
    /// Convene a space; the actor's organization becomes its convener. Any user acting for an
    /// organization; a token with `spaces:write`.
    CreateSpace,
    /// See a space and its documents' list: anyone whose organization takes part, and a
    /// supervising judicial bureau.
    ReadSpace(SpaceFacts<'a>),
    /// Add, change or remove the space's participants: the convener's users.
    ManageSpaceMembers(SpaceFacts<'a>),
    /// Add a document to a space: the convener's and members' users.
    CreateSpaceDoc(SpaceFacts<'a>),
    /// List and revoke one's own sessions. Any signed-in person; never a token.
    ManageOwnSessions,
}

impl Action<'_> {
    /// The token permission this action needs; `None` when no permission covers it and tokens
    /// are refused outright.
    fn token_permission(&self) -> Option<Permission> {
        match self {
            Action::ReadDirectory => Some(Permission::OrgsRead),
            Action::CreateSpace | Action::ManageSpaceMembers(_) => Some(Permission::SpacesWrite),
            Action::ReadSpace(_) => Some(Permission::SpacesRead),
            Action::CreateSpaceDoc(_) => Some(Permission::DocsWrite),
            Action::ManageDirectory
            | Action::EditOrg { .. }
            | Action::ReadUsers { .. }
            | Action::ManageUsers { .. }
            | Action::ManageOperators
            | Action::ResetPassword
            | Action::ManageTokens { .. }
            | Action::ReadAudit { .. }
            | Action::ManageSettings
            | Action::ManageOwnSessions => None,
        }
    }
}

/// A refusal, naming the rule that refused.
///
/// The rule is a sentence for a person ("only an operator may change regions and
/// organizations"). For space actions, the HTTP layer answers 404 rather than 403 when
/// [`space_access`] is [`SpaceAccess::None`], so a refusal never reveals that a space exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Denied {
    pub rule: &'static str,
}

impl fmt::Display for Denied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.rule)
    }
}

impl std::error::Error for Denied {}

const TOKEN_NOT_COVERED: &str =
    "an API token may not do this: no token permission covers it, so a person must sign in";
const TICKET_ONLY_OPENS_DOCUMENTS: &str =
    "a websocket ticket only opens a document; anything else needs a signed-in session";
const OWN_SESSIONS_NEED_SESSION: &str = "only a signed-in person may manage their own sessions";
const READ_DIRECTORY: &str = "only a user acting for an organization may read the directory";
const MANAGE_DIRECTORY: &str = "only an operator may change regions and organizations";
const EDIT_ORG: &str =
    "only an operator or an administrator of this organization may change its details";
const READ_USERS: &str =
    "only an operator or a user of this organization may list the organization's users";
const MANAGE_USERS: &str =
    "only an operator or an administrator of this organization may manage its users";
const MANAGE_OPERATORS: &str = "only an operator may make, change or disable an operator";
const RESET_PASSWORD: &str = "only an operator may reset another person's password";
const MANAGE_TOKENS: &str =
    "only an administrator of this organization may manage its API tokens; operators may not";
const READ_WHOLE_AUDIT: &str = "only an operator may read the whole audit trail";
const READ_ORG_AUDIT: &str =
    "only an operator or an administrator of this organization may read its audit trail";
const MANAGE_SETTINGS: &str = "only an operator may change the settings";
const CREATE_SPACE: &str = "a space is convened by an organization, and you do not act for one";
const READ_SPACE: &str =
    "only organizations that take part in a space, or the judicial bureau supervising its region, may see it";
const MANAGE_SPACE_MEMBERS: &str = "only the convening organization may manage who takes part";
const CREATE_SPACE_DOC: &str =
    "only the convening and participating organizations may add documents; observers and supervisors read";

/// Decides whether `actor` may do `action`, and if not, which rule says no.
///
/// This is the one authorization point for everything but opening a document (which is
/// [`doc_access`], because it answers with a level rather than yes or no). Handlers call it
/// before acting, so no rule lives in a handler.
pub fn decide(actor: &Actor, action: &Action) -> Result<(), Denied> {
    match &actor.via {
        Credential::Session { .. } => {}
        Credential::Ticket => {
            if !matches!(action, Action::ReadSpace(_)) {
                return Err(Denied {
                    rule: TICKET_ONLY_OPENS_DOCUMENTS,
                });
            }
        }
        Credential::Token { permissions, .. } => {
            if matches!(action, Action::ManageOwnSessions) {
                return Err(Denied {
                    rule: OWN_SESSIONS_NEED_SESSION,
                });
            }
            let needed = action.token_permission().ok_or(Denied {
                rule: TOKEN_NOT_COVERED,
            })?;
            if !holds(permissions, needed) {
                return Err(Denied {
                    rule: needed.missing(),
                });
            }
        }
    }

    let operator = acts_as_operator(actor);
    let allowed = |ok: bool, rule: &'static str| if ok { Ok(()) } else { Err(Denied { rule }) };
    match *action {
        Action::ReadDirectory => allowed(operator || actor.org.is_some(), READ_DIRECTORY),
        Action::ManageDirectory => allowed(operator, MANAGE_DIRECTORY),
        Action::EditOrg { org_id } => allowed(operator || is_admin_of(actor, org_id), EDIT_ORG),
        Action::ReadUsers { org_id } => allowed(operator || belongs_to(actor, org_id), READ_USERS),
        Action::ManageUsers { org_id } => {
            allowed(operator || is_admin_of(actor, org_id), MANAGE_USERS)
        }
        Action::ManageOperators => allowed(operator, MANAGE_OPERATORS),
        Action::ResetPassword => allowed(operator, RESET_PASSWORD),
        Action::ManageTokens { org_id } => allowed(is_admin_of(actor, org_id), MANAGE_TOKENS),
        Action::ReadAudit { org_id: None } => allowed(operator, READ_WHOLE_AUDIT),
        Action::ReadAudit {
            org_id: Some(org_id),
        } => allowed(operator || is_admin_of(actor, org_id), READ_ORG_AUDIT),
        Action::ManageSettings => allowed(operator, MANAGE_SETTINGS),
        Action::CreateSpace => allowed(actor.org.is_some(), CREATE_SPACE),
        Action::ReadSpace(space) => {
            allowed(space_access(actor, &space) != SpaceAccess::None, READ_SPACE)
        }
        Action::ManageSpaceMembers(space) => allowed(
            space_access(actor, &space) == SpaceAccess::Participate(SpaceRole::Convener),
            MANAGE_SPACE_MEMBERS,
        ),
        Action::CreateSpaceDoc(space) => allowed(
            matches!(
                space_access(actor, &space),
                SpaceAccess::Participate(SpaceRole::Convener | SpaceRole::Member)
            ),
            CREATE_SPACE_DOC,
        ),
        Action::ManageOwnSessions => allowed(true, OWN_SESSIONS_NEED_SESSION),
    }
}

/// What the actor's organization is to a space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpaceAccess {
    /// No part: the space must look as if it did not exist.
    None,
    /// 监督: a judicial bureau whose region covers the space's region reads it, never writes.
    Supervise,
    /// The organization takes part with this role.
    Participate(SpaceRole),
}

/// Says what the actor's organization is to a space: a participant (by its role), the
/// supervising judicial bureau, or nothing.
///
/// Participation comes first, so a bureau that is also a member writes like a member. Being
/// an operator counts for nothing here (separation of duties). This looks at the organization
/// only, not at the credential: a token's permissions are checked by [`decide`] and
/// [`doc_access`]. The HTTP layer uses [`SpaceAccess::None`] to answer 404 instead of 403.
pub fn space_access(actor: &Actor, space: &SpaceFacts) -> SpaceAccess {
    let Some(org) = &actor.org else {
        return SpaceAccess::None;
    };
    if let Some((_, role)) = space.members.iter().find(|(id, _)| *id == org.id) {
        return SpaceAccess::Participate(*role);
    }
    if org.kind == OrgKind::JudicialBureau && org.region_path.covers(space.region_path) {
        return SpaceAccess::Supervise;
    }
    SpaceAccess::None
}

/// Says what the actor may do to a document of `space`: the level handed to
/// `collab::Session::join` and enforced on every message.
///
/// Convener and member organizations write (read only once the document is frozen: a frozen
/// text is what signatories sign, so it must not move); observers and the supervising bureau
/// read; everyone else gets nothing. A token is further limited by `docs:read` / `docs:write`;
/// a ticket counts as the session that obtained it.
pub fn doc_access(actor: &Actor, space: &SpaceFacts, frozen: bool) -> Access {
    let by_role = match space_access(actor, space) {
        SpaceAccess::Participate(SpaceRole::Convener | SpaceRole::Member) if !frozen => {
            Access::Write
        }
        SpaceAccess::Participate(_) | SpaceAccess::Supervise => Access::Read,
        SpaceAccess::None => Access::None,
    };
    match &actor.via {
        Credential::Session { .. } | Credential::Ticket => by_role,
        Credential::Token { permissions, .. } => match by_role {
            Access::Write if holds(permissions, Permission::DocsWrite) => Access::Write,
            Access::Write | Access::Read if holds(permissions, Permission::DocsRead) => {
                Access::Read
            }
            _ => Access::None,
        },
    }
}

/// Whether the list of a token's permissions includes (or implies) `needed`.
fn holds(permissions: &[Permission], needed: Permission) -> bool {
    permissions.iter().any(|p| p.grants(needed))
}

/// An operator's powers need a person: a token never carries them, whatever its creator was.
fn acts_as_operator(actor: &Actor) -> bool {
    actor.operator && !matches!(actor.via, Credential::Token { .. })
}

/// Whether the actor acts for the organization `org_id`.
fn belongs_to(actor: &Actor, org_id: &str) -> bool {
    actor.org.as_ref().is_some_and(|org| org.id == org_id)
}

/// Whether the actor is an admin of `org_id`; a token is a member at most.
fn is_admin_of(actor: &Actor, org_id: &str) -> bool {
    belongs_to(actor, org_id)
        && actor.org_role == OrgRole::Admin
        && !matches!(actor.via, Credential::Token { .. })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONVENER: &str = "org-convener";
    const MEMBER: &str = "org-member";
    const OBSERVER: &str = "org-observer";

    const PROVINCE: &str = "/330000/";
    const CITY: &str = "/330000/330100/";
    const SIBLING_CITY: &str = "/330000/330200/";
    const COUNTY: &str = "/330000/330100/330102/";

    fn session() -> Credential {
        Credential::Session {
            session_id: "s".into(),
        }
    }

    fn token(permissions: &[Permission]) -> Credential {
        Credential::Token {
            token_id: "t".into(),
            permissions: permissions.to_vec(),
        }
    }

    fn user(org_id: &str, kind: OrgKind, path: &str, role: OrgRole, via: Credential) -> Actor {
        Actor {
            user_id: format!("user-of-{org_id}"),
            org: Some(ActorOrg {
                id: org_id.into(),
                kind,
                region_path: RegionPath(path.into()),
            }),
            org_role: role,
            operator: false,
            via,
        }
    }

    fn department(org_id: &str, role: OrgRole, via: Credential) -> Actor {
        user(org_id, OrgKind::EnforcementDepartment, COUNTY, role, via)
    }

    fn bureau(org_id: &str, path: &str) -> Actor {
        user(
            org_id,
            OrgKind::JudicialBureau,
            path,
            OrgRole::Member,
            session(),
        )
    }

    fn operator() -> Actor {
        Actor {
            user_id: "operator".into(),
            org: None,
            org_role: OrgRole::Member,
            operator: true,
            via: session(),
        }
    }

    /// The cast of every table, in column order.
    fn cast() -> Vec<(&'static str, Actor)> {
        use Permission::*;
        vec![
            ("operator", operator()),
            ("city bureau", bureau("bureau-city", CITY)),
            ("sibling bureau", bureau("bureau-sibling", SIBLING_CITY)),
            ("province bureau", bureau("bureau-province", PROVINCE)),
            ("member", department(MEMBER, OrgRole::Member, session())),
            ("convener", department(CONVENER, OrgRole::Member, session())),
            ("observer", department(OBSERVER, OrgRole::Member, session())),
            (
                "outsider",
                department("org-outsider", OrgRole::Member, session()),
            ),
            (
                "member's admin",
                department(MEMBER, OrgRole::Admin, session()),
            ),
            (
                "token with all permissions",
                department(MEMBER, OrgRole::Member, token(Permission::ALL)),
            ),
            (
                "read-only token",
                department(MEMBER, OrgRole::Member, token(&[SpacesRead, DocsRead])),
            ),
            (
                "token without permissions",
                department(MEMBER, OrgRole::Member, token(&[])),
            ),
        ]
    }

    fn county_space_members() -> Vec<(String, SpaceRole)> {
        vec![
            (CONVENER.into(), SpaceRole::Convener),
            (MEMBER.into(), SpaceRole::Member),
            (OBSERVER.into(), SpaceRole::Observer),
        ]
    }

    /// Checks one row of a table: `expected` has one character per actor of [`cast`], in
    /// order, separated by spaces.
    fn assert_row<T: fmt::Debug + PartialEq>(
        row: &str,
        expected: &str,
        mut outcome: impl FnMut(&Actor) -> T,
        meaning: impl Fn(char) -> T,
    ) {
        let expected: Vec<char> = expected.split(' ').map(|c| c.parse().unwrap()).collect();
        let cast = cast();
        assert_eq!(expected.len(), cast.len(), "row {row:?} has a wrong width");
        for ((who, actor), want) in cast.iter().zip(expected) {
            assert_eq!(outcome(actor), meaning(want), "{row}, for the {who}");
        }
    }

    #[test]
    fn every_action_is_allowed_exactly_to_those_the_rules_name() {
        let region = RegionPath(COUNTY.into());
        let members = county_space_members();
        let space = SpaceFacts {
            region_path: &region,
            members: &members,
        };
        // Columns: operator, city bureau, sibling bureau, province bureau, member, convener,
        // observer, outsider, member's admin, token with all, read-only token, token without.
        #[rustfmt::skip]
        let table: &[(&str, Action, &str)] = &[
            ("read the directory",                   Action::ReadDirectory,                         "Y Y Y Y Y Y Y Y Y Y - -"),
            ("manage the directory",                 Action::ManageDirectory,                       "Y - - - - - - - - - - -"),
            ("edit the member org",                  Action::EditOrg { org_id: MEMBER },            "Y - - - - - - - Y - - -"),
            ("read the member org's users",          Action::ReadUsers { org_id: MEMBER },          "Y - - - Y - - - Y - - -"),
            ("manage the member org's users",        Action::ManageUsers { org_id: MEMBER },        "Y - - - - - - - Y - - -"),
            ("manage operators",                     Action::ManageOperators,                       "Y - - - - - - - - - - -"),
            ("reset a password",                     Action::ResetPassword,                         "Y - - - - - - - - - - -"),
            ("manage the member org's tokens",       Action::ManageTokens { org_id: MEMBER },       "- - - - - - - - Y - - -"),
            ("read the whole audit trail",           Action::ReadAudit { org_id: None },            "Y - - - - - - - - - - -"),
            ("read the member org's audit rows",     Action::ReadAudit { org_id: Some(MEMBER) },    "Y - - - - - - - Y - - -"),
            ("manage settings",                      Action::ManageSettings,                        "Y - - - - - - - - - - -"),
            ("create a space",                       Action::CreateSpace,                           "- Y Y Y Y Y Y Y Y Y - -"),
            ("read the county space",                Action::ReadSpace(space),                      "- Y - Y Y Y Y - Y Y Y -"),
            ("manage the county space's members",    Action::ManageSpaceMembers(space),             "- - - - - Y - - - - - -"),
            ("add a document to the county space",   Action::CreateSpaceDoc(space),                 "- - - - Y Y - - Y Y - -"),
            ("manage own sessions",                  Action::ManageOwnSessions,                     "Y Y Y Y Y Y Y Y Y - - -"),
        ];
        for (row, action, expected) in table {
            assert_row(
                row,
                expected,
                |actor| decide(actor, action).is_ok(),
                |c| c == 'Y',
            );
        }
    }

    #[test]
    fn document_access_follows_the_space_role_the_freeze_and_the_token() {
        let region = RegionPath(COUNTY.into());
        let members = county_space_members();
        let space = SpaceFacts {
            region_path: &region,
            members: &members,
        };
        let meaning = |c| match c {
            'W' => Access::Write,
            'R' => Access::Read,
            _ => Access::None,
        };
        // Same columns as above.
        assert_row(
            "an open document",
            "- R - R W W R - W W R -",
            |actor| doc_access(actor, &space, false),
            meaning,
        );
        assert_row(
            "a frozen document",
            "- R - R R R R - R R R -",
            |actor| doc_access(actor, &space, true),
            meaning,
        );
    }

    #[test]
    fn space_access_prefers_participation_and_gives_operators_nothing() {
        let region = RegionPath(COUNTY.into());
        let members = county_space_members();
        let space = SpaceFacts {
            region_path: &region,
            members: &members,
        };
        let meaning = |c| match c {
            'C' => SpaceAccess::Participate(SpaceRole::Convener),
            'M' => SpaceAccess::Participate(SpaceRole::Member),
            'O' => SpaceAccess::Participate(SpaceRole::Observer),
            'S' => SpaceAccess::Supervise,
            _ => SpaceAccess::None,
        };
        assert_row(
            "the county space",
            "- S - S M C O - M M M M",
            |actor| space_access(actor, &space),
            meaning,
        );
    }

    #[test]
    fn a_bureau_that_takes_part_writes_like_a_member_not_like_a_supervisor() {
        let region = RegionPath(COUNTY.into());
        let members = vec![("bureau-city".to_owned(), SpaceRole::Member)];
        let space = SpaceFacts {
            region_path: &region,
            members: &members,
        };
        let city_bureau = bureau("bureau-city", CITY);

        assert_eq!(
            space_access(&city_bureau, &space),
            SpaceAccess::Participate(SpaceRole::Member)
        );
        assert_eq!(doc_access(&city_bureau, &space, false), Access::Write);
    }

    #[test]
    fn only_a_judicial_bureau_supervises_and_never_from_below() {
        let region = RegionPath(CITY.into());
        let space = SpaceFacts {
            region_path: &region,
            members: &[],
        };
        let county_bureau = bureau("bureau-county", COUNTY);
        let city_department = user(
            "dept-city",
            OrgKind::EnforcementDepartment,
            CITY,
            OrgRole::Admin,
            session(),
        );
        let city_judicial_office = user(
            "office",
            OrgKind::JudicialOffice,
            CITY,
            OrgRole::Member,
            session(),
        );

        assert_eq!(space_access(&county_bureau, &space), SpaceAccess::None);
        assert_eq!(space_access(&city_department, &space), SpaceAccess::None);
        assert_eq!(
            space_access(&city_judicial_office, &space),
            SpaceAccess::None
        );
    }

    #[test]
    fn an_operator_sees_a_space_only_through_an_organization_that_takes_part() {
        let region = RegionPath(COUNTY.into());
        let members = county_space_members();
        let space = SpaceFacts {
            region_path: &region,
            members: &members,
        };
        let mut operator_of_observer = department(OBSERVER, OrgRole::Member, session());
        operator_of_observer.operator = true;
        let mut operator_of_bureau = bureau("bureau-city", CITY);
        operator_of_bureau.operator = true;

        assert_eq!(doc_access(&operator(), &space, false), Access::None);
        assert_eq!(
            doc_access(&operator_of_observer, &space, false),
            Access::Read
        );
        assert!(decide(&operator_of_observer, &Action::CreateSpaceDoc(space)).is_err());
        assert_eq!(
            space_access(&operator_of_bureau, &space),
            SpaceAccess::Supervise
        );
    }

    #[test]
    fn a_token_never_carries_operator_or_admin_power_whatever_its_creator_had() {
        let mut actor = department(MEMBER, OrgRole::Admin, token(Permission::ALL));
        actor.operator = true;

        for action in [
            Action::ManageDirectory,
            Action::EditOrg { org_id: MEMBER },
            Action::ManageUsers { org_id: MEMBER },
            Action::ManageTokens { org_id: MEMBER },
            Action::ReadAudit { org_id: None },
            Action::ManageSettings,
        ] {
            let denied = decide(&actor, &action).unwrap_err();
            assert_eq!(denied.rule, TOKEN_NOT_COVERED, "{action:?}");
        }
    }

    #[test]
    fn a_refused_token_is_told_which_permission_it_lacks() {
        let actor = department(MEMBER, OrgRole::Member, token(&[Permission::SpacesRead]));

        let denied = decide(&actor, &Action::CreateSpace).unwrap_err();

        assert!(denied.to_string().contains("spaces:write"), "{denied}");
    }

    #[test]
    fn a_write_permission_includes_its_read() {
        let region = RegionPath(COUNTY.into());
        let members = county_space_members();
        let space = SpaceFacts {
            region_path: &region,
            members: &members,
        };
        let writer = department(
            MEMBER,
            OrgRole::Member,
            token(&[Permission::SpacesWrite, Permission::DocsWrite]),
        );

        assert!(decide(&writer, &Action::ReadSpace(space)).is_ok());
        assert_eq!(doc_access(&writer, &space, true), Access::Read);
        assert!(!Permission::DocsRead.grants(Permission::DocsWrite));
        assert!(!Permission::SpacesWrite.grants(Permission::DocsRead));
    }

    #[test]
    fn a_ticket_opens_documents_like_its_session_and_does_nothing_else() {
        let region = RegionPath(COUNTY.into());
        let members = county_space_members();
        let space = SpaceFacts {
            region_path: &region,
            members: &members,
        };
        let by_ticket = department(MEMBER, OrgRole::Admin, Credential::Ticket);
        let supervisor_by_ticket = user(
            "bureau-city",
            OrgKind::JudicialBureau,
            CITY,
            OrgRole::Member,
            Credential::Ticket,
        );

        assert_eq!(doc_access(&by_ticket, &space, false), Access::Write);
        assert_eq!(doc_access(&by_ticket, &space, true), Access::Read);
        assert_eq!(
            doc_access(&supervisor_by_ticket, &space, false),
            Access::Read
        );
        assert!(decide(&by_ticket, &Action::ReadSpace(space)).is_ok());
        for action in [
            Action::ReadDirectory,
            Action::CreateSpaceDoc(space),
            Action::ManageUsers { org_id: MEMBER },
            Action::ManageOwnSessions,
        ] {
            let denied = decide(&by_ticket, &action).unwrap_err();
            assert_eq!(denied.rule, TICKET_ONLY_OPENS_DOCUMENTS, "{action:?}");
        }
    }

    #[test]
    fn an_operator_may_not_manage_an_organizations_tokens() {
        let denied = decide(&operator(), &Action::ManageTokens { org_id: MEMBER }).unwrap_err();

        assert_eq!(denied.rule, MANAGE_TOKENS);
    }

    #[test]
    fn an_admin_acts_only_for_their_own_organization() {
        let admin = department(MEMBER, OrgRole::Admin, session());

        for action in [
            Action::EditOrg { org_id: CONVENER },
            Action::ReadUsers { org_id: CONVENER },
            Action::ManageUsers { org_id: CONVENER },
            Action::ManageTokens { org_id: CONVENER },
            Action::ReadAudit {
                org_id: Some(CONVENER),
            },
            Action::ManageOperators,
            Action::ResetPassword,
        ] {
            assert!(decide(&admin, &action).is_err(), "{action:?}");
        }
    }

    #[test]
    fn refusals_read_as_sentences() {
        let outsider = department("org-outsider", OrgRole::Member, session());

        let denied = decide(&outsider, &Action::ManageDirectory).unwrap_err();

        assert_eq!(
            denied.to_string(),
            "only an operator may change regions and organizations"
        );
    }

    #[test]
    fn permissions_round_trip_through_their_names_and_json() {
        for permission in Permission::ALL {
            assert_eq!(permission.as_str().parse::<Permission>(), Ok(*permission));
            let json = serde_json::to_string(permission).unwrap();
            assert_eq!(json, format!("\"{}\"", permission.as_str()));
            assert_eq!(
                serde_json::from_str::<Permission>(&json).unwrap(),
                *permission
            );
        }
        let err = "docs:admin".parse::<Permission>().unwrap_err();
        assert!(err.0.contains("docs:write"), "{err}");
    }
}
