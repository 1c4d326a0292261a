//! gzip (RFC 1952).
//!
//! Magic `1F 8B 08` (domain.md §1.4). Concatenated members decode as one
//! stream, as `gzip -d` does; bytes after the last member that do not start
//! another member are ignored. The output is named after the `FNAME` header
//! field when present, else after the container name without its suffix.

use std::io::{self, Read};

use flate2::bufread::GzDecoder;

use crate::model::EntryKind;
use crate::unpack::blob::{Blob, Bytes, Codec, Decoder, Members};
use crate::unpack::{Context, Entry, Extraction, Format, FormatError, Magic, stream_name};

const MAGIC: [u8; 3] = [0x1f, 0x8b, 0x08];
const FTEXT_RESERVED: u8 = 0xe0;
const FEXTRA: u8 = 0x04;
const FNAME: u8 = 0x08;

/// The gzip format.
pub struct Gzip;

/// The fields of a member header that we use.
struct Header {
    /// Original file name (`FNAME`), if stored.
    file_name: Option<String>,
}

fn parse_header(data: &[u8]) -> Result<Header, FormatError> {
    if data.len() < 10 || data[..3] != MAGIC {
        return Err(FormatError::malformed("no gzip magic"));
    }
    let flags = data[3];
    if flags & FTEXT_RESERVED != 0 {
        return Err(FormatError::malformed("reserved header flags set"));
    }
    // XFL is 0, 2 (best) or 4 (fastest); OS is a known id or 255.
    let (xfl, os) = (data[8], data[9]);
    if !matches!(xfl, 0 | 2 | 4) || !(os <= 13 || os == 255) {
        return Err(FormatError::malformed("implausible gzip XFL/OS fields"));
    }
    let mut pos = 10;
    if flags & FEXTRA != 0 {
        let xlen = data
            .get(pos..pos + 2)
            .ok_or_else(|| FormatError::truncated("gzip extra field"))?;
        pos += 2 + usize::from(u16::from_le_bytes([xlen[0], xlen[1]]));
    }
    let file_name = if flags & FNAME != 0 {
        let rest = data.get(pos..).unwrap_or_default();
        let end = rest
            .iter()
            .position(|&b| b == 0)
            .ok_or_else(|| FormatError::truncated("gzip file name"))?;
        Some(String::from_utf8_lossy(&rest[..end]).into_owned())
    } else {
        None
    };
    Ok(Header { file_name })
}

impl Format for Gzip {
    fn id(&self) -> &'static str {
        "gzip"
    }

    fn magic(&self) -> &'static [Magic] {
        const MAGICS: &[Magic] = &[Magic::at_start(&MAGIC)];
        MAGICS
    }

    fn probe(&self, data: &[u8]) -> bool {
        parse_header(data).is_ok() && inflates(data)
    }

    fn extract(&self, data: &Bytes, cx: &Context<'_>) -> Result<Extraction, FormatError> {
        let name = cx.name;
        let header = parse_header(data)?;
        let name = header
            .file_name
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| stream_name(name, &[(".tgz", ".tar"), (".gz", ""), (".z", "")]));
        Ok(Extraction::stream(Entry {
            path: None,
            name,
            kind: EntryKind::File,
            blob: Some(Blob::Decode {
                codec: CODEC,
                input: data.clone(),
            }),
            error: None,
            notes: Vec::new(),
        }))
    }
}

/// Whether the first member's data starts as valid deflate: random bytes
/// after a chance header fail within a few bytes.
fn inflates(data: &[u8]) -> bool {
    let mut out = [0u8; 256];
    let mut decoder = GzDecoder::new(data);
    let mut filled = 0;
    while filled < out.len() {
        match decoder.read(&mut out[filled..]) {
            Ok(0) => return true,
            Ok(n) => filled += n,
            Err(e) => return e.kind() == io::ErrorKind::UnexpectedEof && filled > 0,
        }
    }
    true
}

/// Decoder for gzip streams (all members).
pub const CODEC: Codec = Codec {
    name: "gzip",
    open: open_members,
};

fn open_members(input: &[u8]) -> io::Result<Box<dyn Decoder + '_>> {
    Ok(Box::new(Members::new(
        input,
        |member| Ok(GzDecoder::new(member)),
        |decoder| decoder.get_ref(),
        // A chance `1f 8b 08` after the stream is not taken for a member
        // (its header would swallow bytes up to a NUL), so it stays unread.
        |rest| Gzip.probe(rest),
    )?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    pub(crate) fn gzip(data: &[u8], name: Option<&str>) -> Vec<u8> {
        let mut builder = flate2::GzBuilder::new();
        if let Some(name) = name {
            builder = builder.filename(name);
        }
        let mut enc = builder.write(Vec::new(), flate2::Compression::default());
        enc.write_all(data).expect("write");
        enc.finish().expect("finish")
    }

    fn decode_all(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        (CODEC.open)(data)
            .expect("open")
            .read_to_end(&mut out)
            .expect("read");
        out
    }

    #[test]
    fn the_decoder_tells_what_follows_the_last_member() {
        let mut data = gzip(b"one", None);
        data.extend(gzip(b"two", None));
        data.extend(b"\xffnot a member");
        let (out, unread) = crate::unpack::blob::decode_to_end(CODEC, &data);
        assert_eq!(out, b"onetwo");
        assert_eq!(unread, Some(13));
    }

    #[test]
    fn a_chance_magic_after_the_stream_is_left_unread() {
        let mut data = gzip(b"one", None);
        let after = b"\x1f\x8b\x08\x08\0\0\0\0\0\x03name without an end";
        data.extend(after);
        let (out, unread) = crate::unpack::blob::decode_to_end(CODEC, &data);
        assert_eq!(out, b"one");
        assert_eq!(unread, Some(after.len()));
    }

    #[test]
    fn probe_accepts_gzip_and_rejects_decoys() {
        assert!(Gzip.probe(&gzip(b"x", None)));
        assert!(!Gzip.probe(b"\x1f\x8b\x07\0\0\0\0\0\0\0"));
        assert!(!Gzip.probe(b"\x1f\x8b\x08\xff\0\0\0\0\0\0"));
        // A plausible header over random bytes.
        let mut random = b"\x1f\x8b\x08\x00\0\0\0\0\x00\x03".to_vec();
        random.extend((0..512u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 7) as u8));
        assert!(!Gzip.probe(&random));
        assert!(!Gzip.probe(b"\x1f\x8b\x08"));
    }

    #[test]
    fn output_is_named_from_header_or_container() {
        let data = Bytes::from_vec(gzip(b"abc", Some("rootfs.tar")));
        let ex = Gzip
            .extract(&data, &Context::named("x.bin"))
            .expect("extract");
        assert_eq!(ex.entries[0].name, "rootfs.tar");
        let data = Bytes::from_vec(gzip(b"abc", None));
        let ex = Gzip
            .extract(&data, &Context::named("fw.tgz"))
            .expect("extract");
        assert_eq!(ex.entries[0].name, "fw.tar");
        let ex = Gzip
            .extract(&data, &Context::named("blob"))
            .expect("extract");
        assert_eq!(ex.entries[0].name, "blob.decompressed");
    }

    #[test]
    fn concatenated_members_decode_as_one_stream() {
        let mut data = gzip(b"hello ", None);
        data.extend(gzip(b"world", None));
        data.extend(b"\0\0\0\0padding");
        assert_eq!(decode_all(&data), b"hello world");
    }
}
