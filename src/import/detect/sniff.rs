//! What a file's first bytes show, without reading it all: the keys of its
//! first JSON objects, or its CSV header. Detection asks only this, the way a
//! person glancing at a file would.

use std::collections::{HashMap, HashSet};

/// How many bytes detection looks at, at most.
pub const HEAD_BYTES: usize = 256 * 1024;

/// The keys of the first object at each path of a JSON document (or of the
/// first line of JSON Lines), as far as the head reaches.
///
/// Paths: `""` the top object, `"[]"` the first element of a top array,
/// `"data[]"` the first element of the array under `data`,
/// `"conversations[].spans[]"` one level further.
#[derive(Debug, Clone, Default)]
pub struct JsonHead {
    /// `b'{'` or `b'['`.
    pub opens_with: u8,
    keys: HashMap<String, Vec<String>>,
    /// Scalars of the top object, as their JSON text (`"1"`, `"\"abc\""` is kept unquoted).
    scalars: HashMap<String, String>,
    /// The first value ended and another object followed: one record a line.
    pub lines: bool,
}

impl JsonHead {
    pub fn keys(&self, path: &str) -> &[String] {
        self.keys.get(path).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn has(&self, path: &str, key: &str) -> bool {
        self.keys(path).iter().any(|k| k == key)
    }

    pub fn has_all(&self, path: &str, keys: &[&str]) -> bool {
        keys.iter().all(|k| self.has(path, k))
    }

    pub fn has_any(&self, path: &str, keys: &[&str]) -> bool {
        keys.iter().any(|k| self.has(path, k))
    }

    /// A scalar of the top object, as text.
    pub fn scalar(&self, key: &str) -> Option<&str> {
        self.scalars.get(key).map(String::as_str)
    }
}

enum Frame {
    Object { path: String, record: bool, key: Option<String>, expect_key: bool },
    Array { path: String },
}

/// Open containers (objects and lists) above the deepest object whose keys
/// are kept; deeper objects are only skipped over.
const MAX_DEPTH: usize = 6;

/// Open containers whose paths are kept at all; deeper ones are only counted.
const MAX_FRAMES: usize = 16;

/// Scans `head`, which may stop anywhere, for keys. `None` when it does not
/// start as JSON does.
pub fn json_head(head: &[u8]) -> Option<JsonHead> {
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let opens_with = head[start];
    if opens_with != b'{' && opens_with != b'[' {
        return None;
    }
    let mut out = JsonHead { opens_with, ..JsonHead::default() };
    let mut seen: HashSet<String> = HashSet::new();
    let mut stack: Vec<Frame> = Vec::new();
    // Containers opened below the deepest kept frame: only counted, so that
    // a head of nothing but `[` costs no more than any other.
    let mut deeper: usize = 0;
    let mut i = start;
    while i < head.len() {
        let b = head[i];
        match b {
            b' ' | b'\t' | b'\r' | b'\n' | b',' | b':' => {
                if b == b',' {
                    if let Some(Frame::Object { expect_key, key, .. }) = stack.last_mut() {
                        *expect_key = true;
                        *key = None;
                    }
                }
                i += 1;
            }
            b'{' | b'[' if deeper > 0 || stack.len() >= MAX_FRAMES => {
                deeper += 1;
                i += 1;
            }
            b'}' | b']' if deeper > 0 => {
                deeper -= 1;
                i += 1;
            }
            b'"' if deeper > 0 => match string_at(head, i) {
                Some((_, end)) => i = end,
                None => return Some(out),
            },
            b'{' | b'[' => {
                let path = child_path(&stack, b == b'[');
                if b == b'{' {
                    let record = stack.len() < MAX_DEPTH && seen.insert(path.clone());
                    stack.push(Frame::Object { path, record, key: None, expect_key: true });
                } else {
                    stack.push(Frame::Array { path });
                }
                i += 1;
            }
            b'}' | b']' => {
                stack.pop();
                i += 1;
                if stack.is_empty() {
                    // The first value is complete: is another object next (JSON Lines)?
                    let rest = head[i..].iter().find(|b| !b.is_ascii_whitespace());
                    out.lines = rest == Some(&b'{');
                    return Some(out);
                }
            }
            b'"' => {
                // The head may end inside a string: what came before still counts.
                let Some((text, end)) = string_at(head, i) else { return Some(out) };
                i = end;
                let depth = stack.len();
                match stack.last_mut() {
                    Some(Frame::Object { path, record, key, expect_key }) if *expect_key => {
                        if *record {
                            out.keys.entry(path.clone()).or_default().push(text.clone());
                        }
                        *key = Some(text);
                        *expect_key = false;
                    }
                    Some(Frame::Object { key: Some(k), .. }) if depth == 1 => {
                        out.scalars.insert(k.clone(), text);
                    }
                    _ => {}
                }
            }
            _ => {
                // A number, true, false or null.
                let end = head[i..]
                    .iter()
                    .position(|b| matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t'))
                    .map_or(head.len(), |p| i + p);
                if stack.len() == 1 {
                    if let Some(Frame::Object { key: Some(k), .. }) = stack.last() {
                        out.scalars.insert(k.clone(), String::from_utf8_lossy(&head[i..end]).into_owned());
                    }
                }
                i = end.max(i + 1);
            }
        }
    }
    Some(out)
}

/// The path of a value that starts inside the innermost open container.
fn child_path(stack: &[Frame], _is_array: bool) -> String {
    match stack.last() {
        None => String::new(),
        Some(Frame::Array { path }) => format!("{path}[]"),
        Some(Frame::Object { path, key, .. }) => {
            let key = key.as_deref().unwrap_or("?");
            if path.is_empty() {
                key.to_owned()
            } else {
                format!("{path}.{key}")
            }
        }
    }
}

/// A JSON string starting at `at` (its opening quote): its text, with the
/// common escapes read, and the index after its closing quote.
fn string_at(head: &[u8], at: usize) -> Option<(String, usize)> {
    let mut out = Vec::new();
    let mut i = at + 1;
    while i < head.len() {
        match head[i] {
            b'"' => return Some((String::from_utf8_lossy(&out).into_owned(), i + 1)),
            b'\\' if i + 1 < head.len() => {
                out.push(match head[i + 1] {
                    b'n' => b'\n',
                    b't' => b'\t',
                    other => other,
                });
                i += 2;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    None // the head ends inside this string
}

/// The header of a CSV file, if its first record is complete within the head.
pub fn csv_header(head: &[u8]) -> Option<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(head);
    let mut record = csv::StringRecord::new();
    match reader.read_record(&mut record) {
        Ok(true) if record.len() > 1 || head.contains(&b'\n') => Some(record.iter().map(str::to_owned).collect()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_the_first_object_at_each_path() {
        let head = br#"{"sdk": {"name": "x"}, "conversations": [{"conversation_id": "a", "spans": [{"span_id": "1", "kind": "turn"}]}, {"other": 1}]}"#;
        let h = json_head(head).unwrap();
        assert_eq!(h.keys(""), ["sdk", "conversations"]);
        assert_eq!(h.keys("sdk"), ["name"]);
        assert_eq!(h.keys("conversations[]"), ["conversation_id", "spans"], "only the first element's keys");
        assert_eq!(h.keys("conversations[].spans[]"), ["span_id", "kind"]);
        assert!(!h.lines);
    }

    #[test]
    fn a_head_cut_anywhere_still_gives_what_it_saw() {
        let head = br#"{"schema_version": 1, "conversations": [{"conversation_id": "a", "messa"#;
        let h = json_head(head).unwrap();
        assert_eq!(h.scalar("schema_version"), Some("1"));
        assert_eq!(h.keys("conversations[]"), ["conversation_id"]);
    }

    #[test]
    fn json_lines_are_told_from_one_document() {
        let h = json_head(b"{\"messages\": [{\"role\": \"user\"}]}\n{\"messages\": []}\n").unwrap();
        assert!(h.lines);
        assert_eq!(h.keys("messages[]"), ["role"]);
        assert_eq!(json_head(b"[{\"a\": 1}]").unwrap().keys("[]"), ["a"]);
        assert!(json_head(b"id,name\n").is_none());
    }

    #[test]
    fn deep_nesting_is_counted_not_kept() {
        let deep = "[".repeat(200_000);
        let h = json_head(deep.as_bytes()).unwrap();
        assert_eq!(h.opens_with, b'[');
        let mut nested = r#"{"a": "#.to_owned() + &"[".repeat(50) + r#"{"k": 1}"# + &"]".repeat(50) + r#", "b": 2}"#;
        nested.push('\n');
        let h = json_head(nested.as_bytes()).unwrap();
        assert_eq!(h.keys(""), ["a", "b"], "keys after a deep value are still seen");
    }

    #[test]
    fn a_csv_header_is_its_first_record() {
        assert_eq!(csv_header(b"id,\"trace, id\",x\n1,2,3\n").unwrap(), ["id", "trace, id", "x"]);
    }
}
