//! OpenLDAP's release, read from the feature table libldap answers
//! `LDAP_OPT_API_INFO` with.
//!
//! libldap keeps no version text, and from 2.6 its real name
//! (`libldap.so.2.0.200`) is the same for every release. But
//! `libraries/libldap/options.c` holds
//! `static const LDAPAPIFeatureInfo features[] = { { LDAP_FEATURE_INFO_VERSION,
//! "X_OPENLDAP", LDAP_VENDOR_VERSION }, … }`: an int (1), a pointer to the
//! name, and the release as `major * 10000 + minor * 100 + patch`. So the
//! release is the int after a pointer to "X_OPENLDAP" whose preceding int
//! is 1. Checked on Debian bookworm libldap-2.5-0 2.5.13 (armhf, arm64:
//! 20513) and trixie libldap2 2.6.10 (armhf, arm64: 20610).

use goblin::elf::Elf;

use crate::identify::elf::{pointers_to, read_u32, vaddr_of};
use crate::model::{Identification, Technique};

/// The feature's name, NUL included.
const NAME: &[u8] = b"X_OPENLDAP\0";
/// `LDAP_FEATURE_INFO_VERSION`.
const FEATURE_INFO_VERSION: u32 = 1;
/// Occurrences of the name tried: libldap has one; a hostile file full of
/// them must not cost a scan of the file each.
const MAX_NAMES: usize = 4;

/// OpenLDAP's identification, when `bytes` are an ELF file holding the
/// feature table.
pub fn identify(bytes: &[u8]) -> Option<Identification> {
    memchr::memmem::find(bytes, NAME)?;
    let elf = Elf::parse(bytes).ok()?;
    let word = if elf.is_64 { 8 } else { 4 };
    let int_at = |at: usize| read_u32(&elf, bytes, at);
    for name_at in memchr::memmem::find_iter(bytes, NAME).take(MAX_NAMES) {
        let Some(addr) = vaddr_of(&elf, name_at as u64) else {
            continue;
        };
        for pointer in pointers_to(&elf, bytes, addr) {
            // The struct's first int, padded to the pointer's alignment.
            let info = pointer.checked_sub(word).and_then(int_at);
            let Some(number) = pointer.checked_add(word).and_then(int_at) else {
                continue;
            };
            if info != Some(FEATURE_INFO_VERSION) {
                continue;
            }
            let (major, minor, patch) = (number / 10_000, number / 100 % 100, number % 100);
            // OpenLDAP 2.x releases (2.0.0 … 2.6.x).
            if major != 2 || minor > 20 {
                continue;
            }
            let version = format!("{major}.{minor}.{patch}");
            return Some(Identification {
                component: "openldap".into(),
                version: version.clone(),
                kind: "library".into(),
                classifier: "openldap-feature-table".into(),
                offset: pointer as u64,
                purl: format!("pkg:generic/openldap@{version}"),
                cpe: Some(format!(
                    "cpe:2.3:a:openldap:openldap:{version}:*:*:*:*:*:*:*"
                )),
                supplier: Some("OpenLDAP Foundation".into()),
                license: Some("OLDAP-2.8".into()),
                claims_file: elf.soname.is_some_and(|s| s.starts_with("libldap")),
                technique: Technique::BinaryAnalysis,
                series: false,
                symbol: None,
                properties: Vec::new(),
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ElfClass, Endian};
    use crate::samples::{ElfSpec, machine};

    /// A libldap-shaped library: the name, then the feature table entry
    /// (word-aligned) whose pointer is patched to the name's address (the
    /// sample builder maps file offsets 1:1 to addresses).
    fn library(class: ElfClass, endian: Endian, info: u32, number: u32) -> Vec<u8> {
        let word = if class == ElfClass::Elf64 { 8 } else { 4 };
        let int = |v: u32| match endian {
            Endian::Little => v.to_le_bytes(),
            Endian::Big => v.to_be_bytes(),
        };
        let build = |pad: usize| {
            let mut rodata = b"\0OpenLDAP\0".to_vec();
            rodata.extend_from_slice(NAME);
            rodata.extend(std::iter::repeat_n(0, pad));
            rodata.extend_from_slice(b"TABLE");
            rodata.extend(int(info));
            rodata.extend(std::iter::repeat_n(0, word - 4));
            rodata.extend(std::iter::repeat_n(0xAA, word));
            rodata.extend(int(number));
            ElfSpec::library(class, endian, machine::ARM, "libldap.so.2")
                .with_rodata(&rodata)
                .build()
        };
        let start = |file: &[u8]| memchr::memmem::find(file, b"TABLE").expect("table") + 5;
        let mut file = build(0);
        let pad = (word - start(&file) % word) % word;
        file = build(pad);
        let name = memchr::memmem::find(&file, NAME).expect("name") as u64;
        let at = start(&file) + word;
        let bytes = match endian {
            Endian::Little => name.to_le_bytes(),
            Endian::Big => name.to_be_bytes(),
        };
        let bytes = match endian {
            Endian::Little => &bytes[..word],
            Endian::Big => &bytes[8 - word..],
        };
        file[at..at + word].copy_from_slice(bytes);
        file
    }

    #[test]
    fn the_feature_table_gives_the_release() {
        for class in [ElfClass::Elf32, ElfClass::Elf64] {
            for endian in [Endian::Little, Endian::Big] {
                let lib = library(class, endian, 1, 20_610);
                let found = identify(&lib).expect("table read");
                assert_eq!(found.version, "2.6.10", "{class:?} {endian:?}");
                assert!(found.claims_file);
            }
        }
        let bookworm = library(ElfClass::Elf32, Endian::Little, 1, 20_513);
        assert_eq!(
            identify(&bookworm).map(|f| f.version).as_deref(),
            Some("2.5.13")
        );
    }

    #[test]
    fn the_name_alone_or_another_table_is_no_release() {
        // A program naming the feature (an LDAP client's help text).
        let program = ElfSpec::executable(ElfClass::Elf32, Endian::Little, machine::ARM)
            .with_rodata(b"\0X_OPENLDAP\0")
            .build();
        assert_eq!(identify(&program), None);
        // The entry's first int is not LDAP_FEATURE_INFO_VERSION.
        assert_eq!(
            identify(&library(ElfClass::Elf64, Endian::Little, 7, 20_610)),
            None
        );
        // A number that is no 2.x release.
        assert_eq!(
            identify(&library(ElfClass::Elf64, Endian::Little, 1, 1_792_800)),
            None
        );
        // Cut short.
        let lib = library(ElfClass::Elf64, Endian::Little, 1, 20_610);
        assert_eq!(identify(&lib[..lib.len() / 2]), None);
    }
}
