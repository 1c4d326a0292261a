//! File contents, the same in every squashfs version (domain.md §1.4): a
//! file is a run of data blocks, each listed by a 32-bit word (low 24 bits
//! its stored length, bit 24 set when stored undecoded, 0 for a hole of
//! zeros), and, optionally, a tail inside a fragment block that packs the
//! tails of many files.
//!
//! Fragment blocks are [`SharedBlocks`]: decoded once, kept while unread
//! files need them, within [`MAX_CACHED`]. Each file is also charged its
//! share of its fragment block as work ([`Source::stored_len`]), so an
//! image whose files each point into a 1 MiB fragment of their own runs
//! into the run's byte budget rather than decoding without end.

use std::io::{self, Read};
use std::sync::Arc;

use crate::unpack::blob::{Bytes, Source};
use crate::unpack::shared::SharedBlocks;

/// Decoded fragment blocks kept at once, at most (64 MiB: a Debian root
/// filesystem's fragments fit many times over).
pub(super) const MAX_CACHED: usize = 64 << 20;
/// Bit of a block word: the block is stored undecoded.
pub(super) const STORED: u32 = 1 << 24;
/// Bits of a block word that hold its stored length.
pub(super) const LENGTH: u32 = STORED - 1;

/// Decodes one block (its stored bytes) into at most the given length.
pub(super) type Decode = Box<dyn Fn(&[u8], usize) -> io::Result<Vec<u8>> + Send + Sync>;

/// What every file of one image shares: the image, its fragment table and
/// the decoded fragment blocks.
pub(super) struct Data {
    image: Bytes,
    block_size: u64,
    /// Fragment blocks: (start, block word).
    fragments: Vec<(u64, u32)>,
    decode: Decode,
    shared: SharedBlocks,
}

impl Data {
    /// The shared part of an image whose blocks `decode` decodes, keeping at
    /// most `limit` decoded bytes of fragment blocks.
    pub(super) fn new(
        image: Bytes,
        block_size: u64,
        fragments: Vec<(u64, u32)>,
        decode: Decode,
        limit: usize,
    ) -> Arc<Self> {
        Arc::new(Data {
            shared: SharedBlocks::new(fragments.len(), limit),
            image,
            block_size,
            fragments,
            decode,
        })
    }

    /// A regular file of `size` bytes: its data blocks from `start` and, if
    /// any, its tail at `offset` in fragment block `fragment`.
    pub(super) fn file(
        self: &Arc<Self>,
        size: u64,
        start: u64,
        blocks: Vec<u32>,
        tail: Option<(u32, u32)>,
    ) -> Result<FileData, String> {
        if let Some((fragment, _)) = tail
            && !self.shared.add_reader(fragment as usize)
        {
            return Err(format!("fragment {fragment} not in table"));
        }
        Ok(FileData {
            data: Arc::clone(self),
            size,
            start,
            blocks,
            tail,
        })
    }

    /// Fragment block `index`, decoded, for one file's tail.
    fn fragment(&self, index: u32) -> io::Result<Arc<Vec<u8>>> {
        self.shared.get(index as usize, || {
            let &(start, word) = self
                .fragments
                .get(index as usize)
                .ok_or_else(|| short("fragment table"))?;
            let stored = slice(&self.image, start, (word & LENGTH) as usize)?;
            if word & STORED != 0 {
                Ok(stored.to_vec())
            } else {
                (self.decode)(stored, self.block_size as usize)
            }
        })
    }
}

/// A regular file's blocks and tail, decoded when opened.
pub(super) struct FileData {
    data: Arc<Data>,
    size: u64,
    start: u64,
    blocks: Vec<u32>,
    /// (fragment block index, offset of the tail in it).
    tail: Option<(u32, u32)>,
}

impl FileData {
    /// Block `index` of the file, stored at `position`, decoded (`want`
    /// bytes).
    fn block(&self, index: usize, position: u64, want: usize) -> io::Result<Vec<u8>> {
        let word = self.blocks[index];
        let len = (word & LENGTH) as usize;
        if len == 0 {
            return Ok(vec![0; want]); // a hole
        }
        let stored = slice(&self.data.image, position, len)?;
        let mut bytes = if word & STORED != 0 {
            stored.to_vec()
        } else {
            (self.data.decode)(stored, want)?
        };
        if bytes.len() < want {
            return Err(short("data block"));
        }
        bytes.truncate(want);
        Ok(bytes)
    }

    /// The file's tail (`want` bytes) from its fragment block.
    fn tail(&self, want: usize) -> io::Result<Vec<u8>> {
        let Some((fragment, offset)) = self.tail else {
            return Err(short("file"));
        };
        let end = offset as usize + want;
        if end as u64 > self.data.block_size {
            return Err(short("fragment"));
        }
        let block = self.data.fragment(fragment)?;
        block
            .get(offset as usize..end)
            .map(<[u8]>::to_vec)
            .ok_or_else(|| short("fragment"))
    }
}

impl Source for FileData {
    fn reader(&self) -> io::Result<Box<dyn Read + '_>> {
        Ok(Box::new(FileReader {
            file: self,
            next: 0,
            position: self.start,
            produced: 0,
            buffer: Vec::new(),
            at: 0,
        }))
    }

    /// The stored blocks, and the file's share of its fragment block
    /// decoded (the block size over the files that have a tail in it).
    fn stored_len(&self) -> u64 {
        let blocks: u64 = self.blocks.iter().map(|w| u64::from(w & LENGTH)).sum();
        let share = self.tail.map_or(0, |(fragment, _)| {
            let files = self.data.shared.readers(fragment as usize).max(1);
            self.data.block_size.div_ceil(u64::from(files))
        });
        blocks + share
    }

    fn name(&self) -> &'static str {
        "squashfs"
    }

    fn group(&self) -> Option<u64> {
        self.tail.map(|(fragment, _)| u64::from(fragment))
    }
}

/// Produces a file block by block.
struct FileReader<'a> {
    file: &'a FileData,
    next: usize,
    position: u64,
    produced: u64,
    buffer: Vec<u8>,
    at: usize,
}

impl Read for FileReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.at == self.buffer.len() {
            let left = self.file.size - self.produced;
            if left == 0 {
                return Ok(0);
            }
            let want = left.min(self.file.data.block_size) as usize;
            self.buffer = if self.next < self.file.blocks.len() {
                let word = self.file.blocks[self.next];
                let block = self.file.block(self.next, self.position, want)?;
                self.position += u64::from(word & LENGTH);
                self.next += 1;
                block
            } else {
                self.file.tail(want)?
            };
            if self.buffer.is_empty() {
                return Err(short("file"));
            }
            self.produced += self.buffer.len() as u64;
            self.at = 0;
        }
        let n = buf.len().min(self.buffer.len() - self.at);
        buf[..n].copy_from_slice(&self.buffer[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// `len` bytes of the image at `at`.
pub(super) fn slice(data: &Bytes, at: u64, len: usize) -> io::Result<&[u8]> {
    usize::try_from(at)
        .ok()
        .and_then(|at| data.get(at..at.checked_add(len)?))
        .ok_or_else(|| short("block past the end of the image"))
}

pub(super) fn short(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, format!("{what} cut short"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unpack::blob::Blob;
    use crate::unpack::limits::{Budgets, Limits};

    /// An image of `count` stored fragment blocks of `block` bytes, block
    /// `i` filled with byte `i`.
    fn fragments(count: u32, block: usize) -> (Bytes, Vec<(u64, u32)>) {
        let mut image = Vec::new();
        let mut table = Vec::new();
        for i in 0..count {
            table.push((image.len() as u64, block as u32 | STORED));
            image.extend(std::iter::repeat_n(i as u8, block));
        }
        (Bytes::from_vec(image), table)
    }

    fn never(_: &[u8], _: usize) -> io::Result<Vec<u8>> {
        Err(io::Error::other("nothing here is compressed"))
    }

    fn read(file: &FileData) -> Vec<u8> {
        let mut out = Vec::new();
        file.reader()
            .expect("opens")
            .read_to_end(&mut out)
            .expect("reads");
        out
    }

    #[test]
    fn tails_are_cut_from_their_fragment_blocks_which_go_when_read() {
        let (image, table) = fragments(2, 4096);
        let data = Data::new(image, 4096, table, Box::new(never), MAX_CACHED);
        let files: Vec<FileData> = (0..3)
            .map(|i| {
                data.file(10, 0, Vec::new(), Some((0, i * 10)))
                    .expect("file")
            })
            .collect();
        let other = data.file(5, 0, Vec::new(), Some((1, 0))).expect("file");
        assert_eq!(files[0].group(), Some(0));
        assert_eq!(other.group(), Some(1));
        assert_eq!(read(&files[0]), vec![0; 10]);
        assert_eq!(data.shared.held(), 4096, "two more files need block 0");
        assert_eq!(read(&other), vec![1; 5]);
        read(&files[1]);
        read(&files[2]);
        assert_eq!(data.shared.held(), 0);
        // A file with no tail belongs to no group.
        let blocks_only = data.file(4096, 0, vec![4096 | STORED], None).expect("file");
        assert_eq!(blocks_only.group(), None);
        assert_eq!(read(&blocks_only), vec![0; 4096]);
    }

    #[test]
    fn each_file_is_charged_its_share_of_the_fragment_block() {
        let (image, table) = fragments(2, 1 << 20);
        let data = Data::new(image, 1 << 20, table, Box::new(never), MAX_CACHED);
        let shared: Vec<FileData> = (0..4)
            .map(|i| data.file(1, 0, Vec::new(), Some((0, i))).expect("file"))
            .collect();
        let alone = data.file(1, 0, Vec::new(), Some((1, 0))).expect("file");
        assert_eq!(shared[0].stored_len(), 1 << 18);
        assert_eq!(alone.stored_len(), 1 << 20);
        // Files that each decode a 1 MiB block for one byte run into the
        // byte budget (here 64 MiB) after about 64 of them.
        let (image, table) = fragments(1, 1 << 20);
        let data = Data::new(image, 1 << 20, table, Box::new(never), MAX_CACHED);
        let limits = Limits {
            max_total_bytes: Some(64 << 20),
            ..Limits::default()
        };
        let budgets = Budgets::new(limits, 1 << 20);
        let blob = Blob::Source(Arc::new(
            data.file(1, 0, Vec::new(), Some((0, 0))).expect("file"),
        ));
        let opened = (0..200).filter(|_| blob.open(&budgets).is_ok()).count();
        assert!((60..=64).contains(&opened), "{opened}");
    }

    #[test]
    fn bad_tables_are_errors_not_panics() {
        let (image, table) = fragments(1, 4096);
        let data = Data::new(image, 4096, table, Box::new(never), MAX_CACHED);
        assert!(data.file(1, 0, Vec::new(), Some((1, 0))).is_err());
        // A tail past the block, a block past the image, a short file.
        let past_block = data.file(10, 0, Vec::new(), Some((0, 4090))).expect("file");
        let past_image = data
            .file(10, 1 << 30, vec![10 | STORED], None)
            .expect("file");
        let short_file = data.file(8192, 0, vec![4096 | STORED], None).expect("file");
        for file in [past_block, past_image, short_file] {
            let mut out = Vec::new();
            assert!(file.reader().expect("opens").read_to_end(&mut out).is_err());
        }
        // A hole reads as zeros.
        let hole = data.file(100, 0, vec![0], None).expect("file");
        assert_eq!(read(&hole), vec![0; 100]);
    }
}
