//! U-Boot legacy image (`uImage`).
//!
//! 64-byte big-endian header (U-Boot `include/image.h`, domain.md §1.4):
//! magic `27 05 19 56`, header CRC32 (over the header with the CRC field
//! zeroed), timestamp, data size, load address, entry point, data CRC32,
//! then one byte each of OS, architecture, image type and compression, and
//! a 32-byte name. OpenWrt's lzma-loader images use the magic `OKLI`.
//!
//! Both CRCs are checked and reported as notes, never trusted for the
//! decision to unpack: vendors ship images with stale CRCs. The compression
//! field is reported but not used either — Dahua writes `gzip` over plain
//! squashfs (domain.md §1.3) — the payload is identified by its own magic.
//! Multi-file images (type 4) list their sizes after the header.

use crate::model::EntryKind;
use crate::unpack::blob::{Blob, Bytes};
use crate::unpack::{Context, Entry, Extraction, Format, FormatError, Magic};

const HEADER_LEN: usize = 64;
const MAGIC: [u8; 4] = [0x27, 0x05, 0x19, 0x56];
/// OpenWrt lzma-loader variant (`target/linux/*/image/lzma-loader`).
const MAGIC_OKLI: [u8; 4] = *b"OKLI";
const TYPE_MULTI: u8 = 4;
/// Most sub-images a multi-file image may list.
const MAX_MULTI: usize = 64;

/// The uImage format.
pub struct UImage;

/// The header fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Stored header CRC32.
    pub header_crc: u32,
    /// CRC32 computed over the header.
    pub header_crc_computed: u32,
    /// Build time, seconds since 1970.
    pub timestamp: u32,
    /// Payload size.
    pub data_size: u32,
    /// Load address.
    pub load: u32,
    /// Entry point.
    pub entry: u32,
    /// Stored payload CRC32.
    pub data_crc: u32,
    /// `IH_OS_*`.
    pub os: u8,
    /// `IH_ARCH_*`.
    pub arch: u8,
    /// `IH_TYPE_*`.
    pub image_type: u8,
    /// `IH_COMP_*` (as stored; not trusted).
    pub compression: u8,
    /// Image name.
    pub name: String,
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = flate2::Crc::new();
    crc.update(bytes);
    crc.sum()
}

/// Parse and sanity-check the header (shared by probe and extract).
pub fn parse_header(data: &[u8]) -> Result<Header, FormatError> {
    let Some(h) = data.get(..HEADER_LEN) else {
        return Err(FormatError::malformed("shorter than a uImage header"));
    };
    if h[..4] != MAGIC && h[..4] != MAGIC_OKLI {
        return Err(FormatError::malformed("no uImage magic"));
    }
    let name_bytes = &h[32..64];
    let name_len = name_bytes.iter().position(|&b| b == 0).unwrap_or(32);
    let name = &name_bytes[..name_len];
    // A real header has a printable name and small enumerations; random
    // bytes after a chance magic do not.
    if name.iter().any(|&b| !(0x20..0x7f).contains(&b))
        || h[28] > 40
        || h[29] > 40
        || h[30] > 40
        || h[31] > 20
    {
        return Err(FormatError::malformed("implausible uImage header fields"));
    }
    let mut zeroed = [0u8; HEADER_LEN];
    zeroed.copy_from_slice(h);
    zeroed[4..8].fill(0);
    Ok(Header {
        header_crc: be32(h, 4),
        header_crc_computed: crc32(&zeroed),
        timestamp: be32(h, 8),
        data_size: be32(h, 12),
        load: be32(h, 16),
        entry: be32(h, 20),
        data_crc: be32(h, 24),
        os: h[28],
        arch: h[29],
        image_type: h[30],
        compression: h[31],
        name: String::from_utf8_lossy(name).into_owned(),
    })
}

fn os_name(os: u8) -> &'static str {
    match os {
        5 => "linux",
        17 => "u-boot",
        23 => "arm-trusted-firmware",
        _ => "other",
    }
}

/// Architecture names from U-Boot `include/image.h` (`IH_ARCH_ARM64` is 22).
fn arch_name(arch: u8) -> &'static str {
    match arch {
        2 => "arm",
        3 => "x86",
        5 => "mips",
        6 => "mips64",
        7 => "powerpc",
        9 => "sh",
        20 => "nds32",
        22 => "arm64",
        23 => "arc",
        24 => "x86_64",
        25 => "xtensa",
        26 => "riscv",
        _ => "other",
    }
}

fn type_name(t: u8) -> &'static str {
    match t {
        1 => "standalone",
        2 => "kernel",
        3 => "ramdisk",
        4 => "multi",
        5 => "firmware",
        6 => "script",
        7 => "filesystem",
        8 => "flat-dt",
        _ => "other",
    }
}

fn compression_name(c: u8) -> &'static str {
    match c {
        0 => "none",
        1 => "gzip",
        2 => "bzip2",
        3 => "lzma",
        4 => "lzo",
        5 => "lz4",
        6 => "zstd",
        _ => "other",
    }
}

impl Format for UImage {
    fn id(&self) -> &'static str {
        "uimage"
    }

    fn magic(&self) -> &'static [Magic] {
        const MAGICS: &[Magic] = &[Magic::at_start(&MAGIC), Magic::at_start(&MAGIC_OKLI)];
        MAGICS
    }

    fn probe(&self, data: &[u8]) -> bool {
        parse_header(data).is_ok()
    }

    fn extent(&self, data: &[u8]) -> Option<u64> {
        let header = parse_header(data).ok()?;
        Some(HEADER_LEN as u64 + u64::from(header.data_size))
    }

    fn extract(&self, data: &Bytes, _cx: &Context<'_>) -> Result<Extraction, FormatError> {
        let h = parse_header(data)?;
        let mut extraction = Extraction::default();
        let header_crc = if h.header_crc == h.header_crc_computed {
            "header CRC ok".to_string()
        } else {
            format!(
                "header CRC mismatch (got {:08x}, expected {:08x})",
                h.header_crc_computed, h.header_crc
            )
        };
        extraction.notes.push(format!(
            "uImage `{}`: {} {} {}, compression field {} (not trusted), load 0x{:08x}, entry 0x{:08x}, time {}, {header_crc}",
            h.name,
            os_name(h.os),
            arch_name(h.arch),
            type_name(h.image_type),
            compression_name(h.compression),
            h.load,
            h.entry,
            h.timestamp,
        ));
        let available = data.len() - HEADER_LEN;
        let size = h.data_size as usize;
        let payload = if size > available {
            extraction.truncated = Some(format!(
                "uImage payload of {size} bytes, {available} present"
            ));
            data.slice(HEADER_LEN..data.len())
        } else {
            let payload = data.slice(HEADER_LEN..HEADER_LEN + size);
            if let Some(p) = &payload {
                let computed = crc32(p);
                extraction.notes.push(if computed == h.data_crc {
                    "data CRC ok".to_string()
                } else {
                    format!(
                        "data CRC mismatch (got {computed:08x}, expected {:08x})",
                        h.data_crc
                    )
                });
            }
            payload
        };
        let Some(payload) = payload else {
            return Ok(extraction);
        };
        if h.image_type == TYPE_MULTI {
            split_multi(&payload, &mut extraction);
        } else {
            let mut entry = Entry::new("payload".into(), EntryKind::File);
            entry.path = None;
            entry.blob = Some(Blob::Bytes(payload));
            extraction.entries.push(entry);
        }
        Ok(extraction)
    }
}

/// A multi-file image: u32 BE sizes ending in 0, then each image padded to
/// four bytes.
fn split_multi(payload: &Bytes, extraction: &mut Extraction) {
    let mut sizes = Vec::new();
    let mut pos = 0;
    while let Some(word) = payload.get(pos..pos + 4) {
        pos += 4;
        let size = be32(word, 0) as usize;
        if size == 0 || sizes.len() == MAX_MULTI {
            break;
        }
        sizes.push(size);
    }
    for (i, size) in sizes.into_iter().enumerate() {
        let Some(bytes) = payload.slice(pos..pos.saturating_add(size)) else {
            extraction.truncated = Some(format!("multi-file image part {i} runs past the end"));
            return;
        };
        let mut entry = Entry::new(format!("image-{i}"), EntryKind::File);
        entry.blob = Some(Blob::Bytes(bytes));
        extraction.entries.push(entry);
        pos = pos.saturating_add(size).next_multiple_of(4);
    }
}

/// Build a uImage header for `payload` (for tests and samples).
pub fn build(
    name: &str,
    os: u8,
    arch: u8,
    image_type: u8,
    compression: u8,
    payload: &[u8],
) -> Vec<u8> {
    let mut h = [0u8; HEADER_LEN];
    h[..4].copy_from_slice(&MAGIC);
    h[8..12].copy_from_slice(&1_700_000_000u32.to_be_bytes());
    h[12..16].copy_from_slice(&(payload.len() as u32).to_be_bytes());
    h[16..20].copy_from_slice(&0x8000_8000u32.to_be_bytes());
    h[20..24].copy_from_slice(&0x8000_8000u32.to_be_bytes());
    h[24..28].copy_from_slice(&crc32(payload).to_be_bytes());
    h[28] = os;
    h[29] = arch;
    h[30] = image_type;
    h[31] = compression;
    let n = name.len().min(31);
    h[32..32 + n].copy_from_slice(&name.as_bytes()[..n]);
    let crc = crc32(&h);
    h[4..8].copy_from_slice(&crc.to_be_bytes());
    let mut out = h.to_vec();
    out.extend_from_slice(payload);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_fields_and_crcs_are_reported() {
        let image = build("Linux-4.9.37", 5, 2, 2, 1, b"payload bytes");
        assert!(UImage.probe(&image));
        assert_eq!(UImage.extent(&image), Some(64 + 13));
        let ex = UImage
            .extract(&Bytes::from_vec(image.clone()), &Context::named("x"))
            .expect("extract");
        assert!(
            ex.notes[0].contains("`Linux-4.9.37`: linux arm kernel"),
            "{:?}",
            ex.notes
        );
        assert!(ex.notes[0].contains("header CRC ok"));
        assert_eq!(ex.notes[1], "data CRC ok");
        match &ex.entries[0].blob {
            Some(Blob::Bytes(b)) => assert_eq!(&b[..], b"payload bytes"),
            other => panic!("{other:?}"),
        }

        let mut stale = image;
        stale[70] ^= 1; // payload changed, CRC not updated
        stale[8] ^= 1; // and the timestamp, header CRC not updated
        let ex = UImage
            .extract(&Bytes::from_vec(stale), &Context::named("x"))
            .expect("still unpacked");
        assert!(ex.notes[0].contains("header CRC mismatch"));
        assert!(ex.notes[1].starts_with("data CRC mismatch"));
        assert_eq!(ex.entries.len(), 1);
    }

    #[test]
    fn truncated_payload_is_reported() {
        let mut image = build("rootfs", 5, 5, 7, 0, &[7u8; 1000]);
        image.truncate(500);
        let ex = UImage
            .extract(&Bytes::from_vec(image), &Context::named("x"))
            .expect("extract");
        assert!(ex.truncated.is_some());
        assert_eq!(ex.entries.len(), 1);
    }

    #[test]
    fn multi_file_images_split() {
        let mut payload = Vec::new();
        payload.extend(5u32.to_be_bytes());
        payload.extend(3u32.to_be_bytes());
        payload.extend(0u32.to_be_bytes());
        payload.extend(b"kernl\0\0\0dtb");
        let image = build("multi", 5, 2, TYPE_MULTI, 0, &payload);
        let ex = UImage
            .extract(&Bytes::from_vec(image), &Context::named("x"))
            .expect("extract");
        let names: Vec<_> = ex.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["image-0", "image-1"]);
    }

    #[test]
    fn decoys_are_rejected() {
        let mut junk = vec![0x27, 0x05, 0x19, 0x56];
        junk.extend([0xffu8; 60]);
        assert!(!UImage.probe(&junk));
        assert!(!UImage.probe(&MAGIC));
    }
}
