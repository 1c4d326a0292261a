//! BusyBox applet links: which of BusyBox's programs the image actually
//! installs. A BusyBox binary holds every applet it was built with, but
//! only those linked into the filesystem (`/usr/sbin/telnetd ->
//! /bin/busybox`) are what the device runs by name; the list tells an
//! analyst whether `telnetd`, `httpd` or `tftp` are there to be started.

use std::collections::BTreeSet;

use crate::model::{Artifact, EntryKind};

/// Most applets listed (BusyBox has about 400).
const MAX_APPLETS: usize = 1024;

/// Names of the symbolic and hard links to a file called `busybox`,
/// sorted and without repeats.
pub fn applets(image: &Artifact) -> Vec<String> {
    let mut names = BTreeSet::new();
    for artifact in image.iter() {
        let target = match &artifact.entry {
            EntryKind::Symlink { target } | EntryKind::Hardlink { target } => target,
            _ => continue,
        };
        let file = target
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default();
        if file == "busybox" && artifact.name != "busybox" && !artifact.name.is_empty() {
            names.insert(artifact.name.clone());
            if names.len() >= MAX_APPLETS {
                break;
            }
        }
    }
    names.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Location;

    fn link(name: &str, target: &str, hard: bool) -> Artifact {
        let entry = if hard {
            EntryKind::Hardlink {
                target: target.into(),
            }
        } else {
            EntryKind::Symlink {
                target: target.into(),
            }
        };
        Artifact::new(
            Location::root("fw.bin").child("squashfs", Some(format!("bin/{name}"))),
            name.into(),
            entry,
        )
    }

    #[test]
    fn links_to_busybox_are_its_applets() {
        let mut root = Artifact::new(Location::root("fw.bin"), "fw.bin".into(), EntryKind::File);
        root.children = vec![
            link("sh", "busybox", false),
            link("telnetd", "/bin/busybox", false),
            link("ls", "../../bin/busybox", false),
            link("tftp", "bin/busybox", true),
            link("ls", "busybox", false),
            // Not BusyBox.
            link("vi", "/usr/bin/vim.tiny", false),
            link("bb", "/bin/busybox.nosuid", false),
        ];
        assert_eq!(applets(&root), ["ls", "sh", "telnetd", "tftp"]);
        root.children.clear();
        assert!(applets(&root).is_empty());
    }
}
