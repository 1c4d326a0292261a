//! The BSI TR-03183-2 (v2.0) profile of a CycloneDX 1.6 SBOM: the fields
//! the guideline requires of every component, added from the artifact each
//! component stands for: `bsi:component:filename`, `…:executable`,
//! `…:archive`, `…:structured` (the BSI CycloneDX property taxonomy), the
//! SHA-512 of the deployable file, a `dependencies` entry for every
//! component, and the SBOM author's e-mail when given. A fact that cannot
//! be proven (a SoC has no file) is left out rather than guessed.

use std::collections::{BTreeSet, HashMap};

use super::cyclonedx::{Bom, Component, Dependency, Hash, Property};
use crate::model::{Artifact, ElfRole};

/// Apply the profile to `bom` made from `image`.
pub fn apply(bom: &mut Bom, image: &Artifact) {
    // Locations can repeat (a tar member appended twice): keep tree order,
    // which is the order of the `#2`, `#3` suffixes on bom-refs.
    let mut by_location: HashMap<String, Vec<&Artifact>> = HashMap::new();
    for a in image.iter() {
        by_location
            .entry(a.location.to_string())
            .or_default()
            .push(a);
    }
    enrich(&mut bom.metadata.component, Some(image));
    for component in &mut bom.components {
        let artifact = source_of(component, &by_location);
        enrich(component, artifact);
    }
    let listed: BTreeSet<String> = bom
        .dependencies
        .iter()
        .map(|d| d.reference.clone())
        .collect();
    let missing: Vec<String> = bom
        .components
        .iter()
        .filter_map(|c| c.bom_ref.clone())
        .filter(|r| !listed.contains(r))
        .collect();
    bom.dependencies
        .extend(missing.into_iter().map(|reference| Dependency {
            reference,
            depends_on: Vec::new(),
        }));
    bom.dependencies
        .sort_by(|a, b| a.reference.cmp(&b.reference));
}

/// The file a component is delivered in: its own location for file
/// components; for an identified component the file that *is* it
/// (libcrypto.so.1.1 is openssl), else the first file it was found in (a
/// library linked into a program ships in that program).
fn source_of<'a>(
    component: &Component,
    by_location: &HashMap<String, Vec<&'a Artifact>>,
) -> Option<&'a Artifact> {
    if let Some(reference) = component
        .bom_ref
        .as_deref()
        .and_then(|r| r.strip_prefix("file:"))
    {
        // `#` in a path is escaped as `%23`; a trailing `#n` is the n-th
        // member of that name.
        let (location, nth) = match reference.rsplit_once('#') {
            Some((l, n)) => match n.parse::<usize>() {
                Ok(n) => (l, n),
                Err(_) => (reference, 1),
            },
            None => (reference, 1),
        };
        let location = location.replace("%23", "#");
        return by_location
            .get(&location)?
            .get(nth.saturating_sub(1))
            .copied();
    }
    let evidence = component.evidence.as_ref()?;
    let files: Vec<&Artifact> = evidence
        .occurrences
        .iter()
        .filter_map(|o| by_location.get(&o.location)?.first().copied())
        .collect();
    files
        .iter()
        .find(|a| {
            a.identified
                .iter()
                .any(|i| i.claims_file && component.purl.as_deref() == Some(i.purl.as_str()))
        })
        .or(files.first())
        .copied()
}

fn enrich(component: &mut Component, artifact: Option<&Artifact>) {
    let Some(a) = artifact else { return };
    let executable = a.elf.as_ref().is_some_and(|e| {
        matches!(
            e.role,
            ElfRole::Executable | ElfRole::SharedLibrary | ElfRole::KernelModule
        )
    });
    let archive = !a.children.is_empty();
    // Archives and filesystems keep their members' names and metadata;
    // a compressed stream or a plain file does not.
    let structured = archive && a.children.iter().any(|c| c.location.inner_path().is_some());
    let mut properties = vec![
        Property::new("bsi:component:filename", &a.name),
        Property::new(
            "bsi:component:executable",
            if executable {
                "executable"
            } else {
                "non-executable"
            },
        ),
        Property::new(
            "bsi:component:archive",
            if archive { "archive" } else { "no archive" },
        ),
        Property::new(
            "bsi:component:structured",
            if structured {
                "structured"
            } else {
                "unstructured"
            },
        ),
    ];
    component
        .properties
        .retain(|p| !p.name.starts_with("bsi:component:"));
    component.properties.append(&mut properties);
    if let Some(h) = &a.hashes
        && let Some(sha512) = h.sha512_hex()
        && !component.hashes.iter().any(|x| x.alg == "SHA-512")
    {
        if !component.hashes.iter().any(|x| x.alg == "SHA-256") {
            component.hashes.push(Hash {
                alg: "SHA-256",
                content: h.sha256_hex(),
            });
        }
        component.hashes.push(Hash {
            alg: "SHA-512",
            content: sha512,
        });
    }
}
