//! The batch result store: an embedded SQLite database in the output
//! directory. One row per (image SHA-256, analysis key) where the analysis
//! key is the firmsight version, the signature fingerprint and the policy
//! hash; re-running with the same key skips what is done. Every image's
//! result is one transaction, so a killed run leaves a valid store with
//! everything finished before it.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

/// One image's result as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Image SHA-256.
    pub sha256: String,
    /// The first path it was seen at.
    pub path: String,
    /// Bytes.
    pub size: u64,
    /// `done` or `failed`.
    pub status: String,
    /// Why it failed.
    pub error: Option<String>,
    /// Named camera OEM.
    pub oem: Option<String>,
    /// Its confidence.
    pub oem_confidence: Option<f64>,
    /// Named SoC vendor and model (`HiSilicon Hi3516EV200`).
    pub soc: Option<String>,
    /// SoC vendor alone.
    pub soc_vendor: Option<String>,
    /// Named sensors (`Sony IMX307; SmartSens SC2335`).
    pub sensors: Option<String>,
    /// Sensor vendors, `;`-separated.
    pub sensor_vendors: Option<String>,
    /// Cloud/P2P reach, `;`-separated.
    pub reach: Option<String>,
    /// Policy verdict.
    pub verdict: Option<String>,
    /// SBOM components.
    pub components: u64,
    /// Problems inside the image (truncated, failed artifacts).
    pub problems: u64,
    /// Analysis time.
    pub elapsed_ms: u64,
}

/// The store.
pub struct Store {
    db: Connection,
}

const SCHEMA: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
CREATE TABLE IF NOT EXISTS images (
    sha256 TEXT NOT NULL,
    analysis TEXT NOT NULL,
    path TEXT NOT NULL,
    size INTEGER NOT NULL,
    status TEXT NOT NULL,
    error TEXT,
    oem TEXT,
    oem_confidence REAL,
    soc TEXT,
    soc_vendor TEXT,
    sensors TEXT,
    sensor_vendors TEXT,
    reach TEXT,
    verdict TEXT,
    components INTEGER NOT NULL,
    problems INTEGER NOT NULL,
    elapsed_ms INTEGER NOT NULL,
    PRIMARY KEY (sha256, analysis)
);
CREATE TABLE IF NOT EXISTS paths (
    path TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL
);
";

impl Store {
    /// Open (or create) the store at `path`.
    pub fn open(path: &Path) -> rusqlite::Result<Store> {
        let db = Connection::open(path)?;
        db.busy_timeout(std::time::Duration::from_secs(30))?;
        db.execute_batch(SCHEMA)?;
        Ok(Store { db })
    }

    /// Whether the image was analysed under `analysis`.
    pub fn done(&self, sha256: &str, analysis: &str) -> rusqlite::Result<bool> {
        self.db
            .query_row(
                "SELECT 1 FROM images WHERE sha256 = ?1 AND analysis = ?2",
                params![sha256, analysis],
                |_| Ok(()),
            )
            .optional()
            .map(|r| r.is_some())
    }

    /// Record that `path` holds image `sha256`.
    pub fn record_path(&self, path: &str, sha256: &str) -> rusqlite::Result<()> {
        self.db.execute(
            "INSERT OR REPLACE INTO paths (path, sha256) VALUES (?1, ?2)",
            params![path, sha256],
        )?;
        Ok(())
    }

    /// Store one result (and its path) in one transaction.
    pub fn put(&mut self, analysis: &str, row: &Row) -> rusqlite::Result<()> {
        let tx = self.db.transaction()?;
        tx.execute(
            "INSERT OR REPLACE INTO images (sha256, analysis, path, size, status, error, oem,
             oem_confidence, soc, soc_vendor, sensors, sensor_vendors, reach, verdict, components,
             problems, elapsed_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,
             ?13, ?14, ?15, ?16, ?17)",
            params![
                row.sha256,
                analysis,
                row.path,
                row.size as i64,
                row.status,
                row.error,
                row.oem,
                row.oem_confidence,
                row.soc,
                row.soc_vendor,
                row.sensors,
                row.sensor_vendors,
                row.reach,
                row.verdict,
                row.components as i64,
                row.problems as i64,
                row.elapsed_ms as i64,
            ],
        )?;
        tx.execute(
            "INSERT OR REPLACE INTO paths (path, sha256) VALUES (?1, ?2)",
            params![row.path, row.sha256],
        )?;
        tx.commit()
    }

    /// Every result under `analysis`, by SHA-256.
    pub fn rows(&self, analysis: &str) -> rusqlite::Result<Vec<Row>> {
        let mut q = self.db.prepare(
            "SELECT sha256, path, size, status, error, oem, oem_confidence, soc, soc_vendor,
             sensors, sensor_vendors, reach, verdict, components, problems, elapsed_ms
             FROM images WHERE analysis = ?1 ORDER BY sha256",
        )?;
        let rows = q.query_map(params![analysis], |r| {
            Ok(Row {
                sha256: r.get(0)?,
                path: r.get(1)?,
                size: r.get::<_, i64>(2)? as u64,
                status: r.get(3)?,
                error: r.get(4)?,
                oem: r.get(5)?,
                oem_confidence: r.get(6)?,
                soc: r.get(7)?,
                soc_vendor: r.get(8)?,
                sensors: r.get(9)?,
                sensor_vendors: r.get(10)?,
                reach: r.get(11)?,
                verdict: r.get(12)?,
                components: r.get::<_, i64>(13)? as u64,
                problems: r.get::<_, i64>(14)? as u64,
                elapsed_ms: r.get::<_, i64>(15)? as u64,
            })
        })?;
        rows.collect()
    }

    /// Every (path, sha256) seen, by path.
    pub fn paths(&self) -> rusqlite::Result<Vec<(String, String)>> {
        let mut q = self
            .db
            .prepare("SELECT path, sha256 FROM paths ORDER BY path")?;
        let rows = q.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect()
    }

    /// Copy every result and path of `other` into this store (merging
    /// shards).
    pub fn merge_from(&mut self, other: &Path) -> rusqlite::Result<()> {
        let tx = self.db.transaction()?;
        tx.execute(
            "ATTACH DATABASE ?1 AS other",
            params![other.display().to_string()],
        )?;
        tx.execute(
            "INSERT OR REPLACE INTO images SELECT * FROM other.images",
            [],
        )?;
        tx.execute("INSERT OR REPLACE INTO paths SELECT * FROM other.paths", [])?;
        tx.commit()?;
        self.db.execute("DETACH DATABASE other", [])?;
        Ok(())
    }
}
