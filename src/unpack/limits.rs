//! Budgets that keep hostile input from exhausting memory, disk or time.
//!
//! Every budget stops only the branch that hit it: the artifact records
//! `skipped: <budget>` and the rest of the run goes on.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::model::Budget;

/// Configured limits; `Default` gives the documented defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Deepest container nesting that is still unpacked (default 16).
    pub max_depth: usize,
    /// Most bytes produced (or fed to decoders) in one run, the input
    /// itself not counted; `None` means 64× the input, at least 1 GiB.
    pub max_total_bytes: Option<u64>,
    /// Most artifacts in one run; `None` means one per 64 bytes of input,
    /// at least 100,000 and at most 1,000,000. Each artifact's record is
    /// kept until the SBOM is written (368 bytes, about 1.3 KB with its
    /// strings and listing while a container's children are collected), and
    /// 8 MB of gzip'd cpio name a million entries; real images hold one file
    /// per kilobytes.
    pub max_entries: Option<u64>,
    /// Most one stream may expand relative to its compressed size (default
    /// 200:1); every stream may produce at least
    /// [`RATIO_FLOOR`](crate::unpack::blob::RATIO_FLOOR) bytes.
    pub max_ratio: u64,
    /// Most seconds one image may take; artifacts reached later are
    /// skipped (`None`: no limit). Where a time budget cuts a walk depends
    /// on the machine, so results under it are not reproducible.
    pub max_seconds: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 16,
            max_total_bytes: None,
            max_entries: None,
            max_ratio: 200,
            max_seconds: None,
        }
    }
}

impl Limits {
    /// The total-bytes budget for an input of `input_len` bytes.
    pub fn total_bytes_for(&self, input_len: u64) -> u64 {
        self.max_total_bytes
            .unwrap_or_else(|| input_len.saturating_mul(64).max(1 << 30))
    }

    /// The entry budget for an input of `input_len` bytes.
    pub fn entries_for(&self, input_len: u64) -> u64 {
        self.max_entries
            .unwrap_or_else(|| (input_len / 64).clamp(100_000, 1_000_000))
    }
}

/// What one run has spent of its limits; shared by all threads.
#[derive(Debug)]
pub struct Budgets {
    limits: Limits,
    /// The configured total-bytes budget, as reported.
    max_total_bytes: u64,
    /// The entry budget for this input.
    max_entries: u64,
    /// What may be charged: the budget plus the input itself, which is
    /// charged like any blob but is not unpacked output.
    allowance: u64,
    bytes: AtomicU64,
    entries: AtomicU64,
    started: std::time::Instant,
}

impl Budgets {
    /// Fresh budgets for an input of `input_len` bytes.
    pub fn new(limits: Limits, input_len: u64) -> Self {
        let max_total_bytes = limits.total_bytes_for(input_len);
        let max_entries = limits.entries_for(input_len);
        Budgets {
            limits,
            max_total_bytes,
            max_entries,
            allowance: max_total_bytes.saturating_add(input_len),
            bytes: AtomicU64::new(0),
            entries: AtomicU64::new(0),
            started: std::time::Instant::now(),
        }
    }

    /// The time budget, once it is used up.
    pub fn out_of_time(&self) -> Option<Budget> {
        let max = self.limits.max_seconds?;
        (self.started.elapsed().as_secs() >= max).then_some(Budget::MaxSeconds(max))
    }

    /// The limits these budgets enforce.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Account for `n` more bytes produced, or consumed by a decoder.
    pub fn charge_bytes(&self, n: u64) -> Result<(), Budget> {
        let before = self.bytes.fetch_add(n, Ordering::Relaxed);
        if before.saturating_add(n) > self.allowance {
            Err(Budget::MaxTotalBytes(self.max_total_bytes))
        } else {
            Ok(())
        }
    }

    /// Account for `n` more bytes only if they fit: unlike
    /// [`Budgets::charge_bytes`], a refusal leaves the budget as it was.
    pub fn try_charge_bytes(&self, n: u64) -> Result<(), Budget> {
        self.bytes
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                used.checked_add(n).filter(|&total| total <= self.allowance)
            })
            .map(|_| ())
            .map_err(|_| Budget::MaxTotalBytes(self.max_total_bytes))
    }

    /// Give back `n` bytes charged ahead and never produced.
    pub fn refund_bytes(&self, n: u64) {
        let _ = self
            .bytes
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                Some(used.saturating_sub(n))
            });
    }

    /// Reserve room for up to `wanted` more artifacts; returns how many were
    /// granted (fewer once the entry budget runs out).
    pub fn reserve_entries(&self, wanted: u64) -> u64 {
        let max = self.max_entries;
        let mut granted = 0;
        let _ = self
            .entries
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                granted = wanted.min(max.saturating_sub(used));
                Some(used + granted)
            });
        granted
    }

    /// Artifacts that may still be created.
    pub fn entries_left(&self) -> u64 {
        self.max_entries
            .saturating_sub(self.entries.load(Ordering::Relaxed))
    }

    /// The entry budget for this input, as reported.
    pub fn max_entries(&self) -> u64 {
        self.max_entries
    }

    /// Bytes produced so far.
    pub fn bytes_used(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_default_scales_with_input_between_floor_and_ceiling() {
        let limits = Limits::default();
        assert_eq!(limits.entries_for(1000), 100_000);
        assert_eq!(limits.entries_for(32 << 20), 524_288);
        assert_eq!(limits.entries_for(1 << 30), 1_000_000);
        let given = Limits {
            max_entries: Some(7),
            ..Limits::default()
        };
        assert_eq!(given.entries_for(1 << 30), 7);
        assert_eq!(Budgets::new(given, 0).entries_left(), 7);
    }

    #[test]
    fn total_bytes_default_scales_with_input() {
        let limits = Limits::default();
        assert_eq!(limits.total_bytes_for(1000), 1 << 30);
        assert_eq!(limits.total_bytes_for(1 << 30), 64 << 30);
    }

    #[test]
    fn the_input_itself_is_not_charged_against_the_budget() {
        let b = Budgets::new(
            Limits {
                max_total_bytes: Some(10),
                ..Limits::default()
            },
            1000,
        );
        assert!(b.charge_bytes(1000).is_ok());
        assert!(b.charge_bytes(10).is_ok());
        assert_eq!(b.charge_bytes(1), Err(Budget::MaxTotalBytes(10)));
    }

    #[test]
    fn entries_are_granted_until_the_budget_runs_out() {
        let b = Budgets::new(
            Limits {
                max_entries: Some(10),
                ..Limits::default()
            },
            0,
        );
        assert_eq!(b.reserve_entries(4), 4);
        assert_eq!(b.reserve_entries(10), 6);
        assert_eq!(b.reserve_entries(1), 0);
    }
}
