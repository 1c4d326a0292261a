//! live555's release, read from the constants its four libraries export.
//!
//! Each library's `*_version.hh` defines its release as a date string and
//! as that date's midnight in Unix seconds, and exports both:
//! `char const* const liveMediaLibraryVersionStr` ("2026.10.24") and
//! `int const liveMediaLibraryVersionInt` (1792800000), likewise for
//! `groupsock`, `UsageEnvironment` and `BasicUsageEnvironment`. The string
//! is reached through a relocated pointer, so the int is read instead and
//! turned back into the date, which must then be in the file as the
//! literal the pointer names. Checked on Debian sid's liblivemedia
//! 2026.10.24-2 (arm64 and armhf): all four libraries export 1792800000
//! and hold "2026.10.24".
//!
//! A program that links live555 statically keeps no dynamic symbols; it is
//! listed by presence (`signatures/classifiers/live555.toml`).

use goblin::elf::Elf;

use crate::identify::classifier::library_named;
use crate::identify::elf::exported_u32;
use crate::model::{Identification, Technique};

/// The libraries, by the prefix of their exported names and their SONAME.
const LIBRARIES: [(&str, &str); 4] = [
    ("liveMedia", "libliveMedia.so"),
    ("groupsock", "libgroupsock.so"),
    ("UsageEnvironment", "libUsageEnvironment.so"),
    ("BasicUsageEnvironment", "libBasicUsageEnvironment.so"),
];

const SECONDS_PER_DAY: u32 = 86_400;

/// live555's identification, when `bytes` are one of its libraries
/// exporting the version constants.
pub fn identify(bytes: &[u8]) -> Option<Identification> {
    // Cheap gate: the names are in `.dynstr` of every such library.
    memchr::memmem::find(bytes, b"LibraryVersionInt\0")?;
    let elf = Elf::parse(bytes).ok()?;
    let (symbol, (seconds, offset)) = LIBRARIES.iter().find_map(|(prefix, _)| {
        let symbol = format!("{prefix}LibraryVersionInt");
        Some((symbol.clone(), exported_u32(&elf, bytes, &symbol)?))
    })?;
    if seconds % SECONDS_PER_DAY != 0 {
        return None;
    }
    let (year, month, day) = civil_date(seconds / SECONDS_PER_DAY);
    // live555 dates its releases from 1996 on.
    if !(1996..=2099).contains(&year) {
        return None;
    }
    let version = format!("{year:04}.{month:02}.{day:02}");
    // The exported string's literal: the two constants must agree.
    memchr::memmem::find(bytes, format!("\0{version}\0").as_bytes())?;
    let claims_file = elf.soname.is_some_and(|soname| {
        LIBRARIES
            .iter()
            .any(|(_, library)| library_named(soname, library))
    });
    Some(Identification {
        component: "live555".into(),
        version: version.clone(),
        kind: "library".into(),
        classifier: "live555-version-constants".into(),
        offset,
        purl: format!("pkg:generic/live555@{version}"),
        // NVD names the library "streaming_media" (as Greenbone's checks do).
        cpe: Some(format!(
            "cpe:2.3:a:live555:streaming_media:{version}:*:*:*:*:*:*:*"
        )),
        supplier: Some("Live Networks, Inc.".into()),
        license: Some("LGPL-3.0-or-later".into()),
        claims_file,
        technique: Technique::BinaryAnalysis,
        series: false,
        symbol: Some(symbol),
        properties: Vec::new(),
    })
}

/// The proleptic Gregorian (year, month, day) of `days` after 1970-01-01
/// (Howard Hinnant's `civil_from_days`).
fn civil_date(days: u32) -> (u32, u32, u32) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153; // March is 0
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + u32::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ElfClass, Endian};
    use crate::samples::{ElfSpec, machine};

    /// Debian sid's liblivemedia 2026.10.24-2: LIVEMEDIA_LIBRARY_VERSION_INT.
    const RELEASE_2026_10_24: u32 = 1_792_800_000;

    fn library(
        endian: Endian,
        prefix: &str,
        soname: &str,
        seconds: u32,
        literal: &[u8],
    ) -> Vec<u8> {
        let value = match endian {
            Endian::Little => seconds.to_le_bytes(),
            Endian::Big => seconds.to_be_bytes(),
        };
        ElfSpec::library(ElfClass::Elf32, endian, machine::ARM, soname)
            .with_export(&format!("{prefix}LibraryVersionInt"), &value)
            .with_rodata(literal)
            .build()
    }

    #[test]
    fn dates_convert_like_the_headers() {
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(
            civil_date(RELEASE_2026_10_24 / SECONDS_PER_DAY),
            (2026, 10, 24)
        );
        // live555 2020.03.06: 1583452800; a leap day.
        assert_eq!(civil_date(1_583_452_800 / SECONDS_PER_DAY), (2020, 3, 6));
        assert_eq!(civil_date(951_782_400 / SECONDS_PER_DAY), (2000, 2, 29));
    }

    #[test]
    fn each_library_gives_the_release() {
        for (prefix, soname) in LIBRARIES {
            for endian in [Endian::Little, Endian::Big] {
                let lib = library(
                    endian,
                    prefix,
                    &format!("{soname}.2"),
                    RELEASE_2026_10_24,
                    b"\0%p\0\x002026.10.24\0",
                );
                let found = identify(&lib).expect(prefix);
                assert_eq!(found.version, "2026.10.24", "{prefix} {endian:?}");
                assert!(found.claims_file, "{prefix}");
                let symbol = format!("{prefix}LibraryVersionInt");
                assert_eq!(found.symbol.as_deref(), Some(symbol.as_str()));
                // Grafted into a wheel by auditwheel, still that library.
                let (stem, ext) = soname.split_once('.').expect("a .so name");
                let grafted = library(
                    endian,
                    prefix,
                    &format!("{stem}-0a1b2c3d.{ext}.2"),
                    RELEASE_2026_10_24,
                    b"\0%p\0\x002026.10.24\0",
                );
                assert!(identify(&grafted).expect(prefix).claims_file, "{prefix}");
                assert_eq!(
                    found.cpe.as_deref(),
                    Some("cpe:2.3:a:live555:streaming_media:2026.10.24:*:*:*:*:*:*:*")
                );
            }
        }
    }

    #[test]
    fn constants_that_disagree_or_are_not_dates_give_nothing() {
        // The literal is another release than the int.
        let other = library(
            Endian::Little,
            "liveMedia",
            "libliveMedia.so.122",
            RELEASE_2026_10_24,
            b"\x002026.10.17\0",
        );
        assert_eq!(identify(&other), None);
        // Not a midnight: not a release date.
        let noon = library(
            Endian::Little,
            "liveMedia",
            "libliveMedia.so.122",
            RELEASE_2026_10_24 + 43_200,
            b"\x002026.10.24\0",
        );
        assert_eq!(identify(&noon), None);
        // Byte-swapped: a date far off, and no such literal.
        let swapped = library(
            Endian::Little,
            "liveMedia",
            "libliveMedia.so.122",
            RELEASE_2026_10_24.swap_bytes(),
            b"\x002026.10.24\0",
        );
        assert_eq!(identify(&swapped), None);
        // A program naming the symbols without exporting them.
        let program = ElfSpec::executable(ElfClass::Elf32, Endian::Little, machine::ARM)
            .with_rodata(b"\0liveMediaLibraryVersionInt\0\x002026.10.24\0")
            .build();
        assert_eq!(identify(&program), None);
    }
}
