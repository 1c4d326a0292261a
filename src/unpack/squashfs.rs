//! SquashFS, read in-process with the `backhand` crate.
//!
//! Magic `hsqs` (little-endian) or `sqsh` (big-endian) at 0 (domain.md
//! §1.4); major/minor version at 28/30 in every version. Supported:
//! - v4 LE and BE (and AVM's BE variant) with gzip, lzma, lzo, xz, lz4 and
//!   zstd. backhand decodes gzip/xz/lz4/zstd; LZO and LZMA blocks are
//!   decoded here ([`Decompressor`]) with our own LZO1X decoder and
//!   `liblzma`, because backhand's own `lzo`/`*_lzma`
//!   features pull GPL code (`../shared/crates.md` B5).
//! - v3 and v2 LE and BE with zlib and the vendor LZMA variants (sqlzma,
//!   Broadcom, OpenWrt, DD-WRT), read by our own [`legacy`] reader: backhand's
//!   v3 reader takes no custom decompressor and none reads v2. sqlzma's
//!   magics `shsq` (LE) and `qshs` (BE) are read the same way.
//! - Other vendor magics (`sqlz`, `tqsh`, `hsqt`), vendor v4 and v1 are
//!   recognised and reported as unsupported.
//!
//! Every file becomes a [`Blob::Source`]: its blocks and fragment are
//! decoded only when the walk opens it, and a file that ends before its
//! declared size is reported as truncated. backhand parses the directory
//! tree recursively, so the image is opened on a thread with a large stack.

use std::io::{self, Cursor, Read};
use std::sync::Arc;

use backhand::compression::{CompressionAction, Compressor, DefaultCompressor};
use backhand::kind::{self, Kind};
use backhand::{BackhandError, FilesystemCompressor, SuperBlock};

use crate::model::EntryKind;
use crate::unpack::blob::{Blob, Bytes};
use crate::unpack::{Context, Entry, Extraction, Format, FormatError, Magic};

mod data;
pub mod legacy;

const LE_MAGIC: [u8; 4] = *b"hsqs";
const BE_MAGIC: [u8; 4] = *b"sqsh";
/// Vendor variants (LZMA-patched and byte-swapped forks), domain.md §1.4.
const VENDOR_MAGICS: [[u8; 4]; 5] = [*b"sqlz", *b"qshs", *b"tqsh", *b"shsq", *b"hsqt"];
/// Stack for parsing the directory tree, which backhand does recursively.
const PARSER_STACK: usize = 256 << 20;
/// Largest block any squashfs version writes (1 MiB); no decoded block may
/// exceed it.
const MAX_BLOCK: usize = 1 << 20;
/// No fragment (`SQUASHFS_INVALID_FRAG`).
const NO_FRAGMENT: u32 = 0xffff_ffff;

/// The SquashFS format.
pub struct Squashfs;

/// Superblock facts shared by probe, extent and extract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Superblock {
    /// Byte order of the image.
    pub big_endian: bool,
    /// Vendor magic, if not a standard one.
    pub vendor: Option<String>,
    /// Version.
    pub major: u16,
    /// Version.
    pub minor: u16,
    /// v4 compressor id (1 gzip, 2 lzma, 3 lzo, 4 xz, 5 lz4, 6 zstd).
    pub compressor: Option<u16>,
    /// Data block size.
    pub block_size: u32,
    /// Inode count.
    pub inodes: u32,
    /// Bytes the filesystem occupies.
    pub bytes_used: u64,
}

/// Parse and sanity-check the superblock.
pub fn parse_superblock(data: &[u8]) -> Result<Superblock, FormatError> {
    let Some(h) = data.get(..96) else {
        return Err(FormatError::malformed("shorter than a squashfs superblock"));
    };
    let magic: [u8; 4] = [h[0], h[1], h[2], h[3]];
    let vendor = VENDOR_MAGICS.contains(&magic);
    let big_endian = magic == BE_MAGIC || [*b"sqlz", *b"tqsh", *b"qshs"].contains(&magic);
    if magic != LE_MAGIC && magic != BE_MAGIC && !vendor {
        return Err(FormatError::malformed("no squashfs magic"));
    }
    let u16_at = |at: usize| {
        let b = [h[at], h[at + 1]];
        if big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        }
    };
    let u32_at = |at: usize| {
        let b = [h[at], h[at + 1], h[at + 2], h[at + 3]];
        if big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        }
    };
    let u64_at = |at: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&h[at..at + 8]);
        if big_endian {
            u64::from_be_bytes(b)
        } else {
            u64::from_le_bytes(b)
        }
    };
    let (major, minor) = (u16_at(28), u16_at(30));
    let mut sb = Superblock {
        big_endian,
        vendor: vendor.then(|| String::from_utf8_lossy(&magic).into_owned()),
        major,
        minor,
        compressor: None,
        block_size: 0,
        inodes: u32_at(4),
        bytes_used: 0,
    };
    match major {
        4 => {
            sb.block_size = u32_at(12);
            let block_log = u16_at(22);
            sb.compressor = Some(u16_at(20));
            sb.bytes_used = u64_at(40);
            let valid_block = sb.block_size.is_power_of_two()
                && (4096..=MAX_BLOCK as u32).contains(&sb.block_size)
                && 1u32.checked_shl(u32::from(block_log)) == Some(sb.block_size);
            if !valid_block || !(1..=6).contains(&u16_at(20)) {
                return Err(FormatError::malformed("implausible squashfs 4 superblock"));
            }
        }
        3 => {
            sb.block_size = u32_at(51);
            sb.bytes_used = u64_at(63);
            if !sb.block_size.is_power_of_two()
                || !(4096..=MAX_BLOCK as u32).contains(&sb.block_size)
            {
                return Err(FormatError::malformed("implausible squashfs 3 superblock"));
            }
        }
        2 => {
            sb.block_size = u32_at(51);
            sb.bytes_used = u64::from(u32_at(8));
            if !sb.block_size.is_power_of_two()
                || !(4096..=MAX_BLOCK as u32).contains(&sb.block_size)
            {
                return Err(FormatError::malformed("implausible squashfs 2 superblock"));
            }
        }
        1 => {
            sb.bytes_used = u64::from(u32_at(8));
        }
        _ => {
            return Err(FormatError::malformed(format!(
                "squashfs version {major}.{minor}"
            )));
        }
    }
    Ok(sb)
}

fn compressor_name(id: Option<u16>) -> &'static str {
    match id {
        Some(1) => "gzip",
        Some(2) => "lzma",
        Some(3) => "lzo",
        Some(4) => "xz",
        Some(5) => "lz4",
        Some(6) => "zstd",
        _ => "zlib or LZMA (told per block)",
    }
}

impl Format for Squashfs {
    fn id(&self) -> &'static str {
        "squashfs"
    }

    fn magic(&self) -> &'static [Magic] {
        const MAGICS: &[Magic] = &[
            Magic::at_start(&LE_MAGIC),
            Magic::at_start(&BE_MAGIC),
            Magic::at_start(&VENDOR_MAGICS[0]),
            Magic::at_start(&VENDOR_MAGICS[1]),
            Magic::at_start(&VENDOR_MAGICS[2]),
            Magic::at_start(&VENDOR_MAGICS[3]),
            Magic::at_start(&VENDOR_MAGICS[4]),
        ];
        MAGICS
    }

    fn probe(&self, data: &[u8]) -> bool {
        parse_superblock(data).is_ok()
    }

    fn extent(&self, data: &[u8]) -> Option<u64> {
        let sb = parse_superblock(data).ok()?;
        (sb.bytes_used > 0).then_some(sb.bytes_used)
    }

    fn extract(&self, data: &Bytes, cx: &Context<'_>) -> Result<Extraction, FormatError> {
        let sb = parse_superblock(data)?;
        let mut extraction = Extraction::default();
        extraction.notes.push(format!(
            "squashfs {}.{} {}, {}, block size {}, {} inodes, {} bytes used",
            sb.major,
            sb.minor,
            if sb.big_endian {
                "big-endian"
            } else {
                "little-endian"
            },
            compressor_name(sb.compressor),
            sb.block_size,
            sb.inodes,
            sb.bytes_used,
        ));
        // sqlzma's magics mark LZMA 2.x/3.x images, which the legacy
        // reader reads like any other.
        let sqlzma = matches!(sb.vendor.as_deref(), Some("shsq" | "qshs")) && sb.major <= 3;
        if let Some(vendor) = sb.vendor.as_ref().filter(|_| !sqlzma) {
            return Err(FormatError::Unsupported(format!(
                "vendor squashfs variant `{vendor}` (not read yet)"
            )));
        }
        if sb.bytes_used > data.len() as u64 {
            extraction.truncated = Some(format!(
                "squashfs claims {} bytes, {} present",
                sb.bytes_used,
                data.len()
            ));
        }
        let entries = match sb.major {
            4 => v4::entries(data, sb.big_endian, cx)?,
            2 | 3 => legacy::entries(data, &sb, cx)?,
            major => {
                return Err(FormatError::Unsupported(format!(
                    "squashfs {major}.{} (not read yet)",
                    sb.minor
                )));
            }
        };
        if cx.full(entries.len()) {
            extraction.truncated = Some(format!(
                "squashfs: listing stopped at {} entries",
                cx.max_entries
            ));
        }
        extraction.entries = entries;
        Ok(extraction)
    }
}

/// Linux `new_encode_dev` device numbers as squashfs stores them.
fn device(number: u32) -> (u32, u32) {
    (
        (number >> 8) & 0xfff,
        (number & 0xff) | ((number >> 12) & 0xfff00),
    )
}

/// Run `f` on a thread with a large stack (backhand parses recursively).
fn with_big_stack<T: Send>(f: impl FnOnce() -> T + Send) -> Result<T, FormatError> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("squashfs-parse".into())
            .stack_size(PARSER_STACK)
            .spawn_scoped(scope, f)
            .map_err(|e| FormatError::malformed(format!("cannot start parser thread: {e}")))?
            .join()
            .map_err(|_| FormatError::malformed("squashfs parser panicked"))
    })
}

fn backhand_error(e: BackhandError) -> FormatError {
    FormatError::malformed(e.to_string())
}

/// Generates the lister over a backhand filesystem (v4 today; backhand's
/// versions have the same shape but distinct types). backhand reads the
/// tables and the directory tree; file contents are read by [`data`].
macro_rules! version_reader {
    ($version:ident, $reader:path, $node:path, $open:expr) => {
        mod $version {
            use super::*;
            use $node::{InnerNode, SquashfsFileReader};

            /// The file's data: its block words, first block and tail.
            fn layout(file: &SquashfsFileReader) -> (Vec<u32>, u64, Option<(u32, u32)>) {
                let (start, fragment, offset) = match file {
                    SquashfsFileReader::Basic(f) => {
                        (u64::from(f.blocks_start), f.frag_index, f.block_offset)
                    }
                    SquashfsFileReader::Extended(f) => {
                        (f.blocks_start, f.frag_index, f.block_offset)
                    }
                };
                let blocks = file
                    .block_sizes()
                    .iter()
                    .map(|b| {
                        b.size().min(data::LENGTH) | if b.uncompressed() { data::STORED } else { 0 }
                    })
                    .collect();
                let tail = (fragment != NO_FRAGMENT).then_some((fragment, offset));
                (blocks, start, tail)
            }

            pub(super) fn entries(
                image: &Bytes,
                big_endian: bool,
                cx: &Context<'_>,
            ) -> Result<Vec<Entry>, FormatError> {
                let open = $open;
                let bytes = image.clone();
                let fs = with_big_stack(move || open(bytes, big_endian))??;
                let fragments = fs
                    .fragments
                    .as_deref()
                    .unwrap_or_default()
                    .iter()
                    .map(|f| {
                        let stored = if f.size.uncompressed() {
                            data::STORED
                        } else {
                            0
                        };
                        (f.start, f.size.size().min(data::LENGTH) | stored)
                    })
                    .collect();
                let compressor: Option<Compressor> = fs.compressor.map(Into::into);
                let block_size = fs.block_size as usize;
                let decode: data::Decode = Box::new(move |stored, _want| {
                    let compressor = compressor.ok_or_else(|| {
                        io::Error::new(io::ErrorKind::InvalidData, "no compressor recorded")
                    })?;
                    // lz4 and zstd decode into the room reserved.
                    let mut out = Vec::with_capacity(block_size);
                    DECOMPRESSOR
                        .decompress(stored, &mut out, compressor)
                        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
                    Ok(out)
                });
                let data = data::Data::new(
                    image.clone(),
                    u64::from(fs.block_size),
                    fragments,
                    decode,
                    data::MAX_CACHED,
                );
                let mut entries = Vec::new();
                for node in fs.root.nodes.iter() {
                    let path = node.fullpath.to_string_lossy();
                    let path = path.trim_start_matches('/');
                    if path.is_empty() {
                        continue; // the root directory
                    }
                    if cx.full(entries.len()) {
                        break;
                    }
                    let mut entry = Entry::new(path.to_string(), EntryKind::File);
                    match &node.inner {
                        InnerNode::File(file) => {
                            let (blocks, start, tail) = layout(file);
                            match data.file(file.file_len() as u64, start, blocks, tail) {
                                Ok(file) => entry.blob = Some(Blob::Source(Arc::new(file))),
                                Err(e) => entry.error = Some(e),
                            }
                        }
                        InnerNode::Dir(_) => entry.kind = EntryKind::Dir,
                        InnerNode::Symlink(link) => {
                            entry.kind = EntryKind::Symlink {
                                target: link.link.to_string_lossy().into_owned(),
                            };
                        }
                        InnerNode::CharacterDevice(dev) => {
                            let (major, minor) = device(dev.device_number);
                            entry.kind = EntryKind::CharDevice { major, minor };
                        }
                        InnerNode::BlockDevice(dev) => {
                            let (major, minor) = device(dev.device_number);
                            entry.kind = EntryKind::BlockDevice { major, minor };
                        }
                        InnerNode::NamedPipe => entry.kind = EntryKind::Fifo,
                        InnerNode::Socket => {
                            entry.kind = EntryKind::Other {
                                description: "socket".into(),
                            };
                        }
                    }
                    entries.push(entry);
                }
                Ok(entries)
            }
        }
    };
}

version_reader!(
    v4,
    backhand::FilesystemReader,
    backhand::v4::filesystem::node,
    |image: Bytes, big_endian: bool| {
        // AVM's variant (big-endian, little-endian metadata lengths) cannot
        // be told from the superblock.
        let open = |inner, lengths_big_endian| {
            metadata_within_bounds(&image, big_endian, lengths_big_endian)?;
            backhand::FilesystemReader::from_reader_with_offset_and_kind(
                Cursor::new(image.clone()),
                0,
                Kind::new_v4_with_const(&DECOMPRESSOR, inner),
            )
            .map_err(backhand_error)
        };
        if big_endian {
            open(kind::BE_V4_0, true).or_else(|_| open(kind::AVM_BE_V4_0, false))
        } else {
            open(kind::LE_V4_0, false)
        }
    }
);

/// Metadata (inode, directory and fragment tables) decoded while listing, at
/// most, unless within [`MAX_METADATA_RATIO`] of the bytes it is stored in.
const MAX_METADATA: u64 = 64 << 20;
/// Real tables compress 3-5:1; a block of 8 KiB of zeros stores in 33 bytes.
const MAX_METADATA_RATIO: u64 = 32;
/// Largest decoded metadata block.
const METADATA_BLOCK: u64 = 8192;

/// backhand decodes a v4 image's inode, directory and fragment tables whole
/// before it parses them: a 3.3 MB image of compressed 8 KiB blocks of
/// zeros made it allocate 832 MiB. Walk the blocks' length words first (the
/// tables backhand reads, as it finds their ends) and refuse tables that
/// would decode past [`MAX_METADATA`] and [`MAX_METADATA_RATIO`]:1. A
/// malformed length word ends a walk; backhand reports it.
fn metadata_within_bounds(
    image: &[u8],
    big_endian: bool,
    lengths_big_endian: bool,
) -> Result<(), FormatError> {
    let u64_at = |at: u64| -> Option<u64> {
        let at = usize::try_from(at).ok()?;
        let b: [u8; 8] = image.get(at..at.checked_add(8)?)?.try_into().ok()?;
        Some(if big_endian {
            u64::from_be_bytes(b)
        } else {
            u64::from_le_bytes(b)
        })
    };
    let u32_at = |at: usize| -> u32 {
        let b = [image[at], image[at + 1], image[at + 2], image[at + 3]];
        if big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        }
    };
    if image.len() < 96 {
        return Ok(());
    }
    const NOT_SET: u64 = u64::MAX;
    let frag_count = u64::from(u32_at(16));
    let (id_table, inode_table, dir_table) = (u64_at(48), u64_at(64), u64_at(72));
    let (frag_table, export_table) = (u64_at(80), u64_at(88));
    let (Some(id_table), Some(inode_table), Some(dir_table)) = (id_table, inode_table, dir_table)
    else {
        return Ok(());
    };
    // (decoded at most, stored) over the blocks from `at`, until `end` or
    // `count` blocks.
    let walk = |mut at: u64, end: u64, count: u64| -> (u64, u64) {
        let (mut decoded, mut stored, mut blocks) = (0u64, 0u64, 0u64);
        while at < end && blocks < count {
            let Some(word) = usize::try_from(at)
                .ok()
                .and_then(|i| image.get(i..i.checked_add(2)?))
            else {
                break;
            };
            let word = if lengths_big_endian {
                u16::from_be_bytes([word[0], word[1]])
            } else {
                u16::from_le_bytes([word[0], word[1]])
            };
            let len = u64::from(word & 0x7fff);
            if len == 0 || len > METADATA_BLOCK {
                break;
            }
            decoded += if word & 0x8000 == 0 {
                METADATA_BLOCK
            } else {
                len
            };
            stored += 2 + len;
            blocks += 1;
            at += 2 + len;
        }
        (decoded, stored)
    };
    let frag_set = frag_count > 0 && frag_table.is_some_and(|t| t != NOT_SET);
    let frag_ptr = frag_table.filter(|_| frag_set).and_then(u64_at);
    let flags = if big_endian {
        u16::from_be_bytes([image[24], image[25]])
    } else {
        u16::from_le_bytes([image[24], image[25]])
    };
    let export_set = flags & 0x0080 != 0; // NFS export table exists
    let export_ptr = export_table
        .filter(|&t| export_set && t != NOT_SET)
        .and_then(u64_at);
    let dir_end = frag_ptr
        .or(export_ptr)
        .or_else(|| u64_at(id_table))
        .unwrap_or(0);
    let tables = [
        walk(inode_table, dir_table, u64::MAX),
        walk(dir_table, dir_end, u64::MAX),
        frag_ptr.map_or((0, 0), |ptr| {
            walk(ptr, u64::MAX, (frag_count * 16).div_ceil(METADATA_BLOCK))
        }),
    ];
    let decoded: u64 = tables.iter().map(|t| t.0).sum();
    let stored: u64 = tables.iter().map(|t| t.1).sum();
    if decoded > MAX_METADATA && decoded > stored.saturating_mul(MAX_METADATA_RATIO) {
        return Err(FormatError::malformed(format!(
            "metadata would decode to {decoded} bytes from {stored}"
        )));
    }
    Ok(())
}

/// backhand's decoders for gzip, xz, lz4 and zstd, and ours for LZO and
/// LZMA; every block is capped at the largest block squashfs writes.
pub struct Decompressor;

static DECOMPRESSOR: Decompressor = Decompressor;

impl CompressionAction for Decompressor {
    type Error = BackhandError;
    type Compressor = Compressor;
    type FilesystemCompressor = FilesystemCompressor;
    type SuperBlock = SuperBlock;

    fn decompress(
        &self,
        bytes: &[u8],
        out: &mut Vec<u8>,
        compressor: Compressor,
    ) -> Result<(), BackhandError> {
        let limit = out.capacity().clamp(8192, MAX_BLOCK);
        match compressor {
            Compressor::Lzo => {
                let decoded = crate::unpack::lzo1x::decompress(bytes, limit)
                    .map_err(|_| BackhandError::CorruptedOrInvalidSquashfs)?;
                out.extend_from_slice(&decoded);
            }
            Compressor::Lzma => {
                let stream = liblzma::stream::Stream::new_lzma_decoder(64 << 20)
                    .map_err(|_| BackhandError::CorruptedOrInvalidSquashfs)?;
                liblzma::read::XzDecoder::new_stream(bytes, stream)
                    .take(limit as u64 + 1)
                    .read_to_end(out)
                    .map_err(|_| BackhandError::CorruptedOrInvalidSquashfs)?;
            }
            other => DefaultCompressor.decompress(bytes, out, other)?,
        }
        if out.len() > limit {
            return Err(BackhandError::CorruptedOrInvalidSquashfs);
        }
        Ok(())
    }

    fn compress(
        &self,
        bytes: &[u8],
        fc: FilesystemCompressor,
        block_size: u32,
    ) -> Result<Vec<u8>, BackhandError> {
        DefaultCompressor.compress(bytes, fc, block_size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A squashfs written by backhand's own writer (xz).
    pub(crate) fn image(files: &[(&str, &[u8])]) -> Vec<u8> {
        let header = backhand::NodeHeader::default();
        let mut fs = backhand::FilesystemWriter::default();
        fs.push_dir_all("bin", header).expect("bin");
        fs.push_dir_all("dev", header).expect("dev");
        for (path, data) in files {
            let parent = std::path::Path::new(path).parent();
            if let Some(parent) = parent.filter(|p| !p.as_os_str().is_empty()) {
                fs.push_dir_all(parent, header).expect("dir");
            }
            fs.push_file(Cursor::new(data.to_vec()), *path, header)
                .expect("push");
        }
        fs.push_symlink("busybox", "bin/sh", header)
            .expect("symlink");
        fs.push_char_device((5 << 8) | 1, "dev/console", header)
            .expect("device");
        let mut out = Cursor::new(Vec::new());
        fs.write(&mut out).expect("write");
        out.into_inner()
    }

    #[test]
    fn reads_files_dirs_and_links() {
        let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        let data = image(&[("bin/busybox", b"\x7fELF busybox"), ("etc/big.bin", &big)]);
        assert!(Squashfs.probe(&data));
        assert!(Squashfs.extent(&data).expect("extent") <= data.len() as u64);
        let ex = Squashfs
            .extract(&Bytes::from_vec(data), &Context::named("fs"))
            .expect("extract");
        let listing: Vec<_> = ex
            .entries
            .iter()
            .map(|e| (e.path.clone().unwrap_or_default(), e.kind.type_name()))
            .collect();
        assert!(listing.contains(&("bin".into(), "dir")));
        assert!(listing.contains(&("bin/busybox".into(), "file")));
        assert!(listing.contains(&("bin/sh".into(), "symlink")));
        let console = ex
            .entries
            .iter()
            .find(|e| e.name == "console")
            .expect("console");
        assert_eq!(console.kind, EntryKind::CharDevice { major: 5, minor: 1 });
        let big_entry = ex
            .entries
            .iter()
            .find(|e| e.name == "big.bin")
            .expect("big");
        let content = big_entry
            .blob
            .as_ref()
            .and_then(|b| b.read_prefix(u64::MAX))
            .expect("read");
        assert_eq!(content, big);
        assert!(
            ex.notes[0].contains("squashfs 4.0 little-endian, xz"),
            "{:?}",
            ex.notes
        );
    }

    /// A v4 image (gzip) whose inode table is `blocks` compressed metadata
    /// blocks of 8 KiB of zeros.
    fn metadata_bomb(blocks: usize) -> Vec<u8> {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&[0u8; 8192]).expect("compress");
        let block = z.finish().expect("compress");
        let mut meta = (block.len() as u16).to_le_bytes().to_vec();
        meta.extend(&block);
        let inode_table = 96u64;
        let dir_table = inode_table + (meta.len() * blocks) as u64;
        let id_block = dir_table + meta.len() as u64;
        let id_table = id_block + 6;
        let mut image = b"hsqs".to_vec();
        for v in [1u32, 0, 131_072, 0] {
            image.extend(v.to_le_bytes()); // inodes, time, block size, fragments
        }
        for v in [1u16, 17, 0, 1, 4, 0] {
            image.extend(v.to_le_bytes()); // gzip, block log, flags, ids, 4.0
        }
        for v in [0, id_table + 8, id_table, u64::MAX, inode_table, dir_table] {
            image.extend(v.to_le_bytes());
        }
        image.extend(u64::MAX.to_le_bytes()); // no fragment table
        image.extend(u64::MAX.to_le_bytes()); // no export table
        for _ in 0..blocks + 1 {
            image.extend(&meta);
        }
        image.extend((0x8004u16).to_le_bytes());
        image.extend(0u32.to_le_bytes());
        image.extend(id_block.to_le_bytes());
        image
    }

    #[test]
    fn metadata_that_would_expand_past_its_bounds_is_refused_before_decoding() {
        // 8,200 blocks of 33 bytes: 67 MB of metadata from 270 KB.
        let bomb = metadata_bomb(8200);
        assert!(Squashfs.probe(&bomb));
        let err = Squashfs
            .extract(&Bytes::from_vec(bomb), &Context::named("fs"))
            .expect_err("refused");
        assert!(
            err.to_string().contains("metadata would decode to"),
            "{err}"
        );
        // Fewer such blocks stay under 64 MiB and reach backhand, which
        // fails on the zeros as inodes.
        let small = metadata_bomb(100);
        let err = Squashfs
            .extract(&Bytes::from_vec(small), &Context::named("fs"))
            .expect_err("not an inode table");
        assert!(!err.to_string().contains("metadata would decode"), "{err}");
    }

    #[test]
    fn decoys_and_damage() {
        let mut junk = b"hsqs".to_vec();
        junk.extend([0xffu8; 200]);
        assert!(!Squashfs.probe(&junk));
        let data = image(&[("a", b"x")]);
        let mut cut = data.clone();
        cut.truncate(data.len() / 2);
        // A truncated image fails or lists less; it never panics.
        let _ = Squashfs.extract(&Bytes::from_vec(cut), &Context::named("fs"));
    }
}
