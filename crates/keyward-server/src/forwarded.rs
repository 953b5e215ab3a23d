//! Who the client is when keyward sits behind proxies.
//!
//! Only a peer inside `trusted_proxies` may speak for the client. From such
//! a peer, `Forwarded` (RFC 7239) or else `X-Forwarded-For` is walked from
//! the right, past every address that is itself a trusted proxy: the first
//! one that is not is the client. `X-Forwarded-Proto` / `X-Forwarded-Host`
//! (or `proto=` / `host=`) are taken from the nearest proxy, the right-most
//! value. From any other peer these headers change nothing.
//!
//! The accept loop resolves this once per request and rewrites the request
//! so the doors never parse a forwarding header themselves: `ConnectInfo`
//! holds the client's address, `Host` the forwarded host, and
//! `X-Forwarded-Proto` is always keyward's own `http` or `https`.

use std::net::{IpAddr, SocketAddr};

use axum::http::{HeaderMap, HeaderValue, header};
use ipnet::IpNet;

/// The proxies whose forwarding headers are believed. Empty by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// The networks `text` lists, comma- or space-separated: CIDR blocks
    /// (`10.0.0.0/8`, `fd00::/8`) or single addresses.
    pub fn parse(text: &str) -> Result<Self, String> {
        text.split([',', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<IpNet>()
                    .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        format!("`{s}` is not an IP address or CIDR block (like 10.0.0.0/8 or ::1)")
                    })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    /// Whether `ip` is one of them (IPv4-mapped IPv6 addresses count as
    /// the IPv4 address they carry).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }
}

/// Where a request came from, as far as keyward can vouch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The client's address.
    pub ip: IpAddr,
    /// Whether the client spoke https: to keyward's own TLS, or to a
    /// trusted proxy that says so.
    pub https: bool,
    /// The host the client asked for, when a trusted proxy says it.
    pub host: Option<HeaderValue>,
}

/// The origin of a request from `peer` with `headers`; `tls` is whether the
/// connection to keyward itself is TLS.
pub fn resolve(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies, tls: bool) -> Origin {
    let peer = peer.to_canonical();
    if !trusted.contains(peer) {
        return Origin {
            ip: peer,
            https: tls,
            host: None,
        };
    }
    let forwarded = joined(headers, "forwarded");
    let (hops, proto, host) = match &forwarded {
        Some(text) => rfc7239(text),
        None => (
            joined(headers, "x-forwarded-for")
                .map(|t| t.split(',').map(|s| s.trim().to_owned()).collect())
                .unwrap_or_default(),
            last_value(headers, "x-forwarded-proto"),
            last_value(headers, "x-forwarded-host"),
        ),
    };
    let mut ip = peer;
    for hop in hops.iter().rev() {
        match node_ip(hop) {
            Some(hop) if trusted.contains(hop) => ip = hop,
            Some(hop) => {
                ip = hop;
                break;
            }
            // `unknown` or an obfuscated name: nothing further left can be
            // believed, so the nearest address known stands for the client.
            None => break,
        }
    }
    let https = tls
        || proto
            .as_deref()
            .is_some_and(|p| p.eq_ignore_ascii_case("https"));
    let host = host
        .filter(|h| valid_host(h))
        .and_then(|h| HeaderValue::from_str(&h).ok());
    Origin {
        ip: ip.to_canonical(),
        https,
        host,
    }
}

/// Rewrite `headers` for the doors: no forwarding header of the client's
/// survives; `Host` becomes the forwarded host; `X-Forwarded-Proto` says
/// keyward's own conclusion.
pub fn apply(origin: &Origin, headers: &mut HeaderMap) {
    for name in [
        "forwarded",
        "x-forwarded-for",
        "x-forwarded-proto",
        "x-forwarded-host",
    ] {
        headers.remove(name);
    }
    if let Some(host) = &origin.host {
        headers.insert(header::HOST, host.clone());
    }
    headers.insert(
        "x-forwarded-proto",
        HeaderValue::from_static(if origin.https { "https" } else { "http" }),
    );
}

/// The client's address as the accept loop records it (`ConnectInfo`).
pub fn client_addr(origin: &Origin, peer: SocketAddr) -> SocketAddr {
    SocketAddr::new(
        origin.ip,
        if origin.ip == peer.ip() {
            peer.port()
        } else {
            0
        },
    )
}

/// Every value of header `name`, joined by commas (how repeated headers
/// combine).
fn joined(headers: &HeaderMap, name: &str) -> Option<String> {
    let values: Vec<&str> = headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    (!values.is_empty()).then(|| values.join(","))
}

/// The right-most value of a comma-separated header.
fn last_value(headers: &HeaderMap, name: &str) -> Option<String> {
    joined(headers, name)?
        .rsplit(',')
        .map(str::trim)
        .find(|v| !v.is_empty())
        .map(str::to_owned)
}

/// `Forwarded`'s `for=` nodes left to right, and the right-most `proto=`
/// and `host=`.
fn rfc7239(text: &str) -> (Vec<String>, Option<String>, Option<String>) {
    let (mut hops, mut proto, mut host) = (Vec::new(), None, None);
    for element in text.split(',') {
        for pair in element.split(';') {
            let Some((key, value)) = pair.split_once('=') else {
                continue;
            };
            let value = value.trim().trim_matches('"').to_owned();
            match key.trim().to_ascii_lowercase().as_str() {
                "for" => hops.push(value),
                "proto" => proto = Some(value),
                "host" => host = Some(value),
                _ => {}
            }
        }
    }
    (hops, proto, host)
}

/// The address in a hop: `192.0.2.1`, `192.0.2.1:80`, `2001:db8::1`,
/// `[2001:db8::1]` or `[2001:db8::1]:80`; `None` for anything else.
fn node_ip(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(addr) = hop.parse::<SocketAddr>() {
        return Some(addr.ip());
    }
    hop.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .and_then(|h| h.parse().ok())
}

/// A host and optional port, nothing a URL could be bent with.
fn valid_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn trusted(list: &str) -> TrustedProxies {
        TrustedProxies::parse(list).unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn lists_are_checked() {
        assert!(!trusted("").contains(ip("127.0.0.1")));
        let t = trusted("10.0.0.0/8, 127.0.0.1 ::1");
        for inside in ["10.1.2.3", "127.0.0.1", "::1"] {
            assert!(t.contains(ip(inside)), "{inside}");
        }
        assert!(!t.contains(ip("127.0.0.2")));
        let e = TrustedProxies::parse("10.0.0.0/8,10.0.0.300").unwrap_err();
        assert!(e.contains("`10.0.0.300`"), "{e}");
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_says() {
        let h = headers(&[
            ("x-forwarded-for", "1.2.3.4"),
            ("x-forwarded-proto", "https"),
            ("x-forwarded-host", "evil.example"),
            ("forwarded", "for=5.6.7.8;proto=https"),
        ]);
        let o = resolve(ip("203.0.113.9"), &h, &trusted("10.0.0.0/8"), false);
        assert_eq!(
            o,
            Origin {
                ip: ip("203.0.113.9"),
                https: false,
                host: None
            }
        );
        // With no list at all, the same.
        let o = resolve(ip("10.0.0.1"), &h, &TrustedProxies::default(), false);
        assert_eq!(o.ip, ip("10.0.0.1"));
    }

    #[test]
    fn the_right_most_untrusted_address_is_the_client() {
        let t = trusted("10.0.0.0/8");
        // The client prepended a lie; the proxy appended what it saw.
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 198.51.100.7, 10.0.0.5")]);
        let o = resolve(ip("10.0.0.2"), &h, &t, false);
        assert_eq!(o.ip, ip("198.51.100.7"));
        // Repeated headers are one list.
        let h = headers(&[
            ("x-forwarded-for", "6.6.6.6"),
            ("x-forwarded-for", "198.51.100.7"),
        ]);
        assert_eq!(
            resolve(ip("10.0.0.2"), &h, &t, false).ip,
            ip("198.51.100.7")
        );
        // Only trusted hops: the left-most.
        let h = headers(&[("x-forwarded-for", "10.1.1.1, 10.0.0.5")]);
        assert_eq!(resolve(ip("10.0.0.2"), &h, &t, false).ip, ip("10.1.1.1"));
        // No header: the proxy itself.
        assert_eq!(
            resolve(ip("10.0.0.2"), &HeaderMap::new(), &t, false).ip,
            ip("10.0.0.2")
        );
        // Garbage stops the walk at the nearest address known.
        let h = headers(&[("x-forwarded-for", "198.51.100.7, garbage, 10.0.0.5")]);
        assert_eq!(resolve(ip("10.0.0.2"), &h, &t, false).ip, ip("10.0.0.5"));
    }

    #[test]
    fn forwarded_is_read_as_rfc_7239_writes_it() {
        let t = trusted("10.0.0.0/8, fd00::/8");
        let h = headers(&[(
            "forwarded",
            r#"for=192.0.2.60;proto=http, For="[2001:db8:cafe::17]:4711";proto=https;host=app.example.com, for=10.0.0.9"#,
        )]);
        let o = resolve(ip("fd00::1"), &h, &t, false);
        assert_eq!(o.ip, ip("2001:db8:cafe::17"));
        assert!(o.https);
        assert_eq!(o.host.unwrap(), "app.example.com");
        // Forwarded wins over X-Forwarded-For.
        let h = headers(&[
            ("forwarded", "for=192.0.2.60"),
            ("x-forwarded-for", "198.51.100.7"),
        ]);
        assert_eq!(resolve(ip("10.0.0.2"), &h, &t, false).ip, ip("192.0.2.60"));
        // `unknown` stops the walk.
        let h = headers(&[("forwarded", "for=192.0.2.60, for=unknown")]);
        assert_eq!(resolve(ip("10.0.0.2"), &h, &t, false).ip, ip("10.0.0.2"));
    }

    #[test]
    fn scheme_and_host_come_from_the_nearest_proxy() {
        let t = trusted("127.0.0.1");
        let h = headers(&[
            ("x-forwarded-proto", "http, https"),
            ("x-forwarded-host", "a.example, myapp.example.com:8443"),
        ]);
        let o = resolve(ip("127.0.0.1"), &h, &t, false);
        assert!(o.https);
        assert_eq!(o.host.unwrap(), "myapp.example.com:8443");
        // A host that could bend a URL is ignored.
        let h = headers(&[("x-forwarded-host", "evil.example/path")]);
        assert_eq!(resolve(ip("127.0.0.1"), &h, &t, false).host, None);
        // Direct TLS is https whatever a proxy says.
        let h = headers(&[("x-forwarded-proto", "http")]);
        assert!(resolve(ip("127.0.0.1"), &h, &t, true).https);
    }

    #[test]
    fn ipv4_mapped_peers_count_as_ipv4() {
        let t = trusted("127.0.0.1");
        let h = headers(&[("x-forwarded-for", "198.51.100.7")]);
        let o = resolve(ip("::ffff:127.0.0.1"), &h, &t, false);
        assert_eq!(o.ip, ip("198.51.100.7"));
    }

    #[test]
    fn apply_leaves_only_keywards_own_headers() {
        let mut h = headers(&[
            ("host", "internal:3000"),
            ("x-forwarded-for", "1.2.3.4"),
            ("forwarded", "for=1.2.3.4"),
            ("x-forwarded-host", "a.example"),
            ("x-forwarded-proto", "https"),
        ]);
        let origin = Origin {
            ip: ip("1.2.3.4"),
            https: false,
            host: Some(HeaderValue::from_static("myapp.example.com")),
        };
        apply(&origin, &mut h);
        assert_eq!(h.get("host").unwrap(), "myapp.example.com");
        assert_eq!(h.get("x-forwarded-proto").unwrap(), "http");
        for gone in ["x-forwarded-for", "forwarded", "x-forwarded-host"] {
            assert!(h.get(gone).is_none(), "{gone}");
        }
    }

    proptest! {
        /// Whatever headers an untrusted peer sends, the origin is the peer
        /// and the connection's own scheme.
        #[test]
        fn untrusted_peers_cannot_spoof(
            xff in "[0-9a-f:., \\[\\]]{0,60}",
            fwd in "[a-zA-Z0-9=;,:\". \\[\\]]{0,60}",
            proto in "(https|http|HTTPS|x)",
            last in 1u8..=254,
            tls: bool,
        ) {
            let peer = IpAddr::from([198, 51, 100, last]);
            let mut h = HeaderMap::new();
            for (k, v) in [("x-forwarded-for", xff), ("forwarded", fwd), ("x-forwarded-proto", proto)] {
                if let Ok(v) = HeaderValue::from_str(&v) {
                    h.insert(k, v);
                }
            }
            let o = resolve(peer, &h, &trusted("10.0.0.0/8, 127.0.0.1"), tls);
            prop_assert_eq!(o, Origin { ip: peer, https: tls, host: None });
        }

        /// Behind a trusted proxy the client is never a trusted address
        /// unless every hop is one, and is always one of the hops or the
        /// peer.
        #[test]
        fn the_client_is_a_hop(hops in proptest::collection::vec((any::<bool>(), 1u8..=254), 0..6)) {
            let t = trusted("10.0.0.0/8");
            let addrs: Vec<IpAddr> = hops
                .iter()
                .map(|(inside, n)| if *inside { IpAddr::from([10, 0, 0, *n]) } else { IpAddr::from([198, 51, 100, *n]) })
                .collect();
            let list: Vec<String> = addrs.iter().map(IpAddr::to_string).collect();
            let h = headers(&[("x-forwarded-for", &list.join(", "))]);
            let peer = ip("10.9.9.9");
            let o = resolve(peer, &h, &t, false);
            prop_assert!(o.ip == peer || addrs.contains(&o.ip));
            let expected = addrs.iter().rev().find(|a| !t.contains(**a)).copied()
                .unwrap_or_else(|| addrs.first().copied().unwrap_or(peer));
            prop_assert_eq!(o.ip, expected);
        }
    }
}
