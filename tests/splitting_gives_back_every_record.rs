//! Property tests of the parsers where a fuzzer is overkill: whatever
//! records a file holds, cutting it gives each back exactly, in order, and a
//! timestamp written out reads back as the same instant.

use proptest::prelude::*;
use rapport::import::split::{CsvRows, Json, Lines, Piece, Row};
use rapport::model::{format_rfc3339, parse_timestamp, Micros};

/// Any text, with the characters that matter to the splitters well represented.
fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just('"'),
            Just(','),
            Just('\n'),
            Just('\r'),
            Just('\\'),
            Just('['),
            Just('}'),
            Just(';'),
            any::<char>()
        ],
        0..40,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

proptest! {
    #[test]
    fn json_lines_give_back_each_value(values in proptest::collection::vec(text(), 0..20), crlf in any::<bool>()) {
        let end = if crlf { "\r\n" } else { "\n" };
        let file: String = values.iter().map(|v| serde_json::json!({"v": v}).to_string() + end).collect();
        let mut lines = Lines::new(file.as_bytes());
        let mut got = Vec::new();
        while let Some((_, Piece::Whole(bytes))) = lines.next_line().unwrap() {
            let value: serde_json::Value = serde_json::from_slice(bytes).unwrap();
            got.push(value["v"].as_str().unwrap().to_owned());
        }
        prop_assert_eq!(got, values);
    }

    #[test]
    fn a_json_list_gives_back_each_item(values in proptest::collection::vec(text(), 0..20), buffer in 1usize..64) {
        let file = serde_json::to_string(&values.iter().map(|v| serde_json::json!({"v": [v, {"w": v}]})).collect::<Vec<_>>()).unwrap();
        let mut json = Json::new(std::io::BufReader::with_capacity(buffer, file.as_bytes()));
        let mut got = Vec::new();
        json.list(&mut |_, piece| {
            if let Piece::Whole(bytes) = piece {
                let value: serde_json::Value = serde_json::from_slice(bytes).unwrap();
                got.push(value["v"][0].as_str().unwrap().to_owned());
            }
            Ok(())
        })
        .unwrap();
        prop_assert!(json.at_end().unwrap());
        prop_assert_eq!(got, values);
    }

    #[test]
    fn csv_rows_give_back_each_cell(rows in proptest::collection::vec(proptest::collection::vec(text(), 1..5), 1..10)) {
        // A file's leading byte-order mark is the encoding's, not text (the
        // reader drops it on purpose): the first cell does not start with one.
        prop_assume!(!rows[0][0].starts_with('\u{feff}'));
        // Written by the csv crate (RFC 4180 quoting), read back row by row.
        let mut writer = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
        for row in &rows {
            writer.write_record(row).unwrap();
        }
        let file = writer.into_inner().unwrap();
        let mut reader = CsvRows::new(file.as_slice(), b',');
        let mut got: Vec<Vec<String>> = Vec::new();
        while let Some((_, Row::Cells(cells))) = reader.next_row().unwrap() {
            got.push(cells.iter().map(|c| String::from_utf8(c.to_vec()).unwrap()).collect());
        }
        prop_assert_eq!(got, rows);
    }

    #[test]
    fn an_instant_written_out_reads_back(us in 0i64..7_258_118_400_000_000) {
        prop_assert_eq!(parse_timestamp(&format_rfc3339(Micros(us))), Ok(Micros(us)));
    }
}
