//! Tenvis `PK2` firmware (domain.md §1.1, FACT `tenvis_pk2` plugin).
//!
//! 28-byte LE header: magic `PK2\0`, camera type, time, version, reserved,
//! section count at 24. Each section: type (`CMD\0` or `FILE`), MD5 (16
//! bytes), payload size (u32 LE), payload. CMD payloads are XOR-encoded;
//! FILE payloads are a name length, the name (plain), a data length and the
//! data (XOR-encoded). The key `A1 83 24 78 B3 41 43 56` restarts at zero
//! for each encoded run. MD5s are verified: of the decoded command, and of
//! name length ‖ name ‖ data length ‖ decoded data for files.

use md5::{Digest, Md5};

use crate::model::EntryKind;
use crate::unpack::blob::{Blob, Bytes};
use crate::unpack::{Context, Entry, Extraction, Format, FormatError, Magic};

const MAGIC: &[u8; 4] = b"PK2\0";
const KEY: [u8; 8] = [0xa1, 0x83, 0x24, 0x78, 0xb3, 0x41, 0x43, 0x56];
const HEADER: usize = 28;
const MAX_SECTIONS: u32 = 1024;

/// The Tenvis PK2 format.
pub struct TenvisPk2;

fn xor(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .enumerate()
        .map(|(i, b)| b ^ KEY[i % 8])
        .collect()
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// A section: its type, MD5 and payload range.
type Section = (String, [u8; 16], std::ops::Range<usize>);

fn sections(data: &[u8]) -> Result<Vec<Section>, FormatError> {
    if data.get(..4) != Some(&MAGIC[..]) || data.len() < HEADER {
        return Err(FormatError::malformed("no PK2 magic"));
    }
    let count = le32(data, 24).unwrap_or(0);
    if count == 0 || count > MAX_SECTIONS {
        return Err(FormatError::malformed("implausible PK2 section count"));
    }
    let mut out = Vec::new();
    let mut pos = HEADER;
    for i in 0..count {
        let h = data
            .get(pos..pos + 24)
            .ok_or_else(|| FormatError::truncated(format!("PK2 section {i}")))?;
        let kind = String::from_utf8_lossy(&h[..4])
            .trim_end_matches('\0')
            .to_string();
        let mut md5 = [0u8; 16];
        md5.copy_from_slice(&h[4..20]);
        let size = le32(h, 20).unwrap_or(0) as usize;
        let payload = pos + 24..(pos + 24).saturating_add(size);
        if payload.end > data.len() || !(kind == "CMD" || kind == "FILE") {
            return Err(FormatError::malformed(format!(
                "PK2 section {i} `{kind}` is damaged"
            )));
        }
        pos = payload.end;
        out.push((kind, md5, payload));
    }
    Ok(out)
}

impl Format for TenvisPk2 {
    fn id(&self) -> &'static str {
        "tenvis-pk2"
    }

    fn magic(&self) -> &'static [Magic] {
        const MAGICS: &[Magic] = &[Magic::at_start(MAGIC)];
        MAGICS
    }

    fn probe(&self, data: &[u8]) -> bool {
        sections(data).is_ok()
    }

    fn extent(&self, data: &[u8]) -> Option<u64> {
        sections(data).ok()?.last().map(|s| s.2.end as u64)
    }

    fn extract(&self, data: &Bytes, _cx: &Context<'_>) -> Result<Extraction, FormatError> {
        let mut extraction = Extraction::default();
        for (kind, md5, range) in sections(data)? {
            let payload = &data[range];
            if kind == "CMD" {
                let command = xor(payload);
                let ok = Md5::digest(&command)[..] == md5;
                extraction.notes.push(format!(
                    "tenvis command{}: {}",
                    if ok { "" } else { " (md5 mismatch)" },
                    String::from_utf8_lossy(&command).trim_end_matches('\0')
                ));
                continue;
            }
            let name_len = le32(payload, 0).unwrap_or(0) as usize;
            let name = payload.get(4..4 + name_len).unwrap_or_default();
            let data_at = 4 + name_len + 4;
            let data_len = le32(payload, 4 + name_len).unwrap_or(0) as usize;
            let mut entry = Entry::new(
                String::from_utf8_lossy(name)
                    .trim_end_matches('\0')
                    .to_string(),
                EntryKind::File,
            );
            match payload.get(data_at..data_at.saturating_add(data_len)) {
                Some(encoded) => {
                    let decoded = xor(encoded);
                    let mut hasher = Md5::new();
                    hasher.update(&payload[..data_at]);
                    hasher.update(&decoded);
                    if hasher.finalize()[..] != md5 {
                        entry.notes.push("tenvis md5 mismatch".into());
                    }
                    entry.blob = Some(Blob::Bytes(Bytes::from_vec(decoded)));
                }
                None => entry.error = Some("file data runs past its section".into()),
            }
            extraction.entries.push(entry);
        }
        Ok(extraction)
    }
}

/// Build a PK2 image (for tests): one command, then files.
pub fn build(command: &str, files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.resize(HEADER, 0);
    out[24..28].copy_from_slice(&(1 + files.len() as u32).to_le_bytes());
    let section = |out: &mut Vec<u8>, kind: &[u8; 4], md5: &[u8], payload: &[u8]| {
        out.extend(kind);
        out.extend(md5);
        out.extend((payload.len() as u32).to_le_bytes());
        out.extend(payload);
    };
    section(
        &mut out,
        b"CMD\0",
        &Md5::digest(command.as_bytes()),
        &xor(command.as_bytes()),
    );
    for (name, data) in files {
        let mut plain = (name.len() as u32).to_le_bytes().to_vec();
        plain.extend(name.as_bytes());
        plain.extend((data.len() as u32).to_le_bytes());
        let mut hasher = Md5::new();
        hasher.update(&plain);
        hasher.update(data);
        let md5 = hasher.finalize();
        plain.extend(xor(data));
        section(&mut out, b"FILE", &md5, &plain);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_files_and_commands() {
        let image = build(
            "upgrade now",
            &[("foo", b"foo bar"), ("bar", b"0123456789")],
        );
        assert!(TenvisPk2.probe(&image));
        assert_eq!(TenvisPk2.extent(&image), Some(image.len() as u64));
        let ex = TenvisPk2
            .extract(&Bytes::from_vec(image), &Context::named("fw.pk2"))
            .expect("extract");
        assert_eq!(ex.notes, ["tenvis command: upgrade now"]);
        let files: Vec<_> = ex
            .entries
            .iter()
            .map(|e| {
                (
                    e.name.clone(),
                    e.blob.as_ref().and_then(|b| b.read_prefix(99)),
                    e.notes.clone(),
                )
            })
            .collect();
        assert_eq!(
            files,
            [
                ("foo".to_string(), Some(b"foo bar".to_vec()), vec![]),
                ("bar".to_string(), Some(b"0123456789".to_vec()), vec![])
            ]
        );
        assert!(!TenvisPk2.probe(b"PK2\0 not really"));
    }
}
