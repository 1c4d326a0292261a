//! Decompression bombs: every budget fires on the input built to trip it,
//! the run completes, and the process's peak memory stays bounded.
//!
//! Its own test binary, so that the peak RSS of the `firmsight` processes it
//! starts (`RUSAGE_CHILDREN`) is not mixed with other tests' children.

use std::io::Write;
use std::process::Command;

use firmsight::samples;

/// Peak RSS any firmsight run here may reach.
const MAX_RSS_BYTES: i64 = 640 << 20;

fn deflated_zip(members: &[(&str, &[u8])]) -> Vec<u8> {
    let owned: Vec<(&str, &[u8], bool)> = members.iter().map(|(n, d)| (*n, *d, true)).collect();
    samples::zip(&owned)
}

/// Run `firmsight scan` on `bytes`; return the SBOM and the summary.
fn run(name: &str, bytes: &[u8], extra: &[&str]) -> (serde_json::Value, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(bytes))
        .expect("write bomb");
    let out = Command::new(env!("CARGO_BIN_EXE_firmsight"))
        .arg("scan")
        .args(extra)
        .arg(&path)
        .env("NO_COLOR", "1")
        .output()
        .expect("run firmsight");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{name}: {stderr}");
    let bom = serde_json::from_slice(&out.stdout).expect("SBOM is JSON");
    (bom, stderr)
}

fn budget_hits(bom: &serde_json::Value) -> u64 {
    bom["metadata"]["properties"]
        .as_array()
        .expect("properties")
        .iter()
        .find(|p| p["name"] == "firmsight:budget-hits")
        .and_then(|p| p["value"].as_str())
        .and_then(|v| v.parse().ok())
        .expect("budget-hits property")
}

/// Peak RSS over every child process waited for so far.
fn children_peak_rss() -> i64 {
    // SAFETY: getrusage writes into the struct we pass and nothing else.
    #[allow(unsafe_code)]
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    usage.ru_maxrss * 1024
}

#[test]
fn every_budget_fires_within_bounded_memory() {
    // 1. One stream expanding far past 200:1: 256 MiB of zeros in a gzip.
    let zeros = vec![0u8; 256 << 20];
    let gz = samples::gzip(&zeros);
    let (bom, stderr) = run("ratio.gz", &gz, &[]);
    assert_eq!(budget_hits(&bom), 1);
    assert!(stderr.contains("expansion ratio over 200:1"), "{stderr}");

    // 2. A 42.zip-style fan-out: 16 × 16 × 15 MiB = 3.75 GiB from < 1 MiB,
    //    each stream under the ratio floor; the total-bytes budget stops it.
    let leaf = vec![0u8; 15 << 20];
    let names: Vec<String> = (0..16).map(|i| format!("part{i:02}.bin")).collect();
    let level1 = deflated_zip(
        &names
            .iter()
            .map(|n| (n.as_str(), &leaf[..]))
            .collect::<Vec<_>>(),
    );
    let level2 = deflated_zip(
        &names
            .iter()
            .map(|n| (n.as_str(), &level1[..]))
            .collect::<Vec<_>>(),
    );
    assert!(level2.len() < 1 << 20, "bomb is {} bytes", level2.len());
    let (bom, stderr) = run("fanout.zip", &level2, &[]);
    assert!(budget_hits(&bom) >= 1);
    assert!(stderr.contains("max total unpacked bytes"), "{stderr}");

    // 3. Nesting 40 gzip layers deep: the depth budget stops at 16.
    let mut nested = samples::tar(&[samples::RootfsEntry::File("core", b"x".to_vec())]);
    for _ in 0..40 {
        nested = samples::gzip(&nested);
    }
    let (bom, stderr) = run("deep.gz", &nested, &[]);
    assert_eq!(budget_hits(&bom), 1);
    assert!(stderr.contains("max depth 16 reached"), "{stderr}");

    // 4. More entries than allowed.
    let many: Vec<samples::RootfsEntry> = (0..2000)
        .map(|_| samples::RootfsEntry::File("f", b"x".to_vec()))
        .collect();
    let (bom, stderr) = run("many.tar", &samples::tar(&many), &["--max-entries", "500"]);
    assert_eq!(budget_hits(&bom), 1);
    assert!(stderr.contains("max entries 500 reached"), "{stderr}");

    let peak = children_peak_rss();
    assert!(
        peak > 0 && peak < MAX_RSS_BYTES,
        "peak RSS {} MiB",
        peak >> 20
    );
    eprintln!("peak RSS of the bomb runs: {} MiB", peak >> 20);
}
