//! Hikvision `digicap.dav` / `digicap.mav` (Hikvision, EZVIZ, HiWatch,
//! HiLook and Hikvision OEM firmware), domain.md §1.1–§1.2.
//!
//! The header is XOR-encoded with a 16-byte key, position-dependent:
//! `plain[i] = raw[i] ^ KEY[(i + (i >> 4)) & 0xF]`. Decoded, it holds (all
//! u32 LE) the magic `SWKH`, a checksum (byte sum of the decoded header from
//! offset 12 to its end), the header length, the file count, language,
//! device class, OEM code, firmware version and feature word; the file
//! table follows at 0x40, 44 bytes an entry: name\[32\], offset, length,
//! checksum (byte sum of the file's data). Member data is plain.
//!
//! Both checksums are verified and reported. The OEM code is recorded:
//! it tells which brand a Hikvision-made image was built for. `02KH` and
//! `03KH` images (newer platforms, AES-encrypted headers) are recognised
//! and reported as encrypted, not silently skipped.

use crate::model::EntryKind;
use crate::unpack::blob::{Blob, Bytes};
use crate::unpack::{Context, Entry, Extraction, Format, FormatError, Magic};

const KEY: [u8; 16] = [
    0xba, 0xcd, 0xbc, 0xfe, 0xd6, 0xca, 0xdd, 0xd3, 0xba, 0xb9, 0xa3, 0xab, 0xbf, 0xcb, 0xb5, 0xbe,
];
/// `SWKH` as stored (XOR-encoded); `02KH` and `03KH` likewise.
const RAW_SWKH: [u8; 4] = [0xe9, 0x9a, 0xf7, 0xb6];
const RAW_02KH: [u8; 4] = [0x8a, 0xff, 0xf7, 0xb6];
const RAW_03KH: [u8; 4] = [0x8a, 0xfe, 0xf7, 0xb6];
const TABLE_AT: usize = 0x40;
const ENTRY_LEN: usize = 44;
/// Most files a real image lists (real ones hold 4–12).
const MAX_FILES: u32 = 256;

/// The Hikvision `digicap.dav` format.
pub struct HikvisionDav;

/// XOR-decode `raw`, which starts at absolute offset 0 of the image.
pub fn decode(raw: &[u8]) -> Vec<u8> {
    raw.iter()
        .enumerate()
        .map(|(i, b)| b ^ KEY[(i + (i >> 4)) & 0xf])
        .collect()
}

/// One file of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Name as stored.
    pub name: String,
    /// Absolute offset of its data.
    pub offset: u32,
    /// Length of its data.
    pub length: u32,
    /// Byte sum of its data, as stored.
    pub checksum: u32,
}

/// The decoded header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Stored header checksum.
    pub checksum: u32,
    /// Computed header checksum.
    pub checksum_computed: u32,
    /// Header length (0x40 + 44 × files).
    pub length: u32,
    /// 1 = English/multi-language, 2 = Chinese.
    pub language: u32,
    /// 1 = DVR, 2 = IP camera, others seen on NVRs.
    pub device_class: u32,
    /// 1 = Hikvision; other values are OEM or regional builds.
    pub oem_code: u32,
    /// Firmware version / signature word.
    pub firmware: u32,
    /// The file table.
    pub members: Vec<Member>,
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Decode and validate the header (shared by probe, extent and extract).
pub fn parse_header(data: &[u8]) -> Result<Header, FormatError> {
    match data.get(..4) {
        Some(m) if m == RAW_SWKH => {}
        Some(m) if m == RAW_02KH || m == RAW_03KH => {
            return Err(FormatError::Unsupported(format!(
                "encrypted Hikvision container `{}KH` (AES header), {} bytes",
                if m == RAW_02KH { "02" } else { "03" },
                data.len()
            )));
        }
        _ => return Err(FormatError::malformed("no Hikvision SWKH magic")),
    }
    let fixed = decode(
        data.get(..TABLE_AT)
            .ok_or_else(|| FormatError::truncated("Hikvision header"))?,
    );
    let files = le32(&fixed, 12);
    let length = le32(&fixed, 8);
    if files == 0 || files > MAX_FILES || length as usize != TABLE_AT + ENTRY_LEN * files as usize {
        return Err(FormatError::malformed(format!(
            "Hikvision header length {length} does not fit {files} files"
        )));
    }
    let raw = data
        .get(..length as usize)
        .ok_or_else(|| FormatError::truncated("Hikvision file table"))?;
    let header = decode(raw);
    let checksum_computed = header[12..]
        .iter()
        .map(|&b| u32::from(b))
        .fold(0u32, u32::wrapping_add);
    let members = header[TABLE_AT..]
        .chunks_exact(ENTRY_LEN)
        .map(|e| {
            let name_len = e[..32].iter().position(|&b| b == 0).unwrap_or(32);
            Member {
                name: String::from_utf8_lossy(&e[..name_len]).into_owned(),
                offset: le32(e, 32),
                length: le32(e, 36),
                checksum: le32(e, 40),
            }
        })
        .collect();
    Ok(Header {
        checksum: le32(&header, 4),
        checksum_computed,
        length,
        language: le32(&header, 16),
        device_class: le32(&header, 20),
        oem_code: le32(&header, 24),
        firmware: le32(&header, 28),
        members,
    })
}

impl Format for HikvisionDav {
    fn id(&self) -> &'static str {
        "hikvision-dav"
    }

    fn magic(&self) -> &'static [Magic] {
        const MAGICS: &[Magic] = &[
            Magic::at_start(&RAW_SWKH),
            Magic::at_start(&RAW_02KH),
            Magic::at_start(&RAW_03KH),
        ];
        MAGICS
    }

    fn probe(&self, data: &[u8]) -> bool {
        match parse_header(data) {
            Ok(_) | Err(FormatError::Unsupported(_)) => true,
            Err(_) => false,
        }
    }

    fn extent(&self, data: &[u8]) -> Option<u64> {
        let header = parse_header(data).ok()?;
        header
            .members
            .iter()
            .map(|m| u64::from(m.offset) + u64::from(m.length))
            .max()
            .map(|end| end.max(u64::from(header.length)))
    }

    fn extract(&self, data: &Bytes, cx: &Context<'_>) -> Result<Extraction, FormatError> {
        let h = parse_header(data)?;
        let mut extraction = Extraction::default();
        let checksum = if h.checksum == h.checksum_computed {
            "header checksum ok".to_string()
        } else {
            format!(
                "header checksum mismatch (got {:08x}, expected {:08x})",
                h.checksum_computed, h.checksum
            )
        };
        extraction.notes.push(format!(
            "hikvision SWKH: {} files, language {}, device class {}, oem_code {}{}, firmware {:#010x}, {checksum}",
            h.members.len(),
            h.language,
            h.device_class,
            h.oem_code,
            if h.oem_code == 1 { " (Hikvision)" } else { " (OEM/regional build)" },
            h.firmware,
        ));
        extraction.facts = vec![
            ("oem_code", h.oem_code.to_string()),
            ("language", h.language.to_string()),
            ("device_class", h.device_class.to_string()),
        ];
        for m in &h.members {
            if cx.full(extraction.entries.len()) {
                break;
            }
            let mut entry = Entry::new(m.name.clone(), EntryKind::File);
            match data.slice_at(u64::from(m.offset), u64::from(m.length)) {
                Some(bytes) => {
                    let sum = bytes
                        .iter()
                        .map(|&b| u32::from(b))
                        .fold(0u32, u32::wrapping_add);
                    if sum != m.checksum {
                        entry.notes.push(format!(
                            "hikvision file checksum mismatch (got {sum:08x}, expected {:08x})",
                            m.checksum
                        ));
                    }
                    entry.blob = Some(Blob::Bytes(bytes));
                }
                None => {
                    entry.error = Some("file data runs past the end of the image".into());
                    extraction.truncated = Some(format!("`{}` runs past the end", m.name));
                }
            }
            extraction.entries.push(entry);
        }
        Ok(extraction)
    }
}

/// Build a `digicap.dav` image (for tests and samples).
pub fn build(members: &[(&str, &[u8])], oem_code: u32) -> Vec<u8> {
    let header_len = TABLE_AT + ENTRY_LEN * members.len();
    let mut header = vec![0u8; header_len];
    header[..4].copy_from_slice(b"SWKH");
    header[8..12].copy_from_slice(&(header_len as u32).to_le_bytes());
    header[12..16].copy_from_slice(&(members.len() as u32).to_le_bytes());
    header[16..20].copy_from_slice(&1u32.to_le_bytes());
    header[20..24].copy_from_slice(&2u32.to_le_bytes());
    header[24..28].copy_from_slice(&oem_code.to_le_bytes());
    let mut offset = header_len;
    let mut body = Vec::new();
    for (i, (name, data)) in members.iter().enumerate() {
        let e = TABLE_AT + ENTRY_LEN * i;
        let n = name.len().min(31);
        header[e..e + n].copy_from_slice(&name.as_bytes()[..n]);
        header[e + 32..e + 36].copy_from_slice(&(offset as u32).to_le_bytes());
        header[e + 36..e + 40].copy_from_slice(&(data.len() as u32).to_le_bytes());
        let sum = data
            .iter()
            .map(|&b| u32::from(b))
            .fold(0u32, u32::wrapping_add);
        header[e + 40..e + 44].copy_from_slice(&sum.to_le_bytes());
        body.extend_from_slice(data);
        offset += data.len();
    }
    let sum = header[12..]
        .iter()
        .map(|&b| u32::from(b))
        .fold(0u32, u32::wrapping_add);
    header[4..8].copy_from_slice(&sum.to_le_bytes());
    // XOR is its own inverse.
    let mut out = decode(&header);
    out.extend(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_encoded_magic_is_swkh() {
        assert_eq!(decode(&RAW_SWKH), b"SWKH");
        assert_eq!(decode(&RAW_02KH), b"02KH");
        assert_eq!(decode(&RAW_03KH), b"03KH");
    }

    #[test]
    fn reads_members_checksums_and_oem_code() {
        let image = build(&[("uImage", b"kernel"), ("app.img", b"cramfs here")], 1);
        assert!(HikvisionDav.probe(&image));
        assert_eq!(HikvisionDav.extent(&image), Some(image.len() as u64));
        let ex = HikvisionDav
            .extract(
                &Bytes::from_vec(image.clone()),
                &Context::named("digicap.dav"),
            )
            .expect("extract");
        assert!(
            ex.notes[0].contains("oem_code 1 (Hikvision)"),
            "{:?}",
            ex.notes
        );
        assert!(ex.notes[0].contains("header checksum ok"));
        let names: Vec<_> = ex.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["uImage", "app.img"]);
        assert!(ex.entries.iter().all(|e| e.notes.is_empty()));

        let mut tampered = image;
        let last = tampered.len() - 1;
        tampered[last] ^= 0xff;
        let ex = HikvisionDav
            .extract(&Bytes::from_vec(tampered), &Context::named("x"))
            .expect("extract");
        assert!(ex.entries[1].notes[0].contains("checksum mismatch"));
    }

    #[test]
    fn encrypted_variants_are_recognised_and_reported() {
        let mut image = RAW_03KH.to_vec();
        image.resize(4096, 0x5a);
        assert!(HikvisionDav.probe(&image));
        let err = HikvisionDav
            .extract(&Bytes::from_vec(image), &Context::named("x"))
            .expect_err("encrypted");
        assert!(
            err.to_string()
                .contains("encrypted Hikvision container `03KH`")
        );
    }

    #[test]
    fn decoys_are_rejected() {
        let mut junk = RAW_SWKH.to_vec();
        junk.resize(512, 0);
        assert!(!HikvisionDav.probe(&junk));
        assert!(!HikvisionDav.probe(b"SWKH plain text is not the encoded magic"));
    }
}
