//! SquashFS 2.x and 3.x, read here: backhand's v3 reader takes no custom
//! decompressor (so it cannot read the vendor-LZMA images cameras and
//! routers ship) and no crate reads v2.
//!
//! Layout (domain.md §1.4; the 2.6-era kernel `squashfs_fs.h` and
//! squashfs-tools 3.x `unsquashfs.c`): inodes and directories are packed
//! bit-fields at fixed bit positions; a little-endian image counts bits
//! from the low bit of its first byte, a big-endian one from the high bit
//! (the same positions, read from the other end). Metadata sits in blocks
//! of at most 8 KiB behind a 16-bit length word (bit 15: stored). Data
//! blocks are listed by 32-bit words (bit 24: stored); a file's tail may
//! sit in a fragment block.
//!
//! Block compression is told from each block's first bytes, as sasquatch
//! does by trial: zlib (`78 ..`); LZMA with a 13-byte lzma-alone header
//! (sqlzma: `5d`, size, then `00`); Broadcom's 5-byte header without size
//! or end marker (`5d` + dictionary); OpenWrt's headerless raw LZMA
//! (`00`: lc 3 lp 0 pb 2, or lc 0 for Linksys); DD-WRT's 4-byte
//! `pb lc lp` prefix. Every decode is capped at the length the reader
//! needs (a block, a metadata block), and the LZMA dictionary at that
//! length, so no header can make it allocate more.

use std::collections::{HashMap, HashSet};
use std::io::{self, Read};
use std::sync::Arc;

use super::Superblock;
use super::data::{Data, MAX_CACHED, short};
use crate::model::EntryKind;
use crate::unpack::blob::{Blob, Bytes};
use crate::unpack::{Context, Entry, FormatError};

/// Largest decoded metadata block.
const METADATA_SIZE: usize = 8192;
/// Metadata read while listing one image, at most (cached blocks read
/// again count again): directories and inodes of real images are a few
/// MiB; no hostile size field or shared inode makes the lister do more.
const MAX_METADATA: usize = 64 << 20;
/// Deepest directory nesting followed.
const MAX_DEPTH: usize = 256;
/// Fragment-table entries accepted (each is a block of some file).
const MAX_FRAGMENTS: u32 = 1 << 22;
/// No fragment (`SQUASHFS_INVALID_FRAG`).
const NO_FRAGMENT: u32 = 0xffff_ffff;

/// Inode types.
const DIR: u32 = 1;
const REG: u32 = 2;
const SYMLINK: u32 = 3;
const BLKDEV: u32 = 4;
const CHRDEV: u32 = 5;
const FIFO: u32 = 6;
const SOCKET: u32 = 7;
const LDIR: u32 = 8;
const LREG: u32 = 9;

/// Tables the lister reads.
struct Lister {
    data: Bytes,
    big_endian: bool,
    block_size: u64,
    block_log: u32,
    v3: bool,
    /// Metadata length words are followed by a check byte.
    check: bool,
    inode_table: u64,
    directory_table: u64,
    /// Decoded metadata blocks by address: (bytes, address of the next).
    cache: HashMap<u64, (Arc<Vec<u8>>, u64)>,
    /// Metadata bytes read so far.
    read: usize,
    /// Metadata blocks that failed to decode (not tried again).
    failed: HashSet<u64>,
}

/// An inode's fields that listing needs.
struct Inode {
    kind: u32,
    file_size: u64,
    start_block: u64,
    /// Directory: offset in its first metadata block.
    offset: u32,
    fragment: u32,
    fragment_offset: u32,
    blocks: Vec<u32>,
    target: Vec<u8>,
    rdev: u32,
}

/// The entries of a 2.x or 3.x image.
pub(super) fn entries(
    data: &Bytes,
    sb: &Superblock,
    cx: &Context<'_>,
) -> Result<Vec<Entry>, FormatError> {
    let h = data
        .get(..if sb.major == 3 { 119 } else { 63 })
        .ok_or_else(|| FormatError::malformed("superblock cut short"))?;
    let be = sb.big_endian;
    let u16_at = |at: usize| read_uint(&h[at..at + 2], be) as u32;
    let u32_at = |at: usize| read_uint(&h[at..at + 4], be);
    let u64_at = |at: usize| read_uint(&h[at..at + 8], be);
    let v3 = sb.major == 3;
    let block_size = u32_at(51);
    let block_log = u16_at(34);
    if !block_size.is_power_of_two()
        || !(4096..=(1 << 20)).contains(&block_size)
        || 1u64 << block_log.min(63) != block_size
    {
        return Err(FormatError::malformed(format!(
            "squashfs {}.{}: block size {block_size}, log {block_log}",
            sb.major, sb.minor
        )));
    }
    let fragment_count = u32_at(55) as u32;
    // Every fragment is a block of at least one byte of the image: a count
    // past its length only makes the table decoded from a few repeated
    // pointers grow (64 KB could list 4 M entries, 128 MB of table).
    if fragment_count > MAX_FRAGMENTS || fragment_count as usize > data.len() {
        return Err(FormatError::malformed(format!(
            "{fragment_count} fragments"
        )));
    }
    let (inode_table, directory_table, fragment_table) = if v3 {
        (u64_at(87), u64_at(95), u64_at(103))
    } else {
        (u32_at(20), u32_at(24), u32_at(59))
    };
    let mut lister = Lister {
        data: data.clone(),
        big_endian: be,
        block_size,
        block_log,
        v3,
        check: h[36] & 0x04 != 0,
        inode_table,
        directory_table,
        cache: HashMap::new(),
        read: 0,
        failed: HashSet::new(),
    };
    let image = Data::new(
        data.clone(),
        block_size,
        lister.fragments(fragment_table, fragment_count)?,
        Box::new(decompress),
        MAX_CACHED,
    );
    let root_reference = u64_at(43);
    let root = lister.inode(root_reference)?;
    if !matches!(root.kind, DIR | LDIR) {
        return Err(FormatError::malformed("root inode is not a directory"));
    }
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    seen.insert(root_reference);
    lister.walk(&image, &root, "", 0, &mut seen, &mut out, cx)?;
    Ok(out)
}

impl Lister {
    /// One metadata block at `address`: its bytes and the next block's
    /// address.
    fn metadata_block(&mut self, address: u64) -> Result<(Arc<Vec<u8>>, u64), FormatError> {
        if let Some(hit) = self.cache.get(&address) {
            return Ok(hit.clone());
        }
        if self.failed.contains(&address) {
            return Err(FormatError::malformed(format!(
                "metadata block at {address} unreadable"
            )));
        }
        let block = self.read_block(address);
        if block.is_err() {
            self.failed.insert(address);
        }
        let (bytes, next) = block?;
        // Held for the whole listing: counted in full, however little of
        // it is read (one inode read from each of many blocks a byte apart).
        self.charge(bytes.len())?;
        let entry = (Arc::new(bytes), next);
        self.cache.insert(address, entry.clone());
        Ok(entry)
    }

    /// Decode the metadata block at `address`.
    fn read_block(&self, address: u64) -> Result<(Vec<u8>, u64), FormatError> {
        let data = &self.data;
        let at = usize::try_from(address).map_err(|_| cut("metadata block"))?;
        let word = at
            .checked_add(2)
            .and_then(|end| data.get(at..end))
            .ok_or_else(|| cut("metadata block"))?;
        let word = read_uint(word, self.big_endian) as usize;
        let len = word & 0x7fff;
        if len > METADATA_SIZE {
            return Err(FormatError::malformed(format!(
                "metadata block at {at} of {len} bytes"
            )));
        }
        let start = at + 2 + usize::from(self.check);
        let stored = data
            .get(start..start + len)
            .ok_or_else(|| cut("metadata block"))?;
        let bytes = if word & 0x8000 != 0 {
            stored.to_vec()
        } else {
            decompress(stored, METADATA_SIZE)
                .map_err(|e| FormatError::malformed(format!("metadata block at {at}: {e}")))?
        };
        if bytes.is_empty() {
            return Err(FormatError::malformed(format!(
                "empty metadata block at {at}"
            )));
        }
        Ok((bytes, (start + len) as u64))
    }

    /// Count `len` bytes of metadata read against the image's budget.
    fn charge(&mut self, len: usize) -> Result<(), FormatError> {
        self.read = self.read.saturating_add(len);
        if self.read > MAX_METADATA {
            return Err(FormatError::malformed(format!(
                "more than {MAX_METADATA} bytes of metadata"
            )));
        }
        Ok(())
    }

    /// `len` bytes of a metadata table from block `block`, offset `offset`.
    fn metadata(
        &mut self,
        table: u64,
        block: u64,
        offset: usize,
        len: usize,
    ) -> Result<Vec<u8>, FormatError> {
        self.charge(len)?;
        let mut out = Vec::with_capacity(len.min(METADATA_SIZE));
        let mut address = table
            .checked_add(block)
            .ok_or_else(|| cut("metadata reference"))?;
        let mut offset = offset;
        while out.len() < len {
            let (bytes, next) = self.metadata_block(address)?;
            let Some(tail) = bytes.get(offset..) else {
                return Err(FormatError::malformed("metadata offset past its block"));
            };
            let take = tail.len().min(len - out.len());
            out.extend_from_slice(&tail[..take]);
            offset = 0;
            address = next;
        }
        Ok(out)
    }

    /// The fragment table: `count` entries behind a list of pointers to
    /// metadata blocks.
    fn fragments(&mut self, table: u64, count: u32) -> Result<Vec<(u64, u32)>, FormatError> {
        let (entry, pointer) = if self.v3 { (16, 8) } else { (8, 4) };
        let bytes = count as usize * entry;
        let mut raw = Vec::with_capacity(bytes.min(MAX_METADATA));
        for i in 0..bytes.div_ceil(METADATA_SIZE) {
            let at = usize::try_from(table)
                .ok()
                .and_then(|t| t.checked_add(i * pointer))
                .filter(|at| at.checked_add(pointer).is_some())
                .ok_or_else(|| cut("fragment index"))?;
            let word = self
                .data
                .get(at..at + pointer)
                .ok_or_else(|| cut("fragment index"))?;
            let block = read_uint(word, self.big_endian);
            let (block_bytes, _) = self.metadata_block(block)?;
            raw.extend_from_slice(&block_bytes);
        }
        let be = self.big_endian;
        (0..count as usize)
            .map(|i| {
                let e = raw
                    .get(i * entry..(i + 1) * entry)
                    .ok_or_else(|| cut("fragment table"))?;
                Ok(if self.v3 {
                    (read_uint(&e[..8], be), read_uint(&e[8..12], be) as u32)
                } else {
                    (read_uint(&e[..4], be), read_uint(&e[4..8], be) as u32)
                })
            })
            .collect()
    }

    /// The inode at reference `reference` (metadata block << 16 | offset).
    fn inode(&mut self, reference: u64) -> Result<Inode, FormatError> {
        let (block, offset) = (reference >> 16, (reference & 0xffff) as usize);
        let table = self.inode_table;
        // The longest fixed part is an LREG's 40 bytes.
        let head = self.metadata(table, block, offset, 40).or_else(|_| {
            // The last inode of a table may end before 40 bytes.
            self.metadata_tail(table, block, offset)
        })?;
        let be = self.big_endian;
        let f = |pos: usize, width: usize| bits(&head, pos, width, be);
        let mut inode = Inode {
            kind: f(0, 4) as u32,
            file_size: 0,
            start_block: 0,
            offset: 0,
            fragment: NO_FRAGMENT,
            fragment_offset: 0,
            blocks: Vec::new(),
            target: Vec::new(),
            rdev: 0,
        };
        // (bit positions of the v3 and v2 inode layouts)
        let header_len = match (self.v3, inode.kind) {
            (true, DIR) => {
                inode.file_size = f(128, 19);
                inode.offset = f(147, 13) as u32;
                inode.start_block = f(160, 32);
                0
            }
            (true, LDIR) => {
                inode.file_size = f(128, 27);
                inode.offset = f(155, 13) as u32;
                inode.start_block = f(168, 32);
                0
            }
            (true, REG) => {
                inode.start_block = f(96, 64);
                inode.fragment = f(160, 32) as u32;
                inode.fragment_offset = f(192, 32) as u32;
                inode.file_size = f(224, 32);
                32
            }
            (true, LREG) => {
                inode.start_block = f(128, 64);
                inode.fragment = f(192, 32) as u32;
                inode.fragment_offset = f(224, 32) as u32;
                inode.file_size = f(256, 64);
                40
            }
            (true, SYMLINK) => {
                let len = f(128, 16) as usize;
                inode.target = self.metadata(table, block, offset, 18 + len)?[18..].to_vec();
                0
            }
            (true, BLKDEV | CHRDEV) => {
                inode.rdev = f(128, 16) as u32;
                0
            }
            (false, DIR) => {
                inode.file_size = f(32, 19);
                inode.offset = f(51, 13) as u32;
                inode.start_block = f(96, 24);
                0
            }
            (false, LDIR) => {
                inode.file_size = f(32, 27);
                inode.offset = f(59, 13) as u32;
                inode.start_block = f(104, 24);
                0
            }
            (false, REG) => {
                inode.start_block = f(64, 32);
                inode.fragment = f(96, 32) as u32;
                inode.fragment_offset = f(128, 32) as u32;
                inode.file_size = f(160, 32);
                24
            }
            (false, SYMLINK) => {
                let len = f(32, 16) as usize;
                inode.target = self.metadata(table, block, offset, 6 + len)?[6..].to_vec();
                0
            }
            (false, BLKDEV | CHRDEV) => {
                inode.rdev = f(32, 16) as u32;
                0
            }
            (_, FIFO | SOCKET) => 0,
            (_, kind) => {
                return Err(FormatError::malformed(format!("inode type {kind}")));
            }
        };
        if matches!(inode.kind, REG | LREG) {
            let size = inode.file_size;
            let count = if inode.fragment == NO_FRAGMENT {
                size.div_ceil(self.block_size)
            } else {
                size >> self.block_log
            };
            // Four bytes of metadata per block: a size no image could
            // list is refused before anything is allocated.
            let list = usize::try_from(count)
                .ok()
                .and_then(|c| c.checked_mul(4))
                .filter(|&n| n <= MAX_METADATA)
                .ok_or_else(|| FormatError::malformed(format!("file of {size} bytes")))?;
            let bytes = self.metadata(table, block, offset, header_len + list)?;
            inode.blocks = bytes[header_len..]
                .chunks_exact(4)
                .map(|w| read_uint(w, be) as u32)
                .collect();
        }
        Ok(inode)
    }

    /// What is left of the inode table from `offset` (fewer than 40 bytes).
    fn metadata_tail(
        &mut self,
        table: u64,
        block: u64,
        offset: usize,
    ) -> Result<Vec<u8>, FormatError> {
        let address = table.checked_add(block).ok_or_else(|| cut("inode"))?;
        let (bytes, _) = self.metadata_block(address)?;
        let mut tail = bytes.get(offset..).ok_or_else(|| cut("inode"))?.to_vec();
        tail.resize(40, 0);
        Ok(tail)
    }

    /// The first `limit` entries of directory `dir`: (name, inode
    /// reference).
    fn directory(&mut self, dir: &Inode, limit: u64) -> Result<Vec<(Vec<u8>, u64)>, FormatError> {
        // v3 counts 3 bytes of "." and ".." it does not store.
        let size = if self.v3 {
            dir.file_size.saturating_sub(3)
        } else {
            dir.file_size
        } as usize;
        if size == 0 {
            return Ok(Vec::new());
        }
        let table = self.directory_table;
        let data = self.metadata(table, dir.start_block, dir.offset as usize, size)?;
        let be = self.big_endian;
        let (header, entry) = if self.v3 { (9, 5) } else { (4, 3) };
        let mut out = Vec::new();
        let mut at = 0;
        while at + header <= data.len() && (out.len() as u64) < limit {
            let run = &data[at..];
            let count = bits(run, 0, 8, be) + 1;
            let start = bits(run, 8, if self.v3 { 32 } else { 24 }, be);
            at += header;
            for _ in 0..count {
                let e = data
                    .get(at..at + entry)
                    .ok_or_else(|| cut("directory entry"))?;
                let offset = bits(e, 0, 13, be);
                let name_len = bits(e, 16, 8, be) as usize + 1;
                at += entry;
                let name = data
                    .get(at..at + name_len)
                    .ok_or_else(|| cut("directory entry name"))?;
                at += name_len;
                out.push((name.to_vec(), (start << 16) | offset));
            }
        }
        Ok(out)
    }

    /// List `dir` under `prefix` into `out`, depth first.
    #[allow(clippy::too_many_arguments)]
    fn walk(
        &mut self,
        image: &Arc<Data>,
        dir: &Inode,
        prefix: &str,
        depth: usize,
        seen: &mut HashSet<u64>,
        out: &mut Vec<Entry>,
        cx: &Context<'_>,
    ) -> Result<(), FormatError> {
        if depth > MAX_DEPTH {
            return Err(FormatError::malformed("directories nested too deep"));
        }
        let room = cx.max_entries.saturating_sub(out.len() as u64);
        for (name, reference) in self.directory(dir, room)? {
            if cx.full(out.len()) {
                return Ok(());
            }
            let name = String::from_utf8_lossy(&name).into_owned();
            let path = format!("{prefix}{name}");
            if name.is_empty() || name == "." || name == ".." || name.contains('/') {
                let mut entry = Entry::new(path, EntryKind::File);
                entry.error = Some(format!("invalid name {name:?}"));
                out.push(entry);
                continue;
            }
            let inode = match self.inode(reference) {
                Ok(inode) => inode,
                Err(e) => {
                    let mut entry = Entry::new(path, EntryKind::File);
                    entry.error = Some(format!("inode: {e}"));
                    out.push(entry);
                    continue;
                }
            };
            let mut entry = Entry::new(path.clone(), EntryKind::File);
            match inode.kind {
                DIR | LDIR => {
                    entry.kind = EntryKind::Dir;
                    // A directory inode reached twice is a loop a hostile
                    // image built.
                    if !seen.insert(reference) {
                        entry.error = Some("directory loop".into());
                        out.push(entry);
                        continue;
                    }
                    let at = out.len();
                    out.push(entry);
                    // A broken subdirectory is reported on its entry; the
                    // rest of the image is still listed.
                    let below =
                        self.walk(image, &inode, &format!("{path}/"), depth + 1, seen, out, cx);
                    if let Err(e) = below {
                        out[at].error = Some(e.to_string());
                    }
                    continue;
                }
                REG | LREG => {
                    let tail = (inode.fragment != NO_FRAGMENT)
                        .then_some((inode.fragment, inode.fragment_offset));
                    match image.file(inode.file_size, inode.start_block, inode.blocks, tail) {
                        Ok(file) => entry.blob = Some(Blob::Source(Arc::new(file))),
                        Err(e) => entry.error = Some(e),
                    }
                }
                SYMLINK => {
                    entry.kind = EntryKind::Symlink {
                        target: String::from_utf8_lossy(&inode.target).into_owned(),
                    };
                }
                BLKDEV | CHRDEV => {
                    let (major, minor) = (inode.rdev >> 8, inode.rdev & 0xff);
                    entry.kind = if inode.kind == BLKDEV {
                        EntryKind::BlockDevice { major, minor }
                    } else {
                        EntryKind::CharDevice { major, minor }
                    };
                }
                FIFO => entry.kind = EntryKind::Fifo,
                _ => {
                    entry.kind = EntryKind::Other {
                        description: "socket".into(),
                    };
                }
            }
            out.push(entry);
        }
        Ok(())
    }
}

/// Decode one block into at most `want` bytes, with the compression its
/// first bytes name.
fn decompress(stored: &[u8], want: usize) -> io::Result<Vec<u8>> {
    let first = *stored.first().ok_or_else(|| short("block"))?;
    let zlib = stored.len() >= 2
        && first & 0x0f == 8
        && (u16::from(first) << 8 | u16::from(stored[1])) % 31 == 0;
    if zlib {
        let mut out = Vec::with_capacity(want);
        flate2::read::ZlibDecoder::new(stored)
            .take(want as u64)
            .read_to_end(&mut out)?;
        return Ok(out);
    }
    if first == 0x5d && stored.len() > 5 {
        // lzma-alone: properties, dictionary, 64-bit size (all ones when
        // unknown), then the stream.
        if stored.len() > 13 {
            let size = read_uint(&stored[5..13], false);
            if size == u64::MAX || (size <= want as u64 && stored[13] == 0) {
                let want = if size == u64::MAX {
                    want
                } else {
                    size as usize
                };
                return raw_lzma(&stored[13..], first, want);
            }
        }
        // Broadcom: properties and dictionary only.
        return raw_lzma(&stored[5..], first, want);
    }
    if first == 0 {
        // OpenWrt's headerless raw LZMA (lc 3 lp 0 pb 2: properties 0x5d);
        // Linksys builds use lc 0 (0x5a).
        for props in [0x5d, 0x5a] {
            if let Ok(out) = raw_lzma(stored, props, want)
                && !out.is_empty()
            {
                return Ok(out);
            }
        }
    }
    // DD-WRT: `pb lc lp x` prefix, then a raw stream.
    if stored.len() > 5 && stored[0] <= 4 && stored[1] <= 8 && stored[2] <= 4 && stored[4] == 0 {
        let props = (stored[0] * 5 + stored[2]) * 9 + stored[1];
        return raw_lzma(&stored[4..], props, want);
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidData,
        format!("unknown block compression (first byte {first:#04x})"),
    ))
}

/// Decode a raw LZMA1 stream with properties byte `props` into at most
/// `want` bytes: up to its end marker, or until `want` bytes are out (the
/// Broadcom variant has no end marker), or until the input ends.
fn raw_lzma(input: &[u8], props: u8, want: usize) -> io::Result<Vec<u8>> {
    let options = crate::unpack::lzma::lzma1_options(props, u32::MAX, want)?;
    let mut filters = liblzma::stream::Filters::new();
    filters.lzma1(&options);
    crate::unpack::lzma::decode_raw(&filters, input, want)
}

/// An unsigned integer of 2, 4 or 8 bytes in the image's byte order.
fn read_uint(bytes: &[u8], big_endian: bool) -> u64 {
    let fold = |v: u64, &b: &u8| (v << 8) | u64::from(b);
    if big_endian {
        bytes.iter().fold(0, fold)
    } else {
        bytes.iter().rev().fold(0, fold)
    }
}

/// The `width`-bit field at bit `pos` of a packed structure: counted from
/// the low bit of the first byte (little-endian images) or from its high
/// bit (big-endian). Bytes past the end read as zero.
fn bits(bytes: &[u8], pos: usize, width: usize, big_endian: bool) -> u64 {
    let first = pos / 8;
    let shift = pos % 8;
    let count = (shift + width).div_ceil(8);
    let byte = |i: usize| u128::from(bytes.get(first + i).copied().unwrap_or(0));
    let mut value: u128 = 0;
    if big_endian {
        for i in 0..count {
            value = (value << 8) | byte(i);
        }
        value >>= count * 8 - shift - width;
    } else {
        for i in (0..count).rev() {
            value = (value << 8) | byte(i);
        }
        value >>= shift;
    }
    (value & ((1u128 << width) - 1)) as u64
}

/// `len` bytes of the image at `at`.
fn cut(what: &str) -> FormatError {
    FormatError::malformed(format!("{what} past the end of the image"))
}

/// Block compression of a built image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Every block stored.
    Stored,
    /// zlib (mksquashfs 2.x/3.x).
    Zlib,
    /// OpenWrt's headerless raw LZMA, lc 3 lp 0 pb 2, with end marker.
    RawLzma,
    /// sqlzma's lzma-alone blocks (13-byte header).
    LzmaAlone,
}

/// A node of a built image.
#[derive(Debug, Clone)]
pub enum Node<'a> {
    /// A directory (parents are made as needed).
    Dir(&'a str),
    /// A regular file.
    File(&'a str, &'a [u8]),
    /// A symbolic link.
    Symlink(&'a str, &'a str),
    /// A character device (major, minor).
    CharDevice(&'a str, u32, u32),
}

/// Fixture writer: a SquashFS `major` (2 or 3) image of `nodes`, 4 KiB
/// blocks, file tails in fragments, in the given byte order and block
/// compression, laid out as mksquashfs 2.x/3.x does (data, inode table,
/// directory table, fragment table, ids). For tests; the reader above
/// never uses it.
pub fn build(
    major: u16,
    big_endian: bool,
    compression: Compression,
    nodes: &[Node<'_>],
) -> Vec<u8> {
    use std::collections::BTreeMap;
    const BLOCK: usize = 4096;
    let v3 = major == 3;
    let be = big_endian;
    // The tree: directory path -> (name -> node index or subdirectory).
    let mut dirs: BTreeMap<String, BTreeMap<String, Option<usize>>> = BTreeMap::new();
    dirs.insert(String::new(), BTreeMap::new());
    let add_dir = |dirs: &mut BTreeMap<String, BTreeMap<String, Option<usize>>>, path: &str| {
        let mut parent = String::new();
        for part in path.split('/').filter(|p| !p.is_empty()) {
            let full = if parent.is_empty() {
                part.to_string()
            } else {
                format!("{parent}/{part}")
            };
            dirs.entry(parent.clone())
                .or_default()
                .insert(part.to_string(), None);
            dirs.entry(full.clone()).or_default();
            parent = full;
        }
    };
    for (i, node) in nodes.iter().enumerate() {
        let path = match node {
            Node::Dir(p) => {
                add_dir(&mut dirs, p);
                continue;
            }
            Node::File(p, _) | Node::Symlink(p, _) | Node::CharDevice(p, _, _) => *p,
        };
        let (parent, name) = path.rsplit_once('/').unwrap_or(("", path));
        add_dir(&mut dirs, parent);
        dirs.entry(parent.to_string())
            .or_default()
            .insert(name.to_string(), Some(i));
    }
    let compress = |raw: &[u8]| -> Option<Vec<u8>> {
        let out = match compression {
            Compression::Stored => return None,
            Compression::Zlib => {
                use std::io::Write;
                let mut enc =
                    flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
                enc.write_all(raw).ok()?;
                enc.finish().ok()?
            }
            Compression::RawLzma | Compression::LzmaAlone => {
                let mut options = liblzma::stream::LzmaOptions::new_preset(6).ok()?;
                options.dict_size(1 << 16);
                let mut stream = if compression == Compression::RawLzma {
                    let mut filters = liblzma::stream::Filters::new();
                    filters.lzma1(&options);
                    liblzma::stream::Stream::new_raw_encoder(&filters).ok()?
                } else {
                    liblzma::stream::Stream::new_lzma_encoder(&options).ok()?
                };
                let mut out = Vec::with_capacity(raw.len() + 64);
                loop {
                    let consumed = stream.total_in() as usize;
                    out.reserve(4096);
                    let status = stream
                        .process_vec(&raw[consumed..], &mut out, liblzma::stream::Action::Finish)
                        .ok()?;
                    if status == liblzma::stream::Status::StreamEnd {
                        break;
                    }
                }
                out
            }
        };
        // Stored when compression does not pay, as mksquashfs does.
        (out.len() < raw.len()).then_some(out)
    };
    let word = |out: &mut Vec<u8>, value: u64, len: usize| {
        let bytes = value.to_be_bytes();
        let field = &bytes[8 - len..];
        if be {
            out.extend_from_slice(field);
        } else {
            out.extend(field.iter().rev());
        }
    };
    let header_len = if v3 { 119 } else { 63 };
    let mut image = vec![0u8; header_len];

    // Data blocks and fragments.
    struct Placed {
        start: u64,
        blocks: Vec<u32>,
        fragment: u32,
        fragment_offset: u32,
    }
    let mut placed: Vec<Option<Placed>> = (0..nodes.len()).map(|_| None).collect();
    let mut fragment = Vec::new();
    let mut fragments: Vec<(u64, u32)> = Vec::new();
    let flush_fragment =
        |image: &mut Vec<u8>, fragment: &mut Vec<u8>, fragments: &mut Vec<(u64, u32)>| {
            if fragment.is_empty() {
                return;
            }
            let start = image.len() as u64;
            let size = match compress(fragment) {
                Some(c) => {
                    image.extend_from_slice(&c);
                    c.len() as u32
                }
                None => {
                    image.extend_from_slice(fragment);
                    fragment.len() as u32 | 1 << 24
                }
            };
            fragments.push((start, size));
            fragment.clear();
        };
    for (i, node) in nodes.iter().enumerate() {
        let Node::File(_, data) = node else { continue };
        let start = image.len() as u64;
        let whole = data.len() / BLOCK * BLOCK;
        let mut blocks = Vec::new();
        for chunk in data[..whole].chunks(BLOCK) {
            match compress(chunk) {
                Some(c) => {
                    blocks.push(c.len() as u32);
                    image.extend_from_slice(&c);
                }
                None => {
                    blocks.push(chunk.len() as u32 | 1 << 24);
                    image.extend_from_slice(chunk);
                }
            }
        }
        let tail = &data[whole..];
        let (mut index, mut offset) = (NO_FRAGMENT, 0);
        if !tail.is_empty() {
            if fragment.len() + tail.len() > BLOCK {
                flush_fragment(&mut image, &mut fragment, &mut fragments);
            }
            index = fragments.len() as u32;
            offset = fragment.len() as u32;
            fragment.extend_from_slice(tail);
        }
        placed[i] = Some(Placed {
            start,
            blocks,
            fragment: index,
            fragment_offset: offset,
        });
    }
    flush_fragment(&mut image, &mut fragment, &mut fragments);

    // Metadata tables, written as streams of 8 KiB blocks; a reference is
    // (packed bytes of the blocks before) << 16 | offset in the block.
    struct Table {
        packed: Vec<u8>,
        current: Vec<u8>,
    }
    let flush = |table: &mut Table, all: bool| {
        while table.current.len() >= METADATA_SIZE || (all && !table.current.is_empty()) {
            let take = table.current.len().min(METADATA_SIZE);
            let raw: Vec<u8> = table.current.drain(..take).collect();
            let (len, body) = match compress(&raw) {
                Some(c) => (c.len() as u64, c),
                None => (raw.len() as u64 | 0x8000, raw),
            };
            word(&mut table.packed, len, 2);
            table.packed.extend_from_slice(&body);
        }
    };
    let reference =
        |table: &Table| ((table.packed.len() as u64) << 16) | table.current.len() as u64;
    let mut inodes = Table {
        packed: Vec::new(),
        current: Vec::new(),
    };
    let mut directories = Table {
        packed: Vec::new(),
        current: Vec::new(),
    };
    let packed_fields = |fields: &[(usize, usize, u64)], len: usize| {
        let mut out = vec![0u8; len];
        for &(pos, width, value) in fields {
            set_bits(&mut out, pos, width, value, be);
        }
        out
    };
    let mut inode_number = 1u64;
    // Directory path -> (inode reference, type) once written.
    let mut written: BTreeMap<String, (u64, u32)> = BTreeMap::new();
    // Directories deepest first: children's inodes, then the listing, then
    // the directory's own inode, so every reference exists when needed.
    let mut order: Vec<String> = dirs.keys().cloned().collect();
    order.sort_by_key(|d| std::cmp::Reverse(d.matches('/').count() + usize::from(!d.is_empty())));
    for dir in &order {
        let mut listing: Vec<(String, u64, u32)> = Vec::new(); // (name, reference, type)
        for (name, child) in &dirs[dir] {
            let (reference_of, kind) = match child {
                None => {
                    let full = if dir.is_empty() {
                        name.clone()
                    } else {
                        format!("{dir}/{name}")
                    };
                    written[&full]
                }
                Some(i) => {
                    let at = reference(&inodes);
                    let number = inode_number;
                    inode_number += 1;
                    let common = |kind: u32| {
                        vec![
                            (0usize, 4usize, u64::from(kind)),
                            (4, 12, 0o755),
                            (16, 8, 0),
                            (24, 8, 0),
                        ]
                    };
                    let (kind, bytes) = match &nodes[*i] {
                        Node::File(_, data) => {
                            let p = placed[*i].as_ref().expect("placed");
                            let mut f = common(REG);
                            let len = if v3 {
                                f.extend([
                                    (32, 32, 0),
                                    (64, 32, number),
                                    (96, 64, p.start),
                                    (160, 32, u64::from(p.fragment)),
                                    (192, 32, u64::from(p.fragment_offset)),
                                    (224, 32, data.len() as u64),
                                ]);
                                32
                            } else {
                                f.extend([
                                    (32, 32, 0),
                                    (64, 32, p.start),
                                    (96, 32, u64::from(p.fragment)),
                                    (128, 32, u64::from(p.fragment_offset)),
                                    (160, 32, data.len() as u64),
                                ]);
                                24
                            };
                            let mut bytes = packed_fields(&f, len);
                            for &b in &p.blocks {
                                word(&mut bytes, u64::from(b), 4);
                            }
                            (REG, bytes)
                        }
                        Node::Symlink(_, target) => {
                            let mut f = common(SYMLINK);
                            let len = if v3 {
                                f.extend([
                                    (32, 32, 0),
                                    (64, 32, number),
                                    (96, 32, 1),
                                    (128, 16, target.len() as u64),
                                ]);
                                18
                            } else {
                                f.push((32, 16, target.len() as u64));
                                6
                            };
                            let mut bytes = packed_fields(&f, len);
                            bytes.extend_from_slice(target.as_bytes());
                            (SYMLINK, bytes)
                        }
                        Node::CharDevice(_, major, minor) => {
                            let rdev = u64::from(major << 8 | minor);
                            let mut f = common(CHRDEV);
                            let len = if v3 {
                                f.extend([
                                    (32, 32, 0),
                                    (64, 32, number),
                                    (96, 32, 1),
                                    (128, 16, rdev),
                                ]);
                                18
                            } else {
                                f.push((32, 16, rdev));
                                6
                            };
                            (CHRDEV, packed_fields(&f, len))
                        }
                        Node::Dir(_) => unreachable!("directories are not leaves"),
                    };
                    inodes.current.extend_from_slice(&bytes);
                    flush(&mut inodes, false);
                    (at, kind)
                }
            };
            listing.push((name.clone(), reference_of, kind));
        }
        // The listing: runs of entries whose inodes share a block.
        let start = reference(&directories);
        let mut bytes = Vec::new();
        for run in listing.chunk_by(|a, b| a.1 >> 16 == b.1 >> 16) {
            for run in run.chunks(256) {
                let block = run[0].1 >> 16;
                let header = if v3 {
                    packed_fields(
                        &[(0, 8, run.len() as u64 - 1), (8, 32, block), (40, 32, 1)],
                        9,
                    )
                } else {
                    packed_fields(&[(0, 8, run.len() as u64 - 1), (8, 24, block)], 4)
                };
                bytes.extend_from_slice(&header);
                for (name, reference_of, kind) in run {
                    let mut fields = vec![
                        (0, 13, reference_of & 0xffff),
                        (13, 3, u64::from(*kind)),
                        (16, 8, name.len() as u64 - 1),
                    ];
                    if v3 {
                        fields.push((24, 16, 0));
                    }
                    bytes.extend_from_slice(&packed_fields(&fields, if v3 { 5 } else { 3 }));
                    bytes.extend_from_slice(name.as_bytes());
                }
            }
        }
        directories.current.extend_from_slice(&bytes);
        flush(&mut directories, false);
        let size = bytes.len() as u64 + if v3 { 3 } else { 0 };
        let at = reference(&inodes);
        let fields: Vec<(usize, usize, u64)> = if v3 {
            vec![
                (0, 4, u64::from(DIR)),
                (4, 12, 0o755),
                (32, 32, 0),
                (64, 32, inode_number),
                (96, 32, 2),
                (128, 19, size),
                (147, 13, start & 0xffff),
                (160, 32, start >> 16),
                (192, 32, 0),
            ]
        } else {
            vec![
                (0, 4, u64::from(DIR)),
                (4, 12, 0o755),
                (32, 19, size),
                (51, 13, start & 0xffff),
                (64, 32, 0),
                (96, 24, start >> 16),
            ]
        };
        inode_number += 1;
        inodes
            .current
            .extend_from_slice(&packed_fields(&fields, if v3 { 28 } else { 15 }));
        flush(&mut inodes, false);
        written.insert(dir.clone(), (at, DIR));
    }
    flush(&mut inodes, true);
    flush(&mut directories, true);
    let inode_table = image.len() as u64;
    image.extend_from_slice(&inodes.packed);
    let directory_table = image.len() as u64;
    image.extend_from_slice(&directories.packed);
    // Fragment entries in metadata blocks, then the index of those blocks.
    let mut entries = Table {
        packed: Vec::new(),
        current: Vec::new(),
    };
    for &(start, size) in &fragments {
        word(&mut entries.current, start, if v3 { 8 } else { 4 });
        word(&mut entries.current, u64::from(size), 4);
        if v3 {
            word(&mut entries.current, 0, 4);
        }
    }
    let mut block_starts = Vec::new();
    while !entries.current.is_empty() {
        block_starts.push(image.len() as u64 + entries.packed.len() as u64);
        let take = entries.current.len().min(METADATA_SIZE);
        let mut one = Table {
            packed: Vec::new(),
            current: entries.current.drain(..take).collect(),
        };
        flush(&mut one, true);
        entries.packed.extend_from_slice(&one.packed);
    }
    image.extend_from_slice(&entries.packed);
    let fragment_table = image.len() as u64;
    for start in block_starts {
        word(&mut image, start, if v3 { 8 } else { 4 });
    }
    let uid_start = image.len() as u64;
    word(&mut image, 0, 4);
    let bytes_used = image.len() as u64;
    let root = written[""].0;

    let mut sb = Vec::with_capacity(header_len);
    sb.extend_from_slice(if be { b"sqsh" } else { b"hsqs" });
    word(&mut sb, inode_number, 4);
    for value in [
        bytes_used,
        uid_start,
        uid_start,
        inode_table,
        directory_table,
    ] {
        word(&mut sb, if v3 { 0 } else { value }, 4);
    }
    word(&mut sb, u64::from(major), 2);
    word(&mut sb, 1, 2); // minor
    word(&mut sb, BLOCK as u64, 2);
    word(&mut sb, 12, 2);
    sb.push(0); // flags
    sb.push(1); // uids
    sb.push(0); // gids
    word(&mut sb, 0, 4); // mkfs time
    word(&mut sb, root, 8);
    word(&mut sb, BLOCK as u64, 4);
    word(&mut sb, fragments.len() as u64, 4);
    word(&mut sb, if v3 { 0 } else { fragment_table }, 4);
    if v3 {
        for value in [
            bytes_used,
            uid_start,
            uid_start,
            inode_table,
            directory_table,
            fragment_table,
            u64::MAX,
        ] {
            word(&mut sb, value, 8);
        }
    }
    image[..header_len].copy_from_slice(&sb);
    image
}

/// Write `value` into the `width`-bit field at bit `pos` (see [`bits`]).
fn set_bits(bytes: &mut [u8], pos: usize, width: usize, value: u64, big_endian: bool) {
    for i in 0..width {
        let bit = (value >> i) & 1;
        // Bit i of the field (from its low end) in the packed stream.
        let at = if big_endian {
            pos + width - 1 - i
        } else {
            pos + i
        };
        let (byte, shift) = if big_endian {
            (at / 8, 7 - at % 8)
        } else {
            (at / 8, at % 8)
        };
        if bit == 1 {
            bytes[byte] |= 1 << shift;
        } else {
            bytes[byte] &= !(1 << shift);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unpack::squashfs::parse_superblock;

    /// (path, kind, content) of every entry, contents read through the
    /// lazy file readers; a file that cannot be read is an error.
    fn read(image: &[u8]) -> Result<Vec<(String, EntryKind, Vec<u8>)>, FormatError> {
        let sb = parse_superblock(image)?;
        let listed = entries(&Bytes::from_vec(image.to_vec()), &sb, &Context::named("x"))?;
        listed
            .into_iter()
            .map(|e| {
                let mut content = Vec::new();
                if let Some(Blob::Source(source)) = &e.blob {
                    source
                        .reader()
                        .and_then(|mut r| r.read_to_end(&mut content))
                        .map_err(|err| FormatError::malformed(format!("{}: {err}", e.name)))?;
                }
                Ok((e.path.clone().unwrap_or_default(), e.kind, content))
            })
            .collect()
    }

    fn tree() -> (Vec<u8>, Vec<u8>) {
        // Several blocks and a tail; an exact block multiple (no fragment).
        let big: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let exact: Vec<u8> = (0..8192u32).map(|i| (i % 13) as u8).collect();
        (big, exact)
    }

    #[test]
    fn versions_2_and_3_in_either_byte_order_and_every_compression_read_back() {
        let (big, exact) = tree();
        let nodes = [
            Node::File("bin/busybox", &big),
            Node::File("bin/exact", &exact),
            Node::File("etc/passwd", b"root:x:0:0::/root:/bin/sh\n"),
            Node::File("etc/empty", b""),
            Node::Symlink("bin/sh", "busybox"),
            Node::CharDevice("dev/console", 5, 1),
            Node::Dir("mnt/usb"),
        ];
        for major in [2, 3] {
            for big_endian in [false, true] {
                for compression in [
                    Compression::Stored,
                    Compression::Zlib,
                    Compression::RawLzma,
                    Compression::LzmaAlone,
                ] {
                    let case = format!("{major} {big_endian} {compression:?}");
                    let image = build(major, big_endian, compression, &nodes);
                    let read = read(&image).unwrap_or_else(|e| panic!("{case}: {e}"));
                    let find = |path: &str| {
                        read.iter()
                            .find(|(p, ..)| p == path)
                            .unwrap_or_else(|| panic!("{case}: no {path} in {read:?}"))
                    };
                    assert_eq!(find("bin/busybox").2, big, "{case}");
                    assert_eq!(find("bin/exact").2, exact, "{case}");
                    assert_eq!(
                        find("etc/passwd").2,
                        b"root:x:0:0::/root:/bin/sh\n",
                        "{case}"
                    );
                    assert_eq!(find("etc/empty").2, b"", "{case}");
                    assert_eq!(
                        find("bin/sh").1,
                        EntryKind::Symlink {
                            target: "busybox".into()
                        },
                        "{case}"
                    );
                    assert_eq!(
                        find("dev/console").1,
                        EntryKind::CharDevice { major: 5, minor: 1 },
                        "{case}"
                    );
                    assert_eq!(find("mnt/usb").1, EntryKind::Dir, "{case}");
                    assert_eq!(read.len(), 11, "{case}: {read:?}");
                }
            }
        }
    }

    #[test]
    fn packed_fields_read_from_either_end() {
        let mut le = [0u8; 9];
        let mut be = [0u8; 9];
        for (pos, width, value) in [(0, 4, 9), (4, 12, 0o755), (40, 32, 0xdead_beef), (72, 0, 0)] {
            set_bits(&mut le, pos, width, value, false);
            set_bits(&mut be, pos, width, value, true);
            assert_eq!(bits(&le, pos, width, false), value);
            assert_eq!(bits(&be, pos, width, true), value);
        }
        // The inode header's 4-bit type: the low nibble of a little-endian
        // image's first byte, the high nibble of a big-endian one's.
        assert_eq!(le[0] & 0x0f, 9);
        assert_eq!(be[0] >> 4, 9);
    }

    #[test]
    fn hostile_images_are_errors_not_panics_or_loops() {
        let (big, _) = tree();
        let image = build(3, false, Compression::Zlib, &[Node::File("a/b", &big)]);
        // Cut anywhere.
        for cut in (0..image.len()).step_by(7) {
            let _ = read(&image[..cut]);
        }
        // Bytes flipped anywhere.
        for at in 0..image.len() {
            let mut bad = image.clone();
            bad[at] ^= 0xa5;
            let _ = read(&bad);
        }
        // A directory entry that points back at the root: reported on the
        // entry, not followed. (v2 LE, stored: the directory table starts
        // with the root's listing, `d` being empty: block word, 4-byte run
        // header, 3-byte entry.)
        let mut looped = build(2, false, Compression::Stored, &[Node::Dir("d")]);
        let root = read_uint(&looped[43..51], false);
        let table = read_uint(&looped[24..28], false) as usize;
        set_bits(
            &mut looped[table + 6..table + 9],
            0,
            13,
            root & 0xffff,
            false,
        );
        let read = read(&looped).expect("listed");
        assert_eq!(read.len(), 1, "{read:?}");
        assert_eq!(read[0].1, EntryKind::Dir);
    }

    #[test]
    fn more_fragments_than_image_bytes_are_refused() {
        let (big, _) = tree();
        for v in [2, 3] {
            let mut image = build(v, false, Compression::Zlib, &[Node::File("a", &big)]);
            assert!(read(&image).is_ok());
            let count = image.len() as u32 + 1;
            image[55..59].copy_from_slice(&count.to_le_bytes());
            let err = read(&image).expect_err("refused");
            assert!(err.to_string().contains("fragments"), "{err}");
        }
    }

    #[test]
    fn a_metadata_block_longer_than_8_kib_is_refused() {
        // A block word claiming 12 KiB stored (bit 15), with as many bytes
        // after it: more than any metadata block holds. Accepted, many such
        // blocks a byte apart were each cached whole (390 KB took 1.28 GB).
        let block = |len: u16| {
            let mut data = (0x8000 | len).to_le_bytes().to_vec();
            data.extend(vec![7u8; 16 << 10]);
            Lister {
                data: Bytes::from_vec(data),
                big_endian: false,
                block_size: 4096,
                block_log: 12,
                v3: false,
                check: false,
                inode_table: 0,
                directory_table: 0,
                cache: HashMap::new(),
                read: 0,
                failed: HashSet::new(),
            }
            .read_block(0)
        };
        let (bytes, next) = block(8192).expect("a full block");
        assert_eq!((bytes.len(), next), (8192, 8194));
        let err = block(12 << 10).expect_err("refused");
        assert!(
            err.to_string()
                .contains("metadata block at 0 of 12288 bytes"),
            "{err}"
        );
    }

    #[test]
    fn unknown_block_compression_is_named() {
        let err = decompress(&[0xee, 1, 2, 3, 4, 5, 6], 100).expect_err("unknown");
        assert!(err.to_string().contains("0xee"), "{err}");
    }
}
