//! Every format round-trips: a tar of known files, wrapped in each format
//! (and in nests of them), scans back to the same files and hashes.

use std::collections::BTreeMap;
use std::io::Write;

use firmsight::model::{EntryKind, Status};
use firmsight::samples::{self, RootfsEntry};

use crate::support::{
    RawMember, assert_no_panics, identified, pax_record, raw_tar, scan, sha256_hex, tar_files,
};

fn payload() -> Vec<RootfsEntry> {
    vec![
        RootfsEntry::Dir("etc/"),
        RootfsEntry::File("etc/hostname", b"camera\n".to_vec()),
        RootfsEntry::File(
            "bin/app",
            (0..5000u32).flat_map(|i| i.to_le_bytes()).collect(),
        ),
        RootfsEntry::Symlink("bin/sh", "app"),
    ]
}

fn expected() -> BTreeMap<String, (u64, String)> {
    payload()
        .into_iter()
        .filter_map(|e| match e {
            RootfsEntry::File(p, d) => Some((p.to_string(), (d.len() as u64, sha256_hex(&d)))),
            _ => None,
        })
        .collect()
}

/// Where every artifact called `name` was found, in walk order.
fn locations_of(image: &firmsight::Artifact, name: &str) -> Vec<String> {
    image
        .iter()
        .filter(|a| a.name == name)
        .map(|a| a.location.to_string())
        .collect()
}

fn bzip2(data: &[u8]) -> Vec<u8> {
    let mut enc = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    enc.write_all(data).expect("write");
    enc.finish().expect("finish")
}

fn lzma(data: &[u8]) -> Vec<u8> {
    let opts = liblzma::stream::LzmaOptions::new_preset(1).expect("preset");
    let stream = liblzma::stream::Stream::new_lzma_encoder(&opts).expect("encoder");
    let mut enc = liblzma::write::XzEncoder::new_stream(Vec::new(), stream);
    enc.write_all(data).expect("write");
    enc.finish().expect("finish")
}

#[test]
fn each_stream_format_round_trips_a_tar() {
    let tar = samples::tar(&payload());
    let cases: [(&str, &str, Vec<u8>); 6] = [
        ("fw.tar", "tar", tar.clone()),
        ("fw.tar.gz", "gzip", samples::gzip(&tar)),
        ("fw.tar.bz2", "bzip2", bzip2(&tar)),
        ("fw.tar.xz", "xz", samples::xz(&tar)),
        ("fw.tar.lzma", "lzma", lzma(&tar)),
        ("fw.tar.zst", "zstd", samples::zstd(&tar)),
    ];
    for (name, kind, bytes) in cases {
        let result = scan(name, bytes);
        assert_eq!(result.image.kind, kind, "{name}");
        assert_eq!(tar_files(&result.image), expected(), "{name}");
        assert_eq!(result.stats.errors, 0, "{name}");
        if kind != "tar" {
            let stream = &result.image.children[0];
            assert_eq!(stream.name, "fw.tar", "{name}: stream output name");
            assert_eq!(stream.kind, "tar");
            assert_eq!(stream.location.to_string(), format!("{name} › {kind}"));
        }
    }
}

#[test]
fn zip_members_stored_and_deflated_round_trip() {
    let tar = samples::tar(&payload());
    let gz = samples::gzip(&tar);
    let zip = samples::zip(&[
        ("a/rootfs.tar", &tar, true),
        ("b/rootfs.tar.gz", &gz, false),
        ("readme.txt", b"hello", true),
    ]);
    let result = scan("update.zip", zip);
    assert_eq!(result.image.kind, "zip");
    let children: Vec<_> = result
        .image
        .children
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(children, ["rootfs.tar", "rootfs.tar.gz", "readme.txt"]);
    assert_eq!(
        result.image.children[2]
            .hashes
            .as_ref()
            .expect("hash")
            .sha256_hex(),
        sha256_hex(b"hello")
    );
    // Both copies of the rootfs are found, through different chains.
    let files = tar_files(&result.image);
    assert_eq!(files.len(), expected().len());
    assert_eq!(
        locations_of(&result.image, "app"),
        [
            "update.zip › zip:a/rootfs.tar › tar:bin/app",
            "update.zip › zip:b/rootfs.tar.gz › gzip › tar:bin/app",
        ]
    );
}

#[test]
fn tar_dialects_ustar_gnu_and_pax_are_read() {
    let long = format!("{}/deep.bin", "long-directory-name".repeat(8));
    // GNU long name (the tar crate writes `././@LongLink` for long paths).
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(4);
    header.set_cksum();
    builder
        .append_data(&mut header, &long, &b"gnu!"[..])
        .expect("gnu");
    let gnu = builder.into_inner().expect("finish");
    let files = tar_files(&scan("gnu.tar", gnu).image);
    assert_eq!(files.get(&long).map(|f| f.0), Some(4));

    // pax: an `x` header whose path record overrides the next member's name.
    let record = pax_record("path", &long);
    let pax = raw_tar(&[
        RawMember {
            name: b"PaxHeaders/deep.bin",
            typeflag: b'x',
            link: b"",
            data: &record,
        },
        RawMember::file(b"short-name", b"pax!"),
    ]);
    let files = tar_files(&scan("pax.tar", pax).image);
    assert_eq!(files.keys().collect::<Vec<_>>(), [&long]);

    // Plain ustar written byte by byte.
    let ustar = raw_tar(&[RawMember::file(
        b"etc/passwd",
        b"root:x:0:0::/root:/bin/sh\n",
    )]);
    let result = scan("plain.tar", ustar);
    assert_eq!(tar_files(&result.image).len(), 1);
    assert_eq!(result.image.kind, "tar");
}

#[test]
fn links_and_special_entries_are_recorded_not_followed() {
    let tar = raw_tar(&[
        RawMember::file(b"bin/busybox", b"\x7fELF not really"),
        RawMember::symlink(b"bin/sh", b"busybox"),
        RawMember {
            name: b"bin/ls",
            typeflag: b'1',
            link: b"./bin/busybox",
            data: b"",
        },
        // A link to a link, and a link to nothing.
        RawMember {
            name: b"bin/cat",
            typeflag: b'1',
            link: b"bin/ls",
            data: b"",
        },
        RawMember {
            name: b"bin/gone",
            typeflag: b'1',
            link: b"bin/missing",
            data: b"",
        },
        RawMember {
            name: b"dev/null",
            typeflag: b'3',
            link: b"",
            data: b"",
        },
    ]);
    let result = scan("links.tar", tar);
    let kinds: Vec<_> = result
        .image
        .children
        .iter()
        .map(|c| c.entry.type_name())
        .collect();
    assert_eq!(
        kinds,
        [
            "file",
            "symlink",
            "hardlink",
            "hardlink",
            "hardlink",
            "char-device"
        ]
    );
    // Hard links resolve to the data of the member they name.
    let children = &result.image.children;
    assert_eq!(children[2].hashes, children[0].hashes);
    assert_eq!(children[3].hashes, children[0].hashes);
    assert!(matches!(&children[4].status, Status::Failed(why) if why.contains("bin/missing")));
    assert_eq!(
        result.image.children[1].entry,
        EntryKind::Symlink {
            target: "busybox".into()
        }
    );
}

#[test]
fn truncated_and_corrupt_streams_are_errors_on_the_artifact() {
    let tar = samples::tar(&payload());
    for (name, mut bytes) in [
        ("t.tar.gz", samples::gzip(&tar)),
        ("t.tar.xz", samples::xz(&tar)),
        ("t.tar.zst", samples::zstd(&tar)),
        ("t.tar.bz2", bzip2(&tar)),
    ] {
        let cut = bytes.len() / 2;
        bytes.truncate(cut);
        let result = scan(name, bytes);
        assert_no_panics(&result.image);
        let stream = &result.image.children[0];
        assert!(
            matches!(stream.status, Status::Truncated(_) | Status::Failed(_)),
            "{name}: {}",
            stream.status
        );
        assert!(result.stats.errors >= 1, "{name}");
    }
}

#[test]
fn nesting_to_the_depth_limit_is_followed() {
    // tar inside gzip inside zip inside xz inside zstd: five containers.
    let tar = samples::tar(&payload());
    let zip = samples::zip(&[("inner.tar.gz", &samples::gzip(&tar), false)]);
    let image = samples::zstd(&samples::xz(&zip));
    let result = scan("deep.bin", image);
    assert_eq!(tar_files(&result.image), expected());
    let app = result.image.iter().find(|a| a.name == "app").expect("app");
    assert_eq!(
        app.location.to_string(),
        "deep.bin › zstd › xz › zip:inner.tar.gz › gzip › tar:bin/app"
    );
}

#[test]
fn decoys_are_plain_data() {
    for (name, bytes) in [
        (
            "notes.txt",
            b"BZh9 this text mentions bzip2 and PK zip and ustar".to_vec(),
        ),
        ("zeros.bin", vec![0u8; 4096]),
        ("ff.bin", vec![0xffu8; 4096]),
        ("magic-only.gz", b"\x1f\x8b\x08".to_vec()),
    ] {
        let result = scan(name, bytes);
        assert!(result.image.children.is_empty(), "{name}");
        assert!(
            result.image.kind == "data" || result.image.status.is_problem(),
            "{name}: {}",
            result.image.kind
        );
    }
}

#[test]
fn streams_followed_by_trailing_bytes_end_cleanly() {
    // Kernels append their size; flash pads with 0xFF.
    let tar = samples::tar(&payload());
    for (name, mut bytes) in [
        ("t.tar.gz", samples::gzip(&tar)),
        ("t.tar.xz", samples::xz(&tar)),
        ("t.tar.zst", samples::zstd(&tar)),
        ("t.tar.bz2", bzip2(&tar)),
    ] {
        bytes.extend(0x0f_7e68u32.to_le_bytes());
        bytes.extend([0xff; 64]);
        let result = scan(name, bytes);
        let stream = &result.image.children[0];
        assert_eq!(stream.status, Status::Unpacked, "{name}");
        assert_eq!(tar_files(&result.image), expected(), "{name}");
    }
}

/// Regressions from the hostile-input review: inputs of a few KiB that
/// once built million-deep readers or huge allocations.
#[test]
fn hostile_headers_stay_bounded() {
    // Android sparse: 100,000 empty don't-care chunks.
    let mut sparse = vec![0x3a, 0xff, 0x26, 0xed, 1, 0, 0, 0, 28, 0, 12, 0];
    sparse.extend(4096u32.to_le_bytes());
    sparse.extend(0u32.to_le_bytes());
    sparse.extend(100_000u32.to_le_bytes());
    sparse.extend(0u32.to_le_bytes());
    for _ in 0..100_000 {
        sparse.extend([0xc3, 0xca, 0, 0, 0, 0, 0, 0, 12, 0, 0, 0]);
    }
    let result = scan("many.simg", sparse);
    assert_no_panics(&result.image);

    // UBI: a volume whose one LEB claims number 0xFFFFF.
    let mut ubi = firmsight::unpack::ubi::build("rootfs", b"data", 1024);
    let vid = 1024 + 64;
    ubi[vid + 12..vid + 16].copy_from_slice(&0xf_ffffu32.to_be_bytes());
    let crc = firmsight::unpack::ubi::crc(&ubi[vid..vid + 60]);
    ubi[vid + 60..vid + 64].copy_from_slice(&crc.to_be_bytes());
    let result = scan("nand.ubi", ubi);
    assert_no_panics(&result.image);
    let volume = result
        .image
        .iter()
        .find(|a| a.name == "rootfs")
        .expect("volume listed");
    assert!(
        volume.size <= 4 * 1024,
        "volume of {} bytes from a 3-block image",
        volume.size
    );

    // A path of a megabyte is cut to PATH_MAX.
    let long = "d/".repeat(300_000) + "f";
    let cpio = firmsight::unpack::cpio::newc(&[(&long[..4000], 0o100644, b"x")]);
    let result = scan("long.cpio", cpio);
    assert_no_panics(&result.image);
}

#[test]
fn hichip_v9x_package_decrypts_its_update_zip() {
    let tar = samples::tar(&payload());
    let zip = samples::zip(&[("rootfs.tar", &tar, true)]);
    let pkg = firmsight::unpack::vendor::hichip::build(b"kernel image", &zip, 1);
    let result = scan("V32.1.21.0.3.pkg", pkg);
    assert_eq!(result.image.kind, "hichip-pkg");
    assert_eq!(
        locations_of(&result.image, "app"),
        ["V32.1.21.0.3.pkg › hichip-pkg:upgrade.zip › zip:rootfs.tar › tar:bin/app"]
    );
    assert_eq!(tar_files(&result.image), expected());
}

#[test]
fn squashfs_2_and_3_with_vendor_lzma_scan_through_the_pipeline() {
    use firmsight::unpack::squashfs::legacy::{Compression, Node, build};
    let tar = samples::tar(&payload());
    let nodes = [
        Node::File("rootfs.tar", &tar),
        Node::Symlink("sh", "rootfs.tar"),
    ];
    for (major, big_endian, compression) in [
        (3, true, Compression::RawLzma),
        (3, false, Compression::LzmaAlone),
        (2, false, Compression::Zlib),
        (2, true, Compression::RawLzma),
    ] {
        let result = scan("rootfs.sqfs", build(major, big_endian, compression, &nodes));
        assert_eq!(result.image.kind, "squashfs", "{major} {compression:?}");
        assert_eq!(
            locations_of(&result.image, "app"),
            ["rootfs.sqfs › squashfs:rootfs.tar › tar:bin/app"],
            "{major} {compression:?}"
        );
        assert_eq!(tar_files(&result.image), expected());
        assert_no_panics(&result.image);
    }
}

#[test]
fn upx_packed_programs_unpack_to_the_original_and_are_identified() {
    let fixtures: [(&str, &[u8], &str); 11] = [
        (
            "arm-nrv2b.elf",
            include_bytes!("../fixtures/upx/arm-nrv2b.elf"),
            "4263711cbf28613fd4be6ebd0aafe2565da3ac861388a174c7b94fc267d55567",
        ),
        (
            "arm-nrv2d.elf",
            include_bytes!("../fixtures/upx/arm-nrv2d.elf"),
            "4263711cbf28613fd4be6ebd0aafe2565da3ac861388a174c7b94fc267d55567",
        ),
        (
            "arm-nrv2e.elf",
            include_bytes!("../fixtures/upx/arm-nrv2e.elf"),
            "4263711cbf28613fd4be6ebd0aafe2565da3ac861388a174c7b94fc267d55567",
        ),
        (
            "arm-lzma.elf",
            include_bytes!("../fixtures/upx/arm-lzma.elf"),
            "4263711cbf28613fd4be6ebd0aafe2565da3ac861388a174c7b94fc267d55567",
        ),
        (
            "mips-be-nrv2e.elf",
            include_bytes!("../fixtures/upx/mips-be-nrv2e.elf"),
            "9358c4ea5b590c19ecb3ea75e6e8d0d97714154991b0b3cd3c1fffa623fab429",
        ),
        // Code filters 0x50, 0x51, 0x49 (i386), 0xd0, 0x49 (x86-64), 0x52,
        // and bytes after the last segment (UPX's gap blocks).
        (
            "arm-bl-nrv2e.elf",
            include_bytes!("../fixtures/upx/arm-bl-nrv2e.elf"),
            "e7645ac38ec22820d1b94767afc286cf620d6c0b8aab6ad99a2dd1379a7d2fcc",
        ),
        (
            "armeb-bl-nrv2b.elf",
            include_bytes!("../fixtures/upx/armeb-bl-nrv2b.elf"),
            "ce633e19f8ebb3e7b828925c675f48ca36c22d48d1a9d88e32da9d9731e8417d",
        ),
        (
            "i386-call-nrv2e.elf",
            include_bytes!("../fixtures/upx/i386-call-nrv2e.elf"),
            "1142dda6ff9f39d2bd29f440666b12fb9c6e16b02f79c2641b3e6af9de6b14a8",
        ),
        (
            "ppc-bl-lzma.elf",
            include_bytes!("../fixtures/upx/ppc-bl-lzma.elf"),
            "92309c04359320a74726147be3e124a9090507a209668ad5c93ac7a7f7e4cc37",
        ),
        (
            "x86_64-call-nrv2e.elf",
            include_bytes!("../fixtures/upx/x86_64-call-nrv2e.elf"),
            "ce6658ecb1d7853acb0117c6a59b4e3bead4905086f2923b63978c533fc8aea9",
        ),
        (
            "arm64-bl-lzma.elf",
            include_bytes!("../fixtures/upx/arm64-bl-lzma.elf"),
            "6fcb64848e9f4b0d4e28b075bf94951f9026fd0a2144997ddef6fc480189e191",
        ),
    ];
    for (name, packed, original) in fixtures {
        let result = scan(name, packed.to_vec());
        assert_eq!(result.image.kind, "upx", "{name}");
        assert!(
            result.image.elf.is_some(),
            "{name}: the packed file keeps its ELF facts"
        );
        let [program] = result.image.children.as_slice() else {
            panic!("{name}: {:?}", result.image.children.len());
        };
        assert_eq!(program.kind, "elf", "{name}");
        assert_eq!(
            program
                .hashes
                .as_ref()
                .map(|h| firmsight::model::hex(&h.sha256))
                .as_deref(),
            Some(original),
            "{name}"
        );
        let found: Vec<(&str, &str)> = program
            .identified
            .iter()
            .map(|i| (i.component.as_str(), i.version.as_str()))
            .collect();
        assert!(found.contains(&("busybox", "1.36.1")), "{name}: {found:?}");
        assert!(found.contains(&("openssl", "3.0.15")), "{name}: {found:?}");
    }
}

#[test]
fn a_self_extractor_is_cut_into_its_program_and_its_archive() {
    use firmsight::model::{ElfClass, Endian};
    use firmsight::unpack::sevenzip::{Method, build};
    let stub =
        samples::ElfSpec::executable(ElfClass::Elf64, Endian::Little, samples::machine::X86_64)
            .with_rodata(b"7-Zip SFX stub\0")
            .build();
    let tar = samples::tar(&payload());
    let archive = build(&[("rootfs.tar", Some(&tar))], Method::Lzma2, true);
    let sfx = [stub.as_slice(), &archive].concat();

    let result = scan("installer", sfx);
    assert_no_panics(&result.image);
    assert_eq!(result.image.kind, "elf-appended");
    let kinds: Vec<(&str, &str)> = result
        .image
        .children
        .iter()
        .map(|c| (c.name.as_str(), c.kind.as_str()))
        .collect();
    let archive_name = format!("{:08x}.7z", stub.len());
    // The program keeps the file's name, so name-based identification
    // (SONAME series, claims globs) still sees it.
    assert_eq!(kinds, [("installer", "elf"), (archive_name.as_str(), "7z")]);
    let program = &result.image.children[0];
    assert_eq!(program.size, stub.len() as u64);
    assert!(program.elf.is_some(), "the stub is identified as a program");
    assert_eq!(tar_files(&result.image.children[1]), expected());

    // Decoys: a module signature, random bytes or padding after an ELF
    // leave it a leaf.
    for trailer in [
        b"\x01\x02\x03 PKCS#7 ~Module signature appended~\n".repeat(20),
        (0..2000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect(),
        vec![0xff; 4096],
    ] {
        let result = scan("module.ko", [stub.as_slice(), &trailer].concat());
        assert_eq!(result.image.kind, "elf");
        assert!(result.image.children.is_empty());
    }
}

/// A vendor SDK's static library: `ar` is unpacked into its objects, and an
/// object that defines SpeexDSP's echo canceller is a copy of it, while the
/// object that calls it (imports only) is not.
#[test]
fn a_static_librarys_objects_are_read_like_any_elf_file() {
    use firmsight::model::{ElfClass, Endian};
    use firmsight::samples::{ElfSpec, machine};
    let object = |functions: &[&str], imports: &[&str]| {
        let mut spec = ElfSpec::kernel_module(ElfClass::Elf32, Endian::Little, machine::ARM, &[]);
        spec.modinfo.clear();
        let spec = functions.iter().fold(spec, |s, f| s.with_function(f));
        imports.iter().fold(spec, |s, f| s.with_import(f)).build()
    };
    let mdf = object(&["speex_echo_state_init", "speex_echo_cancellation"], &[]);
    let talk = object(
        &["talk_start"],
        &["speex_echo_state_init", "speex_echo_cancellation"],
    );
    let archive = firmsight::unpack::ar::build(&[("mdf.o", &mdf), ("talkback_session.o", &talk)]);
    let result = scan("libvendor_audio.a", archive);
    let copies: Vec<String> = result
        .image
        .iter()
        .filter(|a| a.identified.iter().any(|i| i.component == "speexdsp"))
        .map(|a| a.location.to_string())
        .collect();
    assert_eq!(copies, ["libvendor_audio.a › ar:mdf.o"]);
}

/// A carved stream runs to the next part found, but its decoder stops at
/// the stream's own end: what lies between (here a kernel banner, in a
/// dump with no other part) is listed after the stream and read.
#[test]
fn bytes_after_a_carved_stream_are_identified() {
    let mut blob = vec![0x5a_u8; 1024];
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gzip.write_all(&[0x41; 4096]).expect("compress");
    let gzip = gzip.finish().expect("finish");
    let after = blob.len() + gzip.len();
    blob.extend(gzip);
    let banner = b"\0Linux version 5.10.110 (builder@host) (gcc version 9.3.0) #1 SMP\n\0";
    blob.extend(banner);
    blob.extend([0x5a; 1024]);
    let result = scan("flash.bin", blob);
    assert_no_panics(&result.image);
    let found = identified(&result.image);
    assert!(found.contains(&"linux 5.10.110".to_string()), "{found:?}");
    let stream = result
        .image
        .iter()
        .find(|a| a.kind == "gzip")
        .expect("the stream is carved");
    let listed: Vec<(Option<&str>, Option<&str>, u64)> = stream
        .children
        .iter()
        .map(|c| {
            let step = c.location.0.last().expect("a step");
            (step.format, step.path.as_deref(), c.size)
        })
        .collect();
    let offset = format!("0x{:08x}", after - 1024);
    let rest = (banner.len() + 1024) as u64;
    assert_eq!(
        listed,
        [
            (Some("gzip"), None, 4096),
            (Some("after-stream"), Some(offset.as_str()), rest)
        ]
    );
}

/// A compressed stream whose magic is met by chance (an ARM literal pool
/// holding zstd's magic number in a decoded kernel) runs, when carved, to
/// the next part: when it does not decode, its bytes are still identified,
/// so the kernel banner behind it is read.
#[test]
fn bytes_behind_a_stream_that_does_not_decode_are_still_identified() {
    let mut blob = vec![0x5a_u8; 1024];
    // A zstd frame header and a first block header zstd's probe accepts
    // (a 16-byte compressed block), then bytes that are no such block.
    blob.extend([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00, 0x84, 0x00, 0x00]);
    blob.extend([0xff; 16]);
    blob.extend(b"\0Linux version 5.10.110 (builder@host) (gcc version 9.3.0) #1 SMP\n\0");
    blob.extend([0x5a; 1024]);
    let result = scan("flash.bin", blob);
    assert_no_panics(&result.image);
    let found = identified(&result.image);
    assert!(found.contains(&"linux 5.10.110".to_string()), "{found:?}");
    let undecoded = result
        .image
        .iter()
        .find(|a| a.kind == "zstd")
        .expect("the stream is carved");
    assert!(
        undecoded
            .children
            .iter()
            .all(|c| matches!(c.status, Status::Failed(_))),
        "the stream does not decode"
    );
}
