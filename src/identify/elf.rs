//! ELF facts via goblin: class, byte order, machine, type and role,
//! interpreter, `DT_NEEDED`, `DT_SONAME`, GNU build-id, stripped or not;
//! and, for the classifiers, the functions a file defines.
//!
//! Kernel modules are `ET_REL` objects with a `.modinfo` or
//! `.gnu.linkonce.this_module` section. Malformed files are an error for
//! the caller to record, never a panic.

use goblin::elf::header::{self, ET_CORE, ET_DYN, ET_EXEC, ET_REL};
use goblin::elf::note::NT_GNU_BUILD_ID;
use goblin::elf::program_header::PT_LOAD;
use goblin::elf::section_header::{SHN_UNDEF, SHT_SYMTAB};
use goblin::elf::{Elf, note::Note};

use std::collections::{HashMap, HashSet};

use crate::model::{
    Artifact, ElfClass, ElfFacts, ElfRole, ElfType, Endian, PackageNote, Step, hex,
};

/// Sections whose presence marks an `ET_REL` object as a kernel module.
const MODULE_SECTIONS: [&str; 2] = [".modinfo", ".gnu.linkonce.this_module"];

/// Whether `bytes` start with the ELF magic.
pub fn is_elf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x7fELF")
}

/// The word size and byte order an ELF header declares, to parse its
/// program and section headers without parsing the rest of the file.
pub(crate) fn header_ctx(header: &header::Header) -> Option<goblin::container::Ctx> {
    use goblin::container::{Container, Ctx};
    let container = if header.e_ident[header::EI_CLASS] == header::ELFCLASS64 {
        Container::Big
    } else {
        Container::Little
    };
    Some(Ctx::new(container, header.endianness().ok()?))
}

/// A file whose section table cannot be read: it has none (stripped by
/// sstrip) or a damaged one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NoSectionTable;

/// The file range (offset, size) of the section called `name`, read from
/// the ELF header and section table alone (no symbol tables): `Ok(None)`
/// when the table has no such section.
pub(crate) fn section_range(
    bytes: &[u8],
    name: &[u8],
) -> Result<Option<(usize, usize)>, NoSectionTable> {
    use goblin::elf::SectionHeader;
    use goblin::elf::section_header::SHN_XINDEX;
    let header = Elf::parse_header(bytes).map_err(|_| NoSectionTable)?;
    let shoff = usize::try_from(header.e_shoff).map_err(|_| NoSectionTable)?;
    if shoff == 0 {
        return Err(NoSectionTable);
    }
    let ctx = header_ctx(&header).ok_or(NoSectionTable)?;
    let parse = |count: usize| {
        SectionHeader::parse(bytes, shoff, count, ctx)
            .ok()
            .filter(|s| !s.is_empty())
            .ok_or(NoSectionTable)
    };
    // More sections than the header's field holds: the count is the first
    // section header's size, and the name table's index its link.
    let first = parse(1)?;
    let count = match header.e_shnum {
        0 => usize::try_from(first[0].sh_size).map_err(|_| NoSectionTable)?,
        n => usize::from(n),
    };
    let sections = parse(count)?;
    let names_index = match u32::from(header.e_shstrndx) {
        SHN_XINDEX => first[0].sh_link as usize,
        0 => return Err(NoSectionTable),
        i => i as usize,
    };
    let table = sections.get(names_index).ok_or(NoSectionTable)?;
    let start = usize::try_from(table.sh_offset).map_err(|_| NoSectionTable)?;
    let names = bytes.get(start..).ok_or(NoSectionTable)?;
    let names =
        &names[..usize::try_from(table.sh_size).map_or(names.len(), |n| n.min(names.len()))];
    // The name and its NUL at each section's offset: a compare per section,
    // however the table is shaped.
    let wanted = [name, b"\0"].concat();
    Ok(sections.iter().find_map(|s| {
        names
            .get(s.sh_name..)
            .is_some_and(|n| n.starts_with(&wanted))
            .then(|| {
                Some((
                    usize::try_from(s.sh_offset).ok()?,
                    usize::try_from(s.sh_size).ok()?,
                ))
            })
            .flatten()
    }))
}

/// The virtual address a loaded segment gives file offset `at`.
pub(crate) fn vaddr_of(elf: &Elf<'_>, at: u64) -> Option<u64> {
    elf.program_headers
        .iter()
        .filter(|p| p.p_type == PT_LOAD)
        .find(|p| at >= p.p_offset && at - p.p_offset < p.p_filesz)
        .map(|p| p.p_vaddr.wrapping_add(at - p.p_offset))
}

/// The file offset that holds virtual address `addr`.
pub(crate) fn offset_of(elf: &Elf<'_>, addr: u64) -> Option<u64> {
    elf.program_headers
        .iter()
        .filter(|p| p.p_type == PT_LOAD)
        .find(|p| addr >= p.p_vaddr && addr - p.p_vaddr < p.p_filesz)
        .and_then(|p| p.p_offset.checked_add(addr - p.p_vaddr))
}

/// File offsets of the places that point at virtual address `addr`: the
/// word stored in place (REL targets; GNU ld writes RELA addends in place
/// too), or a dynamic RELA relocation whose addend it is (linkers that
/// leave the place zero). How a library's static tables name their strings
/// (libusb's version struct, OpenLDAP's feature table).
pub(crate) fn pointers_to<'a>(
    elf: &'a Elf<'_>,
    bytes: &'a [u8],
    addr: u64,
) -> impl Iterator<Item = usize> + 'a {
    let word = if elf.is_64 { 8 } else { 4 };
    let needle: Vec<u8> = (0..word)
        .map(|i| {
            let shift = if elf.little_endian { i } else { word - 1 - i } * 8;
            (addr >> shift) as u8
        })
        .collect();
    let finder = memchr::memmem::Finder::new(&needle).into_owned();
    let mut from = 0;
    let in_place = std::iter::from_fn(move || {
        let at = from + finder.find(bytes.get(from..)?)?;
        from = at + 1;
        Some(at)
    });
    let relocated = elf
        .dynrelas
        .iter()
        .filter(move |r| r.r_addend == Some(addr as i64))
        .filter_map(move |r| offset_of(elf, r.r_offset))
        .filter_map(|at| usize::try_from(at).ok());
    in_place.filter(move |at| at % word == 0).chain(relocated)
}

/// The 4-byte integer an exported data object `name` labels, read in the
/// file's byte order, and its file offset: version numbers a library
/// exports (libnl's `nl_ver_maj`, libiconv's `_libiconv_version`).
pub(crate) fn exported_u32(elf: &Elf<'_>, bytes: &[u8], name: &str) -> Option<(u32, u64)> {
    use goblin::elf::sym::STT_OBJECT;
    let symbol = elf.dynsyms.iter().find(|s| {
        s.st_size == 4
            && s.st_value != 0
            && s.st_shndx != 0
            && s.st_type() == STT_OBJECT
            && elf.dynstrtab.get_at(s.st_name) == Some(name)
    })?;
    let offset = offset_of(elf, symbol.st_value)?;
    let value = read_u32(elf, bytes, usize::try_from(offset).ok()?)?;
    Some((value, offset))
}

/// Which of `wanted` an ELF file defines as functions (not the ones it
/// imports), from `.dynsym` and `.symtab`: what tells a copy of a
/// component's code from a program linked against its library, which names
/// the same functions as undefined. Only global and weak functions count,
/// and local ones the linker hid (`-fvisibility=hidden` turns them local
/// and hidden in `.symtab`): a data symbol may be a program's copy of a
/// library's variable (a COPY relocation) or a pointer a loader fills, and
/// a plain local one a `static inline` from a header. A C++ function's mangled name counts by its plain
/// name (`_Z16CAacDecoder_InitP…` is `CAacDecoder_Init`); symbol versions
/// (`@@LIB_1`) and GCC's clone suffixes (`mbedtls_mpi_grow.part.0`) are
/// dropped. `None` when the file does not parse.
pub(crate) fn defined_functions<'a>(
    bytes: &'a [u8],
    wanted: &HashSet<String>,
) -> Option<HashSet<&'a str>> {
    use goblin::elf::sym::{
        STB_GLOBAL, STB_LOCAL, STB_WEAK, STT_FUNC, STT_GNU_IFUNC, STV_HIDDEN, STV_INTERNAL,
    };
    let elf = Elf::parse(bytes).ok()?;
    let tables = [(&elf.dynsyms, &elf.dynstrtab), (&elf.syms, &elf.strtab)];
    let mut names = HashSet::new();
    for (symbols, strings) in tables {
        for symbol in symbols.iter() {
            if symbol.st_shndx == SHN_UNDEF as usize
                || !matches!(symbol.st_type(), STT_FUNC | STT_GNU_IFUNC)
                || !match symbol.st_bind() {
                    STB_GLOBAL | STB_WEAK => true,
                    STB_LOCAL => matches!(symbol.st_visibility(), STV_HIDDEN | STV_INTERNAL),
                    _ => false,
                }
            {
                continue;
            }
            let Some(name) = strings.get_at(symbol.st_name) else {
                continue;
            };
            let name = name.split_once('@').map_or(name, |(plain, _)| plain);
            let name = unmangled(name);
            let name = name.split_once('.').map_or(name, |(plain, _)| plain);
            if wanted.contains(name) {
                names.insert(name);
            }
        }
    }
    Some(names)
}

/// A mangled C++ function at namespace scope (`_Z<length><name><types>`,
/// `_ZL…` with internal linkage) by its name; any other symbol as it is.
pub(crate) fn unmangled(symbol: &str) -> &str {
    let Some(rest) = symbol.strip_prefix("_Z") else {
        return symbol;
    };
    let rest = rest.strip_prefix('L').unwrap_or(rest);
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    rest[..digits]
        .parse::<usize>()
        .ok()
        .and_then(|len| rest.get(digits..digits.checked_add(len)?))
        .filter(|name| !name.is_empty())
        .unwrap_or(symbol)
}

/// The 4-byte integer at file offset `at`, in the file's byte order.
pub(crate) fn read_u32(elf: &Elf<'_>, bytes: &[u8], at: usize) -> Option<u32> {
    let raw: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(if elf.little_endian {
        u32::from_le_bytes(raw)
    } else {
        u32::from_be_bytes(raw)
    })
}

/// The libraries of an image by the names `DT_NEEDED` entries use: a
/// library's SONAME, or else its file name (a SONAME wins over another
/// file's name; among equal names, the first file). A name is looked up in
/// the program's own container (its root filesystem) first, then in the
/// whole image, so an image holding two root filesystems links each program
/// to its own copy. One index serves the dependency graph and the settling
/// of release series, so both follow the same link.
pub struct LinkIndex<'a, T> {
    by_name: HashMap<&'a str, T>,
    in_container: HashMap<(&'a [Step], &'a str), T>,
}

impl<'a, T: Copy> LinkIndex<'a, T> {
    /// Index `libraries`: each ELF file with what it stands for.
    pub fn new(libraries: &[(&'a Artifact, T)]) -> Self {
        let mut index = LinkIndex {
            by_name: HashMap::new(),
            in_container: HashMap::new(),
        };
        for &(artifact, value) in libraries {
            let name = artifact.name.as_str();
            index.by_name.entry(name).or_insert(value);
            index
                .in_container
                .entry((artifact.location.container(), name))
                .or_insert(value);
        }
        for &(artifact, value) in libraries {
            if let Some(soname) = artifact.elf.as_ref().and_then(|e| e.soname.as_deref()) {
                index.by_name.insert(soname, value);
                index
                    .in_container
                    .insert((artifact.location.container(), soname), value);
            }
        }
        index
    }

    /// What `program` loads for its `DT_NEEDED` entry `needed`.
    pub fn resolve(&self, program: &'a Artifact, needed: &'a str) -> Option<T> {
        self.in_container
            .get(&(program.location.container(), needed))
            .or_else(|| self.by_name.get(needed))
            .copied()
    }
}

/// Read the facts of an ELF file.
pub fn facts(bytes: &[u8]) -> Result<ElfFacts, goblin::error::Error> {
    let elf = Elf::parse(bytes)?;
    let endian = if elf.little_endian {
        Endian::Little
    } else {
        Endian::Big
    };
    let elf_type = match elf.header.e_type {
        ET_EXEC => ElfType::Exec,
        ET_DYN => ElfType::Dyn,
        ET_REL => ElfType::Rel,
        ET_CORE => ElfType::Core,
        _ => ElfType::Other,
    };
    let section_named = |name: &str| {
        elf.section_headers
            .iter()
            .any(|s| elf.shdr_strtab.get_at(s.sh_name) == Some(name))
    };
    let interpreter = elf
        .interpreter
        .map(|i| i.trim_end_matches('\0').to_string())
        .filter(|i| !i.is_empty());
    let role = match elf_type {
        ElfType::Exec => ElfRole::Executable,
        ElfType::Dyn if interpreter.is_some() => ElfRole::Executable,
        ElfType::Dyn => ElfRole::SharedLibrary,
        ElfType::Rel if MODULE_SECTIONS.iter().any(|s| section_named(s)) => ElfRole::KernelModule,
        ElfType::Rel => ElfRole::Object,
        ElfType::Core | ElfType::Other => ElfRole::Other,
    };
    Ok(ElfFacts {
        class: if elf.is_64 {
            ElfClass::Elf64
        } else {
            ElfClass::Elf32
        },
        endian,
        machine: machine_name(elf.header.e_machine, elf.is_64, endian),
        elf_type,
        role,
        interpreter,
        needed: elf.libraries.iter().map(|s| s.to_string()).collect(),
        soname: elf.soname.map(str::to_string),
        build_id: build_id(&elf, bytes),
        stripped: !elf.section_headers.iter().any(|s| s.sh_type == SHT_SYMTAB),
        toolchain: comment(&elf, bytes),
        modinfo: if role == ElfRole::KernelModule {
            modinfo(&elf, bytes)
        } else {
            Vec::new()
        },
        packer: packer(bytes),
        package: package_note(&elf, bytes),
    })
}

/// Note type of the FDO package note.
const NT_FDO_PACKAGING_METADATA: u32 = 0xcafe_1a7e;
/// Longest package note read (the spec's JSON is a few hundred bytes).
const MAX_PACKAGE_NOTE: usize = 64 * 1024;

/// The desc of the first note with this owner and type, from the note
/// segments (present even when section headers are stripped) or else the
/// note sections.
fn find_note<'a>(elf: &Elf<'a>, bytes: &'a [u8], owner: &str, n_type: u32) -> Option<&'a [u8]> {
    let wanted = |note: &Note<'_>| note.n_type == n_type && note.name == owner;
    let from_segments = elf
        .iter_note_headers(bytes)
        .into_iter()
        .flatten()
        .map_while(Result::ok)
        .find(wanted);
    let note = from_segments.or_else(|| {
        elf.iter_note_sections(bytes, None)
            .into_iter()
            .flatten()
            .map_while(Result::ok)
            .find(wanted)
    })?;
    Some(note.desc)
}

/// The FDO package note (owner `FDO`, type 0xcafe1a7e, wherever it is
/// stored; the spec's readers look it up by type): a JSON object with at
/// least `type`, `name` and `version`.
fn package_note<'a>(elf: &Elf<'a>, bytes: &'a [u8]) -> Option<PackageNote> {
    package_json(find_note(elf, bytes, "FDO", NT_FDO_PACKAGING_METADATA)?)
}

/// The package a note's JSON names. `name` and `version` are the source
/// package's (spec); `os` is the distribution id, or else the product of
/// `osCpe` (Fedora writes only `cpe:/o:fedoraproject:fedora:40`).
fn package_json(desc: &[u8]) -> Option<PackageNote> {
    if desc.len() > MAX_PACKAGE_NOTE {
        return None;
    }
    let desc = desc.split(|&b| b == 0).next()?;
    let json: serde_json::Value = serde_json::from_slice(desc).ok()?;
    let text = |key: &str| {
        json.get(key)
            .and_then(serde_json::Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty() && s.len() <= 256)
            .map(str::to_string)
    };
    let os = text("os").or_else(|| {
        let cpe = text("osCpe")?;
        let product = cpe.split(':').nth(3)?;
        (!product.is_empty()).then(|| product.to_string())
    });
    Some(PackageNote {
        kind: text("type")?.to_ascii_lowercase(),
        name: text("name")?,
        version: text("version")?,
        architecture: text("architecture"),
        os: os.map(|os| os.to_ascii_lowercase()),
    })
}

/// Distinct `.comment` strings, in order (linkers repeat them per object).
fn comment(elf: &Elf<'_>, bytes: &[u8]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for field in section(elf, bytes, ".comment")
        .unwrap_or_default()
        .split(|&b| b == 0)
    {
        let text = String::from_utf8_lossy(field).trim().to_string();
        if !text.is_empty() && !out.contains(&text) && out.len() < 16 {
            out.push(text);
        }
    }
    out
}

/// The bytes of the section called `name`.
fn section<'a>(elf: &Elf<'_>, bytes: &'a [u8], name: &str) -> Option<&'a [u8]> {
    let header = elf
        .section_headers
        .iter()
        .find(|s| elf.shdr_strtab.get_at(s.sh_name) == Some(name))?;
    let at = usize::try_from(header.sh_offset).ok()?;
    let len = usize::try_from(header.sh_size).ok()?;
    bytes.get(at..at.checked_add(len)?)
}

/// Most `.modinfo` fields kept.
const MAX_MODINFO: usize = 256;
/// Most `alias` fields kept (USB and PCI drivers list hundreds).
const MAX_ALIASES: usize = 32;

/// `key=value` strings of a kernel module's `.modinfo` section.
fn modinfo(elf: &Elf<'_>, bytes: &[u8]) -> Vec<(String, String)> {
    let Some(data) = section(elf, bytes, ".modinfo") else {
        return Vec::new();
    };
    // Modules list hundreds of device aliases; keep a few, and every other
    // field (`vermagic` may come after them).
    let mut aliases = 0;
    data.split(|&b| b == 0)
        .filter_map(|field| {
            let text = std::str::from_utf8(field).ok()?;
            let (key, value) = text.split_once('=')?;
            if key == "alias" {
                aliases += 1;
                if aliases > MAX_ALIASES {
                    return None;
                }
            }
            Some((key.to_string(), value.trim_end().to_string()))
        })
        .take(MAX_MODINFO)
        .collect()
}

/// UPX leaves its `UPX!` marker after the program headers (the `l_info`
/// block) and, unless stripped by the packer's user, a `$Info: This file
/// is packed with the UPX executable packer` notice.
fn packer(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(4096)];
    let marker = memchr::memmem::find(head, b"UPX!").is_some();
    let notice = memchr::memmem::find(bytes, b"packed with the UPX executable packer").is_some();
    (marker || notice).then(|| "upx".to_string())
}

/// Machine names as toolchains spell them (the endianness is part of the
/// name for MIPS and ARM, as in `mipsel-linux-gnu`).
fn machine_name(machine: u16, is_64: bool, endian: Endian) -> String {
    let le = endian == Endian::Little;
    let name = match machine {
        header::EM_ARM if le => "arm",
        header::EM_ARM => "armeb",
        header::EM_AARCH64 if le => "aarch64",
        header::EM_AARCH64 => "aarch64_be",
        header::EM_MIPS | header::EM_MIPS_RS3_LE => match (is_64, le) {
            (false, false) => "mips",
            (false, true) => "mipsel",
            (true, false) => "mips64",
            (true, true) => "mips64el",
        },
        header::EM_386 => "x86",
        header::EM_X86_64 => "x86_64",
        header::EM_PPC => "powerpc",
        header::EM_PPC64 if le => "powerpc64le",
        header::EM_PPC64 => "powerpc64",
        header::EM_RISCV if is_64 => "riscv64",
        header::EM_RISCV => "riscv32",
        header::EM_SH => "sh",
        header::EM_XTENSA => "xtensa",
        header::EM_ARC | header::EM_ARC_COMPACT | header::EM_ARC_COMPACT2 => "arc",
        header::EM_CSKY => "csky",
        header::EM_NDS32 => "nds32",
        header::EM_LOONGARCH => "loongarch",
        other => {
            return header::machine_to_str(other)
                .to_ascii_lowercase()
                .replace("em_", "");
        }
    };
    name.to_string()
}

fn build_id<'a>(elf: &Elf<'a>, bytes: &'a [u8]) -> Option<String> {
    find_note(elf, bytes, "GNU", NT_GNU_BUILD_ID).map(hex)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples::{ElfSpec, machine};

    #[test]
    fn a_section_is_found_by_its_exact_name_and_a_damaged_table_is_no_table() {
        let elf = ElfSpec::executable(ElfClass::Elf64, Endian::Little, machine::AARCH64)
            .with_section(".dep-v0", b"crates")
            .with_section(".dep-v0x", b"other")
            .build();
        let (at, len) = section_range(&elf, b".dep-v0")
            .expect("table")
            .expect("section");
        assert_eq!(&elf[at..at + len], b"crates");
        assert_eq!(section_range(&elf, b".dep-v"), Ok(None));
        assert_eq!(section_range(&elf, b".go.buildinfo"), Ok(None));
        let field = |elf: &mut Vec<u8>, at: usize, value: &[u8]| {
            elf[at..at + value.len()].copy_from_slice(value);
        };
        // ELF64: e_shoff at 0x28, e_shnum at 0x3c, e_shstrndx at 0x3e.
        let shoff = u64::from_le_bytes(elf[0x28..0x30].try_into().expect("8")) as usize;
        let shnum = u16::from_le_bytes([elf[0x3c], elf[0x3d]]);
        let shstrndx = u16::from_le_bytes([elf[0x3e], elf[0x3f]]);
        for (at, value) in [
            (0x28, &0u64.to_le_bytes()[..]),           // no table
            (0x28, &(elf.len() as u64).to_le_bytes()), // past the end
            (0x3e, &0u16.to_le_bytes()),               // no name table
            (0x3e, &999u16.to_le_bytes()),             // a name table past the count
        ] {
            let mut damaged = elf.clone();
            field(&mut damaged, at, value);
            assert_eq!(
                section_range(&damaged, b".dep-v0"),
                Err(NoSectionTable),
                "{at:#x}"
            );
        }
        // More sections than the field holds: the count in section 0's
        // size, the name table's index in its link.
        let mut extended = elf.clone();
        field(&mut extended, 0x3c, &0u16.to_le_bytes());
        field(&mut extended, 0x3e, &0xffffu16.to_le_bytes());
        field(&mut extended, shoff + 32, &u64::from(shnum).to_le_bytes());
        field(
            &mut extended,
            shoff + 40,
            &u32::from(shstrndx).to_le_bytes(),
        );
        assert_eq!(section_range(&extended, b".dep-v0"), Ok(Some((at, len))));
        assert_eq!(section_range(b"\x7fELF", b".dep-v0"), Err(NoSectionTable));
    }

    #[test]
    fn defined_functions_are_what_a_file_defines_by_plain_name() {
        let wanted: HashSet<String> = [
            "CAacDecoder_Init",
            "mbedtls_mpi_grow",
            "zng_deflate",
            "cJSON_Parse",
            "cJSON_Delete",
            "FDK_getValidBits",
            "short",
            "aacEncInfo",
        ]
        .map(String::from)
        .into();
        let library = ElfSpec::library(ElfClass::Elf64, Endian::Big, machine::MIPS, "libx.so")
            .with_function("_Z16CAacDecoder_InitP20AAC_DECODER_INSTANCEPK21CSAudioSpecificConfig")
            .with_function("mbedtls_mpi_grow.part.0")
            .with_function("zng_deflate@@ZLIB_NG_2.0.0")
            .with_function("_ZN4absl4CordC2Ev")
            .with_function("_Z99short")
            .with_function("vendor_init")
            .with_export("aacEncInfo", &[0; 4])
            .with_import("FDK_getValidBits")
            .build();
        let names = defined_functions(&library, &wanted).expect("parses");
        let mut sorted: Vec<_> = names.into_iter().collect();
        sorted.sort_unstable();
        // Nested C++ names and lengths past the end stay as written; a data
        // object and an import are not definitions of functions.
        assert_eq!(
            sorted,
            ["CAacDecoder_Init", "mbedtls_mpi_grow", "zng_deflate"]
        );
        // A kernel module's .symtab: its definitions, not its imports.
        let module = ElfSpec::kernel_module(ElfClass::Elf32, Endian::Little, machine::ARM, &[])
            .with_function("cJSON_Parse")
            .with_import("cJSON_Delete")
            .build();
        let names = defined_functions(&module, &wanted).expect("parses");
        assert_eq!(names.into_iter().collect::<Vec<_>>(), ["cJSON_Parse"]);
        // An unstripped -fvisibility=hidden library: its functions are
        // local and hidden in .symtab, and count.
        let hidden = ElfSpec::library(ElfClass::Elf32, Endian::Little, machine::ARM, "libv.so")
            .with_symtab(true)
            .with_rodata(b"\0")
            .with_hidden_function("cJSON_Delete")
            .build();
        let names = defined_functions(&hidden, &wanted).expect("parses");
        assert_eq!(names.into_iter().collect::<Vec<_>>(), ["cJSON_Delete"]);
        assert_eq!(defined_functions(b"\x7fELF\x01", &wanted), None);
        assert_eq!(unmangled("_ZL12inflate_fastP8z_stream"), "inflate_fast");
        for as_written in ["_Z", "_ZL", "_Z0x", "_ZN3foo3barEv", "inflate"] {
            assert_eq!(unmangled(as_written), as_written);
        }
    }

    #[test]
    fn facts_of_each_class_byte_order_and_role() {
        let cases = [
            (
                ElfSpec::executable(ElfClass::Elf32, Endian::Little, machine::ARM),
                "arm",
                ElfRole::Executable,
            ),
            (
                ElfSpec::executable(ElfClass::Elf32, Endian::Big, machine::MIPS),
                "mips",
                ElfRole::Executable,
            ),
            (
                ElfSpec::library(ElfClass::Elf32, Endian::Little, machine::MIPS, "libz.so.1"),
                "mipsel",
                ElfRole::SharedLibrary,
            ),
            (
                ElfSpec::library(ElfClass::Elf64, Endian::Big, machine::MIPS, "libc.so.6"),
                "mips64",
                ElfRole::SharedLibrary,
            ),
            (
                ElfSpec::executable(ElfClass::Elf64, Endian::Little, machine::AARCH64),
                "aarch64",
                ElfRole::Executable,
            ),
            (
                ElfSpec::kernel_module(
                    ElfClass::Elf32,
                    Endian::Little,
                    machine::ARM,
                    &["vermagic=4.9.37 mod_unload ARMv7 "],
                ),
                "arm",
                ElfRole::KernelModule,
            ),
        ];
        let module = ElfSpec::kernel_module(
            ElfClass::Elf32,
            Endian::Little,
            machine::ARM,
            &[
                "license=GPL",
                "vermagic=4.9.37 SMP mod_unload ARMv7 ",
                "name=sensor_imx307",
            ],
        );
        assert_eq!(
            facts(&module.build()).expect("parses").modinfo,
            [
                ("license".to_string(), "GPL".to_string()),
                (
                    "vermagic".to_string(),
                    "4.9.37 SMP mod_unload ARMv7".to_string()
                ),
                ("name".to_string(), "sensor_imx307".to_string()),
            ]
        );
        for (spec, machine, role) in cases {
            let facts = facts(&spec.build()).expect("parses");
            assert_eq!(facts.machine, machine);
            assert_eq!(facts.role, role, "{machine}");
            assert_eq!(facts.class, spec.class);
            assert_eq!(facts.endian, spec.endian);
            assert_eq!(facts.soname, spec.soname);
            assert_eq!(facts.needed, spec.needed);
        }
    }

    #[test]
    fn interpreter_build_id_and_symtab() {
        let spec = ElfSpec::executable(ElfClass::Elf32, Endian::Little, machine::ARM)
            .with_build_id(&[0xab, 0xcd, 0x01])
            .with_symtab(true);
        let facts = facts(&spec.build()).expect("parses");
        assert_eq!(facts.interpreter.as_deref(), Some("/lib/ld-uClibc.so.0"));
        assert_eq!(facts.build_id.as_deref(), Some("abcd01"));
        assert!(!facts.stripped);
        let stripped = ElfSpec::executable(ElfClass::Elf32, Endian::Little, machine::ARM);
        let facts = super::facts(&stripped.build()).expect("parses");
        assert!(facts.stripped);
        assert_eq!(facts.build_id, None);
    }

    #[test]
    fn an_object_without_modinfo_is_not_a_kernel_module() {
        let mut spec = ElfSpec::kernel_module(ElfClass::Elf32, Endian::Little, machine::ARM, &[]);
        spec.modinfo.clear();
        assert_eq!(facts(&spec.build()).expect("parses").role, ElfRole::Object);
    }

    #[test]
    fn toolchain_strings_are_read_from_comment() {
        let spec = ElfSpec::executable(ElfClass::Elf32, Endian::Little, machine::ARM)
            .with_comment(b"GCC: (HC&C V1R3C00SPC200B005_20190606) 6.3.0\0GCC: (HC&C V1R3C00SPC200B005_20190606) 6.3.0\0");
        assert_eq!(
            facts(&spec.build()).expect("parses").toolchain,
            ["GCC: (HC&C V1R3C00SPC200B005_20190606) 6.3.0"]
        );
    }

    #[test]
    fn upx_packing_is_recognised() {
        let packed = ElfSpec::executable(ElfClass::Elf32, Endian::Little, machine::ARM)
            .with_rodata(b"UPX!\x0d\x0c\x00\x00$Info: This file is packed with the UPX executable packer http://upx.sf.net $")
            .build();
        assert_eq!(
            facts(&packed).expect("parses").packer.as_deref(),
            Some("upx")
        );
        let plain = ElfSpec::executable(ElfClass::Elf32, Endian::Little, machine::ARM)
            .with_rodata(b"mentions UPX in a help text")
            .build();
        assert_eq!(facts(&plain).expect("parses").packer, None);
    }

    #[test]
    fn package_note_names_the_package_in_either_byte_order() {
        // As Debian's systemd build writes it.
        let json = r#"{"type":"deb","os":"Debian","name":"systemd","version":"252.39-1~deb12u2","architecture":"armhf"}"#;
        for endian in [Endian::Little, Endian::Big] {
            let lib = ElfSpec::library(ElfClass::Elf32, endian, machine::ARM, "libsystemd.so.0")
                .with_package_note(json)
                .build();
            let note = facts(&lib).expect("parses").package.expect("note read");
            assert_eq!(
                (
                    note.kind.as_str(),
                    note.name.as_str(),
                    note.version.as_str()
                ),
                ("deb", "systemd", "252.39-1~deb12u2")
            );
            assert_eq!(note.os.as_deref(), Some("debian"));
            assert_eq!(note.architecture.as_deref(), Some("armhf"));
        }
        // Not JSON, or without a version: no package.
        for bad in [
            "{not json",
            r#"{"type":"deb","name":"x"}"#,
            r#"{"type":"deb","name":"x","version":""}"#,
        ] {
            let lib = ElfSpec::library(ElfClass::Elf64, Endian::Little, machine::X86_64, "libx.so")
                .with_package_note(bad)
                .build();
            assert_eq!(facts(&lib).expect("parses").package, None, "{bad}");
        }
        // Fedora names the distribution by CPE only.
        let fedora = package_json(
            br#"{"type":"rpm","name":"openssl","version":"3.1.1-4.fc39","architecture":"x86_64","osCpe":"cpe:/o:fedoraproject:fedora:39"}"#,
        )
        .expect("rpm note");
        assert_eq!(fedora.os.as_deref(), Some("fedora"));
        assert_eq!(package_json(&[0xff; 7]), None);
    }

    #[test]
    fn malformed_elf_is_an_error_not_a_panic() {
        let good = ElfSpec::executable(ElfClass::Elf64, Endian::Little, machine::X86_64).build();
        assert!(facts(&good[..20]).is_err());
        let mut bad_phoff = good.clone();
        bad_phoff[32..40].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(facts(&bad_phoff).is_err());
        assert!(facts(b"\x7fELF garbage").is_err());
    }
}
