//! UPX-packed ELF programs (common on IP cameras), unpacked in-process so
//! identification sees the real program.
//!
//! Layout (UPX 3.x/4.x `p_lx_elf.cpp`, fields in the target's byte order):
//! the packed ELF's own headers, then `l_info` (checksum, `UPX!`, loader
//! size, version, format), `p_info` (program id, original file size, block
//! size), then blocks, each a `b_info` (uncompressed size, compressed
//! size, method, filter id, filter parameter, unused) and its data. The
//! first block is the original ELF header and program headers; the next
//! ones are the contents of its `PT_LOAD` segments in order, the first one
//! from just after those headers. The loader code follows (its size in
//! `l_info`, padded to 4 bytes), then the blocks of the gaps: after each
//! `PT_LOAD`, in program-header order, up to the next segment or the end
//! of the file (section headers, `.comment`, debug info). An end marker
//! (`b_info` of size 0) closes them.
//!
//! Methods: NRV2B, NRV2D and NRV2E (UCL) with 8-, 16- and 32-bit bit
//! buffers, and LZMA (UPX's 2-byte header: `(lc + lp) << 3 | pb`,
//! `lp << 4 | lc`). Code filters (`b_ftid`: x86 CALL/JMP/Jcc, ARM and
//! ARM64 BL, PowerPC bl) are undone block by block (`filter`); an id not
//! known leaves its block's branch targets absolute, which a note says.

use std::io::{self, Read};
use std::sync::Arc;

use crate::model::EntryKind;
use crate::unpack::blob::{Blob, Bytes, Source};
use crate::unpack::elf::{load_segments, uint};
use crate::unpack::{Context, Entry, Extraction, Format, FormatError};

mod filter;

/// `UPX!`.
const MAGIC: &[u8; 4] = b"UPX!";
/// Where `l_info` is looked for: right after the packed ELF's headers.
const SEARCH: usize = 1024;
/// Largest original file accepted (the unpacked program is held whole).
const MAX_FILE: u64 = 256 << 20;
/// Most blocks read.
const MAX_BLOCKS: usize = 1 << 16;
/// Methods (`conf.h` `M_*`).
const M_NRV2B_LE32: u8 = 2;
const M_NRV2E_LE16: u8 = 10;
const M_LZMA: u8 = 14;

/// The UPX format.
pub struct Upx;

/// Header facts: byte order and where the blocks start.
#[derive(Debug, Clone, Copy)]
struct Header {
    big_endian: bool,
    /// Original file size.
    file_size: u64,
    /// Offset of the first `b_info`.
    blocks: usize,
    /// Size of the loader code that follows the segments' blocks.
    loader: u64,
    version: u8,
    format: u8,
}

fn header(data: &[u8]) -> Option<Header> {
    if !data.starts_with(b"\x7fELF") {
        return None;
    }
    let big_endian = *data.get(5)? == 2;
    let magic_at = memchr::memmem::find(data.get(..SEARCH.min(data.len()))?, MAGIC)?;
    let l_info = magic_at.checked_sub(4)?;
    let u32_at = |at: usize| uint(data, at, 4, big_endian);
    let p_info = l_info + 12;
    let file_size = u32_at(p_info + 4)?;
    let first = p_info + 12;
    // The first block holds the ELF header and program headers.
    let (unc, cpr, method) = (u32_at(first)?, u32_at(first + 4)?, *data.get(first + 8)?);
    let plausible = (52..=64 << 10).contains(&unc)
        && cpr > 0
        && cpr <= unc
        && (cpr == unc || known(method))
        && file_size >= unc
        && file_size <= MAX_FILE;
    plausible.then_some(Header {
        big_endian,
        file_size,
        blocks: first,
        loader: uint(data, l_info + 8, 2, big_endian)?,
        version: *data.get(l_info + 10)?,
        format: *data.get(l_info + 11)?,
    })
}

fn known(method: u8) -> bool {
    (M_NRV2B_LE32..=M_NRV2E_LE16).contains(&method) || method == M_LZMA
}

impl Format for Upx {
    fn id(&self) -> &'static str {
        "upx"
    }

    fn probe(&self, data: &[u8]) -> bool {
        header(data).is_some()
    }

    fn extract(&self, data: &Bytes, cx: &Context<'_>) -> Result<Extraction, FormatError> {
        let h = header(data).ok_or_else(|| FormatError::malformed("no UPX header"))?;
        let mut entry = Entry::new(cx.name.to_string(), EntryKind::File);
        entry.path = None;
        entry.blob = Some(Blob::Source(Arc::new(Packed {
            data: data.clone(),
            header: h,
        })));
        let unknown: Vec<u8> = filtered_blocks(data, h)
            .into_iter()
            .filter(|&id| !filter::is_known(id))
            .collect();
        if !unknown.is_empty() {
            let ids: Vec<String> = unknown.iter().map(|f| format!("{f:#04x}")).collect();
            entry.notes.push(format!(
                "UPX code filter {} not reversed: branch instructions differ from the original; data and strings are exact",
                ids.join(", ")
            ));
        }
        let mut extraction = Extraction::stream(entry);
        extraction.notes.push(format!(
            "UPX-packed ELF (UPX format {}, l_info version {}), {} bytes unpacked",
            h.format, h.version, h.file_size
        ));
        Ok(extraction)
    }
}

/// The code filters the blocks name (from their headers only).
fn filtered_blocks(data: &[u8], h: Header) -> Vec<u8> {
    let mut filters = Vec::new();
    let mut at = h.blocks;
    let word = |at: usize| uint(data, at, 4, h.big_endian);
    for _ in 0..MAX_BLOCKS {
        let (Some(unc), Some(cpr), Some(&filter)) = (word(at), word(at + 4), data.get(at + 9))
        else {
            break;
        };
        if unc == 0 || cpr == 0 || cpr > unc || (data.len() as u64) < at as u64 + 12 + cpr {
            break;
        }
        if filter != 0 && !filters.contains(&filter) {
            filters.push(filter);
        }
        at += 12 + cpr as usize;
    }
    filters
}

/// The packed program, unpacked when opened.
struct Packed {
    data: Bytes,
    header: Header,
}

impl Source for Packed {
    fn reader(&self) -> io::Result<Box<dyn Read + '_>> {
        Ok(Box::new(io::Cursor::new(unpack(&self.data, self.header)?)))
    }

    fn stored_len(&self) -> u64 {
        self.data.len() as u64
    }

    fn name(&self) -> &'static str {
        "upx"
    }

    /// The program is rebuilt whole in memory before it is read: charged
    /// before, so that a program over budget is never built.
    fn declared_len(&self) -> Option<u64> {
        Some(self.header.file_size)
    }
}

fn bad(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.into())
}

/// Decode the blocks and put them back where the program headers say.
fn unpack(data: &[u8], h: Header) -> io::Result<Vec<u8>> {
    // The program is rebuilt in memory: it may be no larger than any
    // stream may expand to (the default ratio, at least the floor).
    let cap = (data.len() as u64)
        .saturating_mul(crate::unpack::limits::Limits::default().max_ratio)
        .clamp(crate::unpack::blob::RATIO_FLOOR, MAX_FILE);
    if h.file_size > cap {
        return Err(bad(format!(
            "UPX claims a {}-byte program in {} bytes",
            h.file_size,
            data.len()
        )));
    }
    let mut blocks = Blocks {
        data,
        header: h,
        at: h.blocks,
        total: 0,
    };
    let headers = blocks.next()?;
    let loads = load_segments(&headers).ok_or_else(|| bad("unpacked ELF headers unreadable"))?;
    let mut file = vec![0u8; h.file_size as usize];
    file.get_mut(..headers.len())
        .ok_or_else(|| bad("UPX headers larger than the program"))?
        .copy_from_slice(&headers);
    for &(offset, size) in &loads {
        // The first segment's bytes after the headers were compressed apart.
        let extent = if offset == 0 {
            (headers.len() as u64, size)
        } else {
            (offset, offset.saturating_add(size))
        };
        blocks.fill(&mut file, extent)?;
    }
    // The gaps' blocks follow the loader. Older UPX releases did not keep
    // the gaps: what cannot be read stays zero.
    blocks.at = blocks
        .at
        .saturating_add(usize::try_from(h.loader).unwrap_or(usize::MAX))
        .next_multiple_of(4);
    for extent in gaps(&loads, h.file_size) {
        if blocks.fill(&mut file, extent).is_err() {
            break;
        }
    }
    Ok(file)
}

/// The blocks, read one at a time and only as many as the program needs.
struct Blocks<'a> {
    data: &'a [u8],
    header: Header,
    /// Offset of the next `b_info`.
    at: usize,
    /// Bytes decoded so far.
    total: u64,
}

impl Blocks<'_> {
    fn u32_at(&self, at: usize) -> io::Result<u32> {
        uint(self.data, at, 4, self.header.big_endian)
            .map(|v| v as u32)
            .ok_or_else(|| bad("UPX block header past the end"))
    }

    /// The next block, decoded and unfiltered.
    fn next(&mut self) -> io::Result<Vec<u8>> {
        let at = self.at;
        let (unc, cpr) = (self.u32_at(at)?, self.u32_at(at + 4)?);
        let field = |offset: usize| self.data.get(at + offset).copied().unwrap_or(0);
        let (method, filter_id, cto) = (field(8), field(9), field(10));
        let stored = (at + 12)
            .checked_add(cpr as usize)
            .and_then(|end| self.data.get(at + 12..end))
            .ok_or_else(|| bad(format!("UPX block at {at} runs past the end")))?;
        if unc == 0 || cpr == 0 || cpr > unc || (cpr < unc && !known(method)) {
            return Err(bad(format!("no UPX block at {at}")));
        }
        self.total += u64::from(unc);
        if self.total > self.header.file_size {
            return Err(bad("UPX blocks exceed the original file size"));
        }
        let out = if cpr == unc {
            // Stored blocks are never filtered.
            stored.to_vec()
        } else {
            let mut out = decompress(method, stored, unc as usize)?;
            if filter_id != 0 {
                filter::unfilter(filter_id, cto, &mut out);
            }
            out
        };
        if out.len() != unc as usize {
            return Err(bad(format!(
                "UPX block at {at} gives {} of {unc} bytes",
                out.len()
            )));
        }
        self.at = at + 12 + cpr as usize;
        Ok(out)
    }

    /// Decode blocks into `file[start..end]`, which they must fill exactly.
    fn fill(&mut self, file: &mut [u8], (mut at, end): (u64, u64)) -> io::Result<()> {
        while at < end {
            let block = self.next()?;
            let start = usize::try_from(at).map_err(|_| bad("segment offset"))?;
            let target = start
                .checked_add(block.len())
                .filter(|&stop| stop as u64 <= end)
                .and_then(|stop| file.get_mut(start..stop))
                .ok_or_else(|| bad("UPX block past its extent"))?;
            target.copy_from_slice(&block);
            at += block.len() as u64;
        }
        Ok(())
    }
}

/// The stretches of the original file after each `PT_LOAD` up to the next
/// segment or the end (UPX's `find_LOAD_gap`), in program-header order.
fn gaps(loads: &[(u64, u64)], file_size: u64) -> Vec<(u64, u64)> {
    loads
        .iter()
        .filter_map(|&(offset, size)| {
            let end = offset.checked_add(size)?;
            let next = loads
                .iter()
                .map(|&(o, _)| o)
                .filter(|&o| o >= end)
                .fold(file_size, u64::min);
            (next > end && end <= file_size).then_some((end, next))
        })
        .collect()
}

/// One block with `method` into exactly `want` bytes.
fn decompress(method: u8, input: &[u8], want: usize) -> io::Result<Vec<u8>> {
    if method == M_LZMA {
        let (&b0, &b1) = (
            input.first().ok_or_else(|| bad("LZMA block"))?,
            input.get(1).ok_or_else(|| bad("LZMA block"))?,
        );
        let (pb, lc, lp) = (b0 & 7, b1 & 0x0f, b1 >> 4);
        if pb > 4 || lc > 8 || lp > 4 || (b0 >> 3) != lc + lp {
            return Err(bad("UPX LZMA header"));
        }
        let props = (pb * 5 + lp) * 9 + lc;
        let options = crate::unpack::lzma::lzma1_options(props, u32::MAX, want)?;
        let mut filters = liblzma::stream::Filters::new();
        filters.lzma1(&options);
        return crate::unpack::lzma::decode_raw(&filters, &input[2..], want);
    }
    let (variant, width) = match method {
        2 => (Nrv::B, 32),
        3 => (Nrv::B, 8),
        4 => (Nrv::B, 16),
        5 => (Nrv::D, 32),
        6 => (Nrv::D, 8),
        7 => (Nrv::D, 16),
        8 => (Nrv::E, 32),
        9 => (Nrv::E, 8),
        10 => (Nrv::E, 16),
        other => return Err(bad(format!("UPX method {other}"))),
    };
    nrv(variant, width, input, want)
}

/// The three UCL formats.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Nrv {
    B,
    D,
    E,
}

/// Bits, most significant first, from bytes or from 16-/32-bit
/// little-endian words; literal bytes and offset bytes come from the same
/// stream in between.
struct BitReader<'a> {
    input: &'a [u8],
    at: usize,
    width: u32,
    buffer: u32,
    left: u32,
}

impl BitReader<'_> {
    fn byte(&mut self) -> io::Result<u8> {
        let b = *self
            .input
            .get(self.at)
            .ok_or_else(|| bad("NRV input ends"))?;
        self.at += 1;
        Ok(b)
    }

    fn bit(&mut self) -> io::Result<u32> {
        if self.left == 0 {
            let bytes = (self.width / 8) as usize;
            let word = self
                .input
                .get(self.at..self.at + bytes)
                .ok_or_else(|| bad("NRV input ends"))?;
            self.buffer = word
                .iter()
                .rev()
                .fold(0u32, |v, &b| (v << 8) | u32::from(b));
            self.at += bytes;
            self.left = self.width;
        }
        self.left -= 1;
        Ok((self.buffer >> self.left) & 1)
    }

    /// An Elias-gamma-like number: bits until a stop bit.
    fn gamma(&mut self, mut value: u32, limit: u32) -> io::Result<u32> {
        loop {
            value = value
                .checked_mul(2)
                .and_then(|v| v.checked_add(self.bit().ok()?))
                .filter(|&v| v <= limit)
                .ok_or_else(|| bad("NRV number too large"))?;
            if self.bit()? == 1 {
                return Ok(value);
            }
        }
    }
}

/// UCL's NRV2B/NRV2D/NRV2E decoder into exactly `want` bytes.
fn nrv(variant: Nrv, width: u32, input: &[u8], want: usize) -> io::Result<Vec<u8>> {
    let mut r = BitReader {
        input,
        at: 0,
        width,
        buffer: 0,
        left: 0,
    };
    let mut out: Vec<u8> = Vec::with_capacity(want);
    let mut last_offset: u32 = 1;
    // Offsets and lengths never need more than 25 bits; the end marker's
    // high part is 0x1000002.
    const LIMIT: u32 = 0x0200_0000;
    loop {
        while r.bit()? == 1 {
            if out.len() >= want {
                return Err(bad("NRV output overruns its block"));
            }
            out.push(r.byte()?);
        }
        // The offset's high part.
        let mut high: u32 = 1;
        match variant {
            Nrv::B => high = r.gamma(high, LIMIT)?,
            Nrv::D | Nrv::E => loop {
                high = high * 2 + r.bit()?;
                if high > LIMIT {
                    return Err(bad("NRV offset too large"));
                }
                if r.bit()? == 1 {
                    break;
                }
                high = (high - 1) * 2 + r.bit()?;
            },
        }
        let mut length_bit = 0;
        let offset = if high == 2 {
            if variant != Nrv::B {
                length_bit = r.bit()?;
            }
            last_offset
        } else {
            // 32-bit arithmetic, as UCL's: the end marker wraps to all ones.
            let full = (high - 3)
                .wrapping_mul(256)
                .wrapping_add(u32::from(r.byte()?));
            if full == u32::MAX {
                break;
            }
            let offset = match variant {
                Nrv::B => full + 1,
                Nrv::D | Nrv::E => {
                    length_bit = (full & 1) ^ 1;
                    (full >> 1) + 1
                }
            };
            last_offset = offset;
            offset
        };
        let mut length = match variant {
            Nrv::B => {
                let l = r.bit()? * 2 + r.bit()?;
                if l == 0 { r.gamma(1, LIMIT)? + 2 } else { l }
            }
            Nrv::D => {
                let l = length_bit * 2 + r.bit()?;
                if l == 0 { r.gamma(1, LIMIT)? + 2 } else { l }
            }
            Nrv::E => {
                if length_bit == 1 {
                    1 + r.bit()?
                } else if r.bit()? == 1 {
                    3 + r.bit()?
                } else {
                    r.gamma(1, LIMIT)? + 3
                }
            }
        };
        let far = if variant == Nrv::B { 0xd00 } else { 0x500 };
        length += u32::from(offset > far);
        let offset = offset as usize;
        let count = length as usize + 1;
        if offset > out.len() || out.len() + count > want {
            return Err(bad("NRV match outside the block"));
        }
        let from = out.len() - offset;
        for i in 0..count {
            let b = out[from + i];
            out.push(b);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PACKED: &[u8] = include_bytes!("../../tests/fixtures/upx/arm-nrv2e.elf");

    fn unpacked(data: &[u8]) -> io::Result<Vec<u8>> {
        let h = header(data).ok_or_else(|| bad("no header"))?;
        unpack(data, h)
    }

    #[test]
    fn the_fixture_unpacks_and_plain_elves_are_not_upx() {
        let out = unpacked(PACKED).expect("unpacks");
        assert!(out.starts_with(b"\x7fELF"));
        assert!(memchr::memmem::find(&out, b"BusyBox v1.36.1").is_some());
        let plain = crate::samples::ElfSpec::executable(
            crate::model::ElfClass::Elf32,
            crate::model::Endian::Little,
            crate::samples::machine::ARM,
        )
        .with_rodata(b"UPX! mentioned in a help text")
        .build();
        assert!(!Upx.probe(&plain));
        assert!(!Upx.probe(b"UPX!UPX!UPX!"));
    }

    #[test]
    fn a_program_over_the_byte_budget_is_never_built() {
        use crate::unpack::{Budgets, Limits};
        let bytes = Bytes::from_vec(PACKED.to_vec());
        let listed = Upx.extract(&bytes, &Context::named("fw")).expect("lists");
        let blob = listed.entries[0].blob.as_ref().expect("blob");
        let size = header(PACKED).expect("header").file_size;
        let budgets = |max: u64| {
            Budgets::new(
                Limits {
                    max_total_bytes: Some(max),
                    ..Limits::default()
                },
                0,
            )
        };
        let room = budgets(PACKED.len() as u64 + size);
        assert!(blob.open(&room).is_ok());
        assert_eq!(room.bytes_used(), PACKED.len() as u64 + size);
        let short = budgets(PACKED.len() as u64 + size - 1);
        let err = blob.open(&short).err().expect("over budget");
        assert_eq!(err.produced, 0);
    }

    #[test]
    fn damaged_packed_programs_are_errors_not_panics() {
        for cut in (0..PACKED.len()).step_by(3) {
            let _ = unpacked(&PACKED[..cut]);
        }
        for at in 0..PACKED.len() {
            let mut bad = PACKED.to_vec();
            bad[at] ^= 0x41;
            let _ = unpacked(&bad);
        }
    }

    #[test]
    fn nrv_streams_that_point_outside_their_block_are_refused() {
        // A match before any literal: offset past the start of the output.
        for variant in [Nrv::B, Nrv::D, Nrv::E] {
            assert!(nrv(variant, 8, &[0x00, 0x00, 0x00, 0x00, 0x00], 64).is_err());
        }
        // Input that runs out.
        assert!(nrv(Nrv::E, 32, &[0xff], 64).is_err());
    }
}
