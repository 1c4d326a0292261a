//! tar: v7, ustar, GNU (long names, long links) and pax (extended headers).
//!
//! The `tar` crate walks the headers; member data is never copied: each
//! regular file is a range of the archive's own bytes. Hard links point at
//! the bytes of the member they name when it came earlier in the archive.
//! The probe checks the first header's checksum (the same check the walk
//! applies to every header), so text or zeros never probe as tar.

use std::collections::HashMap;

use tar::EntryType;

use crate::model::EntryKind;
use crate::unpack::blob::{Blob, Bytes};
use crate::unpack::{Context, Entry, Extraction, Format, FormatError, Magic};

const BLOCK: usize = 512;
const CHECKSUM: std::ops::Range<usize> = 148..156;

/// The tar format.
pub struct Tar;

/// Parse an octal header field (NUL/space terminated, leading spaces allowed).
fn octal(field: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(field).ok()?;
    let digits = text.trim_matches(|c: char| c == ' ' || c == '\0');
    u64::from_str_radix(digits, 8).ok()
}

/// A size field: octal, or GNU base-256 when the high bit is set.
fn member_size(field: &[u8]) -> Option<u64> {
    if field.first().is_some_and(|b| b & 0x80 != 0) {
        let mut value: u64 = u64::from(field[0] & 0x7f);
        for &b in &field[1..] {
            value = value.checked_mul(256)?.checked_add(u64::from(b))?;
        }
        Some(value)
    } else {
        octal(field).or(Some(0))
    }
}

/// Member paths as hard links name them: `./a`, `/a` and `a` are one file.
fn link_key(path: &str) -> String {
    path.trim_start_matches("./")
        .trim_start_matches('/')
        .to_string()
}

/// Validate one 512-byte header block by its checksum.
fn check_header(data: &[u8]) -> Result<(), FormatError> {
    let Some(block) = data.get(..BLOCK) else {
        return Err(FormatError::malformed("shorter than a tar header"));
    };
    if block.iter().all(|&b| b == 0) {
        return Err(FormatError::malformed(
            "zero block where a tar header belongs",
        ));
    }
    let stored = octal(&block[CHECKSUM])
        .ok_or_else(|| FormatError::malformed("tar header checksum field is not octal"))?;
    let computed: u64 = block
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if CHECKSUM.contains(&i) {
                32
            } else {
                u64::from(b)
            }
        })
        .sum();
    if stored != computed {
        return Err(FormatError::malformed(format!(
            "tar header checksum mismatch (got {computed}, expected {stored})"
        )));
    }
    Ok(())
}

impl Format for Tar {
    fn id(&self) -> &'static str {
        "tar"
    }

    fn magic(&self) -> &'static [Magic] {
        // ustar and GNU tar put `ustar` at 257; v7 archives have no magic
        // and are only recognised at offset 0.
        &[Magic {
            offset: 257,
            bytes: b"ustar",
        }]
    }

    /// Header by header up to the end-of-archive zero blocks (or the first
    /// block that is not a valid header).
    fn extent(&self, data: &[u8]) -> Option<u64> {
        let mut pos = 0usize;
        while let Some(block) = data.get(pos..pos + BLOCK) {
            if block.iter().all(|&b| b == 0) {
                return Some((pos + 2 * BLOCK).min(data.len()) as u64);
            }
            if check_header(block).is_err() {
                break;
            }
            let size = member_size(&block[124..136])?;
            let padded = usize::try_from(size)
                .ok()?
                .checked_next_multiple_of(BLOCK)?;
            pos = pos.checked_add(BLOCK)?.checked_add(padded)?;
        }
        Some(pos.min(data.len()) as u64)
    }

    fn probe(&self, data: &[u8]) -> bool {
        check_header(data).is_ok()
    }

    fn extract(&self, data: &Bytes, cx: &Context<'_>) -> Result<Extraction, FormatError> {
        check_header(data)?;
        let mut archive = tar::Archive::new(&data[..]);
        let entries = archive
            .entries()
            .map_err(|e| FormatError::malformed(e.to_string()))?;
        let mut extraction = Extraction::default();
        let mut data_of: HashMap<String, Bytes> = HashMap::new();
        for entry in entries {
            if cx.full(extraction.entries.len()) {
                extraction.truncated = Some(format!(
                    "tar: listing stopped at {} entries",
                    cx.max_entries
                ));
                break;
            }
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    extraction.truncated = Some(format!("tar: {e}"));
                    break;
                }
            };
            let path = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let header = entry.header();
            let link = || {
                entry
                    .link_name_bytes()
                    .map(|l| String::from_utf8_lossy(&l).into_owned())
                    .unwrap_or_default()
            };
            let device = || {
                (
                    header.device_major().ok().flatten().unwrap_or(0),
                    header.device_minor().ok().flatten().unwrap_or(0),
                )
            };
            let mut out = Entry::new(path.clone(), EntryKind::File);
            match header.entry_type() {
                EntryType::Regular | EntryType::Continuous => {
                    match data.slice_at(entry.raw_file_position(), entry.size()) {
                        Some(bytes) => {
                            data_of.insert(link_key(&path), bytes.clone());
                            out.blob = Some(Blob::Bytes(bytes));
                        }
                        None => {
                            out.error = Some("member data runs past the end of the archive".into());
                            extraction.truncated =
                                Some(format!("tar: data of `{path}` runs past the end"));
                        }
                    }
                }
                EntryType::Directory => out.kind = EntryKind::Dir,
                EntryType::Symlink => out.kind = EntryKind::Symlink { target: link() },
                EntryType::Link => {
                    let target = link();
                    match data_of.get(&link_key(&target)).cloned() {
                        Some(bytes) => {
                            // A link to this link resolves to the same data.
                            data_of.insert(link_key(&path), bytes.clone());
                            out.blob = Some(Blob::Bytes(bytes));
                        }
                        None => {
                            out.error = Some(format!(
                                "hard link target `{target}` is not a file earlier in the archive"
                            ));
                        }
                    }
                    out.kind = EntryKind::Hardlink { target };
                }
                EntryType::Char => {
                    let (major, minor) = device();
                    out.kind = EntryKind::CharDevice { major, minor };
                }
                EntryType::Block => {
                    let (major, minor) = device();
                    out.kind = EntryKind::BlockDevice { major, minor };
                }
                EntryType::Fifo => out.kind = EntryKind::Fifo,
                EntryType::GNUSparse => {
                    out.kind = EntryKind::Other {
                        description: "gnu sparse file".into(),
                    };
                    out.error = Some("gnu sparse members are not read".into());
                }
                other => {
                    out.kind = EntryKind::Other {
                        description: format!("tar entry type {:?}", other.as_byte() as char),
                    };
                }
            }
            extraction.entries.push(out);
            if extraction.truncated.is_some() {
                break;
            }
        }
        Ok(extraction)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (path, data) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder
                .append_data(&mut header, path, *data)
                .expect("append");
        }
        builder.into_inner().expect("finish")
    }

    fn bytes_of(entry: &Entry) -> Vec<u8> {
        match &entry.blob {
            Some(Blob::Bytes(b)) => b.to_vec(),
            other => panic!("expected bytes, got {other:?}"),
        }
    }

    #[test]
    fn lists_members_as_slices_of_the_archive() {
        let long = format!("{}/file.txt", "d".repeat(150));
        let data = Bytes::from_vec(tar_of(&[("a.txt", b"alpha"), (&long, b"beta")]));
        assert!(Tar.probe(&data));
        let ex = Tar
            .extract(&data, &Context::named("x.tar"))
            .expect("extract");
        assert!(ex.truncated.is_none());
        assert_eq!(ex.entries.len(), 2);
        assert_eq!(ex.entries[0].path.as_deref(), Some("a.txt"));
        assert_eq!(bytes_of(&ex.entries[0]), b"alpha");
        assert_eq!(ex.entries[1].path.as_deref(), Some(long.as_str()));
        assert_eq!(bytes_of(&ex.entries[1]), b"beta");
    }

    #[test]
    fn links_and_devices_are_recorded() {
        let mut builder = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_ustar();
        h.set_size(3);
        h.set_cksum();
        builder
            .append_data(&mut h, "bin/busybox", &b"elf"[..])
            .expect("file");
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(EntryType::Symlink);
        h.set_size(0);
        builder
            .append_link(&mut h, "bin/sh", "busybox")
            .expect("symlink");
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(EntryType::Link);
        h.set_size(0);
        builder
            .append_link(&mut h, "bin/ls", "bin/busybox")
            .expect("hardlink");
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(EntryType::Char);
        h.set_device_major(5).expect("major");
        h.set_device_minor(1).expect("minor");
        h.set_size(0);
        h.set_cksum();
        builder
            .append_data(&mut h, "dev/console", &b""[..])
            .expect("dev");
        let data = Bytes::from_vec(builder.into_inner().expect("finish"));
        let ex = Tar
            .extract(&data, &Context::named("x.tar"))
            .expect("extract");
        let kinds: Vec<_> = ex.entries.iter().map(|e| e.kind.clone()).collect();
        assert_eq!(
            kinds,
            [
                EntryKind::File,
                EntryKind::Symlink {
                    target: "busybox".into()
                },
                EntryKind::Hardlink {
                    target: "bin/busybox".into()
                },
                EntryKind::CharDevice { major: 5, minor: 1 },
            ]
        );
        assert_eq!(bytes_of(&ex.entries[2]), b"elf");
    }

    #[test]
    fn probe_rejects_decoys() {
        assert!(!Tar.probe(&[0u8; 1024]));
        assert!(!Tar.probe(&[b'a'; 1024]));
        let mut bad = tar_of(&[("a", b"x")]);
        bad[0] ^= 1;
        assert!(!Tar.probe(&bad));
    }

    #[test]
    fn truncated_archive_keeps_earlier_members() {
        let mut data = tar_of(&[("a", &[1u8; 600]), ("b", &[2u8; 2000])]);
        data.truncate(512 + 1024 + 512 + 100);
        let ex = Tar
            .extract(&Bytes::from_vec(data), &Context::named("x.tar"))
            .expect("extract");
        assert!(ex.truncated.is_some());
        assert_eq!(bytes_of(&ex.entries[0]), vec![1u8; 600]);
        assert!(ex.entries[1].blob.is_none());
    }
}
