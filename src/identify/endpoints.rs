//! Hard-coded network endpoints: URLs (`https://`, `rtsp://`, `mqtt://` …)
//! in any file, and public IPv4 addresses in text files (configs,
//! scripts). What a device may reach without being told to (domain.md §5
//! "hard-coded hosts, URLs and IPs").
//!
//! One `memmem` pass for `://` per file, so the cost stays far below the
//! evidence pass; hosts that are XML namespaces, licence and documentation
//! sites, examples, private or reserved addresses are left out, since a
//! device does not contact them.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use std::sync::{Arc, LazyLock};

use regex::bytes::Regex;

use crate::model::{Category, Hit, Weight};

/// The verdict vendor all endpoint hits share.
pub const VENDOR: &str = "hard-coded endpoint";

/// Most endpoints recorded per file.
const MAX_PER_FILE: usize = 64;

/// Largest file read for IPv4 literals (text files only).
const MAX_TEXT: usize = 1 << 20;

/// Schemes of network endpoints.
const SCHEMES: &[&str] = &[
    "http", "https", "rtsp", "rtsps", "rtmp", "rtmps", "ftp", "ftps", "mqtt", "mqtts", "ws", "wss",
    "tcp", "udp", "ssl", "tls", "sip", "sips", "coap", "ntp",
];

/// Hosts that appear in URLs but are never contacted: XML namespaces,
/// licence texts, documentation and examples.
const IGNORED_HOSTS: &[&str] = &[
    "www.w3.org",
    "w3.org",
    "schemas.xmlsoap.org",
    "www.onvif.org",
    "docs.oasis-open.org",
    "purl.org",
    "ns.adobe.com",
    "www.gnu.org",
    "gnu.org",
    "fsf.org",
    "www.fsf.org",
    "www.apache.org",
    "apache.org",
    "www.openssl.org",
    "busybox.net",
    "www.kernel.org",
    "schemas.microsoft.com",
    "www.iana.org",
    "tools.ietf.org",
    "www.ietf.org",
    "json-schema.org",
    "xml.org",
    "www.xml.org",
];

static IPV4: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^0-9.])([0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3})(?:[^0-9.]|$)")
        .expect("valid regex")
});

/// Endpoint hits in `bytes`.
pub fn identify(bytes: &[u8]) -> Vec<Hit> {
    let mut found: BTreeSet<(String, usize)> = BTreeSet::new();
    let mut seen = BTreeSet::new();
    for at in memchr::memmem::find_iter(bytes, b"://") {
        if seen.len() >= MAX_PER_FILE {
            break;
        }
        let Some(endpoint) = url_at(bytes, at) else {
            continue;
        };
        if seen.insert(endpoint.0.clone()) {
            found.insert(endpoint);
        }
    }
    if bytes.len() <= MAX_TEXT && is_text(bytes) {
        for caps in IPV4.captures_iter(bytes) {
            if seen.len() >= MAX_PER_FILE {
                break;
            }
            let Some(m) = caps.get(1) else { continue };
            // `Version: 2.0.1.15` is not an address.
            let line_start = bytes[..m.start()]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            let line = String::from_utf8_lossy(&bytes[line_start..m.start()]).to_ascii_lowercase();
            if line.contains("version") || line.ends_with('v') {
                continue;
            }
            let text = String::from_utf8_lossy(m.as_bytes()).into_owned();
            if let Ok(ip) = text.parse::<Ipv4Addr>()
                && is_public(ip)
                && seen.insert(text.clone())
            {
                found.insert((text, m.start()));
            }
        }
    }
    let vendor: Arc<str> = Arc::from(VENDOR);
    let rule: Arc<str> = Arc::from("hard-coded-endpoint");
    found
        .into_iter()
        .map(|(endpoint, offset)| Hit {
            rule: rule.clone(),
            category: Category::Capability,
            vendor: vendor.clone(),
            weight: Weight::Strong,
            matched: Some(endpoint.clone()),
            model: Some(endpoint),
            offset: Some(offset as u64),
        })
        .collect()
}

/// The `scheme://host[:port]` around a `://` at `at`, with its offset.
fn url_at(bytes: &[u8], at: usize) -> Option<(String, usize)> {
    let start = (at.saturating_sub(6)..at)
        .rev()
        .take_while(|&i| bytes[i].is_ascii_alphabetic())
        .last()?;
    let scheme = String::from_utf8_lossy(&bytes[start..at]).to_ascii_lowercase();
    if !SCHEMES.contains(&scheme.as_str()) {
        return None;
    }
    let rest = &bytes[at + 3..];
    let host_len = rest
        .iter()
        .take(254)
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'.' || **b == b'-')
        .count();
    let host = String::from_utf8_lossy(&rest[..host_len]).to_ascii_lowercase();
    if !valid_host(&host) {
        return None;
    }
    let port_len = match rest.get(host_len) {
        Some(b':') => rest[host_len + 1..]
            .iter()
            .take(5)
            .take_while(|b| b.is_ascii_digit())
            .count(),
        _ => 0,
    };
    let port = (port_len > 0)
        .then(|| String::from_utf8_lossy(&rest[host_len + 1..host_len + 1 + port_len]).into_owned())
        .filter(|p| p.parse::<u16>().is_ok_and(|p| p > 0));
    let endpoint = match port {
        Some(p) => format!("{scheme}://{host}:{p}"),
        None => format!("{scheme}://{host}"),
    };
    Some((endpoint, start))
}

fn valid_host(host: &str) -> bool {
    if let Ok(ip) = host.parse::<Ipv4Addr>() {
        return is_public(ip);
    }
    let labels: Vec<&str> = host.split('.').collect();
    let tld = labels.last().copied().unwrap_or_default();
    labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'))
        && tld.len() >= 2
        && tld.bytes().all(|b| b.is_ascii_alphabetic())
        && !IGNORED_HOSTS
            .iter()
            .any(|i| host == *i || host.ends_with(&format!(".{}", i.trim_start_matches("www."))))
        && ![
            "example",
            "localhost",
            "local",
            "invalid",
            "test",
            "lan",
            "home",
        ]
        .contains(&tld)
        && labels.iter().rev().nth(1).is_none_or(|l| *l != "example")
}

/// Not private, loopback, link-local, shared, documentation, multicast or
/// otherwise reserved: an address on the internet.
fn is_public(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_unspecified()
        || a == 0
        || a >= 240
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (18..20).contains(&b)))
}

/// Mostly printable (configs and scripts), so dotted numbers are addresses
/// written by a person rather than bytes of a binary.
fn is_text(bytes: &[u8]) -> bool {
    let sample = &bytes[..bytes.len().min(4096)];
    !sample.is_empty()
        && !sample.contains(&0)
        && sample
            .iter()
            .filter(|b| b.is_ascii_graphic() || b.is_ascii_whitespace())
            .count()
            * 100
            >= sample.len() * 95
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoints(bytes: &[u8]) -> Vec<String> {
        identify(bytes)
            .into_iter()
            .filter_map(|h| h.model)
            .collect()
    }

    #[test]
    fn urls_in_binaries_and_public_addresses_in_configs() {
        let binary = b"\x00\x01https://api.easy4ip.com/v1/login\x00rtsp://203.0.113.9:554/x\x00MQTT://Broker.Tuya-Cloud.com:8883\x00";
        assert_eq!(
            endpoints(binary),
            [
                "https://api.easy4ip.com",
                "mqtt://broker.tuya-cloud.com:8883"
            ],
            "203.0.113.9 is a documentation address"
        );
        let config = b"ntp_server=129.6.15.28\nlan=192.168.1.10\ndns=8.8.8.8\nVersion: 2.0.1.15\nsee http://gcc.gnu.org/bugs\n";
        assert_eq!(endpoints(config), ["129.6.15.28", "8.8.8.8"]);
    }

    #[test]
    fn namespaces_examples_and_format_strings_are_not_endpoints() {
        let decoys = b"xmlns=\"http://www.w3.org/2001/XMLSchema\" http://www.onvif.org/ver10/schema http://%s:%d/ https://example.com/ http://localhost:8080 see http://www.gnu.org/licenses/ http://192.168.0.1/ file:///etc/passwd notaurl://host.com";
        assert!(endpoints(decoys).is_empty(), "{:?}", endpoints(decoys));
        // Dotted numbers in a binary are not addresses.
        let mut binary = b"\x00\x00\x00v 8.8.8.8".to_vec();
        binary.extend([0u8; 100]);
        assert!(endpoints(&binary).is_empty());
    }

    #[test]
    fn at_most_a_bounded_number_per_file() {
        let many: String = (0..500)
            .map(|i| format!("https://h{i}.cloud-host.net/ "))
            .collect();
        assert_eq!(identify(many.as_bytes()).len(), MAX_PER_FILE);
    }
}
