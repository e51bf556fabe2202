//! A file cut into records with bounded memory, whatever it holds: lines of
//! JSON Lines, the items of a JSON list, the fields of a top-level JSON
//! object, the rows of a CSV file.
//!
//! Each piece is handed over whole when it fits in
//! [`limits::MAX_RECORD_BYTES`], or as [`Piece::TooLarge`] after the rest of it
//! was read past without being kept, so a 2 GB line costs no more memory than
//! a short one. Scanning is linear: a JSON value's extent is found by counting
//! brackets outside strings, with no stack, so nesting depth costs nothing
//! here (serde_json's own depth guard then rejects a record nested too deep).

use crate::limits;
use std::io::{self, BufRead};

/// One record's bytes, or the news that it was too large to keep.
#[derive(Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    Whole(&'a [u8]),
    /// Its size in bytes, counted while reading past it.
    TooLarge(u64),
}

/// The sentence that rejects a record too large to be a log record.
pub fn too_large(what: &str, bytes: u64) -> String {
    format!(
        "the {what} is too large to be a log record ({} MiB; Rapport reads records up to {} MiB)",
        bytes.div_ceil(1 << 20),
        limits::MAX_RECORD_BYTES >> 20
    )
}

/// JSON Lines: each line (without its line end), numbered from 1.
pub struct Lines<R> {
    reader: R,
    buf: Vec<u8>,
    number: u64,
    /// The bytes of the last line handed out in place, in the reader's
    /// buffer: consumed when the next line is asked for.
    lent: usize,
}

impl<R: BufRead> Lines<R> {
    pub fn new(reader: R) -> Self {
        Lines { reader, buf: Vec::new(), number: 0, lent: 0 }
    }

    /// The next line and its number; `None` at the end of the file.
    pub fn next_line(&mut self) -> io::Result<Option<(u64, Piece<'_>)>> {
        self.reader.consume(std::mem::take(&mut self.lent));
        // Most lines lie whole in the reader's buffer: handed out from
        // there, not copied.
        let whole = {
            let chunk = self.reader.fill_buf()?;
            memchr::memchr(b'\n', chunk).map(|at| (at, at - usize::from(at > 0 && chunk[at - 1] == b'\r')))
        };
        if let Some((at, end)) = whole.filter(|&(_, end)| end <= limits::MAX_RECORD_BYTES) {
            self.lent = at + 1;
            self.number += 1;
            // The same buffer again, nothing read.
            let chunk = self.reader.fill_buf()?;
            return Ok(Some((self.number, Piece::Whole(&chunk[..end]))));
        }
        self.buf.clear();
        let mut size: u64 = 0;
        let mut ended = false;
        // The last two bytes read, for the line end of a line not kept whole.
        let mut tail = [0u8; 2];
        loop {
            let chunk = self.reader.fill_buf()?;
            if chunk.is_empty() {
                break;
            }
            let (take, found) = match memchr::memchr(b'\n', chunk) {
                Some(at) => (at + 1, true),
                None => (chunk.len(), false),
            };
            size += take as u64;
            match take {
                0 => {}
                1 => tail = [tail[1], chunk[0]],
                _ => tail = [chunk[take - 2], chunk[take - 1]],
            }
            if size <= limits::MAX_RECORD_BYTES as u64 + 2 {
                self.buf.extend_from_slice(&chunk[..take]);
            }
            self.reader.consume(take);
            ended = true;
            if found {
                break;
            }
        }
        if !ended {
            return Ok(None);
        }
        self.number += 1;
        // The line end (`\n` or `\r\n`) is no part of the record.
        let text_size = size - trailing_line_end(&tail) as u64;
        if text_size > limits::MAX_RECORD_BYTES as u64 {
            return Ok(Some((self.number, Piece::TooLarge(text_size))));
        }
        let end = self.buf.len() - trailing_line_end(&self.buf);
        Ok(Some((self.number, Piece::Whole(&self.buf[..end]))))
    }
}

fn trailing_line_end(buf: &[u8]) -> usize {
    if buf.ends_with(b"\r\n") {
        2
    } else {
        usize::from(buf.ends_with(b"\n"))
    }
}

/// Why a JSON document could not be cut into values: the file is refused.
#[derive(Debug)]
pub enum Broken {
    Io(io::Error),
    /// The document is not JSON where it says; the text says where and why.
    Syntax(String),
}

impl From<io::Error> for Broken {
    fn from(e: io::Error) -> Broken {
        Broken::Io(e)
    }
}

/// A JSON document read value by value, from its first byte.
pub struct Json<R> {
    reader: R,
    /// Bytes consumed so far, for messages.
    offset: u64,
}

impl<R: BufRead> Json<R> {
    pub fn new(reader: R) -> Self {
        Json { reader, offset: 0 }
    }

    fn bump(&mut self) {
        self.reader.consume(1);
        self.offset += 1;
    }

    /// The next byte that is not white space, not consumed.
    pub fn next_significant(&mut self) -> io::Result<Option<u8>> {
        loop {
            let chunk = self.reader.fill_buf()?;
            if chunk.is_empty() {
                return Ok(None);
            }
            match chunk.iter().position(|b| !b.is_ascii_whitespace()) {
                Some(at) => {
                    let b = chunk[at];
                    self.reader.consume(at);
                    self.offset += at as u64;
                    return Ok(Some(b));
                }
                None => {
                    let n = chunk.len();
                    self.reader.consume(n);
                    self.offset += n as u64;
                }
            }
        }
    }

    fn syntax(&self, what: &str) -> Broken {
        Broken::Syntax(format!("{what} at byte {}", self.offset + 1))
    }

    /// Expects `byte` as the next significant byte and consumes it.
    pub fn expect(&mut self, byte: u8, what: &str) -> Result<(), Broken> {
        match self.next_significant()? {
            Some(b) if b == byte => {
                self.bump();
                Ok(())
            }
            Some(_) => Err(self.syntax(&format!("expected {what}"))),
            None => Err(self.syntax(&format!("the file ends where {what} should be"))),
        }
    }

    /// Whether only white space is left.
    pub fn at_end(&mut self) -> io::Result<bool> {
        Ok(self.next_significant()?.is_none())
    }

    /// Reads the next value, keeping its bytes in `out` while they fit in
    /// `limit`; `Ok(size)` is its size in bytes, which may exceed `limit`
    /// (then `out` holds only its beginning and should not be used).
    pub fn value(&mut self, out: &mut Vec<u8>, limit: usize) -> Result<u64, Broken> {
        out.clear();
        let first = match self.next_significant()? {
            Some(b) => b,
            None => return Err(self.syntax("the file ends where a value should be")),
        };
        let mut size: u64 = 0;
        let keep = |out: &mut Vec<u8>, bytes: &[u8], size: &mut u64| {
            if *size + bytes.len() as u64 <= limit as u64 {
                out.extend_from_slice(bytes);
            }
            *size += bytes.len() as u64;
        };
        match first {
            b'{' | b'[' | b'"' => {
                // Brackets are counted outside strings; their kinds are
                // checked by the parser that reads the kept bytes.
                let mut depth: u64 = 0;
                let mut in_string = false;
                let mut escaped = false;
                loop {
                    let chunk = self.reader.fill_buf()?;
                    if chunk.is_empty() {
                        return Err(self.syntax("the file ends inside a value"));
                    }
                    let mut done = None;
                    for (i, &b) in chunk.iter().enumerate() {
                        if in_string {
                            if escaped {
                                escaped = false;
                            } else if b == b'\\' {
                                escaped = true;
                            } else if b == b'"' {
                                in_string = false;
                                if depth == 0 {
                                    done = Some(i + 1);
                                    break;
                                }
                            }
                            continue;
                        }
                        match b {
                            b'"' => in_string = true,
                            b'{' | b'[' => depth += 1,
                            b'}' | b']' => {
                                depth = depth.saturating_sub(1);
                                if depth == 0 {
                                    done = Some(i + 1);
                                    break;
                                }
                            }
                            _ => {}
                        }
                    }
                    let take = done.unwrap_or(chunk.len());
                    keep(out, &chunk[..take], &mut size);
                    self.reader.consume(take);
                    self.offset += take as u64;
                    if done.is_some() {
                        return Ok(size);
                    }
                }
            }
            _ => {
                // A number, true, false or null: up to the next delimiter.
                loop {
                    let chunk = self.reader.fill_buf()?;
                    if chunk.is_empty() {
                        return Ok(size);
                    }
                    let end = chunk.iter().position(|b| matches!(b, b',' | b']' | b'}') || b.is_ascii_whitespace());
                    let take = end.unwrap_or(chunk.len());
                    keep(out, &chunk[..take], &mut size);
                    self.reader.consume(take);
                    self.offset += take as u64;
                    if end.is_some() {
                        if size == 0 {
                            return Err(self.syntax("expected a value"));
                        }
                        return Ok(size);
                    }
                }
            }
        }
    }

    /// Reads the items of a list whose `[` is next, calling `item` with the
    /// number of each (from 1) and its piece.
    pub fn list(&mut self, item: &mut dyn FnMut(u64, Piece) -> Result<(), Stop>) -> Result<(), Stop> {
        self.expect(b'[', "a list")?;
        if self.next_significant()? == Some(b']') {
            self.bump();
            return Ok(());
        }
        let mut buf = Vec::new();
        let mut index = 0;
        loop {
            let size = self.value(&mut buf, limits::MAX_RECORD_BYTES)?;
            index += 1;
            if size <= limits::MAX_RECORD_BYTES as u64 {
                item(index, Piece::Whole(&buf))?;
            } else {
                item(index, Piece::TooLarge(size))?;
            }
            match self.next_significant()? {
                Some(b',') => self.bump(),
                Some(b']') => {
                    self.bump();
                    return Ok(());
                }
                Some(_) => return Err(self.syntax(&format!("expected , or ] after item {index}")).into()),
                None => return Err(self.syntax("the file ends inside a list").into()),
            }
        }
    }

    /// Reads the fields of an object whose `{` is next: `field` gets each
    /// key, and reads its value itself (with [`Json::value`], [`Json::list`]
    /// or [`Json::skip`]).
    pub fn object(&mut self, field: &mut dyn FnMut(&mut Self, String) -> Result<(), Stop>) -> Result<(), Stop> {
        self.expect(b'{', "an object")?;
        if self.next_significant()? == Some(b'}') {
            self.bump();
            return Ok(());
        }
        let mut buf = Vec::new();
        loop {
            if self.next_significant()? != Some(b'"') {
                return Err(self.syntax("expected a key").into());
            }
            let size = self.value(&mut buf, MAX_KEY_BYTES)?;
            let key = if size <= MAX_KEY_BYTES as u64 {
                serde_json::from_slice::<String>(&buf).map_err(|e| self.syntax(&format!("unreadable key ({e})")))?
            } else {
                String::new() // a key that long names nothing anyone looks for
            };
            self.expect(b':', "a colon after a key")?;
            field(self, key)?;
            match self.next_significant()? {
                Some(b',') => self.bump(),
                Some(b'}') => {
                    self.bump();
                    return Ok(());
                }
                Some(_) => return Err(self.syntax("expected , or } after a value").into()),
                None => return Err(self.syntax("the file ends inside an object").into()),
            }
        }
    }

    /// Reads past the next value without keeping it.
    pub fn skip(&mut self) -> Result<(), Broken> {
        self.value(&mut Vec::new(), 0).map(|_| ())
    }
}

/// Keys longer than this are read past.
const MAX_KEY_BYTES: usize = 4096;

/// Why cutting a document stopped early: it is broken, or whoever was handed
/// the pieces wants no more.
#[derive(Debug)]
pub enum Stop {
    Broken(Broken),
    /// The receiver stopped; carries nothing, the receiver knows why.
    Stopped,
}

impl From<Broken> for Stop {
    fn from(b: Broken) -> Stop {
        Stop::Broken(b)
    }
}

impl From<io::Error> for Stop {
    fn from(e: io::Error) -> Stop {
        Stop::Broken(Broken::Io(e))
    }
}

/// One CSV row: its cells, or the news that it was too large.
pub enum Row<'a> {
    Cells(Cells<'a>),
    TooLarge(u64),
}

/// The cells of a row, as bytes.
pub struct Cells<'a> {
    bytes: &'a [u8],
    ends: &'a [usize],
}

impl<'a> Cells<'a> {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        let bytes = self.bytes;
        self.ends.iter().scan(0, move |start, &end| {
            let cell = &bytes[*start..end];
            *start = end;
            Some(cell)
        })
    }
}

/// CSV (RFC 4180) row by row, through `csv_core`, the parser of the `csv`
/// crate, so quoting reads as it always did; a row larger than
/// [`limits::MAX_RECORD_BYTES`] or wider than [`limits::MAX_FIELDS`] is read
/// past and reported.
pub struct CsvRows<R> {
    reader: R,
    core: csv_core::Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
    number: u64,
}

impl<R: BufRead> CsvRows<R> {
    pub fn new(reader: R, delimiter: u8) -> Self {
        let core = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
        CsvRows { reader, core, out: vec![0; 4096], ends: vec![0; 64], number: 0 }
    }

    /// The next row and its number (the first row, usually the header, is 1).
    pub fn next_row(&mut self) -> io::Result<Option<(u64, Row<'_>)>> {
        use csv_core::ReadRecordResult as R;
        let (mut out_len, mut ends_len) = (0, 0);
        let mut size: u64 = 0;
        let mut too_large = false;
        loop {
            let input = self.reader.fill_buf()?;
            let (result, n_in, n_out, n_ends) =
                self.core.read_record(input, &mut self.out[out_len..], &mut self.ends[ends_len..]);
            self.reader.consume(n_in);
            size += n_out as u64;
            out_len += n_out;
            ends_len += n_ends;
            match result {
                R::InputEmpty => {}
                R::OutputFull if self.out.len() < limits::MAX_RECORD_BYTES => {
                    let grown = (self.out.len() * 2).min(limits::MAX_RECORD_BYTES);
                    self.out.resize(grown, 0);
                }
                R::OutputEndsFull if self.ends.len() < limits::MAX_FIELDS => {
                    let grown = (self.ends.len() * 2).min(limits::MAX_FIELDS);
                    self.ends.resize(grown, 0);
                }
                R::OutputFull | R::OutputEndsFull => {
                    // Read past the rest of the row, keeping nothing.
                    too_large = true;
                    out_len = 0;
                    ends_len = 0;
                }
                R::Record => {
                    self.number += 1;
                    if too_large {
                        return Ok(Some((self.number, Row::TooLarge(size))));
                    }
                    let cells = Cells { bytes: &self.out[..out_len], ends: &self.ends[..ends_len] };
                    return Ok(Some((self.number, Row::Cells(cells))));
                }
                R::End => return Ok(None),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &[u8]) -> Vec<(u64, Result<String, u64>)> {
        let mut lines = Lines::new(io::BufReader::with_capacity(16, text));
        let mut out = Vec::new();
        while let Some((n, piece)) = lines.next_line().unwrap() {
            out.push((
                n,
                match piece {
                    Piece::Whole(b) => Ok(String::from_utf8(b.to_vec()).unwrap()),
                    Piece::TooLarge(size) => Err(size),
                },
            ));
        }
        out
    }

    #[test]
    fn lines_end_at_lf_or_crlf_and_a_last_line_needs_no_end() {
        assert_eq!(
            lines(b"a\r\nb\n\nc"),
            [(1, Ok("a".into())), (2, Ok("b".into())), (3, Ok("".into())), (4, Ok("c".into()))]
        );
    }

    #[test]
    fn a_line_past_the_limit_is_read_past_not_kept() {
        let mut text = vec![b'x'; limits::MAX_RECORD_BYTES + 10];
        text.extend_from_slice(b"\nnext\n");
        let got = lines(&text);
        assert_eq!(got[0], (1, Err(limits::MAX_RECORD_BYTES as u64 + 10)));
        assert_eq!(got[1], (2, Ok("next".into())), "the line after a long one is read as usual");
    }

    fn items(text: &[u8]) -> Result<Vec<Result<String, u64>>, String> {
        let mut json = Json::new(io::BufReader::with_capacity(8, text));
        let mut out = Vec::new();
        json.list(&mut |_, piece| {
            out.push(match piece {
                Piece::Whole(b) => Ok(String::from_utf8(b.to_vec()).unwrap()),
                Piece::TooLarge(n) => Err(n),
            });
            Ok(())
        })
        .map_err(|e| format!("{e:?}"))?;
        Ok(out)
    }

    #[test]
    fn a_list_is_cut_into_its_items_whatever_their_strings_hold() {
        let got = items(br#" [ {"a": "x]}\"{"}, [1, [2]] , 3,"s" ,null ] "#).unwrap();
        assert_eq!(
            got,
            [
                Ok(r#"{"a": "x]}\"{"}"#.into()),
                Ok("[1, [2]]".into()),
                Ok("3".into()),
                Ok(r#""s""#.into()),
                Ok("null".into())
            ]
        );
        assert_eq!(items(b"[]").unwrap(), []);
    }

    #[test]
    fn a_broken_list_is_an_error_not_a_hang() {
        assert!(items(br#"[{"a": 1}, {"b""#).is_err());
        assert!(items(br#"[1 2]"#).is_err());
        assert!(items(&[b'['; 200_000]).is_err(), "200,000 brackets end the file inside a value");
    }

    #[test]
    fn deep_nesting_costs_nothing_to_cut() {
        let mut text = vec![b'['];
        text.extend(std::iter::repeat_n(b'[', 100_000));
        text.extend(std::iter::repeat_n(b']', 100_000));
        text.push(b']');
        let got = items(&text).unwrap();
        assert_eq!(got.len(), 1);
    }

    #[test]
    fn an_object_gives_each_key_and_its_value() {
        let mut json = Json::new(&br#"{"events": [1, 2], "k": {"x": "}"}, "z": 5}"#[..]);
        let mut seen = Vec::new();
        json.object(&mut |json, key| {
            let mut buf = Vec::new();
            json.value(&mut buf, 100)?;
            seen.push(format!("{key}={}", String::from_utf8_lossy(&buf)));
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, ["events=[1, 2]", r#"k={"x": "}"}"#, "z=5"]);
        assert!(json.at_end().unwrap());
    }

    fn rows(text: &[u8], delimiter: u8) -> Vec<Result<Vec<String>, u64>> {
        let mut rows = CsvRows::new(io::BufReader::with_capacity(8, text), delimiter);
        let mut out = Vec::new();
        while let Some((_, row)) = rows.next_row().unwrap() {
            out.push(match row {
                Row::Cells(c) => Ok(c.iter().map(|b| String::from_utf8(b.to_vec()).unwrap()).collect()),
                Row::TooLarge(n) => Err(n),
            });
        }
        out
    }

    #[test]
    fn csv_rows_read_as_rfc_4180_says() {
        let got = rows(b"a,b\r\n\"x,\"\"y\"\"\nz\",2\n", b',');
        assert_eq!(got, [Ok(vec!["a".into(), "b".into()]), Ok(vec!["x,\"y\"\nz".into(), "2".into()])]);
        assert_eq!(rows(b"a;b\n1;2\n", b';')[1], Ok(vec!["1".into(), "2".into()]));
    }

    #[test]
    fn a_csv_row_too_large_or_too_wide_is_read_past() {
        let mut text = b"h\n\"".to_vec();
        text.extend(std::iter::repeat_n(b'x', limits::MAX_RECORD_BYTES + 1));
        text.extend_from_slice(b"\"\nok\n");
        let got = rows(&text, b',');
        assert!(matches!(got[1], Err(n) if n > limits::MAX_RECORD_BYTES as u64));
        assert_eq!(got[2], Ok(vec!["ok".into()]));

        let wide = format!("h\n{}\nok\n", ",".repeat(limits::MAX_FIELDS + 5));
        let got = rows(wide.as_bytes(), b',');
        assert!(got[1].is_err(), "a row wider than the limit is rejected");
        assert_eq!(got[2], Ok(vec!["ok".into()]));
    }
}
