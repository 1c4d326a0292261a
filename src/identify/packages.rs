//! Package databases and release files: what the image's own package
//! manager says is installed.
//!
//! - dpkg `var/lib/dpkg/status`, opkg `usr/lib/opkg/status` (OpenWrt) or
//!   `var/lib/opkg/status` (Yocto), and ipkg `usr/lib/ipkg/status` (opkg's
//!   predecessor, older OpenWrt and vendor SDKs): RFC 822-style paragraphs
//!   with `Package`, `Version`, `Architecture` and `Status`
//!   (`install … installed` counts). opkg and ipkg also keep each
//!   installed package's `info/<name>.control`, one such paragraph; an
//!   image that kept those but dropped the status file still lists them.
//! - apk `lib/apk/db/installed`: `P:` name, `V:` version, `A:` arch lines.
//! - `etc/os-release`, `usr/lib/os-release` (`ID`, `VERSION_ID`) and
//!   `etc/openwrt_release` (`DISTRIB_ID`, `DISTRIB_RELEASE`): the OS itself.
//! - Buildroot before os-release (2009–2015) wrote `etc/br-version`, its
//!   release alone (`2012.08`); a development tree's (`2009.08-git`) names
//!   no release.
//!
//! - A package file in the image (a `.deb`, an opkg `.ipk`: an update
//!   bundle's payload) keeps its `control` paragraph in its
//!   `control.tar.*` member (deb(5); opkg's ipk is the same three members
//!   in a gzipped tar, or an `ar` archive in older builds). The package is
//!   listed as such a file holds it, not as installed.
//!
//! - Python distributions: `<name>-<version>.dist-info/METADATA` (wheels,
//!   pip), `.egg-info/PKG-INFO` and distutils' `.egg-info` file give
//!   `pkg:pypi/<name>@<version>`; a dist-info's `RECORD` lists its files.
//!
//! - npm packages: each installed package's `package.json`, directly in a
//!   `node_modules/<name>/` or `node_modules/@scope/<name>/` directory,
//!   gives `pkg:npm/<name>@<version>` (`pkg:npm/%40babel/core@7.23.0`).
//!   Nested `node_modules` count; an application's own `package.json` and
//!   those deeper in a package (`lib/package.json`) do not.
//!
//! Recognised by path, so a file called `status` elsewhere is ignored.
//! An ELF file's own `.note.package` is the same kind of record, carried
//! by the binary ([`from_note`]).

use std::collections::HashMap;

use crate::model::{
    Artifact, Identification, Location, PackageFiles, PackageNote, Step, Technique,
};

/// Most packages read from one database.
const MAX_PACKAGES: usize = 100_000;

/// Most bytes of one file list read (one package's list is far shorter).
const MAX_LIST_BYTES: usize = 16 << 20;

/// Most files linked to their packages in one image (a Debian desktop lists
/// ~300 000).
const MAX_OWNED_PATHS: usize = 1_000_000;

/// Largest `package.json` read: real ones are a few KiB.
const MAX_NPM_MANIFEST: usize = 1 << 20;

/// The database kind at this artifact's path, if any.
fn kind(artifact: &Artifact) -> Option<&'static str> {
    if let Some(kind) = package_file(&artifact.location) {
        return Some(kind);
    }
    let path = artifact.location.0.last()?.path.as_deref()?;
    let path = path.trim_start_matches("./").trim_start_matches('/');
    if python_metadata_file(path) {
        return Some("python");
    }
    if npm_manifest_file(path) {
        return Some("npm");
    }
    // opkg and ipkg keep each installed package's control paragraph too.
    if let Some((dir, file)) = path.rsplit_once('/')
        && file.ends_with(".control")
    {
        for (info, kind) in [("opkg/info", "opkg"), ("ipkg/info", "ipkg")] {
            if ["usr/lib", "var/lib"]
                .iter()
                .any(|root| ends_at(dir, &format!("{root}/{info}")))
            {
                return Some(kind);
            }
        }
    }
    [
        ("var/lib/dpkg/status", "dpkg"),
        ("usr/lib/opkg/status", "opkg"),
        ("var/lib/opkg/status", "opkg"),
        ("usr/lib/ipkg/status", "ipkg"),
        ("var/lib/ipkg/status", "ipkg"),
        ("lib/apk/db/installed", "apk"),
        ("etc/os-release", "os-release"),
        ("usr/lib/os-release", "os-release"),
        ("etc/openwrt_release", "openwrt-release"),
        ("etc/br-version", "br-version"),
    ]
    .into_iter()
    .find(|(suffix, _)| ends_at(path, suffix))
    .map(|(_, kind)| kind)
}

/// `deb-file` or `ipk-file` when `location` is the `control` file of a
/// package file's `control.tar[.gz|.xz|.zst]` member. The package file's
/// name says which (`.deb`, `.udeb`; `.ipk`, `.opk`); else its container
/// does (dpkg writes `ar`, opkg a gzipped tar).
fn package_file(location: &Location) -> Option<&'static str> {
    let trimmed = |p: &str| {
        p.trim_start_matches("./")
            .trim_start_matches('/')
            .to_string()
    };
    let (last, rest) = location.0.split_last()?;
    if last.format != Some("tar") || trimmed(last.path.as_deref()?) != "control" {
        return None;
    }
    // The member that held the control archive: the nearest step with a
    // path (decoders have none).
    let mut named = rest.iter().rev().filter(|s| s.path.is_some());
    let member = named.next()?;
    let member_name = trimmed(member.path.as_deref()?);
    let is_control_tar = member_name == "control.tar"
        || ["gz", "xz", "zst"]
            .iter()
            .any(|ext| member_name == format!("control.tar.{ext}"));
    if !is_control_tar || !matches!(member.format, Some("ar" | "tar")) {
        return None;
    }
    let package = named
        .next()
        .and_then(|s| s.path.as_deref())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if package.ends_with(".deb") || package.ends_with(".udeb") {
        return Some("deb-file");
    }
    if package.ends_with(".ipk") || package.ends_with(".opk") {
        return Some("ipk-file");
    }
    // Else the control archive's container: dpkg writes `ar`, opkg a tar
    // (older opkg-build wrote `ar` too: such an unnamed ipk reads as deb).
    Some(if member.format == Some("ar") {
        "deb-file"
    } else {
        "ipk-file"
    })
}

/// Whether `path` is `suffix` or ends in `/suffix`.
fn ends_at(path: &str, suffix: &str) -> bool {
    path == suffix || path.ends_with(&format!("/{suffix}"))
}

/// Components listed by the database or release file in `bytes`.
pub fn identify(artifact: &Artifact, bytes: &[u8]) -> Vec<Identification> {
    let Some(kind) = kind(artifact) else {
        return Vec::new();
    };
    if kind == "npm" {
        return npm_package(bytes).into_iter().collect();
    }
    let text = String::from_utf8_lossy(bytes);
    match kind {
        "dpkg" | "opkg" | "ipkg" | "deb-file" | "ipk-file" => control_paragraphs(&text, kind),
        "apk" => apk(&text),
        "python" => python_metadata(&text).into_iter().collect(),
        _ => release(&text, kind).into_iter().collect(),
    }
}

/// One installed package: name, version, architecture and the licence the
/// database declares (opkg `License:`, apk `L:`; dpkg keeps none), as
/// written (the SBOM keeps it as an SPDX id or expression when it is one,
/// else as a name).
struct Listed<'a> {
    name: &'a str,
    version: &'a str,
    arch: Option<&'a str>,
    license: Option<&'a str>,
    /// Who packaged it (dpkg and opkg `Maintainer:`, apk `m:`): the
    /// supplier, by name.
    maintainer: Option<&'a str>,
}

fn package(listed: Listed<'_>, source: &'static str, offset: usize) -> Identification {
    let Listed {
        name,
        version,
        arch,
        license,
        maintainer,
    } = listed;
    // The purl namespace is the distribution (debian, ubuntu, alpine,
    // openwrt); the database alone does not say which, so it is left out
    // rather than guessed. `opkg` is not yet a registered purl type; ipkg
    // packages are the same format under opkg's older name.
    let purl_type = match source {
        "dpkg" | "deb-file" => "deb",
        "opkg" | "ipkg" | "ipk-file" => "opkg",
        _ => "apk",
    };
    let classifier = match source {
        "deb-file" => "deb-package-file".to_string(),
        "ipk-file" => "opkg-package-file".to_string(),
        database => format!("{database}-database"),
    };
    let qualifier = arch
        .map(|a| format!("?arch={}", percent(a)))
        .unwrap_or_default();
    Identification {
        component: name.to_string(),
        version: version.to_string(),
        kind: "library".into(),
        classifier,
        offset: offset as u64,
        purl: format!(
            "pkg:{purl_type}/{}@{}{qualifier}",
            percent(name),
            percent(version)
        ),
        cpe: None,
        supplier: maintainer.and_then(maintainer_name),
        license: license.map(str::to_string),
        claims_file: false,
        technique: crate::model::Technique::ManifestAnalysis,
        series: false,
        symbol: None,
        properties: Vec::new(),
    }
}

/// The component an ELF `.note.package` names. The note names the
/// *source* package (spec), so the purl is the source package's:
/// `pkg:deb/debian/systemd@252.39-1~deb12u2?arch=source`,
/// `pkg:rpm/fedora/openssl@3.1.1-4.fc39?arch=src` (purl spec: deb and rpm
/// source packages); apk and alpm have no such form and take no arch;
/// other package types are `pkg:generic/…`.
pub fn from_note(note: &PackageNote) -> Identification {
    let registered = matches!(note.kind.as_str(), "deb" | "rpm" | "apk" | "alpm");
    let purl_type = if registered {
        note.kind.as_str()
    } else {
        "generic"
    };
    let namespace = match (&note.os, registered) {
        (Some(os), true) => format!("{}/", percent(os)),
        _ => String::new(),
    };
    let qualifier = match note.kind.as_str() {
        "deb" => "?arch=source",
        "rpm" => "?arch=src",
        _ => "",
    };
    Identification {
        component: note.name.clone(),
        version: note.version.clone(),
        kind: "library".into(),
        classifier: "elf-package-note".into(),
        offset: 0,
        purl: format!(
            "pkg:{purl_type}/{namespace}{}@{}{qualifier}",
            percent(&note.name),
            percent(&note.version)
        ),
        cpe: None,
        supplier: None,
        license: None,
        claims_file: false,
        technique: Technique::ManifestAnalysis,
        series: false,
        symbol: None,
        properties: Vec::new(),
    }
}

/// Give database purls their distribution namespace from the image's own
/// release file (`pkg:deb/openssl@…` → `pkg:deb/debian/openssl@…`): the
/// purl spec's deb, apk and opkg namespaces are the distribution id. Left
/// alone when the image names no distribution, or several.
pub fn qualify_namespaces(image: &mut Artifact) {
    let mut distributions: Vec<String> = image
        .iter()
        .flat_map(|a| &a.identified)
        .filter(|i| i.classifier == "os-release" || i.classifier == "openwrt-release")
        .map(|i| i.component.clone())
        .collect();
    distributions.sort();
    distributions.dedup();
    let [distribution] = distributions.as_slice() else {
        return;
    };
    let namespace = percent(distribution);
    qualify(image, &namespace);
}

fn qualify(artifact: &mut Artifact, namespace: &str) {
    for id in &mut artifact.identified {
        // Database entries, and package notes that named no distribution.
        let packaged = id.classifier.ends_with("-database")
            || (id.classifier == "elf-package-note" && !id.purl.starts_with("pkg:generic/"));
        if !packaged {
            continue;
        }
        let Some((kind, rest)) = id.purl.split_once('/') else {
            continue;
        };
        let name_part = rest.split(['@', '?']).next().unwrap_or_default();
        if !name_part.contains('/') {
            id.purl = format!("{kind}/{namespace}/{rest}");
        }
    }
    for child in &mut artifact.children {
        qualify(child, namespace);
    }
}

/// The file lists of package databases: dpkg's `var/lib/dpkg/info/<package>.list`
/// (`<package>:<arch>.list` when multi-arch), opkg's and ipkg's
/// `info/<package>.list` (newer opkg adds a tab and the file's mode after
/// the path), and apk's `installed` (`F:` directory, `R:` file lines per
/// package), and a Python distribution's `.dist-info/RECORD`. A list
/// longer than `MAX_LIST_BYTES` is read to there.
pub fn file_lists(artifact: &Artifact, bytes: &[u8]) -> Vec<PackageFiles> {
    let Some(path) = artifact.location.0.last().and_then(|s| s.path.as_deref()) else {
        return Vec::new();
    };
    let path = path.trim_start_matches("./").trim_start_matches('/');
    let bytes = &bytes[..bytes.len().min(MAX_LIST_BYTES)];
    // The path decides; only a list's bytes are decoded.
    if kind(artifact) == Some("apk") {
        let root = path
            .strip_suffix("lib/apk/db/installed")
            .unwrap_or_default();
        return apk_file_lists(&String::from_utf8_lossy(bytes), root);
    }
    let (dir, file) = path.rsplit_once('/').unwrap_or(("", path));
    if file == "RECORD" {
        return python_record(dir, bytes).into_iter().collect();
    }
    let Some(stem) = file.strip_suffix(".list") else {
        return Vec::new();
    };
    let found = [
        ("var/lib/dpkg/info", "dpkg"),
        ("usr/lib/opkg/info", "opkg"),
        ("var/lib/opkg/info", "opkg"),
        ("usr/lib/ipkg/info", "ipkg"),
        ("var/lib/ipkg/info", "ipkg"),
    ]
    .into_iter()
    .find(|(info, _)| ends_at(dir, info));
    let Some((info, manager)) = found else {
        return Vec::new();
    };
    let (package, arch) = match stem.split_once(':') {
        Some((package, arch)) => (package, Some(arch.to_string())),
        None => (stem, None),
    };
    let mut paths = String::new();
    for line in String::from_utf8_lossy(bytes).lines() {
        let listed = line.split('\t').next().unwrap_or_default();
        if listed.starts_with('/') && listed != "/" && listed != "/." {
            paths.push_str(listed);
            paths.push('\n');
        }
    }
    vec![PackageFiles {
        manager,
        package: package.to_string(),
        arch,
        root: dir[..dir.len() - info.len()].to_string(),
        paths,
    }]
}

/// A wheel's `<name>-<version>.dist-info/RECORD` (PEP 376: `path,hash,size`
/// per installed file, relative to the directory holding the dist-info):
/// the package's files. Paths that climb out (`../../bin/x`, scripts) and
/// quoted ones are left out.
fn python_record(dir: &str, bytes: &[u8]) -> Option<PackageFiles> {
    let (root, info) = dir.rsplit_once('/').unwrap_or(("", dir));
    let (name, version) = info.strip_suffix(".dist-info")?.split_once('-')?;
    let mut paths = String::new();
    for line in String::from_utf8_lossy(bytes).lines() {
        let listed = line.split(',').next().unwrap_or_default();
        if listed.is_empty()
            || listed.starts_with(['"', '/'])
            || listed.split('/').any(|part| part == "..")
        {
            continue;
        }
        paths.push('/');
        paths.push_str(listed);
        paths.push('\n');
    }
    Some(PackageFiles {
        manager: "python",
        // Name and version: two releases of one distribution may sit in
        // one root filesystem (the system's and a virtual environment's).
        package: python_key(name, version),
        arch: None,
        root: if root.is_empty() {
            String::new()
        } else {
            format!("{root}/")
        },
        paths,
    })
}

fn apk_file_lists(text: &str, root: &str) -> Vec<PackageFiles> {
    let mut out = Vec::new();
    for paragraph in text.split("\n\n").take(MAX_PACKAGES) {
        let mut package = None;
        let mut dir = "";
        let mut paths = String::new();
        for line in paragraph.lines() {
            if let Some(name) = line.strip_prefix("P:") {
                package = Some(name.trim());
            } else if let Some(d) = line.strip_prefix("F:") {
                dir = d.trim();
            } else if let Some(file) = line.strip_prefix("R:") {
                paths.push_str(&format!("/{dir}/{}\n", file.trim()));
            }
        }
        if let Some(package) = package.filter(|_| !paths.is_empty()) {
            out.push(PackageFiles {
                manager: "apk",
                package: package.to_string(),
                arch: None,
                root: root.to_string(),
                paths,
            });
        }
    }
    out
}

/// Give every file a package database lists the purl of the package that
/// installed it (`Artifact::package`). A list is matched against its own
/// database and the files of the same container (root filesystem), under
/// the directory the database sits in, and only when the database lists
/// the package as installed. On a merged-/usr system the list's `/bin/sh`
/// is the file at `usr/bin/sh`. At most `MAX_OWNED_PATHS` are linked.
pub fn link_owners(image: &mut Artifact) {
    use std::sync::Arc;
    // Containers are numbered, so a key holds a number, not a chain.
    let mut containers: HashMap<Vec<Step>, usize> = HashMap::new();
    let mut installed: HashMap<(usize, &'static str, String), Vec<Arc<str>>> = HashMap::new();
    for artifact in image.iter() {
        for id in &artifact.identified {
            let Some(manager) = manager_of(&id.classifier) else {
                continue;
            };
            let next = containers.len();
            let home = *containers
                .entry(artifact.location.container().to_vec())
                .or_insert(next);
            let package = if manager == "python" {
                python_key(&id.component, &id.version)
            } else {
                id.component.clone()
            };
            installed
                .entry((home, manager, package))
                .or_default()
                .push(Arc::from(id.purl.as_str()));
        }
    }
    if installed.is_empty() {
        return;
    }
    let mut lists = Vec::new();
    take_lists(image, &containers, &mut lists);
    // The system's package manager owns a file before a Python RECORD does
    // (the first owner found is kept).
    lists.sort_by_key(|(_, list)| list.manager == "python");
    let mut owners: HashMap<(usize, String), Arc<str>> = HashMap::new();
    'lists: for (home, list) in lists {
        let Some(purls) = installed.get(&(home, list.manager, list.package.clone())) else {
            continue;
        };
        // A multi-arch list names its architecture: that package's purl.
        let purl = list
            .arch
            .as_deref()
            .and_then(|arch| purls.iter().find(|p| p.ends_with(&format!("?arch={arch}"))))
            .unwrap_or(&purls[0]);
        for path in list.paths.lines() {
            if owners.len() >= MAX_OWNED_PATHS {
                break 'lists;
            }
            owners
                .entry((
                    home,
                    format!("{}{}", list.root, path.trim_start_matches('/')),
                ))
                .or_insert_with(|| purl.clone());
        }
    }
    mark_owned(image, &containers, &owners);
}

/// Link the files of each package file in the image (a `.deb`'s or
/// `.ipk`'s `data.tar.*` member) to the package its `control` names, as
/// [`link_owners`] links an installed package's files. Only the data
/// archive's own members are the package's files; what they hold is theirs.
pub fn link_package_files(image: &mut Artifact) {
    let mut packages: HashMap<Vec<Step>, String> = HashMap::new();
    for artifact in image.iter() {
        for id in &artifact.identified {
            if !is_package_file(&id.classifier) {
                continue;
            }
            // The package file: the steps before its control archive.
            let steps = artifact.location.container();
            if let Some(member) = steps.iter().rposition(|s| s.path.is_some()) {
                packages
                    .entry(steps[..member].to_vec())
                    .or_insert_with(|| id.purl.clone());
            }
        }
    }
    if !packages.is_empty() {
        mark_package_files(image, &packages);
    }
}

/// Mark the artifact when it is a member of a package file's data
/// archive: `<package> › data.tar.* › decoders › tar:<file>`.
fn mark_package_files(artifact: &mut Artifact, packages: &HashMap<Vec<Step>, String>) {
    let steps = &artifact.location.0;
    if let Some((member, inner)) = steps.split_last()
        && member.format == Some("tar")
        && member.path.is_some()
    {
        // The data archive: the nearest earlier step with a path.
        if let Some(data) = inner.iter().rposition(|s| s.path.is_some())
            && inner[data]
                .path
                .as_deref()
                .is_some_and(|p| p.trim_start_matches("./").starts_with("data.tar"))
            && let Some(purl) = packages.get(&inner[..data])
        {
            artifact.package.get_or_insert_with(|| purl.clone());
        }
    }
    for child in &mut artifact.children {
        mark_package_files(child, packages);
    }
}

/// Whether an identification's classifier is a package file's (a `.deb`
/// or `.ipk` lying in the image, not installed).
pub fn is_package_file(classifier: &str) -> bool {
    matches!(classifier, "deb-package-file" | "opkg-package-file")
}

/// The package manager whose file lists link files to the packages an
/// identifier lists.
fn manager_of(classifier: &str) -> Option<&'static str> {
    match classifier {
        "dpkg-database" => Some("dpkg"),
        "opkg-database" => Some("opkg"),
        "ipkg-database" => Some("ipkg"),
        "apk-database" => Some("apk"),
        "python-package-metadata" => Some("python"),
        _ => None,
    }
}

/// Move every artifact's file lists out (in tree order), with the number
/// of its container; lists in containers without a database are dropped.
fn take_lists(
    artifact: &mut Artifact,
    containers: &HashMap<Vec<Step>, usize>,
    out: &mut Vec<(usize, PackageFiles)>,
) {
    let lists = std::mem::take(&mut artifact.package_files);
    if let Some(&home) = containers.get(artifact.location.container()) {
        out.extend(lists.into_iter().map(|l| (home, l)));
    }
    for child in &mut artifact.children {
        take_lists(child, containers, out);
    }
}

fn mark_owned(
    artifact: &mut Artifact,
    containers: &HashMap<Vec<Step>, usize>,
    owners: &HashMap<(usize, String), std::sync::Arc<str>>,
) {
    let home = containers.get(artifact.location.container()).copied();
    let path = artifact
        .location
        .0
        .last()
        .and_then(|s| s.path.as_deref())
        .map(|p| p.trim_start_matches("./").trim_start_matches('/'));
    if let (Some(home), Some(path)) = (home, path) {
        let owner = owners
            .get(&(home, path.to_string()))
            .or_else(|| unmerged(path).and_then(|p| owners.get(&(home, p))));
        artifact.package = owner.map(|p| p.to_string());
    }
    for child in &mut artifact.children {
        mark_owned(child, containers, owners);
    }
}

/// The path a merged-/usr file had before the merge: `usr/bin/sh` was
/// `bin/sh` (also `sbin`, `lib`, `lib32`, `lib64`, `libx32`), under any
/// root directory.
fn unmerged(path: &str) -> Option<String> {
    let segments: Vec<&str> = path.split('/').collect();
    let at = segments.windows(2).position(|w| {
        w[0] == "usr" && matches!(w[1], "bin" | "sbin" | "lib" | "lib32" | "lib64" | "libx32")
    })?;
    let mut kept = segments;
    kept.remove(at);
    Some(kept.join("/"))
}

/// The name in a `Name <address>` maintainer field (the whole field when
/// it has no address); `None` when no name is left.
fn maintainer_name(field: &str) -> Option<String> {
    let name = field.split_once('<').map_or(field, |(name, _)| name).trim();
    (!name.is_empty()).then(|| name.to_string())
}

/// Percent-encode a purl segment.
fn percent(s: &str) -> String {
    crate::identify::classifier::purl_escape(s)
}

fn control_paragraphs(text: &str, source: &'static str) -> Vec<Identification> {
    let mut out = Vec::new();
    let mut offset = 0;
    for paragraph in text.split("\n\n") {
        let field = |key: &str| {
            paragraph
                .lines()
                .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix(':')))
                .map(str::trim)
        };
        let installed = field("Status").is_none_or(|s| s.ends_with(" installed"));
        if let (Some(name), Some(version), true) = (field("Package"), field("Version"), installed) {
            let listed = Listed {
                name,
                version,
                arch: field("Architecture"),
                license: field("License").filter(|l| !l.is_empty()),
                maintainer: field("Maintainer"),
            };
            out.push(package(listed, source, offset));
        }
        offset += paragraph.len() + 2;
        if out.len() >= MAX_PACKAGES {
            break;
        }
    }
    out
}

fn apk(text: &str) -> Vec<Identification> {
    let mut out = Vec::new();
    let mut offset = 0;
    for paragraph in text.split("\n\n") {
        let field = |key: &str| {
            paragraph
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .map(str::trim)
        };
        if let (Some(name), Some(version)) = (field("P:"), field("V:")) {
            let listed = Listed {
                name,
                version,
                arch: field("A:"),
                license: field("L:").filter(|l| !l.is_empty()),
                maintainer: field("m:"),
            };
            out.push(package(listed, "apk", offset));
        }
        offset += paragraph.len() + 2;
        if out.len() >= MAX_PACKAGES {
            break;
        }
    }
    out
}

/// Whether `path` is a Python distribution's metadata: a wheel's or pip's
/// `<name>-<version>.dist-info/METADATA`, setuptools'
/// `<name>-<version>.egg-info/PKG-INFO`, or distutils' single
/// `<name>-<version>[-pyX.Y].egg-info` file.
fn python_metadata_file(path: &str) -> bool {
    let (dir, file) = path.rsplit_once('/').unwrap_or(("", path));
    let dir = dir.rsplit('/').next().unwrap_or(dir);
    let named = |stem: Option<&str>| {
        stem.and_then(|s| s.split_once('-'))
            .is_some_and(|(name, version)| {
                !name.is_empty() && version.starts_with(|c: char| c.is_ascii_digit())
            })
    };
    match file {
        "METADATA" => named(dir.strip_suffix(".dist-info")),
        "PKG-INFO" => named(dir.strip_suffix(".egg-info")),
        _ => named(file.strip_suffix(".egg-info")),
    }
}

/// A Python package name as PyPI compares it (PEP 503): lower case, runs
/// of `-`, `_` and `.` as one `-`. Ties a dist-info's `RECORD` to its
/// `METADATA` (`zope_interface-6.0.dist-info` is `zope.interface`).
fn python_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// How a `RECORD` names its distribution for [`link_owners`]: the PEP 503
/// name and the version.
fn python_key(name: &str, version: &str) -> String {
    format!("{}@{version}", python_name(name))
}

/// The package a Python metadata file names (core metadata: `Name`,
/// `Version`, and `License-Expression`, or a one-line `License`), from its
/// header block. Listed as `pkg:pypi/<normalised name>@<version>`.
fn python_metadata(text: &str) -> Option<Identification> {
    let headers = text.split("\n\n").next().unwrap_or_default();
    let field = |key: &str| {
        headers
            .lines()
            .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix(':')))
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let name = field("Name")?;
    let version = field("Version")?;
    // A `License:` field often holds the whole licence text on continued
    // lines; only a short one-line field is a name.
    let continued = headers
        .lines()
        .skip_while(|l| !l.starts_with("License:"))
        .nth(1)
        .is_some_and(|next| next.starts_with([' ', '\t']));
    let license = field("License-Expression").or_else(|| {
        field("License")
            .filter(|l| !continued && l.len() <= 64 && !l.eq_ignore_ascii_case("UNKNOWN"))
    });
    // The purl spec's pypi name: lower case, `_` as `-` (dots kept).
    let purl_name = name.to_lowercase().replace('_', "-");
    Some(language_package(
        format!("pkg:pypi/{}@{}", percent(&purl_name), percent(version)),
        name,
        version,
        "python-package-metadata",
        license,
    ))
}

/// A package a language ecosystem's manifest lists (a Python
/// distribution, an npm package), under `purl`.
fn language_package(
    purl: String,
    name: &str,
    version: &str,
    classifier: &str,
    license: Option<&str>,
) -> Identification {
    Identification {
        purl,
        component: name.to_string(),
        version: version.to_string(),
        kind: "library".into(),
        classifier: classifier.into(),
        offset: 0,
        cpe: None,
        supplier: None,
        license: license.map(str::to_string),
        claims_file: false,
        technique: crate::model::Technique::ManifestAnalysis,
        series: false,
        symbol: None,
        properties: Vec::new(),
    }
}

/// Whether `path` is an installed npm package's manifest:
/// `node_modules/<name>/package.json` or
/// `node_modules/@scope/<name>/package.json`.
fn npm_manifest_file(path: &str) -> bool {
    let mut dirs = path.rsplit('/');
    if dirs.next() != Some("package.json") {
        return false;
    }
    let (Some(name), Some(parent)) = (dirs.next(), dirs.next()) else {
        return false;
    };
    let scoped = parent.starts_with('@') && parent.len() > 1;
    let holder = if scoped { dirs.next() } else { Some(parent) };
    !name.is_empty() && !name.starts_with(['@', '.']) && holder == Some("node_modules")
}

/// The package an npm `package.json` names (`name`, `version`, and
/// `license` as an SPDX expression or the older `{"type": …}` form).
/// A manifest that is not JSON, or names no package and version, lists
/// nothing.
fn npm_package(bytes: &[u8]) -> Option<Identification> {
    if bytes.len() > MAX_NPM_MANIFEST {
        return None;
    }
    // npm reads a manifest saved with a byte-order mark; so does this.
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let manifest: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let field = |key: &str| {
        manifest
            .get(key)
            .and_then(serde_json::Value::as_str)
            .map(str::trim)
            .filter(|v| !v.is_empty() && v.len() <= 256 && !v.contains(char::is_whitespace))
    };
    let name = field("name")?;
    let version = field("version")?;
    let license = manifest.get("license").and_then(|l| {
        l.as_str()
            .or_else(|| l.get("type").and_then(serde_json::Value::as_str))
            .map(str::trim)
            .filter(|l| !l.is_empty() && l.len() <= 64)
    });
    // purl spec: an npm scope is the namespace, its `@` percent-encoded.
    let purl_name = match name.split_once('/') {
        Some((scope, rest)) if scope.starts_with('@') => {
            format!("{}/{}", percent(scope), percent(rest))
        }
        _ => percent(name),
    };
    Some(language_package(
        format!("pkg:npm/{purl_name}@{}", percent(version)),
        name,
        version,
        NPM_CLASSIFIER,
        license,
    ))
}

/// The classifier id of a package an npm manifest lists.
pub const NPM_CLASSIFIER: &str = "npm-package-json";

fn release(text: &str, kind: &'static str) -> Option<Identification> {
    let value = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
            .map(|v| v.trim().trim_matches(['"', '\'']).to_string())
    };
    let (id, version) = match kind {
        "openwrt-release" => (value("DISTRIB_ID")?, value("DISTRIB_RELEASE")?),
        "br-version" => ("buildroot".to_string(), buildroot_release(text)?),
        _ => (value("ID")?, value("VERSION_ID")?),
    };
    let id = id.to_ascii_lowercase();
    Some(Identification {
        purl: format!("pkg:generic/{}@{}", percent(&id), percent(&version)),
        component: id,
        version,
        kind: "operating-system".into(),
        classifier: kind.into(),
        offset: 0,
        cpe: None,
        supplier: None,
        license: None,
        claims_file: false,
        technique: crate::model::Technique::ManifestAnalysis,
        series: false,
        symbol: None,
        properties: Vec::new(),
    })
}

/// A Buildroot release as `br-version` writes it: `YYYY.MM` or
/// `YYYY.MM.x`, alone on its line.
fn buildroot_release(text: &str) -> Option<String> {
    let line = text.lines().next()?.trim();
    let parts: Vec<&str> = line.split('.').collect();
    let numeric = |p: &str, len: std::ops::RangeInclusive<usize>| {
        len.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
    };
    let release = matches!(parts.as_slice(),
        [year, month, rest @ ..]
            if numeric(year, 4..=4)
                && numeric(month, 2..=2)
                && rest.len() <= 1
                && rest.iter().all(|p| numeric(p, 1..=3)));
    release.then(|| line.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EntryKind, Location};

    fn at(path: &str) -> Artifact {
        Artifact::new(
            Location::root("fw.bin").child("squashfs", Some(path.into())),
            "x".into(),
            EntryKind::File,
        )
    }

    #[test]
    fn opkg_and_dpkg_status() {
        let status = "Package: dropbear\nVersion: 2019.78-2\nStatus: install user installed\nArchitecture: mipsel_24kc\n\nPackage: removed\nVersion: 1\nStatus: deinstall ok not-installed\n\nPackage: busybox\nVersion: 1.30.1-6\nStatus: install ok installed\nArchitecture: mipsel_24kc\n";
        let found = identify(&at("usr/lib/opkg/status"), status.as_bytes());
        let purls: Vec<_> = found.iter().map(|i| i.purl.as_str()).collect();
        assert_eq!(
            purls,
            [
                "pkg:opkg/dropbear@2019.78-2?arch=mipsel_24kc",
                "pkg:opkg/busybox@1.30.1-6?arch=mipsel_24kc"
            ]
        );
        let found = identify(&at("./var/lib/dpkg/status"), status.as_bytes());
        assert_eq!(found[0].purl, "pkg:deb/dropbear@2019.78-2?arch=mipsel_24kc");
        // Yocto's opkg and the older ipkg keep the same format elsewhere.
        for path in ["var/lib/opkg/status", "usr/lib/ipkg/status"] {
            let found = identify(&at(path), status.as_bytes());
            assert_eq!(found.len(), 2, "{path}");
            assert_eq!(
                found[0].purl,
                "pkg:opkg/dropbear@2019.78-2?arch=mipsel_24kc"
            );
        }
    }

    #[test]
    fn file_lists_name_each_packages_files() {
        let dpkg = file_lists(
            &at("var/lib/dpkg/info/libc6:armhf.list"),
            b"/.\n/lib\n/lib/arm-linux-gnueabihf/libc.so.6\n",
        );
        assert_eq!(
            dpkg,
            [PackageFiles {
                manager: "dpkg",
                package: "libc6".into(),
                arch: Some("armhf".into()),
                root: String::new(),
                paths: "/lib\n/lib/arm-linux-gnueabihf/libc.so.6\n".into(),
            }]
        );
        // Newer opkg writes the mode after a tab; a root directory is kept.
        let opkg = file_lists(
            &at("rootfs/usr/lib/opkg/info/uhttpd.list"),
            b"/usr/sbin/uhttpd\t0100755\n/etc/init.d/uhttpd\n",
        );
        assert_eq!(opkg[0].manager, "opkg");
        assert_eq!(opkg[0].root, "rootfs/");
        assert_eq!(opkg[0].paths, "/usr/sbin/uhttpd\n/etc/init.d/uhttpd\n");
        let apk = file_lists(
            &at("lib/apk/db/installed"),
            b"P:musl\nV:1.2.4-r2\nF:lib\nR:ld-musl-armhf.so.1\nR:libc.musl-armv7.so.1\n\nP:empty\nV:1\n",
        );
        assert_eq!(apk.len(), 1);
        assert_eq!(
            apk[0].paths,
            "/lib/ld-musl-armhf.so.1\n/lib/libc.musl-armv7.so.1\n"
        );
        assert_eq!(unmerged("usr/bin/busybox").as_deref(), Some("bin/busybox"));
        assert_eq!(
            unmerged("rootfs/usr/lib/x/libc.so.6").as_deref(),
            Some("rootfs/lib/x/libc.so.6")
        );
        assert_eq!(unmerged("usr/share/x"), None);
        // Decoys: a list outside a database, and a database's other files.
        assert!(file_lists(&at("usr/share/doc/x.list"), b"/usr/bin/x\n").is_empty());
        assert!(file_lists(&at("var/lib/dpkg/info/x.md5sums"), b"/usr/bin/x\n").is_empty());
    }

    #[test]
    fn npm_manifests_list_installed_packages() {
        let manifest = br#"{"name": "express", "version": "4.18.2", "license": "MIT",
            "dependencies": {"body-parser": "1.20.1"}}"#;
        let found = identify(&at("www/node_modules/express/package.json"), manifest);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].purl, "pkg:npm/express@4.18.2");
        assert_eq!(found[0].component, "express");
        assert_eq!(found[0].classifier, NPM_CLASSIFIER);
        assert_eq!(found[0].license.as_deref(), Some("MIT"));
        assert_eq!(found[0].technique, Technique::ManifestAnalysis);
        // A scope is the purl's namespace; nested node_modules count; the
        // older licence object gives its type.
        let scoped =
            br#"{"name":"@babel/core","version":"7.23.0","license":{"type":"MIT","url":"x"}}"#;
        let found = identify(
            &at("app/node_modules/a/node_modules/@babel/core/package.json"),
            scoped,
        );
        assert_eq!(found[0].purl, "pkg:npm/%40babel/core@7.23.0");
        assert_eq!(found[0].component, "@babel/core");
        assert_eq!(found[0].license.as_deref(), Some("MIT"));
        // A byte-order mark is skipped; build metadata is escaped.
        let found = identify(
            &at("node_modules/x/package.json"),
            b"\xef\xbb\xbf{\"name\":\"x\",\"version\":\"1.0.0+build.5\"}",
        );
        assert_eq!(found[0].purl, "pkg:npm/x@1.0.0%2Bbuild.5");
    }

    #[test]
    fn other_package_json_files_and_broken_manifests_list_nothing() {
        let manifest = br#"{"name": "webui", "version": "1.0.0"}"#;
        // An application's own manifest, one deeper in a package, a scope
        // directory, a hidden entry, another file name.
        for path in [
            "www/package.json",
            "node_modules/express/lib/package.json",
            "node_modules/@babel/package.json",
            "node_modules/.bin/package.json",
            "node_modules/express/package.json.bak",
        ] {
            assert!(identify(&at(path), manifest).is_empty(), "{path}");
        }
        let path = at("node_modules/x/package.json");
        for broken in [
            &br#"{"name": "x", "version": "#[..],
            br#"{"name": "x"}"#,
            br#"{"name": "x", "version": 3}"#,
            br#"{"name": "x", "version": "1.0 beta"}"#,
            br#"{"name": "", "version": "1.0.0"}"#,
            br#"["x", "1.0.0"]"#,
            &[0xff, 0xfe, 0x00][..],
        ] {
            assert!(identify(&path, broken).is_empty());
        }
        // Deep nesting is an error of the parser, not a crash.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(identify(&path, deep.as_bytes()).is_empty());
        // An oversized manifest is not read.
        let mut big = br#"{"name":"x","version":"1.0.0","pad":""#.to_vec();
        big.resize(MAX_NPM_MANIFEST + 1, b'a');
        big.extend_from_slice(br#""}"#);
        assert!(identify(&path, &big).is_empty());
    }

    #[test]
    fn python_metadata_lists_the_distribution() {
        let metadata = "Metadata-Version: 2.1\nName: PyYAML\nVersion: 6.0.1\nSummary: YAML parser\nLicense: MIT\n\nName: not-a-header\n";
        let found = identify(
            &at("usr/lib/python3/dist-packages/PyYAML-6.0.1.dist-info/METADATA"),
            metadata.as_bytes(),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].purl, "pkg:pypi/pyyaml@6.0.1");
        assert_eq!(found[0].component, "PyYAML");
        assert_eq!(found[0].classifier, "python-package-metadata");
        assert_eq!(found[0].license.as_deref(), Some("MIT"));
        // PEP 639's expression wins; a licence text is not a name.
        let found = identify(
            &at("zlib_ng-1.1.0.dist-info/METADATA"),
            b"Name: zlib-ng\nVersion: 1.1.0\nLicense: Python Software Foundation License Version 2 and the zlib licence, see LICENSE\n",
        );
        assert_eq!(found[0].purl, "pkg:pypi/zlib-ng@1.1.0");
        assert_eq!(found[0].license, None);
        let found = identify(
            &at("site-packages/lxml-6.0.2.dist-info/METADATA"),
            b"Name: lxml\nVersion: 6.0.2\nLicense-Expression: BSD-3-Clause\nLicense: BSD\n",
        );
        assert_eq!(found[0].license.as_deref(), Some("BSD-3-Clause"));
        // The purl keeps a dotted name's dots; a licence text continued
        // on the next lines is not a name, however short its first line.
        let found = identify(
            &at("zope.interface-6.0.dist-info/METADATA"),
            b"Name: zope.interface\nVersion: 6.0\nLicense: Copyright (c) Zope\n        Foundation and Contributors\n",
        );
        assert_eq!(found[0].purl, "pkg:pypi/zope.interface@6.0");
        assert_eq!(found[0].license, None);
        // setuptools' egg-info directory and distutils' single file.
        for path in [
            "usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO",
            "usr/lib/python3.11/dist-packages/six-1.16.0.egg-info",
            "usr/lib/python3.11/dist-packages/six-1.16.0-py3.11.egg-info",
        ] {
            let found = identify(
                &at(path),
                b"Metadata-Version: 1.1\nName: six\nVersion: 1.16.0\n",
            );
            assert_eq!(found[0].purl, "pkg:pypi/six@1.16.0", "{path}");
        }
        // Decoys: a file named METADATA elsewhere, a dist-info without a
        // version, a RECORD, metadata with no version.
        for (path, text) in [
            ("usr/share/doc/METADATA", metadata),
            ("x.dist-info/METADATA", metadata),
            ("pyyaml-6.0.1.dist-info/RECORD", metadata),
            ("pyyaml-6.0.1.dist-info/METADATA", "Name: PyYAML\n"),
        ] {
            assert!(identify(&at(path), text.as_bytes()).is_empty(), "{path}");
        }
    }

    #[test]
    fn a_wheels_record_links_its_files_to_the_distribution() {
        let wheel = Location::root("lxml-6.0.2-cp311-manylinux.whl");
        let file = |path: &str| {
            Artifact::new(
                wheel.child("zip", Some(path.into())),
                path.rsplit('/').next().unwrap_or(path).into(),
                EntryKind::File,
            )
        };
        let mut metadata = file("lxml-6.0.2.dist-info/METADATA");
        metadata.identified = identify(&metadata, b"Name: lxml\nVersion: 6.0.2\n");
        let mut record = file("lxml-6.0.2.dist-info/RECORD");
        record.package_files = file_lists(
            &record,
            b"lxml/etree.cpython-311-x86_64-linux-gnu.so,sha256=abc,123\nlxml.libs/libxslt-1b2c3d4e.so.1.1.43,sha256=def,9\n../../../bin/xmllint,,\nlxml-6.0.2.dist-info/RECORD,,\n",
        );
        assert_eq!(record.package_files[0].package, "lxml@6.0.2");
        let mut root = Artifact::new(wheel.clone(), "w".into(), EntryKind::File);
        root.children = vec![
            metadata,
            record,
            file("lxml/etree.cpython-311-x86_64-linux-gnu.so"),
            file("lxml.libs/libxslt-1b2c3d4e.so.1.1.43"),
            file("bin/xmllint"),
        ];
        link_owners(&mut root);
        let owned: Vec<&str> = root
            .children
            .iter()
            .filter(|a| a.package.as_deref() == Some("pkg:pypi/lxml@6.0.2"))
            .map(|a| a.name.as_str())
            .collect();
        assert_eq!(
            owned,
            [
                "RECORD",
                "etree.cpython-311-x86_64-linux-gnu.so",
                "libxslt-1b2c3d4e.so.1.1.43"
            ]
        );
    }

    #[test]
    fn two_releases_of_a_distribution_and_the_system_package_manager() {
        // Debian's python3-requests (dpkg lists its files) and a virtual
        // environment's newer requests, in one root filesystem.
        let file = |path: &str| at(path);
        let sys = "usr/lib/python3/dist-packages";
        let venv = "opt/venv/lib/python3.11/site-packages";
        let mut status = file("var/lib/dpkg/status");
        status.identified = identify(
            &status,
            b"Package: python3-requests\nStatus: install ok installed\nVersion: 2.28.1+dfsg-1\n",
        );
        let mut list = file("var/lib/dpkg/info/python3-requests.list");
        list.package_files = file_lists(&list, format!("/{sys}/requests/api.py\n").as_bytes());
        let mut children = vec![status, list];
        for (dir, version) in [(sys, "2.28.1"), (venv, "2.31.0")] {
            let info = format!("{dir}/requests-{version}.dist-info");
            let mut metadata = file(&format!("{info}/METADATA"));
            metadata.identified = identify(
                &metadata,
                format!("Name: requests\nVersion: {version}\n").as_bytes(),
            );
            let mut record = file(&format!("{info}/RECORD"));
            record.package_files = file_lists(&record, b"requests/api.py,sha256=x,1\n");
            children.extend([metadata, record, file(&format!("{dir}/requests/api.py"))]);
        }
        let mut root = Artifact::new(Location::root("fw.bin"), "fw.bin".into(), EntryKind::File);
        root.children = children;
        link_owners(&mut root);
        let owner = |path: &str| {
            root.children
                .iter()
                .find(|a| a.location.0.last().and_then(|s| s.path.as_deref()) == Some(path))
                .and_then(|a| a.package.clone())
        };
        assert_eq!(
            owner(&format!("{sys}/requests/api.py")).as_deref(),
            Some("pkg:deb/python3-requests@2.28.1%2Bdfsg-1")
        );
        assert_eq!(
            owner(&format!("{venv}/requests/api.py")).as_deref(),
            Some("pkg:pypi/requests@2.31.0")
        );
    }

    #[test]
    fn an_opkg_control_file_lists_its_package() {
        let control = "Package: uhttpd\nVersion: 2023-06-25-34a8a74d-2\nDepends: libc, libubox20230523\nLicense: ISC\nArchitecture: mipsel_24kc\nInstalled-Size: 30720\n";
        let found = identify(&at("usr/lib/opkg/info/uhttpd.control"), control.as_bytes());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].classifier, "opkg-database");
        assert_eq!(found[0].license.as_deref(), Some("ISC"));
        assert_eq!(
            found[0].purl,
            "pkg:opkg/uhttpd@2023-06-25-34a8a74d-2?arch=mipsel_24kc"
        );
        let found = identify(
            &at("usr/lib/ipkg/info/busybox.control"),
            b"Package: busybox\nVersion: 1.4.2-1\n",
        );
        assert_eq!(found[0].classifier, "ipkg-database");
        // Decoys: a control file outside a package database, the package's
        // file list, and a status file outside its directory.
        for path in [
            "usr/share/doc/uhttpd.control",
            "usr/lib/opkg/info/uhttpd.list",
            "etc/opkg/status",
        ] {
            assert!(identify(&at(path), control.as_bytes()).is_empty(), "{path}");
        }
    }

    #[test]
    fn a_package_files_control_lists_the_package() {
        let steps = |steps: &[(Option<&'static str>, Option<&str>)]| {
            let mut location = Location::root("update.bin");
            for (format, path) in steps {
                location = location.child(format.expect("format"), path.map(str::to_string));
            }
            Artifact::new(location, "control".into(), EntryKind::File)
        };
        // Debian trixie's libwebrtc-audio-processing-1-3_1.3-3+b1_arm64.deb.
        let control = "Package: libwebrtc-audio-processing-1-3\nSource: webrtc-audio-processing (1.3-3)\nVersion: 1.3-3+b1\nArchitecture: arm64\nMaintainer: Pulseaudio maintenance team <pkg-pulseaudio-devel@lists.alioth.debian.org>\nMulti-Arch: same\n";
        let deb = steps(&[
            (
                Some("squashfs"),
                Some("pkgs/libwebrtc-audio-processing-1-3_1.3-3+b1_arm64.deb"),
            ),
            (Some("ar"), Some("control.tar.xz")),
            (Some("xz"), None),
            (Some("tar"), Some("./control")),
        ]);
        let found = identify(&deb, control.as_bytes());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].classifier, "deb-package-file");
        assert_eq!(
            found[0].supplier.as_deref(),
            Some("Pulseaudio maintenance team")
        );
        assert_eq!(
            found[0].purl,
            "pkg:deb/libwebrtc-audio-processing-1-3@1.3-3%2Bb1?arch=arm64"
        );
        // An opkg package: a gzipped tar of the same members.
        let ipk = steps(&[
            (
                Some("squashfs"),
                Some("tmp/uhttpd_2023-06-25_mipsel_24kc.ipk"),
            ),
            (Some("gzip"), None),
            (Some("tar"), Some("./control.tar.gz")),
            (Some("gzip"), None),
            (Some("tar"), Some("./control")),
        ]);
        let found = identify(&ipk, b"Package: uhttpd\nVersion: 2023-06-25-34a8a74d-2\n");
        assert_eq!(found[0].classifier, "opkg-package-file");
        assert_eq!(found[0].purl, "pkg:opkg/uhttpd@2023-06-25-34a8a74d-2");
        // With no telling name, the container decides.
        let unnamed = steps(&[
            (Some("zip"), Some("payload.bin")),
            (Some("ar"), Some("control.tar.gz")),
            (Some("gzip"), None),
            (Some("tar"), Some("./control")),
        ]);
        assert_eq!(
            identify(&unnamed, control.as_bytes())[0].classifier,
            "deb-package-file"
        );
        // Decoys: a source tree's debian/control, a control file at a
        // tar's top level, a control.tar's other member, and a control
        // archive that is not a package's member (a plain file on disk).
        for decoy in [
            steps(&[(Some("tar"), Some("src/debian/control"))]),
            steps(&[(Some("gzip"), None), (Some("tar"), Some("./control"))]),
            steps(&[
                (Some("ar"), Some("control.tar.xz")),
                (Some("xz"), None),
                (Some("tar"), Some("./postinst")),
            ]),
            steps(&[
                (Some("squashfs"), Some("etc/control.tar.gz")),
                (Some("gzip"), None),
                (Some("tar"), Some("./control")),
            ]),
        ] {
            assert!(
                identify(&decoy, control.as_bytes()).is_empty(),
                "{}",
                decoy.location
            );
        }
    }

    #[test]
    fn a_package_files_data_members_are_its_files() {
        let deb = Location::root("bundle.tar").child("tar", Some("pkgs/x_1.0_arm64.deb".into()));
        let node = |location: Location, children: Vec<Artifact>| {
            let mut a = Artifact::new(location, "n".into(), EntryKind::File);
            a.children = children;
            a
        };
        let control = deb
            .child("ar", Some("control.tar.xz".into()))
            .child("xz", None)
            .child("tar", Some("./control".into()));
        let data = deb
            .child("ar", Some("data.tar.xz".into()))
            .child("xz", None);
        let program = data.child("tar", Some("./usr/bin/x".into()));
        let inside = program.child("gzip", None);
        let beside = Location::root("bundle.tar").child("tar", Some("usr/bin/y".into()));
        let mut control_file = node(control.clone(), vec![]);
        control_file.identified = identify(
            &control_file,
            b"Package: x\nVersion: 1.0\nArchitecture: arm64\n",
        );
        let mut image = node(
            Location::root("bundle.tar"),
            vec![
                node(
                    deb.clone(),
                    vec![
                        node(
                            deb.child("ar", Some("control.tar.xz".into())),
                            vec![control_file],
                        ),
                        node(
                            deb.child("ar", Some("data.tar.xz".into())),
                            vec![node(
                                data.clone(),
                                vec![node(program.clone(), vec![node(inside.clone(), vec![])])],
                            )],
                        ),
                    ],
                ),
                node(beside.clone(), vec![]),
            ],
        );
        link_package_files(&mut image);
        let owned: Vec<String> = image
            .iter()
            .filter(|a| a.package.as_deref() == Some("pkg:deb/x@1.0?arch=arm64"))
            .map(|a| a.location.to_string())
            .collect();
        assert_eq!(owned, [program.to_string()]);
    }

    #[test]
    fn database_purls_take_the_distribution_from_the_release_file() {
        let mut root = Artifact::new(Location::root("fw.bin"), "fw.bin".into(), EntryKind::File);
        let mut status = at("var/lib/dpkg/status");
        status.identified = identify(
            &status,
            b"Package: zlib1g\nVersion: 1:1.2.13.dfsg-1\nStatus: install ok installed\nArchitecture: armhf\n",
        );
        let mut release = at("etc/os-release");
        release.identified = identify(&release, b"ID=debian\nVERSION_ID=\"12\"\n");
        root.children = vec![status, release];
        let mut alone = root.clone();
        alone.children.truncate(1);
        qualify_namespaces(&mut root);
        assert_eq!(
            root.children[0].identified[0].purl,
            "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=armhf"
        );
        // Twice changes nothing; without a release file nothing changes.
        let purls = |a: &Artifact| -> Vec<String> {
            a.iter()
                .flat_map(|a| &a.identified)
                .map(|i| i.purl.clone())
                .collect()
        };
        let once = purls(&root);
        qualify_namespaces(&mut root);
        assert_eq!(purls(&root), once);
        qualify_namespaces(&mut alone);
        assert_eq!(
            alone.children[0].identified[0].purl,
            "pkg:deb/zlib1g@1:1.2.13.dfsg-1?arch=armhf"
        );
    }

    #[test]
    fn a_package_note_names_the_source_package() {
        let note = |kind: &str, os: Option<&str>| PackageNote {
            kind: kind.into(),
            name: "systemd".into(),
            version: "252.39-1~deb12u2".into(),
            architecture: Some("armhf".into()),
            os: os.map(str::to_string),
        };
        assert_eq!(
            from_note(&note("deb", Some("debian"))).purl,
            "pkg:deb/debian/systemd@252.39-1~deb12u2?arch=source"
        );
        assert_eq!(
            from_note(&note("rpm", Some("fedora"))).purl,
            "pkg:rpm/fedora/systemd@252.39-1~deb12u2?arch=src"
        );
        assert_eq!(
            from_note(&note("apk", None)).purl,
            "pkg:apk/systemd@252.39-1~deb12u2"
        );
        assert_eq!(
            from_note(&note("pacman-ish", Some("x"))).purl,
            "pkg:generic/systemd@252.39-1~deb12u2"
        );
        // A note without a distribution takes the image's.
        let mut root = Artifact::new(Location::root("fw.bin"), "fw.bin".into(), EntryKind::File);
        let mut lib = at("usr/lib/libsystemd.so.0");
        lib.identified = vec![from_note(&note("deb", None))];
        let mut release = at("etc/os-release");
        release.identified = identify(&release, b"ID=debian\nVERSION_ID=12\n");
        root.children = vec![lib, release];
        qualify_namespaces(&mut root);
        assert_eq!(
            root.children[0].identified[0].purl,
            "pkg:deb/debian/systemd@252.39-1~deb12u2?arch=source"
        );
    }

    #[test]
    fn apk_and_release_files() {
        let db = "C:Q1abc\nP:musl\nV:1.2.2-r7\nA:armv7\nm:Timo Teräs <timo.teras@iki.fi>\n\nP:busybox\nV:1.33.1-r6\nA:armv7\nm:<>\n";
        let found = identify(&at("lib/apk/db/installed"), db.as_bytes());
        assert_eq!(found[0].supplier.as_deref(), Some("Timo Teräs"));
        assert_eq!(found[1].supplier, None);
        assert_eq!(found[1].purl, "pkg:apk/busybox@1.33.1-r6?arch=armv7");
        let os = "NAME=\"OpenWrt\"\nID=\"openwrt\"\nVERSION_ID=\"19.07.7\"\n";
        let found = identify(&at("etc/os-release"), os.as_bytes());
        assert_eq!(found[0].purl, "pkg:generic/openwrt@19.07.7");
        let owrt = "DISTRIB_ID='OpenWrt'\nDISTRIB_RELEASE='21.02.3'\n";
        assert_eq!(
            identify(&at("etc/openwrt_release"), owrt.as_bytes())[0].version,
            "21.02.3"
        );
    }

    #[test]
    fn an_old_buildroot_names_its_release_in_br_version() {
        let found = identify(&at("etc/br-version"), b"2012.08\n");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].purl, "pkg:generic/buildroot@2012.08");
        assert_eq!(found[0].kind, "operating-system");
        assert_eq!(
            identify(&at("etc/br-version"), b"2014.02.1\n")[0].version,
            "2014.02.1"
        );
        // A development tree, anything else, or the file elsewhere.
        for text in ["2009.08-git\n", "v2012.08\n", "12.08\n", "2012.8\n", ""] {
            assert!(
                identify(&at("etc/br-version"), text.as_bytes()).is_empty(),
                "{text}"
            );
        }
        assert!(identify(&at("usr/share/br-version"), b"2012.08\n").is_empty());
    }

    #[test]
    fn files_elsewhere_are_not_databases() {
        let status = "Package: x\nVersion: 1\n";
        assert!(identify(&at("tmp/status"), status.as_bytes()).is_empty());
        assert!(identify(&at("etc/os-release.bak"), b"ID=x\nVERSION_ID=1\n").is_empty());
    }
}
