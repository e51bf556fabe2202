//! The Settings' "Data store": this computer's store or a ClickHouse server,
//! a connection test, and the switch, which applies at once and is kept for
//! the next start. The engine opens either store; this file only carries the
//! person's choice to it and says what happened in a sentence.

use crate::error::{AppError, Result};
use crate::state::{without_credentials, AppState};
use rapport::engine::{Engine, Error};
use rapport::settings::{DataStoreChoice, DataStoreKind};
use rapport::store::clickhouse::{Holds, Probe};
use rapport::store::StoreError;
use serde::{Deserialize, Serialize};
use tauri::State;

/// The choice as the Settings show it: never the password.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct DataStoreView {
    /// The kind of store in use (or that could not be reached).
    pub kind: DataStoreKind,
    /// The ClickHouse server's `clickhouse://HOST:PORT/DATABASE`, as last given.
    pub url: String,
    pub user: String,
    /// A password is kept for that server (it is not shown).
    pub password_saved: bool,
    /// This computer's store: its path.
    pub local: String,
    /// The store in use, as shown: a path, or a URL without password.
    pub in_use: String,
    /// `--db` or `RAPPORT_DB` chose the store this run started on.
    pub from_command_line: bool,
    /// Why the chosen store cannot be used, while it cannot.
    pub unreachable: Option<String>,
    /// Something to know about the switch just made (the choice could not be kept).
    pub note: Option<String>,
}

/// A choice made in the Settings.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct DataStoreRequest {
    pub kind: DataStoreKind,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub user: String,
    /// `null`: the password kept for this server and user, if any; `""`: none.
    pub password: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum TestOutcome {
    /// The server answered and the database is a Rapport store.
    Connected,
    /// The server answered; the database or its tables will be created on switching.
    WillCreate,
    /// The server did not answer, or refused.
    Failed,
}

/// What "Test connection" found, in a sentence.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ConnectionTest {
    pub outcome: TestOutcome,
    pub message: String,
}

/// The full choice a request makes: credentials out of the URL, and the
/// password kept for that server and user when none is typed.
pub fn choice_of(state: &AppState, request: &DataStoreRequest) -> DataStoreChoice {
    if request.kind == DataStoreKind::ThisComputer && request.url.trim().is_empty() {
        // Remember the server last given, for the next switch back.
        let current = state.choice();
        let known = if current.url.is_empty() {
            DataStoreChoice::load(&state.choice_file).unwrap_or_default()
        } else {
            current
        };
        return known.this_computer();
    }
    let (url, url_user, url_password) = without_credentials(&request.url);
    let user = Some(request.user.trim().to_owned()).filter(|u| !u.is_empty()).or(url_user);
    let password = match &request.password {
        Some(p) if !p.is_empty() => Some(p.clone()),
        Some(_) => url_password,
        None => url_password.or_else(|| {
            let saved = DataStoreChoice::load(&state.choice_file).unwrap_or_default();
            [state.choice(), saved].into_iter().find(|c| c.url == url && c.user == user).and_then(|c| c.password)
        }),
    };
    let choice = DataStoreChoice { kind: DataStoreKind::ClickHouse, url, user, password };
    match request.kind {
        DataStoreKind::ClickHouse => choice,
        DataStoreKind::ThisComputer => choice.this_computer(),
    }
}

pub fn view(state: &AppState) -> DataStoreView {
    let choice = state.choice();
    let saved = DataStoreChoice::load(&state.choice_file).unwrap_or_default();
    // The server last given: the one in use, else the one kept.
    let server = if choice.url.is_empty() { &saved } else { &choice };
    let in_use = match state.engine() {
        Ok(engine) => engine.location(),
        Err(_) => without_credentials(&choice.url).0,
    };
    DataStoreView {
        kind: choice.kind,
        url: server.url.clone(),
        user: server.user.clone().unwrap_or_default(),
        password_saved: server.password.as_deref().is_some_and(|p| !p.is_empty()),
        local: state.local.display().to_string(),
        in_use,
        from_command_line: state.from_command_line,
        unreachable: state.unreachable(),
        note: None,
    }
}

/// The server's own reason, without the sentence around it.
fn reason(e: &Error) -> String {
    match e {
        Error::Store(StoreError::ClickHouse { reason, .. }) => reason.clone(),
        e => e.to_string(),
    }
}

fn with_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What a probe found, as the Settings say it.
pub fn tested(probe: &Probe) -> ConnectionTest {
    let server = format!("Connected to ClickHouse {}", probe.version);
    let db = &probe.database;
    match probe.holds {
        Holds::Conversations(n) => ConnectionTest {
            outcome: TestOutcome::Connected,
            message: format!(
                "{server}: the database {db} holds {} conversation{}.",
                with_thousands(n),
                if n == 1 { "" } else { "s" }
            ),
        },
        Holds::NoTables => ConnectionTest {
            outcome: TestOutcome::WillCreate,
            message: format!(
                "{server}: the database {db} has no Rapport tables yet; they will be created when you use it."
            ),
        },
        Holds::NoDatabase => ConnectionTest {
            outcome: TestOutcome::WillCreate,
            message: format!("{server}: there is no database {db} yet; it will be created (empty) when you use it."),
        },
    }
}

/// "Test connection": asks the server, changing nothing.
pub fn test(state: &AppState, request: &DataStoreRequest) -> ConnectionTest {
    if request.kind == DataStoreKind::ThisComputer {
        return ConnectionTest {
            outcome: TestOutcome::Connected,
            message: format!("This computer's store is {}.", state.local.display()),
        };
    }
    let choice = choice_of(state, request);
    if choice.url.is_empty() {
        return ConnectionTest {
            outcome: TestOutcome::Failed,
            message: "Give the server's address: clickhouse://HOST:PORT/DATABASE (the HTTP port, 8123 by default)."
                .into(),
        };
    }
    match Engine::test_data_store(&choice) {
        Ok(probe) => tested(&probe),
        Err(e) => {
            log::error!("{e:?}");
            ConnectionTest {
                outcome: TestOutcome::Failed,
                message: format!("Could not connect to {}: {}", without_credentials(&choice.url).0, reason(&e)),
            }
        }
    }
}

/// Switches to the chosen store and keeps the choice for the next start.
/// When the store cannot be opened, the one in use stays and the error says why.
pub fn choose(state: &AppState, request: &DataStoreRequest) -> Result<DataStoreView> {
    let running = state.import_cancel.lock().map(|r| r.is_some()).unwrap_or(false);
    if running {
        return Err(AppError::new("busy", "an import is running: wait for it or cancel it, then switch"));
    }
    if let crate::state::Upgrade::Running(_) = state.upgrade() {
        return Err(AppError::new("busy", "this computer's store is being brought up to date: switch when it is done"));
    }
    let choice = choice_of(state, request);
    if choice.kind == DataStoreKind::ClickHouse && choice.url.is_empty() {
        return Err(AppError::new(
            "store",
            "Give the server's address: clickhouse://HOST:PORT/DATABASE (the HTTP port, 8123 by default).",
        ));
    }
    if let Err(e) = state.switch(choice.clone()) {
        log::error!("{e:?}");
        let what = match choice.kind {
            DataStoreKind::ClickHouse => without_credentials(&choice.url).0,
            DataStoreKind::ThisComputer => state.local.display().to_string(),
        };
        let stays = match state.engine() {
            Ok(engine) => format!(" Rapport goes on with {}.", engine.location()),
            Err(_) => String::new(),
        };
        return Err(AppError::new("store", format!("Could not use {what}: {}.{stays}", reason(&e))));
    }
    let note = choice.save(&state.choice_file).err().map(|e| {
        log::error!("{e}");
        format!("Rapport uses this store now, but will start on the one before next time: {e}")
    });
    Ok(DataStoreView { note, ..view(state) })
}

#[tauri::command]
pub async fn data_store(state: State<'_, AppState>) -> Result<DataStoreView> {
    Ok(view(&state))
}

#[tauri::command]
pub async fn test_data_store(state: State<'_, AppState>, request: DataStoreRequest) -> Result<ConnectionTest> {
    Ok(test(&state, &request))
}

#[tauri::command]
pub async fn choose_data_store(state: State<'_, AppState>, request: DataStoreRequest) -> Result<DataStoreView> {
    choose(&state, &request)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_with_thousands_separated() {
        assert_eq!(with_thousands(0), "0");
        assert_eq!(with_thousands(999), "999");
        assert_eq!(with_thousands(1500), "1,500");
        assert_eq!(with_thousands(12_345_678), "12,345,678");
    }
}
