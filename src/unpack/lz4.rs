//! LZ4: the frame format (`04 22 4D 18`) and the legacy format
//! (`02 21 4C 18`, used for Reolink and other kernels; domain.md §1.4).
//!
//! Frames decode with `lz4_flex` (block and content checksums verified by
//! it). The legacy format is a run of blocks, each a u32 LE compressed size
//! and an LZ4 block of at most 8 MiB output; it ends at the end of the data,
//! at a zero size, or where the next word is a legacy magic again (a new
//! stream, as `lz4 -l` writes when concatenating).

use std::io::{self, Read};

use crate::unpack::blob::{Bytes, Codec, Decoder, Untracked};
use crate::unpack::{Context, Extraction, Format, FormatError, Magic, stream_extraction};

const FRAME_MAGIC: [u8; 4] = [0x04, 0x22, 0x4d, 0x18];
const LEGACY_MAGIC: [u8; 4] = [0x02, 0x21, 0x4c, 0x18];
const LEGACY_BLOCK: usize = 8 << 20;
/// LZ4's compress bound for one legacy block.
const MAX_LEGACY_COMPRESSED: usize = LEGACY_BLOCK + LEGACY_BLOCK / 255 + 16;

/// The LZ4 format (frame and legacy).
pub struct Lz4;

fn check_header(data: &[u8]) -> Result<bool, FormatError> {
    match data.get(..7) {
        Some(h) if h[..4] == FRAME_MAGIC => {
            // FLG: version 01, reserved bit 1 clear; BD: reserved bits clear,
            // block max size id 4–7.
            let (flg, bd) = (h[4], h[5]);
            if flg >> 6 != 1 || flg & 0x02 != 0 || bd & 0x8f != 0 || (bd >> 4) < 4 {
                return Err(FormatError::malformed("invalid lz4 frame descriptor"));
            }
            Ok(false)
        }
        Some(h) if h[..4] == LEGACY_MAGIC => {
            let size =
                u32::from_le_bytes([h[4], h[5], h[6], data.get(7).copied().unwrap_or(0)]) as usize;
            if size == 0 || size > MAX_LEGACY_COMPRESSED {
                return Err(FormatError::malformed("implausible lz4 legacy block size"));
            }
            Ok(true)
        }
        _ => Err(FormatError::malformed("no lz4 magic")),
    }
}

impl Format for Lz4 {
    fn id(&self) -> &'static str {
        "lz4"
    }

    fn magic(&self) -> &'static [Magic] {
        const MAGICS: &[Magic] = &[
            Magic::at_start(&FRAME_MAGIC),
            Magic::at_start(&LEGACY_MAGIC),
        ];
        MAGICS
    }

    fn probe(&self, data: &[u8]) -> bool {
        check_header(data).is_ok()
    }

    fn extract(&self, data: &Bytes, cx: &Context<'_>) -> Result<Extraction, FormatError> {
        let legacy = check_header(data)?;
        let codec = if legacy { LEGACY } else { FRAME };
        Ok(stream_extraction(codec, data, cx.name, &[(".lz4", "")]))
    }
}

/// Decoder for LZ4 frames.
pub const FRAME: Codec = Codec {
    name: "lz4",
    open: open_frame,
};

fn open_frame(input: &[u8]) -> io::Result<Box<dyn Decoder + '_>> {
    // The frame decoder goes on to a next frame: where it stopped is not told.
    Ok(Box::new(Untracked(lz4_flex::frame::FrameDecoder::new(
        input,
    ))))
}

/// Decoder for the LZ4 legacy format.
pub const LEGACY: Codec = Codec {
    name: "lz4-legacy",
    open: open_legacy,
};

fn open_legacy(input: &[u8]) -> io::Result<Box<dyn Decoder + '_>> {
    Ok(Box::new(Legacy {
        rest: input.get(4..).unwrap_or_default(),
        ended: false,
        block: Vec::new(),
        pos: 0,
    }))
}

struct Legacy<'a> {
    rest: &'a [u8],
    ended: bool,
    block: Vec<u8>,
    pos: usize,
}

impl Decoder for Legacy<'_> {
    fn unread(&self) -> Option<usize> {
        Some(self.rest.len())
    }
}

impl Read for Legacy<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.block.len() {
            if self.rest.starts_with(&LEGACY_MAGIC) {
                self.rest = &self.rest[4..];
            }
            let Some(size) = self.rest.get(..4) else {
                return Ok(0);
            };
            let size = u32::from_le_bytes([size[0], size[1], size[2], size[3]]) as usize;
            // No end mark: the stream ends at a zero or impossible size, or
            // after a short block (kernels append their length after it).
            if size == 0 || size > MAX_LEGACY_COMPRESSED || self.ended {
                return Ok(0);
            }
            let compressed = self.rest.get(4..4 + size).ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "lz4 legacy block runs past the end",
                )
            })?;
            self.block.resize(LEGACY_BLOCK, 0);
            let n = lz4_flex::block::decompress_into(compressed, &mut self.block)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
            self.block.truncate(n);
            self.ended = n < LEGACY_BLOCK;
            self.pos = 0;
            self.rest = &self.rest[4 + size..];
            if n == 0 {
                return Ok(0);
            }
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
    use std::io::Write;

    fn frame(data: &[u8]) -> Vec<u8> {
        let mut enc = lz4_flex::frame::FrameEncoder::new(Vec::new());
        enc.write_all(data).expect("write");
        enc.finish().expect("finish")
    }

    fn legacy(data: &[u8]) -> Vec<u8> {
        let mut out = LEGACY_MAGIC.to_vec();
        for chunk in data.chunks(LEGACY_BLOCK) {
            let block = lz4_flex::block::compress(chunk);
            out.extend((block.len() as u32).to_le_bytes());
            out.extend(block);
        }
        out
    }

    fn decode(codec: Codec, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        (codec.open)(data)
            .expect("open")
            .read_to_end(&mut out)
            .expect("read");
        out
    }

    #[test]
    fn the_legacy_decoder_tells_what_follows_the_stream() {
        let mut data = legacy(b"hello lz4");
        data.extend(b"after the stream");
        let (out, unread) = crate::unpack::blob::decode_to_end(LEGACY, &data);
        assert_eq!(out, b"hello lz4");
        assert_eq!(unread, Some(16));
    }

    #[test]
    fn frame_and_legacy_round_trip() {
        let text = b"Linux version 4.19.91 ".repeat(1000);
        let f = frame(&text);
        assert!(Lz4.probe(&f));
        assert_eq!(decode(FRAME, &f), text);
        let mut l = legacy(&text);
        assert!(Lz4.probe(&l));
        l.extend(0x0f_7e68u32.to_le_bytes());
        assert_eq!(decode(LEGACY, &l), text);
    }

    #[test]
    fn decoys_are_rejected() {
        assert!(!Lz4.probe(&FRAME_MAGIC));
        assert!(!Lz4.probe(&[0x04, 0x22, 0x4d, 0x18, 0xff, 0xff, 0x00]));
        assert!(!Lz4.probe(&[0x02, 0x21, 0x4c, 0x18, 0xff, 0xff, 0xff, 0xff]));
    }
}
