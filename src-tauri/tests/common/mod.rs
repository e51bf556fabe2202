//! Shared by the desktop crate's tests: the query the window sends.

use rapport::metrics::QueryText;
use std::collections::BTreeMap;

/// October 2026 up to the 29th in Europe/Berlin, against the period before,
/// with these filters (a key given twice keeps both values).
pub fn month(filters: &[(&str, &str)]) -> QueryText {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in filters {
        map.entry(k.to_string()).or_default().push(v.to_string());
    }
    QueryText {
        from: "2026-10-01T00:00:00Z".into(),
        to: "2026-10-29T00:00:00Z".into(),
        tz: "Europe/Berlin".into(),
        filters: map,
        segment: None,
        compare: true,
    }
}
