//! Microsoft Cabinet (`MSCF`), the container of Windows driver packages and
//! installers (issue "OEM product files"), from the Microsoft Cabinet
//! Format specification ([MS-CAB]).
//!
//! Layout (little-endian): `CFHEADER` (`MSCF`, reserved, cabinet size,
//! reserved, offset of the first `CFFILE`, reserved, version, folder and
//! file counts, flags, set id, index; with flag 4 the reserve sizes and a
//! header reserve), then `CFFOLDER`s (offset of the first `CFDATA`, block
//! count, compression), `CFFILE`s (size, offset in the folder's
//! uncompressed stream, folder index, date, time, attributes, name), and
//! per folder its `CFDATA` blocks (checksum, compressed and uncompressed
//! size, data). Files are ranges of their folder's uncompressed stream.
//!
//! Compression: none and MSZIP (each block `CK` + a raw deflate stream
//! whose window carries over from the previous block) are read; Quantum
//! and LZX are recognised and reported. Cabinets spanning several files
//! (flags 1 and 2) are read as far as this one goes.

use std::io::{self, Read};
use std::sync::Arc;

use crate::model::EntryKind;
use crate::unpack::blob::{Blob, Bytes, Source};
use crate::unpack::shared::SharedBlocks;
use crate::unpack::{Context, Entry, Extraction, Format, FormatError, Magic};

const MAGIC: [u8; 4] = *b"MSCF";

/// Largest uncompressed block MSZIP and stored blocks may hold.
const MAX_BLOCK: usize = 32 * 1024 + 6144;

/// Most a folder may expand relative to the cabinet bytes it is decoded
/// from (MSZIP reaches about 1000:1 at best; the unpack budgets apply on
/// top, to what each file yields).
const MAX_FOLDER_RATIO: usize = 200;

/// Floor of the per-folder cap, so small, highly compressible folders
/// still decode.
const FOLDER_FLOOR: usize = 16 << 20;
/// Decoded folders held at once while their files are read.
const FOLDER_CACHE: usize = 256 << 20;

/// The Cabinet format.
pub struct Cab;

fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

struct Folder {
    first_data: u32,
    blocks: u16,
    compression: u16,
}

struct File {
    size: u32,
    offset: u32,
    folder: u16,
    name: String,
}

struct Header {
    size: u32,
    folders: Vec<Folder>,
    files: Vec<File>,
    /// Reserve bytes at the start of every `CFDATA`.
    data_reserve: usize,
    flags: u16,
}

fn parse(data: &[u8]) -> Result<Header, FormatError> {
    let short = || FormatError::truncated("cabinet header");
    if data.get(..4) != Some(&MAGIC[..]) {
        return Err(FormatError::malformed("no MSCF magic"));
    }
    let size = le32(data, 8).ok_or_else(short)?;
    let files_at = le32(data, 16).ok_or_else(short)? as usize;
    let (minor, major) = (data.get(24).copied(), data.get(25).copied());
    if major != Some(1) || minor != Some(3) {
        return Err(FormatError::malformed(format!(
            "cabinet version {major:?}.{minor:?}, not 1.3"
        )));
    }
    let folder_count = le16(data, 26).ok_or_else(short)?;
    let file_count = le16(data, 28).ok_or_else(short)?;
    let flags = le16(data, 30).ok_or_else(short)?;
    if size < 36 || folder_count == 0 {
        return Err(FormatError::malformed("cabinet without folders"));
    }
    let mut at = 36;
    let (mut folder_reserve, mut data_reserve) = (0, 0);
    if flags & 4 != 0 {
        let header_reserve = le16(data, 36).ok_or_else(short)? as usize;
        folder_reserve = *data.get(38).ok_or_else(short)? as usize;
        data_reserve = *data.get(39).ok_or_else(short)? as usize;
        at = 40 + header_reserve;
    }
    // Previous/next cabinet names of a spanning set.
    for flag in [1, 2] {
        if flags & flag != 0 {
            for _ in 0..2 {
                let len = data
                    .get(at..)
                    .and_then(|rest| rest.iter().position(|&b| b == 0))
                    .ok_or_else(short)?;
                at += len + 1;
            }
        }
    }
    let mut folders = Vec::with_capacity(usize::from(folder_count).min(1024));
    for _ in 0..folder_count {
        folders.push(Folder {
            first_data: le32(data, at).ok_or_else(short)?,
            blocks: le16(data, at + 4).ok_or_else(short)?,
            compression: le16(data, at + 6).ok_or_else(short)?,
        });
        at += 8 + folder_reserve;
    }
    let mut files = Vec::with_capacity(usize::from(file_count).min(4096));
    let mut at = files_at;
    for _ in 0..file_count {
        let fixed = data.get(at..at + 16).ok_or_else(short)?;
        let name_len = data
            .get(at + 16..)
            .and_then(|rest| rest.iter().take(4096).position(|&b| b == 0))
            .ok_or_else(|| FormatError::truncated("cabinet file name"))?;
        // Windows separators; empty components (a doubled separator) collapse.
        let name = String::from_utf8_lossy(&data[at + 16..at + 16 + name_len])
            .split(['\\', '/'])
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join("/");
        files.push(File {
            size: le32(fixed, 0).ok_or_else(short)?,
            offset: le32(fixed, 4).ok_or_else(short)?,
            folder: le16(fixed, 8).ok_or_else(short)?,
            name,
        });
        at += 16 + name_len + 1;
    }
    Ok(Header {
        size,
        folders,
        files,
        data_reserve,
        flags,
    })
}

/// The folders of one cabinet, each decoded when its first file is
/// opened and kept while its other files are read ([`SharedBlocks`]).
struct Folders {
    streams: Vec<FolderStream>,
    decoded: SharedBlocks,
}

impl Folders {
    fn decoded(&self, index: usize) -> io::Result<Arc<Vec<u8>>> {
        let stream = self
            .streams
            .get(index)
            .ok_or_else(|| io::Error::other("no such folder"))?;
        self.decoded
            .get(index, || stream.decode().map_err(io::Error::other))
    }
}

/// A folder's uncompressed stream.
struct FolderStream {
    data: Bytes,
    first_data: usize,
    blocks: u16,
    compression: u16,
    data_reserve: usize,
    /// Most bytes the folder may decode to (its files' extent).
    limit: usize,
}

impl FolderStream {
    fn decode(&self) -> Result<Vec<u8>, String> {
        let mut out: Vec<u8> = Vec::new();
        let mut at = self.first_data;
        for block in 0..self.blocks {
            let header = self
                .data
                .get(at..at + 8)
                .ok_or_else(|| format!("CFDATA {block} past the end"))?;
            let stored = usize::from(u16::from_le_bytes([header[4], header[5]]));
            let plain = usize::from(u16::from_le_bytes([header[6], header[7]]));
            let start = at + 8 + self.data_reserve;
            let body = self
                .data
                .get(start..start + stored)
                .ok_or_else(|| format!("CFDATA {block} truncated"))?;
            if plain > MAX_BLOCK || out.len() + plain > self.limit {
                return Err(format!(
                    "CFDATA {block}: folder would exceed {} bytes (its files' extent, capped at {MAX_FOLDER_RATIO}:1 of the cabinet)",
                    self.limit
                ));
            }
            match self.compression & 0x0F {
                0 => out.extend_from_slice(body),
                1 => mszip_block(body, plain, &mut out)
                    .map_err(|e| format!("MSZIP block {block}: {e}"))?,
                _ => return Err("compression not read".into()),
            }
            at = start + stored;
        }
        Ok(out)
    }
}

/// Inflate one MSZIP block (`CK` + raw deflate) onto `out`, with the last
/// 32 KiB of `out` as its window.
fn mszip_block(body: &[u8], plain: usize, out: &mut Vec<u8>) -> Result<(), String> {
    let deflate = body.strip_prefix(b"CK").ok_or("no CK signature")?;
    let mut inflater = flate2::Decompress::new(false);
    if !out.is_empty() {
        let window = &out[out.len().saturating_sub(32 * 1024)..];
        inflater
            .set_dictionary(window)
            .map_err(|e| format!("window: {e}"))?;
    }
    let mut block = Vec::with_capacity(plain);
    inflater
        .decompress_vec(deflate, &mut block, flate2::FlushDecompress::Finish)
        .map_err(|e| e.to_string())?;
    if block.len() != plain {
        return Err(format!("{} bytes, header says {plain}", block.len()));
    }
    out.extend_from_slice(&block);
    Ok(())
}

/// One file: a range of its folder's stream.
struct CabFile {
    folders: Arc<Folders>,
    folder: usize,
    offset: usize,
    size: usize,
}

impl Source for CabFile {
    fn reader(&self) -> io::Result<Box<dyn Read + '_>> {
        let stream = self.folders.decoded(self.folder)?;
        let end = self.offset.saturating_add(self.size);
        if end > stream.len() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("file ends at {end}, folder holds {}", stream.len()),
            ));
        }
        Ok(Box::new(io::Cursor::new(stream[self.offset..end].to_vec())))
    }

    fn stored_len(&self) -> u64 {
        // Per file the compressed size is unknown; the folder itself is
        // capped at MAX_FOLDER_RATIO:1 of the cabinet when decoded, so
        // charge the file as that ratio allows.
        (self.size as u64 / MAX_FOLDER_RATIO as u64).max(1)
    }

    fn name(&self) -> &'static str {
        "cab"
    }

    fn group(&self) -> Option<u64> {
        Some(self.folder as u64)
    }
}

impl Format for Cab {
    fn id(&self) -> &'static str {
        "cab"
    }

    fn magic(&self) -> &'static [Magic] {
        const MAGICS: &[Magic] = &[Magic::at_start(&MAGIC)];
        MAGICS
    }

    fn probe(&self, data: &[u8]) -> bool {
        parse(data).is_ok()
    }

    fn extent(&self, data: &[u8]) -> Option<u64> {
        parse(data).ok().map(|h| u64::from(h.size))
    }

    fn extract(&self, data: &Bytes, cx: &Context<'_>) -> Result<Extraction, FormatError> {
        let h = parse(data)?;
        let mut extraction = Extraction::default();
        if h.size as usize > data.len() {
            extraction.truncated = Some(format!(
                "cabinet of {} bytes, {} present",
                h.size,
                data.len()
            ));
        }
        let methods: Vec<&str> = h
            .folders
            .iter()
            .map(|f| match f.compression & 0x0F {
                0 => "stored",
                1 => "MSZIP",
                2 => "Quantum",
                3 => "LZX",
                _ => "unknown",
            })
            .collect();
        extraction.notes.push(format!(
            "cabinet: {} folders ({}), {} files{}",
            h.folders.len(),
            methods.join(", "),
            h.files.len(),
            if h.flags & 3 != 0 {
                ", part of a spanning set"
            } else {
                ""
            }
        ));
        // Each folder decodes at most its files' extent, its blocks' worth,
        // and a bounded ratio of the cabinet; folders sharing their data
        // blocks are refused (one stream decoded many times over).
        let mut extent = vec![0usize; h.folders.len()];
        for file in &h.files {
            if let Some(e) = extent.get_mut(usize::from(file.folder)) {
                *e = (*e).max(file.offset as usize + file.size as usize);
            }
        }
        let ratio_cap = data
            .len()
            .saturating_mul(MAX_FOLDER_RATIO)
            .max(FOLDER_FLOOR);
        let mut starts = std::collections::HashSet::new();
        let streams: Vec<FolderStream> = h
            .folders
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let shared = !starts.insert(f.first_data);
                let limit = if shared {
                    0
                } else {
                    extent[i]
                        .min(usize::from(f.blocks) * MAX_BLOCK)
                        .min(ratio_cap)
                };
                FolderStream {
                    data: data.clone(),
                    first_data: f.first_data as usize,
                    blocks: f.blocks,
                    compression: f.compression,
                    data_reserve: h.data_reserve,
                    limit,
                }
            })
            .collect();
        let folders = Arc::new(Folders {
            decoded: SharedBlocks::new(streams.len(), FOLDER_CACHE),
            streams,
        });
        for file in &h.files {
            if cx.full(extraction.entries.len()) {
                break;
            }
            let mut entry = Entry::new(file.name.clone(), EntryKind::File);
            // 0xFFFD-0xFFFF: continued from/to another cabinet of the set.
            let folder = usize::from(file.folder);
            match folders.streams.get(folder) {
                Some(stream) if stream.compression & 0x0F <= 1 => {
                    folders.decoded.add_reader(folder);
                    entry.blob = Some(Blob::Source(Arc::new(CabFile {
                        folders: Arc::clone(&folders),
                        folder,
                        offset: file.offset as usize,
                        size: file.size as usize,
                    })));
                }
                Some(_) => {
                    entry.error = Some(format!(
                        "{} compression is not read",
                        methods
                            .get(usize::from(file.folder))
                            .copied()
                            .unwrap_or("unknown")
                    ));
                }
                None => {
                    entry.error = Some("file continues in another cabinet".into());
                }
            }
            extraction.entries.push(entry);
        }
        Ok(extraction)
    }
}

/// Build a cabinet of `files` in one folder, stored or MSZIP (for tests
/// and samples). MSZIP blocks are compressed independently (valid: a block
/// need not refer to the previous one).
pub fn build(files: &[(&str, &[u8])], mszip: bool) -> Vec<u8> {
    use std::io::Write;
    let stream: Vec<u8> = files.iter().flat_map(|(_, d)| d.iter().copied()).collect();
    let mut blocks = Vec::new();
    for chunk in stream.chunks(32 * 1024) {
        let body = if mszip {
            let mut enc =
                flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
            let _ = enc.write_all(chunk);
            let mut body = b"CK".to_vec();
            body.extend(enc.finish().unwrap_or_default());
            body
        } else {
            chunk.to_vec()
        };
        let mut block = vec![0u8; 4];
        block.extend((body.len() as u16).to_le_bytes());
        block.extend((chunk.len() as u16).to_le_bytes());
        block.extend(body);
        blocks.push(block);
    }
    let mut file_table = Vec::new();
    let mut offset = 0u32;
    for (name, data) in files {
        file_table.extend((data.len() as u32).to_le_bytes());
        file_table.extend(offset.to_le_bytes());
        file_table.extend(0u16.to_le_bytes());
        file_table.extend([0x21, 0x5A, 0x00, 0x60, 0x20, 0x00]); // date, time, attribs
        file_table.extend(name.as_bytes());
        file_table.push(0);
        offset += data.len() as u32;
    }
    let files_at = 36 + 8;
    let data_at = files_at + file_table.len();
    let total = data_at + blocks.iter().map(Vec::len).sum::<usize>();
    let mut out = MAGIC.to_vec();
    out.extend(0u32.to_le_bytes());
    out.extend((total as u32).to_le_bytes());
    out.extend(0u32.to_le_bytes());
    out.extend((files_at as u32).to_le_bytes());
    out.extend(0u32.to_le_bytes());
    out.extend([3, 1]);
    out.extend(1u16.to_le_bytes());
    out.extend((files.len() as u16).to_le_bytes());
    out.extend([0u8; 6]); // flags, set id, index
    out.extend((data_at as u32).to_le_bytes());
    out.extend((blocks.len() as u16).to_le_bytes());
    out.extend(u16::from(mszip).to_le_bytes());
    out.extend(file_table);
    for block in blocks {
        out.extend(block);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(cab: &[u8]) -> Vec<(String, Vec<u8>)> {
        let ex = Cab
            .extract(&Bytes::from_vec(cab.to_vec()), &Context::named("x.cab"))
            .expect("extracts");
        ex.entries
            .iter()
            .map(|e| {
                let data = e
                    .blob
                    .as_ref()
                    .and_then(|b| b.read_prefix(u64::MAX))
                    .expect("decodes");
                (e.path.clone().unwrap_or_default(), data)
            })
            .collect()
    }

    fn files() -> Vec<(&'static str, Vec<u8>)> {
        let big: Vec<u8> = (0..100_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        vec![
            (
                "Driver\\camera.inf",
                b"[Version]\r\nClass=Camera\r\n".to_vec(),
            ),
            ("Driver\\camera.sys", big),
        ]
    }

    #[test]
    fn reads_stored_and_mszip_cabinets() {
        let files = files();
        let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, d)| (*n, d.as_slice())).collect();
        for mszip in [false, true] {
            let cab = build(&refs, mszip);
            assert!(Cab.probe(&cab));
            assert_eq!(Cab.extent(&cab), Some(cab.len() as u64));
            let got = listing(&cab);
            let want: Vec<(String, Vec<u8>)> = files
                .iter()
                .map(|(n, d)| (n.replace('\\', "/"), d.clone()))
                .collect();
            assert_eq!(got, want, "mszip {mszip}");
        }
    }

    #[test]
    fn reads_a_gcab_mszip_cabinet_whose_blocks_share_a_window() {
        use sha2::{Digest, Sha256};
        let cab = include_bytes!("../../tests/fixtures/mszip.cab");
        let got: Vec<(String, usize, String)> = listing(cab)
            .into_iter()
            .map(|(name, data)| {
                let sha = crate::model::hex(&Sha256::digest(&data));
                (name, data.len(), sha)
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "Driver/camera.inf".to_string(),
                    64,
                    "231d5249ebc0d6afa16cd1d8f43f221e2157bba324064be5f07e69587ff1c6f7".to_string()
                ),
                (
                    "Driver/camera.sys".to_string(),
                    160_373,
                    "4cb2147db33da5fc277b7cc379ee45c159317f1820723a43586436a17f516bde".to_string()
                ),
            ]
        );
    }

    #[test]
    fn decoys_and_damage_are_errors_not_panics() {
        assert!(!Cab.probe(b"MSCF"));
        assert!(!Cab.probe(b"MSCF\0\0\0\0 this is not a cabinet at all, just text.."));
        let files = files();
        let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, d)| (*n, d.as_slice())).collect();
        let cab = build(&refs, true);
        for cut in [40, 60, cab.len() / 2, cab.len() - 1] {
            crate::unpack::exercise("cab", &cab[..cut]);
        }
        // A header claiming a huge file over a few blocks decodes no more
        // than the blocks hold.
        let mut huge = build(&[("a", b"tiny")], true);
        huge[36 + 8..36 + 12].copy_from_slice(&u32::MAX.to_le_bytes());
        let ex = Cab
            .extract(&Bytes::from_vec(huge), &Context::named("x.cab"))
            .expect("listed");
        let read = ex.entries[0]
            .blob
            .as_ref()
            .and_then(|b| b.read_prefix(u64::MAX));
        assert!(
            read.is_none(),
            "a file past its folder's blocks is an error"
        );
        let mut lzx = cab.clone();
        lzx[36 + 6] = 3;
        let ex = Cab
            .extract(&Bytes::from_vec(lzx), &Context::named("x.cab"))
            .expect("listed");
        assert!(
            ex.entries[0]
                .error
                .as_deref()
                .is_some_and(|e| e.contains("LZX"))
        );
    }
}
