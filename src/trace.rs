//! Where the time goes, when `RAPPORT_TRACE` is set (to anything but `0`):
//! one line on stderr per step, with the milliseconds since the process
//! started, what ran and how long it took. The engine traces how it comes
//! by its facts; the desktop app also each command, and each wait of a
//! millisecond or more for its engine, naming who waited. Off, a step costs
//! one load of a flag.
//!
//! ```text
//! rapport-trace    412.6 ms  engine opened: 3.1 ms
//! rapport-trace    980.2 ms  command dashboard: 455.0 ms
//! rapport-trace    981.0 ms  waited for the engine 420.3 ms at src-tauri/src/commands/dashboard.rs:16
//! ```

use std::sync::OnceLock;
use std::time::Instant;

static START: OnceLock<Instant> = OnceLock::new();
static ON: OnceLock<bool> = OnceLock::new();

/// Notes the process's start; called first thing in `main` (else the first step is the start).
pub fn start() {
    START.get_or_init(Instant::now);
    on();
}

/// Whether steps are traced.
pub fn on() -> bool {
    *ON.get_or_init(|| std::env::var_os("RAPPORT_TRACE").is_some_and(|v| v != "0"))
}

fn since_start_ms() -> f64 {
    START.get_or_init(Instant::now).elapsed().as_secs_f64() * 1e3
}

/// Says `what` happened now, when tracing.
pub fn note(what: impl std::fmt::Display) {
    if on() {
        eprintln!("rapport-trace {:>10.1} ms  {what}", since_start_ms());
    }
}

/// A step: traced with how long it took when it ends (is dropped).
pub struct Step {
    what: Option<(String, Instant)>,
}

/// Starts a step called `what` (its name is made only when tracing).
pub fn step(what: impl FnOnce() -> String) -> Step {
    Step { what: on().then(|| (what(), Instant::now())) }
}

impl Drop for Step {
    fn drop(&mut self) {
        if let Some((what, began)) = self.what.take() {
            note(format_args!("{what}: {:.1} ms", began.elapsed().as_secs_f64() * 1e3));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_is_named_only_when_traced() {
        let mut named = false;
        let step = step(|| {
            named = true;
            "a step".to_owned()
        });
        assert_eq!(named, on(), "the name is made exactly when tracing is on");
        assert_eq!(step.what.is_some(), on());
    }
}
