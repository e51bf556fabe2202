//! The store keeps a message's cost as a whole number of 10^-10 dollars
//! where that is exact, and its time from 2026-01-01 (schema 9): whatever
//! the cost and the time, they read back as the very numbers given.

mod common;
use common::*;
use rapport::store::Store;

#[test]
fn every_cost_and_time_reads_back_bit_for_bit() {
    let ws = Workspace::new();
    let costs: [f64; 10] = [
        0.0004131,
        0.1 + 0.2,
        1e-12,
        123_456.789,
        0.0,
        3.0,
        1e-10 / 3.0,
        900_719.925_474_099_3,
        999_999.999_999_999_9,
        f64::MIN_POSITIVE,
    ];
    let times = [
        "1970-01-01T00:00:00.000001Z",
        "2026-01-01T00:00:00Z",
        "2021-06-01T12:00:00.123456Z",
        "2030-07-01T00:00:00.999999Z",
        "2199-12-31T23:59:59.999999Z",
    ];
    let mut lines = String::new();
    for (i, cost) in costs.iter().enumerate() {
        let time = times[i % times.len()];
        lines.push_str(
            &serde_json::json!({"type": "message", "conversation_id": "c", "message_id": format!("m{i}"),
                "role": "agent", "timestamp": time, "content": "ok", "cost": cost})
            .to_string(),
        );
        lines.push('\n');
    }
    let file = ws.file("costs.jsonl", lines);
    let report = ws.import(std::slice::from_ref(&file));
    assert_eq!(report.rejected, 0, "{report:?}");

    let read = || {
        let store = Store::open(&ws.db()).unwrap();
        let detail = store.conversation("c").unwrap().unwrap();
        let mut got: Vec<(String, u64, i64)> = detail
            .messages
            .iter()
            .map(|m| (m.message_id.clone().unwrap(), m.cost.unwrap().to_bits(), m.timestamp.0))
            .collect();
        got.sort();
        got
    };
    let mut expected: Vec<(String, u64, i64)> = costs
        .iter()
        .enumerate()
        .map(|(i, c)| {
            // As the file gives it: the number as JSON writes it, read back as JSON reads it.
            let given: f64 = serde_json::from_str(&serde_json::to_string(c).unwrap()).unwrap();
            (format!("m{i}"), given.to_bits(), at(times[i % times.len()]).0)
        })
        .collect();
    expected.sort();
    assert_eq!(read(), expected);

    let conn = rusqlite::Connection::open(ws.db()).unwrap();
    let whole: i64 =
        conn.query_row("SELECT count(*) FROM message WHERE typeof(price) = 'integer'", [], |r| r.get(0)).unwrap();
    // 0.0004131, 123456.789, 0 and 3; the others are no whole number of
    // 10^-10 dollars, or too many of them for a double to hold exactly.
    assert_eq!(whole, 4, "the costs that are whole numbers of 10^-10 dollars are kept as such");
    drop(conn);
    let before = Store::open(&ws.db()).unwrap().counts().unwrap();
    let again = ws.import(&[file]);
    assert_eq!(again.stored, before);
    assert_eq!(read(), expected, "a re-import finds them equal and keeps them");
}
