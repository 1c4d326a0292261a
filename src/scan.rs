//! The pipeline for one image: unpack → identify (fused into the walk, so
//! each artifact's bytes are read once) → facts for the emitters.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::identify::Identifier;
use crate::identify::posture::Posture;
use crate::identify::relabel::Relabels;
use crate::identify::verdict::Findings;
use crate::model::{Artifact, ElfRole, EntryKind, Status};
use crate::unpack::writer::WriteError;
use crate::unpack::{Bytes, Limits, Unpacker, Writer};

/// How to scan.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// Unpacking budgets.
    pub limits: Limits,
    /// Also write the unpacked tree under this directory.
    pub extract_to: Option<PathBuf>,
    /// The brand on the device's label (or in the asset register), checked
    /// against the OEM the evidence names.
    pub label: Option<String>,
    /// Also hash every file with SHA-512 (SBOM profiles that require it,
    /// such as BSI TR-03183-2); off by default, it costs ~10 % of a scan.
    /// A BSI SBOM made without it lacks the per-file SHA-512, which
    /// `firmsight check --profile bsi` reports.
    pub sha512: bool,
    /// Hash the image itself with SHA-512 too, for a report (which names
    /// the image by SHA-256 and SHA-512) or a BSI SBOM; `sha512` implies it.
    pub image_sha512: bool,
}

/// Why a scan could not start. Problems inside the image are not errors:
/// they are recorded on the artifacts.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    /// The input could not be opened or mapped.
    #[error("can not read `{path}`: {source}")]
    Open {
        /// The input path.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The input is a directory, not a file.
    #[error("`{0}` is a directory; `firmsight scan` takes one image file")]
    IsDirectory(PathBuf),
    /// The `--extract` directory could not be created.
    #[error("can not use the extract directory: {0}")]
    ExtractDir(#[from] WriteError),
}

/// The result of scanning one image.
#[derive(Debug, Clone)]
pub struct ScanResult {
    /// The image and everything found inside it.
    pub image: Artifact,
    /// Counts for the summary.
    pub stats: Stats,
    /// Who made it, per category, from the evidence-rule hits.
    pub findings: Findings,
    /// The procurement decision, when a policy was applied.
    pub decision: Option<crate::policy::Decision>,
    /// Wall time of the scan.
    pub elapsed: Duration,
}

/// Counts over an artifact tree.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Containers unpacked, by format id.
    pub formats: BTreeMap<String, u64>,
    /// Every artifact, the image included.
    pub artifacts: u64,
    /// Regular files (and resolved hard links).
    pub files: u64,
    /// ELF files, by role.
    pub elf: BTreeMap<&'static str, u64>,
    /// Artifacts a budget stopped.
    pub budget_hits: u64,
    /// Artifacts that failed or were truncated.
    pub errors: u64,
    /// Bytes of the input.
    pub input_bytes: u64,
}

impl Stats {
    /// Count over `image`.
    pub fn of(image: &Artifact) -> Self {
        let mut stats = Stats {
            input_bytes: image.size,
            ..Stats::default()
        };
        for artifact in image.iter() {
            stats.artifacts += 1;
            if matches!(artifact.entry, EntryKind::File | EntryKind::Hardlink { .. }) {
                stats.files += 1;
            }
            if !artifact.children.is_empty() {
                *stats.formats.entry(artifact.kind.clone()).or_default() += 1;
            }
            if let Some(elf) = &artifact.elf {
                *stats.elf.entry(elf.role.as_str()).or_default() += 1;
            }
            match artifact.status {
                Status::Skipped(_) => stats.budget_hits += 1,
                Status::Failed(_) | Status::Truncated(_) => stats.errors += 1,
                Status::Unpacked => {}
            }
        }
        stats
    }

    /// Number of ELF files of any role.
    pub fn elf_files(&self) -> u64 {
        self.elf.values().sum()
    }

    /// ELF files that become SBOM components.
    pub fn elf_components(&self) -> u64 {
        [
            ElfRole::Executable,
            ElfRole::SharedLibrary,
            ElfRole::KernelModule,
        ]
        .iter()
        .map(|r| self.elf.get(r.as_str()).copied().unwrap_or(0))
        .sum()
    }
}

/// Scan the image file at `path`. It is memory-mapped, not read.
pub fn scan_path(path: &Path, options: &ScanOptions) -> Result<ScanResult, ScanError> {
    if path.is_dir() {
        return Err(ScanError::IsDirectory(path.to_path_buf()));
    }
    let open_err = |source| ScanError::Open {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(open_err)?;
    let bytes = Bytes::map_file(&file).map_err(open_err)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    scan_bytes(&name, bytes, options)
}

/// Scan an image already in memory, called `name`.
pub fn scan_bytes(
    name: &str,
    bytes: Bytes,
    options: &ScanOptions,
) -> Result<ScanResult, ScanError> {
    let started = Instant::now();
    let writer = options
        .extract_to
        .as_deref()
        .map(Writer::create)
        .transpose()?;
    let identifier = Identifier::new();
    let mut unpacker = Unpacker::new(options.limits.clone())
        .sha512(options.sha512)
        .image_sha512(options.image_sha512)
        .inspector(&identifier);
    if let Some(writer) = &writer {
        unpacker = unpacker.writer(writer);
    }
    let mut image = unpacker.unpack(name, bytes);
    crate::identify::packages::qualify_namespaces(&mut image);
    crate::identify::packages::link_owners(&mut image);
    crate::identify::packages::link_package_files(&mut image);
    crate::identify::series::resolve(&mut image);
    let stats = Stats::of(&image);
    let mut findings = Findings::of(&image);
    // Without a label from the user, a Dahua package's Install.Vendor is
    // the brand it was built for.
    findings.posture = Posture::of(&image, &findings);
    let label = options.label.clone().or_else(|| install_vendor(&image));
    findings.label = label
        .map(|label| Relabels::builtin().check(&label, findings.oem().map(|v| v.vendor.as_str())));
    Ok(ScanResult {
        image,
        stats,
        findings,
        decision: None,
        elapsed: started.elapsed(),
    })
}

/// The OEM customisation a Dahua package names, unless it is the generic
/// build (`General`) or Dahua itself.
fn install_vendor(image: &Artifact) -> Option<String> {
    image
        .iter()
        .flat_map(|a| &a.facts)
        .find(|(k, v)| {
            *k == "install_vendor"
                && !v.trim().is_empty()
                && !["general", "dahua"].contains(&v.trim().to_ascii_lowercase().as_str())
        })
        .map(|(_, v)| v.trim().to_string())
}
