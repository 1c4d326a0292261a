//! The compiler that built a binary, from its `.comment` strings:
//! `GCC: (Buildroot 2020.02) 8.4.0`, `GCC: (HC&C V1R3C00SPC200B005_20190606)
//! 6.3.0` (HiSilicon's SDK), `clang version 14.0.6`, `rustc version 1.90.0
//! (1159e78c4 2025-09-14)` (a Rust program's compiler; its standard library
//! is compiled into the program, but `.comment` names the compiler).
//!
//! The compiler is a build tool, not part of the firmware: its component is
//! marked [`BUILD_TOOL`] (CycloneDX `scope: excluded`), with every binary it
//! built as an occurrence. GCC's own runtime libraries are compiled by the
//! GCC they ship with, so the `.comment` of `libgcc_s.so*` and
//! `libstdc++.so*` is their version (when it names one GCC version only),
//! and so is the package note that names GCC's source package when the
//! distribution strips `.comment`. A kernel names its compiler in its
//! `Linux version` banner ([`from_kernel_banner`]).

use std::sync::LazyLock;

use regex::Regex;

use crate::identify::classifier::library_named;
use crate::model::{ElfFacts, Identification, PackageNote, Technique};

/// `Identification::kind` of a compiler: a build tool, not shipped.
pub const BUILD_TOOL: &str = "build-tool";

/// `GCC: (<distribution>) <version>`; the distribution may hold
/// parentheses of its own (`GCC: (Ubuntu/Linaro 4.6.3-1ubuntu5) 4.6.3`).
static GCC: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"^GCC: \((?P<vendor>.*)\) (?P<version>[0-9]+\.[0-9]+(?:\.[0-9]+)?)(?:\s|$)").ok()
});
/// `clang version 14.0.6 (…)`, also after a vendor (`Android (…) clang …`).
static CLANG: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?:^|\s)clang version (?P<version>[0-9]+\.[0-9]+\.[0-9]+)(?:\s|$)").ok()
});

/// `rustc version 1.90.0 (1159e78c4 2025-09-14)`, also a nightly or beta
/// (`1.92.0-nightly (…)`); rustc writes it into every program it links.
static RUSTC: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"^rustc version (?P<version>[0-9]+\.[0-9]+\.[0-9]+)(?:-(?:nightly|beta(?:\.[0-9]+)?|dev))?(?: \(|$)")
        .ok()
});

/// The compiler in a kernel banner, in the forms Linux has written:
/// `(gcc version 6.3.0 (HC&C V1R3C00SPC200B005_20190606) )` (before 5.8),
/// `(gcc-12 (Debian 12.2.0-14) 12.2.0, GNU ld …)` and
/// `(arm-linux-gnueabihf-gcc (Buildroot 2020.02) 8.4.0, GNU ld …)` (the
/// compiler's own `--version` line), `(Debian clang version 14.0.6, …)`.
static BANNER_GCC: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"\((?:gcc version (?P<old>[0-9]+\.[0-9]+(?:\.[0-9]+)?)[ )]|(?:[A-Za-z0-9_.+]+-)*(?:gcc|cc)(?:-[0-9.]+)?(?:\.br_real)? \([^()]*(?:\([^()]*\)[^()]*)*\) (?P<new>[0-9]+\.[0-9]+(?:\.[0-9]+)?)[ ,)])",
    )
    .ok()
});

/// `clang version 14.0.6` in a banner, where a comma or parenthesis may follow.
static BANNER_CLANG: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?:\(|\s)clang version (?P<version>[0-9]+\.[0-9]+\.[0-9]+)(?:[-+~][^ ,)]*|git)?[ ,)]",
    )
    .ok()
});

/// The compiler a kernel banner names, as a build tool found in the kernel.
pub fn from_kernel_banner(banner: &str) -> Option<Identification> {
    if let Some(caps) = BANNER_GCC.as_ref().and_then(|r| r.captures(banner)) {
        let version = caps.name("old").or_else(|| caps.name("new"))?.as_str();
        let mut id = compiler("gcc", version, "GNU Project", "cpe:2.3:a:gnu:gcc");
        id.classifier = "linux-banner-toolchain".into();
        return Some(id);
    }
    let caps = BANNER_CLANG.as_ref()?.captures(banner)?;
    let mut id = compiler(
        "clang",
        caps.name("version")?.as_str(),
        "LLVM Project",
        "cpe:2.3:a:llvm:clang",
    );
    id.classifier = "linux-banner-toolchain".into();
    Some(id)
}

/// The compilers named in `facts.toolchain`, and the version of GCC's
/// runtime library when the file (called `name`) is one.
pub fn identify(name: &str, facts: &ElfFacts) -> Vec<Identification> {
    let mut found: Vec<Identification> = Vec::new();
    let mut gcc_versions: Vec<&str> = Vec::new();
    for text in &facts.toolchain {
        let gcc = GCC.as_ref().and_then(|r| r.captures(text));
        let clang = CLANG.as_ref().and_then(|r| r.captures(text));
        let rustc = RUSTC.as_ref().and_then(|r| r.captures(text));
        let id = if let Some(caps) = gcc {
            let version = caps.name("version").map_or("", |m| m.as_str());
            gcc_versions.push(version);
            compiler("gcc", version, "GNU Project", "cpe:2.3:a:gnu:gcc")
        } else if let Some(caps) = clang {
            let version = caps.name("version").map_or("", |m| m.as_str());
            compiler("clang", version, "LLVM Project", "cpe:2.3:a:llvm:clang")
        } else if let Some(caps) = rustc {
            let version = caps.name("version").map_or("", |m| m.as_str());
            compiler(
                "rustc",
                version,
                "The Rust Project",
                "cpe:2.3:a:rust-lang:rust",
            )
        } else {
            continue;
        };
        if !found.iter().any(|f| f.purl == id.purl) {
            found.push(id);
        }
    }
    gcc_versions.sort_unstable();
    gcc_versions.dedup();
    let own = [name].into_iter().chain(facts.soname.as_deref());
    let runtime = own.into_iter().find_map(|n| {
        if library_named(n, "libgcc_s.so") {
            Some(("libgcc", "libgcc"))
        } else if library_named(n, "libstdc++.so") {
            Some(("libstdc++", "libstdc%2B%2B"))
        } else {
            None
        }
    });
    // Without `.comment` (Debian strips it), the package note that names
    // the GCC source package built this file tells the same: Debian
    // trixie's libgcc_s.so.1 says {"name":"gcc-14","version":"14.2.0-19"}.
    let from_note = facts
        .package
        .as_ref()
        .filter(|_| gcc_versions.is_empty())
        .and_then(gcc_note_release);
    let (version, classifier) = match (gcc_versions.as_slice(), from_note.as_deref()) {
        ([version], _) => (Some(*version), "gcc-runtime-comment"),
        ([], Some(version)) => (Some(version), "gcc-runtime-package-note"),
        _ => (None, ""),
    };
    if let (Some((component, purl_name)), Some(version)) = (runtime, version) {
        found.push(Identification {
            component: component.into(),
            version: version.to_string(),
            kind: "library".into(),
            classifier: classifier.into(),
            offset: 0,
            purl: format!("pkg:generic/{purl_name}@{version}"),
            // Vulnerabilities of GCC's runtime libraries are filed against GCC.
            cpe: Some(format!("cpe:2.3:a:gnu:gcc:{version}:*:*:*:*:*:*:*")),
            supplier: Some("GNU Project".into()),
            license: Some("GPL-3.0-or-later WITH GCC-exception-3.1".into()),
            claims_file: true,
            technique: Technique::BinaryAnalysis,
            series: false,
            symbol: None,
            properties: Vec::new(),
        });
    }
    found
}

/// The GCC release of a package note naming GCC's source package (`gcc`,
/// `gcc-14`): its version without epoch and distribution revision
/// (`14.2.0-19` and Fedora's `14.2.1-3.fc41` are 14.2.0 and 14.2.1).
fn gcc_note_release(note: &PackageNote) -> Option<String> {
    let name = note.name.as_str();
    let is_gcc = name == "gcc"
        || name
            .strip_prefix("gcc-")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    if !is_gcc {
        return None;
    }
    let version = note
        .version
        .split_once(':')
        .map_or(note.version.as_str(), |(_, v)| v);
    let upstream = version.rsplit_once('-').map_or(version, |(v, _)| v);
    // Arch's 14.2.1+r134+g…: the release before any local suffix.
    let upstream = upstream.split(['+', '~']).next().unwrap_or(upstream);
    let numeric = upstream.split('.').count() >= 2
        && upstream
            .split('.')
            .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()));
    numeric.then(|| upstream.to_string())
}

fn compiler(name: &str, version: &str, supplier: &str, cpe: &str) -> Identification {
    Identification {
        component: name.into(),
        version: version.into(),
        kind: BUILD_TOOL.into(),
        classifier: "elf-comment-toolchain".into(),
        offset: 0,
        purl: format!("pkg:generic/{name}@{version}"),
        cpe: Some(format!("{cpe}:{version}:*:*:*:*:*:*:*")),
        supplier: Some(supplier.into()),
        license: None,
        claims_file: false,
        technique: Technique::BinaryAnalysis,
        series: false,
        symbol: None,
        properties: Vec::new(),
    }
}

#[cfg(test)]
mod banner_tests {
    use super::*;

    #[test]
    fn a_kernel_banner_names_its_compiler() {
        let compiler = |banner: &str| from_kernel_banner(banner).map(|i| (i.component, i.version));
        let gcc = |v: &str| Some(("gcc".to_string(), v.to_string()));
        assert_eq!(
            compiler(
                "Linux version 4.9.37 (root@build) (gcc version 6.3.0 (HC&C V1R3C00SPC200B005_20190606) ) #1 SMP Fri Jan 8 2021"
            ),
            gcc("6.3.0")
        );
        assert_eq!(
            compiler(
                "Linux version 6.1.0-50-arm64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP Debian 6.1.176-1 (2026-07-02)"
            ),
            gcc("12.2.0")
        );
        assert_eq!(
            compiler(
                "Linux version 5.10.120 (br@host) (arm-buildroot-linux-gnueabihf-gcc.br_real (Buildroot 2020.02.1) 8.4.0, GNU ld (GNU Binutils) 2.33.1) #2 PREEMPT"
            ),
            gcc("8.4.0")
        );
        assert_eq!(
            compiler(
                "Linux version 3.10.14 (jenkins@ci) (gcc version 4.7.2 (Ingenic r2.3.3 2016.12) ) #1 PREEMPT"
            ),
            gcc("4.7.2")
        );
        assert_eq!(
            compiler(
                "Linux version 6.1.0 (u@h) (Debian clang version 14.0.6, Debian LLD 14.0.6) #1"
            ),
            Some(("clang".to_string(), "14.0.6".to_string()))
        );
        assert_eq!(
            compiler(
                "Linux version 5.15.0 (u@h) (Ubuntu clang version 14.0.0-1ubuntu1.1, Ubuntu LLD 14.0.0) #1"
            ),
            Some(("clang".to_string(), "14.0.0".to_string()))
        );
        assert_eq!(
            compiler(
                "Linux version 5.10.110 (root@h) (cc (GCC) 9.3.0, GNU ld (GNU Binutils) 2.34) #1"
            ),
            gcc("9.3.0")
        );
        assert_eq!(
            compiler(
                "Linux version 5.4.1 (b@h) (mipsel-openwrt-linux-musl-gcc (OpenWrt GCC 8.4.0 r16279-5cc0535800) 8.4.0, GNU ld (GNU Binutils) 2.34) #0"
            ),
            gcc("8.4.0")
        );
        // A banner naming no compiler, and a build host called gcc.
        assert_eq!(
            compiler("Linux version 4.4.0 (root@localhost) #1 SMP"),
            None
        );
        assert_eq!(
            compiler("Linux version 4.4.0 (root@gcc) (ld 2.30) #1"),
            None
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identify::elf::facts;
    use crate::model::{ElfClass, Endian};
    use crate::samples::{ElfSpec, machine};

    fn with_comment(name: &str, comment: &[u8]) -> Vec<Identification> {
        let lib = ElfSpec::library(ElfClass::Elf32, Endian::Little, machine::ARM, name)
            .with_comment(comment)
            .build();
        identify(name, &facts(&lib).expect("parses"))
    }

    fn pairs(found: &[Identification]) -> Vec<(&str, &str, &str)> {
        found
            .iter()
            .map(|i| (i.component.as_str(), i.version.as_str(), i.kind.as_str()))
            .collect()
    }

    #[test]
    fn compilers_from_the_comment_strings_of_real_sdks() {
        // SigmaStar Infinity6E SDK: libmi_*.so and sensor modules.
        let found = with_comment(
            "libmi_venc.so",
            b"GCC: (GNU) 9.1.0\0GCC: (Buildroot -gd70825d-dirty) 12.3.0\0",
        );
        assert_eq!(
            pairs(&found),
            [("gcc", "9.1.0", BUILD_TOOL), ("gcc", "12.3.0", BUILD_TOOL)]
        );
        assert_eq!(
            found[0].cpe.as_deref(),
            Some("cpe:2.3:a:gnu:gcc:9.1.0:*:*:*:*:*:*:*")
        );
        assert!(!found[0].claims_file);
        // HiSilicon's toolchain, and a vendor string holding parentheses.
        let hisilicon = with_comment(
            "libhi_mpi.so",
            b"GCC: (HC&C V1R3C00SPC200B005_20190606) 6.3.0\0",
        );
        assert_eq!(pairs(&hisilicon), [("gcc", "6.3.0", BUILD_TOOL)]);
        let linaro = with_comment("app.so", b"GCC: (Ubuntu/Linaro 4.6.3-1ubuntu5) 4.6.3\0");
        assert_eq!(pairs(&linaro), [("gcc", "4.6.3", BUILD_TOOL)]);
        let clang = with_comment(
            "libx.so",
            b"Android (8490178, based on r450784d) clang version 14.0.6 (https://android.googlesource.com/toolchain/llvm-project 4c603efb0cca074e9238af8b4106c30add4418f6)\0Linker: LLD 14.0.6\0",
        );
        assert_eq!(pairs(&clang), [("clang", "14.0.6", BUILD_TOOL)]);
        // uv 0.13.9's: the C objects' compilers, LLVM's snapshot clang (no
        // release), the linker and rustc.
        let rust = with_comment(
            "uv",
            b"GCC: (GNU) 10.2.1 20210130 (Red Hat 10.2.1-11)\0GCC: (GNU) 4.8.5 20150623 (Red Hat 4.8.5-44)\0clang version 23.1.0git\0Linker: LLD 23.1.5 (/checkout/src/llvm-project/llvm 0a5579eb649d3634a9c30ac873300cc2944fa070)\0rustc version 1.100.0 (0ef1bc386 2026-11-09)\0",
        );
        assert_eq!(
            pairs(&rust),
            [
                ("gcc", "10.2.1", BUILD_TOOL),
                ("gcc", "4.8.5", BUILD_TOOL),
                ("rustc", "1.100.0", BUILD_TOOL)
            ]
        );
        assert_eq!(
            rust[2].cpe.as_deref(),
            Some("cpe:2.3:a:rust-lang:rust:1.100.0:*:*:*:*:*:*:*")
        );
        let nightly = with_comment("p", b"rustc version 1.92.0-nightly (abc 2025-10-01)\0");
        assert_eq!(pairs(&nightly), [("rustc", "1.92.0", BUILD_TOOL)]);
        // A program's own text quoting the format is not a compiler string.
        let quoted = with_comment("p", b"built with rustc version %s\0");
        assert!(pairs(&quoted).is_empty());
    }

    #[test]
    fn gcc_runtime_libraries_take_their_compilers_version() {
        let found = with_comment(
            "libstdc++.so.6.0.28",
            b"GCC: (Buildroot 2021.02.4) 10.3.0\0",
        );
        assert_eq!(
            pairs(&found),
            [
                ("gcc", "10.3.0", BUILD_TOOL),
                ("libstdc++", "10.3.0", "library")
            ]
        );
        assert_eq!(found[1].purl, "pkg:generic/libstdc%2B%2B@10.3.0");
        assert!(found[1].claims_file);
        let libgcc = with_comment("libgcc_s.so.1", b"GCC: (GNU) 9.1.0\0");
        assert_eq!(pairs(&libgcc)[1], ("libgcc", "9.1.0", "library"));
        // Two GCC versions in one runtime library: which is its own is not
        // known, so it is not claimed.
        let mixed = with_comment("libgcc_s.so.1", b"GCC: (GNU) 9.1.0\0GCC: (GNU) 8.3.0\0");
        assert!(mixed.iter().all(|i| i.kind == BUILD_TOOL), "{mixed:?}");
    }

    #[test]
    fn without_a_comment_the_gcc_package_note_names_the_runtime_release() {
        let with_note = |name: &str, json: &str| {
            let lib = ElfSpec::library(ElfClass::Elf64, Endian::Little, machine::AARCH64, name)
                .with_package_note(json)
                .build();
            identify(name, &facts(&lib).expect("parses"))
        };
        // Debian trixie's libgcc-s1 and libstdc++6 (source package gcc-14).
        let debian = r#"{"type":"deb","os":"debian","name":"gcc-14","version":"14.2.0-19","architecture":"arm64"}"#;
        let libgcc = with_note("libgcc_s.so.1", debian);
        assert_eq!(pairs(&libgcc), [("libgcc", "14.2.0", "library")]);
        assert_eq!(libgcc[0].classifier, "gcc-runtime-package-note");
        assert!(libgcc[0].claims_file);
        let libstdcxx = with_note("libstdc++.so.6.0.33", debian);
        assert_eq!(pairs(&libstdcxx), [("libstdc++", "14.2.0", "library")]);
        // The same library grafted into a wheel (auditwheel's renaming).
        let grafted = with_note("libstdc++-6b1c2a90.so.6.0.33", debian);
        assert_eq!(pairs(&grafted), [("libstdc++", "14.2.0", "library")]);
        assert!(grafted[0].claims_file);
        // Fedora's source package is `gcc`, its release after the dash.
        let fedora = r#"{"type":"rpm","os":"fedora","name":"gcc","version":"14.2.1-3.fc41","architecture":"x86_64"}"#;
        assert_eq!(
            pairs(&with_note("libgcc_s.so.1", fedora)),
            [("libgcc", "14.2.1", "library")]
        );
        // Arch's local suffix after the release.
        let arch =
            r#"{"type":"alpm","os":"arch","name":"gcc","version":"14.2.1+r134+gab884fffe3fc-1"}"#;
        assert_eq!(
            pairs(&with_note("libgcc_s.so.1", arch)),
            [("libgcc", "14.2.1", "library")]
        );
        // Another package's note, or a GCC note on another library.
        let zstd = r#"{"type":"deb","os":"debian","name":"libzstd","version":"1.5.7+dfsg-1"}"#;
        assert!(with_note("libgcc_s.so.1", zstd).is_empty());
        assert!(with_note("libzstd.so.1.5.7", debian).is_empty());
        let gccgo = r#"{"type":"deb","os":"debian","name":"gcc-14-cross","version":"14.2.0-19"}"#;
        assert!(with_note("libgcc_s.so.1", gccgo).is_empty());
    }

    #[test]
    fn comments_without_a_compiler_version_name_nothing() {
        for decoy in [
            &b"GCC: (GNU)\0"[..],
            b"Linker: LLD 14.0.6\0",
            b"built with GCC: (GNU) 9.1.0 in a text\0",
            b"$Id: util.c,v 1.2 2004/06/23 $\0",
        ] {
            assert!(with_comment("libx.so", decoy).is_empty(), "{decoy:?}");
        }
    }
}
