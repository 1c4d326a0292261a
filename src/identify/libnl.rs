//! libnl's version, read from the constants libnl-3 exports.
//!
//! The library holds no version text: `lib/version.c` defines
//! `const int nl_ver_num, nl_ver_maj, nl_ver_min, nl_ver_mic`, with
//! `nl_ver_num = maj << 8 | min` (`LIBNL_VER` in `netlink/version.h`), and
//! exports them. Their dynamic symbols give the addresses; the ints are
//! read in the file's byte order, and `nl_ver_num` must agree with the
//! other two. Checked on Debian libnl-3-200 3.7.0-0.2 (armhf, arm64,
//! mipsel): 3, 7, 0 and 775.

use goblin::elf::Elf;

use crate::identify::classifier::library_named;
use crate::identify::elf::exported_u32;
use crate::model::{Identification, Technique};

/// The symbol names, in the order read.
const SYMBOLS: [&str; 4] = ["nl_ver_maj", "nl_ver_min", "nl_ver_mic", "nl_ver_num"];

/// libnl's identification, when `bytes` are an ELF file exporting the
/// version constants.
pub fn identify(bytes: &[u8]) -> Option<Identification> {
    // Cheap gate: the names are in `.dynstr` of every libnl-3.
    memchr::memmem::find(bytes, b"\0nl_ver_mic\0")?;
    let elf = Elf::parse(bytes).ok()?;
    let value = |name: &str| exported_u32(&elf, bytes, name);
    let [major, minor, micro, num] = SYMBOLS.map(value);
    let ((major, offset), (minor, _), (micro, _), (num, _)) = (major?, minor?, micro?, num?);
    // libnl's releases are 1.x to 3.x with two-digit parts.
    let plausible = (1..=9).contains(&major) && minor < 100 && micro < 100;
    if !plausible || num != (major << 8 | minor) {
        return None;
    }
    let version = format!("{major}.{minor}.{micro}");
    Some(Identification {
        component: "libnl".into(),
        version: version.clone(),
        kind: "library".into(),
        classifier: "libnl-version-constants".into(),
        offset,
        purl: format!("pkg:generic/libnl@{version}"),
        cpe: Some(format!(
            "cpe:2.3:a:libnl_project:libnl:{version}:*:*:*:*:*:*:*"
        )),
        supplier: Some("libnl project".into()),
        license: Some("LGPL-2.1-only".into()),
        claims_file: elf.soname.is_some_and(|s| library_named(s, "libnl-3.so")),
        technique: Technique::BinaryAnalysis,
        series: false,
        // The offset is the major number's.
        symbol: Some(SYMBOLS[0].into()),
        properties: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ElfClass, Endian};
    use crate::samples::{ElfSpec, machine};

    fn library(class: ElfClass, endian: Endian, values: [u32; 4]) -> Vec<u8> {
        let mut spec = ElfSpec::library(class, endian, machine::MIPS, "libnl-3.so.200");
        for (name, value) in SYMBOLS.iter().zip(values) {
            let bytes = match endian {
                Endian::Little => value.to_le_bytes(),
                Endian::Big => value.to_be_bytes(),
            };
            spec = spec.with_export(name, &bytes);
        }
        spec.build()
    }

    #[test]
    fn the_exported_constants_give_the_release() {
        for class in [ElfClass::Elf32, ElfClass::Elf64] {
            for endian in [Endian::Little, Endian::Big] {
                let lib = library(class, endian, [3, 7, 0, 775]);
                let found = identify(&lib).expect("constants read");
                assert_eq!(found.version, "3.7.0", "{class:?} {endian:?}");
                assert!(found.claims_file);
                assert_eq!(found.symbol.as_deref(), Some("nl_ver_maj"));
            }
        }
        let older = library(ElfClass::Elf32, Endian::Little, [3, 2, 25, 0x302]);
        assert_eq!(
            identify(&older).map(|f| f.version).as_deref(),
            Some("3.2.25")
        );
    }

    #[test]
    fn names_without_symbols_or_disagreeing_numbers_are_no_version() {
        // A program quoting the names (a debugger's symbol list).
        let program = ElfSpec::executable(ElfClass::Elf32, Endian::Little, machine::ARM)
            .with_rodata(b"\0nl_ver_maj\0nl_ver_min\0nl_ver_mic\0nl_ver_num\0")
            .build();
        assert_eq!(identify(&program), None);
        // nl_ver_num must be maj << 8 | min.
        let inconsistent = library(ElfClass::Elf32, Endian::Little, [3, 7, 0, 776]);
        assert_eq!(identify(&inconsistent), None);
        // Byte-swapped numbers are implausible.
        let swapped = library(ElfClass::Elf32, Endian::Little, [3 << 24, 7 << 24, 0, 775]);
        assert_eq!(identify(&swapped), None);
        // A library missing one constant.
        let partial = ElfSpec::library(
            ElfClass::Elf32,
            Endian::Little,
            machine::ARM,
            "libnl-3.so.200",
        )
        .with_export("nl_ver_maj", &3u32.to_le_bytes())
        .with_export("nl_ver_mic", &0u32.to_le_bytes())
        .build();
        assert_eq!(identify(&partial), None);
    }
}
