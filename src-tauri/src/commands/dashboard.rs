//! The dashboard screen: every number of a query, and the zones to choose from.

use crate::error::{AppError, Result};
use crate::state::AppState;
use rapport::engine::{DashboardView, TopicsAsked};
use rapport::metrics::{QueryText, Topic};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tauri::State;

pub fn load_dashboard(state: &AppState, query: &QueryText) -> Result<DashboardView> {
    let query = query.to_query()?;
    Ok(state.engine()?.dashboard_view(&query)?)
}

/// What people ask about in the query's period, counted here and now (the
/// `topics` command counts them away from the engine).
pub fn load_topics(state: &AppState, query: &QueryText) -> Result<Vec<Topic>> {
    let query = query.to_query()?;
    Ok(state.engine()?.topics(&query)?)
}

/// What people ask about in the query's period (its own card, loaded
/// after the numbers). The topic index, when the store changed since it
/// was built, is built on a thread and connection of its own (one build at
/// a time), so that the dashboard, imports and lists go on meanwhile; then
/// the topics are counted from it, away from the engine too.
#[tauri::command]
pub async fn topics(state: State<'_, AppState>, query: QueryText) -> Result<Vec<Topic>> {
    let _step = crate::trace::step(|| "command topics".to_owned());
    let asked = state.topics_asked.fetch_add(1, Ordering::SeqCst) + 1;
    // The card asks again at each new query and shows only the answer to
    // the last: the questions asked before it (while an index was built,
    // filters clicked one after another) are not worked out under the
    // engine, which the dashboard and an import's update are waiting for.
    let superseded = || {
        (state.topics_asked.load(Ordering::SeqCst) != asked)
            .then(|| AppError::new("superseded", "topics of another query were asked since"))
    };
    let _one_build = state.topic_builds.lock().await;
    if let Some(e) = superseded() {
        return Err(e);
    }
    let job = state.engine()?.topic_index_job()?;
    if let Some(job) = job {
        let built = behind_the_window("finding topics", move || {
            let _step = crate::trace::step(|| "topic index built".to_owned());
            job.build()
        })
        .await??;
        state.engine()?.install_topic_index(built)?;
    }
    if let Some(e) = superseded() {
        return Err(e);
    }
    // Counted without the engine, which the next dashboard (a filter
    // clicked meanwhile) takes at once, and given up once another question
    // about topics is asked.
    let count = match state.engine()?.topics_asked(&query.to_query()?)? {
        TopicsAsked::Ready(topics) => return Ok(topics),
        TopicsAsked::Count(count) => count,
    };
    let latest = Arc::clone(&state.topics_asked);
    let counted =
        behind_the_window("counting topics", move || count.count(&|| latest.load(Ordering::SeqCst) != asked)).await?;
    counted.ok_or_else(|| AppError::new("superseded", "topics of another query were asked since"))
}

/// Runs `work` on a thread of its own at the lowest priority (a pool's
/// thread would stay behind the window for other work), and waits for it
/// without holding an async worker; `doing` says what stopped if it could
/// not run or panicked.
async fn behind_the_window<T: Send + 'static>(
    doing: &'static str,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    let stopped = move |e: &dyn std::fmt::Display| AppError::new("engine", format!("{doing} stopped: {e}"));
    tauri::async_runtime::spawn_blocking(move || {
        std::thread::Builder::new()
            .name("rapport-topics".into())
            .spawn(move || {
                rapport::engine::behind_the_window();
                work()
            })
            .map_err(|e| stopped(&e))?
            .join()
            .map_err(|_| stopped(&"its thread panicked"))
    })
    .await
    .map_err(|e| stopped(&e))?
}

/// Every IANA zone name, for the zone picker.
pub fn zone_names() -> Vec<&'static str> {
    chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect()
}

#[tauri::command]
pub async fn dashboard(state: State<'_, AppState>, query: QueryText) -> Result<DashboardView> {
    let _step = crate::trace::step(|| "command dashboard".to_owned());
    load_dashboard(&state, &query)
}

#[tauri::command]
pub async fn time_zones() -> Result<Vec<&'static str>> {
    Ok(zone_names())
}
