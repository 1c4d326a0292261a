//! A Go program's build information: the Go linker writes the toolchain
//! release and, for a module build, every module the program was built
//! from into the program itself (Go's `debug/buildinfo`,
//! `runtime/debug.BuildInfo`). It is what the packager wrote down, kept by
//! the linker, so it survives stripping (`-ldflags=-s -w`).
//!
//! Layout: a 32-byte header, searched at 16-byte steps from the start of
//! the `.go.buildinfo` section (or, when the section table is gone or
//! damaged, of the first writable data segment): the magic `\xff Go buildinf:`, the pointer size
//! (byte 14) and flags (byte 15). Since Go 1.18 (flag bit 2) the version
//! (`go1.23.5`) and the module text follow the header as two
//! varint-length-prefixed strings; before, two pointers at 16 lead to Go
//! string headers (address, length) in the data segment, and byte 15 is
//! the byte order. The module text sits between two 16-byte sentinels
//! and holds tab-separated lines: `path` (the main package), `mod` (the
//! main module), `dep` (each dependency), `=>` (a replacement of the line
//! before), `build` (flags). Checked on esbuild's release binaries (npm
//! `@esbuild/linux-arm64` 0.25.0, Go 1.23.5; `esbuild-linux-arm64`,
//! `-32` and `-mips64le` 0.13.15, the pointer layout).

use goblin::elf::program_header::{PF_W, PF_X, PT_LOAD};
use goblin::elf::{Elf, ProgramHeader};

use crate::identify::classifier::purl_escape;
use crate::identify::elf::NoSectionTable;
use crate::model::{Identification, Technique};

/// The classifier id of every component the build information lists.
pub const CLASSIFIER: &str = "go-buildinfo";

pub(crate) const MAGIC: &[u8; 14] = b"\xff Go buildinf:";
pub(crate) const HEADER: usize = 32;
const ALIGN: usize = 16;
/// Flag bit: version and module text follow the header (Go 1.18+).
pub(crate) const FLAG_INLINE: u8 = 2;
/// Bytes of the data segment searched for the header when the section
/// table cannot be read (Go's own reader reads 64 KiB).
const SEARCH: usize = 64 * 1024;
/// Longest version or module text read (a big program lists a few
/// hundred modules in tens of KiB).
const MAX_TEXT: usize = 4 << 20;
/// Most modules listed from one program.
const MAX_MODULES: usize = 10_000;
/// The sentinels around the module text (cmd/go `modload.infoStart`,
/// `infoEnd`).
pub(crate) const INFO_START: [u8; 16] = [
    0x30, 0x77, 0xaf, 0x0c, 0x92, 0x74, 0x08, 0x02, 0x41, 0xe1, 0xc1, 0x07, 0xe6, 0xd6, 0x18, 0xe6,
];
pub(crate) const INFO_END: [u8; 16] = [
    0xf9, 0x32, 0x43, 0x31, 0x86, 0x18, 0x20, 0x72, 0x00, 0x82, 0x42, 0x10, 0x41, 0x16, 0xd8, 0xf2,
];

/// The components a Go program's build information lists: the Go
/// standard library it was built with (`pkg:golang/stdlib@1.23.5`), its
/// main module (the program: version unknown when built from a checkout,
/// `(devel)`) and every dependency module at the version it was built
/// with (a replacement's, where one is given).
pub fn identify(bytes: &[u8]) -> Vec<Identification> {
    let Some((at, info)) = read(bytes) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(version) = go_release(&info.go) {
        // The standard library is compiled into every Go program: the
        // toolchain's release is its release (Syft's and OSV's `stdlib`).
        out.push(Identification {
            component: "go".into(),
            purl: format!("pkg:golang/stdlib@{}", purl_escape(version)),
            cpe: Some(format!("cpe:2.3:a:golang:go:{version}:*:*:*:*:*:*:*")),
            supplier: Some("The Go Authors".into()),
            license: Some("BSD-3-Clause".into()),
            ..module_identification(at, "go", version, false)
        });
    }
    let settings = build_settings(&info.modules);
    out.extend(modules(&info.modules).into_iter().map(|m| {
        let mut id = module_identification(at, &m.path, &m.version, m.main);
        if m.main {
            id.properties.clone_from(&settings);
        }
        id
    }));
    out
}

/// Whether a build setting is one firmsight records: the target (`GOOS`,
/// `GOARCH` and its level, `GOAMD64=v1`, `GOARM=7`), cgo on or off, the
/// build mode, compiler, `-trimpath`, `-tags`, the race and sanitiser
/// switches, `DefaultGODEBUG`, and the checkout (`vcs`, `vcs.revision`,
/// `vcs.time`, `vcs.modified`).
fn kept_setting(key: &str) -> bool {
    let target = key.len() <= 16
        && key.starts_with("GO")
        && key
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    target
        || matches!(
            key,
            "CGO_ENABLED"
                | "-buildmode"
                | "-compiler"
                | "-trimpath"
                | "-tags"
                | "-race"
                | "-msan"
                | "-asan"
                | "DefaultGODEBUG"
                | "vcs"
                | "vcs.revision"
                | "vcs.time"
                | "vcs.modified"
        )
}

/// Most build settings kept from one program (Go writes about a dozen).
const MAX_SETTINGS: usize = 32;

/// Longest build setting value kept (`DefaultGODEBUG` runs to a few
/// hundred bytes).
const MAX_SETTING_VALUE: usize = 512;

/// The program's build settings (`build` lines: `-buildmode=exe`,
/// `CGO_ENABLED=0`, `GOARCH=arm64`, and from a checkout `vcs.revision`,
/// `vcs.time`, `vcs.modified`, which name the commit a `(devel)` program
/// was built from) as `firmsight:go:build:<key>` properties, values as
/// written (Go quotes one holding spaces). Only the settings that say how
/// and from what the program was built are kept: flags a vendor passes to
/// the linker, compiler or C compiler (`-ldflags`, `-gcflags`,
/// `-asmflags`, `CGO_CFLAGS` …) may hold keys, passwords and build-host
/// paths, and the SBOM is shared. Overlong values are left out too.
fn build_settings(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| line.strip_prefix("build\t")?.split_once('='))
        .filter(|(key, value)| {
            kept_setting(key)
                && value.len() <= MAX_SETTING_VALUE
                && !value.chars().any(char::is_control)
        })
        .take(MAX_SETTINGS)
        .map(|(key, value)| (format!("firmsight:go:build:{key}"), value.to_string()))
        .collect()
}

/// What the header leads to: the Go release string and the module text
/// (sentinels stripped; empty for a program built outside a module).
struct BuildInfo {
    go: String,
    modules: String,
}

/// The header's offset in the file and what it leads to.
fn read(bytes: &[u8]) -> Option<(usize, BuildInfo)> {
    let header = Elf::parse_header(bytes).ok()?;
    let ctx = crate::identify::elf::header_ctx(&header)?;
    let segments = ProgramHeader::parse(bytes, header.e_phoff as usize, header.e_phnum.into(), ctx)
        .unwrap_or_default();
    // A program with a section table keeps the header in its own section
    // (since Go 1.13), and one whose table lacks it is not a Go program;
    // one stripped of its table (sstrip) or with a damaged one keeps it at
    // the start of its data segment.
    let (start, len) = match crate::identify::elf::section_range(bytes, b".go.buildinfo") {
        Ok(section) => section?,
        Err(NoSectionTable) => data_segment(&segments)?,
    };
    let at = find_header(bytes, start, len)?;
    let head = bytes.get(at..at.checked_add(HEADER)?)?;
    let (ptr_size, flags) = (usize::from(head[14]), head[15]);
    let (go, modules) = if flags & FLAG_INLINE != 0 {
        let mut rest = bytes.get(at + HEADER..)?;
        let go = varint_string(&mut rest)?;
        let modules = varint_string(&mut rest).unwrap_or_default();
        (go, modules)
    } else {
        if ptr_size != 4 && ptr_size != 8 {
            return None;
        }
        let memory = Memory {
            bytes,
            segments: &segments,
            ptr_size,
            big_endian: flags != 0,
        };
        let go = memory.go_string(memory.pointer(at.checked_add(16)?)?)?;
        let modules = memory
            .pointer(at.checked_add(16 + ptr_size)?)
            .and_then(|addr| memory.go_string(addr))
            .unwrap_or_default();
        (go, modules)
    };
    let modules = framed(modules).unwrap_or_default();
    Some((
        at,
        BuildInfo {
            go: String::from_utf8_lossy(go).into_owned(),
            modules: String::from_utf8_lossy(modules).into_owned(),
        },
    ))
}

/// The file range of the first writable, non-executable loaded segment,
/// where the linker puts the header first.
fn data_segment(segments: &[ProgramHeader]) -> Option<(usize, usize)> {
    segments
        .iter()
        .find(|p| p.p_type == PT_LOAD && p.p_flags & (PF_X | PF_W) == PF_W)
        .map(|p| (p.p_offset as usize, (p.p_filesz as usize).min(SEARCH)))
}

/// The first header at a 16-byte step from `start` within `len` bytes.
fn find_header(bytes: &[u8], start: usize, len: usize) -> Option<usize> {
    let end = start.checked_add(len)?.min(bytes.len());
    let area = bytes.get(start..end)?;
    let mut from = 0;
    while let Some(i) = memchr::memmem::find(area.get(from..)?, MAGIC) {
        let i = from + i;
        if i % ALIGN == 0 && area.len() - i >= HEADER {
            return Some(start + i);
        }
        from = (i + 1).next_multiple_of(ALIGN);
    }
    None
}

/// A Go string written as its varint length and its bytes.
fn varint_string<'a>(rest: &mut &'a [u8]) -> Option<&'a [u8]> {
    let mut len = 0u64;
    for shift in 0..10 {
        let (&byte, tail) = rest.split_first()?;
        *rest = tail;
        len |= u64::from(byte & 0x7f) << (7 * shift);
        if byte & 0x80 == 0 {
            let len = usize::try_from(len).ok().filter(|&l| l <= MAX_TEXT)?;
            let (text, tail) = (rest.get(..len)?, rest.get(len..)?);
            *rest = tail;
            return Some(text);
        }
    }
    None
}

/// The module text inside its sentinels (Go's own test: 33 bytes or more,
/// a newline before the end sentinel).
fn framed(text: &[u8]) -> Option<&[u8]> {
    let n = text.len();
    (n >= 33 && text[n - 17] == b'\n' && text.starts_with(&INFO_START) && text.ends_with(&INFO_END))
        .then(|| &text[16..n - 16])
}

/// A program's memory as its loaded segments map it (the pointer layout).
struct Memory<'a> {
    bytes: &'a [u8],
    segments: &'a [ProgramHeader],
    ptr_size: usize,
    big_endian: bool,
}

impl<'a> Memory<'a> {
    /// The pointer stored at file offset `at`.
    fn pointer(&self, at: usize) -> Option<u64> {
        let raw = self.bytes.get(at..at.checked_add(self.ptr_size)?)?;
        let mut value = 0u64;
        for i in 0..self.ptr_size {
            let byte = if self.big_endian {
                raw[i]
            } else {
                raw[self.ptr_size - 1 - i]
            };
            value = (value << 8) | u64::from(byte);
        }
        Some(value)
    }

    /// The file offset of virtual address `addr`, `len` bytes of it in
    /// one segment's file image.
    fn offset(&self, addr: u64, len: u64) -> Option<usize> {
        self.segments.iter().find_map(|p| {
            let inside = p.p_type == PT_LOAD
                && addr >= p.p_vaddr
                && addr.checked_add(len)? <= p.p_vaddr.checked_add(p.p_filesz)?;
            if !inside {
                return None;
            }
            usize::try_from(p.p_offset.checked_add(addr - p.p_vaddr)?).ok()
        })
    }

    /// The Go string whose header (address, length) lies at `addr`.
    fn go_string(&self, addr: u64) -> Option<&'a [u8]> {
        let header = self.offset(addr, 2 * self.ptr_size as u64)?;
        let data = self.pointer(header)?;
        let len = self.pointer(header.checked_add(self.ptr_size)?)?;
        if len > MAX_TEXT as u64 {
            return None;
        }
        let at = self.offset(data, len)?;
        self.bytes.get(at..at.checked_add(len as usize)?)
    }
}

/// `1.23.5` from `go1.23.5` (also `go1.21.0 X:loopvar`, `go1.22rc1`); a
/// development toolchain (`devel go1.22-…`) names no release.
fn go_release(text: &str) -> Option<&str> {
    let version = text.split_whitespace().next()?.strip_prefix("go")?;
    let numbers = version.split(['r', 'b']).next().filter(|n| !n.is_empty())?;
    let ok = numbers.split('.').all(|part| {
        !part.is_empty() && part.len() <= 4 && part.bytes().all(|b| b.is_ascii_digit())
    }) && version.len() <= 24
        && version
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.');
    ok.then_some(version)
}

/// One module the text lists.
#[derive(Debug, PartialEq)]
struct Module {
    path: String,
    /// Empty when unknown (a main module built from a checkout, a module
    /// replaced by a local directory).
    version: String,
    main: bool,
}

/// The main module and the dependencies, replacements applied. A `=>`
/// line replaces the module on the line just before it (as Go's
/// `ParseBuildInfo` reads it); a replacement firmsight cannot read leaves
/// that module with no version rather than one that was not built.
fn modules(text: &str) -> Vec<Module> {
    let mut out: Vec<Module> = Vec::new();
    // The module a `=>` on the next line replaces.
    let mut last: Option<usize> = None;
    for line in text.lines() {
        let mut fields = line.split('\t');
        let kind = fields.next().unwrap_or_default();
        let path = fields.next().unwrap_or_default();
        let version = fields.next().unwrap_or_default();
        let version = if version == "(devel)" { "" } else { version };
        let readable = !path.is_empty() && valid_path(path) && valid_version(version);
        match kind {
            "mod" | "dep" => {
                last = None;
                if readable && out.len() < MAX_MODULES {
                    last = Some(out.len());
                    out.push(Module {
                        path: path.to_string(),
                        version: version.to_string(),
                        main: kind == "mod",
                    });
                }
            }
            // A module path and version, or a local directory (none).
            "=>" => {
                if let Some(module) = last.take().and_then(|i| out.get_mut(i)) {
                    if readable && !version.is_empty() {
                        module.path = path.to_string();
                    }
                    module.version = if readable { version } else { "" }.to_string();
                }
            }
            _ => last = None,
        }
    }
    out
}

/// A module path as Go allows it (letters, digits, `-._~/`, and `+` in
/// older paths), or a local replacement directory.
fn valid_path(path: &str) -> bool {
    path.len() <= 512
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~/+".contains(&b))
}

/// A module version (`v1.2.3`, `v0.0.0-20220715151400-c0bba94af5f8`,
/// `v2.0.0+incompatible`) or none.
fn valid_version(version: &str) -> bool {
    version.is_empty()
        || (version.len() <= 128
            && version.starts_with('v')
            && version
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-.+".contains(&b)))
}

/// A module as a component: `pkg:golang/<path>@<version>`, lower-cased as
/// the purl spec's golang type asks; the main module is the program
/// itself. With no version it is listed by presence, like a component
/// whose bytes keep none.
fn module_identification(at: usize, path: &str, version: &str, main: bool) -> Identification {
    let lowered = path.to_ascii_lowercase();
    let name = lowered
        .split('/')
        .map(purl_escape)
        .collect::<Vec<_>>()
        .join("/");
    Identification {
        component: path.to_string(),
        version: version.to_string(),
        kind: if main { "application" } else { "library" }.into(),
        classifier: CLASSIFIER.into(),
        offset: at as u64,
        purl: if version.is_empty() {
            format!("pkg:golang/{name}")
        } else {
            format!("pkg:golang/{name}@{}", purl_escape(version))
        },
        cpe: None,
        supplier: None,
        license: None,
        claims_file: main,
        technique: Technique::ManifestAnalysis,
        series: version.is_empty(),
        symbol: None,
        properties: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ElfClass, Endian};
    use crate::samples::{ElfSpec, machine};

    /// The module text as the go command frames it.
    fn framed_text(lines: &str) -> Vec<u8> {
        let mut text = INFO_START.to_vec();
        text.extend(lines.as_bytes());
        text.extend(INFO_END);
        text
    }

    use crate::samples::go_buildinfo as inline;

    const ESBUILD: &str = "path\tgithub.com/evanw/esbuild/cmd/esbuild\n\
        mod\tgithub.com/evanw/esbuild\t(devel)\t\n\
        dep\tgolang.org/x/sys\tv0.0.0-20220715151400-c0bba94af5f8\th1:0A+M6Uqn+Eje4kHMK80dtF3JCXC4ykBgQG4Fe06QRhQ=\n\
        build\t-buildmode=exe\nbuild\tCGO_ENABLED=0\nbuild\tGOARCH=arm64\n";

    fn found(bytes: &[u8]) -> Vec<(String, String, String, bool)> {
        identify(bytes)
            .into_iter()
            .map(|i| (i.component, i.version, i.purl, i.claims_file))
            .collect()
    }

    fn program(buildinfo: &[u8]) -> Vec<u8> {
        ElfSpec::executable(ElfClass::Elf64, Endian::Little, machine::AARCH64)
            .with_rodata(b"runtime.main\0")
            .with_section(".go.buildinfo", buildinfo)
            .build()
    }

    #[test]
    fn the_programs_build_settings_are_properties_of_its_main_module() {
        // A program built from a checkout: the commit it was built from.
        let lines = format!(
            "{ESBUILD}build\t-ldflags=\"-X main.apiKey=s3cret\"\nbuild\t-gcflags=\"all=-N -l\"\n\
             build\tCGO_CFLAGS=-DTOKEN=s3cret\nbuild\t-tags=netgo,osusergo\nbuild\tvcs=git\n\
             build\tvcs.revision=1c2b0f7f5f1e5a3bd07b0e2f8a1c3f0c9d7e6b5a\n\
             build\tvcs.time=2022-03-08T21:12:27Z\nbuild\tvcs.modified=false\n\
             build\tbad key=1\nbuild\tnoequals\nbuild\tGOAMD64=v1\x07\n"
        );
        let found = identify(&program(&inline("go1.23.5", &lines)));
        let main = found.iter().find(|i| i.claims_file).expect("main module");
        let settings: Vec<(&str, &str)> = main
            .properties
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            settings,
            [
                ("firmsight:go:build:-buildmode", "exe"),
                ("firmsight:go:build:CGO_ENABLED", "0"),
                ("firmsight:go:build:GOARCH", "arm64"),
                ("firmsight:go:build:-tags", "netgo,osusergo"),
                ("firmsight:go:build:vcs", "git"),
                (
                    "firmsight:go:build:vcs.revision",
                    "1c2b0f7f5f1e5a3bd07b0e2f8a1c3f0c9d7e6b5a"
                ),
                ("firmsight:go:build:vcs.time", "2022-03-08T21:12:27Z"),
                ("firmsight:go:build:vcs.modified", "false"),
            ]
        );
        // Only the program states them, not the modules it links.
        assert!(
            found
                .iter()
                .filter(|i| !i.claims_file)
                .all(|i| i.properties.is_empty())
        );
        // A flood of settings is cut.
        let flood: String = (0..1000).map(|i| format!("build\tGOK{i}=v\n")).collect();
        let found = identify(&program(&inline("go1.23.5", &format!("{ESBUILD}{flood}"))));
        let main = found.iter().find(|i| i.claims_file).expect("main module");
        assert_eq!(main.properties.len(), MAX_SETTINGS);
    }

    #[test]
    fn a_module_builds_information_lists_stdlib_the_program_and_its_modules() {
        // The layout of esbuild 0.25.0's release binary (Go 1.23.5).
        let found = found(&program(&inline("go1.23.5", ESBUILD)));
        assert_eq!(
            found,
            [
                (
                    "go".into(),
                    "1.23.5".into(),
                    "pkg:golang/stdlib@1.23.5".into(),
                    false
                ),
                (
                    "github.com/evanw/esbuild".into(),
                    String::new(),
                    "pkg:golang/github.com/evanw/esbuild".into(),
                    true
                ),
                (
                    "golang.org/x/sys".into(),
                    "v0.0.0-20220715151400-c0bba94af5f8".into(),
                    "pkg:golang/golang.org/x/sys@v0.0.0-20220715151400-c0bba94af5f8".into(),
                    false
                ),
            ]
        );
        let all = identify(&program(&inline("go1.23.5", ESBUILD)));
        assert_eq!(
            all[0].cpe.as_deref(),
            Some("cpe:2.3:a:golang:go:1.23.5:*:*:*:*:*:*:*")
        );
        assert!(all[1].series && all[1].kind == "application");
        assert!(
            all.iter()
                .all(|i| i.technique == Technique::ManifestAnalysis)
        );
    }

    #[test]
    fn replacements_versions_and_purl_case_follow_the_go_command_and_the_purl_spec() {
        let lines = "path\texample.com/cam/cmd/agent\n\
            mod\texample.com/cam\tv1.4.0\th1:x=\n\
            dep\tgithub.com/BurntSushi/toml\tv1.3.2\th1:y=\n\
            dep\tgithub.com/pion/webrtc/v3\tv3.2.40\th1:z=\n\
            =>\tgithub.com/vendor/webrtc/v3\tv3.2.40-patched.1\th1:w=\n\
            dep\tgithub.com/vendor/onvif\tv0.1.0\th1:v=\n\
            =>\t../onvif\t\t\n\
            dep\tgopkg.in/yaml.v2\tv2.4.0+incompatible\t\n\
            dep\tbad path\tv1.0.0\t\n\
            =>\texample.com/elsewhere\tv9.9.9\t\n\
            dep\texample.com/notaversion\t1.0\t\n\
            dep\texample.com/vendored\tv1.1.0\th1:u=\n\
            =>\tC:\\src\\vendored\t\t\n";
        let found = found(&program(&inline("go1.21.0 X:loopvar", lines)));
        let pairs: Vec<(&str, &str, &str)> = found
            .iter()
            .map(|(c, v, p, _)| (c.as_str(), v.as_str(), p.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("go", "1.21.0", "pkg:golang/stdlib@1.21.0"),
                (
                    "example.com/cam",
                    "v1.4.0",
                    "pkg:golang/example.com/cam@v1.4.0"
                ),
                (
                    "github.com/BurntSushi/toml",
                    "v1.3.2",
                    "pkg:golang/github.com/burntsushi/toml@v1.3.2"
                ),
                (
                    "github.com/vendor/webrtc/v3",
                    "v3.2.40-patched.1",
                    "pkg:golang/github.com/vendor/webrtc/v3@v3.2.40-patched.1"
                ),
                // Replaced by a local directory: the module, no version.
                (
                    "github.com/vendor/onvif",
                    "",
                    "pkg:golang/github.com/vendor/onvif"
                ),
                (
                    "gopkg.in/yaml.v2",
                    "v2.4.0+incompatible",
                    "pkg:golang/gopkg.in/yaml.v2@v2.4.0%2Bincompatible"
                ),
                // A `=>` after a line not read replaces nothing; one not
                // read leaves its module with no version, not the one
                // that was replaced.
                (
                    "example.com/vendored",
                    "",
                    "pkg:golang/example.com/vendored"
                ),
            ]
        );
        assert!(found[1].3, "the main module is the program");
    }

    #[test]
    fn the_magic_and_sentinels_are_the_bytes_go_writes() {
        // As in esbuild 0.25.0's `.go.buildinfo` (linux-arm64).
        assert_eq!(MAGIC, b"\xff Go buildinf:");
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        assert_eq!(hex(&INFO_START), "3077af0c9274080241e1c107e6d618e6");
        assert_eq!(hex(&INFO_END), "f932433186182072008242104116d8f2");
    }

    #[test]
    fn go_releases_are_read_and_development_toolchains_are_not() {
        assert_eq!(go_release("go1.23.5"), Some("1.23.5"));
        assert_eq!(go_release("go1.22rc1"), Some("1.22rc1"));
        assert_eq!(go_release("go1.21.0 X:boringcrypto"), Some("1.21.0"));
        assert_eq!(go_release("devel go1.22-4f0408a3 Tue Jan 2"), None);
        assert_eq!(go_release("go"), None);
        assert_eq!(go_release("go1..2"), None);
        assert_eq!(go_release("goat"), None);
    }

    /// A Go 1.17 header: two pointers to Go string headers, here laid out
    /// inside the section after the header (the builder maps each byte at
    /// the address equal to its offset).
    fn pointer_layout(
        section_at: u64,
        ptr_size: usize,
        big_endian: bool,
        go: &str,
        lines: &str,
    ) -> Vec<u8> {
        let modules = framed_text(lines);
        let word = |v: u64| -> Vec<u8> {
            let b = v.to_be_bytes();
            let mut w = b[8 - ptr_size..].to_vec();
            if !big_endian {
                w.reverse();
            }
            w
        };
        let headers = HEADER as u64;
        let go_header = section_at + headers;
        let mod_header = go_header + 2 * ptr_size as u64;
        let go_data = mod_header + 2 * ptr_size as u64;
        let mod_data = go_data + go.len() as u64;
        let mut out = MAGIC.to_vec();
        out.extend([ptr_size as u8, u8::from(big_endian)]);
        out.extend(word(go_header));
        out.extend(word(mod_header));
        out.resize(HEADER, 0);
        out.extend(word(go_data));
        out.extend(word(go.len() as u64));
        out.extend(word(mod_data));
        out.extend(word(modules.len() as u64));
        out.extend(go.as_bytes());
        out.extend(modules);
        out
    }

    /// `elf` with its loaded segments moved to `base` + their offset (the
    /// builder loads each byte at the address equal to its offset).
    fn load_at(mut elf: Vec<u8>, base: u64) -> Vec<u8> {
        let parsed = Elf::parse(&elf).expect("elf");
        let (is64, little) = (parsed.is_64, parsed.little_endian);
        let (phoff, entsize) = (
            parsed.header.e_phoff as usize,
            usize::from(parsed.header.e_phentsize),
        );
        for (i, p) in parsed.program_headers.clone().iter().enumerate() {
            if p.p_type != PT_LOAD {
                continue;
            }
            let at = phoff + i * entsize;
            let addr = p.p_vaddr + base;
            // p_vaddr and p_paddr.
            let (fields, width) = if is64 { ([16, 24], 8) } else { ([8, 12], 4) };
            for field in fields {
                let bytes = if little {
                    addr.to_le_bytes()[..width].to_vec()
                } else {
                    addr.to_be_bytes()[8 - width..].to_vec()
                };
                elf[at + field..at + field + width].copy_from_slice(&bytes);
            }
        }
        elf
    }

    /// Where the builder puts `.go.buildinfo`.
    fn section_offset(elf: &[u8]) -> u64 {
        let parsed = Elf::parse(elf).expect("elf");
        parsed
            .section_headers
            .iter()
            .find(|s| parsed.shdr_strtab.get_at(s.sh_name) == Some(".go.buildinfo"))
            .expect("section")
            .sh_offset
    }

    #[test]
    fn the_pointer_layout_of_go_before_1_18_is_read_through_the_segments() {
        // Real programs load at an address other than their offset
        // (esbuild 0.13.15 arm64: .go.buildinfo at 0x6c0000, offset 0x6b0000).
        const BASE: u64 = 0x40_0000;
        for (class, endian, ptr_size) in [
            (ElfClass::Elf32, Endian::Little, 4),
            (ElfClass::Elf64, Endian::Little, 8),
            (ElfClass::Elf32, Endian::Big, 4),
            (ElfClass::Elf64, Endian::Big, 8),
        ] {
            let big = endian == Endian::Big;
            let build = |data: &[u8]| {
                let elf = ElfSpec::executable(class, endian, machine::ARM)
                    .with_section(".go.buildinfo", data)
                    .build();
                load_at(elf, BASE)
            };
            let lines = "path\tcmd\nmod\texample.com/cam\tv1.0.0\th1:x=\ndep\tgolang.org/x/net\tv0.0.0-20210405180319-a5a99cb37ef4\th1:y=\n";
            let draft = build(&pointer_layout(0, ptr_size, big, "go1.17.2", lines));
            let at = section_offset(&draft);
            let elf = build(&pointer_layout(BASE + at, ptr_size, big, "go1.17.2", lines));
            // Addresses taken for offsets read nothing.
            let unshifted = build(&pointer_layout(at, ptr_size, big, "go1.17.2", lines));
            assert!(identify(&unshifted).is_empty(), "{class:?} {endian:?}");
            let versions: Vec<(String, String)> = identify(&elf)
                .into_iter()
                .map(|i| (i.component, i.version))
                .collect();
            assert_eq!(
                versions,
                [
                    ("go".into(), "1.17.2".into()),
                    ("example.com/cam".into(), "v1.0.0".into()),
                    (
                        "golang.org/x/net".into(),
                        "v0.0.0-20210405180319-a5a99cb37ef4".into()
                    ),
                ],
                "{class:?} {endian:?}"
            );
            // A pointer outside every segment reads nothing, and nothing panics.
            let mut wild = elf.clone();
            let header = at as usize + 16;
            wild[header..header + ptr_size].fill(0xee);
            assert!(identify(&wild).is_empty());
        }
    }

    #[test]
    fn without_section_headers_the_writable_data_segment_is_searched() {
        let info = inline("go1.20.14", ESBUILD);
        let draft = program(&info);
        let at = section_offset(&draft) as usize;
        // The header 16-byte aligned in the file, as the linker aligns it.
        let pad = at.next_multiple_of(ALIGN) - at;
        let mut data = vec![0u8; pad];
        data.extend(&info);
        let mut elf = program(&data);
        let parsed = Elf::parse(&elf).expect("elf");
        let phoff = parsed.header.e_phoff as usize;
        let load = parsed
            .program_headers
            .iter()
            .position(|p| p.p_type == PT_LOAD)
            .expect("load");
        // Stripped of section headers (sstrip), its segment writable data.
        let e_shnum = 0x3c;
        elf[e_shnum..e_shnum + 2].fill(0);
        elf[phoff + load * 56 + 4] = (PF_W | 4) as u8;
        let names: Vec<String> = identify(&elf).into_iter().map(|i| i.component).collect();
        assert_eq!(
            names,
            ["go", "github.com/evanw/esbuild", "golang.org/x/sys"]
        );
        // A damaged section table (no name table) is searched the same way.
        let mut damaged = program(&data);
        damaged[0x3e..0x40].fill(0);
        damaged[phoff + load * 56 + 4] = (PF_W | 4) as u8;
        assert_eq!(identify(&damaged).len(), 3);
        // Unaligned, it is not the linker's header.
        let mut off = vec![0u8; pad + 1];
        off.extend(&info);
        let mut elf = program(&off);
        elf[e_shnum..e_shnum + 2].fill(0);
        elf[phoff + load * 56 + 4] = (PF_W | 4) as u8;
        assert!(identify(&elf).is_empty());
    }

    #[test]
    fn the_magic_outside_the_buildinfo_section_is_not_a_go_program() {
        // libmagic's database quotes the magic; a C program's .rodata is
        // not Go's section, and a program with sections is read by them.
        let rodata = [&b"\0\0\0\0\0\0\0\0"[..], &inline("go1.23.5", ESBUILD)].concat();
        let elf = ElfSpec::executable(ElfClass::Elf64, Endian::Little, machine::AARCH64)
            .with_rodata(&rodata)
            .build();
        assert!(identify(&elf).is_empty());
        assert!(identify(&inline("go1.23.5", ESBUILD)).is_empty(), "not ELF");
    }

    #[test]
    fn hostile_headers_and_texts_read_nothing_or_what_is_whole() {
        let good = inline("go1.23.5", ESBUILD);
        // Every truncation of the section: no panic; the version alone
        // once the module text is cut.
        for cut in 0..good.len() {
            let found = identify(&program(&good[..cut]));
            assert!(found.len() <= 1 || cut == good.len(), "{cut}");
        }
        // A length past the end, a varint that never ends.
        let mut long = good.clone();
        long[HEADER] = 0xff;
        long[HEADER + 1] = 0x7f;
        assert!(identify(&program(&long)).is_empty());
        let mut endless = good[..HEADER].to_vec();
        endless.extend([0x80; 32]);
        assert!(identify(&program(&endless)).is_empty());
        // Module text without its sentinels lists no modules.
        let mut bare = MAGIC.to_vec();
        bare.extend([8, FLAG_INLINE]);
        bare.resize(HEADER, 0);
        let unframed = "mod\texample.com/cam\tv1.0.0\t\ndep\tgolang.org/x/sys\tv0.1.0\t\n";
        assert!(unframed.len() < 0x80, "a one-byte length");
        bare.extend([8]);
        bare.extend(b"go1.23.5");
        bare.push(unframed.len() as u8);
        bare.extend(unframed.as_bytes());
        let names: Vec<String> = identify(&program(&bare))
            .into_iter()
            .map(|i| i.component)
            .collect();
        assert_eq!(names, ["go"]);
        // At most MAX_MODULES modules.
        let many: String = (0..MAX_MODULES + 10)
            .map(|i| format!("dep\texample.com/m{i}\tv1.0.{i}\th1:x=\n"))
            .collect();
        assert_eq!(
            identify(&program(&inline("go1.23.5", &many))).len(),
            MAX_MODULES + 1
        );
    }
}
