//! The human summary on stderr, and the progress spinner. Everything reads
//! the same without colour; colour only adds emphasis.

use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};

use firmsight::ScanResult;
use firmsight::model::Status;
use firmsight::sbom::Bom;

use super::Ui;

/// How often the spinner redraws.
const TICK: std::time::Duration = std::time::Duration::from_millis(120);

/// At most this many problem artifacts are listed one by one.
const MAX_LISTED: usize = 10;

/// A spinner on a terminal; hidden otherwise or with `-q`.
pub fn spinner(ui: Ui, image: &Path) -> ProgressBar {
    if ui.quiet || !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
        bar.set_style(style);
    }
    bar.set_message(format!("scanning {}", image.display()));
    bar.enable_steady_tick(TICK);
    bar
}

fn bold(ui: Ui, text: &str) -> String {
    if ui.color {
        format!("\x1b[1m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// Print the summary of one scan.
pub fn print(
    ui: Ui,
    result: &ScanResult,
    bom: &Bom,
    output: Option<&Path>,
    extract: Option<&Path>,
) {
    let stats = &result.stats;
    let image = &result.image;
    let sha = image
        .hashes
        .as_ref()
        .map(|h| h.sha256_hex())
        .unwrap_or_default();
    eprintln!(
        "{} {} ({}, sha256 {})",
        bold(ui, "firmsight"),
        image.name.escape_debug(),
        human_bytes(stats.input_bytes),
        sha
    );
    let formats = if stats.formats.is_empty() {
        "nothing".to_string()
    } else {
        stats
            .formats
            .iter()
            .map(|(f, n)| format!("{f} ×{n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    eprintln!("  unpacked     {formats}");
    let elf = if stats.elf.is_empty() {
        String::new()
    } else {
        let roles: Vec<String> = stats.elf.iter().map(|(r, n)| format!("{n} {r}")).collect();
        format!(", {} ELF: {}", stats.elf_files(), roles.join(", "))
    };
    eprintln!(
        "  artifacts    {} ({} files{elf})",
        stats.artifacts, stats.files
    );
    let mut identified: Vec<String> = image
        .iter()
        .flat_map(|a| &a.identified)
        .map(|i| match (i.series, i.version.is_empty()) {
            (true, true) => format!("{} (version unknown)", i.component),
            (true, false) => format!("{} {} series", i.component, i.version),
            _ => format!("{} {}", i.component, i.version),
        })
        .collect();
    identified.sort();
    identified.dedup();
    if !identified.is_empty() {
        let shown = identified
            .iter()
            .take(MAX_LISTED)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        let more = identified.len().saturating_sub(MAX_LISTED);
        let more = if more > 0 {
            format!(" … and {more} more")
        } else {
            String::new()
        };
        eprintln!("  identified   {}{more}", shown.escape_debug());
    }
    // Vendor and model names come from the image: escape them too.
    eprintln!(
        "  maker        {}",
        result.findings.summary().escape_debug()
    );
    if let Some(decision) = &result.decision {
        let reasons: Vec<String> = decision
            .flags
            .iter()
            .filter(|f| f.action != firmsight::policy::Action::Allow)
            .take(4)
            .map(|f| format!("{} {} ({})", f.action.as_str(), f.rule, f.vendor))
            .collect();
        let line = if reasons.is_empty() {
            decision.describe()
        } else {
            format!("{} — {}", decision.describe(), reasons.join("; "))
        };
        eprintln!("  {}       {}", bold(ui, "policy"), line.escape_debug());
    }
    eprintln!(
        "  problems     {} budget hits, {} errors",
        stats.budget_hits, stats.errors
    );
    let problems: Vec<_> = image.iter().filter(|a| a.status.is_problem()).collect();
    for artifact in problems.iter().take(MAX_LISTED) {
        let tag = match artifact.status {
            Status::Skipped(_) => "budget",
            _ => "error",
        };
        // Names and reasons come from the image: escape control characters
        // so an entry name cannot drive the terminal.
        let line = format!("{} — {}", artifact.location, artifact.status);
        eprintln!("    {tag}: {}", line.escape_debug());
    }
    if problems.len() > MAX_LISTED {
        eprintln!("    … and {} more", problems.len() - MAX_LISTED);
    }
    let destination = output
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "stdout".into());
    eprintln!(
        "  sbom         CycloneDX {} → {destination} ({} components)",
        bom.spec_version,
        bom.components.len()
    );
    if let Some(dir) = extract {
        let notes: usize = image
            .iter()
            .flat_map(|a| &a.notes)
            .filter(|n| n.starts_with("not extracted"))
            .count();
        eprintln!(
            "  extracted    {} ({notes} entries not written)",
            dir.display()
        );
    }
    let secs = result.elapsed.as_secs_f64();
    let rate = if secs > 0.0 {
        format!(" ({:.1} MB/s)", stats.input_bytes as f64 / 1e6 / secs)
    } else {
        String::new()
    };
    eprintln!("  time         {secs:.2} s{rate}");
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
