//! `rapport`: the engine behind the desktop app, as a command line
//! (docs/cli.md). Errors are one sentence on stderr and a non-zero exit.

mod cli;

/// mimalloc for an import's many small blocks, the system's allocator for
/// the facts' large vectors (src/allocator.rs).
#[global_allocator]
static ALLOCATOR: rapport::allocator::Allocator = rapport::allocator::Allocator;

fn main() -> std::process::ExitCode {
    // `RAPPORT_TRACE`'s milliseconds count from here.
    rapport::trace::start();
    // `rapport metrics | head` closes the pipe early: end quietly, as other
    // command-line tools do, instead of panicking on the next write.
    #[cfg(unix)]
    // SAFETY: restoring the default action of one signal before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    cli::run()
}
