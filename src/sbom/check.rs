//! `firmsight check`: which fields a guideline requires are missing from a
//! CycloneDX JSON SBOM (ours or another tool's).
//!
//! - **BSI TR-03183-2 v2.0** (CycloneDX ≥ 1.6). Errors: the SBOM author
//!   (e-mail or URL), timestamp, serial number, and per component its name,
//!   `bsi:component:filename`, `…:executable`, `…:archive`,
//!   `…:structured`, a SHA-512 for a file, and a `dependencies` entry.
//!   Component creator, version and licence are required *when known*
//!   (§3.2.1 lets a creator omit what is not available): missing ones are
//!   warnings, since a checker cannot tell unknown from forgotten.
//! - **NTIA minimum elements** (2021): supplier, name, version, another
//!   unique identifier (purl, CPE, SWID), a dependency entry, the SBOM
//!   author (or tool) and the timestamp, for every component.

use std::collections::BTreeSet;

use serde_json::Value;

/// The guideline to check against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guideline {
    /// BSI TR-03183-2 v2.0.
    Bsi,
    /// NTIA minimum elements.
    Ntia,
}

/// What a check found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Required fields that are missing (the SBOM fails).
    pub errors: Vec<String>,
    /// Fields required when known that are missing.
    pub warnings: Vec<String>,
    /// Components checked.
    pub components: usize,
}

impl Report {
    /// Whether the SBOM meets the guideline.
    pub fn passes(&self) -> bool {
        self.errors.is_empty()
    }
}

fn text(v: &Value) -> Option<&str> {
    v.as_str().filter(|s| !s.trim().is_empty())
}

fn property<'a>(component: &'a Value, name: &str) -> Option<&'a str> {
    component["properties"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == name)
        .and_then(|p| text(&p["value"]))
}

/// Whether an organizational entity or contact list gives an e-mail or URL.
fn has_contact(entity: &Value) -> bool {
    let urls = entity["url"]
        .as_array()
        .is_some_and(|u| u.iter().any(|x| text(x).is_some()));
    let emails = entity["contact"]
        .as_array()
        .is_some_and(|c| c.iter().any(|x| text(&x["email"]).is_some()));
    urls || emails
}

/// Check `bom` (parsed CycloneDX JSON) against `guideline`.
pub fn check(bom: &Value, guideline: Guideline) -> Report {
    let mut r = Report::default();
    if bom["bomFormat"] != "CycloneDX" {
        r.errors.push("bomFormat: not a CycloneDX SBOM".into());
        return r;
    }
    let metadata = &bom["metadata"];
    if text(&metadata["timestamp"]).is_none() {
        r.errors.push("metadata.timestamp: missing".into());
    }
    let dependency_refs: BTreeSet<&str> = bom["dependencies"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["ref"].as_str())
        .collect();
    let mut components: Vec<(String, &Value)> = Vec::new();
    if metadata["component"].is_object() {
        components.push(("metadata.component".into(), &metadata["component"]));
    }
    for (i, c) in bom["components"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        components.push((format!("components[{i}]"), c));
    }
    r.components = components.len();
    match guideline {
        Guideline::Bsi => bsi(bom, &components, &dependency_refs, &mut r),
        Guideline::Ntia => ntia(bom, &components, &dependency_refs, &mut r),
    }
    r
}

fn label(path: &str, c: &Value) -> String {
    match text(&c["name"]) {
        Some(name) => format!("{path} ({name})"),
        None => path.to_string(),
    }
}

fn bsi(bom: &Value, components: &[(String, &Value)], deps: &BTreeSet<&str>, r: &mut Report) {
    let spec = bom["specVersion"].as_str().unwrap_or("");
    let at_least_16 = spec
        .split_once('.')
        .and_then(|(a, b)| Some((a.parse::<u32>().ok()?, b.parse::<u32>().ok()?)))
        .is_some_and(|v| v >= (1, 6));
    if !at_least_16 {
        r.errors.push(format!(
            "specVersion: {spec:?}; TR-03183-2 needs CycloneDX 1.6 or later"
        ));
    }
    if text(&bom["serialNumber"]).is_none() {
        r.errors.push("serialNumber: missing (the SBOM URI)".into());
    }
    let metadata = &bom["metadata"];
    let author = metadata["authors"]
        .as_array()
        .is_some_and(|a| a.iter().any(|x| text(&x["email"]).is_some()))
        || has_contact(&metadata["manufacturer"]);
    if !author {
        r.errors.push(
            "metadata.authors: the SBOM author's e-mail or URL is missing (firmsight: --sbom-author)"
                .into(),
        );
    }
    for (path, c) in components {
        let at = label(path, c);
        if text(&c["name"]).is_none() {
            r.errors.push(format!("{at}.name: missing"));
        }
        // Hardware and key material are not software components.
        let software = c["type"] != "device" && c["type"] != "cryptographic-asset";
        if software {
            for (p, allowed) in [
                ("bsi:component:filename", &[][..]),
                (
                    "bsi:component:executable",
                    &["executable", "non-executable"][..],
                ),
                ("bsi:component:archive", &["archive", "no archive"][..]),
                (
                    "bsi:component:structured",
                    &["structured", "unstructured"][..],
                ),
            ] {
                match property(c, p) {
                    None => r.errors.push(format!("{at}.properties: `{p}` missing")),
                    Some(v) if !allowed.is_empty() && !allowed.contains(&v) => r.errors.push(
                        format!("{at}.properties: `{p}` is {v:?}, not one of {allowed:?}"),
                    ),
                    Some(_) => {}
                }
            }
        }
        let is_file = software;
        let sha512 = c["hashes"].as_array().is_some_and(|h| {
            h.iter()
                .any(|x| x["alg"] == "SHA-512" && text(&x["content"]).is_some())
        });
        if is_file && !sha512 {
            r.errors.push(format!(
                "{at}.hashes: SHA-512 of the deployable file missing"
            ));
        }
        if path != "metadata.component" && !c["bom-ref"].as_str().is_some_and(|b| deps.contains(b))
        {
            r.errors.push(format!("{at}: no entry in `dependencies`"));
        }
        if text(&c["version"]).is_none() && c["type"] != "device" {
            r.warnings
                .push(format!("{at}.version: missing (required when known)"));
        }
        let creator = has_contact(&c["supplier"]) || has_contact(&c["manufacturer"]);
        if !creator && c["type"] != "cryptographic-asset" {
            r.warnings.push(format!(
                "{at}: creator e-mail/URL missing (required when known)"
            ));
        }
        if c["licenses"].as_array().is_none_or(|l| l.is_empty())
            && c["type"] != "device"
            && c["type"] != "cryptographic-asset"
        {
            r.warnings
                .push(format!("{at}.licenses: missing (required when known)"));
        }
    }
}

fn ntia(bom: &Value, components: &[(String, &Value)], deps: &BTreeSet<&str>, r: &mut Report) {
    let metadata = &bom["metadata"];
    let author = metadata["authors"]
        .as_array()
        .is_some_and(|a| !a.is_empty())
        || metadata["tools"]["components"]
            .as_array()
            .is_some_and(|t| !t.is_empty())
        || metadata["tools"].as_array().is_some_and(|t| !t.is_empty());
    if !author {
        r.errors
            .push("metadata: author of the SBOM data (authors or tools) missing".into());
    }
    for (path, c) in components {
        let at = label(path, c);
        if text(&c["name"]).is_none() {
            r.errors.push(format!("{at}.name: missing"));
        }
        if text(&c["version"]).is_none() {
            r.errors.push(format!("{at}.version: missing"));
        }
        let supplier = text(&c["supplier"]["name"]).is_some()
            || text(&c["manufacturer"]["name"]).is_some()
            || text(&c["publisher"]).is_some();
        if !supplier {
            r.errors.push(format!("{at}: supplier name missing"));
        }
        let identifier =
            text(&c["purl"]).is_some() || text(&c["cpe"]).is_some() || c["swid"].is_object();
        if !identifier {
            r.errors
                .push(format!("{at}: no unique identifier (purl, CPE or SWID)"));
        }
        if path != "metadata.component" && !c["bom-ref"].as_str().is_some_and(|b| deps.contains(b))
        {
            r.errors.push(format!("{at}: no dependency relationship"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn minimal() -> Value {
        json!({
            "bomFormat": "CycloneDX", "specVersion": "1.6",
            "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
            "metadata": {
                "timestamp": "2026-11-23T00:00:00Z",
                "authors": [{"email": "sbom@example.org"}],
                "component": {"type": "firmware", "name": "fw.bin",
                    "hashes": [{"alg": "SHA-512", "content": "ab"}],
                    "properties": [
                        {"name": "bsi:component:filename", "value": "fw.bin"},
                        {"name": "bsi:component:executable", "value": "non-executable"},
                        {"name": "bsi:component:archive", "value": "archive"},
                        {"name": "bsi:component:structured", "value": "structured"}]}
            },
            "components": [{"type": "file", "bom-ref": "f", "name": "busybox", "version": "1.31.1",
                "hashes": [{"alg": "SHA-512", "content": "cd"}],
                "properties": [
                    {"name": "bsi:component:filename", "value": "busybox"},
                    {"name": "bsi:component:executable", "value": "executable"},
                    {"name": "bsi:component:archive", "value": "no archive"},
                    {"name": "bsi:component:structured", "value": "unstructured"}]}],
            "dependencies": [{"ref": "f", "dependsOn": []}]
        })
    }

    #[test]
    fn a_complete_sbom_passes_and_each_gap_is_named() {
        let report = check(&minimal(), Guideline::Bsi);
        assert!(report.passes(), "{report:?}");
        assert_eq!(report.components, 2);

        let mut bom = minimal();
        bom["specVersion"] = json!("1.5");
        bom["metadata"]["authors"] = json!([]);
        bom["components"][0]["properties"] = json!([]);
        bom["components"][0]["hashes"] = json!([{"alg": "SHA-256", "content": "ef"}]);
        bom["dependencies"] = json!([]);
        let errors = check(&bom, Guideline::Bsi).errors;
        for needle in [
            "specVersion",
            "metadata.authors",
            "components[0] (busybox).properties: `bsi:component:filename` missing",
            "components[0] (busybox).properties: `bsi:component:executable` missing",
            "components[0] (busybox).hashes: SHA-512",
            "components[0] (busybox): no entry in `dependencies`",
        ] {
            assert!(
                errors.iter().any(|e| e.contains(needle)),
                "{needle} not in {errors:#?}"
            );
        }
    }

    #[test]
    fn ntia_wants_supplier_and_identifiers() {
        let errors = check(&minimal(), Guideline::Ntia).errors;
        assert!(
            errors
                .iter()
                .any(|e| e.contains("(busybox): supplier name missing")),
            "{errors:?}"
        );
        assert!(
            errors
                .iter()
                .any(|e| e.contains("(busybox): no unique identifier")),
            "{errors:?}"
        );
        assert!(check(&json!({"x": 1}), Guideline::Ntia).errors[0].contains("not a CycloneDX"));
    }
}
