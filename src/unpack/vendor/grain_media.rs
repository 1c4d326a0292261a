//! Grain Media GM8126/GM8136 firmware (domain.md §1.1, FACT `gm8126`
//! plugin): magic `80 5A 47 4D` (`\x80ZGM`), payload size (u32 BE) at 8,
//! image name at 0x10, payload at 0x100. The payload is usually a kernel.

use crate::model::EntryKind;
use crate::unpack::blob::{Blob, Bytes};
use crate::unpack::{Context, Entry, Extraction, Format, FormatError, Magic};

const MAGIC: [u8; 4] = [0x80, 0x5a, 0x47, 0x4d];
const PAYLOAD_AT: u64 = 0x100;

/// The Grain Media format.
pub struct GrainMedia;

fn parse(data: &[u8]) -> Result<(u64, String), FormatError> {
    let h = data
        .get(..0x30)
        .ok_or_else(|| FormatError::malformed("shorter than a Grain Media header"))?;
    if h[..4] != MAGIC {
        return Err(FormatError::malformed("no Grain Media magic"));
    }
    let size = u64::from(u32::from_be_bytes([h[8], h[9], h[10], h[11]]));
    let name = &h[0x10..0x30];
    let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())];
    if size == 0 || name.iter().any(|&b| !(0x20..0x7f).contains(&b)) {
        return Err(FormatError::malformed("implausible Grain Media header"));
    }
    Ok((size, String::from_utf8_lossy(name).into_owned()))
}

impl Format for GrainMedia {
    fn id(&self) -> &'static str {
        "grain-media"
    }

    fn magic(&self) -> &'static [Magic] {
        const MAGICS: &[Magic] = &[Magic::at_start(&MAGIC)];
        MAGICS
    }

    fn probe(&self, data: &[u8]) -> bool {
        parse(data).is_ok()
    }

    fn extent(&self, data: &[u8]) -> Option<u64> {
        parse(data).ok().map(|(size, _)| PAYLOAD_AT + size)
    }

    fn extract(&self, data: &Bytes, _cx: &Context<'_>) -> Result<Extraction, FormatError> {
        let (size, name) = parse(data)?;
        let mut extraction = Extraction::default();
        extraction
            .notes
            .push(format!("grain media image `{name}`, {size} bytes"));
        let mut entry = Entry::new("kernel.img".into(), EntryKind::File);
        entry.path = None;
        match data.slice_at(PAYLOAD_AT, size) {
            Some(bytes) => entry.blob = Some(Blob::Bytes(bytes)),
            None => entry.error = Some("payload runs past the end".into()),
        }
        extraction.entries.push(entry);
        Ok(extraction)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_and_decoys() {
        let mut image = MAGIC.to_vec();
        image.extend([0u8; 4]);
        image.extend(10u32.to_be_bytes());
        image.extend([0u8; 4]);
        image.extend(b"image name");
        image.resize(0x100, 0);
        image.extend(b"foobar 123");
        assert!(GrainMedia.probe(&image));
        let ex = GrainMedia
            .extract(&Bytes::from_vec(image), &Context::named("x"))
            .expect("extract");
        assert_eq!(
            ex.entries[0].blob.as_ref().and_then(|b| b.read_prefix(99)),
            Some(b"foobar 123".to_vec())
        );
        assert!(!GrainMedia.probe(&MAGIC));
    }
}
