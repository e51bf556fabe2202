//! ClickHouse's `TabSeparated` answers, and string literals for its SQL.

/// The rows of a `TabSeparated` answer, each field unescaped.
pub fn rows(text: &str) -> Vec<Vec<String>> {
    text.lines().filter(|l| !l.is_empty()).map(|line| line.split('\t').map(unescape).collect()).collect()
}

/// `TabSeparated` escapes backslash, tab, newline and a few others.
fn unescape(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// A string literal: quotes and backslashes escaped.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            _ => out.push(c),
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_unescaped_and_literals_escaped() {
        assert_eq!(rows("a\\tb\tc\\\\d\n1\t2\n"), vec![vec!["a\tb", "c\\d"], vec!["1", "2"]]);
        assert_eq!(quote("it's a \\ test"), "'it\\'s a \\\\ test'");
    }
}
