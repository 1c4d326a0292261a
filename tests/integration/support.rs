//! Helpers shared by the integration tests.

use std::collections::BTreeMap;

use firmsight::model::{Artifact, EntryKind};
use firmsight::{Bytes, ScanOptions, ScanResult, scan_bytes};
use sha2::Digest;

/// Lower-case hex SHA-256, computed independently of firmsight's model.
pub fn sha256_hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Scan in-memory bytes with default options.
pub fn scan(name: &str, bytes: Vec<u8>) -> ScanResult {
    scan_bytes(name, Bytes::from_vec(bytes), &ScanOptions::default()).expect("scan starts")
}

/// Every file artifact below `root` whose parent was a `tar`, keyed by its
/// path inside the tar: `(size, sha256)`.
pub fn tar_files(root: &Artifact) -> BTreeMap<String, (u64, String)> {
    root.iter()
        .filter(|a| matches!(a.entry, EntryKind::File | EntryKind::Hardlink { .. }))
        .filter_map(|a| {
            let step = a.location.0.last()?;
            (step.format == Some("tar")).then(|| {
                let sha = a
                    .hashes
                    .as_ref()
                    .map(|h| h.sha256_hex())
                    .unwrap_or_default();
                (
                    step.path.as_deref().unwrap_or_default().to_string(),
                    (a.size, sha),
                )
            })
        })
        .collect()
}

/// `component version` of everything identified under `root`.
pub fn identified(root: &Artifact) -> Vec<String> {
    root.iter()
        .flat_map(|a| &a.identified)
        .map(|i| format!("{} {}", i.component, i.version))
        .collect()
}

/// Panics if any artifact records a caught panic.
pub fn assert_no_panics(root: &Artifact) {
    for a in root.iter() {
        let text = format!("{} {:?}", a.status, a.notes);
        assert!(!text.contains("panicked"), "{}: {text}", a.location);
    }
}

/// One member of a hand-written tar.
pub struct RawMember<'a> {
    pub name: &'a [u8],
    pub typeflag: u8,
    pub link: &'a [u8],
    pub data: &'a [u8],
}

impl<'a> RawMember<'a> {
    pub fn file(name: &'a [u8], data: &'a [u8]) -> Self {
        RawMember {
            name,
            typeflag: b'0',
            link: b"",
            data,
        }
    }

    pub fn symlink(name: &'a [u8], target: &'a [u8]) -> Self {
        RawMember {
            name,
            typeflag: b'2',
            link: target,
            data: b"",
        }
    }
}

/// A ustar archive written byte by byte, so that names the `tar` crate's
/// builder refuses (`../x`, `/etc/x`) can be made.
pub fn raw_tar(members: &[RawMember<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in members {
        let mut h = [0u8; 512];
        h[..m.name.len()].copy_from_slice(m.name);
        h[100..107].copy_from_slice(b"0000644");
        h[108..115].copy_from_slice(b"0000000");
        h[116..123].copy_from_slice(b"0000000");
        h[124..135].copy_from_slice(format!("{:011o}", m.data.len()).as_bytes());
        h[136..147].copy_from_slice(b"14536254000");
        h[156] = m.typeflag;
        h[157..157 + m.link.len()].copy_from_slice(m.link);
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
        h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        out.extend_from_slice(&h);
        out.extend_from_slice(m.data);
        out.resize(out.len().next_multiple_of(512), 0);
    }
    out.resize(out.len() + 1024, 0);
    out
}

/// A pax extended header record (`"<len> key=value\n"`).
pub fn pax_record(key: &str, value: &str) -> Vec<u8> {
    let body = format!(" {key}={value}\n");
    let mut len = body.len() + 1;
    while format!("{len}{body}").len() != len {
        len += 1;
    }
    format!("{len}{body}").into_bytes()
}
