//! Who may see and do what with tasks and notifications: every route, asked by every kind of
//! caller, against a table of the answers the policy promises.
//!
//! Only the bodies involved act on a task (setter, assignee) or a notice (sender,
//! recipients); the judicial bureau supervising their region reads both and acts on neither
//! (403 naming the rule); everyone else (another body, a sibling region's bureau, an operator,
//! a token without the permission) is told 404, exactly as for an id that does not exist. A
//! caller that may see but not do gets 403 naming the rule; a party that may act but not in
//! this state gets 409.
//!
//! One server and world serve the whole matrix. A cell that changes something brings its own
//! fresh task or notice (the `{fresh_…}` placeholders), so cells never disturb each other.

use std::fmt::Write as _;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::api::{message, open_db, Api, World};
use crate::support::server::TestServer;
use crate::tasks::{act, mint_token, new_task, send_bytes};

/// The callers, in the order of the table's columns.
const ROLES: [Role; 12] = [
    Role::Setter,
    Role::Assignee,
    Role::SetterAdmin,
    Role::Outsider,
    Role::Bureau,
    Role::SiblingBureau,
    Role::Operator,
    Role::WriteToken,
    Role::ReadToken,
    Role::BareToken,
    Role::AssigneeToken,
    Role::Anonymous,
];

/// Who asks. Tasks and notices of the matrix go from `market` (setter, sender) to `township`
/// (assignee, recipient).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A member of `market`.
    Setter,
    /// A member of `township`.
    Assignee,
    /// `market-admin`: an administrator of the setting body, no more than its members here.
    SetterAdmin,
    /// A member of `court`, not involved.
    Outsider,
    /// 上城区司法局, the judicial bureau of the region: supervises (reads) the tasks and
    /// notices of its bodies, never acts on them.
    Bureau,
    /// 拱墅区司法局, the judicial bureau of a sibling county: sees none of them.
    SiblingBureau,
    /// An operator, who belongs to no body.
    Operator,
    /// A token of `market` with tasks:write and notices:write.
    WriteToken,
    /// A token of `market` with tasks:read and notices:read.
    ReadToken,
    /// A token of `market` with spaces:read only.
    BareToken,
    /// A token of `township` with tasks:write and notices:write.
    AssigneeToken,
    /// No credentials.
    Anonymous,
}

impl Role {
    fn column(self) -> &'static str {
        match self {
            Role::Setter => "set",
            Role::Assignee => "asg",
            Role::SetterAdmin => "adm",
            Role::Outsider => "out",
            Role::Bureau => "bur",
            Role::SiblingBureau => "sbur",
            Role::Operator => "op",
            Role::WriteToken => "tw",
            Role::ReadToken => "tr",
            Role::BareToken => "tn",
            Role::AssigneeToken => "atw",
            Role::Anonymous => "anon",
        }
    }

    fn username(self) -> Option<&'static str> {
        match self {
            Role::Setter => Some("market"),
            Role::Assignee => Some("township"),
            Role::SetterAdmin => Some("market-admin"),
            Role::Outsider => Some("court"),
            Role::Bureau => Some("county-bureau"),
            Role::SiblingBureau => Some("sibling-bureau"),
            Role::Operator => Some("operator"),
            _ => None,
        }
    }
}

/// What a cell reads from the answer.
#[derive(Debug, Clone, Copy)]
enum Read {
    Status,
    /// `200+` when the matrix's shared task is in the list, `200-` when not.
    ListsTask,
    /// The same for the shared notice.
    ListsNotice,
}

struct Row {
    what: &'static str,
    method: Method,
    path: &'static str,
    /// JSON, or `None` for a raw body (an attachment).
    body: Option<Value>,
    read: Read,
    expected: &'static str,
}

fn row(
    what: &'static str,
    expected: &'static str,
    method: Method,
    path: &'static str,
    body: Option<Value>,
) -> Row {
    Row {
        what,
        method,
        path,
        body,
        read: Read::Status,
        expected,
    }
}

/// The matrix. Placeholders: `{task}` (shared, dispatched), `{attachment}` (on it), `{notice}`
/// (shared), `{fresh_task}` (dispatched), `{fresh_acknowledged}` (acknowledged), `{ext_task}`
/// and `{ext}` (an acknowledged task with a pending extension request), `{fresh_notice}`,
/// `{reply_notice}` (needs a reply, no acknowledgement), `{replied_notice}` (replied by the
/// township), `{police}`, `{township}`, `{far}` (a deadline months ahead).
#[rustfmt::skip]
fn table() -> Vec<Row> {
    use Method as M;
    let lists = |what, expected, path, read| Row { what, method: M::GET, path, body: None, read, expected };
    vec![
        // Columns:                                                        set   asg   adm   out   bur   sbur  op    tw    tr    tn    atw   anon
        lists("GET /api/tasks?list=set_by_us",                            "200+  200-  200+  200-  200-  200-  200-  200+  200+  200-  200-  401", "/api/tasks?list=set_by_us&limit=200", Read::ListsTask),
        lists("GET /api/tasks?list=open",                                 "200-  200+  200-  200-  200-  200-  200-  200-  200-  200-  200+  401", "/api/tasks?list=open&limit=200", Read::ListsTask),
        lists("GET /api/notices?box=sent",                                "200+  200-  200+  200-  200-  200-  200-  200+  200+  200-  200-  401", "/api/notices?box=sent&limit=200", Read::ListsNotice),
        lists("GET /api/notices?box=received",                            "200-  200+  200-  200-  200-  200-  200-  200-  200-  200-  200+  401", "/api/notices?box=received&limit=200", Read::ListsNotice),
        // ---- tasks ----
        row("POST /api/tasks",                                            "201   201   201   201   201   201   403   201   403   403   201   401", M::POST, "/api/tasks", Some(json!({ "title": "矩阵任务", "body": "矩阵", "assignee_org_id": "{police}", "due_at": "{far}" }))),
        row("GET /api/tasks/{task}",                                      "200   200   200   404   200   404   404   200   200   404   200   401", M::GET, "/api/tasks/{task}", None),
        row("POST /api/tasks/{task}/actions/close (not now)",             "409   409   409   404   403   404   404   409   403   404   409   401", M::POST, "/api/tasks/{task}/actions/close", Some(json!({ "revision": 1 }))),
        row("POST /api/tasks/{fresh}/actions/acknowledge",                "409   200   409   404   403   404   404   409   403   404   200   401", M::POST, "/api/tasks/{fresh_task}/actions/acknowledge", Some(json!({ "revision": 1 }))),
        row("POST /api/tasks/{task}/comments",                            "201   201   201   404   403   404   404   201   403   404   201   401", M::POST, "/api/tasks/{task}/comments", Some(json!({ "body": "矩阵留言" }))),
        row("POST /api/tasks/{task}/attachments",                         "201   201   201   404   403   404   404   201   403   404   201   401", M::POST, "/api/tasks/{task}/attachments?name=matrix.txt", None),
        row("GET /api/tasks/{task}/attachments/{att}",                    "200   200   200   404   200   404   404   200   200   404   200   401", M::GET, "/api/tasks/{task}/attachments/{attachment}", None),
        row("POST /api/tasks/{fresh}/extensions",                         "409   201   409   404   403   404   404   409   403   404   201   401", M::POST, "/api/tasks/{fresh_acknowledged}/extensions", Some(json!({ "new_due_at": "{far}", "reason": "矩阵延期" }))),
        row("POST /api/tasks/{fresh}/extensions/{ext}/decision",          "200   409   200   404   403   404   404   200   403   404   409   401", M::POST, "/api/tasks/{ext_task}/extensions/{ext}/decision", Some(json!({ "grant": true }))),
        // ---- notices ----
        row("POST /api/notices",                                          "201   201   201   201   201   201   403   201   403   403   201   401", M::POST, "/api/notices", Some(json!({ "kind": "information", "title": "矩阵通报", "body": "矩阵", "recipients": ["{police}"] }))),
        row("GET /api/notices/{notice}",                                  "200   200   200   404   200   404   404   200   200   404   200   401", M::GET, "/api/notices/{notice}", None),
        row("POST /api/notices/{fresh}/acknowledge",                      "403   200   403   404   403   404   404   403   403   404   403   401", M::POST, "/api/notices/{fresh_notice}/acknowledge", Some(json!({}))),
        row("POST /api/notices/{fresh}/reply",                            "403   200   403   404   403   404   404   403   403   404   200   401", M::POST, "/api/notices/{reply_notice}/reply", Some(json!({ "body": "矩阵回复" }))),
        row("POST /api/notices/{fresh}/receipts/{township}/close",        "200   403   200   404   403   404   404   200   403   404   403   401", M::POST, "/api/notices/{replied_notice}/receipts/{township}/close", Some(json!({}))),
        row("POST /api/notices/{fresh}/correct",                          "201   403   201   404   403   404   404   201   403   404   403   401", M::POST, "/api/notices/{fresh_notice}/correct", Some(json!({ "title": "矩阵更正", "body": "更正" }))),
        row("POST /api/notices/{fresh}/recall",                           "201   403   201   404   403   404   404   201   403   404   403   401", M::POST, "/api/notices/{fresh_notice}/recall", Some(json!({ "reason": "撤回" }))),
        // ---- the supervision desk (监督台): a person of a judicial bureau, for its region and
        // below (tests/it/supervision.rs has what it lists); a sibling's region is 403 ----
        row("GET /api/supervision/desk",                                  "403   403   403   403   200   200   403   403   403   403   403   401", M::GET, "/api/supervision/desk", None),
        row("GET /api/supervision/desk?region=拱墅区",                     "403   403   403   403   403   200   403   403   403   403   403   401", M::GET, "/api/supervision/desk?region=330105", None),
        // The lines behind a body's count: the desk's rule, the region named or the caller's.
        row("GET /api/supervision/desk/lines?kind=task&org={township}",   "403   403   403   403   200   200   403   403   403   403   403   401", M::GET, "/api/supervision/desk/lines?kind=task&org={township}", None),
        row("GET /api/supervision/desk/lines?…&region=上城区",              "403   403   403   403   200   403   403   403   403   403   403   401", M::GET, "/api/supervision/desk/lines?kind=notice&org={township}&region=330102", None),
        // ---- the inbox: a token needs tasks:read or notices:read ----
        row("GET /api/inbox",                                             "200   200   200   200   200   200   200   200   200   403   200   401", M::GET, "/api/inbox", None),
    ]
}

struct Matrix {
    server: TestServer,
    world: World,
    setter: Api,
    assignee: Api,
    task: String,
    attachment: String,
    notice: String,
    /// One client per role, in the order of [`ROLES`]: signing in is slow (argon2), and no
    /// cell changes a caller's credentials.
    callers: Vec<Api>,
}

impl Matrix {
    async fn build() -> Matrix {
        let server = TestServer::start().await;
        let world = World::build(&server).await;
        let setter = Api::signed_in(&server, "market").await;
        let assignee = Api::signed_in(&server, "township").await;
        let task = new_task(&setter, world.org("township"), json!({})).await;
        let task = task["id"].as_str().unwrap().to_owned();
        let (status, attachment) = send_bytes(
            &setter,
            Method::POST,
            &format!("/api/tasks/{task}/attachments?name=evidence.txt"),
            Some("text/plain"),
            b"evidence".to_vec(),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{attachment}");
        let attachment = attachment["id"].as_str().unwrap().to_owned();
        let notice = send_notice(&setter, &world, json!({})).await;
        let db = open_db(&server, None).await;
        let tokens = [
            mint_token(&db, &world, "market", &["tasks:write", "notices:write"]).await,
            mint_token(&db, &world, "market", &["tasks:read", "notices:read"]).await,
            mint_token(&db, &world, "market", &["spaces:read"]).await,
            mint_token(&db, &world, "township", &["tasks:write", "notices:write"]).await,
        ];
        db.close().await;
        let mut callers = Vec::new();
        for role in ROLES {
            callers.push(match role {
                Role::WriteToken => Api::with_token(&server, &tokens[0]),
                Role::ReadToken => Api::with_token(&server, &tokens[1]),
                Role::BareToken => Api::with_token(&server, &tokens[2]),
                Role::AssigneeToken => Api::with_token(&server, &tokens[3]),
                Role::Anonymous => Api::new(&server),
                _ => Api::signed_in(&server, role.username().unwrap()).await,
            });
        }
        Matrix {
            server,
            world,
            setter,
            assignee,
            task,
            attachment,
            notice,
            callers,
        }
    }

    fn caller(&self, role: Role) -> &Api {
        let index = ROLES.iter().position(|r| *r == role).unwrap();
        &self.callers[index]
    }

    /// Fills in the placeholders of `text`, making the fresh objects it names.
    async fn fill(&self, text: &str) -> String {
        let far = server::db::now_unix_ms() + 200 * 24 * 3_600_000;
        let mut text = text
            .replace("{task}", &self.task)
            .replace("{attachment}", &self.attachment)
            .replace("{notice}", &self.notice)
            .replace("{police}", self.world.org("police"))
            .replace("{township}", self.world.org("township"))
            .replace("\"{far}\"", &far.to_string());
        let township = self.world.org("township");
        if text.contains("{fresh_task}") {
            let task = new_task(&self.setter, township, json!({})).await;
            text = text.replace("{fresh_task}", task["id"].as_str().unwrap());
        }
        if text.contains("{fresh_acknowledged}") || text.contains("{ext_task}") {
            let task = new_task(&self.setter, township, json!({})).await;
            let id = task["id"].as_str().unwrap();
            let (status, body) = act(&self.assignee, id, "acknowledge", json!({})).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            text = text.replace("{fresh_acknowledged}", id);
            if text.contains("{ext}") {
                let (status, ext) = self
                    .assignee
                    .post(
                        &format!("/api/tasks/{id}/extensions"),
                        json!({ "new_due_at": far, "reason": "矩阵延期" }),
                    )
                    .await;
                assert_eq!(status, StatusCode::CREATED, "{ext}");
                text = text
                    .replace("{ext_task}", id)
                    .replace("{ext}", ext["id"].as_str().unwrap());
            }
        }
        if text.contains("{fresh_notice}") {
            let notice = send_notice(&self.setter, &self.world, json!({})).await;
            text = text.replace("{fresh_notice}", &notice);
        }
        if text.contains("{reply_notice}") || text.contains("{replied_notice}") {
            let extra = json!({ "requires_ack": false, "requires_reply": true });
            let notice = send_notice(&self.setter, &self.world, extra).await;
            if text.contains("{replied_notice}") {
                let (status, body) = self
                    .assignee
                    .post(
                        &format!("/api/notices/{notice}/reply"),
                        json!({ "body": "已办" }),
                    )
                    .await;
                assert_eq!(status, StatusCode::OK, "{body}");
            }
            text = text
                .replace("{reply_notice}", &notice)
                .replace("{replied_notice}", &notice);
        }
        text
    }

    async fn run(&self, row: &Row, role: Role) -> (String, String) {
        let api = self.caller(role);
        let path = self.fill(row.path).await;
        let (status, body) = match &row.body {
            Some(body) => {
                let text = self.fill(&body.to_string()).await;
                api.request(
                    row.method.clone(),
                    &path,
                    Some(serde_json::from_str(&text).unwrap()),
                )
                .await
            }
            None if row.method == Method::POST => {
                send_bytes(
                    api,
                    Method::POST,
                    &path,
                    Some("text/plain"),
                    b"matrix".to_vec(),
                )
                .await
            }
            None => api.request(row.method.clone(), &path, None).await,
        };
        let code = status.as_u16().to_string();
        let outcome = if status != StatusCode::OK {
            code
        } else {
            let listed = |key: &str, id: &str| {
                body[key]
                    .as_array()
                    .is_some_and(|items| items.iter().any(|i| i["id"] == id))
            };
            match row.read {
                Read::Status => code,
                Read::ListsTask => format!(
                    "{code}{}",
                    if listed("tasks", &self.task) {
                        '+'
                    } else {
                        '-'
                    }
                ),
                Read::ListsNotice => format!(
                    "{code}{}",
                    if listed("notices", &self.notice) {
                        '+'
                    } else {
                        '-'
                    }
                ),
            }
        };
        (outcome, message(&body).to_owned())
    }
}

/// Sends a notice from `api`'s body (`market`) to `township`; its id.
async fn send_notice(api: &Api, world: &World, extra: Value) -> String {
    let mut body = json!({
        "kind": "information",
        "title": "矩阵通报",
        "body": "请知悉。",
        "recipients": [world.org("township")],
    });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let (status, notice) = api.post("/api/notices", body).await;
    assert_eq!(status, StatusCode::CREATED, "{notice}");
    notice["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn only_the_bodies_involved_see_a_task_or_notice_and_each_caller_gets_what_the_policy_says() {
    let rows = table();
    for row in &rows {
        assert_eq!(
            row.expected.split_whitespace().count(),
            ROLES.len(),
            "the row {:?} needs one expectation per caller",
            row.what
        );
    }
    let matrix = Matrix::build().await;

    let mut report = String::new();
    let mut mismatches = Vec::new();
    let width = rows
        .iter()
        .map(|r| r.what.chars().count())
        .max()
        .unwrap_or(0);
    let _ = write!(report, "{:width$}", "");
    for role in ROLES {
        let _ = write!(report, " {:>9}", role.column());
    }
    report.push('\n');
    for row in &rows {
        let _ = write!(report, "{:width$}", row.what);
        for (role, expected) in ROLES.into_iter().zip(row.expected.split_whitespace()) {
            let (outcome, detail) = matrix.run(row, role).await;
            let cell = if outcome == expected {
                outcome.clone()
            } else {
                mismatches.push(format!(
                    "  {} as {:?}: expected {expected}, got {outcome} ({detail})",
                    row.what, role
                ));
                format!("{outcome}!{expected}")
            };
            let _ = write!(report, " {cell:>9}");
        }
        report.push('\n');
    }
    assert!(
        mismatches.is_empty(),
        "\n{report}\n{} mismatch(es) (actual!expected):\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[tokio::test]
async fn a_hidden_task_or_notice_answers_exactly_like_one_that_does_not_exist() {
    let matrix = Matrix::build().await;
    let outsider = Api::signed_in(&matrix.server, "sibling-bureau").await;
    let unknown = "5f0c3a52-9d1e-4c43-8f57-3b4a1c2d9e01";

    for kind in ["tasks", "notices"] {
        let id = if kind == "tasks" {
            &matrix.task
        } else {
            &matrix.notice
        };
        let (hidden_status, hidden) = outsider.get(&format!("/api/{kind}/{id}")).await;
        let (unknown_status, missing) = outsider.get(&format!("/api/{kind}/{unknown}")).await;

        assert_eq!(hidden_status, StatusCode::NOT_FOUND);
        assert_eq!(hidden_status, unknown_status);
        assert_eq!(hidden, missing, "the bodies must not tell them apart");
    }
}
