//! Android sparse images (`simg`, Rockchip-based devices; domain.md §1.4).
//!
//! Header (u32/u16 LE, from AOSP `libsparse/sparse_format.h`): magic
//! `3A FF 26 ED`, major 1, minor 0, file header size (28), chunk header
//! size (12), block size, total blocks, chunk count, image checksum. Each
//! chunk: type (`CAC1` raw, `CAC2` fill, `CAC3` don't care, `CAC4` crc32),
//! reserved, size in blocks, total bytes including its header. The
//! expanded image is produced lazily, chunk by chunk, when it is opened.

use std::io::{self, Read};
use std::sync::Arc;

use crate::model::EntryKind;
use crate::unpack::blob::{Blob, Bytes, Piece, Pieces, Source};
use crate::unpack::{Context, Entry, Extraction, Format, FormatError, Magic};

const MAGIC: [u8; 4] = [0x3a, 0xff, 0x26, 0xed];
const RAW: u16 = 0xcac1;
const FILL: u16 = 0xcac2;
const DONT_CARE: u16 = 0xcac3;
const CRC32: u16 = 0xcac4;

/// The Android sparse format.
pub struct AndroidSparse;

#[derive(Debug, Clone, Copy)]
struct Header {
    header_len: usize,
    chunk_header_len: usize,
    block_size: u64,
    blocks: u64,
    chunks: u32,
}

fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn parse_header(data: &[u8]) -> Result<Header, FormatError> {
    let h = data
        .get(..28)
        .ok_or_else(|| FormatError::malformed("shorter than a sparse header"))?;
    if h[..4] != MAGIC || le16(h, 4) != 1 {
        return Err(FormatError::malformed("no Android sparse magic (v1)"));
    }
    let header = Header {
        header_len: usize::from(le16(h, 8)),
        chunk_header_len: usize::from(le16(h, 10)),
        block_size: u64::from(le32(h, 12)),
        blocks: u64::from(le32(h, 16)),
        chunks: le32(h, 20),
    };
    if header.header_len < 28
        || header.chunk_header_len < 12
        || header.block_size == 0
        || !header.block_size.is_multiple_of(4)
    {
        return Err(FormatError::malformed("implausible sparse header sizes"));
    }
    Ok(header)
}

/// One chunk: its type, blocks and where its payload lies.
#[derive(Debug, Clone, Copy)]
struct Chunk {
    kind: u16,
    blocks: u64,
    payload: usize,
    payload_len: usize,
}

fn chunks(data: &[u8], h: &Header) -> Result<(Vec<Chunk>, usize), FormatError> {
    let mut out = Vec::new();
    let mut pos = h.header_len;
    for i in 0..h.chunks {
        let c = data
            .get(pos..pos + h.chunk_header_len)
            .ok_or_else(|| FormatError::truncated(format!("sparse chunk {i} header")))?;
        let total = le32(c, 8) as usize;
        let payload_len = total
            .checked_sub(h.chunk_header_len)
            .ok_or_else(|| FormatError::malformed(format!("sparse chunk {i} size")))?;
        out.push(Chunk {
            kind: le16(c, 0),
            blocks: u64::from(le32(c, 4)),
            payload: pos + h.chunk_header_len,
            payload_len,
        });
        pos = pos
            .checked_add(total)
            .ok_or_else(|| FormatError::malformed("sparse chunk sizes overflow"))?;
    }
    Ok((out, pos))
}

struct Expanded {
    image: Bytes,
    header: Header,
    chunks: Vec<Chunk>,
}

impl Source for Expanded {
    fn reader(&self) -> io::Result<Box<dyn Read + '_>> {
        let mut pieces = Vec::with_capacity(self.chunks.len());
        for (i, c) in self.chunks.iter().enumerate() {
            let len = c.blocks * self.header.block_size;
            let bad = |why: &str| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("sparse chunk {i}: {why}"),
                )
            };
            match c.kind {
                RAW => {
                    let payload = self
                        .image
                        .get(c.payload..c.payload + c.payload_len)
                        .ok_or_else(|| bad("raw data runs past the end"))?;
                    if payload.len() as u64 != len {
                        return Err(bad("raw data size does not match its blocks"));
                    }
                    pieces.push(Piece::Bytes(payload));
                }
                FILL => {
                    let pattern: [u8; 4] = self
                        .image
                        .get(c.payload..c.payload + 4)
                        .and_then(|v| v.try_into().ok())
                        .ok_or_else(|| bad("fill value runs past the end"))?;
                    pieces.push(Piece::Repeat { pattern, len });
                }
                DONT_CARE => pieces.push(Piece::Repeat {
                    pattern: [0; 4],
                    len,
                }),
                CRC32 => {}
                other => return Err(bad(&format!("unknown chunk type {other:#06x}"))),
            }
        }
        Ok(Box::new(Pieces::new(pieces)))
    }

    fn stored_len(&self) -> u64 {
        self.image.len() as u64
    }

    fn name(&self) -> &'static str {
        "android-sparse"
    }
}

impl Format for AndroidSparse {
    fn id(&self) -> &'static str {
        "android-sparse"
    }

    fn magic(&self) -> &'static [Magic] {
        const MAGICS: &[Magic] = &[Magic::at_start(&MAGIC)];
        MAGICS
    }

    fn probe(&self, data: &[u8]) -> bool {
        parse_header(data).is_ok()
    }

    fn extent(&self, data: &[u8]) -> Option<u64> {
        let header = parse_header(data).ok()?;
        // A walk that runs past the end is a truncated image: it spans the
        // rest, so carving does not walk it again from every chunk.
        Some(chunks(data, &header).map_or(data.len(), |(_, end)| end.min(data.len())) as u64)
    }

    fn extract(&self, data: &Bytes, cx: &Context<'_>) -> Result<Extraction, FormatError> {
        let header = parse_header(data)?;
        let (chunks, end) = chunks(data, &header)?;
        let mut extraction = Extraction::default();
        extraction.notes.push(format!(
            "android sparse: {} chunks, {} blocks of {} bytes",
            header.chunks, header.blocks, header.block_size
        ));
        if end > data.len() {
            extraction.truncated = Some(format!(
                "sparse chunks need {end} bytes, {} present",
                data.len()
            ));
        }
        let covered: u64 = chunks.iter().map(|c| c.blocks).sum();
        if covered != header.blocks {
            extraction.notes.push(format!(
                "chunks cover {covered} blocks, header says {}",
                header.blocks
            ));
        }
        let mut entry = Entry::new(
            crate::unpack::stream_name(cx.name, &[(".simg", ".img"), (".sparse", "")]),
            EntryKind::File,
        );
        entry.path = None;
        entry.blob = Some(Blob::Source(Arc::new(Expanded {
            image: data.clone(),
            header,
            chunks,
        })));
        extraction.entries.push(entry);
        Ok(extraction)
    }
}

/// Build a sparse image of `chunks` (`Some(data)` raw, `None` don't care)
/// with 4 KiB blocks, for tests.
pub fn build(chunks: &[Option<&[u8]>], fill: Option<(u32, [u8; 4])>) -> Vec<u8> {
    let bs = 4096u32;
    let mut body = Vec::new();
    let mut blocks = 0u32;
    let mut count = 0u32;
    for chunk in chunks {
        let (kind, payload, n): (u16, &[u8], u32) = match chunk {
            Some(d) => (RAW, d, (d.len() as u32).div_ceil(bs)),
            None => (DONT_CARE, &[], 1),
        };
        body.extend(kind.to_le_bytes());
        body.extend([0, 0]);
        body.extend(n.to_le_bytes());
        body.extend((12 + payload.len() as u32).to_le_bytes());
        body.extend(payload);
        blocks += n;
        count += 1;
    }
    if let Some((n, value)) = fill {
        body.extend(FILL.to_le_bytes());
        body.extend([0, 0]);
        body.extend(n.to_le_bytes());
        body.extend(16u32.to_le_bytes());
        body.extend(value);
        blocks += n;
        count += 1;
    }
    let mut out = MAGIC.to_vec();
    out.extend(1u16.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out.extend(28u16.to_le_bytes());
    out.extend(12u16.to_le_bytes());
    out.extend(bs.to_le_bytes());
    out.extend(blocks.to_le_bytes());
    out.extend(count.to_le_bytes());
    out.extend(0u32.to_le_bytes());
    out.extend(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_raw_dont_care_and_fill_chunks() {
        let raw = vec![7u8; 4096];
        let image = build(&[Some(&raw), None], Some((1, [1, 2, 3, 4])));
        assert!(AndroidSparse.probe(&image));
        assert_eq!(AndroidSparse.extent(&image), Some(image.len() as u64));
        let ex = AndroidSparse
            .extract(&Bytes::from_vec(image), &Context::named("system.simg"))
            .expect("extract");
        assert_eq!(ex.entries[0].name, "system.img");
        let out = ex.entries[0]
            .blob
            .as_ref()
            .and_then(|b| b.read_prefix(u64::MAX))
            .expect("expands");
        assert_eq!(out.len(), 3 * 4096);
        assert_eq!(&out[..4096], &raw[..]);
        assert!(out[4096..8192].iter().all(|&b| b == 0));
        assert_eq!(&out[8192..8200], &[1, 2, 3, 4, 1, 2, 3, 4]);
    }

    #[test]
    fn damage_and_decoys() {
        let raw = vec![7u8; 4096];
        let mut image = build(&[Some(&raw)], None);
        image.truncate(2000);
        let ex = AndroidSparse
            .extract(&Bytes::from_vec(image), &Context::named("x"))
            .expect("listed");
        assert!(ex.truncated.is_some());
        assert!(
            ex.entries[0]
                .blob
                .as_ref()
                .and_then(|b| b.read_prefix(u64::MAX))
                .is_none()
        );
        assert!(!AndroidSparse.probe(&MAGIC));
    }
}
