//! `rapport`: the engine behind the desktop app, as a command line
//! (docs/cli.md). Errors are one sentence on stderr and a non-zero exit.

mod cli;

/// mimalloc rather than the system's allocator: an import's records, words
/// and batches are small allocations, many of them freed on another thread
/// than made them (README, "What the import still lacks").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // `rapport metrics | head` closes the pipe early: end quietly, as other
    // command-line tools do, instead of panicking on the next write.
    #[cfg(unix)]
    // SAFETY: restoring the default action of one signal before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    cli::run()
}
