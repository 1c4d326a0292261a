//! SBOMs shipped inside the image: a Python distribution's
//! `<name>-<version>.dist-info/sboms/*.json` (PEP 770; auditwheel writes
//! one naming the system libraries it grafted into the wheel,
//! `pkg:rpm/almalinux/libgomp@8.5.0-29.el8_10.alma.1`, and cryptography
//! lists the Rust crates it builds in), and any other CycloneDX JSON file
//! named `*.cdx.json` or `*.cyclonedx.json`.
//!
//! Each component the document lists with a name, a version and a purl is
//! listed as the document declares it (`embedded-sbom`, manifest analysis),
//! with its supplier, SPDX licence and CPE when given. It is a label, not
//! a reading: where an identifier reads the same component from the bytes,
//! that identifier's supplier, licence and CPE win, and it settles no
//! release another file leaves open (`identify::series`). The document's
//! own subject (its `metadata.component`: the wheel's distribution, the
//! firmware itself) is never listed, by bom-ref, purl or name and version.
//! SPDX 2 JSON documents (`*.spdx.json`, or SPDX in a dist-info's `sboms/`)
//! are read the same way: a package with a name, a `versionInfo` and a
//! purl external reference, its declared licence, supplier and `cpe23Type`
//! reference; the packages `documentDescribes` names are the subject.

use serde::Deserialize;

use crate::identify::capped::Capped;
use crate::model::{Artifact, Identification, Technique};

/// The classifier id of what an embedded SBOM declares.
pub const CLASSIFIER: &str = "embedded-sbom";

/// Largest document read: SBOMs of a few thousand components are well
/// under this.
const MAX_BYTES: usize = 8 << 20;

/// Most components kept from one document; the rest are skipped as they
/// are parsed, so a document of a million empty objects costs no memory.
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
        || file.ends_with(".spdx.json")
}

/// The parts of a CycloneDX or SPDX 2 document read; every other field is
/// skipped unparsed.
#[derive(Deserialize)]
struct Document {
    #[serde(rename = "bomFormat")]
    bom_format: Option<String>,
    metadata: Option<Metadata>,
    #[serde(default)]
    components: Capped<Component, MAX_COMPONENTS>,
    #[serde(rename = "spdxVersion")]
    spdx_version: Option<String>,
    #[serde(rename = "documentDescribes", default)]
    describes: Capped<String, 64>,
    #[serde(default)]
    packages: Capped<SpdxPackage, MAX_COMPONENTS>,
}

/// An SPDX 2 package.
#[derive(Deserialize)]
struct SpdxPackage {
    #[serde(rename = "SPDXID")]
    id: Option<String>,
    name: Option<String>,
    #[serde(rename = "versionInfo")]
    version: Option<String>,
    supplier: Option<String>,
    #[serde(rename = "licenseDeclared")]
    license_declared: Option<String>,
    #[serde(rename = "licenseConcluded")]
    license_concluded: Option<String>,
    #[serde(rename = "externalRefs", default)]
    references: Capped<ExternalRef, 16>,
}

#[derive(Deserialize)]
struct ExternalRef {
    #[serde(rename = "referenceType")]
    kind: String,
    #[serde(rename = "referenceLocator")]
    locator: String,
}

#[derive(Deserialize)]
struct Metadata {
    component: Option<Component>,
}

#[derive(Deserialize)]
struct Component {
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(rename = "bom-ref")]
    bom_ref: Option<String>,
    name: Option<String>,
    version: Option<String>,
    purl: Option<String>,
    cpe: Option<String>,
    supplier: Option<Supplier>,
    #[serde(default)]
    licenses: Capped<LicenseChoice, 4>,
}

#[derive(Deserialize)]
struct Supplier {
    name: Option<String>,
}

#[derive(Deserialize)]
struct LicenseChoice {
    license: Option<License>,
    expression: Option<String>,
}

#[derive(Deserialize)]
struct License {
    id: Option<String>,
}

/// A purl without its qualifiers and subpath, to compare subjects.
fn purl_base(purl: &str) -> &str {
    purl.split(['?', '#']).next().unwrap_or(purl)
}

/// The components the CycloneDX document at `artifact` lists.
pub fn identify(artifact: &Artifact, bytes: &[u8]) -> Vec<Identification> {
    let Some(path) = artifact.location.0.last().and_then(|s| s.path.as_deref()) else {
        return Vec::new();
    };
    if !is_sbom(path) || bytes.len() > MAX_BYTES {
        return Vec::new();
    }
    let Ok(document) = serde_json::from_slice::<Document>(bytes) else {
        return Vec::new();
    };
    if document
        .spdx_version
        .as_deref()
        .is_some_and(|v| v.starts_with("SPDX-2."))
    {
        return spdx(document);
    }
    if document.bom_format.as_deref() != Some("CycloneDX") {
        return Vec::new();
    }
    // The document's own subject (a wheel's distribution, the firmware
    // itself) is not one of its components, however it is repeated.
    let subject = document.metadata.and_then(|m| m.component);
    let is_subject = |c: &Component| {
        subject.as_ref().is_some_and(|s| {
            (s.bom_ref.is_some() && s.bom_ref == c.bom_ref)
                || matches!((&s.purl, &c.purl), (Some(a), Some(b)) if purl_base(a) == purl_base(b))
                || (s.name.is_some() && s.name == c.name && s.version == c.version)
        })
    };
    document
        .components
        .0
        .into_iter()
        .filter(|c| !is_subject(c))
        .filter_map(listed)
        .collect()
}

/// The packages an SPDX 2 document lists, but those it describes.
fn spdx(document: Document) -> Vec<Identification> {
    let subjects = document.describes.0;
    // NOASSERTION and NONE say nothing.
    let known = |value: Option<String>| {
        value
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty() && v != "NOASSERTION" && v != "NONE")
    };
    document
        .packages
        .0
        .into_iter()
        .filter(|p| p.id.as_ref().is_none_or(|id| !subjects.contains(id)))
        .filter_map(|package| {
            let reference = |kind: &str| {
                package
                    .references
                    .0
                    .iter()
                    .find(|r| r.kind == kind)
                    .map(|r| r.locator.trim().to_string())
            };
            let purl = reference("purl").filter(|p| p.starts_with("pkg:"))?;
            let cpe = reference("cpe23Type").filter(|c| c.starts_with("cpe:2.3:"));
            let supplier = known(package.supplier).map(|s| {
                s.strip_prefix("Organization:")
                    .or_else(|| s.strip_prefix("Person:"))
                    .unwrap_or(&s)
                    .trim()
                    .to_string()
            });
            Some(Identification {
                component: known(package.name)?,
                version: known(package.version)?,
                kind: "library".into(),
                classifier: CLASSIFIER.into(),
                offset: 0,
                purl,
                cpe,
                supplier: supplier.filter(|s| !s.is_empty()),
                license: known(package.license_declared).or(known(package.license_concluded)),
                claims_file: false,
                technique: Technique::ManifestAnalysis,
                series: false,
                symbol: None,
                properties: Vec::new(),
            })
        })
        .collect()
}

/// One listed component: name, version and purl required; supplier, an
/// SPDX licence id or expression and a CPE when the document gives them.
fn listed(component: Component) -> Option<Identification> {
    let text = |value: Option<String>| {
        value
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let name = text(component.name)?;
    let version = text(component.version)?;
    let purl = text(component.purl).filter(|p| p.starts_with("pkg:"))?;
    let license = component
        .licenses
        .0
        .into_iter()
        .find_map(|choice| choice.license.and_then(|l| l.id).or(choice.expression));
    let cpe = text(component.cpe).filter(|c| c.starts_with("cpe:2.3:") || c.starts_with("cpe:/"));
    // Types an identified component may take; any other (a file, a device)
    // is listed as a library.
    let kind = component
        .kind
        .filter(|k| crate::identify::classifier::KINDS.contains(&k.as_str()))
        .unwrap_or_else(|| "library".into());
    Some(Identification {
        component: name,
        version,
        kind,
        classifier: CLASSIFIER.into(),
        offset: 0,
        purl,
        cpe,
        supplier: component.supplier.and_then(|s| text(s.name)),
        license,
        claims_file: false,
        technique: Technique::ManifestAnalysis,
        series: false,
        symbol: None,
        properties: Vec::new(),
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
        assert_eq!(found[0].classifier, CLASSIFIER);
        // Any CycloneDX file by its name, with licence and supplier.
        let doc = r#"{"bomFormat":"CycloneDX","components":[{"type":"library","name":"openssl","version":"3.0.13","purl":"pkg:generic/openssl@3.0.13","cpe":"not a cpe","licenses":[{"license":{"id":"Apache-2.0"}}],"supplier":{"name":"OpenSSL"}},{"name":"no-version","purl":"pkg:generic/x"},{"name":"no-purl","version":"1"}]}"#;
        let found = identify(&at("usr/share/sbom/camera.cdx.json"), doc.as_bytes());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].license.as_deref(), Some("Apache-2.0"));
        assert_eq!(found[0].supplier.as_deref(), Some("OpenSSL"));
        assert_eq!(found[0].cpe, None);
        // A declared type firmsight writes is kept; any other is a library.
        let doc = r#"{"bomFormat":"CycloneDX","components":[{"type":"framework","name":"mpp","version":"1.0","purl":"pkg:generic/hisilicon/mpp@1.0"},{"type":"device","name":"cam","version":"2","purl":"pkg:generic/cam@2"}]}"#;
        let found = identify(&at("sbom.cdx.json"), doc.as_bytes());
        let kinds: Vec<_> = found
            .iter()
            .map(|i| (i.component.as_str(), i.kind.as_str()))
            .collect();
        assert_eq!(kinds, [("mpp", "framework"), ("cam", "library")]);
    }

    #[test]
    fn a_document_keeps_at_most_its_cap_and_never_its_subject() {
        let mut doc = String::from(
            r#"{"bomFormat":"CycloneDX","metadata":{"component":{"name":"fw","version":"1","purl":"pkg:generic/fw@1"}},"components":["#,
        );
        doc.push_str(r#"{"name":"fw","version":"1","purl":"pkg:generic/fw@1?x=y"},"#);
        for i in 0..MAX_COMPONENTS + 5 {
            doc.push_str(&format!(
                r#"{{"name":"c{i}","version":"1","purl":"pkg:generic/c{i}@1","type":"device"}},"#
            ));
        }
        doc.push_str("{}]}");
        let found = identify(&at("fw.cdx.json"), doc.as_bytes());
        assert_eq!(found.len(), MAX_COMPONENTS - 1);
        assert!(
            found
                .iter()
                .all(|c| c.component != "fw" && c.kind == "library")
        );
    }

    #[test]
    fn an_spdx_document_lists_its_packages_but_its_subject() {
        // The layout syft and Yocto's create-spdx write (SPDX 2.3 JSON).
        let doc = r#"{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","documentDescribes":["SPDXRef-image"],
            "packages":[
              {"SPDXID":"SPDXRef-image","name":"camera-rootfs","versionInfo":"1.0"},
              {"SPDXID":"SPDXRef-busybox","name":"busybox","versionInfo":"1.36.1","supplier":"Organization: OpenEmbedded ()",
               "licenseDeclared":"GPL-2.0-only","licenseConcluded":"NOASSERTION",
               "externalRefs":[{"referenceCategory":"SECURITY","referenceType":"cpe23Type","referenceLocator":"cpe:2.3:a:busybox:busybox:1.36.1:*:*:*:*:*:*:*"},
                               {"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:generic/busybox@1.36.1"}]},
              {"SPDXID":"SPDXRef-x","name":"x","versionInfo":"NOASSERTION","externalRefs":[{"referenceType":"purl","referenceLocator":"pkg:generic/x"}]}
            ]}"#;
        let found = identify(&at("usr/share/sbom/rootfs.spdx.json"), doc.as_bytes());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].purl, "pkg:generic/busybox@1.36.1");
        assert_eq!(found[0].license.as_deref(), Some("GPL-2.0-only"));
        assert_eq!(found[0].supplier.as_deref(), Some("OpenEmbedded ()"));
        assert_eq!(
            found[0].cpe.as_deref(),
            Some("cpe:2.3:a:busybox:busybox:1.36.1:*:*:*:*:*:*:*")
        );
    }

    #[test]
    fn other_json_is_not_an_sbom() {
        let doc = r#"{"bomFormat":"CycloneDX","components":[{"name":"a","version":"1","purl":"pkg:generic/a@1"}]}"#;
        // Not at an SBOM's path, not CycloneDX, not JSON, cut short.
        assert!(identify(&at("etc/config.json"), doc.as_bytes()).is_empty());
        assert!(identify(&at("x.dist-info/RECORD"), doc.as_bytes()).is_empty());
        // SPDX 1 is not read; an SPDX 2 package without a purl is not listed.
        let spdx = r#"{"spdxVersion":"SPDX-1.2","packages":[{"name":"a","versionInfo":"1","externalRefs":[{"referenceType":"purl","referenceLocator":"pkg:generic/a@1"}]}]}"#;
        assert!(identify(&at("x-1.dist-info/sboms/a.spdx.json"), spdx.as_bytes()).is_empty());
        let spdx = r#"{"spdxVersion":"SPDX-2.3","packages":[{"name":"a","versionInfo":"1"}]}"#;
        assert!(identify(&at("a.spdx.json"), spdx.as_bytes()).is_empty());
        assert!(identify(&at("fw.cdx.json"), b"not json").is_empty());
        assert!(identify(&at("fw.cdx.json"), &doc.as_bytes()[..40]).is_empty());
        assert!(!is_sbom("sboms/x.json"));
        assert!(is_sbom("a-1.dist-info/sboms/x.json"));
        assert!(is_sbom("site/a-1.dist-info/sboms/x.json"));
    }
}
