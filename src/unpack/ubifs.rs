//! UBIFS (inside UBI volumes), from Linux `fs/ubifs/ubifs-media.h`.
//!
//! Every node starts with a 24-byte header (little-endian): magic
//! `0x06101831`, CRC (UBI's variant, over bytes 8..len), sequence number,
//! length, node type. The superblock (LEB 0) gives the LEB size; the newest
//! master node (LEBs 1–2) points at the root of the index B-tree, whose
//! level-0 branches point at the leaves: inode nodes (size, mode, inline
//! data for symlinks and devices), directory entries (parent inode in the
//! key, child inode, name) and data nodes (4 KiB blocks, compressed with
//! none, LZO, raw deflate or zstd). Walking the index — not scanning LEBs —
//! sees only live nodes, as the kernel does. Files are assembled lazily.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{self, Read};
use std::ops::Range;
use std::sync::Arc;

use crate::model::EntryKind;
use crate::unpack::blob::{Blob, Bytes, Source, assemble};
use crate::unpack::ubi::crc;
use crate::unpack::{Context, Entry, Extraction, Format, FormatError, Magic, checksum_matches};

const MAGIC: [u8; 4] = [0x31, 0x18, 0x10, 0x06];
const INO: u8 = 0;
const DATA: u8 = 1;
const DENT: u8 = 2;
const IDX: u8 = 9;
const SB: u8 = 6;
const MST: u8 = 7;
const BLOCK: u64 = 4096;
const ROOT_INUM: u32 = 1;
const MAX_INDEX_DEPTH: usize = 64;
const MAX_NODES: usize = 4_000_000;
const MAX_DIR_DEPTH: usize = 64;
/// Longest symlink target or device field read from an inode.
const MAX_INLINE: usize = 4096;

/// The UBIFS format.
pub struct Ubifs;

fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn le64(b: &[u8], at: usize) -> u64 {
    u64::from(le32(b, at)) | u64::from(le32(b, at + 4)) << 32
}

/// A valid node at `at`: (type, bytes of the whole node).
fn node(data: &[u8], at: usize) -> Option<(u8, &[u8])> {
    let h = data.get(at..at + 24)?;
    if h[..4] != MAGIC {
        return None;
    }
    let len = le32(h, 16) as usize;
    let node = data.get(at..at.checked_add(len)?)?;
    (len >= 24 && checksum_matches(crc(&node[8..]), le32(h, 4))).then_some((h[20], node))
}

fn leb_size(data: &[u8]) -> Result<usize, FormatError> {
    match node(data, 0) {
        Some((SB, sb)) if sb.len() >= 88 => {
            let size = le32(sb, 36) as usize;
            if size >= 1024 && size.is_multiple_of(512) {
                Ok(size)
            } else {
                Err(FormatError::malformed(format!("UBIFS LEB size {size}")))
            }
        }
        _ => Err(FormatError::malformed("no valid UBIFS superblock")),
    }
}

/// The newest master node's root: (LEB, offset).
fn root(data: &[u8], leb: usize) -> Option<(usize, usize)> {
    let mut best: Option<(u64, usize, usize)> = None;
    for lnum in [1usize, 2] {
        let mut at = lnum * leb;
        while at < (lnum + 1) * leb {
            let Some((kind, n)) = node(data, at) else {
                break;
            };
            if kind == MST && n.len() >= 60 && best.is_none_or(|b| b.0 < le64(n, 8)) {
                best = Some((le64(n, 8), le32(n, 48) as usize, le32(n, 52) as usize));
            }
            at += n.len().next_multiple_of(8);
        }
    }
    best.map(|(_, lnum, offs)| (lnum, offs))
}

/// One data node: a 4 KiB block of a file.
#[derive(Debug, Clone)]
struct DataBlock {
    block: u64,
    compr: u16,
    size: u32,
    range: Range<usize>,
}

#[derive(Debug, Default)]
struct Tree {
    /// inode → (mode, size, inline data).
    inodes: HashMap<u32, (u32, u64, Range<usize>)>,
    /// parent inode → (name, child inode).
    dents: BTreeMap<u32, Vec<(String, u32)>>,
    /// inode → its data blocks.
    data: HashMap<u32, Vec<DataBlock>>,
}

fn walk_index(data: &[u8], leb: usize, root: (usize, usize)) -> Result<Tree, FormatError> {
    let mut tree = Tree::default();
    let mut pending = vec![(root, 0usize)];
    let mut seen = HashSet::new();
    while let Some(((lnum, offs), depth)) = pending.pop() {
        let at = lnum.checked_mul(leb).and_then(|x| x.checked_add(offs));
        // Keyed on the absolute offset: (LEB, offset) pairs can alias.
        if depth > MAX_INDEX_DEPTH || !seen.insert(at) || seen.len() > MAX_NODES {
            return Err(FormatError::malformed("UBIFS index loop or too deep"));
        }
        let Some((kind, n)) = at.and_then(|at| node(data, at)) else {
            return Err(FormatError::truncated(format!(
                "UBIFS node at LEB {lnum} offset {offs}"
            )));
        };
        let start = at.unwrap_or(0);
        match kind {
            IDX if n.len() >= 28 => {
                let count = usize::from(le16(n, 24));
                for i in 0..count {
                    let b = 28 + i * 20;
                    let Some(branch) = n.get(b..b + 20) else {
                        break;
                    };
                    pending.push((
                        (le32(branch, 0) as usize, le32(branch, 4) as usize),
                        depth + 1,
                    ));
                }
            }
            INO if n.len() >= 160 => {
                let data_len = le32(n, 112) as usize;
                let inline = start + 160..(start + 160 + data_len).min(start + n.len());
                tree.inodes
                    .insert(le32(n, 24), (le32(n, 104), le64(n, 48), inline));
            }
            DENT if n.len() >= 56 => {
                let inum = le64(n, 40) as u32;
                let name_len = usize::from(le16(n, 50));
                if let (true, Some(name)) = (inum != 0, n.get(56..56 + name_len)) {
                    tree.dents
                        .entry(le32(n, 24))
                        .or_default()
                        .push((String::from_utf8_lossy(name).into_owned(), inum));
                }
            }
            DATA if n.len() >= 48 => {
                let block = u64::from(le32(n, 28) & 0x1fff_ffff);
                tree.data.entry(le32(n, 24)).or_default().push(DataBlock {
                    block,
                    compr: le16(n, 44),
                    size: le32(n, 40),
                    range: start + 48..start + n.len(),
                });
            }
            _ => {}
        }
    }
    Ok(tree)
}

fn decode(compr: u16, input: &[u8], size: usize) -> io::Result<Vec<u8>> {
    let bad = |e: String| io::Error::new(io::ErrorKind::InvalidData, format!("ubifs block: {e}"));
    let out = match compr {
        0 => input.to_vec(),
        1 => crate::unpack::lzo1x::decompress(input, size).map_err(|e| bad(format!("lzo: {e}")))?,
        2 => {
            let mut out = Vec::with_capacity(size);
            flate2::read::DeflateDecoder::new(input)
                .take(size as u64)
                .read_to_end(&mut out)
                .map_err(|e| bad(e.to_string()))?;
            out
        }
        3 => {
            let mut out = Vec::with_capacity(size);
            zstd::stream::read::Decoder::new(input)?
                .take(size as u64)
                .read_to_end(&mut out)
                .map_err(|e| bad(e.to_string()))?;
            out
        }
        other => return Err(bad(format!("compression {other}"))),
    };
    if out.len() != size {
        return Err(bad(format!("{} bytes, expected {size}", out.len())));
    }
    Ok(out)
}

struct File {
    image: Bytes,
    size: u64,
    /// Shared by every name of the inode (hard links).
    blocks: Arc<Vec<DataBlock>>,
}

impl Source for File {
    fn reader(&self) -> io::Result<Box<dyn Read + '_>> {
        let written = self
            .blocks
            .iter()
            .map(|b| b.block * BLOCK + u64::from(b.size))
            .max()
            .unwrap_or(0);
        let pieces = self.blocks.iter().map(|b| {
            let plain = decode(
                b.compr,
                &self.image[b.range.clone()],
                (b.size as usize).min(BLOCK as usize),
            )?;
            Ok((b.block * BLOCK, plain))
        });
        assemble("ubifs", self.size, written, self.stored_len(), pieces)
    }

    fn stored_len(&self) -> u64 {
        self.blocks.iter().map(|b| b.range.len() as u64).sum()
    }

    fn name(&self) -> &'static str {
        "ubifs"
    }
}

impl Format for Ubifs {
    fn id(&self) -> &'static str {
        "ubifs"
    }

    fn magic(&self) -> &'static [Magic] {
        // The superblock node: magic, then its type at +20 is checked by
        // the probe.
        const MAGICS: &[Magic] = &[Magic::at_start(&MAGIC)];
        MAGICS
    }

    fn probe(&self, data: &[u8]) -> bool {
        leb_size(data).is_ok()
    }

    fn extract(&self, data: &Bytes, cx: &Context<'_>) -> Result<Extraction, FormatError> {
        let leb = leb_size(data)?;
        let root =
            root(data, leb).ok_or_else(|| FormatError::malformed("no valid UBIFS master node"))?;
        let mut tree = walk_index(data, leb, root)?;
        let mut extraction = Extraction::default();
        extraction.notes.push(format!(
            "ubifs: LEB size {leb}, {} inodes, {} directory entries",
            tree.inodes.len(),
            tree.dents.values().map(Vec::len).sum::<usize>()
        ));
        // An inode's data blocks, shared by all the names it has: copied per
        // name, many names of one inode of many empty blocks took 836 MB from
        // a 773 KB image.
        let blocks_of: HashMap<u32, Arc<Vec<DataBlock>>> = std::mem::take(&mut tree.data)
            .into_iter()
            .map(|(inum, blocks)| (inum, Arc::new(blocks)))
            .collect();
        let mut seen = HashSet::new();
        let mut pending = vec![(ROOT_INUM, String::new(), 0usize)];
        while let Some((dir, prefix, depth)) = pending.pop() {
            if !seen.insert(dir) || depth > MAX_DIR_DEPTH {
                continue;
            }
            let mut listing = tree.dents.remove(&dir).unwrap_or_default();
            listing.sort();
            for (name, inum) in listing {
                if cx.full(extraction.entries.len()) {
                    return Ok(extraction);
                }
                let path = if prefix.is_empty() {
                    name
                } else {
                    format!("{prefix}/{name}")
                };
                let mut entry = Entry::new(path.clone(), EntryKind::File);
                let Some((mode, size, inline)) = tree.inodes.get(&inum).cloned() else {
                    entry.error = Some("directory entry without an inode".into());
                    extraction.entries.push(entry);
                    continue;
                };
                let inline_bytes = &data[inline.start..inline.end.min(inline.start + MAX_INLINE)];
                match mode & 0o170000 {
                    0o040000 => {
                        entry.kind = EntryKind::Dir;
                        pending.push((inum, path, depth + 1));
                    }
                    0o120000 => {
                        entry.kind = EntryKind::Symlink {
                            target: String::from_utf8_lossy(inline_bytes).into_owned(),
                        };
                    }
                    kind @ (0o020000 | 0o060000) => {
                        let v = match inline_bytes.len() {
                            4 => le32(inline_bytes, 0),
                            8 => le64(inline_bytes, 0) as u32,
                            _ => 0,
                        };
                        let (major, minor) =
                            ((v & 0xfff00) >> 8, (v & 0xff) | ((v >> 12) & 0xfff00));
                        entry.kind = if kind == 0o020000 {
                            EntryKind::CharDevice { major, minor }
                        } else {
                            EntryKind::BlockDevice { major, minor }
                        };
                    }
                    0o010000 => entry.kind = EntryKind::Fifo,
                    0o100000 => {
                        entry.blob = Some(Blob::Source(Arc::new(File {
                            image: data.clone(),
                            size,
                            blocks: blocks_of.get(&inum).cloned().unwrap_or_default(),
                        })));
                    }
                    other => {
                        entry.kind = EntryKind::Other {
                            description: format!("ubifs mode {other:o}"),
                        };
                    }
                }
                extraction.entries.push(entry);
            }
        }
        Ok(extraction)
    }
}

/// Build a small UBIFS image (for tests): a root directory holding
/// `files`, data compressed with raw deflate, one index node.
pub fn build(files: &[(&str, &[u8])]) -> Vec<u8> {
    const LEB: usize = 65536;
    fn finish(mut n: Vec<u8>, kind: u8, sqnum: u64) -> Vec<u8> {
        n[..4].copy_from_slice(&MAGIC);
        n[8..16].copy_from_slice(&sqnum.to_le_bytes());
        let len = n.len() as u32;
        n[16..20].copy_from_slice(&len.to_le_bytes());
        n[20] = kind;
        let c = crc(&n[8..]);
        n[4..8].copy_from_slice(&c.to_le_bytes());
        n
    }
    fn key(n: &mut [u8], inum: u32, kind: u32, value: u32) {
        n[24..28].copy_from_slice(&inum.to_le_bytes());
        n[28..32].copy_from_slice(&(kind << 29 | value).to_le_bytes());
    }
    fn ino(inum: u32, mode: u32, size: u64, sqnum: u64) -> Vec<u8> {
        let mut n = vec![0u8; 160];
        key(&mut n, inum, 0, 0);
        n[48..56].copy_from_slice(&size.to_le_bytes());
        n[92..96].copy_from_slice(&1u32.to_le_bytes());
        n[104..108].copy_from_slice(&mode.to_le_bytes());
        finish(n, INO, sqnum)
    }
    let mut sqnum = 1;
    let mut leaves: Vec<Vec<u8>> = vec![ino(ROOT_INUM, 0o040755, 0, sqnum)];
    for (i, (name, data)) in files.iter().enumerate() {
        let inum = 2 + i as u32;
        sqnum += 1;
        leaves.push(ino(inum, 0o100644, data.len() as u64, sqnum));
        let mut dent = vec![0u8; 56 + name.len() + 1];
        key(&mut dent, ROOT_INUM, 2, inum);
        dent[40..48].copy_from_slice(&u64::from(inum).to_le_bytes());
        dent[50..52].copy_from_slice(&(name.len() as u16).to_le_bytes());
        dent[56..56 + name.len()].copy_from_slice(name.as_bytes());
        sqnum += 1;
        leaves.push(finish(dent, DENT, sqnum));
        for (block, chunk) in data.chunks(BLOCK as usize).enumerate() {
            let mut enc =
                flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
            std::io::Write::write_all(&mut enc, chunk).expect("in memory");
            let compressed = enc.finish().expect("in memory");
            let mut n = vec![0u8; 48];
            key(&mut n, inum, 1, block as u32);
            n[40..44].copy_from_slice(&(chunk.len() as u32).to_le_bytes());
            n[44..46].copy_from_slice(&2u16.to_le_bytes());
            n.extend(compressed);
            sqnum += 1;
            leaves.push(finish(n, DATA, sqnum));
        }
    }
    let mut image = vec![0u8; 3 * LEB];
    let mut sb = vec![0u8; 4096];
    sb[36..40].copy_from_slice(&(LEB as u32).to_le_bytes());
    image[..4096].copy_from_slice(&finish(sb, SB, 0));
    // Leaves, then the index node, in LEB 3.
    let mut branches = Vec::new();
    let mut main = Vec::new();
    for leaf in &leaves {
        let offs = main.len();
        branches.extend((3u32).to_le_bytes());
        branches.extend((offs as u32).to_le_bytes());
        branches.extend((leaf.len() as u32).to_le_bytes());
        branches.extend(&leaf[24..32]);
        main.extend(leaf);
        main.resize(main.len().next_multiple_of(8), 0);
    }
    let root_offs = main.len();
    let mut idx = vec![0u8; 28];
    idx[24..26].copy_from_slice(&(leaves.len() as u16).to_le_bytes());
    idx.extend(branches);
    sqnum += 1;
    main.extend(finish(idx, IDX, sqnum));
    let mut mst = vec![0u8; 512];
    mst[48..52].copy_from_slice(&3u32.to_le_bytes());
    mst[52..56].copy_from_slice(&(root_offs as u32).to_le_bytes());
    let mst = finish(mst, MST, sqnum + 1);
    image[LEB..LEB + mst.len()].copy_from_slice(&mst);
    image.extend(main);
    image.resize(image.len().next_multiple_of(LEB), 0xff);
    image
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_come_back_through_the_index() {
        let big: Vec<u8> = (0..9000u32).map(|i| (i % 97) as u8).collect();
        let image = build(&[("etc.conf", b"wifi=off\n"), ("big.bin", &big)]);
        assert!(Ubifs.probe(&image));
        let ex = Ubifs
            .extract(&Bytes::from_vec(image), &Context::named("rootfs.ubifs"))
            .expect("extract");
        let names: Vec<_> = ex.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["big.bin", "etc.conf"]);
        let content = ex.entries[0]
            .blob
            .as_ref()
            .and_then(|b| b.read_prefix(u64::MAX))
            .expect("reads");
        assert_eq!(content, big);
    }

    #[test]
    fn decoys_are_rejected() {
        let mut junk = MAGIC.to_vec();
        junk.resize(4096, 0);
        assert!(!Ubifs.probe(&junk));
    }
}
