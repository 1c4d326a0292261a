//! zlib (RFC 1950): a two-byte header (CMF, FLG) around a deflate stream,
//! with an Adler-32 trailer. Vendors store kernels, configs and resources
//! as bare zlib streams, often several in a row in one blob.
//!
//! The header is weak (`78 01`, `78 5E`, `78 9C`, `78 DA` are the usual
//! ones), so the probe also inflates the first bytes: random data after a
//! chance header fails within a few bytes. The extent is where the stream
//! ends, found by inflating it (only for accepted candidates when carving).

use std::io;

use flate2::{Decompress, FlushDecompress, Status};

use crate::unpack::blob::{Bytes, Codec, Decoder};
use crate::unpack::{Context, Extraction, Format, FormatError, Magic, stream_extraction};

/// Bytes of output the probe asks the stream to produce cleanly.
const PROBE_OUTPUT: usize = 256;

/// The zlib format.
pub struct Zlib;

fn check_header(data: &[u8]) -> Result<(), FormatError> {
    let (cmf, flg) = match data {
        [cmf, flg, ..] => (*cmf, *flg),
        _ => return Err(FormatError::malformed("shorter than a zlib header")),
    };
    // Deflate with a 32 KiB window, no preset dictionary, checksum ok.
    if cmf != 0x78 || flg & 0x20 != 0 || (u16::from(cmf) << 8 | u16::from(flg)) % 31 != 0 {
        return Err(FormatError::malformed("no zlib header"));
    }
    Ok(())
}

/// Inflate from the start of `data`; returns the input consumed when the
/// stream ends, or `None` if it is corrupt or ends early. With
/// `stop_after`, stop successfully once that much output was produced.
fn inflate(data: &[u8], stop_after: Option<usize>) -> Option<usize> {
    let mut z = Decompress::new(true);
    let mut out = vec![0u8; 32 << 10];
    let mut produced = 0usize;
    loop {
        let before_in = z.total_in() as usize;
        let before_out = z.total_out();
        let status = z
            .decompress(&data[before_in..], &mut out, FlushDecompress::None)
            .ok()?;
        produced += (z.total_out() - before_out) as usize;
        match status {
            Status::StreamEnd => return Some(z.total_in() as usize),
            _ if stop_after.is_some_and(|n| produced >= n) => return Some(z.total_in() as usize),
            _ if z.total_in() as usize == before_in && z.total_out() == before_out => return None,
            _ => {}
        }
    }
}

impl Format for Zlib {
    fn id(&self) -> &'static str {
        "zlib"
    }

    fn magic(&self) -> &'static [Magic] {
        const MAGICS: &[Magic] = &[
            Magic::at_start(&[0x78, 0x01]),
            Magic::at_start(&[0x78, 0x5e]),
            Magic::at_start(&[0x78, 0x9c]),
            Magic::at_start(&[0x78, 0xda]),
        ];
        MAGICS
    }

    fn probe(&self, data: &[u8]) -> bool {
        check_header(data).is_ok() && inflate(data, Some(PROBE_OUTPUT)).is_some()
    }

    fn extent(&self, data: &[u8]) -> Option<u64> {
        // The stream, plus its Adler-32 trailer.
        inflate(data, None).map(|len| len as u64)
    }

    fn extract(&self, data: &Bytes, cx: &Context<'_>) -> Result<Extraction, FormatError> {
        check_header(data)?;
        Ok(stream_extraction(
            CODEC,
            data,
            cx.name,
            &[(".zlib", ""), (".z", "")],
        ))
    }
}

/// Decoder for zlib streams.
pub const CODEC: Codec = Codec { name: "zlib", open };

fn open(input: &[u8]) -> io::Result<Box<dyn Decoder + '_>> {
    Ok(Box::new(flate2::bufread::ZlibDecoder::new(input)))
}

/// The bufread decoder takes from the slice exactly what inflate consumed.
impl Decoder for flate2::bufread::ZlibDecoder<&[u8]> {
    fn unread(&self) -> Option<usize> {
        Some(self.get_ref().len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(data).expect("write");
        enc.finish().expect("finish")
    }

    #[test]
    fn the_decoder_tells_what_follows_the_stream() {
        let mut data = zlib(b"hello zlib");
        data.extend(b"after the stream");
        let (out, unread) = crate::unpack::blob::decode_to_end(CODEC, &data);
        assert_eq!(out, b"hello zlib");
        assert_eq!(unread, Some(16));
    }

    #[test]
    fn probe_extent_and_decode() {
        let stream = zlib(&b"kernel config ".repeat(100));
        let mut data = stream.clone();
        data.extend(b"trailing bytes that are not zlib");
        assert!(Zlib.probe(&data));
        assert_eq!(Zlib.extent(&data), Some(stream.len() as u64));
        let mut out = Vec::new();
        (CODEC.open)(&stream)
            .expect("open")
            .read_to_end(&mut out)
            .expect("read");
        assert_eq!(out, b"kernel config ".repeat(100));
    }

    #[test]
    fn decoys_are_rejected() {
        assert!(!Zlib.probe(&[0x78, 0x9c]));
        assert!(!Zlib.probe(&[0x78, 0x9c, 0xff, 0xff, 0xff, 0xff, 0x00, 0x12, 0x34]));
        assert!(!Zlib.probe(b"x\x9c is how zlib starts"));
        assert!(!Zlib.probe(&[0x78, 0x9d, 0, 0]));
    }
}
