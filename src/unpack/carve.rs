//! Carving: find the formats inside a raw blob — a flash dump (bootloader,
//! kernel, rootfs, config partition at offsets, 0xFF padding between), a
//! partition, a payload with data before or after it.
//!
//! One multi-pattern pass (Aho-Corasick over every registered [`Magic`](crate::unpack::Magic),
//! built once) finds candidates. Each is validated by its format's own
//! `probe`, which also gives its true extent (`extent`). Candidates are
//! taken in order of offset; one that starts inside an accepted part is
//! dropped, so the validated outer container wins over magics inside it.
//! A part whose extent only decoding can tell (a compressed stream) runs to
//! the next accepted part; its decoder stops at the stream's own end, and
//! the walker lists what follows as an entry of the stream's container.
//! Bytes between parts become artifacts of their
//! own with their entropy, so nothing is hidden; pure 0x00/0xFF padding is
//! recorded as a note instead.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use crate::model::EntryKind;
use crate::unpack::blob::{Blob, Bytes};
use crate::unpack::{Entry, Extraction, FORMATS, Format};

/// Id used in locations: `flash.bin › carve:0x00040000`.
pub const ID: &str = "carve";

/// At most this many candidates are validated per blob, so a blob full of
/// magic bytes costs bounded time; the rest are reported in a note. The
/// budget is shared fairly among the magics found (see [`fair_share`]): a
/// short magic that is common in code (zlib's `78 01` is an s390x
/// instruction: 6,669 of them in Debian's s390x kernel stub) must not use
/// it all up before the payload's own magic is reached.
const MAX_CANDIDATES: usize = 4096;

/// Blobs shorter than this are not carved.
pub const MIN_LEN: usize = 512;

struct Carver {
    automaton: AhoCorasick,
    /// Per pattern: the format index and the magic's offset in the format.
    patterns: Vec<(usize, usize)>,
}

static CARVER: LazyLock<Option<Carver>> = LazyLock::new(|| Carver::new(FORMATS));

impl Carver {
    fn new(formats: &[&dyn Format]) -> Option<Self> {
        let mut bytes = Vec::new();
        let mut patterns = Vec::new();
        for (index, format) in formats.iter().enumerate() {
            for magic in format.magic() {
                bytes.push(magic.bytes);
                patterns.push((index, magic.offset));
            }
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&bytes)
            .ok()?;
        Some(Carver {
            automaton,
            patterns,
        })
    }
}

/// A validated part of a blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// Offset of its first byte.
    pub start: usize,
    /// Offset past its last byte.
    pub end: usize,
    /// Id of its format.
    pub format: &'static str,
}

/// Validated, non-overlapping parts of `data` in offset order, and how many
/// candidates went unchecked.
pub fn parts(data: &[u8]) -> (Vec<Part>, usize) {
    let Some(carver) = CARVER.as_ref() else {
        return (Vec::new(), 0);
    };
    // Per magic, its first candidates in offset order; no more than the
    // whole budget is kept of any one, so a blob of repeated magic bytes
    // does not list one candidate per byte.
    let mut by_magic: Vec<Vec<(usize, usize)>> = vec![Vec::new(); carver.patterns.len()];
    let mut seen = vec![0usize; carver.patterns.len()];
    for m in carver.automaton.find_overlapping_iter(data) {
        let pattern = m.pattern().as_usize();
        let (format, offset) = carver.patterns[pattern];
        let Some(start) = m.start().checked_sub(offset) else {
            continue;
        };
        seen[pattern] += 1;
        if by_magic[pattern].len() < MAX_CANDIDATES {
            by_magic[pattern].push((start, format));
        }
    }
    let shares = fair_share(&seen, MAX_CANDIDATES);
    let unchecked = seen.iter().zip(&shares).map(|(n, share)| n - share).sum();
    let mut candidates: Vec<(usize, usize)> = by_magic
        .into_iter()
        .zip(shares)
        .flat_map(|(found, share)| found.into_iter().take(share))
        .collect();
    candidates.sort_unstable();
    candidates.dedup();

    // (start, known end, format)
    let mut accepted: Vec<(usize, Option<usize>, usize)> = Vec::new();
    let mut cursor = 0;
    for (start, index) in candidates {
        if start < cursor {
            continue;
        }
        let format = FORMATS[index];
        let rest = &data[start..];
        if !format.probe(rest) {
            continue;
        }
        // An extent past the end of the blob is a damaged or lying header
        // (a uImage claiming 2 MiB in a 35 KiB file): treat it as unknown,
        // so parts inside the claimed range are still found.
        let end = format
            .extent(rest)
            .and_then(|len| usize::try_from(len).ok())
            .filter(|&len| len <= rest.len())
            .map(|len| start + len);
        // A part of unknown length may be followed by the next part
        // anywhere after its header.
        cursor = end.unwrap_or(start + 1);
        // Two candidates at one offset (e.g. a format and its magic inside
        // another): the first in registry order wins.
        if accepted.last().is_some_and(|last| last.0 == start) {
            continue;
        }
        accepted.push((start, end, index));
    }
    let parts = accepted
        .iter()
        .enumerate()
        .map(|(i, &(start, end, index))| {
            let next = accepted.get(i + 1).map_or(data.len(), |n| n.0);
            Part {
                start,
                end: end.unwrap_or(next).min(next),
                format: FORMATS[index].id(),
            }
        })
        .collect();
    (parts, unchecked)
}

/// How many of each magic's `counts` candidates to check within `budget`:
/// every magic gets an equal share, and what a magic does not use is
/// shared among the others (max-min fairness).
fn fair_share(counts: &[usize], budget: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..counts.len()).filter(|&i| counts[i] > 0).collect();
    order.sort_unstable_by_key(|&i| counts[i]);
    let mut shares = vec![0; counts.len()];
    let mut left = budget;
    for (taken, &i) in order.iter().enumerate() {
        let share = counts[i].min(left / (order.len() - taken));
        shares[i] = share;
        left -= share;
    }
    shares
}

/// The carve of `data` (a blob called `name`): its parts and the gaps
/// between them, or `None` when carving finds nothing beyond a single part
/// covering the whole blob.
///
/// A decoded kernel (`vmlinux`, as the kernel formats name their payload)
/// is carved for the configuration and initramfs streams embedded in it.
/// Its head, when no format starts it and it holds more than half the
/// blob, is the kernel's own code, not a region of a dump: it keeps the
/// name, so the banner read there is the kernel's. Other blobs' pieces
/// keep their offset names (a flash dump's head is its bootloader).
pub fn carve(data: &Bytes, name: &str) -> Option<Extraction> {
    let (parts, unchecked) = parts(data);
    let whole = |p: &Part| p.start == 0 && is_padding(&data[p.end..]);
    if parts.is_empty() || (parts.len() == 1 && whole(&parts[0])) {
        return None;
    }
    let mut extraction = Extraction::default();
    push_parts(data, 0, &parts, unchecked, &mut extraction);
    let head = parts[0].start;
    if name.starts_with("vmlinux")
        && head > data.len() - head
        && let Some(entry) = extraction
            .entries
            .first_mut()
            .filter(|e| e.path.as_deref() == Some("0x00000000"))
    {
        entry.name = name.to_string();
    }
    Some(extraction)
}

/// List `data[from..]` into `extraction` as parts and gaps, each named by
/// its offset in `data`: what is appended to a program.
pub fn push_tail(data: &Bytes, from: usize, extraction: &mut Extraction) {
    let Some(tail) = data.get(from..) else {
        return;
    };
    let (mut parts, unchecked) = parts(tail);
    for part in &mut parts {
        part.start += from;
        part.end += from;
    }
    push_parts(data, from, &parts, unchecked, extraction);
}

/// Entries for `parts` of `data` and for the gaps around them from `from`.
fn push_parts(
    data: &Bytes,
    from: usize,
    parts: &[Part],
    unchecked: usize,
    extraction: &mut Extraction,
) {
    if unchecked > 0 {
        extraction.notes.push(format!(
            "{unchecked} candidate signatures beyond the first {MAX_CANDIDATES} not checked"
        ));
    }
    let mut cursor = from;
    for part in parts.iter().map(Some).chain([None]) {
        let gap_end = part.map_or(data.len(), |p| p.start);
        if gap_end > cursor {
            push_gap(extraction, data, cursor, gap_end);
        }
        let Some(part) = part else { break };
        if let Some(bytes) = data.slice(part.start..part.end) {
            let mut entry = Entry::new(format!("0x{:08x}", part.start), EntryKind::File);
            entry.name = format!("{:08x}.{}", part.start, part.format);
            entry.blob = Some(Blob::Bytes(bytes));
            extraction.entries.push(entry);
        }
        cursor = part.end;
    }
}

/// The bytes `data[start..end]` no part covers: a note when they are
/// padding, else an entry named by their offset, with their entropy.
pub(crate) fn push_gap(extraction: &mut Extraction, data: &Bytes, start: usize, end: usize) {
    let bytes = &data[start..end];
    if is_padding(bytes) {
        let erased = bytes.iter().filter(|&&b| b == 0xff).count();
        let kind = match erased {
            0 => "0x00",
            n if n == bytes.len() => "0xff",
            _ => "0x00/0xff",
        };
        extraction
            .notes
            .push(format!("0x{start:08x}–0x{end:08x}: {kind} padding"));
        return;
    }
    let Some(slice) = data.slice(start..end) else {
        return;
    };
    let mut entry = Entry::new(format!("0x{start:08x}"), EntryKind::File);
    entry.name = format!("{start:08x}.unknown");
    entry.notes.push(format!(
        "unknown region, entropy {:.2} bits/byte",
        entropy(bytes)
    ));
    entry.blob = Some(Blob::Bytes(slice));
    extraction.entries.push(entry);
}

/// True when `bytes` holds nothing but 0x00 and 0xFF: alignment zeros
/// (mksquashfs pads to 4 KiB) followed by erased flash, or either alone.
pub fn is_padding(bytes: &[u8]) -> bool {
    bytes.iter().all(|&b| b == 0x00 || b == 0xff)
}

/// Shannon entropy in bits per byte (0 for constant data, 8 for random).
pub fn entropy(bytes: &[u8]) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u64; 256];
    for &b in bytes {
        counts[usize::from(b)] += 1;
    }
    let n = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples;

    fn place(parts: &[(usize, Vec<u8>)], len: usize) -> Vec<u8> {
        let mut dump = vec![0xffu8; len];
        for (at, bytes) in parts {
            dump[*at..*at + bytes.len()].copy_from_slice(bytes);
        }
        dump
    }

    #[test]
    fn finds_parts_at_offsets_and_reports_gaps() {
        let tar = samples::tar(&[samples::RootfsEntry::File("etc/config", b"x=1\n".to_vec())]);
        let gz = samples::gzip(b"kernel image bytes");
        let boot: Vec<u8> = (0..3000u32).map(|i| (i * 7 + i / 13) as u8).collect();
        let dump = place(
            &[(0, boot), (0x1_0000, tar.clone()), (0x2_0000, gz)],
            0x3_0000,
        );
        let data = Bytes::from_vec(dump);
        let (found, unchecked) = parts(&data);
        assert_eq!(unchecked, 0);
        assert_eq!(
            found,
            [
                Part {
                    start: 0x1_0000,
                    end: 0x1_0000 + tar.len(),
                    format: "tar"
                },
                Part {
                    start: 0x2_0000,
                    end: 0x3_0000,
                    format: "gzip"
                },
            ]
        );
        let ex = carve(&data, "dump.bin").expect("carved");
        let names: Vec<_> = ex.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["00000000.unknown", "00010000.tar", "00020000.gzip"]);
        assert!(ex.entries[0].notes[0].contains("entropy"));
        assert!(ex.notes.iter().any(|n| n.contains("0xff padding")));
    }

    #[test]
    fn a_head_holding_most_of_the_blob_keeps_its_name() {
        // A kernel: its code, then its gzip'd configuration and initramfs.
        let code: Vec<u8> = (0..0x2_0000u32).map(|i| (i * 7 + i / 13) as u8).collect();
        let config = samples::gzip(b"CONFIG_ARM=y\n");
        let kernel = place(&[(0, code), (0x2_0000, config)], 0x2_8000);
        let ex = carve(&Bytes::from_vec(kernel), "vmlinux").expect("carved");
        let names: Vec<_> = ex.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["vmlinux", "00020000.gzip"]);
        assert_eq!(ex.entries[0].path.as_deref(), Some("0x00000000"));
        // A head of half the blob or less is a region of the kernel blob;
        // any other blob's head is a region of a dump, however large.
        let boot: Vec<u8> = (0..0x1_0000u32).map(|i| (i * 7 + i / 13) as u8).collect();
        let gz = samples::gzip(b"kernel image bytes");
        let half = Bytes::from_vec(place(
            &[(0, boot.clone()), (0x1_0000, gz.clone())],
            0x2_0000,
        ));
        let ex = carve(&half, "vmlinux").expect("carved");
        assert_eq!(ex.entries[0].name, "00000000.unknown");
        let mut big_boot = boot.clone();
        big_boot.extend(&boot);
        let dump = Bytes::from_vec(place(&[(0, big_boot), (0x2_0000, gz)], 0x2_8000));
        let ex = carve(&dump, "nand_dump.bin").expect("carved");
        assert_eq!(ex.entries[0].name, "00000000.unknown");
    }

    #[test]
    fn a_single_part_covering_the_blob_is_not_carved() {
        let tar = samples::tar(&[samples::RootfsEntry::File("a", vec![1; 600])]);
        assert!(carve(&Bytes::from_vec(tar.clone()), "blob").is_none());
        let mut padded = tar;
        padded.resize(padded.len() + 4096, 0xff);
        assert!(carve(&Bytes::from_vec(padded), "blob").is_none());
    }

    #[test]
    fn decoys_are_not_carved() {
        let mut text =
            b"this file mentions ustar, hsqs, PK, BZh9 and 1AY&SY in passing. ".repeat(40);
        text.extend([0x1f, 0x8b, 0x08, 0xff]);
        assert!(carve(&Bytes::from_vec(text), "blob").is_none());
        assert!(carve(&Bytes::from_vec(vec![0xff; 8192]), "blob").is_none());
    }

    #[test]
    fn a_flood_of_one_magic_does_not_hide_another() {
        // More `78 01` pairs (zlib's magic, a common s390x instruction)
        // than the whole candidate budget, then a gzip stream.
        let mut blob = [0x78, 0x01].repeat(MAX_CANDIDATES + 500);
        let at = blob.len();
        blob.extend(samples::gzip(b"the kernel's payload"));
        let (found, unchecked) = parts(&blob);
        assert_eq!(
            found.last(),
            Some(&Part {
                start: at,
                end: blob.len(),
                format: "gzip"
            })
        );
        assert!(unchecked >= 500, "{unchecked}");
    }

    #[test]
    fn shares_are_equal_and_unused_shares_go_to_the_others() {
        assert_eq!(fair_share(&[10, 0, 10], 100), [10, 0, 10]);
        assert_eq!(fair_share(&[1000, 3, 1000], 100), [48, 3, 49]);
        assert_eq!(fair_share(&[5000, 1], 4096), [4095, 1]);
        assert_eq!(fair_share(&[], 10), Vec::<usize>::new());
        assert_eq!(fair_share(&[7, 7, 7], 2), [0, 1, 1]);
    }

    #[test]
    fn entropy_and_padding() {
        assert_eq!(entropy(&[7; 100]), 0.0);
        let all: Vec<u8> = (0..=255).collect();
        assert!((entropy(&all) - 8.0).abs() < 1e-9);
        assert!(is_padding(&[0xff; 3]) && is_padding(&[]) && is_padding(&[0, 0, 0xff]));
        assert!(!is_padding(&[0xff, 0, 7]));
    }
}
