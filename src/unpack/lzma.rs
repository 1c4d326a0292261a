//! LZMA "alone" (`.lzma`, the format of LZMA Utils and of many U-Boot and
//! vendor payloads).
//!
//! There is no magic: a 13-byte header holds the properties byte
//! (lc/lp/pb, < 225; commonly `5D`, domain.md §1.4), the dictionary size
//! (u32 LE) and the uncompressed size (u64 LE, all ones when unknown). The
//! probe accepts only what encoders write: a dictionary size of 2^n or
//! 2^n + 2^(n-1) from 4 KiB to 1.5 GiB, a plausible size, and a first
//! range-coder byte of zero (always zero in a valid stream).

use std::io;

use crate::unpack::blob::{Bytes, Codec, Decoder};
use crate::unpack::xz::DECODER_MEMLIMIT;
use crate::unpack::{Context, Extraction, Format, FormatError, stream_extraction};

const HEADER_LEN: usize = 13;
const UNKNOWN_SIZE: u64 = u64::MAX;
/// Larger declared sizes than this (256 GiB) are not plausible firmware.
const MAX_DECLARED_SIZE: u64 = 1 << 38;

/// The LZMA-alone format.
pub struct Lzma;

fn check_header(data: &[u8]) -> Result<(), FormatError> {
    let Some(header) = data.get(..HEADER_LEN + 1) else {
        return Err(FormatError::malformed("shorter than an lzma header"));
    };
    if header[0] >= 9 * 5 * 5 {
        return Err(FormatError::malformed("invalid lzma properties byte"));
    }
    let dict = u32::from_le_bytes([header[1], header[2], header[3], header[4]]);
    let plausible_dict = (12..=30).any(|n| dict == 1 << n || dict == (1 << n) + (1 << (n - 1)));
    if !plausible_dict {
        return Err(FormatError::malformed(format!(
            "implausible lzma dictionary size {dict}"
        )));
    }
    let mut size = [0u8; 8];
    size.copy_from_slice(&header[5..13]);
    let size = u64::from_le_bytes(size);
    if size != UNKNOWN_SIZE && size > MAX_DECLARED_SIZE {
        return Err(FormatError::malformed(format!(
            "implausible lzma uncompressed size {size}"
        )));
    }
    if header[HEADER_LEN] != 0 {
        return Err(FormatError::malformed(
            "lzma range coder does not start with zero",
        ));
    }
    Ok(())
}

impl Format for Lzma {
    fn id(&self) -> &'static str {
        "lzma"
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
            &[(".tlz", ".tar"), (".lzma", "")],
        ))
    }
}

/// Decoder for LZMA-alone streams.
pub const CODEC: Codec = Codec { name: "lzma", open };

fn open(input: &[u8]) -> io::Result<Box<dyn Decoder + '_>> {
    let stream =
        liblzma::stream::Stream::new_lzma_decoder(DECODER_MEMLIMIT).map_err(io::Error::other)?;
    Ok(Box::new(liblzma::bufread::XzDecoder::new_stream(
        input, stream,
    )))
}

/// The bufread decoder takes from the slice exactly what liblzma consumed.
impl Decoder for liblzma::bufread::XzDecoder<&[u8]> {
    fn unread(&self) -> Option<usize> {
        Some(self.get_ref().len())
    }
}

/// LZMA1 options from a properties byte (`(pb * 5 + lp) * 9 + lc`) and a
/// dictionary size. No match reaches before the start of the output, so
/// the dictionary is capped at `want` bytes whatever a header claims: no
/// header makes the decoder allocate more than its output.
pub(crate) fn lzma1_options(
    props: u8,
    dict: u32,
    want: usize,
) -> io::Result<liblzma::stream::LzmaOptions> {
    if props >= 9 * 5 * 5 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("LZMA properties byte {props:#04x}"),
        ));
    }
    let (lc, lp, pb) = (props % 9, (props / 9) % 5, props / 45);
    let mut options = liblzma::stream::LzmaOptions::new_preset(0).map_err(io::Error::other)?;
    options
        .literal_context_bits(u32::from(lc))
        .literal_position_bits(u32::from(lp))
        .position_bits(u32::from(pb))
        .dict_size(capped_dict(dict, want));
    Ok(options)
}

/// A dictionary size no larger than `want` output bytes can use (liblzma's
/// minimum is 4 KiB).
pub(crate) fn capped_dict(dict: u32, want: usize) -> u32 {
    let useful = u32::try_from(want).unwrap_or(u32::MAX).max(4096);
    dict.clamp(4096, useful.checked_next_power_of_two().unwrap_or(1 << 31))
}

/// Up to `want` bytes of the LZMA-alone stream `data`, with the dictionary
/// capped at `want` (a header's 512 MiB dictionary is not allocated to test
/// whether a candidate decodes).
pub(crate) fn decode_prefix(data: &[u8], want: usize) -> io::Result<Vec<u8>> {
    check_header(data).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
    let dict = u32::from_le_bytes([data[1], data[2], data[3], data[4]]);
    let options = lzma1_options(data[0], dict, want)?;
    let mut filters = liblzma::stream::Filters::new();
    filters.lzma1(&options);
    decode_raw(&filters, &data[HEADER_LEN..], want)
}

/// Run a raw liblzma decoder (`filters`) over `input` into at most `want`
/// bytes: to its end marker, until `want` bytes are out (streams without
/// an end marker), or until the input ends. Memory grows with the output
/// produced, never with `want`.
pub(crate) fn decode_raw(
    filters: &liblzma::stream::Filters,
    input: &[u8],
    want: usize,
) -> io::Result<Vec<u8>> {
    let mut stream = liblzma::stream::Stream::new_raw_decoder(filters).map_err(io::Error::other)?;
    let mut out = Vec::new();
    while out.len() < want {
        let consumed = (stream.total_in() as usize).min(input.len());
        let mut chunk = Vec::with_capacity((want - out.len()).min(1 << 20));
        let status = stream
            .process_vec(&input[consumed..], &mut chunk, liblzma::stream::Action::Run)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        let stalled = chunk.is_empty() && stream.total_in() as usize == consumed;
        out.extend_from_slice(&chunk);
        if status == liblzma::stream::Status::StreamEnd || stalled {
            break;
        }
    }
    out.truncate(want);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn lzma(data: &[u8]) -> Vec<u8> {
        let opts = liblzma::stream::LzmaOptions::new_preset(1).expect("preset");
        let stream = liblzma::stream::Stream::new_lzma_encoder(&opts).expect("encoder");
        let mut enc = liblzma::write::XzEncoder::new_stream(Vec::new(), stream);
        std::io::Write::write_all(&mut enc, data).expect("write");
        enc.finish().expect("finish")
    }

    #[test]
    fn probe_accepts_lzma_and_rejects_decoys() {
        let data = lzma(b"hello hello hello");
        assert!(Lzma.probe(&data));
        let mut odd_dict = data.clone();
        odd_dict[1..5].copy_from_slice(&12345u32.to_le_bytes());
        assert!(!Lzma.probe(&odd_dict));
        assert!(!Lzma.probe(b"]\0\0\x80\0this is text, not lzma"));
        assert!(!Lzma.probe(&[0x5d]));
    }

    #[test]
    fn the_decoder_tells_what_follows_the_end_marker() {
        let mut data = lzma(b"hello lzma");
        data.extend(b"after the stream");
        let (out, unread) = crate::unpack::blob::decode_to_end(CODEC, &data);
        assert_eq!(out, b"hello lzma");
        assert_eq!(unread, Some(16));
    }

    #[test]
    fn decodes() {
        let data = lzma(b"hello lzma");
        let mut out = Vec::new();
        (CODEC.open)(&data)
            .expect("open")
            .read_to_end(&mut out)
            .expect("read");
        assert_eq!(out, b"hello lzma");
    }
}
