//! Anjvision firmware (`ANJOY888`; domain.md §1.1, BANG `anjvision.ksy`).
//! LE header: magic, reserved, total length at 12, a constant 3 at 16,
//! header length at 20, data (U-Boot) length at 24. U-Boot follows the
//! header; the filesystem (squashfs) is the rest up to the total length.

use crate::model::EntryKind;
use crate::unpack::blob::{Blob, Bytes};
use crate::unpack::{Context, Entry, Extraction, Format, FormatError, Magic};

const MAGIC: &[u8; 8] = b"ANJOY888";

/// The Anjvision format.
pub struct Anjvision;

fn parse(data: &[u8]) -> Result<(usize, usize, usize), FormatError> {
    let h = data
        .get(..28)
        .ok_or_else(|| FormatError::malformed("shorter than an Anjvision header"))?;
    if h[..8] != *MAGIC {
        return Err(FormatError::malformed("no ANJOY888 magic"));
    }
    let w = |at: usize| u32::from_le_bytes([h[at], h[at + 1], h[at + 2], h[at + 3]]) as usize;
    let (total, header, uboot) = (w(12), w(20), w(24));
    if header < 28 || header.saturating_add(uboot) > total {
        return Err(FormatError::malformed("implausible Anjvision header"));
    }
    Ok((total, header, uboot))
}

impl Format for Anjvision {
    fn id(&self) -> &'static str {
        "anjvision"
    }

    fn magic(&self) -> &'static [Magic] {
        const MAGICS: &[Magic] = &[Magic::at_start(MAGIC)];
        MAGICS
    }

    fn probe(&self, data: &[u8]) -> bool {
        parse(data).is_ok()
    }

    fn extent(&self, data: &[u8]) -> Option<u64> {
        parse(data).ok().map(|(total, _, _)| total as u64)
    }

    fn extract(&self, data: &Bytes, _cx: &Context<'_>) -> Result<Extraction, FormatError> {
        let (total, header, uboot) = parse(data)?;
        let mut extraction = Extraction::default();
        if total > data.len() {
            extraction.truncated = Some(format!(
                "Anjvision image of {total} bytes, {} present",
                data.len()
            ));
        }
        let end = total.min(data.len());
        for (name, range) in [
            ("u-boot.bin", header..header + uboot),
            ("rootfs.bin", header + uboot..end),
        ] {
            let mut entry = Entry::new(name.into(), EntryKind::File);
            match data.slice(range.start.min(end)..range.end.min(end)) {
                Some(bytes) => entry.blob = Some(Blob::Bytes(bytes)),
                None => entry.error = Some("part runs past the end".into()),
            }
            extraction.entries.push(entry);
        }
        Ok(extraction)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_and_decoys() {
        let mut image = MAGIC.to_vec();
        image.extend([0u8; 4]);
        image.extend((28u32 + 5 + 6).to_le_bytes());
        image.extend(3u32.to_le_bytes());
        image.extend(28u32.to_le_bytes());
        image.extend(5u32.to_le_bytes());
        image.extend(b"uboothsqs..");
        let ex = Anjvision
            .extract(&Bytes::from_vec(image), &Context::named("x"))
            .expect("extract");
        let parts: Vec<_> = ex
            .entries
            .iter()
            .map(|e| e.blob.as_ref().and_then(|b| b.read_prefix(99)))
            .collect();
        assert_eq!(parts, [Some(b"uboot".to_vec()), Some(b"hsqs..".to_vec())]);
        assert!(!Anjvision.probe(b"ANJOY888"));
    }
}
