//! bzip2.
//!
//! Magic `BZh` + block size `1`–`9` (domain.md §1.4), followed by either the
//! first block's magic (the BCD digits of π, `31 41 59 26 53 59`) or, for an
//! empty stream, the end-of-stream magic (√π, `17 72 45 38 50 90`). Checking
//! that second magic keeps text starting with "BZh" from probing as bzip2.
//! Concatenated streams (as `pbzip2` writes) decode as one.

use std::io;

use crate::unpack::blob::{Bytes, Codec, Decoder, Members};
use crate::unpack::{Context, Extraction, Format, FormatError, Magic, stream_extraction};

const BLOCK_MAGIC: [u8; 6] = [0x31, 0x41, 0x59, 0x26, 0x53, 0x59];
const END_MAGIC: [u8; 6] = [0x17, 0x72, 0x45, 0x38, 0x50, 0x90];

/// The bzip2 format.
pub struct Bzip2;

fn check_header(data: &[u8]) -> Result<(), FormatError> {
    let Some(header) = data.get(..10) else {
        return Err(FormatError::malformed("shorter than a bzip2 header"));
    };
    if &header[..3] != b"BZh" || !(b'1'..=b'9').contains(&header[3]) {
        return Err(FormatError::malformed("no bzip2 magic"));
    }
    if header[4..10] != BLOCK_MAGIC && header[4..10] != END_MAGIC {
        return Err(FormatError::malformed("no bzip2 block magic"));
    }
    Ok(())
}

impl Format for Bzip2 {
    fn id(&self) -> &'static str {
        "bzip2"
    }

    fn magic(&self) -> &'static [Magic] {
        // The first block's magic, after `BZh` and the block size digit.
        &[Magic {
            offset: 4,
            bytes: &BLOCK_MAGIC,
        }]
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
            &[
                (".tbz2", ".tar"),
                (".tbz", ".tar"),
                (".bz2", ""),
                (".bz", ""),
            ],
        ))
    }
}

/// Decoder for bzip2 streams.
pub const CODEC: Codec = Codec {
    name: "bzip2",
    open,
};

fn open(input: &[u8]) -> io::Result<Box<dyn Decoder + '_>> {
    Ok(Box::new(Members::new(
        input,
        |stream| Ok(bzip2::bufread::BzDecoder::new(stream)),
        |decoder| decoder.get_ref(),
        |rest| check_header(rest).is_ok(),
    )?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn bzip2(data: &[u8]) -> Vec<u8> {
        let mut enc = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
        enc.write_all(data).expect("write");
        enc.finish().expect("finish")
    }

    #[test]
    fn the_decoder_tells_what_follows_the_stream() {
        let mut data = bzip2(b"hello bzip2");
        data.extend(b"after the stream");
        let (out, unread) = crate::unpack::blob::decode_to_end(CODEC, &data);
        assert_eq!(out, b"hello bzip2");
        assert_eq!(unread, Some(16));
    }

    #[test]
    fn probe_accepts_bzip2_and_rejects_decoys() {
        assert!(Bzip2.probe(&bzip2(b"hello")));
        assert!(Bzip2.probe(&bzip2(b"")));
        assert!(!Bzip2.probe(b"BZh9 is how a bzip2 file starts, says this text"));
        assert!(!Bzip2.probe(b"BZh"));
    }

    #[test]
    fn decodes_concatenated_streams() {
        let mut data = bzip2(b"hello ");
        data.extend(bzip2(b"world"));
        let mut out = Vec::new();
        (CODEC.open)(&data)
            .expect("open")
            .read_to_end(&mut out)
            .expect("read");
        assert_eq!(out, b"hello world");
    }
}
