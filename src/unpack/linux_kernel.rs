//! Linux kernel images: x86 `bzImage`, ARM `zImage` (either byte order,
//! including BE32 images stored word-swapped) and ARM64 `Image`.
//!
//! - bzImage (Linux `Documentation/arch/x86/boot.rst`): boot flag `55 AA`
//!   at 0x1FE, `HdrS` at 0x202; `setup_sects` at 0x1F1 (0 means 4),
//!   `syssize` (16-byte units) at 0x1F4, the version string's offset (+0x200)
//!   at 0x20E, `payload_offset` (from the protected-mode code at
//!   `(setup_sects + 1) × 512`) and `payload_length` at 0x248/0x24C.
//! - zImage (`arch/arm/boot/compressed/head.S`): magic `0x016F2818` at 0x24,
//!   start and end at 0x28/0x2C (domain.md §1.4). The compressed kernel sits
//!   after the decompressor stub; it is found by the first stream magic that
//!   its format accepts. BE32 kernels store every 32-bit word byte-swapped,
//!   so a second search runs on a word-swapped copy.
//! - arm64 Image: `ARM\x64` at 0x38, uncompressed.
//! - MIPS compressed kernel (`vmlinuz`, `arch/mips/boot/compressed`): a
//!   static MIPS executable, the decompressor, whose linker script puts the
//!   compressed kernel (`.image`, between `__image_begin` and
//!   `__image_end`) into `.data` after the decompressor's own data. It is
//!   the first payload in `.data` that decodes.
//!
//! The output is the decompressed kernel (`vmlinux`), decoded lazily by the
//! payload's own codec; the `Linux version` banner inside it is recorded by
//! identification.

use std::io::Read;

use crate::model::EntryKind;
use crate::unpack::blob::{Blob, Bytes, Codec};
use crate::unpack::{Context, Entry, Extraction, Format, FormatError, Magic};
use crate::unpack::{bzip2, gzip, lz4, lzma, lzop, xz, zstd};

const ZIMAGE_MAGIC: u32 = 0x016f_2818;
const ARM64_MAGIC: &[u8; 4] = b"ARM\x64";
/// How far into a zImage the compressed payload is looked for.
const MAX_STUB: usize = 64 << 10;
/// Bytes a payload candidate must decode to be taken.
const PROBE_DECODE: u64 = 4 << 10;

/// The Linux kernel image format.
pub struct LinuxKernel;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    BzImage,
    ZImage { big_endian: bool },
    Arm64,
    MipsZboot { data: usize },
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn kind(data: &[u8]) -> Option<Kind> {
    if data.get(0x1fe..0x200) == Some(&[0x55, 0xaa]) && data.get(0x202..0x206) == Some(b"HdrS") {
        return Some(Kind::BzImage);
    }
    match le32(data, 0x24)? {
        ZIMAGE_MAGIC => return Some(Kind::ZImage { big_endian: false }),
        m if m.swap_bytes() == ZIMAGE_MAGIC => return Some(Kind::ZImage { big_endian: true }),
        _ => {}
    }
    if data.get(0x38..0x3c) == Some(&ARM64_MAGIC[..]) {
        return Some(Kind::Arm64);
    }
    mips_zboot_data(data).map(|data| Kind::MipsZboot { data })
}

/// Whether `data` is a MIPS compressed kernel: an ELF that identification
/// leaves to the walker, which decodes the kernel inside.
pub fn is_mips_zboot(data: &[u8]) -> bool {
    mips_zboot_data(data).is_some()
}

/// Where the payload of a MIPS compressed kernel starts: a static MIPS
/// executable with a compressed stream that decodes near the start of its
/// `.data`.
fn mips_zboot_data(data: &[u8]) -> Option<usize> {
    const EM_MIPS: u16 = 8;
    const ET_EXEC: u16 = 2;
    if !data.starts_with(b"\x7fELF") {
        return None;
    }
    let big_endian = *data.get(5)? == 2;
    let half = |at: usize| crate::unpack::elf::uint(data, at, 2, big_endian).map(|v| v as u16);
    // Cheap header checks first: most ELF files stop here. The
    // decompressor runs in the kernel's segment (KSEG0/KSEG1, or an
    // address with the top bit set on 64-bit), user programs far below.
    if half(0x12)? != EM_MIPS || half(0x10)? != ET_EXEC {
        return None;
    }
    let in_kernel_segment = if data.get(4)? == &2 {
        crate::unpack::elf::uint(data, 0x18, 8, big_endian)? >= 1 << 63
    } else {
        (0x8000_0000..0xc000_0000).contains(&crate::unpack::elf::uint(data, 0x18, 4, big_endian)?)
    };
    if !in_kernel_segment {
        return None;
    }
    let elf = goblin::elf::Elf::parse(data).ok()?;
    if elf.interpreter.is_some() || elf.dynamic.is_some() {
        return None;
    }
    let section = elf
        .section_headers
        .iter()
        .find(|s| elf.shdr_strtab.get_at(s.sh_name) == Some(".data"))?;
    let start = usize::try_from(section.sh_offset).ok()?;
    let size = usize::try_from(section.sh_size).ok()?;
    let section = data.get(start..start.checked_add(size)?)?;
    find_payload(section, 0).map(|(at, _)| start + at)
}

/// The codec of a compressed kernel payload, by its magic, if the
/// format accepts it.
fn payload_codec(payload: &[u8]) -> Option<Codec> {
    let candidates: [(&dyn Format, Codec); 7] = [
        (&gzip::Gzip, gzip::CODEC),
        (&xz::Xz, xz::CODEC),
        (&bzip2::Bzip2, bzip2::CODEC),
        (&zstd::Zstd, zstd::CODEC),
        (&lzop::Lzop, lzop::CODEC),
        (
            &lz4::Lz4,
            if payload.starts_with(&[0x02, 0x21, 0x4c, 0x18]) {
                lz4::LEGACY
            } else {
                lz4::FRAME
            },
        ),
        (&lzma::Lzma, lzma::CODEC),
    ];
    candidates
        .into_iter()
        .find(|(format, _)| format.probe(payload))
        .map(|(_, codec)| codec)
}

/// Candidates whose magic passes that are decoded to be checked, at most:
/// a real stub holds a few; a bzip2 candidate may undo a whole 900k block
/// (up to 45 MB of zeros) to give its first bytes, and 1,310 of them in a
/// 64 KB image took 2.8 s.
const MAX_PROBE_DECODES: usize = 16;

/// The first offset after `from` where a compressed payload starts.
fn find_payload(data: &[u8], from: usize) -> Option<(usize, Codec)> {
    let end = data.len().min(from + MAX_STUB);
    let mut tries = 0;
    (from..end).find_map(|at| {
        let rest = &data[at..];
        // Cheap first-byte filter before asking the formats.
        if !matches!(
            rest[0],
            0x1f | 0xfd | b'B' | 0x28 | 0x89 | 0x02 | 0x04 | 0x5d | 0x6d
        ) || tries >= MAX_PROBE_DECODES
        {
            return None;
        }
        let codec = payload_codec(rest)?;
        tries += 1;
        decodes(codec, rest).then_some((at, codec))
    })
}

/// Whether `codec` decodes the start of `payload`: a decompressor stub
/// holds bytes that pass a magic check (an LZMA header is a few bytes, and
/// the xz decoder compares the xz magic), so a candidate is taken only
/// when [`PROBE_DECODE`] bytes, or a whole stream, decode without error,
/// and not to zeros alone (liblzma decodes a run of zero bytes).
fn decodes(codec: Codec, payload: &[u8]) -> bool {
    let want = PROBE_DECODE as usize;
    let out = if codec.name == lzma::CODEC.name {
        // LZMA-alone has no end a truncated prefix could be told from.
        lzma::decode_prefix(payload, want)
            .ok()
            .filter(|out| out.len() == want)
    } else {
        let mut out = Vec::new();
        (codec.open)(payload)
            .and_then(|reader| reader.take(PROBE_DECODE).read_to_end(&mut out))
            .ok()
            .map(|_| out)
    };
    out.is_some_and(|out| out.iter().any(|&b| b != 0))
}

fn word_swapped(data: &[u8]) -> Vec<u8> {
    let mut out = data.to_vec();
    for word in out.chunks_exact_mut(4) {
        word.reverse();
    }
    out
}

impl Format for LinuxKernel {
    fn id(&self) -> &'static str {
        "linux-kernel"
    }

    fn magic(&self) -> &'static [Magic] {
        const MAGICS: &[Magic] = &[
            Magic {
                offset: 0x24,
                bytes: &ZIMAGE_MAGIC.to_le_bytes(),
            },
            Magic {
                offset: 0x24,
                bytes: &ZIMAGE_MAGIC.to_be_bytes(),
            },
            Magic {
                offset: 0x202,
                bytes: b"HdrS",
            },
        ];
        MAGICS
    }

    fn probe(&self, data: &[u8]) -> bool {
        kind(data).is_some()
    }

    fn extent(&self, data: &[u8]) -> Option<u64> {
        match kind(data)? {
            Kind::BzImage => {
                let setup = u64::from(*data.get(0x1f1)?).max(4);
                Some((setup + 1) * 512 + u64::from(le32(data, 0x1f4)?) * 16)
            }
            Kind::ZImage { big_endian } => {
                let end = le32(data, 0x2c)?;
                let end = if big_endian { end.swap_bytes() } else { end };
                // The end field is unreliable on some builds; only a
                // plausible one is an extent.
                (end as usize > 0x30 && end as usize <= data.len()).then_some(u64::from(end))
            }
            Kind::Arm64 => None,
            Kind::MipsZboot { .. } => crate::unpack::elf::extent(data),
        }
    }

    fn extract(&self, data: &Bytes, _cx: &Context<'_>) -> Result<Extraction, FormatError> {
        let kind = kind(data).ok_or_else(|| FormatError::malformed("no kernel header"))?;
        let mut extraction = Extraction::default();
        let (payload, codec, note) = match kind {
            Kind::BzImage => {
                let setup = usize::from(data[0x1f1]).max(4);
                let version_at = le32(data, 0x20c).map(|w| (w >> 16) as usize + 0x200);
                let version = version_at
                    .and_then(|at| data.get(at..))
                    .map(|s| &s[..s.iter().take(256).position(|&b| b == 0).unwrap_or(0)])
                    .map(|s| String::from_utf8_lossy(s).into_owned())
                    .unwrap_or_default();
                let offset = le32(data, 0x248)
                    .ok_or_else(|| FormatError::truncated("bzImage header"))?
                    as u64;
                let length = le32(data, 0x24c)
                    .ok_or_else(|| FormatError::truncated("bzImage header"))?
                    as u64;
                let start = (setup as u64 + 1) * 512 + offset;
                let payload = data
                    .slice_at(start, length)
                    .ok_or_else(|| FormatError::truncated("bzImage payload"))?;
                let codec = payload_codec(&payload);
                (
                    payload,
                    codec,
                    format!("x86 bzImage, setup version `{version}`"),
                )
            }
            Kind::ZImage { big_endian } => {
                let plain = find_payload(data, 0x30)
                    .map(|(at, codec)| (data.slice(at..data.len()), codec, false));
                let found = plain.or_else(|| {
                    let swapped = Bytes::from_vec(word_swapped(data));
                    find_payload(&swapped, 0x30)
                        .map(|(at, codec)| (swapped.slice(at..swapped.len()), codec, true))
                });
                let order = if big_endian {
                    "big-endian"
                } else {
                    "little-endian"
                };
                match found {
                    Some((Some(payload), codec, swapped)) => {
                        let layout = if swapped {
                            " (payload word-swapped, BE32)"
                        } else {
                            ""
                        };
                        (payload, Some(codec), format!("ARM zImage, {order}{layout}"))
                    }
                    _ => {
                        extraction
                            .notes
                            .push(format!("ARM zImage, {order}: no compressed payload found"));
                        return Ok(extraction);
                    }
                }
            }
            Kind::Arm64 => {
                extraction.notes.push("arm64 Image (uncompressed)".into());
                return Ok(extraction);
            }
            Kind::MipsZboot { data: at } => {
                let payload = data
                    .slice(at..data.len())
                    .ok_or_else(|| FormatError::truncated("MIPS kernel payload"))?;
                let codec = payload_codec(&payload);
                (
                    payload,
                    codec,
                    format!("MIPS compressed kernel, payload at 0x{at:x} in .data"),
                )
            }
        };
        extraction.notes.push(format!(
            "{note}, payload {}",
            codec.map_or("not recognised", |c| c.name)
        ));
        let mut entry = Entry::new("vmlinux".into(), EntryKind::File);
        entry.path = None;
        entry.blob = Some(match codec {
            Some(codec) => Blob::Decode {
                codec,
                input: payload,
            },
            None => Blob::Bytes(payload),
        });
        extraction.entries.push(entry);
        Ok(extraction)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples;

    /// A minimal zImage: stub words, the magic, start/end, then a gzip'd
    /// kernel.
    fn zimage(kernel: &[u8], big_endian: bool) -> Vec<u8> {
        zimage_with_stub(&[0xe1, 0xa0, 0x00, 0x00].repeat(16), kernel, big_endian)
    }

    fn zimage_with_stub(stub: &[u8], kernel: &[u8], big_endian: bool) -> Vec<u8> {
        let mut out = vec![0u8; 0x30];
        out[0x24..0x28].copy_from_slice(&ZIMAGE_MAGIC.to_le_bytes());
        out.extend(stub);
        out.extend(samples::gzip(kernel));
        while !out.len().is_multiple_of(4) {
            out.push(0);
        }
        let end = out.len() as u32;
        out[0x2c..0x30].copy_from_slice(&end.to_le_bytes());
        if big_endian { word_swapped(&out) } else { out }
    }

    #[test]
    fn at_most_sixteen_candidates_are_decoded_while_looking_for_the_payload() {
        let kernel = b"Linux version 4.9.37 (builder@host) (gcc version 6.3.0) #1 SMP".repeat(10);
        // A stream of zeros passes gzip's probe but is not taken as the
        // payload once decoded: each one costs a try. (The byte after it
        // ends the stream: the next would be read as its second member.)
        let mut zeros = samples::gzip(&[0u8; 64]);
        zeros.push(0);
        let stub = |bad: usize| {
            let mut out = zeros.repeat(bad);
            out.extend(samples::gzip(&kernel));
            out
        };
        // Fifteen decoys, then the payload: found.
        let found = find_payload(&stub(MAX_PROBE_DECODES - 1), 0);
        assert_eq!(
            found.map(|(at, codec)| (at, codec.name)),
            Some((zeros.len() * (MAX_PROBE_DECODES - 1), gzip::CODEC.name))
        );
        // Sixteen decoys use up the tries: the payload after them is not
        // decoded (each try may undo a whole bzip2 block).
        assert!(find_payload(&stub(MAX_PROBE_DECODES), 0).is_none());
    }

    #[test]
    fn zimage_payloads_in_both_byte_orders() {
        let kernel = b"Linux version 4.9.37 (builder@host) (gcc version 6.3.0) #1 SMP".repeat(10);
        for big_endian in [false, true] {
            let image = zimage(&kernel, big_endian);
            assert!(LinuxKernel.probe(&image));
            let ex = LinuxKernel
                .extract(&Bytes::from_vec(image), &Context::named("zImage"))
                .expect("extract");
            assert!(ex.notes[0].contains("payload gzip"), "{:?}", ex.notes);
            let vmlinux = ex.entries[0]
                .blob
                .as_ref()
                .and_then(|b| b.read_prefix(u64::MAX))
                .expect("decodes");
            assert_eq!(vmlinux, kernel);
        }
    }

    #[test]
    fn stub_bytes_that_look_like_an_lzma_header_are_skipped() {
        // Bytes of Debian's armmp zImage (6.1.176, offset 0x118): at
        // 0x121, `02 | 00 00 00 20 | 53 00 …` passes LZMA's header check
        // (properties 2, a 512 MiB dictionary) but does not decode. The
        // payload is the first candidate that decodes.
        let stub = [
            0x00, 0x18, 0x00, 0x00, 0x00, 0x20, 0x53, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x20,
            0x53, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x40, 0x00, 0x00, 0xc0,
        ];
        assert!(
            lzma::Lzma.probe(&stub[9..]),
            "the stub bytes pass the header check"
        );
        let kernel =
            b"Linux version 6.1.0-50-armmp (debian-kernel@lists.debian.org) #1 SMP".repeat(10);
        let ex = LinuxKernel
            .extract(
                &Bytes::from_vec(zimage_with_stub(&stub, &kernel, false)),
                &Context::named("zImage"),
            )
            .expect("extract");
        assert!(ex.notes[0].contains("payload gzip"), "{:?}", ex.notes);
        let vmlinux = ex.entries[0]
            .blob
            .as_ref()
            .and_then(|b| b.read_prefix(u64::MAX));
        assert_eq!(vmlinux.as_deref(), Some(&kernel[..]));
    }

    /// A minimal MIPS ELF32 (`e_type`, `e_machine` given) whose `.data`
    /// holds some of the decompressor's own words, then `payload`.
    fn mips_elf(payload: &[u8], big_endian: bool, elf_type: u16, machine: u16) -> Vec<u8> {
        mips_elf_at(0x810f_0000, payload, big_endian, elf_type, machine)
    }

    /// [`mips_elf`] with entry point `entry`.
    fn mips_elf_at(
        entry: u32,
        payload: &[u8],
        big_endian: bool,
        elf_type: u16,
        machine: u16,
    ) -> Vec<u8> {
        let u16b = |v: u16| {
            if big_endian {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let u32b = |v: u32| {
            if big_endian {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let mut data = [0x3c, 0x1c, 0x81, 0x10].repeat(4);
        data.extend(payload);
        let shstrtab = b"\0.data\0.shstrtab\0";
        let data_at = 0x40u32;
        let strtab_at = data_at + data.len() as u32;
        let shoff = (strtab_at + shstrtab.len() as u32).next_multiple_of(4);
        let mut out = b"\x7fELF\x01".to_vec();
        out.extend([if big_endian { 2 } else { 1 }, 1]);
        out.resize(16, 0);
        out.extend(u16b(elf_type));
        out.extend(u16b(machine));
        out.extend(u32b(1)); // e_version
        out.extend(u32b(entry));
        out.extend(u32b(0)); // e_phoff
        out.extend(u32b(shoff));
        out.extend(u32b(0)); // e_flags
        for half in [52, 32, 0, 40, 3, 2] {
            out.extend(u16b(half));
        }
        out.resize(data_at as usize, 0);
        out.extend(&data);
        out.extend(shstrtab);
        out.resize(shoff as usize, 0);
        out.extend([0u8; 40]);
        for (name, kind, flags, at, len) in [
            (1, 1, 3, data_at, data.len() as u32),
            (7, 3, 0, strtab_at, shstrtab.len() as u32),
        ] {
            for word in [name, kind, flags, 0, at, len, 0, 0, 1, 0] {
                out.extend(u32b(word));
            }
        }
        out
    }

    #[test]
    fn mips_compressed_kernels_in_both_byte_orders() {
        const EM_MIPS: u16 = 8;
        let kernel =
            b"Linux version 6.1.0-50-4kc-malta (debian-kernel@lists.debian.org) #1 SMP".repeat(8);
        for big_endian in [false, true] {
            let vmlinuz = mips_elf(&samples::xz(&kernel), big_endian, 2, EM_MIPS);
            assert!(LinuxKernel.probe(&vmlinuz) && is_mips_zboot(&vmlinuz));
            assert_eq!(LinuxKernel.extent(&vmlinuz), Some(vmlinuz.len() as u64));
            let ex = LinuxKernel
                .extract(&Bytes::from_vec(vmlinuz), &Context::named("vmlinuz"))
                .expect("extract");
            assert!(ex.notes[0].contains("payload xz"), "{:?}", ex.notes);
            let vmlinux = ex.entries[0]
                .blob
                .as_ref()
                .and_then(|b| b.read_prefix(u64::MAX));
            assert_eq!(vmlinux.as_deref(), Some(&kernel[..]));
        }
        // Decoys: a shared object, another machine, a user program (entry
        // in user space), no stream in `.data`, and data words that pass
        // LZMA's header check and decode to zeros.
        let payload = samples::xz(&kernel);
        let mut zeros = [4u8, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0].to_vec();
        zeros.resize(16 << 10, 0);
        assert!(lzma::Lzma.probe(&zeros));
        for decoy in [
            mips_elf(&payload, false, 3, EM_MIPS),
            mips_elf(&payload, false, 2, 40),
            mips_elf_at(0x0040_0000, &payload, false, 2, EM_MIPS),
            mips_elf(
                b"no compressed kernel here, only the program's data",
                false,
                2,
                EM_MIPS,
            ),
            mips_elf(&zeros, false, 2, EM_MIPS),
        ] {
            assert!(!LinuxKernel.probe(&decoy));
        }
    }

    #[test]
    fn bzimage_payload_from_the_setup_header() {
        let kernel = b"\x7fELF vmlinux".repeat(50);
        let payload = samples::xz(&kernel);
        let mut image = vec![0u8; 5 * 512];
        image[0x1f1] = 4;
        image[0x1fe] = 0x55;
        image[0x1ff] = 0xaa;
        image[0x202..0x206].copy_from_slice(b"HdrS");
        image[0x248..0x24c].copy_from_slice(&16u32.to_le_bytes());
        image[0x24c..0x250].copy_from_slice(&(payload.len() as u32).to_le_bytes());
        image.extend([0u8; 16]);
        image.extend(&payload);
        image.extend(1000u32.to_le_bytes());
        let ex = LinuxKernel
            .extract(&Bytes::from_vec(image), &Context::named("bzImage"))
            .expect("extract");
        assert!(ex.notes[0].contains("payload xz"), "{:?}", ex.notes);
        assert_eq!(
            ex.entries[0]
                .blob
                .as_ref()
                .and_then(|b| b.read_prefix(u64::MAX)),
            Some(kernel)
        );
    }

    #[test]
    fn decoys_are_rejected() {
        assert!(!LinuxKernel.probe(&[0u8; 1024]));
        let mut stub = vec![0u8; 0x30];
        stub.extend(b"\x1f\x8b\x08 not really gzip");
        assert!(!LinuxKernel.probe(&stub));
    }
}
