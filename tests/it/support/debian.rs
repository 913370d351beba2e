//! Debian packages the tests need beyond Rust: a Chinese font (screenshots, the PDF
//! renditions), Chromium, poppler's `pdftotext` and `pdftoppm`. Each is installed with apt-get
//! when missing (the tests run as root on CI machines, which reach Debian's mirrors); nothing is
//! ever skipped: a package that cannot be installed fails the test that needs it, saying what
//! to install.

use std::path::Path;
use std::process::Command;
use std::sync::Mutex;

/// The Chinese font of Debian's `fonts-wqy-microhei`: screenshots show Chinese as people see
/// it, and the server typesets its PDF renditions with it.
pub const CJK_FONT: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";

/// Where Debian's `poppler-utils` puts the PDF tools.
pub const PDFTOTEXT: &str = "/usr/bin/pdftotext";
pub const PDFTOPPM: &str = "/usr/bin/pdftoppm";

/// Installs `packages` with apt-get unless every one of `files` exists; panics, naming the
/// command, when that fails. One install at a time in this process.
pub fn ensure(packages: &[&str], files: &[&str]) {
    static APT: Mutex<()> = Mutex::new(());
    let _one = APT.lock().unwrap_or_else(|e| e.into_inner());
    let present = || files.iter().all(|f| Path::new(f).exists());
    if present() {
        return;
    }
    let install = || {
        Command::new("apt-get")
            .args(["install", "-y", "--no-install-recommends"])
            .args(packages)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .is_ok_and(|s| s.success())
    };
    if !install() {
        // A machine whose package lists are stale or empty: refresh them once and retry.
        let _ = Command::new("apt-get").arg("update").status();
        assert!(
            install(),
            "`apt-get install {}` failed (run it as root)",
            packages.join(" ")
        );
    }
    for file in files {
        assert!(
            Path::new(file).exists(),
            "{file} is still missing after `apt-get install {}`",
            packages.join(" ")
        );
    }
}

/// The Chinese font, installed when missing.
pub fn cjk_font() -> &'static Path {
    ensure(&["fonts-wqy-microhei"], &[CJK_FONT]);
    Path::new(CJK_FONT)
}

/// `pdftotext` and `pdftoppm`, installed when missing.
pub fn poppler() {
    ensure(&["poppler-utils"], &[PDFTOTEXT, PDFTOPPM]);
}
