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
//! - A **task** (任务 / 督办) is acted on only by the body that set it and the body it is
//!   assigned to ([`task_party`]); what each may do next is the task machine's business
//!   ([`super::task::transition`]). A judicial bureau whose region covers either side's reads
//!   it (监督, [`task_access`]), never acts on it.
//! - A **notification** (通报 / 函告) is seen by its sender and its recipients and, reading,
//!   by a judicial bureau whose region covers one of them ([`notice_role`]); which receipts
//!   each sees is [`sees_receipt`]. Its 签收 (acknowledgement) must be given by a named person,
//!   so never by an API token.
//! - An **API token** acts as its organization with a member's power at most, never as an admin
//!   or an operator, and only for what its [`Permission`]s list.

use std::fmt;
use std::str::FromStr;

use collab::Access;
use serde::{Deserialize, Serialize};

use super::message::{Message, Phrase};
use super::org::{
    DocRole, Invalid, OrgKind, OrgRole, RegionPath, SpaceKind, SpaceMember, SpaceRole,
};
use super::phrases;
use super::task::Party;

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
/// `spaces:write`, `docs:read`, `docs:write`, `tasks:read`, `tasks:write`, `notices:read`,
/// `notices:write`.
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
    /// See the tasks the organization set or was assigned, and their events.
    #[serde(rename = "tasks:read")]
    TasksRead,
    /// Set tasks and act on them as the organization's party (everything but a person's
    /// signature).
    #[serde(rename = "tasks:write")]
    TasksWrite,
    /// See the notifications the organization sent or received, and their events.
    #[serde(rename = "notices:read")]
    NoticesRead,
    /// Send, reply to, correct and recall notifications. Not 签收, which needs a person.
    #[serde(rename = "notices:write")]
    NoticesWrite,
}

impl Permission {
    /// Every permission, in the order a form lists them.
    pub const ALL: &'static [Permission] = &[
        Permission::OrgsRead,
        Permission::SpacesRead,
        Permission::SpacesWrite,
        Permission::DocsRead,
        Permission::DocsWrite,
        Permission::TasksRead,
        Permission::TasksWrite,
        Permission::NoticesRead,
        Permission::NoticesWrite,
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
            Permission::TasksRead => "tasks:read",
            Permission::TasksWrite => "tasks:write",
            Permission::NoticesRead => "notices:read",
            Permission::NoticesWrite => "notices:write",
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
                    | (Permission::TasksWrite, Permission::TasksRead)
                    | (Permission::NoticesWrite, Permission::NoticesRead)
            )
    }

    /// The refusal for a token that lacks this permission, naming it so the person who created
    /// the token knows what to add.
    fn missing(self) -> &'static Phrase {
        match self {
            Permission::OrgsRead => &phrases::TOKEN_LACKS_ORGS_READ,
            Permission::SpacesRead => &phrases::TOKEN_LACKS_SPACES_READ,
            Permission::SpacesWrite => &phrases::TOKEN_LACKS_SPACES_WRITE,
            Permission::DocsRead => &phrases::TOKEN_LACKS_DOCS_READ,
            Permission::DocsWrite => &phrases::TOKEN_LACKS_DOCS_WRITE,
            Permission::TasksRead => &phrases::TOKEN_LACKS_TASKS_READ,
            Permission::TasksWrite => &phrases::TOKEN_LACKS_TASKS_WRITE,
            Permission::NoticesRead => &phrases::TOKEN_LACKS_NOTICES_READ,
            Permission::NoticesWrite => &phrases::TOKEN_LACKS_NOTICES_WRITE,
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
                Invalid(
                    phrases::UNKNOWN_WORD
                        .with("value", format!("{s:?}"))
                        .with("expected", names.join(", ")),
                )
            })
    }
}

/// What policy needs to know about a space: where it is and who takes part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpaceFacts<'a> {
    /// The path of the space's region, which decides which judicial bureaus supervise it.
    pub region_path: &'a RegionPath,
    /// The participating organizations (by id) and their roles.
    pub members: &'a [SpaceMember],
    /// Read by its participants only: the bureaus whose region covers it do not supervise it
    /// (a sensitive investigation group, 敏感), and its observers read its briefing
    /// documents alone.
    pub closed: bool,
    /// Besides the judicial bureaus, the kind of body that supervises the space through its
    /// region, reading it: the procuratorates, for a suspected crime's referral (立案监督).
    pub also_supervised_by: Option<OrgKind>,
}

/// What policy needs to know about a document: its space, what the document is for, the
/// body that owns it (when one body alone writes it), and whether it is frozen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocFacts<'a> {
    pub space: SpaceFacts<'a>,
    /// What the space is (a meeting, a dispute, an investigation group).
    pub kind: SpaceKind,
    pub role: DocRole,
    /// The one body that writes a [`DocRole::Section`] or [`DocRole::Statement`]; every
    /// other participant reads it.
    pub owner_org_id: Option<&'a str>,
    /// A frozen document (text awaiting or bearing signatures) never moves.
    pub frozen: bool,
    /// The people (user ids) named to write a [`DocRole::Sheet`] (its file's 评查人): once
    /// any are named, the others of the owning body read it. Empty: the whole body writes.
    pub writers: &'a [String],
    /// Read by the observers of a closed space too (a group's summary and conclusions, for
    /// the bureau it is reported to); in a closed space they read nothing else.
    pub briefing: bool,
}

/// A body on a side of a task or a notification, with its region's path: what decides which
/// judicial bureaus supervise (read) the task or notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyRegion {
    pub org_id: String,
    pub region_path: RegionPath,
}

/// What policy needs to know about a task: the two bodies on its sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskFacts<'a> {
    /// 交办单位: the body that set the task.
    pub setter_org_id: &'a str,
    /// 承办单位: the body that must do it (after a reassignment, the new one).
    pub assignee_org_id: &'a str,
    /// Not yet dispatched: a draft is the setter's own paper, which the assignee (and every
    /// supervising bureau) does not see until it is sent.
    pub draft: bool,
    /// The regions of the two sides, for the bureaus that supervise them. A list that already
    /// narrowed to the caller's own tasks may leave it empty: it only ever adds readers.
    pub regions: &'a [BodyRegion],
}

/// What policy needs to know about a notification: who sent it and who received it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoticeFacts<'a> {
    /// The sending body.
    pub sender_org_id: &'a str,
    /// The receiving bodies of this version.
    pub recipients: &'a [String],
    /// The regions of the sender and the recipients, for the bureaus that supervise them;
    /// empty where a list already narrowed to the caller's own notices (it only adds readers).
    pub regions: &'a [BodyRegion],
}

/// What the actor's organization is to a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeRole {
    /// The sending body: sees every receipt, corrects, recalls and closes.
    Sender,
    /// A receiving body: sees its own receipt, reads, acknowledges (签收) and replies.
    Recipient,
    /// 监督: a judicial bureau whose region covers the sender's or a recipient's: reads the
    /// notification and the receipts of the bodies it supervises ([`sees_receipt`]), never
    /// acts on it, and its reading marks nothing read.
    Supervisor,
}

/// What the actor's organization is to a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskAccess {
    /// No part: the task must look as if it did not exist.
    None,
    /// 监督: a judicial bureau whose region covers the setter's or the assignee's reads the
    /// task, its history and its evidence, never acts on it.
    Supervise,
    /// One of the two sides, which acts on it as the task machine allows.
    Party(Party),
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
    /// Set a task; the actor's organization becomes its setter. Any user acting for an
    /// organization; a token with `tasks:write`.
    CreateTask,
    /// See a task, its history and attachments: the setting and the assigned body, and a
    /// judicial bureau supervising either ([`task_access`]). Everyone else is answered 404,
    /// so a refusal never reveals that a task exists.
    ReadTask(TaskFacts<'a>),
    /// Act on a task (a command, a comment, an attachment, an extension): the setting and the
    /// assigned body; which commands each may give is [`super::task::transition`]'s answer.
    ActOnTask(TaskFacts<'a>),
    /// Send a notification; the actor's organization becomes its sender. Any user acting for
    /// an organization; a token with `notices:write`.
    SendNotice,
    /// See a notification: its sender, its recipients and a judicial bureau supervising one
    /// of them ([`notice_role`]); 404 for everyone else.
    ReadNotice(NoticeFacts<'a>),
    /// 签收: acknowledge a notification for a receiving body. A signed-in person of a
    /// recipient only; never a token, because an acknowledgement names who gave it.
    AcknowledgeNotice(NoticeFacts<'a>),
    /// Reply to a notification: a recipient; a token with `notices:write`.
    ReplyNotice(NoticeFacts<'a>),
    /// Correct, recall, or close the exchange with a recipient: the sender; a token with
    /// `notices:write`.
    ManageNotice(NoticeFacts<'a>),
    /// Register, list, pause webhooks of an organization and read their delivery log. An admin
    /// of that organization only: never an operator (a webhook carries the organization's
    /// tasks and notifications out) and never a token (a token could otherwise widen its own
    /// reach).
    ManageWebhooks { org_id: &'a str },
    /// Set the mailbox an organization's events are emailed to. An admin of that organization
    /// only, for the same reason as webhooks.
    ManageMailbox { org_id: &'a str },
    /// Follow one's events (the inbox and the live stream). Any signed-in person; a token with
    /// `tasks:read` or `notices:read`, which then sees only the events of that kind
    /// ([`event_visible`]).
    ReadEvents,
    /// Load a year of the working-day calendar. Operator only: it is deployment-wide.
    ManageCalendar,
    /// Act in a workflow's space (a meeting's commands, invitations, answers, agenda,
    /// attendance; a dispute's commands and a party's own position and replies): any
    /// organization taking part in it; a token with `spaces:write`. A supervising bureau reads
    /// and never changes it. Which party may give which command is the workflow machine's
    /// answer ([`super::meeting`], [`super::dispute`]). Creating one is [`Action::CreateSpace`].
    ActInSpace(SpaceFacts<'a>),
    /// Read what a space invites a body to (a group's proposal), before the body takes part:
    /// the users of the invited body; a token of it with `spaces:read`.
    ReadInvitation { invited_org_id: &'a str },
    /// Confirm or decline an invitation: the users of the invited body; a token of it with
    /// `spaces:write`.
    AnswerInvitation { invited_org_id: &'a str },
    /// See which judicial bureaus held their annual coordination meeting: a judicial bureau
    /// (for its region and below) or an operator (for all); a token of a bureau with
    /// `spaces:read`.
    ReadAnnualStatus,
    /// Freeze a signed document of a space (a meeting's minutes, a dispute's decision), open
    /// signing, send it back for changes as its manager, archive it: the users of the
    /// space's convening organization (a meeting's convener; a dispute's bureau once it
    /// accepted); a token with `docs:write`.
    ManageSignedDoc(SpaceFacts<'a>),
    /// Make, open signing of, send back and archive a signed record that one body of a space
    /// gives alone (a referral's receipt, 移送回执, by the receiving body): the users of that
    /// body while it takes part (as convener or member); a token of it with `docs:write`.
    ManageBodyRecord {
        space: SpaceFacts<'a>,
        org_id: &'a str,
    },
    /// Sign a space's signed document for one's organization, or decline to: a signed-in
    /// person of the convening or a participating organization; never a token, because a
    /// signature names the person who gave it. Whether the organization is a signatory, and
    /// whose turn it is, is the signing lifecycle's answer (`domain::signed`).
    SignDoc(SpaceFacts<'a>),
    /// Enroll or revoke one's own signing key. A signed-in person acting for an organization;
    /// never a token.
    ManageOwnKeys,
    /// List the signing keys bound to an organization (its people's and its seal) and revoke
    /// its people's keys: someone left, a laptop was lost. An admin of that organization, or
    /// an operator; never a token.
    ///
    /// Unlike [`Action::ManageTokens`] and [`Action::ManageWebhooks`], an operator may: a
    /// revocation only takes a power away (signatures made before stay valid, the key signs
    /// nothing more) and reaches no space, document, task or notification; the list shows
    /// public halves and names only. And the one who must act is often the body's only admin,
    /// the person who left. Never a token: a token acts for no one by name, and could
    /// otherwise silence the signatures of the people of its body. Revoking the body's seal
    /// is [`Action::RevokeSeal`].
    ManageOrgKeys { org_id: &'a str },
    /// Revoke an organization's SM2 seal (电子印章); a new one is made, and its binding
    /// logged, at the body's next signature. Operator only: the seal's private half is kept
    /// by this server under the deployment's master key, so only the people who keep the
    /// server can know it is exposed (a leaked backup, a rotated master key). A body admin who
    /// revoked it would gain nothing against misuse and would break the statements in flight
    /// of every signatory of the body. Never a token.
    RevokeSeal { org_id: &'a str },
    /// Set or clear a region's time limits (时限设置). Operator, or an admin of a judicial
    /// bureau whose region is this very region; never a token.
    ///
    /// Not a bureau of a region above: settings inherit down the tree, so a city bureau
    /// already shapes its counties by setting its own region's limits, and a county bureau's
    /// own exception is its to make (an operator settles a region without a bureau). Reading
    /// them is [`Action::ReadDirectory`]: everyone signed in must know their deadlines.
    ManageRegionLimits { region_path: &'a RegionPath },
    /// See the dispute statistics (争议统计) of a region and the regions below it: a judicial
    /// bureau of that region or of one above it, or an operator (any region); a token of such
    /// a bureau with `spaces:read`. A bureau asking for a sibling's or a higher region is
    /// refused (403, naming this rule), not answered 404: regions are public (the directory
    /// lists them), and the statistics reveal no single dispute.
    ReadDisputeStats { region_path: &'a RegionPath },
    /// See a region's referral statistics (移送统计): an operator, or a judicial bureau or a
    /// procuratorate whose region covers it; a token of one with `spaces:read`. Refused (403),
    /// as the dispute statistics are.
    ReadReferralStats { region_path: &'a RegionPath },
    /// See the supervision desk (监督台) of a region and the regions below it: what is overdue,
    /// unacknowledged or escalated there, by body, naming each task, notification, referral
    /// and dispute. A signed-in person of a judicial bureau whose region covers it only: not an
    /// operator (the desk names single pieces of work, which separation of duties keeps from
    /// operators, unlike the statistics' counts) and not a token (it is a person's page). A
    /// bureau asking for a region it does not cover is refused (403), as for the statistics:
    /// regions are public.
    ReadSupervisionDesk { region_path: &'a RegionPath },
    /// Draft a supervision document (监督文书) to a body of `body_region`: a user of a judicial
    /// bureau whose region covers the body's (the bureau that supervises it); a token of it
    /// with `spaces:write`. Refused (403): who supervises whom is public.
    IssueSupervision { body_region: &'a RegionPath },
    /// Read the scoring sheets (评查表) a case-file review may be planned with (the shipped
    /// default, to adjust before planning): a user of a body that may organise a review (a
    /// judicial bureau, or an enforcement department for its own field,
    /// [`super::review::Organiser`]); a token of one with `spaces:read`. Refused (403): the
    /// sheet is no secret, but no one else plans with it.
    ReadReviewSheets,
    /// Name the people (评查人) of the reviewing body `org_id` who score one of its drawn files:
    /// an admin of that body, in person. The admin is the one who already answers for the
    /// body's people (it manages its users, [`Action::ManageUsers`]), while the scoring task's
    /// 签收 is given by any member and records the body, not a person, so it names no one fit
    /// to choose. A token acts as a member at most: refused. Refused (403).
    NameReviewers { org_id: &'a str },
}

impl Action<'_> {
    /// The token permission this action needs; `None` when no permission covers it and tokens
    /// are refused outright.
    fn token_permission(&self) -> Option<Permission> {
        match self {
            Action::ReadDirectory => Some(Permission::OrgsRead),
            Action::CreateSpace
            | Action::ManageSpaceMembers(_)
            | Action::IssueSupervision { .. } => Some(Permission::SpacesWrite),
            Action::ReadSpace(_)
            | Action::ReadAnnualStatus
            | Action::ReadDisputeStats { .. }
            | Action::ReadReferralStats { .. }
            | Action::ReadReviewSheets => Some(Permission::SpacesRead),
            // A person's page: no token permission covers it.
            Action::ReadSupervisionDesk { .. } => None,
            Action::ActInSpace(_) | Action::AnswerInvitation { .. } => {
                Some(Permission::SpacesWrite)
            }
            Action::ReadInvitation { .. } => Some(Permission::SpacesRead),
            Action::CreateSpaceDoc(_)
            | Action::ManageSignedDoc(_)
            | Action::ManageBodyRecord { .. } => Some(Permission::DocsWrite),
            Action::CreateTask | Action::ActOnTask(_) => Some(Permission::TasksWrite),
            Action::ReadTask(_) => Some(Permission::TasksRead),
            Action::SendNotice | Action::ReplyNotice(_) | Action::ManageNotice(_) => {
                Some(Permission::NoticesWrite)
            }
            Action::ReadNotice(_) => Some(Permission::NoticesRead),
            // Either of two permissions will do; `decide` checks it before asking here.
            Action::ReadEvents => None,
            Action::AcknowledgeNotice(_)
            | Action::SignDoc(_)
            | Action::ManageOwnKeys
            | Action::ManageOrgKeys { .. }
            | Action::RevokeSeal { .. }
            | Action::ManageWebhooks { .. }
            | Action::NameReviewers { .. }
            | Action::ManageMailbox { .. }
            | Action::ManageCalendar
            | Action::ManageRegionLimits { .. }
            | Action::ManageDirectory
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
    pub rule: &'static Phrase,
}

impl Denied {
    /// What the refusal says, in the reader's language when rendered.
    pub fn message(self) -> Message {
        self.rule.message()
    }
}

/// The rule in English, as in logs.
impl fmt::Display for Denied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.rule.en)
    }
}

impl std::error::Error for Denied {}

const TOKEN_NOT_COVERED: &Phrase = &phrases::TOKEN_NOT_COVERED;
const TICKET_ONLY_OPENS_DOCUMENTS: &Phrase = &phrases::TICKET_ONLY_OPENS_DOCUMENTS;
const OWN_SESSIONS_NEED_SESSION: &Phrase = &phrases::OWN_SESSIONS_NEED_SESSION;
const READ_DIRECTORY: &Phrase = &phrases::READ_DIRECTORY;
const MANAGE_DIRECTORY: &Phrase = &phrases::MANAGE_DIRECTORY;
const EDIT_ORG: &Phrase = &phrases::EDIT_ORG;
const READ_USERS: &Phrase = &phrases::READ_USERS;
const MANAGE_USERS: &Phrase = &phrases::MANAGE_USERS;
const MANAGE_OPERATORS: &Phrase = &phrases::MANAGE_OPERATORS;
const RESET_PASSWORD: &Phrase = &phrases::RESET_PASSWORD;
const MANAGE_TOKENS: &Phrase = &phrases::MANAGE_TOKENS;
const READ_WHOLE_AUDIT: &Phrase = &phrases::READ_WHOLE_AUDIT;
const READ_ORG_AUDIT: &Phrase = &phrases::READ_ORG_AUDIT;
const MANAGE_SETTINGS: &Phrase = &phrases::MANAGE_SETTINGS;
const CREATE_SPACE: &Phrase = &phrases::CREATE_SPACE;
const READ_SPACE: &Phrase = &phrases::READ_SPACE;
const MANAGE_SPACE_MEMBERS: &Phrase = &phrases::MANAGE_SPACE_MEMBERS;
const CREATE_SPACE_DOC: &Phrase = &phrases::CREATE_SPACE_DOC;
const CREATE_TASK: &Phrase = &phrases::CREATE_TASK;
const READ_TASK: &Phrase = &phrases::READ_TASK;
const ACT_ON_TASK: &Phrase = &phrases::ACT_ON_TASK;
const SEND_NOTICE: &Phrase = &phrases::SEND_NOTICE;
const READ_NOTICE: &Phrase = &phrases::READ_NOTICE;
const ACKNOWLEDGE_NEEDS_PERSON: &Phrase = &phrases::ACKNOWLEDGE_NEEDS_PERSON;
const ACKNOWLEDGE_NOTICE: &Phrase = &phrases::ACKNOWLEDGE_NOTICE;
const REPLY_NOTICE: &Phrase = &phrases::REPLY_NOTICE;
const MANAGE_NOTICE: &Phrase = &phrases::MANAGE_NOTICE;
const MANAGE_WEBHOOKS: &Phrase = &phrases::MANAGE_WEBHOOKS;
const MANAGE_MAILBOX: &Phrase = &phrases::MANAGE_MAILBOX;
const READ_EVENTS_TOKEN: &Phrase = &phrases::READ_EVENTS_TOKEN;
const MANAGE_CALENDAR: &Phrase = &phrases::MANAGE_CALENDAR;
const ACT_IN_SPACE: &Phrase = &phrases::ACT_IN_SPACE;
const READ_ANNUAL_STATUS: &Phrase = &phrases::READ_ANNUAL_STATUS;
const MANAGE_MINUTES: &Phrase = &phrases::MANAGE_MINUTES;
const MANAGE_BODY_RECORD: &Phrase = &phrases::MANAGE_BODY_RECORD;
const SIGNING_NEEDS_PERSON: &Phrase = &phrases::SIGNING_NEEDS_PERSON;
const SIGN_MINUTES: &Phrase = &phrases::SIGN_MINUTES;
const MANAGE_OWN_KEYS: &Phrase = &phrases::MANAGE_OWN_KEYS;
const MANAGE_ORG_KEYS: &Phrase = &phrases::MANAGE_ORG_KEYS;
const REVOKE_SEAL: &Phrase = &phrases::REVOKE_SEAL;

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
            match action {
                Action::ManageOwnSessions => {
                    return Err(Denied {
                        rule: OWN_SESSIONS_NEED_SESSION,
                    })
                }
                Action::AcknowledgeNotice(_) => {
                    return Err(Denied {
                        rule: ACKNOWLEDGE_NEEDS_PERSON,
                    })
                }
                Action::SignDoc(_) | Action::ManageOwnKeys => {
                    return Err(Denied {
                        rule: SIGNING_NEEDS_PERSON,
                    })
                }
                Action::ReadEvents => {
                    if holds(permissions, Permission::TasksRead)
                        || holds(permissions, Permission::NoticesRead)
                    {
                        return Ok(());
                    }
                    return Err(Denied {
                        rule: READ_EVENTS_TOKEN,
                    });
                }
                _ => {}
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
    let allowed = |ok: bool, rule: &'static Phrase| if ok { Ok(()) } else { Err(Denied { rule }) };
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
        Action::CreateTask => allowed(actor.org.is_some(), CREATE_TASK),
        Action::ReadTask(task) => allowed(task_access(actor, &task) != TaskAccess::None, READ_TASK),
        Action::ActOnTask(task) => allowed(task_party(actor, &task).is_some(), ACT_ON_TASK),
        Action::SendNotice => allowed(actor.org.is_some(), SEND_NOTICE),
        Action::ReadNotice(notice) => allowed(notice_role(actor, &notice).is_some(), READ_NOTICE),
        Action::AcknowledgeNotice(notice) => allowed(
            notice_role(actor, &notice) == Some(NoticeRole::Recipient),
            ACKNOWLEDGE_NOTICE,
        ),
        Action::ReplyNotice(notice) => allowed(
            notice_role(actor, &notice) == Some(NoticeRole::Recipient),
            REPLY_NOTICE,
        ),
        Action::ManageNotice(notice) => allowed(
            notice_role(actor, &notice) == Some(NoticeRole::Sender),
            MANAGE_NOTICE,
        ),
        Action::ManageWebhooks { org_id } => allowed(is_admin_of(actor, org_id), MANAGE_WEBHOOKS),
        Action::ManageMailbox { org_id } => allowed(is_admin_of(actor, org_id), MANAGE_MAILBOX),
        // A token's permissions were checked above; a person follows their own events.
        Action::ReadEvents => Ok(()),
        Action::ManageCalendar => allowed(operator, MANAGE_CALENDAR),
        Action::ActInSpace(space) => allowed(
            matches!(space_access(actor, &space), SpaceAccess::Participate(_)),
            ACT_IN_SPACE,
        ),
        Action::ReadInvitation { invited_org_id } => {
            allowed(belongs_to(actor, invited_org_id), READ_SPACE)
        }
        Action::AnswerInvitation { invited_org_id } => {
            allowed(belongs_to(actor, invited_org_id), ACT_IN_SPACE)
        }
        Action::ReadAnnualStatus => allowed(
            operator
                || actor
                    .org
                    .as_ref()
                    .is_some_and(|org| org.kind == OrgKind::JudicialBureau),
            READ_ANNUAL_STATUS,
        ),
        Action::ManageSignedDoc(space) => allowed(
            space_access(actor, &space) == SpaceAccess::Participate(SpaceRole::Convener),
            MANAGE_MINUTES,
        ),
        Action::ManageBodyRecord { space, org_id } => allowed(
            matches!(
                space_access(actor, &space),
                SpaceAccess::Participate(SpaceRole::Convener | SpaceRole::Member)
            ) && belongs_to(actor, org_id),
            MANAGE_BODY_RECORD,
        ),
        Action::SignDoc(space) => allowed(
            matches!(
                space_access(actor, &space),
                SpaceAccess::Participate(SpaceRole::Convener | SpaceRole::Member)
            ),
            SIGN_MINUTES,
        ),
        Action::ManageOwnKeys => allowed(actor.org.is_some(), MANAGE_OWN_KEYS),
        Action::ManageOrgKeys { org_id } => {
            allowed(operator || is_admin_of(actor, org_id), MANAGE_ORG_KEYS)
        }
        Action::RevokeSeal { .. } => allowed(operator, REVOKE_SEAL),
        Action::ManageRegionLimits { region_path } => allowed(
            operator || is_bureau_admin_of(actor, region_path),
            &super::limits::MANAGE_REGION_LIMITS,
        ),
        Action::ReadDisputeStats { region_path } => allowed(
            operator
                || actor.org.as_ref().is_some_and(|org| {
                    org.kind == OrgKind::JudicialBureau && org.region_path.covers(region_path)
                }),
            &super::dispute_stats::READ_DISPUTE_STATS,
        ),
        Action::ReadReferralStats { region_path } => allowed(
            operator
                || actor.org.as_ref().is_some_and(|org| {
                    matches!(org.kind, OrgKind::JudicialBureau | OrgKind::Procuratorate)
                        && org.region_path.covers(region_path)
                }),
            &super::referral_stats::READ_REFERRAL_STATS,
        ),
        Action::ReadSupervisionDesk { region_path } => allowed(
            supervises(actor, region_path),
            &super::supervision::READ_SUPERVISION_DESK,
        ),
        Action::IssueSupervision { body_region } => allowed(
            supervises(actor, body_region),
            &super::supervision_doc::ISSUE_SUPERVISION,
        ),
        Action::ReadReviewSheets => allowed(
            actor
                .org
                .as_ref()
                .is_some_and(|org| super::review::Organiser::of(org.kind).is_some()),
            &super::review::READ_SHEETS,
        ),
        Action::NameReviewers { org_id } => {
            allowed(is_admin_of(actor, org_id), &super::review::NAME_BY_ADMIN)
        }
    }
}

/// Whether the actor acts for a judicial bureau whose region covers `region_path` (its own
/// region or one below it): the bureau that supervises (监督) what happens there.
fn supervises(actor: &Actor, region_path: &RegionPath) -> bool {
    actor.org.as_ref().is_some_and(|org| {
        org.kind == OrgKind::JudicialBureau && org.region_path.covers(region_path)
    })
}

/// Whether the actor supervises any of `regions`' bodies.
fn supervises_any(actor: &Actor, regions: &[BodyRegion]) -> bool {
    regions
        .iter()
        .any(|body| supervises(actor, &body.region_path))
}

/// Whether the actor is an admin (in person, not by a token) of a judicial bureau of exactly
/// the region at `region_path`.
fn is_bureau_admin_of(actor: &Actor, region_path: &RegionPath) -> bool {
    actor.org.as_ref().is_some_and(|org| {
        org.kind == OrgKind::JudicialBureau
            && org.region_path == *region_path
            && actor.org_role == OrgRole::Admin
            && !matches!(actor.via, Credential::Token { .. })
    })
}

/// Which side of a task the actor's organization is on, if any.
///
/// The setter is checked first; creation refuses a task whose setter is its assignee, so the
/// order only matters for data that breaks that rule. Like [`space_access`] this looks at the
/// organization only (an operator counts for nothing, a token acts as its organization);
/// `None` means the task must look as if it did not exist.
pub fn task_party(actor: &Actor, task: &TaskFacts) -> Option<Party> {
    let org = actor.org.as_ref()?;
    if org.id == task.setter_org_id {
        Some(Party::Setter)
    } else if org.id == task.assignee_org_id && !task.draft {
        Some(Party::Assignee)
    } else {
        None
    }
}

/// What the actor's organization is to a task: a side first ([`task_party`]), then the
/// supervising bureau of either side's region (not of a draft, which is the setter's own
/// paper), else nothing.
pub fn task_access(actor: &Actor, task: &TaskFacts) -> TaskAccess {
    if let Some(party) = task_party(actor, task) {
        TaskAccess::Party(party)
    } else if !task.draft && supervises_any(actor, task.regions) {
        TaskAccess::Supervise
    } else {
        TaskAccess::None
    }
}

/// What the actor's organization is to a notification, if anything: the sender first, then a
/// recipient, then the supervising bureau of the sender's or a recipient's region (of a sent
/// version: one with recipients). `None` means the notification must look as if it did not
/// exist.
pub fn notice_role(actor: &Actor, notice: &NoticeFacts) -> Option<NoticeRole> {
    let org = actor.org.as_ref()?;
    if org.id == notice.sender_org_id {
        Some(NoticeRole::Sender)
    } else if notice.recipients.contains(&org.id) {
        Some(NoticeRole::Recipient)
    } else if !notice.recipients.is_empty() && supervises_any(actor, notice.regions) {
        Some(NoticeRole::Supervisor)
    } else {
        None
    }
}

/// Whether the actor sees the receipt of the body `org_id` (签收: who acknowledged when, or
/// that it has not): the sender every receipt, a recipient its own, a supervising bureau
/// every receipt when it supervises the sender (as the sender sees them), else those of the
/// recipients it supervises, never a sibling region's.
pub fn sees_receipt(actor: &Actor, notice: &NoticeFacts, org_id: &str) -> bool {
    let region_of = |id: &str| {
        notice
            .regions
            .iter()
            .find(|body| body.org_id == id)
            .map(|body| &body.region_path)
    };
    match notice_role(actor, notice) {
        Some(NoticeRole::Sender) => true,
        Some(NoticeRole::Recipient) => belongs_to(actor, org_id),
        Some(NoticeRole::Supervisor) => [notice.sender_org_id, org_id]
            .into_iter()
            .filter_map(region_of)
            .any(|path| supervises(actor, path)),
        None => false,
    }
}

/// Whether an event of `kind` (`task.dispatched`, `notice.received`, …) already addressed to
/// the actor may be shown to them.
///
/// A person sees every event addressed to them or their organization. A token sees `task.*`
/// only with `tasks:read` and `notice.*` only with `notices:read`, and no other kind: a
/// permission granted for one kind of work never leaks another. A websocket ticket sees none.
pub fn event_visible(actor: &Actor, kind: &str) -> bool {
    match &actor.via {
        Credential::Session { .. } => true,
        Credential::Ticket => false,
        Credential::Token { permissions, .. } => {
            if kind.starts_with("task.") {
                holds(permissions, Permission::TasksRead)
            } else if kind.starts_with("notice.") {
                holds(permissions, Permission::NoticesRead)
            } else {
                false
            }
        }
    }
}

/// Whose spaces a caller may find in a list: those its organization takes part in, and for a
/// judicial bureau also every space of its region and the regions below (监督), never a
/// sibling region's. The database narrows a list by it; the policy still decides each item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer<'a> {
    pub org_id: &'a str,
    /// The region a judicial bureau supervises; `None` for any other body.
    pub supervised: Option<&'a RegionPath>,
}

/// The [`Viewer`] an actor is; `None` for someone who acts for no organization (an operator
/// sees no space through that role).
pub fn viewer(actor: &Actor) -> Option<Viewer<'_>> {
    let org = actor.org.as_ref()?;
    Some(Viewer {
        org_id: &org.id,
        supervised: (org.kind == OrgKind::JudicialBureau).then_some(&org.region_path),
    })
}

/// What the actor's organization is to a space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpaceAccess {
    /// No part: the space must look as if it did not exist.
    None,
    /// 监督: a judicial bureau (or the space's other supervisor, [`SpaceFacts::also_supervised_by`])
    /// whose region covers the space's region reads it, never writes.
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
    if let Some(member) = space.members.iter().find(|m| m.org_id == org.id) {
        return SpaceAccess::Participate(member.role);
    }
    let supervisor =
        org.kind == OrgKind::JudicialBureau || Some(org.kind) == space.also_supervised_by;
    if !space.closed && supervisor && org.region_path.covers(space.region_path) {
        return SpaceAccess::Supervise;
    }
    SpaceAccess::None
}

/// Says what the actor may do to a document: the level handed to `collab::Session::join`
/// and enforced on every message.
///
/// Convener and member organizations write a shared document or minutes (read only once the
/// document is frozen: a frozen text is what signatories sign, so it must not move); a
/// section or a party's statement is written by the body that owns it alone, a decision by
/// the convening body alone; observers, the other participants and the supervising bureau
/// read (in a closed space, an observer reads the briefing documents alone); everyone else
/// gets nothing. A token is further limited by `docs:read` /
/// `docs:write`; a ticket counts as the session that obtained it.
///
/// A record (a referral's receipt) is opened by no one: it has no live text, only its signed
/// versions, which its workflow's routes serve to whoever reads the workflow's subject.
pub fn doc_access(actor: &Actor, doc: &DocFacts) -> Access {
    if doc.role == DocRole::Record {
        return Access::None;
    }
    let writer = match space_access(actor, &doc.space) {
        SpaceAccess::Participate(role @ (SpaceRole::Convener | SpaceRole::Member)) => {
            match doc.role {
                DocRole::Shared | DocRole::Minutes => true,
                DocRole::Decision => role == SpaceRole::Convener,
                // Opened by no one (above); and never written.
                DocRole::Record => false,
                DocRole::Section | DocRole::Statement | DocRole::Sheet => doc
                    .owner_org_id
                    .is_some_and(|owner| belongs_to(actor, owner)),
            }
        }
        _ => false,
    };
    let by_role = match space_access(actor, &doc.space) {
        // A scoring sheet: its reviewing body writes it, the organiser reads it, nobody else
        // opens it (the reviewed body and the bureaus above read the submitted result).
        SpaceAccess::Participate(_)
            if doc.role == DocRole::Sheet
                && doc
                    .owner_org_id
                    .is_some_and(|owner| belongs_to(actor, owner)) =>
        {
            let named = doc.writers.is_empty() || doc.writers.contains(&actor.user_id);
            if doc.frozen || !named {
                Access::Read
            } else {
                Access::Write
            }
        }
        SpaceAccess::Participate(SpaceRole::Convener) if doc.role == DocRole::Sheet => Access::Read,
        _ if doc.role == DocRole::Sheet => Access::None,
        SpaceAccess::Participate(_) if writer && !doc.frozen => Access::Write,
        SpaceAccess::Participate(SpaceRole::Observer) if doc.space.closed && !doc.briefing => {
            Access::None
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

    /// A shared document of `space`, open or frozen.
    fn shared(space: SpaceFacts<'_>, frozen: bool) -> DocFacts<'_> {
        DocFacts {
            space,
            kind: SpaceKind::Meeting,
            role: DocRole::Shared,
            owner_org_id: None,
            frozen,
            writers: &[],
            briefing: false,
        }
    }

    fn county_space_members() -> Vec<SpaceMember> {
        vec![
            SpaceMember::new(CONVENER, SpaceRole::Convener),
            SpaceMember::new(MEMBER, SpaceRole::Member),
            SpaceMember::new(OBSERVER, SpaceRole::Observer),
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
            closed: false,
            also_supervised_by: None,
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
            ("read the review sheets",               Action::ReadReviewSheets,                      "- Y Y Y Y Y Y Y Y Y Y -"),
            ("name the member org's reviewers",      Action::NameReviewers { org_id: MEMBER },      "- - - - - - - - Y - - -"),
            ("read the county space",                Action::ReadSpace(space),                      "- Y - Y Y Y Y - Y Y Y -"),
            ("manage the county space's members",    Action::ManageSpaceMembers(space),             "- - - - - Y - - - - - -"),
            ("add a document to the county space",   Action::CreateSpaceDoc(space),                 "- - - - Y Y - - Y Y - -"),
            ("manage own sessions",                  Action::ManageOwnSessions,                     "Y Y Y Y Y Y Y Y Y - - -"),
            ("manage the member org's keys",         Action::ManageOrgKeys { org_id: MEMBER },      "Y - - - - - - - Y - - -"),
            ("revoke the member org's seal",         Action::RevokeSeal { org_id: MEMBER },         "Y - - - - - - - - - - -"),
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
    fn meetings_are_acted_in_by_participants_and_the_annual_status_read_by_bureaus() {
        let region = RegionPath(COUNTY.into());
        let members = county_space_members();
        let space = SpaceFacts {
            region_path: &region,
            members: &members,
            closed: false,
            also_supervised_by: None,
        };
        // Same columns as above.
        assert_row(
            "act in the county meeting",
            "- - - - Y Y Y - Y Y - -",
            |actor| decide(actor, &Action::ActInSpace(space)).is_ok(),
            |c| c == 'Y',
        );
        assert_row(
            "read the annual meeting status",
            "Y Y Y Y - - - - - - - -",
            |actor| decide(actor, &Action::ReadAnnualStatus).is_ok(),
            |c| c == 'Y',
        );
    }

    #[test]
    fn document_access_follows_the_space_role_the_freeze_and_the_token() {
        let region = RegionPath(COUNTY.into());
        let members = county_space_members();
        let space = SpaceFacts {
            region_path: &region,
            members: &members,
            closed: false,
            also_supervised_by: None,
        };
        let meaning = |c| match c {
            'W' => Access::Write,
            'R' => Access::Read,
            _ => Access::None,
        };
        // Same columns as above.
        let doc = |role, owner_org_id, frozen| DocFacts {
            space,
            kind: SpaceKind::Meeting,
            role,
            owner_org_id,
            frozen,
            writers: &[],
            briefing: false,
        };
        assert_row(
            "an open document",
            "- R - R W W R - W W R -",
            |actor| doc_access(actor, &doc(DocRole::Shared, None, false)),
            meaning,
        );
        assert_row(
            "a frozen document",
            "- R - R R R R - R R R -",
            |actor| doc_access(actor, &doc(DocRole::Minutes, None, true)),
            meaning,
        );
        assert_row(
            "open minutes",
            "- R - R W W R - W W R -",
            |actor| doc_access(actor, &doc(DocRole::Minutes, None, false)),
            meaning,
        );
        assert_row(
            "a section the member body keeps",
            "- R - R W R R - W W R -",
            |actor| doc_access(actor, &doc(DocRole::Section, Some(MEMBER), false)),
            meaning,
        );
        assert_row(
            "the convener's own statement",
            "- R - R R W R - R R R -",
            |actor| doc_access(actor, &doc(DocRole::Statement, Some(CONVENER), false)),
            meaning,
        );
        assert_row(
            "a section without an owner",
            "- R - R R R R - R R R -",
            |actor| doc_access(actor, &doc(DocRole::Section, None, false)),
            meaning,
        );
        assert_row(
            "the convener's decision",
            "- R - R R W R - R R R -",
            |actor| doc_access(actor, &doc(DocRole::Decision, None, false)),
            meaning,
        );
        assert_row(
            "a scoring sheet its (observing) reviewing body writes",
            "- - - - - R W - - - - -",
            |actor| doc_access(actor, &doc(DocRole::Sheet, Some(OBSERVER), false)),
            meaning,
        );
        assert_row(
            "a scoring sheet the member body writes",
            "- - - - W R - - W W R -",
            |actor| doc_access(actor, &doc(DocRole::Sheet, Some(MEMBER), false)),
            meaning,
        );
        // Once people are named (评查人), the others of the body read: every actor of a body
        // here is one person, `user-of-<org>`.
        let others = ["someone-else".to_owned()];
        let named = ["user-of-org-member".to_owned()];
        assert_row(
            "a scoring sheet of the member body with other people named",
            "- - - - R R - - R R R -",
            |actor| {
                let sheet = doc(DocRole::Sheet, Some(MEMBER), false);
                doc_access(
                    actor,
                    &DocFacts {
                        writers: &others,
                        ..sheet
                    },
                )
            },
            meaning,
        );
        assert_row(
            "a scoring sheet of the member body with its person named",
            "- - - - W R - - W W R -",
            |actor| {
                let sheet = doc(DocRole::Sheet, Some(MEMBER), false);
                doc_access(
                    actor,
                    &DocFacts {
                        writers: &named,
                        ..sheet
                    },
                )
            },
            meaning,
        );
        assert_row(
            "a submitted (frozen) scoring sheet",
            "- - - - - R R - - - - -",
            |actor| doc_access(actor, &doc(DocRole::Sheet, Some(OBSERVER), true)),
            meaning,
        );
        assert_row(
            "a frozen section of its owner",
            "- R - R R R R - R R R -",
            |actor| doc_access(actor, &doc(DocRole::Section, Some(MEMBER), true)),
            meaning,
        );
    }

    #[test]
    fn only_bodies_that_organise_reviews_read_the_review_sheets() {
        // A bureau and an enforcement department organise reviews; no other kind of body does.
        for kind in OrgKind::ALL {
            let actor = user("org-1", *kind, COUNTY, OrgRole::Member, session());
            let reads = decide(&actor, &Action::ReadReviewSheets).is_ok();
            let organises = matches!(
                kind,
                OrgKind::JudicialBureau | OrgKind::EnforcementDepartment
            );
            assert_eq!(reads, organises, "{kind:?}");
        }
    }

    #[test]
    fn space_access_prefers_participation_and_gives_operators_nothing() {
        let region = RegionPath(COUNTY.into());
        let members = county_space_members();
        let space = SpaceFacts {
            region_path: &region,
            members: &members,
            closed: false,
            also_supervised_by: None,
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
        let members = vec![SpaceMember::new("bureau-city", SpaceRole::Member)];
        let space = SpaceFacts {
            region_path: &region,
            members: &members,
            closed: false,
            also_supervised_by: None,
        };
        let city_bureau = bureau("bureau-city", CITY);

        assert_eq!(
            space_access(&city_bureau, &space),
            SpaceAccess::Participate(SpaceRole::Member)
        );
        assert_eq!(
            doc_access(&city_bureau, &shared(space, false)),
            Access::Write
        );
    }

    #[test]
    fn only_a_judicial_bureau_supervises_and_never_from_below() {
        let region = RegionPath(CITY.into());
        let space = SpaceFacts {
            region_path: &region,
            members: &[],
            closed: false,
            also_supervised_by: None,
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
            closed: false,
            also_supervised_by: None,
        };
        let mut operator_of_observer = department(OBSERVER, OrgRole::Member, session());
        operator_of_observer.operator = true;
        let mut operator_of_bureau = bureau("bureau-city", CITY);
        operator_of_bureau.operator = true;

        assert_eq!(doc_access(&operator(), &shared(space, false)), Access::None);
        assert_eq!(
            doc_access(&operator_of_observer, &shared(space, false)),
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
            Action::ManageWebhooks { org_id: MEMBER },
            Action::ManageMailbox { org_id: MEMBER },
            Action::ManageCalendar,
            Action::ManageOrgKeys { org_id: MEMBER },
            Action::RevokeSeal { org_id: MEMBER },
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
            closed: false,
            also_supervised_by: None,
        };
        let writer = department(
            MEMBER,
            OrgRole::Member,
            token(&[Permission::SpacesWrite, Permission::DocsWrite]),
        );

        assert!(decide(&writer, &Action::ReadSpace(space)).is_ok());
        assert_eq!(doc_access(&writer, &shared(space, true)), Access::Read);
        assert!(!Permission::DocsRead.grants(Permission::DocsWrite));
        assert!(!Permission::SpacesWrite.grants(Permission::DocsRead));
    }

    #[test]
    fn a_closed_space_is_read_by_its_participants_alone_and_its_observers_read_its_briefing() {
        let region = RegionPath(COUNTY.into());
        let members = county_space_members();
        let space = SpaceFacts {
            region_path: &region,
            members: &members,
            closed: true,
            also_supervised_by: None,
        };
        let meaning = |c| match c {
            'W' => Access::Write,
            'R' => Access::Read,
            _ => Access::None,
        };
        // Same columns as above: the bureaus above no longer supervise it.
        assert_row(
            "read the closed space",
            "- - - - Y Y Y - Y Y Y -",
            |actor| decide(actor, &Action::ReadSpace(space)).is_ok(),
            |c| c == 'Y',
        );
        let section = |owner, briefing| DocFacts {
            space,
            kind: SpaceKind::Investigation,
            role: DocRole::Section,
            owner_org_id: Some(owner),
            frozen: false,
            writers: &[],
            briefing,
        };
        assert_row(
            "the convener's briefing section",
            "- - - - R W R - R R R -",
            |actor| doc_access(actor, &section(CONVENER, true)),
            meaning,
        );
        assert_row(
            "a member's section, not for briefing",
            "- - - - W R - - W W R -",
            |actor| doc_access(actor, &section(MEMBER, false)),
            meaning,
        );
    }

    #[test]
    fn a_ticket_opens_documents_like_its_session_and_does_nothing_else() {
        let region = RegionPath(COUNTY.into());
        let members = county_space_members();
        let space = SpaceFacts {
            region_path: &region,
            members: &members,
            closed: false,
            also_supervised_by: None,
        };
        let by_ticket = department(MEMBER, OrgRole::Admin, Credential::Ticket);
        let supervisor_by_ticket = user(
            "bureau-city",
            OrgKind::JudicialBureau,
            CITY,
            OrgRole::Member,
            Credential::Ticket,
        );

        assert_eq!(doc_access(&by_ticket, &shared(space, false)), Access::Write);
        assert_eq!(doc_access(&by_ticket, &shared(space, true)), Access::Read);
        assert_eq!(
            doc_access(&supervisor_by_ticket, &shared(space, false)),
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
        assert!(err.to_string().contains("docs:write"), "{err}");
    }

    /// The bodies of the county with their region, as the facts of a task or notice name
    /// them (leaked: a test's facts live as long as the test).
    fn county_bodies() -> &'static [BodyRegion] {
        let bodies: Vec<BodyRegion> = [CONVENER, MEMBER, OBSERVER]
            .into_iter()
            .map(|org_id| BodyRegion {
                org_id: org_id.into(),
                region_path: RegionPath(COUNTY.into()),
            })
            .collect();
        Box::leak(bodies.into_boxed_slice())
    }

    fn task_between_convener_and_member() -> TaskFacts<'static> {
        TaskFacts {
            setter_org_id: CONVENER,
            assignee_org_id: MEMBER,
            draft: false,
            regions: county_bodies(),
        }
    }

    fn notice_recipients() -> Vec<String> {
        vec![MEMBER.to_owned(), OBSERVER.to_owned()]
    }

    #[test]
    fn tasks_and_notices_are_open_exactly_to_the_bodies_involved() {
        let task = task_between_convener_and_member();
        let recipients = notice_recipients();
        let notice = NoticeFacts {
            sender_org_id: CONVENER,
            recipients: &recipients,
            regions: county_bodies(),
        };
        // Columns as in the first table: operator, city bureau, sibling bureau, province
        // bureau, member, convener, observer, outsider, member's admin, token with all,
        // read-only token, token without. The convener set the task and sent the notice;
        // the member is assigned the task; the member and the observer received the notice.
        // Every token acts for the member. The bureaus of the city and the province above the
        // county read both (监督) and act on neither; the sibling city's sees neither.
        #[rustfmt::skip]
        let table: &[(&str, Action, &str)] = &[
            ("create a task",                     Action::CreateTask,                         "- Y Y Y Y Y Y Y Y Y - -"),
            ("read the task",                     Action::ReadTask(task),                     "- Y - Y Y Y - - Y Y - -"),
            ("act on the task",                   Action::ActOnTask(task),                    "- - - - Y Y - - Y Y - -"),
            ("send a notice",                     Action::SendNotice,                         "- Y Y Y Y Y Y Y Y Y - -"),
            ("read the notice",                   Action::ReadNotice(notice),                 "- Y - Y Y Y Y - Y Y - -"),
            ("acknowledge the notice",            Action::AcknowledgeNotice(notice),          "- - - - Y - Y - Y - - -"),
            ("reply to the notice",               Action::ReplyNotice(notice),                "- - - - Y - Y - Y Y - -"),
            ("correct, recall or close it",       Action::ManageNotice(notice),               "- - - - - Y - - - - - -"),
            ("manage the member org's webhooks",  Action::ManageWebhooks { org_id: MEMBER },  "- - - - - - - - Y - - -"),
            ("set the member org's mailbox",      Action::ManageMailbox { org_id: MEMBER },   "- - - - - - - - Y - - -"),
            ("follow events",                     Action::ReadEvents,                         "Y Y Y Y Y Y Y Y Y Y - -"),
            ("load the calendar",                 Action::ManageCalendar,                     "Y - - - - - - - - - - -"),
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
    fn only_an_operator_or_the_region_s_own_bureau_admin_sets_its_time_limits() {
        let city = RegionPath(CITY.into());
        let action = Action::ManageRegionLimits { region_path: &city };
        let admin = |path: &str, via: Credential| {
            user("bureau", OrgKind::JudicialBureau, path, OrgRole::Admin, via)
        };
        let cases = [
            ("operator", operator(), true),
            ("the city bureau's admin", admin(CITY, session()), true),
            (
                "a member of the city bureau",
                bureau("bureau-city", CITY),
                false,
            ),
            (
                "the sibling city bureau's admin",
                admin(SIBLING_CITY, session()),
                false,
            ),
            (
                "the province bureau's admin",
                admin(PROVINCE, session()),
                false,
            ),
            ("a county bureau's admin", admin(COUNTY, session()), false),
            (
                "an admin of a city department",
                user(
                    "dept",
                    OrgKind::EnforcementDepartment,
                    CITY,
                    OrgRole::Admin,
                    session(),
                ),
                false,
            ),
            (
                "a token of the city bureau",
                admin(CITY, token(Permission::ALL)),
                false,
            ),
        ];
        for (who, actor, expected) in cases {
            assert_eq!(decide(&actor, &action).is_ok(), expected, "{who}");
        }
    }

    #[test]
    fn a_procuratorate_supervises_the_spaces_that_name_it_and_no_others() {
        let members = county_space_members();
        let county = RegionPath(COUNTY.into());
        let facts = |also, closed| SpaceFacts {
            region_path: &county,
            members: &members,
            closed,
            also_supervised_by: also,
        };
        let procuratorate = |path| {
            user(
                "p",
                OrgKind::Procuratorate,
                path,
                OrgRole::Member,
                session(),
            )
        };
        let crime = facts(Some(OrgKind::Procuratorate), false);
        assert_eq!(
            space_access(&procuratorate(CITY), &crime),
            SpaceAccess::Supervise
        );
        assert_eq!(
            space_access(&procuratorate(SIBLING_CITY), &crime),
            SpaceAccess::None
        );
        // The judicial bureaus still supervise it; a space that does not name procuratorates,
        // or a closed one, is not theirs.
        assert_eq!(
            space_access(&bureau("b", CITY), &crime),
            SpaceAccess::Supervise
        );
        assert_eq!(
            space_access(&procuratorate(CITY), &facts(None, false)),
            SpaceAccess::None
        );
        assert_eq!(
            space_access(
                &procuratorate(CITY),
                &facts(Some(OrgKind::Procuratorate), true)
            ),
            SpaceAccess::None
        );
        assert!(decide(&procuratorate(CITY), &Action::ReadSpace(crime)).is_ok());
        assert!(decide(&procuratorate(CITY), &Action::ActInSpace(crime)).is_err());
    }

    #[test]
    fn a_bureau_or_a_procuratorate_reads_the_referral_statistics_of_its_region_and_below() {
        let city = RegionPath(CITY.into());
        let action = Action::ReadReferralStats { region_path: &city };
        let procuratorate = |path| {
            user(
                "p",
                OrgKind::Procuratorate,
                path,
                OrgRole::Member,
                session(),
            )
        };
        let cases = [
            ("operator", operator(), true),
            ("the city bureau", bureau("b", CITY), true),
            ("the city procuratorate", procuratorate(CITY), true),
            ("the province procuratorate", procuratorate(PROVINCE), true),
            ("a county procuratorate below", procuratorate(COUNTY), false),
            (
                "the sibling procuratorate",
                procuratorate(SIBLING_CITY),
                false,
            ),
            (
                "a city department",
                user(
                    "d",
                    OrgKind::EnforcementDepartment,
                    CITY,
                    OrgRole::Admin,
                    session(),
                ),
                false,
            ),
        ];
        for (who, actor, expected) in cases {
            assert_eq!(decide(&actor, &action).is_ok(), expected, "{who}");
        }
    }

    #[test]
    fn a_bureau_reads_the_dispute_statistics_of_its_region_and_below_and_an_operator_any() {
        let city = RegionPath(CITY.into());
        let action = Action::ReadDisputeStats { region_path: &city };
        let cases = [
            ("operator", operator(), true),
            ("a member of the city bureau", bureau("b", CITY), true),
            (
                "a member of the province bureau",
                bureau("b", PROVINCE),
                true,
            ),
            ("a county bureau below", bureau("b", COUNTY), false),
            ("the sibling city bureau", bureau("b", SIBLING_CITY), false),
            (
                "a city department",
                user(
                    "d",
                    OrgKind::EnforcementDepartment,
                    CITY,
                    OrgRole::Admin,
                    session(),
                ),
                false,
            ),
            (
                "a token of the city bureau with spaces:read",
                user(
                    "b",
                    OrgKind::JudicialBureau,
                    CITY,
                    OrgRole::Member,
                    token(&[Permission::SpacesRead]),
                ),
                true,
            ),
            (
                "a token of the city bureau without it",
                user(
                    "b",
                    OrgKind::JudicialBureau,
                    CITY,
                    OrgRole::Member,
                    token(&[Permission::OrgsRead]),
                ),
                false,
            ),
        ];
        for (who, actor, expected) in cases {
            assert_eq!(decide(&actor, &action).is_ok(), expected, "{who}");
        }
    }

    #[test]
    fn the_party_to_a_task_is_the_setter_first_then_the_assignee() {
        let task = task_between_convener_and_member();
        let meaning = |c| match c {
            'S' => Some(Party::Setter),
            'A' => Some(Party::Assignee),
            _ => None,
        };
        assert_row(
            "the task",
            "- - - - A S - - A A A A",
            |actor| task_party(actor, &task),
            meaning,
        );
        let own = TaskFacts {
            setter_org_id: MEMBER,
            assignee_org_id: MEMBER,
            draft: false,
            regions: &[],
        };
        let member = department(MEMBER, OrgRole::Member, session());
        assert_eq!(task_party(&member, &own), Some(Party::Setter));
    }

    #[test]
    fn a_draft_task_is_the_setters_alone_until_it_is_dispatched() {
        let draft = TaskFacts {
            draft: true,
            ..task_between_convener_and_member()
        };
        assert_row(
            "the draft",
            "- - - - - S - - - - - -",
            |actor| task_party(actor, &draft),
            |c| (c == 'S').then_some(Party::Setter),
        );
        assert_row(
            "the draft, supervised",
            "- - - - - S - - - - - -",
            |actor| task_access(actor, &draft),
            |c| match c {
                'S' => TaskAccess::Party(Party::Setter),
                _ => TaskAccess::None,
            },
        );
    }

    #[test]
    fn a_bureau_above_either_side_of_a_task_supervises_it_and_a_side_comes_first() {
        let task = task_between_convener_and_member();
        let meaning = |c| match c {
            'S' => TaskAccess::Party(Party::Setter),
            'A' => TaskAccess::Party(Party::Assignee),
            'V' => TaskAccess::Supervise,
            _ => TaskAccess::None,
        };
        assert_row(
            "the task",
            "- V - V A S - - A A A A",
            |actor| task_access(actor, &task),
            meaning,
        );
        // Only the assignee lies in the county: the county's bureau supervises the task all
        // the same; a bureau of neither side's region does not.
        let split = [
            BodyRegion {
                org_id: CONVENER.into(),
                region_path: RegionPath(SIBLING_CITY.into()),
            },
            BodyRegion {
                org_id: MEMBER.into(),
                region_path: RegionPath(COUNTY.into()),
            },
        ];
        let task = TaskFacts {
            regions: &split,
            ..task
        };
        let county = bureau("bureau-county", COUNTY);
        let other_county = bureau("bureau-other", "/330000/330100/330105/");
        assert_eq!(task_access(&county, &task), TaskAccess::Supervise);
        assert_eq!(task_access(&other_county, &task), TaskAccess::None);
        // Supervising reads and never acts: 403 naming the rule, not a party's refusal.
        assert!(decide(&county, &Action::ReadTask(task)).is_ok());
        assert_eq!(
            decide(&county, &Action::ActOnTask(task)).unwrap_err().rule,
            ACT_ON_TASK
        );
        assert_eq!(
            decide(&other_county, &Action::ReadTask(task))
                .unwrap_err()
                .rule,
            READ_TASK
        );
    }

    #[test]
    fn a_supervising_bureau_reads_a_notice_and_the_receipts_of_the_bodies_it_supervises() {
        let recipients = vec![MEMBER.to_owned(), OBSERVER.to_owned()];
        // Sent from the sibling city to the county's member and to a body of the sibling
        // city (the observer, there for this test).
        let bodies = [
            (CONVENER, SIBLING_CITY),
            (MEMBER, COUNTY),
            (OBSERVER, SIBLING_CITY),
        ]
        .map(|(org_id, path)| BodyRegion {
            org_id: org_id.into(),
            region_path: RegionPath(path.into()),
        });
        let notice = NoticeFacts {
            sender_org_id: CONVENER,
            recipients: &recipients,
            regions: &bodies,
        };
        let city = bureau("bureau-city", CITY);
        let sibling = bureau("bureau-sibling", SIBLING_CITY);
        let stranger = bureau("bureau-far", "/440000/");

        assert_eq!(notice_role(&city, &notice), Some(NoticeRole::Supervisor));
        assert!(decide(&city, &Action::ReadNotice(notice)).is_ok());
        for action in [
            Action::AcknowledgeNotice(notice),
            Action::ReplyNotice(notice),
            Action::ManageNotice(notice),
        ] {
            assert!(decide(&city, &action).is_err(), "{action:?}");
        }
        // The city's bureau sees its member's receipt only; the sibling city's, which
        // supervises the sender, sees every receipt, as the sender does.
        assert!(sees_receipt(&city, &notice, MEMBER));
        assert!(!sees_receipt(&city, &notice, OBSERVER));
        assert!(sees_receipt(&sibling, &notice, MEMBER));
        assert!(sees_receipt(&sibling, &notice, OBSERVER));
        assert_eq!(notice_role(&stranger, &notice), None);
        assert!(!sees_receipt(&stranger, &notice, MEMBER));
        // A recipient its own receipt, the sender all.
        let member = department(MEMBER, OrgRole::Member, session());
        assert!(sees_receipt(&member, &notice, MEMBER));
        assert!(!sees_receipt(&member, &notice, OBSERVER));
        let sender = department(CONVENER, OrgRole::Member, session());
        assert!(sees_receipt(&sender, &notice, OBSERVER));
        // A version with no receipts (never sent) is the sender's alone.
        let unsent = NoticeFacts {
            recipients: &[],
            ..notice
        };
        assert_eq!(notice_role(&sibling, &unsent), None);
    }

    #[test]
    fn only_a_person_of_a_bureau_covering_the_region_sees_its_supervision_desk() {
        let county = RegionPath(COUNTY.into());
        let action = Action::ReadSupervisionDesk {
            region_path: &county,
        };
        assert_row(
            "the county's desk",
            "- Y - Y - - - - - - - -",
            |actor| decide(actor, &action).is_ok(),
            |c| c == 'Y',
        );
        let city_token = user(
            "bureau-city",
            OrgKind::JudicialBureau,
            CITY,
            OrgRole::Admin,
            token(Permission::ALL),
        );
        assert_eq!(
            decide(&city_token, &action).unwrap_err().rule,
            TOKEN_NOT_COVERED
        );
        assert_eq!(
            decide(&operator(), &action).unwrap_err().rule,
            &super::super::supervision::READ_SUPERVISION_DESK
        );
    }

    #[test]
    fn the_role_in_a_notice_is_the_sender_first_then_a_recipient_then_a_supervising_bureau() {
        let recipients = notice_recipients();
        let notice = NoticeFacts {
            sender_org_id: CONVENER,
            recipients: &recipients,
            regions: county_bodies(),
        };
        let meaning = |c| match c {
            'S' => Some(NoticeRole::Sender),
            'R' => Some(NoticeRole::Recipient),
            'V' => Some(NoticeRole::Supervisor),
            _ => None,
        };
        assert_row(
            "the notice",
            "- V - V R S R - R R R R",
            |actor| notice_role(actor, &notice),
            meaning,
        );
    }

    #[test]
    fn acknowledging_a_notice_needs_a_named_person_never_a_token() {
        let recipients = notice_recipients();
        let notice = NoticeFacts {
            sender_org_id: CONVENER,
            recipients: &recipients,
            regions: county_bodies(),
        };
        let token_of_recipient = department(MEMBER, OrgRole::Admin, token(Permission::ALL));

        let denied = decide(&token_of_recipient, &Action::AcknowledgeNotice(notice)).unwrap_err();

        assert_eq!(denied.rule, ACKNOWLEDGE_NEEDS_PERSON);
        assert!(denied.rule.en.contains("签收"), "{denied}");
        assert!(decide(&token_of_recipient, &Action::ReplyNotice(notice)).is_ok());
    }

    #[test]
    fn webhooks_are_managed_by_the_organizations_admin_never_an_operator_or_a_token() {
        let admin = department(MEMBER, OrgRole::Admin, session());
        let mut operator_in_member = department(MEMBER, OrgRole::Member, session());
        operator_in_member.operator = true;
        let admin_token = department(MEMBER, OrgRole::Admin, token(Permission::ALL));
        let other_admin = department(CONVENER, OrgRole::Admin, session());
        let action = Action::ManageWebhooks { org_id: MEMBER };

        assert!(decide(&admin, &action).is_ok());
        assert_eq!(
            decide(&operator(), &action).unwrap_err().rule,
            MANAGE_WEBHOOKS
        );
        assert_eq!(
            decide(&operator_in_member, &action).unwrap_err().rule,
            MANAGE_WEBHOOKS
        );
        assert_eq!(
            decide(&other_admin, &action).unwrap_err().rule,
            MANAGE_WEBHOOKS
        );
        assert_eq!(
            decide(&admin_token, &action).unwrap_err().rule,
            TOKEN_NOT_COVERED
        );
    }

    #[test]
    fn task_and_notice_tokens_need_their_permissions_and_write_includes_read() {
        let task = task_between_convener_and_member();
        let recipients = notice_recipients();
        let notice = NoticeFacts {
            sender_org_id: CONVENER,
            recipients: &recipients,
            regions: county_bodies(),
        };
        let reader = department(
            MEMBER,
            OrgRole::Member,
            token(&[Permission::TasksRead, Permission::NoticesRead]),
        );
        let writer = department(
            MEMBER,
            OrgRole::Member,
            token(&[Permission::TasksWrite, Permission::NoticesWrite]),
        );

        assert!(decide(&reader, &Action::ReadTask(task)).is_ok());
        assert!(decide(&reader, &Action::ReadNotice(notice)).is_ok());
        assert!(decide(&writer, &Action::ReadTask(task)).is_ok());
        assert!(decide(&writer, &Action::ReadNotice(notice)).is_ok());
        assert!(decide(&writer, &Action::ActOnTask(task)).is_ok());
        let denied = decide(&reader, &Action::ActOnTask(task)).unwrap_err();
        assert!(denied.rule.en.contains("tasks:write"), "{denied}");
        let denied = decide(&reader, &Action::SendNotice).unwrap_err();
        assert!(denied.rule.en.contains("notices:write"), "{denied}");
        assert!(!Permission::TasksRead.grants(Permission::TasksWrite));
        assert!(!Permission::TasksWrite.grants(Permission::NoticesRead));
    }

    #[test]
    fn a_token_follows_events_with_either_read_permission_and_sees_only_their_kind() {
        let tasks_only = department(MEMBER, OrgRole::Member, token(&[Permission::TasksWrite]));
        let notices_only = department(MEMBER, OrgRole::Member, token(&[Permission::NoticesRead]));
        let docs_only = department(MEMBER, OrgRole::Member, token(&[Permission::DocsRead]));
        let person = department(MEMBER, OrgRole::Member, session());

        assert!(decide(&tasks_only, &Action::ReadEvents).is_ok());
        assert!(decide(&notices_only, &Action::ReadEvents).is_ok());
        assert_eq!(
            decide(&docs_only, &Action::ReadEvents).unwrap_err().rule,
            READ_EVENTS_TOKEN
        );

        assert!(event_visible(&tasks_only, "task.dispatched"));
        assert!(!event_visible(&tasks_only, "notice.received"));
        assert!(event_visible(&notices_only, "notice.received"));
        assert!(!event_visible(&notices_only, "task.overdue"));
        assert!(!event_visible(&tasks_only, "meeting.scheduled"));
        assert!(event_visible(&person, "task.escalated"));
        assert!(event_visible(&person, "notice.escalated"));
        assert!(!event_visible(
            &department(MEMBER, OrgRole::Member, Credential::Ticket),
            "task.dispatched"
        ));
    }
}
