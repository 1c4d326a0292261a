//! UBI images (raw NAND dumps of NVRs and Reolink cameras; domain.md §1.4),
//! from Linux `drivers/mtd/ubi/ubi-media.h`. Each volume becomes an
//! artifact; UBIFS inside it is read by [`super::ubifs`].
//!
//! Every physical eraseblock (PEB) starts with an erase-counter header
//! (`UBI#`: VID header offset, data offset, image sequence number) and, if
//! mapped, a volume-identifier header (`UBI!`: volume type, copy flag,
//! volume id, logical block number, data size, used blocks, data pad,
//! sequence number). All fields are big-endian; header CRCs are CRC-32
//! with an all-ones seed and no final inversion. The PEB size is where the
//! next valid erase-counter header starts. For each (volume, LEB) the copy
//! with the highest sequence number wins. The volume table is LEB 0 of the
//! layout volume (`0x7FFFEFFF`), 172 bytes a record. A static volume is its
//! used blocks' data; a dynamic one is every LEB, unmapped ones erased
//! (0xFF). Volumes are assembled lazily when opened.

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::ops::Range;
use std::sync::Arc;

use memchr::memmem;

use crate::model::EntryKind;
use crate::unpack::blob::{Blob, Bytes, Piece, Pieces, Source};
use crate::unpack::{Context, Entry, Extraction, Format, FormatError, Magic, checksum_matches};

const EC_MAGIC: &[u8; 4] = b"UBI#";
const VID_MAGIC: &[u8; 4] = b"UBI!";
const LAYOUT_VOLUME: u32 = 0x7fff_efff;
const VTBL_RECORD: usize = 172;
const MAX_VOLUMES: usize = 128;
const STATIC: u8 = 2;

/// The UBI format.
pub struct Ubi;

/// UBI's CRC-32: all-ones seed, no final inversion.
pub fn crc(bytes: &[u8]) -> u32 {
    !crc32fast::hash(bytes)
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// A valid erase-counter header at `at`: (VID header offset, data offset).
fn ec_header(data: &[u8], at: usize) -> Option<(usize, usize, u32)> {
    let h = data.get(at..at + 64)?;
    (h[..4] == *EC_MAGIC && h[4] == 1 && checksum_matches(crc(&h[..60]), be32(h, 60)))
        .then(|| (be32(h, 16) as usize, be32(h, 20) as usize, be32(h, 24)))
}

/// The PEB size: where the next valid erase-counter header starts.
fn peb_size(data: &[u8]) -> Option<usize> {
    memmem::find_iter(&data[4..], EC_MAGIC)
        .map(|at| at + 4)
        .find(|&at| ec_header(data, at).is_some())
        .or_else(|| (ec_header(data, 0).is_some()).then_some(data.len()))
}

#[derive(Debug, Clone)]
struct Leb {
    sqnum: u64,
    data: Range<usize>,
    vol_type: u8,
    used_ebs: u32,
}

struct Layout {
    peb: usize,
    leb_size: usize,
    image_seq: u32,
    /// (volume, LEB) → the newest copy.
    lebs: BTreeMap<(u32, u32), Leb>,
    end: usize,
}

fn scan(data: &[u8]) -> Result<Layout, FormatError> {
    let (vid_at, data_at, image_seq) = ec_header(data, 0)
        .ok_or_else(|| FormatError::malformed("no valid UBI erase-counter header"))?;
    let peb =
        peb_size(data).ok_or_else(|| FormatError::malformed("UBI eraseblock size not found"))?;
    if vid_at + 64 > peb || data_at >= peb {
        return Err(FormatError::malformed(
            "UBI header offsets outside the eraseblock",
        ));
    }
    let mut lebs: BTreeMap<(u32, u32), Leb> = BTreeMap::new();
    let mut end = 0;
    let mut leb_size = peb - data_at;
    for start in (0..data.len()).step_by(peb) {
        let Some((vid_at, data_at, _)) =
            ec_header(data, start).filter(|(v, d, _)| *v + 64 <= peb && *d < peb)
        else {
            if data[start..(start + peb).min(data.len())]
                .iter()
                .all(|&b| b == 0xff)
            {
                end = start + peb;
                continue;
            }
            break;
        };
        end = (start + peb).min(data.len());
        let Some(v) = data.get(start + vid_at..start + vid_at + 64) else {
            continue;
        };
        if v[..4] != *VID_MAGIC || !checksum_matches(crc(&v[..60]), be32(v, 60)) {
            continue; // free eraseblock
        }
        let data_pad = be32(v, 28) as usize;
        leb_size = peb.saturating_sub(data_at + data_pad);
        let (vol_id, lnum, data_size) = (be32(v, 8), be32(v, 12), be32(v, 20) as usize);
        let vol_type = v[5];
        let len = if vol_type == STATIC {
            data_size.min(leb_size)
        } else {
            leb_size
        };
        // A truncated last eraseblock may end before its data starts.
        let first = (start + data_at).min(data.len());
        let leb = Leb {
            sqnum: u64::from(be32(v, 40)) << 32 | u64::from(be32(v, 44)),
            data: first..(first + len).min(data.len()),
            vol_type,
            used_ebs: be32(v, 24),
        };
        if lebs
            .get(&(vol_id, lnum))
            .is_none_or(|old| old.sqnum <= leb.sqnum)
        {
            lebs.insert((vol_id, lnum), leb);
        }
    }
    Ok(Layout {
        peb,
        leb_size,
        image_seq,
        lebs,
        end,
    })
}

/// (volume id, name, type) from the volume table.
fn volume_table(data: &[u8], layout: &Layout) -> Vec<(u32, String, u8)> {
    let Some(leb) = layout.lebs.get(&(LAYOUT_VOLUME, 0)) else {
        return Vec::new();
    };
    let table = &data[leb.data.clone()];
    (0..MAX_VOLUMES.min(table.len() / VTBL_RECORD))
        .filter_map(|i| {
            let r = &table[i * VTBL_RECORD..(i + 1) * VTBL_RECORD];
            let name_len = usize::from(u16::from_be_bytes([r[14], r[15]])).min(127);
            (be32(r, 0) > 0 && checksum_matches(crc(&r[..168]), be32(r, 168))).then(|| {
                (
                    i as u32,
                    String::from_utf8_lossy(&r[16..16 + name_len]).into_owned(),
                    r[12],
                )
            })
        })
        .collect()
}

/// A volume: its LEBs in order, `None` for unmapped ones.
struct Volume {
    image: Bytes,
    lebs: Vec<Option<Range<usize>>>,
    leb_size: usize,
}

impl Source for Volume {
    fn reader(&self) -> io::Result<Box<dyn Read + '_>> {
        let pieces = self
            .lebs
            .iter()
            .map(|leb| match leb {
                Some(range) => Piece::Bytes(&self.image[range.clone()]),
                None => Piece::Repeat {
                    pattern: [0xff; 4],
                    len: self.leb_size as u64,
                },
            })
            .collect();
        Ok(Box::new(Pieces::new(pieces)))
    }

    fn stored_len(&self) -> u64 {
        self.lebs
            .iter()
            .flatten()
            .map(|r| r.len() as u64)
            .sum::<u64>()
            .max(1)
    }

    fn name(&self) -> &'static str {
        "ubi"
    }
}

impl Format for Ubi {
    fn id(&self) -> &'static str {
        "ubi"
    }

    fn magic(&self) -> &'static [Magic] {
        const MAGICS: &[Magic] = &[Magic::at_start(EC_MAGIC)];
        MAGICS
    }

    fn probe(&self, data: &[u8]) -> bool {
        ec_header(data, 0).is_some()
    }

    fn extent(&self, data: &[u8]) -> Option<u64> {
        scan(data).ok().map(|l| l.end as u64)
    }

    fn extract(&self, data: &Bytes, cx: &Context<'_>) -> Result<Extraction, FormatError> {
        let layout = scan(data)?;
        let volumes = volume_table(data, &layout);
        let mut extraction = Extraction::default();
        extraction.notes.push(format!(
            "ubi: eraseblock {} bytes, logical block {} bytes, image sequence {}, {} volumes",
            layout.peb,
            layout.leb_size,
            layout.image_seq,
            volumes.len()
        ));
        for (vol_id, name, vol_type) in volumes {
            if cx.full(extraction.entries.len()) {
                break;
            }
            let mine: Vec<(&u32, &Leb)> = layout
                .lebs
                .range((vol_id, 0)..=(vol_id, u32::MAX))
                .map(|((_, lnum), leb)| (lnum, leb))
                .collect();
            let count = match mine.first() {
                Some((_, leb)) if vol_type == STATIC || leb.vol_type == STATIC => {
                    leb.used_ebs as usize
                }
                _ => mine.last().map_or(0, |(lnum, _)| **lnum as usize + 1),
            };
            // No volume has more LEBs than the image has eraseblocks.
            let pebs = data.len().div_ceil(layout.peb);
            let mut lebs = vec![None; count.min(pebs)];
            for (lnum, leb) in mine {
                if let Some(slot) = lebs.get_mut(*lnum as usize) {
                    *slot = Some(leb.data.clone());
                }
            }
            let mut entry = Entry::new(name, EntryKind::File);
            entry.notes.push(format!(
                "ubi volume {vol_id}, {}",
                if vol_type == STATIC {
                    "static"
                } else {
                    "dynamic"
                }
            ));
            entry.blob = Some(Blob::Source(Arc::new(Volume {
                image: data.clone(),
                lebs,
                leb_size: layout.leb_size,
            })));
            extraction.entries.push(entry);
        }
        Ok(extraction)
    }
}

/// Build a UBI image (for tests): one dynamic volume `name` holding
/// `content`, eraseblocks of `peb` bytes.
pub fn build(name: &str, content: &[u8], peb: usize) -> Vec<u8> {
    let (vid_at, data_at) = (64usize, 128usize);
    let leb = peb - data_at;
    let ec = |out: &mut Vec<u8>| {
        let mut h = vec![0u8; 64];
        h[..4].copy_from_slice(EC_MAGIC);
        h[4] = 1;
        h[16..20].copy_from_slice(&(vid_at as u32).to_be_bytes());
        h[20..24].copy_from_slice(&(data_at as u32).to_be_bytes());
        h[24..28].copy_from_slice(&7u32.to_be_bytes());
        let c = crc(&h[..60]);
        h[60..64].copy_from_slice(&c.to_be_bytes());
        out.extend(h);
    };
    let vid = |out: &mut Vec<u8>, vol_id: u32, lnum: u32, sqnum: u64| {
        let mut h = vec![0u8; 64];
        h[..4].copy_from_slice(VID_MAGIC);
        h[4] = 1;
        h[5] = 1;
        h[8..12].copy_from_slice(&vol_id.to_be_bytes());
        h[12..16].copy_from_slice(&lnum.to_be_bytes());
        h[40..48].copy_from_slice(&sqnum.to_be_bytes());
        let c = crc(&h[..60]);
        h[60..64].copy_from_slice(&c.to_be_bytes());
        out.extend(h);
    };
    let mut out = Vec::new();
    // The volume table, in the layout volume's LEB 0.
    let mut table = vec![0u8; VTBL_RECORD * (leb / VTBL_RECORD).min(MAX_VOLUMES)];
    for i in 0..table.len() / VTBL_RECORD {
        let r = &mut table[i * VTBL_RECORD..(i + 1) * VTBL_RECORD];
        if i == 0 {
            r[..4].copy_from_slice(&(content.len().div_ceil(leb) as u32).to_be_bytes());
            r[4..8].copy_from_slice(&1u32.to_be_bytes());
            r[12] = 1;
            r[14..16].copy_from_slice(&(name.len() as u16).to_be_bytes());
            r[16..16 + name.len()].copy_from_slice(name.as_bytes());
        }
        let c = crc(&r[..168]);
        r[168..172].copy_from_slice(&c.to_be_bytes());
    }
    let mut pebs: Vec<(u32, u32, Vec<u8>)> = vec![(LAYOUT_VOLUME, 0, table)];
    for (lnum, chunk) in content.chunks(leb).enumerate() {
        pebs.push((0, lnum as u32, chunk.to_vec()));
    }
    for (i, (vol_id, lnum, payload)) in pebs.into_iter().enumerate() {
        let start = out.len();
        ec(&mut out);
        vid(&mut out, vol_id, lnum, i as u64 + 1);
        out.resize(start + data_at, 0xff);
        out.extend(&payload);
        out.resize(start + peb, 0xff);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volumes_are_assembled_from_their_lebs() {
        let content: Vec<u8> = (0..5000u32).map(|i| (i % 199) as u8).collect();
        let image = build("rootfs", &content, 2048);
        assert!(Ubi.probe(&image));
        assert_eq!(Ubi.extent(&image), Some(image.len() as u64));
        let ex = Ubi
            .extract(&Bytes::from_vec(image), &Context::named("nand.ubi"))
            .expect("extract");
        assert_eq!(ex.entries.len(), 1);
        assert_eq!(ex.entries[0].name, "rootfs");
        let volume = ex.entries[0]
            .blob
            .as_ref()
            .and_then(|b| b.read_prefix(u64::MAX))
            .expect("reads");
        // A dynamic volume is whole LEBs: the content, then erased bytes.
        assert_eq!(&volume[..content.len()], &content[..]);
        assert!(volume[content.len()..].iter().all(|&b| b == 0xff));
    }

    #[test]
    fn an_eraseblock_cut_before_its_data_is_read_without_panicking() {
        // Found by fuzzing: a last eraseblock whose (validly signed) header
        // puts its data past the end of the image.
        let content: Vec<u8> = (0..5000u32).map(|i| (i % 199) as u8).collect();
        let mut image = build("rootfs", &content, 2048);
        let last = image.len() - 2048;
        image[last + 20..last + 24].copy_from_slice(&1024u32.to_be_bytes());
        let sum = crc(&image[last..last + 60]);
        image[last + 60..last + 64].copy_from_slice(&sum.to_be_bytes());
        image.truncate(last + 600);
        crate::unpack::exercise("ubi", &image);
    }

    #[test]
    fn decoys_are_rejected() {
        let mut junk = EC_MAGIC.to_vec();
        junk.resize(128, 0);
        assert!(!Ubi.probe(&junk));
    }
}
