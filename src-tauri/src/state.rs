//! What the app holds between calls: the engine over the store in use, which
//! store that is, and the running import's cancel switch.
//!
//! The store is this computer's (the SQLite store) or a ClickHouse server,
//! as the Settings' "Data store" says; the engine opens either behind one
//! interface, and nothing here asks which one it is. A ClickHouse server that
//! cannot be reached when the app starts leaves the app without an engine:
//! every screen's call then says so (code `store_unreachable`), and the
//! window offers to try again or to switch back to this computer.
//!
//! This computer's store written by an older Rapport is converted when it
//! is opened, which takes a while on a large one: the window opens at once
//! and every call says so (code `store_upgrading`) until the conversion is
//! done, on a thread of its own (see [`AppState::start`]).

use crate::error::{AppError, Result};
use rapport::engine::Engine;
use rapport::settings::{DataStoreChoice, DataStoreKind};
use rapport::store::clickhouse::is_clickhouse;
use std::ffi::OsString;
use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

pub struct AppState {
    /// This computer's store: `--db PATH`, or the per-user one.
    pub local: PathBuf,
    pub geo: Option<PathBuf>,
    /// Where the Settings' choice of store is kept.
    pub choice_file: PathBuf,
    /// Whether `--db` or `RAPPORT_DB` chose this run's store.
    pub from_command_line: bool,
    /// The store in use, or the one that could not be reached.
    choice: Mutex<DataStoreChoice>,
    /// Shared with the threads that read the facts ahead.
    engine: Arc<Mutex<Option<Engine>>>,
    /// Set when the store changed beside the engine (an import): whoever
    /// takes the engine next first sets its facts aside ([`Engine::refresh`]),
    /// so that the import need not wait for the engine to say so.
    store_changed: Arc<AtomicBool>,
    /// How many questions about topics the window asked: one answered
    /// after a newer one was asked is not worked out, or stops being
    /// counted (see `commands::dashboard::topics`).
    pub topics_asked: Arc<AtomicU64>,
    /// Why the chosen store cannot be used, while it cannot.
    unreachable: Mutex<Option<String>>,
    /// While this computer's store is being converted, what the window says
    /// of it; if the conversion failed, why.
    upgrade: Arc<Mutex<Upgrade>>,
    /// Set while an import runs; storing `true` cancels it.
    pub import_cancel: Mutex<Option<Arc<AtomicBool>>>,
    /// Held while a topic index is built away from the engine: one at a time.
    pub topic_builds: tauri::async_runtime::Mutex<()>,
    /// The threads reading the facts ahead (see [`AppState::read_facts_ahead`]),
    /// joined when the state is dropped (so that the store is closed when
    /// the state is).
    reading_ahead: Mutex<Vec<std::thread::JoinHandle<()>>>,
}

impl Drop for AppState {
    fn drop(&mut self) {
        let threads = self.reading_ahead.get_mut().map(std::mem::take).unwrap_or_default();
        for thread in threads {
            let _ = thread.join();
        }
    }
}

/// This computer's store being brought to this version's tables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Upgrade {
    /// None running (none was needed, or it is done).
    #[default]
    None,
    /// Running: what the window shows meanwhile.
    Running(String),
    /// It failed, and why: the store is as it was, or as far as the last
    /// step that committed (each is a transaction of its own).
    Failed(String),
}

/// How the app starts: which store, and where its choice is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Startup {
    pub choice: DataStoreChoice,
    pub local: PathBuf,
    pub geo: Option<PathBuf>,
    pub choice_file: PathBuf,
    pub from_command_line: bool,
}

impl Startup {
    /// From the arguments and environment: `--db` or `RAPPORT_DB` (a path, or a
    /// `clickhouse://` URL) wins for this run; otherwise the Settings' choice
    /// kept in `choice_file`, whose failure to read leaves this computer's store.
    pub fn from_args(args: &[OsString], choice_file: PathBuf) -> Startup {
        let geo = geo_path(args);
        let given = value_of(args, "--db").or_else(|| std::env::var_os("RAPPORT_DB").map(PathBuf::from));
        let default_local = rapport::store::default_store_path;
        let (choice, local, from_command_line) = match given {
            Some(db) if is_clickhouse(&db.to_string_lossy()) => {
                let (url, user, password) = without_credentials(&db.to_string_lossy());
                let choice = DataStoreChoice { kind: DataStoreKind::ClickHouse, url, user, password };
                (choice, default_local(), true)
            }
            Some(db) => (DataStoreChoice::default(), db, true),
            None => {
                let choice = DataStoreChoice::load(&choice_file).unwrap_or_else(|e| {
                    log::error!("{e}; this computer's store is used");
                    DataStoreChoice::default()
                });
                (choice, default_local(), false)
            }
        };
        Startup { choice, local, geo, choice_file, from_command_line }
    }
}

/// The engine, while the app has one.
pub struct EngineGuard<'a>(MutexGuard<'a, Option<Engine>>);

impl Deref for EngineGuard<'_> {
    type Target = Engine;
    fn deref(&self) -> &Engine {
        self.0.as_ref().expect("checked when the guard was made")
    }
}

impl DerefMut for EngineGuard<'_> {
    fn deref_mut(&mut self) -> &mut Engine {
        self.0.as_mut().expect("checked when the guard was made")
    }
}

/// What opens another engine on the store in use: an import's own, beside the window's.
#[derive(Debug, Clone)]
pub struct Opener {
    pub choice: DataStoreChoice,
    pub local: PathBuf,
    pub geo: Option<PathBuf>,
}

impl Opener {
    pub fn open(&self) -> std::result::Result<Engine, rapport::engine::Error> {
        Engine::open_data_store(&self.choice, &self.local, self.geo.as_deref())
    }
}

impl AppState {
    /// The store at `db` (a path or a `clickhouse://` URL), as `--db` gives it.
    pub fn open(db: PathBuf, geo: Option<PathBuf>) -> std::result::Result<AppState, rapport::engine::Error> {
        let mut args = vec![OsString::from("rapport-desktop"), OsString::from("--db"), db.into_os_string()];
        if let Some(geo) = geo {
            args.extend([OsString::from("--geo"), geo.into_os_string()]);
        }
        AppState::start(Startup::from_args(&args, DataStoreChoice::default_file()))
    }

    /// Opens the store the startup names. This computer's store that cannot
    /// be opened is an error (the app says so in a message box and exits); a
    /// ClickHouse server that cannot be reached is not: the window opens and
    /// says so, offering to switch.
    ///
    /// This computer's store written by an older Rapport is opened, and so
    /// converted, on a thread of its own: the window opens at once and says
    /// what is happening (instead of nothing at all for the half minute a
    /// million conversations take), and a second start of the app finds
    /// the window to focus rather than a second conversion to wait for.
    pub fn start(startup: Startup) -> std::result::Result<AppState, rapport::engine::Error> {
        if startup.choice.kind == DataStoreKind::ThisComputer {
            if let Some((from, to)) = rapport::store::Store::upgrade_needed(&startup.local) {
                return Ok(AppState::upgrading(startup, from, to));
            }
        }
        let (engine, unreachable) =
            match Engine::open_data_store(&startup.choice, &startup.local, startup.geo.as_deref()) {
                Ok(engine) => (Some(engine), None),
                Err(e) if startup.choice.kind == DataStoreKind::ClickHouse => {
                    log::error!("{e:?}");
                    (None, Some(e.to_string()))
                }
                Err(e) => return Err(e),
            };
        let engine = Arc::new(Mutex::new(engine));
        let store_changed = Arc::new(AtomicBool::new(false));
        let reading_ahead = read_facts_ahead(&engine, &store_changed).into_iter().collect();
        let upgrade = Arc::new(Mutex::new(Upgrade::None));
        Ok(AppState::around(startup, engine, store_changed, unreachable, upgrade, reading_ahead))
    }

    /// The state of the app started by `startup`, around the engine (or its
    /// place) and the threads that work on it.
    fn around(
        startup: Startup,
        engine: Arc<Mutex<Option<Engine>>>,
        store_changed: Arc<AtomicBool>,
        unreachable: Option<String>,
        upgrade: Arc<Mutex<Upgrade>>,
        threads: Vec<std::thread::JoinHandle<()>>,
    ) -> AppState {
        AppState {
            local: startup.local,
            geo: startup.geo,
            choice_file: startup.choice_file,
            from_command_line: startup.from_command_line,
            choice: Mutex::new(startup.choice),
            engine,
            store_changed,
            topics_asked: Arc::new(AtomicU64::new(0)),
            unreachable: Mutex::new(unreachable),
            upgrade,
            import_cancel: Mutex::new(None),
            topic_builds: tauri::async_runtime::Mutex::new(()),
            reading_ahead: Mutex::new(threads),
        }
    }

    /// The app while this computer's store (of version `from`) is brought
    /// to version `to` on a thread, which then reads its facts ahead.
    fn upgrading(startup: Startup, from: usize, to: usize) -> AppState {
        let size = std::fs::metadata(&startup.local).map(|m| m.len()).unwrap_or(0);
        let upgrade = Arc::new(Mutex::new(Upgrade::Running(format!(
            "Rapport is bringing the store at {} ({} MB, written by an earlier version: \
             store version {from}) to this version's tables (version {to}). This happens once; \
             a store of a million conversations takes about a minute.",
            startup.local.display(),
            size.div_ceil(1_000_000)
        ))));
        let engine = Arc::new(Mutex::new(None));
        let store_changed = Arc::new(AtomicBool::new(false));
        let thread = {
            let (engine, store_changed, upgrade) = (engine.clone(), store_changed.clone(), upgrade.clone());
            let (choice, local, geo) = (startup.choice.clone(), startup.local.clone(), startup.geo.clone());
            std::thread::Builder::new().name("rapport-upgrade".into()).spawn(move || {
                let opened = {
                    let _step = crate::trace::step(|| format!("store upgraded from version {from} to {to}"));
                    Engine::open_data_store(&choice, &local, geo.as_deref())
                };
                match opened {
                    Ok(opened) => {
                        if let Ok(mut slot) = engine.lock() {
                            *slot = Some(opened);
                        }
                        if let Ok(mut u) = upgrade.lock() {
                            *u = Upgrade::None;
                        }
                        if let Some(reading) = read_facts_ahead(&engine, &store_changed) {
                            let _ = reading.join();
                        }
                    }
                    Err(e) => {
                        log::error!("{e:?}");
                        if let Ok(mut u) = upgrade.lock() {
                            *u = Upgrade::Failed(format!("The store could not be brought up to date: {e}"));
                        }
                    }
                }
            })
        };
        let thread = thread.map_err(|e| {
            if let Ok(mut u) = upgrade.lock() {
                *u = Upgrade::Failed(format!("The store could not be brought up to date: {e}"));
            }
        });
        AppState::around(startup, engine, store_changed, None, upgrade, thread.into_iter().collect())
    }

    /// This computer's store being brought up to date, or why that failed.
    pub fn upgrade(&self) -> Upgrade {
        self.upgrade.lock().map(|u| u.clone()).unwrap_or_default()
    }

    /// The store changed beside the engine (an import ended): the facts are
    /// set aside by whoever takes the engine next, and brought up to date at
    /// once on a thread of their own, rather than when the window next
    /// asks; the window's next calls (the status, the dashboard) wait for it.
    pub fn store_changed(&self) {
        self.store_changed.store(true, Ordering::SeqCst);
        let thread = read_facts_ahead(&self.engine, &self.store_changed);
        if let (Some(thread), Ok(mut threads)) = (thread, self.reading_ahead.lock()) {
            threads.retain(|t| !t.is_finished());
            threads.push(thread);
        }
    }

    #[track_caller]
    pub fn engine(&self) -> Result<EngineGuard<'_>> {
        let asked = crate::trace::on().then(std::time::Instant::now);
        let guard = self
            .engine
            .lock()
            .map_err(|_| AppError::new("engine", "the engine stopped after an earlier error; restart Rapport"))?;
        let mut guard = guard;
        refresh_if_changed(&mut guard, &self.store_changed);
        if let Some(waited) = asked.map(|t| t.elapsed()).filter(|w| w.as_millis() >= 1) {
            let at = std::panic::Location::caller();
            crate::trace::note(format_args!(
                "waited for the engine {:.1} ms at {}:{}",
                waited.as_secs_f64() * 1e3,
                at.file(),
                at.line()
            ));
        }
        if guard.is_none() {
            return Err(match self.upgrade() {
                Upgrade::Running(what) => AppError::new("store_upgrading", what),
                Upgrade::Failed(why) => AppError::new("store_upgrade_failed", why),
                Upgrade::None => AppError::new("store_unreachable", self.unreachable().unwrap_or_default()),
            });
        }
        Ok(EngineGuard(guard))
    }

    /// Why the chosen store cannot be used, while it cannot.
    pub fn unreachable(&self) -> Option<String> {
        self.unreachable.lock().ok().and_then(|u| u.clone())
    }

    /// The store in use (or tried), password included: for the shell only.
    pub fn choice(&self) -> DataStoreChoice {
        self.choice.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// What opens another engine on the store in use.
    pub fn opener(&self) -> Result<Opener> {
        if let Some(reason) = self.unreachable() {
            return Err(AppError::new("store_unreachable", reason));
        }
        match self.upgrade() {
            Upgrade::Running(what) => return Err(AppError::new("store_upgrading", what)),
            Upgrade::Failed(why) => return Err(AppError::new("store_upgrade_failed", why)),
            Upgrade::None => {}
        }
        Ok(Opener { choice: self.choice(), local: self.local.clone(), geo: self.geo.clone() })
    }

    /// Opens the chosen store and, once it is open, uses it from now on: the
    /// store before stays in use when the new one cannot be opened.
    pub fn switch(&self, choice: DataStoreChoice) -> std::result::Result<(), rapport::engine::Error> {
        let engine = Engine::open_data_store(&choice, &self.local, self.geo.as_deref())?;
        if let Ok(mut slot) = self.engine.lock() {
            *slot = Some(engine);
        }
        if let Ok(mut c) = self.choice.lock() {
            *c = choice;
        }
        if let Ok(mut u) = self.unreachable.lock() {
            *u = None;
        }
        Ok(())
    }
}

/// Reads the facts of the store (from the copy kept beside it, else from
/// its rows) on a thread of its own, holding the engine, while the window
/// opens: the first screen asks for them (the store's status and the
/// dashboard), and its calls wait for this one instead of starting after
/// the page has loaded. A failure is left for those calls to meet and say.
/// An engine that holds no facts (on a ClickHouse store, whose server
/// computes every number) has nothing to read ahead: the thread only takes
/// the engine, to set a change aside, and lets it go.
fn read_facts_ahead(
    engine: &Arc<Mutex<Option<Engine>>>,
    store_changed: &Arc<AtomicBool>,
) -> Option<std::thread::JoinHandle<()>> {
    let (engine, store_changed) = (engine.clone(), store_changed.clone());
    let spawned = std::thread::Builder::new().name("rapport-facts".into()).spawn(move || {
        let Ok(mut guard) = engine.lock() else { return };
        refresh_if_changed(&mut guard, &store_changed);
        if let Some(engine) = guard.as_mut().filter(|e| e.holds_facts()) {
            let _step = crate::trace::step(|| "facts read ahead".to_owned());
            let _ = engine.facts();
        }
    });
    spawned.map_err(|e| log::error!("the facts are read when the window asks for them: {e}")).ok()
}

/// Sets the facts aside when the store changed beside the engine since it
/// was last taken.
fn refresh_if_changed(engine: &mut Option<Engine>, store_changed: &AtomicBool) {
    if store_changed.swap(false, Ordering::SeqCst) {
        if let Some(engine) = engine.as_mut() {
            engine.refresh();
        }
    }
}

/// `user:password@` taken out of a URL, so that a password typed into the
/// address is kept as a password (never shown back), not as the address.
pub fn without_credentials(url: &str) -> (String, Option<String>, Option<String>) {
    let url = url.trim();
    let Some(start) = url.find("://").map(|i| i + 3) else {
        return (url.to_owned(), None, None);
    };
    let authority_end = url[start..].find(['/', '?']).map_or(url.len(), |i| start + i);
    match url[start..authority_end].rfind('@') {
        Some(at) => {
            let credentials = &url[start..start + at];
            let (user, password) = match credentials.split_once(':') {
                Some((u, p)) => (u.to_owned(), Some(p.to_owned())),
                None => (credentials.to_owned(), None),
            };
            let bare = format!("{}{}", &url[..start], &url[start + at + 1..]);
            (bare, Some(user).filter(|u| !u.is_empty()), password.filter(|p| !p.is_empty()))
        }
        None => (url.to_owned(), None, None),
    }
}

/// `--geo FILE`: another GeoIP database for this run.
pub fn geo_path(args: &[OsString]) -> Option<PathBuf> {
    value_of(args, "--geo")
}

fn value_of(args: &[OsString], option: &str) -> Option<PathBuf> {
    args.iter().position(|a| a == option).and_then(|i| args.get(i + 1)).map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_typed_into_the_address_is_taken_out_of_it() {
        let (url, user, password) = without_credentials("clickhouse://ana:p@ss:w@10.0.0.5:8123/rapport?cluster=c");
        assert_eq!(url, "clickhouse://10.0.0.5:8123/rapport?cluster=c");
        assert_eq!(user.as_deref(), Some("ana"));
        assert_eq!(password.as_deref(), Some("p@ss:w"));
        let (url, user, password) = without_credentials(" clickhouse://10.0.0.5:8123/rapport ");
        assert_eq!((url.as_str(), user, password), ("clickhouse://10.0.0.5:8123/rapport", None, None));
    }
}
