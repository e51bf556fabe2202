//! A connection tested without changing anything: the app's "Test
//! connection" asks whether the server answers, whether the database is
//! there and what it holds, before any database or table is created.

use super::address::Address;
use super::http::{Failure, Server};
use super::tsv;
use crate::store::StoreError;

/// What a ClickHouse server said when asked, read only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// `SELECT version()`: 18.16.1, 26.7.3.1...
    pub version: String,
    pub database: String,
    pub holds: Holds,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holds {
    /// No database of that name: opening the store creates it.
    NoDatabase,
    /// The database is there without Rapport's tables: opening creates them.
    NoTables,
    /// A Rapport store: its committed conversations.
    Conversations(u64),
}

/// Asks the server of `address` (and each shard of a cluster) without
/// creating anything. An error carries the server's own reason.
pub fn probe(address: &Address) -> Result<Probe, StoreError> {
    let fail = |f: Failure| StoreError::ClickHouse { url: address.shown(), reason: f.0 };
    let entry = Server::connect(&address.endpoint, address).map_err(fail)?;
    let version = entry.run("SELECT version()").map_err(fail)?.trim().to_owned();
    if let Some(cluster) = &address.cluster {
        for shard in &cluster.shards {
            Server::connect(shard, address)
                .and_then(|s| s.run("SELECT 1"))
                .map_err(|f| StoreError::ClickHouse { url: address.shown(), reason: format!("{shard}: {}", f.0) })?;
        }
    }
    let db = tsv::quote(&address.database);
    let count = |sql: String| -> Result<u64, StoreError> {
        let text = entry.run(&sql).map_err(fail)?;
        text.trim()
            .parse()
            .map_err(|_| StoreError::ClickHouse { url: address.shown(), reason: format!("unexpected answer {text:?}") })
    };
    let database = address.database.clone();
    if count(format!("SELECT count() FROM system.databases WHERE name = {db}"))? == 0 {
        return Ok(Probe { version, database, holds: Holds::NoDatabase });
    }
    if let Some(lf) = &address.langfuse {
        // A Langfuse database: its tables are Langfuse's, never created here.
        let tables = "name IN ('traces', 'observations', 'scores')";
        if count(format!("SELECT count() FROM system.tables WHERE database = {db} AND {tables}"))? != 3 {
            return Err(StoreError::ClickHouse {
                url: address.shown(),
                reason: "schema=langfuse names a database with Langfuse's tables traces, observations and scores, \
                         and this one lacks some of them"
                    .to_owned(),
            });
        }
        let project = lf.project.as_deref().map_or(String::new(), |p| format!(" AND project_id = {}", tsv::quote(p)));
        let conversations = count(format!(
            "SELECT uniqExact(if(isNotNull(session_id) AND session_id != '', session_id, id))
             FROM {}.traces FINAL WHERE is_deleted = 0{project}",
            address.database
        ))?;
        return Ok(Probe { version, database, holds: Holds::Conversations(conversations) });
    }
    let facts = if address.cluster.is_some() { "conversation_facts_all" } else { "conversation_facts" };
    if count(format!("SELECT count() FROM system.tables WHERE database = {db} AND name = '{facts}'"))? == 0 {
        return Ok(Probe { version, database, holds: Holds::NoTables });
    }
    let conversations = count(format!("SELECT count() FROM {}.{facts}", address.database))?;
    Ok(Probe { version, database, holds: Holds::Conversations(conversations) })
}
