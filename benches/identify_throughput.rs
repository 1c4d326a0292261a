//! Identification throughput: MB/s of file data through the fused YARA-X
//! pass (evidence rules + classifier anchors, then the classifiers'
//! version regexes), and what doubling the rule and classifier sets costs
//! per byte. One thread; `cargo bench --bench identify_throughput`.
//!
//! Data: 64 MiB of xorshift bytes, 64 MiB of config-like text, this
//! benchmark's own executable (real x86-64 code and strings) repeated to
//! 64 MiB, and 64 MiB of build paths as assertions keep them (the worst
//! case for the build-path records: their anchors on every line), each
//! scanned as 256 KiB files.

use std::time::Instant;

use firmsight::identify::classifier::Classifiers;
use firmsight::identify::rules::{BUILTIN_RULES, RuleSet, Target};

const MIB: usize = 1 << 20;
const FILE: usize = 256 << 10;
const RUNS: usize = 3;

fn random(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn text(len: usize) -> Vec<u8> {
    let words = [
        "server",
        "port",
        "enable",
        "1",
        "0",
        "rtsp",
        "admin",
        "timeout",
        "=",
        "/etc/config",
        "dhcp",
        "192.168.0.1",
        "wifi",
        "ssid",
        "level",
        "video",
        "channel",
        "bitrate",
    ];
    let mut out = Vec::with_capacity(len);
    let mut i = 7usize;
    while out.len() < len {
        i = i
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        out.extend(words[(i >> 33) % words.len()].as_bytes());
        out.push(if (i >> 20).is_multiple_of(7) {
            b'\n'
        } else {
            b' '
        });
    }
    out.truncate(len);
    out
}

/// NUL-terminated source paths in the layouts build-path records read
/// (Buildroot, Yocto, vcpkg), of components they know and of others.
fn build_paths(len: usize) -> Vec<u8> {
    let trees = [
        "/home/ci/buildroot/output/build/busybox-1.36.1/libbb",
        "/home/ci/buildroot/output/build/libopenssl-3.0.13/crypto/evp",
        "/usr/src/debug/dbus/1.14.10-r0/dbus",
        "/usr/src/debug/zlib/1.3.1/contrib",
        "/vcpkg/buildtrees/curl/src/url-8.7.1-0123456789.clean/lib",
        "/home/ci/buildroot/output/build/host-zlib-1.3.1",
        "/home/ci/sdk/osdrv/opensource/mpp-3.0.1/sample",
        "/etc/dbus-1/system.d",
        "/home/ci/buildroot/output/build/libjpeg-turbo-3.0.2/simd",
    ];
    let files = ["main.c", "util.c", "x.h", "core.cpp", "asm.S", "config.xml"];
    let mut out = Vec::with_capacity(len);
    let mut i = 11usize;
    while out.len() < len {
        i = i
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        out.extend(trees[(i >> 33) % trees.len()].as_bytes());
        out.push(b'/');
        out.extend(files[(i >> 40) % files.len()].as_bytes());
        out.push(0);
    }
    out.truncate(len);
    out
}

fn executable(len: usize) -> Vec<u8> {
    let me = std::fs::read(std::env::current_exe().expect("own path")).expect("read self");
    me.iter().copied().cycle().take(len).collect()
}

/// A copy of every rule with `_dup` identifiers: twice the rules.
fn doubled_rules() -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = BUILTIN_RULES
        .iter()
        .map(|(n, s)| (n.to_string(), s.to_string()))
        .collect();
    for (name, source) in BUILTIN_RULES {
        let renamed = source
            .lines()
            .map(|l| match l.strip_prefix("rule ") {
                Some(rest) => {
                    let (id, tail) = rest.split_once(' ').unwrap_or((rest, ""));
                    format!("rule {id}_dup {tail}")
                }
                None => l.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n");
        files.push((format!("dup-{name}"), renamed));
    }
    files
}

/// Best-of-RUNS MB/s of `set` (evidence + anchors, then confirm) over data.
fn measure(set: &'static RuleSet, classifiers: &Classifiers, data: &[u8]) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..RUNS {
        let started = Instant::now();
        let mut found = 0;
        for chunk in data.chunks(FILE) {
            let target = Target {
                path: "usr/lib/libx.so",
                name: "libx.so",
                ..Target::default()
            };
            let scan = set.scan_all(&target, chunk).expect("scan");
            found += scan.hits.len();
            found += classifiers.confirm("libx.so", chunk, &scan.anchors).len();
        }
        std::hint::black_box(found);
        best = best.min(started.elapsed().as_secs_f64());
    }
    data.len() as f64 / best / 1e6
}

fn main() {
    let classifiers = Classifiers::builtin().expect("classifiers");
    let builtin = RuleSet::builtin().expect("rules");
    let anchors = classifiers.anchor_rules();
    let n = classifiers.len();
    // Twice the classifiers: the same anchors again as anchor_<n+i> (their
    // confirmations find no classifier and cost nothing beyond the scan).
    let doubled_anchors = format!(
        "{anchors}\n{}",
        (0..n).fold(anchors.clone(), |s, i| s.replace(
            &format!("rule anchor_{i} {{"),
            &format!("rule anchor_{} {{", n + i)
        ))
    );
    let files = doubled_rules();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let doubled: &'static RuleSet = Box::leak(Box::new(
        RuleSet::compile_with(&refs, Some(&doubled_anchors)).expect("doubled set compiles"),
    ));
    let evidence_rules = builtin.rules().len();

    println!(
        "| data (64 MiB, 256 KiB files) | built-in: {evidence_rules} rules + {n} classifiers | doubled: {} rules + {} classifiers | cost per byte, doubled / built-in | classifiers' own Aho-Corasick pass |",
        2 * evidence_rules,
        2 * n
    );
    println!("|---|---|---|---|---|");
    for (name, data) in [
        ("random", random(64 * MIB)),
        ("config text", text(64 * MIB)),
        ("x86-64 executable", executable(64 * MIB)),
        ("build paths", build_paths(64 * MIB)),
    ] {
        // Alternated, best of both rounds: whichever set ran first would
        // otherwise also pay for warming the caches and the regexes' lazy DFAs.
        let (mut base, mut twice) = (0f64, 0f64);
        for _ in 0..2 {
            base = base.max(measure(builtin, classifiers, &data));
            twice = twice.max(measure(doubled, classifiers, &data));
        }
        let started = Instant::now();
        let mut found = 0;
        for chunk in data.chunks(FILE) {
            found += classifiers.scan("libx.so", chunk).len();
        }
        std::hint::black_box(found);
        let ac = data.len() as f64 / started.elapsed().as_secs_f64() / 1e6;
        println!(
            "| {name} | {base:.0} MB/s | {twice:.0} MB/s | {:.2} | {ac:.0} MB/s |",
            base / twice
        );
    }
}
