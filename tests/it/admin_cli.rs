//! `concord admin …` run as the real binary: the first operator, the CSV import, the region
//! tree and the audit check, as an operator would use them on a new deployment.

use std::path::Path;
use std::process::Output;

use reqwest::StatusCode;
use serde_json::json;

use crate::support::api::Api;
use crate::support::server::{concord_binary, Options, TestServer};

pub(crate) fn admin(data_dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(concord_binary())
        .arg("admin")
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("concord runs");
    let mut pipe = child.stdin.take().unwrap();
    if let Some(input) = stdin {
        pipe.write_all(input.as_bytes()).unwrap();
    }
    drop(pipe);
    child.wait_with_output().unwrap()
}

pub(crate) fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

const REGIONS: &str = "code,name_zh,name_en,level,parent
330000,浙江省,Zhejiang,province,
330100,杭州市,Hangzhou,city,330000
330102,上城区,,county,330100
";

const ORGS: &str = "code,name_zh,name_en,kind,region,parent_code
hz-bureau,杭州市司法局,,judicial_bureau,330100,
sc-bureau,上城区司法局,,judicial_bureau,330102,hz-bureau
sc-market,上城区市场监督管理局,,enforcement_department,330102,
";

const USERS: &str = "org_code,username,display_name,org_role
sc-market,wangwu,王五,admin
sc-bureau,zhaoliu,赵六,
";

#[tokio::test]
async fn a_new_deployment_is_set_up_from_the_shell_and_the_operator_can_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    for (name, body) in [
        ("regions.csv", REGIONS),
        ("orgs.csv", ORGS),
        ("users.csv", USERS),
    ] {
        std::fs::write(files.path().join(name), body).unwrap();
    }
    let file = |name: &str| files.path().join(name).display().to_string();

    let created = admin(
        dir.path(),
        &[
            "create-operator",
            "--init",
            "--username",
            "admin",
            "--name",
            "系统管理员",
        ],
        None,
    );
    let imported = admin(
        dir.path(),
        &[
            "import",
            "--regions",
            &file("regions.csv"),
            "--orgs",
            &file("orgs.csv"),
            "--users",
            &file("users.csv"),
        ],
        None,
    );
    let tree = admin(dir.path(), &["regions"], None);
    let verified = admin(dir.path(), &["audit-verify"], None);

    assert!(created.status.success(), "{}", text(&created));
    let password = text(&created)
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .expect("a generated password is printed once")
        .to_owned();
    assert!(imported.status.success(), "{}", text(&imported));
    assert!(
        text(&imported)
            .contains("regions.csv: 新增 3，变更 0，未变 0 / 3 added, 0 changed, 0 unchanged")
            && text(&imported).contains("orgs.csv: 新增 3，变更 0，未变 0 / 3 added")
            && text(&imported).contains("users.csv: 新增 2，变更 0，未变 0 / 2 added"),
        "{}",
        text(&imported)
    );
    let tree = text(&tree);
    let lines: Vec<&str> = tree.lines().collect();
    assert_eq!(lines[0], "330000 浙江省 (省级)", "{tree}");
    assert!(lines.contains(&"  330100 杭州市 (市级)"), "{tree}");
    assert!(lines.contains(&"    330102 上城区 (县级)"), "{tree}");
    assert!(
        lines.contains(&"      · sc-market 上城区市场监督管理局 [行政执法部门]"),
        "{tree}"
    );
    assert!(verified.status.success(), "{}", text(&verified));
    assert!(text(&verified).contains("audit trail intact"));

    let server = TestServer::start_in(dir, Options::default()).await;
    let api = Api::new(&server);
    let (status, body) = api
        .post(
            "/api/auth/login",
            json!({ "username": "admin", "password": password }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["operator"], true);
    let (_, orgs) = api.get("/api/orgs").await;
    assert_eq!(orgs["orgs"].as_array().unwrap().len(), 3);
}

#[test]
fn an_import_with_one_bad_line_stores_nothing_and_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let orgs = format!("{ORGS}sc-police,上城区公安分局,,police_station,330102,\n");
    std::fs::write(files.path().join("regions.csv"), REGIONS).unwrap();
    std::fs::write(files.path().join("orgs.csv"), orgs).unwrap();
    let file = |name: &str| files.path().join(name).display().to_string();

    let imported = admin(
        dir.path(),
        &[
            "import",
            "--init",
            "--regions",
            &file("regions.csv"),
            "--orgs",
            &file("orgs.csv"),
        ],
        None,
    );
    let tree = admin(dir.path(), &["regions"], None);

    assert!(!imported.status.success());
    let message = text(&imported);
    assert!(message.contains("orgs.csv line 5"), "{message}");
    assert!(message.contains("police_station"), "{message}");
    assert!(text(&tree).contains("no regions yet"), "{}", text(&tree));
}

#[test]
fn a_reset_password_read_from_stdin_must_be_long_enough() {
    let dir = tempfile::tempdir().unwrap();
    let created = admin(
        dir.path(),
        &[
            "create-operator",
            "--init",
            "--username",
            "admin",
            "--name",
            "管理员",
            "--password-stdin",
        ],
        Some("a long enough password\n"),
    );
    assert!(created.status.success(), "{}", text(&created));
    assert!(
        !text(&created).contains("password:"),
        "a given password is not echoed"
    );

    let short = admin(
        dir.path(),
        &["reset-password", "admin", "--password-stdin"],
        Some("short\n"),
    );
    let unknown = admin(dir.path(), &["reset-password", "nobody"], None);
    let good = admin(
        dir.path(),
        &["reset-password", "admin", "--password-stdin"],
        Some("another long password\n"),
    );

    assert!(!short.status.success());
    assert!(text(&short).contains("at least 10"), "{}", text(&short));
    assert!(!unknown.status.success());
    assert!(
        text(&unknown).contains("没有用户名为 nobody 的本地账号 / no local account named nobody"),
        "{}",
        text(&unknown)
    );
    assert!(good.status.success(), "{}", text(&good));
}

#[test]
fn an_imported_person_gets_a_first_password_from_reset_password() {
    // The web client's browser tests seed their directory exactly this way (web/e2e/seed.sh).
    let dir = tempfile::tempdir().unwrap();
    let seed = crate::support::web::web_dir().join("e2e/seed");
    let file = |name: &str| seed.join(name).to_str().unwrap().to_owned();
    let imported = admin(
        dir.path(),
        &[
            "import",
            "--init",
            "--regions",
            &file("regions.csv"),
            "--orgs",
            &file("orgs.csv"),
            "--users",
            &file("users.csv"),
        ],
        None,
    );
    assert!(imported.status.success(), "{}", text(&imported));
    let first = admin(
        dir.path(),
        &["reset-password", "market", "--password-stdin"],
        Some("a long enough password\n"),
    );
    assert!(first.status.success(), "{}", text(&first));
    assert!(
        text(&first).contains("password of market set"),
        "{}",
        text(&first)
    );
    let unknown = admin(dir.path(), &["reset-password", "nobody"], None);
    assert!(
        text(&unknown).contains("没有用户名为 nobody 的本地账号"),
        "{}",
        text(&unknown)
    );
}
