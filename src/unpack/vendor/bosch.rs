//! Bosch camera firmware (`.fw`; anvilsecure BoschFirmwareTool, domain.md
//! §1.1). Big-endian 0x400-byte headers with magic `10 12 20 03`: the root
//! header, then sub-images, each a header (data length at 0x10) and data
//! XOR-ed with `0x42`. Decoded data holds file records: magic
//! `DE AD AF FE`, offset of the next record, name\[32\], length at 40,
//! contents from 0x40. Newer, encrypted Bosch images are not read.

use crate::model::EntryKind;
use crate::unpack::blob::{Blob, Bytes};
use crate::unpack::{Context, Entry, Extraction, Format, FormatError, Magic};

const MAGIC: [u8; 4] = [0x10, 0x12, 0x20, 0x03];
const FILE_MAGIC: [u8; 4] = [0xde, 0xad, 0xaf, 0xfe];
const HEADER: usize = 0x400;
const KEY: u8 = 0x42;
const MAX_FILES: usize = 10_000;

/// The Bosch firmware format.
pub struct BoschFw;

fn be32(b: &[u8], at: usize) -> Option<usize> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?) as usize)
}

/// (data start, data length) of each sub-image.
fn sub_images(data: &[u8]) -> Result<Vec<(usize, usize)>, FormatError> {
    if data.get(..4) != Some(&MAGIC[..]) {
        return Err(FormatError::malformed("no Bosch magic"));
    }
    let mut out = Vec::new();
    let mut at = HEADER;
    while data.get(at..at + 4) == Some(&MAGIC[..]) && out.len() < 64 {
        let len =
            be32(data, at + 0x10).ok_or_else(|| FormatError::truncated("Bosch sub-header"))?;
        out.push((at + HEADER, len));
        at = (at + HEADER).saturating_add(len);
    }
    if out.is_empty() {
        return Err(FormatError::malformed("Bosch image without sub-images"));
    }
    Ok(out)
}

impl Format for BoschFw {
    fn id(&self) -> &'static str {
        "bosch-fw"
    }

    fn magic(&self) -> &'static [Magic] {
        const MAGICS: &[Magic] = &[Magic::at_start(&MAGIC)];
        MAGICS
    }

    fn probe(&self, data: &[u8]) -> bool {
        sub_images(data).is_ok()
    }

    fn extract(&self, data: &Bytes, cx: &Context<'_>) -> Result<Extraction, FormatError> {
        let mut extraction = Extraction::default();
        for (start, len) in sub_images(data)? {
            let Some(raw) = data.get(start..start.saturating_add(len)) else {
                extraction.truncated = Some("Bosch sub-image runs past the end".into());
                break;
            };
            let plain = Bytes::from_vec(raw.iter().map(|b| b ^ KEY).collect());
            let mut at = 0;
            while plain.get(at..at + 4) == Some(&FILE_MAGIC[..])
                && extraction.entries.len() < MAX_FILES
            {
                if cx.full(extraction.entries.len()) {
                    return Ok(extraction);
                }
                let (Some(next), Some(size)) = (be32(&plain, at + 4), be32(&plain, at + 40)) else {
                    break;
                };
                if size == 0 {
                    break;
                }
                let name = &plain[at + 8..(at + 40).min(plain.len())];
                let name = String::from_utf8_lossy(
                    &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())],
                )
                .into_owned();
                let mut entry = Entry::new(name, EntryKind::File);
                match plain.slice(at + 0x40..(at + 0x40).saturating_add(size)) {
                    Some(content) => entry.blob = Some(Blob::Bytes(content)),
                    None => entry.error = Some("file runs past its sub-image".into()),
                }
                extraction.entries.push(entry);
                if next == 0 {
                    break;
                }
                at += next;
            }
        }
        Ok(extraction)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xor_decoded_files_and_decoys() {
        let mut files = Vec::new();
        for (name, content) in [
            ("a.txt", &b"this is a test file!\n"[..]),
            ("b.txt", b"another"),
        ] {
            let mut r = FILE_MAGIC.to_vec();
            r.extend(((0x40 + content.len()) as u32).to_be_bytes());
            let mut n = [0u8; 32];
            n[..name.len()].copy_from_slice(name.as_bytes());
            r.extend(n);
            r.extend((content.len() as u32).to_be_bytes());
            r.resize(0x40, 0);
            r.extend(content);
            files.extend(r);
        }
        let mut image = MAGIC.to_vec();
        image.resize(HEADER, 0);
        let mut sub = MAGIC.to_vec();
        sub.resize(HEADER, 0);
        sub[0x10..0x14].copy_from_slice(&(files.len() as u32).to_be_bytes());
        image.extend(sub);
        image.extend(files.iter().map(|b| b ^ KEY));
        let ex = BoschFw
            .extract(&Bytes::from_vec(image), &Context::named("x.fw"))
            .expect("extract");
        let names: Vec<_> = ex.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["a.txt", "b.txt"]);
        assert!(!BoschFw.probe(&MAGIC));
    }
}
