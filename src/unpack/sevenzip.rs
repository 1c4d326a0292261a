//! 7-Zip archives, read here (no permissive pure-Rust reader bounds its
//! memory the way a hostile archive needs).
//!
//! Signature header (32 bytes): magic `37 7A BC AF 27 1C` (domain.md
//! §1.4), version, start-header CRC32, then next-header offset (u64 LE),
//! size (u64 LE) and CRC32. The archive spans 32 + offset + size bytes, so
//! carving cuts it out of a blob exactly. The next header (7-Zip's
//! `7zFormat.txt`) is a tree of property ids with 7z's variable-length
//! numbers; it is usually itself packed (`kEncodedHeader`) and is decoded
//! first.
//!
//! Content: each folder is a chain of coders over one packed stream:
//! Copy, LZMA, LZMA2, Deflate, Deflate64, BZip2, and the branch filters
//! over them (x86, PowerPC, ARM, ARM-Thumb, ARM64, SPARC; undone in
//! [`crate::unpack::branch`], since 7-Zip's LZMA1 streams have no end
//! marker for liblzma's own filter chain to finish on).
//! BCJ2's four streams and AES are reported per file, not read. A folder
//! (a solid block) is decoded when its first file is opened, to at most
//! [`MAX_FOLDER`] bytes and no more than the default expansion ratio allows
//! for its packed size, and kept while its other files are read (the walk
//! visits them together); every file's CRC is checked.

use std::io::{self, Cursor, Read};
use std::sync::Arc;

use crate::model::EntryKind;
use crate::unpack::blob::{Blob, Bytes, Source};
use crate::unpack::shared::SharedBlocks;
use crate::unpack::{Context, Entry, Extraction, Format, FormatError, Magic};

const MAGIC: [u8; 6] = [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c];
/// Largest solid block decoded in memory.
pub const MAX_FOLDER: u64 = 512 << 20;
/// Largest header decoded (real headers are kilobytes).
const MAX_HEADER: u64 = 64 << 20;
/// Most files, folders, coders or streams a header may declare.
const MAX_ITEMS: u64 = 1 << 20;
/// Most coders, and in or out streams, in one folder (7-Zip's own limit).
const MAX_FOLDER_STREAMS: u64 = 64;
/// Encoded headers nested at most this deep.
const MAX_HEADER_LAYERS: usize = 4;

/// Property ids (7zFormat.txt).
mod id {
    pub const END: u8 = 0x00;
    pub const HEADER: u8 = 0x01;
    pub const ARCHIVE_PROPERTIES: u8 = 0x02;
    pub const ADDITIONAL_STREAMS: u8 = 0x03;
    pub const MAIN_STREAMS: u8 = 0x04;
    pub const FILES: u8 = 0x05;
    pub const PACK_INFO: u8 = 0x06;
    pub const UNPACK_INFO: u8 = 0x07;
    pub const SUBSTREAMS: u8 = 0x08;
    pub const SIZE: u8 = 0x09;
    pub const CRC: u8 = 0x0a;
    pub const FOLDER: u8 = 0x0b;
    pub const UNPACK_SIZE: u8 = 0x0c;
    pub const NUM_UNPACK_STREAMS: u8 = 0x0d;
    pub const EMPTY_STREAM: u8 = 0x0e;
    pub const EMPTY_FILE: u8 = 0x0f;
    pub const NAME: u8 = 0x11;
    pub const ATTRIBUTES: u8 = 0x15;
    pub const ENCODED_HEADER: u8 = 0x17;
}

/// The 7z format.
pub struct SevenZip;

/// Bytes the archive spans, from the signature header.
fn parse(data: &[u8]) -> Result<u64, FormatError> {
    let (offset, size, _) = signature(data)?;
    32u64
        .checked_add(offset)
        .and_then(|n| n.checked_add(size))
        .ok_or_else(|| FormatError::malformed("7z header offsets overflow"))
}

/// Next-header offset, size and CRC, after checking the start header.
fn signature(data: &[u8]) -> Result<(u64, u64, u32), FormatError> {
    let Some(h) = data.get(..32) else {
        return Err(FormatError::malformed("shorter than a 7z signature header"));
    };
    if h[..6] != MAGIC || h[6] != 0 {
        return Err(FormatError::malformed("no 7z signature"));
    }
    if !crc_matches(&h[12..32], u32::from_le_bytes([h[8], h[9], h[10], h[11]])) {
        return Err(FormatError::malformed("7z start header CRC mismatch"));
    }
    let u64_at = |at: usize| u64::from_le_bytes(h[at..at + 8].try_into().unwrap_or([0; 8]));
    Ok((
        u64_at(12),
        u64_at(20),
        u32::from_le_bytes([h[28], h[29], h[30], h[31]]),
    ))
}

/// Whether `bytes` have CRC `crc` (every CRC passes when fuzzing).
fn crc_matches(bytes: &[u8], crc: u32) -> bool {
    crate::unpack::checksum_matches(crc32(bytes), crc)
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = flate2::Crc::new();
    crc.update(bytes);
    crc.sum()
}

impl Format for SevenZip {
    fn id(&self) -> &'static str {
        "7z"
    }

    fn magic(&self) -> &'static [Magic] {
        const MAGICS: &[Magic] = &[Magic::at_start(&MAGIC)];
        MAGICS
    }

    fn probe(&self, data: &[u8]) -> bool {
        parse(data).is_ok()
    }

    fn extent(&self, data: &[u8]) -> Option<u64> {
        parse(data).ok()
    }

    fn extract(&self, data: &Bytes, cx: &Context<'_>) -> Result<Extraction, FormatError> {
        let len = parse(data)?;
        let mut extraction = Extraction::default();
        if len > data.len() as u64 {
            return Err(FormatError::malformed(format!(
                "7z archive of {len} bytes cut to {}: its header is at the end",
                data.len()
            )));
        }
        let (offset, size, crc) = signature(data)?;
        if size > MAX_HEADER {
            return Err(FormatError::malformed(format!("7z header of {size} bytes")));
        }
        let start = 32 + offset as usize;
        let mut header = data[start..start + size as usize].to_vec();
        if !crc_matches(&header, crc) {
            return Err(FormatError::malformed("7z header CRC mismatch"));
        }
        for _ in 0..MAX_HEADER_LAYERS {
            if header.first() != Some(&id::ENCODED_HEADER) {
                break;
            }
            let mut r = Reader::new(&header[1..]);
            let streams = r.streams()?;
            let folder = streams
                .folders
                .first()
                .ok_or_else(|| FormatError::malformed("encoded 7z header without a folder"))?;
            if folder.unpack_size() > MAX_HEADER {
                return Err(FormatError::malformed("encoded 7z header too large"));
            }
            header = decode_folder(data, &streams, 0)
                .map_err(|e| FormatError::malformed(format!("7z header: {e}")))?;
        }
        if header.first() != Some(&id::HEADER) {
            return Err(FormatError::malformed("no 7z header"));
        }
        let (streams, files) = Reader::new(&header[1..]).header()?;
        extraction.notes.push(format!(
            "7z: {} files, {} folders, coders {}",
            files.len(),
            streams.folders.len(),
            streams
                .folders
                .iter()
                .flat_map(|f| f.coders.iter().map(|c| coder_name(&c.id)))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect::<Vec<_>>()
                .join(", ")
        ));
        extraction.entries = entries(data, streams, files, cx)?;
        if cx.full(extraction.entries.len()) {
            extraction.truncated =
                Some(format!("7z: listing stopped at {} entries", cx.max_entries));
        }
        Ok(extraction)
    }
}

/// One coder of a folder.
#[derive(Debug, Clone)]
struct Coder {
    id: Vec<u8>,
    inputs: u64,
    outputs: u64,
    props: Vec<u8>,
}

/// A folder: coders, their bindings, packed streams and output sizes.
#[derive(Debug, Clone, Default)]
struct Folder {
    coders: Vec<Coder>,
    /// (in stream, out stream) bound together.
    binds: Vec<(u64, u64)>,
    /// In streams fed by packed streams, in packed-stream order.
    packed: Vec<u64>,
    /// Size of every out stream.
    sizes: Vec<u64>,
    crc: Option<u32>,
}

impl Folder {
    /// The folder's output: the out stream no bind consumes.
    fn main_output(&self) -> Option<u64> {
        let outputs: u64 = self.coders.iter().map(|c| c.outputs).sum();
        (0..outputs).find(|o| !self.binds.iter().any(|b| b.1 == *o))
    }

    fn unpack_size(&self) -> u64 {
        self.main_output()
            .and_then(|o| self.sizes.get(o as usize).copied())
            .unwrap_or(0)
    }
}

/// (size, CRC) of each stream a folder holds.
type FolderStreams = Vec<(u64, Option<u32>)>;

/// Packed streams, folders and the files' streams within them.
#[derive(Debug, Clone, Default)]
struct Streams {
    pack_pos: u64,
    pack_sizes: Vec<u64>,
    folders: Vec<Folder>,
    /// Per folder: its streams' (size, CRC).
    substreams: Vec<FolderStreams>,
}

/// One file record.
#[derive(Debug, Clone, Default)]
struct FileRecord {
    name: String,
    has_stream: bool,
    is_dir: bool,
    attributes: Option<u32>,
}

/// A cursor over header bytes.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

/// Each property may appear once per record: a repeated one would make the
/// reader do its work again for a byte or two of input.
fn once(seen: &mut u64, property: u8) -> Result<(), FormatError> {
    let bit = 1u64 << (property & 63);
    if *seen & bit != 0 {
        return Err(FormatError::malformed(format!(
            "7z property {property:#04x} repeated"
        )));
    }
    *seen |= bit;
    Ok(())
}

fn short() -> FormatError {
    FormatError::malformed("7z header cut short")
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, at: 0 }
    }

    fn byte(&mut self) -> Result<u8, FormatError> {
        let b = *self.bytes.get(self.at).ok_or_else(short)?;
        self.at += 1;
        Ok(b)
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], FormatError> {
        let n = usize::try_from(n).map_err(|_| short())?;
        let end = self.at.checked_add(n).ok_or_else(short)?;
        let bytes = self.bytes.get(self.at..end).ok_or_else(short)?;
        self.at = end;
        Ok(bytes)
    }

    /// 7z's variable-length number: the leading one bits of the first
    /// byte count the little-endian bytes that follow.
    fn number(&mut self) -> Result<u64, FormatError> {
        let first = self.byte()?;
        let mut value = 0u64;
        for i in 0..8 {
            let mask = 0x80u8 >> i;
            if first & mask == 0 {
                let high = u64::from(first & mask.wrapping_sub(1));
                return Ok(value | (high << (8 * i)));
            }
            value |= u64::from(self.byte()?) << (8 * i);
        }
        Ok(value)
    }

    /// A count of items, bounded.
    fn count(&mut self) -> Result<u64, FormatError> {
        let n = self.number()?;
        if n > MAX_ITEMS {
            return Err(FormatError::malformed(format!(
                "7z header declares {n} items"
            )));
        }
        Ok(n)
    }

    fn u32(&mut self) -> Result<u32, FormatError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A bit vector of `n` items, most significant bit first.
    fn bits(&mut self, n: u64) -> Result<Vec<bool>, FormatError> {
        let bytes = self.take(n.div_ceil(8))?;
        Ok((0..n as usize)
            .map(|i| bytes[i / 8] & (0x80 >> (i % 8)) != 0)
            .collect())
    }

    /// "All defined" byte, else a bit vector.
    fn defined(&mut self, n: u64) -> Result<Vec<bool>, FormatError> {
        if self.byte()? != 0 {
            Ok(vec![true; n as usize])
        } else {
            self.bits(n)
        }
    }

    /// CRCs of `n` items (those defined).
    fn digests(&mut self, n: u64) -> Result<Vec<Option<u32>>, FormatError> {
        self.defined(n)?
            .into_iter()
            .map(|d| if d { self.u32().map(Some) } else { Ok(None) })
            .collect()
    }

    fn expect(&mut self, want: u8) -> Result<(), FormatError> {
        let got = self.byte()?;
        if got != want {
            return Err(FormatError::malformed(format!(
                "7z header: property {got:#04x} where {want:#04x} belongs"
            )));
        }
        Ok(())
    }

    /// The next property id, which may not repeat within one record.
    fn property(&mut self, seen: &mut u64) -> Result<u8, FormatError> {
        let property = self.byte()?;
        once(seen, property)?;
        Ok(property)
    }

    /// Skip a property's data (`size` then bytes).
    fn skip_property(&mut self) -> Result<(), FormatError> {
        let size = self.number()?;
        self.take(size).map(|_| ())
    }

    /// `Header` (after its id).
    fn header(&mut self) -> Result<(Streams, Vec<FileRecord>), FormatError> {
        let mut streams = Streams::default();
        let mut files = Vec::new();
        let mut seen = 0u64;
        loop {
            match self.property(&mut seen)? {
                id::END => break,
                id::ARCHIVE_PROPERTIES => loop {
                    if self.byte()? == id::END {
                        break;
                    }
                    self.skip_property()?;
                },
                id::ADDITIONAL_STREAMS => {
                    self.streams()?;
                }
                id::MAIN_STREAMS => streams = self.streams()?,
                id::FILES => files = self.files()?,
                other => {
                    return Err(FormatError::malformed(format!(
                        "7z header: unexpected property {other:#04x}"
                    )));
                }
            }
        }
        Ok((streams, files))
    }

    /// `StreamsInfo`.
    fn streams(&mut self) -> Result<Streams, FormatError> {
        let mut s = Streams::default();
        let mut seen = 0u64;
        loop {
            match self.property(&mut seen)? {
                id::END => break,
                id::PACK_INFO => {
                    s.pack_pos = self.number()?;
                    let n = self.count()?;
                    let mut inner = 0u64;
                    loop {
                        match self.property(&mut inner)? {
                            id::END => break,
                            id::SIZE => {
                                s.pack_sizes =
                                    (0..n).map(|_| self.number()).collect::<Result<_, _>>()?;
                            }
                            id::CRC => {
                                self.digests(n)?;
                            }
                            _ => self.skip_property()?,
                        }
                    }
                }
                id::UNPACK_INFO => {
                    self.expect(id::FOLDER)?;
                    let n = self.count()?;
                    if self.byte()? != 0 {
                        return Err(FormatError::Unsupported(
                            "7z folders stored outside the header".into(),
                        ));
                    }
                    s.folders = (0..n).map(|_| self.folder()).collect::<Result<_, _>>()?;
                    self.expect(id::UNPACK_SIZE)?;
                    for folder in &mut s.folders {
                        let outputs: u64 = folder.coders.iter().map(|c| c.outputs).sum();
                        folder.sizes = (0..outputs)
                            .map(|_| self.number())
                            .collect::<Result<_, _>>()?;
                    }
                    let mut inner = 0u64;
                    loop {
                        match self.property(&mut inner)? {
                            id::END => break,
                            id::CRC => {
                                let crcs = self.digests(n)?;
                                for (folder, crc) in s.folders.iter_mut().zip(crcs) {
                                    folder.crc = crc;
                                }
                            }
                            _ => self.skip_property()?,
                        }
                    }
                }
                id::SUBSTREAMS => s.substreams = self.substreams(&s.folders)?,
                other => {
                    return Err(FormatError::malformed(format!(
                        "7z streams: unexpected property {other:#04x}"
                    )));
                }
            }
        }
        if s.substreams.is_empty() {
            // One stream per folder.
            s.substreams = s
                .folders
                .iter()
                .map(|f| vec![(f.unpack_size(), f.crc)])
                .collect();
        }
        Ok(s)
    }

    /// One `Folder`.
    fn folder(&mut self) -> Result<Folder, FormatError> {
        let mut folder = Folder::default();
        let coders = self.count()?;
        if coders == 0 || coders > MAX_FOLDER_STREAMS {
            return Err(FormatError::malformed(format!(
                "7z folder of {coders} coders"
            )));
        }
        for _ in 0..coders {
            let flags = self.byte()?;
            if flags & 0x80 != 0 {
                return Err(FormatError::Unsupported(
                    "7z alternative coder methods".into(),
                ));
            }
            let id = self.take(u64::from(flags & 0x0f))?.to_vec();
            let (inputs, outputs) = if flags & 0x10 != 0 {
                (self.count()?, self.count()?)
            } else {
                (1, 1)
            };
            let props = if flags & 0x20 != 0 {
                let n = self.number()?;
                self.take(n)?.to_vec()
            } else {
                Vec::new()
            };
            folder.coders.push(Coder {
                id,
                inputs,
                outputs,
                props,
            });
        }
        let inputs = folder
            .coders
            .iter()
            .fold(0u64, |a, c| a.saturating_add(c.inputs));
        let outputs = folder
            .coders
            .iter()
            .fold(0u64, |a, c| a.saturating_add(c.outputs));
        if inputs > MAX_FOLDER_STREAMS || outputs == 0 || outputs > MAX_FOLDER_STREAMS {
            return Err(FormatError::malformed("7z folder streams"));
        }
        for _ in 0..outputs - 1 {
            folder.binds.push((self.number()?, self.number()?));
        }
        let packed = inputs
            .checked_sub(outputs - 1)
            .ok_or_else(|| FormatError::malformed("7z folder binds"))?;
        folder.packed = if packed == 1 {
            (0..inputs)
                .find(|i| !folder.binds.iter().any(|b| b.0 == *i))
                .into_iter()
                .collect()
        } else {
            (0..packed)
                .map(|_| self.number())
                .collect::<Result<_, _>>()?
        };
        Ok(folder)
    }

    /// `SubStreamsInfo`: every folder's streams and their CRCs.
    fn substreams(&mut self, folders: &[Folder]) -> Result<Vec<FolderStreams>, FormatError> {
        let mut counts = vec![1u64; folders.len()];
        let mut property = self.byte()?;
        if property == id::NUM_UNPACK_STREAMS {
            for count in &mut counts {
                *count = self.count()?;
            }
            property = self.byte()?;
        }
        if counts.iter().sum::<u64>() > MAX_ITEMS {
            return Err(FormatError::malformed("7z: too many streams"));
        }
        let mut sizes: Vec<Vec<u64>> = Vec::with_capacity(folders.len());
        for (folder, &count) in folders.iter().zip(&counts) {
            let mut these = Vec::new();
            if count > 0 {
                let total = folder.unpack_size();
                let mut used = 0u64;
                if property == id::SIZE {
                    for _ in 1..count {
                        let size = self.number()?;
                        used = used.checked_add(size).ok_or_else(short)?;
                        these.push(size);
                    }
                }
                let last = total
                    .checked_sub(used)
                    .ok_or_else(|| FormatError::malformed("7z streams exceed their folder"))?;
                if property != id::SIZE && count > 1 {
                    return Err(FormatError::malformed("7z stream sizes missing"));
                }
                these.push(last);
            }
            sizes.push(these);
        }
        if property == id::SIZE {
            property = self.byte()?;
        }
        // CRCs are listed for the streams whose CRC the folder does not give.
        let mut crcs: Vec<Vec<Option<u32>>> = folders
            .iter()
            .zip(&sizes)
            .map(|(f, s)| {
                if s.len() == 1 && f.crc.is_some() {
                    vec![f.crc]
                } else {
                    vec![None; s.len()]
                }
            })
            .collect();
        let mut seen = 0u64;
        while property != id::END {
            once(&mut seen, property)?;
            if property == id::CRC {
                let unknown: u64 = crcs.iter().flatten().filter(|c| c.is_none()).count() as u64;
                let mut listed = self.digests(unknown)?.into_iter();
                for crc in crcs.iter_mut().flatten().filter(|c| c.is_none()) {
                    *crc = listed.next().flatten();
                }
            } else {
                self.skip_property()?;
            }
            property = self.byte()?;
        }
        Ok(sizes
            .into_iter()
            .zip(crcs)
            .map(|(s, c)| s.into_iter().zip(c).collect())
            .collect())
    }

    /// `FilesInfo`.
    fn files(&mut self) -> Result<Vec<FileRecord>, FormatError> {
        let n = self.count()?;
        // Every file takes at least a bit of a vector or a name's two bytes.
        let left = (self.bytes.len() - self.at) as u64;
        if n > left.saturating_mul(8) {
            return Err(FormatError::malformed(format!(
                "7z header declares {n} files in {left} bytes"
            )));
        }
        let mut files = vec![FileRecord::default(); n as usize];
        let mut empty_stream = vec![false; n as usize];
        let mut empty_file: Vec<bool> = Vec::new();
        let mut seen = 0u64;
        loop {
            let property = self.byte()?;
            if property == id::END {
                break;
            }
            // kDummy pads for alignment and may repeat.
            if property != 0x19 {
                once(&mut seen, property)?;
            }
            let size = self.number()?;
            let mut data = Reader::new(self.take(size)?);
            match property {
                id::EMPTY_STREAM => empty_stream = data.bits(n)?,
                id::EMPTY_FILE => {
                    let empties = empty_stream.iter().filter(|e| **e).count() as u64;
                    empty_file = data.bits(empties)?;
                }
                id::NAME => {
                    if data.byte()? != 0 {
                        return Err(FormatError::Unsupported("7z names stored outside".into()));
                    }
                    let units: Vec<u16> = data.bytes[data.at..]
                        .chunks_exact(2)
                        .map(|c| u16::from_le_bytes([c[0], c[1]]))
                        .collect();
                    for (file, name) in files.iter_mut().zip(units.split(|u| *u == 0)) {
                        file.name = String::from_utf16_lossy(name);
                    }
                }
                id::ATTRIBUTES => {
                    let defined = data.defined(n)?;
                    if data.byte()? != 0 {
                        return Err(FormatError::Unsupported(
                            "7z attributes stored outside".into(),
                        ));
                    }
                    for (file, defined) in files.iter_mut().zip(defined) {
                        if defined {
                            file.attributes = Some(data.u32()?);
                        }
                    }
                }
                _ => {} // times, anti items, padding: not needed
            }
        }
        let mut empties = empty_file.into_iter();
        for (file, empty) in files.iter_mut().zip(empty_stream) {
            file.has_stream = !empty;
            // An empty stream is a directory unless marked an empty file.
            file.is_dir = empty && !empties.next().unwrap_or(false);
            if let Some(attributes) = file.attributes {
                file.is_dir |= attributes & 0x10 != 0 && !file.has_stream;
            }
        }
        Ok(files)
    }
}

/// A codec's name, for notes and errors.
fn coder_name(id: &[u8]) -> String {
    match id {
        [0x00] => "copy".into(),
        [0x03, 0x01, 0x01] => "lzma".into(),
        [0x21] => "lzma2".into(),
        [0x04, 0x01, 0x08] => "deflate".into(),
        [0x04, 0x01, 0x09] => "deflate64".into(),
        [0x04, 0x02, 0x02] => "bzip2".into(),
        [0x03, 0x03, 0x01, 0x03] => "bcj-x86".into(),
        [0x03, 0x03, 0x01, 0x1b] => "bcj2".into(),
        [0x03, 0x03, 0x02, 0x05] => "bcj-ppc".into(),
        [0x03, 0x03, 0x04, 0x01] => "bcj-ia64".into(),
        [0x03, 0x03, 0x05, 0x01] => "bcj-arm".into(),
        [0x03, 0x03, 0x07, 0x01] => "bcj-armt".into(),
        [0x03, 0x03, 0x08, 0x05] => "bcj-sparc".into(),
        [0x0a] => "bcj-arm64".into(),
        [0x06, 0xf1, 0x07, 0x01] => "aes".into(),
        other => other.iter().map(|b| format!("{b:02x}")).collect(),
    }
}

/// Decode folder `index` of `streams` from the archive `data`, to at most
/// [`MAX_FOLDER`] bytes.
fn decode_folder(data: &[u8], streams: &Streams, index: usize) -> io::Result<Vec<u8>> {
    let invalid = |m: String| io::Error::new(io::ErrorKind::InvalidData, m);
    let folder = streams
        .folders
        .get(index)
        .ok_or_else(|| invalid("no such folder".into()))?;
    if folder.packed.len() != 1 {
        let names: Vec<String> = folder.coders.iter().map(|c| coder_name(&c.id)).collect();
        return Err(invalid(format!(
            "7z coders {} ({} packed streams) are not read",
            names.join("+"),
            folder.packed.len()
        )));
    }
    // The packed stream: after every earlier folder's packed streams.
    let first: usize = streams.folders[..index]
        .iter()
        .map(|f| f.packed.len())
        .sum();
    let skip = streams
        .pack_sizes
        .iter()
        .take(first)
        .try_fold(0u64, |a, &b| a.checked_add(b))
        .ok_or_else(|| invalid("packed stream sizes overflow".into()))?;
    let len = *streams
        .pack_sizes
        .get(first)
        .ok_or_else(|| invalid("packed stream size missing".into()))?;
    let start = 32u64
        .checked_add(streams.pack_pos)
        .and_then(|s| s.checked_add(skip))
        .ok_or_else(|| invalid("packed stream offset".into()))?;
    let packed = usize::try_from(start)
        .ok()
        .zip(usize::try_from(len).ok())
        .and_then(|(s, l)| data.get(s..s.checked_add(l)?))
        .ok_or_else(|| invalid("packed stream past the end of the archive".into()))?;
    // The chain from the folder's output back to the packed stream: every
    // coder one in, one out.
    let mut chain = Vec::new();
    let mut out = folder
        .main_output()
        .ok_or_else(|| invalid("folder without an output".into()))?;
    loop {
        let (coder, first_in) =
            coder_of_output(folder, out).ok_or_else(|| invalid("folder stream map".into()))?;
        let c = &folder.coders[coder];
        if c.inputs != 1 || c.outputs != 1 || chain.len() > folder.coders.len() {
            return Err(invalid(format!(
                "7z coder {} with {} inputs is not read",
                coder_name(&c.id),
                c.inputs
            )));
        }
        let size = folder.sizes.get(out as usize).copied().unwrap_or(0);
        chain.push((c, size));
        match folder.binds.iter().find(|b| b.0 == first_in) {
            Some(&(_, bound)) => out = bound,
            None => break,
        }
    }
    let total = chain[0].1;
    // A solid block is decoded whole, outside the per-file budgets: it
    // may expand no more than any stream may (the default ratio, at least
    // the floor every stream gets), and never past MAX_FOLDER.
    let ratio_cap = len
        .saturating_mul(crate::unpack::limits::Limits::default().max_ratio)
        .clamp(crate::unpack::blob::RATIO_FLOOR, MAX_FOLDER);
    if total > ratio_cap {
        return Err(invalid(format!(
            "7z solid block of {total} bytes from {len} packed bytes exceeds the {ratio_cap}-byte limit"
        )));
    }
    // Innermost first; a branch filter is undone over what the coder
    // below it produced.
    let mut bytes = packed.to_vec();
    for &(coder, size) in chain.iter().rev() {
        if let Some(branch) = branch_filter(&coder.id) {
            crate::unpack::branch::unfilter(branch, &mut bytes);
            continue;
        }
        let want = usize::try_from(size.min(ratio_cap)).unwrap_or(usize::MAX);
        bytes = decode_one(coder, &bytes, want)?;
    }
    bytes.truncate(usize::try_from(total).unwrap_or(usize::MAX));
    if (bytes.len() as u64) < total {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("7z block gives {} of {total} bytes", bytes.len()),
        ));
    }
    if let Some(crc) = folder.crc
        && !crc_matches(&bytes, crc)
    {
        return Err(invalid("7z block CRC mismatch".into()));
    }
    Ok(bytes)
}

/// The coder that produces out stream `out`, and its first in stream.
fn coder_of_output(folder: &Folder, out: u64) -> Option<(usize, u64)> {
    let (mut first_out, mut first_in) = (0u64, 0u64);
    for (i, c) in folder.coders.iter().enumerate() {
        if out >= first_out && out < first_out + c.outputs {
            return Some((i, first_in));
        }
        first_out += c.outputs;
        first_in += c.inputs;
    }
    None
}

/// The branch filter a coder id names (IA-64's is not read).
fn branch_filter(id: &[u8]) -> Option<crate::unpack::branch::Branch> {
    use crate::unpack::branch::Branch;
    Some(match id {
        [0x03, 0x03, 0x01, 0x03] => Branch::X86,
        [0x03, 0x03, 0x02, 0x05] => Branch::PowerPc,
        [0x03, 0x03, 0x05, 0x01] => Branch::Arm,
        [0x03, 0x03, 0x07, 0x01] => Branch::ArmThumb,
        [0x0a] => Branch::Arm64,
        [0x03, 0x03, 0x08, 0x05] => Branch::Sparc,
        _ => return None,
    })
}

/// LZMA or LZMA2 into `want` bytes.
fn lzma(coder: &Coder, input: &[u8], want: usize) -> io::Result<Vec<u8>> {
    let invalid = |m: &str| io::Error::new(io::ErrorKind::InvalidData, m.to_string());
    let mut filters = liblzma::stream::Filters::new();
    if coder.id == [0x21] {
        // LZMA2: one byte of dictionary size.
        let code = *coder
            .props
            .first()
            .ok_or_else(|| invalid("LZMA2 properties"))?;
        if code > 40 {
            return Err(invalid("LZMA2 dictionary"));
        }
        let dict = if code == 40 {
            u32::MAX
        } else {
            (2 | u32::from(code & 1)) << (code / 2 + 11)
        };
        let mut options = liblzma::stream::LzmaOptions::new_preset(0).map_err(io::Error::other)?;
        options.dict_size(crate::unpack::lzma::capped_dict(dict, want));
        filters.lzma2(&options);
    } else {
        let p = &coder.props;
        if p.len() < 5 {
            return Err(invalid("LZMA properties"));
        }
        let dict = u32::from_le_bytes([p[1], p[2], p[3], p[4]]);
        filters.lzma1(&crate::unpack::lzma::lzma1_options(p[0], dict, want)?);
    }
    crate::unpack::lzma::decode_raw(&filters, input, want)
}

/// One coder on its own into at most `want` bytes.
fn decode_one(coder: &Coder, input: &[u8], want: usize) -> io::Result<Vec<u8>> {
    let read_capped = |reader: &mut dyn Read| -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        reader.take(want as u64).read_to_end(&mut out)?;
        Ok(out)
    };
    match coder.id.as_slice() {
        [0x00] => Ok(input[..input.len().min(want)].to_vec()),
        [0x03, 0x01, 0x01] | [0x21] => lzma(coder, input, want),
        [0x04, 0x01, 0x08] => read_capped(&mut flate2::read::DeflateDecoder::new(input)),
        [0x04, 0x01, 0x09] => read_capped(&mut deflate64::Deflate64Decoder::new(input)),
        [0x04, 0x02, 0x02] => read_capped(&mut bzip2::read::MultiBzDecoder::new(input)),
        [0x06, 0xf1, 0x07, 0x01] => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "encrypted (7z AES): not decrypted",
        )),
        id => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("7z coder {} is not read", coder_name(id)),
        )),
    }
}

/// The folders of one archive, each decoded when its first file is opened
/// and kept while its other files are read ([`SharedBlocks`]).
struct Folders {
    data: Bytes,
    streams: Streams,
    decoded: SharedBlocks,
}

impl Folders {
    fn bytes(&self, index: usize) -> io::Result<Arc<Vec<u8>>> {
        self.decoded
            .get(index, || decode_folder(&self.data, &self.streams, index))
    }
}

/// One file: a slice of its folder.
struct FileStream {
    folders: Arc<Folders>,
    folder: usize,
    offset: u64,
    size: u64,
    crc: Option<u32>,
    stored: u64,
}

impl Source for FileStream {
    fn reader(&self) -> io::Result<Box<dyn Read + '_>> {
        let block = self.folders.bytes(self.folder)?;
        let range = usize::try_from(self.offset)
            .ok()
            .zip(usize::try_from(self.size).ok())
            .and_then(|(o, s)| Some(o..o.checked_add(s)?))
            .filter(|r| r.end <= block.len())
            .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "file past its block"))?;
        if let Some(crc) = self.crc
            && !crc_matches(&block[range.clone()], crc)
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "7z file CRC mismatch",
            ));
        }
        Ok(Box::new(Cursor::new(block[range].to_vec())))
    }

    fn stored_len(&self) -> u64 {
        self.stored
    }

    fn name(&self) -> &'static str {
        "7z"
    }

    fn group(&self) -> Option<u64> {
        Some(self.folder as u64)
    }
}

/// Entries for the files, each file with a stream mapped to the next
/// stream of the folders in order.
fn entries(
    data: &Bytes,
    streams: Streams,
    files: Vec<FileRecord>,
    cx: &Context<'_>,
) -> Result<Vec<Entry>, FormatError> {
    let folders = Arc::new(Folders {
        data: data.clone(),
        decoded: SharedBlocks::new(streams.folders.len(), MAX_FOLDER as usize),
        streams,
    });
    let streams = &folders.streams;
    let mut slots = Vec::new();
    let mut first_packed = 0usize;
    for (index, (folder, these)) in streams.folders.iter().zip(&streams.substreams).enumerate() {
        let packed = streams
            .pack_sizes
            .iter()
            .skip(first_packed)
            .take(folder.packed.len())
            .fold(0u64, |a, &b| a.saturating_add(b));
        first_packed += folder.packed.len();
        let total = folder.unpack_size().max(1);
        let mut offset = 0u64;
        for &(size, crc) in these {
            slots.push(FileStream {
                folders: Arc::clone(&folders),
                folder: index,
                offset,
                size,
                crc,
                // The file's share of the packed bytes.
                stored: (u128::from(packed) * u128::from(size) / u128::from(total)) as u64,
            });
            offset = offset.saturating_add(size);
        }
    }
    let mut slots = slots.into_iter();
    let mut out = Vec::new();
    for file in files {
        if cx.full(out.len()) {
            break;
        }
        let name = file.name.replace('\\', "/");
        let mut entry = Entry::new(
            name,
            if file.is_dir {
                EntryKind::Dir
            } else {
                EntryKind::File
            },
        );
        if file.has_stream {
            match slots.next() {
                Some(slot) => {
                    folders.decoded.add_reader(slot.folder);
                    let blob = Blob::Source(Arc::new(slot));
                    // A Unix symlink (mode in the high 16 bits when 0x8000
                    // is set) keeps its target as content.
                    let mode = file.attributes.filter(|a| a & 0x8000 != 0).map(|a| a >> 16);
                    if mode.is_some_and(|m| m & 0o170000 == 0o120000) {
                        let target = blob.read_prefix(4096).unwrap_or_default();
                        entry.kind = EntryKind::Symlink {
                            target: String::from_utf8_lossy(&target).into_owned(),
                        };
                    } else {
                        entry.blob = Some(blob);
                    }
                }
                None => entry.error = Some("7z: no stream left for this file".into()),
            }
        } else if !file.is_dir {
            entry.blob = Some(Blob::Bytes(Bytes::from_vec(Vec::new())));
        }
        out.push(entry);
    }
    Ok(out)
}

/// Block coders of a built archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Stored.
    Copy,
    /// LZMA2.
    Lzma2,
    /// The ARM branch filter over LZMA, as 7-Zip packs ARM executables.
    ArmLzma,
}

/// Fixture writer: a 7z archive of `files` (`None` content: a directory)
/// in one solid block, stored (`Copy`) or LZMA2, with its header plain or
/// itself packed with LZMA (`kEncodedHeader`, as 7-Zip writes it). For
/// tests; the reader never uses it.
pub fn build(files: &[(&str, Option<&[u8]>)], method: Method, encode_header: bool) -> Vec<u8> {
    fn number(out: &mut Vec<u8>, value: u64) {
        // Always the 9-byte form: valid, and simple.
        out.push(0xff);
        out.extend_from_slice(&value.to_le_bytes());
    }
    fn lzma_raw(raw: &[u8], lzma2: bool, arm: bool) -> Vec<u8> {
        let mut options = liblzma::stream::LzmaOptions::new_preset(6).expect("preset");
        options.dict_size(1 << 16);
        let mut filters = liblzma::stream::Filters::new();
        if arm {
            filters.arm();
        }
        if lzma2 {
            filters.lzma2(&options);
        } else {
            filters.lzma1(&options);
        }
        let mut stream = liblzma::stream::Stream::new_raw_encoder(&filters).expect("encoder");
        let mut out = Vec::new();
        loop {
            let consumed = stream.total_in() as usize;
            out.reserve(4096);
            let status = stream
                .process_vec(&raw[consumed..], &mut out, liblzma::stream::Action::Finish)
                .expect("encode");
            if status == liblzma::stream::Status::StreamEnd {
                return out;
            }
        }
    }
    /// StreamsInfo of one folder over one packed stream: one coder, or two
    /// chained (the first's input bound to the second's output).
    fn streams(
        out: &mut Vec<u8>,
        pack_pos: u64,
        packed: u64,
        coders: &[(&[u8], &[u8])],
        sizes: &[u64],
        crcs: &[u32],
    ) {
        out.push(id::PACK_INFO);
        number(out, pack_pos);
        number(out, 1);
        out.push(id::SIZE);
        number(out, packed);
        out.push(id::END);
        out.push(id::UNPACK_INFO);
        out.push(id::FOLDER);
        number(out, 1);
        out.push(0); // not external
        number(out, coders.len() as u64);
        for (coder, props) in coders {
            out.push(coder.len() as u8 | if props.is_empty() { 0 } else { 0x20 });
            out.extend_from_slice(coder);
            if !props.is_empty() {
                number(out, props.len() as u64);
                out.extend_from_slice(props);
            }
        }
        if coders.len() == 2 {
            number(out, 0); // in stream 0 (the first coder's) …
            number(out, 1); // … reads out stream 1 (the second's)
        }
        out.push(id::UNPACK_SIZE);
        for _ in coders {
            number(out, sizes.iter().sum());
        }
        out.push(id::END);
        out.push(id::SUBSTREAMS);
        out.push(id::NUM_UNPACK_STREAMS);
        number(out, sizes.len() as u64);
        if sizes.len() > 1 {
            out.push(id::SIZE);
            for &size in &sizes[..sizes.len() - 1] {
                number(out, size);
            }
        }
        out.push(id::CRC);
        out.push(1); // all defined
        for crc in crcs {
            out.extend_from_slice(&crc.to_le_bytes());
        }
        out.push(id::END);
        out.push(id::END);
    }
    let contents: Vec<&[u8]> = files
        .iter()
        .filter_map(|(_, c)| *c)
        .filter(|c| !c.is_empty())
        .collect();
    let solid: Vec<u8> = contents.concat();
    let sizes: Vec<u64> = contents.iter().map(|c| c.len() as u64).collect();
    let crcs: Vec<u32> = contents.iter().map(|c| crc32(c)).collect();
    // LZMA properties: lc 3 lp 0 pb 2, 64 KiB dictionary.
    let lzma_props = [0x5d, 0x00, 0x00, 0x01, 0x00];
    /// (coder id, properties) of each coder of the folder.
    type Coders<'a> = Vec<(&'a [u8], &'a [u8])>;
    let (coders, packed): (Coders<'_>, Vec<u8>) = match method {
        Method::Copy => (vec![(&[0x00], &[])], solid.clone()),
        // Dictionary byte 16: 2^(16/2+12) = 1 MiB.
        Method::Lzma2 => (vec![(&[0x21], &[16])], lzma_raw(&solid, true, false)),
        Method::ArmLzma => (
            vec![
                (&[0x03, 0x03, 0x05, 0x01], &[]),
                (&[0x03, 0x01, 0x01], &lzma_props),
            ],
            lzma_raw(&solid, false, true),
        ),
    };
    let mut header = vec![id::HEADER, id::MAIN_STREAMS];
    streams(&mut header, 0, packed.len() as u64, &coders, &sizes, &crcs);
    header.push(id::FILES);
    number(&mut header, files.len() as u64);
    let empty: Vec<bool> = files
        .iter()
        .map(|(_, c)| c.is_none_or(|c| c.is_empty()))
        .collect();
    let vector = |bits: &[bool]| {
        let mut v = vec![0u8; bits.len().div_ceil(8)];
        for (i, _) in bits.iter().enumerate().filter(|(_, b)| **b) {
            v[i / 8] |= 0x80 >> (i % 8);
        }
        v
    };
    if empty.iter().any(|e| *e) {
        let v = vector(&empty);
        header.push(id::EMPTY_STREAM);
        number(&mut header, v.len() as u64);
        header.extend_from_slice(&v);
        let empty_files: Vec<bool> = files
            .iter()
            .filter(|(_, c)| c.is_none_or(|c| c.is_empty()))
            .map(|(_, c)| c.is_some())
            .collect();
        let v = vector(&empty_files);
        header.push(id::EMPTY_FILE);
        number(&mut header, v.len() as u64);
        header.extend_from_slice(&v);
    }
    let mut names = vec![0u8];
    for (name, _) in files {
        for unit in name.encode_utf16() {
            names.extend_from_slice(&unit.to_le_bytes());
        }
        names.extend_from_slice(&[0, 0]);
    }
    header.push(id::NAME);
    number(&mut header, names.len() as u64);
    header.extend_from_slice(&names);
    header.push(id::END);
    header.push(id::END);
    let mut body = packed;
    if encode_header {
        let packed_header = lzma_raw(&header, false, false);
        let pack_pos = body.len() as u64;
        body.extend_from_slice(&packed_header);
        let mut encoded = vec![id::ENCODED_HEADER];
        // LZMA properties: lc 3 lp 0 pb 2, 64 KiB dictionary.
        let mut props = vec![0x5d];
        props.extend_from_slice(&(1u32 << 16).to_le_bytes());
        streams(
            &mut encoded,
            pack_pos,
            packed_header.len() as u64,
            &[(&[0x03, 0x01, 0x01], &props)],
            &[header.len() as u64],
            &[crc32(&header)],
        );
        header = encoded;
    }
    let mut out = MAGIC.to_vec();
    out.extend([0, 4]);
    let mut start = Vec::new();
    start.extend((body.len() as u64).to_le_bytes());
    start.extend((header.len() as u64).to_le_bytes());
    start.extend(crc32(&header).to_le_bytes());
    out.extend(crc32(&start).to_le_bytes());
    out.extend_from_slice(&start);
    out.extend_from_slice(&body);
    out.extend_from_slice(&header);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(next_offset: u64, next_size: u64) -> Vec<u8> {
        let mut h = MAGIC.to_vec();
        h.extend([0, 4, 0, 0, 0, 0]);
        h.extend(next_offset.to_le_bytes());
        h.extend(next_size.to_le_bytes());
        h.extend([0u8; 4]);
        let crc = crc32(&h[12..32]);
        h[8..12].copy_from_slice(&crc.to_le_bytes());
        h
    }

    #[test]
    fn extent_from_the_signature_header() {
        let mut data = header(100, 30);
        data.resize(200, 0);
        assert!(SevenZip.probe(&data));
        assert_eq!(SevenZip.extent(&data), Some(162));
        let mut bad = data.clone();
        bad[15] ^= 1;
        assert!(!SevenZip.probe(&bad));
        assert!(
            SevenZip
                .extract(&Bytes::from_vec(data), &Context::named("a.7z"))
                .is_err()
        );
    }

    /// (path, kind, content) of every entry.
    fn read(archive: Vec<u8>) -> Result<Vec<(String, EntryKind, Vec<u8>)>, String> {
        let extraction = SevenZip
            .extract(&Bytes::from_vec(archive), &Context::named("a.7z"))
            .map_err(|e| e.to_string())?;
        extraction
            .entries
            .into_iter()
            .map(|e| {
                let mut content = Vec::new();
                match &e.blob {
                    Some(Blob::Source(s)) => {
                        s.reader()
                            .and_then(|mut r| r.read_to_end(&mut content))
                            .map_err(|err| format!("{}: {err}", e.name))?;
                    }
                    Some(Blob::Bytes(b)) => content = b.to_vec(),
                    _ => {}
                }
                Ok((e.path.clone().unwrap_or_default(), e.kind, content))
            })
            .collect()
    }

    #[test]
    fn solid_blocks_stored_or_lzma2_with_plain_or_packed_headers_read_back() {
        let big: Vec<u8> = (0..50_000u32).map(|i| (i * 31 % 253) as u8).collect();
        let files: [(&str, Option<&[u8]>); 5] = [
            ("fw", None),
            ("fw/app.bin", Some(&big)),
            ("fw/version", Some(b"V5.7.3 build 220101\n")),
            ("fw/empty", Some(b"")),
            ("fw/cfg", None),
        ];
        for (method, encoded) in [
            (Method::Copy, false),
            (Method::Lzma2, false),
            (Method::Copy, true),
            (Method::Lzma2, true),
            (Method::ArmLzma, true),
        ] {
            let read = read(build(&files, method, encoded)).expect("reads");
            let kinds: Vec<(&str, &EntryKind)> =
                read.iter().map(|(p, k, _)| (p.as_str(), k)).collect();
            assert_eq!(
                kinds,
                [
                    ("fw", &EntryKind::Dir),
                    ("fw/app.bin", &EntryKind::File),
                    ("fw/version", &EntryKind::File),
                    ("fw/empty", &EntryKind::File),
                    ("fw/cfg", &EntryKind::Dir),
                ],
                "{method:?} {encoded}"
            );
            assert_eq!(read[1].2, big);
            assert_eq!(read[2].2, b"V5.7.3 build 220101\n");
            assert!(read[3].2.is_empty());
        }
    }

    #[test]
    fn damaged_archives_are_errors_not_panics() {
        let big: Vec<u8> = (0..5000u32).map(|i| (i % 7) as u8).collect();
        let archive = build(
            &[("a", Some(&big)), ("b", Some(b"bb"))],
            Method::Lzma2,
            true,
        );
        for cut in 0..archive.len() {
            let _ = read(archive[..cut].to_vec());
        }
        for at in 0..archive.len() {
            let mut bad = archive.clone();
            bad[at] ^= 0x5a;
            let _ = read(bad);
        }
        // A flipped content byte is caught by the CRC, not passed on.
        let stored = build(&[("a", Some(&big))], Method::Copy, false);
        let mut bad = stored.clone();
        bad[40] ^= 1;
        let err = read(bad).expect_err("CRC");
        assert!(err.contains("CRC"), "{err}");
    }

    #[test]
    fn numbers_use_the_leading_one_bits_of_the_first_byte() {
        let mut r = Reader::new(&[
            0x7f, 0x80, 0xff, 0xc1, 0x02, 0x03, 0xff, 1, 0, 0, 0, 0, 0, 0, 0,
        ]);
        assert_eq!(r.number().ok(), Some(0x7f));
        assert_eq!(r.number().ok(), Some(0xff));
        assert_eq!(r.number().ok(), Some(0x01_0302));
        assert_eq!(r.number().ok(), Some(1));
        assert!(r.number().is_err());
    }
}
