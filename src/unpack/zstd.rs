//! Zstandard (RFC 8878).
//!
//! Magic `28 B5 2F FD` (domain.md §1.4). The magic alone is met by chance
//! (a decoded ARM kernel keeps it, next to the skippable-frame magic, in
//! the literal pool of its own zstd decoder), so the probe reads the frame
//! header (RFC 8878 §3.1.1.1) and the first block header (§3.1.1.2): the
//! reserved bit clear, a window log of at most 31 (libzstd's limit), a
//! block type other than the reserved one, a block no larger than
//! Block_Maximum_Size (the window, at most 128 KiB), and a raw or RLE block
//! that is the frame's only one of the size the frame declares. Multiple frames decode
//! as one stream. The decoder keeps zstd's default window limit (128 MiB),
//! so a frame asking for a larger window fails instead of allocating it.

use std::io;

use crate::unpack::blob::{Bytes, Codec, Decoder, Members};
use crate::unpack::{Context, Extraction, Format, FormatError, Magic, stream_extraction};

const MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];
const RESERVED_BIT: u8 = 0x08;
/// The largest window log libzstd decodes on any platform (RFC 8878
/// §3.1.1.1.2 allows up to 41; libzstd's ZSTD_WINDOWLOG_MAX_64 is 31).
const MAX_WINDOW_LOG: u32 = 31;
/// Block_Maximum_Size's upper bound (§3.1.1.2.3).
const MAX_BLOCK: u32 = 128 * 1024;
const RESERVED_BLOCK_TYPE: u32 = 3;

/// The zstd format.
pub struct Zstd;

fn check_header(data: &[u8]) -> Result<(), FormatError> {
    let Some(&descriptor) = data.get(4) else {
        return Err(FormatError::malformed("shorter than a zstd frame header"));
    };
    if data[..4] != MAGIC {
        return Err(FormatError::malformed("no zstd magic"));
    }
    if descriptor & RESERVED_BIT != 0 {
        return Err(FormatError::malformed("zstd frame header reserved bit set"));
    }
    let single_segment = descriptor & 0x20 != 0;
    let truncated = || FormatError::malformed("truncated zstd frame header");
    let mut header = 5;
    let mut window = None;
    if !single_segment {
        let window_descriptor = *data.get(header).ok_or_else(truncated)?;
        let log = 10 + u32::from(window_descriptor >> 3);
        if log > MAX_WINDOW_LOG {
            return Err(FormatError::malformed("zstd window log above 31"));
        }
        let base = 1u64 << log;
        window = Some(base + base / 8 * u64::from(window_descriptor & 0x07));
        header += 1;
    }
    header += [0, 1, 2, 4][usize::from(descriptor & 0x03)];
    let content_size_len = match descriptor >> 6 {
        0 => usize::from(single_segment),
        1 => 2,
        2 => 4,
        _ => 8,
    };
    let content_size = data
        .get(header..header + content_size_len)
        .ok_or_else(truncated)?;
    header += content_size_len;
    // A single-segment frame's window is its content (§3.1.1.1.2).
    let content_size = {
        let value = content_size
            .iter()
            .rev()
            .fold(0u64, |n, &b| n << 8 | u64::from(b));
        if content_size_len == 2 {
            value + 256
        } else {
            value
        }
    };
    let window = window.unwrap_or(content_size);
    let Some(block) = data.get(header..header + 3) else {
        return Err(FormatError::malformed(
            "no zstd block after the frame header",
        ));
    };
    let block = u32::from(block[0]) | u32::from(block[1]) << 8 | u32::from(block[2]) << 16;
    if (block >> 1) & 0x03 == RESERVED_BLOCK_TYPE {
        return Err(FormatError::malformed("zstd block of the reserved type"));
    }
    let block_size = u64::from(block >> 3);
    if block_size > window.min(u64::from(MAX_BLOCK)) {
        return Err(FormatError::malformed(
            "zstd block larger than the window or 128 KiB",
        ));
    }
    // A raw or RLE block regenerates its Block_Size bytes: as the frame's
    // only block it must make the declared content size (§3.1.1.1.4).
    let last = block & 1 != 0;
    let regenerates_its_size = (block >> 1) & 0x03 <= 1;
    if content_size_len > 0 && last && regenerates_its_size && block_size != content_size {
        return Err(FormatError::malformed(
            "zstd frame's only block does not make its content size",
        ));
    }
    Ok(())
}

impl Format for Zstd {
    fn id(&self) -> &'static str {
        "zstd"
    }

    fn magic(&self) -> &'static [Magic] {
        const MAGICS: &[Magic] = &[Magic::at_start(&MAGIC)];
        MAGICS
    }

    fn probe(&self, data: &[u8]) -> bool {
        check_header(data).is_ok()
    }

    fn extract(&self, data: &Bytes, cx: &Context<'_>) -> Result<Extraction, FormatError> {
        let name = cx.name;
        check_header(data)?;
        Ok(stream_extraction(
            CODEC,
            data,
            name,
            &[(".tzst", ".tar"), (".zstd", ""), (".zst", "")],
        ))
    }
}

/// Decoder for zstd streams.
pub const CODEC: Codec = Codec { name: "zstd", open };

fn open(input: &[u8]) -> io::Result<Box<dyn Decoder + '_>> {
    Ok(Box::new(Members::new(
        input,
        |frame| Ok(zstd::stream::read::Decoder::with_buffer(frame)?.single_frame()),
        |decoder| decoder.get_ref(),
        |rest| rest.starts_with(&MAGIC),
    )?))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn the_decoder_tells_what_follows_the_stream() {
        let mut data = zstd::encode_all(&b"hello zstd"[..], 3).expect("encode");
        data.extend(b"after the stream");
        let (out, unread) = crate::unpack::blob::decode_to_end(CODEC, &data);
        assert_eq!(out, b"hello zstd");
        assert_eq!(unread, Some(16));
    }

    #[test]
    fn probe_accepts_zstd_and_rejects_decoys() {
        let data = zstd::encode_all(&b"hello"[..], 3).expect("encode");
        assert!(Zstd.probe(&data));
        assert!(!Zstd.probe(&[0x28, 0xb5, 0x2f, 0xfd, 0xff, 0]));
        assert!(!Zstd.probe(&MAGIC));
    }

    #[test]
    fn probe_reads_the_frame_and_first_block_headers() {
        // Empty input, a megabyte of text, a frame with a checksum.
        for input in [&b""[..], &b"camera firmware ".repeat(65536)[..]] {
            let data = zstd::encode_all(input, 19).expect("encode");
            assert!(Zstd.probe(&data), "{} bytes", input.len());
        }
        let mut encoder = zstd::Encoder::new(Vec::new(), 3).expect("encoder");
        encoder.include_checksum(true).expect("checksum");
        encoder.write_all(b"hello").expect("write");
        assert!(Zstd.probe(&encoder.finish().expect("finish")));
        // Debian bookworm's armel kernel (6.1.176, marvell), decoded: its
        // zstd decoder's literal pool holds the frame magic, then the
        // skippable-frame magic 0x184D2A50, then code. As a frame: a
        // first block of 1.3 MB and of 370 KB.
        assert!(!Zstd.probe(&hex("28b52ffd502a4d180020a0e35bfeffea")));
        assert!(!Zstd.probe(&hex("28b52ffd502a4d18f0412de9074a80e2")));
        // The reserved block type; a window log of 33.
        assert!(!Zstd.probe(&hex("28b52ffd0000060000")));
        assert!(!Zstd.probe(&hex("28b52ffd00b8010000")));
        // The header cut before the block header.
        assert!(!Zstd.probe(&hex("28b52ffd0000")));
        // A 2 KiB raw block in a 1 KiB window; in a single-segment frame
        // of 16 bytes.
        assert!(!Zstd.probe(&hex("28b52ffd000000400000")));
        assert!(!Zstd.probe(&hex("28b52ffd2010004000")));
        assert!(Zstd.probe(&hex("28b52ffd2010800000")));
        // Debian forky's s390x kernel stub (7.2.12): code holding the magic,
        // read as a frame of 44,784 bytes whose only block is 727 raw bytes.
        assert!(!Zstd.probe(&hex("28b52ffd5020f0acb9160084c6800000")));
        // A real frame of one raw block and one RLE block.
        for input in [b"abcdefghij".to_vec(), vec![b'z'; 300]] {
            let data = zstd::bulk::compress(&input, 1).expect("compress");
            assert!(Zstd.probe(&data), "{}", hex_string(&data));
        }
    }

    fn hex_string(data: &[u8]) -> String {
        data.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
            .collect()
    }

    #[test]
    fn decodes_multiple_frames() {
        let mut data = zstd::encode_all(&b"hello "[..], 3).expect("encode");
        data.extend(zstd::encode_all(&b"world"[..], 3).expect("encode"));
        let mut out = Vec::new();
        (CODEC.open)(&data)
            .expect("open")
            .read_to_end(&mut out)
            .expect("read");
        assert_eq!(out, b"hello world");
    }
}
