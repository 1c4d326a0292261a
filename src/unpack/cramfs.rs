//! CramFS, little- and big-endian (Dahua, Xiongmai and Hikvision `app.img`
//! images; domain.md §1.1, §1.4). Layout from Linux
//! `include/uapi/linux/cramfs_fs.h`.
//!
//! Superblock: magic `45 3D CD 28` (LE) / `28 CD 3D 45` (BE) at 0, size,
//! flags, `Compressed ROMFS` at 16, CRC, edition, block and file counts,
//! name, then the root inode at 64. An inode is three words of bit fields
//! — mode:16 uid:16, size:24 gid:8, namelen:6 offset:26 — which a
//! big-endian image lays out from the most significant bit (the `cramfs`
//! crate reads LE only, `../shared/crates.md` §7). Offsets and name lengths
//! count 4-byte units. A directory's entries are inodes with names; a file
//! (and a symlink's target) is a table of block end pointers followed by
//! zlib blocks of 4 KiB each, decoded only when the file is opened.
//!
//! Linux 4.15+ images may set `CRAMFS_FLAG_EXT_BLOCK_POINTERS`: a block
//! pointer's bit 31 then marks a block stored uncompressed and bit 30 a
//! direct pointer (the block's start, in 4-byte units, instead of the end
//! of the block before; a compressed direct block starts with its 16-bit
//! length). Read as `fs/cramfs/inode.c` reads them.

use std::collections::HashSet;
use std::io::{self, Read};
use std::sync::Arc;

use crate::model::EntryKind;
use crate::unpack::blob::{Blob, Bytes, Source};
use crate::unpack::{Context, Entry, Extraction, Format, FormatError, Magic};

const LE_MAGIC: [u8; 4] = [0x45, 0x3d, 0xcd, 0x28];
const BE_MAGIC: [u8; 4] = [0x28, 0xcd, 0x3d, 0x45];
const SIGNATURE: &[u8; 16] = b"Compressed ROMFS";
const SUPERBLOCK_LEN: usize = 76;
const ROOT_INODE_AT: usize = 64;
const PAGE: u64 = 4096;
/// Block pointers with direct/uncompressed bits (Linux 4.15+).
const FLAG_EXT_BLOCK_POINTERS: u32 = 0x800;
/// Extended pointer: the block is stored uncompressed.
const BLK_UNCOMPRESSED: u32 = 1 << 31;
/// Extended pointer: the pointer is the block's start (>> 2).
const BLK_DIRECT: u32 = 1 << 30;
const BLK_FLAGS: u32 = BLK_UNCOMPRESSED | BLK_DIRECT;
/// Deepest directory nesting followed.
const MAX_DEPTH: usize = 64;

/// The CramFS format.
pub struct Cramfs;

#[derive(Debug, Clone, Copy)]
struct Inode {
    mode: u32,
    size: u32,
    namelen: usize,
    offset: usize,
}

#[derive(Debug, Clone, Copy)]
struct Layout {
    big_endian: bool,
    size: u32,
    flags: u32,
    files: u32,
}

impl Layout {
    fn word(&self, data: &[u8], at: usize) -> Option<u32> {
        let b: [u8; 4] = data.get(at..at + 4)?.try_into().ok()?;
        Some(if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }

    fn inode(&self, data: &[u8], at: usize) -> Option<Inode> {
        let (w0, w1, w2) = (
            self.word(data, at)?,
            self.word(data, at + 4)?,
            self.word(data, at + 8)?,
        );
        Some(if self.big_endian {
            Inode {
                mode: w0 >> 16,
                size: w1 >> 8,
                namelen: ((w2 >> 26) as usize) * 4,
                offset: ((w2 & 0x03ff_ffff) as usize) * 4,
            }
        } else {
            Inode {
                mode: w0 & 0xffff,
                size: w1 & 0x00ff_ffff,
                namelen: ((w2 & 0x3f) as usize) * 4,
                offset: ((w2 >> 6) as usize) * 4,
            }
        })
    }
}

fn parse_superblock(data: &[u8]) -> Result<Layout, FormatError> {
    let magic = data
        .get(..4)
        .ok_or_else(|| FormatError::malformed("shorter than a cramfs superblock"))?;
    let big_endian = match magic {
        m if m == LE_MAGIC => false,
        m if m == BE_MAGIC => true,
        _ => return Err(FormatError::malformed("no cramfs magic")),
    };
    if data.get(16..32) != Some(&SIGNATURE[..]) || data.len() < SUPERBLOCK_LEN {
        return Err(FormatError::malformed("no `Compressed ROMFS` signature"));
    }
    let mut layout = Layout {
        big_endian,
        size: 0,
        flags: 0,
        files: 0,
    };
    layout.size = layout.word(data, 4).unwrap_or(0);
    layout.flags = layout.word(data, 8).unwrap_or(0);
    layout.files = layout.word(data, 44).unwrap_or(0);
    Ok(layout)
}

/// One file's content: a block pointer table and zlib blocks.
struct File {
    image: Bytes,
    big_endian: bool,
    /// Pointers carry the direct/uncompressed bits.
    extended: bool,
    offset: usize,
    size: u64,
}

impl File {
    fn layout(&self) -> Layout {
        Layout {
            big_endian: self.big_endian,
            size: 0,
            flags: 0,
            files: 0,
        }
    }

    fn blocks(&self) -> u64 {
        self.size.div_ceil(PAGE)
    }

    /// Where the block with `pointer` is stored: (start, length, stored
    /// uncompressed), given the pointer of the block before.
    fn block_range(
        &self,
        pointer: u32,
        previous: Option<u32>,
        want: usize,
    ) -> Option<(usize, usize, bool)> {
        let table_end = self.offset + self.blocks() as usize * 4;
        if !self.extended {
            let start = previous.map_or(table_end, |p| p as usize);
            return Some((start, (pointer as usize).checked_sub(start)?, false));
        }
        let u16_at = |at: usize| -> Option<usize> {
            let b: [u8; 2] = self.image.get(at..at + 2)?.try_into().ok()?;
            Some(usize::from(if self.big_endian {
                u16::from_be_bytes(b)
            } else {
                u16::from_le_bytes(b)
            }))
        };
        let uncompressed = pointer & BLK_UNCOMPRESSED != 0;
        let address = ((pointer & !BLK_FLAGS) as usize) << 2;
        if pointer & BLK_DIRECT != 0 {
            return Some(if uncompressed {
                (address, want, true)
            } else {
                (address + 2, u16_at(address)?, false)
            });
        }
        // The block ends at the pointer and starts where the block before
        // ended, which a direct pointer gives as its start plus its length.
        let start = match previous {
            None => table_end,
            Some(p) if p & BLK_DIRECT != 0 => {
                let at = ((p & !BLK_FLAGS) as usize) << 2;
                if p & BLK_UNCOMPRESSED != 0 {
                    at + PAGE as usize
                } else {
                    at + 2 + u16_at(at)?
                }
            }
            Some(p) => (p & !BLK_FLAGS) as usize,
        };
        let end = (pointer & !BLK_FLAGS) as usize;
        Some((start, end.checked_sub(start)?, uncompressed))
    }
}

impl Source for File {
    fn reader(&self) -> io::Result<Box<dyn Read + '_>> {
        Ok(Box::new(FileReader {
            file: self,
            block: 0,
            previous: None,
            buf: Vec::new(),
            pos: 0,
        }))
    }

    fn stored_len(&self) -> u64 {
        if self.extended {
            // Direct blocks may sit anywhere: count whole pages.
            return self.blocks() * PAGE;
        }
        let layout = self.layout();
        let last = self.offset + (self.blocks() as usize).saturating_sub(1) * 4;
        let end = layout.word(&self.image, last).map_or(0, |w| w as usize);
        end.saturating_sub(self.offset) as u64
    }

    fn name(&self) -> &'static str {
        "cramfs"
    }
}

struct FileReader<'a> {
    file: &'a File,
    block: u64,
    /// The pointer of the block before.
    previous: Option<u32>,
    buf: Vec<u8>,
    pos: usize,
}

impl Read for FileReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.buf.len() {
            if self.block == self.file.blocks() {
                return Ok(0);
            }
            let bad = |why: &str| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("cramfs block {}: {why}", self.block),
                )
            };
            let layout = self.file.layout();
            let image = &self.file.image;
            let pointer = layout
                .word(image, self.file.offset + self.block as usize * 4)
                .ok_or_else(|| bad("pointer table runs past the end"))?;
            let want = (self.file.size - self.block * PAGE).min(PAGE) as usize;
            let (start, len, uncompressed) = self
                .file
                .block_range(pointer, self.previous, want)
                .ok_or_else(|| bad("block pointer out of the image"))?;
            let stored = start
                .checked_add(len)
                .and_then(|end| image.get(start..end))
                .ok_or_else(|| bad("data runs past the end"))?;
            self.buf.clear();
            if stored.is_empty() {
                // A hole: a block of zeros that takes no space.
                self.buf.resize(want, 0);
            } else if uncompressed {
                self.buf
                    .extend_from_slice(stored.get(..want).ok_or_else(|| bad("short block"))?);
            } else {
                flate2::read::ZlibDecoder::new(stored)
                    .take(PAGE)
                    .read_to_end(&mut self.buf)
                    .map_err(|e| bad(&e.to_string()))?;
            }
            if self.buf.len() != want {
                return Err(bad(&format!("{} bytes, expected {want}", self.buf.len())));
            }
            self.pos = 0;
            self.block += 1;
            self.previous = Some(pointer);
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl Format for Cramfs {
    fn id(&self) -> &'static str {
        "cramfs"
    }

    fn magic(&self) -> &'static [Magic] {
        const MAGICS: &[Magic] = &[Magic::at_start(&LE_MAGIC), Magic::at_start(&BE_MAGIC)];
        MAGICS
    }

    fn probe(&self, data: &[u8]) -> bool {
        parse_superblock(data).is_ok()
    }

    fn extent(&self, data: &[u8]) -> Option<u64> {
        let layout = parse_superblock(data).ok()?;
        (layout.size as usize >= SUPERBLOCK_LEN).then_some(u64::from(layout.size))
    }

    fn extract(&self, data: &Bytes, cx: &Context<'_>) -> Result<Extraction, FormatError> {
        let layout = parse_superblock(data)?;
        let mut extraction = Extraction::default();
        extraction.notes.push(format!(
            "cramfs {}, {} bytes, {} files",
            if layout.big_endian {
                "big-endian"
            } else {
                "little-endian"
            },
            layout.size,
            layout.files
        ));
        let extended = layout.flags & FLAG_EXT_BLOCK_POINTERS != 0;
        if extended {
            extraction
                .notes
                .push("cramfs extended block pointers (direct, uncompressed blocks)".into());
        }
        if (layout.size as usize) > data.len() {
            extraction.truncated = Some(format!(
                "cramfs claims {} bytes, {} present",
                layout.size,
                data.len()
            ));
        }
        let root = layout
            .inode(data, ROOT_INODE_AT)
            .ok_or_else(|| FormatError::truncated("cramfs root inode"))?;
        // Directories to list: (inode, path prefix, depth).
        let mut pending = vec![(root, String::new(), 0usize)];
        let mut seen = HashSet::new();
        // Directory entries listed, by position: real directories hold
        // disjoint runs of entries, while overlapping ones (each starting an
        // entry later) listed 980,701 entries from a 22 KB image.
        let mut listed = HashSet::new();
        while let Some((dir, prefix, depth)) = pending.pop() {
            if depth > MAX_DEPTH || !seen.insert(dir.offset) {
                extraction.truncated = Some("cramfs directory loop or nesting too deep".into());
                continue;
            }
            let mut at = dir.offset;
            let end = dir.offset.saturating_add(dir.size as usize);
            while at < end {
                if cx.full(extraction.entries.len()) {
                    return Ok(extraction);
                }
                if !listed.insert(at) {
                    extraction.truncated = Some(format!("cramfs directories overlap at {at}"));
                    break;
                }
                let Some(inode) = layout.inode(data, at) else {
                    extraction.truncated = Some(format!("cramfs inode at {at} runs past the end"));
                    break;
                };
                let name_at = at + 12;
                let Some(raw_name) = data.get(name_at..name_at + inode.namelen) else {
                    extraction.truncated =
                        Some(format!("cramfs name at {name_at} runs past the end"));
                    break;
                };
                let name_len = raw_name
                    .iter()
                    .position(|&b| b == 0)
                    .unwrap_or(raw_name.len());
                let name = String::from_utf8_lossy(&raw_name[..name_len]).into_owned();
                let path = if prefix.is_empty() {
                    name
                } else {
                    format!("{prefix}/{name}")
                };
                at = name_at + inode.namelen.max(4);
                let file = |size| File {
                    image: data.clone(),
                    big_endian: layout.big_endian,
                    extended,
                    offset: inode.offset,
                    size,
                };
                let mut entry = Entry::new(path.clone(), EntryKind::File);
                match inode.mode & 0o170000 {
                    0o040000 => {
                        entry.kind = EntryKind::Dir;
                        if inode.size > 0 {
                            pending.push((inode, path, depth + 1));
                        }
                    }
                    0o100000 => {
                        entry.blob = Some(Blob::Source(Arc::new(file(u64::from(inode.size)))))
                    }
                    0o120000 => {
                        let target = Blob::Source(Arc::new(file(u64::from(inode.size))))
                            .read_prefix(4096)
                            .map(|t| String::from_utf8_lossy(&t).into_owned())
                            .unwrap_or_default();
                        entry.kind = EntryKind::Symlink { target };
                    }
                    // Device numbers sit in the size field (old 16-bit encoding).
                    0o020000 => {
                        entry.kind = EntryKind::CharDevice {
                            major: (inode.size >> 8) & 0xff,
                            minor: inode.size & 0xff,
                        }
                    }
                    0o060000 => {
                        entry.kind = EntryKind::BlockDevice {
                            major: (inode.size >> 8) & 0xff,
                            minor: inode.size & 0xff,
                        }
                    }
                    0o010000 => entry.kind = EntryKind::Fifo,
                    other => {
                        entry.kind = EntryKind::Other {
                            description: format!("cramfs mode {other:o}"),
                        };
                    }
                }
                extraction.entries.push(entry);
            }
        }
        Ok(extraction)
    }
}

/// What [`build`] puts in an image.
#[derive(Debug, Clone)]
pub enum Node {
    /// A file and its content.
    File(&'static str, Vec<u8>),
    /// A symlink and its target.
    Symlink(&'static str, &'static str),
    /// A directory and what is in it.
    Dir(&'static str, Vec<Node>),
}

/// Build a cramfs image (for tests and samples): directories first in
/// each listing, then data, as `mkcramfs` lays them out.
pub fn build(root: &[Node], big_endian: bool) -> Vec<u8> {
    fn word(out: &mut [u8], at: usize, w: u32, be: bool) {
        out[at..at + 4].copy_from_slice(&if be { w.to_be_bytes() } else { w.to_le_bytes() });
    }
    fn inode(
        out: &mut [u8],
        at: usize,
        mode: u32,
        size: u32,
        namelen: usize,
        offset: usize,
        be: bool,
    ) {
        let (w0, w1, w2) = if be {
            (
                mode << 16,
                size << 8,
                ((namelen as u32 / 4) << 26) | (offset as u32 / 4),
            )
        } else {
            (
                mode,
                size,
                (namelen as u32 / 4) | ((offset as u32 / 4) << 6),
            )
        };
        word(out, at, w0, be);
        word(out, at + 4, w1, be);
        word(out, at + 8, w2, be);
    }
    fn name_len(name: &str) -> usize {
        (name.len() + 1).next_multiple_of(4)
    }
    fn listing_len(nodes: &[Node]) -> usize {
        nodes
            .iter()
            .map(|n| {
                let name = match n {
                    Node::File(n, _) | Node::Symlink(n, _) | Node::Dir(n, _) => n,
                };
                12 + name_len(name)
            })
            .sum()
    }
    // Write a directory listing at `at`, appending its children's data.
    fn write_dir(out: &mut Vec<u8>, at: usize, nodes: &[Node], be: bool) {
        let mut pos = at;
        for node in nodes {
            let (name, mode, content): (&str, u32, Option<Vec<u8>>) = match node {
                Node::File(n, d) => (n, 0o100644, Some(d.clone())),
                Node::Symlink(n, t) => (n, 0o120777, Some(t.as_bytes().to_vec())),
                Node::Dir(n, _) => (n, 0o040755, None),
            };
            let nl = name_len(name);
            out[pos + 12..pos + 12 + name.len()].copy_from_slice(name.as_bytes());
            let offset = out.len().next_multiple_of(4);
            out.resize(offset, 0);
            match (node, content) {
                (Node::Dir(_, children), _) => {
                    let len = listing_len(children);
                    inode(out, pos, mode, len as u32, nl, offset, be);
                    out.resize(offset + len, 0);
                    write_dir(out, offset, children, be);
                }
                (_, Some(data)) => {
                    inode(out, pos, mode, data.len() as u32, nl, offset, be);
                    let blocks: Vec<Vec<u8>> = data
                        .chunks(PAGE as usize)
                        .map(|c| {
                            let mut enc = flate2::write::ZlibEncoder::new(
                                Vec::new(),
                                flate2::Compression::default(),
                            );
                            std::io::Write::write_all(&mut enc, c).expect("write");
                            enc.finish().expect("finish")
                        })
                        .collect();
                    let table = offset;
                    out.resize(table + 4 * blocks.len(), 0);
                    for (i, block) in blocks.iter().enumerate() {
                        out.extend(block);
                        let end = out.len() as u32;
                        word(out, table + 4 * i, end, be);
                    }
                }
                _ => {}
            }
            pos += 12 + nl;
        }
    }
    let mut out = vec![0u8; SUPERBLOCK_LEN];
    out[..4].copy_from_slice(&LE_MAGIC);
    out[16..32].copy_from_slice(SIGNATURE);
    let listing = listing_len(root);
    inode(
        &mut out,
        ROOT_INODE_AT,
        0o040755,
        listing as u32,
        0,
        SUPERBLOCK_LEN,
        big_endian,
    );
    out.resize(SUPERBLOCK_LEN + listing, 0);
    write_dir(&mut out, SUPERBLOCK_LEN, root, big_endian);
    let len = out.len() as u32;
    word(&mut out, 0, 0x28cd_3d45, big_endian);
    word(&mut out, 4, len, big_endian);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<Node> {
        let big: Vec<u8> = (0..10_000u32).map(|i| (i % 253) as u8).collect();
        vec![
            Node::Dir(
                "bin",
                vec![
                    Node::File("busybox", b"\x7fELF busybox".to_vec()),
                    Node::Symlink("sh", "busybox"),
                ],
            ),
            Node::File("big.bin", big),
            Node::File("empty", Vec::new()),
        ]
    }

    /// Rewrite the 3-block file of a classic image into extended block
    /// pointers as Linux 4.15's mkcramfs lays them out: block 0 direct and
    /// stored, block 1 compressed right after it (an end pointer), block 2
    /// direct and compressed behind its 16-bit length.
    fn with_extended_pointers(be: bool, content: &[u8]) -> Vec<u8> {
        let mut image = build(&[Node::File("f", content.to_vec())], be);
        let layout = parse_superblock(&image).expect("superblock");
        let root = layout.inode(&image, ROOT_INODE_AT).expect("root");
        let file = layout.inode(&image, root.offset).expect("file inode");
        let word = |w: u32| if be { w.to_be_bytes() } else { w.to_le_bytes() };
        let half = |h: u16| if be { h.to_be_bytes() } else { h.to_le_bytes() };
        let zlib = |data: &[u8]| {
            use std::io::Write;
            let mut enc =
                flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(data).expect("write");
            enc.finish().expect("finish")
        };
        image.resize(image.len().next_multiple_of(4), 0);
        let block0 = image.len();
        image.extend_from_slice(&content[..4096]);
        image.extend_from_slice(&zlib(&content[4096..8192]));
        let block1_end = image.len();
        image.resize(image.len().next_multiple_of(4), 0);
        let block2 = image.len();
        let third = zlib(&content[8192..]);
        image.extend_from_slice(&half(third.len() as u16));
        image.extend_from_slice(&third);
        let pointers = [
            BLK_DIRECT | BLK_UNCOMPRESSED | (block0 >> 2) as u32,
            block1_end as u32,
            BLK_DIRECT | (block2 >> 2) as u32,
        ];
        for (i, p) in pointers.iter().enumerate() {
            let at = file.offset + i * 4;
            image[at..at + 4].copy_from_slice(&word(*p));
        }
        let flags = layout.flags | FLAG_EXT_BLOCK_POINTERS;
        image[8..12].copy_from_slice(&word(flags));
        let size = image.len() as u32;
        image[4..8].copy_from_slice(&word(size));
        image
    }

    #[test]
    fn extended_block_pointers_read_direct_and_stored_blocks() {
        let content: Vec<u8> = (0..10_000u32).map(|i| (i * 13 % 251) as u8).collect();
        for be in [false, true] {
            let image = with_extended_pointers(be, &content);
            let ex = Cramfs
                .extract(&Bytes::from_vec(image), &Context::named("app.img"))
                .expect("extract");
            let Some(Blob::Source(source)) = &ex.entries[0].blob else {
                panic!("no content: {:?}", ex.entries);
            };
            let mut read = Vec::new();
            source
                .reader()
                .and_then(|mut r| r.read_to_end(&mut read))
                .expect("read");
            assert_eq!(read, content, "be={be}");
        }
    }

    #[test]
    fn reads_little_and_big_endian_images() {
        for be in [false, true] {
            let image = build(&sample(), be);
            assert!(Cramfs.probe(&image), "be={be}");
            assert_eq!(Cramfs.extent(&image), Some(image.len() as u64));
            let ex = Cramfs
                .extract(&Bytes::from_vec(image), &Context::named("app.img"))
                .expect("extract");
            assert!(ex.truncated.is_none(), "{:?}", ex.truncated);
            let listing = crate::unpack::listing(&ex);
            assert_eq!(
                listing,
                [
                    ("big.bin".to_string(), EntryKind::File),
                    ("bin".to_string(), EntryKind::Dir),
                    ("bin/busybox".to_string(), EntryKind::File),
                    (
                        "bin/sh".to_string(),
                        EntryKind::Symlink {
                            target: "busybox".into()
                        }
                    ),
                    ("empty".to_string(), EntryKind::File),
                ],
                "be={be}"
            );
            let big = ex
                .entries
                .iter()
                .find(|e| e.name == "big.bin")
                .expect("big");
            let content = big
                .blob
                .as_ref()
                .and_then(|b| b.read_prefix(u64::MAX))
                .expect("decodes");
            assert_eq!(
                content,
                (0..10_000u32).map(|i| (i % 253) as u8).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn a_corrupt_block_is_an_error_when_read() {
        let mut image = build(&sample(), false);
        let len = image.len();
        image[len - 20] ^= 0xff;
        let ex = Cramfs
            .extract(&Bytes::from_vec(image), &Context::named("x"))
            .expect("listing");
        let errors = ex
            .entries
            .iter()
            .filter_map(|e| e.blob.as_ref())
            .filter(|b| b.read_prefix(u64::MAX).is_none())
            .count();
        assert!(errors >= 1);
    }

    #[test]
    fn overlapping_directories_list_each_entry_once() {
        // M directory inodes in a row, directory j listing entries j+1..M:
        // read whole, the listings name ~M²/2 entries (1,400 such inodes,
        // 22 KB, named 980,701). Each entry is listed once and the overlap
        // is named.
        const M: usize = 60;
        let at = |j: usize| SUPERBLOCK_LEN + 16 * j;
        let dir = |size: usize, offset: usize| {
            let mut raw = 0o040755u32.to_le_bytes().to_vec();
            raw.extend((size as u32).to_le_bytes());
            // A 4-byte name; the listing at `offset`.
            raw.extend((1 | (offset as u32 / 4) << 6).to_le_bytes());
            raw
        };
        let mut image = vec![0u8; SUPERBLOCK_LEN];
        for j in 0..M {
            image.extend(dir(16 * (M - j - 1), at(j + 1)));
            image.extend(format!("{j:04x}").as_bytes());
        }
        image[..4].copy_from_slice(&LE_MAGIC);
        let len = image.len() as u32;
        image[4..8].copy_from_slice(&len.to_le_bytes());
        image[16..32].copy_from_slice(SIGNATURE);
        image[44..48].copy_from_slice(&(M as u32).to_le_bytes());
        image[ROOT_INODE_AT..SUPERBLOCK_LEN].copy_from_slice(&dir(16 * M, at(0)));
        let ex = Cramfs
            .extract(&Bytes::from_vec(image), &Context::named("x"))
            .expect("listing");
        assert_eq!(ex.entries.len(), M);
        let why = ex.truncated.expect("overlap named");
        assert!(why.contains("overlap"), "{why}");
    }

    #[test]
    fn decoys_are_rejected() {
        let mut junk = LE_MAGIC.to_vec();
        junk.resize(100, 0);
        assert!(!Cramfs.probe(&junk));
        assert!(!Cramfs.probe(b"Compressed ROMFS"));
    }

    #[test]
    fn big_endian_bit_fields() {
        let be = Layout {
            big_endian: true,
            size: 0,
            flags: 0,
            files: 0,
        };
        // mode 0o100644, uid 0; size 5, gid 0; namelen 2 (8 bytes), offset 0x40 (256 bytes).
        let mut raw = Vec::new();
        raw.extend((0o100644u32 << 16).to_be_bytes());
        raw.extend((5u32 << 8).to_be_bytes());
        raw.extend(((2u32 << 26) | 0x40).to_be_bytes());
        let inode = be.inode(&raw, 0).expect("inode");
        assert_eq!(
            (inode.mode, inode.size, inode.namelen, inode.offset),
            (0o100644, 5, 8, 256)
        );
    }
}
