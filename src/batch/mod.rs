//! Batch runs over a firmware archive: every image under a directory (or
//! listed in a file) is analysed once per content, its SBOM written as
//! `<out>/<sha256>.cdx.json`, its result stored in `<out>/results.sqlite`,
//! and a fleet summary (CSV, JSON, self-contained HTML) made from the store.
//!
//! Re-running skips images already done under the same analysis key
//! (firmsight version, signatures, policy), so a crash or Ctrl-C loses
//! nothing finished; identical images are analysed once; `--force` redoes.
//! Images and the files inside them share one rayon pool. A bad image is a
//! `failed` row with its reason; the run goes on.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use rayon::prelude::*;
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::model::Category;
use crate::policy::Policy;
use crate::sbom::{self, SbomOptions};
use crate::scan::{ScanOptions, scan_bytes};
use crate::unpack::Bytes;

pub mod register;
pub mod store;
pub mod summary;

pub use store::{Row, Store};

/// Name of the store in the output directory.
pub const STORE: &str = "results.sqlite";

/// Why a batch run itself fails (a bad image never does).
#[derive(Debug, Error)]
pub enum BatchError {
    /// The output directory or the store cannot be used.
    #[error("output `{path}`: {message}")]
    Output {
        /// The path.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// An input cannot be listed.
    #[error("input `{path}`: {message}")]
    Input {
        /// The path.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct BatchOptions {
    /// Output directory.
    pub out: PathBuf,
    /// Policy to apply.
    pub policy: Option<Policy>,
    /// Date for dispensations.
    pub as_of: Option<time::Date>,
    /// Redo images already in the store.
    pub force: bool,
    /// `(k, n)`: this worker takes images whose SHA-256 falls in shard k
    /// of n (1-based).
    pub shard: Option<(u64, u64)>,
    /// Unpacking budgets per image.
    pub scan: ScanOptions,
    /// An asset register (CSV) to reconcile with what the firmware shows.
    pub register: Option<PathBuf>,
    /// Also write `<sha256>.report.html` per image.
    pub reports: bool,
    /// Also write `<sha256>.vex.json` per image (the shipped advisories).
    pub vex: bool,
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Input files seen.
    pub inputs: u64,
    /// Images analysed now.
    pub analysed: u64,
    /// Images skipped: already in the store, or a duplicate.
    pub skipped: u64,
    /// Images in another shard.
    pub other_shard: u64,
    /// Images that failed.
    pub failed: u64,
    /// Bytes of the images analysed now.
    pub bytes: u64,
}

/// Every input file: files under directories (sorted, recursively) and
/// files named one per line in `.txt`/`.lst` list files.
pub fn inputs(given: &[PathBuf]) -> Result<Vec<PathBuf>, BatchError> {
    let mut out = Vec::new();
    for path in given {
        let err = |e: std::io::Error| BatchError::Input {
            path: path.clone(),
            message: e.to_string(),
        };
        let meta = std::fs::metadata(path).map_err(err)?;
        if meta.is_dir() {
            let mut stack = vec![path.clone()];
            while let Some(dir) = stack.pop() {
                let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
                    .map_err(err)?
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .collect();
                entries.sort();
                for entry in entries.into_iter().rev() {
                    let Ok(m) = std::fs::symlink_metadata(&entry) else {
                        continue;
                    };
                    if m.is_dir() {
                        stack.push(entry);
                    } else if m.is_file() {
                        out.push(entry);
                    }
                }
            }
        } else if path.extension().is_some_and(|e| e == "lst" || e == "list") {
            let text = std::fs::read_to_string(path).map_err(err)?;
            let base = path.parent().unwrap_or(Path::new("."));
            out.extend(
                text.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .map(|l| base.join(l)),
            );
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

/// The analysis key: results under another key are not reused.
pub fn analysis_key(policy: Option<&Policy>) -> String {
    format!(
        "firmsight-{}/signatures-{}/policy-{}",
        env!("CARGO_PKG_VERSION"),
        &crate::identify::signatures_fingerprint()[..16],
        policy.map_or("none".to_string(), |p| p.fingerprint()[..16].to_string())
    )
}

/// Which shard (1-based) of `n` an image belongs to.
pub fn shard_of(sha256: &str, n: u64) -> u64 {
    let prefix = u64::from_str_radix(sha256.get(..15).unwrap_or("0"), 16).unwrap_or(0);
    prefix % n.max(1) + 1
}

/// Run over `inputs`; `progress` is called after each image with the
/// running outcome and the path.
pub fn run(
    inputs: &[PathBuf],
    options: &BatchOptions,
    progress: &(dyn Fn(&Outcome, &Path) + Sync),
) -> Result<Outcome, BatchError> {
    let out_err = |path: &Path, message: String| BatchError::Output {
        path: path.to_path_buf(),
        message,
    };
    std::fs::create_dir_all(&options.out).map_err(|e| out_err(&options.out, e.to_string()))?;
    let store_path = options.out.join(STORE);
    let store = Store::open(&store_path).map_err(|e| out_err(&store_path, e.to_string()))?;
    let store = Mutex::new(store);
    let analysis = analysis_key(options.policy.as_ref());
    let claimed: Mutex<HashSet<String>> = Mutex::new(HashSet::new());
    let outcome = Mutex::new(Outcome {
        inputs: inputs.len() as u64,
        ..Outcome::default()
    });
    let store_error: Mutex<Option<String>> = Mutex::new(None);

    inputs.par_iter().for_each(|path| {
        let done = process(path, options, &analysis, &store, &claimed);
        let mut o = outcome.lock().unwrap_or_else(|e| e.into_inner());
        match done {
            Ok(Processed::Analysed { failed, bytes }) => {
                o.analysed += 1;
                o.failed += u64::from(failed);
                o.bytes += bytes;
            }
            Ok(Processed::Skipped) => o.skipped += 1,
            Ok(Processed::OtherShard) => o.other_shard += 1,
            Err(e) => {
                store_error
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get_or_insert(e);
            }
        }
        progress(&o, path);
    });
    if let Some(e) = store_error.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(out_err(&store_path, e));
    }
    let store = store.into_inner().unwrap_or_else(|e| e.into_inner());
    summary::write(&store, &analysis, &options.out, options.register.as_deref())
        .map_err(|e| out_err(&options.out, e.to_string()))?;
    Ok(outcome.into_inner().unwrap_or_else(|e| e.into_inner()))
}

enum Processed {
    Analysed { failed: bool, bytes: u64 },
    Skipped,
    OtherShard,
}

/// One input. Errors are store errors only (they fail the run); anything
/// wrong with the image is a `failed` row.
fn process(
    path: &Path,
    options: &BatchOptions,
    analysis: &str,
    store: &Mutex<Store>,
    claimed: &Mutex<HashSet<String>>,
) -> Result<Processed, String> {
    let shown = path.display().to_string();
    let lock = || store.lock().unwrap_or_else(|e| e.into_inner());
    let bytes = match std::fs::File::open(path).and_then(|f| Bytes::map_file(&f)) {
        Ok(b) => b,
        Err(e) => {
            let row = failed_row(&format!("unreadable:{shown}"), &shown, 0, e.to_string());
            lock().put(analysis, &row).map_err(|e| e.to_string())?;
            log(&options.out, &row);
            return Ok(Processed::Analysed {
                failed: true,
                bytes: 0,
            });
        }
    };
    let sha256 = crate::model::hex(&Sha256::digest(&bytes[..]));
    if let Some((k, n)) = options.shard
        && shard_of(&sha256, n) != k
    {
        return Ok(Processed::OtherShard);
    }
    let fresh = claimed
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(sha256.clone());
    let done = lock().done(&sha256, analysis).map_err(|e| e.to_string())?;
    if !fresh || (done && !options.force) {
        lock()
            .record_path(&shown, &sha256)
            .map_err(|e| e.to_string())?;
        return Ok(Processed::Skipped);
    }
    let size = bytes.len() as u64;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| shown.clone());
    let started = Instant::now();
    let analysed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        analyse(&name, bytes, &sha256, options)
    }));
    let mut row = match analysed {
        Ok(Ok(row)) => row,
        Ok(Err(e)) => failed_row(&sha256, &shown, size, e),
        Err(_) => failed_row(&sha256, &shown, size, "analysis panicked".into()),
    };
    row.path = shown;
    row.elapsed_ms = started.elapsed().as_millis() as u64;
    let failed = row.status != "done";
    lock().put(analysis, &row).map_err(|e| e.to_string())?;
    log(&options.out, &row);
    Ok(Processed::Analysed {
        failed,
        bytes: size,
    })
}

/// Append one line to `run.log`: when, status, time, SHA-256, path, and
/// the reason of a failure. The log is for people; the store is the record.
fn log(out: &Path, row: &Row) {
    use std::io::Write;
    static LOG: Mutex<()> = Mutex::new(());
    let _guard = LOG.lock().unwrap_or_else(|e| e.into_inner());
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let line = format!(
        "{now} {} {}ms {} {}{}\n",
        row.status,
        row.elapsed_ms,
        row.sha256,
        row.path.escape_debug(),
        row.error
            .as_deref()
            .map(|e| format!(" — {}", e.escape_debug()))
            .unwrap_or_default()
    );
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(out.join("run.log"))
    {
        let _ = f.write_all(line.as_bytes());
    }
}

fn failed_row(sha256: &str, path: &str, size: u64, error: String) -> Row {
    Row {
        sha256: sha256.into(),
        path: path.into(),
        size,
        status: "failed".into(),
        error: Some(error),
        oem: None,
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

/// Scan one image, write its SBOM, and make its row.
fn analyse(name: &str, bytes: Bytes, sha256: &str, options: &BatchOptions) -> Result<Row, String> {
    let size = bytes.len() as u64;
    // A report names its image by SHA-256 and SHA-512.
    let scan = ScanOptions {
        image_sha512: options.scan.image_sha512 || options.reports,
        ..options.scan.clone()
    };
    let mut result = scan_bytes(name, bytes, &scan).map_err(|e| e.to_string())?;
    if let Some(policy) = &options.policy {
        let as_of = options
            .as_of
            .unwrap_or_else(|| time::OffsetDateTime::now_utc().date());
        result.decision = Some(policy.evaluate(&result, None, as_of));
    }
    let bom = sbom::cyclonedx(&result, &SbomOptions::reproducible(0));
    let write = |suffix: &str, bytes: Vec<u8>| {
        let path = options.out.join(format!("{sha256}.{suffix}"));
        std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))
    };
    write(
        "cdx.json",
        serde_json::to_vec_pretty(&bom).map_err(|e| e.to_string())?,
    )?;
    if options.reports {
        let provenance = crate::report::Provenance {
            command: format!("firmsight batch ({name})"),
        };
        write(
            "report.html",
            crate::report::html(&result, &bom, &provenance).into_bytes(),
        )?;
    }
    if options.vex {
        let advisories = sbom::vex::load(&[]).map_err(|e| e.to_string())?;
        let document = sbom::vex::vex(&result, &bom, &advisories);
        write(
            "vex.json",
            serde_json::to_vec_pretty(&document).map_err(|e| e.to_string())?,
        )?;
    }

    let f = &result.findings;
    let join = |items: Vec<String>| (!items.is_empty()).then(|| items.join("; "));
    let named = |c: Category| -> Vec<String> {
        f.named(c)
            .map(|v| match &v.model {
                Some(m) => format!("{} {m}", v.vendor),
                None => v.vendor.clone(),
            })
            .collect()
    };
    let mut sensor_vendors: Vec<String> = f
        .named(Category::ImageSensor)
        .map(|v| v.vendor.clone())
        .collect();
    sensor_vendors.dedup();
    Ok(Row {
        sha256: sha256.into(),
        path: String::new(),
        size,
        status: "done".into(),
        error: None,
        oem: f.oem().map(|v| v.vendor.clone()),
        oem_confidence: f.oem().map(|v| v.confidence),
        soc: named(Category::Soc).into_iter().next(),
        soc_vendor: f.named(Category::Soc).next().map(|v| v.vendor.clone()),
        sensors: join(named(Category::ImageSensor)),
        sensor_vendors: join(sensor_vendors),
        reach: join(
            f.named(Category::P2pCloud)
                .map(|v| v.vendor.clone())
                .collect(),
        ),
        verdict: result
            .decision
            .as_ref()
            .map(|d| d.outcome.as_str().to_string()),
        components: bom.components.len() as u64,
        problems: result.stats.errors + result.stats.budget_hits,
        elapsed_ms: 0,
    })
}

/// Merge shard stores into `out` and write the summary.
pub fn merge(
    stores: &[PathBuf],
    out: &Path,
    policy: Option<&Policy>,
    register: Option<&Path>,
) -> Result<(), BatchError> {
    let out_err = |path: &Path, message: String| BatchError::Output {
        path: path.to_path_buf(),
        message,
    };
    std::fs::create_dir_all(out).map_err(|e| out_err(out, e.to_string()))?;
    let target = out.join(STORE);
    let mut store = Store::open(&target).map_err(|e| out_err(&target, e.to_string()))?;
    for other in stores {
        store
            .merge_from(other)
            .map_err(|e| out_err(other, e.to_string()))?;
    }
    summary::write(&store, &analysis_key(policy), out, register)
        .map_err(|e| out_err(out, e.to_string()))
}
