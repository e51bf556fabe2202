//! The conversations screen: the list behind the current query or a chart cell.

use crate::error::Result;
use crate::state::AppState;
use rapport::engine::SearchHit;
use rapport::metrics::{ConversationPage, Drill, ListOptions, QueryText, SortKey};
use serde::Deserialize;
use tauri::State;

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Sort {
    pub key: SortKey,
    pub desc: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ConversationsRequest {
    pub query: QueryText,
    pub drill: Option<Drill>,
    #[serde(default)]
    pub search: String,
    pub sort: Sort,
    pub offset: usize,
    pub limit: usize,
}

/// The most rows one call returns: the list fetches pages as it scrolls.
const MAX_PAGE: usize = 1000;

pub fn list_conversations(state: &AppState, request: &ConversationsRequest) -> Result<ConversationPage> {
    let query = request.query.to_query()?;
    let options = ListOptions {
        drill: request.drill.as_ref(),
        search: &request.search,
        content_matches: None,
        sort: request.sort.key,
        descending: request.sort.desc,
        offset: request.offset,
        limit: request.limit.min(MAX_PAGE),
    };
    Ok(state.engine()?.conversations(&query, &options)?)
}

#[tauri::command]
pub async fn conversations(state: State<'_, AppState>, request: ConversationsRequest) -> Result<ConversationPage> {
    let _step = crate::trace::step(|| "command conversations".to_owned());
    list_conversations(&state, &request)
}

/// The most conversations a full-text search shows with their snippets.
const MAX_HITS: usize = 50;

/// The newest conversations of the query that say `phrase` (the `text`
/// rule), each with the stretch of its first message that says it.
pub fn search_phrase(state: &AppState, query: &QueryText, phrase: &str) -> Result<Vec<SearchHit>> {
    let query = query.to_query()?;
    Ok(state.engine()?.search(&query, phrase, MAX_HITS)?)
}

#[tauri::command]
pub async fn search(state: State<'_, AppState>, query: QueryText, phrase: String) -> Result<Vec<SearchHit>> {
    search_phrase(&state, &query, &phrase)
}
