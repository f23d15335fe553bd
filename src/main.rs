//! The `cpi-gitops` binary: parse the command line, run, turn the outcome into an exit code
//! (0 in sync or success, 2 differences, 1 error).

#![deny(unsafe_code)]

use std::process::ExitCode;

fn main() -> ExitCode {
    tune_malloc();
    let outcome = cpi_gitops::cli::main();
    ExitCode::from(outcome.exit_code())
}

/// Keeps glibc's allocator from holding on to freed memory. It gives every thread that
/// allocates an arena of its own (up to eight per core), each keeping what its thread freed at
/// that thread's peak; and after a large buffer is freed it serves the next large ones from the
/// heap, where they fragment it. With the runtime's workers, the threads that store files and
/// the blocking pool, an export of 2,000 artifacts at 0 ms peaked at 70 MB; with as many arenas
/// as cores and buffers of 128 KiB and more always mapped on their own (and returned when
/// freed), at 56 MB, as fast (docs/benchmarks.md).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn tune_malloc() {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let arenas = i32::try_from(cores.max(2)).unwrap_or(i32::MAX);
    // SAFETY: `mallopt` only sets parameters of glibc's allocator; it is called first in
    // `main`, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, arenas);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_malloc() {}
