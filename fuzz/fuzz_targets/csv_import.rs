//! The directory import's reading (`concord admin import`, and the browser's import to come)
//! on arbitrary files: the input is split at its first two 0xFF bytes into the regions, orgs
//! and users files (0xFF never occurs in UTF-8, so a valid CSV never holds one). Checks: no
//! panic, and every refusal names the file and the line it is about.
#![no_main]

use server::work::directory::{read_import, CsvFile, ImportFiles};

const NAMES: [&str; 3] = ["regions.csv", "orgs.csv", "users.csv"];

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |&b| b == 0xff);
    let mut file = |i: usize| {
        parts.next().map(|text| CsvFile {
            name: NAMES[i].to_owned(),
            text: text.to_vec(),
        })
    };
    let files = ImportFiles {
        regions: file(0),
        orgs: file(1),
        users: file(2),
    };
    if let Err(e) = read_import(&files) {
        let message = e.to_string();
        assert!(
            message.starts_with("nothing to import")
                || NAMES.iter().any(|n| message.contains(&format!("{n} line "))),
            "a refusal that names no file and line: {message}"
        );
    }
});
