//! The committed samples: they match their generator, and scanning them
//! lists every file with the hash an independent reader computes.

use std::io::Read;
use std::path::Path;

use firmsight::model::{ElfRole, Status};
use firmsight::scan_path;

use crate::support::{sha256_hex, tar_files};

fn samples_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/samples"))
}

/// The committed samples hold what the generator makes. Compared by
/// content (every leaf's location and hash), not by compressed bytes, so a
/// new compressor version does not make them stale.
#[test]
fn samples_match_generator() {
    let leaves = |image: &firmsight::Artifact| -> Vec<(String, Option<String>)> {
        image
            .iter()
            .filter(|a| a.children.is_empty())
            .map(|a| {
                (
                    a.location.to_string(),
                    a.hashes.as_ref().map(|h| h.sha256_hex()),
                )
            })
            .collect()
    };
    for sample in firmsight::samples::all() {
        let committed = std::fs::read(samples_dir().join(sample.name))
            .unwrap_or_else(|e| panic!("samples/{}: {e}", sample.name));
        let committed = crate::support::scan(sample.name, committed);
        let generated = crate::support::scan(sample.name, sample.bytes);
        assert_eq!(
            leaves(&committed.image),
            leaves(&generated.image),
            "samples/{} differs from its generator: run `cargo run --example make-samples`",
            sample.name
        );
    }
}

/// Read the rootfs of camera-update.zip with the zip, flate2 and tar crates'
/// own readers: (path, sha256) of every regular file.
fn independent_listing(zip_bytes: &[u8]) -> Vec<(String, (u64, String))> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes)).expect("zip");
    let mut gz = Vec::new();
    archive
        .by_name("update/rootfs.tar.gz")
        .expect("member")
        .read_to_end(&mut gz)
        .expect("read");
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut tar)
        .expect("gunzip");
    let mut out = Vec::new();
    for entry in tar::Archive::new(&tar[..]).entries().expect("tar") {
        let mut entry = entry.expect("entry");
        if entry.header().entry_type() != tar::EntryType::Regular {
            continue;
        }
        let path = entry.path().expect("path").display().to_string();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).expect("data");
        out.push((path, (data.len() as u64, sha256_hex(&data))));
    }
    out.sort();
    out
}

#[test]
fn nested_zip_tar_gz_lists_every_file_with_the_right_hash() {
    let path = samples_dir().join("camera-update.zip");
    let result = scan_path(&path, &Default::default()).expect("scan");
    let image = &result.image;
    assert_eq!(image.kind, "zip");
    assert!(
        image.iter().all(|a| a.status == Status::Unpacked),
        "{image:#?}"
    );

    let expected = independent_listing(&std::fs::read(&path).expect("read"));
    let found: Vec<_> = tar_files(image).into_iter().collect();
    assert_eq!(found, expected);

    let busybox = image
        .iter()
        .find(|a| a.name == "busybox")
        .expect("busybox found");
    assert_eq!(
        busybox.location.to_string(),
        "camera-update.zip › zip:update/rootfs.tar.gz › gzip › tar:bin/busybox"
    );
    let elf = busybox.elf.as_ref().expect("elf facts");
    assert_eq!(elf.machine, "arm");
    assert_eq!(elf.role, ElfRole::Executable);
    assert_eq!(elf.interpreter.as_deref(), Some("/lib/ld-uClibc.so.0"));

    let ptz = image.iter().find(|a| a.name == "ptz_helper").expect("ptz");
    assert_eq!(ptz.elf.as_ref().expect("elf").machine, "mips");
    let module = image
        .iter()
        .find(|a| a.name == "sensor_imx307.ko")
        .expect("module");
    assert_eq!(
        module.elf.as_ref().expect("elf").role,
        ElfRole::KernelModule
    );
    assert_eq!(result.stats.elf_components(), 8);
}

#[test]
fn camera_update_names_its_maker_soc_sensor_and_reach() {
    use firmsight::model::Category;
    let path = samples_dir().join("camera-update.zip");
    let result = scan_path(&path, &Default::default()).expect("scan");
    let f = &result.findings;
    let named = |c| f.named(c).map(|v| v.vendor.clone()).collect::<Vec<_>>();
    assert_eq!(named(Category::CameraOem), ["Dahua"]);
    let soc = f.named(Category::Soc).next().expect("soc");
    assert_eq!(
        (soc.vendor.as_str(), soc.model.as_deref()),
        ("HiSilicon", Some("Hi3516EV200"))
    );
    let sensor = f.named(Category::ImageSensor).next().expect("sensor");
    assert_eq!(sensor.model.as_deref(), Some("IMX307"));
    assert_eq!(sensor.country.as_deref(), Some("JP"));
    assert_eq!(named(Category::P2pCloud), ["Dahua DHP2P / Imou"]);
    let mut capabilities = named(Category::Capability);
    capabilities.sort();
    assert_eq!(
        capabilities,
        [
            "RTSP",
            "certificate",
            "hard-coded endpoint",
            "private key",
            "static root password",
            "telnetd"
        ]
    );
    let telnet = f
        .named(Category::Capability)
        .find(|v| v.vendor == "telnetd")
        .expect("telnetd");
    assert_eq!(telnet.ports, [23]);
    assert!(
        telnet.evidence[0].location.ends_with("tar:etc/init.d/rcS"),
        "{:?}",
        telnet.evidence
    );

    let posture = &f.posture;
    assert_eq!(posture.tls_libraries, ["openssl 1.1.1k"]);
    assert_eq!(
        posture.plaintext_services,
        ["telnetd"],
        "telnet is plaintext even with TLS"
    );
    assert!(posture.static_root_password);
    assert_eq!(posture.private_keys, 1);

    let bom = firmsight::sbom::cyclonedx(&result, &firmsight::sbom::SbomOptions::reproducible(0));
    let json = serde_json::to_value(&bom).expect("json");
    assert_eq!(
        json["metadata"]["component"]["manufacturer"]["name"],
        "Dahua"
    );
    let components = json["components"].as_array().expect("components");
    let device = |name: &str| {
        components
            .iter()
            .find(|c| c["type"] == "device" && c["name"] == name)
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    assert_eq!(
        device("HiSilicon Hi3516EV200")["manufacturer"]["address"]["country"],
        "CN"
    );
    let sensor = device("Sony IMX307");
    assert!(
        sensor["evidence"]["occurrences"][0]["location"]
            .as_str()
            .is_some_and(|l| l.ends_with("tar:usr/lib/libsns_imx307.so")),
        "{sensor}"
    );
    let key = components
        .iter()
        .find(|c| c["type"] == "cryptographic-asset" && c["name"] == "embedded private-key (PEM)")
        .expect("key asset");
    assert_eq!(
        key["cryptoProperties"]["relatedCryptoMaterialProperties"]["type"],
        "private-key"
    );
    assert!(
        !json.to_string().contains("bm90IGEgcmVhbCBrZXk6"),
        "key material never copied"
    );
    let services: Vec<_> = json["services"]
        .as_array()
        .expect("services")
        .iter()
        .map(|s| s["name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        services,
        [
            "Dahua DHP2P / Imou",
            "RTSP",
            "hard-coded endpoints",
            "telnetd"
        ]
    );
    let endpoints = &json["services"][2]["endpoints"];
    assert_eq!(endpoints, &serde_json::json!(["https://www.easy4ip.com"]));
    // The P2P service carries the endpoints written beside its marks.
    assert_eq!(
        json["services"][0]["endpoints"],
        serde_json::json!(["https://www.easy4ip.com"])
    );
}

#[test]
fn every_sample_scans_cleanly() {
    for sample in firmsight::samples::all() {
        let result =
            scan_path(&samples_dir().join(sample.name), &Default::default()).expect("scan");
        assert_eq!(result.stats.errors, 0, "{}", sample.name);
        assert_eq!(result.stats.budget_hits, 0, "{}", sample.name);
        assert!(result.stats.elf_components() >= 2, "{}", sample.name);
    }
}

#[test]
fn flash_dump_unpacks_into_all_four_parts() {
    let result =
        scan_path(&samples_dir().join("flash-dump.bin"), &Default::default()).expect("scan");
    let image = &result.image;
    assert_eq!(image.kind, "carve");
    let parts: Vec<(&str, &str)> = image
        .children
        .iter()
        .map(|c| (c.name.as_str(), c.kind.as_str()))
        .collect();
    assert_eq!(
        parts,
        [
            ("00000000.unknown", "data"),
            ("00010000.uimage", "uimage"),
            ("00020000.squashfs", "squashfs"),
            ("00030000.cramfs", "cramfs"),
        ]
    );
    assert!(
        image.children[0]
            .notes
            .iter()
            .any(|n| n.contains("entropy"))
    );
    assert!(image.notes.iter().any(|n| n.contains("0xff padding")));
    // Each part is unpacked in turn: the kernel's gzip payload, the
    // rootfs's ELF files, the config partition's file.
    let kernel = image
        .iter()
        .find(|a| a.location.to_string().ends_with("uimage › gzip"))
        .expect("kernel");
    assert_eq!(kernel.status, Status::Unpacked);
    let busybox = image.iter().find(|a| a.name == "busybox").expect("busybox");
    assert_eq!(
        busybox.location.to_string(),
        "flash-dump.bin › carve:0x00020000 › squashfs:bin/busybox"
    );
    assert_eq!(busybox.elf.as_ref().expect("elf").machine, "arm");
    assert!(image.iter().any(|a| a.name == "network.conf" && a.size > 0));
    assert_eq!(result.stats.errors, 0);
}

#[test]
fn samples_yield_versioned_components_with_evidence() {
    let bom = |name: &str| {
        let result = scan_path(&samples_dir().join(name), &Default::default()).expect("scan");
        firmsight::sbom::cyclonedx(&result, &firmsight::sbom::SbomOptions::reproducible(0))
    };
    let purls = |bom: &firmsight::sbom::Bom| -> Vec<String> {
        bom.components
            .iter()
            .filter_map(|c| c.purl.clone())
            .collect()
    };
    let camera = bom("camera-update.zip");
    // linux from the sensor module's vermagic.
    assert_eq!(
        purls(&camera),
        [
            "pkg:generic/busybox@1.31.1",
            "pkg:generic/linux@4.9.37",
            "pkg:generic/openssl@1.1.1k"
        ]
    );
    let openssl = camera
        .components
        .iter()
        .find(|c| c.name == "openssl")
        .expect("openssl");
    assert_eq!(
        openssl.cpe.as_deref(),
        Some("cpe:2.3:a:openssl:openssl:1.1.1k:*:*:*:*:*:*:*")
    );
    let evidence = openssl.evidence.as_ref().expect("evidence");
    assert_eq!(
        evidence.identity[0].methods[0].value,
        "openssl-version-text"
    );
    assert_eq!(
        evidence.occurrences[0].location,
        "camera-update.zip › zip:update/rootfs.tar.gz › gzip › tar:lib/libcrypto.so.1.1"
    );
    // BusyBox lists the applets its filesystem links to it.
    let busybox = camera
        .components
        .iter()
        .find(|c| c.name == "busybox")
        .expect("busybox");
    let applets: Vec<(&str, &str)> = busybox
        .properties
        .iter()
        .map(|p| (p.name.as_str(), p.value.as_str()))
        .collect();
    assert_eq!(applets, [("firmsight:busybox:applets", "ls,sh")]);
    // A vendor kernel module declares itself proprietary: a licence name.
    let module = camera
        .components
        .iter()
        .find(|c| c.name == "hi3516ev200_sys.ko")
        .expect("module");
    assert_eq!(
        serde_json::to_value(&module.licenses).expect("serialises"),
        serde_json::json!([{"license": {"name": "Proprietary"}}])
    );
    // The identified library is its component, not also a bare file.
    assert!(
        !camera
            .components
            .iter()
            .any(|c| c.name == "libcrypto.so.1.1")
    );

    let flash = bom("flash-dump.bin");
    assert_eq!(
        purls(&flash),
        [
            "pkg:generic/busybox@1.31.1",
            "pkg:generic/gcc@6.3.0",
            "pkg:generic/linux@4.9.37",
            "pkg:generic/u-boot@2016.11"
        ]
    );
    // The kernel banner's compiler built the kernel; it is not shipped.
    let gcc = flash
        .components
        .iter()
        .find(|c| c.name == "gcc")
        .expect("gcc");
    assert_eq!(gcc.scope, Some("excluded"));
}

#[test]
fn elf_needs_become_dependency_edges() {
    let result = scan_path(
        &samples_dir().join("camera-update.zip"),
        &Default::default(),
    )
    .expect("scan");
    let bom = firmsight::sbom::cyclonedx(&result, &firmsight::sbom::SbomOptions::reproducible(0));
    let refs: std::collections::HashSet<_> = bom
        .components
        .iter()
        .filter_map(|c| c.bom_ref.clone())
        .collect();
    let ipc = bom
        .dependencies
        .iter()
        .find(|d| d.reference.ends_with("tar:usr/bin/ipc_server"))
        .expect("ipc_server has dependencies");
    // DT_NEEDED libcrypto.so.1.1 resolves to the openssl component the
    // library is; libc.so.0 to the unidentified library's file component.
    assert_eq!(
        ipc.depends_on,
        [
            "file:camera-update.zip › zip:update/rootfs.tar.gz › gzip › tar:lib/libc.so.0",
            "pkg:generic/openssl@1.1.1k"
        ]
    );
    for d in &bom.dependencies {
        assert!(
            refs.contains(&d.reference),
            "{} is a component",
            d.reference
        );
        assert!(d.depends_on.iter().all(|r| refs.contains(r)), "{d:?}");
    }
}

#[test]
fn kernel_module_facts_reach_the_sbom() {
    let result = scan_path(
        &samples_dir().join("sensor-modules.tar.zst"),
        &Default::default(),
    )
    .expect("scan");
    let bom = firmsight::sbom::cyclonedx(&result, &firmsight::sbom::SbomOptions::reproducible(0));
    let module = bom
        .components
        .iter()
        .find(|c| c.name == "sensor_gc2053.ko")
        .expect("module");
    let property = |name: &str| {
        module
            .properties
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.value.as_str())
    };
    assert_eq!(property("firmsight:module:name"), Some("sensor_gc2053"));
    assert_eq!(
        property("firmsight:module:vermagic"),
        Some("4.9.84 mod_unload ARMv7")
    );
    assert_eq!(property("firmsight:elf:role"), Some("kernel-module"));
    // Both modules' vermagic name their kernels.
    let kernels: Vec<_> = bom
        .components
        .iter()
        .filter(|c| c.name == "linux")
        .filter_map(|c| c.version.clone())
        .collect();
    assert_eq!(kernels, ["3.10.14", "4.9.84"]);
}

#[test]
fn a_distribution_module_series_settles_on_the_kernel_banner() {
    use firmsight::model::{ElfClass, Endian};
    use firmsight::samples::{ElfSpec, RootfsEntry, gzip, machine, tar};
    let banner = b"\0Linux version 6.1.0-50-arm64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP Debian 6.1.176-1 (2026-07-02)\n\0";
    let code: Vec<u8> = (0..0x2_0000u32).map(|i| (i * 7 + i / 13) as u8).collect();
    // A decompressed kernel: its code with the banner, then its gzip'd
    // configuration (IKCONFIG), so the walk carves it. The head keeps the
    // name `vmlinux`, so the banner speaks for the kernel itself.
    let mut vmlinux = banner.to_vec();
    vmlinux.extend(&code);
    vmlinux.extend(gzip(b"CONFIG_ARM64=y\nCONFIG_MODULES=y\n"));
    // Debian's arm64 vmlinuz: a gzip'd Image, decoded to
    // `vmlinuz-….decompressed`.
    let mut image = banner.to_vec();
    image.extend(&code);
    let vmlinuz = gzip(&image);
    // A Debian module names only the ABI, 6.1.0-50: the 6.1 series.
    let module = ElfSpec::kernel_module(
        ElfClass::Elf64,
        Endian::Little,
        machine::AARCH64,
        &[
            "vermagic=6.1.0-50-arm64 SMP mod_unload modversions aarch64",
            "name=loop",
        ],
    )
    .build();
    for kernel in [
        RootfsEntry::File("boot/vmlinux", vmlinux),
        RootfsEntry::File("boot/vmlinuz-6.1.0-50-arm64", vmlinuz),
    ] {
        let image = tar(&[
            kernel,
            RootfsEntry::File("lib/modules/6.1.0-50-arm64/kernel/loop.ko", module.clone()),
        ]);
        let result = firmsight::scan_bytes(
            "rootfs.tar",
            firmsight::Bytes::from_vec(image),
            &Default::default(),
        )
        .expect("scan");
        let bom =
            firmsight::sbom::cyclonedx(&result, &firmsight::sbom::SbomOptions::reproducible(0));
        let kernels: Vec<_> = bom
            .components
            .iter()
            .filter(|c| c.name == "linux")
            .map(|c| (c.version.clone(), c.purl.clone()))
            .collect();
        assert_eq!(
            kernels,
            [(
                Some("6.1.176".to_string()),
                Some("pkg:generic/linux@6.1.176".to_string())
            )]
        );
    }
}
