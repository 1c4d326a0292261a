//! libusb-1.0's version, read from the struct `libusb_get_version()`
//! returns.
//!
//! The library holds no version text: `libusb_version_internal` is
//! `{ u16 major, minor, micro, nano; const char *rc; const char *describe }`
//! with `describe` pointing at `"http://libusb.info"` (libusb/core.c;
//! `"https://libusb.info"` in 1.0.28, Debian trixie). So the
//! numbers sit one `rc` pointer before a pointer to that string. The
//! pointer is found as the string's virtual address stored in place (REL
//! targets, and GNU ld writes RELA addends in place too) or as the addend
//! of a dynamic RELA relocation (linkers that leave the place zero).
//! Checked on Debian libusb-1.0-0 2:1.0.26-1 (armhf, arm64, mipsel) and
//! 2:1.0.28-1 (armhf, arm64).

use goblin::elf::Elf;

use crate::identify::classifier::library_named;
use crate::identify::elf::{offset_of, pointers_to, vaddr_of};
use crate::model::{Identification, Technique};

/// The `describe` strings, NUL included, oldest first.
const DESCRIBES: [&[u8]; 2] = [b"http://libusb.info\0", b"https://libusb.info\0"];
/// Longest release-candidate suffix read (`-rc1`).
const MAX_RC: usize = 16;

/// libusb's identification, when `bytes` are an ELF file holding the
/// version struct.
pub fn identify(bytes: &[u8]) -> Option<Identification> {
    // One pass for both spellings: their common tail, then the scheme.
    let tail = memchr::memmem::find(bytes, b"://libusb.info\0")?;
    DESCRIBES
        .iter()
        .filter(|d| tail >= d.len() - 15 && bytes[tail - (d.len() - 15)..].starts_with(d))
        .find_map(|describe| identify_by(bytes, describe))
}

/// The identification through the struct pointing at `describe`.
fn identify_by(bytes: &[u8], describe: &[u8]) -> Option<Identification> {
    let string_at = memchr::memmem::find(bytes, describe)?;
    let elf = Elf::parse(bytes).ok()?;
    let string_addr = vaddr_of(&elf, string_at as u64)?;
    let word = if elf.is_64 { 8 } else { 4 };
    let read_u16 = |at: usize| {
        let b: [u8; 2] = bytes.get(at..at + 2)?.try_into().ok()?;
        Some(if elf.little_endian {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    };
    let read_word = |at: usize| {
        let b = bytes.get(at..at + word)?;
        let mut v = 0u64;
        for i in 0..word {
            let byte = if elf.little_endian {
                b[word - 1 - i]
            } else {
                b[i]
            };
            v = (v << 8) | u64::from(byte);
        }
        Some(v)
    };
    for describe in pointers_to(&elf, bytes, string_addr) {
        let Some(start) = describe.checked_sub(8 + word) else {
            continue;
        };
        let (Some(major), Some(minor), Some(micro)) =
            (read_u16(start), read_u16(start + 2), read_u16(start + 4))
        else {
            continue;
        };
        // Every libusb-1.0 release is 1.0.x.
        if (major, minor) != (1, 0) || micro > 99 {
            continue;
        }
        let rc = read_word(start + 8)
            .and_then(|addr| offset_of(&elf, addr))
            .and_then(|at| c_string(bytes, at as usize))
            .unwrap_or_default();
        let version = format!("1.0.{micro}{rc}");
        return Some(Identification {
            component: "libusb".into(),
            version: version.clone(),
            kind: "library".into(),
            classifier: "libusb-version-struct".into(),
            offset: start as u64,
            purl: format!("pkg:generic/libusb@{version}"),
            cpe: Some(format!("cpe:2.3:a:libusb:libusb:{version}:*:*:*:*:*:*:*")),
            supplier: Some("libusb project".into()),
            license: Some("LGPL-2.1-or-later".into()),
            claims_file: elf
                .soname
                .is_some_and(|s| library_named(s, "libusb-1.0.so")),
            technique: Technique::BinaryAnalysis,
            series: false,
            symbol: None,
            properties: Vec::new(),
        });
    }
    None
}

/// A short printable NUL-terminated string at `at`.
fn c_string(bytes: &[u8], at: usize) -> Option<String> {
    let tail = bytes.get(at..)?;
    let end = tail.iter().take(MAX_RC + 1).position(|&b| b == 0)?;
    let text = &tail[..end];
    text.iter()
        .all(|b| b.is_ascii_graphic())
        .then(|| String::from_utf8_lossy(text).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ElfClass, Endian};
    use crate::samples::{ElfSpec, machine};

    /// A libusb-shaped library: the describe string, then the version
    /// struct (word-aligned, as a compiler places it) whose pointers are
    /// patched to the strings' addresses (the sample builder maps file
    /// offsets 1:1 to addresses).
    fn library(class: ElfClass, endian: Endian, version: [u16; 4], rc: &str) -> Vec<u8> {
        library_with(DESCRIBES[0], class, endian, version, rc)
    }

    fn library_with(
        describe_text: &[u8],
        class: ElfClass,
        endian: Endian,
        version: [u16; 4],
        rc: &str,
    ) -> Vec<u8> {
        let word = if class == ElfClass::Elf64 { 8 } else { 4 };
        let le = endian == Endian::Little;
        let build = |pad: usize| {
            let mut rodata = b"libusb: error [%s] \0".to_vec();
            rodata.extend_from_slice(describe_text);
            rodata.extend_from_slice(rc.as_bytes());
            rodata.push(0);
            rodata.extend(std::iter::repeat_n(0, pad));
            rodata.extend_from_slice(b"STRUCT");
            for n in version {
                rodata.extend(if le { n.to_le_bytes() } else { n.to_be_bytes() });
            }
            rodata.extend(std::iter::repeat_n(0xAA, 2 * word));
            ElfSpec::library(class, endian, machine::ARM, "libusb-1.0.so.0")
                .with_rodata(&rodata)
                .build()
        };
        let start = |file: &[u8]| memchr::memmem::find(file, b"STRUCT").expect("struct") + 6;
        let mut file = build(0);
        let pad = (word - start(&file) % word) % word;
        file = build(pad);
        let describe = memchr::memmem::find(&file, describe_text).expect("string") as u64;
        let rc_at = describe + describe_text.len() as u64;
        let fields = start(&file) + 8;
        for (i, addr) in [rc_at, describe].into_iter().enumerate() {
            let bytes = if le {
                addr.to_le_bytes()
            } else {
                addr.to_be_bytes()
            };
            let bytes = if le {
                &bytes[..word]
            } else {
                &bytes[8 - word..]
            };
            file[fields + i * word..fields + (i + 1) * word].copy_from_slice(bytes);
        }
        file
    }

    #[test]
    fn the_version_struct_beside_the_describe_pointer_gives_the_release() {
        for class in [ElfClass::Elf32, ElfClass::Elf64] {
            for endian in [Endian::Little, Endian::Big] {
                let lib = library(class, endian, [1, 0, 26, 11724], "");
                let found = identify(&lib).expect("version struct found");
                assert_eq!(found.version, "1.0.26", "{class:?} {endian:?}");
                assert!(found.claims_file);
            }
        }
        let rc = library(ElfClass::Elf32, Endian::Little, [1, 0, 27, 11800], "-rc1");
        assert_eq!(identify(&rc).expect("found").version, "1.0.27-rc1");
        // 1.0.28 points at the https address (Debian trixie, nano 11946).
        let https = library_with(
            DESCRIBES[1],
            ElfClass::Elf64,
            Endian::Little,
            [1, 0, 28, 11946],
            "",
        );
        assert_eq!(identify(&https).expect("found").version, "1.0.28");
    }

    #[test]
    fn the_string_alone_or_other_numbers_are_no_version() {
        // A program that prints the project's address.
        let program = ElfSpec::executable(ElfClass::Elf32, Endian::Little, machine::ARM)
            .with_rodata(b"see http://libusb.info\0")
            .build();
        assert_eq!(identify(&program), None);
        // The pointer beside numbers that are not a 1.0.x release.
        let other = library(ElfClass::Elf32, Endian::Little, [2, 3, 1, 0], "");
        assert_eq!(identify(&other), None);
        // Not ELF, or cut short.
        let lib = library(ElfClass::Elf64, Endian::Little, [1, 0, 26, 1], "");
        assert_eq!(identify(&lib[..lib.len() / 2]), None);
        assert_eq!(identify(b"http://libusb.info\0"), None);
    }
}
