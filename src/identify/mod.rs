//! Identification: what an artifact is, from its bytes.
//!
//! [`Identifier`] is the [`Inspector`] the pipeline hands to the unpacker;
//! each source of facts is a module of its own (`elf` today; version
//! classifiers, kernels, package databases and vendor evidence as they land).

use crate::model::{Artifact, ElfFacts, Identification, Status};
use crate::unpack::Inspector;

pub mod busybox;
pub mod capped;
pub mod classifier;
pub mod drivers;
pub mod elf;
pub mod embedded_sbom;
pub mod endpoints;
pub mod go_buildinfo;
pub mod kernel;
pub mod libiconv;
pub mod libnl;
pub mod libusb;
pub mod live555;
pub mod openldap;
pub mod packages;
pub mod posture;
pub mod relabel;
pub mod rules;
pub mod rust_audit;
pub mod sensors;
pub mod series;
pub mod toolchain;
pub mod verdict;

/// Runs every identifier over each file artifact.
#[derive(Debug, Default)]
pub struct Identifier {
    classifiers: Option<&'static classifier::Classifiers>,
    rules: Option<&'static rules::RuleSet>,
    sensors: Option<&'static sensors::Sensors>,
}

impl Identifier {
    /// An identifier with every built-in source of facts. Built-in
    /// classifier data that fails to load (a broken build) is reported once
    /// and leaves version identification off; the walk goes on.
    pub fn new() -> Self {
        let classifiers = match classifier::Classifiers::builtin() {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::error!("built-in classifiers unusable: {e}");
                None
            }
        };
        let rules = match rules::RuleSet::builtin() {
            Ok(r) => Some(r),
            Err(e) => {
                tracing::error!("built-in evidence rules unusable: {e}");
                None
            }
        };
        let sensors = match sensors::Sensors::builtin() {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::error!("built-in sensor naming schemes unusable: {e}");
                None
            }
        };
        Identifier {
            classifiers,
            rules,
            sensors,
        }
    }

    /// Run the evidence rules over `bytes` (empty for a container) and
    /// record the hits on `artifact`; returns the classifier anchors the
    /// same pass found, when the rule set carries them.
    fn evidence(&self, artifact: &mut Artifact, bytes: &[u8]) -> Option<Vec<(usize, usize)>> {
        let path = artifact
            .location
            .inner_path()
            .unwrap_or(&artifact.name)
            .trim_start_matches("./")
            .trim_start_matches('/')
            .to_string();
        if let Some(sensors) = self.sensors {
            artifact
                .hits
                .extend(sensors.identify(&path, &artifact.name, bytes));
        }
        let rules = self.rules?;
        // A container format recognised it, even when nothing could be
        // listed (an encrypted 02KH digicap, a Salted__ file no passphrase
        // opens): the container itself is evidence.
        let container = if crate::unpack::FORMATS
            .iter()
            .any(|f| f.id() == artifact.kind)
        {
            artifact.kind.as_str()
        } else {
            ""
        };
        let header = artifact
            .facts
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(";");
        let target = rules::Target {
            path: &path,
            name: &artifact.name,
            container,
            header: &header,
        };
        match rules.scan_all(&target, bytes) {
            Ok(scan) => {
                if !scan.masks.is_empty() {
                    // Hits found before the rules (sensor naming schemes)
                    // are masked too.
                    artifact.hits.retain(|h| !scan.masks(h));
                    for (rule, categories) in &scan.masks {
                        let names: Vec<&str> = categories.iter().map(|c| c.as_str()).collect();
                        artifact.notes.push(format!(
                            "{rule}: this file's medium and weak {} hits are not evidence of the device",
                            names.join(" and ")
                        ));
                    }
                }
                artifact.hits.extend(scan.hits);
                rules.has_anchors().then_some(scan.anchors)
            }
            Err(e) => {
                artifact.notes.push(e);
                None
            }
        }
    }
}

impl Inspector for Identifier {
    fn inspect(&self, artifact: &mut Artifact, bytes: &[u8]) {
        if elf::is_elf(bytes) {
            // A UPX-packed program is a container: the walker unpacks it and
            // identification runs on the real program inside.
            let packed = crate::unpack::Format::probe(&crate::unpack::upx::Upx, bytes);
            if !packed
                && (crate::unpack::elf::carries_appended_part(bytes)
                    || crate::unpack::linux_kernel::is_mips_zboot(bytes))
            {
                // A self-extractor, a loader with a payload, a MIPS
                // compressed kernel: the walker carves the program and what
                // follows (or decodes the kernel), and each is read.
                return;
            }
            if !packed {
                artifact.kind = "elf".into();
            }
            match elf::facts(bytes) {
                Ok(facts) => {
                    artifact.identified.extend(kernel::vermagic(&facts));
                    artifact.identified.extend(libusb::identify(bytes));
                    artifact.identified.extend(libnl::identify(bytes));
                    artifact.identified.extend(libiconv::identify(bytes));
                    artifact.identified.extend(live555::identify(bytes));
                    artifact.identified.extend(openldap::identify(bytes));
                    artifact.identified.extend(go_buildinfo::identify(bytes));
                    artifact.identified.extend(rust_audit::identify(bytes));
                    artifact
                        .identified
                        .extend(toolchain::identify(&artifact.name, &facts));
                    artifact
                        .identified
                        .extend(facts.package.as_ref().map(packages::from_note));
                    for id in &mut artifact.identified {
                        if let Some(at) = elf_evidence_offset(bytes, &facts, id) {
                            id.offset = at;
                        }
                    }
                    if let Some(packer) = facts.packer.as_ref().filter(|_| !packed) {
                        artifact.notes.push(format!(
                            "{packer}-packed executable: not unpacked, so identification cannot see inside it"
                        ));
                    }
                    artifact.elf = Some(Box::new(facts));
                }
                Err(e) if !artifact.status.is_problem() => {
                    artifact.status = Status::Failed(format!("elf: {e}"));
                }
                Err(e) => artifact.notes.push(format!("elf: {e}")),
            }
        }
        if let Some(banner) = kernel::banner(artifact, bytes) {
            if let Some(mut compiler) = toolchain::from_kernel_banner(&banner) {
                compiler.offset =
                    memchr::memmem::find(bytes, banner.as_bytes()).unwrap_or(0) as u64;
                artifact.identified.push(compiler);
            }
            artifact
                .notes
                .push(format!("linux kernel banner: {banner}"));
        }
    }

    fn inspect_leaf(&self, artifact: &mut Artifact, bytes: &[u8]) {
        drivers::identify(artifact, bytes);
        artifact.hits.extend(endpoints::identify(bytes));
        let anchors = self.evidence(artifact, bytes);
        if let Some(classifiers) = self.classifiers {
            // The evidence pass found the classifier anchors too; without
            // it, the classifiers run their own pass.
            let names = classifier::Names {
                file: &artifact.name,
                soname: artifact.elf.as_ref().and_then(|e| e.soname.as_deref()),
            };
            let mut found = match anchors {
                Some(anchors) => classifiers.confirm(names, bytes, &anchors),
                None => classifiers.scan(names, bytes),
            };
            let needed = artifact.elf.as_ref().map_or(&[][..], |e| &e.needed[..]);
            classifiers.settle(&mut found, needed);
            artifact.identified.extend(found);
        }
        let listed = packages::identify(artifact, bytes);
        artifact.identified.extend(listed);
        artifact
            .identified
            .extend(embedded_sbom::identify(artifact, bytes));
        artifact.package_files = packages::file_lists(artifact, bytes);
    }

    fn inspect_container(&self, artifact: &mut Artifact) {
        self.evidence(artifact, &[]);
    }
}

/// Whether `classifier` reads a list of the code a program was built from
/// (a Go program's build information, a Rust program's cargo-auditable
/// section): the program depends on each, and each is a release the build
/// tool resolved, which settles nothing read elsewhere.
pub fn lists_linked_code(classifier: &str) -> bool {
    classifier == go_buildinfo::CLASSIFIER || classifier == rust_audit::CLASSIFIER
}

/// Where in the file the ELF-structure evidence an identifier read lies:
/// the `.comment` string, the module's `vermagic=` or the package note's
/// version (the identifiers work from parsed facts, not offsets).
fn elf_evidence_offset(bytes: &[u8], facts: &ElfFacts, id: &Identification) -> Option<u64> {
    use memchr::memmem::find;
    let at = match id.classifier.as_str() {
        "elf-comment-toolchain" | "gcc-runtime-comment" => facts
            .toolchain
            .iter()
            .find(|t| t.contains(id.version.as_str()))
            .and_then(|t| find(bytes, t.as_bytes()))?,
        "linux-module-vermagic" => find(bytes, b"vermagic=")?,
        "elf-package-note" | "gcc-runtime-package-note" => {
            find(bytes, facts.package.as_ref()?.version.as_bytes())?
        }
        _ => return None,
    };
    Some(at as u64)
}

/// SHA-256 over every built-in signature file (classifiers, evidence rules,
/// sensor schemes, relabels, the USB vendor table, the SPDX ids): results made with
/// other signatures are not reused (the batch store keys on it).
pub fn signatures_fingerprint() -> &'static str {
    use sha2::{Digest, Sha256};
    static FINGERPRINT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    FINGERPRINT.get_or_init(|| {
        let mut hash = Sha256::new();
        let files = classifier::BUILTIN_CLASSIFIERS
            .iter()
            .chain(rules::BUILTIN_RULES)
            .copied()
            .chain([
                ("sensors.toml", sensors::BUILTIN),
                ("relabels.toml", relabel::BUILTIN),
                ("usb-vendors.tsv", drivers::USB_VENDORS),
                // Licences are written as SPDX ids only when listed here.
                (
                    "spdx-ids.txt",
                    include_str!("../../signatures/spdx-ids.txt"),
                ),
            ]);
        for (name, text) in files {
            hash.update(name.as_bytes());
            hash.update([0]);
            hash.update(text.as_bytes());
            hash.update([0]);
        }
        crate::model::hex(&hash.finalize())
    })
}
