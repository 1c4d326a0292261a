//! Batch throughput on a generated archive of 200 images (gzip'd tar
//! rootfs of mixed files, sizes from 0.5 MB to 64 MB): images per hour and
//! MB/s at 1 and 2 threads, against the reference of two independent
//! single-thread processes each taking half (`--shard`); peak RSS for 50
//! and for 200 images (it must stay flat); and a fully cached re-run.
//! Each measurement runs in a process of its own.
//!
//! `cargo bench --bench batch_throughput`; results go in BENCHMARKS.md.

use std::path::{Path, PathBuf};
use std::time::Instant;

use firmsight::batch::{self, BatchOptions};
use firmsight::samples;

mod common;
use common::{Rng, mixed_files, peak_rss_mib, rootfs_entries};

const IMAGES: usize = 200;

/// Image sizes (content bytes): mostly small, some medium, a few large.
fn size_of(i: usize, rng: &mut Rng) -> usize {
    match i % 10 {
        0 => (32 << 20) + rng.below(32 << 20) as usize,
        1..=3 => (8 << 20) + rng.below(16 << 20) as usize,
        _ => (512 << 10) + rng.below(3 << 20) as usize,
    }
}

fn archive() -> std::io::Result<PathBuf> {
    // The list and the marker live beside the archive, not in it: every
    // file in the archive is an image.
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let dir = tmp.join("batch-archive");
    let done = tmp.join("batch-archive.complete");
    if done.exists() {
        return Ok(dir);
    }
    std::fs::create_dir_all(&dir)?;
    let mut rng = Rng(0xba7c);
    let mut list50 = String::new();
    for i in 0..IMAGES {
        let size = size_of(i, &mut rng);
        let files = mixed_files(0x1000 + i as u64, size);
        let image = samples::gzip(&samples::tar(&rootfs_entries(&files)));
        let name = format!("img-{i:03}.tar.gz");
        std::fs::write(dir.join(&name), image)?;
        if i < 50 {
            list50.push_str(&format!("batch-archive/{name}\n"));
        }
        eprintln!("generated {name} ({} MB of content)", size >> 20);
    }
    std::fs::write(tmp.join("batch-first-50.lst"), list50)?;
    std::fs::write(&done, b"")?;
    Ok(dir)
}

fn bytes_of(inputs: &[PathBuf]) -> u64 {
    inputs
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}

/// One measurement in this process: `case` is `<list>:<threads>:<out>`
/// with an optional `:<k>/<n>` shard.
fn run_case(case: &str) -> std::io::Result<()> {
    let parts: Vec<&str> = case.split(':').collect();
    let (list, threads, out) = (parts[0], parts[1], parts[2]);
    let shard = parts.get(3).map(|s| {
        let (k, n) = s.split_once('/').unwrap_or(("1", "1"));
        (k.parse().unwrap_or(1), n.parse().unwrap_or(1))
    });
    let inputs = batch::inputs(&[PathBuf::from(list)]).map_err(std::io::Error::other)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.parse().unwrap_or(1))
        .build()
        .map_err(std::io::Error::other)?;
    let options = BatchOptions {
        out: PathBuf::from(out),
        shard,
        ..BatchOptions::default()
    };
    let started = Instant::now();
    let outcome = pool
        .install(|| batch::run(&inputs, &options, &|_, _| {}))
        .map_err(std::io::Error::other)?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{secs:.3} {} {} {}",
        outcome.analysed,
        bytes_of(&inputs),
        peak_rss_mib()
    );
    Ok(())
}

/// Run `case` in a child; (seconds, analysed, input bytes, peak RSS MiB).
fn child(case: &str) -> std::io::Result<(f64, u64, u64, i64)> {
    let out = std::process::Command::new(std::env::current_exe()?)
        .args(["--case", case])
        .output()?;
    assert!(
        out.status.success(),
        "{case}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let v: Vec<&str> = text.split_whitespace().collect();
    Ok((
        v[0].parse().unwrap_or(0.0),
        v[1].parse().unwrap_or(0),
        v[2].parse().unwrap_or(0),
        v[3].parse().unwrap_or(0),
    ))
}

fn fresh(dir: &Path) -> String {
    let _ = std::fs::remove_dir_all(dir);
    dir.display().to_string()
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--case") {
        return run_case(&args[at + 1]);
    }
    let archive = archive()?;
    let all = archive.display().to_string();
    let first50 = archive
        .with_file_name("batch-first-50.lst")
        .display()
        .to_string();
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));

    let (t50, n50, b50, rss50) = child(&format!("{first50}:2:{}", fresh(&tmp.join("b50"))))?;
    let (t1, n1, bytes, rss1) = child(&format!("{all}:1:{}", fresh(&tmp.join("b1"))))?;
    let out2 = fresh(&tmp.join("b2"));
    let (t2, n2, _, rss2) = child(&format!("{all}:2:{out2}"))?;
    let (tc, nc, _, rssc) = child(&format!("{all}:2:{out2}"))?;
    // The reference: two independent single-thread processes, each half,
    // at the same time.
    let mut procs = Vec::new();
    for k in 1..=2 {
        let out = fresh(&tmp.join(format!("half-{k}")));
        procs.push(
            std::process::Command::new(std::env::current_exe()?)
                .args(["--case", &format!("{all}:1:{out}:{k}/2")])
                .stdout(std::process::Stdio::null())
                .spawn()?,
        );
    }
    let started_pair = Instant::now();
    for mut p in procs {
        p.wait()?;
    }
    let tpair = started_pair.elapsed().as_secs_f64();

    let mb = bytes as f64 / 1e6;
    let per_hour = |n: u64, t: f64| n as f64 * 3600.0 / t;
    println!("| run | images | seconds | images/hour | MB/s | peak RSS |");
    println!("|---|---|---|---|---|---|");
    println!(
        "| 50 images, 2 threads | {n50} | {t50:.1} | {:.0} | {:.0} | {rss50} MiB |",
        per_hour(n50, t50),
        b50 as f64 / 1e6 / t50
    );
    println!(
        "| 200 images, 1 thread | {n1} | {t1:.1} | {:.0} | {:.0} | {rss1} MiB |",
        per_hour(n1, t1),
        mb / t1
    );
    println!(
        "| 200 images, 2 threads | {n2} | {t2:.1} | {:.0} | {:.0} | {rss2} MiB |",
        per_hour(n2, t2),
        mb / t2
    );
    println!(
        "| reference: 2 single-thread processes, half each | {IMAGES} | {tpair:.1} | {:.0} | {:.0} | |",
        per_hour(IMAGES as u64, tpair),
        mb / tpair
    );
    println!("| cached re-run of 200, 2 threads | {nc} analysed | {tc:.2} | | | {rssc} MiB |");
    println!(
        "\narchive {mb:.0} MB; 2-thread speed-up {:.2}× vs the two-process reference {:.2}× ({:.0} % of it); cached re-run {:.1} % of the first",
        t1 / t2,
        t1 / tpair,
        100.0 * (t1 / t2 - 1.0) / (t1 / tpair - 1.0),
        100.0 * tc / t2
    );
    Ok(())
}
