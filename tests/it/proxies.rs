//! `--trusted-proxies`: a forwarding header names the client only when the TCP peer is a
//! trusted proxy. One real server trusts 127.0.0.2 alone; the tests connect from 127.0.0.1
//! (a client that writes its own `X-Forwarded-For`) and from 127.0.0.2 (the proxy), and read
//! what the server recorded: the audit trail's address and the sign-in limit per address.

use std::net::IpAddr;

use reqwest::StatusCode;
use serde_json::json;
use server::config::{ConnectionArgs, IdentityArgs};

use crate::support::api::{open_db, World, PASSWORD};
use crate::support::server::{Options, TestServer};

/// The one address the test server trusts as its reverse proxy.
const PROXY: &str = "127.0.0.2";

/// Failed sign-ins one address may make before it is refused.
const FAILURES_PER_ADDRESS: u32 = 2;

async fn server_behind_proxy() -> TestServer {
    let server = TestServer::start_with(Options {
        connections: ConnectionArgs {
            trusted_proxies: vec![format!("{PROXY}/32").parse().unwrap()],
            ..ConnectionArgs::default()
        },
        identity: IdentityArgs {
            login_failures_per_address: FAILURES_PER_ADDRESS,
            ..IdentityArgs::default()
        },
        ..Options::default()
    })
    .await;
    World::build(&server).await;
    server
}

/// A sign-in attempt sent from `from` (a loopback address of this machine) with the given
/// forwarding headers; answers its status.
async fn login_from(
    server: &TestServer,
    from: &str,
    headers: &[(&str, &str)],
    username: &str,
    password: &str,
) -> StatusCode {
    let client = reqwest::Client::builder()
        .local_address(from.parse::<IpAddr>().unwrap())
        .build()
        .unwrap();
    let base = format!("http://{}", server.addr);
    let mut request = client
        .post(format!("{base}/api/auth/login"))
        .header("origin", &base)
        .json(&json!({ "username": username, "password": password }));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap().status()
}

/// The addresses of the audit trail's rows of `action`, oldest first.
async fn audited_addresses(server: &TestServer, action: &str) -> Vec<Option<String>> {
    let db = open_db(server, None).await;
    let rows = db.audit_rows(None, None, 100).await.unwrap();
    db.close().await;
    let mut addresses: Vec<(i64, Option<String>)> = rows
        .into_iter()
        .filter(|r| r.action == action)
        .map(|r| (r.seq, r.ip))
        .collect();
    addresses.sort_by_key(|(seq, _)| *seq);
    addresses.into_iter().map(|(_, ip)| ip).collect()
}

#[tokio::test]
async fn a_forwarding_header_from_an_untrusted_peer_is_ignored_in_the_audit_trail_and_the_limits() {
    let server = server_behind_proxy().await;

    // A client that is no proxy claims a new address with every attempt, to dodge the limit.
    for spoofed in ["203.0.113.1", "203.0.113.2"] {
        let headers = [
            ("x-forwarded-for", spoofed),
            ("forwarded", "for=198.51.100.1"),
        ];
        let status = login_from(&server, "127.0.0.1", &headers, "market", "wrong!").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let third = [("x-forwarded-for", "203.0.113.3")];
    let status = login_from(&server, "127.0.0.1", &third, "market", PASSWORD).await;

    // The limit counted the peer's address: even the right password is refused now.
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let audited = audited_addresses(&server, "login_failed").await;
    assert_eq!(audited, vec![Some("127.0.0.1".to_owned()); 2]);
}

#[tokio::test]
async fn a_forwarding_header_from_a_trusted_proxy_names_the_client_in_the_audit_trail_and_the_limits(
) {
    let server = server_behind_proxy().await;

    // Behind the proxy, one client fails until its address is refused; what it wrote itself
    // (the leftmost hop) is not believed, what the proxy appended is.
    let client = [("x-forwarded-for", "10.9.9.9, 203.0.113.7")];
    for _ in 0..FAILURES_PER_ADDRESS {
        let status = login_from(&server, PROXY, &client, "market", "wrong!").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let refused = login_from(&server, PROXY, &client, "market", PASSWORD).await;
    // Another client behind the same proxy, named by RFC 7239's header, is not refused.
    let other = [("forwarded", "for=\"[2001:db8::5]:4711\";proto=https")];
    let other_status = login_from(&server, PROXY, &other, "market", PASSWORD).await;

    assert_eq!(refused, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(other_status, StatusCode::OK);
    let failed = audited_addresses(&server, "login_failed").await;
    assert_eq!(failed, vec![Some("203.0.113.7".to_owned()); 2]);
    let signed_in = audited_addresses(&server, "login").await;
    assert_eq!(signed_in, vec![Some("2001:db8::5".to_owned())]);
}
