//! BusyBox applet links: which of BusyBox's programs the image actually
//! installs. A BusyBox binary holds every applet it was built with, but
//! only those linked into the filesystem (`/usr/sbin/telnetd ->
//! /bin/busybox`) are what the device runs by name; the list tells an
//! analyst whether `telnetd`, `httpd` or `tftp` are there to be started.
//!
//! Links are taken from the filesystem that holds the identified binary,
//! so a recovery initramfs with its own BusyBox keeps its own list. A link
//! counts when its target's file name is `busybox` or a split build's
//! `busybox.suid` / `busybox.nosuid`; targets are not resolved further, and
//! hard links stored as plain copies (SquashFS, JFFS2) are not seen.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Artifact, EntryKind};

/// Most applets listed per filesystem (BusyBox has about 400).
const MAX_APPLETS: usize = 1024;

/// For every file identified as BusyBox, the applet names linked to a
/// BusyBox binary in the same filesystem, sorted; keyed by the binary's
/// location as displayed.
pub fn applets_by_binary(image: &Artifact) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for container in image.iter() {
        let binaries: Vec<&Artifact> = container
            .children
            .iter()
            .filter(|c| c.identified.iter().any(|i| i.component == "busybox"))
            .collect();
        if binaries.is_empty() {
            continue;
        }
        let applets = links(container);
        for binary in binaries {
            out.insert(binary.location.to_string(), applets.clone());
        }
    }
    out
}

/// Names of the links among `container`'s entries that point at a BusyBox
/// binary.
fn links(container: &Artifact) -> Vec<String> {
    let mut names = BTreeSet::new();
    for entry in &container.children {
        let target = match &entry.entry {
            EntryKind::Symlink { target } | EntryKind::Hardlink { target } => target,
            _ => continue,
        };
        let file = target
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default();
        let is_busybox = matches!(file, "busybox" | "busybox.suid" | "busybox.nosuid");
        if is_busybox && is_applet_name(&entry.name) && !entry.name.starts_with("busybox") {
            names.insert(entry.name.clone());
            if names.len() >= MAX_APPLETS {
                break;
            }
        }
    }
    names.into_iter().collect()
}

/// Applet names are short and plain (`[`, `[[`, `run-parts`,
/// `mkfs.ext2`); anything else is not listed, so the comma-joined
/// property can be split back.
fn is_applet_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-[]".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Identification, Location, Technique};

    fn entry(fs: &Location, name: &str, kind: EntryKind) -> Artifact {
        Artifact::new(
            fs.child("squashfs", Some(format!("bin/{name}"))),
            name.into(),
            kind,
        )
    }

    fn link(fs: &Location, name: &str, target: &str) -> Artifact {
        entry(
            fs,
            name,
            EntryKind::Symlink {
                target: target.into(),
            },
        )
    }

    fn busybox(fs: &Location, name: &str) -> Artifact {
        let mut a = entry(fs, name, EntryKind::File);
        a.identified.push(Identification {
            component: "busybox".into(),
            version: "1.31.1".into(),
            kind: "application".into(),
            classifier: "busybox-banner".into(),
            offset: 0,
            purl: "pkg:generic/busybox@1.31.1".into(),
            cpe: None,
            supplier: None,
            license: None,
            claims_file: true,
            technique: Technique::BinaryAnalysis,
            series: false,
            symbol: None,
            properties: Vec::new(),
        });
        a
    }

    #[test]
    fn links_in_the_binarys_own_filesystem_are_its_applets() {
        let root = Location::root("fw.bin");
        let mut rootfs = Artifact::new(root.clone(), "rootfs".into(), EntryKind::File);
        rootfs.children = vec![
            busybox(&root, "busybox"),
            link(&root, "sh", "busybox"),
            link(&root, "telnetd", "/bin/busybox"),
            link(&root, "ls", "../../bin/busybox"),
            link(&root, "su", "/bin/busybox.suid"),
            link(&root, "ls", "busybox"),
            // Not BusyBox, or not a name to list.
            link(&root, "vi", "/usr/bin/vim.tiny"),
            link(&root, "a,b", "busybox"),
            link(&root, &"x".repeat(65), "busybox"),
        ];
        let by_binary = applets_by_binary(&rootfs);
        assert_eq!(
            by_binary.values().collect::<Vec<_>>(),
            [&["ls", "sh", "su", "telnetd"]]
        );
        // A filesystem without an identified BusyBox lists nothing.
        rootfs.children.remove(0);
        assert!(applets_by_binary(&rootfs).is_empty());
    }
}
