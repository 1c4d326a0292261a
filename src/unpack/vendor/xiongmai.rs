//! Xiongmai (XMEye) update packages and their OEM relabels (domain.md
//! §1.1): a plain zip holding `InstallDesc`, a JSON list of upgrade
//! commands (`{"UpgradeCommand":[{"Command":"Burn","FileName":
//! "romfs-x.cramfs.img"}, …]}`) and the uImage-wrapped images it names.
//! Read as a zip; `InstallDesc` is recorded on the package as vendor
//! evidence.

use crate::unpack::blob::Bytes;
use crate::unpack::zip::Zip;
use crate::unpack::{Context, Extraction, Format, FormatError, Magic};

const MEMBER: &[u8] = b"InstallDesc";
/// The central directory names members near the end of the archive.
const TAIL: usize = 64 << 10;
const MAX_DESC: u64 = 64 << 10;

/// The Xiongmai package format.
pub struct XiongmaiZip;

impl Format for XiongmaiZip {
    fn id(&self) -> &'static str {
        "xiongmai-zip"
    }

    fn magic(&self) -> &'static [Magic] {
        // Carved as a zip; recognised when the part is probed.
        &[]
    }

    fn probe(&self, data: &[u8]) -> bool {
        let tail = &data[data.len().saturating_sub(TAIL)..];
        Zip.probe(data) && memchr::memmem::find(tail, MEMBER).is_some()
    }

    fn extent(&self, data: &[u8]) -> Option<u64> {
        Zip.extent(data)
    }

    fn extract(&self, data: &Bytes, cx: &Context<'_>) -> Result<Extraction, FormatError> {
        let mut extraction = Zip.extract(data, cx)?;
        let desc = extraction
            .entries
            .iter()
            .find(|e| e.path.as_deref() == Some("InstallDesc"))
            .and_then(|e| e.blob.as_ref())
            .and_then(|b| b.read_prefix(MAX_DESC));
        if let Some(desc) = desc {
            let summary = serde_json::from_slice::<serde_json::Value>(&desc)
                .ok()
                .and_then(|json| {
                    let commands = json.get("UpgradeCommand")?.as_array()?;
                    Some(
                        commands
                            .iter()
                            .filter_map(|c| {
                                Some(format!(
                                    "{} {}",
                                    c.get("Command")?.as_str()?,
                                    c.get("FileName")?.as_str()?
                                ))
                            })
                            .collect::<Vec<_>>()
                            .join(", "),
                    )
                })
                .unwrap_or_else(|| "not JSON".into());
            extraction
                .notes
                .push(format!("xiongmai InstallDesc: {summary}"));
        }
        Ok(extraction)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples;

    #[test]
    fn install_desc_is_recorded() {
        let desc = br#"{"UpgradeCommand":[{"Command":"Burn","FileName":"romfs-x.cramfs.img"},{"Command":"Burn","FileName":"user-x.cramfs.img"}]}"#;
        let zip = samples::zip(&[
            ("InstallDesc", desc, true),
            ("romfs-x.cramfs.img", b"uimage", false),
        ]);
        assert!(XiongmaiZip.probe(&zip));
        let ex = XiongmaiZip
            .extract(&Bytes::from_vec(zip), &Context::named("General_IPC.bin"))
            .expect("extract");
        assert_eq!(
            ex.notes,
            ["xiongmai InstallDesc: Burn romfs-x.cramfs.img, Burn user-x.cramfs.img"]
        );
        assert!(!XiongmaiZip.probe(&samples::zip(&[("other", b"x", false)])));
    }
}
