//! OEM product files: Windows driver packages and Linux kernel modules that
//! name the USB camera module they drive (domain.md §2, issue "OEM product
//! files"). A laptop or medical-device package that ships a camera module
//! of a flagged maker shows it here.
//!
//! - `.inf` files: `USB\VID_xxxx&PID_yyyy` hardware ids; when the INF's
//!   class is `Camera` or `Image` (or their class GUIDs) each vendor id is
//!   strong camera-module evidence, named from the usb.ids vendor table.
//! - PE files (`.sys`, `.dll`, `.exe`): `VERSIONINFO` `CompanyName` and
//!   `ProductName` (via goblin) are recorded; when the description or
//!   product speaks of a camera, the company is medium evidence.
//! - Kernel modules: `usb:vXXXXpYYYY` aliases of a video/camera driver.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, LazyLock};

use regex::Regex;

use crate::model::{Artifact, Category, Hit, Weight};

/// The committed vendor table (`scripts/usb-vendors.py` regenerates it).
pub(crate) const USB_VENDORS: &str = include_str!("../../signatures/usb-vendors.tsv");

/// Largest `.inf` read.
const MAX_INF: usize = 4 << 20;

/// Camera (`{ca3e7ab9-…}`) and imaging (`{6bdd1fc6-…}`, cameras and
/// scanners) device setup classes.
const CAMERA_CLASS_GUIDS: [&str; 2] = [
    "ca3e7ab9-b4c3-4ae6-8251-579ef933890f",
    "6bdd1fc6-810f-11d0-bec7-08002be2092f",
];

/// USB vendor id → company, from usb.ids.
pub fn usb_vendor(vid: u16) -> Option<&'static str> {
    static TABLE: LazyLock<HashMap<u16, &'static str>> = LazyLock::new(|| {
        USB_VENDORS
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let (vid, name) = l.split_once('\t')?;
                Some((u16::from_str_radix(vid, 16).ok()?, name))
            })
            .collect()
    });
    TABLE.get(&vid).copied()
}

/// Hits and notes for a driver-package file.
pub fn identify(artifact: &mut Artifact, bytes: &[u8]) {
    let lower = artifact.name.to_ascii_lowercase();
    if lower.ends_with(".inf") {
        inf(artifact, bytes);
    } else if bytes.starts_with(b"MZ") {
        pe(artifact, bytes);
    } else if let Some(elf) = &artifact.elf {
        let aliases: Vec<String> = elf
            .modinfo
            .iter()
            .filter(|(k, _)| k == "alias")
            .map(|(_, v)| v.clone())
            .collect();
        let description = elf
            .modinfo
            .iter()
            .filter(|(k, _)| k == "description" || k == "name")
            .map(|(_, v)| v.to_ascii_lowercase())
            .collect::<Vec<_>>()
            .join(" ");
        // In-tree class drivers (uvcvideo, gspca) list the devices they
        // *support*, not the one a product contains: only out-of-tree
        // vendor modules count, and as medium evidence.
        let in_tree = elf.modinfo.iter().any(|(k, v)| k == "intree" && v == "Y");
        if !in_tree && !aliases.is_empty() && speaks_of_camera(&description) {
            let ids = usb_ids(&aliases.join("\n"), &KMOD_ALIAS);
            // A module for many vendors' devices is a class driver too.
            let vendors: BTreeSet<u16> = ids.iter().map(|(v, _)| *v).collect();
            if vendors.len() <= 2 {
                let hits = ids
                    .into_iter()
                    .map(|id| module_hit("kmod-usb-alias", id, Weight::Medium, None));
                artifact.hits.extend(hits.flatten());
            }
        }
    }
}

static INF_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)USB\\VID_([0-9a-f]{4})&PID_([0-9a-f]{4})").expect("valid regex")
});
static KMOD_ALIAS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^usb:v([0-9a-f]{4})p([0-9a-f]{4})").expect("valid regex"));
static INF_CLASS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?im)^\s*Class(Guid)?\s*=\s*([^\r\n;]+)").expect("valid regex"));

/// Distinct (vid) of every id `re` finds, with its product noted.
fn usb_ids(text: &str, re: &Regex) -> BTreeSet<(u16, u16)> {
    text.lines()
        .flat_map(|line| re.captures_iter(line).collect::<Vec<_>>())
        .filter_map(|c| {
            Some((
                u16::from_str_radix(c.get(1)?.as_str(), 16).ok()?,
                u16::from_str_radix(c.get(2)?.as_str(), 16).ok()?,
            ))
        })
        .collect()
}

fn module_hit(
    rule: &str,
    (vid, pid): (u16, u16),
    weight: Weight,
    note: Option<&str>,
) -> Option<Hit> {
    let vendor = usb_vendor(vid)?;
    Some(Hit {
        rule: Arc::from(rule),
        category: Category::CameraModule,
        vendor: vendor.into(),
        weight,
        model: Some(format!("USB {vid:04X}:{pid:04X}")),
        offset: None,
        matched: Some(match note {
            Some(n) => format!("VID_{vid:04X}&PID_{pid:04X} ({n})"),
            None => format!("VID_{vid:04X}&PID_{pid:04X}"),
        }),
    })
}

/// INF text: UTF-16LE with a byte-order mark, or 8-bit.
fn inf_text(bytes: &[u8]) -> String {
    let bytes = &bytes[..bytes.len().min(MAX_INF)];
    match bytes {
        [0xFF, 0xFE, rest @ ..] => {
            let units: Vec<u16> = rest
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
}

fn inf(artifact: &mut Artifact, bytes: &[u8]) {
    let text = inf_text(bytes);
    let class: Vec<String> = INF_CLASS
        .captures_iter(&text)
        .filter_map(|c| c.get(2))
        .map(|m| {
            m.as_str()
                .trim()
                .trim_matches(['{', '}', '"'])
                .to_ascii_lowercase()
        })
        .collect();
    // `Camera` is cameras only; `Image` also covers WIA scanners, so it
    // counts only when the INF speaks of a camera.
    let camera = class
        .iter()
        .any(|c| c == "camera" || c == CAMERA_CLASS_GUIDS[0])
        || class
            .iter()
            .any(|c| c == "image" || c == CAMERA_CLASS_GUIDS[1])
            && speaks_of_camera(&text.to_ascii_lowercase());
    let ids = usb_ids(&text, &INF_ID);
    if ids.is_empty() {
        return;
    }
    artifact.notes.push(format!(
        "driver INF: class {}, {} USB id(s)",
        class.first().map(String::as_str).unwrap_or("?"),
        ids.len()
    ));
    if camera {
        artifact.hits.extend(ids.into_iter().filter_map(|id| {
            module_hit(
                "driver-inf-usb-camera",
                id,
                Weight::Strong,
                Some("camera-class INF"),
            )
        }));
    }
}

fn speaks_of_camera(text: &str) -> bool {
    [
        "camera",
        "webcam",
        "uvc",
        "video capture",
        "imaging",
        "image sensor",
    ]
    .iter()
    .any(|w| text.contains(w))
}

fn pe(artifact: &mut Artifact, bytes: &[u8]) {
    let Ok(pe) = goblin::pe::PE::parse(bytes) else {
        return;
    };
    let Some(info) = pe.resource_data.and_then(|r| r.version_info) else {
        return;
    };
    let strings = &info.string_info;
    let company = strings.company_name().filter(|s| !s.trim().is_empty());
    let product = strings.product_name().unwrap_or_default();
    let description = strings.file_description().unwrap_or_default();
    artifact.notes.push(format!(
        "PE VERSIONINFO: CompanyName {:?}, ProductName {product:?}, FileDescription {description:?}",
        company.as_deref().unwrap_or("")
    ));
    if let Some(company) = company
        && speaks_of_camera(&format!("{product} {description}").to_ascii_lowercase())
    {
        artifact.hits.push(Hit {
            rule: Arc::from("pe-versioninfo-camera"),
            category: Category::CameraModule,
            vendor: company.trim().into(),
            weight: Weight::Medium,
            model: (!product.is_empty()).then(|| product.clone()),
            offset: None,
            matched: Some(format!("CompanyName {company}; {description}")),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EntryKind, Location};
    use crate::samples::pe_with_version_info;

    fn run(name: &str, bytes: &[u8]) -> Artifact {
        let mut a = Artifact::new(Location::root(name), name.into(), EntryKind::File);
        identify(&mut a, bytes);
        a
    }

    #[test]
    fn the_vendor_table_is_usb_ids() {
        assert_eq!(usb_vendor(0x04F2), Some("Chicony Electronics Co., Ltd"));
        assert_eq!(usb_vendor(0x12D1), Some("Huawei Technologies Co., Ltd."));
        assert_eq!(usb_vendor(0xFFFE), None);
    }

    #[test]
    fn a_camera_class_inf_names_the_module_maker() {
        let inf = "[Version]\r\nSignature=\"$WINDOWS NT$\"\r\nClass=Camera\r\nClassGuid={ca3e7ab9-b4c3-4ae6-8251-579ef933890f}\r\n[Models]\r\n%Cam.Desc%=Cam,USB\\VID_04F2&PID_B5A3&MI_00\r\n";
        let a = run("cam.inf", inf.as_bytes());
        assert_eq!(a.hits.len(), 1);
        assert_eq!(&*a.hits[0].vendor, "Chicony Electronics Co., Ltd");
        assert_eq!(a.hits[0].model.as_deref(), Some("USB 04F2:B5A3"));
        // UTF-16LE with a BOM, as Windows tools write them.
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(inf.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(run("cam.inf", &utf16).hits, a.hits);
    }

    #[test]
    fn a_non_camera_inf_is_noted_but_names_no_module() {
        let inf = "[Version]\r\nClass=Net\r\n[Models]\r\n%D%=I,USB\\VID_0BDA&PID_8153\r\n";
        let a = run("net.inf", inf.as_bytes());
        assert!(a.hits.is_empty());
        assert!(a.notes[0].contains("class net"), "{:?}", a.notes);
    }

    #[test]
    fn pe_version_info_gives_the_company() {
        let sys = pe_with_version_info(&[
            ("CompanyName", "Chicony Electronics Co., Ltd"),
            ("ProductName", "USB2.0 HD UVC WebCam"),
            ("FileDescription", "USB Video Class camera driver"),
        ]);
        let a = run("cam.sys", &sys);
        assert!(a.notes[0].contains("Chicony"), "{:?}", a.notes);
        assert_eq!(a.hits.len(), 1);
        assert_eq!(&*a.hits[0].vendor, "Chicony Electronics Co., Ltd");
        // A printer driver of the same company is not a camera module.
        let other = pe_with_version_info(&[
            ("CompanyName", "Chicony Electronics Co., Ltd"),
            ("FileDescription", "Keyboard filter driver"),
        ]);
        assert!(run("kbd.sys", &other).hits.is_empty());
        assert!(run("bad.sys", b"MZ\0\0truncated").hits.is_empty());
    }
}
