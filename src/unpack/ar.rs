//! Unix `ar` archives: static libraries (`libfoo.a`, the objects a vendor
//! SDK links into its programs) and Debian packages (`.deb`: `debian-binary`,
//! `control.tar.*`, `data.tar.*`). Layout from ar(5) and deb(5).
//!
//! `!<arch>\n`, then members, each a 60-byte text header (name 16, date 12,
//! uid 6, gid 6, mode 8, size 10, then "`\n") and `size` bytes of data,
//! padded to an even offset. Member names come in three dialects:
//! - System V / GNU: `name/` in the header; a longer name is `/<offset>`
//!   into the `//` member's table of names ending in `/\n` (Windows
//!   import libraries end them with NUL);
//! - BSD (macOS, the BSDs): `#1/<length>`, the name's bytes before the data
//!   and counted in `size`;
//! - plain: the name padded with spaces (dpkg's `debian-binary`).
//!
//! The symbol index (`/`, `/SYM64/`, `__.SYMDEF…`) and the name table are
//! not listed: they are the archive's own bookkeeping. Members are ranges of
//! the archive's bytes, never copied. Thin archives (`!<thin>\n`) keep their
//! members outside and are not read.

use crate::model::EntryKind;
use crate::unpack::blob::{Blob, Bytes};
use crate::unpack::{Context, Entry, Extraction, Format, FormatError, Magic};

const MAGIC: &[u8] = b"!<arch>\n";
const HEADER: usize = 60;
const END_OF_HEADER: &[u8] = b"`\n";
/// Longest BSD member name accepted (its bytes are in the member).
const MAX_NAME: usize = 4096;
/// Longest name read from the name table: every 60-byte header may point
/// at the same long name, so a name costs at most a few times its header.
const MAX_TABLE_NAME: usize = 255;

/// The ar format.
pub struct Ar;

/// One member's header.
#[derive(Debug)]
struct Header {
    /// The name field, trailing spaces removed; for a BSD member, the
    /// name stored before the data.
    name: String,
    /// Whether the name came from a BSD header (and is not to be resolved).
    bsd: bool,
    /// Where the member's data starts, from the archive's start.
    data_at: usize,
    /// Length of the data (a BSD name excluded).
    data_len: usize,
    /// Where the next header starts.
    next_at: usize,
}

/// A decimal header field: digits, then spaces.
fn decimal(field: &[u8]) -> Option<usize> {
    let text = std::str::from_utf8(field).ok()?.trim_end_matches(' ');
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// The member header at `at`, or why it is not one.
fn header(data: &[u8], at: usize) -> Result<Header, FormatError> {
    let raw = at
        .checked_add(HEADER)
        .and_then(|end| data.get(at..end))
        .ok_or_else(|| FormatError::truncated("ar member header"))?;
    if &raw[58..60] != END_OF_HEADER {
        return Err(FormatError::malformed(format!(
            "ar member header at {at} does not end in \"`\\n\""
        )));
    }
    let size = decimal(&raw[48..58])
        .ok_or_else(|| FormatError::malformed(format!("ar member size at {at} is not a number")))?;
    let start = at + HEADER;
    let end = start
        .checked_add(size)
        .filter(|&end| end <= data.len())
        .ok_or_else(|| FormatError::truncated(format!("ar member at {at}: {size} bytes")))?;
    let field = String::from_utf8_lossy(&raw[..16])
        .trim_end_matches(' ')
        .to_string();
    let mut out = Header {
        name: field,
        bsd: false,
        data_at: start,
        data_len: size,
        next_at: end + end % 2,
    };
    if let Some(length) = out.name.strip_prefix("#1/") {
        // BSD: the name precedes the data, NUL-padded, counted in the size.
        let length = decimal(length.as_bytes())
            .filter(|&n| n <= size && n <= MAX_NAME)
            .ok_or_else(|| FormatError::malformed(format!("ar BSD name length at {at}")))?;
        let stored = &data[start..start + length];
        let stored = stored.split(|&b| b == 0).next().unwrap_or_default();
        out.name = String::from_utf8_lossy(stored).into_owned();
        out.bsd = true;
        out.data_at = start + length;
        out.data_len = size - length;
    }
    Ok(out)
}

/// The member's name, `table` being the GNU name table seen so far; `None`
/// for the archive's bookkeeping (symbol index, name table). A `/<offset>`
/// the table cannot resolve keeps its raw form, with a note saying why.
fn member_name(header: &Header, table: Option<&[u8]>) -> Option<(String, Option<String>)> {
    let name = header.name.as_str();
    if name.starts_with("__.SYMDEF") {
        return None;
    }
    if header.bsd {
        return Some((name.to_string(), None));
    }
    let Some(rest) = name.strip_prefix('/') else {
        // `name/` (System V, GNU) or `name` (dpkg).
        return Some((name.strip_suffix('/').unwrap_or(name).to_string(), None));
    };
    // `/` and `/SYM64/` index symbols, `//` is the name table.
    let offset = decimal(rest.as_bytes())?;
    let Some(table) = table else {
        return Some((
            name.to_string(),
            Some("long name with no name table".into()),
        ));
    };
    let Some(rest) = table.get(offset..).filter(|rest| !rest.is_empty()) else {
        let note = format!("long name at {offset}, past the name table");
        return Some((name.to_string(), Some(note)));
    };
    let end = rest.iter().position(|&b| b == b'\n' || b == 0);
    let cut = end.is_none_or(|end| end > MAX_TABLE_NAME) && rest.len() > MAX_TABLE_NAME;
    let stored = &rest[..end.unwrap_or(rest.len()).min(MAX_TABLE_NAME)];
    let stored = stored.strip_suffix(b"/").unwrap_or(stored);
    let note = cut.then(|| format!("long name cut to {MAX_TABLE_NAME} bytes"));
    Some((String::from_utf8_lossy(stored).into_owned(), note))
}

impl Format for Ar {
    fn id(&self) -> &'static str {
        "ar"
    }

    fn magic(&self) -> &'static [Magic] {
        const MAGICS: &[Magic] = &[Magic::at_start(MAGIC)];
        MAGICS
    }

    /// The magic, and a first member header that parses (or nothing after
    /// the magic: an empty archive).
    fn probe(&self, data: &[u8]) -> bool {
        data.starts_with(MAGIC) && (data.len() == MAGIC.len() || header(data, MAGIC.len()).is_ok())
    }

    /// Header by header, to the first that does not parse.
    fn extent(&self, data: &[u8]) -> Option<u64> {
        let mut at = MAGIC.len();
        while let Ok(h) = header(data, at) {
            at = h.next_at.min(data.len());
        }
        Some(at as u64)
    }

    fn extract(&self, data: &Bytes, cx: &Context<'_>) -> Result<Extraction, FormatError> {
        if !data.starts_with(MAGIC) {
            return Err(FormatError::malformed("no ar magic"));
        }
        let mut extraction = Extraction::default();
        let mut table: Option<&[u8]> = None;
        let mut at = MAGIC.len();
        while at < data.len() {
            if cx.full(extraction.entries.len()) {
                extraction.truncated =
                    Some(format!("ar: listing stopped at {} entries", cx.max_entries));
                break;
            }
            // Fill after the last member (a `.deb` padded inside a vendor
            // container) ends the archive; it is not damage.
            if crate::unpack::carve::is_padding(&data[at..]) {
                break;
            }
            let h = match header(data, at) {
                Ok(h) => h,
                // A first header that does not parse: an error, not an
                // empty listing (the magic followed by fill alone is an
                // empty archive).
                Err(e) if at == MAGIC.len() => return Err(e),
                Err(e) => {
                    extraction.truncated = Some(format!("ar: {e}"));
                    break;
                }
            };
            if !h.bsd && h.name == "//" {
                table = Some(&data[h.data_at..h.data_at + h.data_len]);
            }
            at = h.next_at;
            let Some((name, note)) = member_name(&h, table) else {
                continue;
            };
            let mut entry = Entry::new(name, EntryKind::File);
            entry.notes.extend(note);
            entry.blob = data
                .slice(h.data_at..h.data_at + h.data_len)
                .map(Blob::Bytes);
            extraction.entries.push(entry);
        }
        Ok(extraction)
    }
}

/// A member header: the name field as stored, and the data's size.
fn member_header(name: &str, size: usize) -> String {
    format!(
        "{name:<16}{:<12}{:<6}{:<6}{:<8}{size:<10}`\n",
        0, 0, 0, "100644"
    )
}

/// Append a member (header, data, padding to an even offset).
fn push_member(archive: &mut Vec<u8>, name: &str, data: &[u8]) {
    archive.extend(member_header(name, data.len()).as_bytes());
    archive.extend(data);
    if data.len() % 2 == 1 {
        archive.push(b'\n');
    }
}

/// A GNU archive of `(name, data)` members, names longer than 15 bytes in
/// a name table (for tests and samples).
pub fn build(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut table = String::new();
    let mut names = Vec::new();
    for (name, _) in members {
        if name.len() > 15 {
            names.push(format!("/{}", table.len()));
            table.push_str(&format!("{name}/\n"));
        } else {
            names.push(format!("{name}/"));
        }
    }
    let mut archive = MAGIC.to_vec();
    if !table.is_empty() {
        push_member(&mut archive, "//", table.as_bytes());
    }
    for (name, (_, data)) in names.iter().zip(members) {
        push_member(&mut archive, name, data);
    }
    archive
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A member header: `name` as the header stores it, and `size`.
    fn raw_header(name: &str, size: usize) -> Vec<u8> {
        let text = member_header(name, size);
        assert_eq!(text.len(), HEADER);
        text.into_bytes()
    }

    fn listed(data: Vec<u8>) -> Vec<(String, Vec<u8>)> {
        let ex = Ar
            .extract(&Bytes::from_vec(data), &Context::named("x.a"))
            .expect("extract");
        assert!(ex.truncated.is_none(), "{:?}", ex.truncated);
        ex.entries
            .iter()
            .map(|e| match &e.blob {
                Some(Blob::Bytes(b)) => (e.name.clone(), b.to_vec()),
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn gnu_static_library_with_index_and_long_names() {
        let long = "delay_estimator_wrapper.o";
        let mut a = MAGIC.to_vec();
        push_member(&mut a, "/", &[0, 0, 0, 0]);
        push_member(&mut a, "//", format!("{long}/\n").as_bytes());
        push_member(&mut a, "aecm_core.o/", b"\x7fELF one");
        push_member(&mut a, "/0", b"\x7fELF two!");
        assert!(Ar.probe(&a));
        assert_eq!(Ar.extent(&a), Some(a.len() as u64));
        assert_eq!(
            listed(a),
            [
                ("aecm_core.o".to_string(), b"\x7fELF one".to_vec()),
                (long.to_string(), b"\x7fELF two!".to_vec()),
            ]
        );
    }

    #[test]
    fn bsd_names_precede_the_data() {
        let mut a = MAGIC.to_vec();
        push_member(&mut a, "#1/20", b"__.SYMDEF SORTED\0\0\0\0index");
        push_member(&mut a, "#1/24", b"a_rather_long_name.o\0\0\0\0code");
        assert_eq!(
            listed(a),
            [("a_rather_long_name.o".to_string(), b"code".to_vec())]
        );
    }

    #[test]
    fn debian_package_members() {
        let mut a = MAGIC.to_vec();
        push_member(&mut a, "debian-binary", b"2.0\n");
        push_member(&mut a, "control.tar.xz", b"\xfd7zXZ\0");
        push_member(&mut a, "data.tar.xz/", b"\xfd7zXZ\0 data");
        let names: Vec<String> = listed(a).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["debian-binary", "control.tar.xz", "data.tar.xz"]);
    }

    #[test]
    fn decoys_do_not_probe() {
        assert!(!Ar.probe(b"!<arch>"));
        assert!(!Ar.probe(b"!<thin>\n"));
        let mut bad = MAGIC.to_vec();
        bad.extend(b"not a header at all, just some text that runs on and on and on");
        assert!(!Ar.probe(&bad));
        assert!(Ar.probe(MAGIC));
    }

    #[test]
    fn hostile_headers_end_the_listing_with_a_reason() {
        // A size past the end, after one good member.
        let mut a = MAGIC.to_vec();
        push_member(&mut a, "ok.o/", b"fine");
        a.extend(raw_header("big.o/", 9_999_999_999));
        let ex = Ar
            .extract(&Bytes::from_vec(a.clone()), &Context::named("x.a"))
            .expect("extract");
        assert_eq!(ex.entries.len(), 1);
        assert!(
            ex.truncated
                .as_deref()
                .is_some_and(|t| t.contains("truncated"))
        );
        assert_eq!(Ar.extent(&a), Some((MAGIC.len() + HEADER + 4) as u64));

        // A long name with no name table, and one past its end: listed
        // under the raw name, with a note, and the listing goes on.
        let mut a = MAGIC.to_vec();
        push_member(&mut a, "/7", b"data");
        push_member(&mut a, "//", b"x.o/\n");
        push_member(&mut a, "/99", b"data");
        push_member(&mut a, "/0", b"more");
        let ex = Ar
            .extract(&Bytes::from_vec(a), &Context::named("x.a"))
            .expect("extract");
        assert!(ex.truncated.is_none());
        let names: Vec<&str> = ex.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["7", "99", "x.o"]);
        assert_eq!(ex.entries[0].path.as_deref(), Some("/7"));
        assert!(ex.entries[0].notes[0].contains("no name table"));
        assert!(ex.entries[1].notes[0].contains("past the name table"));

        // A name table whose one name is longer than names may be: cut.
        let mut a = MAGIC.to_vec();
        push_member(&mut a, "//", format!("{}/\n", "n".repeat(5000)).as_bytes());
        push_member(&mut a, "/0", b"data");
        let ex = Ar
            .extract(&Bytes::from_vec(a), &Context::named("x.a"))
            .expect("extract");
        assert_eq!(ex.entries[0].name.len(), MAX_TABLE_NAME);
        assert!(ex.entries[0].notes[0].contains("cut"));

        // Fill after the last member is not damage.
        let mut a = MAGIC.to_vec();
        push_member(&mut a, "ok.o/", b"fine");
        a.extend([0xff; 300]);
        let ex = Ar
            .extract(&Bytes::from_vec(a), &Context::named("x.a"))
            .expect("extract");
        assert_eq!(ex.entries.len(), 1);
        assert!(ex.truncated.is_none());

        // A BSD name longer than its member.
        let mut a = MAGIC.to_vec();
        push_member(&mut a, "#1/50", b"short");
        assert!(
            Ar.extract(&Bytes::from_vec(a), &Context::named("x.a"))
                .is_err()
        );
    }

    #[test]
    fn listing_stops_at_the_entry_limit() {
        let mut a = MAGIC.to_vec();
        for i in 0..10 {
            push_member(&mut a, &format!("m{i}.o/"), b"x");
        }
        let cx = Context {
            name: "x.a",
            max_entries: 3,
        };
        let ex = Ar.extract(&Bytes::from_vec(a), &cx).expect("extract");
        assert_eq!(ex.entries.len(), 3);
        assert!(ex.truncated.is_some());
    }
}
