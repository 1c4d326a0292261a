//! SBOMs shipped inside the image: a Python distribution's
//! `<name>-<version>.dist-info/sboms/*.json` (PEP 770; auditwheel writes
//! one naming the system libraries it grafted into the wheel,
//! `pkg:rpm/almalinux/libgomp@8.5.0-29.el8_10.alma.1`, and cryptography
//! lists the Rust crates it builds in), and any other CycloneDX JSON file
//! named `*.cdx.json` or `*.cyclonedx.json`.
//!
//! Each component the document lists with a name, a version and a purl is
//! listed as the document declares it (`embedded-sbom`, manifest analysis):
//! declared, not read from bytes, like a package database. The document's
//! own subject (its `metadata.component`, the distribution itself) is
//! left to the distribution's metadata. SPDX documents are not read.

use crate::model::{Artifact, Identification, Technique};

/// Largest document read: SBOMs of a few thousand components are well
/// under this; a larger "SBOM" is not parsed whole.
const MAX_BYTES: usize = 16 << 20;

/// Most components taken from one document.
const MAX_COMPONENTS: usize = 10_000;

/// Whether `path` is an SBOM this reads.
fn is_sbom(path: &str) -> bool {
    let path = path.trim_start_matches("./");
    let (dir, file) = path.rsplit_once('/').unwrap_or(("", path));
    let in_dist_info = dir
        .strip_suffix("/sboms")
        .is_some_and(|d| d.ends_with(".dist-info"));
    (in_dist_info && file.ends_with(".json"))
        || file.ends_with(".cdx.json")
        || file.ends_with(".cyclonedx.json")
}

/// The components the CycloneDX document at `artifact` lists.
pub fn identify(artifact: &Artifact, bytes: &[u8]) -> Vec<Identification> {
    let Some(path) = artifact.location.0.last().and_then(|s| s.path.as_deref()) else {
        return Vec::new();
    };
    if !is_sbom(path) || bytes.len() > MAX_BYTES {
        return Vec::new();
    }
    let Ok(document) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return Vec::new();
    };
    if document.get("bomFormat").and_then(|f| f.as_str()) != Some("CycloneDX") {
        return Vec::new();
    }
    let subject = document
        .pointer("/metadata/component/bom-ref")
        .and_then(|r| r.as_str());
    let Some(components) = document.get("components").and_then(|c| c.as_array()) else {
        return Vec::new();
    };
    components
        .iter()
        .filter(|c| subject.is_none() || c.get("bom-ref").and_then(|r| r.as_str()) != subject)
        .filter_map(listed)
        .take(MAX_COMPONENTS)
        .collect()
}

/// One listed component: name, version and purl required; supplier and an
/// SPDX licence id when the document gives them.
fn listed(component: &serde_json::Value) -> Option<Identification> {
    let text = |key: &str| {
        component
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let (name, version, purl) = (text("name")?, text("version")?, text("purl")?);
    if !purl.starts_with("pkg:") {
        return None;
    }
    let license = component
        .pointer("/licenses/0/license/id")
        .or_else(|| component.pointer("/licenses/0/expression"))
        .and_then(|l| l.as_str())
        .map(str::to_string);
    let supplier = component
        .pointer("/supplier/name")
        .and_then(|s| s.as_str())
        .map(str::to_string);
    // Types an identified component may take; anything else (a file, a
    // device, a container) is listed as a library.
    let kind = text("type")
        .filter(|k| {
            matches!(
                *k,
                "application" | "framework" | "operating-system" | "firmware"
            )
        })
        .unwrap_or("library");
    Some(Identification {
        component: name.to_string(),
        version: version.to_string(),
        kind: kind.into(),
        classifier: "embedded-sbom".into(),
        offset: 0,
        purl: purl.to_string(),
        cpe: text("cpe").map(str::to_string),
        supplier,
        license,
        claims_file: false,
        technique: Technique::ManifestAnalysis,
        series: false,
        symbol: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EntryKind, Location};

    fn at(path: &str) -> Artifact {
        Artifact::new(
            Location::root("site.tar").child("tar", Some(path.into())),
            "x".into(),
            EntryKind::File,
        )
    }

    /// ncnn 1.0.20261020's wheel (PyPI, manylinux x86-64): auditwheel
    /// 6.8.2's SBOM of the library it grafted.
    const AUDITWHEEL: &str = r#"{"bomFormat": "CycloneDX", "specVersion": "1.4", "version": 1, "metadata": {"component": {"type": "library", "bom-ref": "pkg:pypi/ncnn@1.0.20261020?file_name=ncnn.whl", "name": "ncnn", "version": "1.0.20261020", "purl": "pkg:pypi/ncnn@1.0.20261020?file_name=ncnn.whl"}, "tools": [{"name": "auditwheel", "version": "6.8.2"}]}, "components": [{"type": "library", "bom-ref": "pkg:pypi/ncnn@1.0.20261020?file_name=ncnn.whl", "name": "ncnn", "version": "1.0.20261020", "purl": "pkg:pypi/ncnn@1.0.20261020?file_name=ncnn.whl"}, {"type": "library", "bom-ref": "pkg:rpm/almalinux/libgomp@8.5.0-29.el8_10.alma.1#c610", "name": "libgomp", "version": "8.5.0-29.el8_10.alma.1", "purl": "pkg:rpm/almalinux/libgomp@8.5.0-29.el8_10.alma.1"}]}"#;

    #[test]
    fn a_wheels_sbom_lists_what_it_grafted() {
        let found = identify(
            &at("./ncnn-1.0.20261020.dist-info/sboms/auditwheel.cdx.json"),
            AUDITWHEEL.as_bytes(),
        );
        assert_eq!(found.len(), 1, "the distribution itself is not repeated");
        assert_eq!(found[0].component, "libgomp");
        assert_eq!(found[0].version, "8.5.0-29.el8_10.alma.1");
        assert_eq!(
            found[0].purl,
            "pkg:rpm/almalinux/libgomp@8.5.0-29.el8_10.alma.1"
        );
        assert_eq!(found[0].classifier, "embedded-sbom");
        // Any CycloneDX file by its name, with licence and supplier.
        let doc = r#"{"bomFormat":"CycloneDX","components":[{"type":"library","name":"openssl","version":"3.0.13","purl":"pkg:generic/openssl@3.0.13","licenses":[{"license":{"id":"Apache-2.0"}}],"supplier":{"name":"OpenSSL"}},{"name":"no-version","purl":"pkg:generic/x"},{"name":"no-purl","version":"1"}]}"#;
        let found = identify(&at("usr/share/sbom/camera.cdx.json"), doc.as_bytes());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].license.as_deref(), Some("Apache-2.0"));
        assert_eq!(found[0].supplier.as_deref(), Some("OpenSSL"));
    }

    #[test]
    fn other_json_is_not_an_sbom() {
        let doc = r#"{"bomFormat":"CycloneDX","components":[{"name":"a","version":"1","purl":"pkg:generic/a@1"}]}"#;
        // Not at an SBOM's path, not CycloneDX, not JSON, cut short.
        assert!(identify(&at("etc/config.json"), doc.as_bytes()).is_empty());
        assert!(identify(&at("x.dist-info/RECORD"), doc.as_bytes()).is_empty());
        let spdx = r#"{"spdxVersion":"SPDX-2.3","packages":[{"name":"a","versionInfo":"1"}]}"#;
        assert!(identify(&at("x-1.dist-info/sboms/a.spdx.json"), spdx.as_bytes()).is_empty());
        assert!(identify(&at("fw.cdx.json"), b"not json").is_empty());
        assert!(identify(&at("fw.cdx.json"), &doc.as_bytes()[..40]).is_empty());
        assert!(!is_sbom("sboms/x.json"));
        assert!(is_sbom("a-1.dist-info/sboms/x.json"));
        assert!(is_sbom("site/a-1.dist-info/sboms/x.json"));
    }
}
