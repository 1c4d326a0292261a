//! Real camera SoC SDK blobs (`FIRMSIGHT_CORPUS/sdk`): for each family the
//! SoC vendor and family and every listed image sensor with its vendor are
//! identified, and nothing else; an SDK names no camera OEM.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use firmsight::model::Category;
use firmsight::{Bytes, ScanOptions, ScanResult, scan_bytes};
use serde_json::Value;

/// The family directory as one tar image, paths relative to it (the way
/// the files sit in a firmware's root filesystem).
fn tar_of(dir: &Path) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    for path in files {
        let rel = path.strip_prefix(dir).expect("inside");
        builder.append_path_with_name(&path, rel).expect("append");
    }
    builder.into_inner().expect("tar")
}

/// Scan one family's directory as one tar image.
fn scan_family(root: &Path, dir: &str) -> ScanResult {
    let image = tar_of(&root.join(dir));
    scan_bytes(dir, Bytes::from_vec(image), &ScanOptions::default()).expect("scan")
}

/// Same model: case-insensitive, `x` in the expected family a wildcard.
fn same_model(found: &str, expected: &str) -> bool {
    found.len() == expected.len()
        && found
            .chars()
            .zip(expected.chars())
            .all(|(f, e)| f.eq_ignore_ascii_case(&e) || f.eq_ignore_ascii_case(&'x'))
}

#[test]
fn sdk_families_give_soc_and_sensors_and_nothing_else() {
    let Some(root) = std::env::var_os("FIRMSIGHT_CORPUS") else {
        eprintln!("FIRMSIGHT_CORPUS not set; skipping corpus test");
        return;
    };
    let root = Path::new(&root);
    let text = std::fs::read_to_string(root.join("sdk/expected.json")).expect("expected.json");
    let expected: Value = serde_json::from_str(&text).expect("parses");
    let families = expected["families"].as_array().expect("families");
    assert_eq!(families.len(), 4);
    for family in families {
        let dir = family["dir"].as_str().expect("dir");
        let result = scan_family(root, dir);
        let f = &result.findings;

        // SoC: exactly the expected vendor is named, with its family.
        let soc: Vec<_> = f.named(Category::Soc).collect();
        let vendors: Vec<_> = soc.iter().map(|v| v.vendor.as_str()).collect();
        assert_eq!(
            vendors,
            [family["soc_vendor"].as_str().expect("vendor")],
            "{dir}: {:#?}",
            soc.iter()
                .map(|v| (&v.vendor, &v.rules, v.evidence.first()))
                .collect::<Vec<_>>()
        );
        let want = family["soc_family"].as_str().expect("family");
        let got = soc[0].model.as_deref().unwrap_or("");
        assert!(
            same_model(got, want),
            "{dir}: SoC family {got}, want {want}"
        );

        // Sensors: every listed model with its vendor, drivers named,
        // config-only ones left candidates, and no others.
        let mut want: BTreeMap<String, (String, bool)> = BTreeMap::new();
        for (key, driver) in [("sensors", true), ("sensors_config_only", false)] {
            for s in family[key].as_array().expect("sensors") {
                want.insert(
                    s["model"].as_str().expect("model").to_uppercase(),
                    (s["vendor"].as_str().expect("vendor").to_string(), driver),
                );
            }
        }
        let got: BTreeMap<String, (String, bool)> = f
            .category(Category::ImageSensor)
            .map(|v| {
                (
                    v.model.clone().unwrap_or_default(),
                    (v.vendor.clone(), v.named),
                )
            })
            .collect();
        let want_models: BTreeSet<_> = want.keys().collect();
        let got_models: BTreeSet<_> = got.keys().collect();
        assert_eq!(got_models, want_models, "{dir}: sensor models");
        for (model, (vendor, driver)) in &want {
            let (found_vendor, named) = &got[model];
            // The corpus leaves TP28xx unmapped; domain.md §2.2 names
            // TechPoint (an analog-HD receiver loaded like a sensor).
            let vendor_ok = found_vendor == vendor
                || (vendor == "unknown" && model.starts_with("TP") && found_vendor == "TechPoint");
            assert!(
                vendor_ok,
                "{dir}: {model} vendor {found_vendor}, want {vendor}"
            );
            assert_eq!(named, driver, "{dir}: {model} named only with a driver");
        }

        // An SDK is not a camera: no OEM is named (HiSilicon's libsecurec
        // says Huawei; CamHi configs say nothing conclusive either).
        assert!(
            f.oem().is_none(),
            "{dir}: OEM {:?}",
            f.oem().map(|v| &v.vendor)
        );
    }
}

/// Open-source code built into the SDKs' own libraries and modules under
/// other names, with no release text: found from the functions each file
/// defines (`defines` classifier records). The list is this project's
/// reading of the files' symbol tables (`nm --defined-only`), not part of
/// the corpus's expected results.
#[test]
fn components_built_into_sdk_blobs_are_found_by_the_functions_they_define() {
    let Some(root) = std::env::var_os("FIRMSIGHT_CORPUS") else {
        eprintln!("FIRMSIGHT_CORPUS not set; skipping corpus test");
        return;
    };
    let root = Path::new(&root);
    let expected: [(&str, &[(&str, &str)]); 4] = [
        (
            "sdk/fullhan-fh8852v200",
            &[
                ("fdk-aac", "libaudio_codec.so"),
                ("vo-aacenc", "libaudio_codec.so"),
            ],
        ),
        (
            "sdk/hisilicon-hi3516ev200",
            &[
                ("fdk-aac", "libaacdec.so"),
                ("fdk-aac", "libaacenc.so"),
                ("fdk-aac", "libaaccomm.so"),
                ("fdk-aac", "libaacsbrdec.so"),
                ("fdk-aac", "libaacsbrenc.so"),
                ("mbedtls", "hi_cipher.ko"),
            ],
        ),
        ("sdk/ingenic-t31", &[]),
        ("sdk/sigmastar-infinity6e", &[("cjson", "mi_ldc.ko")]),
    ];
    for (dir, want) in expected {
        let result = scan_family(root, dir);
        let got: BTreeSet<(String, String)> = result
            .image
            .iter()
            .flat_map(|a| {
                a.identified
                    .iter()
                    .filter(|i| i.classifier.ends_with("-defined-symbols"))
                    .inspect(|i| assert!(i.symbol.is_some(), "{i:?}"))
                    .map(|i| (i.component.clone(), a.name.clone()))
            })
            .collect();
        let want: BTreeSet<(String, String)> = want
            .iter()
            .map(|(c, f)| (c.to_string(), f.to_string()))
            .collect();
        assert_eq!(got, want, "{dir}");
        // The SBOM's occurrences name the function that shows each copy.
        let bom =
            firmsight::sbom::cyclonedx(&result, &firmsight::sbom::SbomOptions::reproducible(0));
        for (component, _) in &want {
            let found = bom
                .components
                .iter()
                .find(|c| &c.name == component)
                .expect("listed");
            let evidence = found.evidence.as_ref().expect("evidence");
            assert!(
                evidence.occurrences.iter().all(|o| o.symbol.is_some()),
                "{dir}: {component}"
            );
        }
    }
}

/// WebRTC's audio processing module, copied into Fullhan's audio firmware
/// for its ARC core (an RT-Thread image, not ELF): its assertions name
/// WebRTC's source files. Ingenic T31's libimp.so builds the same code in
/// but hides and strips it (only `WebRtcAgc` and a profile's name are
/// left), and no other family has it.
#[test]
fn webrtc_audio_processing_is_found_in_fullhans_arc_firmware_only() {
    let Some(root) = std::env::var_os("FIRMSIGHT_CORPUS") else {
        eprintln!("FIRMSIGHT_CORPUS not set; skipping corpus test");
        return;
    };
    let root = Path::new(&root);
    for (dir, want) in [
        (
            "sdk/fullhan-fh8852v200",
            &["rtthread_arc_FH885xV200.bin"][..],
        ),
        ("sdk/hisilicon-hi3516ev200", &[]),
        ("sdk/ingenic-t31", &[]),
        ("sdk/sigmastar-infinity6e", &[]),
    ] {
        let result = scan_family(root, dir);
        let got: BTreeSet<&str> = result
            .image
            .iter()
            .filter(|a| {
                a.identified
                    .iter()
                    .any(|i| i.component == "webrtc-audio-processing")
            })
            .map(|a| a.name.as_str())
            .collect();
        assert_eq!(got, want.iter().copied().collect(), "{dir}");
    }
}

/// The SoC vendors' own SDK releases, read from the text each SDK keeps:
/// HiSilicon MPP's `/proc/umap` version lines, `HI_VERSION` and ISP libraries, HiSilicon's
/// audio libraries, Huawei Secure C's
/// version string, Ingenic IMP's init banner and its ISP driver's probe
/// message, and the release directory of
/// Fullhan's CI in its libraries' build paths (the SDK and a patch
/// release), and SigmaStar MI's build line, whose only release is the SDK's
/// commit.
#[test]
fn soc_vendor_sdk_releases_are_read_from_their_files() {
    let Some(root) = std::env::var_os("FIRMSIGHT_CORPUS") else {
        eprintln!("FIRMSIGHT_CORPUS not set; skipping corpus test");
        return;
    };
    let root = Path::new(&root);
    const SDKS: [&str; 7] = [
        "hisilicon-mpp",
        "hisilicon-audio",
        "securec",
        "ingenic-imp",
        "ingenic-tx-isp",
        "fullhan-ipc-sdk",
        "sigmastar-mi",
    ];
    let mpp: Vec<String> = [
        "acodec", "adec", "aenc", "ai", "ao", "base", "chnl", "h264e", "h265e", "ive", "jpege",
        "rc", "rgn", "sys", "venc", "vgs", "vi", "vo", "vpss",
    ]
    .iter()
    .map(|m| format!("hi3516ev200_{m}.ko"))
    .chain(
        [
            "hifb.ko",
            "libmpi.so",
            "lib_hiae.so",
            "lib_hiawb.so",
            "lib_hiawb_natura.so",
        ]
        .map(String::from),
    )
    .collect();
    let audio: Vec<String> = [
        "libVoiceEngine.so",
        "libaacdec.so",
        "libaacenc.so",
        "libdnvqe.so",
        "libupvqe.so",
    ]
    .map(String::from)
    .to_vec();
    // Every MI module and library but mhal.ko, libmi_ive.so and
    // libmi_vdf.so, and the two ISP algorithm libraries.
    let sigmastar: Vec<String> = [
        "ai", "ao", "common", "divp", "ldc", "mipitx", "rgn", "sensor", "shadow", "sys", "venc",
        "vif", "vpe",
    ]
    .iter()
    .map(|m| format!("mi_{m}.ko"))
    .chain(
        [
            "ai", "ao", "divp", "ipu", "iqserver", "isp", "rgn", "sensor", "shadow", "sys", "venc",
            "vif", "vpe",
        ]
        .iter()
        .map(|m| format!("libmi_{m}.so")),
    )
    .chain(["libcus3a.so", "libispalgo.so"].map(String::from))
    .collect();
    /// A component, its release and the files that hold it.
    type Release<'a> = (&'a str, &'a str, Vec<String>);
    let expected: [(&str, Vec<Release>); 4] = [
        (
            "sdk/hisilicon-hi3516ev200",
            vec![
                ("hisilicon-mpp", "1.0.1.2", mpp),
                ("hisilicon-audio", "3.0.7.34", audio),
                ("securec", "V100R001C01SPC004", vec!["libsecurec.so".into()]),
            ],
        ),
        (
            "sdk/ingenic-t31",
            vec![
                ("ingenic-imp", "1.1.6", vec!["libimp.so".into()]),
                ("ingenic-tx-isp", "H20221206a", vec!["tx-isp-t31.ko".into()]),
            ],
        ),
        (
            "sdk/fullhan-fh8852v200",
            vec![
                (
                    "fullhan-ipc-sdk",
                    "1.1.0",
                    vec!["libdbi.so".into(), "libdci.so".into(), "libmipi.so".into()],
                ),
                (
                    "fullhan-ipc-sdk",
                    "1.1.0.P6",
                    vec!["libfh_crypto_api.so".into()],
                ),
            ],
        ),
        (
            "sdk/sigmastar-infinity6e",
            vec![("sigmastar-mi", "dc99390", sigmastar)],
        ),
    ];
    for (dir, want) in expected {
        let result = scan_family(root, dir);
        let mut got: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
        for artifact in result.image.iter() {
            for id in &artifact.identified {
                if SDKS.contains(&id.component.as_str()) {
                    let name = artifact.name.rsplit('/').next().unwrap_or_default();
                    got.entry((id.component.clone(), id.version.clone()))
                        .or_default()
                        .insert(name.to_string());
                }
            }
        }
        let want: BTreeMap<(String, String), BTreeSet<String>> = want
            .into_iter()
            .map(|(c, v, files)| ((c.to_string(), v.to_string()), files.into_iter().collect()))
            .collect();
        assert_eq!(got, want, "{dir}");
        // In the SBOM: the type, and the purl with its chip line.
        let bom =
            firmsight::sbom::cyclonedx(&result, &firmsight::sbom::SbomOptions::reproducible(0));
        let listed: BTreeSet<(&str, &str)> = bom
            .components
            .iter()
            .filter(|c| SDKS.contains(&c.name.as_str()))
            .map(|c| (c.kind, c.purl.as_deref().unwrap_or_default()))
            .collect();
        let purls: BTreeSet<(&str, &str)> = match dir {
            "sdk/hisilicon-hi3516ev200" => [
                (
                    "framework",
                    "pkg:generic/hisilicon/mpp@1.0.1.2?chip=hi3516ev200",
                ),
                ("library", "pkg:generic/hisilicon/audio@3.0.7.34"),
                ("library", "pkg:generic/huawei/securec@V100R001C01SPC004"),
            ]
            .into(),
            "sdk/ingenic-t31" => [
                ("framework", "pkg:generic/ingenic/imp@1.1.6"),
                ("device-driver", "pkg:generic/ingenic/tx-isp@H20221206a"),
            ]
            .into(),
            "sdk/fullhan-fh8852v200" => [
                (
                    "framework",
                    "pkg:generic/fullhan/ipc-sdk@1.1.0?chip=fh885xv200",
                ),
                (
                    "framework",
                    "pkg:generic/fullhan/ipc-sdk@1.1.0.P6?chip=fh885xv200",
                ),
            ]
            .into(),
            "sdk/sigmastar-infinity6e" => {
                [("framework", "pkg:generic/sigmastar/mi@dc99390")].into()
            }
            _ => BTreeSet::new(),
        };
        assert_eq!(listed, purls, "{dir}");
    }
}
