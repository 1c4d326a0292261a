//! Unpack + hash + identify throughput, at 1 and 2 threads, on generated
//! images of mixed files (text, random, ELF, sparse): a 200 MB tar.gz, a
//! 64 MB squashfs (xz) rootfs, a 64 MB raw flash dump (bootloader, uImage
//! kernel, squashfs, JFFS2) and a 32 MB JFFS2 image. Each image runs in a
//! process of its own so that its peak RSS is reported alone.
//!
//! `cargo bench --bench unpack_throughput`; results go in BENCHMARKS.md.
//! The image is generated once under the target directory (deterministic
//! PRNG), so runs compare like with like.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use firmsight::samples;
use firmsight::{ScanOptions, scan_path};

mod common;
use common::{Rng, file_content, mixed_files, peak_rss_mib, rootfs_entries};

const TARGET_COMPRESSED: u64 = 200_000_000;
const RUNS: usize = 3;

fn generate(path: &Path) -> std::io::Result<()> {
    let file = BufWriter::new(File::create(path)?);
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::new(6));
    let mut tar = tar::Builder::new(gz);
    let mut rng = Rng(0x5eed_f00d_cafe_babe);
    let mut index = 0;
    while tar.get_ref().get_ref().get_ref().metadata()?.len() < TARGET_COMPRESSED {
        let (name, data) = file_content(&mut rng, index);
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, name, &data[..])?;
        index += 1;
    }
    tar.into_inner()?.finish()?.flush()
}

/// A squashfs (xz) rootfs of about 64 MB.
fn squashfs_image() -> Vec<u8> {
    samples::squashfs(&rootfs_entries(&mixed_files(0x5151, 150 << 20)))
}

/// A 64 MB raw flash dump: bootloader, uImage kernel, squashfs rootfs,
/// JFFS2 config partition, erased space.
fn flash_image() -> Vec<u8> {
    let mut dump = vec![0xffu8; 64 << 20];
    let mut rng = Rng(0xf1a5);
    let mut boot = vec![0u8; 256 << 10];
    rng.fill(&mut boot);
    let kernel_text: Vec<u8> = mixed_files(0x6e6e, 6 << 20)
        .into_iter()
        .flat_map(|(_, d)| d)
        .collect();
    let kernel =
        firmsight::unpack::uimage::build("Linux-4.9.37", 5, 2, 2, 1, &samples::gzip(&kernel_text));
    let rootfs = samples::squashfs(&rootfs_entries(&mixed_files(0x7070, 90 << 20)));
    let config: Vec<(String, Vec<u8>)> = mixed_files(0x8080, 3 << 20);
    let jffs2_files: Vec<(u32, u32, &str, u32, &[u8])> = config
        .iter()
        .enumerate()
        .map(|(i, (_, d))| (1, 2 + i as u32, "cfg", 0o100644, &d[..]))
        .collect();
    let jffs2 = firmsight::unpack::jffs2::build(&jffs2_files, false);
    let mut at = 0;
    for part in [boot, kernel, rootfs, jffs2] {
        assert!(at + part.len() <= dump.len(), "flash parts fit in 64 MB");
        dump[at..at + part.len()].copy_from_slice(&part);
        at = (at + part.len()).next_multiple_of(1 << 20);
    }
    dump
}

/// A 32 MB JFFS2 image of mixed files (zlib nodes).
fn jffs2_image() -> Vec<u8> {
    let files = mixed_files(0x1ff5, 34 << 20);
    let names: Vec<String> = (0..files.len()).map(|i| format!("f{i}")).collect();
    let entries: Vec<(u32, u32, &str, u32, &[u8])> = files
        .iter()
        .enumerate()
        .map(|(i, (_, d))| (1, 2 + i as u32, names[i].as_str(), 0o100644, &d[..]))
        .collect();
    firmsight::unpack::jffs2::build(&entries, false)
}

/// The image of a case, generated once under the target directory.
fn image(case: &str) -> std::io::Result<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(format!("bench-{case}.img"));
    if !path.exists() {
        eprintln!("generating {} …", path.display());
        match case {
            "tar-gz-200mb" => generate(&path)?,
            "squashfs-xz-64mb" => std::fs::write(&path, squashfs_image())?,
            "flash-dump-64mb" => std::fs::write(&path, flash_image())?,
            "jffs2-32mb" => std::fs::write(&path, jffs2_image())?,
            other => panic!("unknown case {other}"),
        }
    }
    Ok(path)
}

/// Run one case in this process: best of RUNS at 1 and 2 threads.
fn run_case(case: &str) -> std::io::Result<()> {
    let image = image(case)?;
    let input = image.metadata()?.len();
    let mut cells = Vec::new();
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        let mut best = f64::MAX;
        let mut unpacked = 0;
        let mut artifacts = 0;
        for _ in 0..RUNS {
            let started = Instant::now();
            let result = pool
                .install(|| scan_path(&image, &ScanOptions::default()))
                .expect("scan");
            best = best.min(started.elapsed().as_secs_f64());
            artifacts = result.stats.artifacts;
            unpacked = result
                .image
                .iter()
                .skip(1)
                .filter(|a| a.children.is_empty())
                .map(|a| a.size)
                .sum::<u64>();
            assert_eq!(result.stats.errors, 0, "{case}: errors while scanning");
        }
        cells.push(format!(
            "{best:.2} s, {:.0} MB/s ({:.0} MB/s unpacked)",
            input as f64 / 1e6 / best,
            unpacked as f64 / 1e6 / best
        ));
        if threads == 2 {
            println!(
                "| {case} | {:.1} MB | {artifacts} | {} | {} | {} MiB |",
                input as f64 / 1e6,
                cells[0],
                cells[1],
                peak_rss_mib()
            );
        }
    }
    Ok(())
}

const CASES: [&str; 4] = [
    "tar-gz-200mb",
    "squashfs-xz-64mb",
    "flash-dump-64mb",
    "jffs2-32mb",
];

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--case") {
        return run_case(&args[at + 1]);
    }
    // Each case in its own process, so peak RSS is the case's own.
    println!("| image | size | artifacts | 1 thread | 2 threads | peak RSS |");
    println!("|---|---|---|---|---|---|");
    let me = std::env::current_exe()?;
    // Generate every image here first, so no case's RSS includes making it.
    for case in CASES {
        image(case)?;
    }
    for case in CASES {
        let status = std::process::Command::new(&me)
            .args(["--case", case])
            .status()?;
        assert!(status.success(), "{case} failed");
    }
    Ok(())
}
