//! `firmsight scan`: one image in, one SBOM out.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, ValueEnum};

use firmsight::policy::{Outcome, Policy};
use firmsight::report;
use firmsight::sbom::{self, SbomOptions};
use firmsight::{Limits, ScanOptions, scan_path};
use time::Date;
use time::macros::format_description;

use super::Ui;
use super::summary;

/// Output formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OutputFormat {
    /// CycloneDX 1.6 JSON.
    CyclonedxJson,
}

/// SBOM profiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SbomProfile {
    /// BSI TR-03183-2 v2.0.
    Bsi,
}

/// Verdicts that make the command fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Fail on `deny` only (a dispensed device passes).
    Deny,
    /// Fail on `review`, `dispensed` and `deny`.
    Review,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// The firmware image (any file: a vendor update, a flash dump, an archive).
    #[arg(value_name = "IMAGE")]
    image: PathBuf,

    /// Write the SBOM here instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,

    /// SBOM format.
    #[arg(long, value_enum, default_value = "cyclonedx-json")]
    format: OutputFormat,

    /// Also write the unpacked tree under DIR (paths confined to DIR; links
    /// out and device nodes are refused and recorded).
    #[arg(long, value_name = "DIR")]
    extract: Option<PathBuf>,

    /// Byte-identical output for identical input: fixed timestamp (from
    /// SOURCE_DATE_EPOCH, else 1970-01-01) and a serial number derived from the
    /// image hash. Also on when SOURCE_DATE_EPOCH is set.
    #[arg(long)]
    reproducible: bool,

    /// Brand on the device's label or in the asset register: shown next to
    /// the OEM the firmware reveals, with their known relation.
    #[arg(long, value_name = "BRAND")]
    label: Option<String>,

    /// Procurement policy (TOML), or `default` for the shipped one: gives the
    /// verdict pass, review, deny or dispensed.
    #[arg(long, value_name = "FILE|default")]
    policy: Option<String>,

    /// Exit with status 1 when the verdict is at least this bad
    /// (`review` also fails on `dispensed` and `deny`).
    #[arg(long, value_enum, value_name = "LEVEL", requires = "policy")]
    fail_on: Option<FailOn>,

    /// Compare dispensation dates with this day (YYYY-MM-DD) instead of
    /// today, so a report can be reproduced.
    #[arg(long, value_name = "DATE", requires = "policy")]
    as_of: Option<String>,

    /// Device model, matched against dispensations that cover a model.
    #[arg(long, value_name = "MODEL")]
    model: Option<String>,

    /// Add the fields a guideline requires: `bsi` for BSI TR-03183-2 v2.0
    /// (filename, executable/archive/structured, SHA-512, dependencies).
    #[arg(long, value_enum, value_name = "PROFILE")]
    profile: Option<SbomProfile>,

    /// E-mail (or URL) of whoever makes the SBOM (`metadata.authors`; BSI
    /// requires it).
    #[arg(long, value_name = "EMAIL")]
    sbom_author: Option<String>,

    /// Write known vulnerabilities as a CycloneDX 1.6 VEX document (kept
    /// out of the SBOM): the shipped camera advisories plus any --advisories.
    #[arg(long, value_name = "FILE")]
    vex: Option<PathBuf>,

    /// An OSV advisory file (one record or an array) to match as well.
    #[arg(long, value_name = "FILE", requires = "vex")]
    advisories: Vec<PathBuf>,

    /// Write a tender-ready report: `.html` (self-contained) or `.md`.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,

    /// Deepest container nesting that is unpacked.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_depth)]
    max_depth: usize,

    /// Most bytes unpacked in total [default: 64x the image, at least 1 GiB].
    #[arg(long, value_name = "BYTES")]
    max_bytes: Option<u64>,

    /// Most artifacts in total [default: one per 64 bytes of the image, at
    /// least 100,000 and at most 1,000,000].
    #[arg(long, value_name = "N")]
    max_entries: Option<u64>,

    /// Most seconds the image may take; what is reached later is skipped
    /// and recorded (results then depend on the machine).
    #[arg(long, value_name = "SECS")]
    timeout: Option<u64>,

    /// Most one stream may expand relative to its compressed size (N:1).
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_ratio)]
    max_ratio: u64,
}

pub fn run(args: ScanArgs, ui: Ui) -> anyhow::Result<ExitCode> {
    let options = ScanOptions {
        label: args.label.clone(),
        limits: Limits {
            max_depth: args.max_depth,
            max_total_bytes: args.max_bytes,
            max_entries: args.max_entries,
            max_ratio: args.max_ratio,
            max_seconds: args.timeout,
        },
        extract_to: args.extract.clone(),
        // The BSI profile lists a SHA-512 for every file.
        sha512: args.profile == Some(SbomProfile::Bsi),
        // The report names the image by SHA-256 and SHA-512.
        image_sha512: args.report.is_some(),
    };
    let mut sbom_options = sbom_options(args.reproducible)?;
    if args.profile == Some(SbomProfile::Bsi) {
        sbom_options.profile = sbom::Profile::Bsi;
    }
    if let Some(author) = &args.sbom_author {
        anyhow::ensure!(
            author.contains('@') && !author.contains(char::is_whitespace),
            "--sbom-author `{author}`: give an e-mail address"
        );
    }
    sbom_options.author = args.sbom_author.clone();
    let progress = summary::spinner(ui, &args.image);
    let result = scan_path(&args.image, &options);
    progress.finish_and_clear();
    let mut result = result?;
    if let Some(policy) = &args.policy {
        let policy = if policy == "default" {
            Policy::default_policy()?
        } else {
            Policy::load(Path::new(policy))?
        };
        let as_of = match &args.as_of {
            Some(text) => Date::parse(text, format_description!("[year]-[month]-[day]"))
                .with_context(|| format!("--as-of `{text}` is not a date (YYYY-MM-DD)"))?,
            None => time::OffsetDateTime::now_utc().date(),
        };
        result.decision = Some(policy.evaluate(&result, args.model.as_deref(), as_of));
    }

    let bom = match args.format {
        OutputFormat::CyclonedxJson => sbom::cyclonedx(&result, &sbom_options),
    };
    match &args.output {
        Some(path) => {
            let file = File::create(path)
                .with_context(|| format!("can not create `{}`", path.display()))?;
            write_json(BufWriter::new(file), &bom)
                .with_context(|| format!("can not write `{}`", path.display()))?;
        }
        None => {
            write_json(io::stdout().lock(), &bom).context("can not write the SBOM to stdout")?
        }
    }
    if let Some(path) = &args.vex {
        let files: Vec<&Path> = args.advisories.iter().map(PathBuf::as_path).collect();
        let advisories = sbom::vex::load(&files)?;
        let document = sbom::vex::vex(&result, &bom, &advisories);
        let file =
            File::create(path).with_context(|| format!("can not create `{}`", path.display()))?;
        let mut out = BufWriter::new(file);
        serde_json::to_writer_pretty(&mut out, &document)?;
        out.write_all(b"\n")?;
        out.flush()
            .with_context(|| format!("can not write `{}`", path.display()))?;
    }
    if let Some(path) = &args.report {
        let provenance = report::Provenance {
            command: std::env::args().collect::<Vec<_>>().join(" "),
        };
        let text = match path.extension().and_then(|e| e.to_str()) {
            Some("md" | "markdown") => report::markdown(&result, &bom, &provenance),
            Some("html" | "htm") => report::html(&result, &bom, &provenance),
            _ => anyhow::bail!(
                "--report `{}`: name it .html or .md to choose the format",
                path.display()
            ),
        };
        std::fs::write(path, text)
            .with_context(|| format!("can not write the report `{}`", path.display()))?;
    }
    if !ui.quiet {
        summary::print(
            ui,
            &result,
            &bom,
            args.output.as_deref(),
            args.extract.as_deref(),
        );
    }
    let failed = match (args.fail_on, result.decision.as_ref().map(|d| d.outcome)) {
        (Some(FailOn::Deny), Some(Outcome::Deny)) => true,
        (Some(FailOn::Review), Some(outcome)) => outcome >= Outcome::Review,
        _ => false,
    };
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn write_json(mut out: impl Write, bom: &sbom::Bom) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut out, bom)?;
    out.write_all(b"\n")?;
    out.flush()
}

fn sbom_options(reproducible: bool) -> anyhow::Result<SbomOptions> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(value) if !value.is_empty() => {
            let epoch: i64 = value.trim().parse().with_context(|| {
                format!("SOURCE_DATE_EPOCH `{value}` is not a number of seconds")
            })?;
            Ok(SbomOptions::reproducible(epoch))
        }
        _ if reproducible => Ok(SbomOptions::reproducible(0)),
        _ => Ok(SbomOptions::now()),
    }
}
