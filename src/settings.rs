//! What a person sets in the app, kept in the store so that it travels with
//! it (one store per client keeps that client's prices and hand-over tools).

use crate::metrics::{Price, Settings, DEFAULT_ESCALATION_TOOLS, DEFAULT_FALLBACK_PHRASES};
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
    pub theme: Theme,
}

impl Default for AppSettings {
    fn default() -> AppSettings {
        AppSettings {
            default_zone: None,
            escalation_tools: DEFAULT_ESCALATION_TOOLS.iter().map(|s| s.to_string()).collect(),
            fallback_phrases: DEFAULT_FALLBACK_PHRASES.iter().map(|s| s.to_string()).collect(),
            geo_database: None,
            prices: Vec::new(),
            theme: Theme::System,
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
