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

use firmsight::model::{ElfClass, Endian};
use firmsight::samples::{self, ElfSpec, RootfsEntry, machine};
use firmsight::{ScanOptions, scan_path};

const TARGET_COMPRESSED: u64 = 200_000_000;
const RUNS: usize = 3;

/// xorshift64*: deterministic, fast, good enough for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let v = self.next().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}

const WORDS: &[&str] = &[
    "camera",
    "stream",
    "rtsp",
    "onvif",
    "config",
    "sensor",
    "firmware",
    "update",
    "network",
    "video",
    "encoder",
    "h264",
    "motion",
    "alarm",
    "record",
    "storage",
    "user",
    "admin",
    "password",
    "interface",
    "=",
    "1",
    "0",
    "true",
    "false",
    "\n",
    "{",
    "}",
    ";",
];

fn file_content(rng: &mut Rng, index: u64) -> (String, Vec<u8>) {
    let size = match rng.below(10) {
        0..=5 => 1024 + rng.below(32 << 10),
        6..=8 => (64 << 10) + rng.below(1 << 20),
        _ => (1 << 20) + rng.below(4 << 20),
    } as usize;
    match rng.below(4) {
        0 => {
            let mut data = vec![0u8; size];
            rng.fill(&mut data);
            (format!("data/blob{index}.bin"), data)
        }
        1 => {
            let mut text = Vec::with_capacity(size + 16);
            while text.len() < size {
                text.extend(WORDS[rng.below(WORDS.len() as u64) as usize].as_bytes());
                text.push(b' ');
            }
            (format!("etc/conf{index}.txt"), text)
        }
        2 => {
            // An ELF whose .rodata is half random, half text: code-like entropy.
            let mut rodata = vec![0u8; size / 2];
            rng.fill(&mut rodata);
            rodata.extend(std::iter::repeat_n(b"libfoo_function_name\0", size / 44).flatten());
            let elf = ElfSpec::library(
                ElfClass::Elf32,
                Endian::Little,
                machine::ARM,
                "libbench.so.1",
            )
            .with_rodata(&rodata)
            .build();
            (format!("lib/libbench{index}.so.1"), elf)
        }
        _ => {
            // Mostly zeros with a little noise, like flash padding.
            let mut data = vec![0u8; size];
            for _ in 0..size / 4096 {
                let at = rng.below(size as u64) as usize;
                data[at] = rng.next() as u8;
            }
            (format!("var/pad{index}.img"), data)
        }
    }
}

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

fn peak_rss_mib() -> i64 {
    // SAFETY: getrusage writes into the struct we pass and nothing else.
    #[allow(unsafe_code)]
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    usage.ru_maxrss / 1024
}

/// Files of the mixed generator until `budget` bytes of content.
fn mixed_files(seed: u64, budget: usize) -> Vec<(String, Vec<u8>)> {
    let mut rng = Rng(seed);
    let mut files = Vec::new();
    let mut total = 0;
    let mut index = 0;
    while total < budget {
        let (name, data) = file_content(&mut rng, index);
        total += data.len();
        files.push((name, data));
        index += 1;
    }
    files
}

fn rootfs_entries(files: &[(String, Vec<u8>)]) -> Vec<RootfsEntry> {
    files
        .iter()
        .map(|(name, data)| {
            RootfsEntry::File(Box::leak(name.clone().into_boxed_str()), data.clone())
        })
        .collect()
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
