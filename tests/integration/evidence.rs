//! Who-made-it verdicts on whole images: the weak-evidence cases of
//! domain.md §3 name no OEM, and relabelled firmware still shows its
//! origin.

use firmsight::model::Category;
use firmsight::samples::{RootfsEntry, tar};
use firmsight::scan::ScanResult;
use firmsight::{Bytes, ScanOptions, scan_bytes};

fn scan(name: &str, image: Vec<u8>) -> ScanResult {
    scan_bytes(name, Bytes::from_vec(image), &ScanOptions::default()).expect("scan")
}

fn oem(result: &ScanResult) -> Option<String> {
    result.findings.oem().map(|v| v.vendor.clone())
}

#[test]
fn a_xiongmai_hik_name_on_a_hisilicon_camera_names_no_oem() {
    // An XM build name carries `_HIK_` (it speaks the protocol); the SoC
    // is HiSilicon. Neither says who made the camera.
    let image = tar(&[
        RootfsEntry::File(
            "lib/modules/hi3516ev300_sys.ko",
            b"\0hi3516ev300\0Hi3516EV300_MPP_V1.0.4.0 B030 Release\0".to_vec(),
        ),
        RootfsEntry::File("usr/lib/lib_hiae.so", b"\0HI_MPI_AE_Register\0".to_vec()),
    ]);
    let result = scan(
        "General_IPC_HI3516EV300_85H50AI_Nat_dss_OnvifS_HIK_V5_00_R02_20200507.bin",
        image,
    );
    assert_eq!(oem(&result), None, "{}", result.findings.summary());
    let soc = result.findings.named(Category::Soc).next().expect("soc");
    assert_eq!(soc.vendor, "HiSilicon");
    assert_eq!(soc.model.as_deref(), Some("Hi3516EV300"));
    assert!(
        result
            .findings
            .category(Category::CameraOem)
            .any(|v| v.vendor == "Hikvision" && !v.named),
        "the weak hit is kept as seen"
    );
}

#[test]
fn without_a_tls_library_every_service_is_plaintext() {
    let image = tar(&[
        RootfsEntry::File("etc/init.d/rcS", b"#!/bin/sh\ntelnetd &\n".to_vec()),
        RootfsEntry::File(
            "usr/bin/rtspd",
            b"\0RTSP/1.0 200 OK\r\nPublic: OPTIONS, DESCRIBE, SETUP\r\n\0/onvif/device_service\0GetDeviceInformationResponse\0".to_vec(),
        ),
    ]);
    let result = scan("no-tls.bin", image);
    let p = &result.findings.posture;
    assert!(p.tls_libraries.is_empty());
    assert_eq!(p.plaintext_services, ["ONVIF", "RTSP", "telnetd"]);
    assert!(
        result
            .findings
            .summary()
            .contains("TLS: none · plaintext: ONVIF, RTSP, telnetd"),
        "{}",
        result.findings.summary()
    );
}

#[test]
fn protocol_emulation_strings_name_no_oem() {
    // JA/Juan firmware speaks Hikvision's and Dahua's protocols and lists
    // them by name; an NVR calls ISAPI on the cameras it records.
    let app = b"\0#include \"hikvisionv10.h\"\0/ISAPI/Streaming/channels/101\0protocol=DAHUA\0Hikvision\0".to_vec();
    let image = tar(&[RootfsEntry::File("app/jaapp", app)]);
    let result = scan("ja-nvr.bin", image);
    assert_eq!(oem(&result), None, "{}", result.findings.summary());
}

#[test]
fn a_relabelled_hikvision_camera_still_shows_its_origin() {
    // Sold under another brand: the web UI was rebranded, the main process
    // and the restricted shell were not (domain.md §3 (2)).
    let image = tar(&[
        RootfsEntry::File("bin/psh", b"#!/bin/sh\n".to_vec()),
        RootfsEntry::File("home/davinci.tar.gz", b"not really gzip".to_vec()),
        RootfsEntry::File("web/index.html", b"<title>ACME Vision</title>".to_vec()),
    ]);
    let result = scan("acme-cam.bin", image);
    assert_eq!(oem(&result).as_deref(), Some("Hikvision"));
    let v = result.findings.oem().expect("oem");
    assert!(v.confidence >= 0.99, "{v:?}");
    assert_eq!(
        v.rules,
        ["oem_hikvision_davinci_main_process", "oem_hikvision_psh"]
    );
}

#[test]
fn container_headers_count_as_evidence() {
    let image = firmsight::unpack::vendor::hikvision::build(&[("hroot.img", b"rootfs")], 7);
    let result = scan("digicap.dav", image);
    let v = result.findings.oem().expect("oem");
    assert_eq!(v.vendor, "Hikvision");
    assert!(
        v.rules
            .contains(&"oem_hikvision_digicap_container".to_string()),
        "{v:?}"
    );
    assert!(
        v.rules.contains(&"oem_hikvision_hroot".to_string()),
        "{v:?}"
    );
    assert!(
        result.image.facts.contains(&("oem_code", "7".to_string())),
        "{:?}",
        result.image.facts
    );
}

#[test]
fn a_driver_package_names_its_camera_module_maker() {
    use firmsight::samples::{pe_with_version_info, zip};
    let inf = b"[Version]\r\nSignature=\"$WINDOWS NT$\"\r\nClass=Camera\r\nClassGuid={ca3e7ab9-b4c3-4ae6-8251-579ef933890f}\r\nProvider=%Vendor%\r\n[Models.NTamd64]\r\n%Cam.Desc%=Cam_Install,USB\\VID_04F2&PID_B5A3&MI_00\r\n[Strings]\r\nVendor=\"Medical Imaging Ltd\"\r\n";
    let sys = pe_with_version_info(&[
        ("CompanyName", "Chicony Electronics Co., Ltd"),
        ("ProductName", "HD WebCam"),
        ("FileDescription", "USB camera driver"),
    ]);
    let package = zip(&[
        ("Driver/x64/camera.inf", inf, false),
        ("Driver/x64/camera.sys", &sys, false),
        ("readme.txt", b"Endoscope viewer drivers", false),
    ]);
    let result = scan("endoscope-drivers.zip", package);
    let modules: Vec<_> = result
        .findings
        .named(Category::CameraModule)
        .map(|v| (v.vendor.as_str(), v.rules.clone()))
        .collect();
    assert_eq!(
        modules,
        [(
            "Chicony Electronics Co., Ltd",
            vec![
                "driver-inf-usb-camera".to_string(),
                "pe-versioninfo-camera".to_string()
            ]
        )]
    );
    let bom = firmsight::sbom::cyclonedx(&result, &firmsight::sbom::SbomOptions::reproducible(0));
    let json = serde_json::to_value(&bom).expect("json");
    assert!(
        json["components"]
            .as_array()
            .expect("components")
            .iter()
            .any(|c| c["type"] == "device"
                && c["manufacturer"]["name"] == "Chicony Electronics Co., Ltd"),
        "camera module is a device component"
    );
}

#[test]
fn a_camera_kernel_module_names_its_usb_vendor() {
    use firmsight::model::{ElfClass, Endian};
    use firmsight::samples::{ElfSpec, machine};
    let module = ElfSpec::kernel_module(
        ElfClass::Elf32,
        Endian::Little,
        machine::ARM,
        &[
            "description=Huawei USB camera (UVC) driver",
            "alias=usb:v12D1p1001d*dc*dsc*dp*ic*isc*ip*in*",
            "license=GPL",
        ],
    )
    .build();
    // An in-tree class driver lists devices it supports, not one inside.
    let uvc = ElfSpec::kernel_module(
        ElfClass::Elf32,
        Endian::Little,
        machine::ARM,
        &[
            "description=USB Video Class driver",
            "alias=usb:v046Dp08C1d*dc*dsc*dp*ic*isc*ip*in*",
            "intree=Y",
        ],
    )
    .build();
    let image = tar(&[
        RootfsEntry::File("lib/modules/hwcam.ko", module),
        RootfsEntry::File("lib/modules/uvcvideo.ko", uvc),
    ]);
    let result = scan("tablet.tar", image);
    let modules: Vec<_> = result.findings.category(Category::CameraModule).collect();
    assert_eq!(modules.len(), 1, "{modules:?}");
    let v = modules[0];
    assert_eq!(v.vendor, "Huawei Technologies Co., Ltd.");
    assert_eq!(v.model.as_deref(), Some("USB 12D1:1001"));
    assert!(!v.named, "one alias is medium evidence: a candidate");
}

#[test]
fn the_label_brand_is_kept_apart_from_the_origin_oem() {
    use firmsight::identify::relabel::Relation;
    use firmsight::samples::zip;
    // A Dahua package built for Amcrest: the container says Dahua, its
    // Install.Vendor the brand.
    let install = br#"{"Commands":["burn romfs.img rootfs"],"Vendor":"Amcrest"}"#;
    let mut package = zip(&[("Install", install, false), ("romfs.img", b"data", false)]);
    package[..2].copy_from_slice(b"DH");
    let result = scan("amcrest.bin", package);
    let label = result
        .findings
        .label
        .as_ref()
        .expect("label from Install.Vendor");
    assert_eq!(label.label, "Amcrest");
    assert_eq!(label.origin.as_deref(), Some("Dahua"));
    assert!(
        matches!(label.relation, Relation::Relabel { .. }),
        "{label:?}"
    );

    // A label the user gives that no table knows.
    let options = ScanOptions {
        label: Some("Acme Vision".into()),
        ..ScanOptions::default()
    };
    let image = tar(&[RootfsEntry::File("usr/bin/sonia", b"\x7fELF".to_vec())]);
    let result = scan_bytes("acme.bin", Bytes::from_vec(image), &options).expect("scan");
    let label = result.findings.label.as_ref().expect("label");
    assert_eq!(label.relation, Relation::Unknown);
    assert!(
        result
            .findings
            .summary()
            .contains("label Acme Vision differs from the origin OEM Dahua"),
        "{}",
        result.findings.summary()
    );
    let bom = firmsight::sbom::cyclonedx(&result, &firmsight::sbom::SbomOptions::reproducible(0));
    let json = serde_json::to_value(&bom).expect("json");
    let properties = json["metadata"]["component"]["properties"]
        .as_array()
        .expect("properties");
    assert!(
        properties
            .iter()
            .any(|p| p["name"] == "firmsight:oem:label-brand" && p["value"] == "Acme Vision")
    );
}

#[test]
fn a_cab_driver_package_names_its_camera_module_maker() {
    let inf = b"[Version]\r\nClass=Image\r\n[Models]\r\n%Cam%=Cam,USB\\VID_12D1&PID_4321\r\n[Strings]\r\nCam=\"USB Camera\"\r\n";
    let package = firmsight::unpack::cab::build(&[("Driver\\cam.inf", inf)], true);
    let result = scan("laptop-camera.cab", package);
    let v = result
        .findings
        .named(Category::CameraModule)
        .next()
        .expect("module maker");
    assert_eq!(v.vendor, "Huawei Technologies Co., Ltd.");
    assert!(
        v.evidence[0].location.ends_with("cab:Driver/cam.inf"),
        "{:?}",
        v.evidence
    );
}

/// A kernel of at least `kernel::MIN_KERNEL` bytes holding `strings`.
fn kernel_with(strings: &[&str]) -> Vec<u8> {
    let mut kernel =
        b"Linux version 6.1.0-50-arm64 (debian-kernel@lists.debian.org) (gcc-12) #1 SMP\n\0"
            .to_vec();
    for s in strings {
        kernel.extend(s.as_bytes());
        kernel.push(0);
    }
    kernel.resize(300 << 10, 0);
    kernel
}

#[test]
fn a_multi_platform_kernel_names_no_soc() {
    // Debian's arm64 kernel carries the mainline HiSilicon camera SoC
    // clock driver among those of every other vendor; its configuration
    // selects them all. Neither says what the device's SoC is.
    let generic = kernel_with(&[
        "hisilicon,hi3516cv300-crg",
        "hisilicon,hi3519-crg",
        "rockchip,rk3399-cru",
        "allwinner,sun50i-a64-ccu",
        "amlogic,meson-gxbb-clkc",
        "nvidia,tegra210-car",
        "fsl,imx8mq-ccm",
    ]);
    let config = b"CONFIG_ARCH_SUNXI=y\nCONFIG_ARCH_HISI=y\nCONFIG_ARCH_MESON=y\nCONFIG_ARCH_MXC=y\nCONFIG_ARCH_ROCKCHIP=y\nCONFIG_ARCH_TEGRA=y\nCONFIG_COMMON_CLK_HI3516CV300=y\n";
    let image = tar(&[
        RootfsEntry::File("boot/vmlinux-6.1.0-50-arm64", generic),
        RootfsEntry::File("boot/config-6.1.0-50-arm64", config.to_vec()),
    ]);
    let result = scan("debian-arm64.tar", image);
    assert_eq!(
        result.findings.category(Category::Soc).count(),
        0,
        "{}",
        result.findings.summary()
    );

    // An SDK string naming the chip is strong and still counts.
    let mut with_sdk = kernel_with(&[
        "hisilicon,hi3516cv300-crg",
        "rockchip,rk3399-cru",
        "allwinner,sun50i-a64-ccu",
        "amlogic,meson-gxbb-clkc",
        "nvidia,tegra210-car",
        "fsl,imx8mq-ccm",
    ]);
    with_sdk.extend(b"\0Hi3516CV300_MPP_V1.0.1.2 B030 Release\0");
    let result = scan(
        "sdk.tar",
        tar(&[RootfsEntry::File("boot/vmlinux", with_sdk)]),
    );
    let soc = result.findings.named(Category::Soc).next().expect("soc");
    assert_eq!(soc.model.as_deref(), Some("Hi3516CV300"));

    // A vendor's board kernel with the same driver still names its SoC,
    // whatever other vendors its generic USB drivers list.
    let vendor = kernel_with(&[
        "hisilicon,hi3516cv300-crg",
        "hi3516cv300",
        "snps,dw-mmc",
        "brcm,bcm2835-usb",
        "rockchip,rk3066-usb",
        "amlogic,meson8-usb",
        "st,stm32f4x9-fsotg",
        "xlnx,zynqmp-dwc3",
        "allwinner,sun50i-h6-dwc3",
    ]);
    let image = tar(&[RootfsEntry::File("boot/vmlinux", vendor)]);
    let result = scan("camera.tar", image);
    let soc = result.findings.named(Category::Soc).next().expect("soc");
    assert_eq!(soc.vendor, "HiSilicon");
    assert_eq!(soc.model.as_deref(), Some("Hi3516CV300"));
}
