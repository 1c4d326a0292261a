//! Instar (old Foscam-clone cameras) `BNEG` firmware (domain.md §1.1, FACT
//! `bneg` plugin): u32 LE magic `BNEG`, major, minor, then the sizes of two
//! partitions (kernel, rootfs) that follow the 20-byte header back to back.

use crate::model::EntryKind;
use crate::unpack::blob::{Blob, Bytes};
use crate::unpack::{Context, Entry, Extraction, Format, FormatError, Magic};

const MAGIC: &[u8; 4] = b"BNEG";
const HEADER: usize = 20;

/// The Instar BNEG format.
pub struct InstarBneg;

fn parse(data: &[u8]) -> Result<(u32, u32, [u64; 2]), FormatError> {
    let h = data
        .get(..HEADER)
        .ok_or_else(|| FormatError::malformed("shorter than a BNEG header"))?;
    if h[..4] != *MAGIC {
        return Err(FormatError::malformed("no BNEG magic"));
    }
    let w = |at: usize| u32::from_le_bytes([h[at], h[at + 1], h[at + 2], h[at + 3]]);
    let sizes = [u64::from(w(12)), u64::from(w(16))];
    if w(4) > 255 || w(8) > 255 || sizes.contains(&0) {
        return Err(FormatError::malformed("implausible BNEG header"));
    }
    Ok((w(4), w(8), sizes))
}

impl Format for InstarBneg {
    fn id(&self) -> &'static str {
        "instar-bneg"
    }

    fn magic(&self) -> &'static [Magic] {
        const MAGICS: &[Magic] = &[Magic::at_start(MAGIC)];
        MAGICS
    }

    fn probe(&self, data: &[u8]) -> bool {
        parse(data).is_ok()
    }

    fn extent(&self, data: &[u8]) -> Option<u64> {
        parse(data)
            .ok()
            .map(|(_, _, s)| HEADER as u64 + s[0] + s[1])
    }

    fn extract(&self, data: &Bytes, _cx: &Context<'_>) -> Result<Extraction, FormatError> {
        let (major, minor, sizes) = parse(data)?;
        let mut extraction = Extraction::default();
        extraction
            .notes
            .push(format!("instar BNEG v{major}.{minor}"));
        let mut at = HEADER as u64;
        for (i, size) in sizes.into_iter().enumerate() {
            let mut entry = Entry::new(format!("partition_{}.bin", i + 1), EntryKind::File);
            match data.slice_at(at, size) {
                Some(bytes) => entry.blob = Some(Blob::Bytes(bytes)),
                None => {
                    entry.error = Some("partition runs past the end".into());
                    extraction.truncated =
                        Some(format!("BNEG partition {} runs past the end", i + 1));
                }
            }
            extraction.entries.push(entry);
            at += size;
        }
        Ok(extraction)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_and_decoys() {
        let mut image = MAGIC.to_vec();
        for w in [1u32, 2, 7, 8] {
            image.extend(w.to_le_bytes());
        }
        image.extend(b"foobar\ntest123\n");
        assert!(InstarBneg.probe(&image));
        let ex = InstarBneg
            .extract(&Bytes::from_vec(image), &Context::named("fw.bin"))
            .expect("extract");
        let parts: Vec<_> = ex
            .entries
            .iter()
            .map(|e| e.blob.as_ref().and_then(|b| b.read_prefix(99)))
            .collect();
        assert_eq!(
            parts,
            [Some(b"foobar\n".to_vec()), Some(b"test123\n".to_vec())]
        );
        assert!(!InstarBneg.probe(b"BNEG is a magic"));
    }
}
