//! What the benchmarks share: a deterministic generator of mixed file
//! content (text, random, ELF, sparse) and the peak RSS of this process.

#![allow(dead_code)]

use firmsight::model::{ElfClass, Endian};
use firmsight::samples::{ElfSpec, RootfsEntry, machine};

/// xorshift64*: deterministic, fast, good enough for test data.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let v = self.next().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}

pub const WORDS: &[&str] = &[
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

pub fn file_content(rng: &mut Rng, index: u64) -> (String, Vec<u8>) {
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

/// Peak resident memory of this process, in MiB: `VmHWM` of its own
/// address space. (`getrusage`'s `ru_maxrss` would do, but Linux carries it
/// across `execve` from the parent that forked us, so a case run as a child
/// of a big generator would report the generator's peak.)
pub fn peak_rss_mib() -> i64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<i64>().ok())
        .map_or(-1, |kb| kb / 1024)
}

/// Files of the mixed generator until `budget` bytes of content.
pub fn mixed_files(seed: u64, budget: usize) -> Vec<(String, Vec<u8>)> {
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

pub fn rootfs_entries(files: &[(String, Vec<u8>)]) -> Vec<RootfsEntry> {
    files
        .iter()
        .map(|(name, data)| {
            RootfsEntry::File(Box::leak(name.clone().into_boxed_str()), data.clone())
        })
        .collect()
}
