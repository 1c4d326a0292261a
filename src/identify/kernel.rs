//! The Linux kernel banner (`Linux version 4.9.37 (user@host) (gcc version
//! …) #1 SMP …`), as `init/version.c` prints it: kernel version, build host
//! and toolchain. Toolchain names leak the SoC vendor's SDK
//! (`Hisilicon_v300`, `arm-fullhanv3-…`; domain.md §1.4).
//!
//! Looked for in decompressed kernels (artifacts below a `linux-kernel` or
//! `uimage` step) and in any artifact of at least [`MIN_KERNEL`] bytes; the
//! text after the marker must look like a banner, so `Linux version %s` in
//! a userland format string does not count.

use memchr::memmem;

use crate::model::{Artifact, ElfFacts, Identification};

const MARKER: &[u8] = b"Linux version ";
/// Smaller artifacts are only searched inside a kernel container.
pub const MIN_KERNEL: usize = 256 << 10;
const MAX_BANNER: usize = 320;

/// The banner in `bytes`, if `artifact` may hold a kernel.
pub fn banner(artifact: &Artifact, bytes: &[u8]) -> Option<String> {
    let in_kernel_container = artifact
        .location
        .0
        .iter()
        .any(|s| matches!(s.format, Some("linux-kernel" | "uimage")));
    if !in_kernel_container && bytes.len() < MIN_KERNEL {
        return None;
    }
    memmem::find_iter(bytes, MARKER).find_map(|at| {
        let rest = &bytes[at..];
        let end = rest
            .iter()
            .take(MAX_BANNER)
            .position(|&b| b == 0 || b == b'\n')
            .unwrap_or(rest.len().min(MAX_BANNER));
        let text = std::str::from_utf8(&rest[..end]).ok()?;
        let version = text[MARKER.len()..].split(' ').next()?;
        // A real banner: a version, then `(builder)` or, in a kernel
        // container, at least some printable text.
        let looks_real = version.starts_with(|c: char| c.is_ascii_digit()) && text.contains(" (");
        (looks_real || in_kernel_container)
            .then(|| text.trim_end().to_string())
            .filter(|t| t.len() > MARKER.len() && !t.contains('%'))
    })
}

/// Whether `n` is a distribution kernel's ABI number: `50` (Debian,
/// Ubuntu), `0.bpo.6` / `0.deb10.16` (Debian backports), `rpi7`
/// (Raspberry Pi OS).
fn abi_number(n: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if let Some(build) = n.strip_prefix("rpi") {
        return digits(build);
    }
    match n.split('.').collect::<Vec<_>>()[..] {
        [abi] => digits(abi),
        [abi, suite, build] => {
            digits(abi)
                && digits(build)
                && (suite == "bpo" || suite.strip_prefix("deb").is_some_and(digits))
        }
        _ => false,
    }
}

/// The kernel a module was built for, from its `vermagic`
/// (`4.9.37 SMP preempt mod_unload ARMv7 p2v8`): evidence of the image's
/// kernel version even where the kernel itself is not in the image.
pub fn vermagic(facts: &ElfFacts) -> Option<Identification> {
    let (_, value) = facts.modinfo.iter().find(|(k, _)| k == "vermagic")?;
    let version = value.split_whitespace().next()?;
    let numeric: String = version
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    if numeric.split('.').count() < 2 || numeric.ends_with('.') {
        return None;
    }
    // Debian and Ubuntu name their kernels by ABI (`6.1.0-50-arm64`,
    // `5.15.0-91-generic`): the `.0` is not the patch level, so only the
    // series is known (settled by the kernel's own banner when it is in
    // the image).
    let rest = &version[numeric.len()..];
    let abi = numeric.ends_with(".0")
        && rest
            .strip_prefix('-')
            .and_then(|r| r.split_once('-'))
            .is_some_and(|(n, flavour)| {
                abi_number(n) && flavour.starts_with(|c: char| c.is_ascii_alphabetic())
            });
    let (numeric, purl, cpe) = if abi {
        let series = numeric.strip_suffix(".0").unwrap_or(&numeric).to_string();
        (series, "pkg:generic/linux".to_string(), None)
    } else {
        let cpe = format!("cpe:2.3:o:linux:linux_kernel:{numeric}:*:*:*:*:*:*:*");
        (
            numeric.clone(),
            format!("pkg:generic/linux@{numeric}"),
            Some(cpe),
        )
    };
    Some(Identification {
        component: "linux".into(),
        purl,
        cpe,
        version: numeric,
        kind: "operating-system".into(),
        classifier: "linux-module-vermagic".into(),
        offset: 0,
        supplier: Some("The Linux Foundation".into()),
        license: Some("GPL-2.0-only".into()),
        claims_file: false,
        technique: crate::model::Technique::BinaryAnalysis,
        series: abi,
        symbol: None,
        properties: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EntryKind, Location};

    fn artifact(location: Location) -> Artifact {
        Artifact::new(location, "vmlinux".into(), EntryKind::File)
    }

    #[test]
    fn finds_the_banner_in_a_kernel() {
        let mut kernel = vec![0u8; 1000];
        kernel.extend(b"Linux version 4.9.37 (root@build) (gcc version 6.3.0 (HC&C V1R3C00SPC200B005_20190606)) #1 SMP Fri Jun 5 2020\n\0");
        let inside = artifact(
            Location::root("fw.bin")
                .child("uimage", None)
                .child("gzip", None),
        );
        assert_eq!(
            banner(&inside, &kernel).as_deref(),
            Some(
                "Linux version 4.9.37 (root@build) (gcc version 6.3.0 (HC&C V1R3C00SPC200B005_20190606)) #1 SMP Fri Jun 5 2020"
            )
        );
        // Outside a kernel container, small files are not searched.
        assert_eq!(banner(&artifact(Location::root("x")), &kernel), None);
    }

    #[test]
    fn vermagic_names_the_kernel() {
        let facts = |v: &str| ElfFacts {
            class: crate::model::ElfClass::Elf32,
            endian: crate::model::Endian::Little,
            machine: "arm".into(),
            elf_type: crate::model::ElfType::Rel,
            role: crate::model::ElfRole::KernelModule,
            interpreter: None,
            needed: Vec::new(),
            soname: None,
            build_id: None,
            stripped: false,
            toolchain: Vec::new(),
            modinfo: vec![("vermagic".into(), v.into())],
            packer: None,
            package: None,
        };
        assert_eq!(
            vermagic(&facts("4.9.37 SMP mod_unload ARMv7")).map(|i| i.version),
            Some("4.9.37".into())
        );
        assert_eq!(
            vermagic(&facts("3.10.14__isvp_swan_1.0__ SMP")).map(|i| i.version),
            Some("3.10.14".into())
        );
        assert!(vermagic(&facts("garbage")).is_none());
        // A distribution's ABI names the series only.
        for (abi, series) in [
            ("6.1.0-50-arm64 SMP mod_unload modversions aarch64", "6.1"),
            ("5.15.0-91-generic SMP mod_unload modversions", "5.15"),
            ("5.0.0-13-generic SMP mod_unload", "5.0"),
            ("4.19.0-0.bpo.6-amd64 SMP mod_unload", "4.19"),
            ("5.10.0-0.deb10.16-amd64 SMP mod_unload", "5.10"),
            ("6.1.0-rpi7-rpi-v8 SMP preempt mod_unload", "6.1"),
        ] {
            let id = vermagic(&facts(abi)).expect("series");
            assert!(id.series && id.cpe.is_none(), "{abi}");
            assert_eq!(id.version, series);
        }
        // A vendor's 4.9.0 with a local version is a release.
        let vendor = vermagic(&facts("4.9.0-hisi SMP mod_unload")).expect("release");
        assert_eq!((vendor.version.as_str(), vendor.series), ("4.9.0", false));
    }

    #[test]
    fn format_strings_are_not_banners() {
        let mut big = vec![0u8; MIN_KERNEL];
        big.extend(b"Linux version %s (%s)\0Linux version unknown\0");
        assert_eq!(banner(&artifact(Location::root("busybox")), &big), None);
    }
}
