//! The shared corpus of real fixtures (`FIRMSIGHT_CORPUS`): every fixture of
//! a format firmsight reads unpacks to exactly the tree the reference tools
//! produced, and no fixture of any format makes a scan panic.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use firmsight::model::{Artifact, EntryKind, Hashes};
use firmsight::unpack::{AFTER_STREAM, FORMATS};
use firmsight::{ScanOptions, scan_path};
use serde_json::Value;

use crate::support::assert_no_panics;

fn corpus() -> Option<PathBuf> {
    match std::env::var_os("FIRMSIGHT_CORPUS") {
        Some(root) => Some(PathBuf::from(root)),
        None => {
            eprintln!("FIRMSIGHT_CORPUS not set; skipping corpus test");
            None
        }
    }
}

fn expected(root: &Path) -> Value {
    let text = std::fs::read_to_string(root.join("formats/expected.json")).expect("expected.json");
    serde_json::from_str(&text).expect("expected.json parses")
}

/// One entry of a tree as the corpus writes it: path → (type, size, sha256, target).
type Tree = BTreeMap<String, (String, Option<u64>, Option<String>, Option<String>)>;

fn expected_tree(tree: &Value) -> Tree {
    tree.as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let s = |k: &str| e.get(k).and_then(Value::as_str).map(String::from);
            (
                s("path").unwrap_or_default(),
                (
                    s("type").unwrap_or_default(),
                    e.get("size").and_then(Value::as_u64),
                    s("sha256"),
                    s("target"),
                ),
            )
        })
        .collect()
}

/// The reference tree: the reference tool's, or for formats without one
/// the tree derived from the documented layout.
fn tree_of(expected: &Value) -> &Value {
    match &expected["tree"] {
        Value::Null => &expected["derived_tree"],
        tree => tree,
    }
}

/// Our children of `container` in the corpus's shape: paths normalised,
/// implicit parent directories added (extractors create them).
fn actual_tree(container: &Artifact) -> Tree {
    let mut tree = Tree::new();
    for child in &container.children {
        let raw = child
            .location
            .0
            .last()
            .and_then(|s| s.path.as_deref().map(String::from))
            .unwrap_or_else(|| child.name.clone());
        let path = raw
            .trim_start_matches("./")
            .trim_start_matches('/')
            .trim_end_matches('/')
            .to_string();
        let mut parent = Path::new(&path).parent();
        while let Some(p) = parent.filter(|p| !p.as_os_str().is_empty()) {
            tree.entry(p.display().to_string())
                .or_insert(("dir".into(), None, None, None));
            parent = p.parent();
        }
        let entry = match &child.entry {
            EntryKind::File | EntryKind::Hardlink { .. } => (
                "file".into(),
                Some(child.size),
                child.hashes.as_ref().map(|h| h.sha256_hex()),
                None,
            ),
            EntryKind::Dir => ("dir".into(), None, None, None),
            EntryKind::Symlink { target } => ("symlink".into(), None, None, Some(target.clone())),
            other => (other.type_name().into(), None, None, None),
        };
        tree.insert(path, entry);
    }
    tree
}

/// Whether `artifact` holds the bytes that followed a stream's end in its
/// container.
fn follows_stream(artifact: &Artifact) -> bool {
    artifact
        .location
        .0
        .last()
        .is_some_and(|s| s.format == Some(AFTER_STREAM))
}

/// Compare `container`'s children with `expected` (and recurse into
/// `nested`). A single-output stream is compared by size and hash only: its
/// name is the reference tool's choice.
fn compare(fixture: &str, container: &Artifact, expected: &Value, failures: &mut Vec<String>) {
    if container.kind == "carve" {
        return compare_carve(fixture, container, expected, failures);
    }
    // firmsight lists the bytes that follow a stream's end (binwalk's
    // bzip2.bin holds 35 KB after its stream); the reference tools do not.
    let mut listed = container.clone();
    listed.children.retain(|c| !follows_stream(c));
    let container = &listed;
    let want = expected_tree(tree_of(expected));
    // The reference tool wrote a repaired copy (e.g. a Dahua package with
    // its `PK` magic restored) that firmsight reads in place: compare with
    // what is inside the copy.
    if let (1, Some(inner)) = (
        want.len(),
        want.keys().next().and_then(|k| expected["nested"].get(k)),
    ) {
        let single_stream = container.children.len() == 1
            && container.children[0]
                .location
                .0
                .last()
                .is_some_and(|s| s.path.is_none());
        if !single_stream && container.children.len() != 1 {
            return compare(fixture, container, inner, failures);
        }
    }
    let got = actual_tree(container);
    // A single output (a stream's, a UBI volume's) is named by each tool
    // its own way (README: compare such outputs by size and sha256).
    let is_stream = container.children.len() == 1 && want.len() == 1;
    if is_stream && want.len() == 1 {
        let (_, w) = want.iter().next().expect("one");
        let (_, g) = got.iter().next().expect("one");
        if (w.1, &w.2) != (g.1, &g.2) {
            failures.push(format!("{fixture}: stream output {g:?}, expected {w:?}"));
        }
    } else if want != got {
        failures.push(format!(
            "{fixture}: tree differs\n  expected {want:?}\n  got      {got:?}"
        ));
    }
    let Some(nested) = expected.get("nested").and_then(Value::as_object) else {
        return;
    };
    for (path, inner) in nested {
        let format = inner["format"].as_str().unwrap_or_default();
        if !supported(format) {
            continue;
        }
        let child = container.children.iter().find(|c| {
            let p = c
                .location
                .0
                .last()
                .and_then(|s| s.path.as_deref().map(String::from))
                .unwrap_or_else(|| c.name.clone());
            p.trim_start_matches("./").trim_end_matches('/') == path
                || (is_stream && container.children.len() == 1)
        });
        match child {
            Some(child) => compare(&format!("{fixture} › {path}"), child, inner, failures),
            None => failures.push(format!("{fixture}: nested `{path}` not found")),
        }
    }
}

/// Carved parts are named by their offsets, differently by every tool:
/// compare the parts as (size, sha256) and recurse into nested ones by hash.
fn compare_carve(
    fixture: &str,
    container: &Artifact,
    expected: &Value,
    failures: &mut Vec<String>,
) {
    let want = expected_tree(tree_of(expected));
    let mut want_parts: Vec<_> = want
        .values()
        .map(|(_, size, sha, _)| (*size, sha.clone()))
        .collect();
    let mut got_parts: Vec<_> = container
        .children
        .iter()
        .map(|c| (Some(c.size), c.hashes.as_ref().map(|h| h.sha256_hex())))
        .collect();
    want_parts.sort();
    got_parts.sort();
    if want_parts != got_parts {
        failures.push(format!(
            "{fixture}: carved parts differ\n  expected {want_parts:?}\n  got      {got_parts:?}"
        ));
        return;
    }
    let Some(nested) = expected.get("nested").and_then(Value::as_object) else {
        return;
    };
    for (path, inner) in nested {
        let format = inner["format"].as_str().unwrap_or_default();
        let sha = want.get(path).and_then(|w| w.2.clone());
        let child = container
            .children
            .iter()
            .find(|c| c.hashes.as_ref().map(|h| h.sha256_hex()) == sha);
        match child {
            Some(child) if supported(format) => {
                compare(&format!("{fixture} › {path}"), child, inner, failures)
            }
            Some(child) if child.status.is_problem() => {}
            Some(child) => failures.push(format!(
                "{fixture} › {path}: `{format}` not read, but `{}` has no error",
                child.kind
            )),
            None => failures.push(format!("{fixture}: nested `{path}` not found")),
        }
    }
}

/// The registry id that reads a corpus format id: the same id, or the
/// family its variant id starts with (`squashfs-v4-le-gzip` → `squashfs`).
fn family(corpus_format: &str) -> Option<&'static str> {
    match corpus_format {
        // Composite fixtures whose reference tree needs a format not read yet.
        "uimage-appended-dtb" => None,
        "raw-with-embedded" => Some("carve"),
        f if f.starts_with("linux-bzimage-") || f.starts_with("linux-zimage-") => {
            Some("linux-kernel")
        }
        _ => FORMATS.iter().map(|f| f.id()).find(|id| {
            corpus_format == *id
                || corpus_format
                    .strip_prefix(id)
                    .is_some_and(|rest| rest.starts_with('-'))
        }),
    }
}

/// Fixtures whose reference tree needs something not read yet.
const NOT_READ_YET: &[&str] = &[];

/// Corpus format ids whose whole tree firmsight must reproduce.
fn supported(format: &str) -> bool {
    family(format).is_some()
}

#[test]
fn supported_fixtures_unpack_to_the_reference_tree() {
    let Some(root) = corpus() else { return };
    let expected = expected(&root);
    let mut checked = 0;
    let mut failures = Vec::new();
    for fixture in expected["fixtures"].as_array().expect("fixtures") {
        let format = fixture["format"].as_str().unwrap_or_default();
        let status = fixture["expected"]["status"].as_str().unwrap_or_default();
        let path = fixture["path"].as_str().expect("path");
        if !supported(format)
            || !matches!(status, "known" | "known-from-tests" | "derived")
            || NOT_READ_YET.contains(&path)
        {
            continue;
        }
        let result = scan_path(&root.join(path), &ScanOptions::default()).expect("scan");
        // A fixture with data after its format (e.g. a uImage followed by
        // flash contents) is carved; the reference tree is the first part's.
        // A fixture with data around its format (a uImage followed by flash
        // contents, random bytes before a cpio, a 7z behind an ELF stub) is
        // split; the reference tree is that of the part in the fixture's
        // format.
        let split = ["carve", "elf-appended"].contains(&result.image.kind.as_str());
        let subject = if split && family(format) != Some(result.image.kind.as_str()) {
            result
                .image
                .children
                .iter()
                .find(|c| Some(c.kind.as_str()) == family(format))
                .unwrap_or(&result.image)
        } else {
            &result.image
        };
        if Some(subject.kind.as_str()) != family(format) {
            failures.push(format!(
                "{path}: read as `{}` ({}), expected `{format}`",
                subject.kind, subject.status
            ));
        } else {
            compare(path, subject, &fixture["expected"], &mut failures);
        }
        checked += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 9, "only {checked} corpus fixtures checked");
    eprintln!("{checked} corpus fixtures match their reference trees");
}

#[test]
fn no_fixture_makes_a_scan_panic() {
    let Some(root) = corpus() else { return };
    let expected = expected(&root);
    for fixture in expected["fixtures"].as_array().expect("fixtures") {
        let path = fixture["path"].as_str().expect("path");
        let result = scan_path(&root.join(path), &ScanOptions::default()).expect("scan");
        assert_no_panics(&result.image);
        if fixture["expected"]["decoy"].as_bool() == Some(true) {
            assert!(result.image.children.is_empty(), "decoy {path} unpacked");
        }
    }
}

/// binwalk's bzip2 fixture holds 35,718 bytes of program strings after its
/// stream ends (Python's `bz2` leaves the same bytes as `unused_data`):
/// they are listed after the stream's output, not hidden behind it.
#[test]
fn bytes_after_a_stream_are_listed() {
    let Some(root) = corpus() else { return };
    let path = root.join("formats/bzip2/bzip2.bin");
    let data = std::fs::read(&path).expect("fixture");
    let result = scan_path(&path, &ScanOptions::default()).expect("scan");
    let paths: Vec<Option<&str>> = result
        .image
        .children
        .iter()
        .map(|c| c.location.0.last().and_then(|s| s.path.as_deref()))
        .collect();
    assert_eq!(paths, [None, Some("0x00001fbd")]);
    let after = &result.image.children[1];
    let tail = &data[0x1fbd..];
    assert_eq!(after.size, tail.len() as u64);
    let sha = after.hashes.as_ref().expect("hashed").sha256_hex();
    assert_eq!(sha, Hashes::of(tail, false).sha256_hex());
    assert!(follows_stream(after), "{:?}", after.notes);
}

#[test]
fn kernel_banners_are_recorded() {
    let Some(root) = corpus() else { return };
    let expected = expected(&root);
    let mut checked = 0;
    for fixture in expected["fixtures"].as_array().expect("fixtures") {
        let Some(banner) = fixture["expected"]["facts"]["linux_version_banner"].as_str() else {
            continue;
        };
        let path = fixture["path"].as_str().expect("path");
        let result = scan_path(&root.join(path), &ScanOptions::default()).expect("scan");
        let notes: Vec<&String> = result.image.iter().flat_map(|a| &a.notes).collect();
        assert!(
            notes
                .iter()
                .any(|n| n.starts_with("linux kernel banner: ") && n.contains(banner.trim_end())),
            "{path}: banner `{banner}` not in {notes:?}"
        );
        checked += 1;
    }
    assert!(checked >= 7, "only {checked} kernels checked");
}

/// Fixtures no reference tool could extract (status `unknown` or
/// `partial`): what firmsight reads from them was checked by hand once and
/// is kept in `tests/snapshots/corpus-unknown.json`; a change must be
/// reviewed and the snapshot rewritten (`FIRMSIGHT_UPDATE_SNAPSHOTS=1`).
#[test]
fn unknown_fixtures_match_their_snapshots() {
    let Some(root) = corpus() else { return };
    let snapshot_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/corpus-unknown.json");
    let expected = expected(&root);
    let mut actual = BTreeMap::new();
    for fixture in expected["fixtures"].as_array().expect("fixtures") {
        let status = fixture["expected"]["status"].as_str().unwrap_or_default();
        if !matches!(status, "unknown" | "partial") {
            continue;
        }
        let path = fixture["path"].as_str().expect("path");
        let result = scan_path(&root.join(path), &ScanOptions::default()).expect("scan");
        let lines: Vec<String> = result
            .image
            .iter()
            .skip(1)
            .map(|a| {
                let sha = a
                    .hashes
                    .as_ref()
                    .map(|h| h.sha256_hex())
                    .unwrap_or_else(|| "-".into());
                format!(
                    "{} {} {} {} {}",
                    a.location,
                    a.entry.type_name(),
                    a.size,
                    sha,
                    a.status
                )
            })
            .chain(std::iter::once(format!("status {}", result.image.status)))
            .collect();
        actual.insert(path.to_string(), lines);
    }
    let rendered = serde_json::to_string_pretty(&actual).expect("json") + "\n";
    if std::env::var_os("FIRMSIGHT_UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(snapshot_path.parent().expect("dir")).expect("mkdir");
        std::fs::write(&snapshot_path, &rendered).expect("write snapshot");
        return;
    }
    let stored = std::fs::read_to_string(&snapshot_path).expect("snapshot exists");
    assert_eq!(
        stored, rendered,
        "unknown-fixture snapshot changed; review and rewrite it"
    );
}
