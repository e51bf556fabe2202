//! The engine's front door: what the command line and the desktop app call.
//!
//! Both go through these functions so that their numbers are the same
//! numbers. An [`Engine`] keeps the store open and the metric facts in
//! memory, rebuilding them only after the store or a setting that changes
//! them does.

use crate::geo::{Geo, GeoError, DEFAULT_ATTRIBUTION};
use crate::import::formats::FormatOptions;
use crate::import::{import_paths_with, ImportError, ImportOptions, ImportReport, Progress};
use crate::metrics::{
    dashboard, list, ConversationPage, Dashboard, DashboardExtras, Facts, FilterKey, ListOptions, Query, QueryError,
    Settings,
};
use crate::model::{Micros, Role, Side};
use crate::settings::{AppSettings, KEY as SETTINGS_KEY};
use crate::store::{Counts, DetailAction, DetailFeedback, DetailMessage, Store, StoreError, StoredFile};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
    #[error("the settings are not valid: {0}")]
    Settings(String),
    #[error("there is no conversation {0:?} in the store")]
    NoSuchConversation(String),
}

pub struct Engine {
    store: Store,
    geo: Geo,
    /// Where the GeoIP data comes from, for the map's attribution.
    geo_source: String,
    /// `--geo` given on the command line wins over the setting.
    geo_override: bool,
    /// Why the configured GeoIP database is not the one in use, when it is not.
    geo_warning: Option<String>,
    settings: AppSettings,
    facts: Option<Facts>,
}

/// What the store holds, for `rapport status` and the app's first screen.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Status {
    pub store: PathBuf,
    pub schema_version: i64,
    pub stored: Counts,
    /// The first and last message, if any.
    pub first_message: Option<Micros>,
    pub last_message: Option<Micros>,
    pub files: Vec<StoredFile>,
    /// What the person should know about how Rapport runs, one sentence
    /// each: today, a configured GeoIP database it could not use.
    pub warnings: Vec<String>,
}

/// A query's numbers, the previous period's, and what the charts show beside them.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct DashboardView {
    #[serde(flatten)]
    pub dashboard: Dashboard,
    pub extras: DashboardExtras,
}

/// A conversation a search found, with where it says the phrase.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SearchHit {
    pub conversation_id: String,
    pub snippet: Option<crate::text::Snippet>,
}

/// A transcript: the stored conversation, the country of its address, and
/// each agent reply's response time.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Transcript {
    pub conversation_id: String,
    pub started_at: Option<Micros>,
    pub ended_at: Option<Micros>,
    pub customer_id: Option<String>,
    pub customer_ip_address: Option<String>,
    pub country: String,
    pub device: Option<String>,
    pub source: Option<String>,
    pub language: Option<String>,
    pub metadata: Option<serde_json::Value>,
    pub messages: Vec<TranscriptMessage>,
    pub actions: Vec<DetailAction>,
    pub feedback: Vec<DetailFeedback>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct TranscriptMessage {
    #[serde(flatten)]
    pub message: DetailMessage,
    /// For an agent message that answers a user message (an exchange of
    /// METRICS.md): the time since that user message, in milliseconds.
    pub response_ms: Option<f64>,
}

/// The GeoIP database at `path`, or the bundled one; with the map's attribution.
fn open_geo(path: Option<&Path>) -> Result<(Geo, String), GeoError> {
    match path {
        Some(p) => Ok((Geo::open(p)?, format!("IP geolocation: {}", p.display()))),
        None => Ok((Geo::bundled(), DEFAULT_ATTRIBUTION.to_owned())),
    }
}

/// As [`open_geo`], but a database that cannot be used (moved, unreadable,
/// not a regular file, too large, not a MaxMind file) gives the bundled one
/// and a warning: a setting or an argument must never stop Rapport starting.
fn open_geo_or_bundled(path: Option<&Path>) -> (Geo, String, Option<String>) {
    match open_geo(path) {
        Ok((geo, source)) => (geo, source, None),
        Err(e) => (
            Geo::bundled(),
            DEFAULT_ATTRIBUTION.to_owned(),
            Some(format!("{e}; countries come from the bundled database instead")),
        ),
    }
}

impl Engine {
    /// Opens the store at `db`. `geo` (a .mmdb) wins over the GeoIP database
    /// the settings name, which wins over the bundled one. A GeoIP database
    /// that cannot be used leaves the bundled one and a warning
    /// ([`Engine::warnings`]), never an error.
    pub fn open(db: &Path, geo: Option<&Path>) -> Result<Engine, Error> {
        let store = Store::open(db)?;
        let settings = match store.setting(SETTINGS_KEY)? {
            Some(json) => serde_json::from_str(&json).unwrap_or_default(),
            None => AppSettings::default(),
        };
        let (geo_db, geo_source, geo_warning) = open_geo_or_bundled(geo.or(settings.geo_database.as_deref()));
        Ok(Engine { store, geo: geo_db, geo_source, geo_override: geo.is_some(), geo_warning, settings, facts: None })
    }

    /// What the person should know about how the engine runs, one sentence
    /// each (a GeoIP database it could not use); the command line prints them
    /// on stderr, the app shows them above every screen.
    pub fn warnings(&self) -> Vec<String> {
        self.geo_warning.iter().cloned().collect()
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn store_mut(&mut self) -> &mut Store {
        self.facts = None;
        &mut self.store
    }

    /// Imports files and folders; see [`crate::import::import_paths`].
    pub fn import(
        &mut self,
        paths: &[PathBuf],
        options: &ImportOptions,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<ImportReport, Error> {
        self.import_with(paths, options, &FormatOptions::default(), progress)
    }

    /// [`Engine::import`] with what a file cannot tell: a CSV column mapping
    /// and the zone of naive timestamps; see [`import_paths_with`].
    pub fn import_with(
        &mut self,
        paths: &[PathBuf],
        options: &ImportOptions,
        formats: &FormatOptions,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<ImportReport, Error> {
        self.facts = None;
        Ok(import_paths_with(&mut self.store, paths, options, formats, progress)?)
    }

    /// Loads the demo month into the store; see [`crate::demo`].
    pub fn load_demo(&mut self, options: &crate::demo::DemoOptions) -> Result<Counts, Error> {
        self.facts = None;
        Ok(crate::demo::load(&mut self.store, options)?)
    }

    /// The facts metrics are computed from, built on first use after a change.
    pub fn facts(&mut self) -> Result<&Facts, Error> {
        let fallback = self.settings.fallback_phrases.clone();
        self.facts_for(&fallback)
    }

    /// The facts, their questions found with these fallback phrases
    /// (found again only when the phrases change).
    fn facts_for(&mut self, fallback_phrases: &[String]) -> Result<&Facts, Error> {
        if self.facts.is_none() {
            self.facts = Some(Facts::load(&self.store, &self.geo, &self.settings.prices)?);
        }
        let facts = self.facts.as_mut().expect("just built");
        // Insights hook: the questions come from the text, which `Facts::load` does not read.
        if facts.insights.fallback_phrases.as_deref() != Some(fallback_phrases) {
            facts.insights = crate::text::insight_facts(&self.store, facts, fallback_phrases)?;
        }
        Ok(facts)
    }

    /// `query` with its `text` filter resolved into the conversations it keeps.
    fn resolve_text(&mut self, query: &Query, fallback_phrases: &[String]) -> Result<Query, Error> {
        let phrases = query.filters.0.get(&FilterKey::Text).cloned().unwrap_or_default();
        self.facts_for(fallback_phrases)?;
        let facts = self.facts.as_ref().expect("just built");
        let text_matches = if phrases.is_empty() {
            None
        } else {
            Some(Arc::new(crate::text::text_matches(&self.store, facts, &phrases)?))
        };
        Ok(Query { text_matches, ..query.clone() })
    }

    pub fn settings(&self) -> &AppSettings {
        &self.settings
    }

    /// Saves new settings; the numbers they change are recomputed on next use.
    pub fn set_settings(&mut self, settings: AppSettings) -> Result<&AppSettings, Error> {
        if let Some(zone) = &settings.default_zone {
            zone.parse::<chrono_tz::Tz>().map_err(|_| QueryError::UnknownZone(zone.clone()))?;
        }
        if settings.prices.iter().any(|p| !(p.prompt_per_million >= 0.0 && p.completion_per_million >= 0.0)) {
            return Err(Error::Settings("prices must be numbers of dollars, 0 or more".into()));
        }
        // A new GeoIP database chosen now is refused with its reason (the
        // person is there to pick another); only one that stops working
        // later falls back to the bundled database with a warning.
        if !self.geo_override && settings.geo_database != self.settings.geo_database {
            (self.geo, self.geo_source) = open_geo(settings.geo_database.as_deref())?;
            self.geo_warning = None;
        }
        let json = serde_json::to_string(&settings).map_err(|e| Error::Settings(e.to_string()))?;
        self.store.set_setting(SETTINGS_KEY, &json)?;
        self.settings = settings;
        self.facts = None;
        Ok(&self.settings)
    }

    /// Every metric for the query and for the period before it.
    pub fn dashboard(&mut self, query: &Query, settings: &Settings) -> Result<Dashboard, Error> {
        let query = self.resolve_text(query, &settings.fallback_phrases)?;
        let facts = self.facts_for(&settings.fallback_phrases)?;
        Ok(dashboard(facts, &query, settings))
    }

    /// The dashboard as the app shows it, with the settings' escalation tools.
    pub fn dashboard_view(&mut self, query: &Query) -> Result<DashboardView, Error> {
        let settings = self.settings.metric_settings();
        let attribution = self.geo_source.clone();
        let query = self.resolve_text(query, &settings.fallback_phrases)?;
        let facts = self.facts_for(&settings.fallback_phrases)?;
        let (dashboard, mut extras) = crate::metrics::dashboard_view(facts, &query, &settings, &attribution);
        let rows: Vec<i64> = extras.latest_comments.iter().map(|c| c.row).collect();
        let texts = self.store.feedback_comments(&rows)?;
        for c in &mut extras.latest_comments {
            if let Some((_, text)) = texts.iter().find(|(row, _)| *row == c.row) {
                c.comment = text.clone();
            }
        }
        Ok(DashboardView { dashboard, extras })
    }

    /// One page of the conversations behind a query or a chart cell.
    pub fn conversations(&mut self, query: &Query, options: &ListOptions) -> Result<ConversationPage, Error> {
        let search = options.search.trim();
        let content = if search.is_empty() { None } else { Some(self.store.conversations_mentioning(search)?) };
        let settings = self.settings.metric_settings();
        let query = self.resolve_text(query, &settings.fallback_phrases)?;
        let facts = self.facts_for(&settings.fallback_phrases)?;
        let options = ListOptions { content_matches: content.as_ref(), ..options.clone() };
        Ok(list(facts, &query, &settings, &options))
    }

    /// The conversations of `query` in which some message says `phrase` (the
    /// `text` rule), newest first, each with a snippet of the first message
    /// that says it; at most `limit`.
    pub fn search(&mut self, query: &Query, phrase: &str, limit: usize) -> Result<Vec<SearchHit>, Error> {
        let mut filters = query.filters.clone();
        filters.add(FilterKey::Text.name(), phrase)?;
        let query = Query { filters, text_matches: None, ..query.clone() };
        let page = self.conversations(&query, &ListOptions { limit, descending: true, ..ListOptions::default() })?;
        let phrases = crate::metrics::words::Phrases::new(&[phrase]);
        let mut hits = Vec::with_capacity(page.rows.len());
        for row in &page.rows {
            let detail = self.store.conversation(&row.conversation_id)?;
            let snippet = detail
                .iter()
                .flat_map(|d| &d.messages)
                .find_map(|m| crate::text::snippet(m.content.as_deref()?, &phrases));
            hits.push(SearchHit { conversation_id: row.conversation_id.clone(), snippet });
        }
        Ok(hits)
    }

    /// A conversation's transcript and context.
    pub fn transcript(&self, conversation_id: &str) -> Result<Transcript, Error> {
        let detail = self
            .store
            .conversation(conversation_id)?
            .ok_or_else(|| Error::NoSuchConversation(conversation_id.to_owned()))?;
        let country = self.geo.country(detail.customer_ip_address.as_deref()).to_owned();
        let mut messages = Vec::with_capacity(detail.messages.len());
        let mut previous: Option<(Role, Micros)> = None;
        for m in detail.messages {
            let side = m.role.side();
            let response_ms = match (previous, side) {
                (Some((Role::User, at)), Side::Agent) => Some((m.timestamp.0 - at.0) as f64 / 1000.0),
                _ => None,
            };
            if side != Side::Neither {
                previous = Some((m.role, m.timestamp));
            }
            messages.push(TranscriptMessage { message: m, response_ms });
        }
        Ok(Transcript {
            conversation_id: detail.conversation_id,
            started_at: detail.started_at,
            ended_at: detail.ended_at,
            customer_id: detail.customer_id,
            customer_ip_address: detail.customer_ip_address,
            country,
            device: detail.device,
            source: detail.source,
            language: detail.language,
            metadata: detail.metadata,
            messages,
            actions: detail.actions,
            feedback: detail.feedback,
        })
    }

    /// Forgets the facts: the store was changed by another connection (an
    /// import running beside this engine).
    pub fn refresh(&mut self) {
        self.facts = None;
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
            warnings: self.warnings(),
        })
    }
}
