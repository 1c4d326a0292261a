//! A Rust program built with cargo-auditable keeps the crates it was
//! built from in a `.dep-v0` section: zlib-compressed JSON,
//! `{"format":1,"packages":[{"name","version","source","kind",
//! "dependencies":[…],"root":true}]}` (cargo-auditable's format, read
//! by Syft, Trivy and osv-scanner). It is what cargo resolved, kept by the
//! build, so it survives stripping. Checked on uv 0.13.9's release binaries
//! (PyPI wheel `uv-0.13.9-py3-none-manylinux_2_17_x86_64`: `uv`, 567
//! packages, and `uvx`).

use std::io::Read;

use serde::Deserialize;

use crate::identify::capped::Capped;
use crate::identify::classifier::purl_escape;
use crate::model::{Identification, Technique};

/// The classifier id of every crate the section lists.
pub const CLASSIFIER: &str = "rust-cargo-auditable";

/// Most compressed bytes read, and most JSON decoded from them
/// (cargo-auditable's own reader stops at 8 MiB).
const MAX_COMPRESSED: usize = 8 << 20;
const MAX_JSON: u64 = 8 << 20;
/// Most crates listed from one program.
const MAX_PACKAGES: usize = 10_000;

#[derive(Deserialize)]
struct Audit {
    #[serde(default)]
    packages: Capped<Package, MAX_PACKAGES>,
}

#[derive(Deserialize)]
struct Package {
    name: String,
    version: String,
    /// `crates.io`, `git`, `local`, `registry` or another source.
    #[serde(default)]
    source: Option<String>,
    /// `build` for a crate only build scripts use (not in the program).
    #[serde(default)]
    kind: Option<String>,
    /// The crate the program was built from.
    #[serde(default)]
    root: bool,
}

/// The crates a Rust program's `.dep-v0` section lists: the program's own
/// crate (the root: an application that claims the file) and every crate
/// compiled into it, as `pkg:cargo/<name>@<version>`. Build-only crates
/// and path crates (`local`, not the root: the program's own workspace,
/// or a crate vendored into it) are left out: the first are not in the
/// program, the second are the program's own source.
pub fn identify(bytes: &[u8]) -> Vec<Identification> {
    let Ok(Some((at, len))) = crate::identify::elf::section_range(bytes, b".dep-v0") else {
        return Vec::new();
    };
    let Some(compressed) = bytes.get(at..at.saturating_add(len.min(MAX_COMPRESSED))) else {
        return Vec::new();
    };
    let mut json = Vec::new();
    let decoded = flate2::read::ZlibDecoder::new(compressed)
        .take(MAX_JSON + 1)
        .read_to_end(&mut json);
    if decoded.is_err() || json.len() as u64 > MAX_JSON {
        return Vec::new();
    }
    let Ok(audit) = serde_json::from_slice::<Audit>(&json) else {
        return Vec::new();
    };
    audit
        .packages
        .0
        .into_iter()
        .filter(|p| {
            !p.kind
                .as_deref()
                .is_some_and(|k| k.eq_ignore_ascii_case("build"))
        })
        .filter(|p| p.root || p.source.as_deref() != Some("local"))
        .filter(|p| valid(&p.name, 64, b"-_") && valid(&p.version, 128, b".-+"))
        .map(|p| Identification {
            purl: format!(
                "pkg:cargo/{}@{}",
                purl_escape(&p.name),
                purl_escape(&p.version)
            ),
            kind: if p.root { "application" } else { "library" }.into(),
            claims_file: p.root,
            component: p.name,
            version: p.version,
            classifier: CLASSIFIER.into(),
            offset: at as u64,
            cpe: None,
            supplier: None,
            license: None,
            technique: Technique::ManifestAnalysis,
            series: false,
            symbol: None,
            properties: Vec::new(),
        })
        .collect()
}

/// A crate name or version: letters, digits and `extra`, 1 to `max`
/// bytes (uv lists `0.6.1+5.3.0-1-ge13ca993…`, 55).
fn valid(text: &str, max: usize, extra: &[u8]) -> bool {
    (1..=max).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || extra.contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ElfClass, Endian};
    use crate::samples::{ElfSpec, machine};

    use crate::samples::cargo_auditable as zlib;

    fn program(section: &[u8]) -> Vec<u8> {
        ElfSpec::executable(ElfClass::Elf64, Endian::Little, machine::X86_64)
            .with_section(".dep-v0", section)
            .build()
    }

    // The shape of uv 0.13.9's list: crates.io crates, build-only ones,
    // the workspace's own crates and the root.
    const UV: &str = r#"{"format":1,"packages":[
        {"name":"adler2","version":"2.0.1","source":"crates.io"},
        {"name":"aho-corasick","version":"1.1.4","source":"crates.io","dependencies":[3]},
        {"name":"cc","version":"1.2.41","source":"crates.io","kind":"build"},
        {"name":"memchr","version":"2.7.6","source":"crates.io"},
        {"name":"uv-cache","version":"0.0.1","source":"local","dependencies":[0]},
        {"name":"tokio-tungstenite","version":"0.26.2+patch.1","source":"git"},
        {"name":"uv","version":"0.13.9","source":"local","dependencies":[0,1,3,4,5],"root":true}
    ]}"#;

    #[test]
    fn an_auditable_program_lists_its_crates_and_is_its_root_crate() {
        let found: Vec<(String, String, String, bool)> = identify(&program(&zlib(UV.as_bytes())))
            .into_iter()
            .map(|i| (i.component, i.version, i.purl, i.claims_file))
            .collect();
        let expect = |n: &str, v: &str, p: &str, root: bool| {
            (n.to_string(), v.to_string(), p.to_string(), root)
        };
        assert_eq!(
            found,
            [
                expect("adler2", "2.0.1", "pkg:cargo/adler2@2.0.1", false),
                expect(
                    "aho-corasick",
                    "1.1.4",
                    "pkg:cargo/aho-corasick@1.1.4",
                    false
                ),
                expect("memchr", "2.7.6", "pkg:cargo/memchr@2.7.6", false),
                expect(
                    "tokio-tungstenite",
                    "0.26.2+patch.1",
                    "pkg:cargo/tokio-tungstenite@0.26.2%2Bpatch.1",
                    false
                ),
                expect("uv", "0.13.9", "pkg:cargo/uv@0.13.9", true),
            ]
        );
        let all = identify(&program(&zlib(UV.as_bytes())));
        assert_eq!(all[4].kind, "application");
        assert!(
            all.iter()
                .all(|i| i.technique == Technique::ManifestAnalysis && i.classifier == CLASSIFIER)
        );
    }

    #[test]
    fn damaged_hostile_or_absent_lists_give_nothing() {
        // No section, a section that is not zlib, JSON that is not the list.
        let plain = ElfSpec::executable(ElfClass::Elf64, Endian::Little, machine::X86_64)
            .with_rodata(b".dep-v0\0")
            .build();
        assert!(identify(&plain).is_empty());
        assert!(identify(&program(b"not zlib at all")).is_empty());
        assert!(identify(&program(&zlib(b"[1,2,3]"))).is_empty());
        // Cut anywhere: nothing (a cut zlib stream is an error), never a panic.
        let whole = zlib(UV.as_bytes());
        for cut in 0..whole.len() {
            let found = identify(&program(&whole[..cut]));
            assert!(found.is_empty(), "{cut}");
        }
        // A bomb: more than 8 MiB of JSON decodes to nothing.
        let padded = format!("{}{}", " ".repeat(MAX_JSON as usize + 1), UV);
        assert!(identify(&program(&zlib(padded.as_bytes()))).is_empty());
        // Names and versions that are not a crate's.
        let odd = r#"{"packages":[{"name":"a b","version":"1.0.0"},{"name":"ok","version":"1.0.0\n"},{"name":"fine","version":"0.1.0"}]}"#;
        let names: Vec<String> = identify(&program(&zlib(odd.as_bytes())))
            .into_iter()
            .map(|i| i.component)
            .collect();
        assert_eq!(names, ["fine"]);
        // At most MAX_PACKAGES crates.
        let many: Vec<String> = (0..MAX_PACKAGES + 5)
            .map(|i| format!(r#"{{"name":"c{i}","version":"1.0.0","source":"crates.io"}}"#))
            .collect();
        let many = format!(r#"{{"packages":[{}]}}"#, many.join(","));
        assert_eq!(
            identify(&program(&zlib(many.as_bytes()))).len(),
            MAX_PACKAGES
        );
    }
}
