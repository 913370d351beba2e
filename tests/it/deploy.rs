//! `deploy/`: the container image builds and its binary serves, the compose file and the
//! Kubernetes manifests match their published schemas, the systemd unit passes
//! `systemd-analyze verify`, and every setting they use is one `concord serve` has.
//!
//! What each needs beyond Rust is installed with apt-get or pip when missing (the tests run as
//! root, and CI machines reach Debian's and PyPI's registries); nothing is skipped: a tool that
//! cannot be installed fails the test that needs it.
//!
//! The image: no container registry is reachable here, so the Containerfile's builder stages
//! (the official Rust and Node images) cannot run. The test builds its `prebuilt` target
//! instead: the same runtime stage (user, volume, environment, health check, entrypoint) on a
//! Debian base made with `debootstrap` from Debian's packages and imported with `podman
//! import` (kept in `target/deploy-image/`, so only the first run pays for it), carrying the
//! binary these tests built and the built web client. It then runs the image with podman.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::support::debian;
use crate::support::server::{concord_binary, workspace_root};
use crate::support::web::built_client;

fn deploy_dir() -> PathBuf {
    workspace_root().join("deploy")
}

/// Runs `command`, failing the test with its output unless it succeeds.
fn run(command: &mut Command, what: &str) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: could not start {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

// ---- settings --------------------------------------------------------------------------------

/// The flags (`--listen`) and environment variables (`CONCORD_LISTEN`) `concord serve
/// --help` lists.
fn serve_settings() -> (BTreeSet<String>, BTreeSet<String>) {
    let help = run(
        Command::new(concord_binary()).args(["serve", "--help"]),
        "concord serve --help",
    );
    let help = String::from_utf8(help.stdout).unwrap();
    let flags = words(&help, "--", |c| {
        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
    });
    let vars = help
        .split("[env: ")
        .skip(1)
        .filter_map(|rest| rest.split(['=', ']']).next())
        .map(str::to_owned)
        .collect();
    (flags, vars)
}

/// Every word that starts with `prefix` and goes on with characters `more` accepts.
fn words(text: &str, prefix: &str, more: impl Fn(char) -> bool) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find(prefix) {
        let after = &rest[at + prefix.len()..];
        let len = after.find(|c: char| !more(c)).unwrap_or(after.len());
        let starts_word = at == 0 || !rest[..at].ends_with(|c: char| c.is_alphanumeric());
        if len > 0 && starts_word {
            found.insert(format!("{prefix}{}", after[..len].trim_end_matches('-')));
        }
        rest = &after[len..];
    }
    found
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files.sort();
    files
}

#[test]
fn every_flag_and_variable_deploy_uses_exists_in_concord_serve_help() {
    let (flags, vars) = serve_settings();
    let mut used_vars = BTreeSet::new();
    let mut used_flags = BTreeSet::new();
    for file in files_under(&deploy_dir()) {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let is_var = |c: char| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_';
        used_vars.extend(words(&text, "CONCORD_", is_var));
        if text.contains("DATABASE_URL") {
            used_vars.insert("DATABASE_URL".to_owned());
        }
        // A flag is concord's on a line that runs `concord serve` (the other tools' flags,
        // `podman build --target`, are on lines of their own).
        for line in text.lines().filter(|l| l.contains("concord serve")) {
            let flag = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
            used_flags.extend(words(line, "--", flag));
        }
    }
    // The scan reads what it should: these are in deploy/ for sure.
    for expected in [
        "CONCORD_TRUSTED_PROXIES",
        "CONCORD_REDIS_URL",
        "CONCORD_CLUSTER",
        "CONCORD_PUBLIC_URL",
        "DATABASE_URL",
    ] {
        assert!(
            used_vars.contains(expected),
            "{expected} not found in deploy/"
        );
    }
    assert!(used_flags.contains("--trusted-proxies"), "{used_flags:?}");

    let unknown_vars: Vec<_> = used_vars.iter().filter(|v| !vars.contains(*v)).collect();
    let unknown_flags: Vec<_> = used_flags.iter().filter(|f| !flags.contains(*f)).collect();
    assert!(
        unknown_vars.is_empty() && unknown_flags.is_empty(),
        "deploy/ uses settings `concord serve --help` does not list: {unknown_vars:?} {unknown_flags:?}"
    );
}

/// The number after `key` on the first line that holds it and is not a comment (`key: 30`,
/// `key=25s`, `key: "20"`).
fn number_after(text: &str, key: &str, file: &str) -> u64 {
    let line = text
        .lines()
        .find(|l| !l.trim_start().starts_with('#') && l.contains(key))
        .unwrap_or_else(|| panic!("{key} in {file}"));
    let at = line.find(key).unwrap();
    let rest = line[at + key.len()..].trim_start_matches([' ', ':', '=', '"']);
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("a number after {key} in {file}"))
}

#[test]
fn the_process_managers_stop_timeouts_leave_room_for_the_servers_drain() {
    // The setting and its default, as `concord serve --help` gives them.
    let help = run(
        Command::new(concord_binary()).args(["serve", "--help"]),
        "concord serve --help",
    );
    let help = String::from_utf8(help.stdout).unwrap();
    let flag = &help[help
        .find("--shutdown-grace-secs")
        .expect("--shutdown-grace-secs in serve --help")..];
    assert!(
        flag.contains("[env: CONCORD_SHUTDOWN_GRACE_SECS="),
        "{flag}"
    );
    let default = number_after(flag, "[default:", "serve --help");
    let read = |name: &str| std::fs::read_to_string(deploy_dir().join(name)).unwrap();
    let grace_in = |text: &str, file: &str| {
        if text.contains("CONCORD_SHUTDOWN_GRACE_SECS") {
            number_after(text, "CONCORD_SHUTDOWN_GRACE_SECS", file)
        } else {
            default
        }
    };

    // Kubernetes counts the preStop pause in its grace period.
    let deployment = read("k8s/deployment.yaml");
    let configmap = read("k8s/configmap.yaml");
    let pause = number_after(&deployment, "[\"sleep\", \"", "k8s/deployment.yaml");
    let k8s = (
        "k8s terminationGracePeriodSeconds",
        pause,
        grace_in(&configmap, "k8s/configmap.yaml"),
        number_after(
            &deployment,
            "terminationGracePeriodSeconds",
            "k8s/deployment.yaml",
        ),
    );
    let env = read("systemd/concord.env.example");
    let unit = read("systemd/concord.service");
    assert!(
        unit.contains("EnvironmentFile=/etc/concord/concord.env"),
        "the unit reads the env file"
    );
    let systemd = (
        "systemd TimeoutStopSec",
        0,
        grace_in(&env, "systemd/concord.env.example"),
        number_after(&unit, "TimeoutStopSec", "systemd/concord.service"),
    );
    let compose_file = read("compose.yaml");
    let compose = (
        "compose stop_grace_period",
        0,
        grace_in(&compose_file, "compose.yaml"),
        number_after(&compose_file, "stop_grace_period", "compose.yaml"),
    );
    for (what, pause, grace, timeout) in [k8s, systemd, compose] {
        // The drain ends within the grace; 5 to 10 s more lets the process exit, and a stuck
        // node does not hold a rolling update much longer.
        assert!(
            timeout >= pause + grace + 5 && timeout <= pause + grace + 10,
            "{what} is {timeout} s: it should be the pause ({pause} s) + the server's shutdown \
             grace ({grace} s) + 5 to 10 s"
        );
    }
}

// ---- schemas ---------------------------------------------------------------------------------

/// Python's jsonschema and PyYAML (in the machine's Python; pip-installed when missing).
fn python_validator() {
    let ready = || {
        Command::new("python3")
            .args(["-c", "import jsonschema, referencing, yaml"])
            .status()
            .is_ok_and(|s| s.success())
    };
    if !ready() {
        run(
            Command::new("python3").args(["-m", "pip", "install", "-q", "jsonschema", "PyYAML"]),
            "pip install jsonschema PyYAML",
        );
        assert!(
            ready(),
            "jsonschema and PyYAML still missing after pip install"
        );
    }
}

/// Runs the vendored validator on a deploy directory; answers whether it passed, and what it
/// printed.
fn validate(deploy: &Path) -> (bool, String) {
    let script = workspace_root().join("tests/fixtures/deploy-schemas/validate.py");
    let output = Command::new("python3")
        .arg(script)
        .arg(deploy)
        .output()
        .expect("python3 runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

/// Copies deploy/ into a temporary directory, to break a copy of it.
fn copy_of_deploy() -> tempfile::TempDir {
    let copy = tempfile::tempdir().unwrap();
    for file in files_under(&deploy_dir()) {
        let to = copy.path().join(file.strip_prefix(deploy_dir()).unwrap());
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&file, &to).unwrap();
    }
    copy
}

#[test]
fn compose_and_kubernetes_manifests_match_their_published_schemas() {
    python_validator();

    let (valid, report) = validate(&deploy_dir());

    assert!(valid, "{report}");
    for checked in [
        "compose.yaml: ok",
        "k8s/deployment.yaml[0] Deployment: ok",
        "k8s/service.yaml[0] Service: ok",
        "k8s/ingress.yaml[0] Ingress: ok",
        "k8s/configmap.yaml[0] ConfigMap: ok",
        "k8s/secret.example.yaml[0] Secret: ok",
        "k8s/pdb.yaml[0] PodDisruptionBudget: ok",
    ] {
        assert!(report.contains(checked), "{checked} in:\n{report}");
    }
    // The validator refuses what the schemas forbid: a misspelt field in each file.
    let broken = copy_of_deploy();
    let edit = |name: &str, from: &str, to: &str| {
        let path = broken.path().join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{from} in {name}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    };
    edit("k8s/deployment.yaml", "  replicas: 2", "  replica: 2");
    edit(
        "compose.yaml",
        "    restart: unless-stopped\n    environment:\n      POSTGRES",
        "    restarts: unless-stopped\n    environment:\n      POSTGRES",
    );
    let (valid, report) = validate(broken.path());
    assert!(!valid, "{report}");
    assert!(report.contains("'replica' was unexpected"), "{report}");
    assert!(report.contains("'restarts' was unexpected"), "{report}");
}

// ---- systemd ---------------------------------------------------------------------------------

/// `systemd-analyze verify` on `unit`, in a root directory of its own holding the unit, the
/// machine's systemd units (its dependencies) and the binary it starts (verify checks that
/// ExecStart is executable). Answers what it printed; it exits 0 even for an unknown key,
/// so what it prints is the verdict.
fn systemd_verify(unit_text: &str, binary: &Path) -> String {
    let root = tempfile::tempdir().unwrap();
    let at = |p: &str| root.path().join(p);
    std::fs::create_dir_all(at("etc/systemd/system")).unwrap();
    std::fs::create_dir_all(at("usr/local/bin")).unwrap();
    std::fs::create_dir_all(at("usr/lib/systemd")).unwrap();
    std::fs::create_dir_all(at("tmp")).unwrap();
    std::fs::write(at("etc/systemd/system/concord.service"), unit_text).unwrap();
    if std::fs::hard_link(binary, at("usr/local/bin/concord")).is_err() {
        std::fs::copy(binary, at("usr/local/bin/concord")).unwrap();
    }
    run(
        Command::new("cp")
            .args(["-a", "/usr/lib/systemd/system"])
            .arg(at("usr/lib/systemd/")),
        "copying the machine's systemd units",
    );
    let output = Command::new("systemd-analyze")
        .arg("verify")
        .arg(format!("--root={}", root.path().display()))
        .arg("/etc/systemd/system/concord.service")
        .output()
        .expect("systemd-analyze runs");
    format!(
        "{}{}{}",
        if output.status.success() {
            ""
        } else {
            "(failed) "
        },
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn the_systemd_unit_passes_systemd_analyze_verify_and_is_hardened() {
    debian::ensure(&["systemd"], &["/usr/bin/systemd-analyze"]);
    let unit = std::fs::read_to_string(deploy_dir().join("systemd/concord.service")).unwrap();

    let verdict = systemd_verify(&unit, concord_binary());

    assert_eq!(verdict.trim(), "", "systemd-analyze verify:\n{verdict}");
    for line in [
        "ExecStart=/usr/local/bin/concord serve",
        "DynamicUser=yes",
        "StateDirectory=concord",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "CapabilityBoundingSet=",
        "EnvironmentFile=/etc/concord/concord.env",
    ] {
        assert!(unit.lines().any(|l| l == line), "{line} in the unit");
    }
    // What verify reports: a misspelt directive is not silently accepted.
    let misspelt = unit.replace("NoNewPrivileges=yes", "NoNewPrivilege=yes");
    let verdict = systemd_verify(&misspelt, concord_binary());
    assert!(
        verdict.contains("Unknown key 'NoNewPrivilege'"),
        "{verdict}"
    );
}

// ---- the image -------------------------------------------------------------------------------

/// Where the image test keeps what it makes once: the Debian base's root filesystem as a tar,
/// the build context.
fn image_cache() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/<profile>/deps/it-… → target/deploy-image
    let dir = exe.ancestors().nth(3).unwrap().join("deploy-image");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The machine's Debian release (its glibc is the one the test binary was linked against)
/// and the mirror its apt uses.
fn debian_release_and_mirror() -> (String, String) {
    let os = std::fs::read_to_string("/etc/os-release").unwrap();
    let codename = os
        .lines()
        .find_map(|l| l.strip_prefix("VERSION_CODENAME="))
        .expect("VERSION_CODENAME in /etc/os-release")
        .trim_matches('"')
        .to_owned();
    let mut sources = std::fs::read_to_string("/etc/apt/sources.list").unwrap_or_default();
    if let Ok(dir) = std::fs::read_dir("/etc/apt/sources.list.d") {
        let mut paths: Vec<_> = dir.map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths {
            sources += &std::fs::read_to_string(path).unwrap_or_default();
        }
    }
    // deb822 (`URIs: http://…/debian`) or one-line (`deb http://…/debian bookworm main`).
    let mirror = sources
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#') && !l.contains("security"))
        .find_map(|l| {
            l.strip_prefix("URIs:")
                .map(|u| u.split_whitespace().next().unwrap_or_default())
                .or_else(|| {
                    l.strip_prefix("deb ")
                        .and_then(|r| r.split_whitespace().find(|w| w.contains("://")))
                })
        })
        .expect("a Debian mirror in the machine's apt sources")
        .to_owned();
    (codename, mirror)
}

/// The runtime base: minimal Debian of this machine's release, with the packages the
/// Containerfile's runtime stage would otherwise fetch, made with debootstrap once and kept as
/// `target/deploy-image/<release>-minbase.tar`; imported into podman as
/// `localhost/concord-base:<release>` when podman does not have it.
fn runtime_base() -> String {
    let (release, mirror) = debian_release_and_mirror();
    let image = format!("localhost/concord-base:{release}");
    let tar = image_cache().join(format!("{release}-minbase.tar"));
    if !tar.exists() {
        let rootfs = image_cache().join("rootfs.tmp");
        let _ = std::fs::remove_dir_all(&rootfs);
        run(
            Command::new("debootstrap")
                .args([
                    "--variant=minbase",
                    "--include=fonts-wqy-microhei,ca-certificates",
                    &release,
                ])
                .arg(&rootfs)
                .arg(&mirror),
            "debootstrap of the runtime base",
        );
        for dir in ["var/cache/apt/archives", "var/lib/apt/lists"] {
            run(
                Command::new("find")
                    .arg(rootfs.join(dir))
                    .args(["-type", "f", "-delete"]),
                "emptying apt's caches",
            );
        }
        let partial = tar.with_extension("tar.tmp");
        run(
            Command::new("tar")
                .arg("-C")
                .arg(&rootfs)
                .arg("-cf")
                .arg(&partial)
                .arg("."),
            "packing the runtime base",
        );
        std::fs::rename(&partial, &tar).unwrap();
        std::fs::remove_dir_all(&rootfs).unwrap();
        // A new tar replaces whatever podman had under that name.
        let _ = Command::new("podman").args(["rmi", "-f", &image]).output();
    }
    let exists = Command::new("podman")
        .args(["image", "exists", &image])
        .status()
        .is_ok_and(|s| s.success());
    if !exists {
        run(
            Command::new("podman").arg("import").arg(&tar).arg(&image),
            "podman import of the runtime base",
        );
    }
    image
}

/// The build context of the `prebuilt` target: `prebuilt/concord` (the test's binary without
/// its debug sections) and `prebuilt/web/` (the built client).
fn prebuilt_context() -> PathBuf {
    let context = image_cache().join("context");
    let prebuilt = context.join("prebuilt");
    let _ = std::fs::remove_dir_all(&prebuilt);
    std::fs::create_dir_all(&prebuilt).unwrap();
    run(
        Command::new("objcopy")
            .arg("--strip-debug")
            .arg(concord_binary())
            .arg(prebuilt.join("concord")),
        "stripping the binary",
    );
    run(
        Command::new("cp")
            .arg("-a")
            .arg(built_client())
            .arg(prebuilt.join("web")),
        "copying the web client",
    );
    context
}

/// A container started by the test, removed when dropped.
struct Container(String);

impl Drop for Container {
    fn drop(&mut self) {
        let _ = Command::new("podman")
            .args(["rm", "-f", "-t", "0", &self.0])
            .output();
    }
}

/// GET `path` from `addr`; the status and the body.
fn http_get(addr: SocketAddr, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut raw = String::new();
    stream.read_to_string(&mut raw).ok()?;
    let status = raw.split(' ').nth(1)?.parse().ok()?;
    let body = raw.split_once("\r\n\r\n").map(|(_, b)| b.to_owned())?;
    Some((status, body))
}

#[test]
fn the_container_image_builds_and_its_binary_answers_healthz() {
    // What other tests share (the binary, the web client) is ready before the clock starts:
    // the time printed at the end is this test's own.
    concord_binary();
    built_client();
    let started = Instant::now();
    debian::ensure(
        &["podman", "debootstrap", "runc", "binutils"],
        &[
            "/usr/bin/podman",
            "/usr/sbin/debootstrap",
            "/usr/sbin/runc",
            "/usr/bin/objcopy",
        ],
    );
    let base = runtime_base();
    let context = prebuilt_context();
    let image = "localhost/concord:deploy-test";

    // chroot isolation: this machine's sandbox refuses crun's container set-up (cgroups in
    // hybrid mode), which RUN steps would otherwise use.
    run(
        Command::new("podman")
            .args(["build", "--isolation=chroot", "--format=docker"])
            .arg("--file")
            .arg(deploy_dir().join("Containerfile"))
            .args(["--target=prebuilt", "--build-arg"])
            .arg(format!("RUNTIME_IMAGE={base}"))
            .args(["--tag", image])
            .arg(&context),
        "podman build --target prebuilt",
    );
    let built = started.elapsed();
    // The previous run's image (its binary layer is a few hundred MB) is untagged now: drop
    // it and its layers, so that runs on one machine do not pile them up.
    run(
        Command::new("podman").args(["image", "prune", "--force"]),
        "podman image prune",
    );

    let inspect = run(
        Command::new("podman").args(["image", "inspect", image]),
        "podman image inspect",
    );
    let inspect: serde_json::Value = serde_json::from_slice(&inspect.stdout).unwrap();
    let config = &inspect[0]["Config"];
    assert_eq!(config["User"], "10001:10001", "{config}");
    assert!(config["Volumes"].get("/data").is_some(), "{config}");
    assert_eq!(
        config["Entrypoint"],
        serde_json::json!(["/usr/local/bin/concord"])
    );
    let env = config["Env"].to_string();
    assert!(env.contains("CONCORD_LISTEN=0.0.0.0:8080"), "{env}");
    let health = &inspect[0]["Healthcheck"]["Test"];
    assert!(health.to_string().contains("/healthz"), "{}", inspect[0]);

    // Run it. runc with cgroupfs, and rlimits no higher than the test's own: the sandbox
    // refuses crun here and refuses raising limits inside a container. Host networking on a
    // free loopback port (CONCORD_LISTEN, as an operator would set it); all else is the
    // image's: SQLite in the /data volume, as user 10001.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let name = format!("concord-deploy-test-{}", std::process::id());
    let nofile = run(Command::new("sh").args(["-c", "ulimit -Hn"]), "ulimit").stdout;
    let nofile = String::from_utf8(nofile).unwrap().trim().to_owned();
    run(
        Command::new("podman")
            .args([
                "--runtime=runc",
                "--cgroup-manager=cgroupfs",
                "run",
                "--detach",
            ])
            .args([
                "--name",
                &name,
                "--network=host",
                "--health-interval=disable",
            ])
            .arg(format!("--ulimit=nofile={nofile}:{nofile}"))
            .arg("--ulimit=nproc=4096:4096")
            .arg(format!("--env=CONCORD_LISTEN={addr}"))
            .arg(image),
        "podman run",
    );
    let container = Container(name);
    let deadline = Instant::now() + Duration::from_secs(60);
    let health = loop {
        match http_get(addr, "/healthz") {
            Some(answer) => break answer,
            None if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(200)),
            None => {
                let logs = Command::new("podman").args(["logs", &container.0]).output();
                panic!("the container never answered /healthz: {logs:?}");
            }
        }
    };
    assert_eq!(health.0, 200, "{health:?}");
    // Ready: its SQLite database in the /data volume answers.
    let ready = http_get(addr, "/readyz").unwrap();
    assert_eq!(ready.0, 200, "{ready:?}");
    // The web client is the image's, at CONCORD_WEB_DIR.
    let page = http_get(addr, "/").unwrap();
    assert!(
        page.0 == 200 && page.1.contains("<div id=\"app\">"),
        "{page:?}"
    );
    // The image's own HEALTHCHECK command, run inside the container.
    run(
        Command::new("podman").args(["healthcheck", "run", &container.0]),
        "podman healthcheck run",
    );
    // SIGTERM (podman stop) ends it cleanly.
    run(
        Command::new("podman").args(["stop", "--time=20", &container.0]),
        "podman stop",
    );
    let code = run(
        Command::new("podman").args(["inspect", "--format={{.State.ExitCode}}", &container.0]),
        "podman inspect",
    );
    assert_eq!(String::from_utf8_lossy(&code.stdout).trim(), "0");
    eprintln!(
        "deploy image: built in {:.1}s, served and stopped by {:.1}s",
        built.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
}
