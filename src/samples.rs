//! Synthetic firmware the project builds itself: minimal but well-formed
//! ELF files for any machine, and the sample images in `samples/`.
//!
//! Used by `cargo run --example make-samples` (which writes `samples/`), by
//! tests and by benchmarks. Everything is deterministic: fixed timestamps,
//! fixed compression levels, no randomness, so the committed samples can be
//! checked against this code.

use std::io::{Cursor, Write};

use crate::model::{ElfClass, Endian};

/// `e_machine` values used by the samples.
pub mod machine {
    /// ARM (32-bit).
    pub const ARM: u16 = 40;
    /// AArch64.
    pub const AARCH64: u16 = 183;
    /// MIPS (32 and 64-bit, either byte order).
    pub const MIPS: u16 = 8;
    /// x86-64.
    pub const X86_64: u16 = 62;
}

/// `e_type` values.
pub mod elf_type {
    /// Relocatable object (kernel modules).
    pub const REL: u16 = 1;
    /// Fixed-address executable.
    pub const EXEC: u16 = 2;
    /// Shared object or PIE.
    pub const DYN: u16 = 3;
}

/// Description of a synthetic ELF file.
#[derive(Debug, Clone)]
pub struct ElfSpec {
    /// 32- or 64-bit.
    pub class: ElfClass,
    /// Byte order.
    pub endian: Endian,
    /// `e_machine`.
    pub machine: u16,
    /// `e_type`.
    pub elf_type: u16,
    /// `PT_INTERP`.
    pub interpreter: Option<String>,
    /// `DT_NEEDED` entries.
    pub needed: Vec<String>,
    /// `DT_SONAME`.
    pub soname: Option<String>,
    /// GNU build-id note payload.
    pub build_id: Option<Vec<u8>>,
    /// Emit a `.symtab` (an unstripped file).
    pub symtab: bool,
    /// `.modinfo` strings (`key=value`), which make an `ET_REL` a kernel module.
    pub modinfo: Vec<String>,
    /// Bytes placed in `.rodata` (version strings and the like).
    pub rodata: Vec<u8>,
    /// Bytes placed in `.comment` (toolchain strings).
    pub comment: Vec<u8>,
    /// JSON of a `.note.package` (FDO package metadata note).
    pub package_note: Option<String>,
    /// Further sections: name and contents (`.go.buildinfo`, `.dep-v0`).
    pub sections: Vec<(&'static str, Vec<u8>)>,
    /// Exported data symbols: name and the bytes it labels (in `.rodata`,
    /// after `rodata`, 4-byte aligned), listed in `.dynsym` with a `.hash`.
    pub exports: Vec<(String, Vec<u8>)>,
    /// Defined function symbols (placed in `.rodata` like the exports).
    pub functions: Vec<String>,
    /// Functions the linker hid: local and `STV_HIDDEN`, in `.symtab` only.
    pub hidden_functions: Vec<String>,
    /// Imported function symbols: listed in `.dynsym` (and `.symtab`) as
    /// undefined, the way a program names what a library provides.
    pub imports: Vec<String>,
}

impl ElfSpec {
    /// A stripped, dynamically linked executable for `machine`.
    pub fn executable(class: ElfClass, endian: Endian, machine: u16) -> Self {
        ElfSpec {
            class,
            endian,
            machine,
            elf_type: elf_type::EXEC,
            interpreter: Some("/lib/ld-uClibc.so.0".into()),
            needed: vec!["libc.so.0".into()],
            soname: None,
            build_id: None,
            symtab: false,
            modinfo: Vec::new(),
            rodata: Vec::new(),
            comment: Vec::new(),
            package_note: None,
            sections: Vec::new(),
            exports: Vec::new(),
            functions: Vec::new(),
            hidden_functions: Vec::new(),
            imports: Vec::new(),
        }
    }

    /// A shared library called `soname`.
    pub fn library(class: ElfClass, endian: Endian, machine: u16, soname: &str) -> Self {
        ElfSpec {
            elf_type: elf_type::DYN,
            interpreter: None,
            needed: Vec::new(),
            soname: Some(soname.into()),
            ..ElfSpec::executable(class, endian, machine)
        }
    }

    /// A kernel module with the given `.modinfo` strings.
    pub fn kernel_module(class: ElfClass, endian: Endian, machine: u16, modinfo: &[&str]) -> Self {
        ElfSpec {
            elf_type: elf_type::REL,
            interpreter: None,
            needed: Vec::new(),
            modinfo: modinfo.iter().map(|s| s.to_string()).collect(),
            symtab: true,
            ..ElfSpec::executable(class, endian, machine)
        }
    }

    /// With a build-id note.
    pub fn with_build_id(mut self, id: &[u8]) -> Self {
        self.build_id = Some(id.to_vec());
        self
    }

    /// With this program interpreter.
    pub fn with_interpreter(mut self, interpreter: &str) -> Self {
        self.interpreter = Some(interpreter.into());
        self
    }

    /// With these `DT_NEEDED` entries.
    pub fn with_needed(mut self, needed: &[&str]) -> Self {
        self.needed = needed.iter().map(|s| s.to_string()).collect();
        self
    }

    /// With this `.rodata` content.
    pub fn with_rodata(mut self, rodata: &[u8]) -> Self {
        self.rodata = rodata.to_vec();
        self
    }

    /// With this `.comment` content.
    pub fn with_comment(mut self, comment: &[u8]) -> Self {
        self.comment = comment.to_vec();
        self
    }

    /// With a `.note.package` holding this JSON.
    pub fn with_package_note(mut self, json: &str) -> Self {
        self.package_note = Some(json.into());
        self
    }

    /// With a section `name` holding `data` (a Go program's
    /// `.go.buildinfo`, a Rust program's `.dep-v0`).
    pub fn with_section(mut self, name: &'static str, data: &[u8]) -> Self {
        self.sections.push((name, data.to_vec()));
        self
    }

    /// With an exported data symbol `name` labelling `data`.
    pub fn with_export(mut self, name: &str, data: &[u8]) -> Self {
        self.exports.push((name.into(), data.to_vec()));
        self
    }

    /// With a defined function symbol `name`.
    pub fn with_function(mut self, name: &str) -> Self {
        self.functions.push(name.into());
        self
    }

    /// With a function `name` a `-fvisibility=hidden` build keeps only in
    /// `.symtab`, as a local hidden symbol.
    pub fn with_hidden_function(mut self, name: &str) -> Self {
        self.hidden_functions.push(name.into());
        self
    }

    /// With an imported (undefined) function symbol `name`.
    pub fn with_import(mut self, name: &str) -> Self {
        self.imports.push(name.into());
        self
    }

    /// With or without a symbol table (listing the exports and imports
    /// too, as an unstripped file does).
    pub fn with_symtab(mut self, symtab: bool) -> Self {
        self.symtab = symtab;
        self
    }

    /// Serialise to ELF bytes.
    pub fn build(&self) -> Vec<u8> {
        ElfBuilder::new(self).build()
    }
}

/// A Go 1.18+ build information header with the toolchain release `go`
/// (`go1.23.5`) and the module text `modules` (tab-separated `path`, `mod`,
/// `dep`, `=>` and `build` lines) inline, framed as the go command frames
/// it: the contents of a `.go.buildinfo` section.
pub fn go_buildinfo(go: &str, modules: &str) -> Vec<u8> {
    use crate::identify::go_buildinfo::{FLAG_INLINE, HEADER, INFO_END, INFO_START, MAGIC};
    let mut out = MAGIC.to_vec();
    out.extend([8, FLAG_INLINE]);
    out.resize(HEADER, 0);
    let framed = [&INFO_START[..], modules.as_bytes(), &INFO_END[..]].concat();
    for text in [go.as_bytes(), &framed[..]] {
        let mut len = text.len();
        while len >= 0x80 {
            out.push((len as u8 & 0x7f) | 0x80);
            len >>= 7;
        }
        out.push(len as u8);
        out.extend(text);
    }
    out
}

/// A Go program (64-bit ARM) whose build information names the Go
/// release `go` and the module text `modules` (see [`go_buildinfo`]).
pub fn go_program(go: &str, modules: &str) -> Vec<u8> {
    ElfSpec::executable(ElfClass::Elf64, Endian::Little, machine::AARCH64)
        .with_section(".go.buildinfo", &go_buildinfo(go, modules))
        .build()
}

/// cargo-auditable's `.dep-v0` section: the crate list `json`,
/// zlib-compressed.
pub fn cargo_auditable(json: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    zlib.write_all(json).expect("writing to a Vec cannot fail");
    zlib.finish().expect("writing to a Vec cannot fail")
}

/// A Rust program (32-bit ARM) built with cargo-auditable, listing `json`.
pub fn rust_program(json: &[u8]) -> Vec<u8> {
    ElfSpec::executable(ElfClass::Elf32, Endian::Little, machine::ARM)
        .with_section(".dep-v0", &cargo_auditable(json))
        .build()
}

const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const PT_INTERP: u32 = 3;
const PT_NOTE: u32 = 4;
const SHT_PROGBITS: u32 = 1;
const SHT_SYMTAB: u32 = 2;
const SHT_STRTAB: u32 = 3;
const SHT_DYNAMIC: u32 = 6;
const SHT_NOTE: u32 = 7;
const SHT_HASH: u32 = 5;
const SHT_DYNSYM: u32 = 11;
const SHF_ALLOC: u64 = 2;
/// `st_info` and `st_other` of a global data object, a global function,
/// and a function the linker hid (local, `STV_HIDDEN`).
const OBJECT_GLOBAL: (u8, u8) = (0x11, 0);
const FUNC_GLOBAL: (u8, u8) = (0x12, 0);
const FUNC_LOCAL_HIDDEN: (u8, u8) = (0x02, 2);
/// `st_shndx` of an undefined (imported) symbol.
const SHN_UNDEF: u16 = 0;
const DT_NEEDED: u64 = 1;
const DT_STRTAB: u64 = 5;
const DT_STRSZ: u64 = 10;
const DT_SONAME: u64 = 14;
const DT_HASH: u64 = 4;
const DT_SYMTAB: u64 = 6;
const DT_SYMENT: u64 = 11;

/// One section to lay out: name, type, content, link, entry size.
struct Section {
    name: &'static str,
    kind: u32,
    data: Vec<u8>,
    link: u32,
    entsize: u64,
    offset: u64,
}

struct ElfBuilder<'a> {
    spec: &'a ElfSpec,
    is64: bool,
    le: bool,
}

impl<'a> ElfBuilder<'a> {
    fn new(spec: &'a ElfSpec) -> Self {
        ElfBuilder {
            spec,
            is64: spec.class == ElfClass::Elf64,
            le: spec.endian == Endian::Little,
        }
    }

    fn u16(&self, out: &mut Vec<u8>, v: u16) {
        out.extend(if self.le {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        });
    }

    fn u32(&self, out: &mut Vec<u8>, v: u32) {
        out.extend(if self.le {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        });
    }

    fn u64(&self, out: &mut Vec<u8>, v: u64) {
        out.extend(if self.le {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        });
    }

    /// An address or offset: 4 or 8 bytes by class.
    fn word(&self, out: &mut Vec<u8>, v: u64) {
        if self.is64 {
            self.u64(out, v);
        } else {
            self.u32(out, v as u32);
        }
    }

    fn build(&self) -> Vec<u8> {
        let spec = self.spec;
        let dynamic_linked = spec.elf_type != elf_type::REL;
        let (ehsize, phentsize, shentsize) = if self.is64 {
            (64, 56, 64)
        } else {
            (52, 32, 40)
        };

        // Dynamic string table and the dynamic array referring into it.
        let mut dynstr = vec![0u8];
        let add_str = |table: &mut Vec<u8>, s: &str| {
            let at = table.len() as u64;
            table.extend(s.as_bytes());
            table.push(0);
            at
        };
        let needed: Vec<u64> = spec
            .needed
            .iter()
            .map(|n| add_str(&mut dynstr, n))
            .collect();
        let soname = spec.soname.as_ref().map(|s| add_str(&mut dynstr, s));
        // Exported data objects, then functions (four bytes each).
        let defined: Vec<(&str, &[u8], (u8, u8))> = spec
            .exports
            .iter()
            .map(|(name, data)| (name.as_str(), data.as_slice(), OBJECT_GLOBAL))
            .chain(
                spec.functions
                    .iter()
                    .map(|name| (name.as_str(), &[0u8; 4][..], FUNC_GLOBAL)),
            )
            .collect();
        let export_names: Vec<u64> = defined
            .iter()
            .map(|(name, _, _)| add_str(&mut dynstr, name))
            .collect();
        let import_names: Vec<u64> = spec
            .imports
            .iter()
            .map(|name| add_str(&mut dynstr, name))
            .collect();
        // Exported data follows the caller's .rodata, each item 4-aligned.
        let mut rodata = spec.rodata.clone();
        let mut export_at = Vec::new();
        for (_, data, _) in &defined {
            rodata.resize(rodata.len().next_multiple_of(4), 0);
            export_at.push(rodata.len() as u64);
            rodata.extend(*data);
        }
        let exports = dynamic_linked && !(defined.is_empty() && spec.imports.is_empty());

        let mut sections = vec![Section {
            name: "",
            kind: 0,
            data: Vec::new(),
            link: 0,
            entsize: 0,
            offset: 0,
        }];
        fn push(
            sections: &mut Vec<Section>,
            name: &'static str,
            kind: u32,
            data: Vec<u8>,
            link: u32,
            entsize: u64,
        ) -> usize {
            sections.push(Section {
                name,
                kind,
                data,
                link,
                entsize,
                offset: 0,
            });
            sections.len() - 1
        }
        let interp = spec
            .interpreter
            .as_ref()
            .filter(|_| dynamic_linked)
            .map(|i| {
                let mut d = i.as_bytes().to_vec();
                d.push(0);
                push(&mut sections, ".interp", SHT_PROGBITS, d, 0, 0)
            });
        let dynstr_index = dynamic_linked
            .then(|| push(&mut sections, ".dynstr", SHT_STRTAB, dynstr.clone(), 0, 0));
        // The dynamic array is filled in once .dynstr has an address.
        let dynamic = dynstr_index.map(|link| {
            push(
                &mut sections,
                ".dynamic",
                SHT_DYNAMIC,
                Vec::new(),
                link as u32,
                if self.is64 { 16 } else { 8 },
            )
        });
        let note = spec.build_id.as_ref().map(|id| {
            let mut d = Vec::new();
            self.u32(&mut d, 4);
            self.u32(&mut d, id.len() as u32);
            self.u32(&mut d, 3); // NT_GNU_BUILD_ID
            d.extend(b"GNU\0");
            d.extend(id);
            while d.len() % 4 != 0 {
                d.push(0);
            }
            push(&mut sections, ".note.gnu.build-id", SHT_NOTE, d, 0, 0)
        });
        if let Some(json) = &spec.package_note {
            let mut d = Vec::new();
            self.u32(&mut d, 4);
            self.u32(&mut d, json.len() as u32 + 1);
            self.u32(&mut d, 0xcafe_1a7e);
            d.extend(b"FDO\0");
            d.extend(json.as_bytes());
            d.push(0);
            while d.len() % 4 != 0 {
                d.push(0);
            }
            push(&mut sections, ".note.package", SHT_NOTE, d, 0, 0);
        }
        for (name, data) in &spec.sections {
            push(&mut sections, name, SHT_PROGBITS, data.clone(), 0, 0);
        }
        let rodata_index = (!rodata.is_empty())
            .then(|| push(&mut sections, ".rodata", SHT_PROGBITS, rodata, 0, 0));
        let symsize = if self.is64 { 24 } else { 16 };
        // Symbol 0 is null; the table is written once .rodata has an address.
        let dynsym = exports.then(|| {
            let count = defined.len() + spec.imports.len() + 1;
            let mut hash = Vec::new();
            for word in [1, count as u32, 0] {
                self.u32(&mut hash, word);
            }
            for _ in 0..count {
                self.u32(&mut hash, 0);
            }
            let hash = push(&mut sections, ".hash", SHT_HASH, hash, 0, 4);
            let link = dynstr_index.unwrap_or_default() as u32;
            let symbols = vec![0; count * symsize];
            let dynsym = push(
                &mut sections,
                ".dynsym",
                SHT_DYNSYM,
                symbols,
                link,
                symsize as u64,
            );
            (hash, dynsym)
        });
        if !spec.comment.is_empty() {
            push(
                &mut sections,
                ".comment",
                SHT_PROGBITS,
                spec.comment.clone(),
                0,
                0,
            );
        }
        if !spec.modinfo.is_empty() {
            let mut d = Vec::new();
            for line in &spec.modinfo {
                d.extend(line.as_bytes());
                d.push(0);
            }
            push(&mut sections, ".modinfo", SHT_PROGBITS, d, 0, 0);
            push(
                &mut sections,
                ".gnu.linkonce.this_module",
                SHT_PROGBITS,
                vec![0; 64],
                0,
                0,
            );
        }
        if spec.symtab {
            // Values are section-relative, as in a relocatable file.
            let mut strtab = vec![0u8];
            let mut table = vec![0; symsize];
            for ((name, data, info), &at) in defined.iter().zip(&export_at) {
                let name = add_str(&mut strtab, name) as u32;
                let shndx = rodata_index.unwrap_or_default() as u16;
                self.symbol(&mut table, name, at, data.len() as u64, *info, shndx);
            }
            for name in &spec.hidden_functions {
                let name = add_str(&mut strtab, name) as u32;
                let shndx = rodata_index.unwrap_or(1) as u16;
                self.symbol(&mut table, name, 0, 0, FUNC_LOCAL_HIDDEN, shndx);
            }
            for name in &spec.imports {
                let name = add_str(&mut strtab, name) as u32;
                self.symbol(&mut table, name, 0, 0, FUNC_GLOBAL, SHN_UNDEF);
            }
            let link = sections.len() + 1;
            push(
                &mut sections,
                ".symtab",
                SHT_SYMTAB,
                table,
                link as u32,
                symsize as u64,
            );
            push(&mut sections, ".strtab", SHT_STRTAB, strtab, 0, 0);
        }
        let mut shstrtab = vec![0u8];
        let mut names = Vec::new();
        for s in &sections {
            names.push(if s.name.is_empty() {
                0
            } else {
                add_str(&mut shstrtab, s.name) as u32
            });
        }
        names.push(add_str(&mut shstrtab, ".shstrtab") as u32);
        push(&mut sections, ".shstrtab", SHT_STRTAB, shstrtab, 0, 0);

        // Program headers: LOAD over the whole file, then INTERP, DYNAMIC, NOTE.
        let phnum = if dynamic_linked {
            1 + usize::from(interp.is_some()) + 1 + usize::from(note.is_some())
        } else {
            0
        };
        let mut offset = (ehsize + phnum * phentsize) as u64;
        let dyn_entries =
            needed.len() + usize::from(soname.is_some()) + 3 + 3 * usize::from(exports);
        for (i, s) in sections.iter_mut().enumerate().skip(1) {
            offset = offset.next_multiple_of(8);
            s.offset = offset;
            let len = if Some(i) == dynamic {
                (dyn_entries * s.entsize as usize) as u64
            } else {
                s.data.len() as u64
            };
            offset += len;
        }
        if let (Some(d), Some(strtab)) = (dynamic, dynstr_index) {
            let mut data = Vec::new();
            for &n in &needed {
                self.word(&mut data, DT_NEEDED);
                self.word(&mut data, n);
            }
            if let Some(s) = soname {
                self.word(&mut data, DT_SONAME);
                self.word(&mut data, s);
            }
            if let Some((hash, dynsym)) = dynsym {
                self.word(&mut data, DT_HASH);
                self.word(&mut data, sections[hash].offset);
                self.word(&mut data, DT_SYMTAB);
                self.word(&mut data, sections[dynsym].offset);
                self.word(&mut data, DT_SYMENT);
                self.word(&mut data, symsize as u64);
            }
            self.word(&mut data, DT_STRTAB);
            self.word(&mut data, sections[strtab].offset);
            self.word(&mut data, DT_STRSZ);
            self.word(&mut data, sections[strtab].data.len() as u64);
            self.word(&mut data, 0);
            self.word(&mut data, 0);
            sections[d].data = data;
        }
        if let Some((_, table)) = dynsym {
            let mut data = vec![0; symsize];
            if let Some(rodata) = rodata_index {
                let base = sections[rodata].offset;
                for (i, (_, bytes, info)) in defined.iter().enumerate() {
                    let (name, value) = (export_names[i] as u32, base + export_at[i]);
                    let size = bytes.len() as u64;
                    let shndx = rodata as u16;
                    self.symbol(&mut data, name, value, size, *info, shndx);
                }
            }
            for &name in &import_names {
                self.symbol(&mut data, name as u32, 0, 0, FUNC_GLOBAL, SHN_UNDEF);
            }
            sections[table].data = data;
        }
        let shoff = offset.next_multiple_of(8);
        let file_len = shoff + (sections.len() * shentsize) as u64;

        let mut out = Vec::with_capacity(file_len as usize);
        out.extend(b"\x7fELF");
        out.push(if self.is64 { 2 } else { 1 });
        out.push(if self.le { 1 } else { 2 });
        out.push(1);
        out.resize(16, 0);
        self.u16(&mut out, spec.elf_type);
        self.u16(&mut out, spec.machine);
        self.u32(&mut out, 1);
        self.word(&mut out, 0); // e_entry
        self.word(&mut out, if phnum > 0 { ehsize as u64 } else { 0 });
        self.word(&mut out, shoff);
        self.u32(&mut out, 0); // e_flags
        self.u16(&mut out, ehsize as u16);
        self.u16(&mut out, if phnum > 0 { phentsize as u16 } else { 0 });
        self.u16(&mut out, phnum as u16);
        self.u16(&mut out, shentsize as u16);
        self.u16(&mut out, sections.len() as u16);
        self.u16(&mut out, (sections.len() - 1) as u16);

        if dynamic_linked {
            self.phdr(&mut out, PT_LOAD, 0, file_len, 5);
            if let Some(i) = interp {
                self.phdr(
                    &mut out,
                    PT_INTERP,
                    sections[i].offset,
                    sections[i].data.len() as u64,
                    4,
                );
            }
            if let Some(d) = dynamic {
                self.phdr(
                    &mut out,
                    PT_DYNAMIC,
                    sections[d].offset,
                    sections[d].data.len() as u64,
                    6,
                );
            }
            if let Some(n) = note {
                self.phdr(
                    &mut out,
                    PT_NOTE,
                    sections[n].offset,
                    sections[n].data.len() as u64,
                    4,
                );
            }
        }
        for s in sections.iter().skip(1) {
            out.resize(s.offset as usize, 0);
            out.extend(&s.data);
        }
        out.resize(shoff as usize, 0);
        for (i, s) in sections.iter().enumerate() {
            self.u32(&mut out, names[i]);
            self.u32(&mut out, s.kind);
            let loaded =
                dynamic_linked && !matches!(s.kind, 0 | SHT_SYMTAB) && !s.name.ends_with("strtab");
            self.word(&mut out, if loaded { SHF_ALLOC } else { 0 });
            self.word(&mut out, if loaded { s.offset } else { 0 }); // addr = offset
            self.word(&mut out, s.offset);
            self.word(&mut out, s.data.len() as u64);
            self.u32(&mut out, s.link);
            self.u32(&mut out, 0);
            self.word(&mut out, if s.kind == 0 { 0 } else { 1 });
            self.word(&mut out, s.entsize);
        }
        out
    }

    /// One `Elf32_Sym` or `Elf64_Sym`.
    fn symbol(
        &self,
        out: &mut Vec<u8>,
        name: u32,
        value: u64,
        size: u64,
        (info, other): (u8, u8),
        shndx: u16,
    ) {
        self.u32(out, name);
        if self.is64 {
            out.extend([info, other]);
            self.u16(out, shndx);
            self.u64(out, value);
            self.u64(out, size);
        } else {
            self.u32(out, value as u32);
            self.u32(out, size as u32);
            out.extend([info, other]);
            self.u16(out, shndx);
        }
    }

    fn phdr(&self, out: &mut Vec<u8>, kind: u32, offset: u64, size: u64, flags: u32) {
        if self.is64 {
            self.u32(out, kind);
            self.u32(out, flags);
            self.u64(out, offset);
            self.u64(out, offset);
            self.u64(out, offset);
            self.u64(out, size);
            self.u64(out, size);
            self.u64(out, 8);
        } else {
            self.u32(out, kind);
            self.u32(out, offset as u32);
            self.u32(out, offset as u32);
            self.u32(out, offset as u32);
            self.u32(out, size as u32);
            self.u32(out, size as u32);
            self.u32(out, flags);
            self.u32(out, 8);
        }
    }
}

/// One file of a synthetic root filesystem.
#[derive(Debug, Clone)]
pub enum RootfsEntry {
    /// A directory.
    Dir(&'static str),
    /// A regular file.
    File(&'static str, Vec<u8>),
    /// A symlink: path, target.
    Symlink(&'static str, &'static str),
}

/// Fixed modification time for every sample entry (2024-01-01T00:00:00Z).
const SAMPLE_MTIME: u64 = 1_704_067_200;

/// A tar archive of `entries`, deterministic.
pub fn tar(entries: &[RootfsEntry]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for entry in entries {
        let mut header = tar::Header::new_ustar();
        header.set_mtime(SAMPLE_MTIME);
        header.set_uid(0);
        header.set_gid(0);
        let result = match entry {
            RootfsEntry::Dir(path) => {
                header.set_entry_type(tar::EntryType::Directory);
                header.set_mode(0o755);
                header.set_size(0);
                header.set_cksum();
                builder.append_data(&mut header, path, std::io::empty())
            }
            RootfsEntry::File(path, data) => {
                header.set_mode(0o755);
                header.set_size(data.len() as u64);
                header.set_cksum();
                builder.append_data(&mut header, path, &data[..])
            }
            RootfsEntry::Symlink(path, target) => {
                header.set_entry_type(tar::EntryType::Symlink);
                header.set_mode(0o777);
                header.set_size(0);
                builder.append_link(&mut header, path, target)
            }
        };
        result.expect("writing to a Vec cannot fail");
    }
    builder.into_inner().expect("writing to a Vec cannot fail")
}

/// gzip with a zero mtime and no file name, so output depends only on input.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::new(6));
    enc.write_all(data).expect("writing to a Vec cannot fail");
    enc.finish().expect("writing to a Vec cannot fail")
}

/// xz at preset 6.
pub fn xz(data: &[u8]) -> Vec<u8> {
    let mut enc = liblzma::write::XzEncoder::new(Vec::new(), 6);
    enc.write_all(data).expect("writing to a Vec cannot fail");
    enc.finish().expect("writing to a Vec cannot fail")
}

/// zstd at level 3.
pub fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 3).expect("writing to a Vec cannot fail")
}

/// A zip of `(path, data, deflate?)` members with fixed timestamps.
pub fn zip(members: &[(&str, &[u8], bool)]) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let time = zip::DateTime::from_date_and_time(2024, 1, 1, 0, 0, 0).expect("valid date");
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (path, data, deflate) in members {
        let method = if *deflate {
            zip::CompressionMethod::Deflated
        } else {
            zip::CompressionMethod::Stored
        };
        let options = SimpleFileOptions::default()
            .compression_method(method)
            .last_modified_time(time)
            .unix_permissions(0o644);
        w.start_file(*path, options)
            .expect("writing to a Vec cannot fail");
        w.write_all(data).expect("writing to a Vec cannot fail");
    }
    w.finish()
        .expect("writing to a Vec cannot fail")
        .into_inner()
}

/// A sample image: file name and bytes.
#[derive(Debug, Clone)]
pub struct Sample {
    /// File name under `samples/`.
    pub name: &'static str,
    /// One line on what it holds.
    pub description: &'static str,
    /// The image.
    pub bytes: Vec<u8>,
}

/// An ARM IP-camera update: a zip holding a gzip'd tar rootfs with ARM
/// programs, libraries and a sensor kernel module, plus a MIPS big-endian
/// helper for the pan/tilt controller.
pub fn camera_update() -> Sample {
    use ElfClass::Elf32;
    use Endian::{Big, Little};
    let busybox = ElfSpec::executable(Elf32, Little, machine::ARM)
        .with_build_id(&[0xb0; 20])
        .with_rodata(b"BusyBox v1.31.1 (2023-04-11 10:00:00 CST)\0");
    let libc = ElfSpec::library(Elf32, Little, machine::ARM, "libc.so.0")
        .with_rodata(b"uClibc-ng 1.0.31\0");
    let libcrypto = ElfSpec::library(Elf32, Little, machine::ARM, "libcrypto.so.1.1")
        .with_needed(&["libc.so.0"])
        .with_rodata(b"OpenSSL 1.1.1k  25 Mar 2021\0");
    // The main process carries the maker's marks (domain.md §2.1): a Dahua
    // kernel interface, its P2P cloud and an RTSP server.
    let ipc = ElfSpec::executable(Elf32, Little, machine::ARM)
        .with_needed(&["libcrypto.so.1.1", "libc.so.0"])
        .with_build_id(&[0x1c; 20])
        .with_symtab(true)
        .with_rodata(
            b"/proc/dahua/bootpara\0https://www.easy4ip.com/\0RTSP/1.0 200 OK\r\nCSeq: %d\r\nPublic: OPTIONS, DESCRIBE, SETUP, TEARDOWN, PLAY\r\n\0",
        );
    // HiSilicon SDK pieces: an MPP module named for the chip and a sensor
    // driver library named for the sensor (domain.md §2.2, §2.3).
    let mpp = ElfSpec::kernel_module(
        Elf32,
        Little,
        machine::ARM,
        &[
            "license=Proprietary",
            "vermagic=4.9.37 SMP preempt mod_unload ARMv7 p2v8 ",
            "name=hi3516ev200_sys",
        ],
    );
    let libsns = ElfSpec::library(Elf32, Little, machine::ARM, "libsns_imx307.so")
        .with_needed(&["libc.so.0"])
        .with_rodata(b"imx307_init\0");
    let sensor = ElfSpec::kernel_module(
        Elf32,
        Little,
        machine::ARM,
        &[
            "license=Proprietary",
            "vermagic=4.9.37 SMP preempt mod_unload ARMv7 p2v8 ",
            "name=sensor_imx307",
        ],
    );
    let ptz = ElfSpec::executable(Elf32, Big, machine::MIPS)
        .with_needed(&["libc.so.0"])
        .with_build_id(&[0x9b; 20]);
    let rootfs = tar(&[
        RootfsEntry::Dir("bin/"),
        RootfsEntry::File("bin/busybox", busybox.build()),
        RootfsEntry::Symlink("bin/sh", "busybox"),
        RootfsEntry::Symlink("bin/ls", "/bin/busybox"),
        RootfsEntry::Dir("lib/"),
        RootfsEntry::File("lib/libc.so.0", libc.build()),
        RootfsEntry::File("lib/libcrypto.so.1.1", libcrypto.build()),
        RootfsEntry::Dir("lib/modules/4.9.37/extra/"),
        RootfsEntry::File("lib/modules/4.9.37/extra/sensor_imx307.ko", sensor.build()),
        RootfsEntry::File("lib/modules/4.9.37/extra/hi3516ev200_sys.ko", mpp.build()),
        RootfsEntry::Dir("usr/lib/"),
        RootfsEntry::File("usr/lib/libsns_imx307.so", libsns.build()),
        RootfsEntry::Dir("usr/bin/"),
        RootfsEntry::File("usr/bin/ipc_server", ipc.build()),
        RootfsEntry::File("usr/bin/ptz_helper", ptz.build()),
        RootfsEntry::Dir("etc/init.d/"),
        // A fixed root hash, a telnet daemon at boot and a TLS key baked
        // into every device: what the technical review asks about.
        RootfsEntry::File(
            "etc/passwd",
            b"root:$1$fs0sampl$Xq0pVd3mQyq1cZ2b0lT9r.:0:0:root:/root:/bin/sh\n".to_vec(),
        ),
        RootfsEntry::File(
            "etc/init.d/rcS",
            b"#!/bin/sh\nmount -a\ntelnetd &\n/usr/bin/ipc_server &\n".to_vec(),
        ),
        RootfsEntry::Dir("etc/ssl/"),
        RootfsEntry::File(
            "etc/ssl/server.pem",
            // Base64 of "not a real key: firmsight sample data only, fake".
            b"-----BEGIN PRIVATE KEY-----\nbm90IGEgcmVhbCBrZXk6IGZpcm1zaWdodCBzYW1wbGUgZGF0YSBvbmx5LCBmYWtl\n-----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\nbm90IGEgcmVhbCBjZXJ0aWZpY2F0ZTogZmlybXNpZ2h0IHNhbXBsZSBkYXRhIG9ubHk=\n-----END CERTIFICATE-----\n".to_vec(),
        ),
    ]);
    let rootfs_gz = gzip(&rootfs);
    let manifest = br#"{"model":"IPC-DEMO-2MP","version":"2.3.4","parts":["rootfs.tar.gz"]}"#;
    Sample {
        name: "camera-update.zip",
        description: "zip › tar.gz rootfs: ARM busybox, uClibc, libcrypto, HiSilicon SDK and sensor driver, Dahua markers, telnetd, a MIPS-BE helper",
        bytes: zip(&[
            ("update/manifest.json", manifest, true),
            ("update/rootfs.tar.gz", &rootfs_gz, false),
        ]),
    }
}

/// A MIPS little-endian NVR root filesystem as tar.xz, with an AArch64
/// co-processor program.
pub fn nvr_rootfs() -> Sample {
    use ElfClass::{Elf32, Elf64};
    use Endian::Little;
    let rootfs = tar(&[
        RootfsEntry::Dir("bin/"),
        RootfsEntry::File(
            "bin/busybox",
            ElfSpec::executable(Elf32, Little, machine::MIPS)
                .with_interpreter("/lib/ld.so.1")
                .with_needed(&["libc.so.6"])
                .with_build_id(&[0x4e; 20])
                .with_rodata(b"BusyBox v1.24.1 (2019-08-02 12:00:00 CST)\0")
                .build(),
        ),
        RootfsEntry::Dir("lib/"),
        RootfsEntry::File(
            "lib/libc.so.6",
            ElfSpec::library(Elf32, Little, machine::MIPS, "libc.so.6").build(),
        ),
        RootfsEntry::File(
            "lib/libz.so.1",
            ElfSpec::library(Elf32, Little, machine::MIPS, "libz.so.1")
                .with_needed(&["libc.so.6"])
                .build(),
        ),
        RootfsEntry::Dir("opt/ai/"),
        RootfsEntry::File(
            "opt/ai/detector",
            ElfSpec::executable(Elf64, Little, machine::AARCH64)
                .with_interpreter("/lib/ld-linux-aarch64.so.1")
                .with_needed(&["libc.so.6"])
                .with_symtab(true)
                .build(),
        ),
        RootfsEntry::File("etc/version", b"NVR-DEMO 4.1.0 build 190802\n".to_vec()),
    ]);
    Sample {
        name: "nvr-rootfs.tar.xz",
        description: "tar.xz rootfs: MIPS-LE busybox and libraries, an AArch64 program",
        bytes: xz(&rootfs),
    }
}

/// A zstd-compressed tar of kernel modules for two boards.
pub fn sensor_modules() -> Sample {
    use ElfClass::Elf32;
    use Endian::Little;
    let module = |machine, name: &'static str, vermagic: &'static str| {
        ElfSpec::kernel_module(Elf32, Little, machine, &[vermagic, name]).build()
    };
    let entries = [
        RootfsEntry::File(
            "arm/sensor_gc2053.ko",
            module(
                machine::ARM,
                "name=sensor_gc2053",
                "vermagic=4.9.84 mod_unload ARMv7 ",
            ),
        ),
        RootfsEntry::File(
            "mips/sensor_sc2335_t31.ko",
            module(
                machine::MIPS,
                "name=sensor_sc2335_t31",
                "vermagic=3.10.14 SMP mod_unload MIPS32_R2 32BIT ",
            ),
        ),
        RootfsEntry::File(
            "README",
            b"Sensor drivers for the DEMO camera family.\n".to_vec(),
        ),
    ];
    Sample {
        name: "sensor-modules.tar.zst",
        description: "tar.zst of sensor kernel modules for ARM and MIPS-LE",
        bytes: zstd(&tar(&entries)),
    }
}

/// A squashfs 4.0 image (xz) of `entries`, written by backhand.
pub fn squashfs(entries: &[RootfsEntry]) -> Vec<u8> {
    let header = backhand::NodeHeader::new(0o755, 0, 0, 0);
    let mut fs = backhand::FilesystemWriter::default();
    fs.set_time(0);
    for entry in entries {
        let path = match entry {
            RootfsEntry::Dir(p) | RootfsEntry::File(p, _) | RootfsEntry::Symlink(p, _) => *p,
        };
        let parent = std::path::Path::new(path.trim_end_matches('/')).parent();
        if let Some(parent) = parent.filter(|p| !p.as_os_str().is_empty()) {
            fs.push_dir_all(parent, header).expect("in-memory writer");
        }
        match entry {
            RootfsEntry::Dir(p) => fs.push_dir_all(p.trim_end_matches('/'), header),
            RootfsEntry::File(p, data) => fs.push_file(Cursor::new(data.clone()), *p, header),
            RootfsEntry::Symlink(p, target) => fs.push_symlink(*target, *p, header),
        }
        .expect("in-memory writer");
    }
    let mut out = Cursor::new(Vec::new());
    fs.write(&mut out).expect("writing to a Vec cannot fail");
    out.into_inner()
}

/// A raw SPI-flash dump of an ARM camera: bootloader at 0, a uImage kernel
/// at 64 KiB, a squashfs rootfs at 128 KiB and a cramfs config partition at
/// 192 KiB, 0xFF between them, as a flash programmer reads it.
pub fn flash_dump() -> Sample {
    use ElfClass::Elf32;
    use Endian::Little;
    const PART: usize = 0x1_0000;
    // Bootloader: code-like bytes with its version string.
    let mut boot: Vec<u8> = (0..24_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let banner = b"U-Boot 2016.11 (Jun 02 2021 - 10:11:12)";
    boot[0x100..0x100 + banner.len()].copy_from_slice(banner);
    let kernel_text = b"Linux version 4.9.37 (builder@hisilicon) (gcc version 6.3.0 (HC&C V1R3C00SPC200B005_20190606)) #1 SMP";
    let kernel =
        crate::unpack::uimage::build("Linux-4.9.37", 5, 2, 2, 1, &gzip(&kernel_text.repeat(20)));
    let rootfs = squashfs(&[
        RootfsEntry::File(
            "bin/busybox",
            ElfSpec::executable(Elf32, Little, machine::ARM)
                .with_build_id(&[0xf1; 20])
                .with_rodata(b"BusyBox v1.31.1 (2021-06-02 10:11:12 CST)\0")
                .build(),
        ),
        RootfsEntry::Symlink("bin/sh", "busybox"),
        RootfsEntry::File(
            "lib/libc.so.0",
            ElfSpec::library(Elf32, Little, machine::ARM, "libc.so.0").build(),
        ),
        RootfsEntry::File("etc/init.d/rcS", b"#!/bin/sh\n/usr/bin/ipc &\n".to_vec()),
    ]);
    let config = crate::unpack::cramfs::build(
        &[crate::unpack::cramfs::Node::File(
            "network.conf",
            b"dhcp=1\ncloud=1\n".to_vec(),
        )],
        false,
    );
    let mut dump = vec![0xffu8; 4 * PART];
    for (i, part) in [boot, kernel, rootfs, config].iter().enumerate() {
        assert!(part.len() <= PART, "part {i} fits its partition");
        dump[i * PART..i * PART + part.len()].copy_from_slice(part);
    }
    Sample {
        name: "flash-dump.bin",
        description: "raw flash: bootloader, uImage kernel (gzip), squashfs rootfs, cramfs config at 64 KiB steps",
        bytes: dump,
    }
}

/// Every sample in `samples/`.
pub fn all() -> Vec<Sample> {
    vec![
        camera_update(),
        nvr_rootfs(),
        sensor_modules(),
        flash_dump(),
    ]
}

/// A minimal PE32 file whose only section is `.rsrc` with one
/// `VS_VERSIONINFO` resource holding `strings` (`CompanyName`, …) in a
/// `040904b0` string table: the shape Windows drivers and DLLs carry.
pub fn pe_with_version_info(strings: &[(&str, &str)]) -> Vec<u8> {
    fn utf16z(s: &str) -> Vec<u8> {
        s.encode_utf16()
            .chain([0])
            .flat_map(u16::to_le_bytes)
            .collect()
    }
    fn pad4(v: &mut Vec<u8>) {
        while !v.len().is_multiple_of(4) {
            v.push(0);
        }
    }
    /// A version-resource node: header, key, value, children.
    fn node(key: &str, value: &[u8], value_len: u16, text: bool, children: &[Vec<u8>]) -> Vec<u8> {
        let mut v = vec![0, 0];
        v.extend(value_len.to_le_bytes());
        v.extend(u16::from(text).to_le_bytes());
        v.extend(utf16z(key));
        pad4(&mut v);
        v.extend(value);
        for child in children {
            pad4(&mut v);
            v.extend(child);
        }
        let len = v.len() as u16;
        v[..2].copy_from_slice(&len.to_le_bytes());
        v
    }
    let entries: Vec<Vec<u8>> = strings
        .iter()
        .map(|(k, val)| {
            let value = utf16z(val);
            node(k, &value, (value.len() / 2) as u16, true, &[])
        })
        .collect();
    let table = node("040904b0", &[], 0, true, &entries);
    let file_info = node("StringFileInfo", &[], 0, true, &[table]);
    let mut fixed = Vec::new();
    for word in [
        0xFEEF_04BDu32,
        0x0001_0000,
        0x0001_0000,
        0,
        0x0001_0000,
        0,
        0x3F,
        0,
        0x4_0004,
        3,
        0,
        0,
        0,
    ] {
        fixed.extend(word.to_le_bytes());
    }
    let version = node("VS_VERSION_INFO", &fixed, 52, false, &[file_info]);

    const RSRC_RVA: u32 = 0x1000;
    let mut rsrc = Vec::new();
    let dir = |rsrc: &mut Vec<u8>, id: u32, target: u32| {
        rsrc.extend([0u8; 12]);
        rsrc.extend(0u16.to_le_bytes());
        rsrc.extend(1u16.to_le_bytes());
        rsrc.extend(id.to_le_bytes());
        rsrc.extend(target.to_le_bytes());
    };
    dir(&mut rsrc, 16, 0x8000_0018); // RT_VERSION → name directory
    dir(&mut rsrc, 1, 0x8000_0030); // id 1 → language directory
    dir(&mut rsrc, 0x409, 0x48); // en-US → data entry
    rsrc.extend((RSRC_RVA + 0x58).to_le_bytes());
    rsrc.extend((version.len() as u32).to_le_bytes());
    rsrc.extend([0u8; 8]);
    rsrc.extend(&version);
    let raw_size = rsrc.len().div_ceil(0x200) * 0x200;

    let mut pe = vec![0u8; 0x40];
    pe[..2].copy_from_slice(b"MZ");
    pe[0x3C..0x40].copy_from_slice(&0x40u32.to_le_bytes());
    pe.extend(b"PE\0\0");
    for half in [0x14Cu16, 1] {
        pe.extend(half.to_le_bytes());
    }
    pe.extend([0u8; 12]);
    pe.extend(224u16.to_le_bytes());
    pe.extend(0x0102u16.to_le_bytes());
    let mut optional = vec![0u8; 224];
    optional[..2].copy_from_slice(&0x10Bu16.to_le_bytes());
    optional[28..32].copy_from_slice(&0x40_0000u32.to_le_bytes()); // ImageBase
    optional[32..36].copy_from_slice(&0x1000u32.to_le_bytes()); // SectionAlignment
    optional[36..40].copy_from_slice(&0x200u32.to_le_bytes()); // FileAlignment
    optional[40..42].copy_from_slice(&4u16.to_le_bytes());
    optional[48..50].copy_from_slice(&4u16.to_le_bytes());
    let image_size = RSRC_RVA + (raw_size as u32).div_ceil(0x1000) * 0x1000;
    optional[56..60].copy_from_slice(&image_size.to_le_bytes());
    optional[60..64].copy_from_slice(&0x200u32.to_le_bytes()); // SizeOfHeaders
    optional[68..70].copy_from_slice(&1u16.to_le_bytes()); // native (a driver)
    optional[92..96].copy_from_slice(&16u32.to_le_bytes());
    // Data directory 2: resources.
    optional[96 + 16..96 + 20].copy_from_slice(&RSRC_RVA.to_le_bytes());
    optional[96 + 20..96 + 24].copy_from_slice(&(rsrc.len() as u32).to_le_bytes());
    pe.extend(optional);
    pe.extend(b".rsrc\0\0\0");
    pe.extend((rsrc.len() as u32).to_le_bytes());
    pe.extend(RSRC_RVA.to_le_bytes());
    pe.extend((raw_size as u32).to_le_bytes());
    pe.extend(0x200u32.to_le_bytes());
    pe.extend([0u8; 12]);
    pe.extend(0x4000_0040u32.to_le_bytes());
    pe.resize(0x200, 0);
    pe.extend(&rsrc);
    pe.resize(0x200 + raw_size, 0);
    pe
}
