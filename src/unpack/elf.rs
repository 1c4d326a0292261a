//! ELF programs with data appended after their end: a self-extractor's
//! archive (a 7z behind an SFX stub), a payload behind a loader.
//! Identification reads a plain ELF as a leaf; one followed by a part that
//! carving recognises is split here into the program (keeping the file's
//! name, so name-based identification still applies) and the parts and
//! gaps after it. The end is the furthest byte the headers name: the
//! program and section header tables, every segment's file image and every
//! section that occupies file space.
//!
//! ELFs are not carved out of other blobs: a decompressed kernel holds its
//! vDSO, a NAND dump ELFs with spare bytes between their pages, and cutting
//! those apart would hide more than it shows.

use crate::model::EntryKind;
use crate::unpack::blob::{Blob, Bytes};
use crate::unpack::{Context, Entry, Extraction, Format, FormatError, carve};

/// The format: an ELF with something after its end.
pub struct ElfAppended;

/// `SHT_NOBITS`: a section that occupies no file space (`.bss`).
const SHT_NOBITS: u64 = 8;

/// Section headers beyond this many are not believed (the extended count in
/// section 0 can claim 2³² − 1).
const MAX_SECTIONS: u64 = 1 << 16;

/// The `len`-byte unsigned integer at `at`, in the file's byte order.
pub(crate) fn uint(bytes: &[u8], at: usize, len: usize, big_endian: bool) -> Option<u64> {
    let bytes = bytes.get(at..at.checked_add(len)?)?;
    let fold = |v: u64, &b: &u8| (v << 8) | u64::from(b);
    Some(if big_endian {
        bytes.iter().fold(0, fold)
    } else {
        bytes.iter().rev().fold(0, fold)
    })
}

/// Class and byte order of an ELF header, `None` when `data` is not one.
#[derive(Debug, Clone, Copy)]
struct Ident {
    is64: bool,
    big_endian: bool,
}

fn ident(data: &[u8]) -> Option<Ident> {
    if !data.starts_with(b"\x7fELF") || data.get(6) != Some(&1) {
        return None;
    }
    let is64 = match data.get(4)? {
        1 => false,
        2 => true,
        _ => return None,
    };
    let big_endian = match data.get(5)? {
        1 => false,
        2 => true,
        _ => return None,
    };
    Some(Ident { is64, big_endian })
}

/// What a program or section header says of the file: its type, where
/// its bytes start and how many there are.
struct Span {
    kind: u64,
    offset: u64,
    size: u64,
}

/// The header table at `offset` of `count` entries of `entsize` bytes, each
/// read by `read` from its own offset. `None` if the table leaves `data`.
fn table<T>(
    data: &[u8],
    (offset, entsize, count): (u64, u64, u64),
    min_entsize: u64,
    read: impl Fn(usize) -> Option<T>,
) -> Option<Vec<T>> {
    if count == 0 {
        return Some(Vec::new());
    }
    if entsize < min_entsize || offset.checked_add(entsize.checked_mul(count)?)? > data.len() as u64
    {
        return None;
    }
    (0..count)
        .map(|i| read(usize::try_from(offset + i * entsize).ok()?))
        .collect()
}

/// Every program header, and where their table ends.
fn segments(data: &[u8], id: Ident) -> Option<(Vec<Span>, u64)> {
    let uint = |at: usize, len: usize| uint(data, at, len, id.big_endian);
    let (location, min) = if id.is64 {
        ((uint(32, 8)?, uint(54, 2)?, uint(56, 2)?), 56)
    } else {
        ((uint(28, 4)?, uint(42, 2)?, uint(44, 2)?), 32)
    };
    let (offset, entsize, count) = location;
    let segments = table(data, location, min, |at| {
        Some(if id.is64 {
            Span {
                kind: uint(at, 4)?,
                offset: uint(at + 8, 8)?,
                size: uint(at + 32, 8)?,
            }
        } else {
            Span {
                kind: uint(at, 4)?,
                offset: uint(at + 4, 4)?,
                size: uint(at + 16, 4)?,
            }
        })
    })?;
    // `table` checked the arithmetic; no headers leave the offset unread.
    let end = if count == 0 {
        0
    } else {
        offset + entsize * count
    };
    Some((segments, end))
}

/// Every section header, and where their table ends.
fn sections(data: &[u8], id: Ident) -> Option<(Vec<Span>, u64)> {
    let uint = |at: usize, len: usize| uint(data, at, len, id.big_endian);
    let (offset, entsize, mut count, min) = if id.is64 {
        (uint(40, 8)?, uint(58, 2)?, uint(60, 2)?, 64)
    } else {
        (uint(32, 4)?, uint(46, 2)?, uint(48, 2)?, 40)
    };
    let read = |at: usize| {
        Some(if id.is64 {
            Span {
                kind: uint(at + 4, 4)?,
                offset: uint(at + 24, 8)?,
                size: uint(at + 32, 8)?,
            }
        } else {
            Span {
                kind: uint(at + 4, 4)?,
                offset: uint(at + 16, 4)?,
                size: uint(at + 20, 4)?,
            }
        })
    };
    if offset == 0 {
        // Stripped of section headers (sstrip): the segments tell the end.
        return Some((Vec::new(), 0));
    }
    if count == 0 {
        // More sections than the 16-bit field holds: section 0's size says.
        count = table(data, (offset, entsize, 1), min, read)?.first()?.size;
    }
    if count > MAX_SECTIONS {
        return None;
    }
    let headers = table(data, (offset, entsize, count), min, read)?;
    Some((headers, offset + entsize * count))
}

/// Offset past the last byte the ELF's headers name, `None` when `data` is
/// not an ELF or a header points outside `data`.
pub fn extent(data: &[u8]) -> Option<u64> {
    let id = ident(data)?;
    let (segments, table_end) = segments(data, id)?;
    let mut end = table_end.max(if id.is64 { 64 } else { 52 });
    for segment in segments {
        end = end.max(segment.offset.checked_add(segment.size)?);
    }
    let (sections, table_end) = sections(data, id)?;
    end = end.max(table_end);
    for section in sections.iter().filter(|s| s.kind != SHT_NOBITS) {
        end = end.max(section.offset.checked_add(section.size)?);
    }
    (end <= data.len() as u64).then_some(end)
}

/// `(offset, file size)` of every `PT_LOAD` in an ELF header block: the
/// headers alone, whether or not the segments follow them.
pub(crate) fn load_segments(headers: &[u8]) -> Option<Vec<(u64, u64)>> {
    let id = ident(headers)?;
    Some(
        segments(headers, id)?
            .0
            .into_iter()
            .filter(|s| s.kind == 1)
            .map(|s| (s.offset, s.size))
            .collect(),
    )
}

/// Where the appended data of `data` starts: the ELF's end, when bytes
/// other than padding follow it.
fn appended_at(data: &[u8]) -> Option<usize> {
    let end = usize::try_from(extent(data)?).ok()?;
    (!carve::is_padding(&data[end..])).then_some(end)
}

/// True when `data` is an ELF followed by a part carving recognises (an
/// archive, a filesystem): the file is then split, not read as a leaf.
/// Anything else after the end (a module signature, a checksum) leaves the
/// ELF a leaf.
pub fn carries_appended_part(data: &[u8]) -> bool {
    appended_at(data).is_some_and(|end| !carve::parts(&data[end..]).0.is_empty())
}

impl Format for ElfAppended {
    fn id(&self) -> &'static str {
        "elf-appended"
    }

    fn probe(&self, data: &[u8]) -> bool {
        // What identification leaves unclaimed: a part must follow.
        carries_appended_part(data)
    }

    fn extract(&self, data: &Bytes, cx: &Context<'_>) -> Result<Extraction, FormatError> {
        let end = appended_at(data)
            .ok_or_else(|| FormatError::malformed("no data after the ELF's end"))?;
        let mut program = Entry::new(cx.name.to_string(), EntryKind::File);
        program.path = None;
        program.blob = data.slice(0..end).map(Blob::Bytes);
        let mut extraction = Extraction::default();
        extraction.entries.push(program);
        extraction.notes.push(format!(
            "{} bytes appended after the ELF's end at 0x{end:08x}",
            data.len() - end
        ));
        carve::push_tail(data, end, &mut extraction);
        Ok(extraction)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A minimal ELF: header, one `PT_LOAD` over `code`, and a section
    /// table of a null section and one `.text` over `code`.
    pub(crate) fn build(is64: bool, big_endian: bool, code: &[u8]) -> Vec<u8> {
        let put = |out: &mut Vec<u8>, value: u64, len: usize| {
            let bytes = value.to_be_bytes();
            let mut field = bytes[8 - len..].to_vec();
            if !big_endian {
                field.reverse();
            }
            out.extend(field);
        };
        let (ehsize, phentsize, shentsize) = if is64 { (64, 56, 64) } else { (52, 32, 40) };
        let code_at = ehsize + phentsize;
        let shoff = (code_at + code.len() as u64).next_multiple_of(8);
        let word = if is64 { 8 } else { 4 };
        let mut out = b"\x7fELF".to_vec();
        out.extend([1 + u8::from(is64), 1 + u8::from(big_endian), 1]);
        out.resize(16, 0);
        put(&mut out, 2, 2); // ET_EXEC
        put(&mut out, 40, 2); // EM_ARM
        put(&mut out, 1, 4);
        put(&mut out, 0x8000 + code_at, word); // entry
        put(&mut out, ehsize, word); // phoff
        put(&mut out, shoff, word);
        put(&mut out, 0, 4); // flags
        put(&mut out, ehsize, 2);
        put(&mut out, phentsize, 2);
        put(&mut out, 1, 2);
        put(&mut out, shentsize, 2);
        put(&mut out, 2, 2);
        put(&mut out, 0, 2); // shstrndx
        // PT_LOAD over the headers and the code.
        let filesz = code_at + code.len() as u64;
        if is64 {
            put(&mut out, 1, 4);
            put(&mut out, 5, 4);
            put(&mut out, 0, 8);
            put(&mut out, 0x8000, 8);
            put(&mut out, 0x8000, 8);
            put(&mut out, filesz, 8);
            put(&mut out, filesz, 8);
            put(&mut out, 0x1000, 8);
        } else {
            for value in [1, 0, 0x8000, 0x8000, filesz, filesz, 5, 0x1000] {
                put(&mut out, value, 4);
            }
        }
        out.extend(code);
        out.resize(shoff as usize + shentsize as usize, 0); // section 0
        // .text: SHT_PROGBITS over the code.
        let text = [(1, 4), (1, 4), (6, word), (0x8000 + code_at, word)];
        for (value, len) in text {
            put(&mut out, value, len);
        }
        put(&mut out, code_at, word);
        put(&mut out, code.len() as u64, word);
        out.resize(shoff as usize + 2 * shentsize as usize, 0);
        out
    }

    #[test]
    fn extent_is_the_furthest_byte_the_headers_name() {
        for (is64, be) in [(false, false), (false, true), (true, false), (true, true)] {
            let elf = build(is64, be, &[0xaa; 100]);
            assert_eq!(extent(&elf), Some(elf.len() as u64), "is64 {is64} be {be}");
            let mut longer = elf.clone();
            longer.extend([0x55; 1000]);
            assert_eq!(extent(&longer), Some(elf.len() as u64));
            assert!(!carries_appended_part(&longer), "unrecognised bytes");
            // Cut inside the section table: the headers point outside.
            assert_eq!(extent(&elf[..elf.len() - 1]), None);
            assert_eq!(load_segments(&elf).map(|l| l.len()), Some(1));
        }
    }

    #[test]
    fn a_stripped_section_table_leaves_the_segments_to_tell_the_end() {
        let mut elf = build(false, false, &[1; 64]);
        let shoff_at = 32;
        elf[shoff_at..shoff_at + 4].fill(0);
        // The PT_LOAD ends where the code ends.
        assert_eq!(extent(&elf), Some(52 + 32 + 64));
    }

    #[test]
    fn lying_headers_are_not_an_extent() {
        let elf = build(true, false, &[1; 64]);
        for (at, len) in [(32, 8), (40, 8), (56, 2), (60, 2)] {
            let mut bad = elf.clone();
            bad[at..at + len].fill(0xff);
            assert_eq!(extent(&bad), None, "field at {at}");
        }
        // A huge extended section count in section 0.
        let mut bad = elf.clone();
        bad[60..62].fill(0);
        let section0 = elf.len() - 128;
        bad[section0 + 32..section0 + 40].copy_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(extent(&bad), None);
        assert_eq!(extent(b"\x7fELF\x03\x01\x01"), None);
    }
}
