//! The `firmsight` command line; the work is in the `cli` module and the library.

use std::process::ExitCode;

mod cli;

/// mimalloc, not glibc's allocator: glibc keeps what freed decode buffers
/// held in its per-thread arenas, so a scan of a 562 MB tree of Java
/// runtimes (99,000 artifacts) stayed at 1.2 GB of memory where the live
/// heap never passed 95 MB (heaptrack); mimalloc returns it (121 MB), and
/// is faster too (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    cli::main()
}
