//! Version classifiers as data: `signatures/classifiers/<component>.toml`.
//!
//! A record names a component and gives literal anchors plus a byte regex
//! with a named `version` group (the target bytes written in a comment
//! above it), purl and CPE templates, supplier, licence and optional
//! file-name globs. Each file also holds fixtures (text that must yield
//! exactly a version) and decoys (text that must yield nothing, or only
//! the other components it names in `holds`); a test walks them all. An
//! analyst adds a component without writing Rust.
//!
//! Matching: one Aho-Corasick pass over every anchor of every classifier
//! (built once, shared by all threads), so the cost per byte does not grow
//! with the number of classifiers; a classifier's regex runs only from its
//! first anchor hit on, and after a match only from its next anchor hit,
//! in a bounded window, a bounded number of times.
//!
//! A record may instead read the version from the file name (`filename`,
//! a regex over the name of an ELF file): libraries whose real name is
//! their upstream version (`libxml2.so.2.9.14`, `libzstd.so.1.5.4`) and
//! that carry no version text. Such matches are `filename` evidence, of
//! lower confidence than a version read from the bytes.
//!
//! Two optional fields turn what the regex captured into the release. A
//! `version_format` writes it from several groups when the bytes hold its
//! parts apart (x264's build `164` and revision `r3095` make `0.164.3095`);
//! `{a|b}` in it takes the first of the groups that took part (a Debian
//! kernel's release over the ABI its banner starts with). A match in which
//! a group named `not` took part yields nothing (Ubuntu's kernel banner,
//! whose ABI is not a release).
//! A `releases` table maps a captured libtool real name to the release that
//! installs it (`libfreetype.so.6.18.3` is FreeType 2.12.1; each entry on
//! upstream's record or reported at run time by that release's library, cited), for libraries
//! whose bytes hold no version at all; a name missing from the table, or
//! one that upstream's record gives to two releases, yields nothing.
//!
//! A record limited to named libraries (`files`) may set `anywhere`: its
//! anchor, an exported function's name, gates it and the first search
//! starts at the file's start (patchelf moves `.dynstr` after the text).
//!
//! A `defines` record reads no text: it lists a component whose functions
//! an ELF file defines, at least two of those named (`.dynsym`, `.symtab`;
//! see `elf::defined_functions`), so a vendor library or kernel module
//! built from the component's source is found under any name, and a
//! program that imports the same names from the component's library is
//! not. A record's `masks` drops, in a file where it matches, the matches
//! of components whose text its own code keeps (zlib-ng keeps zlib's
//! copyright lines).
//!
//! Precedence: within one file, each classifier reports every distinct
//! version it matches (up to 16), each at its first occurrence: a blob
//! that embeds two zlibs shows both. Different classifiers, or different
//! versions of one component, are all kept: conflicting evidence is
//! shown, not merged away.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use regex::bytes::Regex;
use serde::Deserialize;

use crate::model::{ElfClass, Endian, Identification, Technique};
use crate::samples::{ElfSpec, machine};

include!(concat!(env!("OUT_DIR"), "/classifiers.rs"));

/// Bytes before an anchor hit where a version regex may start (a regex
/// may begin with the NUL before its anchor).
const BEFORE: usize = 64;

/// The names a file goes by: its own, and for an ELF library its SONAME.
/// Globs and `filename` records match either.
#[derive(Debug, Clone, Copy, Default)]
pub struct Names<'a> {
    /// The file's name.
    pub file: &'a str,
    /// The ELF `DT_SONAME`, if any.
    pub soname: Option<&'a str>,
}

impl<'a> From<&'a str> for Names<'a> {
    fn from(file: &'a str) -> Self {
        Names { file, soname: None }
    }
}

impl<'a> Names<'a> {
    /// The file name, then the SONAME when it differs, then the file's
    /// name before a wheel build grafted it (see [`ungrafted`]).
    fn all(self) -> impl Iterator<Item = Cow<'a, str>> {
        let named = std::iter::once(self.file).chain(self.soname.filter(|s| *s != self.file));
        named
            .clone()
            .map(Cow::Borrowed)
            .chain(named.filter_map(ungrafted).map(Cow::Owned))
    }

    fn match_any(self, globs: &globset::GlobSet) -> bool {
        self.all().any(|name| globs.is_match(name.as_ref()))
    }
}

/// The name a shared library had before auditwheel grafted it into a
/// Python wheel: `repair.py` (`copylib`) renames `<base>.<ext>` to
/// `<base>-<first 8 hex digits of its SHA-256>.<ext>`, and a library
/// grafted twice carries two hashes (numpy's
/// `libgfortran-040039e1-0352e75f.so.5.0.0`). Firmware with a Python
/// runtime ships such wheels' libraries (`libzstd-40ad5e7e.so.1.5.7` is
/// zstd's `libzstd.so.1.5.7`).
pub fn ungrafted(name: &str) -> Option<String> {
    // auditwheel splits at the first dot: `libusb-1.0.so.0` became
    // `libusb-1-<hash>.0.so.0`.
    let (mut base, ext) = name.split_once('.')?;
    if ext != "so" && !ext.starts_with("so.") && !ext.contains(".so") {
        return None;
    }
    let is_hash =
        |h: &str| h.len() == 8 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let mut grafted = false;
    while let Some((stem, _)) = base
        .rsplit_once('-')
        .filter(|(s, h)| !s.is_empty() && is_hash(h))
    {
        base = stem;
        grafted = true;
    }
    grafted.then(|| format!("{base}.{ext}"))
}

/// Whether a library's name, or its name before a wheel build grafted it,
/// starts with `prefix`: the identifiers that read a library's own
/// constants claim the file only when it is that library.
pub fn library_named(name: &str, prefix: &str) -> bool {
    name.starts_with(prefix) || ungrafted(name).is_some_and(|n| n.starts_with(prefix))
}

/// How many of a `defines` record's names a file must define: one name
/// may be a coincidence (a vendor's own `jpeg_encode`), two of a
/// component's internal names are its code.
pub const MIN_DEFINED: usize = 2;

/// Shortest name a `defines` record may list: its names are anchors too,
/// and a short one would be found, and the symbol tables read, everywhere.
const MIN_DEFINED_NAME: usize = 6;

/// Distinct versions one record reports in one file: a blob that embeds
/// several copies of a component shows each, a hostile one cannot flood
/// the SBOM.
const MAX_VERSIONS_PER_FILE: usize = 16;

/// Matches one record examines in one file, new versions or not.
const MAX_MATCHES_PER_FILE: usize = 256;

/// After the first match, how much a later search may read: a regex whose
/// tail may run to the end of a text run (the kernel banner's optional
/// distribution part) would otherwise read on to it at every anchor hit,
/// quadratic in a file of repeated banners. The first search is not
/// bounded (some layouts keep the version far from the anchor).
const LATER_WINDOW: usize = 32 * 1024;

/// Room a match in a bounded window must have had after its start to be
/// taken as whole: one that starts later may have been cut at the
/// window's end (an optional tail lost), so it is searched again from its
/// own start.
const MATCH_ROOM: usize = 16 * 1024;

/// One classifier record, as written in TOML.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// Stable id (kebab-case, unique).
    pub id: String,
    /// Component name.
    pub component: String,
    /// CycloneDX component type, one of [`KINDS`] (`library` when absent).
    #[serde(default = "default_kind")]
    pub kind: String,
    /// Supplier name.
    pub supplier: Option<String>,
    /// SPDX licence id, when the component has one fixed licence.
    pub license: Option<String>,
    /// File-name globs the record is limited to (any file when empty).
    #[serde(default)]
    pub files: Vec<String>,
    /// File-name globs for which a match means the file *is* the component
    /// (`libcrypto.so*` for openssl); elsewhere it is embedded in the file.
    #[serde(default)]
    pub claims: Vec<String>,
    /// Literal strings, one of which is near every real match.
    #[serde(default)]
    pub anchors: Vec<String>,
    /// Byte regex with a named `version` group (over the bytes; with
    /// `filename`, over the file name instead). None with `defines`.
    #[serde(default)]
    pub version: String,
    /// Names of functions the component's code defines: the record
    /// matches an ELF file whose symbol tables *define* at least
    /// [`MIN_DEFINED`] of them (a vendor library built from the component's
    /// source, a kernel module holding a copy), whatever its name or text.
    /// A program linked against the component's library lists the same
    /// names as undefined imports and does not match. The names are the
    /// record's anchors; it is a `presence` record with no `version` regex.
    #[serde(default)]
    pub defines: Vec<String>,
    /// Ids of other components' records that read text this component's
    /// code keeps as its own: in a file where this record matches (and is
    /// not a header quote), their matches are dropped. zlib-ng keeps
    /// zlib's copyright lines (` deflate 1.3.1 Copyright 1995-2024 …`), so
    /// its records mask `zlib-copyright`, not zlib's build paths. Not
    /// inherited by a `[[source_tree]]`.
    #[serde(default)]
    pub masks: Vec<String>,
    /// The version may lie before the anchor: the anchor (an exported
    /// symbol's name) shows the file is the library, and the first search
    /// starts at the file's start. patchelf, which auditwheel runs on every
    /// library it grafts into a wheel, moves `.dynstr` after `.rodata`.
    /// Only with `files`, which limits the cost to the named libraries.
    #[serde(default)]
    pub anywhere: bool,
    /// How the version is written from the regex's named groups
    /// (`0.{build}.{revision}`); `{version}` when absent, and then the
    /// regex needs a `version` group.
    pub version_format: Option<String>,
    /// Written version -> release, for a libtool real name that upstream's
    /// own record ties to exactly one release. When present, a version not
    /// in it yields no identification.
    #[serde(default)]
    pub releases: BTreeMap<String, String>,
    /// The version is in the file name, not the bytes: `version` is matched
    /// against the whole name of an ELF file. Excludes `anchors`.
    #[serde(default)]
    pub filename: bool,
    /// What the record reads is a release series (`libssl.so.1.1` is
    /// OpenSSL 1.1), not a release. Its purl is the template without
    /// `@{version}` and it has no CPE; see `identify::series`.
    #[serde(default)]
    pub series: bool,
    /// The record shows the component is there but reads no version: the
    /// library keeps none in its bytes (live555, libyuv, OpenWrt's ubus).
    /// Its regex has no `version` group; the component is listed with no
    /// version, like a series of any release (see `identify::series`), so a
    /// release read elsewhere in the image is corroborated, and nothing is
    /// matched against vulnerabilities on a guess. Fixtures expect `""`.
    /// With `filename`, the name of an ELF file alone shows the component
    /// (`libubox.so.20230523`), as `filename` evidence of lower confidence.
    #[serde(default)]
    pub presence: bool,
    /// purl template (`{version}`, and `{name}` for any other named group
    /// of the regex, is replaced).
    pub purl: String,
    /// CPE 2.3 template.
    pub cpe: Option<String>,
}

/// The CycloneDX component types a record may give: `framework` for a
/// SoC vendor's SDK (HiSilicon MPP, Ingenic IMP), whose libraries and
/// kernel modules ship together as one release; `device-driver` for a
/// kernel driver with a release of its own (Ingenic's tx-isp).
pub const KINDS: [&str; 6] = [
    "library",
    "application",
    "framework",
    "operating-system",
    "firmware",
    "device-driver",
];

fn default_kind() -> String {
    "library".into()
}

/// A fixture: text that must yield `version` from `classifier`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    /// The classifier id.
    pub classifier: String,
    /// File name to scan it as.
    pub file: Option<String>,
    /// The bytes (TOML escapes such as `\u0000` for NUL), when they are
    /// valid UTF-8.
    #[serde(default)]
    pub text: String,
    /// The bytes in hex (whitespace ignored), for snippets that are not
    /// UTF-8 (`ff ff 31 2e 35 32`); appended to `text`.
    #[serde(default)]
    pub hex: String,
    /// Expected version.
    pub version: String,
    /// Functions the file defines: it is then an ELF file built around
    /// `text` (in its `.rodata`) whose symbol tables list these, as the
    /// real file's do (`nm -D --defined-only`), for a `defines` record.
    #[serde(default)]
    pub exports: Vec<String>,
    /// Symbols the ELF file imports (undefined; `nm -u`).
    #[serde(default)]
    pub imports: Vec<String>,
    /// The ELF file is a kernel module (symbols in `.symtab`), not a shared
    /// library (symbols in `.dynsym`).
    #[serde(default)]
    pub module: bool,
}

impl Fixture {
    /// The fixture's bytes.
    pub fn bytes(&self) -> Result<Vec<u8>, String> {
        let text = concat_hex(&self.text, &self.hex)?;
        Ok(elf_around(
            self.file.as_deref(),
            text,
            &self.exports,
            &self.imports,
            self.module,
        ))
    }
}

/// `rodata` as it is without symbols, or else an ELF file (a library
/// called `file`, or a kernel module) holding it in its `.rodata` and
/// defining and importing the symbols named: a `defines` record's fixtures
/// and decoys.
fn elf_around(
    file: Option<&str>,
    rodata: Vec<u8>,
    exports: &[String],
    imports: &[String],
    module: bool,
) -> Vec<u8> {
    if exports.is_empty() && imports.is_empty() && !module {
        return rodata;
    }
    let (class, endian) = (ElfClass::Elf32, Endian::Little);
    let spec = if module {
        ElfSpec::kernel_module(class, endian, machine::ARM, &["license=Proprietary"])
    } else {
        ElfSpec::library(class, endian, machine::ARM, file.unwrap_or("lib.so"))
    };
    let spec = exports
        .iter()
        .fold(spec.with_rodata(&rodata), |spec, name| {
            spec.with_function(name)
        });
    imports
        .iter()
        .fold(spec, |spec, name| spec.with_import(name))
        .build()
}

/// `text` followed by the bytes `hex` spells.
fn concat_hex(text: &str, hex: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = hex.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !digits.len().is_multiple_of(2) {
        return Err(format!("odd number of hex digits in `{hex}`"));
    }
    let mut out = text.as_bytes().to_vec();
    for pair in digits.chunks(2) {
        let pair = std::str::from_utf8(pair).map_err(|e| e.to_string())?;
        if !pair.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("hex `{pair}` is not two hex digits"));
        }
        out.push(u8::from_str_radix(pair, 16).map_err(|e| format!("hex `{pair}`: {e}"))?);
    }
    Ok(out)
}

/// A decoy: text no classifier may match, save those its `holds` names.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decoy {
    /// File name to scan it as.
    pub file: Option<String>,
    /// What the text really is, as `<classifier id>@<version>`: the best
    /// near miss is often another component's own banner (a Bootstrap
    /// plugin's, for Bootstrap), which that component's record then finds.
    /// The walker requires exactly these matches, none from the decoy's
    /// own file.
    #[serde(default)]
    pub holds: Vec<String>,
    /// The bytes.
    #[serde(default)]
    pub text: String,
    /// The bytes in hex, appended to `text` (as for fixtures).
    #[serde(default)]
    pub hex: String,
    /// Functions the file defines: it is then an ELF file built around
    /// `text` (in its `.rodata`) whose symbol tables list these, as the
    /// real file's do (`nm -D --defined-only`), for a `defines` record.
    #[serde(default)]
    pub exports: Vec<String>,
    /// Symbols the ELF file imports (undefined; `nm -u`).
    #[serde(default)]
    pub imports: Vec<String>,
    /// The ELF file is a kernel module (symbols in `.symtab`), not a shared
    /// library (symbols in `.dynsym`).
    #[serde(default)]
    pub module: bool,
}

impl Decoy {
    /// The decoy's bytes.
    pub fn bytes(&self) -> Result<Vec<u8>, String> {
        let text = concat_hex(&self.text, &self.hex)?;
        Ok(elf_around(
            self.file.as_deref(),
            text,
            &self.exports,
            &self.imports,
            self.module,
        ))
    }
}

/// A component's build paths: a file compiled from the component's source
/// tree keeps the tree's directory in the file names its assertions print
/// (`/project/build/zstd-1.5.7/lib//dictBuilder/divsufsort.c`). The
/// directory names the release in the three layouts builds use: the
/// release tarball's `<dir>-<release>/` or `<dir>-v<release>/` (Buildroot's `output/build/`, SDKs,
/// wheel builds), Yocto's `/usr/src/debug/<recipe>/<release>-r<N>/` and
/// vcpkg's `buildtrees/<port>/src/<ref>-<hash>.clean/`. Only C, C++ and
/// assembler sources count: a header's path shows what a program was
/// compiled against, not what it holds. Loaded as one more record.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceTree {
    /// Stable id of the record it becomes.
    pub id: String,
    /// The record of the same file whose component, type, supplier,
    /// licence, claims, purl and CPE it shares.
    pub like: String,
    /// The names the source directory goes by: the tarball's (`zstd`),
    /// Buildroot's package (`libopenssl`), Yocto's recipe, vcpkg's port.
    pub dirs: Vec<String>,
    /// File-name globs for which a match means the file *is* the
    /// component, when `like` has none (a `filename` record claims its
    /// file by its name alone).
    #[serde(default)]
    pub claims: Vec<String>,
    /// The component's own release pattern, when a binding or tool of the
    /// same name has a source tree of its own (python-lz4's `lz4-4.4.5/`
    /// is not LZ4 4.4.5: `release = '1\.[0-9]+\.[0-9]+'`).
    pub release: Option<String>,
}

impl SourceTree {
    /// A release in a source directory's name: `1.5.7`, `1.1.1w`, `9.3p1`.
    const RELEASE: &str = r"[0-9]+(?:\.[0-9]+)+(?:p[0-9]+|[a-z])?";
    /// What may follow the release in the name (`-stable`, `+dfsg2`): not
    /// Yocto's `+git…`, whose version only names the release it follows.
    const SUFFIX: &str = r"(?:[-~_][0-9A-Za-z.+~_-]*|\+(?:dfsg|ds|really)[0-9A-Za-z.+~_-]*)?";
    /// The rest of the path, to a source file's name and its NUL (a
    /// doubled `/` included: `lib//dictBuilder`); a NUL or a newline ends it.
    const TO_SOURCE: &str = r"/(?:(?-u:[^/\x00\n])*/)*(?-u:[^/\x00\n])+\.(?:c|cc|cpp|cxx|S)\x00";

    fn record(&self, like: &Record) -> Record {
        let dirs = self
            .dirs
            .iter()
            .map(|d| regex::escape(d))
            .collect::<Vec<_>>()
            .join("|");
        let release = self.release.as_deref().unwrap_or(Self::RELEASE);
        let suffix = Self::SUFFIX;
        // Yocto: `/usr/src/debug/<recipe>/<PV>-<PR>/` until 2024, then
        // `/usr/src/debug/<recipe>/<PV>/` (bitbake.conf TARGET_DBGSRC_DIR).
        let version = format!(
            r"(?:/(?:{dirs})-v?(?P<tarball>{release}){suffix}|/usr/src/debug/(?:{dirs})/(?:[0-9]+_)?(?P<yocto>{release}){suffix}(?:-r[0-9]+)?|/buildtrees/(?:{dirs})/src/(?:(?-u:[^/\x00\n])*?(?-u:[^0-9./\x00\n]))?v?(?P<vcpkg>{release})-[0-9a-f]{{10}}\.clean){}",
            Self::TO_SOURCE
        );
        // `/<dir>/` serves Yocto's and vcpkg's layouts, whose common
        // prefixes (`/usr/src/debug/`, `/buildtrees/`) lie within the bytes
        // a regex may start before its anchor: anchors sharing those
        // prefixes would all be verified at every such path.
        let anchors = self
            .dirs
            .iter()
            .flat_map(|d| [format!("/{d}-"), format!("/{d}/")])
            .collect();
        Record {
            id: self.id.clone(),
            files: Vec::new(),
            claims: if self.claims.is_empty() {
                like.claims.clone()
            } else {
                self.claims.clone()
            },
            anchors,
            version,
            version_format: Some("{tarball|yocto|vcpkg}".into()),
            anywhere: false,
            releases: BTreeMap::new(),
            filename: false,
            series: false,
            presence: false,
            defines: Vec::new(),
            masks: Vec::new(),
            ..like.clone()
        }
    }
}

/// One classifier file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassifierFile {
    /// Records.
    pub classifier: Vec<Record>,
    /// The component's build paths, each loaded as one more record.
    #[serde(default)]
    pub source_tree: Vec<SourceTree>,
    /// Fixtures.
    #[serde(default)]
    pub fixture: Vec<Fixture>,
    /// Decoys.
    #[serde(default)]
    pub decoy: Vec<Decoy>,
}

/// Why classifier data could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClassifierError {
    /// A file is not valid TOML of the expected shape.
    #[error("`{file}`: {message}")]
    Parse {
        /// The file.
        file: String,
        /// What is wrong, with line and column.
        message: String,
    },
    /// A record is not usable.
    #[error("`{file}`: classifier `{id}`: {message}")]
    Record {
        /// The file.
        file: String,
        /// The record id.
        id: String,
        /// What is wrong.
        message: String,
    },
}

struct Compiled {
    record: Record,
    regex: Regex,
    globs: Option<globset::GlobSet>,
    claims: Option<globset::GlobSet>,
}

/// A compiled set of classifiers.
pub struct Classifiers {
    compiled: Vec<Compiled>,
    /// Every `defines` record's names: the only symbols read.
    defined_wanted: HashSet<String>,
    automaton: AhoCorasick,
    /// Per anchor pattern: the classifier it belongs to.
    owner: Vec<usize>,
}

impl std::fmt::Debug for Classifiers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Classifiers({} records)", self.compiled.len())
    }
}

static BUILTIN: LazyLock<Result<Classifiers, ClassifierError>> =
    LazyLock::new(|| Classifiers::load(BUILTIN_CLASSIFIERS).map(|(c, _)| c));

impl Classifiers {
    /// The classifiers shipped in `signatures/classifiers/`.
    pub fn builtin() -> Result<&'static Classifiers, &'static ClassifierError> {
        BUILTIN.as_ref()
    }

    /// Parse and compile `(file name, TOML)` sources; also returns the
    /// parsed files (for their fixtures and decoys).
    pub fn load(
        sources: &[(&str, &str)],
    ) -> Result<(Classifiers, Vec<ClassifierFile>), ClassifierError> {
        let mut files = Vec::new();
        let mut compiled = Vec::new();
        let mut ids = HashSet::new();
        for (name, text) in sources {
            let mut file: ClassifierFile =
                toml::from_str(text).map_err(|e| ClassifierError::Parse {
                    file: name.to_string(),
                    message: e.to_string(),
                })?;
            for tree in &file.source_tree {
                let bad = |message: &str| ClassifierError::Record {
                    file: name.to_string(),
                    id: tree.id.clone(),
                    message: message.into(),
                };
                let like = file
                    .classifier
                    .iter()
                    .find(|r| r.id == tree.like)
                    .ok_or_else(|| bad("`like` names no record of this file"))?;
                if like.series || like.presence {
                    return Err(bad("`like` must name a record that reads releases"));
                }
                if like.claims.is_empty() && tree.claims.is_empty() {
                    return Err(bad(
                        "name the files that are the component (`claims`, here or on `like`)",
                    ));
                }
                let plain = |d: &String| {
                    d.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
                        && d.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"._+-".contains(&b))
                };
                if tree.dirs.is_empty() || !tree.dirs.iter().all(plain) {
                    return Err(bad("`dirs` are directory names (letters, digits, `._+-`)"));
                }
                let record = tree.record(like);
                file.classifier.push(record);
            }
            for record in &file.classifier {
                let bad = |message: String| ClassifierError::Record {
                    file: name.to_string(),
                    id: record.id.clone(),
                    message,
                };
                if !ids.insert(record.id.clone()) {
                    return Err(bad("duplicate id".into()));
                }
                if !KINDS.contains(&record.kind.as_str()) {
                    return Err(bad(format!("kind must be one of {}", KINDS.join(", "))));
                }
                if record.defines.is_empty() && record.version.is_empty() {
                    return Err(bad("needs a `version` regex".into()));
                }
                if !record.defines.is_empty() {
                    // Plain names, as `defined_functions` reports them.
                    let symbol = |n: &String| {
                        n.len() >= MIN_DEFINED_NAME
                            && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                            && crate::identify::elf::unmangled(n) == n
                    };
                    let distinct: HashSet<&String> = record.defines.iter().collect();
                    if distinct.len() != record.defines.len() {
                        return Err(bad("`defines` names each symbol once".into()));
                    }
                    if !record.presence
                        || record.filename
                        || record.anywhere
                        || !record.version.is_empty()
                        || !record.anchors.is_empty()
                    {
                        return Err(bad(
                            "a `defines` record is a `presence` record with no version regex, anchors, `filename` or `anywhere`"
                                .into(),
                        ));
                    }
                    if record.defines.len() < MIN_DEFINED || !record.defines.iter().all(symbol) {
                        return Err(bad(format!(
                            "`defines` names at least {MIN_DEFINED} functions by their plain names \
                             ({MIN_DEFINED_NAME} or more letters, digits, `_`; not mangled)"
                        )));
                    }
                } else if record.filename {
                    if !record.anchors.is_empty() {
                        return Err(bad("a `filename` record takes no anchors".into()));
                    }
                } else if record.anchors.is_empty() || record.anchors.iter().any(String::is_empty) {
                    return Err(bad("needs at least one non-empty anchor".into()));
                }
                let regex =
                    Regex::new(&record.version).map_err(|e| bad(format!("version regex: {e}")))?;
                let groups: Vec<&str> = regex.capture_names().flatten().collect();
                if record.presence
                    && (record.version_format.is_some()
                        || !record.releases.is_empty()
                        || groups.contains(&"version"))
                {
                    return Err(bad(
                        "a `presence` record reads no version (no `version` group, format or releases)"
                            .into(),
                    ));
                }
                match &record.version_format {
                    _ if record.presence => {}
                    None if !groups.contains(&"version") => {
                        return Err(bad("version regex has no `version` group".into()));
                    }
                    None => {}
                    Some(format) => {
                        if let Some(field) = template_fields(format)
                            .flat_map(|f| f.split('|'))
                            .find(|f| !groups.contains(f))
                        {
                            return Err(bad(format!(
                                "version_format field `{{{field}}}` is not a group of the regex"
                            )));
                        }
                    }
                }
                if record
                    .releases
                    .iter()
                    .any(|(name, release)| name.is_empty() || release.is_empty())
                {
                    return Err(bad("releases entries must not be empty".into()));
                }
                if !record.purl.starts_with("pkg:") || !record.purl.contains("{version}") {
                    return Err(bad("purl must be `pkg:…` with `{version}`".into()));
                }
                if (record.series || record.presence)
                    && (!record.purl.ends_with("@{version}") || record.cpe.is_some())
                {
                    return Err(bad(
                        "a `series` or `presence` record's purl ends in `@{version}` and it has no cpe"
                            .into(),
                    ));
                }
                if record.anywhere && record.files.is_empty() {
                    return Err(bad(
                        "an `anywhere` record is limited to named files (`files`)".into(),
                    ));
                }
                if record.series && record.presence {
                    return Err(bad("a record is `series` or `presence`, not both".into()));
                }
                if record
                    .cpe
                    .as_ref()
                    .is_some_and(|c| !c.starts_with("cpe:2.3:"))
                {
                    return Err(bad("cpe must be CPE 2.3".into()));
                }
                // A CPE field may fall back to `-` (`{group|-}`).
                let purl_fields = template_fields(&record.purl);
                let cpe_fields = record
                    .cpe
                    .iter()
                    .flat_map(|c| template_fields(c).map(|f| f.strip_suffix("|-").unwrap_or(f)));
                for name in purl_fields.chain(cpe_fields) {
                    if name != "version" && !groups.contains(&name) {
                        return Err(bad(format!(
                            "template field `{{{name}}}` is not a group of the regex"
                        )));
                    }
                }
                let globs = glob_set(&record.files).map_err(&bad)?;
                let claims = glob_set(&record.claims).map_err(&bad)?;
                let mut record = record.clone();
                if !record.defines.is_empty() {
                    // The names are found in the string tables first.
                    record.anchors = record.defines.clone();
                }
                compiled.push(Compiled {
                    record,
                    regex,
                    globs,
                    claims,
                });
            }
            files.push(file);
        }
        let mut patterns = Vec::new();
        let mut owner = Vec::new();
        for (i, c) in compiled.iter().enumerate() {
            for anchor in &c.record.anchors {
                patterns.push(anchor.as_bytes().to_vec());
                owner.push(i);
            }
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&patterns)
            .map_err(|e| ClassifierError::Parse {
                file: "anchors".into(),
                message: e.to_string(),
            })?;
        // Masks name records of other components (checked once all are in).
        for c in &compiled {
            for mask in &c.record.masks {
                if !compiled
                    .iter()
                    .any(|m| m.record.id == *mask && m.record.component != c.record.component)
                {
                    return Err(ClassifierError::Record {
                        file: "masks".into(),
                        id: c.record.id.clone(),
                        message: format!("`masks` entry `{mask}` is no other component's record"),
                    });
                }
            }
        }
        let defined_wanted = compiled
            .iter()
            .flat_map(|c| c.record.defines.iter().cloned())
            .collect();
        Ok((
            Classifiers {
                compiled,
                defined_wanted,
                automaton,
                owner,
            },
            files,
        ))
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.compiled.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.compiled.is_empty()
    }

    /// Every component version found in `bytes` of the file called `name`,
    /// with this set's own Aho-Corasick pass over the anchors. The pipeline
    /// finds the anchors in its single YARA-X pass instead (see
    /// [`Classifiers::anchor_rules`]) and calls [`Classifiers::confirm`];
    /// this path is the reference the tests hold that one to.
    pub fn scan<'a>(&self, names: impl Into<Names<'a>>, bytes: &[u8]) -> Vec<Identification> {
        let mut first = vec![None; self.compiled.len()];
        for hit in self.automaton.find_overlapping_iter(bytes) {
            let index = self.owner[hit.pattern().as_usize()];
            first[index].get_or_insert(hit.start());
        }
        let anchors: Vec<(usize, usize)> = first
            .into_iter()
            .enumerate()
            .filter_map(|(i, at)| Some((i, at?)))
            .collect();
        self.confirm(names, bytes, &anchors)
    }

    /// YARA-X source with one rule per classifier (`anchor_<index>`) whose
    /// strings are its anchors, so the pipeline finds every anchor in the
    /// same pass as the evidence rules (yara-x scans ~3× faster than the
    /// Aho-Corasick DFA here; BENCHMARKS.md).
    pub fn anchor_rules(&self) -> String {
        let mut source = String::new();
        for (i, c) in self.compiled.iter().enumerate() {
            if c.record.anchors.is_empty() {
                continue;
            }
            source.push_str(&format!("rule anchor_{i} {{\n  strings:\n"));
            for (j, anchor) in c.record.anchors.iter().enumerate() {
                let hex: Vec<String> = anchor.bytes().map(|b| format!("{b:02x}")).collect();
                source.push_str(&format!("    $a{j} = {{ {} }}\n", hex.join(" ")));
            }
            source.push_str("  condition: any of them\n}\n");
        }
        source
    }

    /// Confirm the classifiers whose anchors were found: `anchors` holds
    /// (classifier index, offset of its first anchor hit).
    pub fn confirm<'a>(
        &self,
        names: impl Into<Names<'a>>,
        bytes: &[u8],
        anchors: &[(usize, usize)],
    ) -> Vec<Identification> {
        let names = names.into();
        let mut found = self.by_file_name(names, bytes);
        // Parsed once, for the first `defines` record whose names appear.
        let defined = std::cell::OnceCell::new();
        for &(index, at) in anchors {
            let Some(c) = self.compiled.get(index) else {
                continue;
            };
            if c.globs.as_ref().is_some_and(|g| !names.match_any(g)) {
                continue;
            }
            let claims = c.claims.as_ref().is_some_and(|g| names.match_any(g));
            if !c.record.defines.is_empty() {
                let defined = defined.get_or_init(|| {
                    crate::identify::elf::defined_functions(bytes, &self.defined_wanted)
                });
                found.extend(c.defined_in(defined.as_ref(), claims, bytes, at));
                continue;
            }
            let mut versions = HashSet::new();
            let mut anchors = NextAnchor::new(&c.record.anchors);
            // Successive matches, from the first anchor hit on. The first
            // search may read to the end of the file; after a match the
            // search resumes only at a later anchor hit and reads at most
            // LATER_WINDOW from there, and at most MAX_MATCHES_PER_FILE
            // searches run, so the work per record and file is bounded.
            let first = if c.record.anywhere {
                0
            } else {
                at.saturating_sub(BEFORE)
            };
            let mut start = Some((first, bytes.len()));
            for _ in 0..MAX_MATCHES_PER_FILE {
                let Some((from, limit)) = start else {
                    break;
                };
                let bounded = limit < bytes.len();
                let Some(caps) = c.regex.captures_at(&bytes[..limit], from) else {
                    // No whole match up to `limit`; one starting in its last
                    // MATCH_ROOM bytes may have been cut: search again from
                    // the first anchor hit there.
                    start = anchors
                        .at_or_after(bytes, limit.saturating_sub(MATCH_ROOM).max(from + 1))
                        .filter(|_| bounded)
                        .map(|hit| later_search(hit, from + 1, bytes.len()));
                    continue;
                };
                let (begin, end) = caps.get(0).map_or((from, from), |m| (m.start(), m.end()));
                if bounded && begin + MATCH_ROOM > limit {
                    // Perhaps cut short: again, from its own start.
                    start = Some(window(begin, bytes.len()));
                    continue;
                }
                let end = end.max(from + 1);
                start = anchors
                    .at_or_after(bytes, end)
                    .map(|hit| later_search(hit, end, bytes.len()));
                let Some(id) = c.identification(&caps, claims, Technique::BinaryAnalysis) else {
                    continue;
                };
                // One identification per version: its first occurrence.
                if versions.insert(id.version.clone()) {
                    found.push(id);
                    if versions.len() == MAX_VERSIONS_PER_FILE {
                        break;
                    }
                }
            }
        }
        found.sort_by_key(|i| i.offset);
        found
    }

    /// What one file's matches come to: header quotes dropped (see
    /// [`Classifiers::drop_header_quotes`]), then the matches another
    /// component found in the file masks (its records' `masks`). In that
    /// order, so a quote of zlib-ng's header in a program linked against it
    /// does not mask the program's own zlib.
    pub fn settle(&self, found: &mut Vec<Identification>, needed: &[String]) {
        self.drop_header_quotes(found, needed);
        let masked: HashSet<&str> = found
            .iter()
            .filter_map(|id| self.compiled.iter().find(|c| c.record.id == id.classifier))
            .flat_map(|c| c.record.masks.iter().map(String::as_str))
            .collect();
        if !masked.is_empty() {
            found.retain(|id| !masked.contains(id.classifier.as_str()));
        }
    }

    /// The `filename` records that match the name of this ELF file, or
    /// else its SONAME (a library installed under another name).
    fn by_file_name(&self, names: Names<'_>, bytes: &[u8]) -> Vec<Identification> {
        if !crate::identify::elf::is_elf(bytes) {
            return Vec::new();
        }
        self.compiled
            .iter()
            .filter(|c| c.record.filename)
            .filter(|c| c.globs.as_ref().is_none_or(|g| names.match_any(g)))
            .filter_map(|c| {
                let mut found = names.all().find_map(|name| {
                    let caps = c.regex.captures(name.as_bytes())?;
                    c.identification(&caps, true, Technique::Filename)
                })?;
                found.offset = 0;
                Some(found)
            })
            .collect()
    }

    /// Drop the matches that only quote a component's headers: a program
    /// linked against the component's own library (`DT_NEEDED`
    /// `libcrypto.so.3`) prints the version it was compiled against
    /// ("OpenSSL build=%s run=%s"), which is not a copy of the component.
    pub fn drop_header_quotes(&self, found: &mut Vec<Identification>, needed: &[String]) {
        if needed.is_empty() {
            return;
        }
        found.retain(|id| {
            id.claims_file
                || !self.compiled.iter().any(|c| {
                    c.record.id == id.classifier
                        && c.claims.as_ref().is_some_and(|g| {
                            needed
                                .iter()
                                .any(|lib| Names::from(lib.as_str()).match_any(g))
                        })
                })
        });
    }
}

/// Where a search after the first starts and how far it may read: from
/// `BEFORE` ahead of the anchor hit (not before `floor`), LATER_WINDOW on.
fn later_search(hit: usize, floor: usize, len: usize) -> (usize, usize) {
    window(hit.saturating_sub(BEFORE).max(floor), len)
}

/// A later search from `from`: at most LATER_WINDOW bytes.
fn window(from: usize, len: usize) -> (usize, usize) {
    let from = from.min(len);
    (from, from.saturating_add(LATER_WINDOW).min(len))
}

/// A record's next anchor hit. Each anchor's last hit is kept and searched
/// again only once passed, so the searches over a file stay linear however
/// many matches it holds.
struct NextAnchor<'a> {
    /// Each anchor with its next hit: `Some(None)` when it occurs no more.
    anchors: Vec<(&'a [u8], Option<Option<usize>>)>,
}

impl<'a> NextAnchor<'a> {
    fn new(anchors: &'a [String]) -> Self {
        NextAnchor {
            anchors: anchors.iter().map(|a| (a.as_bytes(), None)).collect(),
        }
    }

    /// The offset of the first anchor hit at or after `from`.
    fn at_or_after(&mut self, bytes: &[u8], from: usize) -> Option<usize> {
        let rest = bytes.get(from..)?;
        self.anchors
            .iter_mut()
            .filter_map(|(anchor, next)| match next {
                Some(Some(at)) if *at >= from => Some(*at),
                Some(None) => None,
                _ => {
                    let at = memchr::memmem::find(rest, anchor).map(|at| from + at);
                    *next = Some(at);
                    at
                }
            })
            .min()
    }
}

impl Compiled {
    /// A `defines` record's identification, when the file defines enough
    /// of its names; its offset is that of the first defined name's string
    /// (`at`, the first of the names found, may be an import's).
    fn defined_in(
        &self,
        defined: Option<&HashSet<&str>>,
        claims_file: bool,
        bytes: &[u8],
        at: usize,
    ) -> Option<Identification> {
        let defined = defined?;
        let r = &self.record;
        let mut names = r
            .defines
            .iter()
            .filter(|name| defined.contains(name.as_str()));
        let first = names.next()?;
        if 1 + names.count() < MIN_DEFINED {
            return None;
        }
        // The name as a whole string-table entry, else (a mangled name)
        // wherever it first appears.
        let at = memchr::memmem::find(bytes, format!("\0{first}\0").as_bytes())
            .map(|i| i + 1)
            .or_else(|| memchr::memmem::find(bytes, first.as_bytes()))
            .unwrap_or(at);
        Some(Identification {
            component: r.component.clone(),
            kind: r.kind.clone(),
            classifier: r.id.clone(),
            offset: at as u64,
            purl: r.purl.strip_suffix("@{version}")?.to_string(),
            cpe: None,
            version: String::new(),
            supplier: r.supplier.clone(),
            license: r.license.clone(),
            claims_file,
            technique: Technique::BinaryAnalysis,
            series: true,
            symbol: Some(first.clone()),
            properties: Vec::new(),
        })
    }

    /// The identification a match makes; `None` without a version. Every
    /// named group of the regex fills its `{name}` in the purl and CPE
    /// templates (OpenSSH's CPE puts `p1` in the update field).
    fn identification(
        &self,
        caps: &regex::bytes::Captures<'_>,
        claims_file: bool,
        technique: Technique,
    ) -> Option<Identification> {
        let text = |m: regex::bytes::Match<'_>| String::from_utf8_lossy(m.as_bytes()).into_owned();
        let r = &self.record;
        // A `not` group marks a layout that looks like a release but is not
        // one (an Ubuntu kernel banner's ABI).
        if caps.name("not").is_some() {
            return None;
        }
        let written = match &r.version_format {
            // Any release: the series every release belongs to.
            None if r.presence => String::new(),
            None => text(caps.name("version")?),
            Some(format) => {
                let mut out = format.clone();
                for field in template_fields(format) {
                    // `{a|b}`: the first of the groups that took part.
                    let value = field.split('|').find_map(|g| caps.name(g))?;
                    out = out.replace(&format!("{{{field}}}"), &text(value));
                }
                out
            }
        };
        let version = if r.releases.is_empty() {
            written
        } else {
            r.releases.get(&written)?.clone()
        };
        if version.is_empty() && !r.presence {
            return None;
        }
        let fill = |template: &str, escape: fn(&str) -> String| {
            let mut out = template.replace("{version}", &escape(&version));
            for name in self.regex.capture_names().flatten() {
                // An optional group that did not take part is "any" in a
                // CPE (an empty field is not valid there), written as is:
                // escaped, it would be a literal asterisk. `{group|-}` says
                // "not applicable" instead, as NVD files a release that
                // has no patch level (sudo 1.9.15 is `1.9.15:-`).
                let value = caps.name(name).map(|m| escape(&text(m)));
                out = out.replace(&format!("{{{name}|-}}"), value.as_deref().unwrap_or("-"));
                out = out.replace(&format!("{{{name}}}"), value.as_deref().unwrap_or("*"));
            }
            out
        };
        let purl = match r.purl.strip_suffix("@{version}") {
            Some(unversioned) if r.series || r.presence => fill(unversioned, purl_escape),
            // Qualifier values read from the bytes are written in lower
            // case: one chip spelled two ways (`Hi3516CV610`,
            // `HI3516CV610`) is one purl.
            _ => match r.purl.split_once('?') {
                Some((head, qualifiers)) => format!(
                    "{}?{}",
                    fill(head, purl_escape),
                    fill(qualifiers, |v| purl_escape(&v.to_ascii_lowercase()))
                ),
                None => fill(&r.purl, purl_escape),
            },
        };
        Some(Identification {
            component: r.component.clone(),
            kind: r.kind.clone(),
            classifier: r.id.clone(),
            offset: caps.get(0).map_or(0, |m| m.start() as u64),
            purl,
            cpe: r.cpe.as_deref().map(|c| fill(c, cpe_escape)),
            version,
            supplier: r.supplier.clone(),
            license: r.license.clone(),
            claims_file,
            technique,
            series: r.series || r.presence,
            symbol: None,
            properties: Vec::new(),
        })
    }
}

/// The `{field}` names a template uses.
fn template_fields(template: &str) -> impl Iterator<Item = &str> {
    template
        .split('{')
        .skip(1)
        .filter_map(|field| field.split_once('}').map(|(name, _)| name))
}

/// A glob set, or `None` for no globs.
fn glob_set(globs: &[String]) -> Result<Option<globset::GlobSet>, String> {
    if globs.is_empty() {
        return Ok(None);
    }
    let mut set = globset::GlobSetBuilder::new();
    for glob in globs {
        set.add(globset::Glob::new(glob).map_err(|e| format!("glob `{glob}`: {e}"))?);
    }
    set.build().map(Some).map_err(|e| format!("globs: {e}"))
}

/// Percent-encode a purl segment (name, namespace, version, qualifier
/// value): characters other than unreserved ones are encoded, except the
/// colon, which the purl spec says is never encoded (a Debian epoch stays
/// `1:1.2.13`).
pub(crate) fn purl_escape(version: &str) -> String {
    version
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'_' | b'~' | b':' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Escape CPE 2.3 formatted-string special characters.
fn cpe_escape(version: &str) -> String {
    version
        .chars()
        .flat_map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '_' | '-' => vec![c],
            other => vec!['\\', other],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_classifier_has_fixtures_that_yield_its_version_and_decoys_that_yield_nothing()
    {
        let (classifiers, files) =
            Classifiers::load(BUILTIN_CLASSIFIERS).expect("built-in data loads");
        assert!(classifiers.len() >= 10);
        // The pipeline finds anchors in the YARA-X evidence pass: it must
        // agree with this set's own Aho-Corasick pass on every text.
        let rules = crate::identify::rules::RuleSet::builtin().expect("rules compile");
        assert!(rules.has_anchors());
        let builtin = Classifiers::builtin().expect("built-in");
        let both = |name: &str, bytes: &[u8]| {
            let reference = classifiers.scan(name, bytes);
            let target = crate::identify::rules::Target {
                path: name,
                name,
                ..Default::default()
            };
            let anchors = rules.scan_all(&target, bytes).expect("scan").anchors;
            let fused = builtin.confirm(name, bytes, &anchors);
            let key = |found: &[Identification]| {
                found
                    .iter()
                    .map(|i| (i.classifier.clone(), i.version.clone(), i.offset))
                    .collect::<Vec<_>>()
            };
            assert_eq!(key(&fused), key(&reference), "{name}: fused pass differs");
            reference
        };
        let mut with_fixture = HashSet::new();
        let mut untested = Vec::new();
        for file in &files {
            for fixture in &file.fixture {
                let name = fixture.file.as_deref().unwrap_or("sample.bin");
                let bytes = fixture.bytes().expect("fixture bytes");
                let found = both(name, &bytes);
                let hit: Vec<_> = found
                    .iter()
                    .filter(|i| i.classifier == fixture.classifier)
                    .collect();
                assert_eq!(
                    hit.len(),
                    1,
                    "fixture for {}: {found:?}",
                    fixture.classifier
                );
                assert_eq!(
                    hit[0].version, fixture.version,
                    "fixture for {}",
                    fixture.classifier
                );
                with_fixture.insert(fixture.classifier.clone());
            }
            assert!(!file.decoy.is_empty(), "a classifier file without decoys");
            // A decoy that holds none of a record's anchors (or whose name
            // its `files` globs leave out) cannot fail for that record:
            // each anchored record has one that can.
            for record in file.classifier.iter().filter(|r| !r.anchors.is_empty()) {
                let compiled = classifiers
                    .compiled
                    .iter()
                    .find(|c| c.record.id == record.id)
                    .expect("compiled");
                let tested = file.decoy.iter().any(|decoy| {
                    let name = decoy.file.as_deref().unwrap_or("sample.bin");
                    let bytes = decoy.bytes().expect("decoy bytes");
                    compiled
                        .globs
                        .as_ref()
                        .is_none_or(|g| Names::from(name).match_any(g))
                        && record
                            .anchors
                            .iter()
                            .any(|a| memchr::memmem::find(&bytes, a.as_bytes()).is_some())
                });
                if !tested {
                    untested.push(record.id.clone());
                }
            }
            for decoy in &file.decoy {
                let found = both(
                    decoy.file.as_deref().unwrap_or("sample.bin"),
                    &decoy.bytes().expect("decoy bytes"),
                );
                let mut matched: Vec<String> = found
                    .iter()
                    .map(|i| format!("{}@{}", i.classifier, i.version))
                    .collect();
                matched.sort();
                matched.dedup();
                let mut holds = decoy.holds.clone();
                holds.sort();
                assert_eq!(matched, holds, "decoy {decoy:?} matched {found:?}");
                for held in &decoy.holds {
                    let id = held.split('@').next().unwrap_or_default();
                    assert!(
                        file.classifier.iter().all(|r| r.id != id),
                        "decoy holds {held}, a record of its own file: a fixture, not a decoy"
                    );
                }
            }
        }
        assert!(
            untested.is_empty(),
            "no decoy meets an anchor of {untested:?}"
        );
        for c in &classifiers.compiled {
            assert!(
                with_fixture.contains(&c.record.id),
                "classifier {} has no fixture",
                c.record.id
            );
        }
    }

    #[test]
    fn a_blob_that_embeds_two_releases_shows_both_and_a_flood_is_capped() {
        let builtin = Classifiers::builtin().expect("built-in");
        let versions = |name: &str, bytes: &[u8]| -> Vec<(String, String, u64)> {
            builtin
                .scan(name, bytes)
                .into_iter()
                .map(|i| (i.classifier, i.version, i.offset))
                .collect()
        };
        // Two statically linked zlibs 5 KB apart, the first repeated.
        let one = b" deflate 1.2.8 Copyright 1995-2013 Jean-loup Gailly and Mark Adler ";
        let two = b" deflate 1.2.11 Copyright 1995-2017 Jean-loup Gailly and Mark Adler ";
        let mut blob = Vec::new();
        blob.extend_from_slice(one);
        blob.resize(5000, 0);
        blob.extend_from_slice(two);
        blob.extend_from_slice(one);
        let found = versions("app", &blob);
        assert_eq!(
            found,
            [
                ("zlib-copyright".into(), "1.2.8".into(), 0),
                ("zlib-copyright".into(), "1.2.11".into(), 5000)
            ]
        );
        // A hostile file full of distinct versions: at most 16 from one record.
        let mut flood = Vec::new();
        for minor in 0..1000 {
            flood.extend_from_slice(
                format!(
                    " deflate 1.{minor}.0 Copyright 1995-2017 Jean-loup Gailly and Mark Adler "
                )
                .as_bytes(),
            );
        }
        assert_eq!(versions("app", &flood).len(), MAX_VERSIONS_PER_FILE);
        // A megabyte of one kernel banner with no line end: the banner's
        // optional tail may read to the end of the run, so later searches
        // are bounded (unbounded, this took 37 s).
        let banners = b"Linux version 5.10.1 (a@b) ".repeat(40_000);
        assert_eq!(
            versions("vmlinux", &banners),
            [("linux-kernel-banner".into(), "5.10.1".into(), 0)]
        );
    }

    #[test]
    fn a_later_match_at_a_window_edge_is_read_whole() {
        let builtin = Classifiers::builtin().expect("built-in");
        let read = |name: &str, bytes: &[u8]| -> Vec<String> {
            builtin
                .scan(name, bytes)
                .into_iter()
                .map(|i| format!("{} {}", i.classifier, i.version))
                .collect()
        };
        // A first match, then a second release placed at every offset
        // around where the later search's window ends: found whole at each.
        let first = b"\0%ssystemd %i%s (252.39-1~deb12u2)\n%s\n\0";
        let second = b"\0%ssystemd %i%s (257.13-1~deb13u1)\n%s\n\0";
        let filler = b"systemd \0".repeat(8);
        for shift in (LATER_WINDOW - 200..LATER_WINDOW + 200).step_by(7) {
            let mut blob = first.to_vec();
            blob.extend_from_slice(&filler);
            blob.resize(shift, b'.');
            blob.extend_from_slice(second);
            assert_eq!(
                read("libsystemd-shared-257.so", &blob),
                ["systemd-version-tag 252.39", "systemd-version-tag 257.13"],
                "second release at {shift}"
            );
        }
        // An Ubuntu banner whose `not` tail lies past a window's end is
        // still no release (only its series).
        let mut blob = b"Linux version 5.10.1 (a@b) #1\n".to_vec();
        blob.extend_from_slice(&b"Linux version \0".repeat(4));
        let ubuntu = b"Linux version 5.15.0-91-generic (buildd@lcy02-amd64-045) (gcc (Ubuntu 11.4.0-1ubuntu1~22.04) 11.4.0, GNU ld (GNU Binutils for Ubuntu) 2.38) #101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023\n";
        for shift in (LATER_WINDOW - 400..LATER_WINDOW).step_by(13) {
            let mut b = blob.clone();
            b.resize(shift, b'.');
            b.extend_from_slice(ubuntu);
            let found = read("vmlinux", &b);
            assert!(
                !found.iter().any(|f| f.ends_with("5.15.0")),
                "Ubuntu ABI read as a release at {shift}: {found:?}"
            );
        }
    }

    #[test]
    fn bad_records_are_errors_with_their_location() {
        let bad = r#"
[[classifier]]
id = "x"
component = "x"
anchors = ["x"]
version = 'x(?P<ver>[0-9]+)'
purl = "pkg:generic/x@{version}"
"#;
        let err = Classifiers::load(&[("x.toml", bad)]).expect_err("no version group");
        assert!(err.to_string().contains("`version` group"), "{err}");
        let err =
            Classifiers::load(&[("y.toml", "[[classifier]]\nid = 1")]).expect_err("not a record");
        assert!(err.to_string().contains("y.toml"), "{err}");
        // Searching every file from its start is allowed only in named files.
        let unbounded = bad.replace("?P<ver>", "?P<version>") + "anywhere = true\n";
        let err = Classifiers::load(&[("z.toml", &unbounded)]).expect_err("anywhere, any file");
        assert!(err.to_string().contains("`files`"), "{err}");
        let bounded = unbounded.replace("anywhere", "files = [\"libx.so*\"]\nanywhere");
        Classifiers::load(&[("z.toml", &bounded)]).expect("anywhere in named files");
        // A kind is a CycloneDX type the SBOM writes, not any word.
        let good = bad.replace("?P<ver>", "?P<version>");
        let sdk = good.replace(
            "component = \"x\"",
            "component = \"x\"\nkind = \"framework\"",
        );
        Classifiers::load(&[("k.toml", &sdk)]).expect("framework is a kind");
        let typo = sdk.replace("framework", "sdk");
        let err = Classifiers::load(&[("k.toml", &typo)]).expect_err("unknown kind");
        assert!(err.to_string().contains("kind must be one of"), "{err}");
    }

    #[test]
    fn a_defines_record_is_a_presence_record_of_two_or_more_symbol_names() {
        let good = r#"
[[classifier]]
id = "x-defined"
component = "x"
presence = true
defines = ["x_open", "x_close", "_x_internal"]
purl = "pkg:generic/x@{version}"
"#;
        let (set, _) = Classifiers::load(&[("x.toml", good)]).expect("loads");
        let library = |exports: &[&str], imports: &[&str]| {
            let strings: Vec<String> = exports.iter().map(|e| e.to_string()).collect();
            let wanted: Vec<String> = imports.iter().map(|e| e.to_string()).collect();
            elf_around(Some("libvendor.so"), Vec::new(), &strings, &wanted, false)
        };
        let found = set.scan(
            "libvendor.so",
            &library(&["x_open", "x_close", "vendor_init"], &[]),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            (found[0].version.as_str(), found[0].purl.as_str()),
            ("", "pkg:generic/x")
        );
        assert!(found[0].series && found[0].cpe.is_none() && !found[0].claims_file);
        // The evidence is the first of the record's names the file defines.
        assert_eq!(found[0].symbol.as_deref(), Some("x_open"));
        // One name defined, the rest imported: a user of the library.
        assert!(
            set.scan("app", &library(&["x_open"], &["x_close", "_x_internal"]))
                .is_empty()
        );
        // The names as text, not symbols: a log, a script, a stripped file.
        assert!(set.scan("log", b"x_open x_close _x_internal\n").is_empty());
        let truncated = library(&["x_open", "x_close"], &[]);
        assert!(
            set.scan("lib", &truncated[..truncated.len() / 2])
                .is_empty()
        );

        for (wrong, message) in [
            (good.replace("x_close", "x_open"), "a name twice"),
            (good.replace("x_close", "_Z7x_closev"), "a mangled name"),
            (good.replace("x_close", "x_cl"), "a short name"),
            (good.replace("presence = true\n", ""), "not presence"),
            (
                good.replace(r#"["x_open", "x_close", "_x_internal"]"#, r#"["x_open"]"#),
                "one name",
            ),
            (good.replace("x_close", "x close"), "not a symbol"),
            (
                good.replace("presence = true", "presence = true\nanchors = [\"x\"]"),
                "anchors",
            ),
            (
                good.replace("presence = true", "presence = true\nversion = 'x'"),
                "a regex",
            ),
        ] {
            assert!(
                Classifiers::load(&[("x.toml", &wrong)]).is_err(),
                "{message}"
            );
        }
        // Without `defines`, a record still needs its regex.
        let no_regex = good.replace(
            r#"defines = ["x_open", "x_close", "_x_internal"]"#,
            r#"anchors = ["x_open"]"#,
        );
        let err = Classifiers::load(&[("x.toml", &no_regex)]).expect_err("no regex");
        assert!(err.to_string().contains("`version` regex"), "{err}");
        // A name record with no regex would match every ELF file's name.
        let no_name_regex = good.replace(
            r#"defines = ["x_open", "x_close", "_x_internal"]"#,
            "filename = true",
        );
        let err = Classifiers::load(&[("x.toml", &no_name_regex)]).expect_err("no regex");
        assert!(err.to_string().contains("`version` regex"), "{err}");
    }

    #[test]
    fn a_component_that_keeps_anothers_text_masks_it_in_its_own_files() {
        let builtin = Classifiers::builtin().expect("built-in");
        let settled = |name: &str, bytes: &[u8], needed: &[&str]| {
            let mut found = builtin.scan(name, bytes);
            let needed: Vec<String> = needed.iter().map(|n| n.to_string()).collect();
            builtin.settle(&mut found, &needed);
            let mut pairs: Vec<(String, String)> = found
                .into_iter()
                .map(|i| (i.component, i.version))
                .collect();
            pairs.sort();
            pairs
        };
        let pair = |c: &str, v: &str| (c.to_string(), v.to_string());
        let zlib_copyright =
            b"\x00 deflate 1.3.1 Copyright 1995-2024 Jean-loup Gailly and Mark Adler \x00";
        assert_eq!(
            settled("libz.so.1", zlib_copyright, &[]),
            [pair("zlib", "1.3.1")]
        );
        // zlib-ng keeps zlib's line beside its own version string.
        let mut zlib_ng = zlib_copyright.to_vec();
        zlib_ng.extend(b"\x00\x00 zlib-ng 2.3.3\x00");
        assert_eq!(
            settled("libz-ng.so.2", &zlib_ng, &[]),
            [pair("zlib-ng", "2.3.3")]
        );
        // A program linked against zlib-ng's compatible libz.so.1 quotes
        // its ZLIB_VERSION: no copy of zlib-ng (the quote is dropped before
        // any masking).
        let program = b"\x001.3.1.zlib-ng\x00";
        assert_eq!(settled("rsync", program, &["libz.so.1", "libc.so.6"]), []);
        // zlib's build path is evidence of zlib itself: not masked.
        let mut both = zlib_ng.clone();
        both.extend(b"/build/zlib-1.3.1/inflate.c\x00");
        assert_eq!(
            settled("app", &both, &[]),
            [pair("zlib", "1.3.1"), pair("zlib-ng", "2.3.3")]
        );
        // Masks name other components' records.
        let masking = |masks: &str| {
            format!(
                r#"
[[classifier]]
id = "x"
component = "x"
masks = [{masks}]
anchors = ["x"]
version = 'x(?P<version>[0-9]+)'
purl = "pkg:generic/x@{{version}}"

[[classifier]]
id = "y"
component = "y"
anchors = ["y"]
version = 'y(?P<version>[0-9]+)'
purl = "pkg:generic/y@{{version}}"
"#
            )
        };
        Classifiers::load(&[("x.toml", &masking(r#""y""#))]).expect("masks y");
        for wrong in [r#""x""#, r#""z""#, r#""""#] {
            let err = Classifiers::load(&[("x.toml", &masking(wrong))]).expect_err(wrong);
            assert!(err.to_string().contains("`masks`"), "{err}");
        }
    }

    #[test]
    fn a_source_tree_is_a_record_like_another_of_its_file() {
        let file = r#"
[[classifier]]
id = "x-text"
component = "x"
supplier = "X"
claims = ["libx.so*"]
anchors = ["x "]
version = 'x (?P<version>[0-9.]+)'
purl = "pkg:generic/x@{version}"

[[source_tree]]
id = "x-source-path"
like = "x-text"
dirs = ["x", "libx"]
"#;
        let (set, _) = Classifiers::load(&[("x.toml", file)]).expect("loads");
        let path =
            b"\0/opt/sdk/libx-2.3.4/src/x.c\0/vcpkg/buildtrees/x/src/v2.3.5-0123456789.clean/x.c\0\
            /usr/src/debug/x/2.3.6/src/x.c\0/usr/src/debug/x/2.3.7+gitAUTOINC+0abc-r0/src/x.c\0";
        let found: Vec<_> = set
            .scan("libx.so.2", path)
            .into_iter()
            .map(|i| (i.classifier, i.version, i.supplier, i.claims_file))
            .collect();
        let from = |v: &str| {
            (
                "x-source-path".to_string(),
                v.to_string(),
                Some("X".to_string()),
                true,
            )
        };
        // Yocto with no package revision; a git snapshot names no release.
        assert_eq!(found, [from("2.3.4"), from("2.3.5"), from("2.3.6")]);
        // A release pattern of its own: python-x's tree `x-9.1.0` is not x.
        let own = file.replace("dirs = [", "release = '2\\.[0-9]+\\.[0-9]+'\ndirs = [");
        let (set, _) = Classifiers::load(&[("x.toml", &own)]).expect("loads");
        let found = set.scan("libx.so.2", b"\0/b/x-9.1.0/x.c\0/b/x-2.0.1/x.c\0");
        let versions: Vec<_> = found.iter().map(|i| i.version.as_str()).collect();
        assert_eq!(versions, ["2.0.1"]);
        // `like` claims no file: the tree must name the files itself.
        let unclaimed = file.replace("claims = [\"libx.so*\"]\n", "");
        let err = Classifiers::load(&[("x.toml", &unclaimed)]).expect_err("no claims");
        assert!(err.to_string().contains("`claims`"), "{err}");
        let claimed = unclaimed.replace("dirs = [", "claims = [\"libx.so*\"]\ndirs = [");
        let (set, _) = Classifiers::load(&[("x.toml", &claimed)]).expect("loads");
        assert!(set.scan("libx.so.2", b"\0/b/x-2.0.1/x.c\0")[0].claims_file);
        for (wrong, message) in [
            (file.replace("like = \"x-text\"", "like = \"y\""), "`like`"),
            (file.replace("[\"x\", \"libx\"]", "[\"x/..\"]"), "`dirs`"),
            (file.replace("[\"x\", \"libx\"]", "[]"), "`dirs`"),
        ] {
            let err = Classifiers::load(&[("x.toml", &wrong)]).expect_err(message);
            assert!(err.to_string().contains(message), "{err}");
        }
    }

    #[test]
    fn a_distribution_kernel_banner_gives_its_release_or_only_its_series() {
        let builtin = Classifiers::builtin().expect("built-in");
        let read = |banner: &str| -> Vec<(String, String, bool)> {
            builtin
                .scan("vmlinux", banner.as_bytes())
                .into_iter()
                .map(|i| (i.classifier, i.version, i.series))
                .collect()
        };
        assert_eq!(
            read(
                "Linux version 6.1.0-50-arm64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) # SMP Debian 6.1.176-1 (2026-07-02)\n"
            ),
            [("linux-kernel-banner".into(), "6.1.176".into(), false)]
        );
        // Ubuntu's ABI is not a release: only the series is read.
        assert_eq!(
            read(
                "Linux version 5.15.0-91-generic (buildd@lcy02-amd64-045) (gcc (Ubuntu 11.4.0-1ubuntu1~22.04) 11.4.0, GNU ld (GNU Binutils for Ubuntu) 2.38) #101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023\n"
            ),
            [("linux-kernel-ubuntu-series".into(), "5.15".into(), true)]
        );
    }

    #[test]
    fn template_fields_come_from_named_groups() {
        let builtin = Classifiers::builtin().expect("built-in");
        let found = builtin.scan("sshd", b"\0SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\0");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].version, "9.2p1");
        assert_eq!(
            found[0].cpe.as_deref(),
            Some("cpe:2.3:a:openbsd:openssh:9.2:p1:*:*:*:*:*:*")
        );
        // sudo's patch level is NVD's update field; without one, "-".
        for (bytes, cpe) in [
            (
                &b"\0sudoers 1.9.13p3\0"[..],
                "cpe:2.3:a:sudo_project:sudo:1.9.13:p3:*:*:*:*:*:*",
            ),
            (
                &b"\0sudoers 1.9.15\0"[..],
                "cpe:2.3:a:sudo_project:sudo:1.9.15:-:*:*:*:*:*:*",
            ),
        ] {
            let found = builtin.scan("sudoers.so", bytes);
            assert_eq!(found.len(), 1, "{found:?}");
            assert_eq!(found[0].cpe.as_deref(), Some(cpe));
        }
        let bad = r#"
[[classifier]]
id = "x"
component = "x"
anchors = ["x"]
version = 'x(?P<version>[0-9]+)'
purl = "pkg:generic/x@{version}"
cpe = "cpe:2.3:a:x:x:{version}:{update}:*:*:*:*:*:*"
"#;
        let err = Classifiers::load(&[("x.toml", bad)]).expect_err("unknown field");
        assert!(err.to_string().contains("`{update}`"), "{err}");
    }

    #[test]
    fn a_program_linked_to_the_library_only_quotes_its_headers() {
        let builtin = Classifiers::builtin().expect("built-in");
        // wpa_supplicant (Debian 2:2.10-12) prints the OpenSSL it was built
        // against; the library itself is libcrypto.so.3.
        let text = b"OpenSSL: Configured certificate chain\0\0\0OpenSSL 3.0.16 11 Feb 2025\0\0OpenSSL build=%s run=%s\0";
        let found = builtin.scan("wpa_supplicant", text);
        assert_eq!(found.len(), 1, "{found:?}");
        let mut linked = found.clone();
        builtin.drop_header_quotes(&mut linked, &["libssl.so.3".into(), "libc.so.6".into()]);
        assert!(linked.is_empty(), "{linked:?}");
        // Statically linked: the copy is real.
        let mut static_copy = found.clone();
        builtin.drop_header_quotes(&mut static_copy, &["libc.so.6".into()]);
        assert_eq!(static_copy, found);
        // The library itself is never dropped.
        let mut library = builtin.scan("libcrypto.so.3", text);
        builtin.drop_header_quotes(&mut library, &["libc.so.6".into(), "libcrypto.so.3".into()]);
        assert_eq!(library.len(), 1);
    }

    #[test]
    fn a_releases_table_names_only_the_releases_it_lists() {
        let record = r#"
[[classifier]]
id = "ogg-name"
component = "libogg"
filename = true
version = '^libogg\.so\.(?P<version>0\.[0-9]+\.[0-9]+)$'
releases = { "0.8.5" = "1.3.5", "0.8.4" = "1.3.4" }
purl = "pkg:generic/libogg@{version}"
cpe = "cpe:2.3:a:xiph:libogg:{version}:*:*:*:*:*:*:*"
"#;
        let (set, _) = Classifiers::load(&[("ogg.toml", record)]).expect("loads");
        let elf = b"\x7fELF\x01\x01\x01\0";
        let found = set.scan("libogg.so.0.8.5", elf);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].version, "1.3.5");
        assert_eq!(found[0].purl, "pkg:generic/libogg@1.3.5");
        assert_eq!(
            found[0].cpe.as_deref(),
            Some("cpe:2.3:a:xiph:libogg:1.3.5:*:*:*:*:*:*:*")
        );
        // A name the table does not list is no claim at all.
        assert!(set.scan("libogg.so.0.8.9", elf).is_empty());
    }

    #[test]
    fn a_wheel_grafted_library_is_read_by_its_name_before_grafting() {
        assert_eq!(
            ungrafted("libzstd-40ad5e7e.so.1.5.7").as_deref(),
            Some("libzstd.so.1.5.7")
        );
        assert_eq!(
            ungrafted("libgfortran-040039e1-0352e75f.so.5.0.0").as_deref(),
            Some("libgfortran.so.5.0.0")
        );
        assert_eq!(
            ungrafted("libsfparse-e1f35c00.so").as_deref(),
            Some("libsfparse.so")
        );
        assert_eq!(
            ungrafted("libusb-1-3d1b9e7f.0.so.0").as_deref(),
            Some("libusb-1.0.so.0")
        );
        // Not a graft: no hash, a hash-like word that is not 8 hex digits,
        // not a shared library, nothing before the hash.
        for name in [
            "libzstd.so.1.5.7",
            "libfoo-1234567.so.1",
            "libfoo-deadbeeg.so",
            "notes-deadbeef.txt",
            "-deadbeef.so",
        ] {
            assert_eq!(ungrafted(name), None, "{name}");
        }
        // The identifiers that read a library's own constants claim the
        // grafted file as well as the original.
        assert!(library_named("libusb-1-3d1b9e7f.0.so.0", "libusb-1.0.so"));
        assert!(library_named("libusb-1.0.so.0", "libusb-1.0.so"));
        assert!(!library_named("libusbmuxd-3d1b9e7f.so.6", "libusb-1.0.so"));
        assert!(!library_named("libusb-1-3d1b9e7.0.so.0", "libusb-1.0.so"));
        let builtin = Classifiers::builtin().expect("built-in");
        let found = builtin.scan("libzstd-40ad5e7e.so.1.5.7", b"\x7fELF\x02\x01\x01\0");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].version, "1.5.7");
    }

    #[test]
    fn a_library_installed_under_another_name_is_read_by_its_soname() {
        let builtin = Classifiers::builtin().expect("built-in");
        let elf = b"\x7fELF\x02\x01\x01\0";
        let named = |file: &'static str, soname: Option<&'static str>| {
            builtin
                .scan(Names { file, soname }, elf)
                .into_iter()
                .map(|i| (i.classifier, i.version, i.claims_file))
                .collect::<Vec<_>>()
        };
        let tflite = vec![(
            "tensorflow-lite-library-name".to_string(),
            "2.14.1".to_string(),
            true,
        )];
        // Renamed on install: the SONAME still names the release.
        assert_eq!(
            named(
                "libtensorflow-lite.so",
                Some("libtensorflow-lite.so.2.14.1")
            ),
            tflite
        );
        // Found once when both names agree; nothing from a bare name.
        assert_eq!(
            named(
                "libtensorflow-lite.so.2.14.1",
                Some("libtensorflow-lite.so.2.14.1")
            ),
            tflite
        );
        assert!(named("libtensorflow-lite.so", Some("libtensorflow-lite.so")).is_empty());
        assert!(named("libtensorflow-lite.so", None).is_empty());
    }

    #[test]
    fn a_version_format_writes_the_release_from_several_groups() {
        let record = r#"
[[classifier]]
id = "parts"
component = "x"
anchors = ["build "]
version = 'build (?P<build>[0-9]+) rev (?P<rev>[0-9]+)'
version_format = "0.{build}.{rev}"
purl = "pkg:generic/x@{version}"
"#;
        let (set, _) = Classifiers::load(&[("x.toml", record)]).expect("loads");
        let found = set.scan("x", b"build 164 rev 3095");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].version, "0.164.3095");
        assert_eq!(found[0].purl, "pkg:generic/x@0.164.3095");
        let unknown = record.replace("{rev}\"", "{revision}\"");
        let err = Classifiers::load(&[("x.toml", &unknown)]).expect_err("unknown field");
        assert!(err.to_string().contains("`{revision}`"), "{err}");
    }

    #[test]
    fn qualifier_values_read_from_the_bytes_are_lower_case() {
        let record = r#"
[[classifier]]
id = "sdk"
component = "sdk"
anchors = ["_SDK_V"]
version = '(?P<chip>[A-Za-z0-9]+)_SDK_V(?P<version>[0-9.]+)\x00'
purl = "pkg:generic/vendor/sdk@{version}?chip={chip}"
"#;
        let (set, _) = Classifiers::load(&[("x.toml", record)]).expect("loads");
        for spelling in ["Hi3516CV610", "HI3516CV610"] {
            let found = set.scan("x", format!("\0{spelling}_SDK_V1.0.2.0\0").as_bytes());
            assert_eq!(found.len(), 1, "{found:?}");
            assert_eq!(
                found[0].purl,
                "pkg:generic/vendor/sdk@1.0.2.0?chip=hi3516cv610"
            );
        }
    }

    #[test]
    fn escapes_follow_the_purl_and_cpe_specs() {
        assert_eq!(purl_escape("1.0+git"), "1.0%2Bgit");
        assert_eq!(cpe_escape("1.0+git:2"), "1.0\\+git\\:2");
    }
}
