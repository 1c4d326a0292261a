//! TRX (Broadcom/Netgear firmware, `HDR0`; domain.md §1.4), from OpenWrt
//! `tools/firmware-utils/src/trx.c`.
//!
//! Header (u32 LE): magic `HDR0`, total length, CRC32 (over the image from
//! the flags field, offset 12, to the length; OpenWrt computes it with the
//! standard polynomial, initial value all ones and no final inversion),
//! flags/version (u16 each), then three (v1) or four (v2) partition offsets
//! from the start of the header; zero marks an unused slot. Partitions run
//! to the next offset or to the total length.

use crate::model::EntryKind;
use crate::unpack::blob::{Blob, Bytes};
use crate::unpack::{Context, Entry, Extraction, Format, FormatError, Magic};

const MAGIC: [u8; 4] = *b"HDR0";

/// The TRX format.
pub struct Trx;

struct Header {
    len: u32,
    crc: u32,
    version: u16,
    offsets: Vec<u32>,
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn parse_header(data: &[u8]) -> Result<Header, FormatError> {
    let h = data
        .get(..32)
        .ok_or_else(|| FormatError::malformed("shorter than a TRX header"))?;
    if h[..4] != MAGIC {
        return Err(FormatError::malformed("no TRX magic"));
    }
    let version = u16::from_le_bytes([h[14], h[15]]);
    let slots = match version {
        1 => 3,
        2 => 4,
        v => return Err(FormatError::malformed(format!("TRX version {v}"))),
    };
    let len = le32(h, 4);
    let offsets: Vec<u32> = (0..slots)
        .map(|i| le32(h, 16 + 4 * i))
        .filter(|&o| o != 0)
        .collect();
    let header_len = 16 + 4 * slots as u32;
    if len < header_len
        || offsets.iter().any(|&o| o < header_len || o >= len)
        || !offsets.is_sorted()
    {
        return Err(FormatError::malformed("TRX offsets outside the image"));
    }
    Ok(Header {
        len,
        crc: le32(h, 8),
        version,
        offsets,
    })
}

/// CRC32 as TRX tools compute it: standard table, no final inversion.
fn trx_crc(bytes: &[u8]) -> u32 {
    let mut crc = flate2::Crc::new();
    crc.update(bytes);
    !crc.sum()
}

impl Format for Trx {
    fn id(&self) -> &'static str {
        "trx"
    }

    fn magic(&self) -> &'static [Magic] {
        const MAGICS: &[Magic] = &[Magic::at_start(&MAGIC)];
        MAGICS
    }

    fn probe(&self, data: &[u8]) -> bool {
        parse_header(data).is_ok()
    }

    fn extent(&self, data: &[u8]) -> Option<u64> {
        parse_header(data).ok().map(|h| u64::from(h.len))
    }

    fn extract(&self, data: &Bytes, _cx: &Context<'_>) -> Result<Extraction, FormatError> {
        let h = parse_header(data)?;
        let mut extraction = Extraction::default();
        let end = (h.len as usize).min(data.len());
        if (h.len as usize) > data.len() {
            extraction.truncated = Some(format!("TRX of {} bytes, {} present", h.len, data.len()));
        }
        let crc = if extraction.truncated.is_none() {
            let computed = trx_crc(&data[12..end]);
            if computed == h.crc {
                "CRC ok".to_string()
            } else {
                format!("CRC mismatch (got {computed:08x}, expected {:08x})", h.crc)
            }
        } else {
            "CRC not checked".to_string()
        };
        extraction.notes.push(format!(
            "trx v{}, {} bytes, {} partitions, {crc}",
            h.version,
            h.len,
            h.offsets.len()
        ));
        for (i, &start) in h.offsets.iter().enumerate() {
            let stop = h.offsets.get(i + 1).map_or(end, |&n| (n as usize).min(end));
            let mut entry = Entry::new(format!("partition{i}"), EntryKind::File);
            match data.slice(start as usize..stop.max(start as usize)) {
                Some(bytes) => entry.blob = Some(Blob::Bytes(bytes)),
                None => entry.error = Some("partition runs past the end".into()),
            }
            extraction.entries.push(entry);
        }
        Ok(extraction)
    }
}

/// Build a TRX v1 image of up to three partitions (for tests).
pub fn build(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = vec![0u8; 28];
    out[..4].copy_from_slice(&MAGIC);
    out[14..16].copy_from_slice(&1u16.to_le_bytes());
    for (i, part) in parts.iter().take(3).enumerate() {
        let at = out.len() as u32;
        out[16 + 4 * i..20 + 4 * i].copy_from_slice(&at.to_le_bytes());
        out.extend_from_slice(part);
    }
    let len = out.len() as u32;
    out[4..8].copy_from_slice(&len.to_le_bytes());
    let crc = trx_crc(&out[12..]);
    out[8..12].copy_from_slice(&crc.to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_and_crc() {
        let image = build(&[b"loader", b"kernel!", b"rootfs"]);
        assert!(Trx.probe(&image));
        assert_eq!(Trx.extent(&image), Some(image.len() as u64));
        let ex = Trx
            .extract(&Bytes::from_vec(image.clone()), &Context::named("fw.trx"))
            .expect("extract");
        assert!(ex.notes[0].contains("CRC ok"), "{:?}", ex.notes);
        let parts: Vec<_> = ex
            .entries
            .iter()
            .map(|e| {
                e.blob
                    .as_ref()
                    .and_then(|b| b.read_prefix(100))
                    .expect("data")
            })
            .collect();
        assert_eq!(
            parts,
            [b"loader".to_vec(), b"kernel!".to_vec(), b"rootfs".to_vec()]
        );
        let mut bad = image;
        bad[40] ^= 1;
        let ex = Trx
            .extract(&Bytes::from_vec(bad), &Context::named("x"))
            .expect("extract");
        assert!(ex.notes[0].contains("CRC mismatch"));
    }

    #[test]
    fn decoys_are_rejected() {
        let mut junk = b"HDR0".to_vec();
        junk.resize(64, 0xff);
        assert!(!Trx.probe(&junk));
    }
}
