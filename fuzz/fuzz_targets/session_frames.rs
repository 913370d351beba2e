//! Websocket frames into one collaborative session, as the server feeds them, with no socket.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| collab::fuzzing::session_frames(data));
