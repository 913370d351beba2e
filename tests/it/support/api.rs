//! A REST client for tests, and a small world of regions, bodies and people to test with.
//!
//! [`Api`] keeps cookies like a browser, sends this server's `Origin` on state-changing
//! requests (as a browser would), and never follows redirects, so each step is asserted.
//! [`World::build`] seeds the directory straight through `server::db` (the same functions the
//! CLI import uses) and sets passwords, so tests start from signed-in people.

use std::collections::HashMap;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use server::db::{
    now_unix_ms, AuditEvent, Db, DbConfig, DirectoryImport, ImportOrg, ImportUser, NewOrg,
    NewRegion, NewUser, SqliteSync,
};
use server::domain::org::{Level, Name, OrgCode, OrgKind, OrgRole, RegionCode, Username};

use super::server::TestServer;

/// Every seeded account's password.
pub const PASSWORD: &str = "correct horse battery staple";

pub struct Api {
    pub base: String,
    pub client: reqwest::Client,
    /// The cookies the server set, as a browser would keep them.
    pub jar: std::sync::Arc<reqwest::cookie::Jar>,
    /// Sent as `Origin` on every request; `None` to leave it out.
    pub origin: Option<String>,
    /// Sent as `Authorization: Bearer …` when set.
    pub bearer: Option<String>,
}

impl Api {
    /// A client that reads the server's messages in English: the suite's assertions read
    /// the English words (the Chinese answers, the default, are tested in `messages.rs`).
    pub fn new(server: &TestServer) -> Api {
        Api::at(server.addr)
    }

    /// [`Api::new`] for a server at `addr` (a child process, one node of several).
    pub fn at(addr: std::net::SocketAddr) -> Api {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::ACCEPT_LANGUAGE,
            reqwest::header::HeaderValue::from_static("en"),
        );
        let client = reqwest::Client::builder()
            .default_headers(headers)
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let base = format!("http://{addr}");
        Api {
            origin: Some(base.clone()),
            base,
            client,
            jar,
            bearer: None,
        }
    }

    /// The `Cookie` header a browser would send to this server now.
    pub fn cookie_header(&self) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let url: url::Url = self.base.parse().unwrap();
        self.jar
            .cookies(&url)
            .map(|v| v.to_str().unwrap().to_owned())
    }

    /// A client signed in as `username` (with [`PASSWORD`]).
    pub async fn signed_in(server: &TestServer, username: &str) -> Api {
        Api::signed_in_at(server.addr, username).await
    }

    /// [`Api::signed_in`] on the server at `addr`.
    pub async fn signed_in_at(addr: std::net::SocketAddr, username: &str) -> Api {
        let api = Api::at(addr);
        let (status, body) = api
            .post(
                "/api/auth/login",
                json!({ "username": username, "password": PASSWORD }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "login of {username}: {body}");
        api
    }

    /// A client that authenticates with an API token only.
    pub fn with_token(server: &TestServer, token: &str) -> Api {
        let mut api = Api::new(server);
        api.bearer = Some(token.to_owned());
        api.origin = None;
        api
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(origin) = &self.origin {
            request = request.header("origin", origin);
        }
        if let Some(token) = &self.bearer {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request is sent");
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.request(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.request(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.request(Method::PUT, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.request(Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.request(Method::DELETE, path, None).await
    }
}

/// The error message of an `ApiError` body.
pub fn message(body: &Value) -> &str {
    body["error"]["message"].as_str().unwrap_or("")
}

/// Whether an error body says `says`: its message contains these words, or `says` is the
/// catalogue code of its message (`task.stale`), which only a catalogued message has, so a
/// refusal that fell back to English-only words (`reason: null`) fails.
pub fn says_or_is(body: &Value, says: &str) -> bool {
    message(body).contains(says) || body["error"]["reason"].as_str() == Some(says)
}

/// Opens the test server's database beside it (SQLite in WAL mode allows this).
pub async fn open_db(server: &TestServer, database_url: Option<&str>) -> Db {
    Db::connect(&DbConfig {
        url: database_url.map(str::to_owned),
        data_dir: server.data_dir.path().to_path_buf(),
        sqlite_synchronous: SqliteSync::Normal,
    })
    .await
    .expect("test opens the server's database")
}

fn seed_event() -> AuditEvent {
    AuditEvent {
        at: now_unix_ms(),
        actor_user_id: None,
        actor_org_id: None,
        action: "directory_imported".into(),
        target: String::new(),
        detail: json!({ "via": "test" }),
        ip: None,
    }
}

/// A province with two cities; the first city has two counties (siblings), the first county
/// a township. Bodies in them, one person each (`<org code>` is also the user name), plus an
/// admin of the market department and an operator.
pub struct World {
    /// Organization id by code.
    pub orgs: HashMap<&'static str, String>,
    /// User id by user name.
    pub users: HashMap<String, String>,
}

/// (code, name, kind, region)
pub const ORGS: &[(&str, &str, OrgKind, &str)] = &[
    (
        "city-bureau",
        "杭州市司法局",
        OrgKind::JudicialBureau,
        "330100",
    ),
    (
        "county-bureau",
        "上城区司法局",
        OrgKind::JudicialBureau,
        "330102",
    ),
    (
        "sibling-bureau",
        "拱墅区司法局",
        OrgKind::JudicialBureau,
        "330105",
    ),
    (
        "market",
        "上城区市场监督管理局",
        OrgKind::EnforcementDepartment,
        "330102",
    ),
    (
        "township",
        "湖滨街道办事处",
        OrgKind::TownshipGovernment,
        "330102001",
    ),
    (
        "police",
        "上城区公安分局",
        OrgKind::PublicSecurity,
        "330102",
    ),
    ("court", "上城区人民法院", OrgKind::Court, "330102"),
    (
        "procuratorate",
        "上城区人民检察院",
        OrgKind::Procuratorate,
        "330102",
    ),
    (
        "sibling-procuratorate",
        "拱墅区人民检察院",
        OrgKind::Procuratorate,
        "330105",
    ),
    (
        "discipline",
        "上城区纪委监委",
        OrgKind::DisciplineInspection,
        "330102",
    ),
    (
        "ningbo-bureau",
        "宁波市司法局",
        OrgKind::JudicialBureau,
        "330200",
    ),
];

impl World {
    pub async fn build(server: &TestServer) -> World {
        Self::build_on(server, None).await
    }

    pub async fn build_on(server: &TestServer, database_url: Option<&str>) -> World {
        Self::build_in(server.data_dir.path(), database_url).await
    }

    /// [`World::build_on`] for the database of `data_dir` or at `database_url`.
    pub async fn build_in(data_dir: &std::path::Path, database_url: Option<&str>) -> World {
        let db = Db::connect(&DbConfig {
            url: database_url.map(str::to_owned),
            data_dir: data_dir.to_path_buf(),
            sqlite_synchronous: SqliteSync::Normal,
        })
        .await
        .expect("test opens the server's database");
        let region = |code: &str, name: &str, level: Level, parent: Option<&str>| NewRegion {
            code: RegionCode::parse(code).unwrap(),
            name_zh: Name::parse(name).unwrap(),
            name_en: None,
            level,
            parent: parent.map(|p| RegionCode::parse(p).unwrap()),
        };
        let regions = vec![
            region("330000", "浙江省", Level::Province, None),
            region("330100", "杭州市", Level::City, Some("330000")),
            region("330102", "上城区", Level::County, Some("330100")),
            region("330105", "拱墅区", Level::County, Some("330100")),
            region("330102001", "湖滨街道", Level::Township, Some("330102")),
            region("330200", "宁波市", Level::City, Some("330000")),
        ];
        let orgs = ORGS
            .iter()
            .map(|(code, name, kind, region)| ImportOrg {
                org: NewOrg {
                    code: OrgCode::parse(code).unwrap(),
                    name_zh: Name::parse(name).unwrap(),
                    name_en: None,
                    kind: *kind,
                    region: RegionCode::parse(region).unwrap(),
                    parent_id: None,
                },
                parent_code: None,
            })
            .collect();
        let person = |org: &str, username: &str, role: OrgRole| ImportUser {
            user: NewUser {
                org_id: None,
                username: Some(Username::parse(username).unwrap()),
                display_name: Name::parse(&format!("{username} 同志")).unwrap(),
                org_role: role,
                operator: false,
                password_hash: None,
                oidc_issuer: None,
                oidc_subject: None,
            },
            org_code: OrgCode::parse(org).unwrap(),
        };
        let mut users: Vec<ImportUser> = ORGS
            .iter()
            .map(|(code, ..)| person(code, code, OrgRole::Member))
            .collect();
        users.push(person("market", "market-admin", OrgRole::Admin));
        db.import_directory(
            &DirectoryImport {
                regions,
                orgs,
                users,
                sources: Default::default(),
            },
            &seed_event(),
        )
        .await
        .expect("seeding the directory");
        let hash = server::auth::password::hash_blocking(PASSWORD).unwrap();
        let operator = db
            .create_user(
                &NewUser {
                    org_id: None,
                    username: Some(Username::parse("operator").unwrap()),
                    display_name: Name::parse("运维管理员").unwrap(),
                    org_role: OrgRole::Admin,
                    operator: true,
                    password_hash: Some(hash.clone()),
                    oidc_issuer: None,
                    oidc_subject: None,
                },
                &seed_event(),
            )
            .await
            .unwrap();
        let mut world = World {
            orgs: HashMap::new(),
            users: HashMap::new(),
        };
        world.users.insert("operator".into(), operator.id);
        for (code, ..) in ORGS {
            let org = db
                .org_by_code(&OrgCode::parse(code).unwrap())
                .await
                .unwrap()
                .unwrap();
            for user in db.users_of_org(&org.id).await.unwrap() {
                db.set_password(&user.id, &hash, &seed_event())
                    .await
                    .unwrap();
                let name = user.username.as_ref().unwrap().as_str().to_owned();
                world.users.insert(name, user.id.clone());
            }
            world.orgs.insert(code, org.id);
        }
        db.close().await;
        world
    }

    pub fn org(&self, code: &str) -> &str {
        &self.orgs[code]
    }
}
