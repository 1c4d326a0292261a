//! Ambarella ROMFS (S2L/S5L/CV SoCs: UniFi, Xiaomi, dash cams; domain.md
//! §1.1; layout of phantom_firmware_tools `amba_romfs.py` and BANG
//! `romfs_ambarella.ksy`). LE: file count at 0, magic `8A 32 FC 66` at 4,
//! 0xFF up to 0x800, then 128-byte entries {name\[116\], offset (absolute),
//! size, magic `76 AB 87 23`}.

use crate::model::EntryKind;
use crate::unpack::blob::{Blob, Bytes};
use crate::unpack::{Context, Entry, Extraction, Format, FormatError, Magic};

const MAGIC: [u8; 4] = [0x8a, 0x32, 0xfc, 0x66];
const ENTRY_MAGIC: u32 = 0x2387_ab76;
const TABLE: usize = 0x800;
const ENTRY: usize = 128;
const MAX_FILES: usize = 65_536;

/// The Ambarella ROMFS format.
pub struct AmbarellaRomfs;

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn entries(data: &[u8]) -> Result<Vec<(String, u64, u64)>, FormatError> {
    if data.get(4..8) != Some(&MAGIC[..]) {
        return Err(FormatError::malformed("no Ambarella ROMFS magic"));
    }
    let count = le32(data, 0) as usize;
    if count == 0 || count > MAX_FILES {
        return Err(FormatError::malformed(
            "implausible Ambarella ROMFS file count",
        ));
    }
    (0..count)
        .map(|i| {
            let e = data
                .get(TABLE + i * ENTRY..TABLE + (i + 1) * ENTRY)
                .ok_or_else(|| FormatError::truncated("Ambarella ROMFS entry table"))?;
            if le32(e, 124) != ENTRY_MAGIC {
                return Err(FormatError::malformed(format!(
                    "Ambarella ROMFS entry {i} magic"
                )));
            }
            let name = &e[..116];
            let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(116)];
            Ok((
                String::from_utf8_lossy(name).into_owned(),
                u64::from(le32(e, 116)),
                u64::from(le32(e, 120)),
            ))
        })
        .collect()
}

impl Format for AmbarellaRomfs {
    fn id(&self) -> &'static str {
        "ambarella-romfs"
    }

    fn magic(&self) -> &'static [Magic] {
        const MAGICS: &[Magic] = &[Magic {
            offset: 4,
            bytes: &MAGIC,
        }];
        MAGICS
    }

    fn probe(&self, data: &[u8]) -> bool {
        entries(data).is_ok()
    }

    fn extent(&self, data: &[u8]) -> Option<u64> {
        entries(data)
            .ok()?
            .iter()
            .map(|(_, at, size)| at + size.next_multiple_of(2048))
            .max()
    }

    fn extract(&self, data: &Bytes, cx: &Context<'_>) -> Result<Extraction, FormatError> {
        let mut extraction = Extraction::default();
        for (name, at, size) in entries(data)? {
            if cx.full(extraction.entries.len()) {
                break;
            }
            let mut entry = Entry::new(name, EntryKind::File);
            match data.slice_at(at, size) {
                Some(bytes) => entry.blob = Some(Blob::Bytes(bytes)),
                None => entry.error = Some("file runs past the end".into()),
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
    fn files_and_decoys() {
        let mut image = 1u32.to_le_bytes().to_vec();
        image.extend(MAGIC);
        image.resize(TABLE, 0xff);
        let mut e = vec![0u8; ENTRY];
        e[..8].copy_from_slice(b"dsp.conf");
        e[116..120].copy_from_slice(&4096u32.to_le_bytes());
        e[120..124].copy_from_slice(&5u32.to_le_bytes());
        e[124..128].copy_from_slice(&ENTRY_MAGIC.to_le_bytes());
        image.extend(e);
        image.resize(4096, 0xff);
        image.extend(b"x=1\n\n");
        let ex = AmbarellaRomfs
            .extract(&Bytes::from_vec(image), &Context::named("rom.fs"))
            .expect("extract");
        assert_eq!(ex.entries[0].name, "dsp.conf");
        assert_eq!(
            ex.entries[0].blob.as_ref().and_then(|b| b.read_prefix(99)),
            Some(b"x=1\n\n".to_vec())
        );
        let mut junk = vec![1, 0, 0, 0];
        junk.extend(MAGIC);
        junk.resize(TABLE + ENTRY, 0);
        assert!(!AmbarellaRomfs.probe(&junk));
    }
}
