//! The identity records (regions, organizations, users, sessions, API tokens, spaces, audit
//! rows) as the rest of the server sees them. The queries are in the modules of their tables;
//! what they share is in `common.rs`.
//!
//! # What it must never do
//!
//! - Hand a row, a pool or an `sqlx::Error` to a caller: callers get the types below, whose
//!   fields are parsed domain values ([`RegionCode`], [`Name`], ...), never raw text.
//! - Print a secret: the `Debug` of every type that carries a password hash, a token hash, an
//!   OpenID nonce or a PKCE verifier shows `<redacted>` instead.

use std::fmt;

use crate::domain::org::{
    DocRole, Level, Name, OrgCode, OrgKind, OrgRole, RegionCode, RegionPath, SpaceKind,
    SpaceMember, Username,
};
use crate::domain::policy::{DocFacts, SpaceFacts};

// ---- the public types ----

/// One line of the audit trail, as a caller describes it. The database adds the seq and the
/// chain hashes ([`AuditRow`]).
///
/// Every write that changes organizations, regions, users, memberships, sessions, tokens or
/// settings takes one of these and stores it in the same transaction as the change, so the
/// trail can never miss a change that happened nor record one that did not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// When it happened, Unix milliseconds. Also used as the `created_at`/`updated_at` of the
    /// records the write touches, so the trail and the records agree to the millisecond.
    pub at: i64,
    /// `None` for the command line, which has no session.
    pub actor_user_id: Option<String>,
    pub actor_org_id: Option<String>,
    /// What happened, in `snake_case` (`org_created`, `login_failed`, ...).
    pub action: String,
    /// What it happened to, as `kind:id` (`org:…`, `region:330100`), or empty.
    pub target: String,
    /// Anything else worth keeping. Never a secret.
    pub detail: serde_json::Value,
    pub ip: Option<String>,
}

/// A stored line of the audit trail.
///
/// `hash` is [`chain_hash`](super::chain_hash) of `prev_hash` and this row's fields, and
/// `prev_hash` is the hash of the row before (64 zeros for the first), so changing or
/// removing a row breaks the chain at that row ([`Db::verify_audit_chain`](super::Db)).
/// Also what the API's audit pages show, without `prev_hash` (the CSV export has it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct AuditRow {
    /// 1, 2, 3, ... without gaps: a gap is a removed row.
    pub seq: i64,
    pub at: i64,
    pub actor_user_id: Option<String>,
    pub actor_org_id: Option<String>,
    pub action: String,
    pub target: String,
    /// The stored detail; a detail that is not JSON (a row edited by hand) comes back as a
    /// JSON string holding the stored text.
    pub detail: serde_json::Value,
    pub ip: Option<String>,
    #[serde(skip_serializing)]
    pub prev_hash: String,
    pub hash: String,
}

/// The outcome of checking the whole audit chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditCheck {
    /// Rows read.
    pub rows: u64,
    /// The seq of the first row that does not fit the chain, and why, in words for a person.
    /// `None` means every row fits.
    pub first_bad: Option<(i64, String)>,
}

/// An administrative region (行政区划): a province, city, county or township.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub code: RegionCode,
    pub name_zh: Name,
    pub name_en: Option<Name>,
    pub level: Level,
    /// `None` for a region at the top of this deployment's tree.
    pub parent: Option<RegionCode>,
    /// The codes from the top down to this one, so "this region and every region below it" is
    /// a prefix test.
    pub path: RegionPath,
}

/// A region to create. Its path follows from its parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRegion {
    pub code: RegionCode,
    pub name_zh: Name,
    pub name_en: Option<Name>,
    /// Must be strictly below the parent's level.
    pub level: Level,
    pub parent: Option<RegionCode>,
}

/// An organization (a judicial bureau, an enforcement department, a court, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    pub id: String,
    pub code: OrgCode,
    pub name_zh: Name,
    pub name_en: Option<Name>,
    pub kind: OrgKind,
    pub region: RegionCode,
    /// The level of its region: an organization is at the level of the region it serves.
    pub level: Level,
    /// Its region's path, which decides what a judicial bureau supervises.
    pub region_path: RegionPath,
    /// The organization it belongs to (a legal-affairs unit's department), if any.
    pub parent_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An organization to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrg {
    pub code: OrgCode,
    pub name_zh: Name,
    pub name_en: Option<Name>,
    pub kind: OrgKind,
    pub region: RegionCode,
    pub parent_id: Option<String>,
}

/// Changes to an organization; `None` leaves a field as it is. For the optional fields,
/// `Some(None)` clears them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgPatch {
    pub name_zh: Option<Name>,
    pub name_en: Option<Option<Name>>,
    pub kind: Option<OrgKind>,
    pub region: Option<RegionCode>,
    pub parent_id: Option<Option<String>>,
}

/// A person who signs in: a member of one organization, or an operator of the deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    /// `None` only for an operator who belongs to no organization.
    pub org_id: Option<String>,
    /// The local login name; `None` for someone who only signs in through OpenID Connect.
    pub username: Option<Username>,
    pub display_name: Name,
    pub org_role: OrgRole,
    pub operator: bool,
    pub disabled: bool,
    /// Whether a local password is set (the hash itself never leaves the database layer
    /// except through [`PasswordRecord`]).
    pub has_password: bool,
    pub oidc_issuer: Option<String>,
    pub oidc_subject: Option<String>,
    pub created_at: i64,
}

/// A user to create.
#[derive(Clone, PartialEq, Eq)]
pub struct NewUser {
    pub org_id: Option<String>,
    pub username: Option<Username>,
    pub display_name: Name,
    pub org_role: OrgRole,
    pub operator: bool,
    /// A PHC string from the password hasher, never a password.
    pub password_hash: Option<String>,
    /// Set together with `oidc_subject` or not at all.
    pub oidc_issuer: Option<String>,
    pub oidc_subject: Option<String>,
}

impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser")
            .field("org_id", &self.org_id)
            .field("username", &self.username)
            .field("display_name", &self.display_name)
            .field("org_role", &self.org_role)
            .field("operator", &self.operator)
            .field("password_hash", &redacted(&self.password_hash))
            .field("oidc_issuer", &self.oidc_issuer)
            .field("oidc_subject", &self.oidc_subject)
            .finish()
    }
}

/// Changes to a user; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserPatch {
    pub display_name: Option<Name>,
    pub org_role: Option<OrgRole>,
    pub disabled: Option<bool>,
}

/// What checking a local password needs: the hash and the lock-out state.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordRecord {
    pub user_id: String,
    pub password_hash: String,
    pub disabled: bool,
    /// Wrong passwords since the last success or lock.
    pub failed_logins: i64,
    /// Sign-in is refused until this time (Unix milliseconds), if set.
    pub locked_until: Option<i64>,
}

impl fmt::Debug for PasswordRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordRecord")
            .field("user_id", &self.user_id)
            .field("password_hash", &"<redacted>")
            .field("disabled", &self.disabled)
            .field("failed_logins", &self.failed_logins)
            .field("locked_until", &self.locked_until)
            .finish()
    }
}

/// A browser session. Only its public id and times: the secret cookie value is never stored,
/// only its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// The public id, safe to show and to name in "sign out that device".
    pub id: String,
    pub user_id: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    /// The session ends when unused until then; each use moves it forward.
    pub idle_expires_at: i64,
    /// The session ends then, however busy.
    pub absolute_expires_at: i64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// A session to create.
#[derive(Clone, PartialEq, Eq)]
pub struct NewSession {
    /// `hex(sha256(secret))`; the secret itself is never stored.
    pub token_hash: String,
    pub user_id: String,
    pub now: i64,
    pub idle_expires_at: i64,
    pub absolute_expires_at: i64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl fmt::Debug for NewSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewSession")
            .field("token_hash", &"<redacted>")
            .field("user_id", &self.user_id)
            .field("now", &self.now)
            .field("idle_expires_at", &self.idle_expires_at)
            .field("absolute_expires_at", &self.absolute_expires_at)
            .field("ip", &self.ip)
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

/// An organization's API token, for agency systems. Acts as its organization, only for the
/// actions its permissions name. Without its hash, so it is also what the API shows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[schema(as = ApiToken)]
pub struct ApiTokenRow {
    pub id: String,
    pub org_id: String,
    #[schema(value_type = String)]
    pub name: Name,
    /// Permission names (`orgs:read`, `docs:write`, ...), as stored.
    pub permissions: Vec<String>,
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub last_used_ip: Option<String>,
}

/// An API token to create.
#[derive(Clone, PartialEq, Eq)]
pub struct NewApiToken {
    pub org_id: String,
    pub name: Name,
    /// `hex(sha256(secret))`; the secret itself is never stored.
    pub token_hash: String,
    /// Each one word: they are stored space-separated.
    pub permissions: Vec<String>,
    pub created_by: String,
    pub now: i64,
    pub expires_at: i64,
}

impl fmt::Debug for NewApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewApiToken")
            .field("org_id", &self.org_id)
            .field("name", &self.name)
            .field("token_hash", &"<redacted>")
            .field("permissions", &self.permissions)
            .field("created_by", &self.created_by)
            .field("now", &self.now)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A space: a meeting, a joint investigation or a dispute, and the organizations taking part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Space {
    pub id: String,
    pub kind: SpaceKind,
    pub title: Name,
    /// The region the matter belongs to; the judicial bureaus whose region covers it
    /// supervise the space.
    pub region: RegionCode,
    pub region_path: RegionPath,
    /// Who created it: a user id, or `token:<id>` for an API token.
    pub created_by: String,
    pub created_at: i64,
    /// Conveners first, then members, then observers; by organization id within a role.
    pub members: Vec<SpaceMember>,
    /// Read by its participants only (`policy::SpaceFacts::closed`).
    pub closed: bool,
}

impl Space {
    /// What the policy needs to know of this space: its region and who takes part.
    pub fn facts(&self) -> SpaceFacts<'_> {
        SpaceFacts {
            region_path: &self.region_path,
            members: &self.members,
            closed: self.closed,
            also_supervised_by: None,
        }
    }
}

/// A space to create. The convener organization becomes its first member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSpace {
    pub kind: SpaceKind,
    pub title: Name,
    pub region: RegionCode,
    pub convener_org_id: String,
    pub created_by: String,
}

/// A collaborative document that belongs to a space. `doc_id` is the collab document id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceDoc {
    pub doc_id: String,
    pub space_id: String,
    pub title: Name,
    /// A frozen document (minutes awaiting signatures) can be read, not edited.
    pub frozen: bool,
    /// What the document is for, which decides who writes it.
    pub role: DocRole,
    /// The one body that writes a section or a statement.
    pub owner_org_id: Option<String>,
    /// Read by the observers of a closed space too (`policy::DocFacts::briefing`).
    pub briefing: bool,
    pub created_at: i64,
}

impl SpaceDoc {
    /// What the policy needs to know of this document, in `space` (its own).
    pub fn facts<'a>(&'a self, space: &'a Space) -> DocFacts<'a> {
        DocFacts {
            space: space.facts(),
            kind: space.kind,
            role: self.role,
            owner_org_id: self.owner_org_id.as_deref(),
            frozen: self.frozen,
            writers: &[],
            briefing: self.briefing,
        }
    }
}

/// A document to add to a space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSpaceDoc {
    pub title: Name,
    pub role: DocRole,
    /// Required for a section or a statement, and then one of the space's convening or
    /// member bodies; absent otherwise.
    pub owner_org_id: Option<String>,
}

/// An OpenID Connect sign-in between the redirect to the provider and its callback.
#[derive(Clone, PartialEq, Eq)]
pub struct OidcLogin {
    /// The `state` parameter: the key the callback brings back.
    pub state: String,
    pub provider: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// Where to send the browser after signing in (a path on this site).
    pub return_to: String,
    pub expires_at: i64,
}

impl fmt::Debug for OidcLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcLogin")
            .field("state", &self.state)
            .field("provider", &self.provider)
            .field("nonce", &"<redacted>")
            .field("pkce_verifier", &"<redacted>")
            .field("return_to", &self.return_to)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A whole directory to load at once (`concord admin import`): each item added if its key
/// (a region's or an organization's code, a person's user name) is new, brought in line with
/// the item if it exists and differs, left alone if it exists as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryImport {
    /// In order: a region's parent is an existing region or one earlier in this list.
    pub regions: Vec<NewRegion>,
    /// In order: a parent is an existing organization or one earlier in this list.
    pub orgs: Vec<ImportOrg>,
    pub users: Vec<ImportUser>,
    /// Where each item came from, for the refusals that name it.
    pub sources: ImportSources,
}

/// Where the items of an import came from (`regions.csv`, line 3), by kind, in the order of
/// the items. An item without one is named by its place in its list (`region 2`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSources {
    pub regions: Vec<(String, u64)>,
    pub orgs: Vec<(String, u64)>,
    pub users: Vec<(String, u64)>,
}

/// An organization in an import, whose parent is named by code (the ids do not exist yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOrg {
    /// `parent_id` is ignored: see `parent_code`.
    pub org: NewOrg,
    pub parent_code: Option<OrgCode>,
}

/// A user in an import, whose organization is named by code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportUser {
    /// `org_id` is ignored: see `org_code`.
    pub user: NewUser,
    pub org_code: OrgCode,
}

/// What an import did, or previewed would do, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub regions: KindReport,
    pub orgs: KindReport,
    pub users: KindReport,
}

impl ImportReport {
    /// Whether the import added or changed anything at all.
    pub fn changes_anything(&self) -> bool {
        [&self.regions, &self.orgs, &self.users]
            .iter()
            .any(|kind| !kind.added.is_empty() || !kind.changed.is_empty())
    }
}

/// What an import did to the items of one kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct KindReport {
    /// The keys (codes, user names) of the records added.
    pub added: Vec<String>,
    /// The records that existed and differed from the import, with what changed.
    pub changed: Vec<ItemChange>,
    /// How many records existed exactly as the import gave them.
    pub unchanged: usize,
}

/// One existing record an import changed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ItemChange {
    /// Its code or user name.
    pub key: String,
    pub fields: Vec<FieldChange>,
}

/// One field of a changed record: its value before and after (`null`: empty). Parents and
/// organizations are named by code.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct FieldChange {
    pub field: &'static str,
    pub from: Option<String>,
    pub to: Option<String>,
}

fn redacted(secret: &Option<String>) -> Option<&'static str> {
    secret.as_ref().map(|_| "<redacted>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_appear_in_debug_output() {
        let login = OidcLogin {
            state: "s".into(),
            provider: "p".into(),
            nonce: "the-nonce".into(),
            pkce_verifier: "the-verifier".into(),
            return_to: "/".into(),
            expires_at: 0,
        };
        let record = PasswordRecord {
            user_id: "u".into(),
            password_hash: "$argon2id$secret".into(),
            disabled: false,
            failed_logins: 0,
            locked_until: None,
        };

        let shown = format!("{login:?} {record:?}");

        assert!(
            !shown.contains("the-nonce") && !shown.contains("the-verifier"),
            "{shown}"
        );
        assert!(!shown.contains("argon2"), "{shown}");
    }
}
