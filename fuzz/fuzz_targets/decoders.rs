//! Update, state vector and awareness payloads through the guard and yrs's decoders.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| collab::fuzzing::decoders(data));
