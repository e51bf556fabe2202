//! The ClickHouse store: the same records in a ClickHouse server or cluster,
//! and every metric of METRICS.md computed there as SQL.
//!
//! - [`address`]: the `clickhouse://` URL.
//! - `http`: statements over the HTTP interface.
//! - [`schema`]: the tables and the per-conversation view metrics read.
//! - [`write`]: one file's rows, all or nothing.
//! - `metrics`: the dashboard's numbers as SQL.
//! - `list`: the conversation list as SQL (one page and the count travel).
//! - `langfuse`: a Langfuse database's tables read as Rapport's records (read-only).
//! - `words`: a Langfuse database's messages' words, found in Rust.
//! - `probe`: a connection tested without changing anything.
//! - `read`: records, transcripts and the import log read back.
//! - `topics`: what people ask about as SQL (the best-scored phrases travel).
//! - `tsv`: reading `TabSeparated` answers.
//! - `upgrade`: the words and runs of messages written before they were kept.

pub mod address;
mod chdb;
mod http;
mod langfuse;
mod list;
mod metrics;
mod probe;
mod read;
pub mod schema;
mod topics;
mod tsv;
mod upgrade;
mod words;
mod write;

pub use address::{is_clickhouse, Address};
pub use probe::{probe, Holds, Probe};
pub use read::{MessageLine, StoredRows};
pub use write::ClickHouseFile;

use super::{Counts, FileSink, ImportTarget, StoreError};
use crate::geo::Geo;
use http::{Failure, Server, SYNC_INSERTS};

/// Rows of an import that never committed are deleted once it is this old
/// (an import still running elsewhere keeps writing well within it).
const STALE_IMPORT_US: i64 = 10 * 60 * 1_000_000;

/// Conversations per statement when facts are built: a slice's arrays stay
/// within a few hundred megabytes of the server's memory.
const FACTS_SLICE: u64 = 250_000;

fn now_us() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or(0)
}

/// Runs statements, in order, on the server of a store's URL (`{db}` is its
/// database, which is not created): for tests and tools that prepare a
/// database, such as a Langfuse one. The session is closed at the end.
pub fn execute(url: &str, statements: &[String]) -> Result<(), StoreError> {
    let address = Address::parse(url)?;
    let server = Server::connect(&address.endpoint, &address)
        .map_err(|f| StoreError::ClickHouse { url: address.shown(), reason: f.0 })?;
    for sql in statements {
        server
            .run(&sql.replace("{db}", &address.database))
            .map_err(|f| StoreError::ClickHouse { url: address.shown(), reason: f.0 })?;
    }
    Ok(())
}

/// The tables of records, which live on every shard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Table {
    ConversationLine = 0,
    Message = 1,
    Action = 2,
    Feedback = 3,
}

impl Table {
    pub const RECORDS: [Table; 4] = [Table::ConversationLine, Table::Message, Table::Action, Table::Feedback];

    pub fn name(self) -> &'static str {
        match self {
            Table::ConversationLine => "conversation_line",
            Table::Message => "message",
            Table::Action => "action",
            Table::Feedback => "feedback",
        }
    }
}

pub struct ClickHouseStore {
    address: Address,
    /// The server of the URL: queries, the import log, settings.
    entry: Server,
    /// Every server holding records: the shards, or the entry server alone.
    shards: Vec<Server>,
    /// Countries are resolved when a conversation is written.
    geo: Geo,
    /// A Langfuse database: the SQL that gives its records and facts.
    langfuse: Option<Langfuse>,
}

/// A Langfuse database's records and per-conversation facts, as SQL over its tables.
pub(crate) struct Langfuse {
    /// The per-conversation facts, a parenthesised subquery.
    facts: String,
    /// The records (the messages with their text as Langfuse keeps it, in
    /// `content`), and what goes into a conversation's metadata.
    tables: langfuse::Tables,
    /// Langfuse's `traces` table, whose size sets how many slices the
    /// messages' text is read in.
    traces: String,
}

impl ClickHouseStore {
    /// Connects, creates the database and tables where missing, completes
    /// any import committed but not yet visible everywhere (its rows and its
    /// conversations' facts), and deletes the rows of imports that died
    /// before committing.
    pub fn open(url: &str, geo: Geo) -> Result<ClickHouseStore, StoreError> {
        ClickHouseStore::open_at(Address::parse(url)?, geo)
    }

    /// [`ClickHouseStore::open`] at an address already parsed (with the user
    /// and password the app's settings give, say).
    pub fn open_at(address: Address, geo: Geo) -> Result<ClickHouseStore, StoreError> {
        let fail = |f: Failure| StoreError::ClickHouse { url: address.shown(), reason: f.0 };
        let entry = Server::connect(&address.endpoint, &address).map_err(fail)?;
        let shards = match &address.cluster {
            Some(c) => c.shards.iter().map(|e| Server::connect(e, &address)).collect::<Result<_, _>>().map_err(fail)?,
            None => vec![entry.clone()],
        };
        if let Some(lf) = &address.langfuse {
            let tables = langfuse::records(&address.database, lf.project.as_deref());
            let langfuse = Langfuse {
                facts: format!("({})", schema::facts_of(&tables.records, "1")),
                tables,
                traces: format!("{}.traces", address.database),
            };
            let store = ClickHouseStore { langfuse: Some(langfuse), address, entry, shards, geo };
            store.check_langfuse()?;
            return Ok(store);
        }
        let store = ClickHouseStore { address, entry, shards, geo, langfuse: None };
        store.create_schema()?;
        store.complete_commits()?;
        store.build_missing_facts()?;
        store.forget_stale_imports()?;
        Ok(store)
    }

    /// A Langfuse database is never written.
    pub(crate) fn writable(&self) -> Result<(), StoreError> {
        match self.langfuse {
            Some(_) => Err(self.fail(
                "this is a Langfuse database, which Rapport reads and never writes: import files into a \
                 Rapport store (a clickhouse:// URL without schema=langfuse, or a file)"
                    .to_owned(),
            )),
            None => Ok(()),
        }
    }

    /// Whether the store keeps each message's words (the `text` rule) in
    /// SQL, for the `text` filter and the Insights: a Langfuse database's
    /// are found in Rust from its messages' text (`words`).
    pub(crate) fn has_words(&self) -> bool {
        self.langfuse.is_none()
    }

    /// A Langfuse database holds Langfuse's three tables, else it is named as not one.
    fn check_langfuse(&self) -> Result<(), StoreError> {
        let found = self.run(
            "SELECT count() FROM system.tables WHERE database = '{db}' AND name IN ('traces', 'observations', 'scores')",
        )?;
        if found.trim() != "3" {
            return Err(self.fail(
                "schema=langfuse names a database with Langfuse's tables traces, observations and scores \
                 (its v3 ClickHouse schema), and this one lacks some of them"
                    .to_owned(),
            ));
        }
        Ok(())
    }

    /// The store as shown to people (no password).
    pub fn shown(&self) -> String {
        self.address.shown()
    }

    fn db(&self) -> &str {
        &self.address.database
    }

    pub(crate) fn fail(&self, reason: String) -> StoreError {
        StoreError::ClickHouse { url: self.address.shown(), reason }
    }

    fn failed(&self, server: &Server) -> impl Fn(Failure) -> StoreError + '_ {
        let at = server.endpoint().to_owned();
        move |f: Failure| {
            let reason = if self.shards.len() > 1 { format!("{at}: {}", f.0) } else { f.0 };
            self.fail(reason)
        }
    }

    /// Runs a statement on the entry server with the database's name filled in.
    fn run(&self, sql: &str) -> Result<String, StoreError> {
        self.entry.run(&sql.replace("{db}", self.db())).map_err(self.failed(&self.entry))
    }

    fn create_schema(&self) -> Result<(), StoreError> {
        let db = self.db().to_owned();
        let mut servers: Vec<&Server> = self.shards.iter().collect();
        if !self.shards.iter().any(|s| s.endpoint() == self.entry.endpoint()) {
            servers.push(&self.entry);
        }
        for server in servers {
            let run = |sql: &str| server.run(&sql.replace("{db}", &db)).map(|_| ()).map_err(self.failed(server));
            run("CREATE DATABASE IF NOT EXISTS {db}")?;
            let has_column = |table: &str, column: &str| -> Result<bool, StoreError> {
                let n = server
                    .run(&format!(
                        "SELECT count() FROM system.columns WHERE database = '{db}' AND table = '{table}'
                         AND name = '{column}'"
                    ))
                    .map_err(self.failed(server))?;
                Ok(n.trim() != "0")
            };
            // Facts of an older version: a view that does not read the built
            // facts, or lacks the newest column, is made again (with the
            // Distributed table over it: neither holds rows); built facts
            // without the newest columns go, with the list of the imports
            // whose facts are built, so that every committed import's facts
            // are built again (`build_missing_facts`) from the records, which
            // are kept.
            let lacks_any = |table: &str| -> Result<bool, StoreError> {
                for column in schema::NEWER_FACT_COLUMNS {
                    if !has_column(table, column)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            };
            let lacking: Vec<String> =
                schema::NEWER_FACT_COLUMNS.iter().map(|c| format!("position(create_table_query, '{c}') = 0")).collect();
            let stale_view = server
                .run(&format!(
                    "SELECT count() FROM system.tables WHERE database = '{db}' AND name = 'conversation_facts'
                     AND (position(create_table_query, '{}') = 0 OR {})",
                    schema::BUILT_FACTS,
                    lacking.join(" OR ")
                ))
                .map_err(self.failed(server))?;
            let all = "conversation_facts_all";
            let stale_all = has_column(all, "conversation_id")? && lacks_any(all)?;
            if stale_view.trim() != "0" || stale_all {
                run("DROP TABLE IF EXISTS {db}.conversation_facts_all")?;
            }
            if stale_view.trim() != "0" {
                run("DROP TABLE IF EXISTS {db}.conversation_facts")?;
            }
            let built = schema::BUILT_FACTS;
            if has_column(built, "conversation_id")? && lacks_any(built)? {
                run(&format!("DROP TABLE IF EXISTS {{db}}.{built}"))?;
                run("DROP TABLE IF EXISTS {db}.facts_import")?;
            }
            for (_, ddl) in schema::SHARDED_TABLES {
                run(ddl)?;
            }
            // A `message` table of an older version gains its new columns
            // (with their defaults), and the Distributed table over it,
            // which holds no rows, is made again with them.
            for (column, kind) in schema::ADDED_MESSAGE_COLUMNS {
                if !has_column("message", column)? {
                    run(&format!("ALTER TABLE {{db}}.message ADD COLUMN {column} {kind}"))?;
                }
                if has_column("message_all", "message_id")? && !has_column("message_all", column)? {
                    run("DROP TABLE IF EXISTS {db}.message_all")?;
                }
            }
            // Messages written without their words get them; the facts
            // built from them are then built again (`build_missing_facts`).
            if self.fill_words(server)? {
                run(&format!("DROP TABLE IF EXISTS {{db}}.{built}"))?;
                run("DROP TABLE IF EXISTS {db}.facts_import")?;
                for (_, ddl) in schema::SHARDED_TABLES.iter().filter(|(name, _)| *name == "facts_import") {
                    run(ddl)?;
                }
            }
            run(&schema::built_facts_table(&db))?;
            run(&schema::facts_view(&db))?;
        }
        for ddl in schema::ENTRY_TABLES {
            self.run(ddl)?;
        }
        if let Some(cluster) = &self.address.cluster {
            let name = &cluster.name;
            for table in Table::RECORDS.map(Table::name) {
                self.run(&format!(
                    "CREATE TABLE IF NOT EXISTS {{db}}.{table}_all AS {{db}}.{table}
                     ENGINE = Distributed({name}, {db}, {table}, cityHash64(conversation_id))"
                ))?;
            }
            self.run(&format!(
                "CREATE TABLE IF NOT EXISTS {{db}}.conversation_facts_all ({})
                 ENGINE = Distributed({name}, {db}, conversation_facts)",
                schema::FACT_COLUMNS
            ))?;
        }
        Ok(())
    }

    /// Where queries read the per-conversation facts.
    pub(crate) fn facts_table(&self) -> String {
        if let Some(langfuse) = &self.langfuse {
            return langfuse.facts.clone();
        }
        match self.address.cluster {
            Some(_) => format!("{}.conversation_facts_all", self.db()),
            None => format!("{}.conversation_facts", self.db()),
        }
    }

    /// Where a table's rows are read or inserted: through the Distributed
    /// table on a cluster.
    fn sharded(&self, table: &str) -> String {
        match self.address.cluster {
            Some(_) => format!("{}.{table}_all", self.db()),
            None => format!("{}.{table}", self.db()),
        }
    }

    pub(crate) fn insert_sharded(&self, table: Table, rows: &str) -> Result<(), StoreError> {
        let statement = format!("INSERT INTO {} FORMAT JSONEachRow", self.sharded(table.name()));
        let settings = if self.address.cluster.is_some() { SYNC_INSERTS } else { &[] };
        self.entry.insert(&statement, rows, settings).map_err(self.failed(&self.entry))
    }

    pub(crate) fn insert_entry(&self, table: &str, rows: &str) -> Result<(), StoreError> {
        let statement = format!("INSERT INTO {}.{table} FORMAT JSONEachRow", self.db());
        self.entry.insert(&statement, rows, &[]).map_err(self.failed(&self.entry))
    }

    /// The next import's id: one more than any before.
    pub(crate) fn next_import_id(&self) -> Result<u64, StoreError> {
        let text = self.run("SELECT max(import_id) + 1 FROM {db}.import_file")?;
        text.trim().parse().map_err(|_| self.fail(format!("unexpected answer {text:?}")))
    }

    /// Makes a committed import's rows count, on every shard that lacks it.
    pub(crate) fn make_visible(&self, import_id: u64) -> Result<(), StoreError> {
        let statement = format!("INSERT INTO {}.committed_import FORMAT JSONEachRow", self.db());
        for shard in &self.shards {
            let known = shard
                .run(&format!("SELECT count() FROM {}.committed_import WHERE import_id = {import_id}", self.db()))
                .map_err(self.failed(shard))?;
            if known.trim() == "0" {
                shard
                    .insert(&statement, &format!("{{\"import_id\":{import_id}}}\n"), &[])
                    .map_err(self.failed(shard))?;
            }
        }
        Ok(())
    }

    /// Builds, on every shard, the facts of the conversations these committed
    /// imports touched, from all their committed records; then notes the
    /// imports as built there. A large build goes in slices of conversations
    /// (by hash) so that each statement's memory stays bounded; the table is
    /// then merged into one part, which a dashboard reads fastest.
    pub(crate) fn build_facts(&self, imports: &[u64]) -> Result<(), StoreError> {
        if imports.is_empty() {
            return Ok(());
        }
        let db = self.db();
        let touched = schema::touched(db, imports);
        let marks: String = imports.iter().map(|id| format!("{{\"import_id\":{id}}}\n")).collect();
        for shard in &self.shards {
            let fail = self.failed(shard);
            let count = shard.run(&format!("SELECT uniqExact(conversation_id) FROM ({touched})")).map_err(&fail)?;
            let count: u64 = count.trim().parse().unwrap_or(0);
            let slices = count / FACTS_SLICE + 1;
            let version = now_us() as u64;
            for slice in 0..slices {
                let scope = if slices == 1 {
                    format!("conversation_id IN ({touched})")
                } else {
                    format!("conversation_id IN ({touched}) AND cityHash64(conversation_id) % {slices} = {slice}")
                };
                shard.run(&schema::build_facts(db, &scope, version)).map_err(&fail)?;
            }
            // One part again: a read `FINAL` of one part merges nothing
            // (at 1,000,000 conversations 0.2 s a statement instead of 1 s).
            shard.run(&format!("OPTIMIZE TABLE {db}.{} FINAL", schema::BUILT_FACTS)).map_err(&fail)?;
            shard.insert(&format!("INSERT INTO {db}.facts_import FORMAT JSONEachRow"), &marks, &[]).map_err(&fail)?;
        }
        Ok(())
    }

    /// Imports committed whose facts a shard lacks (a process killed between
    /// the commit and the build, or a store made by an older version): built now.
    fn build_missing_facts(&self) -> Result<(), StoreError> {
        let db = self.db();
        let mut missing = std::collections::BTreeSet::new();
        for shard in &self.shards {
            let ids = shard
                .run(&format!(
                    "SELECT import_id FROM {db}.committed_import
                     WHERE import_id NOT IN (SELECT import_id FROM {db}.facts_import)"
                ))
                .map_err(self.failed(shard))?;
            missing.extend(ids.lines().filter_map(|l| l.trim().parse::<u64>().ok()));
        }
        let missing: Vec<u64> = missing.into_iter().collect();
        self.build_facts(&missing)
    }

    /// Deletes an uncommitted import's rows from every shard.
    pub(crate) fn forget_import(&self, import_id: u64) -> Result<(), StoreError> {
        for shard in &self.shards {
            for table in Table::RECORDS {
                shard
                    .run(&format!("ALTER TABLE {}.{} DELETE WHERE import_id = {import_id}", self.db(), table.name()))
                    .map_err(self.failed(shard))?;
            }
        }
        Ok(())
    }

    /// Imports whose commit point was passed: each shard gets their mark.
    fn complete_commits(&self) -> Result<(), StoreError> {
        let committed = self.run("SELECT import_id FROM {db}.import_file WHERE committed = 1 ORDER BY import_id")?;
        let committed: Vec<u64> = committed.lines().filter_map(|l| l.trim().parse().ok()).collect();
        if committed.is_empty() {
            return Ok(());
        }
        for shard in &self.shards {
            let marked = shard
                .run(&format!("SELECT import_id FROM {}.committed_import", self.db()))
                .map_err(self.failed(shard))?;
            let marked: std::collections::HashSet<u64> = marked.lines().filter_map(|l| l.trim().parse().ok()).collect();
            let missing: String = committed
                .iter()
                .filter(|id| !marked.contains(id))
                .map(|id| format!("{{\"import_id\":{id}}}\n"))
                .collect();
            if !missing.is_empty() {
                let statement = format!("INSERT INTO {}.committed_import FORMAT JSONEachRow", self.db());
                shard.insert(&statement, &missing, &[]).map_err(self.failed(shard))?;
            }
        }
        Ok(())
    }

    /// Deletes the rows of imports that never committed and stopped long ago.
    fn forget_stale_imports(&self) -> Result<(), StoreError> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros() as i64)
            .unwrap_or(0);
        let stale = self.run(&format!(
            "SELECT import_id FROM {{db}}.import_file GROUP BY import_id
             HAVING max(committed) = 0 AND max(imported_at) < {}",
            now - STALE_IMPORT_US
        ))?;
        for id in stale.lines().filter_map(|l| l.trim().parse::<u64>().ok()) {
            self.forget_import(id)?;
            let row = format!(
                "{{\"import_id\":{id},\"path\":\"\",\"format\":\"\",\"bytes\":0,\"records\":0,\"rejected\":0,\"imported_at\":0,\"committed\":2}}\n"
            );
            self.insert_entry("import_file", &row)?;
        }
        Ok(())
    }

    /// What the store holds: committed records, each identity once.
    pub fn counts(&self) -> Result<Counts, StoreError> {
        let text = self.run(&format!(
            "SELECT count(), sum(length(m_ts)), sum(length(a_ts)), sum(length(f_rating)) FROM {}",
            self.facts_table()
        ))?;
        let row = tsv::rows(&text).into_iter().next().unwrap_or_default();
        let n = |i: usize| row.get(i).and_then(|v| v.parse().ok()).unwrap_or(0);
        Ok(Counts { conversations: n(0), messages: n(1), actions: n(2), feedback: n(3) })
    }

    /// A setting the app keeps (JSON text), if set.
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        if self.langfuse.is_some() {
            return Ok(None); // a Langfuse database keeps no settings of Rapport's
        }
        let text = self.run(&format!(
            "SELECT argMax(value, version) FROM {{db}}.setting WHERE key = {} HAVING count() > 0",
            tsv::quote(key)
        ))?;
        Ok(tsv::rows(&text).into_iter().next().and_then(|r| r.into_iter().next()))
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.writable()?;
        let version = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros() as u64)
            .unwrap_or(0);
        let row = serde_json::json!({ "key": key, "value": value, "version": version });
        self.insert_entry("setting", &format!("{row}\n"))
    }

    /// Every metric of the query and of the period before it; `prices` cost
    /// the messages that have tokens but no cost, per model, and `rates`
    /// convert costs given in other currencies.
    pub fn dashboard(
        &self,
        query: &crate::metrics::Query,
        settings: &crate::metrics::Settings,
        prices: &[crate::metrics::Price],
        rates: &[crate::metrics::ExchangeRate],
    ) -> Result<crate::metrics::Dashboard, StoreError> {
        metrics::dashboard(self, query, settings, prices, rates)
    }

    /// One page of the conversations behind a query or a chart cell, with
    /// how many there are, computed by the server (see `list`).
    pub fn conversations(
        &self,
        query: &crate::metrics::Query,
        settings: &crate::metrics::Settings,
        options: &crate::metrics::ListOptions,
    ) -> Result<crate::metrics::ConversationPage, StoreError> {
        list::conversations(self, query, settings, options)
    }

    /// Runs a query on the entry server and reads its `TabSeparated` rows.
    pub(crate) fn select(&self, sql: &str) -> Result<Vec<Vec<String>>, StoreError> {
        Ok(tsv::rows(&self.run(sql)?))
    }
}

impl ImportTarget for ClickHouseStore {
    fn begin_file(&mut self, path: &str, bytes: u64) -> Result<Box<dyn FileSink + '_>, StoreError> {
        self.writable()?;
        Ok(Box::new(ClickHouseFile::begin(self, path, bytes)?))
    }

    fn counts(&self) -> Result<Counts, StoreError> {
        ClickHouseStore::counts(self)
    }
}
