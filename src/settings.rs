//! What a person sets in the app, kept in the store so that it travels with
//! it (one store per client keeps that client's prices and hand-over tools).

use crate::metrics::{
    HeadlineCard, Price, Settings, DEFAULT_ESCALATION_TOOLS, DEFAULT_FALLBACK_PHRASES, HEADLINE_CARDS,
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

#[cfg(test)]
mod tests {
    use super::*;

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
