//! Hichip / Goke GK7205 "V9X" `.pkg` update packages (domain.md §1.1,
//! source X3: the `v9x-firmware-repacker` documentation and script).
//!
//! A 0x200-byte header, then the parts back to back. Header, u32 LE: 0
//! magic (no fixed value is documented), 4 type, then the lengths of boot
//! (8), bootargs (12), kernel (16), rootfs (20), ipc (24) and the update
//! zip (28); 32 a file name; the parts' salted MD5s as ASCII hex at 72,
//! 112, 152, 192, 232 and 272, each `MD5(part ‖ "IPCAM")`. No magic, so the
//! header is recognised by its lengths adding up to the file and an MD5
//! field of hex digits for every part.
//!
//! The kernel is stored plain. The zip is stored scrambled: one 0x400-byte
//! chunk in sixteen is AES-128-ECB-encrypted (each full 16-byte block:
//! plain = AES_dec(block) ^ 0x3F), the three keys taken in turn, and its
//! `PK` signatures are altered (`PK 03 07`, `PK 01 08`, `PK 05 09` for
//! `PK 03 04`, `PK 01 02`, `PK 05 06`). X3's table and its script disagree
//! on which chunk comes first (15 or 1), so both are tried and the one whose
//! salted MD5 matches the header wins; without a match the script's choice
//! is kept and the mismatch reported.

use aes::Aes128;
use aes::cipher::{BlockCipherDecrypt, KeyInit};
use md5::{Digest, Md5};

use crate::model::EntryKind;
use crate::unpack::blob::{Blob, Bytes};
use crate::unpack::{Context, Entry, Extraction, Format, FormatError};

const HEADER: usize = 0x200;
/// Part names, in header and file order.
const PARTS: [&str; 6] = [
    "boot.bin",
    "bootargs",
    "kernel.img",
    "rootfs",
    "ipc",
    "upgrade.zip",
];
/// Offset of the first length field.
const LENGTHS_AT: usize = 8;
/// Offset of the first salted MD5 (ASCII hex); one every 40 bytes.
const MD5_AT: usize = 72;
const MD5_STRIDE: usize = 40;
const SALT: &[u8] = b"IPCAM";
const CHUNK: usize = 0x400;
/// One chunk in this many is encrypted.
const PERIOD: usize = 16;
/// The first encrypted chunk: X3's script (1) and X3's table (15).
const FIRST_ENCRYPTED: [usize; 2] = [1, 15];
const KEYS: [&[u8; 16]; 3] = [
    b"@Hichip+1208/pkg",
    b"$Hichip-1208%aes",
    b"#Hichip*1208=key",
];
const XOR: u8 = 0x3f;
/// Altered zip signatures and the real ones.
const SIGNATURES: [([u8; 4], [u8; 4]); 3] = [
    (*b"PK\x03\x07", *b"PK\x03\x04"),
    (*b"PK\x01\x08", *b"PK\x01\x02"),
    (*b"PK\x05\x09", *b"PK\x05\x06"),
];

/// The Hichip V9X package format.
pub struct HichipPkg;

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// One part: its name, byte range and the salted MD5 the header gives.
struct Part {
    name: &'static str,
    range: std::ops::Range<usize>,
    md5: [u8; 32],
}

/// The parts, if `data` is a V9X package.
fn parts(data: &[u8]) -> Option<Vec<Part>> {
    if data.len() <= HEADER {
        return None;
    }
    let mut out = Vec::new();
    let mut at = HEADER;
    for (i, name) in PARTS.iter().enumerate() {
        let len = le32(data, LENGTHS_AT + 4 * i)? as usize;
        if len == 0 {
            continue;
        }
        let md5_at = MD5_AT + MD5_STRIDE * i;
        let md5: [u8; 32] = data.get(md5_at..md5_at + 32)?.try_into().ok()?;
        if !md5.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        let end = at.checked_add(len)?;
        out.push(Part {
            name,
            range: at..end,
            md5,
        });
        at = end;
    }
    // The lengths must account for the whole file (erased-flash padding
    // aside): that, and an MD5 per part, is what tells this header from
    // random bytes.
    let rest = data.get(at..)?;
    (!out.is_empty() && crate::unpack::carve::is_padding(rest)).then_some(out)
}

/// `MD5(data ‖ "IPCAM")` in lower-case hex.
fn salted_md5(data: &[u8]) -> String {
    crate::model::hex(&Md5::new().chain_update(data).chain_update(SALT).finalize())
}

fn md5_matches(data: &[u8], expected: &[u8; 32]) -> bool {
    salted_md5(data).as_bytes().eq_ignore_ascii_case(expected)
}

/// Whether chunk `index` is encrypted when the first encrypted one is
/// `first`.
fn is_encrypted(index: usize, first: usize) -> bool {
    index >= first && (index - first).is_multiple_of(PERIOD)
}

/// Call `each` on every encrypted 16-byte block of `zip`, with the key of
/// its chunk (the keys taken in turn, one per encrypted chunk). Only whole
/// blocks are encrypted; a short tail stays as stored.
fn for_each_encrypted_block(
    zip: &mut [u8],
    first: usize,
    mut each: impl FnMut(&Aes128, &mut [u8; 16]),
) {
    let ciphers: Vec<Aes128> = KEYS.iter().map(|k| Aes128::new((*k).into())).collect();
    let chunks = zip
        .chunks_mut(CHUNK)
        .enumerate()
        .filter(|(index, _)| is_encrypted(*index, first))
        .map(|(_, chunk)| chunk);
    for (chunk, cipher) in chunks.zip(ciphers.iter().cycle()) {
        for block in chunk.chunks_exact_mut(16) {
            each(cipher, block.try_into().expect("16-byte block"));
        }
    }
}

/// Undo the zip's scrambling, with the encrypted chunks starting at
/// `first`.
fn unscramble(stored: &[u8], first: usize) -> Vec<u8> {
    let mut out = stored.to_vec();
    for_each_encrypted_block(&mut out, first, |cipher, block| {
        cipher.decrypt_block(block.into());
        block.iter_mut().for_each(|b| *b ^= XOR);
    });
    // Restoring changes only the fourth byte, so no "PK" is made or lost
    // and the search can go on in place.
    let finder = memchr::memmem::Finder::new(b"PK");
    let mut from = 0;
    while let Some(found) = finder.find(&out[from..]) {
        let at = from + found;
        if let Some(window) = out.get_mut(at..at + 4)
            && let Some((_, real)) = SIGNATURES.iter().find(|(altered, _)| altered == window)
        {
            window.copy_from_slice(real);
        }
        from = at + 2;
    }
    out
}

impl Format for HichipPkg {
    fn id(&self) -> &'static str {
        "hichip-pkg"
    }

    fn probe(&self, data: &[u8]) -> bool {
        parts(data).is_some()
    }

    fn extent(&self, data: &[u8]) -> Option<u64> {
        parts(data)?.last().map(|p| p.range.end as u64)
    }

    fn extract(&self, data: &Bytes, _cx: &Context<'_>) -> Result<Extraction, FormatError> {
        let parts = parts(data).ok_or_else(|| FormatError::malformed("not a V9X package"))?;
        let mut extraction = Extraction::default();
        let name = &data[32..72];
        let name = String::from_utf8_lossy(name.split(|&b| b == 0).next().unwrap_or_default());
        extraction.notes.push(format!(
            "hichip v9x package `{}`, type {}",
            name.trim(),
            le32(data, 4).unwrap_or(0)
        ));
        for part in parts {
            let mut entry = Entry::new(part.name.to_string(), EntryKind::File);
            let stored = &data[part.range.clone()];
            if part.name == "upgrade.zip" {
                // The script's schedule first; the table's only when that
                // one does not verify (and only then are two copies held).
                let first = unscramble(stored, FIRST_ENCRYPTED[0]);
                let decoded = if md5_matches(&first, &part.md5) {
                    Ok(first)
                } else {
                    FIRST_ENCRYPTED[1..]
                        .iter()
                        .map(|&at| unscramble(stored, at))
                        .find(|plain| md5_matches(plain, &part.md5))
                        .ok_or(first)
                };
                let plain = match decoded {
                    Ok(plain) => {
                        entry
                            .notes
                            .push("decrypted (AES-128-ECB, V9X keys); salted MD5 verified".into());
                        plain
                    }
                    Err(first) => {
                        entry.notes.push(
                            "decrypted (AES-128-ECB, V9X keys) but the salted MD5 does not match: contents may be wrong".into(),
                        );
                        first
                    }
                };
                entry.blob = Some(Blob::Bytes(Bytes::from_vec(plain)));
            } else {
                if !md5_matches(stored, &part.md5) {
                    entry.notes.push("salted MD5 mismatch".into());
                }
                entry.blob = data
                    .slice_at(part.range.start as u64, stored.len() as u64)
                    .map(Blob::Bytes);
            }
            extraction.entries.push(entry);
        }
        Ok(extraction)
    }
}

/// Build a V9X package (for tests): a plain kernel and `zip` scrambled as
/// the vendor does, with the encrypted chunks starting at `first`.
pub fn build(kernel: &[u8], zip: &[u8], first: usize) -> Vec<u8> {
    use aes::cipher::BlockCipherEncrypt;
    assert!(
        u32::try_from(kernel.len()).is_ok() && u32::try_from(zip.len()).is_ok(),
        "V9X parts are at most 4 GiB"
    );
    let mut header = vec![0u8; HEADER];
    header[..4].copy_from_slice(&0x3939_5856u32.to_le_bytes());
    header[4..8].copy_from_slice(&1u32.to_le_bytes());
    header[32..46].copy_from_slice(b"V9X-test.pkg\0\0");
    let mut stored = zip.to_vec();
    for (real, altered) in SIGNATURES.iter().map(|(a, r)| (r, a)) {
        let mut at = 0;
        while let Some(found) = memchr::memmem::find(&stored[at..], real) {
            stored[at + found..at + found + 4].copy_from_slice(altered);
            at += found + 4;
        }
    }
    for_each_encrypted_block(&mut stored, first, |cipher, block| {
        block.iter_mut().for_each(|b| *b ^= XOR);
        cipher.encrypt_block(block.into());
    });
    for (i, (len, md5)) in [
        (kernel.len(), salted_md5(kernel)),
        (stored.len(), salted_md5(zip)),
    ]
    .into_iter()
    .enumerate()
    {
        // kernel is part 2, the zip part 5.
        let part = [2, 5][i];
        let at = LENGTHS_AT + 4 * part;
        header[at..at + 4].copy_from_slice(&(len as u32).to_le_bytes());
        let at = MD5_AT + MD5_STRIDE * part;
        header[at..at + 32].copy_from_slice(md5.as_bytes());
    }
    let mut out = header;
    out.extend(kernel);
    out.extend(stored);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip_bytes() -> Vec<u8> {
        // Enough to span several 0x400-byte chunks, with real signatures in
        // chunks of both schedules (1 and 15), and an encrypted chunk at
        // the end whose length is not a multiple of 16.
        let mut zip = b"PK\x03\x04".to_vec();
        zip.extend((0..40_000u32).map(|i| (i * 7 % 251) as u8));
        zip[CHUNK + 100..CHUNK + 104].copy_from_slice(b"PK\x01\x02");
        zip[15 * CHUNK + 7..15 * CHUNK + 11].copy_from_slice(b"PK\x03\x04");
        zip.extend(b"PK\x01\x02central");
        zip.extend(b"PK\x05\x06end");
        zip.resize(33 * CHUNK + 21, 0x5a);
        zip
    }

    #[test]
    fn either_chunk_schedule_decodes_and_verifies() {
        let zip = zip_bytes();
        for first in FIRST_ENCRYPTED {
            let pkg = build(b"kernel image", &zip, first);
            assert!(HichipPkg.probe(&pkg));
            assert_eq!(HichipPkg.extent(&pkg), Some(pkg.len() as u64));
            let ex = HichipPkg
                .extract(&Bytes::from_vec(pkg), &Context::named("fw.pkg"))
                .expect("extract");
            let names: Vec<_> = ex.entries.iter().map(|e| e.name.as_str()).collect();
            assert_eq!(names, ["kernel.img", "upgrade.zip"]);
            let Some(Blob::Bytes(decoded)) = &ex.entries[1].blob else {
                panic!("no zip bytes");
            };
            assert_eq!(&decoded[..], &zip[..], "first encrypted chunk {first}");
            assert!(ex.entries[1].notes[0].contains("verified"));
            assert!(ex.entries[0].notes.is_empty(), "{:?}", ex.entries[0].notes);
        }
    }

    #[test]
    fn a_wrong_md5_is_reported_and_other_data_is_not_a_package() {
        let mut pkg = build(b"kernel image", &zip_bytes(), 1);
        let digit = &mut pkg[MD5_AT + MD5_STRIDE * 5];
        *digit = if *digit == b'0' { b'1' } else { b'0' };
        let ex = HichipPkg
            .extract(&Bytes::from_vec(pkg.clone()), &Context::named("fw.pkg"))
            .expect("extract");
        assert!(ex.entries[1].notes[0].contains("does not match"));
        // Erased-flash padding after the parts is fine; other bytes are not.
        let mut padded = pkg.clone();
        padded.extend([0xff; 300]);
        assert!(HichipPkg.probe(&padded));
        assert_eq!(HichipPkg.extent(&padded), Some(pkg.len() as u64));
        // Lengths that do not add up, a non-hex MD5, too short: not V9X.
        let mut longer = pkg.clone();
        longer.extend(b"trailing");
        assert!(!HichipPkg.probe(&longer));
        let mut not_hex = pkg.clone();
        not_hex[MD5_AT + MD5_STRIDE * 2] = b'z';
        assert!(!HichipPkg.probe(&not_hex));
        assert!(!HichipPkg.probe(&pkg[..HEADER]));
        assert!(!HichipPkg.probe(&[0u8; 4096]));
        assert!(!HichipPkg.probe(&[0xffu8; 4096]));
    }
}
