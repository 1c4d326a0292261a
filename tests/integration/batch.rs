//! Batch runs: a generated archive of mixed images (a few corrupt, one
//! bomb, one duplicate) completes with correct per-image results; a
//! re-run skips everything; a run killed midway and re-run ends with the
//! store a clean run makes; a 3-way sharded run merged equals the
//! unsharded one.

use std::path::Path;

use assert_cmd::Command;
use firmsight::batch::{self, BatchOptions, Store};
use firmsight::samples::{RootfsEntry, gzip, tar};

/// 54 images: Dahua-marked, Hikvision-marked and anonymous rootfs tars,
/// three corrupt files, a decompression bomb and a duplicate.
fn archive(dir: &Path) {
    std::fs::create_dir_all(dir.join("site-a")).expect("mkdir");
    std::fs::create_dir_all(dir.join("site-b")).expect("mkdir");
    for i in 0..48u32 {
        let marker: &[u8] = match i % 3 {
            0 => b"\0/proc/dahua/bootpara\0",
            1 => b"\0HangZhou Hikvision Digital Technology Co., Ltd.\0doc/page/login.asp\0",
            _ => b"\0plain application\0",
        };
        let mut app = marker.to_vec();
        app.extend(format!("build {i}\n").as_bytes());
        let image = gzip(&tar(&[
            RootfsEntry::File("usr/bin/app", app),
            RootfsEntry::File("etc/version", format!("{i}\n").into_bytes()),
        ]));
        let site = if i % 2 == 0 { "site-a" } else { "site-b" };
        std::fs::write(dir.join(site).join(format!("cam-{i:02}.tar.gz")), image).expect("write");
    }
    // Corrupt: a truncated gzip, random bytes, an empty file.
    let good = std::fs::read(dir.join("site-a/cam-00.tar.gz")).expect("read");
    std::fs::write(dir.join("site-b/truncated.tar.gz"), &good[..good.len() / 2]).expect("write");
    let noise: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    std::fs::write(dir.join("site-b/noise.bin"), noise).expect("write");
    std::fs::write(dir.join("site-b/empty.bin"), b"").expect("write");
    // A bomb: 64 MiB of zeros in a small gzip.
    std::fs::write(dir.join("site-a/bomb.gz"), gzip(&vec![0u8; 64 << 20])).expect("write");
    // A duplicate under another name.
    std::fs::write(dir.join("site-b/copy-of-cam-00.tar.gz"), &good).expect("write");
    // A file that cannot be read is data too: a dangling list entry.
    std::fs::write(
        dir.join("images.lst"),
        "site-a/cam-02.tar.gz\nmissing.bin\n",
    )
    .expect("write");
}

fn options(out: &Path) -> BatchOptions {
    BatchOptions {
        out: out.to_path_buf(),
        policy: Some(firmsight::policy::Policy::default_policy().expect("policy")),
        as_of: Some(time::macros::date!(2026 - 11 - 23)),
        ..BatchOptions::default()
    }
}

/// The store's rows without timings, for comparing runs.
fn rows(out: &Path) -> Vec<String> {
    let store = Store::open(&out.join(batch::STORE)).expect("store");
    let key = batch::analysis_key(options(out).policy.as_ref());
    let mut rows: Vec<String> = store
        .rows(&key)
        .expect("rows")
        .into_iter()
        .map(|mut r| {
            r.elapsed_ms = 0;
            r.path = String::new(); // which duplicate came first is a race
            format!("{r:?}")
        })
        .collect();
    rows.sort();
    rows
}

#[test]
fn a_mixed_archive_completes_resumes_and_shards() {
    let work = tempfile::tempdir().expect("tempdir");
    let input = work.path().join("archive");
    archive(&input);
    let inputs = batch::inputs(std::slice::from_ref(&input)).expect("inputs");
    assert_eq!(inputs.len(), 54);

    let clean = work.path().join("clean");
    let outcome = batch::run(&inputs, &options(&clean), &|_, _| {}).expect("run");
    assert_eq!(outcome.inputs, 54);
    assert_eq!(outcome.analysed, 53, "the duplicate is analysed once");
    assert_eq!(outcome.skipped, 1);

    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(clean.join("summary.json")).expect("json"))
            .expect("summary");
    assert_eq!(summary["inputs"], 54);
    assert_eq!(summary["images"], 53);
    assert_eq!(summary["by_oem"]["Dahua"], 17, "{summary}");
    assert_eq!(summary["by_oem"]["Hikvision"], 16, "{summary}");
    assert_eq!(summary["by_verdict"]["deny"], 33, "{summary}");
    let csv = std::fs::read_to_string(clean.join("summary.csv")).expect("csv");
    assert_eq!(csv.lines().count(), 55, "a header and a line per input");
    assert!(csv.contains("copy-of-cam-00.tar.gz"));
    // The bomb stopped at its budget and is recorded with its problem.
    let bomb = csv
        .lines()
        .find(|l| l.contains("bomb.gz"))
        .expect("bomb row");
    assert!(bomb.contains(",done,"), "{bomb}");
    let problems = bomb.split(',').nth(12).expect("problems column");
    assert_ne!(problems, "0", "the budget hit is counted: {bomb}");
    // Every analysed image has its SBOM.
    let sboms = std::fs::read_dir(&clean)
        .expect("ls")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".cdx.json"))
        })
        .count();
    assert_eq!(sboms, 53);
    let html = std::fs::read_to_string(clean.join("summary.html")).expect("html");
    assert!(html.contains("54 files, 53 distinct images"), "{html}");

    // A re-run skips everything.
    let again = batch::run(&inputs, &options(&clean), &|_, _| {}).expect("rerun");
    assert_eq!((again.analysed, again.skipped), (0, 54));

    // A list file with a missing image: the missing one is a failed row.
    let listed = batch::inputs(&[input.join("images.lst")]).expect("list");
    let out = work.path().join("listed");
    let o = batch::run(&listed, &options(&out), &|_, _| {}).expect("run");
    assert_eq!((o.analysed, o.failed), (2, 1));

    // Three worker processes on shards, at the same time, then merged,
    // equal the unsharded run.
    let mut workers = Vec::new();
    let mut stores = Vec::new();
    for k in 1..=3 {
        let out = work.path().join(format!("shard-{k}"));
        workers.push(
            std::process::Command::new(assert_cmd::cargo::cargo_bin("firmsight"))
                .args(["-q", "-j", "1", "batch", "--policy", "default"])
                .args([
                    "--as-of",
                    "2026-11-23",
                    "--shard",
                    &format!("{k}/3"),
                    "--out",
                ])
                .arg(&out)
                .arg(&input)
                .spawn()
                .expect("spawn worker"),
        );
        stores.push(out.join(batch::STORE));
    }
    for mut w in workers {
        assert!(w.wait().expect("worker").success());
    }
    let merged = work.path().join("merged");
    Command::cargo_bin("firmsight")
        .expect("binary")
        .args(["-q", "merge", "--policy", "default", "--out"])
        .arg(&merged)
        .args(&stores)
        .assert()
        .success();
    assert_eq!(rows(&merged), rows(&clean));
    let merged_summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(merged.join("summary.json")).expect("json"))
            .expect("summary");
    assert_eq!(merged_summary["by_oem"], summary["by_oem"]);
    assert_eq!(merged_summary["inputs"], summary["inputs"]);
}

#[test]
fn a_killed_run_resumes_to_the_clean_result() {
    let work = tempfile::tempdir().expect("tempdir");
    let input = work.path().join("archive");
    archive(&input);
    let clean = work.path().join("clean");
    let inputs = batch::inputs(std::slice::from_ref(&input)).expect("inputs");
    batch::run(&inputs, &options(&clean), &|_, _| {}).expect("run");

    let out = work.path().join("killed");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("firmsight"))
        .args([
            "-q",
            "-j",
            "1",
            "batch",
            "--policy",
            "default",
            "--as-of",
            "2026-11-23",
            "--out",
        ])
        .arg(&out)
        .arg(&input)
        .spawn()
        .expect("spawn");
    // Kill it once a few images are done.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let done = std::fs::read_dir(&out)
            .map(|d| {
                d.filter(|e| {
                    e.as_ref()
                        .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".cdx.json"))
                })
                .count()
            })
            .unwrap_or(0);
        if done >= 3 || std::time::Instant::now() > deadline {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().expect("kill");
    child.wait().expect("reaped");
    let finished = Store::open(&out.join(batch::STORE))
        .and_then(|s| s.rows(&batch::analysis_key(options(&out).policy.as_ref())))
        .map(|r| r.len())
        .unwrap_or(0);
    assert!(
        finished < 53,
        "the kill landed after the run ended ({finished} rows)"
    );

    Command::cargo_bin("firmsight")
        .expect("binary")
        .args([
            "-q",
            "batch",
            "--policy",
            "default",
            "--as-of",
            "2026-11-23",
            "--out",
        ])
        .arg(&out)
        .arg(&input)
        .assert()
        .success();
    assert_eq!(rows(&out), rows(&clean));
}

#[test]
fn the_register_is_reconciled_and_progress_can_be_json() {
    let work = tempfile::tempdir().expect("tempdir");
    let input = work.path().join("archive");
    archive(&input);
    let register = work.path().join("assets.csv");
    std::fs::write(
        &register,
        "id,location,brand,model,firmware\n\
         A-1,Ward 3,\"Acme, Inc.\",AC-100,cam-00.tar.gz\n\
         A-2,Entrance,Dahua,IPC-HFW,cam-03.tar.gz\n\
         A-3,Car park,Amcrest,IP8M,gone.bin\n",
    )
    .expect("write");
    let out = work.path().join("out");
    let run = Command::cargo_bin("firmsight")
        .expect("binary")
        .args(["batch", "--json-progress", "--register"])
        .arg(&register)
        .arg("--out")
        .arg(&out)
        .arg(&input)
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&run.get_output().stderr);
    let progress: Vec<serde_json::Value> = stderr
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).expect("JSON progress line"))
        .collect();
    assert_eq!(progress.len(), 54);
    assert!(progress.iter().any(|p| p["done"] == 54));

    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).expect("json"))
            .expect("summary");
    let r = &summary["register"];
    assert_eq!(r["entries"], 3);
    assert_eq!(r["brand_mismatch"], 1, "Acme on a Dahua-made camera: {r}");
    assert_eq!(r["no_image"], 1);
    assert_eq!(r["unregistered"], 51);
    let csv = std::fs::read_to_string(out.join("register.csv")).expect("register.csv");
    assert!(
        csv.lines()
            .any(|l| l.starts_with("brand-mismatch,A-1,Ward 3,\"Acme, Inc.\"")),
        "{csv}"
    );
    assert!(csv.lines().any(|l| l.starts_with("ok,A-2,")), "{csv}");
    let html = std::fs::read_to_string(out.join("summary.html")).expect("html");
    assert!(
        html.contains("id=\"register\">3 register entries: 1 with a declared brand"),
        "{html}"
    );
    let log = std::fs::read_to_string(out.join("run.log")).expect("run.log");
    assert_eq!(log.lines().count(), 53, "a line per analysed image");
}

#[test]
fn a_time_budget_skips_what_it_cannot_reach() {
    use firmsight::model::{Budget, Status};
    let options = firmsight::ScanOptions {
        limits: firmsight::Limits {
            max_seconds: Some(0),
            ..firmsight::Limits::default()
        },
        ..Default::default()
    };
    let image = gzip(&tar(&[RootfsEntry::File("a", b"x".to_vec())]));
    let result = firmsight::scan_bytes("slow.bin", firmsight::Bytes::from_vec(image), &options)
        .expect("scan");
    assert_eq!(result.image.status, Status::Skipped(Budget::MaxSeconds(0)));
    assert_eq!(result.stats.budget_hits, 1);
}

#[test]
fn reports_and_vex_per_image_when_asked() {
    let work = tempfile::tempdir().expect("tempdir");
    let input = work.path().join("one");
    std::fs::create_dir_all(&input).expect("mkdir");
    let camera = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/camera-update.zip");
    std::fs::copy(&camera, input.join("camera-update.zip")).expect("copy");
    let out = work.path().join("out");
    Command::cargo_bin("firmsight")
        .expect("binary")
        .args([
            "-q",
            "batch",
            "--reports",
            "--vex",
            "--policy",
            "default",
            "--out",
        ])
        .arg(&out)
        .arg(&input)
        .assert()
        .success();
    let names: Vec<String> = std::fs::read_dir(&out)
        .expect("ls")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    for suffix in [".cdx.json", ".report.html", ".vex.json"] {
        assert!(
            names.iter().any(|n| n.ends_with(suffix)),
            "{suffix} missing in {names:?}"
        );
    }
    // Each report names its image by SHA-512 too.
    let report = names
        .iter()
        .find(|n| n.ends_with(".report.html"))
        .expect("report");
    let page = std::fs::read_to_string(out.join(report)).expect("read report");
    assert!(page.contains("SHA-512"), "image digest in the batch report");
}
