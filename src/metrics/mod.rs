//! The numbers of spec/METRICS.md, as pure functions of facts and a query.
//!
//! No clock is read and nothing is stored here: [`Facts`] come in, a
//! [`Query`] says which instants, zone and filters, and [`compute`] returns
//! every key. [`dashboard`] adds the previous period of equal length.

mod clock;
mod compute;
mod explore;
mod extras;
mod facts;
mod groups;
mod insights;
pub mod normal;
mod query;
pub mod words;

pub use clock::{date_of, day_in_zone, LocalClock};
pub use compute::{compute, dashboard, DailyRow, Dashboard, FeedbackCounts, Metrics, TokenUsage, ToolRow};
pub use explore::{list, ConversationPage, ConversationRow, Drill, ListOptions, SortKey};
pub use extras::{dashboard_view, Comment, DashboardExtras, ModelUsage};
pub use facts::{Facts, Interner, Price};
pub use insights::{InsightFacts, Insights, InsightsBuilder, UnansweredText, DEFAULT_FALLBACK_PHRASES, TOP_UNANSWERED};
pub use normal::FilterKey;
pub use query::{Filters, Query, QueryError, QuerySpec, Settings, DEFAULT_ESCALATION_TOOLS};
