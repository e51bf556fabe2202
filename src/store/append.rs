//! New rows of one table, held and written several to a statement.
//!
//! Each run of a statement costs SQLite the same start and end whatever it
//! writes (the program begun and halted, the statement reset, every value
//! bound and cleared): with `perf`, about a quarter of an import's writing
//! thread went to them for the message rows, written one to a statement.
//! An [`Appender`] holds the rows given to it, copied, and writes them
//! [`ROWS`] at a time with one statement (`INSERT ... VALUES (...), (...)`),
//! the rest one at a time when told to ([`Appender::flush`]): before a row
//! of the table is read or changed, and before the commit.
//!
//! The statement is `INSERT OR FAIL`: a statement that may write several
//! rows and stop midway at a failing constraint (SQLite's default, `ABORT`)
//! is given a savepoint of its own, and SQLite then asks every virtual
//! table the transaction wrote to keep one too; the full-text index (FTS5)
//! does so by writing out the terms it holds in memory, a small segment
//! more each time. `FAIL` stops at the failing row too, keeping the rows
//! before it: no savepoint is needed, as long as the table computes no
//! column with a function either (SQLite counts any function as a way to
//! fail midway: `message` did until schema 11, schema.rs). Nothing of a
//! failing file is kept anyway: its writer rolls the whole transaction
//! back (write.rs).
//!
//! ```text
//! push r1 .. push r64    -> INSERT OR FAIL INTO t (..) VALUES (r1), .. (r64)   one statement
//! push r65, push r66     -> held
//! flush                  -> INSERT INTO t (..) VALUES (r65); .. VALUES (r66)   one each
//! ```

use super::direct::{Direct, Value};
use rusqlite::Connection;

/// How many rows one statement writes.
pub(super) const ROWS: usize = if cfg!(test) { 4 } else { 64 };

/// A value held: a text or blob as where its bytes are in the appender.
#[derive(Clone, Copy)]
enum Held {
    Null,
    Integer(i64),
    Real(f64),
    Text(usize, usize),
    Blob(usize, usize),
}

/// Rows to append to one table, with the statements that write them.
///
/// The table's row id (its `INTEGER PRIMARY KEY`, `id`) is left to SQLite,
/// which gives a row written without one the next after the table's last:
/// given, it is looked up in the table first, to refuse one taken (a
/// descent from the table's root, searching each page: with `callgrind`,
/// a fifth of the work of writing the rows), where the next after the
/// last is found along the table's right edge, which the rows written are
/// appended to anyway. The caller says which row it expects each to get
/// (it names them before they are written, write.rs): they must follow
/// one another, and the last row each statement writes is checked to have
/// the one expected.
pub(super) struct Appender<'c> {
    /// Writes [`ROWS`] rows.
    many: Direct<'c>,
    /// Writes one row.
    one: Direct<'c>,
    columns: usize,
    /// The row id the first row held is to get.
    first: i64,
    /// The rows held, a row's values one after another.
    held: Vec<Held>,
    text: String,
    blobs: Vec<u8>,
}

impl<'c> Appender<'c> {
    /// The appender of `table`'s `columns` (all but its row id, `id`), a
    /// row giving them in this order.
    pub(super) fn prepare(conn: &'c Connection, table: &str, columns: &[&str]) -> rusqlite::Result<Appender<'c>> {
        let names = columns.join(", ");
        let row = |first: usize| {
            let values: Vec<String> = (first..first + columns.len()).map(|n| format!("?{n}")).collect();
            format!("({})", values.join(", "))
        };
        let rows: Vec<String> = (0..ROWS).map(|r| row(r * columns.len() + 1)).collect();
        Ok(Appender {
            many: Direct::prepare(conn, &format!("INSERT OR FAIL INTO {table} ({names}) VALUES {}", rows.join(", ")))?,
            one: Direct::prepare(conn, &format!("INSERT INTO {table} ({names}) VALUES {}", row(1)))?,
            columns: columns.len(),
            first: 0,
            held: Vec::with_capacity(ROWS * columns.len()),
            text: String::new(),
            blobs: Vec::new(),
        })
    }

    /// Adds a row (its values in the columns' order), which is to get the
    /// row id `id`, the one after the row pushed before (if any held):
    /// written with the rows before it once there are [`ROWS`] of them.
    pub(super) fn push(&mut self, id: i64, row: &[Value<'_>]) -> rusqlite::Result<()> {
        if row.len() != self.columns {
            return Err(rusqlite::Error::InvalidParameterCount(row.len(), self.columns));
        }
        let held_rows = (self.held.len() / self.columns) as i64;
        if held_rows == 0 {
            self.first = id;
        } else if id != self.first + held_rows {
            return Err(not_next(self.first + held_rows, id));
        }
        for value in row {
            let held = match *value {
                Value::Null => Held::Null,
                Value::Integer(n) => Held::Integer(n),
                Value::Real(x) => Held::Real(x),
                Value::Text(s) => {
                    self.text.push_str(s);
                    Held::Text(self.text.len() - s.len(), self.text.len())
                }
                Value::Blob(b) => {
                    self.blobs.extend_from_slice(b);
                    Held::Blob(self.blobs.len() - b.len(), self.blobs.len())
                }
            };
            self.held.push(held);
        }
        if self.held.len() >= ROWS * self.columns {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes every row held.
    pub(super) fn flush(&mut self) -> rusqlite::Result<()> {
        if self.held.is_empty() {
            return Ok(());
        }
        let values: Vec<Value<'_>> = self
            .held
            .iter()
            .map(|held| match *held {
                Held::Null => Value::Null,
                Held::Integer(n) => Value::Integer(n),
                Held::Real(x) => Value::Real(x),
                Held::Text(start, end) => Value::Text(&self.text[start..end]),
                Held::Blob(start, end) => Value::Blob(&self.blobs[start..end]),
            })
            .collect();
        let (columns, many, one) = (self.columns, &mut self.many, &mut self.one);
        let mut expected = self.first - 1;
        let mut write = |statement: &mut Direct<'_>, rows: &[Value<'_>]| {
            statement.run(rows)?;
            expected += (rows.len() / columns) as i64;
            match statement.last_insert_rowid() {
                last if last == expected => Ok(()),
                last => Err(not_next(expected, last)),
            }
        };
        let written = values.chunks(ROWS * columns).try_for_each(|rows| {
            if rows.len() == ROWS * columns {
                write(many, rows)
            } else {
                rows.chunks(columns).try_for_each(|row| write(one, row))
            }
        });
        // Held no longer, written or not: a failure ends the file's transaction.
        self.held.clear();
        self.text.clear();
        self.blobs.clear();
        written
    }
}

/// A row given (or written) as `got` where `expected` was the next.
fn not_next(expected: i64, got: i64) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_INTERNAL),
        Some(format!("a new row is {got} where {expected} was expected")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, v, w TEXT NOT NULL)").unwrap();
        conn
    }

    fn stored(conn: &Connection) -> Vec<(i64, String, String)> {
        conn.prepare("SELECT id, quote(v), w FROM t ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    #[test]
    fn rows_held_are_written_as_given_in_full_statements_then_one_by_one() {
        let conn = table();
        let mut append = Appender::prepare(&conn, "t", &["v", "w"]).unwrap();
        let texts: Vec<String> = (0..ROWS * 2 + 3).map(|i| format!("é{i}")).collect();
        let mut expected = Vec::new();
        for (i, text) in texts.iter().enumerate() {
            let id = i as i64 + 1;
            let v = match i % 4 {
                0 => Value::Null,
                1 => Value::Integer(-(id)),
                2 => Value::Real(id as f64 / 2.0),
                _ => Value::Blob(text.as_bytes()),
            };
            append.push(id, &[v, Value::Text(text)]).unwrap();
            let quoted: String = conn.query_row("SELECT quote(?1)", [v], |r| r.get(0)).unwrap();
            expected.push((id, quoted, text.clone()));
            let written = (i + 1) / ROWS * ROWS;
            assert_eq!(stored(&conn).len(), written, "rows are written a full statement at a time");
        }
        append.flush().unwrap();
        assert_eq!(stored(&conn), expected, "every row, each value as it was given");
        append.flush().unwrap();
        assert_eq!(stored(&conn).len(), expected.len(), "a flush with nothing held writes nothing");
    }

    #[test]
    fn a_row_breaking_a_constraint_fails_the_statement_and_nothing_stays_held() {
        let conn = table();
        let mut append = Appender::prepare(&conn, "t", &["w"]).unwrap();
        for id in 1..ROWS as i64 {
            append.push(id, &[Value::Text("x")]).unwrap();
        }
        let failed = append.push(ROWS as i64, &[Value::Null]);
        assert!(
            matches!(&failed, Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::ConstraintViolation),
            "a NULL where the column forbids it: {failed:?}"
        );
        // The rows before the failing one stay (FAIL; an import rolls its file back).
        append.push(ROWS as i64, &[Value::Text("y")]).unwrap();
        append.flush().unwrap();
        assert_eq!(stored(&conn).last().map(|r| r.0), Some(ROWS as i64), "the appender goes on after a failure");
    }

    #[test]
    fn a_row_is_all_of_the_columns() {
        let conn = table();
        let mut append = Appender::prepare(&conn, "t", &["v", "w"]).unwrap();
        assert!(matches!(append.push(1, &[Value::Integer(1)]), Err(rusqlite::Error::InvalidParameterCount(1, 2))));
    }

    #[test]
    fn rows_get_the_ids_expected_or_the_flush_fails() {
        let conn = table();
        let mut append = Appender::prepare(&conn, "t", &["w"]).unwrap();
        append.push(1, &[Value::Text("a")]).unwrap();
        let skipped = append.push(3, &[Value::Text("c")]);
        assert!(matches!(&skipped, Err(rusqlite::Error::SqliteFailure(..))), "rows follow one another: {skipped:?}");
        append.flush().unwrap();
        assert_eq!(stored(&conn).len(), 1);
        // Another row taken meanwhile: the next is no longer the one expected.
        conn.execute("INSERT INTO t (id, w) VALUES (2, 'b')", []).unwrap();
        for id in 2..ROWS as i64 {
            append.push(id, &[Value::Text("c")]).unwrap();
        }
        let failed = append.flush();
        assert!(
            matches!(&failed, Err(rusqlite::Error::SqliteFailure(e, Some(m))) if e.code == rusqlite::ErrorCode::InternalMalfunction && m.contains("where 2 was expected")),
            "{failed:?}"
        );
    }
}
