//! What the web client's tests need: its npm packages, its build, and Debian's Chromium.
//!
//! Each is prepared once per test process, behind one lock, because `npm ci` and a build in
//! the same directory must not run twice at the same time. Nothing is skipped: a missing
//! Node.js or a Chromium that cannot be installed fails the test that needs it, saying what
//! to install.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use super::debian;
use super::node::npm_ci;
use super::server::workspace_root;

/// Where Debian's `chromium` package puts the browser.
pub const CHROMIUM: &str = "/usr/bin/chromium";

pub fn web_dir() -> PathBuf {
    workspace_root().join("web")
}

/// The built client (`web/dist`), rebuilt when its sources changed.
pub fn built_client() -> PathBuf {
    static BUILT: Mutex<bool> = Mutex::new(false);
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if !*built {
        node_modules();
        run(
            Command::new("node")
                .arg("scripts/ensure-built.mjs")
                .current_dir(web_dir()),
            "building the web client",
        );
        *built = true;
    }
    web_dir().join("dist")
}

/// `npm ci` in `web/` when needed.
pub fn node_modules() {
    static READY: Mutex<bool> = Mutex::new(false);
    let mut ready = READY.lock().unwrap_or_else(|e| e.into_inner());
    if !*ready {
        npm_ci(
            &web_dir(),
            "the web client's tests need Node.js 20+ and npm (Vite, Vitest, Playwright)",
        );
        *ready = true;
    }
}

/// Debian's Chromium (and a Chinese font for its screenshots), installed with apt-get when
/// missing: the tests run as root on CI machines, which reach Debian's mirrors.
pub fn chromium() -> &'static Path {
    debian::ensure(
        &["chromium", "fonts-wqy-microhei"],
        &[CHROMIUM, debian::CJK_FONT],
    );
    Path::new(CHROMIUM)
}

/// Where a browser test keeps its screenshots and downloads: `target/web-e2e/<name>`,
/// emptied first, kept after the run as the test's artefacts.
pub fn artifacts(name: &str) -> PathBuf {
    let dir = workspace_root().join("target").join("web-e2e").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(command: &mut Command, what: &str) {
    let status = command.status().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(status.success(), "{what} failed ({status})");
}
