//! `firmsight scan`: one image in, one SBOM out.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, ValueEnum};

use firmsight::sbom::{self, SbomOptions};
use firmsight::{Limits, ScanOptions, scan_path};

use super::Ui;
use super::summary;

/// Output formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OutputFormat {
    /// CycloneDX 1.6 JSON.
    CyclonedxJson,
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

    /// Deepest container nesting that is unpacked.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_depth)]
    max_depth: usize,

    /// Most bytes unpacked in total [default: 64x the image, at least 1 GiB].
    #[arg(long, value_name = "BYTES")]
    max_bytes: Option<u64>,

    /// Most artifacts in total.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_entries)]
    max_entries: u64,

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
        },
        extract_to: args.extract.clone(),
    };
    let sbom_options = sbom_options(args.reproducible)?;
    let progress = summary::spinner(ui, &args.image);
    let result = scan_path(&args.image, &options);
    progress.finish_and_clear();
    let result = result?;

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
    if !ui.quiet {
        summary::print(
            ui,
            &result,
            &bom,
            args.output.as_deref(),
            args.extract.as_deref(),
        );
    }
    Ok(ExitCode::SUCCESS)
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
