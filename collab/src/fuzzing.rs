//! Entry points for fuzzing: the same code the cargo-fuzz targets in `fuzz/` and the bounded
//! run in this crate's tests drive. Each takes arbitrary bytes and panics only on a bug.
//!
//! Not part of the API the server uses; it is public so that the fuzz crate can reach it.

use std::sync::Arc;

use yrs::updates::decoder::Decode;
use yrs::{StateVector, Update};

use crate::guard::{self, Why};
use crate::store::{DocId, MemoryStore};
use crate::{Access, Principal, Rooms, RoomsConfig, Session, SingleNode};

/// Feeds `data` to a session as websocket frames, bytes in and bytes out, with no socket.
///
/// The first byte is the number of frames to cut the rest into (at least one); each frame the
/// session refuses ends it, as the server would close the socket.
pub fn session_frames(data: &[u8]) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let config = RoomsConfig {
            max_pending_bytes: 64 * 1024,
            max_doc_bytes: 1024 * 1024,
            ..RoomsConfig::default()
        };
        let rooms = Rooms::new(
            Arc::new(MemoryStore::default()),
            Arc::new(SingleNode),
            config,
        );
        let doc = DocId::parse("fuzz").expect("a valid id");
        let principal = Principal {
            user_id: "fuzzer".into(),
            name: "Fuzzer".into(),
            org: "fuzz".into(),
        };
        let (mut session, _outbox) = Session::join(&rooms, doc, principal, Access::Write)
            .await
            .expect("joining an in-memory room");
        let Some((&count, rest)) = data.split_first() else {
            return;
        };
        let count = usize::from(count % 8).max(1);
        let size = rest.len().div_ceil(count).max(1);
        for frame in rest.chunks(size) {
            if session.receive(frame).await.is_err() {
                break;
            }
        }
        // What was stored must load again.
        rooms.maintain_once().await;
    });
}

/// Runs `data` through the guard and, where it passes, through yrs's decoders; checks that
/// the guard never refuses what yrs would decode, except for what it refuses on purpose.
pub fn decoders(data: &[u8]) {
    let on_purpose = |why: Why| {
        matches!(
            why,
            Why::TooDeep | Why::ClockOverflow | Why::ClientIdTooLarge
        )
    };
    // Whether yrs may be run on what the guard refused: not when it declares a count so large
    // that yrs would reserve hundreds of megabytes for it (the very thing the guard prevents),
    // nor when it holds a varint of four bytes or more (a value from 2^21 up): past the point
    // where the guard stopped, such a value may be a count yrs reserves gigabytes of address
    // space for, a clock that overflows or a client id past 53 bits, on which yrs panics in a
    // debug build (see the guard's module doc).
    let long_varint = data.windows(3).any(|w| w.iter().all(|b| b & 0x80 != 0));
    let safe_for_yrs = |why: Why| match why {
        _ if long_varint => false,
        Why::DeclaredTooMany { declared, .. } => declared <= 1 << 16,
        _ => true,
    };
    let checked = guard::check_update_v1(data);
    match &checked {
        // Decoding only: applying a mutated update reaches yrs's integration, which has
        // arithmetic that overflows on some (a panic in a debug build); the session target
        // covers applying, as the server does it.
        Ok(()) => {
            let _ = Update::decode_v1(data);
        }
        Err(refused) if !on_purpose(refused.why) && safe_for_yrs(refused.why) => assert!(
            Update::decode_v1(data).is_err(),
            "the guard refused an update yrs decodes: {refused}"
        ),
        Err(_) => {}
    }

    match guard::check_state_vector_v1(data) {
        Ok(()) => {
            let _ = StateVector::decode_v1(data);
        }
        Err(refused) if !on_purpose(refused.why) && safe_for_yrs(refused.why) => assert!(
            StateVector::decode_v1(data).is_err(),
            "the guard refused a state vector yrs decodes: {refused}"
        ),
        Err(_) => {}
    }

    match guard::check_awareness_v1(data) {
        Ok(()) => {
            let _ = yrs::sync::AwarenessUpdate::decode_v1(data);
        }
        Err(refused) if !on_purpose(refused.why) && safe_for_yrs(refused.why) => assert!(
            yrs::sync::AwarenessUpdate::decode_v1(data).is_err(),
            "the guard refused an awareness update yrs decodes: {refused}"
        ),
        Err(_) => {}
    }
}

#[cfg(test)]
mod tests {
    //! A bounded fuzz run on the stable toolchain: seeded random mutations of the corpus in
    //! `fuzz/corpus/` through the same entry points as the cargo-fuzz targets. It finds less
    //! than a coverage-guided fuzzer, but it runs with every `cargo test`.

    use std::panic::{catch_unwind, AssertUnwindSafe};
    use std::time::Instant;

    use super::*;

    /// xorshift64*: small, seeded, and enough to pick mutations.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
    }

    fn corpus(target: &str) -> Vec<Vec<u8>> {
        let dir = format!("{}/../fuzz/corpus/{target}", env!("CARGO_MANIFEST_DIR"));
        let mut seeds: Vec<Vec<u8>> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("reading {dir}: {e}"))
            .map(|entry| std::fs::read(entry.unwrap().path()).unwrap())
            .collect();
        seeds.sort();
        assert!(!seeds.is_empty(), "no seeds in {dir}");
        seeds
    }

    /// One random change: flip, set, insert, delete, duplicate, splice or a large varint.
    fn mutate(rng: &mut Rng, input: &mut Vec<u8>, seeds: &[Vec<u8>]) {
        const INTERESTING: [u8; 8] = [0x00, 0x01, 0x7f, 0x80, 0xff, 117, 118, 119];
        let at = rng.below(input.len() + 1);
        match rng.below(7) {
            0 if !input.is_empty() => {
                let i = rng.below(input.len());
                input[i] ^= 1 << rng.below(8);
            }
            1 if !input.is_empty() => {
                let i = rng.below(input.len());
                input[i] = INTERESTING[rng.below(INTERESTING.len())];
            }
            2 => {
                let n = 1 + rng.below(8);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                input.splice(at..at, bytes);
            }
            3 if !input.is_empty() => {
                let end = (at + 1 + rng.below(16)).min(input.len());
                input.drain(at.min(end)..end);
            }
            4 if !input.is_empty() => {
                let start = rng.below(input.len());
                let end = (start + 1 + rng.below(32)).min(input.len());
                let chunk = input[start..end].to_vec();
                input.splice(at..at, chunk);
            }
            5 => {
                let other = &seeds[rng.below(seeds.len())];
                let start = rng.below(other.len());
                let end = (start + 1 + rng.below(64)).min(other.len());
                input.splice(at..at, other[start..end].iter().copied());
            }
            _ => {
                // A varint declaring a count somewhere between small and absurd.
                let mut n = rng.next() >> rng.below(64);
                let mut bytes = Vec::new();
                while n >= 0x80 {
                    bytes.push((n as u8) | 0x80);
                    n >>= 7;
                }
                bytes.push(n as u8);
                input.splice(at..at, bytes);
            }
        }
        input.truncate(64 * 1024);
    }

    fn peak_rss_kb() -> u64 {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("VmHWM:"))
                    .and_then(|v| v.split_whitespace().next()?.parse().ok())
            })
            .unwrap_or(0)
    }

    /// Runs `default_runs` mutated inputs (or `CONCORD_FUZZ_RUNS`): a count, not a time, so
    /// that every machine runs the same inputs.
    fn run(target: &str, seed: u64, default_runs: u64, entry: fn(&[u8])) {
        let runs: u64 = std::env::var("CONCORD_FUZZ_RUNS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(default_runs);
        let seeds = corpus(target);
        let mut rng = Rng(seed);
        let start = Instant::now();
        let rss_before = peak_rss_kb();
        for _ in 0..runs {
            let mut input = seeds[rng.below(seeds.len())].clone();
            for _ in 0..1 + rng.below(4) {
                mutate(&mut rng, &mut input, &seeds);
            }
            if catch_unwind(AssertUnwindSafe(|| entry(&input))).is_err() {
                panic!("{target} panicked on input {input:02x?}");
            }
        }
        let grown_mb = peak_rss_kb().saturating_sub(rss_before) / 1024;
        let secs = start.elapsed().as_secs_f32();
        eprintln!("{target}: {runs} inputs in {secs:.1} s, peak RSS grew {grown_mb} MB");
        assert!(
            grown_mb < 100,
            "{target}: peak RSS grew by {grown_mb} MB on inputs of at most 64 KiB"
        );
    }

    #[test]
    fn every_seed_runs_through_both_entry_points() {
        for seed in corpus("session_frames") {
            session_frames(&seed);
        }
        for seed in corpus("decoders") {
            decoders(&seed);
        }
    }

    #[test]
    fn mutated_frames_never_panic_a_session_nor_blow_up_its_memory() {
        run("session_frames", 0x15_c0ac0d, 10_000, session_frames);
    }

    #[test]
    fn mutated_payloads_never_panic_the_decoders_and_the_guard_agrees_with_yrs() {
        run("decoders", 0x15_dec0de, 200_000, decoders);
    }
}
