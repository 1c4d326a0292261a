//! Unpacking: untrusted bytes in, a tree of [`Artifact`]s out.
//!
//! Every format is one file in this folder implementing [`Format`], and is
//! registered once in [`FORMATS`]. A format only *lists* what a container
//! holds ([`Extraction`]); each entry's content is a lazy [`Blob`]. The
//! [`Unpacker`] walks the tree: it opens each blob when it is reached,
//! hashes it, hands it to an [`Inspector`] (identification lives outside
//! this module), probes it against the registry, recurses in parallel into
//! whatever it finds, and drops the bytes once the branch is done.
//!
//! Adding a format:
//!
//! ```text
//! 1. src/unpack/foo.rs: `pub struct Foo;` + `impl Format for Foo`, with a
//!    `//!` paragraph naming the spec, variants and quirks, and one header
//!    parser shared by `probe` and `extract`.
//! 2. Add `&foo::Foo` to `FORMATS` (order matters only for formats whose
//!    probes could both accept the same bytes: stronger magic first).
//! 3. Unit tests beside it: a round trip, decoys the probe must reject, and
//!    truncated input.
//! ```
//!
//! Nothing here reads identification, policy or SBOM code.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::OnceLock;

use crate::model::{Artifact, Budget, EntryKind, Hashes, Location, Status};

pub mod android_sparse;
pub mod ar;
pub mod blob;
pub mod branch;
pub mod bzip2;
pub mod cab;
pub mod carve;
pub mod cpio;
pub mod cramfs;
pub mod elf;
pub mod fdt;
pub mod gzip;
pub mod jffs2;
pub mod limits;
pub mod linux_kernel;
pub mod lz4;
pub mod lzma;
pub mod lzo1x;
pub mod lzop;
pub mod romfs;
pub mod sevenzip;
pub mod shared;
pub mod squashfs;
pub mod tar;
pub mod trx;
pub mod ubi;
pub mod ubifs;
pub mod uimage;
pub mod upx;
pub mod vendor;
pub mod writer;
pub mod xz;
pub mod yaffs2;
pub mod zip;
pub mod zlib;
pub mod zstd;

pub use blob::{Blob, Bytes, Codec, Decoder};
pub use limits::{Budgets, Limits};
pub use writer::Writer;

/// A container or compression format.
pub trait Format: Sync {
    /// Stable kebab-case id, used in locations (`zip:path`) and as the
    /// artifact kind.
    fn id(&self) -> &'static str;

    /// Byte strings that mark where this format starts, for carving it out
    /// of raw blobs such as flash dumps. Empty for formats without a
    /// distinctive magic (they are only recognised at offset 0).
    fn magic(&self) -> &'static [Magic] {
        &[]
    }

    /// Whether `data` starts with this format. Cheap, never panics, and
    /// "no" is a normal answer.
    fn probe(&self, data: &[u8]) -> bool;

    /// How many bytes the instance at the start of `data` spans, when its
    /// header says so (`probe` accepted `data`). `None` when only decoding
    /// can tell (compressed streams): a carved stream then runs to the next
    /// part, its decoder stops at the stream's own end, and the walker
    /// lists the bytes after it ([`Decoder::unread`]).
    fn extent(&self, data: &[u8]) -> Option<u64> {
        let _ = data;
        None
    }

    /// List the entries of `data`, which `probe` accepted, listing no more
    /// than `cx.max_entries`.
    fn extract(&self, data: &Bytes, cx: &Context<'_>) -> Result<Extraction, FormatError>;
}

/// What a format is told when asked to list a container.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The container's own name, used to name a stream's single output.
    pub name: &'a str,
    /// Most entries to list; a format stops there and says so in
    /// [`Extraction::truncated`], so a huge directory is never held whole.
    pub max_entries: u64,
}

impl<'a> Context<'a> {
    /// A context with no entry limit, for a container called `name`.
    pub fn named(name: &'a str) -> Self {
        Context {
            name,
            max_entries: u64::MAX,
        }
    }

    /// Whether `listed` entries reach the limit.
    pub fn full(&self, listed: usize) -> bool {
        listed as u64 >= self.max_entries
    }
}

/// A magic byte string found `offset` bytes after the start of a format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Magic {
    /// Distance from the format's first byte to the magic.
    pub offset: usize,
    /// The bytes.
    pub bytes: &'static [u8],
}

impl Magic {
    /// A magic at the very start.
    pub const fn at_start(bytes: &'static [u8]) -> Self {
        Magic { offset: 0, bytes }
    }
}

/// Every format firmsight reads, in probe order.
pub static FORMATS: &[&dyn Format] = &[
    &uimage::UImage,
    &squashfs::Squashfs,
    &cramfs::Cramfs,
    &jffs2::Jffs2,
    &ubi::Ubi,
    &ubifs::Ubifs,
    &android_sparse::AndroidSparse,
    &trx::Trx,
    &romfs::Romfs,
    // A FIT is a device tree with images: it must probe before plain DTBs.
    &fdt::Fit,
    &fdt::Dtb,
    &linux_kernel::LinuxKernel,
    &vendor::dahua::DahuaZip,
    &vendor::hikvision::HikvisionDav,
    &vendor::reolink::ReolinkPak,
    &vendor::tenvis::TenvisPk2,
    &vendor::instar::InstarBneg,
    &vendor::grain_media::GrainMedia,
    &vendor::anjvision::Anjvision,
    &vendor::ambarella::AmbarellaRomfs,
    &vendor::bosch::BoschFw,
    &vendor::foscam::FoscamSalted,
    &vendor::arcadyan::Arcadyan,
    // A zip with `InstallDesc`: before the plain zip.
    &vendor::xiongmai::XiongmaiZip,
    &zip::Zip,
    &gzip::Gzip,
    &bzip2::Bzip2,
    &xz::Xz,
    &zstd::Zstd,
    &lz4::Lz4,
    &lzop::Lzop,
    &tar::Tar,
    &ar::Ar,
    &cpio::Cpio,
    &cab::Cab,
    &sevenzip::SevenZip,
    // Weak two-byte header, confirmed by inflating the first bytes.
    &zlib::Zlib,
    // No magic: recognised by consistent header fields.
    &vendor::fullhan::FullhanFls,
    // No magic: part lengths that add up to the file, an MD5 per part.
    &vendor::hichip::HichipPkg,
    // No magic: recognised by its chunk geometry and tags.
    &yaffs2::Yaffs2,
    // An ELF with `UPX!` after its headers: before any other ELF.
    &upx::Upx,
    // An ELF with data after its end (a self-extractor).
    &elf::ElfAppended,
    // No magic of its own; its probe is the weakest, so it goes last.
    &lzma::Lzma,
];

/// Why a format could not list a container it probed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FormatError {
    /// The header or structure does not follow the format.
    #[error("{0}")]
    Malformed(String),
    /// The data ends inside a structure.
    #[error("truncated {0}")]
    Truncated(String),
    /// A variant recognised but not read (yet): encrypted, vendor-specific.
    #[error("{0}")]
    Unsupported(String),
}

impl FormatError {
    /// A [`FormatError::Malformed`] with this reason.
    pub fn malformed(reason: impl Into<String>) -> Self {
        FormatError::Malformed(reason.into())
    }

    /// A [`FormatError::Truncated`] naming the structure that was cut.
    pub fn truncated(what: impl Into<String>) -> Self {
        FormatError::Truncated(what.into())
    }
}

/// One entry of a container, its content not yet produced.
#[derive(Debug)]
pub struct Entry {
    /// Path inside the container as stored; `None` for a stream's output.
    pub path: Option<String>,
    /// Name to show and to extract as.
    pub name: String,
    /// What the container says this is.
    pub kind: EntryKind,
    /// The content, for entries that have one.
    pub blob: Option<Blob>,
    /// Why the content cannot be read (encrypted, unsupported method …).
    pub error: Option<String>,
    /// Facts to record on the artifact (header fields, entropy …).
    pub notes: Vec<String>,
}

impl Entry {
    /// An entry at `path` with no content yet. Paths longer than
    /// [`MAX_PATH`] bytes are cut (and noted): a hostile image could make
    /// every one of a million entries megabytes long.
    pub fn new(mut path: String, kind: EntryKind) -> Self {
        let mut notes = Vec::new();
        if path.len() > MAX_PATH {
            let mut cut = MAX_PATH;
            while !path.is_char_boundary(cut) {
                cut -= 1;
            }
            notes.push(format!("path of {} bytes cut to {cut}", path.len()));
            path.truncate(cut);
        }
        let name = path
            .trim_end_matches('/')
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or_default()
            .to_string();
        Entry {
            path: Some(path),
            name,
            kind,
            blob: None,
            error: None,
            notes,
        }
    }
}

/// `(path, kind)` of every entry, sorted by path: what format tests compare.
#[cfg(test)]
pub(crate) fn listing(extraction: &Extraction) -> Vec<(String, EntryKind)> {
    let mut listing: Vec<_> = extraction
        .entries
        .iter()
        .map(|e| (e.path.clone().unwrap_or_default(), e.kind.clone()))
        .collect();
    listing.sort_by(|a, b| a.0.cmp(&b.0));
    listing
}

/// Fewer bytes than this after a stream are noted, not visited: a kernel
/// payload's appended length, a checksum.
const MIN_UNREAD: usize = 16;

/// Id of the location step of the bytes after a stream's end, read as an
/// entry of the stream's container: `flash.bin › carve:0x00040000 ›
/// after-stream:0x0012f3a0`.
pub const AFTER_STREAM: &str = "after-stream";

/// Longest path kept for an entry (Linux `PATH_MAX`).
pub const MAX_PATH: usize = 4096;

/// What a format found in a container.
#[derive(Debug, Default)]
pub struct Extraction {
    /// Entries in container order.
    pub entries: Vec<Entry>,
    /// `Some(reason)` when the container ended early; `entries` holds what
    /// came before.
    pub truncated: Option<String>,
    /// Header fields and anomalies worth recording on the container.
    pub notes: Vec<String>,
    /// Header fields that identify a maker (`oem_code`, `install_vendor`),
    /// for the evidence rules.
    pub facts: Vec<(&'static str, String)>,
}

impl Extraction {
    /// The extraction of a stream format: one output, no path.
    pub fn stream(entry: Entry) -> Self {
        Extraction {
            entries: vec![entry],
            ..Extraction::default()
        }
    }
}

/// The extraction of a compressed stream whose output is `codec` over all of
/// `data`, named after `container_name` with a suffix mapped by `suffixes`.
pub fn stream_extraction(
    codec: Codec,
    data: &Bytes,
    container_name: &str,
    suffixes: &[(&str, &str)],
) -> Extraction {
    Extraction::stream(Entry {
        path: None,
        name: stream_name(container_name, suffixes),
        kind: EntryKind::File,
        blob: Some(Blob::Decode {
            codec,
            input: data.clone(),
        }),
        error: None,
        notes: Vec::new(),
    })
}

/// Name for a decompressed stream: the container name with its compression
/// suffix replaced (`fw.tgz` → `fw.tar`, `a.gz` → `a`), else
/// `<name>.decompressed`. Suffixes match case-insensitively.
pub fn stream_name(container_name: &str, suffixes: &[(&str, &str)]) -> String {
    let lower = container_name.to_ascii_lowercase();
    for (suffix, replacement) in suffixes {
        if lower.len() > suffix.len() && lower.ends_with(suffix) {
            let stem = &container_name[..container_name.len() - suffix.len()];
            return format!("{stem}{replacement}");
        }
    }
    format!("{container_name}.decompressed")
}

/// Whether a checksum read from the input matches the one computed. Fuzzing
/// builds (`--cfg fuzzing`) pass every checksum, so the fuzzer reaches the
/// parsers behind them instead of stopping at the first CRC.
pub(crate) fn checksum_matches(computed: u32, stored: u32) -> bool {
    cfg!(fuzzing) || computed == stored
}

/// Probe and list `data` as the format `id`, then read every entry's
/// content (at most 16 MiB each): what a fuzz target exercises. Never
/// panics on its own; a panic is a bug in the format.
#[doc(hidden)]
pub fn exercise(id: &str, data: &[u8]) {
    let Some(format) = FORMATS.iter().find(|f| f.id() == id) else {
        return;
    };
    let bytes = Bytes::from_vec(data.to_vec());
    let _ = format.extent(data);
    if !format.probe(data) {
        return;
    }
    let cx = Context {
        name: "fuzz",
        max_entries: 10_000,
    };
    if let Ok(extraction) = format.extract(&bytes, &cx) {
        for entry in extraction.entries {
            if let Some(blob) = entry.blob {
                let _ = blob.read_prefix(16 << 20);
            }
        }
    }
}

/// Looks at each artifact's bytes while they are in memory. Identification
/// implements this; the walker calls it once per file artifact, before
/// probing formats. An inspector that sets `artifact.kind` stops the probe.
pub trait Inspector: Sync {
    /// Record what can be learnt from `bytes` on `artifact`, before any
    /// format probes it.
    fn inspect(&self, artifact: &mut Artifact, bytes: &[u8]);

    /// Record what can be learnt from a leaf: an artifact no format
    /// unpacked (so identification does not count a file twice, once in
    /// its container's bytes and once on its own).
    fn inspect_leaf(&self, artifact: &mut Artifact, bytes: &[u8]) {
        let _ = (artifact, bytes);
    }

    /// Record what can be learnt from a container once it is unpacked: its
    /// name, format and header fields ([`Artifact::facts`]).
    fn inspect_container(&self, artifact: &mut Artifact) {
        let _ = artifact;
    }
}

/// Walks an input into an artifact tree under [`Limits`].
pub struct Unpacker<'a> {
    limits: Limits,
    sha512: bool,
    image_sha512: bool,
    inspector: Option<&'a dyn Inspector>,
    writer: Option<&'a Writer>,
}

impl<'a> Unpacker<'a> {
    /// An unpacker with every registered format.
    pub fn new(limits: Limits) -> Self {
        Unpacker {
            limits,
            sha512: false,
            image_sha512: false,
            inspector: None,
            writer: None,
        }
    }

    /// Also hash every artifact with SHA-512.
    pub fn sha512(mut self, sha512: bool) -> Self {
        self.sha512 = sha512;
        self
    }

    /// Also hash the input itself with SHA-512 (a report names the image
    /// by both digests). On a 100 MB image it is a tenth of the scan's
    /// work, so it is not done unless asked.
    pub fn image_sha512(mut self, image_sha512: bool) -> Self {
        self.image_sha512 = image_sha512;
        self
    }

    /// Call `inspector` on every file artifact.
    pub fn inspector(mut self, inspector: &'a dyn Inspector) -> Self {
        self.inspector = Some(inspector);
        self
    }

    /// Also write the unpacked tree through `writer`.
    pub fn writer(mut self, writer: &'a Writer) -> Self {
        self.writer = Some(writer);
        self
    }

    /// Unpack `bytes`, the content of the input called `name`. Never fails:
    /// problems are recorded on the artifacts where they happened.
    pub fn unpack(&self, name: &str, bytes: Bytes) -> Artifact {
        let budgets = Budgets::new(self.limits.clone(), bytes.len() as u64);
        budgets.reserve_entries(1);
        let walk = Walk {
            unpacker: self,
            budgets: &budgets,
        };
        let entry = Entry {
            path: None,
            name: name.to_string(),
            kind: EntryKind::File,
            blob: Some(Blob::Bytes(bytes)),
            error: None,
            notes: Vec::new(),
        };
        walk.visit(Location::root(name), entry, Some(Dest::Root)).0
    }
}

/// Where an artifact goes under `--extract`, relative to the output dir.
#[derive(Clone)]
enum Dest {
    /// The input itself: not written; its children go to the output dir.
    Root,
    /// An entry placed at `rel`, inside its container's root `root`.
    Entry { root: PathBuf, rel: PathBuf },
}

impl Dest {
    /// Where the children of this artifact go.
    fn children_root(&self) -> PathBuf {
        match self {
            Dest::Root => PathBuf::new(),
            Dest::Entry { rel, .. } => {
                let mut dir = rel.clone().into_os_string();
                dir.push(".extracted");
                PathBuf::from(dir)
            }
        }
    }
}

struct Walk<'w, 'a> {
    unpacker: &'w Unpacker<'a>,
    budgets: &'w Budgets,
}

impl Walk<'_, '_> {
    /// Open, identify and unpack one entry; with the input its decoder left
    /// unread, for the container to visit next ([`Walk::visit_unread`]).
    fn visit(
        &self,
        location: Location,
        entry: Entry,
        dest: Option<Dest>,
    ) -> (Artifact, Option<Bytes>) {
        let mut artifact = Artifact::new(location, entry.name, entry.kind);
        artifact.notes = entry.notes;
        if let Some(budget) = self.budgets.out_of_time() {
            artifact.status = Status::Skipped(budget);
            return (artifact, None);
        }
        if let Some(error) = entry.error {
            artifact.status = Status::Failed(error);
        }
        let Some(blob) = entry.blob.filter(|_| !artifact.status.is_problem()) else {
            self.write_non_file(&mut artifact, dest.as_ref());
            return (artifact, None);
        };
        let opened = match catch_unwind(AssertUnwindSafe(|| blob.open(self.budgets))) {
            Ok(Ok(opened)) => opened,
            Ok(Err(not_opened)) => {
                artifact.status = not_opened.status;
                artifact.size = not_opened.produced;
                return (artifact, None);
            }
            Err(_) => {
                artifact.status = Status::Failed("decoder panicked".into());
                return (artifact, None);
            }
        };
        let bytes = opened.bytes;
        artifact.size = bytes.len() as u64;
        let sha512 =
            self.unpacker.sha512 || (self.unpacker.image_sha512 && artifact.location.depth() == 0);
        artifact.hashes = Some(Hashes::of(&bytes, sha512));
        if let Some(reason) = opened.truncated {
            artifact.status = Status::Truncated(reason);
        }
        if let Some(inspector) = self.unpacker.inspector
            && catch_unwind(AssertUnwindSafe(|| {
                inspector.inspect(&mut artifact, &bytes)
            }))
            .is_err()
        {
            artifact.notes.push("identification panicked".into());
        }
        if artifact.kind.is_empty() {
            self.unpack_container(&mut artifact, &bytes, dest.as_ref());
        }
        if artifact.kind.is_empty() {
            artifact.kind = "data".into();
        }
        // A container none of whose entries could be read at all (a
        // compressed stream that does not decode: often a magic number met
        // by chance, which carving then lets run to the next part) has told
        // nothing: its own bytes are read as they are, so megabytes of
        // kernel or program text behind a false magic are not lost.
        let undecoded = !artifact.children.is_empty()
            && artifact
                .children
                .iter()
                .all(|c| matches!(c.status, Status::Failed(_)) && c.hashes.is_none());
        if undecoded {
            artifact
                .notes
                .push("no entry could be decoded: the bytes were identified as they are".into());
        }
        if artifact.children.is_empty() || undecoded {
            if let Some(inspector) = self.unpacker.inspector
                && catch_unwind(AssertUnwindSafe(|| {
                    inspector.inspect_leaf(&mut artifact, &bytes)
                }))
                .is_err()
            {
                artifact.notes.push("identification panicked".into());
            }
            self.write_file(&mut artifact, &bytes, dest.as_ref());
        } else if let Some(inspector) = self.unpacker.inspector
            && catch_unwind(AssertUnwindSafe(|| {
                inspector.inspect_container(&mut artifact)
            }))
            .is_err()
        {
            artifact.notes.push("identification panicked".into());
        }
        (artifact, opened.unread)
    }

    /// Probe `bytes` against the registry (or carve it when no format
    /// covers all of it) and visit what is found.
    fn unpack_container(&self, artifact: &mut Artifact, bytes: &Bytes, dest: Option<&Dest>) {
        let Some((id, extraction)) = self.list(artifact, bytes) else {
            return;
        };
        artifact.notes.extend(extraction.notes);
        artifact.facts.extend(extraction.facts);
        if let Some(reason) = extraction.truncated {
            set_problem(artifact, Status::Truncated(reason));
        }
        let mut entries = extraction.entries;
        let wanted = entries.len() as u64;
        let granted = self.budgets.reserve_entries(wanted);
        if granted < wanted {
            entries.truncate(granted as usize);
            artifact.notes.push(format!(
                "{} of {wanted} entries not listed",
                wanted - granted
            ));
            let max = self.budgets.max_entries();
            set_problem(artifact, Status::Skipped(Budget::MaxEntries(max)));
        }
        let children_root = dest.map(Dest::children_root);
        let parent = &artifact.location;
        let queue = schedule(entries);
        let slots: Vec<OnceLock<(Artifact, Option<Bytes>)>> =
            queue.iter().map(|_| OnceLock::new()).collect();
        rayon::scope_fifo(|scope| {
            for (index, entry) in queue {
                let (slots, children_root) = (&slots, &children_root);
                scope.spawn_fifo(move |_| {
                    let location = parent.child(id, entry.path.clone());
                    let (dest, note) = self.place(children_root.as_ref(), &entry);
                    let (mut child, unread) = self.visit(location, entry, dest);
                    child.notes.extend(note);
                    // Each index is spawned once, so its slot is empty.
                    let _ = slots[index].set((child, unread));
                });
            }
        });
        let mut unread = Vec::new();
        for (child, rest) in slots.into_iter().filter_map(OnceLock::into_inner) {
            artifact.children.push(child);
            unread.extend(rest);
        }
        for rest in unread {
            self.visit_unread(artifact, bytes, rest, children_root.as_ref());
        }
    }

    /// Visit what a stream of `container` left unread after its end as one
    /// more entry, at an [`AFTER_STREAM`] step named by its offset: a carved
    /// stream runs to the next part found, and whatever lies between its end
    /// (or the point where a chance magic stopped decoding) and that part is
    /// read too, not hidden. Padding, and the few bytes a kernel appends
    /// after its payload (its length), are noted instead.
    fn visit_unread(
        &self,
        artifact: &mut Artifact,
        container: &Bytes,
        rest: Bytes,
        root: Option<&PathBuf>,
    ) {
        // A stream decoded from a rebuilt copy (Arcadyan's restored header)
        // ends with the container's own bytes; a transformed copy (a
        // word-swapped kernel) does not, and its tail is only noted.
        let start = rest.offset_in(container).or_else(|| {
            let start = container.len().checked_sub(rest.len())?;
            (container[start..] == rest[..]).then_some(start)
        });
        let Some(start) = start else {
            artifact.notes.push(format!(
                "{} bytes after the stream, in a transformed copy of the input, not read",
                rest.len()
            ));
            return;
        };
        let end = start + rest.len();
        if rest.len() < MIN_UNREAD && !carve::is_padding(&rest) {
            let hex: String = rest.iter().map(|b| format!("{b:02x}")).collect();
            artifact
                .notes
                .push(format!("0x{start:08x}–0x{end:08x} after the stream: {hex}"));
            return;
        }
        let mut gap = Extraction::default();
        carve::push_gap(&mut gap, container, start, end);
        artifact.notes.extend(gap.notes);
        for mut entry in gap.entries {
            if self.budgets.reserve_entries(1) == 0 {
                artifact.notes.push(format!(
                    "0x{start:08x}–0x{end:08x} after the stream not listed"
                ));
                let max = self.budgets.max_entries();
                set_problem(artifact, Status::Skipped(Budget::MaxEntries(max)));
                return;
            }
            entry.notes.insert(0, "after the end of the stream".into());
            let location = artifact.location.child(AFTER_STREAM, entry.path.clone());
            let (dest, note) = self.place(root, &entry);
            let (mut child, _) = self.visit(location, entry, dest);
            child.notes.extend(note);
            artifact.children.push(child);
        }
    }

    /// List the entries of `bytes`: by the format that starts it when that
    /// format spans all of it, else by carving. Records the kind, and any
    /// failure, on `artifact`.
    fn list(&self, artifact: &mut Artifact, bytes: &Bytes) -> Option<(&'static str, Extraction)> {
        let format = FORMATS
            .iter()
            .find(|f| catch_unwind(AssertUnwindSafe(|| f.probe(bytes))).unwrap_or(false));
        let spans_all = |f: &&&dyn Format| {
            catch_unwind(AssertUnwindSafe(|| {
                f.extent(bytes).is_none_or(|len| {
                    usize::try_from(len)
                        .is_ok_and(|len| len >= bytes.len() || carve::is_padding(&bytes[len..]))
                })
            }))
            .unwrap_or(true)
        };
        let carved = match format {
            Some(f) if spans_all(&f) => None,
            _ if bytes.len() >= carve::MIN_LEN => {
                catch_unwind(AssertUnwindSafe(|| carve::carve(bytes, &artifact.name)))
                    .ok()
                    .flatten()
            }
            _ => None,
        };
        let id = match (&carved, format) {
            (Some(_), _) => carve::ID,
            (None, Some(format)) => format.id(),
            (None, None) => return None,
        };
        artifact.kind = id.to_string();
        let max_depth = self.budgets.limits().max_depth;
        if artifact.location.depth() >= max_depth {
            set_problem(artifact, Status::Skipped(Budget::MaxDepth(max_depth)));
            return None;
        }
        let listed = match (carved, format) {
            (Some(extraction), _) => Ok(Ok(extraction)),
            (None, Some(format)) => {
                let cx = Context {
                    name: &artifact.name,
                    // One more than the budget allows, so the walker sees
                    // the overrun and records the budget hit.
                    max_entries: self.budgets.entries_left().saturating_add(1),
                };
                catch_unwind(AssertUnwindSafe(|| format.extract(bytes, &cx))).map(|listed| {
                    listed.map(|mut extraction| {
                        if cx.full(extraction.entries.len()) {
                            // Stopped by the entry budget, not by damage:
                            // the walker records the budget hit.
                            extraction.truncated = None;
                        }
                        extraction
                    })
                })
            }
            (None, None) => return None,
        };
        match listed {
            Ok(Ok(extraction)) => Some((id, extraction)),
            Ok(Err(e)) => {
                set_problem(artifact, Status::Failed(format!("{id}: {e}")));
                None
            }
            Err(_) => {
                set_problem(artifact, Status::Failed(format!("{id}: parser panicked")));
                None
            }
        }
    }

    /// Decide where an entry is extracted; a refused path is a note.
    fn place(&self, root: Option<&PathBuf>, entry: &Entry) -> (Option<Dest>, Option<String>) {
        let (Some(writer), Some(root)) = (self.unpacker.writer, root) else {
            return (None, None);
        };
        let raw = entry.path.as_deref().unwrap_or(&entry.name);
        let placed = writer.place(root, raw).and_then(|placed| {
            if placed.rel == *root && entry.kind != EntryKind::Dir {
                Err(writer::WriteError::Empty(raw.to_string()))
            } else {
                Ok(placed)
            }
        });
        match placed {
            Ok(placed) => (
                Some(Dest::Entry {
                    root: root.clone(),
                    rel: placed.rel,
                }),
                placed.note,
            ),
            Err(e) => (None, Some(format!("not extracted: {e}"))),
        }
    }

    fn write_file(&self, artifact: &mut Artifact, bytes: &[u8], dest: Option<&Dest>) {
        let (Some(writer), Some(Dest::Entry { rel, .. })) = (self.unpacker.writer, dest) else {
            return;
        };
        match writer.write_file(rel, bytes) {
            Ok(note) => artifact.notes.extend(note),
            Err(e) => artifact.notes.push(format!("not extracted: {e}")),
        }
    }

    fn write_non_file(&self, artifact: &mut Artifact, dest: Option<&Dest>) {
        let (Some(writer), Some(Dest::Entry { root, rel })) = (self.unpacker.writer, dest) else {
            return;
        };
        let result = match &artifact.entry {
            EntryKind::Dir => writer.create_dir(rel).map(|()| None),
            EntryKind::Symlink { target } => writer.symlink(root, rel, target),
            EntryKind::File => return,
            other => Ok(Some(format!(
                "not extracted: {} entries are recorded, never created",
                other.type_name()
            ))),
        };
        match result {
            Ok(note) => artifact.notes.extend(note),
            Err(e) => artifact.notes.push(format!("not extracted: {e}")),
        }
    }
}

/// Record `status` unless an earlier, more specific problem is recorded.
fn set_problem(artifact: &mut Artifact, status: Status) {
    if !artifact.status.is_problem() {
        artifact.status = status;
    } else {
        artifact.notes.push(status.to_string());
    }
}

/// The order a container's entries are visited in, each with its listing
/// index. Largest first, each thread taking the next when it is free (FIFO
/// spawns: the owner runs them in order, idle threads steal the oldest): a
/// kernel or a big archive that starts last would run alone at the end.
/// Entries cut from one shared block ([`Source::group`]) go together, at the
/// place of the largest of them and largest first among themselves, so the
/// block is decoded once and let go when they are done. Under a budget,
/// what is left unlisted is the smallest entries.
///
/// [`Source::group`]: blob::Source::group
fn schedule(entries: Vec<Entry>) -> Vec<(usize, Entry)> {
    // Each entry's size and group, read once (a SquashFS file's size takes
    // a lock for its fragment share).
    let sized: Vec<(u64, Option<u64>)> = entries
        .iter()
        .map(|entry| {
            let blob = entry.blob.as_ref();
            (blob.map_or(0, Blob::stored_len), blob.and_then(Blob::group))
        })
        .collect();
    let mut largest_of_group: HashMap<u64, u64> = HashMap::new();
    for &(own, group) in &sized {
        if let Some(group) = group {
            let largest = largest_of_group.entry(group).or_default();
            *largest = (*largest).max(own);
        }
    }
    let mut queue: Vec<(usize, Entry)> = entries.into_iter().enumerate().collect();
    queue.sort_by_key(|&(index, _)| {
        let (own, group) = sized[index];
        let size = group.map_or(own, |group| largest_of_group[&group]);
        // Within a group, largest first too (one solid folder holds all).
        (std::cmp::Reverse(size), group, std::cmp::Reverse(own))
    });
    queue
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_names_follow_suffixes() {
        let s = &[(".tgz", ".tar"), (".gz", "")];
        assert_eq!(stream_name("rootfs.tar.gz", s), "rootfs.tar");
        assert_eq!(stream_name("FW.TGZ", s), "FW.tar");
        assert_eq!(stream_name(".gz", s), ".gz.decompressed");
        assert_eq!(stream_name("blob", s), "blob.decompressed");
    }

    #[test]
    fn registry_ids_are_unique_kebab_case() {
        let mut ids: Vec<_> = FORMATS.iter().map(|f| f.id()).collect();
        assert!(ids.iter().all(|id| {
            id.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        }));
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n);
    }

    #[test]
    fn sha512_for_every_file_for_the_image_alone_or_not_at_all() {
        let tar = crate::samples::tar(&[crate::samples::RootfsEntry::File(
            "etc/issue",
            b"hello\n".to_vec(),
        )]);
        let walk = |all: bool, image: bool| {
            let root = Unpacker::new(Limits::default())
                .sha512(all)
                .image_sha512(image)
                .unpack("fw.tar", Bytes::from_vec(tar.clone()));
            let has = |a: &Artifact| a.hashes.as_ref().is_some_and(|h| h.sha512.is_some());
            (has(&root), has(&root.children[0]))
        };
        assert_eq!(walk(false, false), (false, false));
        assert_eq!(walk(false, true), (true, false));
        assert_eq!(walk(true, false), (true, true));
    }

    #[test]
    fn entries_of_one_shared_block_are_visited_together() {
        /// A file `stored` bytes long, cut from block `group`.
        struct Cut(u64, Option<u64>);
        impl blob::Source for Cut {
            fn reader(&self) -> std::io::Result<Box<dyn std::io::Read + '_>> {
                Ok(Box::new(std::io::empty()))
            }
            fn stored_len(&self) -> u64 {
                self.0
            }
            fn name(&self) -> &'static str {
                "test"
            }
            fn group(&self) -> Option<u64> {
                self.1
            }
        }
        let files = [
            ("a", 10, Some(1)),
            ("b", 500, None),
            ("c", 5, Some(2)),
            ("d", 900, Some(2)),
            ("e", 20, Some(1)),
            ("f", 100, None),
            ("g", 1, Some(1)),
        ];
        let entries = files
            .iter()
            .map(|&(name, stored, group)| {
                let mut entry = Entry::new(name.to_string(), EntryKind::File);
                entry.blob = Some(Blob::Source(std::sync::Arc::new(Cut(stored, group))));
                entry
            })
            .collect();
        let order: Vec<String> = schedule(entries)
            .into_iter()
            .map(|(_, entry)| entry.name)
            .collect();
        // Block 2 at its largest file's place (900); block 1 (at most 20)
        // after the 100-byte file, its three files together; largest first
        // within each.
        assert_eq!(order, ["d", "c", "b", "f", "e", "a", "g"]);
    }

    #[test]
    fn overlong_paths_are_cut_and_noted() {
        let entry = Entry::new("é".repeat(3000), EntryKind::File);
        let path = entry.path.expect("path");
        assert!(path.len() <= MAX_PATH && path.chars().all(|c| c == 'é'));
        assert!(entry.notes[0].contains("cut"));
    }

    #[test]
    fn every_format_has_a_fuzz_target() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/fuzz_targets");
        for format in FORMATS {
            let target = dir.join(format!("{}.rs", format.id().replace('-', "_")));
            assert!(target.exists(), "no fuzz target {}", target.display());
        }
    }

    #[test]
    fn probes_never_accept_empty_or_tiny_input() {
        for format in FORMATS {
            for len in 0..8 {
                assert!(
                    !format.probe(&vec![0u8; len]),
                    "{} accepted zeros",
                    format.id()
                );
            }
        }
    }
}
