//! Where an artifact's bytes come from, and how they are produced on demand.
//!
//! A container lists its entries as [`Blob`]s without decoding anything: a
//! stored member is a [`Bytes`] range of the container's own buffer (zero
//! copy), a compressed member is a [`Codec`] over such a range. The walker
//! opens a blob only when a consumer (hashing, identification, `--extract`)
//! needs it, holds the bytes while the branch below it is processed, and
//! drops them afterwards, so memory follows the depth of the tree, not its
//! size.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::ops::{Deref, Range};
use std::sync::Arc;

use crate::model::{Budget, Status};
use crate::unpack::limits::Budgets;

/// Shared, immutable, cheaply sliceable bytes: a memory-mapped file or a
/// decoded buffer.
#[derive(Clone)]
pub struct Bytes {
    backing: Arc<Backing>,
    range: Range<usize>,
}

enum Backing {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl Backing {
    fn as_slice(&self) -> &[u8] {
        match self {
            Backing::Mapped(map) => map,
            Backing::Owned(vec) => vec,
        }
    }
}

impl Bytes {
    /// Take ownership of a buffer.
    pub fn from_vec(vec: Vec<u8>) -> Self {
        let len = vec.len();
        Bytes {
            backing: Arc::new(Backing::Owned(vec)),
            range: 0..len,
        }
    }

    /// Memory-map a file read-only. Empty files are read normally (mapping
    /// zero bytes is an error on Linux).
    pub fn map_file(file: &File) -> io::Result<Self> {
        if file.metadata()?.len() == 0 {
            return Ok(Bytes::from_vec(Vec::new()));
        }
        // SAFETY: the map is read-only and private to this process. A file
        // truncated by another process while mapped would raise SIGBUS; that
        // is the accepted trade-off of every mmap-based reader (ripgrep, yara).
        #[allow(unsafe_code)]
        let map = unsafe { memmap2::Mmap::map(file)? };
        let len = map.len();
        Ok(Bytes {
            backing: Arc::new(Backing::Mapped(map)),
            range: 0..len,
        })
    }

    /// A sub-range of these bytes sharing the same buffer; `None` when the
    /// range does not lie inside.
    pub fn slice(&self, range: Range<usize>) -> Option<Bytes> {
        if range.start > range.end || range.end > self.len() {
            return None;
        }
        Some(Bytes {
            backing: Arc::clone(&self.backing),
            range: self.range.start + range.start..self.range.start + range.end,
        })
    }

    /// Where these bytes start inside `outer`, when they are a range of the
    /// same buffer that lies within it.
    pub fn offset_in(&self, outer: &Bytes) -> Option<usize> {
        let inside = Arc::ptr_eq(&self.backing, &outer.backing)
            && self.range.start >= outer.range.start
            && self.range.end <= outer.range.end;
        inside.then(|| self.range.start - outer.range.start)
    }

    /// A sub-range given as 64-bit offset and length, as containers store them.
    pub fn slice_at(&self, offset: u64, len: u64) -> Option<Bytes> {
        let start = usize::try_from(offset).ok()?;
        let end = start.checked_add(usize::try_from(len).ok()?)?;
        self.slice(start..end)
    }
}

impl Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.backing.as_slice()[self.range.clone()]
    }
}

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl fmt::Debug for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Bytes({} bytes)", self.len())
    }
}

/// A streaming decoder: turns compressed input into a reader of plain bytes.
#[derive(Clone, Copy)]
pub struct Codec {
    /// Format id, used in error messages.
    pub name: &'static str,
    /// Start decoding `input`.
    pub open: for<'a> fn(&'a [u8]) -> io::Result<Box<dyn Decoder + 'a>>,
}

/// A codec's reader of plain bytes, which also tells how far into its
/// input it got: a stream's end is known only by decoding it, and what
/// follows (a carved stream runs to the next part found) must still be read.
pub trait Decoder: Read {
    /// Input bytes not consumed yet: once the output has ended, the bytes
    /// after the stream's end. `None` when the decoder cannot tell.
    fn unread(&self) -> Option<usize>;
}

/// A slice read as it is leaves what has not been read.
impl Decoder for &[u8] {
    fn unread(&self) -> Option<usize> {
        Some(self.len())
    }
}

/// A reader whose position in its input is not known (a decoder that
/// buffers ahead, or whose input always ends with the stream).
pub struct Untracked<R>(pub R);

impl<R: Read> Read for Untracked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl<R: Read> Decoder for Untracked<R> {
    fn unread(&self) -> Option<usize> {
        None
    }
}

impl fmt::Debug for Codec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Codec({})", self.name)
    }
}

/// Content that only a format's own reader can produce: a file of a
/// filesystem image, assembled from compressed blocks and fragments.
pub trait Source: Send + Sync {
    /// Start producing the content.
    fn reader(&self) -> io::Result<Box<dyn Read + '_>>;

    /// Bytes of the image the content is decoded from (for the ratio budget
    /// and the work charged), or its best estimate; with its share of a
    /// block decoded for several files ([`Source::group`]).
    fn stored_len(&self) -> u64;

    /// Decoder name, for error messages.
    fn name(&self) -> &'static str;

    /// How many bytes the content is, when a source knows before it reads
    /// (UPX's header, which builds the whole program in memory before the
    /// first byte is read). They are checked against the ratio budget and
    /// charged before [`Source::reader`] is called, so a source over budget
    /// never builds anything; what is produced past them is charged as read.
    fn declared_len(&self) -> Option<u64> {
        None
    }

    /// The block shared with other entries of the same container that the
    /// content is cut from (a SquashFS fragment block, a 7z solid folder),
    /// if any: the walk visits the entries of one group one after another,
    /// so that the block is decoded once and let go soon
    /// ([`crate::unpack::shared`]).
    fn group(&self) -> Option<u64> {
        None
    }
}

/// Assemble a filesystem file from pieces written at offsets (data nodes,
/// blocks, chunks): later pieces overwrite earlier ones, gaps read as
/// zeros, and the file is `size` bytes. The pieces reach at most `written`
/// bytes; a layout claiming more than `stored` bytes could expand to is
/// refused before anything is allocated.
pub fn assemble<B: AsRef<[u8]>>(
    format: &str,
    size: u64,
    written: u64,
    stored: u64,
    pieces: impl IntoIterator<Item = io::Result<(u64, B)>>,
) -> io::Result<Box<dyn Read + 'static>> {
    let written = written.min(size);
    if written > stored.saturating_mul(200).saturating_add(RATIO_FLOOR) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{format} file layout implausible: {written} bytes from {stored} stored"),
        ));
    }
    let mut out = vec![0u8; written as usize];
    for piece in pieces {
        let (at, bytes) = piece?;
        let bytes = bytes.as_ref();
        if let Some(room) = out.len().checked_sub(at as usize).filter(|&r| r > 0) {
            let n = bytes.len().min(room);
            out[at as usize..at as usize + n].copy_from_slice(&bytes[..n]);
        }
    }
    Ok(Box::new(
        io::Cursor::new(out).chain(io::repeat(0).take(size - written)),
    ))
}

/// One piece of content assembled from an image: a range of it, or a
/// repeated 4-byte pattern (erased flash, zeros, sparse fills).
#[derive(Debug, Clone)]
pub enum Piece<'a> {
    /// Bytes taken as they are.
    Bytes(&'a [u8]),
    /// `pattern` repeated to `len` bytes.
    Repeat {
        /// The pattern.
        pattern: [u8; 4],
        /// Bytes to produce.
        len: u64,
    },
}

/// Reads pieces one after the other. A flat list, not nested `chain`s:
/// a volume of a million blocks must not become a million-deep reader.
pub struct Pieces<'a> {
    pieces: Vec<Piece<'a>>,
    index: usize,
    pos: u64,
}

impl<'a> Pieces<'a> {
    /// A reader over `pieces`.
    pub fn new(pieces: Vec<Piece<'a>>) -> Self {
        Pieces {
            pieces,
            index: 0,
            pos: 0,
        }
    }
}

impl Read for Pieces<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while let Some(piece) = self.pieces.get(self.index) {
            let (len, n) = match piece {
                Piece::Bytes(bytes) => {
                    let rest = &bytes[(self.pos as usize).min(bytes.len())..];
                    let n = rest.len().min(buf.len());
                    buf[..n].copy_from_slice(&rest[..n]);
                    (bytes.len() as u64, n)
                }
                Piece::Repeat { pattern, len } => {
                    let n = (len - self.pos).min(buf.len() as u64) as usize;
                    for (i, b) in buf[..n].iter_mut().enumerate() {
                        *b = pattern[(self.pos as usize + i) % 4];
                    }
                    (*len, n)
                }
            };
            self.pos += n as u64;
            if self.pos >= len {
                self.index += 1;
                self.pos = 0;
            }
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
        }
        Ok(0)
    }
}

/// Decodes concatenated members of a stream format (gzip members, xz
/// streams, zstd frames, bzip2 streams) and stops cleanly at the first
/// bytes that do not start another member — kernels append their size,
/// flash images pad with 0xFF — instead of failing on them.
pub struct Members<'a, D> {
    decoder: D,
    start: fn(&'a [u8]) -> io::Result<D>,
    rest: fn(&D) -> &'a [u8],
    is_member: fn(&[u8]) -> bool,
}

impl<'a, D: Read> Members<'a, D> {
    /// Decode members of `input`: `start` opens a decoder on a member,
    /// `rest` tells what input a finished decoder left, `is_member` whether
    /// those bytes start another member.
    pub fn new(
        input: &'a [u8],
        start: fn(&'a [u8]) -> io::Result<D>,
        rest: fn(&D) -> &'a [u8],
        is_member: fn(&[u8]) -> bool,
    ) -> io::Result<Self> {
        Ok(Members {
            decoder: start(input)?,
            start,
            rest,
            is_member,
        })
    }
}

impl<D: Read> Decoder for Members<'_, D> {
    fn unread(&self) -> Option<usize> {
        Some((self.rest)(&self.decoder).len())
    }
}

impl<D: Read> Read for Members<'_, D> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let n = self.decoder.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            let rest = (self.rest)(&self.decoder);
            if !(self.is_member)(rest) {
                return Ok(0);
            }
            self.decoder = (self.start)(rest)?;
        }
    }
}

/// The content of an entry, not yet produced.
#[derive(Clone)]
pub enum Blob {
    /// Bytes that already exist (a range of the input or of a decoded parent).
    Bytes(Bytes),
    /// The output of `codec` over `input`, produced when opened.
    Decode {
        /// The decoder.
        codec: Codec,
        /// Compressed bytes.
        input: Bytes,
    },
    /// Produced by a format's own reader when opened.
    Source(Arc<dyn Source>),
}

impl fmt::Debug for Blob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Blob::Bytes(b) => write!(f, "Blob::Bytes({} bytes)", b.len()),
            Blob::Decode { codec, input } => {
                write!(f, "Blob::Decode({}, {} bytes)", codec.name, input.len())
            }
            Blob::Source(s) => write!(
                f,
                "Blob::Source({}, {} bytes stored)",
                s.name(),
                s.stored_len()
            ),
        }
    }
}

/// The bytes of an opened blob, and whether they are complete.
pub(crate) struct Opened {
    pub bytes: Bytes,
    /// `Some(reason)` when the decoder stopped early; the bytes are what it
    /// produced before.
    pub truncated: Option<String>,
    /// The input a decoder left unread when it stopped (what follows the
    /// end of a stream, or the bytes after the point where it failed); a
    /// range of the input, `None` when there is none or it cannot tell.
    pub unread: Option<Bytes>,
}

/// Why a blob could not be opened: the status to record, and how many bytes
/// were produced before it stopped.
pub(crate) struct NotOpened {
    pub status: Status,
    pub produced: u64,
}

/// Output any stream may produce regardless of the ratio budget, so that
/// small, highly compressible content (an empty 2 MiB filesystem image in a
/// 4 KiB xz, zero-padded flash) is not reported as a bomb. Many such
/// streams together are still bounded by the total-bytes budget.
pub const RATIO_FLOOR: u64 = 16 << 20;

/// Decoder output is produced in chunks of this size; budgets are charged per
/// chunk, so no stream overshoots a budget by more than this.
const CHUNK: usize = 256 << 10;

impl Blob {
    /// Produce the bytes, charging them to the run's budgets.
    pub(crate) fn open(&self, budgets: &Budgets) -> Result<Opened, NotOpened> {
        match self {
            Blob::Bytes(bytes) => {
                let len = bytes.len() as u64;
                budgets.charge_bytes(len).map_err(|budget| NotOpened {
                    status: Status::Skipped(budget),
                    produced: 0,
                })?;
                Ok(Opened {
                    bytes: bytes.clone(),
                    truncated: None,
                    unread: None,
                })
            }
            Blob::Decode { codec, input } => decode(
                codec.name,
                input.len() as u64,
                None,
                || (codec.open)(input),
                Some(input),
                budgets,
            ),
            Blob::Source(source) => decode(
                source.name(),
                source.stored_len(),
                source.declared_len(),
                || Ok(Box::new(Untracked(source.reader()?)) as Box<dyn Decoder + '_>),
                None,
                budgets,
            ),
        }
    }
}

impl Blob {
    /// Bytes of input this blob is read or decoded from: the work it costs,
    /// for scheduling the largest first.
    pub fn stored_len(&self) -> u64 {
        match self {
            Blob::Bytes(bytes) => bytes.len() as u64,
            Blob::Decode { input, .. } => input.len() as u64,
            Blob::Source(source) => source.stored_len(),
        }
    }

    /// The shared block the content is cut from ([`Source::group`]).
    pub fn group(&self) -> Option<u64> {
        match self {
            Blob::Source(source) => source.group(),
            _ => None,
        }
    }

    /// Up to `limit` bytes of a small member (a symlink target, a manifest)
    /// read while listing its container, outside the budgets; `None` when it
    /// cannot be decoded.
    pub fn read_prefix(&self, limit: u64) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let reader: Box<dyn Read + '_> = match self {
            Blob::Bytes(bytes) => Box::new(&bytes[..]),
            Blob::Decode { codec, input } => (codec.open)(input).ok()?,
            Blob::Source(source) => source.reader().ok()?,
        };
        reader.take(limit).read_to_end(&mut out).ok()?;
        Some(out)
    }
}

/// Run a decoder of `stored` input bytes, which declares it produces
/// `declared` bytes or does not say, to its end under the budgets. With
/// the `input` it reads, what it leaves unread is returned as a range of it.
fn decode<'a>(
    name: &str,
    stored: u64,
    declared: Option<u64>,
    open: impl FnOnce() -> io::Result<Box<dyn Decoder + 'a>>,
    input: Option<&Bytes>,
    budgets: &Budgets,
) -> Result<Opened, NotOpened> {
    let ratio = budgets.limits().max_ratio;
    let cap = stored.saturating_mul(ratio).max(RATIO_FLOOR);
    if declared.is_some_and(|n| n > cap) {
        return Err(NotOpened {
            status: Status::Skipped(Budget::MaxRatio(ratio)),
            produced: 0,
        });
    }
    // Decoding costs work in proportion to the input even when it produces
    // nothing (overlapping zip members over one run of empty blocks), so
    // the input is charged too.
    budgets.charge_bytes(stored).map_err(|budget| NotOpened {
        status: Status::Skipped(budget),
        produced: 0,
    })?;
    // What the source declares is charged only if it fits, and what it
    // then does not produce (it failed, or ended short) is given back: a
    // declaration alone must not use up the budget.
    let declared = declared.unwrap_or(0);
    budgets
        .try_charge_bytes(declared)
        .map_err(|budget| NotOpened {
            status: Status::Skipped(budget),
            produced: 0,
        })?;
    let result = read_capped(name, declared, cap, open, input, budgets);
    let produced = match &result {
        Ok(opened) => opened.bytes.len() as u64,
        Err(not_opened) => not_opened.produced,
    };
    budgets.refund_bytes(declared.saturating_sub(produced));
    result
}

/// Read `open`'s output up to `cap` bytes, charging what goes past the
/// `declared` bytes already charged; with what of `input` it left unread.
fn read_capped<'a>(
    name: &str,
    declared: u64,
    cap: u64,
    open: impl FnOnce() -> io::Result<Box<dyn Decoder + 'a>>,
    input: Option<&Bytes>,
    budgets: &Budgets,
) -> Result<Opened, NotOpened> {
    let ratio = budgets.limits().max_ratio;
    let failed = |reason: String, produced: u64| NotOpened {
        status: Status::Failed(reason),
        produced,
    };
    let mut charged = declared;
    let codec = name;
    let mut reader = open().map_err(|e| failed(format!("{codec}: {e}"), 0))?;
    let mut out: Vec<u8> = Vec::new();
    out.reserve_exact(usize::try_from(declared.min(cap)).unwrap_or(0));
    let mut truncated = None;
    loop {
        let len = out.len();
        let room = usize::try_from(cap - len as u64).unwrap_or(usize::MAX);
        // Ask for one byte past the cap so that reaching it exactly is not a hit.
        let want = CHUNK.min(room.saturating_add(1));
        out.resize(len + want, 0);
        match reader.read(&mut out[len..]) {
            Ok(0) => {
                out.truncate(len);
                break;
            }
            Ok(n) => {
                out.truncate(len + n);
                if out.len() as u64 > cap {
                    return Err(NotOpened {
                        status: Status::Skipped(Budget::MaxRatio(ratio)),
                        produced: out.len() as u64,
                    });
                }
                let beyond = (out.len() as u64).saturating_sub(charged);
                charged += beyond;
                if let Err(budget) = budgets.charge_bytes(beyond) {
                    return Err(NotOpened {
                        status: Status::Skipped(budget),
                        produced: out.len() as u64,
                    });
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => out.truncate(len),
            Err(e) => {
                out.truncate(len);
                if out.is_empty() {
                    return Err(failed(format!("{codec}: {e}"), 0));
                }
                truncated = Some(format!("{codec}: {e} after {} bytes", out.len()));
                break;
            }
        }
    }
    out.shrink_to_fit();
    let unread = input
        .zip(reader.unread().filter(|&n| n > 0))
        .and_then(|(input, n)| input.slice(input.len().saturating_sub(n)..input.len()));
    Ok(Opened {
        bytes: Bytes::from_vec(out),
        truncated,
        unread,
    })
}

/// `codec`'s whole output over `input`, and how much input it left unread.
#[cfg(test)]
pub(crate) fn decode_to_end(codec: Codec, input: &[u8]) -> (Vec<u8>, Option<usize>) {
    let mut decoder = (codec.open)(input).expect("open");
    let mut out = Vec::new();
    decoder.read_to_end(&mut out).expect("read");
    (out, decoder.unread())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unpack::limits::Limits;

    fn identity(input: &[u8]) -> io::Result<Box<dyn Decoder + '_>> {
        Ok(Box::new(input))
    }

    fn zeros(input: &[u8]) -> io::Result<Box<dyn Decoder + '_>> {
        // Expands every input byte into 1000 zero bytes.
        Ok(Box::new(Untracked(
            io::repeat(0).take(input.len() as u64 * 1000),
        )))
    }

    fn broken(input: &[u8]) -> io::Result<Box<dyn Decoder + '_>> {
        Ok(Box::new(Untracked(input.chain(FailingReader))))
    }

    /// Reads up to the first NUL, which ends its "stream".
    struct UntilNul<'a> {
        rest: &'a [u8],
        ended: bool,
    }
    impl Read for UntilNul<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.ended {
                return Ok(0);
            }
            let end = self.rest.iter().position(|&b| b == 0);
            let n = end.unwrap_or(self.rest.len()).min(buf.len());
            buf[..n].copy_from_slice(&self.rest[..n]);
            self.rest = &self.rest[n..];
            if n == 0 && !self.rest.is_empty() {
                self.rest = &self.rest[1..];
                self.ended = true;
            }
            Ok(n)
        }
    }
    impl Decoder for UntilNul<'_> {
        fn unread(&self) -> Option<usize> {
            Some(self.rest.len())
        }
    }

    fn until_nul(input: &[u8]) -> io::Result<Box<dyn Decoder + '_>> {
        Ok(Box::new(UntilNul {
            rest: input,
            ended: false,
        }))
    }

    struct FailingReader;
    impl Read for FailingReader {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "stream ends early",
            ))
        }
    }

    fn budgets(limits: Limits) -> Budgets {
        Budgets::new(limits, 1 << 20)
    }

    #[test]
    fn slices_share_the_buffer_and_check_bounds() {
        let b = Bytes::from_vec((0u8..100).collect());
        let s = b.slice(10..20).expect("inside");
        assert_eq!(&s[..], &(10u8..20).collect::<Vec<_>>()[..]);
        let t = s.slice(2..4).expect("inside");
        assert_eq!(&t[..], &[12, 13]);
        assert!(s.slice(5..11).is_none());
        assert!(b.slice_at(u64::MAX, 1).is_none());
        assert!(b.slice_at(99, u64::MAX).is_none());
    }

    #[test]
    fn decode_produces_output_on_open() {
        let blob = Blob::Decode {
            codec: Codec {
                name: "identity",
                open: identity,
            },
            input: Bytes::from_vec(b"hello".to_vec()),
        };
        let opened = blob.open(&budgets(Limits::default())).ok().expect("opens");
        assert_eq!(&opened.bytes[..], b"hello");
        assert!(opened.truncated.is_none());
    }

    #[test]
    fn what_a_decoder_leaves_unread_is_a_range_of_its_input() {
        let input = Bytes::from_vec(b"stream\0after".to_vec());
        let blob = Blob::Decode {
            codec: Codec {
                name: "until-nul",
                open: until_nul,
            },
            input: input.clone(),
        };
        let opened = blob.open(&budgets(Limits::default())).ok().expect("opens");
        assert_eq!(&opened.bytes[..], b"stream");
        let unread = opened.unread.expect("bytes follow the stream");
        assert_eq!(&unread[..], b"after");
        assert_eq!(unread.offset_in(&input), Some(7));
        // A decoder that reads all of its input leaves nothing.
        let whole = Blob::Decode {
            codec: Codec {
                name: "identity",
                open: identity,
            },
            input: input.clone(),
        };
        let opened = whole.open(&budgets(Limits::default())).ok().expect("opens");
        assert!(opened.unread.is_none());
        // Bytes of another buffer are not inside.
        assert_eq!(Bytes::from_vec(b"after".to_vec()).offset_in(&input), None);
    }

    #[test]
    fn ratio_budget_stops_an_expanding_stream() {
        let blob = Blob::Decode {
            codec: Codec {
                name: "zeros",
                open: zeros,
            },
            // 100 KB in, 100 MB out: over both 200:1 and the floor.
            input: Bytes::from_vec(vec![0; 100_000]),
        };
        let limits = Limits {
            max_ratio: 200,
            ..Limits::default()
        };
        let err = blob.open(&budgets(limits)).err().expect("budget hit");
        assert_eq!(err.status, Status::Skipped(Budget::MaxRatio(200)));
        assert!(err.produced <= 100_000 * 200 + CHUNK as u64);

        // Under the floor, any ratio is allowed.
        let small = Blob::Decode {
            codec: Codec {
                name: "zeros",
                open: zeros,
            },
            input: Bytes::from_vec(vec![0; 1000]),
        };
        assert!(small.open(&budgets(Limits::default())).is_ok());
    }

    /// A source that declares its length and counts how often it is read.
    struct Declared {
        declared: u64,
        produces: usize,
        opened: std::sync::atomic::AtomicUsize,
    }

    impl Source for Declared {
        fn reader(&self) -> io::Result<Box<dyn Read + '_>> {
            self.opened
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Ok(Box::new(io::repeat(7).take(self.produces as u64)))
        }
        fn stored_len(&self) -> u64 {
            100
        }
        fn name(&self) -> &'static str {
            "declared"
        }
        fn declared_len(&self) -> Option<u64> {
            Some(self.declared)
        }
    }

    fn declared(declared: u64, produces: usize) -> Arc<Declared> {
        Arc::new(Declared {
            declared,
            produces,
            opened: Default::default(),
        })
    }

    #[test]
    fn a_declared_length_is_charged_once_and_before_the_source_is_read() {
        let limits = |max| Limits {
            max_total_bytes: Some(max),
            ..Limits::default()
        };
        // Fits: charged stored + declared, not the declared bytes again.
        let source = declared(5000, 5000);
        let b = Budgets::new(limits(1 << 20), 0);
        let opened = Blob::Source(source.clone()).open(&b).ok().expect("opens");
        assert_eq!(opened.bytes.len(), 5000);
        assert_eq!(b.bytes_used(), 5100);
        // Producing more than declared charges the excess.
        let b = Budgets::new(limits(1 << 20), 0);
        assert!(Blob::Source(declared(5000, 6000)).open(&b).is_ok());
        assert_eq!(b.bytes_used(), 6100);
        // Ending short gives back what was declared and not made.
        let b = Budgets::new(limits(1 << 20), 0);
        assert!(Blob::Source(declared(5000, 3000)).open(&b).is_ok());
        assert_eq!(b.bytes_used(), 3100);
        let b = Budgets::new(limits(1 << 20), 0);
        assert!(Blob::Source(declared(5000, 0)).open(&b).is_ok());
        assert_eq!(b.bytes_used(), 100);
        // Over the total budget: refused before anything is built, and the
        // refusal leaves room for what fits.
        let source = declared(10 << 20, 10 << 20);
        let err = Blob::Source(source.clone())
            .open(&Budgets::new(limits(1 << 20), 0))
            .err()
            .expect("over budget");
        assert_eq!(err.status, Status::Skipped(Budget::MaxTotalBytes(1 << 20)));
        assert_eq!(source.opened.load(std::sync::atomic::Ordering::Relaxed), 0);
        let b = Budgets::new(limits(1 << 20), 0);
        assert!(Blob::Source(declared(10 << 20, 10 << 20)).open(&b).is_err());
        assert!(Blob::Source(declared(5000, 5000)).open(&b).is_ok());
        // Over the ratio: refused before anything is built too.
        let source = declared(u64::MAX / 2, 0);
        let err = Blob::Source(source.clone())
            .open(&budgets(Limits::default()))
            .err()
            .expect("over ratio");
        assert_eq!(err.status, Status::Skipped(Budget::MaxRatio(200)));
        assert_eq!(source.opened.load(std::sync::atomic::Ordering::Relaxed), 0);
    }

    #[test]
    fn total_budget_is_shared_across_blobs() {
        let limits = Limits {
            max_total_bytes: Some(10),
            ..Limits::default()
        };
        let b = Budgets::new(limits, 0);
        let blob = Blob::Bytes(Bytes::from_vec(vec![1; 6]));
        assert!(blob.open(&b).is_ok());
        let err = blob.open(&b).err().expect("second exceeds");
        assert_eq!(err.status, Status::Skipped(Budget::MaxTotalBytes(10)));
    }

    #[test]
    fn decoder_error_after_output_is_truncation() {
        let blob = Blob::Decode {
            codec: Codec {
                name: "broken",
                open: broken,
            },
            input: Bytes::from_vec(b"partial".to_vec()),
        };
        let opened = blob
            .open(&budgets(Limits::default()))
            .ok()
            .expect("partial");
        assert_eq!(&opened.bytes[..], b"partial");
        assert!(
            opened
                .truncated
                .expect("truncated")
                .contains("stream ends early")
        );

        let empty = Blob::Decode {
            codec: Codec {
                name: "broken",
                open: broken,
            },
            input: Bytes::from_vec(Vec::new()),
        };
        let err = empty
            .open(&budgets(Limits::default()))
            .err()
            .expect("fails");
        assert!(matches!(err.status, Status::Failed(ref r) if r.contains("broken")));
    }
}
