//! Emitters: the scan result as a software bill of materials.
//!
//! CycloneDX 1.6 JSON is written from serde types of our own
//! ([`mod@cyclonedx`]): the `cyclonedx-bom` crate writes 1.3–1.5 only, and
//! BSI TR-03183-2 requires 1.6.

use time::OffsetDateTime;

pub mod bsi;
pub mod check;
pub mod cyclonedx;
mod findings;
pub mod vex;

pub use cyclonedx::{Bom, cyclonedx};

/// How the serial number is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Serial {
    /// A random UUID (v4): every run is a new BOM.
    Random,
    /// A UUID (v5) derived from the image SHA-256 and the firmsight
    /// version: identical input gives an identical BOM.
    FromImage,
}

/// Options for every emitter.
#[derive(Debug, Clone)]
pub struct SbomOptions {
    /// `metadata.timestamp`.
    pub timestamp: OffsetDateTime,
    /// How `serialNumber` is chosen.
    pub serial: Serial,
    /// Extra fields a guideline requires.
    pub profile: Profile,
    /// E-mail (or URL) of whoever makes the SBOM: `metadata.authors`.
    pub author: Option<String>,
}

/// Which guideline's fields to add.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Profile {
    /// firmsight's own fields only.
    #[default]
    Plain,
    /// BSI TR-03183-2 v2.0: filename, executable/archive/structured,
    /// SHA-512, a dependencies entry per component.
    Bsi,
}

impl SbomOptions {
    /// Now (whole seconds), with a random serial number.
    pub fn now() -> Self {
        let now = OffsetDateTime::now_utc();
        SbomOptions {
            timestamp: now.replace_nanosecond(0).unwrap_or(now),
            serial: Serial::Random,
            profile: Profile::Plain,
            author: None,
        }
    }

    /// Byte-identical output for identical input: the timestamp is
    /// `epoch_seconds` (from `SOURCE_DATE_EPOCH`, or 0) and the serial number
    /// is derived from the image hash.
    pub fn reproducible(epoch_seconds: i64) -> Self {
        SbomOptions {
            timestamp: OffsetDateTime::from_unix_timestamp(epoch_seconds)
                .unwrap_or(OffsetDateTime::UNIX_EPOCH),
            serial: Serial::FromImage,
            profile: Profile::Plain,
            author: None,
        }
    }
}
