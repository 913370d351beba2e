//! A newcomer's first hour, as the README tells it: the commands of its "First start" section
//! run literally (the binary at its path, the data directory from `CONCORD_DATA_DIR`, the CSV
//! files in the current directory) on a clean directory, then what the README promises of
//! them: a directory without a database is refused, not silently created; a dry run stores
//! nothing; importing the same files again changes nothing; people are added later by
//! importing again; an import error names file and line; and the operator signs in over HTTP
//! to the real server on that data directory.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::admin_cli::text;
use crate::support::api::Api;
use crate::support::server::{concord_binary, workspace_root, ChildServer};

/// The README's first-start commands: the lines of the first `sh` block under "## First
/// start" that run `./concord`, as words, without the trailing comment.
fn readme_first_start() -> Vec<Vec<String>> {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    let section = readme
        .split("\n## First start")
        .nth(1)
        .expect("the README has a \"First start\" section");
    let block = section
        .split("```sh\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the first-start section has a sh block");
    block
        .lines()
        .map(|line| line.split(" #").next().unwrap().trim())
        .filter(|line| line.starts_with("./concord "))
        .map(|line| line.split_whitespace().map(str::to_owned).collect())
        .collect()
}

/// Runs one command line as a person at a shell would, in `cwd` with `CONCORD_DATA_DIR` set,
/// `./concord` being the binary (the test's build of it, at its path).
fn shell(cwd: &Path, data_dir: &Path, words: &[String]) -> Output {
    assert_eq!(words[0], "./concord", "{words:?}");
    Command::new(concord_binary())
        .args(&words[1..])
        .current_dir(cwd)
        .env("CONCORD_DATA_DIR", data_dir)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .expect("concord runs")
}

fn words(line: &str) -> Vec<String> {
    line.split_whitespace().map(str::to_owned).collect()
}

/// Children listed before their parents, as a spreadsheet sorted by code would not be.
const REGIONS: &str = "code,name_zh,name_en,level,parent
330102,上城区,,county,330100
330100,杭州市,Hangzhou,city,330000
330000,浙江省,Zhejiang,province,
";

const ORGS: &str = "code,name_zh,name_en,kind,region,parent_code
sc-bureau,上城区司法局,,judicial_bureau,330102,hz-bureau
hz-bureau,杭州市司法局,,judicial_bureau,330100,
sc-market,上城区市场监督管理局,,enforcement_department,330102,
";

const USERS: &str = "org_code,username,display_name,org_role
sc-market,wangwu,王五,admin
sc-bureau,zhaoliu,赵六,
";

#[tokio::test]
async fn the_readme_first_start_works_as_written_on_a_clean_directory() {
    let home = tempfile::tempdir().unwrap();
    let cwd = home.path();
    let data = cwd.join("data");
    for (name, body) in [
        ("regions.csv", REGIONS),
        ("orgs.csv", ORGS),
        ("users.csv", USERS),
    ] {
        std::fs::write(cwd.join(name), body).unwrap();
    }
    let readme = readme_first_start();
    let find = |wanted: &dyn Fn(&[String]) -> bool, what: &str| -> Vec<String> {
        readme
            .iter()
            .find(|line| wanted(line))
            .unwrap_or_else(|| panic!("the README's first start has no {what}: {readme:?}"))
            .clone()
    };
    let has = |line: &[String], word: &str| line.iter().any(|w| w == word);
    let create_operator = find(&|l| has(l, "create-operator"), "create-operator");
    let dry_run = find(&|l| has(l, "import") && has(l, "--dry-run"), "dry run");
    let import = find(&|l| has(l, "import") && !has(l, "--dry-run"), "import");
    let regions = find(&|l| has(l, "regions") && !has(l, "import"), "region tree");

    // Before anything: an admin command on a directory with no database refuses, says so in
    // Chinese and English with how to create one, and creates nothing.
    let refused = shell(cwd, &data, &regions);
    assert!(!refused.status.success(), "{}", text(&refused));
    let message = text(&refused);
    let zh = message
        .find("没有数据库")
        .unwrap_or_else(|| panic!("{message}"));
    let en = message
        .find("no database")
        .unwrap_or_else(|| panic!("{message}"));
    assert!(zh < en, "Chinese first: {message}");
    assert!(message.contains("--init"), "{message}");
    assert!(message.contains("CONCORD_DATA_DIR"), "{message}");
    assert!(
        !data.exists(),
        "a refused command created {}",
        data.display()
    );

    // The README's commands, in its order.
    let mut password = None;
    for line in &readme {
        let output = shell(cwd, &data, line);
        let out = text(&output);
        assert!(output.status.success(), "{line:?}: {out}");
        if *line == create_operator {
            password = out
                .lines()
                .find_map(|l| l.strip_prefix("password: "))
                .map(str::to_owned);
            assert!(
                data.join("concord.db").exists(),
                "--init creates the database"
            );
        } else if *line == dry_run {
            assert!(
                out.contains(
                    "regions.csv: 新增 3，变更 0，未变 0 / 3 added, 0 changed, 0 unchanged"
                ),
                "{out}"
            );
            assert!(out.contains("  + 330000"), "{out}");
            assert!(
                out.contains("dry run: none of these changes were stored"),
                "{out}"
            );
            let tree = text(&shell(cwd, &data, &regions));
            assert!(tree.contains("no regions yet"), "a dry run stored: {tree}");
        } else if *line == import {
            assert!(
                out.contains("users.csv: 新增 2，变更 0，未变 0 / 2 added, 0 changed, 0 unchanged"),
                "{out}"
            );
            assert!(out.contains("stored."), "{out}");
        } else if *line == regions {
            let tree: Vec<&str> = out.lines().collect();
            assert_eq!(tree[0], "330000 浙江省 (省级)", "{out}");
            assert!(tree.contains(&"    330102 上城区 (县级)"), "{out}");
        }
    }
    let password = password.expect("create-operator printed a password");

    // The same import again: nothing changes, and it says so.
    let again = shell(cwd, &data, &import);
    let out = text(&again);
    assert!(again.status.success(), "{out}");
    assert!(
        out.contains("orgs.csv: 新增 0，变更 0，未变 3 / 0 added, 0 changed, 3 unchanged"),
        "{out}"
    );
    assert!(out.contains("nothing changed"), "{out}");

    // Adding people later: the users file with one more person (and one renamed), imported again.
    std::fs::write(
        cwd.join("users.csv"),
        format!(
            "{}sc-market,qianqi,钱七,member\n",
            USERS.replace("赵六", "赵六六")
        ),
    )
    .unwrap();
    let later = shell(
        cwd,
        &data,
        &words("./concord admin import --users users.csv"),
    );
    let out = text(&later);
    assert!(later.status.success(), "{out}");
    assert!(
        out.contains("users.csv: 新增 1，变更 1，未变 1 / 1 added, 1 changed, 1 unchanged"),
        "{out}"
    );
    assert!(out.contains("  + qianqi"), "{out}");
    assert!(
        out.contains("  ~ zhaoliu  display_name: 赵六 → 赵六六"),
        "{out}"
    );

    // An error names the file and the line, and stores nothing.
    std::fs::write(
        cwd.join("more-orgs.csv"),
        "code,name_zh,name_en,kind,region,parent_code\n\
         gs-market,拱墅区市场监督管理局,,enforcement_department,330105,\n",
    )
    .unwrap();
    let bad = shell(
        cwd,
        &data,
        &words("./concord admin import --orgs more-orgs.csv"),
    );
    let out = text(&bad);
    assert!(!bad.status.success(), "{out}");
    assert!(
        out.contains("more-orgs.csv line 2 (code gs-market): region 330105 does not exist"),
        "{out}"
    );

    // The operator signs in to the real server on that data directory and finds exactly
    // what was imported, with one audit row per import that changed something.
    let server = ChildServer::start(&data, None).await;
    let api = api_for(&server);
    let (status, body) = api
        .post(
            "/api/auth/login",
            json!({ "username": "admin", "password": password }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["operator"], true);
    let (_, orgs) = api.get("/api/orgs").await;
    assert_eq!(orgs["orgs"].as_array().unwrap().len(), 3, "{orgs}");
    let (status, audit) = api.get("/api/audit?limit=500").await;
    assert_eq!(status, StatusCode::OK, "{audit}");
    let imports: Vec<&Value> = audit["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["action"] == "directory_imported")
        .collect();
    assert_eq!(
        imports.len(),
        2,
        "the first import and the later one: {audit}"
    );
    let later_row = imports[0]["detail"].to_string();
    assert!(
        later_row.contains("qianqi") && later_row.contains("zhaoliu"),
        "{later_row}"
    );
    assert!(
        !later_row.contains("wangwu"),
        "an unchanged person is not audited: {later_row}"
    );
}

/// An [`Api`] client for a server started as a child process.
fn api_for(server: &ChildServer) -> Api {
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let base = format!("http://{}", server.addr);
    Api {
        origin: Some(base.clone()),
        base,
        client,
        jar,
        bearer: None,
    }
}
