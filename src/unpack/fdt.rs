//! Flattened device trees: plain DTBs and U-Boot FIT images (`.itb`).
//!
//! Header (u32 BE, devicetree specification §5.2): magic `D0 0D FE ED`,
//! total size, structure and strings block offsets, memory reservation
//! offset, version, last compatible version, boot CPU, strings and
//! structure sizes. The structure block is a token stream: `BEGIN_NODE` (1,
//! name), `END_NODE` (2), `PROP` (3, length, name offset, value), `NOP` (4),
//! `END` (9), each padded to 4 bytes.
//!
//! A FIT is a tree with an `/images` node whose children carry their data
//! inline (`data`) or after the tree (`data-offset` from the 4-aligned end
//! of the tree, or `data-position` from its start, with `data-size`). Each
//! image becomes an artifact; its description, type, architecture and
//! compression are noted. The root `model` and `compatible` of a plain DTB
//! are noted too: they name the board and SoC vendor (`hisilicon,…`,
//! `sstar,…`; domain.md §1.4).

use crate::model::EntryKind;
use crate::unpack::blob::{Blob, Bytes};
use crate::unpack::{Context, Entry, Extraction, Format, FormatError, Magic};

const MAGIC: [u8; 4] = [0xd0, 0x0d, 0xfe, 0xed];
const BEGIN_NODE: u32 = 1;
const END_NODE: u32 = 2;
const PROP: u32 = 3;
const NOP: u32 = 4;
const END: u32 = 9;
const MAX_DEPTH: usize = 64;
const MAX_NODES: usize = 100_000;
/// Most structure tokens (nodes, properties, NOPs) read from one tree.
const MAX_TOKENS: usize = 200_000;
/// Longest property name.
const MAX_NAME: usize = 256;

/// Plain device tree blobs.
pub struct Dtb;

/// U-Boot FIT images.
pub struct Fit;

/// A node of the tree; property values are ranges of the blob.
#[derive(Debug, Default)]
struct Node {
    name: String,
    props: Vec<(String, std::ops::Range<usize>)>,
    children: Vec<Node>,
}

impl Node {
    fn prop<'a>(&self, data: &'a [u8], name: &str) -> Option<&'a [u8]> {
        self.props
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, r)| data.get(r.clone()))
    }

    fn text(&self, data: &[u8], name: &str) -> Option<String> {
        let v = self.prop(data, name)?;
        // A string list: NUL-separated.
        let parts: Vec<String> = v
            .split(|&b| b == 0)
            .filter(|s| !s.is_empty())
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    }

    fn u32(&self, data: &[u8], name: &str) -> Option<u32> {
        let v = self.prop(data, name)?;
        Some(u32::from_be_bytes(v.get(..4)?.try_into().ok()?))
    }

    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }
}

#[derive(Debug)]
struct Tree {
    total: usize,
    root: Node,
}

fn be32(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

fn parse(data: &[u8]) -> Result<Tree, FormatError> {
    let bad = |why: &str| FormatError::malformed(format!("device tree: {why}"));
    if data.get(..4) != Some(&MAGIC[..]) {
        return Err(bad("no magic"));
    }
    let field =
        |i: usize| be32(data, 4 * i).ok_or_else(|| FormatError::truncated("device tree header"));
    let (total, off_struct, off_strings, version) = (
        field(1)? as usize,
        field(2)? as usize,
        field(3)? as usize,
        field(5)?,
    );
    let (size_strings, size_struct) = (field(8)? as usize, field(9)? as usize);
    if !(16..=17).contains(&version) || total < 40 || off_struct >= total || off_strings > total {
        return Err(bad("implausible header"));
    }
    let struct_end = off_struct.saturating_add(size_struct).min(total);
    let strings = off_strings..off_strings.saturating_add(size_strings).min(total);
    let mut stack: Vec<Node> = Vec::new();
    let mut root = None;
    let mut pos = off_struct;
    let mut nodes = 0;
    let mut tokens = 0;
    while pos < struct_end {
        tokens += 1;
        if tokens > MAX_TOKENS {
            return Err(bad("too many tokens"));
        }
        let token =
            be32(data, pos).ok_or_else(|| FormatError::truncated("device tree structure"))?;
        pos += 4;
        match token {
            BEGIN_NODE => {
                let rest = data
                    .get(pos..struct_end)
                    .ok_or_else(|| bad("node name outside the structure"))?;
                let len = rest
                    .iter()
                    .position(|&b| b == 0)
                    .ok_or_else(|| bad("unterminated node name"))?;
                nodes += 1;
                if stack.len() >= MAX_DEPTH || nodes > MAX_NODES {
                    return Err(bad("tree too deep or too large"));
                }
                stack.push(Node {
                    name: String::from_utf8_lossy(&rest[..len]).into_owned(),
                    ..Node::default()
                });
                pos = (pos + len + 1).next_multiple_of(4);
            }
            END_NODE => {
                let node = stack.pop().ok_or_else(|| bad("unbalanced END_NODE"))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => root = Some(node),
                }
            }
            PROP => {
                let (len, name_off) = (
                    be32(data, pos).ok_or_else(|| bad("property runs past the end"))? as usize,
                    be32(data, pos + 4).ok_or_else(|| bad("property runs past the end"))? as usize,
                );
                let value = pos + 8..(pos + 8).saturating_add(len);
                if value.end > total {
                    return Err(bad("property value outside the tree"));
                }
                let name_at = strings.start.saturating_add(name_off);
                let name = data
                    .get(name_at..strings.end)
                    .and_then(|s| {
                        s.iter()
                            .take(MAX_NAME)
                            .position(|&b| b == 0)
                            .map(|n| &s[..n])
                    })
                    .map(|n| String::from_utf8_lossy(n).into_owned())
                    .ok_or_else(|| bad("property name outside the strings block"))?;
                stack
                    .last_mut()
                    .ok_or_else(|| bad("property outside a node"))?
                    .props
                    .push((name, value.clone()));
                pos = value.end.next_multiple_of(4);
            }
            NOP => {}
            END => break,
            other => return Err(bad(&format!("unknown token {other}"))),
        }
    }
    let root = root.ok_or_else(|| bad("no root node"))?;
    Ok(Tree { total, root })
}

/// Where each FIT image's data lies: (node, range).
fn fit_images(
    data: &[u8],
    tree: &Tree,
) -> Vec<(String, Option<std::ops::Range<usize>>, Vec<String>)> {
    let Some(images) = tree.root.child("images") else {
        return Vec::new();
    };
    let external_base = tree.total.next_multiple_of(4);
    images
        .children
        .iter()
        .map(|image| {
            let range = if let Some((_, r)) = image.props.iter().find(|(n, _)| n == "data") {
                Some(r.clone())
            } else {
                let size = image.u32(data, "data-size").map(|s| s as usize);
                let start = image
                    .u32(data, "data-position")
                    .map(|p| p as usize)
                    .or_else(|| {
                        image
                            .u32(data, "data-offset")
                            .map(|o| external_base + o as usize)
                    });
                start.zip(size).map(|(s, n)| s..s.saturating_add(n))
            };
            let notes = ["description", "type", "arch", "os", "compression"]
                .iter()
                .filter_map(|p| image.text(data, p).map(|v| format!("{p}={v}")))
                .collect();
            (image.name.clone(), range, notes)
        })
        .collect()
}

impl Format for Fit {
    fn id(&self) -> &'static str {
        "fit"
    }

    fn magic(&self) -> &'static [Magic] {
        // Carving finds device trees through `Dtb`; a FIT is recognised
        // when the part is probed at its own offset 0.
        &[]
    }

    fn probe(&self, data: &[u8]) -> bool {
        parse(data).is_ok_and(|t| t.root.child("images").is_some())
    }

    fn extent(&self, data: &[u8]) -> Option<u64> {
        let tree = parse(data).ok()?;
        let external = fit_images(data, &tree)
            .iter()
            .filter_map(|(_, r, _)| r.as_ref().map(|r| r.end))
            .max()
            .unwrap_or(0);
        Some(tree.total.max(external) as u64)
    }

    fn extract(&self, data: &Bytes, cx: &Context<'_>) -> Result<Extraction, FormatError> {
        let tree = parse(data)?;
        let mut extraction = Extraction::default();
        if let Some(description) = tree.root.text(data, "description") {
            extraction.notes.push(format!("fit: {description}"));
        }
        for (name, range, notes) in fit_images(data, &tree) {
            if cx.full(extraction.entries.len()) {
                break;
            }
            let mut entry = Entry::new(name, EntryKind::File);
            entry.notes = notes;
            match range.and_then(|r| data.slice(r)) {
                Some(bytes) => entry.blob = Some(Blob::Bytes(bytes)),
                None => entry.error = Some("image data outside the file".into()),
            }
            extraction.entries.push(entry);
        }
        Ok(extraction)
    }
}

impl Format for Dtb {
    fn id(&self) -> &'static str {
        "dtb"
    }

    fn magic(&self) -> &'static [Magic] {
        const MAGICS: &[Magic] = &[Magic::at_start(&MAGIC)];
        MAGICS
    }

    fn probe(&self, data: &[u8]) -> bool {
        parse(data).is_ok()
    }

    fn extent(&self, data: &[u8]) -> Option<u64> {
        Fit.extent(data)
    }

    fn extract(&self, data: &Bytes, _cx: &Context<'_>) -> Result<Extraction, FormatError> {
        let tree = parse(data)?;
        let mut extraction = Extraction::default();
        for prop in ["model", "compatible"] {
            if let Some(value) = tree.root.text(data, prop) {
                extraction.notes.push(format!("dtb {prop}: {value}"));
            }
        }
        Ok(extraction)
    }
}

/// Build a device tree (for tests): `props` on the root, and `images` as a
/// FIT `/images` node with inline data when given.
pub fn build(props: &[(&str, &[u8])], images: Option<&[(&str, &[u8])]>) -> Vec<u8> {
    let mut strings: Vec<u8> = Vec::new();
    let mut structure: Vec<u8> = Vec::new();
    let name_off = |name: &str, strings: &mut Vec<u8>| {
        let at = strings.len() as u32;
        strings.extend(name.as_bytes());
        strings.push(0);
        at
    };
    let begin = |s: &mut Vec<u8>, name: &str| {
        s.extend(BEGIN_NODE.to_be_bytes());
        s.extend(name.as_bytes());
        s.push(0);
        s.resize(s.len().next_multiple_of(4), 0);
    };
    let prop = |s: &mut Vec<u8>, strings: &mut Vec<u8>, name: &str, value: &[u8]| {
        s.extend(PROP.to_be_bytes());
        s.extend((value.len() as u32).to_be_bytes());
        s.extend(name_off(name, strings).to_be_bytes());
        s.extend(value);
        s.resize(s.len().next_multiple_of(4), 0);
    };
    begin(&mut structure, "");
    for (name, value) in props {
        prop(&mut structure, &mut strings, name, value);
    }
    if let Some(images) = images {
        begin(&mut structure, "images");
        for (name, data) in images {
            begin(&mut structure, name);
            prop(&mut structure, &mut strings, "data", data);
            prop(&mut structure, &mut strings, "type", b"kernel\0");
            structure.extend(END_NODE.to_be_bytes());
        }
        structure.extend(END_NODE.to_be_bytes());
    }
    structure.extend(END_NODE.to_be_bytes());
    structure.extend(END.to_be_bytes());
    let off_struct = 40 + 16; // header + one empty reservation entry
    let off_strings = off_struct + structure.len();
    let total = off_strings + strings.len();
    let mut out = Vec::new();
    for word in [
        u32::from_be_bytes(MAGIC),
        total as u32,
        off_struct as u32,
        off_strings as u32,
        40,
        17,
        16,
        0,
        strings.len() as u32,
        structure.len() as u32,
    ] {
        out.extend(word.to_be_bytes());
    }
    out.extend([0u8; 16]);
    out.extend(structure);
    out.extend(strings);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dtb_model_and_compatible_are_noted() {
        let dtb = build(
            &[
                ("model", b"Hisilicon HI3516DV300 DEMO Board\0"),
                ("compatible", b"hisilicon,hi3516dv300\0"),
            ],
            None,
        );
        assert!(Dtb.probe(&dtb) && !Fit.probe(&dtb));
        assert_eq!(Dtb.extent(&dtb), Some(dtb.len() as u64));
        let ex = Dtb
            .extract(&Bytes::from_vec(dtb), &Context::named("board.dtb"))
            .expect("extract");
        assert_eq!(
            ex.notes,
            [
                "dtb model: Hisilicon HI3516DV300 DEMO Board",
                "dtb compatible: hisilicon,hi3516dv300"
            ]
        );
    }

    #[test]
    fn fit_images_are_extracted() {
        let fit = build(
            &[("description", b"demo FIT\0")],
            Some(&[("kernel-1", b"kernel bytes"), ("fdt-1", b"fdt bytes")]),
        );
        assert!(Fit.probe(&fit));
        let ex = Fit
            .extract(&Bytes::from_vec(fit), &Context::named("image.itb"))
            .expect("extract");
        let names: Vec<_> = ex.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["kernel-1", "fdt-1"]);
        assert_eq!(
            ex.entries[0].blob.as_ref().and_then(|b| b.read_prefix(100)),
            Some(b"kernel bytes".to_vec())
        );
        assert_eq!(ex.entries[0].notes, ["type=kernel"]);
    }

    #[test]
    fn damage_and_decoys() {
        let dtb = build(&[("model", b"x\0")], None);
        for cut in [4, 20, 50, dtb.len() - 8] {
            assert!(!Dtb.probe(&dtb[..cut]) || parse(&dtb[..cut]).is_ok());
        }
        let mut junk = MAGIC.to_vec();
        junk.resize(64, 0xff);
        assert!(!Dtb.probe(&junk));
    }
}
