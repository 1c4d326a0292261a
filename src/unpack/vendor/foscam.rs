//! Foscam (and other OpenSSL-`enc`) encrypted images: `Salted__`, an 8-byte
//! salt, then AES-128-CBC data (domain.md §1.1). The key and IV come from
//! OpenSSL's `EVP_BytesToKey` with MD5 and one round: key = MD5(password ‖
//! salt), IV = MD5(key ‖ password ‖ salt). The passphrases Foscam is known
//! to use are tried; the right one gives valid padding and a gzip stream.
//! An image no known passphrase opens is reported as encrypted.

use aes::Aes128;
use aes::cipher::{BlockCipherDecrypt, KeyInit};
use md5::{Digest, Md5};

use crate::model::EntryKind;
use crate::unpack::blob::{Blob, Bytes};
use crate::unpack::{Context, Entry, Extraction, Format, FormatError, Magic};

const MAGIC: &[u8; 8] = b"Salted__";
/// Passphrases published for Foscam firmware (domain.md §1.1, M1).
const PASSPHRASES: &[&str] = &[
    "Wxift*v2",
    "WWyift*v2",
    "Weift*v2",
    "WWzift*v4",
    "WWjift*v2",
];

/// The Foscam / OpenSSL-salted format.
pub struct FoscamSalted;

fn key_iv(password: &[u8], salt: &[u8]) -> ([u8; 16], [u8; 16]) {
    let key: [u8; 16] = Md5::new()
        .chain_update(password)
        .chain_update(salt)
        .finalize()
        .into();
    let iv: [u8; 16] = Md5::new()
        .chain_update(key)
        .chain_update(password)
        .chain_update(salt)
        .finalize()
        .into();
    (key, iv)
}

/// AES-128-CBC decryption with PKCS#7 padding checked.
fn decrypt(data: &[u8], key: &[u8; 16], iv: &[u8; 16]) -> Option<Vec<u8>> {
    let cipher = Aes128::new(key.into());
    let mut prev = *iv;
    let mut out = Vec::with_capacity(data.len());
    for block in data.chunks_exact(16) {
        let mut b: [u8; 16] = block.try_into().ok()?;
        cipher.decrypt_block((&mut b).into());
        for (x, p) in b.iter_mut().zip(prev) {
            *x ^= p;
        }
        prev = block.try_into().ok()?;
        out.extend(b);
    }
    let pad = usize::from(*out.last()?);
    if !(1..=16).contains(&pad)
        || out[out.len() - pad..]
            .iter()
            .any(|&b| usize::from(b) != pad)
    {
        return None;
    }
    out.truncate(out.len() - pad);
    Some(out)
}

fn check(data: &[u8]) -> Result<(), FormatError> {
    if data.get(..8) != Some(&MAGIC[..]) || data.len() < 32 || !(data.len() - 16).is_multiple_of(16)
    {
        return Err(FormatError::malformed("no OpenSSL salted header"));
    }
    Ok(())
}

impl Format for FoscamSalted {
    fn id(&self) -> &'static str {
        "openssl-salted"
    }

    fn magic(&self) -> &'static [Magic] {
        const MAGICS: &[Magic] = &[Magic::at_start(MAGIC)];
        MAGICS
    }

    fn probe(&self, data: &[u8]) -> bool {
        check(data).is_ok()
    }

    fn extract(&self, data: &Bytes, cx: &Context<'_>) -> Result<Extraction, FormatError> {
        check(data)?;
        let (salt, body) = (&data[8..16], &data[16..]);
        for password in PASSPHRASES {
            let (key, iv) = key_iv(password.as_bytes(), salt);
            // Try the first block before decrypting everything.
            let first = decrypt_first(&body[..16], &key, &iv);
            if first[..2] != [0x1f, 0x8b] {
                continue;
            }
            let Some(plain) = decrypt(body, &key, &iv) else {
                continue;
            };
            let mut extraction = Extraction::default();
            extraction.notes.push(format!(
                "AES-128-CBC, opened with the known Foscam passphrase `{password}`"
            ));
            let mut entry = Entry::new(
                crate::unpack::stream_name(cx.name, &[(".bin", ".tgz")]),
                EntryKind::File,
            );
            entry.path = None;
            entry.blob = Some(Blob::Bytes(Bytes::from_vec(plain)));
            extraction.entries.push(entry);
            return Ok(extraction);
        }
        Err(FormatError::Unsupported(
            "OpenSSL-encrypted image (AES-128-CBC); no known passphrase opens it".into(),
        ))
    }
}

fn decrypt_first(block: &[u8], key: &[u8; 16], iv: &[u8; 16]) -> [u8; 16] {
    let mut b = [0u8; 16];
    b.copy_from_slice(block);
    Aes128::new(key.into()).decrypt_block((&mut b).into());
    for (x, p) in b.iter_mut().zip(iv) {
        *x ^= p;
    }
    b
}

/// Encrypt `plain` as `openssl enc -aes-128-cbc -md md5` would (for tests).
pub fn encrypt(plain: &[u8], password: &str, salt: [u8; 8]) -> Vec<u8> {
    use aes::cipher::BlockCipherEncrypt;
    let (key, iv) = key_iv(password.as_bytes(), &salt);
    let cipher = Aes128::new((&key).into());
    let pad = 16 - plain.len() % 16;
    let mut data = plain.to_vec();
    data.extend(std::iter::repeat_n(pad as u8, pad));
    let mut out = MAGIC.to_vec();
    out.extend(salt);
    let mut prev = iv;
    for block in data.chunks_exact(16) {
        let mut b = [0u8; 16];
        for (i, x) in b.iter_mut().enumerate() {
            *x = block[i] ^ prev[i];
        }
        cipher.encrypt_block((&mut b).into());
        out.extend(b);
        prev = b;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples;

    #[test]
    fn known_passphrase_opens_the_image() {
        let tgz = samples::gzip(b"rootfs tar here");
        let image = encrypt(&tgz, "WWyift*v2", *b"saltsalt");
        assert!(FoscamSalted.probe(&image));
        let ex = FoscamSalted
            .extract(&Bytes::from_vec(image), &Context::named("FW.bin"))
            .expect("decrypts");
        assert!(ex.notes[0].contains("WWyift*v2"));
        assert_eq!(
            ex.entries[0]
                .blob
                .as_ref()
                .and_then(|b| b.read_prefix(u64::MAX)),
            Some(tgz)
        );
    }

    #[test]
    fn unknown_passphrase_is_reported_as_encrypted() {
        let image = encrypt(&samples::gzip(b"x"), "secret", *b"saltsalt");
        let err = FoscamSalted
            .extract(&Bytes::from_vec(image), &Context::named("x"))
            .expect_err("encrypted");
        assert!(err.to_string().contains("no known passphrase"));
        assert!(!FoscamSalted.probe(b"Salted__ but short"));
    }
}
