//! What a person sets in the app, kept in the store so that it travels with
//! it (one store per client keeps that client's prices and hand-over tools).

use crate::metrics::{
    ExchangeRate, HeadlineCard, Price, Settings, DEFAULT_ESCALATION_TOOLS, DEFAULT_FALLBACK_PHRASES, HEADLINE_CARDS,
};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    Light,
    Dark,
    #[default]
    System,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(default)]
pub struct AppSettings {
    /// The display zone the dashboard opens with; `None`: the computer's.
    pub default_zone: Option<String>,
    /// Tool names that hand a conversation to a human.
    pub escalation_tools: Vec<String>,
    /// Agent answers that admit not knowing (docs/metrics.md, Insights).
    pub fallback_phrases: Vec<String>,
    /// Another GeoIP database (.mmdb) instead of the bundled one.
    pub geo_database: Option<PathBuf>,
    /// Prices per model for files that carry tokens but no cost.
    pub prices: Vec<Price>,
    /// US dollars per unit of other currencies, for costs a file gave in
    /// them (Dify's RMB): converted and counted; without a rate they are
    /// left out of the cost and the dashboard says so.
    pub exchange_rates: Vec<ExchangeRate>,
    pub theme: Theme,
    /// Dashboard queries kept under a name, to open again from a list.
    pub views: Vec<SavedView>,
    /// The headline cards as the person arranged them; reports follow it.
    pub layout: CardLayout,
}

/// A dashboard query kept under a name. The query is the UI's own value as
/// it writes it (a period such as "Last 28 days" stays relative): the engine
/// keeps it, the UI reads it back and checks every field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SavedView {
    pub name: String,
    pub query: String,
}

/// Which headline cards show, in which order: the keys of `order` first as
/// listed, then every other card in its usual place; `hidden` ones left out.
/// Keys that name no card are ignored, so a layout outlives a renamed card,
/// and a card added later shows up until it is hidden.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(default)]
pub struct CardLayout {
    pub order: Vec<String>,
    pub hidden: Vec<String>,
}

impl CardLayout {
    /// The cards to show, in the person's order.
    pub fn arrange(&self) -> Vec<&'static HeadlineCard> {
        let known = |key: &String| HEADLINE_CARDS.iter().find(|c| c.key == key.as_str());
        let mut cards: Vec<&'static HeadlineCard> = Vec::with_capacity(HEADLINE_CARDS.len());
        for card in self.order.iter().filter_map(known).chain(HEADLINE_CARDS.iter()) {
            if !cards.iter().any(|c| c.key == card.key) && !self.hidden.iter().any(|h| h == card.key) {
                cards.push(card);
            }
        }
        cards
    }
}

impl Default for AppSettings {
    fn default() -> AppSettings {
        AppSettings {
            default_zone: None,
            escalation_tools: DEFAULT_ESCALATION_TOOLS.iter().map(|s| s.to_string()).collect(),
            fallback_phrases: DEFAULT_FALLBACK_PHRASES.iter().map(|s| s.to_string()).collect(),
            geo_database: None,
            prices: Vec::new(),
            exchange_rates: Vec::new(),
            theme: Theme::System,
            views: Vec::new(),
            layout: CardLayout::default(),
        }
    }
}

impl AppSettings {
    /// The part of the settings that changes the numbers.
    pub fn metric_settings(&self) -> Settings {
        Settings { escalation_tools: self.escalation_tools.clone(), fallback_phrases: self.fallback_phrases.clone() }
    }
}

/// The key the settings are kept under in the store.
pub const KEY: &str = "app";

/// Which store the desktop app opens, as chosen in its Settings ("Data
/// store"): the SQLite store on this computer, or a ClickHouse server.
///
/// It cannot live in a store (it says which store to open): it is kept in
/// [`DataStoreChoice::FILE`] beside the default store, in the per-user data
/// folder that stays on this machine, readable by its owner only (`0600` on
/// Unix, in a folder Rapport makes `0700`). The password is kept there as
/// given, since ClickHouse's HTTP interface needs it as such; the app never
/// shows it back. Leaving it empty uses `RAPPORT_CLICKHOUSE_PASSWORD` instead.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct DataStoreChoice {
    pub kind: DataStoreKind,
    /// `clickhouse://HOST:PORT/DATABASE`, kept when this computer is chosen
    /// again, so that switching back needs no typing.
    pub url: String,
    pub user: Option<String>,
    /// Only while the ClickHouse server is the store in use.
    pub password: Option<String>,
}

/// Written into logs without the password.
impl std::fmt::Debug for DataStoreChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataStoreChoice")
            .field("kind", &self.kind)
            .field("url", &self.url)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum DataStoreKind {
    /// The SQLite store on this computer.
    #[default]
    ThisComputer,
    #[serde(rename = "clickhouse")]
    ClickHouse,
}

impl DataStoreChoice {
    /// The file the choice is kept in, in the per-user data folder.
    pub const FILE: &'static str = "data-store.json";

    /// Where the choice is kept: beside the default store.
    pub fn default_file() -> PathBuf {
        crate::store::default_store_path().with_file_name(Self::FILE)
    }

    /// This computer's store, remembering the ClickHouse server's address
    /// and user (not its password) for the next switch.
    pub fn this_computer(&self) -> DataStoreChoice {
        DataStoreChoice { kind: DataStoreKind::ThisComputer, password: None, ..self.clone() }
    }

    /// The choice kept at `file`; none kept yet is this computer. A file
    /// that cannot be read or is not a choice is an error naming it.
    pub fn load(file: &std::path::Path) -> Result<DataStoreChoice, String> {
        let text = match std::fs::read_to_string(file) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(DataStoreChoice::default()),
            Err(e) => return Err(format!("cannot read {}: {e}", file.display())),
        };
        serde_json::from_str(&text).map_err(|e| format!("{} is not a data store choice: {e}", file.display()))
    }

    /// Keeps the choice at `file`, readable by its owner only, replacing the
    /// one before at once (a half-written file is never read).
    pub fn save(&self, file: &std::path::Path) -> Result<(), String> {
        let fail = |e: std::io::Error| format!("cannot keep the data store choice in {}: {e}", file.display());
        if let Some(folder) = file.parent().filter(|f| !f.as_os_str().is_empty()) {
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(folder).map_err(fail)?;
        }
        let json = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        let partial = file.with_extension("json.partial");
        let _ = std::fs::remove_file(&partial);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let written = options.open(&partial).and_then(|mut f| {
            use std::io::Write;
            f.write_all(json.as_bytes())?;
            f.sync_all()
        });
        written.and_then(|()| std::fs::rename(&partial, file)).map_err(|e| {
            let _ = std::fs::remove_file(&partial);
            fail(e)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clickhouse() -> DataStoreChoice {
        DataStoreChoice {
            kind: DataStoreKind::ClickHouse,
            url: "clickhouse://10.0.0.5:8123/rapport".into(),
            user: Some("ana".into()),
            password: Some("s3cret".into()),
        }
    }

    #[test]
    fn the_password_stays_out_of_logs() {
        let logged = format!("{:?}", clickhouse());
        assert!(!logged.contains("s3cret") && logged.contains("***"), "{logged}");
    }

    #[test]
    fn no_choice_kept_is_this_computer() {
        let dir = tempfile::tempdir().unwrap();
        let choice = DataStoreChoice::load(&dir.path().join(DataStoreChoice::FILE)).unwrap();
        assert_eq!(choice.kind, DataStoreKind::ThisComputer);
    }

    #[test]
    fn a_kept_choice_reads_back_the_same_and_only_its_owner_may_read_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("new folder").join(DataStoreChoice::FILE);
        clickhouse().save(&file).unwrap();
        assert_eq!(DataStoreChoice::load(&file).unwrap(), clickhouse());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
            assert_eq!(std::fs::metadata(file.parent().unwrap()).unwrap().permissions().mode() & 0o777, 0o700);
        }
        let mut other = clickhouse();
        other.url = "clickhouse://10.0.0.6:8123/other".into();
        other.save(&file).unwrap();
        assert_eq!(DataStoreChoice::load(&file).unwrap(), other, "a new choice replaces the one before");
    }

    #[test]
    fn choosing_this_computer_forgets_the_password_and_keeps_the_address() {
        let back = clickhouse().this_computer();
        assert_eq!(back.kind, DataStoreKind::ThisComputer);
        assert_eq!(back.password, None);
        assert_eq!(back.url, clickhouse().url);
        assert_eq!(back.user, clickhouse().user);
    }

    #[test]
    fn a_file_that_is_no_choice_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(DataStoreChoice::FILE);
        std::fs::write(&file, "{\"kind\": \"floppy\"}").unwrap();
        let e = DataStoreChoice::load(&file).unwrap_err();
        assert!(e.contains(DataStoreChoice::FILE) && e.contains("floppy"), "{e}");
    }

    fn keys(layout: &CardLayout) -> Vec<&'static str> {
        layout.arrange().iter().map(|c| c.key).collect()
    }

    #[test]
    fn a_layout_orders_named_cards_first_and_leaves_out_hidden_ones() {
        let all: Vec<&str> = HEADLINE_CARDS.iter().map(|c| c.key).collect();
        assert_eq!(keys(&CardLayout::default()), all);
        let last = all[all.len() - 1].to_owned();
        let layout = CardLayout { order: vec![last.clone(), "no_such_card".into()], hidden: vec![all[0].to_owned()] };
        let arranged = keys(&layout);
        assert_eq!(arranged[0], last, "a named card comes first");
        assert!(!arranged.contains(&all[0]), "a hidden card is left out");
        assert_eq!(arranged.len(), all.len() - 1, "every other card once, unknown keys ignored");
        assert_eq!(&arranged[1..], &all[1..all.len() - 1], "the others keep their usual order");
    }
}
