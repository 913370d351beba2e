//! The offline bundle verifier (`concord verify`) on a real archive bundle with one file
//! replaced by the input: the first byte picks the file (`minutes-v1.zip`'s files in name
//! order, or a new file when past the end), the rest is its content. Checks: no panic, and
//! no bundle that differs from the original ever verifies. Starting from a bundle that
//! verifies puts libFuzzer past the zip and to every parser behind it (JSON records, DSSE
//! envelopes, PEM keys, proofs, the checkpoint, the rendition).
#![no_main]

use std::sync::OnceLock;

use server::signing::bundle::Bundle;
use server::signing::note::LogVerifier;
use server::signing::verify::verify;

const BUNDLE: &[u8] = include_bytes!("../../tests/fixtures/bundles/minutes-v1.zip");
const VKEY: &str = include_str!("../../tests/fixtures/bundles/minutes-v1.vkey");

fn original() -> &'static (Bundle, LogVerifier) {
    static ORIGINAL: OnceLock<(Bundle, LogVerifier)> = OnceLock::new();
    ORIGINAL.get_or_init(|| {
        let bundle = Bundle::from_zip(BUNDLE).expect("the fixture reads");
        let log = LogVerifier::from_vkey(VKEY.trim()).expect("the fixture's key reads");
        assert!(verify(&bundle, Some(&log)).is_verified());
        (bundle, log)
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&pick, content)) = data.split_first() else {
        return;
    };
    let (original, log) = original();
    let mut bundle = original.clone();
    let names: Vec<&String> = original.files.keys().collect();
    let name = match names.get(usize::from(pick)) {
        Some(name) => (*name).clone(),
        None => format!("extra-{pick}.json"),
    };
    bundle.files.insert(name, content.to_vec());
    if bundle.files == original.files {
        return;
    }
    assert!(!verify(&bundle, Some(log)).is_verified());
});
