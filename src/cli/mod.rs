//! Command-line parsing, logging setup and exit codes. Errors become one
//! readable line and exit code 2; library errors carry their own context.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod batch;
mod check;
mod scan;
mod summary;

const EXAMPLES: &str = "\
Examples:
  firmsight scan camera.bin -o camera.cdx.json   one image -> CycloneDX 1.6 JSON
  firmsight scan camera.bin                       SBOM to stdout, summary to stderr
  firmsight scan --extract out/ camera.bin        also write the unpacked tree, safely
  firmsight scan --reproducible camera.bin        byte-identical output for identical input

Exit codes: 0 ok, 2 error.";

/// Look inside camera firmware and OEM product files: unpack them, identify
/// what is inside, and emit a CycloneDX SBOM.
#[derive(Debug, Parser)]
#[command(name = "firmsight", version, about, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,

    /// More log output on stderr (-v info, -vv debug, -vvv trace).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,

    /// No summary or progress on stderr; errors only.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,

    /// Worker threads (default: one per core).
    #[arg(short = 'j', long, global = true, value_name = "N")]
    threads: Option<usize>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Unpack and identify one firmware image; write its SBOM.
    #[command(after_help = EXAMPLES)]
    Scan(Box<scan::ScanArgs>),
    /// Check an SBOM (ours or another tool's) against BSI TR-03183-2 or the
    /// NTIA minimum elements; exit 1 when required fields are missing.
    Check(check::CheckArgs),
    /// Analyse every image of an archive (resumable), with a fleet summary.
    Batch(batch::BatchArgs),
    /// Merge the stores of sharded batch workers into one summary.
    Merge(batch::MergeArgs),
}

/// How output to stderr looks.
#[derive(Debug, Clone, Copy)]
struct Ui {
    quiet: bool,
    color: bool,
}

impl Ui {
    fn detect(quiet: bool) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Ui {
            quiet,
            color: !no_color && std::io::stderr().is_terminal(),
        }
    }
}

/// Parse arguments, run, and turn the outcome into an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let ui = Ui::detect(cli.quiet);
    init_logging(cli.verbose, cli.quiet, ui.color);
    match run(cli, ui) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli, ui: Ui) -> anyhow::Result<ExitCode> {
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = cli.threads {
        anyhow::ensure!(n > 0, "--threads must be at least 1");
        pool = pool.num_threads(n);
    }
    let pool = pool.build()?;
    pool.install(|| match cli.command {
        Command::Scan(args) => scan::run(*args, ui),
        Command::Check(args) => check::run(args, ui.quiet),
        Command::Batch(args) => batch::run(args, ui),
        Command::Merge(args) => batch::merge(args, ui),
    })
}

fn init_logging(verbose: u8, quiet: bool, color: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        (false, _) => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("FIRMSIGHT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(color)
        .with_target(false)
        .try_init();
}
