//! Errors as the UI receives them: `{code, message}`. A code exists only
//! where the UI acts on it; the full error is logged here first.

use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AppError {
    /// `query` (the UI shows it by the period or filter controls),
    /// `not_found` (a conversation that is gone), `busy` (an import is running),
    /// `store_unreachable` (the chosen ClickHouse server could not be reached
    /// when the app started: the window offers to switch), `store_upgrading`
    /// (this computer's store, written by an older Rapport, is being brought
    /// up to date: the window says so and asks again), `store_upgrade_failed`
    /// (that failed, and why), `store` (a store
    /// chosen in the Settings could not be opened), `superseded` (topics of
    /// a query the window has moved on from: it shows only the last), otherwise `engine`.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub code: &'static str,
    pub message: String,
}

impl AppError {
    pub fn new(code: &'static str, message: impl Into<String>) -> AppError {
        AppError { code, message: message.into() }
    }
}

impl From<rapport::engine::Error> for AppError {
    fn from(e: rapport::engine::Error) -> AppError {
        use rapport::engine::Error;
        log::error!("{e:?}");
        let code = match &e {
            Error::Query(_) => "query",
            Error::NoSuchConversation(_) => "not_found",
            _ => "engine",
        };
        AppError::new(code, e.to_string())
    }
}

impl From<rapport::metrics::QueryError> for AppError {
    fn from(e: rapport::metrics::QueryError) -> AppError {
        AppError::new("query", e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, AppError>;
