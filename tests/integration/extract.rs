//! `--extract` writes the unpacked tree and nothing outside it, whatever the
//! entry names and links say.

use std::fs;
use std::io::{Cursor, Write};
use std::path::Path;

use firmsight::{Bytes, ScanOptions, scan_bytes};

use crate::support::{RawMember, raw_tar};

fn hostile_tar() -> Vec<u8> {
    raw_tar(&[
        RawMember::file(b"etc/hostname", b"camera\n"),
        RawMember::file(b"../../escaped-dotdot", b"evil"),
        RawMember::file(b"/tmp/escaped-absolute", b"absolute"),
        RawMember::symlink(b"lnk", b"../../.."),
        RawMember::file(b"lnk/via-symlink", b"evil"),
        RawMember::symlink(b"abs-link", b"/etc/passwd"),
        RawMember::symlink(b"bin/sh", b"busybox"),
        RawMember {
            name: b"dev/sda",
            typeflag: b'4',
            link: b"",
            data: b"",
        },
    ])
}

fn hostile_zip() -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default();
    for (name, data) in [
        ("ok/readme.txt", &b"fine"[..]),
        ("../zip-dotdot", b"evil"),
        ("..\\..\\zip-backslash", b"evil"),
        ("/zip-absolute", b"abs"),
    ] {
        w.start_file(name, opts).expect("start");
        w.write_all(data).expect("write");
    }
    w.add_symlink("ok/out-link", "../../../../etc", opts)
        .expect("link");
    w.finish().expect("finish").into_inner()
}

/// Every path under `dir`, relative, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).expect("read_dir") {
            let entry = entry.expect("entry");
            let path = entry.path();
            out.push(
                path.strip_prefix(dir)
                    .expect("inside")
                    .display()
                    .to_string(),
            );
            if entry.file_type().expect("type").is_dir() {
                stack.push(path);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn hostile_tar_is_confined_and_every_refusal_recorded() {
    let sandbox = tempfile::tempdir().expect("tempdir");
    let out = sandbox.path().join("a/b/out");
    let options = ScanOptions {
        extract_to: Some(out.clone()),
        ..ScanOptions::default()
    };
    let result = scan_bytes("evil.tar", Bytes::from_vec(hostile_tar()), &options).expect("scan");

    // Nothing escaped: the sandbox holds only the output tree.
    assert_eq!(
        listing(sandbox.path())
            .iter()
            .filter(|p| !p.starts_with("a"))
            .count(),
        0
    );
    assert_eq!(
        listing(&out),
        [
            "abs-link",
            "bin",
            "bin/sh",
            "etc",
            "etc/hostname",
            "lnk",
            "lnk/via-symlink",
            "tmp",
            "tmp/escaped-absolute",
        ]
    );
    assert_eq!(
        fs::read(out.join("etc/hostname")).expect("read"),
        b"camera\n"
    );
    assert_eq!(
        fs::read_link(out.join("bin/sh")).expect("link"),
        Path::new("busybox")
    );
    // The absolute link now points inside the tree, as the device sees it.
    assert_eq!(
        fs::read_link(out.join("abs-link")).expect("link"),
        Path::new("etc/passwd")
    );
    // `lnk -> ../../..` was refused, so `lnk/via-symlink` is an ordinary
    // path inside the tree.
    assert!(fs::symlink_metadata(out.join("lnk")).expect("lnk").is_dir());
    let notes = |name: &str| {
        result
            .image
            .iter()
            .find(|a| a.location.to_string().ends_with(name))
            .map(|a| a.notes.join("; "))
            .unwrap_or_else(|| panic!("{name} listed"))
    };
    assert!(notes("tar:../../escaped-dotdot").contains("escapes its container"));
    assert!(notes("tar:/tmp/escaped-absolute").contains("re-rooted"));
    assert!(notes("tar:lnk").contains("points outside its container"));
    assert!(notes("tar:abs-link").contains("rewritten"));
    assert!(notes("tar:dev/sda").contains("never created"));
    // The artifact tree still lists every entry, written or not.
    assert_eq!(result.image.children.len(), 8);
}

#[test]
fn hostile_zip_is_confined() {
    let sandbox = tempfile::tempdir().expect("tempdir");
    let out = sandbox.path().join("out");
    let options = ScanOptions {
        extract_to: Some(out.clone()),
        ..ScanOptions::default()
    };
    let result = scan_bytes("evil.zip", Bytes::from_vec(hostile_zip()), &options).expect("scan");
    assert_eq!(
        listing(sandbox.path())
            .iter()
            .filter(|p| !p.starts_with("out"))
            .count(),
        0
    );
    assert_eq!(listing(&out), ["ok", "ok/readme.txt", "zip-absolute"]);
    let refused = result
        .image
        .iter()
        .filter(|a| a.notes.iter().any(|n| n.starts_with("not extracted")))
        .count();
    assert_eq!(refused, 3, "two dot-dot names and the outward link");
}

#[test]
fn nested_containers_extract_into_dot_extracted_dirs() {
    let sandbox = tempfile::tempdir().expect("tempdir");
    let out = sandbox.path().join("out");
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/camera-update.zip"
    ));
    let options = ScanOptions {
        extract_to: Some(out.clone()),
        ..ScanOptions::default()
    };
    let result = firmsight::scan_path(path, &options).expect("scan");
    let busybox = out.join("update/rootfs.tar.gz.extracted/rootfs.tar.extracted/bin/busybox");
    let written = fs::read(&busybox).expect("busybox written");
    let artifact = result
        .image
        .iter()
        .find(|a| a.name == "busybox")
        .expect("busybox");
    assert_eq!(
        crate::support::sha256_hex(&written),
        artifact.hashes.as_ref().expect("hash").sha256_hex()
    );
    // Containers are directories, not copies of themselves.
    assert!(out.join("update/rootfs.tar.gz.extracted").is_dir());
    assert!(!out.join("update/rootfs.tar.gz").exists());
    assert!(out.join("update/manifest.json").is_file());
}

#[test]
fn a_file_that_cannot_be_written_does_not_stop_the_run() {
    let sandbox = tempfile::tempdir().expect("tempdir");
    let out = sandbox.path().join("out");
    fs::create_dir_all(&out).expect("mkdir");
    // A file where the tar wants a directory.
    fs::write(out.join("etc"), b"in the way").expect("plant");
    let tar = raw_tar(&[
        RawMember::file(b"etc/hostname", b"camera\n"),
        RawMember::file(b"bin/app", b"app"),
    ]);
    let options = ScanOptions {
        extract_to: Some(out.clone()),
        ..ScanOptions::default()
    };
    let result = scan_bytes("x.tar", Bytes::from_vec(tar), &options).expect("scan");
    let hostname = &result.image.children[0];
    assert!(
        hostname
            .notes
            .iter()
            .any(|n| n.starts_with("not extracted"))
    );
    assert_eq!(fs::read(out.join("bin/app")).expect("written"), b"app");
}
