//! What the app holds between calls: the engine over the store, and the
//! running import's cancel switch.

use crate::error::{AppError, Result};
use rapport::engine::Engine;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard};

pub struct AppState {
    pub db: PathBuf,
    pub geo: Option<PathBuf>,
    engine: Mutex<Engine>,
    /// Set while an import runs; storing `true` cancels it.
    pub import_cancel: Mutex<Option<Arc<AtomicBool>>>,
}

impl AppState {
    pub fn open(db: PathBuf, geo: Option<PathBuf>) -> std::result::Result<AppState, rapport::engine::Error> {
        let engine = Engine::open(&db, geo.as_deref())?;
        Ok(AppState { db, geo, engine: Mutex::new(engine), import_cancel: Mutex::new(None) })
    }

    pub fn engine(&self) -> Result<MutexGuard<'_, Engine>> {
        self.engine
            .lock()
            .map_err(|_| AppError::new("engine", "the engine stopped after an earlier error; restart Rapport"))
    }
}

/// `--db PATH` or `RAPPORT_DB`, else the per-user store the command line also
/// uses. The arguments as the system gave them (`std::env::args_os`): a path
/// need not be Unicode.
pub fn store_path(args: &[OsString]) -> PathBuf {
    value_of(args, "--db")
        .or_else(|| std::env::var_os("RAPPORT_DB").map(PathBuf::from))
        .unwrap_or_else(rapport::store::default_store_path)
}

/// `--geo FILE`: another GeoIP database for this run.
pub fn geo_path(args: &[OsString]) -> Option<PathBuf> {
    value_of(args, "--geo")
}

fn value_of(args: &[OsString], option: &str) -> Option<PathBuf> {
    args.iter().position(|a| a == option).and_then(|i| args.get(i + 1)).map(PathBuf::from)
}
