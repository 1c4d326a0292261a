//! xz (the `.xz` container of LZMA2).
//!
//! Magic `FD 37 7A 58 5A 00` (domain.md §1.4) followed by two stream-flag
//! bytes and their CRC32, which the probe verifies. Concatenated streams and
//! stream padding decode as one; bytes after the last stream (a kernel's
//! appended size) end it cleanly. The decoder's memory is capped so a header
//! asking for a huge dictionary fails instead of allocating it.

use std::io;

use crate::unpack::blob::{Bytes, Codec, Decoder, Members};
use crate::unpack::{Context, Extraction, Format, FormatError, Magic, stream_extraction};

const MAGIC: [u8; 6] = [0xfd, b'7', b'z', b'X', b'Z', 0x00];

/// Most memory the xz and lzma decoders may use (dictionary and state).
pub(crate) const DECODER_MEMLIMIT: u64 = 512 << 20;

/// The xz format.
pub struct Xz;

fn check_header(data: &[u8]) -> Result<(), FormatError> {
    let Some(header) = data.get(..12) else {
        return Err(FormatError::malformed("shorter than an xz stream header"));
    };
    if header[..6] != MAGIC {
        return Err(FormatError::malformed("no xz magic"));
    }
    let flags = &header[6..8];
    if flags[0] != 0 || flags[1] > 0x0f {
        return Err(FormatError::malformed("reserved xz stream flags set"));
    }
    let mut crc = flate2::Crc::new();
    crc.update(flags);
    let stored = u32::from_le_bytes([header[8], header[9], header[10], header[11]]);
    if crc.sum() != stored {
        return Err(FormatError::malformed(format!(
            "xz stream header CRC mismatch (got {:08x}, expected {stored:08x})",
            crc.sum()
        )));
    }
    Ok(())
}

impl Format for Xz {
    fn id(&self) -> &'static str {
        "xz"
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
            &[(".txz", ".tar"), (".xz", "")],
        ))
    }
}

/// Decoder for xz streams.
pub const CODEC: Codec = Codec { name: "xz", open };

fn open(input: &[u8]) -> io::Result<Box<dyn Decoder + '_>> {
    Ok(Box::new(Members::new(
        input,
        |stream| {
            // The decoder reads one stream: padding before the next is skipped here.
            let stream = &stream[padding(stream)..];
            let decoder = liblzma::stream::Stream::new_stream_decoder(DECODER_MEMLIMIT, 0)
                .map_err(io::Error::other)?;
            Ok(liblzma::bufread::XzDecoder::new_stream(stream, decoder))
        },
        |decoder| decoder.get_ref(),
        is_stream,
    )?))
}

/// Another stream follows, after optional stream padding (zeros in
/// multiples of four bytes).
fn is_stream(rest: &[u8]) -> bool {
    rest[padding(rest)..].starts_with(&MAGIC)
}

/// Length of the stream padding `data` starts with.
fn padding(data: &[u8]) -> usize {
    data.iter().take_while(|&&b| b == 0).count() / 4 * 4
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    pub(crate) fn xz(data: &[u8]) -> Vec<u8> {
        let mut enc = liblzma::write::XzEncoder::new(Vec::new(), 1);
        enc.write_all(data).expect("write");
        enc.finish().expect("finish")
    }

    #[test]
    fn streams_after_padding_decode_and_what_follows_is_left() {
        let mut data = xz(b"one");
        data.extend([0; 8]);
        data.extend(xz(b"two"));
        data.extend(b"\x01\x02\x03\x04 appended");
        let (out, unread) = crate::unpack::blob::decode_to_end(CODEC, &data);
        assert_eq!(out, b"onetwo");
        assert_eq!(unread, Some(13));
    }

    #[test]
    fn probe_accepts_xz_and_rejects_decoys() {
        assert!(Xz.probe(&xz(b"hello")));
        let mut bad_crc = xz(b"hello");
        bad_crc[8] ^= 1;
        assert!(!Xz.probe(&bad_crc));
        assert!(!Xz.probe(b"\xfd7zXZ\0"));
    }

    #[test]
    fn decodes_concatenated_streams() {
        let mut data = xz(b"hello ");
        data.extend(xz(b"world"));
        let mut out = Vec::new();
        (CODEC.open)(&data)
            .expect("open")
            .read_to_end(&mut out)
            .expect("read");
        assert_eq!(out, b"hello world");
    }
}
