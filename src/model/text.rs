//! Text that comes from a design file and ends up on a terminal, in a file name or in an
//! export. A design may come from anyone, so its strings are treated as hostile: control
//! characters (ANSI colour codes, OSC title sequences, NUL, newlines in an id) and the
//! Unicode bidirectional overrides ("Trojan Source") are refused by validation in ids and
//! names, and escaped by [`printable`] wherever text from a document is printed.

use std::borrow::Cow;

/// Whether `c` must never reach a terminal raw: a C0/C1 control character or a Unicode
/// bidirectional formatting character (U+200E-U+200F, U+202A-U+202E, U+2066-U+2069).
#[must_use]
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Whether `s` holds a character that [`is_unsafe_char`] refuses.
#[must_use]
pub fn has_unsafe_chars(s: &str) -> bool {
    s.chars().any(is_unsafe_char)
}

/// `s` with every unsafe character written as a Rust-style escape (`\u{1b}`, `\n`), so
/// printing it cannot move the cursor, change colours or rewrite the terminal title.
/// Borrowed when there is nothing to escape.
#[must_use]
pub fn printable(s: &str) -> Cow<'_, str> {
    escape_where(s, is_unsafe_char)
}

/// Like [`printable`], but line feeds and tabs stay: for multi-line texts (exports,
/// error messages) whose layout is their own.
#[must_use]
pub fn printable_lines(s: &str) -> Cow<'_, str> {
    escape_where(s, |c| is_unsafe_char(c) && c != '\n' && c != '\t')
}

fn escape_where(s: &str, bad: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(&bad) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if bad(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_terminal_sequences() {
        assert_eq!(printable("orders"), "orders");
        assert!(matches!(printable("orders"), Cow::Borrowed(_)));
        assert_eq!(printable("a\u{1b}[31mred"), "a\\u{1b}[31mred");
        assert_eq!(printable("t\u{1b}]0;owned\u{7}"), "t\\u{1b}]0;owned\\u{7}");
        assert_eq!(printable("x\ny"), "x\\ny");
        assert_eq!(printable("abc\u{202E}fed"), "abc\\u{202e}fed");
        assert!(!has_unsafe_chars("Bestellungen-Größe_2"));
        assert!(
            has_unsafe_chars("\u{9b}31m"),
            "C1 CSI is a control character"
        );
        assert_eq!(printable_lines("a\n\tb\u{1b}"), "a\n\tb\\u{1b}");
        assert_eq!(printable("a\n\tb"), "a\\n\\tb");
    }
}
