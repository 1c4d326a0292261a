//! Decoded blocks that several files of one container are cut from: a
//! SquashFS fragment block (the tails of many small files), a 7z solid
//! folder. A block is decoded when its first file is opened and kept while
//! files not yet read still need it, within a byte limit; the walk visits
//! the files of one block one after another ([`Source::group`]), so a block
//! is normally decoded once and let go as soon as its last file is read.
//!
//! Holding every decoded block for the life of the container (what
//! backhand and a `OnceLock` per folder did) lets a small image whose
//! files each point into a large block of their own, read last, hold the
//! whole expansion at once: a 255 KB 7z of 100 two-file folders took
//! 1.2 GB, a 549 KB SquashFS of 498 one-byte files in 1 MiB fragments
//! 562 MB.
//!
//! [`Source::group`]: crate::unpack::blob::Source::group

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};

/// Blocks shared by the files of one container, by index.
pub struct SharedBlocks {
    inner: Mutex<Inner>,
}

struct Inner {
    /// Most decoded bytes held; a block larger than this on its own is
    /// still held (alone) while its files are read.
    limit: usize,
    /// Decoded blocks by index, with the tick of their last use.
    blocks: HashMap<usize, (Arc<Vec<u8>>, u64)>,
    /// The same blocks by last use, oldest first.
    by_use: BTreeMap<u64, usize>,
    /// Bytes held in `blocks`.
    held: usize,
    /// Files cut from each block.
    readers: Vec<u32>,
    /// Of those, the ones not read yet.
    unread: Vec<u32>,
    /// Blocks that failed to decode, with why (not tried again).
    failed: HashMap<usize, String>,
    tick: u64,
}

impl SharedBlocks {
    /// `count` blocks, at most `limit` decoded bytes of them held.
    pub fn new(count: usize, limit: usize) -> Self {
        SharedBlocks {
            inner: Mutex::new(Inner {
                limit,
                blocks: HashMap::new(),
                by_use: BTreeMap::new(),
                held: 0,
                readers: vec![0; count],
                unread: vec![0; count],
                failed: HashMap::new(),
                tick: 0,
            }),
        }
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        // Nothing here is left half-updated by a panic elsewhere.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Count one more file cut from block `index`; false when there is no
    /// such block.
    pub fn add_reader(&self, index: usize) -> bool {
        let mut inner = self.inner();
        let Some(readers) = inner.readers.get_mut(index) else {
            return false;
        };
        *readers = readers.saturating_add(1);
        inner.unread[index] = inner.unread[index].saturating_add(1);
        true
    }

    /// Files cut from block `index`.
    pub fn readers(&self, index: usize) -> u32 {
        self.inner().readers.get(index).copied().unwrap_or(0)
    }

    /// Block `index` for one of its files: the held copy, or `decode`'s.
    /// A block that failed to decode fails again for its other files
    /// without being decoded again.
    pub fn get(
        &self,
        index: usize,
        decode: impl FnOnce() -> io::Result<Vec<u8>>,
    ) -> io::Result<Arc<Vec<u8>>> {
        let failed = |why: &str| io::Error::new(io::ErrorKind::InvalidData, why.to_string());
        {
            let mut inner = self.inner();
            if let Some(block) = inner.take(index) {
                return Ok(block);
            }
            if let Some(why) = inner.failed.get(&index) {
                return Err(failed(why));
            }
        }
        match decode() {
            Ok(block) => {
                let block = Arc::new(block);
                self.inner().keep(index, &block);
                Ok(block)
            }
            Err(e) => {
                let why = e.to_string();
                self.inner().failed.insert(index, why.clone());
                Err(io::Error::new(e.kind(), why))
            }
        }
    }

    /// Decoded bytes held now.
    #[cfg(test)]
    pub fn held(&self) -> usize {
        self.inner().held
    }
}

impl Inner {
    /// The block if held, counting one more of its files as read; a block
    /// no file needs any more is let go.
    fn take(&mut self, index: usize) -> Option<Arc<Vec<u8>>> {
        self.tick += 1;
        let unread = self.unread.get_mut(index)?;
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
    fn keep(&mut self, index: usize, block: &Arc<Vec<u8>>) {
        if self.unread.get(index).is_none_or(|&n| n == 0) {
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

    fn forget(&mut self, index: usize) {
        if let Some((block, used)) = self.blocks.remove(&index) {
            self.by_use.remove(&used);
            self.held -= block.len();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn block(fill: u8, len: usize) -> impl FnOnce() -> io::Result<Vec<u8>> {
        move || Ok(vec![fill; len])
    }

    #[test]
    fn a_block_is_held_until_its_last_file_is_read() {
        let shared = SharedBlocks::new(2, 1 << 20);
        for _ in 0..3 {
            assert!(shared.add_reader(0));
        }
        assert!(shared.add_reader(1));
        assert!(!shared.add_reader(2), "no block 2");
        assert_eq!(shared.readers(0), 3);
        let decoded = Cell::new(0);
        let counted = |fill| {
            decoded.set(decoded.get() + 1);
            block(fill, 4096)()
        };
        shared.get(0, || counted(0)).expect("decodes");
        assert_eq!(shared.held(), 4096, "two more files need block 0");
        shared.get(1, || counted(1)).expect("decodes");
        assert_eq!(shared.held(), 4096, "block 1 had one file");
        shared.get(0, || counted(0)).expect("held");
        shared.get(0, || counted(0)).expect("held");
        assert_eq!(decoded.get(), 2, "block 0 decoded once");
        assert_eq!(shared.held(), 0);
        // A file read again: decoded again, not kept.
        assert_eq!(*shared.get(0, block(7, 10)).expect("decodes"), vec![7; 10]);
        assert_eq!(shared.held(), 0);
    }

    #[test]
    fn within_the_limit_the_least_recently_used_go_first() {
        let shared = SharedBlocks::new(8, 3 * 4096);
        for index in (0..8).chain(0..8) {
            shared.add_reader(index);
        }
        for index in 0..8 {
            shared
                .get(index, block(index as u8, 4096))
                .expect("decodes");
            assert!(shared.held() <= 3 * 4096);
        }
        let held: Vec<usize> = shared.inner().by_use.values().copied().collect();
        assert_eq!(held, [5, 6, 7]);
        // 5 to 7 come from the cache; 0 to 4 are decoded again.
        for index in 0..8 {
            let got = shared
                .get(index, || {
                    assert!(index < 5, "block {index} was held");
                    block(index as u8, 4096)()
                })
                .expect("reads");
            assert_eq!(got[0], index as u8);
        }
        assert_eq!(shared.held(), 0);
    }

    #[test]
    fn a_block_over_the_limit_is_held_alone() {
        let shared = SharedBlocks::new(2, 1000);
        for index in [0, 0, 1, 1] {
            shared.add_reader(index);
        }
        shared.get(0, block(0, 600)).expect("decodes");
        shared.get(1, block(1, 5000)).expect("decodes");
        assert_eq!(shared.held(), 5000, "block 0 let go for it");
        shared
            .get(1, || panic!("block 1 is held"))
            .expect("from the cache");
        assert_eq!(shared.held(), 0);
    }

    #[test]
    fn a_failed_decode_is_reported_to_every_file_and_not_tried_again() {
        let shared = SharedBlocks::new(1, 1 << 20);
        shared.add_reader(0);
        shared.add_reader(0);
        let failed = shared.get(0, || Err(io::Error::other("bad block")));
        assert!(failed.is_err_and(|e| e.to_string() == "bad block"));
        let again = shared.get(0, || panic!("decoded again"));
        assert!(again.is_err_and(|e| e.to_string() == "bad block"));
        assert_eq!(shared.held(), 0);
    }
}
