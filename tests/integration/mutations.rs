//! Hostile input: truncations, bit flips and length fields set to huge
//! values, at every layer of the samples. Nothing panics, every scan ends,
//! and the tree stays within the budgets.

use proptest::prelude::*;

use firmsight::samples;

use crate::support::{assert_no_panics, scan};

/// Each layer of the samples, so that mutations reach inner formats too.
fn layers() -> Vec<(&'static str, Vec<u8>)> {
    let entries = [
        samples::RootfsEntry::Dir("bin/"),
        samples::RootfsEntry::File(
            "bin/busybox",
            samples::ElfSpec::executable(
                firmsight::model::ElfClass::Elf32,
                firmsight::model::Endian::Little,
                samples::machine::ARM,
            )
            .with_build_id(&[7; 20])
            .build(),
        ),
        samples::RootfsEntry::File(
            "lib/libc.so.0",
            samples::ElfSpec::library(
                firmsight::model::ElfClass::Elf64,
                firmsight::model::Endian::Big,
                samples::machine::MIPS,
                "libc.so.0",
            )
            .build(),
        ),
        samples::RootfsEntry::Symlink("bin/sh", "busybox"),
    ];
    let tar = samples::tar(&entries);
    let mut layers = vec![
        ("rootfs.tar", tar.clone()),
        ("rootfs.tar.gz", samples::gzip(&tar)),
        ("rootfs.tar.xz", samples::xz(&tar)),
        ("rootfs.tar.zst", samples::zstd(&tar)),
        (
            "update.zip",
            samples::zip(&[
                ("a.tar", &tar, true),
                ("b.tar.gz", &samples::gzip(&tar), false),
            ]),
        ),
    ];
    layers.push(("rootfs.sqfs", samples::squashfs(&entries)));
    {
        use firmsight::unpack::squashfs::legacy::{Compression, Node, build};
        let nodes = [
            Node::File("rootfs.tar", &tar),
            Node::Symlink("sh", "rootfs.tar"),
        ];
        layers.push((
            "rootfs-v3-lzma.sqfs",
            build(3, true, Compression::RawLzma, &nodes),
        ));
        layers.push((
            "rootfs-v2-zlib.sqfs",
            build(2, false, Compression::Zlib, &nodes),
        ));
    }
    layers.push((
        "packed.elf",
        include_bytes!("../fixtures/upx/arm-lzma.elf").to_vec(),
    ));
    layers.push((
        "update.7z",
        firmsight::unpack::sevenzip::build(
            &[("fw", None), ("fw/rootfs.tar", Some(&tar))],
            firmsight::unpack::sevenzip::Method::ArmLzma,
            true,
        ),
    ));
    layers.push((
        "installer.sfx",
        [
            samples::ElfSpec::executable(
                firmsight::model::ElfClass::Elf32,
                firmsight::model::Endian::Little,
                samples::machine::ARM,
            )
            .build(),
            samples::gzip(&tar),
        ]
        .concat(),
    ));
    layers.push((
        "app.cramfs",
        firmsight::unpack::cramfs::build(
            &[firmsight::unpack::cramfs::Node::File("a", tar.clone())],
            true,
        ),
    ));
    layers.push((
        "initramfs.cpio",
        firmsight::unpack::cpio::newc(&[("bin/app", 0o100755, &tar), ("bin/sh", 0o120777, b"app")]),
    ));
    layers.push((
        "libvendor.a",
        firmsight::unpack::ar::build(&[("a_long_object_name.o", &tar), ("b.o", b"x")]),
    ));
    layers.push((
        "kernel.uimage",
        firmsight::unpack::uimage::build("k", 5, 2, 2, 1, &samples::gzip(&tar)),
    ));
    layers.push((
        "digicap.dav",
        firmsight::unpack::vendor::hikvision::build(&[("app.img", &tar), ("uImage", b"k")], 1),
    ));
    layers.push((
        "rom.romfs",
        firmsight::unpack::romfs::build(&[firmsight::unpack::romfs::Node::File("a", tar.clone())]),
    ));
    layers.push((
        "system.simg",
        firmsight::unpack::android_sparse::build(&[Some(&tar), None], Some((1, [1, 2, 3, 4]))),
    ));
    layers.push(("fw.trx", firmsight::unpack::trx::build(&[b"loader", &tar])));
    let ubifs = firmsight::unpack::ubifs::build(&[("rootfs.tar", &tar), ("x", b"y")]);
    layers.push((
        "nand.ubi",
        firmsight::unpack::ubi::build("rootfs", &ubifs, 4096),
    ));
    layers.push(("rootfs.ubifs", ubifs));
    layers.push((
        "fw.pk2",
        firmsight::unpack::vendor::tenvis::build("cmd", &[("rootfs.tar", &tar)]),
    ));
    layers.push((
        "fw.pak",
        firmsight::unpack::vendor::reolink::build(&[("fs", "1", &tar), ("k", "2", b"k")]),
    ));
    layers.push((
        "fw.fls",
        firmsight::unpack::vendor::fullhan::build("FH8852", &[("rootfs.tar", &tar)]),
    ));
    layers.push((
        "fw.pkg",
        firmsight::unpack::vendor::hichip::build(
            b"kernel",
            &samples::zip(&[("rootfs.tar", &tar, true)]),
            1,
        ),
    ));
    layers.push((
        "fw.enc",
        firmsight::unpack::vendor::foscam::encrypt(&samples::gzip(&tar), "Wxift*v2", *b"12345678"),
    ));
    layers.push((
        "nand.yaffs2",
        firmsight::unpack::yaffs2::build(&[
            (257, 1, 3, "d", b""),
            (258, 257, 1, "rootfs.tar", &tar),
        ]),
    ));
    layers.push((
        "cfg.jffs2",
        firmsight::unpack::jffs2::build(
            &[
                (1, 2, "d", 0o040755, b""),
                (2, 3, "rootfs.tar", 0o100644, &tar),
            ],
            true,
        ),
    ));
    for sample in samples::all() {
        layers.push((sample.name, sample.bytes));
    }
    layers
}

#[derive(Debug, Clone)]
enum Mutation {
    Truncate(prop::sample::Index),
    FlipBits(Vec<(prop::sample::Index, u8)>),
    HugeField(prop::sample::Index, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<prop::sample::Index>().prop_map(Mutation::Truncate),
        prop::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..8)
            .prop_map(Mutation::FlipBits),
        (any::<prop::sample::Index>(), 0u8..4).prop_map(|(i, w)| Mutation::HugeField(i, w)),
    ]
}

fn apply(mut bytes: Vec<u8>, m: &Mutation) -> Vec<u8> {
    if bytes.is_empty() {
        return bytes;
    }
    match m {
        Mutation::Truncate(at) => bytes.truncate(at.index(bytes.len())),
        Mutation::FlipBits(flips) => {
            for (at, mask) in flips {
                let i = at.index(bytes.len());
                bytes[i] ^= mask;
            }
        }
        Mutation::HugeField(at, width) => {
            // A 4- or 8-byte length field set to all ones, or an octal tar
            // size field set to its maximum.
            let i = at.index(bytes.len());
            let field: &[u8] = match width {
                0 => &[0xff; 4],
                1 => &[0xff; 8],
                2 => &[0x7f, 0xff, 0xff, 0xff],
                _ => b"77777777777",
            };
            for (k, b) in field.iter().enumerate() {
                if let Some(slot) = bytes.get_mut(i + k) {
                    *slot = *b;
                }
            }
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_images_never_panic(layer in any::<prop::sample::Index>(), m in mutation()) {
        let layers = layers();
        let (name, bytes) = &layers[layer.index(layers.len())];
        let mutated = apply(bytes.clone(), &m);
        let input_len = mutated.len() as u64;
        let result = scan(name, mutated);
        assert_no_panics(&result.image);
        prop_assert!(result.stats.artifacts < 10_000);
        let produced: u64 = result.image.iter().map(|a| a.size).sum();
        prop_assert!(produced <= input_len.max(1 << 20) * 200 * 8);
    }
}
