//! Write fuzzing seeds from the crate's own format builders:
//! `cargo run --example fuzz-seeds -- DIR` makes `DIR/<target>/seed-N` for
//! the targets whose format the corpus lacks or that sit behind long
//! magics and checksums (UBI, UBIFS, Hikvision, Fullhan, FIT …), so a short
//! run starts past the header instead of guessing it. Pass `DIR/<target>`
//! to `cargo fuzz run` after the target's own corpus directory.

use std::path::Path;

use firmsight::unpack;

fn main() -> std::io::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "fuzz/seeds".to_string());
    let payload = b"#!/bin/sh\necho firmsight fuzz seed\n".repeat(8);
    let tar = firmsight::samples::tar(&[firmsight::samples::RootfsEntry::File(
        "etc/init.sh",
        payload.clone(),
    )]);
    let ubifs = unpack::ubifs::build(&[("init.sh", &payload), ("rootfs.tar", &tar)]);
    let elf = firmsight::samples::ElfSpec::executable(
        firmsight::model::ElfClass::Elf32,
        firmsight::model::Endian::Little,
        firmsight::samples::machine::ARM,
    )
    .build();
    let seeds: Vec<(&str, Vec<u8>)> = vec![
        ("ubi", unpack::ubi::build("rootfs", &ubifs, 4096)),
        ("ubifs", ubifs.clone()),
        (
            "hikvision_dav",
            unpack::vendor::hikvision::build(&[("app.tar", &tar), ("uImage", b"k")], 1),
        ),
        (
            "fullhan_fls",
            unpack::vendor::fullhan::build("FH8852", &[("rootfs.tar", &tar), ("app", &payload)]),
        ),
        (
            "dtb",
            unpack::fdt::build(&[("compatible", b"fullhan,fh8852\0")], None),
        ),
        (
            "fit",
            unpack::fdt::build(
                &[("description", b"camera\0")],
                Some(&[("kernel", &payload), ("ramdisk", &tar)]),
            ),
        ),
        (
            "yaffs2",
            unpack::yaffs2::build(&[(257, 1, 1, "init.sh", &payload)]),
        ),
        ("cab", unpack::cab::build(&[("init.sh", &payload)], true)),
        (
            "reolink_pak",
            unpack::vendor::reolink::build(&[("fs", "1", &tar), ("kernel", "2", &payload)]),
        ),
        (
            "tenvis_pk2",
            unpack::vendor::tenvis::build("cmd", &[("rootfs.tar", &tar)]),
        ),
        ("trx", unpack::trx::build(&[b"loader", &tar])),
        (
            "ar",
            unpack::ar::build(&[("a_long_object_name.o", &elf), ("init.o", &payload)]),
        ),
        (
            "android_sparse",
            unpack::android_sparse::build(&[Some(&tar), None], Some((1, [1, 2, 3, 4]))),
        ),
        (
            "elf",
            [elf.as_slice(), &firmsight::samples::gzip(&tar)].concat(),
        ),
        (
            "scan",
            // A Go program: its build information, inline (Go 1.18+).
            firmsight::samples::go_program(
                "go1.23.5",
                "path\texample.com/cam/cmd/agent\nmod\texample.com/cam\tv1.4.0\th1:x=\n\
                 dep\tgolang.org/x/sys\tv0.0.0-20220715151400-c0bba94af5f8\th1:y=\n\
                 dep\tgithub.com/a/b\tv1.0.0\t\n=>\t../b\t\t\n",
            ),
        ),
        (
            "scan",
            // A Rust program: cargo-auditable's `.dep-v0`, zlib-compressed.
            firmsight::samples::rust_program(
                br#"{"format":1,"packages":[{"name":"memchr","version":"2.7.6","source":"crates.io"},{"name":"camd","version":"1.0.0","source":"local","dependencies":[0],"root":true}]}"#,
            ),
        ),
        (
            "scan",
            // A web UI: an npm package's manifest and a jQuery build.
            firmsight::samples::tar(&[
                firmsight::samples::RootfsEntry::File(
                    "www/node_modules/@babel/core/package.json",
                    br#"{"name":"@babel/core","version":"7.23.0","license":{"type":"MIT"}}"#
                        .to_vec(),
                ),
                firmsight::samples::RootfsEntry::File(
                    "www/js/jquery.min.js",
                    b"/*! jQuery v1.12.4 | (c) jQuery Foundation | jquery.org/license */\n".to_vec(),
                ),
            ]),
        ),
        ("lzma", {
            let mut seed = vec![0x5d, 0, 0, 0x80, 0];
            seed.extend(u64::MAX.to_le_bytes());
            seed.extend([0; 32]);
            seed
        }),
    ];
    let mut written: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (target, bytes) in seeds {
        let target_dir = Path::new(&dir).join(target);
        std::fs::create_dir_all(&target_dir)?;
        let n = written.entry(target).or_default();
        *n += 1;
        let path = target_dir.join(format!("seed-{n}"));
        std::fs::write(&path, &bytes)?;
        println!("{:>8} bytes  {}", bytes.len(), path.display());
    }
    Ok(())
}
