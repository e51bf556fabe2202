//! ClickHouse's HTTP interface: a statement in the body, its result as text.
//!
//! Plain HTTP with `JSONEachRow` and `TabSeparated`: what ClickHouse 18.16
//! and 26.x both speak, without a client library tied to one version.

use super::address::Address;
use std::time::Duration;

/// Where statements run: a server over HTTP, or chdb in this process.
#[derive(Clone)]
pub enum Server {
    Http(Http),
    InProcess(std::sync::Arc<super::chdb::Chdb>),
}

impl Server {
    /// The server of an endpoint: `http://HOST:PORT` or `chdb://DIR`.
    pub fn connect(endpoint: &str, address: &Address) -> Result<Server, Failure> {
        match endpoint.strip_prefix("chdb://") {
            Some(dir) => Ok(Server::InProcess(std::sync::Arc::new(super::chdb::Chdb::open(dir)?))),
            None => Ok(Server::Http(Http::new(endpoint, address))),
        }
    }

    pub fn endpoint(&self) -> &str {
        match self {
            Server::Http(h) => &h.endpoint,
            Server::InProcess(_) => "chdb",
        }
    }

    /// Runs one statement; returns what it printed.
    pub fn run(&self, sql: &str) -> Result<String, Failure> {
        match self {
            Server::Http(h) => h.send(sql, "", &[]),
            Server::InProcess(c) => c.run(sql),
        }
    }

    /// Runs an `INSERT ... FORMAT JSONEachRow` with its rows.
    pub fn insert(&self, statement: &str, rows: &str, settings: &[(&str, &str)]) -> Result<(), Failure> {
        match self {
            Server::Http(h) => h.send(statement, rows, settings).map(|_| ()),
            Server::InProcess(c) => c.run(&format!("{statement}\n{rows}")).map(|_| ()),
        }
    }
}

/// One ClickHouse server reached over HTTP.
#[derive(Clone)]
pub struct Http {
    agent: ureq::Agent,
    endpoint: String,
    user: Option<String>,
    password: Option<String>,
}

/// What a server said when a statement failed, or why it could not be asked.
#[derive(Debug, Clone)]
pub struct Failure(pub String);

/// A statement's settings: `insert_distributed_sync` makes an insert into a
/// Distributed table return only once every shard has its rows, so that a
/// file is complete on every shard before it is committed.
pub const SYNC_INSERTS: &[(&str, &str)] = &[("insert_distributed_sync", "1")];

/// The longest statement the server parses (its default is 256 KiB): a
/// Langfuse database's `text` filter names the conversations it keeps,
/// which at a million conversations takes megabytes.
pub const MAX_QUERY_BYTES: &str = "1073741824";

/// How long a server may stay silent, before or while answering, unless
/// `RAPPORT_CLICKHOUSE_TIMEOUT` (seconds) says otherwise: a server that
/// accepts a connection and never answers is an error, not a hang.
const SILENCE: Duration = Duration::from_secs(600);

fn silence() -> Duration {
    std::env::var("RAPPORT_CLICKHOUSE_TIMEOUT")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .filter(|&s| s > 0)
        .map_or(SILENCE, Duration::from_secs)
}

impl Http {
    pub fn new(endpoint: &str, address: &Address) -> Http {
        let silence = silence();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_per_read(Some(silence))
            .timeout_per_write(Some(silence))
            .build()
            .into();
        Http { agent, endpoint: endpoint.to_owned(), user: address.user.clone(), password: address.password.clone() }
    }

    fn send(&self, sql: &str, data: &str, settings: &[(&str, &str)]) -> Result<String, Failure> {
        let mut request = self.agent.post(&self.endpoint);
        if data.is_empty() {
            request = request.query("max_query_size", MAX_QUERY_BYTES);
            for (k, v) in settings {
                request = request.query(*k, *v);
            }
        } else {
            // The statement goes in the URL so that the body is only rows.
            request = request.query("query", sql);
            for (k, v) in settings {
                request = request.query(*k, *v);
            }
        }
        if let Some(user) = &self.user {
            request = request.header("X-ClickHouse-User", user);
        }
        if let Some(password) = &self.password {
            request = request.header("X-ClickHouse-Key", password);
        }
        let body = if data.is_empty() { sql } else { data };
        let mut response = request.send(body).map_err(|e| self.failure("no answer from", e))?;
        let status = response.status();
        let text = response
            .body_mut()
            .with_config()
            .limit(u64::MAX)
            .read_to_string()
            .map_err(|e| self.failure("cannot read the answer of", e))?;
        if status.is_success() {
            Ok(text)
        } else {
            Err(Failure(first_line(&text)))
        }
    }
}

impl Http {
    fn failure(&self, what: &str, e: ureq::Error) -> Failure {
        match e {
            ureq::Error::Timeout(_) => Failure(format!(
                "{what} {}: silent for {} s (RAPPORT_CLICKHOUSE_TIMEOUT sets how long to wait)",
                self.endpoint,
                silence().as_secs()
            )),
            e => Failure(format!("{what} {}: {e}", self.endpoint)),
        }
    }
}

/// ClickHouse's error messages carry a stack trace after the first sentence.
fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    let line = line.split(", Stack trace").next().unwrap_or(line);
    line.chars().take(600).collect()
}
