//! The statements an import runs once or more per record, bound and run
//! through SQLite's C interface directly.
//!
//! Through rusqlite, each value goes through `ToSql` and a check of the
//! statement's parameter count, and SQLite copies every text and blob
//! bound (`SQLITE_TRANSIENT`): about a tenth of an import's writing
//! thread, measured with `perf`, for statements that do little else (a
//! key, a row appended). Here a value is borrowed for the one run
//! (`SQLITE_STATIC`), which is sound because [`Direct::run`] takes all of
//! them at once, binds every parameter, steps and resets the statement
//! before it returns, and SQLite reads a value bound only while the
//! statement runs: the values stay bound after the run (clearing them
//! would cost each run as much again as the binding, for values every
//! run binds anew), but are never read again; a parameter that was NULL
//! and is NULL again is left as it is.

use rusqlite::{ffi, Connection};
use std::ffi::c_int;
use std::marker::PhantomData;
use std::ptr::NonNull;

/// One value bound to a parameter, borrowed for one run.
#[derive(Clone, Copy, Debug)]
pub(super) enum Value<'a> {
    Null,
    Integer(i64),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
}

impl<'a> From<Option<&'a str>> for Value<'a> {
    fn from(text: Option<&'a str>) -> Value<'a> {
        text.map_or(Value::Null, Value::Text)
    }
}

impl From<Option<i64>> for Value<'_> {
    fn from(n: Option<i64>) -> Self {
        n.map_or(Value::Null, Value::Integer)
    }
}

impl From<Option<f64>> for Value<'_> {
    fn from(x: Option<f64>) -> Self {
        x.map_or(Value::Null, Value::Real)
    }
}

impl From<i64> for Value<'_> {
    fn from(n: i64) -> Self {
        Value::Integer(n)
    }
}

/// A prepared statement of the connection it borrows, finalised when dropped.
pub(super) struct Direct<'c> {
    stmt: NonNull<ffi::sqlite3_stmt>,
    db: *mut ffi::sqlite3,
    /// How many parameters the statement has: a run binds them all.
    parameters: usize,
    /// The parameters bound to NULL, as the last run left them (all of
    /// them before the first): not bound again to NULL.
    null: Vec<bool>,
    _conn: PhantomData<&'c Connection>,
}

impl Drop for Direct<'_> {
    fn drop(&mut self) {
        // SAFETY: the statement was prepared by `prepare` and is finalised once.
        unsafe { ffi::sqlite3_finalize(self.stmt.as_ptr()) };
    }
}

impl<'c> Direct<'c> {
    /// Prepares one statement (kept for many runs: `SQLITE_PREPARE_PERSISTENT`).
    pub(super) fn prepare(conn: &'c Connection, sql: &str) -> rusqlite::Result<Direct<'c>> {
        // SAFETY: the handle is used only while `conn` is borrowed ('c), and
        // only from the thread that has `conn` (a Direct is neither Send nor Sync).
        let db = unsafe { conn.handle() };
        let len = c_int::try_from(sql.len())
            .map_err(|_| rusqlite::Error::SqliteFailure(ffi::Error::new(ffi::SQLITE_TOOBIG), None))?;
        let mut stmt = std::ptr::null_mut();
        let mut tail = std::ptr::null();
        // SAFETY: `sql` is valid for `len` bytes; SQLite writes the statement to `stmt`.
        let rc = unsafe {
            ffi::sqlite3_prepare_v3(db, sql.as_ptr().cast(), len, ffi::SQLITE_PREPARE_PERSISTENT, &mut stmt, &mut tail)
        };
        if rc != ffi::SQLITE_OK {
            return Err(error(db, rc));
        }
        let Some(stmt) = NonNull::new(stmt) else {
            return Err(rusqlite::Error::InvalidQuery);
        };
        let mut direct = Direct { stmt, db, parameters: 0, null: Vec::new(), _conn: PhantomData };
        // SAFETY: `tail` points into `sql`, at or before its end.
        let rest = unsafe { tail.cast::<u8>().offset_from(sql.as_ptr()) } as usize;
        if !sql[rest.min(sql.len())..].trim().is_empty() {
            return Err(rusqlite::Error::MultipleStatement);
        }
        // SAFETY: a prepared statement.
        direct.parameters = unsafe { ffi::sqlite3_bind_parameter_count(stmt.as_ptr()) } as usize;
        direct.null = vec![true; direct.parameters];
        Ok(direct)
    }

    /// Binds `values`, all of the statement's parameters in order, runs the
    /// statement to its end and gives how many rows it changed.
    pub(super) fn run(&mut self, values: &[Value<'_>]) -> rusqlite::Result<usize> {
        match self.step(values)? {
            Stepped::Done => {
                // SAFETY: the connection is open for 'c.
                Ok(unsafe { ffi::sqlite3_changes64(self.db) } as usize)
            }
            Stepped::Row(_) => Err(rusqlite::Error::ExecuteReturnedResults),
        }
    }

    /// Binds `values` and gives the first column of the first row, an
    /// integer, or `None` when there is no row.
    pub(super) fn integer(&mut self, values: &[Value<'_>]) -> rusqlite::Result<Option<i64>> {
        match self.step(values)? {
            Stepped::Done => Ok(None),
            Stepped::Row(n) => Ok(Some(n)),
        }
    }

    /// The row id of the last row the connection inserted.
    pub(super) fn last_insert_rowid(&self) -> i64 {
        // SAFETY: the connection is open for 'c.
        unsafe { ffi::sqlite3_last_insert_rowid(self.db) }
    }

    /// One step, then the statement reset.
    fn step(&mut self, values: &[Value<'_>]) -> rusqlite::Result<Stepped> {
        if values.len() != self.parameters {
            return Err(rusqlite::Error::InvalidParameterCount(values.len(), self.parameters));
        }
        let stmt = self.stmt.as_ptr();
        let mut rc = ffi::SQLITE_OK;
        for (i, value) in values.iter().enumerate() {
            let null = matches!(value, Value::Null);
            if null && self.null[i] {
                continue;
            }
            let at = i as c_int + 1;
            // Known again only once bound (a failed bind may leave it either way).
            self.null[i] = false;
            // SAFETY: the statement is prepared; a borrowed text or blob
            // outlives this call, after which SQLite never reads it: it
            // reads values only in a run, and each run binds them anew.
            rc = unsafe {
                match *value {
                    Value::Null => ffi::sqlite3_bind_null(stmt, at),
                    Value::Integer(n) => ffi::sqlite3_bind_int64(stmt, at, n),
                    Value::Real(x) => ffi::sqlite3_bind_double(stmt, at, x),
                    Value::Text(s) => ffi::sqlite3_bind_text64(
                        stmt,
                        at,
                        s.as_ptr().cast(),
                        s.len() as u64,
                        ffi::SQLITE_STATIC(),
                        ffi::SQLITE_UTF8 as u8,
                    ),
                    Value::Blob(b) => {
                        ffi::sqlite3_bind_blob64(stmt, at, b.as_ptr().cast(), b.len() as u64, ffi::SQLITE_STATIC())
                    }
                }
            };
            if rc != ffi::SQLITE_OK {
                break;
            }
            self.null[i] = null;
        }
        let outcome = if rc != ffi::SQLITE_OK {
            Err(error(self.db, rc))
        } else {
            // SAFETY: a prepared statement with every parameter bound.
            match unsafe { ffi::sqlite3_step(stmt) } {
                ffi::SQLITE_DONE => Ok(Stepped::Done),
                // SAFETY: a row is there to read.
                ffi::SQLITE_ROW => Ok(Stepped::Row(unsafe { ffi::sqlite3_column_int64(stmt, 0) })),
                rc => Err(error(self.db, rc)),
            }
        };
        // SAFETY: a prepared statement; its error, if any, was read above.
        unsafe { ffi::sqlite3_reset(stmt) };
        outcome
    }
}

enum Stepped {
    Done,
    Row(i64),
}

/// The error SQLite reports for `rc`, with its message, as rusqlite gives it.
fn error(db: *mut ffi::sqlite3, rc: c_int) -> rusqlite::Error {
    // SAFETY: the connection is open; its message is copied at once.
    let message = unsafe {
        let text = ffi::sqlite3_errmsg(db);
        (!text.is_null()).then(|| std::ffi::CStr::from_ptr(text).to_string_lossy().into_owned())
    };
    rusqlite::Error::SqliteFailure(ffi::Error::new(rc), message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, v, k TEXT UNIQUE)").unwrap();
        conn
    }

    #[test]
    fn each_kind_of_value_is_stored_as_bound() {
        let conn = table();
        let mut insert = Direct::prepare(&conn, "INSERT INTO t (id, v) VALUES (?1, ?2)").unwrap();
        let text = String::from("héllo");
        let values = [
            Value::Null,
            Value::Integer(-7),
            Value::Real(0.5),
            Value::Text(&text),
            Value::Blob(&[0, 1, 2]),
            Value::Text(""),
            Value::Blob(&[]),
        ];
        for (id, value) in values.iter().enumerate() {
            assert_eq!(insert.run(&[Value::Integer(id as i64), *value]).unwrap(), 1, "one row changed");
        }
        drop(insert);
        let stored: Vec<(String, String)> = conn
            .prepare("SELECT typeof(v), quote(v) FROM t ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let expected = [
            ("null", "NULL"),
            ("integer", "-7"),
            ("real", "0.5"),
            ("text", "'héllo'"),
            ("blob", "X'000102'"),
            ("text", "''"),
            ("blob", "X''"),
        ];
        let expected: Vec<(String, String)> = expected.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        assert_eq!(stored, expected);
    }

    #[test]
    fn a_lookup_gives_the_first_row_or_none() {
        let conn = table();
        conn.execute("INSERT INTO t (id, k) VALUES (5, 'a')", []).unwrap();
        let mut find = Direct::prepare(&conn, "SELECT id FROM t WHERE k = ?1").unwrap();
        assert_eq!(find.integer(&[Value::Text("a")]).unwrap(), Some(5));
        assert_eq!(find.integer(&[Value::Text("b")]).unwrap(), None);
        assert_eq!(find.integer(&[Value::Text("a")]).unwrap(), Some(5), "the statement is reset after each run");
    }

    #[test]
    fn a_failing_run_is_sqlites_error_and_the_statement_runs_again() {
        let conn = table();
        let mut insert = Direct::prepare(&conn, "INSERT INTO t (k) VALUES (?1)").unwrap();
        insert.run(&[Value::Text("a")]).unwrap();
        match insert.run(&[Value::Text("a")]) {
            Err(rusqlite::Error::SqliteFailure(e, Some(message))) => {
                assert_eq!(e.code, rusqlite::ErrorCode::ConstraintViolation);
                assert!(message.contains("UNIQUE"), "{message}");
            }
            other => panic!("a second 'a' breaks the unique key: {other:?}"),
        }
        assert_eq!(insert.run(&[Value::Text("b")]).unwrap(), 1);
    }

    #[test]
    fn every_parameter_is_given_or_nothing_runs() {
        let conn = table();
        let mut insert = Direct::prepare(&conn, "INSERT INTO t (id, v) VALUES (?1, ?2)").unwrap();
        assert!(matches!(insert.run(&[Value::Integer(1)]), Err(rusqlite::Error::InvalidParameterCount(1, 2))));
        let rows: i64 = conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0)).unwrap();
        assert_eq!(rows, 0);
    }

    #[test]
    fn only_one_statement_is_prepared_and_a_query_does_not_run_as_a_change() {
        let conn = table();
        assert!(matches!(
            Direct::prepare(&conn, "DELETE FROM t; DELETE FROM t"),
            Err(rusqlite::Error::MultipleStatement)
        ));
        assert!(Direct::prepare(&conn, "SELECT nothing FROM t").is_err(), "SQLite's own error");
        let mut select = Direct::prepare(&conn, "SELECT 1").unwrap();
        assert!(matches!(select.run(&[]), Err(rusqlite::Error::ExecuteReturnedResults)));
    }

    #[test]
    fn a_value_left_bound_is_never_read_and_a_null_stays_null() {
        let conn = table();
        let mut insert = Direct::prepare(&conn, "INSERT INTO t (id, v) VALUES (?1, ?2)").unwrap();
        let rows: [(i64, Option<&str>); 5] = [(1, Some("a")), (2, None), (3, None), (4, Some("b")), (5, None)];
        for (id, v) in rows {
            // Each text is dropped once its run returns.
            let text = v.map(str::to_owned);
            insert.run(&[Value::Integer(id), text.as_deref().into()]).unwrap();
        }
        let stored: Vec<(i64, Option<String>)> = conn
            .prepare("SELECT id, v FROM t ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let expected: Vec<(i64, Option<String>)> = rows.iter().map(|(id, v)| (*id, v.map(str::to_owned))).collect();
        assert_eq!(stored, expected, "each run stores what it was given, not what an earlier one left bound");
    }
}
