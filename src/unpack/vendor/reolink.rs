//! Reolink / Swann `.pak` firmware (domain.md §1.1; layout from pakler).
//!
//! LE header: magic `13 59 72 32` (0x32725913), CRC32, type; then N
//! sections of {name\[32\], version\[24\], start, length} and N partitions of
//! {name\[32\], a, mtd\[32\], start, length}. The 64-bit variant (same magic,
//! the CRC and type fields zero-extended) widens every number to u64. N is
//! where the first section's data starts, divided by the record sizes.
//! Each section becomes an artifact named after it (`uboot`, `kernel`,
//! `fs` …), with its version noted.

use crate::model::EntryKind;
use crate::unpack::blob::{Blob, Bytes};
use crate::unpack::{Context, Entry, Extraction, Format, FormatError, Magic};

const MAGIC: [u8; 4] = [0x13, 0x59, 0x72, 0x32];
const MAX_SECTIONS: usize = 64;

/// The Reolink PAK format.
pub struct ReolinkPak;

struct Section {
    name: String,
    version: String,
    start: u64,
    len: u64,
}

fn text(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

fn parse(data: &[u8]) -> Result<(bool, Vec<Section>), FormatError> {
    if data.get(..4) != Some(&MAGIC[..]) || data.len() < 32 {
        return Err(FormatError::malformed("no PAK magic"));
    }
    let le32 = |at: usize| {
        data.get(at..at + 4)
            .map(|b| u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])))
    };
    let le64 = |at: usize| {
        data.get(at..at + 8)
            .map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
    };
    // 64-bit: the upper halves of magic, CRC and type are zero.
    let wide = le32(4) == Some(0) && le32(12) == Some(0) && le32(20) == Some(0);
    let (word, header, section, partition) = if wide {
        (8, 24, 32 + 24 + 16, 32 + 8 + 32 + 16)
    } else {
        (4, 12, 64, 76)
    };
    let num = |at: usize| if wide { le64(at) } else { le32(at) };
    let first_start =
        num(header + 56).ok_or_else(|| FormatError::truncated("PAK section table"))?;
    let count = (first_start as usize).saturating_sub(header) / (section + partition);
    if count == 0 || count > MAX_SECTIONS {
        return Err(FormatError::malformed("implausible PAK section count"));
    }
    let mut sections = Vec::new();
    for i in 0..count {
        let at = header + i * section;
        let record = data
            .get(at..at + section)
            .ok_or_else(|| FormatError::truncated("PAK section table"))?;
        let name = text(&record[..32]);
        if name.is_empty() {
            continue;
        }
        if name.bytes().any(|b| !(0x20..0x7f).contains(&b)) {
            return Err(FormatError::malformed("PAK section name is not text"));
        }
        sections.push(Section {
            name,
            version: text(&record[32..56]),
            start: num(at + 56).unwrap_or(0),
            len: num(at + 56 + word).unwrap_or(0),
        });
    }
    Ok((wide, sections))
}

impl Format for ReolinkPak {
    fn id(&self) -> &'static str {
        "reolink-pak"
    }

    fn magic(&self) -> &'static [Magic] {
        const MAGICS: &[Magic] = &[Magic::at_start(&MAGIC)];
        MAGICS
    }

    fn probe(&self, data: &[u8]) -> bool {
        parse(data).is_ok()
    }

    fn extent(&self, data: &[u8]) -> Option<u64> {
        parse(data)
            .ok()?
            .1
            .iter()
            .filter_map(|s| s.start.checked_add(s.len))
            .max()
    }

    fn extract(&self, data: &Bytes, _cx: &Context<'_>) -> Result<Extraction, FormatError> {
        let (wide, sections) = parse(data)?;
        let mut extraction = Extraction::default();
        extraction.notes.push(format!(
            "reolink pak{}, {} sections",
            if wide { "64" } else { "32" },
            sections.len()
        ));
        for s in sections {
            let mut entry = Entry::new(s.name.clone(), EntryKind::File);
            if !s.version.is_empty() {
                entry.notes.push(format!("version {}", s.version));
            }
            match data.slice_at(s.start, s.len) {
                Some(bytes) => entry.blob = Some(Blob::Bytes(bytes)),
                None => {
                    entry.error = Some("section runs past the end".into());
                    extraction.truncated = Some(format!("section `{}` runs past the end", s.name));
                }
            }
            extraction.entries.push(entry);
        }
        Ok(extraction)
    }
}

/// Build a 32-bit PAK (for tests).
pub fn build(sections: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let n = sections.len();
    let table = 12 + n * (64 + 76);
    let mut out = MAGIC.to_vec();
    out.resize(table, 0);
    let mut start = table;
    for (i, (name, version, data)) in sections.iter().enumerate() {
        let at = 12 + i * 64;
        out[at..at + name.len()].copy_from_slice(name.as_bytes());
        out[at + 32..at + 32 + version.len()].copy_from_slice(version.as_bytes());
        out[at + 56..at + 60].copy_from_slice(&(start as u32).to_le_bytes());
        out[at + 60..at + 64].copy_from_slice(&(data.len() as u32).to_le_bytes());
        start += data.len();
    }
    out[8..12].copy_from_slice(&1u32.to_le_bytes());
    for (_, _, data) in sections {
        out.extend(*data);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_and_decoys() {
        let image = build(&[
            ("uboot", "v1", b"boot"),
            ("kernel", "v3.10", b"kern"),
            ("fs", "", b"hsqs"),
        ]);
        assert!(ReolinkPak.probe(&image));
        assert_eq!(ReolinkPak.extent(&image), Some(image.len() as u64));
        let ex = ReolinkPak
            .extract(&Bytes::from_vec(image), &Context::named("x.pak"))
            .expect("extract");
        let names: Vec<_> = ex.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["uboot", "kernel", "fs"]);
        assert_eq!(ex.entries[1].notes, ["version v3.10"]);
        assert!(!ReolinkPak.probe(&MAGIC));
    }
}
