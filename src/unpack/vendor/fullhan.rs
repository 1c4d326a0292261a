//! Fullhan `.fls` firmware (Herospeed and other Fullhan-SoC cameras;
//! domain.md §1.1, BANG `fls.ksy`). No magic: a 24-byte LE header (model
//! \[8\], submodel \[8\], file length, entry count) and 256-byte entries
//! {name\[128\], length, absolute offset, reserved\[120\]}. Recognised only at
//! offset 0, when every field is consistent.

use crate::model::EntryKind;
use crate::unpack::blob::{Blob, Bytes};
use crate::unpack::{Context, Entry, Extraction, Format, FormatError};

const HEADER: usize = 24;
const ENTRY: usize = 256;
const MAX_ENTRIES: usize = 64;

/// The Fullhan FLS format.
pub struct FullhanFls;

fn le32(b: &[u8], at: usize) -> u64 {
    u64::from(u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]))
}

fn printable(field: &[u8]) -> Option<String> {
    let end = field.iter().position(|&b| b == 0)?;
    let text = &field[..end];
    (!text.is_empty() && text.iter().all(|&b| (0x20..0x7f).contains(&b)))
        .then(|| String::from_utf8_lossy(text).into_owned())
}

/// A member: name, offset, length.
type Member = (String, u64, u64);

fn parse(data: &[u8]) -> Result<(String, Vec<Member>), FormatError> {
    let bad = || FormatError::malformed("not a Fullhan FLS header");
    let h = data.get(..HEADER).ok_or_else(bad)?;
    let model = printable(&h[..8]).ok_or_else(bad)?;
    let (length, count) = (le32(h, 16), le32(h, 20) as usize);
    if count == 0
        || count > MAX_ENTRIES
        || length < (HEADER + count * ENTRY) as u64
        || length > data.len() as u64 * 2
    {
        return Err(bad());
    }
    let mut entries = Vec::new();
    for i in 0..count {
        let e = data
            .get(HEADER + i * ENTRY..HEADER + (i + 1) * ENTRY)
            .ok_or_else(bad)?;
        let name = printable(&e[..128]).ok_or_else(bad)?;
        let (len, offset) = (le32(e, 128), le32(e, 132));
        if offset < (HEADER + count * ENTRY) as u64 || offset + len > length {
            return Err(bad());
        }
        entries.push((name, offset, len));
    }
    Ok((model, entries))
}

impl Format for FullhanFls {
    fn id(&self) -> &'static str {
        "fullhan-fls"
    }

    fn probe(&self, data: &[u8]) -> bool {
        parse(data).is_ok()
    }

    fn extent(&self, data: &[u8]) -> Option<u64> {
        parse(data).ok().map(|_| le32(data, 16))
    }

    fn extract(&self, data: &Bytes, _cx: &Context<'_>) -> Result<Extraction, FormatError> {
        let (model, entries) = parse(data)?;
        let mut extraction = Extraction::default();
        extraction
            .notes
            .push(format!("fullhan fls for model `{model}`"));
        for (name, offset, len) in entries {
            let mut entry = Entry::new(name, EntryKind::File);
            match data.slice_at(offset, len) {
                Some(bytes) => entry.blob = Some(Blob::Bytes(bytes)),
                None => entry.error = Some("entry runs past the end".into()),
            }
            extraction.entries.push(entry);
        }
        Ok(extraction)
    }
}

/// Build an FLS image (for tests).
pub fn build(model: &str, files: &[(&str, &[u8])]) -> Vec<u8> {
    let table = HEADER + files.len() * ENTRY;
    let mut out = vec![0u8; table];
    out[..model.len()].copy_from_slice(model.as_bytes());
    out[20..24].copy_from_slice(&(files.len() as u32).to_le_bytes());
    let mut offset = table;
    for (i, (name, data)) in files.iter().enumerate() {
        let e = HEADER + i * ENTRY;
        out[e..e + name.len()].copy_from_slice(name.as_bytes());
        out[e + 128..e + 132].copy_from_slice(&(data.len() as u32).to_le_bytes());
        out[e + 132..e + 136].copy_from_slice(&(offset as u32).to_le_bytes());
        offset += data.len();
    }
    for (_, data) in files {
        out.extend(*data);
    }
    let len = out.len() as u32;
    out[16..20].copy_from_slice(&len.to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_and_decoys() {
        let image = build("FH8852", &[("uImage", b"kernel"), ("rootfs.img", b"hsqs")]);
        assert!(FullhanFls.probe(&image));
        let ex = FullhanFls
            .extract(&Bytes::from_vec(image), &Context::named("x.fls"))
            .expect("extract");
        let names: Vec<_> = ex.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["uImage", "rootfs.img"]);
        assert!(!FullhanFls.probe(&[b'A'; 600]));
        assert!(!FullhanFls.probe(b"just some text that is long enough to be a header......"));
    }
}
