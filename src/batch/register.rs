//! Register reconciliation: what the asset register says against what the
//! firmware shows. The register is a CSV with a header; recognised columns
//! (case-insensitive): `id`, `location`, `brand` (or `declared brand`,
//! `manufacturer`), `model`, and `firmware` (a file name or path) or
//! `sha256`. Findings, one per register entry and per unregistered image:
//! - `brand-mismatch`: the declared brand is not the origin OEM (with the
//!   known relation: a documented relabel, a conflict, or none known);
//! - `ok`: the declared brand is the origin OEM, or no OEM could be named;
//! - `no-image`: the entry names firmware that is not in the archive;
//! - `unregistered`: an image with no register entry — the cameras that
//!   are installed but not counted.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;

use super::store::Row;
use crate::identify::relabel::{Relabels, Relation};

/// One finding.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Finding {
    /// `brand-mismatch`, `ok`, `no-image`, `unregistered`.
    pub finding: String,
    /// Register id.
    pub id: Option<String>,
    /// Register location.
    pub location: Option<String>,
    /// Declared brand.
    pub declared_brand: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// The image: input path.
    pub image: Option<String>,
    /// Its SHA-256.
    pub sha256: Option<String>,
    /// The OEM the firmware shows.
    pub origin_oem: Option<String>,
    /// How the declared brand relates to it.
    pub relation: Option<String>,
}

/// The reconciliation.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Reconciliation {
    /// Register entries.
    pub entries: u64,
    /// Entries whose declared brand is not the origin OEM.
    pub brand_mismatch: u64,
    /// Entries with no image in the archive.
    pub no_image: u64,
    /// Images with no register entry.
    pub unregistered: u64,
    /// Every finding, entries first (register order), then unregistered
    /// images (by path).
    pub findings: Vec<Finding>,
}

/// Parse CSV (RFC 4180: quotes, doubled quotes, CRLF).
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if field.is_empty() => quoted = true,
            (',', false) => row.push(std::mem::take(&mut field)),
            ('\r', false) => {}
            ('\n', false) => {
                row.push(std::mem::take(&mut field));
                if row.iter().any(|f| !f.is_empty()) {
                    rows.push(std::mem::take(&mut row));
                }
                row.clear();
            }
            (c, _) => field.push(c),
        }
    }
    row.push(field);
    if row.iter().any(|f| !f.is_empty()) {
        rows.push(row);
    }
    rows
}

/// Reconcile the register text against `lines` (input path, result).
pub fn reconcile(register: &str, lines: &[(String, Row)]) -> Result<Reconciliation, String> {
    let rows = parse_csv(register);
    let Some((header, entries)) = rows.split_first() else {
        return Err("the register is empty".into());
    };
    let column = |names: &[&str]| {
        header
            .iter()
            .position(|h| names.contains(&h.trim().to_ascii_lowercase().as_str()))
    };
    let id = column(&["id", "asset", "asset id"]);
    let location = column(&["location", "site"]);
    let brand = column(&["brand", "declared brand", "manufacturer", "make"]);
    let model = column(&["model"]);
    let firmware = column(&["firmware", "file", "image", "firmware file"]);
    let sha = column(&["sha256", "hash", "image sha256"]);
    if firmware.is_none() && sha.is_none() {
        return Err("the register needs a `firmware` (file name) or `sha256` column".into());
    }
    let cell = |r: &[String], i: Option<usize>| {
        i.and_then(|i| r.get(i))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let by_name: BTreeMap<String, &(String, Row)> = lines
        .iter()
        .map(|l| {
            let name = Path::new(&l.0)
                .file_name()
                .map(|n| n.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            (name, l)
        })
        .collect();
    let relabels = Relabels::builtin();
    let mut out = Reconciliation::default();
    let mut registered: BTreeSet<&str> = BTreeSet::new();
    for r in entries {
        out.entries += 1;
        let want_sha = cell(r, sha).map(|s| s.to_ascii_lowercase());
        let want_file = cell(r, firmware);
        let found = match (&want_sha, &want_file) {
            (Some(s), _) => lines.iter().find(|l| l.1.sha256 == *s),
            (None, Some(f)) => {
                let name = Path::new(f)
                    .file_name()
                    .map(|n| n.to_string_lossy().to_ascii_lowercase())
                    .unwrap_or_default();
                by_name.get(&name).copied()
            }
            (None, None) => None,
        };
        let declared = cell(r, brand);
        let mut finding = Finding {
            finding: String::new(),
            id: cell(r, id),
            location: cell(r, location),
            declared_brand: declared.clone(),
            model: cell(r, model),
            image: found.map(|l| l.0.clone()),
            sha256: found.map(|l| l.1.sha256.clone()).or(want_sha),
            origin_oem: found.and_then(|l| l.1.oem.clone()),
            relation: None,
        };
        match found {
            None => {
                finding.finding = "no-image".into();
                out.no_image += 1;
            }
            Some(l) => {
                registered.insert(l.1.sha256.as_str());
                let check = declared
                    .as_deref()
                    .map(|b| relabels.check(b, l.1.oem.as_deref()));
                let mismatch = check.as_ref().is_some_and(|c| {
                    matches!(
                        c.relation,
                        Relation::Relabel { .. } | Relation::Conflict { .. } | Relation::Unknown
                    )
                });
                finding.relation = check.as_ref().map(|c| c.describe());
                finding.finding = if mismatch {
                    out.brand_mismatch += 1;
                    "brand-mismatch".into()
                } else {
                    "ok".into()
                };
            }
        }
        out.findings.push(finding);
    }
    for (path, row) in lines {
        if registered.contains(row.sha256.as_str()) {
            continue;
        }
        out.unregistered += 1;
        out.findings.push(Finding {
            finding: "unregistered".into(),
            id: None,
            location: None,
            declared_brand: None,
            model: None,
            image: Some(path.clone()),
            sha256: Some(row.sha256.clone()),
            origin_oem: row.oem.clone(),
            relation: None,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(sha: &str, oem: Option<&str>) -> Row {
        Row {
            sha256: sha.into(),
            path: String::new(),
            size: 1,
            status: "done".into(),
            error: None,
            oem: oem.map(str::to_string),
            oem_confidence: None,
            soc: None,
            soc_vendor: None,
            sensors: None,
            sensor_vendors: None,
            reach: None,
            verdict: None,
            components: 0,
            problems: 0,
            elapsed_ms: 0,
        }
    }

    #[test]
    fn csv_quotes_and_crlf() {
        assert_eq!(
            parse_csv("a,\"b,c\",\"say \"\"hi\"\"\"\r\n1,2,3\n"),
            [vec!["a", "b,c", "say \"hi\""], vec!["1", "2", "3"]]
        );
    }

    #[test]
    fn mismatches_missing_images_and_unregistered_cameras() {
        let lines = vec![
            ("fw/lobby.bin".to_string(), row("aa", Some("Hikvision"))),
            ("fw/gate.bin".to_string(), row("bb", Some("Dahua"))),
            ("fw/roof.bin".to_string(), row("cc", Some("Axis"))),
            ("fw/unknown.bin".to_string(), row("dd", None)),
        ];
        let register = "id,location,brand,model,firmware\n\
            1,Lobby,Acme Vision,AV-1,lobby.bin\n\
            2,Gate,Amcrest,IP2M,gate.bin\n\
            3,Roof,Axis,P1455,roof.bin\n\
            4,Yard,Bosch,FLEXIDOME,yard.bin\n";
        let r = reconcile(register, &lines).expect("reconciles");
        let got: Vec<(&str, Option<&str>)> = r
            .findings
            .iter()
            .map(|f| (f.finding.as_str(), f.id.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("brand-mismatch", Some("1")),
                ("brand-mismatch", Some("2")),
                ("ok", Some("3")),
                ("no-image", Some("4")),
                ("unregistered", None),
            ]
        );
        assert!(
            r.findings[1]
                .relation
                .as_deref()
                .is_some_and(|t| t.contains("Dahua OEM"))
        );
        assert_eq!(
            (r.entries, r.brand_mismatch, r.no_image, r.unregistered),
            (4, 2, 1, 1)
        );
        assert!(
            reconcile("id,brand\n1,x\n", &lines).is_err(),
            "no firmware column"
        );
    }
}
