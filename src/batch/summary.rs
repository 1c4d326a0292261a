//! The fleet summary, made from the store: `summary.csv` (one line per
//! input file), `summary.json` (counts and the flagged images) and
//! `summary.html` (one self-contained page with bar charts). Counts are per
//! input file — the table public answers assemble by hand: how many
//! Hikvision, how many Dahua, how many unknown.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Serialize;

use super::register::{Reconciliation, reconcile};
use super::store::{Row, Store};

/// Counts by one field.
type Counts = BTreeMap<String, u64>;

/// The summary as JSON.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Summary {
    /// Input files.
    pub inputs: u64,
    /// Distinct images.
    pub images: u64,
    /// Input files whose analysis failed.
    pub failed: u64,
    /// By camera OEM (`unknown` when none could be named).
    pub by_oem: Counts,
    /// By SoC vendor.
    pub by_soc_vendor: Counts,
    /// By image-sensor vendor (a file can count for several).
    pub by_sensor_vendor: Counts,
    /// By policy verdict.
    pub by_verdict: Counts,
    /// By cloud/P2P reach (`none` when there is none).
    pub by_reach: Counts,
    /// Files with a deny, review or dispensed verdict, or that failed.
    pub flagged: Vec<Flagged>,
    /// The asset register reconciled, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub register: Option<Reconciliation>,
}

/// One flagged file.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Flagged {
    /// Input path.
    pub path: String,
    /// Image SHA-256.
    pub sha256: String,
    /// Verdict, or `failed`.
    pub verdict: String,
    /// Camera OEM.
    pub oem: Option<String>,
    /// Failure reason.
    pub error: Option<String>,
}

/// Build the summary from the store.
pub fn build(store: &Store, analysis: &str) -> rusqlite::Result<(Summary, Vec<(String, Row)>)> {
    let rows: HashMap<String, Row> = store
        .rows(analysis)?
        .into_iter()
        .map(|r| (r.sha256.clone(), r))
        .collect();
    let mut lines = Vec::new();
    for (path, sha) in store.paths()? {
        if let Some(row) = rows.get(&sha) {
            lines.push((path, row.clone()));
        }
    }
    let mut s = Summary {
        inputs: lines.len() as u64,
        images: rows.len() as u64,
        ..Summary::default()
    };
    let bump = |c: &mut Counts, k: &str| *c.entry(k.to_string()).or_default() += 1;
    for (path, r) in &lines {
        if r.status != "done" {
            s.failed += 1;
            s.flagged.push(Flagged {
                path: path.clone(),
                sha256: r.sha256.clone(),
                verdict: "failed".into(),
                oem: None,
                error: r.error.clone(),
            });
            continue;
        }
        bump(&mut s.by_oem, r.oem.as_deref().unwrap_or("unknown"));
        bump(
            &mut s.by_soc_vendor,
            r.soc_vendor.as_deref().unwrap_or("unknown"),
        );
        match &r.sensor_vendors {
            Some(v) => v.split("; ").for_each(|v| bump(&mut s.by_sensor_vendor, v)),
            None => bump(&mut s.by_sensor_vendor, "unknown"),
        }
        bump(
            &mut s.by_verdict,
            r.verdict.as_deref().unwrap_or("no policy"),
        );
        match &r.reach {
            Some(v) => v.split("; ").for_each(|v| bump(&mut s.by_reach, v)),
            None => bump(&mut s.by_reach, "none"),
        }
        if let Some(v) = r.verdict.as_deref()
            && v != "pass"
        {
            s.flagged.push(Flagged {
                path: path.clone(),
                sha256: r.sha256.clone(),
                verdict: v.into(),
                oem: r.oem.clone(),
                error: None,
            });
        }
    }
    Ok((s, lines))
}

/// Write `summary.csv`, `summary.json` and `summary.html` into `out`;
/// with a register, also `register.csv` and its section.
pub fn write(
    store: &Store,
    analysis: &str,
    out: &Path,
    register: Option<&Path>,
) -> std::io::Result<()> {
    let (mut summary, lines) = build(store, analysis).map_err(std::io::Error::other)?;
    if let Some(path) = register {
        let text = std::fs::read_to_string(path)
            .map_err(|e| std::io::Error::other(format!("register `{}`: {e}", path.display())))?;
        let r = reconcile(&text, &lines)
            .map_err(|e| std::io::Error::other(format!("register `{}`: {e}", path.display())))?;
        let mut csv = String::from(
            "finding,id,location,declared_brand,model,image,sha256,origin_oem,relation\n",
        );
        for f in &r.findings {
            let cells = [
                f.finding.clone(),
                field(f.id.as_deref().unwrap_or("")),
                field(f.location.as_deref().unwrap_or("")),
                field(f.declared_brand.as_deref().unwrap_or("")),
                field(f.model.as_deref().unwrap_or("")),
                field(f.image.as_deref().unwrap_or("")),
                f.sha256.clone().unwrap_or_default(),
                field(f.origin_oem.as_deref().unwrap_or("")),
                field(f.relation.as_deref().unwrap_or("")),
            ];
            csv.push_str(&cells.join(","));
            csv.push('\n');
        }
        std::fs::write(out.join("register.csv"), csv)?;
        summary.register = Some(r);
    }
    std::fs::write(out.join("summary.csv"), csv(&lines))?;
    let json = serde_json::to_vec_pretty(&summary).map_err(std::io::Error::other)?;
    std::fs::write(out.join("summary.json"), json)?;
    std::fs::write(out.join("summary.html"), html(&summary))
}

/// One CSV field (RFC 4180), with spreadsheet formula prefixes defused:
/// paths and names come from the archive.
fn field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn csv(lines: &[(String, Row)]) -> String {
    let mut out = String::from(
        "path,sha256,status,error,oem,oem_confidence,soc,sensors,sensor_vendors,reach,verdict,components,problems,elapsed_ms\n",
    );
    for (path, r) in lines {
        let cells = [
            field(path),
            r.sha256.clone(),
            r.status.clone(),
            field(r.error.as_deref().unwrap_or("")),
            field(r.oem.as_deref().unwrap_or("")),
            r.oem_confidence
                .map(|c| format!("{c:.2}"))
                .unwrap_or_default(),
            field(r.soc.as_deref().unwrap_or("")),
            field(r.sensors.as_deref().unwrap_or("")),
            field(r.sensor_vendors.as_deref().unwrap_or("")),
            field(r.reach.as_deref().unwrap_or("")),
            r.verdict.clone().unwrap_or_default(),
            r.components.to_string(),
            r.problems.to_string(),
            r.elapsed_ms.to_string(),
        ];
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

fn esc(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '&' => "&amp;".into(),
            '<' => "&lt;".into(),
            '>' => "&gt;".into(),
            '"' => "&quot;".into(),
            '\'' => "&#39;".into(),
            c if c.is_control() => "\u{FFFD}".into(),
            c => c.to_string(),
        })
        .collect()
}

/// A table of counts with a bar per row (pure CSS, readable printed and
/// without colour: the number is written out).
fn chart(title: &str, counts: &Counts) -> String {
    let total: u64 = counts.values().sum::<u64>().max(1);
    let mut rows: Vec<(&String, &u64)> = counts.iter().collect();
    rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let mut out = format!(
        "<h2>{}</h2><table><tr><th>{}</th><th>files</th><th></th></tr>",
        esc(title),
        esc(title)
    );
    for (k, n) in rows {
        let pct = n * 100 / total;
        out.push_str(&format!(
            "<tr><td>{}</td><td class=\"n\">{n}</td><td class=\"bar\"><span style=\"width:{pct}%\"></span></td></tr>",
            esc(k)
        ));
    }
    out.push_str("</table>");
    out
}

fn html(s: &Summary) -> String {
    let mut flagged =
        String::from("<table><tr><th>verdict</th><th>OEM</th><th>file</th><th>SHA-256</th></tr>");
    for f in &s.flagged {
        let verdict = match &f.error {
            Some(e) => format!("{} ({e})", f.verdict),
            None => f.verdict.clone(),
        };
        flagged.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            esc(&verdict),
            esc(f.oem.as_deref().unwrap_or("unknown")),
            esc(&f.path),
            esc(&f.sha256)
        ));
    }
    flagged.push_str("</table>");
    let register = match &s.register {
        None => String::new(),
        Some(r) => {
            let mut t = format!(
                "<h2>Register reconciliation</h2><p id=\"register\">{} register entries: {} with a declared brand that is not the origin OEM, {} with no image; {} images with no register entry.</p><table><tr><th>finding</th><th>id</th><th>location</th><th>declared brand</th><th>origin OEM</th><th>relation</th><th>image</th></tr>",
                r.entries, r.brand_mismatch, r.no_image, r.unregistered
            );
            for f in r.findings.iter().filter(|f| f.finding != "ok") {
                t.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&f.finding),
                    esc(f.id.as_deref().unwrap_or("")),
                    esc(f.location.as_deref().unwrap_or("")),
                    esc(f.declared_brand.as_deref().unwrap_or("")),
                    esc(f.origin_oem.as_deref().unwrap_or("unknown")),
                    esc(f.relation.as_deref().unwrap_or("")),
                    esc(f.image.as_deref().unwrap_or("")),
                ));
            }
            t.push_str("</table>");
            t
        }
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\"><title>firmsight fleet summary</title><style>\
body{{font:15px/1.45 system-ui,sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem;color:#111}}\
table{{border-collapse:collapse;width:100%;margin:.5rem 0}}th,td{{border:1px solid #999;padding:.25rem .5rem;text-align:left}}\
td.n{{text-align:right;width:5rem}}td.bar{{width:45%}}td.bar span{{display:block;height:.9rem;background:#555}}\
@media print{{td.bar span{{background:#000;-webkit-print-color-adjust:exact;print-color-adjust:exact}}}}\
</style></head><body><h1>firmsight fleet summary</h1>\n\
<p id=\"totals\">{inputs} files, {images} distinct images, {failed} failed.</p>\n{oem}{soc}{sensor}{verdict}{reach}\n<h2>Flagged files ({nflag})</h2>{flagged}\n{register}\n</body></html>\n",
        inputs = s.inputs,
        images = s.images,
        failed = s.failed,
        oem = chart("camera OEM", &s.by_oem),
        soc = chart("SoC vendor", &s.by_soc_vendor),
        sensor = chart("image-sensor vendor", &s.by_sensor_vendor),
        verdict = chart("verdict", &s.by_verdict),
        reach = chart("cloud / P2P reach", &s.by_reach),
        nflag = s.flagged.len(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
