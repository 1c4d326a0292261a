//! 7-Zip archives: recognised and measured, not unpacked yet.
//!
//! Signature header (32 bytes): magic `37 7A BC AF 27 1C` (domain.md
//! §1.4), version, start-header CRC32, then next-header offset (u64 LE),
//! size (u64 LE) and CRC32. The archive spans 32 + offset + size bytes, so
//! carving can cut it out of a blob exactly even though its content is not
//! read (no permissive pure-Rust reader is in the build yet).

use crate::unpack::blob::Bytes;
use crate::unpack::{Context, Extraction, Format, FormatError, Magic};

const MAGIC: [u8; 6] = [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c];

/// The 7z format.
pub struct SevenZip;

fn parse(data: &[u8]) -> Result<u64, FormatError> {
    let Some(h) = data.get(..32) else {
        return Err(FormatError::malformed("shorter than a 7z signature header"));
    };
    if h[..6] != MAGIC || h[6] != 0 {
        return Err(FormatError::malformed("no 7z signature"));
    }
    let mut crc = flate2::Crc::new();
    crc.update(&h[12..32]);
    if crc.sum() != u32::from_le_bytes([h[8], h[9], h[10], h[11]]) {
        return Err(FormatError::malformed("7z start header CRC mismatch"));
    }
    let u64_at = |at: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&h[at..at + 8]);
        u64::from_le_bytes(b)
    };
    32u64
        .checked_add(u64_at(12))
        .and_then(|n| n.checked_add(u64_at(20)))
        .ok_or_else(|| FormatError::malformed("7z header offsets overflow"))
}

impl Format for SevenZip {
    fn id(&self) -> &'static str {
        "7z"
    }

    fn magic(&self) -> &'static [Magic] {
        const MAGICS: &[Magic] = &[Magic::at_start(&MAGIC)];
        MAGICS
    }

    fn probe(&self, data: &[u8]) -> bool {
        parse(data).is_ok()
    }

    fn extent(&self, data: &[u8]) -> Option<u64> {
        parse(data).ok()
    }

    fn extract(&self, data: &Bytes, _cx: &Context<'_>) -> Result<Extraction, FormatError> {
        let len = parse(data)?;
        Err(FormatError::Unsupported(format!(
            "7z archive of {len} bytes recognised; 7z content is not read yet"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(next_offset: u64, next_size: u64) -> Vec<u8> {
        let mut h = MAGIC.to_vec();
        h.extend([0, 4, 0, 0, 0, 0]);
        h.extend(next_offset.to_le_bytes());
        h.extend(next_size.to_le_bytes());
        h.extend([0u8; 4]);
        let mut crc = flate2::Crc::new();
        crc.update(&h[12..32]);
        h[8..12].copy_from_slice(&crc.sum().to_le_bytes());
        h
    }

    #[test]
    fn extent_from_the_signature_header() {
        let mut data = header(100, 30);
        data.resize(200, 0);
        assert!(SevenZip.probe(&data));
        assert_eq!(SevenZip.extent(&data), Some(162));
        let mut bad = data.clone();
        bad[15] ^= 1;
        assert!(!SevenZip.probe(&bad));
        assert!(
            SevenZip
                .extract(&Bytes::from_vec(data), &Context::named("a.7z"))
                .is_err()
        );
    }
}
