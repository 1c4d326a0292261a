//! zip (PKWARE APPNOTE), including zip64 and archives with leading data.
//!
//! The `zip` crate reads the central directory; member data is not decoded
//! here but handed on as a range of the archive plus the member's codec, so
//! a member is inflated only when it is opened. Methods: stored (0), deflate
//! (8), deflate64 (9), bzip2 (12), zstd (93), xz (95). Encrypted members and
//! other methods are listed with an error instead of content. Symlinks
//! (Unix mode `S_IFLNK`) carry their target as data.

use std::io::{self, Cursor};

use crate::model::EntryKind;
use crate::unpack::blob::{Blob, Bytes, Codec, Decoder, Untracked};
use crate::unpack::{Context, Entry, Extraction, Format, FormatError, Magic, bzip2, xz, zstd};

const LOCAL_HEADER: &[u8; 4] = b"PK\x03\x04";
const EMPTY_ARCHIVE: &[u8; 4] = b"PK\x05\x06";
/// Longest symlink target we read.
const MAX_LINK_TARGET: u64 = 4096;

/// The zip format.
pub struct Zip;

fn check_header(data: &[u8]) -> Result<(), FormatError> {
    match data.get(..4) {
        Some(sig) if sig == LOCAL_HEADER && data.len() >= 30 => Ok(()),
        Some(sig) if sig == EMPTY_ARCHIVE && data.len() >= 22 => Ok(()),
        _ => Err(FormatError::malformed("no zip local header")),
    }
}

/// Raw deflate, as zip stores it.
pub const DEFLATE: Codec = Codec {
    name: "deflate",
    open: open_deflate,
};

fn open_deflate(input: &[u8]) -> io::Result<Box<dyn Decoder + '_>> {
    // A member's input is its compressed size: nothing follows the stream.
    Ok(Box::new(Untracked(flate2::bufread::DeflateDecoder::new(
        input,
    ))))
}

/// Deflate64 ("enhanced deflate", zip method 9).
pub const DEFLATE64: Codec = Codec {
    name: "deflate64",
    open: open_deflate64,
};

fn open_deflate64(input: &[u8]) -> io::Result<Box<dyn Decoder + '_>> {
    Ok(Box::new(Untracked(
        deflate64::Deflate64Decoder::with_buffer(input),
    )))
}

fn codec_for(method: u16) -> Result<Option<Codec>, String> {
    match method {
        0 => Ok(None),
        8 => Ok(Some(DEFLATE)),
        9 => Ok(Some(DEFLATE64)),
        12 => Ok(Some(bzip2::CODEC)),
        93 => Ok(Some(zstd::CODEC)),
        95 => Ok(Some(xz::CODEC)),
        99 => Err("encrypted (AES)".into()),
        other => Err(format!("unsupported compression method {other}")),
    }
}

/// End-of-central-directory records [`Zip::extent`] tries, at most (an
/// archive's own follows those of the stored zips inside it).
const MAX_END_RECORDS: usize = 1024;

impl Format for Zip {
    fn id(&self) -> &'static str {
        "zip"
    }

    fn magic(&self) -> &'static [Magic] {
        const MAGICS: &[Magic] = &[Magic::at_start(LOCAL_HEADER)];
        MAGICS
    }

    /// Up to the end of the first end-of-central-directory record that
    /// belongs to an archive starting here: its central directory must end
    /// where the record starts (an inner, stored zip's record points
    /// elsewhere). zip64 records (offset all ones) are accepted as found.
    /// At most `MAX_END_RECORDS` records are tried: carving asks once per
    /// local header, and 4,000 headers before 4 MB of records that fit none
    /// took 28 s.
    fn extent(&self, data: &[u8]) -> Option<u64> {
        let mut records = memchr::memmem::find_iter(data, EMPTY_ARCHIVE).take(MAX_END_RECORDS);
        records.find_map(|eocd| {
            let record = data.get(eocd..eocd + 22)?;
            let le32 = |at: usize| {
                u32::from_le_bytes([record[at], record[at + 1], record[at + 2], record[at + 3]])
            };
            let (cd_size, cd_offset) = (le32(12), le32(16));
            let zip64 = cd_offset == u32::MAX || cd_size == u32::MAX;
            let fits = u64::from(cd_offset) + u64::from(cd_size) == eocd as u64;
            (zip64 || fits).then(|| {
                let comment = usize::from(u16::from_le_bytes([record[20], record[21]]));
                (eocd + 22 + comment).min(data.len()) as u64
            })
        })
    }

    fn probe(&self, data: &[u8]) -> bool {
        check_header(data).is_ok()
    }

    fn extract(&self, data: &Bytes, cx: &Context<'_>) -> Result<Extraction, FormatError> {
        check_header(data)?;
        let mut archive = zip::ZipArchive::new(Cursor::new(&data[..]))
            .map_err(|e| FormatError::malformed(format!("zip: {e}")))?;
        let mut extraction = Extraction::default();
        if archive.has_duplicate_names() {
            // The reader keeps one member per name; the others are hidden.
            extraction.truncated =
                Some("duplicate member names: only the last of each is listed".into());
        }
        for index in 0..archive.len() {
            if cx.full(extraction.entries.len()) {
                extraction.truncated = Some(format!(
                    "zip: listing stopped at {} entries",
                    cx.max_entries
                ));
                break;
            }
            let member = match archive.by_index_raw(index) {
                Ok(member) => member,
                Err(e) => {
                    extraction.notes.push(format!("zip member #{index}: {e}"));
                    continue;
                }
            };
            let path = String::from_utf8_lossy(member.name_raw()).into_owned();
            if member.is_dir() {
                extraction.entries.push(Entry::new(path, EntryKind::Dir));
                continue;
            }
            let mut entry = Entry::new(path, EntryKind::File);
            #[allow(deprecated)] // the numeric id is the stable interface across crate features
            let method = member.compression().to_u16();
            let raw = member
                .data_start()
                .and_then(|start| data.slice_at(start, member.compressed_size()));
            let blob = match (raw, codec_for(method)) {
                (_, _) if member.encrypted() => Err("encrypted (ZipCrypto)".to_string()),
                (None, _) => Err("member data runs past the end of the archive".to_string()),
                (Some(_), Err(why)) => Err(why),
                (Some(raw), Ok(None)) => Ok(Blob::Bytes(raw)),
                (Some(raw), Ok(Some(codec))) => Ok(Blob::Decode { codec, input: raw }),
            };
            match blob {
                Ok(blob) if member.is_symlink() => {
                    entry.kind = EntryKind::Symlink {
                        target: read_link_target(&blob).unwrap_or_default(),
                    };
                }
                Ok(blob) => entry.blob = Some(blob),
                Err(why) => entry.error = Some(why),
            }
            extraction.entries.push(entry);
        }
        Ok(extraction)
    }
}

fn read_link_target(blob: &Blob) -> Option<String> {
    let target = blob.read_prefix(MAX_LINK_TARGET)?;
    Some(String::from_utf8_lossy(&target).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use zip::write::SimpleFileOptions;

    fn zip_of(files: &[(&str, &[u8], zip::CompressionMethod)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (path, data, method) in files {
            w.start_file(
                *path,
                SimpleFileOptions::default().compression_method(*method),
            )
            .expect("start");
            w.write_all(data).expect("write");
        }
        w.finish().expect("finish").into_inner()
    }

    fn content(entry: &Entry) -> Vec<u8> {
        entry
            .blob
            .as_ref()
            .and_then(|b| b.read_prefix(u64::MAX))
            .expect("decodes")
    }

    #[test]
    fn members_decode_lazily_with_their_codec() {
        let text = b"firmware ".repeat(100);
        let data = Bytes::from_vec(zip_of(&[
            ("stored.bin", b"raw bytes", zip::CompressionMethod::Stored),
            ("dir/deflated.txt", &text, zip::CompressionMethod::Deflated),
        ]));
        assert!(Zip.probe(&data));
        let ex = Zip
            .extract(&data, &Context::named("x.zip"))
            .expect("extract");
        assert_eq!(ex.entries.len(), 2);
        assert!(matches!(ex.entries[0].blob, Some(Blob::Bytes(_))));
        assert_eq!(content(&ex.entries[0]), b"raw bytes");
        assert!(matches!(ex.entries[1].blob, Some(Blob::Decode { .. })));
        assert_eq!(ex.entries[1].path.as_deref(), Some("dir/deflated.txt"));
        assert_eq!(content(&ex.entries[1]), text);
    }

    /// Deflate64 differs from deflate only in length code 285 and distance
    /// codes 30–31; a deflate stream that uses neither (no 258-byte matches,
    /// no distances over 32 KiB) is also a valid deflate64 stream. So a
    /// deflated member relabelled as method 9 must decode to the same bytes.
    #[test]
    fn deflate64_members_decode() {
        let text: Vec<u8> = (0..3000u32)
            .flat_map(|i| format!("line {i} of the config\n").into_bytes())
            .collect();
        let mut data = zip_of(&[("cfg.txt", &text, zip::CompressionMethod::Deflated)]);
        // Method field: local header offset 8, central directory header offset 10.
        assert_eq!(&data[8..10], &[8, 0]);
        data[8] = 9;
        let cd = data
            .windows(4)
            .position(|w| w == b"PK\x01\x02")
            .expect("central directory");
        assert_eq!(&data[cd + 10..cd + 12], &[8, 0]);
        data[cd + 10] = 9;
        let ex = Zip
            .extract(&Bytes::from_vec(data), &Context::named("x.zip"))
            .expect("extract");
        match &ex.entries[0].blob {
            Some(Blob::Decode { codec, .. }) => assert_eq!(codec.name, "deflate64"),
            other => panic!("expected a deflate64 blob, got {other:?}"),
        }
        assert_eq!(content(&ex.entries[0]), text);
    }

    #[test]
    fn encrypted_and_unknown_methods_are_listed_with_an_error() {
        let mut data = zip_of(&[("a", b"hello", zip::CompressionMethod::Stored)]);
        let cd = data
            .windows(4)
            .position(|w| w == b"PK\x01\x02")
            .expect("central directory");
        data[8] = 14; // lzma, which we do not decode
        data[cd + 10] = 14;
        let ex = Zip
            .extract(&Bytes::from_vec(data), &Context::named("x.zip"))
            .expect("extract");
        assert!(ex.entries[0].blob.is_none());
        assert!(
            ex.entries[0]
                .error
                .as_deref()
                .is_some_and(|e| e.contains("method 14"))
        );
    }

    #[test]
    fn extent_skips_the_record_of_a_stored_inner_zip() {
        let inner = zip_of(&[("a.txt", b"inner", zip::CompressionMethod::Stored)]);
        let outer = zip_of(&[
            ("inner.zip", &inner, zip::CompressionMethod::Stored),
            ("b.txt", b"outer", zip::CompressionMethod::Stored),
        ]);
        let mut padded = outer.clone();
        padded.extend([0xabu8; 100]);
        assert_eq!(Zip.extent(&padded), Some(outer.len() as u64));
    }

    #[test]
    fn extent_tries_at_most_max_end_records() {
        // A stored member full of end records that fit nothing (their
        // central directory is empty at offset 0): the archive's own record
        // comes after them.
        let decoys = |n: usize| {
            let mut record = EMPTY_ARCHIVE.to_vec();
            record.extend([0u8; 18]);
            let filler = record.repeat(n);
            zip_of(&[("records.bin", &filler, zip::CompressionMethod::Stored)])
        };
        let fewer = decoys(MAX_END_RECORDS - 1);
        assert_eq!(Zip.extent(&fewer), Some(fewer.len() as u64));
        // As many as the limit: the archive's own record is never tried.
        assert_eq!(Zip.extent(&decoys(MAX_END_RECORDS)), None);
    }

    #[test]
    fn symlinks_and_dirs_are_recorded() {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        w.add_directory("bin/", SimpleFileOptions::default())
            .expect("dir");
        w.add_symlink("bin/sh", "busybox", SimpleFileOptions::default())
            .expect("link");
        let data = Bytes::from_vec(w.finish().expect("finish").into_inner());
        let ex = Zip
            .extract(&data, &Context::named("x.zip"))
            .expect("extract");
        assert_eq!(ex.entries[0].kind, EntryKind::Dir);
        assert_eq!(
            ex.entries[1].kind,
            EntryKind::Symlink {
                target: "busybox".into()
            }
        );
    }

    #[test]
    fn probe_rejects_decoys_and_extract_reports_damage() {
        assert!(!Zip.probe(b"PK"));
        assert!(!Zip.probe(b"PK\x01\x02 central directory only....................."));
        let mut data = zip_of(&[("a", b"hello", zip::CompressionMethod::Stored)]);
        let len = data.len();
        data.truncate(len - 10);
        assert!(
            Zip.extract(&Bytes::from_vec(data), &Context::named("x.zip"))
                .is_err()
        );
    }
}
