//! romfs (`-rom1fs-`, Linux `Documentation/filesystems/romfs.rst`).
//!
//! Everything is big-endian and 16-byte aligned. Superblock: magic, full
//! size, checksum, volume name. Each file header: next header offset (its
//! low 4 bits hold the type and an executable bit), type-specific info,
//! size, checksum, name; data follows the name. Types: 0 hard link (info
//! = target header), 1 directory (info = first entry; `.` and `..` are
//! listed), 2 file, 3 symlink (data = target), 4 block and 5 char device
//! (info = major << 16 | minor), 6 socket, 7 fifo. Checksums make the sum
//! of the covered big-endian words zero; they are verified and mismatches
//! noted.

use std::collections::HashSet;

use crate::model::EntryKind;
use crate::unpack::blob::{Blob, Bytes};
use crate::unpack::{Context, Entry, Extraction, Format, FormatError, Magic};

const MAGIC: &[u8; 8] = b"-rom1fs-";
/// Deepest directory nesting followed.
const MAX_DEPTH: usize = 64;

/// The romfs format.
pub struct Romfs;

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// A NUL-terminated name at `at`, and the aligned offset after it.
fn name_at(data: &[u8], at: usize) -> Option<(String, usize)> {
    let rest = data.get(at..)?;
    let len = rest.iter().take(4096).position(|&b| b == 0)?;
    Some((
        String::from_utf8_lossy(&rest[..len]).into_owned(),
        (at + len + 1).next_multiple_of(16),
    ))
}

/// Words summing to zero (the romfs checksum rule).
fn checksum_ok(bytes: &[u8]) -> bool {
    bytes
        .chunks(4)
        .map(|w| {
            let mut b = [0u8; 4];
            b[..w.len()].copy_from_slice(w);
            u32::from_be_bytes(b)
        })
        .fold(0u32, u32::wrapping_add)
        == 0
}

fn parse_superblock(data: &[u8]) -> Result<(u32, String, usize), FormatError> {
    if data.get(..8) != Some(&MAGIC[..]) {
        return Err(FormatError::malformed("no romfs magic"));
    }
    let size = be32(data, 8).ok_or_else(|| FormatError::truncated("romfs superblock"))?;
    let (volume, first) =
        name_at(data, 16).ok_or_else(|| FormatError::truncated("romfs volume name"))?;
    if (size as usize) < first {
        return Err(FormatError::malformed(
            "romfs size smaller than its superblock",
        ));
    }
    Ok((size, volume, first))
}

impl Format for Romfs {
    fn id(&self) -> &'static str {
        "romfs"
    }

    fn magic(&self) -> &'static [Magic] {
        const MAGICS: &[Magic] = &[Magic::at_start(MAGIC)];
        MAGICS
    }

    fn probe(&self, data: &[u8]) -> bool {
        parse_superblock(data).is_ok()
    }

    fn extent(&self, data: &[u8]) -> Option<u64> {
        parse_superblock(data)
            .ok()
            .map(|(size, _, _)| u64::from(size))
    }

    fn extract(&self, data: &Bytes, cx: &Context<'_>) -> Result<Extraction, FormatError> {
        let (size, volume, first) = parse_superblock(data)?;
        let mut extraction = Extraction::default();
        let covered = &data[..(size as usize).min(512).min(data.len())];
        extraction.notes.push(format!(
            "romfs volume `{volume}`, {size} bytes, superblock checksum {}",
            if checksum_ok(covered) {
                "ok"
            } else {
                "mismatch"
            }
        ));
        if size as usize > data.len() {
            extraction.truncated =
                Some(format!("romfs claims {size} bytes, {} present", data.len()));
        }
        let mut seen = HashSet::new();
        let mut pending = vec![(first, String::new(), 0usize)];
        while let Some((mut at, prefix, depth)) = pending.pop() {
            while at != 0 {
                if !seen.insert(at) || depth > MAX_DEPTH {
                    extraction.truncated = Some("romfs header loop or nesting too deep".into());
                    break;
                }
                if cx.full(extraction.entries.len()) {
                    return Ok(extraction);
                }
                let (Some(next), Some(info), Some(len), Some((name, data_at))) = (
                    be32(data, at),
                    be32(data, at + 4),
                    be32(data, at + 8),
                    name_at(data, at + 16),
                ) else {
                    extraction.truncated = Some(format!("romfs header at {at} runs past the end"));
                    break;
                };
                let kind = next & 7;
                let next_at = (next & !15) as usize;
                if name == "." || name == ".." {
                    at = next_at;
                    continue;
                }
                let path = if prefix.is_empty() {
                    name
                } else {
                    format!("{prefix}/{name}")
                };
                let mut entry = Entry::new(path.clone(), EntryKind::File);
                if !checksum_ok(&data[at..data_at.min(data.len())]) {
                    entry.notes.push("romfs header checksum mismatch".into());
                }
                let content = data.slice_at(data_at as u64, u64::from(len));
                match kind {
                    0 => {
                        // A hard link: the content of the header it names.
                        let target = info as usize;
                        let target_len = be32(data, target + 8).unwrap_or(0);
                        let target_data = name_at(data, target + 16).map(|(_, d)| d);
                        let target_name = name_at(data, target + 16)
                            .map(|(n, _)| n)
                            .unwrap_or_default();
                        entry.kind = EntryKind::Hardlink {
                            target: target_name,
                        };
                        match target_data
                            .and_then(|d| data.slice_at(d as u64, u64::from(target_len)))
                        {
                            Some(bytes) if be32(data, target).is_some_and(|n| n & 7 == 2) => {
                                entry.blob = Some(Blob::Bytes(bytes))
                            }
                            _ => {
                                entry.error =
                                    Some("hard link to something that is not a file".into())
                            }
                        }
                    }
                    1 => {
                        entry.kind = EntryKind::Dir;
                        pending.push((info as usize & !15, path, depth + 1));
                    }
                    2 => match content {
                        Some(bytes) => entry.blob = Some(Blob::Bytes(bytes)),
                        None => {
                            entry.error = Some("data runs past the end".into());
                            extraction.truncated =
                                Some(format!("romfs: `{path}` runs past the end"));
                        }
                    },
                    3 => {
                        entry.kind = EntryKind::Symlink {
                            target: content
                                .map(|b| {
                                    String::from_utf8_lossy(&b[..b.len().min(4096)]).into_owned()
                                })
                                .unwrap_or_default(),
                        };
                    }
                    4 => {
                        entry.kind = EntryKind::BlockDevice {
                            major: info >> 16,
                            minor: info & 0xffff,
                        }
                    }
                    5 => {
                        entry.kind = EntryKind::CharDevice {
                            major: info >> 16,
                            minor: info & 0xffff,
                        }
                    }
                    6 => {
                        entry.kind = EntryKind::Other {
                            description: "socket".into(),
                        }
                    }
                    _ => entry.kind = EntryKind::Fifo,
                }
                extraction.entries.push(entry);
                at = next_at;
            }
        }
        Ok(extraction)
    }
}

/// What [`build`] puts in an image.
#[derive(Debug, Clone)]
pub enum Node {
    /// A file and its content.
    File(&'static str, Vec<u8>),
    /// A symlink and its target.
    Symlink(&'static str, &'static str),
    /// A directory and what is in it.
    Dir(&'static str, Vec<Node>),
}

/// Build a romfs image (for tests and samples), with valid checksums.
pub fn build(root: &[Node]) -> Vec<u8> {
    fn header(out: &mut Vec<u8>, kind: u32, info: u32, name: &str, data: &[u8]) -> usize {
        let at = out.len();
        out.extend(kind.to_be_bytes()); // next is patched in later
        out.extend(info.to_be_bytes());
        out.extend((data.len() as u32).to_be_bytes());
        out.extend([0u8; 4]);
        out.extend(name.as_bytes());
        out.push(0);
        out.resize(out.len().next_multiple_of(16), 0);
        let sum = out[at..]
            .chunks(4)
            .map(|w| u32::from_be_bytes([w[0], w[1], w[2], w[3]]))
            .fold(0u32, u32::wrapping_add);
        out[at + 12..at + 16].copy_from_slice(&0u32.wrapping_sub(sum).to_be_bytes());
        out.extend(data);
        out.resize(out.len().next_multiple_of(16), 0);
        at
    }
    fn set_next(out: &mut [u8], at: usize, next: usize) {
        let old = u32::from_be_bytes([out[at], out[at + 1], out[at + 2], out[at + 3]]);
        let new = (next as u32) | (old & 15);
        out[at..at + 4].copy_from_slice(&new.to_be_bytes());
        // Keep the header's words summing to zero.
        let sum = old.wrapping_sub(new);
        let check = u32::from_be_bytes([out[at + 12], out[at + 13], out[at + 14], out[at + 15]]);
        out[at + 12..at + 16].copy_from_slice(&check.wrapping_add(sum).to_be_bytes());
    }
    // Writes a listing; returns the offset of its first header.
    fn listing(out: &mut Vec<u8>, nodes: &[Node], parent: usize) -> usize {
        let dot = header(out, 1, 0, ".", b"");
        let dotdot = header(out, 0, parent as u32, "..", b"");
        set_next(out, dot, dotdot);
        let mut prev = dotdot;
        for node in nodes {
            let at = match node {
                Node::File(name, data) => header(out, 2, 0, name, data),
                Node::Symlink(name, target) => header(out, 3, 0, name, target.as_bytes()),
                Node::Dir(name, children) => {
                    let at = header(out, 1, 0, name, b"");
                    let first = listing(out, children, at);
                    let info = first as u32;
                    out[at + 4..at + 8].copy_from_slice(&info.to_be_bytes());
                    let check = u32::from_be_bytes([
                        out[at + 12],
                        out[at + 13],
                        out[at + 14],
                        out[at + 15],
                    ]);
                    out[at + 12..at + 16].copy_from_slice(&check.wrapping_sub(info).to_be_bytes());
                    at
                }
            };
            set_next(out, prev, at);
            prev = at;
        }
        dot
    }
    let mut out = MAGIC.to_vec();
    out.extend([0u8; 8]);
    out.extend(b"firmsight\0");
    out.resize(out.len().next_multiple_of(16), 0);
    let first = out.len();
    listing(&mut out, root, first);
    let size = out.len() as u32;
    out[8..12].copy_from_slice(&size.to_be_bytes());
    let covered = out.len().min(512);
    let sum = out[..covered]
        .chunks(4)
        .map(|w| u32::from_be_bytes([w[0], w[1], w[2], w[3]]))
        .fold(0u32, u32::wrapping_add);
    out[12..16].copy_from_slice(&0u32.wrapping_sub(sum).to_be_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_checksums() {
        let image = build(&[
            Node::Dir(
                "bin",
                vec![
                    Node::File("busybox", b"\x7fELF".to_vec()),
                    Node::Symlink("sh", "busybox"),
                ],
            ),
            Node::File("version", b"2.1.0\n".to_vec()),
        ]);
        assert!(Romfs.probe(&image));
        assert_eq!(Romfs.extent(&image), Some(image.len() as u64));
        let ex = Romfs
            .extract(&Bytes::from_vec(image), &Context::named("rom"))
            .expect("extract");
        assert!(
            ex.notes[0].contains("superblock checksum ok"),
            "{:?}",
            ex.notes
        );
        let mut listing: Vec<_> = ex
            .entries
            .iter()
            .map(|e| {
                (
                    e.path.clone().unwrap_or_default(),
                    e.kind.clone(),
                    e.notes.clone(),
                )
            })
            .collect();
        listing.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            listing,
            [
                ("bin".into(), EntryKind::Dir, vec![]),
                ("bin/busybox".into(), EntryKind::File, vec![]),
                (
                    "bin/sh".into(),
                    EntryKind::Symlink {
                        target: "busybox".into()
                    },
                    vec![]
                ),
                ("version".into(), EntryKind::File, vec![]),
            ]
        );
    }

    #[test]
    fn decoys_are_rejected() {
        assert!(!Romfs.probe(b"-rom1fs-"));
        let mut tiny = b"-rom1fs-".to_vec();
        tiny.extend([0, 0, 0, 4, 0, 0, 0, 0]);
        tiny.extend(b"vol\0");
        tiny.resize(64, 0);
        assert!(!Romfs.probe(&tiny));
    }
}
