//! lzop (`.lzo`; magic `89 4C 5A 4F 00 0D 0A 1A 0A`, domain.md §1.4), from
//! lzop's `lzop.c` header and block layout.
//!
//! Header (big-endian): version, library version, version needed (≥ 0x0940),
//! method (1–3: LZO1X), level (≥ 0x0940), flags, filter (if `F_H_FILTER`),
//! mode, mtime (low; high if ≥ 0x0940), name, header checksum, extra field
//! (if `F_H_EXTRA_FIELD`). Blocks: uncompressed size (0 ends), compressed
//! size, optional checksums by flag, data; a block whose sizes are equal is
//! stored. LZO1X blocks are decoded by our own bounded decoder
//! ([`crate::unpack::lzo1x`]).

use std::io::{self, Read};

use crate::unpack::blob::{Bytes, Codec, Decoder};
use crate::unpack::{Context, Extraction, Format, FormatError, Magic, stream_extraction};

const MAGIC: [u8; 9] = [0x89, b'L', b'Z', b'O', 0x00, 0x0d, 0x0a, 0x1a, 0x0a];
const F_ADLER32_D: u32 = 0x0001;
const F_ADLER32_C: u32 = 0x0002;
const F_H_EXTRA_FIELD: u32 = 0x0040;
const F_CRC32_D: u32 = 0x0100;
const F_CRC32_C: u32 = 0x0200;
const F_H_FILTER: u32 = 0x0800;
/// lzop writes blocks of at most 256 KiB; anything larger is corrupt.
const MAX_BLOCK: usize = 256 << 10;

/// The lzop format.
pub struct Lzop;

struct Header {
    flags: u32,
    name: String,
    len: usize,
}

struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let bytes = self.data.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(bytes)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
}

fn parse_header(data: &[u8]) -> Result<Header, FormatError> {
    let short = || FormatError::truncated("lzop header");
    if data.get(..9) != Some(&MAGIC[..]) {
        return Err(FormatError::malformed("no lzop magic"));
    }
    let mut c = Cursor { data, pos: 9 };
    let version = c.u16().ok_or_else(short)?;
    c.u16().ok_or_else(short)?; // library version
    if version >= 0x0940 {
        c.u16().ok_or_else(short)?; // version needed
    }
    let method = c.u8().ok_or_else(short)?;
    if !(1..=3).contains(&method) {
        return Err(FormatError::malformed(format!("lzop method {method}")));
    }
    if version >= 0x0940 {
        c.u8().ok_or_else(short)?; // level
    }
    let flags = c.u32().ok_or_else(short)?;
    if flags & F_H_FILTER != 0 {
        c.u32().ok_or_else(short)?;
    }
    c.u32().ok_or_else(short)?; // mode
    c.u32().ok_or_else(short)?; // mtime low
    if version >= 0x0940 {
        c.u32().ok_or_else(short)?; // mtime high
    }
    let name_len = c.u8().ok_or_else(short)? as usize;
    let name = String::from_utf8_lossy(c.take(name_len).ok_or_else(short)?).into_owned();
    c.u32().ok_or_else(short)?; // header checksum
    if flags & F_H_EXTRA_FIELD != 0 {
        let extra = c.u32().ok_or_else(short)? as usize;
        c.take(extra).ok_or_else(short)?;
        c.u32().ok_or_else(short)?;
    }
    Ok(Header {
        flags,
        name,
        len: c.pos,
    })
}

impl Format for Lzop {
    fn id(&self) -> &'static str {
        "lzop"
    }

    fn magic(&self) -> &'static [Magic] {
        const MAGICS: &[Magic] = &[Magic::at_start(&MAGIC)];
        MAGICS
    }

    fn probe(&self, data: &[u8]) -> bool {
        parse_header(data).is_ok()
    }

    fn extract(&self, data: &Bytes, cx: &Context<'_>) -> Result<Extraction, FormatError> {
        let header = parse_header(data)?;
        let mut extraction =
            stream_extraction(CODEC, data, cx.name, &[(".tzo", ".tar"), (".lzo", "")]);
        // The stored name, when there is one, is the better name.
        if let Some(name) = header.name.rsplit('/').next().filter(|n| !n.is_empty()) {
            extraction.entries[0].name = name.to_string();
        }
        Ok(extraction)
    }
}

/// Decoder for lzop files.
pub const CODEC: Codec = Codec { name: "lzop", open };

fn open(input: &[u8]) -> io::Result<Box<dyn Decoder + '_>> {
    let header = parse_header(input)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
    Ok(Box::new(Blocks {
        cursor: Cursor {
            data: input,
            pos: header.len,
        },
        flags: header.flags,
        block: Vec::new(),
        pos: 0,
    }))
}

struct Blocks<'a> {
    cursor: Cursor<'a>,
    flags: u32,
    block: Vec<u8>,
    pos: usize,
}

impl Decoder for Blocks<'_> {
    fn unread(&self) -> Option<usize> {
        Some(self.cursor.data.len().saturating_sub(self.cursor.pos))
    }
}

impl Blocks<'_> {
    fn next_block(&mut self) -> io::Result<bool> {
        let eof = || io::Error::new(io::ErrorKind::UnexpectedEof, "lzop block runs past the end");
        let dst_len = self.cursor.u32().ok_or_else(eof)? as usize;
        if dst_len == 0 {
            return Ok(false);
        }
        if dst_len > MAX_BLOCK {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("lzop block of {dst_len} bytes"),
            ));
        }
        let src_len = self.cursor.u32().ok_or_else(eof)? as usize;
        let skip = |flag: u32| if self.flags & flag != 0 { 4 } else { 0 };
        let d_checks = skip(F_ADLER32_D) + skip(F_CRC32_D);
        let c_checks = if src_len < dst_len {
            skip(F_ADLER32_C) + skip(F_CRC32_C)
        } else {
            0
        };
        self.cursor.take(d_checks + c_checks).ok_or_else(eof)?;
        let src = self.cursor.take(src_len).ok_or_else(eof)?;
        self.block = if src_len == dst_len {
            src.to_vec()
        } else {
            crate::unpack::lzo1x::decompress(src, dst_len)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("lzo: {e}")))?
        };
        if self.block.len() != dst_len {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "lzo block size mismatch",
            ));
        }
        self.pos = 0;
        Ok(true)
    }
}

impl Read for Blocks<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.block.len() && !self.next_block()? {
            return Ok(0);
        }
        let n = out.len().min(self.block.len() - self.pos);
        out[..n].copy_from_slice(&self.block[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An lzop file (version 0x1030) with one stored block and one
    /// LZO1X block, no checksums.
    fn lzop(blocks: &[(&[u8], Option<&[u8]>)]) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend(0x1030u16.to_be_bytes());
        out.extend(0x2080u16.to_be_bytes());
        out.extend(0x0940u16.to_be_bytes());
        out.push(1); // method
        out.push(5); // level
        out.extend(0u32.to_be_bytes()); // flags
        out.extend(0o100644u32.to_be_bytes());
        out.extend(0u32.to_be_bytes());
        out.extend(0u32.to_be_bytes());
        out.push(8);
        out.extend(b"kern.img");
        out.extend(0u32.to_be_bytes()); // header checksum (not verified)
        for (plain, compressed) in blocks {
            out.extend((plain.len() as u32).to_be_bytes());
            let data = compressed.unwrap_or(plain);
            out.extend((data.len() as u32).to_be_bytes());
            out.extend(data);
        }
        out.extend(0u32.to_be_bytes());
        out
    }

    #[test]
    fn the_decoder_tells_what_follows_the_stream() {
        let mut data = lzop(&[(b"stored block", None)]);
        data.extend(b"after the stream");
        let (out, unread) = crate::unpack::blob::decode_to_end(CODEC, &data);
        assert_eq!(out, b"stored block");
        assert_eq!(unread, Some(16));
    }

    #[test]
    fn stored_and_compressed_blocks() {
        let text = b"config=1\n".repeat(200);
        let compressed = lzokay_native::compress(&text).expect("compress");
        let data = lzop(&[(b"stored block", None), (&text, Some(&compressed))]);
        assert!(Lzop.probe(&data));
        let ex = Lzop
            .extract(&Bytes::from_vec(data.clone()), &Context::named("x.lzo"))
            .expect("extract");
        assert_eq!(ex.entries[0].name, "kern.img");
        let mut out = Vec::new();
        (CODEC.open)(&data)
            .expect("open")
            .read_to_end(&mut out)
            .expect("read");
        let mut want = b"stored block".to_vec();
        want.extend(&text);
        assert_eq!(out, want);
    }

    /// A fuzzer find: made the LZO1X decoder formerly used index out of
    /// bounds (fuzz/artifacts/lzop/crash-476ef144…).
    #[test]
    fn regression_fuzz_crash_476ef144() {
        let input = [
            0x89, 0x4c, 0x5a, 0x4f, 0x00, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x0a, 0xe5, 0x89, 0x01,
            0xff, 0xff, 0x01, 0xbf, 0x00, 0xff, 0x9a, 0xc2, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x0a,
            0xe5, 0x89, 0x93, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0xe5, 0x00, 0x4c,
            0x5a, 0x78, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x56, 0x0a, 0xe5, 0x00, 0x2d, 0x5a,
            0x4f, 0x00, 0x0d, 0x0a, 0xff, 0x9a, 0x1a, 0x0a,
        ];
        crate::unpack::exercise("lzop", &input);
    }

    #[test]
    fn damage_and_decoys() {
        let text = b"abc".repeat(100);
        let compressed = lzokay_native::compress(&text).expect("compress");
        let mut data = lzop(&[(&text, Some(&compressed))]);
        let len = data.len();
        data[len - 8] ^= 0xff;
        let mut out = Vec::new();
        let _ = (CODEC.open)(&data).expect("open").read_to_end(&mut out);
        assert!(!Lzop.probe(&MAGIC));
    }
}
