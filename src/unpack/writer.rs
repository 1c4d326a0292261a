//! The only code that writes unpacked content to disk (`--extract DIR`).
//!
//! Entry paths come from hostile input, so every path is confined before
//! anything is created:
//! - `..` that would climb above its container's root is refused; `a/../b`
//!   is normalised; absolute paths and drive letters are re-rooted (noted);
//!   `\` counts as a separator; NUL bytes are refused.
//! - Nothing is written through a symlink: every existing ancestor of a new
//!   file, directory or link is checked with `symlink_metadata`, and files
//!   are created with `create_new`, which never follows a link.
//! - A symlink is created only with a target that stays inside its
//!   container's root, written in normal form (leading `..` then names), so
//!   by induction no chain of created links leads outside. Absolute targets
//!   are rewritten relative to the container root, as the device would
//!   resolve them.
//! - Device nodes, fifos and sockets are never created, only recorded.
//!
//! A failed write is returned as an error for the caller to record on the
//! artifact; it never stops the run.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

/// Writes extracted files under one output directory.
#[derive(Debug)]
pub struct Writer {
    root: PathBuf,
}

/// Where an entry is written, relative to the output directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    /// Confined path relative to the output directory.
    pub rel: PathBuf,
    /// What was rewritten on the way, if anything.
    pub note: Option<String>,
}

/// Why something was not written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The path climbs above its container's root.
    #[error("path `{0}` escapes its container")]
    Escapes(String),
    /// The path names the container's root itself.
    #[error("path `{0}` names no file")]
    Empty(String),
    /// The path contains a NUL byte.
    #[error("path `{0}` contains a NUL byte")]
    Nul(String),
    /// An existing ancestor of the path is a symlink.
    #[error("`{0}` lies behind a symlink")]
    ThroughSymlink(PathBuf),
    /// A symlink's target leaves its container's root.
    #[error("symlink target `{target}` points outside its container")]
    LinkEscapes {
        /// The target as stored.
        target: String,
    },
    /// The operating system refused.
    #[error("cannot write `{path}`: {source}")]
    Io {
        /// Path relative to the output directory.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
}

/// How many `name~N` alternatives are tried for duplicate paths.
const MAX_DUPLICATES: u32 = 99;

impl Writer {
    /// Create (if needed) and use `dir` as the output directory.
    pub fn create(dir: &Path) -> Result<Writer, WriteError> {
        let io_err = |source| WriteError::Io {
            path: dir.to_path_buf(),
            source,
        };
        fs::create_dir_all(dir).map_err(io_err)?;
        let root = fs::canonicalize(dir).map_err(io_err)?;
        Ok(Writer { root })
    }

    /// The output directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Confine the stored path `raw` under `container` (a path relative to
    /// the output directory).
    pub fn place(&self, container: &Path, raw: &str) -> Result<Placed, WriteError> {
        if raw.contains('\0') {
            return Err(WriteError::Nul(raw.escape_debug().to_string()));
        }
        let (names, absolute) =
            normalise(&[], raw).ok_or_else(|| WriteError::Escapes(raw.to_string()))?;
        let mut rel = container.to_path_buf();
        rel.extend(&names);
        let note = absolute.then(|| format!("absolute path `{raw}` re-rooted"));
        Ok(Placed { rel, note })
    }

    /// Create directory `rel` (and its parents).
    pub fn create_dir(&self, rel: &Path) -> Result<(), WriteError> {
        self.ensure_dirs(rel)
    }

    /// Write a new file at `rel`. A path taken already gets a `~N` suffix,
    /// which the returned note names.
    pub fn write_file(&self, rel: &Path, bytes: &[u8]) -> Result<Option<String>, WriteError> {
        if let Some(parent) = rel.parent() {
            self.ensure_dirs(parent)?;
        }
        let mut candidate = rel.to_path_buf();
        for n in 1..=MAX_DUPLICATES + 1 {
            match OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(self.root.join(&candidate))
            {
                Ok(mut file) => {
                    file.write_all(bytes).map_err(|source| WriteError::Io {
                        path: candidate.clone(),
                        source,
                    })?;
                    let note = (n > 1)
                        .then(|| format!("duplicate path; written as `{}`", candidate.display()));
                    return Ok(note);
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n <= MAX_DUPLICATES => {
                    let mut name = rel.as_os_str().to_os_string();
                    name.push(format!("~{n}"));
                    candidate = PathBuf::from(name);
                }
                Err(source) => {
                    return Err(WriteError::Io {
                        path: candidate,
                        source,
                    });
                }
            }
        }
        unreachable!("the last iteration returns")
    }

    /// Create a symlink at `rel` inside the container rooted at `container`,
    /// if its target stays inside that container.
    pub fn symlink(
        &self,
        container: &Path,
        rel: &Path,
        target: &str,
    ) -> Result<Option<String>, WriteError> {
        let escapes = || WriteError::LinkEscapes {
            target: target.to_string(),
        };
        if target.is_empty() || target.contains('\0') {
            return Err(escapes());
        }
        let link_dir: Vec<String> = rel
            .strip_prefix(container)
            .ok()
            .and_then(Path::parent)
            .map(|p| {
                p.components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        let (resolved, absolute) = normalise(&link_dir, target).ok_or_else(escapes)?;
        // Normal form: climb from the link's directory to the common
        // ancestor, then descend.
        let common = link_dir
            .iter()
            .zip(&resolved)
            .take_while(|(a, b)| a == b)
            .count();
        let mut written = PathBuf::new();
        for _ in common..link_dir.len() {
            written.push("..");
        }
        written.extend(&resolved[common..]);
        if written.as_os_str().is_empty() {
            written.push(".");
        }
        if let Some(parent) = rel.parent() {
            self.ensure_dirs(parent)?;
        }
        create_symlink(&written, &self.root.join(rel)).map_err(|source| WriteError::Io {
            path: rel.to_path_buf(),
            source,
        })?;
        let note = if absolute {
            Some(format!(
                "absolute symlink target `{target}` rewritten to `{}`",
                written.display()
            ))
        } else if written != Path::new(target) {
            Some(format!(
                "symlink target `{target}` normalised to `{}`",
                written.display()
            ))
        } else {
            None
        };
        Ok(note)
    }

    /// Create every missing directory of `rel`, refusing to pass through a
    /// symlink or a file.
    fn ensure_dirs(&self, rel: &Path) -> Result<(), WriteError> {
        let mut current = self.root.clone();
        let mut shown = PathBuf::new();
        for component in rel.components() {
            let Component::Normal(name) = component else {
                continue;
            };
            current.push(name);
            shown.push(name);
            match fs::symlink_metadata(&current) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    return Err(WriteError::ThroughSymlink(shown));
                }
                Ok(meta) if meta.is_dir() => {}
                Ok(_) => {
                    return Err(WriteError::Io {
                        path: shown,
                        source: io::Error::new(
                            io::ErrorKind::AlreadyExists,
                            "a file is in the way of a directory",
                        ),
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => match fs::create_dir(&current) {
                    Ok(()) => {}
                    // Another thread created it in between: accept only a
                    // real directory, never a symlink planted meanwhile. A
                    // directory, once verified, stays one: nothing here
                    // removes entries, and a link cannot replace it.
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                        match fs::symlink_metadata(&current) {
                            Ok(meta) if meta.is_dir() => {}
                            Ok(meta) if meta.file_type().is_symlink() => {
                                return Err(WriteError::ThroughSymlink(shown));
                            }
                            _ => {
                                return Err(WriteError::Io {
                                    path: shown,
                                    source: e,
                                });
                            }
                        }
                    }
                    Err(source) => {
                        return Err(WriteError::Io {
                            path: shown,
                            source,
                        });
                    }
                },
                Err(source) => {
                    return Err(WriteError::Io {
                        path: shown,
                        source,
                    });
                }
            }
        }
        Ok(())
    }
}

/// Resolve `path` lexically from directory `base` (names below a root).
/// Returns the resulting names and whether `path` was absolute (then
/// resolved from the root, not from `base`); `None` when `..` climbs above
/// the root.
fn normalise(base: &[String], path: &str) -> Option<(Vec<String>, bool)> {
    let mut parts = path.split(['/', '\\']).peekable();
    let mut absolute = false;
    if path.starts_with(['/', '\\']) {
        absolute = true;
    } else if let Some(first) = parts.peek() {
        // A Windows drive letter (`C:`) roots the path too.
        if first.len() == 2 && first.ends_with(':') && first.as_bytes()[0].is_ascii_alphabetic() {
            absolute = true;
            parts.next();
        }
    }
    let mut names: Vec<String> = if absolute { Vec::new() } else { base.to_vec() };
    for part in parts {
        match part {
            "" | "." => {}
            ".." => {
                names.pop()?;
            }
            name => names.push(name.to_string()),
        }
    }
    Some((names, absolute))
}

#[cfg(unix)]
fn create_symlink(target: &Path, link: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn create_symlink(_target: &Path, _link: &Path) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "symlinks are only created on Unix",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writer() -> (tempfile::TempDir, Writer) {
        let dir = tempfile::tempdir().expect("tempdir");
        let w = Writer::create(&dir.path().join("out")).expect("create");
        (dir, w)
    }

    #[test]
    fn place_confines_paths() {
        let (_d, w) = writer();
        let c = Path::new("fw.extracted");
        assert_eq!(w.place(c, "a/./b").expect("ok").rel, c.join("a/b"));
        assert_eq!(w.place(c, "a/../b").expect("ok").rel, c.join("b"));
        let abs = w.place(c, "/etc/passwd").expect("ok");
        assert_eq!(abs.rel, c.join("etc/passwd"));
        assert!(abs.note.expect("noted").contains("re-rooted"));
        assert_eq!(w.place(c, "C:\\x\\y").expect("ok").rel, c.join("x/y"));
        assert!(matches!(w.place(c, "../x"), Err(WriteError::Escapes(_))));
        assert!(matches!(
            w.place(c, "a/../../x"),
            Err(WriteError::Escapes(_))
        ));
        assert!(matches!(
            w.place(c, "..\\..\\x"),
            Err(WriteError::Escapes(_))
        ));
        assert!(matches!(w.place(c, "a\0b"), Err(WriteError::Nul(_))));
    }

    #[test]
    fn duplicate_files_get_a_suffix() {
        let (_d, w) = writer();
        let rel = Path::new("x/a.txt");
        assert_eq!(w.write_file(rel, b"one").expect("first"), None);
        let note = w.write_file(rel, b"two").expect("second").expect("note");
        assert!(note.contains("a.txt~1"));
        assert_eq!(fs::read(w.root().join("x/a.txt~1")).expect("read"), b"two");
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_stay_inside_their_container() {
        let (_d, w) = writer();
        let c = Path::new("rootfs.extracted");
        let link = c.join("bin/sh");
        assert_eq!(w.symlink(c, &link, "busybox").expect("inside"), None);
        assert_eq!(
            fs::read_link(w.root().join(&link)).expect("link"),
            Path::new("busybox")
        );
        let note = w
            .symlink(c, &c.join("usr/bin/env"), "/bin/busybox")
            .expect("absolute")
            .expect("note");
        assert!(note.contains("rewritten"));
        assert_eq!(
            fs::read_link(w.root().join(c.join("usr/bin/env"))).expect("link"),
            Path::new("../../bin/busybox")
        );
        assert!(matches!(
            w.symlink(c, &c.join("evil"), "../../etc"),
            Err(WriteError::LinkEscapes { .. })
        ));
        // `s/../x` would follow `s` first at run time; it is written as `x`.
        let note = w
            .symlink(c, &c.join("d/l"), "s/../x")
            .expect("normalised")
            .expect("note");
        assert!(note.contains("normalised"));
    }

    #[cfg(unix)]
    #[test]
    fn nothing_is_written_through_a_symlink() {
        let (d, w) = writer();
        let outside = d.path().join("outside");
        fs::create_dir(&outside).expect("mkdir");
        std::os::unix::fs::symlink(&outside, w.root().join("lnk")).expect("plant");
        let err = w
            .write_file(Path::new("lnk/x"), b"evil")
            .expect_err("refused");
        assert!(matches!(err, WriteError::ThroughSymlink(_)));
        assert!(!outside.join("x").exists());
        // create_new does not follow a planted link at the final component.
        std::os::unix::fs::symlink(outside.join("y"), w.root().join("y")).expect("plant");
        let note = w.write_file(Path::new("y"), b"ok").expect("written aside");
        assert!(note.is_some());
        assert!(!outside.join("y").exists());
    }
}
