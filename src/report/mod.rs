//! The tender-ready report: one self-contained page (HTML, or Markdown) per
//! image. Verdict first, then why (each flag with its evidence chain), the
//! technical-review table, the dispensation state, the full component list
//! and how to reproduce it. No external assets; readable printed and
//! without colour (every state is written out, colour only repeats it).
//!
//! Everything that comes from the image is escaped (HTML entities; in
//! Markdown also its syntax; bidi controls dropped): names and strings in
//! firmware are attacker-controlled. The HTML page forbids every fetch with
//! a Content-Security-Policy.

use crate::identify::verdict::Findings;
use crate::model::Category;
use crate::policy::{Dispensed, Outcome};
use crate::sbom::Bom;
use crate::scan::ScanResult;

/// What the report says about how it was made.
#[derive(Debug, Clone)]
pub struct Provenance {
    /// The command line, as run.
    pub command: String,
}

/// One section's rows, shared by both renderings.
struct Page {
    title: String,
    verdict: String,
    verdict_class: &'static str,
    verdict_note: String,
    identity: Vec<(String, String)>,
    flags: Vec<Vec<String>>,
    review: Vec<(String, String)>,
    dispensation: String,
    components: Vec<Vec<String>>,
    reproduce: Vec<(String, String)>,
}

const FLAG_HEAD: [&str; 6] = ["action", "rule", "what", "why", "citation", "evidence"];
const COMPONENT_HEAD: [&str; 4] = ["component", "version", "type", "purl / location"];

fn page(result: &ScanResult, bom: &Bom, provenance: &Provenance) -> Page {
    let image = &result.image;
    let f = &result.findings;
    let decision = result.decision.as_ref();
    let (verdict, verdict_class) = match decision.map(|d| d.outcome) {
        Some(Outcome::Deny) => ("DENY", "deny"),
        Some(Outcome::Dispensed) => ("DISPENSED", "dispensed"),
        Some(Outcome::Review) => ("REVIEW", "review"),
        Some(Outcome::Pass) => ("PASS", "pass"),
        None => ("NO POLICY APPLIED", "none"),
    };
    let verdict_note = decision
        .map(|d| format!("{} — policy {}, as of {}", d.describe(), d.policy, d.as_of))
        .unwrap_or_else(|| "run with --policy to get a procurement decision".into());

    let mut identity = vec![
        ("image".to_string(), image.name.clone()),
        ("size".to_string(), format!("{} bytes", image.size)),
    ];
    if let Some(h) = &image.hashes {
        identity.push(("SHA-256".into(), h.sha256_hex()));
        if let Some(sha512) = h.sha512_hex() {
            identity.push(("SHA-512".into(), sha512));
        }
    }
    if let Some(label) = &f.label {
        identity.push(("label brand".into(), label.describe()));
    }
    identity.push((
        "camera OEM".into(),
        f.oem()
            .map(|v| {
                format!(
                    "{} (confidence {:.2}; {})",
                    v.vendor,
                    v.confidence,
                    v.rules.join(", ")
                )
            })
            .unwrap_or_else(|| "not identified".into()),
    ));
    identity.push(("SoC".into(), named_list(f, Category::Soc)));
    identity.push(("image sensors".into(), named_list(f, Category::ImageSensor)));
    let modules = named_list(f, Category::CameraModule);
    if modules != "none identified" {
        identity.push(("camera modules".into(), modules));
    }

    let flags = decision
        .map(|d| {
            d.flags
                .iter()
                .map(|flag| {
                    let mut what = flag.vendor.clone();
                    if let Some(m) = &flag.model {
                        what.push_str(&format!(" {m}"));
                    }
                    if let Some(e) = &flag.entity
                        && *e != flag.vendor
                    {
                        what.push_str(&format!(" → {e}"));
                    }
                    let evidence = flag
                        .evidence
                        .iter()
                        .map(|e| {
                            let at = e
                                .hit
                                .offset
                                .map(|o| format!(" @ {o:#x}"))
                                .unwrap_or_default();
                            format!(
                                "{}{at} ({}, {})",
                                e.location,
                                e.hit.rule,
                                e.hit.weight.as_str()
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n");
                    vec![
                        flag.action.as_str().to_string(),
                        flag.rule.clone(),
                        what,
                        flag.reason.clone(),
                        flag.citation.clone().unwrap_or_default(),
                        evidence,
                    ]
                })
                .collect()
        })
        .unwrap_or_default();

    let p = &f.posture;
    let p2p: Vec<String> = f
        .named(Category::P2pCloud)
        .map(|v| v.vendor.clone())
        .collect();
    let endpoints: Vec<String> = f
        .named(Category::Capability)
        .filter(|v| v.vendor == crate::identify::endpoints::VENDOR)
        .flat_map(|v| v.models.clone())
        .collect();
    let services: Vec<String> = f
        .named(Category::Capability)
        .filter(|v| !v.ports.is_empty())
        .map(|v| {
            let ports: Vec<String> = v.ports.iter().map(u16::to_string).collect();
            format!("{} (port {})", v.vendor, ports.join(", "))
        })
        .collect();
    let indicators: Vec<String> = f
        .named(Category::BackdoorIndicator)
        .flat_map(|v| v.rules.iter().map(move |r| format!("{}: {r}", v.vendor)))
        .collect();
    let none = |v: &[String]| {
        if v.is_empty() {
            "none found".to_string()
        } else {
            v.join(", ")
        }
    };
    let review = vec![
        ("internet / cloud reach".to_string(), none(&p2p)),
        (
            "hard-coded endpoints".to_string(),
            if endpoints.is_empty() {
                "none found".into()
            } else {
                format!(
                    "{} — {}",
                    endpoints.len(),
                    endpoints
                        .iter()
                        .take(20)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
        ),
        ("remote services".to_string(), none(&services)),
        (
            "encryption (TLS libraries)".to_string(),
            if p.tls_libraries.is_empty() {
                "NONE: no TLS library in the image".into()
            } else {
                p.tls_libraries.join(", ")
            },
        ),
        (
            "plaintext-only services".to_string(),
            none(&p.plaintext_services),
        ),
        (
            "credentials".to_string(),
            match (p.static_root_password, p.private_keys) {
                (false, 0) => "no fixed root password or embedded private key found".into(),
                (root, keys) => format!(
                    "{}{}",
                    if root {
                        "fixed root password hash in every device; "
                    } else {
                        ""
                    },
                    if keys > 0 {
                        format!("{keys} embedded private key(s)")
                    } else {
                        String::new()
                    }
                ),
            },
        ),
        (
            "vulnerability / backdoor indicators".to_string(),
            none(&indicators),
        ),
    ];

    let dispensation = match decision.and_then(|d| d.dispensation.as_ref()) {
        Some(Dispensed::Active {
            id,
            until,
            days_left,
            reason,
            granted_by,
            devices,
        }) => format!(
            "Dispensation {id} is ACTIVE until {until} ({days_left} days left): {reason}; granted by {granted_by}{}.",
            devices
                .map(|n| format!("; covers {n} devices"))
                .unwrap_or_default()
        ),
        Some(Dispensed::Expired { id, since }) => {
            format!("Dispensation {id} EXPIRED: not valid since {since}; the deny stands.")
        }
        None => "No dispensation applies.".into(),
    };

    let mut components: Vec<Vec<String>> = bom
        .components
        .iter()
        .map(|c| {
            vec![
                c.name.clone(),
                // A series component has no version, only its series.
                c.version.clone().unwrap_or_else(|| {
                    c.properties
                        .iter()
                        .find(|p| p.name == "firmsight:version-series")
                        .map(|p| format!("{} series", p.value))
                        .or_else(|| {
                            // A component known to be there, its release not.
                            c.bom_ref
                                .as_deref()
                                .is_some_and(|r| r.ends_with("#any-version"))
                                .then(|| "version unknown".to_string())
                        })
                        .unwrap_or_default()
                }),
                c.kind.to_string(),
                c.purl
                    .clone()
                    .or_else(|| c.bom_ref.clone())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    components.sort();

    let mut reproduce = vec![
        (
            "firmsight".to_string(),
            env!("CARGO_PKG_VERSION").to_string(),
        ),
        ("command".to_string(), provenance.command.clone()),
    ];
    if let Some(d) = decision {
        reproduce.push(("policy".into(), d.policy.clone()));
        reproduce.push(("policy SHA-256".into(), d.policy_sha256.clone()));
        reproduce.push(("as of".into(), d.as_of.to_string()));
    }
    Page {
        title: format!("firmsight report: {}", image.name),
        verdict: verdict.into(),
        verdict_class,
        verdict_note,
        identity,
        flags,
        review,
        dispensation,
        components,
        reproduce,
    }
}

fn named_list(f: &Findings, category: Category) -> String {
    let named: Vec<String> = f
        .named(category)
        .map(|v| match &v.model {
            Some(m) => format!("{} {m}", v.vendor),
            None => v.vendor.clone(),
        })
        .collect();
    let candidates = f.category(category).filter(|v| !v.named).count();
    match (named.is_empty(), candidates) {
        (true, 0) => "none identified".into(),
        (true, n) => format!("none confirmed ({n} candidates)"),
        (false, 0) => named.join(", "),
        (false, n) => format!("{} (+{n} candidates)", named.join(", ")),
    }
}

/// The report as Markdown.
pub fn markdown(result: &ScanResult, bom: &Bom, provenance: &Provenance) -> String {
    let p = page(result, bom, provenance);
    let cell = |s: &str| md_escape(s);
    let mut out = format!(
        "# {}\n\n## Verdict: **{}**\n\n{}\n\n",
        cell(&p.title),
        p.verdict,
        cell(&p.verdict_note)
    );
    let pairs = |out: &mut String, rows: &[(String, String)]| {
        out.push_str("| | |\n|---|---|\n");
        for (k, v) in rows {
            out.push_str(&format!("| {} | {} |\n", cell(k), cell(v)));
        }
        out.push('\n');
    };
    let table = |out: &mut String, head: &[&str], rows: &[Vec<String>]| {
        out.push_str(&format!(
            "| {} |\n|{}\n",
            head.join(" | "),
            "---|".repeat(head.len())
        ));
        for row in rows {
            let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
            out.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
        out.push('\n');
    };
    out.push_str("## Device and image\n\n");
    pairs(&mut out, &p.identity);
    out.push_str("## Why\n\n");
    if p.flags.is_empty() {
        out.push_str("Nothing in the policy objects to this image.\n\n");
    } else {
        table(&mut out, &FLAG_HEAD, &p.flags);
    }
    out.push_str("## Technical review\n\n");
    pairs(&mut out, &p.review);
    out.push_str(&format!("## Dispensation\n\n{}\n\n", cell(&p.dispensation)));
    out.push_str(&format!("## Components ({})\n\n", p.components.len()));
    table(&mut out, &COMPONENT_HEAD, &p.components);
    out.push_str("## How to reproduce\n\n");
    pairs(&mut out, &p.reproduce);
    out
}

/// Bidirectional-text controls (U+202A–U+202E, U+2066–U+2069): they can
/// reorder what a reader sees, so they never reach a report.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// Escape text for a Markdown table cell: HTML-significant characters as
/// entities (a name like `<img src=…>` must not become markup), Markdown
/// syntax backslash-escaped, line breaks as `<br>`, controls dropped.
fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' => out.push_str("<br>"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '!' | '#' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() || is_bidi_control(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// Escape text for HTML content and attributes.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if (c.is_control() && c != '\n') || is_bidi_control(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#111}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #888}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #999;padding:.3rem .5rem;text-align:left;vertical-align:top;overflow-wrap:break-word}
th{background:#eee}td.k{width:14rem;font-weight:600}
.verdict{font-size:2rem;font-weight:800;padding:.6rem 1rem;border:4px solid #111;display:inline-block}
.deny{border-color:#a00;color:#a00}.review{border-color:#a60;color:#850}.dispensed{border-color:#036;color:#036}.pass{border-color:#060;color:#060}
pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:0;font:12px/1.35 ui-monospace,monospace}
@media print{body{margin:0;max-width:none;font-size:11pt}h2{break-after:avoid}tr{break-inside:avoid}.verdict{color:#000;border-color:#000}}
";

/// The report as one self-contained HTML page.
pub fn html(result: &ScanResult, bom: &Bom, provenance: &Provenance) -> String {
    let p = page(result, bom, provenance);
    let pairs = |rows: &[(String, String)]| {
        let mut out = String::from("<table>");
        for (k, v) in rows {
            out.push_str(&format!(
                "<tr><td class=\"k\">{}</td><td>{}</td></tr>",
                esc(k),
                esc(v)
            ));
        }
        out.push_str("</table>");
        out
    };
    let table = |head: &[&str], rows: &[Vec<String>], pre_last: bool| {
        let mut out = String::from("<table><tr>");
        for h in head {
            out.push_str(&format!("<th>{}</th>", esc(h)));
        }
        out.push_str("</tr>");
        for row in rows {
            out.push_str("<tr>");
            for (i, c) in row.iter().enumerate() {
                if pre_last && i + 1 == row.len() {
                    out.push_str(&format!("<td><pre>{}</pre></td>", esc(c)));
                } else {
                    out.push_str(&format!("<td>{}</td>", esc(c)));
                }
            }
            out.push_str("</tr>");
        }
        out.push_str("</table>");
        out
    };
    let why = if p.flags.is_empty() {
        "<p>Nothing in the policy objects to this image.</p>".to_string()
    } else {
        table(&FLAG_HEAD, &p.flags, true)
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\"><meta name=\"viewport\" content=\"width=device-width\"><title>{title}</title><style>{STYLE}</style></head><body>\n\
<h1>{title}</h1>\n<p><span id=\"verdict\" class=\"verdict {class}\">{verdict}</span></p><p>{note}</p>\n\
<h2>Device and image</h2>{identity}\n<h2>Why</h2>{why}\n<h2>Technical review</h2>{review}\n\
<h2>Dispensation</h2><p>{dispensation}</p>\n<h2>Components ({count})</h2>{components}\n\
<h2>How to reproduce</h2>{reproduce}\n</body></html>\n",
        title = esc(&p.title),
        class = p.verdict_class,
        verdict = esc(&p.verdict),
        note = esc(&p.verdict_note),
        identity = pairs(&p.identity),
        review = pairs(&p.review),
        dispensation = esc(&p.dispensation),
        count = p.components.len(),
        components = table(&COMPONENT_HEAD, &p.components, false),
        reproduce = pairs(&p.reproduce),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_escapes_markup_and_links_from_the_image() {
        assert_eq!(
            md_escape("<img src=//evil/x> ![x](https://evil/p.png) a|b\u{202E}"),
            "&lt;img src=//evil/x&gt; \\!\\[x\\]\\(https://evil/p.png\\) a\\|b"
        );
    }

    #[test]
    fn html_escapes_everything_from_the_image() {
        assert_eq!(
            esc("<script>alert('x')</script>&\u{1b}[31m"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;\u{FFFD}[31m"
        );
    }
}
