//! Zstandard (RFC 8878).
//!
//! Magic `28 B5 2F FD` (domain.md §1.4); the probe also requires the frame
//! header descriptor's reserved bit to be clear. Multiple frames decode as
//! one stream. The decoder keeps zstd's default window limit (128 MiB), so a
//! frame asking for a larger window fails instead of allocating it.

use std::io::{self, Read};

use crate::unpack::blob::{Bytes, Codec, Members};
use crate::unpack::{Context, Extraction, Format, FormatError, Magic, stream_extraction};

const MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];
const RESERVED_BIT: u8 = 0x08;

/// The zstd format.
pub struct Zstd;

fn check_header(data: &[u8]) -> Result<(), FormatError> {
    let Some(header) = data.get(..6) else {
        return Err(FormatError::malformed("shorter than a zstd frame header"));
    };
    if header[..4] != MAGIC {
        return Err(FormatError::malformed("no zstd magic"));
    }
    if header[4] & RESERVED_BIT != 0 {
        return Err(FormatError::malformed("zstd frame header reserved bit set"));
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

fn open(input: &[u8]) -> io::Result<Box<dyn Read + '_>> {
    Ok(Box::new(Members::new(
        input,
        |frame| Ok(zstd::stream::read::Decoder::with_buffer(frame)?.single_frame()),
        |decoder| decoder.get_ref(),
        |rest| rest.starts_with(&MAGIC),
    )?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_accepts_zstd_and_rejects_decoys() {
        let data = zstd::encode_all(&b"hello"[..], 3).expect("encode");
        assert!(Zstd.probe(&data));
        assert!(!Zstd.probe(&[0x28, 0xb5, 0x2f, 0xfd, 0xff, 0]));
        assert!(!Zstd.probe(&MAGIC));
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
