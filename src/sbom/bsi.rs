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
    let by_location: HashMap<String, &Artifact> =
        image.iter().map(|a| (a.location.to_string(), a)).collect();
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

/// The artifact a component stands for: its own location for file
/// components, else the first occurrence that *is* the file.
fn source_of<'a>(
    component: &Component,
    by_location: &HashMap<String, &'a Artifact>,
) -> Option<&'a Artifact> {
    if let Some(location) = component
        .bom_ref
        .as_deref()
        .and_then(|r| r.strip_prefix("file:"))
    {
        return by_location
            .get(location.split('#').next().unwrap_or(location))
            .copied();
    }
    // An identified component whose occurrence is a whole file claimed by
    // it (libcrypto.so.1.1 is openssl); embedded copies have no file.
    let evidence = component.evidence.as_ref()?;
    evidence.occurrences.iter().find_map(|o| {
        let artifact = by_location.get(&o.location).copied()?;
        artifact
            .identified
            .iter()
            .any(|i| i.claims_file && component.purl.as_deref() == Some(i.purl.as_str()))
            .then_some(artifact)
    })
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
            content: h.sha512_hex(),
        });
    }
}
