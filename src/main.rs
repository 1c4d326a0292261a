//! The `firmsight` command line; the work is in the `cli` module and the library.

use std::process::ExitCode;

mod cli;

/// mimalloc (v3, without transparent huge pages), not glibc's allocator:
/// glibc keeps what freed decode buffers held in its per-thread arenas, so
/// a scan of a 562 MB tree of Java runtimes (99,000 artifacts) peaked at
/// 1.2 GB of anonymous memory where the live heap never passed 95 MB
/// (heaptrack); with mimalloc, 120 MB. On a 117 MB firmware image it costs
/// 78 MB more at the peak and about 3 % of the time (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    cli::main()
}
