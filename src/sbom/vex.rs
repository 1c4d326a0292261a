//! Known vulnerabilities as a separate CycloneDX 1.6 VEX document, never
//! inside the (BSI) SBOM. Advisories are OSV records: the shipped camera
//! CVEs of domain.md §5 (`signatures/advisories/camera.osv.json`) and any
//! OSV files the user adds. A record applies when
//! - its `database_specific.firmsight_rules` names an evidence rule that
//!   hit (a vendor or SDK indicator; the firmware version still has to be
//!   checked against the advisory), or
//! - an identified component has its package name (or purl) and a version
//!   inside its `ranges` or `versions`.
//!
//! Every statement is `in_triage`: firmsight reads files, it does not know
//! whether the vulnerable code is reachable on the device.

use std::cmp::Ordering;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::cyclonedx::Bom;
use crate::scan::ScanResult;

/// The shipped advisories.
const BUILTIN: &str = include_str!("../../signatures/advisories/camera.osv.json");

/// An OSV record, the fields firmsight reads.
#[derive(Debug, Clone, Deserialize)]
pub struct Advisory {
    /// `CVE-…`, `GHSA-…` …
    pub id: String,
    /// One line.
    #[serde(default)]
    pub summary: String,
    /// More.
    #[serde(default)]
    pub details: String,
    /// Other ids.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// What it affects.
    #[serde(default)]
    pub affected: Vec<Affected>,
    /// Links.
    #[serde(default)]
    pub references: Vec<Reference>,
    /// firmsight's own field: evidence rules that indicate it.
    #[serde(default)]
    pub database_specific: Option<serde_json::Value>,
}

/// An affected package.
#[derive(Debug, Clone, Deserialize)]
pub struct Affected {
    /// The package.
    pub package: Package,
    /// Version ranges.
    #[serde(default)]
    pub ranges: Vec<Range>,
    /// Listed versions.
    #[serde(default)]
    pub versions: Vec<String>,
}

/// A package.
#[derive(Debug, Clone, Deserialize)]
pub struct Package {
    /// Name.
    pub name: String,
    /// OSV ecosystem (`Go`, `crates.io`, `PyPI`, `npm`, …), when given.
    #[serde(default)]
    pub ecosystem: Option<String>,
    /// purl without version.
    pub purl: Option<String>,
}

/// The OSV ecosystem of a language package's purl type: such a package is
/// named by its purl, or by its name within its ecosystem, never by a bare
/// name (the `openssl` crate is not OpenSSL).
fn language_ecosystem(purl: &str) -> Option<&'static str> {
    LANGUAGE_ECOSYSTEMS
        .into_iter()
        .find_map(|(prefix, ecosystem)| purl.starts_with(prefix).then_some(ecosystem))
}

/// A purl segment with its `%XX` escapes decoded (purl spec); an escape
/// that is not two hex digits stays as written, and so does the whole
/// segment when what it decodes to is not UTF-8.
fn unescape(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| segment.to_string())
}

/// Language purl types and their OSV ecosystems.
const LANGUAGE_ECOSYSTEMS: [(&str, &str); 4] = [
    ("pkg:golang/", "Go"),
    ("pkg:cargo/", "crates.io"),
    ("pkg:pypi/", "PyPI"),
    ("pkg:npm/", "npm"),
];

/// A range of versions.
#[derive(Debug, Clone, Deserialize)]
pub struct Range {
    /// `ECOSYSTEM`, `SEMVER` or `GIT`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// `introduced`, `fixed`, `last_affected` events in order.
    #[serde(default)]
    pub events: Vec<serde_json::Map<String, serde_json::Value>>,
}

/// A link.
#[derive(Debug, Clone, Deserialize)]
pub struct Reference {
    /// The URL.
    pub url: String,
}

/// Why advisories do not load.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct AdvisoryError {
    /// The file.
    pub file: String,
    /// What is wrong.
    pub message: String,
}

/// One OSV record or a JSON array of them.
pub fn parse(name: &str, text: &str) -> Result<Vec<Advisory>, AdvisoryError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| AdvisoryError {
        file: name.into(),
        message: e.to_string(),
    })?;
    let records = match value {
        serde_json::Value::Array(items) => items,
        one => vec![one],
    };
    records
        .into_iter()
        .map(|r| {
            serde_json::from_value(r).map_err(|e| AdvisoryError {
                file: name.into(),
                message: e.to_string(),
            })
        })
        .collect()
}

/// The shipped advisories and those in `files`.
pub fn load(files: &[&Path]) -> Result<Vec<Advisory>, AdvisoryError> {
    let mut all = parse("camera.osv.json", BUILTIN)?;
    for path in files {
        let text = std::fs::read_to_string(path).map_err(|e| AdvisoryError {
            file: path.display().to_string(),
            message: e.to_string(),
        })?;
        all.extend(parse(&path.display().to_string(), &text)?);
    }
    Ok(all)
}

/// Compare versions the way packagers write them: numbers numerically,
/// letters as text (`1.1.1k` < `1.1.1n` < `1.1.10`).
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    fn tokens(v: &str) -> Vec<Result<u64, String>> {
        let mut out = Vec::new();
        let mut current = String::new();
        let mut numeric = false;
        for c in v.chars() {
            let is_digit = c.is_ascii_digit();
            let boundary = !c.is_ascii_alphanumeric() || is_digit != numeric;
            if boundary && !current.is_empty() {
                out.push(if numeric {
                    current.parse().map_err(|_| current.clone())
                } else {
                    Err(current.clone())
                });
                current.clear();
            }
            if c.is_ascii_alphanumeric() {
                numeric = is_digit;
                current.push(c.to_ascii_lowercase());
            }
        }
        if !current.is_empty() {
            out.push(if numeric {
                current.parse().map_err(|_| current.clone())
            } else {
                Err(current)
            });
        }
        out
    }
    let (ta, tb) = (tokens(a), tokens(b));
    let n = ta.len().max(tb.len());
    for k in 0..n {
        let (x, y) = match (ta.get(k), tb.get(k)) {
            (Some(x), Some(y)) => (x, y),
            // One ran out: trailing zeros are equal (1.2 = 1.2.0); a
            // trailing pre-release tag sorts before the release
            // (2.0rc1 < 2.0); anything else is later.
            (Some(rest), None) | (None, Some(rest)) => {
                let longer_is_a = ta.len() > tb.len();
                let tail = if longer_is_a { &ta[k..] } else { &tb[k..] };
                let order = if tail.iter().all(|t| matches!(t, Ok(0))) {
                    Ordering::Equal
                } else if matches!(rest, Err(s) if ["rc", "alpha", "beta", "pre", "a", "b", "dev"].contains(&s.as_str()))
                {
                    Ordering::Less
                } else {
                    Ordering::Greater
                };
                return if longer_is_a { order } else { order.reverse() };
            }
            (None, None) => break,
        };
        let order = match (x, y) {
            (Ok(m), Ok(n)) => m.cmp(n),
            (Err(s), Err(t)) => s.cmp(t),
            // A number sorts after letters: 1.1.10 > 1.1.1k.
            (Ok(_), Err(_)) => Ordering::Greater,
            (Err(_), Ok(_)) => Ordering::Less,
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    Ordering::Equal
}

impl Affected {
    /// Whether `version` is affected (OSV semantics: within each range the
    /// events are read in version order; `introduced` opens, `fixed` and
    /// past `last_affected` close; GIT ranges are not versions and are
    /// skipped).
    fn contains(&self, version: &str) -> bool {
        if self.versions.iter().any(|v| v == version) {
            return true;
        }
        self.ranges.iter().filter(|r| r.kind != "GIT").any(|range| {
            let mut events: Vec<(&str, &str)> = range
                .events
                .iter()
                .flat_map(|e| {
                    e.iter()
                        .filter_map(|(k, v)| Some((k.as_str(), v.as_str()?)))
                })
                .collect();
            fn order(v: &str) -> &str {
                if v == "0" { "" } else { v }
            }
            events.sort_by(|a, b| compare_versions(order(a.1), order(b.1)));
            let mut affected = false;
            for (kind, at) in events {
                let reached = at == "0" || compare_versions(version, at) != Ordering::Less;
                match kind {
                    "introduced" if reached => affected = true,
                    "fixed" if reached => affected = false,
                    "last_affected" if compare_versions(version, at) == Ordering::Greater => {
                        affected = false
                    }
                    _ => {}
                }
            }
            affected
        })
    }
}

/// The VEX document: a CycloneDX 1.6 BOM of vulnerabilities that refer to
/// the SBOM's components by BOM-Link.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Vex {
    /// `CycloneDX`.
    pub bom_format: &'static str,
    /// `1.6`.
    pub spec_version: &'static str,
    /// Its own serial number (derived from the SBOM's).
    pub serial_number: String,
    /// 1.
    pub version: u32,
    /// The statements.
    pub vulnerabilities: Vec<Vulnerability>,
}

/// One statement.
#[derive(Debug, Clone, Serialize)]
pub struct Vulnerability {
    /// Unique reference.
    #[serde(rename = "bom-ref")]
    pub bom_ref: String,
    /// The advisory id.
    pub id: String,
    /// Where the advisory is published.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// Summary.
    pub description: String,
    /// Details.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
    /// What it affects (BOM-Links into the SBOM).
    pub affects: Vec<Affects>,
    /// firmsight's analysis.
    pub analysis: Analysis,
}

/// An advisory source.
#[derive(Debug, Clone, Serialize)]
pub struct Source {
    /// A URL of the advisory.
    pub url: String,
}

/// A BOM-Link to an affected component.
#[derive(Debug, Clone, Serialize)]
pub struct Affects {
    /// `urn:cdx:<serial>/1#<bom-ref>`.
    #[serde(rename = "ref")]
    pub reference: String,
}

/// The analysis of one statement.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    /// Always `in_triage`: reachability is not known from files.
    pub state: &'static str,
    /// Why it was matched.
    pub detail: String,
}

/// Percent-encode a bom-ref for a URI fragment.
fn fragment(bom_ref: &str) -> String {
    let mut out = String::new();
    for b in bom_ref.bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b':'
            | b'@'
            | b'/'
            | b'!'
            | b'$'
            | b'\''
            | b'('
            | b')'
            | b'*'
            | b'+'
            | b','
            | b';'
            | b'=' => out.push(b as char),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// Match `advisories` against a scan and its SBOM.
pub fn vex(result: &ScanResult, bom: &Bom, advisories: &[Advisory]) -> Vex {
    let serial = bom
        .serial_number
        .trim_start_matches("urn:uuid:")
        .to_string();
    // The fragment is percent-encoded (RFC 3986): bom-refs hold spaces,
    // `#` and `›`.
    let link = |bom_ref: &str| Affects {
        reference: format!("urn:cdx:{serial}/{}#{}", bom.version, fragment(bom_ref)),
    };
    let mut seen = std::collections::HashSet::new();
    let mut vulnerabilities = Vec::new();
    for advisory in advisories {
        // A record given twice (shipped and in a user file) counts once.
        if !seen.insert(advisory.id.clone()) {
            continue;
        }
        let mut affects = Vec::new();
        let mut why = Vec::new();
        let rules: Vec<String> = advisory
            .database_specific
            .as_ref()
            .and_then(|d| d.get("firmsight_rules"))
            .and_then(|r| serde_json::from_value(r.clone()).ok())
            .unwrap_or_default();
        for rule in &rules {
            let hit = result
                .image
                .iter()
                .find_map(|a| a.hits.iter().find(|h| *h.rule == **rule).map(|h| (a, h)));
            if let Some((artifact, _)) = hit {
                why.push(format!(
                    "indicator {rule} at {}; check the firmware build against the advisory",
                    artifact.location
                ));
                if affects.is_empty() {
                    affects.push(link("image"));
                }
            }
        }
        for component in &bom.components {
            let (Some(version), Some(bom_ref)) = (&component.version, &component.bom_ref) else {
                continue;
            };
            let base = component
                .purl
                .as_deref()
                .map(|p| p.split('@').next().unwrap_or(p));
            // A language package (a Rust crate, a Go module, a Python
            // distribution) by its purl or by its name in its OSV ecosystem;
            // any other component by a name no language ecosystem claims.
            let ecosystem = base.and_then(language_ecosystem);
            // Go module versions carry a `v` OSV's ranges leave out.
            let version = match ecosystem {
                Some("Go") => version.strip_prefix('v').unwrap_or(version),
                _ => version.as_str(),
            };
            // A language package's name as its ecosystem writes it: the
            // purl's path, unescaped (`golang.org/x/sys`, Go's `stdlib`,
            // npm's `@babel/core` from `%40babel/core`).
            let name = match (ecosystem, base) {
                (Some(_), Some(base)) => {
                    unescape(base.split_once('/').map_or(base, |(_, path)| path))
                }
                _ => component.name.clone(),
            };
            let hit = advisory.affected.iter().any(|a| {
                let same_name = a.package.name.eq_ignore_ascii_case(&name);
                let theirs = a
                    .package
                    .ecosystem
                    .as_deref()
                    .filter(|e| LANGUAGE_ECOSYSTEMS.iter().any(|(_, name)| name == e));
                let named = a.package.purl.as_deref().is_some_and(|p| Some(p) == base)
                    || (same_name && theirs == ecosystem);
                named && a.contains(version)
            });
            if hit {
                why.push(format!(
                    "{} {version} is in an affected range",
                    component.name
                ));
                affects.push(link(bom_ref));
            }
        }
        if affects.is_empty() {
            continue;
        }
        vulnerabilities.push(Vulnerability {
            bom_ref: format!("vex:{}", advisory.id),
            id: advisory.id.clone(),
            source: advisory
                .references
                .first()
                .map(|r| Source { url: r.url.clone() }),
            description: advisory.summary.clone(),
            detail: advisory.details.clone(),
            affects,
            analysis: Analysis {
                state: "in_triage",
                detail: why.join("; "),
            },
        });
    }
    vulnerabilities.sort_by(|a, b| a.id.cmp(&b.id));
    let vex_serial = uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        format!("vex:{serial}").as_bytes(),
    );
    Vex {
        bom_format: "CycloneDX",
        spec_version: "1.6",
        serial_number: format!("urn:uuid:{vex_serial}"),
        version: 1,
        vulnerabilities,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purl_segments_are_unescaped_and_bad_escapes_kept() {
        assert_eq!(unescape("%40babel/core"), "@babel/core");
        assert_eq!(unescape("golang.org/x/sys"), "golang.org/x/sys");
        assert_eq!(unescape("a%2"), "a%2");
        assert_eq!(unescape("a%zz%2Bb"), "a%zz+b");
        assert_eq!(unescape("%ff"), "%ff");
        assert_eq!(unescape("a%+1"), "a%+1");
        assert_eq!(unescape("%e2%9C%93"), "\u{2713}");
    }

    #[test]
    fn versions_compare_like_packagers_write_them() {
        assert_eq!(compare_versions("2.0rc1", "2.0"), Ordering::Less);
        assert_eq!(compare_versions("1.2", "1.2.0"), Ordering::Equal);
        assert_eq!(compare_versions("1.0.2zd", "1.0.2u"), Ordering::Greater);
        assert_eq!(compare_versions("1.1.1k", "1.1.1n"), Ordering::Less);
        assert_eq!(compare_versions("1.1.10", "1.1.1n"), Ordering::Greater);
        assert_eq!(compare_versions("3.0.2", "3.0.2"), Ordering::Equal);
        assert_eq!(compare_versions("1.2", "1.2.1"), Ordering::Less);
    }

    #[test]
    fn osv_ranges_reopen_and_close_in_order() {
        let a: Affected = serde_json::from_str(
            r#"{"package": {"name": "x"}, "ranges": [{"type": "ECOSYSTEM", "events": [
                {"introduced": "2.0"}, {"fixed": "2.3"}, {"introduced": "0"}, {"fixed": "1.2"}]}]}"#,
        )
        .expect("record");
        assert!(a.contains("1.0"));
        assert!(!a.contains("1.5"));
        assert!(a.contains("2.1"));
        assert!(!a.contains("2.3"));
    }

    #[test]
    fn ranges_include_introduced_and_exclude_fixed() {
        let all = parse("x", BUILTIN).expect("shipped advisories parse");
        let openssl = all
            .iter()
            .find(|a| a.id == "CVE-2022-0778")
            .expect("record");
        let a = &openssl.affected[0];
        assert!(a.contains("1.1.1k"));
        assert!(!a.contains("1.1.1n"));
        assert!(a.contains("1.0.2u"), "the 1.0.2 branch is affected too");
        assert!(!a.contains("1.0.2zd"));
        assert!(!a.contains("1.0.1u"));
        assert!(a.contains("3.0.1"));
        assert!(!a.contains("3.0.2"));
    }
}
