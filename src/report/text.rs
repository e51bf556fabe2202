//! Text from the store as a report draws it: cleaned of what no SVG, PDF or
//! HTML file may hold, and fitted to a width in time linear in its length.
//!
//! Tool names, sources, comments and conversation ids come from files other
//! programs wrote, so any of them can be 10,000 characters long or hold a
//! NUL, an escape sequence or U+FFFE. XML 1.0 forbids most control
//! characters and U+FFFE/U+FFFF outright (an SVG holding one does not parse,
//! and neither does the PDF drawn from it); the other controls and the
//! Unicode noncharacters are allowed but draw as nothing useful. Line
//! breaks and tabs become spaces, since every drawn string is one line; the
//! rest is removed. Right-to-left marks and combining marks are text and
//! stay: each drawn string is its own `<text>` element, so they cannot
//! reorder or decorate anything around it.

use super::font::text_width;
use std::borrow::Cow;

/// The character set at the end of a string cut short.
const ELLIPSIS: char = '…';

/// What becomes of one character in drawn text: itself, a space, or nothing.
pub fn cleaned(c: char) -> Option<char> {
    match c {
        '\t' | '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}' => Some(' '),
        c if c.is_control() => None,
        // Noncharacters: U+FDD0..U+FDEF and the last two code points of every plane.
        '\u{fdd0}'..='\u{fdef}' => None,
        c if (c as u32) & 0xfffe == 0xfffe => None,
        c => Some(c),
    }
}

/// `text` with line breaks and tabs as spaces and every other control
/// character and noncharacter removed; borrowed when nothing changes.
///
/// ```text
/// "web\u{0}\u{1b}[31m\nchat\u{fffe}"  →  "web[31m chat"
/// ```
pub fn clean(text: &str) -> Cow<'_, str> {
    if text.chars().all(|c| cleaned(c) == Some(c)) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.chars().filter_map(cleaned).collect())
}

/// `text` cleaned and cut to `width` (in the unit of `size`) with an
/// ellipsis. The bundled font's advances are summed once from the left, so
/// a label of any length costs one pass.
pub fn ellipsize(text: &str, size: f64, bold: bool, width: f64) -> String {
    let text = clean(text);
    if text_width(&text, size, bold) <= width {
        return text.into_owned();
    }
    let room = width - text_width(&ELLIPSIS.to_string(), size, bold);
    let mut used = 0.0;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        let w = text_width(c.encode_utf8(&mut [0; 4]), size, bold);
        if used + w > room {
            break;
        }
        used += w;
        end = i + c.len_utf8();
    }
    let mut out = String::with_capacity(end + ELLIPSIS.len_utf8());
    out.push_str(&text[..end]);
    out.push(ELLIPSIS);
    out
}

/// Greedy word wrap with the bundled font's widths, at most `max_lines`
/// lines (the last one ending in an ellipsis when text is left over); a
/// word wider than a line is cut with an ellipsis. Each word is measured
/// once, so the cost is linear in the text.
pub fn wrap(text: &str, size: f64, bold: bool, width: f64, max_lines: usize) -> Vec<String> {
    let space = text_width(" ", size, bold);
    let mut lines: Vec<String> = Vec::new();
    let mut cut = false;
    'paragraphs: for paragraph in text.split('\n') {
        if lines.len() == max_lines {
            cut = true;
            break;
        }
        let mut line = String::new();
        let mut line_width = 0.0;
        for word in paragraph.split_whitespace() {
            let word = clean(word);
            let word_width = text_width(&word, size, bold);
            if !line.is_empty() && line_width + space + word_width <= width {
                line.push(' ');
                line.push_str(&word);
                line_width += space + word_width;
                continue;
            }
            if !line.is_empty() {
                if lines.len() + 1 == max_lines {
                    lines.push(line);
                    cut = true;
                    break 'paragraphs;
                }
                lines.push(std::mem::take(&mut line));
            }
            line = if word_width <= width { word.into_owned() } else { ellipsize(&word, size, bold, width) };
            line_width = word_width.min(width);
        }
        lines.push(line);
    }
    if cut {
        if let Some(last) = lines.last_mut() {
            *last = ellipsize(&format!("{last}{ELLIPSIS}"), size, bold, width);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_noncharacters_are_removed_and_breaks_become_spaces() {
        assert_eq!(clean("web\u{0}\u{1b}[31m\nchat\u{fffe}\u{ffff}\u{fdd0}\u{1fffe}\u{7f}\u{9b}"), "web[31m chat");
        assert!(matches!(clean("plain · text"), Cow::Borrowed(_)), "clean text is not copied");
        assert_eq!(clean("\u{200f}مرحبا\u{301}"), "\u{200f}مرحبا\u{301}", "RTL and combining marks are text");
    }

    #[test]
    fn a_long_label_is_cut_to_its_width_with_an_ellipsis() {
        let long = "x".repeat(100_000);
        let cut = ellipsize(&long, 19.0, false, 220.0);
        assert!(cut.ends_with('…'));
        assert!(text_width(&cut, 19.0, false) <= 220.0, "the cut label fits");
        assert!(cut.chars().count() > 10, "and uses the room it has");
        assert_eq!(ellipsize("short", 19.0, false, 220.0), "short");
        assert_eq!(ellipsize("a\u{0}b", 19.0, false, 220.0), "ab", "a fitted label is clean too");
    }

    #[test]
    fn wrap_keeps_lines_within_the_width_and_the_count() {
        let text = format!("{} and then {}", "word ".repeat(10_000), "y".repeat(5_000));
        let lines = wrap(&text, 10.0, false, 300.0, 6);
        assert_eq!(lines.len(), 6);
        assert!(lines.iter().all(|l| text_width(l, 10.0, false) <= 300.0), "{lines:?}");
        assert!(lines[5].ends_with('…'), "the last line says text was left out");
        let lines = wrap(&"z".repeat(5_000), 10.0, false, 300.0, usize::MAX);
        assert_eq!(lines.len(), 1);
        assert!(lines[0].ends_with('…'), "a word wider than the line is cut");
        assert_eq!(wrap("one\ntwo three", 10.0, false, 300.0, usize::MAX), ["one", "two three"]);
    }
}
