//! GNU libiconv's version, read from the integer it exports.
//!
//! `lib/iconv.c` defines `int _libiconv_version = _LIBICONV_VERSION;` with
//! `_LIBICONV_VERSION` = `(major << 8) + minor` (`0x0111` is 1.17), and the
//! library holds no version text (the `iconv` program prints it through
//! "%d.%d"). The real name `libiconv.so.2.6.1` is a libtool interface
//! number that several releases share. glibc, musl and uClibc-ng iconv do
//! not export the symbol.

use goblin::elf::Elf;

use crate::identify::classifier::library_named;
use crate::identify::elf::exported_u32;
use crate::model::{Identification, Technique};

/// The exported version integer.
const SYMBOL: &str = "_libiconv_version";

/// libiconv's identification, when `bytes` are an ELF file exporting
/// `_libiconv_version`.
pub fn identify(bytes: &[u8]) -> Option<Identification> {
    // Cheap gate: the name is in `.dynstr`.
    memchr::memmem::find(bytes, b"\0_libiconv_version\0")?;
    let elf = Elf::parse(bytes).ok()?;
    let (packed, offset) = exported_u32(&elf, bytes, SYMBOL)?;
    let (major, minor) = (packed >> 8, packed & 0xff);
    // Releases are 1.x (1.9 to 1.18 so far): anything else is not a version.
    if major != 1 || minor > 99 || packed >> 16 != 0 {
        return None;
    }
    let version = format!("{major}.{minor}");
    Some(Identification {
        component: "libiconv".into(),
        version: version.clone(),
        kind: "library".into(),
        classifier: "libiconv-version-integer".into(),
        offset,
        purl: format!("pkg:generic/libiconv@{version}"),
        cpe: Some(format!("cpe:2.3:a:gnu:libiconv:{version}:*:*:*:*:*:*:*")),
        supplier: Some("GNU Project".into()),
        license: Some("LGPL-2.1-or-later".into()),
        claims_file: elf.soname.is_some_and(|s| library_named(s, "libiconv.so")),
        technique: Technique::BinaryAnalysis,
        series: false,
        symbol: Some(SYMBOL.into()),
        properties: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ElfClass, Endian};
    use crate::samples::{ElfSpec, machine};

    fn library(endian: Endian, value: u32) -> Vec<u8> {
        let bytes = match endian {
            Endian::Little => value.to_le_bytes(),
            Endian::Big => value.to_be_bytes(),
        };
        ElfSpec::library(ElfClass::Elf32, endian, machine::MIPS, "libiconv.so.2")
            .with_export(SYMBOL, &bytes)
            .build()
    }

    #[test]
    fn the_exported_integer_gives_the_release() {
        for endian in [Endian::Little, Endian::Big] {
            let found = identify(&library(endian, 0x0111)).expect("read");
            assert_eq!(found.version, "1.17", "{endian:?}");
            assert!(found.claims_file);
            assert_eq!(found.symbol.as_deref(), Some("_libiconv_version"));
        }
        assert_eq!(
            identify(&library(Endian::Little, 0x010f))
                .map(|f| f.version)
                .as_deref(),
            Some("1.15")
        );
    }

    #[test]
    fn the_name_alone_or_a_foreign_number_is_no_version() {
        // The iconv program quoting the name, and a byte-swapped value.
        let program = ElfSpec::executable(ElfClass::Elf32, Endian::Little, machine::ARM)
            .with_rodata(b"\0_libiconv_version\0iconv (GNU libiconv %d.%d)\n\0")
            .build();
        assert_eq!(identify(&program), None);
        assert_eq!(identify(&library(Endian::Little, 0x1101_0000)), None);
        assert_eq!(identify(&library(Endian::Little, 0x0211)), None);
    }
}
