//! Arcadyan obfuscated LZMA firmware (binwalk `src/extractors/arcadyan.rs`,
//! domain.md §1.4 family): signature `00 D5 08 00` at 0x68. To read it,
//! swap the 32-byte blocks at 0x04 and 0x68, swap the nibbles of every
//! byte of the first block, then swap its byte pairs; an LZMA-alone stream
//! then starts at 4.

use crate::model::EntryKind;
use crate::unpack::blob::{Blob, Bytes};
use crate::unpack::lzma::{CODEC, Lzma};
use crate::unpack::{Context, Entry, Extraction, Format, FormatError, Magic};

const SIGNATURE: [u8; 4] = [0x00, 0xd5, 0x08, 0x00];
const SIGNATURE_AT: usize = 0x68;
const BLOCK: usize = 32;

/// The Arcadyan obfuscated-LZMA format.
pub struct Arcadyan;

/// Undo the obfuscation of the first 0x88 bytes.
fn deobfuscate(data: &[u8]) -> Option<Vec<u8>> {
    let mut out = data.get(..SIGNATURE_AT + BLOCK)?.to_vec();
    let (head, tail) = out.split_at_mut(SIGNATURE_AT);
    head[4..4 + BLOCK].swap_with_slice(&mut tail[..BLOCK]);
    for b in &mut out[4..4 + BLOCK] {
        *b = b.rotate_left(4);
    }
    for pair in out[4..4 + BLOCK].chunks_exact_mut(2) {
        pair.swap(0, 1);
    }
    Some(out)
}

impl Format for Arcadyan {
    fn id(&self) -> &'static str {
        "arcadyan"
    }

    fn magic(&self) -> &'static [Magic] {
        const MAGICS: &[Magic] = &[Magic {
            offset: SIGNATURE_AT,
            bytes: &SIGNATURE,
        }];
        MAGICS
    }

    fn probe(&self, data: &[u8]) -> bool {
        data.get(SIGNATURE_AT..SIGNATURE_AT + 4) == Some(&SIGNATURE[..])
            && deobfuscate(data).is_some_and(|head| Lzma.probe(&head[4..]))
    }

    fn extract(&self, data: &Bytes, _cx: &Context<'_>) -> Result<Extraction, FormatError> {
        let head = deobfuscate(data).ok_or_else(|| FormatError::truncated("Arcadyan header"))?;
        let mut stream = head[4..].to_vec();
        stream.extend_from_slice(&data[SIGNATURE_AT + BLOCK..]);
        let mut entry = Entry::new("decompressed.bin".into(), EntryKind::File);
        entry.path = None;
        entry.blob = Some(Blob::Decode {
            codec: CODEC,
            input: Bytes::from_vec(stream),
        });
        let mut extraction = Extraction::default();
        extraction
            .notes
            .push("arcadyan: obfuscated LZMA header restored".into());
        extraction.entries.push(entry);
        Ok(extraction)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Obfuscation is its own inverse on the swapped blocks.
    fn obfuscate(plain: &[u8]) -> Vec<u8> {
        let mut out = plain.to_vec();
        for pair in out[4..4 + BLOCK].chunks_exact_mut(2) {
            pair.swap(0, 1);
        }
        for b in &mut out[4..4 + BLOCK] {
            *b = b.rotate_left(4);
        }
        let (head, tail) = out.split_at_mut(SIGNATURE_AT);
        head[4..4 + BLOCK].swap_with_slice(&mut tail[..BLOCK]);
        out
    }

    #[test]
    fn restores_and_decodes() {
        // The signature is the obfuscated LZMA header `5D 00 00 80` (8 MiB
        // dictionary), so a real stream produces it by itself.
        let text: Vec<u8> = (0..3000u32)
            .flat_map(|i| format!("{i} arcadyan ").into_bytes())
            .collect();
        let mut opts = liblzma::stream::LzmaOptions::new_preset(1).expect("preset");
        opts.dict_size(8 << 20);
        let enc = liblzma::stream::Stream::new_lzma_encoder(&opts).expect("encoder");
        let mut w = liblzma::write::XzEncoder::new_stream(Vec::new(), enc);
        std::io::Write::write_all(&mut w, &text).expect("write");
        let mut plain = vec![0u8; 4];
        plain.extend(w.finish().expect("finish"));
        let image = obfuscate(&plain);
        assert_eq!(&image[SIGNATURE_AT..SIGNATURE_AT + 4], &SIGNATURE);
        assert!(Arcadyan.probe(&image));
        let ex = Arcadyan
            .extract(&Bytes::from_vec(image), &Context::named("fw.bin"))
            .expect("extract");
        assert_eq!(
            ex.entries[0]
                .blob
                .as_ref()
                .and_then(|b| b.read_prefix(u64::MAX)),
            Some(text)
        );
        assert!(!Arcadyan.probe(&[0u8; 200]));
    }

    /// The kernel stream is decoded from a rebuilt copy; what follows it
    /// (a root filesystem) is still the image's own bytes, read where they are.
    #[test]
    fn what_follows_the_kernel_is_read_in_the_image() {
        let mut opts = liblzma::stream::LzmaOptions::new_preset(1).expect("preset");
        opts.dict_size(8 << 20);
        let enc = liblzma::stream::Stream::new_lzma_encoder(&opts).expect("encoder");
        let mut w = liblzma::write::XzEncoder::new_stream(Vec::new(), enc);
        let kernel: Vec<u8> = (0..3000u32)
            .flat_map(|i| format!("{i} kernel ").into_bytes())
            .collect();
        std::io::Write::write_all(&mut w, &kernel).expect("write");
        let mut plain = vec![0u8; 4];
        plain.extend(w.finish().expect("finish"));
        let rootfs_at = plain.len();
        plain.extend(b"rootfs: no magic, only text ".repeat(10));
        let image = obfuscate(&plain);
        let root = crate::unpack::Unpacker::new(crate::unpack::Limits::default())
            .unpack("fw.bin", Bytes::from_vec(image));
        let after = root
            .iter()
            .find(|a| {
                a.location.0.last().and_then(|s| s.format) == Some(crate::unpack::AFTER_STREAM)
            })
            .expect("the bytes after the kernel are listed");
        let offset = format!("0x{rootfs_at:08x}");
        assert_eq!(
            after.location.0.last().and_then(|s| s.path.as_deref()),
            Some(offset.as_str())
        );
        assert_eq!(after.size, 280);
    }
}
