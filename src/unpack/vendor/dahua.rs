//! Dahua firmware package (`*.bin` for Dahua, Amcrest, Lorex 2018–23, Imou,
//! CP Plus …): a zip whose first local header says `DH` instead of `PK`
//! (domain.md §1.1, §1.3). Only that header is altered; the central
//! directory is intact, so the archive reads as zip once the magic is put
//! back. Members are uImage-wrapped filesystems (`romfs-x.squashfs.img` …),
//! unpacked by the uImage format in turn.
//!
//! The `Install` member's JSON `Vendor` field is the OEM customisation
//! (relabel evidence); it is recorded as a note on the package.

use crate::unpack::blob::{Blob, Bytes};
use crate::unpack::zip::Zip;
use crate::unpack::{Context, Extraction, Format, FormatError, Magic};

const MAGIC: [u8; 4] = *b"DH\x03\x04";
/// Largest `Install` file read for its `Vendor` field.
const MAX_INSTALL: u64 = 64 << 10;

/// The Dahua package format.
pub struct DahuaZip;

impl Format for DahuaZip {
    fn id(&self) -> &'static str {
        "dahua-zip"
    }

    fn magic(&self) -> &'static [Magic] {
        const MAGICS: &[Magic] = &[Magic::at_start(&MAGIC)];
        MAGICS
    }

    fn probe(&self, data: &[u8]) -> bool {
        // The rest of a zip local header: version needed (low byte) and
        // name length within reason.
        data.len() >= 30 && data[..4] == MAGIC && data[4] <= 63 && {
            let name_len = u16::from_le_bytes([data[26], data[27]]);
            (1..=1024).contains(&name_len)
        }
    }

    fn extent(&self, data: &[u8]) -> Option<u64> {
        Zip.extent(data)
    }

    fn extract(&self, data: &Bytes, cx: &Context<'_>) -> Result<Extraction, FormatError> {
        let mut patched = data.to_vec();
        patched[..2].copy_from_slice(b"PK");
        let mut extraction = Zip.extract(&Bytes::from_vec(patched), cx)?;
        let install = extraction.entries.iter().find(|e| {
            e.path
                .as_deref()
                .is_some_and(|p| p.eq_ignore_ascii_case("Install"))
        });
        if let Some(vendor) = install
            .and_then(|e| e.blob.as_ref())
            .and_then(install_vendor)
        {
            extraction
                .notes
                .push(format!("dahua Install.Vendor: {vendor}"));
            extraction.facts.push(("install_vendor", vendor));
        }
        Ok(extraction)
    }
}

/// The `Vendor` field of an `Install` JSON member.
fn install_vendor(blob: &Blob) -> Option<String> {
    let text = blob.read_prefix(MAX_INSTALL)?;
    let json: serde_json::Value = serde_json::from_slice(&text).ok()?;
    json.get("Vendor")?.as_str().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples;

    fn dahua(members: &[(&str, &[u8], bool)]) -> Vec<u8> {
        let mut zip = samples::zip(members);
        zip[..2].copy_from_slice(b"DH");
        zip
    }

    #[test]
    fn reads_the_package_and_its_install_vendor() {
        let install = br#"{"Commands":["burn kernel.img kernel"],"Devices":[["IPC-HX3XXX","1.00"]],"Vendor":"General"}"#;
        let data = dahua(&[
            ("Install", install, true),
            ("kernel.img", b"uimage here", false),
        ]);
        assert!(DahuaZip.probe(&data));
        let ex = DahuaZip
            .extract(&Bytes::from_vec(data), &Context::named("fw.bin"))
            .expect("extract");
        let names: Vec<_> = ex.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["Install", "kernel.img"]);
        assert_eq!(ex.notes, ["dahua Install.Vendor: General"]);
    }

    #[test]
    fn decoys_are_rejected() {
        assert!(!DahuaZip.probe(b"DH\x03\x04"));
        assert!(!DahuaZip.probe(&samples::zip(&[("a", b"b", false)])));
        let mut text = b"DH\x03\x04".to_vec();
        text.extend([b'x'; 40]);
        assert!(!DahuaZip.probe(&text));
    }
}
