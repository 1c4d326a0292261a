//! YAFFS2 images (NAND dumps, `mkyaffs2image` output), from Aleph One
//! `yaffs_guts.h` and `yaffs_packedtags2.c`.
//!
//! The image is a run of chunks, each a page of data followed by its spare
//! (OOB) area. The spare holds packed tags — sequence number, object id,
//! chunk id, byte count — at offset 0 (`mkyaffs2image`) or 2 (after the
//! bad-block marker, as the kernel's MTD layer places them). Chunk id 0 (or
//! one with the top bit set, carrying extra fields) is an object header:
//! type, parent, name, mode, size, hard-link target, symlink alias, device.
//! Chunk id N is the N-th page of a file. There is no magic: page size,
//! spare size, tag offset and byte order are found by trying the common
//! geometries until the first two chunks both validate. Newer sequence
//! numbers win, as on the device.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{self, Read};
use std::ops::Range;
use std::sync::Arc;

use crate::model::EntryKind;
use crate::unpack::blob::{Blob, Bytes, Source, assemble};
use crate::unpack::{Context, Entry, Extraction, Format, FormatError};

const PAGES: [usize; 6] = [2048, 4096, 1024, 8192, 16384, 512];
const ROOT: u32 = 1;
const UNLINKED: u32 = 3;
const DELETED: u32 = 4;
const MAX_DEPTH: usize = 64;

/// The YAFFS2 format.
pub struct Yaffs2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Geometry {
    page: usize,
    spare: usize,
    tags_at: usize,
    big_endian: bool,
}

impl Geometry {
    fn chunk(&self) -> usize {
        self.page + self.spare
    }

    fn u32(&self, b: &[u8], at: usize) -> Option<u32> {
        let x: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
        Some(if self.big_endian {
            u32::from_be_bytes(x)
        } else {
            u32::from_le_bytes(x)
        })
    }

    /// Tags of chunk `i`: (sequence, object id, chunk id, bytes).
    fn tags(&self, data: &[u8], i: usize) -> Option<(u32, u32, u32, u32)> {
        let at = i * self.chunk() + self.page + self.tags_at;
        Some((
            self.u32(data, at)?,
            self.u32(data, at + 4)?,
            self.u32(data, at + 8)?,
            self.u32(data, at + 12)?,
        ))
    }

    /// Whether chunk `i` is a plausible, live chunk; `header` asks for an
    /// object header.
    fn valid(&self, data: &[u8], i: usize, header: bool) -> bool {
        let Some((seq, obj, chunk, _)) = self.tags(data, i) else {
            return false;
        };
        let is_header = chunk == 0 || chunk & 0x8000_0000 != 0;
        if !(0x1000..=0xefff_ff00).contains(&seq)
            || obj & 0x0fff_ffff == 0
            || (header && !is_header)
        {
            return false;
        }
        if is_header {
            let page = i * self.chunk();
            let kind = self.u32(data, page).unwrap_or(0);
            let sum = data.get(page + 8..page + 10);
            return (1..=5).contains(&kind) && sum == Some(&[0xff, 0xff]);
        }
        true
    }
}

fn geometry(data: &[u8]) -> Option<Geometry> {
    for page in PAGES {
        for tags_at in [0, 2] {
            for big_endian in [false, true] {
                for spare in [page / 32, 16, 32, 64, 128, 256, 512] {
                    let g = Geometry {
                        page,
                        spare,
                        tags_at,
                        big_endian,
                    };
                    if spare < 16 || !g.valid(data, 0, true) {
                        continue;
                    }
                    // The next chunk must validate too, or be erased, or
                    // the image must end.
                    let next_erased = data
                        .get(g.chunk()..g.chunk() + page)
                        .is_some_and(|p| p.iter().all(|&b| b == 0xff));
                    if g.valid(data, 1, false) || next_erased || data.len() == g.chunk() {
                        return Some(g);
                    }
                }
            }
        }
    }
    None
}

#[derive(Debug, Clone)]
struct Object {
    seq: u32,
    kind: u32,
    parent: u32,
    name: String,
    mode: u32,
    size: u64,
    equiv: u32,
    alias: String,
    rdev: u32,
}

fn text(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

struct File {
    image: Bytes,
    page: usize,
    size: u64,
    /// chunk id → (data range, valid bytes); shared by the object's hard
    /// links.
    chunks: Arc<BTreeMap<u32, Range<usize>>>,
}

impl Source for File {
    fn reader(&self) -> io::Result<Box<dyn Read + '_>> {
        let page = self.page as u64;
        let written = self
            .chunks
            .iter()
            .map(|(&c, r)| (u64::from(c) - 1) * page + r.len() as u64)
            .max()
            .unwrap_or(0);
        let pieces = self
            .chunks
            .iter()
            .map(|(&chunk, range)| Ok(((u64::from(chunk) - 1) * page, &self.image[range.clone()])));
        assemble("yaffs2", self.size, written, self.stored_len(), pieces)
    }

    fn stored_len(&self) -> u64 {
        self.chunks.values().map(|r| r.len() as u64).sum()
    }

    fn name(&self) -> &'static str {
        "yaffs2"
    }
}

impl Format for Yaffs2 {
    fn id(&self) -> &'static str {
        "yaffs2"
    }

    fn probe(&self, data: &[u8]) -> bool {
        geometry(data).is_some()
    }

    fn extract(&self, data: &Bytes, cx: &Context<'_>) -> Result<Extraction, FormatError> {
        let g = geometry(data)
            .ok_or_else(|| FormatError::malformed("no yaffs2 chunk geometry fits"))?;
        let mut objects: HashMap<u32, Object> = HashMap::new();
        // object → chunk id → (seq, data range)
        let mut chunks: HashMap<u32, BTreeMap<u32, (u32, Range<usize>)>> = HashMap::new();
        for i in 0..data.len() / g.chunk() {
            if !g.valid(data, i, false) {
                continue;
            }
            let Some((seq, mut obj, chunk, n_bytes)) = g.tags(data, i) else {
                continue;
            };
            let page = i * g.chunk();
            if chunk == 0 || chunk & 0x8000_0000 != 0 {
                obj &= 0x0fff_ffff;
                let h = &data[page..page + g.page];
                let u = |at| g.u32(h, at).unwrap_or(0);
                let (low, high) = (u(292), u(496));
                let object = Object {
                    seq,
                    kind: u(0),
                    parent: u(4),
                    name: text(&h[10..266]),
                    mode: u(268),
                    size: if high == u32::MAX {
                        u64::from(low)
                    } else {
                        u64::from(high) << 32 | u64::from(low)
                    },
                    equiv: u(296),
                    alias: text(&h[300..460]),
                    rdev: u(460),
                };
                if objects.get(&obj).is_none_or(|o| o.seq <= seq) {
                    objects.insert(obj, object);
                }
            } else {
                let len = (n_bytes as usize).min(g.page);
                let slot = chunks.entry(obj).or_default();
                if slot.get(&chunk).is_none_or(|c| c.0 <= seq) {
                    slot.insert(chunk, (seq, page..page + len));
                }
            }
        }
        let mut extraction = Extraction::default();
        extraction.notes.push(format!(
            "yaffs2: page {} + spare {}, tags at {}, {}, {} objects",
            g.page,
            g.spare,
            g.tags_at,
            if g.big_endian {
                "big-endian"
            } else {
                "little-endian"
            },
            objects.len()
        ));
        let mut children: BTreeMap<u32, Vec<(String, u32)>> = BTreeMap::new();
        for (&id, o) in &objects {
            if o.parent != UNLINKED && o.parent != DELETED && id != ROOT {
                children
                    .entry(o.parent)
                    .or_default()
                    .push((o.name.clone(), id));
            }
        }
        // Each object's chunk map, built once and shared by its hard links:
        // built per link, many links to one object of many chunks took
        // 508 MB from a 4.75 MB image.
        let chunk_maps: HashMap<u32, Arc<BTreeMap<u32, Range<usize>>>> = chunks
            .into_iter()
            .map(|(id, c)| {
                (
                    id,
                    Arc::new(c.into_iter().map(|(k, (_, r))| (k, r)).collect()),
                )
            })
            .collect();
        let mut paths: HashMap<u32, String> = HashMap::new();
        let mut seen = HashSet::new();
        let mut pending = vec![(ROOT, String::new(), 0usize)];
        while let Some((dir, prefix, depth)) = pending.pop() {
            if !seen.insert(dir) || depth > MAX_DEPTH {
                continue;
            }
            let mut listing = children.remove(&dir).unwrap_or_default();
            listing.sort();
            for (name, id) in listing {
                if cx.full(extraction.entries.len()) {
                    return Ok(extraction);
                }
                let o = &objects[&id];
                let path = if prefix.is_empty() {
                    name
                } else {
                    format!("{prefix}/{name}")
                };
                paths.insert(id, path.clone());
                let mut entry = Entry::new(path.clone(), EntryKind::File);
                let file_of = |id: u32| -> Option<Blob> {
                    let o = objects.get(&id)?;
                    let chunks = chunk_maps.get(&id).cloned().unwrap_or_default();
                    Some(Blob::Source(Arc::new(File {
                        image: data.clone(),
                        page: g.page,
                        size: o.size,
                        chunks,
                    })))
                };
                match o.kind {
                    1 => entry.blob = file_of(id),
                    2 => {
                        entry.kind = EntryKind::Symlink {
                            target: o.alias.clone(),
                        }
                    }
                    3 => {
                        entry.kind = EntryKind::Dir;
                        pending.push((id, path, depth + 1));
                    }
                    4 => {
                        entry.kind = EntryKind::Hardlink {
                            target: paths
                                .get(&o.equiv)
                                .cloned()
                                .unwrap_or_else(|| format!("object {}", o.equiv)),
                        };
                        entry.blob = file_of(o.equiv);
                    }
                    _ => {
                        let (major, minor) = (
                            (o.rdev >> 8) & 0xfff,
                            (o.rdev & 0xff) | ((o.rdev >> 12) & 0xfff00),
                        );
                        entry.kind = match o.mode & 0o170000 {
                            0o020000 => EntryKind::CharDevice { major, minor },
                            0o060000 => EntryKind::BlockDevice { major, minor },
                            0o010000 => EntryKind::Fifo,
                            _ => EntryKind::Other {
                                description: "yaffs2 special object".into(),
                            },
                        };
                    }
                }
                extraction.entries.push(entry);
            }
        }
        Ok(extraction)
    }
}

/// Build a YAFFS2 image (for tests): 2048-byte pages, 64-byte spares, tags
/// at 0, little-endian; `(id, parent, type, name, data-or-alias)`.
pub fn build(objects: &[(u32, u32, u32, &str, &[u8])]) -> Vec<u8> {
    const PAGE: usize = 2048;
    const SPARE: usize = 64;
    let mut out = Vec::new();
    let chunk = |out: &mut Vec<u8>, page: Vec<u8>, obj: u32, chunk: u32, n: u32| {
        let mut p = page;
        p.resize(PAGE, 0xff);
        out.extend(p);
        let mut spare = vec![0xffu8; SPARE];
        for (i, v) in [0x1000u32, obj, chunk, n].iter().enumerate() {
            spare[4 * i..4 * i + 4].copy_from_slice(&v.to_le_bytes());
        }
        out.extend(spare);
    };
    for (id, parent, kind, name, data) in objects {
        let mut h = vec![0u8; 512];
        h[..4].copy_from_slice(&kind.to_le_bytes());
        h[4..8].copy_from_slice(&parent.to_le_bytes());
        h[8..10].copy_from_slice(&[0xff, 0xff]);
        h[10..10 + name.len()].copy_from_slice(name.as_bytes());
        let mode: u32 = match kind {
            3 => 0o040755,
            2 => 0o120777,
            _ => 0o100644,
        };
        h[268..272].copy_from_slice(&mode.to_le_bytes());
        if *kind == 2 {
            h[300..300 + data.len()].copy_from_slice(data);
        } else {
            h[292..296].copy_from_slice(&(data.len() as u32).to_le_bytes());
        }
        h[296..300].copy_from_slice(&u32::MAX.to_le_bytes());
        h[496..500].copy_from_slice(&u32::MAX.to_le_bytes());
        chunk(&mut out, h, *id, 0, 0xffff);
        if *kind == 1 {
            for (n, piece) in data.chunks(PAGE).enumerate() {
                chunk(
                    &mut out,
                    piece.to_vec(),
                    *id,
                    n as u32 + 1,
                    piece.len() as u32,
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_and_data_chunks_round_trip() {
        let big: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
        let image = build(&[
            (257, 1, 3, "etc", b""),
            (258, 257, 1, "passwd", b"root:x:0:0::/root:/bin/sh\n"),
            (259, 1, 1, "big.bin", &big),
            (260, 1, 2, "sh", b"busybox"),
        ]);
        assert!(Yaffs2.probe(&image));
        let ex = Yaffs2
            .extract(&Bytes::from_vec(image), &Context::named("nand.yaffs2"))
            .expect("extract");
        assert!(
            ex.notes[0].contains("page 2048 + spare 64"),
            "{:?}",
            ex.notes
        );
        let listing = crate::unpack::listing(&ex);
        assert_eq!(
            listing,
            [
                ("big.bin".to_string(), EntryKind::File),
                ("etc".to_string(), EntryKind::Dir),
                ("etc/passwd".to_string(), EntryKind::File),
                (
                    "sh".to_string(),
                    EntryKind::Symlink {
                        target: "busybox".into()
                    }
                ),
            ]
        );
        let big_entry = ex
            .entries
            .iter()
            .find(|e| e.name == "big.bin")
            .expect("big");
        assert_eq!(
            big_entry
                .blob
                .as_ref()
                .and_then(|b| b.read_prefix(u64::MAX)),
            Some(big)
        );
    }

    #[test]
    fn decoys_are_rejected() {
        assert!(!Yaffs2.probe(&[0xff; 4224]));
        assert!(!Yaffs2.probe(&[0u8; 4224]));
    }
}
