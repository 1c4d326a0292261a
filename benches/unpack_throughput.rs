//! Unpack + hash + identify throughput on a generated 200 MB tar.gz of mixed
//! files (text, random, ELF, sparse), at 1 and 2 threads.
//!
//! `cargo bench --bench unpack_throughput`; results go in BENCHMARKS.md.
//! The image is generated once under the target directory (deterministic
//! PRNG), so runs compare like with like.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use firmsight::model::{ElfClass, Endian};
use firmsight::samples::{ElfSpec, machine};
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

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let image = dir.join("bench-mixed-200mb.tar.gz");
    if !image.exists() {
        eprintln!("generating {} …", image.display());
        generate(&image)?;
    }
    let input = image.metadata()?.len();
    println!(
        "image: {} ({:.1} MB compressed)",
        image.display(),
        input as f64 / 1e6
    );
    println!("| threads | best of {RUNS} | MB/s of image | MB/s unpacked | artifacts |");
    println!("|---|---|---|---|---|");
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        let mut best = f64::MAX;
        let mut artifacts = 0;
        let mut unpacked = 0;
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
            assert_eq!(result.stats.errors, 0);
        }
        println!(
            "| {threads} | {best:.2} s | {:.0} | {:.0} | {artifacts} |",
            input as f64 / 1e6 / best,
            unpacked as f64 / 1e6 / best,
        );
    }
    println!("peak RSS: {} MiB", peak_rss_mib());
    Ok(())
}
