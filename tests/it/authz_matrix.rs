//! The authorization matrix: every route, asked by every kind of caller, against a table of
//! the answers the policy promises (`.identity-spec.md`, "domain::policy").
//!
//! The table is data: one row per route (and per interesting target), one column per caller.
//! Every cell is run, every disagreement is collected, and the test fails once with the whole
//! matrix printed, so one run shows every failure at once.
//!
//! One server and one seeded world serve the whole matrix. Cells must not disturb each other,
//! so each cell brings its own credentials (a fresh session, minted straight into the database,
//! for callers who sign in) and its own throwaway objects (a token to revoke, a session of
//! someone else, a code never used before); the few shared objects a cell changes are put back
//! as they were, so the rows could run in any order.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU32, Ordering};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use server::auth::session::{new_secret, secret_hash};
use server::db::{
    now_unix_ms, AuditEvent, Db, Effects, LeafKind, NewApiToken, NewLeaf, NewSession, NewSigningKey,
};
use server::domain::org::{Name, SpaceRole};
use server::signing::keys::{PersonSigner, SealKey};
use tokio_tungstenite::tungstenite;

use crate::support::api::{message, open_db, Api, World, PASSWORD};
use crate::support::server::TestServer;

/// The callers, in the order of the table's columns.
const ROLES: [Role; 14] = [
    Role::Operator,
    Role::CountyBureau,
    Role::CityBureau,
    Role::SiblingBureau,
    Role::Convener,
    Role::Participant,
    Role::Observer,
    Role::Outsider,
    Role::Procuratorate,
    Role::SiblingProcuratorate,
    Role::Discipline,
    Role::OrgAdmin,
    Role::ReadToken,
    Role::Anonymous,
];

/// Who asks. The space of the matrix is convened by `market` (region 上城 330102), with
/// `township` as a member and `police` as an observer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// An operator, who belongs to no organization.
    Operator,
    /// 上城区司法局: the judicial bureau of the space's own region.
    CountyBureau,
    /// 杭州市司法局: the judicial bureau of the city above it.
    CityBureau,
    /// 拱墅区司法局: the judicial bureau of a sibling county.
    SiblingBureau,
    /// A member of `market`, the convening organization.
    Convener,
    /// A member of `township`, which takes part with the role member.
    Participant,
    /// A member of `police`, which takes part as an observer.
    Observer,
    /// A member of `court`, which has no part in the space.
    Outsider,
    /// 上城区人民检察院: the procuratorate of the space's own region, copied on the matrix's
    /// suspected-crime referral; it supervises such referrals of its region (立案监督).
    Procuratorate,
    /// 拱墅区人民检察院: the procuratorate of a sibling county.
    SiblingProcuratorate,
    /// 上城区纪委监委: discipline inspection of the space's region, which receives clues.
    Discipline,
    /// `market-admin`, an administrator of the convening organization.
    OrgAdmin,
    /// An API token of `market` with only `spaces:read`.
    ReadToken,
    /// No credentials at all.
    Anonymous,
}

impl Role {
    /// The column heading in the report.
    fn column(self) -> &'static str {
        match self {
            Role::Operator => "op",
            Role::CountyBureau => "cb",
            Role::CityBureau => "ct",
            Role::SiblingBureau => "sb",
            Role::Convener => "conv",
            Role::Participant => "part",
            Role::Observer => "obs",
            Role::Outsider => "out",
            Role::Procuratorate => "proc",
            Role::SiblingProcuratorate => "sproc",
            Role::Discipline => "disc",
            Role::OrgAdmin => "adm",
            Role::ReadToken => "tok",
            Role::Anonymous => "anon",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::CountyBureau => "county-bureau",
            Role::CityBureau => "city-bureau",
            Role::SiblingBureau => "sibling-bureau",
            Role::Convener => "convener",
            Role::Participant => "participant",
            Role::Observer => "observer",
            Role::Outsider => "outsider",
            Role::Procuratorate => "procuratorate",
            Role::SiblingProcuratorate => "sibling-procuratorate",
            Role::Discipline => "discipline",
            Role::OrgAdmin => "org-admin",
            Role::ReadToken => "token",
            Role::Anonymous => "anonymous",
        }
    }

    /// The user name of the person behind a session; `None` for a token and for nobody.
    fn username(self) -> Option<&'static str> {
        match self {
            Role::Operator => Some("operator"),
            Role::CountyBureau => Some("county-bureau"),
            Role::CityBureau => Some("city-bureau"),
            Role::SiblingBureau => Some("sibling-bureau"),
            Role::Convener => Some("market"),
            Role::Participant => Some("township"),
            Role::Observer => Some("police"),
            Role::Outsider => Some("court"),
            Role::Procuratorate => Some("procuratorate"),
            Role::SiblingProcuratorate => Some("sibling-procuratorate"),
            Role::Discipline => Some("discipline"),
            Role::OrgAdmin => Some("market-admin"),
            Role::ReadToken | Role::Anonymous => None,
        }
    }
}

/// What a cell reads from the answer, so the table can say more than a status where the
/// status alone would hide a leak.
#[derive(Debug, Clone, Copy)]
enum Read {
    /// The status code: `200`.
    Status,
    /// For the list of spaces: `200+` when the matrix's space is listed, `200-` when not.
    ListsSpace,
    /// For a ticket: the access granted (`write`, `read`), or the status when refused.
    TicketAccess,
    /// For the list of referrals: `200+` when the given referral is listed, `200-` when not.
    ListsReferral(Listed),
    /// For the list of spaces: `200+` when the given referral's space is listed, `200-` when not.
    ListsReferralSpace(Listed),
}

/// Which of the matrix's referrals a list is asked about.
#[derive(Debug, Clone, Copy)]
enum Listed {
    Sent,
    Draft,
    Clue,
}

enum Probe {
    /// A REST call. `{placeholders}` in the path and the body are filled in per cell.
    Rest {
        method: Method,
        path: &'static str,
        body: Option<Value>,
        read: Read,
    },
    /// `GET /ws/docs/{doc}` as a websocket upgrade, with the caller's session cookie and this
    /// server's Origin (a token sends its `Authorization` header instead): `101` when
    /// accepted, otherwise the refusal's status.
    Websocket,
    /// A raw body (an item's file) sent as `application/pdf` with `method` to `path`
    /// (placeholders filled in as for [`Probe::Rest`]): the status.
    Bytes {
        method: Method,
        path: &'static str,
        bytes: &'static [u8],
    },
}

/// State a cell needs in place before it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Before {
    Nothing,
    /// `ningbo-bureau` takes part in the space (as an observer), so that removing it can work.
    NingboTakesPart,
}

/// What a cell changes that later cells rely on, and must be put back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum After {
    Nothing,
    /// The caller's password was changed: set it back to [`PASSWORD`].
    RestorePassword,
}

struct Row {
    what: &'static str,
    probe: Probe,
    before: Before,
    after: After,
    /// One expectation per column of [`ROLES`], separated by spaces.
    expected: &'static str,
}

impl Row {
    fn before(self, before: Before) -> Row {
        Row { before, ..self }
    }

    fn after(self, after: After) -> Row {
        Row { after, ..self }
    }
}

fn rest(method: Method, path: &'static str, body: Option<Value>) -> Probe {
    Probe::Rest {
        method,
        path,
        body,
        read: Read::Status,
    }
}

fn get(path: &'static str) -> Probe {
    rest(Method::GET, path, None)
}

fn row(what: &'static str, expected: &'static str, probe: Probe) -> Row {
    Row {
        what,
        probe,
        before: Before::Nothing,
        after: After::Nothing,
        expected,
    }
}

/// The matrix. Placeholders: `{space}` and `{doc}` (the space and its document), `{market}`,
/// `{court}`, `{ningbo}` (organization ids), `{market_user}` and `{operator_user}` (user
/// ids), `{own_session}` (the id of the session the cell's caller uses), `{victim_session}` (a
/// fresh session of someone else, the `ningbo-bureau` user), `{market_token}` and
/// `{court_token}` (fresh tokens of those organizations), `{market_key}` and `{court_key}`
/// (fresh signing keys of `market` and `court`), `{market_seal}` (market's seal in force,
/// bound if it has none), `{n}` (a number no other cell uses); for referrals `{police}` and
/// `{procuratorate}` (organization ids), `{referral}`, `{draft_referral}` and `{clue}` with
/// `{referral_item}`, `{draft_item}` and `{clue_item}` (see [`Referrals`]), and
/// `{referral_revision}`, `{draft_revision}`, `{clue_revision}` (their revisions as the cell
/// runs; quoted in a JSON body, they become numbers); `{task}` and `{notice}` (of `market`
/// to `township`), `{fresh_notice}` (a new one, sent as the cell runs).
///
/// A space the caller may not see answers 404, never 403, so its existence is not revealed.
#[rustfmt::skip]
fn table() -> Vec<Row> {
    let post = |path, body| rest(Method::POST, path, Some(body));
    let patch = |path, body| rest(Method::PATCH, path, Some(body));
    let put = |path, body| rest(Method::PUT, path, Some(body));
    let delete = |path| rest(Method::DELETE, path, None);
    vec![
        // Columns:                                         op    cb    ct    sb    conv  part  obs   out   proc  sproc disc  adm   tok   anon
        // ---- operations: open to anyone, whoever asks ----
        row("GET /healthz",                                "200   200   200   200   200   200   200   200   200   200   200   200   200   200", get("/healthz")),
        row("GET /readyz",                                 "200   200   200   200   200   200   200   200   200   200   200   200   200   200", get("/readyz")),
        row("GET /metrics",                                "200   200   200   200   200   200   200   200   200   200   200   200   200   200", get("/metrics")),
        // ---- OpenID Connect pages (no provider is configured here; identity plays no part) ----
        row("GET /auth/oidc/{provider}/login",             "404   404   404   404   404   404   404   404   404   404   404   404   404   404", get("/auth/oidc/zj/login")),
        row("GET /auth/oidc/{provider}/callback",          "400   400   400   400   400   400   400   400   400   400   400   400   400   400", get("/auth/oidc/zj/callback?code=c&state=s")),
        // ---- signing in, one's own sessions, settings ----
        row("GET /api/auth/providers",                     "200   200   200   200   200   200   200   200   200   200   200   200   200   200", get("/api/auth/providers")),
        // Each caller signs in as itself (a token and nobody as `market` and `court`).
        row("POST /api/auth/login",                        "200   200   200   200   200   200   200   200   200   200   200   200   200   200", post("/api/auth/login", json!({ "username": "{login}", "password": PASSWORD }))),
        // A token cannot sign out: 400 "revoke it instead".
        row("POST /api/auth/logout",                       "200   200   200   200   200   200   200   200   200   200   200   200   400   401", post("/api/auth/logout", json!({}))),
        row("GET /api/auth/me",                            "200   200   200   200   200   200   200   200   200   200   200   200   200   401", get("/api/auth/me")),
        // A token is no person and has no password: 400 "only a signed-in person".
        row("POST /api/auth/password",                     "204   204   204   204   204   204   204   204   204   204   204   204   400   401", post("/api/auth/password", json!({ "current": PASSWORD, "new": "a new password for the matrix" }))).after(After::RestorePassword),
        row("GET /api/auth/sessions",                      "200   200   200   200   200   200   200   200   200   200   200   200   403   401", get("/api/auth/sessions")),
        row("DELETE /api/auth/sessions/{own}",             "204   204   204   204   204   204   204   204   204   204   204   204   403   401", delete("/api/auth/sessions/{own_session}")),
        // Someone else's session: "you have no live session with this id", for everyone.
        row("DELETE /api/auth/sessions/{other's}",         "404   404   404   404   404   404   404   404   404   404   404   404   403   401", delete("/api/auth/sessions/{victim_session}")),
        row("PUT /api/settings/local-login",               "200   403   403   403   403   403   403   403   403   403   403   403   403   401", put("/api/settings/local-login", json!({ "enabled": true }))),
        // ---- the directory: read by all who act for an organization, changed by operators ----
        row("GET /api/regions",                            "200   200   200   200   200   200   200   200   200   200   200   200   403   401", get("/api/regions")),
        row("POST /api/regions",                           "201   403   403   403   403   403   403   403   403   403   403   403   403   401", post("/api/regions", json!({ "code": "330102{n}", "name_zh": "矩阵街道{n}", "level": "township", "parent": "330102" }))),
        row("PATCH /api/regions/{code}",                   "200   403   403   403   403   403   403   403   403   403   403   403   403   401", patch("/api/regions/330102001", json!({ "name_zh": "湖滨街道" }))),
        // Time limits: everyone signed in reads them; the matrix's bureaus are members, not
        // admins, so only the operator sets them here (tests/it/limits.rs has the region's
        // own bureau admin and a sibling's).
        row("GET /api/regions/{code}/limits",              "200   200   200   200   200   200   200   200   200   200   200   200   403   401", get("/api/regions/330102/limits")),
        row("PUT /api/regions/{code}/limits/{kind}",       "200   403   403   403   403   403   403   403   403   403   403   403   403   401", put("/api/regions/330105/limits/notice_remind", json!({ "unit": "working_days", "amount": 2 }))),
        row("DELETE /api/regions/{code}/limits/{kind}",    "200   403   403   403   403   403   403   403   403   403   403   403   403   401", delete("/api/regions/330105/limits/notice_remind")),
        row("GET /api/orgs",                               "200   200   200   200   200   200   200   200   200   200   200   200   403   401", get("/api/orgs")),
        row("POST /api/orgs",                              "201   403   403   403   403   403   403   403   403   403   403   403   403   401", post("/api/orgs", json!({ "code": "matrix-org-{n}", "name_zh": "矩阵单位{n}", "kind": "other", "region": "330102" }))),
        row("GET /api/orgs/{market}",                      "200   200   200   200   200   200   200   200   200   200   200   200   403   401", get("/api/orgs/{market}")),
        // Names are the organization's own business: its admin may change them.
        row("PATCH /api/orgs/{market} names",              "200   403   403   403   403   403   403   403   403   403   403   200   403   401", patch("/api/orgs/{market}", json!({ "name_zh": "上城区市场监督管理局" }))),
        // Where it sits is the directory's: operators only, not even its admin.
        row("PATCH /api/orgs/{market} kind",               "200   403   403   403   403   403   403   403   403   403   403   403   403   401", patch("/api/orgs/{market}", json!({ "kind": "enforcement_department" }))),
        row("PATCH /api/orgs/{court} names",               "200   403   403   403   403   403   403   403   403   403   403   403   403   401", patch("/api/orgs/{court}", json!({ "name_zh": "上城区人民法院" }))),
        // The CSV import from the browser: operators only; a dry run, so no cell changes a thing.
        row("POST /api/directory/import (dry run)",        "200   403   403   403   403   403   403   403   403   403   403   403   403   401", post("/api/directory/import", json!({ "users": "org_code,username,display_name\nmarket,matrix-user-{n},矩阵用户{n}\n", "dry_run": true }))),
        // ---- people ----
        row("GET /api/orgs/{market}/users",                "200   403   403   403   200   403   403   403   403   403   403   200   403   401", get("/api/orgs/{market}/users")),
        // The court's own people: the court reads them; the three bodies added for referrals
        // are other bodies like the rest (403), not outsiders to the court's own directory.
        row("GET /api/orgs/{court}/users",                 "200   403   403   403   403   403   403   200   403   403   403   403   403   401", get("/api/orgs/{court}/users")),
        row("POST /api/users (market)",                    "201   403   403   403   403   403   403   403   403   403   403   201   403   401", post("/api/users", json!({ "org_id": "{market}", "username": "matrix-user-{n}", "display_name": "矩阵用户{n}" }))),
        row("POST /api/users (court)",                     "201   403   403   403   403   403   403   403   403   403   403   403   403   401", post("/api/users", json!({ "org_id": "{court}", "username": "matrix-user-{n}", "display_name": "矩阵用户{n}" }))),
        row("POST /api/users (operator)",                  "201   403   403   403   403   403   403   403   403   403   403   403   403   401", post("/api/users", json!({ "username": "matrix-user-{n}", "display_name": "矩阵运维{n}", "operator": true }))),
        // Users of another body are "not found", so their ids cannot be probed.
        row("GET /api/users/{market user}",                "200   404   404   404   200   404   404   404   404   404   404   200   404   401", get("/api/users/{market_user}")),
        row("GET /api/users/{operator}",                   "200   404   404   404   404   404   404   404   404   404   404   404   404   401", get("/api/users/{operator_user}")),
        row("PATCH /api/users/{market user}",              "200   404   404   404   403   404   404   404   404   404   404   200   404   401", patch("/api/users/{market_user}", json!({ "display_name": "market 同志" }))),
        row("PATCH /api/users/{operator}",                 "200   404   404   404   404   404   404   404   404   404   404   404   404   401", patch("/api/users/{operator_user}", json!({ "display_name": "运维管理员" }))),
        // Resetting to the same password keeps every later sign-in working.
        row("POST /api/users/{market user}/password",      "204   403   403   403   403   403   403   403   403   403   403   403   403   401", post("/api/users/{market_user}/password", json!({ "password": PASSWORD }))),
        // ---- API tokens: the organization's admin only, never an operator ----
        row("GET /api/orgs/{market}/tokens",               "403   403   403   403   403   403   403   403   403   403   403   200   403   401", get("/api/orgs/{market}/tokens")),
        row("GET /api/orgs/{court}/tokens",                "403   403   403   403   403   403   403   403   403   403   403   403   403   401", get("/api/orgs/{court}/tokens")),
        row("POST /api/orgs/{market}/tokens",              "403   403   403   403   403   403   403   403   403   403   403   201   403   401", post("/api/orgs/{market}/tokens", json!({ "name": "矩阵系统{n}", "permissions": ["spaces:read"], "expires_in_days": 1 }))),
        row("DELETE /api/orgs/{market}/tokens/{market's}", "403   403   403   403   403   403   403   403   403   403   403   204   403   401", delete("/api/orgs/{market}/tokens/{market_token}")),
        // Another body's token, named through one's own body's path: not found.
        row("DELETE /api/orgs/{market}/tokens/{court's}",  "403   403   403   403   403   403   403   403   403   403   403   404   403   401", delete("/api/orgs/{market}/tokens/{court_token}")),
        // ---- an organization's signing keys: its admin and operators; its seal, operators only ----
        row("GET /api/orgs/{market}/keys",                 "200   403   403   403   403   403   403   403   403   403   403   200   403   401", get("/api/orgs/{market}/keys")),
        row("GET /api/orgs/{court}/keys",                  "200   403   403   403   403   403   403   403   403   403   403   403   403   401", get("/api/orgs/{court}/keys")),
        row("POST /api/orgs/{market}/keys/{market's}/revoke", "200   403   403   403   403   403   403   403   403   403   403   200   403   401", post("/api/orgs/{market}/keys/{market_key}/revoke", json!({ "reason": "矩阵撤销{n}" }))),
        // Another body's key, named through one's own body's path: not found.
        row("POST /api/orgs/{market}/keys/{court's}/revoke", "404   403   403   403   403   403   403   403   403   403   403   404   403   401", post("/api/orgs/{market}/keys/{court_key}/revoke", json!({ "reason": "矩阵撤销{n}" }))),
        row("POST /api/orgs/{market}/keys/{seal}/revoke",  "200   403   403   403   403   403   403   403   403   403   403   403   403   401", post("/api/orgs/{market}/keys/{market_seal}/revoke", json!({ "reason": "矩阵撤销{n}" }))),
        // ---- spaces ----
        row("GET /api/spaces",                             "200-  200+  200+  200-  200+  200+  200+  200-  200-  200-  200-  200+  200+  401", Probe::Rest { method: Method::GET, path: "/api/spaces", body: None, read: Read::ListsSpace }),
        row("POST /api/spaces",                            "403   201   201   201   201   201   201   201   201   201   201   201   403   401", post("/api/spaces", json!({ "kind": "meeting", "title": "矩阵会商{n}" }))),
        row("GET /api/spaces/{space}",                     "404   200   200   404   200   200   200   404   404   404   404   200   200   401", get("/api/spaces/{space}")),
        row("PUT /api/spaces/{space}/members/{org}",       "404   403   403   404   200   403   403   404   404   404   404   200   403   401", put("/api/spaces/{space}/members/{ningbo}", json!({ "role": "observer" }))),
        row("DELETE /api/spaces/{space}/members/{org}",    "404   403   403   404   204   403   403   404   404   404   404   204   403   401", delete("/api/spaces/{space}/members/{ningbo}")).before(Before::NingboTakesPart),
        row("GET /api/spaces/{space}/docs",                "404   200   200   404   200   200   200   404   404   404   404   200   200   401", get("/api/spaces/{space}/docs")),
        row("POST /api/spaces/{space}/docs",               "404   403   403   404   201   201   403   404   404   404   404   201   403   401", post("/api/spaces/{space}/docs", json!({ "title": "矩阵文书{n}" }))),
        // ---- documents over the websocket ----
        row("POST /api/docs/{doc}/ticket",                 "404   read  read  404   write write read  404   404   404   404   write 404   401", Probe::Rest { method: Method::POST, path: "/api/docs/{doc}/ticket", body: Some(json!({})), read: Read::TicketAccess }),
        // The token lacks docs:read, so it may not open the document: refused like anyone
        // without access (404), not as if it had not authenticated.
        row("WS /ws/docs/{doc} (cookie, Origin)",          "404   101   101   404   101   101   101   404   404   404   404   101   404   401", Probe::Websocket),
        // ---- jurisdiction disputes: `market` (conv) raised {dispute} against `township` (part);
        // it escalates to `county-bureau` (cb), which follows it from the start; `city-bureau`
        // (ct) reads from above; the police (obs), the court (out) and a sibling county (sb)
        // have no part in it and are answered as for an unknown id. The operator acts for no
        // body and sees none. ----
        row("GET /api/disputes",                           "200   200   200   200   200   200   200   200   200   200   200   200   200   401", get("/api/disputes")),
        // Raised against the court by each caller: a bureau that would coordinate its own
        // dispute is refused (cb, ct: 409); the court cannot name itself (400); the two
        // procuratorates and discipline inspection are other bodies than the court, and raise
        // it like any (201).
        row("POST /api/disputes",                          "403   409   409   201   201   201   201   400   201   201   201   201   403   401", post("/api/disputes", json!({ "kind": "positive", "title": "矩阵争议{n}", "description": "管辖争议", "parties": ["{court}"], "position": "应由本单位管辖" }))),
        row("GET /api/disputes/{dispute}",                 "404   200   200   404   200   200   404   404   404   404   404   200   200   401", get("/api/disputes/{dispute}")),
        // In `raised`, accepting is refused by the machine (409) to those who may act at all.
        row("POST /api/disputes/{dispute}/actions",        "404   409   403   404   409   409   404   404   404   404   404   409   403   401", post("/api/disputes/{dispute}/actions", json!({ "command": "accept", "revision": 1 }))),
        row("PUT /api/disputes/{dispute}/position",        "404   409   403   404   200   200   404   404   404   404   404   200   403   401", put("/api/disputes/{dispute}/position", json!({ "position": "应由本单位管辖" }))),
        row("POST /api/disputes/{dispute}/negotiation-failed", "404   409   403   404   200   200   404   404   404   404   404   200   403   401", post("/api/disputes/{dispute}/negotiation-failed", json!({}))),
        row("POST /api/disputes/{dispute}/reply",          "404   409   403   404   409   409   404   404   404   404   404   409   403   401", post("/api/disputes/{dispute}/reply", json!({}))),
        row("PUT /api/disputes/{dispute}/lead",            "404   409   403   404   409   409   404   404   404   404   404   409   403   401", put("/api/disputes/{dispute}/lead", json!({ "revision": 1, "org_id": "{market}" }))),
        // Before acceptance nobody may convene a consultation (409 to those who act at all).
        row("POST /api/disputes/{dispute}/consultations",  "404   409   403   404   409   409   404   404   404   404   404   409   403   401", post("/api/disputes/{dispute}/consultations", json!({ "starts_at": 4102444800000i64, "ends_at": 4102448400000i64, "place": "会议室" }))),
        // Before acceptance there is no decision: 404 to every reader, as to everyone else.
        row("GET /api/disputes/{dispute}/decision",        "404   404   404   404   404   404   404   404   404   404   404   404   404   401", get("/api/disputes/{dispute}/decision")),
        row("POST /api/disputes/{dispute}/decision/actions", "404   404   404   404   404   404   404   404   404   404   404   404   404   401", post("/api/disputes/{dispute}/decision/actions", json!({ "act": "freeze" }))),
        row("POST /api/disputes/{dispute}/decision/statement", "404   404   404   404   404   404   404   404   404   404   404   404   404   401", post("/api/disputes/{dispute}/decision/statement", json!({ "version": 1, "key_id": "0000" }))),
        row("GET /api/disputes/{dispute}/decision/…/bundle.zip", "404   404   404   404   404   404   404   404   404   404   404   404   404   401", get("/api/disputes/{dispute}/decision/versions/1/bundle.zip")),
        row("GET /api/disputes/{dispute}/decision/…/{file}", "404   404   404   404   404   404   404   404   404   404   404   404   404   401", get("/api/disputes/{dispute}/decision/versions/1/decision.html")),
        // The parties' agreement exists from the start: its readers are the dispute's; the
        // raising body (conv) manages it (freezing it is refused in `raised`: 409), the bureau
        // that follows it and the bureaus above read it; nothing is frozen yet (no version to
        // sign: 409 to the parties; no archived version: 404).
        row("GET /api/disputes/{dispute}/agreement",       "404   200   200   404   200   200   404   404   404   404   404   200   200   401", get("/api/disputes/{dispute}/agreement")),
        row("POST /api/disputes/{dispute}/agreement/actions", "404   403   403   404   409   403   404   404   404   404   404   409   403   401", post("/api/disputes/{dispute}/agreement/actions", json!({ "act": "freeze" }))),
        row("POST /api/disputes/{dispute}/agreement/statement", "404   403   403   404   409   409   404   404   404   404   404   409   403   401", post("/api/disputes/{dispute}/agreement/statement", json!({ "version": 1, "key_id": "0000" }))),
        row("GET /api/disputes/{dispute}/agreement/…/bundle.zip", "404   404   404   404   404   404   404   404   404   404   404   404   404   401", get("/api/disputes/{dispute}/agreement/versions/1/bundle.zip")),
        row("GET /api/disputes/{dispute}/agreement/…/{file}", "404   404   404   404   404   404   404   404   404   404   404   404   404   401", get("/api/disputes/{dispute}/agreement/versions/1/agreement.html")),
        // Dispute statistics: a judicial bureau for its region and below, an operator for any;
        // a sibling's or a higher region is refused (403: regions are public, and the table
        // names no dispute). Without `region`, the caller's body's region (the operator acts
        // for none: 400). The token is the market department's, not a bureau's.
        row("GET /api/disputes/stats",                     "400   200   200   200   403   403   403   403   403   403   403   403   403   401", get("/api/disputes/stats")),
        row("GET /api/disputes/stats?region=上城区",        "200   200   200   403   403   403   403   403   403   403   403   403   403   401", get("/api/disputes/stats?region=330102")),
        row("GET /api/disputes/stats?region=杭州市",        "200   403   200   403   403   403   403   403   403   403   403   403   403   401", get("/api/disputes/stats?region=330100")),
        row("GET /api/disputes/stats.csv",                 "200   200   200   403   403   403   403   403   403   403   403   403   403   401", get("/api/disputes/stats.csv?region=330102")),
        // The region's figures (评议考核): the dispute statistics' rule (a bureau for its region
        // and below, an operator for any; a sibling or a body that is no bureau 403; the token is
        // the market department's), as JSON, CSV and .xlsx.
        row("GET /api/figures?region=上城区",               "200   200   200   403   403   403   403   403   403   403   403   403   403   401", get("/api/figures?region=330102")),
        row("GET /api/figures?region=杭州市",               "200   403   200   403   403   403   403   403   403   403   403   403   403   401", get("/api/figures?region=330100")),
        row("GET /api/figures.csv",                        "200   200   200   403   403   403   403   403   403   403   403   403   403   401", get("/api/figures.csv?region=330102")),
        row("GET /api/figures.xlsx",                       "200   200   200   403   403   403   403   403   403   403   403   403   403   401", get("/api/figures.xlsx?region=330102")),
        // The raising body's statement: only it writes; the other party and the bureaus read.
        row("POST /api/docs/{statement}/ticket",           "404   read  read  404   write read  404   404   404   404   404   write 404   401", Probe::Rest { method: Method::POST, path: "/api/docs/{statement}/ticket", body: Some(json!({})), read: Read::TicketAccess }),
        // ---- joint investigation groups: `market` (conv) leads {group}, a sensitive (敏感) group of
        // high public attention; `police` (obs) confirmed, `township` (part) is invited and has
        // not answered, `court` (out) is a related body (told only once it forms); the county
        // bureau (cb) was reported to and reads the summary and conclusions alone; the city
        // bureau (ct) above it and a sibling (sb) are not told of a closed group: 404. ----
        row("GET /api/investigations",                     "200   200   200   200   200   200   200   200   200   200   200   200   200   401", get("/api/investigations")),
        // Proposed by each caller with the court invited: only a judicial bureau or an
        // enforcement department leads (409 to the township, the police and the court).
        row("POST /api/investigations",                    "403   201   201   201   201   409   409   409   409   409   409   201   403   401", post("/api/investigations", json!({ "case_name": "矩阵案件{n}", "summary": "案情", "areas": "市场监管", "confidentiality": "internal", "members": ["{court}"] }))),
        row("GET /api/investigations/{group}",             "404   200   404   404   200   200   200   404   404   404   404   200   200   401", get("/api/investigations/{group}")),
        // Forming waits for the township's answer (409 to the lead); the members and the
        // reported bureau may not form (409); the invited body is not in the space yet (403).
        row("POST /api/investigations/{group}/actions",    "404   409   404   404   409   403   409   404   404   404   404   409   403   401", post("/api/investigations/{group}/actions", json!({ "command": "form", "revision": 1 }))),
        // Nobody leaves a group still proposed (409); the lead and the bureau were not invited (409).
        row("POST /api/investigations/{group}/membership", "404   409   404   404   409   409   409   404   404   404   404   409   403   401", post("/api/investigations/{group}/membership", json!({ "command": "leave", "reason": "矩阵" }))),
        // Marked already (409 to the lead), and only the lead marks (409 to the others who act).
        row("POST /api/investigations/{group}/attention",  "404   409   404   404   409   403   409   404   404   404   404   409   403   401", post("/api/investigations/{group}/attention", json!({ "revision": 1 }))),
        // ---- a group's evidence and command (issue 18): the group is proposed, so nothing is
        // added or commanded yet (409 to those who may once it is at work); the reported
        // bureau (cb) lists the summary's and conclusions' evidence alone and adds nothing
        // (409), and the board is not its (403); the invited township (part) reads no
        // evidence (404) and acts in no space (403); a token reads, never acts (403). ----
        row("GET /api/investigations/{group}/evidence",    "404   200   404   404   200   404   200   404   404   404   404   200   200   401", get("/api/investigations/{group}/evidence")),
        row("POST /api/investigations/{group}/evidence",   "404   409   404   404   409   404   409   404   404   404   404   409   403   401", post("/api/investigations/{group}/evidence?section={police_section}&name=a.txt", json!({ "file": "矩阵" }))),
        // No piece can exist in a proposed group: an unknown piece is 404 to every reader,
        // exactly as to those who read nothing of the group.
        row("GET /api/investigations/{group}/evidence/{e}", "404   404   404   404   404   404   404   404   404   404   404   404   404   401", get("/api/investigations/{group}/evidence/no-such-piece")),
        row("POST …/evidence/{e}/withdraw",                "404   404   404   404   404   404   404   404   404   404   404   404   404   401", post("/api/investigations/{group}/evidence/no-such-piece/withdraw", json!({ "reason": "矩阵" }))),
        // Only the lead commands (409 to the member and the bureau), and not before the group
        // is formed (409 to the lead).
        row("POST /api/investigations/{group}/tasks",      "404   409   404   404   409   403   409   404   404   404   404   409   403   401", post("/api/investigations/{group}/tasks", json!({ "title": "矩阵任务", "body": "内容", "assignee_org_id": "{court}", "limit": { "unit": "working_days", "amount": 5 } }))),
        row("POST /api/investigations/{group}/notices",    "404   409   404   404   409   403   409   404   404   404   404   409   403   401", post("/api/investigations/{group}/notices", json!({ "title": "矩阵通知", "body": "内容" }))),
        row("GET /api/investigations/{group}/board",       "404   403   404   404   200   404   200   404   404   404   404   200   200   401", get("/api/investigations/{group}/board")),
        row("POST /api/docs/{group_summary}/ticket",       "404   read  404   404   write 404   read  404   404   404   404   write 404   401", Probe::Rest { method: Method::POST, path: "/api/docs/{group_summary}/ticket", body: Some(json!({})), read: Read::TicketAccess }),
        row("POST /api/docs/{police_section}/ticket",      "404   404   404   404   read  404   write 404   404   404   404   read  404   401", Probe::Rest { method: Method::POST, path: "/api/docs/{police_section}/ticket", body: Some(json!({})), read: Read::TicketAccess }),
        row("GET /api/spaces/{group}/docs",                "404   200   404   404   200   404   200   404   404   404   404   200   200   401", get("/api/spaces/{group}/docs")),
        row("PUT /api/spaces/{group}/members/{court}",     "404   403   404   404   409   404   403   404   404   404   404   409   403   401", put("/api/spaces/{group}/members/{court}", json!({ "role": "member" }))),
        // ---- case referrals (issue 20): `market` (conv) referred {referral}, a suspected crime,
        // to the police (obs), copied to the procuratorate (proc); its head `market-admin` (adm)
        // approved it and it is sent, not yet received. The bureaus above its region (cb, ct)
        // and, for a suspected crime, the procuratorate of its region supervise it (read, never
        // act); a sibling county's bureau (sb) and procuratorate (sproc), the township (part),
        // the court (out) and discipline inspection (disc) have no part: 404. {draft_referral}
        // is the same kind of referral still in draft: the referring body's alone. {clue} is
        // problem clues sent to discipline inspection: a closed space, read by its two bodies
        // alone, never by a bureau. The token is `market`'s (reads, never acts). Every probe
        // is refused before anything changes: a command the machine refuses in the state, a
        // stale revision, an empty file; so 409 (may act, not now) vs 403 (reads only) vs
        // 404 (no part) shows the access decision. ----
        row("GET /api/referrals (sent listed?)",           "200-  200+  200+  200-  200+  200-  200+  200-  200+  200-  200-  200+  200+  401", Probe::Rest { method: Method::GET, path: "/api/referrals", body: None, read: Read::ListsReferral(Listed::Sent) }),
        row("GET /api/referrals (draft listed?)",          "200-  200-  200-  200-  200+  200-  200-  200-  200-  200-  200-  200+  200+  401", Probe::Rest { method: Method::GET, path: "/api/referrals", body: None, read: Read::ListsReferral(Listed::Draft) }),
        row("GET /api/referrals (clue listed?)",           "200-  200-  200-  200-  200+  200-  200-  200-  200-  200-  200+  200+  200+  401", Probe::Rest { method: Method::GET, path: "/api/referrals", body: None, read: Read::ListsReferral(Listed::Clue) }),
        row("GET /api/referrals?role=supervised (sent)",   "200-  200+  200+  200-  200-  200-  200-  200-  200+  200-  200-  200-  200-  401", Probe::Rest { method: Method::GET, path: "/api/referrals?role=supervised", body: None, read: Read::ListsReferral(Listed::Sent) }),
        // Drafted by each caller, to the police copied to the procuratorate: enforcement bodies
        // refer a suspected crime (conv, part, adm); the police cannot refer to itself, and the
        // bureaus, procuratorates, the court and discipline inspection refer no crime (409).
        row("POST /api/referrals",                         "403   409   409   409   201   201   409   409   409   409   409   201   403   401", post("/api/referrals", json!({ "kind": "criminal", "receiver_org_id": "{police}", "copy_org_id": "{procuratorate}", "case_name": "矩阵移送{n}", "facts": "涉嫌犯罪事实", "legal_basis": "移送依据", "items": ["现场检查笔录"] }))),
        row("GET /api/referrals/{referral}",               "404   200   200   404   200   404   200   404   200   404   404   200   200   401", get("/api/referrals/{referral}")),
        row("GET /api/referrals/{draft}",                  "404   404   404   404   200   404   404   404   404   404   404   200   200   401", get("/api/referrals/{draft_referral}")),
        row("GET /api/referrals/{clue}",                   "404   404   404   404   200   404   404   404   404   404   200   200   200   401", get("/api/referrals/{clue}")),
        // Only a draft's case is rewritten (409 to the referring body and, as not its to
        // edit, the receiver); the supervisors read only (403). The copied procuratorate takes
        // part in the referral's space (as an observer), so the policy lets it act and the
        // machine refuses it every command by its part, naming the rule (409) — here and in
        // every row below where it is refused.
        row("PUT /api/referrals/{referral}",               "404   403   403   404   409   404   409   404   409   404   404   409   403   401", put("/api/referrals/{referral}", json!({ "revision": "{referral_revision}", "case_name": "矩阵案件", "facts": "事实", "legal_basis": "依据" }))),
        // The draft on a stale revision: 409 to its body, 404 to everyone else.
        row("PUT /api/referrals/{draft} (stale)",          "404   404   404   404   409   404   404   404   404   404   404   409   403   401", put("/api/referrals/{draft_referral}", json!({ "revision": 0, "case_name": "矩阵案件", "facts": "事实", "legal_basis": "依据" }))),
        // A sent referral is approved no more: the machine refuses whoever may act (409).
        row("POST /api/referrals/{referral}/actions",      "404   403   403   404   409   404   409   404   409   404   404   409   403   401", post("/api/referrals/{referral}/actions", json!({ "command": "approve", "revision": "{referral_revision}" }))),
        // 签收 on a stale revision: 409 to the receiver (and to the referrer) before any rule.
        row("POST /api/referrals/{referral}/actions (stale)", "404   403   403   404   409   404   409   404   409   404   404   409   403   401", post("/api/referrals/{referral}/actions", json!({ "command": "receive", "revision": 0 }))),
        row("POST /api/referrals/{draft}/actions",         "404   404   404   404   409   404   404   404   404   404   404   409   403   401", post("/api/referrals/{draft_referral}/actions", json!({ "command": "send", "revision": "{draft_revision}" }))),
        row("POST /api/referrals/{clue}/actions",          "404   404   404   404   409   404   404   404   404   404   409   409   403   401", post("/api/referrals/{clue}/actions", json!({ "command": "approve", "revision": "{clue_revision}" }))),
        row("POST /api/referrals/{referral}/items",        "404   403   403   404   409   404   409   404   409   404   404   409   403   401", post("/api/referrals/{referral}/items", json!({ "revision": "{referral_revision}", "name": "补充材料" }))),
        row("POST /api/referrals/{draft}/items (stale)",   "404   404   404   404   409   404   404   404   404   404   404   409   403   401", post("/api/referrals/{draft_referral}/items", json!({ "revision": 0, "name": "补充材料" }))),
        row("POST …/{referral}/items/{item}/remove",       "404   403   403   404   409   404   409   404   409   404   404   409   403   401", post("/api/referrals/{referral}/items/{referral_item}/remove", json!({ "revision": "{referral_revision}" }))),
        row("POST …/{draft}/items/{item}/remove (stale)",  "404   404   404   404   409   404   404   404   404   404   404   409   403   401", post("/api/referrals/{draft_referral}/items/{draft_item}/remove", json!({ "revision": 0 }))),
        // Only the receiver checks, and only once it has signed (409 to both sides now).
        row("POST …/{referral}/items/{item}/check",        "404   403   403   404   409   404   409   404   409   404   404   409   403   401", post("/api/referrals/{referral}/items/{referral_item}/check", json!({ "found": "received" }))),
        row("POST …/{clue}/items/{item}/check",            "404   404   404   404   409   404   404   404   404   404   409   409   403   401", post("/api/referrals/{clue}/items/{clue_item}/check", json!({ "found": "received" }))),
        // A sent referral's file is supplied only for an item marked missing (409).
        row("PUT …/{referral}/items/{item}/file",          "404   403   403   404   409   404   409   404   409   404   404   409   403   401", Probe::Bytes { method: Method::PUT, path: "/api/referrals/{referral}/items/{referral_item}/file?name=m.pdf", bytes: b"%PDF-1.4 matrix" }),
        // The draft's body may upload; an empty file is refused (400) and nothing is stored.
        row("PUT …/{draft}/items/{item}/file (empty)",     "404   404   404   404   400   404   404   404   404   404   404   400   403   401", Probe::Bytes { method: Method::PUT, path: "/api/referrals/{draft_referral}/items/{draft_item}/file?name=m.pdf", bytes: b"" }),
        row("GET …/{referral}/items/{item}/file",          "404   200   200   404   200   404   200   404   200   404   404   200   200   401", get("/api/referrals/{referral}/items/{referral_item}/file")),
        row("GET …/{draft}/items/{item}/file",             "404   404   404   404   200   404   404   404   404   404   404   200   200   401", get("/api/referrals/{draft_referral}/items/{draft_item}/file")),
        row("GET …/{clue}/items/{item}/file",              "404   404   404   404   200   404   404   404   404   404   200   200   200   401", get("/api/referrals/{clue}/items/{clue_item}/file")),
        // A dispute raised from a referral not returned: only its receiver may (409: not
        // returned); the other readers are not its receiver (400); the rest cannot name it (404).
        row("POST /api/disputes from {referral}",          "403   400   400   404   400   404   409   404   400   404   404   400   403   401", post("/api/disputes", json!({ "kind": "negative", "title": "矩阵争议{n}", "description": "移送退回", "parties": [], "position": "不属本单位管辖", "from_referral_id": "{referral}" }))),
        // Its receipt (移送回执) is read by whoever reads the referral and made and signed by the
        // receiving body alone, once it signed for the referral: {referral} is not received
        // yet, so the police are refused by the rule (409) and every other reader by the policy
        // (403). Its document is a record, which no socket opens.
        row("GET /api/referrals/{referral}/receipt",       "404   200   200   404   200   404   200   404   200   404   404   200   200   401", get("/api/referrals/{referral}/receipt")),
        row("POST /api/referrals/{referral}/receipt/actions", "404   403   403   404   403   404   409   404   403   404   404   403   403   401", post("/api/referrals/{referral}/receipt/actions", json!({ "act": "freeze" }))),
        row("POST /api/referrals/{draft}/receipt/actions", "404   404   404   404   403   404   404   404   404   404   404   403   403   401", post("/api/referrals/{draft_referral}/receipt/actions", json!({ "act": "freeze" }))),
        row("POST /api/referrals/{referral}/receipt/statement", "404   403   403   404   409   404   409   404   403   404   404   409   403   401", post("/api/referrals/{referral}/receipt/statement", json!({ "version": 1, "key_id": "matrix" }))),
        row("GET …/{referral}/receipt/versions/1/bundle.zip", "404   404   404   404   404   404   404   404   404   404   404   404   404   401", get("/api/referrals/{referral}/receipt/versions/1/bundle.zip")),
        row("GET …/{referral}/receipt/versions/1/content.json", "404   404   404   404   404   404   404   404   404   404   404   404   404   401", get("/api/referrals/{referral}/receipt/versions/1/content.json")),
        row("POST /api/docs/{referral}:receipt/ticket",    "404   404   404   404   404   404   404   404   404   404   404   404   404   401", Probe::Rest { method: Method::POST, path: "/api/docs/{referral}:receipt/ticket", body: Some(json!({})), read: Read::TicketAccess }),
        // A referral is a space: the generic space routes must show it to the referral's
        // readers alone, when they may read it (a draft to its body only; a clue never to a
        // bureau), and never change who takes part.
        row("GET /api/spaces (sent listed?)",              "200-  200+  200+  200-  200+  200-  200+  200-  200+  200-  200-  200+  200+  401", Probe::Rest { method: Method::GET, path: "/api/spaces", body: None, read: Read::ListsReferralSpace(Listed::Sent) }),
        row("GET /api/spaces (draft listed?)",             "200-  200-  200-  200-  200+  200-  200-  200-  200-  200-  200-  200+  200+  401", Probe::Rest { method: Method::GET, path: "/api/spaces", body: None, read: Read::ListsReferralSpace(Listed::Draft) }),
        row("GET /api/spaces (clue listed?)",              "200-  200-  200-  200-  200+  200-  200-  200-  200-  200-  200+  200+  200+  401", Probe::Rest { method: Method::GET, path: "/api/spaces", body: None, read: Read::ListsReferralSpace(Listed::Clue) }),
        row("GET /api/spaces/{referral}",                  "404   200   200   404   200   404   200   404   200   404   404   200   200   401", get("/api/spaces/{referral}")),
        row("GET /api/spaces/{draft}",                     "404   404   404   404   200   404   404   404   404   404   404   200   200   401", get("/api/spaces/{draft_referral}")),
        row("GET /api/spaces/{clue}",                      "404   404   404   404   200   404   404   404   404   404   200   200   200   401", get("/api/spaces/{clue}")),
        row("GET /api/spaces/{draft}/docs",                "404   404   404   404   200   404   404   404   404   404   404   200   200   401", get("/api/spaces/{draft_referral}/docs")),
        row("PUT /api/spaces/{referral}/members/{court}",  "404   403   403   404   409   404   403   404   403   404   404   409   403   401", put("/api/spaces/{referral}/members/{court}", json!({ "role": "member" }))),
        // ---- filings (报备) and the annual plan (issue 21 part 3): `market` (conv) filed {filing}
        // (an inspection's results) with 上城区司法局 (cb), which reads and answers it; the city
        // bureau (ct) reads it and acts on nothing (403); a sibling county's bureau and the
        // other bodies are answered as for an unknown id (404). Only enforcement departments and
        // township governments file (409 for anyone else). {draft_plan} is cb's plan, a draft:
        // cb and the bureau above read it; no body of the region does before it is published.
        // Refiling a filing that was not sent back is refused by the machine (409). ----
        row("POST /api/filings",                           "403   409   409   409   201   201   409   409   409   409   409   201   403   401", post("/api/filings", json!({ "kind": "inspection_result", "title": "矩阵报备{n}", "text": "检查结果" }))),
        row("GET /api/filings",                            "200   200   200   200   200   200   200   200   200   200   200   200   200   401", get("/api/filings")),
        row("GET /api/filings/{filing}",                   "404   200   200   404   200   404   404   404   404   404   404   200   200   401", get("/api/filings/{filing}")),
        row("POST /api/filings/{filing}/actions",          "404   409   403   404   409   404   404   404   404   404   404   409   403   401", post("/api/filings/{filing}/actions", json!({ "command": "refile", "revision": 1, "title": "重报", "text": "重报" }))),
        row("POST /api/plans",                             "403   201   201   201   409   409   409   409   409   409   409   409   403   401", post("/api/plans", json!({ "year": 2040, "title": "矩阵工作方案{n}" }))),
        row("GET /api/plans",                              "200   200   200   200   200   200   200   200   200   200   200   200   200   401", get("/api/plans")),
        row("GET /api/plans/{draft_plan}",                 "404   200   200   404   404   404   404   404   404   404   404   404   404   401", get("/api/plans/{draft_plan}")),
        row("POST /api/plans/{draft_plan}/actions (stale)", "404   409   403   404   404   404   404   404   404   404   404   404   404   401", post("/api/plans/{draft_plan}/actions", json!({ "command": "publish", "revision": 0 }))),
        // ---- tasks and notices (issue 21): `market` (conv) set {task} for `township` (part)
        // and sent {notice} to it, requiring 签收. The bureaus above their region (cb, ct)
        // read both and act on neither (403); a sibling county's bureau (sb), the other bodies
        // and the operator are answered as for an unknown id (404); the token lacks
        // tasks:read and notices:read (404, as the task routes answer it). tests/it/work_authz.rs
        // has every task and notice route. ----
        row("GET /api/tasks/{task}",                       "404   200   200   404   200   200   404   404   404   404   404   200   404   401", get("/api/tasks/{task}")),
        // Closing a dispatched task is refused by the machine (409) to its sides.
        row("POST /api/tasks/{task}/actions/close",        "404   403   403   404   409   409   404   404   404   404   404   409   404   401", post("/api/tasks/{task}/actions/close", json!({ "revision": 1 }))),
        row("POST /api/tasks/{task}/comments",             "404   403   403   404   201   201   404   404   404   404   404   201   404   401", post("/api/tasks/{task}/comments", json!({ "body": "矩阵留言{n}" }))),
        row("GET /api/notices/{notice}",                   "404   200   200   404   200   200   404   404   404   404   404   200   404   401", get("/api/notices/{notice}")),
        // The township signs for it (200); the sender never does (403).
        row("POST /api/notices/{notice}/acknowledge",      "404   403   403   404   403   200   404   404   404   404   404   403   404   401", post("/api/notices/{notice}/acknowledge", json!({}))),
        row("POST /api/notices/{fresh}/correct",           "404   403   403   404   201   403   404   404   404   404   404   201   404   401", post("/api/notices/{fresh_notice}/correct", json!({ "title": "矩阵更正", "body": "更正" }))),
        // ---- the supervision desk (监督台): a person of a judicial bureau, for its region and
        // below; a sibling's or a higher region is refused (403: regions are public); never an
        // operator (the desk names single pieces of work) nor a token. ----
        // ---- supervision documents (issue 21): the county bureau (cb) drafted {supervision} to
        // `market` (conv); the city bureau (ct) reads it from above; the body sees nothing
        // before it is issued, nor does anyone else. Only a bureau covering the body drafts.
        row("GET /api/supervision-docs",                   "200   200   200   200   200   200   200   200   200   200   200   200   200   401", get("/api/supervision-docs")),
        row("POST /api/supervision-docs",                  "403   201   201   403   403   403   403   403   403   403   403   403   403   401", post("/api/supervision-docs", json!({ "kind": "notice", "body_org_id": "{market}", "title": "矩阵监督{n}" }))),
        row("GET /api/supervision-docs/{draft}",           "404   200   200   404   404   404   404   404   404   404   404   404   404   401", get("/api/supervision-docs/{supervision}")),
        // Given on revision 0: the bureau is refused as stale (409), the bureau above may not act.
        row("POST /api/supervision-docs/{draft}/actions",  "404   409   403   404   404   404   404   404   404   404   404   404   404   401", post("/api/supervision-docs/{supervision}/actions", json!({ "command": "withdraw", "revision": 0, "reason": "矩阵" }))),
        row("GET /api/supervision-docs/{draft}/text",      "404   200   200   404   404   404   404   404   404   404   404   404   404   401", get("/api/supervision-docs/{supervision}/text")),
        row("POST …/{draft}/text/actions (archive)",       "404   409   403   404   404   404   404   404   404   404   404   404   404   401", post("/api/supervision-docs/{supervision}/text/actions", json!({ "act": "archive", "version": 1 }))),
        row("GET …/{draft}/evidence/{none}",               "404   404   404   404   404   404   404   404   404   404   404   404   404   401", get("/api/supervision-docs/{supervision}/evidence/none")),
        // ---- campaigns (专项监督, issue 21): the county bureau (cb) planned {campaign} over
        // `market` (conv) and `township` (part), not yet launched: they see nothing; the city
        // bureau (ct) reads it from above and acts on nothing. Only a bureau plans one, over
        // bodies of its region (the sibling's is refused: 400 names the body).
        row("GET /api/campaigns",                          "200   200   200   200   200   200   200   200   200   200   200   200   200   401", get("/api/campaigns")),
        row("POST /api/campaigns",                         "403   201   201   400   409   409   409   409   409   409   409   409   403   401", post("/api/campaigns", json!({ "kind": "inspection", "field": "安全生产", "title": "矩阵检查{n}", "starts_on": "2026-04-01", "ends_on": "2026-04-30", "body_org_ids": ["{market}"] }))),
        row("GET /api/campaigns/{campaign}",               "404   200   200   404   404   404   404   404   404   404   404   404   404   401", get("/api/campaigns/{campaign}")),
        row("POST /api/campaigns/{campaign}/actions (stale)", "404   409   403   404   404   404   404   404   404   404   404   404   404   401", post("/api/campaigns/{campaign}/actions", json!({ "command": "launch", "revision": 0 }))),
        // Planned: nothing is made within it yet (409 to its bureau).
        row("POST /api/campaigns/{campaign}/tasks",        "404   409   403   404   404   404   404   404   404   404   404   404   404   401", post("/api/campaigns/{campaign}/tasks", json!({ "title": "矩阵任务", "body": "自查", "assignee_org_id": "{market}", "limit": { "unit": "working_days", "amount": 5 } }))),
        row("GET /api/campaigns/{campaign}/summary",       "404   200   200   404   404   404   404   404   404   404   404   404   404   401", get("/api/campaigns/{campaign}/summary")),
        row("POST …/{campaign}/summary/actions (freeze)",  "404   409   403   404   404   404   404   404   404   404   404   404   404   401", post("/api/campaigns/{campaign}/summary/actions", json!({ "act": "freeze" }))),
        // Its draft is not frozen yet: its bureau is told so (409), the bureau above may not sign (403).
        row("POST …/{campaign}/summary/statement",        "404   409   403   404   404   404   404   404   404   404   404   404   404   401", post("/api/campaigns/{campaign}/summary/statement", json!({ "version": 1, "key_id": "none" }))),
        row("GET …/{campaign}/summary/versions/1/bundle.zip", "404   404   404   404   404   404   404   404   404   404   404   404   404   401", get("/api/campaigns/{campaign}/summary/versions/1/bundle.zip")),
        // ---- case-file reviews (案卷评查, issue 23): the county bureau (cb) planned {review} of
        // `market` (conv) and `township` (part), not yet launched: they see nothing; the city
        // bureau (ct) reads it from above and acts on nothing. A bureau plans one of bodies of
        // its region (the sibling's is refused: 400 names the body); an enforcement department
        // (conv, adm) one of its own field, here itself, never the township (400). The bureau
        // is not a reviewed body, so it registers no file (409).
        row("GET /api/reviews",                            "200   200   200   200   200   200   200   200   200   200   200   200   200   401", get("/api/reviews")),
        row("POST /api/reviews",                           "403   201   201   400   201   409   409   409   409   409   409   201   403   401", post("/api/reviews", json!({ "kind": "comprehensive", "title": "矩阵评查{n}", "starts_on": "2025-01-01", "ends_on": "2025-12-31", "reviewed_org_ids": ["{market}"] }))),
        row("POST /api/reviews (the township)",            "403   201   201   400   400   409   409   409   409   409   409   400   403   401", post("/api/reviews", json!({ "kind": "comprehensive", "title": "矩阵评查{n}", "starts_on": "2025-01-01", "ends_on": "2025-12-31", "reviewed_org_ids": ["{township}"] }))),
        // The files behind 评查案卷数 (评议考核): a list of what each caller already reads, so
        // never refused; empty for those who read none.
        row("GET /api/reviews/files?org={market}",        "200   200   200   200   200   200   200   200   200   200   200   200   200   401", get("/api/reviews/files?org={market}&from=2025-01-01&to=2025-12-31")),
        // The default scoring sheet, to adjust before planning: a judicial bureau's or an
        // enforcement department's (the market's token reads it with spaces:read).
        row("GET /api/reviews/sheets/default",             "403   200   200   200   200   403   403   403   403   403   403   200   200   401", get("/api/reviews/sheets/default")),
        row("GET /api/reviews/{review}",                   "404   200   200   404   404   404   404   404   404   404   404   404   404   401", get("/api/reviews/{review}")),
        row("POST /api/reviews/{review}/actions (stale)",  "404   409   403   404   404   404   404   404   404   404   404   404   404   401", post("/api/reviews/{review}/actions", json!({ "command": "launch", "revision": 0 }))),
        row("POST /api/reviews/{review}/files",            "404   409   403   404   404   404   404   404   404   404   404   404   404   401", post("/api/reviews/{review}/files", json!({ "case_number": "矩阵罚{n}号", "case_kind": "penalty", "title": "矩阵案", "closed_on": "2025-06-30" }))),
        row("POST /api/reviews/{review}/files/{none}/actions", "404   404   404   404   404   404   404   404   404   404   404   404   404   401", post("/api/reviews/{review}/files/none/actions", json!({ "command": "submit", "revision": 1 }))),
        row("PUT /api/reviews/{review}/files/{none}/reviewers", "404   404   404   404   404   404   404   404   404   404   404   404   404   401", put("/api/reviews/{review}/files/none/reviewers", json!({ "revision": 1, "user_ids": ["none"] }))),
        // Its summary: the organiser may not freeze it before the review is concluded (409);
        // the bureau above reads it and may not act (403).
        row("GET /api/reviews/{review}/summary",           "404   200   200   404   404   404   404   404   404   404   404   404   404   401", get("/api/reviews/{review}/summary")),
        row("POST …/{review}/summary/actions (freeze)",    "404   409   403   404   404   404   404   404   404   404   404   404   404   401", post("/api/reviews/{review}/summary/actions", json!({ "act": "freeze" }))),
        row("POST …/{review}/summary/statement",          "404   409   403   404   404   404   404   404   404   404   404   404   404   401", post("/api/reviews/{review}/summary/statement", json!({ "version": 1, "key_id": "none" }))),
        row("GET …/{review}/summary/versions/1/bundle.zip", "404   404   404   404   404   404   404   404   404   404   404   404   404   401", get("/api/reviews/{review}/summary/versions/1/bundle.zip")),
        row("GET …/{review}/summary/versions/1/content.json", "404   404   404   404   404   404   404   404   404   404   404   404   404   401", get("/api/reviews/{review}/summary/versions/1/content.json")),
        // {dept_review}, the market department's own (planned): the county bureau of its region
        // and the city bureau above read it and act on nothing (403), the sibling county's
        // bureau sees nothing; the market (conv, adm, its read token) reads it, its stale
        // command 409 (the token may not act: 403).
        row("GET /api/reviews/{dept_review}",              "404   200   200   404   200   404   404   404   404   404   404   200   200   401", get("/api/reviews/{dept_review}")),
        row("POST /api/reviews/{dept_review}/actions (stale)", "404   403   403   404   409   404   404   404   404   404   404   409   403   401", post("/api/reviews/{dept_review}/actions", json!({ "command": "launch", "revision": 0 }))),
        row("GET /api/reviews/{dept_review}/summary",      "404   200   200   404   200   404   404   404   404   404   404   200   200   401", get("/api/reviews/{dept_review}/summary")),
        // Scanned files: none of an unknown file, for anyone.
        row("POST …/{review}/files/{none}/attachments",   "404   404   404   404   404   404   404   404   404   404   404   404   404   401", post("/api/reviews/{review}/files/none/attachments", json!({}))),
        row("GET …/{review}/files/{none}/attachments/{none}", "404   404   404   404   404   404   404   404   404   404   404   404   404   401", get("/api/reviews/{review}/files/none/attachments/none")),
        // ---- the case library (案例库): every signed-in body searches its region's published
        // cases; an unknown (or unpublished) case is 404 to all.
        row("GET /api/library",                            "200   200   200   200   200   200   200   200   200   200   200   200   200   401", get("/api/library")),
        row("GET /api/library/{none}",                     "404   404   404   404   404   404   404   404   404   404   404   404   404   401", get("/api/library/none")),
        row("POST /api/library/{none}/actions",            "404   404   404   404   404   404   404   404   404   404   404   404   404   401", post("/api/library/none/actions", json!({ "command": "submit", "revision": 1 }))),
        row("GET /api/library/{none}/export.html",         "404   404   404   404   404   404   404   404   404   404   404   404   404   401", get("/api/library/none/export.html")),
        row("GET /api/library/{none}/export.json",         "404   404   404   404   404   404   404   404   404   404   404   404   404   401", get("/api/library/none/export.json")),
        row("POST …/{review}/files/{none}/library",       "404   404   404   404   404   404   404   404   404   404   404   404   404   401", post("/api/reviews/{review}/files/none/library", json!({ "title": "矩阵案例", "field": "食品安全", "legal_basis": "食品安全法" }))),
        row("GET /api/supervision/desk",                   "403   200   200   200   403   403   403   403   403   403   403   403   403   401", get("/api/supervision/desk")),
        row("GET /api/supervision/desk?region=上城区",      "403   200   200   403   403   403   403   403   403   403   403   403   403   401", get("/api/supervision/desk?region=330102")),
        row("GET /api/supervision/desk?region=杭州市",      "403   403   200   403   403   403   403   403   403   403   403   403   403   401", get("/api/supervision/desk?region=330100")),
        row("GET /api/supervision/desk?region=000000",     "404   404   404   404   404   404   404   404   404   404   404   404   404   401", get("/api/supervision/desk?region=000000")),
        // The lines behind a body's count on the desk, under the desk's rule.
        row("GET /api/supervision/desk/lines",             "403   200   200   200   403   403   403   403   403   403   403   403   403   401", get("/api/supervision/desk/lines?kind=task&org={market}")),
        row("GET …/desk/lines?region=上城区",               "403   200   200   403   403   403   403   403   403   403   403   403   403   401", get("/api/supervision/desk/lines?kind=dispute&org={market}&region=330102")),
        row("GET …/desk/lines?region=杭州市",               "403   403   200   403   403   403   403   403   403   403   403   403   403   401", get("/api/supervision/desk/lines?kind=referral&org={market}&region=330100")),
        row("GET …/desk/lines?region=000000",              "404   404   404   404   404   404   404   404   404   404   404   404   404   401", get("/api/supervision/desk/lines?kind=task&org={market}&region=000000")),
        // ---- the signed log: a public trust root, like a transparency log (hashes only) ----
        row("GET /api/log/key",                            "200   200   200   200   200   200   200   200   200   200   200   200   200   200", get("/api/log/key")),
        row("GET /api/log/checkpoint",                     "200   200   200   200   200   200   200   200   200   200   200   200   200   200", get("/api/log/checkpoint")),
        row("GET /api/log/proofs/inclusion",               "200   200   200   200   200   200   200   200   200   200   200   200   200   200", get("/api/log/proofs/inclusion?index=0&size=1")),
        row("GET /api/log/proofs/consistency",             "200   200   200   200   200   200   200   200   200   200   200   200   200   200", get("/api/log/proofs/consistency?old=1&new=1")),
        // ---- the audit trail ----
        row("GET /api/audit",                              "200   403   403   403   403   403   403   403   403   403   403   403   403   401", get("/api/audit")),
        row("GET /api/audit?org_id={market}",              "200   403   403   403   403   403   403   403   403   403   403   200   403   401", get("/api/audit?org_id={market}")),
        row("GET /api/audit?org_id={court}",               "200   403   403   403   403   403   403   403   403   403   403   403   403   401", get("/api/audit?org_id={court}")),
        row("GET /api/audit.csv",                          "200   403   403   403   403   403   403   403   403   403   403   403   403   401", get("/api/audit.csv")),
        row("GET /api/audit.csv?org_id={market}",          "200   403   403   403   403   403   403   403   403   403   403   200   403   401", get("/api/audit.csv?org_id={market}")),
        // The chain check runs over the whole trail: operators only, like `concord admin audit-verify`.
        row("GET /api/audit/verify",                       "200   403   403   403   403   403   403   403   403   403   403   403   403   401", get("/api/audit/verify")),
    ]
}

/// A session id that belongs to no one, for callers that have no session of their own.
const NO_SUCH_ID: &str = "00000000-0000-4000-8000-000000000000";

/// Sessions minted for the matrix live an hour: far longer than the test.
const HOUR_MS: i64 = 3_600_000;

/// The one server and world every cell runs against.
struct Matrix {
    server: TestServer,
    world: World,
    /// The server's database, opened beside it to mint credentials and throwaway objects.
    db: Db,
    space: String,
    doc: String,
    /// A dispute raised by `market` against `township`, and `market`'s statement in it.
    dispute: String,
    statement: String,
    /// A sensitive joint investigation group led by `market` (see its rows), its summary
    /// section and the police's section.
    group: String,
    group_summary: String,
    police_section: String,
    /// The referrals of `market` (see their rows).
    referrals: Referrals,
    /// A task `market` set for `township`, and a notice it sent to it (see their rows).
    task: String,
    notice: String,
    /// A supervision document the county bureau drafts to `market` (see its rows).
    supervision: String,
    /// A campaign the county bureau plans over `market` and `township` (not launched: the
    /// bodies see nothing yet; see its rows).
    campaign: String,
    /// A case-file review the county bureau plans of `market` and `township` (not launched).
    review: String,
    /// A case-file review `market` plans of its own field, itself (not launched).
    dept_review: String,
    /// An inspection's results `market` filed with 上城区司法局, and that bureau's draft plan.
    filing: String,
    draft_plan: String,
    /// The secret of `market`'s token with only `spaces:read`.
    read_token: String,
    /// The hash of [`PASSWORD`], to put a changed password back without the server.
    password_hash: String,
    counter: AtomicU32,
}

/// What one cell's placeholders stand for.
struct CellVars {
    role: Role,
    /// A number no other cell uses, for codes and names that must be new.
    n: u32,
    own_session: Option<String>,
    victim_session: Option<String>,
    market_token: Option<String>,
    court_token: Option<String>,
}

/// One cell's answer: what the table compares, and the server's message, for the report.
struct Answer {
    outcome: String,
    detail: String,
}

impl Matrix {
    async fn build() -> Matrix {
        let server = TestServer::start().await;
        let world = World::build(&server).await;
        let (space, doc) = space_with_doc(&server, &world).await;
        let (dispute, statement) = dispute_of_market(&server, &world).await;
        let (group, group_summary, police_section) = group_of_market(&server, &world).await;
        let referrals = referral_of_market(&server, &world).await;
        let (task, notice) = task_and_notice_of_market(&server, &world).await;
        let supervision = supervision_to_market(&server, &world).await;
        let campaign = campaign_over_market(&server, &world).await;
        let review = review_of_market(&server, &world).await;
        let dept_review = review_by_market(&server, &world).await;
        let (filing, draft_plan) = filing_and_plan(&server).await;
        let admin = Api::signed_in(&server, "market-admin").await;
        let (status, created) = admin
            .post(
                &format!("/api/orgs/{}/tokens", world.org("market")),
                json!({ "name": "只读系统", "permissions": ["spaces:read"], "expires_in_days": 30 }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let read_token = created["token"].as_str().unwrap().to_owned();
        // One key binding, so the log has a leaf to prove.
        crate::minutes::enrolled_key(&Api::signed_in(&server, "market").await).await;
        let db = open_db(&server, None).await;
        let password_hash = server::auth::password::hash_blocking(PASSWORD).unwrap();
        Matrix {
            server,
            world,
            db,
            space,
            doc,
            dispute,
            statement,
            group,
            group_summary,
            police_section,
            referrals,
            task,
            notice,
            supervision,
            campaign,
            review,
            dept_review,
            filing,
            draft_plan,
            read_token,
            password_hash,
            counter: AtomicU32::new(100),
        }
    }

    fn event(&self, action: &str) -> AuditEvent {
        AuditEvent {
            at: now_unix_ms(),
            actor_user_id: None,
            actor_org_id: None,
            action: action.into(),
            target: String::new(),
            detail: json!({ "via": "authz matrix" }),
            ip: None,
        }
    }

    /// A new live session of `username`: its cookie secret and its public id.
    async fn mint_session(&self, username: &str) -> (String, String) {
        let secret = new_secret("");
        let now = now_unix_ms();
        let session = self
            .db
            .create_session(
                &NewSession {
                    token_hash: secret_hash(&secret),
                    user_id: self.world.users[username].clone(),
                    now,
                    idle_expires_at: now + HOUR_MS,
                    absolute_expires_at: now + HOUR_MS,
                    ip: None,
                    user_agent: Some("authz matrix".into()),
                },
                &self.event("login"),
            )
            .await
            .expect("minting a session");
        (secret, session.id)
    }

    /// A new live token of the organization `code`, by id.
    async fn mint_token(&self, code: &str) -> String {
        let now = now_unix_ms();
        let token = self
            .db
            .create_api_token(
                &NewApiToken {
                    org_id: self.world.org(code).to_owned(),
                    name: Name::parse("矩阵临时令牌").unwrap(),
                    token_hash: secret_hash(&new_secret("cct_")),
                    permissions: vec!["spaces:read".into()],
                    created_by: self.world.users["operator"].clone(),
                    now,
                    expires_at: now + HOUR_MS,
                },
                &self.event("token_created"),
            )
            .await
            .expect("minting a token");
        token.id
    }

    /// A new signing key of `username`, enrolled through the API as they would, by id.
    async fn mint_key(&self, username: &str) -> String {
        let (secret, _) = self.mint_session(username).await;
        let api = Api::new(&self.server);
        let url: reqwest::Url = api.base.parse().unwrap();
        api.jar
            .add_cookie_str(&format!("concord_session={secret}; Path=/"), &url);
        let key = PersonSigner::generate();
        let (status, body) = api
            .post(
                "/api/keys",
                json!({ "public_key_pem": key.public().spki_pem() }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "minting a key: {body}");
        key.public().key_id()
    }

    /// The seal in force of the organization `code`, bound straight into the database when
    /// it has none (the matrix never signs with it: only revoking it matters here).
    async fn seal_in_force(&self, code: &str) -> String {
        let org_id = self.world.org(code);
        if let Some(seal) = self.db.seal_key(org_id).await.expect("reading the seal") {
            return seal.key_id;
        }
        let public = SealKey::generate().public();
        let key_id = public.key_id();
        let bytes = format!("matrix seal {key_id}").into_bytes();
        let binding = NewLeaf {
            kind: LeafKind::KeyBinding,
            subject: format!("key:{key_id}"),
            leaf_hash: server::signing::merkle::leaf_hash(&bytes),
            bytes,
        };
        let key = NewSigningKey {
            key_id,
            purpose: "seal",
            algorithm: "sm2",
            org_id: org_id.to_owned(),
            user_id: None,
            spki: public.spki_der(),
            sealed_private: Some(b"never opened by the matrix".to_vec()),
            bound_at: now_unix_ms(),
        };
        self.db
            .bind_key(&key, &binding, &Effects::default())
            .await
            .expect("binding a seal")
            .key_id
    }

    /// A client for `role`, with fresh credentials, and the id of its session if it has one.
    async fn caller(&self, role: Role) -> (Api, Option<String>) {
        match role {
            Role::ReadToken => (Api::with_token(&self.server, &self.read_token), None),
            Role::Anonymous => (Api::new(&self.server), None),
            _ => {
                let username = role.username().unwrap();
                let (secret, id) = self.mint_session(username).await;
                let api = Api::new(&self.server);
                let url: reqwest::Url = api.base.parse().unwrap();
                api.jar
                    .add_cookie_str(&format!("concord_session={secret}; Path=/"), &url);
                (api, Some(id))
            }
        }
    }

    /// Fills the placeholders of `text` in for one cell, minting what it names the first
    /// time the cell names it.
    async fn fill(&self, text: &str, cell: &mut CellVars) -> String {
        let login = match cell.role {
            Role::ReadToken => "market",
            Role::Anonymous => "court",
            role => role.username().unwrap(),
        };
        let mut text = text
            .replace("{space}", &self.space)
            .replace("{doc}", &self.doc)
            .replace("{dispute}", &self.dispute)
            .replace("{statement}", &self.statement)
            .replace("{group_summary}", &self.group_summary)
            .replace("{group}", &self.group)
            .replace("{police_section}", &self.police_section)
            .replace("{referral}", &self.referrals.sent)
            .replace("{referral_item}", &self.referrals.sent_item)
            .replace("{draft_referral}", &self.referrals.draft)
            .replace("{draft_item}", &self.referrals.draft_item)
            .replace("{clue}", &self.referrals.clue)
            .replace("{clue_item}", &self.referrals.clue_item)
            .replace("{task}", &self.task)
            .replace("{filing}", &self.filing)
            .replace("{draft_plan}", &self.draft_plan)
            .replace("{notice}", &self.notice)
            .replace("{supervision}", &self.supervision)
            .replace("{campaign}", &self.campaign)
            .replace("{dept_review}", &self.dept_review)
            .replace("{review}", &self.review)
            .replace("{market}", self.world.org("market"))
            .replace("{court}", self.world.org("court"))
            .replace("{township}", self.world.org("township"))
            .replace("{police}", self.world.org("police"))
            .replace("{procuratorate}", self.world.org("procuratorate"))
            .replace("{ningbo}", self.world.org("ningbo-bureau"))
            .replace("{market_user}", &self.world.users["market"])
            .replace("{operator_user}", &self.world.users["operator"])
            .replace(
                "{own_session}",
                cell.own_session.as_deref().unwrap_or(NO_SUCH_ID),
            )
            .replace("{login}", login)
            .replace("{n}", &cell.n.to_string());
        // A referral's revision as it is now, read when the cell runs, so a probe given on
        // the current revision is refused by the machine alone, never as stale.
        for (placeholder, id) in [
            ("{referral_revision}", &self.referrals.sent),
            ("{draft_revision}", &self.referrals.draft),
            ("{clue_revision}", &self.referrals.clue),
        ] {
            if text.contains(placeholder) {
                let referral = self.db.referral(id).await.expect("reading a referral");
                let revision = referral
                    .expect("the matrix's referral")
                    .revision
                    .to_string();
                // In a JSON body the placeholder is a string: it becomes the number.
                text = text
                    .replace(&format!("\"{placeholder}\""), &revision)
                    .replace(placeholder, &revision);
            }
        }
        if text.contains("{fresh_notice}") {
            let market = Api::signed_in(&self.server, "market").await;
            let notice = notice_of_market(&market, &self.world).await;
            text = text.replace("{fresh_notice}", &notice);
        }
        if text.contains("{victim_session}") {
            if cell.victim_session.is_none() {
                cell.victim_session = Some(self.mint_session("ningbo-bureau").await.1);
            }
            text = text.replace("{victim_session}", cell.victim_session.as_deref().unwrap());
        }
        if text.contains("{market_token}") {
            if cell.market_token.is_none() {
                cell.market_token = Some(self.mint_token("market").await);
            }
            text = text.replace("{market_token}", cell.market_token.as_deref().unwrap());
        }
        if text.contains("{market_key}") {
            text = text.replace("{market_key}", &self.mint_key("market").await);
        }
        if text.contains("{court_key}") {
            text = text.replace("{court_key}", &self.mint_key("court").await);
        }
        if text.contains("{market_seal}") {
            text = text.replace("{market_seal}", &self.seal_in_force("market").await);
        }
        if text.contains("{court_token}") {
            if cell.court_token.is_none() {
                cell.court_token = Some(self.mint_token("court").await);
            }
            text = text.replace("{court_token}", cell.court_token.as_deref().unwrap());
        }
        text
    }

    async fn prepare(&self, before: Before) {
        match before {
            Before::Nothing => {}
            Before::NingboTakesPart => self
                .db
                .set_space_member(
                    &self.space,
                    self.world.org("ningbo-bureau"),
                    SpaceRole::Observer,
                    &self.event("space_member_set"),
                )
                .await
                .expect("ningbo-bureau joins the space"),
        }
    }

    async fn tidy(&self, after: After, role: Role) {
        match after {
            After::Nothing => {}
            After::RestorePassword => {
                if let Some(username) = role.username() {
                    self.db
                        .set_password(
                            &self.world.users[username],
                            &self.password_hash,
                            &self.event("password_reset"),
                        )
                        .await
                        .expect("putting the password back");
                }
            }
        }
    }

    async fn run(&self, row: &Row, role: Role) -> Answer {
        self.prepare(row.before).await;
        let (api, own_session) = self.caller(role).await;
        let mut cell = CellVars {
            role,
            n: self.counter.fetch_add(1, Ordering::Relaxed),
            own_session,
            victim_session: None,
            market_token: None,
            court_token: None,
        };
        let answer = match &row.probe {
            Probe::Rest {
                method,
                path,
                body,
                read,
            } => {
                let path = self.fill(path, &mut cell).await;
                let body = match body {
                    Some(body) => {
                        let text = self.fill(&body.to_string(), &mut cell).await;
                        Some(serde_json::from_str(&text).unwrap())
                    }
                    None => None,
                };
                let (status, body) = api.request(method.clone(), &path, body).await;
                Answer {
                    outcome: self.outcome(status, &body, *read),
                    detail: message(&body).to_owned(),
                }
            }
            Probe::Websocket => self.upgrade(&api).await,
            Probe::Bytes {
                method,
                path,
                bytes,
            } => {
                let path = self.fill(path, &mut cell).await;
                let (status, body) = crate::tasks::send_bytes(
                    &api,
                    method.clone(),
                    &path,
                    Some("application/pdf"),
                    bytes.to_vec(),
                )
                .await;
                Answer {
                    outcome: status.as_u16().to_string(),
                    detail: message(&body).to_owned(),
                }
            }
        };
        self.tidy(row.after, role).await;
        answer
    }

    fn outcome(&self, status: StatusCode, body: &Value, read: Read) -> String {
        let code = status.as_u16().to_string();
        if status != StatusCode::OK {
            return code;
        }
        match read {
            Read::Status => code,
            Read::ListsSpace => {
                let listed = body["spaces"]
                    .as_array()
                    .is_some_and(|spaces| spaces.iter().any(|s| s["id"] == self.space.as_str()));
                format!("{code}{}", if listed { '+' } else { '-' })
            }
            Read::TicketAccess => body["access"].as_str().unwrap_or("?").to_owned(),
            Read::ListsReferral(which) | Read::ListsReferralSpace(which) => {
                let id = match which {
                    Listed::Sent => &self.referrals.sent,
                    Listed::Draft => &self.referrals.draft,
                    Listed::Clue => &self.referrals.clue,
                };
                let list = match read {
                    Read::ListsReferral(_) => "referrals",
                    _ => "spaces",
                };
                let listed = body[list]
                    .as_array()
                    .is_some_and(|all| all.iter().any(|r| r["id"] == id.as_str()));
                format!("{code}{}", if listed { '+' } else { '-' })
            }
        }
    }

    async fn upgrade(&self, api: &Api) -> Answer {
        use tungstenite::client::IntoClientRequest;
        let url = format!("ws://{}/ws/docs/{}", self.server.addr, self.doc);
        let mut request = url.into_client_request().unwrap();
        let headers = request.headers_mut();
        if let Some(cookie) = api.cookie_header() {
            headers.insert("cookie", cookie.parse().unwrap());
        }
        if let Some(origin) = &api.origin {
            headers.insert("origin", origin.parse().unwrap());
        }
        if let Some(token) = &api.bearer {
            headers.insert("authorization", format!("Bearer {token}").parse().unwrap());
        }
        match tokio_tungstenite::connect_async(request).await {
            Ok((mut socket, response)) => {
                let _ = socket.close(None).await;
                Answer {
                    outcome: response.status().as_u16().to_string(),
                    detail: String::new(),
                }
            }
            Err(tungstenite::Error::Http(response)) => {
                let body = response
                    .body()
                    .as_deref()
                    .and_then(|b| serde_json::from_slice::<Value>(b).ok())
                    .unwrap_or(Value::Null);
                Answer {
                    outcome: response.status().as_u16().to_string(),
                    detail: message(&body).to_owned(),
                }
            }
            Err(e) => Answer {
                outcome: "error".into(),
                detail: e.to_string(),
            },
        }
    }
}

/// A space convened by the market department, with the township as a member and the police
/// as an observer, and one document.
async fn space_with_doc(server: &TestServer, world: &World) -> (String, String) {
    let convener = Api::signed_in(server, "market").await;
    let (status, space) = convener
        .post(
            "/api/spaces",
            json!({ "kind": "meeting", "title": "联合执法协调会" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{space}");
    let space_id = space["id"].as_str().unwrap().to_owned();
    for (org, role) in [("township", "member"), ("police", "observer")] {
        let (status, body) = convener
            .put(
                &format!("/api/spaces/{space_id}/members/{}", world.org(org)),
                json!({ "role": role }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, doc) = convener
        .post(
            &format!("/api/spaces/{space_id}/docs"),
            json!({ "title": "会议纪要" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{doc}");
    (space_id, doc["doc_id"].as_str().unwrap().to_owned())
}

/// A dispute raised by the market department against the township, and the market
/// department's statement document in it.
async fn dispute_of_market(server: &TestServer, world: &World) -> (String, String) {
    let market = Api::signed_in(server, "market").await;
    let (status, dispute) = market
        .post(
            "/api/disputes",
            json!({
                "kind": "negative", "title": "占道经营执法职责争议", "description": "双方均认为不属本单位管辖",
                "parties": [world.org("township")], "position": "已随综合执法下放街道",
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{dispute}");
    let statement = dispute["parties"][0]["statement_doc_id"]
        .as_str()
        .unwrap()
        .to_owned();
    (dispute["id"].as_str().unwrap().to_owned(), statement)
}

/// A sensitive group of high public attention led by the market department: the police
/// confirmed, the township invited, the court related; its summary and the police's section.
async fn group_of_market(server: &TestServer, world: &World) -> (String, String, String) {
    let market = Api::signed_in(server, "market").await;
    let (status, group) = market
        .post(
            "/api/investigations",
            json!({
                "case_name": "湖滨路制售假冒食品案", "summary": "群众举报", "areas": "食品安全",
                "confidentiality": "sensitive", "public_attention": true,
                "members": [world.org("police"), world.org("township")],
                "related": [world.org("court")],
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    let id = group["id"].as_str().unwrap().to_owned();
    let police = Api::signed_in(server, "police").await;
    let (status, body) = police
        .post(
            &format!("/api/investigations/{id}/membership"),
            json!({ "command": "confirm", "responsible_person": "王警官", "contact": "0571-87000000" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let section = body["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["org_id"] == world.org("police"))
        .and_then(|m| m["section_doc_id"].as_str())
        .unwrap()
        .to_owned();
    let summary = group["summary_doc_id"].as_str().unwrap().to_owned();
    (id, summary, section)
}

/// The matrix's referrals, all of `market`, each with one item of its checklist.
struct Referrals {
    /// A suspected crime referred to the police, copied to the procuratorate: submitted,
    /// approved by `market-admin` and sent (not yet received).
    sent: String,
    sent_item: String,
    /// The same kind of referral, still a draft (its items have their files).
    draft: String,
    draft_item: String,
    /// Problem clues sent to discipline inspection: a closed space.
    clue: String,
    clue_item: String,
}

/// `POST /api/referrals/{id}/actions` with `command` at the referral's revision now.
async fn referral_command(api: &Api, id: &str, command: &str) {
    let (status, referral) = api.get(&format!("/api/referrals/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{referral}");
    let (status, body) = api
        .post(
            &format!("/api/referrals/{id}/actions"),
            json!({ "command": command, "revision": referral["revision"] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{command}: {body}");
}

/// A draft of `market` with every item's file uploaded; its id and first item's id.
async fn referral_draft(market: &Api, body: Value) -> (String, String) {
    let (status, referral) = market.post("/api/referrals", body).await;
    assert_eq!(status, StatusCode::CREATED, "{referral}");
    let id = referral["id"].as_str().unwrap().to_owned();
    let items: Vec<String> = referral["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect();
    for (index, item) in items.iter().enumerate() {
        let (status, body) = crate::tasks::send_bytes(
            market,
            Method::PUT,
            &format!("/api/referrals/{id}/items/{item}/file?name=材料{index}.pdf"),
            Some("application/pdf"),
            format!("%PDF-1.4 矩阵材料 {index}").into_bytes(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    (id, items[0].clone())
}

/// Submitted by `market`, approved by its head `market-admin`, sent by `market`.
async fn referral_sent(server: &TestServer, market: &Api, id: &str) {
    referral_command(market, id, "submit").await;
    let head = Api::signed_in(server, "market-admin").await;
    referral_command(&head, id, "approve").await;
    referral_command(market, id, "send").await;
}

/// A 行政执法监督通知书 the county bureau drafts to `market` (not yet issued: the body does not
/// see it).
async fn supervision_to_market(server: &TestServer, world: &World) -> String {
    let bureau = Api::signed_in(server, "county-bureau").await;
    let (status, drafted) = bureau
        .post(
            "/api/supervision-docs",
            json!({ "kind": "notice", "body_org_id": world.org("market"), "title": "矩阵监督通知" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{drafted}");
    drafted["id"].as_str().unwrap().to_owned()
}

/// A special supervision campaign the county bureau plans over `market` and `township`
/// (planned: the bodies it covers do not see it before it is launched).
async fn campaign_over_market(server: &TestServer, world: &World) -> String {
    let bureau = Api::signed_in(server, "county-bureau").await;
    let (status, planned) = bureau
        .post(
            "/api/campaigns",
            json!({
                "kind": "special", "field": "营商环境", "title": "矩阵专项监督",
                "starts_on": "2026-03-01", "ends_on": "2026-06-30",
                "body_org_ids": [world.org("market"), world.org("township")],
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{planned}");
    planned["id"].as_str().unwrap().to_owned()
}

/// A cross review the county bureau plans of `market` and `township` (planned: they do not
/// see it before it is launched).
async fn review_of_market(server: &TestServer, world: &World) -> String {
    let bureau = Api::signed_in(server, "county-bureau").await;
    let (status, planned) = bureau
        .post(
            "/api/reviews",
            json!({
                "kind": "cross", "title": "矩阵交叉评查",
                "starts_on": "2025-01-01", "ends_on": "2025-12-31",
                "reviewed_org_ids": [world.org("market"), world.org("township")],
                "reviewer_org_ids": [world.org("market"), world.org("township")],
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{planned}");
    planned["id"].as_str().unwrap().to_owned()
}

/// A comprehensive review the market department plans of its own field (itself; planned).
async fn review_by_market(server: &TestServer, world: &World) -> String {
    let market = Api::signed_in(server, "market").await;
    let (status, planned) = market
        .post(
            "/api/reviews",
            json!({
                "kind": "comprehensive", "title": "矩阵部门评查",
                "starts_on": "2025-01-01", "ends_on": "2025-12-31",
                "reviewed_org_ids": [world.org("market")],
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{planned}");
    planned["id"].as_str().unwrap().to_owned()
}

/// The market department's referrals: a suspected crime sent to the police and copied to the
/// procuratorate, another still a draft, and problem clues sent to discipline inspection.
async fn referral_of_market(server: &TestServer, world: &World) -> Referrals {
    let market = Api::signed_in(server, "market").await;
    let criminal = json!({
        "kind": "criminal",
        "receiver_org_id": world.org("police"),
        "copy_org_id": world.org("procuratorate"),
        "case_name": "湖滨路销售假冒注册商标食品案",
        "case_number": "上市监立〔2026〕58号",
        "facts": "经查，当事人销售假冒注册商标的食品，货值金额逾十五万元，涉嫌销售假冒注册商标的商品罪。",
        "legal_basis": "《行政执法机关移送涉嫌犯罪案件的规定》第三条",
        "items": ["现场检查笔录", "抽样检验报告", "涉案物品清单"],
    });
    let (sent, sent_item) = referral_draft(&market, criminal.clone()).await;
    referral_sent(server, &market, &sent).await;
    let (draft, draft_item) = referral_draft(&market, criminal).await;
    let (clue, clue_item) = referral_draft(
        &market,
        json!({
            "kind": "clue",
            "receiver_org_id": world.org("discipline"),
            "case_name": "某执法人员违规减免罚款问题线索",
            "facts": "办案中发现，某执法人员在三起案件中违规减免罚款。",
            "legal_basis": "《中国共产党纪律检查机关监督执纪工作规则》",
            "items": ["案卷评查记录"],
        }),
    )
    .await;
    referral_sent(server, &market, &clue).await;
    Referrals {
        sent,
        sent_item,
        draft,
        draft_item,
        clue,
        clue_item,
    }
}

/// A notice `market` sends to `township`, requiring 签收; its id.
async fn notice_of_market(market: &Api, world: &World) -> String {
    let (status, notice) = market
        .post(
            "/api/notices",
            json!({
                "kind": "information", "title": "关于开展食品安全检查的通报", "body": "请知悉并签收。",
                "recipients": [world.org("township")],
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{notice}");
    notice["id"].as_str().unwrap().to_owned()
}

/// A task `market` sets for `township` (dispatched), and a notice it sends to it.
async fn task_and_notice_of_market(server: &TestServer, world: &World) -> (String, String) {
    let market = Api::signed_in(server, "market").await;
    let task = crate::tasks::new_task(&market, world.org("township"), json!({})).await;
    let notice = notice_of_market(&market, world).await;
    (task["id"].as_str().unwrap().to_owned(), notice)
}

/// One cell the server answered differently from the table.
struct Mismatch {
    row: &'static str,
    role: Role,
    expected: String,
    actual: String,
    detail: String,
}

/// The whole matrix as the server answered it, a mismatch shown as `actual!expected`, then
/// every mismatch with the server's message.
fn report(rows: &[Row], actual: &[Vec<String>], mismatches: &[Mismatch]) -> String {
    let width = rows
        .iter()
        .map(|r| r.what.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for role in ROLES {
        let _ = write!(out, "{} = {}; ", role.column(), role.label());
    }
    let _ = write!(out, "\n\n{:width$}", "");
    for role in ROLES {
        let _ = write!(out, " {:>9}", role.column());
    }
    out.push('\n');
    for (row, answers) in rows.iter().zip(actual) {
        let _ = write!(
            out,
            "{}{}",
            row.what,
            " ".repeat(width - row.what.chars().count())
        );
        for (answer, expected) in answers.iter().zip(row.expected.split_whitespace()) {
            let cell = if answer == expected {
                answer.clone()
            } else {
                format!("{answer}!{expected}")
            };
            let _ = write!(out, " {cell:>9}");
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "\n{} mismatch(es) (shown above as actual!expected):",
        mismatches.len()
    );
    for m in mismatches {
        let _ = writeln!(
            out,
            "  {} as {}: expected {}, got {} ({})",
            m.row,
            m.role.label(),
            m.expected,
            m.actual,
            m.detail
        );
    }
    out
}

#[tokio::test]
async fn every_route_answers_every_kind_of_caller_as_the_policy_says() {
    let rows = table();
    for row in &rows {
        assert_eq!(
            row.expected.split_whitespace().count(),
            ROLES.len(),
            "the table's row {:?} needs one expectation per caller",
            row.what
        );
    }
    let matrix = Matrix::build().await;

    let mut actual = Vec::new();
    let mut mismatches = Vec::new();
    for row in &rows {
        let mut answers = Vec::new();
        for (role, expected) in ROLES.into_iter().zip(row.expected.split_whitespace()) {
            let answer = matrix.run(row, role).await;
            if answer.outcome != expected {
                mismatches.push(Mismatch {
                    row: row.what,
                    role,
                    expected: expected.to_owned(),
                    actual: answer.outcome.clone(),
                    detail: answer.detail,
                });
            }
            answers.push(answer.outcome);
        }
        actual.push(answers);
    }

    matrix.db.close().await;
    assert!(
        mismatches.is_empty(),
        "\n{}",
        report(&rows, &actual, &mismatches)
    );
}

/// An inspection's results `market` filed, and 上城区司法局's draft plan of 2026.
async fn filing_and_plan(server: &TestServer) -> (String, String) {
    let market = Api::signed_in(server, "market").await;
    let (status, filing) = market
        .post(
            "/api/filings",
            json!({ "kind": "inspection_result", "title": "矩阵执法检查结果", "text": "检查结果" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{filing}");
    let bureau = Api::signed_in(server, "county-bureau").await;
    let (status, plan) = bureau
        .post(
            "/api/plans",
            json!({ "year": 2026, "title": "上城区2026年度行政执法监督工作方案" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{plan}");
    (
        filing["id"].as_str().unwrap().to_owned(),
        plan["id"].as_str().unwrap().to_owned(),
    )
}
