//! firmsight looks inside camera firmware and OEM product files and tells a
//! buyer what is really in them.
//!
//! The pipeline is **unpack → identify → policy → emit**, one module each:
//! [`unpack`] turns untrusted bytes into a tree of [`Artifact`]s under
//! budgets, [`identify`] reads facts from each artifact's bytes while the
//! walk holds them, and [`sbom`] emits CycloneDX 1.6. [`scan`] wires one
//! image through the stages; [`model`] is the plain data they share.
//!
//! ```
//! use firmsight::{Bytes, ScanOptions, sbom, scan_bytes};
//!
//! // A gzip'd tar holding one ARM executable, built in memory.
//! let elf = firmsight::samples::ElfSpec::executable(
//!     firmsight::model::ElfClass::Elf32,
//!     firmsight::model::Endian::Little,
//!     firmsight::samples::machine::ARM,
//! );
//! let image = firmsight::samples::gzip(&firmsight::samples::tar(&[
//!     firmsight::samples::RootfsEntry::File("bin/app", elf.build()),
//! ]));
//!
//! let result = scan_bytes("fw.tar.gz", Bytes::from_vec(image), &ScanOptions::default())?;
//! assert_eq!(result.stats.elf_files(), 1);
//! let bom = sbom::cyclonedx(&result, &sbom::SbomOptions::reproducible(0));
//! assert_eq!(bom.components[0].name, "app");
//! # Ok::<(), firmsight::ScanError>(())
//! ```

pub mod batch;
pub mod identify;
pub mod model;
pub mod policy;
pub mod report;
pub mod samples;
pub mod sbom;
pub mod scan;
pub mod unpack;

pub use model::{Artifact, Location, Status};
pub use scan::{ScanError, ScanOptions, ScanResult, Stats, scan_bytes, scan_path};
pub use unpack::{Bytes, Limits};
