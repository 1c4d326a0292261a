//! `firmsight check`: which fields a guideline requires an SBOM lacks.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, ValueEnum};

use firmsight::sbom::check::{Guideline, check};

/// Guidelines `check` knows.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ProfileArg {
    /// BSI TR-03183-2 v2.0 (CycloneDX 1.6).
    Bsi,
    /// NTIA minimum elements.
    Ntia,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// A CycloneDX JSON SBOM (firmsight's or another tool's).
    #[arg(value_name = "SBOM")]
    sbom: PathBuf,

    /// The guideline to check against.
    #[arg(long, value_enum, default_value = "bsi")]
    profile: ProfileArg,
}

pub fn run(args: CheckArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&args.sbom)
        .with_context(|| format!("can not read `{}`", args.sbom.display()))?;
    let bom: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("`{}` is not JSON", args.sbom.display()))?;
    let (guideline, name) = match args.profile {
        ProfileArg::Bsi => (Guideline::Bsi, "BSI TR-03183-2 v2.0"),
        ProfileArg::Ntia => (Guideline::Ntia, "NTIA minimum elements"),
    };
    let report = check(&bom, guideline);
    // Field paths and names come from the file: escape them.
    for e in &report.errors {
        println!("missing  {}", e.escape_debug());
    }
    if !quiet {
        for w in &report.warnings {
            println!("warning  {}", w.escape_debug());
        }
    }
    let verdict = if report.passes() { "passes" } else { "fails" };
    eprintln!(
        "{} {verdict} {name}: {} components, {} missing required fields, {} warnings",
        args.sbom.display(),
        report.components,
        report.errors.len(),
        report.warnings.len()
    );
    Ok(if report.passes() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
