//! The engine's front door: what the command line and the desktop app call.
//!
//! Both go through these functions so that their numbers are the same
//! numbers. An [`Engine`] keeps the store open and the metric facts in
//! memory, rebuilding them only after the store or a setting that changes
//! them does; the facts are kept beside the store too, so that the next
//! process reads them instead of rebuilding them ([`load_or_build_facts`]).

use crate::geo::{Geo, GeoError, DEFAULT_ATTRIBUTION};
use crate::import::{import, ImportError, ImportOptions, ImportReport, Progress};
use crate::metrics::{
    dashboard, list, ConversationPage, Dashboard, DashboardExtras, ExchangeRate, Facts, FactsBuilder, FilterKey,
    ListOptions, Price, Query, QueryError, Settings,
};
use crate::model::{Micros, Role, Side};
use crate::settings::{AppSettings, DataStoreChoice, DataStoreKind, KEY as SETTINGS_KEY};
use crate::store::clickhouse::{is_clickhouse, probe, Address, ClickHouseStore, Probe};
use crate::store::{
    Changed, Counts, DetailAction, DetailFeedback, DetailMessage, ImportTarget, Store, StoreError, StoredFile,
};
use serde::Serialize;
use std::collections::HashMap;
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
    #[error("{0} is not available on a ClickHouse store yet")]
    NotOnClickHouse(&'static str),
    /// On a ClickHouse store the server computes every number and only
    /// small answers travel: the engine never reads every record into memory.
    #[error("{0} of a ClickHouse store are computed by its server: Rapport does not read its records into memory")]
    OnTheServer(&'static str),
}

/// Where the records are: an SQLite file on this computer, or a ClickHouse
/// server or cluster. The engine's callers never need to know which.
enum Backend {
    Local(Store),
    ClickHouse(Box<ClickHouseStore>),
}

pub struct Engine {
    backend: Backend,
    geo: Geo,
    /// Where the GeoIP data comes from, for the map's attribution.
    geo_source: String,
    /// `--geo` given on the command line wins over the setting.
    geo_override: bool,
    /// Why the configured GeoIP database is not the one in use, when it is not.
    geo_warning: Option<String>,
    /// Which GeoIP database is in use, for the tag of the facts kept beside the store.
    geo_tag: String,
    settings: AppSettings,
    facts: Option<Facts>,
    /// The store generation `facts` are of (SQLite stores).
    facts_generation: i64,
    /// Facts of an earlier state of the store, after a change: brought up
    /// to date conversation by conversation on next use.
    earlier: Option<FactsAt>,
    /// What people ask about, counted from: every user message's phrases,
    /// of the store generation and the languages (whose stop words) it was
    /// built with. No period or filter changes it.
    topic_index: Option<TopicIndexAt>,
    /// The conversations' languages, of the facts of this store generation
    /// ([`Engine::topic_languages`]).
    languages: Option<(i64, Vec<String>)>,
    /// The facts of a generation being folded into one run and kept beside
    /// the store on another thread ([`Loaded::keep_folded`]); they take the
    /// place of those held once done, if the store has not changed since.
    folding: Option<Folding>,
    /// The topic index being kept beside the store on a thread of its own
    /// ([`Engine::keep_topic_index`]).
    topic_keeping: Option<std::thread::JoinHandle<()>>,
}

struct Folding {
    generation: i64,
    /// What the facts depend on besides the store ([`facts_context`]):
    /// other prices chosen meanwhile, say, and they are not taken.
    context: String,
    thread: std::thread::JoinHandle<Option<Facts>>,
}

impl Drop for Engine {
    /// Waits for facts being kept: a process that ends leaves them kept
    /// (or not at all: a file is renamed into place only once whole).
    fn drop(&mut self) {
        if let Some(folding) = self.folding.take() {
            let _ = folding.thread.join();
        }
        if let Some(keeping) = self.topic_keeping.take() {
            let _ = keeping.join();
        }
    }
}

struct TopicIndexAt {
    generation: i64,
    languages: Vec<String>,
    /// Shared with the counts being counted from it ([`TopicCount`]).
    index: Arc<crate::metrics::TopicIndex>,
}

/// A query's topics as [`Engine::topics_asked`] gives them.
pub enum TopicsAsked {
    /// Counted already (a ClickHouse store's server counts them).
    Ready(Vec<crate::metrics::Topic>),
    /// To be counted, on any thread, without the engine.
    Count(TopicCount),
}

/// A query's topics to count from the topic index (which it shares with
/// the engine) and the conversations that pass the query's filters.
pub struct TopicCount {
    index: Arc<crate::metrics::TopicIndex>,
    scope: crate::metrics::TopicScope,
}

impl TopicCount {
    /// The topics, on both cores; `None` once `stop` says so (asked every
    /// million messages or so: the question was asked again since, say).
    pub fn count(&self, stop: &(dyn Fn() -> bool + Sync)) -> Option<Vec<crate::metrics::Topic>> {
        Some(self.index.counts_unless(&self.scope, stop)?.topics())
    }
}

/// The topic index of a SQLite store, to be built on another connection
/// than the engine's ([`Engine::topic_index_job`]).
pub struct TopicIndexJob {
    store: PathBuf,
    languages: Vec<String>,
    /// The index the engine held, of an earlier state of the store: brought
    /// up to date when the store lists what changed since (in place, when
    /// no count still shares it).
    earlier: Option<(i64, Arc<crate::metrics::TopicIndex>)>,
    /// That index being kept beside the store, waited for before it is
    /// brought up to date.
    keeping: Option<std::thread::JoinHandle<()>>,
}

/// A topic index a [`TopicIndexJob`] built, for [`Engine::install_topic_index`],
/// with the tag to keep it under when it is not kept yet.
pub struct BuiltTopicIndex(TopicIndexAt, Option<String>);

impl TopicIndexJob {
    /// Reads the store's user messages on a connection of its own, in one
    /// snapshot whose generation the index is tagged with.
    pub fn build(self) -> Result<BuiltTopicIndex, Error> {
        if let Some(keeping) = self.keeping {
            let _ = keeping.join();
        }
        let store = Store::open_reader(&self.store)?;
        let (index, unkept) = topic_index_of(&store, self.languages, self.earlier)?;
        Ok(BuiltTopicIndex(index, unkept))
    }
}

/// The topic index of `store` as it is now (read in one snapshot), with the
/// stop words of `languages`: the one kept beside the store when it is of
/// exactly this state of the store, these stop words and this Rapport's
/// phrase rule (its tag says); else an index of an earlier state of the
/// store (`earlier`, the engine's, else the one kept beside the store)
/// brought up to date from the messages of the conversations changed
/// since, when the store lists them; else built from every user message's
/// text (43 s at ten million conversations). One made comes with the tag
/// to keep it under for the next process ([`Engine::keep_topic_index`]).
fn topic_index_of(
    store: &Store,
    languages: Vec<String>,
    earlier: Option<(i64, Arc<crate::metrics::TopicIndex>)>,
) -> Result<(TopicIndexAt, Option<String>), Error> {
    use crate::metrics::{stop_words, TopicIndex, TopicIndexBuilder, TOPIC_INDEX_FORMAT};
    use crate::store::{saved_topics_any_at, saved_topics_at, SavedFacts};
    let read = |saved: SavedFacts| saved.intact().then(|| TopicIndex::from_bytes(saved.body())).flatten();
    let (generation, tag, index, built) = store.in_one_snapshot(|| {
        let generation = store.generation()?;
        // What the index is of, then the state of the store (`generation G rows ...`).
        let of_what = format!("topic index {TOPIC_INDEX_FORMAT}; stop words of {}; ", languages.join(" "));
        let tag = format!("{of_what}{}", store.change_tag()?);
        if let Some(index) = saved_topics_at(store.path(), &tag).and_then(read) {
            crate::trace::note("topics: the index kept beside the store read");
            return Ok((generation, tag, index, false));
        }
        let kept_earlier = match earlier {
            Some(_) => None,
            None => saved_topics_any_at(store.path()).and_then(|(kept_tag, saved)| {
                let state = kept_tag.strip_prefix(&of_what)?.strip_prefix("generation ")?;
                let kept_generation = state.split(' ').next()?.parse::<i64>().ok()?;
                Some((kept_generation, Arc::new(read(saved)?)))
            }),
        };
        let stop = stop_words(languages.iter().map(String::as_str));
        let mut builder = TopicIndexBuilder::new(&stop);
        if let Some((earlier_generation, earlier)) = earlier.or(kept_earlier) {
            if let Some(changed) = store.changes_since(earlier_generation)? {
                if let Some(rows) = store.changed_conversations(changed)? {
                    let _step = crate::trace::step(|| {
                        format!("topics: the index brought up to date, {} conversation(s) changed", rows.len())
                    });
                    store.for_each_user_message_text_in(changed, |row, ts, content| {
                        builder.user_message(row, ts, content)
                    })?;
                    let earlier = Arc::try_unwrap(earlier).unwrap_or_else(|shared| shared.as_ref().clone());
                    return Ok((generation, tag, earlier.updated(&rows, &builder.finish()), true));
                }
            }
        }
        let _step = crate::trace::step(|| "topics: the index built from the messages".to_owned());
        store.for_each_user_message_text(|row, ts, content| builder.user_message(row, ts, content))?;
        Ok((generation, tag, builder.finish(), true))
    })?;
    Ok((TopicIndexAt { generation, languages, index: Arc::new(index) }, built.then_some(tag)))
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
    /// The keys of the headline cards to show, in the order the store's
    /// layout puts them (`CardLayout`).
    pub cards: Vec<&'static str>,
}

/// A conversation a search found, with where it says the phrase.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SearchHit {
    pub conversation_id: String,
    pub started_at: Option<Micros>,
    /// The first message (in time order) that says the phrase, around it.
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
    /// METRICS.md): the time since that user message, in milliseconds; none
    /// when the file did not say when the answer came (`time_unknown`).
    pub response_ms: Option<f64>,
}

/// Reads the store's rows, locates each conversation's address, and builds
/// the facts metrics are computed from (`prices` estimate the cost of
/// messages that carry tokens but no cost). The reading is here, so that
/// `metrics` holds only pure functions.
pub fn load_facts(store: &Store, geo: &Geo, prices: &[Price], rates: &[ExchangeRate]) -> Result<Facts, StoreError> {
    load_facts_of(store, geo, prices, rates, Changed::All)
}

/// [`load_facts`] of the conversations `changed` says only.
fn load_facts_of(
    store: &Store,
    geo: &Geo,
    prices: &[Price],
    rates: &[ExchangeRate],
    changed: Changed,
) -> Result<Facts, StoreError> {
    let mut builder = FactsBuilder::new(prices).rates(rates);
    if !matches!(changed, Changed::All) {
        builder = builder.of_some_conversations();
    }
    let mut country_of: HashMap<String, &str> = HashMap::new();
    store.for_each_conversation_in(changed, |row| {
        let country = row.customer_ip_address.as_ref().map(|ip| match country_of.get(ip) {
            Some(&c) => c,
            None => {
                let c = geo.country(Some(ip));
                country_of.insert(ip.clone(), c);
                c
            }
        });
        builder.conversation(row, country);
    })?;
    store.for_each_message_in(changed, |m| builder.message(m))?;
    store.for_each_action_in(changed, |a| builder.action(a))?;
    store.for_each_feedback_in(changed, |f| builder.feedback(f))?;
    Ok(builder.finish())
}

/// What the facts of a store depend on besides its records: the layout
/// they are kept in, this version of Rapport (its rules for deriving them),
/// the GeoIP database (`geo`, see [`geo_identity`]), the prices and the
/// exchange rates.
fn facts_context(geo: &str, prices: &[Price], rates: &[ExchangeRate]) -> String {
    let prices = serde_json::to_string(prices).unwrap_or_default();
    let rates = serde_json::to_string(rates).unwrap_or_default();
    format!(
        "layout {} rapport {}\ngeo {geo}\nprices {prices}\nrates {rates}",
        crate::metrics::PACKED_LAYOUT,
        env!("CARGO_PKG_VERSION")
    )
}

/// The tag of facts kept beside the store: the store's change tag (its
/// generation first), then their context.
fn facts_tag(store_tag: &str, context: &str) -> String {
    format!("{store_tag}\n{context}")
}

/// The store generation a tag names, and the context it was made in.
fn split_tag(tag: &str) -> Option<(i64, &str)> {
    let (first, context) = tag.split_once('\n')?;
    let generation = first.strip_prefix("generation ")?.split(' ').next()?.parse().ok()?;
    Some((generation, context))
}

/// Facts brought up to date from kept ones are kept again once the
/// conversations changed since are more than `CHANGED_BEFORE_KEEPING` and
/// one in `CHANGED_SHARE_BEFORE_KEEPING` of the kept ones (or their two
/// runs were folded into one anyway): below that,
/// the next process does the same from the kept copy, reading the changed
/// conversations from the store (about 30 µs each) and adding them as a
/// second run in a few milliseconds, where keeping the facts again writes
/// all of them (at ten million conversations 7.6 GB: 22 s, with the two
/// runs folded first). So the number of imports does not matter, only how
/// much they changed: at ten million conversations the facts are kept
/// again after about 39,000 changed conversations, each start reading at
/// most about a second's worth of them; below a million, after 4,096.
const CHANGED_SHARE_BEFORE_KEEPING: usize = 256;
const CHANGED_BEFORE_KEEPING: usize = 4096;

/// Facts of the store at a generation.
pub struct FactsAt {
    pub generation: i64,
    pub facts: Facts,
}

/// Facts of the store brought up to date, and, when their second run has
/// grown large, the tag to keep them under once folded into one run: a
/// fold and a write of all the facts, which [`Engine`] does on another
/// thread (at ten million conversations 12 s and 13 s, that the first
/// numbers after a start or an import waited for).
pub struct Loaded {
    pub at: FactsAt,
    pub keep_folded: Option<String>,
}

/// The facts of the store as it is now, as cheaply as can be known right:
///
/// - the copy kept beside the store, when it is of exactly this store,
///   GeoIP database (`geo_tag`), prices and exchange rates;
/// - else earlier facts (`earlier`, those this process held, or the kept
///   copy) with the conversations changed since replaced by their facts
///   built from their rows, when the store lists every change since them
///   (and, when that second run has grown large, the tag to keep them
///   under once folded: [`Loaded::keep_folded`]);
/// - else built from every row ([`load_facts`]) and kept for the next process.
///
/// `earlier` must be of the same GeoIP database, prices and rates. See
/// `store::facts_file` for why a kept copy is never stale.
pub fn load_or_build_facts(
    store: &Store,
    geo: &Geo,
    geo_tag: &str,
    prices: &[Price],
    rates: &[ExchangeRate],
    fallback_phrases: &[String],
    earlier: Option<FactsAt>,
) -> Result<Loaded, StoreError> {
    let context = facts_context(geo_tag, prices, rates);
    let store_tag = store.change_tag()?;
    let tag = facts_tag(&store_tag, &context);
    let reading = crate::trace::step(|| "facts: the kept copy read".to_owned());
    let kept = store.saved_facts(&tag).and_then(|saved| {
        let _step = crate::trace::step(|| "facts: the kept copy unpacked".to_owned());
        read_back(&saved)
    });
    drop(reading);
    if let Some(mut facts) = kept {
        if facts.insights.fallback_phrases.as_deref() != Some(fallback_phrases) {
            // Other fallback phrases were chosen since: the questions are
            // found again from the text, and kept for the next process.
            let insights = store.in_one_snapshot(|| {
                if store.change_tag()? != store_tag {
                    return Ok(None);
                }
                crate::text::insight_facts(store, &facts, fallback_phrases).map(Some)
            })?;
            match insights {
                Some(insights) => {
                    facts.insights = insights;
                    keep(store, &tag, &facts);
                }
                // The store changed meanwhile: built anew below.
                None => return load_or_build_facts(store, geo, geo_tag, prices, rates, fallback_phrases, None),
            }
        }
        return Ok(Loaded { at: FactsAt { generation: split_tag(&tag).map_or(0, |t| t.0), facts }, keep_folded: None });
    }
    let earlier = match earlier {
        Some(earlier) => Some(Earlier::InHand(earlier)),
        None => store.saved_facts_any().and_then(|(kept_tag, saved)| {
            let (generation, kept_context) = split_tag(&kept_tag)?;
            (kept_context == context).then_some(Earlier::Kept(generation, saved))
        }),
    };
    if let Some(earlier) = earlier {
        // A kept copy's checksums are checked on other threads while this
        // one reads the changed conversations from the store: the one a
        // read of the whole file, the other of SQLite's pages.
        let (earlier, updated) = std::thread::scope(|s| {
            let (generation, checked) = match earlier {
                Earlier::InHand(earlier) => (earlier.generation, Ok(earlier.facts)),
                Earlier::Kept(generation, saved) => (generation, Err(s.spawn(move || read_back(&saved)))),
            };
            let reading = crate::trace::step(|| "facts: the changed conversations read".to_owned());
            let updated = store.in_one_snapshot(|| {
                let Some(changed) = store.changes_since(generation)? else { return Ok(None) };
                let store_tag = store.change_tag()?;
                let mut new = load_facts_of(store, geo, prices, rates, changed)?;
                // The questions of the changed conversations, found with
                // today's phrases: earlier facts found with others lose
                // theirs in the merge, and all are found again below.
                new.insights = crate::text::insight_facts_in(store, &new, fallback_phrases, changed)?;
                Ok(Some((store_tag, store.generation()?, new)))
            });
            drop(reading);
            let earlier = match checked {
                Ok(facts) => Some(facts),
                Err(checking) => checking.join().ok().flatten(),
            };
            (earlier, updated)
        });
        if let (Some(earlier), Some((store_tag, generation, new))) = (earlier, updated?) {
            let changed = new.conversations.len();
            let merging = crate::trace::step(|| format!("facts: {changed} conversation(s) merged"));
            let mut facts = earlier.updated(new);
            drop(merging);
            if facts.insights.fallback_phrases.as_deref() != Some(fallback_phrases) {
                facts.fold();
                facts.insights = crate::text::insight_facts(store, &facts, fallback_phrases)?;
            }
            // Folded (a large import, or other phrases): what the next
            // process would do again, at the cost of the whole facts.
            let folded = changed > 0 && !facts.has_delta();
            let second_run = facts.delta.conversations;
            let many = second_run > CHANGED_BEFORE_KEEPING
                && second_run * CHANGED_SHARE_BEFORE_KEEPING > facts.base_conversations();
            let tag = facts_tag(&store_tag, &context);
            if folded {
                keep(store, &tag, &facts);
            }
            return Ok(Loaded { at: FactsAt { generation, facts }, keep_folded: many.then_some(tag) });
        }
    }
    let building = crate::trace::step(|| "facts: built from every row".to_owned());
    let (store_tag, generation, facts) = store.in_one_snapshot(|| {
        let mut facts = load_facts_of(store, geo, prices, rates, Changed::All)?;
        facts.insights = crate::text::insight_facts(store, &facts, fallback_phrases)?;
        Ok((store.change_tag()?, store.generation()?, facts))
    })?;
    drop(building);
    keep(store, &facts_tag(&store_tag, &context), &facts);
    Ok(Loaded { at: FactsAt { generation, facts }, keep_folded: None })
}

/// Facts a store's facts can be brought up to date from.
// One lives for a load, moved twice: boxing the facts would buy nothing.
#[allow(clippy::large_enum_variant)]
enum Earlier {
    /// Those a process holds.
    InHand(FactsAt),
    /// The copy kept beside the store, of this generation, its checksums not checked yet.
    Kept(i64, crate::store::SavedFacts),
}

/// The facts of a kept copy, read in place from the mapped file once its
/// checksums hold (a read of the whole file, on every core): then they are
/// the very bytes packed, so their rows' indices are not checked again.
fn read_back(saved: &crate::store::SavedFacts) -> Option<Facts> {
    let checking = crate::trace::step(|| "facts: the kept copy's checksums".to_owned());
    if !saved.intact() {
        return None;
    }
    drop(checking);
    let _step = crate::trace::step(|| "facts: the kept copy's tables".to_owned());
    Facts::from_packed_as_written(saved.backing(), saved.body_at())
}

/// Keeps the facts beside the store for the next process. A saving, not a
/// duty: a folder that cannot be written to means only that the next
/// process builds them again.
fn keep(store: &Store, tag: &str, facts: &Facts) {
    let _step = crate::trace::step(|| "facts: kept beside the store".to_owned());
    let mut bytes = Vec::new();
    facts.pack(&mut bytes);
    let _ = store.save_facts(tag, &bytes);
}

/// Folds `facts` into one run, keeps them beside the store at `store`
/// under `tag`, and gives them back as read in place from the file kept
/// (in memory then as a new process would hold them); `None` when they
/// could not be kept. A thread of its own's work ([`Engine`]).
fn fold_and_keep(store: &Path, tag: &str, mut facts: Facts) -> Option<Facts> {
    behind_the_window();
    let folding = crate::trace::step(|| "facts: the second run folded in".to_owned());
    facts.fold();
    drop(folding);
    let keeping = crate::trace::step(|| "facts: kept beside the store".to_owned());
    let mut bytes = Vec::new();
    facts.pack(&mut bytes);
    drop(facts);
    let kept = crate::store::save_facts_at(store, tag, &bytes);
    drop(bytes);
    drop(keeping);
    kept.ok()?;
    read_back(&crate::store::saved_facts_at(store, tag)?)
}

/// Lowers the calling thread's priority as far as it goes (and that of the
/// threads it starts): work nobody waits for (facts kept, the topic index)
/// then takes only the time the window, the dashboard and an import leave,
/// on a machine with two cores as on one with sixteen. Linux only (a
/// thread's nice value); elsewhere it runs as any thread.
pub fn behind_the_window() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority with who = 0 changes the calling thread only (on
    // Linux, a thread's nice value is its own); it takes no pointers.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 19);
    }
}

/// Which GeoIP database is in use, as facts depend on it: the bundled one
/// (of this version), or a file by its path, size and modification time.
fn geo_identity(path: Option<&Path>) -> String {
    match path {
        None => "bundled".to_owned(),
        Some(p) => {
            let meta = std::fs::metadata(p).ok();
            let modified = meta
                .as_ref()
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{} {} {modified}", p.display(), meta.map_or(0, |m| m.len()))
        }
    }
}

/// The address of a chosen ClickHouse server: its URL, with the user and
/// password given beside it, when given, in place of the URL's.
fn clickhouse_address(choice: &DataStoreChoice) -> Result<Address, StoreError> {
    let mut address = Address::parse(&choice.url)?;
    if let Some(user) = choice.user.as_deref().filter(|u| !u.is_empty()) {
        address.user = Some(user.to_owned());
    }
    if let Some(password) = choice.password.as_deref().filter(|p| !p.is_empty()) {
        address.password = Some(password.to_owned());
    }
    Ok(address)
}

/// The settings kept in a store; unreadable ones give way to the defaults.
fn read_settings(json: Option<String>) -> AppSettings {
    json.and_then(|j| serde_json::from_str(&j).ok()).unwrap_or_default()
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
    ///
    /// A `db` written `clickhouse://HOST:PORT/DATABASE` opens a ClickHouse
    /// store instead (see [`crate::store::clickhouse::address`]).
    pub fn open(db: &Path, geo: Option<&Path>) -> Result<Engine, Error> {
        let url = db.to_string_lossy();
        if is_clickhouse(&url) {
            // Countries are resolved as conversations are written: the store gets its own reader.
            return Engine::on_clickhouse(ClickHouseStore::open(&url, crate::geo::Geo::from_option(geo)?)?, geo);
        }
        let store = Store::open(db)?;
        let settings = read_settings(store.setting(SETTINGS_KEY)?);
        let geo_path = geo.or(settings.geo_database.as_deref());
        let (geo_db, geo_source, geo_warning) = open_geo_or_bundled(geo_path);
        let geo_tag = geo_identity(if geo_warning.is_some() { None } else { geo_path });
        let backend = Backend::Local(store);
        Ok(Engine {
            backend,
            geo: geo_db,
            geo_source,
            geo_override: geo.is_some(),
            geo_warning,
            geo_tag,
            settings,
            facts: None,
            facts_generation: 0,
            earlier: None,
            topic_index: None,
            topic_keeping: None,
            languages: None,
            folding: None,
        })
    }

    /// Opens the store the app's "Data store" setting names: the SQLite store
    /// at `local` (this computer's), or the ClickHouse server with the
    /// choice's user and password (else the URL's, else the environment's).
    pub fn open_data_store(choice: &DataStoreChoice, local: &Path, geo: Option<&Path>) -> Result<Engine, Error> {
        match choice.kind {
            DataStoreKind::ThisComputer => Engine::open(local, geo),
            DataStoreKind::ClickHouse => {
                let store = ClickHouseStore::open_at(clickhouse_address(choice)?, crate::geo::Geo::from_option(geo)?)?;
                Engine::on_clickhouse(store, geo)
            }
        }
    }

    /// Asks the ClickHouse server a choice names whether it answers and what
    /// its database holds, creating nothing (the app's "Test connection").
    pub fn test_data_store(choice: &DataStoreChoice) -> Result<Probe, Error> {
        Ok(probe(&clickhouse_address(choice)?)?)
    }

    fn on_clickhouse(store: ClickHouseStore, geo: Option<&Path>) -> Result<Engine, Error> {
        let settings = read_settings(store.setting(SETTINGS_KEY)?);
        let (geo_db, geo_source, geo_warning) = open_geo_or_bundled(geo);
        Ok(Engine {
            backend: Backend::ClickHouse(Box::new(store)),
            geo: geo_db,
            geo_source,
            geo_override: true,
            geo_warning,
            geo_tag: String::new(),
            settings,
            facts: None,
            facts_generation: 0,
            earlier: None,
            topic_index: None,
            topic_keeping: None,
            languages: None,
            folding: None,
        })
    }

    /// What the person should know about how the engine runs, one sentence
    /// each (a GeoIP database it could not use); the command line prints them
    /// on stderr, the app shows them above every screen.
    pub fn warnings(&self) -> Vec<String> {
        self.geo_warning.iter().cloned().collect()
    }

    /// The SQLite store of an engine opened on one.
    ///
    /// # Panics
    /// On a ClickHouse store: only tools and tests that open SQLite files call it.
    pub fn store(&self) -> &Store {
        match &self.backend {
            Backend::Local(store) => store,
            Backend::ClickHouse(_) => panic!("Engine::store is for SQLite stores"),
        }
    }

    /// [`Engine::store`], to change it.
    pub fn store_mut(&mut self) -> &mut Store {
        self.set_facts_aside();
        match &mut self.backend {
            Backend::Local(store) => store,
            Backend::ClickHouse(_) => panic!("Engine::store_mut is for SQLite stores"),
        }
    }

    /// The store as shown to people: a path or a `clickhouse://` URL without password.
    pub fn location(&self) -> String {
        match &self.backend {
            Backend::Local(store) => store.path().display().to_string(),
            Backend::ClickHouse(store) => store.shown(),
        }
    }

    /// Whatever store the engine is on, as an import writes into it.
    fn target(&mut self) -> &mut dyn ImportTarget {
        self.set_facts_aside();
        match &mut self.backend {
            Backend::Local(store) => store,
            Backend::ClickHouse(store) => store.as_mut(),
        }
    }

    /// Imports files and folders; see [`crate::import::import`].
    pub fn import(
        &mut self,
        paths: &[PathBuf],
        options: &ImportOptions,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<ImportReport, Error> {
        Ok(import(self.target(), paths, options, progress)?)
    }

    /// Loads the demo month into the store; see [`crate::demo`].
    pub fn load_demo(&mut self, options: &crate::demo::DemoOptions) -> Result<Counts, Error> {
        self.set_facts_aside();
        match &mut self.backend {
            Backend::Local(store) => Ok(crate::demo::load(store, options)?),
            Backend::ClickHouse(_) => Err(Error::NotOnClickHouse("the demo data")),
        }
    }

    /// The store may have changed: the facts held are kept aside, to be
    /// brought up to date on next use.
    fn set_facts_aside(&mut self) {
        if let (Some(facts), Backend::Local(_)) = (self.facts.take(), &self.backend) {
            self.earlier = Some(FactsAt { generation: self.facts_generation, facts });
        }
    }

    /// The facts metrics are computed from, built on first use after a
    /// change, with the questions of the settings' fallback phrases.
    ///
    /// # Errors
    /// On a ClickHouse store ([`Error::OnTheServer`]): its server computes
    /// every number, and no record is read into memory ([`Engine::holds_facts`]).
    pub fn facts(&mut self) -> Result<&Facts, Error> {
        if !self.holds_facts() {
            return Err(Error::OnTheServer("the facts"));
        }
        let fallback = self.settings.fallback_phrases.clone();
        self.facts_for(&fallback)
    }

    /// The facts, their questions found with these fallback phrases (found
    /// again only when the phrases change).
    fn facts_for(&mut self, fallback_phrases: &[String]) -> Result<&Facts, Error> {
        self.base_facts()?;
        let facts = self.facts.as_mut().expect("just built");
        // The facts come with their questions found with the settings'
        // phrases (on SQLite); others (the command line's `--fallback`), and
        // a ClickHouse store's, are found here from the text.
        if facts.insights.fallback_phrases.as_deref() != Some(fallback_phrases) {
            // Found for every conversation, in one run.
            facts.fold();
            facts.insights = match &self.backend {
                Backend::Local(store) => crate::text::insight_facts(store, facts, fallback_phrases)?,
                Backend::ClickHouse(_) => return Err(Error::OnTheServer("the Insights")),
            };
        }
        Ok(facts)
    }

    /// `query` with the `text` values of its filters and of its segment
    /// resolved into the conversations that say them (the store's
    /// full-text index).
    fn resolve_text(&mut self, query: &Query) -> Result<Query, Error> {
        let mut phrases: Vec<&String> = query.filters.0.get(&FilterKey::Text).into_iter().flatten().collect();
        if let Some(segment) = &query.segment {
            phrases.extend(segment.0.get(&FilterKey::Text).into_iter().flatten());
        }
        // The matches need each conversation's id or messages, not the questions.
        self.base_facts()?;
        let Some(facts) = &self.facts else {
            return Ok(query.clone());
        };
        let mut matches = crate::metrics::TextMatches::new();
        for phrase in phrases {
            if !matches.contains_key(phrase) {
                let said = match &self.backend {
                    Backend::Local(store) => crate::text::text_matches(store, facts, std::slice::from_ref(phrase))?,
                    Backend::ClickHouse(store) => {
                        let ids = store.conversations_saying(std::slice::from_ref(phrase))?;
                        facts.conversation_ids.iter().map(|id| ids.contains(id)).collect()
                    }
                };
                matches.insert(phrase.clone(), said);
            }
        }
        Ok(Query { text_matches: Arc::new(matches), ..query.clone() })
    }

    /// Facts folded and kept on another thread ([`Engine::folding`]), once
    /// done (or waited for, with `wait`), in place of the facts of the same
    /// generation held or set aside: the same numbers, in one run.
    fn take_folded(&mut self, wait: bool) {
        let Some(folding) = self.folding.take_if(|f| wait || f.thread.is_finished()) else { return };
        let Ok(Some(folded)) = folding.thread.join() else { return };
        let (prices, rates) = (&self.settings.prices, &self.settings.exchange_rates);
        if folding.context != facts_context(&self.geo_tag, prices, rates) {
            return;
        }
        if self.facts.is_some() && self.facts_generation == folding.generation {
            self.facts = Some(folded);
        } else if let Some(earlier) = self.earlier.as_mut().filter(|e| e.generation == folding.generation) {
            earlier.facts = folded;
        }
    }

    /// Waits for facts being folded and kept on another thread, if any,
    /// and holds them from then on ([`Loaded::keep_folded`]).
    pub fn wait_for_kept_facts(&mut self) {
        self.take_folded(true);
    }

    /// The facts without their questions.
    fn base_facts(&mut self) -> Result<&Facts, Error> {
        self.take_folded(false);
        if self.facts.is_none() {
            let _step = crate::trace::step(|| "facts: in hand".to_owned());
            self.facts = Some(match &self.backend {
                Backend::Local(store) => {
                    let earlier = self.earlier.take();
                    let (prices, rates) = (&self.settings.prices, &self.settings.exchange_rates);
                    let fallback = &self.settings.fallback_phrases;
                    let loaded =
                        load_or_build_facts(store, &self.geo, &self.geo_tag, prices, rates, fallback, earlier)?;
                    if let (Some(tag), None) = (loaded.keep_folded, &self.folding) {
                        let context = split_tag(&tag).map_or_else(String::new, |(_, context)| context.to_owned());
                        let (facts, path) = (loaded.at.facts.clone(), store.path().to_owned());
                        let thread = std::thread::Builder::new()
                            .name("rapport-keep-facts".into())
                            .spawn(move || fold_and_keep(&path, &tag, facts));
                        if let Ok(thread) = thread {
                            self.folding = Some(Folding { generation: loaded.at.generation, context, thread });
                        }
                    }
                    self.facts_generation = loaded.at.generation;
                    loaded.at.facts
                }
                // Never on a ClickHouse store: its server computes every number.
                Backend::ClickHouse(_) => return Err(Error::OnTheServer("the numbers")),
            });
        }
        Ok(self.facts.as_ref().expect("just built"))
    }

    /// Whether the engine computes from facts it holds in memory (this
    /// computer's store), or has the server compute every number and holds
    /// none (a ClickHouse store): the app reads the facts ahead only then.
    pub fn holds_facts(&self) -> bool {
        matches!(self.backend, Backend::Local(_))
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
        for rate in &settings.exchange_rates {
            let code = ExchangeRate::code(&rate.currency);
            if code.is_empty() {
                return Err(Error::Settings("an exchange rate needs the currency's code (RMB, EUR, ...)".into()));
            }
            if code == "USD" {
                return Err(Error::Settings("costs in USD need no exchange rate".into()));
            }
            if !(rate.usd_per_unit.is_finite() && rate.usd_per_unit > 0.0) {
                return Err(Error::Settings(format!(
                    "the exchange rate of {code} must be a number of US dollars above 0 (1 {code} = x USD)"
                )));
            }
        }
        // A new GeoIP database chosen now is refused with its reason (the
        // person is there to pick another); only one that stops working
        // later falls back to the bundled database with a warning.
        let mut facts_change =
            settings.prices != self.settings.prices || settings.exchange_rates != self.settings.exchange_rates;
        if !self.geo_override && settings.geo_database != self.settings.geo_database {
            (self.geo, self.geo_source) = open_geo(settings.geo_database.as_deref())?;
            self.geo_warning = None;
            self.geo_tag = geo_identity(settings.geo_database.as_deref());
            facts_change = true;
        }
        let json = serde_json::to_string(&settings).map_err(|e| Error::Settings(e.to_string()))?;
        match &self.backend {
            Backend::Local(store) => store.set_setting(SETTINGS_KEY, &json)?,
            Backend::ClickHouse(store) => store.set_setting(SETTINGS_KEY, &json)?,
        }
        self.settings = settings;
        // Only the prices, the exchange rates and the GeoIP database change
        // facts; a zone, a saved view or the cards' layout leave them as they are.
        if facts_change {
            self.facts = None;
            self.earlier = None;
        }
        Ok(&self.settings)
    }

    /// Every metric for the query, and for the period before it when the query compares.
    pub fn dashboard(&mut self, query: &Query, settings: &Settings) -> Result<Dashboard, Error> {
        if let Backend::ClickHouse(store) = &self.backend {
            return Ok(store.dashboard(query, settings, &self.settings.prices, &self.settings.exchange_rates)?);
        }
        let query = self.resolve_text(query)?;
        let facts = self.facts_for(&settings.fallback_phrases)?;
        Ok(dashboard(facts, &query, settings))
    }

    /// What people ask about in the query's period: the phrases that set its
    /// user messages apart from the whole store's (docs/metrics.md). A card
    /// of its own, not part of the dashboard's numbers: the first call after
    /// a change of the store reads the text of its user messages once (the
    /// topic index); the next ones count from what it kept.
    ///
    /// A ClickHouse store computes them itself: only the topics travel
    /// (`src/store/clickhouse/topics.rs`).
    pub fn topics(&mut self, query: &Query) -> Result<Vec<crate::metrics::Topic>, Error> {
        Ok(match self.topics_asked(query)? {
            TopicsAsked::Ready(topics) => topics,
            TopicsAsked::Count(count) => count.count(&|| false).expect("never stopped"),
        })
    }

    /// [`Engine::topics`], left to count away from the engine when they
    /// are counted from the topic index: the count reads the phrases of
    /// every user message of both periods (75 to 90 ms on both cores at ten
    /// million conversations), which the next dashboard (a filter clicked
    /// meanwhile) would otherwise wait for.
    pub fn topics_asked(&mut self, query: &Query) -> Result<TopicsAsked, Error> {
        use crate::metrics::TopicScope;
        if let Backend::ClickHouse(store) = &self.backend {
            return Ok(TopicsAsked::Ready(store.topics(query)?));
        }
        let _step = crate::trace::step(|| "topics: asked".to_owned());
        let query = self.resolve_text(query)?;
        // Topics need no questions: the facts without them are enough.
        self.base_facts()?;
        let facts = self.facts.as_ref().expect("just built");
        let scope = TopicScope::of(facts, &query);
        let languages = self.topic_languages();
        // The store generation says when the index is stale.
        let kept = self.topic_index.as_ref().is_some_and(|t| self.is_current(t, &languages));
        if !kept {
            // The index held, once no thread is keeping it, is brought up
            // to date in place.
            if let Some(keeping) = self.topic_keeping.take() {
                let _ = keeping.join();
            }
            let earlier = self.topic_index.take().filter(|e| e.languages == languages);
            if let Backend::Local(store) = &self.backend {
                let earlier = earlier.map(|e| (e.generation, e.index));
                let (index, unkept) = topic_index_of(store, languages, earlier)?;
                if let Some(tag) = unkept {
                    self.keep_topic_index(tag, Arc::clone(&index.index));
                }
                self.topic_index = Some(index);
            }
        }
        let index = Arc::clone(&self.topic_index.as_ref().expect("kept or just built").index);
        Ok(TopicsAsked::Count(TopicCount { index, scope }))
    }

    /// What building the topic index takes, when the index held is not of
    /// the store as it is (`None` when it is, and on a ClickHouse store,
    /// which computes the topics itself at each call). The app builds
    /// it with [`TopicIndexJob::build`] away from the engine, which goes on
    /// answering meanwhile, and hands it back with [`Engine::install_topic_index`].
    pub fn topic_index_job(&mut self) -> Result<Option<TopicIndexJob>, Error> {
        if !self.holds_facts() {
            return Ok(None);
        }
        self.base_facts()?;
        let languages = self.topic_languages();
        let Backend::Local(store) = &self.backend else { return Ok(None) };
        if self.topic_index.as_ref().is_some_and(|t| self.is_current(t, &languages)) {
            return Ok(None);
        }
        // The job takes the index held (stale, so of no use here) to bring
        // it up to date in place, once no thread is keeping it.
        let earlier = self.topic_index.take().filter(|t| t.languages == languages).map(|t| (t.generation, t.index));
        let keeping = self.topic_keeping.take();
        Ok(Some(TopicIndexJob { store: store.path().to_owned(), languages, earlier, keeping }))
    }

    /// Keeps a topic index built by a [`TopicIndexJob`], if it is of the
    /// store as the engine's facts are (else it is dropped: the store
    /// changed while it was built).
    pub fn install_topic_index(&mut self, built: BuiltTopicIndex) -> Result<(), Error> {
        if !self.holds_facts() {
            return Ok(());
        }
        self.base_facts()?;
        let languages = self.topic_languages();
        let BuiltTopicIndex(index, unkept) = built;
        if self.is_current(&index, &languages) {
            if let Some(tag) = unkept {
                self.keep_topic_index(tag, Arc::clone(&index.index));
            }
            self.topic_index = Some(index);
        }
        Ok(())
    }

    /// Keeps a topic index beside the store for the next process, on a
    /// thread of its own at the lowest priority: writing it (650 MB at ten
    /// million conversations, 2 to 5 s) is not what a question about
    /// topics waits for. A process that ends waits for it ([`Engine`]'s
    /// drop); a store whose folder cannot be written to keeps none, and
    /// each process then builds the index, as before it was kept.
    fn keep_topic_index(&mut self, tag: String, index: Arc<crate::metrics::TopicIndex>) {
        let Backend::Local(store) = &self.backend else { return };
        if let Some(earlier) = self.topic_keeping.take() {
            let _ = earlier.join();
        }
        let path = store.path().to_owned();
        let keep = move || {
            behind_the_window();
            let _step = crate::trace::step(|| "topics: the index kept".to_owned());
            let _ = crate::store::save_topics_at(&path, &tag, &index.to_bytes());
        };
        self.topic_keeping = std::thread::Builder::new().name("rapport-keep-topics".into()).spawn(keep).ok();
    }

    /// Whether a topic index is of the store as the facts held are, with
    /// the stop words of these languages.
    fn is_current(&self, index: &TopicIndexAt, languages: &[String]) -> bool {
        index.generation == self.facts_generation && index.languages == languages
    }

    /// The languages of the conversations, whose stop words topics leave
    /// out (found once for the facts of a store generation).
    fn topic_languages(&mut self) -> Vec<String> {
        let Some(facts) = &self.facts else { return Vec::new() };
        match &self.languages {
            Some((generation, languages)) if *generation == self.facts_generation => languages.clone(),
            _ => {
                let languages = languages_of(facts);
                self.languages = Some((self.facts_generation, languages.clone()));
                languages
            }
        }
    }

    /// The dashboard as the app shows it, with the settings' escalation tools.
    pub fn dashboard_view(&mut self, query: &Query) -> Result<DashboardView, Error> {
        // A ClickHouse server computes the dashboard and its extras; only they travel.
        if let Backend::ClickHouse(store) = &self.backend {
            let _step = crate::trace::step(|| "dashboard: computed by the ClickHouse server".to_owned());
            let settings = self.settings.metric_settings();
            let (prices, rates) = (&self.settings.prices, &self.settings.exchange_rates);
            let (dashboard, extras) = store.dashboard_view(query, &settings, prices, rates, &self.geo_source)?;
            let cards = self.settings.layout.arrange().iter().map(|c| c.key).collect();
            return Ok(DashboardView { dashboard, extras, cards });
        }
        self.base_facts()?;
        let _step = crate::trace::step(|| "dashboard: computed (facts held)".to_owned());
        let settings = self.settings.metric_settings();
        let attribution = self.geo_source.clone();
        let query = &self.resolve_text(query)?;
        // Metrics say which comments to show; their texts are the store's.
        let rows = crate::metrics::commented_feedback(self.facts_for(&settings.fallback_phrases)?, query);
        let texts = self.store().feedback_comments(&rows)?;
        let facts = self.facts_for(&settings.fallback_phrases)?;
        let (dashboard, extras) = crate::metrics::dashboard_view(facts, query, &settings, &attribution, &texts);
        let cards = self.settings.layout.arrange().iter().map(|c| c.key).collect();
        Ok(DashboardView { dashboard, extras, cards })
    }

    /// One page of the conversations behind a query or a chart cell, with
    /// the settings' escalation tools and fallback phrases.
    pub fn conversations(&mut self, query: &Query, options: &ListOptions) -> Result<ConversationPage, Error> {
        let settings = self.settings.metric_settings();
        self.conversations_with(query, &settings, options)
    }

    /// [`Engine::conversations`] with these escalation tools and fallback
    /// phrases (the command line's `--escalation` and `--fallback`).
    pub fn conversations_with(
        &mut self,
        query: &Query,
        settings: &Settings,
        options: &ListOptions,
    ) -> Result<ConversationPage, Error> {
        // A ClickHouse store computes the page and the count itself.
        if let Backend::ClickHouse(store) = &self.backend {
            return Ok(store.conversations(query, settings, options)?);
        }
        let search = options.search.trim();
        let content = match (&self.backend, search.is_empty()) {
            (Backend::Local(store), false) => Some(store.conversations_mentioning(search)?),
            _ => None,
        };
        let query = self.resolve_text(query)?;
        let facts = self.facts_for(&settings.fallback_phrases)?;
        let options = ListOptions { content_matches: content.as_ref(), ..options.clone() };
        Ok(list(facts, &query, settings, &options))
    }

    /// The conversations of `query` in which some message says `phrase` (the
    /// `text` rule: the store's full-text index), newest first, each with a
    /// snippet of the first message that says it; at most `limit`.
    pub fn search(&mut self, query: &Query, phrase: &str, limit: usize) -> Result<Vec<SearchHit>, Error> {
        let mut filters = query.filters.clone();
        filters.add(FilterKey::Text.name(), phrase)?;
        let query = Query { filters, ..query.clone() };
        let options = ListOptions { limit, descending: true, ..ListOptions::default() };
        let page = self.conversations(&query, &options)?;
        let phrases = crate::metrics::words::Phrases::new(&[phrase]);
        let mut hits = Vec::with_capacity(page.rows.len());
        match &self.backend {
            Backend::Local(store) => {
                for row in &page.rows {
                    let snippet = store.first_snippet(&row.conversation_id, &phrases)?;
                    hits.push(SearchHit {
                        conversation_id: row.conversation_id.clone(),
                        started_at: row.started_at,
                        snippet,
                    });
                }
            }
            Backend::ClickHouse(store) => {
                let ids: Vec<&str> = page.rows.iter().map(|r| r.conversation_id.as_str()).collect();
                let mut snippets = store.first_snippets(&ids, &phrases)?;
                for row in &page.rows {
                    let snippet = snippets.remove(&row.conversation_id);
                    hits.push(SearchHit {
                        conversation_id: row.conversation_id.clone(),
                        started_at: row.started_at,
                        snippet,
                    });
                }
            }
        }
        Ok(hits)
    }

    /// A conversation's transcript and context.
    pub fn transcript(&self, conversation_id: &str) -> Result<Transcript, Error> {
        let detail = match &self.backend {
            Backend::Local(store) => store.conversation(conversation_id)?,
            Backend::ClickHouse(store) => store.conversation(conversation_id)?,
        }
        .ok_or_else(|| Error::NoSuchConversation(conversation_id.to_owned()))?;
        let country = self.geo.country(detail.customer_ip_address.as_deref()).to_owned();
        let mut messages = Vec::with_capacity(detail.messages.len());
        let mut previous: Option<(Role, Micros)> = None;
        for m in detail.messages {
            let side = m.role.side();
            let response_ms = match (previous, side) {
                (Some((Role::User, at)), Side::Agent) if !m.time_unknown => {
                    Some((m.timestamp.0 - at.0) as f64 / 1000.0)
                }
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
        self.set_facts_aside();
    }

    pub fn status(&self) -> Result<Status, Error> {
        let _step = crate::trace::step(|| "status: read".to_owned());
        let store = match &self.backend {
            Backend::Local(store) => store,
            Backend::ClickHouse(store) => {
                let span = store.message_span()?;
                return Ok(Status {
                    store: PathBuf::from(store.shown()),
                    schema_version: crate::store::clickhouse::schema::VERSION,
                    stored: store.counts()?,
                    first_message: span.map(|s| s.0),
                    last_message: span.map(|s| s.1),
                    files: store.files()?,
                    warnings: self.warnings(),
                });
            }
        };
        self.local_status(store, store.counts()?, store.message_span()?)
    }

    /// [`Engine::status`] as the app asks for it, before each dashboard: on
    /// this computer's store, what it holds is counted from the facts (read
    /// or brought up to date first when they are not held, as the dashboard
    /// then needs them), not by reading every row of the store (a second
    /// or more at a million conversations). The facts hold every stored
    /// record, so the counts and the first and last message are the same.
    pub fn status_from_facts(&mut self) -> Result<Status, Error> {
        if !matches!(self.backend, Backend::Local(_)) {
            return self.status();
        }
        let facts = self.base_facts()?;
        // Replaced conversations' rows (see `metrics::delta`) left out.
        let ([conversations, messages, actions, feedback], span) = facts.live_counts();
        let stored = Counts { conversations, messages, actions, feedback };
        let span = span.map(|(a, b)| (Micros(a), Micros(b)));
        let _step = crate::trace::step(|| "status: read (counted from the facts)".to_owned());
        self.local_status(self.store(), stored, span)
    }

    fn local_status(&self, store: &Store, stored: Counts, span: Option<(Micros, Micros)>) -> Result<Status, Error> {
        Ok(Status {
            store: store.path().to_owned(),
            schema_version: store.schema_version()?,
            stored,
            first_message: span.map(|s| s.0),
            last_message: span.map(|s| s.1),
            files: store.files()?,
            warnings: self.warnings(),
        })
    }
}

/// The languages of the conversations `facts` hold (those not replaced), in order.
fn languages_of(facts: &Facts) -> Vec<String> {
    // Which names are some conversation's language, marked by number,
    // then named: a name looked up and put in order for each of ten
    // million conversations took 0.8 to 1.2 s (40 ms so), twice for
    // each question about topics, with the engine held.
    let mut language = vec![false; facts.names.values.len()];
    for (i, c) in facts.conversations.iter().enumerate() {
        if !facts.is_replaced(i as u32) {
            if let Some(seen) = language.get_mut(c.language as usize) {
                *seen = true;
            }
        }
    }
    let languages: std::collections::BTreeSet<&str> =
        (0..language.len()).filter(|&n| language[n]).map(|n| facts.names.name(n as u32)).collect();
    languages.into_iter().map(str::to_owned).collect()
}
