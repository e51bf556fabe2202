//! `clickhouse://[USER[:PASSWORD]@]HOST:PORT/DATABASE[?cluster=NAME&shards=HOST:PORT,HOST:PORT]`
//!
//! `?schema=langfuse` (and `&project=ID` for one project) reads the database
//! of a self-hosted Langfuse instead, read-only (see `langfuse`).
//!
//! HOST:PORT is the server's HTTP interface. On a cluster, `cluster` names
//! the `<remote_servers>` entry the Distributed tables use and `shards` lists
//! the HTTP interface of each shard (the first being HOST:PORT or another),
//! where Rapport creates its tables: ClickHouse without ZooKeeper cannot
//! create a table on another server itself.

use super::super::StoreError;

/// Where a ClickHouse store is, parsed from its URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// `http://HOST:PORT`, the server every query goes to.
    pub endpoint: String,
    pub database: String,
    pub user: Option<String>,
    pub password: Option<String>,
    pub cluster: Option<Cluster>,
    /// `schema=langfuse`: a Langfuse database, read-only.
    pub langfuse: Option<LangfuseDb>,
}

/// A Langfuse database: of one project (`project=ID`) or of all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LangfuseDb {
    pub project: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    pub name: String,
    /// `http://HOST:PORT` of each shard.
    pub shards: Vec<String>,
}

pub const SCHEME: &str = "clickhouse://";

/// ClickHouse in this process (chdb, for tests): `chdb://DIR/DATABASE`.
pub const IN_PROCESS: &str = "chdb://";

/// True when `--db` names a ClickHouse store rather than an SQLite file.
pub fn is_clickhouse(db: &str) -> bool {
    let db = db.trim().to_ascii_lowercase();
    db.starts_with(SCHEME) || db.starts_with(IN_PROCESS)
}

impl Address {
    /// Parses the URL; user and password default to `RAPPORT_CLICKHOUSE_USER`
    /// and `RAPPORT_CLICKHOUSE_PASSWORD`.
    pub fn parse(url: &str) -> Result<Address, StoreError> {
        let bad = |why: &str| StoreError::ClickHouse { url: redact(url), reason: why.to_owned() };
        let url = url.trim();
        if let Some(rest) = url.strip_prefix(IN_PROCESS) {
            let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
            let (dir, database) = rest.rsplit_once('/').ok_or_else(|| bad("write chdb://DIR/DATABASE"))?;
            if database.is_empty() || !database.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(bad("the database name may hold only letters, digits and _"));
            }
            let mut langfuse = None;
            let mut project = None;
            for pair in query.split('&').filter(|p| !p.is_empty()) {
                match pair.split_once('=') {
                    Some(("schema", "langfuse")) => langfuse = Some(LangfuseDb { project: None }),
                    Some(("project", id)) if !id.is_empty() => project = Some(id.to_owned()),
                    _ => {
                        return Err(bad(&format!(
                            "unknown option {pair:?}: the options of chdb:// are schema=langfuse and project=ID"
                        )))
                    }
                }
            }
            let langfuse = langfuse_of(langfuse, project).map_err(bad)?;
            return Ok(Address {
                endpoint: format!("{IN_PROCESS}{dir}"),
                database: database.to_owned(),
                user: None,
                password: None,
                cluster: None,
                langfuse,
            });
        }
        if !url.starts_with(SCHEME) {
            return Err(bad("a ClickHouse store is written clickhouse://HOST:PORT/DATABASE"));
        }
        let rest = &url[SCHEME.len()..];
        let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (authority, database) =
            rest.split_once('/').ok_or_else(|| bad("the URL names no database: clickhouse://HOST:PORT/DATABASE"))?;
        let (credentials, host) = match authority.rsplit_once('@') {
            Some((c, h)) => (Some(c), h),
            None => (None, authority),
        };
        if host.is_empty() || !host.contains(':') {
            return Err(bad("give the server's HTTP port: clickhouse://HOST:PORT/DATABASE (8123 by default)"));
        }
        let database = database.trim_end_matches('/');
        if database.is_empty() || !database.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(bad("the database name may hold only letters, digits and _"));
        }
        let (mut user, mut password) = match credentials {
            Some(c) => match c.split_once(':') {
                Some((u, p)) => (Some(u.to_owned()), Some(p.to_owned())),
                None => (Some(c.to_owned()), None),
            },
            None => (None, None),
        };
        if user.is_none() {
            user = std::env::var("RAPPORT_CLICKHOUSE_USER").ok().filter(|u| !u.is_empty());
        }
        if password.is_none() {
            password = std::env::var("RAPPORT_CLICKHOUSE_PASSWORD").ok().filter(|p| !p.is_empty());
        }
        let mut cluster_name = None;
        let mut shards = Vec::new();
        let mut langfuse = None;
        let mut project = None;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some(("schema", "langfuse")) => langfuse = Some(LangfuseDb { project: None }),
                Some(("project", id)) if !id.is_empty() => project = Some(id.to_owned()),
                Some(("cluster", name)) if !name.is_empty() => cluster_name = Some(name.to_owned()),
                Some(("shards", list)) => {
                    shards = list.split(',').filter(|s| !s.is_empty()).map(|s| format!("http://{s}")).collect()
                }
                _ => {
                    return Err(bad(&format!(
                        "unknown option {pair:?}: the options are cluster=NAME, shards=HOST:PORT,..., schema=langfuse and project=ID"
                    )))
                }
            }
        }
        let cluster = match (cluster_name, shards.is_empty()) {
            (Some(name), false) => Some(Cluster { name, shards }),
            (None, true) => None,
            _ => return Err(bad("a cluster needs both cluster=NAME and shards=HOST:PORT,HOST:PORT")),
        };
        let langfuse = langfuse_of(langfuse, project).map_err(bad)?;
        if langfuse.is_some() && cluster.is_some() {
            return Err(bad("a Langfuse database is read through one server: leave out cluster and shards"));
        }
        Ok(Address {
            endpoint: format!("http://{host}"),
            database: database.to_owned(),
            user,
            password,
            cluster,
            langfuse,
        })
    }

    /// The URL as shown to people: without its password.
    pub fn shown(&self) -> String {
        let user = self.user.as_ref().map_or(String::new(), |u| format!("{u}@"));
        if self.endpoint.starts_with(IN_PROCESS) {
            let langfuse = if self.langfuse.is_some() { " (Langfuse)" } else { "" };
            return format!("{}/{}{langfuse}", self.endpoint, self.database);
        }
        let host = self.endpoint.trim_start_matches("http://");
        let cluster = self.cluster.as_ref().map_or(String::new(), |c| format!(" (cluster {})", c.name));
        let langfuse = match &self.langfuse {
            Some(LangfuseDb { project: Some(p) }) => format!(" (Langfuse, project {p})"),
            Some(LangfuseDb { project: None }) => " (Langfuse)".to_owned(),
            None => String::new(),
        };
        format!("{SCHEME}{user}{host}/{}{cluster}{langfuse}", self.database)
    }
}

/// The Langfuse database named by `schema=langfuse` and `project=ID`.
fn langfuse_of(langfuse: Option<LangfuseDb>, project: Option<String>) -> Result<Option<LangfuseDb>, &'static str> {
    match (langfuse, project) {
        (Some(_), project) => Ok(Some(LangfuseDb { project })),
        (None, Some(_)) => Err("project=ID chooses a project of a Langfuse database: add schema=langfuse"),
        (None, None) => Ok(None),
    }
}

/// A URL with its password, if any, replaced.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_url_names_one_server_and_its_database() {
        let a = Address::parse("clickhouse://alice:secret@10.0.0.5:8123/rapport").unwrap();
        assert_eq!(a.endpoint, "http://10.0.0.5:8123");
        assert_eq!(a.database, "rapport");
        assert_eq!(a.user.as_deref(), Some("alice"));
        assert_eq!(a.password.as_deref(), Some("secret"));
        assert_eq!(a.shown(), "clickhouse://alice@10.0.0.5:8123/rapport", "the password is never shown");
    }

    #[test]
    fn a_cluster_names_its_shards() {
        let a = Address::parse("clickhouse://127.0.0.1:18123/db?cluster=two&shards=127.0.0.1:18123,127.0.0.1:18124")
            .unwrap();
        let c = a.cluster.expect("a cluster");
        assert_eq!(c.name, "two");
        assert_eq!(c.shards, vec!["http://127.0.0.1:18123", "http://127.0.0.1:18124"]);
    }

    #[test]
    fn schema_langfuse_names_a_langfuse_database_and_maybe_a_project() {
        let a = Address::parse("clickhouse://10.0.0.5:8123/default?schema=langfuse&project=p1").unwrap();
        assert_eq!(a.langfuse, Some(LangfuseDb { project: Some("p1".into()) }));
        assert_eq!(a.shown(), "clickhouse://10.0.0.5:8123/default (Langfuse, project p1)");
        let a = Address::parse("chdb:///tmp/x/langfuse?schema=langfuse").unwrap();
        assert_eq!((a.database.as_str(), a.langfuse), ("langfuse", Some(LangfuseDb { project: None })));
        assert!(Address::parse("clickhouse://127.0.0.1:1/default?schema=langfuse").unwrap().cluster.is_none());
    }

    #[test]
    fn urls_without_port_or_database_are_refused_with_the_reason() {
        assert!(Address::parse("clickhouse://localhost/db").is_err(), "no port");
        assert!(Address::parse("clickhouse://localhost:8123/").is_err(), "no database");
        assert!(Address::parse("clickhouse://localhost:8123/a-b").is_err(), "a name ClickHouse would need quoted");
        assert!(Address::parse("clickhouse://h:1/db?project=p").is_err(), "a project without schema=langfuse");
        let e = Address::parse("clickhouse://u:pw@h:1/db?cluster=x").unwrap_err().to_string();
        assert!(!e.contains("pw"), "the password stays out of messages: {e}");
    }
}
