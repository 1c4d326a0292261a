//! Release series: what a SONAME or a real name tells when it names a
//! series, not a release (`libssl.so.1.1` is OpenSSL 1.1.0 or 1.1.1 with
//! any letter; `libstdc++.so.6.0.30` is GCC 12). Classifier records with
//! `series = true` find them; this pass settles each against the releases
//! found anywhere in the image, once the walk is done:
//!
//! - exactly one release of the component lies in the series, read from
//!   the same file, or else from the library of the same component the
//!   file links to (`DT_NEEDED`, resolved as the dependency graph resolves
//!   it: libssl.so.3 is the release of its libcrypto.so.3), or else from
//!   any file that is the component (a
//!   library's version text, a real name; not a package database, not a
//!   program linking the component in): the series corroborates it. It becomes an occurrence of that release with its own
//!   method, so the release's evidence shows both the version text and the
//!   name that agrees with it;
//! - none, or several: it stays a series component, version unknown and
//!   series named. A release outside the series is conflicting evidence,
//!   shown, not merged away.
//!
//! A `presence` record's identification is the series every release
//! belongs to (an empty one). Releases read from the same file decide it
//! first, whatever the file is (pjnath's version beside pjlib's marker in
//! one program): one settles it, several leave it standing. Otherwise the
//! library of its component it links to settles it. Where the file *is*
//! the component, the image's one release settles it too, and failing that
//! the one release a package database lists (OpenWrt's ubus has no version
//! but its opkg record's); a copy inside another file (a vendor library or
//! kernel module built from the component's source) is a build of its own,
//! and another file's release would be a guess.
//!
//! The objects of one static library (`libmbedcrypto.a`'s `bignum.c.o`
//! and `version.c.o`) are one build: where a file's own bytes name no
//! release of the component, the one release its archive's other members
//! name settles it, before any linked library.

use std::collections::{BTreeMap, HashMap};

use crate::model::{Artifact, Identification, Step, Technique};

/// Component name -> release -> (purl, CPE).
type Releases = BTreeMap<String, BTreeMap<String, (String, Option<String>)>>;

/// Settle every series identification in `image` (see the module docs).
pub fn resolve(image: &mut Artifact) {
    let mut found = Found::default();
    let mut any_series = false;
    for id in image.iter().flat_map(|a| &a.identified) {
        if id.series {
            any_series = true;
        } else if id.technique == Technique::ManifestAnalysis {
            // A Python or npm package is not the library it binds (PyPI's
            // lz4 4.4.5 is not LZ4 4.4.5, npm's zlib is not zlib), a
            // package file lying in the image (an update bundle's .deb) is
            // not installed, and an SBOM shipped in the image is a label,
            // not the package manager's record.
            // A program's crate or module list names what it was built from,
            // in its ecosystem: the `zstd` crate is not libzstd.
            let installed = !["pkg:pypi/", "pkg:npm/"]
                .iter()
                .any(|language| id.purl.starts_with(language))
                && !crate::identify::packages::is_package_file(&id.classifier)
                && id.classifier != crate::identify::embedded_sbom::CLASSIFIER
                && !crate::identify::lists_linked_code(&id.classifier);
            if installed {
                add(&mut found.listed, id);
            }
        } else if id.claims_file {
            // Only a file that *is* the component, read from its bytes or
            // name, speaks for the library beside it: a package database
            // names its package's version (`1.1.1w-0+deb11u1`), and a
            // program linking the component in may carry another release.
            add(&mut found.read, id);
        }
    }
    if any_series {
        let linked = linked_releases(image);
        let archives = archive_releases(image);
        let cx = Settling {
            found: &found,
            linked: &linked,
            archives: &archives,
        };
        settle(image, &cx, &mut 0);
    }
}

/// What settling reads besides the file itself.
struct Settling<'a> {
    found: &'a Found,
    /// In `Artifact::iter` order, the releases each file links to.
    linked: &'a [Releases],
    /// By archive (its location's steps), the releases its members' own
    /// bytes name.
    archives: &'a HashMap<Vec<Step>, Releases>,
}

/// The members of an `ar` archive (a static library) by their archive.
fn archive_of(artifact: &Artifact) -> Option<&[Step]> {
    let last = artifact.location.0.last()?;
    (last.format == Some("ar")).then(|| artifact.location.container())
}

/// For every static library in `image`, the releases its members name.
fn archive_releases(image: &Artifact) -> HashMap<Vec<Step>, Releases> {
    let mut archives: HashMap<Vec<Step>, Releases> = HashMap::new();
    for artifact in image.iter() {
        let Some(archive) = archive_of(artifact) else {
            continue;
        };
        let releases = archives.entry(archive.to_vec()).or_default();
        for (component, versions) in own_releases(artifact) {
            releases.entry(component).or_default().extend(versions);
        }
    }
    archives
}

/// Releases found in the whole image.
#[derive(Default)]
struct Found {
    /// Read from files that are the component.
    read: Releases,
    /// Named by a package database or package note.
    listed: Releases,
}

fn add(releases: &mut Releases, id: &Identification) {
    releases
        .entry(id.component.clone())
        .or_default()
        .entry(id.version.clone())
        .or_insert_with(|| (id.purl.clone(), id.cpe.clone()));
}

/// The one release of `releases` in `series`, if exactly one is.
fn only<'r>(
    releases: Option<&'r BTreeMap<String, (String, Option<String>)>>,
    series: &str,
) -> Option<(&'r String, &'r (String, Option<String>))> {
    let mut within = releases
        .into_iter()
        .flatten()
        .filter(|(version, _)| Identification::in_series(version, series));
    match (within.next(), within.next()) {
        (Some(one), None) => Some(one),
        _ => None,
    }
}

/// Releases read from this very file (not its package note).
fn own_releases(artifact: &Artifact) -> Releases {
    let mut own = Releases::new();
    for id in &artifact.identified {
        if !id.series && id.technique != Technique::ManifestAnalysis {
            add(&mut own, id);
        }
    }
    own
}

/// What a file is, by the releases read from it (not what it embeds), as
/// `Found::read` counts them.
fn claimed_releases(artifact: &Artifact) -> Releases {
    let mut own = Releases::new();
    for id in &artifact.identified {
        if id.claims_file && !id.series && id.technique != Technique::ManifestAnalysis {
            add(&mut own, id);
        }
    }
    own
}

/// For every artifact of `image`, in `Artifact::iter` order: the releases
/// of the libraries it links to (`DT_NEEDED`, resolved as the dependency
/// graph resolves them: `elf::LinkIndex`).
fn linked_releases(image: &Artifact) -> Vec<Releases> {
    let artifacts: Vec<&Artifact> = image.iter().collect();
    let libraries: Vec<(&Artifact, usize)> = artifacts
        .iter()
        .enumerate()
        .filter(|(_, a)| a.elf.is_some())
        .map(|(i, a)| (*a, i))
        .collect();
    let index = crate::identify::elf::LinkIndex::new(&libraries);
    let mut claimed: BTreeMap<usize, Releases> = BTreeMap::new();
    artifacts
        .iter()
        .map(|artifact| {
            let mut linked = Releases::new();
            for needed in artifact.elf.iter().flat_map(|e| &e.needed) {
                let Some(library) = index.resolve(artifact, needed) else {
                    continue;
                };
                let releases = claimed
                    .entry(library)
                    .or_insert_with(|| claimed_releases(artifacts[library]));
                for (component, versions) in releases.iter() {
                    linked
                        .entry(component.clone())
                        .or_default()
                        .extend(versions.clone());
                }
            }
            linked
        })
        .collect()
}

/// Settle the series of `artifact` and its children; `linked` holds, in
/// `Artifact::iter` order from `*next` on, the releases of the libraries
/// each links to (see [`linked_releases`]).
fn settle(artifact: &mut Artifact, cx: &Settling<'_>, next: &mut usize) {
    let empty = Releases::new();
    let found = cx.found;
    let linked_here = cx.linked.get(*next).unwrap_or(&empty);
    *next += 1;
    let local = own_releases(artifact);
    let archive = archive_of(artifact)
        .and_then(|a| cx.archives.get(a))
        .unwrap_or(&empty);
    // A Go main module built from a checkout (`(devel)`) keeps no release;
    // another program's list would be a guess.
    let settles =
        |id: &Identification| id.series && !crate::identify::lists_linked_code(&id.classifier);
    for id in artifact.identified.iter_mut().filter(|id| settles(id)) {
        let release = if !id.version.is_empty() {
            // The file's own release first (libcrypto.so.3 holding its
            // version text, beside another OpenSSL 3 elsewhere in the
            // image), then that of the library of the same component it
            // links to (libssl.so.3 to its libcrypto.so.3), else the
            // image's one release in the series.
            only(local.get(&id.component), &id.version)
                .or_else(|| only(archive.get(&id.component), &id.version))
                .or_else(|| only(linked_here.get(&id.component), &id.version))
                .or_else(|| only(found.read.get(&id.component), &id.version))
        } else if let Some(here) = local.get(&id.component) {
            // A presence marker beside releases of its own file: one
            // settles it, several conflict and leave it standing.
            only(Some(here), "")
        } else if let Some(built) = archive.get(&id.component) {
            // Else its static library's other objects: one build.
            only(Some(built), "")
        } else if let Some(there) = linked_here.get(&id.component) {
            // Else the library of its component it links to (FFmpeg's
            // libswscale to its libavutil).
            only(Some(there), "")
        } else if !id.claims_file {
            // A copy inside another file (a vendor library or kernel
            // module built from the component's source) is its own build:
            // another file's release would be a guess.
            None
        } else {
            // Else the image's one release, or the package database's
            // (OpenWrt's ubus is versioned by its opkg record only).
            match found.read.get(&id.component) {
                // Several releases read conflict; a package record does
                // not overrule them.
                Some(read) if !read.is_empty() => only(Some(read), ""),
                _ => only(found.listed.get(&id.component), ""),
            }
        };
        if let Some((version, (purl, cpe))) = release {
            id.version = version.clone();
            id.purl = purl.clone();
            id.cpe = cpe.clone();
            id.series = false;
        }
    }
    for child in &mut artifact.children {
        settle(child, cx, next);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EntryKind, Location, Technique};

    fn found(component: &str, version: &str, series: bool) -> Identification {
        Identification {
            component: component.into(),
            version: version.into(),
            kind: "library".into(),
            classifier: format!("{component}-{}", if series { "soname" } else { "text" }),
            offset: 0,
            purl: if series {
                format!("pkg:generic/{component}")
            } else {
                format!("pkg:generic/{component}@{version}")
            },
            cpe: None,
            supplier: None,
            license: None,
            claims_file: true,
            technique: Technique::Filename,
            series,
            symbol: None,
            properties: Vec::new(),
        }
    }

    fn image(files: Vec<Vec<Identification>>) -> Artifact {
        let mut root = Artifact::new(Location::root("fw"), "fw".into(), EntryKind::File);
        for (i, identified) in files.into_iter().enumerate() {
            let mut child = Artifact::new(
                Location::root("fw").child("tar", Some(format!("f{i}"))),
                format!("f{i}"),
                EntryKind::File,
            );
            child.identified = identified;
            root.children.push(child);
        }
        root
    }

    /// Each identification's (version, still a series).
    fn versions(image: &Artifact) -> Vec<(String, bool)> {
        settled(image)
            .into_iter()
            .map(|(v, series, _)| (v, series))
            .collect()
    }

    fn settled(image: &Artifact) -> Vec<(String, bool, String)> {
        image
            .iter()
            .flat_map(|a| &a.identified)
            .map(|i| (i.version.clone(), i.series, i.purl.clone()))
            .collect()
    }

    #[test]
    fn a_series_corroborates_the_one_release_within_it() {
        // libcrypto.so.1.1 holds the version text; libssl.so.1.1 only its name.
        let mut fw = image(vec![
            vec![
                found("openssl", "1.1.1w", false),
                found("openssl", "1.1", true),
            ],
            vec![found("openssl", "1.1", true)],
        ]);
        resolve(&mut fw);
        let release = (
            "1.1.1w".to_string(),
            false,
            "pkg:generic/openssl@1.1.1w".to_string(),
        );
        assert_eq!(
            settled(&fw),
            vec![release.clone(), release.clone(), release]
        );
    }

    #[test]
    fn a_series_without_one_release_within_it_stands() {
        // A release outside the series conflicts; two within are ambiguous.
        for releases in [vec!["3.0.11"], vec!["1.1.0l", "1.1.1w"], vec![]] {
            let mut files: Vec<Vec<Identification>> = releases
                .iter()
                .map(|v| vec![found("openssl", v, false)])
                .collect();
            files.push(vec![found("openssl", "1.1", true)]);
            let mut fw = image(files);
            resolve(&mut fw);
            let last = settled(&fw).pop().expect("series");
            assert_eq!(
                last,
                ("1.1".into(), true, "pkg:generic/openssl".into()),
                "{releases:?}"
            );
        }
        // A package database's version does not settle it.
        let mut packaged = found("openssl", "1.1.1w-0+deb11u1", false);
        packaged.technique = Technique::ManifestAnalysis;
        let mut fw = image(vec![vec![packaged], vec![found("openssl", "1.1", true)]]);
        resolve(&mut fw);
        assert!(settled(&fw)[1].1);
        // Another component's release is not this one's.
        let mut fw = image(vec![
            vec![found("libressl", "1.1.0", false)],
            vec![found("openssl", "1.1", true)],
        ]);
        resolve(&mut fw);
        assert!(settled(&fw)[1].1);
    }

    #[test]
    fn a_series_is_settled_by_its_own_files_release_first() {
        // Two wheels' OpenSSL 3 (pycurl's 3.6.5, psycopg2's 3.5.8): each
        // libcrypto.so.3 holds its own version text and is that release;
        // a libssl.so.3 with no text of its own stays ambiguous.
        let mut fw = image(vec![
            vec![
                found("openssl", "3.6.5", false),
                found("openssl", "3", true),
            ],
            vec![
                found("openssl", "3.5.8", false),
                found("openssl", "3", true),
            ],
            vec![found("openssl", "3", true)],
        ]);
        resolve(&mut fw);
        assert_eq!(
            versions(&fw),
            [
                ("3.6.5".into(), false),
                ("3.6.5".into(), false),
                ("3.5.8".into(), false),
                ("3.5.8".into(), false),
                ("3".into(), true),
            ]
        );
    }

    #[test]
    fn a_series_is_settled_by_the_library_it_links_to() {
        // pycurl's libssl-….so.3 holds no version text; it links to its own
        // libcrypto, which holds 3.6.5, beside psycopg2's OpenSSL 3.5.8.
        let mut fw = image(vec![
            vec![found("openssl", "3.6.5", false)],
            vec![found("openssl", "3", true)],
            vec![found("openssl", "3.5.8", false)],
            vec![found("openssl", "3", true)],
        ]);
        let elf = |soname: &str, needed: &[&str]| crate::model::ElfFacts {
            class: crate::model::ElfClass::Elf64,
            endian: crate::model::Endian::Little,
            machine: "x86_64".into(),
            elf_type: crate::model::ElfType::Dyn,
            role: crate::model::ElfRole::SharedLibrary,
            interpreter: None,
            needed: needed.iter().map(|n| n.to_string()).collect(),
            soname: Some(soname.into()),
            build_id: None,
            stripped: true,
            toolchain: Vec::new(),
            modinfo: Vec::new(),
            packer: None,
            package: None,
        };
        fw.children[0].elf = Some(Box::new(elf("libcrypto-fa202293.so.3", &[])));
        fw.children[1].elf = Some(Box::new(elf(
            "libssl-8b66dd34.so.3",
            &["libcrypto-fa202293.so.3"],
        )));
        fw.children[2].elf = Some(Box::new(elf("libcrypto-fb8d5b21.so.3", &[])));
        // Linked to a library that is not OpenSSL's: stays a series.
        fw.children[3].elf = Some(Box::new(elf("libssl-8bd944e8.so.3", &["libc.so.6"])));
        // A presence (FFmpeg's libswscale) is settled the same way.
        fw.children.push(
            image(vec![vec![found("openssl", "", true)]])
                .children
                .remove(0),
        );
        fw.children[4].elf = Some(Box::new(elf("libx.so.1", &["libcrypto-fb8d5b21.so.3"])));
        resolve(&mut fw);
        assert_eq!(
            versions(&fw),
            [
                ("3.6.5".into(), false),
                ("3.6.5".into(), false),
                ("3.5.8".into(), false),
                ("3".into(), true),
                ("3.5.8".into(), false),
            ]
        );
    }

    #[test]
    fn presence_is_settled_by_a_release_in_its_file_or_else_in_the_image() {
        // pjnath's version beside pjlib's marker in one program, which is
        // not the library itself: the program's own release settles it.
        let mut linked = found("pjsip", "2.14.1", false);
        linked.claims_file = false;
        let mut fw = image(vec![vec![linked, found("pjsip", "", true)]]);
        resolve(&mut fw);
        assert_eq!(settled(&fw)[1].0, "2.14.1");
        assert!(!settled(&fw)[1].1);
        // Alone, it stays a component with no version.
        let mut fw = image(vec![vec![found("live555", "", true)]]);
        resolve(&mut fw);
        assert_eq!(
            settled(&fw),
            vec![("".into(), true, "pkg:generic/live555".into())]
        );
        // One release elsewhere, read from the library itself, settles it;
        // two leave it standing.
        let mut fw = image(vec![
            vec![found("pjsip", "2.14.1", false)],
            vec![found("pjsip", "", true)],
        ]);
        resolve(&mut fw);
        assert_eq!(settled(&fw)[1].0, "2.14.1");
        let mut fw = image(vec![
            vec![found("pjsip", "2.13", false)],
            vec![found("pjsip", "2.14.1", false)],
            vec![found("pjsip", "", true)],
        ]);
        resolve(&mut fw);
        assert_eq!(
            settled(&fw)[2],
            ("".into(), true, "pkg:generic/pjsip".into())
        );
        // Two releases in its own file conflict, whatever the image holds.
        let two = |v: &str| {
            let mut id = found("pjsip", v, false);
            id.claims_file = false;
            id
        };
        let mut fw = image(vec![
            vec![found("pjsip", "2.14.1", false)],
            vec![two("2.13"), two("2.14"), found("pjsip", "", true)],
        ]);
        resolve(&mut fw);
        assert!(settled(&fw)[3].1);
        // With no release read, a package record's one release does.
        let mut listed = found("ubus", "2023-06-05-f787c97b-1", false);
        listed.technique = Technique::ManifestAnalysis;
        listed.purl = "pkg:opkg/ubus@2023-06-05-f787c97b-1".into();
        let mut fw = image(vec![vec![listed.clone(), found("ubus", "", true)]]);
        resolve(&mut fw);
        assert_eq!(
            settled(&fw)[1],
            (
                "2023-06-05-f787c97b-1".into(),
                false,
                "pkg:opkg/ubus@2023-06-05-f787c97b-1".into()
            )
        );
        // Not a package file lying in the image, nor a Python or npm
        // package of the same name.
        for (classifier, purl) in [
            ("opkg-package-file", "pkg:opkg/ubus@2023-06-05-f787c97b-1"),
            ("python-package-metadata", "pkg:pypi/ubus@0.1.3"),
            ("npm-package-json", "pkg:npm/ubus@0.1.3"),
        ] {
            let mut lying = listed.clone();
            lying.classifier = classifier.into();
            lying.purl = purl.into();
            let mut fw = image(vec![vec![lying, found("ubus", "", true)]]);
            resolve(&mut fw);
            assert!(settled(&fw)[1].1, "{classifier}");
        }
        // Two releases read from files conflict; the package record does
        // not overrule them.
        let mut fw = image(vec![
            vec![found("ubus", "2021", false)],
            vec![found("ubus", "2023", false)],
            vec![listed, found("ubus", "", true)],
        ]);
        resolve(&mut fw);
        assert!(settled(&fw)[3].1);
    }

    #[test]
    fn a_copy_inside_another_file_is_not_settled_by_another_files_release() {
        // Mbed TLS's code in a vendor's kernel module, beside a libmbedcrypto
        // whose version text says 2.28.3: another build, version unknown.
        let copy = |component: &str| {
            let mut id = found(component, "", true);
            id.claims_file = false;
            id
        };
        let mut fw = image(vec![
            vec![found("mbedtls", "2.28.3", false)],
            vec![copy("mbedtls")],
        ]);
        resolve(&mut fw);
        assert_eq!(
            settled(&fw)[1],
            ("".into(), true, "pkg:generic/mbedtls".into())
        );
        // Nor by a package record.
        let mut listed = found("cjson", "1.7.15", false);
        listed.technique = Technique::ManifestAnalysis;
        let mut fw = image(vec![vec![listed], vec![copy("cjson")]]);
        resolve(&mut fw);
        assert!(settled(&fw)[1].1);
        // Its own file's release still settles it.
        let mut beside = found("cjson", "1.7.18", false);
        beside.claims_file = false;
        let mut fw = image(vec![vec![beside, copy("cjson")]]);
        resolve(&mut fw);
        assert_eq!(settled(&fw)[1].0, "1.7.18");
    }

    #[test]
    fn a_static_librarys_objects_are_one_build() {
        // libmbedcrypto.a: bignum.c.o defines Mbed TLS's functions (a
        // presence marker), version.c.o holds the release text; another
        // vendor archive's copy is another build.
        let copy = || {
            let mut id = found("mbedtls", "", true);
            id.claims_file = false;
            id
        };
        let release = |version: &str| {
            let mut id = found("mbedtls", version, false);
            id.claims_file = false;
            id
        };
        let member = |archive: &str, name: &str, identified: Vec<Identification>| {
            let location = Location::root("fw")
                .child("tar", Some(archive.into()))
                .child("ar", Some(name.into()));
            let mut a = Artifact::new(location, name.into(), EntryKind::File);
            a.identified = identified;
            a
        };
        let archive = |name: &str, members: Vec<Artifact>| {
            let location = Location::root("fw").child("tar", Some(name.into()));
            let mut a = Artifact::new(location, name.into(), EntryKind::File);
            a.children = members;
            a
        };
        let mut fw = Artifact::new(Location::root("fw"), "fw".into(), EntryKind::File);
        fw.children = vec![
            archive(
                "libmbedcrypto.a",
                vec![
                    member("libmbedcrypto.a", "bignum.c.o", vec![copy()]),
                    member("libmbedcrypto.a", "version.c.o", vec![release("3.6.6")]),
                ],
            ),
            archive(
                "libvendor.a",
                vec![member("libvendor.a", "rsa.o", vec![copy()])],
            ),
            archive(
                "libtwo.a",
                vec![
                    member("libtwo.a", "bignum.o", vec![copy()]),
                    member("libtwo.a", "v1.o", vec![release("2.28.3")]),
                    member("libtwo.a", "v2.o", vec![release("3.6.6")]),
                ],
            ),
        ];
        resolve(&mut fw);
        let got = settled(&fw);
        assert_eq!(
            got[0],
            ("3.6.6".into(), false, "pkg:generic/mbedtls@3.6.6".into())
        );
        // Not by another archive's release, nor by two conflicting ones.
        assert_eq!(got[2], ("".into(), true, "pkg:generic/mbedtls".into()));
        assert!(got[3].1);
    }

    #[test]
    fn series_membership_stops_at_a_part_boundary() {
        assert!(Identification::in_series("1.1.1w", "1.1"));
        assert!(Identification::in_series("1.0.2u", "1.0.2"));
        assert!(Identification::in_series("12.2.0", "12"));
        assert!(Identification::in_series("3", "3"));
        assert!(!Identification::in_series("1.0.20", "1.0.2"));
        assert!(!Identification::in_series("120.1", "12"));
        assert!(!Identification::in_series("1.1", "1.1.1"));
    }
}
