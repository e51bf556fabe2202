//! The engine's front door: what the command line and the desktop app call.
//!
//! Both go through these functions so that their numbers are the same
//! numbers. An [`Engine`] keeps the store open and the metric facts in
//! memory, rebuilding them only after the store changes.

use crate::geo::{Geo, GeoError};
use crate::import::{import_paths, ImportError, ImportOptions, ImportReport, Progress};
use crate::metrics::{dashboard, Dashboard, Facts, Query, QueryError, Settings};
use crate::model::Micros;
use crate::store::{Counts, Store, StoreError, StoredFile};
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    Query(#[from] QueryError),
    #[error(transparent)]
    Geo(#[from] GeoError),
}

pub struct Engine {
    store: Store,
    geo: Geo,
    facts: Option<Facts>,
}

/// What the store holds, for `rapport status` and the app's first screen.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub store: PathBuf,
    pub schema_version: i64,
    pub stored: Counts,
    /// The first and last message, if any.
    pub first_message: Option<Micros>,
    pub last_message: Option<Micros>,
    pub files: Vec<StoredFile>,
}

impl Engine {
    /// Opens the store at `db` with the GeoIP database at `geo` (or the bundled one).
    pub fn open(db: &Path, geo: Option<&Path>) -> Result<Engine, Error> {
        let geo = Geo::from_option(geo)?;
        let store = Store::open(db)?;
        Ok(Engine {
            store,
            geo,
            facts: None,
        })
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn store_mut(&mut self) -> &mut Store {
        self.facts = None;
        &mut self.store
    }

    /// Imports files and folders; see [`import_paths`].
    pub fn import(
        &mut self,
        paths: &[PathBuf],
        options: &ImportOptions,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<ImportReport, Error> {
        self.facts = None;
        Ok(import_paths(&mut self.store, paths, options, progress)?)
    }

    /// The facts metrics are computed from, built on first use after a change.
    pub fn facts(&mut self) -> Result<&Facts, Error> {
        if self.facts.is_none() {
            self.facts = Some(Facts::load(&self.store, &self.geo)?);
        }
        Ok(self.facts.as_ref().expect("just built"))
    }

    /// Every metric for the query and for the period before it.
    pub fn dashboard(&mut self, query: &Query, settings: &Settings) -> Result<Dashboard, Error> {
        let facts = self.facts()?;
        Ok(dashboard(facts, query, settings))
    }

    pub fn status(&self) -> Result<Status, Error> {
        let span = self.store.message_span()?;
        Ok(Status {
            store: self.store.path().to_owned(),
            schema_version: self.store.schema_version()?,
            stored: self.store.counts()?,
            first_message: span.map(|s| s.0),
            last_message: span.map(|s| s.1),
            files: self.store.files()?,
        })
    }
}
