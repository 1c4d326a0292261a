//! `firmsight batch` and `firmsight merge`: a whole firmware archive in one
//! command, resumable, with a fleet summary.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use firmsight::batch::{self, BatchOptions, Outcome};
use firmsight::policy::Policy;
use time::Date;
use time::macros::format_description;

use super::Ui;

#[derive(Debug, Args)]
pub struct BatchArgs {
    /// Directories of images, image files, or `.lst` files naming one image
    /// per line.
    #[arg(value_name = "ARCHIVE", required = true)]
    inputs: Vec<PathBuf>,

    /// Output directory: `<sha256>.cdx.json` per image, `results.sqlite`,
    /// `summary.csv`, `summary.json`, `summary.html`.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,

    /// Procurement policy (TOML) or `default`.
    #[arg(long, value_name = "FILE|default")]
    policy: Option<String>,

    /// Compare dispensation dates with this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,

    /// Analyse again images already in the store.
    #[arg(long)]
    force: bool,

    /// This worker's share, K/N: images whose SHA-256 falls in shard K of N
    /// (run N workers, then `firmsight merge`).
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,

    /// Asset register (CSV with id, location, brand, model, firmware or
    /// sha256) to reconcile with what the firmware shows.
    #[arg(long, value_name = "FILE")]
    register: Option<PathBuf>,

    /// Most seconds one image may take; what is reached later is skipped
    /// and recorded on that image.
    #[arg(long, value_name = "SECS")]
    timeout: Option<u64>,

    /// Also write `<sha256>.report.html` per image.
    #[arg(long)]
    reports: bool,

    /// Also write `<sha256>.vex.json` per image (the shipped advisories).
    #[arg(long)]
    vex: bool,

    /// Progress as one JSON object per image on stderr, for machines.
    #[arg(long)]
    json_progress: bool,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Stores (`results.sqlite`) of the shard workers.
    #[arg(value_name = "STORE", required = true)]
    stores: Vec<PathBuf>,

    /// Output directory for the merged store and summary.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,

    /// The policy the shards ran with (it is part of the analysis key).
    #[arg(long, value_name = "FILE|default")]
    policy: Option<String>,

    /// Asset register (CSV) to reconcile with the merged results.
    #[arg(long, value_name = "FILE")]
    register: Option<PathBuf>,
}

fn load_policy(policy: Option<&str>) -> anyhow::Result<Option<Policy>> {
    Ok(match policy {
        None => None,
        Some("default") => Some(Policy::default_policy()?),
        Some(path) => Some(Policy::load(Path::new(path))?),
    })
}

fn parse_shard(text: &str) -> anyhow::Result<(u64, u64)> {
    let (k, n) = text
        .split_once('/')
        .with_context(|| format!("--shard `{text}`: write K/N, e.g. 2/3"))?;
    let (k, n): (u64, u64) = (k.trim().parse()?, n.trim().parse()?);
    anyhow::ensure!(
        n >= 1 && (1..=n).contains(&k),
        "--shard `{text}`: K must be in 1..=N"
    );
    Ok((k, n))
}

pub fn run(args: BatchArgs, ui: Ui) -> anyhow::Result<ExitCode> {
    let policy = load_policy(args.policy.as_deref())?;
    let as_of = args
        .as_of
        .as_deref()
        .map(|t| {
            Date::parse(t, format_description!("[year]-[month]-[day]"))
                .with_context(|| format!("--as-of `{t}` is not a date (YYYY-MM-DD)"))
        })
        .transpose()?;
    let options = BatchOptions {
        out: args.out.clone(),
        policy,
        as_of,
        force: args.force,
        shard: args.shard.as_deref().map(parse_shard).transpose()?,
        scan: firmsight::ScanOptions {
            limits: firmsight::Limits {
                max_seconds: args.timeout,
                ..firmsight::Limits::default()
            },
            ..Default::default()
        },
        register: args.register.clone(),
        reports: args.reports,
        vex: args.vex,
    };
    let inputs = batch::inputs(&args.inputs)?;
    let started = Instant::now();
    let tty =
        !ui.quiet && !args.json_progress && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let bar = if tty {
        let bar = ProgressBar::new(inputs.len() as u64);
        if let Ok(style) = ProgressStyle::with_template(
            "{bar:30} {pos}/{len} images · {msg} · {elapsed} (eta {eta})",
        ) {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let last_line = Mutex::new(Instant::now());
    let progress = |o: &Outcome, path: &Path| {
        let n = o.analysed + o.skipped + o.other_shard;
        if args.json_progress {
            let line = serde_json::json!({
                "done": n,
                "total": o.inputs,
                "analysed": o.analysed,
                "skipped": o.skipped,
                "failed": o.failed,
                "bytes": o.bytes,
                "path": path.display().to_string(),
                "elapsed_s": started.elapsed().as_secs_f64(),
            });
            eprintln!("{line}");
            return;
        }
        bar.set_position(n);
        let mbps = o.bytes as f64 / 1e6 / started.elapsed().as_secs_f64().max(0.001);
        bar.set_message(format!("{mbps:.0} MB/s · {} failed", o.failed));
        if !tty && !ui.quiet {
            let mut last = last_line.lock().unwrap_or_else(|e| e.into_inner());
            if last.elapsed() >= Duration::from_secs(5) || n == o.inputs {
                *last = Instant::now();
                eprintln!(
                    "batch: {n}/{} images, {} analysed, {} skipped, {} failed",
                    o.inputs, o.analysed, o.skipped, o.failed
                );
            }
        }
    };
    let outcome = batch::run(&inputs, &options, &progress)?;
    bar.finish_and_clear();
    if !ui.quiet {
        eprintln!(
            "batch: {} inputs, {} analysed, {} skipped (done before or duplicate), {} in other shards, {} failed in {:.1} s → {}",
            outcome.inputs,
            outcome.analysed,
            outcome.skipped,
            outcome.other_shard,
            outcome.failed,
            started.elapsed().as_secs_f64(),
            args.out.join("summary.html").display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn merge(args: MergeArgs, ui: Ui) -> anyhow::Result<ExitCode> {
    let policy = load_policy(args.policy.as_deref())?;
    batch::merge(
        &args.stores,
        &args.out,
        policy.as_ref(),
        args.register.as_deref(),
    )?;
    if !ui.quiet {
        eprintln!(
            "merge: {} stores → {}",
            args.stores.len(),
            args.out.join("summary.html").display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
