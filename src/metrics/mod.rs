//! The numbers of docs/metrics.md, as pure functions of facts and a query.
//!
//! No clock, file or store is read here (clippy.toml's disallowed methods are
//! denied in this module): [`Facts`] come in, built by a [`FactsBuilder`]
//! from rows the engine read, a [`Query`] says which instants, zone and
//! filters, and [`compute`] returns every key. [`dashboard`] adds the
//! previous period of equal length.
//!
//! - `rows`: the small rows facts are made of; `facts`: them derived from the store's rows and
//!   sorted by time ([`FactsBuilder`]); `groups`: messages folded by conversation and quarter hour;
//! - `query`: the query and its errors; `normal`: context values normalised; `clock`: local days and hours;
//! - `compute`: every key of one period; `extras`: what the dashboard shows beside them;
//! - `percentile`: nearest-rank percentiles of many values, in one pass;
//! - `headline`: the headline cards (label, unit, which way is good, the ⓘ sentence), for the report and the UI;
//! - `insights`: resolution, questions and unanswered questions; `words`: the word rule they and the `text` filter use;
//! - `topics`: the phrases that characterise a period's questions (what people ask about);
//! - `explore`: the conversations behind a number;
//! - `delta`: facts brought up to date after an import as a second, small run beside the first;
//! - `packed`: facts as bytes, kept beside the store and read back without rebuilding them;
//! - `scratch`: room a dashboard needs afresh each time, kept for the next one;
//! - `filter_columns`: the names the filters test, a column per key, kept for the next dashboard.
#![deny(clippy::disallowed_methods)]

mod clock;
mod column;
mod compute;
pub mod delta;
mod explore;
mod extras;
mod facts;
mod filter_columns;
mod groups;
mod headline;
mod insights;
pub mod normal;
mod packed;
mod percentile;
mod query;
mod response;
mod rows;
mod scratch;
mod topics;
pub mod words;

pub use clock::{date_of, day_in_zone, LocalClock};
pub use column::{Backing, Column, Names};
pub use compute::{
    compute, dashboard, DailyRow, Dashboard, FeedbackCounts, LeftOutCost, Metrics, ModelUsage, TokenUsage, ToolRow,
};
pub use explore::{list, ConversationPage, ConversationRow, Drill, ListOptions, SortKey};
pub use extras::{commented_feedback, dashboard_view, Comment, DashboardExtras};
pub(crate) use extras::{in_usage_order, LATEST_COMMENTS};
pub use facts::{ExchangeRate, Facts, FactsBuilder, Interner, Price, NO_CONVERSATION};
pub use headline::{Better, HeadlineCard, Unit, HEADLINE_CARDS};
pub use insights::{
    InsightFacts, Insights, InsightsBuilder, MaybeInsights, UnansweredText, DEFAULT_FALLBACK_PHRASES, TOP_UNANSWERED,
};
pub use normal::FilterKey;
pub use packed::PACKED_LAYOUT;
pub use query::{Filters, Query, QueryError, QueryText, Settings, TextMatches, DEFAULT_ESCALATION_TOOLS};
pub use response::ModelResponseTime;
pub use topics::{
    choose, is_phrase, phrases, runs, score, sort_scored, stop_words, Scored, Topic, TopicCounts, TopicIndex,
    TopicIndexBuilder, TopicScope, MIN_MESSAGES, SAME_THING, TOPICS, TOPIC_INDEX_FORMAT,
};
