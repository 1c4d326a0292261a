//! Plain data shared by every pipeline stage: the artifact tree and the facts
//! attached to it. Nothing here parses, decodes or writes.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

/// One step of a [`Location`]: how an artifact was reached from its parent.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Step {
    /// Id of the container format that produced this step (`zip`, `gzip` …);
    /// `None` for the input file itself.
    pub format: Option<&'static str>,
    /// Path inside the container; `None` for the single output of a stream
    /// decoder such as gzip, whose location is the decoder alone. Shared,
    /// so that every descendant's location costs a pointer per step.
    pub path: Option<Arc<str>>,
}

/// The whole chain from the input file to an artifact, e.g.
/// `camera.bin › zip:update/rootfs.tar.gz › gzip › tar:usr/bin/busybox`.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location(pub Vec<Step>);

impl Location {
    /// The steps of the container this location lies in (all but the
    /// last): files with equal containers share a root filesystem.
    pub fn container(&self) -> &[Step] {
        &self.0[..self.0.len().saturating_sub(1)]
    }

    /// The location of an input file, named as the user gave it.
    pub fn root(name: impl Into<String>) -> Self {
        Location(vec![Step {
            format: None,
            path: Some(Arc::from(name.into())),
        }])
    }

    /// This location extended by one step.
    pub fn child(&self, format: &'static str, path: Option<String>) -> Self {
        let mut steps = self.0.clone();
        steps.push(Step {
            format: Some(format),
            path: path.map(Arc::from),
        });
        Location(steps)
    }

    /// The path of the last step that has one (the path inside the
    /// innermost container that names its entries).
    pub fn inner_path(&self) -> Option<&str> {
        self.0.iter().rev().find_map(|s| s.path.as_deref())
    }

    /// Number of steps below the input file.
    pub fn depth(&self) -> usize {
        self.0.len().saturating_sub(1)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" › ")?;
            }
            match (step.format, &step.path) {
                (Some(format), Some(path)) => write!(f, "{format}:{path}")?,
                (Some(format), None) => f.write_str(format)?,
                (None, Some(path)) => f.write_str(path)?,
                (None, None) => f.write_str("?")?,
            }
        }
        Ok(())
    }
}

impl Serialize for Location {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// What kind of entry a container recorded, before any content is looked at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum EntryKind {
    /// Regular file (or a stream decoder's output, or a hard link resolved to its data).
    File,
    /// Directory.
    Dir,
    /// Symbolic link; never followed.
    Symlink {
        /// Link target exactly as stored.
        target: String,
    },
    /// Hard link; its content is the linked member's when that came earlier
    /// in the same container.
    Hardlink {
        /// Path of the linked entry as stored.
        target: String,
    },
    /// Character device node; recorded, never created.
    CharDevice {
        /// Device major number.
        major: u32,
        /// Device minor number.
        minor: u32,
    },
    /// Block device node; recorded, never created.
    BlockDevice {
        /// Device major number.
        major: u32,
        /// Device minor number.
        minor: u32,
    },
    /// Named pipe; recorded, never created.
    Fifo,
    /// Anything else a container can hold (sockets, vendor-specific types).
    Other {
        /// What the container called it.
        description: String,
    },
}

impl EntryKind {
    /// Stable kebab-case name of the entry type.
    pub fn type_name(&self) -> &'static str {
        match self {
            EntryKind::File => "file",
            EntryKind::Dir => "dir",
            EntryKind::Symlink { .. } => "symlink",
            EntryKind::Hardlink { .. } => "hardlink",
            EntryKind::CharDevice { .. } => "char-device",
            EntryKind::BlockDevice { .. } => "block-device",
            EntryKind::Fifo => "fifo",
            EntryKind::Other { .. } => "other",
        }
    }
}

/// Which budget stopped a branch of the unpacking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "budget", content = "limit")]
pub enum Budget {
    /// Nesting deeper than this many containers.
    MaxDepth(usize),
    /// More unpacked bytes in the whole run than this.
    MaxTotalBytes(u64),
    /// More artifacts in the whole run than this.
    MaxEntries(u64),
    /// One stream expanding more than this many times its compressed size.
    MaxRatio(u64),
    /// The image took longer than this many seconds.
    MaxSeconds(u64),
}

impl fmt::Display for Budget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Budget::MaxDepth(n) => write!(f, "max depth {n} reached"),
            Budget::MaxTotalBytes(n) => write!(f, "max total unpacked bytes {n} reached"),
            Budget::MaxEntries(n) => write!(f, "max entries {n} reached"),
            Budget::MaxRatio(n) => write!(f, "expansion ratio over {n}:1"),
            Budget::MaxSeconds(n) => write!(f, "time budget of {n} s used up"),
        }
    }
}

/// How far an artifact could be processed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "status", content = "reason")]
pub enum Status {
    /// Fully read; containers had all their entries listed.
    Unpacked,
    /// The data ended early; what could be read is kept and analysed.
    Truncated(String),
    /// The artifact was recognised but could not be parsed or decoded.
    Failed(String),
    /// A budget stopped this branch; its bytes were not (fully) produced.
    Skipped(Budget),
}

impl Status {
    /// True for every status but [`Status::Unpacked`].
    pub fn is_problem(&self) -> bool {
        !matches!(self, Status::Unpacked)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::Unpacked => f.write_str("unpacked"),
            Status::Truncated(why) => write!(f, "truncated: {why}"),
            Status::Failed(why) => write!(f, "failed: {why}"),
            Status::Skipped(budget) => write!(f, "skipped: {budget}"),
        }
    }
}

/// Content hashes of an artifact's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hashes {
    /// SHA-256 digest.
    pub sha256: [u8; 32],
    /// SHA-512 digest, when asked for (SBOM profiles that require it, e.g.
    /// BSI TR-03183-2): it costs as much as the rest of identification.
    /// Boxed: most artifacts have none, and a million records each carrying
    /// 64 empty bytes is memory no budget sees.
    pub sha512: Option<Box<[u8; 64]>>,
}

impl Hashes {
    /// SHA-256 of `bytes`, and SHA-512 too when `sha512`. Large inputs hash
    /// with both algorithms at once on the rayon pool.
    pub fn of(bytes: &[u8], sha512: bool) -> Self {
        use sha2::Digest;
        const PARALLEL_FROM: usize = 1 << 20;
        let sha256 = || sha2::Sha256::digest(bytes).into();
        let sha512_of = || sha512.then(|| Box::new(sha2::Sha512::digest(bytes).into()));
        let (sha256, sha512) = if sha512 && bytes.len() >= PARALLEL_FROM {
            rayon::join(sha256, sha512_of)
        } else {
            (sha256(), sha512_of())
        };
        Hashes { sha256, sha512 }
    }

    /// Lower-case hex of the SHA-256 digest.
    pub fn sha256_hex(&self) -> String {
        hex(&self.sha256)
    }

    /// Lower-case hex of the SHA-512 digest, when it was computed.
    pub fn sha512_hex(&self) -> Option<String> {
        self.sha512.as_ref().map(|h| hex(h.as_slice()))
    }
}

impl Serialize for Hashes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("sha256", &self.sha256_hex())?;
        if let Some(sha512) = self.sha512_hex() {
            map.serialize_entry("sha512", &sha512)?;
        }
        map.end()
    }
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

/// ELF word size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ElfClass {
    /// 32-bit.
    Elf32,
    /// 64-bit.
    Elf64,
}

/// Byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Endian {
    /// Little-endian.
    Little,
    /// Big-endian.
    Big,
}

/// ELF object type (`e_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ElfType {
    /// `ET_EXEC`: a fixed-address executable.
    Exec,
    /// `ET_DYN`: a shared library or a position-independent executable.
    Dyn,
    /// `ET_REL`: a relocatable object; Linux kernel modules are this type.
    Rel,
    /// `ET_CORE`: a core dump.
    Core,
    /// Anything else.
    Other,
}

impl ElfType {
    /// Stable lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ElfType::Exec => "exec",
            ElfType::Dyn => "dyn",
            ElfType::Rel => "rel",
            ElfType::Core => "core",
            ElfType::Other => "other",
        }
    }
}

/// What an ELF file is for, derived from its type and contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ElfRole {
    /// Runs as a program (ET_EXEC, or ET_DYN with an interpreter).
    Executable,
    /// A shared library (ET_DYN without an interpreter).
    SharedLibrary,
    /// A Linux kernel module (ET_REL with `.modinfo` or `.gnu.linkonce.this_module`).
    KernelModule,
    /// Another relocatable object file.
    Object,
    /// Core dumps and unknown types.
    Other,
}

impl ElfRole {
    /// Stable kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ElfRole::Executable => "executable",
            ElfRole::SharedLibrary => "shared-library",
            ElfRole::KernelModule => "kernel-module",
            ElfRole::Object => "object",
            ElfRole::Other => "other",
        }
    }
}

/// Facts read from an ELF header and its dynamic section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ElfFacts {
    /// 32- or 64-bit.
    pub class: ElfClass,
    /// Byte order.
    pub endian: Endian,
    /// Machine in the usual toolchain spelling: `arm`, `aarch64`, `mips`,
    /// `mipsel`, `x86`, `x86_64` …
    pub machine: String,
    /// `e_type`.
    pub elf_type: ElfType,
    /// What the file is for.
    pub role: ElfRole,
    /// Program interpreter (`PT_INTERP`), trailing NULs removed.
    pub interpreter: Option<String>,
    /// `DT_NEEDED` entries in file order.
    pub needed: Vec<String>,
    /// `DT_SONAME`.
    pub soname: Option<String>,
    /// GNU build-id note, lower-case hex.
    pub build_id: Option<String>,
    /// True when there is no `SHT_SYMTAB` section.
    pub stripped: bool,
    /// Toolchain strings from `.comment` (`GCC: (GNU) 6.3.0`): vendor SDK
    /// toolchains name the SoC maker (`Hisilicon_v300`, `arm-fullhanv3`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub toolchain: Vec<String>,
    /// A kernel module's `.modinfo` fields (`name`, `vermagic`, `license`,
    /// `alias` …), in file order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub modinfo: Vec<(String, String)>,
    /// Executable packer that compressed the file (`upx`), if any: its
    /// real contents are hidden from identification.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub packer: Option<String>,
    /// The package the file came from, as its `.note.package` says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<PackageNote>,
}

/// An ELF package note (`.note.package`, the FDO "package metadata for
/// executable files" spec; Debian, Fedora and systemd builds write it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackageNote {
    /// Package type: `deb`, `rpm`, `apk`, `alpm` …
    #[serde(rename = "type")]
    pub kind: String,
    /// Package name.
    pub name: String,
    /// Package version as the distribution spells it.
    pub version: String,
    /// Package architecture.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub architecture: Option<String>,
    /// Distribution id (`debian`, `fedora`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
}

/// A component version found in an artifact by an identifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identification {
    /// Component name (`busybox`, `openssl` …).
    pub component: String,
    /// Version as found.
    pub version: String,
    /// CycloneDX component type (`library`, `application` …).
    pub kind: String,
    /// Id of the classifier (or identifier) that found it.
    pub classifier: String,
    /// Byte offset of the evidence in the artifact.
    pub offset: u64,
    /// Package URL.
    pub purl: String,
    /// CPE 2.3.
    pub cpe: Option<String>,
    /// Supplier.
    pub supplier: Option<String>,
    /// Licence: an SPDX id or expression from a classifier, or what a
    /// package database declares (kept by name when it is not SPDX).
    pub license: Option<String>,
    /// Whether the artifact *is* this component (`libcrypto.so.1.1` is
    /// openssl) rather than containing it (a program linking zlib in).
    pub claims_file: bool,
    /// How the identifier knew it (CycloneDX evidence technique).
    pub technique: Technique,
    /// `version` names a release series (`1.1`, GCC `12`), not a release:
    /// all the evidence tells (a SONAME, a libstdc++ real name).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub series: bool,
    /// The symbol that shows it, when the evidence is one (a function a
    /// `defines` record names that the file defines).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    /// Facts the evidence states about this copy beyond name and version
    /// (a Go program's `vcs.revision`), as SBOM property name and value.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<(String, String)>,
}

impl Identification {
    /// The bom-ref of the component this identification is part of: its
    /// purl, which a series component has without a version, so the
    /// series is named after it.
    pub fn bom_ref(&self) -> String {
        if self.series && self.version.is_empty() {
            format!("{}#any-version", self.purl)
        } else if self.series {
            format!("{}#series-{}", self.purl, self.version)
        } else {
            self.purl.clone()
        }
    }

    /// Whether release `version` belongs to release series `series`
    /// (`1.1.1w` and `1.1`, `12.2.0` and `12`; not `1.0.20` and `1.0.2`).
    /// Every release belongs to the empty series (a component whose
    /// presence is known, its version not).
    pub fn in_series(version: &str, series: &str) -> bool {
        series.is_empty()
            || version.strip_prefix(series).is_some_and(|rest| {
                rest.is_empty()
                    || rest.starts_with('.')
                    || rest.starts_with(|c: char| c.is_ascii_alphabetic())
            })
    }
}

/// How an identification was made, with the confidence its method earns
/// (CycloneDX 1.6 `evidence.identity.methods[].technique`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Technique {
    /// A version string read from the binary by an anchored, fixture- and
    /// decoy-tested pattern.
    BinaryAnalysis,
    /// A package database, release file or package note: what the
    /// packager wrote down.
    ManifestAnalysis,
    /// The file's name (a library's real name, `libxml2.so.2.9.14`): right
    /// unless someone renamed the file.
    Filename,
}

impl Technique {
    /// The CycloneDX technique name.
    pub fn as_str(self) -> &'static str {
        match self {
            Technique::BinaryAnalysis => "binary-analysis",
            Technique::ManifestAnalysis => "manifest-analysis",
            Technique::Filename => "filename",
        }
    }

    /// Confidence (0–1) this technique earns on its own.
    pub fn confidence(self) -> f64 {
        match self {
            Technique::BinaryAnalysis => 0.9,
            Technique::ManifestAnalysis => 0.95,
            Technique::Filename => 0.7,
        }
    }
}

/// What an evidence rule speaks about (domain.md §2, §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Who made the camera (its technology), whatever the label says.
    CameraOem,
    /// Image sensor maker and model.
    ImageSensor,
    /// System-on-chip vendor and family.
    Soc,
    /// Cloud or peer-to-peer reach.
    P2pCloud,
    /// A camera module inside another product (laptop, medical device …).
    CameraModule,
    /// A known backdoor or vulnerability indicator.
    BackdoorIndicator,
    /// A capability for the technical review: a network service, a key, a
    /// static password.
    Capability,
}

impl Category {
    /// Every category, in report order.
    pub const ALL: [Category; 7] = [
        Category::CameraOem,
        Category::ImageSensor,
        Category::Soc,
        Category::P2pCloud,
        Category::CameraModule,
        Category::BackdoorIndicator,
        Category::Capability,
    ];

    /// The name rules use in their `category` metadata.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::CameraOem => "camera-oem",
            Category::ImageSensor => "image-sensor",
            Category::Soc => "soc",
            Category::P2pCloud => "p2p-cloud",
            Category::CameraModule => "camera-module",
            Category::BackdoorIndicator => "backdoor-indicator",
            Category::Capability => "capability",
        }
    }

    /// Parse a rule's `category` metadata.
    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How much one hit says about its vendor (domain.md §2.1): strong markers
/// are vendor-unique, weak ones also turn up in clones and OEM firmware.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Weight {
    /// Also found in clones and protocol emulations: never names a vendor.
    Weak,
    /// Names a vendor only together with another independent medium hit.
    Medium,
    /// Vendor-unique: names the vendor on its own.
    Strong,
}

impl Weight {
    /// The name rules use in their `weight` metadata.
    pub fn as_str(self) -> &'static str {
        match self {
            Weight::Weak => "weak",
            Weight::Medium => "medium",
            Weight::Strong => "strong",
        }
    }

    /// Parse a rule's `weight` metadata.
    pub fn parse(s: &str) -> Option<Weight> {
        [Weight::Weak, Weight::Medium, Weight::Strong]
            .into_iter()
            .find(|w| w.as_str() == s)
    }
}

/// One evidence-rule hit on an artifact.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Hit {
    /// Rule id (`oem_hikvision.davinci_main_process`).
    pub rule: Arc<str>,
    /// What the hit speaks about.
    pub category: Category,
    /// The vendor (or service, for capabilities) it points at.
    pub vendor: Arc<str>,
    /// How much it says.
    pub weight: Weight,
    /// A model or family the hit names (`Hi3516EV200`, `IMX307`, `T31`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Byte offset of the first match; `None` for a match on the file name,
    /// path or container header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// What matched, printable and short.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched: Option<String>,
}

/// One node of the artifact tree: the input file, or anything found inside it.
#[derive(Debug, Clone, Serialize)]
pub struct Artifact {
    /// The whole chain from the input file to here.
    pub location: Location,
    /// File name to show and to extract as (last path component, or a name
    /// derived for a stream decoder's output).
    pub name: String,
    /// What the container said this entry is.
    pub entry: EntryKind,
    /// Detected kind of the content: a format id (`zip`, `tar` …), `elf`, or
    /// `data` when nothing was recognised; empty for non-file entries.
    pub kind: String,
    /// Size of the content in bytes (bytes produced so far when skipped).
    pub size: u64,
    /// Hashes of the content; `None` when the content was never produced.
    pub hashes: Option<Hashes>,
    /// How far this artifact could be processed.
    pub status: Status,
    /// ELF facts, for ELF files (boxed: they are half an artifact's size,
    /// and most artifacts are not ELF).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elf: Option<Box<ElfFacts>>,
    /// Component versions identified in this artifact's bytes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub identified: Vec<Identification>,
    /// Things worth knowing that are not failures: rewritten paths, refused
    /// writes, header fields.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Header fields of a container that evidence rules read
    /// (`oem_code`, `install_vendor` …), as (key, value).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub facts: Vec<(&'static str, String)>,
    /// Evidence-rule hits on this artifact: who made it, what it reaches.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hits: Vec<Hit>,
    /// What was found inside, in container order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Artifact>,
    /// The files a package database's file list names, per package (this
    /// artifact is a dpkg or opkg `info/<package>.list`, or apk's
    /// `installed`); read to link files to the package that installed them.
    #[serde(skip)]
    pub package_files: Vec<PackageFiles>,
    /// purl of the package the image's own database says installed this
    /// file (`pkg:deb/debian/dropbear-bin@2022.83-1+deb12u1?arch=armhf`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
}

/// The files one package installed, as its database lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageFiles {
    /// The database: `dpkg`, `opkg`, `ipkg`, `apk`, or `python` (a
    /// dist-info `RECORD`).
    pub manager: &'static str,
    /// Package name.
    pub package: String,
    /// The architecture a multi-arch dpkg list names (`libc6:armhf.list`).
    pub arch: Option<String>,
    /// Where the database's root filesystem sits in its container (`""`,
    /// or `rootfs/` for `rootfs/var/lib/dpkg`).
    pub root: String,
    /// Absolute paths, as listed, one per line (`/usr/sbin/dropbear\n`).
    pub paths: String,
}

impl Artifact {
    /// A fresh artifact with nothing known about its content yet.
    pub fn new(location: Location, name: String, entry: EntryKind) -> Self {
        Artifact {
            location,
            name,
            entry,
            kind: String::new(),
            size: 0,
            hashes: None,
            status: Status::Unpacked,
            elf: None,
            identified: Vec::new(),
            notes: Vec::new(),
            facts: Vec::new(),
            hits: Vec::new(),
            children: Vec::new(),
            package_files: Vec::new(),
            package: None,
        }
    }

    /// This artifact and all below it, depth first, parents before children.
    pub fn iter(&self) -> impl Iterator<Item = &Artifact> {
        let mut stack = vec![self];
        std::iter::from_fn(move || {
            let next = stack.pop()?;
            stack.extend(next.children.iter().rev());
            Some(next)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_display_names_the_whole_chain() {
        let loc = Location::root("camera.bin")
            .child("zip", Some("update/rootfs.tar.gz".into()))
            .child("gzip", None)
            .child("tar", Some("usr/bin/busybox".into()));
        assert_eq!(
            loc.to_string(),
            "camera.bin › zip:update/rootfs.tar.gz › gzip › tar:usr/bin/busybox"
        );
        assert_eq!(loc.depth(), 3);
    }

    #[test]
    fn hashes_match_known_vectors() {
        let h = Hashes::of(b"abc", true);
        assert_eq!(
            h.sha256_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(
            h.sha512_hex()
                .is_some_and(|h| h.starts_with("ddaf35a193617aba"))
        );
        let lean = Hashes::of(b"abc", false);
        assert_eq!(lean.sha256, h.sha256);
        assert_eq!(lean.sha512_hex(), None);
    }

    #[test]
    fn iter_visits_parents_before_children_in_order() {
        let root = Location::root("r");
        let mut a = Artifact::new(root.clone(), "r".into(), EntryKind::File);
        let mut b = Artifact::new(
            root.child("tar", Some("b".into())),
            "b".into(),
            EntryKind::File,
        );
        b.children.push(Artifact::new(
            root.child("tar", Some("c".into())),
            "c".into(),
            EntryKind::File,
        ));
        a.children.push(b);
        a.children.push(Artifact::new(
            root.child("tar", Some("d".into())),
            "d".into(),
            EntryKind::File,
        ));
        let names: Vec<_> = a.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(names, ["r", "b", "c", "d"]);
    }
}
