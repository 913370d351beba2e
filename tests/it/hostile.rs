//! Hostile frames from issue #15, sent to the real `concord` binary: each is refused with its
//! close code, and refusing it costs memory in proportion to the frame, not to what it declares.

use server::auth::TicketKey;
use server::config::TicketAccess::Write;

use crate::support::client::{Closed, TestClient};
use crate::support::server::{issue, ChildServer};

fn varint(mut n: u64, out: &mut Vec<u8>) {
    while n >= 0x80 {
        out.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// A y-protocols message: its tag(s), then the payload with its length.
fn message(tags: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut out = tags.to_vec();
    varint(payload.len() as u64, &mut out);
    out.extend_from_slice(payload);
    out
}

const HUGE: u64 = 300_000_000;

/// Each hostile frame with the close code it must get.
fn hostile_frames() -> Vec<(&'static str, Vec<u8>, u16)> {
    use collab::close_code::{CORRUPT_UPDATE, MALFORMED};
    // The frame from the issue, byte for byte: sync step 2 declaring 300 million client groups.
    let issue_frame = vec![
        0x00, 0x02, 0x08, 0x80, 0xc6, 0x86, 0x8f, 0x01, 0x00, 0x7f, 0x73,
    ];

    let mut groups = Vec::new();
    varint(HUGE, &mut groups);
    groups.extend([0, 0x7f, 0x73]);

    let mut state_vector = Vec::new();
    varint(HUGE, &mut state_vector);
    state_vector.extend([1, 1]);

    let mut awareness = Vec::new();
    varint(HUGE, &mut awareness);
    awareness.extend([1, 1, 0]);

    // A well-formed first client group, then a second declaring 300 million blocks.
    let mut second_group = vec![2, 1, 1, 0, 0, 1];
    varint(HUGE, &mut second_group);
    second_group.extend([2, 0, 0, 1, 0]);

    // An item whose content is a map declaring 300 million entries.
    let mut any_map = vec![1, 1, 1, 0, 8, 1, 4, b'r', b'o', b'o', b't', 1, 118];
    varint(HUGE, &mut any_map);
    any_map.push(0);

    // Arrays nested 100,000 deep (200 KB): yrs's decoder recursed once per level.
    let mut nested = vec![1, 1, 1, 0, 8, 1, 4, b'r', b'o', b'o', b't', 1];
    for _ in 0..100_000 {
        nested.extend([117, 1]);
    }
    nested.extend([126, 0]);

    vec![
        ("the issue's frame", issue_frame, CORRUPT_UPDATE),
        (
            "client groups in an update",
            message(&[0, 2], &groups),
            CORRUPT_UPDATE,
        ),
        (
            "client groups in sync step 2",
            message(&[0, 1], &groups),
            CORRUPT_UPDATE,
        ),
        ("a state vector", message(&[0, 0], &state_vector), MALFORMED),
        ("an awareness update", message(&[1], &awareness), MALFORMED),
        (
            "a second client group",
            message(&[0, 2], &second_group),
            CORRUPT_UPDATE,
        ),
        ("a map value", message(&[0, 2], &any_map), CORRUPT_UPDATE),
        ("nested arrays", message(&[0, 2], &nested), CORRUPT_UPDATE),
    ]
}

/// Peak resident memory of a process, in bytes (`VmHWM`).
fn peak_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM in /proc/PID/status");
    let kb: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("VmHWM in kB");
    kb * 1024
}

#[tokio::test]
async fn frames_declaring_huge_counts_are_refused_without_allocating_for_them() {
    let data_dir = tempfile::tempdir().unwrap();
    let server = ChildServer::start(data_dir.path(), None).await;
    let pid = server.child.id().expect("the server is running");
    let key = TicketKey::load(None, data_dir.path()).unwrap();
    let url = |user: &str| {
        format!(
            "ws://{}/ws/docs/hostile?ticket={}",
            server.addr,
            issue(&key, "hostile", user, Write)
        )
    };
    let bystander = TestClient::connect(&url("alice")).await;
    bystander.insert("kept;");
    bystander
        .wait_until("echo", |c| c.seen().updates == 1)
        .await;

    // Eight clients per kind of frame, all sending at once, as the issue's attacker did.
    for (what, frame, code) in hostile_frames() {
        let mut clients = Vec::new();
        for i in 0..8 {
            let client = TestClient::connect(&url(&format!("mallory{i}"))).await;
            client.synced().await;
            clients.push(client);
        }
        let before = peak_rss(pid);
        for client in &clients {
            client.send(frame.clone());
        }
        for client in &clients {
            let closed = client.wait_closed().await;
            assert_eq!(
                closed,
                Closed {
                    code,
                    reason: closed.reason.clone()
                },
                "{what}"
            );
        }
        let grown = peak_rss(pid).saturating_sub(before);
        eprintln!(
            "{what}: eight frames of {} bytes, peak RSS +{} MB",
            frame.len(),
            grown / (1024 * 1024)
        );
        assert!(
            grown < 50 * 1024 * 1024,
            "{what}: eight frames of {} bytes raised the server's peak RSS by {} MB",
            frame.len(),
            grown / (1024 * 1024)
        );
    }

    // The server and the document are unharmed.
    let other = TestClient::connect(&url("bob")).await;
    other.wait_text("kept;").await;
    assert!(bystander.seen().closed.is_none());
}
