//! cpio archives (initramfs, vendor update bundles): new ASCII (`070701`),
//! new ASCII with checksum (`070702`), old portable ASCII (`070707`, "odc")
//! and old binary (`C7 71`, either byte order). Magics from domain.md §1.4;
//! layouts from cpio(5).
//!
//! Written here rather than taken from a crate: the crates measured in
//! `../shared/crates.md` panic on malformed headers. Every field is parsed
//! with checked arithmetic; the archive ends at `TRAILER!!!`. newc hard
//! links store their data once (with the last link); earlier links of the
//! same inode point at it. The `070702` checksum (sum of data bytes) is
//! verified and a mismatch noted.

use std::collections::HashMap;

use crate::model::EntryKind;
use crate::unpack::blob::{Blob, Bytes};
use crate::unpack::{Context, Entry, Extraction, Format, FormatError, Magic};

const TRAILER: &str = "TRAILER!!!";
/// Longest name accepted; longer ones mean a corrupt header.
const MAX_NAME: usize = 4096;

/// The cpio format.
pub struct Cpio;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Newc,
    NewcCrc,
    Odc,
    BinaryLe,
    BinaryBe,
}

/// One parsed header.
#[derive(Debug, Clone)]
struct Header {
    ino: u64,
    mode: u32,
    nlink: u32,
    dev: (u32, u32),
    rdev: (u32, u32),
    file_size: u64,
    check: u32,
    name: String,
    /// Offset of the data, from the start of this header.
    data_at: usize,
    /// Offset of the next header, from the start of this header.
    next_at: usize,
}

fn dialect(data: &[u8]) -> Option<Dialect> {
    match data.get(..6)? {
        b"070701" => Some(Dialect::Newc),
        b"070702" => Some(Dialect::NewcCrc),
        b"070707" => Some(Dialect::Odc),
        [0xc7, 0x71, ..] => Some(Dialect::BinaryLe),
        [0x71, 0xc7, ..] => Some(Dialect::BinaryBe),
        _ => None,
    }
}

fn number(field: &[u8], radix: u32) -> Result<u64, FormatError> {
    std::str::from_utf8(field)
        .ok()
        .and_then(|s| u64::from_str_radix(s, radix).ok())
        .ok_or_else(|| FormatError::malformed("cpio header field is not a number"))
}

fn pad(n: usize, to: usize) -> Option<usize> {
    n.checked_next_multiple_of(to)
}

/// Parse the header at the start of `data`.
fn parse_header(data: &[u8]) -> Result<Header, FormatError> {
    let dialect = dialect(data).ok_or_else(|| FormatError::malformed("no cpio magic"))?;
    let short = || FormatError::truncated("cpio header");
    let (mut h, header_len, align) = match dialect {
        Dialect::Newc | Dialect::NewcCrc => {
            let b = data.get(..110).ok_or_else(short)?;
            let f = |i: usize| number(&b[6 + 8 * i..14 + 8 * i], 16);
            let h = Header {
                ino: f(0)?,
                mode: f(1)? as u32,
                nlink: f(4)? as u32,
                file_size: f(6)?,
                dev: (f(7)? as u32, f(8)? as u32),
                rdev: (f(9)? as u32, f(10)? as u32),
                check: f(12)? as u32,
                name: String::new(),
                data_at: f(11)? as usize, // name size, until resolved below
                next_at: 0,
            };
            (h, 110, 4)
        }
        Dialect::Odc => {
            let b = data.get(..76).ok_or_else(short)?;
            let rdev = number(&b[42..48], 8)? as u32;
            let dev = number(&b[6..12], 8)? as u32;
            let h = Header {
                ino: number(&b[12..18], 8)?,
                mode: number(&b[18..24], 8)? as u32,
                nlink: number(&b[36..42], 8)? as u32,
                dev: (dev >> 8, dev & 0xff),
                rdev: (rdev >> 8, rdev & 0xff),
                file_size: number(&b[65..76], 8)?,
                check: 0,
                name: String::new(),
                data_at: number(&b[59..65], 8)? as usize,
                next_at: 0,
            };
            (h, 76, 1)
        }
        Dialect::BinaryLe | Dialect::BinaryBe => {
            let b = data.get(..26).ok_or_else(short)?;
            let le = dialect == Dialect::BinaryLe;
            let half = |i: usize| {
                let x = [b[2 * i], b[2 * i + 1]];
                u32::from(if le {
                    u16::from_le_bytes(x)
                } else {
                    u16::from_be_bytes(x)
                })
            };
            let h = Header {
                ino: u64::from(half(2)),
                mode: half(3),
                nlink: half(6),
                dev: (half(1) >> 8, half(1) & 0xff),
                rdev: (half(7) >> 8, half(7) & 0xff),
                // Four-byte fields are stored most significant half first.
                file_size: u64::from(half(11) << 16 | half(12)),
                check: 0,
                name: String::new(),
                data_at: half(10) as usize,
                next_at: 0,
            };
            (h, 26, 2)
        }
    };
    let name_size = h.data_at;
    if name_size == 0 || name_size > MAX_NAME {
        return Err(FormatError::malformed(format!(
            "cpio name size {name_size}"
        )));
    }
    let name = data
        .get(header_len..header_len + name_size)
        .ok_or_else(|| FormatError::truncated("cpio file name"))?;
    let name = name.strip_suffix(&[0]).unwrap_or(name);
    h.name = String::from_utf8_lossy(name).into_owned();
    h.data_at = pad(header_len + name_size, align).ok_or_else(short)?;
    let size = usize::try_from(h.file_size).map_err(|_| short())?;
    h.next_at = h
        .data_at
        .checked_add(size)
        .and_then(|end| pad(end, align))
        .ok_or_else(short)?;
    Ok(h)
}

fn kind_of(h: &Header) -> Option<EntryKind> {
    Some(match h.mode & 0o170000 {
        0o100000 => EntryKind::File,
        0o040000 => EntryKind::Dir,
        0o120000 => EntryKind::Symlink {
            target: String::new(),
        },
        0o020000 => EntryKind::CharDevice {
            major: h.rdev.0,
            minor: h.rdev.1,
        },
        0o060000 => EntryKind::BlockDevice {
            major: h.rdev.0,
            minor: h.rdev.1,
        },
        0o010000 => EntryKind::Fifo,
        0o140000 => EntryKind::Other {
            description: "socket".into(),
        },
        _ => return None,
    })
}

fn check_first(data: &[u8]) -> Result<Header, FormatError> {
    let h = parse_header(data)?;
    if kind_of(&h).is_none() && h.name != TRAILER {
        return Err(FormatError::malformed("cpio entry of unknown type"));
    }
    if h.name.is_empty() || h.name.bytes().any(|b| b < 0x20) || h.name.contains('\u{fffd}') {
        return Err(FormatError::malformed("cpio name is not text"));
    }
    // Another header (or the trailer) follows: two-byte binary magics
    // occur by chance in data, two headers in a row do not.
    if h.name != TRAILER
        && data
            .get(h.next_at..)
            .is_some_and(|rest| dialect(rest).is_none())
    {
        return Err(FormatError::malformed(
            "cpio header not followed by another",
        ));
    }
    Ok(h)
}

impl Format for Cpio {
    fn id(&self) -> &'static str {
        "cpio"
    }

    fn magic(&self) -> &'static [Magic] {
        const MAGICS: &[Magic] = &[
            Magic::at_start(b"070701"),
            Magic::at_start(b"070702"),
            Magic::at_start(b"070707"),
            Magic::at_start(&[0xc7, 0x71]),
            Magic::at_start(&[0x71, 0xc7]),
        ];
        MAGICS
    }

    fn probe(&self, data: &[u8]) -> bool {
        check_first(data).is_ok()
    }

    fn extent(&self, data: &[u8]) -> Option<u64> {
        // A chain that runs past the end spans the rest (a truncated
        // archive), so carving does not walk it again from every header.
        let mut pos = 0usize;
        while let Some(Ok(h)) = data.get(pos..).map(parse_header) {
            pos = pos.saturating_add(h.next_at);
            if h.name == TRAILER {
                break;
            }
        }
        Some(pos.min(data.len()) as u64)
    }

    fn extract(&self, data: &Bytes, cx: &Context<'_>) -> Result<Extraction, FormatError> {
        check_first(data)?;
        let mut extraction = Extraction::default();
        // newc hard links: (dev, ino) → index of the entry holding the data.
        let mut inodes: HashMap<(u32, u32, u64), Vec<usize>> = HashMap::new();
        let mut pos = 0usize;
        let mut ended = false;
        while pos < data.len() {
            if cx.full(extraction.entries.len()) {
                break;
            }
            let h = match parse_header(&data[pos..]) {
                Ok(h) => h,
                Err(e) => {
                    extraction.truncated = Some(format!("cpio at offset {pos}: {e}"));
                    break;
                }
            };
            if h.name == TRAILER {
                ended = true;
                break;
            }
            let start = pos + h.data_at;
            let content = data.slice_at(start as u64, h.file_size);
            let mut entry = Entry::new(
                h.name.clone(),
                kind_of(&h).unwrap_or(EntryKind::Other {
                    description: format!("cpio mode {:o}", h.mode),
                }),
            );
            match (&mut entry.kind, content) {
                (_, None) => {
                    entry.error = Some("data runs past the end of the archive".into());
                    extraction.truncated =
                        Some(format!("cpio: data of `{}` runs past the end", h.name));
                }
                (EntryKind::Symlink { target }, Some(bytes)) => {
                    *target = String::from_utf8_lossy(&bytes).into_owned();
                }
                (EntryKind::File, Some(bytes)) => {
                    let dialect = dialect(&data[pos..]);
                    if dialect == Some(Dialect::NewcCrc) {
                        let sum = bytes
                            .iter()
                            .fold(0u32, |s, &b| s.wrapping_add(u32::from(b)));
                        if sum != h.check {
                            entry.notes.push(format!(
                                "cpio checksum mismatch (got {sum:08x}, expected {:08x})",
                                h.check
                            ));
                        }
                    }
                    if h.nlink > 1 {
                        inodes
                            .entry((h.dev.0, h.dev.1, h.ino))
                            .or_default()
                            .push(extraction.entries.len());
                    }
                    entry.blob = Some(Blob::Bytes(bytes));
                }
                _ => {}
            }
            extraction.entries.push(entry);
            pos = match pos.checked_add(h.next_at) {
                Some(next) => next,
                None => break,
            };
        }
        if !ended && extraction.truncated.is_none() && !cx.full(extraction.entries.len()) {
            extraction.truncated = Some("cpio archive ends without a trailer".into());
        }
        link_hard_links(&mut extraction.entries, &inodes);
        Ok(extraction)
    }
}

/// Give every empty link of a multiply-linked inode the data of the link
/// that carries it.
fn link_hard_links(entries: &mut [Entry], inodes: &HashMap<(u32, u32, u64), Vec<usize>>) {
    for links in inodes.values().filter(|l| l.len() > 1) {
        let carrier = links
            .iter()
            .copied()
            .find(|&i| matches!(&entries[i].blob, Some(Blob::Bytes(b)) if !b.is_empty()));
        let Some(carrier) = carrier else { continue };
        let data = entries[carrier].blob.clone();
        let target = entries[carrier].path.clone().unwrap_or_default();
        for &i in links {
            if i != carrier && matches!(&entries[i].blob, Some(Blob::Bytes(b)) if b.is_empty()) {
                entries[i].blob = data.clone();
                entries[i].kind = EntryKind::Hardlink {
                    target: target.clone(),
                };
            }
        }
    }
}

/// A newc archive of `(path, mode, data)` (for tests and samples).
pub fn newc(entries: &[(&str, u32, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut push = |ino: usize, name: &str, mode: u32, data: &[u8]| {
        out.extend(format!(
            "070701{ino:08x}{mode:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}",
            0,
            0,
            1,
            0,
            data.len(),
            0,
            0,
            0,
            0,
            name.len() + 1,
            0
        ).as_bytes());
        out.extend(name.as_bytes());
        out.push(0);
        out.resize(out.len().next_multiple_of(4), 0);
        out.extend(data);
        out.resize(out.len().next_multiple_of(4), 0);
    };
    for (i, (name, mode, data)) in entries.iter().enumerate() {
        push(i + 1, name, *mode, data);
    }
    push(0, TRAILER, 0, b"");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newc_round_trip() {
        let data = newc(&[
            ("bin", 0o040755, b""),
            ("bin/busybox", 0o100755, b"\x7fELF..."),
            ("bin/sh", 0o120777, b"busybox"),
            ("dev/console", 0o020600, b""),
        ]);
        assert!(Cpio.probe(&data));
        let mut padded = data.clone();
        padded.resize(padded.len() + 512, 0);
        assert_eq!(Cpio.extent(&padded), Some(data.len() as u64));
        let ex = Cpio
            .extract(&Bytes::from_vec(data), &Context::named("initramfs.cpio"))
            .expect("extract");
        assert!(ex.truncated.is_none(), "{:?}", ex.truncated);
        let kinds: Vec<_> = ex.entries.iter().map(|e| e.kind.type_name()).collect();
        assert_eq!(kinds, ["dir", "file", "symlink", "char-device"]);
        assert_eq!(
            ex.entries[2].kind,
            EntryKind::Symlink {
                target: "busybox".into()
            }
        );
        assert_eq!(
            ex.entries[1].blob.as_ref().and_then(|b| b.read_prefix(100)),
            Some(b"\x7fELF...".to_vec())
        );
    }

    #[test]
    fn damage_is_reported_and_decoys_rejected() {
        let data = newc(&[("a", 0o100644, &[7u8; 100])]);
        let mut cut = data.clone();
        cut.truncate(150);
        let ex = Cpio
            .extract(&Bytes::from_vec(cut), &Context::named("x"))
            .expect("listing");
        assert!(ex.truncated.is_some());
        assert!(!Cpio.probe(b"070701 is the magic of newc cpio"));
        assert!(!Cpio.probe(&[0xc7, 0x71, 0xff, 0xff]));
        let mut huge_name = data;
        huge_name[94..102].copy_from_slice(b"ffffffff");
        assert!(!Cpio.probe(&huge_name));
    }
}
