//! The client's address behind reverse proxies (`--trusted-proxies`).
//!
//! A request's client address feeds the audit trail, the sign-in limits per address and the
//! public log's read budget. It is the TCP peer's address, unless that peer is a trusted
//! proxy: then the forwarding headers (`Forwarded`, RFC 7239, else `X-Forwarded-For`) are read
//! from the right, each proxy having appended the address it was connected from, and the
//! first address that is not itself a trusted proxy is the client. Anything a client writes in
//! those headers sits to the left of what our proxies appended, so it is never reached while
//! a proxy of ours stands between.
//!
//! It must never believe a forwarding header from a peer outside the trusted ranges, and never
//! read an address to the left of an untrusted hop: a client may write anything there.

use std::net::IpAddr;

use axum::http::{header, HeaderMap};
use ipnet::IpNet;

/// The client address of a request, as the listener worked it out from the TCP peer, the
/// forwarding headers and the trusted proxies. Requests served by the listener carry it as an
/// extension; [`super::session::client_info`] reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// Parses one entry of `--trusted-proxies`: a CIDR range (`10.0.0.0/8`, `fd00::/8`) or a
/// single address (`192.168.1.10`, a /32 or /128). The error is clap's reason, shown after
/// the flag's name and the value.
pub fn parse_trusted_proxy(value: &str) -> Result<IpNet, String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(
            "an empty entry (a stray comma, or an empty variable): to trust no proxy, \
             leave the setting out"
                .into(),
        );
    }
    if let Ok(net) = value.parse::<IpNet>() {
        return Ok(net.trunc());
    }
    if let Ok(addr) = value.parse::<IpAddr>() {
        return Ok(IpNet::from(addr));
    }
    Err(format!(
        "`{value}` is not a CIDR range (10.0.0.0/8, fd00::/8) or an IP address; \
         separate several with commas"
    ))
}

/// The client's address: `peer` itself unless it is in `trusted`, else the rightmost address
/// of the forwarding chain that is not (or, when every hop is trusted, the leftmost one). A
/// hop that is not an address (`unknown`, an obfuscated name, garbage) ends the walk at the
/// trusted proxy that reported it.
pub fn client_addr(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |addr: &IpAddr| trusted.iter().any(|net| net.contains(addr));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops = forwarded_hops(headers);
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop {
            Some(addr) => {
                client = *addr;
                if !is_trusted(addr) {
                    break;
                }
            }
            None => break,
        }
    }
    client
}

/// The `for=` addresses of every `Forwarded` header, left to right, or, when there is none,
/// those of `X-Forwarded-For`. `None` stands for a hop that names no address.
fn forwarded_hops(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let values = |name| {
        headers
            .get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap_or("\u{fffd}"))
            .collect::<Vec<_>>()
    };
    let forwarded = values(header::FORWARDED);
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .flat_map(|line| line.split(','))
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.split_once('='))
                    .find(|(key, _)| key.trim().eq_ignore_ascii_case("for"))
                    .and_then(|(_, node)| parse_node(node))
            })
            .collect();
    }
    values(header::HeaderName::from_static("x-forwarded-for"))
        .iter()
        .flat_map(|line| line.split(','))
        .map(parse_node)
        .collect()
}

/// An address as proxies write it: `192.0.2.60`, `"192.0.2.60:4711"`, `2001:db8::1`,
/// `"[2001:db8::1]:4711"`.
fn parse_node(node: &str) -> Option<IpAddr> {
    let node = node.trim().trim_matches('"').trim();
    if let Ok(addr) = node.parse::<IpAddr>() {
        return Some(addr);
    }
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    let (host, port) = node.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter()
            .map(|s| parse_trusted_proxy(s).unwrap())
            .collect()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let h = headers(&[
            ("x-forwarded-for", "203.0.113.9"),
            ("forwarded", "for=1.2.3.4"),
        ]);
        assert_eq!(
            client_addr(ip("198.51.100.7"), &h, &nets(&["10.0.0.0/8"])),
            ip("198.51.100.7")
        );
        assert_eq!(client_addr(ip("10.0.0.2"), &h, &[]), ip("10.0.0.2"));
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let trusted = nets(&["10.0.0.0/8", "192.168.1.10"]);
        // The client wrote 1.1.1.1 itself; the first proxy appended the real 203.0.113.9.
        let h = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.9, 10.1.2.3")]);
        assert_eq!(
            client_addr(ip("192.168.1.10"), &h, &trusted),
            ip("203.0.113.9")
        );
        // Several header lines are one list, in order.
        let h = headers(&[
            ("x-forwarded-for", "1.1.1.1"),
            ("x-forwarded-for", "203.0.113.9, 10.1.2.3"),
        ]);
        assert_eq!(client_addr(ip("10.0.0.1"), &h, &trusted), ip("203.0.113.9"));
        // Every hop trusted: the leftmost is as far as we can see.
        let h = headers(&[("x-forwarded-for", "10.9.9.9, 10.1.2.3")]);
        assert_eq!(client_addr(ip("10.0.0.1"), &h, &trusted), ip("10.9.9.9"));
        // A trusted proxy that forwarded nothing is the client itself.
        assert_eq!(
            client_addr(ip("10.0.0.1"), &HeaderMap::new(), &trusted),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn forwarded_is_read_before_x_forwarded_for_with_ports_quotes_and_ipv6() {
        let trusted = nets(&["10.0.0.0/8", "fd00::/8"]);
        let h = headers(&[
            ("x-forwarded-for", "9.9.9.9"),
            (
                "forwarded",
                "for=1.1.1.1, for=\"[2001:db8:cafe::17]:4711\";proto=https;by=10.0.0.1",
            ),
            ("forwarded", "For=\"10.2.3.4:8080\""),
        ]);
        assert_eq!(
            client_addr(ip("fd00::1"), &h, &trusted),
            ip("2001:db8:cafe::17")
        );
    }

    #[test]
    fn a_hop_that_is_no_address_stops_at_the_proxy_that_reported_it() {
        let trusted = nets(&["10.0.0.0/8"]);
        let h = headers(&[("x-forwarded-for", "203.0.113.9, unknown, 10.1.2.3")]);
        assert_eq!(client_addr(ip("10.0.0.1"), &h, &trusted), ip("10.1.2.3"));
        let h = headers(&[("forwarded", "for=_hidden")]);
        assert_eq!(client_addr(ip("10.0.0.1"), &h, &trusted), ip("10.0.0.1"));
    }

    #[test]
    fn trusted_proxies_parse_ranges_and_single_addresses_and_name_a_bad_one() {
        assert_eq!(
            parse_trusted_proxy(" 10.1.2.3/8 ").unwrap().to_string(),
            "10.0.0.0/8"
        );
        assert_eq!(
            parse_trusted_proxy("192.168.1.10").unwrap().to_string(),
            "192.168.1.10/32"
        );
        assert_eq!(parse_trusted_proxy("::1").unwrap().to_string(), "::1/128");
        let err = parse_trusted_proxy("10.0.0.0/33").unwrap_err();
        assert!(err.contains("`10.0.0.0/33` is not a CIDR range"), "{err}");
        assert!(parse_trusted_proxy("proxy.local").is_err());
        assert!(parse_trusted_proxy(" ")
            .unwrap_err()
            .contains("empty entry"));
    }
}
