//! File contents, the same in every squashfs version (domain.md §1.4): a
//! file is a run of data blocks, each listed by a 32-bit word (low 24 bits
//! its stored length, bit 24 set when stored undecoded, 0 for a hole of
//! zeros), and, optionally, a tail inside a fragment block that packs the
//! tails of many files.
//!
//! A fragment block is decoded once and kept while files not yet read
//! still need it, within [`MAX_CACHED`]: the walk opens files largest
//! first, not in fragment order, so a one-block cache would decode a block
//! once per tail, and an unbounded one lets a small image whose files each
//! point into a fragment block of their own hold the whole expansion at
//! once (a 549 KB image of 498 one-byte files, each in its own 1 MiB
//! fragment, took 562 MB). Each file is also charged its share of its
//! fragment block as work ([`Source::stored_len`]), so such an image runs
//! into the run's byte budget rather than decoding without end.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Read};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::unpack::blob::{Bytes, Source};

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
    cache: Mutex<Cache>,
}

/// Decoded fragment blocks, and how many files each still has to serve.
struct Cache {
    /// Most decoded bytes held.
    limit: usize,
    /// Decoded blocks by fragment index, with the tick of their last use.
    blocks: HashMap<u32, (Arc<Vec<u8>>, u64)>,
    /// The same blocks by last use, oldest first.
    by_use: BTreeMap<u64, u32>,
    /// Bytes held in `blocks`.
    held: usize,
    /// Files with a tail in each fragment block.
    tails: Vec<u32>,
    /// Of those, the ones not read yet.
    unread: Vec<u32>,
    tick: u64,
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
        let count = fragments.len();
        Arc::new(Data {
            image,
            block_size,
            fragments,
            decode,
            cache: Mutex::new(Cache {
                limit,
                blocks: HashMap::new(),
                by_use: BTreeMap::new(),
                held: 0,
                tails: vec![0; count],
                unread: vec![0; count],
                tick: 0,
            }),
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
        if let Some((fragment, _)) = tail {
            let mut cache = self.cache();
            let index = fragment as usize;
            if index >= cache.tails.len() {
                return Err(format!("fragment {fragment} not in table"));
            }
            cache.tails[index] = cache.tails[index].saturating_add(1);
            cache.unread[index] = cache.unread[index].saturating_add(1);
        }
        Ok(FileData {
            data: Arc::clone(self),
            size,
            start,
            blocks,
            tail,
        })
    }

    fn cache(&self) -> MutexGuard<'_, Cache> {
        // The cache holds no invariant a panic elsewhere could break.
        self.cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Fragment block `index`, decoded, for one file's tail.
    fn fragment(&self, index: u32) -> io::Result<Arc<Vec<u8>>> {
        if let Some(block) = self.cache().take(index) {
            return Ok(block);
        }
        let &(start, word) = self
            .fragments
            .get(index as usize)
            .ok_or_else(|| short("fragment table"))?;
        let stored = slice(&self.image, start, (word & LENGTH) as usize)?;
        let block = Arc::new(if word & STORED != 0 {
            stored.to_vec()
        } else {
            (self.decode)(stored, self.block_size as usize)?
        });
        self.cache().keep(index, &block);
        Ok(block)
    }
}

impl Cache {
    /// The block if held, counting one more of its files as read; a block
    /// no file needs any more is let go.
    fn take(&mut self, index: u32) -> Option<Arc<Vec<u8>>> {
        self.tick += 1;
        let unread = self.unread.get_mut(index as usize)?;
        *unread = unread.saturating_sub(1);
        let done = *unread == 0;
        let (block, used) = self.blocks.get_mut(&index)?;
        let block = Arc::clone(block);
        self.by_use.remove(used);
        *used = self.tick;
        if done {
            self.forget(index);
        } else {
            self.by_use.insert(self.tick, index);
        }
        Some(block)
    }

    /// Hold a block just decoded while files still need it, letting go of
    /// the least recently used ones to stay within the limit.
    fn keep(&mut self, index: u32, block: &Arc<Vec<u8>>) {
        let needed = self.unread.get(index as usize).is_some_and(|&n| n > 0);
        if !needed || block.len() > self.limit {
            return;
        }
        self.forget(index); // another thread decoded it too
        while self.held + block.len() > self.limit {
            let Some((_, oldest)) = self.by_use.pop_first() else {
                break;
            };
            self.forget(oldest);
        }
        self.tick += 1;
        self.held += block.len();
        self.blocks.insert(index, (Arc::clone(block), self.tick));
        self.by_use.insert(self.tick, index);
    }

    fn forget(&mut self, index: u32) {
        if let Some((block, used)) = self.blocks.remove(&index) {
            self.by_use.remove(&used);
            self.held -= block.len();
        }
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
            let files = self.data.cache().tails[fragment as usize].max(1);
            self.data.block_size.div_ceil(u64::from(files))
        });
        blocks + share
    }

    fn name(&self) -> &'static str {
        "squashfs"
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
    fn a_fragment_block_is_held_until_its_last_file_is_read() {
        let (image, table) = fragments(2, 4096);
        let data = Data::new(image, 4096, table, Box::new(never), MAX_CACHED);
        let files: Vec<FileData> = (0..3)
            .map(|i| {
                data.file(10, 0, Vec::new(), Some((0, i * 10)))
                    .expect("file")
            })
            .collect();
        let other = data.file(5, 0, Vec::new(), Some((1, 0))).expect("file");
        assert_eq!(read(&files[0]), vec![0; 10]);
        assert_eq!(data.cache().held, 4096, "two more files need block 0");
        assert_eq!(read(&other), vec![1; 5]);
        assert_eq!(data.cache().held, 4096, "block 1 had one file");
        read(&files[1]);
        read(&files[2]);
        assert_eq!(data.cache().held, 0);
        assert!(data.cache().blocks.is_empty() && data.cache().by_use.is_empty());
        // Read again (a second pass): decoded again, not kept.
        assert_eq!(read(&files[2]), vec![0; 10]);
        assert_eq!(data.cache().held, 0);
    }

    #[test]
    fn the_cache_stays_within_its_limit_and_lets_the_oldest_go() {
        let (image, table) = fragments(8, 4096);
        let data = Data::new(image, 4096, table, Box::new(never), 3 * 4096);
        // Two files per block; read the first of each, then the second.
        let files: Vec<FileData> = (0..16)
            .map(|i| data.file(1, 0, Vec::new(), Some((i % 8, 0))).expect("file"))
            .collect();
        for file in &files[..8] {
            read(file);
            assert!(data.cache().held <= 3 * 4096);
        }
        let held: Vec<u32> = data.cache().by_use.values().copied().collect();
        assert_eq!(held, [5, 6, 7], "the three last used");
        for (i, file) in files[8..].iter().enumerate() {
            assert_eq!(read(file), vec![i as u8]);
        }
        assert_eq!(data.cache().held, 0);
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
